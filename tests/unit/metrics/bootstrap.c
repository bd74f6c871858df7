/*
 * Unit tests for metrics/bootstrap.c.
 *
 * References: R's quantile() type 7 for the quantiles (values worked by
 * hand from its formula); the C++ standard's check value for MT19937
 * (the 10000th output after seeding with 5489 is 4123659995,
 * [rand.predef]); tests/tools/asrboot_ref.py (Python standard library:
 * FNV-1a, splitmix64, CPython's MT19937 in GSL's seeding state,
 * gsl_rng_uniform_int's rule) for stream seeds and replicates; and
 * simulations with loose binomial bounds for the cluster bootstrap's
 * coverage.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include "metrics/bootstrap.h"

static void expect_double(double got, double want, double tol)
{
	if (isnan(want) ? !isnan(got)
			: isinf(want) ? got != want : !(fabs(got - want) <= tol))
		fail_msg("expected %.17g, got %.17g", want, got);
}

static void test_bootstrap__quantile_type7(void **state)
{
	static const double one_to_ten[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	static const double four[] = { 1, 2, 3, 4 };
	static const double ties[] = { 1, 1, 1, 2 };
	static const double inf[] = { 1, 2, INFINITY };
	static const double single[] = { 5 };
	static const struct {
		const double *x;
		size_t n;
		double q, want;
	} cases[] = {
		/* R: quantile(1:10, c(.025, .975)) = 1.225 9.775 */
		{ one_to_ten, 10, 0.025, 1.225 },
		{ one_to_ten, 10, 0.975, 9.775 },
		{ one_to_ten, 10, 0, 1 },
		{ one_to_ten, 10, 1, 10 },
		/* R: quantile(1:4, c(.1, .5)) = 1.3 2.5 */
		{ four, 4, 0.1, 1.3 },
		{ four, 4, 0.5, 2.5 },
		/* equal order statistics: no interpolation */
		{ ties, 4, 0.5, 1 },
		{ ties, 4, 0.9, 1.7 },
		/* +inf takes part */
		{ inf, 3, 0.25, 1.5 },
		{ inf, 3, 0.5, 2 },
		{ inf, 3, 0.975, INFINITY },
		{ single, 1, 0.3, 5 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		expect_double(boot_quantile_sorted(cases[i].x, cases[i].n,
						   cases[i].q),
			      cases[i].want, 1e-15);
}

static void test_bootstrap__percentile_leaves_out_nan(void **state)
{
	double v[] = { 3, NAN, 1, 2, NAN, 4 };
	double one[] = { NAN, 7, NAN };
	double lo, hi;

	(void)state;
	/* quantiles .25 and .75 of 1 2 3 4 */
	assert_int_equal(boot_percentile(v, ARRAY_SIZE(v), 0.5, &lo, &hi), 4);
	expect_double(lo, 1.75, 1e-15);
	expect_double(hi, 3.25, 1e-15);
	for (size_t i = 0; i < 4; i++)
		expect_double(v[i], (double)i + 1, 0);
	assert_true(isnan(v[4]) && isnan(v[5]));
	assert_int_equal(boot_percentile(one, ARRAY_SIZE(one), 0.95, &lo, &hi),
			 1);
	assert_true(isnan(lo) && isnan(hi));
}

