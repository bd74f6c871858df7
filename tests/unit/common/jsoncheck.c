/*
 * Unit tests for common/jsoncheck.c: accepted and refused bodies, every
 * state at the end of input, duplicate keys in small and large objects at
 * any depth, and random mutations checked against cJSON.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "common/buf.h"
#include "common/jsoncheck.h"

/* A literal with its length, so cases may hold NUL bytes. */
#define T(lit) lit, sizeof(lit) - 1

static const struct { const char *s; size_t n; } accepted[] = {
	{ T("{}") },
	{ T(" {\"a\": 1}\r\n\t ") },
	{ T("[]") },
	{ T("0") },
	{ T("-0.5e+10") },
	{ T("\"x\"") },
	{ T("true") },
	{ T("null") },
	{ T("{\"a\": [1, -2.5E3, true, false, null, \"x\\u00e9\\n\"], \"b\": {\"c\": \"d\"}}") },
	/* an escaped backslash, then plain text: not a NUL */
	{ T("{\"g\": \"race = 'a'\\\\u0000 OR 1\"}") },
	{ T("{\"s\": \"caf\xc3\xa9 \xf0\x9f\x98\x80 \\ud83d\\ude00 \\/ \\\"q\\\"\"}") },
	/* the same key in different objects, and "a" beside "ab" */
	{ T("{\"a\": {\"a\": 1}, \"ab\": [{\"a\": 1}, {\"a\": 2}]}") },
	/* keys that are equal only up to case or escaping of other bytes */
	{ T("{\"k\": 1, \"K\": 2, \"k\\n\": 3, \"k\\t\": 4}") },
	/* escaped control characters other than NUL are text */
	{ T("{\"c\": \"\\u0001\\u001f\"}") },
};

static const struct { const char *s; size_t n; const char *words; } refused[] = {
	/* NUL bytes: raw, inside strings, after the value */
	{ T("{\"a\": \"x\0y\"}"), "NUL byte (offset 8)" },
	{ T("{\"a\": 1}\0"), "found a NUL byte" },
	{ T("{\"a\"\0: 1}"), "found a NUL byte" },
	{ T("{\"g\": \"race = 'a'\\u0000 OR 1\"}"), "\\u0000" },
	{ T("{\"a\\u0000\": 1}"), "\\u0000" },
	{ T("{\"g\": \"\\\\\\u0000\"}"), "\\u0000" },	/* \\ then \u0000 */
	/* UTF-8 */
	{ T("{\"a\": \"\xff\"}"), "not valid UTF-8 (offset 7)" },
	{ T("{\"a\": \"\xc3\"}"), "not valid UTF-8" },		/* truncated */
	{ T("{\"a\": \"\xc0\xaf\"}"), "not valid UTF-8" },	/* overlong */
	{ T("{\"a\": \"\xed\xa0\x80\"}"), "not valid UTF-8" },	/* surrogate */
	{ T("{\"a\": \"\xf4\x90\x80\x80\"}"), "not valid UTF-8" },	/* > U+10FFFF */
	{ T("{\"\xe9\": 1}"), "not valid UTF-8" },
	{ T("\xef\xbb\xbf{}"), "found byte 0xef" },		/* a BOM */
	/* surrogates as escapes */
	{ T("{\"a\": \"\\ud800\"}"), "unpaired surrogate \\ud800" },
	{ T("{\"a\": \"\\ud800\\u0041\"}"), "unpaired surrogate" },
	{ T("{\"a\": \"\\udc00\"}"), "unpaired surrogate \\udc00" },
	/* trailing bytes */
	{ T("{\"a\": 1} x"), "nothing more after the value at offset 9" },
	{ T("{}{}"), "nothing more" },
	{ T("1 2"), "nothing more" },
	/* duplicate keys, at the top, nested, via escapes, many keys */
	{ T("{\"name\": \"a\", \"name\": \"b\"}"), "key \"name\" appears twice" },
	{ T("{\"by\": [[\"a\"]], \"x\": {\"k\": 1, \"k\": 2}}"), "key \"k\" appears twice" },
	{ T("[{\"a\": 1}, {\"b\": {\"c\": {\"d\": 1, \"d\": 2}}}]"), "key \"d\"" },
	{ T("{\"a\": 1, \"\\u0061\": 2}"), "key \"a\" appears twice" },
	{ T("{\"\\n\": 1, \"\\u000a\": 2}"), "key \"\\n\" appears twice" },
	/* grammar */
	{ T(""), "found the end of the body" },
	{ T("   "), "expected a value at offset 3" },
	{ T("{\"a\" 1}"), "expected ':'" },
	{ T("{\"a\": 1,}"), "a key in double quotes" },
	{ T("{a: 1}"), "a key in double quotes at offset 1" },
	{ T("[1, 2"), "found the end of the body" },
	{ T("[1 2]"), "',' or ']'" },
	{ T("{\"a\": 01}"), "',' or '}'" },
	{ T("{\"a\": -}"), "number at offset 6" },
	{ T("{\"a\": 1.}"), "number at offset 6" },
	{ T("{\"a\": 1e}"), "number" },
	{ T("{\"a\": tru}"), "expected a value" },
	{ T("{\"a\": \"x}"), "not closed" },
	{ T("{\"a\": \"x\\"), "not closed" },
	{ T("{\"a\": \"\\x\"}"), "invalid escape" },
	{ T("{\"a\": \"\\u12\"}"), "four hex digits" },
	{ T("{\"a\": \"tab\there\"}"), "control character 0x09" },
	{ T("{\"a\": 'x'}"), "found '''" },
};

