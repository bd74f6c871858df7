/*
 * html_condition.c - the last-mile section of a grouping: how a condition
 * (its levels against the baseline) degrades each cohort, whether it hurts
 * a cohort more than the reference, and a slope chart from the baseline to
 * each level.  Reads the grouping's "condition" object
 * (evaluate/condition.c); draws nothing when there is none.
 */
#include "common/fa.h"
#include "report/html_internal.h"

/* "a = x & b = y" of a condition cohort's attributes. */
static void cohort_name(struct buf *b, const cJSON *co)
{
	const cJSON *a;
	bool first = true;

	cJSON_ArrayForEach(a, jget(co, "attributes")) {
		buf_adds(b, first ? "" : " & ");
		first = false;
		html_esc(b, a->string);
		buf_adds(b, " = ");
		html_esc(b, cJSON_IsString(a) ? a->valuestring : "");
	}
}

/* A ratio with its interval, or a dash. */
static void ratio_cell(struct buf *b, const cJSON *o, const char *key,
		       enum kind k, const char *cls)
{
	char lo[40], hi[40];
	double r, l, h;

	snprintf(lo, sizeof(lo), "%s_low", key);
	snprintf(hi, sizeof(hi), "%s_high", key);
	if (!jnum(o, key, &r)) {
		na_cell(b, cls, jstr(o, "reason"));
		return;
	}
	buf_addf(b, "<td class=\"%s\"><b>", cls);
	add_fixed(b, r, 2, false);
	buf_adds(b, TIMES "</b>");
	if (jnum(o, lo, &l) && jnum(o, hi, &h))
		add_range(b, l, h, fmt_ratio, k);
	buf_adds(b, "</td>");
}

static void value_cell(struct buf *b, const cJSON *o, const char *key,
		       enum kind k)
{
	double v;

	if (!jnum(o, key, &v)) {
		na_cell(b, "", NULL);
		return;
	}
	buf_adds(b, "<td><b>");
	add_value(b, k, v);
	buf_adds(b, "</b></td>");
}

