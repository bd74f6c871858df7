/*
 * fuzz_ingest.h - the oracle shared by the upload parser fuzz targets
 * (fuzz_csv.c, fuzz_ndjson.c, fuzz_json.c, fuzz_trn.c).
 *
 * One input is parsed three times through ingest_parser_new/feed/finish:
 * whole, one byte at a time, and in chunks whose sizes follow a pattern
 * chosen by the input's first byte (fixed sizes, powers of two, a
 * pseudo-random walk with empty feeds, sizes read from the input itself).
 * The three runs must produce the same header, the same records (rows,
 * values, null flags), the same error list and the same summary of errors
 * by kind, byte for byte; for CSV, so must a fourth, whole but through
 * the byte-by-byte state machine only (ingest_options.scalar), the
 * reference for the 16-bytes-at-a-time fast path.  Every callback is
 * checked against the contract in ingest/ingest.h as it arrives: header
 * once and first, at most FA_MAX_COLUMNS columns, names NUL-terminated,
 * values valid UTF-8 without NUL and at most FA_MAX_FIELD_BYTES long, null
 * values empty, rows increasing.
 *
 * When the whole-buffer run has no error, two more things must hold.  The
 * input with a line end added (if it had none) gives the same records,
 * rows and all, since the last record may lack its line end in every
 * format.  And the records written back in the same format by a serializer
 * here (RFC 4180 quoting for CSV, JSON string escaping for NDJSON and
 * arrays, "text(id)" lines for trn), in a style the input's last byte
 * picks (quoting everything or only what must be, CRLF or CR or LF, \u
 * escapes, bare numbers, omitted nulls, ...), parse with no error to the
 * same header and records; rows too for CSV and JSON arrays, where the
 * serializer keeps them (NDJSON and trn rows are line numbers, and the
 * original may have had blank or comment lines).
 *
 * Any mismatch prints both sides and calls abort(), which libFuzzer
 * reports as a crash with the input saved.
 */
#ifndef FA_FUZZ_INGEST_H
#define FA_FUZZ_INGEST_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include "ingest/parser.h"
#include <cjson/cJSON.h>

/* ---- what one run produced ---- */

struct fz_value {
	char *s;
	size_t len;
	bool null;
};

struct fz_record {
	uint64_t row;
	size_t n;
	struct fz_value *v;
};

struct fz_run {
	bool have_header;
	uint64_t header_row;
	size_t ncols;
	char **names;
	size_t *name_len;

	struct fz_record *rec;
	size_t nrec, rec_alloc;

	int finish_rc;
	struct ingest_errors errs;
};

