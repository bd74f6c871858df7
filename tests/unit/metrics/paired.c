/*
 * Unit tests for metrics/paired.c.
 *
 * Published values: Newcombe's method 10 for paired data on the Cavo et al.
 * (2012) table of Fagerland, Lydersen & Laake, "Statistical Analysis of
 * Contingency Tables" (2017), chapter 8 (-0.0621, 95% CI -0.1186 to
 * -0.0046, as the contingencytables package's tests also print), and on
 * Table 6.2 of Altman et al., "Statistics with Confidence" (2000), p. 52
 * (0.011 to 0.226); the McNemar mid-p test on the Bentur et al. and Cavo
 * et al. tables of Fagerland, Lydersen & Laake, BMC Med Res Methodol
 * 2013, 13:91 (0.039 and 0.035).  More decimals, and the other cases, were
 * computed with python3-scipy 1.10.1: the method-10 formula on
 * binomtest(x, n).proportion_ci(method="wilson") limits;
 * 2 * (binom.cdf(k, m, .5) - binom.pmf(k, m, .5) / 2) for mid-p;
 * ttest_rel(xb, xa) and t.interval for the paired t.
 *
 * The bootstrap has no published values: its tests check reproducibility,
 * that a planted change is found, that a null change's interval covers 0,
 * the coverage of many null intervals, and agreement with the closed form
 * where both apply.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include "metrics/paired.h"

static void assert_close(double got, double want, double tol)
{
	if (isnan(want)) {
		assert_true(isnan(got));
		return;
	}
	if (fabs(got - want) > tol)
		fail_msg("got %.12g, want %.12g (tol %g)", got, want, tol);
}

static bool covers(const struct interval *iv, double v)
{
	return iv->low <= v && v <= iv->high;
}

static void test_paired__newcombe_published(void **state)
{
	/* Newcombe's cells (e, f, g, h) with B first: both, b_only, a_only,
	 * neither; the difference is (f - g) / n. */
	static const struct {
		struct paired_table t;
		double conf, d, low, high;
		double pub_low, pub_high, pub_tol;
	} c[] = {
		/* Cavo et al. 2012 (FLL 2017, ch. 8) */
		{ { 59, 16, 6, 80 }, 0.95, -0.062111801242,
		  -0.118621195639, -0.004625113933, -0.1186, -0.0046, 5e-5 },
		/* Altman et al. 2000, Table 6.2 */
		{ { 14, 0, 5, 22 }, 0.95, 0.121951219512,
		  0.011483241383, 0.226492684351, 0.011, 0.226, 5e-4 },
		{ { 59, 16, 6, 80 }, 0.90, -0.062111801242,
		  -0.109744842872, -0.013785990793, NAN, NAN, 0 },
		{ { 1, 7, 1, 12 }, 0.95, -0.285714285714,
		  -0.506920226686, -0.025559124165, NAN, NAN, 0 },
		{ { 53, 8, 16, 9 }, 0.95, 0.093023255814,
		  -0.020104076888, 0.203915835250, NAN, NAN, 0 },
		{ { 20, 0, 5, 15 }, 0.90, 0.125,
		  0.029685953316, 0.214993178454, NAN, NAN, 0 },
	};
	struct interval iv, rev, un;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct paired_table sw = c[i].t;

		assert_int_equal(paired_newcombe(&c[i].t, c[i].conf, &iv), 0);
		assert_close(iv.value, c[i].d, 1e-12);
		assert_close(iv.low, c[i].low, 1e-11);
		assert_close(iv.high, c[i].high, 1e-11);
		if (!isnan(c[i].pub_low)) {
			assert_close(iv.low, c[i].pub_low, c[i].pub_tol);
			assert_close(iv.high, c[i].pub_high, c[i].pub_tol);
		}
		/* A and B swapped: the interval mirrors. */
		sw.a_only = c[i].t.b_only;
		sw.b_only = c[i].t.a_only;
		assert_int_equal(paired_newcombe(&sw, c[i].conf, &rev), 0);
		assert_close(rev.low, -iv.high, 1e-12);
		assert_close(rev.high, -iv.low, 1e-12);
	}
	/* An empty margin gives phi = 0: the unpaired interval (method 10
	 * of Newcombe 1998a) on the two margins; here 3/3 against 0/3. */
	{
		struct paired_table t = { 0, 0, 3, 0 };

		assert_int_equal(paired_newcombe(&t, 0.95, &iv), 0);
		assert_int_equal(stats_newcombe(3, 3, 0, 3, 0.95, &un), 0);
		assert_close(iv.low, un.low, 1e-15);
		assert_close(iv.high, un.high, 1e-15);
		assert_close(iv.low, 0.205923282460, 1e-11);
		assert_close(iv.high, 1, 0);
	}
	/* Pairing narrows the interval when the models agree (phi > 0). */
	{
		struct paired_table t = { 20, 0, 5, 15 };

		paired_newcombe(&t, 0.95, &iv);
		stats_newcombe(25, 40, 20, 40, 0.95, &un);
		assert_true(iv.high - iv.low < un.high - un.low - 0.1);
	}
	{
		struct paired_table t = { 0, 0, 0, 0 };

		assert_int_equal(paired_newcombe(&t, 0.95, &iv), -1);
		assert_true(isnan(iv.value) && isnan(iv.low) && isnan(iv.high));
	}
}

