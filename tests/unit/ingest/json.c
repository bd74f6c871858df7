/*
 * Unit tests for ingest/json.c: NDJSON and JSON-array bodies, every error
 * with its row, column and reason, and the same output however the body is
 * cut into chunks.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "ingest/json.h"
#include "tests/unit/ingest/harness.h"

struct json_case {
	const char *name;
	const char *in;
	const char *out;
};

static const struct json_case ndjson_cases[] = {
	{ "value kinds",
	  "{\"id\":\"a\",\"n\":1.50,\"b\":true,\"f\":false,\"z\":null}\n",
	  "H1 id,n,b,f,z\nR1 a|1.50|true|false|\\N\n" },
	{ "number text kept", "{\"a\":-0.0e+10,\"b\":1E5,\"c\":0,\"d\":-7}\n",
	  "H1 a,b,c,d\nR1 -0.0e+10|1E5|0|-7\n" },
	{ "escapes", "{\"a\":\"\\u00e9\\n\\\"\\\\\\/\\ud83d\\ude00\"}\n",
	  "H1 a\nR1 \xC3\xA9\\n\"\\\\/\xF0\x9F\x98\x80\n" },
	{ "escaped key", "{\"\\u0069d\":1}\n", "H1 id\nR1 1\n" },
	{ "blank lines, crlf, row = line",
	  "\n{\"id\":1}\r\n \t\n{\"id\":2}\r\n\n",
	  "H2 id\nR2 1\nR4 2\n" },
	{ "no final newline", "{\"id\":1}\n{\"id\":2}", "H1 id\nR1 1\nR2 2\n" },
	{ "bom", "\xEF\xBB\xBF{\"id\":1}\n", "H1 id\nR1 1\n" },
	{ "whitespace inside", "  { \"a\" :\t1 , \"b\" : \"x\" }  \n",
	  "H1 a,b\nR1 1|x\n" },
	{ "missing keys are null", "{\"a\":1,\"b\":2}\n{\"b\":3}\n{}\n",
	  "H1 a,b\nR1 1|2\nR2 \\N|3\nR3 \\N|\\N\n" },
	{ "key order free", "{\"a\":1,\"b\":2}\n{\"b\":3,\"a\":4}\n",
	  "H1 a,b\nR1 1|2\nR2 4|3\n" },
	{ "empty body", "", "" },
	{ "empty key and string", "{\"\":\"\"}\n", "H1 \nR1 \n" },

	/* errors */
	{ "unknown key", "{\"a\":1}\n{\"a\":2,\"c\":3}\n{\"a\":4}\n",
	  "H1 a\nR1 1\nR3 4\nE2 c: unknown column: the first line, which "
	  "defines the columns, has no key \"c\"\n" },
	{ "nested array", "{\"a\":[1],\"b\":2}\n{\"a\":1,\"b\":2}\n",
	  "H1 a,b\nR2 1|2\nE1 a: nested arrays and objects are not allowed (a value "
	  "is a string, number, true, false or null)\n" },
	{ "nested object", "{\"a\":1}\n{\"a\":{\"x\":1}}\n",
	  "H1 a\nR1 1\nE2 a: nested arrays and objects are not allowed (a "
	  "value is a string, number, true, false or null)\n" },
	{ "duplicate key", "{\"a\":1,\"b\":1,\"a\":2}\n{\"a\":1,\"a\":2}\n",
	  "H1 a,b\nE1 a: duplicate key\nE2 a: duplicate key\n" },
	{ "invalid utf-8 value", "{\"a\":\"\xff\"}\n{\"a\":\"ok\"}\n",
	  "H1 a\nR2 ok\nE1 a: value is not valid UTF-8\n" },
	{ "invalid utf-8 key", "{\"a\":1,\"\xff\":1}\n",
	  "H1 a\nE1 -: a key is not valid UTF-8\n" },
	{ "nul in value", "{\"a\":\"x\\u0000y\"}\n",
	  "H1 a\nE1 a: value contains a NUL character (\\u0000)\n" },
	{ "nul in key", "{\"a\\u0000\":1}\n",
	  "H1 \nE1 -: a key contains a NUL character (\\u0000)\n" },
	{ "escaped backslash then u0000 text", "{\"a\":\"\\\\u0000\"}\n",
	  "H1 a\nR1 \\\\u0000\n" },
	{ "array line", "[1,2]\n{\"a\":1}\n",
	  "H2 a\nR2 1\nE1 -: the line is not a JSON object\n" },
	{ "scalar line", "3\n\"x\"\nnull\n",
	  "E1 -: the line is not a JSON object\n"
	  "E2 -: the line is not a JSON object\n"
	  "E3 -: the line is not a JSON object\n" },
	{ "invalid json", "{\"a\":}\n{\"a\":1}\n",
	  "H2 a\nR2 1\nE1 -: invalid JSON (error near byte 6 of the line)\n" },
	{ "unterminated string", "{\"a\":\"x}\n",
	  "E1 -: invalid JSON (error near byte 7 of the line)\n" },
	{ "object across lines", "{\"a\":\n1}\n",
	  "E1 -: invalid JSON (error near byte 5 of the line)\n"
	  "E2 -: the line is not a JSON object\n" },
	{ "trailing text", "{\"a\":1} x\n{\"a\":1}{}\n",
	  "E1 -: unexpected text after the JSON object\n"
	  "E2 -: unexpected text after the JSON object\n" },
	{ "leading zero", "{\"a\":01}\n", "H1 a\nE1 a: invalid JSON number "
	  "\"01\"\n" },
	{ "bare dot", "{\"a\":1.}\n", "H1 a\nE1 a: invalid JSON number "
	  "\"1.\"\n" },
	{ "bad exponent", "{\"a\":1.5E}\n",
	  "E1 -: invalid JSON (error near byte 9 of the line)\n" },
	{ "plus sign", "{\"a\":+1}\n",
	  "E1 -: invalid JSON (error near byte 6 of the line)\n" },
	{ "infinity", "{\"a\":Infinity}\n",
	  "E1 -: invalid JSON (error near byte 6 of the line)\n" },
	/* cJSON takes any byte up to 32 as whitespace; RFC 8259 does not */
	{ "control byte between tokens", "{\"a\":\x01\"x\"}\n{\"a\":\"y\"}\n",
	  "H2 a\nR2 y\nE1 -: invalid JSON (a control character near byte 6 "
	  "of the line)\n" },
	{ "form feed between tokens", "{\"a\":1,\x0c\"b\":2}\n",
	  "E1 -: invalid JSON (a control character near byte 8 of the "
	  "line)\n" },
	{ "raw tab inside a string", "{\"a\":\"x\ty\"}\n",
	  "E1 -: invalid JSON (a control character near byte 8 of the "
	  "line)\n" },
	{ "escaped tab inside a string", "{\"a\":\"x\\ty\"}\n",
	  "H1 a\nR1 x\\ty\n" },
	/* Every state the input can end in, without a final newline. */
	{ "eof: bom only", "\xEF\xBB\xBF", "" },
	{ "eof: inside a bom", "\xEF\xBB", "E1 -: invalid JSON (error near byte 1 of the line)\n" },
	{ "eof: after a comma in an object", "{\"a\":1,", "E1 -: invalid JSON (error near byte 7 of the line)\n" },
	{ "eof: inside a string", "{\"a\":\"x", "E1 -: invalid JSON (error near byte 7 of the line)\n" },
	{ "eof: after an escape", "{\"a\":\"x\\", "E1 -: invalid JSON (error near byte 7 of the line)\n" },
	{ "eof: after a key", "{\"id\":1}\n{\"id\"", "H1 id\nR1 1\nE2 -: invalid JSON (error near byte 5 of the line)\n" },
	{ "eof: after a lone cr", "{\"id\":1}\r", "H1 id\nR1 1\n" },
	{ "lone surrogate", "{\"a\":\"\\ud800\"}\n",
	  "E1 -: invalid JSON (error near byte 7 of the line)\n" },
};

