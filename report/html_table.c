/*
 * html_table.c - a grouping's cohort table: one row per cohort, one
 * column group per metric (value with interval, difference, ratio,
 * adjusted p-value), sort links and the legend.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- report: cohort table ---- */

void add_sort_links(const struct rctx *x, const struct grp *g,
			   struct buf *b)
{
	static const enum html_sort all[] = {
		HTML_SORT_SEVERITY, HTML_SORT_NAME, HTML_SORT_N };
	static const char *const text[] = { "severity", "name", "size" };
	const char *base = x->meta && x->meta->sort_href_base ?
			   x->meta->sort_href_base : "?";
	struct buf h = BUF_INIT;
	size_t i;

	buf_adds(b, "<nav class=\"sort\" aria-label=\"Order of the cohorts\">"
		 "Sort by:");
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		buf_reset(&h);
		buf_addf(&h, "%ssort=%s#g%d", base, html_sort_name(all[i]),
			 g->id);
		buf_adds(b, " <a");
		add_href(b, h.s);
		if (x->sort == all[i])
			buf_adds(b, " aria-current=\"true\"");
		buf_addf(b, ">%s</a>", text[i]);
	}
	buf_adds(b, "</nav>\n");
	buf_release(&h);
}

void attr_cell(struct buf *b, const cJSON *v)
{
	struct buf raw = BUF_INIT;

	add_scalar_raw(&raw, v);
	if (!v || cJSON_IsNull(v))
		buf_adds(b, "<span class=\"empty\">missing</span>");
	else if (!raw.len)
		buf_adds(b, "<span class=\"empty\">(empty)</span>");
	else
		html_esc_n(b, raw.s, raw.len);
	buf_release(&raw);
}

void add_corrected_mark(struct buf *b)
{
	buf_adds(b, "<abbr class=\"rc\" title=\"a count was 0: the ratio and "
		 "its interval are computed with 0.5 added to every count\">"
		 DAGGER "</abbr>");
}

void na_cell(struct buf *b, const char *cls, const char *reason)
{
	buf_addf(b, "<td class=\"na%s\">", cls);
	if (reason) {
		buf_adds(b, "<b><abbr title=\"");
		html_esc(b, reason);
		buf_adds(b, "\">" EMDASH "</abbr></b>");
	} else {
		buf_adds(b, "<b>" EMDASH "</b>");
	}
	buf_adds(b, "</td>");
}

static void td_open(struct buf *b, const char *cls)
{
	if (*cls)
		buf_addf(b, "<td class=\"%s\">", cls);
	else
		buf_adds(b, "<td>");
}

void p_cell(struct buf *b, bool hit, bool has_pa, double pa, bool has_p,
	    double p, const char *reason)
{
	if (!has_pa && !has_p) {
		na_cell(b, hit ? " hit" : "", reason);
		return;
	}
	td_open(b, hit ? "hit" : "");
	buf_adds(b, "<b>");
	if (has_pa)
		add_p(b, pa);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</b>");
	if (has_p) {
		buf_adds(b, "p ");
		add_p(b, p);
	}
	buf_adds(b, "</td>");
}

/* The table's caption, column groups and two header rows. */
static void cohort_table_head(const struct rctx *x, const struct grp *g,
			      struct buf *b)
{
	size_t nhead = g->nattrs ? g->nattrs : 1;

