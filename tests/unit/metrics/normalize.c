/*
 * Unit tests for metrics/normalize.c.
 *
 * The sclite and none expectations are what NIST sclite 2.4.10 compares
 * (ASCII-only lower-casing, bytes otherwise; tests/sclite/run.py checks the
 * same through whole corpora).  The unicode expectations follow from the
 * Unicode 15 data (NFKC decompositions, CaseFolding.txt full foldings,
 * General_Category) and the punctuation rules written in normalize.h; the
 * code point each case relies on is named beside it.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/normalize.h"

static struct normalizer *new_nz(const char *spec)
{
	struct norm_opts o;
	struct buf err = BUF_INIT;
	struct normalizer *nz;

	if (norm_opts_parse(&o, spec, strlen(spec), &err))
		fail_msg("%s: %s", spec, err.s);
	nz = normalizer_new(&o, &err);
	if (!nz)
		fail_msg("%s: %s", spec, err.s);
	norm_opts_release(&o);
	buf_release(&err);
	return nz;
}

struct ncase {
	const char *in, *out;
};

static void run_cases(const char *spec, const struct ncase *c, size_t n)
{
	struct normalizer *nz = new_nz(spec);
	struct wordlist w;

	wordlist_init(&w);
	for (size_t i = 0; i < n; i++) {
		struct buf err = BUF_INIT;

		if (normalizer_run(nz, c[i].in, strlen(c[i].in), "reference",
				   &w, &err))
			fail_msg("%s \"%s\": %s", spec, c[i].in, err.s);
		if (strcmp(w.text, c[i].out))
			fail_msg("%s: \"%s\" gave \"%s\", want \"%s\"", spec,
				 c[i].in, w.text, c[i].out);
		assert_int_equal(w.len, strlen(c[i].out));
		/* The words are the text's space-separated pieces. */
		for (size_t k = 0; k < w.n; k++) {
			assert_true(w.wlen[k] > 0);
			assert_true(k == 0 || w.text[w.off[k] - 1] == ' ');
			assert_true(w.off[k] + w.wlen[k] == w.len ||
				    w.text[w.off[k] + w.wlen[k]] == ' ');
		}
	}
	wordlist_release(&w);
	normalizer_free(nz);
}

static void test_normalize__sclite(void **state)
{
	static const struct ncase c[] = {
		{ "The CAT  sat\tON", "the cat sat on" },
		{ "ÉCOLE école", "École école" },	/* É is not ASCII */
		{ "hello, World!", "hello, world!" },	/* punctuation stays */
		{ "a\xc2\xa0" "b c", "a\xc2\xa0" "b c" }, /* NBSP is no space */
		{ "\v a\fb\r\n", "a b" },
		{ "", "" },
		{ "   ", "" },
		{ "ain't Y'ALL gonna", "ain't y'all gonna" },
		{ "ﬁne", "ﬁne" },			/* no NFKC */
	};

	(void)state;
	run_cases("sclite", c, ARRAY_SIZE(c));
}

static void test_normalize__none(void **state)
{
	static const struct ncase c[] = {
		{ "The CAT  sat\tON", "The CAT sat ON" },
		{ "hello, World!", "hello, World!" },
		{ "", "" },
	};

	(void)state;
	run_cases("none", c, ARRAY_SIZE(c));
}

static void test_normalize__unicode(void **state)
{
	static const struct ncase c[] = {
		{ "Straße", "strasse" },		/* CaseFolding 00DF F */
		{ "ÉCOLE", "école" },
		{ "ﬁne", "fine" },			/* NFKC FB01 */
		{ "e\xcc\x81" "cole", "école" },	/* NFC composes 0301 */
		{ "nai\xcc\x88ve naïve", "naïve naïve" },
		{ "ＡＢＣ", "abc" },			/* fullwidth, NFKC */
		{ "①", "1" },				/* NFKC 2460 */
		{ "İstanbul", "i\xcc\x87stanbul" },	/* CaseFolding 0130 F */
		{ "ΣΑΣ ς", "σασ σ" },			/* 03A3, 03C2 -> 03C3 */
		/* Rule 1: apostrophes between letters stay, as U+0027. */
		{ "Ain’t y'all gonna finna", "ain't y'all gonna finna" },
		{ "rock'n'roll don’t.", "rock'n'roll don't" },
		{ "'tis '90s the dogs'", "tis 90s the dogs" },
		/* Rule 2: a full stop between letters is dropped. */
		{ "U.S. Ph.D. e.g.,", "us phd eg" },
		/* Rule 3: Po between digits stays. */
		{ "3.5 1,000 12:30 24/7", "3.5 1,000 12:30 24/7" },
		/* Rule 4: everything else separates. */
		{ "well-known and/or hello,", "well known and or hello" },
		{ "(laughs) -- «Bonjour» ¿qué?", "laughs bonjour qué" },
		{ "AT&T 50% #1 *x*", "at t 50 1 x" },
		{ "co_op", "co op" },			/* 005F is Pc */
		/* Symbols stay. */
		{ "$5 +1 a=b €3 ½", "$5 +1 a=b €3 1⁄2" },	/* 2044 is Sm */
		{ "😀!", "😀" },
		/* Unicode spaces. */
		{ "a\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\xa8" "d", "a b c d" },
		{ "  a \t b  ", "a b" },
		/* Default-ignorables are kept (soft hyphen, 00AD, is Cf). */
		{ "x\xc2\xad" "y", "x\xc2\xad" "y" },
		{ "", "" },
		{ "...", "" },
	};

	(void)state;
	run_cases("unicode", c, ARRAY_SIZE(c));
}