static void test_bootstrap__p_value_rule(void **state)
{
	static const struct {
		size_t neg, zero, pos, nan;
		double want;
	} cases[] = {
		{ 0, 0, 1000, 0, 1.0 / 1001 },	/* floor 1 / (B + 1) */
		{ 1000, 0, 0, 0, 1.0 / 1001 },
		{ 0, 0, 10, 0, 1.0 / 11 },
		{ 30, 0, 970, 0, 0.06 },	/* 2 x 30 / 1000 */
		{ 1, 0, 3, 0, 0.5 },
		{ 9, 0, 1, 0, 0.2 },
		{ 500, 0, 500, 0, 1 },
		{ 0, 10, 0, 0, 1 },		/* ties count on both sides */
		{ 10, 5, 985, 0, 0.03 },	/* 2 x 15 / 1000 */
		{ 30, 0, 960, 10, 60.0 / 990 },	/* NAN left out */
		{ 0, 0, 0, 3, NAN },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = cases[i].neg + cases[i].zero + cases[i].pos +
			   cases[i].nan, k = 0;
		double *d = malloc((n ? n : 1) * sizeof(*d));

		assert_non_null(d);
		for (size_t j = 0; j < cases[i].nan; j++)
			d[k++] = NAN;
		for (size_t j = 0; j < cases[i].neg; j++)
			d[k++] = -0.5 - (double)j;
		for (size_t j = 0; j < cases[i].zero; j++)
			d[k++] = 0;
		for (size_t j = 0; j < cases[i].pos; j++)
			d[k++] = 0.25 + (double)j;
		expect_double(boot_p_value(d, n), cases[i].want, 1e-15);
		free(d);
	}
}

static void test_bootstrap__streams(void **state)
{
	gsl_rng *r = boot_rng_new(5489);
	unsigned long x = 0;

	(void)state;
	/* GSL's mt19937 seeded 5489 is the C++ standard's std::mt19937. */
	for (int i = 0; i < 10000; i++)
		x = gsl_rng_get(r);
	assert_true(x == 4123659995UL);
	gsl_rng_free(r);

	/* python3: asrboot_ref.stream_seed(20240101, b"overall") ... */
	assert_true(boot_stream_seed(20240101, "overall", 7) ==
		    2742344585946329623ULL);
	assert_true(boot_stream_seed(0, "", 0) == 4469619485490810995ULL);
	assert_true(boot_stream_seed(1, "k", 1) == 5239023380846313841ULL);
	assert_true(boot_stream_seed(1, "k", 1) != boot_stream_seed(2, "k", 1));
	assert_true(boot_stream_seed(1, "k", 1) != boot_stream_seed(1, "K", 1));
}

static void sum_stat(const double *sums, double *out, void *arg)
{
	(void)arg;
	out[0] = sums[0];
}

static void ratio_stat(const double *sums, double *out, void *arg)
{
	(void)arg;
	out[0] = sums[1] > 0 ? sums[0] / sums[1] : NAN;
}

/* One cluster per value 0..n-1: the replicate sums count the draws. */
static void count_stat(const double *sums, double *out, void *arg)
{
	size_t n = *(const size_t *)arg;

	for (size_t i = 0; i < n; i++)
		out[i] = sums[i];
}

static void first_stat(const double *sums, double *out, void *arg)
{
	(void)arg;
	out[0] = sums[0];
}

/*
 * boot_rng_mt19937 is GSL's gsl_rng_mt19937, output for output: raw
 * words, doubles, and draws by gsl_rng_uniform_int()'s rule for counts
 * with every kind of scale (0xffffffff / n: 1, 2, powers of two, odd).
 * Each way of twisting the processor has (AVX-512, AVX2, SSE2) is
 * checked: on one without AVX-512 the first two levels fall to the best
 * it has, and the test still holds.
 */
static void test_bootstrap__generator_equals_gsl(void **state)
{
	static const unsigned long seeds[] = { 0, 1, 4357, 5489, 20240101,
					       0xffffffffUL };
	static const uint32_t ns[] = { 1, 2, 3, 7, 8, 40, 1000, 2500, 65536,
				       99991, 2147483647u, 2147483648u,
				       2147483649u, 4294967294u };

	(void)state;
	for (int level = BOOT_SIMD_BEST; level >= 0; level--) {
		boot_set_simd(level);
		for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
			gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
			gsl_rng *b = gsl_rng_alloc(boot_rng_mt19937);

			gsl_rng_set(a, seeds[i]);
			gsl_rng_set(b, seeds[i]);
			for (int k = 0; k < 3000; k++)
				assert_true(gsl_rng_get(a) == gsl_rng_get(b));
			for (int k = 0; k < 1000; k++)
				assert_true(gsl_rng_uniform(a) ==
					    gsl_rng_uniform(b));
			gsl_rng_free(a);
			gsl_rng_free(b);
		}
		for (size_t i = 0; i < ARRAY_SIZE(ns); i++) {
			gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
			gsl_rng *b = boot_rng_new(77 + i);

			boot_rng_reset(a, 77 + i);
			for (int k = 0; k < 5000; k++)
				assert_true(boot_rng_below(b, ns[i]) ==
					    gsl_rng_uniform_int(a, ns[i]));
			gsl_rng_free(a);
			gsl_rng_free(b);
		}
	}
	boot_set_simd(BOOT_SIMD_BEST);
}

