/*
 * json.c - NDJSON and JSON-array parsers for flat objects; see json.h.
 *
 * Both formats reduce to "here is the text of one object and its row":
 * NDJSON through the shared line splitter, JSON arrays through a small
 * state machine that finds each top-level element by counting brackets
 * outside strings (an escaped quote does not end a string).  An element
 * that fits in the current chunk is parsed in place; one that spans chunks
 * is collected in a buffer capped at INGEST_MAX_RECORD_BYTES.
 *
 * Each object is parsed with cJSON_ParseWithLengthOpts, which validates it
 * and unescapes strings.  cJSON keeps numbers only as doubles and truncates
 * strings at an escaped NUL, so a second, trusting pass over the object's
 * text (already known to be valid) finds each member's raw key and value
 * text: numbers are taken from there verbatim and checked against the JSON
 * grammar (cJSON also takes "01" and "1."), and "\u0000" is caught.  The
 * members of cJSON's tree and of that pass correspond one to one, in order
 * (cJSON keeps duplicate keys).
 *
 * NEEDSWORK: cJSON records a parse failure in a process-wide variable as
 * well; we never read it (the position comes back through return_parse_end)
 * but concurrent failing parses in several threads race on it.
 */
#include "common/fa.h"
#include "common/strmap.h"
#include "ingest/json.h"
#include <cjson/cJSON.h>

enum ja_state {
	JA_START,	/* before '[' */
	JA_FIRST,	/* after '[': an element or ']' */
	JA_NEXT,	/* after ',': an element */
	JA_OBJ,		/* inside an object element */
	JA_SKIP,	/* inside an element that is not an object */
	JA_AFTER,	/* after an element: ',' or ']' */
	JA_DONE,	/* after ']' */
};

/* One member's raw text, from the second pass. */
struct member {
	const char *val;
	size_t vlen;
	bool key_nul, val_nul;
};

struct json_parser {
	struct ingest_sink sink;
	struct ingest_errors *errs;
	struct ingest_bom bom;
	bool array;
	const char *what;	/* "line" or "element", for messages */
	bool fatal;

	struct ingest_lines lines;	/* NDJSON */

	enum ja_state state;		/* JSON array */
	uint64_t elem;
	int depth;
	bool in_str, esc;
	char *obj;
	size_t len, alloc;
	bool toolong;

	bool have_header, header_bad, too_many;
	struct strmap colmap;		/* column name -> index */
	size_t ncols;
	struct ingest_column *cols;	/* FA_MAX_COLUMNS entries */
	struct ingest_value *vals;	/* FA_MAX_COLUMNS entries */
	uint64_t *seen, gen;		/* column set in object number gen */
	struct member *m;
	size_t m_alloc;
};

static void ndjson_line(void *ctx, uint64_t line, const char *s, size_t n);

struct json_parser *json_parser_new(bool array, const struct ingest_sink *sink,
				    struct ingest_errors *errs)
{
	struct json_parser *p = xcalloc(1, sizeof(*p));

	p->sink = *sink;
	p->errs = errs;
	p->array = array;
	p->what = array ? "element" : "line";
	p->state = JA_START;
	strmap_init(&p->colmap);
	p->cols = xcalloc(FA_MAX_COLUMNS, sizeof(*p->cols));
	p->vals = xcalloc(FA_MAX_COLUMNS, sizeof(*p->vals));
	p->seen = xcalloc(FA_MAX_COLUMNS, sizeof(*p->seen));
	ingest_lines_init(&p->lines, INGEST_MAX_RECORD_BYTES, errs,
			  ndjson_line, p);
	return p;
}

void json_parser_free(struct json_parser *p)
{
	if (!p)
		return;
	ingest_lines_release(&p->lines);
	strmap_release(&p->colmap);
	free(p->obj);
	free(p->cols);
	free(p->vals);
	free(p->seen);
	free(p->m);
	free(p);
}

/* ---- the second pass over an object's text ---- */

