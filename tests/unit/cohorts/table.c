/*
 * Unit tests for cohorts/table.c's copies and hints: table_clone gives an
 * independent table equal in every column and dictionary, for every task;
 * table_reserve changes no content; table_add_interned_row takes only the
 * next id; table_concat of two parts gives the table built whole.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "cohorts/table.h"

/*
 * A table of task with rows [from, n) of one sequence, two attributes
 * and every task column.
 */
static void fill_rows(struct table *t, enum task task, size_t from, size_t n)
{
	char id[32], v[32];

	table_init(t, task);
	table_add_attr(t, "accent");
	table_add_attr(t, "age");
	for (size_t k = from; k < n; k++) {
		size_t i = k - from;
		int64_t r;

		snprintf(id, sizeof(id), "id-%zu", k);
		r = table_add_row(t, id, strlen(id));
		assert_int_equal(r, (int64_t)i);
		snprintf(v, sizeof(v), "a%zu", k % 5);
		table_set_attr(t, i, 0, v, strlen(v));
		if (k % 3) {
			snprintf(v, sizeof(v), "%zu", 20 + k % 40);
			table_set_attr(t, i, 1, v, strlen(v));
		}
		switch (task) {
		case TASK_CLASSIFICATION:
		case TASK_SCORE:
			t->label[i] = table_class(t, k % 2 ? "yes" : "no",
						  k % 2 ? 3 : 2);
			if (task == TASK_CLASSIFICATION)
				t->pred[i] = table_class(t, k % 3 ? "yes" : "no",
							 k % 3 ? 3 : 2);
			else
				t->pred_num[i] = (double)(k % 10) / 10;
			break;
		case TASK_REGRESSION:
			t->label_num[i] = (double)k / 7;
			t->pred_num[i] = (double)k / 9;
			break;
		case TASK_ASR:
			snprintf(v, sizeof(v), "spk%zu", k % 4);
			t->speaker[i] = table_speaker(t, v, strlen(v));
			t->asr[i].hits = (uint32_t)k;
			t->asr[i].ref_words = (uint32_t)k + 2;
			t->asr[i].sub = 1;
			t->asr[i].del = 1;
			break;
		}
	}
	if (task != TASK_ASR && task != TASK_REGRESSION)
		table_set_positive(t, "yes", 3);
	table_finish(t);
}

/* A table of task with n rows, two attributes and every task column. */
static void fill(struct table *t, enum task task, size_t n)
{
	fill_rows(t, task, 0, n);
}

static void same_map(const struct strmap *a, const struct strmap *b)
{
	assert_int_equal(a->n, b->n);
	for (uint32_t i = 0; i < a->n; i++) {
		assert_int_equal(strmap_len(a, i), strmap_len(b, i));
		assert_memory_equal(strmap_str(a, i), strmap_str(b, i),
				    strmap_len(a, i) + 1);
		assert_ptr_not_equal(strmap_str(a, i), strmap_str(b, i));
		assert_int_equal(strmap_find(b, strmap_str(a, i),
					     strmap_len(a, i)), i);
	}
}

static void test_table__clone(void **state)
{
	static const enum task tasks[] = {
		TASK_CLASSIFICATION, TASK_SCORE, TASK_REGRESSION, TASK_ASR,
	};
	static const size_t sizes[] = { 0, 1, 2500 };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(tasks); k++) {
		for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
			struct table a, b;
			size_t n = sizes[z];

			fill(&a, tasks[k], n);
			table_clone(&b, &a);
			assert_int_equal(b.task, a.task);
			assert_int_equal(b.nrows, n);
			assert_int_equal(b.positive, a.positive);
			same_map(&a.ids, &b.ids);
			same_map(&a.classes, &b.classes);
			same_map(&a.speakers, &b.speakers);
			assert_int_equal(b.nattrs, 2);
			for (size_t c = 0; c < 2; c++) {
				assert_string_equal(b.attrs[c].name,
						    a.attrs[c].name);
				same_map(&a.attrs[c].dict, &b.attrs[c].dict);
				assert_int_equal(b.attrs[c].numeric,
						 a.attrs[c].numeric);
				if (n)
					assert_memory_equal(b.attrs[c].codes,
							    a.attrs[c].codes,
							    n * 4);
				for (uint32_t v = 0; v < a.attrs[c].dict.n; v++) {
					double x = a.attrs[c].num[v],
					       y = b.attrs[c].num[v];

					assert_true(x == y ||
						    (isnan(x) && isnan(y)));
				}
			}
			if (n && a.label)
				assert_memory_equal(b.label, a.label, n * 4);
			if (n && a.pred)
				assert_memory_equal(b.pred, a.pred, n * 4);
			if (n && a.pred_num)
				assert_memory_equal(b.pred_num, a.pred_num,
						    n * sizeof(double));
			if (n && a.label_num)
				assert_memory_equal(b.label_num, a.label_num,
						    n * sizeof(double));
			if (n && a.asr)
				assert_memory_equal(b.asr, a.asr,
						    n * sizeof(*a.asr));
			if (n && a.speaker)
				assert_memory_equal(b.speaker, a.speaker, n * 4);
			assert_true(table_bytes(&b) > 0);
			/* independent: the original goes, the copy grows */
			table_release(&a);
			assert_int_equal(table_add_row(&b, "new", 3),
					 (int64_t)n);
			table_set_attr(&b, n, 0, "a1", 2);
			assert_int_equal(strmap_find(&b.ids, "new", 3),
					 (int64_t)n);
			table_release(&b);
		}
	}
}

