/*
 * Unit tests for ingest/csv.c: RFC 4180 cases, every error with its row,
 * column and reason, and the same output however the input is cut into
 * chunks.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "ingest/csv.h"
#include "tests/unit/ingest/harness.h"

struct csv_case {
	const char *name;
	const char *in;
	size_t len;		/* 0 = strlen(in) */
	const char *out;
};

static const struct csv_case cases[] = {
	/* RFC 4180 and friends */
	{ "lf", "id,label\n1,a\n2,b\n", 0,
	  "H1 id,label\nR2 1|a\nR3 2|b\n" },
	{ "crlf", "id,label\r\n1,a\r\n2,b\r\n", 0,
	  "H1 id,label\nR2 1|a\nR3 2|b\n" },
	{ "lone cr", "a,b\r1,2\r", 0, "H1 a,b\nR2 1|2\n" },
	{ "no final newline", "id,label\n1,a", 0, "H1 id,label\nR2 1|a\n" },
	{ "bom", "\xEF\xBB\xBFid,label\n1,a\n", 0, "H1 id,label\nR2 1|a\n" },
	{ "bom only", "\xEF\xBB\xBF", 0,
	  "E1 -: the body has no header row (a CSV upload starts with a row "
	  "of column names)\n" },
	{ "not a bom", "\xEF\xBB" "a\n1\n", 0,
	  "E1 -: the name of column 1 of the header is not valid UTF-8\n" },
	{ "bom-like data", "x\n\xEF\xBB\xBF\n", 0, "H1 x\nR2 \xEF\xBB\xBF\n" },
	{ "quoted comma, quote, newline",
	  "id,text\n1,\"a,b\"\n2,\"say \"\"hi\"\"\"\n3,\"line1\nline2\"\n4,x\n",
	  0,
	  "H1 id,text\nR2 1|a,b\nR3 2|say \"hi\"\nR4 3|line1\\nline2\n"
	  "R5 4|x\n" },
	{ "quoted crlf kept", "a\n\"x\r\ny\"\r\n", 0, "H1 a\nR2 x\\r\\ny\n" },
	{ "quoted header", "\"id\",\"la,bel\"\n1,2\n", 0,
	  "H1 id,la,bel\nR2 1|2\n" },
	{ "null and empty", "a,b,c\n,\"\",x\n", 0, "H1 a,b,c\nR2 \\N||x\n" },
	{ "trailing comma", "a,b\n1,\n", 0, "H1 a,b\nR2 1|\\N\n" },
	{ "empty quoted at eof", "a,b\n1,\"\"", 0, "H1 a,b\nR2 1|\n" },
	{ "spaces kept", "a,b\n x , y\n", 0, "H1 a,b\nR2  x | y\n" },
	{ "header only", "id,label\n", 0, "H1 id,label\n" },
	{ "trailing empty line", "id,x\n1,2\n\n", 0, "H1 id,x\nR2 1|2\n" },
	{ "trailing empty lines crlf", "id,x\r\n1,2\r\n\r\n\r\n", 0,
	  "H1 id,x\nR2 1|2\n" },
	{ "utf-8", "name\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n", 0,
	  "H1 name\nR2 \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\n" },
	{ "one column blank line", "id\n1\n\n3\n", 0,
	  "H1 id\nR2 1\nR3 \\N\nR4 3\n" },

	/* errors */
	{ "empty line", "id,x\n1,2\n\n3,4\n", 0,
	  "H1 id,x\nR2 1|2\nR4 3|4\nE3 -: empty line, expected 2 fields\n" },
	{ "empty lines crlf", "id,x\r\n\r\n\r\n3,4\r\n", 0,
	  "H1 id,x\nR4 3|4\nE2 -: empty line, expected 2 fields\n"
	  "E3 -: empty line, expected 2 fields\n" },
	{ "blank before header", "\nid\n1\n", 0,
	  "H2 id\nR3 1\nE1 -: empty line where the header row was "
	  "expected\n" },
	{ "ragged", "a,b,c\n1,2\n1,2,3,4\n5,6,7\n", 0,
	  "H1 a,b,c\nR4 5|6|7\nE2 -: row has 2 fields, expected 3\n"
	  "E3 -: row has 4 fields, expected 3\n" },
	{ "ragged one field", "a,b\nx\n", 0,
	  "H1 a,b\nE2 -: row has 1 field, expected 2\n" },
	{ "quote in unquoted", "a,b\n1,x\"y\n2,z\n", 0,
	  "H1 a,b\nR3 2|z\n"
	  "E2 b: quote character inside an unquoted field\n" },
	{ "quote in unquoted once per field", "a,b\n\"\"\"\",x\"y\"z\n", 0,
	  "H1 a,b\nE2 b: quote character inside an unquoted field\n" },
	{ "text after closing quote", "a,b\n\"x\"y,1\n2,3\n", 0,
	  "H1 a,b\nR3 2|3\n"
	  "E2 a: text after the closing quote of a quoted field\n" },
	{ "unterminated quote", "a,b\n1,\"abc\n2,3\n", 0,
	  "H1 a,b\nE2 b: unterminated quoted field (the closing quote is "
	  "missing)\n" },
	{ "unterminated quote in header", "a,\"b\n", 0,
	  "E1 -: unterminated quoted field (the closing quote is missing)\n" },
	{ "invalid utf-8", "a,b\n1,\xff\n2,ok\n", 0,
	  "H1 a,b\nR3 2|ok\nE2 b: field is not valid UTF-8\n" },
	{ "overlong utf-8", "a,b\n\xC0\xAF,1\n", 0,
	  "H1 a,b\nE2 a: field is not valid UTF-8\n" },
	{ "surrogate", "a\n\xED\xA0\x80\n", 0,
	  "H1 a\nE2 a: field is not valid UTF-8\n" },
	{ "utf-8 split across fields", "a,b\n\xC3,\xA9\n", 0,
	  "H1 a,b\nE2 a: field is not valid UTF-8\n"
	  "E2 b: field is not valid UTF-8\n" },
	{ "nul byte", "a,b\n1,x\0y\n2,3\n", 14,
	  "H1 a,b\nR3 2|3\nE2 b: field contains a NUL byte\n" },
	{ "extra field has no column", "a\n1,\xff\n", 0,
	  "H1 a\nE2 -: row has 2 fields, expected 1\n" },
	{ "empty column name", "a,,c\n1,2,3\n", 0,
	  "E1 -: column 2 of the header has an empty name\n" },
	{ "empty quoted column name", "\"\"\n1\n", 0,
	  "E1 -: column 1 of the header has an empty name\n" },
	{ "duplicate column", "a,b,a\n1,2,3\n", 0,
	  "E1 a: duplicate column name (columns 1 and 3)\n" },
	{ "header error keeps checking rows", "a,a\n1\n1,\xff\n", 0,
	  "E1 a: duplicate column name (columns 1 and 2)\n"
	  "E2 -: row has 1 field, expected 2\n"
	  "E3 a: field is not valid UTF-8\n" },
	{ "invalid utf-8 column name", "a,\xfe\n1,2\n", 0,
	  "E1 -: the name of column 2 of the header is not valid UTF-8\n" },
	{ "empty body", "", 0,
	  "E1 -: the body has no header row (a CSV upload starts with a row "
	  "of column names)\n" },
	{ "blank body", "\n\r\n", 0,
	  "E1 -: the body has no header row (a CSV upload starts with a row "
	  "of column names)\n" },
	/*
	 * Every state the input can end in, without a final newline: right
	 * after a separator (in the header and in a data row), inside a
	 * quoted field, right after a closing quote, after a lone CR, inside
	 * or right after a byte order mark.
	 */
	{ "eof after comma in header", "id,", 0,
	  "E1 -: column 2 of the header has an empty name\n" },
	{ "eof after comma in data", "id,prediction\nu1,1\nu2,", 0,
	  "H1 id,prediction\nR2 u1|1\nR3 u2|\\N\n" },
	{ "eof after comma, three columns", "id,label,race\nu1,1,x\nu2,0,", 0,
	  "H1 id,label,race\nR2 u1|1|x\nR3 u2|0|\\N\n" },
	{ "eof after two commas", "a,b,c\n1,,", 0, "H1 a,b,c\nR2 1|\\N|\\N\n" },
	{ "eof after comma, one field row", "a,b\n,", 0, "H1 a,b\nR2 \\N|\\N\n" },
	{ "eof after comma following a quoted field", "a,b\n\"x,y\",", 0,
	  "H1 a,b\nR2 x,y|\\N\n" },
	{ "eof after closing quote", "a,b\n1,\"x\"", 0, "H1 a,b\nR2 1|x\n" },
	{ "eof inside quoted header field", "\"id", 0,
	  "E1 -: unterminated quoted field (the closing quote is missing)\n" },
	{ "eof inside quoted field after comma", "a,b\n1,\"", 0,
	  "H1 a,b\nE2 b: unterminated quoted field (the closing quote is "
	  "missing)\n" },
	{ "eof after lone cr", "a,b\r1,2\r", 0, "H1 a,b\nR2 1|2\n" },
	{ "eof after header cr", "a,b\r", 0, "H1 a,b\n" },
	{ "eof after header comma cr", "a,\r", 0,
	  "E1 -: column 2 of the header has an empty name\n" },
	{ "eof inside a bom", "\xEF\xBB", 0,
	  "E1 -: the name of column 1 of the header is not valid UTF-8\n" },
	{ "eof right after bom and comma", "\xEF\xBB\xBF,", 0,
	  "E1 -: column 1 of the header has an empty name\n"
	  "E1 -: column 2 of the header has an empty name\n" },
	{ "lone comma", ",", 0,
	  "E1 -: column 1 of the header has an empty name\n"
	  "E1 -: column 2 of the header has an empty name\n" },
	{ "row numbers count records", "a\n\"x\ny\"\n\"p\nq\"\nz,\n", 0,
	  "H1 a\nR2 x\\ny\nR3 p\\nq\nE4 -: row has 2 fields, expected 1\n" },
};

