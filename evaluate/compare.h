/*
 * compare.h - two models of one dataset compared cohort by cohort: the
 * computation behind GET /v1/models/{a}/compare/{b}/report
 * (server/h_compare.c renders it as JSON or HTML).
 *
 * Both models predicted on the same examples, so every change B - A is a
 * paired comparison (metrics/paired.h).  The caller loads both tables,
 * pairs their rows (compare_pair_rows), groups model A's table
 * (cohorts/groupby.h) into run->g, picks the kind (compare_kind_of) and the
 * metrics (compare_set_metrics), then compare_compute() fills, per cohort
 * and "overall":
 *
 *   binary classification, score (at threshold)   8 cells of (truth,
 *       prediction A, prediction B); closed form for rates over the truth,
 *       multinomial bootstrap for ppv, npv, fdr, for
 *   multi-class classification   the paired 2x2 table of errors
 *   regression                   paired t on |error| (mae) or error
 *                                (mean_error)
 *   asr                          cluster bootstrap of pooled WER (CER)
 *                                over speakers, or utterances when no
 *                                cohort has two speakers (as evaluations)
 *
 * Every cohort (and "overall") bootstraps from its own stream,
 * boot_stream_seed(seed, key) with the key naming the cohort by its
 * attribute names and values, so a cohort's numbers do not depend on the
 * other cohorts.  p-values are Holm-adjusted over one family: every
 * (cohort, metric) comparison whose cohort is not too small and whose
 * p-value is defined; "overall" is unadjusted.
 */
#ifndef FA_COMPARE_H
#define FA_COMPARE_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/groupby.h"
#include "metrics/paired.h"
#include <gsl/gsl_rng.h>

#define COMPARE_MAX_METRICS 16

enum compare_kind {
	COMPARE_BINARY,
	COMPARE_MULTI,
	COMPARE_REGRESSION,
	COMPARE_ASR,
};

/* The options the computation uses. */
struct compare_opts {
	double conf;			/* two-sided confidence level */
	uint64_t min_size;		/* rows a cohort needs to be tested */
	uint64_t min_speakers;		/* asr, speakers resampled */
	uint32_t nboot;			/* bootstrap replicates */
	uint64_t seed;
	double threshold;		/* score tasks */
};

/*
 * The defaults: the evaluation's confidence, minimum cohort size, minimum
 * speakers, seed and threshold (eval_params_init), and
 * PAIRED_DEFAULT_BOOTSTRAP replicates.
 */
void compare_opts_init(struct compare_opts *o);

/* One comparison; compare_run_init, fill the inputs, compare_compute. */
struct compare_run {
	const struct table *ta, *tb;
	uint32_t *bmap;			/* row of B for each row of A */
	struct groupby g;
	size_t nc;			/* cohorts; set nc is "overall" */
	enum compare_kind kind;
	size_t nm;
	const char *metric[COMPARE_MAX_METRICS];
	int code[COMPARE_MAX_METRICS];	/* confusion rate, or catalogue index */
	struct paired_change *ch;	/* (nc + 1) x nm */
	uint64_t *n;			/* rows per set */
	uint8_t *small;			/* per cohort, enum eval_small */
	double *p_adj;			/* nc x nm */
	bool by_utterance[2];		/* asr: cohorts, overall */
	gsl_rng *rng;
};


void compare_run_init(struct compare_run *run);
void compare_run_release(struct compare_run *run);

/* The kind of comparison two tables of task t call for. */
enum compare_kind compare_kind_of(enum task t, const struct table *ta,
				  const struct table *tb);

/*
 * Pair the rows of tb with those of ta by example id: *out (caller frees)
 * gets, for each row of ta, its row in tb.  -1 when the ids differ.
 */
int compare_pair_rows(const struct table *ta, const struct table *tb,
		      uint32_t **out);

/*
 * Set run->metric and run->code from the n names asked for (the kind's
 * defaults when n is 0); run->kind must be set.  -1 with a sentence in err
 * naming the first name that cannot be compared and the choices.
 */
int compare_set_metrics(struct compare_run *run, const char *const *names,
			size_t n, struct buf *err);

/*
 * Compute every change (run->ch), the too-small marks and the adjusted
 * p-values, with run->ta, tb, bmap, g, kind and metrics set.  score: a
 * score task, whose predictions are cut at o->threshold.  -1 with a
 * sentence in err when there are more than EVAL_MAX_CELLS comparisons.
 */
int compare_compute(struct compare_run *run, const struct compare_opts *o,
		    bool score, struct buf *err);

#endif
