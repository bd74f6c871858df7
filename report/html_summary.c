/*
 * html_summary.c - the top of a report: title and links, the summary of
 * flagged disparities in sentences, warnings, and the overall metrics.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- report: header and summary ---- */

void add_conf(const struct rctx *x, struct buf *b)
{
	double pc;

	if (!x->has_conf || x->conf <= 0 || x->conf >= 1)
		return;
	pc = x->conf * 100;
	if (fabs(pc - floor(pc + 0.5)) < 1e-9)
		buf_addf(b, "%.0f %% ", pc);
	else
		buf_addf(b, "%.1f %% ", pc);
}

const char *model_label(const struct rctx *x)
{
	const char *s = x->meta ? x->meta->model_name : NULL;

	return s ? s : jstr(x->eval, "model_id");
}

const char *dataset_label(const struct rctx *x)
{
	const char *s = x->meta ? x->meta->dataset_name : NULL;

	return s ? s : jstr(x->eval, "dataset_id");
}

void report_header(const struct rctx *x, struct buf *b)
{
	const char *ds = dataset_label(x), *mo = model_label(x);
	const char *ver = x->meta ? x->meta->model_version : NULL;
	const char *created = x->meta && x->meta->created_at ?
			      x->meta->created_at : jstr(x->eval, "created_at");
	const char *task = jstr(x->eval, "task"), *id = jstr(x->eval, "id");
	size_t i;

	buf_adds(b, "<header>\n<p class=\"kicker\">fairaudit "
		 MIDDOT " disparity report</p>\n<h1>");
	if (mo) {
		html_esc(b, mo);
		if (ver) {
			buf_adds(b, " <span class=\"sub\">");
			html_esc(b, ver);
			buf_adds(b, "</span>");
		}
	} else {
		buf_adds(b, "Model");
	}
	buf_adds(b, " <span class=\"sub\">on</span> ");
	if (ds)
		html_esc(b, ds);
	else
		buf_adds(b, "an evaluation set");
	buf_adds(b, "</h1>\n<p class=\"meta\">");
	buf_adds(b, "Task ");
	if (task)
		html_esc(b, task);
	else
		buf_adds(b, EMDASH);
	if (id) {
		buf_adds(b, " " MIDDOT " evaluation <code>");
		html_esc(b, id);
		buf_adds(b, "</code>");
	}
	if (created) {
		buf_adds(b, " " MIDDOT " created ");
		html_esc(b, created);
	}
	buf_adds(b, "</p>\n<nav class=\"links\" aria-label=\"Sections and "
		 "downloads\">");
	for (i = 0; i < x->ng; i++) {
		buf_addf(b, "<a href=\"#g%d\">By ", x->g[i].id);
		html_esc(b, x->g[i].by_label);
		buf_adds(b, "</a>\n");
	}
	buf_adds(b, "<a href=\"#method\">Methodology</a>\n");
	if (x->meta && x->meta->json_href) {
		buf_adds(b, "<a");
		add_href(b, x->meta->json_href);
		buf_adds(b, " type=\"application/json\">JSON</a>\n");
	}
	if (x->meta && x->meta->csv_href) {
		buf_adds(b, "<a");
		add_href(b, x->meta->csv_href);
		buf_adds(b, " type=\"text/csv\">CSV</a>");
	}
	buf_adds(b, "</nav>\n</header>\n");
}

struct finding {
	const struct grp *g;
	const struct crow *r;
	const char *key;
	double sev, p;
	bool lead;		/* a key metric of the task */
	int side;		/* enum side */
};

/* Which way a flagged disparity goes (evaluate/verdict.h's direction). */
enum side { SIDE_WORSE, SIDE_NEUTRAL, SIDE_BETTER };

static int side_of(const cJSON *disparity, const char *key)
{
	const char *dir = jstr(jget(disparity, key), "direction");

	if (!dir || !strcmp(dir, "worse"))
		return SIDE_WORSE;	/* no direction (older JSON): as before */
	return !strcmp(dir, "better") ? SIDE_BETTER : SIDE_NEUTRAL;
}

/*
 * Worse than the reference first, then neither way (selection rate), then
 * better; within each, key metrics first, then the largest ratio (on the
 * log scale).
 */
static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;

	if (a->side != b->side)
		return a->side < b->side ? -1 : 1;
	if (a->lead != b->lead)
		return a->lead ? -1 : 1;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	if (a->g->id != b->g->id)
		return a->g->id < b->g->id ? -1 : 1;
	if (a->r->idx != b->r->idx)
		return a->r->idx < b->r->idx ? -1 : 1;
	return strcmp(a->key, b->key);
}