static void test_normalize__unicode_steps(void **state)
{
	static const struct ncase nfkc[] = {
		{ "ﬁne ABC, x", "fine ABC, x" },
		{ "e\xcc\x81", "\xc3\xa9" },
	};
	static const struct ncase casefold[] = {
		{ "ÉCOLE, Straße", "école, strasse" },
		{ "e\xcc\x81", "e\xcc\x81" },		/* not composed */
		{ "①", "①" },				/* not NFKC */
	};
	static const struct ncase punct[] = {
		{ "Hello, World! ain’t", "Hello World ain't" },
		{ "ﬁ-ne", "ﬁ ne" },
	};

	(void)state;
	run_cases("nfkc", nfkc, ARRAY_SIZE(nfkc));
	run_cases("casefold", casefold, ARRAY_SIZE(casefold));
	run_cases("strip_punct", punct, ARRAY_SIZE(punct));
}

static void test_normalize__fillers(void **state)
{
	static const struct ncase sc[] = {
		{ "Uh I um think UM", "i think" },
		{ "uh", "" },
		{ "uhm uh, um.", "uhm uh, um." },	/* punctuation stays */
	};
	static const struct ncase uni[] = {
		/* "uh-huh" is the words "uh huh"; longest filler first. */
		{ "Uh-huh, yes uh huh UH", "yes" },
		{ "uh, um. Hmm", "" },
		{ "ahh uhh", "ahh uhh" },
		{ "uh yes um", "yes" },
	};
	static const struct ncase none[] = {
		{ "Uh uh", "Uh" },
	};

	(void)state;
	run_cases("sclite,fillers=uh|um", sc, ARRAY_SIZE(sc));
	run_cases("unicode,fillers=uh|uh-huh|um|hmm", uni, ARRAY_SIZE(uni));
	run_cases("none,fillers=uh", none, ARRAY_SIZE(none));
}

static void test_normalize__invalid_utf8(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *msg;
	} c[] = {
		{ "\xff", 1, "invalid UTF-8 byte 0xff at offset 0" },
		{ "ab\xc0\xaf", 4, "byte 0xc0 at offset 2" },	/* overlong */
		{ "x \xed\xa0\x80", 5, "byte 0xed at offset 2" }, /* surrogate */
		{ "abc\xe4\xb8", 5, "byte 0xe4 at offset 3" },	/* truncated */
		{ "\xf4\x90\x80\x80", 4, "byte 0xf4 at offset 0" }, /* > 10FFFF */
		{ "\xe0\x80\x80", 3, "byte 0xe0 at offset 0" },	/* overlong */
		{ "a\x80", 2, "byte 0x80 at offset 1" },
	};
	static const char *const modes[] = { "sclite", "none", "unicode" };

	(void)state;
	for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
		struct normalizer *nz = new_nz(modes[m]);
		struct wordlist w;

		wordlist_init(&w);
		for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
			struct buf err = BUF_INIT;

			assert_int_equal(normalizer_run(nz, c[i].in, c[i].n,
							"hypothesis", &w,
							&err), -1);
			if (!strstr(err.s, c[i].msg) ||
			    !strstr(err.s, "hypothesis"))
				fail_msg("%s: got \"%s\"", modes[m], err.s);
			assert_int_equal(w.n, 0);
			assert_string_equal(w.text, "");
			buf_release(&err);
		}
		wordlist_release(&w);
		normalizer_free(nz);
	}
}

static void test_normalize__nul_bytes(void **state)
{
	struct normalizer *nz = new_nz("sclite");
	struct wordlist w;
	struct buf err = BUF_INIT;

	(void)state;
	wordlist_init(&w);
	assert_int_equal(normalizer_run(nz, "a\0B c", 5, "reference", &w,
					&err), 0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.wlen[0], 3);
	assert_memory_equal(w.text + w.off[0], "a\0b", 3);
	assert_int_equal(w.off[1], 4);
	wordlist_release(&w);
	normalizer_free(nz);
}

