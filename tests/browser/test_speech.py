"""Speech in the report: the last mile (a noisy ward that hurts Scottish
speakers more than the reference) and what more speakers would tell, over
the API, the command line and the HTML report.  Counts laid out by hand (no
random draws): every utterance has 10 reference words, and a hypothesis
with e errors substitutes its first e words."""
import json
import os
import subprocess
import tempfile

import chrome
from harness import BINARY, Server

# accent: speakers, errors in each of a speaker's 10 utterances (quiet,
# ward) for odd and even speakers
PLAN = {"us": (20, (1, 2), (2, 3)),
        "scottish": (20, (1, 2), (5, 6)),
        "indian": (20, (1, 2), (2, 3)),
        "irish": (12, (0, 3), (1, 4))}


def data():
    ref, hyp, attrs = [], [], ["id,accent,noise"]
    words = [f"w{i}" for i in range(10)]
    for accent, (speakers, quiet, ward) in PLAN.items():
        for s in range(speakers):
            spk = f"{accent[:2]}{s:02d}"
            for u in range(20):
                noise = "quiet" if u < 10 else "ward"
                e = (quiet if noise == "quiet" else ward)[s % 2]
                uid = f"{spk}-{u:03d}"
                ref.append(" ".join(words) + f" ({uid})")
                hyp.append(" ".join(["x"] * e + words[e:]) + f" ({uid})")
                attrs.append(f"{uid},{accent},{noise}")
    return ("\n".join(ref) + "\n", "\n".join(hyp) + "\n", "\n".join(attrs) + "\n")


REQ = {"by": [["accent"]], "reference": {"accent": "us"},
       "condition": {"attribute": "noise", "baseline": "quiet"}}


def setup():
    s = Server()
    key = s.key("analyst")
    ref, hyp, attrs = data()
    ds = s.request("POST", "/v1/datasets", {"name": "wards", "task": "asr"},
                   key=key).json()["id"]
    for path, body, ctype in ((f"/v1/datasets/{ds}/examples", ref, "text/x-trn"),
                              (f"/v1/datasets/{ds}/attributes", attrs, "text/csv")):
        r = s.request("POST", path, body.encode(), key=key, headers={"Content-Type": ctype})
        assert r.status == 201, r
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    r = s.request("POST", f"/v1/models/{m}/predictions", hyp.encode(), key=key,
                  headers={"Content-Type": "text/x-trn"})
    assert r.status == 201, r
    r = s.request("POST", f"/v1/models/{m}/evaluations", REQ, key=key)
    assert r.status == 201, r
    return {"srv": s, "key": key, "ev": r.json(), "files": (ref, hyp, attrs),
            "browser": chrome.Browser()}


def teardown(ctx):
    ctx["browser"].close()


def cohort(cohorts, accent):
    return [c for c in cohorts if c["attributes"]["accent"] == accent][0]


def test_the_ward_hurts_scottish_speakers_more(ctx):
    ev = ctx["ev"]
    cond = ev["groupings"][0]["condition"]
    assert cond["levels"] == ["ward"] and "wer" in cond["metrics"], cond
    sc = cohort(cond["cohorts"], "scottish")["levels"]["ward"]["metrics"]["wer"]
    # scottish: 300 errors in 2000 quiet words, 1100 in 2000 ward words;
    # us: 300 and 500
    assert abs(sc["ratio"] - 0.55 / 0.15) < 1e-12, sc
    assert abs(sc["interaction"]["ratio_of_ratios"] - (0.55 / 0.15) / (0.25 / 0.15)) < 1e-12, sc
    assert sc["interaction"]["hurts_more"] is True, sc
    ind = cohort(cond["cohorts"], "indian")["levels"]["ward"]["metrics"]["wer"]
    assert ind["interaction"]["hurts_more"] is False, ind
    page = ctx["browser"].open(f"http://{ctx['srv'].addr}/v1/evaluations/{ev['id']}/report",
                               headers={"Authorization": "Bearer " + ctx["key"]})
    try:
        got = page.eval("""(() => { const s = document.querySelector('section.condition');
            const p = document.querySelector('details.power');
            return {hurt: Array.from(s.querySelectorAll('tr.flag th')).map(t => t.innerText),
                    lines: s.querySelectorAll('figure.slope g.m').length,
                    power: p ? p.textContent : ''}; })()""")
        assert any("scottish" in h for h in got["hurt"]), got
        assert not any("indian" in h for h in got["hurt"]), got
        assert got["lines"] >= 4, got
        # irish: 12 speakers of alternating 0.5 and 3.5 errors an utterance
        # cannot be told apart from us: more speakers would tell
        assert "more speakers in this cohort" in got["power"], got["power"]
        assert "design effect" in got["power"], got["power"]
    finally:
        page.close()


