/*
 * Unit tests for metrics/disparity.c.
 *
 * Proportion comparisons reuse the scipy/Newcombe references of the stats
 * tests.  Mean, root-mean and AUC comparisons were computed with numpy and
 * scipy 1.10.1 from the formulas in disparity.h (Welch-Satterthwaite df,
 * scipy.stats.t.ppf and norm.ppf/sf); scipy's t quantiles are accurate to
 * about 1e-9, hence 1e-8 on t-based limits.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/disparity.h"

static void assert_close(double got, double want, double tol)
{
	if (isnan(want)) {
		assert_true(isnan(got));
		return;
	}
	if (fabs(got - want) > tol)
		fail_msg("got %.12g, want %.12g (tol %g)", got, want, tol);
}

static const double xa[] = { 2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8 };
static const double xb[] = { 1.2, 0.8, 2.5, 1.9, 1.1, 0.4, 1.6, 2.2, 0.9 };

static void moments_of(struct moments *m, const double *x, size_t n)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < n; i++)
		moments_add(m, x[i]);
}

static void test_disparity__proportions(void **state)
{
	struct mval a, r;
	struct disparity d;

	(void)state;
	mval_prop(&a, 56, 70, 0.95, "empty");
	mval_prop(&r, 48, 80, 0.95, "empty");
	assert_null(a.reason);
	assert_close(a.value, 0.8, 1e-15);
	disparity_compare(&d, &a, &r, 0.95);
	assert_null(d.reason);
	assert_close(d.diff, 0.2, 1e-12);
	assert_close(d.diff_low, 0.052431472402, 1e-10);
	assert_close(d.diff_high, 0.333872654037, 1e-10);
	assert_close(d.ratio, 0.8 / 0.6, 1e-12);
	assert_string_equal(d.test, "z");
	assert_false(d.ratio_corrected);

	/* Katz reference from scipy relative_risk(30, 100, 20, 120); p from
	 * chi2_contingency(correction=False). */
	mval_prop(&a, 30, 100, 0.95, "empty");
	mval_prop(&r, 20, 120, 0.95, "empty");
	disparity_compare(&d, &a, &r, 0.95);
	assert_close(d.ratio, 1.8, 1e-12);
	assert_close(d.ratio_low, 1.092088518294, 1e-11);
	assert_close(d.ratio_high, 2.966792476731, 1e-11);
	assert_close(d.p, 0.0187834085242, 1e-12);

	/* Small expected counts -> Fisher (scipy fisher_exact [[2,18],[8,192]]). */
	mval_prop(&a, 2, 20, 0.95, "empty");
	mval_prop(&r, 8, 200, 0.95, "empty");
	disparity_compare(&d, &a, &r, 0.95);
	assert_string_equal(d.test, "fisher");
	assert_close(d.p, 0.2272210759972675, 1e-12);

	/* One zero: corrected ratio; both zero: ratio undefined. */
	mval_prop(&a, 0, 10, 0.95, "empty");
	mval_prop(&r, 4, 20, 0.95, "empty");
	disparity_compare(&d, &a, &r, 0.95);
	assert_true(d.ratio_corrected);
	assert_close(d.ratio, (0.5 / 11) / (4.5 / 21), 1e-12);
	assert_true(d.ratio_low < d.ratio && d.ratio < d.ratio_high);
	mval_prop(&r, 0, 20, 0.95, "empty");
	disparity_compare(&d, &a, &r, 0.95);
	assert_true(isnan(d.ratio));
	assert_string_equal(d.ratio_reason, "both rates are 0");
	assert_close(d.diff, 0, 0);
	assert_close(d.p, 1, 1e-12);

	/* Undefined on either side. */
	mval_prop(&a, 0, 0, 0.95, "no actual negatives in cohort");
	assert_string_equal(a.reason, "no actual negatives in cohort");
	assert_true(isnan(a.value));
	disparity_compare(&d, &a, &r, 0.95);
	assert_string_equal(d.reason, "metric undefined in this cohort");
	assert_true(isnan(d.diff) && isnan(d.p));
	disparity_compare(&d, &r, &a, 0.95);
	assert_string_equal(d.reason, "metric undefined in the reference cohort");
}