static void test_csv__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct csv_case *c = &cases[i];
		size_t n = c->len ? c->len : strlen(c->in);

		print_message("# case %s\n", c->name);
		h_check_chunks(INGEST_CSV, NULL, c->in, n, c->out);
	}
}

/* One field of FA_MAX_FIELD_BYTES is fine; one more byte is an error. */
static void test_csv__field_length_limit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	(void)state;
	for (int quoted = 0; quoted < 2; quoted++) {
		for (size_t extra = 0; extra < 2; extra++) {
			buf_reset(&in);
			buf_reset(&out);
			buf_reset(&want);
			buf_adds(&in, "a,b\n1,");
			if (quoted)
				buf_addch(&in, '"');
			for (size_t i = 0; i < FA_MAX_FIELD_BYTES + extra; i++)
				buf_addch(&in, 'x');
			if (quoted)
				buf_addch(&in, '"');
			buf_adds(&in, "\n2,y\n");
			h_whole(INGEST_CSV, NULL, in.s, in.len, &out);
			if (extra) {
				buf_adds(&want, "H1 a,b\nR3 2|y\nE2 b: field is "
					 "longer than 65536 bytes "
					 "(FA_MAX_FIELD_BYTES)\n");
				assert_string_equal(out.s, want.s);
			} else {
				assert_true(out.len > FA_MAX_FIELD_BYTES);
				assert_null(strstr(out.s, "E2"));
				assert_non_null(strstr(out.s, "R3 2|y\n"));
			}
		}
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&want);
}