def test_power_is_counted_in_speakers(ctx):
    irish = cohort(ctx["ev"]["groupings"][0]["cohorts"], "irish")
    d = irish["disparity"]["wer"]
    assert d["verdict"] == "inconclusive", d
    pw = d["power"]
    assert pw["unit"] == "speakers" and pw["design_effect"] > 1, pw
    assert pw["more_speakers"] > 0 and pw["speakers_for_tolerance"] > 12, pw
    assert pw["detectable_ratio"] > 1.25, pw


def test_the_command_line_agrees(ctx):
    ref, hyp, attrs = ctx["files"]
    with tempfile.TemporaryDirectory() as d:
        paths = [os.path.join(d, n) for n in ("ref.trn", "hyp.trn", "attrs.csv")]
        for p, body in zip(paths, (ref, hyp, attrs)):
            open(p, "w").write(body)
        out = subprocess.run([BINARY, "score", "--task", "asr", "--truth", paths[0],
                              "--predictions", paths[1], "--attributes", paths[2],
                              "--by", "accent", "--reference", "accent=us",
                              "--condition", "noise=quiet"],
                             check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)["groupings"][0]
    api = ctx["ev"]["groupings"][0]
    assert cli["condition"] == api["condition"], (cli["condition"], api["condition"])
    assert cohort(cli["cohorts"], "irish")["disparity"]["wer"]["power"] == \
        cohort(api["cohorts"], "irish")["disparity"]["wer"]["power"]


def test_across_two_datasets(ctx):
    """The quiet utterances as a lab set and the ward ones as a field set,
    uploaded as two datasets: the same changes as the condition analysis
    (point estimates; the bootstrap streams differ), speakers of the two
    sets kept apart, and the report says what it compares."""
    s, key = ctx["srv"], ctx["key"]
    ref, hyp, attrs = ctx["files"]
    models = {}
    for noise in ("quiet", "ward"):
        ids = {line.split(",")[0] for line in attrs.splitlines()[1:]
               if line.endswith("," + noise)}
        keep = lambda text: "".join(l + "\n" for l in text.splitlines()
                                    if l[l.rindex("(") + 1:-1] in ids)
        a = "id,accent\n" + "".join(l.rsplit(",", 1)[0] + "\n"
                                    for l in attrs.splitlines()[1:] if l.split(",")[0] in ids)
        ds = s.request("POST", "/v1/datasets", {"name": f"{noise} set", "task": "asr"},
                       key=key).json()["id"]
        for path, body, ctype in ((f"/v1/datasets/{ds}/examples", keep(ref), "text/x-trn"),
                                  (f"/v1/datasets/{ds}/attributes", a, "text/csv")):
            r = s.request("POST", path, body.encode(), key=key, headers={"Content-Type": ctype})
            assert r.status == 201, r
        m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
        r = s.request("POST", f"/v1/models/{m}/predictions", keep(hyp).encode(), key=key,
                      headers={"Content-Type": "text/x-trn"})
        assert r.status == 201, r
        models[noise] = m
    r = s.request("POST", f"/v1/models/{models['quiet']}/evaluations",
                  {"by": [["accent"]], "reference": {"accent": "us"},
                   "across": {"model": models["ward"]}}, key=key)
    assert r.status == 201, r
    ev = r.json()
    cond = ev["groupings"][0]["condition"]
    assert (cond["baseline"], cond["levels"]) == ("quiet set", ["ward set"]), cond
    same = ctx["ev"]["groupings"][0]["condition"]
    for accent in PLAN:
        got = cohort(cond["cohorts"], accent)["levels"]["ward set"]["metrics"]["wer"]
        want = cohort(same["cohorts"], accent)["levels"]["ward"]["metrics"]["wer"]
        for k in ("baseline", "value", "ratio", "difference"):
            assert abs(got[k] - want[k]) < 1e-12, (accent, k, got, want)
    sc = cohort(cond["cohorts"], "scottish")["levels"]["ward set"]["metrics"]["wer"]
    assert sc["significant"] and sc["interaction"]["hurts_more"], sc
    us = cohort(ev["groupings"][0]["cohorts"], "us")
    assert us["metrics"]["speakers"]["value"] == 40, us["metrics"]["speakers"]   # 20 + 20
    page = ctx["browser"].open(f"http://{s.addr}/v1/evaluations/{ev['id']}/report",
                               headers={"Authorization": "Bearer " + key})
    try:
        got = page.eval("""(() => { const s = document.querySelector('section.condition');
            return {h: s.querySelector('h3').innerText,
                    hurt: Array.from(s.querySelectorAll('tr.flag th')).map(t => t.innerText),
                    sig: s.querySelectorAll('td.sig').length}; })()""")
        assert "From quiet set to ward set" in got["h"], got
        assert any("scottish" in h for h in got["hurt"]), got
        assert got["sig"] >= 1, got
    finally:
        page.close()