/*
 * "False positive rate for race = African-American is 1.91× the reference
 * (race = Caucasian) (95 % CI 1.80–2.03), adjusted p < 0.001; 0.448
 * against 0.235."
 */
static void finding_sentence(const struct rctx *x, struct buf *b,
			     const struct finding *f)
{
	struct dval d = dget(f->r->disparity, f->key);
	struct mval m = mget(f->r->metrics, f->key), rm;
	enum kind k = metric_kind(f->key);

	memset(&rm, 0, sizeof(rm));
	if (f->g->ref)
		rm = mget(f->g->ref->metrics, f->key);
	buf_adds(b, "<b>");
	add_metric(b, f->key, false);
	buf_adds(b, "</b> for ");
	html_esc(b, f->r->label);
	if (d.has_r) {
		buf_adds(b, " is <b>");
		add_fixed(b, d.r, 2, false);
		buf_adds(b, TIMES);
		if (d.corrected)
			add_corrected_mark(b);
		buf_adds(b, "</b> the reference");
	} else if (d.has_d) {
		buf_adds(b, " differs from the reference by <b>");
		add_diff(b, k, d.d, true);
		buf_adds(b, "</b>");
	} else {
		buf_adds(b, " differs from the reference");
	}
	if (f->g->ref) {
		buf_adds(b, " (");
		html_esc(b, f->g->ref->label);
		buf_addch(b, ')');
	}
	if (d.has_r ? d.has_rci : d.has_dci) {
		buf_adds(b, " (");
		add_conf(x, b);
		buf_adds(b, "CI ");
		if (d.has_r)
			add_range(b, d.rlo, d.rhi, fmt_ratio, k);
		else
			add_range(b, d.dlo, d.dhi, add_diff, k);
		buf_addch(b, ')');
	}
	if (d.has_pa || d.has_p) {
		double p = d.has_pa ? d.pa : d.p;

		buf_adds(b, d.has_pa ? ", adjusted p " : ", p ");
		if (p >= 0.001)
			buf_adds(b, "= ");
		add_p(b, p);
	}
	if (m.has && rm.has) {
		buf_adds(b, "; ");
		add_value(b, k, m.v);
		buf_adds(b, " against ");
		add_value(b, k, rm.v);
	}
	buf_addch(b, '.');
}

/* "a, b and c" of metric names, lower-cased. */
static void add_name_list(struct buf *b, const struct keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (i)
			buf_adds(b, i + 1 == ks->n ? " and " : ", ");
		add_name_lower(b, ks->k[i]);
	}
}

void add_tolerance(const struct rctx *x, struct buf *b)
{
	double t;

	if (!jnum(x->params, "tolerance", &t) || t <= 0) {
		buf_adds(b, "beyond the tolerance");
		return;
	}
	if (t > 1)
		t = 1 / t;
	buf_adds(b, "outside [");
	add_fixed(b, t, 2, false);
	buf_adds(b, ", ");
	add_fixed(b, 1 / t, 2, false);
	buf_addch(b, ']');
}

void add_significance(const struct rctx *x, struct buf *b)
{
	double s;

	if (jnum(x->params, "significance", &s)) {
		add_shortest(b, s);
	} else {
		buf_adds(b, "the significance level");
	}
}

/* The evaluation's warnings (an unbinned numeric attribute, say). */
void report_warnings(const struct rctx *x, struct buf *b)
{
	const cJSON *ws = jget(x->eval, "warnings"), *w;

	if (!cJSON_IsArray(ws) || !cJSON_GetArraySize(ws))
		return;
	buf_adds(b, "<section class=\"warnings\" id=\"warnings\" "
		 "aria-labelledby=\"warnings-h\">\n<h2 id=\"warnings-h\">"
		 "Warnings</h2>\n<ul>\n");
	cJSON_ArrayForEach(w, ws) {
		const cJSON *m = jget(w, "message");

		if (!cJSON_IsString(m))
			continue;
		buf_adds(b, "<li>");
		html_esc(b, m->valuestring);
		buf_adds(b, "</li>\n");
	}
	buf_adds(b, "</ul>\n</section>\n");
}

/* Whether the evaluation's summary shows every cohort within tolerance. */
static bool summary_all_within(const struct rctx *x)
{
	const cJSON *s = jget(x->eval, "summary");
	double coh, within;

	return jnum(s, "cohorts", &coh) && jnum(s, "within_tolerance", &within)
	       && coh > 0 && within == coh;
}

/*
 * The summary section's opening: green only when nothing is flagged and
 * every cohort is shown within tolerance; grey ("unsure") when nothing is
 * flagged but some cohort could not be told apart from its reference.
 * JSON without a summary (older evaluations) keeps the old two colours.
 */
