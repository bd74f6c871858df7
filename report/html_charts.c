/*
 * html_charts.c - the inline SVG charts of a grouping: bars with
 * intervals against the reference, the intersection heatmap and the
 * substitution/deletion/insertion split of WER.
 *
 * Charts have a viewBox and are coloured by the page's CSS classes rather
 * than per-element attributes, which keeps a 500-cohort page under a
 * megabyte.  Shared paint servers (the hatch of too-small cohorts) live in
 * one zero-size <svg> at the top of the body (html_page.c).
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- report: charts ---- */

/* Okabe-Ito colours used where CSS cannot reach (computed fills). */
static const int col_blue[3] = { 0x00, 0x72, 0xb2 };
static const int col_verm[3] = { 0xd5, 0x5e, 0x00 };

/* A "nice" axis [*lo, *hi] with tick step *step covering [lo, hi]. */
static void nice_axis(double lo, double hi, double *dlo, double *dhi,
		      double *step)
{
	double raw, mag, f;

	if (!(hi > lo))
		hi = lo + 1;
	raw = (hi - lo) / 4;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	if (f <= 1)
		f = 1;
	else if (f <= 2)
		f = 2;
	else if (f <= 2.5)
		f = 2.5;
	else if (f <= 5)
		f = 5;
	else
		f = 10;
	*step = f * mag;
	*dlo = floor(lo / *step + 1e-9) * *step;
	*dhi = ceil(hi / *step - 1e-9) * *step;
}

static int step_decimals(double step)
{
	int d = 0;

	while (d < 8 && fabs(step - floor(step + 0.5)) > 1e-6 * step) {
		step *= 10;
		d++;
	}
	return d;
}


double ax_x(const struct axis *a, double v)
{
	return a->x0 + (v - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);
}

/* Gridlines and tick labels above the plot, from y0 to y1. */
void ax_draw(struct buf *b, const struct axis *a, double y0,
		    double y1)
{
	double t;
	int i;

	buf_adds(b, "<path class=\"grid\" d=\"");
	for (i = 0, t = a->lo; t <= a->hi + a->step * 1e-6 && i < 40;
	     i++, t = a->lo + i * a->step)
		buf_addf(b, "M%.1f %.0fV%.0f", ax_x(a, t), y0, y1);
	buf_adds(b, "\"/>");
	if (a->lo < 0 && a->hi > 0)
		buf_addf(b, "<path class=\"zero\" d=\"M%.1f %.0fV%.0f\"/>",
			 ax_x(a, 0), y0, y1);
	for (i = 0, t = a->lo; t <= a->hi + a->step * 1e-6 && i < 40;
	     i++, t = a->lo + i * a->step) {
		buf_addf(b, "<text class=\"tk\" x=\"%.1f\" y=\"%.0f\">",
			 ax_x(a, t), y0 - 9);
		add_fixed(b, t, a->dec, false);
		buf_adds(b, "</text>");
	}
}

void ax_setup(struct axis *a, double lo, double hi, double x0,
		     double x1)
{
	nice_axis(lo, hi, &a->lo, &a->hi, &a->step);
	a->dec = step_decimals(a->step);
	a->x0 = x0;
	a->x1 = x1;
}

/* Row height of a chart with n rows: roomy for few, dense for many. */
double row_height(size_t n)
{
	return n <= 40 ? 22 : n <= DENSE_ROWS ? 16 : 8;
}

/*
 * The short label of a cohort in a chart, at most about LABEL_CHARS code
 * points: each attribute value is cut on its own, so intersections that
 * share a long first value stay distinguishable.
 */
void add_chart_label(struct buf *b, const struct grp *g,
			    const struct crow *r)
{
	struct buf v = BUF_INIT;
	size_t i, per;

	if (g->nattrs < 2) {
		esc_trunc(b, r->shortl, LABEL_CHARS);
		return;
	}
	per = LABEL_CHARS / g->nattrs;
	if (per < 6)
		per = 6;
	for (i = 0; i < g->nattrs; i++) {
		buf_reset(&v);
		add_scalar_raw(&v, jget(r->attrs, g->attrs[i]));
		if (i)
			buf_adds(b, " " MIDDOT " ");
		esc_trunc(b, v.s, per);
	}
	buf_release(&v);
}

/*
 * Open the <g> of one chart mark.  data-cohort is the cohort's index in
 * the grouping's "cohorts" array; the <title> starts with the short label
 * (the chart's caption names the attributes).
 */