static void test_paired__mcnemar_midp(void **state)
{
	/* b = B only, c = A only; symmetric in its arguments. */
	static const struct {
		uint64_t b, c;
		double p;
	} c[] = {
		{ 1, 7, 0.0390625 },		/* Bentur: 10/256, pub. 0.039 */
		{ 6, 16, 0.0346896648406982 },	/* Cavo: 145499/2^22, 0.035 */
		{ 5, 0, 0.03125 },
		{ 8, 4, 0.266845703125 },
		{ 16, 8, 0.1077521443367 },
		{ 0, 0, 1 },
		{ 3, 3, 1 },
		{ 200, 260, 0.00514298630242261 },
		{ 1000, 1100, 0.0291106336859092 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		double tol = c[i].p * 1e-10;

		assert_close(paired_mcnemar_midp(c[i].b, c[i].c), c[i].p, tol);
		assert_close(paired_mcnemar_midp(c[i].c, c[i].b), c[i].p, tol);
	}
	assert_close(paired_mcnemar_midp(1, 7), 0.039, 5e-4);
	assert_close(paired_mcnemar_midp(6, 16), 0.035, 5e-4);
	assert_close(paired_mcnemar_midp(145499, 145499 + 9000), 0, 1e-50);
}

static void test_paired__prop_change(void **state)
{
	struct paired_table t = { 59, 16, 6, 80 };
	struct paired_change ch;
	struct interval w;

	(void)state;
	paired_prop_change(&t, 0.95, "empty", &ch);
	assert_int_equal(ch.method, PAIRED_NEWCOMBE);
	assert_string_equal(paired_method_name(ch.method), "newcombe");
	assert_null(ch.reason);
	assert_null(ch.ci_reason);
	assert_int_equal(ch.n, 161);
	stats_wilson(75, 161, 0.95, &w);
	assert_close(ch.a.value, w.value, 0);
	assert_close(ch.a.low, w.low, 0);
	assert_close(ch.a.high, w.high, 0);
	stats_wilson(65, 161, 0.95, &w);
	assert_close(ch.b.low, w.low, 0);
	assert_close(ch.diff.low, -0.118621195639, 1e-11);
	assert_close(ch.p, 0.0346896648406982, 1e-12);

	t = (struct paired_table){ 0, 0, 0, 0 };
	paired_prop_change(&t, 0.95, "no rows", &ch);
	assert_string_equal(ch.a_reason, "no rows");
	assert_string_equal(ch.b_reason, "no rows");
	assert_non_null(ch.reason);
	assert_true(isnan(ch.diff.value) && isnan(ch.p));
}

static void test_paired__rate_kinds(void **state)
{
	static const struct {
		enum confusion_rate r;
		bool prop;
	} c[] = {
		{ CONF_TPR, true }, { CONF_FPR, true }, { CONF_FNR, true },
		{ CONF_TNR, true }, { CONF_PPV, false }, { CONF_NPV, false },
		{ CONF_FDR, false }, { CONF_FOR, false },
		{ CONF_ACCURACY, true }, { CONF_ERROR_RATE, true },
		{ CONF_SELECTION_RATE, true }, { CONF_PREVALENCE, true },
	};
	struct paired_cells cells = { { 0 } };
	struct paired_table t;
	struct confusion ca, cb;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++)
		assert_int_equal(paired_rate_is_proportion(c[i].r), c[i].prop);
	/* One count per cell: cell k holds k + 1 rows. */
	for (unsigned k = 0; k < 8; k++)
		cells.n[k] = k + 1;
	assert_int_equal(paired_cells_total(&cells), 36);
	paired_cells_confusion(&cells, false, &ca);
	paired_cells_confusion(&cells, true, &cb);
	/* A: tp = cells 110 + 111 = 7 + 8, fn = 100 + 101 = 5 + 6,
	 *    fp = 010 + 011 = 3 + 4, tn = 000 + 001 = 1 + 2 */
	assert_int_equal(ca.tp, 15);
	assert_int_equal(ca.fn, 11);
	assert_int_equal(ca.fp, 7);
	assert_int_equal(ca.tn, 3);
	/* B: tp = 101 + 111 = 6 + 8, fn = 100 + 110 = 5 + 7,
	 *    fp = 001 + 011 = 2 + 4, tn = 000 + 010 = 1 + 3 */
	assert_int_equal(cb.tp, 14);
	assert_int_equal(cb.fn, 12);
	assert_int_equal(cb.fp, 6);
	assert_int_equal(cb.tn, 4);
	/* fpr over the negatives: both = 011, A only = 010, B only = 001 */
	paired_cells_table(&cells, CONF_FPR, &t);
	assert_int_equal(t.both, 4);
	assert_int_equal(t.a_only, 3);
	assert_int_equal(t.b_only, 2);
	assert_int_equal(t.neither, 1);
	/* error rate over all rows: an error is pred != truth */
	paired_cells_table(&cells, CONF_ERROR_RATE, &t);
	assert_int_equal(t.both, 4 + 5);	/* 011, 100 */
	assert_int_equal(t.a_only, 3 + 6);	/* 010, 101 */
	assert_int_equal(t.b_only, 2 + 7);	/* 001, 110 */
	assert_int_equal(t.neither, 1 + 8);	/* 000, 111 */
}