static void summary_open(const struct rctx *x, struct buf *b, size_t nf)
{
	const char *cls = nf ? "" : !jget(x->eval, "summary") ||
			  summary_all_within(x) ? " ok" : " unsure";

	buf_addf(b, "<section class=\"summary%s\" id=\"summary\" "
		 "aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">"
		 "Summary</h2>\n", cls);
}

/*
 * "3 of 4 cohorts could not be told apart from their reference: 1 too
 * small to test, 2 with intervals too wide to say."
 */
static void summary_unknowns(const struct rctx *x, struct buf *b)
{
	const cJSON *s = jget(x->eval, "summary");
	double coh, inc, small, within;

	if (!jnum(s, "cohorts", &coh) || !jnum(s, "inconclusive", &inc) ||
	    !jnum(s, "too_small", &small) ||
	    !jnum(s, "within_tolerance", &within) || !(inc > 0))
		return;
	buf_adds(b, "<p class=\"unknowns\">");
	add_count(b, inc);
	buf_adds(b, " of ");
	add_count(b, coh);
	buf_addf(b, " cohort%s could not be told apart from %s reference on "
		 "every tested metric", coh == 1 ? "" : "s",
		 inc == 1 ? "its" : "their");
	if (small > 0 || inc > small) {
		buf_adds(b, ": ");
		if (small > 0) {
			add_count(b, small);
			buf_adds(b, small == 1 ? " has" : " have");
			buf_adds(b, " too few examples or speakers to test");
		}
		if (inc > small) {
			if (small > 0)
				buf_adds(b, ", ");
			add_count(b, inc - small);
			buf_adds(b, inc - small == 1 ? " has" : " have");
			buf_adds(b, " intervals too wide to say either way, "
				 "or an undefined metric");
		}
	}
	buf_adds(b, ". ");
	add_count(b, within);
	buf_addf(b, " %s shown within tolerance on every tested metric.</p>\n",
		 within == 1 ? "is" : "are");
}

void report_summary(const struct rctx *x, struct buf *b)
{
	struct finding *fs = NULL;
	size_t nf = 0, cap = 0, i, j, ncoh = 0, nflagged = 0, nsmall = 0;
	struct keys tested = { NULL, 0, 0 };
	const cJSON *it;

	for (i = 0; i < x->ng; i++) {
		const struct grp *g = &x->g[i];

		ncoh += g->nrows;
		nflagged += (size_t)g->nflagged;
		nsmall += (size_t)g->nsmall;
		for (j = 0; j < g->table.n; j++)
			if (metric_kind(g->table.k[j]) != K_COUNT)
				keys_add(&tested, g->table.k[j]);
		for (j = 0; j < g->nrows; j++) {
			const struct crow *r = &g->rows[j];

			cJSON_ArrayForEach(it, r->flags) {
				struct dval d;
				struct finding *f;

				if (!cJSON_IsString(it))
					continue;
				fs = xgrow(fs, &cap, nf + 1, sizeof(*fs));
				f = &fs[nf++];
				d = dget(r->disparity, it->valuestring);
				f->g = g;
				f->r = r;
				f->key = it->valuestring;
				f->sev = d.has_r && d.r > 0 ? fabs(log(d.r)) :
					 d.has_d ? fabs(d.d) : 0;
				f->p = d.has_pa ? d.pa : d.has_p ? d.p : 1;
				f->lead = keys_has(&g->chart, f->key);
				f->side = side_of(r->disparity, f->key);
			}
		}
	}
	if (nf)
		qsort(fs, nf, sizeof(*fs), cmp_finding);

	summary_open(x, b, nf);
	if (nf) {
		size_t nside[3] = { 0, 0, 0 };

		for (i = 0; i < nf; i++)
			nside[fs[i].side]++;
		buf_addf(b, "<p class=\"lead\">%zu disparit%s flagged in %zu "
			 "cohort%s", nf, nf == 1 ? "y" : "ies", nflagged,
			 nflagged == 1 ? "" : "s");
		if (nside[SIDE_BETTER] || nside[SIDE_NEUTRAL]) {
			buf_addf(b, ": %zu worse than the reference",
				 nside[SIDE_WORSE]);
			if (nside[SIDE_NEUTRAL])
				buf_addf(b, ", %zu higher or lower (a metric "
					 "with no harm direction)",
					 nside[SIDE_NEUTRAL]);
			if (nside[SIDE_BETTER])
				buf_addf(b, ", %zu better", nside[SIDE_BETTER]);
		}
		buf_adds(b, ".</p>\n<ul class=\"findings\">\n");
		for (i = 0; i < nf && i < MAX_FINDINGS; i++) {
			if (i == LEAD_FINDINGS)
				buf_addf(b, "</ul>\n<details class=\"more\">"
					 "<summary>%zu more flagged disparit%s"
					 "</summary>\n<ul class=\"findings\">\n",
					 nf - LEAD_FINDINGS,
					 nf - LEAD_FINDINGS == 1 ? "y" : "ies");
			buf_addf(b, "<li%s>", fs[i].side == SIDE_BETTER ?
				 " class=\"better\"" : "");
			finding_sentence(x, b, &fs[i]);
			buf_adds(b, "</li>\n");
		}
		buf_adds(b, "</ul>\n");
		if (nf > MAX_FINDINGS)
			buf_addf(b, "<p>and %zu more, listed in the tables "
				 "below.</p>\n", nf - MAX_FINDINGS);
		if (nf > LEAD_FINDINGS)
			buf_adds(b, "</details>\n");
	} else if (summary_all_within(x)) {
		buf_adds(b, "<p class=\"lead\">No disparity: every cohort is "
			 "within tolerance of its reference on every tested "
			 "metric.</p>\n");
	} else if (jget(x->eval, "summary")) {
		buf_adds(b, "<p class=\"lead\">No disparity shown, which is not "
			 "evidence of equal performance.</p>\n");
	} else {
		buf_adds(b, "<p class=\"lead\">No disparity flagged.</p>\n");
	}
	summary_unknowns(x, b);
	buf_adds(b, "<p class=\"tested\">Tested: ");
	if (tested.n)
		add_name_list(b, &tested);
	else
		buf_adds(b, "no metric");
	buf_addf(b, " for %zu cohort%s in %zu grouping%s", ncoh,
		 ncoh == 1 ? "" : "s", x->ng, x->ng == 1 ? "" : "s");
	if (x->ng) {
		buf_adds(b, " (");
		for (i = 0; i < x->ng; i++) {
			if (i)
				buf_adds(b, "; ");
			html_esc(b, x->g[i].by_label);
		}
		buf_addch(b, ')');
	}
	buf_adds(b, ", each against its grouping's reference cohort. A "
		 "disparity is flagged when the ratio to the reference lies ");
	add_tolerance(x, b);
	buf_adds(b, " and the adjusted p-value is below ");
	add_significance(x, b);
	buf_addch(b, '.');
	if (nsmall) {
		buf_addf(b, " %zu cohort%s too small", nsmall,
			 nsmall == 1 ? " was" : "s were");
		if (x->has_min) {
			buf_adds(b, " (n &lt; ");
			add_count(b, x->min_size);
			buf_addch(b, ')');
		}
		buf_adds(b, " to be flagged.");
	}
	buf_adds(b, "</p>\n</section>\n");
	free(fs);
	keys_release(&tested);
}

