/*
 * Unit tests for evaluate/across.c and table_append: two sets as one
 * table, ids and speakers kept apart, shared attributes only, and the
 * refusals.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/across.h"

/* A binary table: attributes attrs, rows "x0".. with labels and predictions. */
static void binary(struct table *t, const char *const *attrs, size_t na,
		   const char *positive, int rows)
{
	table_init(t, TASK_CLASSIFICATION);
	for (size_t a = 0; a < na; a++)
		table_add_attr(t, attrs[a]);
	table_set_positive(t, positive, strlen(positive));
	for (int i = 0; i < rows; i++) {
		char id[16];
		int n = snprintf(id, sizeof(id), "x%d", i);
		size_t r = (size_t)table_add_row(t, id, (size_t)n);

		t->label[r] = table_class(t, i % 2 ? positive : "0",
					  i % 2 ? strlen(positive) : 1);
		t->pred[r] = table_class(t, i % 3 ? positive : "0",
					 i % 3 ? strlen(positive) : 1);
		for (size_t a = 0; a < na; a++)
			table_set_attr(t, r, a, i % 2 ? "p" : "q", 1);
	}
	table_finish(t);
}

static const char *cls(const struct table *t, uint32_t c)
{
	return strmap_str(&t->classes, c);
}

static void test_across__one_table(void **state)
{
	static const char *const aa[] = { "accent", "dataset", "age" };
	static const char *const ba[] = { "age", "accent" };
	struct table a, b, c;
	struct across_side sa = { "lab", &a }, sb = { "field", &b };
	struct buf err = BUF_INIT;
	char *attr;
	int side, acc;

	(void)state;
	binary(&a, aa, 3, "yes", 4);
	binary(&b, ba, 2, "yes", 6);
	assert_int_equal(across_table(&c, &sa, &sb, &attr, &err), 0);
	/* "dataset" is taken: the side attribute is dataset_2; the shared
	   attributes are accent and age, not a's own "dataset" */
	assert_string_equal(attr, "dataset_2");
	assert_int_equal(c.nattrs, 3);
	assert_true(table_find_attr(&c, "dataset") < 0);
	assert_int_equal(c.nrows, 10);
	assert_true(strmap_find(&c.ids, "a:x0", 4) >= 0);
	assert_true(strmap_find(&c.ids, "b:x0", 4) >= 0);
	side = table_find_attr(&c, attr);
	acc = table_find_attr(&c, "accent");
	for (size_t r = 0; r < c.nrows; r++) {
		const struct attr_col *s = &c.attrs[side];
		size_t o = r < 4 ? r : r - 4;
		const struct table *src = r < 4 ? &a : &b;

		assert_string_equal(strmap_str(&s->dict, s->codes[r]),
				    r < 4 ? "lab" : "field");
		assert_string_equal(cls(&c, c.label[r]),
				    cls(src, src->label[o]));
		assert_string_equal(cls(&c, c.pred[r]), cls(src, src->pred[o]));
		assert_string_equal(strmap_str(&c.attrs[acc].dict,
					       c.attrs[acc].codes[r]),
				    o % 2 ? "p" : "q");
	}
	assert_string_equal(cls(&c, (uint32_t)c.positive), "yes");
	free(attr);
	table_release(&c);

	/* the refusals */
	sb.label = "lab";
	assert_int_equal(across_table(&c, &sa, &sb, &attr, &err), -1);
	assert_non_null(strstr(err.s, "different labels"));
	table_release(&c);
	table_release(&b);
	binary(&b, ba, 2, "no", 2);
	sb.label = "field";
	buf_reset(&err);
	assert_int_equal(across_table(&c, &sa, &sb, &attr, &err), -1);
	assert_non_null(strstr(err.s, "positive labels differ"));
	assert_null(attr);
	table_release(&c);
	table_release(&b);
	table_init(&b, TASK_REGRESSION);
	table_add_attr(&b, "accent");
	table_finish(&b);
	buf_reset(&err);
	assert_int_equal(across_table(&c, &sa, &sb, &attr, &err), -1);
	assert_non_null(strstr(err.s, "different tasks"));
	table_release(&c);
	table_release(&b);
	table_release(&a);
	buf_release(&err);
}

static void test_across__speakers_kept_apart(void **state)
{
	static const char *const at[] = { "accent" };
	struct table a, b, c;
	struct across_side sa = { "lab", &a }, sb = { "field", &b };
	struct buf err = BUF_INIT;
	char *attr;

	(void)state;
	for (int s = 0; s < 2; s++) {
		struct table *t = s ? &b : &a;

		table_init(t, TASK_ASR);
		table_add_attr(t, at[0]);
		for (int i = 0; i < 3; i++) {
			char id[16];
			int n = snprintf(id, sizeof(id), "s1-%d", i);
			size_t r = (size_t)table_add_row(t, id, (size_t)n);

			t->speaker[r] = table_speaker(t, "s1", 2);
			t->asr[r].hits = (uint32_t)(10 + s);
			t->asr[r].ref_words = (uint32_t)(10 + s);
		}
		table_finish(t);
	}
	assert_int_equal(across_table(&c, &sa, &sb, &attr, &err), 0);
	assert_int_equal(c.speakers.n, 2);	/* a:s1 and b:s1 */
	assert_int_not_equal(c.speaker[0], c.speaker[3]);
	assert_int_equal(c.asr[3].hits, 11);
	free(attr);
	table_release(&a);
	table_release(&b);
	table_release(&c);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_across__one_table),
		cmocka_unit_test(test_across__speakers_kept_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
