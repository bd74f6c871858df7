/*
 * across.h - one model on two datasets with the same attributes (a lab set
 * and a customer's field set): how each cohort changes from one to the
 * other, with unpaired intervals.
 *
 * The two tables become one (across_table): the first's rows, then the
 * second's, example and speaker ids prefixed so that neither set's ids
 * meet the other's, with the attributes both have and one more, the
 * dataset (its name: "dataset", or "dataset_2", ... when an attribute
 * already has it), whose value is each set's label.  An evaluation of that
 * table with the condition {dataset, the first set's label} is the
 * comparison: for every cohort, the change from the first set to the
 * second (difference and ratio with intervals, p-values Holm-adjusted over
 * the cohorts; the sets are independent samples, so the intervals are
 * unpaired: the delta method on the log scale for rates, each set's own
 * speaker-clustered bootstrap for speech), and whether the second set
 * hurts the cohort more than it hurts the reference cohort (see
 * evaluation_internal.h, condition_json).  across_describe() records the
 * two sides in the evaluation's document.
 */
#ifndef FA_ACROSS_H
#define FA_ACROSS_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include <cjson/cJSON.h>

/* One set: its label (the two must differ) and its table. */
struct across_side {
	const char *label;
	const struct table *t;
};

/*
 * Fill out (uninitialised) from a and b, which must have one task; *attr
 * gets the dataset attribute's name (caller frees).  -1 and a sentence in
 * err otherwise (out is then released).
 */
int across_table(struct table *out, const struct across_side *a,
		 const struct across_side *b, char **attr, struct buf *err);

/*
 * doc.across = {"attribute", "baseline", "a": side_a, "b": side_b,
 * "method"}: side_a and side_b (taken) say what each set is.
 */
void across_describe(cJSON *doc, const char *attr, const char *label_a,
		     cJSON *side_a, cJSON *side_b);

#endif
