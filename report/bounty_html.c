/*
 * bounty_html.c - the bias-bounty page; see bounty_html.h.
 *
 * One pass, section by section, straight from the two JSON documents.
 * Escaping happens only at the moment a string is printed, with the
 * program's one escaper (html_esc, report/html_escape.c), so nothing is
 * escaped twice, nothing is missed, and a carriage return or an invalid
 * byte is treated as in every other page.  Numbers print with the reports'
 * formatters, and the page head and style sheet are theirs
 * (html_page_head), with a few rules of its own added (bounty_css).
 */
#include "common/fa.h"
#include "common/util.h"
#include "report/bounty_html.h"
#include "report/html_internal.h"


/* What the bounty page has that no report has: the leaderboard's group
 * column, the history chart's points and line, the decision list. */
static const char bounty_css[] =
".summary p{margin:.3em 0}\n"
"td.g{white-space:normal;min-width:14em;text-align:left}\n"
"svg .yl{fill:var(--muted);font-size:10px;text-anchor:end}\n"
"svg .ln{stroke:var(--blue);stroke-width:2;fill:none}\n"
"svg .pt{fill:var(--blue)}\n"
"svg .pt.base{fill:#555b63}\n"
"ol.pdl li{margin:.3em 0;overflow-wrap:anywhere}\n";

/* ---- escaping and numbers ---- */

/* The one escaper (report/html.h); a missing text shows as a dash. */
static void esc_or_dash(struct buf *b, const char *s)
{
	if (s)
		html_esc(b, s);
	else
		buf_adds(b, EMDASH);
}

static void cell_rate(struct buf *b, const cJSON *o, const char *k)
{
	double x;

	buf_adds(b, "<td>");
	if (jnum(o, k, &x))
		add_fixed(b, x, 3, false);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</td>");
}

static void cell_count(struct buf *b, const cJSON *o, const char *k)
{
	double x;

	buf_adds(b, "<td>");
	if (jnum(o, k, &x))
		add_count(b, x);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</td>");
}

static void cell_real(struct buf *b, const cJSON *o, const char *k)
{
	double x;

	buf_adds(b, "<td>");
	if (jnum(o, k, &x))
		add_real(b, x, false);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</td>");
}

/* ---- sections ---- */

static void bounty_page_begin(struct buf *b, const char *title)
{
	html_page_head(b, title, bounty_css);
	buf_adds(b, "<main>\n");
}

static void header(struct buf *b, const cJSON *bounty,
		   const struct bounty_html_meta *meta, const char *title)
{
	double x;

	buf_adds(b, "<header>\n<p class=\"kicker\">fairaudit " MIDDOT
		 " bias bounty</p>\n<h1>");
	esc_or_dash(b, title);
	buf_adds(b, "</h1>\n<p class=\"meta\">Metric: <b>");
	esc_or_dash(b, metric_plain_name(jstr(bounty, "metric")));
	buf_adds(b, "</b> " MIDDOT " status: <b>");
	esc_or_dash(b, jstr(bounty, "status"));
	buf_adds(b, "</b> " MIDDOT " opens ");
	esc_or_dash(b, jstr(bounty, "opens_at"));
	buf_adds(b, " " MIDDOT " closes ");
	esc_or_dash(b, jstr(bounty, "closes_at") ? jstr(bounty, "closes_at") :
	    "never");
	buf_adds(b, "</p>\n<p class=\"meta\">Dataset ");
	esc_or_dash(b, meta && meta->dataset_name ? meta->dataset_name : NULL);
	if (jnum(bounty, "discovery_rows", &x)) {
		buf_adds(b, ": ");
		add_count(b, x);
		buf_adds(b, " discovery examples (downloadable) and ");
		if (jnum(bounty, "holdout_rows", &x))
			add_count(b, x);
		buf_adds(b, " holdout examples (never shown)");
	}
	buf_adds(b, ".</p>\n</header>\n");
}