/* cJSON's notion of whitespace: every byte up to and including space. */
static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && (unsigned char)*s <= 32)
		s++;
	return s;
}

/* s at an opening quote: past the closing one; *nul if it has \u0000. */
static const char *skip_string(const char *s, const char *e, bool *nul)
{
	for (s++; s < e; s++) {
		if (*s == '"')
			return s + 1;
		if (*s == '\\') {
			if (e - s >= 6 && !memcmp(s + 1, "u0000", 5))
				*nul = true;
			s++;
		}
	}
	return e;
}

static const char *skip_value(const char *s, const char *e)
{
	bool nul = false;
	int depth = 0;

	if (*s == '"')
		return skip_string(s, e, &nul);
	if (*s == '{' || *s == '[') {
		while (s < e) {
			if (*s == '"') {
				s = skip_string(s, e, &nul);
				continue;
			}
			if (*s == '{' || *s == '[')
				depth++;
			else if ((*s == '}' || *s == ']') && --depth == 0)
				return s + 1;
			s++;
		}
		return e;
	}
	while (s < e && *s != ',' && *s != '}' && *s != ']' &&
	       (unsigned char)*s > 32)
		s++;
	return s;
}

/* The members of the valid JSON object [s, e); returns their count. */
static size_t scan_members(struct json_parser *p, const char *s, const char *e)
{
	size_t n = 0;

	s = memchr(s, '{', (size_t)(e - s));
	if (!s)
		return 0;
	s = skip_ws(s + 1, e);
	while (s < e && *s == '"') {
		struct member *m;

		p->m = xgrow(p->m, &p->m_alloc, n + 1, sizeof(*p->m));
		m = &p->m[n++];
		m->key_nul = m->val_nul = false;
		s = skip_string(s, e, &m->key_nul);
		s = skip_ws(s, e);
		if (s < e && *s == ':')
			s++;
		s = skip_ws(s, e);
		m->val = s;
		if (s < e && *s == '"') {
			s = skip_string(s, e, &m->val_nul);
		} else {
			s = skip_value(s, e);
		}
		m->vlen = (size_t)(s - m->val);
		s = skip_ws(s, e);
		if (s < e && *s == ',')
			s = skip_ws(s + 1, e);
	}
	return n;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 number grammar. */
static bool number_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && is_digit(s[i]))
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

/* ---- one object ---- */

static void start_header(struct json_parser *p, uint64_t row)
{
	p->have_header = true;
	p->ncols = p->colmap.n;
	for (uint32_t i = 0; i < p->colmap.n; i++) {
		p->cols[i].name = strmap_str(&p->colmap, i);
		p->cols[i].len = strmap_len(&p->colmap, i);
	}
	if (!p->header_bad && p->sink.header)
		p->sink.header(p->sink.ctx, row, p->cols, p->ncols);
}

static void too_long(struct json_parser *p, uint64_t row, const char *key)
{
	ingest_errors_addf(p->errs, row, key, "value is longer than %d bytes "
			   "(FA_MAX_FIELD_BYTES)", FA_MAX_FIELD_BYTES);
}

