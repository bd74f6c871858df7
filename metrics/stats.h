/*
 * stats.h - intervals, tests and p-value adjustment for audit metrics.
 *
 * Pure functions over counts and summary statistics; no allocation visible
 * to the caller, no I/O.  Every interval is two-sided at confidence level
 * `conf` (0 < conf < 1) and uses the normal quantile
 * z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2) or the Student t quantile
 * with the stated degrees of freedom.
 *
 * Conventions:
 *   - A proportion is x successes out of n trials, 0 <= x <= n.
 *   - Functions that can be undefined return 0 when the result is defined
 *     and -1 when it is not (e.g. n == 0); on -1 every output double is NAN.
 *   - Comparisons are "a versus b": differences are a - b and ratios a / b.
 *
 * References: Wilson (1927); Newcombe, "Interval estimation for the
 * difference between independent proportions", Stat Med 1998 (method 10);
 * Katz et al. (1978) log interval for a ratio; Fisher's exact test with the
 * two-sided rule of R's fisher.test; Holm (1979); Benjamini & Hochberg (1995),
 * both as in R's p.adjust.
 */
#ifndef FA_STATS_H
#define FA_STATS_H

#include "common/fa.h"

struct interval {
	double value, low, high;
};

/* Two-sided normal quantile for confidence conf: Phi^-1(1 - (1-conf)/2). */
double stats_z(double conf);
/* Two-sided Student t quantile for confidence conf and df > 0 degrees. */
double stats_t(double conf, double df);

/* Wilson score interval for x/n.  -1 when n == 0. */
int stats_wilson(uint64_t x, uint64_t n, double conf, struct interval *out);

/*
 * Newcombe's hybrid score interval (method 10, no continuity correction)
 * for x1/n1 - x2/n2, built from the two Wilson intervals.  -1 when either
 * n is 0.
 */
int stats_newcombe(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		   double conf, struct interval *out);

/*
 * Katz log interval for the ratio (x1/n1) / (x2/n2):
 * exp(log r +- z sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2)).
 * Zero counts: when exactly one of x1, x2 is 0, 0.5 is added to every cell
 * of the 2x2 table (x -> x + 0.5, n -> n + 1 for both proportions) and the
 * ratio and its interval are both computed from the corrected counts, so the
 * interval always contains the reported ratio; *corrected is set to true
 * then.  When both are 0 (0/0) or either n is 0 the ratio is undefined: -1.
 * corrected may be NULL.
 */
int stats_katz(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
	       double conf, struct interval *out, bool *corrected);

enum stats_alt {
	STATS_TWO_SIDED,
	STATS_LESS,		/* P(X <= a): the odds ratio is below 1 */
	STATS_GREATER,		/* P(X >= a) */
};

/*
 * Fisher's exact test of the 2x2 table [[a, b], [c, d]] conditioned on its
 * margins (X = the top-left cell is hypergeometric).  Two-sided: the sum of
 * the probabilities of all tables no more likely than the observed one,
 * "no more likely" meaning p <= p_obs * (1 + 1e-7) as in R's fisher.test.
 * Always defined (an empty table gives 1).
 */
double stats_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		    enum stats_alt alt);

/*
 * Pooled two-proportion z-test of x1/n1 = x2/n2, two-sided.  When the
 * pooled proportion is 0 or 1 the two samples are identical and p = 1.
 * -1 (p = NAN) when either n is 0.  z may be NULL.
 */
int stats_ztest(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		double *p, double *z);

enum stats_test {
	STATS_TEST_FISHER,
	STATS_TEST_Z,
};

/* Short names used in results: "fisher", "z". */
const char *stats_test_name(enum stats_test t);

/*
 * Compare two proportions with the audit's rule: Fisher's exact two-sided
 * test when any expected cell count of the 2x2 table
 * [[x1, n1 - x1], [x2, n2 - x2]] is below 5, else the pooled z-test.
 * Sets *p and *used; -1 (p = NAN) when either n is 0.
 */
int stats_prop_test(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		    double *p, enum stats_test *used);

/*
 * Student t interval for a mean from n observations with sample mean and
 * sample variance var (n - 1 denominator).  -1 when n < 2.
 */
int stats_t_interval(double mean, double var, uint64_t n, double conf,
		     struct interval *out);

/*
 * Welch's test and interval for mean1 - mean2.  se1sq and se2sq are the
 * squared standard errors (var / n) of the two means, n1 and n2 the sample
 * sizes.  Sets the Welch-Satterthwaite degrees of freedom, the difference
 * with its t interval, and the two-sided p-value.  -1 when either n < 2 or
 * both standard errors are 0 (all outputs NAN then, except that the
 * difference itself is still set in out->value).
 */
int stats_welch(double mean1, double se1sq, uint64_t n1,
		double mean2, double se2sq, uint64_t n2, double conf,
		struct interval *diff, double *p, double *df);

/* Welch-Satterthwaite degrees of freedom for two squared standard errors. */
double stats_welch_df(double se1sq, uint64_t n1, double se2sq, uint64_t n2);

/*
 * p-value adjustment for a family of n p-values, as R's p.adjust: Holm's
 * step-down and Benjamini-Hochberg's step-up; both monotone and capped at 1.
 * out may alias p.  NAN entries are not part of the family and stay NAN
 * (the family size is the number of non-NAN entries).
 */
void stats_holm(const double *p, size_t n, double *out);
void stats_bh(const double *p, size_t n, double *out);

#endif
