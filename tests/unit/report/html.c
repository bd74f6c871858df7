/*
 * Unit tests for the HTML renderer (report/html_*.c) and report/csv.c:
 * escaping of hostile strings in every place a string lands, chart marks
 * per cohort, the summary sentences, number formats, sort orders, undefined metrics, the
 * index and comparison pages, CSV quoting, and the size of a 500-cohort
 * report.
 *
 * The escaping tests scan the rendered page with a small tag scanner: every
 * tag and attribute must be on an allow-list and no href may carry a
 * script scheme, so a string that broke out of text or of an attribute
 * value shows up as an unknown tag (script, img) or attribute (onerror).
 */
#include "common/fa.h"
#include <ctype.h>
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "common/util.h"
#include "report/csv.h"
#include "report/html.h"

#define H1 "<script>alert(1)</script>"
#define H2 "\"><img src=x onerror=alert(2)>"
#define E1 "&lt;script&gt;alert(1)&lt;/script&gt;"
#define E2 "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"

/* ---- helpers ---- */

static char *render(const cJSON *eval, const struct html_meta *meta,
		    enum html_sort sort)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	struct html_options opt = { sort };

	assert_int_equal(html_render_evaluation(&out, eval, meta, &opt, &err),
			 0);
	assert_int_equal(err.len, 0);
	buf_release(&err);
	return buf_detach(&out, NULL);
}

static cJSON *rate(double v, double lo, double hi)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "value", v);
	cJSON_AddNumberToObject(o, "low", lo);
	cJSON_AddNumberToObject(o, "high", hi);
	return o;
}

static cJSON *undefined(const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNullToObject(o, "value");
	cJSON_AddStringToObject(o, "reason", reason);
	return o;
}

static cJSON *disparity(double d, double r, double p, double pa,
			const char *test)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "difference", d);
	cJSON_AddNumberToObject(o, "diff_low", d - 0.05);
	cJSON_AddNumberToObject(o, "diff_high", d + 0.05);
	cJSON_AddNumberToObject(o, "ratio", r);
	cJSON_AddNumberToObject(o, "ratio_low", r * 0.9);
	cJSON_AddNumberToObject(o, "ratio_high", r * 1.1);
	cJSON_AddNumberToObject(o, "p_value", p);
	cJSON_AddNumberToObject(o, "p_adjusted", pa);
	cJSON_AddStringToObject(o, "test", test);
	return o;
}

/* An evaluation skeleton: task, params, one grouping by the given attrs. */
static cJSON *eval_new(const char *task, const char *attr1, const char *attr2,
		       cJSON **cohorts)
{
	cJSON *e = cJSON_CreateObject(), *p, *g, *by;

	cJSON_AddStringToObject(e, "id", "ev_1");
	cJSON_AddStringToObject(e, "model_id", "mo_1");
	cJSON_AddStringToObject(e, "dataset_id", "ds_1");
	cJSON_AddStringToObject(e, "task", task);
	cJSON_AddStringToObject(e, "created_at", "2024-01-02T03:04:05Z");
	p = cJSON_AddObjectToObject(e, "params");
	cJSON_AddNumberToObject(p, "confidence", 0.95);
	cJSON_AddNumberToObject(p, "min_cohort_size", 30);
	cJSON_AddNumberToObject(p, "tolerance", 0.8);
	cJSON_AddNumberToObject(p, "significance", 0.05);
	cJSON_AddStringToObject(p, "adjust", "holm");
	g = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "groupings"), g);
	by = cJSON_AddArrayToObject(g, "by");
	cJSON_AddItemToArray(by, cJSON_CreateString(attr1));
	if (attr2)
		cJSON_AddItemToArray(by, cJSON_CreateString(attr2));
	*cohorts = cJSON_AddArrayToObject(g, "cohorts");
	return e;
}

static cJSON *grouping0(cJSON *e)
{
	return cJSON_GetArrayItem(cJSON_GetObjectItem(e, "groupings"), 0);
}

static cJSON *cohort_add(cJSON *cohorts, const char *a1, const char *v1,
			 const char *a2, const char *v2, double n)
{
	cJSON *c = cJSON_CreateObject(), *at;

	at = cJSON_AddObjectToObject(c, "attributes");
	cJSON_AddStringToObject(at, a1, v1);
	if (a2)
		cJSON_AddStringToObject(at, a2, v2);
	cJSON_AddNumberToObject(c, "n", n);
	cJSON_AddBoolToObject(c, "too_small", n < 30);
	cJSON_AddObjectToObject(c, "metrics");
	cJSON_AddObjectToObject(c, "disparity");
	cJSON_AddArrayToObject(c, "flags");
	cJSON_AddItemToArray(cohorts, c);
	return c;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, len = strlen(needle);

	for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
		n++;
	return n;
}

/* The text between the first `open` and the next `close` after it. */
static char *slice(const char *s, const char *open, const char *close)
{
	const char *a = strstr(s, open), *b;

	if (!a)
		return NULL;
	b = strstr(a, close);
	if (!b)
		return NULL;
	return xstrndup(a, (size_t)(b - a) + strlen(close));
}

static const char *const ok_tags[] = {
	"html", "head", "meta", "title", "style", "body", "svg", "defs",
	"pattern", "rect", "path", "main", "header", "p", "h1", "h2", "h3",
	"nav", "a", "section", "ul", "ol", "li", "div", "table", "caption",
	"colgroup", "thead", "tbody", "tr", "th", "td", "b", "span", "small",
	"abbr", "code", "figure", "figcaption", "g", "text", "details",
	"summary", "dl", "dt", "dd", "footer", "linearGradient", "stop",
	"circle", NULL };
static const char *const ok_attrs[] = {
	"class", "id", "href", "type", "lang", "charset", "name", "content",
	"http-equiv", "viewBox", "width", "height", "role",
	"aria-labelledby", "aria-label", "aria-hidden", "aria-current",
	"focusable", "tabindex", "scope", "rowspan", "colspan", "span",
	"data-cohort", "data-metric", "title", "x", "y", "d", "transform",
	"patternUnits", "patternTransform", "fill", "stroke", "stroke-width",
	"offset", "stop-color", "x1", "x2", "cx", "cy", "r", "open", NULL };

static bool listed(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(*list, s, n))
			return true;
	return false;
}

