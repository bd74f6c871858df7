/*
 * thresholdout.h - the reusable holdout (Dwork, Feldman, Hardt, Pitassi,
 * Reingold & Roth, "The reusable holdout: Preserving validity in adaptive
 * data analysis", Science 349, 2015), one instance per hunter per bounty.
 *
 * Every statistic the service tells a hunter about the holdout goes through
 * thresholdout_query() together with the same statistic on the discovery
 * part, which the hunter can compute anyway:
 *
 *   0. (once) gamma ~ Lap(2 sigma); the noisy threshold is T + gamma.
 *   1. If the budget is used up, refuse.
 *   2. eta ~ Lap(4 sigma).  If |holdout - discovery| <= T + gamma + eta,
 *      answer the discovery value: the holdout only confirmed it.
 *   3. Otherwise answer holdout + xi, xi ~ Lap(sigma), charge one unit of
 *      budget and draw a fresh gamma ~ Lap(2 sigma).
 *
 * Lap(b) has density exp(-|x| / b) / (2b).  Only the answers to step 3 carry
 * information about the holdout, and there are at most `budget` of them.
 *
 * Scale.  T and sigma are on the scale of a rate: a mean of per-row values
 * in [0, 1] such as an error rate, a WER, or a gap or improvement between
 * two such rates.  The defaults are the paper's experimental settings,
 * T = 0.04 and sigma = 0.01.  A count must not be compared raw (4 % of a
 * 1,000-row split is 40 examples, not 0.04): thresholdout_query_count()
 * divides each count by the number of rows of its own split, queries the
 * fractions, and scales the answer back to the holdout's size.
 *
 * Reproducibility.  The noise for query number q comes from a GSL MT19937
 * generator seeded from (seed, q), and the threshold noise in force is kept
 * in the state, so the whole state is the handful of numbers in struct
 * thresholdout; the server stores them per hunter and the same seed and
 * history always give the same answers.  Nothing here keeps memory between
 * calls.
 */
#ifndef FA_THRESHOLDOUT_H
#define FA_THRESHOLDOUT_H

#include "common/fa.h"
#include "common/buf.h"

#define THRESHOLDOUT_T 0.04		/* threshold, rate scale */
#define THRESHOLDOUT_SIGMA 0.01		/* noise scale, rate scale */
#define THRESHOLDOUT_BUDGET 100		/* holdout answers per hunter */

/* Where an answer came from (return values of thresholdout_query). */
enum {
	THRESHOLDOUT_DISCOVERY = 0,	/* the discovery value, unchanged */
	THRESHOLDOUT_HOLDOUT = 1,	/* holdout + noise; budget charged */
	THRESHOLDOUT_REFUSED = -1,	/* budget used up; err set */
};

struct thresholdout {
	double T;		/* threshold */
	double sigma;		/* noise scale */
	uint32_t budget;	/* holdout answers allowed */
	uint32_t used;		/* holdout answers given */
	uint64_t seed;
	uint64_t queries;	/* queries answered so far */
	double gamma;		/* threshold noise in force */
};

/*
 * Start a fresh mechanism (no allocation) and draw the first threshold
 * noise.  T >= 0 and sigma >= 0 (sigma = 0 gives a noiseless threshold,
 * useful only in tests).
 */
void thresholdout_init(struct thresholdout *t, double T, double sigma,
		       uint32_t budget, uint64_t seed);

/* Holdout answers still available. */
static inline uint32_t thresholdout_left(const struct thresholdout *t)
{
	return t->used < t->budget ? t->budget - t->used : 0;
}

/*
 * Answer one rate-scale statistic whose value is `discovery` on the
 * discovery part and `holdout` on the holdout.  A discovery value that is
 * not a number (the statistic is undefined there) counts as a disagreement.
 * Sets *answer and returns THRESHOLDOUT_DISCOVERY or THRESHOLDOUT_HOLDOUT;
 * THRESHOLDOUT_REFUSED with err set when the budget is used up or the
 * holdout value is not a finite number (*answer is NAN then).
 */
int thresholdout_query(struct thresholdout *t, double discovery,
		       double holdout, double *answer, struct buf *err);

/*
 * The same with every noise scale (sigma in steps 0, 2 and 3 above) set to
 * `scale` for this query, which is raised to t->sigma when below it.  With
 * scale = 2 Delta / epsilon, where Delta is the query's sensitivity (the
 * most one holdout example can move it), one holdout answer is
 * epsilon-differentially private: the comparison and the fresh threshold
 * cost Delta / (2 scale) each and the answer's noise Delta / scale (the
 * sparse vector analysis of Dwork & Roth 2014, Thm 3.23, as used by
 * Thresholdout), and a discovery answer costs nothing beyond that.  The
 * threshold noise in force, drawn at 2 sigma, is stretched to 2 scale.
 */
int thresholdout_query_scaled(struct thresholdout *t, double discovery,
			      double holdout, double scale, double *answer,
			      struct buf *err);

/*
 * The sparse vector's test alone, for a verdict without a number: whether
 * value + nu >= gamma, nu ~ Lap(4 scale), gamma the threshold noise in
 * force (stretched to 2 scale).  The caller puts the threshold into value
 * (value = statistic - threshold).  Returns 1 (above: one unit of budget
 * charged, a fresh gamma drawn), 0 (below: free), or THRESHOLDOUT_REFUSED
 * with err set when the budget is used up.  An above answer costs
 * Delta / (2 scale) + Delta / (2 scale) = epsilon / 2 at scale
 * 2 Delta / epsilon; a below answer costs nothing beyond that.
 */
int thresholdout_above(struct thresholdout *t, double value, double scale,
		       struct buf *err);

/*
 * The same for a count: disc_count out of disc_rows discovery rows and
 * hold_count out of hold_rows holdout rows.  The fractions are queried and
 * *answer is the answered fraction times hold_rows.
 */
int thresholdout_query_count(struct thresholdout *t, double disc_count,
			     double disc_rows, double hold_count,
			     double hold_rows, double *answer, struct buf *err);

#endif
