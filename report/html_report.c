/*
 * html_report.c - the disparity report of one evaluation: each
 * grouping's section (spread, table, charts, worst utterances) and the
 * public entry points of html.h for reports.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* One alignment token; a missing side is printed as sclite's "***". */
static void token(struct buf *b, const cJSON *t)
{
	const char *op = jstr(t, "op");
	const cJSON *ref = jget(t, "ref"), *hyp = jget(t, "hyp");
	char c = op && op[0] && !op[1] ? op[0] : 'C';
	const char *cls = c == 'S' ? "s" : c == 'D' ? "d" : c == 'I' ? "i" :
			  "c";
	struct buf raw = BUF_INIT;

	buf_addf(b, "<span class=\"tk %s\"><span class=\"r\">", cls);
	add_scalar_raw(&raw, ref);
	if (raw.len && c != 'I')
		html_esc_n(b, raw.s, raw.len);
	else
		buf_adds(b, "<span class=\"gap\">***</span>");
	buf_adds(b, "</span><span class=\"h\">");
	buf_reset(&raw);
	add_scalar_raw(&raw, hyp);
	if (c == 'C' && !raw.len)
		add_scalar_raw(&raw, ref);
	if (raw.len && c != 'D')
		html_esc_n(b, raw.s, raw.len);
	else
		buf_adds(b, "<span class=\"gap\">***</span>");
	buf_adds(b, "</span></span>");
	buf_release(&raw);
}

static void worst_utterances(const struct grp *g, struct buf *b)
{
	size_t i, shown = 0;
	bool any = false;

	for (i = 0; i < g->nrows; i++)
		if (cJSON_GetArraySize(jget(g->rows[i].c,
					    "worst_utterances")) > 0)
			any = true;
	if (!any)
		return;
	buf_adds(b, "<h3>Worst utterances</h3>\n<p class=\"gmeta\">Per "
		 "cohort, the utterances with the highest WER and their word "
		 "alignment: reference above, hypothesis below.</p>\n"
		 "<ul class=\"legend\" aria-label=\"Alignment\">"
		 "<li><span class=\"swt s\"></span>S substitution</li>"
		 "<li><span class=\"swt d\"></span>D deletion (struck "
		 "through)</li><li><span class=\"swt i\"></span>I insertion"
		 "</li><li><span class=\"gap\">***</span>&nbsp;no word</li>"
		 "</ul>\n");
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = g->order[i];
		const cJSON *wu = jget(r->c, "worst_utterances"), *u;
		int nu = cJSON_GetArraySize(wu), k = 0;

		if (nu <= 0)
			continue;
		buf_addf(b, "<details%s data-cohort=\"%zu\"><summary>",
			 shown < OPEN_DETAILS ? " open" : "", r->idx);
		html_esc(b, r->label);
		buf_addf(b, "</summary>\n<ol class=\"utts\">\n");
		shown++;
		cJSON_ArrayForEach(u, wu) {
			const cJSON *t;
			double wer;
			int nt = 0;

			if (k++ >= MAX_UTTERANCES)
				break;
			buf_adds(b, "<li><div class=\"uh\">");
			if (jstr(u, "id")) {
				buf_adds(b, "<code>");
				html_esc(b, jstr(u, "id"));
				buf_adds(b, "</code>");
			}
			if (jstr(u, "speaker")) {
				buf_adds(b, " " MIDDOT " speaker ");
				html_esc(b, jstr(u, "speaker"));
			}
			buf_adds(b, " " MIDDOT " WER ");
			if (jnum(u, "wer", &wer))
				add_fixed(b, wer, 3, false);
			else
				buf_adds(b, EMDASH);
			buf_adds(b, "</div><div class=\"al\">");
			cJSON_ArrayForEach(t, jget(u, "alignment")) {
				if (nt++ >= MAX_TOKENS) {
					buf_adds(b, ELLIPSIS);
					break;
				}
				token(b, t);
			}
			buf_adds(b, "</div></li>\n");
		}
		buf_adds(b, "</ol></details>\n");
	}
}

/* The chart metric flagged most often (the first on ties). */
static const char *lead_metric(const struct grp *g)
{
	size_t i, j, best = 0, most = 0;

	for (j = 0; j < g->chart.n; j++) {
		size_t c = 0;

		for (i = 0; i < g->nrows; i++)
			c += flagged(g->rows[i].flags, g->chart.k[j]);
		if (c > most) {
			most = c;
			best = j;
		}
	}
	return g->chart.k[best];
}

static void grouping_section(const struct rctx *x, const struct grp *g,
			     struct buf *b)
{
	const cJSON *spread = jget(g->g, "spread");
	size_t j;
	bool any = false;

