/*
 * Unit tests for bounty/verify.c.
 *
 * Reference values: Newcombe (Stat Med 1998) example 56/70 - 48/80, hybrid
 * score interval 0.0524 to 0.3339; Fisher's tea-tasting table [[3,1],[1,3]],
 * one-sided p = 17/70; exact McNemar with 10 and 2 discordant pairs,
 * p = 79/4096; the pooled z-test and the delta-method ratio variance worked
 * by hand from their textbook formulas (see the comments at each case).
 * Then a planted underperforming subgroup on a table with a real split,
 * a null group, rephrased repeats, and the release through Thresholdout.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_cdf.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"
#include "cohorts/predicate.h"
#include "bounty/split.h"
#include "bounty/verify.h"

/* Rows [lo, hi) into b. */
static void set_range(struct bitset *b, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		bitset_set(b, i);
}

static struct verify_rules rules_with(size_t min_support)
{
	struct verify_rules r;

	verify_rules_init(&r);
	r.min_support = min_support;
	return r;
}

/* Newcombe's example: group 56 errors of 70, rest 48 of 80. */
static void newcombe_input(double *err, struct bitset *g, struct bitset *sp)
{
	bitset_reset(g, 150);
	bitset_reset(sp, 150);
	set_range(g, 0, 70);
	set_range(sp, 0, 150);
	for (size_t i = 0; i < 150; i++)
		err[i] = i < 56 || (i >= 70 && i < 118);
}

static void test_verify__rules_defaults(void **state)
{
	struct verify_rules r;

	(void)state;
	verify_rules_init(&r);
	assert_int_equal(r.min_support, 30);
	assert_float_equal(r.min_gap, 0.02, 0);
	assert_float_equal(r.alpha, 0.001, 0);
	assert_float_equal(r.significance, 0.05, 0);
	assert_float_equal(r.confidence, 0.95, 0);
	assert_float_equal(r.dup_jaccard, 0.8, 0);
	assert_int_equal(r.prior, 0);
	assert_string_equal(verify_status_name(VERIFY_DUPLICATE), "duplicate");
	assert_string_equal(verify_method_name(VERIFY_MCNEMAR), "mcnemar");
}

