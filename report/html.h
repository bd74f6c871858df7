/*
 * html.h - server-rendered HTML pages: the disparity report of one
 * evaluation, index pages (datasets, models, evaluations, bounties) and the
 * comparison of two evaluations.
 *
 * Every page is one self-contained HTML5 document: inline CSS and inline
 * SVG only, no external assets, no JavaScript.  It reads without scripts,
 * prints (one grouping per page), and scrolls tables horizontally inside a
 * wrapper on a phone.
 *
 * Inputs are cJSON trees in the shapes of API.md; the renderers only read
 * them, never keep pointers after returning, and tolerate missing or
 * mistyped fields by printing an em dash.  Every string that comes from
 * data (attribute names and values, dataset and model names, transcript
 * words, reasons, parameter values) is HTML-escaped wherever it lands: text,
 * attribute values and SVG.  Invalid UTF-8 is replaced by U+FFFD.  Links
 * given by the caller are printed only when they are relative or http(s);
 * anything else (javascript:, data:) becomes "#".
 *
 * Numbers are formatted deterministically: rates with 3 decimals, ratios
 * with 2, counts as integers with thousands separators, other quantities
 * with 4 significant digits but at most 3 decimals, p-values with 3
 * decimals or "< 0.001".
 * Negative numbers use U+2212 MINUS SIGN.
 *
 * Output goes to a caller-owned struct buf.  If the buf has a cap and the
 * page does not fit, the renderer returns -1, appends a sentence to err and
 * leaves partial output in the buf (the caller discards it).
 */
#ifndef FA_REPORT_HTML_H
#define FA_REPORT_HTML_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

/* Row order of the cohort tables and charts (the `?sort=` option). */
enum html_sort {
	HTML_SORT_SEVERITY,	/* flagged first, then by distance from
				   ratio 1; too-small cohorts last */
	HTML_SORT_NAME,		/* attribute values, byte order */
	HTML_SORT_N,		/* largest cohort first */
};

/*
 * Metadata the evaluation JSON does not carry.  Every field may be NULL.
 * Strings are data: they are escaped.  The hrefs are caller-built URLs
 * (already percent-encoded); they are attribute-escaped and printed only
 * when safe (see above).
 */
struct html_meta {
	const char *dataset_name;
	const char *model_name;
	const char *model_version;
	const char *created_at;	/* overrides the JSON's "created_at" */
	const char *json_href;	/* the same result as JSON */
	const char *csv_href;	/* the same result as CSV */
	/*
	 * Prefix of the sort links: the link for sort order S is
	 * sort_href_base + "sort=" + S.  NULL means "?", which keeps the
	 * current path; a server that carries a share token passes e.g.
	 * "?token=abc&".
	 */
	const char *sort_href_base;
};

struct html_options {
	enum html_sort sort;
};

/*
 * 0 and *out set if s is "severity", "name" or "n"; otherwise -1, *out
 * untouched and one sentence appended to err.
 */
int html_sort_parse(const char *s, enum html_sort *out, struct buf *err);

/*
 * The start of every page up to and including <body>: doctype, a strict
 * Content-Security-Policy, viewport, the escaped title and the reports'
 * style sheet followed by extra_css (NULL for none): the rules only that
 * page needs.  For other pages drawn in the same style (the bounty pages).
 */
void html_page_head(struct buf *b, const char *title, const char *extra_css);

/*
 * The one HTML escaper of the program: append n bytes of s escaped for HTML
 * text and attribute values (& < > " '); invalid UTF-8 and control
 * characters other than TAB, LF and CR become U+FFFD.  html_esc() takes a
 * NUL-terminated string and appends nothing for NULL.
 */
void html_esc_n(struct buf *b, const char *s, size_t n);
void html_esc(struct buf *b, const char *s);

/* The name html_sort_parse accepts for a sort order. */
const char *html_sort_name(enum html_sort s);

/*
 * Render the disparity report of one evaluation (the evaluation JSON of
 * API.md) into out, appending.  meta and opt may be NULL (no metadata,
 * severity order).  In page order: title; a plain-language summary of the
 * flagged disparities (key metrics first, six up front, the rest folded,
 * at most 50), or a statement that none was flagged and what was tested;
 * overall metrics; per grouping a cohort table (the task's key metrics
 * plus every flagged metric), a bar chart per key metric, heatmaps for
 * two-attribute groupings, and for ASR the stacked S/D/I bars and the
 * worst utterances with their word alignments; methodology; dataset and
 * model metadata; links.
 *
 * Key metrics: binary classification fpr, fnr, selection_rate, error_rate;
 * multi-class error_rate; score auc and the binary ones; regression mae
 * (the table adds rmse, mean_error); asr wer (the table adds
 * mean_utterance_wer, cer).  A task that is missing is inferred from the
 * metrics present.
 *
 * Size: groupings of more than 100 cohorts get compact bar charts (no
 * label or value text; each mark's <title> names it) and one heatmap, for
 * the metric flagged most often, instead of one per key metric; groupings
 * of more than 2,000 cohorts get no charts.  500 cohorts render in about
 * 10 ms into about 830 KB (tests/tools/render_report --bench 500).
 *
 * Hooks for tests: each cohort's table row and every chart mark carry
 * data-cohort="i", i being the cohort's index in its grouping's "cohorts"
 * array; each chart is a <figure class="chart"> (heatmaps "heat") with
 * data-metric="key"; grouping sections have id "g1", "g2", ...; the
 * summary has id "summary".
 *
 * Returns 0, or -1 with a sentence in err when eval is not a JSON object or
 * the page does not fit under out's cap.
 */
