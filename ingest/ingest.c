/*
 * ingest.c - the pieces every upload parser shares: the error list, safe
 * quoting of user data in messages, text checks, byte-order-mark skipping,
 * line splitting, and the format dispatch.
 *
 * The error list allocates its FA_MAX_ERRORS slots on the first error and
 * never grows past them; past the cap an error costs one increment, so a
 * body where every row is wrong is still read at full speed.
 */
#include "common/fa.h"
#include "common/util.h"
#include "ingest/ingest.h"
#include <strings.h>

static const char *const format_names[] = {
	[INGEST_CSV] = "csv",
	[INGEST_NDJSON] = "ndjson",
	[INGEST_JSON] = "json",
	[INGEST_TRN] = "trn",
};

const char *ingest_format_name(enum ingest_format f)
{
	return format_names[f];
}

int ingest_format_from_path(const char *path, enum ingest_format *out,
			    struct buf *err)
{
	static const struct {
		const char *ext;
		enum ingest_format f;
	} exts[] = {
		{ ".csv", INGEST_CSV }, { ".ndjson", INGEST_NDJSON },
		{ ".jsonl", INGEST_NDJSON }, { ".json", INGEST_JSON },
		{ ".trn", INGEST_TRN },
	};
	size_t n = strlen(path);

	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t k = strlen(exts[i].ext);

		if (n > k && !strcasecmp(path + n - k, exts[i].ext)) {
			*out = exts[i].f;
			return 0;
		}
	}
	buf_addf(err, "cannot tell the format of \"%s\" from its extension "
		 "(expected .csv, .ndjson, .jsonl, .json or .trn)", path);
	return -1;
}

int ingest_format_from_content_type(const char *ct, enum ingest_format *out,
				    struct buf *err)
{
	static const struct {
		const char *type;
		enum ingest_format f;
	} types[] = {
		{ "text/csv", INGEST_CSV },
		{ "application/x-ndjson", INGEST_NDJSON },
		{ "application/ndjson", INGEST_NDJSON },
		{ "application/jsonl", INGEST_NDJSON },
		{ "application/json", INGEST_JSON },
		{ "text/x-trn", INGEST_TRN },
	};
	const char *s = ct ? ct : "", *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strcspn(s, ";");
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (strlen(types[i].type) == (size_t)(e - s) &&
		    !strncasecmp(s, types[i].type, (size_t)(e - s))) {
			*out = types[i].f;
			return 0;
		}
	}
	buf_adds(err, "unsupported upload content type ");
	ingest_quote(err, s, (size_t)(e - s));
	buf_adds(err, " (expected text/csv, application/x-ndjson, "
		 "application/json or text/x-trn)");
	return -1;
}

/* ---- errors ---- */

void ingest_errors_init(struct ingest_errors *e)
{
	e->v = NULL;
	e->n = 0;
	e->total = 0;
	e->kinds = NULL;
	e->nkinds = 0;
	e->other = 0;
}

void ingest_errors_release(struct ingest_errors *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].column);
		free(e->v[i].reason);
	}
	free(e->v);
	for (size_t i = 0; i < e->nkinds; i++) {
		free(e->kinds[i].column);
		free(e->kinds[i].first);
	}
	free(e->kinds);
	ingest_errors_init(e);
}

void ingest_errors_clear(struct ingest_errors *e)
{
	ingest_errors_release(e);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t k;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		k = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		k = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		k = 4;
	else
		return 0;
	if (k > n || !utf8_valid((const char *)s, k))
		return 0;
	return k;
}

/*
 * Append at most max bytes of [s, s+n) as safe UTF-8: invalid sequences
 * become U+FFFD, control characters '?'.  Returns whether it was cut.
 */