static void test_verify__newcombe_example(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	newcombe_input(err, &g, &sp);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	assert_int_equal(v.support, 70);
	assert_int_equal(v.rest, 80);
	assert_float_equal(v.weight, 70.0 / 150, 1e-15);
	assert_float_equal(v.metric_group, 0.8, 1e-15);
	assert_float_equal(v.metric_rest, 0.6, 1e-15);
	assert_float_equal(v.gap, 0.2, 1e-12);
	/* Newcombe (1998), method 10: 0.0524 to 0.3339 */
	assert_float_equal(v.gap_low, 0.0524, 5e-5);
	assert_float_equal(v.gap_high, 0.3339, 5e-5);
	/* pooled z = 0.2 / sqrt(.6933 * .3067 * (1/70 + 1/80)) = 2.65017 */
	assert_int_equal(v.gap_method, VERIFY_Z);
	assert_float_equal(v.gap_se, 0.0754668012787, 1e-12);
	assert_float_equal(v.p_value, 0.00402254068410, 1e-12);
	assert_float_equal(v.p_adjusted, v.p_value, 0);
	assert_false(v.has_h);
	assert_true(isnan(v.improvement));
	assert_int_equal(v.duplicate_of, -1);
	assert_string_equal(v.reason, "gap 0.2000 reaches the minimum gap "
			    "0.0200 and is significant (adjusted p-value "
			    "0.00402)");
	assert_int_equal(e.len, 0);

	/* The same finding as a hunter's 10th and 100th submission. */
	r.prior = 9;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_float_equal(v.p_adjusted, 10 * 0.00402254068410, 1e-11);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	r.prior = 99;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_float_equal(v.p_adjusted, 0.402254068410, 1e-10);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_string_equal(v.reason, "gap 0.2000 is not significant "
			    "(adjusted p-value 0.402, needs below 0.05)");
	/* A bigger minimum gap. */
	r.prior = 0;
	r.min_gap = 0.25;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_string_equal(v.reason, "gap 0.2000 is below the minimum gap "
			    "0.2500");
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

static void test_verify__fisher_tea_tasting(void **state)
{
	/* group: 3 errors of 4; rest: 1 of 4; expected counts are 2 */
	double err[8] = { 1, 1, 1, 0, 1, 0, 0, 0 };
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(4);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	bitset_reset(&g, 8);
	bitset_reset(&sp, 8);
	set_range(&g, 0, 4);
	set_range(&sp, 0, 8);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.gap_method, VERIFY_FISHER);
	assert_float_equal(v.p_value, 17.0 / 70, 1e-12);
	assert_float_equal(v.gap, 0.5, 1e-15);
	assert_int_equal(v.status, VERIFY_REJECTED);
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

static void test_verify__delta_method_wer(void **state)
{
	/*
	 * Utterances (word errors, reference words):
	 *   group (1,10) (3,10) (2,5): WER 6/25 = 0.24
	 *   rest  (0,10) (1,10) (1,20) (0,5): WER 2/45
	 * var = m/(m-1) sum (e - R n)^2 / (sum n)^2 per side:
	 *   group 3/2 * 2.96 / 625, rest 4/3 * 0.567901 / 2025
	 *   se = 0.0864750064401, z = 2.26141128641, p = 0.0118669002569
	 */
	double err[7] = { 1, 3, 2, 0, 1, 1, 0 };
	double den[7] = { 10, 10, 5, 10, 10, 20, 5 };
	uint32_t spk[7] = { 0, 0, 1, 2, 2, 3, 3 };
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, den, NULL, NULL, 0 };
	struct verify_rules r = rules_with(3);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	bitset_reset(&g, 7);
	bitset_reset(&sp, 7);
	set_range(&g, 0, 3);
	set_range(&sp, 0, 7);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.gap_method, VERIFY_DELTA);
	assert_float_equal(v.metric_group, 0.24, 1e-15);
	assert_float_equal(v.metric_rest, 2.0 / 45, 1e-15);
	assert_float_equal(v.gap, 0.195555555555556, 1e-14);
	assert_float_equal(v.gap_se, 0.0864750064401, 1e-12);
	assert_float_equal(v.p_value, 0.0118669002569, 1e-12);
	assert_float_equal(v.gap_low, 0.0260676573701, 1e-11);
	assert_float_equal(v.gap_high, 0.365043453741, 1e-11);
	/* weight: the group's share of reference words, 25 of 70 */
	assert_float_equal(v.weight, 25.0 / 70, 1e-15);
	assert_int_equal(v.status, VERIFY_ACCEPTED);

	/*
	 * The same utterances by speaker: group {0, 1} {2}, rest {3, 4}
	 * {5, 6}.  Residuals summed per speaker, m = speakers (CR1):
	 *   group: -0.8, 0.8: var = 2/1 * 1.28 / 625
	 *   rest: 1/9, -1/9: var = 2/1 * 2/81 / 2025
	 *   se = 0.0641902370025547, p = Q(0.19556 / se) = 0.00115761248431534
	 * (Python, from these definitions).
	 */
	in.cluster = spk;
	in.nclusters = 4;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_float_equal(v.gap, 0.195555555555556, 1e-14);
	assert_float_equal(v.gap_se, 0.0641902370025547, 1e-14);
	assert_float_equal(v.p_value, 0.00115761248431534, 1e-14);
	/* A row of cluster UINT32_MAX is a cluster of its own: every row
	 * alone gives the independent rows' numbers. */
	for (int i = 0; i < 7; i++)
		spk[i] = i % 2 ? UINT32_MAX : (uint32_t)i;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_float_equal(v.gap_se, 0.0864750064401, 1e-12);
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

