/*
 * html_compare.c - the comparison of two evaluations of the same data:
 * both sides, the paired differences per cohort and metric, and a chart of
 * the changes.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- public: comparison ---- */

static void cmp_side(struct buf *b, const cJSON *side, const char *dflt)
{
	const char *label = jstr(side, "label");
	const char *href = jstr(side, "href");

	if (href) {
		buf_adds(b, "<a");
		add_href(b, href);
		buf_addch(b, '>');
	}
	html_esc(b, label ? label : dflt);
	if (href)
		buf_adds(b, "</a>");
}

struct ccell {
	struct mval a, b;
	bool has_d, has_ci, has_p, has_pa;
	bool has_sig, sig;	/* "significant": adjusted p below 1 - conf */
	double d, lo, hi, p, pa;
};

static struct ccell cmp_cell(const cJSON *cohort, const char *key)
{
	const cJSON *m = jget(jget(cohort, "metrics"), key);
	const cJSON *ch = jget(m, "change");
	struct ccell c;

	memset(&c, 0, sizeof(c));
	c.a = mget(m, "a");
	c.b = mget(m, "b");
	c.has_d = jnum(ch, "difference", &c.d);
	c.has_ci = c.has_d && jnum(ch, "diff_low", &c.lo) &&
		   jnum(ch, "diff_high", &c.hi);
	c.has_p = jnum(ch, "p_value", &c.p);
	c.has_pa = jnum(ch, "p_adjusted", &c.pa);
	c.has_sig = cJSON_IsBool(jget(ch, "significant"));
	c.sig = cJSON_IsTrue(jget(ch, "significant"));
	return c;
}

/* Whether the (unadjusted) interval of the change excludes zero. */
static bool cmp_excludes_zero(const struct ccell *c)
{
	return c->has_ci && (c->lo > 0 || c->hi < 0);
}

/*
 * A change to highlight: significant after adjustment for every cohort and
 * metric compared; comparisons from before "significant" existed fall
 * back to the interval.
 */
static bool cmp_changed(const struct ccell *c)
{
	if (c->has_sig)
		return c->sig && cmp_excludes_zero(c);
	return cmp_excludes_zero(c);
}

static void cmp_value_cell(struct buf *b, const struct mval *m, enum kind k,
			   const char *cls)
{
	if (!m->has) {
		na_cell(b, cls, m->reason);
		return;
	}
	buf_addf(b, "<td class=\"%s\"><b>", cls);
	add_value(b, k, m->v);
	buf_adds(b, "</b>");
	if (m->has_ci)
		add_range(b, m->lo, m->hi, fmt_value, k);
	buf_adds(b, "</td>");
}

static void cmp_chart(const struct grp *g, const char *key, struct buf *b)
{
	const double W = 520, LW = 170, RW = 12, TOP = 40, BOT = 8;
	const double rh = row_height(g->nrows);
	enum kind k = metric_kind(key);
	struct axis a;
	double lo = INFINITY, hi = -INFINITY, H;
	size_t i, j;

	for (i = 0; i < g->nrows; i++) {
		struct ccell c = cmp_cell(g->rows[i].c, key);
		const struct mval *ms[2] = { &c.a, &c.b };

		for (j = 0; j < 2; j++) {
			if (!ms[j]->has)
				continue;
			lo = fmin(lo, ms[j]->has_ci ? ms[j]->lo : ms[j]->v);
			hi = fmax(hi, ms[j]->has_ci ? ms[j]->hi : ms[j]->v);
		}
	}
	if (!(lo <= hi)) {
		lo = 0;
		hi = 1;
	}
	if (k == K_RATE || k == K_COUNT)
		lo = fmin(lo, 0);
	ax_setup(&a, lo, hi, LW, W - RW);
	H = TOP + (double)g->nrows * rh + BOT;
	buf_adds(b, "<figure class=\"chart\" data-metric=\"");
	html_esc(b, key);
	buf_adds(b, "\"><figcaption id=\"cmp-c-");
	html_esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, " by ");
	html_esc(b, g->by_label);
	buf_addf(b, ": A and B</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
		 "width=\"%.0f\" height=\"%.0f\" role=\"group\" "
		 "aria-labelledby=\"cmp-c-", W, H, W, H);
	html_esc(b, key);
	buf_adds(b, "\">");
	ax_draw(b, &a, TOP - 4, H - BOT + 2);
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = &g->rows[i];
		struct ccell c = cmp_cell(r->c, key);
		double yc = TOP + (double)i * rh + rh / 2, s = rh * 0.22 + 1;

		buf_addf(b, "<g class=\"m%s\" data-cohort=\"%zu\"><title>",
			 cmp_changed(&c) ? " flag" : "", r->idx);
		html_esc(b, r->shortl);
		buf_adds(b, ": A ");
		if (c.a.has)
			add_value(b, k, c.a.v);
		else
			buf_adds(b, "undefined");
		buf_adds(b, ", B ");
		if (c.b.has)
			add_value(b, k, c.b.v);
		else
			buf_adds(b, "undefined");
		if (c.has_d) {
			buf_adds(b, ", change ");
			add_diff(b, k, c.d, true);
		}
		buf_adds(b, "</title>");
		buf_addf(b, "<text class=\"l\" x=\"%.0f\" y=\"%.1f\">",
			 LW - 6, yc);
		add_chart_label(b, g, r);
		buf_adds(b, "</text>");
		if (c.a.has && c.b.has)
			buf_addf(b, "<path class=\"ln\" d=\"M%.1f %.1fH%.1f\"/>",
				 ax_x(&a, c.a.v), yc, ax_x(&a, c.b.v));
		if (c.a.has)
			buf_addf(b, "<circle class=\"a\" cx=\"%.1f\" "
				 "cy=\"%.1f\" r=\"%.1f\"/>", ax_x(&a, c.a.v),
				 yc, s + 0.5);
		if (c.b.has)
			buf_addf(b, "<rect class=\"b\" x=\"%.1f\" y=\"%.1f\" "
				 "width=\"%.1f\" height=\"%.1f\"/>",
				 ax_x(&a, c.b.v) - s, yc - s, 2 * s, 2 * s);
		buf_adds(b, "</g>\n");
	}
	buf_adds(b, "</svg></figure>\n");
}