/*
 * The byte modes (sclite, none) against a plain reference here, on random
 * texts of ASCII letters of both cases, digits, every ASCII white-space
 * byte, NUL and two- and three-byte UTF-8 characters, with words from 1
 * to 60 bytes (so the 16-byte blocks meet word ends at every position and
 * texts of every length end mid-block).  Fixed seed.
 */
static void test_normalize__byte_modes_random(void **state)
{
	static const char *const pieces[] = {
		"a", "Z", "q", "M", "0", "7", "-", "'", "\xC3\xA9", "\xE2\x82\xAC",
	};
	static const char spaces[] = { ' ', '\t', '\n', '\v', '\f', '\r' };
	uint64_t seed = 5;

	(void)state;
	for (int lower = 0; lower < 2; lower++) {
		struct normalizer *nz = new_nz(lower ? "sclite" : "none");
		struct wordlist w;
		struct buf in = BUF_INIT, want = BUF_INIT, err = BUF_INIT;

		wordlist_init(&w);
		for (int round = 0; round < 3000; round++) {
			size_t words;

			buf_reset(&in);
			buf_reset(&want);
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			words = (size_t)(seed >> 60);
			for (size_t k = 0; k < words; k++) {
				size_t len, sp;

				seed = seed * 6364136223846793005ULL +
				       1442695040888963407ULL;
				sp = (k ? 1 : 0) + (size_t)(seed >> 62);
				for (size_t j = 0; j < sp; j++)
					buf_addch(&in, spaces[(seed >> (8 + 3 * j)) % 6]);
				len = 1 + (size_t)(seed >> 33) % 60;
				if (want.len)
					buf_addch(&want, ' ');
				for (size_t j = 0; j < len; j++) {
					const char *p;

					seed = seed * 6364136223846793005ULL +
					       1442695040888963407ULL;
					if (seed >> 58 == 0) {
						buf_add(&in, "", 1);	/* NUL */
						buf_add(&want, "", 1);
						continue;
					}
					p = pieces[(seed >> 33) % ARRAY_SIZE(pieces)];
					buf_adds(&in, p);
					for (; *p; p++)
						buf_addch(&want, lower && *p >= 'A' &&
							  *p <= 'Z' ? (char)(*p + 32) : *p);
				}
			}
			if (seed >> 63)
				buf_adds(&in, " \n");
			if (normalizer_run(nz, in.s, in.len, "reference", &w, &err))
				fail_msg("round %d: %s", round, err.s);
			assert_int_equal(w.len, want.len);
			assert_memory_equal(w.text, want.s, want.len);
			assert_int_equal(w.n, words);
		}
		wordlist_release(&w);
		normalizer_free(nz);
		buf_release(&in);
		buf_release(&want);
		buf_release(&err);
	}
}