	buf_addf(b, "<section class=\"grouping\" id=\"g%d\" "
		 "aria-labelledby=\"g%d-h\">\n<h2 id=\"g%d-h\">By ", g->id,
		 g->id, g->id);
	html_esc(b, g->by_label);
	buf_adds(b, "</h2>\n<p class=\"gmeta\">Reference: <b>");
	if (g->ref)
		html_esc(b, g->ref->label);
	else
		buf_adds(b, "none");
	buf_adds(b, "</b>");
	if (g->ref && jstr(g->g, "reference_source")) {
		const char *src = jstr(g->g, "reference_source");

		buf_adds(b, " (");
		if (!strcmp(src, "largest"))
			buf_adds(b, "the largest cohort");
		else if (!strcmp(src, "requested"))
			buf_adds(b, "as requested");
		else
			html_esc(b, src);
		buf_addch(b, ')');
	}
	buf_addf(b, " " MIDDOT " %zu cohort%s " MIDDOT " %d flagged "
		 MIDDOT " %d too small</p>\n", g->nrows,
		 g->nrows == 1 ? "" : "s", g->nflagged, g->nsmall);
	for (j = 0; j < g->chart.n; j++) {
		const cJSON *s = jget(spread, g->chart.k[j]);
		double d = 0, r = 0;
		bool hd = jnum(s, "difference", &d), hr = jnum(s, "ratio", &r);

		if (!hd && !hr)
			continue;
		buf_adds(b, any ? "; " : "<p class=\"gmeta\">Spread across "
			 "cohorts (highest against lowest): ");
		any = true;
		add_metric(b, g->chart.k[j], true);
		if (hd) {
			buf_adds(b, " difference ");
			add_diff(b, metric_kind(g->chart.k[j]), d, false);
		}
		if (hr) {
			buf_adds(b, hd ? ", ratio " : " ratio ");
			add_fixed(b, r, 2, false);
			buf_adds(b, TIMES);
		}
	}
	if (any)
		buf_adds(b, "</p>\n");
	add_sort_links(x, g, b);
	cohort_table(x, g, b);
	report_legend(x, b);
	power_notes(x, g, b);
	condition_section(x, g, b);
	if (g->nrows > MAX_CHART_ROWS) {
		buf_addf(b, "<p class=\"gmeta\">Charts are left out for groupings "
			 "of more than %d cohorts; the table above and the CSV "
			 "have every cohort.</p>\n", MAX_CHART_ROWS);
	} else if (g->chart.n && g->nrows) {
		buf_adds(b, "<h3>Charts</h3>\n<div class=\"charts\">\n");
		for (j = 0; j < g->chart.n; j++)
			chart_bars(x, g, g->chart.k[j], b);
		if (x->task == TK_ASR && grp_has_metric(g, "reference_words"))
			chart_sdi(g, b);
		buf_adds(b, "</div>\n");
		if (x->task == TK_ASR && grp_has_metric(g, "reference_words"))
			sdi_legend(b);
	}
	if (g->nattrs == 2 && g->chart.n && g->nrows) {
		buf_adds(b, "<h3>Intersections</h3>\n<div class=\"charts\">\n");
		if (g->nrows <= DENSE_ROWS) {
			for (j = 0; j < g->chart.n; j++)
				chart_heat(g, g->chart.k[j], b);
		} else {
			chart_heat(g, lead_metric(g), b);
		}
		buf_adds(b, "</div>\n");
	}
	worst_utterances(g, b);
	buf_adds(b, "</section>\n");
}

/* ---- public: report ---- */

int html_sort_parse(const char *s, enum html_sort *out, struct buf *err)
{
	if (s && !strcmp(s, "severity"))
		*out = HTML_SORT_SEVERITY;
	else if (s && !strcmp(s, "name"))
		*out = HTML_SORT_NAME;
	else if (s && !strcmp(s, "n"))
		*out = HTML_SORT_N;
	else {
		buf_adds(err, "unknown sort order \"");
		if (s)
			buf_add_json_escaped(err, s, strlen(s));
		buf_adds(err, "\" (expected severity, name or n)");
		return -1;
	}
	return 0;
}

const char *html_sort_name(enum html_sort s)
{
	switch (s) {
	case HTML_SORT_NAME: return "name";
	case HTML_SORT_N: return "n";
	case HTML_SORT_SEVERITY: break;
	}
	return "severity";
}

int html_render_evaluation(struct buf *out, const cJSON *eval,
			   const struct html_meta *meta,
			   const struct html_options *opt, struct buf *err)
{
	struct rctx x;
	struct buf title = BUF_INIT;
	const cJSON *gs, *g;
	size_t i;
	int id = 0;

	if (!cJSON_IsObject(eval)) {
		buf_adds(err, "cannot render a report: the evaluation is not "
			 "a JSON object");
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.eval = eval;
	x.params = jget(eval, "params");
	x.meta = meta;
	x.sort = opt ? opt->sort : HTML_SORT_SEVERITY;
	x.task = task_kind(eval);
	x.has_conf = jnum(x.params, "confidence", &x.conf);
	x.has_min = jnum(x.params, "min_cohort_size", &x.min_size);
	gs = jget(eval, "groupings");
	if (!cJSON_IsArray(gs))
		gs = NULL;
	x.ng = (size_t)(gs ? cJSON_GetArraySize(gs) : 0);
	x.g = xcalloc(x.ng + 1, sizeof(*x.g));
	cJSON_ArrayForEach(g, gs) {
		grp_build(&x, &x.g[id], g, id + 1);
		id++;
	}

	buf_adds(&title, "Disparity report: ");
	buf_adds(&title, model_label(&x) ? model_label(&x) : "model");
	if (meta && meta->model_version) {
		buf_addch(&title, ' ');
		buf_adds(&title, meta->model_version);
	}
	buf_adds(&title, " on ");
	buf_adds(&title, dataset_label(&x) ? dataset_label(&x) : "dataset");
	page_begin(out, title.s);
	report_header(&x, out);
	report_summary(&x, out);
	report_warnings(&x, out);
	report_overall(&x, out);
	if (!x.ng)
		buf_adds(out, "<p class=\"empty\">This evaluation has no "
			 "groupings.</p>\n");
	for (i = 0; i < x.ng; i++)
		grouping_section(&x, &x.g[i], out);
	report_method(&x, out);
	report_about(&x, out);
	page_end(out);

	for (i = 0; i < x.ng; i++)
		grp_release(&x.g[i]);
	free(x.g);
	buf_release(&title);
	return finish(out, err, "report");
}
