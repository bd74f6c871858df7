/*
 * Unit tests for bounty/split.c: SipHash-2-4 against the reference test
 * vectors (Aumasson & Bernstein, key 00..0f, messages 00, 00 01, ...),
 * determinism, order independence and the holdout share on 100k ids.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "common/strmap.h"
#include "cohorts/bitset.h"
#include "bounty/split.h"

static const char secret[] = "bounty-7f3a secret seed, 32 bytes";

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void test_split__siphash_reference_vectors(void **state)
{
	/* Output bytes (little-endian) for messages of length 0, 1, ... */
	static const unsigned char vec[][8] = {
		{ 0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72 },
		{ 0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74 },
		{ 0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d },
		{ 0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85 },
		{ 0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf },
		{ 0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18 },
		{ 0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb },
		{ 0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab },
		{ 0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93 },
		{ 0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e },
		{ 0xf3, 0xb9, 0xdd, 0x94, 0xc5, 0xbb, 0x5d, 0x7a },
	};
	unsigned char key[16], msg[16];
	uint64_t k0, k1;

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = msg[i] = (unsigned char)i;
	k0 = le64(key);
	k1 = le64(key + 8);
	for (size_t n = 0; n < ARRAY_SIZE(vec); n++)
		assert_int_equal(siphash24(k0, k1, msg, n), le64(vec[n]));
	/* The worked example of the SipHash paper, appendix A. */
	assert_int_equal(siphash24(k0, k1, msg, 15), 0xa129ca6149be45e5ULL);
}

