"""Model comparison: GET /v1/models/{a}/compare/{b}/report, two models of one
dataset cohort by cohort with paired intervals on every change.  Numbers are
checked against the definitions computed here (Newcombe 1998b method 10,
McNemar mid-p, scipy's paired t-test)."""
import json
import math
from statistics import NormalDist

from harness import Server, expect, eq, close

try:
    from scipy import stats as scipy_stats
except ImportError:  # the suite installs python3-scipy; fail loudly if not
    scipy_stats = None

HOSTILE = '<script>alert("x")</script>'
ACCENTS = ["us", "scottish", HOSTILE]


def csv_field(v):
    v = str(v)
    if any(ch in v for ch in ',"\n'):
        return '"' + v.replace('"', '""') + '"'
    return v


def post_csv(ctx, path, text):
    r = ctx["srv"].request("POST", path, text.encode(), key=ctx["key"],
                           headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"upload to {path}: {r}")


def dataset(ctx, task, truth, name="d", **extra):
    s = ctx["srv"]
    r = s.request("POST", "/v1/datasets", {"name": name, "task": task, **extra}, key=ctx["key"])
    eq(r.status, 201, f"dataset {r}")
    ds = r.json()["id"]
    post_csv(ctx, f"/v1/datasets/{ds}/examples", truth)
    return ds


def model(ctx, ds, name, preds=None, version=None):
    body = {"name": name}
    if version:
        body["version"] = version
    r = ctx["srv"].request("POST", f"/v1/datasets/{ds}/models", body, key=ctx["key"])
    eq(r.status, 201, f"model {r}")
    m = r.json()["id"]
    if preds is not None:
        post_csv(ctx, f"/v1/models/{m}/predictions", preds)
    return m