/* FA_MAX_COLUMNS columns are fine; one more is a header error. */
static void test_csv__column_limit(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		size_t n = FA_MAX_COLUMNS + (size_t)extra;

		buf_reset(&in);
		buf_reset(&out);
		for (size_t i = 0; i < n; i++)
			buf_addf(&in, "%sc%zu", i ? "," : "", i);
		buf_addch(&in, '\n');
		for (size_t i = 0; i < n; i++)
			buf_addf(&in, "%s%zu", i ? "," : "", i);
		buf_addch(&in, '\n');
		h_whole(INGEST_CSV, NULL, in.s, in.len, &out);
		if (extra) {
			assert_string_equal(out.s, "E1 -: the header has 257 "
					    "columns, more than 256 "
					    "(FA_MAX_COLUMNS)\n");
		} else {
			assert_true(!strncmp(out.s, "H1 c0,c1,", 9));
			assert_non_null(strstr(out.s, "\nR2 0|1|2|"));
			assert_null(strstr(out.s, "\nE"));
		}
	}
	buf_release(&in);
	buf_release(&out);
}

/* Parsing continues after errors; 100 are listed and all are counted. */
static void test_csv__error_cap(void **state)
{
	struct buf in = BUF_INIT;
	struct ingest_errors errs;
	struct ingest_sink sink = { NULL, NULL, NULL };
	struct csv_parser *p;

	(void)state;
	buf_adds(&in, "a,b\n");
	for (int i = 0; i < 150; i++)
		buf_adds(&in, "1,2,3\n\"x\"y,\xff\n");
	ingest_errors_init(&errs);
	p = csv_parser_new(&sink, &errs);
	assert_int_equal(csv_parser_feed(p, in.s, in.len), 0);
	assert_int_equal(csv_parser_finish(p), -1);
	assert_int_equal(errs.n, FA_MAX_ERRORS);
	assert_int_equal(errs.total, 450);
	assert_int_equal(errs.v[0].row, 2);
	assert_string_equal(errs.v[0].reason, "row has 3 fields, expected 2");
	assert_int_equal(errs.v[1].row, 3);
	assert_string_equal(errs.v[1].column, "a");
	assert_int_equal(errs.v[2].row, 3);
	assert_string_equal(errs.v[2].column, "b");
	assert_string_equal(errs.v[2].reason, "field is not valid UTF-8");
	assert_int_equal(errs.v[99].row, 2 + 2 * 33);
	csv_parser_free(p);
	ingest_errors_release(&errs);
	buf_release(&in);
}

