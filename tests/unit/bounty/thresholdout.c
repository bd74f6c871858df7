/*
 * Unit tests for bounty/thresholdout.c: the algorithm step by step with the
 * noise switched off, reproducibility and resumption from stored state, the
 * Laplace noise scales, the count scaling, and a flood of 2,000 null
 * findings (half of them picked to look significant on the discovery data)
 * over a planted-null dataset, verified through verify.c and released
 * through the reusable holdout: the number accepted must stay within a
 * binomial upper bound for the nominal false-positive rate.
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
#include "bounty/thresholdout.h"
#include "bounty/verify.h"

static void test_thresholdout__noiseless_steps(void **state)
{
	struct thresholdout t;
	struct buf err = BUF_INIT;
	double a;

	(void)state;
	thresholdout_init(&t, 0.04, 0, 2, 7);
	assert_float_equal(t.gamma, 0, 0);
	/* agreement within T: the discovery value, free */
	assert_int_equal(thresholdout_query(&t, 0.30, 0.33, &a, &err),
			 THRESHOLDOUT_DISCOVERY);
	assert_float_equal(a, 0.30, 0);
	assert_int_equal(thresholdout_query(&t, 0.30, 0.26, &a, &err),
			 THRESHOLDOUT_DISCOVERY);
	assert_int_equal(thresholdout_left(&t), 2);
	/* disagreement: the holdout value, charged */
	assert_int_equal(thresholdout_query(&t, 0.30, 0.20, &a, &err),
			 THRESHOLDOUT_HOLDOUT);
	assert_float_equal(a, 0.20, 0);
	assert_int_equal(t.used, 1);
	/* a discovery value that is undefined counts as a disagreement */
	assert_int_equal(thresholdout_query(&t, NAN, 0.25, &a, &err),
			 THRESHOLDOUT_HOLDOUT);
	assert_float_equal(a, 0.25, 0);
	assert_int_equal(thresholdout_left(&t), 0);
	/* budget used up: refused, even for an agreeing query */
	assert_int_equal(thresholdout_query(&t, 0.30, 0.30, &a, &err),
			 THRESHOLDOUT_REFUSED);
	assert_true(isnan(a));
	assert_string_equal(err.s, "the holdout budget of 2 answers is used up");
	assert_int_equal(t.queries, 4);
	buf_release(&err);

	/* a holdout value that is not a number is an error, not a charge */
	thresholdout_init(&t, 0.04, 0, 2, 7);
	assert_int_equal(thresholdout_query(&t, 0.1, NAN, &a, &err),
			 THRESHOLDOUT_REFUSED);
	assert_string_equal(err.s, "holdout value nan is not a finite number");
	assert_int_equal(t.used, 0);
	buf_release(&err);
}

static void test_thresholdout__counts_are_scaled(void **state)
{
	struct thresholdout t;
	struct buf err = BUF_INIT;
	double a;

	(void)state;
	thresholdout_init(&t, 0.04, 0, 10, 1);
	/* 40/1000 against 60/1000: 2 points apart, the discovery answers,
	 * on the holdout's scale (2000 rows) */
	assert_int_equal(thresholdout_query_count(&t, 40, 1000, 120, 2000, &a,
						  &err),
			 THRESHOLDOUT_DISCOVERY);
	assert_float_equal(a, 80, 1e-12);
	/* 40/1000 against 180/2000: 5 points apart, the holdout answers */
	assert_int_equal(thresholdout_query_count(&t, 40, 1000, 180, 2000, &a,
						  &err),
			 THRESHOLDOUT_HOLDOUT);
	assert_float_equal(a, 180, 1e-12);
	/* raw counts 40 and 90 would differ by 50, far above T; as
	 * fractions of their splits they agree */
	assert_int_equal(thresholdout_query_count(&t, 40, 1000, 90, 2000, &a,
						  &err),
			 THRESHOLDOUT_DISCOVERY);
	buf_release(&err);
}

