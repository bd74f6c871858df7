/*
 * slices.h - slice discovery on an evaluation's table: where does a model
 * underperform?  The SliceLine search (cohorts/sliceline.h) over every
 * conjunction of attribute = value, with statistics a team can defend:
 * POST /v1/models/{id}/slices and `fairaudit slices` (the same JSON).
 *
 * Request (JSON object; defaults in brackets):
 *   metric       error_rate (classification, score at the threshold),
 *                fpr, fnr (binary), abs_error (regression), wer (asr)
 *                [error_rate, abs_error for regression, wer for asr]
 *   max_level    predicates a slice may have [3]
 *   min_support  rows (utterances) a slice needs [max(30, 1 % of rows)]
 *   k            slices returned [10]
 *   alpha        SliceLine's weight of error against size [0.95]
 *   attributes   the attributes to search [all]
 *   bins         {attribute: [edges]}; a numeric attribute with more than
 *                10 values and no bins is binned at its quartiles
 *   threshold    score tasks [0.5]
 *   significance [0.05]   confidence [0.95]   seed [20240101]
 *   replicate    [true]: search one random half, confirm on the other
 *
 * The rows searched are those the metric is defined on: fpr the negatives,
 * fnr the positives, wer the utterances with reference words.  Each
 * slice: its predicates, rows (and speakers), score, the metric with an
 * interval, the same for its complement, the gap (slice minus complement)
 * with interval and two-sided p-value, and that p-value adjusted for
 * every slice the search evaluated (Bonferroni: p x evaluated, capped at
 * 1), "significant" when the adjusted p is below the significance level.
 * Rates use Wilson intervals, Newcombe's interval for the gap and the
 * audit's test (Fisher or z, metrics/stats.h); abs_error and wer, ratios
 * of sums, the linearised (delta-method) variance with rows (for wer,
 * speakers) as clusters and normal intervals.
 *
 * Replication: rows go to two halves by a hash of the seed and their id;
 * the search runs on the first half (min_support halved), and each slice
 * it finds is tested on the second (one-sided: worse than its complement;
 * Holm over those slices).  A slice of the full search is "confirmed"
 * when the first half's search found it and the second half confirms it;
 * under no effect at all, the chance that any slice is confirmed is at
 * most the significance level (tests/unit/evaluate/slices.c).
 */
#ifndef FA_SLICES_H
#define FA_SLICES_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/sliceline.h"
#include "cohorts/bitset.h"
#include <cjson/cJSON.h>

/* Progress and cancellation for a search (both optional). */
struct slices_hooks {
	void (*progress)(void *ctx, const char *phase, unsigned level,
			 uint64_t evaluated, uint64_t candidates);
	void *ctx;
	const volatile int *cancel;
};

/*
 * Check req against t's task and attributes without searching (t may have
 * no rows): 0, or -1 with one sentence in err.
 */
int slices_check(const struct table *t, const cJSON *req, struct buf *err);

/*
 * The slices of t for req, or NULL with one sentence in err (*cancelled
 * set when the hooks' cancel stopped it).  only (NULL: every row) limits
 * the search to those rows of t: a bounty's discovery part.
 */
cJSON *slices_run(const struct table *t, const struct bitset *only,
		  const cJSON *req, const struct slices_hooks *hooks,
		  bool *cancelled, struct buf *err);

#endif