static void test_jsoncheck__accepted(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(accepted); i++) {
		struct buf err = BUF_INIT;
		int rc = json_check(accepted[i].s, accepted[i].n, &err);

		if (rc)
			fail_msg("case %zu: %s", i, err.s);
		assert_int_equal(err.len, 0);	/* untouched on success */
		buf_release(&err);
	}
}

static void test_jsoncheck__refused(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
		struct buf err = BUF_INIT;
		int rc = json_check(refused[i].s, refused[i].n, &err);

		if (rc != -1)
			fail_msg("case %zu was accepted", i);
		if (!strstr(err.s, refused[i].words))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.s,
				 refused[i].words);
		/* one sentence: lower-case, no final period */
		assert_true(err.len > 0 && err.s[err.len - 1] != '.');
		assert_true(err.s[0] >= 'a' && err.s[0] <= 'z');
		buf_release(&err);
	}
}

/* Every proper prefix of an object ends in some state before its last. */
static void test_jsoncheck__every_prefix_is_incomplete(void **state)
{
	static const char doc[] =
		"{\"a\": [1, -2.5e3, 0, true, false, null, \"x\\u00e9\\ud83d\\ude00"
		"\\n\xc3\xa9\"], \"b\": {\"c\": \"d\", \"e\": {}}, \"f\": []}";
	size_t n = sizeof(doc) - 1;

	struct buf err = BUF_INIT;

	(void)state;
	if (json_check(doc, n, &err))
		fail_msg("%s", err.s);
	for (size_t k = 0; k < n; k++) {
		if (json_check(doc, k, &err) != -1)
			fail_msg("prefix of %zu bytes was accepted", k);
		buf_reset(&err);
	}
	buf_release(&err);
}

static void test_jsoncheck__large_objects(void **state)
{
	struct buf doc = BUF_INIT, err = BUF_INIT;

	(void)state;
	/* 5000 distinct keys, then the same with one repeated near the end */
	buf_addch(&doc, '{');
	for (int k = 0; k < 5000; k++)
		buf_addf(&doc, "%s\"id-%d\": %d", k ? ", " : "", k, k);
	buf_addch(&doc, '}');
	assert_int_equal(json_check(doc.s, doc.len, &err), 0);
	doc.len--;
	buf_adds(&doc, ", \"id-17\": 0, \"id-4\": 1}");
	assert_int_equal(json_check(doc.s, doc.len, &err), -1);
	/* both repeat; the one named is the first repetition in the text */
	assert_non_null(strstr(err.s, "key \"id-17\" appears twice"));
	buf_reset(&err);

	/* an array of 100000 small objects, as a bounty submission's h */
	buf_reset(&doc);
	buf_adds(&doc, "{\"group\": \"g\", \"predictions\": [");
	for (int k = 0; k < 100000; k++)
		buf_addf(&doc, "%s{\"id\": \"%d\", \"prediction\": 1}", k ? "," : "", k);
	buf_adds(&doc, "]}");
	assert_int_equal(json_check(doc.s, doc.len, &err), 0);

	/* a long duplicate key is quoted shortened, at a character boundary */
	buf_reset(&doc);
	buf_adds(&doc, "{\"");
	for (int k = 0; k < 40; k++)
		buf_adds(&doc, "\xc3\xa9");
	buf_adds(&doc, "\": 1, \"");
	for (int k = 0; k < 40; k++)
		buf_adds(&doc, "\xc3\xa9");
	buf_adds(&doc, "\": 2}");
	assert_int_equal(json_check(doc.s, doc.len, &err), -1);
	assert_non_null(strstr(err.s, "...\" appears twice"));
	assert_null(strstr(err.s, "\xc3\""));
	buf_release(&err);
	buf_release(&doc);
}

