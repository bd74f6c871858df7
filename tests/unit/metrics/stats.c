/*
 * Unit tests for metrics/stats.c.
 *
 * Expected values are published worked examples (Newcombe 1998, Tables I
 * and II; Fisher's tea-tasting table) or were computed with python3-scipy
 * 1.10.1, each noted beside its table: binomtest(x, n).proportion_ci(
 * method="wilson"), scipy.stats.contingency.relative_risk(...)
 * .confidence_interval() (Katz), fisher_exact(table, alternative=...),
 * chi2_contingency(table, correction=False) (equal to the pooled z-test),
 * t.interval, ttest_ind(equal_var=False).  Holm and BH references are R's
 * p.adjust formulas evaluated with numpy.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/stats.h"

#define TOL 1e-9

static void assert_close(double got, double want, double tol)
{
	if (isnan(want)) {
		assert_true(isnan(got));
		return;
	}
	if (fabs(got - want) > tol)
		fail_msg("got %.12g, want %.12g (tol %g)", got, want, tol);
}

static void test_stats__wilson(void **state)
{
	/* scipy binomtest(...).proportion_ci(method="wilson"); the first
	 * four rows are Newcombe 1998 Table I: 0.2553-0.3662, 0.0624-0.1605,
	 * 0-0.1611, 0.0061-0.1718. */
	static const struct {
		uint64_t x, n;
		double conf, low, high;
	} c[] = {
		{ 81, 263, 0.95, 0.255288519878, 0.366209576983 },
		{ 15, 148, 0.95, 0.062386399531, 0.160487241723 },
		{ 0, 20, 0.95, 0.0, 0.161125158053 },
		{ 1, 29, 0.95, 0.006113214293, 0.171755218793 },
		{ 10, 10, 0.95, 0.722467200137, 1.0 },
		{ 81, 263, 0.90, 0.263313617188, 0.356566349608 },
		{ 3, 7, 0.99, 0.116373680516, 0.810285095912 },
	};
	struct interval iv;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(stats_wilson(c[i].x, c[i].n, c[i].conf, &iv), 0);
		assert_close(iv.value, (double)c[i].x / (double)c[i].n, TOL);
		assert_close(iv.low, c[i].low, 1e-11);
		assert_close(iv.high, c[i].high, 1e-11);
	}
	/* The published rounding. */
	assert_int_equal(stats_wilson(81, 263, 0.95, &iv), 0);
	assert_close(iv.low, 0.2553, 5e-5);
	assert_close(iv.high, 0.3662, 5e-5);
	assert_int_equal(stats_wilson(0, 0, 0.95, &iv), -1);
	assert_true(isnan(iv.value) && isnan(iv.low) && isnan(iv.high));
}

static void test_stats__newcombe(void **state)
{
	/* Newcombe 1998 Table II, method 10, (a)-(h); more decimals from the
	 * method-10 formula applied to scipy's Wilson limits. */
	static const struct {
		uint64_t x1, n1, x2, n2;
		double low, high, pub_low, pub_high;
	} c[] = {
		{ 56, 70, 48, 80, 0.052431472402, 0.333872654037, 0.0524, 0.3339 },
		{ 9, 10, 3, 10, 0.170522723935, 0.809017973535, 0.1705, 0.8090 },
		{ 6, 7, 2, 7, 0.058227927482, 0.806249637524, 0.0582, 0.8062 },
		{ 5, 56, 0, 29, -0.038137147904, 0.192560013855, -0.0381, 0.1926 },
		{ 0, 10, 0, 20, -0.161125158053, 0.277532799863, -0.1611, 0.2775 },
		{ 0, 10, 0, 10, -0.277532799863, 0.277532799863, -0.2775, 0.2775 },
		{ 10, 10, 0, 20, 0.679086037142, 1.0, 0.6791, 1.0 },
		{ 10, 10, 0, 10, 0.607509350431, 1.0, 0.6075, 1.0 },
	};
	struct interval iv;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(stats_newcombe(c[i].x1, c[i].n1, c[i].x2,
						c[i].n2, 0.95, &iv), 0);
		assert_close(iv.value, (double)c[i].x1 / (double)c[i].n1 -
				       (double)c[i].x2 / (double)c[i].n2, TOL);
		assert_close(iv.low, c[i].low, 1e-10);
		assert_close(iv.high, c[i].high, 1e-10);
		assert_close(iv.low, c[i].pub_low, 5e-5);
		assert_close(iv.high, c[i].pub_high, 5e-5);
	}
	assert_int_equal(stats_newcombe(1, 2, 0, 0, 0.95, &iv), -1);
	assert_true(isnan(iv.low));
}

