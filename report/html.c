/*
 * html.c - the HTML pages of fairaudit: the disparity report of one
 * evaluation, index pages and the comparison of two evaluations.  See
 * html.h for the contract.
 *
 * Rendering appends to the caller's buf in one pass per section; nothing
 * is cached between calls and no global state is written.  A grouping is
 * first gathered into a small model (struct grp): one struct crow per
 * cohort with its label, size, flags and severity, the reference cohort,
 * and the metric keys the table and the charts show.  The sort order is
 * applied once to an array of row pointers which the table and every chart
 * then walk, so all views of a grouping agree.
 *
 * Escaping happens at the last moment and only through esc()/esc_n(), which
 * put U+FFFD in place of invalid UTF-8 and control characters and otherwise
 * defer to buf_add_html_escaped().  Labels are built raw and escaped when
 * printed, so nothing is escaped twice, and every attribute value printed
 * is double-quoted.  A Content-Security-Policy meta element forbids scripts
 * and external loads as a second line of defence.
 *
 * Charts are inline SVG with a viewBox, coloured by the page's CSS classes
 * rather than per-element attributes, which keeps a 500-cohort page under
 * a megabyte.  Shared paint servers (the hatch of too-small cohorts, the
 * heatmap gradient) live in one zero-size <svg> at the top of the body.
 */
#include "common/fa.h"
#include "report/html.h"
#include "common/strmap.h"
#include "common/util.h"

#define MINUS "\xe2\x88\x92"
#define EMDASH "\xe2\x80\x94"
#define ENDASH "\xe2\x80\x93"
#define TIMES "\xc3\x97"
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

/* Okabe-Ito colours used where CSS cannot reach (computed fills). */
static const int col_blue[3] = { 0x00, 0x72, 0xb2 };
static const int col_verm[3] = { 0xd5, 0x5e, 0x00 };

static const char page_css[] =
":root{--ink:#1b1f24;--muted:#5b6470;--line:#d5dae1;--soft:#f4f6f8;"
"--blue:#0072B2;--sky:#56B4E9;--orange:#E69F00;--verm:#D55E00;"
"--green:#009E73;--purple:#CC79A7}\n"
"*{box-sizing:border-box}\n"
"html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n"
"body{margin:0;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,"
"\"Helvetica Neue\",\"Noto Sans\",\"Liberation Sans\",Arial,sans-serif;"
"font-size:16px;line-height:1.5;color:var(--ink);background:#fff}\n"
"main{max-width:1200px;margin:0 auto;padding:28px 28px 40px}\n"
"h1{font-size:1.8rem;line-height:1.2;margin:.15em 0 .35em;"
"overflow-wrap:anywhere}\n"
"h2{font-size:1.35rem;line-height:1.3;margin:2em 0 .4em;padding-top:.7em;"
"border-top:1px solid var(--line);overflow-wrap:anywhere}\n"
"h3{font-size:1.05rem;margin:1.6em 0 .4em}\n"
"a{color:#005a8c}\n"
"code{font-family:ui-monospace,\"SFMono-Regular\",Menlo,Consolas,"
"\"Liberation Mono\",monospace;font-size:.88em;background:var(--soft);"
"padding:.05em .3em;border-radius:3px;overflow-wrap:anywhere}\n"
".kicker{margin:0;color:var(--muted);font-size:.78rem;font-weight:600;"
"letter-spacing:.08em;text-transform:uppercase}\n"
".sub{font-weight:400;color:var(--muted)}\n"
".meta,.gmeta{color:var(--muted);margin:.2em 0;overflow-wrap:anywhere}\n"
".gmeta b{color:var(--ink);font-weight:600}\n"
"nav.links{margin:.6em 0 0;font-size:.92rem}\n"
"nav.links a{margin-right:1em;overflow-wrap:anywhere}\n"
".summary{border-left:5px solid var(--verm);background:#fcf0e8;"
"padding:14px 20px;border-radius:0 8px 8px 0;margin:1.5em 0}\n"
".summary.ok{border-color:var(--green);background:#e9f5f0}\n"
".summary h2{border:0;margin:0 0 .2em;padding:0;font-size:1.15rem}\n"
".summary ul{margin:.5em 0;padding-left:1.2em}\n"
".summary li{margin:.3em 0;overflow-wrap:anywhere}\n"
".summary details{border:0;padding:0;margin:.2em 0}\n"
".summary summary{font-weight:600;color:#005a8c}\n"
".lead{font-weight:600;margin:.2em 0;font-size:1.05rem}\n"
".tested{color:#39414b;font-size:.9rem;margin:.6em 0 0}\n"
".cards{display:grid;grid-template-columns:repeat(auto-fill,"
"minmax(150px,1fr));gap:10px;margin:.6em 0}\n"
".card{border:1px solid var(--line);border-radius:8px;padding:8px 12px}\n"
".card .k{display:block;font-size:.8rem;color:var(--muted)}\n"
".card .v{display:block;font-size:1.35rem;font-weight:600;"
"font-variant-numeric:tabular-nums}\n"
".card small{white-space:normal;overflow-wrap:anywhere}\n"
"small{display:block;color:var(--muted);font-size:.76rem;"
"white-space:nowrap;font-weight:400}\n"
".table-wrap{overflow-x:auto;margin:.6em 0 .3em;border:1px solid "
"var(--line);border-radius:8px}\n"
"table{border-collapse:separate;border-spacing:0;font-size:.86rem;"
"font-variant-numeric:tabular-nums;width:100%}\n"
"caption{caption-side:top;text-align:left;padding:8px 10px;"
"color:var(--muted);font-size:.82rem}\n"
"th,td{padding:5px 9px;border-bottom:1px solid #eceff2;"
"vertical-align:top;text-align:right;white-space:nowrap}\n"
"th[scope=row],td.fl,td.t,th.t{text-align:left}\n"
"td.fl{white-space:normal;min-width:8.5em;max-width:15em}\n"
"th[scope=row]{font-weight:500;white-space:normal;min-width:7em;"
"max-width:16em;overflow-wrap:break-word}\n"
"thead th{background:var(--soft);font-weight:600;"
"border-bottom:1px solid var(--line);vertical-align:bottom}\n"
"thead th[scope=colgroup]{text-align:center;border-left:1px solid "
"var(--line)}\n"
"td.gs,thead th.gs,.o0 td:nth-child(4n),.o1 td:nth-child(4n+1),"
".o2 td:nth-child(4n+2),.o3 td:nth-child(4n+3){border-left:1px solid "
"var(--line)}\n"
"tbody tr:nth-child(even){background:#fafbfc}\n"
"tbody th:first-child,thead tr:first-child>th:first-child{"
"position:sticky;left:0;z-index:1}\n"
"tbody th:first-child{background-color:#fff}\n"
"tbody tr:nth-child(even)>th:first-child{background-color:#fafbfc}\n"
"thead th:first-child{text-align:left}\n"
"tr.flag>:first-child{box-shadow:inset 4px 0 0 var(--verm)}\n"
"tr.ref>:first-child{box-shadow:inset 4px 0 0 var(--ink)}\n"
"tr.small>*{color:#6b727c;background-image:repeating-linear-gradient("
"135deg,transparent 0 7px,rgba(0,0,0,.045) 7px 9px)}\n"
"table.nums td{font-size:.76rem;color:var(--muted);line-height:1.35}\n"
"table.nums td b{display:block;font-size:.86rem;font-weight:400;"
"color:var(--ink);line-height:1.45}\n"
"table.nums tr.small td b{color:#6b727c}\n"
"td.hit{background-color:#fbe2d4}\n"
"td.hit b{font-weight:700}\n"
"td.na{color:var(--muted)}\n"
"abbr{text-decoration:none;cursor:help}\n"
".empty{color:var(--muted);font-style:italic}\n"
".badge{display:inline-block;font-size:.72rem;font-weight:600;"
"line-height:1.5;padding:0 .5em;border-radius:9px;margin:0 .25em .2em 0;"
"border:1px solid transparent;white-space:normal;"
"overflow-wrap:break-word;max-width:100%}\n"
".badge.flag{background:var(--verm);color:#fff}\n"
".badge.ref{color:var(--ink);border-color:var(--ink)}\n"
".badge.small{background:#e9ecef;color:#49515b;border-color:#c4cad2}\n"
".badge.chg{background:var(--blue);color:#fff}\n"
"nav.sort{font-size:.88rem;margin:.6em 0}\n"
"nav.sort a{margin:0 .3em}\n"
"nav.sort a[aria-current]{font-weight:700;color:var(--ink);"
"text-decoration:none}\n"
".legend{display:flex;flex-wrap:wrap;gap:4px 18px;font-size:.82rem;"
"color:#39414b;margin:.4em 0 .8em;padding:0;list-style:none}\n"
".legend svg{vertical-align:-2px;margin-right:5px}\n"
".charts{display:grid;grid-template-columns:repeat(auto-fill,"
"minmax(min(100%,440px),1fr));gap:22px 28px;margin:.6em 0}\n"
"figure{margin:0;min-width:0}\n"
"figcaption{font-weight:600;font-size:.92rem;margin:0 0 4px;"
"overflow-wrap:anywhere}\n"
".chart{overflow-x:auto}\n"
".chart svg{width:100%;min-width:420px;height:auto;display:block}\n"
".scroll{overflow-x:auto;max-width:100%}\n"
".heat.wide{grid-column:1/-1}\n"
".scroll svg{display:block}\n"
"svg text{font-size:11.5px;fill:var(--ink);dominant-baseline:central}\n"
"svg .l{text-anchor:end}\n"
"svg .v{text-anchor:end;fill:#39414b}\n"
"svg .tk{fill:var(--muted);font-size:10px;text-anchor:middle}\n"
"svg .grid{stroke:#e3e6ea;fill:none}\n"
"svg .zero{stroke:#9aa1aa;fill:none}\n"
"svg .m rect{fill:var(--blue)}\n"
"svg .m.flag rect{fill:var(--verm)}\n"
"svg .m.ref rect{fill:#555b63}\n"
"svg .m.small rect,svg .sw.small{fill:url(#fa-hatch);stroke:#8a9099;"
"stroke-width:.8}\n"
"svg .m path{stroke:var(--ink);stroke-width:1.2;fill:none}\n"
"svg .m path.br{stroke:var(--blue);stroke-width:5}\n"
"svg .m.flag path.br{stroke:var(--verm)}\n"
"svg .m.ref path.br{stroke:#555b63}\n"
"svg .m.small path.br{stroke:#b9bfc7}\n"
"svg .m.na .v{fill:var(--muted);font-style:italic;text-anchor:start}\n"
"svg .refl{stroke:var(--ink);stroke-width:1.2;stroke-dasharray:4 3}\n"
"svg .reft{font-size:10px;text-anchor:middle;font-weight:600}\n"
"svg .sw{fill:var(--blue)}\n"
"svg .sw.flag{fill:var(--verm)}\n"
"svg .sw.ref{fill:#555b63}\n"
"svg .hc text{text-anchor:middle;font-size:10px}\n"
"svg .hc text.dk{fill:#fff}\n"
"svg .hc.flag rect{stroke:var(--ink);stroke-width:2.5}\n"
"svg .hc.small .ht{fill:url(#fa-hatch);opacity:.7}\n"
"svg .hc.ref rect{stroke:var(--ink);stroke-width:1.5;"
"stroke-dasharray:3 2}\n"
"svg .cl{text-anchor:start}\n"
"svg .m .s,svg .sw.s{fill:var(--blue)}\n"
"svg .m .d,svg .sw.d{fill:var(--orange)}\n"
"svg .m .i,svg .sw.i{fill:var(--purple)}\n"
"svg .m.small .s,svg .m.small .d,svg .m.small .i{opacity:.45;stroke:none}\n"
"svg .m .a{fill:var(--blue)}\n"
"svg .m .b{fill:var(--verm)}\n"
"svg .m .ln{stroke:#8a9099;stroke-width:2}\n"
"svg .m.flag .ln{stroke:var(--ink);stroke-width:3}\n"
"svg .sw.a{fill:var(--blue)}\n"
"svg .sw.b{fill:var(--verm)}\n"
"details{border:1px solid var(--line);border-radius:8px;padding:6px 14px;"
"margin:.5em 0}\n"
"summary{cursor:pointer;font-weight:600;overflow-wrap:anywhere}\n"
"ol.utts{padding-left:1.4em;margin:.4em 0}\n"
"ol.utts li{margin:.7em 0}\n"
".uh{font-size:.85rem;color:var(--muted);overflow-wrap:anywhere}\n"
".al{display:flex;flex-wrap:wrap;align-items:flex-start;gap:4px 3px;"
"margin-top:4px;font-family:ui-monospace,Menlo,Consolas,"
"\"Liberation Mono\",monospace;font-size:.84rem}\n"
".tk{display:inline-flex;flex-direction:column;padding:1px 5px;"
"border-radius:4px;line-height:1.35;text-align:center}\n"
".tk .h{color:#39414b}\n"
".tk::after{font:700 .62rem/1.2 system-ui,sans-serif;color:#39414b}\n"
".tk.s{background:#fde9c4;box-shadow:inset 0 -2px 0 var(--orange)}\n"
".tk.d{background:#f8d4c1;box-shadow:inset 0 -2px 0 var(--verm)}\n"
".tk.i{background:#f5dcea;box-shadow:inset 0 -2px 0 var(--purple)}\n"
".tk.s::after{content:\"S\"}\n"
".tk.d::after{content:\"D\"}\n"
".tk.i::after{content:\"I\"}\n"
".tk.d .r{text-decoration:line-through}\n"
".swt{display:inline-block;width:14px;height:11px;border-radius:2px;"
"margin-right:5px;vertical-align:-1px}\n"
".swt.s{background:#fde9c4;box-shadow:inset 0 -2px 0 var(--orange)}\n"
".swt.d{background:#f8d4c1;box-shadow:inset 0 -2px 0 var(--verm)}\n"
".swt.i{background:#f5dcea;box-shadow:inset 0 -2px 0 var(--purple)}\n"
".gap{color:#9aa1aa}\n"
"dl.kv{display:grid;grid-template-columns:minmax(150px,max-content) 1fr;"
"gap:6px 20px;margin:.6em 0}\n"
"dl.kv dt{font-weight:600;color:#39414b}\n"
"dl.kv dd{margin:0;overflow-wrap:anywhere}\n"
"ul.plain{list-style:none;margin:0;padding:0}\n"
"footer{margin-top:3em;padding-top:1em;border-top:1px solid var(--line);"
"color:var(--muted);font-size:.85rem}\n"
".defs{position:absolute;width:0;height:0;overflow:hidden}\n"
"@media (max-width:640px){main{padding:16px 14px 28px}"
"h1{font-size:1.4rem}h2{font-size:1.2rem}"
".summary{padding:12px 14px}"
"dl.kv{grid-template-columns:1fr;gap:2px}dl.kv dd{margin-bottom:.6em}"
"table{font-size:.8rem}th,td{padding:4px 7px}"
"th[scope=row]{min-width:7.5em;max-width:10em}}\n"
"@media print{body{font-size:10.5pt}main{max-width:none;padding:0}"
".grouping{break-before:page}nav.sort,nav.links{display:none}"
".table-wrap,.scroll{overflow:visible;border:0}"
"a{color:inherit;text-decoration:none}"
"tbody th:first-child,thead th:first-child{position:static}"
"figure,tr,.summary,details{break-inside:avoid}"
"thead{display:table-header-group}"
".summary{background:none}"
"td.hit,tr.small>*{-webkit-print-color-adjust:exact;"
"print-color-adjust:exact}}\n";

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t utf8_seq(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n || !utf8_valid(s, k))
		return 0;
	return k;
}

