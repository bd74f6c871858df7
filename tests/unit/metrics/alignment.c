/*
 * Unit tests for metrics/alignment.c.
 *
 * Every expected count and alignment below was produced by NIST sclite
 * 2.4.10 (Debian sctk; /usr/lib/sctk/bin/sclite -i rm, -o sgml for the
 * C/S/D/I sequences, -o pralign for the rendered lines, -c -e utf-8 for
 * characters), not by this code.  tests/sclite/run.py compares the two on
 * large random corpora; these are the hand-made cases.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/alignment.h"

static struct aligner *new_aligner(const char *spec)
{
	struct norm_opts o;
	struct buf err = BUF_INIT;
	struct aligner *al;

	if (norm_opts_parse(&o, spec, strlen(spec), &err))
		fail_msg("%s", err.s);
	al = aligner_new(&o, &err);
	if (!al)
		fail_msg("%s", err.s);
	norm_opts_release(&o);
	buf_release(&err);
	return al;
}

/* Score and return the op letters ("-" for none) in a static buffer. */
static const char *score_ops(struct aligner *al, const char *ref,
			     const char *hyp, struct asr_counts *c)
{
	static char ops[8192];
	struct buf err = BUF_INIT;
	const struct align_op *op;
	size_t n;

	if (aligner_score(al, ref, strlen(ref), hyp, strlen(hyp), ALIGN_OPS,
			  c, &err))
		fail_msg("%s", err.s);
	n = aligner_ops(al, &op);
	assert_true(n < sizeof(ops));
	for (size_t i = 0; i < n; i++)
		ops[i] = op[i].kind;
	ops[n] = '\0';
	if (!n)
		strncpy(ops, "-", sizeof(ops));
	buf_release(&err);
	return ops;
}

static void expect_counts(const struct asr_counts *c, uint32_t hits,
			  uint32_t sub, uint32_t del, uint32_t ins)
{
	if (c->hits != hits || c->sub != sub || c->del != del ||
	    c->ins != ins)
		fail_msg("got C %u S %u D %u I %u, want %u %u %u %u",
			 c->hits, c->sub, c->del, c->ins, hits, sub, del, ins);
	assert_int_equal(c->ref_words, hits + sub + del);
}

/* sclite -o sgml on these pairs (default options). */
static const struct {
	const char *ref, *hyp, *ops;
} sclite_cases[] = {
	{ "a b", "b a", "DCI" },
	{ "a b c d e f g h", "d e y1 y2 y3 y4 y5 y6", "DDDCCIIISSS" },
	{ "the cat sat on the mat", "the cat sat on the mat", "CCCCCC" },
	{ "", "a b c", "III" },
	{ "a b c", "", "DDD" },
	{ "", "", "-" },
	{ "The CAT", "the cat", "CC" },
	{ "ÉCOLE", "école", "S" },
	{ "hello, world", "hello world", "SC" },
	{ "a a a", "a", "DDC" },
	{ "a", "a a a", "IIC" },
	{ "a b a b", "b a b a", "DCCCI" },
	{ "a b c", "c b a", "SCS" },
	{ "x y", "a x b y c", "ICICI" },
	{ "one two three four", "one too three for five", "CSCIS" },
	{ "中文 日本語 😀", "中文 日本 😀 😀", "CISC" },
	{ "  a\tb \v c\r", "\ta  b c  ", "CCC" },
};

static void test_alignment__sclite_cases(void **state)
{
	struct aligner *al = new_aligner("sclite");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(sclite_cases); i++) {
		struct asr_counts c, c2;
		struct buf err = BUF_INIT;
		const char *want = sclite_cases[i].ops;
		const char *got = score_ops(al, sclite_cases[i].ref,
					    sclite_cases[i].hyp, &c);
		uint32_t k[4] = { 0 };

		if (strcmp(got, want))
			fail_msg("case %zu: got %s, want %s", i, got, want);
		for (const char *p = want; *p; p++)
			k[0] += *p == 'C', k[1] += *p == 'S',
			k[2] += *p == 'D', k[3] += *p == 'I';
		expect_counts(&c, k[0], k[1], k[2], k[3]);
		/* The counts-only (banded) table agrees with the full one. */
		assert_int_equal(aligner_score(al, sclite_cases[i].ref,
					       strlen(sclite_cases[i].ref),
					       sclite_cases[i].hyp,
					       strlen(sclite_cases[i].hyp),
					       ALIGN_WORDS_ONLY, &c2, &err), 0);
		expect_counts(&c2, k[0], k[1], k[2], k[3]);
	}
	aligner_free(al);
}

