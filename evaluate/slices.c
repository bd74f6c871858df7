/*
 * slices.c - see slices.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "cohorts/groupby.h"
#include "evaluate/slices.h"
#include "evaluate/evaluation.h"
#include "metrics/bootstrap.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

#define AUTO_BIN_VALUES 10

enum smetric { SM_ERROR, SM_FPR, SM_FNR, SM_ABS, SM_WER };

static const char *const metric_names[] = {
	[SM_ERROR] = "error_rate", [SM_FPR] = "fpr", [SM_FNR] = "fnr",
	[SM_ABS] = "abs_error", [SM_WER] = "wer",
};

struct sreq {
	enum smetric metric;
	struct slice_opts so;
	bool support_given, replicate;
	double threshold, significance, confidence;
	uint64_t seed;
	const cJSON *attrs, *bins;
};

/* The rows searched and what each contributes. */
struct sdata {
	size_t n;
	uint32_t *row;			/* [i]: its row of the table */
	double *err, *weight;		/* weight NULL: 1 each */
	uint32_t *cluster;		/* [i]: speaker (wer), else NULL */
	size_t nattrs;
	int *attr;			/* [a]: table attribute */
	struct groupby *g;		/* [a]: levels of attribute a */
	uint32_t **codes;		/* [a][i] */
	uint32_t *nvalues;
	bool binary;
};

/* ---- the request ---- */

static int num_field(const cJSON *req, const char *name, double lo,
		     double hi, bool whole, double *out, struct buf *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, name);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo) ||
	    !(v->valuedouble <= hi) ||
	    (whole && v->valuedouble != floor(v->valuedouble))) {
		buf_addf(err, "field \"%s\" must be a%s number from %g to %g",
			 name, whole ? " whole" : "", lo, hi);
		return -1;
	}
	*out = v->valuedouble;
	return 1;
}

static int parse(const cJSON *req, const struct table *t, struct sreq *q,
		 struct buf *err)
{
	static const char *const known[] = {
		"metric", "max_level", "min_support", "k", "alpha",
		"attributes", "bins", "threshold", "significance",
		"confidence", "seed", "replicate",
	};
	const cJSON *it;
	double v;
	int rc;

	memset(q, 0, sizeof(*q));
	slice_opts_init(&q->so);
	q->so.k = 10;
	q->threshold = 0.5;
	q->significance = 0.05;
	q->confidence = 0.95;
	q->seed = EVAL_DEFAULT_SEED;
	q->replicate = true;
	q->metric = t->task == TASK_ASR ? SM_WER :
		    t->task == TASK_REGRESSION ? SM_ABS : SM_ERROR;
	if (!cJSON_IsObject(req)) {
		buf_adds(err, "the request must be a JSON object");
		return -1;
	}
	cJSON_ArrayForEach(it, req) {
		bool ok = false;

		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok |= !strcmp(it->string, known[i]);
		if (!ok) {
			buf_addf(err, "unknown field \"%s\"", it->string);
			return -1;
		}
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "metric");
	if (it && !cJSON_IsNull(it)) {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(metric_names); i++)
			if (cJSON_IsString(it) &&
			    !strcmp(it->valuestring, metric_names[i]))
				break;
		if (i == ARRAY_SIZE(metric_names)) {
			buf_adds(err, "field \"metric\" must be error_rate, fpr, "
				 "fnr, abs_error or wer");
			return -1;
		}
		q->metric = (enum smetric)i;
	}
	if ((q->metric == SM_WER) != (t->task == TASK_ASR) ||
	    (q->metric == SM_ABS) != (t->task == TASK_REGRESSION) ||
	    ((q->metric == SM_FPR || q->metric == SM_FNR) &&
	     (t->task == TASK_CLASSIFICATION ? !table_is_binary(t) ||
	      t->positive < 0 : t->task != TASK_SCORE))) {
		buf_addf(err, "metric %s is not defined for this %s dataset",
			 metric_names[q->metric], task_name(t->task));
		return -1;
	}
	if ((rc = num_field(req, "max_level", 1, SLICE_MAX_LEVEL, true, &v,
			    err)) < 0)
		return -1;
	if (rc)
		q->so.max_level = (unsigned)v;
	if ((rc = num_field(req, "min_support", 1, 1e12, true, &v, err)) < 0)
		return -1;
	if (rc) {
		q->so.min_support = (uint64_t)v;
		q->support_given = true;
	}
	if ((rc = num_field(req, "k", 1, 1000, true, &v, err)) < 0)
		return -1;
	if (rc)
		q->so.k = (size_t)v;
	if ((rc = num_field(req, "alpha", 1e-9, 1, false, &v, err)) < 0)
		return -1;
	if (rc)
		q->so.alpha = v;
	if (num_field(req, "threshold", 0, 1, false, &q->threshold, err) < 0 ||
	    num_field(req, "significance", 1e-12, 0.5, false,
		      &q->significance, err) < 0 ||
	    num_field(req, "confidence", 0.5, 1 - 1e-12, false,
		      &q->confidence, err) < 0)
		return -1;
	if ((rc = num_field(req, "seed", 0, 9007199254740991.0, true, &v,
			    err)) < 0)
		return -1;
	if (rc)
		q->seed = (uint64_t)v;
	it = cJSON_GetObjectItemCaseSensitive(req, "replicate");
	if (it && !cJSON_IsNull(it)) {
		if (!cJSON_IsBool(it)) {
			buf_adds(err, "field \"replicate\" must be true or false");
			return -1;
		}
		q->replicate = cJSON_IsTrue(it);
	}
	q->attrs = cJSON_GetObjectItemCaseSensitive(req, "attributes");
	q->bins = cJSON_GetObjectItemCaseSensitive(req, "bins");
	if (q->attrs && !cJSON_IsNull(q->attrs) && !cJSON_IsArray(q->attrs)) {
		buf_adds(err, "field \"attributes\" must be a list of names");
		return -1;
	}
	if (q->bins && !cJSON_IsNull(q->bins) && !cJSON_IsObject(q->bins)) {
		buf_adds(err, "field \"bins\" must map attributes to edges");
		return -1;
	}
	return 0;
}