/* Check one member and store its value in vals[col]; false if in error. */
static bool member_value(struct json_parser *p, uint64_t row, const char *key,
			 const cJSON *c, const struct member *m, size_t col)
{
	struct ingest_value *v = &p->vals[col];
	struct buf q = BUF_INIT;
	size_t len;
	int chk;

	v->null = false;
	switch (c->type & 0xFF) {
	case cJSON_String:
		if (m->val_nul) {
			ingest_errors_addf(p->errs, row, key, "value contains "
					   "a NUL character (\\u0000)");
			return false;
		}
		len = strlen(c->valuestring);
		if (len > FA_MAX_FIELD_BYTES) {
			too_long(p, row, key);
			return false;
		}
		if ((chk = ingest_text_check(c->valuestring, len))) {
			ingest_errors_addf(p->errs, row, key, "value %s",
					   ingest_text_reason(chk));
			return false;
		}
		v->s = c->valuestring;
		v->len = len;
		return true;
	case cJSON_Number:
		/* A number's text is its value, held to the same limit. */
		if (m->vlen > FA_MAX_FIELD_BYTES) {
			too_long(p, row, key);
			return false;
		}
		if (!number_ok(m->val, m->vlen)) {
			ingest_quote(&q, m->val, m->vlen);
			ingest_errors_addf(p->errs, row, key, "invalid JSON "
					   "number %s", q.s);
			buf_release(&q);
			return false;
		}
		v->s = m->val;
		v->len = m->vlen;
		return true;
	case cJSON_True:
		v->s = "true";
		v->len = 4;
		return true;
	case cJSON_False:
		v->s = "false";
		v->len = 5;
		return true;
	case cJSON_NULL:
		v->s = "";
		v->len = 0;
		v->null = true;
		return true;
	default:
		ingest_errors_addf(p->errs, row, key, "nested arrays and "
				   "objects are not allowed (a value is a "
				   "string, number, true, false or null)");
		return false;
	}
}

/* Column index for key in the current object, or -1 after an error. */
static int64_t member_column(struct json_parser *p, uint64_t row,
			     const char *key, size_t klen, bool first)
{
	int64_t col = strmap_find(&p->colmap, key, klen);
	struct buf q = BUF_INIT;

	if (col < 0 && first) {
		if (p->colmap.n >= FA_MAX_COLUMNS) {
			if (!p->too_many)
				ingest_errors_addf(p->errs, row, NULL,
						   "the %s has more than %d "
						   "keys (FA_MAX_COLUMNS)",
						   p->what, FA_MAX_COLUMNS);
			p->too_many = true;
			p->header_bad = true;
			return -1;
		}
		col = strmap_intern(&p->colmap, key, klen, NULL);
	} else if (col < 0) {
		ingest_quote(&q, key, klen);
		ingest_errors_addf(p->errs, row, key, "unknown column: the "
				   "first %s, which defines the columns, has "
				   "no key %s", p->what, q.s);
		buf_release(&q);
		return -1;
	}
	if (p->seen[col] == p->gen) {
		ingest_errors_addf(p->errs, row, key, "duplicate key");
		return -1;
	}
	p->seen[col] = p->gen;
	return col;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * What cJSON lets through and RFC 8259 does not: any byte up to 32 counts
 * as whitespace to cJSON (a NUL or a form feed between tokens), and raw
 * control characters inside strings.  Returns the offset of the first such
 * byte, or n.
 */
static size_t strict_json_bytes(const char *s, size_t n)
{
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			else if (c < 0x20)
				return i;
		} else if (c == '"') {
			in_str = true;
		} else if (c <= 32 && !is_ws((char)c)) {
			return i;
		}
	}
	return n;
}