static void mark_open(struct buf *b, const struct crow *r, const char *cls,
		      const char *key)
{
	buf_addf(b, "<g class=\"m%s%s%s%s\" data-cohort=\"%zu\"><title>", cls,
		 key && flagged(r->flags, key) ? " flag" : "",
		 r->ref ? " ref" : "", r->small ? " small" : "", r->idx);
	html_esc(b, r->shortl);
	buf_adds(b, ": ");
}

static void mark_title_end(struct buf *b, const struct crow *r,
			   const char *key)
{
	if (key && flagged(r->flags, key))
		buf_adds(b, "; flagged");
	if (r->ref)
		buf_adds(b, "; reference");
	if (r->small)
		buf_adds(b, "; too small");
	buf_adds(b, "</title>");
}

/*
 * A horizontal bar per cohort with its interval as a whisker and the
 * reference cohort's value as a dashed line.  Dense groupings (more than
 * DENSE_ROWS cohorts) get thin rows without label and value text: the
 * table gives the same order, and each mark's <title> names its cohort.
 */
void chart_bars(const struct rctx *x, const struct grp *g,
		       const char *key, struct buf *b)
{
	const bool dense = g->nrows > DENSE_ROWS;
	const double W = 520, LW = dense ? 12 : 170, TOP = 40, BOT = 8;
	const double RW = dense ? 12 : 56;
	const double rh = row_height(g->nrows), bh = dense ? 5 : rh * 0.58;
	enum kind k = metric_kind(key);
	struct mval rv;
	struct axis a;
	double lo = 0, hi = 0, H;
	size_t i;

	memset(&rv, 0, sizeof(rv));
	for (i = 0; i < g->nrows; i++) {
		struct mval m = mget(g->rows[i].metrics, key);

		if (!m.has)
			continue;
		lo = fmin(lo, m.has_ci ? fmin(m.v, m.lo) : m.v);
		hi = fmax(hi, m.has_ci ? fmax(m.v, m.hi) : m.v);
	}
	if (g->ref)
		rv = mget(g->ref->metrics, key);
	ax_setup(&a, lo, hi, LW, W - RW);
	H = TOP + (double)g->nrows * rh + BOT;

	buf_adds(b, "<figure class=\"chart\" data-metric=\"");
	html_esc(b, key);
	buf_addf(b, "\"><figcaption id=\"g%d-c-", g->id);
	html_esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, " by ");
	html_esc(b, g->by_label);
	buf_addf(b, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
		 "width=\"%.0f\" height=\"%.0f\" role=\"group\" "
		 "aria-labelledby=\"g%d-c-", W, H, W, H, g->id);
	html_esc(b, key);
	buf_adds(b, "\">");
	ax_draw(b, &a, TOP - 4, H - BOT + 2);
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = g->order[i];
		struct mval m = mget(r->metrics, key);
		double yc = TOP + (double)i * rh + rh / 2;

		mark_open(b, r, m.has ? "" : " na", key);
		if (m.has) {
			add_value(b, k, m.v);
			if (m.has_ci) {
				buf_adds(b, " (");
				if (!dense) {
					add_conf(x, b);
					buf_adds(b, "CI ");
				}
				add_range(b, m.lo, m.hi, fmt_value, k);
				buf_addch(b, ')');
			}
		} else {
			buf_adds(b, "undefined");
			if (m.reason) {
				buf_adds(b, " (");
				html_esc(b, m.reason);
				buf_addch(b, ')');
			}
		}
		mark_title_end(b, r, key);
		if (!dense) {
			buf_addf(b, "<text class=\"l\" x=\"%.0f\" y=\"%.1f\">",
				 LW - 6, yc);
			add_chart_label(b, g, r);
			buf_adds(b, "</text>");
		}
		if (m.has) {
			double x0 = ax_x(&a, fmin(0, m.v));
			double x1 = ax_x(&a, fmax(0, m.v));

			if (dense)
				buf_addf(b, "<path class=\"br\" d=\"M%.1f %.0f"
					 "H%.1f\"/>", x0, yc, fmax(x1, x0 + 0.8));
			else
				buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" "
					 "width=\"%.1f\" height=\"%.1f\"/>", x0,
					 yc - bh / 2, fmax(x1 - x0, 0.8), bh);
			if (m.has_ci && dense) {
				buf_addf(b, "<path d=\"M%.1f %.0fH%.1f\"/>",
					 ax_x(&a, m.lo), yc, ax_x(&a, m.hi));
			} else if (m.has_ci) {
				double xl = ax_x(&a, m.lo);
				double xh = ax_x(&a, m.hi);
				double c = bh / 2 + 1;

				buf_addf(b, "<path d=\"M%.1f %.1fH%.1f"
					 "M%.1f %.1fv%.1fM%.1f %.1fv%.1f\"/>",
					 xl, yc, xh, xl, yc - c, 2 * c, xh,
					 yc - c, 2 * c);
			}
			if (!dense) {
				buf_addf(b, "<text class=\"v\" x=\"%.0f\" "
					 "y=\"%.1f\">", W - 2, yc);
				add_value(b, k, m.v);
				buf_adds(b, "</text>");
			}
		} else if (!dense) {
			buf_addf(b, "<text class=\"v\" x=\"%.0f\" y=\"%.1f\">"
				 "undefined</text>", LW + 4, yc);
		}
		buf_adds(b, "</g>\n");
	}
	if (rv.has) {
		double xr = ax_x(&a, rv.v);

		buf_addf(b, "<path class=\"refl\" d=\"M%.1f %.0fV%.0f\"/>"
			 "<text class=\"reft\" x=\"%.1f\" y=\"%.0f\">"
			 "reference ", xr, TOP - 8, H - BOT + 2, xr, 9.0);
		add_value(b, k, rv.v);
		buf_adds(b, "</text>");
	}
	buf_adds(b, "</svg></figure>\n");
}