/* The page's header: both sides, the dataset, the grouping. */
static void cmp_header(struct buf *out, const cJSON *cmp, const struct grp *g)
{
	const cJSON *ds = jget(cmp, "dataset");

	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit " MIDDOT
		 " model comparison</p>\n<h1>");
	cmp_side(out, jget(cmp, "a"), "A");
	buf_adds(out, " <span class=\"sub\">" ARROW "</span> ");
	cmp_side(out, jget(cmp, "b"), "B");
	buf_adds(out, "</h1>\n<p class=\"meta\">Dataset ");
	if (jstr(ds, "name"))
		html_esc(out, jstr(ds, "name"));
	if (jstr(ds, "id")) {
		buf_adds(out, " <code>");
		html_esc(out, jstr(ds, "id"));
		buf_adds(out, "</code>");
	}
	if (!jstr(ds, "name") && !jstr(ds, "id"))
		buf_adds(out, EMDASH);
	buf_adds(out, " " MIDDOT " by ");
	html_esc(out, g->by_label);
	buf_addf(out, " " MIDDOT " %zu cohort%s " MIDDOT " change = B "
		 MINUS " A</p>\n</header>\n", g->nrows,
		 g->nrows == 1 ? "" : "s");
}

/* One summary line: metric key of cohort r changed by cc. */
static void cmp_summary_item(struct buf *out, struct rctx *x,
			     const struct crow *r, const char *key,
			     const struct ccell *cc)
{
	enum kind k = metric_kind(key);

	buf_adds(out, "<li>");
	add_metric(out, key, false);
	buf_adds(out, " for ");
	html_esc(out, r->label);
	buf_adds(out, " changed by ");
	add_diff(out, k, cc->d, true);
	buf_adds(out, " (");
	add_conf(x, out);
	buf_adds(out, "CI ");
	add_range(out, cc->lo, cc->hi, add_diff, k);
	buf_addch(out, ')');
	if (cc->a.has && cc->b.has) {
		buf_adds(out, ", from ");
		add_value(out, k, cc->a.v);
		buf_adds(out, " to ");
		add_value(out, k, cc->b.v);
	}
	buf_adds(out, ".</li>\n");
}

/*
 * The summary: the changes significant after adjustment (at most
 * MAX_FINDINGS of them listed), and how many more only look like changes
 * because their unadjusted interval excludes zero.  A comparison without
 * "significant" (made before it existed) speaks of intervals, as then.
 */