static void test_alignment__documented_cases(void **state)
{
	/* ASR-NOTES.md: D C I (cost 6, not S S) and 9 errors, 112.5 %. */
	struct aligner *al = new_aligner("sclite");
	struct asr_counts c;

	(void)state;
	assert_string_equal(score_ops(al, "a b", "b a", &c), "DCI");
	expect_counts(&c, 1, 0, 1, 1);
	score_ops(al, "a b c d e f g h", "d e y1 y2 y3 y4 y5 y6", &c);
	expect_counts(&c, 2, 3, 3, 3);
	assert_int_equal(c.ref_words, 8);
	assert_true(fabs((c.sub + c.del + c.ins) / (double)c.ref_words -
			 1.125) < 1e-12);
	aligner_free(al);
}

static void test_alignment__edges(void **state)
{
	struct aligner *al = new_aligner("sclite");
	struct asr_counts c;
	const struct align_op *op;

	(void)state;
	/* Identical. */
	assert_string_equal(score_ops(al, "x y z", "x y z", &c), "CCC");
	expect_counts(&c, 3, 0, 0, 0);
	assert_int_equal(c.char_errors, 0);
	assert_int_equal(c.ref_chars, 3);
	/* Empty reference: insertions only, no reference words. */
	score_ops(al, "", "p q r", &c);
	expect_counts(&c, 0, 0, 0, 3);
	assert_int_equal(c.ref_words, 0);
	assert_int_equal(c.ref_chars, 0);
	assert_int_equal(c.char_errors, 3);
	/* Empty hypothesis: all deletions. */
	score_ops(al, "x y", "", &c);
	expect_counts(&c, 0, 0, 2, 0);
	/* Both empty (whitespace only): nothing at all, no ops. */
	score_ops(al, " \t ", "\n", &c);
	expect_counts(&c, 0, 0, 0, 0);
	assert_int_equal(c.ref_chars, 0);
	assert_int_equal(c.char_errors, 0);
	assert_int_equal(aligner_ops(al, &op), 0);
	aligner_free(al);
}

static void test_alignment__insertions_past_100(void **state)
{
	struct aligner *al = new_aligner("sclite");
	struct asr_counts c;

	(void)state;
	assert_string_equal(score_ops(al, "yes", "oh yes yes indeed", &c),
			    "IICI");
	expect_counts(&c, 1, 0, 0, 3);
	assert_true(c.sub + c.del + c.ins > c.ref_words);
	aligner_free(al);
}

static void test_alignment__case_and_modes(void **state)
{
	struct aligner *sc = new_aligner("sclite");
	struct aligner *none = new_aligner("none");
	struct aligner *uni = new_aligner("unicode,fillers=uh|um");
	struct asr_counts c;

	(void)state;
	/* sclite folds ASCII only (sclite -o sgml: C C S). */
	score_ops(sc, "The CAT École", "the cat école", &c);
	expect_counts(&c, 2, 1, 0, 0);
	/* sclite -s: every case difference is a substitution. */
	score_ops(none, "The CAT École", "the cat école", &c);
	expect_counts(&c, 0, 3, 0, 0);
	/* unicode: case folded, punctuation and fillers gone. */
	score_ops(uni, "Uh, the CAT ain’t at l'École.", "the cat um ain't at "
		  "l'école", &c);
	expect_counts(&c, 5, 0, 0, 0);
	aligner_free(sc);
	aligner_free(none);
	aligner_free(uni);
}

