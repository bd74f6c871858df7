"""One model across two datasets (a lab set and a customer's field set):
POST /v1/models/{a}/evaluations with "across": {"model": b}.  Every cohort's
change from the lab to the field is an unpaired comparison; the field may
hurt one cohort more than the reference.  Counts laid out by hand (no random
draws): every label is 0, so a prediction of 1 is a false positive, and
each set's false positive rates are exact fractions."""
import json
import math
import os
import subprocess
import tempfile

from harness import BINARY, Server, eq, expect

# (set, accent): examples, false positives
PLAN = {("lab", "us"): (1000, 100), ("lab", "scottish"): (1000, 100),
        ("lab", "indian"): (1000, 100),
        ("field", "us"): (1000, 150), ("field", "scottish"): (1000, 360),
        ("field", "indian"): (1000, 160)}


def files(which):
    truth, preds = ["id,label,accent"], ["id,prediction"]
    for (s, accent), (n, fp) in PLAN.items():
        if s != which:
            continue
        for i in range(n):
            truth.append(f"{accent}{i},0,{accent}")
            preds.append(f"{accent}{i},{1 if i < fp else 0}")
    return "\n".join(truth) + "\n", "\n".join(preds) + "\n"


def upload(s, key, name):
    truth, preds = files(name)
    return s.upload_model(key, name, "classification", truth, preds)


REQ = {"by": [["accent"]], "reference": {"accent": "us"}, "primary": ["fpr"]}


def setup():
    s = Server()
    key = s.key("analyst")
    lab_ds, lab = upload(s, key, "lab")
    field_ds, field = upload(s, key, "field")
    return {"srv": s, "key": key, "lab": lab, "field": field, "lab_ds": lab_ds}


def evaluate(ctx, body):
    return ctx["srv"].request("POST", f"/v1/models/{ctx['lab']}/evaluations", body,
                              key=ctx["key"])


def cohort(cond, accent):
    return next(c for c in cond["cohorts"] if c["attributes"]["accent"] == accent)


def test_each_cohorts_change_from_lab_to_field(ctx):
    r = evaluate(ctx, dict(REQ, across={"model": ctx["field"]}))
    eq(r.status, 201, f"evaluation {r}")
    ev = r.json()
    eq((ev["across"]["a"]["label"], ev["across"]["b"]["label"]), ("lab", "field"), "the sides")
    eq(ev["across"]["b"]["model_id"], ctx["field"], "model b")
    cond = ev["groupings"][0]["condition"]
    eq((cond["attribute"], cond["baseline"], cond["levels"]), ("dataset", "lab", ["field"]),
       "the dataset is the condition")
    sc = cohort(cond, "scottish")["levels"]["field"]
    eq((sc["n"], sc["baseline_n"]), (1000, 1000), "each set's own examples")
    m = sc["metrics"]["fpr"]
    expect(abs(m["baseline"] - 0.1) < 1e-12 and abs(m["value"] - 0.36) < 1e-12, m)
    expect(abs(m["ratio"] - 3.6) < 1e-12, m)
    # unpaired (Katz): var log ratio = 1/x1 - 1/n1 + 1/x0 - 1/n0
    se = math.sqrt(1 / 360 - 1 / 1000 + 1 / 100 - 1 / 1000)
    z = 1.959963984540054
    expect(abs(m["ratio_low"] - 3.6 * math.exp(-z * se)) < 1e-9, m)
    expect(abs(m["ratio_high"] - 3.6 * math.exp(z * se)) < 1e-9, m)
    expect(m["significant"] is True and m["p_adjusted"] < 1e-6, m)
    expect(abs(m["interaction"]["ratio_of_ratios"] - 3.6 / 1.5) < 1e-12, m["interaction"])
    expect(m["interaction"]["hurts_more"] is True, m["interaction"])
    ind = cohort(cond, "indian")["levels"]["field"]["metrics"]["fpr"]
    expect(ind["interaction"]["hurts_more"] is False, ind)     # 1.6 against 1.5
    eq(cond["change_tests"], 3, "one change a cohort, adjusted together")


def test_refusals_name_the_problem(ctx):
    s, key = ctx["srv"], ctx["key"]
    same = s.request("POST", f"/v1/datasets/{ctx['lab_ds']}/models", {"name": "other"},
                     key=key).json()["id"]
    field_ds = s.request("GET", f"/v1/models/{ctx['field']}", key=key).json()["dataset_id"]
    empty = s.request("POST", f"/v1/datasets/{field_ds}/models", {"name": "empty"},
                      key=key).json()["id"]
    for body, status, says in (
            (dict(REQ, across={"model": 999999}), 422, "does not exist"),
            (dict(REQ, across={"model": empty}), 409, "no predictions"),
            (dict(REQ, across=3), 422, "across must be"),
            (dict(REQ, across={"model": ctx["field"]},
                  condition={"attribute": "accent", "baseline": "us"}), 422, "cannot be combined")):
        r = evaluate(ctx, body)
        eq(r.status, status, f"{body}: {r}")
        expect(says in r.json()["detail"], f"{body}: {r.json()['detail']}")
    truth, preds = files("lab")
    assert s.request("POST", f"/v1/models/{same}/predictions", preds.encode(), key=key,
                     headers={"Content-Type": "text/csv"}).status == 201
    r = evaluate(ctx, dict(REQ, across={"model": same}))
    eq(r.status, 422, f"one dataset: {r}")
    expect("compare" in r.json()["detail"], r.json()["detail"])


def test_the_command_line_agrees(ctx):
    api = evaluate(ctx, dict(REQ, across={"model": ctx["field"]})).json()
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for which in ("lab", "field"):
            truth, preds = files(which)
            for kind, body in (("truth", truth), ("preds", preds)):
                paths[which, kind] = os.path.join(d, f"{which}-{kind}.csv")
                open(paths[which, kind], "w").write(body)
        out = subprocess.run([BINARY, "score", "--task", "classification",
                              "--truth", paths["lab", "truth"],
                              "--predictions", paths["lab", "preds"],
                              "--across-truth", paths["field", "truth"],
                              "--across-predictions", paths["field", "preds"],
                              "--by", "accent", "--reference", "accent=us", "--primary", "fpr"],
                             check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)["groupings"][0]["condition"]
    a = api["groupings"][0]["condition"]
    for accent in ("us", "scottish", "indian"):
        (lc,), (la,) = cohort(cli, accent)["levels"].values(), cohort(a, accent)["levels"].values()
        eq(lc, la, f"{accent}: the same numbers")