/*
 * Scan an HTML page; return the number of tags or attributes outside the
 * allow-lists, hrefs with a scheme other than http(s), and unterminated
 * attribute values, printing each.
 */
static int scan_html(const char *s)
{
	int bad = 0;

	while ((s = strchr(s, '<'))) {
		const char *name;
		size_t n;
		bool closing = false;

		s++;
		if (!strncmp(s, "!DOCTYPE", 8)) {
			s = strchr(s, '>');
			continue;
		}
		if (*s == '/') {
			closing = true;
			s++;
		}
		name = s;
		while (*s && (isalnum((unsigned char)*s)))
			s++;
		n = (size_t)(s - name);
		if (!n || !listed(ok_tags, name, n)) {
			printf("# disallowed tag <%.*s\n", (int)(n + 10), name);
			bad++;
		}
		if (closing) {
			if (*s != '>') {
				printf("# junk in closing tag %.20s\n", name);
				bad++;
			}
			continue;
		}
		for (;;) {
			const char *an, *v, *ve;
			size_t alen;

			while (*s == ' ' || *s == '\n')
				s++;
			if (*s == '>' || !*s)
				break;
			if (*s == '/' && s[1] == '>') {
				s++;
				break;
			}
			an = s;
			while (*s && *s != '=' && *s != ' ' && *s != '>' &&
			       *s != '/')
				s++;
			alen = (size_t)(s - an);
			if (!alen || !listed(ok_attrs, an, alen)) {
				printf("# disallowed attribute %.*s in <%.*s\n",
				       (int)(alen + 10), an, (int)n, name);
				bad++;
			}
			if (*s != '=')
				continue;
			if (s[1] != '"') {
				printf("# unquoted attribute value %.20s\n", an);
				bad++;
				break;
			}
			v = s + 2;
			ve = strchr(v, '"');
			if (!ve || memchr(v, '<', (size_t)(ve - v))) {
				printf("# bad attribute value %.40s\n", v);
				bad++;
				break;
			}
			if (alen == 4 && !strncmp(an, "href", 4) &&
			    (!strncasecmp(v, "javascript", 10) ||
			     !strncasecmp(v, "data:", 5))) {
				printf("# script link %.40s\n", v);
				bad++;
			}
			s = ve + 1;
		}
		if (n == 5 && !strncmp(name, "style", 5))
			s = strstr(s, "</style>");
		if (!s)
			break;
	}
	return bad;
}

/* ---- escaping ---- */

/* Every string field, each hostile with its own tag so its place shows. */
static cJSON *hostile_eval(void)
{
	cJSON *cs, *e = eval_new("asr", H1 "attr" H2, H1 "attr2" H2, &cs);
	cJSON *g = grouping0(e), *p = cJSON_GetObjectItem(e, "params");
	cJSON *ref, *c, *m, *d, *wu, *u, *al, *t, *ov;

	cJSON_ReplaceItemInObject(e, "id", cJSON_CreateString(H1 "id" H2));
	cJSON_ReplaceItemInObject(e, "created_at",
				  cJSON_CreateString(H1 "created" H2));
	cJSON_ReplaceItemInObject(e, "dataset_id",
				  cJSON_CreateString(H1 "dsid" H2));
	cJSON_ReplaceItemInObject(e, "model_id",
				  cJSON_CreateString(H1 "moid" H2));
	cJSON_ReplaceItemInObject(p, "adjust", cJSON_CreateString(H1 "adj" H2));
	cJSON_AddItemToObject(cJSON_AddObjectToObject(p, "methods"),
			      H1 "mkey" H2, cJSON_CreateString(H1 "mval" H2));
	cJSON_AddItemToObject(p, "normalize", cJSON_CreateString(H1 "norm" H2));
	cJSON_AddItemToObject(p, H1 "pkey" H2, cJSON_CreateString(H1 "pval" H2));
	ov = cJSON_AddObjectToObject(e, "overall");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(ov, "metrics"), "wer",
			      undefined(H1 "oreason" H2));
	ref = cJSON_AddObjectToObject(g, "reference");
	cJSON_AddStringToObject(ref, H1 "attr" H2, H1 "v0" H2);
	cJSON_AddStringToObject(ref, H1 "attr2" H2, H1 "w0" H2);
	for (int i = 0; i < 2; i++) {
		c = cohort_add(cs, H1 "attr" H2, i ? H1 "v1" H2 : H1 "v0" H2,
			       H1 "attr2" H2, i ? H1 "w1" H2 : H1 "w0" H2, 100);
		m = cJSON_GetObjectItem(c, "metrics");
		d = cJSON_GetObjectItem(c, "disparity");
		cJSON_AddItemToObject(m, "wer", rate(0.2 + i * 0.2, 0.1, 0.5));
		cJSON_AddItemToObject(m, "cer", undefined(H1 "why" H2));
		cJSON_AddItemToObject(m, "substitutions", cJSON_CreateNumber(5));
		cJSON_AddItemToObject(m, "reference_words",
				      cJSON_CreateNumber(50));
		if (!i)
			continue;
		cJSON_AddItemToObject(d, "wer", disparity(0.2, 2, 1e-4, 2e-4,
							  H1 "test" H2));
		cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
				     cJSON_CreateString("wer"));
		cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
				     cJSON_CreateString(H1 "flag" H2));
		wu = cJSON_AddArrayToObject(c, "worst_utterances");
		u = cJSON_CreateObject();
		cJSON_AddItemToArray(wu, u);
		cJSON_AddStringToObject(u, "id", H1 "utt" H2);
		cJSON_AddStringToObject(u, "speaker", H1 "spk" H2);
		cJSON_AddNumberToObject(u, "wer", 0.5);
		al = cJSON_AddArrayToObject(u, "alignment");
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "op", "S");
		cJSON_AddStringToObject(t, "ref", H1 "ref" H2);
		cJSON_AddStringToObject(t, "hyp", H1 "hyp" H2);
		cJSON_AddItemToArray(al, t);
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "op", "I");
		cJSON_AddStringToObject(t, "hyp", H1 "ins" H2);
		cJSON_AddItemToArray(al, t);
	}
	return e;
}

