/*
 * Unit tests for metrics/confusion.c: counts from hand-built rows, the
 * definition of every rate, and the multi-class counts.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/confusion.h"

static void test_confusion__binary_counts(void **state)
{
	/* positive = 1; cohort 0: rows 0-5, cohort 1: rows 6-8. */
	const uint32_t label[] = { 1, 1, 0, 0, 0, 1, 0, 0, 0 };
	const uint32_t pred[]  = { 1, 0, 1, 0, 0, 1, 0, 1, 0 };
	const uint32_t coh[]   = { 0, 0, 0, 0, 0, 0, 1, 1, 1 };
	struct confusion c[2], all;

	(void)state;
	memset(c, 0, sizeof(c));
	memset(&all, 0, sizeof(all));
	confusion_add_labels(label, pred, 1, coh, 9, 2, c);
	assert_int_equal(c[0].tp, 2);
	assert_int_equal(c[0].fn, 1);
	assert_int_equal(c[0].fp, 1);
	assert_int_equal(c[0].tn, 2);
	assert_int_equal(c[1].tp, 0);
	assert_int_equal(c[1].fn, 0);
	assert_int_equal(c[1].fp, 1);
	assert_int_equal(c[1].tn, 2);
	confusion_add_labels(label, pred, 1, NULL, 9, 1, &all);
	assert_int_equal(all.tp, 2);
	assert_int_equal(all.fp, 2);
	assert_int_equal(all.tn, 4);
	assert_int_equal(all.fn, 1);
	assert_int_equal(confusion_n(&all), 9);
	/* No positive class: everything is a negative. */
	memset(&all, 0, sizeof(all));
	confusion_add_labels(label, pred, -1, NULL, 9, 1, &all);
	assert_int_equal(all.tn, 9);
}

static void test_confusion__scores(void **state)
{
	const uint32_t label[] = { 1, 0, 1, 0, 1 };
	const double score[] = { 0.5, 0.49, 0.2, 0.9, 1.0 };
	struct confusion c;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* score >= 0.5 is positive: 0.5 counts. */
	confusion_add_scores(label, score, 0.5, 1, NULL, 5, 1, &c);
	assert_int_equal(c.tp, 2);
	assert_int_equal(c.fn, 1);
	assert_int_equal(c.fp, 1);
	assert_int_equal(c.tn, 1);
}

static void test_confusion__rates(void **state)
{
	/* tp 7, fp 3, tn 11, fn 2 (n 23): each rate's x / d by definition. */
	const struct confusion c = { .tp = 7, .fp = 3, .tn = 11, .fn = 2 };
	static const struct {
		enum confusion_rate r;
		const char *name;
		uint64_t x, d;
	} want[] = {
		{ CONF_TPR, "tpr", 7, 9 },
		{ CONF_FPR, "fpr", 3, 14 },
		{ CONF_FNR, "fnr", 2, 9 },
		{ CONF_TNR, "tnr", 11, 14 },
		{ CONF_PPV, "ppv", 7, 10 },
		{ CONF_NPV, "npv", 11, 13 },
		{ CONF_FDR, "fdr", 3, 10 },
		{ CONF_FOR, "for", 2, 13 },
		{ CONF_ACCURACY, "accuracy", 18, 23 },
		{ CONF_ERROR_RATE, "error_rate", 5, 23 },
		{ CONF_SELECTION_RATE, "selection_rate", 10, 23 },
		{ CONF_PREVALENCE, "prevalence", 9, 23 },
	};
	const struct confusion none = { .tp = 0, .fp = 4, .tn = 5, .fn = 0 };
	uint64_t x, d;

	(void)state;
	assert_int_equal(ARRAY_SIZE(want), CONF_NRATES);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		confusion_rate(&c, want[i].r, &x, &d);
		assert_string_equal(confusion_rate_name(want[i].r), want[i].name);
		assert_int_equal(x, want[i].x);
		assert_int_equal(d, want[i].d);
	}
	confusion_rate(&none, CONF_TPR, &x, &d);
	assert_int_equal(d, 0);
	assert_string_equal(confusion_rate_reason(CONF_TPR),
			    "no actual positives in cohort");
	assert_string_equal(confusion_rate_reason(CONF_FPR),
			    "no actual negatives in cohort");
	assert_string_equal(confusion_rate_reason(CONF_PPV),
			    "no predicted positives in cohort");
	assert_string_equal(confusion_rate_reason(CONF_NPV),
			    "no predicted negatives in cohort");
}

static void test_confusion__multiclass(void **state)
{
	/* classes 0 cat, 1 dog, 2 bird */
	const uint32_t label[] = { 0, 0, 1, 1, 1, 2, 0, 2 };
	const uint32_t pred[]  = { 0, 1, 1, 1, 2, 2, 0, 0 };
	const uint32_t coh[]   = { 0, 0, 0, 0, 1, 1, 1, 1 };
	uint64_t n[2] = { 0 }, ok[2] = { 0 }, sup[6] = { 0 }, hit[6] = { 0 };

	(void)state;
	confusion_add_multiclass(label, pred, 3, coh, 8, n, ok, sup, hit);
	assert_int_equal(n[0], 4);
	assert_int_equal(ok[0], 3);
	assert_int_equal(n[1], 4);
	assert_int_equal(ok[1], 2);
	assert_int_equal(sup[0], 2);	/* cohort 0 cat */
	assert_int_equal(hit[0], 1);
	assert_int_equal(sup[1], 2);	/* cohort 0 dog */
	assert_int_equal(hit[1], 2);
	assert_int_equal(sup[2], 0);	/* cohort 0 bird */
	assert_int_equal(sup[3], 1);	/* cohort 1 cat */
	assert_int_equal(hit[3], 1);
	assert_int_equal(sup[4], 1);
	assert_int_equal(hit[4], 0);
	assert_int_equal(sup[5], 2);
	assert_int_equal(hit[5], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confusion__binary_counts),
		cmocka_unit_test(test_confusion__scores),
		cmocka_unit_test(test_confusion__rates),
		cmocka_unit_test(test_confusion__multiclass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
