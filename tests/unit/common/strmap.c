/*
 * Unit tests for common/strmap.c: interning and finding, the bulk path
 * (strmap_append then strmap_index) giving the same indices and finding
 * every duplicate with its first index, and strmap_reserve changing
 * nothing but capacity.  Keys include NUL bytes, the empty string and
 * strings longer than a storage chunk; the short keys that are hashed and
 * compared inline differ from one another in a single byte anywhere.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/strmap.h"

/* Key i of a set with some duplicates: "k<i % distinct>", NUL inside. */
static size_t key(char *out, size_t i, size_t distinct)
{
	int n = snprintf(out, 64, "k%zu", i % distinct);

	out[n] = '\0';
	out[n + 1] = (char)(i % distinct % 7);	/* a NUL or another byte */
	return (size_t)n + 2;
}

static void test_strmap__intern_and_find(void **state)
{
	struct strmap m;
	char k[64];
	bool added;

	(void)state;
	strmap_init(&m);
	assert_int_equal(strmap_find(&m, "a", 1), -1);
	assert_int_equal(strmap_intern(&m, "", 0, &added), 0);
	assert_true(added);
	for (size_t i = 0; i < 50000; i++) {
		size_t n = key(k, i, 30000);
		uint32_t v = strmap_intern(&m, k, n, &added);

		assert_int_equal(v, i < 30000 ? i + 1 : i % 30000 + 1);
		assert_int_equal(added, i < 30000);
	}
	assert_int_equal(m.n, 30001);
	for (size_t i = 0; i < 30000; i++) {
		size_t n = key(k, i, 30000);

		assert_int_equal(strmap_find(&m, k, n), (int64_t)i + 1);
		assert_int_equal(strmap_len(&m, (uint32_t)i + 1), n);
		assert_memory_equal(strmap_str(&m, (uint32_t)i + 1), k, n);
		assert_int_equal(strmap_str(&m, (uint32_t)i + 1)[n], '\0');
	}
	assert_int_equal(strmap_find(&m, "k30000", 6), -1);
	assert_int_equal(strmap_find(&m, "", 0), 0);
	strmap_release(&m);
}

struct dups {
	uint32_t (*v)[2];
	size_t n;
};

static void on_dup(void *ctx, uint32_t index, uint32_t first)
{
	struct dups *d = ctx;

	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	d->v[d->n][0] = index;
	d->v[d->n][1] = first;
	d->n++;
}

/*
 * Appending then indexing: each distinct key keeps its first index and is
 * found there; every later copy is reported once, in index order, with the
 * first index; the map then interns on as usual.
 */
static void test_strmap__append_and_index(void **state)
{
	static const size_t sizes[] = { 1, 2, 63, 64, 65, 1000, 70000 };
	char k[64];

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t n = sizes[s], distinct = n > 10 ? n - n / 10 : n;
		struct dups d = { NULL, 0 };
		struct strmap m;
		bool added;

		strmap_init(&m);
		if (s % 2)
			strmap_reserve(&m, n);
		for (size_t i = 0; i < n; i++) {
			size_t len = key(k, i, distinct);

			assert_int_equal(strmap_append(&m, k, len), i);
		}
		strmap_index(&m, on_dup, &d);
		assert_int_equal(d.n, n - distinct);
		for (size_t j = 0; j < d.n; j++) {
			assert_int_equal(d.v[j][0], distinct + j);
			assert_int_equal(d.v[j][1], (distinct + j) % distinct);
		}
		for (size_t i = 0; i < distinct; i++) {
			size_t len = key(k, i, distinct);

			assert_int_equal(strmap_find(&m, k, len), (int64_t)i);
		}
		assert_int_equal(strmap_intern(&m, "new", 3, &added), n);
		assert_true(added);
		/* appending again, then interning, indexes first */
		assert_int_equal(strmap_append(&m, "later", 5), n + 1);
		assert_int_equal(strmap_intern(&m, "later", 5, &added), n + 1);
		assert_false(added);
		free(d.v);
		strmap_release(&m);
	}
}

