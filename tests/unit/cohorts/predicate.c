/*
 * Unit tests for cohorts/predicate.c: parsing (every operator, precedence,
 * quoting, canonical text), errors with positions, input limits, semantic
 * checks against a table, and evaluation on a small hand-checked table.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"
#include "cohorts/predicate.h"

/* Canonical text of s, or the error sentence prefixed with "error: ". */
static char *canon(const char *s, size_t n, const struct predicate_limits *lim)
{
	struct predicate *p = NULL;
	struct buf out = BUF_INIT;

	if (predicate_parse(s, n, lim, &p, &out)) {
		struct buf e = BUF_INIT;

		assert_null(p);
		buf_addf(&e, "error: %s", out.s);
		buf_release(&out);
		return buf_detach(&e, NULL);
	}
	predicate_format(p, &out);
	predicate_free(p);
	return buf_detach(&out, NULL);
}

static void check_canon(const char *in, const char *want)
{
	char *got = canon(in, strlen(in), NULL), *again;

	if (strcmp(got, want))
		fail_msg("%s\n  got  %s\n  want %s", in, got, want);
	/* The canonical text is a fixed point. */
	if (strncmp(got, "error: ", 7)) {
		again = canon(got, strlen(got), NULL);
		assert_string_equal(again, got);
		free(again);
	}
	free(got);
}

