"""Checks of a rendered disparity report, in the browser, against its JSON.

Independent of where the page came from: pass a chrome.Page that has loaded
a report (a file written by render_report, or GET /v1/evaluations/{id}/report
on a live server) and the evaluation JSON it was rendered from.

    check_report(page, evaluation)      every cohort with the JSON's numbers,
                                        one chart mark per cohort
    check_inert(page, strings, title)   hostile strings are text, not nodes
    check_fits(page, width)             nothing wider than the viewport

Each raises AssertionError with a readable message.  The number formats
below are the oracle: they restate report/html.h, not the C code.
"""
import math
import re

MINUS = "\u2212"
EN = "\u2013"
TIMES = "\u00d7"
DASH = "\u2014"

RATES = {"tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for", "accuracy",
         "error_rate", "selection_rate", "prevalence", "auc", "brier", "ece",
         "wer", "mean_utterance_wer", "cer", "recall"}
COUNTS = {"n", "tp", "fp", "tn", "fn", "substitutions", "deletions",
          "insertions", "hits", "reference_words", "utterances", "speakers"}
NAMES = {
    "False positive rate": "fpr", "False negative rate": "fnr",
    "True positive rate": "tpr", "True negative rate": "tnr",
    "Positive predictive value": "ppv", "Negative predictive value": "npv",
    "False discovery rate": "fdr", "False omission rate": "for",
    "Accuracy": "accuracy", "Error rate": "error_rate",
    "Selection rate": "selection_rate", "Prevalence": "prevalence",
    "Area under the ROC curve": "auc", "Brier score": "brier",
    "Expected calibration error": "ece", "Mean absolute error": "mae",
    "Root mean squared error": "rmse", "Mean signed error": "mean_error",
    "Word error rate": "wer", "Mean per-utterance WER": "mean_utterance_wer",
    "Character error rate": "cer", "Recall": "recall",
}


def fixed(x, dec, plus=False):
    s = f"{abs(x):.{dec}f}"
    zero = not any(c in "123456789" for c in s)
    if x < 0 and not zero:
        return MINUS + s
    return ("+" + s) if plus and not zero else s


def real(x, plus=False):
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    if e < -3:
        return (MINUS if x < 0 else "+" if plus else "") + f"{abs(x):.3e}"
    return fixed(x, min(3, max(0, 3 - e)), plus)


def value(key, x):
    if key in COUNTS and x == int(x):
        return f"{int(x):,}"
    return fixed(x, 3) if key in RATES else real(x)


def diff(key, x, plus=True):
    return fixed(x, 3, plus) if key in RATES else real(x, plus)


def span(lo, hi, fmt):
    return fmt(lo) + (" to " if lo < 0 or hi < 0 else EN) + fmt(hi)


def pval(p):
    return "< 0.001" if p < 0.001 else fixed(p, 3)


def num(o, k):
    v = o.get(k) if isinstance(o, dict) else None
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return "" if v is None else str(v)


FACTS_JS = r"""
(() => [...document.querySelectorAll('section.grouping')].map(s => ({
  id: s.id,
  groups: [...s.querySelectorAll('table.nums thead tr:first-child th[scope=colgroup]')]
    .map(th => [th.textContent, th.colSpan]),
  rows: [...s.querySelectorAll('table.nums tbody tr')].map(tr => ({
    idx: tr.dataset.cohort,
    heads: [...tr.querySelectorAll('th')].map(th => th.textContent),
    cells: [...tr.querySelectorAll('td')].map(td => td.textContent)})),
  charts: [...s.querySelectorAll('figure.chart, figure.heat')].map(f => ({
    kind: f.className, metric: f.dataset.metric,
    marks: [...f.querySelectorAll('svg [data-cohort]')].map(g => g.dataset.cohort),
    titles: [...f.querySelectorAll('svg [data-cohort] > title')].length,
    refline: f.querySelectorAll('.refl').length}))})))()
"""


def facts(page):
    return page.eval(FACTS_JS)


def column_key(name):
    """The metric key of a column heading: "Recall (class x)" is the
    per-class metric recall[x], as the evaluation names its flag."""
    m = re.fullmatch(r"(.+) \(class (.*)\)", name)
    if m:
        return f"{NAMES.get(m.group(1), m.group(1).lower())}[{m.group(2)}]"
    return NAMES.get(name, name)


def metric_of(o, key):
    """o[key], or o["per_class"][label][name] for a key "name[label]"."""
    m = re.fullmatch(r"(\w+)\[(.*)\]", key)
    if m:
        return ((o.get("per_class") or {}).get(m.group(2)) or {}).get(m.group(1))
    return o.get(key)


