/*
 * h_compare.c - GET /v1/models/{a}/compare/{b}/report: two models of one
 * dataset compared cohort by cohort, as HTML (report/html.h,
 * html_render_comparison) or, with ?format=json, as the comparison JSON that
 * page is rendered from.
 *
 * The dataset is loaded once per model (store_table_load); rows are paired
 * by example id and grouped by the requested attributes on model A's
 * table, and evaluate/compare.h computes every paired change (which test
 * for which task, the per-cohort bootstrap streams, Holm's family).
 *
 * Nothing is stored: the report is computed on each request from the
 * stored predictions (NEEDSWORK: a large ASR set with many speakers costs
 * a bootstrap per request; cache by (a, b, params) if that shows up).
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/log.h"
#include "evaluate/evaluation.h"
#include "report/html.h"
#include "cohorts/groupby.h"
#include "evaluate/compare.h"

/* The request's options, as used. */
struct cmp_req {
	bool json;
	struct compare_opts o;
	char *by_buf;			/* ?by, split in place */
	const char *by[FA_MAX_COHORT_ATTRS];
	size_t nby;
	struct eval_params bins;	/* ?bins, parsed as --bins */
	char *metrics_buf;		/* ?metrics, split in place */
	const char *metrics[COMPARE_MAX_METRICS];
	size_t nmetrics;
};

/* ---- request ---- */

