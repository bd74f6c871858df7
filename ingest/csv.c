/*
 * csv.c - streaming RFC 4180 parser; see csv.h for the accepted language.
 *
 * A byte-driven state machine whose state survives between chunks, so a
 * chunk may end anywhere (inside a quote, between CR and LF, inside the
 * byte order mark).  The bytes of the record being read are copied into
 * one reusable buffer, field after field, with an (offset, length) entry
 * per field; runs of ordinary bytes are found with a lookup table (unquoted
 * fields) or memchr (quoted fields) and copied in one go.  When the record
 * ends it is checked (field count, then text: one pass over the whole
 * record that only looks field by field when a byte is NUL or non-ASCII)
 * and handed to the sink.
 *
 * Memory is bounded: at most the header's column count of fields are kept
 * per record (more are only counted), and a field stops growing at
 * FA_MAX_FIELD_BYTES, so a record never needs more than
 * INGEST_MAX_RECORD_BYTES.
 *
 * Blank lines are held back as a count: only when a later record appears
 * do they become rows (and errors); at the end of input they are dropped.
 */
#include "common/fa.h"
#include "ingest/csv.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum csv_state {
	ST_REC,		/* at the start of a record */
	ST_FIELD,	/* at the start of a field after a comma */
	ST_UNQ,		/* inside an unquoted field */
	ST_Q,		/* inside a quoted field */
	ST_QQ,		/* a quote inside a quoted field: end or escape? */
	ST_CR,		/* after a CR that ended a record */
};

struct csv_field {
	size_t off, len;
	bool quoted;
};

struct csv_parser {
	struct ingest_sink sink;
	struct ingest_errors *errs;
	struct ingest_bom bom;
	enum csv_state state;
	uint64_t row;		/* row of the record being read */

	/* the record being read */
	char *buf;
	size_t len, alloc;
	struct csv_field *f;	/* FA_MAX_COLUMNS + 1 entries */
	size_t nf;		/* fields ended so far, kept or not */
	size_t keep;		/* fields stored per record */
	size_t foff, flen;	/* the current field */
	bool fquoted, ferr, ftoolong;
	bool rbad;		/* the record has an error */

	bool scalar;		/* no fast path */

	uint64_t blank_row, nblank;	/* blank lines held back */
	bool blank_reported;

	/* the header */
	bool have_header, header_bad;
	size_t ncols;		/* fields in the header, kept or not */
	size_t nnames;		/* names kept (<= FA_MAX_COLUMNS) */
	char *names;
	struct ingest_column *cols;
	struct ingest_value *vals;
};

/* Bytes that end a run of ordinary bytes in an unquoted field. */
static const unsigned char special[256] = {
	[','] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1,
};

struct csv_parser *csv_parser_new(const struct ingest_sink *sink,
				  struct ingest_errors *errs)
{
	struct csv_parser *p = xcalloc(1, sizeof(*p));

	p->sink = *sink;
	p->errs = errs;
	p->state = ST_REC;
	p->row = 1;
	p->keep = FA_MAX_COLUMNS;
	p->f = xmalloc((FA_MAX_COLUMNS + 1) * sizeof(*p->f));
	return p;
}

void csv_parser_scalar(struct csv_parser *p)
{
	p->scalar = true;
}

void csv_parser_free(struct csv_parser *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p->f);
	free(p->names);
	free(p->cols);
	free(p->vals);
	free(p);
}

/* Name of column i for error messages, or NULL. */
static const char *colname(const struct csv_parser *p, size_t i)
{
	if (!p->have_header || i >= p->nnames)
		return NULL;
	return p->cols[i].name;
}

/* Report an error in the current field, once per field. */
static void field_error(struct csv_parser *p, const char *reason)
{
	p->rbad = true;
	if (p->ferr)
		return;
	p->ferr = true;
	ingest_errors_addf(p->errs, p->row, colname(p, p->nf), "%s", reason);
}

static void field_begin(struct csv_parser *p)
{
	p->foff = p->len;
	p->flen = 0;
	p->fquoted = false;
	p->ferr = false;
	p->ftoolong = false;
}

