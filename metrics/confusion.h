/*
 * confusion.h - confusion counts per cohort and the rates derived from them.
 *
 * Rows are assigned to cohorts by a dense key array (cohort[r] in
 * [0, ncohorts)), or all to cohort 0 when the key array is NULL; the
 * accumulators add into caller-allocated, zeroed count arrays, so one pass
 * over the rows fills every cohort of a grouping.
 *
 * Every binary rate is a proportion x / d of two counts; d == 0 makes the
 * rate undefined, and confusion_rate_reason() says why in words fit for a
 * result ("no actual negatives in cohort").  Rates are never reported as 0
 * when undefined.
 */
#ifndef FA_CONFUSION_H
#define FA_CONFUSION_H

#include "common/fa.h"

struct confusion {
	uint64_t tp, fp, tn, fn;
};

enum confusion_rate {
	CONF_TPR,		/* tp / (tp + fn) */
	CONF_FPR,		/* fp / (fp + tn) */
	CONF_FNR,		/* fn / (tp + fn) */
	CONF_TNR,		/* tn / (fp + tn) */
	CONF_PPV,		/* tp / (tp + fp) */
	CONF_NPV,		/* tn / (tn + fn) */
	CONF_FDR,		/* fp / (tp + fp) */
	CONF_FOR,		/* fn / (tn + fn) */
	CONF_ACCURACY,		/* (tp + tn) / n */
	CONF_ERROR_RATE,	/* (fp + fn) / n */
	CONF_SELECTION_RATE,	/* (tp + fp) / n */
	CONF_PREVALENCE,	/* (tp + fn) / n */
	CONF_NRATES
};

/* Result key of a rate: "tpr", "fpr", ..., "for", "selection_rate". */
const char *confusion_rate_name(enum confusion_rate r);
/* Why the rate is undefined when its denominator is 0. */
const char *confusion_rate_reason(enum confusion_rate r);
/* Numerator and denominator of rate r for counts c. */
void confusion_rate(const struct confusion *c, enum confusion_rate r,
		    uint64_t *x, uint64_t *d);
static inline uint64_t confusion_n(const struct confusion *c)
{
	return c->tp + c->fp + c->tn + c->fn;
}

/*
 * Binary classification: a row is an actual positive when
 * label[r] == positive and a predicted positive when pred[r] == positive
 * (positive < 0: nothing is positive).  Adds into out[cohort[r]]; out
 * has ncohorts entries (1 when cohort is NULL).
 */
void confusion_add_labels(const uint32_t *label, const uint32_t *pred,
			  int64_t positive, const uint32_t *cohort,
			  size_t nrows, size_t ncohorts,
			  struct confusion *out);

/*
 * Score task: predicted positive when score[r] >= threshold.
 */
void confusion_add_scores(const uint32_t *label, const double *score,
			  double threshold, int64_t positive,
			  const uint32_t *cohort, size_t nrows,
			  size_t ncohorts, struct confusion *out);

/*
 * Multi-class counts for nclasses classes, per cohort c:
 *   n[c]                   rows
 *   correct[c]             rows with pred == label
 *   support[c*nclasses+k]  rows whose label is class k
 *   hits[c*nclasses+k]     rows whose label and prediction are both k
 * Labels and predictions must be < nclasses.  All arrays caller-allocated
 * and zeroed.
 */
void confusion_add_multiclass(const uint32_t *label, const uint32_t *pred,
			      size_t nclasses, const uint32_t *cohort,
			      size_t nrows, uint64_t *n, uint64_t *correct,
			      uint64_t *support, uint64_t *hits);

#endif
