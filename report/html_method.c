/*
 * html_method.c - the methodology section (intervals, tests, adjustment,
 * parameters in words) and the metadata of a report.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- report: methodology and metadata ---- */

static const struct {
	const char *key, *text;
} method_names[] = {
	{ "wilson", "Wilson score interval" },
	{ "newcombe", "Newcombe hybrid score interval" },
	{ "katz", "Katz log interval" },
	{ "fisher", "Fisher's exact test" },
	{ "z", "two-proportion z-test" },
	{ "ztest", "two-proportion z-test" },
	{ "z-test", "two-proportion z-test" },
	{ "z_test", "two-proportion z-test" },
	{ "holm", "Holm step-down adjustment" },
	{ "bh", "Benjamini" ENDASH "Hochberg adjustment" },
	{ "bonferroni", "Bonferroni adjustment" },
	{ "bootstrap", "seeded bootstrap" },
	{ "mann-whitney", "Mann" ENDASH "Whitney" },
	{ "mann_whitney", "Mann" ENDASH "Whitney" },
	{ "delong", "DeLong" },
	{ "welch", "Welch's t-test" },
};

static const char *const upper_words[] = {
	"AUC", "ECE", "WER", "CER", "MAE", "RMSE" };

static void add_method(struct buf *b, const cJSON *v)
{
	size_t i;

	if (cJSON_IsString(v)) {
		for (i = 0; i < ARRAY_SIZE(method_names); i++) {
			if (!strcasecmp(v->valuestring, method_names[i].key)) {
				buf_adds(b, method_names[i].text);
				return;
			}
		}
	}
	if (cJSON_IsObject(v)) {
		const cJSON *it;

		buf_adds(b, "<ul class=\"plain\">");
		cJSON_ArrayForEach(it, v) {
			struct buf k = BUF_INIT;
			size_t q;

			/* "difference_interval" -> "Difference interval" */
			buf_adds(&k, it->string);
			for (q = 0; q < k.len; q++)
				if (k.s[q] == '_')
					k.s[q] = ' ';
			if (k.len && k.s[0] >= 'a' && k.s[0] <= 'z')
				k.s[0] = (char)(k.s[0] - 'a' + 'A');
			/* "Auc interval" -> "AUC interval" */
			for (q = 0; q < ARRAY_SIZE(upper_words); q++) {
				size_t wl = strlen(upper_words[q]);

				if (!strncasecmp(k.s, upper_words[q], wl) &&
				    (k.s[wl] == ' ' || !k.s[wl])) {
					memcpy(k.s, upper_words[q], wl);
					break;
				}
			}
			buf_adds(b, "<li>");
			html_esc_n(b, k.s, k.len);
			buf_release(&k);
			buf_adds(b, ": ");
			add_method(b, it);
			buf_adds(b, "</li>");
		}
		buf_adds(b, "</ul>");
		return;
	}
	add_json_html(b, v, 1);
}

static void kv_begin(struct buf *b, const char *dt)
{
	buf_adds(b, "<dt>");
	buf_adds(b, dt);
	buf_adds(b, "</dt><dd>");
}

/*
 * Parameters the methodology section shows on their own lines; "by" and
 * "reference" are shown per grouping.  Any other parameter is listed under
 * "Other parameters".
 */
static const char *const known_params[] = {
	"confidence", "min_cohort_size", "tolerance", "significance",
	"adjust", "methods", "normalize", "seed", "threshold", "by",
	"reference", "bins", "positive_label", NULL };

