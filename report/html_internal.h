/*
 * html_internal.h - what the parts of the HTML renderer share: glyphs and
 * limits, the metric catalogue, the model of one grouping, and the helpers
 * each part exports to the others.  Only report/html_*.c and
 * report/bounty_html.c include it; the public contract is report/html.h.
 *
 * The parts, in the order a report is drawn:
 *   html_escape.c   the one escaper, links, percent-encoding
 *   html_format.c   numbers and the metric catalogue (names, kinds)
 *   html_model.c    JSON access, key lists, labels, the model of a grouping
 *   html_page.c     the style sheet, the page head and foot
 *   html_summary.c  a report's header, summary, warnings and overall table
 *   html_table.c    a grouping's cohort table, sort links and legend
 *   html_charts.c   the SVG charts: bars with intervals, heatmap, S/D/I
 *   html_method.c   methodology and metadata
 *   html_report.c   one grouping's section, worst utterances, the report
 *   html_index.c    index pages and notices
 *   html_compare.c  the comparison of two evaluations
 *   bounty_html.c   the bounty page
 *
 * Every helper appends to a caller's buf and escapes whatever comes from
 * data; none keeps a pointer to its inputs.
 */
#ifndef FA_REPORT_HTML_INTERNAL_H
#define FA_REPORT_HTML_INTERNAL_H

#include "common/fa.h"
#include "common/buf.h"
#include "report/html.h"
#include <cjson/cJSON.h>

#define MINUS "\xe2\x88\x92"
#define EMDASH "\xe2\x80\x94"
#define ENDASH "\xe2\x80\x93"
#define TIMES "\xc3\x97"
#define DAGGER "\xe2\x80\xa0"
#define MIDDOT "\xc2\xb7"
#define ELLIPSIS "\xe2\x80\xa6"
#define REPLACEMENT "\xef\xbf\xbd"
#define ARROW "\xe2\x86\x92"

#define LEAD_FINDINGS 6	/* flagged disparities listed up front */
#define MAX_FINDINGS 50		/* ... and at most this many in all */
#define MAX_UTTERANCES 5	/* worst utterances shown per cohort */
#define MAX_TOKENS 200		/* alignment tokens shown per utterance */
#define MAX_HEAT_CELLS 4096	/* bigger intersections get no heatmap */
#define LABEL_CHARS 26		/* cohort label in a chart, code points */
#define OPEN_DETAILS 8		/* worst-utterance lists open by default */
#define DENSE_ROWS 100		/* groupings above this get compact charts */
#define MAX_CHART_ROWS 2000	/* ... and above this none */
#define MAX_DEPTH 4		/* nesting shown for generic JSON values */

enum kind { K_COUNT, K_RATE, K_REAL };

struct metric_info {
	const char *key, *name, *abbr;
	enum kind kind;
};

struct mval {
	bool has, has_ci;
	double v, lo, hi;
	const char *reason;
};

struct dval {
	bool has_d, has_dci, has_r, has_rci, has_p, has_pa;
	bool corrected;		/* ratio_corrected: a zero count, 0.5 added */
	double d, dlo, dhi, r, rlo, rhi, p, pa;
	const char *test, *reason, *ratio_reason, *p_reason;
};

struct keys {
	const char **k;
	size_t n, cap;
};

enum tkind { TK_BINARY, TK_MULTI, TK_SCORE, TK_REGRESSION, TK_ASR };

struct crow {
	const cJSON *c, *attrs, *metrics, *disparity, *flags;
	char *label;		/* "a = x & b = y", raw */
	char *shortl;		/* "x · y", raw */
	double n, sev;
	bool has_n, small, ref;
	int nflags;
	size_t idx;
};

struct grp {
	const cJSON *g;
	int id;
	const char **attrs;
	size_t nattrs;
	struct crow *rows;
	struct crow **order;
	size_t nrows;
	const struct crow *ref;
	struct keys table, chart;
	bool *wide;		/* per table key: some cohort has a disparity */
	bool all_wide;
	int nflagged, nsmall;
	char *by_label;		/* "race × sex", raw */
	char **own;		/* per-class keys the lists point to */
	size_t nown, owncap;
};

struct rctx {
	const cJSON *eval, *params;
	const struct html_meta *meta;
	enum html_sort sort;
	enum tkind task;
	double conf;
	bool has_conf;
	double min_size;
	bool has_min;
	struct grp *g;
	size_t ng;
};

struct axis {
	double lo, hi, step, x0, x1;
	int dec;
};

/* ---- html_escape.c ---- */

/* html_esc() of at most max code points, the last one an ellipsis if cut. */
void esc_trunc(struct buf *b, const char *s, size_t max);
/* ` href="h"`, or ` href="#"` unless h is relative or http(s). */
void add_href(struct buf *b, const char *h);
/* s percent-encoded for a URL path segment. */
void add_pct(struct buf *b, const char *s);

/* ---- html_format.c: numbers (see html.h for the rules) ---- */

/* x with dec decimals; "+" before positives when plus; never "-0". */
void add_fixed(struct buf *b, double x, int dec, bool plus);
/* Four significant digits but at most three decimals. */
void add_real(struct buf *b, double x, bool plus);
/* Integers with thousands separators; anything else as add_real. */
void add_count(struct buf *b, double x);
/* Shortest text that reads back as d (attribute values, parameters). */
void add_shortest(struct buf *b, double d);
/* A p-value: "&lt; 0.001" or three decimals. */
void add_p(struct buf *b, double p);

/* ---- html_format.c: the metric catalogue ---- */

/* Split "name[label]" (a per-class key); false for other keys. */
bool pc_split(const char *key, const char **name, size_t *name_len,
	      const char **label, size_t *label_len);