def classification_rows():
    """300 rows, 100 per accent.  A errs on 40% of the scottish rows and on
    10% of the others; B is A with half of its scottish errors fixed."""
    rows = []
    for i in range(300):
        accent = ACCENTS[i % 3]
        j = i // 3
        gender = "fm"[j % 2]
        label = (i // 6) % 2
        if accent == "scottish":
            wrong_a = j % 5 < 2
            wrong_b = j % 5 == 0
        else:
            wrong_a = wrong_b = j % 10 == 0
        pa = 1 - label if wrong_a else label
        pb = 1 - label if wrong_b else label
        rows.append((f"e{i}", accent, gender, label, pa, pb))
    return rows


def setup():
    s = Server()
    ctx = {"srv": s, "key": s.key("analyst"), "viewer": s.key("viewer"),
           "hunter": s.key("hunter"), "admin": s.admin_key}
    rows = classification_rows()
    ctx["rows"] = rows
    truth = "id,label,accent,gender\n" + "".join(
        f"{r[0]},{r[3]},{csv_field(r[1])},{r[2]}\n" for r in rows)
    ds = dataset(ctx, "classification", truth, name="hiring")
    ctx["ds"] = ds
    ctx["a"] = model(ctx, ds, "screener", "id,prediction\n" +
                     "".join(f"{r[0]},{r[4]}\n" for r in rows), version="v1")
    ctx["b"] = model(ctx, ds, "screener", "id,prediction\n" +
                     "".join(f"{r[0]},{r[5]}\n" for r in rows), version="v2")
    ctx["empty"] = model(ctx, ds, "no predictions yet")
    other = dataset(ctx, "classification", "id,label,accent\nx1,1,us\nx2,0,us\n", name="other")
    ctx["other"] = model(ctx, other, "elsewhere", "id,prediction\nx1,1\nx2,1\n")
    return ctx


def url(ctx, query="", a=None, b=None):
    return f"/v1/models/{a or ctx['a']}/compare/{b or ctx['b']}/report{query}"


def get_json(ctx, query=""):
    sep = "&" if query else "?"
    r = ctx["srv"].request("GET", url(ctx, query) + sep + "format=json", key=ctx["viewer"])
    eq(r.status, 200, f"comparison {r}")
    expect(r.header("Content-Type").startswith("application/json"), r.header("Content-Type"))
    return r.json()


def cohort(doc, **attrs):
    for c in doc["cohorts"]:
        if c["attributes"] == attrs:
            return c
    raise AssertionError(f"no cohort {attrs} in {[c['attributes'] for c in doc['cohorts']]}")


def wilson(k, n, conf=0.95):
    z = NormalDist().inv_cdf(1 - (1 - conf) / 2)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return p, max(0.0, centre - half), min(1.0, centre + half)


def newcombe_paired(both, a_only, b_only, neither, conf=0.95):
    """Newcombe 1998b method 10 for p_B - p_A."""
    n = both + a_only + b_only + neither
    p1, l1, u1 = wilson(both + b_only, n, conf)
    p2, l2, u2 = wilson(both + a_only, n, conf)
    e, f, g, h = both, b_only, a_only, neither
    margins = (e + f) * (g + h) * (e + g) * (f + h)
    phi = 0.0
    if margins:
        num = e * h - f * g
        if num > 0:
            num = max(num - n / 2, 0)
        phi = num / math.sqrt(margins)
    d = p1 - p2
    lo = d - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    hi = d + math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    return d, lo, hi


def midp(b, c):
    m, k = b + c, min(b, c)
    if m == 0 or b == c:
        return 1.0
    return min(1.0, 2 * (scipy_stats.binom.cdf(k, m, 0.5) - scipy_stats.binom.pmf(k, m, 0.5) / 2))


def test_gap_closes_where_b_fixes_a(ctx):
    doc = get_json(ctx)
    eq(doc["by"], ["accent"], "default grouping: the first attribute")
    eq(doc["metrics"], ["error_rate", "fpr", "fnr", "selection_rate"], "default metrics")
    eq(doc["a"]["label"], "screener v1", "label of A")
    eq(doc["dataset"]["name"], "hiring", "dataset")
    eq(len(doc["cohorts"]), 3, "cohorts")
    sc = cohort(doc, accent="scottish")
    eq(sc["n"], 100, "n")
    eq((sc["n_a"], sc["n_b"], sc["too_small"]), (100, 100, False), "n per model")
    er = sc["metrics"]["error_rate"]
    close(er["a"]["value"], 0.40, 1e-12, "A's scottish error rate")
    close(er["b"]["value"], 0.20, 1e-12, "B's scottish error rate")
    ch = er["change"]
    close(ch["difference"], -0.20, 1e-12, "change")
    expect(ch["diff_high"] < 0, f"interval excludes 0: {ch}")
    eq((ch["method"], ch["test"]), ("newcombe", "mcnemar_midp"), "methods")
    # B is right where A was wrong on 20 rows, the reverse on none.
    d, lo, hi = newcombe_paired(20, 20, 0, 60)
    close(ch["diff_low"], lo, 1e-9, "method 10 lower limit")
    close(ch["diff_high"], hi, 1e-9, "method 10 upper limit")
    close(ch["p_value"], midp(0, 20), 1e-12, "mid-p")
    _, wl, wh = wilson(40, 100)
    close(er["a"]["low"], wl, 1e-9, "wilson low")
    close(er["a"]["high"], wh, 1e-9, "wilson high")
    expect(ch["p_adjusted"] >= ch["p_value"], "holm never lowers p")
    for accent in ("us", HOSTILE):
        c = cohort(doc, accent=accent)
        for k in doc["metrics"]:
            m = c["metrics"][k]["change"]
            eq(m["difference"], 0, f"{accent} {k} unchanged")
            expect(m["diff_low"] <= 0 <= m["diff_high"], f"{accent} {k}: interval covers 0 {m}")
            eq(m["p_value"], 1, f"{accent} {k}: no discordant rows")
    sp = doc["spread"]["error_rate"]
    close(sp["a"], 0.3, 1e-12, "gap under A")
    close(sp["b"], 0.1, 1e-12, "gap under B")
    close(sp["change"], -0.2, 1e-12, "the gap closed")
    ov = doc["overall"]
    eq(ov["n"], 300, "overall n")
    close(ov["metrics"]["error_rate"]["change"]["difference"], -20 / 300, 1e-12, "overall change")
    eq(ov["metrics"]["error_rate"]["change"]["p_adjusted"], None, "overall unadjusted")


def test_holm_family_is_cohorts_by_metrics(ctx):
    doc = get_json(ctx)
    ps = []
    for c in doc["cohorts"]:
        for k in doc["metrics"]:
            ps.append((c["metrics"][k]["change"]["p_value"], c["metrics"][k]["change"]["p_adjusted"]))
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i][0])
    run = 0.0
    for rank, i in enumerate(order):
        run = max(run, min(1.0, (m - rank) * ps[i][0]))
        close(ps[i][1], run, 1e-12, f"holm rank {rank}")


