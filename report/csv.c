/*
 * csv.c - the evaluation as CSV; see csv.h for the columns and quoting.
 *
 * A straight walk over the cJSON tree: for every cohort of every grouping,
 * every key of its "metrics" object becomes one record, joined with the
 * same key of its "disparity" object and of its "flags" list (per-class
 * metrics of multi-class evaluations as "<key>[<label>]").  Labels come
 * from html_cohort_label() so that the CSV and the HTML report name a
 * cohort identically.
 */
#include "common/fa.h"
#include "common/util.h"
#include "report/csv.h"
#include "report/html.h"
#include "report/json.h"

static const char *const header[] = {
	"grouping", "cohort", "attributes", "n", "too_small", "metric",
	"value", "low", "high", "reason",
	"difference", "diff_low", "diff_high", "ratio", "ratio_low",
	"ratio_high", "p_value", "p_adjusted", "test", "disparity_reason",
	"flagged", "direction", "verdict", "p_equivalence",
	"p_equivalence_adjusted", "verdict_reason", "p_family", "family",
};

static const char *const disparity_num[] = {
	"difference", "diff_low", "diff_high", "ratio", "ratio_low",
	"ratio_high", "p_value", "p_adjusted",
};

void csv_add_field(struct buf *out, const char *s, size_t n, bool text)
{
	bool guard = text && n && s[0] && strchr("=+-@\t\r", s[0]);
	bool quote = guard;
	size_t i, start = 0;

	for (i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = true;
	if (n && (s[0] == ' ' || s[n - 1] == ' '))
		quote = true;
	if (!quote) {
		buf_add(out, s, n);
		return;
	}
	buf_addch(out, '"');
	if (guard)
		buf_addch(out, '\'');
	for (i = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		buf_add(out, s + start, i + 1 - start);
		buf_addch(out, '"');
		start = i + 1;
	}
	buf_add(out, s + start, n - start);
	buf_addch(out, '"');
}

void csv_add_cell(struct buf *out, const char *s, size_t n)
{
	double d;

	csv_add_field(out, s, n, parse_double(s, n, &d) != 0);
}

static void add_text(struct buf *out, const char *s)
{
	buf_addch(out, ',');
	if (s)
		csv_add_field(out, s, strlen(s), true);
}

/* Shortest decimal text that reads back as d. */
static void add_number(struct buf *out, const cJSON *v)
{
	buf_addch(out, ',');
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
		buf_add_double_shortest(out, v->valuedouble);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k)
				 : NULL;
}

static const char *get_str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool has_flag(const cJSON *flags, const char *key)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, flags)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, key))
			return true;
	return false;
}

/* The grouping's name: its "by" list joined by " & ". */
static void grouping_name(struct buf *b, const cJSON *g)
{
	const cJSON *it;
	bool first = true;

	cJSON_ArrayForEach(it, get(g, "by")) {
		if (!cJSON_IsString(it))
			continue;
		if (!first)
			buf_adds(b, " & ");
		first = false;
		buf_adds(b, it->valuestring);
	}
}

/* The cohort's columns up to "too_small", shared by its records. */
struct cohort_cols {
	const char *gname, *label, *attrs_json;
	const cJSON *n, *c, *flags;
};

/* One record: metric m named name, its disparity d (or NULL). */
static void metric_record(struct buf *out, const struct cohort_cols *cc,
			  const char *name, const cJSON *m, const cJSON *d)
{
	const cJSON *val = cJSON_IsObject(m) ? get(m, "value") : m;
	size_t i;

	csv_add_field(out, cc->gname, strlen(cc->gname), true);
	add_text(out, cc->label);
	add_text(out, cc->attrs_json);
	add_number(out, cc->n);
	buf_adds(out, cJSON_IsTrue(get(cc->c, "too_small")) ? ",true"
		 : ",false");
	add_text(out, name);
	add_number(out, val);
	add_number(out, get(m, "low"));
	add_number(out, get(m, "high"));
	add_text(out, get_str(m, "reason"));
	for (i = 0; i < ARRAY_SIZE(disparity_num); i++)
		add_number(out, get(d, disparity_num[i]));
	add_text(out, get_str(d, "test"));
	add_text(out, get_str(d, "reason"));
	buf_adds(out, has_flag(cc->flags, name) ? ",true" : ",false");
	add_text(out, get_str(d, "direction"));
	add_text(out, get_str(d, "verdict"));
	add_number(out, get(d, "p_equivalence"));
	add_number(out, get(d, "p_equivalence_adjusted"));
	add_text(out, get_str(d, "verdict_reason"));
	add_number(out, get(d, "p_family"));
	add_text(out, get_str(d, "family"));
	buf_adds(out, "\r\n");
}

/*
 * Every metric of the cohort, one record each; the per-class metrics of
 * multi-class evaluations (metrics.per_class.<label>.<key>) are named
 * "<key>[<label>]", as their flags are.
 */
