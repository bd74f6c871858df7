"""The slice page: a search's summary says how many slices were confirmed
on the held-out half, the chart has a mark per slice, the table a row per
slice with the confirmed badge, and each slice's link opens an evaluation
grouped by its attributes in which the slice is a cohort.  The data are
tests/api/test_75_slices.py's (fixed seed, planted slice region = b AND
device = c)."""
import os
import sys

import chrome
from harness import Server

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "api"))
from test_75_slices import data, wait  # noqa: E402


def setup():
    s = Server()
    key = s.key("analyst")
    truth, preds = data()
    _, m = s.upload_model(key, "screener", "classification", truth, preds)
    job = s.request("POST", f"/v1/models/{m}/slices", {"metric": "fpr", "k": 4},
                    key=key).json()["id"]
    j = wait(s, key, job)
    assert j["status"] == "done", j
    return {"srv": s, "key": key, "job": j, "browser": chrome.Browser()}


def teardown(ctx):
    ctx["browser"].close()


def test_slice_page_and_its_links(ctx):
    s, key, job = ctx["srv"], ctx["key"], ctx["job"]
    auth = {"Authorization": "Bearer " + key}
    page = ctx["browser"].open(f"http://{s.addr}/v1/slices/{job['id']}/report", headers=auth)
    try:
        got = page.eval("""(() => ({
            summary: document.getElementById('summary').innerText,
            rows: document.querySelectorAll('tbody tr[data-slice]').length,
            marks: document.querySelectorAll('figure.chart g[data-slice]').length,
            badges: document.querySelectorAll('tbody .badge.flag').length,
            first: document.querySelector('tbody tr[data-slice="0"] td.g').innerText,
            link: document.querySelector('tbody tr[data-slice="0"] a').getAttribute('href'),
            width: document.documentElement.scrollWidth}))()""")
    finally:
        page.close()
    n = len(job["slices"])
    confirmed = sum(1 for x in job["slices"] if x["confirmed"])
    assert got["rows"] == n and got["marks"] == n, got
    assert got["badges"] == confirmed >= 1, got
    assert f"{confirmed} of {n} slices confirmed" in got["summary"], got
    assert "region = b" in got["first"] and "device = c" in got["first"], got
    assert got["width"] <= 1280, got
    page = ctx["browser"].open(f"http://{s.addr}{got['link']}", headers=auth)
    try:
        cohorts = page.eval("""Array.from(document.querySelectorAll('tr[data-cohort]'))
            .map(r => Array.from(r.querySelectorAll('th')).map(t => t.innerText.trim()))""")
    finally:
        page.close()
    assert ["b", "c"] in [c[:2] for c in cohorts], cohorts


def test_a_search_not_done_says_so(ctx):
    """A server with no slice workers, on a database of its own: no other
    server's worker can claim the job before the page is read."""
    quiet = Server(extra_env={"FAIRAUDIT_SLICE_WORKERS": "0"})
    try:
        key = quiet.key("analyst")
        truth, preds = data()
        _, m = quiet.upload_model(key, "screener", "classification", truth, preds)
        j = quiet.request("POST", f"/v1/models/{m}/slices", {"k": 1}, key=key).json()
        for status in ("queued", "cancelled"):
            page = ctx["browser"].open(f"http://{quiet.addr}/v1/slices/{j['id']}/report",
                                       headers={"Authorization": "Bearer " + key})
            try:
                text = page.eval("document.getElementById('summary').innerText")
            finally:
                page.close()
            assert f"The search is {status}" in text, text
            quiet.request("POST", f"/v1/slices/{j['id']}/cancel", key=key)
    finally:
        quiet.stop()


def test_speech_slices_over_the_api_the_page_and_the_command_line(ctx):
    """Speech: WER slices with speakers as clusters.  tests/browser/
    test_speech.py's data (counts by hand): Scottish speakers in the ward
    err at 0.55, every other accent x noise cell at 0.15 to 0.25."""
    import json
    import subprocess
    import tempfile
    from harness import BINARY
    from test_speech import data as speech_data
    s, key = ctx["srv"], ctx["key"]
    ref, hyp, attrs = speech_data()
    _, m = s.upload_model(key, "wards", "asr", ref, hyp, ctype="text/x-trn", attributes=attrs)
    req = {"k": 3, "min_support": 50}
    job = s.request("POST", f"/v1/models/{m}/slices", req, key=key).json()["id"]
    j = wait(s, key, job)
    assert j["status"] == "done" and j["metric"] == "wer", j
    top = j["slices"][0]
    assert top["attributes"] == {"accent": "scottish", "noise": "ward"}, top
    assert top["speakers"] == 20 and top["size"] == 200, top
    assert abs(top["metric"]["value"] - 0.55) < 1e-12 and top["confirmed"], top
    page = ctx["browser"].open(f"http://{s.addr}/v1/slices/{job}/report",
                               headers={"Authorization": "Bearer " + key})
    try:
        got = page.eval("""(() => ({
            heads: Array.from(document.querySelectorAll('thead th')).map(t => t.innerText),
            first: document.querySelector('tbody tr[data-slice="0"] td.g').innerText}))()""")
    finally:
        page.close()
    assert "Speakers" in got["heads"], got
    assert "accent = scottish" in got["first"] and "noise = ward" in got["first"], got
    with tempfile.TemporaryDirectory() as d:
        paths = [os.path.join(d, n) for n in ("ref.trn", "hyp.trn", "attrs.csv")]
        for p, body in zip(paths, (ref, hyp, attrs)):
            open(p, "w").write(body)
        out = subprocess.run([BINARY, "slices", "--task", "asr", "--truth", paths[0],
                              "--predictions", paths[1], "--attributes", paths[2],
                              "--k", "3", "--min-support", "50"],
                             check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    assert cli["slices"] == j["slices"], (cli["slices"], j["slices"])