int html_render_evaluation(struct buf *out, const cJSON *eval,
			   const struct html_meta *meta,
			   const struct html_options *opt, struct buf *err);

/*
 * The label of a cohort as the report prints it: "attr = value" for each
 * attribute, in the order of the grouping's "by" list (then any attribute
 * the list does not name), joined by " & ".  Appends raw (unescaped) text
 * to out.  grouping may be NULL (object order).  The summary sentences and
 * the CSV's "cohort" column use it.
 */
void html_cohort_label(struct buf *out, const cJSON *grouping,
		       const cJSON *cohort);

/* Index pages. */
enum html_index_kind {
	HTML_INDEX_DATASETS,	/* name, id, task, rows, description,
				   created */
	HTML_INDEX_MODELS,	/* name, version, id, dataset, created */
	HTML_INDEX_EVALUATIONS,	/* id, model and dataset names, task, groupings,
				   flagged, created */
	HTML_INDEX_BOUNTIES,	/* id, model, metric, status, submissions,
				   created */
};

struct html_index {
	enum html_index_kind kind;
	const char *title;	/* page heading; NULL: the kind's name */
	/*
	 * The first column links to the item's "href" string when it has
	 * one, else to href_prefix + percent-encoded id + href_suffix when
	 * href_prefix is not NULL, else nowhere.
	 */
	const char *href_prefix;
	const char *href_suffix;
	/*
	 * When not NULL, a navigation bar links the four list pages
	 * (/v1/pages/datasets, models, evaluations, bounties), each followed
	 * by nav_query (e.g. "" or "?share=TOKEN").
	 */
	const char *nav_query;
};

/*
 * Render a list page: items is a JSON array of objects as the list routes
 * return them (missing fields print as an em dash; an evaluation's
 * groupings and flag count are taken from "by"/"flagged" or, for full
 * evaluations, from "groupings").  Returns 0, or -1 with a sentence in
 * err when items is not an array or out's cap is hit.
 */
int html_render_index(struct buf *out, const struct html_index *ix,
		      const cJSON *items, struct buf *err);

/*
 * A page that explains something to a person who reached a page the wrong
 * way (no share link, say): the report's page head, a heading and the
 * given paragraphs (plain text, escaped here), each NUL-terminated, the
 * list ended by NULL.
 */
void html_render_notice(struct buf *out, const char *title,
			const char *const *paragraphs);

/*
 * Render the comparison of two evaluations of the same dataset by the same
 * grouping, cohort by cohort.  The caller computes the changes; the shape
 * is:
 *
 *   {"title": "..."?,
 *    "dataset": {"id", "name"}?,
 *    "by": ["race"],
 *    "confidence": 0.95?,
 *    "a": {"label": "model v1", "model_id"?, "evaluation_id"?, "href"?},
 *    "b": {"label": "model v2", ...},
 *    "metrics": ["fpr", "fnr"]?,      default: every metric of the cohorts
 *    "cohorts": [
 *      {"attributes": {"race": "African-American"},
 *       "n_a": 3696, "n_b": 3696, "too_small": false?,
 *       "metrics": {
 *         "fpr": {"a": {"value", "low", "high"},
 *                 "b": {"value", "low", "high"},
 *                 "change": {"difference", "diff_low", "diff_high",
 *                            "p_value"?, "p_adjusted"?}}}}]}
 *
 * where change.difference is B minus A.  A metric value may be
 * {"value": null, "reason": "..."} as in evaluations.  The page has a
 * summary of the changes whose interval excludes zero, then per metric a
 * table (A, B, change with interval, p) and a dot chart (A and B per
 * cohort).  Returns 0, or -1 with a sentence in err when cmp is not an
 * object or out's cap is hit.
 */
int html_render_comparison(struct buf *out, const cJSON *cmp,
			   struct buf *err);

/*
 * The page of one slice search (the JSON of GET /v1/slices/{id}): what
 * was searched, a summary of what was confirmed, a chart and the table of
 * slices, each with a link to an evaluation of the model grouped by its
 * attributes (GET /v1/models/{id}/report?by=...), the method.  A search
 * not done yet shows its status and progress.  0, or -1 with err set.
 */
int html_render_slices(struct buf *out, const cJSON *job,
		       const char *json_href, struct buf *err);

#endif
