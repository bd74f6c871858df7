/*
 * Unit tests for cohorts/groupby.c on small hand-built tables.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/groupby.h"

/* Rows: id, accent, gender, age (one string per attribute). */
static void build(struct table *t, const char *const (*rows)[3], size_t n)
{
	char id[32];

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "accent");
	table_add_attr(t, "gender");
	table_add_attr(t, "age");
	for (size_t r = 0; r < n; r++) {
		int len = snprintf(id, sizeof(id), "r%zu", r);
		int64_t row = table_add_row(t, id, (size_t)len);

		assert_true(row == (int64_t)r);
		for (size_t a = 0; a < 3; a++)
			table_set_attr(t, r, a, rows[r][a], strlen(rows[r][a]));
		t->label[r] = table_class(t, "1", 1);
		t->pred[r] = t->label[r];
	}
	table_finish(t);
}

static const char *const rows1[][3] = {
	{ "us", "f", "34" },
	{ "scottish", "m", "61" },
	{ "us", "m", "9" },
	{ "", "f", "" },
	{ "Welsh", "f", "30" },
	{ "us", "f", "10" },
	{ "scottish", "f", "-3" },
	{ "us", "m", "60" },
};

static void label_is(const struct groupby *g, size_t c, size_t a,
		     const char *want)
{
	size_t len;
	const char *s = groupby_label(g, c, a, &len);

	assert_int_equal(len, strlen(want));
	assert_memory_equal(s, want, len);
}

static void test_groupby__single_sorted(void **state)
{
	struct table t;
	struct groupby g;
	struct buf err = BUF_INIT;
	struct groupby_attr at = { .attr = 0 };

	(void)state;
	build(&t, rows1, ARRAY_SIZE(rows1));
	assert_int_equal(groupby_run(&g, &t, &at, 1, NULL, &err), 0);
	assert_int_equal(err.len, 0);
	/* Byte order ("W" < "s" < "u"), missing last. */
	assert_int_equal(g.ncohorts, 4);
	label_is(&g, 0, 0, "Welsh");
	label_is(&g, 1, 0, "scottish");
	label_is(&g, 2, 0, "us");
	label_is(&g, 3, 0, "");
	assert_int_equal(g.size[0], 1);
	assert_int_equal(g.size[1], 2);
	assert_int_equal(g.size[2], 4);
	assert_int_equal(g.size[3], 1);
	assert_int_equal(g.cohort[0], 2);
	assert_int_equal(g.cohort[1], 1);
	assert_int_equal(g.cohort[3], 3);
	assert_int_equal(g.cohort[4], 0);
	assert_int_equal(groupby_find_level(&g, 0, "us", 2), 2);
	assert_int_equal(groupby_find_level(&g, 0, "fr", 2), -1);
	groupby_release(&g);

	/* Numeric attribute, unbinned: numeric order, missing last. */
	at.attr = 2;
	assert_int_equal(groupby_run(&g, &t, &at, 1, NULL, &err), 0);
	assert_int_equal(g.ncohorts, 8);
	label_is(&g, 0, 0, "-3");
	label_is(&g, 1, 0, "9");
	label_is(&g, 2, 0, "10");
	label_is(&g, 3, 0, "30");
	label_is(&g, 6, 0, "61");
	label_is(&g, 7, 0, "");
	groupby_release(&g);
	table_release(&t);
}