/* Reserving (before, between and after additions) changes no index. */
static void test_strmap__reserve(void **state)
{
	struct strmap a, b;
	char k[64];

	(void)state;
	strmap_init(&a);
	strmap_init(&b);
	strmap_reserve(&b, 10);
	for (size_t i = 0; i < 20000; i++) {
		size_t n = key(k, i * 7919, 15000);

		if (i == 5000)
			strmap_reserve(&b, 100000);
		assert_int_equal(strmap_intern(&a, k, n, NULL),
				 strmap_intern(&b, k, n, NULL));
	}
	strmap_reserve(&b, 3);
	assert_int_equal(a.n, b.n);
	for (uint32_t i = 0; i < a.n; i++)
		assert_int_equal(strmap_find(&b, strmap_str(&a, i),
					     strmap_len(&a, i)), i);
	strmap_release(&a);
	strmap_release(&b);
}

/* Keys longer than a storage chunk, among short ones. */
static void test_strmap__long_keys(void **state)
{
	size_t big = (3u << 20) + 5;
	char *s = xmalloc(big);
	struct strmap m;

	(void)state;
	memset(s, 'x', big);
	strmap_init(&m);
	for (size_t i = 0; i < 4; i++) {
		s[0] = (char)('a' + i);
		assert_int_equal(strmap_intern(&m, s, big - i, NULL), 2 * i);
		assert_int_equal(strmap_intern(&m, s, 1, NULL), 2 * i + 1);
	}
	s[0] = 'c';
	assert_int_equal(strmap_find(&m, s, big - 2), 4);
	assert_int_equal(strmap_find(&m, s, big - 3), -1);
	free(s);
	strmap_release(&m);
}

/*
 * Keys of 0 to 17 bytes (through and past STRMAP_SHORT, whose words
 * overlap differently at each length), each one byte off a base key of
 * its length, at every position and with bytes that matter to the words
 * (NUL, 0x80, 0xff): all distinct, all found, and a key never interned
 * not found.  The same base text at another length is another key.
 */
static void test_strmap__short_keys(void **state)
{
	static const unsigned char vals[] = { 0x00, 0x01, 0x80, 0xff };
	char base[18], k[18];
	struct strmap m;
	uint32_t want = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(base); i++)
		base[i] = (char)('a' + i);
	strmap_init(&m);
	for (size_t n = 0; n <= 17; n++) {
		bool added;

		assert_int_equal(strmap_intern(&m, base, n, &added), want++);
		assert_true(added);
		for (size_t p = 0; p < n; p++)
			for (size_t j = 0; j < sizeof(vals); j++) {
				memcpy(k, base, n);
				k[p] = (char)vals[j];
				assert_int_equal(strmap_intern(&m, k, n, &added),
						 want++);
				assert_true(added);
			}
	}
	want = 0;
	for (size_t n = 0; n <= 17; n++) {
		bool added;

		assert_int_equal(strmap_find(&m, base, n), want);
		assert_int_equal(strmap_intern(&m, base, n, &added), want++);
		assert_false(added);
		for (size_t p = 0; p < n; p++) {
			for (size_t j = 0; j < sizeof(vals); j++) {
				memcpy(k, base, n);
				k[p] = (char)vals[j];
				assert_int_equal(strmap_find(&m, k, n), want++);
			}
			memcpy(k, base, n);
			k[p] = '~';	/* never interned */
			assert_int_equal(strmap_find(&m, k, n), -1);
		}
	}
	assert_int_equal(m.n, want);
	strmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap__intern_and_find),
		cmocka_unit_test(test_strmap__append_and_index),
		cmocka_unit_test(test_strmap__reserve),
		cmocka_unit_test(test_strmap__long_keys),
		cmocka_unit_test(test_strmap__short_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
