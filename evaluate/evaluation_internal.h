/*
 * evaluation_internal.h - the interface between the evaluation driver
 * (evaluate/evaluation.c) and the per-task metric engines.
 *
 * The driver does everything that is the same for every task: parameters,
 * grouping, reference choice, comparisons, adjustment, flags, spreads and
 * the JSON.  An engine only knows its task's metrics:
 *
 *   1. prepare() checks that the table fits the task, fills et->metrics
 *      (the ordered list of metric keys and kinds, allocated with xmalloc;
 *      the driver frees it) and may keep shared state in et->state (e.g. a
 *      sort of all rows by score);
 *   2. compute() is called once for "overall" (cohort == NULL, one cohort)
 *      and once per grouping, and fills out[c * nmetrics + k] for every
 *      cohort c and metric k; it must not fail;
 *   3. methods() adds the engine's method descriptions to params.methods;
 *   4. release() frees et->state.
 * Two optional hooks (NULL: not used):
 *   - compare(), for engines whose comparisons need more than two struct
 *     mval (the asr engine's bootstrap pairs replicates of both cohorts):
 *     called once per grouping, right after compute() for that grouping
 *     and the choice of its reference cohort, with the same cohort array
 *     and compute()'s values; it fills disp[c * nmetrics + k] for every
 *     cohort c other than ref and every metric k whose kind is comparable
 *     (mval_comparable) instead of disparity_compare, which the driver
 *     then does not call.  Adjustment, flags and spreads stay with the
 *     driver.  It must not fail.
 *   - params() adds the engine's own parameters (as used) to "params".
 * While compute() (and compare()) run, et->g is the grouping being
 * computed (cohort labels and attribute names, e.g. to seed a cohort's
 * random stream by what it is rather than by its position), or NULL for
 * "overall".
 *
 * Adding a task: write report/eval_<task>.c defining a
 * `const struct eval_engine eval_engine_<task>`, declare it below, and put
 * it in the engines[] table of evaluation.c.  Metric kinds and comparisons
 * live in metrics/disparity.h; add a kind there if a task needs a new
 * comparison of two values, or use compare() when it needs more.
 */
#ifndef FA_EVALUATION_INTERNAL_H
#define FA_EVALUATION_INTERNAL_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/groupby.h"
#include "metrics/disparity.h"
#include "evaluate/evaluation.h"
#include <cjson/cJSON.h>

struct eval_metric {
	const char *name;	/* key in "metrics" (static or table-owned) */
	const char *cls;	/* NULL, or the class key under "per_class" */
	enum mval_kind kind;
};

struct eval_task {
	const struct table *t;
	const struct eval_params *p;
	const struct groupby *g;	/* grouping being computed, or NULL */
	size_t nmetrics;
	struct eval_metric *metrics;
	void *state;
	size_t family_size;		/* tests in the primary family */
};

struct eval_engine {
	int (*prepare)(struct eval_task *et, struct buf *err);
	void (*compute)(struct eval_task *et, const uint32_t *cohort,
			size_t ncohorts, struct mval *out);
	void (*methods)(const struct eval_task *et, cJSON *methods);
	void (*release)(struct eval_task *et);
	void (*compare)(struct eval_task *et, const uint32_t *cohort,
			size_t ncohorts, const struct mval *vals, size_t ref,
			struct disparity *disp);
	void (*params)(const struct eval_task *et, cJSON *params);
	/*
	 * Optional, after compute(): mark further cohorts too small
	 * (small[c] is EVAL_SMALL_ROWS or EVAL_SMALL_NO on entry).
	 */
	void (*too_small)(const struct eval_task *et, size_t ncohorts,
			  uint8_t *small);
};

extern const struct eval_engine eval_engine_classification;
extern const struct eval_engine eval_engine_score;
extern const struct eval_engine eval_engine_regression;
extern const struct eval_engine eval_engine_asr;

/*
 * The last-mile analysis of one grouping (evaluate/condition.c): the
 * grouping's attributes at[0..nattrs), its cohorts gb with reference ref,
 * split by et->p->cond_attr; metrics[0..nmetrics) index et->metrics.
 * A new object, or NULL with err set.
 */
cJSON *condition_json(struct eval_task *et, const struct eval_engine *eng,
		      const struct groupby_attr *at, size_t nattrs,
		      const struct groupby *gb, size_t ref,
		      const size_t *metrics, size_t nmetrics, struct buf *err);

/* Method descriptions shared by every engine that reports proportions. */
void eval_methods_proportions(cJSON *methods);

#endif