/* Cells from a list of (y, pa, pb, count). */
static void cells_fill(struct paired_cells *c, const unsigned (*v)[4],
		       size_t n)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < n; i++)
		c->n[PAIRED_CELL(v[i][0], v[i][1], v[i][2])] += v[i][3];
}

static const enum confusion_rate all_rates[] = {
	CONF_ERROR_RATE, CONF_FPR, CONF_FNR, CONF_SELECTION_RATE, CONF_PPV,
	CONF_NPV,
};

/* B fixes 30 false positives and 10 false negatives of A, breaks nothing. */
static const unsigned planted[][4] = {
	{ 1, 1, 1, 50 }, { 0, 0, 0, 70 }, { 0, 1, 0, 30 }, { 1, 0, 1, 10 },
	{ 1, 0, 0, 8 }, { 0, 1, 1, 6 },
};

/* A and B make the same number of each kind of error on different rows. */
static const unsigned null_cells[][4] = {
	{ 1, 1, 1, 60 }, { 0, 0, 0, 70 }, { 0, 1, 0, 15 }, { 0, 0, 1, 15 },
	{ 1, 1, 0, 10 }, { 1, 0, 1, 10 }, { 1, 0, 0, 5 }, { 0, 1, 1, 5 },
};

static void test_paired__binary_closed_form(void **state)
{
	struct paired_cells c;
	struct paired_change ch[ARRAY_SIZE(all_rates)];
	struct paired_opts o = { 0.95, 0, NULL, false };
	struct paired_table t;
	struct paired_change want;

	(void)state;
	cells_fill(&c, planted, ARRAY_SIZE(planted));
	paired_binary_compare(&c, all_rates, ARRAY_SIZE(all_rates), &o, ch);
	for (size_t j = 0; j < 4; j++) {
		paired_cells_table(&c, all_rates[j], &t);
		paired_prop_change(&t, 0.95, "", &want);
		assert_int_equal(ch[j].method, PAIRED_NEWCOMBE);
		assert_close(ch[j].diff.value, want.diff.value, 0);
		assert_close(ch[j].diff.low, want.diff.low, 0);
		assert_close(ch[j].diff.high, want.diff.high, 0);
		assert_close(ch[j].p, want.p, 0);
	}
	/* error rate: A 30 + 10 + 8 + 6 = 54 of 174, B 8 + 6 = 14 */
	assert_close(ch[0].a.value, 54.0 / 174, 1e-15);
	assert_close(ch[0].b.value, 14.0 / 174, 1e-15);
	assert_close(ch[0].diff.value, -40.0 / 174, 1e-15);
	assert_true(ch[0].diff.high < 0);
	assert_close(ch[0].p, paired_mcnemar_midp(0, 40), 0);
	/* ppv needs the bootstrap, which is off: value, no interval */
	assert_int_equal(ch[4].method, PAIRED_BOOTSTRAP);
	/* tp: A 50, B 50 + 10; fp: A 30 + 6, B 6 */
	assert_close(ch[4].a.value, 50.0 / 86, 1e-15);
	assert_close(ch[4].b.value, 60.0 / 66, 1e-15);
	assert_close(ch[4].diff.value, 60.0 / 66 - 50.0 / 86, 1e-15);
	assert_string_equal(ch[4].ci_reason, "bootstrap is off (bootstrap = 0)");
	assert_true(isnan(ch[4].diff.low) && isnan(ch[4].p));
	/* the models' own intervals are Wilson's either way */
	{
		struct interval w;

		stats_wilson(50, 86, 0.95, &w);
		assert_close(ch[4].a.low, w.low, 0);
		assert_close(ch[4].a.high, w.high, 0);
	}
}