/* ---- the rows and their errors ---- */

static bool predicted_positive(const struct table *t, size_t r, double thr)
{
	if (t->task == TASK_SCORE)
		return t->pred_num[r] >= thr;
	return (int64_t)t->pred[r] == t->positive;
}

static void sdata_release(struct sdata *d)
{
	for (size_t a = 0; a < d->nattrs; a++) {
		groupby_release(&d->g[a]);
		free(d->codes[a]);
	}
	free(d->g);
	free(d->codes);
	free(d->nvalues);
	free(d->attr);
	free(d->row);
	free(d->err);
	free(d->weight);
	free(d->cluster);
	memset(d, 0, sizeof(*d));
}

static void rows_of(const struct table *t, const struct sreq *q,
		    const struct bitset *only, struct sdata *d)
{
	d->row = xmalloc((t->nrows ? t->nrows : 1) * sizeof(*d->row));
	d->err = xmalloc((t->nrows ? t->nrows : 1) * sizeof(*d->err));
	if (q->metric == SM_WER) {
		d->weight = xmalloc((t->nrows ? t->nrows : 1) *
				    sizeof(*d->weight));
		d->cluster = xmalloc((t->nrows ? t->nrows : 1) *
				     sizeof(*d->cluster));
	}
	d->binary = q->metric != SM_ABS && q->metric != SM_WER;
	for (size_t r = 0; r < t->nrows; r++) {
		bool pos_label = t->label && t->task != TASK_REGRESSION &&
				 (int64_t)t->label[r] == t->positive;
		double e;

		if (only && !bitset_test(only, r))
			continue;
		switch (q->metric) {
		case SM_ERROR:
			e = t->task == TASK_SCORE ?
			    predicted_positive(t, r, q->threshold) != pos_label :
			    t->pred[r] != t->label[r];
			break;
		case SM_FPR:
			if (pos_label)
				continue;
			e = predicted_positive(t, r, q->threshold);
			break;
		case SM_FNR:
			if (!pos_label)
				continue;
			e = !predicted_positive(t, r, q->threshold);
			break;
		case SM_ABS:
			e = fabs(t->pred_num[r] - t->label_num[r]);
			break;
		default: {
			const struct asr_counts *c = &t->asr[r];

			if (!c->ref_words)
				continue;
			e = (double)c->sub + c->del + c->ins;
			d->weight[d->n] = c->ref_words;
			d->cluster[d->n] = t->speaker &&
					   t->speaker[r] != UINT32_MAX ?
					   t->speaker[r] :
					   (uint32_t)(t->speakers.n + r);
		}
		}
		d->row[d->n] = (uint32_t)r;
		d->err[d->n++] = e;
	}
}

