/*
 * alignment.h - word and character alignment exactly as NIST sclite does it.
 *
 * The alignment is sclite's weighted minimum-cost alignment of the
 * hypothesis to the reference: correct 0, substitution 4, insertion 3,
 * deletion 3.  Among alignments of equal cost sclite picks one by its
 * tie-break, which decides the S/D/I split (it scores "a b" against "b a"
 * as D C I, cost 6, never S S, cost 8).  Each cell of the cost table keeps
 *	the diagonal (correct/substitution) if its cost is no more than both
 *	the deletion's and the insertion's, else the deletion if it is
 *	strictly cheaper than the insertion, else the insertion,
 * and the alignment is the chain of those choices walked back from the end.
 * The counts here equal sclite's hits/sub/del/ins utterance by utterance
 * (checked by tests/sclite/run.py against sclite 2.4.10 from Debian sctk).
 *
 * Words are what the normaliser (metrics/normalize.h) produces; in the
 * default sclite mode that is the text split on ASCII whitespace with A-Z
 * lower-cased, which is what sclite compares.  Words are compared as byte
 * strings, through integer ids interned per utterance.
 *
 * Character error rate follows sclite -c -e utf-8: the same weighted
 * alignment over Unicode code points of the normalised words, with the
 * spaces between words dropped ("the cat" equals "thecat").  ref_chars is
 * the number of reference code points without spaces.  jiwer and Hugging
 * Face count spaces as characters; their CER is not this one.
 *
 * Memory.  An aligner is a caller-owned workspace: buffers grow to the
 * largest utterance seen and are reused, so scoring many utterances does
 * not allocate after warm-up.  For a reference of n words and a hypothesis
 * of m words (n, m after stripping the common suffix, which never changes
 * sclite's result), the alignment itself needs
 *	counts only:	8 (m + 1) bytes of cost row
 *	with ALIGN_OPS:	add ceil(n m / 4) bytes of 2-bit choices and
 *			40 (n + m) bytes of ops
 * plus 4 (n + m) bytes of word ids, a 16-byte-per-slot intern table of at
 * least 2n slots, and the normalised texts.  Characters need the same with
 * n, m counted in code points (never ops).  Counts need no n x m table
 * because each cell carries its chosen path's cost and deletion count
 * forward.  Time is O(n m) at worst; counts fill only a diagonal band wide
 * enough to be exact (see alignment.c), so close texts cost far less.
 * Measured on one core: 100,000 utterances with 2.0 M reference words
 * (lengths up to 150 words) score in about 0.1 s of CPU for words (text
 * normalisation and interning included) and 0.55 s with characters; sclite
 * takes about 28 s on the same files.
 *
 * Not interpreted: sclite's reference markup ({ a / b } alternations,
 * (optional) words, fragments) - a trn reader that wants it must expand it.
 */
#ifndef FA_ALIGNMENT_H
#define FA_ALIGNMENT_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "metrics/normalize.h"

/*
 * Cap on n x m words for which ALIGN_OPS keeps the alignment (the choice
 * table is n m / 4 bytes: 16 MiB at the default).  Counts have no cap.
 */
#ifndef ALIGN_MAX_OPS_CELLS
#define ALIGN_MAX_OPS_CELLS (64ULL * 1024 * 1024)
#endif

/* Counts of one alignment. */
struct align_tally {
	uint32_t hits, sub, del, ins;
};

/*
 * One column of an alignment: kind is 'C' (correct), 'S', 'D' (ref word,
 * no hyp word) or 'I' (hyp word, no ref word).  The words point into the
 * aligner's normalised texts (not NUL-terminated; NULL for the gap) and
 * stay valid until the next call that scores with that aligner.
 */
struct align_op {
	char kind;
	const char *ref;
	size_t ref_len;
	const char *hyp;
	size_t hyp_len;
};

/* Flags for aligner_score(). */
#define ALIGN_WORDS_ONLY 1u	/* skip characters: ref_chars, char_errors 0 */
#define ALIGN_OPS 2u		/* keep the word alignment, see aligner_ops() */

struct aligner;

/*
 * A workspace that scores with the given normalisation (copied).  NULL,
 * with one sentence in err, if the options are not usable.
 */
struct aligner *aligner_new(const struct norm_opts *o, struct buf *err);
void aligner_free(struct aligner *al);

/* The normalisation the aligner applies. */
const struct norm_opts *aligner_opts(const struct aligner *al);

/*
 * Normalise the reference and hypothesis texts, align the words and,
 * unless ALIGN_WORDS_ONLY, the characters, and set every field of *out.
 * Returns 0, or -1 with one sentence in err (text not valid UTF-8, or
 * ALIGN_OPS asked for more than ALIGN_MAX_OPS_CELLS); *out is then zeroed.
 */
int aligner_score(struct aligner *al, const char *ref, size_t ref_len,
		  const char *hyp, size_t hyp_len, unsigned flags,
		  struct asr_counts *out, struct buf *err);

/*
 * The word alignment of the last aligner_score() with ALIGN_OPS, in order;
 * returns the number of ops (0 otherwise, and for two empty texts).
 */
size_t aligner_ops(const struct aligner *al, const struct align_op **ops);

/* The character counts of the last aligner_score() without WORDS_ONLY. */
const struct align_tally *aligner_char_tally(const struct aligner *al);

/* The normalised texts of the last aligner_score(). */
const struct wordlist *aligner_ref_words(const struct aligner *al);
const struct wordlist *aligner_hyp_words(const struct aligner *al);

/*
 * Align two sequences of already interned ids (equal id = equal token)
 * with sclite's weights and tie-break; counts only.  Uses the aligner's
 * buffers, not its normalisation or its last result.
 */
void aligner_align_ids(struct aligner *al, const uint32_t *ref, size_t n,
		       const uint32_t *hyp, size_t m, struct align_tally *t);

/*
 * Counts are filled sixteen cells at a time with AVX-512 or eight with
 * AVX2 where the processor has them, by plain C otherwise; all give the
 * same numbers.  Aligners created after align_set_simd(max) use at most
 * level max: 2 AVX-512, 1 AVX2, 0 plain C (for tests and benchmarks;
 * call it before any thread creates an aligner).
 */
#define ALIGN_SIMD_BEST 2
void align_set_simd(int max);

/*
 * Append the alignment as sclite's .pra shows it, three lines
 *	"REF:  A b * \n"
 *	"HYP:  * b A \n"
 *	"Eval: D   I \n"
 * Each column is as wide as its longer word, words of errors are shown
 * with ASCII letters upper-cased, a gap is a run of '*' as wide as the
 * column, every column is followed by one space and each line ends in
 * "\n".  Nothing is appended for an empty alignment (sclite prints no
 * lines then).  Widths count code points, where sclite counts bytes, so
 * columns of non-ASCII words line up; for ASCII the text is sclite's.
 * sclite's wrapping of very long lines is not reproduced.
 */
void align_render(const struct align_op *ops, size_t n, struct buf *out);

#endif