static int number_arg_or_respond(struct request *r, const char *name,
				 double lo, double hi, bool open, bool whole,
				 double *out)
{
	const char *s = req_arg(r, name);
	double v;

	if (!s)
		return 0;
	if (parse_double(s, strlen(s), &v) || v < lo || v > hi ||
	    (open && (v == lo || v == hi)) || (whole && v != floor(v))) {
		respond_problem(r, 400, "Bad request",
				"%s \"%s\" must be %s %s %g %s %g", name, s,
				whole ? "a whole number" : "a number",
				open ? "strictly between" : "from", lo,
				open ? "and" : "to", hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* Split a comma list in place into out[0..*n); 400 when empty or long. */
static int list_or_respond(struct request *r, const char *name, char *s,
			   const char **out, size_t max, size_t *n)
{
	char *p = s;

	*n = 0;
	for (;;) {
		char *e = strchr(p, ',');

		if (e)
			*e = '\0';
		if (!*p || *n == max) {
			respond_problem(r, 400, "Bad request",
					"%s must be a comma-separated list of"
					" 1 to %zu names", name, max);
			return -1;
		}
		for (size_t i = 0; i < *n; i++)
			if (!strcmp(out[i], p)) {
				respond_problem(r, 400, "Bad request",
						"%s names \"%s\" twice", name, p);
				return -1;
			}
		out[(*n)++] = p;
		if (!e)
			return 0;
		p = e + 1;
	}
}

/*
 * ?bins=age=18,30,45;income=0,20000: edges per numeric attribute of ?by,
 * as evaluations' "bins" and the command line's --bins take them.
 */
static int bins_or_respond(struct request *r, struct cmp_req *q)
{
	const char *bins = req_arg(r, "bins"), *s = bins;
	struct buf one = BUF_INIT, err = BUF_INIT;
	int rc = 0;

	while (s && *s && !rc) {
		const char *semi = strchr(s, ';');
		size_t len = semi ? (size_t)(semi - s) : strlen(s);

		buf_reset(&one);
		buf_add(&one, s, len);
		if (eval_params_add_bins(&q->bins, one.s ? one.s : "", &err)) {
			respond_problem(r, 400, "Bad request", "bins: %s",
					err.s);
			rc = -1;
		}
		s = semi ? semi + 1 : NULL;
	}
	buf_release(&one);
	buf_release(&err);
	return rc;
}

static int req_parse_or_respond(struct request *r, struct cmp_req *q)
{
	const char *format = req_arg(r, "format"), *by, *metrics;
	double v;

	compare_opts_init(&q->o);
	if (format && strcmp(format, "html") && strcmp(format, "json")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not html or json", format);
		return -1;
	}
	q->json = format && !strcmp(format, "json");
	if (number_arg_or_respond(r, "confidence", 0, 1, true, false, &q->o.conf))
		return -1;
	v = (double)q->o.min_size;
	if (number_arg_or_respond(r, "min_cohort_size", 0, 1e15, false, true, &v))
		return -1;
	q->o.min_size = (uint64_t)v;
	v = (double)q->o.min_speakers;
	if (number_arg_or_respond(r, "min_speakers", 0, 1e15, false, true, &v))
		return -1;
	q->o.min_speakers = (uint64_t)v;
	v = q->o.nboot;
	if (number_arg_or_respond(r, "bootstrap", 0, EVAL_MAX_BOOTSTRAP, false,
				  true, &v))
		return -1;
	q->o.nboot = (uint32_t)v;
	v = (double)q->o.seed;
	if (number_arg_or_respond(r, "seed", 0, 9007199254740992.0, false, true,
				  &v))
		return -1;
	q->o.seed = (uint64_t)v;
	if (number_arg_or_respond(r, "threshold", 0, 1, false, false,
				  &q->o.threshold))
		return -1;
	if (bins_or_respond(r, q))
		return -1;
	by = req_arg(r, "by");
	if (by) {
		q->by_buf = xstrdup(by);
		if (list_or_respond(r, "by", q->by_buf, q->by,
				    FA_MAX_COHORT_ATTRS, &q->nby))
			return -1;
	}
	metrics = req_arg(r, "metrics");
	if (metrics) {
		q->metrics_buf = xstrdup(metrics);
		if (list_or_respond(r, "metrics", q->metrics_buf, q->metrics,
				    COMPARE_MAX_METRICS, &q->nmetrics))
			return -1;
	}
	return 0;
}

/* The grouping: ?by, or the dataset's first attribute. */
static int grouping_or_respond(struct request *r, struct cmp_req *q,
			       const struct table *t,
			       struct groupby_attr *ga)
{
	if (!q->nby) {
		if (!t->nattrs) {
			respond_problem(r, 422, "Comparison not possible",
					"the dataset has no attributes to group"
					" its examples by");
			return -1;
		}
		q->by[q->nby++] = t->attrs[0].name;
	}
	for (size_t i = 0; i < q->nby; i++) {
		int a = table_find_attr(t, q->by[i]);

		if (a < 0) {
			struct buf names = BUF_INIT;

			for (size_t j = 0; j < t->nattrs; j++)
				buf_addf(&names, "%s\"%s\"", j ? ", " : "",
					 t->attrs[j].name);
			respond_problem(r, 400, "Bad request",
					"by: \"%s\" is not an attribute of the"
					" dataset (attributes: %s)", q->by[i],
					names.len ? names.s : "none");
			buf_release(&names);
			return -1;
		}
		ga[i] = (struct groupby_attr){ a, NULL, 0 };
		for (size_t k = 0; k < q->bins.nbins; k++)
			if (!strcmp(q->bins.bins[k].attr, q->by[i])) {
				ga[i].edges = q->bins.bins[k].edges;
				ga[i].nedges = q->bins.bins[k].nedges;
			}
	}
	for (size_t k = 0; k < q->bins.nbins; k++) {
		size_t i = 0;

		while (i < q->nby && strcmp(q->by[i], q->bins.bins[k].attr))
			i++;
		if (i == q->nby) {
			respond_problem(r, 400, "Bad request",
					"bins: \"%s\" is not in by",
					q->bins.bins[k].attr);
			return -1;
		}
	}
	return 0;
}

/* ---- JSON ---- */

static cJSON *side_json(const struct interval *iv, const char *reason,
			const char *ci_reason)
{
	cJSON *o = cJSON_CreateObject();

	if (reason) {
		cJSON_AddNullToObject(o, "value");
		cJSON_AddStringToObject(o, "reason", reason);
		return o;
	}
	eval_json_number(o, "value", iv->value);
	eval_json_number(o, "low", iv->low);
	eval_json_number(o, "high", iv->high);
	if (ci_reason && isnan(iv->low))
		cJSON_AddStringToObject(o, "interval_reason", ci_reason);
	return o;
}

static const char *test_name(enum paired_method m)
{
	switch (m) {
	case PAIRED_NEWCOMBE:
		return "mcnemar_midp";
	case PAIRED_BOOTSTRAP:
		return "bootstrap";
	case PAIRED_T:
		return "paired_t";
	default:
		return "none";
	}
}

/*
 * One metric of a cohort: both sides and the change.  A change is
 * "significant" when its adjusted p-value is below alpha (1 - confidence);
 * only those are highlighted as changes.
 */
static cJSON *change_json(const struct paired_change *ch, double padj,
			  const char *padj_reason, double alpha)
{
	cJSON *m = cJSON_CreateObject(), *o;

	cJSON_AddItemToObject(m, "a", side_json(&ch->a, ch->a_reason,
						ch->ci_reason));
	cJSON_AddItemToObject(m, "b", side_json(&ch->b, ch->b_reason,
						ch->ci_reason));
	o = cJSON_AddObjectToObject(m, "change");
	if (ch->reason) {
		cJSON_AddNullToObject(o, "difference");
		cJSON_AddNullToObject(o, "diff_low");
		cJSON_AddNullToObject(o, "diff_high");
		cJSON_AddNullToObject(o, "p_value");
		cJSON_AddNullToObject(o, "p_adjusted");
		cJSON_AddStringToObject(o, "reason", ch->reason);
		return m;
	}
	eval_json_number(o, "difference", ch->diff.value);
	eval_json_number(o, "diff_low", ch->diff.low);
	eval_json_number(o, "diff_high", ch->diff.high);
	if (ch->ci_reason)
		cJSON_AddStringToObject(o, "interval_reason", ch->ci_reason);
	eval_json_number(o, "p_value", ch->p);
	eval_json_number(o, "p_adjusted", padj);
	if (!isnan(padj))
		cJSON_AddBoolToObject(o, "significant", padj < alpha);
	if (padj_reason && !isnan(ch->p))
		cJSON_AddStringToObject(o, "p_adjusted_reason", padj_reason);
	cJSON_AddStringToObject(o, "method", paired_method_name(ch->method));
	cJSON_AddStringToObject(o, "test", test_name(ch->method));
	cJSON_AddNumberToObject(o, "n", (double)ch->n);
	return m;
}

static cJSON *model_side(const struct model *m, const struct request *r)
{
	cJSON *o = cJSON_CreateObject();
	struct buf label = BUF_INIT;
	char href[64];

	buf_adds(&label, m->name);
	if (m->version && *m->version)
		buf_addf(&label, " %s", m->version);
	cJSON_AddStringToObject(o, "label", label.s);
	cJSON_AddNumberToObject(o, "model_id", (double)m->id);
	cJSON_AddStringToObject(o, "name", m->name);
	if (m->version)
		cJSON_AddStringToObject(o, "version", m->version);
	else
		cJSON_AddNullToObject(o, "version");
	/* The model JSON needs a key; a page opened by a share link has none. */
	if (!r->share) {
		snprintf(href, sizeof(href), "/v1/models/%lld", (long long)m->id);
		cJSON_AddStringToObject(o, "href", href);
	}
	buf_release(&label);
	return o;
}

static void add_methods(cJSON *doc, const struct compare_run *run)
{
	cJSON *m = cJSON_AddObjectToObject(doc, "methods");

	cJSON_AddStringToObject(m, "change", "model B minus model A, paired by"
		" example id (both models predicted every example)");
	switch (run->kind) {
	case COMPARE_BINARY:
	case COMPARE_MULTI:
		cJSON_AddStringToObject(m, "interval", "wilson score, for each"
			" model's rate");
		cJSON_AddStringToObject(m, "difference_interval",
			"rates over the truth (tpr, fpr, fnr, tnr, accuracy,"
			" error_rate, selection_rate): newcombe 1998b method 10"
			" for paired proportions; rates over the predictions"
			" (ppv, npv, fdr, for): percentile interval of a"
			" multinomial bootstrap over the 8 cells of (truth,"
			" prediction A, prediction B)");
		cJSON_AddStringToObject(m, "test",
			"method 10 rates: mcnemar mid-p, 2 (P(X <= k) - P(X ="
			" k) / 2) with X ~ binomial(b + c, 1/2), k = min(b, c);"
			" bootstrap rates: 2 min(#{d <= 0}, #{d >= 0}) / m over"
			" the m replicates with both rates defined, at least"
			" 1 / (m + 1), at most 1");
		break;
	case COMPARE_REGRESSION:
		cJSON_AddStringToObject(m, "interval", "student t on each"
			" model's mean (|error| for mae, lower limit clipped"
			" at 0; error for mean_error)");
		cJSON_AddStringToObject(m, "difference_interval", "paired t"
			" interval on the per-row differences");
		cJSON_AddStringToObject(m, "test", "paired t-test");
		break;
	case COMPARE_ASR:
		cJSON_AddStringToObject(m, "interval", "expanded percentile"
			" interval (Hesterberg 2015, as in evaluations: the"
			" percentile level widened by sqrt(g / (g - 1)) and"
			" Student's t with g - 1 degrees of freedom for the g"
			" clusters) of a cluster bootstrap of pooled rates;"
			" clusters are speakers (an utterance without one is"
			" its own) or, when no cohort has two speakers,"
			" utterances");
		cJSON_AddStringToObject(m, "difference_interval", "the same"
			" bootstrap, both models' rates recomputed on each"
			" replicate");
		cJSON_AddStringToObject(m, "test", "p0 = 2 min(#{d <= 0},"
			" #{d >= 0}) / m over m replicates, at least 1 / (m +"
			" 1), then expanded as the interval: 2 Q_t,g-1("
			"Phi^-1(1 - p0 / 2) / sqrt(g / (g - 1))), at most 1");
		cJSON_AddStringToObject(m, "resampling_cohorts",
			run->by_utterance[0] ? "utterances" : "speakers");
		cJSON_AddStringToObject(m, "resampling_overall",
			run->by_utterance[1] ? "utterances" : "speakers");
		break;
	}
	cJSON_AddStringToObject(m, "bootstrap", "gsl_rng_mt19937, one stream"
		" per cohort seeded from seed and the cohort's attribute names"
		" and values (fnv-1a 64, splitmix64); multinomial draws by"
		" gsl_ran_multinomial");
	cJSON_AddStringToObject(m, "adjustment", "holm over every (cohort,"
		" metric) comparison of this report whose cohort is not too"
		" small and whose p-value is defined; overall is not adjusted;"
		" intervals are per comparison, not adjusted");
	cJSON_AddStringToObject(m, "spread", "largest minus smallest value"
		" among cohorts that are not too small, for each model; point"
		" estimates only");
}

static void add_spread(cJSON *doc, const struct compare_run *run,
		       const struct cmp_req *q)
{
	cJSON *s = cJSON_AddObjectToObject(doc, "spread");

	for (size_t j = 0; j < run->nm; j++) {
		double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
		size_t k[2] = { 0, 0 };
		cJSON *o;

		for (size_t c = 0; c < run->nc; c++) {
			const struct paired_change *ch = &run->ch[c * run->nm + j];
			const double v[2] = { ch->a.value, ch->b.value };

			if (run->small[c])
				continue;
			for (size_t i = 0; i < 2; i++)
				if (!isnan(v[i])) {
					lo[i] = fmin(lo[i], v[i]);
					hi[i] = fmax(hi[i], v[i]);
					k[i]++;
				}
		}
		o = cJSON_AddObjectToObject(s, run->metric[j]);
		eval_json_number(o, "a", k[0] >= 2 ? hi[0] - lo[0] : NAN);
		eval_json_number(o, "b", k[1] >= 2 ? hi[1] - lo[1] : NAN);
		eval_json_number(o, "change", k[0] >= 2 && k[1] >= 2 ?
			(hi[1] - lo[1]) - (hi[0] - lo[0]) : NAN);
	}
}

static cJSON *comparison_json(const struct request *r,
			      const struct compare_run *run,
			      const struct cmp_req *q,
			      const struct dataset *d,
			      const struct model *ma, const struct model *mb)
{
	cJSON *doc = cJSON_CreateObject(), *o, *arr, *params;
	const struct groupby *g = &run->g;
	size_t nm = run->nm;

	o = cJSON_AddObjectToObject(doc, "dataset");
	cJSON_AddNumberToObject(o, "id", (double)d->id);
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(doc, "task", d->task);
	arr = cJSON_AddArrayToObject(doc, "by");
	for (size_t i = 0; i < q->nby; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(q->by[i]));
	cJSON_AddNumberToObject(doc, "confidence", q->o.conf);
	cJSON_AddItemToObject(doc, "a", model_side(ma, r));
	cJSON_AddItemToObject(doc, "b", model_side(mb, r));
	arr = cJSON_AddArrayToObject(doc, "metrics");
	for (size_t j = 0; j < nm; j++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(run->metric[j]));

	params = cJSON_AddObjectToObject(doc, "params");
	arr = cJSON_AddArrayToObject(params, "by");
	for (size_t i = 0; i < q->nby; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(q->by[i]));
	cJSON_AddItemToObject(params, "metrics",
			      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
				      doc, "metrics"), 1));
	if (q->bins.nbins) {
		cJSON *bo = cJSON_AddObjectToObject(params, "bins");

		for (size_t i = 0; i < q->bins.nbins; i++)
			cJSON_AddItemToObject(bo, q->bins.bins[i].attr,
				cJSON_CreateDoubleArray(q->bins.bins[i].edges,
					(int)q->bins.bins[i].nedges));
	}
	cJSON_AddNumberToObject(params, "confidence", q->o.conf);
	cJSON_AddNumberToObject(params, "min_cohort_size", (double)q->o.min_size);
	if (run->kind == COMPARE_ASR)
		cJSON_AddNumberToObject(params, "min_speakers",
					(double)q->o.min_speakers);
	cJSON_AddNumberToObject(params, "bootstrap", q->o.nboot);
	cJSON_AddNumberToObject(params, "seed", (double)q->o.seed);
	if (run->ta->task == TASK_SCORE)
		cJSON_AddNumberToObject(params, "threshold", q->o.threshold);
	cJSON_AddStringToObject(params, "adjust", "holm");
	add_methods(doc, run);

	o = cJSON_AddObjectToObject(doc, "overall");
	cJSON_AddNumberToObject(o, "n", (double)run->n[run->nc]);
	o = cJSON_AddObjectToObject(o, "metrics");
	for (size_t j = 0; j < nm; j++)
		cJSON_AddItemToObject(o, run->metric[j],
				      change_json(&run->ch[run->nc * nm + j],
						  NAN, "overall is not adjusted",
						  1 - q->o.conf));

	arr = cJSON_AddArrayToObject(doc, "cohorts");
	for (size_t c = 0; c < run->nc; c++) {
		cJSON *co = cJSON_CreateObject(), *at, *mo;
		bool small = run->small[c] != EVAL_SMALL_NO;
		bool spk = run->small[c] == EVAL_SMALL_SPEAKERS;

		at = cJSON_AddObjectToObject(co, "attributes");
		for (size_t a = 0; a < g->nattrs; a++)
			cJSON_AddStringToObject(at, q->by[a],
						groupby_label(g, c, a, NULL));
		cJSON_AddNumberToObject(co, "n", (double)run->n[c]);
		cJSON_AddNumberToObject(co, "n_a", (double)run->n[c]);
		cJSON_AddNumberToObject(co, "n_b", (double)run->n[c]);
		cJSON_AddBoolToObject(co, "too_small", small);
		if (small)
			cJSON_AddStringToObject(co, "too_small_reason", spk ?
				"speakers < min_speakers" :
				"n < min_cohort_size");
		mo = cJSON_AddObjectToObject(co, "metrics");
		for (size_t j = 0; j < nm; j++)
			cJSON_AddItemToObject(mo, run->metric[j],
				change_json(&run->ch[c * nm + j],
					    run->p_adj[c * nm + j], !small ?
					    NULL : spk ?
					    "cohort with fewer speakers than "
					    "min_speakers; not adjusted" :
					    "cohort below min_cohort_size; not"
					    " adjusted", 1 - q->o.conf));
		cJSON_AddItemToArray(arr, co);
	}
	add_spread(doc, run, q);
	return doc;
}

/* ---- the handler ---- */

/*
 * 0 if models a and b can be compared: one dataset (loaded into d, its task
 * into *task), both with predictions and, for speech, one normalisation.
 * Else the 404/422/500 answer has been sent and the result is nonzero.
 */
static int comparable_or_respond(struct request *r, const struct model *ma,
				 const struct model *mb, struct dataset *d,
				 enum task *task)
{
	if (ma->dataset_id != mb->dataset_id) {
		respond_problem(r, 422, "Comparison not possible",
				"model %lld is on dataset %lld and model %lld on"
				" dataset %lld; only models of one dataset can be"
				" compared", (long long)ma->id,
				(long long)ma->dataset_id, (long long)mb->id,
				(long long)mb->dataset_id);
		return -1;
	}
	if (!ma->prediction_count || !mb->prediction_count) {
		respond_problem(r, 422, "Comparison not possible",
				"model %lld has no predictions yet; upload them"
				" before comparing", (long long)(
				ma->prediction_count ? mb->id : ma->id));
		return -1;
	}
	if (store_dataset_get(req_db(r), ma->dataset_id, d)) {
		respond_internal(r);
		return -1;
	}
	if (task_parse(d->task, task)) {
		log_error("dataset %lld has task \"%s\"", (long long)d->id,
			  d->task);
		respond_internal(r);
		return -1;
	}
	if (*task == TASK_ASR) {
		const char *na = ma->normalize ? ma->normalize : "sclite";
		const char *nb = mb->normalize ? mb->normalize : "sclite";

		if (strcmp(na, nb)) {
			respond_problem(r, 422, "Comparison not possible",
					"model %lld was aligned with normalize"
					" \"%s\" and model %lld with \"%s\"; upload"
					" one again with ?normalize=%s&replace=true"
					" to compare them", (long long)ma->id, na,
					(long long)mb->id, nb, na);
			return -1;
		}
	}
	return 0;
}

/*
 * Loads both models' examples of dataset d into ta and tb (initialised
 * for task here) and pairs their rows into run; 0 or, after a 500 answer,
 * -1.
 */
static int pair_or_respond(struct request *r, const struct dataset *d,
			   const struct model *ma, const struct model *mb,
			   enum task task, struct table *ta, struct table *tb,
			   struct compare_run *run)
{
	table_release(ta);
	table_release(tb);
	table_init(ta, task);
	table_init(tb, task);
	if (store_table_load(req_db(r), d, ma->id, ta) ||
	    store_table_load(req_db(r), d, mb->id, tb)) {
		respond_internal(r);
		return -1;
	}
	if (compare_pair_rows(ta, tb, &run->bmap)) {
		log_error("models %lld and %lld: the loaded examples differ",
			  (long long)ma->id, (long long)mb->id);
		respond_internal(r);
		return -1;
	}
	run->ta = ta;
	run->tb = tb;
	run->kind = compare_kind_of(task, ta, tb);
	return 0;
}

/* Sends doc as JSON (taking it: *doc becomes NULL) or as the HTML page. */
static void respond_comparison(struct request *r, cJSON **doc, bool json)
{
	struct buf out = BUF_INIT, err = BUF_INIT;

	if (json) {
		respond_json(r, 200, *doc);
		*doc = NULL;
		return;
	}
	respond_page(r, html_render_comparison(&out, *doc, &err), &out, &err,
		     "comparison page");
	buf_release(&out);
	buf_release(&err);
}

void h_compare_report(struct request *r)
{
	struct model ma = { 0 }, mb = { 0 };
	struct dataset d = { 0 };
	struct table ta, tb;
	struct cmp_req q;
	struct compare_run run;
	struct groupby_attr ga[FA_MAX_COHORT_ATTRS];
	struct groupby_opts gopts = { EVAL_MAX_COHORTS, 0 };
	struct buf err = BUF_INIT;
	cJSON *doc = NULL;
	enum task task;
	double t0 = now_seconds();

	memset(&q, 0, sizeof(q));
	compare_run_init(&run);
	table_init(&ta, TASK_CLASSIFICATION);
	table_init(&tb, TASK_CLASSIFICATION);
	if (req_parse_or_respond(r, &q) ||
	    model_or_respond(r, r->ids[0], &ma) ||
	    model_or_respond(r, r->ids[1], &mb) ||
	    comparable_or_respond(r, &ma, &mb, &d, &task) ||
	    pair_or_respond(r, &d, &ma, &mb, task, &ta, &tb, &run) ||
	    grouping_or_respond(r, &q, &ta, ga))
		goto out;
	if (compare_set_metrics(&run, q.metrics, q.nmetrics, &err)) {
		respond_problem(r, 400, "Bad request", "%s", err.s);
		goto out;
	}
	if (groupby_run(&run.g, &ta, ga, q.nby, &gopts, &err) ||
	    compare_compute(&run, &q.o, task == TASK_SCORE, &err)) {
		respond_problem(r, 422, "Comparison not possible", "%s", err.s);
		goto out;
	}
	doc = comparison_json(r, &run, &q, &d, &ma, &mb);
	log_info("comparison of models %lld and %lld: %zu rows, %zu cohorts"
		 " in %.3f s", (long long)ma.id, (long long)mb.id, ta.nrows,
		 run.nc, now_seconds() - t0);
	respond_comparison(r, &doc, q.json);
out:
	cJSON_Delete(doc);
	compare_run_release(&run);
	table_release(&ta);
	table_release(&tb);
	free(q.by_buf);
	free(q.metrics_buf);
	eval_params_release(&q.bins);
	dataset_release(&d);
	model_release(&ma);
	model_release(&mb);
	buf_release(&err);
}