static void test_normalize__describe_roundtrip(void **state)
{
	static const struct {
		const char *in, *desc;
	} c[] = {
		{ "sclite", "sclite" },
		{ "none", "none" },
		{ "unicode", "nfkc,casefold,strip_punct" },
		{ "nfkc,casefold,strip_punct", "nfkc,casefold,strip_punct" },
		{ "strip_punct,nfkc", "nfkc,strip_punct" },
		{ "casefold", "casefold" },
		{ "fillers=um|uh", "sclite,fillers=uh|um" },
		{ "unicode,fillers=uh|um|uh", "nfkc,casefold,strip_punct,"
					      "fillers=uh|um" },
		{ "none,fillers=mhm,fillers=hmm", "none,fillers=hmm|mhm" },
		{ "unicode,fillers=uh-huh", "nfkc,casefold,strip_punct,"
					    "fillers=uh-huh" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct norm_opts o, o2;
		struct buf err = BUF_INIT, d = BUF_INIT, d2 = BUF_INIT;

		if (norm_opts_parse(&o, c[i].in, strlen(c[i].in), &err))
			fail_msg("%s: %s", c[i].in, err.s);
		norm_opts_describe(&o, &d);
		assert_string_equal(d.s, c[i].desc);
		/* The description parses back to the same options. */
		assert_int_equal(norm_opts_parse(&o2, d.s, d.len, &err), 0);
		norm_opts_describe(&o2, &d2);
		assert_string_equal(d2.s, d.s);
		assert_int_equal(o2.mode, o.mode);
		assert_int_equal(o2.nfillers, o.nfillers);
		assert_string_equal(err.s, "");	/* untouched on success */
		norm_opts_release(&o);
		norm_opts_release(&o2);
		buf_release(&err);
		buf_release(&d);
		buf_release(&d2);
	}
}

static void test_normalize__parse_errors(void **state)
{
	static const struct {
		const char *in, *msg;
	} c[] = {
		{ "", "empty normalisation" },
		{ "bogus", "unknown item \"bogus\"" },
		{ "sclite,none", "more than one mode" },
		{ "sclite,nfkc", "apply only to the unicode" },
		{ ",", "empty item" },
		{ "unicode,", "empty item" },
		{ "fillers=", "empty filler list" },
		{ "fillers=a||b", "empty filler" },
		{ "Sclite", "unknown item" },
		{ " sclite", "unknown item" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct norm_opts o;
		struct buf err = BUF_INIT;

		assert_int_equal(norm_opts_parse(&o, c[i].in, strlen(c[i].in),
						 &err), -1);
		if (!strstr(err.s, c[i].msg))
			fail_msg("\"%s\": got \"%s\"", c[i].in, err.s);
		/* Left at the default, nothing to free. */
		assert_int_equal(o.mode, NORM_SCLITE);
		assert_int_equal(o.nfillers, 0);
		buf_release(&err);
	}
}

static void test_normalize__fillers_checked(void **state)
{
	struct norm_opts o;
	struct buf err = BUF_INIT;
	static const char *const bad[] = { "a b", "a|b", "a,b", "", "\xff" };

	(void)state;
	norm_opts_init(&o);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&err);
		assert_int_equal(norm_opts_add_filler(&o, bad[i],
						      strlen(bad[i]), &err),
				 -1);
		assert_true(err.len > 0);
	}
	assert_int_equal(norm_opts_add_filler(&o, "um", 2, &err), 0);
	assert_int_equal(norm_opts_add_filler(&o, "hmm", 3, &err), 0);
	assert_int_equal(norm_opts_add_filler(&o, "um", 2, &err), 0);
	assert_int_equal(o.nfillers, 2);
	assert_string_equal(o.fillers[0], "hmm");
	assert_string_equal(o.fillers[1], "um");
	norm_opts_release(&o);

	/* A filler that normalises to nothing cannot be used. */
	buf_reset(&err);
	assert_int_equal(norm_opts_parse(&o, "unicode,fillers=--", 18, &err),
			 0);
	assert_null(normalizer_new(&o, &err));
	assert_non_null(strstr(err.s, "filler word \"--\""));
	norm_opts_release(&o);
	buf_release(&err);
}

static void test_normalize__check(void **state)
{
	struct norm_opts o;
	struct buf err = BUF_INIT;
	enum norm_mode m;

	(void)state;
	norm_opts_init(&o);
	assert_int_equal(norm_opts_check(&o, &err), 0);
	o.mode = NORM_UNICODE;
	assert_int_equal(norm_opts_check(&o, &err), -1);
	assert_non_null(strstr(err.s, "at least one of"));
	o.mode = NORM_NONE;
	o.casefold = true;
	assert_int_equal(norm_opts_check(&o, &err), -1);
	o.mode = (enum norm_mode)7;
	assert_int_equal(norm_opts_check(&o, &err), -1);
	assert_null(norm_mode_name(o.mode));
	assert_int_equal(norm_mode_parse("unicode", 7, &m), 0);
	assert_int_equal(m, NORM_UNICODE);
	assert_int_equal(norm_mode_parse("unicod", 6, &m), -1);
	assert_string_equal(norm_mode_name(NORM_NONE), "none");
	buf_release(&err);
}

static void test_normalize__copy(void **state)
{
	struct norm_opts o, c;
	struct buf err = BUF_INIT, d = BUF_INIT;
	struct normalizer *nz;

	(void)state;
	assert_int_equal(norm_opts_parse(&o, "casefold,fillers=uh|um", 22,
					 &err), 0);
	norm_opts_copy(&c, &o);
	norm_opts_release(&o);
	nz = normalizer_new(&c, &err);
	norm_opts_release(&c);
	assert_non_null(nz);
	norm_opts_describe(normalizer_opts(nz), &d);
	assert_string_equal(d.s, "casefold,fillers=uh|um");
	normalizer_free(nz);
	buf_release(&d);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize__sclite),
		cmocka_unit_test(test_normalize__none),
		cmocka_unit_test(test_normalize__unicode),
		cmocka_unit_test(test_normalize__unicode_steps),
		cmocka_unit_test(test_normalize__fillers),
		cmocka_unit_test(test_normalize__invalid_utf8),
		cmocka_unit_test(test_normalize__nul_bytes),
		cmocka_unit_test(test_normalize__byte_modes_random),
		cmocka_unit_test(test_normalize__describe_roundtrip),
		cmocka_unit_test(test_normalize__parse_errors),
		cmocka_unit_test(test_normalize__fillers_checked),
		cmocka_unit_test(test_normalize__check),
		cmocka_unit_test(test_normalize__copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