def test_page_shows_the_change_escaped_with_csp(ctx):
    s = ctx["srv"]
    r = s.request("GET", url(ctx), key=ctx["viewer"])
    eq(r.status, 200, f"page {r}")
    expect(r.header("Content-Type").startswith("text/html"), r.header("Content-Type"))
    csp = r.header("Content-Security-Policy") or ""
    expect("default-src 'none'" in csp, f"CSP: {csp!r}")
    body = r.body
    expect(HOSTILE not in body and "<script" not in body.lower(), "hostile cohort name escaped")
    expect("&lt;script&gt;" in body, "hostile cohort name shown, escaped")
    summary = body[body.index('id="summary"'):body.index("</section>", body.index('id="summary"'))]
    expect("scottish" in summary, "the closed gap is in the summary")
    expect("accent = us" not in summary and "&lt;script" not in summary,
           "unchanged cohorts are not in the summary")
    expect("screener v1" in body and "screener v2" in body, "model labels")
    expect(f'href="/v1/models/{ctx["a"]}"' in body, "link to model A")
    eq(body.count('class="flag '), 3, "one changed row per table: error rate, fpr, fnr of scottish")


def test_only_changes_significant_after_adjustment_are_highlighted(ctx):
    # Each change says whether it is significant after adjustment (its
    # p_adjusted below 1 - confidence); the summary highlights those alone
    # and counts the ones whose unadjusted interval merely excludes zero.
    doc = get_json(ctx, "?by=accent,gender")
    sig = zero = 0
    for c in doc["cohorts"]:
        for k, m in c["metrics"].items():
            ch = m["change"]
            if ch.get("p_adjusted") is None:
                expect("significant" not in ch, f"{k}: no p, no verdict")
                continue
            eq(ch["significant"], ch["p_adjusted"] < 0.05, f"{k} significant")
            excludes = ch["diff_low"] is not None and (ch["diff_low"] > 0 or ch["diff_high"] < 0)
            sig += ch["significant"] and excludes
            zero += excludes
    expect(zero > sig, f"{zero} intervals exclude zero, {sig} significant: the case to test")
    body = ctx["srv"].request("GET", url(ctx, "?by=accent,gender"), key=ctx["viewer"]).body
    i = body.index('id="summary"')
    summary = body[i:body.index("</section>", i)]
    if sig:
        expect(f"{sig} change{'s' if sig != 1 else ''} significant after adjustment" in summary,
               summary)
    else:
        expect("No change is significant after adjustment" in summary, summary)
    expect(f"{zero - sig} more change" in summary and "not significant after adjustment" in summary,
           summary)


