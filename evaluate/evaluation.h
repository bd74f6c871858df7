/*
 * evaluation.h - the evaluation engine: its parameters, and the run that
 * turns a columnar table (cohorts/table.h) into the evaluation JSON of
 * API.md.  The server (POST /v1/models/{id}/evaluations) and the command
 * line (`fairaudit score`) both call it.
 *
 * Parameters.  struct eval_params holds every option of an evaluation, with
 * the API.md defaults after eval_params_init():
 *   by               groupings; each a list of 1..FA_MAX_COHORT_ATTRS
 *                    attribute names (several = an intersection).  When it
 *                    is never set, every attribute of the table is its own
 *                    grouping, in table order; an empty list means "overall
 *                    only".
 *   reference        objects attribute -> value.  For a grouping, the first
 *                    object that names every attribute of the grouping
 *                    picks the reference cohort (extra attributes are
 *                    ignored); with none, the largest cohort is the
 *                    reference (ties: the first in cohort order).
 *   bins             attribute -> edges; labels as in cohorts/groupby.h
 *                    ("<0", "[0,30)", "[30,45)", "[45,60]", ">60", "").
 *   confidence       0.95, in (0, 1)
 *   min_cohort_size  30; cohorts with fewer rows are "too_small": shown,
 *                    never flagged, left out of spreads and of adjustment
 *   min_speakers     (asr) EVAL_DEFAULT_MIN_SPEAKERS; where the bootstrap
 *                    resamples speakers, cohorts with fewer speakers are
 *                    "too_small" as well (the engine's too_small hook)
 *   tolerance        0.8, in (0, 1]; flag band [tolerance, 1/tolerance]
 *   significance     0.05, in (0, 1)
 *   adjust           "holm" (default) or "bh" (Benjamini-Hochberg)
 *   primary          metric keys whose comparisons the summary reports
 *                    (flags); every other metric is secondary.  Unset:
 *                    every judged metric (all but prevalence) is primary,
 *                    but for speech only pooled WER.
 *                    The primary comparisons, over all groupings, are one
 *                    adjustment family (p_family), the secondary ones
 *                    another.
 *   threshold        0.5, in [0, 1]; score tasks: score >= threshold is a
 *                    positive prediction
 *   condition        {"attribute", "baseline"}: the last-mile analysis
 *                    (evaluate/condition.c) of how each other level of
 *                    the attribute degrades each cohort against its own
 *                    baseline, and whether it hurts a cohort more than
 *                    the reference; the attribute must be in no grouping
 *   normalize        (asr) kept as given for the asr engine
 *   seed             (asr) EVAL_DEFAULT_SEED; seeds the bootstrap, a whole
 *                    number in [0, 2^53]
 *   bootstrap        (asr) EVAL_DEFAULT_BOOTSTRAP replicates, a whole
 *                    number in [0, EVAL_MAX_BOOTSTRAP]; 0 turns intervals
 *                    and p-values off
 * The struct owns its strings and arrays; eval_params_release() frees them
 * (also after a failed parse or setter).
 *
 * Results.  evaluation_run() returns a new cJSON object with "task",
 * "params" (every parameter as used, plus "methods" describing how every
 * number was computed), "overall" and "groupings", in the shape of API.md;
 * the caller adds "id", "model_id", "dataset_id" and "created_at" and owns
 * the tree (cJSON_Delete).  Metric objects: rates and other estimates
 * {"value", "low", "high"}; counts {"value"}; undefined metrics
 * {"value": null, "reason": "..."}, never 0.  See evaluation.c for the full
 * per-cohort layout (disparity keys, flags, spread, per_class).
 *
 * Thread safety: no global state; concurrent runs on shared read-only
 * tables are fine.
 */
#ifndef FA_EVALUATION_H
#define FA_EVALUATION_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/limits.h"
#include "cohorts/table.h"
#include <cjson/cJSON.h>

/*
 * Caps on the size of one evaluation (NEEDSWORK: belong in
 * common/limits.h).  EVAL_MAX_CELLS bounds cohorts x metrics over all
 * groupings, which bounds both memory and the size of the result.
 */
#ifndef EVAL_MAX_GROUPINGS
#define EVAL_MAX_GROUPINGS 64
#endif
#ifndef EVAL_MAX_REFERENCES
#define EVAL_MAX_REFERENCES 256
#endif
#ifndef EVAL_MAX_COHORTS
#define EVAL_MAX_COHORTS 20000		/* cohorts in one grouping */
#endif
#ifndef EVAL_MAX_CELLS
#define EVAL_MAX_CELLS 250000		/* about 1 KB each in the result */
#endif
#ifndef EVAL_MAX_BOOTSTRAP
#define EVAL_MAX_BOOTSTRAP 10000	/* bootstrap replicates */
#endif