static void run_queries(struct thresholdout *t, gsl_rng *rng, size_t n,
			double *out)
{
	struct buf err = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		double d = gsl_rng_uniform(rng) * 0.5;
		double h = d + (gsl_rng_uniform(rng) - 0.5) * 0.2;

		if (thresholdout_query(t, d, h, &out[i], &err) ==
		    THRESHOLDOUT_REFUSED)
			out[i] = -1;
	}
	buf_release(&err);
}

static void test_thresholdout__reproducible_and_resumable(void **state)
{
	enum { N = 400 };
	struct thresholdout a, b, c, saved;
	double ra[N], rb[N], rc[N], rs[N / 2];
	gsl_rng *ga = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *gb = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng *gc = gsl_rng_alloc(gsl_rng_mt19937);
	size_t differ = 0;

	(void)state;
	gsl_rng_set(ga, 5);
	gsl_rng_set(gb, 5);
	gsl_rng_set(gc, 5);
	thresholdout_init(&a, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA, 1000, 42);
	thresholdout_init(&b, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA, 1000, 42);
	thresholdout_init(&c, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA, 1000, 43);
	run_queries(&a, ga, N / 2, ra);
	saved = a;		/* the state is plain numbers: store it */
	run_queries(&a, ga, N / 2, ra + N / 2);
	run_queries(&b, gb, N, rb);
	run_queries(&c, gc, N, rc);
	assert_memory_equal(ra, rb, sizeof(ra));
	assert_memory_equal(&a, &b, sizeof(a));
	for (size_t i = 0; i < N; i++)
		differ += ra[i] != rc[i];
	assert_true(differ > 10);	/* another seed, other noise */
	assert_true(a.used > 10 && a.used < N);

	/* resuming from the stored state gives the same answers */
	gsl_rng_set(ga, 5);
	{
		double skip[N / 2];
		struct thresholdout dummy;

		thresholdout_init(&dummy, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA,
				  1000, 42);
		run_queries(&dummy, ga, N / 2, skip);
	}
	run_queries(&saved, ga, N / 2, rs);
	assert_memory_equal(rs, ra + N / 2, sizeof(rs));
	gsl_rng_free(ga);
	gsl_rng_free(gb);
	gsl_rng_free(gc);
}

static void test_thresholdout__noise_scales(void **state)
{
	enum { N = 20000 };
	struct thresholdout t;
	struct buf err = BUF_INIT;
	double sum = 0, sumabs = 0, a;
	size_t from_disc = 0;

	(void)state;
	/* always far apart: every answer is holdout + Lap(sigma) */
	thresholdout_init(&t, 0.04, 0.01, N, 11);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(thresholdout_query(&t, 0, 0.5, &a, &err),
				 THRESHOLDOUT_HOLDOUT);
		sum += a - 0.5;
		sumabs += fabs(a - 0.5);
	}
	/* Lap(b): mean 0 (sd b sqrt 2), mean |x| = b (sd b) */
	assert_float_equal(sum / N, 0, 5 * 0.01 * M_SQRT2 / sqrt(N));
	assert_float_equal(sumabs / N, 0.01, 5 * 0.01 / sqrt(N));

	/*
	 * A difference of exactly T: a query overflows when gamma + eta < 0,
	 * and gamma is redrawn only after an overflow.  Each gamma starts a
	 * run of discovery answers ended by an overflow with probability
	 * q(gamma) = P(eta < -gamma), so the long-run share of discovery
	 * answers is E[1/q - 1] / E[1/q] over gamma ~ Lap(2 sigma), eta ~
	 * Lap(4 sigma): 0.63933 by numerical integration.
	 */
	thresholdout_init(&t, 0.04, 0.01, N, 12);
	for (size_t i = 0; i < N; i++)
		from_disc += thresholdout_query(&t, 0.2, 0.24, &a, &err) ==
			     THRESHOLDOUT_DISCOVERY;
	print_message("share of discovery answers at |diff| = T: %.4f\n",
		      (double)from_disc / N);
	assert_float_equal((double)from_disc / N, 0.63933, 0.02);
	buf_release(&err);
}

