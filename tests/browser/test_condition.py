"""The last mile in the report: a condition that hurts one cohort more than
the reference is marked so in the condition section, with a slope chart
from the baseline to the level; over the API and the command line alike.
Counts laid out by hand (no random draws): every label 0, so predictions
of 1 are false positives."""
import json
import os
import subprocess
import tempfile

import chrome
from harness import BINARY, Server


def data():
    rows, i = [], 0
    for g, noise, fp in (("us", "quiet", 150), ("us", "ward", 225),
                         ("scottish", "quiet", 150), ("scottish", "ward", 540),
                         ("indian", "quiet", 150), ("indian", "ward", 240)):
        for k in range(1500):
            rows.append((f"x{i}", g, noise, 1 if k < fp else 0))
            i += 1
    truth = "id,label,accent,noise\n" + "".join(f"{x},0,{g},{n}\n" for x, g, n, _ in rows)
    preds = "id,prediction\n" + "".join(f"{x},{p}\n" for x, _, _, p in rows)
    return truth, preds


REQ = {"by": [["accent"]], "reference": {"accent": "us"}, "primary": ["fpr"],
       "condition": {"attribute": "noise", "baseline": "quiet"}}


def setup():
    s = Server()
    key = s.key("analyst")
    truth, preds = data()
    ds = s.request("POST", "/v1/datasets", {"name": "wards", "task": "classification"},
                   key=key).json()["id"]
    assert s.request("POST", f"/v1/datasets/{ds}/examples", truth.encode(), key=key,
                     headers={"Content-Type": "text/csv"}).status == 201
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    assert s.request("POST", f"/v1/models/{m}/predictions", preds.encode(), key=key,
                     headers={"Content-Type": "text/csv"}).status == 201
    return {"srv": s, "key": key, "model": m, "truth": truth, "preds": preds,
            "browser": chrome.Browser()}


def teardown(ctx):
    ctx["browser"].close()


def cohort(cond, accent):
    return [c for c in cond["cohorts"] if c["attributes"]["accent"] == accent][0]


def test_condition_over_the_api_and_in_the_report(ctx):
    s = ctx["srv"]
    r = s.request("POST", f"/v1/models/{ctx['model']}/evaluations", REQ, key=ctx["key"])
    assert r.status == 201, r
    ev = r.json()
    cond = ev["groupings"][0]["condition"]
    assert cond["levels"] == ["ward"] and cond["metrics"] == ["fpr"], cond
    sc = cohort(cond, "scottish")["levels"]["ward"]["metrics"]["fpr"]
    assert abs(sc["ratio"] - 3.6) < 1e-12, sc
    assert abs(sc["interaction"]["ratio_of_ratios"] - 2.4) < 1e-12, sc
    assert sc["interaction"]["hurts_more"] is True, sc
    ind = cohort(cond, "indian")["levels"]["ward"]["metrics"]["fpr"]
    assert ind["interaction"]["hurts_more"] is False, ind       # 1.6 / 1.5
    page = ctx["browser"].open(f"http://{s.addr}/v1/evaluations/{ev['id']}/report",
                               headers={"Authorization": "Bearer " + ctx["key"]})
    try:
        got = page.eval("""(() => { const s = document.querySelector('section.condition');
            return {h: s.querySelector('h3').innerText,
                    hurt: Array.from(s.querySelectorAll('tr.flag th')).map(t => t.innerText),
                    lines: s.querySelectorAll('figure.slope g.m').length,
                    flagged: s.querySelectorAll('figure.slope g.m.flag').length}; })()""")
        assert "noise" in got["h"] and "quiet" in got["h"], got
        assert len(got["hurt"]) == 1 and "scottish" in got["hurt"][0], got
        assert got["lines"] == 3 and got["flagged"] == 1, got
        assert page.eval("document.documentElement.scrollWidth") <= 1280
    finally:
        page.close()
    r = s.request("POST", f"/v1/models/{ctx['model']}/evaluations",
                  {"by": [["noise"]], "condition": REQ["condition"]}, key=ctx["key"])
    assert r.status in (400, 422) and "also grouped by" in r.json()["detail"], r


def test_the_command_line_agrees(ctx):
    with tempfile.TemporaryDirectory() as d:
        t, p = os.path.join(d, "t.csv"), os.path.join(d, "p.csv")
        open(t, "w").write(ctx["truth"])
        open(p, "w").write(ctx["preds"])
        out = subprocess.run([BINARY, "score", "--task", "classification", "--truth", t,
                              "--predictions", p, "--by", "accent", "--reference", "accent=us",
                              "--primary", "fpr", "--condition", "noise=quiet"],
                             check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)["groupings"][0]["condition"]
    api = ctx["srv"].request("POST", f"/v1/models/{ctx['model']}/evaluations", REQ,
                             key=ctx["key"]).json()["groupings"][0]["condition"]
    assert cli == api, (cli, api)
