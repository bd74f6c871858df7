"""Evaluations through the API, checked against numbers computed here from
their definitions (and scipy where a reference implementation exists)."""
import math
import random
from statistics import NormalDist

from harness import Server, expect, eq, close

try:
    from scipy import stats as scipy_stats
except ImportError:  # the suite installs python3-scipy; fail loudly if not
    scipy_stats = None


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst"), "viewer": s.key("viewer")}


def wilson(k, n, conf=0.95):
    z = NormalDist().inv_cdf(1 - (1 - conf) / 2)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half


def make(ctx, task, truth, preds, **extra):
    s, key = ctx["srv"], ctx["key"]
    ds = s.request("POST", "/v1/datasets", {"name": "e", "task": task, **extra}, key=key).json()["id"]
    r = s.request("POST", f"/v1/datasets/{ds}/examples", truth.encode(), key=key,
                  headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"truth {r}")
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    r = s.request("POST", f"/v1/models/{m}/predictions", preds.encode(), key=key,
                  headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"predictions {r}")
    return ds, m


def binary_data(seed=7, n=3000):
    rng = random.Random(seed)
    truth, preds, rows = ["id,label,accent,gender"], ["id,prediction"], []
    for i in range(n):
        accent = rng.choice(["us", "us", "us", "scottish", "indian", "welsh"])
        gender = rng.choice(["f", "m"])
        label = int(rng.random() < 0.4)
        fp_rate = 0.35 if accent == "scottish" else 0.15
        pred = int(rng.random() < (0.8 if label else fp_rate))
        truth.append(f"x{i},{label},{accent},{gender}")
        preds.append(f"x{i},{pred}")
        rows.append((accent, gender, label, pred))
    return "\n".join(truth) + "\n", "\n".join(preds) + "\n", rows


def cohort(ev, by, attrs):
    for g in ev["groupings"]:
        if g["by"] == by:
            for c in g["cohorts"]:
                if c["attributes"] == attrs:
                    return g, c
    raise AssertionError(f"cohort {attrs} of {by} not found")


def test_binary_classification_counts_and_intervals(ctx):
    truth, preds, rows = binary_data()
    _, m = make(ctx, "classification", truth, preds)
    r = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations",
                           {"by": [["accent"], ["accent", "gender"]]}, key=ctx["key"])
    eq(r.status, 201, f"evaluate {r}")
    ev = r.json()
    eq(ev["model_id"], m, "model id")
    eq(ev["overall"]["n"], len(rows), "overall n")
    for accent in ["us", "scottish", "indian", "welsh"]:
        sub = [x for x in rows if x[0] == accent]
        tp = sum(1 for x in sub if x[2] == 1 and x[3] == 1)
        fp = sum(1 for x in sub if x[2] == 0 and x[3] == 1)
        tn = sum(1 for x in sub if x[2] == 0 and x[3] == 0)
        fn = sum(1 for x in sub if x[2] == 1 and x[3] == 0)
        _, c = cohort(ev, ["accent"], {"accent": accent})
        eq(c["n"], len(sub), f"{accent} n")
        mt = c["metrics"]
        eq([mt[k]["value"] for k in ("tp", "fp", "tn", "fn")], [tp, fp, tn, fn], f"{accent} counts")
        close(mt["fpr"]["value"], fp / (fp + tn), 1e-12, f"{accent} fpr")
        lo, hi = wilson(fp, fp + tn)
        close(mt["fpr"]["low"], lo, 1e-9, f"{accent} fpr low")
        close(mt["fpr"]["high"], hi, 1e-9, f"{accent} fpr high")
        close(mt["selection_rate"]["value"], (tp + fp) / len(sub), 1e-12, "selection rate")
    g, sc = cohort(ev, ["accent"], {"accent": "scottish"})
    eq(g["reference"], {"accent": "us"}, "largest cohort is the reference")
    d = sc["disparity"]["fpr"]
    expect(d["ratio"] > 1.25, f"planted fpr ratio {d['ratio']}")
    expect(d["p_adjusted"] < 0.05, "planted disparity significant")
    expect("fpr" in sc["flags"], "planted disparity flagged")
    # the same document is served by GET, to viewers too
    got = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}", key=ctx["viewer"])
    eq(got.status, 200, "get")
    eq(got.json(), ev, "stored document")