static void test_predicate__canonical_forms(void **state)
{
	static const char *const cases[][2] = {
		{ "accent IN ('scottish','welsh') AND age >= 60",
		  "accent IN ('scottish', 'welsh') AND age >= 60" },
		{ "NOT (gender = 'f' OR \"odd name\" != 'x')",
		  "NOT (gender = 'f' OR \"odd name\" != 'x')" },
		/* every operator */
		{ "a=1", "a = 1" }, { "a!=1", "a != 1" }, { "a<1", "a < 1" },
		{ "a<=1", "a <= 1" }, { "a>1", "a > 1" }, { "a>=1", "a >= 1" },
		{ "a in (1)", "a IN (1)" },
		{ "a not in ('x','y')", "a NOT IN ('x', 'y')" },
		/* keywords in any case */
		{ "x = 1 AnD y iN ('a') oR NoT z = 'q'",
		  "x = 1 AND y IN ('a') OR NOT z = 'q'" },
		/* precedence: AND over OR, NOT over AND */
		{ "a=1 or b=2 and c=3", "a = 1 OR b = 2 AND c = 3" },
		{ "a=1 or (b=2 and c=3)", "a = 1 OR b = 2 AND c = 3" },
		{ "(a=1 or b=2) and c=3", "(a = 1 OR b = 2) AND c = 3" },
		{ "not a=1 and b=2", "NOT a = 1 AND b = 2" },
		{ "(not a=1) and b=2", "NOT a = 1 AND b = 2" },
		{ "not (a=1 and b=2)", "NOT (a = 1 AND b = 2)" },
		{ "not not a=1", "NOT NOT a = 1" },
		{ "a=1 and not (b=2 or c=3) or d=4",
		  "a = 1 AND NOT (b = 2 OR c = 3) OR d = 4" },
		/* flattening and redundant parentheses */
		{ "a=1 and (b=2 and (c=3 and d=4))",
		  "a = 1 AND b = 2 AND c = 3 AND d = 4" },
		{ "((a = 1))", "a = 1" },
		{ "(a=1 or b=2) or (c=3 or d=4)",
		  "a = 1 OR b = 2 OR c = 3 OR d = 4" },
		/* quoting */
		{ "name = 'O''Brien'", "name = 'O''Brien'" },
		{ "name = ''", "name = ''" },
		{ "\"we\"\"ird\" = 'x'", "\"we\"\"ird\" = 'x'" },
		{ "\"accent\" = 'x'", "accent = 'x'" },
		{ "\"and\" = 1", "\"and\" = 1" },
		{ "\"NOT\" = 1", "\"NOT\" = 1" },
		{ "\"2nd\" = 1", "\"2nd\" = 1" },
		{ "\"âge\" >= 3", "\"âge\" >= 3" },
		{ "t = 'naïve ''quoted'' — ok'", "t = 'naïve ''quoted'' — ok'" },
		{ "_x9 = 'a'", "_x9 = 'a'" },
		/* numbers as written */
		{ "age >= -5.5e1", "age >= -5.5e1" },
		{ "age < .5", "age < .5" },
		{ "age < 5.", "age < 5." },
		{ "age < -.5", "age < -.5" },
		{ "age = 1E+3", "age = 1E+3" },
		{ "age>=-5", "age >= -5" },
		/* whitespace */
		{ " \t\r\n a\n=\n1 \n", "a = 1" },
		/* SQL is just text inside a string literal */
		{ "accent = '; DROP TABLE x; --'",
		  "accent = '; DROP TABLE x; --'" },
		{ "accent = 'x'' OR ''1''=''1'", "accent = 'x'' OR ''1''=''1'" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_canon(cases[i][0], cases[i][1]);
}

static void test_predicate__syntax_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "accent =",
		  "at position 9: expected a value after '=', got end of input" },
		{ "gender = 'f' OR a =",
		  "at position 20: expected a value after '=', got end of input" },
		{ "age >= 60 AND b >=",
		  "at position 19: expected a value after '>=', got end of input" },
		{ "",
		  "at position 1: expected an attribute name, '(' or NOT, got end of input" },
		{ "   ",
		  "at position 4: expected an attribute name, '(' or NOT, got end of input" },
		{ "accent",
		  "at position 7: expected an operator (=, !=, <, <=, >, >=, IN or NOT IN) after the attribute \"accent\", got end of input" },
		{ "accent = scottish",
		  "at position 10: expected a value after '=' (text values take single quotes), got \"scottish\"" },
		{ "accent = \"scottish\"",
		  "at position 10: expected a value after '=' (text values take single quotes), got \"scottish\"" },
		{ "(accent = 'x'",
		  "at position 14: expected AND, OR or ')', got end of input" },
		{ "(accent = 'x' b = 1)",
		  "at position 15: expected AND, OR or ')', got \"b\"" },
		{ "accent = 'x')",
		  "at position 13: expected AND, OR or end of input, got ')'" },
		{ "accent = 'x' 'y'",
		  "at position 14: expected AND, OR or end of input, got the string 'y'" },
		{ "accent = 'x",
		  "at position 10: unterminated string literal" },
		{ "\"abc = 'x'",
		  "at position 1: unterminated quoted attribute name" },
		{ "a = 1 AND \"\" = 'y'",
		  "at position 11: empty attribute name" },
		{ "accent IN 'x'",
		  "at position 11: expected '(' after IN, got the string 'x'" },
		{ "accent NOT IN 'x'",
		  "at position 15: expected '(' after NOT IN, got the string 'x'" },
		{ "accent IN ()",
		  "at position 12: expected a value in the IN list, got ')'" },
		{ "accent IN ('a' 'b')",
		  "at position 16: expected ',' or ')' in the IN list, got the string 'b'" },
		{ "accent IN ('a',)",
		  "at position 16: expected a value in the IN list, got ')'" },
		{ "accent IN ('a'",
		  "at position 15: expected ',' or ')' in the IN list, got end of input" },
		{ "accent NOT = 'a'",
		  "at position 12: expected IN after NOT, got '='" },
		{ "age > 6o",
		  "at position 7: malformed number '6o'" },
		{ "age > 1.2.3",
		  "at position 7: malformed number '1.2.3'" },
		{ "age > 1e",
		  "at position 7: malformed number '1e'" },
		{ "age > 1e999",
		  "at position 7: number '1e999' is out of range" },
		{ "age ! 5",
		  "at position 5: expected '=' after '!'" },
		{ "age <> 5",
		  "at position 6: expected a value after '<', got '>'" },
		{ "a = 1 AND",
		  "at position 10: expected an attribute name, '(' or NOT, got end of input" },
		{ "a = 1 AND OR b = 2",
		  "at position 11: expected an attribute name, '(' or NOT, got OR" },
		{ "NOT",
		  "at position 4: expected an attribute name, '(' or NOT, got end of input" },
		{ "= 1",
		  "at position 1: expected an attribute name, '(' or NOT, got '='" },
		{ "a = 1 # b",
		  "at position 7: unexpected character '#'" },
		{ "café = 'x'",
		  "at position 4: unexpected character 'é' (attribute names with such characters take double quotes)" },
		/* positions count characters, not bytes */
		{ "\"âge\" = 'é' AND",
		  "at position 16: expected an attribute name, '(' or NOT, got end of input" },
		{ "a = 'x'\x01",
		  "at position 8: unexpected control character 0x01" },
		/* SQL outside a string literal is a syntax error */
		{ "accent = 'x'; DROP TABLE x; --",
		  "at position 13: unexpected character ';'" },
		{ "accent = 'x' OR 1=1",
		  "at position 17: expected an attribute name, '(' or NOT, got the number 1" },
		{ "a = '\xff'",
		  "predicate is not valid UTF-8" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = canon(cases[i][0], strlen(cases[i][0]), NULL);

		if (strncmp(got, "error: ", 7) || strcmp(got + 7, cases[i][1]))
			fail_msg("%s\n  got  %s\n  want error: %s", cases[i][0],
				 got, cases[i][1]);
		free(got);
	}
}