static void test_alignment__render(void **state)
{
	/* sclite -o pralign, lines copied from its output. */
	static const struct {
		const char *ref, *hyp, *text;
	} c[] = {
		{ "a b", "b a",
		  "REF:  A b * \n"
		  "HYP:  * b A \n"
		  "Eval: D   I \n" },
		{ "a b c d e f g h", "d e y1 y2 y3 y4 y5 y6",
		  "REF:  A B C d e ** ** ** F  G  H  \n"
		  "HYP:  * * * d e Y1 Y2 Y3 Y4 Y5 Y6 \n"
		  "Eval: D D D     I  I  I  S  S  S  \n" },
		{ "x y", "",
		  "REF:  X Y \n"
		  "HYP:  * * \n"
		  "Eval: D D \n" },
		{ "", "p q r",
		  "REF:  * * * \n"
		  "HYP:  P Q R \n"
		  "Eval: I I I \n" },
		{ "the cat", "thecat",
		  "REF:  THE CAT    \n"
		  "HYP:  *** THECAT \n"
		  "Eval: D   S      \n" },
		{ "", "", "" },
		/* Widths in code points (sclite pads by bytes here). */
		{ "école ÉCOLE", "écoles école",
		  "REF:  ****** école ÉCOLE \n"
		  "HYP:  éCOLES école ***** \n"
		  "Eval: I            D     \n" },
	};
	struct aligner *al = new_aligner("sclite");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct buf out = BUF_INIT;
		struct asr_counts k;
		const struct align_op *op;
		size_t n;

		score_ops(al, c[i].ref, c[i].hyp, &k);
		n = aligner_ops(al, &op);
		align_render(op, n, &out);
		assert_string_equal(out.s, c[i].text);
		buf_release(&out);
	}
	aligner_free(al);
}

static void test_alignment__ops_words(void **state)
{
	struct aligner *al = new_aligner("sclite");
	struct asr_counts c;
	const struct align_op *op;

	(void)state;
	score_ops(al, "Hello big World", "hello world again", &c);
	assert_int_equal(aligner_ops(al, &op), 4);
	assert_int_equal(op[0].kind, 'C');
	assert_memory_equal(op[0].ref, "hello", 5);
	assert_int_equal(op[1].kind, 'D');
	assert_memory_equal(op[1].ref, "big", 3);
	assert_null(op[1].hyp);
	assert_int_equal(op[2].kind, 'C');
	assert_int_equal(op[3].kind, 'I');
	assert_null(op[3].ref);
	assert_int_equal(op[3].hyp_len, 5);
	assert_memory_equal(op[3].hyp, "again", 5);
	assert_string_equal(aligner_ref_words(al)->text, "hello big world");
	assert_string_equal(aligner_hyp_words(al)->text, "hello world again");
	aligner_free(al);
}

/* Build "w0 w1 ... " style texts. */
static char *make_text(size_t n, const char *(*word)(size_t, char *))
{
	struct buf b = BUF_INIT;
	char tmp[32];

	for (size_t i = 0; i < n; i++)
		buf_addf(&b, "%s%s", i ? " " : "", word(i, tmp));
	return buf_detach(&b, NULL);
}

static const char *w_seq(size_t i, char *tmp)
{
	snprintf(tmp, 32, "w%zu", i);
	return tmp;
}

static const char *w_rev3000(size_t i, char *tmp)
{
	return w_seq(2999 - i, tmp);
}

static const char *w_tenth_x(size_t i, char *tmp)
{
	return i % 10 ? w_seq(i, tmp) : "x";
}

static const char *w_ab(size_t i, char *tmp)
{
	(void)tmp;
	return i % 2 ? "b" : "a";
}

static const char *w_ba(size_t i, char *tmp)
{
	(void)tmp;
	return i % 2 ? "a" : "b";
}

static void test_alignment__long(void **state)
{
	/* sclite -o sgml on the same texts (4000, 3000 and 5000 words). */
	static const struct {
		size_t n;
		const char *(*ref)(size_t, char *), *(*hyp)(size_t, char *);
		uint32_t c, s, d, i;
		uint32_t cc, cs, cd, ci;	/* sclite -c -e utf-8 */
	} c[] = {
		{ 4000, w_ab, w_ba, 3999, 0, 1, 1, 3999, 0, 1, 1 },
		{ 3000, w_seq, w_rev3000, 1, 2998, 1, 1,
		  6589, 5699, 1602, 1602 },
		{ 5000, w_seq, w_tenth_x, 4500, 500, 0, 0,
		  21501, 500, 1889, 0 },
	};
	struct aligner *al = new_aligner("sclite");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		char *r = make_text(c[i].n, c[i].ref);
		char *h = make_text(c[i].n, c[i].hyp);
		struct asr_counts k;
		struct buf err = BUF_INIT;
		const struct align_tally *ct;

		assert_int_equal(aligner_score(al, r, strlen(r), h, strlen(h),
					       0, &k, &err), 0);
		expect_counts(&k, c[i].c, c[i].s, c[i].d, c[i].i);
		ct = aligner_char_tally(al);
		assert_int_equal(ct->hits, c[i].cc);
		assert_int_equal(ct->sub, c[i].cs);
		assert_int_equal(ct->del, c[i].cd);
		assert_int_equal(ct->ins, c[i].ci);
		assert_int_equal(k.ref_chars, c[i].cc + c[i].cs + c[i].cd);
		/* The walked-back alignment gives the same counts. */
		score_ops(al, r, h, &k);
		expect_counts(&k, c[i].c, c[i].s, c[i].d, c[i].i);
		free(r);
		free(h);
	}
	aligner_free(al);
}