def test_fisher_for_small_cohorts_and_too_small_never_flagged(ctx):
    truth = ["id,label,site"]
    preds = ["id,prediction"]
    i = 0
    # big site: 100 negatives, 10 predicted positive; tiny site: 9 negatives, 8 predicted positive
    for site, neg, pos_pred in (("big", 100, 10), ("tiny", 9, 8)):
        for j in range(neg):
            truth.append(f"r{i},0,{site}")
            preds.append(f"r{i},{1 if j < pos_pred else 0}")
            i += 1
    _, m = make(ctx, "classification", "\n".join(truth) + "\n", "\n".join(preds) + "\n")
    ev = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations",
                            {"by": [["site"]], "min_cohort_size": 10}, key=ctx["key"]).json()
    _, tiny = cohort(ev, ["site"], {"site": "tiny"})
    eq(tiny["too_small"], True, "nine people are too small")
    eq(tiny["flags"], [], "too small never flagged")
    eq(tiny["metrics"]["tpr"]["value"], None, "no positives: tpr undefined")
    expect(tiny["metrics"]["tpr"].get("reason"), "undefined metric has a reason")
    d = tiny["disparity"]["fpr"]
    eq(d["test"], "fisher", "small expected counts use Fisher's exact test")
    if scipy_stats is None:
        raise AssertionError("python3-scipy is missing")
    p = scipy_stats.fisher_exact([[8, 1], [10, 90]]).pvalue
    close(d["p_value"], p, 1e-9, "fisher p")


def test_score_task_auc_brier(ctx):
    rng = random.Random(3)
    truth, preds, data = ["id,label,g"], ["id,prediction"], []
    for i in range(400):
        y = int(rng.random() < 0.5)
        s = round(min(1, max(0, rng.gauss(0.65 if y else 0.35, 0.2))), 2)
        g = "a" if i % 2 else "b"
        truth.append(f"s{i},{y},{g}")
        preds.append(f"s{i},{s}")
        data.append((g, y, s))
    _, m = make(ctx, "score", "\n".join(truth) + "\n", "\n".join(preds) + "\n")
    ev = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations", {"by": ["g"]}, key=ctx["key"]).json()
    pos = [s for _, y, s in data if y]
    neg = [s for _, y, s in data if not y]
    auc = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg) / (len(pos) * len(neg))
    close(ev["overall"]["metrics"]["auc"]["value"], auc, 1e-12, "AUC with ties")
    brier = sum((s - y) ** 2 for _, y, s in data) / len(data)
    close(ev["overall"]["metrics"]["brier"]["value"], brier, 1e-12, "Brier")
    tp = sum(1 for _, y, s in data if y and s >= 0.5)
    close(ev["overall"]["metrics"]["tpr"]["value"], tp / len(pos), 1e-12, "tpr at threshold 0.5")


def test_regression_metrics(ctx):
    vals = [(1.0, 1.5, "a"), (2.0, 1.0, "a"), (3.0, 3.0, "b"), (4.0, 6.0, "b"), (5.0, 4.5, "a")]
    truth = "id,label,g\n" + "".join(f"{i},{y},{g}\n" for i, (y, _, g) in enumerate(vals))
    preds = "id,prediction\n" + "".join(f"{i},{p}\n" for i, (_, p, _) in enumerate(vals))
    _, m = make(ctx, "regression", truth, preds)
    ev = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations",
                            {"by": ["g"], "min_cohort_size": 1}, key=ctx["key"]).json()
    errs = [p - y for y, p, _ in vals]
    mt = ev["overall"]["metrics"]
    close(mt["mae"]["value"], sum(abs(e) for e in errs) / len(errs), 1e-12, "mae")
    close(mt["rmse"]["value"], math.sqrt(sum(e * e for e in errs) / len(errs)), 1e-12, "rmse")
    close(mt["mean_error"]["value"], sum(errs) / len(errs), 1e-12, "mean error")


def test_binning_and_reference(ctx):
    truth = "id,label,age\n" + "".join(f"{i},{i % 2},{20 + i % 50}\n" for i in range(200))
    preds = "id,prediction\n" + "".join(f"{i},{(i // 2) % 2}\n" for i in range(200))
    _, m = make(ctx, "classification", truth, preds)
    r = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations",
                           {"by": [["age"]], "bins": {"age": [0, 30, 45, 60]},
                            "reference": {"age": "[30,45)"}, "min_cohort_size": 1}, key=ctx["key"])
    eq(r.status, 201, f"{r}")
    g = r.json()["groupings"][0]
    eq(g["reference"], {"age": "[30,45)"}, "named reference")
    eq(sorted(c["attributes"]["age"] for c in g["cohorts"]),
       sorted(["[0,30)", "[30,45)", "[45,60]", ">60"]), "bin labels")
    eq(sum(c["n"] for c in g["cohorts"]), 200, "every row in one bin")