/* Quartile edges of numeric attribute a (distinct, increasing). */
static size_t quartiles(const struct table *t, int a, double *edges)
{
	const struct attr_col *c = &t->attrs[a];
	double *v = xmalloc((t->nrows + 1) * sizeof(*v));
	size_t n = 0, ne = 0;

	for (size_t r = 0; r < t->nrows; r++)
		if (!isnan(c->num[c->codes[r]]))
			v[n++] = c->num[c->codes[r]];
	qsort(v, n, sizeof(*v), cmp_double);
	for (int i = 1; i <= 3 && n; i++) {
		double e = boot_quantile_sorted(v, n, 0.25 * i);

		if (!ne || e > edges[ne - 1])
			edges[ne++] = e;
	}
	free(v);
	return ne;
}

/* The attributes searched, each as the levels groupby gives it. */
static int attributes_of(const struct table *t, const struct sreq *q,
			 struct sdata *d, cJSON *bins_used, struct buf *err)
{
	size_t want = q->attrs && cJSON_IsArray(q->attrs) ?
		      (size_t)cJSON_GetArraySize(q->attrs) : t->nattrs;
	struct groupby_opts go = { 0, 0 };

	d->attr = xcalloc(want + 1, sizeof(*d->attr));
	d->g = xcalloc(want + 1, sizeof(*d->g));
	d->codes = xcalloc(want + 1, sizeof(*d->codes));
	d->nvalues = xcalloc(want + 1, sizeof(*d->nvalues));
	for (size_t i = 0; i < want; i++) {
		struct groupby_attr ga = { 0, NULL, 0 };
		double edges[GROUPBY_MAX_EDGES], auto_edges[3];
		const cJSON *b;
		int a;

		if (q->attrs && cJSON_IsArray(q->attrs)) {
			const cJSON *nm = cJSON_GetArrayItem(q->attrs, (int)i);

			a = cJSON_IsString(nm) ?
			    table_find_attr(t, nm->valuestring) : -1;
			if (a < 0) {
				buf_addf(err, "attributes: no attribute \"%s\"",
					 cJSON_IsString(nm) ? nm->valuestring :
					 "(not a name)");
				return -1;
			}
		} else {
			a = (int)i;
		}
		ga.attr = a;
		b = q->bins ? cJSON_GetObjectItemCaseSensitive(q->bins,
						t->attrs[a].name) : NULL;
		if (b) {
			const cJSON *e;
			size_t ne = 0;

			if (!cJSON_IsArray(b) || !cJSON_GetArraySize(b) ||
			    cJSON_GetArraySize(b) > GROUPBY_MAX_EDGES) {
				buf_addf(err, "bins: \"%s\" needs 1 to %d edges",
					 t->attrs[a].name, GROUPBY_MAX_EDGES);
				return -1;
			}
			cJSON_ArrayForEach(e, b) {
				if (!cJSON_IsNumber(e) ||
				    (ne && !(e->valuedouble > edges[ne - 1]))) {
					buf_addf(err, "bins: the edges of \"%s\" "
						 "must be increasing numbers",
						 t->attrs[a].name);
					return -1;
				}
				edges[ne++] = e->valuedouble;
			}
			ga.edges = edges;
			ga.nedges = ne;
		} else if (t->attrs[a].numeric && t->attrs[a].num &&
			   t->attrs[a].dict.n - 1 > AUTO_BIN_VALUES) {
			ga.nedges = quartiles(t, a, auto_edges);
			ga.edges = auto_edges;
		}
		if (ga.edges)
			cJSON_AddItemToObject(bins_used, t->attrs[a].name,
				cJSON_CreateDoubleArray(ga.edges,
							(int)ga.nedges));
		groupby_init(&d->g[i]);
		d->attr[i] = a;
		d->nattrs = i + 1;
		if (groupby_run(&d->g[i], t, &ga, 1, &go, err))
			return -1;
		d->nvalues[i] = (uint32_t)d->g[i].ncohorts;
		d->codes[i] = xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
		for (size_t j = 0; j < d->n; j++)
			d->codes[i][j] = d->g[i].cohort[d->row[j]];
	}
	return 0;
}