static void cmp_summary(struct buf *out, struct rctx *x, const struct grp *g,
			const struct keys *ks)
{
	size_t i, j, nchg = 0, shown = 0, nzero = 0, ntested = 0;
	bool adjusted = false;

	for (j = 0; j < ks->n; j++)
		for (i = 0; i < g->nrows; i++) {
			struct ccell cc = cmp_cell(g->rows[i].c, ks->k[j]);

			nchg += cmp_changed(&cc);
			nzero += cmp_excludes_zero(&cc);
			ntested += cc.has_sig;
			adjusted |= cc.has_sig;
		}
	buf_addf(out, "<section class=\"summary%s\" id=\"summary\" "
		 "aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary"
		 "</h2>\n", nchg ? "" : adjusted ? " unsure" : " ok");
	if (!nchg && !adjusted) {
		buf_adds(out, "<p class=\"lead\">No change whose ");
		add_conf(x, out);
		buf_adds(out, "interval excludes zero.</p>\n</section>\n");
		return;
	}
	if (!nchg) {
		buf_addf(out, "<p class=\"lead\">No change is significant after "
			 "adjustment for the %zu cohort and metric comparisons "
			 "made.</p>\n", ntested);
	} else {
		buf_addf(out, "<p class=\"lead\">%zu change%s %s.</p>\n<ul>\n",
			 nchg, nchg == 1 ? "" : "s", adjusted ?
			 "significant after adjustment" :
			 "with an interval excluding zero");
		for (j = 0; j < ks->n; j++)
			for (i = 0; i < g->nrows && shown < MAX_FINDINGS; i++) {
				struct ccell cc = cmp_cell(g->rows[i].c,
							   ks->k[j]);

				if (!cmp_changed(&cc))
					continue;
				shown++;
				cmp_summary_item(out, x, &g->rows[i], ks->k[j],
						 &cc);
			}
		buf_adds(out, "</ul>\n");
		if (nchg > shown)
			buf_addf(out, "<p>and %zu more, in the tables below."
				 "</p>\n", nchg - shown);
	}
	if (adjusted && nzero > nchg)
		buf_addf(out, "<p>%zu more change%s %s an unadjusted interval "
			 "excluding zero but %s not significant after "
			 "adjustment: with %zu comparisons some are expected by "
			 "chance.</p>\n", nzero - nchg,
			 nzero - nchg == 1 ? "" : "s",
			 nzero - nchg == 1 ? "has" : "have",
			 nzero - nchg == 1 ? "is" : "are", ntested);
	buf_adds(out, "</section>\n");
}

/* A count cell: n_a or n_b of a cohort, or a dash. */
static void cmp_count_cell(struct buf *out, const cJSON *c, const char *key)
{
	double n;

	buf_adds(out, "<td><b>");
	if (jnum(c, key, &n))
		add_count(out, n);
	else
		buf_adds(out, EMDASH);
	buf_adds(out, "</b></td>");
}

/* One cohort's row of a metric's table. */
static void cmp_row(struct buf *out, const struct grp *g, const struct crow *r,
		    const char *key)
{
	struct ccell cc = cmp_cell(r->c, key);
	enum kind k = metric_kind(key);
	size_t nhead = g->nattrs ? g->nattrs : 1;

	buf_addf(out, "<tr class=\"%s%s\" data-cohort=\"%zu\">",
		 cmp_changed(&cc) ? "flag " : "", r->small ? "small" : "",
		 r->idx);
	for (size_t q = 0; q < nhead; q++) {
		buf_adds(out, "<th scope=\"row\">");
		if (g->nattrs)
			attr_cell(out, jget(r->attrs, g->attrs[q]));
		else
			html_esc(out, r->label);
		buf_adds(out, "</th>");
	}
	cmp_count_cell(out, r->c, "n_a");
	cmp_count_cell(out, r->c, "n_b");
	cmp_value_cell(out, &cc.a, k, "gs");
	cmp_value_cell(out, &cc.b, k, "");
	if (cc.has_d) {
		buf_addf(out, "<td class=\"gs%s\"><b>",
			 cmp_changed(&cc) ? " hit" : "");
		add_diff(out, k, cc.d, true);
		buf_adds(out, "</b>");
		if (cc.has_ci)
			add_range(out, cc.lo, cc.hi, add_diff, k);
		buf_adds(out, "</td>");
	} else {
		na_cell(out, " gs", NULL);
	}
	p_cell(out, false, cc.has_pa, cc.pa, cc.has_p, cc.p, NULL);
	buf_adds(out, "</tr>\n");
}

