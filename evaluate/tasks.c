/*
 * tasks.c - the metric engines for classification, score and
 * regression tasks (see evaluation_internal.h for the protocol).
 *
 * Each compute() is one pass over the rows into per-cohort accumulators
 * (confusion counts, moments, calibration bins), then one struct mval per
 * cohort and metric.  The score engine sorts all rows by score once in
 * prepare() and splits that order per grouping with a counting sort, so
 * AUCs never sort again.
 *
 * Metric lists:
 *   binary classification  n tp fp tn fn tpr fpr fnr tnr ppv npv fdr for
 *                          accuracy error_rate selection_rate prevalence
 *   multi-class            n accuracy error_rate, and per class (classes in
 *                          byte order of their labels) "n" (rows whose true
 *                          label is the class) and "recall"
 *   score                  the binary list at the threshold, auc brier ece
 *   regression             n mae rmse mean_error (error = prediction - truth)
 */
#include "common/fa.h"
#include "evaluate/evaluation_internal.h"
#include "metrics/confusion.h"
#include "metrics/scores.h"
#include "metrics/stats.h"

void eval_methods_proportions(cJSON *m)
{
	cJSON_AddStringToObject(m, "interval", "wilson score");
	cJSON_AddStringToObject(m, "difference_interval",
		"newcombe hybrid score (method 10, no continuity correction)");
	cJSON_AddStringToObject(m, "ratio_interval",
		"katz log; when exactly one of the two counts is 0, 0.5 is "
		"added to every cell of the 2x2 table for the ratio and its "
		"interval (ratio_corrected: true); undefined when both "
		"counts are 0");
	cJSON_AddStringToObject(m, "test",
		"fisher exact, two-sided (tables with probability <= "
		"observed * (1 + 1e-7), as R's fisher.test), when any "
		"expected cell count is below 5; else the pooled "
		"two-proportion z-test; the test used is given per "
		"comparison");
}

/* ---- binary metrics shared by classification and score ---- */

#define NBINARY (5 + CONF_NRATES)

static void binary_metric_list(struct eval_metric *m)
{
	static const char *const counts[] = { "n", "tp", "fp", "tn", "fn" };

	for (size_t i = 0; i < 5; i++) {
		m[i].name = counts[i];
		m[i].cls = NULL;
		m[i].kind = MVAL_COUNT;
	}
	for (size_t r = 0; r < CONF_NRATES; r++) {
		m[5 + r].name = confusion_rate_name((enum confusion_rate)r);
		m[5 + r].cls = NULL;
		m[5 + r].kind = MVAL_PROP;
	}
}

static void binary_fill(struct mval *out, const struct confusion *c,
			double conf)
{
	uint64_t x, d;

	mval_count(&out[0], confusion_n(c));
	mval_count(&out[1], c->tp);
	mval_count(&out[2], c->fp);
	mval_count(&out[3], c->tn);
	mval_count(&out[4], c->fn);
	for (size_t r = 0; r < CONF_NRATES; r++) {
		confusion_rate(c, (enum confusion_rate)r, &x, &d);
		mval_prop(&out[5 + r], x, d, conf,
			  confusion_rate_reason((enum confusion_rate)r));
	}
}

/* ---- classification ---- */

struct class_state {
	bool binary;
	size_t nclasses;
};

static int class_cmp(const void *a, const void *b)
{
	const struct eval_metric *x = a, *y = b;

	return strcmp(x->cls, y->cls);
}