/* ---- statistics of one slice ---- */

struct sums {
	uint64_t rows;
	double y, x;		/* errors, weight */
};

/* The rows of sub (indices into d) in slice s: mask[i]. */
static void slice_mask(const struct sdata *d, const struct slice *s,
		       const uint32_t *sub, size_t nsub, bool *mask)
{
	for (size_t j = 0; j < nsub; j++) {
		size_t i = sub ? sub[j] : j;
		bool in = true;

		for (unsigned l = 0; l < s->level && in; l++)
			in = d->codes[s->attr[l]][i] == s->value[l];
		mask[j] = in;
	}
}

/*
 * Value, interval and the squared standard error of a ratio of sums over
 * clusters (rows, or speakers): the linearised variance
 * G / (G - 1) sum_c (y_c - R x_c)^2 / X^2.
 */
struct est {
	double value, low, high, se2;
	uint64_t rows, clusters;
	uint64_t x, n;		/* rates: errors and rows */
};

static int u32cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static struct est estimate(const struct sdata *d, const uint32_t *sub,
			   size_t nsub, const bool *mask, bool want,
			   double conf)
{
	struct est e = { NAN, NAN, NAN, NAN, 0, 0, 0, 0 };
	double y = 0, x = 0, z = stats_z(conf);

	for (size_t j = 0; j < nsub; j++) {
		size_t i = sub ? sub[j] : j;

		if (mask[j] != want)
			continue;
		e.rows++;
		y += d->err[i];
		x += d->weight ? d->weight[i] : 1;
	}
	if (!e.rows)
		return e;
	e.value = y / x;
	if (d->binary) {
		struct interval iv;

		e.x = (uint64_t)y;
		e.n = e.rows;
		stats_wilson(e.x, e.n, conf, &iv);
		e.low = iv.low;
		e.high = iv.high;
		e.se2 = e.value * (1 - e.value) / (double)e.n;
		e.clusters = e.rows;
		return e;
	}
	{
		/*
		 * Clusters: speakers (wer) or rows.  Sorted keys; a cluster's
		 * sums sit at its first position among them.
		 */
		uint32_t *key = xmalloc(e.rows * sizeof(*key));
		double *cy = xcalloc(e.rows, sizeof(*cy));
		double *cx = xcalloc(e.rows, sizeof(*cx));
		double ss = 0;
		size_t m = 0, g = 0;

		for (size_t j = 0; j < nsub; j++) {
			size_t i = sub ? sub[j] : j;

			if (mask[j] == want)
				key[m++] = d->cluster ? d->cluster[i] :
					   (uint32_t)i;
		}
		qsort(key, m, sizeof(*key), u32cmp);
		for (size_t j = 0; j < nsub; j++) {
			size_t i = sub ? sub[j] : j;
			uint32_t k = d->cluster ? d->cluster[i] : (uint32_t)i;
			const uint32_t *u;
			size_t pos;

			if (mask[j] != want)
				continue;
			u = bsearch(&k, key, m, sizeof(*key), u32cmp);
			pos = (size_t)(u - key);
			while (pos > 0 && key[pos - 1] == k)
				pos--;
			cy[pos] += d->err[i];
			cx[pos] += d->weight ? d->weight[i] : 1;
		}
		for (size_t i = 0; i < m; i++)
			if (!i || key[i] != key[i - 1]) {
				double r = cy[i] - e.value * cx[i];

				ss += r * r;
				g++;
			}
		e.clusters = g;
		if (g >= 2) {
			e.se2 = (double)g / (double)(g - 1) * ss / (x * x);
			e.low = e.value - z * sqrt(e.se2);
			e.high = e.value + z * sqrt(e.se2);
			if (e.low < 0)
				e.low = 0;
		}
		free(cy);
		free(cx);
		free(key);
	}
	return e;
}

/* The gap of slice (mask true) against its complement within sub. */
struct gap {
	struct est in, out;
	double diff, low, high, p, p_greater;
};