static void fz_die(const char *fmt, ...) FA_PRINTF(1, 2);
static void fz_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz oracle: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void fz_run_release(struct fz_run *r)
{
	for (size_t i = 0; i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	free(r->name_len);
	for (size_t i = 0; i < r->nrec; i++)
		free(r->rec[i].v);	/* values and their bytes, one block */
	free(r->rec);
	ingest_errors_release(&r->errs);
	memset(r, 0, sizeof(*r));
}

static void fz_header(void *ctx, uint64_t row, const struct ingest_column *cols,
		      size_t n)
{
	struct fz_run *r = ctx;

	if (r->have_header)
		fz_die("header() called twice");
	if (r->nrec)
		fz_die("header() called after a record");
	if (n > FA_MAX_COLUMNS)
		fz_die("a header of %zu columns, over FA_MAX_COLUMNS", n);
	r->have_header = true;
	r->header_row = row;
	r->ncols = n;
	r->names = xcalloc(n, sizeof(*r->names));
	r->name_len = xcalloc(n, sizeof(*r->name_len));
	for (size_t i = 0; i < n; i++) {
		if (!cols[i].name || strlen(cols[i].name) != cols[i].len)
			fz_die("column %zu: name not NUL-terminated at its "
			       "length", i);
		if (ingest_text_check(cols[i].name, cols[i].len))
			fz_die("column %zu: name is not valid UTF-8", i);
		r->names[i] = xstrndup(cols[i].name, cols[i].len);
		r->name_len[i] = cols[i].len;
	}
}

static void fz_record(void *ctx, const struct ingest_record *rec)
{
	struct fz_run *r = ctx;
	struct fz_record *x;
	size_t bytes = 1;
	char *at;

	if (!r->have_header)
		fz_die("record() before header()");
	if (rec->n != r->ncols)
		fz_die("record with %zu values, header has %zu", rec->n,
		       r->ncols);
	if (r->nrec && rec->row <= r->rec[r->nrec - 1].row)
		fz_die("row %llu after row %llu",
		       (unsigned long long)rec->row,
		       (unsigned long long)r->rec[r->nrec - 1].row);
	r->rec = xgrow(r->rec, &r->rec_alloc, r->nrec + 1, sizeof(*r->rec));
	x = &r->rec[r->nrec++];
	x->row = rec->row;
	x->n = rec->n;
	/* One allocation a record: ASan makes each one costly. */
	for (size_t i = 0; i < rec->n; i++)
		bytes += rec->v[i].len + 1;
	x->v = xmalloc(rec->n * sizeof(*x->v) + bytes);
	at = (char *)(x->v + rec->n);
	for (size_t i = 0; i < rec->n; i++) {
		const struct ingest_value *v = &rec->v[i];

		if (rec->cols[i].len != r->name_len[i] ||
		    memcmp(rec->cols[i].name, r->names[i], r->name_len[i]))
			fz_die("record column %zu is not header column %zu",
			       i, i);
		if (v->null && v->len)
			fz_die("null value of length %zu", v->len);
		if (v->len > FA_MAX_FIELD_BYTES)
			fz_die("a value of %zu bytes, over FA_MAX_FIELD_BYTES",
			       v->len);
		if (!v->s)
			fz_die("value pointer is NULL");
		if (ingest_text_check(v->s, v->len))
			fz_die("value is not valid UTF-8 or has a NUL");
		x->v[i].s = at;
		memcpy(at, v->s, v->len);
		at[v->len] = '\0';
		at += v->len + 1;
		x->v[i].len = v->len;
		x->v[i].null = v->null;
	}
}

/* ---- chunking ---- */

enum fz_cut {
	FZ_WHOLE,	/* one feed */
	FZ_BYTES,	/* one byte a feed */
	FZ_PATTERN,	/* sizes chosen by the first byte */
};

static uint32_t fz_xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Feed [d, d+n) cut as asked; fatal feeds do not stop the feeding. */
static void fz_feed_all(struct ingest_parser *p, const uint8_t *d, size_t n,
			enum fz_cut cut)
{
	uint8_t b = n ? d[0] : 0;
	uint32_t seed = 0x9E3779B9u ^ b ^ (uint32_t)n * 2654435761u;
	size_t off = 0, k, i = 0;

	if (!seed)
		seed = 1;
	switch (cut) {
	case FZ_WHOLE:
		ingest_parser_feed(p, d, n);
		return;
	case FZ_BYTES:
		for (off = 0; off < n; off++)
			ingest_parser_feed(p, d + off, 1);
		return;
	case FZ_PATTERN:
		break;
	}
	while (off < n) {
		switch (b & 3) {
		case 0:		/* 1..16 bytes */
			k = ((size_t)(b >> 2) & 15) + 1;
			break;
		case 1:		/* 2, 4, ..., 65536 bytes */
			k = (size_t)2 << ((b >> 2) & 15);
			break;
		case 2:		/* random 0..63, so some feeds are empty */
			k = fz_xorshift(&seed) & 63;
			break;
		default:	/* the input's own bytes say 1..32 */
			k = (d[i++ % n] & 31) + 1;
			break;
		}
		if (k > n - off)
			k = n - off;
		ingest_parser_feed(p, d + off, k);
		off += k;
	}
}

static void fz_parse(enum ingest_format f, const struct ingest_options *opts,
		     const uint8_t *d, size_t n, enum fz_cut cut,
		     struct fz_run *r)
{
	struct ingest_sink sink = { fz_header, fz_record, r };
	struct ingest_parser *p;

	memset(r, 0, sizeof(*r));
	ingest_errors_init(&r->errs);
	p = ingest_parser_new(f, opts, &sink, &r->errs);
	fz_feed_all(p, d, n, cut);
	r->finish_rc = ingest_parser_finish(p);
	ingest_parser_free(p);
}

/* ---- comparing runs ---- */

static void fz_show_value(const struct fz_value *v)
{
	if (v->null) {
		fputs("NULL", stderr);
		return;
	}
	fputc('"', stderr);
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->s[i];

		if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7F)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputc('"', stderr);
}