/* The table of metric key (section number j + 1) over all cohorts. */
static void cmp_table(struct buf *out, struct rctx *x, const struct grp *g,
		      const cJSON *cmp, const char *key, size_t j)
{
	size_t nhead = g->nattrs ? g->nattrs : 1;

	buf_addf(out, "<div class=\"table-wrap\" role=\"region\""
		 " tabindex=\"0\" aria-labelledby=\"m%zu-cap\">\n"
		 "<table class=\"nums\">\n<caption id=\"m%zu-cap\">",
		 j + 1, j + 1);
	add_metric(out, key, false);
	buf_adds(out, " by ");
	html_esc(out, g->by_label);
	buf_adds(out, " for A and B with ");
	add_conf(x, out);
	buf_adds(out, "intervals, and the change B " MINUS " A"
		 "</caption>\n<thead><tr>");
	for (size_t q = 0; q < nhead; q++) {
		buf_adds(out, "<th scope=\"col\">");
		html_esc(out, g->nattrs ? g->attrs[q] : "Cohort");
		buf_adds(out, "</th>");
	}
	buf_adds(out, "<th scope=\"col\">n A</th><th scope=\"col\">"
		 "n B</th><th scope=\"col\" class=\"gs\">");
	cmp_side(out, jget(cmp, "a"), "A");
	buf_adds(out, "</th><th scope=\"col\">");
	cmp_side(out, jget(cmp, "b"), "B");
	buf_adds(out, "</th><th scope=\"col\" class=\"gs\">Change</th>"
		 "<th scope=\"col\">Adj. p</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < g->nrows; i++)
		cmp_row(out, g, &g->rows[i], key);
	buf_adds(out, "</tbody>\n</table>\n</div>\n");
}

/* The legend under a metric's table: A, B and a change. */
static void cmp_legend(struct buf *out, const cJSON *cmp)
{
	buf_adds(out, "<ul class=\"legend\" aria-label=\"Legend\"><li>"
		 "<svg width=\"12\" height=\"12\" aria-hidden=\"true\">"
		 "<circle class=\"sw a\" cx=\"6\" cy=\"6\" r=\"5\"/>"
		 "</svg>");
	cmp_side(out, jget(cmp, "a"), "A");
	buf_adds(out, "</li><li><svg width=\"12\" height=\"12\" "
		 "aria-hidden=\"true\"><rect class=\"sw b\" x=\"1\" "
		 "y=\"1\" width=\"10\" height=\"10\"/></svg>");
	cmp_side(out, jget(cmp, "b"), "B");
	buf_adds(out, "</li><li>");
	swatch(out, "flag");
	buf_adds(out, "<svg width=\"18\" height=\"10\" aria-hidden="
		 "\"true\"><path d=\"M1 5H17\" stroke=\"#1b1f24\" "
		 "stroke-width=\"3\"/></svg>change significant after "
		 "adjustment (adjusted p below 1 " MINUS " confidence)</li>"
		 "</ul>\n");
}

/* The metrics to show: the comparison's list, else every cohort's. */
static void cmp_keys(const cJSON *cmp, const struct grp *g, struct keys *ks)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, jget(cmp, "metrics"))
		if (cJSON_IsString(it))
			keys_add(ks, it->valuestring);
	if (!ks->n)
		for (size_t i = 0; i < g->nrows; i++)
			cJSON_ArrayForEach(it, g->rows[i].metrics)
				keys_add(ks, it->string);
}

int html_render_comparison(struct buf *out, const cJSON *cmp,
			   struct buf *err)
{
	const char *la, *lb;
	struct rctx x;
	struct grp g;
	struct keys ks = { NULL, 0, 0 };
	struct buf t = BUF_INIT;

	if (!cJSON_IsObject(cmp)) {
		buf_adds(err, "cannot render a comparison: the input is not a "
			 "JSON object");
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.eval = cmp;
	x.sort = HTML_SORT_NAME;
	x.task = TK_MULTI;
	x.has_conf = jnum(cmp, "confidence", &x.conf);
	la = jstr(jget(cmp, "a"), "label") ? jstr(jget(cmp, "a"), "label") : "A";
	lb = jstr(jget(cmp, "b"), "label") ? jstr(jget(cmp, "b"), "label") : "B";
	grp_build(&x, &g, cmp, 1);
	/* keep the cohorts in the caller's order */
	for (size_t i = 0; i < g.nrows; i++)
		g.order[i] = &g.rows[i];
	cmp_keys(cmp, &g, &ks);

	if (jstr(cmp, "title"))
		buf_adds(&t, jstr(cmp, "title"));
	else
		buf_addf(&t, "Comparison: %s and %s", la, lb);
	page_begin(out, t.s);
	cmp_header(out, cmp, &g);
	cmp_summary(out, &x, &g, &ks);
	for (size_t j = 0; j < ks.n; j++) {
		buf_addf(out, "<section class=\"grouping\" id=\"m%zu\" "
			 "aria-labelledby=\"m%zu-h\">\n<h2 id=\"m%zu-h\">",
			 j + 1, j + 1, j + 1);
		add_metric(out, ks.k[j], false);
		buf_adds(out, "</h2>\n");
		cmp_table(out, &x, &g, cmp, ks.k[j], j);
		cmp_legend(out, cmp);
		buf_adds(out, "<div class=\"charts\">\n");
		cmp_chart(&g, ks.k[j], out);
		buf_adds(out, "</div>\n</section>\n");
	}
	page_end(out);
	grp_release(&g);
	keys_release(&ks);
	buf_release(&t);
	return finish(out, err, "comparison");
}
