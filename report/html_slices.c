/*
 * html_slices.c - the page of one slice search (GET /v1/slices/{id}/report):
 * what was searched, a plain summary of what holds up, a chart of each
 * slice's metric with its interval against its complement and the
 * overall value, and the table of slices, each one link away from an
 * evaluation grouped by its attributes.  See html.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "report/html.h"
#include "report/html_internal.h"

static const char slices_css[] =
"td.g,th.g{white-space:normal;min-width:20em;text-align:left}\n"
"svg .iv{stroke:var(--blue);stroke-width:2}\n"
"svg .pt{fill:var(--blue)}\n"
"svg .pt.c{fill:#8a9099}\n"
"svg .pt.conf{fill:var(--verm)}\n"
"svg .ov{stroke:var(--ink);stroke-dasharray:4 3}\n"
"svg .yl{fill:var(--muted);font-size:10px;text-anchor:end}\n";

#define CHART_W 720
#define LABEL_W 260
#define ROW_H 22

/* "a = x AND b = y" */
static void predicates(struct buf *b, const cJSON *attrs)
{
	const cJSON *it;
	bool first = true;

	cJSON_ArrayForEach(it, attrs) {
		if (!first)
			buf_adds(b, " <span class=\"sub\">and</span> ");
		first = false;
		html_esc(b, it->string);
		buf_adds(b, " = ");
		if (cJSON_IsString(it))
			html_esc(b, it->valuestring);
	}
}

static void value_and_range(struct buf *b, const cJSON *m)
{
	double v, lo, hi;

	if (!jnum(m, "value", &v)) {
		buf_adds(b, EMDASH);
		return;
	}
	add_fixed(b, v, 3, false);
	if (jnum(m, "low", &lo) && jnum(m, "high", &hi)) {
		buf_adds(b, "<small>");
		add_fixed(b, lo, 3, false);
		buf_adds(b, " " ENDASH " ");
		add_fixed(b, hi, 3, false);
		buf_adds(b, "</small>");
	}
}

/* The link to an evaluation of the model grouped by the slice's attributes. */
static void evaluate_link(struct buf *b, const cJSON *job, const cJSON *s)
{
	const cJSON *bins = jget(jget(job, "params"), "bins"), *it;
	struct buf href = BUF_INIT;
	double model;
	bool first = true, any_bins = false;

	if (!jnum(jget(job, "model"), "id", &model) &&
	    !jnum(job, "model_id", &model)) {
		buf_adds(b, EMDASH);
		return;
	}
	buf_addf(&href, "/v1/models/%.0f/report?by=", model);
	cJSON_ArrayForEach(it, jget(s, "attributes")) {
		if (!first)
			buf_adds(&href, "%2C");
		first = false;
		add_pct(&href, it->string);
	}
	cJSON_ArrayForEach(it, jget(s, "attributes")) {
		const cJSON *e = jget(bins, it->string), *x;
		bool fe = true;

		if (!cJSON_IsArray(e))
			continue;
		buf_adds(&href, any_bins ? "%3B" : "&bins=");
		any_bins = true;
		add_pct(&href, it->string);
		buf_adds(&href, "%3D");
		cJSON_ArrayForEach(x, e) {
			if (!fe)
				buf_adds(&href, "%2C");
			fe = false;
			if (cJSON_IsNumber(x))
				add_shortest(&href, x->valuedouble);
		}
	}
	buf_adds(b, "<a");
	add_href(b, href.s);
	buf_adds(b, ">evaluate by these</a>");
	buf_release(&href);
}

