/*
 * h_compare.c - GET /v1/models/{a}/compare/{b}/report: two models of one
 * dataset compared cohort by cohort, as HTML (report/html.h,
 * html_render_comparison) or, with ?format=json, as the comparison JSON that
 * page is rendered from.
 *
 * Both models predicted on the same examples, so every change B - A is a
 * paired comparison (metrics/paired.h): the dataset is loaded once per model
 * (store_table_load), rows are paired by example id, grouped by the
 * requested attributes (cohorts/groupby.h) on model A's table, and each
 * cohort's sufficient statistics go to the paired functions:
 *
 *   binary classification, score (at ?threshold)   8 cells of (truth,
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
 * (cohort, metric) comparison of the report whose cohort is not too small
 * and whose p-value is defined; "overall" is reported unadjusted.
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
#include "metrics/paired.h"
#include "metrics/bootstrap.h"
#include "metrics/stats.h"
#include "metrics/wer.h"

#define CMP_MAX_METRICS 16

enum cmp_kind {
	K_BINARY,
	K_MULTI,
	K_REGRESSION,
	K_ASR,
};

/* The request's options, as used. */
struct cmp_req {
	bool json;
	double conf;
	uint64_t min_size;
	uint64_t min_speakers;		/* asr, speakers resampled */
	uint32_t nboot;
	uint64_t seed;
	double threshold;
	char *by_buf;			/* ?by, split in place */
	const char *by[FA_MAX_COHORT_ATTRS];
	size_t nby;
	struct eval_params bins;	/* ?bins, parsed as --bins */
	char *metrics_buf;		/* ?metrics, split in place */
	const char *metrics[CMP_MAX_METRICS];
	size_t nmetrics;
};

struct cmp_run {
	const struct table *ta, *tb;
	uint32_t *bmap;			/* row of B for each row of A */
	struct groupby g;
	size_t nc;			/* cohorts; set nc is "overall" */
	enum cmp_kind kind;
	size_t nm;
	const char *metric[CMP_MAX_METRICS];
	int code[CMP_MAX_METRICS];	/* confusion rate, or catalogue index */
	struct paired_change *ch;	/* (nc + 1) x nm */
	uint64_t *n;			/* rows per set */
	uint8_t *small;			/* per cohort, enum eval_small */
	double *p_adj;			/* nc x nm */
	bool by_utterance[2];		/* asr: cohorts, overall */
	gsl_rng *rng;
};

/* Metric catalogues of the kinds other than binary. */
static const char *const multi_metrics[] = { "error_rate", "accuracy" };
static const char *const regression_metrics[] = { "mae", "mean_error" };
static const char *const asr_metrics[] = { "wer", "cer" };

static const char *const default_binary[] = {
	"error_rate", "fpr", "fnr", "selection_rate",
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

	q->conf = 0.95;
	q->min_size = 30;
	q->min_speakers = EVAL_DEFAULT_MIN_SPEAKERS;
	q->nboot = PAIRED_DEFAULT_BOOTSTRAP;
	q->seed = EVAL_DEFAULT_SEED;
	q->threshold = 0.5;
	if (format && strcmp(format, "html") && strcmp(format, "json")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not html or json", format);
		return -1;
	}
	q->json = format && !strcmp(format, "json");
	if (number_arg_or_respond(r, "confidence", 0, 1, true, false, &q->conf))
		return -1;
	v = (double)q->min_size;
	if (number_arg_or_respond(r, "min_cohort_size", 0, 1e15, false, true, &v))
		return -1;
	q->min_size = (uint64_t)v;
	v = (double)q->min_speakers;
	if (number_arg_or_respond(r, "min_speakers", 0, 1e15, false, true, &v))
		return -1;
	q->min_speakers = (uint64_t)v;
	v = q->nboot;
	if (number_arg_or_respond(r, "bootstrap", 0, EVAL_MAX_BOOTSTRAP, false,
				  true, &v))
		return -1;
	q->nboot = (uint32_t)v;
	v = (double)q->seed;
	if (number_arg_or_respond(r, "seed", 0, 9007199254740992.0, false, true,
				  &v))
		return -1;
	q->seed = (uint64_t)v;
	if (number_arg_or_respond(r, "threshold", 0, 1, false, false,
				  &q->threshold))
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
				    CMP_MAX_METRICS, &q->nmetrics))
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

