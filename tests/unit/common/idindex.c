/*
 * Unit tests for common/idindex.c: every id found with its value, absent
 * ids not found, duplicates reported once per extra record with the
 * smallest value, at every size from empty to a directory of many buckets.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/idindex.h"

struct dups {
	size_t n;
	uint32_t last_val, last_first;
};

static void on_dup(void *ctx, uint32_t val, uint32_t first)
{
	struct dups *d = ctx;

	d->n++;
	d->last_val = val;
	d->last_first = first;
}

static void test_idindex__sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 7, 8, 9, 17, 100, 4097, 100000 };
	char id[32];

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct idindex x;
		struct dups d = { 0, 0, 0 };
		size_t n = sizes[k];

		idindex_init(&x);
		/* added in a scrambled order; values are the ordinals */
		for (size_t i = 0; i < n; i++) {
			size_t j = (i * 7919) % n;
			int len = snprintf(id, sizeof(id), "id-%zu", j);

			idindex_add(&x, id, (size_t)len, (uint32_t)j);
		}
		idindex_build(&x, on_dup, &d);
		assert_int_equal(d.n, 0);
		assert_int_equal(idindex_count(&x), n);
		for (size_t i = 0; i < n; i++) {
			int len = snprintf(id, sizeof(id), "id-%zu", i);

			assert_int_equal(idindex_find(&x, id, (size_t)len),
					 (int64_t)i);
		}
		for (size_t i = n; i < n + 50; i++) {
			int len = snprintf(id, sizeof(id), "id-%zu", i);

			assert_int_equal(idindex_find(&x, id, (size_t)len), -1);
		}
		assert_int_equal(idindex_find(&x, "", 0), -1);
		idindex_release(&x);
	}
}

static void test_idindex__duplicates(void **state)
{
	struct idindex x;
	struct dups d = { 0, 0, 0 };

	(void)state;
	idindex_init(&x);
	idindex_add(&x, "a", 1, 10);
	idindex_add(&x, "b", 1, 11);
	for (uint32_t v = 40; v > 20; v--)
		idindex_add(&x, "same", 4, v);
	idindex_add(&x, "", 0, 5);
	idindex_add(&x, "a", 1, 3);
	idindex_build(&x, on_dup, &d);
	/* "same" 20 times: 19 extra records; "a" twice: one */
	assert_int_equal(d.n, 19 + 1);
	assert_int_equal(idindex_find(&x, "same", 4), 21);
	assert_int_equal(idindex_find(&x, "a", 1), 3);
	assert_int_equal(idindex_find(&x, "", 0), 5);
	/* ids differing in one byte, or in length only, are distinct */
	assert_int_equal(idindex_find(&x, "a\0", 2), -1);
	assert_int_equal(idindex_find(&x, "c", 1), -1);
	assert_true(idindex_bytes(&x) >= idindex_count(&x) * 16);
	idindex_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idindex__sizes),
		cmocka_unit_test(test_idindex__duplicates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