static void summary(struct buf *b, const cJSON *job)
{
	const cJSON *slices = jget(job, "slices"), *s;
	int n = cJSON_GetArraySize(slices), sig = 0, conf = 0;
	double evaluated = 0;
	bool replicate = cJSON_IsTrue(jget(jget(job, "params"), "replicate"));

	cJSON_ArrayForEach(s, slices) {
		sig += cJSON_IsTrue(jget(s, "significant"));
		conf += cJSON_IsTrue(jget(s, "confirmed"));
	}
	jnum(jget(job, "search"), "evaluated", &evaluated);
	buf_addf(b, "<section id=\"summary\" class=\"summary%s\">\n<h2>",
		 conf ? "" : " unsure");
	if (!n) {
		buf_adds(b, "No slice scores above zero</h2>\n<p>No "
			 "conjunction of the attributes searched has a "
			 "metric high enough for its size.</p>\n</section>\n");
		return;
	}
	if (replicate)
		buf_addf(b, "%d of %d slices confirmed on the held-out half"
			 "</h2>\n", conf, n);
	else
		buf_addf(b, "%d slices found</h2>\n", n);
	buf_addf(b, "<p>%d %s significant after adjusting for the ", sig,
		 sig == 1 ? "is" : "are");
	add_count(b, evaluated);
	buf_adds(b, " slices the search evaluated.");
	if (replicate && !conf)
		buf_adds(b, " <b>None was confirmed when the search was run "
			 "again on one half and tested on the other: treat "
			 "these slices as leads, not findings.</b>");
	else if (replicate)
		buf_adds(b, " A confirmed slice was found again by a search "
			 "on one random half of the rows and held up on the "
			 "other half; the others may be noise of the search.");
	buf_adds(b, "</p>\n</section>\n");
}

/* Each slice's metric and interval, its complement, the overall line. */
static void chart(struct buf *b, const cJSON *job)
{
	const cJSON *slices = jget(job, "slices"), *s;
	int n = cJSON_GetArraySize(slices), i = 0;
	double hi = 0, overall = NAN, x0 = LABEL_W, x1 = CHART_W - 20, v;
	int h = n * ROW_H + 30;

	if (!n)
		return;
	jnum(jget(job, "overall"), "value", &overall);
	if (isfinite(overall))
		hi = overall;
	cJSON_ArrayForEach(s, slices) {
		if (jnum(jget(s, "metric"), "high", &v) && v > hi)
			hi = v;
		if (jnum(jget(s, "metric"), "value", &v) && v > hi)
			hi = v;
	}
	if (!(hi > 0))
		hi = 1;
	hi *= 1.05;
	buf_addf(b, "<figure class=\"chart\" data-metric=\"slices\"><svg "
		 "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
		 "aria-label=\"each slice's metric with its interval\">\n",
		 CHART_W, h);
#define X(val) (x0 + (x1 - x0) * (val) / hi)
	if (isfinite(overall))
		buf_addf(b, "<line class=\"ov\" x1=\"%.1f\" x2=\"%.1f\" "
			 "y1=\"4\" y2=\"%d\"><title>overall</title></line>\n",
			 X(overall), X(overall), h - 24);
	cJSON_ArrayForEach(s, slices) {
		const cJSON *m = jget(s, "metric"), *c = jget(s, "complement");
		double y = 14 + i * ROW_H, lo, up;
		bool confirmed = cJSON_IsTrue(jget(s, "confirmed"));

		buf_addf(b, "<g data-slice=\"%d\"><text class=\"yl\" x=\"%d\" "
			 "y=\"%.1f\">", i, LABEL_W - 8, y + 4);
		{
			struct buf lab = BUF_INIT;
			const cJSON *it;

			cJSON_ArrayForEach(it, jget(s, "attributes")) {
				if (lab.len)
					buf_adds(&lab, ", ");
				buf_adds(&lab, it->string);
				buf_adds(&lab, "=");
				if (cJSON_IsString(it))
					buf_adds(&lab, it->valuestring);
			}
			esc_trunc(b, lab.s, 40);
			buf_release(&lab);
		}
		buf_adds(b, "</text>");
		if (jnum(m, "low", &lo) && jnum(m, "high", &up))
			buf_addf(b, "<line class=\"iv\" x1=\"%.1f\" x2=\"%.1f\" "
				 "y1=\"%.1f\" y2=\"%.1f\"/>", X(lo), X(up), y, y);
		if (jnum(c, "value", &v))
			buf_addf(b, "<circle class=\"pt c\" cx=\"%.1f\" "
				 "cy=\"%.1f\" r=\"3.5\"><title>complement"
				 "</title></circle>", X(v), y);
		if (jnum(m, "value", &v))
			buf_addf(b, "<circle class=\"pt%s\" cx=\"%.1f\" "
				 "cy=\"%.1f\" r=\"5\"><title>slice</title>"
				 "</circle>", confirmed ? " conf" : "", X(v), y);
		buf_adds(b, "</g>\n");
		i++;
	}
	buf_addf(b, "<text class=\"yl\" x=\"%.1f\" y=\"%d\">0</text>"
		 "<text class=\"yl\" x=\"%.1f\" y=\"%d\">", x0 + 4, h - 6,
		 x1, h - 6);
	add_fixed(b, hi, 3, false);
	buf_adds(b, "</text>\n</svg><figcaption>Each slice's metric (dot: "
		 "vermilion when confirmed) with its interval, its "
		 "complement (grey) and the overall value (dashed)."
		 "</figcaption></figure>\n");
#undef X
}