static int classification_prepare(struct eval_task *et, struct buf *err)
{
	const struct table *t = et->t;
	struct class_state *s = xcalloc(1, sizeof(*s));
	size_t k = t->classes.n;

	et->state = s;
	s->nclasses = k;
	if (table_is_binary(t)) {
		s->binary = true;
		et->nmetrics = NBINARY;
		et->metrics = xmalloc(NBINARY * sizeof(*et->metrics));
		binary_metric_list(et->metrics);
		return 0;
	}
	et->nmetrics = 3 + 2 * k;
	et->metrics = xmalloc(et->nmetrics * sizeof(*et->metrics));
	et->metrics[0] = (struct eval_metric){ "n", NULL, MVAL_COUNT };
	et->metrics[1] = (struct eval_metric){ "accuracy", NULL, MVAL_PROP };
	et->metrics[2] = (struct eval_metric){ "error_rate", NULL, MVAL_PROP };
	/* Sort classes by label: borrow the recall slots, then expand. */
	for (size_t c = 0; c < k; c++)
		et->metrics[3 + c] = (struct eval_metric){
			"recall", strmap_str(&t->classes, (uint32_t)c),
			MVAL_PROP };
	qsort(et->metrics + 3, k, sizeof(*et->metrics), class_cmp);
	for (size_t c = k; c-- > 0;) {
		et->metrics[3 + 2 * c + 1] = et->metrics[3 + c];
		et->metrics[3 + 2 * c] = (struct eval_metric){
			"n", et->metrics[3 + c].cls, MVAL_COUNT };
	}
	return 0;
}

static void classification_compute(struct eval_task *et,
				   const uint32_t *cohort, size_t nc,
				   struct mval *out)
{
	const struct table *t = et->t;
	const struct class_state *s = et->state;
	double conf = et->p->confidence;
	size_t nm = et->nmetrics, k = s->nclasses;
	uint64_t *n, *ok, *sup, *hit;
	uint32_t *code_of_slot;

	if (s->binary) {
		struct confusion *c = xcalloc(nc, sizeof(*c));

		confusion_add_labels(t->label, t->pred, t->positive, cohort,
				     t->nrows, nc, c);
		for (size_t i = 0; i < nc; i++)
			binary_fill(&out[i * nm], &c[i], conf);
		free(c);
		return;
	}
	n = xcalloc(nc, sizeof(*n));
	ok = xcalloc(nc, sizeof(*ok));
	sup = xcalloc(nc * k, sizeof(*sup));
	hit = xcalloc(nc * k, sizeof(*hit));
	confusion_add_multiclass(t->label, t->pred, k, cohort, t->nrows, n, ok,
				 sup, hit);
	/* Class code of each per-class slot, in the sorted metric order. */
	code_of_slot = xmalloc((k ? k : 1) * sizeof(*code_of_slot));
	for (size_t j = 0; j < k; j++) {
		const char *name = et->metrics[3 + 2 * j].cls;

		code_of_slot[j] = (uint32_t)strmap_find(&t->classes, name,
							strlen(name));
	}
	for (size_t i = 0; i < nc; i++) {
		struct mval *o = &out[i * nm];

		mval_count(&o[0], n[i]);
		mval_prop(&o[1], ok[i], n[i], conf, "empty cohort");
		mval_prop(&o[2], n[i] - ok[i], n[i], conf, "empty cohort");
		for (size_t j = 0; j < k; j++) {
			uint32_t code = code_of_slot[j];

			mval_count(&o[3 + 2 * j], sup[i * k + code]);
			mval_prop(&o[3 + 2 * j + 1], hit[i * k + code],
				  sup[i * k + code], conf,
				  "no examples of this class in cohort");
		}
	}
	free(code_of_slot);
	free(n);
	free(ok);
	free(sup);
	free(hit);
}

static void classification_methods(const struct eval_task *et, cJSON *m)
{
	const struct class_state *s = et->state;

	eval_methods_proportions(m);
	if (s->binary) {
		cJSON_AddStringToObject(m, "classification", "binary");
	} else {
		cJSON_AddStringToObject(m, "classification",
			"multi-class: accuracy, error_rate, and per class "
			"(metrics.per_class.<label>) n = rows whose true label "
			"is the class and recall = their fraction predicted "
			"as the class; per-class flags are named "
			"recall[<label>]");
	}
}

static void simple_release(struct eval_task *et)
{
	free(et->state);
	et->state = NULL;
}

const struct eval_engine eval_engine_classification = {
	.prepare = classification_prepare,
	.compute = classification_compute,
	.methods = classification_methods,
	.release = simple_release,
};

