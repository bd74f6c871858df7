/*
 * Unit tests for evaluate/plan.c: plans from given figures and from an
 * evaluation's document.  The sizes themselves are metrics/power.c's
 * (tests/unit/metrics/power.c checks them against the textbook and by
 * simulation); here, that the right figures reach them.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "evaluate/plan.h"
#include "metrics/power.h"

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("no number \"%s\"", k);
	return v->valuedouble;
}

static cJSON *plan(const char *req, const char *ev, struct buf *err)
{
	cJSON *r = cJSON_Parse(req), *e = ev ? cJSON_Parse(ev) : NULL, *out;

	assert_non_null(r);
	if (ev)
		assert_non_null(e);
	out = plan_run(r, e, err);
	cJSON_Delete(r);
	cJSON_Delete(e);
	return out;
}

static cJSON *plan_ok(const char *req, const char *ev)
{
	struct buf err = BUF_INIT;
	cJSON *out = plan(req, ev, &err);

	if (!out)
		fail_msg("%s", err.s);
	buf_release(&err);
	return out;
}

static void expect_error(const char *req, const char *ev, const char *says)
{
	struct buf err = BUF_INIT;
	cJSON *out = plan(req, ev, &err);

	assert_null(out);
	if (!strstr(err.s, says))
		fail_msg("\"%s\" does not say \"%s\"", err.s, says);
	buf_release(&err);
}

static void test_plan__given_figures(void **state)
{
	cJSON *p;

	(void)state;
	p = plan_ok("{\"base_rate\": 0.2}", NULL);
	assert_int_equal((int)num(p, "examples_per_cohort"), 1094);
	assert_int_equal((int)num(p, "examples_per_cohort_corrected"), 1134);
	cJSON_Delete(p);
	/* words: 1 + (10 x 12 - 1) 0.01 = 2.19; 1094 x 2.19 / 12 utterances */
	p = plan_ok("{\"base_rate\": 0.2, \"utterances_per_speaker\": 10, "
		    "\"words_per_utterance\": 12, \"icc\": 0.01}", NULL);
	assert_true(fabs(num(p, "design_effect") - 2.19) < 1e-12);
	assert_int_equal((int)num(p, "utterances_per_cohort"),
			 (int)ceil(1094 * 2.19 / 12));
	assert_int_equal((int)num(p, "speakers_per_cohort"),
			 (int)ceil(ceil(1094 * 2.19 / 12) / 10));
	cJSON_Delete(p);
	expect_error("{\"ratio\": 1.5}", NULL, "base_rate");
	expect_error("{\"base_rate\": 0.2, \"metric\": \"wer\"}", NULL,
		     "need an evaluation");
	expect_error("{\"base_rate\": 0.2, \"words_per_utterance\": 0.5}",
		     NULL, "words_per_utterance");
}

/*
 * A speech evaluation's document, as the engine writes it (only the parts
 * a plan reads): the reference "us" has 20 speakers, 400 utterances and
 * 4,000 reference words (W = 200 a speaker) and a design effect of 2.99,
 * so icc = 1.99 / 199 = 0.01; its tests were at 0.05 / 3.
 */
static const char speech_ev[] =
	"{\"task\": \"asr\", \"params\": {\"significance\": 0.05, "
	"\"tolerance\": 0.8, \"primary\": [\"wer\"]}, \"groupings\": [{"
	"\"cohorts\": ["
	"{\"attributes\": {\"accent\": \"irish\"}, \"reference\": false, "
	" \"metrics\": {\"wer\": {\"value\": 0.3}}, \"disparity\": {\"wer\": "
	"  {\"power\": {\"alpha\": 0.016666666666666666, \"target_ratio\": 1.25, "
	"   \"design_effect\": 9, \"reference_design_effect\": 2.99}}}},"
	"{\"attributes\": {\"accent\": \"us\"}, \"reference\": true, "
	" \"metrics\": {\"wer\": {\"value\": 0.2}, \"cer\": {\"value\": 0.1}, "
	"  \"utterances\": {\"value\": 400}, \"speakers\": {\"value\": 20}, "
	"  \"reference_words\": {\"value\": 4000}, "
	"  \"reference_characters\": {\"value\": 16000}}, \"disparity\": {}}"
	"]}]}";

static void test_plan__from_an_evaluation(void **state)
{
	cJSON *p, *q;
	const cJSON *from;
	double deff = power_deff(200, 0.01);

	(void)state;
	p = plan_ok("{}", speech_ev);
	assert_true(num(p, "base_rate") == 0.2);
	assert_true(num(p, "ratio") == 1.25);
	assert_int_equal((int)num(p, "cohorts"), 3);
	assert_true(num(p, "utterances_per_speaker") == 20);
	assert_true(num(p, "words_per_utterance") == 10);
	assert_true(fabs(num(p, "icc") - 0.01) < 1e-15);
	assert_true(fabs(num(p, "design_effect") - 2.99) < 1e-12);
	from = cJSON_GetObjectItemCaseSensitive(p, "from_evaluation");
	assert_non_null(from);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(from, "metric")
			    ->valuestring, "wer");
	/* the same as the figures given by hand */
	q = plan_ok("{\"base_rate\": 0.2, \"cohorts\": 3, "
		    "\"utterances_per_speaker\": 20, "
		    "\"words_per_utterance\": 10, \"icc\": 0.01}", NULL);
	assert_true(num(p, "speakers_per_cohort") ==
		    num(q, "speakers_per_cohort"));
	assert_true(fabs(num(q, "design_effect") - deff) < 1e-12);
	cJSON_Delete(q);
	cJSON_Delete(p);

	/* Fields given win; cer takes characters a speaker. */
	p = plan_ok("{\"metric\": \"cer\", \"ratio\": 1.5, \"icc\": 0.02}",
		    speech_ev);
	assert_true(num(p, "base_rate") == 0.1);
	assert_true(num(p, "ratio") == 1.5);
	assert_true(num(p, "icc") == 0.02);
	assert_true(num(p, "words_per_utterance") == 40);
	cJSON_Delete(p);

	expect_error("{\"grouping\": 1}", speech_ev, "no grouping 1");
	expect_error("{\"metric\": \"fpr\"}", speech_ev, "\"fpr\"");
	expect_error("{\"grouping\": -1}", speech_ev, "grouping");
	expect_error("{\"grouping\": 4.44e92}", speech_ev, "grouping");
	{
		/* a document edited by hand: its figures are checked too */
		char *bad = xstrdup(speech_ev);
		char *at = strstr(bad, "0.05");

		at[0] = '1';			/* significance 1.05 */
		expect_error("{}", bad, "significance");
		free(bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan__given_figures),
		cmocka_unit_test(test_plan__from_an_evaluation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