/* ---- the flood --------------------------------------------------------- */

enum { FLOOD_ROWS = 20000, FLOOD_ATTRS = 6, FLOOD_VALUES = 8 };

struct flood {
	struct table t;
	struct bitset holdout, discovery;
	double *err;
	gsl_rng *rng;
};

static void flood_build(struct flood *f)
{
	struct split s;
	struct buf e = BUF_INIT;

	f->rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(f->rng, 2015);
	table_init(&f->t, TASK_CLASSIFICATION);
	for (int a = 0; a < FLOOD_ATTRS; a++) {
		char name[16];

		snprintf(name, sizeof(name), "a%d", a);
		table_add_attr(&f->t, name);
	}
	f->err = xmalloc(FLOOD_ROWS * sizeof(*f->err));
	for (size_t r = 0; r < FLOOD_ROWS; r++) {
		char id[32];
		int n = snprintf(id, sizeof(id), "row-%zu", r);

		table_add_row(&f->t, id, (size_t)n);
		for (int a = 0; a < FLOOD_ATTRS; a++) {
			char v[24];
			int vn = snprintf(v, sizeof(v), "v%lu",
					  gsl_rng_uniform_int(f->rng,
							      FLOOD_VALUES));

			table_set_attr(&f->t, r, (size_t)a, v, (size_t)vn);
		}
		/* planted null: errors are independent of every attribute */
		f->err[r] = gsl_rng_uniform(f->rng) < 0.2;
	}
	table_finish(&f->t);
	assert_int_equal(split_init(&s, "the flood bounty's secret seed", 30,
				    0.5, &e), 0);
	bitset_init(&f->holdout);
	bitset_init(&f->discovery);
	split_table(&s, &f->t.ids, &f->holdout);
	bitset_copy(&f->discovery, &f->holdout);
	bitset_not(&f->discovery);
	buf_release(&e);
}

static void flood_free(struct flood *f)
{
	table_release(&f->t);
	bitset_release(&f->holdout);
	bitset_release(&f->discovery);
	free(f->err);
	gsl_rng_free(f->rng);
}

/* A random group such as "a3 = 'v1' AND a5 IN ('v0', 'v6')". */
static void random_group(struct flood *f, struct bitset *out)
{
	struct buf text = BUF_INIT, e = BUF_INIT;
	struct predicate *p = NULL;
	unsigned long a = gsl_rng_uniform_int(f->rng, FLOOD_ATTRS);
	unsigned long b = (a + 1 + gsl_rng_uniform_int(f->rng,
						       FLOOD_ATTRS - 1)) %
			  FLOOD_ATTRS;
	unsigned long k = 1 + gsl_rng_uniform_int(f->rng, 3);

	buf_addf(&text, "a%lu = 'v%lu' AND a%lu IN (", a,
		 gsl_rng_uniform_int(f->rng, FLOOD_VALUES), b);
	for (unsigned long i = 0; i < k; i++)
		buf_addf(&text, "%s'v%lu'", i ? ", " : "",
			 gsl_rng_uniform_int(f->rng, FLOOD_VALUES));
	buf_addch(&text, ')');
	if (predicate_compile(text.s, text.len, &f->t, &p, &e) ||
	    predicate_eval(p, &f->t, out, &e))
		fail_msg("%s: %s", text.s, e.s);
	predicate_free(p);
	buf_release(&text);
	buf_release(&e);
}

/* Smallest k with P(Bin(n, p) > k) <= tail. */
static unsigned binomial_upper(unsigned n, double p, double tail)
{
	for (unsigned k = 0; k < n; k++)
		if (gsl_cdf_binomial_Q(k, p, n) <= tail)
			return k;
	return n;
}