static void run_boot(const struct paired_cells *c, uint64_t stream,
		     uint32_t nboot, bool all, struct paired_change *ch)
{
	gsl_rng *r = boot_rng_new(stream);
	struct paired_opts o = { 0.95, nboot, r, all };

	paired_binary_compare(c, all_rates, ARRAY_SIZE(all_rates), &o, ch);
	gsl_rng_free(r);
}

static void test_paired__bootstrap_reproducible(void **state)
{
	enum { NR = ARRAY_SIZE(all_rates) };
	struct paired_cells c;
	struct paired_change x[NR], y[NR], z[NR], one;
	bool differs = false;

	(void)state;
	cells_fill(&c, null_cells, ARRAY_SIZE(null_cells));
	run_boot(&c, 42, PAIRED_DEFAULT_BOOTSTRAP, true, x);
	run_boot(&c, 42, PAIRED_DEFAULT_BOOTSTRAP, true, y);
	run_boot(&c, 43, PAIRED_DEFAULT_BOOTSTRAP, true, z);
	for (size_t j = 0; j < NR; j++) {
		assert_int_equal(x[j].method, PAIRED_BOOTSTRAP);
		assert_memory_equal(&x[j].diff, &y[j].diff, sizeof(x[j].diff));
		assert_memory_equal(&x[j].p, &y[j].p, sizeof(x[j].p));
		differs |= x[j].diff.low != z[j].diff.low;
	}
	assert_true(differs);
	/* One rate alone gets the same numbers as in the list. */
	{
		gsl_rng *r = boot_rng_new(42);
		struct paired_opts o = { 0.95, PAIRED_DEFAULT_BOOTSTRAP, r,
					 true };
		enum confusion_rate ppv = CONF_PPV;

		paired_binary_compare(&c, &ppv, 1, &o, &one);
		gsl_rng_free(r);
		assert_memory_equal(&one.diff, &x[4].diff, sizeof(one.diff));
	}
}