/* The metrics: ?metrics from the kind's catalogue, or its defaults. */
static int metrics_or_respond(struct request *r, const struct cmp_req *q,
			      struct cmp_run *run)
{
	const char *const *cat = NULL, *const *dflt;
	size_t ncat = 0, ndflt = 1;
	const char *names[CONF_NRATES];

	switch (run->kind) {
	case K_BINARY:
		for (size_t k = 0; k < CONF_NRATES; k++)
			if (k != CONF_PREVALENCE)
				names[ncat++] = confusion_rate_name(
					(enum confusion_rate)k);
		cat = names;
		dflt = default_binary;
		ndflt = ARRAY_SIZE(default_binary);
		break;
	case K_MULTI:
		cat = dflt = multi_metrics;
		ncat = ARRAY_SIZE(multi_metrics);
		break;
	case K_REGRESSION:
		cat = dflt = regression_metrics;
		ncat = ARRAY_SIZE(regression_metrics);
		break;
	case K_ASR:
	default:
		cat = dflt = asr_metrics;
		ncat = ARRAY_SIZE(asr_metrics);
		break;
	}
	if (!q->nmetrics) {
		for (size_t i = 0; i < ndflt; i++)
			run->metric[run->nm++] = dflt[i];
	} else {
		for (size_t i = 0; i < q->nmetrics; i++) {
			size_t k = 0;

			while (k < ncat && strcmp(cat[k], q->metrics[i]))
				k++;
			if (k == ncat) {
				struct buf list = BUF_INIT;

				for (size_t j = 0; j < ncat; j++)
					buf_addf(&list, "%s%s", j ? ", " : "",
						 cat[j]);
				respond_problem(r, 400, "Bad request",
						"metrics: \"%s\" cannot be compared"
						" for this dataset (choose from %s)",
						q->metrics[i], list.s);
				buf_release(&list);
				return -1;
			}
			run->metric[run->nm++] = cat[k];
		}
	}
	for (size_t j = 0; j < run->nm; j++) {
		if (run->kind != K_BINARY) {
			size_t k = 0;

			while (strcmp(cat[k], run->metric[j]))
				k++;
			run->code[j] = (int)k;
			continue;
		}
		for (size_t k = 0; k < CONF_NRATES; k++)
			if (!strcmp(confusion_rate_name((enum confusion_rate)k),
				    run->metric[j]))
				run->code[j] = (int)k;
	}
	return 0;
}

/* ---- computation ---- */

/*
 * The stream of set c: "compare" then the cohort's (attribute name, value)
 * pairs in name order, each string preceded by its length; "overall" for
 * set nc.
 */
static uint64_t set_stream(const struct cmp_run *run, size_t c, uint64_t seed)
{
	struct buf key = BUF_INIT;
	uint64_t h;

	if (c == run->nc)
		return boot_stream_seed(seed, "compare-overall", 15);
	buf_adds(&key, "compare");
	groupby_cohort_key(run->ta, &run->g, c, &key);
	h = boot_stream_seed(seed, key.s, key.len);
	buf_release(&key);
	return h;
}

static void opts_for(struct cmp_run *run, const struct cmp_req *q, size_t c,
		     struct paired_opts *o)
{
	boot_rng_reset(run->rng, set_stream(run, c, q->seed));
	*o = (struct paired_opts){ q->conf, q->nboot, run->rng, false };
}

