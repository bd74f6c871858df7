/*
 * bootstrap.h - seeded nonparametric (cluster) bootstrap over sufficient
 * statistics: replicates, percentile intervals and a bootstrap p-value.
 *
 * Data model.  The sample is a list of clusters (speakers, or utterances
 * when there are no speaker ids); each cluster is summarised once by a
 * vector of nv sums (e.g. errors and reference words, metrics/wer.h), laid
 * out row-major as clusters[i * nv + j].  A replicate draws as many
 * clusters as there are, uniformly with replacement, adds up their vectors
 * and evaluates a statistic of the total.  This is the cluster ("block")
 * bootstrap: whole clusters are resampled, so dependence inside a cluster
 * is kept.  A replicate costs O(clusters * nv), never O(rows).
 *
 * Randomness and reproducibility.  Every unit that gets its own
 * replicates (a cohort of a grouping) has its own stream, derived from
 * the evaluation's seed and a key naming the unit by boot_stream_seed(), so
 * a cohort's replicates do not depend on which other cohorts or groupings
 * were evaluated, or in which order.  The generator is MT19937, seeded as
 * GSL's gsl_rng_mt19937 (the low 32 bits of the seed; a seed of 0 becomes
 * 4357), and cluster i of a replicate is drawn by the rule of
 * gsl_rng_uniform_int(r, nclusters): k = x / (0xffffffff / nclusters),
 * drawn again while k >= nclusters; replicate by replicate, cluster by
 * cluster.  The same (seed, key, clusters) always give the same
 * replicates, on every platform.
 *
 * boot_rng_new() returns a gsl_rng of GSL's interface whose type,
 * boot_rng_mt19937, is this file's own MT19937: every output equals
 * gsl_rng_mt19937's (tests/unit/metrics/bootstrap.c checks them number
 * for number), so GSL's samplers (gsl_ran_multinomial) use it as they
 * would GSL's, while boot_replicates() reads its state directly and draws
 * a cluster in a few instructions instead of two calls and a division.
 *
 * Intervals.  Percentile intervals: the (1 - conf) / 2 and
 * 1 - (1 - conf) / 2 quantiles of the replicates, with R's default
 * quantile (type 7: linear interpolation between order statistics,
 * x[lo] (1 - h) + x[hi] h at position (n - 1) q).  Undefined (NAN)
 * replicates are left out; +inf ones take part (a quantile may then be
 * +inf).
 *
 * Nothing here allocates except boot_rng_new() and boot_replicates(),
 * which allocates the draws of four replicates of a small cohort (4 x ncl
 * indices, ncl at most 8,192); its other scratch is on the stack (at most
 * BOOT_MAX_SUMS sums per cluster).
 */
#ifndef FA_BOOTSTRAP_H
#define FA_BOOTSTRAP_H

#include "common/fa.h"
#include <gsl/gsl_rng.h>

/* Most sums per cluster vector. */
#define BOOT_MAX_SUMS 32

/*
 * The stream seed of one unit: splitmix64(seed ^ splitmix64(h)) with h
 * the 64-bit FNV-1a hash of key[0..n).  Callers build the key from names
 * and values that identify the unit (for a cohort: its grouping's
 * attribute names and the cohort's values), never from positions.
 */
uint64_t boot_stream_seed(uint64_t seed, const void *key, size_t n);

/* GSL's MT19937, outputs and seeding included; see above. */
extern const gsl_rng_type *boot_rng_mt19937;

/*
 * A new boot_rng_mt19937 generator seeded for stream (the low 32 bits of
 * stream ^ (stream >> 32)); the caller frees it with gsl_rng_free().
 * boot_rng_reset() reseeds an existing one the same way.
 */
gsl_rng *boot_rng_new(uint64_t stream);
void boot_rng_reset(gsl_rng *r, uint64_t stream);

/*
 * gsl_rng_uniform_int(r, n) for a generator from boot_rng_new(), 1 <= n
 * < 2^32: the same draw, by a multiplication instead of a division.
 */
uint32_t boot_rng_below(gsl_rng *r, uint32_t n);

/*
 * The generator's words are made sixteen at a time with AVX-512, eight
 * with AVX2 where the processor has them, four with SSE2 otherwise; all
 * give the same words.  After boot_set_simd(max) at most level max is
 * used: 2 AVX-512, 1 AVX2, 0 SSE2 (for tests and benchmarks; call it
 * while no generator is drawing).
 */
#define BOOT_SIMD_BEST 2
void boot_set_simd(int max);

/*
 * Statistics of one replicate: from the summed vector sums[0..nv) write
 * nstat values to out (NAN when undefined, e.g. a zero denominator).
 */
typedef void boot_stat_fn(const double *sums, double *out, void *arg);

/*
 * nboot replicates of stat over the ncl clusters (ncl >= 1,
 * 1 <= nv <= BOOT_MAX_SUMS), drawn from r (already seeded):
 * out[b * nstat + s] is statistic s of replicate b.
 */
void boot_replicates(gsl_rng *r, const double *clusters, size_t ncl,
		     size_t nv, size_t nboot, boot_stat_fn *stat, void *arg,
		     size_t nstat, double *out);

/*
 * The quantile q (0 <= q <= 1) of the sorted x[0..n), n >= 1, by R's
 * type 7 rule (see above).
 */
double boot_quantile_sorted(const double *x, size_t n, double q);

/*
 * Percentile interval at confidence conf (0 < conf < 1) of v[0..n), whose
 * entries are reordered: the defined (non-NAN) values come first, sorted.
 * Returns the number m of defined values; *lo and *hi are NAN when m < 2.
 */
size_t boot_percentile(double *v, size_t n, double conf, double *lo,
		       double *hi);

/*
 * Few clusters.  With g clusters a percentile interval is too narrow: the
 * bootstrap's plug-in variance is (g - 1) / g of the unbiased one, and
 * normal quantiles stand in where Student's t with g - 1 degrees of
 * freedom belongs.  The expanded percentile interval (Hesterberg, "What
 * teachers should know about the bootstrap", The American Statistician
 * 69, 2015) takes the percentile interval at the wider level conf' with
 *	Phi^-1((1 + conf') / 2) = sqrt(g / (g - 1)) t_{g-1}((1 + conf) / 2).
 * boot_expanded_conf() returns conf' (NAN for g < 2); with many clusters
 * it tends to conf.  boot_p_expanded() turns a bootstrap p-value p (as
 * boot_p_value() gives it) into the p-value of the expanded intervals, the
 * 1 - conf at which the expanded interval just reaches 0:
 *	2 Q_t,{g-1}(Phi^-1(1 - p / 2) / sqrt(g / (g - 1))),
 * capped at 1 (NAN for g < 2 or p NAN).
 */
double boot_expanded_conf(double conf, double g);
double boot_p_expanded(double p, double g);

/*
 * Two-sided bootstrap p-value for "the difference is 0" from replicate
 * differences d[0..n) (NAN entries left out, m = the defined ones):
 *	p = 2 min(#{d <= 0}, #{d >= 0}) / m,
 * raised to 1 / (m + 1) when smaller and capped at 1; NAN when m == 0.
 * It is the smallest 1 - conf at which the percentile interval of the
 * differences would (about) exclude 0; the floor says that m replicates
 * cannot resolve a p-value below 1 / (m + 1).
 */
double boot_p_value(const double *d, size_t n);

#endif