static const struct json_case array_cases[] = {
	{ "two objects", "[{\"id\":1},{\"id\":2}]",
	  "H1 id\nR1 1\nR2 2\n" },
	{ "whitespace and newlines", "\r\n[\n {\"id\":1} ,\n\t{\"id\":2}\n]\n",
	  "H1 id\nR1 1\nR2 2\n" },
	{ "brackets and quotes in strings",
	  "[{\"id\":\"}{][\"},{\"id\":\"\\\"}\"},{\"id\":\"\\\\\"}]",
	  "H1 id\nR1 }{][\nR2 \"}\nR3 \\\\\n" },
	{ "bom", "\xEF\xBB\xBF[{\"a\":1}]", "H1 a\nR1 1\n" },
	{ "empty array", "[]", "" },
	{ "empty array spaced", " [ \n ] \n", "" },
	{ "value kinds", "[{\"a\":\"x\",\"b\":2.50,\"c\":false,\"d\":null}]",
	  "H1 a,b,c,d\nR1 x|2.50|false|\\N\n" },
	{ "missing keys", "[{\"a\":1,\"b\":2},{\"a\":3}]",
	  "H1 a,b\nR1 1|2\nR2 3|\\N\n" },

	/* errors */
	{ "non-object elements",
	  "[{\"a\":1}, 5, \"x,]\", [1,{\"b\":[]}], null, {\"a\":2}]",
	  "H1 a\nR1 1\nR6 2\nE2 -: the element is not a JSON object\n"
	  "E3 -: the element is not a JSON object\n"
	  "E4 -: the element is not a JSON object\n"
	  "E5 -: the element is not a JSON object\n" },
	{ "nested value", "[{\"a\":[1]},{\"a\":2}]",
	  "H1 a\nR2 2\nE1 a: nested arrays and objects are not allowed (a value "
	  "is a string, number, true, false or null)\n" },
	{ "invalid element", "[{\"a\":tru},{\"a\":1}]",
	  "H2 a\nR2 1\nE1 -: invalid JSON (error near byte 6 of the element)\n" },
	{ "unknown key", "[{\"a\":1},{\"b\":1}]",
	  "H1 a\nR1 1\nE2 b: unknown column: the first element, which "
	  "defines the columns, has no key \"b\"\n" },
	{ "not an array", "{\"a\":1}",
	  "E0 -: the body is not a JSON array (it must start with '[')\n" },
	{ "empty body", "", "E0 -: the body is empty (expected a JSON array "
	  "of objects)\n" },
	{ "blank body", " \n", "E0 -: the body is empty (expected a JSON "
	  "array of objects)\n" },
	{ "unclosed array", "[{\"a\":1}",
	  "H1 a\nR1 1\nE0 -: the JSON array is not closed (']' is missing at "
	  "the end of the body)\n" },
	{ "unclosed after comma", "[{\"a\":1},",
	  "H1 a\nR1 1\nE0 -: the JSON array is not closed (']' is missing at "
	  "the end of the body)\n" },
	{ "unterminated element", "[{\"a\":1},{\"a\":\"}",
	  "H1 a\nR1 1\nE2 -: the element is not terminated (the body ends "
	  "inside it)\n" },
	{ "text after array", "[{\"a\":1}] x",
	  "H1 a\nR1 1\nE0 -: unexpected text after the closing ']' of the "
	  "array\n" },
	{ "two arrays", "[][]",
	  "E0 -: unexpected text after the closing ']' of the array\n" },
	{ "missing comma", "[{\"a\":1} {\"a\":2}]",
	  "H1 a\nR1 1\nE1 -: expected ',' or ']' after the element\n" },
	{ "trailing comma", "[{\"a\":1},]",
	  "H1 a\nR1 1\nE1 -: trailing comma before ']'\n" },
	/* Every state the input can end in. */
	{ "eof: bom only", "\xEF\xBB\xBF", "E0 -: the body is empty (expected a JSON array of objects)\n" },
	{ "eof: open bracket", "[", "E0 -: the JSON array is not closed (']' is missing at the end of the body)\n" },
	{ "eof: inside an element", "[{\"a\":1},{", "H1 a\nR1 1\nE2 -: the element is not terminated (the body ends inside it)\n" },
	{ "eof: inside a string", "[{\"a\":\"x", "E1 -: the element is not terminated (the body ends inside it)\n" },
	{ "eof: after an escape", "[{\"a\":\"\\", "E1 -: the element is not terminated (the body ends inside it)\n" },
	{ "missing element", "[,{\"a\":1}]",
	  "H2 a\nR2 1\nE1 -: missing element before ','\n" },
};