static void test_html__hostile_strings_escaped(void **state)
{
	static const char *const places[] = {
		"attr", "attr2", "id", "created", "dsid", "moid", "adj",
		"mkey", "mval", "norm", "pkey", "pval", "oreason", "v0", "v1",
		"w0", "w1", "why", "test", "flag", "utt", "spk", "ref", "hyp",
		"ins", "dsname", "moname", "ver", "title" };
	struct html_meta meta = {
		.dataset_name = H1 "dsname" H2, .model_name = H1 "moname" H2,
		.model_version = H1 "ver" H2,
		.json_href = "javascript:alert(3)",
		.csv_href = "/x?a=1&b=\"><img/src=x>",
		.sort_href_base = "?t=\"><img src=x>&",
	};
	cJSON *e = hostile_eval();
	char *html = render(e, &meta, HTML_SORT_SEVERITY);
	char want[256];

	(void)state;
	assert_int_equal(scan_html(html), 0);
	assert_null(strcasestr(html, "<script"));
	assert_null(strcasestr(html, "<img"));
	assert_null(strstr(html, "javascript:"));
	assert_non_null(strstr(html, "href=\"/x?a=1&amp;b=&quot;&gt;&lt;img/"
			       "src=x&gt;\""));
	for (size_t i = 0; i < ARRAY_SIZE(places); i++) {
		if (!strcmp(places[i], "title"))
			continue;
		snprintf(want, sizeof(want), E1 "%s" E2, places[i]);
		if (!strstr(html, want))
			fail_msg("escaped \"%s\" missing", places[i]);
	}
	/* the <title> holds the escaped names */
	assert_non_null(strstr(html, "<title>Disparity report: " E1 "moname"
			       E2 " " E1 "ver" E2 " on " E1 "dsname" E2
			       "</title>"));
	/* SVG text and titles, table headers and data-cohort indices */
	assert_non_null(strstr(html, "<th scope=\"col\" rowspan=\"2\">" E1
			       "attr" E2 "</th>"));
	assert_non_null(strstr(html, "<title>" E1 "v1" E2));
	free(html);
	cJSON_Delete(e);
}

static void test_html__invalid_utf8_replaced(void **state)
{
	cJSON *cs, *e = eval_new("classification", "a\xff", NULL, &cs);
	cJSON *c = cohort_add(cs, "a\xff", "caf\xc3\xa9 \xc0\xaf \x01x", NULL,
			      NULL, 50);
	char *html;

	(void)state;
	cJSON_AddItemToObject(cJSON_GetObjectItem(c, "metrics"), "fpr",
			      rate(0.1, 0.05, 0.2));
	html = render(e, NULL, HTML_SORT_NAME);
	assert_true(utf8_valid(html, strlen(html)));
	assert_non_null(strstr(html, "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd "
			       "\xef\xbf\xbdx"));
	assert_non_null(strstr(html, "a\xef\xbf\xbd"));
	free(html);
	cJSON_Delete(e);
}

/* ---- marks ---- */

static cJSON *binary_eval(int ncohorts, bool two_attrs)
{
	cJSON *cs, *e = eval_new("classification", "race",
				 two_attrs ? "sex" : NULL, &cs);
	char v[32], w[32];

	for (int i = 0; i < ncohorts; i++) {
		cJSON *c, *m, *d;

		snprintf(v, sizeof(v), "r%d", two_attrs ? i / 10 : i);
		snprintf(w, sizeof(w), "s%d", i % 10);
		c = cohort_add(cs, "race", v, two_attrs ? "sex" : NULL, w,
			       i % 7 == 3 ? 10 : 100 + i);
		m = cJSON_GetObjectItem(c, "metrics");
		d = cJSON_GetObjectItem(c, "disparity");
		cJSON_AddItemToObject(m, "n", rate(100 + i, 0, 0));
		cJSON_AddItemToObject(m, "fpr", i == 5 ? undefined("no "
			"negatives") : rate(0.1 + i * 0.001, 0.05, 0.3));
		cJSON_AddItemToObject(m, "fnr", rate(0.2, 0.1, 0.3));
		cJSON_AddItemToObject(m, "selection_rate", rate(0.4, 0.3, 0.5));
		cJSON_AddItemToObject(m, "error_rate", rate(0.25, 0.2, 0.3));
		if (i)
			cJSON_AddItemToObject(d, "fpr", disparity(0.01, 1.1,
							0.2, 0.6, "z"));
	}
	cJSON_AddItemToObject(cJSON_AddObjectToObject(grouping0(e),
			      "reference"), "race", cJSON_CreateString("r0"));
	return e;
}

/* Number of chart marks (<g class="m...">) inside the figure of a metric. */
static size_t marks_in(const char *html, const char *fig, const char *mark)
{
	char *f = slice(html, fig, "</figure>");
	size_t n;

	assert_non_null(f);
	n = count(f, mark);
	free(f);
	return n;
}

static void test_html__one_mark_per_cohort(void **state)
{
	static const struct { int n; bool two; } cases[] = {
		{ 1, false }, { 7, false }, { 40, true }, { 150, true },
	};
	static const char *const keys[] = {
		"fpr", "fnr", "selection_rate", "error_rate" };
	char fig[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *e = binary_eval(cases[i].n, cases[i].two);
		char *html = render(e, NULL, HTML_SORT_SEVERITY);

		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			snprintf(fig, sizeof(fig), "<figure class=\"chart\" "
				 "data-metric=\"%s\">", keys[k]);
			assert_int_equal(marks_in(html, fig, "<g class=\"m"),
					 cases[i].n);
			assert_int_equal(marks_in(html, fig, "<title>"),
					 cases[i].n + 0);
		}
		if (cases[i].two) {
			assert_int_equal(marks_in(html, "<figure class=\"heat",
						  "<g class=\"hc"),
					 cases[i].n);
		} else {
			assert_null(strstr(html, "<figure class=\"heat"));
		}
		/* one table row per cohort, each with its index */
		assert_int_equal(count(html, "data-cohort=\"0\""),
				 cases[i].two && cases[i].n <= 100 ? 9 :
				 cases[i].two ? 6 : 5);
		assert_int_equal(count(html, "<tr") - 2, cases[i].n);
		free(html);
		cJSON_Delete(e);
	}
}