static void compute_binary(struct cmp_run *run, const struct cmp_req *q,
			   bool score)
{
	const struct table *ta = run->ta, *tb = run->tb;
	struct paired_cells *cells = xcalloc(run->nc + 1, sizeof(*cells));
	enum confusion_rate rates[CMP_MAX_METRICS];

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		bool y = (int64_t)ta->label[r] == ta->positive, pa, pb;

		if (score) {
			pa = ta->pred_num[r] >= q->threshold;
			pb = tb->pred_num[rb] >= q->threshold;
		} else {
			pa = (int64_t)ta->pred[r] == ta->positive;
			pb = (int64_t)tb->pred[rb] == tb->positive;
		}
		paired_cells_add(&cells[run->g.cohort[r]], y, pa, pb);
		paired_cells_add(&cells[run->nc], y, pa, pb);
	}
	for (size_t j = 0; j < run->nm; j++)
		rates[j] = (enum confusion_rate)run->code[j];
	for (size_t c = 0; c <= run->nc; c++) {
		struct paired_opts o;

		opts_for(run, q, c, &o);
		paired_binary_compare(&cells[c], rates, run->nm, &o,
				      &run->ch[c * run->nm]);
	}
	free(cells);
}

static void compute_multi(struct cmp_run *run, const struct cmp_req *q)
{
	const struct table *ta = run->ta, *tb = run->tb;
	struct paired_table *err = xcalloc(run->nc + 1, sizeof(*err));

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		bool ea = ta->pred[r] != ta->label[r];
		bool eb = tb->pred[rb] != tb->label[rb];
		struct paired_table *t[2] = { &err[run->g.cohort[r]],
					      &err[run->nc] };

		for (size_t i = 0; i < 2; i++) {
			if (ea && eb)
				t[i]->both++;
			else if (ea)
				t[i]->a_only++;
			else if (eb)
				t[i]->b_only++;
			else
				t[i]->neither++;
		}
	}
	for (size_t c = 0; c <= run->nc; c++)
		for (size_t j = 0; j < run->nm; j++) {
			struct paired_table t = err[c];

			if (run->code[j] == 1)	/* accuracy: successes are
						   the correct rows */
				t = (struct paired_table){
					err[c].neither, err[c].b_only,
					err[c].a_only, err[c].both };
			paired_prop_change(&t, q->conf, "empty cohort",
					   &run->ch[c * run->nm + j]);
		}
	free(err);
}

static void compute_regression(struct cmp_run *run, const struct cmp_req *q)
{
	const struct table *ta = run->ta, *tb = run->tb;
	size_t nm = run->nm;
	struct paired_means *m = xcalloc((run->nc + 1) * nm, sizeof(*m));

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		double ea = ta->pred_num[r] - ta->label_num[r];
		double eb = tb->pred_num[rb] - tb->label_num[rb];
		size_t sets[2] = { run->g.cohort[r], run->nc };

		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < nm; j++) {
				bool abs_err = run->code[j] == 0;

				paired_means_add(&m[sets[i] * nm + j],
						 abs_err ? fabs(ea) : ea,
						 abs_err ? fabs(eb) : eb);
			}
	}
	for (size_t c = 0; c <= run->nc; c++)
		for (size_t j = 0; j < nm; j++)
			paired_mean_change(&m[c * nm + j], q->conf,
					   run->code[j] == 0, "empty cohort",
					   &run->ch[c * nm + j]);
	free(m);
}

/*
 * Cluster vectors of the rows rows[0..n): one per speaker (an utterance
 * without a speaker is its own), or one per utterance when by_utt; for
 * each metric (errors, reference units) under A and under B.  Appends to
 * *v (capacity *cap, *ncl clusters so far); stamp and slot are scratch per
 * speaker code, stamp[k] != mark meaning "not seen in this set".
 */
static void add_clusters(const struct cmp_run *run, const uint32_t *rows,
			 size_t n, bool by_utt, uint32_t *stamp, size_t *slot,
			 uint32_t mark, double **v, size_t *cap, size_t *ncl)
{
	const struct table *ta = run->ta, *tb = run->tb;
	size_t nv = run->nm * PAIRED_NV;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = rows[i], k = ta->speaker ? ta->speaker[r]
						      : UINT32_MAX;
		const struct asr_counts *a = &ta->asr[r];
		const struct asr_counts *b = &tb->asr[run->bmap[r]];
		size_t j;
		double *c;

		if (!by_utt && k != UINT32_MAX && stamp[k] == mark) {
			j = slot[k];
		} else {
			if (*ncl == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				*v = xrealloc(*v, *cap * nv * sizeof(**v));
			}
			j = (*ncl)++;
			memset(*v + j * nv, 0, nv * sizeof(**v));
			if (!by_utt && k != UINT32_MAX) {
				stamp[k] = mark;
				slot[k] = j;
			}
		}
		c = *v + j * nv;
		for (size_t m = 0; m < run->nm; m++, c += PAIRED_NV) {
			if (run->code[m] == 0) {
				c[PAIRED_XA] += (double)a->sub + a->del + a->ins;
				c[PAIRED_DA] += a->ref_words;
				c[PAIRED_XB] += (double)b->sub + b->del + b->ins;
				c[PAIRED_DB] += b->ref_words;
			} else {
				c[PAIRED_XA] += a->char_errors;
				c[PAIRED_DA] += a->ref_chars;
				c[PAIRED_XB] += b->char_errors;
				c[PAIRED_DB] += b->ref_chars;
			}
		}
	}
}