static void test_stats__katz(void **state)
{
	/* scipy.stats.contingency.relative_risk(x1, n1, x2, n2)
	 * .confidence_interval(conf) */
	static const struct {
		uint64_t x1, n1, x2, n2;
		double conf, r, low, high;
	} c[] = {
		{ 30, 100, 20, 120, 0.95, 1.8, 1.092088518294, 2.966792476731 },
		{ 5, 40, 9, 41, 0.95, 0.569444444444, 0.208923860422, 1.552082058282 },
		{ 200, 1000, 150, 1100, 0.95, 1.466666666667, 1.208507519361, 1.779973294869 },
		{ 30, 100, 20, 120, 0.90, 1.8, 1.183444942362, 2.737769949427 },
	};
	struct interval iv;
	bool corr = true;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(stats_katz(c[i].x1, c[i].n1, c[i].x2, c[i].n2,
					    c[i].conf, &iv, &corr), 0);
		assert_false(corr);
		assert_close(iv.value, c[i].r, 1e-11);
		assert_close(iv.low, c[i].low, 1e-11);
		assert_close(iv.high, c[i].high, 1e-11);
	}
	/* One zero count: 0.5 added to every cell, i.e. 0.5/11 over 4.5/21;
	 * se = sqrt(1/0.5 - 1/11 + 1/4.5 - 1/21) by hand. */
	assert_int_equal(stats_katz(0, 10, 4, 20, 0.95, &iv, &corr), 0);
	assert_true(corr);
	{
		double r = (0.5 / 11) / (4.5 / 21);
		double se = sqrt(1 / 0.5 - 1.0 / 11 + 1 / 4.5 - 1.0 / 21);

		assert_close(iv.value, r, 1e-12);
		assert_close(iv.low, r * exp(-1.959963984540054 * se), 1e-12);
		assert_close(iv.high, r * exp(1.959963984540054 * se), 1e-12);
	}
	assert_int_equal(stats_katz(0, 10, 0, 20, 0.95, &iv, &corr), -1);
	assert_true(isnan(iv.value));
	assert_int_equal(stats_katz(1, 10, 1, 0, 0.95, &iv, NULL), -1);
}

