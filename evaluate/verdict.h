/*
 * verdict.h - which way a disparity goes, and what the data can say of it.
 *
 * Direction.  Every metric has a harm direction: for error rates, FPR, FNR,
 * FDR, FOR, WER, CER, Brier, ECE, MAE and RMSE higher is worse; for
 * accuracy, TPR, TNR, PPV, NPV, recall and AUC lower is worse; selection
 * rate, prevalence and the signed mean error have none and are described
 * as higher or lower.  A cohort's comparison with the reference is then
 * "worse", "better", "higher" or "lower" by the sign of the difference.
 *
 * Three verdicts for each cohort x metric:
 *   disparity         the flag: the ratio to the reference lies outside the
 *                     tolerance band [tolerance, 1/tolerance] and the
 *                     adjusted p-value is below the significance level;
 *   within_tolerance  equivalence shown: two one-sided tests (Schuirmann's
 *                     TOST) of H0 ratio <= tolerance and H0 ratio >=
 *                     1/tolerance on the log scale both reject at the
 *                     significance level after the same adjustment as the
 *                     p-values (the TOST p-value is the larger of the two
 *                     one-sided ones); equivalently, the ratio's
 *                     1 - 2 alpha interval lies inside the band;
 *   inconclusive      neither: too few examples or speakers, no defined
 *                     ratio, or an interval too wide to tell.
 * Prevalence is a property of the data, not of the model: it is shown and
 * compared but never gets a verdict or a flag.
 *
 * The TOST uses the standard error of the log ratio that the ratio's
 * interval implies, (log high - log low) / (2 z): exact for the Katz and
 * delta-method intervals, which are symmetric on the log scale, and an
 * approximation for bootstrap intervals.  Pure; nothing allocates.
 */
#ifndef FA_VERDICT_H
#define FA_VERDICT_H

#include "common/fa.h"
#include "metrics/disparity.h"

enum harm {
	HARM_NONE,		/* neither way is worse: higher / lower */
	HARM_HIGHER,		/* higher is worse */
	HARM_LOWER,		/* lower is worse */
};

enum verdict {
	VERDICT_NONE,		/* not judged (reference, prevalence, counts) */
	VERDICT_DISPARITY,
	VERDICT_WITHIN,
	VERDICT_INCONCLUSIVE,
};

/* The harm direction of a metric key ("fpr", "recall", ...). */
enum harm metric_harm(const char *metric);
/* Whether a metric may be flagged as a model's disparity (not prevalence). */
bool metric_judged(const char *metric);
/* "higher is worse", "lower is worse" or "neither". */
const char *harm_name(enum harm h);
/*
 * "worse", "better", "higher" or "lower" for a difference diff (cohort
 * minus reference) of a metric of harm h; NULL when diff is 0 or NAN.
 */
const char *direction_name(enum harm h, double diff);
/* "disparity", "within_tolerance", "inconclusive", or NULL for NONE. */
const char *verdict_name(enum verdict v);
/*
 * The TOST p-value for H1: tolerance < ratio < 1/tolerance, from d's
 * ratio and its interval at confidence conf; NAN when d has no ratio or no
 * finite interval with both limits above 0.
 */
double verdict_tost_p(const struct disparity *d, double conf,
		      double tolerance);

#endif