static void test_thresholdout__flood_of_null_findings(void **state)
{
	enum { SUBMISSIONS = 2000, CANDIDATES = 10 };
	struct flood f;
	struct bitset g = BITSET_INIT, best = BITSET_INIT;
	struct bitset *accepted = xcalloc(SUBMISSIONS, sizeof(*accepted));
	const struct bitset **acc = xcalloc(SUBMISSIONS, sizeof(*acc));
	struct verify_rules rules;
	struct thresholdout t;
	struct buf e = BUF_INIT;
	unsigned naccepted = 0, naive = 0, holdout_pass = 0;
	unsigned bound, naive_floor;

	(void)state;
	flood_build(&f);
	verify_rules_init(&rules);
	thresholdout_init(&t, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA,
			  2 * SUBMISSIONS, 99);
	for (unsigned s = 0; s < SUBMISSIONS; s++) {
		struct verify_input in;
		struct verdict hold, disc;
		bool adaptive = s % 2;

		memset(&in, 0, sizeof(in));
		in.err = f.err;
		in.group = &g;
		/* Adaptive half: the most significant-looking of several
		 * random groups on the discovery data, which the hunter
		 * has; the other half: one random group. */
		if (adaptive) {
			double best_z = -INFINITY;

			in.split = &f.discovery;
			for (int c = 0; c < CANDIDATES; c++) {
				random_group(&f, &g);
				assert_int_equal(verify_submission(&in, &rules,
								   &disc, &e),
						 0);
				if (!disc.too_small &&
				    disc.gap / disc.gap_se > best_z) {
					best_z = disc.gap / disc.gap_se;
					bitset_copy(&best, &g);
				}
			}
			bitset_copy(&g, &best);
		} else {
			random_group(&f, &g);
		}
		in.split = &f.discovery;
		assert_int_equal(verify_submission(&in, &rules, &disc, &e), 0);
		if (adaptive && disc.status == VERIFY_ACCEPTED)
			naive++;
		in.split = &f.holdout;
		in.accepted = acc;
		in.naccepted = naccepted;
		assert_int_equal(verify_submission(&in, &rules, &hold, &e), 0);
		holdout_pass += hold.status == VERIFY_ACCEPTED;
		if (verify_release(&hold, &disc, &rules, &t, &e))
			fail_msg("submission %u refused: %s", s, e.s);
		if (hold.status == VERIFY_ACCEPTED) {
			bitset_init(&accepted[naccepted]);
			bitset_copy(&accepted[naccepted], &g);
			bitset_and(&accepted[naccepted], &f.holdout);
			acc[naccepted] = &accepted[naccepted];
			naccepted++;
		}
	}
	bound = binomial_upper(SUBMISSIONS, rules.significance, 1e-6);
	naive_floor = binomial_upper(SUBMISSIONS / 2, rules.significance, 1e-6);
	print_message("flood: %u accepted of %u null submissions (bound %u); "
		      "%u of %u picked on discovery pass there (5 %% bound "
		      "%u); %u holdout answers charged\n", naccepted,
		      SUBMISSIONS, bound, naive, SUBMISSIONS / 2, naive_floor,
		      t.used);
	/* The flood is adversarial: judged on the discovery data, the
	 * picked half would pass far more often than 5 % ... */
	assert_true(naive > naive_floor);
	/* ... yet on the holdout no more than the nominal rate pass. */
	assert_true(naccepted <= holdout_pass);
	assert_true(naccepted <= bound);
	/* and the picked findings, which the holdout contradicts, are
	 * what spends the budget */
	assert_true(t.used > 0);

	/* With the default budget the same hunter is soon refused. */
	thresholdout_init(&t, THRESHOLDOUT_T, THRESHOLDOUT_SIGMA,
			  THRESHOLDOUT_BUDGET, 100);
	{
		unsigned answered = 0;
		int rc = 0;

		while (!rc && answered < SUBMISSIONS) {
			struct verify_input in;
			struct verdict hold, disc;

			memset(&in, 0, sizeof(in));
			in.err = f.err;
			in.group = &g;
			random_group(&f, &g);
			/* a group that looks bad on discovery, by fiat */
			in.split = &f.discovery;
			assert_int_equal(verify_submission(&in, &rules, &disc,
							   &e), 0);
			disc.gap += 0.2;
			in.split = &f.holdout;
			assert_int_equal(verify_submission(&in, &rules, &hold,
							   &e), 0);
			rc = verify_release(&hold, &disc, &rules, &t, &e);
			answered += !rc;
		}
		assert_int_equal(rc, -1);
		assert_string_equal(e.s, "the holdout budget of 100 answers is "
				    "used up");
		assert_int_equal(t.used, THRESHOLDOUT_BUDGET);
		assert_true(answered >= THRESHOLDOUT_BUDGET);
		assert_true(answered < 2 * THRESHOLDOUT_BUDGET);
	}

	for (unsigned i = 0; i < naccepted; i++)
		bitset_release(&accepted[i]);
	free(accepted);
	free(acc);
	bitset_release(&g);
	bitset_release(&best);
	flood_free(&f);
	buf_release(&e);
}

