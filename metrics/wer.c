/*
 * wer.c - error-rate sums and rates; conventions in wer.h.
 *
 * The per-utterance WER is (S + D + I) / N with N the utterance's
 * reference words as recorded at upload (hits + sub + del); an utterance
 * with N = 0 adds its insertions to the pooled numerator only.
 */
#include "common/fa.h"
#include "metrics/wer.h"

void wer_sums_add(struct wer_sums *s, const struct asr_counts *c)
{
	uint64_t e = (uint64_t)c->sub + c->del + c->ins;

	s->utterances++;
	s->hits += c->hits;
	s->sub += c->sub;
	s->del += c->del;
	s->ins += c->ins;
	s->ref_words += c->ref_words;
	s->ref_chars += c->ref_chars;
	s->char_errors += c->char_errors;
	if (c->ref_words) {
		s->scored++;
		s->utt_wer_sum += (double)e / (double)c->ref_words;
	} else {
		s->empty_refs++;
	}
}

void wer_vector_add(double *v, const struct asr_counts *c)
{
	uint64_t e = (uint64_t)c->sub + c->del + c->ins;

	v[WER_V_ERRORS] += (double)e;
	v[WER_V_REF_WORDS] += c->ref_words;
	if (c->ref_words) {
		v[WER_V_UTT_WER_SUM] += (double)e / (double)c->ref_words;
		v[WER_V_SCORED] += 1;
	}
	v[WER_V_CHAR_ERRORS] += c->char_errors;
	v[WER_V_REF_CHARS] += c->ref_chars;
}

void wer_sums_vector(const struct wer_sums *s, double *v)
{
	v[WER_V_ERRORS] = (double)wer_errors(s);
	v[WER_V_REF_WORDS] = (double)s->ref_words;
	v[WER_V_UTT_WER_SUM] = s->utt_wer_sum;
	v[WER_V_SCORED] = (double)s->scored;
	v[WER_V_CHAR_ERRORS] = (double)s->char_errors;
	v[WER_V_REF_CHARS] = (double)s->ref_chars;
}

static double ratio(double x, double n)
{
	return n > 0 ? x / n : NAN;
}

void wer_rates(const double *v, double *out)
{
	out[WER_POOLED] = ratio(v[WER_V_ERRORS], v[WER_V_REF_WORDS]);
	out[WER_MEAN_UTTERANCE] = ratio(v[WER_V_UTT_WER_SUM], v[WER_V_SCORED]);
	out[WER_CER] = ratio(v[WER_V_CHAR_ERRORS], v[WER_V_REF_CHARS]);
}

double wer_rate_of(uint64_t x, const struct wer_sums *s)
{
	return s->ref_words ? (double)x / (double)s->ref_words : NAN;
}