static void test_alignment__cer(void **state)
{
	/* sclite -c -e utf-8: spaces dropped, code points, ASCII folded. */
	static const struct {
		const char *ref, *hyp;
		uint32_t c, s, d, i;
	} c[] = {
		{ "the cat", "thecat", 6, 0, 0, 0 },
		{ "école ÉCOLE", "écoles école", 9, 1, 0, 1 },
		{ "Abc", "abd", 2, 1, 0, 0 },
		{ "a b", "b a", 1, 0, 1, 1 },
		{ "a b c d e f g h", "d e y1 y2 y3 y4 y5 y6", 2, 3, 3, 9 },
		{ "hello, world", "hello world", 10, 0, 1, 0 },
		{ "one two three four", "one too three for five",
		  13, 1, 1, 4 },
		{ "中文 日本語 😀", "中文 日本 😀 😀", 5, 1, 0, 0 },
		{ "", "ab", 0, 0, 0, 2 },
		{ "ab", "", 0, 0, 2, 0 },
	};
	struct aligner *al = new_aligner("sclite");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct asr_counts k;
		struct buf err = BUF_INIT;
		const struct align_tally *t;

		assert_int_equal(aligner_score(al, c[i].ref, strlen(c[i].ref),
					       c[i].hyp, strlen(c[i].hyp), 0,
					       &k, &err), 0);
		t = aligner_char_tally(al);
		if (t->hits != c[i].c || t->sub != c[i].s ||
		    t->del != c[i].d || t->ins != c[i].i)
			fail_msg("case %zu: got %u %u %u %u", i, t->hits,
				 t->sub, t->del, t->ins);
		assert_int_equal(k.ref_chars, c[i].c + c[i].s + c[i].d);
		assert_int_equal(k.char_errors, c[i].s + c[i].d + c[i].i);
	}
	aligner_free(al);
}

static void test_alignment__words_only(void **state)
{
	struct aligner *al = new_aligner("sclite");
	struct asr_counts k;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(aligner_score(al, "a b", 3, "a c", 3,
				       ALIGN_WORDS_ONLY, &k, &err), 0);
	expect_counts(&k, 1, 1, 0, 0);
	assert_int_equal(k.ref_chars, 0);
	assert_int_equal(k.char_errors, 0);
	assert_int_equal(aligner_char_tally(al)->hits, 0);
	aligner_free(al);
}

static void test_alignment__invalid_utf8(void **state)
{
	struct aligner *al = new_aligner("sclite");
	struct asr_counts k;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(aligner_score(al, "a \xff", 3, "a", 1, 0, &k, &err),
			 -1);
	assert_non_null(strstr(err.s, "reference"));
	assert_non_null(strstr(err.s, "invalid UTF-8 byte 0xff at offset 2"));
	assert_int_equal(k.ref_words, 0);
	buf_reset(&err);
	assert_int_equal(aligner_score(al, "a", 1, "\xc3", 1, 0, &k, &err),
			 -1);
	assert_non_null(strstr(err.s, "hypothesis"));
	/* The aligner is usable afterwards. */
	buf_reset(&err);
	assert_int_equal(aligner_score(al, "a", 1, "a", 1, 0, &k, &err), 0);
	expect_counts(&k, 1, 0, 0, 0);
	buf_release(&err);
	aligner_free(al);
}