/*
 * A scaled query at the base sigma is the plain query; at scale s its
 * answer noise has mean absolute value s (E|Lap(b)| = b); a scale below
 * sigma is raised to it.  10,000 draws: the standard error of the mean
 * absolute value is s / 100, so the 5 % margin is 5 standard errors
 * (a false failure about once in 3.5 million runs; the seed is fixed).
 */
static void test_thresholdout__scaled_queries(void **state)
{
	struct thresholdout a, b;
	struct buf err = BUF_INIT;
	double x, y, sum = 0;

	(void)state;
	thresholdout_init(&a, 0.04, 0.01, 100, 3);
	b = a;
	for (int i = 0; i < 50; i++) {
		int sa = thresholdout_query(&a, 0.3, 0.3 + i * 0.01, &x, &err);
		int sb = thresholdout_query_scaled(&b, 0.3, 0.3 + i * 0.01,
						   0.001, &y, &err);

		assert_int_equal(sa, sb);
		assert_float_equal(x, y, 0);
	}
	thresholdout_init(&a, 0, 0.01, 10000, 5);
	for (int i = 0; i < 10000; i++) {
		assert_int_equal(thresholdout_query_scaled(&a, 100, 0.5, 0.2,
							   &x, &err),
				 THRESHOLDOUT_HOLDOUT);
		sum += fabs(x - 0.5);
	}
	assert_float_equal(sum / 10000, 0.2, 0.01);
	buf_release(&err);
}

/* The sparse vector's test alone: below is free, above charges a unit. */
static void test_thresholdout__above(void **state)
{
	struct thresholdout t;
	struct buf err = BUF_INIT;

	(void)state;
	thresholdout_init(&t, 0.04, 0, 2, 1);	/* noiseless: value >= 0 */
	assert_int_equal(thresholdout_above(&t, -0.1, 0, &err), 0);
	assert_int_equal(t.used, 0);
	assert_int_equal(thresholdout_above(&t, NAN, 0, &err), 0);
	assert_int_equal(thresholdout_above(&t, 0.1, 0, &err), 1);
	assert_int_equal(thresholdout_above(&t, 0, 0, &err), 1);
	assert_int_equal(t.used, 2);
	assert_int_equal(t.queries, 4);
	assert_int_equal(thresholdout_above(&t, 1, 0, &err),
			 THRESHOLDOUT_REFUSED);
	assert_string_equal(err.s, "the holdout budget of 2 answers is used up");
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholdout__noiseless_steps),
		cmocka_unit_test(test_thresholdout__counts_are_scaled),
		cmocka_unit_test(test_thresholdout__reproducible_and_resumable),
		cmocka_unit_test(test_thresholdout__noise_scales),
		cmocka_unit_test(test_thresholdout__flood_of_null_findings),
		cmocka_unit_test(test_thresholdout__scaled_queries),
		cmocka_unit_test(test_thresholdout__above),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