/* Append field bytes, enforcing FA_MAX_FIELD_BYTES. */
static inline void field_add(struct csv_parser *p, const char *s, size_t n)
{
	if (p->flen + n > FA_MAX_FIELD_BYTES) {
		if (!p->ftoolong) {
			p->ftoolong = true;
			p->rbad = true;
			ingest_errors_addf(p->errs, p->row, colname(p, p->nf),
					   "field is longer than %d bytes "
					   "(FA_MAX_FIELD_BYTES)",
					   FA_MAX_FIELD_BYTES);
		}
		n = FA_MAX_FIELD_BYTES - p->flen;
	}
	p->flen += n;
	if (p->nf >= p->keep || !n)
		return;
	if (p->len + n > p->alloc)
		p->buf = xgrow(p->buf, &p->alloc, p->len + n, 1);
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

static void field_end(struct csv_parser *p)
{
	if (p->nf < p->keep) {
		struct csv_field *f = &p->f[p->nf];

		f->off = p->foff;
		f->len = p->len - p->foff;
		f->quoted = p->fquoted;
	}
	p->nf++;
}

static void header_end(struct csv_parser *p)
{
	size_t n = p->nf < p->keep ? p->nf : p->keep, off = 0;

	p->have_header = true;
	p->ncols = p->nf;
	p->nnames = n;
	if (p->rbad)
		p->header_bad = true;
	if (p->nf > FA_MAX_COLUMNS) {
		ingest_errors_addf(p->errs, p->row, NULL,
				   "the header has %zu columns, more than %d "
				   "(FA_MAX_COLUMNS)", p->nf, FA_MAX_COLUMNS);
		p->header_bad = true;
	}
	p->names = xmalloc(p->len + n);
	p->cols = xcalloc(n, sizeof(*p->cols));
	p->vals = xcalloc(n, sizeof(*p->vals));
	for (size_t i = 0; i < n; i++) {
		if (p->f[i].len)
			memcpy(p->names + off, p->buf + p->f[i].off,
			       p->f[i].len);
		p->names[off + p->f[i].len] = '\0';
		p->cols[i].name = p->names + off;
		p->cols[i].len = p->f[i].len;
		off += p->f[i].len + 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct ingest_column *c = &p->cols[i];
		int chk;

		if (!c->len) {
			ingest_errors_addf(p->errs, p->row, NULL,
					   "column %zu of the header has an "
					   "empty name", i + 1);
			p->header_bad = true;
		} else if ((chk = ingest_text_check(c->name, c->len))) {
			ingest_errors_addf(p->errs, p->row, NULL,
					   "the name of column %zu of the "
					   "header %s", i + 1,
					   ingest_text_reason(chk));
			p->header_bad = true;
		} else {
			for (size_t j = 0; j < i; j++) {
				if (p->cols[j].len == c->len &&
				    !memcmp(p->cols[j].name, c->name, c->len)) {
					ingest_errors_addf(p->errs, p->row,
						c->name, "duplicate column "
						"name (columns %zu and %zu)",
						j + 1, i + 1);
					p->header_bad = true;
					break;
				}
			}
		}
	}
	/* Data rows keep exactly the header's fields. */
	p->keep = n;
	if (!p->header_bad && p->sink.header)
		p->sink.header(p->sink.ctx, p->row, p->cols, n);
}

/* True if every byte is in 1..0x7F: plain ASCII, nothing to check. */
static bool plain_ascii(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned bad = 0;

	/* (c | (c - 1)) has bit 7 set exactly for c == 0 and c >= 0x80. */
	for (size_t i = 0; i < n; i++)
		bad |= ((unsigned)s[i] | ((unsigned)s[i] - 1)) & 0x80;
	return !bad;
}

static void data_end(struct csv_parser *p)
{
	size_t n = p->nf < p->keep ? p->nf : p->keep;

	if (p->nf != p->ncols) {
		ingest_errors_addf(p->errs, p->row, NULL,
				   "row has %zu field%s, expected %zu",
				   p->nf, p->nf == 1 ? "" : "s", p->ncols);
		p->rbad = true;
	}
	if (!plain_ascii(p->buf, p->len)) {
		/*
		 * Check field by field: bytes of two fields may form a valid
		 * sequence across the boundary.
		 */
		for (size_t i = 0; i < n; i++) {
			int chk = ingest_text_check(p->buf + p->f[i].off,
						    p->f[i].len);

			if (chk) {
				ingest_errors_addf(p->errs, p->row,
						   colname(p, i), "field %s",
						   ingest_text_reason(chk));
				p->rbad = true;
			}
		}
	}
	if (p->rbad || p->header_bad || !p->sink.record)
		return;
	for (size_t i = 0; i < n; i++) {
		p->vals[i].s = p->buf + p->f[i].off;
		p->vals[i].len = p->f[i].len;
		p->vals[i].null = !p->f[i].len && !p->f[i].quoted;
	}
	struct ingest_record r = {
		.row = p->row, .n = n, .cols = p->cols, .v = p->vals,
	};
	p->sink.record(p->sink.ctx, &r);
}

static void record_end(struct csv_parser *p)
{
	if (!p->have_header)
		header_end(p);
	else
		data_end(p);
	p->row++;
	p->len = 0;
	p->nf = 0;
	p->rbad = false;
}

/* A blank line: held back until we know it is not trailing. */
static void blank_line(struct csv_parser *p)
{
	if (!p->nblank)
		p->blank_row = p->row;
	p->nblank++;
	p->row++;
}

/* A record starts: the blank lines before it become rows. */
static void flush_blanks(struct csv_parser *p)
{
	uint64_t k = p->nblank;

	p->nblank = 0;
	if (!k)
		return;
	if (!p->have_header) {
		if (!p->blank_reported)
			ingest_errors_addf(p->errs, p->blank_row, NULL,
					   "empty line where the header row "
					   "was expected");
		p->blank_reported = true;
		return;
	}
	for (uint64_t i = 0; i < k; i++) {
		uint64_t row = p->blank_row + i;

		if (p->ncols != 1) {
			ingest_errors_addf(p->errs, row, NULL,
					   "empty line, expected %zu fields",
					   p->ncols);
		} else if (!p->header_bad && p->sink.record) {
			struct ingest_value v = { "", 0, true };
			struct ingest_record r = {
				.row = row, .n = 1, .cols = p->cols, .v = &v,
			};
			p->sink.record(p->sink.ctx, &r);
		}
	}
}

/*
 * The bytes of q[0..15] that are LF, comma, CR and anything a simple record
 * may not hold (quote, NUL, 0x80 and up), one bit each, bit i = q[i].
 */
struct blockmask {
	unsigned lf, comma, cr, bad;
};

static inline void block_masks(const char *q, struct blockmask *m)
{
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);

	m->lf = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
						_mm_set1_epi8('\n')));
	m->comma = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
						_mm_set1_epi8(',')));
	m->cr = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
						_mm_set1_epi8('\r')));
	m->bad = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
			_mm_cmpeq_epi8(v, _mm_setzero_si128()))) |
		 (unsigned)_mm_movemask_epi8(v);