/* ---- score ---- */

struct score_state {
	uint32_t *order;	/* all rows by ascending score */
	uint32_t *grouped;	/* scratch: order split by cohort */
};

static int score_prepare(struct eval_task *et, struct buf *err)
{
	const struct table *t = et->t;
	struct score_state *s;

	if (t->classes.n > 2) {
		buf_addf(err, "cannot evaluate a score task whose labels have "
			 "%u distinct values; score tasks need binary labels",
			 t->classes.n);
		return -1;
	}
	if (!table_is_binary(t)) {
		buf_addf(err, "cannot evaluate a score task without a "
			 "positive label");
		return -1;
	}
	s = xcalloc(1, sizeof(*s));
	et->state = s;
	s->order = xmalloc((t->nrows ? t->nrows : 1) * sizeof(*s->order));
	s->grouped = xmalloc((t->nrows ? t->nrows : 1) * sizeof(*s->grouped));
	scores_order(t->pred_num, t->nrows, s->order);
	et->nmetrics = NBINARY + 3;
	et->metrics = xmalloc(et->nmetrics * sizeof(*et->metrics));
	binary_metric_list(et->metrics);
	et->metrics[NBINARY] = (struct eval_metric){ "auc", NULL, MVAL_AUC };
	et->metrics[NBINARY + 1] =
		(struct eval_metric){ "brier", NULL, MVAL_MEAN };
	et->metrics[NBINARY + 2] =
		(struct eval_metric){ "ece", NULL, MVAL_PLAIN };
	return 0;
}

static void score_compute(struct eval_task *et, const uint32_t *cohort,
			  size_t nc, struct mval *out)
{
	const struct table *t = et->t;
	struct score_state *s = et->state;
	double conf = et->p->confidence;
	size_t nm = et->nmetrics, n = t->nrows;
	struct confusion *c = xcalloc(nc, sizeof(*c));
	struct moments *brier = xcalloc(nc, sizeof(*brier));
	struct ece_acc *ece = xcalloc(nc, sizeof(*ece));
	size_t *start = xmalloc((nc + 1) * sizeof(*start));
	const uint32_t *rows;
	uint32_t pos = t->positive < 0 ? UINT32_MAX : (uint32_t)t->positive;

	confusion_add_scores(t->label, t->pred_num, et->p->threshold,
			     t->positive, cohort, n, nc, c);
	for (size_t r = 0; r < n; r++) {
		size_t i = cohort ? cohort[r] : 0;
		bool y = t->positive >= 0 && t->label[r] == pos;
		double d = t->pred_num[r] - (y ? 1.0 : 0.0);

		moments_add(&brier[i], d * d);
		ece_add(&ece[i], t->pred_num[r], y);
	}
	if (cohort) {
		scores_group_order(s->order, n, cohort, nc, s->grouped, start);
		rows = s->grouped;
	} else {
		start[0] = 0;
		start[1] = n;
		rows = s->order;
	}
	for (size_t i = 0; i < nc; i++) {
		struct mval *o = &out[i * nm];
		struct auc a;

		binary_fill(o, &c[i], conf);
		auc_delong_ordered(t->pred_num, t->label, t->positive,
				   rows + start[i], start[i + 1] - start[i], &a);
		mval_auc(&o[NBINARY], &a, conf);
		mval_mean(&o[NBINARY + 1], &brier[i], false, true, conf,
			  "empty cohort");
		mval_plain(&o[NBINARY + 2], ece_value(&ece[i]), "empty cohort");
	}
	free(c);
	free(brier);
	free(ece);
	free(start);
}