static bool add_sanitized(struct buf *b, const char *str, size_t n,
			  size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, out = 0;

	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);

		if (out + (k ? k : 3) > max)
			return true;
		if (!k) {
			buf_adds(b, "\xEF\xBF\xBD");
			out += 3;
			i++;
		} else if (k == 1 && (s[i] < 0x20 || s[i] == 0x7F)) {
			buf_addch(b, '?');
			out++;
			i++;
		} else {
			buf_add(b, s + i, k);
			out += k;
			i += k;
		}
	}
	return false;
}

void ingest_quote(struct buf *b, const char *s, size_t n)
{
	buf_addch(b, '"');
	if (add_sanitized(b, s, n, 64))
		buf_adds(b, "...");
	buf_addch(b, '"');
}

/* Column name as kept in errors: cut and made safe, or NULL. */
static char *error_column(const char *column)
{
	struct buf b = BUF_INIT;

	if (!column)
		return NULL;
	if (add_sanitized(&b, column, strlen(column), FA_MAX_NAME_BYTES))
		buf_adds(&b, "...");
	return buf_detach(&b, NULL);
}

/*
 * The kind of (column, fmt), or NULL when it is new.  Columns compare by
 * their kept (sanitised) text, which is what a reader sees.
 */
static struct ingest_error_kind *find_kind(struct ingest_errors *e,
					   const char *column, const char *fmt,
					   const char *text)
{
	char *col = error_column(column);
	struct ingest_error_kind *k = NULL;

	for (size_t i = 0; i < e->nkinds && !k; i++) {
		struct ingest_error_kind *c = &e->kinds[i];

		if (c->fmt != fmt || (text && strcmp(c->first, text)))
			continue;
		if (c->column ? col && !strcmp(c->column, col) : !col)
			k = c;
	}
	free(col);
	return k;
}

/*
 * A message's kind is its format, except for a bare "%s", whose kind is
 * the text itself (a parser's fixed reasons, an aligner's message).
 */
void ingest_errors_addf(struct ingest_errors *e, uint64_t row,
			const char *column, const char *fmt, ...)
{
	bool list = e->n < FA_MAX_ERRORS, by_text = !strcmp(fmt, "%s");
	struct ingest_error_kind *k;
	struct buf b = BUF_INIT;
	char *reason = NULL;
	va_list ap;

	if (by_text) {
		va_start(ap, fmt);
		buf_vaddf(&b, fmt, ap);
		va_end(ap);
	}
	k = find_kind(e, column, fmt, by_text ? b.s : NULL);
	e->total++;
	if (k) {
		k->count++;
	} else if (e->nkinds >= INGEST_MAX_ERROR_KINDS) {
		e->other++;
	}
	if (!list && (k || e->nkinds >= INGEST_MAX_ERROR_KINDS)) {
		buf_release(&b);
		return;
	}
	if (!by_text) {
		va_start(ap, fmt);
		buf_vaddf(&b, fmt, ap);
		va_end(ap);
	}
	reason = buf_detach(&b, NULL);
	if (!k && e->nkinds < INGEST_MAX_ERROR_KINDS) {
		if (!e->kinds)
			e->kinds = xcalloc(INGEST_MAX_ERROR_KINDS,
					   sizeof(*e->kinds));
		k = &e->kinds[e->nkinds++];
		k->fmt = fmt;
		k->column = error_column(column);
		k->count = 1;
		k->first_row = row;
		k->first = xstrdup(reason);
	}
	if (!list) {
		free(reason);
		return;
	}
	if (!e->v)
		e->v = xcalloc(FA_MAX_ERRORS, sizeof(*e->v));
	e->v[e->n].row = row;
	e->v[e->n].column = error_column(column);
	e->v[e->n].reason = reason;
	e->n++;
}

void ingest_errors_count(struct ingest_errors *e, const char *column,
			 const char *fmt, uint64_t n)
{
	struct ingest_error_kind *k = find_kind(e, column, fmt, NULL);

	e->total += n;
	if (k)
		k->count += n;
	else
		e->other += n;
}

void ingest_add_count(struct buf *b, uint64_t n)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%llu",
			   (unsigned long long)n);

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf_addch(b, ',');
		buf_addch(b, digits[i]);
	}
}