static void table(struct buf *b, const cJSON *job)
{
	const cJSON *slices = jget(job, "slices"), *s;
	bool speakers = false, replicate = cJSON_IsTrue(jget(jget(job,
						"params"), "replicate"));
	int i = 0;

	cJSON_ArrayForEach(s, slices)
		speakers |= jget(s, "speakers") != NULL;
	buf_adds(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
		 "aria-labelledby=\"slices-cap\">\n<table class=\"nums\">\n"
		 "<caption id=\"slices-cap\">The slices, best score first"
		 "</caption>\n<thead><tr><th scope=\"col\">#</th>"
		 "<th scope=\"col\" class=\"g\">Slice</th><th scope=\"col\">"
		 "Size</th>");
	if (speakers)
		buf_adds(b, "<th scope=\"col\">Speakers</th>");
	buf_adds(b, "<th scope=\"col\">In the slice</th><th scope=\"col\">"
		 "In the rest</th><th scope=\"col\">Gap</th><th scope=\"col\">"
		 "Adj. p</th>");
	if (replicate)
		buf_adds(b, "<th scope=\"col\">Held-out half</th>");
	buf_adds(b, "<th scope=\"col\">Score</th><th scope=\"col\">"
		 "</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(s, slices) {
		const cJSON *g = jget(s, "gap");
		double v, lo, hi;

		buf_addf(b, "<tr data-slice=\"%d\"%s><td>%d</td><td class=\"g\">",
			 i, cJSON_IsTrue(jget(s, "confirmed")) ?
			 " class=\"flag\"" : "", i + 1);
		predicates(b, jget(s, "attributes"));
		buf_adds(b, "</td><td>");
		if (jnum(s, "size", &v))
			add_count(b, v);
		buf_adds(b, "</td>");
		if (speakers) {
			buf_adds(b, "<td>");
			if (jnum(s, "speakers", &v))
				add_count(b, v);
			buf_adds(b, "</td>");
		}
		buf_adds(b, "<td><b>");
		value_and_range(b, jget(s, "metric"));
		buf_adds(b, "</b></td><td>");
		value_and_range(b, jget(s, "complement"));
		buf_adds(b, "</td><td>");
		if (jnum(g, "difference", &v)) {
			add_fixed(b, v, 3, true);
			if (jnum(g, "low", &lo) && jnum(g, "high", &hi)) {
				buf_adds(b, "<small>");
				add_fixed(b, lo, 3, true);
				buf_adds(b, " " ENDASH " ");
				add_fixed(b, hi, 3, true);
				buf_adds(b, "</small>");
			}
		} else {
			buf_adds(b, EMDASH);
		}
		buf_adds(b, "</td><td>");
		if (jnum(g, "p_adjusted", &v))
			add_p(b, v);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</td>");
		if (replicate)
			buf_adds(b, cJSON_IsTrue(jget(s, "confirmed")) ?
				 "<td><span class=\"badge flag\">confirmed"
				 "</span></td>" :
				 cJSON_IsTrue(jget(s, "found_in_first_half")) ?
				 "<td>not confirmed</td>" :
				 "<td>not found again</td>");
		buf_adds(b, "<td>");
		if (jnum(s, "score", &v))
			add_fixed(b, v, 3, false);
		buf_adds(b, "</td><td>");
		evaluate_link(b, job, s);
		buf_adds(b, "</td></tr>\n");
		i++;
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void methods(struct buf *b, const cJSON *job)
{
	const cJSON *it;

	buf_adds(b, "<section><h2>Method</h2>\n<dl>\n");
	cJSON_ArrayForEach(it, jget(job, "methods")) {
		buf_adds(b, "<dt>");
		html_esc(b, it->string);
		buf_adds(b, "</dt><dd>");
		if (cJSON_IsString(it))
			html_esc(b, it->valuestring);
		buf_adds(b, "</dd>\n");
	}
	buf_adds(b, "</dl>\n</section>\n");
}

int html_render_slices(struct buf *out, const cJSON *job,
		       const char *json_href, struct buf *err)
{
	const cJSON *params = jget(job, "params"), *model = jget(job, "model");
	const char *status = jstr(job, "status");
	struct buf title = BUF_INIT;
	double v, id = 0;

	if (!cJSON_IsObject(job)) {
		buf_adds(err, "cannot render a slice search: not a JSON object");
		return -1;
	}
	jnum(job, "id", &id);
	buf_addf(&title, "Slice search %.0f", id);
	if (jstr(model, "name")) {
		buf_adds(&title, ": ");
		buf_adds(&title, jstr(model, "name"));
	}
	html_page_head(out, title.s, slices_css);
	buf_adds(out, "<main>\n<header>\n<p class=\"kicker\">fairaudit "
		 MIDDOT " slice discovery</p>\n<h1>");
	html_esc(out, title.s);
	buf_adds(out, "</h1>\n<p class=\"meta\">Where the ");
	html_esc(out, metric_plain_name(jstr(job, "metric") ? jstr(job, "metric") :
				  jstr(params, "metric")));
	buf_adds(out, " is worst for a slice's size");
	if (jstr(model, "dataset")) {
		buf_adds(out, " " MIDDOT " dataset ");
		html_esc(out, jstr(model, "dataset"));
	}
	if (jnum(jget(job, "overall"), "rows", &v)) {
		buf_adds(out, " " MIDDOT " ");
		add_count(out, v);
		buf_adds(out, " rows searched");
	}
	if (jnum(jget(job, "overall"), "value", &v)) {
		buf_adds(out, ", overall ");
		add_fixed(out, v, 3, false);
	}
	buf_adds(out, "</p>\n<p class=\"meta\">Up to ");
	if (jnum(params, "max_level", &v))
		add_count(out, v);
	buf_adds(out, " predicates, at least ");
	if (jnum(params, "min_support", &v))
		add_count(out, v);
	buf_adds(out, " rows a slice, top ");
	if (jnum(params, "k", &v))
		add_count(out, v);
	buf_adds(out, ", alpha ");
	if (jnum(params, "alpha", &v))
		add_shortest(out, v);
	if (jnum(jget(job, "search"), "evaluated", &v)) {
		buf_adds(out, "; ");
		add_count(out, v);
		buf_adds(out, " slices evaluated");
	}
	buf_adds(out, ".</p>\n</header>\n");
	if (status && strcmp(status, "done")) {
		buf_adds(out, "<section id=\"summary\" class=\"summary unsure\">"
			 "<h2>The search is ");
		html_esc(out, status);
		buf_adds(out, "</h2>\n<p>");
		if (jnum(jget(job, "progress"), "percent", &v)) {
			add_fixed(out, v, 1, false);
			buf_adds(out, " % done. ");
		}
		if (jstr(job, "error"))
			html_esc(out, jstr(job, "error"));
		buf_adds(out, "</p>\n</section>\n");
	} else {
		summary(out, job);
		chart(out, job);
		table(out, job);
		methods(out, job);
	}
	buf_adds(out, "<footer><p>");
	if (json_href) {
		buf_adds(out, "<a");
		add_href(out, json_href);
		buf_adds(out, ">The same as JSON</a>. ");
	}
	buf_adds(out, "Rendered by fairaudit; this page contains no scripts "
		 "and loads nothing from elsewhere.</p></footer>\n</main>\n"
		 "</body>\n</html>\n");
	buf_release(&title);
	if (out->toobig) {
		buf_addf(err, "rendering the slice page exceeded the output "
			 "limit of %zu bytes", out->cap);
		return -1;
	}
	return 0;
}
