/*
 * Simulations of the three verdicts through the whole engine
 * (evaluation_run): two cohorts, a reference "r" and a cohort "c", of
 * binary examples whose labels are all 0, so that a prediction of 1 is a
 * false positive and the false positive rate is the rate of 1s.
 *
 *   On the band's edge (true ratio 0.8 = the tolerance): "within
 *   tolerance" is a false claim, and TOST keeps it at or below the
 *   significance level 0.05.  Over SIMS runs the count of false claims is
 *   binomial; the test allows 0.05 + 4 standard deviations of it (with 400
 *   runs, 0.05 + 0.0436), so a correct TOST fails with probability below
 *   4e-5 even if its size were exactly 0.05; the seed is fixed, so the
 *   outcome is the same on every run anyway.
 *   Well inside the band (true ratio 1, large cohorts): equivalence is
 *   shown in almost every run (power above 0.95 for n = 4000 a cohort and
 *   a rate of 0.2; the test asks for 0.9).
 *   Far outside (true ratio 2, n = 2000): a disparity, worse, in every
 *   run, although the family holds every metric of the two cohorts.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"

#define SIMS 400

static void build(struct table *t, gsl_rng *rng, size_t n, double p_ref,
		  double p_c)
{
	uint32_t c0, c1;
	char id[32];

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "g");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	for (size_t i = 0; i < 2 * n; i++) {
		bool ref = i < n;
		int len = snprintf(id, sizeof(id), "e%zu", i);
		int64_t r = table_add_row(t, id, (size_t)len);

		table_set_attr(t, (size_t)r, 0, ref ? "r" : "c", 1);
		t->label[r] = c0;
		t->pred[r] = gsl_rng_uniform(rng) < (ref ? p_ref : p_c) ? c1 : c0;
	}
	table_finish(t);
}

/* The verdict and direction on fpr of cohort "c" in one simulated run. */
static void run_one(gsl_rng *rng, size_t n, double p_ref, double p_c,
		    char *verdict, size_t vn, char *dir, size_t dn)
{
	static const char req[] = "{\"by\": [[\"g\"]], "
				  "\"reference\": {\"g\": \"r\"}}";
	struct table t;
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *r = cJSON_Parse(req), *res, *c, *d;

	build(&t, rng, n, p_ref, p_c);
	eval_params_init(&p);
	assert_int_equal(eval_params_parse(&p, r, &t, &err), 0);
	res = evaluation_run(&t, &p, &err);
	assert_non_null(res);
	/* cohorts in order: "c" before "r" */
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(res, "groupings"), 0), "cohorts"), 0);
	d = cJSON_GetObjectItem(cJSON_GetObjectItem(c, "disparity"), "fpr");
	snprintf(verdict, vn, "%s",
		 cJSON_GetStringValue(cJSON_GetObjectItem(d, "verdict")));
	snprintf(dir, dn, "%s", cJSON_IsString(cJSON_GetObjectItem(d,
		 "direction")) ? cJSON_GetObjectItem(d, "direction")->valuestring
		 : "none");
	cJSON_Delete(res);
	cJSON_Delete(r);
	eval_params_release(&p);
	table_release(&t);
	buf_release(&err);
}

static size_t count(size_t n, double p_ref, double p_c, const char *want,
		    unsigned long seed, const char *want_dir)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	char v[32], d[16];
	size_t k = 0;

	gsl_rng_set(rng, seed);
	for (int i = 0; i < SIMS; i++) {
		run_one(rng, n, p_ref, p_c, v, sizeof(v), d, sizeof(d));
		k += !strcmp(v, want) && (!want_dir || !strcmp(d, want_dir));
	}
	gsl_rng_free(rng);
	return k;
}

static void test_verdict_sim__false_within_on_the_edge(void **state)
{
	double sd = sqrt(0.05 * 0.95 / SIMS);
	size_t k;

	(void)state;
	/* 0.16 / 0.20 = 0.8 exactly: the lower edge of the band. */
	k = count(2000, 0.20, 0.16, "within_tolerance", 11, NULL);
	print_message("# true ratio 0.8: %zu of %d runs within tolerance\n", k,
		      SIMS);
	assert_true((double)k / SIMS <= 0.05 + 4 * sd);
	/* 0.25 / 0.20 = 1.25: the upper edge. */
	k = count(2000, 0.20, 0.25, "within_tolerance", 12, NULL);
	print_message("# true ratio 1.25: %zu of %d runs within tolerance\n",
		      k, SIMS);
	assert_true((double)k / SIMS <= 0.05 + 4 * sd);
}

static void test_verdict_sim__power_and_disparity(void **state)
{
	size_t k;

	(void)state;
	k = count(4000, 0.20, 0.20, "within_tolerance", 13, NULL);
	print_message("# true ratio 1, n 4000: %zu of %d runs within "
		      "tolerance\n", k, SIMS);
	assert_true(k >= 0.9 * SIMS);
	k = count(2000, 0.10, 0.20, "disparity", 14, "worse");
	assert_int_equal(k, SIMS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_sim__false_within_on_the_edge),
		cmocka_unit_test(test_verdict_sim__power_and_disparity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
