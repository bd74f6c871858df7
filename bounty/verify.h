/*
 * verify.h - the verdict on one bounty submission, computed on the holdout.
 *
 * A submission names a group g (a bitset over the table's rows, usually
 * from a predicate) and optionally a model h for it.  verify_submission()
 * judges it on the rows of one split (the holdout) from per-row losses:
 *
 *   err[r]    the current model's loss on row r: 0/1 for classification,
 *             word errors (S + D + I) for ASR, any non-negative loss else;
 *   den[r]    the row's denominator, or den == NULL for 1 per row: the
 *             metric of a set of rows is sum(err) / sum(den), so an error
 *             rate with den == NULL and pooled WER with den = reference
 *             words;
 *   h_err[r]  h's loss on row r, read only for rows of g.
 *
 * Statistics (G = g's holdout rows, R = the other holdout rows):
 *   gap          metric(G) - metric(R), positive when the model is worse
 *                on the group.
 *   Error rates (den == NULL and every loss 0 or 1): one-sided Fisher exact
 *                test (group worse) when an expected cell of the 2x2 table
 *                is below 5, else the one-sided pooled two-proportion z-test;
 *                interval: Newcombe's hybrid score interval (method 10).
 *   Ratios of sums (WER, or losses that are not 0/1): delta-method z-test.
 *                Each side's ratio estimate sum(e)/sum(d) has variance
 *                m/(m-1) * sum((e_i - ratio * d_i)^2) / (sum d)^2 over its
 *                m rows (the linearisation of a ratio estimator, treating
 *                rows as independent); z = gap / sqrt(var_G + var_R), and
 *                the interval is gap +- z_conf * that standard error.
 *                With clusters (an ASR dataset's speakers) the residuals
 *                are summed per cluster first and m counts clusters: the
 *                cluster-robust (CR1) form of the same linearisation, as
 *                utterances of one speaker are not independent.
 *   improvement  metric of the current model on G minus metric of h on G.
 *                Error rates: one-sided exact McNemar test on the discordant
 *                rows (current wrong and h right: b; the reverse: c;
 *                p = P(Bin(b + c, 1/2) >= b)); ratios: delta-method z on the
 *                paired per-row differences.  The interval is the
 *                delta-method (Wald) interval on the paired differences.
 *   weight       G's share of the holdout's denominator: rows for error
 *                rates, reference words for WER.  weight x improvement is
 *                then exactly the drop in the overall holdout metric when h
 *                takes over the group, the quantity the bias-bounty rule
 *                compares with alpha (Globus-Harris, Kearns & Roth 2022).
 *
 * Multiplicity: a hunter's m-th submission (m = prior + 1) is judged with a
 * Bonferroni adjustment for the m tests that hunter has made so far:
 * p_adjusted = min(1, m p).  Earlier verdicts are never revisited, so the
 * family-wise error over a hunter's first m submissions is at most
 * significance x (1 + 1/2 + ... + 1/m); the per-hunter budget of the
 * reusable holdout bounds m.
 *
 * Decision, in order:
 *   1. fewer than min_support holdout rows in g: rejected, and nothing
 *      about the members is reported (every statistic is NAN, support 0);
 *   2. the holdout members of g overlap an earlier accepted finding with
 *      Jaccard >= dup_jaccard: without h, duplicate (duplicate_of = that
 *      finding); with h, judged as an improvement on that finding's group
 *      (improves = that finding) by rule 3, since h is compared with the
 *      current model, which already holds every accepted finding;
 *   3. with h: accepted iff weight x improvement >= alpha and the adjusted
 *      p-value of the improvement is below significance;
 *      without h: accepted iff gap >= min_gap and the adjusted p-value of
 *      the gap is below significance.
 * Reasons are built from numbers only and never name a member.
 *
 * verify_release() then passes the label-dependent numbers through the
 * hunter's reusable holdout (thresholdout.h) before anything is shown.
 */
#ifndef FA_VERIFY_H
#define FA_VERIFY_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/bitset.h"
#include "bounty/thresholdout.h"

enum verify_status {
	VERIFY_ACCEPTED,
	VERIFY_REJECTED,
	VERIFY_DUPLICATE,
};

enum verify_method {
	VERIFY_NONE,		/* no test was made */
	VERIFY_Z,		/* pooled two-proportion z */
	VERIFY_FISHER,		/* Fisher exact, one-sided */
	VERIFY_DELTA,		/* delta-method z for ratios of sums */
	VERIFY_MCNEMAR,		/* exact McNemar, one-sided */
};

struct verify_rules {
	size_t min_support;	/* holdout rows g needs (30) */
	double min_gap;		/* gap a finding without h needs (0.02) */
	double alpha;		/* weight x improvement a finding with h needs
				 * (0.001) */
	double significance;	/* one-sided level, before adjustment (0.05) */
	double confidence;	/* two-sided level of intervals (0.95) */
	double dup_jaccard;	/* overlap that makes a duplicate (0.8) */
	uint32_t prior;		/* this hunter's earlier submissions (0) */
	/*
	 * Privacy loss allowed per holdout answer (0: no calibration, every
	 * answer's noise is the mechanism's sigma); see verify_release().
	 */
	double epsilon;
};

/* The defaults above (those of API.md for the bounty fields). */
void verify_rules_init(struct verify_rules *r);

/* The significance level after the Bonferroni factor: level / (prior + 1). */
double verify_adjusted_level(const struct verify_rules *r);