#else
	memset(m, 0, sizeof(*m));
	for (unsigned i = 0; i < 16; i++) {
		unsigned char c = (unsigned char)q[i];

		m->lf |= (unsigned)(c == '\n') << i;
		m->comma |= (unsigned)(c == ',') << i;
		m->cr |= (unsigned)(c == '\r') << i;
		m->bad |= (unsigned)(c == '"' || c == 0 || c >= 0x80) << i;
	}
#endif
}

static inline bool simple_field(struct csv_parser *p, size_t i,
				const char *s, const char *end)
{
	size_t n = (size_t)(end - s);

	if (i >= p->ncols || n > FA_MAX_FIELD_BYTES)
		return false;
	p->vals[i].s = s;
	p->vals[i].len = n;
	p->vals[i].null = !n;
	return true;
}

/*
 * At the start of a record (not a blank line, blank lines before it already
 * flushed): if the record is simple (csv.h) and ends before e with 16 bytes
 * to spare, deliver it as the state machine would and return the bytes it
 * took, line end included; else 0, having changed nothing but p->vals.
 */
static size_t simple_record(struct csv_parser *p, const char *s,
			    const char *e)
{
	const char *q = s, *fs = s;
	size_t nf = 0;

	for (; e - q >= 16; q += 16) {
		struct blockmask m;
		unsigned lim, c;

		block_masks(q, &m);
		/* the bytes before the first LF, or all 16 */
		lim = m.lf ? (m.lf & -m.lf) - 1 : 0xffff;
		if (m.bad & lim)
			return 0;
		/* a CR only right before the LF */
		if (m.cr & lim && (!m.lf || (m.cr & lim) != (lim ^ lim >> 1)))
			return 0;
		for (c = m.comma & lim; c; c &= c - 1) {
			const char *at = q + __builtin_ctz(c);

			if (!simple_field(p, nf++, fs, at))
				return 0;
			fs = at + 1;
		}
		if (m.lf) {
			const char *lf = q + __builtin_ctz(m.lf);
			const char *end = m.cr & lim ? lf - 1 : lf;

			if (end < fs || !simple_field(p, nf++, fs, end) ||
			    nf != p->ncols)
				return 0;
			if (p->sink.record) {
				struct ingest_record r = {
					.row = p->row, .n = nf,
					.cols = p->cols, .v = p->vals,
				};
				p->sink.record(p->sink.ctx, &r);
			}
			p->row++;
			return (size_t)(lf + 1 - s);
		}
	}
	return 0;
}

