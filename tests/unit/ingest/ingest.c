/*
 * Unit tests for ingest/ingest.c: format detection, the error list (cap,
 * total, JSON and text forms), quoting user data, text checks, the byte
 * order mark state and the line splitter.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "ingest/ingest.h"

static void test_ingest__format_from_path(void **state)
{
	static const struct {
		const char *path;
		int ret;
		enum ingest_format f;
	} cases[] = {
		{ "a.csv", 0, INGEST_CSV }, { "dir.x/A.CSV", 0, INGEST_CSV },
		{ "a.ndjson", 0, INGEST_NDJSON }, { "a.jsonl", 0, INGEST_NDJSON },
		{ "a.json", 0, INGEST_JSON }, { "ref.trn", 0, INGEST_TRN },
		{ "a.txt", -1, 0 }, { "csv", -1, 0 }, { ".csv", -1, 0 },
		{ "a.csv.gz", -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf err = BUF_INIT;
		enum ingest_format f = INGEST_CSV;
		int r = ingest_format_from_path(cases[i].path, &f, &err);

		assert_int_equal(r, cases[i].ret);
		if (!r) {
			assert_int_equal(f, cases[i].f);
			assert_int_equal(err.len, 0);
		} else {
			assert_non_null(strstr(err.s, cases[i].path));
		}
		buf_release(&err);
	}
	struct buf err = BUF_INIT;
	enum ingest_format f;
	ingest_format_from_path("x.txt", &f, &err);
	assert_string_equal(err.s, "cannot tell the format of \"x.txt\" from "
			    "its extension (expected .csv, .ndjson, .jsonl, "
			    ".json or .trn)");
	buf_release(&err);
	assert_string_equal(ingest_format_name(INGEST_NDJSON), "ndjson");
}

static void test_ingest__format_from_content_type(void **state)
{
	static const struct {
		const char *ct;
		int ret;
		enum ingest_format f;
	} cases[] = {
		{ "text/csv", 0, INGEST_CSV },
		{ "text/csv; charset=utf-8", 0, INGEST_CSV },
		{ " Text/CSV ;header=present", 0, INGEST_CSV },
		{ "application/x-ndjson", 0, INGEST_NDJSON },
		{ "application/jsonl", 0, INGEST_NDJSON },
		{ "application/json", 0, INGEST_JSON },
		{ "text/x-trn", 0, INGEST_TRN },
		{ "text/plain", -1, 0 }, { "", -1, 0 }, { NULL, -1, 0 },
		{ "text/csvx", -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf err = BUF_INIT;
		enum ingest_format f = INGEST_CSV;
		int r = ingest_format_from_content_type(cases[i].ct, &f, &err);

		assert_int_equal(r, cases[i].ret);
		if (!r)
			assert_int_equal(f, cases[i].f);
		else
			assert_true(err.len > 0);
		buf_release(&err);
	}
	struct buf err = BUF_INIT;
	enum ingest_format f;
	ingest_format_from_content_type("text/html; q=1", &f, &err);
	assert_string_equal(err.s, "unsupported upload content type "
			    "\"text/html\" (expected text/csv, "
			    "application/x-ndjson, application/json or "
			    "text/x-trn)");
	buf_release(&err);
}

static void test_ingest__errors_cap_and_total(void **state)
{
	struct ingest_errors e;
	struct buf b = BUF_INIT;

	(void)state;
	ingest_errors_init(&e);
	for (int i = 0; i < 250; i++)
		ingest_errors_addf(&e, (uint64_t)i + 2, i % 2 ? "label" : NULL,
				   "bad value %d", i);
	assert_int_equal(e.n, FA_MAX_ERRORS);
	assert_int_equal(e.total, 250);
	assert_int_equal(e.v[0].row, 2);
	assert_null(e.v[0].column);
	assert_string_equal(e.v[1].column, "label");
	assert_string_equal(e.v[99].reason, "bad value 99");
	ingest_errors_text(&e, &b);
	assert_true(!strncmp(b.s, "row 2: bad value 0\nrow 3, column "
			     "\"label\": bad value 1\n", 41));
	assert_non_null(strstr(b.s, "\n(150 more errors not shown)\n"
			       "all errors, by kind:\n"
			       "  125 like row 2: bad value 0\n"
			       "  125 like row 3, column \"label\": bad value 1\n"));
	/* Kinds are (format, column); counts go on past the list's end. */
	buf_reset(&b);
	ingest_errors_count(&e, "label", "bad value %d", 1000);
	ingest_errors_summary_json(&e, &b);
	assert_string_equal(b.s, "[{\"column\":\"label\",\"count\":1125,"
			    "\"first_row\":3,\"first_reason\":\"bad value 1\"},"
			    "{\"column\":null,\"count\":125,\"first_row\":2,"
			    "\"first_reason\":\"bad value 0\"}]");
	assert_int_equal(e.total, 1250);
	buf_reset(&b);
	ingest_add_count(&b, 1234567);
	ingest_add_count(&b, 0);
	ingest_add_count(&b, 999);
	assert_string_equal(b.s, "1,234,5670999");
	ingest_errors_clear(&e);
	assert_int_equal(e.n, 0);
	assert_int_equal(e.total, 0);
	ingest_errors_release(&e);
	buf_release(&b);
}

