/*
 * Unit tests for metrics/wer.c: pooled and mean utterance WER and CER from
 * hand-computed counts.  The 9 / 8 = 112.5 % case is ASR-NOTES.md's sclite
 * example ("a b c d e f g h" against "d e y1 y2 y3 y4 y5 y6": 2 C, 3 S,
 * 3 D, 3 I).
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/wer.h"

struct wer_case {
	const char *name;
	size_t n;
	struct asr_counts u[4];	/* hits sub del ins ref_words ref_chars
				   char_errors */
	double pooled, mean, cer;
	uint64_t empty;
};

#define U(h, s, d, i, rc, ce) { h, s, d, i, (h) + (s) + (d), rc, ce }

static const struct wer_case cases[] = {
	/* Every word weighs the same, or every utterance. */
	{ "pooled vs mean", 2, { U(9, 1, 0, 0, 40, 2), U(0, 1, 1, 0, 8, 6) },
	  3.0 / 12, (0.1 + 1.0) / 2, 8.0 / 48, 0 },
	{ "sclite 112.5 %", 1, { U(2, 3, 3, 3, 16, 12) },
	  9.0 / 8, 9.0 / 8, 12.0 / 16, 0 },
	{ "one utterance over 100 %", 2, { U(1, 1, 0, 3, 8, 7), U(3, 0, 0, 0, 12, 0) },
	  4.0 / 5, (2.0 + 0.0) / 2, 7.0 / 20, 0 },
	/* An empty reference: its insertions count in the pooled
	   numerator, the utterance is left out of the mean. */
	{ "empty reference", 2, { U(0, 0, 0, 2, 0, 2), U(3, 1, 0, 0, 16, 1) },
	  3.0 / 4, 1.0 / 4, 3.0 / 16, 1 },
	{ "only empty references", 2, { U(0, 0, 0, 2, 0, 2), U(0, 0, 0, 0, 0, 0) },
	  NAN, NAN, NAN, 2 },
	{ "nothing", 0, { U(0, 0, 0, 0, 0, 0) }, NAN, NAN, NAN, 0 },
};

static void expect_rate(const char *name, double got, double want)
{
	if (isnan(want) ? !isnan(got) : !(fabs(got - want) <= 1e-15))
		fail_msg("%s: expected %.17g, got %.17g", name, want, got);
}

static void test_wer__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct wer_case *c = &cases[i];
		struct wer_sums s = { 0 };
		double v[WER_NV], w[WER_NV] = { 0 }, r[WER_NRATES];

		for (size_t k = 0; k < c->n; k++) {
			wer_sums_add(&s, &c->u[k]);
			wer_vector_add(w, &c->u[k]);
		}
		wer_sums_vector(&s, v);
		for (size_t j = 0; j < WER_NV; j++)
			assert_true(v[j] == w[j]);
		wer_rates(v, r);
		expect_rate(c->name, r[WER_POOLED], c->pooled);
		expect_rate(c->name, r[WER_MEAN_UTTERANCE], c->mean);
		expect_rate(c->name, r[WER_CER], c->cer);
		assert_int_equal(s.utterances, c->n);
		assert_int_equal(s.empty_refs, c->empty);
		assert_int_equal(s.scored + s.empty_refs, c->n);
	}
}

static void test_wer__breakdown(void **state)
{
	struct wer_sums s = { 0 };
	const struct asr_counts a = U(2, 3, 3, 3, 16, 12);
	const struct asr_counts b = U(6, 1, 1, 0, 30, 2);

	(void)state;
	wer_sums_add(&s, &a);
	wer_sums_add(&s, &b);
	assert_int_equal(s.hits, 8);
	assert_int_equal(s.sub, 4);
	assert_int_equal(s.del, 4);
	assert_int_equal(s.ins, 3);
	assert_int_equal(s.ref_words, 16);
	assert_int_equal(wer_errors(&s), 11);
	expect_rate("sub", wer_rate_of(s.sub, &s), 0.25);
	expect_rate("ins", wer_rate_of(s.ins, &s), 3.0 / 16);
	memset(&s, 0, sizeof(s));
	expect_rate("empty", wer_rate_of(0, &s), NAN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wer__cases),
		cmocka_unit_test(test_wer__breakdown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