/* A number is held to FA_MAX_FIELD_BYTES like a string (found by fuzzing). */
static void test_json__long_number(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_adds(&in, "{\"a\":1");
		for (size_t i = 1; i < FA_MAX_FIELD_BYTES + (size_t)extra; i++)
			buf_addch(&in, '5');
		buf_adds(&in, "}\n");
		h_whole(INGEST_NDJSON, NULL, in.s, in.len, &out);
		if (extra)
			assert_string_equal(out.s, "H1 a\nE1 a: value is longer "
					    "than 65536 bytes (FA_MAX_FIELD_BYTES)\n");
		else
			assert_null(strstr(out.s, "E1"));
	}
	buf_release(&in);
	buf_release(&out);
}

static void test_json__ndjson_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ndjson_cases); i++) {
		const struct json_case *c = &ndjson_cases[i];

		print_message("# case %s\n", c->name);
		h_check_chunks(INGEST_NDJSON, NULL, c->in, strlen(c->in),
			       c->out);
	}
}

static void test_json__array_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(array_cases); i++) {
		const struct json_case *c = &array_cases[i];

		print_message("# case %s\n", c->name);
		h_check_chunks(INGEST_JSON, NULL, c->in, strlen(c->in),
			       c->out);
	}
}

/* After a fatal error feed says so and ignores the rest. */
static void test_json__fatal_stops(void **state)
{
	struct ingest_errors errs;
	struct ingest_sink sink = { NULL, NULL, NULL };
	struct json_parser *p;

	(void)state;
	ingest_errors_init(&errs);
	p = json_parser_new(true, &sink, &errs);
	assert_int_equal(json_parser_feed(p, "[{\"a\":1}", 8), 0);
	assert_int_equal(json_parser_feed(p, "x", 1), -1);
	assert_int_equal(json_parser_feed(p, "[[[", 3), -1);
	assert_int_equal(json_parser_finish(p), -1);
	assert_int_equal(errs.total, 1);
	json_parser_free(p);
	ingest_errors_release(&errs);
}