def test_grouping_metrics_and_confidence_options(ctx):
    doc = get_json(ctx, "?by=accent,gender&metrics=error_rate,ppv&confidence=0.9&bootstrap=500")
    eq(doc["by"], ["accent", "gender"], "intersection")
    eq(len(doc["cohorts"]), 6, "3 x 2 cohorts")
    eq(doc["params"]["confidence"], 0.9, "confidence recorded")
    eq(doc["params"]["bootstrap"], 500, "bootstrap recorded")
    c = cohort(doc, accent="scottish", gender="f")
    eq(c["n"], 50, "n")
    ppv = c["metrics"]["ppv"]["change"]
    eq(ppv["method"], "bootstrap", "ppv is bootstrapped")
    expect(ppv["diff_low"] <= ppv["difference"] <= ppv["diff_high"], f"ppv interval {ppv}")
    wide = cohort(get_json(ctx, "?by=accent,gender&confidence=0.99"), accent="scottish", gender="f")
    er90, er99 = c["metrics"]["error_rate"]["change"], wide["metrics"]["error_rate"]["change"]
    expect(er99["diff_low"] < er90["diff_low"] and er99["diff_high"] > er90["diff_high"],
           "99% wider than 90%")
    again = get_json(ctx, "?by=accent,gender&metrics=error_rate,ppv&confidence=0.9&bootstrap=500")
    eq(json.dumps(again, sort_keys=True), json.dumps(doc, sort_keys=True), "reproducible")
    other_seed = get_json(ctx, "?by=accent,gender&metrics=ppv&bootstrap=500&seed=99")
    expect(any(cohort(other_seed, **x["attributes"])["metrics"]["ppv"]["change"]["diff_low"]
               != x["metrics"]["ppv"]["change"]["diff_low"] for x in doc["cohorts"]),
           "the seed changes the bootstrap")


def test_numeric_attribute_in_bins(ctx):
    rows = []
    for i in range(600):
        age = 18 + i % 60
        label = i % 2
        pa = 1 - label if (age >= 50 and i % 3 == 0) or i % 17 == 0 else label
        pb = 1 - label if i % 17 == 0 else label
        rows.append((f"n{i}", age, label, pa, pb))
    ds = dataset(ctx, "classification", "id,label,age\n" +
                 "".join(f"{r[0]},{r[2]},{r[1]}\n" for r in rows), name="ages")
    a = model(ctx, ds, "old", "id,prediction\n" + "".join(f"{r[0]},{r[3]}\n" for r in rows))
    b = model(ctx, ds, "new", "id,prediction\n" + "".join(f"{r[0]},{r[4]}\n" for r in rows))
    r = ctx["srv"].request("GET", url(ctx, "?by=age&bins=age=30,50&metrics=error_rate&format=json",
                                      a=a, b=b), key=ctx["viewer"])
    eq(r.status, 200, f"binned {r}")
    doc = r.json()
    eq(doc["params"]["bins"], {"age": [30, 50]}, "bins recorded")
    eq(len(doc["cohorts"]), 3, f"three bins: {[c['attributes'] for c in doc['cohorts']]}")
    # Counts from the definitions, bin by bin: <30, [30,50] (the last bin
    # is closed), >50.
    def in_bin(age, label):
        return {"<30": age < 30, "[30,50]": 30 <= age <= 50, ">50": age > 50}[label]
    for c in doc["cohorts"]:
        lab = c["attributes"]["age"]
        mine = [x for x in rows if in_bin(x[1], lab)]
        eq(c["n"], len(mine), f"n of {lab}")
        ch = c["metrics"]["error_rate"]
        close(ch["a"]["value"], sum(x[3] != x[2] for x in mine) / len(mine), 1e-12, f"A on {lab}")
        close(ch["b"]["value"], sum(x[4] != x[2] for x in mine) / len(mine), 1e-12, f"B on {lab}")
    old = [c for c in doc["cohorts"] if in_bin(60, c["attributes"]["age"])][0]
    expect(old["metrics"]["error_rate"]["change"]["diff_high"] < 0, "the gap closed for the old")
    for q in ("&bins=age", "&bins=age=50,30", "&bins=gender=1,2", "&bins=age=x"):
        r = ctx["srv"].request("GET", url(ctx, "?by=age" + q, a=a, b=b), key=ctx["viewer"])
        eq(r.status, 400, f"{q}: {r}")
        expect("bins" in r.json()["detail"], r.json()["detail"])


def test_bad_requests(ctx):
    s = ctx["srv"]
    for q in ("?format=csv", "?by=nope", "?by=accent,accent", "?metrics=auc", "?confidence=1",
              "?confidence=abc", "?bootstrap=-1", "?min_cohort_size=2.5", "?by="):
        r = s.request("GET", url(ctx, q), key=ctx["viewer"])
        eq(r.status, 400, f"{q}: {r}")
        expect(r.header("Content-Type").startswith("application/problem+json"), q)
    r = s.request("GET", url(ctx, "?by=nope"), key=ctx["viewer"])
    expect('"accent"' in r.json()["detail"], "lists the attributes")


