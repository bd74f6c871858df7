/*
 * Unit tests for evaluate/condition.c, on counts laid out by hand.
 *
 * Every label is 0, so a prediction of 1 is a false positive and the error
 * rate equals the false positive rate.  Cohort r (the reference) and c,
 * each with 200 examples at the baseline q and 200 under w:
 *   r: 20 / 200 = 0.10 at q, 30 / 200 = 0.15 at w   (degradation 1.5x)
 *   c: 20 / 200 = 0.10 at q, 60 / 200 = 0.30 at w   (degradation 3x)
 * Ratio of ratios 2; var log = (1/60 - 1/200) + (1/20 - 1/200) +
 * (1/30 - 1/200) + (1/20 - 1/200) = 0.13, so z = log 2 / sqrt 0.13 =
 * 1.9224 and p = 0.054550 (two-sided); fpr and error rate are two tests,
 * equal, so Holm gives 0.109100 to both: beyond the tolerance (2 > 1.25)
 * but not significant, not flagged.  Intervals by the delta method on the
 * log scale (z = 1.959964): degradation of c 1.8815-4.7835, ratio of
 * ratios 0.98656-4.05448; differences 0.2 (low 0.124091) and, in
 * differences, 0.15 (0.050302-0.249698).  Values from Python's math.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"
#include "tests/unit/evaluate/run_eval.h"

static void block(struct table *t, const char *who, const char *noise,
		  int n, int fp, uint32_t c0, uint32_t c1)
{
	char id[32];

	for (int i = 0; i < n; i++) {
		int len = snprintf(id, sizeof(id), "%s%s%d", who, noise, i);
		int64_t r = table_add_row(t, id, (size_t)len);

		table_set_attr(t, (size_t)r, 0, who, strlen(who));
		table_set_attr(t, (size_t)r, 1, noise, strlen(noise));
		t->label[r] = c0;
		t->pred[r] = i < fp ? c1 : c0;
	}
}

static void build(struct table *t)
{
	uint32_t c0, c1;

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "g");
	table_add_attr(t, "noise");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	block(t, "r", "q", 200, 20, c0, c1);
	block(t, "r", "w", 200, 30, c0, c1);
	block(t, "c", "q", 200, 20, c0, c1);
	block(t, "c", "w", 200, 60, c0, c1);
	table_finish(t);
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("no number %s", k);
	return v->valuedouble;
}

static void test_condition__worked_counts(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	cJSON *res;
	const cJSON *cond, *co, *m, *in;

	(void)state;
	build(&t);
	res = run_json(&t, "{\"by\": [[\"g\"]], \"reference\": {\"g\": \"r\"}, "
		  "\"condition\": {\"attribute\": \"noise\", \"baseline\": \"q\"}}",
		  &err);
	if (!res)
		fail_msg("%s", err.s);
	cond = cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(res, "groupings"), 0), "condition");
	assert_non_null(cond);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(
		cJSON_GetObjectItem(cond, "levels"), 0)), "w");
	assert_float_equal(num(cond, "tests"), 2, 0);
	co = cJSON_GetArrayItem(cJSON_GetObjectItem(cond, "cohorts"), 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(co, "attributes"), "g")), "c");
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(co, "levels"), "w"), "metrics"), "fpr");
	assert_float_equal(num(m, "baseline"), 0.1, 1e-15);
	assert_float_equal(num(m, "value"), 0.3, 1e-15);
	assert_float_equal(num(m, "ratio"), 3, 1e-12);
	assert_float_equal(num(m, "ratio_low"), 1.881458996941637, 1e-9);
	assert_float_equal(num(m, "ratio_high"), 4.783521732139658, 1e-9);
	assert_float_equal(num(m, "difference"), 0.2, 1e-12);
	assert_float_equal(num(m, "difference_low"), 0.12409092128710038,
			   1e-9);
	in = cJSON_GetObjectItem(m, "interaction");
	assert_float_equal(num(in, "ratio_of_ratios"), 2, 1e-12);
	assert_float_equal(num(in, "ratio_of_ratios_low"),
			   0.9865632067317821, 1e-9);
	assert_float_equal(num(in, "ratio_of_ratios_high"), 4.054479198804627,
			   1e-9);
	assert_float_equal(num(in, "difference_in_differences"), 0.15, 1e-12);
	assert_float_equal(num(in, "difference_in_differences_low"),
			   0.050301581263562434, 1e-9);
	assert_float_equal(num(in, "p_value"), 0.05454986516960985, 1e-12);
	assert_float_equal(num(in, "p_adjusted"), 0.1090997303392197, 1e-12);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(in, "hurts_more")));
	/* fnr: no positives anywhere */
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(co, "levels"), "w"), "metrics"), "fnr");
	assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(m, "reason")));
	/* the reference has its degradation but no interaction */
	co = cJSON_GetArrayItem(cJSON_GetObjectItem(cond, "cohorts"), 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(co, "reference")));
	m = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(co, "levels"), "w"), "metrics"), "fpr");
	assert_float_equal(num(m, "ratio"), 1.5, 1e-12);
	assert_null(cJSON_GetObjectItem(m, "interaction"));
	cJSON_Delete(res);

	/* One metric alone: one test, p 0.0545 > 0.05 still; at significance
	   0.06 it is flagged as hurting c more. */
	res = run_json(&t, "{\"by\": [[\"g\"]], \"reference\": {\"g\": \"r\"}, "
		  "\"primary\": [\"fpr\"], \"significance\": 0.06, "
		  "\"condition\": {\"attribute\": \"noise\", \"baseline\": \"q\"}}",
		  &err);
	if (!res)
		fail_msg("%s", err.s);
	cond = cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(res, "groupings"), 0), "condition");
	in = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(cond, "cohorts"), 0), "levels"), "w"),
		"metrics"), "fpr"), "interaction");
	assert_float_equal(num(in, "p_adjusted"), 0.05454986516960985, 1e-12);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(in, "hurts_more")));
	cJSON_Delete(res);

	/* Requests the analysis refuses. */
	buf_reset(&err);
	assert_null(run_json(&t, "{\"by\": [[\"noise\"]], \"condition\": "
			"{\"attribute\": \"noise\", \"baseline\": \"q\"}}", &err));
	assert_non_null(strstr(err.s, "also grouped by"));
	buf_reset(&err);
	assert_null(run_json(&t, "{\"condition\": {\"attribute\": \"noise\", "
			"\"baseline\": \"loud\"}}", &err));
	assert_non_null(strstr(err.s, "baseline \"loud\""));
	buf_reset(&err);
	assert_null(run_json(&t, "{\"condition\": {\"attribute\": \"noise\"}}", &err));
	assert_non_null(strstr(err.s, "condition must be"));
	table_release(&t);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_condition__worked_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