static void summary(struct buf *b, const cJSON *board)
{
	const cJSON *hist = jget(board, "history");
	const cJSON *first = cJSON_GetArrayItem(hist, 0);
	const cJSON *last = cJSON_GetArrayItem(hist, cJSON_GetArraySize(hist) - 1);
	int nf = cJSON_GetArraySize(jget(board, "findings"));
	int nh = cJSON_GetArraySize(jget(board, "hunters"));
	double a, z;

	buf_adds(b, "<section class=\"summary ok\" aria-label=\"Summary\">\n<p>");
	buf_addf(b, "<b>%d accepted finding%s</b> from %d hunter%s.", nf,
		 nf == 1 ? "" : "s", nh, nh == 1 ? "" : "s");
	buf_adds(b, "</p>\n<p>");
	if (jnum(first, "overall_error", &a) && jnum(last, "overall_error", &z)) {
		if (cJSON_GetArraySize(hist) > 1) {
			buf_adds(b, "The patched model's overall metric "
				 "went from ");
			add_fixed(b, a, 3, false);
			buf_adds(b, " to ");
			add_fixed(b, z, 3, false);
			buf_addf(b, " over %d update%s.",
				 cJSON_GetArraySize(hist) - 1,
				 cJSON_GetArraySize(hist) == 2 ? "" : "s");
		} else {
			buf_adds(b, "The model's overall metric is ");
			add_fixed(b, a, 3, false);
			buf_adds(b, "; no finding has updated it yet.");
		}
	}
	buf_adds(b, "</p>\n</section>\n");
}