/* boot_replicates() draws its clusters as gsl_rng_uniform_int() would. */
/* One case of the test below: n clusters, generators seeded with seed. */
static void six_sums_case(size_t n, unsigned long seed)
{
	size_t nboot = 7;
	double *cl = malloc(n * 6 * sizeof(*cl));
	double out[7 * 6];
	gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *b = boot_rng_new(0);
	size_t six = 6;

	for (size_t c = 0; c < n * 6; c++)
		cl[c] = (double)(c % 6 == 2 ? 1.0 / (double)(c + 1)
					    : (double)(c % 97));
	boot_rng_reset(a, seed);
	boot_rng_reset(b, seed);
	boot_replicates(b, cl, n, 6, nboot, count_stat, &six, 6, out);
	for (size_t r = 0; r < nboot; r++) {
		double want[6] = { 0 };

		for (size_t c = 0; c < n; c++) {
			const double *v = cl + gsl_rng_uniform_int(a, n) * 6;

			for (size_t j = 0; j < 6; j++)
				want[j] += v[j];
		}
		assert_memory_equal(out + r * 6, want, sizeof(want));
	}
	for (int k = 0; k < 2000; k++)
		assert_true(boot_rng_below(b, 1000) ==
			    gsl_rng_uniform_int(a, 1000));
	free(cl);
	gsl_rng_free(a);
	gsl_rng_free(b);
}

/*
 * The six-sum path (WER vectors) draws as gsl_rng_uniform_int() would,
 * across twists, and leaves the generator where GSL's is: the next draw
 * after the replicates is GSL's next one.  The sums are compared bit for
 * bit, and the fractions among them make them depend on the order of
 * addition.  At every level of vector instructions the generator twists
 * with.
 */
static void test_bootstrap__six_sums_equal_gsl(void **state)
{
	static const size_t ns[] = { 1, 2, 7, 623, 624, 625, 2500, 99991 };

	(void)state;
	for (int level = BOOT_SIMD_BEST; level >= 0; level--) {
		boot_set_simd(level);
		for (size_t i = 0; i < ARRAY_SIZE(ns); i++)
			six_sums_case(ns[i], 31 + i);
	}
	boot_set_simd(BOOT_SIMD_BEST);
}

static void test_bootstrap__replicate_draws_equal_gsl(void **state)
{
	static const size_t small[] = { 1, 2, 3, 7, 8, 31 };
	static const size_t large[] = { 2500, 99991, 1000003 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(small); i++) {
		size_t n = small[i], nboot = 50;
		double *cl = calloc(n * n, sizeof(*cl));
		double *out = calloc(nboot * n, sizeof(*out));
		gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng *b = boot_rng_new(5 + i);

		for (size_t c = 0; c < n; c++)
			cl[c * n + c] = 1;
		boot_rng_reset(a, 5 + i);
		boot_replicates(b, cl, n, n, nboot, count_stat, &n, n, out);
		for (size_t r = 0; r < nboot; r++) {
			double want[32] = { 0 };

			for (size_t c = 0; c < n; c++)
				want[gsl_rng_uniform_int(a, n)] += 1;
			for (size_t c = 0; c < n; c++)
				assert_true(out[r * n + c] == want[c]);
		}
		free(cl);
		free(out);
		gsl_rng_free(a);
		gsl_rng_free(b);
	}
	for (size_t i = 0; i < ARRAY_SIZE(large); i++) {
		size_t n = large[i];
		double *cl = malloc(n * sizeof(*cl)), out[2], want[2] = { 0 };
		gsl_rng *a = gsl_rng_alloc(gsl_rng_mt19937);
		gsl_rng *b = boot_rng_new(99 + i);

		for (size_t c = 0; c < n; c++)
			cl[c] = (double)c;	/* sums stay exact */
		boot_rng_reset(a, 99 + i);
		boot_replicates(b, cl, n, 1, 2, first_stat, NULL, 1, out);
		for (size_t r = 0; r < 2; r++)
			for (size_t c = 0; c < n; c++)
				want[r] += (double)gsl_rng_uniform_int(a, n);
		assert_true(out[0] == want[0] && out[1] == want[1]);
		free(cl);
		gsl_rng_free(a);
		gsl_rng_free(b);
	}
}