static bool bad_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* See html.h. */
void html_esc_n(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		k = bad_control(c) ? 0 : utf8_seq(s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		buf_add_html_escaped(b, s + start, i - start);
		buf_adds(b, REPLACEMENT);
		start = ++i;
	}
	buf_add_html_escaped(b, s + start, n - start);
}

void html_esc(struct buf *b, const char *s)
{
	if (s)
		html_esc_n(b, s, strlen(s));
}

static void esc_n(struct buf *b, const char *s, size_t n)
{
	html_esc_n(b, s, n);
}

static void esc(struct buf *b, const char *s)
{
	html_esc(b, s);
}

/* esc() of at most max code points, the last one an ellipsis if cut. */
static void esc_trunc(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), i = 0, chars = 0, cut = n;

	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);

		if (chars == max - 1)
			cut = i;
		chars++;
		i += k ? k : 1;
	}
	if (chars <= max) {
		esc_n(b, s, n);
		return;
	}
	esc_n(b, s, cut);
	buf_adds(b, ELLIPSIS);
}

/* True if a caller-given link may be printed as an href. */
static bool href_safe(const char *h)
{
	size_t i;

	if (!h || !*h)
		return false;
	for (i = 0; h[i]; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	if (h[0] == '/' || h[0] == '?' || h[0] == '#' || h[0] == '.')
		return true;
	if (!strncasecmp(h, "http://", 7) || !strncasecmp(h, "https://", 8))
		return true;
	/* a relative path: no scheme before the first / ? # */
	i = strcspn(h, ":/?#");
	return h[i] != ':';
}

static void add_href(struct buf *b, const char *h)
{
	buf_adds(b, " href=\"");
	if (href_safe(h))
		esc(b, h);
	else
		buf_addch(b, '#');
	buf_addch(b, '"');
}

/* Percent-encode s for a URL path segment. */
static void add_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_addch(b, (char)c);
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[c >> 4]);
			buf_addch(b, hex[c & 15]);
		}
	}
}

/* ---- numbers ---- */

/*
 * x with dec decimals: U+2212 for negatives, "+" for positives when plus,
 * never "-0".  Magnitudes from 1e12 up use exponent notation.
 */
static void add_fixed(struct buf *b, double x, int dec, bool plus)
{
	char tmp[64];
	bool zero = true;
	const char *p;

	if (!isfinite(x)) {
		buf_adds(b, EMDASH);
		return;
	}
	if (fabs(x) >= 1e12) {
		snprintf(tmp, sizeof(tmp), "%.3e", fabs(x));
		zero = false;
	} else {
		snprintf(tmp, sizeof(tmp), "%.*f", dec, fabs(x));
		for (p = tmp; *p; p++) {
			if (*p >= '1' && *p <= '9') {
				zero = false;
				break;
			}
		}
	}
	if (!zero && x < 0)
		buf_adds(b, MINUS);
	else if (!zero && plus)
		buf_addch(b, '+');
	buf_adds(b, tmp);
}

/*
 * Four significant digits but at most three decimals ("4.000", "-0.300",
 * "1234", "123457"); exponent notation below 0.001 and from 1e12.
 */
static void add_real(struct buf *b, double x, bool plus)
{
	int e, dec;

	if (!isfinite(x)) {
		buf_adds(b, EMDASH);
		return;
	}
	if (x == 0) {
		buf_addch(b, '0');
		return;
	}
	e = (int)floor(log10(fabs(x)));
	if (e < -3) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%.3e", fabs(x));
		buf_adds(b, x < 0 ? MINUS : plus ? "+" : "");
		buf_adds(b, tmp);
		return;
	}
	dec = 3 - e;
	if (dec < 0)
		dec = 0;
	if (dec > 3)
		dec = 3;
	add_fixed(b, x, dec, plus);
}

/* Integers with thousands separators; anything else as add_real. */
static void add_count(struct buf *b, double x)
{
	char tmp[64];
	size_t len, i, lead;

	if (!isfinite(x) || fabs(x) >= 1e15 || x != floor(x)) {
		add_real(b, x, false);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.0f", fabs(x));
	if (x < 0)
		buf_adds(b, MINUS);
	len = strlen(tmp);
	lead = len % 3 ? len % 3 : 3;
	buf_add(b, tmp, lead);
	for (i = lead; i < len; i += 3) {
		buf_addch(b, ',');
		buf_add(b, tmp + i, 3);
	}
}

/* Shortest text that reads back as d (for attribute values, params). */
static void add_shortest(struct buf *b, double d)
{
	char tmp[64];

	if (!isfinite(d)) {
		buf_adds(b, "null");
		return;
	}
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(tmp, sizeof(tmp), "%.0f", d == 0 ? 0.0 : d);
	} else {
		snprintf(tmp, sizeof(tmp), "%.15g", d);
		if (strtod(tmp, NULL) != d)
			snprintf(tmp, sizeof(tmp), "%.17g", d);
	}
	buf_adds(b, tmp);
}

/* A p-value as HTML: "&lt; 0.001" or three decimals. */
static void add_p(struct buf *b, double p)
{
	if (p < 0.001)
		buf_adds(b, "&lt; 0.001");
	else
		add_fixed(b, p, 3, false);
}

/* ---- metric catalogue ---- */

enum kind { K_COUNT, K_RATE, K_REAL };

struct metric_info {
	const char *key, *name, *abbr;
	enum kind kind;
};

static const struct metric_info metric_table[] = {
	{ "n", "Examples", "n", K_COUNT },
	{ "tp", "True positives", "TP", K_COUNT },
	{ "fp", "False positives", "FP", K_COUNT },
	{ "tn", "True negatives", "TN", K_COUNT },
	{ "fn", "False negatives", "FN", K_COUNT },
	{ "tpr", "True positive rate", "TPR", K_RATE },
	{ "fpr", "False positive rate", "FPR", K_RATE },
	{ "fnr", "False negative rate", "FNR", K_RATE },
	{ "tnr", "True negative rate", "TNR", K_RATE },
	{ "ppv", "Positive predictive value", "PPV", K_RATE },
	{ "npv", "Negative predictive value", "NPV", K_RATE },
	{ "fdr", "False discovery rate", "FDR", K_RATE },
	{ "for", "False omission rate", "FOR", K_RATE },
	{ "accuracy", "Accuracy", "Accuracy", K_RATE },
	{ "recall", "Recall", "Recall", K_RATE },
	{ "error_rate", "Error rate", "Error rate", K_RATE },
	{ "selection_rate", "Selection rate", "Selection rate", K_RATE },
	{ "prevalence", "Prevalence", "Prevalence", K_RATE },
	{ "auc", "Area under the ROC curve", "AUC", K_RATE },
	{ "brier", "Brier score", "Brier", K_RATE },
	{ "ece", "Expected calibration error", "ECE", K_RATE },
	{ "mae", "Mean absolute error", "MAE", K_REAL },
	{ "rmse", "Root mean squared error", "RMSE", K_REAL },
	{ "mean_error", "Mean signed error", "Mean error", K_REAL },
	{ "wer", "Word error rate", "WER", K_RATE },
	{ "mean_utterance_wer", "Mean per-utterance WER", "Mean utt. WER",
	  K_RATE },
	{ "cer", "Character error rate", "CER", K_RATE },
	{ "substitutions", "Substitutions", "S", K_COUNT },
	{ "deletions", "Deletions", "D", K_COUNT },
	{ "insertions", "Insertions", "I", K_COUNT },
	{ "hits", "Correct words", "C", K_COUNT },
	{ "reference_words", "Reference words", "N", K_COUNT },
	{ "utterances", "Utterances", "Utterances", K_COUNT },
	{ "speakers", "Speakers", "Speakers", K_COUNT },
};

static bool pc_split(const char *key, const char **name, size_t *name_len,
		     const char **label, size_t *label_len);

/* The metric of key; for a per-class key ("recall[x]"), of its name. */
static const struct metric_info *metric_find(const char *key)
{
	const char *name = key, *label = NULL;
	size_t i, n = strlen(key), ln = 0;

	pc_split(key, &name, &n, &label, &ln);
	for (i = 0; i < ARRAY_SIZE(metric_table); i++)
		if (strlen(metric_table[i].key) == n &&
		    !memcmp(metric_table[i].key, name, n))
			return &metric_table[i];
	return NULL;
}

/* A per-class key's class, escaped: " (class x)"; nothing for others. */
static void add_class_suffix(struct buf *b, const char *key, bool abbr)
{
	const char *name = NULL, *label = NULL;
	size_t nn = 0, ln = 0;

	if (!pc_split(key, &name, &nn, &label, &ln))
		return;
	buf_adds(b, abbr ? " " : " (class ");
	esc_n(b, label, ln);
	if (!abbr)
		buf_addch(b, ')');
}

/* The metric's name (abbr: its short name), escaped, per-class too. */
static void add_metric(struct buf *b, const char *key, bool abbr)
{
	const struct metric_info *m = metric_find(key);

	if (!m) {
		esc(b, key);
		return;
	}
	esc(b, abbr ? m->abbr : m->name);
	add_class_suffix(b, key, abbr);
}

static const char *metric_name(const char *key)
{
	const struct metric_info *m = metric_find(key);

	return m ? m->name : key;
}

static enum kind metric_kind(const char *key)
{
	const struct metric_info *m = metric_find(key);

	return m ? m->kind : K_REAL;
}

/* A metric name inside a sentence: first letter lower-cased unless the
 * name starts with an abbreviation ("AUC"). */
static void add_name_lower(struct buf *b, const char *key)
{
	const char *name = metric_name(key);

	if (metric_find(key) && name[0] >= 'A' && name[0] <= 'Z' &&
	    name[1] >= 'a' && name[1] <= 'z') {
		buf_addch(b, (char)(name[0] - 'A' + 'a'));
		esc(b, name + 1);
		add_class_suffix(b, key, false);
	} else {
		add_metric(b, key, false);
	}
}

/* A metric value of the given kind. */
static void add_value(struct buf *b, enum kind k, double x)
{
	switch (k) {
	case K_COUNT:
		add_count(b, x);
		break;
	case K_RATE:
		add_fixed(b, x, 3, false);
		break;
	case K_REAL:
		add_real(b, x, false);
		break;
	}
}

/* A signed difference of metric values of kind k. */
static void add_diff(struct buf *b, enum kind k, double x, bool plus)
{
	if (k == K_RATE)
		add_fixed(b, x, 3, plus);
	else
		add_real(b, x, plus);
}