static void test_html__asr_marks_and_alignment(void **state)
{
	cJSON *cs, *e = eval_new("asr", "accent", NULL, &cs);
	const char *accents[] = { "us", "scottish", "indian" };
	char *html;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(accents); i++) {
		cJSON *c = cohort_add(cs, "accent", accents[i], NULL, NULL, 40);
		cJSON *m = cJSON_GetObjectItem(c, "metrics");

		cJSON_AddItemToObject(m, "wer", rate(0.1 * (double)(i + 1),
						     0.05, 0.4));
		cJSON_AddItemToObject(m, "substitutions",
				      cJSON_CreateNumber(10));
		cJSON_AddItemToObject(m, "deletions", cJSON_CreateNumber(5));
		cJSON_AddItemToObject(m, "insertions", cJSON_CreateNumber(i));
		cJSON_AddItemToObject(m, "reference_words",
				      cJSON_CreateNumber(100));
		if (i == 1) {
			cJSON *u = cJSON_Parse(
				"[{\"id\":\"u1\",\"speaker\":\"s1\",\"wer\":0.5,"
				"\"alignment\":[{\"op\":\"C\",\"ref\":\"a\","
				"\"hyp\":\"a\"},{\"op\":\"S\",\"ref\":\"loch\","
				"\"hyp\":\"lock\"},{\"op\":\"D\",\"ref\":\"x&y\""
				"},{\"op\":\"I\",\"hyp\":\"<uh>\"}]}]");
			cJSON_AddItemToObject(c, "worst_utterances", u);
		}
	}
	html = render(e, NULL, HTML_SORT_NAME);
	assert_int_equal(marks_in(html, "<figure class=\"chart sdi\"",
				  "<g class=\"m"), 3);
	/* stacked segments: S and D everywhere, I only where non-zero */
	assert_int_equal(marks_in(html, "<figure class=\"chart sdi\"",
				  "<rect class=\"s\""), 3);
	assert_int_equal(marks_in(html, "<figure class=\"chart sdi\"",
				  "<rect class=\"i\""), 2);
	assert_non_null(strstr(html, "<span class=\"tk s\"><span class=\"r\">"
			       "loch</span><span class=\"h\">lock</span>"));
	assert_non_null(strstr(html, "<span class=\"tk d\"><span class=\"r\">"
			       "x&amp;y</span><span class=\"h\"><span "
			       "class=\"gap\">***</span>"));
	assert_non_null(strstr(html, "<span class=\"tk i\"><span class=\"r\">"
			       "<span class=\"gap\">***</span></span><span "
			       "class=\"h\">&lt;uh&gt;</span>"));
	assert_int_equal(scan_html(html), 0);
	free(html);
	cJSON_Delete(e);
}

/* ---- summary and numbers ---- */

static const char compas_json[] =
	"{\"task\":\"classification\",\"params\":{\"confidence\":0.95,"
	"\"tolerance\":0.8,\"significance\":0.05,\"min_cohort_size\":30},"
	"\"groupings\":[{\"by\":[\"race\"],\"reference\":{\"race\":"
	"\"Caucasian\"},\"cohorts\":["
	"{\"attributes\":{\"race\":\"African-American\"},\"n\":3696,"
	"\"metrics\":{\"fpr\":{\"value\":0.448,\"low\":0.43,\"high\":0.47}},"
	"\"disparity\":{\"fpr\":{\"difference\":0.213,\"diff_low\":0.19,"
	"\"diff_high\":0.236,\"ratio\":1.91,\"ratio_low\":1.8,"
	"\"ratio_high\":2.03,\"p_value\":1e-40,\"p_adjusted\":3e-40,"
	"\"test\":\"z\"}},\"flags\":[\"fpr\"]},"
	"{\"attributes\":{\"race\":\"Caucasian\"},\"n\":2454,"
	"\"metrics\":{\"fpr\":{\"value\":0.235,\"low\":0.21,\"high\":0.26}},"
	"\"flags\":[]}]}]}";

static void test_html__summary_sentence(void **state)
{
	cJSON *e = cJSON_Parse(compas_json);
	char *html;

	(void)state;
	html = render(e, NULL, HTML_SORT_SEVERITY);
	assert_non_null(strstr(html, "<li><b>False positive rate</b> for race = "
		"African-American is <b>1.91\xc3\x97</b> the reference (race = "
		"Caucasian) (95 % CI 1.80\xe2\x80\x93" "2.03), adjusted p "
		"&lt; 0.001; 0.448 against 0.235.</li>"));
	assert_non_null(strstr(html, "1 disparity flagged in 1 cohort."));
	assert_null(strstr(html, "No disparity flagged"));
	free(html);

	/* unflag it: the page says so and says what was tested */
	cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(
		cJSON_GetArrayItem(cJSON_GetObjectItem(e, "groupings"), 0),
		"cohorts"), 0), "flags", cJSON_CreateArray());
	html = render(e, NULL, HTML_SORT_SEVERITY);
	assert_non_null(strstr(html, "No disparity flagged."));
	assert_non_null(strstr(html, "Tested: false positive rate for 2 "
		"cohorts in 1 grouping (race), each against its grouping's "
		"reference cohort. A disparity is flagged when the ratio to "
		"the reference lies outside [0.80, 1.25] and the adjusted "
		"p-value is below 0.05."));
	free(html);
	cJSON_Delete(e);
}