static void test_split__bad_parameters(void **state)
{
	static const struct { size_t n; double f; const char *msg; } cases[] = {
		{ 15, 0.5, "split secret is 15 bytes long, shorter than the "
			   "minimum of 16 bytes" },
		{ 32, 0.0, "holdout fraction 0 is not strictly between 0 and 1" },
		{ 32, 1.0, "holdout fraction 1 is not strictly between 0 and 1" },
		{ 32, -0.5, "holdout fraction -0.5 is not strictly between 0 "
			    "and 1" },
		{ 32, NAN, "holdout fraction nan is not strictly between 0 and "
			   "1" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct split s;
		struct buf err = BUF_INIT;

		assert_int_equal(split_init(&s, secret, cases[i].n, cases[i].f,
					    &err), -1);
		assert_string_equal(err.s, cases[i].msg);
		buf_release(&err);
	}
}

static void fill_ids(struct strmap *m, size_t n, bool reverse)
{
	char id[32];

	strmap_init(m);
	for (size_t i = 0; i < n; i++) {
		size_t k = reverse ? n - 1 - i : i;
		int len = snprintf(id, sizeof(id), "utt-%06zu", k);

		strmap_intern(m, id, (size_t)len, NULL);
	}
}

static void test_split__deterministic_and_order_free(void **state)
{
	struct split a, b, other;
	struct strmap fwd, rev;
	struct bitset hf = BITSET_INIT, hr = BITSET_INIT;
	struct buf err = BUF_INIT;
	const size_t n = 5000;
	size_t agree = 0;

	(void)state;
	assert_int_equal(split_init(&a, secret, strlen(secret), 0.5, &err), 0);
	assert_int_equal(split_init(&b, secret, strlen(secret), 0.5, &err), 0);
	assert_int_equal(split_init(&other, "another secret, 24 bytes", 24, 0.5,
				    &err), 0);
	assert_int_equal(err.len, 0);
	fill_ids(&fwd, n, false);
	fill_ids(&rev, n, true);
	split_table(&a, &fwd, &hf);
	split_table(&b, &rev, &hr);
	assert_int_equal(hf.nbits, n);
	/* The same id lands on the same side, whatever its row. */
	for (uint32_t i = 0; i < n; i++) {
		const char *id = strmap_str(&fwd, i);
		int64_t j = strmap_find(&rev, id, strlen(id));

		assert_true(j >= 0);
		assert_int_equal(bitset_test(&hf, i), bitset_test(&hr, (size_t)j));
		assert_int_equal(bitset_test(&hf, i),
				 split_is_holdout(&a, id, strlen(id)));
		agree += split_is_holdout(&other, id, strlen(id)) ==
			 bitset_test(&hf, i);
	}
	/* Another secret gives an unrelated split: agreement about 1/2. */
	assert_true(agree > n / 2 - 250 && agree < n / 2 + 250);
	bitset_release(&hf);
	bitset_release(&hr);
	strmap_release(&fwd);
	strmap_release(&rev);
	buf_release(&err);
}

static void test_split__fraction_on_100k_ids(void **state)
{
	static const double fractions[] = { 0.05, 0.3, 0.5, 0.8 };
	struct strmap ids;
	struct bitset h = BITSET_INIT, prev = BITSET_INIT;
	const size_t n = 100000;

	(void)state;
	fill_ids(&ids, n, false);
	for (size_t k = 0; k < ARRAY_SIZE(fractions); k++) {
		struct split s;
		struct buf err = BUF_INIT;
		double p = fractions[k];
		double sd = sqrt((double)n * p * (1 - p));
		double got;

		assert_int_equal(split_init(&s, secret, strlen(secret), p,
					    &err), 0);
		split_table(&s, &ids, &h);
		got = (double)bitset_count(&h);
		/* Within 5 binomial standard deviations of n p. */
		if (fabs(got - (double)n * p) > 5 * sd)
			fail_msg("fraction %g: %g held out of %zu", p, got, n);
		/* Raising the fraction only adds ids to the holdout. */
		if (k) {
			assert_int_equal(bitset_count_and(&prev, &h),
					 bitset_count(&prev));
		}
		bitset_copy(&prev, &h);
		buf_release(&err);
	}
	bitset_release(&h);
	bitset_release(&prev);
	strmap_release(&ids);
}

/*
 * The reporting part: a share of the holdout, carved out of it (never out
 * of the discovery part), the same ids whatever else is split; share 0
 * keeps split_table's holdout.  On 100,000 ids with the secret fixed the
 * counts are deterministic; the 5-standard-deviation bounds say they are
 * what the shares promise.
 */
static void test_split__reporting_part(void **state)
{
	struct strmap ids;
	struct bitset all = BITSET_INIT, h = BITSET_INIT, r = BITSET_INIT;
	struct split s;
	struct buf err = BUF_INIT;
	const size_t n = 100000;
	double want = n * 0.5 * 0.3, sd = sqrt(n * 0.15 * 0.85);

	(void)state;
	fill_ids(&ids, n, false);
	assert_int_equal(split_init(&s, secret, strlen(secret), 0.5, &err), 0);
	split_table(&s, &ids, &all);
	split_parts(&s, &ids, &h, &r);
	assert_int_equal(bitset_count(&r), 0);
	assert_int_equal(bitset_count_and(&h, &all), bitset_count(&all));
	assert_int_equal(split_set_reporting(&s, 0.3, &err), 0);
	split_parts(&s, &ids, &h, &r);
	if (fabs((double)bitset_count(&r) - want) > 5 * sd)
		fail_msg("%zu reporting ids of %zu", bitset_count(&r), n);
	assert_int_equal(bitset_count_and(&h, &r), 0);
	assert_int_equal(bitset_count_and(&r, &all), bitset_count(&r));
	assert_int_equal(bitset_count(&h) + bitset_count(&r),
			 bitset_count(&all));
	for (uint32_t i = 0; i < 1000; i++) {
		enum split_part p = split_part_of(&s, strmap_str(&ids, i),
						  strmap_len(&ids, i));

		assert_int_equal(p == SPLIT_REPORTING, bitset_test(&r, i));
		assert_int_equal(p == SPLIT_HOLDOUT, bitset_test(&h, i));
	}
	assert_int_equal(split_set_reporting(&s, 1, &err), -1);
	assert_string_equal(err.s, "reporting share 1 is not in [0, 1)");
	bitset_release(&all);
	bitset_release(&h);
	bitset_release(&r);
	buf_release(&err);
	strmap_release(&ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split__siphash_reference_vectors),
		cmocka_unit_test(test_split__bad_parameters),
		cmocka_unit_test(test_split__deterministic_and_order_free),
		cmocka_unit_test(test_split__fraction_on_100k_ids),
		cmocka_unit_test(test_split__reporting_part),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