static void score_methods(const struct eval_task *et, cJSON *m)
{
	eval_methods_proportions(m);
	cJSON_AddStringToObject(m, "threshold_rule",
		"score >= threshold is a positive prediction");
	cJSON_AddStringToObject(m, "auc",
		"mann-whitney, ties count 1/2 (midranks)");
	cJSON_AddStringToObject(m, "auc_interval",
		"delong variance, plain normal interval clipped to [0, 1] "
		"(as pROC ci.auc method delong)");
	cJSON_AddStringToObject(m, "auc_comparison",
		"independent cohorts: difference with normal interval on "
		"var1 + var2, ratio by the delta method on the log scale, "
		"two-sided z-test (test: delong)");
	cJSON_AddStringToObject(m, "brier",
		"mean squared difference between score and outcome (0/1); "
		"student t interval; compared by welch's t-test");
	cJSON_AddStringToObject(m, "ece_binning",
		"10 equal-width bins of [0, 1] ([0, 0.1), ..., [0.9, 1.0]), "
		"sum over bins of (bin count / n) * |mean score - positive "
		"fraction|; no interval and no comparison");
}

static void score_release(struct eval_task *et)
{
	struct score_state *s = et->state;

	if (s) {
		free(s->order);
		free(s->grouped);
	}
	free(s);
	et->state = NULL;
}

const struct eval_engine eval_engine_score = {
	.prepare = score_prepare,
	.compute = score_compute,
	.methods = score_methods,
	.release = score_release,
};

/* ---- regression ---- */

static int regression_prepare(struct eval_task *et, struct buf *err)
{
	static const struct eval_metric list[] = {
		{ "n", NULL, MVAL_COUNT },
		{ "mae", NULL, MVAL_MEAN },
		{ "rmse", NULL, MVAL_MEAN },
		{ "mean_error", NULL, MVAL_MEAN },
	};

	et->nmetrics = ARRAY_SIZE(list);
	et->metrics = xmalloc(sizeof(list));
	memcpy(et->metrics, list, sizeof(list));
	return 0;
}

static void regression_compute(struct eval_task *et, const uint32_t *cohort,
			       size_t nc, struct mval *out)
{
	const struct table *t = et->t;
	double conf = et->p->confidence;
	size_t nm = et->nmetrics;
	struct moments *mo = xcalloc(3 * nc, sizeof(*mo));

	for (size_t r = 0; r < t->nrows; r++) {
		struct moments *m = &mo[3 * (size_t)(cohort ? cohort[r] : 0)];
		double e = t->pred_num[r] - t->label_num[r];

		moments_add(&m[0], fabs(e));
		moments_add(&m[1], e * e);
		moments_add(&m[2], e);
	}
	for (size_t i = 0; i < nc; i++) {
		struct mval *o = &out[i * nm];
		const struct moments *m = &mo[3 * i];

		mval_count(&o[0], m[0].n);
		mval_mean(&o[1], &m[0], false, true, conf, "empty cohort");
		mval_mean(&o[2], &m[1], true, true, conf, "empty cohort");
		mval_mean(&o[3], &m[2], false, false, conf, "empty cohort");
	}
	free(mo);
}

static void regression_methods(const struct eval_task *et, cJSON *m)
{
	cJSON_AddStringToObject(m, "error", "prediction - truth");
	cJSON_AddStringToObject(m, "interval",
		"student t on the mean of the per-row quantity (|error| for "
		"mae, error for mean_error; lower limits of mae clipped at "
		"0); rmse: square roots of the t interval on the mean "
		"squared error, lower limit clipped at 0");
	cJSON_AddStringToObject(m, "difference_interval",
		"welch (welch-satterthwaite degrees of freedom); rmse by the "
		"delta method, se(rmse) = se(mse) / (2 rmse)");
	cJSON_AddStringToObject(m, "ratio_interval",
		"delta method on the log scale with welch-satterthwaite "
		"degrees of freedom; undefined unless both values are "
		"positive (so never for a negative mean_error)");
	cJSON_AddStringToObject(m, "test",
		"welch's two-sample t-test on the per-row quantity (rmse: on "
		"squared errors, i.e. equal mean squared error)");
}

const struct eval_engine eval_engine_regression = {
	.prepare = regression_prepare,
	.compute = regression_compute,
	.methods = regression_methods,
	.release = simple_release,
};