static void test_alignment__ops_cap(void **state)
{
	size_t n = 8200;	/* 8200^2 word pairs > ALIGN_MAX_OPS_CELLS */
	char *r = xmalloc(2 * n + 1);
	struct aligner *al = new_aligner("sclite");
	struct asr_counts k;
	struct buf err = BUF_INIT;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		r[2 * i] = 'a';
		r[2 * i + 1] = ' ';
	}
	r[2 * n] = '\0';
	assert_true((unsigned long long)n * n > ALIGN_MAX_OPS_CELLS);
	assert_int_equal(aligner_score(al, r, 2 * n, r, 2 * n, ALIGN_OPS, &k,
				       &err), -1);
	assert_non_null(strstr(err.s, "ALIGN_MAX_OPS_CELLS"));
	/* Counts have no cap (identical texts: the suffix is all of it). */
	buf_reset(&err);
	assert_int_equal(aligner_score(al, r, 2 * n, r, 2 * n, 0, &k, &err),
			 0);
	expect_counts(&k, (uint32_t)n, 0, 0, 0);
	free(r);
	buf_release(&err);
	aligner_free(al);
}

/* Small deterministic generator for the property tests. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_alignment__band_equals_full_table(void **state)
{
	/*
	 * The counts-only table is banded and is exact by argument (see
	 * dp_band); check it against the full table (ALIGN_OPS) on many
	 * tie-heavy random pairs, including ones that need the second pass.
	 */
	struct aligner *al = new_aligner("sclite");
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	static const char *const vocab[] = { "a", "b", "c" };

	(void)state;
	for (int it = 0; it < 3000; it++) {
		struct buf r = BUF_INIT, h = BUF_INIT, err = BUF_INIT;
		size_t nr = rng_next(&s) % 60, nh = rng_next(&s) % 60;
		size_t nv = 2 + rng_next(&s) % 2;
		struct asr_counts a, b;

		for (size_t i = 0; i < nr; i++)
			buf_addf(&r, "%s ", vocab[rng_next(&s) % nv]);
		for (size_t i = 0; i < nh; i++)
			buf_addf(&h, "%s ", vocab[rng_next(&s) % nv]);
		assert_int_equal(aligner_score(al, r.s, r.len, h.s, h.len,
					       ALIGN_OPS | ALIGN_WORDS_ONLY,
					       &a, &err), 0);
		assert_int_equal(aligner_score(al, r.s, r.len, h.s, h.len,
					       ALIGN_WORDS_ONLY, &b, &err), 0);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("\"%s\" / \"%s\": full %u %u %u %u, band "
				 "%u %u %u %u", r.s, h.s, a.hits, a.sub,
				 a.del, a.ins, b.hits, b.sub, b.del, b.ins);
		buf_release(&r);
		buf_release(&h);
		buf_release(&err);
	}
	aligner_free(al);
}

/*
 * The AVX-512 and AVX2 anti-diagonal fills (where the processor has them)
 * and the plain C band give the same counts: random id sequences of every
 * length up to a few hundred (lanes of sixteen and of eight cut
 * everywhere), alphabets from two symbols (ties everywhere) to many,
 * texts sharing long stretches, and lengths at the limit of the 16-bit
 * cells.  On a processor without them the aligners take the best path it
 * has and the test still holds.
 */