static struct gap gap_of(const struct sdata *d, const uint32_t *sub,
			 size_t nsub, const bool *mask, double conf)
{
	struct gap g;
	double z = stats_z(conf);

	g.in = estimate(d, sub, nsub, mask, true, conf);
	g.out = estimate(d, sub, nsub, mask, false, conf);
	g.diff = g.in.value - g.out.value;
	g.low = g.high = g.p = g.p_greater = NAN;
	if (!g.in.rows || !g.out.rows)
		return g;
	if (d->binary) {
		struct interval iv;
		enum stats_test used;

		if (!stats_newcombe(g.in.x, g.in.n, g.out.x, g.out.n, conf,
				    &iv)) {
			g.low = iv.low;
			g.high = iv.high;
		}
		stats_prop_test(g.in.x, g.in.n, g.out.x, g.out.n, &g.p, &used);
		/* one-sided and exact: small slices are skewed */
		g.p_greater = stats_fisher(g.in.x, g.in.n - g.in.x, g.out.x,
					   g.out.n - g.out.x, STATS_GREATER);
		return g;
	}
	if (isfinite(g.in.se2) && isfinite(g.out.se2) &&
	    g.in.se2 + g.out.se2 > 0) {
		double se = sqrt(g.in.se2 + g.out.se2);

		g.low = g.diff - z * se;
		g.high = g.diff + z * se;
		g.p = 2 * gsl_cdf_ugaussian_Q(fabs(g.diff) / se);
		g.p_greater = gsl_cdf_ugaussian_Q(g.diff / se);
	}
	return g;
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *est_json(const struct est *e, bool speakers)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "value", e->value);
	add_num(o, "low", e->low);
	add_num(o, "high", e->high);
	cJSON_AddNumberToObject(o, "rows", (double)e->rows);
	if (speakers)
		cJSON_AddNumberToObject(o, "speakers", (double)e->clusters);
	return o;
}

static cJSON *predicates_json(const struct table *t, const struct sdata *d,
			      const struct slice *s)
{
	cJSON *o = cJSON_CreateObject();

	for (unsigned l = 0; l < s->level; l++)
		cJSON_AddStringToObject(o, t->attrs[d->attr[s->attr[l]]].name,
					groupby_label(&d->g[s->attr[l]],
						      s->value[l], 0, NULL));
	return o;
}

static bool same_slice(const struct slice *a, const struct slice *b)
{
	if (a->level != b->level)
		return false;
	for (unsigned l = 0; l < a->level; l++)
		if (a->attr[l] != b->attr[l] || a->value[l] != b->value[l])
			return false;
	return true;
}

/* ---- running the search ---- */

struct hook_ctx {
	const struct slices_hooks *h;
	const char *phase;
};

static void on_progress(void *ctx, unsigned level, uint64_t evaluated,
			uint64_t candidates)
{
	struct hook_ctx *c = ctx;

	c->h->progress(c->h->ctx, c->phase, level, evaluated, candidates);
}

/* SliceLine over the rows sub[0..nsub) of d (sub NULL: all). */
static int search(const struct sdata *d, const uint32_t *sub, size_t nsub,
		  const struct slice_opts *base, const struct slices_hooks *h,
		  const char *phase, struct slice **out, size_t *nout,
		  struct slice_stats *st, struct buf *err)
{
	struct slice_data sd;
	struct slice_opts o = *base;
	struct hook_ctx hc = { h, phase };
	uint32_t **codes = NULL;
	double *e = NULL, *w = NULL;
	int rc;

