/*
 * Unit tests for evaluate/worst.c: worst utterances per cohort with their
 * alignments, matched to the evaluation document's cohorts.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "evaluate/worst.h"
#include "evaluate/evaluation.h"
#include "metrics/alignment.h"

static const struct { const char *id, *accent, *ref, *hyp; } utts[] = {
	{ "s1-1", "us", "the cat sat", "the cat sat" },			/* 0 */
	{ "s1-2", "us", "a b", "b a" },					/* 2/2 */
	{ "s2-1", "us", "hello world", "hello word" },			/* 1/2 */
	{ "s3-1", "scottish", "a b c d e f g h", "d e y1 y2 y3 y4 y5 y6" },/* 9/8 */
	{ "s3-2", "scottish", "", "stray words" },			/* no ref */
	{ "s4-1", "scottish", "one two three four", "one two three" },	/* 1/4 */
};

static int texts(void *ctx, size_t row, const char **ref, size_t *rl,
		 const char **hyp, size_t *hl)
{
	(void)ctx;
	*ref = utts[row].ref;
	*rl = strlen(utts[row].ref);
	*hyp = utts[row].hyp;
	*hl = strlen(utts[row].hyp);
	return 0;
}

static void build(struct table *t, struct aligner *al)
{
	struct buf err = BUF_INIT;

	table_init(t, TASK_ASR);
	table_add_attr(t, "accent");
	for (size_t i = 0; i < ARRAY_SIZE(utts); i++) {
		int64_t r = table_add_row(t, utts[i].id, strlen(utts[i].id));
		char spk[3] = { utts[i].id[0], utts[i].id[1], '\0' };

		assert_true(r >= 0);
		table_set_attr(t, (size_t)r, 0, utts[i].accent, strlen(utts[i].accent));
		t->speaker[r] = table_speaker(t, spk, 2);
		assert_int_equal(aligner_score(al, utts[i].ref, strlen(utts[i].ref),
					       utts[i].hyp, strlen(utts[i].hyp), 0,
					       &t->asr[r], &err), 0);
	}
	table_finish(t);
	buf_release(&err);
}

static void test_worst__order_and_alignment(void **state)
{
	struct norm_opts no;
	struct aligner *al;
	struct table t;
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *doc, *g, *co, *w;

	(void)state;
	norm_opts_init(&no);
	al = aligner_new(&no, &err);
	build(&t, al);
	eval_params_init(&p);
	assert_int_equal(eval_params_add_grouping(&p, "accent", &err), 0);
	p.min_cohort_size = 1;
	p.bootstrap = 10;
	doc = evaluation_run(&t, &p, &err);
	assert_non_null(doc);
	assert_int_equal(worst_attach(doc, &t, 2, &no, texts, NULL, &err), 0);
	g = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "groupings"), 0);
	cJSON_ArrayForEach(co, cJSON_GetObjectItem(g, "cohorts")) {
		const char *accent = cJSON_GetObjectItem(cJSON_GetObjectItem(co, "attributes"),
							 "accent")->valuestring;

		w = cJSON_GetObjectItem(co, "worst_utterances");
		assert_int_equal(cJSON_GetArraySize(w), 2);
		if (!strcmp(accent, "us")) {
			/* "a b" vs "b a": D C I, WER 1, then hello word 0.5 */
			cJSON *u = cJSON_GetArrayItem(w, 0);
			cJSON *ops = cJSON_GetObjectItem(u, "alignment");

			assert_string_equal(cJSON_GetObjectItem(u, "id")->valuestring, "s1-2");
			assert_true(cJSON_GetObjectItem(u, "wer")->valuedouble == 1.0);
			assert_int_equal(cJSON_GetObjectItem(u, "errors")->valueint, 2);
			assert_int_equal(cJSON_GetArraySize(ops), 3);
			assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 0), "op")->valuestring, "D");
			assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 1), "op")->valuestring, "C");
			assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(ops, 2), "op")->valuestring, "I");
			assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(w, 1), "id")->valuestring, "s2-1");
			assert_non_null(strstr(cJSON_GetObjectItem(u, "pra")->valuestring, "REF:"));
		} else {
			/* 9 errors over 8 words first; the empty reference is left out */
			cJSON *u = cJSON_GetArrayItem(w, 0);

			assert_string_equal(cJSON_GetObjectItem(u, "id")->valuestring, "s3-1");
			assert_true(cJSON_GetObjectItem(u, "wer")->valuedouble == 9.0 / 8);
			assert_int_equal(cJSON_GetObjectItem(u, "errors")->valueint, 9);
			assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(w, 1), "id")->valuestring, "s4-1");
		}
	}
	assert_int_equal(worst_attach(doc, &t, 0, &no, texts, NULL, &err), -1);
	cJSON_Delete(doc);
	eval_params_release(&p);
	table_release(&t);
	aligner_free(al);
	norm_opts_release(&no);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worst__order_and_alignment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