void report_overall(const struct rctx *x, struct buf *b)
{
	const cJSON *ov = jget(x->eval, "overall");
	const cJSON *metrics = jget(ov, "metrics");
	struct keys ks = { NULL, 0, 0 };
	const char *const *k;
	double n;
	size_t i;

	if (!ov)
		return;
	for (k = chart_keys_for(x->task); *k; k++)
		if (jget(metrics, *k))
			keys_add(&ks, *k);
	for (k = extra_keys_for(x->task); *k; k++)
		if (jget(metrics, *k))
			keys_add(&ks, *k);
	buf_adds(b, "<section id=\"overall\" aria-labelledby=\"overall-h\">"
		 "\n<h2 id=\"overall-h\">Overall</h2>\n<div class=\"cards\">");
	buf_addf(b, "<div class=\"card\"><span class=\"k\">%s</span>"
		 "<span class=\"v\">", x->task == TK_ASR ? "Utterances" :
		 "Examples");
	if (jnum(ov, "n", &n) || jnum(jget(metrics, "n"), "value", &n))
		add_count(b, n);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</span></div>");
	for (i = 0; i < ks.n; i++) {
		struct mval m = mget(metrics, ks.k[i]);

		buf_adds(b, "<div class=\"card\"><span class=\"k\">");
		add_metric(b, ks.k[i], false);
		buf_adds(b, "</span><span class=\"v\">");
		if (m.has)
			add_value(b, metric_kind(ks.k[i]), m.v);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</span>");
		if (m.has_ci) {
			buf_adds(b, "<small>");
			add_conf(x, b);
			buf_adds(b, "CI ");
			add_range(b, m.lo, m.hi, fmt_value,
				  metric_kind(ks.k[i]));
			buf_adds(b, "</small>");
		} else if (!m.has && m.reason) {
			buf_adds(b, "<small>");
			html_esc(b, m.reason);
			buf_adds(b, "</small>");
		}
		buf_adds(b, "</div>");
	}
	buf_adds(b, "</div>\n</section>\n");
	keys_release(&ks);
}