	sd.nrows = nsub;
	sd.nattrs = d->nattrs;
	sd.nvalues = d->nvalues;
	if (!sub) {
		sd.codes = (const uint32_t *const *)d->codes;
		sd.err = d->err;
		sd.weight = d->weight;
	} else {
		codes = xcalloc(d->nattrs + 1, sizeof(*codes));
		e = xmalloc((nsub ? nsub : 1) * sizeof(*e));
		if (d->weight)
			w = xmalloc((nsub ? nsub : 1) * sizeof(*w));
		for (size_t a = 0; a < d->nattrs; a++) {
			codes[a] = xmalloc((nsub ? nsub : 1) * sizeof(uint32_t));
			for (size_t j = 0; j < nsub; j++)
				codes[a][j] = d->codes[a][sub[j]];
		}
		for (size_t j = 0; j < nsub; j++) {
			e[j] = d->err[sub[j]];
			if (w)
				w[j] = d->weight[sub[j]];
		}
		sd.codes = (const uint32_t *const *)codes;
		sd.err = e;
		sd.weight = w;
	}
	if (h && h->progress) {
		o.progress = on_progress;
		o.progress_ctx = &hc;
	}
	if (h)
		o.cancel = h->cancel;
	rc = sliceline_run(&sd, &o, out, nout, st, err);
	if (codes)
		for (size_t a = 0; a < d->nattrs; a++)
			free(codes[a]);
	free(codes);
	free(e);
	free(w);
	return rc;
}

static cJSON *methods_json(void)
{
	cJSON *m = cJSON_CreateObject();

	cJSON_AddStringToObject(m, "search",
		"SliceLine (Sagadeeva & Boehm, SIGMOD 2021): conjunctions of "
		"attribute = value, at most one predicate an attribute, level "
		"by level, pruned by size and by the score's upper bound with "
		"row counts (Eq. 3); exact: the top k of an exhaustive search "
		"of the same lattice.  score = alpha ((e_S / e) - 1) - "
		"(1 - alpha) (n / n_S - 1); for wer, e_S and e are errors over "
		"reference words and the sizes are reference words, and the "
		"bound's largest error per unit is the largest utterance wer");
	cJSON_AddStringToObject(m, "interval",
		"rates: Wilson; gap: Newcombe's hybrid score interval, the "
		"audit's test (Fisher's exact when an expected count is below "
		"5, else the pooled z-test); abs_error and wer: ratio of sums "
		"with the linearised variance over clusters (rows; for wer, "
		"speakers), normal intervals, z-test on the gap");
	cJSON_AddStringToObject(m, "p_adjusted",
		"Bonferroni over every slice the search evaluated "
		"(search.evaluated), capped at 1");
	cJSON_AddStringToObject(m, "replication",
		"rows split in two halves by a hash of the seed and their id; "
		"the search on the first half (min_support halved), each slice "
		"it returns tested on the second: one-sided, worse than its "
		"complement (rates: Fisher's exact test; abs_error and wer: "
		"z), Holm over those slices; confirmed when adjusted "
		"p < significance and the full search's slice is among them");
	return m;
}

static void params_json(cJSON *o, const struct sreq *q, const cJSON *bins)
{
	cJSON *p = cJSON_AddObjectToObject(o, "params");

	cJSON_AddStringToObject(p, "metric", metric_names[q->metric]);
	cJSON_AddNumberToObject(p, "max_level", q->so.max_level);
	cJSON_AddNumberToObject(p, "min_support", (double)q->so.min_support);
	cJSON_AddNumberToObject(p, "k", (double)q->so.k);
	cJSON_AddNumberToObject(p, "alpha", q->so.alpha);
	cJSON_AddItemToObject(p, "bins", cJSON_Duplicate(bins, true));
	cJSON_AddNumberToObject(p, "threshold", q->threshold);
	cJSON_AddNumberToObject(p, "significance", q->significance);
	cJSON_AddNumberToObject(p, "confidence", q->confidence);
	cJSON_AddNumberToObject(p, "seed", (double)q->seed);
	cJSON_AddBoolToObject(p, "replicate", q->replicate);
}

struct half_test {
	struct slice s;
	struct gap g;		/* on the second half */
	double p_adj;
};

/* Search the first half, test each slice on the second. */
static int replicate(const struct table *t, const struct sdata *d,
		     const struct sreq *q, const struct slices_hooks *h,
		     struct half_test **out, size_t *nout, cJSON *rep,
		     struct buf *err)
{
	uint32_t *half[2];
	size_t nh[2] = { 0, 0 };
	struct slice_opts o = q->so;
	struct slice *found = NULL;
	struct slice_stats st;
	struct half_test *ht;
	size_t nfound = 0;
	double *p;
	bool *mask;
	int rc;

