"""The report's summary says what the data can tell: green only when every
cohort is shown within tolerance, grey with the reasons when cohorts could
not be told apart from the reference, and disparities worse than the
reference listed before those that are better.  The data are counts laid
out by hand (no random draws): each cohort's confusion matrix is exact."""
from harness import Server
import chrome


def rows(cohort, tp, fp, tn, fn, start):
    out, i = [], start
    for y, yhat, k in ((1, 1, tp), (0, 1, fp), (0, 0, tn), (1, 0, fn)):
        for _ in range(k):
            out.append((f"x{i}", y, yhat, cohort))
            i += 1
    return out


def evaluation(ctx, blocks, body):
    s, key = ctx["srv"], ctx["key"]
    data, i = [], 0
    for b in blocks:
        data += rows(*b, start=i)
        i = len(data)
    ds = s.request("POST", "/v1/datasets", {"name": "verdicts", "task": "classification"},
                   key=key).json()["id"]
    truth = "id,label,g\n" + "".join(f"{x},{y},{g}\n" for x, y, _, g in data)
    preds = "id,prediction\n" + "".join(f"{x},{p}\n" for x, _, p, _ in data)
    assert s.request("POST", f"/v1/datasets/{ds}/examples", truth.encode(), key=key,
                     headers={"Content-Type": "text/csv"}).status == 201
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    assert s.request("POST", f"/v1/models/{m}/predictions", preds.encode(), key=key,
                     headers={"Content-Type": "text/csv"}).status == 201
    r = s.request("POST", f"/v1/models/{m}/evaluations", body, key=key)
    assert r.status == 201, r
    return r.json()


def summary(ctx, ev):
    page = ctx["browser"].open(f"http://{ctx['srv'].addr}/v1/evaluations/{ev['id']}/report",
                               headers={"Authorization": "Bearer " + ctx["key"]})
    try:
        return page.eval("""(() => { const s = document.getElementById('summary');
            return {cls: s.className, text: s.innerText,
                    items: Array.from(s.querySelectorAll('ul.findings li')).map(
                        li => [li.className, li.innerText]),
                    better: document.querySelectorAll('.badge.flag.better').length,
                    power: Array.from(document.querySelectorAll('details.power')).map(
                        d => d.textContent)}; })()""")
    finally:
        page.close()


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst"), "browser": chrome.Browser()}


def teardown(ctx):
    ctx["browser"].close()


def test_green_only_when_every_cohort_is_within_tolerance(ctx):
    same = (1500, 500, 2500, 500)
    ev = evaluation(ctx, [("a",) + same, ("b",) + same], {"by": [["g"]]})
    assert ev["summary"]["within_tolerance"] == 1, ev["summary"]
    s = summary(ctx, ev)
    assert s["cls"] == "summary ok", s
    assert "every cohort is within tolerance" in s["text"], s["text"]


def test_grey_with_reasons_when_the_data_cannot_tell(ctx):
    same = (15, 5, 25, 5)
    ev = evaluation(ctx, [("a",) + same, ("b",) + same, ("c", 3, 1, 5, 1)], {"by": [["g"]]})
    assert ev["summary"]["inconclusive"] == 2 and ev["summary"]["too_small"] == 1, ev["summary"]
    s = summary(ctx, ev)
    assert s["cls"] == "summary unsure", s
    text = s["text"]
    assert "No disparity shown, which is not evidence of equal performance" in text, text
    assert "2 of 2 cohorts could not be told apart" in text, text
    assert "1 has too few examples or speakers to test" in text, text
    assert "1 has intervals too wide" in text, text
    assert "No disparity flagged" not in text, text
    # next to the inconclusive ones: what the data could detect, and what
    # more data would
    power = " ".join(s["power"])
    assert "What more data would tell" in power and "to detect 1.25" in power, power


def test_worse_before_better(ctx):
    ref = (1500, 500, 2500, 500)              # fpr 500/3000 = 0.167
    worse = (1500, 1000, 2000, 500)           # fpr 0.333
    better = (1500, 150, 2850, 500)           # fpr 0.05
    ev = evaluation(ctx, [("a",) + ref, ("b",) + better, ("c",) + worse],
                    {"by": [["g"]], "reference": {"g": "a"}})
    cohorts = {c["attributes"]["g"]: c for c in ev["groupings"][0]["cohorts"]}
    assert cohorts["b"]["disparity"]["fpr"]["direction"] == "better"
    assert cohorts["c"]["disparity"]["fpr"]["direction"] == "worse"
    assert ev["summary"]["disparities"]["better"] >= 1 and \
        ev["summary"]["disparities"]["worse"] >= 1, ev["summary"]
    s = summary(ctx, ev)
    kinds = [cls for cls, _ in s["items"]]
    assert "better" in kinds and kinds.index("better") > 0, s["items"]
    assert all(k == "better" for k in kinds[kinds.index("better"):]), s["items"]
    assert "better" in s["text"] and "worse than the reference" in s["text"], s["text"]
    assert s["better"] >= 1, s


def test_corrected_ratios_are_marked(ctx):
    import report_checks as rc
    ref = (1500, 500, 2500, 500)
    none = (150, 0, 300, 50)                  # no false positive: fpr 0
    ev = evaluation(ctx, [("a",) + ref, ("z",) + none], {"by": [["g"]], "reference": {"g": "a"}})
    z = [c for c in ev["groupings"][0]["cohorts"] if c["attributes"]["g"] == "z"][0]
    assert z["disparity"]["fpr"].get("ratio_corrected") is True, z["disparity"]["fpr"]
    page = ctx["browser"].open(f"http://{ctx['srv'].addr}/v1/evaluations/{ev['id']}/report",
                               headers={"Authorization": "Bearer " + ctx["key"]})
    try:
        rc.check_report(page, ev)       # every cell as the JSON says, the mark included
        marks = page.eval("""Array.from(document.querySelectorAll('tr[data-cohort] abbr.rc'))
                             .map(a => a.closest('tr').dataset.cohort)""")
        idx = str(ev["groupings"][0]["cohorts"].index(z))
        assert marks and all(m == idx for m in marks), (marks, idx)
        legend = page.eval("document.querySelector('.legend').innerText")
        assert "0.5 added to every count" in legend, legend
    finally:
        page.close()