def test_invalid_evaluation_requests(ctx):
    truth, preds, _ = binary_data(n=100)
    _, m = make(ctx, "classification", truth, preds)
    for body, word in [({"by": [["nope"]]}, "nope"), ({"confidence": 1.5}, "confidence"),
                       ({"by": "accent"}, "by"), ({"reference": {"accent": "martian"}}, "martian"),
                       ({"min_cohort_size": -1}, "min_cohort_size")]:
        r = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations", body, key=ctx["key"])
        eq(r.status, 422, f"{body}: {r}")
        expect(word in r.json()["detail"], f"{body}: detail {r.json()['detail']!r}")
    eq(ctx["srv"].request("POST", "/v1/models/424242/evaluations", {}, key=ctx["key"]).status, 404, "model")
    eq(ctx["srv"].request("GET", "/v1/evaluations/424242", key=ctx["key"]).status, 404, "evaluation")


def test_model_without_predictions_cannot_be_evaluated(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds = s.request("POST", "/v1/datasets", {"name": "e", "task": "classification"}, key=key).json()["id"]
    s.request("POST", f"/v1/datasets/{ds}/examples", b"id,label\n1,1\n", key=key,
              headers={"Content-Type": "text/csv"})
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    eq(s.request("POST", f"/v1/models/{m}/evaluations", {}, key=key).status, 409, "no predictions")


def test_report_formats_and_headers(ctx):
    truth, preds, _ = binary_data(n=300)
    _, m = make(ctx, "classification", truth, preds)
    ev = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations", {"by": ["accent"]}, key=ctx["key"]).json()
    r = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/report", key=ctx["viewer"])
    eq(r.status, 200, "html report")
    expect(r.header("Content-Type").startswith("text/html"), "html type")
    expect("default-src 'none'" in (r.header("Content-Security-Policy") or ""), "CSP")
    eq(r.header("X-Content-Type-Options"), "nosniff", "nosniff")
    expect("scottish" in r.body, "cohort in report")
    r = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/report?format=csv", key=ctx["viewer"])
    eq(r.status, 200, "csv report")
    expect(r.header("Content-Type").startswith("text/csv"), "csv type")
    expect(r.body.splitlines()[0].startswith("grouping,"), "csv header")
    eq(ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/report?format=pdf",
                          key=ctx["viewer"]).status, 400, "unknown format")


def test_numeric_attribute_without_bins_is_warned_about(ctx):
    s, key = ctx["srv"], ctx["key"]
    truth = ["id,label,age"] + [f"a{i},{i % 2},{18 + i % 53}" for i in range(400)]
    preds = ["id,prediction"] + [f"a{i},{(i // 2) % 2}" for i in range(400)]
    _, m = make(ctx, "classification", "\n".join(truth) + "\n", "\n".join(preds) + "\n")
    r = s.request("POST", f"/v1/models/{m}/evaluations", {"by": [["age"]]}, key=key)
    eq(r.status, 201, f"evaluate {r}")
    ws = r.json()["warnings"]
    eq([(w["attribute"], w["distinct_values"]) for w in ws], [("age", 53)], "one warning")
    eq(len(ws[0]["suggested_bins"]), 3, "quartile edges")
    expect('"bins": {"age": [' in ws[0]["message"], ws[0]["message"])
    page = s.request("GET", f"/v1/evaluations/{r.json()['id']}/report", key=key)
    expect("Warnings" in page.body and "distinct values" in page.body, "shown in the report")
    edges = ws[0]["suggested_bins"]
    r = s.request("POST", f"/v1/models/{m}/evaluations",
                  {"by": [["age"]], "bins": {"age": edges}}, key=key)
    eq(r.status, 201, f"binned {r}")
    expect("warnings" not in r.json(), "no warning once binned")
    eq(len(r.json()["groupings"][0]["cohorts"]), len(edges) + 1, "one cohort per bin")