def expected_cells(key, c, wide):
    """The texts of a cohort's cells for one metric, as the page shows them."""
    m = metric_of(c.get("metrics") or {}, key)
    d = metric_of(c.get("disparity") or {}, key) or {}
    key = key.split("[")[0]
    v = num(m, "value") if isinstance(m, dict) else m if num({"v": m}, "v") is not None else None
    cells = []
    if v is None:
        cells.append(DASH)
    else:
        t = value(key, v)
        if num(m, "low") is not None and num(m, "high") is not None:
            t += span(m["low"], m["high"], lambda x: value(key, x))
        cells.append(t)
    if not wide:
        return cells
    if num(d, "difference") is not None:
        t = diff(key, d["difference"])
        if num(d, "diff_low") is not None and num(d, "diff_high") is not None:
            t += span(d["diff_low"], d["diff_high"], lambda x: diff(key, x, False))
        cells.append(t)
    else:
        cells.append(DASH)
    if num(d, "ratio") is not None:
        t = fixed(d["ratio"], 2) + TIMES + ("\u2020" if d.get("ratio_corrected") is True else "")
        if num(d, "ratio_low") is not None and num(d, "ratio_high") is not None:
            t += span(d["ratio_low"], d["ratio_high"], lambda x: fixed(x, 2))
        cells.append(t)
    else:
        cells.append(DASH)
    # the p that decides the flag: the summary's family, else per metric
    pa = num(d, "p_family") if "p_family" in d else num(d, "p_adjusted")
    p = num(d, "p_value")
    if pa is None and p is None:
        cells.append(DASH)
    else:
        cells.append((pval(pa) if pa is not None else DASH) +
                     (("p " + pval(p)) if p is not None else ""))
    return cells


def check_report(page, evaluation):
    """Every cohort of every grouping is in its table once with the JSON's
    numbers, and every chart of the grouping has one mark per cohort."""
    got = facts(page)
    groupings = evaluation.get("groupings") or []
    assert len(got) == len(groupings), f"{len(got)} grouping sections for {len(groupings)} groupings"
    for gi, (g, f) in enumerate(zip(groupings, got)):
        cohorts = g.get("cohorts") or []
        by = [a for a in g.get("by") or [] if isinstance(a, str)]
        idx = sorted(int(r["idx"]) for r in f["rows"])
        assert idx == list(range(len(cohorts))), f"grouping {gi}: table rows {idx}"
        keys = []
        for name, width in f["groups"]:
            keys.append((column_key(name), width == 4))
        for r in f["rows"]:
            c = cohorts[int(r["idx"])]
            attrs = c.get("attributes") or {}
            want_heads = ["missing" if attrs.get(a) is None else
                          scalar(attrs.get(a)) or "(empty)" for a in by]
            assert r["heads"] == want_heads, f"grouping {gi} row {r['idx']}: {r['heads']} != {want_heads}"
            n = num(c, "n")
            assert r["cells"][0] == (f"{int(n):,}" if n is not None else DASH), \
                f"grouping {gi} row {r['idx']}: n {r['cells'][0]!r}, JSON {n}"
            flags = r["cells"][1]
            for fl in c.get("flags") or []:
                assert isinstance(fl, str), fl
            pos = 2
            for key, wide in keys:
                want = expected_cells(key, c, wide)
                have = r["cells"][pos:pos + len(want)]
                assert have == want, f"grouping {gi} cohort {r['idx']} {key}: page {have}, JSON {want}"
                pos += len(want)
            assert pos == len(r["cells"]), f"grouping {gi} row {r['idx']}: {len(r['cells'])} cells"
            assert ("too small" in flags) == bool(c.get("too_small")), f"too small badge: {flags!r}"
        want_marks = [str(i) for i in range(len(cohorts))]
        charts = [ch for ch in f["charts"] if ch["kind"].startswith("chart")]
        assert charts or not cohorts, f"grouping {gi}: no charts"
        for ch in f["charts"]:
            assert sorted(ch["marks"], key=int) == want_marks, \
                f"grouping {gi} {ch['kind']} {ch['metric']}: marks {ch['marks']}"
            assert ch["titles"] == len(cohorts), f"{ch['metric']}: {ch['titles']} titles"
        if len(by) == 2 and cohorts:
            assert any(ch["kind"].startswith("heat") for ch in f["charts"]), \
                f"grouping {gi}: no heatmap"
    return got


INERT_JS = r"""
(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes)
      if (a.name.startsWith('on') || /^\s*(javascript|data|vbscript):/i.test(a.value) &&
          (a.name === 'href' || a.name === 'src' || a.name === 'xlink:href'))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value);
  }
  return {
    title: document.title,
    nodes: document.querySelectorAll('img,script,iframe,object,embed,link,form,input,base').length,
    srcs: document.querySelectorAll('[src]').length,
    bad: bad,
    text: document.body.textContent,
  };
})()
"""


def check_inert(page, strings, title=None):
    """The strings appear as text, create no elements or handlers, and
    nothing ran (no dialog); document.title is exactly `title`."""
    r = page.eval(INERT_JS)
    assert r["nodes"] == 0, f"{r['nodes']} active elements in the page"
    assert r["srcs"] == 0, f"{r['srcs']} elements with src"
    assert not r["bad"], f"handlers or script links: {r['bad'][:5]}"
    assert page.dialogs == [], f"dialogs opened: {page.dialogs}"
    for s in strings:
        assert s in r["text"], f"{s!r} not shown as text"
    if title is not None:
        assert r["title"] == title, f"title {r['title']!r}, want {title!r}"


def check_fits(page, width):
    """Nothing makes the page wider than the viewport (tables and charts
    scroll inside their wrappers)."""
    w = page.eval("document.documentElement.scrollWidth")
    assert w <= width, f"page is {w} px wide in a {width} px viewport"