static void test_predicate__nul_byte(void **state)
{
	static const char s[] = "a = 'x\0y'";
	static const char t[] = "a = 1\0";
	char *got;

	(void)state;
	got = canon(s, sizeof(s) - 1, NULL);
	assert_string_equal(got, "error: at position 7: unexpected NUL byte in "
			    "string literal");
	free(got);
	got = canon(t, sizeof(t) - 1, NULL);
	assert_string_equal(got, "error: at position 6: unexpected NUL byte");
	free(got);
}

/* "(((...(a = 1)...)))" with depth pairs of parentheses. */
static char *nested(size_t depth, size_t *n)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < depth; i++)
		buf_addch(&b, '(');
	buf_adds(&b, "a = 1");
	for (size_t i = 0; i < depth; i++)
		buf_addch(&b, ')');
	return buf_detach(&b, n);
}

static void test_predicate__limits(void **state)
{
	struct predicate_limits big = predicate_default_limits;
	struct buf b = BUF_INIT;
	size_t n;
	char *s, *got;

	(void)state;
	big.max_bytes = 1 << 20;

	/* 5,000 nested parentheses: refused by length by default ... */
	s = nested(5000, &n);
	got = canon(s, n, NULL);
	assert_string_equal(got, "error: predicate is 10005 bytes long, over "
			    "the limit of 4096 bytes");
	free(got);
	/* ... and by depth when the length limit is raised. */
	got = canon(s, n, &big);
	assert_string_equal(got, "error: at position 65: expression nests "
			    "deeper than 64 levels");
	free(got);
	free(s);

	/* 64 levels are fine, 65 are not. */
	s = nested(64, &n);
	got = canon(s, n, NULL);
	assert_string_equal(got, "a = 1");
	free(got);
	free(s);
	s = nested(65, &n);
	got = canon(s, n, NULL);
	assert_string_equal(got, "error: at position 65: expression nests "
			    "deeper than 64 levels");
	free(got);
	free(s);

	/* NOT counts as nesting too. */
	for (int i = 0; i < 65; i++)
		buf_adds(&b, "NOT ");
	buf_adds(&b, "a = 1");
	got = canon(b.s, b.len, NULL);
	assert_string_equal(got, "error: at position 257: expression nests "
			    "deeper than 64 levels");
	free(got);
	buf_release(&b);

	/* A 1 MB input is refused before any parsing. */
	s = xmalloc(1 << 20);
	memset(s, '(', 1 << 20);
	got = canon(s, 1 << 20, NULL);
	assert_string_equal(got, "error: predicate is 1048576 bytes long, over "
			    "the limit of 4096 bytes");
	free(got);
	/* ... and with the length limit raised, by depth, without recursion. */
	got = canon(s, 1 << 20, &big);
	assert_string_equal(got, "error: at position 65: expression nests "
			    "deeper than 64 levels");
	free(got);
	free(s);

	/* IN lists: 1000 values are fine, 1001 are not. */
	buf_adds(&b, "a IN (");
	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%s%d", i ? "," : "", i % 10);
	buf_adds(&b, ")");
	{
		struct predicate *p = NULL;
		struct buf err = BUF_INIT;

		assert_int_equal(predicate_parse(b.s, b.len, &big, &p, &err), 0);
		predicate_free(p);
		buf_release(&err);
	}
	b.len--;
	buf_adds(&b, ",7)");
	got = canon(b.s, b.len, &big);
	assert_string_equal(got, "error: at position 2007: IN list has more "
			    "than 1000 values");
	free(got);
	buf_release(&b);

	/* A long flat chain is fine: it is one node, not a deep tree. */
	for (int i = 0; i < 300; i++)
		buf_addf(&b, "%sa = %d", i ? " OR " : "", i);
	got = canon(b.s, b.len, NULL);
	assert_string_equal(got, b.s);
	free(got);
	buf_release(&b);
}

