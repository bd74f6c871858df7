/*
 * Unit tests for metrics/power.c.
 *
 * Worked example: 0.20 against 0.25, two-sided alpha 0.05, power 0.8.
 * n = (1.959964 sqrt(2 x 0.225 x 0.775) + 0.841621 sqrt(0.2 x 0.8 +
 * 0.25 x 0.75))^2 / 0.05^2 = 1093.7, so 1,094 a group; with the
 * continuity correction n / 4 (1 + sqrt(1 + 4 / (n x 0.05)))^2 = 1133.3,
 * so 1,134 (the values of the standard tables, e.g. Fleiss, Levin & Paik).
 *
 * Simulation: for each case the planned n is drawn 2,000 times and tested
 * with the pooled two-sided z-test; the share of rejections must be within
 * 3 percentage points of the planned power.  Its standard deviation is
 * sqrt(0.8 x 0.2 / 2000) = 0.009, so 3 points are 3.4 of them: a correct
 * formula fails with probability below 1e-3 per case, and the seeds are
 * fixed, so the counts (printed) are the same on every run.  The clustered
 * cases draw each speaker's rate from a beta distribution with the given
 * intra-speaker correlation and test the difference of the cohorts' rates
 * with the between-speaker variance, as the speaker bootstrap does.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include "metrics/power.h"

#define SIMS 2000

static void test_power__worked_example(void **state)
{
	double n;

	(void)state;
	n = power_n_equal(0.25, 0.20, 0.05, 0.8, false);
	assert_float_equal(n, 1093.7, 0.1);
	assert_float_equal(ceil(n), 1094, 0);
	n = power_n_equal(0.25, 0.20, 0.05, 0.8, true);
	assert_float_equal(ceil(n), 1134, 0);
	/* The planned n has (about) the planned power. */
	assert_float_equal(power_two_prop(0.25, 0.20, 1094, 1094, 0.05), 0.80,
			   0.002);
	/* Symmetric in the groups; alpha when nothing differs. */
	assert_float_equal(power_two_prop(0.20, 0.25, 1094, 1094, 0.05),
			   power_two_prop(0.25, 0.20, 1094, 1094, 0.05), 1e-12);
	assert_float_equal(power_two_prop(0.2, 0.2, 500, 500, 0.05), 0.05,
			   1e-12);
	/* With the reference fixed at 1,094, the cohort needs 1,094 too. */
	assert_float_equal(power_n1_for(0.25, 0.20, 1094, 0.05, 0.8), 1094, 2);
	/* A reference of 300 cannot reach 0.8 for 0.25 vs 0.20 at any n1. */
	assert_true(isinf(power_n1_for(0.25, 0.20, 300, 0.05, 0.8)));
	/* The detectable ratio at 1,094 each is the planned 1.25. */
	assert_float_equal(power_mdr(0.20, 1094, 1094, 0.05, 0.8, true), 1.25,
			   0.002);
	assert_true(power_mdr(0.20, 1094, 1094, 0.05, 0.8, false) < 1);
	assert_true(isnan(power_mdr(0.20, 5, 5, 0.05, 0.8, false)));
	assert_float_equal(power_deff(10, 0.1), 1.9, 1e-12);
	assert_float_equal(power_deff(1, 0.5), 1, 0);
}

/* Rejections of H0 p1 = p2 by the pooled z-test over SIMS draws. */
static double sim_binomial(gsl_rng *rng, double p1, double p2,
			   unsigned n, double alpha)
{
	double z = gsl_cdf_ugaussian_Pinv(1 - alpha / 2);
	unsigned k = 0;

	for (int s = 0; s < SIMS; s++) {
		double x1 = gsl_ran_binomial(rng, p1, n);
		double x2 = gsl_ran_binomial(rng, p2, n);
		double pb = (x1 + x2) / (2.0 * n);
		double se = sqrt(pb * (1 - pb) * 2.0 / n);

		k += se > 0 && fabs(x1 / n - x2 / n) / se > z;
	}
	return (double)k / SIMS;
}

/* A cohort of k speakers with m utterances each, rate p, correlation icc. */
static void cluster_rate(gsl_rng *rng, double p, double icc, unsigned k,
			 unsigned m, double *rate, double *var)
{
	double a = p * (1 - icc) / icc, b = (1 - p) * (1 - icc) / icc;
	double sum = 0, sum2 = 0;

	for (unsigned s = 0; s < k; s++) {
		double q = gsl_ran_beta(rng, a, b);
		double r = (double)gsl_ran_binomial(rng, q, m) / m;

		sum += r;
		sum2 += r * r;
	}
	*rate = sum / k;
	*var = (sum2 - sum * sum / k) / (k - 1) / k;
}

static double sim_clustered(gsl_rng *rng, double p1, double p2, unsigned k,
			    unsigned m, double icc, double alpha)
{
	double z = gsl_cdf_ugaussian_Pinv(1 - alpha / 2);
	unsigned rej = 0;

	for (int s = 0; s < SIMS; s++) {
		double r1, v1, r2, v2;

		cluster_rate(rng, p1, icc, k, m, &r1, &v1);
		cluster_rate(rng, p2, icc, k, m, &r2, &v2);
		rej += fabs(r1 - r2) / sqrt(v1 + v2) > z;
	}
	return (double)rej / SIMS;
}

static void test_power__planned_power_is_achieved(void **state)
{
	static const struct { double p2, ratio, alpha; } cases[] = {
		{ 0.10, 1.5, 0.05 }, { 0.20, 1.25, 0.05 }, { 0.20, 2.0, 0.05 },
		{ 0.30, 0.8, 0.05 }, { 0.10, 2.0, 0.01 },
	};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	gsl_rng_set(rng, 4242);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double p2 = cases[i].p2, p1 = p2 * cases[i].ratio;
		double n = ceil(power_n_equal(p1, p2, cases[i].alpha, 0.8,
					      false));
		double got = sim_binomial(rng, p1, p2, (unsigned)n,
					  cases[i].alpha);

		print_message("# %.2f vs %.2f, alpha %.2f: n %.0f a group, "
			      "power %.3f over %d draws\n", p1, p2,
			      cases[i].alpha, n, got, SIMS);
		assert_true(fabs(got - 0.8) <= 0.03);
	}
	gsl_rng_free(rng);
}

static void test_power__clustered_plans(void **state)
{
	static const struct { double p2, ratio, icc; unsigned m; } cases[] = {
		{ 0.10, 1.5, 0.05, 10 }, { 0.15, 1.4, 0.1, 20 },
		{ 0.20, 1.3, 0.02, 30 },
	};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	(void)state;
	gsl_rng_set(rng, 4343);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double p2 = cases[i].p2, p1 = p2 * cases[i].ratio;
		unsigned m = cases[i].m;
		double n = power_n_equal(p1, p2, 0.05, 0.8, false) *
			   power_deff(m, cases[i].icc);
		unsigned k = (unsigned)ceil(n / m);
		double got = sim_clustered(rng, p1, p2, k, m, cases[i].icc,
					   0.05);

		print_message("# %.3f vs %.3f, %u utterances a speaker, icc "
			      "%.2f: %u speakers, power %.3f\n", p1, p2, m,
			      cases[i].icc, k, got);
		assert_true(fabs(got - 0.8) <= 0.03);
	}
	gsl_rng_free(rng);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power__worked_example),
		cmocka_unit_test(test_power__planned_power_is_achieved),
		cmocka_unit_test(test_power__clustered_plans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