static void cohort_records(struct buf *out, const char *gname,
			   const cJSON *g, const cJSON *c)
{
	const cJSON *metrics = get(c, "metrics"), *disp = get(c, "disparity");
	const cJSON *m, *attrs = get(c, "attributes");
	struct buf label = BUF_INIT, name = BUF_INIT;
	struct cohort_cols cc = { gname, NULL, NULL, get(c, "n"), c,
				  get(c, "flags") };
	char *attrs_json = NULL;

	html_cohort_label(&label, g, c);
	cc.label = label.s;
	if (attrs)
		cc.attrs_json = attrs_json = json_print(attrs);
	if (!cJSON_IsNumber(cc.n))
		cc.n = get(get(metrics, "n"), "value");
	cJSON_ArrayForEach(m, metrics) {
		const cJSON *cls, *k;

		if (strcmp(m->string, "per_class")) {
			metric_record(out, &cc, m->string, m,
				      get(disp, m->string));
			continue;
		}
		cJSON_ArrayForEach(cls, m) {
			const cJSON *dc = get(get(disp, "per_class"),
					      cls->string);

			cJSON_ArrayForEach(k, cls) {
				buf_reset(&name);
				buf_addf(&name, "%s[%s]", k->string,
					 cls->string);
				metric_record(out, &cc, name.s, k,
					      get(dc, k->string));
			}
		}
	}
	free(attrs_json);
	buf_release(&label);
	buf_release(&name);
}

int csv_render_evaluation(struct buf *out, const cJSON *eval,
			  struct buf *err)
{
	const cJSON *g, *c;
	struct buf gname = BUF_INIT;
	size_t i;

	if (!cJSON_IsObject(eval)) {
		buf_adds(err, "cannot render CSV: the evaluation is not a JSON "
			 "object");
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(header); i++) {
		if (i)
			buf_addch(out, ',');
		buf_adds(out, header[i]);
	}
	buf_adds(out, "\r\n");
	cJSON_ArrayForEach(g, get(eval, "groupings")) {
		buf_reset(&gname);
		grouping_name(&gname, g);
		cJSON_ArrayForEach(c, get(g, "cohorts"))
			cohort_records(out, gname.s, g, c);
	}
	buf_release(&gname);
	if (out->toobig) {
		buf_addf(err, "rendering the CSV exceeded the output limit of "
			 "%zu bytes", out->cap);
		return -1;
	}
	return 0;
}

int csv_render_slices(struct buf *out, const cJSON *job, struct buf *err)
{
	static const char slices_header[] =
		"rank,slice,attributes,size,speakers,value,low,high,"
		"complement,complement_low,complement_high,difference,"
		"diff_low,diff_high,p_value,p_adjusted,significant,"
		"found_in_first_half,confirmed,score\r\n";
	const cJSON *s;
	int rank = 0;

	if (!cJSON_IsObject(job)) {
		buf_adds(err, "cannot write the slices: not a JSON object");
		return -1;
	}
	buf_adds(out, slices_header);
	cJSON_ArrayForEach(s, get(job, "slices")) {
		const cJSON *m = get(s, "metric"), *c = get(s, "complement");
		const cJSON *g = get(s, "gap"), *it;
		struct buf name = BUF_INIT;
		char *attrs = json_print(get(s, "attributes"));

		cJSON_ArrayForEach(it, get(s, "attributes")) {
			if (name.len)
				buf_adds(&name, " & ");
			buf_adds(&name, it->string);
			buf_adds(&name, " = ");
			if (cJSON_IsString(it))
				buf_adds(&name, it->valuestring);
		}
		buf_addf(out, "%d", ++rank);
		add_text(out, name.s ? name.s : "");
		add_text(out, attrs ? attrs : "");
		add_number(out, get(s, "size"));
		add_number(out, get(s, "speakers"));
		add_number(out, get(m, "value"));
		add_number(out, get(m, "low"));
		add_number(out, get(m, "high"));
		add_number(out, get(c, "value"));
		add_number(out, get(c, "low"));
		add_number(out, get(c, "high"));
		add_number(out, get(g, "difference"));
		add_number(out, get(g, "low"));
		add_number(out, get(g, "high"));
		add_number(out, get(g, "p_value"));
		add_number(out, get(g, "p_adjusted"));
		add_text(out, cJSON_IsBool(get(s, "significant")) ?
			 (cJSON_IsTrue(get(s, "significant")) ? "true" : "false") :
			 NULL);
		add_text(out, cJSON_IsBool(get(s, "found_in_first_half")) ?
			 (cJSON_IsTrue(get(s, "found_in_first_half")) ? "true" :
			  "false") : NULL);
		add_text(out, cJSON_IsBool(get(s, "confirmed")) ?
			 (cJSON_IsTrue(get(s, "confirmed")) ? "true" : "false") :
			 NULL);
		add_number(out, get(s, "score"));
		buf_adds(out, "\r\n");
		free(attrs);
		buf_release(&name);
	}
	if (out->toobig) {
		buf_addf(err, "the slices CSV exceeded the output limit of %zu "
			 "bytes", out->cap);
		return -1;
	}
	return 0;
}
