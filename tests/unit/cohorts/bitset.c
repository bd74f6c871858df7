/*
 * Unit tests for cohorts/bitset.c: every operation against a plain bool
 * array, at sizes around word boundaries.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "cohorts/bitset.h"

static const size_t sizes[] = { 0, 1, 63, 64, 65, 127, 128, 129, 1000 };

/* A small deterministic generator (xorshift64*). */
static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void fill_random(struct bitset *b, bool *ref, size_t n, unsigned pct)
{
	bitset_reset(b, n);
	for (size_t i = 0; i < n; i++) {
		ref[i] = rnd() % 100 < pct;
		if (ref[i])
			bitset_set(b, i);
	}
}

static void assert_matches(const struct bitset *b, const bool *ref, size_t n)
{
	size_t count = 0;

	assert_int_equal(b->nbits, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bitset_test(b, i), ref[i]);
		count += ref[i];
	}
	assert_int_equal(bitset_count(b), count);
	/* The tail of the last word stays clear. */
	if (n % 64)
		assert_int_equal(b->w[b->nwords - 1] >> (n % 64), 0);
}

static void test_bitset__set_test_count(void **state)
{
	struct bitset b = BITSET_INIT;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		bool *ref = xcalloc(n + 1, sizeof(*ref));

		fill_random(&b, ref, n, 30);
		assert_matches(&b, ref, n);
		for (size_t i = 0; i < n; i += 3) {
			bitset_unset(&b, i);
			ref[i] = false;
		}
		assert_matches(&b, ref, n);
		bitset_fill(&b);
		for (size_t i = 0; i < n; i++)
			ref[i] = true;
		assert_matches(&b, ref, n);
		free(ref);
	}
	bitset_release(&b);
	assert_null(b.w);
	assert_int_equal(b.nbits, 0);
}

static void test_bitset__and_or_andnot_not(void **state)
{
	struct bitset a = BITSET_INIT, b = BITSET_INIT, c = BITSET_INIT;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k];
		bool *ra = xcalloc(n + 1, 1), *rb = xcalloc(n + 1, 1);
		bool *rc = xcalloc(n + 1, 1);
		size_t inter = 0;

		fill_random(&a, ra, n, 40);
		fill_random(&b, rb, n, 60);
		for (size_t i = 0; i < n; i++)
			inter += ra[i] && rb[i];
		assert_int_equal(bitset_count_and(&a, &b), inter);

		bitset_copy(&c, &a);
		bitset_and(&c, &b);
		for (size_t i = 0; i < n; i++)
			rc[i] = ra[i] && rb[i];
		assert_matches(&c, rc, n);

		bitset_copy(&c, &a);
		bitset_or(&c, &b);
		for (size_t i = 0; i < n; i++)
			rc[i] = ra[i] || rb[i];
		assert_matches(&c, rc, n);

		bitset_copy(&c, &a);
		bitset_andnot(&c, &b);
		for (size_t i = 0; i < n; i++)
			rc[i] = ra[i] && !rb[i];
		assert_matches(&c, rc, n);

		bitset_copy(&c, &a);
		bitset_not(&c);
		for (size_t i = 0; i < n; i++)
			rc[i] = !ra[i];
		assert_matches(&c, rc, n);
		/* Double complement is the identity. */
		bitset_not(&c);
		assert_true(bitset_equal(&c, &a));
		free(ra);
		free(rb);
		free(rc);
	}
	bitset_release(&a);
	bitset_release(&b);
	bitset_release(&c);
}

static void test_bitset__iteration(void **state)
{
	struct bitset b = BITSET_INIT;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		size_t n = sizes[k], seen = 0, prev = 0;
		bool *ref = xcalloc(n + 1, 1);

		fill_random(&b, ref, n, 10);
		bitset_foreach(&b, i) {
			assert_true(i < n);
			assert_true(ref[i]);
			if (seen)
				assert_true(i > prev);
			prev = i;
			seen++;
		}
		assert_int_equal(seen, bitset_count(&b));
		assert_int_equal(bitset_next(&b, n), n);
		assert_int_equal(bitset_next(&b, n + 100), n);
		free(ref);
	}
	/* Rows exactly on word boundaries. */
	bitset_reset(&b, 200);
	bitset_set(&b, 63);
	bitset_set(&b, 64);
	bitset_set(&b, 199);
	assert_int_equal(bitset_next(&b, 0), 63);
	assert_int_equal(bitset_next(&b, 64), 64);
	assert_int_equal(bitset_next(&b, 65), 199);
	assert_int_equal(bitset_next(&b, 200), 200);
	bitset_release(&b);
}

static void test_bitset__jaccard(void **state)
{
	static const struct {
		size_t a[4], na, b[4], nb;
		double j;
	} cases[] = {
		{ { 1, 2, 3 }, 3, { 2, 3, 4 }, 3, 0.5 },	/* 2 / 4 */
		{ { 1, 2, 3 }, 3, { 1, 2, 3 }, 3, 1.0 },
		{ { 1 }, 1, { 2 }, 1, 0.0 },
		{ { 0 }, 0, { 0 }, 0, 1.0 },			/* empty, empty */
		{ { 0, 64, 65, 99 }, 4, { 64, 99 }, 2, 0.5 },
		{ { 5 }, 1, { 0 }, 0, 0.0 },
	};
	struct bitset a = BITSET_INIT, b = BITSET_INIT;

	(void)state;
	for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
		bitset_reset(&a, 100);
		bitset_reset(&b, 100);
		for (size_t i = 0; i < cases[k].na; i++)
			bitset_set(&a, cases[k].a[i]);
		for (size_t i = 0; i < cases[k].nb; i++)
			bitset_set(&b, cases[k].b[i]);
		assert_float_equal(bitset_jaccard(&a, &b), cases[k].j, 1e-15);
		assert_float_equal(bitset_jaccard(&b, &a), cases[k].j, 1e-15);
	}
	bitset_release(&a);
	bitset_release(&b);
}

static void test_bitset__reset_reuses_and_clears(void **state)
{
	struct bitset b = BITSET_INIT, c = BITSET_INIT;

	(void)state;
	bitset_reset(&b, 130);
	bitset_fill(&b);
	bitset_reset(&b, 130);
	assert_int_equal(bitset_count(&b), 0);
	bitset_reset(&b, 5);
	assert_int_equal(b.nwords, 1);
	bitset_not(&b);
	assert_int_equal(bitset_count(&b), 5);
	assert_int_equal(b.w[0], 0x1f);
	bitset_copy(&c, &b);
	assert_true(bitset_equal(&b, &c));
	bitset_reset(&c, 6);
	assert_false(bitset_equal(&b, &c));
	bitset_release(&b);
	bitset_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitset__set_test_count),
		cmocka_unit_test(test_bitset__and_or_andnot_not),
		cmocka_unit_test(test_bitset__iteration),
		cmocka_unit_test(test_bitset__jaccard),
		cmocka_unit_test(test_bitset__reset_reuses_and_clears),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