static int kind_cmp(const void *a, const void *b)
{
	const struct ingest_error_kind *x = *(const struct ingest_error_kind *const *)a;
	const struct ingest_error_kind *y = *(const struct ingest_error_kind *const *)b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x < y ? -1 : x > y;
}

const struct ingest_error_kind **ingest_errors_by_count(
	const struct ingest_errors *e)
{
	const struct ingest_error_kind **v = xcalloc(e->nkinds + 1, sizeof(*v));

	for (size_t i = 0; i < e->nkinds; i++)
		v[i] = &e->kinds[i];
	qsort(v, e->nkinds, sizeof(*v), kind_cmp);
	return v;
}

void ingest_errors_summary_json(const struct ingest_errors *e,
				struct buf *out)
{
	const struct ingest_error_kind **v = ingest_errors_by_count(e);

	buf_addch(out, '[');
	for (size_t i = 0; i < e->nkinds; i++) {
		const struct ingest_error_kind *k = v[i];

		if (i)
			buf_addch(out, ',');
		buf_adds(out, "{\"column\":");
		if (k->column) {
			buf_addch(out, '"');
			buf_add_json_escaped(out, k->column, strlen(k->column));
			buf_addch(out, '"');
		} else {
			buf_adds(out, "null");
		}
		buf_addf(out, ",\"count\":%llu,\"first_row\":",
			 (unsigned long long)k->count);
		if (k->first_row)
			buf_addf(out, "%llu", (unsigned long long)k->first_row);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"first_reason\":\"");
		buf_add_json_escaped(out, k->first, strlen(k->first));
		buf_adds(out, "\"}");
	}
	if (e->other)
		buf_addf(out, "%s{\"column\":null,\"count\":%llu,"
			 "\"first_row\":null,\"first_reason\":null}",
			 e->nkinds ? "," : "", (unsigned long long)e->other);
	buf_addch(out, ']');
	free(v);
}

void ingest_errors_json(const struct ingest_errors *e, struct buf *out)
{
	buf_addch(out, '[');
	for (size_t i = 0; i < e->n; i++) {
		const struct ingest_error *x = &e->v[i];

		if (i)
			buf_addch(out, ',');
		if (x->row)
			buf_addf(out, "{\"row\":%llu",
				 (unsigned long long)x->row);
		else
			buf_adds(out, "{\"row\":null");
		if (x->column) {
			buf_adds(out, ",\"column\":\"");
			buf_add_json_escaped(out, x->column,
					     strlen(x->column));
			buf_addch(out, '"');
		} else {
			buf_adds(out, ",\"column\":null");
		}
		buf_adds(out, ",\"reason\":\"");
		buf_add_json_escaped(out, x->reason, strlen(x->reason));
		buf_adds(out, "\"}");
	}
	buf_addch(out, ']');
}

void ingest_errors_text(const struct ingest_errors *e, struct buf *out)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct ingest_error *x = &e->v[i];

		if (x->row)
			buf_addf(out, "row %llu", (unsigned long long)x->row);
		if (x->column)
			buf_addf(out, "%scolumn \"%s\"", x->row ? ", " : "",
				 x->column);
		buf_addf(out, "%s%s\n", x->row || x->column ? ": " : "",
			 x->reason);
	}
	if (e->total > e->n) {
		const struct ingest_error_kind **v = ingest_errors_by_count(e);

		buf_addf(out, "(%llu more errors not shown)\n",
			 (unsigned long long)(e->total - e->n));
		buf_adds(out, "all errors, by kind:\n");
		for (size_t i = 0; i < e->nkinds; i++) {
			const struct ingest_error_kind *k = v[i];

			buf_adds(out, "  ");
			ingest_add_count(out, k->count);
			buf_addf(out, " like ");
			if (k->first_row)
				buf_addf(out, "row %llu",
					 (unsigned long long)k->first_row);
			if (k->column)
				buf_addf(out, "%scolumn \"%s\"",
					 k->first_row ? ", " : "", k->column);
			buf_addf(out, "%s%s\n",
				 k->first_row || k->column ? ": " : "",
				 k->first);
		}
		if (e->other) {
			buf_adds(out, "  ");
			ingest_add_count(out, e->other);
			buf_adds(out, " of other kinds\n");
		}
		free(v);
	}
}

