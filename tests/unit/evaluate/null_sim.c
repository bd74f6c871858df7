/*
 * False alarms across metrics: under the null (every cohort with the same
 * error rates), the share of evaluations whose summary reports any
 * disparity must stay at or below the significance level 0.05.  When each
 * metric was its own adjustment family, 19 % of such evaluations flagged
 * something (classification, five cohorts of 400, seven metrics); the
 * summary's comparisons are now one family (evaluate/evaluation.c).
 *
 * Classification: five cohorts of 400, prevalence 0.4, each prediction
 * wrong with probability 0.15 whatever the cohort; SIMS evaluations.
 * Speech: five accents of 12 speakers with 10 utterances of 12 words,
 * each word an error with probability 0.1 (a substitution) plus a speaker
 * effect shared by all accents; SIMS_ASR evaluations with 200 bootstrap
 * replicates each.
 *
 * The number of evaluations that flag is binomial; each test allows
 * 0.05 + 3 standard deviations (0.05 + 0.033 for 400 runs, 0.05 + 0.065
 * for 100), so a procedure whose true rate is 0.05 fails with probability
 * about 1e-3; the seeds are fixed, so every run gives the same counts,
 * which are printed.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"

#define SIMS 400
#define SIMS_ASR 100

static const char *const groups[5] = { "a", "b", "c", "d", "e" };

static void build_classification(struct table *t, gsl_rng *rng)
{
	uint32_t c0, c1;
	char id[32];

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "g");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	for (size_t i = 0; i < 5 * 400; i++) {
		int len = snprintf(id, sizeof(id), "e%zu", i);
		int64_t r = table_add_row(t, id, (size_t)len);
		bool y = gsl_rng_uniform(rng) < 0.4;
		bool wrong = gsl_rng_uniform(rng) < 0.15;

		table_set_attr(t, (size_t)r, 0, groups[i / 400], 1);
		t->label[r] = y ? c1 : c0;
		t->pred[r] = (y != wrong) ? c1 : c0;
	}
	table_finish(t);
}

static void build_asr(struct table *t, gsl_rng *rng)
{
	char id[32], spk[16];

	table_init(t, TASK_ASR);
	table_add_attr(t, "accent");
	for (size_t a = 0; a < 5; a++) {
		for (size_t s = 0; s < 12; s++) {
			/* the speaker's own rate, the same spread in every
			   accent */
			double p = 0.1 * exp(0.3 * gsl_ran_gaussian(rng, 1));

			snprintf(spk, sizeof(spk), "s%zu_%zu", a, s);
			for (size_t u = 0; u < 10; u++) {
				int len = snprintf(id, sizeof(id), "%s-%zu",
						   spk, u);
				int64_t r = table_add_row(t, id, (size_t)len);
				struct asr_counts *c = &t->asr[r];
				unsigned e = gsl_ran_binomial(rng, p > 1 ? 1 : p,
							      12);

				table_set_attr(t, (size_t)r, 0, groups[a], 1);
				t->speaker[r] = table_speaker(t, spk,
							      strlen(spk));
				c->sub = e;
				c->hits = 12 - e;
				c->ref_words = 12;
				c->ref_chars = 60;
				c->char_errors = 2 * e;
			}
		}
	}
	table_finish(t);
}

/*
 * Whether a disparity would be flagged with each metric its own family:
 * p_adjusted (Holm per metric) below 0.05 and the ratio outside [0.8,
 * 1.25], prevalence included, as before the summary's family.
 */
static bool per_metric_flags_any(const cJSON *res)
{
	const cJSON *g, *c, *d;

	cJSON_ArrayForEach(g, cJSON_GetObjectItem(res, "groupings"))
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(g, "cohorts"))
			cJSON_ArrayForEach(d, cJSON_GetObjectItem(c, "disparity")) {
				const cJSON *pa = cJSON_GetObjectItem(d, "p_adjusted");
				const cJSON *r = cJSON_GetObjectItem(d, "ratio");

				if (cJSON_IsNumber(pa) && cJSON_IsNumber(r) &&
				    pa->valuedouble < 0.05 &&
				    (r->valuedouble < 0.8 || r->valuedouble > 1.25))
					return true;
			}
	return false;
}

static size_t per_metric;	/* evaluations per_metric_flags_any */

/* Whether one evaluation's summary reports any disparity. */
static bool flags_any(const struct table *t, const char *req)
{
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *r = cJSON_Parse(req), *res;
	bool any;

	eval_params_init(&p);
	if (eval_params_parse(&p, r, t, &err))
		fail_msg("%s", err.s);
	res = evaluation_run(t, &p, &err);
	if (!res)
		fail_msg("%s", err.s);
	any = cJSON_GetObjectItem(cJSON_GetObjectItem(res, "summary"),
				  "with_disparity")->valuedouble > 0;
	per_metric += per_metric_flags_any(res);
	cJSON_Delete(res);
	cJSON_Delete(r);
	eval_params_release(&p);
	buf_release(&err);
	return any;
}

static void test_null_sim__classification(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t k = 0;

	(void)state;
	per_metric = 0;
	gsl_rng_set(rng, 2024);
	for (int i = 0; i < SIMS; i++) {
		struct table t;

		build_classification(&t, rng);
		k += flags_any(&t, "{\"by\": [[\"g\"]]}");
		table_release(&t);
	}
	gsl_rng_free(rng);
	print_message("# classification under the null: %zu of %d evaluations"
		      " report a disparity (%zu with one family per metric)\n",
		      k, SIMS, per_metric);
	assert_true((double)k / SIMS <= 0.05 + 3 * sqrt(0.05 * 0.95 / SIMS));
}

static void test_null_sim__speech(void **state)
{
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	size_t k = 0;
	char req[128];

	(void)state;
	per_metric = 0;
	gsl_rng_set(rng, 2025);
	for (int i = 0; i < SIMS_ASR; i++) {
		struct table t;

		build_asr(&t, rng);
		snprintf(req, sizeof(req), "{\"by\": [[\"accent\"]], "
			 "\"bootstrap\": 200, \"seed\": %d}", i + 1);
		k += flags_any(&t, req);
		table_release(&t);
	}
	gsl_rng_free(rng);
	print_message("# speech under the null: %zu of %d evaluations report "
		      "a disparity (%zu with one family per metric)\n", k,
		      SIMS_ASR, per_metric);
	assert_true((double)k / SIMS_ASR <=
		    0.05 + 3 * sqrt(0.05 * 0.95 / SIMS_ASR));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_sim__classification),
		cmocka_unit_test(test_null_sim__speech),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
