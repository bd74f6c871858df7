/*
 * Unit tests for bounty/losses.c: the per-row losses of each bounty metric
 * on a small binary table (counted by hand) and on an ASR table, the
 * pooled metric over a set of rows, the loss of a proposed label, and the
 * sentences that refuse a metric that does not apply.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "bounty/losses.h"

/*
 * Eight rows, positive label "yes":
 *   row     0   1   2   3   4   5   6   7
 *   label   yes yes yes no  no  no  no  no
 *   pred    yes no  no  yes no  no  no  yes
 * errors: 1, 2, 3, 7: error rate 4/8; FNR 2/3 (rows 1, 2 of 0..2); FPR
 * 2/5 (rows 3, 7 of 3..7).
 */
static void binary_table(struct table *t)
{
	static const char *const label[] = { "yes", "yes", "yes", "no", "no",
					      "no", "no", "no" };
	static const char *const pred[] = { "yes", "no", "no", "yes", "no",
					     "no", "no", "yes" };

	table_init(t, TASK_CLASSIFICATION);
	for (size_t r = 0; r < 8; r++) {
		char id[8];
		int n = snprintf(id, sizeof(id), "e%zu", r);

		assert_int_equal(table_add_row(t, id, (size_t)n), (int64_t)r);
		t->label[r] = table_class(t, label[r], strlen(label[r]));
		t->pred[r] = table_class(t, pred[r], strlen(pred[r]));
	}
	table_set_positive(t, "yes", 3);
	table_finish(t);
}

static void test_losses__binary_metrics(void **state)
{
	static const double want_err[3][8] = {
		{ 0, 1, 1, 1, 0, 0, 0, 1 },	/* error_rate */
		{ 0, 0, 0, 1, 0, 0, 0, 1 },	/* fpr */
		{ 0, 1, 1, 0, 0, 0, 0, 0 },	/* fnr */
	};
	static const double want_den[3][8] = {
		{ 0 },
		{ 0, 0, 0, 1, 1, 1, 1, 1 },
		{ 1, 1, 1, 0, 0, 0, 0, 0 },
	};
	static const double want_metric[3] = { 4.0 / 8, 2.0 / 5, 2.0 / 3 };
	struct table t;
	struct bitset rows = BITSET_INIT;

	(void)state;
	binary_table(&t);
	bitset_reset(&rows, 8);
	bitset_set(&rows, 0);
	bitset_set(&rows, 1);
	bitset_set(&rows, 3);
	for (int m = BOUNTY_ERROR_RATE; m <= BOUNTY_FNR; m++) {
		struct buf err = BUF_INIT;
		double *e, *d;

		assert_int_equal(bounty_metric_check(m, &t, "yes", &err), 0);
		bounty_losses(&t, m, &e, &d);
		assert_memory_equal(e, want_err[m], sizeof(want_err[m]));
		if (m == BOUNTY_ERROR_RATE)
			assert_null(d);
		else
			assert_memory_equal(d, want_den[m],
					    sizeof(want_den[m]));
		assert_float_equal(bounty_metric_on(8, e, d, NULL),
				   want_metric[m], 1e-15);
		free(e);
		free(d);
		buf_release(&err);
	}
	/* Over rows 0, 1, 3: error rate 2/3, FPR 1/1, FNR 1/2. */
	{
		double *e, *d;

		bounty_losses(&t, BOUNTY_FNR, &e, &d);
		assert_float_equal(bounty_metric_on(8, e, d, &rows), 0.5, 0);
		/* a label the table does not know counts as wrong */
		assert_float_equal(bounty_class_loss(&t, BOUNTY_FNR, d, 0,
						     "yes", 3), 0, 0);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_FNR, d, 0,
						     "maybe", 5), 1, 0);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_FNR, d, 3,
						     "no", 2), 0, 0);
		free(e);
		free(d);
		bounty_losses(&t, BOUNTY_FPR, &e, &d);
		assert_float_equal(bounty_metric_on(8, e, d, &rows), 1.0, 0);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_FPR, d, 3,
						     "yes", 3), 1, 0);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_FPR, d, 0,
						     "yes", 3), 0, 0);
		free(e);
		free(d);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_ERROR_RATE,
						     NULL, 1, "yes", 3), 0, 0);
		assert_float_equal(bounty_class_loss(&t, BOUNTY_ERROR_RATE,
						     NULL, 1, "no", 2), 1, 0);
		assert_true(isnan(bounty_class_loss(&t, BOUNTY_WER, NULL, 1,
						    "no", 2)));
	}
	bitset_release(&rows);
	table_release(&t);
}