static void test_table__reserve_and_interned_rows(void **state)
{
	struct table t;
	bool added;

	(void)state;
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "g");
	table_reserve(&t, 5000);
	assert_true(t.cap >= 5000);
	assert_int_equal(t.nrows, 0);
	strmap_intern(&t.ids, "a", 1, &added);
	assert_int_equal(table_add_interned_row(&t, 1), -1);	/* not next */
	assert_int_equal(table_add_interned_row(&t, 0), 0);
	assert_int_equal(table_add_interned_row(&t, 1), -1);	/* no id 1 */
	strmap_intern(&t.ids, "b", 1, &added);
	assert_int_equal(table_add_interned_row(&t, 1), 1);
	assert_int_equal(t.attrs[0].codes[1], 0);
	assert_int_equal(table_add_row(&t, "a", 1), -1);
	assert_int_equal(table_add_row(&t, "c", 1), 2);
	table_release(&t);
}

/*
 * A table's rows in two tables, the second appended to the first: the
 * same table as one built row by row, for every task (values first seen
 * in the second part get the next codes); an id in both is refused.
 */
static void test_table__concat(void **state)
{
	static const enum task tasks[] = { TASK_CLASSIFICATION, TASK_SCORE,
					   TASK_REGRESSION, TASK_ASR };

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(tasks); k++) {
		struct table whole, a, b, c;

		fill(&whole, tasks[k], 300);
		fill_rows(&a, tasks[k], 0, 3);	/* a0..a2 only */
		fill_rows(&b, tasks[k], 3, 300);
		assert_int_equal(table_concat(&a, &b), 0);
		table_finish(&a);
		assert_int_equal(a.nrows, 300);
		same_map(&whole.ids, &a.ids);
		same_map(&whole.classes, &a.classes);
		same_map(&whole.speakers, &a.speakers);
		assert_int_equal(whole.positive, a.positive);
		for (size_t i = 0; i < whole.nattrs; i++) {
			same_map(&whole.attrs[i].dict, &a.attrs[i].dict);
			assert_memory_equal(whole.attrs[i].codes, a.attrs[i].codes,
					    300 * sizeof(uint32_t));
			assert_int_equal(whole.attrs[i].numeric,
					 a.attrs[i].numeric);
		}
		for (size_t r = 0; r < 300; r++) {
			if (whole.label)
				assert_int_equal(whole.label[r], a.label[r]);
			if (whole.pred)
				assert_int_equal(whole.pred[r], a.pred[r]);
			if (whole.label_num)
				assert_true(whole.label_num[r] ==
					    a.label_num[r]);
			if (whole.pred_num)
				assert_true(whole.pred_num[r] == a.pred_num[r]);
			if (whole.speaker)
				assert_int_equal(whole.speaker[r],
						 a.speaker[r]);
			if (whole.asr)
				assert_memory_equal(&whole.asr[r], &a.asr[r],
						    sizeof(a.asr[r]));
		}
		fill_rows(&c, tasks[k], 299, 301);	/* id-299 again */
		assert_int_equal(table_concat(&a, &c), -1);
		table_release(&whole);
		table_release(&a);
		table_release(&b);
		table_release(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table__clone),
		cmocka_unit_test(test_table__reserve_and_interned_rows),
		cmocka_unit_test(test_table__concat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