	buf_addf(b, "<caption id=\"g%d-cap\">Cohorts by ", g->id);
	html_esc(b, g->by_label);
	buf_adds(b, ": size, flags, and per metric the value with its ");
	add_conf(x, b);
	buf_adds(b, "interval, the difference and ratio to the reference "
		 "with intervals, and the adjusted p-value (raw p below)"
		 "</caption>\n");
	buf_addf(b, "<colgroup span=\"%zu\"></colgroup>", nhead + 2);
	for (size_t j = 0; j < g->table.n; j++)
		buf_addf(b, "<colgroup span=\"%d\"></colgroup>",
			 g->wide[j] ? 4 : 1);
	buf_adds(b, "\n<thead>\n<tr>");
	for (size_t a = 0; a < nhead; a++) {
		buf_adds(b, "<th scope=\"col\" rowspan=\"2\">");
		html_esc(b, g->nattrs ? g->attrs[a] : "Cohort");
		buf_adds(b, "</th>");
	}
	buf_adds(b, "<th scope=\"col\" rowspan=\"2\">n</th>"
		 "<th scope=\"col\" rowspan=\"2\" class=\"t\">Flags</th>");
	for (size_t j = 0; j < g->table.n; j++) {
		buf_addf(b, "<th scope=\"colgroup\" colspan=\"%d\">",
			 g->wide[j] ? 4 : 1);
		add_metric(b, g->table.k[j], false);
		buf_adds(b, "</th>");
	}
	buf_adds(b, "</tr>\n<tr>");
	for (size_t j = 0; j < g->table.n; j++)
		buf_adds(b, g->wide[j] ? "<th scope=\"col\" class=\"gs\">Value"
			 "</th><th scope=\"col\">Difference</th>"
			 "<th scope=\"col\">Ratio</th>"
			 "<th scope=\"col\">Adj. p</th>" :
			 "<th scope=\"col\" class=\"gs\">Value</th>");
	buf_adds(b, "</tr>\n</thead>\n");
}

/* The Flags cell: a badge per flagged metric, reference, too small. */
static void cohort_flags_cell(const struct crow *r, struct buf *b)
{
	const cJSON *it;

	buf_adds(b, "<td class=\"fl\">");
	cJSON_ArrayForEach(it, r->flags) {
		const char *dir;

		if (!cJSON_IsString(it))
			continue;
		dir = jstr(jget(r->disparity, it->valuestring), "direction");
		buf_addf(b, "<span class=\"badge flag%s\"%s>",
			 dir && !strcmp(dir, "better") ? " better" : "",
			 dir && !strcmp(dir, "better") ?
			 " title=\"better than the reference\"" : "");
		add_metric(b, it->valuestring, true);
		buf_adds(b, "</span>");
	}
	if (r->ref)
		buf_adds(b, "<span class=\"badge ref\">reference</span>");
	if (r->small) {
		const char *why = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(r->c,
							 "too_small_reason"));

		buf_adds(b, "<span class=\"badge small\"");
		if (why) {
			buf_adds(b, " title=\"");
			html_esc(b, why);
			buf_adds(b, "\"");
		}
		buf_adds(b, ">too small</span>");
	}
	buf_adds(b, "</td>");
}

/*
 * The cells of metric j for cohort r: the value with its interval and, in
 * a wide group, the difference, the ratio and the p-values.
 */
static void cohort_metric_cells(const struct grp *g, const struct crow *r,
				size_t j, struct buf *b)
{
	const char *key = g->table.k[j];
	enum kind k = metric_kind(key);
	struct mval m = mget(r->metrics, key);
	struct dval d = dget(r->disparity, key);
	bool hit = flagged(r->flags, key);
	const char *h = hit ? " hit" : "";
	const char *hc = hit ? "hit" : "";
	const char *gs = g->all_wide ? hc : hit ? "gs hit" : "gs";

	if (m.has) {
		td_open(b, gs);
		buf_adds(b, "<b>");
		add_value(b, k, m.v);
		buf_adds(b, "</b>");
		if (m.has_ci)
			add_range(b, m.lo, m.hi, fmt_value, k);
		buf_adds(b, "</td>");
	} else {
		na_cell(b, g->all_wide ? h : hit ? " gs hit" : " gs", m.reason);
	}
	if (!g->wide[j])
		return;
	if (d.has_d) {
		td_open(b, hc);
		buf_adds(b, "<b>");
		add_diff(b, k, d.d, true);
		buf_adds(b, "</b>");
		if (d.has_dci)
			add_range(b, d.dlo, d.dhi, add_diff, k);
		buf_adds(b, "</td>");
	} else {
		na_cell(b, h, d.reason);
	}
	if (d.has_r) {
		const char *v = jstr(jget(r->disparity, key), "verdict");

		td_open(b, v && !strcmp(v, "within_tolerance") ? "wt" : hc);
		buf_adds(b, "<b>");
		add_fixed(b, d.r, 2, false);
		buf_adds(b, TIMES);
		if (d.corrected)
			add_corrected_mark(b);
		buf_adds(b, "</b>");
		if (d.has_rci)
			add_range(b, d.rlo, d.rhi, fmt_ratio, k);
		buf_adds(b, "</td>");
	} else {
		na_cell(b, h, d.ratio_reason ? d.ratio_reason : d.reason);
	}
	p_cell(b, hit, d.has_pa, d.pa, d.has_p, d.p,
	       d.p_reason ? d.p_reason : d.reason);
}