static void test_groupby__bins(void **state)
{
	static const double edges[] = { 0, 30, 45, 60 };
	struct table t;
	struct groupby g;
	struct buf err = BUF_INIT;
	struct groupby_attr at = { .attr = 2, .edges = edges, .nedges = 4 };
	struct buf b = BUF_INIT;

	(void)state;
	build(&t, rows1, ARRAY_SIZE(rows1));
	assert_int_equal(groupby_run(&g, &t, &at, 1, NULL, &err), 0);
	/* ages 34 61 9 "" 30 10 -3 60 */
	assert_int_equal(g.ncohorts, 6);
	label_is(&g, 0, 0, "<0");
	label_is(&g, 1, 0, "[0,30)");
	label_is(&g, 2, 0, "[30,45)");
	label_is(&g, 3, 0, "[45,60]");
	label_is(&g, 4, 0, ">60");
	label_is(&g, 5, 0, "");
	assert_int_equal(g.size[0], 1);
	assert_int_equal(g.size[1], 2);	/* 9, 10 */
	assert_int_equal(g.size[2], 2);	/* 34, 30 */
	assert_int_equal(g.size[3], 1);	/* 60: last bin is closed */
	assert_int_equal(g.size[4], 1);
	assert_int_equal(g.size[5], 1);
	assert_int_equal(groupby_find_level(&g, 0, "[45,60]", 7), 3);
	groupby_release(&g);

	assert_int_equal(groupby_bin_level(edges, 4, 45), 3);
	assert_int_equal(groupby_bin_level(edges, 4, 44.999), 2);
	assert_int_equal(groupby_bin_level(edges, 4, 0), 1);
	assert_int_equal(groupby_bin_level(edges, 4, NAN), 5);
	groupby_format_number(&b, 0.1);
	buf_addch(&b, ' ');
	groupby_format_number(&b, 1e6);
	buf_addch(&b, ' ');
	groupby_format_number(&b, 1.0 / 3);
	buf_addch(&b, ' ');
	groupby_format_number(&b, -2.5);
	assert_string_equal(b.s, "0.1 1000000 0.3333333333333333 -2.5");
	buf_release(&b);
	table_release(&t);
}

static void test_groupby__intersection(void **state)
{
	struct table t;
	struct groupby g;
	struct buf err = BUF_INIT;
	const struct groupby_attr at[2] = { { .attr = 0 }, { .attr = 1 } };
	uint32_t lv[2];

	(void)state;
	build(&t, rows1, ARRAY_SIZE(rows1));
	assert_int_equal(groupby_run(&g, &t, at, 2, NULL, &err), 0);
	/* Welsh/f, scottish/f, scottish/m, us/f, us/m, ""/f */
	assert_int_equal(g.ncohorts, 6);
	label_is(&g, 0, 0, "Welsh");
	label_is(&g, 0, 1, "f");
	label_is(&g, 1, 0, "scottish");
	label_is(&g, 1, 1, "f");
	label_is(&g, 2, 1, "m");
	label_is(&g, 3, 0, "us");
	label_is(&g, 3, 1, "f");
	label_is(&g, 4, 1, "m");
	label_is(&g, 5, 0, "");
	assert_int_equal(g.size[3], 2);
	assert_int_equal(g.size[4], 2);
	assert_int_equal(g.cohort[7], 4);
	lv[0] = (uint32_t)groupby_find_level(&g, 0, "us", 2);
	lv[1] = (uint32_t)groupby_find_level(&g, 1, "m", 1);
	assert_int_equal(groupby_find(&g, lv), 4);
	lv[0] = (uint32_t)groupby_find_level(&g, 0, "Welsh", 5);
	assert_int_equal(groupby_find(&g, lv), -1);
	groupby_release(&g);
	table_release(&t);
}

/* The hashed path must agree with the dense one on a wider table. */
static void test_groupby__hashed_matches_dense(void **state)
{
	struct table t;
	struct groupby d, h;
	struct buf err = BUF_INIT;
	static const double edges[] = { 10, 20, 50 };
	const struct groupby_attr at[3] = {
		{ .attr = 0 }, { .attr = 1 }, { .attr = 2, .edges = edges,
						.nedges = 3 },
	};
	const struct groupby_opts tiny = { .dense_max = 1 };
	uint64_t x = 12345;
	char id[32], v[32];

	(void)state;
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "a");
	table_add_attr(&t, "b");
	table_add_attr(&t, "n");
	for (size_t r = 0; r < 5000; r++) {
		int len = snprintf(id, sizeof(id), "%zu", r);

		table_add_row(&t, id, (size_t)len);
		for (size_t a = 0; a < 3; a++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			len = snprintf(v, sizeof(v), "%u",
				       (unsigned)((x >> 33) % (a == 2 ? 70 : 13)));
			table_set_attr(&t, r, a, v, (x >> 20) % 17 ? (size_t)len : 0);
		}
	}
	table_finish(&t);
	assert_int_equal(groupby_run(&d, &t, at, 3, NULL, &err), 0);
	assert_int_equal(groupby_run(&h, &t, at, 3, &tiny, &err), 0);
	assert_true(d.ncohorts > 500);
	assert_int_equal(d.ncohorts, h.ncohorts);
	assert_memory_equal(d.cohort, h.cohort, 5000 * sizeof(uint32_t));
	assert_memory_equal(d.levels, h.levels,
			    d.ncohorts * 3 * sizeof(uint32_t));
	assert_memory_equal(d.size, h.size, d.ncohorts * sizeof(uint64_t));
	for (size_t c = 1; c < d.ncohorts; c++) {
		int cmp = 0;

		for (size_t a = 0; a < 3 && !cmp; a++)
			cmp = (groupby_level(&d, c - 1, a) >
			       groupby_level(&d, c, a)) -
			      (groupby_level(&d, c - 1, a) <
			       groupby_level(&d, c, a));
		assert_true(cmp < 0);
	}
	groupby_release(&d);
	groupby_release(&h);
	table_release(&t);
}