static void test_paired__bootstrap_planted_and_null(void **state)
{
	enum { NR = ARRAY_SIZE(all_rates) };
	struct paired_cells c;
	struct paired_change ch[NR], cf[NR];

	(void)state;
	cells_fill(&c, planted, ARRAY_SIZE(planted));
	run_boot(&c, 7, PAIRED_DEFAULT_BOOTSTRAP, false, ch);
	/* error rate, fpr, ppv improve; intervals exclude 0 */
	assert_true(ch[0].diff.high < 0 && ch[0].p < 1e-6);
	assert_true(ch[1].diff.high < 0);
	assert_int_equal(ch[4].method, PAIRED_BOOTSTRAP);
	assert_null(ch[4].ci_reason);
	assert_true(ch[4].diff.low > 0 && ch[4].p < 0.001);
	assert_true(covers(&ch[4].diff, ch[4].diff.value));

	cells_fill(&c, null_cells, ARRAY_SIZE(null_cells));
	run_boot(&c, 7, PAIRED_DEFAULT_BOOTSTRAP, false, ch);
	for (size_t j = 0; j < NR; j++) {
		assert_close(ch[j].diff.value, 0, 1e-15);
		assert_true(covers(&ch[j].diff, 0));
		assert_true(ch[j].p > 0.5);
	}
	/* Where both apply, bootstrap and closed form agree closely. */
	run_boot(&c, 7, PAIRED_DEFAULT_BOOTSTRAP, true, ch);
	run_boot(&c, 7, 0, false, cf);
	for (size_t j = 0; j < 4; j++) {
		assert_int_equal(cf[j].method, PAIRED_NEWCOMBE);
		assert_close(ch[j].diff.low, cf[j].diff.low, 0.02);
		assert_close(ch[j].diff.high, cf[j].diff.high, 0.02);
	}
}

/*
 * Coverage: 400 data sets of 300 rows drawn from cell probabilities under
 * which A and B are exchangeable (true change 0); the share of 95%
 * intervals covering 0 must be near 0.95.
 */
static void test_paired__bootstrap_null_coverage(void **state)
{
	static const double prob[8] = {
		/* y=0: 00 01 10 11, y=1: 00 01 10 11 */
		0.20, 0.06, 0.06, 0.08, 0.05, 0.07, 0.07, 0.41,
	};
	gsl_rng *data = boot_rng_new(2024), *r = boot_rng_new(0);
	size_t ok[ARRAY_SIZE(all_rates)] = { 0 }, nsim = 400;
	unsigned draw[8];

	(void)state;
	for (size_t s = 0; s < nsim; s++) {
		struct paired_cells c;
		struct paired_change ch[ARRAY_SIZE(all_rates)];
		struct paired_opts o = { 0.95, 500, r, false };

		gsl_ran_multinomial(data, 8, 300, prob, draw);
		for (size_t k = 0; k < 8; k++)
			c.n[k] = draw[k];
		boot_rng_reset(r, s + 1);
		paired_binary_compare(&c, all_rates, ARRAY_SIZE(all_rates),
				      &o, ch);
		for (size_t j = 0; j < ARRAY_SIZE(all_rates); j++)
			ok[j] += covers(&ch[j].diff, 0);
	}
	for (size_t j = 0; j < ARRAY_SIZE(all_rates); j++) {
		double cov = (double)ok[j] / (double)nsim;

		if (cov < 0.92 || cov > 0.99)
			fail_msg("rate %s: coverage %.3f",
				 confusion_rate_name(all_rates[j]), cov);
	}
	gsl_rng_free(data);
	gsl_rng_free(r);
}