/* "lo–hi", or "lo to hi" when a bound is negative. */
static void add_range(struct buf *b, double lo, double hi,
		      void (*f)(struct buf *, enum kind, double, bool),
		      enum kind k)
{
	f(b, k, lo, false);
	buf_adds(b, lo < 0 || hi < 0 ? " to " : ENDASH);
	f(b, k, hi, false);
}

static void fmt_value(struct buf *b, enum kind k, double x, bool plus)
{
	(void)plus;
	add_value(b, k, x);
}

static void fmt_ratio(struct buf *b, enum kind k, double x, bool plus)
{
	(void)k;
	(void)plus;
	add_fixed(b, x, 2, false);
}

/* ---- JSON access ---- */

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k)
				 : NULL;
}

/*
 * Per-class metrics of multi-class evaluations live in
 * metrics.per_class.<label>.<name> (and so do their disparities); the
 * report names them "<name>[<label>]", as the evaluation names their
 * flags.  pc_split() finds the two parts of such a key.
 */
static bool pc_split(const char *key, const char **name, size_t *name_len,
		     const char **label, size_t *label_len)
{
	const char *open = strchr(key, '[');
	size_t n = strlen(key);

	if (!open || open == key || n < 2 || key[n - 1] != ']')
		return false;
	*name = key;
	*name_len = (size_t)(open - key);
	*label = open + 1;
	*label_len = (size_t)(key + n - 1 - *label);
	return true;
}

/* The member key of a metrics or disparity object, per-class keys too. */
static const cJSON *jmetric(const cJSON *o, const char *key)
{
	const char *name = NULL, *label = NULL;
	size_t nn = 0, ln = 0;
	const cJSON *it, *pc;

	if (!pc_split(key, &name, &nn, &label, &ln))
		return jget(o, key);
	pc = jget(o, "per_class");
	cJSON_ArrayForEach(it, pc) {
		const cJSON *m;

		if (!it->string || strlen(it->string) != ln ||
		    memcmp(it->string, label, ln))
			continue;
		cJSON_ArrayForEach(m, it)
			if (m->string && strlen(m->string) == nn &&
			    !memcmp(m->string, name, nn))
				return m;
	}
	return NULL;
}

static bool jnum(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = jget(o, k);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return false;
	*out = v->valuedouble;
	return true;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jtrue(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(jget(o, k));
}

/* Raw text of a scalar (attribute values); nothing for null. */
static void add_scalar_raw(struct buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		buf_adds(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_shortest(b, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		char *s = cJSON_PrintUnformatted(v);

		if (s) {
			buf_adds(b, s);
			free(s);
		}
	}
}

/* A JSON value of any shape as escaped, readable text. */
static void add_json_html(struct buf *b, const cJSON *v, int depth)
{
	const cJSON *it;
	bool first = true;

	if (!v || cJSON_IsNull(v)) {
		buf_adds(b, EMDASH);
	} else if (cJSON_IsString(v)) {
		esc(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_shortest(b, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "yes" : "no");
	} else if (depth >= MAX_DEPTH) {
		buf_adds(b, ELLIPSIS);
	} else if (!v->child) {
		buf_adds(b, "none");
	} else if (cJSON_IsArray(v)) {
		if (depth > 1)
			buf_addch(b, '(');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, ", ");
			first = false;
			add_json_html(b, it, depth + 1);
		}
		if (depth > 1)
			buf_addch(b, ')');
	} else if (cJSON_IsObject(v)) {
		if (depth)
			buf_addch(b, '(');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, "; ");
			first = false;
			esc(b, it->string);
			buf_adds(b, ": ");
			add_json_html(b, it, depth + 1);
		}
		if (depth)
			buf_addch(b, ')');
	}
}

struct mval {
	bool has, has_ci;
	double v, lo, hi;
	const char *reason;
};

static struct mval mget(const cJSON *metrics, const char *key)
{
	struct mval m;
	const cJSON *o = jmetric(metrics, key);

	memset(&m, 0, sizeof(m));
	if (cJSON_IsNumber(o) && isfinite(o->valuedouble)) {
		m.has = true;
		m.v = o->valuedouble;
		return m;
	}
	m.has = jnum(o, "value", &m.v);
	m.has_ci = m.has && jnum(o, "low", &m.lo) && jnum(o, "high", &m.hi);
	m.reason = jstr(o, "reason");
	return m;
}

struct dval {
	bool has_d, has_dci, has_r, has_rci, has_p, has_pa;
	double d, dlo, dhi, r, rlo, rhi, p, pa;
	const char *test, *reason, *ratio_reason, *p_reason;
};

static struct dval dget(const cJSON *disparity, const char *key)
{
	struct dval d;
	const cJSON *o = jmetric(disparity, key);

	memset(&d, 0, sizeof(d));
	d.has_d = jnum(o, "difference", &d.d);
	d.has_dci = d.has_d && jnum(o, "diff_low", &d.dlo) &&
		    jnum(o, "diff_high", &d.dhi);
	d.has_r = jnum(o, "ratio", &d.r);
	d.has_rci = d.has_r && jnum(o, "ratio_low", &d.rlo) &&
		    jnum(o, "ratio_high", &d.rhi);
	d.has_p = jnum(o, "p_value", &d.p);
	d.has_pa = jnum(o, "p_adjusted", &d.pa);
	d.test = jstr(o, "test");
	d.reason = jstr(o, "reason");
	d.ratio_reason = jstr(o, "ratio_reason");
	d.p_reason = jstr(o, "p_reason");
	return d;
}

/* True if flags (an array of strings) names key. */
static bool flagged(const cJSON *flags, const char *key)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, flags)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, key))
			return true;
	return false;
}

/* ---- key lists ---- */

struct keys {
	const char **k;
	size_t n, cap;
};

static bool keys_has(const struct keys *ks, const char *k)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!strcmp(ks->k[i], k))
			return true;
	return false;
}

static void keys_add(struct keys *ks, const char *k)
{
	if (keys_has(ks, k))
		return;
	ks->k = xgrow(ks->k, &ks->cap, ks->n + 1, sizeof(*ks->k));
	ks->k[ks->n++] = k;
}

static void keys_release(struct keys *ks)
{
	free(ks->k);
	memset(ks, 0, sizeof(*ks));
}

/* ---- labels ---- */

static bool in_by(const cJSON *by, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, by)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, name))
			return true;
	return false;
}

static void label_part(struct buf *out, const char *name, const cJSON *v,
		       bool *first)
{
	if (!*first)
		buf_adds(out, " & ");
	*first = false;
	buf_adds(out, name);
	buf_adds(out, " = ");
	add_scalar_raw(out, v);
}

void html_cohort_label(struct buf *out, const cJSON *grouping,
		       const cJSON *cohort)
{
	const cJSON *attrs = jget(cohort, "attributes");
	const cJSON *by = jget(grouping, "by");
	const cJSON *it;
	bool first = true;

	if (!cJSON_IsArray(by))
		by = NULL;
	cJSON_ArrayForEach(it, by) {
		if (cJSON_IsString(it))
			label_part(out, it->valuestring,
				   jget(attrs, it->valuestring), &first);
	}
	if (!cJSON_IsObject(attrs))
		return;
	cJSON_ArrayForEach(it, attrs) {
		if (!in_by(by, it->string))
			label_part(out, it->string, it, &first);
	}
}

/* ---- the model of one grouping ---- */

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

static const char *const keys_binary[] = {
	"fpr", "fnr", "selection_rate", "error_rate", NULL };
static const char *const keys_multi[] = { "error_rate", NULL };
static const char *const keys_score[] = {
	"auc", "fpr", "fnr", "selection_rate", "error_rate", NULL };
static const char *const keys_regression[] = { "mae", NULL };
static const char *const extra_regression[] = { "rmse", "mean_error", NULL };
static const char *const keys_asr[] = { "wer", NULL };
static const char *const extra_asr[] = { "mean_utterance_wer", "cer", NULL };
static const char *const keys_none[] = { NULL };

/* True if the overall metrics or any cohort's metrics carry key. */
static bool eval_has_metric(const cJSON *eval, const char *key)
{
	const cJSON *g, *c;

	if (jget(jget(jget(eval, "overall"), "metrics"), key))
		return true;
	cJSON_ArrayForEach(g, jget(eval, "groupings"))
		cJSON_ArrayForEach(c, jget(g, "cohorts"))
			if (jget(jget(c, "metrics"), key))
				return true;
	return false;
}

static enum tkind task_kind(const cJSON *eval)
{
	const char *t = jstr(eval, "task");

	if (t && !strcmp(t, "asr"))
		return TK_ASR;
	if (t && !strcmp(t, "regression"))
		return TK_REGRESSION;
	if (t && !strcmp(t, "score"))
		return TK_SCORE;
	if (t && !strcmp(t, "classification"))
		return eval_has_metric(eval, "fpr") ? TK_BINARY : TK_MULTI;
	/* unknown or missing task: infer from the metrics present */
	if (eval_has_metric(eval, "wer"))
		return TK_ASR;
	if (eval_has_metric(eval, "mae"))
		return TK_REGRESSION;
	if (eval_has_metric(eval, "auc"))
		return TK_SCORE;
	if (eval_has_metric(eval, "fpr"))
		return TK_BINARY;
	return TK_MULTI;
}

static const char *const *chart_keys_for(enum tkind t)
{
	switch (t) {
	case TK_BINARY: return keys_binary;
	case TK_MULTI: return keys_multi;
	case TK_SCORE: return keys_score;
	case TK_REGRESSION: return keys_regression;
	case TK_ASR: return keys_asr;
	}
	return keys_none;
}

static const char *const *extra_keys_for(enum tkind t)
{
	if (t == TK_REGRESSION)
		return extra_regression;
	if (t == TK_ASR)
		return extra_asr;
	return keys_none;
}

static bool grp_has_metric(const struct grp *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->nrows; i++)
		if (jmetric(g->rows[i].metrics, key))
			return true;
	return false;
}

/*
 * Multi-class: a column of recall per class, "recall[<label>]", in the
 * order the classes first appear (the evaluation's order), so a class the
 * model fails is as visible as the overall error rate.
 */
static void add_class_keys(struct grp *g)
{
	struct buf k = BUF_INIT;

	for (size_t i = 0; i < g->nrows; i++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, jget(g->rows[i].metrics, "per_class")) {
			if (!it->string || !jget(it, "recall"))
				continue;
			buf_reset(&k);
			buf_addf(&k, "recall[%s]", it->string);
			if (keys_has(&g->table, k.s))
				continue;
			g->own = xgrow(g->own, &g->owncap, g->nown + 1,
				       sizeof(*g->own));
			g->own[g->nown] = buf_detach(&k, NULL);
			keys_add(&g->table, g->own[g->nown++]);
		}
	}
	buf_release(&k);
}

/* True if every attribute of the reference object matches the cohort's. */
static bool matches_reference(const cJSON *ref, const cJSON *attrs)
{
	const cJSON *it;
	struct buf x = BUF_INIT, y = BUF_INIT;
	bool ok = ref && ref->child;

	cJSON_ArrayForEach(it, ref) {
		const cJSON *v = jget(attrs, it->string);

		if (!ok)
			break;
		buf_reset(&x);
		buf_reset(&y);
		add_scalar_raw(&x, it);
		add_scalar_raw(&y, v);
		ok = v && x.len == y.len && !memcmp(x.s, y.s, x.len);
	}
	buf_release(&x);
	buf_release(&y);
	return ok;
}

