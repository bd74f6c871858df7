/*
 * Unit tests for bounty/pdl.c: a planted group improves the list; a later
 * group that hurts an earlier one triggers a repair pointing back to the
 * version that served it best; a long random sequence of updates (0/1 and
 * WER-like losses) never raises the overall error, leaves no group above
 * its best, and keeps the cached sources equal to walks of the list.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include "common/buf.h"
#include "cohorts/bitset.h"
#include "bounty/pdl.h"

static void set_range(struct bitset *b, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		bitset_set(b, i);
}

static void test_pdl__planted_group_improves(void **state)
{
	enum { N = 1000 };
	double base[N], h[N];
	struct bitset eval = BITSET_INIT, g = BITSET_INIT;
	struct pdl *l;
	struct pdl_update_info info;
	struct pdl_node_info nd;
	uint32_t src[N];
	struct buf err = BUF_INIT;

	(void)state;
	/* base: wrong on every 2nd row of 0..199, every 10th row elsewhere */
	for (size_t i = 0; i < N; i++) {
		base[i] = i < 200 ? i % 2 == 0 : i % 10 == 0;
		h[i] = i < 200 ? i % 10 == 0 : 1;	/* h: 10 % on g */
	}
	bitset_reset(&eval, N);
	bitset_fill(&eval);
	bitset_reset(&g, N);
	set_range(&g, 0, 200);
	l = pdl_new(N, base, NULL, &eval);
	assert_float_equal(pdl_metric(l, 0, NULL), (100 + 80) / 1000.0, 1e-15);

	assert_int_equal(pdl_update(l, &g, h, &info, &err), 0);
	assert_int_equal(info.model, 1);
	assert_int_equal(info.repairs, 0);
	assert_float_equal(info.before, 0.18, 1e-15);
	assert_float_equal(info.after, (20 + 80) / 1000.0, 1e-15);
	assert_int_equal(pdl_length(l), 1);
	assert_int_equal(pdl_models(l), 1);
	pdl_node(l, 0, &nd);
	assert_false(nd.repair);
	assert_int_equal(nd.group, 1);
	assert_true(bitset_equal(pdl_group(l, 1), &g));
	pdl_sources(l, src);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(src[i], i < 200 ? 1 : 0);
	/* older versions stay available */
	assert_float_equal(pdl_metric(l, 0, NULL), 0.18, 1e-15);
	assert_float_equal(pdl_metric(l, 1, &g), 0.1, 1e-15);
	{
		double e[N];

		pdl_errors(l, e);
		for (size_t i = 0; i < N; i++)
			assert_float_equal(e[i], i < 200 ? h[i] : base[i], 0);
	}

	/* The same h again does not lower the loss: refused, unchanged. */
	assert_int_equal(pdl_update(l, &g, h, &info, &err), -1);
	assert_string_equal(err.s, "h does not lower the loss on the group "
			    "(20 against 20 for the current model)");
	assert_int_equal(pdl_length(l), 1);
	buf_reset(&err);
	/* So is a group with no evaluation rows. */
	bitset_reset(&eval, N);
	{
		struct pdl *l2 = pdl_new(N, base, NULL, &eval);

		assert_int_equal(pdl_update(l2, &g, h, &info, &err), -1);
		assert_string_equal(err.s, "the group has no evaluation rows");
		pdl_free(l2);
	}
	pdl_free(l);
	bitset_release(&eval);
	bitset_release(&g);
	buf_release(&err);
}