/*
 * The canonical text is stored and parsed again (server/bounty_run.c), so
 * an input whose canonical text would pass the length limit is refused,
 * though the input itself fits: "a=1" is "a = 1".
 */
static void test_predicate__canonical_within_limit(void **state)
{
	struct predicate_limits lim = predicate_default_limits;
	struct buf b = BUF_INIT;
	char *got;

	(void)state;
	lim.max_bytes = 23;
	/* 17 bytes, 23 in canonical form: just fits */
	got = canon("a=1 or b=2 or c=3", 17, &lim);
	assert_string_equal(got, "a = 1 OR b = 2 OR c = 3");
	free(got);
	/* 20 bytes, 26 in canonical form */
	got = canon("a=1 or b=2 or c!=3.5", 20, &lim);
	assert_string_equal(got, "error: predicate is 26 bytes long in "
			    "canonical form, over the limit of 23 bytes");
	free(got);

	/* With the default limit: 4096 bytes as written, 5261 canonical. */
	buf_adds(&b, "a=1");
	for (int i = 0; i < 584; i++)
		buf_adds(&b, " or a=1");
	buf_adds(&b, "     ");
	assert_int_equal(b.len, 4096);
	got = canon(b.s, b.len, NULL);
	assert_string_equal(got, "error: predicate is 5261 bytes long in "
			    "canonical form, over the limit of 4096 bytes");
	free(got);
	buf_release(&b);
}

/* ---- a small table ---------------------------------------------------- */

enum { A_ACCENT, A_AGE, A_GENDER, A_ODD, A_ZIP };

static const char *const rows[8][5] = {
	/* accent     age     gender odd name   zip */
	{ "scottish", "60",   "f", "x",       "02139" },
	{ "welsh",    "61.5", "m", "y",       "2139" },
	{ "english",  "59",   "f", "x",       "n/a" },
	{ "scottish", "",     "m", "",        "02139" },
	{ "irish",    "60.0", "f", "y",       "" },
	{ "welsh",    "30",   "x", "x",       "10001" },
	{ "english",  "75",   "m", "O'Brien", "2139" },
	{ "scottish", "45",   "f", "y",       "02139" },
};

/* copies of the 8 rows; row r has the values of rows[r % 8] */
static void build_table(struct table *t, size_t copies)
{
	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "accent");
	table_add_attr(t, "age");
	table_add_attr(t, "gender");
	table_add_attr(t, "odd name");
	table_add_attr(t, "zip");
	for (size_t r = 0; r < 8 * copies; r++) {
		char id[32];
		int n = snprintf(id, sizeof(id), "ex-%zu", r);
		int64_t row = table_add_row(t, id, (size_t)n);

		assert_true(row == (int64_t)r);
		for (size_t a = 0; a < 5; a++)
			table_set_attr(t, r, a, rows[r % 8][a],
				       strlen(rows[r % 8][a]));
		t->label[r] = table_class(t, "1", 1);
		t->pred[r] = table_class(t, "0", 1);
	}
	table_finish(t);
}