	half[0] = xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
	half[1] = xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
	for (size_t i = 0; i < d->n; i++) {
		uint32_t r = d->row[i];
		int which = (int)(boot_stream_seed(q->seed,
				  strmap_str(&t->ids, r),
				  strmap_len(&t->ids, r)) & 1);

		half[which][nh[which]++] = (uint32_t)i;
	}
	o.min_support = (q->so.min_support + 1) / 2;
	rc = search(d, half[0], nh[0], &o, h, "replication", &found, &nfound,
		    &st, err);
	if (rc) {
		free(half[0]);
		free(half[1]);
		free(found);
		return rc;
	}
	ht = xcalloc(nfound + 1, sizeof(*ht));
	p = xmalloc((nfound + 1) * sizeof(*p));
	mask = xmalloc((nh[1] ? nh[1] : 1) * sizeof(*mask));
	for (size_t i = 0; i < nfound; i++) {
		ht[i].s = found[i];
		slice_mask(d, &found[i], half[1], nh[1], mask);
		ht[i].g = gap_of(d, half[1], nh[1], mask, q->confidence);
		p[i] = ht[i].g.p_greater;
	}
	stats_holm(p, nfound, p);
	for (size_t i = 0; i < nfound; i++)
		ht[i].p_adj = p[i];
	cJSON_AddNumberToObject(rep, "first_half_rows", (double)nh[0]);
	cJSON_AddNumberToObject(rep, "second_half_rows", (double)nh[1]);
	cJSON_AddNumberToObject(rep, "first_half_evaluated",
				(double)st.evaluated);
	*out = ht;
	*nout = nfound;
	free(p);
	free(mask);
	free(found);
	free(half[0]);
	free(half[1]);
	return 0;
}

static cJSON *gap_json(const struct gap *g, double p_adj)
{
	cJSON *o = cJSON_CreateObject();

	add_num(o, "difference", g->diff);
	add_num(o, "low", g->low);
	add_num(o, "high", g->high);
	add_num(o, "p_value", g->p);
	if (!isnan(p_adj))
		add_num(o, "p_adjusted", p_adj);
	return o;
}

int slices_check(const struct table *t, const cJSON *req, struct buf *err)
{
	struct sreq q;
	struct sdata d;
	cJSON *bins = cJSON_CreateObject();
	int ret = -1;

	memset(&d, 0, sizeof(d));
	if (!parse(req, t, &q, err)) {
		rows_of(t, &q, NULL, &d);
		ret = attributes_of(t, &q, &d, bins, err);
	}
	cJSON_Delete(bins);
	sdata_release(&d);
	return ret;
}