def test_different_datasets_or_no_predictions_422(ctx):
    s = ctx["srv"]
    r = s.request("GET", url(ctx, b=ctx["other"]), key=ctx["viewer"])
    eq(r.status, 422, f"different datasets {r}")
    expect("dataset" in r.json()["detail"], r.json()["detail"])
    r = s.request("GET", url(ctx, a=ctx["empty"]), key=ctx["viewer"])
    eq(r.status, 422, f"no predictions {r}")
    expect("no predictions" in r.json()["detail"], r.json()["detail"])
    eq(s.request("GET", url(ctx, b=987654), key=ctx["viewer"]).status, 404, "unknown model B")
    eq(s.request("GET", url(ctx, a=987654), key=ctx["viewer"]).status, 404, "unknown model A")
    eq(s.request("GET", url(ctx, a=ctx["a"], b=ctx["a"]) + "?format=json",
                 key=ctx["viewer"]).status, 200, "a model against itself")


def test_roles_and_share_links(ctx):
    s = ctx["srv"]
    for role in ("viewer", "key", "admin"):
        eq(s.request("GET", url(ctx), key=ctx[role]).status, 200, role)
    eq(s.request("GET", url(ctx), key=ctx["hunter"]).status, 403, "hunter")
    eq(s.request("GET", url(ctx)).status, 401, "no key")
    eq(s.request("POST", url(ctx), {}, key=ctx["key"]).status, 405, "read only")
    r = s.request("POST", "/v1/shares", {"scope": "all", "expires_in": 600}, key=ctx["key"])
    eq(r.status, 201, f"all link {r}")
    tok = r.json()["token"]
    r = s.request("GET", url(ctx, f"?share={tok}"))
    eq(r.status, 200, "an all link opens the comparison")
    expect('href="/v1/models/' not in r.body, "no links that need a key")
    ev = s.request("POST", f"/v1/models/{ctx['a']}/evaluations", {"by": ["accent"]},
                   key=ctx["key"]).json()["id"]
    sh = s.request("POST", f"/v1/evaluations/{ev}/shares", {}, key=ctx["key"]).json()
    eq(s.request("GET", url(ctx, f"?share={sh['token']}")).status, 403,
       "an evaluation's link does not open comparisons")


def test_openapi_documents_the_route(ctx):
    doc = ctx["srv"].request("GET", "/openapi.json").json()
    op = doc["paths"]["/v1/models/{id}/compare/{other_id}/report"]["get"]
    names = {p["name"] for p in op["parameters"]}
    for n in ("id", "other_id", "by", "metrics", "confidence", "format", "share"):
        expect(n in names, f"parameter {n}")
    expect("Comparison" in doc["components"]["schemas"], "schema")


def test_regression_paired_t(ctx):
    truth, pa, pb, ea, eb = ["id,label,site"], ["id,prediction"], ["id,prediction"], [], []
    for i in range(120):
        site = "north" if i % 2 else "south"
        y = float(i % 17)
        da = ((i * 7) % 11 - 5) / 2.0
        db = da / 2 if site == "north" else da
        truth.append(f"r{i},{y},{site}")
        pa.append(f"r{i},{y + da}")
        pb.append(f"r{i},{y + db}")
        if site == "north":
            ea.append(abs(da))
            eb.append(abs(db))
    ds = dataset(ctx, "regression", "\n".join(truth) + "\n", name="reg")
    a = model(ctx, ds, "reg-a", "\n".join(pa) + "\n")
    b = model(ctx, ds, "reg-b", "\n".join(pb) + "\n")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?format=json", key=ctx["viewer"])
    eq(r.status, 200, f"regression {r}")
    doc = r.json()
    eq(doc["metrics"], ["mae"], "default metric")
    ch = cohort(doc, site="north")["metrics"]["mae"]["change"]
    eq(ch["method"], "t", "paired t")
    t = scipy_stats.ttest_rel(eb, ea)
    diffs = [x - y for x, y in zip(eb, ea)]
    mean = sum(diffs) / len(diffs)
    lo, hi = scipy_stats.t.interval(0.95, len(diffs) - 1, loc=mean,
                                    scale=scipy_stats.tstd(diffs) / math.sqrt(len(diffs)))
    close(ch["difference"], mean, 1e-12, "mean difference")
    close(ch["p_value"], t.pvalue, 1e-9, "paired t p")
    close(ch["diff_low"], lo, 1e-7, "t interval low")
    close(ch["diff_high"], hi, 1e-7, "t interval high")
    expect(ch["diff_high"] < 0, "B halves the errors in the north")
    south = cohort(doc, site="south")["metrics"]["mae"]["change"]
    eq((south["difference"], south["p_value"]), (0, 1), "south unchanged")


