/*
 * scores.h - summaries of scores and numeric errors: AUC with its DeLong
 * variance, expected calibration error, and running moments.
 *
 * AUC is the Mann-Whitney probability that a random positive scores above a
 * random negative, ties counting one half (the midrank convention).  Its
 * variance is DeLong's (DeLong, DeLong & Clarke-Pearson 1988): with
 * V10(i) = P(positive i beats a negative) and V01(j) = P(negative j is
 * beaten by a positive), var = S10/m + S01/n where S10 and S01 are the
 * sample variances (m-1, n-1 denominators) of the V10 and V01 values.  It is
 * computed in one pass over the rows in ascending score order, tie group by
 * tie group, so a cohort costs O(n) once the rows are sorted.
 *
 * Sorting: scores_order() sorts all rows once (radix sort on the IEEE-754
 * bits, stable), and scores_group_order() splits that order by cohort with a
 * stable counting sort, so every cohort of a grouping gets its rows in score
 * order without sorting again.
 *
 * Scores must not be NaN.
 */
#ifndef FA_SCORES_H
#define FA_SCORES_H

#include "common/fa.h"

/* Welford's running mean and sum of squared deviations. */
struct moments {
	uint64_t n;
	double mean, m2;
};

static inline void moments_add(struct moments *m, double x)
{
	double d = x - m->mean;

	m->n++;
	m->mean += d / (double)m->n;
	m->m2 += d * (x - m->mean);
}

/* Sample variance (n - 1 denominator); NAN when n < 2. */
double moments_var(const struct moments *m);

/*
 * Expected calibration error over ECE_BINS equal-width bins of [0, 1]:
 * bin b holds scores in [b/10, (b+1)/10), the last bin also 1.0; scores
 * below 0 or above 1 go to the first or last bin.  ECE = sum over bins of
 * (bin count / n) * |mean score in bin - fraction of positives in bin|.
 */
#define ECE_BINS 10
struct ece_acc {
	uint64_t n[ECE_BINS];
	uint64_t pos[ECE_BINS];
	double sum[ECE_BINS];
};

void ece_add(struct ece_acc *e, double score, bool positive);
/* The ECE, or NAN when no score was added. */
double ece_value(const struct ece_acc *e);

/* order[0..n) = row indices sorted by ascending score, ties by index. */
void scores_order(const double *score, size_t n, uint32_t *order);

/*
 * Split a score order by cohort, keeping score order inside each cohort:
 * out[start[c] .. start[c+1]) are the rows of cohort c.  start has
 * ncohorts + 1 entries; out has n.
 */
void scores_group_order(const uint32_t *order, size_t n,
			const uint32_t *cohort, size_t ncohorts,
			uint32_t *out, size_t *start);

struct auc {
	double auc;		/* NAN without positives or without negatives */
	double var;		/* DeLong; NAN also when m < 2 or n < 2 */
	uint64_t npos, nneg;
};

/*
 * AUC of the rows rows[0..n) given in ascending score order; a row is
 * positive when label[row] == positive.  Returns 0, or -1 when the AUC is
 * undefined (no positives or no negatives).
 */
int auc_delong_ordered(const double *score, const uint32_t *label,
		       int64_t positive, const uint32_t *rows, size_t n,
		       struct auc *out);

/* Convenience for a single unsorted sample: sorts, then as above. */
int auc_delong(const double *score, const uint32_t *label, int64_t positive,
	       size_t n, struct auc *out);

#endif