/* ---- text checks ---- */

int ingest_text_check(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;
	unsigned bad = 0;
	size_t i = 0;

	/*
	 * Eight bytes at a time: a byte of 0x80 and up has its high bit,
	 * and (w - ones) & ~w has a high bit set exactly when a byte is 0.
	 */
	for (; i + 8 <= n && !bad; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, sizeof(w));
		bad = ((w & highs) | ((w - ones) & ~w & highs)) != 0;
	}
	/* (c | (c - 1)) has bit 7 set exactly for c == 0 and c >= 0x80. */
	for (; i < n; i++)
		bad |= ((unsigned)s[i] | ((unsigned)s[i] - 1)) & 0x80;
	if (!bad)
		return INGEST_TEXT_OK;
	if (memchr(s, 0, n))
		return INGEST_TEXT_NUL;
	return utf8_valid(str, n) ? INGEST_TEXT_OK : INGEST_TEXT_UTF8;
}

const char *ingest_text_reason(int check)
{
	return check == INGEST_TEXT_NUL ? "contains a NUL byte"
					: "is not valid UTF-8";
}

/* ---- byte order mark ---- */

const char ingest_bom_bytes[3] = { '\xEF', '\xBB', '\xBF' };

size_t ingest_bom_step(struct ingest_bom *b, const char **data, size_t *n)
{
	while (!b->done && *n) {
		if (**data != ingest_bom_bytes[b->have]) {
			b->done = true;
			return b->have;
		}
		(*data)++;
		(*n)--;
		if (++b->have == 3)
			b->done = true;
	}
	return 0;
}

size_t ingest_bom_flush(struct ingest_bom *b)
{
	if (b->done)
		return 0;
	b->done = true;
	return b->have;
}

/* ---- lines ---- */

void ingest_lines_init(struct ingest_lines *l, size_t cap,
		       struct ingest_errors *errs,
		       void (*fn)(void *ctx, uint64_t line,
				  const char *s, size_t n),
		       void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->cap = cap;
	l->line = 1;
	l->errs = errs;
	l->fn = fn;
	l->ctx = ctx;
}

static void lines_append(struct ingest_lines *l, const char *s, size_t n)
{
	l->buf = xgrow(l->buf, &l->alloc, l->len + n, 1);
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

void ingest_lines_feed(struct ingest_lines *l, const char *s, size_t n)
{
	while (n) {
		const char *nl = memchr(s, '\n', n);
		size_t k = nl ? (size_t)(nl - s) : n;

		if (!l->toolong && l->len + k > l->cap) {
			ingest_errors_addf(l->errs, l->line, NULL,
					   "line is longer than %zu bytes",
					   l->cap);
			l->toolong = true;
			l->len = 0;
		}
		if (!nl) {
			if (!l->toolong)
				lines_append(l, s, k);
			return;
		}
		if (!l->toolong) {
			if (!l->len) {
				l->fn(l->ctx, l->line, s, k);
			} else {
				lines_append(l, s, k);
				l->fn(l->ctx, l->line, l->buf, l->len);
				l->len = 0;
			}
		}
		l->toolong = false;
		l->line++;
		s += k + 1;
		n -= k + 1;
	}
}

void ingest_lines_finish(struct ingest_lines *l)
{
	if (!l->toolong && l->len)
		l->fn(l->ctx, l->line, l->buf, l->len);
	l->len = 0;
	l->toolong = false;
}

void ingest_lines_release(struct ingest_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->alloc = 0;
}