static void test_stats__fisher(void **state)
{
	/* Tea tasting: two-sided 0.4857, less 0.9857, greater 0.2429; the
	 * rest from scipy fisher_exact(table, alternative=...). */
	static const struct {
		uint64_t a, b, c, d;
		double two, less, greater;
	} c[] = {
		{ 3, 1, 1, 3, 0.485714285714, 0.985714285714, 0.242857142857 },
		{ 1, 9, 11, 3, 0.00275945618522, 0.00137972809261, 0.999966348095 },
		{ 10, 2, 3, 15, 0.000536724119143, 0.999984519019, 0.000465180943363 },
		{ 0, 5, 5, 0, 0.00793650793651, 0.00396825396825, 1 },
		{ 2, 7, 8, 2, 0.0230141375652, 0.0185217259521, 0.999014916972 },
		{ 20, 480, 3, 497, 0.000423852869731, 0.999972323941, 0.000211926434865 },
		{ 7, 12, 0, 4, 0.272727272727, 1, 0.205533596838 },
		{ 1, 1000, 9, 2000, 0.180002071224, 0.10456920812, 0.982586310055 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		double two = stats_fisher(c[i].a, c[i].b, c[i].c, c[i].d,
					  STATS_TWO_SIDED);
		double lt = stats_fisher(c[i].a, c[i].b, c[i].c, c[i].d,
					 STATS_LESS);
		double gt = stats_fisher(c[i].a, c[i].b, c[i].c, c[i].d,
					 STATS_GREATER);

		assert_close(two, c[i].two, 1e-10 * (c[i].two > 1e-3 ? 1 : 1e-2));
		assert_close(lt, c[i].less, 1e-10);
		assert_close(gt, c[i].greater, 1e-10);
	}
	assert_close(stats_fisher(3, 1, 1, 3, STATS_TWO_SIDED), 0.4857, 5e-5);
	assert_close(stats_fisher(3, 1, 1, 3, STATS_GREATER), 0.2429, 5e-5);
	assert_close(stats_fisher(0, 0, 0, 0, STATS_TWO_SIDED), 1, 0);
}

static void test_stats__ztest_and_rule(void **state)
{
	/* scipy chi2_contingency([[x1, n1-x1], [x2, n2-x2]], correction=False) */
	static const struct {
		uint64_t x1, n1, x2, n2;
		double p;
	} c[] = {
		{ 30, 100, 20, 120, 0.0187834085242 },
		{ 200, 1000, 150, 1100, 9.30503358145e-05 },
		{ 50, 60, 40, 70, 0.00125780834517 },
	};
	double p, z;
	enum stats_test used;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(stats_ztest(c[i].x1, c[i].n1, c[i].x2, c[i].n2,
					     &p, &z), 0);
		assert_close(p, c[i].p, c[i].p * 1e-9);
		assert_int_equal(stats_prop_test(c[i].x1, c[i].n1, c[i].x2,
						 c[i].n2, &p, &used), 0);
		assert_int_equal(used, STATS_TEST_Z);
		assert_string_equal(stats_test_name(used), "z");
		assert_close(p, c[i].p, c[i].p * 1e-9);
	}
	/* Expected cell 20 * 10 / 220 < 5 -> Fisher (scipy fisher_exact
	 * [[2, 18], [8, 192]] = 0.2272210759972675) */
	assert_int_equal(stats_prop_test(2, 20, 8, 200, &p, &used), 0);
	assert_int_equal(used, STATS_TEST_FISHER);
	assert_string_equal(stats_test_name(used), "fisher");
	assert_close(p, 0.2272210759972675, 1e-12);
	/* Smallest expected cell exactly 5 -> z: [[5,5],[5,5]]. */
	assert_int_equal(stats_prop_test(5, 10, 5, 10, &p, &used), 0);
	assert_int_equal(used, STATS_TEST_Z);
	assert_close(p, 1, 1e-12);
	/* Identical degenerate samples: pooled proportion 0. */
	assert_int_equal(stats_ztest(0, 10, 0, 30, &p, &z), 0);
	assert_close(p, 1, 0);
	assert_int_equal(stats_ztest(0, 0, 0, 30, &p, &z), -1);
	assert_true(isnan(p));
	assert_int_equal(stats_prop_test(0, 0, 0, 30, &p, &used), -1);
}

