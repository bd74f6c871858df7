/*
 * Unit tests for common/idindex.c: every id found at its index, with and
 * without a hint, absent ids not found, duplicates reported once per extra
 * index with the smallest, at every size from empty to a directory of many
 * buckets, and a bucket filled by ids of one prefix of fingerprint.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/idindex.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

struct dups {
	size_t n;
	uint32_t last_val, last_first;
};

static void on_dup(void *ctx, uint32_t index, uint32_t first)
{
	struct dups *d = ctx;

	d->n++;
	d->last_val = index;
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
		/* put in a scrambled order */
		for (size_t i = 0; i < n; i++) {
			size_t j = (i * 7919) % n;
			int len = snprintf(id, sizeof(id), "id-%zu", j);

			idindex_put(&x, (uint32_t)j, id, (size_t)len);
		}
		idindex_build(&x, on_dup, &d);
		assert_int_equal(d.n, 0);
		assert_int_equal(idindex_count(&x), n);
		for (size_t i = 0; i < n; i++) {
			int len = snprintf(id, sizeof(id), "id-%zu", i);

			assert_int_equal(idindex_find(&x, id, (size_t)len),
					 (int64_t)i);
			/* the right hint, a wrong one, one past the end */
			assert_int_equal(idindex_find_hint(&x, i, id, (size_t)len),
					 (int64_t)i);
			assert_int_equal(idindex_find_hint(&x, i + 1, id,
							   (size_t)len), (int64_t)i);
			assert_int_equal(idindex_find_hint(&x, n + i, id,
							   (size_t)len), (int64_t)i);
		}
		for (size_t i = n; i < n + 50; i++) {
			int len = snprintf(id, sizeof(id), "id-%zu", i);

			assert_int_equal(idindex_find(&x, id, (size_t)len), -1);
			assert_int_equal(idindex_find_hint(&x, i - n, id,
							   (size_t)len), -1);
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
	assert_int_equal(idindex_add(&x, "b", 1), 0);
	assert_int_equal(idindex_add(&x, "a", 1), 1);
	for (uint32_t i = 2; i < 22; i++)
		assert_int_equal(idindex_add(&x, "same", 4), i);
	assert_int_equal(idindex_add(&x, "", 0), 22);
	assert_int_equal(idindex_add(&x, "a", 1), 23);
	idindex_build(&x, on_dup, &d);
	/* "same" 20 times: 19 extra indices; "a" twice: one */
	assert_int_equal(d.n, 19 + 1);
	assert_int_equal(idindex_find(&x, "same", 4), 2);
	assert_int_equal(idindex_find(&x, "a", 1), 1);
	assert_int_equal(idindex_find(&x, "", 0), 22);
	/* a hint at either of a duplicated id is taken */
	assert_int_equal(idindex_find_hint(&x, 23, "a", 1), 23);
	assert_int_equal(idindex_find_hint(&x, 0, "a", 1), 1);
	/* ids differing in one byte, or in length only, are distinct */
	assert_int_equal(idindex_find(&x, "a\0", 2), -1);
	assert_int_equal(idindex_find(&x, "c", 1), -1);
	assert_true(idindex_bytes(&x) >= idindex_count(&x) * 16);
	idindex_release(&x);
}

/*
 * Ids whose fingerprints share their top 14 bits (the bucket and the tag,
 * in an index of 2,048 ids): one bucket of about 250 slots, sorted by the
 * quicksort, with a duplicate among them.  The ids are the first of "c-0",
 * "c-1", ... that qualify: deterministic, nothing random.
 */
static void test_idindex__crowded_bucket(void **state)
{
	enum { PLAIN = 2048 - 251, CROWD = 250 };
	struct idindex x;
	struct dups d = { 0, 0, 0 };
	char id[32], first[32] = "";
	uint64_t want = 0;
	size_t crowd = 0;

	(void)state;
	idindex_init(&x);
	for (size_t i = 0; i < PLAIN; i++) {
		int len = snprintf(id, sizeof(id), "p-%zu", i);

		idindex_add(&x, id, (size_t)len);
	}
	for (size_t c = 0; crowd < CROWD; c++) {
		int len = snprintf(id, sizeof(id), "c-%zu", c);
		uint64_t h = XXH3_128bits(id, (size_t)len).low64;

		if (!crowd) {
			want = h >> 50;
			memcpy(first, id, sizeof(id));
		}
		if (h >> 50 != want)
			continue;
		assert_int_equal(idindex_add(&x, id, (size_t)len), PLAIN + crowd);
		crowd++;
	}
	assert_int_equal(idindex_add(&x, first, strlen(first)), 2047);
	idindex_build(&x, on_dup, &d);
	assert_int_equal(x.bits, 8);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.last_val, 2047);
	assert_int_equal(d.last_first, PLAIN);
	for (size_t i = 0; i < PLAIN; i++) {
		int len = snprintf(id, sizeof(id), "p-%zu", i);

		assert_int_equal(idindex_find(&x, id, (size_t)len), (int64_t)i);
	}
	crowd = 0;
	for (size_t c = 0; crowd < CROWD; c++) {
		int len = snprintf(id, sizeof(id), "c-%zu", c);
		int64_t at = idindex_find(&x, id, (size_t)len);

		if ((XXH3_128bits(id, (size_t)len).low64 >> 50) != want) {
			assert_int_equal(at, -1);
			continue;
		}
		assert_int_equal(at, (int64_t)(PLAIN + crowd));
		crowd++;
	}
	idindex_release(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idindex__sizes),
		cmocka_unit_test(test_idindex__duplicates),
		cmocka_unit_test(test_idindex__crowded_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