/* One cohort's row. */
static void cohort_row(const struct grp *g, const struct crow *r,
		       struct buf *b)
{
	size_t nhead = g->nattrs ? g->nattrs : 1;

	buf_adds(b, "<tr");
	if (r->nflags || r->ref || r->small)
		buf_addf(b, " class=\"%s%s%s\"", r->nflags ? "flag " : "",
			 r->ref ? "ref " : "", r->small ? "small" : "");
	buf_addf(b, " data-cohort=\"%zu\">", r->idx);
	for (size_t a = 0; a < nhead; a++) {
		buf_adds(b, "<th scope=\"row\">");
		if (g->nattrs)
			attr_cell(b, jget(r->attrs, g->attrs[a]));
		else
			html_esc(b, r->label);
		buf_adds(b, "</th>");
	}
	buf_adds(b, "<td><b>");
	if (r->has_n)
		add_count(b, r->n);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</b></td>");
	cohort_flags_cell(r, b);
	for (size_t j = 0; j < g->table.n; j++)
		cohort_metric_cells(g, r, j, b);
	buf_adds(b, "</tr>\n");
}

void cohort_table(const struct rctx *x, const struct grp *g,
			 struct buf *b)
{
	size_t nhead = g->nattrs ? g->nattrs : 1;

	/*
	 * Metric groups are 4 columns (value, difference, ratio, p), or just
	 * the value when no cohort has a disparity for the metric.  When all
	 * are 4 wide, class o<k> (groups start at columns c with c % 4 == k)
	 * draws the group borders instead of a class on every cell.
	 */
	buf_addf(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
		 "aria-labelledby=\"g%d-cap\">\n<table class=\"nums", g->id);
	if (g->all_wide)
		buf_addf(b, " o%zu", (nhead + 3) % 4);
	buf_adds(b, "\">\n");
	cohort_table_head(x, g, b);
	buf_adds(b, "<tbody>\n");
	for (size_t i = 0; i < g->nrows; i++)
		cohort_row(g, g->order[i], b);
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

#define MAX_POWER_NOTES 20

/* The number pw holds under the key fmt % unit ("more_%s" ...). */
static bool power_size(const cJSON *pw, const char *fmt, const char *unit,
		       double *out)
{
	char key[64];

	snprintf(key, sizeof(key), fmt, unit);
	return jnum(pw, key, out);
}

void power_notes(const struct rctx *x, const struct grp *g, struct buf *b)
{
	size_t n = 0, shown = 0;
	double alpha = NAN;

	(void)x;
	for (size_t i = 0; i < g->nrows; i++)
		for (size_t j = 0; j < g->table.n; j++) {
			const cJSON *d = jget(g->rows[i].disparity,
					      g->table.k[j]);
			const char *v = jstr(d, "verdict");

			if (v && !strcmp(v, "inconclusive") &&
			    jget(d, "power")) {
				n++;
				if (isnan(alpha))
					jnum(jget(d, "power"), "alpha", &alpha);
			}
		}
	if (!n)
		return;
	buf_addf(b, "<details class=\"power\"><summary>What more data would "
		 "tell: %zu inconclusive comparison%s</summary>\n<p>With 80 %% "
		 "power at the level the family of the summary's claims "
		 "allows each test (", n, n == 1 ? "" : "s");
	if (!isnan(alpha))
		add_p(b, alpha);
	buf_adds(b, ", Bonferroni), each cohort as it is could detect a ratio "
		 "to its reference of:</p>\n<ul>\n");
	for (size_t i = 0; i < g->nrows; i++)
		for (size_t j = 0; j < g->table.n && shown < MAX_POWER_NOTES;
		     j++) {
			const char *key = g->table.k[j];
			const cJSON *d = jget(g->rows[i].disparity, key);
			const cJSON *pw = jget(d, "power");
			const char *v = jstr(d, "verdict");
			const char *unit = jstr(pw, "unit");
			double r, t, more, each;

			if (!v || strcmp(v, "inconclusive") || !pw)
				continue;
			if (!unit)
				unit = "examples";
			shown++;
			buf_adds(b, "<li>");
			add_metric(b, key, false);
			buf_adds(b, " for ");
			html_esc(b, g->rows[i].label);
			buf_adds(b, ": ");
			if (jnum(pw, "detectable_ratio", &r)) {
				add_fixed(b, r, 2, false);
				buf_adds(b, TIMES);
			} else {
				buf_adds(b, "no ratio");
			}
			if (jnum(pw, "target_ratio", &t)) {
				buf_adds(b, "; to detect ");
				add_fixed(b, t, 2, false);
				buf_adds(b, TIMES ", ");
				if (power_size(pw, "more_%s", unit, &more) &&
				    more <= 0) {
					buf_adds(b, "this cohort is large enough "
						 "already");
				} else if (power_size(pw, "more_%s", unit,
						      &more)) {
					add_count(b, more);
					buf_addf(b, " more %s in this cohort",
						 unit);
				} else if (power_size(pw, "%s_each_for_tolerance",
						      unit, &each)) {
					buf_adds(b, "about ");
					add_count(b, each);
					buf_addf(b, " %s in it and in the "
						 "reference alike", unit);
				} else {
					buf_adds(b, "no size would do");
				}
			}
			if (jnum(pw, "design_effect", &each)) {
				buf_adds(b, " (design effect ");
				add_fixed(b, each, 2, false);
				buf_addf(b, ": words of one %s are alike)",
					 strcmp(unit, "speakers") ? "utterance" :
					 "speaker");
			}
			buf_adds(b, "</li>\n");
		}
	buf_adds(b, "</ul>\n");
	if (n > shown)
		buf_addf(b, "<p>and %zu more in the JSON.</p>\n", n - shown);
	buf_adds(b, "</details>\n");
}

void report_legend(const struct rctx *x, struct buf *b)
{
	buf_adds(b, "<ul class=\"legend\" aria-label=\"Legend\"><li>");
	swatch(b, "");
	buf_adds(b, "cohort</li><li>");
	swatch(b, "flag");
	buf_adds(b, "flagged: disparity beyond the tolerance and "
		 "significant</li><li>");
	swatch(b, "ref");
	buf_adds(b, "reference cohort (dashed line in charts)</li><li>"
		 "<span class=\"sw-wt\" aria-hidden=\"true\"></span>ratio "
		 "shown within the tolerance (equivalence test); other "
		 "unflagged ratios are inconclusive</li><li>"
		 DAGGER " a count was 0: ratio computed with 0.5 added to every "
		 "count</li><li>");
	swatch(b, "small");
	buf_adds(b, "too small");
	if (x->has_min) {
		buf_adds(b, " (n &lt; ");
		add_count(b, x->min_size);
		buf_addch(b, ')');
	}
	buf_adds(b, ", never flagged</li><li>");
	buf_adds(b, "<svg width=\"18\" height=\"10\" aria-hidden=\"true\">"
		 "<path d=\"M1 5H17M1 2V8M17 2V8\" stroke=\"#1b1f24\" "
		 "stroke-width=\"1.2\" fill=\"none\"/></svg>");
	add_conf(x, b);
	buf_adds(b, "confidence interval</li></ul>\n");
}