static int cmp_name(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;
	int c = strcmp(a->label, b->label);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_n(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;

	if (a->has_n != b->has_n)
		return a->has_n ? -1 : 1;
	if (a->has_n && a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return cmp_name(pa, pb);
}

static int cmp_severity(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;

	if (a->small != b->small)
		return a->small ? 1 : -1;
	if (a->nflags != b->nflags)
		return a->nflags > b->nflags ? -1 : 1;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	return cmp_name(pa, pb);
}

static void grp_build(struct rctx *x, struct grp *g, const cJSON *gj, int id)
{
	const cJSON *by = jget(gj, "by"), *cohorts = jget(gj, "cohorts");
	const cJSON *ref = jget(gj, "reference"), *it, *c;
	const char *const *base;
	struct buf lb = BUF_INIT;
	size_t i, j, n = 0;

	memset(g, 0, sizeof(*g));
	g->g = gj;
	g->id = id;
	if (!cJSON_IsArray(cohorts))
		cohorts = NULL;
	if (!cJSON_IsObject(ref))
		ref = NULL;

	/* attribute columns: the "by" list, else the first cohort's keys */
	if (cJSON_IsArray(by) && by->child) {
		g->attrs = xcalloc((size_t)cJSON_GetArraySize(by) + 1,
				   sizeof(*g->attrs));
		cJSON_ArrayForEach(it, by)
			if (cJSON_IsString(it))
				g->attrs[g->nattrs++] = it->valuestring;
	} else if (cohorts && cohorts->child &&
		   cJSON_IsObject(jget(cohorts->child, "attributes"))) {
		const cJSON *a = jget(cohorts->child, "attributes");

		g->attrs = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
				   sizeof(*g->attrs));
		cJSON_ArrayForEach(it, a)
			g->attrs[g->nattrs++] = it->string;
	}
	for (i = 0; i < g->nattrs; i++) {
		if (i)
			buf_adds(&lb, " " TIMES " ");
		buf_adds(&lb, g->attrs[i]);
	}
	if (!g->nattrs)
		buf_adds(&lb, "cohort");
	g->by_label = buf_detach(&lb, NULL);

	cJSON_ArrayForEach(c, cohorts)
		n++;
	g->rows = xcalloc(n + 1, sizeof(*g->rows));
	g->order = xcalloc(n + 1, sizeof(*g->order));
	cJSON_ArrayForEach(c, cohorts) {
		struct crow *r = &g->rows[g->nrows];
		struct mval mn;

		r->c = c;
		r->idx = g->nrows;
		r->attrs = jget(c, "attributes");
		r->metrics = jget(c, "metrics");
		r->disparity = jget(c, "disparity");
		r->flags = jget(c, "flags");
		if (!cJSON_IsArray(r->flags))
			r->flags = NULL;
		html_cohort_label(&lb, gj, c);
		r->label = buf_detach(&lb, NULL);
		for (i = 0; i < g->nattrs; i++) {
			if (i)
				buf_adds(&lb, " " MIDDOT " ");
			add_scalar_raw(&lb, jget(r->attrs, g->attrs[i]));
		}
		if (!g->nattrs)
			buf_adds(&lb, r->label);
		r->shortl = buf_detach(&lb, NULL);
		r->has_n = jnum(c, "n", &r->n);
		if (!r->has_n) {
			mn = mget(r->metrics, "n");
			r->has_n = mn.has;
			r->n = mn.v;
		}
		r->small = jtrue(c, "too_small");
		cJSON_ArrayForEach(it, r->flags)
			if (cJSON_IsString(it))
				r->nflags++;
		if (!g->ref && (jtrue(c, "reference") ||
				(ref && matches_reference(ref, r->attrs)))) {
			r->ref = true;
			g->ref = r;
		}
		g->nflagged += r->nflags > 0;
		g->nsmall += r->small;
		g->order[g->nrows] = r;
		g->nrows++;
	}

	/* the metrics the table and charts show */
	for (base = chart_keys_for(x->task); *base; base++)
		if (grp_has_metric(g, *base)) {
			keys_add(&g->chart, *base);
			keys_add(&g->table, *base);
		}
	for (base = extra_keys_for(x->task); *base; base++)
		if (grp_has_metric(g, *base))
			keys_add(&g->table, *base);
	if (x->task == TK_MULTI)
		add_class_keys(g);
	for (i = 0; i < g->nrows; i++) {
		cJSON_ArrayForEach(it, g->rows[i].flags) {
			if (!cJSON_IsString(it))
				continue;
			keys_add(&g->table, it->valuestring);
		}
	}
	if (!g->table.n && g->nrows) {
		/* nothing we know: show the first cohort's non-count metrics */
		cJSON_ArrayForEach(it, g->rows[0].metrics) {
			if (g->table.n >= 4)
				break;
			if (it->string && metric_kind(it->string) != K_COUNT) {
				keys_add(&g->table, it->string);
				keys_add(&g->chart, it->string);
			}
		}
	}

	g->wide = xcalloc(g->table.n + 1, sizeof(*g->wide));
	for (i = 0; i < g->nrows; i++)
		for (j = 0; j < g->table.n; j++)
			if (jmetric(g->rows[i].disparity, g->table.k[j]))
				g->wide[j] = true;
	g->all_wide = true;
	for (j = 0; j < g->table.n; j++)
		g->all_wide &= g->wide[j];
	for (i = 0; i < g->nrows; i++) {
		struct crow *r = &g->rows[i];

		for (j = 0; j < g->table.n; j++) {
			struct dval d = dget(r->disparity, g->table.k[j]);

			if (d.has_r && d.r > 0 && fabs(log(d.r)) > r->sev)
				r->sev = fabs(log(d.r));
		}
	}
	qsort(g->order, g->nrows, sizeof(*g->order),
	      x->sort == HTML_SORT_NAME ? cmp_name :
	      x->sort == HTML_SORT_N ? cmp_n : cmp_severity);
}

static void grp_release(struct grp *g)
{
	size_t i;

	for (i = 0; i < g->nrows; i++) {
		free(g->rows[i].label);
		free(g->rows[i].shortl);
	}
	free(g->rows);
	free(g->order);
	free(g->attrs);
	free(g->by_label);
	free(g->wide);
	keys_release(&g->table);
	keys_release(&g->chart);
	for (i = 0; i < g->nown; i++)
		free(g->own[i]);
	free(g->own);
}

/* ---- page skeleton ---- */

void html_page_head(struct buf *b, const char *title, const char *css,
		    size_t css_len)
{
	buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		 "<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width, "
		 "initial-scale=1\">\n"
		 "<meta http-equiv=\"Content-Security-Policy\" content=\""
		 "default-src 'none'; style-src 'unsafe-inline'; "
		 "img-src data:; base-uri 'none'; form-action 'none'\">\n"
		 "<meta name=\"referrer\" content=\"no-referrer\">\n"
		 "<meta name=\"generator\" content=\"fairaudit\">\n<title>");
	esc(b, title);
	buf_adds(b, "</title>\n<style>\n");
	buf_add(b, css, css_len);
	buf_adds(b, "</style>\n</head>\n<body>\n");
}

static void page_begin(struct buf *b, const char *title)
{
	html_page_head(b, title, page_css, sizeof(page_css) - 1);
	buf_adds(b, "<svg class=\"defs\" width=\"0\" height=\"0\" "
		 "aria-hidden=\"true\" focusable=\"false\"><defs>"
		 "<pattern id=\"fa-hatch\" width=\"6\" height=\"6\" "
		 "patternUnits=\"userSpaceOnUse\" "
		 "patternTransform=\"rotate(45)\">"
		 "<rect width=\"6\" height=\"6\" fill=\"#e9ecef\"/>"
		 "<path d=\"M0 0V6\" stroke=\"#8a9099\" stroke-width=\"2.2\"/>"
		 "</pattern></defs></svg>\n<main>\n");
}

static void page_end(struct buf *b)
{
	buf_adds(b, "<footer><p>Rendered by fairaudit. This page contains no "
		 "scripts and loads nothing from elsewhere; it prints one "
		 "grouping per page.</p></footer>\n</main>\n</body>\n</html>\n");
}

static int finish(struct buf *b, struct buf *err, const char *what)
{
	if (!b->toobig)
		return 0;
	buf_addf(err, "rendering the %s exceeded the output limit of %zu "
		 "bytes", what, b->cap);
	return -1;
}

/* A legend swatch: an inline 14x10 SVG with one classed rect. */
static void swatch(struct buf *b, const char *cls)
{
	buf_addf(b, "<svg width=\"14\" height=\"10\" aria-hidden=\"true\">"
		 "<rect class=\"sw %s\" width=\"14\" height=\"10\"/></svg>",
		 cls);
}

/* ---- report: header and summary ---- */

static void add_conf(const struct rctx *x, struct buf *b)
{
	double pc;

	if (!x->has_conf || x->conf <= 0 || x->conf >= 1)
		return;
	pc = x->conf * 100;
	if (fabs(pc - floor(pc + 0.5)) < 1e-9)
		buf_addf(b, "%.0f %% ", pc);
	else
		buf_addf(b, "%.1f %% ", pc);
}

static const char *model_label(const struct rctx *x)
{
	const char *s = x->meta ? x->meta->model_name : NULL;

	return s ? s : jstr(x->eval, "model_id");
}

static const char *dataset_label(const struct rctx *x)
{
	const char *s = x->meta ? x->meta->dataset_name : NULL;

	return s ? s : jstr(x->eval, "dataset_id");
}

static void report_header(const struct rctx *x, struct buf *b)
{
	const char *ds = dataset_label(x), *mo = model_label(x);
	const char *ver = x->meta ? x->meta->model_version : NULL;
	const char *created = x->meta && x->meta->created_at ?
			      x->meta->created_at : jstr(x->eval, "created_at");
	const char *task = jstr(x->eval, "task"), *id = jstr(x->eval, "id");
	size_t i;

	buf_adds(b, "<header>\n<p class=\"kicker\">fairaudit "
		 MIDDOT " disparity report</p>\n<h1>");
	if (mo) {
		esc(b, mo);
		if (ver) {
			buf_adds(b, " <span class=\"sub\">");
			esc(b, ver);
			buf_adds(b, "</span>");
		}
	} else {
		buf_adds(b, "Model");
	}
	buf_adds(b, " <span class=\"sub\">on</span> ");
	if (ds)
		esc(b, ds);
	else
		buf_adds(b, "an evaluation set");
	buf_adds(b, "</h1>\n<p class=\"meta\">");
	buf_adds(b, "Task ");
	if (task)
		esc(b, task);
	else
		buf_adds(b, EMDASH);
	if (id) {
		buf_adds(b, " " MIDDOT " evaluation <code>");
		esc(b, id);
		buf_adds(b, "</code>");
	}
	if (created) {
		buf_adds(b, " " MIDDOT " created ");
		esc(b, created);
	}
	buf_adds(b, "</p>\n<nav class=\"links\" aria-label=\"Sections and "
		 "downloads\">");
	for (i = 0; i < x->ng; i++) {
		buf_addf(b, "<a href=\"#g%d\">By ", x->g[i].id);
		esc(b, x->g[i].by_label);
		buf_adds(b, "</a>\n");
	}
	buf_adds(b, "<a href=\"#method\">Methodology</a>\n");
	if (x->meta && x->meta->json_href) {
		buf_adds(b, "<a");
		add_href(b, x->meta->json_href);
		buf_adds(b, " type=\"application/json\">JSON</a>\n");
	}
	if (x->meta && x->meta->csv_href) {
		buf_adds(b, "<a");
		add_href(b, x->meta->csv_href);
		buf_adds(b, " type=\"text/csv\">CSV</a>");
	}
	buf_adds(b, "</nav>\n</header>\n");
}

struct finding {
	const struct grp *g;
	const struct crow *r;
	const char *key;
	double sev, p;
	bool lead;		/* a key metric of the task */
};

/* Key metrics first, then the largest ratio (on the log scale). */
static int cmp_finding(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;

	if (a->lead != b->lead)
		return a->lead ? -1 : 1;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	if (a->p != b->p)
		return a->p < b->p ? -1 : 1;
	if (a->g->id != b->g->id)
		return a->g->id < b->g->id ? -1 : 1;
	if (a->r->idx != b->r->idx)
		return a->r->idx < b->r->idx ? -1 : 1;
	return strcmp(a->key, b->key);
}

/*
 * "False positive rate for race = African-American is 1.91× the reference
 * (race = Caucasian) (95 % CI 1.80–2.03), adjusted p < 0.001; 0.448
 * against 0.235."
 */
static void finding_sentence(const struct rctx *x, struct buf *b,
			     const struct finding *f)
{
	struct dval d = dget(f->r->disparity, f->key);
	struct mval m = mget(f->r->metrics, f->key), rm;
	enum kind k = metric_kind(f->key);

	memset(&rm, 0, sizeof(rm));
	if (f->g->ref)
		rm = mget(f->g->ref->metrics, f->key);
	buf_adds(b, "<b>");
	add_metric(b, f->key, false);
	buf_adds(b, "</b> for ");
	esc(b, f->r->label);
	if (d.has_r) {
		buf_adds(b, " is <b>");
		add_fixed(b, d.r, 2, false);
		buf_adds(b, TIMES "</b> the reference");
	} else if (d.has_d) {
		buf_adds(b, " differs from the reference by <b>");
		add_diff(b, k, d.d, true);
		buf_adds(b, "</b>");
	} else {
		buf_adds(b, " differs from the reference");
	}
	if (f->g->ref) {
		buf_adds(b, " (");
		esc(b, f->g->ref->label);
		buf_addch(b, ')');
	}
	if (d.has_r ? d.has_rci : d.has_dci) {
		buf_adds(b, " (");
		add_conf(x, b);
		buf_adds(b, "CI ");
		if (d.has_r)
			add_range(b, d.rlo, d.rhi, fmt_ratio, k);
		else
			add_range(b, d.dlo, d.dhi, add_diff, k);
		buf_addch(b, ')');
	}
	if (d.has_pa || d.has_p) {
		double p = d.has_pa ? d.pa : d.p;

		buf_adds(b, d.has_pa ? ", adjusted p " : ", p ");
		if (p >= 0.001)
			buf_adds(b, "= ");
		add_p(b, p);
	}
	if (m.has && rm.has) {
		buf_adds(b, "; ");
		add_value(b, k, m.v);
		buf_adds(b, " against ");
		add_value(b, k, rm.v);
	}
	buf_addch(b, '.');
}