static void test_html__number_formats(void **state)
{
	static const struct { const char *key; double v; const char *want; }
	cases[] = {
		{ "fpr", 0.44849999, "<b>0.448</b>" },
		{ "fnr", 0.0004, "<b>0.000</b>" },
		{ "mae", 1234.5678, "<b>1235</b>" },
		{ "rmse", 4.0, "<b>4.000</b>" },
		{ "mean_error", -0.3, "<b>\xe2\x88\x92" "0.300</b>" },
		{ "mean_error", -0.00004, "<b>\xe2\x88\x92" "4.000e-05</b>" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		cJSON *cs, *e = eval_new("regression", "a", NULL, &cs);
		cJSON *c = cohort_add(cs, "a", "x", NULL, NULL, 1234567);
		cJSON *m = cJSON_GetObjectItem(c, "metrics");
		cJSON *d = cJSON_GetObjectItem(c, "disparity");
		char *html;

		if (strcmp(cases[i].key, "mae"))
			cJSON_AddItemToObject(m, "mae", cJSON_CreateNumber(1));
		cJSON_AddItemToObject(m, cases[i].key, rate(cases[i].v, -1, 1));
		cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
				     cJSON_CreateString(cases[i].key));
		cJSON_AddItemToObject(d, cases[i].key, disparity(-0.0004, 2.675,
							  0.0009, 0.001, "z"));
		html = render(e, NULL, HTML_SORT_SEVERITY);
		if (!strstr(html, cases[i].want))
			fail_msg("case %zu: %s missing", i, cases[i].want);
		assert_non_null(strstr(html, "<b>1,234,567</b>"));
		/* -0.0004 shows as 0.000 with no sign, 2.675 as 2.67 (its
		 * binary value is below 2.675), p 0.0009 as < 0.001 */
		if (!strcmp(cases[i].key, "fpr") ||
		    !strcmp(cases[i].key, "fnr"))
			assert_non_null(strstr(html, "<b>0.000</b>"));
		assert_non_null(strstr(html, "<b>2.67\xc3\x97</b>"));
		assert_non_null(strstr(html, "<b>0.001</b>p &lt; 0.001"));
		assert_null(strstr(html, "\xe2\x88\x92" "0.000"));
		free(html);
		cJSON_Delete(e);
	}
}

/* Cohort indices of the table rows, in page order, as "i,j,k". */
static void row_order(const char *html, char *out, size_t cap)
{
	const char *p = html;
	size_t len = 0;

	out[0] = '\0';
	while ((p = strstr(p, "<tr")) && len + 8 < cap) {
		const char *tag_end = strchr(p, '>');
		const char *dc = strstr(p, "data-cohort=\"");

		p += 3;
		if (!dc || dc > tag_end)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%ld",
					len ? "," : "",
					strtol(dc + 13, NULL, 10));
	}
}

static void test_html__sort_orders(void **state)
{
	/* 0: b n=500 ratio 1; 1: a n=100 flagged ratio 2; 2: c n=40 ratio 0.5;
	 * 3: d n=10 too small ratio 3 */
	static const struct { const char *v; double n, r; bool flag; }
	rows[] = { { "b", 500, 1, false }, { "a", 100, 2, true },
		   { "c", 40, 0.5, false }, { "d", 10, 3, false } };
	static const struct { enum html_sort s; const char *want; } cases[] = {
		{ HTML_SORT_SEVERITY, "1,2,0,3" },
		{ HTML_SORT_NAME, "1,0,2,3" },
		{ HTML_SORT_N, "0,1,2,3" },
	};
	cJSON *cs, *e = eval_new("classification", "g", NULL, &cs);
	char got[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		cJSON *c = cohort_add(cs, "g", rows[i].v, NULL, NULL, rows[i].n);

		cJSON_AddItemToObject(cJSON_GetObjectItem(c, "metrics"), "fpr",
				      rate(0.2, 0.1, 0.3));
		cJSON_AddItemToObject(cJSON_GetObjectItem(c, "disparity"),
				      "fpr", disparity(0, rows[i].r, 0.5, 0.5,
						       "z"));
		if (rows[i].flag)
			cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
					     cJSON_CreateString("fpr"));
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *html = render(e, NULL, cases[i].s);

		row_order(html, got, sizeof(got));
		assert_string_equal(got, cases[i].want);
		free(html);
	}
	/* The badge of a too-small cohort says why, escaped. */
	{
		cJSON *d = cJSON_GetArrayItem(cs, 3);
		char *html;

		cJSON_AddStringToObject(d, "too_small_reason",
					"speakers < min_speakers");
		html = render(e, NULL, HTML_SORT_N);
		assert_non_null(strstr(html, "<span class=\"badge small\" "
				       "title=\"speakers &lt; min_speakers\">"
				       "too small</span>"));
		free(html);
	}
	cJSON_Delete(e);
}

/*
 * Multi-class: per-class recall (metrics.per_class.<label>.recall) gets a
 * column per class with its value, interval, disparity and flag, the class
 * escaped, and a flagged class is named in the summary.
 */
static void test_html__multiclass_per_class(void **state)
{
	static const char *const labels[] = { "cat", "<b>bird</b>" };
	cJSON *cs, *e = eval_new("classification", "g", NULL, &cs);
	char *html;

	(void)state;
	for (int i = 0; i < 2; i++) {
		cJSON *c = cohort_add(cs, "g", i ? "b" : "a", NULL, NULL,
				      i ? 800 : 1000);
		cJSON *m = cJSON_GetObjectItem(c, "metrics");
		cJSON *pm = cJSON_AddObjectToObject(m, "per_class");
		cJSON *pd = cJSON_AddObjectToObject(
			cJSON_GetObjectItem(c, "disparity"), "per_class");

		if (!i)
			cJSON_AddTrueToObject(c, "reference");
		cJSON_AddItemToObject(m, "error_rate", rate(0.2, 0.18, 0.22));
		for (int k = 0; k < 2; k++) {
			cJSON *o = cJSON_AddObjectToObject(pm, labels[k]);

			cJSON_AddItemToObject(o, "recall",
					      rate(i && k ? 0.391 : 0.9, 0.3,
						   0.95));
			if (i)
				cJSON_AddItemToObject(
					cJSON_AddObjectToObject(pd, labels[k]),
					"recall",
					disparity(k ? -0.5 : 0, k ? 0.43 : 1,
						  0.001, 0.002, "z"));
		}
		if (i)
			cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
				cJSON_CreateString("recall[<b>bird</b>]"));
	}
	html = render(e, NULL, HTML_SORT_NAME);
	assert_non_null(strstr(html, ">Recall (class cat)</th>"));
	assert_non_null(strstr(html, ">Recall (class &lt;b&gt;bird&lt;/b&gt;)"
			       "</th>"));
	assert_null(strstr(html, "<b>bird"));
	assert_non_null(strstr(html, "0.391"));
	assert_non_null(strstr(html, "0.43" "\xc3\x97"));	/* ratio */
	assert_non_null(strstr(html, "<li><b>Recall (class &lt;b&gt;bird&lt;/b&gt;)"
			       "</b> for g = b is <b>0.43"));
	free(html);
	/* The CSV has a record per class, named as the flag. */
	{
		struct buf out = BUF_INIT, err = BUF_INIT;

		assert_int_equal(csv_render_evaluation(&out, e, &err), 0);
		assert_null(strstr(out.s, "per_class"));
		assert_non_null(strstr(out.s, ",false,recall[<b>bird</b>],"
				       "0.391,0.3,0.95,,-0.5,-0.55,-0.45,"
				       "0.43,"));
		assert_non_null(strstr(out.s, ",z,,true,,,,,,,\r\n"));
		assert_non_null(strstr(out.s, "g = a,\"{\"\"g\"\":\"\"a"
				       "\"\"}\",1000,false,recall[cat],0.9,"));
		buf_release(&out);
		buf_release(&err);
	}
	cJSON_Delete(e);
}