static void test_paired__binary_undefined(void **state)
{
	/* B never predicts positive: its ppv is undefined. */
	static const unsigned v[][4] = {
		{ 1, 1, 0, 10 }, { 0, 1, 0, 5 }, { 0, 0, 0, 20 }, { 1, 0, 0, 3 },
	};
	enum confusion_rate rates[] = { CONF_PPV, CONF_FPR, CONF_NPV };
	struct paired_cells c;
	struct paired_change ch[3];

	(void)state;
	cells_fill(&c, v, ARRAY_SIZE(v));
	{
		gsl_rng *r = boot_rng_new(1);
		struct paired_opts o = { 0.95, 200, r, false };

		paired_binary_compare(&c, rates, 3, &o, ch);
		gsl_rng_free(r);
	}
	assert_null(ch[0].a_reason);
	assert_string_equal(ch[0].b_reason, confusion_rate_reason(CONF_PPV));
	assert_string_equal(ch[0].reason, "the metric is undefined for model B");
	assert_int_equal(ch[0].method, PAIRED_NONE);
	assert_true(isnan(ch[0].diff.value) && isnan(ch[0].p));
	assert_close(ch[0].a.value, 10.0 / 15, 1e-15);
	assert_null(ch[1].reason);
	assert_close(ch[1].diff.value, -5.0 / 25, 1e-15);
	assert_null(ch[2].reason);
	assert_null(ch[2].ci_reason);
	assert_true(covers(&ch[2].diff, ch[2].diff.value));

	/* No negatives at all: fpr undefined for both. */
	memset(&c, 0, sizeof(c));
	c.n[PAIRED_CELL(1, 1, 1)] = 4;
	{
		struct paired_opts o = { 0.95, 0, NULL, false };

		paired_binary_compare(&c, rates + 1, 1, &o, ch);
	}
	assert_string_equal(ch[0].a_reason, confusion_rate_reason(CONF_FPR));
	assert_string_equal(ch[0].reason,
			    "the metric is undefined for both models");
}

static void test_paired__mean_change(void **state)
{
	static const double xa[] = { 1.5, 0.2, 3.1, 0.7, 2.2, 0.0, 1.1, 4.0,
				     0.9, 2.5 };
	static const double xb[] = { 1.0, 0.4, 2.0, 0.5, 1.9, 0.1, 0.6, 3.1,
				     1.0, 1.2 };
	struct paired_means m;
	struct paired_change ch;

	(void)state;
	memset(&m, 0, sizeof(m));
	for (size_t i = 0; i < ARRAY_SIZE(xa); i++)
		paired_means_add(&m, xa[i], xb[i]);
	paired_mean_change(&m, 0.95, true, "empty", &ch);
	assert_int_equal(ch.method, PAIRED_T);
	assert_int_equal(ch.n, 10);
	/* scipy: ttest_rel(xb, xa), t.interval on the differences; GSL's
	 * t quantiles differ from scipy's by about 1e-9 (see the stats
	 * tests), hence 1e-8 on t-based limits. */
	assert_close(ch.diff.value, -0.44, 1e-12);
	assert_close(ch.diff.low, -0.814301761674084, 1e-8);
	assert_close(ch.diff.high, -0.0656982383259156, 1e-8);
	assert_close(ch.p, 0.0260792920106839, 1e-12);
	assert_close(ch.a.value, 1.62, 1e-12);
	assert_close(ch.a.low, 0.688630826736404, 1e-8);
	assert_close(ch.a.high, 2.5513691732636, 1e-8);
	assert_close(ch.b.low, 0.526275283917731, 1e-8);
	assert_close(ch.b.high, 1.83372471608227, 1e-8);

	/* Every difference the same. */
	memset(&m, 0, sizeof(m));
	paired_means_add(&m, 1, 1.5);
	paired_means_add(&m, 2, 2.5);
	paired_mean_change(&m, 0.95, true, "empty", &ch);
	assert_close(ch.diff.low, 0.5, 0);
	assert_close(ch.diff.high, 0.5, 0);
	assert_close(ch.p, 0, 0);
	memset(&m, 0, sizeof(m));
	paired_means_add(&m, 1, 1);
	paired_means_add(&m, 2, 2);
	paired_mean_change(&m, 0.95, true, "empty", &ch);
	assert_close(ch.p, 1, 0);
	assert_true(covers(&ch.diff, 0));

	/* One pair: values only; none: undefined. */
	memset(&m, 0, sizeof(m));
	paired_means_add(&m, 1, 3);
	paired_mean_change(&m, 0.95, true, "empty", &ch);
	assert_close(ch.diff.value, 2, 0);
	assert_non_null(ch.ci_reason);
	assert_true(isnan(ch.diff.low) && isnan(ch.p) && isnan(ch.a.low));
	memset(&m, 0, sizeof(m));
	paired_mean_change(&m, 0.95, true, "empty", &ch);
	assert_string_equal(ch.a_reason, "empty");
	assert_non_null(ch.reason);
}