/* "a, b and c" of metric names, lower-cased. */
static void add_name_list(struct buf *b, const struct keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (i)
			buf_adds(b, i + 1 == ks->n ? " and " : ", ");
		add_name_lower(b, ks->k[i]);
	}
}

static void add_tolerance(const struct rctx *x, struct buf *b)
{
	double t;

	if (!jnum(x->params, "tolerance", &t) || t <= 0) {
		buf_adds(b, "beyond the tolerance");
		return;
	}
	if (t > 1)
		t = 1 / t;
	buf_adds(b, "outside [");
	add_fixed(b, t, 2, false);
	buf_adds(b, ", ");
	add_fixed(b, 1 / t, 2, false);
	buf_addch(b, ']');
}

static void add_significance(const struct rctx *x, struct buf *b)
{
	double s;

	if (jnum(x->params, "significance", &s)) {
		add_shortest(b, s);
	} else {
		buf_adds(b, "the significance level");
	}
}

/* The evaluation's warnings (an unbinned numeric attribute, say). */
static void report_warnings(const struct rctx *x, struct buf *b)
{
	const cJSON *ws = jget(x->eval, "warnings"), *w;

	if (!cJSON_IsArray(ws) || !cJSON_GetArraySize(ws))
		return;
	buf_adds(b, "<section class=\"warnings\" id=\"warnings\" "
		 "aria-labelledby=\"warnings-h\">\n<h2 id=\"warnings-h\">"
		 "Warnings</h2>\n<ul>\n");
	cJSON_ArrayForEach(w, ws) {
		const cJSON *m = jget(w, "message");

		if (!cJSON_IsString(m))
			continue;
		buf_adds(b, "<li>");
		esc(b, m->valuestring);
		buf_adds(b, "</li>\n");
	}
	buf_adds(b, "</ul>\n</section>\n");
}

static void report_summary(const struct rctx *x, struct buf *b)
{
	struct finding *fs = NULL;
	size_t nf = 0, cap = 0, i, j, ncoh = 0, nflagged = 0, nsmall = 0;
	struct keys tested = { NULL, 0, 0 };
	const cJSON *it;

	for (i = 0; i < x->ng; i++) {
		const struct grp *g = &x->g[i];

		ncoh += g->nrows;
		nflagged += (size_t)g->nflagged;
		nsmall += (size_t)g->nsmall;
		for (j = 0; j < g->table.n; j++)
			if (metric_kind(g->table.k[j]) != K_COUNT)
				keys_add(&tested, g->table.k[j]);
		for (j = 0; j < g->nrows; j++) {
			const struct crow *r = &g->rows[j];

			cJSON_ArrayForEach(it, r->flags) {
				struct dval d;
				struct finding *f;

				if (!cJSON_IsString(it))
					continue;
				fs = xgrow(fs, &cap, nf + 1, sizeof(*fs));
				f = &fs[nf++];
				d = dget(r->disparity, it->valuestring);
				f->g = g;
				f->r = r;
				f->key = it->valuestring;
				f->sev = d.has_r && d.r > 0 ? fabs(log(d.r)) :
					 d.has_d ? fabs(d.d) : 0;
				f->p = d.has_pa ? d.pa : d.has_p ? d.p : 1;
				f->lead = keys_has(&g->chart, f->key);
			}
		}
	}
	if (nf)
		qsort(fs, nf, sizeof(*fs), cmp_finding);

	buf_addf(b, "<section class=\"summary%s\" id=\"summary\" "
		 "aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">"
		 "Summary</h2>\n", nf ? "" : " ok");
	if (nf) {
		buf_addf(b, "<p class=\"lead\">%zu disparit%s flagged in %zu "
			 "cohort%s.</p>\n<ul class=\"findings\">\n", nf,
			 nf == 1 ? "y" : "ies", nflagged,
			 nflagged == 1 ? "" : "s");
		for (i = 0; i < nf && i < MAX_FINDINGS; i++) {
			if (i == LEAD_FINDINGS)
				buf_addf(b, "</ul>\n<details class=\"more\">"
					 "<summary>%zu more flagged disparit%s"
					 "</summary>\n<ul class=\"findings\">\n",
					 nf - LEAD_FINDINGS,
					 nf - LEAD_FINDINGS == 1 ? "y" : "ies");
			buf_adds(b, "<li>");
			finding_sentence(x, b, &fs[i]);
			buf_adds(b, "</li>\n");
		}
		buf_adds(b, "</ul>\n");
		if (nf > MAX_FINDINGS)
			buf_addf(b, "<p>and %zu more, listed in the tables "
				 "below.</p>\n", nf - MAX_FINDINGS);
		if (nf > LEAD_FINDINGS)
			buf_adds(b, "</details>\n");
	} else {
		buf_adds(b, "<p class=\"lead\">No disparity flagged.</p>\n");
	}
	buf_adds(b, "<p class=\"tested\">Tested: ");
	if (tested.n)
		add_name_list(b, &tested);
	else
		buf_adds(b, "no metric");
	buf_addf(b, " for %zu cohort%s in %zu grouping%s", ncoh,
		 ncoh == 1 ? "" : "s", x->ng, x->ng == 1 ? "" : "s");
	if (x->ng) {
		buf_adds(b, " (");
		for (i = 0; i < x->ng; i++) {
			if (i)
				buf_adds(b, "; ");
			esc(b, x->g[i].by_label);
		}
		buf_addch(b, ')');
	}
	buf_adds(b, ", each against its grouping's reference cohort. A "
		 "disparity is flagged when the ratio to the reference lies ");
	add_tolerance(x, b);
	buf_adds(b, " and the adjusted p-value is below ");
	add_significance(x, b);
	buf_addch(b, '.');
	if (nsmall) {
		buf_addf(b, " %zu cohort%s too small", nsmall,
			 nsmall == 1 ? " was" : "s were");
		if (x->has_min) {
			buf_adds(b, " (n &lt; ");
			add_count(b, x->min_size);
			buf_addch(b, ')');
		}
		buf_adds(b, " to be flagged.");
	}
	buf_adds(b, "</p>\n</section>\n");
	free(fs);
	keys_release(&tested);
}

static void report_overall(const struct rctx *x, struct buf *b)
{
	const cJSON *ov = jget(x->eval, "overall");
	const cJSON *metrics = jget(ov, "metrics");
	struct keys ks = { NULL, 0, 0 };
	const char *const *k;
	double n;
	size_t i;

	if (!ov)
		return;
	for (k = chart_keys_for(x->task); *k; k++)
		if (jget(metrics, *k))
			keys_add(&ks, *k);
	for (k = extra_keys_for(x->task); *k; k++)
		if (jget(metrics, *k))
			keys_add(&ks, *k);
	buf_adds(b, "<section id=\"overall\" aria-labelledby=\"overall-h\">"
		 "\n<h2 id=\"overall-h\">Overall</h2>\n<div class=\"cards\">");
	buf_addf(b, "<div class=\"card\"><span class=\"k\">%s</span>"
		 "<span class=\"v\">", x->task == TK_ASR ? "Utterances" :
		 "Examples");
	if (jnum(ov, "n", &n) || jnum(jget(metrics, "n"), "value", &n))
		add_count(b, n);
	else
		buf_adds(b, EMDASH);
	buf_adds(b, "</span></div>");
	for (i = 0; i < ks.n; i++) {
		struct mval m = mget(metrics, ks.k[i]);

		buf_adds(b, "<div class=\"card\"><span class=\"k\">");
		add_metric(b, ks.k[i], false);
		buf_adds(b, "</span><span class=\"v\">");
		if (m.has)
			add_value(b, metric_kind(ks.k[i]), m.v);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</span>");
		if (m.has_ci) {
			buf_adds(b, "<small>");
			add_conf(x, b);
			buf_adds(b, "CI ");
			add_range(b, m.lo, m.hi, fmt_value,
				  metric_kind(ks.k[i]));
			buf_adds(b, "</small>");
		} else if (!m.has && m.reason) {
			buf_adds(b, "<small>");
			esc(b, m.reason);
			buf_adds(b, "</small>");
		}
		buf_adds(b, "</div>");
	}
	buf_adds(b, "</div>\n</section>\n");
	keys_release(&ks);
}

/* ---- report: cohort table ---- */

static void add_sort_links(const struct rctx *x, const struct grp *g,
			   struct buf *b)
{
	static const enum html_sort all[] = {
		HTML_SORT_SEVERITY, HTML_SORT_NAME, HTML_SORT_N };
	static const char *const text[] = { "severity", "name", "size" };
	const char *base = x->meta && x->meta->sort_href_base ?
			   x->meta->sort_href_base : "?";
	struct buf h = BUF_INIT;
	size_t i;

	buf_adds(b, "<nav class=\"sort\" aria-label=\"Order of the cohorts\">"
		 "Sort by:");
	for (i = 0; i < ARRAY_SIZE(all); i++) {
		buf_reset(&h);
		buf_addf(&h, "%ssort=%s#g%d", base, html_sort_name(all[i]),
			 g->id);
		buf_adds(b, " <a");
		add_href(b, h.s);
		if (x->sort == all[i])
			buf_adds(b, " aria-current=\"true\"");
		buf_addf(b, ">%s</a>", text[i]);
	}
	buf_adds(b, "</nav>\n");
	buf_release(&h);
}

static void attr_cell(struct buf *b, const cJSON *v)
{
	struct buf raw = BUF_INIT;

	add_scalar_raw(&raw, v);
	if (!v || cJSON_IsNull(v))
		buf_adds(b, "<span class=\"empty\">missing</span>");
	else if (!raw.len)
		buf_adds(b, "<span class=\"empty\">(empty)</span>");
	else
		esc_n(b, raw.s, raw.len);
	buf_release(&raw);
}

static void na_cell(struct buf *b, const char *cls, const char *reason)
{
	buf_addf(b, "<td class=\"na%s\">", cls);
	if (reason) {
		buf_adds(b, "<b><abbr title=\"");
		esc(b, reason);
		buf_adds(b, "\">" EMDASH "</abbr></b>");
	} else {
		buf_adds(b, "<b>" EMDASH "</b>");
	}
	buf_adds(b, "</td>");
}

static void td_open(struct buf *b, const char *cls)
{
	if (*cls)
		buf_addf(b, "<td class=\"%s\">", cls);
	else
		buf_adds(b, "<td>");
}

static void cohort_table(const struct rctx *x, const struct grp *g,
			 struct buf *b)
{
	size_t i, j, a;
	size_t nhead = g->nattrs ? g->nattrs : 1;

	/*
	 * Metric groups are 4 columns (value, difference, ratio, p), or just
	 * the value when no cohort has a disparity for the metric.  When all
	 * are 4 wide, class o<k> (groups start at columns c with c % 4 == k)
	 * draws the group borders instead of a class on every cell.
	 */
	buf_addf(b, "<div class=\"table-wrap\" role=\"region\" tabindex=\"0\" "
		 "aria-labelledby=\"g%d-cap\">\n<table class=\"nums", g->id);
	if (g->all_wide)
		buf_addf(b, " o%zu", (nhead + 3) % 4);
	buf_addf(b, "\">\n<caption id=\"g%d-cap\">Cohorts by ", g->id);
	esc(b, g->by_label);
	buf_adds(b, ": size, flags, and per metric the value with its ");
	add_conf(x, b);
	buf_adds(b, "interval, the difference and ratio to the reference "
		 "with intervals, and the adjusted p-value (raw p below)"
		 "</caption>\n");
	buf_addf(b, "<colgroup span=\"%zu\"></colgroup>", nhead + 2);
	for (j = 0; j < g->table.n; j++)
		buf_addf(b, "<colgroup span=\"%d\"></colgroup>",
			 g->wide[j] ? 4 : 1);
	buf_adds(b, "\n<thead>\n<tr>");
	for (a = 0; a < nhead; a++) {
		buf_adds(b, "<th scope=\"col\" rowspan=\"2\">");
		esc(b, g->nattrs ? g->attrs[a] : "Cohort");
		buf_adds(b, "</th>");
	}
	buf_adds(b, "<th scope=\"col\" rowspan=\"2\">n</th>"
		 "<th scope=\"col\" rowspan=\"2\" class=\"t\">Flags</th>");
	for (j = 0; j < g->table.n; j++) {
		buf_addf(b, "<th scope=\"colgroup\" colspan=\"%d\">",
			 g->wide[j] ? 4 : 1);
		add_metric(b, g->table.k[j], false);
		buf_adds(b, "</th>");
	}
	buf_adds(b, "</tr>\n<tr>");
	for (j = 0; j < g->table.n; j++)
		buf_adds(b, g->wide[j] ? "<th scope=\"col\" class=\"gs\">Value"
			 "</th><th scope=\"col\">Difference</th>"
			 "<th scope=\"col\">Ratio</th>"
			 "<th scope=\"col\">Adj. p</th>" :
			 "<th scope=\"col\" class=\"gs\">Value</th>");
	buf_adds(b, "</tr>\n</thead>\n<tbody>\n");

	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = g->order[i];
		const cJSON *it;

