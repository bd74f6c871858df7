/*
 * Unit tests for common/buf.c, common/strmap.c and common/util.c.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "common/strmap.h"
#include "common/util.h"

static void test_buf__append_and_cap(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "abcd"), 0);
	assert_int_equal(buf_addf(&b, "%d", 123), 0);
	assert_string_equal(b.s, "abcd123");
	assert_int_equal(buf_adds(&b, "xy"), -1);
	assert_true(b.toobig);
	assert_string_equal(b.s, "abcd123");
	buf_release(&b);
	assert_string_equal(b.s, "");
}

static void test_buf__u64(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	buf_add_u64(&b, 0);
	buf_addch(&b, ' ');
	buf_add_u64(&b, 42);
	buf_addch(&b, ' ');
	buf_add_u64(&b, UINT64_MAX);
	assert_string_equal(b.s, "0 42 18446744073709551615");
	buf_release(&b);
}

static void test_buf__escaping(void **state)
{
	struct buf b = BUF_INIT;
	const char *x = "<script>\"a\" & 'b'</script>";

	(void)state;
	buf_add_html_escaped(&b, x, strlen(x));
	assert_string_equal(b.s, "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;");
	buf_reset(&b);
	buf_add_json_escaped(&b, "a\"b\\\n\x01", 6);
	assert_string_equal(b.s, "a\\\"b\\\\\\n\\u0001");
	buf_release(&b);
}

static void test_strmap__intern_many(void **state)
{
	struct strmap m;
	char key[32];

	(void)state;
	strmap_init(&m);
	for (int i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof(key), "id-%d", i);
		assert_int_equal(strmap_intern(&m, key, (size_t)n, NULL), (uint32_t)i);
	}
	for (int i = 0; i < 100000; i += 997) {
		int n = snprintf(key, sizeof(key), "id-%d", i);
		assert_int_equal(strmap_find(&m, key, (size_t)n), i);
	}
	assert_int_equal(strmap_find(&m, "nope", 4), -1);
	assert_string_equal(strmap_str(&m, 42), "id-42");
	strmap_release(&m);
}

static void test_util__parse_numbers(void **state)
{
	static const struct { const char *s; int ok; double v; } cases[] = {
		{ "1", 0, 1 }, { "-2.5", 0, -2.5 }, { "1e3", 0, 1000 },
		{ "", -1, 0 }, { " 1", -1, 0 }, { "1x", -1, 0 }, { "nan", -1, 0 },
		{ "inf", -1, 0 }, { "0x10", -1, 0 }, { "1e999", -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double d = 0;
		int r = parse_double(cases[i].s, strlen(cases[i].s), &d);
		assert_int_equal(r, cases[i].ok);
		if (!r)
			assert_true(d == cases[i].v);
	}
	int64_t v;
	assert_int_equal(parse_i64("9223372036854775807", 19, &v), 0);
	assert_int_equal(parse_i64("9223372036854775808", 19, &v), -1);
}

static void test_util__utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid("caf\xc3\xa9", 5));
	assert_false(utf8_valid("\xc3", 1));
	assert_false(utf8_valid("\xc0\xaf", 2));	/* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
}

/* UTF-8 validity one code point at a time, by the rules of RFC 3629. */
static bool utf8_reference(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i], len, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
		if (!len || c > 0xF4 || i + len > n)
			return false;
		cp = c & (0xFF >> (len + 1));
		for (unsigned k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/*
 * utf8_valid and its eight-bytes-at-a-time ASCII runs against the
 * reference, on random texts of ASCII runs of every length, valid and
 * broken sequences (overlong, surrogate, above U+10FFFF, truncated, stray
 * continuation bytes) at every offset.  Fixed seed.
 */
static void test_util__utf8_random(void **state)
{
	static const char *const pieces[] = {
		"a", "abcdefg", "0123456789abcdef", "\xC3\xA9", "\xE2\x82\xAC",
		"\xF0\x9F\x98\x80", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
		"\xC3", "\xE2\x82", "\x80", "\xFF", "\xF5\x80\x80\x80", " ",
	};
	uint64_t seed = 3;
	char buf[256];

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t n = 0;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		for (size_t k = (size_t)(seed >> 59); k > 0; k--) {
			const char *p;

			seed = seed * 6364136223846793005ULL +
			       1442695040888963407ULL;
			/* mostly valid pieces, so long valid texts occur */
			p = pieces[(seed >> 40) % ((seed >> 62) ? 6 : ARRAY_SIZE(pieces))];
			if (n + strlen(p) >= sizeof(buf))
				break;
			memcpy(buf + n, p, strlen(p));
			n += strlen(p);
		}
		assert_int_equal(utf8_valid(buf, n) != 0,
				 utf8_reference((const unsigned char *)buf, n));
	}
}

/* A stable insertion sort by cmp_double: the reference. */
static void stable_sort(double *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && cmp_double(&v[j - 1], &v[j]) > 0; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/*
 * sort_doubles against the stable reference, bit for bit (so -0.0 and 0.0
 * keep their order): random sets with repeats, both zeros, infinities,
 * tiny and huge values, every size up to 300 and a few larger.  Fixed
 * seed.
 */
static void test_util__sort_doubles(void **state)
{
	static const double pool[] = {
		0.0, -0.0, 1.0, -1.0, 0.5, 0.25, 1e-300, -1e-300, 5e-324,
		1e300, -1e300, INFINITY, -INFINITY, 0.1, 0.2, 0.30000000000000004,
	};
	uint64_t seed = 99;

	(void)state;
	for (size_t n = 0; n < 1300; n += n < 300 ? 1 : 250) {
		double *a = xmalloc((n + 1) * sizeof(*a));
		double *b = xmalloc((n + 1) * sizeof(*b));

		for (size_t i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			if (seed >> 62)
				a[i] = pool[(seed >> 33) % ARRAY_SIZE(pool)];
			else
				a[i] = ((double)(seed >> 11) / 9007199254740992.0 -
					0.5) * ((seed >> 8 & 7) ? 1 : 1e10);
		}
		memcpy(b, a, n * sizeof(*a));
		sort_doubles(a, n);
		stable_sort(b, n);
		assert_memory_equal(a, b, n * sizeof(*a));
		free(a);
		free(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__append_and_cap),
		cmocka_unit_test(test_buf__u64),
		cmocka_unit_test(test_buf__escaping),
		cmocka_unit_test(test_strmap__intern_many),
		cmocka_unit_test(test_util__parse_numbers),
		cmocka_unit_test(test_util__utf8),
		cmocka_unit_test(test_util__utf8_random),
		cmocka_unit_test(test_util__sort_doubles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