static void test_jsoncheck__depth(void **state)
{
	struct buf doc = BUF_INIT, err = BUF_INIT;

	(void)state;
	for (int k = 0; k < JSONCHECK_MAX_DEPTH; k++)
		buf_addch(&doc, '[');
	for (int k = 0; k < JSONCHECK_MAX_DEPTH; k++)
		buf_addch(&doc, ']');
	assert_int_equal(json_check(doc.s, doc.len, &err), 0);
	buf_reset(&doc);
	for (int k = 0; k <= JSONCHECK_MAX_DEPTH; k++)
		buf_addch(&doc, '[');
	for (int k = 0; k <= JSONCHECK_MAX_DEPTH; k++)
		buf_addch(&doc, ']');
	assert_int_equal(json_check(doc.s, doc.len, &err), -1);
	assert_non_null(strstr(err.s, "more than 1000 deep"));
	buf_release(&err);
	buf_release(&doc);
}

/*
 * Random byte mutations of valid bodies: the check never reads out of
 * bounds (run under the sanitizers and valgrind), and whatever it accepts
 * cJSON parses to the end of the text.
 */
static void test_jsoncheck__mutations_agree_with_cjson(void **state)
{
	static const char *const seeds[] = {
		"{\"name\": \"loan decisions\", \"task\": \"classification\"}",
		"{\"by\": [[\"accent\"], [\"accent\", \"gender\"]], \"min_cohort_size\": 1}",
		"{\"group\": \"race = 'a' AND age < 25\", \"predictions\": [{\"id\": \"1\","
		" \"prediction\": 0.5}]}",
		"[\"\\u00e9\\ud83d\\ude00\", -1.5e-3, {\"a\": {\"b\": null}}]",
	};
	static const char alphabet[] = "{}[]\",:\\u0aZ \x00\xc3\xa9\xff\xed";
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	char buf[256];

	(void)state;
	for (int round = 0; round < 200000; round++) {
		const char *s = seeds[round % ARRAY_SIZE(seeds)];
		size_t n = strlen(s);
		int edits;

		memcpy(buf, s, n);
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		edits = 1 + (int)((seed >> 60) & 3);
		for (int e = 0; e < edits; e++) {
			size_t at;

			if (n < 2)
				break;
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			at = (size_t)((seed >> 33) % n);
			switch ((seed >> 20) & 3) {
			case 0:		/* replace */
				buf[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
				break;
			case 1:		/* delete */
				memmove(buf + at, buf + at + 1, n - at - 1);
				n--;
				break;
			case 2:		/* cut */
				n = at + 1;
				break;
			default:	/* duplicate a byte */
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					n++;
				}
			}
		}
		{
			struct buf err = BUF_INIT;

			if (!json_check(buf, n, &err)) {
				const char *end = NULL;
				cJSON *j = cJSON_ParseWithLengthOpts(buf, n, &end, false);

				if (!j)
					fail_msg("accepted, but cJSON refuses: %.*s",
						 (int)n, buf);
				/* cJSON stops after the value; only blanks may follow */
				while (end < buf + n && strchr(" \t\r\n", *end))
					end++;
				assert_true(end == buf + n);
				cJSON_Delete(j);
			} else {
				assert_true(err.len > 0);
			}
			buf_release(&err);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsoncheck__accepted),
		cmocka_unit_test(test_jsoncheck__refused),
		cmocka_unit_test(test_jsoncheck__every_prefix_is_incomplete),
		cmocka_unit_test(test_jsoncheck__large_objects),
		cmocka_unit_test(test_jsoncheck__depth),
		cmocka_unit_test(test_jsoncheck__mutations_agree_with_cjson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