static void test_stats__t_and_welch(void **state)
{
	/* a = {2.1,3.4,1.9,5.6,4.4,3.3,2.8}, b = {1.2,0.8,2.5,1.9,1.1,0.4,
	 * 1.6,2.2,0.9}: numpy means and ddof=1 variances, scipy
	 * t.interval(conf, n-1, mean, sem), ttest_ind(a, b, equal_var=False);
	 * Welch interval = d +- t.ppf(0.975, df) * se by hand.  scipy 1.10's
	 * t quantiles are off by about 1e-9 (for df = 6 the closed-form CDF
	 * puts the 0.975 quantile at 2.4469118511449683, as GSL does, where
	 * scipy says 2.4469118487916806), hence 1e-8 on t-based limits. */
	const double ma = 3.35714285714286, va = 1.68952380952381;
	const double mb = 1.4, vb = 0.485;
	struct interval iv;
	double p, df;

	(void)state;
	assert_int_equal(stats_t_interval(ma, va, 7, 0.95, &iv), 0);
	assert_close(iv.low, 2.155012783087, 1e-8);
	assert_close(iv.high, 4.559272931198, 1e-8);
	assert_int_equal(stats_t_interval(mb, vb, 9, 0.90, &iv), 0);
	assert_close(iv.low, 0.968324881888, 1e-8);
	assert_close(iv.high, 1.831675118112, 1e-8);
	assert_int_equal(stats_t_interval(1, 0, 1, 0.95, &iv), -1);
	assert_close(iv.value, 1, 0);
	assert_true(isnan(iv.low));

	assert_int_equal(stats_welch(ma, va / 7, 7, mb, vb / 9, 9, 0.95, &iv,
				     &p, &df), 0);
	assert_close(p, 0.00611169763743, 1e-12);
	assert_close(df, 8.654775459463, 1e-10);
	assert_close(iv.value, ma - mb, 1e-12);
	assert_close(iv.low, 0.720442998942, 1e-8);
	assert_close(iv.high, 3.193842715344, 1e-8);

	assert_int_equal(stats_welch(1, 0, 5, 1, 0, 5, 0.95, &iv, &p, &df), -1);
	assert_close(iv.value, 0, 0);
	assert_true(isnan(p) && isnan(iv.low));
	assert_int_equal(stats_welch(1, 0.1, 1, 1, 0.1, 5, 0.95, &iv, &p, &df),
			 -1);
	assert_close(stats_z(0.95), 1.959963984540054, 1e-14);
	/* Closed form for df = 6: F(t) = 1/2 + sin(h)/2 (1 + cos^2(h)/2 +
	 * 3 cos^4(h)/8), h = atan(t / sqrt(6)), solved for F = 0.975. */
	assert_close(stats_t(0.95, 6), 2.4469118511449683, 1e-13);
}

static void test_stats__adjust(void **state)
{
	/* R p.adjust(p, "holm") and p.adjust(p, "BH") formulas in numpy. */
	const double p[] = { 0.01, 0.04, 0.03, 0.005, 0.20, 0.04 };
	const double holm[] = { 0.05, 0.12, 0.12, 0.03, 0.2, 0.12 };
	const double bh[] = { 0.03, 0.048, 0.048, 0.03, 0.2, 0.048 };
	/* R: p.adjust(c(.01,.02,.03,.04,.05), "holm") = .05 .08 .09 .09 .09 */
	const double p2[] = { 0.01, 0.02, 0.03, 0.04, 0.05 };
	const double holm2[] = { 0.05, 0.08, 0.09, 0.09, 0.09 };
	double out[6], q[4];

	(void)state;
	stats_holm(p, 6, out);
	for (size_t i = 0; i < 6; i++)
		assert_close(out[i], holm[i], 1e-15);
	stats_bh(p, 6, out);
	for (size_t i = 0; i < 6; i++)
		assert_close(out[i], bh[i], 1e-15);
	stats_holm(p2, 5, out);
	for (size_t i = 0; i < 5; i++)
		assert_close(out[i], holm2[i], 1e-15);

	/* NAN entries are outside the family; in-place works; cap at 1. */
	q[0] = 0.4;
	q[1] = NAN;
	q[2] = 0.6;
	q[3] = 0.01;
	stats_holm(q, 4, q);
	assert_close(q[0], 0.8, 1e-15);
	assert_true(isnan(q[1]));
	assert_close(q[2], 0.8, 1e-15);
	assert_close(q[3], 0.03, 1e-15);
	q[0] = 0.4;
	q[1] = NAN;
	q[2] = 0.6;
	q[3] = 0.01;
	stats_bh(q, 4, q);
	assert_close(q[0], 0.6, 1e-15);
	assert_true(isnan(q[1]));
	assert_close(q[2], 0.6, 1e-15);
	assert_close(q[3], 0.03, 1e-15);
	q[0] = 0.9;
	stats_holm(q, 1, q);
	assert_close(q[0], 0.9, 0);
	stats_holm(q, 0, q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats__wilson),
		cmocka_unit_test(test_stats__newcombe),
		cmocka_unit_test(test_stats__katz),
		cmocka_unit_test(test_stats__fisher),
		cmocka_unit_test(test_stats__ztest_and_rule),
		cmocka_unit_test(test_stats__t_and_welch),
		cmocka_unit_test(test_stats__adjust),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