static void test_alignment__simd_equals_plain(void **state)
{
	struct aligner *plain, *fast, *fast8;
	uint64_t s = 0x2545f4914f6cdd1dULL;
	uint32_t *r = malloc(7000 * sizeof(*r)), *h = malloc(7000 * sizeof(*h));

	(void)state;
	align_set_simd(0);
	plain = new_aligner("sclite");
	align_set_simd(1);
	fast8 = new_aligner("sclite");
	align_set_simd(ALIGN_SIMD_BEST);
	fast = new_aligner("sclite");
	for (int it = 0; it < 4000; it++) {
		size_t n = rng_next(&s) % (it < 3000 ? 70 : 400);
		size_t m = rng_next(&s) % (it < 3000 ? 70 : 400);
		uint32_t alpha = 2 + (uint32_t)(rng_next(&s) % (it % 3 ? 4 : 40));
		struct align_tally a, b;

		for (size_t i = 0; i < n; i++)
			r[i] = (uint32_t)(rng_next(&s) % alpha);
		for (size_t i = 0; i < m; i++)
			h[i] = it % 2 && i < n && rng_next(&s) % 8 ?
			       r[i] : (uint32_t)(rng_next(&s) % alpha);
		aligner_align_ids(plain, r, n, h, m, &a);
		aligner_align_ids(fast, r, n, h, m, &b);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("n %zu m %zu alphabet %u: plain %u %u %u %u, "
				 "simd %u %u %u %u", n, m, alpha, a.hits, a.sub,
				 a.del, a.ins, b.hits, b.sub, b.del, b.ins);
		aligner_align_ids(fast8, r, n, h, m, &b);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("n %zu m %zu alphabet %u: plain %u %u %u %u, "
				 "avx2 %u %u %u %u", n, m, alpha, a.hits, a.sub,
				 a.del, a.ins, b.hits, b.sub, b.del, b.ins);
	}
	/* Symbols about the 16 bits AVX2 makes them: a reference symbol at
	 * or above 0xfff0 sends the pair to the 32-bit cells, a hypothesis
	 * symbol there matches nothing; bands of every width up to past
	 * the 64 cells its registers hold. */
	for (int it = 0; it < 1500; it++) {
		size_t n = 1 + rng_next(&s) % 200, m = 1 + rng_next(&s) % 200;
		uint32_t base = 0xffe0u + (uint32_t)(rng_next(&s) % 0x20);
		uint32_t alpha = 2 + (uint32_t)(rng_next(&s) % 24);
		struct align_tally a, b;

		for (size_t i = 0; i < n; i++)
			r[i] = (it % 4 ? 0 : base) +
			       (uint32_t)(rng_next(&s) % alpha);
		for (size_t i = 0; i < m; i++)
			h[i] = i < n && rng_next(&s) % 4 ? r[i] :
			       base + (uint32_t)(rng_next(&s) % alpha);
		aligner_align_ids(plain, r, n, h, m, &a);
		aligner_align_ids(fast8, r, n, h, m, &b);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("n %zu m %zu base %#x: plain %u %u %u %u, "
				 "avx2 %u %u %u %u", n, m, base, a.hits, a.sub,
				 a.del, a.ins, b.hits, b.sub, b.del, b.ins);
		aligner_align_ids(fast, r, n, h, m, &b);
		assert_memory_equal(&a, &b, sizeof(a));
	}
	/* The longest texts the 16-bit cells take (7000 symbols in all)
	 * and some past them, with nothing in common. */
	for (size_t n = 3499; n <= 3501; n++) {
		struct align_tally a, b;

		for (size_t i = 0; i < n; i++) {
			r[i] = (uint32_t)i;
			h[i] = (uint32_t)(i + 100000);
		}
		aligner_align_ids(plain, r, n, h, n, &a);
		aligner_align_ids(fast, r, n, h, n, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		aligner_align_ids(fast8, r, n, h, n, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_true(a.hits == 0 && a.sub == n && !a.del && !a.ins);
		/* all insertions and deletions: the largest costs */
		aligner_align_ids(plain, r, n, h, 0, &a);
		aligner_align_ids(fast, r, n, h, 0, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		aligner_align_ids(fast8, r, n, h, 0, &b);
		assert_memory_equal(&a, &b, sizeof(a));
		assert_true(a.del == n);
	}
	free(r);
	free(h);
	aligner_free(plain);
	aligner_free(fast);
	aligner_free(fast8);
}

/* Character error counts, through aligner_score, the same both ways. */
static void test_alignment__simd_equals_plain_chars(void **state)
{
	static const char *const words[] = { "the", "then", "than", "a", "an",
					     "and", "nd", "hand", "handed",
					     "é", "ée", "straße", "ab" };
	struct aligner *plain, *fast, *fast8;
	uint64_t s = 0x853c49e6748fea9bULL;

	(void)state;
	align_set_simd(0);
	plain = new_aligner("sclite");
	align_set_simd(1);
	fast8 = new_aligner("sclite");
	align_set_simd(ALIGN_SIMD_BEST);
	fast = new_aligner("sclite");
	for (int it = 0; it < 2000; it++) {
		struct buf r = BUF_INIT, h = BUF_INIT, err = BUF_INIT;
		size_t nr = rng_next(&s) % 40, nh = rng_next(&s) % 40;
		struct asr_counts a, b;

		for (size_t i = 0; i < nr; i++)
			buf_addf(&r, "%s ", words[rng_next(&s) % ARRAY_SIZE(words)]);
		for (size_t i = 0; i < nh; i++)
			buf_addf(&h, "%s ", words[rng_next(&s) % ARRAY_SIZE(words)]);
		assert_int_equal(aligner_score(plain, r.s ? r.s : "", r.len,
					       h.s ? h.s : "", h.len, 0, &a,
					       &err), 0);
		assert_int_equal(aligner_score(fast, r.s ? r.s : "", r.len,
					       h.s ? h.s : "", h.len, 0, &b,
					       &err), 0);
		if (memcmp(&a, &b, sizeof(a)))
			fail_msg("\"%s\" / \"%s\": characters plain %u/%u, "
				 "simd %u/%u", r.s, h.s, a.char_errors,
				 a.ref_chars, b.char_errors, b.ref_chars);
		assert_int_equal(aligner_score(fast8, r.s ? r.s : "", r.len,
					       h.s ? h.s : "", h.len, 0, &b,
					       &err), 0);
		assert_memory_equal(&a, &b, sizeof(a));
		buf_release(&r);
		buf_release(&h);
		buf_release(&err);
	}
	aligner_free(plain);
	aligner_free(fast);
	aligner_free(fast8);
}

static void test_alignment__align_ids(void **state)
{
	struct aligner *al = new_aligner("sclite");
	static const uint32_t r[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint32_t h[] = { 4, 5, 90, 91, 92, 93, 94, 95 };
	struct align_tally t;

	(void)state;
	aligner_align_ids(al, r, 8, h, 8, &t);
	assert_int_equal(t.hits, 2);
	assert_int_equal(t.sub, 3);
	assert_int_equal(t.del, 3);
	assert_int_equal(t.ins, 3);
	aligner_align_ids(al, r, 0, h, 0, &t);
	assert_int_equal(t.hits + t.sub + t.del + t.ins, 0);
	aligner_align_ids(al, r, 2, (const uint32_t[]){ 2, 1 }, 2, &t);
	assert_int_equal(t.hits, 1);
	assert_int_equal(t.del, 1);
	assert_int_equal(t.ins, 1);
	aligner_free(al);
}

static void test_alignment__reuse(void **state)
{
	/* One workspace over many utterances gives what fresh ones give. */
	struct aligner *al = new_aligner("sclite");

	(void)state;
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < ARRAY_SIZE(sclite_cases); i++) {
			struct aligner *fresh = new_aligner("sclite");
			struct asr_counts a, b;
			struct buf err = BUF_INIT;
			const char *r = sclite_cases[i].ref;
			const char *h = sclite_cases[i].hyp;

			assert_int_equal(aligner_score(al, r, strlen(r), h,
						       strlen(h), 0, &a,
						       &err), 0);
			assert_int_equal(aligner_score(fresh, r, strlen(r), h,
						       strlen(h), 0, &b,
						       &err), 0);
			assert_memory_equal(&a, &b, sizeof(a));
			aligner_free(fresh);
		}
	}
	assert_string_equal(norm_mode_name(aligner_opts(al)->mode), "sclite");
	aligner_free(al);
}

static void test_alignment__bad_options(void **state)
{
	struct norm_opts o;
	struct buf err = BUF_INIT;

	(void)state;
	norm_opts_init(&o);
	o.mode = NORM_UNICODE;	/* no step switched on */
	assert_null(aligner_new(&o, &err));
	assert_non_null(strstr(err.s, "at least one of"));
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment__sclite_cases),
		cmocka_unit_test(test_alignment__documented_cases),
		cmocka_unit_test(test_alignment__edges),
		cmocka_unit_test(test_alignment__insertions_past_100),
		cmocka_unit_test(test_alignment__case_and_modes),
		cmocka_unit_test(test_alignment__render),
		cmocka_unit_test(test_alignment__ops_words),
		cmocka_unit_test(test_alignment__long),
		cmocka_unit_test(test_alignment__cer),
		cmocka_unit_test(test_alignment__words_only),
		cmocka_unit_test(test_alignment__invalid_utf8),
		cmocka_unit_test(test_alignment__ops_cap),
		cmocka_unit_test(test_alignment__band_equals_full_table),
		cmocka_unit_test(test_alignment__simd_equals_plain),
		cmocka_unit_test(test_alignment__simd_equals_plain_chars),
		cmocka_unit_test(test_alignment__align_ids),
		cmocka_unit_test(test_alignment__reuse),
		cmocka_unit_test(test_alignment__bad_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