static void test_losses__wer_pools_words(void **state)
{
	/* S+D+I per utterance 1, 0, 4 over 10, 5, 5 words: WER 5/20. */
	static const struct asr_counts c[3] = {
		{ .hits = 9, .sub = 1, .ref_words = 10 },
		{ .hits = 5, .ref_words = 5 },
		{ .hits = 2, .sub = 2, .del = 1, .ins = 1, .ref_words = 5 },
	};
	struct table t;
	struct bitset rows = BITSET_INIT;
	double *e, *d;

	(void)state;
	table_init(&t, TASK_ASR);
	for (size_t r = 0; r < 3; r++) {
		char id[8];
		int n = snprintf(id, sizeof(id), "u%zu", r);

		assert_int_equal(table_add_row(&t, id, (size_t)n), (int64_t)r);
		t.asr[r] = c[r];
	}
	table_finish(&t);
	bounty_losses(&t, BOUNTY_WER, &e, &d);
	assert_float_equal(e[2], 4, 0);
	assert_float_equal(d[0], 10, 0);
	assert_float_equal(bounty_metric_on(3, e, d, NULL), 0.25, 1e-15);
	bitset_reset(&rows, 3);
	bitset_set(&rows, 1);
	bitset_set(&rows, 2);
	assert_float_equal(bounty_metric_on(3, e, d, &rows), 0.4, 1e-15);
	/* no reference words at all: undefined */
	bitset_reset(&rows, 3);
	assert_true(isnan(bounty_metric_on(3, e, d, &rows)));
	free(e);
	free(d);
	bitset_release(&rows);
	table_release(&t);
}

static void test_losses__metric_must_apply(void **state)
{
	struct table t, a, multi;
	struct buf err = BUF_INIT;
	enum bounty_metric m;

	(void)state;
	for (int i = BOUNTY_ERROR_RATE; i <= BOUNTY_WER; i++) {
		assert_int_equal(bounty_metric_parse(bounty_metric_name(i), &m),
				 0);
		assert_int_equal(m, i);
	}
	assert_int_equal(bounty_metric_parse("accuracy", &m), -1);
	assert_string_equal(bounty_metric_name((enum bounty_metric)9),
			    "unknown");

	binary_table(&t);
	assert_int_equal(bounty_metric_check(BOUNTY_WER, &t, "yes", &err), -1);
	assert_string_equal(err.s, "metric \"wer\" does not apply to a "
			    "classification dataset; use error_rate, fpr or "
			    "fnr for classification and wer for asr");
	table_init(&a, TASK_ASR);
	buf_reset(&err);
	assert_int_equal(bounty_metric_check(BOUNTY_FPR, &a, NULL, &err), -1);
	assert_string_equal(err.s, "metric \"fpr\" does not apply to an asr "
			    "dataset; use error_rate, fpr or fnr for "
			    "classification and wer for asr");
	assert_int_equal(bounty_metric_check(BOUNTY_WER, &a, NULL, &err), 0);

	/* three classes: error_rate applies, fnr needs binary labels */
	table_init(&multi, TASK_CLASSIFICATION);
	assert_int_equal(table_add_row(&multi, "x", 1), 0);
	multi.label[0] = table_class(&multi, "a", 1);
	multi.pred[0] = table_class(&multi, "b", 1);
	table_class(&multi, "c", 1);
	table_finish(&multi);
	buf_reset(&err);
	assert_int_equal(bounty_metric_check(BOUNTY_ERROR_RATE, &multi, NULL,
					     &err), 0);
	assert_int_equal(bounty_metric_check(BOUNTY_FNR, &multi, "a", &err),
			 -1);
	assert_string_equal(err.s, "metric \"fnr\" needs binary labels that "
			    "include the positive label \"a\"");
	table_release(&multi);
	table_release(&a);
	table_release(&t);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_losses__binary_metrics),
		cmocka_unit_test(test_losses__wer_pools_words),
		cmocka_unit_test(test_losses__metric_must_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