static void test_ingest__errors_json(void **state)
{
	struct ingest_errors e;
	struct buf b = BUF_INIT;

	(void)state;
	ingest_errors_init(&e);
	ingest_errors_json(&e, &b);
	assert_string_equal(b.s, "[]");
	buf_reset(&b);
	ingest_errors_addf(&e, 3, "la\"bel", "label \"x\\y\" is bad");
	ingest_errors_addf(&e, 0, "id", "example \"e1\" has no prediction");
	ingest_errors_addf(&e, 0, NULL, "the upload has no data rows");
	ingest_errors_json(&e, &b);
	assert_string_equal(b.s,
		"[{\"row\":3,\"column\":\"la\\\"bel\",\"reason\":\"label "
		"\\\"x\\\\y\\\" is bad\"},"
		"{\"row\":null,\"column\":\"id\",\"reason\":\"example "
		"\\\"e1\\\" has no prediction\"},"
		"{\"row\":null,\"column\":null,\"reason\":\"the upload has "
		"no data rows\"}]");
	buf_reset(&b);
	ingest_errors_text(&e, &b);
	assert_string_equal(b.s, "row 3, column \"la\"bel\": label \"x\\y\" "
			    "is bad\ncolumn \"id\": example \"e1\" has no "
			    "prediction\nthe upload has no data rows\n");
	ingest_errors_release(&e);
	buf_release(&b);
}

/* Column names in errors are cut and made valid UTF-8. */
static void test_ingest__errors_column_sanitised(void **state)
{
	struct ingest_errors e;
	char longname[400];

	(void)state;
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ingest_errors_init(&e);
	ingest_errors_addf(&e, 1, "a\xff" "b\tc", "x");
	ingest_errors_addf(&e, 1, longname, "x");
	assert_string_equal(e.v[0].column, "a\xEF\xBF\xBD" "b?c");
	assert_int_equal(strlen(e.v[1].column), FA_MAX_NAME_BYTES + 3);
	assert_string_equal(e.v[1].column + FA_MAX_NAME_BYTES, "...");
	ingest_errors_release(&e);
}

static void test_ingest__quote(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "abc", "\"abc\"" },
		{ "", "\"\"" },
		{ "tab\there\n", "\"tab?here?\"" },
		{ "bad\xff\xfe", "\"bad\xEF\xBF\xBD\xEF\xBF\xBD\"" },
		{ "\xC3\xA9t\xC3\xA9", "\"\xC3\xA9t\xC3\xA9\"" },
		{ "0123456789012345678901234567890123456789"
		  "012345678901234567890123456789",
		  "\"01234567890123456789012345678901234567"
		  "89012345678901234567890123...\"" },
		/* cut at a character boundary, never inside one */
		{ "0123456789012345678901234567890123456789"
		  "0123456789012345678901"
		  "\xE2\x82\xAC" "x",
		  "\"01234567890123456789012345678901234567"
		  "890123456789012345678901...\"" },
		{ "0123456789012345678901234567890123456789"
		  "012345678901234567890"
		  "\xE2\x82\xAC",
		  "\"01234567890123456789012345678901234567"
		  "89012345678901234567890"
		  "\xE2\x82\xAC\"" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		ingest_quote(&b, cases[i].in, strlen(cases[i].in));
		assert_string_equal(b.s, cases[i].out);
		buf_release(&b);
	}
}