void report_method(const struct rctx *x, struct buf *b)
{
	const cJSON *p = x->params, *it;
	struct { const char *name; int n; } tests[16];
	size_t nt = 0, i, j;
	double v;
	bool other = false;
	const char *const *kp;

	memset(tests, 0, sizeof(tests));
	for (i = 0; i < x->ng; i++) {
		for (j = 0; j < x->g[i].nrows; j++) {
			cJSON_ArrayForEach(it, x->g[i].rows[j].disparity) {
				const char *t = jstr(it, "test");
				size_t q;

				if (!t)
					continue;
				for (q = 0; q < nt; q++)
					if (!strcmp(tests[q].name, t))
						break;
				if (q == nt && nt < ARRAY_SIZE(tests))
					tests[nt++].name = t;
				if (q < nt)
					tests[q].n++;
			}
		}
	}

	buf_adds(b, "<section id=\"method\" aria-labelledby=\"method-h\">\n"
		 "<h2 id=\"method-h\">Methodology</h2>\n<dl class=\"kv\">\n");
	kv_begin(b, "Confidence level");
	if (x->has_conf) {
		add_conf(x, b);
		buf_adds(b, "two-sided intervals");
	} else {
		buf_adds(b, EMDASH);
	}
	buf_adds(b, "</dd>\n");
	kv_begin(b, "Intervals and tests");
	if (jget(p, "methods"))
		add_method(b, jget(p, "methods"));
	else
		buf_adds(b, "not recorded");
	buf_adds(b, "</dd>\n");
	kv_begin(b, "Tests applied");
	if (!nt)
		buf_adds(b, EMDASH);
	for (i = 0; i < nt; i++) {
		cJSON tmp;

		memset(&tmp, 0, sizeof(tmp));
		tmp.type = cJSON_String;
		tmp.valuestring = (char *)tests[i].name;
		if (i)
			buf_adds(b, "; ");
		add_method(b, &tmp);
		buf_addf(b, " (%d comparison%s)", tests[i].n,
			 tests[i].n == 1 ? "" : "s");
	}
	buf_adds(b, "</dd>\n");
	kv_begin(b, "Multiple comparisons");
	if (jget(p, "adjust")) {
		add_method(b, jget(p, "adjust"));
		buf_adds(b, " across the cohorts of this evaluation");
	} else {
		buf_adds(b, EMDASH);
	}
	buf_adds(b, "</dd>\n");
	kv_begin(b, "Flagging rule");
	buf_adds(b, "ratio to the reference ");
	add_tolerance(x, b);
	buf_adds(b, " and adjusted p-value below ");
	add_significance(x, b);
	buf_adds(b, "</dd>\n");
	kv_begin(b, "Minimum cohort size");
	if (x->has_min) {
		add_count(b, x->min_size);
		buf_adds(b, "; smaller cohorts are shown, marked as too small "
			 "and never flagged");
	} else {
		buf_adds(b, EMDASH);
	}
	buf_adds(b, "</dd>\n");
	if (cJSON_IsObject(jget(p, "bins")) && jget(p, "bins")->child) {
		kv_begin(b, "Numeric bins (edges)");
		add_json_html(b, jget(p, "bins"), 0);
		buf_adds(b, "</dd>\n");
	}
	it = jget(p, "positive_label");
	if (it && !cJSON_IsNull(it)) {
		kv_begin(b, "Positive label");
		buf_adds(b, "<code>");
		add_json_html(b, it, 1);
		buf_adds(b, "</code></dd>\n");
	}
	if (jnum(p, "threshold", &v)) {
		kv_begin(b, "Score threshold");
		add_shortest(b, v);
		buf_adds(b, " (a score at or above it is a positive "
			 "prediction)</dd>\n");
	}
	kv_begin(b, "Reference cohorts");
	for (i = 0; i < x->ng; i++) {
		if (i)
			buf_adds(b, "; ");
		html_esc(b, x->g[i].by_label);
		buf_adds(b, ": ");
		if (x->g[i].ref)
			html_esc(b, x->g[i].ref->label);
		else
			buf_adds(b, "none");
	}
	if (!x->ng)
		buf_adds(b, EMDASH);
	buf_adds(b, "</dd>\n");
	if (x->task == TK_ASR || jget(p, "normalize") || jget(p, "seed")) {
		kv_begin(b, "Text normalisation");
		if (jget(p, "normalize"))
			add_json_html(b, jget(p, "normalize"), 0);
		else
			buf_adds(b, "not recorded");
		buf_adds(b, "</dd>\n");
		kv_begin(b, "Bootstrap seed");
		if (jget(p, "seed"))
			add_json_html(b, jget(p, "seed"), 0);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</dd>\n");
	}
	if (x->task == TK_ASR)
		buf_adds(b, "<dt>Word error rate</dt><dd>pooled: (S + D + I) / "
			 "reference words over the cohort, as NIST sclite "
			 "reports it; the mean per-utterance WER is shown "
			 "beside it</dd>\n");
	cJSON_ArrayForEach(it, p) {
		for (kp = known_params; *kp; kp++)
			if (!strcmp(*kp, it->string))
				break;
		if (*kp)
			continue;
		if (!other)
			kv_begin(b, "Other parameters");
		else
			buf_adds(b, "; ");
		other = true;
		html_esc(b, it->string);
		buf_adds(b, ": ");
		add_json_html(b, it, 1);
	}
	if (other)
		buf_adds(b, "</dd>\n");
	buf_adds(b, "</dl>\n</section>\n");
}

static void dd_text(struct buf *b, const char *dt, const char *s,
		    const char *code)
{
	kv_begin(b, dt);
	if (s)
		html_esc(b, s);
	if (code) {
		buf_adds(b, s ? " <code>" : "<code>");
		html_esc(b, code);
		buf_adds(b, "</code>");
	}
	if (!s && !code)
		buf_adds(b, EMDASH);
	buf_adds(b, "</dd>\n");
}

void report_about(const struct rctx *x, struct buf *b)
{
	const struct html_meta *m = x->meta;
	struct buf t = BUF_INIT;

	buf_adds(b, "<section id=\"about\" aria-labelledby=\"about-h\">\n"
		 "<h2 id=\"about-h\">Dataset and model</h2>\n<dl class=\"kv\">"
		 "\n");
	dd_text(b, "Dataset", m ? m->dataset_name : NULL,
		jstr(x->eval, "dataset_id"));
	if (m && m->model_name)
		buf_adds(&t, m->model_name);
	if (m && m->model_version) {
		if (t.len)
			buf_adds(&t, ", version ");
		else
			buf_adds(&t, "version ");
		buf_adds(&t, m->model_version);
	}
	dd_text(b, "Model", t.len ? t.s : NULL, jstr(x->eval, "model_id"));
	dd_text(b, "Task", jstr(x->eval, "task"), NULL);
	dd_text(b, "Evaluation", NULL, jstr(x->eval, "id"));
	dd_text(b, "Created", m && m->created_at ? m->created_at :
		jstr(x->eval, "created_at"), NULL);
	kv_begin(b, "Downloads");
	if (m && m->json_href) {
		buf_adds(b, "<a");
		add_href(b, m->json_href);
		buf_adds(b, " type=\"application/json\">JSON</a>");
	}
	if (m && m->json_href && m->csv_href)
		buf_adds(b, " " MIDDOT " ");
	if (m && m->csv_href) {
		buf_adds(b, "<a");
		add_href(b, m->csv_href);
		buf_adds(b, " type=\"text/csv\">CSV</a> (one row per cohort "
			 "and metric)");
	}
	if (!m || (!m->json_href && !m->csv_href))
		buf_adds(b, EMDASH);
	buf_adds(b, "</dd>\n</dl>\n</section>\n");
	buf_release(&t);
}