		buf_adds(b, "<tr");
		if (r->nflags || r->ref || r->small)
			buf_addf(b, " class=\"%s%s%s\"",
				 r->nflags ? "flag " : "", r->ref ? "ref " : "",
				 r->small ? "small" : "");
		buf_addf(b, " data-cohort=\"%zu\">", r->idx);
		for (a = 0; a < nhead; a++) {
			buf_adds(b, "<th scope=\"row\">");
			if (g->nattrs)
				attr_cell(b, jget(r->attrs, g->attrs[a]));
			else
				esc(b, r->label);
			buf_adds(b, "</th>");
		}
		buf_adds(b, "<td><b>");
		if (r->has_n)
			add_count(b, r->n);
		else
			buf_adds(b, EMDASH);
		buf_adds(b, "</b></td><td class=\"fl\">");
		cJSON_ArrayForEach(it, r->flags) {
			if (!cJSON_IsString(it))
				continue;
			buf_adds(b, "<span class=\"badge flag\">");
			add_metric(b, it->valuestring, true);
			buf_adds(b, "</span>");
		}
		if (r->ref)
			buf_adds(b, "<span class=\"badge ref\">reference"
				 "</span>");
		if (r->small) {
			const char *why = cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(r->c,
					"too_small_reason"));

			buf_adds(b, "<span class=\"badge small\"");
			if (why) {
				buf_adds(b, " title=\"");
				esc(b, why);
				buf_adds(b, "\"");
			}
			buf_adds(b, ">too small</span>");
		}
		buf_adds(b, "</td>");
		for (j = 0; j < g->table.n; j++) {
			const char *key = g->table.k[j];
			enum kind k = metric_kind(key);
			struct mval m = mget(r->metrics, key);
			struct dval d = dget(r->disparity, key);
			bool hit = flagged(r->flags, key);
			const char *h = hit ? " hit" : "";
			const char *hc = hit ? "hit" : "";
			const char *gs = g->all_wide ? hc : hit ? "gs hit" : "gs";

			if (m.has) {
				td_open(b, gs);
				buf_adds(b, "<b>");
				add_value(b, k, m.v);
				buf_adds(b, "</b>");
				if (m.has_ci)
					add_range(b, m.lo, m.hi, fmt_value, k);
				buf_adds(b, "</td>");
			} else {
				na_cell(b, g->all_wide ? h : hit ? " gs hit" :
					" gs", m.reason);
			}
			if (!g->wide[j])
				continue;
			if (d.has_d) {
				td_open(b, hc);
				buf_adds(b, "<b>");
				add_diff(b, k, d.d, true);
				buf_adds(b, "</b>");
				if (d.has_dci)
					add_range(b, d.dlo, d.dhi, add_diff, k);
				buf_adds(b, "</td>");
			} else {
				na_cell(b, h, d.reason);
			}
			if (d.has_r) {
				td_open(b, hc);
				buf_adds(b, "<b>");
				add_fixed(b, d.r, 2, false);
				buf_adds(b, TIMES "</b>");
				if (d.has_rci)
					add_range(b, d.rlo, d.rhi, fmt_ratio,
						  k);
				buf_adds(b, "</td>");
			} else {
				na_cell(b, h, d.ratio_reason ? d.ratio_reason
					: d.reason);
			}
			if (d.has_pa || d.has_p) {
				td_open(b, hc);
				buf_adds(b, "<b>");
				if (d.has_pa)
					add_p(b, d.pa);
				else
					buf_adds(b, EMDASH);
				buf_adds(b, "</b>");
				if (d.has_p) {
					buf_adds(b, "p ");
					add_p(b, d.p);
				}
				buf_adds(b, "</td>");
			} else {
				na_cell(b, h, d.p_reason ? d.p_reason :
					d.reason);
			}
		}
		buf_adds(b, "</tr>\n");
	}
	buf_adds(b, "</tbody>\n</table>\n</div>\n");
}

static void report_legend(const struct rctx *x, struct buf *b)
{
	buf_adds(b, "<ul class=\"legend\" aria-label=\"Legend\"><li>");
	swatch(b, "");
	buf_adds(b, "cohort</li><li>");
	swatch(b, "flag");
	buf_adds(b, "flagged: disparity beyond the tolerance and "
		 "significant</li><li>");
	swatch(b, "ref");
	buf_adds(b, "reference cohort (dashed line in charts)</li><li>");
	swatch(b, "small");
	buf_adds(b, "too small");
	if (x->has_min) {
		buf_adds(b, " (n &lt; ");
		add_count(b, x->min_size);
		buf_addch(b, ')');
	}
	buf_adds(b, ", never flagged</li><li>");
	buf_adds(b, "<svg width=\"18\" height=\"10\" aria-hidden=\"true\">"
		 "<path d=\"M1 5H17M1 2V8M17 2V8\" stroke=\"#1b1f24\" "
		 "stroke-width=\"1.2\" fill=\"none\"/></svg>");
	add_conf(x, b);
	buf_adds(b, "confidence interval</li></ul>\n");
}

/* ---- report: charts ---- */

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

struct axis {
	double lo, hi, step, x0, x1;
	int dec;
};

static double ax_x(const struct axis *a, double v)
{
	return a->x0 + (v - a->lo) / (a->hi - a->lo) * (a->x1 - a->x0);
}

/* Gridlines and tick labels above the plot, from y0 to y1. */
static void ax_draw(struct buf *b, const struct axis *a, double y0,
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

static void ax_setup(struct axis *a, double lo, double hi, double x0,
		     double x1)
{
	nice_axis(lo, hi, &a->lo, &a->hi, &a->step);
	a->dec = step_decimals(a->step);
	a->x0 = x0;
	a->x1 = x1;
}

/* Row height of a chart with n rows: roomy for few, dense for many. */
static double row_height(size_t n)
{
	return n <= 40 ? 22 : n <= DENSE_ROWS ? 16 : 8;
}

/*
 * The short label of a cohort in a chart, at most about LABEL_CHARS code
 * points: each attribute value is cut on its own, so intersections that
 * share a long first value stay distinguishable.
 */
static void add_chart_label(struct buf *b, const struct grp *g,
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
	esc(b, r->shortl);
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
static void chart_bars(const struct rctx *x, const struct grp *g,
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
	esc(b, key);
	buf_addf(b, "\"><figcaption id=\"g%d-c-", g->id);
	esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, " by ");
	esc(b, g->by_label);
	buf_addf(b, "</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
		 "width=\"%.0f\" height=\"%.0f\" role=\"group\" "
		 "aria-labelledby=\"g%d-c-", W, H, W, H, g->id);
	esc(b, key);
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
				esc(b, m.reason);
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

static void chart_heat(const struct grp *g, const char *key, struct buf *b)
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
	esc(b, key);
	buf_addf(b, "\"><figcaption id=\"g%d-h-", g->id);
	esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, ": ");
	esc(b, g->attrs[0]);
	buf_adds(b, " " TIMES " ");
	esc(b, g->attrs[1]);
	buf_adds(b, ", coloured by the ratio to the reference</figcaption>"
		 "<div class=\"scroll\">");
	buf_addf(b, "<svg viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" "
		 "height=\"%.0f\" role=\"group\" aria-labelledby=\"g%d-h-",
		 W, H, W, H, g->id);
	esc(b, key);
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
		esc(b, r->shortl);
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
		esc(b, key);
		buf_addf(b, "-ramp\"><stop offset=\"0\" stop-color=\"%s\"/>"
			 "<stop offset=\".5\" stop-color=\"#fff\"/>"
			 "<stop offset=\"1\" stop-color=\"%s\"/>"
			 "</linearGradient></defs>", lo, hi);
		buf_addf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" "
			 "height=\"10\" stroke=\"#c4cad2\" fill=\"url(#g%d-h-",
			 lx, ly, lw, g->id);
		esc(b, key);
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
static void chart_sdi(const struct grp *g, struct buf *b)
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
	esc(b, g->by_label);
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

static void sdi_legend(struct buf *b)
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

/* One alignment token; a missing side is printed as sclite's "***". */
static void token(struct buf *b, const cJSON *t)
{
	const char *op = jstr(t, "op");
	const cJSON *ref = jget(t, "ref"), *hyp = jget(t, "hyp");
	char c = op && op[0] && !op[1] ? op[0] : 'C';
	const char *cls = c == 'S' ? "s" : c == 'D' ? "d" : c == 'I' ? "i" :
			  "c";
	struct buf raw = BUF_INIT;

	buf_addf(b, "<span class=\"tk %s\"><span class=\"r\">", cls);
	add_scalar_raw(&raw, ref);
	if (raw.len && c != 'I')
		esc_n(b, raw.s, raw.len);
	else
		buf_adds(b, "<span class=\"gap\">***</span>");
	buf_adds(b, "</span><span class=\"h\">");
	buf_reset(&raw);
	add_scalar_raw(&raw, hyp);
	if (c == 'C' && !raw.len)
		add_scalar_raw(&raw, ref);
	if (raw.len && c != 'D')
		esc_n(b, raw.s, raw.len);
	else
		buf_adds(b, "<span class=\"gap\">***</span>");
	buf_adds(b, "</span></span>");
	buf_release(&raw);
}

static void worst_utterances(const struct grp *g, struct buf *b)
{
	size_t i, shown = 0;
	bool any = false;

	for (i = 0; i < g->nrows; i++)
		if (cJSON_GetArraySize(jget(g->rows[i].c,
					    "worst_utterances")) > 0)
			any = true;
	if (!any)
		return;
	buf_adds(b, "<h3>Worst utterances</h3>\n<p class=\"gmeta\">Per "
		 "cohort, the utterances with the highest WER and their word "
		 "alignment: reference above, hypothesis below.</p>\n"
		 "<ul class=\"legend\" aria-label=\"Alignment\">"
		 "<li><span class=\"swt s\"></span>S substitution</li>"
		 "<li><span class=\"swt d\"></span>D deletion (struck "
		 "through)</li><li><span class=\"swt i\"></span>I insertion"
		 "</li><li><span class=\"gap\">***</span>&nbsp;no word</li>"
		 "</ul>\n");
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = g->order[i];
		const cJSON *wu = jget(r->c, "worst_utterances"), *u;
		int nu = cJSON_GetArraySize(wu), k = 0;

		if (nu <= 0)
			continue;
		buf_addf(b, "<details%s data-cohort=\"%zu\"><summary>",
			 shown < OPEN_DETAILS ? " open" : "", r->idx);
		esc(b, r->label);
		buf_addf(b, "</summary>\n<ol class=\"utts\">\n");
		shown++;
		cJSON_ArrayForEach(u, wu) {
			const cJSON *t;
			double wer;
			int nt = 0;

			if (k++ >= MAX_UTTERANCES)
				break;
			buf_adds(b, "<li><div class=\"uh\">");
			if (jstr(u, "id")) {
				buf_adds(b, "<code>");
				esc(b, jstr(u, "id"));
				buf_adds(b, "</code>");
			}
			if (jstr(u, "speaker")) {
				buf_adds(b, " " MIDDOT " speaker ");
				esc(b, jstr(u, "speaker"));
			}
			buf_adds(b, " " MIDDOT " WER ");
			if (jnum(u, "wer", &wer))
				add_fixed(b, wer, 3, false);
			else
				buf_adds(b, EMDASH);
			buf_adds(b, "</div><div class=\"al\">");
			cJSON_ArrayForEach(t, jget(u, "alignment")) {
				if (nt++ >= MAX_TOKENS) {
					buf_adds(b, ELLIPSIS);
					break;
				}
				token(b, t);
			}
			buf_adds(b, "</div></li>\n");
		}
		buf_adds(b, "</ol></details>\n");
	}
}

/* The chart metric flagged most often (the first on ties). */
static const char *lead_metric(const struct grp *g)
{
	size_t i, j, best = 0, most = 0;

	for (j = 0; j < g->chart.n; j++) {
		size_t c = 0;

		for (i = 0; i < g->nrows; i++)
			c += flagged(g->rows[i].flags, g->chart.k[j]);
		if (c > most) {
			most = c;
			best = j;
		}
	}
	return g->chart.k[best];
}

static void grouping_section(const struct rctx *x, const struct grp *g,
			     struct buf *b)
{
	const cJSON *spread = jget(g->g, "spread");
	size_t j;
	bool any = false;