/* 24 speakers: words per speaker 40..155; errors of A about 20%, of B
 * about 20% * ratio, with noise. */
static double *speaker_clusters(double ratio, uint64_t seed, size_t ncl)
{
	gsl_rng *r = boot_rng_new(seed);
	double *cl = xcalloc(ncl * PAIRED_NV, sizeof(*cl));

	for (size_t i = 0; i < ncl; i++) {
		double n = 40 + (double)gsl_rng_uniform_int(r, 116);
		double rate = 0.1 + 0.2 * gsl_rng_uniform(r);
		double ea = floor(n * rate + gsl_rng_uniform(r) * 4);
		double eb = floor(n * rate * ratio + gsl_rng_uniform(r) * 4);

		cl[i * PAIRED_NV + PAIRED_XA] = ea;
		cl[i * PAIRED_NV + PAIRED_DA] = n;
		cl[i * PAIRED_NV + PAIRED_XB] = eb;
		cl[i * PAIRED_NV + PAIRED_DB] = n;
	}
	gsl_rng_free(r);
	return cl;
}

static void ratio_run(const double *cl, size_t ncl, uint64_t stream,
		      uint32_t nboot, struct paired_change *ch)
{
	gsl_rng *r = boot_rng_new(stream);
	struct paired_opts o = { 0.95, nboot, r, false };

	paired_ratio_compare(cl, ncl, 1, &o, "no words", "few", ch);
	gsl_rng_free(r);
}