static void object(struct json_parser *p, uint64_t row, const char *s,
		   size_t n)
{
	const char *end = NULL, *e = s + n;
	cJSON *root, *c;
	size_t nm, i;
	bool bad = false, first = !p->have_header;

	i = strict_json_bytes(s, n);
	if (i < n) {
		ingest_errors_addf(p->errs, row, NULL, "invalid JSON (a control "
				   "character near byte %zu of the %s)", i + 1,
				   p->what);
		return;
	}
	root = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	if (!root) {
		size_t at = end && end >= s && end <= e ? (size_t)(end - s) : 0;

		ingest_errors_addf(p->errs, row, NULL, "invalid JSON (error "
				   "near byte %zu of the %s)", at + 1, p->what);
		return;
	}
	if (!cJSON_IsObject(root)) {
		ingest_errors_addf(p->errs, row, NULL, "the %s is not a JSON "
				   "object", p->what);
		goto out;
	}
	for (const char *t = end; t < e; t++) {
		if (*t != ' ' && *t != '\t' && *t != '\r' && *t != '\n') {
			ingest_errors_addf(p->errs, row, NULL, "unexpected "
					   "text after the JSON object");
			goto out;
		}
	}
	nm = scan_members(p, s, end);
	p->gen++;
	for (c = root->child, i = 0; c; c = c->next, i++) {
		const char *key = c->string;
		size_t klen = strlen(key);
		int64_t col;
		int chk;

		if (i >= nm) {
			/* Cannot happen for text cJSON accepted. */
			ingest_errors_addf(p->errs, row, NULL, "invalid JSON");
			bad = true;
			break;
		}
		if (p->m[i].key_nul) {
			ingest_errors_addf(p->errs, row, NULL, "a key contains "
					   "a NUL character (\\u0000)");
			bad = true;
			continue;
		}
		if ((chk = ingest_text_check(key, klen))) {
			ingest_errors_addf(p->errs, row, NULL, "a key %s",
					   ingest_text_reason(chk));
			bad = true;
			continue;
		}
		col = member_column(p, row, key, klen, first);
		if (col < 0) {
			bad = true;
			continue;
		}
		if (!member_value(p, row, key, c, &p->m[i], (size_t)col))
			bad = true;
	}
	if (first)
		start_header(p, row);
	if (bad || p->header_bad || !p->sink.record)
		goto out;
	for (i = 0; i < p->ncols; i++) {
		if (p->seen[i] != p->gen) {
			p->vals[i].s = "";
			p->vals[i].len = 0;
			p->vals[i].null = true;
		}
	}
	struct ingest_record r = {
		.row = row, .n = p->ncols, .cols = p->cols, .v = p->vals,
	};
	p->sink.record(p->sink.ctx, &r);
out:
	cJSON_Delete(root);
}

/* ---- NDJSON ---- */

static void ndjson_line(void *ctx, uint64_t line, const char *s, size_t n)
{
	struct json_parser *p = ctx;
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			break;
	if (i == n)
		return;
	object(p, line, s, n);
}

/* ---- JSON array ---- */

static void fatal(struct json_parser *p, uint64_t row, const char *reason)
{
	ingest_errors_addf(p->errs, row, NULL, "%s", reason);
	p->fatal = true;
}

/* Bytes [s, s+n) of the current object element; done = it ends here. */
static void elem_piece(struct json_parser *p, const char *s, size_t n,
		       bool done)
{
	if (!p->toolong && p->len + n > INGEST_MAX_RECORD_BYTES) {
		ingest_errors_addf(p->errs, p->elem, NULL, "the element is "
				   "longer than %zu bytes",
				   INGEST_MAX_RECORD_BYTES);
		p->toolong = true;
	}
	if (done && !p->len && !p->toolong) {
		object(p, p->elem, s, n);
		return;
	}
	if (!p->toolong) {
		p->obj = xgrow(p->obj, &p->alloc, p->len + n, 1);
		memcpy(p->obj + p->len, s, n);
		p->len += n;
	}
	if (done) {
		if (!p->toolong)
			object(p, p->elem, p->obj, p->len);
		p->len = 0;
		p->toolong = false;
	}
}

static void elem_begin(struct json_parser *p, enum ja_state st)
{
	p->depth = 0;
	p->in_str = p->esc = false;
	p->len = 0;
	p->toolong = false;
	p->state = st;
}

/* Track strings; true if c is outside a string (and not its end quote). */
static inline bool outside_string(struct json_parser *p, char c)
{
	if (p->in_str) {
		if (p->esc)
			p->esc = false;
		else if (c == '\\')
			p->esc = true;
		else if (c == '"')
			p->in_str = false;
		return false;
	}
	if (c == '"') {
		p->in_str = true;
		return false;
	}
	return true;
}