/* The metric's name ("False positive rate") or, with abbr, "FPR". */
void add_metric(struct buf *b, const char *key, bool abbr);
enum kind metric_kind(const char *key);
/* A bounty's or slice search's metric in words ("false positive rate"). */
const char *metric_plain_name(const char *m);
/* The metric's name in lower case, as inside a sentence. */
void add_name_lower(struct buf *b, const char *key);
/* A value, difference or range formatted for the metric's kind. */
void add_value(struct buf *b, enum kind k, double x);
void add_diff(struct buf *b, enum kind k, double x, bool plus);
void add_range(struct buf *b, double lo, double hi,
	       void (*f)(struct buf *, enum kind, double, bool),
	       enum kind k);
void fmt_value(struct buf *b, enum kind k, double x, bool plus);
void fmt_ratio(struct buf *b, enum kind k, double x, bool plus);

/* ---- html_model.c ---- */

/* Member k of object o; NULL when o is not an object or has no k. */
const cJSON *jget(const cJSON *o, const char *k);
/* A finite number member; false (and *out untouched) otherwise. */
bool jnum(const cJSON *o, const char *k, double *out);
/* A string member, or NULL. */
const char *jstr(const cJSON *o, const char *k);
/* Raw text of a scalar (attribute values); nothing for null. */
void add_scalar_raw(struct buf *b, const cJSON *v);
/* Any JSON value as escaped text, nested at most MAX_DEPTH deep. */
void add_json_html(struct buf *b, const cJSON *v, int depth);
/* A metric (value and interval) and its disparity, per-class keys too. */
struct mval mget(const cJSON *metrics, const char *key);
struct dval dget(const cJSON *disparity, const char *key);
/* True if the cohort's flags name key. */
bool flagged(const cJSON *flags, const char *key);

bool keys_has(const struct keys *ks, const char *k);
void keys_add(struct keys *ks, const char *k);
void keys_release(struct keys *ks);

enum tkind task_kind(const cJSON *eval);
/* The metrics charted, and the further ones tabled, for a task. */
const char *const *chart_keys_for(enum tkind t);
const char *const *extra_keys_for(enum tkind t);
/* True if some cohort of g has metric key. */
bool grp_has_metric(const struct grp *g, const char *key);
/* Gather grouping gj (number id) into g, rows in x->sort order. */
void grp_build(struct rctx *x, struct grp *g, const cJSON *gj, int id);
void grp_release(struct grp *g);

/* ---- html_page.c ---- */

/* The report style sheet's page head, the shared SVG defs and <main>. */
void page_begin(struct buf *b, const char *title);
void page_end(struct buf *b);
/* 0, or -1 with a sentence in err when b hit its cap while drawing what. */
int finish(struct buf *b, struct buf *err, const char *what);
/* A legend swatch: an inline SVG with one rect of class "sw cls". */
void swatch(struct buf *b, const char *cls);

/* ---- html_summary.c ---- */

void add_conf(const struct rctx *x, struct buf *b);
const char *model_label(const struct rctx *x);
const char *dataset_label(const struct rctx *x);
void add_tolerance(const struct rctx *x, struct buf *b);
void add_significance(const struct rctx *x, struct buf *b);
void report_header(const struct rctx *x, struct buf *b);
void report_warnings(const struct rctx *x, struct buf *b);
void report_summary(const struct rctx *x, struct buf *b);
void report_overall(const struct rctx *x, struct buf *b);

/* ---- html_table.c ---- */

void add_sort_links(const struct rctx *x, const struct grp *g,
		    struct buf *b);
void attr_cell(struct buf *b, const cJSON *v);
/* A cell with no value: a dash whose title gives the reason. */
void na_cell(struct buf *b, const char *cls, const char *reason);
/* The mark of a ratio computed with 0.5 added to every count (a dagger). */
void add_corrected_mark(struct buf *b);
/*
 * The p-value cell: the adjusted p in bold over the raw p, either one
 * alone, or (neither) an na_cell with reason; class "hit" when hit.
 */
void p_cell(struct buf *b, bool hit, bool has_pa, double pa, bool has_p,
	    double p, const char *reason);
void cohort_table(const struct rctx *x, const struct grp *g,
		  struct buf *b);
void report_legend(const struct rctx *x, struct buf *b);
/*
 * For the inconclusive comparisons of rates in grouping g: the ratio the
 * data could detect with 80 % power and the examples that would detect the
 * tolerance's ratio (evaluate/evaluation.c's "power"), in a closed
 * <details>; nothing when there are none.
 */
void power_notes(const struct rctx *x, const struct grp *g, struct buf *b);

/* ---- html_condition.c ---- */

/* The grouping's last-mile section (its "condition"), if it has one. */
void condition_section(const struct rctx *x, const struct grp *g,
		       struct buf *b);

/* ---- html_charts.c ---- */

double ax_x(const struct axis *a, double v);
void ax_draw(struct buf *b, const struct axis *a, double y0, double y1);
void ax_setup(struct axis *a, double lo, double hi, double x0, double x1);
/* Height of one chart row for a grouping of n cohorts. */
double row_height(size_t n);
void add_chart_label(struct buf *b, const struct grp *g,
		     const struct crow *r);
void chart_bars(const struct rctx *x, const struct grp *g,
		const char *key, struct buf *b);
void chart_heat(const struct grp *g, const char *key, struct buf *b);
void chart_sdi(const struct grp *g, struct buf *b);
void sdi_legend(struct buf *b);

/* ---- html_method.c ---- */

void report_method(const struct rctx *x, struct buf *b);
void report_about(const struct rctx *x, struct buf *b);

#endif
