/*
 * Unit tests for evaluate/compare.c: two binary models of one dataset,
 * rows stored in different orders, compared by cohort.  The counts are
 * chosen by hand, so every rate is known exactly: in cohort x (40 rows) A
 * is wrong on 10 and B on 20; in cohort y (12 rows) both are wrong on 3.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "evaluate/compare.h"
#include "evaluate/evaluation.h"

#define NX 40
#define NY 12

/* Row i of model A's table is example e<i>; model B stores them reversed. */
static void build(struct table *t, bool model_b)
{
	uint32_t c0, c1;
	char id[16];

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "g");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	for (int k = 0; k < NX + NY; k++) {
		int i = model_b ? NX + NY - 1 - k : k;
		int len = snprintf(id, sizeof(id), "e%d", i);
		int64_t r = table_add_row(t, id, (size_t)len);
		bool x = i < NX, y = i % 2 == 0;
		/* A wrong on x rows 0..9 and y rows 40..42, B on x 0..19 too */
		bool wrong = x ? i < (model_b ? 20 : 10) : i < NX + 3;

		table_set_attr(t, (size_t)r, 0, x ? "x" : "y", 1);
		t->label[r] = y ? c1 : c0;
		t->pred[r] = (y != wrong) ? c1 : c0;
	}
	table_finish(t);
}

static void test_compare__paired_by_cohort(void **state)
{
	struct table ta, tb;
	struct compare_run run;
	struct compare_opts o = { 0.95, 30, 0, 1, 7, 0.5 };
	struct groupby_attr ga = { 0, NULL, 0 };
	struct groupby_opts gopts = { EVAL_MAX_COHORTS, 0 };
	struct buf err = BUF_INIT;
	const char *want[] = { "error_rate", "selection_rate" };
	size_t x, y;

	(void)state;
	build(&ta, false);
	build(&tb, true);
	compare_run_init(&run);
	assert_int_equal(compare_pair_rows(&ta, &tb, &run.bmap), 0);
	for (size_t r = 0; r < ta.nrows; r++)
		assert_int_equal(run.bmap[r], ta.nrows - 1 - r);
	run.ta = &ta;
	run.tb = &tb;
	run.kind = compare_kind_of(TASK_CLASSIFICATION, &ta, &tb);
	assert_int_equal(run.kind, COMPARE_BINARY);

	/* defaults, then a name that cannot be compared */
	assert_int_equal(compare_set_metrics(&run, NULL, 0, &err), 0);
	assert_int_equal(run.nm, 4);
	assert_string_equal(run.metric[0], "error_rate");
	run.nm = 0;
	{
		const char *bad[] = { "wer" };

		assert_int_equal(compare_set_metrics(&run, bad, 1, &err), -1);
		assert_non_null(strstr(err.s, "metrics: \"wer\" cannot be "
				       "compared for this dataset (choose from"));
		buf_reset(&err);
	}
	run.nm = 0;
	assert_int_equal(compare_set_metrics(&run, want, 2, &err), 0);

	assert_int_equal(groupby_run(&run.g, &ta, &ga, 1, &gopts, &err), 0);
	assert_int_equal(compare_compute(&run, &o, false, &err), 0);
	assert_int_equal(run.nc, 2);
	x = run.g.cohort[0];	/* e0 is in x */
	y = run.g.cohort[NX];	/* e40 in y */
	assert_int_equal(run.n[x], NX);
	assert_int_equal(run.n[y], NY);
	assert_int_equal(run.n[run.nc], NX + NY);
	/* y is under min_size 30: marked, kept out of Holm's family */
	assert_int_equal(run.small[x], EVAL_SMALL_NO);
	assert_int_equal(run.small[y], EVAL_SMALL_ROWS);
	assert_true(isnan(run.p_adj[y * run.nm]));
	{
		const struct paired_change *e = &run.ch[x * run.nm];

		assert_float_equal(e->a.value, 10.0 / NX, 1e-15);
		assert_float_equal(e->b.value, 20.0 / NX, 1e-15);
		assert_float_equal(e->diff.value, 10.0 / NX, 1e-15);
		assert_true(e->p >= 0 && e->p < 0.05);
		/* Holm over the family: never below the raw p-value */
		assert_true(run.p_adj[x * run.nm] >= e->p);
		e = &run.ch[y * run.nm];
		assert_float_equal(e->a.value, 3.0 / NY, 1e-15);
		assert_float_equal(e->diff.value, 0, 1e-15);
		e = &run.ch[run.nc * run.nm];	/* overall */
		assert_float_equal(e->a.value, 13.0 / (NX + NY), 1e-15);
		assert_float_equal(e->b.value, 23.0 / (NX + NY), 1e-15);
	}
	compare_run_release(&run);

	/* ids that differ do not pair */
	table_release(&tb);
	table_init(&tb, TASK_CLASSIFICATION);
	table_add_row(&tb, "other", 5);
	table_finish(&tb);
	{
		uint32_t *map = NULL;

		assert_int_equal(compare_pair_rows(&ta, &tb, &map), -1);
		assert_null(map);
	}
	table_release(&ta);
	table_release(&tb);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare__paired_by_cohort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
