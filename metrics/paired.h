/*
 * paired.h - paired comparisons of two models scored on the same examples.
 *
 * When models A and B predict on the same examples, the change B - A of a
 * metric in a cohort has to be judged against the variation of the
 * per-example differences: most examples are scored alike by both models,
 * so an interval that treats A and B as independent samples is far too
 * wide and its test far too weak.  Every function here therefore takes the
 * sufficient statistics of the pairs, and every change is B minus A.
 *
 * Four shapes of data, one family of functions each:
 *
 *   paired proportions (struct paired_table): a success/failure outcome
 *     under A and under B on the same n units, e.g. "misclassified" for
 *     multi-class error rate.  Interval: Newcombe (1998b) method 10, the
 *     hybrid score interval for paired data (the two Wilson intervals of
 *     the margins, combined through the phi coefficient of the 2x2 table,
 *     whose numerator ad - bc is replaced by max(ad - bc - n/2, 0) when
 *     positive; phi = 0 when a margin is empty).  Test: McNemar's mid-p
 *     test (Fagerland, Lydersen & Laake, BMC Med Res Methodol 2013,
 *     13:91): with m = b + c discordant pairs and k = min(b, c),
 *     p = 2 (P(X <= k) - P(X = k) / 2) for X ~ Binomial(m, 1/2), capped
 *     at 1, and 1 when m = 0.
 *
 *   binary predictions (struct paired_cells): every row falls into one of
 *     the 8 cells of (truth, prediction of A, prediction of B), and every
 *     rate of metrics/confusion.h for A and for B is a ratio of sums of
 *     cells.  A rate whose denominator depends on the truth only (tpr, fpr,
 *     fnr, tnr, accuracy, error_rate, selection_rate, prevalence) compares
 *     the two models on the same units, so it is a paired proportion and
 *     gets the closed form above.  A rate whose denominator depends on the
 *     predictions (ppv, npv, fdr, for) does not; it gets a multinomial
 *     bootstrap over the 8 cells: a replicate draws N rows from the cells
 *     with probabilities n_k / N (gsl_ran_multinomial), recomputes both
 *     rates and takes B - A, leaving out replicates in which either rate is
 *     undefined.  Interval: percentile, at the quantiles of R's type 7
 *     (metrics/bootstrap.h); p-value: the bootstrap rule of boot_p_value(),
 *     2 min(#{d <= 0}, #{d >= 0}) / m, at least 1 / (m + 1), at most 1.
 *     The two models' own values get Wilson intervals either way.
 *
 *   per-row quantities (struct paired_means), e.g. absolute errors of a
 *     regression: the paired t interval on the mean difference and the
 *     paired t-test (R's t.test(paired = TRUE)); each model's mean gets a
 *     t interval.
 *
 *   pooled ratios over clusters, e.g. WER = sum errors / sum reference
 *     words, resampled by speaker: a cluster bootstrap (metrics/bootstrap.h)
 *     of both ratios at once; expanded percentile intervals for A, B and
 *     B - A and the expanded bootstrap p-value (metrics/bootstrap.h), for
 *     the fewer clusters with a denominator of the two models.
 *
 * Randomness.  Functions that bootstrap take a generator the caller has
 * seeded for the unit being compared (a cohort: see boot_stream_seed()), so
 * a cohort's numbers never depend on the other cohorts; the same
 * (generator seed, data, options) always give the same numbers with the
 * same GSL.
 *
 * Nothing here keeps state; scratch for replicates is allocated and freed
 * inside each call.
 */
#ifndef FA_PAIRED_H
#define FA_PAIRED_H

#include "common/fa.h"
#include "metrics/stats.h"
#include "metrics/confusion.h"
#include "metrics/scores.h"
#include "metrics/bootstrap.h"
#include <gsl/gsl_rng.h>

#define PAIRED_DEFAULT_BOOTSTRAP 2000

/* How a change was computed. */
enum paired_method {
	PAIRED_NONE,		/* undefined: see reason */
	PAIRED_NEWCOMBE,	/* Newcombe method 10, McNemar mid-p */
	PAIRED_BOOTSTRAP,	/* percentile interval, bootstrap p-value */
	PAIRED_T,		/* paired t interval and test */
};

/* Short names used in results: "none", "newcombe", "bootstrap", "t". */
const char *paired_method_name(enum paired_method m);

/*
 * One metric compared: each model's value with its interval, and the
 * change B - A with its interval and two-sided p-value of "no change".
 *   reason      non-NULL: the change is undefined (diff all NAN, p NAN),
 *               because a or b is; a_reason / b_reason say which
 *   ci_reason   non-NULL: the values are defined but there are no
 *               intervals for them (their low/high NAN) and no p-value
 *   n           the pairs (rows) the metric is computed on
 * Strings are static.
 */
struct paired_change {
	struct interval a, b, diff;
	double p;
	enum paired_method method;
	const char *a_reason, *b_reason;
	const char *reason;
	const char *ci_reason;
	uint64_t n;
};

struct paired_opts {
	double conf;		/* confidence level, 0 < conf < 1 */
	uint32_t nboot;		/* replicates; 0: no bootstrap intervals */
	gsl_rng *rng;		/* seeded for this unit; unused if nboot 0 */
	bool bootstrap_all;	/* binary: bootstrap even closed-form rates */
};