static void scan(struct csv_parser *p, const char *s, size_t n)
{
	const char *e = s + n;
	char c;

	while (s < e) {
		if (p->state == ST_REC && !p->scalar && p->have_header &&
		    !p->header_bad && p->ncols <= p->keep && *s != '\n' &&
		    *s != '\r' && *s != '"') {
			size_t took;

			flush_blanks(p);
			while (s < e && *s != '\n' && *s != '\r' &&
			       (took = simple_record(p, s, e)))
				s += took;
			if (s == e)
				break;
		}
		switch (p->state) {
		case ST_CR:
			if (*s == '\n')
				s++;
			p->state = ST_REC;
			break;
		case ST_REC:
			c = *s;
			if (c == '\n' || c == '\r') {
				s++;
				blank_line(p);
				p->state = c == '\r' ? ST_CR : ST_REC;
				break;
			}
			flush_blanks(p);
			/* fallthrough */
		case ST_FIELD:
			field_begin(p);
			if (*s == '"') {
				p->fquoted = true;
				s++;
				p->state = ST_Q;
				break;
			}
			p->state = ST_UNQ;
			/* fallthrough */
		case ST_UNQ: {
			const char *q = s;

			while (q < e && !special[(unsigned char)*q])
				q++;
			field_add(p, s, (size_t)(q - s));
			s = q;
			if (s == e)
				break;
			c = *s++;
			if (c == ',') {
				field_end(p);
				p->state = ST_FIELD;
			} else if (c == '"') {
				field_error(p, "quote character inside an "
					    "unquoted field");
				field_add(p, "\"", 1);
			} else {
				field_end(p);
				record_end(p);
				p->state = c == '\r' ? ST_CR : ST_REC;
			}
			break;
		}
		case ST_Q: {
			const char *q = memchr(s, '"', (size_t)(e - s));

			if (!q) {
				field_add(p, s, (size_t)(e - s));
				s = e;
				break;
			}
			field_add(p, s, (size_t)(q - s));
			s = q + 1;
			p->state = ST_QQ;
			break;
		}
		case ST_QQ:
			c = *s;
			if (c == '"') {
				field_add(p, "\"", 1);
				s++;
				p->state = ST_Q;
			} else if (c == ',') {
				s++;
				field_end(p);
				p->state = ST_FIELD;
			} else if (c == '\n' || c == '\r') {
				s++;
				field_end(p);
				record_end(p);
				p->state = c == '\r' ? ST_CR : ST_REC;
			} else {
				/* Keep the text as data, as most readers do. */
				field_error(p, "text after the closing quote "
					    "of a quoted field");
				p->state = ST_UNQ;
			}
			break;
		}
	}
}

int csv_parser_feed(struct csv_parser *p, const char *data, size_t n)
{
	if (!p->bom.done) {
		size_t replay = ingest_bom_step(&p->bom, &data, &n);

		if (replay)
			scan(p, ingest_bom_bytes, replay);
	}
	scan(p, data, n);
	return 0;
}

int csv_parser_finish(struct csv_parser *p)
{
	size_t replay = ingest_bom_flush(&p->bom);

	if (replay)
		scan(p, ingest_bom_bytes, replay);
	switch (p->state) {
	case ST_Q:
		p->rbad = true;
		ingest_errors_addf(p->errs, p->row, colname(p, p->nf),
				   "unterminated quoted field (the closing "
				   "quote is missing)");
		field_end(p);
		record_end(p);
		break;
	case ST_FIELD:
		/*
		 * The input ended right after a separator: the last field is
		 * empty and was never begun, so begin it here, or field_end
		 * would close it over the previous field's bytes.
		 */
		field_begin(p);
		field_end(p);
		record_end(p);
		break;
	case ST_UNQ:
	case ST_QQ:
		field_end(p);
		record_end(p);
		break;
	case ST_REC:
	case ST_CR:
		break;
	}
	p->state = ST_REC;
	if (!p->have_header)
		ingest_errors_addf(p->errs, p->nblank ? p->blank_row : 1, NULL,
				   "the body has no header row (a CSV upload "
				   "starts with a row of column names)");
	return p->errs->total ? -1 : 0;
}