static void test_groupby__errors(void **state)
{
	struct table t;
	struct groupby g;
	struct buf err = BUF_INIT;
	static const double bad[] = { 0, 30, 30 };
	static const double ok[] = { 0, 30 };
	const struct groupby_attr dup[2] = { { .attr = 1 }, { .attr = 1 } };
	const struct groupby_attr badbins = { .attr = 2, .edges = bad,
					      .nedges = 3 };
	const struct groupby_attr strbins = { .attr = 0, .edges = ok,
					      .nedges = 2 };
	const struct groupby_attr one = { .attr = 0 };
	const struct groupby_attr nope = { .attr = 7 };
	const struct groupby_opts lim = { .max_cohorts = 3 };

	(void)state;
	build(&t, rows1, ARRAY_SIZE(rows1));
	assert_int_equal(groupby_run(&g, &t, dup, 2, NULL, &err), -1);
	assert_string_equal(err.s, "attribute \"gender\" appears twice in "
			    "one grouping");
	buf_reset(&err);
	assert_int_equal(groupby_run(&g, &t, &badbins, 1, NULL, &err), -1);
	assert_string_equal(err.s, "bin edges of \"age\" must be strictly "
			    "increasing, but edge 2 (30) is not above the one "
			    "before");
	buf_reset(&err);
	assert_int_equal(groupby_run(&g, &t, &strbins, 1, NULL, &err), -1);
	assert_string_equal(err.s, "cannot bin attribute \"accent\": it has "
			    "values that are not numbers");
	buf_reset(&err);
	assert_int_equal(groupby_run(&g, &t, &one, 1, &lim, &err), -1);
	assert_string_equal(err.s, "grouping by \"accent\" gives at least 4 "
			    "cohorts, more than the limit of 3");
	buf_reset(&err);
	assert_int_equal(groupby_run(&g, &t, &nope, 1, NULL, &err), -1);
	buf_reset(&err);
	assert_int_equal(groupby_run(&g, &t, &one, 0, NULL, &err), -1);
	buf_reset(&err);
	assert_int_equal(groupby_check_edges(ok, 1, "age", &err), -1);
	assert_string_equal(err.s, "bins for \"age\" need between 2 and 1000 "
			    "edges, got 1");
	buf_release(&err);
	table_release(&t);
}

static void test_groupby__empty_table(void **state)
{
	struct table t;
	struct groupby g;
	struct buf err = BUF_INIT;
	const struct groupby_attr at = { .attr = 0 };

	(void)state;
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "a");
	table_finish(&t);
	assert_int_equal(groupby_run(&g, &t, &at, 1, NULL, &err), 0);
	assert_int_equal(g.ncohorts, 0);
	groupby_release(&g);
	table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_groupby__single_sorted),
		cmocka_unit_test(test_groupby__bins),
		cmocka_unit_test(test_groupby__intersection),
		cmocka_unit_test(test_groupby__hashed_matches_dense),
		cmocka_unit_test(test_groupby__errors),
		cmocka_unit_test(test_groupby__empty_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