static void compute_asr(struct cmp_run *run, const struct cmp_req *q)
{
	static const char *const few[2] = {
		"fewer than two speakers with reference words in the cohort;"
		" no interval",
		"fewer than two utterances with reference words in the"
		" cohort; no interval",
	};
	static const char *const undefined[] = {
		"no reference words in cohort",
		"no reference characters in cohort",
	};
	const struct table *ta = run->ta;
	size_t n = ta->nrows, nc = run->nc, nspk = ta->speakers.n;
	size_t *start = xcalloc(nc + 2, sizeof(*start));
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	uint32_t *all = xmalloc((n ? n : 1) * sizeof(*all));
	uint32_t *stamp = xcalloc(nspk, sizeof(*stamp));
	size_t *slot = xmalloc((nspk ? nspk : 1) * sizeof(*slot));
	uint64_t most = 0, overall_spk = 0;
	uint64_t *spk = xmalloc((nc ? nc : 1) * sizeof(*spk));
	double *v = NULL;
	size_t cap = 0;

	/* Rows by cohort (stable), and distinct speakers per cohort. */
	for (size_t r = 0; r < n; r++)
		start[run->g.cohort[r] + 1]++;
	for (size_t c = 0; c < nc; c++)
		start[c + 1] += start[c];
	{
		size_t *next = xmalloc((nc ? nc : 1) * sizeof(*next));

		memcpy(next, start, nc * sizeof(*next));
		for (size_t r = 0; r < n; r++) {
			order[next[run->g.cohort[r]]++] = (uint32_t)r;
			all[r] = (uint32_t)r;
		}
		free(next);
	}
	for (size_t c = 0; c < nc; c++) {
		uint64_t s = 0;

		for (size_t i = start[c]; i < start[c + 1]; i++) {
			uint32_t k = ta->speaker ? ta->speaker[order[i]]
						 : UINT32_MAX;

			if (k != UINT32_MAX && stamp[k] != c + 1) {
				stamp[k] = (uint32_t)(c + 1);
				s++;
			}
		}
		spk[c] = s;
		if (s > most)
			most = s;
	}
	for (size_t r = 0; r < n && ta->speaker; r++) {
		uint32_t k = ta->speaker[r];

		if (k != UINT32_MAX && stamp[k] != UINT32_MAX) {
			stamp[k] = UINT32_MAX;
			overall_spk++;
		}
	}
	run->by_utterance[0] = most < 2;
	run->by_utterance[1] = overall_spk < 2;
	/* Where speakers are resampled they are the sample, as in
	 * evaluations (evaluate/asr.c). */
	for (size_t c = 0; c < nc && !run->by_utterance[0]; c++)
		if (!run->small[c] && spk[c] < q->min_speakers)
			run->small[c] = EVAL_SMALL_SPEAKERS;
	free(spk);

	/* Each set marks the speakers it has seen with its own number. */
	memset(stamp, 0, (nspk ? nspk : 1) * sizeof(*stamp));
	for (size_t c = 0; c <= nc; c++) {
		bool by_utt = run->by_utterance[c == nc];
		const uint32_t *rows = c == nc ? all : order + start[c];
		size_t nrows = c == nc ? n : start[c + 1] - start[c];
		size_t ncl = 0;
		struct paired_opts o;
		struct paired_change *ch = &run->ch[c * run->nm];

		add_clusters(run, rows, nrows, by_utt, stamp, slot,
			     (uint32_t)(c + 1), &v, &cap, &ncl);
		opts_for(run, q, c, &o);
		/* nm <= 2 <= PAIRED_MAX_RATIOS: the catalogue has two. */
		paired_ratio_compare(v, ncl, run->nm, &o, "", few[by_utt], ch);
		for (size_t j = 0; j < run->nm; j++) {
			ch[j].n = nrows;
			if (ch[j].a_reason)
				ch[j].a_reason = undefined[run->code[j]];
			if (ch[j].b_reason)
				ch[j].b_reason = undefined[run->code[j]];
		}
	}
	free(v);
	free(start);
	free(order);
	free(all);
	free(stamp);
	free(slot);
}