static void test_html__sort_parse_and_links(void **state)
{
	struct buf err = BUF_INIT;
	enum html_sort s = HTML_SORT_N;
	struct html_meta meta = { .sort_href_base = "?token=a%2Fb&" };
	cJSON *e = binary_eval(3, false);
	char *html;

	(void)state;
	assert_int_equal(html_sort_parse("name", &s, &err), 0);
	assert_int_equal(s, HTML_SORT_NAME);
	assert_int_equal(html_sort_parse("severity", &s, &err), 0);
	assert_int_equal(s, HTML_SORT_SEVERITY);
	assert_int_equal(html_sort_parse("n", &s, &err), 0);
	assert_int_equal(s, HTML_SORT_N);
	assert_int_equal(err.len, 0);
	assert_int_equal(html_sort_parse("size\"", &s, &err), -1);
	assert_int_equal(s, HTML_SORT_N);
	assert_string_equal(err.s, "unknown sort order \"size\\\"\" (expected "
			    "severity, name or n)");
	assert_string_equal(html_sort_name(HTML_SORT_N), "n");
	html = render(e, &meta, HTML_SORT_NAME);
	assert_non_null(strstr(html, "<a href=\"?token=a%2Fb&amp;sort=name#g1\""
			       " aria-current=\"true\">name</a>"));
	assert_non_null(strstr(html, "<a href=\"?token=a%2Fb&amp;sort=n#g1\">"
			       "size</a>"));
	free(html);
	buf_release(&err);
	cJSON_Delete(e);
}

/* ---- undefined and missing ---- */

static void test_html__undefined_metrics(void **state)
{
	cJSON *e = binary_eval(7, false);
	char *html = render(e, NULL, HTML_SORT_NAME);
	char *fig;

	(void)state;
	/* cohort 5 has an undefined FPR: an em dash with the reason in the
	 * table, and a mark saying "undefined" in the chart */
	assert_non_null(strstr(html, "<td class=\"na gs\"><b><abbr title=\"no "
			       "negatives\">\xe2\x80\x94</abbr></b></td>"));
	fig = slice(html, "<figure class=\"chart\" data-metric=\"fpr\">",
		    "</figure>");
	assert_non_null(strstr(fig, "<g class=\"m na\" data-cohort=\"5\">"
			       "<title>r5: undefined (no negatives)</title>"));
	free(fig);
	free(html);
	cJSON_Delete(e);
}

static void test_html__missing_fields(void **state)
{
	static const char *const inputs[] = {
		"{}",
		"{\"groupings\":[]}",
		"{\"groupings\":[{}]}",
		"{\"groupings\":[{\"cohorts\":[{}]}]}",
		"{\"task\":7,\"params\":[],\"overall\":{\"metrics\":{\"fpr\":"
		"{\"value\":\"x\"}}},\"groupings\":[{\"by\":[1],\"cohorts\":"
		"[{\"attributes\":{\"a\":null},\"metrics\":{\"fpr\":3},"
		"\"flags\":[\"fpr\",7],\"disparity\":{\"fpr\":{\"ratio\":"
		"null}}}],\"reference\":{\"a\":null}}]}",
		"{\"task\":\"asr\",\"groupings\":[{\"by\":[\"a\",\"b\"],"
		"\"cohorts\":[{\"attributes\":{\"a\":1,\"b\":true},"
		"\"worst_utterances\":[{\"alignment\":[{}]}]}]}]}",
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		cJSON *e = cJSON_Parse(inputs[i]);
		char *html;

		assert_non_null(e);
		html = render(e, NULL, HTML_SORT_SEVERITY);
		assert_non_null(strstr(html, "</html>"));
		assert_int_equal(scan_html(html), 0);
		free(html);
		cJSON_Delete(e);
	}
}

static void test_html__errors(void **state)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *arr = cJSON_CreateArray(), *e = binary_eval(20, false);
	struct html_index ix = { HTML_INDEX_DATASETS, NULL, NULL, NULL };

	(void)state;
	assert_int_equal(html_render_evaluation(&out, NULL, NULL, NULL, &err),
			 -1);
	assert_string_equal(err.s, "cannot render a report: the evaluation is "
			    "not a JSON object");
	buf_reset(&err);
	assert_int_equal(html_render_evaluation(&out, arr, NULL, NULL, &err),
			 -1);
	buf_reset(&err);
	assert_int_equal(html_render_index(&out, &ix, e, &err), -1);
	assert_string_equal(err.s, "cannot render an index page: the list is "
			    "not a JSON array");
	buf_reset(&err);
	assert_int_equal(html_render_comparison(&out, arr, &err), -1);
	buf_reset(&err);
	assert_int_equal(csv_render_evaluation(&out, arr, &err), -1);
	assert_string_equal(err.s, "cannot render CSV: the evaluation is not "
			    "a JSON object");
	buf_release(&out);
	buf_reset(&err);

	/* a capped buffer: -1 and a sentence naming the limit */
	buf_init(&out, 4096);
	assert_int_equal(html_render_evaluation(&out, e, NULL, NULL, &err), -1);
	assert_string_equal(err.s, "rendering the report exceeded the output "
			    "limit of 4096 bytes");
	assert_true(out.len <= 4096);
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(arr);
	cJSON_Delete(e);
}

/* ---- index and comparison pages ---- */