static void test_ingest__text_check(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int want;
	} cases[] = {
		{ "plain ascii", 11, INGEST_TEXT_OK },
		{ "", 0, INGEST_TEXT_OK },
		{ "\xC3\xA9", 2, INGEST_TEXT_OK },
		{ "\xF0\x9F\x98\x80", 4, INGEST_TEXT_OK },
		{ "a\0b", 3, INGEST_TEXT_NUL },
		{ "\xC3", 1, INGEST_TEXT_UTF8 },
		{ "\xC0\x80", 2, INGEST_TEXT_UTF8 },	/* overlong NUL */
		{ "\xED\xA0\x80", 3, INGEST_TEXT_UTF8 },	/* surrogate */
		{ "\xF4\x90\x80\x80", 4, INGEST_TEXT_UTF8 },	/* > U+10FFFF */
		{ "\x80", 1, INGEST_TEXT_UTF8 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(ingest_text_check(cases[i].s, cases[i].n),
				 cases[i].want);
	assert_string_equal(ingest_text_reason(INGEST_TEXT_NUL),
			    "contains a NUL byte");
	assert_string_equal(ingest_text_reason(INGEST_TEXT_UTF8),
			    "is not valid UTF-8");
}

/* The mark may come in pieces; a partial mark is handed back as data. */
static void test_ingest__bom(void **state)
{
	struct ingest_bom b = { 0, false };
	const char *d;
	size_t n;

	(void)state;
	d = "\xEF";
	n = 1;
	assert_int_equal(ingest_bom_step(&b, &d, &n), 0);
	assert_int_equal(n, 0);
	d = "\xBB\xBFx";
	n = 3;
	assert_int_equal(ingest_bom_step(&b, &d, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(*d, 'x');
	assert_true(b.done);
	assert_int_equal(ingest_bom_flush(&b), 0);

	b = (struct ingest_bom){ 0, false };
	d = "\xEF\xBB";
	n = 2;
	assert_int_equal(ingest_bom_step(&b, &d, &n), 0);
	d = "z";
	n = 1;
	assert_int_equal(ingest_bom_step(&b, &d, &n), 2);
	assert_int_equal(n, 1);

	b = (struct ingest_bom){ 0, false };
	d = "\xEF";
	n = 1;
	ingest_bom_step(&b, &d, &n);
	assert_int_equal(ingest_bom_flush(&b), 1);
	assert_int_equal(ingest_bom_flush(&b), 0);
}

static void lines_collect(void *ctx, uint64_t line, const char *s, size_t n)
{
	buf_addf(ctx, "%llu:", (unsigned long long)line);
	buf_add(ctx, s, n);
	buf_addch(ctx, '|');
}

static void test_ingest__lines(void **state)
{
	static const char in[] = "ab\r\n\nlong line here\ncd\nlast";
	struct ingest_errors e;

	(void)state;
	for (size_t step = 1; step <= sizeof(in); step++) {
		struct ingest_lines l;
		struct buf out = BUF_INIT;

		ingest_errors_init(&e);
		ingest_lines_init(&l, 8, &e, lines_collect, &out);
		for (size_t at = 0; at < sizeof(in) - 1; at += step) {
			size_t k = sizeof(in) - 1 - at;

			ingest_lines_feed(&l, in + at, k < step ? k : step);
		}
		ingest_lines_finish(&l);
		assert_string_equal(out.s, "1:ab\r|2:|4:cd|5:last|");
		assert_int_equal(e.total, 1);
		assert_int_equal(e.v[0].row, 3);
		assert_string_equal(e.v[0].reason, "line is longer than 8 "
				    "bytes");
		ingest_lines_release(&l);
		ingest_errors_release(&e);
		buf_release(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ingest__format_from_path),
		cmocka_unit_test(test_ingest__format_from_content_type),
		cmocka_unit_test(test_ingest__errors_cap_and_total),
		cmocka_unit_test(test_ingest__errors_json),
		cmocka_unit_test(test_ingest__errors_column_sanitised),
		cmocka_unit_test(test_ingest__quote),
		cmocka_unit_test(test_ingest__text_check),
		cmocka_unit_test(test_ingest__bom),
		cmocka_unit_test(test_ingest__lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