/* A larger generated file cut at random gives the same records. */
static void test_csv__random_chunks(void **state)
{
	struct buf in = BUF_INIT, whole = BUF_INIT, got = BUF_INIT;
	uint64_t seed = 7;
	size_t cuts[4096];

	(void)state;
	buf_adds(&in, "\xEF\xBB\xBFid,text,n\r\n");
	for (int i = 0; i < 500; i++) {
		switch (h_rand(&seed) % 5) {
		case 0:
			buf_addf(&in, "%d,\"a \"\"q\"\"\r\nb,c\",%d\r\n", i, i);
			break;
		case 1:
			buf_addf(&in, "%d,,\n", i);
			break;
		case 2:
			buf_addf(&in, "%d,\xC3\xA9t\xC3\xA9,\"\"\r\n", i);
			break;
		case 3:
			buf_addf(&in, "%d,x\"y,1\n", i);	/* error */
			break;
		default:
			buf_addf(&in, "%d,plain,%d\n", i, i * 7);
		}
	}
	h_whole(INGEST_CSV, NULL, in.s, in.len, &whole);
	for (int round = 0; round < 50; round++) {
		size_t nc = 0, at = 0;

		while (nc < ARRAY_SIZE(cuts)) {
			at += 1 + h_rand(&seed) % (round < 25 ? 13 : 700);
			if (at >= in.len)
				break;
			cuts[nc++] = at;
		}
		buf_reset(&got);
		h_run(INGEST_CSV, NULL, in.s, in.len, cuts, nc, &got);
		assert_string_equal(got.s, whole.s);
	}
	buf_release(&in);
	buf_release(&whole);
	buf_release(&got);
}

/*
 * The fast path (whole records 16 bytes at a time) against the byte-by-byte
 * reference: lines of every kind the fast path must hand back (quotes, CR
 * alone or in the middle, NUL, non-ASCII, wrong field counts, blank lines,
 * a field one byte over the limit) between simple ones, whole and cut at
 * random; the reference renders the same text.  Fixed seed.
 */
static void test_csv__fast_path_equals_scalar(void **state)
{
	struct ingest_options scalar = { NULL, false, true };
	struct buf in = BUF_INIT, fast = BUF_INIT, ref = BUF_INIT;
	uint64_t seed = 11;
	size_t cuts[64];

	(void)state;
	buf_adds(&in, "id,label,accent\n");
	for (int i = 0; i < 3000; i++) {
		unsigned k = h_rand(&seed) % 16;

		switch (k) {
		case 0: buf_addf(&in, "u%d,\"q,uoted\",x\n", i); break;
		case 1: buf_addf(&in, "u%d,1,crlf\r\n", i); break;
		case 2: buf_addf(&in, "u%d,1,lone\rcr,2,3\n", i); break;
		case 3: buf_addf(&in, "u%d,1,mid\rdle\n", i); break;
		case 4: buf_addf(&in, "u%d,1,\xC3\xA9t\xC3\xA9\n", i); break;
		case 5: buf_addf(&in, "u%d,1\n", i); break;
		case 6: buf_addf(&in, "u%d,1,a,b\n", i); break;
		case 7: buf_adds(&in, "\n\r\n"); break;
		case 8: buf_addf(&in, "u%d,,\n", i); break;
		case 9: buf_addf(&in, "u%d,x\"y,z\n", i); break;
		case 10: buf_add(&in, "u,\0,z\n", 6); break;
		case 11: buf_addf(&in, "u%d,1,\xff\n", i); break;
		case 12:
			buf_addf(&in, "u%d,", i);
			for (int j = 0; j < FA_MAX_FIELD_BYTES + (i & 1); j++)
				buf_addch(&in, 'x');
			buf_adds(&in, ",y\n");
			break;
		case 13: buf_addf(&in, "u%d,1,ends in cr\r", i); break;
		default:
			buf_addf(&in, "u%07d,%d,accent-%u\n", i, i % 2, k);
		}
	}
	buf_adds(&in, "last,1,no line end");
	h_whole(INGEST_CSV, &scalar, in.s, in.len, &ref);
	h_whole(INGEST_CSV, NULL, in.s, in.len, &fast);
	assert_string_equal(fast.s, ref.s);
	for (int round = 0; round < 20; round++) {
		size_t nc = 0, at = 0;

		while (nc < ARRAY_SIZE(cuts)) {
			at += 1 + h_rand(&seed) % (in.len / 32);
			if (at >= in.len)
				break;
			cuts[nc++] = at;
		}
		buf_reset(&fast);
		h_run(INGEST_CSV, NULL, in.s, in.len, cuts, nc, &fast);
		assert_string_equal(fast.s, ref.s);
	}
	buf_release(&in);
	buf_release(&fast);
	buf_release(&ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv__cases),
		cmocka_unit_test(test_csv__field_length_limit),
		cmocka_unit_test(test_csv__column_limit),
		cmocka_unit_test(test_csv__error_cap),
		cmocka_unit_test(test_csv__random_chunks),
		cmocka_unit_test(test_csv__fast_path_equals_scalar),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