static void leaderboard(struct buf *b, const cJSON *board)
{
	const cJSON *hs = jget(board, "hunters"), *h;

	buf_adds(b, "<h2 id=\"leaderboard\">Leaderboard</h2>\n");
	if (!cJSON_GetArraySize(hs)) {
		buf_adds(b, "<p class=\"empty\">No submissions yet.</p>\n");
		return;
	}
	buf_adds(b, "<div class=\"table-wrap\">\n<table>\n<caption>Hunters by "
		 "points (group weight " TIMES " gap, or " TIMES
		 " improvement for a better model on the group)</caption>\n"
		 "<thead><tr><th>Rank</th><th class=\"t\">Hunter</th>"
		 "<th>Points</th><th>Accepted</th><th>Duplicates credited</th>"
		 "<th>Submissions</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(h, hs) {
		buf_adds(b, "<tr>");
		cell_count(b, h, "rank");
		buf_adds(b, "<th scope=\"row\">");
		esc_or_dash(b, jstr(h, "hunter"));
		buf_adds(b, "</th>");
		cell_real(b, h, "points");
		cell_count(b, h, "accepted");
		cell_count(b, h, "duplicates_credited");
		cell_count(b, h, "submissions");
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* The analyst's search of the discovery part, beside the findings. */
static void discovery_search(struct buf *b, const cJSON *job)
{
	const cJSON *s;
	double id = 0, v;
	char href[64];

	if (!job)
		return;
	jnum(job, "id", &id);
	snprintf(href, sizeof(href), "/v1/slices/%.0f/report", id);
	buf_adds(b, "<h2 id=\"discovery-search\">What a search of the "
		 "discovery part finds</h2>\n<p>SliceLine run on the discovery "
		 "part only, the rows hunters download: slices a hunter could "
		 "submit.  Compare them with the findings above; the numbers are "
		 "the discovery part's, not the holdout's.  <a");
	add_href(b, href);
	buf_adds(b, ">The whole search</a>.</p>\n<div class=\"table-wrap\">\n"
		 "<table>\n<thead><tr><th scope=\"col\">Slice</th><th "
		 "scope=\"col\">Size</th><th scope=\"col\">Metric</th><th "
		 "scope=\"col\">Rest</th><th scope=\"col\">Adj. p</th><th "
		 "scope=\"col\">Held-out half</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(s, jget(job, "slices")) {
		const cJSON *it;
		bool first = true;

		buf_adds(b, "<tr><td class=\"g\">");
		cJSON_ArrayForEach(it, jget(s, "attributes")) {
			if (!first)
				buf_adds(b, " and ");
			first = false;
			html_esc(b, it->string);
			buf_adds(b, " = ");
			if (cJSON_IsString(it))
				html_esc(b, it->valuestring);
		}
		buf_adds(b, "</td>");
		cell_count(b, s, "size");
		cell_rate(b, jget(s, "metric"), "value");
		cell_rate(b, jget(s, "complement"), "value");
		buf_adds(b, "<td>");
		if (jnum(jget(s, "gap"), "p_adjusted", &v))
			add_p(b, v);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</td><td>");
		buf_adds(b, cJSON_IsTrue(jget(s, "confirmed")) ? "confirmed" :
			 "not confirmed");
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void findings(struct buf *b, const cJSON *board)
{
	const cJSON *fs = jget(board, "findings"), *f;

	buf_adds(b, "<h2 id=\"findings\">Accepted findings</h2>\n");
	if (!cJSON_GetArraySize(fs)) {
		buf_adds(b, "<p class=\"empty\">No accepted findings yet.</p>\n");
		return;
	}
	buf_adds(b, "<div class=\"table-wrap\">\n<table>\n<caption>Groups, "
		 "in order of acceptance; numbers as released to the hunter "
		 "through the reusable holdout</caption>\n<thead><tr>"
		 "<th>#</th><th class=\"t\">Group</th><th class=\"t\">Hunter"
		 "</th><th class=\"t\">Kind</th><th>Holdout support</th>"
		 "<th>Weight</th><th>Gap</th><th>Improvement</th>"
		 "<th>Points</th><th>Duplicates credited</th></tr></thead>\n"
		 "<tbody>\n");
	cJSON_ArrayForEach(f, fs) {
		const char *h = jstr(f, "h");

		buf_adds(b, "<tr>");
		cell_count(b, f, "ordinal");
		buf_adds(b, "<td class=\"g\"><code>");
		esc_or_dash(b, jstr(f, "group"));
		buf_adds(b, "</code></td><td class=\"t\">");
		esc_or_dash(b, jstr(f, "hunter"));
		buf_adds(b, "</td><td class=\"t\">");
		buf_adds(b, h && strcmp(h, "none") ? "better model on the group"
			 : "underperforming group");
		buf_adds(b, "</td>");
		cell_count(b, f, "support");
		cell_rate(b, f, "weight");
		cell_rate(b, f, "gap");
		cell_rate(b, f, "improvement");
		cell_real(b, f, "points");
		cell_count(b, f, "duplicates_credited");
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

/* The overall metric per version: a line with a point per version. */
static void history_chart(struct buf *b, const cJSON *board)
{
	const cJSON *hist = jget(board, "history"), *v;
	int n = cJSON_GetArraySize(hist), i = 0;
	const double W = 640, H = 240, L = 56, R = 16, T = 16, B = 36;
	double lo = INFINITY, hi = -INFINITY, x, pad;

	buf_adds(b, "<h2 id=\"history\">Patched model over time</h2>\n");
	cJSON_ArrayForEach(v, hist) {
		if (jnum(v, "overall_error", &x)) {
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
	}
	if (!n || !isfinite(lo)) {
		buf_adds(b, "<p class=\"empty\">No overall metric recorded.</p>\n");
		return;
	}
	pad = hi > lo ? (hi - lo) * 0.15 : (lo > 0 ? lo * 0.1 : 0.01);
	lo = lo - pad < 0 ? 0 : lo - pad;
	hi += pad;
	buf_adds(b, "<figure class=\"chart\">\n<figcaption>Overall holdout "
		 "metric of the patched model after each accepted update "
		 "(version 0 is the model alone)</figcaption>\n");
	buf_addf(b, "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		 "aria-label=\"overall metric by version\">\n", W, H);
	for (int k = 0; k <= 4; k++) {
		double yv = lo + (hi - lo) * k / 4;
		double y = T + (H - T - B) * (1 - (double)k / 4);

		buf_addf(b, "<path class=\"grid\" d=\"M%.1f %.1fH%.1f\"/>"
			 "<text class=\"yl\" x=\"%.1f\" y=\"%.1f\">", L, y,
			 W - R, L - 6, y);
		add_fixed(b, yv, 3, false);
		buf_adds(b, "</text>\n");
	}
	buf_adds(b, "<path class=\"ln\" d=\"");
	cJSON_ArrayForEach(v, hist) {
		double px = n > 1 ? L + (W - L - R) * i / (n - 1) : (L + W - R) / 2;

		if (jnum(v, "overall_error", &x))
			buf_addf(b, "%s%.1f %.1f", i ? "L" : "M", px,
				 T + (H - T - B) * (1 - (x - lo) / (hi - lo)));
		i++;
	}
	buf_adds(b, "\"/>\n");
	i = 0;
	cJSON_ArrayForEach(v, hist) {
		double px = n > 1 ? L + (W - L - R) * i / (n - 1) : (L + W - R) / 2;
		double ver = 0;

		jnum(v, "version", &ver);
		if (jnum(v, "overall_error", &x)) {
			buf_addf(b, "<g><circle class=\"pt%s\" cx=\"%.1f\" "
				 "cy=\"%.1f\" r=\"4\"/><title>version %.0f: ",
				 i ? "" : " base", px,
				 T + (H - T - B) * (1 - (x - lo) / (hi - lo)),
				 ver);
			add_fixed(b, x, 3, false);
			buf_adds(b, "</title></g>\n");
		}
		buf_addf(b, "<text class=\"tk\" x=\"%.1f\" y=\"%.1f\">v%.0f"
			 "</text>\n", px, H - B + 14, ver);
		i++;
	}
	buf_adds(b, "</svg>\n</figure>\n");
	buf_adds(b, "<div class=\"table-wrap\">\n<table>\n<thead><tr>"
		 "<th>Version</th><th>Submission</th><th>Overall</th>"
		 "<th class=\"t\">When</th></tr></thead>\n<tbody>\n");
	cJSON_ArrayForEach(v, hist) {
		buf_adds(b, "<tr>");
		cell_count(b, v, "version");
		cell_count(b, v, "submission_id");
		cell_rate(b, v, "overall_error");
		buf_adds(b, "<td class=\"t\">");
		esc_or_dash(b, jstr(v, "created_at"));
		buf_adds(b, "</td></tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void decision_list(struct buf *b, const cJSON *board)
{
	const cJSON *nodes = jget(board, "decision_list"), *nd;
	double x;

	buf_adds(b, "<h2 id=\"list\">Decision list</h2>\n");
	if (!cJSON_GetArraySize(nodes)) {
		buf_adds(b, "<p class=\"empty\">The model has not been patched "
			 "yet.</p>\n");
		return;
	}
	buf_adds(b, "<p>A row is answered by the last node whose group "
		 "contains it, or by the bounty's model when none does.</p>\n"
		 "<ol class=\"pdl\">\n");
	cJSON_ArrayForEach(nd, nodes) {
		const char *kind = jstr(nd, "kind");

		buf_adds(b, "<li><code>");
		esc_or_dash(b, jstr(nd, "group"));
		buf_adds(b, "</code> " ARROW " ");
		if (kind && !strcmp(kind, "repair")) {
			buf_adds(b, "answered as version ");
			if (jnum(nd, "target", &x))
				add_count(b, x);
			buf_adds(b, " answers it (repair)");
		} else {
			buf_adds(b, "the model of finding ");
			if (jnum(nd, "finding", &x))
				add_count(b, x);
		}
		buf_adds(b, "</li>\n");
	}
	buf_adds(b, "</ol>\n");
}

static void rule(struct buf *b, const char *name, const cJSON *bounty,
		 const char *key, const char *what)
{
	double x;

	buf_adds(b, "<dt>");
	buf_adds(b, name);
	buf_adds(b, "</dt><dd>");
	if (jnum(bounty, key, &x))
		add_shortest(b, x);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, " ");
	buf_adds(b, MIDDOT);
	buf_adds(b, " ");
	buf_adds(b, what);
	buf_adds(b, "</dd>\n");
}

static void rules(struct buf *b, const cJSON *bounty)
{
	buf_adds(b, "<h2 id=\"rules\">Rules</h2>\n<p>Hunters download the "
		 "discovery part, name a group with a predicate over the "
		 "attributes (optionally with better predictions for it), and "
		 "the service judges it on the holdout, which nobody outside "
		 "the service sees. Every holdout number a hunter is told "
		 "passes through a reusable holdout (Thresholdout) with a "
		 "per-hunter budget, and each hunter's significance level is "
		 "divided by the number of submissions they made (Bonferroni). "
		 "A group "
		 "whose holdout members overlap an earlier accepted finding "
		 "too much is a duplicate, credited to the earlier hunter.</p>\n"
		 "<dl class=\"kv\">\n");
	rule(b, "Holdout fraction", bounty, "holdout_fraction",
	     "share of the examples held out");
	rule(b, "Minimum support", bounty, "min_support",
	     "holdout examples a group needs; smaller groups are refused "
	     "without any statistic");
	rule(b, "Minimum gap", bounty, "min_gap",
	     "how much worse the model must be on a group than on the rest");
	rule(b, "Alpha", bounty, "alpha",
	     "group weight " TIMES " improvement a better model must reach");
	rule(b, "Significance", bounty, "significance",
	     "one-sided level, before each hunter's adjustment");
	rule(b, "Budget", bounty, "budget",
	     "holdout answers per hunter");
	rule(b, "Duplicate overlap", bounty, "duplicate_jaccard",
	     "Jaccard similarity of holdout members that makes a duplicate");
	rule(b, "Holdout threshold", bounty, "holdout_threshold",
	     "Thresholdout threshold T");
	rule(b, "Holdout noise", bounty, "holdout_noise",
	     "Thresholdout noise scale");
	buf_adds(b, "</dl>\n");
}

int bounty_html_render(struct buf *out, const cJSON *bounty,
		       const cJSON *board, const struct bounty_html_meta *meta,
		       struct buf *err)
{
	struct buf title = BUF_INIT;
	double id = 0;

	if (!cJSON_IsObject(bounty) || !cJSON_IsObject(board)) {
		buf_adds(err, "cannot render a bounty page: the bounty or its "
			 "leaderboard is not a JSON object");
		return -1;
	}
	jnum(bounty, "id", &id);
	buf_addf(&title, "Bias bounty %.0f: ", id);
	buf_adds(&title, meta && meta->model_name ? meta->model_name : "model");
	if (meta && meta->model_version) {
		buf_addch(&title, ' ');
		buf_adds(&title, meta->model_version);
	}
	bounty_page_begin(out, title.s);
	header(out, bounty, meta, title.s);
	summary(out, board);
	leaderboard(out, board);
	findings(out, board);
	discovery_search(out, meta ? meta->slices : NULL);
	history_chart(out, board);
	decision_list(out, board);
	rules(out, bounty);
	buf_adds(out, "<footer><p>Rendered by fairaudit. Overall metrics are "
		 "rounded to 3 decimals; this page contains no scripts and "
		 "loads nothing from elsewhere.</p></footer>\n</main>\n"
		 "</body>\n</html>\n");
	buf_release(&title);
	if (out->toobig) {
		buf_addf(err, "rendering the bounty page exceeded the output "
			 "limit of %zu bytes", out->cap);
		return -1;
	}
	return 0;
}