static void test_predicate__table_is_as_expected(void **state)
{
	struct table t;

	(void)state;
	build_table(&t, 1);
	assert_true(t.attrs[A_AGE].numeric);
	assert_false(t.attrs[A_ZIP].numeric);
	assert_false(t.attrs[A_ACCENT].numeric);
	table_release(&t);
}

static void test_predicate__evaluation(void **state)
{
	/* expected rows as a bit mask over rows 0..7 */
	static const struct { const char *s; unsigned rows; } cases[] = {
		{ "accent = 'scottish'", 0x89 },		/* 0 3 7 */
		{ "accent != 'scottish'", 0x76 },		/* 1 2 4 5 6 */
		{ "age = 60", 0x11 },				/* 0 4 ("60.0") */
		{ "age = 6e1", 0x11 },
		{ "age != 60", 0xee },				/* missing too */
		{ "age < 60", 0xa4 },				/* 2 5 7 */
		{ "age <= 60", 0xb5 },				/* 0 2 4 5 7 */
		{ "age > 60", 0x42 },				/* 1 6 */
		{ "age >= 60", 0x53 },				/* 0 1 4 6 */
		{ "age >= -1e3", 0xf7 },			/* not row 3 */
		{ "age = ''", 0x08 },				/* text vs text */
		{ "age = '60'", 0x01 },				/* text, exact */
		{ "age IN (60, 75)", 0x51 },			/* 0 4 6 */
		{ "age NOT IN (60, 75)", 0xae },		/* 1 2 3 5 7 */
		{ "age IN ('60', 75)", 0x41 },			/* 0 6 */
		{ "accent IN ('scottish','welsh') AND age >= 60", 0x03 },
		{ "NOT (gender = 'f' OR \"odd name\" != 'x')", 0x20 },
		/* AND binds tighter than OR */
		{ "accent = 'welsh' OR accent = 'irish' AND gender = 'm'", 0x22 },
		{ "(accent = 'welsh' OR accent = 'irish') AND gender = 'm'", 0x02 },
		/* NOT binds tighter than AND */
		{ "NOT accent = 'scottish' AND gender = 'f'", 0x14 },
		{ "NOT (accent = 'scottish' AND gender = 'f')", 0x7e },
		{ "NOT NOT accent = 'scottish'", 0x89 },
		/* a number against a non-numeric column compares its text */
		{ "zip = 2139", 0x42 },
		{ "zip = '02139'", 0x89 },
		{ "zip = 02139", 0x89 },
		{ "zip IN (2139, 'n/a')", 0x46 },
		{ "zip = ''", 0x10 },
		{ "\"odd name\" = 'O''Brien'", 0x40 },
		{ "\"odd name\" = ''", 0x08 },
		{ "accent = 'SCOTTISH'", 0x00 },		/* case matters */
		{ "accent = 'nobody'", 0x00 },
		{ "accent != 'nobody'", 0xff },
		{ "accent = '; DROP TABLE x; --'", 0x00 },
		{ "ACCENT = 'welsh' or Accent = 'welsh'", -1u },	/* unknown */
		{ "gender IN ('f', 'm', 'x')", 0xff },
		{ "gender NOT IN ('f', 'm', 'x')", 0x00 },
		{ "accent = 'irish' OR age < 40 OR zip = 'n/a'", 0x34 },
	};
	struct table t;
	struct bitset out = BITSET_INIT;
	const size_t copies = 25;	/* 200 rows: several words */

	(void)state;
	build_table(&t, copies);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct predicate *p = NULL;
		struct buf err = BUF_INIT;
		int rc = predicate_compile(cases[i].s, strlen(cases[i].s), &t,
					   &p, &err);

		if (cases[i].rows == -1u) {
			assert_int_equal(rc, -1);
			assert_null(p);
			buf_release(&err);
			continue;
		}
		if (rc)
			fail_msg("%s: %s", cases[i].s, err.s);
		assert_int_equal(predicate_eval(p, &t, &out, &err), 0);
		assert_int_equal(out.nbits, t.nrows);
		for (size_t r = 0; r < t.nrows; r++) {
			bool want = (cases[i].rows >> (r % 8)) & 1;

			if (bitset_test(&out, r) != want)
				fail_msg("%s: row %zu is %d, want %d",
					 cases[i].s, r, !want, want);
		}
		assert_int_equal(err.len, 0);
		predicate_free(p);
		buf_release(&err);
	}
	bitset_release(&out);
	table_release(&t);
}

