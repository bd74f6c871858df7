/*
 * Unit tests for evaluate/verdict.c: harm directions, direction words, and
 * the two one-sided tests against values worked by hand.
 *
 * The TOST values: a log ratio with standard error s has the 95 % interval
 * exp(log r -+ 1.959964 s); for tolerance 0.8 the p-value is
 * max(Q((log r - log 0.8) / s), Q((log 1.25 - log r) / s)), Q the upper
 * normal tail.  r = 1, s = 0.1: Q(2.2314355) = 0.0128261473 (both tails
 * equal).  r = 1.1, s = 0.05: the upper test binds, Q((0.2231436 -
 * 0.0953102) / 0.05) = Q(2.5566689) = 0.0052840100.  (Computed with
 * Python's math.erfc; any normal table agrees to the digits it prints.)
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "evaluate/verdict.h"

static struct disparity ratio(double r, double lo, double hi)
{
	struct disparity d;

	memset(&d, 0, sizeof(d));
	d.ratio = r;
	d.ratio_low = lo;
	d.ratio_high = hi;
	return d;
}

static void test_verdict__harm_directions(void **state)
{
	static const char *const higher[] = { "error_rate", "fpr", "fnr",
		"fdr", "for", "wer", "cer", "brier", "ece", "mae", "rmse" };
	static const char *const lower[] = { "accuracy", "tpr", "tnr", "ppv",
		"npv", "auc", "recall" };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(higher); i++)
		assert_int_equal(metric_harm(higher[i]), HARM_HIGHER);
	for (size_t i = 0; i < ARRAY_SIZE(lower); i++)
		assert_int_equal(metric_harm(lower[i]), HARM_LOWER);
	assert_int_equal(metric_harm("selection_rate"), HARM_NONE);
	assert_int_equal(metric_harm("prevalence"), HARM_NONE);
	assert_int_equal(metric_harm("mean_error"), HARM_NONE);
	assert_false(metric_judged("prevalence"));
	assert_true(metric_judged("selection_rate"));
	assert_string_equal(direction_name(HARM_HIGHER, 0.1), "worse");
	assert_string_equal(direction_name(HARM_HIGHER, -0.1), "better");
	assert_string_equal(direction_name(HARM_LOWER, -0.1), "worse");
	assert_string_equal(direction_name(HARM_LOWER, 0.1), "better");
	assert_string_equal(direction_name(HARM_NONE, 0.1), "higher");
	assert_string_equal(direction_name(HARM_NONE, -0.1), "lower");
	assert_null(direction_name(HARM_HIGHER, 0));
	assert_null(direction_name(HARM_HIGHER, NAN));
	assert_string_equal(verdict_name(VERDICT_WITHIN), "within_tolerance");
	assert_null(verdict_name(VERDICT_NONE));
}

static void test_verdict__tost_worked_examples(void **state)
{
	struct disparity d;

	(void)state;
	d = ratio(1, 0.8220151951983891, 1.216522523964603);
	assert_float_equal(verdict_tost_p(&d, 0.95, 0.8), 0.012826147333248378,
			   1e-12);
	d = ratio(1.1, 0.9973155900666805, 1.2132568788171654);
	assert_float_equal(verdict_tost_p(&d, 0.95, 0.8), 0.005284009985879239,
			   1e-12);
	/* A ratio on the band's edge: p = 1/2 whatever the width. */
	d = ratio(1.25, 1.1, 1.42);
	assert_float_equal(verdict_tost_p(&d, 0.95, 0.8), 0.5, 1e-12);
	/* No interval, no test. */
	d = ratio(1.0, NAN, NAN);
	assert_true(isnan(verdict_tost_p(&d, 0.95, 0.8)));
	d = ratio(1.0, 0, 2);
	assert_true(isnan(verdict_tost_p(&d, 0.95, 0.8)));
	d = ratio(1.0, 0.9, 1.1);
	d.reason = "no comparison";
	assert_true(isnan(verdict_tost_p(&d, 0.95, 0.8)));
}

/*
 * TOST at alpha is the 1 - 2 alpha interval inside the band: for intervals
 * whose lower 90 % limit sits just inside or just outside 0.8 (and whose
 * upper one stays below 1.25, so s < log(1.25) / z90 = 0.1357), p falls on
 * the matching side of 0.05.
 */
static void test_verdict__tost_is_the_90_percent_interval(void **state)
{
	double z90 = 1.6448536269514722, z95 = 1.959963984540054;

	(void)state;
	for (double s = 0.02; s < 0.13; s += 0.01) {
		for (int side = -1; side <= 1; side += 2) {
			/* log r - z90 s = log 0.8 +- 1e-6 */
			double lr = log(0.8) + z90 * s + side * 1e-6;
			struct disparity d = ratio(exp(lr), exp(lr - z95 * s),
						   exp(lr + z95 * s));
			double p = verdict_tost_p(&d, 0.95, 0.8);

			if (side > 0)
				assert_true(p < 0.05);
			else
				assert_true(p > 0.05);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict__harm_directions),
		cmocka_unit_test(test_verdict__tost_worked_examples),
		cmocka_unit_test(test_verdict__tost_is_the_90_percent_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