/* ---- paired proportions ---- */

struct paired_table {
	uint64_t both;		/* success under A and under B */
	uint64_t a_only;	/* success under A, failure under B */
	uint64_t b_only;	/* failure under A, success under B */
	uint64_t neither;
};

static inline uint64_t paired_table_n(const struct paired_table *t)
{
	return t->both + t->a_only + t->b_only + t->neither;
}

/*
 * Newcombe's method 10 interval for p_B - p_A = (b_only - a_only) / n.
 * Returns 0, or -1 (all NAN) when n is 0.
 */
int paired_newcombe(const struct paired_table *t, double conf,
		    struct interval *diff);

/* McNemar's mid-p test for b and c discordant pairs (see above). */
double paired_mcnemar_midp(uint64_t b, uint64_t c);

/*
 * Compare the success proportions: Wilson intervals for A and B, method 10
 * for B - A, the mid-p test.  undefined: the reason to give when n is 0.
 */
void paired_prop_change(const struct paired_table *t, double conf,
			const char *undefined, struct paired_change *out);

/* ---- binary predictions ---- */

/* Cell of a row: truth, prediction of A, prediction of B (each 0 or 1). */
#define PAIRED_CELL(y, pa, pb) ((unsigned)(y) << 2 | (unsigned)(pa) << 1 | \
				(unsigned)(pb))

struct paired_cells {
	uint64_t n[8];
};

static inline void paired_cells_add(struct paired_cells *c, bool y, bool pa,
				    bool pb)
{
	c->n[PAIRED_CELL(y, pa, pb)]++;
}

static inline uint64_t paired_cells_total(const struct paired_cells *c)
{
	uint64_t s = 0;

	for (size_t k = 0; k < 8; k++)
		s += c->n[k];
	return s;
}

/* The confusion counts of model A (b false) or model B (b true). */
void paired_cells_confusion(const struct paired_cells *c, bool b,
			    struct confusion *out);

/*
 * True when the denominator of rate r depends on the truth only, so A and
 * B are compared on the same rows (the closed form applies).
 */
bool paired_rate_is_proportion(enum confusion_rate r);

/*
 * The paired 2x2 table of rate r (paired_rate_is_proportion(r) must
 * hold): the rows in its denominator, "success" meaning counted in the
 * numerator.
 */
void paired_cells_table(const struct paired_cells *c, enum confusion_rate r,
			struct paired_table *out);

/*
 * Compare A and B on rates[0..nrates), writing out[0..nrates).  Closed form
 * where paired_rate_is_proportion() holds unless o->bootstrap_all; the
 * bootstrap otherwise, drawn once for all such rates (one multinomial draw
 * per replicate), so adding a rate does not change the others' numbers.
 * The replicates are drawn only when some rate needs them, with o->rng.
 * Cells of more than UINT_MAX rows in all get no bootstrap (ci_reason).
 */
void paired_binary_compare(const struct paired_cells *c,
			   const enum confusion_rate *rates, size_t nrates,
			   const struct paired_opts *o,
			   struct paired_change *out);

/* ---- per-row quantities ---- */

struct paired_means {
	struct moments a, b, d;		/* of x_A, x_B and x_B - x_A */
};

static inline void paired_means_add(struct paired_means *m, double xa,
				    double xb)
{
	moments_add(&m->a, xa);
	moments_add(&m->b, xb);
	moments_add(&m->d, xb - xa);
}

/*
 * Paired t comparison of the means.  nonneg: the quantity cannot be
 * negative (an absolute error), so the models' lower limits are clipped at
 * 0.  Fewer than two pairs: values only (ci_reason); no pair at all:
 * undefined with reason `empty`.  When every difference is the same, the
 * interval has zero width and p is 1 if that difference is 0, else 0.
 */
void paired_mean_change(const struct paired_means *m, double conf,
			bool nonneg, const char *empty,
			struct paired_change *out);

/* ---- pooled ratios over clusters ---- */

/* Slots of one ratio metric in a cluster vector. */
enum paired_ratio_slot {
	PAIRED_XA,		/* numerator under A (errors) */
	PAIRED_DA,		/* denominator under A (reference words) */
	PAIRED_XB,
	PAIRED_DB,
	PAIRED_NV
};

/* Most ratio metrics compared in one call. */
#define PAIRED_MAX_RATIOS (BOOT_MAX_SUMS / PAIRED_NV)

/*
 * Compare nmetrics (1 .. PAIRED_MAX_RATIOS) pooled ratios over ncl
 * clusters; cluster i's sums are clusters[i * nmetrics * PAIRED_NV + j *
 * PAIRED_NV + slot] for metric j.  The values are sum X / sum D over all
 * clusters (undefined with reason `undefined` when sum D is 0); each
 * replicate draws ncl clusters with replacement (boot_replicates) and
 * recomputes every ratio.  Intervals need at least two clusters with a
 * nonzero denominator on each side (else ci_reason `few`) and
 * o->nboot > 0.  out[j].n is left 0 for the caller to set.
 */
void paired_ratio_compare(const double *clusters, size_t ncl,
			  size_t nmetrics, const struct paired_opts *o,
			  const char *undefined, const char *few,
			  struct paired_change *out);

#endif
