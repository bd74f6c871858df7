/*
 * sliceline.h - SliceLine (Sagadeeva & Boehm, "SliceLine: Fast,
 * Linear-Algebra-based Slice Finding for ML Model Debugging", SIGMOD 2021):
 * the top-k slices of a data set where a model's error is high, exactly.
 *
 * A slice is a conjunction of attribute = value predicates, at most one
 * per attribute and at most max_level of them.  Each row i carries an
 * error e_i >= 0 and a weight w_i > 0 (1 when no weights are given; for
 * speech, e_i is an utterance's errors and w_i its reference words, so a
 * slice's error is a ratio of sums, its WER).  For a slice S with weight
 * |S| = sum of w_i (its rows when unweighted), error sum se(S) and n its
 * rows, the score is the paper's
 *
 *     sc(S) = alpha ((se(S) / |S|) / ebar - 1) - (1 - alpha) (W / |S| - 1)
 *
 * with ebar = se(all) / W and W = |all|: a slice scores above 0 when its
 * error is high enough for its size.  Returned are the k slices of
 * highest score above 0 among those with at least min_support rows, ties
 * broken by more rows, fewer predicates, then the predicates' order.
 *
 * The search goes level by level.  Level 1 is every attribute = value
 * with at least min_support rows and some error.  Level L joins two
 * slices of level L - 1 that share L - 2 predicates (apriori), keeps a
 * candidate only when all L of its parents are slices of level L - 1
 * that may have children, and prunes it when its score's upper bound is
 * below the k-th best score found so far.  The bound is the paper's Eq. 3
 * with row counts: over the parents, ss = the least weight, se = the
 * least error sum, sm = the least largest error per unit of weight;
 * every child S has |S| <= ss, se(S) <= min(se, sm |S|), and the score,
 * monotone in |S| on either side of se / sm, is largest at |S| = ss,
 * se / sm or the least weight min_support rows can have, whichever of
 * them lies in range.  A slice may have children when it has at least
 * min_support rows, some error and its own bound reaches the threshold.
 * Every pruning step only drops slices that cannot enter the top k (their
 * bound is below a score already found, or they have too few rows, or no
 * error and so a score below 0), so the result equals an exhaustive
 * search of the same lattice (tests/unit/cohorts/sliceline.c checks it).
 *
 * Candidates are evaluated with bitset intersections: one bitset of rows
 * per level-1 slice; a level's candidates are grouped by their first
 * parent, whose rows are intersected once (kept as the nonzero words
 * only), then each candidate is that parent and one more level-1 bitset,
 * counted with popcounts (binary errors and no weights) or summed over
 * its rows.  Groups are spread over the cores (common/fanout.h); the
 * threshold moves only between levels, so the result does not depend on
 * the thread count.  Pure: no I/O.
 */
#ifndef FA_SLICELINE_H
#define FA_SLICELINE_H

#include "common/fa.h"
#include "common/buf.h"

#define SLICE_MAX_LEVEL 8
/*
 * Most candidates one level may have (about 80 bytes each): a search that
 * would need more is refused, naming the level, rather than exhausting
 * memory; a larger min_support or a smaller max_level keeps it in bounds.
 */
#ifndef SLICE_MAX_CANDIDATES
#define SLICE_MAX_CANDIDATES 20000000u
#endif

struct slice_data {
	size_t nrows, nattrs;
	const uint32_t *const *codes;	/* [attr][row]: value code */
	const uint32_t *nvalues;	/* [attr]: codes are 0 .. nvalues - 1 */
	const double *err;		/* [row]: error, >= 0 */
	const double *weight;		/* [row]: weight > 0, or NULL: 1 each */
};

struct slice_opts {
	unsigned max_level;		/* 1 .. SLICE_MAX_LEVEL */
	uint64_t min_support;		/* rows a slice needs, >= 1 */
	size_t k;			/* slices wanted, >= 1 */
	double alpha;			/* in (0, 1] */
	size_t threads;			/* 0: every core */
	size_t max_candidates;		/* a level's; 0: SLICE_MAX_CANDIDATES */
	/* Optional: after each level and every few thousand candidates. */
	void (*progress)(void *ctx, unsigned level, uint64_t evaluated,
			 uint64_t candidates);
	void *progress_ctx;
	/* Optional: set nonzero (from another thread) to stop the search. */
	const volatile int *cancel;
};

struct slice {
	unsigned level;
	uint32_t attr[SLICE_MAX_LEVEL];	/* increasing */
	uint32_t value[SLICE_MAX_LEVEL];
	uint64_t rows;
	double weight, err, max_err;	/* max_err: largest e_i / w_i */
	double score;
};

struct slice_stats {
	unsigned levels;		/* levels searched */
	uint64_t evaluated;		/* slices whose rows were counted */
	uint64_t pruned;		/* candidates dropped by the bound */
	uint64_t per_level[SLICE_MAX_LEVEL];	/* evaluated per level */
	double ebar;			/* error over all rows */
};

void slice_opts_init(struct slice_opts *o);

/* The score of a slice of weight s and error sum se (see above). */
double slice_score(double alpha, double s, double se, double total_w,
		   double ebar);

/*
 * The top-k slices of d into *out (caller frees; *nout of them, best
 * first) and the search's figures into *st.  0; 1 when cancelled (what
 * was found so far is returned); -1 with a sentence in err for bad
 * options or data.
 */
int sliceline_run(const struct slice_data *d, const struct slice_opts *o,
		  struct slice **out, size_t *nout, struct slice_stats *st,
		  struct buf *err);

/* -1, 0 or 1: a ranks before b (higher score, more rows, ...). */
int slice_rank_cmp(const struct slice *a, const struct slice *b);

#endif