static void test_disparity__means(void **state)
{
	struct moments ma, mb, one = { 0 };
	struct mval a, r;
	struct disparity d;

	(void)state;
	moments_of(&ma, xa, 7);
	moments_of(&mb, xb, 9);
	mval_mean(&a, &ma, false, true, 0.95, "empty");
	mval_mean(&r, &mb, false, true, 0.95, "empty");
	assert_close(a.value, 3.35714285714286, 1e-13);
	assert_close(a.low, 2.155012783087, 1e-8);
	assert_close(a.high, 4.559272931198, 1e-8);
	disparity_compare(&d, &a, &r, 0.95);
	assert_string_equal(d.test, "welch");
	assert_close(d.diff, 3.35714285714286 - 1.4, 1e-13);
	assert_close(d.diff_low, 0.720442998942, 1e-8);
	assert_close(d.diff_high, 3.193842715344, 1e-8);
	assert_close(d.p, 0.00611169763743, 1e-12);
	assert_close(d.ratio, 2.39795918367347, 1e-12);
	assert_close(d.ratio_low, 1.49222905284277, 1e-8);
	assert_close(d.ratio_high, 3.85343539291739, 1e-8);

	/* The same data read as squared errors: RMSE = sqrt(mean). */
	mval_mean(&a, &ma, true, true, 0.95, "empty");
	mval_mean(&r, &mb, true, true, 0.95, "empty");
	assert_close(a.value, 1.83225076262581, 1e-13);
	assert_close(a.low, 1.46799617952069, 1e-8);
	assert_close(a.high, 2.13524540303881, 1e-8);
	disparity_compare(&d, &a, &r, 0.95);
	assert_close(d.diff, 0.649034806005885, 1e-12);
	assert_close(d.diff_low, 0.285846053337177, 1e-8);
	assert_close(d.diff_high, 1.01222355867459, 1e-8);
	assert_close(d.p, 0.00611169763743, 1e-12);
	assert_close(d.ratio, 1.54853452776277, 1e-12);
	assert_close(d.ratio_low, 1.22156827596445, 1e-8);
	assert_close(d.ratio_high, 1.96301691101157, 1e-8);

	/* Signed errors: no ratio when a value is not positive. */
	mval_mean(&r, &mb, false, true, 0.95, "empty");
	{
		const double neg[] = { -1, -2, 0.5 };
		struct moments mn;

		moments_of(&mn, neg, 3);
		mval_mean(&a, &mn, false, false, 0.95, "empty");
		assert_true(a.low < -2.0 / 3);
		disparity_compare(&d, &a, &r, 0.95);
		assert_true(isnan(d.ratio));
		assert_non_null(d.ratio_reason);
		assert_false(isnan(d.p));
	}
	/* One row: value, no interval, no test. */
	moments_add(&one, 2.0);
	mval_mean(&a, &one, false, true, 0.95, "empty");
	assert_close(a.value, 2, 0);
	assert_true(isnan(a.low));
	assert_string_equal(a.ci_reason, "fewer than 2 rows");
	disparity_compare(&d, &a, &r, 0.95);
	assert_close(d.diff, 0.6, 1e-12);
	assert_true(isnan(d.p) && isnan(d.diff_low));
	assert_non_null(d.p_reason);
	assert_close(d.ratio, 2 / 1.4, 1e-12);
	assert_true(isnan(d.ratio_low));
	/* Empty. */
	memset(&one, 0, sizeof(one));
	mval_mean(&a, &one, false, true, 0.95, "empty cohort");
	assert_string_equal(a.reason, "empty cohort");
}

static void test_disparity__auc(void **state)
{
	const struct auc x = { .auc = 0.8, .var = 0.004, .npos = 10, .nneg = 20 };
	const struct auc y = { .auc = 0.7, .var = 0.003, .npos = 10, .nneg = 20 };
	const struct auc nov = { .auc = 1, .var = NAN, .npos = 1, .nneg = 20 };
	const struct auc none = { .auc = NAN, .var = NAN, .npos = 0, .nneg = 3 };
	struct mval a, r;
	struct disparity d;

	(void)state;
	mval_auc(&a, &x, 0.95);
	mval_auc(&r, &y, 0.95);
	assert_close(a.low, 0.676040993539088, 1e-12);
	assert_close(a.high, 0.923959006460912, 1e-12);
	disparity_compare(&d, &a, &r, 0.95);
	assert_string_equal(d.test, "delong");
	assert_close(d.diff_low, -0.0639823519311113, 1e-12);
	assert_close(d.diff_high, 0.263982351931112, 1e-12);
	assert_close(d.p, 0.231997723628734, 1e-12);
	assert_close(d.ratio_low, 0.918991539974383, 1e-12);
	assert_close(d.ratio_high, 1.42125622725102, 1e-12);
	mval_auc(&a, &nov, 0.95);
	assert_close(a.value, 1, 0);
	assert_non_null(a.ci_reason);
	disparity_compare(&d, &a, &r, 0.95);
	assert_true(isnan(d.p));
	mval_auc(&a, &none, 0.95);
	assert_string_equal(a.reason, "no actual positives in cohort");
}

static void test_disparity__not_compared(void **state)
{
	struct mval a, r;
	struct disparity d;

	(void)state;
	mval_count(&a, 4);
	mval_count(&r, 5);
	assert_close(a.value, 4, 0);
	disparity_compare(&d, &a, &r, 0.95);
	assert_string_equal(d.reason, "metric is not compared");
	mval_plain(&a, 0.1, "empty");
	assert_false(mval_comparable(a.kind));
	mval_plain(&a, NAN, "no rows");
	assert_string_equal(a.reason, "no rows");
}

static void test_disparity__spread(void **state)
{
	const double v[] = { 0.2, NAN, 0.5, 0.1, 0.4 };
	const bool use[] = { true, true, true, false, true };
	const double z[] = { 0.0, 0.3 };
	struct spread s;

	(void)state;
	spread_compute(&s, v, use, 5);
	assert_null(s.reason);
	assert_close(s.min, 0.2, 0);
	assert_close(s.max, 0.5, 0);
	assert_int_equal(s.imin, 0);
	assert_int_equal(s.imax, 2);
	assert_close(s.diff, 0.3, 1e-15);
	assert_close(s.ratio, 2.5, 1e-15);
	spread_compute(&s, v, NULL, 5);
	assert_close(s.ratio, 5, 1e-15);
	spread_compute(&s, z, NULL, 2);
	assert_close(s.diff, 0.3, 0);
	assert_true(isnan(s.ratio));
	assert_non_null(s.ratio_reason);
	spread_compute(&s, v, NULL, 1);
	assert_non_null(s.reason);
	assert_true(isnan(s.diff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disparity__proportions),
		cmocka_unit_test(test_disparity__means),
		cmocka_unit_test(test_disparity__auc),
		cmocka_unit_test(test_disparity__not_compared),
		cmocka_unit_test(test_disparity__spread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