cJSON *slices_run(const struct table *t, const struct bitset *only,
		  const cJSON *req, const struct slices_hooks *hooks,
		  bool *cancelled, struct buf *err)
{
	struct sreq q;
	struct sdata d;
	struct slice *top = NULL;
	struct slice_stats st;
	struct half_test *ht = NULL;
	size_t ntop = 0, nht = 0;
	cJSON *out = NULL, *bins = cJSON_CreateObject(), *arr, *rep = NULL;
	bool *mask = NULL;
	int rc;

	*cancelled = false;
	memset(&d, 0, sizeof(d));
	if (parse(req, t, &q, err))
		goto fail;
	rows_of(t, &q, only, &d);
	if (!q.support_given)
		q.so.min_support = d.n / 100 > 30 ? d.n / 100 : 30;
	if (attributes_of(t, &q, &d, bins, err))
		goto fail;
	if (!d.nattrs) {
		buf_adds(err, "the dataset has no attributes to search");
		goto fail;
	}
	rc = search(&d, NULL, d.n, &q.so, hooks, "search", &top, &ntop, &st,
		    err);
	if (rc == 0 && q.replicate) {
		rep = cJSON_CreateObject();
		rc = replicate(t, &d, &q, hooks, &ht, &nht, rep, err);
	}
	if (rc) {
		*cancelled = rc > 0;
		if (rc > 0)
			buf_adds(err, "the search was cancelled");
		goto fail;
	}

	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "task", task_name(t->task));
	cJSON_AddStringToObject(out, "metric", metric_names[q.metric]);
	params_json(out, &q, bins);
	{
		cJSON *o = cJSON_AddObjectToObject(out, "overall");
		double y = 0, x = 0;

		for (size_t i = 0; i < d.n; i++) {
			y += d.err[i];
			x += d.weight ? d.weight[i] : 1;
		}
		cJSON_AddNumberToObject(o, "rows", (double)d.n);
		add_num(o, "value", x > 0 ? y / x : NAN);
	}
	{
		cJSON *s = cJSON_AddObjectToObject(out, "search"), *pl;

		cJSON_AddNumberToObject(s, "levels", st.levels);
		cJSON_AddNumberToObject(s, "evaluated", (double)st.evaluated);
		cJSON_AddNumberToObject(s, "pruned", (double)st.pruned);
		pl = cJSON_AddArrayToObject(s, "evaluated_per_level");
		for (unsigned l = 0; l < st.levels; l++)
			cJSON_AddItemToArray(pl, cJSON_CreateNumber(
						     (double)st.per_level[l]));
	}
	mask = xmalloc((d.n ? d.n : 1) * sizeof(*mask));
	arr = cJSON_AddArrayToObject(out, "slices");
	for (size_t i = 0; i < ntop; i++) {
		cJSON *o = cJSON_CreateObject();
		struct gap g;
		double padj;

		slice_mask(&d, &top[i], NULL, d.n, mask);
		g = gap_of(&d, NULL, d.n, mask, q.confidence);
		padj = isnan(g.p) ? NAN :
		       fmin(1, g.p * (double)(st.evaluated ? st.evaluated : 1));
		cJSON_AddItemToObject(o, "attributes",
				      predicates_json(t, &d, &top[i]));
		cJSON_AddNumberToObject(o, "size", (double)top[i].rows);
		if (d.cluster)
			cJSON_AddNumberToObject(o, "speakers",
						(double)g.in.clusters);
		cJSON_AddNumberToObject(o, "score", top[i].score);
		cJSON_AddItemToObject(o, "metric", est_json(&g.in, d.cluster));
		cJSON_AddItemToObject(o, "complement",
				      est_json(&g.out, d.cluster));
		cJSON_AddItemToObject(o, "gap", gap_json(&g, padj));
		cJSON_AddBoolToObject(o, "significant",
				      padj < q.significance && g.diff > 0);
		if (q.replicate) {
			const struct half_test *h = NULL;

			for (size_t j = 0; j < nht && !h; j++)
				if (same_slice(&ht[j].s, &top[i]))
					h = &ht[j];
			cJSON_AddBoolToObject(o, "found_in_first_half", h != NULL);
			cJSON_AddBoolToObject(o, "confirmed", h &&
					      h->p_adj < q.significance &&
					      h->g.diff > 0);
		}
		cJSON_AddItemToArray(arr, o);
	}
	if (rep) {
		cJSON *hs = cJSON_AddArrayToObject(rep, "slices");
		size_t confirmed = 0;

		for (size_t j = 0; j < nht; j++) {
			cJSON *o = cJSON_CreateObject(), *sh;
			bool ok = ht[j].p_adj < q.significance &&
				  ht[j].g.diff > 0;

			confirmed += ok;
			cJSON_AddItemToObject(o, "attributes",
					      predicates_json(t, &d, &ht[j].s));
			cJSON_AddNumberToObject(o, "first_half_size",
						(double)ht[j].s.rows);
			sh = cJSON_AddObjectToObject(o, "second_half");
			cJSON_AddNumberToObject(sh, "size",
						(double)ht[j].g.in.rows);
			add_num(sh, "value", ht[j].g.in.value);
			add_num(sh, "complement", ht[j].g.out.value);
			add_num(sh, "difference", ht[j].g.diff);
			add_num(sh, "p_value", ht[j].g.p_greater);
			add_num(sh, "p_adjusted", ht[j].p_adj);
			cJSON_AddBoolToObject(o, "confirmed", ok);
			cJSON_AddItemToArray(hs, o);
		}
		cJSON_AddNumberToObject(rep, "confirmed", (double)confirmed);
		cJSON_AddItemToObject(out, "replication", rep);
		rep = NULL;
	}
	cJSON_AddItemToObject(out, "methods", methods_json());
fail:
	cJSON_Delete(rep);
	cJSON_Delete(bins);
	free(mask);
	free(top);
	free(ht);
	sdata_release(&d);
	return out;
}