static void test_html__index_pages(void **state)
{
	cJSON *items = cJSON_Parse(
		"[{\"id\":\"ds 1/x\",\"name\":\"<script>alert(1)</script>\","
		"\"task\":\"asr\",\"rows\":12345,\"description\":\"\\\"><img "
		"src=x onerror=alert(2)>\"},{\"id\":\"ds2\",\"href\":"
		"\"javascript:alert(3)\"},{\"id\":\"ds3\",\"href\":"
		"\"/v1/datasets/ds3?k=1&j=2\"}]");
	cJSON *evs = cJSON_Parse(
		"[{\"id\":\"e1\",\"by\":[[\"race\"],[\"race\",\"sex\"]],"
		"\"flagged\":3},{\"id\":\"e2\",\"groupings\":[{\"by\":"
		"[\"a\"],\"cohorts\":[{\"flags\":[\"fpr\",\"fnr\"]}]}]}]");
	cJSON *empty = cJSON_CreateArray();
	struct html_index ix = { HTML_INDEX_DATASETS, NULL, "/v1/datasets/",
				 "/report" };
	struct buf out = BUF_INIT, err = BUF_INIT;

	(void)state;
	assert_int_equal(html_render_index(&out, &ix, items, &err), 0);
	assert_int_equal(scan_html(out.s), 0);
	assert_non_null(strstr(out.s, "<title>Datasets \xc2\xb7 fairaudit"
			       "</title>"));
	assert_non_null(strstr(out.s, "<th scope=\"row\"><a href=\"/v1/"
			       "datasets/ds%201%2Fx/report\">" E1 "</a></th>"));
	assert_non_null(strstr(out.s, "<td class=\"t\">" E2 "</td>"));
	assert_non_null(strstr(out.s, "<td class=\"t\">12,345</td>"));
	/* an item without a name links its id; a script href becomes # */
	assert_non_null(strstr(out.s, "<a href=\"#\">ds2</a>"));
	assert_non_null(strstr(out.s, "<a href=\"/v1/datasets/ds3?k=1&amp;"
			       "j=2\">ds3</a>"));
	assert_non_null(strstr(out.s, "3 datasets"));
	buf_reset(&out);

	ix.kind = HTML_INDEX_EVALUATIONS;
	ix.title = "Evaluations of <b>x</b>";
	assert_int_equal(html_render_index(&out, &ix, evs, &err), 0);
	assert_non_null(strstr(out.s, "<h1>Evaluations of &lt;b&gt;x&lt;/b&gt;"
			       "</h1>"));
	assert_non_null(strstr(out.s, "race; race \xc3\x97 sex"));
	assert_non_null(strstr(out.s, "<td class=\"t\">3</td>"));
	assert_non_null(strstr(out.s, "<td class=\"t\">2</td>"));
	buf_reset(&out);

	ix.kind = HTML_INDEX_BOUNTIES;
	ix.title = NULL;
	assert_int_equal(html_render_index(&out, &ix, empty, &err), 0);
	assert_non_null(strstr(out.s, "No bounties yet."));
	buf_reset(&out);

	/* the navigation bar links the other lists, keeping the share token */
	ix.kind = HTML_INDEX_MODELS;
	ix.nav_query = "?share=1.2.ab";
	assert_int_equal(html_render_index(&out, &ix, empty, &err), 0);
	assert_int_equal(scan_html(out.s), 0);
	assert_non_null(strstr(out.s, "<a href=\"/v1/pages/datasets?share="
			       "1.2.ab\">Datasets</a>"));
	assert_non_null(strstr(out.s, "<a href=\"/v1/pages/bounties?share="
			       "1.2.ab\">Bounties</a>"));
	assert_null(strstr(out.s, "href=\" href"));
	ix.nav_query = NULL;
	buf_reset(&out);

	{
		static const char *const text[] = { "one <b>", "two & x", NULL };

		html_render_notice(&out, "Help <i>", text);
		assert_int_equal(scan_html(out.s), 0);
		assert_non_null(strstr(out.s, "<h1>Help &lt;i&gt;</h1>"));
		assert_non_null(strstr(out.s, "<p>one &lt;b&gt;</p>\n"
				       "<p>two &amp; x</p>"));
	}
	assert_int_equal(err.len, 0);
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(items);
	cJSON_Delete(evs);
	cJSON_Delete(empty);
}

static void test_html__comparison(void **state)
{
	cJSON *cmp = cJSON_Parse(
		"{\"by\":[\"accent\"],\"confidence\":0.95,"
		"\"dataset\":{\"name\":\"<script>alert(1)</script>\"},"
		"\"a\":{\"label\":\"v1\",\"href\":\"javascript:x\"},"
		"\"b\":{\"label\":\"\\\"><img src=x onerror=alert(2)>\"},"
		"\"cohorts\":["
		"{\"attributes\":{\"accent\":\"us\"},\"n_a\":700,\"n_b\":700,"
		"\"metrics\":{\"wer\":{\"a\":{\"value\":0.064},\"b\":{\"value\":"
		"0.058},\"change\":{\"difference\":-0.006,\"diff_low\":-0.018,"
		"\"diff_high\":0.006}}}},"
		"{\"attributes\":{\"accent\":\"scottish\"},\"n_a\":450,"
		"\"metrics\":{\"wer\":{\"a\":{\"value\":0.148,\"low\":0.133,"
		"\"high\":0.163},\"b\":{\"value\":0.101},\"change\":{"
		"\"difference\":-0.047,\"diff_low\":-0.059,\"diff_high\":-0.035,"
		"\"p_adjusted\":0.0002}}}},"
		"{\"attributes\":{\"accent\":\"indian\"},\"metrics\":{\"wer\":{"
		"\"a\":{\"value\":null,\"reason\":\"no words\"}}}}]}");
	struct buf out = BUF_INIT, err = BUF_INIT;

	(void)state;
	assert_int_equal(html_render_comparison(&out, cmp, &err), 0);
	assert_int_equal(scan_html(out.s), 0);
	assert_null(strcasestr(out.s, "<img"));
	assert_int_equal(marks_in(out.s, "<figure class=\"chart\" "
				  "data-metric=\"wer\">", "<g class=\"m"), 3);
	assert_non_null(strstr(out.s, "1 change with an interval excluding "
			       "zero."));
	assert_non_null(strstr(out.s, "Word error rate for accent = scottish "
			       "changed by \xe2\x88\x92" "0.047 (95 % CI "
			       "\xe2\x88\x92" "0.059 to \xe2\x88\x92" "0.035), "
			       "from 0.148 to 0.101."));
	assert_non_null(strstr(out.s, "Comparison: v1 and " E2 "</title>"));
	assert_non_null(strstr(out.s, "<abbr title=\"no words\">"));
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(cmp);
}