static void test_verify__mcnemar_with_h(void **state)
{
	/*
	 * 30 group rows: 10 the model gets wrong and h right, 2 the
	 * reverse, 5 both wrong, 13 both right; 70 other rows, all right.
	 * improvement = 8/30, weight 0.3, value 0.08 = 15/100 - 7/100;
	 * McNemar one-sided p = P(Bin(12, 1/2) >= 10) = 79/4096.
	 */
	double err[100] = { 0 }, h[100] = { 0 };
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, h, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < 10; i++)
		err[i] = 1;
	for (size_t i = 10; i < 12; i++)
		h[i] = 1;
	for (size_t i = 12; i < 17; i++)
		err[i] = h[i] = 1;
	bitset_reset(&g, 100);
	bitset_reset(&sp, 100);
	set_range(&g, 0, 30);
	set_range(&sp, 0, 100);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_true(v.has_h);
	assert_int_equal(v.impr_method, VERIFY_MCNEMAR);
	assert_float_equal(v.metric_group, 0.5, 1e-15);
	assert_float_equal(v.metric_h, 7.0 / 30, 1e-15);
	assert_float_equal(v.improvement, 8.0 / 30, 1e-15);
	assert_float_equal(v.weight, 0.3, 1e-15);
	assert_float_equal(v.value, 0.15 - 0.07, 1e-15);
	assert_float_equal(v.impr_p_value, 79.0 / 4096, 1e-15);
	assert_true(v.impr_low < v.improvement && v.improvement < v.impr_high);
	assert_int_equal(v.status, VERIFY_ACCEPTED);

	/* An h that is worse than the model is rejected by the rule. */
	for (size_t i = 0; i < 30; i++)
		h[i] = 1;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_true(v.value < 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_true(strstr(v.reason, "is below alpha") != NULL);

	/* A tiny but real improvement below alpha. */
	memset(h, 0, sizeof(h));
	memcpy(h, err, sizeof(h));
	h[0] = 0;
	r.alpha = 0.02;
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_float_equal(v.value, 0.01, 1e-15);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_string_equal(v.reason, "weight x improvement 0.01 is below "
			    "alpha 0.02");
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

static void test_verify__too_small_says_nothing(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(71);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	newcombe_input(err, &g, &sp);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_true(v.too_small);
	assert_int_equal(v.support, 0);
	assert_true(isnan(v.gap) && isnan(v.metric_group) && isnan(v.p_value));
	assert_true(isnan(v.weight));
	assert_string_equal(v.reason, "the group has fewer than 71 holdout "
			    "members");
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

static void test_verify__input_errors(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT, small = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	newcombe_input(err, &g, &sp);
	bitset_reset(&small, 100);
	in.group = &small;
	assert_int_equal(verify_submission(&in, &r, &v, &e), -1);
	assert_string_equal(e.s, "group covers 100 rows but the split covers "
			    "150");
	buf_reset(&e);
	in.group = &g;
	err[3] = -1;
	assert_int_equal(verify_submission(&in, &r, &v, &e), -1);
	assert_string_equal(e.s, "loss of row 3 is -1; it must be a finite, "
			    "non-negative number");
	buf_reset(&e);
	err[3] = NAN;
	assert_int_equal(verify_submission(&in, &r, &v, &e), -1);
	buf_reset(&e);
	err[3] = 1;
	r.significance = 1.5;
	assert_int_equal(verify_submission(&in, &r, &v, &e), -1);
	assert_string_equal(e.s, "significance 1.5 is not strictly between 0 "
			    "and 1");
	bitset_release(&g);
	bitset_release(&sp);
	bitset_release(&small);
	buf_release(&e);
}

/* ---- a planted subgroup on a table with a real split ----------------- */

struct world {
	struct table t;
	struct bitset holdout, discovery;
	double *err;		/* current model, 0/1 */
	double *h;		/* a better model for scottish speakers */
};

static const char *const accents[] = { "scottish", "welsh", "english",
				       "irish" };

static void world_build(struct world *w, size_t n)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct split s;
	struct buf e = BUF_INIT;

	gsl_rng_set(rng, 20220621);
	table_init(&w->t, TASK_CLASSIFICATION);
	table_add_attr(&w->t, "accent");
	table_add_attr(&w->t, "age");
	w->err = xmalloc(n * sizeof(*w->err));
	w->h = xmalloc(n * sizeof(*w->h));
	for (size_t r = 0; r < n; r++) {
		char id[32], age[16];
		int len = snprintf(id, sizeof(id), "ex-%zu", r);
		double u = gsl_rng_uniform(rng);
		size_t a = u < 0.1 ? 0 : u < 0.2 ? 1 : u < 0.8 ? 2 : 3;
		int al = snprintf(age, sizeof(age), "%lu",
				  18 + gsl_rng_uniform_int(rng, 73));

		assert_true(table_add_row(&w->t, id, (size_t)len) ==
			    (int64_t)r);
		table_set_attr(&w->t, r, 0, accents[a], strlen(accents[a]));
		table_set_attr(&w->t, r, 1, age, (size_t)al);
		/* the model errs on 30 % of scottish rows, 15 % elsewhere */
		w->err[r] = gsl_rng_uniform(rng) < (a == 0 ? 0.30 : 0.15);
		w->h[r] = a == 0 ? (double)(gsl_rng_uniform(rng) < 0.15) :
			  w->err[r];
	}
	table_finish(&w->t);
	assert_int_equal(split_init(&s, "a secret of the planted bounty", 30,
				    0.5, &e), 0);
	bitset_init(&w->holdout);
	bitset_init(&w->discovery);
	split_table(&s, &w->t.ids, &w->holdout);
	bitset_copy(&w->discovery, &w->holdout);
	bitset_not(&w->discovery);
	gsl_rng_free(rng);
	buf_release(&e);
}

static void world_free(struct world *w)
{
	table_release(&w->t);
	bitset_release(&w->holdout);
	bitset_release(&w->discovery);
	free(w->err);
	free(w->h);
}

static void group_of(struct world *w, const char *pred, struct bitset *out)
{
	struct predicate *p = NULL;
	struct buf e = BUF_INIT;

	if (predicate_compile(pred, strlen(pred), &w->t, &p, &e))
		fail_msg("%s: %s", pred, e.s);
	assert_int_equal(predicate_eval(p, &w->t, out, &e), 0);
	predicate_free(p);
	buf_release(&e);
}

static void test_verify__planted_null_and_duplicates(void **state)
{
	struct world w;
	struct bitset g = BITSET_INIT, members = BITSET_INIT;
	const struct bitset *accepted[1] = { &members };
	struct verify_input in;
	struct verify_rules r = rules_with(30);
	struct verdict v;
	struct buf e = BUF_INIT;

	(void)state;
	world_build(&w, 20000);
	memset(&in, 0, sizeof(in));
	in.group = &g;
	in.split = &w.holdout;
	in.err = w.err;

	/* The planted group: true gap 0.15. */
	group_of(&w, "accent = 'scottish'", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	assert_true(v.support > 850 && v.support < 1150);
	assert_true(v.gap_low < 0.15 && 0.15 < v.gap_high);
	assert_true(v.p_value < 1e-10);
	assert_null(strstr(v.reason, "ex-"));
	bitset_copy(&members, &g);
	bitset_and(&members, &w.holdout);

	/* A null group: no real gap. */
	group_of(&w, "accent = 'welsh'", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_true(v.gap_low < 0 && 0 < v.gap_high);

	/* Rephrased repeats of the accepted group are duplicates. */
	in.accepted = accepted;
	in.naccepted = 1;
	group_of(&w, "accent IN ('scottish') AND NOT age < 0", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_DUPLICATE);
	assert_int_equal(v.duplicate_of, 0);
	assert_float_equal(v.overlap, 1.0, 0);
	assert_string_equal(v.reason, "the group's holdout members overlap an "
			    "earlier accepted finding (Jaccard 1.000, "
			    "duplicates from 0.80)");
	/* ages 18..90: removing 81..90 keeps about 86 % of the members */
	group_of(&w, "accent = 'scottish' AND age <= 80", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_DUPLICATE);
	assert_true(v.overlap >= 0.8 && v.overlap < 0.95);
	/* ... but a real sub-group is a finding of its own */
	group_of(&w, "accent = 'scottish' AND age < 50", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_not_equal(v.status, VERIFY_DUPLICATE);
	assert_true(v.overlap > 0.3 && v.overlap < 0.6);
	assert_int_equal(v.duplicate_of, -1);

	/* With h: the proposed model fixes the group. */
	in.accepted = NULL;
	in.naccepted = 0;
	in.h_err = w.h;
	group_of(&w, "accent = 'scottish'", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	assert_true(v.improvement > 0.1 && v.improvement < 0.2);
	assert_true(v.impr_p_adjusted < 1e-6);
	/* weight x improvement is the drop of the overall holdout error */
	{
		double before = 0, after = 0;
		size_t n = 0;

		bitset_foreach(&w.holdout, i) {
			before += w.err[i];
			after += bitset_test(&g, i) ? w.h[i] : w.err[i];
			n++;
		}
		assert_float_equal(v.value, (before - after) / (double)n,
				   1e-12);
	}
	assert_int_equal(v.improves, -1);
	/* The same h for the accepted group: an improvement on it, judged by
	   the same rule, never a duplicate. */
	in.accepted = accepted;
	in.naccepted = 1;
	group_of(&w, "accent IN ('scottish') AND NOT age < 0", &g);
	assert_int_equal(verify_submission(&in, &r, &v, &e), 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	assert_int_equal(v.improves, 0);
	assert_int_equal(v.duplicate_of, -1);
	assert_float_equal(v.overlap, 1.0, 0);
	assert_true(v.improvement > 0.1 && v.improvement < 0.2);
	bitset_release(&g);
	bitset_release(&members);
	world_free(&w);
	buf_release(&e);
}

/* ---- release through the reusable holdout ----------------------------- */

/* The public standard error of a released gap: rates 0.6 + gap vs 0.6. */
static double public_se(double gap)
{
	double pg = 0.6 + gap, pool = (pg * 70 + 0.6 * 80) / 150;

	return sqrt(pool * (1 - pool) * (1.0 / 70 + 1.0 / 80));
}

static void test_verify__release(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict hold, v, disc;
	struct thresholdout t;
	struct buf e = BUF_INIT;

	(void)state;
	newcombe_input(err, &g, &sp);
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	/* one example moves the gap by at most 1/70, the improvement 2/70 */
	assert_float_equal(hold.sens_gap, 1.0 / 70, 1e-15);
	assert_float_equal(hold.sens_impr, 2.0 / 70, 1e-15);
	/* noiseless mechanism: the threshold is exactly T = 0.04 */
	thresholdout_init(&t, 0.04, 0, 2, 1);

	/*
	 * Discovery agrees (0.21 vs 0.2): its numbers are released, and the
	 * standard error comes from them and the counts, never from the
	 * holdout's rates.
	 */
	memset(&disc, 0, sizeof(disc));
	disc.gap = 0.21;
	disc.metric_group = 0.81;
	disc.metric_rest = 0.60;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_true(v.released);
	assert_int_equal(v.gap_source, THRESHOLDOUT_DISCOVERY);
	assert_float_equal(v.gap, 0.21, 0);
	assert_float_equal(v.metric_group, 0.81, 1e-15);
	assert_float_equal(v.metric_rest, 0.60, 0);
	assert_float_equal(v.gap_se, public_se(0.21), 1e-15);
	assert_float_equal(v.gap_low, 0.21 - 1.959963984540054 * v.gap_se,
			   1e-12);
	assert_float_equal(v.p_value, gsl_cdf_ugaussian_Q(0.21 / v.gap_se),
			   1e-15);
	assert_float_equal(v.weight, 70.0 / 150, 1e-15);
	assert_float_equal(v.gap_margin, 0.04, 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	assert_int_equal(t.used, 0);
	assert_int_equal(t.queries, 1);

	/* Discovery far off (0.5): the holdout answers, budget charged. */
	disc.gap = 0.5;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.gap_source, THRESHOLDOUT_HOLDOUT);
	assert_float_equal(v.gap, 0.2, 1e-12);
	assert_float_equal(v.metric_group, 0.8, 1e-12);
	assert_float_equal(v.gap_margin, 0, 0);
	assert_int_equal(t.used, 1);

	/*
	 * A discovery answer is only known to within T: against min_gap it
	 * counts T lower, whatever the holdout says (it accepts here).
	 */
	assert_int_equal(hold.status, VERIFY_ACCEPTED);
	disc.gap = 0.21;
	r.min_gap = 0.18;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_string_equal(v.reason, "gap 0.2100 was confirmed by the "
			    "holdout only to within 0.04, so it counts as "
			    "0.1700, below the minimum gap 0.1800");

	/* The holdout's own verdict does not decide: it rejects here, the
	 * released numbers pass, the verdict is theirs. */
	r.prior = 99;
	r.min_gap = 0.02;
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	assert_int_equal(hold.status, VERIFY_REJECTED);
	r.prior = 0;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_ACCEPTED);

	/* The released gap too small: the reason quotes it. */
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	disc.gap = 0.19;
	r.min_gap = 0.195;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_string_equal(v.reason, "gap 0.1900 is below the minimum gap "
			    "0.1950");
	r.min_gap = 0.02;

	/* The second holdout answer uses up the budget of 2 ... */
	disc.gap = -0.3;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(t.used, 2);
	/* ... and the next submission is refused. */
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), -1);
	assert_string_equal(e.s, "the holdout budget of 2 answers is used up");
	buf_reset(&e);

	/* A group too small to report asks nothing. */
	r.min_support = 100;
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_true(v.too_small);
	assert_int_equal(v.status, VERIFY_REJECTED);

	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

/*
 * With epsilon, a holdout answer's noise scale is 2 x sensitivity /
 * epsilon (never below sigma), and the released standard error adds the
 * noise's variance 2 scale^2.
 */
static void test_verify__noise_follows_the_sensitivity(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict hold, v, disc;
	struct thresholdout t;
	struct buf e = BUF_INIT;

	(void)state;
	newcombe_input(err, &g, &sp);
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	memset(&disc, 0, sizeof(disc));
	disc.gap = 5;		/* far off: the holdout answers */
	disc.metric_rest = 0.6;
	r.epsilon = 0.5;
	thresholdout_init(&t, 0.04, 0.01, 10, 7);
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.gap_source, THRESHOLDOUT_HOLDOUT);
	assert_float_equal(v.gap_scale, 2 * (1.0 / 70) / 0.5, 1e-15);
	assert_true(v.gap != hold.gap);
	{
		double se = public_se(v.gap);

		assert_float_equal(v.gap_se, sqrt(se * se + 2 * v.gap_scale *
						  v.gap_scale), 1e-12);
	}
	/* A large epsilon: the floor sigma */
	r.epsilon = 100;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_float_equal(v.gap_scale, 0.01, 0);
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

/*
 * Verdicts only: one sparse-vector test, no number released; a rejection
 * costs nothing, an acceptance one unit.
 */
static void test_verify__verdict_only(void **state)
{
	double err[150];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, NULL, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict hold, v, disc;
	struct thresholdout t;
	struct buf e = BUF_INIT;
	double se = public_se(0.2);

	(void)state;
	newcombe_input(err, &g, &sp);
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	memset(&disc, 0, sizeof(disc));
	disc.metric_group = 0.8;
	disc.metric_rest = 0.6;
	thresholdout_init(&t, 0.04, 0, 3, 1);	/* noiseless */
	v = hold;
	assert_int_equal(verify_verdict_only(&v, &disc, &r, &t, &e), 0);
	assert_true(v.verdict_only);
	assert_int_equal(v.status, VERIFY_ACCEPTED);
	/* the threshold: significance needs 1.645 x SE > min_gap */
	assert_float_equal(v.verdict_threshold, 1.6448536269514729 * se,
			   1e-12);
	assert_true(isnan(v.gap) && isnan(v.metric_group) && isnan(v.value));
	assert_int_equal(t.used, 1);
	assert_non_null(strstr(v.reason, "verdict only"));
	/* a minimum gap above the holdout's 0.2: rejected, free */
	r.min_gap = 0.25;
	v = hold;
	assert_int_equal(verify_verdict_only(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_float_equal(v.verdict_threshold, 0.25, 0);
	assert_int_equal(t.used, 1);
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

/*
 * fpr of a group without holdout negatives is undefined: the exact verdict
 * says so (for administrators), but the released one is an ordinary
 * rejection of no effect, asked of the reusable holdout like any other
 * (so the budget moves as for a defined metric), with nothing that tells
 * the hunter the group had no negatives.  The same for h's improvement.
 */
static void test_verify__undefined_metric_is_released_as_no_effect(void **state)
{
	/* rows 0..39 the group: all positives (den 0); 40..79 the rest */
	double err[80], den[80], h[80];
	struct bitset g = BITSET_INIT, sp = BITSET_INIT;
	struct verify_input in = { &g, &sp, err, den, NULL, NULL, 0 };
	struct verify_rules r = rules_with(30);
	struct verdict hold, v, disc;
	struct thresholdout t;
	struct buf e = BUF_INIT;

	(void)state;
	for (int i = 0; i < 80; i++) {
		den[i] = i < 40 ? 0 : 1;
		err[i] = i >= 40 && i % 4 == 0;
		h[i] = 0;
	}
	bitset_reset(&g, 80);
	bitset_reset(&sp, 80);
	set_range(&g, 0, 40);
	set_range(&sp, 0, 80);
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	assert_false(hold.too_small);
	assert_true(isnan(hold.gap));
	assert_non_null(strstr(hold.reason, "undefined"));

	thresholdout_init(&t, 0.04, 0, 5, 1);
	memset(&disc, 0, sizeof(disc));
	disc.gap = disc.improvement = NAN;	/* undefined there too */
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_float_equal(v.gap, 0, 0);
	assert_null(strstr(v.reason, "undefined"));
	assert_string_equal(v.reason, "gap 0.0000 is below the minimum gap "
			    "0.0200");
	assert_int_equal(t.queries, 1);

	/* Discovery saw a gap of 0.3: the holdout's no effect answers, and
	 * the budget is charged, as for any answer that differs. */
	disc.gap = 0.3;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_float_equal(v.gap, 0, 0);
	assert_int_equal(t.used, 1);

	/* With h: the improvement is undefined too, released as 0. */
	in.h_err = h;
	assert_int_equal(verify_submission(&in, &r, &hold, &e), 0);
	assert_true(isnan(hold.improvement));
	disc.improvement = 0.1;
	v = hold;
	assert_int_equal(verify_release(&v, &disc, &r, &t, &e), 0);
	assert_int_equal(v.status, VERIFY_REJECTED);
	assert_float_equal(v.improvement, 0, 0);
	assert_float_equal(v.value, 0, 0);
	assert_null(strstr(v.reason, "undefined"));
	bitset_release(&g);
	bitset_release(&sp);
	buf_release(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verify__rules_defaults),
		cmocka_unit_test(test_verify__undefined_metric_is_released_as_no_effect),
		cmocka_unit_test(test_verify__newcombe_example),
		cmocka_unit_test(test_verify__fisher_tea_tasting),
		cmocka_unit_test(test_verify__delta_method_wer),
		cmocka_unit_test(test_verify__mcnemar_with_h),
		cmocka_unit_test(test_verify__too_small_says_nothing),
		cmocka_unit_test(test_verify__input_errors),
		cmocka_unit_test(test_verify__planted_null_and_duplicates),
		cmocka_unit_test(test_verify__release),
		cmocka_unit_test(test_verify__noise_follows_the_sensitivity),
		cmocka_unit_test(test_verify__verdict_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