static void test_paired__ratio_bootstrap(void **state)
{
	double *cl;
	struct paired_change ch, again;
	double xa = 0, da = 0, xb = 0, db = 0;

	(void)state;
	/* Planted: B makes half of A's errors. */
	cl = speaker_clusters(0.5, 11, 24);
	for (size_t i = 0; i < 24; i++) {
		xa += cl[i * PAIRED_NV + PAIRED_XA];
		da += cl[i * PAIRED_NV + PAIRED_DA];
		xb += cl[i * PAIRED_NV + PAIRED_XB];
		db += cl[i * PAIRED_NV + PAIRED_DB];
	}
	ratio_run(cl, 24, 5, PAIRED_DEFAULT_BOOTSTRAP, &ch);
	assert_int_equal(ch.method, PAIRED_BOOTSTRAP);
	assert_null(ch.ci_reason);
	assert_close(ch.a.value, xa / da, 1e-15);
	assert_close(ch.b.value, xb / db, 1e-15);
	assert_close(ch.diff.value, xb / db - xa / da, 1e-15);
	assert_true(ch.diff.high < 0);
	/* No replicate crosses 0: the floor 1 / (B + 1), expanded for 24
	 * speakers (metrics/bootstrap.h). */
	assert_close(ch.p, boot_p_expanded(1.0 / (PAIRED_DEFAULT_BOOTSTRAP + 1),
					   24), 1e-15);
	assert_true(covers(&ch.a, ch.a.value) && covers(&ch.b, ch.b.value));
	ratio_run(cl, 24, 5, PAIRED_DEFAULT_BOOTSTRAP, &again);
	assert_memory_equal(&ch.diff, &again.diff, sizeof(ch.diff));
	assert_memory_equal(&ch.a, &again.a, sizeof(ch.a));
	free(cl);

	/* Null: the same error rate with independent noise. */
	cl = speaker_clusters(1, 12, 24);
	ratio_run(cl, 24, 5, PAIRED_DEFAULT_BOOTSTRAP, &ch);
	assert_true(covers(&ch.diff, 0));
	assert_true(ch.p > 0.05);
	/* The paired interval is narrower than the two models' own. */
	assert_true(ch.diff.high - ch.diff.low <
		    (ch.a.high - ch.a.low) / 2);

	/* Identical models: every replicate is 0. */
	for (size_t i = 0; i < 24; i++)
		cl[i * PAIRED_NV + PAIRED_XB] = cl[i * PAIRED_NV + PAIRED_XA];
	ratio_run(cl, 24, 5, 300, &ch);
	assert_close(ch.diff.low, 0, 0);
	assert_close(ch.diff.high, 0, 0);
	assert_close(ch.p, 1, 0);

	/* One speaker: no interval; bootstrap off: none either. */
	ratio_run(cl, 1, 5, 300, &ch);
	assert_string_equal(ch.ci_reason, "few");
	assert_true(isnan(ch.diff.low) && isnan(ch.a.low) && isnan(ch.p));
	assert_false(isnan(ch.diff.value));
	ratio_run(cl, 24, 5, 0, &ch);
	assert_string_equal(ch.ci_reason, "bootstrap is off (bootstrap = 0)");
	free(cl);

	/* No reference words: undefined. */
	{
		double z[PAIRED_NV] = { 3, 0, 2, 0 };

		ratio_run(z, 1, 5, 300, &ch);
		assert_string_equal(ch.a_reason, "no words");
		assert_string_equal(ch.reason,
				    "the metric is undefined for both models");
	}
}

static void test_paired__ratio_several_metrics(void **state)
{
	/* Two ratios resampled together: each equals its solo run only in
	 * its point value, but both come from one set of draws. */
	double *w = speaker_clusters(0.6, 21, 10), *c = speaker_clusters(1, 22, 10);
	double *both = xcalloc(10 * 2 * PAIRED_NV, sizeof(*both));
	struct paired_change two[2], solo;
	gsl_rng *r = boot_rng_new(9);
	struct paired_opts o = { 0.9, 400, r, false };

	(void)state;
	for (size_t i = 0; i < 10; i++) {
		memcpy(both + i * 2 * PAIRED_NV, w + i * PAIRED_NV,
		       PAIRED_NV * sizeof(double));
		memcpy(both + i * 2 * PAIRED_NV + PAIRED_NV, c + i * PAIRED_NV,
		       PAIRED_NV * sizeof(double));
	}
	paired_ratio_compare(both, 10, 2, &o, "u", "f", two);
	boot_rng_reset(r, 9);
	paired_ratio_compare(w, 10, 1, &o, "u", "f", &solo);
	/* The same cluster draws: the first metric's numbers are identical. */
	assert_memory_equal(&two[0].diff, &solo.diff, sizeof(solo.diff));
	assert_true(two[0].diff.high < 0);
	assert_true(covers(&two[1].diff, 0));
	gsl_rng_free(r);
	free(both);
	free(w);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paired__newcombe_published),
		cmocka_unit_test(test_paired__mcnemar_midp),
		cmocka_unit_test(test_paired__prop_change),
		cmocka_unit_test(test_paired__rate_kinds),
		cmocka_unit_test(test_paired__binary_closed_form),
		cmocka_unit_test(test_paired__bootstrap_reproducible),
		cmocka_unit_test(test_paired__bootstrap_planted_and_null),
		cmocka_unit_test(test_paired__bootstrap_null_coverage),
		cmocka_unit_test(test_paired__binary_undefined),
		cmocka_unit_test(test_paired__mean_change),
		cmocka_unit_test(test_paired__ratio_bootstrap),
		cmocka_unit_test(test_paired__ratio_several_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