	buf_addf(b, "<section class=\"grouping\" id=\"g%d\" "
		 "aria-labelledby=\"g%d-h\">\n<h2 id=\"g%d-h\">By ", g->id,
		 g->id, g->id);
	esc(b, g->by_label);
	buf_adds(b, "</h2>\n<p class=\"gmeta\">Reference: <b>");
	if (g->ref)
		esc(b, g->ref->label);
	else
		buf_adds(b, "none");
	buf_adds(b, "</b>");
	if (g->ref && jstr(g->g, "reference_source")) {
		const char *src = jstr(g->g, "reference_source");

		buf_adds(b, " (");
		if (!strcmp(src, "largest"))
			buf_adds(b, "the largest cohort");
		else if (!strcmp(src, "requested"))
			buf_adds(b, "as requested");
		else
			esc(b, src);
		buf_addch(b, ')');
	}
	buf_addf(b, " " MIDDOT " %zu cohort%s " MIDDOT " %d flagged "
		 MIDDOT " %d too small</p>\n", g->nrows,
		 g->nrows == 1 ? "" : "s", g->nflagged, g->nsmall);
	for (j = 0; j < g->chart.n; j++) {
		const cJSON *s = jget(spread, g->chart.k[j]);
		double d = 0, r = 0;
		bool hd = jnum(s, "difference", &d), hr = jnum(s, "ratio", &r);

		if (!hd && !hr)
			continue;
		buf_adds(b, any ? "; " : "<p class=\"gmeta\">Spread across "
			 "cohorts (highest against lowest): ");
		any = true;
		add_metric(b, g->chart.k[j], true);
		if (hd) {
			buf_adds(b, " difference ");
			add_diff(b, metric_kind(g->chart.k[j]), d, false);
		}
		if (hr) {
			buf_adds(b, hd ? ", ratio " : " ratio ");
			add_fixed(b, r, 2, false);
			buf_adds(b, TIMES);
		}
	}
	if (any)
		buf_adds(b, "</p>\n");
	add_sort_links(x, g, b);
	cohort_table(x, g, b);
	report_legend(x, b);
	if (g->nrows > MAX_CHART_ROWS) {
		buf_addf(b, "<p class=\"gmeta\">Charts are left out for groupings "
			 "of more than %d cohorts; the table above and the CSV "
			 "have every cohort.</p>\n", MAX_CHART_ROWS);
	} else if (g->chart.n && g->nrows) {
		buf_adds(b, "<h3>Charts</h3>\n<div class=\"charts\">\n");
		for (j = 0; j < g->chart.n; j++)
			chart_bars(x, g, g->chart.k[j], b);
		if (x->task == TK_ASR && grp_has_metric(g, "reference_words"))
			chart_sdi(g, b);
		buf_adds(b, "</div>\n");
		if (x->task == TK_ASR && grp_has_metric(g, "reference_words"))
			sdi_legend(b);
	}
	if (g->nattrs == 2 && g->chart.n && g->nrows) {
		buf_adds(b, "<h3>Intersections</h3>\n<div class=\"charts\">\n");
		if (g->nrows <= DENSE_ROWS) {
			for (j = 0; j < g->chart.n; j++)
				chart_heat(g, g->chart.k[j], b);
		} else {
			chart_heat(g, lead_metric(g), b);
		}
		buf_adds(b, "</div>\n");
	}
	worst_utterances(g, b);
	buf_adds(b, "</section>\n");
}

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
			esc_n(b, k.s, k.len);
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

static void report_method(const struct rctx *x, struct buf *b)
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
		esc(b, x->g[i].by_label);
		buf_adds(b, ": ");
		if (x->g[i].ref)
			esc(b, x->g[i].ref->label);
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
		esc(b, it->string);
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
		esc(b, s);
	if (code) {
		buf_adds(b, s ? " <code>" : "<code>");
		esc(b, code);
		buf_adds(b, "</code>");
	}
	if (!s && !code)
		buf_adds(b, EMDASH);
	buf_adds(b, "</dd>\n");
}

static void report_about(const struct rctx *x, struct buf *b)
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

/* ---- public: report ---- */

int html_sort_parse(const char *s, enum html_sort *out, struct buf *err)
{
	if (s && !strcmp(s, "severity"))
		*out = HTML_SORT_SEVERITY;
	else if (s && !strcmp(s, "name"))
		*out = HTML_SORT_NAME;
	else if (s && !strcmp(s, "n"))
		*out = HTML_SORT_N;
	else {
		buf_adds(err, "unknown sort order \"");
		if (s)
			buf_add_json_escaped(err, s, strlen(s));
		buf_adds(err, "\" (expected severity, name or n)");
		return -1;
	}
	return 0;
}

const char *html_sort_name(enum html_sort s)
{
	switch (s) {
	case HTML_SORT_NAME: return "name";
	case HTML_SORT_N: return "n";
	case HTML_SORT_SEVERITY: break;
	}
	return "severity";
}

int html_render_evaluation(struct buf *out, const cJSON *eval,
			   const struct html_meta *meta,
			   const struct html_options *opt, struct buf *err)
{
	struct rctx x;
	struct buf title = BUF_INIT;
	const cJSON *gs, *g;
	size_t i;
	int id = 0;

	if (!cJSON_IsObject(eval)) {
		buf_adds(err, "cannot render a report: the evaluation is not "
			 "a JSON object");
		return -1;
	}
	memset(&x, 0, sizeof(x));
	x.eval = eval;
	x.params = jget(eval, "params");
	x.meta = meta;
	x.sort = opt ? opt->sort : HTML_SORT_SEVERITY;
	x.task = task_kind(eval);
	x.has_conf = jnum(x.params, "confidence", &x.conf);
	x.has_min = jnum(x.params, "min_cohort_size", &x.min_size);
	gs = jget(eval, "groupings");
	if (!cJSON_IsArray(gs))
		gs = NULL;
	x.ng = (size_t)(gs ? cJSON_GetArraySize(gs) : 0);
	x.g = xcalloc(x.ng + 1, sizeof(*x.g));
	cJSON_ArrayForEach(g, gs) {
		grp_build(&x, &x.g[id], g, id + 1);
		id++;
	}

	buf_adds(&title, "Disparity report: ");
	buf_adds(&title, model_label(&x) ? model_label(&x) : "model");
	if (meta && meta->model_version) {
		buf_addch(&title, ' ');
		buf_adds(&title, meta->model_version);
	}
	buf_adds(&title, " on ");
	buf_adds(&title, dataset_label(&x) ? dataset_label(&x) : "dataset");
	page_begin(out, title.s);
	report_header(&x, out);
	report_summary(&x, out);
	report_warnings(&x, out);
	report_overall(&x, out);
	if (!x.ng)
		buf_adds(out, "<p class=\"empty\">This evaluation has no "
			 "groupings.</p>\n");
	for (i = 0; i < x.ng; i++)
		grouping_section(&x, &x.g[i], out);
	report_method(&x, out);
	report_about(&x, out);
	page_end(out);

	for (i = 0; i < x.ng; i++)
		grp_release(&x.g[i]);
	free(x.g);
	buf_release(&title);
	return finish(out, err, "report");
}

/* ---- public: index pages ---- */

enum icol_kind { IC_TEXT, IC_COUNT, IC_CODE, IC_GROUPINGS, IC_FLAGGED };

struct icol {
	const char *key, *head;
	enum icol_kind kind;
	const char *fallback;	/* shown as code when key is missing */
};

static const struct icol cols_datasets[] = {
	{ "name", "Name", IC_TEXT }, { "id", "Id", IC_CODE },
	{ "task", "Task", IC_TEXT }, { "rows", "Rows", IC_COUNT },
	{ "description", "Description", IC_TEXT },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_models[] = {
	{ "name", "Name", IC_TEXT }, { "version", "Version", IC_TEXT },
	{ "id", "Id", IC_CODE }, { "dataset_id", "Dataset", IC_CODE },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_evaluations[] = {
	{ "id", "Evaluation", IC_CODE },
	{ "model", "Model", IC_TEXT, "model_id" },
	{ "dataset", "Dataset", IC_TEXT, "dataset_id" },
	{ "task", "Task", IC_TEXT },
	{ "by", "Groupings", IC_GROUPINGS },
	{ "flagged", "Flagged", IC_FLAGGED },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_bounties[] = {
	{ "id", "Bounty", IC_CODE }, { "model_id", "Model", IC_CODE },
	{ "metric", "Metric", IC_TEXT }, { "status", "Status", IC_TEXT },
	{ "submissions", "Submissions", IC_COUNT },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };

/* "race; race × sex" from "by" or the groupings of a full evaluation. */
static void add_groupings(struct buf *b, const cJSON *item)
{
	const cJSON *by = jget(item, "by"), *g, *a;
	bool first = true, any = false;

	if (!cJSON_IsArray(by)) {
		by = NULL;
		cJSON_ArrayForEach(g, jget(item, "groupings")) {
			buf_adds(b, first ? "" : "; ");
			first = false;
			any = true;
			cJSON_ArrayForEach(a, jget(g, "by")) {
				if (a != jget(g, "by")->child)
					buf_adds(b, " " TIMES " ");
				add_json_html(b, a, 1);
			}
		}
	}
	cJSON_ArrayForEach(g, by) {
		buf_adds(b, first ? "" : "; ");
		first = false;
		any = true;
		if (cJSON_IsArray(g)) {
			cJSON_ArrayForEach(a, g) {
				if (a != g->child)
					buf_adds(b, " " TIMES " ");
				add_json_html(b, a, 1);
			}
		} else {
			add_json_html(b, g, 1);
		}
	}
	if (!any)
		buf_adds(b, EMDASH);
}

static void add_flag_count(struct buf *b, const cJSON *item)
{
	const cJSON *g, *c, *f;
	double n;
	int count = 0;
	bool any = false;

	if (jnum(item, "flagged", &n)) {
		add_count(b, n);
		return;
	}
	cJSON_ArrayForEach(g, jget(item, "groupings")) {
		any = true;
		cJSON_ArrayForEach(c, jget(g, "cohorts"))
			cJSON_ArrayForEach(f, jget(c, "flags"))
				count++;
	}
	if (any)
		buf_addf(b, "%d", count);
	else
		buf_adds(b, EMDASH);
}

static void index_cell(struct buf *b, const struct icol *c,
		       const cJSON *item)
{
	const cJSON *v = jget(item, c->key);
	double n;

	if ((!v || cJSON_IsNull(v)) && c->fallback) {
		struct icol code = { c->fallback, c->head, IC_CODE, NULL };

		index_cell(b, &code, item);
		return;
	}
	switch (c->kind) {
	case IC_GROUPINGS:
		add_groupings(b, item);
		return;
	case IC_FLAGGED:
		add_flag_count(b, item);
		return;
	case IC_COUNT:
		if (jnum(item, c->key, &n)) {
			add_count(b, n);
			return;
		}
		break;
	case IC_CODE:
		if (v && !cJSON_IsNull(v)) {
			buf_adds(b, "<code>");
			add_json_html(b, v, 1);
			buf_adds(b, "</code>");
			return;
		}
		break;
	case IC_TEXT:
		break;
	}
	add_json_html(b, v, 1);
}

void html_render_notice(struct buf *out, const char *title,
			const char *const *paragraphs)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, title);
	buf_adds(&t, " " MIDDOT " fairaudit");
	page_begin(out, t.s);
	buf_release(&t);
	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit</p>\n<h1>");
	esc(out, title);
	buf_adds(out, "</h1>\n</header>\n");
	for (size_t i = 0; paragraphs[i]; i++) {
		buf_adds(out, "<p>");
		esc(out, paragraphs[i]);
		buf_adds(out, "</p>\n");
	}
	page_end(out);
}

int html_render_index(struct buf *out, const struct html_index *ix,
		      const cJSON *items, struct buf *err)
{
	static const char *const titles[] = {
		"Datasets", "Models", "Evaluations", "Bounties" };
	static const char *const nouns[][2] = {
		{ "dataset", "datasets" }, { "model", "models" },
		{ "evaluation", "evaluations" }, { "bounty", "bounties" } };
	const struct icol *cols;
	const cJSON *item;
	const char *title;
	struct buf h = BUF_INIT, t = BUF_INIT;
	int n, kind;

	if (!ix || !cJSON_IsArray(items)) {
		buf_adds(err, "cannot render an index page: the list is not a "
			 "JSON array");
		return -1;
	}
	kind = (int)ix->kind;
	if (kind < 0 || kind > 3)
		kind = 0;
	cols = kind == 0 ? cols_datasets : kind == 1 ? cols_models :
	       kind == 2 ? cols_evaluations : cols_bounties;
	title = ix->title ? ix->title : titles[kind];
	n = cJSON_GetArraySize(items);

	buf_adds(&t, title);
	buf_adds(&t, " " MIDDOT " fairaudit");
	page_begin(out, t.s);
	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit</p>\n<h1>");
	esc(out, title);
	buf_addf(out, "</h1>\n<p class=\"meta\">%d %s</p>\n</header>\n", n,
		 nouns[kind][n == 1 ? 0 : 1]);
	if (ix->nav_query) {
		static const char *const pages[] = { "datasets", "models",
						     "evaluations", "bounties" };

		buf_adds(out, "<nav class=\"links\" aria-label=\"Lists\">");
		for (int i = 0; i < 4; i++) {
			struct buf href = BUF_INIT;

			buf_addf(&href, "/v1/pages/%s%s", pages[i], ix->nav_query);
			buf_adds(out, i ? " " MIDDOT " " : "");
			if (i == kind) {
				esc(out, titles[i]);
			} else {
				buf_adds(out, "<a");
				add_href(out, href.s);
				buf_adds(out, ">");
				esc(out, titles[i]);
				buf_adds(out, "</a>");
			}
			buf_release(&href);
		}
		buf_adds(out, "</nav>\n");
	}
	if (!n) {
		buf_addf(out, "<p class=\"empty\">No %s yet.</p>\n",
			 nouns[kind][1]);
	} else {
		const struct icol *c;

		buf_adds(out, "<div class=\"table-wrap\" role=\"region\" "
			 "tabindex=\"0\" aria-labelledby=\"ix-cap\">\n"
			 "<table class=\"index\">\n<caption id=\"ix-cap\">");
		esc(out, title);
		buf_adds(out, "</caption>\n<thead><tr>");
		for (c = cols; c->key; c++)
			buf_addf(out, "<th scope=\"col\" class=\"t\">%s</th>",
				 c->head);
		buf_adds(out, "</tr></thead>\n<tbody>\n");
		cJSON_ArrayForEach(item, items) {
			const char *href = jstr(item, "href");
			const char *id = jstr(item, "id");

			buf_reset(&h);
			if (!href && id && ix->href_prefix) {
				buf_adds(&h, ix->href_prefix);
				add_pct(&h, id);
				if (ix->href_suffix)
					buf_adds(&h, ix->href_suffix);
				href = h.s;
			}
			buf_adds(out, "<tr>");
			for (c = cols; c->key; c++) {
				buf_adds(out, c == cols ? "<th scope=\"row\">"
					 : "<td class=\"t\">");
				if (c == cols && href) {
					buf_adds(out, "<a");
					add_href(out, href);
					buf_addch(out, '>');
				}
				if (c == cols && !jget(item, c->key) && id)
					esc(out, id);
				else
					index_cell(out, c, item);
				if (c == cols && href)
					buf_adds(out, "</a>");
				buf_adds(out, c == cols ? "</th>" : "</td>");
			}
			buf_adds(out, "</tr>\n");
		}
		buf_adds(out, "</tbody>\n</table>\n</div>\n");
	}
	page_end(out);
	buf_release(&h);
	buf_release(&t);
	return finish(out, err, "index page");
}

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
	esc(b, label ? label : dflt);
	if (href)
		buf_adds(b, "</a>");
}