/*
 * The fill of a heatmap cell for a ratio to the reference: white at 1,
 * blue below, vermillion above, saturating at 0.5 and 2.  *dark is set
 * when the fill needs white text.
 */
static void heat_fill(double ratio, char out[8], bool *dark)
{
	double t = log2(ratio), a;
	const int *c;
	int rgb[3], i;

	if (t > 1)
		t = 1;
	if (t < -1)
		t = -1;
	a = fabs(t) * 0.92;
	c = t < 0 ? col_blue : col_verm;
	for (i = 0; i < 3; i++)
		rgb[i] = (int)floor(255 + (c[i] - 255) * a + 0.5);
	snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
	*dark = a > 0.55;
}

/* Distinct values of attribute name over the grouping, in JSON order. */
static void heat_axis(const struct grp *g, const char *name,
		      struct strmap *m, uint32_t *codes)
{
	struct buf v = BUF_INIT;
	size_t i;

	for (i = 0; i < g->nrows; i++) {
		buf_reset(&v);
		add_scalar_raw(&v, jget(g->rows[i].attrs, name));
		codes[i] = strmap_intern(m, v.s, v.len, NULL);
	}
	buf_release(&v);
}

void chart_heat(const struct grp *g, const char *key, struct buf *b)
{
	const double CW = 54, CH = 26, LW = 150, TH = 86, LEG = 44;
	struct strmap rows, cols;
	uint32_t *rc, *cc;
	const struct crow **cell;
	enum kind k = metric_kind(key);
	struct mval rv;
	double W, H;
	size_t i, nr, nc;
	char fill[8];
	bool dark;

	strmap_init(&rows);
	strmap_init(&cols);
	rc = xcalloc(g->nrows + 1, sizeof(*rc));
	cc = xcalloc(g->nrows + 1, sizeof(*cc));
	heat_axis(g, g->attrs[0], &rows, rc);
	heat_axis(g, g->attrs[1], &cols, cc);
	nr = rows.n;
	nc = cols.n;
	if (!nr || !nc || nr * nc > MAX_HEAT_CELLS) {
		buf_addf(b, "<p class=\"gmeta\">No heatmap: %zu " TIMES " %zu "
			 "combinations are more than %d.</p>\n", nr, nc,
			 MAX_HEAT_CELLS);
		goto out;
	}
	cell = xcalloc(nr * nc, sizeof(*cell));
	for (i = 0; i < g->nrows; i++)
		if (!cell[rc[i] * nc + cc[i]])
			cell[rc[i] * nc + cc[i]] = &g->rows[i];
	memset(&rv, 0, sizeof(rv));
	if (g->ref)
		rv = mget(g->ref->metrics, key);
	/* room on the right for the last rotated column label and the legend */
	W = fmax(LW + (double)nc * CW + 90, LW + 180 + 170);
	H = TH + (double)nr * CH + LEG;

	/* a heatmap wider than a grid column spans the whole row */
	buf_addf(b, "<figure class=\"heat%s\" data-metric=\"",
		 W > 540 ? " wide" : "");
	html_esc(b, key);
	buf_addf(b, "\"><figcaption id=\"g%d-h-", g->id);
	html_esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, ": ");
	html_esc(b, g->attrs[0]);
	buf_adds(b, " " TIMES " ");
	html_esc(b, g->attrs[1]);
	buf_adds(b, ", coloured by the ratio to the reference</figcaption>"
		 "<div class=\"scroll\">");
	buf_addf(b, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
		 "height=\"%.0f\" role=\"group\" aria-labelledby=\"g%d-h-",
		 W, H, W, H, g->id);
	html_esc(b, key);
	buf_adds(b, "\">");
	for (i = 0; i < nc; i++) {
		buf_addf(b, "<text class=\"cl\" transform=\"translate(%.0f "
			 "%.0f) rotate(-40)\">", LW + (double)i * CW + CW / 2,
			 TH - 8);
		esc_trunc(b, strmap_str(&cols, (uint32_t)i), 16);
		buf_adds(b, "</text>");
	}
	for (i = 0; i < nr; i++) {
		buf_addf(b, "<text class=\"l\" x=\"%.0f\" y=\"%.0f\">", LW - 6,
			 TH + (double)i * CH + CH / 2);
		esc_trunc(b, strmap_str(&rows, (uint32_t)i), 22);
		buf_adds(b, "</text>");
	}
	for (i = 0; i < nr * nc; i++) {
		const struct crow *r = cell[i];
		double cx = LW + (double)(i % nc) * CW;
		double cy = TH + (double)(i / nc) * CH;
		struct mval m;
		struct dval d;
		double ratio = 0;

		if (!r) {
			buf_addf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\""
				 " height=\"%.0f\" fill=\"#f4f6f8\"/>", cx + 1,
				 cy + 1, CW - 2, CH - 2);
			continue;
		}
		m = mget(r->metrics, key);
		d = dget(r->disparity, key);
		if (d.has_r)
			ratio = d.r;
		else if (m.has && rv.has && rv.v > 0)
			ratio = m.v / rv.v;
		dark = false;
		if (ratio > 0)
			heat_fill(ratio, fill, &dark);
		else
			snprintf(fill, sizeof(fill), "#e9ecef");
		buf_addf(b, "<g class=\"hc%s%s%s\" data-cohort=\"%zu\"><title>",
			 flagged(r->flags, key) ? " flag" : "",
			 r->ref ? " ref" : "", r->small ? " small" : "", r->idx);
		html_esc(b, r->shortl);
		buf_adds(b, ": ");
		if (m.has)
			add_value(b, k, m.v);
		else
			buf_adds(b, "undefined");
		if (ratio > 0) {
			buf_adds(b, ", ");
			add_fixed(b, ratio, 2, false);
			buf_adds(b, TIMES " the reference");
		}
		mark_title_end(b, r, key);
		buf_addf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
			 "height=\"%.0f\" fill=\"%s\"/>", cx + 1, cy + 1,
			 CW - 2, CH - 2, fill);
		if (r->small)
			buf_addf(b, "<rect class=\"ht\" x=\"%.0f\" y=\"%.0f\" "
				 "width=\"%.0f\" height=\"%.0f\"/>", cx + 1,
				 cy + 1, CW - 2, CH - 2);
		buf_addf(b, "<text%s x=\"%.0f\" y=\"%.0f\">",
			 dark && !r->small ? " class=\"dk\"" : "", cx + CW / 2,
			 cy + CH / 2);
		if (m.has)
			add_value(b, k, m.v);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</text></g>\n");
	}
	/* legend: the colour ramp from 0.5x to 2x */
	{
		double ly = TH + (double)nr * CH + 14, lx = LW, lw = 180;
		char lo[8], hi[8];

		heat_fill(0.5, lo, &dark);
		heat_fill(2, hi, &dark);
		buf_addf(b, "<defs><linearGradient id=\"g%d-h-", g->id);
		html_esc(b, key);
		buf_addf(b, "-ramp\"><stop offset=\"0\" stop-color=\"%s\"/>"
			 "<stop offset=\".5\" stop-color=\"#fff\"/>"
			 "<stop offset=\"1\" stop-color=\"%s\"/>"
			 "</linearGradient></defs>", lo, hi);
		buf_addf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
			 "height=\"10\" stroke=\"#c4cad2\" fill=\"url(#g%d-h-",
			 lx, ly, lw, g->id);
		html_esc(b, key);
		buf_addf(b, "-ramp)\"/><text class=\"tk\" x=\"%.0f\" "
			 "y=\"%.0f\">0.5" TIMES "</text><text class=\"tk\" "
			 "x=\"%.0f\" y=\"%.0f\">1" TIMES "</text><text "
			 "class=\"tk\" x=\"%.0f\" y=\"%.0f\">2" TIMES
			 "</text><text class=\"cl\" x=\"%.0f\" y=\"%.0f\">"
			 "ratio to the reference</text>", lx, ly + 20,
			 lx + lw / 2, ly + 20, lx + lw, ly + 20, lx + lw + 14,
			 ly + 5);
	}
	buf_adds(b, "</svg></div></figure>\n");
	free(cell);
