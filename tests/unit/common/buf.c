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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf__append_and_cap),
		cmocka_unit_test(test_buf__u64),
		cmocka_unit_test(test_buf__escaping),
		cmocka_unit_test(test_strmap__intern_many),
		cmocka_unit_test(test_util__parse_numbers),
		cmocka_unit_test(test_util__utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