/* Strings are capped at FA_MAX_FIELD_BYTES after unescaping. */
static void test_json__string_length_limit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	for (size_t extra = 0; extra < 2; extra++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_adds(&in, "{\"a\":\"");
		for (size_t i = 0; i < FA_MAX_FIELD_BYTES + extra; i++)
			buf_addch(&in, 'x');
		buf_adds(&in, "\"}\n");
		h_whole(INGEST_NDJSON, NULL, in.s, in.len, &out);
		if (extra)
			assert_string_equal(out.s, "H1 a\nE1 a: value is longer "
					    "than 65536 bytes "
					    "(FA_MAX_FIELD_BYTES)\n");
		else
			assert_int_equal(out.len, 5 + 3 + FA_MAX_FIELD_BYTES + 1);
	}
	buf_release(&in);
	buf_release(&out);
}

/* More than FA_MAX_COLUMNS keys in the first object: the header is bad. */
static void test_json__column_limit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_addch(&in, '[');
		for (int row = 0; row < 2; row++) {
			buf_adds(&in, row ? ",{" : "{");
			for (int i = 0; i < FA_MAX_COLUMNS + extra; i++)
				buf_addf(&in, "%s\"k%d\":%d", i ? "," : "", i, i);
			buf_addch(&in, '}');
		}
		buf_addch(&in, ']');
		h_whole(INGEST_JSON, NULL, in.s, in.len, &out);
		if (extra) {
			assert_string_equal(out.s,
				"E1 -: the element has more than 256 keys "
				"(FA_MAX_COLUMNS)\n"
				"E2 k256: unknown column: the first element, "
				"which defines the columns, has no key "
				"\"k256\"\n");
		} else {
			assert_true(!strncmp(out.s, "H1 k0,k1,", 9));
			assert_non_null(strstr(out.s, "\nR2 0|1|2|"));
			assert_null(strstr(out.s, "\nE"));
		}
	}
	buf_release(&in);
	buf_release(&out);
}

/* A long generated array and NDJSON body cut at random. */
static void test_json__random_chunks(void **state)
{
	struct buf in = BUF_INIT, whole = BUF_INIT, got = BUF_INIT;
	uint64_t seed = 11;
	size_t cuts[4096];

	(void)state;
	for (int fmt = 0; fmt < 2; fmt++) {
		enum ingest_format f = fmt ? INGEST_JSON : INGEST_NDJSON;

		buf_reset(&in);
		buf_reset(&whole);
		if (fmt)
			buf_adds(&in, "[\n");
		for (int i = 0; i < 400; i++) {
			if (fmt && i)
				buf_adds(&in, ",\n");
			switch (h_rand(&seed) % 4) {
			case 0:
				buf_addf(&in, "{\"id\":%d,\"t\":\"a\\\"}{b\","
					 "\"x\":null}", i);
				break;
			case 1:
				buf_addf(&in, "{\"t\":\"\xC3\xA9\\u00e9\",\"id\":"
					 "\"%d\",\"x\":1.5e3}", i);
				break;
			case 2:
				buf_addf(&in, "{\"id\":%d,\"x\":[1]}", i);
				break;
			default:
				buf_addf(&in, " { \"id\" : %d } ", i);
			}
			if (!fmt)
				buf_adds(&in, i % 3 ? "\n" : "\r\n\n");
		}
		if (fmt)
			buf_adds(&in, "\n]\n");
		h_whole(f, NULL, in.s, in.len, &whole);
		assert_non_null(strstr(whole.s, "\nR"));
		for (int round = 0; round < 40; round++) {
			size_t nc = 0, at = 0;

			while (nc < ARRAY_SIZE(cuts)) {
				at += 1 + h_rand(&seed) %
				      (round < 20 ? 11 : 500);
				if (at >= in.len)
					break;
				cuts[nc++] = at;
			}
			buf_reset(&got);
			h_run(f, NULL, in.s, in.len, cuts, nc, &got);
			assert_string_equal(got.s, whole.s);
		}
	}
	buf_release(&in);
	buf_release(&whole);
	buf_release(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json__ndjson_cases),
		cmocka_unit_test(test_json__long_number),
		cmocka_unit_test(test_json__array_cases),
		cmocka_unit_test(test_json__fatal_stops),
		cmocka_unit_test(test_json__string_length_limit),
		cmocka_unit_test(test_json__column_limit),
		cmocka_unit_test(test_json__random_chunks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