static void fz_show(const char *what, const struct fz_run *r)
{
	fprintf(stderr, "--- %s: finish %d, %zu records, %llu errors\n", what,
		r->finish_rc, r->nrec, (unsigned long long)r->errs.total);
	if (r->have_header) {
		fprintf(stderr, "H%llu", (unsigned long long)r->header_row);
		for (size_t i = 0; i < r->ncols; i++) {
			struct fz_value v = { r->names[i], r->name_len[i],
					      false };

			fputc(' ', stderr);
			fz_show_value(&v);
		}
		fputc('\n', stderr);
	}
	for (size_t i = 0; i < r->nrec && i < 20; i++) {
		fprintf(stderr, "R%llu", (unsigned long long)r->rec[i].row);
		for (size_t j = 0; j < r->rec[i].n; j++) {
			fputc(' ', stderr);
			fz_show_value(&r->rec[i].v[j]);
		}
		fputc('\n', stderr);
	}
	for (size_t i = 0; i < r->errs.n && i < 20; i++)
		fprintf(stderr, "E%llu %s: %s\n",
			(unsigned long long)r->errs.v[i].row,
			r->errs.v[i].column ? r->errs.v[i].column : "-",
			r->errs.v[i].reason);
}

static bool fz_same_str(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/*
 * Whether a and b hold the same header and records; rows too when
 * with_rows.  Sets *why to the first difference.
 */
static bool fz_same_data(const struct fz_run *a, const struct fz_run *b,
			 bool with_rows, const char **why)
{
	if (a->have_header != b->have_header) {
		*why = "one run has a header, the other none";
		return false;
	}
	if (a->have_header) {
		if (with_rows && a->header_row != b->header_row) {
			*why = "header rows differ";
			return false;
		}
		if (a->ncols != b->ncols) {
			*why = "column counts differ";
			return false;
		}
		for (size_t i = 0; i < a->ncols; i++) {
			if (a->name_len[i] != b->name_len[i] ||
			    memcmp(a->names[i], b->names[i], a->name_len[i])) {
				*why = "column names differ";
				return false;
			}
		}
	}
	if (a->nrec != b->nrec) {
		*why = "record counts differ";
		return false;
	}
	for (size_t i = 0; i < a->nrec; i++) {
		const struct fz_record *x = &a->rec[i], *y = &b->rec[i];

		if (with_rows && x->row != y->row) {
			*why = "record rows differ";
			return false;
		}
		for (size_t j = 0; j < x->n; j++) {
			if (x->v[j].null != y->v[j].null) {
				*why = "null flags differ";
				return false;
			}
			if (x->v[j].len != y->v[j].len ||
			    memcmp(x->v[j].s, y->v[j].s, x->v[j].len)) {
				*why = "values differ";
				return false;
			}
		}
	}
	return true;
}

static bool fz_same_errors(const struct fz_run *a, const struct fz_run *b,
			   const char **why)
{
	if (a->finish_rc != b->finish_rc) {
		*why = "finish() results differ";
		return false;
	}
	if (a->errs.total != b->errs.total || a->errs.n != b->errs.n) {
		*why = "error counts differ";
		return false;
	}
	for (size_t i = 0; i < a->errs.n; i++) {
		const struct ingest_error *x = &a->errs.v[i], *y = &b->errs.v[i];

		if (x->row != y->row || !fz_same_str(x->column, y->column) ||
		    !fz_same_str(x->reason, y->reason)) {
			*why = "error lists differ";
			return false;
		}
	}
	if (a->errs.total) {
		struct buf sa = BUF_INIT, sb = BUF_INIT;
		bool same;

		ingest_errors_summary_json(&a->errs, &sa);
		ingest_errors_summary_json(&b->errs, &sb);
		same = sa.len == sb.len && !memcmp(sa.s, sb.s, sa.len);
		buf_release(&sa);
		buf_release(&sb);
		if (!same) {
			*why = "error summaries differ";
			return false;
		}
	}
	return true;
}

static void fz_expect_same(const char *wa, const struct fz_run *a,
			   const char *wb, const struct fz_run *b,
			   bool with_rows, bool with_errors)
{
	const char *why = NULL;

	if (fz_same_data(a, b, with_rows, &why) &&
	    (!with_errors || fz_same_errors(a, b, &why)))
		return;
	fz_show(wa, a);
	fz_show(wb, b);
	fz_die("%s and %s: %s", wa, wb, why);
}

/*
 * The error list itself: capped, consistent, its JSON valid, and the
 * summary by kind valid JSON whose counts add up to the total.
 */
static void fz_check_errors(const struct fz_run *r)
{
	struct buf js = BUF_INIT;
	const cJSON *it;
	uint64_t sum = 0;
	cJSON *doc;

	if (r->errs.n > FA_MAX_ERRORS || r->errs.n > r->errs.total ||
	    (r->errs.total <= FA_MAX_ERRORS && r->errs.n != r->errs.total))
		fz_die("error list of %zu for a total of %llu", r->errs.n,
		       (unsigned long long)r->errs.total);
	if ((r->finish_rc == 0) != (r->errs.total == 0))
		fz_die("finish() returned %d with %llu errors", r->finish_rc,
		       (unsigned long long)r->errs.total);
	for (size_t i = 0; i < r->errs.n; i++) {
		const struct ingest_error *e = &r->errs.v[i];

		if (!e->reason || !utf8_valid(e->reason, strlen(e->reason)) ||
		    (e->column && !utf8_valid(e->column, strlen(e->column))))
			fz_die("error %zu is not valid UTF-8", i);
	}
	ingest_errors_json(&r->errs, &js);
	doc = cJSON_ParseWithLengthOpts(js.s, js.len, NULL, 0);
	if (!doc || !cJSON_IsArray(doc) ||
	    (size_t)cJSON_GetArraySize(doc) != r->errs.n)
		fz_die("ingest_errors_json() wrote bad JSON: %s", js.s);
	cJSON_Delete(doc);

	buf_reset(&js);
	ingest_errors_summary_json(&r->errs, &js);
	doc = cJSON_ParseWithLengthOpts(js.s, js.len, NULL, 0);
	if (!doc || !cJSON_IsArray(doc) ||
	    r->errs.nkinds > INGEST_MAX_ERROR_KINDS)
		fz_die("ingest_errors_summary_json() wrote bad JSON: %s", js.s);
	cJSON_ArrayForEach(it, doc) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "count");

		if (!cJSON_IsNumber(c) || c->valuedouble < 1)
			fz_die("a summary kind without a count: %s", js.s);
		sum += (uint64_t)c->valuedouble;
	}
	if (sum != r->errs.total)
		fz_die("the summary counts %llu errors of %llu: %s",
		       (unsigned long long)sum,
		       (unsigned long long)r->errs.total, js.s);
	cJSON_Delete(doc);

	buf_reset(&js);
	ingest_errors_text(&r->errs, &js);
	if (!utf8_valid(js.s, js.len))
		fz_die("ingest_errors_text() wrote invalid UTF-8");
	buf_release(&js);
}

