/*
 * Unit tests for ingest/trn.c: sclite trn lines, the id and speaker rules
 * of sclite -i rm (checked against sclite 2.4.10: "sp_k-a" is speaker
 * "sp_k", "(uh) words (id)" keeps "(uh)" in the text), the cases where we
 * refuse what sclite silently accepts, and chunking.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "ingest/trn.h"
#include "tests/unit/ingest/harness.h"

struct trn_case {
	const char *name;
	bool speaker;
	const char *in;
	const char *out;
};

#define HREF "H0 id,reference,speaker\n"
#define HHYP "H0 id,hypothesis\n"

static const struct trn_case cases[] = {
	{ "basic", true, "hello world (spk1-utt1)\n",
	  HREF "R1 spk1-utt1|hello world|spk1\n" },
	{ "comments and blank lines", true,
	  ";; comment (x)\n\n  ;; indented\n\t\na (s_1)\n",
	  HREF "R5 s_1|a|s\n" },
	{ "last paren is the id", true, "x (uh) y (spk-2)\n",
	  HREF "R1 spk-2|x (uh) y|spk\n" },
	{ "trailing whitespace, crlf", true, "  a  b (s-1)  \t\r\nc (s-2)\r\n",
	  HREF "R1 s-1|a  b|s\nR2 s-2|c|s\n" },
	{ "no space before id", true, "a b(s-1)\n", HREF "R1 s-1|a b|s\n" },
	{ "empty text", true, "(s-1)\n   (s-2)\n",
	  HREF "R1 s-1||s\nR2 s-2||s\n" },
	{ "dash before underscore", true, "a (x_y-z)\nb (x_y_z)\n",
	  HREF "R1 x_y-z|a|x_y\nR2 x_y_z|b|x\n" },
	/* sclite compares ids, and so speakers, without ASCII case */
	{ "id lower-cased as sclite", true, "a (SPK1-Utt)\n",
	  HREF "R1 spk1-utt|a|spk1\n" },
	{ "non-ASCII id kept", true, "a (\xc3\x89L\xc3\x89-1)\n",
	  HREF "R1 \xc3\x89l\xc3\x89-1|a|\xc3\x89l\xc3\x89\n" },
	{ "no final newline", true, "a (s-1)\nb (s-2)",
	  HREF "R1 s-1|a|s\nR2 s-2|b|s\n" },
	{ "bom", true, "\xEF\xBB\xBF" "a (s-1)\n", HREF "R1 s-1|a|s\n" },
	{ "utf-8 text", true, "\xC3\xA9" "cole (s-1)\n",
	  HREF "R1 s-1|\xC3\xA9" "cole|s\n" },
	{ "hypothesis, no speaker", false, "a (abc)\nb (s-1)\n",
	  HHYP "R1 abc|a\nR2 s-1|b\n" },
	{ "empty body", true, "", HREF },

	/* errors */
	{ "no id", true, "hello world\nok (s-1)\n",
	  HREF "R2 s-1|ok|s\nE1 -: line does not end with an utterance id in "
	  "parentheses, as in \"words ... (speaker-utterance)\"\n" },
	{ "text after id", true, "a (s-1) x\n",
	  HREF "E1 -: line does not end with an utterance id in "
	  "parentheses, as in \"words ... (speaker-utterance)\"\n" },
	{ "close without open", true, "a s-1)\n",
	  HREF "E1 -: line does not end with an utterance id in "
	  "parentheses, as in \"words ... (speaker-utterance)\"\n" },
	{ "no speaker separator", true, "a (abc)\nb (s-1)\n",
	  HREF "R2 s-1|b|s\nE1 id: utterance id \"abc\" contains neither "
	  "'-' nor '_', so no speaker can be derived from it (sclite -i rm "
	  "takes the id up to the first '-', else the first '_')\n" },
	{ "empty speaker", true, "a (-x)\nb (_x)\n",
	  HREF "E1 id: utterance id \"-x\" starts with '-', which leaves an "
	  "empty speaker\n"
	  "E2 id: utterance id \"_x\" starts with '_', which leaves an "
	  "empty speaker\n" },
	{ "empty id", true, "a ()\n", HREF "E1 id: empty utterance id\n" },
	{ "invalid utf-8 text", true, "\xff (s-1)\n",
	  HREF "E1 reference: field is not valid UTF-8\n" },
	{ "invalid utf-8 id", true, "a (s-\xff)\n",
	  HREF "E1 id: field is not valid UTF-8\n" },
	/* Every state the input can end in, without a final newline. */
	{ "eof: bom only", true, "\xEF\xBB\xBF", "H0 id,reference,speaker\n" },
	{ "eof: inside the id", true, "a (s-1", "H0 id,reference,speaker\nE1 -: line does not end with an utterance id in parentheses, as in \"words ... (speaker-utterance)\"\n" },
	{ "eof: after a lone cr", true, "a (s-1)\r", "H0 id,reference,speaker\nR1 s-1|a|s\n" },
	{ "eof: open paren", true, "a (", "H0 id,reference,speaker\nE1 -: line does not end with an utterance id in parentheses, as in \"words ... (speaker-utterance)\"\n" },
	{ "control character in text", false, "a\x01 (s-1)\n", HHYP "R1 s-1|a\x01\n" },
};

static void test_trn__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct trn_case *c = &cases[i];
		struct ingest_options o = {
			c->speaker ? "reference" : "hypothesis", c->speaker,
		};

		print_message("# case %s\n", c->name);
		h_check_chunks(INGEST_TRN, &o, c->in, strlen(c->in), c->out);
	}
}

static void test_trn__nul_byte(void **state)
{
	static const char in[] = "a\0b (s-1)\n";
	struct ingest_options o = { "reference", true };
	struct buf out = BUF_INIT;

	(void)state;
	h_whole(INGEST_TRN, &o, in, sizeof(in) - 1, &out);
	assert_string_equal(out.s, HREF "E1 reference: field contains a NUL "
			    "byte\n");
	buf_release(&out);
}

/* A line longer than the cap is one error; the next line is read. */
static void test_trn__line_limit(void **state)
{
	struct ingest_options o = { "reference", true };
	struct buf in = BUF_INIT, out = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < 3 * (size_t)FA_MAX_FIELD_BYTES; i++)
		buf_addch(&in, 'x');
	buf_adds(&in, " (s-1)\nok (s-2)\n");
	h_whole(INGEST_TRN, &o, in.s, in.len, &out);
	assert_string_equal(out.s, HREF "R2 s-2|ok|s\n"
			    "E1 -: line is longer than 131072 bytes\n");
	buf_reset(&in);
	buf_reset(&out);
	for (size_t i = 0; i < (size_t)FA_MAX_FIELD_BYTES + 1; i++)
		buf_addch(&in, 'x');
	buf_adds(&in, " (s-1)\n");
	h_whole(INGEST_TRN, &o, in.s, in.len, &out);
	assert_string_equal(out.s, HREF "E1 reference: field is longer than "
			    "65536 bytes (FA_MAX_FIELD_BYTES)\n");
	buf_release(&in);
	buf_release(&out);
}

/* The default text column when no options are given. */
static void test_trn__default_options(void **state)
{
	struct buf out = BUF_INIT;

	(void)state;
	h_whole(INGEST_TRN, NULL, "a (b)\n", 6, &out);
	assert_string_equal(out.s, "H0 id,text\nR1 b|a\n");
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trn__cases),
		cmocka_unit_test(test_trn__nul_byte),
		cmocka_unit_test(test_trn__line_limit),
		cmocka_unit_test(test_trn__default_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
