/*
 * worst.h - the worst utterances of each cohort of an ASR evaluation, with
 * their word alignments, for people who need to see what went wrong.
 *
 * Given an evaluation document (evaluate/evaluation.h) and the table it was
 * computed from, each cohort of each grouping gets a "worst_utterances"
 * array of at most k entries, worst first:
 *   {"id", "speaker", "wer", "errors", "reference_words",
 *    "alignment": [{"op": "C"|"S"|"D"|"I", "ref": "...", "hyp": "..."}],
 *    "pra": "REF: ...\nHYP: ...\nEval: ..."}     (sclite's .pra lines)
 * Worst means the highest utterance WER, then the most errors, then the
 * first in table order.  Utterances with no reference words have no WER and
 * are left out.  The words are re-aligned here with the normalisation the
 * counts were made with, so the alignment shown is the one counted.
 */
#ifndef FA_REPORT_WORST_H
#define FA_REPORT_WORST_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "metrics/normalize.h"
#include <cjson/cJSON.h>

#define WORST_MAX 100		/* utterances per cohort */

/*
 * The reference and hypothesis texts of a table row (not NUL-terminated).
 * Returns 0, or -1 when the row has none.
 */
typedef int (*worst_texts_fn)(void *ctx, size_t row, const char **ref,
			      size_t *ref_len, const char **hyp,
			      size_t *hyp_len);

/*
 * Attach the worst k (1..WORST_MAX) utterances to every cohort of doc.
 * Returns 0, or -1 with one sentence in err (an attribute of the document
 * missing from the table, a text that fails to align).
 */
int worst_attach(cJSON *doc, const struct table *t, size_t k,
		 const struct norm_opts *no, worst_texts_fn texts, void *ctx,
		 struct buf *err);

#endif