/*
 * The expanded percentile level and p-value (Hesterberg 2015): conf' = 1 -
 * 2 Q(sqrt(g / (g - 1)) t_{g-1}((1 + conf) / 2)), p' = 2 Q_t(Phi^-1(1 - p /
 * 2) / sqrt(g / (g - 1))).  Expected values from tests/tools/asrboot_ref.py,
 * whose Student's t is the regularised incomplete beta function (continued
 * fraction); scipy 1.10 (stats.t.ppf) agrees to 1e-9.
 */
static void test_bootstrap__expanded_level(void **state)
{
	static const struct { double conf, g, want; } levels[] = {
		{ 0.95, 3, 0.9999998633172538 },
		{ 0.95, 10, 0.9828987219511871 },
		{ 0.95, 40, 0.9594849272743122 },
		{ 0.95, 1000, 0.9503913881888817 },
		{ 0.90, 20, 0.9239455882922398 },
	};
	static const struct { double p, g, want; } ps[] = {
		{ 0.01, 5, 0.08258481690812927 },
		{ 0.05, 10, 0.09590727861318575 },
		{ 0.2, 40, 0.213225185270289 },
		{ 1.0 / 2001, 24, 0.0024136483508988556 },
		{ 0.5, 2, 0.7166870265249825 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		expect_double(boot_expanded_conf(levels[i].conf, levels[i].g),
			      levels[i].want, 1e-12);
	for (size_t i = 0; i < ARRAY_SIZE(ps); i++)
		expect_double(boot_p_expanded(ps[i].p, ps[i].g), ps[i].want,
			      1e-12);
	/* Two clusters: the widest level there is; one: none. */
	expect_double(boot_expanded_conf(0.95, 2), 1, 0);
	assert_true(isnan(boot_expanded_conf(0.95, 1)));
	assert_true(isnan(boot_p_expanded(0.01, 1)));
	assert_true(isnan(boot_p_expanded(NAN, 10)));
	expect_double(boot_p_expanded(1, 10), 1, 0);
	/* Many clusters: the plain percentile interval and p-value. */
	expect_double(boot_expanded_conf(0.95, 1e7), 0.95, 1e-6);
	expect_double(boot_p_expanded(0.03, 1e7), 0.03, 1e-6);
}

static void test_bootstrap__replicates_match_reference(void **state)
{
	static const double cl[] = { 1, 10, 100 };
	/* GslMt19937(stream_seed(1, b"k")) drawing 3 of 3 clusters */
	static const double want[] = { 111, 3, 210, 102, 111, 12 };
	double out[6], again[6];
	gsl_rng *r = boot_rng_new(boot_stream_seed(1, "k", 1));

	(void)state;
	boot_replicates(r, cl, 3, 1, 6, sum_stat, NULL, 1, out);
	for (size_t i = 0; i < 6; i++)
		expect_double(out[i], want[i], 0);
	/* Reseeding replays the stream. */
	boot_rng_reset(r, boot_stream_seed(1, "k", 1));
	boot_replicates(r, cl, 3, 1, 6, sum_stat, NULL, 1, again);
	assert_memory_equal(out, again, sizeof(out));
	/* One cluster: every replicate is the sample. */
	boot_replicates(r, cl + 1, 1, 1, 6, sum_stat, NULL, 1, out);
	for (size_t i = 0; i < 6; i++)
		expect_double(out[i], 10, 0);
	gsl_rng_free(r);
}

static void test_bootstrap__draws_uniform_with_replacement(void **state)
{
	static const double cl[] = { 0, 1 };
	size_t n = 40000, count[3] = { 0 };
	double *out = malloc(n * sizeof(*out));
	gsl_rng *r = boot_rng_new(boot_stream_seed(3, "two", 3));

	(void)state;
	assert_non_null(out);
	boot_replicates(r, cl, 2, 1, n, sum_stat, NULL, 1, out);
	for (size_t b = 0; b < n; b++)
		count[(size_t)out[b]]++;
	/* Binomial(2, 1/2): 1/4, 1/2, 1/4; sd about 87 and 100. */
	assert_true(labs((long)count[0] - 10000) < 500);
	assert_true(labs((long)count[1] - 20000) < 500);
	assert_true(labs((long)count[2] - 10000) < 500);
	free(out);
	gsl_rng_free(r);
}

/*
 * Why clusters: 200 data sets of 30 speakers x 10 utterances, speaker
 * WERs p ~ Beta(2, 8) (true pooled WER E[p] = 0.2), utterances of 5..20
 * words with Binomial(N, p) errors.  Resampling speakers, the 95 %
 * percentile interval of errors / words should hold 0.2 about 93 % of
 * the time (percentile intervals from 30 clusters run a little short);
 * resampling utterances as if independent ignores the speaker effect and
 * covers far less (about half).  Bounds: at least 172 and at most 150
 * of 200.
 */
static void test_bootstrap__cluster_coverage(void **state)
{
	gsl_rng *sim = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *r = boot_rng_new(0);
	double spk[30 * 2], utt[300 * 2], reps[1000], lo, hi;
	int by_speaker = 0, by_utterance = 0, runs = 200;

	(void)state;
	gsl_rng_set(sim, 2024);
	for (int k = 0; k < runs; k++) {
		memset(spk, 0, sizeof(spk));
		for (int s = 0; s < 30; s++) {
			double p = gsl_ran_beta(sim, 2, 8);

			for (int i = 0; i < 10; i++) {
				unsigned n = 5 + (unsigned)gsl_rng_uniform_int(sim, 16);
				unsigned e = gsl_ran_binomial(sim, p, n);
				double *u = &utt[(s * 10 + i) * 2];

				u[0] = e;
				u[1] = n;
				spk[s * 2] += e;
				spk[s * 2 + 1] += n;
			}
		}
		boot_rng_reset(r, boot_stream_seed(7, &k, sizeof(k)));
		boot_replicates(r, spk, 30, 2, 1000, ratio_stat, NULL, 1, reps);
		boot_percentile(reps, 1000, 0.95, &lo, &hi);
		by_speaker += lo <= 0.2 && 0.2 <= hi;
		boot_replicates(r, utt, 300, 2, 400, ratio_stat, NULL, 1, reps);
		boot_percentile(reps, 400, 0.95, &lo, &hi);
		by_utterance += lo <= 0.2 && 0.2 <= hi;
	}
	print_message("# coverage: speakers %d/%d, utterances %d/%d\n",
		      by_speaker, runs, by_utterance, runs);
	assert_true(by_speaker >= 172);
	assert_true(by_utterance <= 150);
	gsl_rng_free(sim);
	gsl_rng_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bootstrap__quantile_type7),
		cmocka_unit_test(test_bootstrap__percentile_leaves_out_nan),
		cmocka_unit_test(test_bootstrap__p_value_rule),
		cmocka_unit_test(test_bootstrap__streams),
		cmocka_unit_test(test_bootstrap__generator_equals_gsl),
		cmocka_unit_test(test_bootstrap__replicate_draws_equal_gsl),
		cmocka_unit_test(test_bootstrap__six_sums_equal_gsl),
		cmocka_unit_test(test_bootstrap__expanded_level),
		cmocka_unit_test(test_bootstrap__replicates_match_reference),
		cmocka_unit_test(test_bootstrap__draws_uniform_with_replacement),
		cmocka_unit_test(test_bootstrap__cluster_coverage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