static void test_pdl__repair_restores_earlier_group(void **state)
{
	/*
	 * Rows 0..599 start wrong, the rest right.  (g1 = 0..299, h1) fixes
	 * g1.  (g2 = 200..599, h2) fixes 300..599 but breaks 200..299, and
	 * is still better than the list on g2 (100 errors against 300).  g1
	 * then has 100 errors against its best 0, so a repair node points g1
	 * back to version 1; after it nothing is wrong.
	 */
	enum { N = 1000 };
	double base[N], h1[N], h2[N];
	struct bitset eval = BITSET_INIT, g1 = BITSET_INIT, g2 = BITSET_INIT;
	struct pdl *l;
	struct pdl_update_info info;
	struct pdl_node_info nd;
	uint32_t src[N];
	struct buf err = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		base[i] = i < 600;
		h1[i] = 0;
		h2[i] = i < 300;
	}
	bitset_reset(&eval, N);
	bitset_fill(&eval);
	bitset_reset(&g1, N);
	bitset_reset(&g2, N);
	set_range(&g1, 0, 300);
	set_range(&g2, 200, 600);
	l = pdl_new(N, base, NULL, &eval);
	assert_int_equal(pdl_update(l, &g1, h1, &info, &err), 0);
	assert_float_equal(info.after, 0.3, 1e-15);

	assert_int_equal(pdl_update(l, &g2, h2, &info, &err), 0);
	assert_int_equal(info.model, 2);
	assert_int_equal(info.repairs, 1);
	assert_float_equal(info.before, 0.3, 1e-15);
	assert_float_equal(info.after, 0.0, 0);
	assert_int_equal(pdl_length(l), 3);
	pdl_node(l, 2, &nd);
	assert_true(nd.repair);
	assert_int_equal(nd.group, 1);
	assert_int_equal(nd.target, 1);

	/* Version 2 (before the repair) hurt g1; version 3 restores it. */
	assert_float_equal(pdl_metric(l, 1, &g1), 0.0, 0);
	assert_float_equal(pdl_metric(l, 2, &g1), 100.0 / 300, 1e-15);
	assert_float_equal(pdl_metric(l, 3, &g1), 0.0, 0);
	assert_float_equal(pdl_metric(l, 2, NULL), 0.1, 1e-15);
	/* The overall error over versions 0..3 never rises. */
	assert_float_equal(pdl_metric(l, 0, NULL), 0.6, 1e-15);
	assert_float_equal(pdl_metric(l, 1, NULL), 0.3, 1e-15);
	assert_float_equal(pdl_metric(l, 3, NULL), 0.0, 0);

	pdl_sources(l, src);
	for (size_t i = 0; i < N; i++) {
		uint32_t want = i < 300 ? 1 : i < 600 ? 2 : 0;

		assert_int_equal(src[i], want);
		assert_int_equal(pdl_source(l, 3, i), want);
		assert_int_equal(pdl_source(l, 2, i),
				 i < 200 ? 1 : i < 600 ? 2 : 0);
	}
	pdl_free(l);
	bitset_release(&eval);
	bitset_release(&g1);
	bitset_release(&g2);
	buf_release(&err);
}