out:
	free(rc);
	free(cc);
	strmap_release(&rows);
	strmap_release(&cols);
}

/* Stacked substitution, deletion and insertion rates per cohort. */
void chart_sdi(const struct grp *g, struct buf *b)
{
	static const char *const keys[] = {
		"substitutions", "deletions", "insertions" };
	static const char *const cls[] = { "s", "d", "i" };
	const bool dense = g->nrows > DENSE_ROWS;
	const double W = 520, LW = dense ? 12 : 170, TOP = 40, BOT = 8;
	const double RW = dense ? 12 : 56;
	const double rh = row_height(g->nrows), bh = dense ? 5 : rh * 0.58;
	struct axis a;
	double hi = 0, H;
	size_t i, j;

	for (i = 0; i < g->nrows; i++) {
		struct mval nw = mget(g->rows[i].metrics, "reference_words");
		double sum = 0;

		if (!nw.has || nw.v <= 0)
			continue;
		for (j = 0; j < 3; j++) {
			struct mval m = mget(g->rows[i].metrics, keys[j]);

			sum += m.has ? m.v : 0;
		}
		hi = fmax(hi, sum / nw.v);
	}
	ax_setup(&a, 0, hi, LW, W - RW);
	H = TOP + (double)g->nrows * rh + BOT;
	buf_addf(b, "<figure class=\"chart sdi\" data-metric=\"sdi\">"
		 "<figcaption id=\"g%d-sdi\">Substitutions, deletions and "
		 "insertions per reference word by ", g->id);
	html_esc(b, g->by_label);
	buf_addf(b, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
		 "width=\"%.0f\" height=\"%.0f\" role=\"group\" "
		 "aria-labelledby=\"g%d-sdi\">", W, H, W, H, g->id);
	ax_draw(b, &a, TOP - 4, H - BOT + 2);
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = g->order[i];
		struct mval nw = mget(r->metrics, "reference_words");
		double yc = TOP + (double)i * rh + rh / 2, acc = 0, tot = 0;
		double rate[3];
		bool ok = nw.has && nw.v > 0;

		for (j = 0; j < 3; j++) {
			struct mval m = mget(r->metrics, keys[j]);

			rate[j] = ok && m.has ? m.v / nw.v : 0;
			tot += rate[j];
		}
		mark_open(b, r, ok ? "" : " na", NULL);
		if (ok) {
			for (j = 0; j < 3; j++) {
				buf_adds(b, j ? ", " : "");
				buf_adds(b, keys[j]);
				buf_addch(b, ' ');
				add_fixed(b, rate[j], 3, false);
			}
			buf_adds(b, " per reference word (WER ");
			add_fixed(b, tot, 3, false);
			buf_addch(b, ')');
		} else {
			buf_adds(b, "no reference words");
		}
		mark_title_end(b, r, NULL);
		if (!dense) {
			buf_addf(b, "<text class=\"l\" x=\"%.0f\" y=\"%.1f\">",
				 LW - 6, yc);
			add_chart_label(b, g, r);
			buf_adds(b, "</text>");
		}
		for (j = 0; ok && j < 3; j++) {
			double x0 = ax_x(&a, acc), x1 = ax_x(&a, acc + rate[j]);

			acc += rate[j];
			if (rate[j] <= 0)
				continue;
			buf_addf(b, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" "
				 "width=\"%.1f\" height=\"%.1f\"/>", cls[j],
				 x0, yc - bh / 2, x1 - x0, bh);
		}
		if (ok && !dense) {
			buf_addf(b, "<text class=\"v\" x=\"%.0f\" y=\"%.1f\">",
				 W - 2, yc);
			add_fixed(b, tot, 3, false);
			buf_adds(b, "</text>");
		} else if (!ok && !dense) {
			buf_addf(b, "<text class=\"v\" x=\"%.0f\" y=\"%.1f\">"
				 "undefined</text>", LW + 4, yc);
		}
		buf_adds(b, "</g>\n");
	}
	buf_adds(b, "</svg></figure>\n");
}

void sdi_legend(struct buf *b)
{
	buf_adds(b, "<ul class=\"legend\" aria-label=\"Error types\"><li>");
	swatch(b, "s");
	buf_adds(b, "S substitution</li><li>");
	swatch(b, "d");
	buf_adds(b, "D deletion</li><li>");
	swatch(b, "i");
	buf_adds(b, "I insertion (the three add up to the pooled WER)"
		 "</li></ul>\n");
}