/* ---- writing records back ---- */

/* Style bits for the serializers, from the input's last byte. */
#define FZ_QUOTE_ALL	0x01	/* CSV: quote every non-null field */
#define FZ_CRLF		0x02	/* CSV, NDJSON, trn: CRLF line ends */
#define FZ_CR		0x04	/* CSV: lone CR line ends (with !FZ_CRLF) */
#define FZ_NO_FINAL_EOL	0x08	/* CSV, NDJSON, trn: no line end at the end */
#define FZ_ESC_ALL	0x10	/* JSON: \u-escape every non-ASCII code point */
#define FZ_BARE		0x20	/* JSON: numbers, true, false unquoted */
#define FZ_OMIT_NULL	0x40	/* JSON: omit null members after the first */
#define FZ_SPACES	0x80	/* JSON: whitespace everywhere; trn: comment */

/*
 * The longest record written, in bytes, with one byte to spare for a line
 * end's CR: NDJSON, JSON arrays and trn cap it (see fz_ingest_one).
 */
static size_t fz_maxrec;

static void fz_rec_done(const struct buf *o, size_t start)
{
	if (o->len - start + 1 > fz_maxrec)
		fz_maxrec = o->len - start + 1;
}

static void fz_eol(struct buf *o, unsigned style)
{
	if (style & FZ_CRLF)
		buf_adds(o, "\r\n");
	else if (style & FZ_CR)
		buf_addch(o, '\r');
	else
		buf_addch(o, '\n');
}

