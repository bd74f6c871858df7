/*
 * harness.h - shared by the ingest unit tests: run a parser over an input
 * cut into chunks in a given way and render everything it produced as
 * text, so that cases can be written as (input, expected text) tables and
 * every way of cutting the input can be checked to give the same text.
 *
 * Rendering, one line each, records first, then errors:
 *	H<row> name,name,...		the header callback
 *	R<row> value|value|...		a record; null is \N, and \ | newline
 *					CR tab in values are escaped C-style
 *	E<row> <column or ->: <reason>	an error (listed ones only)
 *	T<total>			the error total, when it differs
 *					from the number listed
 */
#ifndef FA_TEST_INGEST_HARNESS_H
#define FA_TEST_INGEST_HARNESS_H

#include "common/fa.h"
#include "common/buf.h"
#include "ingest/ingest.h"
#include "ingest/parser.h"

static inline void h_escaped(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': buf_adds(b, "\\\\"); break;
		case '|': buf_adds(b, "\\|"); break;
		case '\n': buf_adds(b, "\\n"); break;
		case '\r': buf_adds(b, "\\r"); break;
		case '\t': buf_adds(b, "\\t"); break;
		default: buf_addch(b, s[i]);
		}
	}
}

struct h_out {
	struct buf recs;
};

static inline void h_header(void *ctx, uint64_t row,
			    const struct ingest_column *cols, size_t n)
{
	struct h_out *o = ctx;

	buf_addf(&o->recs, "H%llu ", (unsigned long long)row);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_addch(&o->recs, ',');
		assert_int_equal(strlen(cols[i].name), cols[i].len);
		h_escaped(&o->recs, cols[i].name, cols[i].len);
	}
	buf_addch(&o->recs, '\n');
}

static inline void h_record(void *ctx, const struct ingest_record *r)
{
	struct h_out *o = ctx;

	buf_addf(&o->recs, "R%llu ", (unsigned long long)r->row);
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			buf_addch(&o->recs, '|');
		if (r->v[i].null) {
			assert_int_equal(r->v[i].len, 0);
			buf_adds(&o->recs, "\\N");
		} else {
			h_escaped(&o->recs, r->v[i].s, r->v[i].len);
		}
	}
	buf_addch(&o->recs, '\n');
}

static inline void h_errors(struct buf *b, const struct ingest_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		buf_addf(b, "E%llu %s: %s\n", (unsigned long long)e->v[i].row,
			 e->v[i].column ? e->v[i].column : "-",
			 e->v[i].reason);
	if (e->total != e->n)
		buf_addf(b, "T%llu\n", (unsigned long long)e->total);
}

/*
 * Parse in[0, n) fed as the chunks between the sorted cut positions, and
 * append the rendering to out.  Checks that finish's return agrees with
 * the error list.
 */
static inline void h_run(enum ingest_format f, const struct ingest_options *o,
			 const char *in, size_t n, const size_t *cuts,
			 size_t ncuts, struct buf *out)
{
	struct h_out ho = { BUF_INIT };
	struct ingest_sink sink = { h_header, h_record, &ho };
	struct ingest_errors errs;
	struct ingest_parser *p;
	size_t at = 0;
	int r;

	ingest_errors_init(&errs);
	p = ingest_parser_new(f, o, &sink, &errs);
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;

		ingest_parser_feed(p, in + at, end - at);
		at = end;
	}
	r = ingest_parser_finish(p);
	assert_int_equal(r, errs.total ? -1 : 0);
	ingest_parser_free(p);
	buf_add(out, ho.recs.s, ho.recs.len);
	h_errors(out, &errs);
	buf_release(&ho.recs);
	ingest_errors_release(&errs);
}

/* The rendering of in parsed in one chunk (caller releases out). */
static inline void h_whole(enum ingest_format f, const struct ingest_options *o,
			   const char *in, size_t n, struct buf *out)
{
	h_run(f, o, in, n, NULL, 0, out);
}

/* Small deterministic generator, so failures reproduce. */
static inline uint32_t h_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/*
 * Check that in[0, n) gives expected whole, one byte at a time, cut once at
 * every position, and cut at random places (seeded, so reproducible).
 */
static inline void h_check_chunks(enum ingest_format f,
				  const struct ingest_options *o,
				  const char *in, size_t n,
				  const char *expected)
{
	struct buf got = BUF_INIT;
	size_t *cuts = xcalloc(n + 1, sizeof(*cuts));
	uint64_t seed = 42 + n;

	h_whole(f, o, in, n, &got);
	assert_string_equal(got.s, expected);

	for (size_t i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	buf_reset(&got);
	h_run(f, o, in, n, cuts, n ? n - 1 : 0, &got);
	assert_string_equal(got.s, expected);

	for (size_t k = 1; k < n; k++) {
		buf_reset(&got);
		h_run(f, o, in, n, &k, 1, &got);
		assert_string_equal(got.s, expected);
	}

	for (int round = 0; round < 20 && n > 2; round++) {
		size_t nc = 0, at = 0;

		while (1) {
			at += 1 + h_rand(&seed) % 7;
			if (at >= n)
				break;
			cuts[nc++] = at;
		}
		buf_reset(&got);
		h_run(f, o, in, n, cuts, nc, &got);
		assert_string_equal(got.s, expected);
	}
	free(cuts);
	buf_release(&got);
}

#endif