/* One table: every cohort x level for metric key. */
static void condition_table(const struct grp *g, const cJSON *cond,
			    const char *key, size_t t, struct buf *b)
{
	enum kind k = metric_kind(key);
	const cJSON *co, *lv;

	buf_addf(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
		 "aria-labelledby=\"g%d-c%zu-cap\">\n<table class=\"nums\">\n"
		 "<caption id=\"g%d-c%zu-cap\">", g->id, t, g->id, t);
	add_metric(b, key, false);
	buf_adds(b, " under each level of ");
	html_esc(b, jstr(cond, "attribute"));
	buf_adds(b, " against the cohort's own baseline (");
	html_esc(b, jstr(cond, "baseline"));
	buf_adds(b, "), and that degradation against the reference's</caption>"
		 "\n<thead><tr><th scope=\"col\">Cohort</th><th scope=\"col\">"
		 "Level</th><th scope=\"col\">n</th><th scope=\"col\">"
		 "Baseline</th><th scope=\"col\">Level</th><th scope=\"col\" "
		 "class=\"gs\">Change</th><th scope=\"col\">Adj. p</th>"
		 "<th scope=\"col\">Against the reference</th><th "
		 "scope=\"col\">Adj. p</th></tr></thead>\n"
		 "<tbody>\n");
	cJSON_ArrayForEach(co, jget(cond, "cohorts")) {
		cJSON_ArrayForEach(lv, jget(co, "levels")) {
			const cJSON *m = jget(jget(lv, "metrics"), key);
			const cJSON *in = jget(m, "interaction");
			bool hurt = cJSON_IsTrue(jget(in, "hurts_more"));
			double n, pa;

			buf_addf(b, "<tr class=\"%s%s\">", hurt ? "flag " : "",
				 cJSON_IsTrue(jget(co, "reference")) ? "ref" : "");
			buf_adds(b, "<th scope=\"row\">");
			cohort_name(b, co);
			if (cJSON_IsTrue(jget(co, "reference")))
				buf_adds(b, " <span class=\"badge ref\">"
					 "reference</span>");
			if (hurt)
				buf_adds(b, " <span class=\"badge flag\">hurt "
					 "more</span>");
			buf_adds(b, "</th><td class=\"t\">");
			html_esc(b, lv->string);
			buf_adds(b, "</td><td>");
			if (jnum(lv, "n", &n))
				add_count(b, n);
			buf_adds(b, "</td>");
			value_cell(b, m, "baseline", k);
			value_cell(b, m, "value", k);
			ratio_cell(b, m, "ratio", k, cJSON_IsTrue(jget(m,
				   "significant")) ? "gs sig" : "gs");
			if (jnum(m, "p_adjusted", &pa)) {
				buf_adds(b, "<td>");
				add_p(b, pa);
				buf_adds(b, "</td>");
			} else {
				na_cell(b, "", "a cell has fewer than "
					"min_cohort_size examples, or no "
					"interval");
			}
			if (in) {
				ratio_cell(b, in, "ratio_of_ratios", k,
					   hurt ? "hit" : "");
			} else {
				na_cell(b, "", cJSON_IsTrue(jget(co,
					"reference")) ? "the reference itself" :
					NULL);
			}
			if (jnum(in, "p_adjusted", &pa)) {
				buf_adds(b, "<td><b>");
				add_p(b, pa);
				buf_adds(b, "</b></td>");
			} else {
				na_cell(b, "", jstr(in, "p_reason"));
			}
			buf_adds(b, "</tr>\n");
		}
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* Each cohort from its baseline to each level: one line a cohort. */
static void slope_chart(const struct grp *g, const cJSON *cond,
			const char *key, struct buf *b)
{
	const double W = 560, LEFT = 60, RIGHT = 180, TOP = 24, H = 260;
	const cJSON *levels = jget(cond, "levels"), *co, *lv;
	size_t nl = (size_t)cJSON_GetArraySize(levels) + 1, i = 0;
	double lo = INFINITY, hi = -INFINITY, v;
	enum kind k = metric_kind(key);
	struct axis a;

	cJSON_ArrayForEach(co, jget(cond, "cohorts"))
		cJSON_ArrayForEach(lv, jget(co, "levels")) {
			const cJSON *m = jget(jget(lv, "metrics"), key);

			if (jnum(m, "baseline", &v)) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
			if (jnum(m, "value", &v)) {
				lo = fmin(lo, v);
				hi = fmax(hi, v);
			}
		}
	if (!(lo <= hi))
		return;
	/* the axis runs vertically here: values map to y */
	ax_setup(&a, fmin(lo, 0), hi, H - 24, TOP);
	buf_addf(b, "<figure class=\"chart slope\" data-metric=\"");
	html_esc(b, key);
	buf_addf(b, "\"><figcaption id=\"g%d-slope\">", g->id);
	add_metric(b, key, false);
	buf_adds(b, " from the baseline (");
	html_esc(b, jstr(cond, "baseline"));
	buf_adds(b, ") to each level, one line a cohort</figcaption>\n");
	buf_addf(b, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height="
		 "\"%.0f\" role=\"group\" aria-labelledby=\"g%d-slope\">", W,
		 H, W, H, g->id);
	for (int e = 0; e < 2; e++) {
		double tv = e ? a.hi : a.lo;

		buf_addf(b, "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">",
			 LEFT - 8, ax_x(&a, tv));
		add_value(b, k, tv);
		buf_adds(b, "</text>");
	}
	for (size_t l = 0; l < nl; l++) {
		double x = LEFT + (W - LEFT - RIGHT) * (double)l /
			   (double)(nl > 1 ? nl - 1 : 1);
		const cJSON *name = l ? cJSON_GetArrayItem(levels, (int)l - 1)
				      : NULL;

		buf_addf(b, "<path class=\"grid\" d=\"M%.1f %.1fV%.1f\"/>"
			 "<text class=\"tk\" x=\"%.1f\" y=\"%.1f\">", x, TOP,
			 H - 24, x, H - 8);
		html_esc(b, l ? cJSON_GetStringValue(name) :
			 jstr(cond, "baseline"));
		buf_adds(b, "</text>");
	}
	cJSON_ArrayForEach(co, jget(cond, "cohorts")) {
		struct buf pts = BUF_INIT;
		double x0 = LEFT, yb = NAN, ylast = NAN;
		bool hurt = false;
		size_t l = 0;

		cJSON_ArrayForEach(lv, jget(co, "levels")) {
			const cJSON *m = jget(jget(lv, "metrics"), key);
			double x = LEFT + (W - LEFT - RIGHT) * (double)(l + 1) /
				   (double)(nl > 1 ? nl - 1 : 1);

			if (isnan(yb) && jnum(m, "baseline", &v)) {
				yb = ax_x(&a, v);
				buf_addf(&pts, "M%.1f %.1f", x0, yb);
			}
			if (jnum(m, "value", &v) && !isnan(yb)) {
				ylast = ax_x(&a, v);
				buf_addf(&pts, "L%.1f %.1f", x, ylast);
			}
			hurt |= cJSON_IsTrue(jget(jget(m, "interaction"),
						  "hurts_more"));
			l++;
		}
		if (pts.len) {
			buf_addf(b, "<g class=\"m%s%s\" data-cohort=\"%zu\">"
				 "<title>", hurt ? " flag" : "",
				 cJSON_IsTrue(jget(co, "reference")) ? " ref" :
				 "", i);
			cohort_name(b, co);
			buf_addf(b, "</title><path class=\"ln\" d=\"%s\"/>",
				 pts.s);
			if (!isnan(ylast)) {
				buf_addf(b, "<text class=\"l\" x=\"%.1f\" "
					 "y=\"%.1f\">", W - RIGHT + 8, ylast);
				cohort_name(b, co);
				buf_adds(b, "</text>");
			}
			buf_adds(b, "</g>");
		}
		buf_release(&pts);
		i++;
	}
	buf_adds(b, "</svg></figure>\n");
}

void condition_section(const struct rctx *x, const struct grp *g,
		       struct buf *b)
{
	const cJSON *cond = jget(g->g, "condition"), *m;
	const cJSON *across = jget(x->eval, "across");
	size_t t = 0;
	double tests;

	if (!cond)
		return;
	buf_addf(b, "<section class=\"condition\" id=\"g%d-condition\" "
		 "aria-labelledby=\"g%d-condition-h\">\n<h3 id=\"g%d-condition-"
		 "h\">", g->id, g->id, g->id);
	if (across) {
		buf_adds(b, "From ");
		html_esc(b, jstr(jget(across, "a"), "label"));
		buf_adds(b, " to ");
		html_esc(b, jstr(jget(across, "b"), "label"));
		buf_adds(b, ": the same model on two datasets</h3>\n<p>The two "
			 "datasets are independent samples: each cohort's "
			 "change from the first to the second has an unpaired "
			 "interval, and its p-value is Holm-adjusted over "
			 "every cohort's change.</p>\n");
	} else {
		buf_adds(b, "Condition: ");
		html_esc(b, jstr(cond, "attribute"));
		buf_adds(b, " against the baseline ");
		html_esc(b, jstr(cond, "baseline"));
		buf_adds(b, "</h3>\n");
	}
	buf_adds(b, "<p>Each cohort's metric under each level is "
		 "compared with the same cohort at the baseline "
		 "(degradation), and that degradation with the reference "
		 "cohort's (the ratio of the two ratios). A cohort is marked "
		 "<b>hurt more</b> when that ratio lies beyond the tolerance "
		 "in the harmful direction and its Holm-adjusted p-value");
	if (jnum(cond, "tests", &tests)) {
		buf_adds(b, " (over ");
		add_count(b, tests);
		buf_adds(b, " tests)");
	}
	buf_adds(b, " is below the significance level. A shaded change is "
		 "significant after adjustment over every cohort's change.</p>\n");
	cJSON_ArrayForEach(m, jget(cond, "metrics")) {
		if (!cJSON_IsString(m))
			continue;
		if (!t)
			slope_chart(g, cond, m->valuestring, b);
		condition_table(g, cond, m->valuestring, t++, b);
	}
	buf_adds(b, "</section>\n");
}