/* Holm over every (cohort, metric) with a p-value, too-small ones aside. */
static void adjust(struct cmp_run *run, const struct cmp_req *q)
{
	size_t m = run->nc * run->nm;
	double *p = xmalloc((m ? m : 1) * sizeof(*p));

	for (size_t c = 0; c < run->nc; c++)
		for (size_t j = 0; j < run->nm; j++) {
			const struct paired_change *ch = &run->ch[c * run->nm + j];

			p[c * run->nm + j] = run->small[c] ? NAN : ch->p;
		}
	run->p_adj = xmalloc((m ? m : 1) * sizeof(*run->p_adj));
	stats_holm(p, m, run->p_adj);
	free(p);
}

/* ---- JSON ---- */

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *side_json(const struct interval *iv, const char *reason,
			const char *ci_reason)
{
	cJSON *o = cJSON_CreateObject();

	if (reason) {
		cJSON_AddNullToObject(o, "value");
		cJSON_AddStringToObject(o, "reason", reason);
		return o;
	}
	add_num(o, "value", iv->value);
	add_num(o, "low", iv->low);
	add_num(o, "high", iv->high);
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

static cJSON *change_json(const struct paired_change *ch, double padj,
			  const char *padj_reason)
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
	add_num(o, "difference", ch->diff.value);
	add_num(o, "diff_low", ch->diff.low);
	add_num(o, "diff_high", ch->diff.high);
	if (ch->ci_reason)
		cJSON_AddStringToObject(o, "interval_reason", ch->ci_reason);
	add_num(o, "p_value", ch->p);
	add_num(o, "p_adjusted", padj);
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

static void add_methods(cJSON *doc, const struct cmp_run *run)
{
	cJSON *m = cJSON_AddObjectToObject(doc, "methods");

	cJSON_AddStringToObject(m, "change", "model B minus model A, paired by"
		" example id (both models predicted every example)");
	switch (run->kind) {
	case K_BINARY:
	case K_MULTI:
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
	case K_REGRESSION:
		cJSON_AddStringToObject(m, "interval", "student t on each"
			" model's mean (|error| for mae, lower limit clipped"
			" at 0; error for mean_error)");
		cJSON_AddStringToObject(m, "difference_interval", "paired t"
			" interval on the per-row differences");
		cJSON_AddStringToObject(m, "test", "paired t-test");
		break;
	case K_ASR:
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

static void add_spread(cJSON *doc, const struct cmp_run *run,
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
		add_num(o, "a", k[0] >= 2 ? hi[0] - lo[0] : NAN);
		add_num(o, "b", k[1] >= 2 ? hi[1] - lo[1] : NAN);
		add_num(o, "change", k[0] >= 2 && k[1] >= 2 ?
			(hi[1] - lo[1]) - (hi[0] - lo[0]) : NAN);
	}
}

static cJSON *comparison_json(const struct request *r,
			      const struct cmp_run *run,
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
	cJSON_AddNumberToObject(doc, "confidence", q->conf);
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
	cJSON_AddNumberToObject(params, "confidence", q->conf);
	cJSON_AddNumberToObject(params, "min_cohort_size", (double)q->min_size);
	if (run->kind == K_ASR)
		cJSON_AddNumberToObject(params, "min_speakers",
					(double)q->min_speakers);
	cJSON_AddNumberToObject(params, "bootstrap", q->nboot);
	cJSON_AddNumberToObject(params, "seed", (double)q->seed);
	if (run->ta->task == TASK_SCORE)
		cJSON_AddNumberToObject(params, "threshold", q->threshold);
	cJSON_AddStringToObject(params, "adjust", "holm");
	add_methods(doc, run);

	o = cJSON_AddObjectToObject(doc, "overall");
	cJSON_AddNumberToObject(o, "n", (double)run->n[run->nc]);
	o = cJSON_AddObjectToObject(o, "metrics");
	for (size_t j = 0; j < nm; j++)
		cJSON_AddItemToObject(o, run->metric[j],
				      change_json(&run->ch[run->nc * nm + j],
						  NAN, "overall is not adjusted"));

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
					    " adjusted"));
		cJSON_AddItemToArray(arr, co);
	}
	add_spread(doc, run, q);
	return doc;
}

