/*
 * disparity.h - one metric value with its interval, and the comparison of
 * a cohort's value against the reference cohort's.
 *
 * A struct mval is what an evaluation reports for one metric of one cohort:
 * the value, its interval, or why either is undefined, plus the sufficient
 * statistics a comparison needs.  The kind decides how it is compared:
 *
 *   MVAL_COUNT  an integer count; never compared.
 *   MVAL_PROP   x / n; Wilson interval.  Compared by the difference with
 *               Newcombe's hybrid score interval, the ratio with the Katz
 *               log interval (zero-count rule in stats.h), and a p-value
 *               from Fisher's exact test when any expected cell count is
 *               below 5, else the pooled z-test ("fisher" / "z").
 *   MVAL_MEAN   the mean of a per-row quantity (|error|, error^2, error,
 *               squared score error), or its square root when `root` is
 *               set (RMSE = sqrt of the mean squared error); Student t
 *               interval on the mean, square roots of its limits for a
 *               root, lower limit clipped at 0 for non-negative
 *               quantities.  Compared by the Welch difference (for a root
 *               by the delta method, d sqrt(m) = dm / (2 sqrt(m))), the
 *               ratio by the delta method on the log scale with the
 *               Welch-Satterthwaite degrees of freedom, and the p-value of
 *               Welch's t-test on the per-row quantity ("welch"; for a
 *               root this tests equal mean squares, which is the same null
 *               hypothesis).  Ratios need both values > 0.
 *   MVAL_AUC    an AUC with its DeLong variance; plain normal interval
 *               clipped to [0, 1].  Compared as two independent AUCs: the
 *               difference with a normal interval on var1 + var2, the
 *               ratio by the delta method on the log scale, and the
 *               two-sided z-test ("delong").
 *   MVAL_PLAIN  a value with no interval (ECE); never compared.
 *
 * Reasons are static strings; nothing here allocates.
 */
#ifndef FA_DISPARITY_H
#define FA_DISPARITY_H

#include "common/fa.h"
#include "metrics/scores.h"

enum mval_kind {
	MVAL_COUNT,
	MVAL_PROP,
	MVAL_MEAN,
	MVAL_AUC,
	MVAL_PLAIN,
};

struct mval {
	enum mval_kind kind;
	const char *reason;	/* non-NULL: undefined (value is NAN) */
	const char *ci_reason;	/* non-NULL: defined, but no interval */
	double value, low, high;	/* low/high NAN without interval */
	uint64_t x;		/* PROP: successes; COUNT: the count */
	uint64_t n;		/* PROP: trials; MEAN, AUC: rows */
	double mean, var;	/* MEAN: per-row mean and sample variance;
				   AUC: the AUC and its DeLong variance */
	bool root;		/* MEAN: value = sqrt(mean) */
	/*
	 * For power, where the value is a rate over clustered trials
	 * (speech: words read by speakers): the independent trials it is
	 * worth, its trials over the design effect (0: not estimated; a
	 * PROP stands on n), the clusters it came from and the design effect.
	 */
	double eff_n, units, deff;
	const char *unit;	/* the clusters: "speakers", "utterances" */
};

void mval_count(struct mval *m, uint64_t v);
/* x of n at confidence conf; when n == 0 undefined with reason `empty`. */
void mval_prop(struct mval *m, uint64_t x, uint64_t n, double conf,
	       const char *empty);
/*
 * Mean of a per-row quantity summarised by mo.  root: report its square
 * root; nonneg: the quantity is never negative (clip the lower limit at 0).
 * Undefined with reason `empty` when mo->n == 0; no interval with n < 2.
 */
void mval_mean(struct mval *m, const struct moments *mo, bool root,
	       bool nonneg, double conf, const char *empty);
/* AUC from a; undefined when a->auc is NAN, no interval when a->var is. */
void mval_auc(struct mval *m, const struct auc *a, double conf);
/* A plain value; undefined with reason `why` when v is NAN. */
void mval_plain(struct mval *m, double v, const char *why);

struct disparity {
	const char *reason;	/* non-NULL: no comparison at all */
	double diff, diff_low, diff_high;
	const char *diff_ci_reason;
	double ratio, ratio_low, ratio_high;
	const char *ratio_reason;	/* ratio undefined */
	const char *ratio_ci_reason;	/* ratio defined, no interval */
	bool ratio_corrected;	/* PROP: 0.5 added to every cell */
	double p;
	const char *p_reason;
	const char *test;	/* "fisher", "z", "welch", "delong" */
};

/* Whether values of this kind are compared at all. */
bool mval_comparable(enum mval_kind k);

/*
 * Compare cohort value a with reference value ref (same kind) at
 * confidence conf.  Every double not computed is NAN and has a reason.
 */
void disparity_compare(struct disparity *d, const struct mval *a,
		       const struct mval *ref, double conf);

struct spread {
	const char *reason;	/* non-NULL: fewer than two values */
	double min, max, diff, ratio;
	size_t imin, imax;	/* indices of the extreme values */
	const char *ratio_reason;
};

/*
 * Spread of v[0..n) over the entries with use[i] true (use may be NULL) and
 * a non-NAN value: max - min and max / min (the ratio needs min > 0).
 * Ties pick the first index.
 */
void spread_compute(struct spread *s, const double *v, const bool *use,
		    size_t n);

#endif