/* ---- size ---- */

static void test_html__500_cohorts_under_1mb(void **state)
{
	cJSON *e = binary_eval(500, true);
	struct buf out = BUF_INIT, err = BUF_INIT;

	(void)state;
	assert_int_equal(html_render_evaluation(&out, e, NULL, NULL, &err), 0);
	assert_true(out.len < 1000000);
	assert_int_equal(marks_in(out.s, "<figure class=\"chart\" "
				  "data-metric=\"fpr\">", "<g class=\"m"), 500);
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(e);
}

/* ---- CSV ---- */

static void test_csv__field_quoting(void **state)
{
	static const struct { const char *in; bool text; const char *want; }
	cases[] = {
		{ "plain", true, "plain" },
		{ "", true, "" },
		{ "a,b", true, "\"a,b\"" },
		{ "say \"hi\"", true, "\"say \"\"hi\"\"\"" },
		{ "two\r\nlines", true, "\"two\r\nlines\"" },
		{ "lf\nonly", true, "\"lf\nonly\"" },
		{ " padded", true, "\" padded\"" },
		{ "=HYPERLINK(\"x\")", true, "\"'=HYPERLINK(\"\"x\"\")\"" },
		{ "+1", true, "\"'+1\"" },
		{ "-2", true, "\"'-2\"" },
		{ "@sum", true, "\"'@sum\"" },
		{ "-2", false, "-2" },
		{ "caf\xc3\xa9", true, "caf\xc3\xa9" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		csv_add_field(&b, cases[i].in, strlen(cases[i].in),
			      cases[i].text);
		assert_string_equal(b.s, cases[i].want);
		buf_release(&b);
	}
}

/* Exported cells: numbers stay numbers, any other text is guarded. */
static void test_csv__cells(void **state)
{
	static const struct { const char *in; const char *want; } cases[] = {
		{ "-2.5", "-2.5" },
		{ "1e3", "1e3" },
		{ "0", "0" },
		{ "-", "\"'-\"" },
		{ "-1+cmd|' /C calc'!A0", "\"'-1+cmd|' /C calc'!A0\"" },
		{ "=HYPERLINK(\"http://x\",\"y\")",
		  "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "+cmd|'/c calc'!A0", "\"'+cmd|'/c calc'!A0\"" },
		{ "@SUM(A1)", "\"'@SUM(A1)\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "-inf", "\"'-inf\"" },
		{ "us", "us" },
		{ "", "" },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct buf b = BUF_INIT;

		csv_add_cell(&b, cases[i].in, strlen(cases[i].in));
		assert_string_equal(b.s, cases[i].want);
		buf_release(&b);
	}
}

static void test_csv__evaluation(void **state)
{
	cJSON *cs, *e = eval_new("classification", "race", "sex, \"x\"", &cs);
	cJSON *c = cohort_add(cs, "race", "A,\"B\"", "sex, \"x\"", "=1+1", 40);
	cJSON *m = cJSON_GetObjectItem(c, "metrics");
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *want =
		"grouping,cohort,attributes,n,too_small,metric,value,low,high,"
		"reason,difference,diff_low,diff_high,ratio,ratio_low,"
		"ratio_high,p_value,p_adjusted,test,disparity_reason,flagged,"
		"direction,verdict,p_equivalence,p_equivalence_adjusted,"
		"verdict_reason,p_family,family\r\n"
		"\"race & sex, \"\"x\"\"\",\"race = A,\"\"B\"\" & sex, "
		"\"\"x\"\" = =1+1\",\"{\"\"race\"\":\"\"A,\\\"\"B\\\"\"\"\","
		"\"\"sex, \\\"\"x\\\"\"\"\":\"\"=1+1\"\"}\",40,false,fpr,0.1,"
		"0.05,0.2,,0.1,0.05,0.15000000000000002,1.5,1.35,"
		"1.6500000000000001,0.001,0.002,z,,true,,,,,,,\r\n"
		"\"race & sex, \"\"x\"\"\",\"race = A,\"\"B\"\" & sex, "
		"\"\"x\"\" = =1+1\",\"{\"\"race\"\":\"\"A,\\\"\"B\\\"\"\"\","
		"\"\"sex, \\\"\"x\\\"\"\"\":\"\"=1+1\"\"}\",40,false,fnr,,,,"
		"\"no positives, none\",,,,,,,,,,,false,,,,,,,\r\n";

	(void)state;
	cJSON_AddItemToObject(m, "fpr", rate(0.1, 0.05, 0.2));
	cJSON_AddItemToObject(m, "fnr", undefined("no positives, none"));
	cJSON_AddItemToObject(cJSON_GetObjectItem(c, "disparity"), "fpr",
			      disparity(0.1, 1.5, 0.001, 0.002, "z"));
	cJSON_AddItemToArray(cJSON_GetObjectItem(c, "flags"),
			     cJSON_CreateString("fpr"));
	assert_int_equal(csv_render_evaluation(&out, e, &err), 0);
	assert_string_equal(out.s, want);
	buf_release(&out);
	buf_release(&err);
	cJSON_Delete(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html__hostile_strings_escaped),
		cmocka_unit_test(test_html__invalid_utf8_replaced),
		cmocka_unit_test(test_html__one_mark_per_cohort),
		cmocka_unit_test(test_html__asr_marks_and_alignment),
		cmocka_unit_test(test_html__summary_sentence),
		cmocka_unit_test(test_html__number_formats),
		cmocka_unit_test(test_html__sort_orders),
		cmocka_unit_test(test_html__multiclass_per_class),
		cmocka_unit_test(test_html__sort_parse_and_links),
		cmocka_unit_test(test_html__undefined_metrics),
		cmocka_unit_test(test_html__missing_fields),
		cmocka_unit_test(test_html__errors),
		cmocka_unit_test(test_html__index_pages),
		cmocka_unit_test(test_html__comparison),
		cmocka_unit_test(test_html__500_cohorts_under_1mb),
		cmocka_unit_test(test_csv__field_quoting),
		cmocka_unit_test(test_csv__cells),
		cmocka_unit_test(test_csv__evaluation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
