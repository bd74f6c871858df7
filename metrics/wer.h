/*
 * wer.h - word and character error rates of a set of utterances, from the
 * per-utterance alignment counts of cohorts/table.h (struct asr_counts,
 * computed once at upload by metrics/alignment.h with sclite's weights).
 *
 * Three rates, two conventions for WER:
 *   pooled WER          (sum S + sum D + sum I) / sum N, N = reference
 *                       words: NIST sclite's "Sum/Avg" row.  Every word
 *                       weighs the same, so long utterances weigh more.
 *   mean utterance WER  the mean over utterances with N > 0 of
 *                       (S + D + I) / N, the convention of Koenecke et al.,
 *                       PNAS 2020: every utterance weighs the same.
 *                       Utterances with N = 0 have no WER and are left out
 *                       (counted in empty_refs); their insertions still
 *                       count in the pooled WER.
 *   CER                 sum of character errors / sum of reference
 *                       characters, spaces not counted (sclite -c).
 * Both WERs exceed 1 when insertions outnumber correct words.  A rate with
 * a zero denominator is undefined (NAN), never 0.
 *
 * Sums as vectors.  Bootstrap resampling (metrics/bootstrap.h) adds up the
 * sums of resampled clusters (speakers or utterances), so the sums a rate
 * needs are also available as a flat vector of WER_NV doubles, and
 * wer_rates() computes every rate from such a vector.  Point estimates go
 * through the same function, so a replicate and the estimate are computed
 * alike.  Counts are exact in a double up to 2^53.
 *
 * Nothing here allocates.
 */
#ifndef FA_WER_H
#define FA_WER_H

#include "common/fa.h"
#include "cohorts/table.h"

/* Integer sums over a set of utterances. */
struct wer_sums {
	uint64_t utterances;
	uint64_t hits, sub, del, ins;
	uint64_t ref_words;
	uint64_t ref_chars, char_errors;
	uint64_t empty_refs;	/* utterances with ref_words == 0 */
	uint64_t scored;	/* utterances with ref_words > 0 */
	double utt_wer_sum;	/* sum of (S + D + I) / N over `scored` */
};

/* Slots of a sums vector. */
enum wer_slot {
	WER_V_ERRORS,		/* S + D + I */
	WER_V_REF_WORDS,	/* N */
	WER_V_UTT_WER_SUM,	/* sum of per-utterance WER, N > 0 */
	WER_V_SCORED,		/* utterances with N > 0 */
	WER_V_CHAR_ERRORS,
	WER_V_REF_CHARS,
	WER_NV
};

/* Rates computed from a sums vector. */
enum wer_rate {
	WER_POOLED,
	WER_MEAN_UTTERANCE,
	WER_CER,
	WER_NRATES
};

/* Add one utterance's counts to s (s starts zeroed). */
void wer_sums_add(struct wer_sums *s, const struct asr_counts *c);

/* Add one utterance's counts to the sums vector v[WER_NV]. */
void wer_vector_add(double *v, const struct asr_counts *c);

/* The sums vector of s: v[WER_NV]. */
void wer_sums_vector(const struct wer_sums *s, double *v);

/*
 * Every rate of the sums vector v[WER_NV] into out[WER_NRATES]; NAN for a
 * rate whose denominator is 0.
 */
void wer_rates(const double *v, double *out);

/* S + D + I. */
static inline uint64_t wer_errors(const struct wer_sums *s)
{
	return s->sub + s->del + s->ins;
}

/* x / ref_words (e.g. the substitution rate), NAN without reference words. */
double wer_rate_of(uint64_t x, const struct wer_sums *s);

#endif