/* Current error sum of every group must be at most its best ever. */
static void random_sequence(bool wer, unsigned long seed)
{
	enum { N = 3000, UPDATES = 60 };
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	double *base = xmalloc(N * sizeof(*base));
	double *den = wer ? xmalloc(N * sizeof(*den)) : NULL;
	double *h = xmalloc(N * sizeof(*h));
	double best[UPDATES + 1];
	struct bitset eval = BITSET_INIT, g = BITSET_INIT;
	struct bitset *groups = xcalloc(UPDATES + 1, sizeof(*groups));
	uint32_t *src = xmalloc(N * sizeof(*src));
	struct pdl *l;
	struct buf err = BUF_INIT;
	double prev;
	size_t accepted = 0, repairs = 0;

	gsl_rng_set(rng, seed);
	bitset_reset(&eval, N);
	for (size_t i = 0; i < N; i++) {
		if (gsl_rng_uniform(rng) < 0.5)
			bitset_set(&eval, i);
		if (wer) {
			den[i] = 1 + (double)gsl_rng_uniform_int(rng, 20);
			base[i] = (double)gsl_rng_uniform_int(rng,
					(unsigned long)den[i] / 2 + 2);
		} else {
			base[i] = gsl_rng_uniform(rng) < 0.3;
		}
	}
	l = pdl_new(N, base, den, &eval);
	prev = pdl_metric(l, 0, NULL);
	for (int u = 0; u < UPDATES; u++) {
		struct pdl_update_info info;
		/* a random interval of rows, with random holes */
		size_t lo = gsl_rng_uniform_int(rng, N);
		size_t len = 50 + gsl_rng_uniform_int(rng, 600);
		double pg = 0.3 + 0.7 * gsl_rng_uniform(rng);

		bitset_reset(&g, N);
		for (size_t i = lo; i < lo + len && i < N; i++)
			if (gsl_rng_uniform(rng) < pg)
				bitset_set(&g, i);
		/* h: good on part of the group, bad on the rest */
		for (size_t i = 0; i < N; i++) {
			bool good = gsl_rng_uniform(rng) < 0.7;

			if (wer)
				h[i] = good ? 0 : den[i];
			else
				h[i] = good ? 0 : 1;
		}
		if (pdl_update(l, &g, h, &info, &err)) {
			assert_true(strstr(err.s, "does not lower") != NULL ||
				    strstr(err.s, "no evaluation") != NULL);
			buf_reset(&err);
			continue;
		}
		accepted++;
		repairs += info.repairs;
		assert_true(info.after < info.before);
		assert_float_equal(info.before, prev, 1e-12);
		prev = info.after;
		assert_float_equal(pdl_metric(l, pdl_length(l), NULL),
				   info.after, 1e-12);
		bitset_copy(&groups[info.model], &g);
		best[info.model] = INFINITY;

		/* Track each group's best over all versions since it came. */
		for (uint32_t k = 1; k <= pdl_models(l); k++) {
			struct bitset ge = BITSET_INIT;
			double s;

			bitset_copy(&ge, &groups[k]);
			bitset_and(&ge, &eval);
			s = pdl_metric(l, pdl_length(l), &ge);
			bitset_release(&ge);
			if (k == info.model) {
				best[k] = s;
				continue;
			}
			/* no group is left above its best */
			assert_true(s <= best[k] + 1e-12);
			if (s < best[k])
				best[k] = s;
		}
		/* cached sources equal walks of the list */
		pdl_sources(l, src);
		for (size_t i = 0; i < N; i += 7)
			assert_int_equal(src[i], pdl_source(l, pdl_length(l), i));
	}
	/* the overall error is monotone over every version of the list */
	prev = INFINITY;
	for (size_t v = 0; v <= pdl_length(l); v++) {
		double m = pdl_metric(l, v, NULL);

		assert_true(m <= prev + 1e-12);
		prev = m;
	}
	assert_true(accepted >= 10);
	assert_true(repairs >= 1);	/* the sequence exercised repairs */
	pdl_free(l);
	for (int u = 0; u <= UPDATES; u++)
		bitset_release(&groups[u]);
	free(groups);
	free(src);
	free(base);
	free(den);
	free(h);
	bitset_release(&eval);
	bitset_release(&g);
	buf_release(&err);
	gsl_rng_free(rng);
}

static void test_pdl__random_updates_never_raise_error(void **state)
{
	(void)state;
	random_sequence(false, 1);
	random_sequence(false, 2);
}

static void test_pdl__random_updates_wer(void **state)
{
	(void)state;
	random_sequence(true, 3);
}

static void test_pdl__bad_h(void **state)
{
	double base[10] = { 1, 1, 1, 1, 1, 0, 0, 0, 0, 0 }, h[10] = { 0 };
	struct bitset eval = BITSET_INIT, g = BITSET_INIT, small = BITSET_INIT;
	struct pdl *l;
	struct buf err = BUF_INIT;

	(void)state;
	bitset_reset(&eval, 10);
	bitset_fill(&eval);
	bitset_reset(&g, 10);
	set_range(&g, 0, 5);
	bitset_reset(&small, 9);
	l = pdl_new(10, base, NULL, &eval);
	h[2] = NAN;
	assert_int_equal(pdl_update(l, &g, h, NULL, &err), -1);
	assert_string_equal(err.s, "loss of h on row 2 is nan; it must be a "
			    "finite, non-negative number");
	buf_reset(&err);
	assert_int_equal(pdl_update(l, &small, h, NULL, &err), -1);
	assert_string_equal(err.s, "group covers 9 rows but the list covers "
			    "10");
	assert_int_equal(pdl_length(l), 0);
	h[2] = 0;
	buf_reset(&err);
	assert_int_equal(pdl_update(l, &g, h, NULL, &err), 0);
	assert_int_equal(pdl_length(l), 1);
	pdl_free(l);
	bitset_release(&eval);
	bitset_release(&g);
	bitset_release(&small);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pdl__planted_group_improves),
		cmocka_unit_test(test_pdl__repair_restores_earlier_group),
		cmocka_unit_test(test_pdl__random_updates_never_raise_error),
		cmocka_unit_test(test_pdl__random_updates_wer),
		cmocka_unit_test(test_pdl__bad_h),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