static void fz_csv_field(struct buf *o, const char *s, size_t n, bool null,
			 unsigned style)
{
	bool quote;

	if (null)
		return;
	quote = !n || (style & FZ_QUOTE_ALL) ||
		(n >= 3 && !memcmp(s, ingest_bom_bytes, 3));
	for (size_t i = 0; !quote && i < n; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' ||
			s[i] == '\r';
	if (!quote) {
		buf_add(o, s, n);
		return;
	}
	buf_addch(o, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addch(o, '"');
		buf_addch(o, s[i]);
	}
	buf_addch(o, '"');
}

static void fz_write_csv(const struct fz_run *r, unsigned style, struct buf *o)
{
	if (!r->have_header)
		return;
	for (size_t i = 0; i < r->ncols; i++) {
		if (i)
			buf_addch(o, ',');
		fz_csv_field(o, r->names[i], r->name_len[i], false, style);
	}
	for (size_t i = 0; i < r->nrec; i++) {
		fz_eol(o, style);
		for (size_t j = 0; j < r->rec[i].n; j++) {
			const struct fz_value *v = &r->rec[i].v[j];

			if (j)
				buf_addch(o, ',');
			fz_csv_field(o, v->s, v->len, v->null, style);
		}
	}
	/*
	 * A single-column record that is null is a blank line, which is
	 * dropped at the very end; it cannot be last (the parser only turns
	 * a blank line into a record when a later record follows).
	 */
	if (!(style & FZ_NO_FINAL_EOL))
		fz_eol(o, style);
}

/* Decode one code point of valid UTF-8 at s; its length in *k. */
static uint32_t fz_utf8_decode(const unsigned char *s, size_t *k)
{
	if (s[0] < 0x80) {
		*k = 1;
		return s[0];
	}
	if (s[0] < 0xE0) {
		*k = 2;
		return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	}
	if (s[0] < 0xF0) {
		*k = 3;
		return (uint32_t)(s[0] & 0x0F) << 12 |
		       (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	}
	*k = 4;
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
	       (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static void fz_json_string(struct buf *o, const char *str, size_t n,
			   unsigned style)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k;

	buf_addch(o, '"');
	for (size_t i = 0; i < n; i += k) {
		uint32_t c = fz_utf8_decode(s + i, &k);

		if (c == '"' || c == '\\') {
			buf_addch(o, '\\');
			buf_addch(o, (char)c);
		} else if (c == '\n') {
			buf_adds(o, "\\n");
		} else if (c == '\t' && !(style & FZ_ESC_ALL)) {
			buf_adds(o, "\\t");
		} else if (c < 0x20 || (c >= 0x80 && (style & FZ_ESC_ALL))) {
			if (c >= 0x10000) {
				c -= 0x10000;
				buf_addf(o, "\\u%04X\\u%04x",
					 (unsigned)(0xD800 + (c >> 10)),
					 (unsigned)(0xDC00 + (c & 0x3FF)));
			} else {
				buf_addf(o, "\\u%04x", (unsigned)c);
			}
		} else if (c == '/' && (style & FZ_ESC_ALL)) {
			buf_adds(o, "\\/");
		} else {
			buf_add(o, s + i, k);
		}
	}
	buf_addch(o, '"');
}

/* The JSON number grammar of RFC 8259. */
static bool fz_json_number(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0') {
		i++;
	} else if (i < n && s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return false;
	}
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

static void fz_json_object(struct buf *o, const struct fz_run *r, size_t ri,
			   unsigned style)
{
	const char *sp = style & FZ_SPACES ? " " : "";
	bool first = true;

	buf_addf(o, "{%s", sp);
	for (size_t j = 0; j < r->ncols; j++) {
		const struct fz_value *v = &r->rec[ri].v[j];

		/* The first object names every column. */
		if (v->null && ri && (style & FZ_OMIT_NULL))
			continue;
		if (!first)
			buf_addf(o, "%s,%s", sp, sp);
		first = false;
		fz_json_string(o, r->names[j], r->name_len[j], style);
		buf_addf(o, "%s:%s", sp, sp);
		if (v->null)
			buf_adds(o, "null");
		else if ((style & FZ_BARE) &&
			 (fz_json_number(v->s, v->len) ||
			  !strcmp(v->s, "true") || !strcmp(v->s, "false")))
			buf_add(o, v->s, v->len);
		else
			fz_json_string(o, v->s, v->len, style);
	}
	buf_addf(o, "%s}", sp);
}

static void fz_write_ndjson(const struct fz_run *r, unsigned style,
			    struct buf *o)
{
	size_t start;

	for (size_t i = 0; i < r->nrec; i++) {
		if (i)
			fz_eol(o, style & ~FZ_CR);
		if (i && (style & FZ_SPACES)) {
			buf_adds(o, " \t");	/* a blank line */
			fz_eol(o, style & ~FZ_CR);
		}
		start = o->len;
		fz_json_object(o, r, i, style);
		fz_rec_done(o, start);
	}
	if (r->nrec && !(style & FZ_NO_FINAL_EOL))
		fz_eol(o, style & ~FZ_CR);
}

static void fz_write_json(const struct fz_run *r, unsigned style, struct buf *o)
{
	const char *sp = style & FZ_SPACES ? "\r\n\t " : "";
	size_t start;

	buf_addf(o, "%s[%s", sp, sp);
	for (size_t i = 0; i < r->nrec; i++) {
		if (i)
			buf_addf(o, "%s,%s", sp, sp);
		start = o->len;
		fz_json_object(o, r, i, style);
		fz_rec_done(o, start);
	}
	buf_addf(o, "%s]%s", sp, sp);
}

static void fz_write_trn(const struct fz_run *r, unsigned style, struct buf *o)
{
	/*
	 * A text that starts with a byte order mark would lose it on the
	 * first line, so something else comes first then.
	 */
	if ((style & FZ_SPACES) ||
	    (r->nrec && r->rec[0].v[1].len >= 3 &&
	     !memcmp(r->rec[0].v[1].s, ingest_bom_bytes, 3))) {
		buf_adds(o, ";; written back by the fuzz oracle");
		fz_eol(o, style & ~FZ_CR);
	}
	for (size_t i = 0; i < r->nrec; i++) {
		const struct fz_record *x = &r->rec[i];
		size_t start;

		if (i)
			fz_eol(o, style & ~FZ_CR);
		start = o->len;
		buf_add(o, x->v[1].s, x->v[1].len);
		buf_adds(o, style & FZ_SPACES ? " (" : "(");
		buf_add(o, x->v[0].s, x->v[0].len);
		buf_addch(o, ')');
		fz_rec_done(o, start);
	}
	if (r->nrec && !(style & FZ_NO_FINAL_EOL))
		fz_eol(o, style & ~FZ_CR);
}

/* ---- the target ---- */

static int fz_ingest_one(enum ingest_format f, const uint8_t *d, size_t n)
{
	struct ingest_options opts = { "reference", n && (d[0] & 0x80) };
	unsigned style = n ? d[n - 1] : 0;
	struct fz_run whole, bytes, pat, again;
	struct buf out = BUF_INIT;
	bool rows = f == INGEST_CSV || f == INGEST_JSON;

	fz_parse(f, &opts, d, n, FZ_WHOLE, &whole);
	fz_check_errors(&whole);
	fz_parse(f, &opts, d, n, FZ_BYTES, &bytes);
	fz_expect_same("whole", &whole, "one byte a feed", &bytes, true, true);
	fz_run_release(&bytes);
	fz_parse(f, &opts, d, n, FZ_PATTERN, &pat);
	fz_expect_same("whole", &whole, "chunked", &pat, true, true);
	fz_run_release(&pat);
	if (f == INGEST_CSV) {
		/* the fast path against the byte-by-byte reference */
		struct ingest_options ref = opts;

		ref.scalar = true;
		fz_parse(f, &ref, d, n, FZ_WHOLE, &pat);
		fz_expect_same("whole", &whole, "byte by byte (scalar)", &pat,
			       true, true);
		fz_run_release(&pat);
	}

	if (whole.errs.total) {
		fz_run_release(&whole);
		return 0;
	}
	/* A missing final line end changes nothing. */
	if (!n || d[n - 1] != '\n') {
		uint8_t *nl = xmalloc(n + 1);

		if (n)
			memcpy(nl, d, n);
		nl[n] = '\n';
		fz_parse(f, &opts, nl, n + 1, FZ_WHOLE, &again);
		free(nl);
		fz_expect_same("no final line end", &whole, "a final line end",
			       &again, true, true);
		fz_run_release(&again);
	}

	fz_maxrec = 0;
	switch (f) {
	case INGEST_CSV:
		fz_write_csv(&whole, style, &out);
		break;
	case INGEST_NDJSON:
		fz_write_ndjson(&whole, style, &out);
		break;
	case INGEST_JSON:
		fz_write_json(&whole, style, &out);
		break;
	case INGEST_TRN:
		fz_write_trn(&whole, style, &out);
		break;
	}
	fz_parse(f, &opts, (const uint8_t *)out.s, out.len, FZ_WHOLE, &again);
	if (again.errs.total && fz_maxrec > (f == INGEST_TRN ?
			2 * (size_t)FA_MAX_FIELD_BYTES : INGEST_MAX_RECORD_BYTES)) {
		/*
		 * Escaping may make a record longer than the original, and
		 * NDJSON, JSON and trn cap a record's bytes (not CSV, whose
		 * cap is on the unquoted field).  Only the limits the fuzz
		 * build lowers make that reachable.
		 */
		goto out;
	}
	if (again.errs.total) {
		fz_show("original", &whole);
		fz_show("written back", &again);
		fwrite(out.s, 1, out.len, stderr);
		fz_die("\nthe records written back do not parse");
	}
	fz_expect_same("original", &whole, "written back", &again, rows, false);
out:
	fz_run_release(&again);
	fz_run_release(&whole);
	buf_release(&out);
	return 0;
}

#endif