def test_asr_wer_bootstrap_by_speaker(ctx):
    truth, ha, hb = ["id,reference,speaker,accent"], ["id,hypothesis"], ["id,hypothesis"]
    words = "the quick brown fox jumps over the lazy dog".split()
    for spk in range(12):
        accent = "scottish" if spk % 2 else "us"
        for u in range(6):
            ref = " ".join(words[(u + k) % len(words)] for k in range(8))
            hyp_a = ref.split()
            if accent == "scottish" or u == 0:
                hyp_a[1] = "x"
                hyp_a[5] = "y"
            hyp_b = ref.split() if accent == "scottish" and u % 3 else list(hyp_a)
            uid = f"s{spk}u{u}"
            truth.append(f"{uid},{ref},spk{spk},{accent}")
            ha.append(f"{uid},{' '.join(hyp_a)}")
            hb.append(f"{uid},{' '.join(hyp_b)}")
    ds = dataset(ctx, "asr", "\n".join(truth) + "\n", name="speech")
    a = model(ctx, ds, "asr-a", "\n".join(ha) + "\n")
    b = model(ctx, ds, "asr-b", "\n".join(hb) + "\n")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?format=json&by=accent",
                           key=ctx["viewer"])
    eq(r.status, 200, f"asr {r}")
    doc = r.json()
    eq(doc["metrics"], ["wer"], "default metric")
    eq(doc["methods"]["resampling_cohorts"], "speakers", "speakers resampled")
    sc = cohort(doc, accent="scottish")["metrics"]["wer"]
    # scottish: 6 speakers x 6 utterances x 8 words; A 2 errors each, B
    # fixes 4 of every 6 utterances.
    close(sc["a"]["value"], 72 / 288, 1e-12, "A's WER")
    close(sc["b"]["value"], 24 / 288, 1e-12, "B's WER")
    expect(sc["change"]["diff_high"] < 0, f"B better for scottish: {sc['change']}")
    eq(sc["change"]["method"], "bootstrap", "bootstrap")
    us = cohort(doc, accent="us")["metrics"]["wer"]["change"]
    eq(us["difference"], 0, "us unchanged")
    eq((us["diff_low"], us["diff_high"], us["p_value"]), (0, 0, 1), "identical on us")
    # 6 speakers an accent: too few for the default min_speakers of 10.
    eq(doc["params"]["min_speakers"], 10, "default min_speakers")
    c = cohort(doc, accent="scottish")
    eq((c["too_small"], c["too_small_reason"]), (True, "speakers < min_speakers"), "6 speakers")
    eq(c["metrics"]["wer"]["change"].get("p_adjusted"), None, "not in the Holm family")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?format=json&by=accent"
                           "&min_speakers=6", key=ctx["viewer"])
    c = cohort(r.json(), accent="scottish")
    eq(c["too_small"], False, "6 speakers with min_speakers=6")
    expect(c["metrics"]["wer"]["change"]["p_adjusted"] is not None, "adjusted")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?format=json&by=accent"
                           "&min_speakers=-1", key=ctx["viewer"])
    eq(r.status, 400, f"bad min_speakers {r}")
    page = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?by=accent", key=ctx["viewer"])
    eq(page.status, 200, "asr page")
    expect("scottish" in page.body, "cohort on the page")