struct ccell {
	struct mval a, b;
	bool has_d, has_ci, has_p, has_pa;
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
	return c;
}

static bool cmp_changed(const struct ccell *c)
{
	return c->has_ci && (c->lo > 0 || c->hi < 0);
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
	esc(b, key);
	buf_adds(b, "\"><figcaption id=\"cmp-c-");
	esc(b, key);
	buf_adds(b, "\">");
	add_metric(b, key, false);
	buf_adds(b, " by ");
	esc(b, g->by_label);
	buf_addf(b, ": A and B</figcaption>\n<svg viewBox=\"0 0 %.0f %.0f\" "
		 "width=\"%.0f\" height=\"%.0f\" role=\"group\" "
		 "aria-labelledby=\"cmp-c-", W, H, W, H);
	esc(b, key);
	buf_adds(b, "\">");
	ax_draw(b, &a, TOP - 4, H - BOT + 2);
	for (i = 0; i < g->nrows; i++) {
		const struct crow *r = &g->rows[i];
		struct ccell c = cmp_cell(r->c, key);
		double yc = TOP + (double)i * rh + rh / 2, s = rh * 0.22 + 1;

		buf_addf(b, "<g class=\"m%s\" data-cohort=\"%zu\"><title>",
			 cmp_changed(&c) ? " flag" : "", r->idx);
		esc(b, r->shortl);
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

int html_render_comparison(struct buf *out, const cJSON *cmp,
			   struct buf *err)
{
	const cJSON *a = jget(cmp, "a"), *bb = jget(cmp, "b");
	const cJSON *ds = jget(cmp, "dataset"), *it;
	const char *la, *lb;
	struct rctx x;
	struct grp g;
	struct keys ks = { NULL, 0, 0 };
	struct buf t = BUF_INIT;
	size_t i, j, nchg = 0;

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
	la = jstr(a, "label") ? jstr(a, "label") : "A";
	lb = jstr(bb, "label") ? jstr(bb, "label") : "B";
	grp_build(&x, &g, cmp, 1);
	/* keep the cohorts in the caller's order */
	for (i = 0; i < g.nrows; i++)
		g.order[i] = &g.rows[i];
	cJSON_ArrayForEach(it, jget(cmp, "metrics"))
		if (cJSON_IsString(it))
			keys_add(&ks, it->valuestring);
	if (!ks.n)
		for (i = 0; i < g.nrows; i++)
			cJSON_ArrayForEach(it, g.rows[i].metrics)
				keys_add(&ks, it->string);

	if (jstr(cmp, "title")) {
		buf_adds(&t, jstr(cmp, "title"));
	} else {
		buf_adds(&t, "Comparison: ");
		buf_adds(&t, la);
		buf_adds(&t, " and ");
		buf_adds(&t, lb);
	}
	page_begin(out, t.s);
	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit " MIDDOT
		 " model comparison</p>\n<h1>");
	cmp_side(out, a, "A");
	buf_adds(out, " <span class=\"sub\">" ARROW "</span> ");
	cmp_side(out, bb, "B");
	buf_adds(out, "</h1>\n<p class=\"meta\">Dataset ");
	if (jstr(ds, "name"))
		esc(out, jstr(ds, "name"));
	if (jstr(ds, "id")) {
		buf_adds(out, " <code>");
		esc(out, jstr(ds, "id"));
		buf_adds(out, "</code>");
	}
	if (!jstr(ds, "name") && !jstr(ds, "id"))
		buf_adds(out, EMDASH);
	buf_adds(out, " " MIDDOT " by ");
	esc(out, g.by_label);
	buf_addf(out, " " MIDDOT " %zu cohort%s " MIDDOT " change = B "
		 MINUS " A</p>\n</header>\n", g.nrows,
		 g.nrows == 1 ? "" : "s");

	/* summary: the changes whose interval excludes zero */
	for (j = 0; j < ks.n; j++)
		for (i = 0; i < g.nrows; i++) {
			struct ccell cc = cmp_cell(g.rows[i].c, ks.k[j]);

			nchg += cmp_changed(&cc);
		}
	buf_addf(out, "<section class=\"summary%s\" id=\"summary\" "
		 "aria-labelledby=\"summary-h\">\n<h2 id=\"summary-h\">Summary"
		 "</h2>\n", nchg ? "" : " ok");
	if (!nchg) {
		buf_adds(out, "<p class=\"lead\">No change whose ");
		add_conf(&x, out);
		buf_adds(out, "interval excludes zero.</p>\n");
	} else {
		size_t shown = 0;

		buf_addf(out, "<p class=\"lead\">%zu change%s with an interval "
			 "excluding zero.</p>\n<ul>\n", nchg,
			 nchg == 1 ? "" : "s");
		for (j = 0; j < ks.n; j++) {
			enum kind k = metric_kind(ks.k[j]);

			for (i = 0; i < g.nrows && shown < MAX_FINDINGS; i++) {
				struct ccell cc = cmp_cell(g.rows[i].c,
							   ks.k[j]);

				if (!cmp_changed(&cc))
					continue;
				shown++;
				buf_adds(out, "<li>");
				add_metric(out, ks.k[j], false);
				buf_adds(out, " for ");
				esc(out, g.rows[i].label);
				buf_adds(out, " changed by ");
				add_diff(out, k, cc.d, true);
				buf_adds(out, " (");
				add_conf(&x, out);
				buf_adds(out, "CI ");
				add_range(out, cc.lo, cc.hi, add_diff, k);
				buf_addch(out, ')');
				if (cc.a.has && cc.b.has) {
					buf_adds(out, ", from ");
					add_value(out, k, cc.a.v);
					buf_adds(out, " to ");
					add_value(out, k, cc.b.v);
				}
				buf_adds(out, ".</li>\n");
			}
		}
		buf_adds(out, "</ul>\n");
		if (nchg > shown)
			buf_addf(out, "<p>and %zu more, in the tables below."
				 "</p>\n", nchg - shown);
	}
	buf_adds(out, "</section>\n");

	for (j = 0; j < ks.n; j++) {
		const char *key = ks.k[j];
		enum kind k = metric_kind(key);
		size_t nhead = g.nattrs ? g.nattrs : 1, q;

		buf_addf(out, "<section class=\"grouping\" id=\"m%zu\" "
			 "aria-labelledby=\"m%zu-h\">\n<h2 id=\"m%zu-h\">",
			 j + 1, j + 1, j + 1);
		add_metric(out, key, false);
		buf_addf(out, "</h2>\n<div class=\"table-wrap\" role=\"region\""
			 " tabindex=\"0\" aria-labelledby=\"m%zu-cap\">\n"
			 "<table class=\"nums\">\n<caption id=\"m%zu-cap\">",
			 j + 1, j + 1);
		add_metric(out, key, false);
		buf_adds(out, " by ");
		esc(out, g.by_label);
		buf_adds(out, " for A and B with ");
		add_conf(&x, out);
		buf_adds(out, "intervals, and the change B " MINUS " A"
			 "</caption>\n<thead><tr>");
		for (q = 0; q < nhead; q++) {
			buf_adds(out, "<th scope=\"col\">");
			esc(out, g.nattrs ? g.attrs[q] : "Cohort");
			buf_adds(out, "</th>");
		}
		buf_adds(out, "<th scope=\"col\">n A</th><th scope=\"col\">"
			 "n B</th><th scope=\"col\" class=\"gs\">");
		cmp_side(out, a, "A");
		buf_adds(out, "</th><th scope=\"col\">");
		cmp_side(out, bb, "B");
		buf_adds(out, "</th><th scope=\"col\" class=\"gs\">Change</th>"
			 "<th scope=\"col\">Adj. p</th></tr></thead>\n"
			 "<tbody>\n");
		for (i = 0; i < g.nrows; i++) {
			const struct crow *r = &g.rows[i];
			struct ccell cc = cmp_cell(r->c, key);
			double n;

			buf_addf(out, "<tr class=\"%s%s\" data-cohort=\"%zu\">",
				 cmp_changed(&cc) ? "flag " : "",
				 r->small ? "small" : "", r->idx);
			for (q = 0; q < nhead; q++) {
				buf_adds(out, "<th scope=\"row\">");
				if (g.nattrs)
					attr_cell(out, jget(r->attrs,
							    g.attrs[q]));
				else
					esc(out, r->label);
				buf_adds(out, "</th>");
			}
			buf_adds(out, "<td><b>");
			if (jnum(r->c, "n_a", &n))
				add_count(out, n);
			else
				buf_adds(out, EMDASH);
			buf_adds(out, "</b></td><td><b>");
			if (jnum(r->c, "n_b", &n))
				add_count(out, n);
			else
				buf_adds(out, EMDASH);
			buf_adds(out, "</b></td>");
			cmp_value_cell(out, &cc.a, k, "gs");
			cmp_value_cell(out, &cc.b, k, "");
			if (cc.has_d) {
				buf_addf(out, "<td class=\"gs%s\"><b>",
					 cmp_changed(&cc) ? " hit" : "");
				add_diff(out, k, cc.d, true);
				buf_adds(out, "</b>");
				if (cc.has_ci)
					add_range(out, cc.lo, cc.hi, add_diff,
						  k);
				buf_adds(out, "</td>");
			} else {
				na_cell(out, " gs", NULL);
			}
			if (cc.has_pa || cc.has_p) {
				buf_adds(out, "<td><b>");
				if (cc.has_pa)
					add_p(out, cc.pa);
				else
					buf_adds(out, EMDASH);
				buf_adds(out, "</b>");
				if (cc.has_p) {
					buf_adds(out, "p ");
					add_p(out, cc.p);
				}
				buf_adds(out, "</td>");
			} else {
				na_cell(out, "", NULL);
			}
			buf_adds(out, "</tr>\n");
		}
		buf_adds(out, "</tbody>\n</table>\n</div>\n");
		buf_adds(out, "<ul class=\"legend\" aria-label=\"Legend\"><li>"
			 "<svg width=\"12\" height=\"12\" aria-hidden=\"true\">"
			 "<circle class=\"sw a\" cx=\"6\" cy=\"6\" r=\"5\"/>"
			 "</svg>");
		cmp_side(out, a, "A");
		buf_adds(out, "</li><li><svg width=\"12\" height=\"12\" "
			 "aria-hidden=\"true\"><rect class=\"sw b\" x=\"1\" "
			 "y=\"1\" width=\"10\" height=\"10\"/></svg>");
		cmp_side(out, bb, "B");
		buf_adds(out, "</li><li>");
		swatch(out, "flag");
		buf_adds(out, "<svg width=\"18\" height=\"10\" aria-hidden="
			 "\"true\"><path d=\"M1 5H17\" stroke=\"#1b1f24\" "
			 "stroke-width=\"3\"/></svg>change with an interval "
			 "excluding zero</li></ul>\n<div class=\"charts\">\n");
		cmp_chart(&g, key, out);
		buf_adds(out, "</div>\n</section>\n");
	}
	page_end(out);
	grp_release(&g);
	keys_release(&ks);
	buf_release(&t);
	return finish(out, err, "comparison");
}