static void array_scan(struct json_parser *p, const char *s, size_t n)
{
	const char *e = s + n, *start;
	char c;

	while (s < e && !p->fatal) {
		c = *s;
		switch (p->state) {
		case JA_START:
			if (is_ws(c)) {
				s++;
			} else if (c == '[') {
				s++;
				p->state = JA_FIRST;
			} else {
				fatal(p, 0, "the body is not a JSON array (it "
				      "must start with '[')");
			}
			break;
		case JA_FIRST:
		case JA_NEXT:
			if (is_ws(c)) {
				s++;
				break;
			}
			if (c == ']') {
				if (p->state == JA_NEXT)
					ingest_errors_addf(p->errs, p->elem,
							   NULL, "trailing "
							   "comma before ']'");
				s++;
				p->state = JA_DONE;
				break;
			}
			p->elem++;
			if (c == ',') {
				ingest_errors_addf(p->errs, p->elem, NULL,
						   "missing element before "
						   "','");
				s++;
				p->state = JA_NEXT;
			} else if (c == '{') {
				elem_begin(p, JA_OBJ);
			} else {
				ingest_errors_addf(p->errs, p->elem, NULL,
						   "the element is not a JSON "
						   "object");
				elem_begin(p, JA_SKIP);
			}
			break;
		case JA_OBJ:
			start = s;
			for (; s < e; s++) {
				c = *s;
				if (!outside_string(p, c))
					continue;
				if (c == '{' || c == '[') {
					p->depth++;
				} else if ((c == '}' || c == ']') &&
					   --p->depth == 0) {
					s++;
					p->state = JA_AFTER;
					break;
				}
			}
			elem_piece(p, start, (size_t)(s - start),
				   p->state == JA_AFTER);
			break;
		case JA_SKIP:
			for (; s < e; s++) {
				c = *s;
				if (!outside_string(p, c))
					continue;
				if (c == '{' || c == '[') {
					p->depth++;
				} else if (c == '}' || c == ']') {
					if (p->depth == 0 && c == ']') {
						p->state = JA_AFTER;
						break;
					}
					if (p->depth > 0)
						p->depth--;
				} else if (c == ',' && p->depth == 0) {
					p->state = JA_AFTER;
					break;
				}
			}
			break;
		case JA_AFTER:
			if (is_ws(c)) {
				s++;
			} else if (c == ',') {
				s++;
				p->state = JA_NEXT;
			} else if (c == ']') {
				s++;
				p->state = JA_DONE;
			} else {
				fatal(p, p->elem, "expected ',' or ']' after "
				      "the element");
			}
			break;
		case JA_DONE:
			if (is_ws(c))
				s++;
			else
				fatal(p, 0, "unexpected text after the closing "
				      "']' of the array");
			break;
		}
	}
}

/* ---- entry points ---- */

static void scan(struct json_parser *p, const char *s, size_t n)
{
	if (p->array)
		array_scan(p, s, n);
	else
		ingest_lines_feed(&p->lines, s, n);
}

int json_parser_feed(struct json_parser *p, const char *data, size_t n)
{
	if (p->fatal)
		return -1;
	if (!p->bom.done) {
		size_t replay = ingest_bom_step(&p->bom, &data, &n);

		if (replay)
			scan(p, ingest_bom_bytes, replay);
	}
	scan(p, data, n);
	return p->fatal ? -1 : 0;
}

int json_parser_finish(struct json_parser *p)
{
	size_t replay = ingest_bom_flush(&p->bom);

	if (replay && !p->fatal)
		scan(p, ingest_bom_bytes, replay);
	if (!p->array) {
		ingest_lines_finish(&p->lines);
	} else if (!p->fatal) {
		switch (p->state) {
		case JA_START:
			fatal(p, 0, "the body is empty (expected a JSON "
			      "array of objects)");
			break;
		case JA_FIRST:
		case JA_NEXT:
		case JA_AFTER:
			fatal(p, 0, "the JSON array is not closed (']' is "
			      "missing at the end of the body)");
			break;
		case JA_OBJ:
		case JA_SKIP:
			fatal(p, p->elem, "the element is not terminated "
			      "(the body ends inside it)");
			break;
		case JA_DONE:
			break;
		}
	}
	return p->errs->total ? -1 : 0;
}