struct verify_input {
	const struct bitset *group;	/* g, over all rows of the table */
	const struct bitset *split;	/* rows to verify on: the holdout */
	const double *err;		/* current model, per row */
	const double *den;		/* per-row denominators, or NULL */
	const double *h_err;		/* h, per row (rows of g), or NULL */
	/* holdout members of earlier accepted findings (same size as split) */
	const struct bitset *const *accepted;
	size_t naccepted;
	/*
	 * Clusters of rows whose errors are not independent (an ASR
	 * dataset's speakers): per row a cluster id below nclusters, or
	 * UINT32_MAX for a row on its own; NULL: every row on its own.
	 */
	const uint32_t *cluster;
	size_t nclusters;
};

struct verdict {
	enum verify_status status;
	char reason[256];
	bool too_small;			/* rule 1 applied */
	size_t support;			/* holdout rows in g */
	size_t rest;			/* holdout rows outside g */
	double weight;			/* g's share of the holdout denominator */
	double metric_group, metric_rest;
	double gap, gap_low, gap_high;
	double gap_se;			/* standard error behind the test */
	enum verify_method gap_method;
	double p_value, p_adjusted;	/* of the gap, one-sided */
	bool has_h;
	double metric_h;		/* h on g's holdout rows */
	double improvement, impr_low, impr_high;
	double impr_se;
	enum verify_method impr_method;
	double impr_p_value, impr_p_adjusted;
	double value;			/* weight x improvement */
	int64_t duplicate_of;		/* index into accepted, or -1 */
	int64_t improves;		/* with h: the accepted finding whose
					   group g repeats, or -1 */
	double overlap;			/* largest Jaccard with accepted */
	bool released;			/* passed through verify_release */
	/*
	 * For the release, from verify_submission: the sensitivities of the
	 * gap and the improvement (the most one holdout example's label can
	 * move them), the number of independent units (clusters) on each
	 * side, and each side's variance per unit (SE^2 x units) of the
	 * metric and, on g, of the paired difference current - h.
	 */
	bool binary;			/* 0/1 losses, no denominators */
	double sens_gap, sens_impr;
	size_t units_group, units_rest;
	double uvar_group, uvar_rest, uvar_impr;
	/*
	 * Set by verify_release: where the gap and the improvement came from
	 * (THRESHOLDOUT_DISCOVERY or _HOLDOUT; -1 when not asked), the noise
	 * scale each was asked with, and the margin the decision takes off
	 * an answer the holdout only confirmed (the threshold T).
	 */
	int gap_source, impr_source;
	double gap_scale, impr_scale;
	double gap_margin, impr_margin;
	/* Set by verify_verdict_only: no number released, the threshold */
	bool verdict_only;
	double verdict_threshold;
};

const char *verify_status_name(enum verify_status s);	/* "accepted", ... */
const char *verify_method_name(enum verify_method m);	/* "z", "fisher", ... */

/*
 * Judge one submission; see the top of this file.  Returns 0 with *v
 * filled, or -1 with err set when the input itself is wrong (bitsets of
 * different sizes, a loss or denominator that is negative or not finite,
 * rules out of range); a rejection is not an error.
 */
int verify_submission(const struct verify_input *in,
		      const struct verify_rules *rules, struct verdict *v,
		      struct buf *err);

/*
 * Prepare the holdout verdict v for the hunter.  disc is the verdict of the
 * same submission computed on the discovery rows (verify_submission with
 * split = discovery and no accepted findings, min_support 1).  Nothing the
 * hunter sees afterwards depends on the holdout labels except through the
 * reusable holdout t:
 *
 *   gap, improvement  each one query of t, asked with the noise scale
 *                     max(sigma, 2 Delta / epsilon), Delta its sensitivity
 *                     (verify.c: 1 / n_g for an error rate's gap, 2 / n_g
 *                     for an improvement; for ratios of sums the largest
 *                     count of one row over the side's denominator), so a
 *                     holdout answer costs at most epsilon;
 *   metric_rest       the discovery value (metric_group = rest + gap,
 *                     metric_h = group - improvement);
 *   weight            g's share of the holdout rows, which the hunter knows
 *                     (for WER and fpr/fnr it stands for the share of words
 *                     or of negatives, which would depend on labels);
 *   standard errors   from the released metrics and the public counts for
 *                     error rates, or from the discovery part's variance
 *                     per unit scaled to the holdout's units for ratios;
 *                     a holdout answer adds its noise's variance 2 scale^2;
 *   p-values, intervals, the verdict   computed from the above only.
 *
 * An answer taken from the discovery part is only known to lie within
 * about T of the holdout value, so the decision counts it T lower (gap -
 * T against min_gap, weight x (improvement - T) against alpha): a finding
 * overfitted to the discovery part and confirmed only to within T is not
 * accepted.  The exact holdout verdict is kept for administrators and never
 * decides.  A verdict rejected for support asks nothing.
 * Returns 0, or -1 with err set when the budget is used up (the submission
 * must then be refused as a whole; t has not been charged for it beyond the
 * queries answered before the refusal).
 */
int verify_release(struct verdict *v, const struct verdict *disc,
		   const struct verify_rules *rules, struct thresholdout *t,
		   struct buf *err);

/*
 * The verdict alone, when the bounty's budget of holdout answers is spent
 * (server/h_bounties.c): one sparse-vector test of t (thresholdout_above)
 * decides whether the holdout statistic (the improvement with h, else the
 * gap) reaches the larger of what the rules need (alpha / weight, min_gap)
 * and what significance at the adjusted level needs given the public
 * standard error and the test's noise.  Every number in v is then NAN
 * except the counts and the weight; the reason says the verdict is all
 * that is released.  Duplicates are decided on membership alone, without
 * a test.  Returns 0, or -1 with err set when t's budget is used up.
 */
int verify_verdict_only(struct verdict *v, const struct verdict *disc,
			const struct verify_rules *rules,
			struct thresholdout *t, struct buf *err);

#endif