/* ---- the handler ---- */

static int model_or_respond(struct request *r, int64_t id, struct model *m)
{
	int rc = store_model_get(req_db(r), id, m);

	if (rc > 0)
		respond_problem(r, 404, "Not found", "model %lld does not exist",
				(long long)id);
	else if (rc < 0)
		respond_internal(r);
	return rc;
}

/* Pair the rows of B with those of A by example id; -1 if they differ. */
static int pair_rows(const struct table *ta, const struct table *tb,
		     uint32_t **out)
{
	uint32_t *map;

	if (ta->nrows != tb->nrows)
		return -1;
	map = xmalloc((ta->nrows ? ta->nrows : 1) * sizeof(*map));
	for (size_t r = 0; r < ta->nrows; r++) {
		int64_t rb = strmap_find(&tb->ids, strmap_str(&ta->ids, (uint32_t)r),
					 strmap_len(&ta->ids, (uint32_t)r));

		if (rb < 0) {
			free(map);
			return -1;
		}
		map[r] = (uint32_t)rb;
	}
	*out = map;
	return 0;
}

void h_compare_report(struct request *r)
{
	struct model ma = { 0 }, mb = { 0 };
	struct dataset d = { 0 };
	struct table ta, tb;
	struct cmp_req q;
	struct cmp_run run;
	struct groupby_attr ga[FA_MAX_COHORT_ATTRS];
	struct groupby_opts gopts = { EVAL_MAX_COHORTS, 0 };
	struct buf err = BUF_INIT, out = BUF_INIT;
	cJSON *doc = NULL;
	enum task task;
	double t0 = now_seconds();
	char *body;
	size_t len;

	memset(&q, 0, sizeof(q));
	memset(&run, 0, sizeof(run));
	groupby_init(&run.g);
	table_init(&ta, TASK_CLASSIFICATION);
	table_init(&tb, TASK_CLASSIFICATION);
	if (req_parse_or_respond(r, &q) ||
	    model_or_respond(r, r->ids[0], &ma) ||
	    model_or_respond(r, r->ids[1], &mb))
		goto out;
	if (ma.dataset_id != mb.dataset_id) {
		respond_problem(r, 422, "Comparison not possible",
				"model %lld is on dataset %lld and model %lld on"
				" dataset %lld; only models of one dataset can be"
				" compared", (long long)ma.id,
				(long long)ma.dataset_id, (long long)mb.id,
				(long long)mb.dataset_id);
		goto out;
	}
	if (!ma.prediction_count || !mb.prediction_count) {
		respond_problem(r, 422, "Comparison not possible",
				"model %lld has no predictions yet; upload them"
				" before comparing", (long long)(
				ma.prediction_count ? mb.id : ma.id));
		goto out;
	}
	if (store_dataset_get(req_db(r), ma.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	if (task_parse(d.task, &task)) {
		log_error("dataset %lld has task \"%s\"", (long long)d.id, d.task);
		respond_internal(r);
		goto out;
	}
	if (task == TASK_ASR) {
		const char *na = ma.normalize ? ma.normalize : "sclite";
		const char *nb = mb.normalize ? mb.normalize : "sclite";

		if (strcmp(na, nb)) {
			respond_problem(r, 422, "Comparison not possible",
					"model %lld was aligned with normalize"
					" \"%s\" and model %lld with \"%s\"; upload"
					" one again with ?normalize=%s&replace=true"
					" to compare them", (long long)ma.id, na,
					(long long)mb.id, nb, na);
			goto out;
		}
	}
	table_release(&ta);
	table_release(&tb);
	table_init(&ta, task);
	table_init(&tb, task);
	if (store_table_load(req_db(r), &d, ma.id, &ta) ||
	    store_table_load(req_db(r), &d, mb.id, &tb)) {
		respond_internal(r);
		goto out;
	}
	if (pair_rows(&ta, &tb, &run.bmap)) {
		log_error("models %lld and %lld: the loaded examples differ",
			  (long long)ma.id, (long long)mb.id);
		respond_internal(r);
		goto out;
	}
	run.ta = &ta;
	run.tb = &tb;
	switch (task) {
	case TASK_CLASSIFICATION:
		run.kind = table_is_binary(&ta) && table_is_binary(&tb) ?
			   K_BINARY : K_MULTI;
		break;
	case TASK_SCORE:
		run.kind = K_BINARY;
		break;
	case TASK_REGRESSION:
		run.kind = K_REGRESSION;
		break;
	case TASK_ASR:
		run.kind = K_ASR;
		break;
	}
	if (grouping_or_respond(r, &q, &ta, ga) ||
	    metrics_or_respond(r, &q, &run))
		goto out;
	if (groupby_run(&run.g, &ta, ga, q.nby, &gopts, &err)) {
		respond_problem(r, 422, "Comparison not possible", "%s", err.s);
		goto out;
	}
	run.nc = run.g.ncohorts;
	if ((run.nc + 1) * run.nm > EVAL_MAX_CELLS) {
		respond_problem(r, 422, "Comparison not possible",
				"%zu cohorts x %zu metrics is more than %d"
				" comparisons (EVAL_MAX_CELLS)", run.nc, run.nm,
				EVAL_MAX_CELLS);
		goto out;
	}
	run.ch = xcalloc((run.nc + 1) * run.nm, sizeof(*run.ch));
	run.n = xcalloc(run.nc + 1, sizeof(*run.n));
	run.small = xcalloc(run.nc + 1, sizeof(*run.small));
	for (size_t c = 0; c < run.nc; c++) {
		run.n[c] = run.g.size[c];
		run.small[c] = run.n[c] < q.min_size ? EVAL_SMALL_ROWS
						       : EVAL_SMALL_NO;
	}
	run.n[run.nc] = ta.nrows;
	run.rng = boot_rng_new(0);
	switch (run.kind) {
	case K_BINARY:
		compute_binary(&run, &q, task == TASK_SCORE);
		break;
	case K_MULTI:
		compute_multi(&run, &q);
		break;
	case K_REGRESSION:
		compute_regression(&run, &q);
		break;
	case K_ASR:
		compute_asr(&run, &q);
		break;
	}
	adjust(&run, &q);
	doc = comparison_json(r, &run, &q, &d, &ma, &mb);
	log_info("comparison of models %lld and %lld: %zu rows, %zu cohorts"
		 " in %.3f s", (long long)ma.id, (long long)mb.id, ta.nrows,
		 run.nc, now_seconds() - t0);
	if (q.json) {
		respond_json(r, 200, doc);
		doc = NULL;
		goto out;
	}
	if (html_render_comparison(&out, doc, &err)) {
		log_error("comparison page: %s", err.s);
		respond_internal(r);
		goto out;
	}
	body = buf_detach(&out, &len);
	respond(r, 200, "text/html; charset=utf-8", body, len);
out:
	cJSON_Delete(doc);
	if (run.rng)
		gsl_rng_free(run.rng);
	free(run.ch);
	free(run.n);
	free(run.small);
	free(run.p_adj);
	free(run.bmap);
	groupby_release(&run.g);
	table_release(&ta);
	table_release(&tb);
	free(q.by_buf);
	free(q.metrics_buf);
	eval_params_release(&q.bins);
	dataset_release(&d);
	model_release(&ma);
	model_release(&mb);
	buf_release(&out);
	buf_release(&err);
}