def test_score_task_at_threshold(ctx):
    truth, pa, pb = ["id,label,band"], ["id,prediction"], ["id,prediction"]
    for i in range(200):
        band = "young" if i % 2 else "old"
        y = (i // 2) % 2
        # A is unsure (0.45 or 0.55, wrong on every 4th row of the young);
        # B moves the wrong young scores across 0.5, nowhere else.
        wrong = band == "young" and i % 8 < 2
        sa = (0.45 if y else 0.55) if wrong else (0.55 if y else 0.45)
        sb = (0.6 if y else 0.4) if wrong else sa
        truth.append(f"s{i},{y},{band}")
        pa.append(f"s{i},{sa}")
        pb.append(f"s{i},{sb}")
    ds = dataset(ctx, "score", "\n".join(truth) + "\n", name="scores")
    a = model(ctx, ds, "score-a", "\n".join(pa) + "\n")
    b = model(ctx, ds, "score-b", "\n".join(pb) + "\n")
    base = f"/v1/models/{a}/compare/{b}/report?format=json"
    doc = ctx["srv"].request("GET", base, key=ctx["viewer"]).json()
    eq(doc["params"]["threshold"], 0.5, "threshold recorded")
    ch = cohort(doc, band="young")["metrics"]["error_rate"]["change"]
    close(ch["difference"], -0.25, 1e-12, "B fixes a quarter of the young")
    expect(ch["diff_high"] < 0, "interval excludes 0")
    eq(cohort(doc, band="old")["metrics"]["error_rate"]["change"]["difference"], 0, "old unchanged")
    # The rows A gets wrong are all negatives (i % 8 == 1 gives even i // 2).
    # At 0.58 A calls every row negative, so it errs on the positives only
    # and B's fixes of those negatives no longer change anything.
    doc = ctx["srv"].request("GET", base + "&threshold=0.58", key=ctx["viewer"]).json()
    eq(doc["params"]["threshold"], 0.58, "threshold used")
    young = cohort(doc, band="young")["metrics"]["error_rate"]
    close(young["a"]["value"], 0.5, 1e-12, "A at 0.58: every positive missed")
    eq(young["change"]["difference"], 0, "no change at 0.58")


def test_multiclass_error_rate_and_too_small(ctx):
    truth, pa, pb = ["id,label,region"], ["id,prediction"], ["id,prediction"]
    for i in range(90):
        region = "east" if i < 60 else "west"
        y = "abc"[i % 3]
        wrong = i % 4 == 0
        p_a = "abc"[(i + 1) % 3] if wrong else y
        p_b = y if region == "east" else p_a
        truth.append(f"m{i},{y},{region}")
        pa.append(f"m{i},{p_a}")
        pb.append(f"m{i},{p_b}")
    ds = dataset(ctx, "classification", "\n".join(truth) + "\n", name="three classes",
                 classes=["a", "b", "c"])
    a = model(ctx, ds, "mc-a", "\n".join(pa) + "\n")
    b = model(ctx, ds, "mc-b", "\n".join(pb) + "\n")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?format=json&min_cohort_size=40",
                           key=ctx["viewer"])
    eq(r.status, 200, f"multi-class {r}")
    doc = r.json()
    eq(doc["metrics"], ["error_rate"], "multi-class default")
    east, west = cohort(doc, region="east"), cohort(doc, region="west")
    ch = east["metrics"]["error_rate"]["change"]
    close(ch["difference"], -15 / 60, 1e-12, "B fixes every error in the east")
    d, lo, hi = newcombe_paired(0, 15, 0, 45)
    close(ch["diff_low"], lo, 1e-9, "method 10")
    eq(west["too_small"], True, "30 < 40")
    wc = west["metrics"]["error_rate"]["change"]
    eq(wc["p_adjusted"], None, "too small: left out of the family")
    expect("min_cohort_size" in wc["p_adjusted_reason"], wc)
    close(ch["p_adjusted"], ch["p_value"], 1e-15, "a family of one")
    r = ctx["srv"].request("GET", f"/v1/models/{a}/compare/{b}/report?metrics=fpr", key=ctx["viewer"])
    eq(r.status, 400, "fpr is not a multi-class metric")