static void test_predicate__semantic_errors(void **state)
{
	static const char *const cases[][2] = {
		{ "nope = 1", "unknown attribute \"nope\" at position 1" },
		{ "foo = 1 AND bar = 'x' OR foo = 2 OR accent = 'x'",
		  "unknown attributes \"foo\" at position 1, \"bar\" at "
		  "position 13" },
		{ "Accent = 'x'", "unknown attribute \"Accent\" at position 1" },
		{ "accent < 5",
		  "at position 8: '<' needs a numeric attribute, but "
		  "\"accent\" is not numeric" },
		{ "zip >= 2000",
		  "at position 5: '>=' needs a numeric attribute, but \"zip\" "
		  "is not numeric" },
		{ "age >= '60'",
		  "at position 8: '>=' needs a number, got the string '60'" },
		{ "gender = 'f' AND NOT (age > 'x')",
		  "at position 29: '>' needs a number, got the string 'x'" },
		/* unknown attributes are reported before type errors */
		{ "accent < 1 AND nope = 2",
		  "unknown attribute \"nope\" at position 16" },
	};
	struct table t;

	(void)state;
	build_table(&t, 1);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct predicate *p = NULL;
		struct buf err = BUF_INIT;

		assert_int_equal(predicate_parse(cases[i][0],
						 strlen(cases[i][0]), NULL, &p,
						 &err), 0);
		assert_int_equal(predicate_bind(p, &t, &err), -1);
		if (strcmp(err.s, cases[i][1]))
			fail_msg("%s\n  got  %s\n  want %s", cases[i][0], err.s,
				 cases[i][1]);
		predicate_free(p);
		buf_release(&err);
	}
	table_release(&t);
}

static void test_predicate__bound_table_only(void **state)
{
	struct table t, u;
	struct predicate *p = NULL;
	struct buf err = BUF_INIT;
	struct bitset out = BITSET_INIT;

	(void)state;
	build_table(&t, 1);
	build_table(&u, 2);
	assert_int_equal(predicate_parse("age > 50", 8, NULL, &p, &err), 0);
	/* unbound */
	assert_int_equal(predicate_eval(p, &t, &out, &err), -1);
	assert_string_equal(err.s, "predicate is not bound to this table");
	buf_reset(&err);
	assert_int_equal(predicate_bind(p, &t, &err), 0);
	assert_int_equal(predicate_eval(p, &u, &out, &err), -1);
	buf_reset(&err);
	assert_int_equal(predicate_bind(p, &u, &err), 0);
	assert_int_equal(predicate_eval(p, &u, &out, &err), 0);
	assert_int_equal(bitset_count(&out), 10);	/* 0 1 2 4 6, twice */
	assert_int_equal(err.len, 0);
	predicate_free(p);
	bitset_release(&out);
	buf_release(&err);
	table_release(&t);
	table_release(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_predicate__canonical_forms),
		cmocka_unit_test(test_predicate__syntax_errors),
		cmocka_unit_test(test_predicate__nul_byte),
		cmocka_unit_test(test_predicate__limits),
		cmocka_unit_test(test_predicate__canonical_within_limit),
		cmocka_unit_test(test_predicate__table_is_as_expected),
		cmocka_unit_test(test_predicate__evaluation),
		cmocka_unit_test(test_predicate__semantic_errors),
		cmocka_unit_test(test_predicate__bound_table_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