#define EVAL_DEFAULT_SEED 20240101
#define EVAL_DEFAULT_BOOTSTRAP 1000
#define EVAL_DEFAULT_MIN_SPEAKERS 10

enum eval_adjust {
	EVAL_ADJUST_HOLM,
	EVAL_ADJUST_BH,
};

struct eval_grouping {
	size_t nattrs;
	char *attrs[FA_MAX_COHORT_ATTRS];
};

struct eval_ref {
	size_t n;
	char **attrs;
	char **values;
};

struct eval_bins {
	char *attr;
	size_t nedges;
	double *edges;
};

/* Why a cohort is too small (shown, never flagged, out of spreads). */
enum eval_small {
	EVAL_SMALL_NO,
	EVAL_SMALL_ROWS,	/* n < min_cohort_size */
	EVAL_SMALL_SPEAKERS,	/* speakers < min_speakers (asr) */
};

struct eval_params {
	struct eval_grouping *groupings;
	size_t ngroupings;
	bool by_set;		/* false: one grouping per attribute */
	struct eval_ref *refs;
	size_t nrefs;
	bool ref_list;		/* "reference" was given as a list */
	struct eval_bins *bins;
	size_t nbins;
	double confidence;
	uint64_t min_cohort_size;
	uint64_t min_speakers;
	double tolerance;
	double significance;
	double threshold;
	enum eval_adjust adjust;
	char **primary;		/* metric keys, or NULL: all judged metrics */
	char *cond_attr;	/* condition attribute, or NULL */
	char *cond_baseline;	/* its baseline level */
	size_t nprimary;
	cJSON *normalize;	/* owned copy, or NULL */
	uint64_t seed;
	uint32_t bootstrap;
};

/* Defaults of API.md; allocates nothing. */
void eval_params_init(struct eval_params *p);
void eval_params_release(struct eval_params *p);

/*
 * Parse the POST /v1/models/{id}/evaluations request body (API.md) into p,
 * which must be freshly initialised.  "by" elements are lists of attribute
 * names or single names; "reference" is one object or a list of objects
 * with string values; "bins" maps attribute names to arrays of numbers.
 * Unknown fields, unknown attributes, bad bins, reference values that do
 * not occur in t, wrong types and out-of-range numbers give -1 and one
 * sentence in err naming the field.  t may be NULL to skip the checks
 * against the data (evaluation_run repeats them).
 */
int eval_params_parse(struct eval_params *p, const cJSON *req,
		      const struct table *t, struct buf *err);

/*
 * Setters for the command line; each returns 0, or -1 with one sentence in
 * err naming the option.  Attribute names are checked by evaluation_run.
 *
 * eval_params_add_grouping: "accent,gender" adds one grouping (the
 *   intersection of the comma-separated attributes); the first call
 *   replaces the every-attribute default.
 * eval_params_add_reference: "accent=us" or "accent=us,gender=f" adds one
 *   reference object (values cannot contain commas here; use JSON for
 *   those).
 * eval_params_add_bins: "age=0,30,60" sets the edges of one attribute.
 * eval_params_set: name = "by", "reference", "bins" (as above),
 *   "confidence", "min_cohort_size", "tolerance", "significance",
 *   "threshold", "adjust" ("holm" | "bh"), "seed" or "bootstrap"; '-'
 *   and '_' are the same in names, so "min-cohort-size" works.  The value
 *   is the option's text.
 */
int eval_params_add_grouping(struct eval_params *p, const char *csv,
			     struct buf *err);
int eval_params_add_reference(struct eval_params *p, const char *spec,
			      struct buf *err);
int eval_params_add_bins(struct eval_params *p, const char *spec,
			 struct buf *err);
int eval_params_set(struct eval_params *p, const char *name,
		    const char *value, struct buf *err);

/*
 * Adds v under key to object o, or null when v is NaN or infinite (JSON has
 * neither): how every computed number enters an evaluation or comparison.
 */
void eval_json_number(cJSON *o, const char *key, double v);

/*
 * Run the evaluation of t with p.  Returns a new cJSON object (see above),
 * or NULL with one sentence in err: unknown attributes, a requested
 * reference cohort with no rows, a task the engine cannot score, a table
 * whose labels do not fit the task, or an evaluation over the EVAL_MAX_*
 * caps.
 */
cJSON *evaluation_run(const struct table *t, const struct eval_params *p,
		      struct buf *err);

#endif
