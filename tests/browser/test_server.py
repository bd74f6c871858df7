"""Browser tests against a live server: a report reached through a share
link, its numbers against the evaluation JSON the API returned, hostile
cohort names uploaded as data, and share links that expire and are revoked.
"""
import os
import time

import chrome
import report_checks as rc
from harness import Server

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "artifacts")
XSS1 = "<script>alert(1)</script>"
XSS2 = '"><img src=x onerror=alert(2)>'


def csv_field(s):
    return '"' + s.replace('"', '""') + '"'


def setup():
    os.makedirs(ARTIFACTS, exist_ok=True)
    s = Server()
    key = s.key("analyst")
    accents = ["us", "scottish", XSS1, XSS2, "indian"]
    rows, preds = ["id,label,accent,gender"], ["id,prediction"]
    for i in range(1500):
        a = accents[i % 5]
        y = i % 3 == 0
        wrong = (i % 7 == 0) or (a == "scottish" and i % 4 == 0)
        rows.append(f"u{i},{int(y)},{csv_field(a)},{'fm'[i % 2]}")
        preds.append(f"u{i},{int(y != wrong)}")
    ds = s.request("POST", "/v1/datasets", {"name": f"loans {XSS1}", "task": "classification"},
                   key=key).json()["id"]
    r = s.request("POST", f"/v1/datasets/{ds}/examples", ("\n".join(rows) + "\n").encode(), key=key,
                  headers={"Content-Type": "text/csv"})
    assert r.status == 201, r
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": XSS2}, key=key).json()["id"]
    r = s.request("POST", f"/v1/models/{m}/predictions", ("\n".join(preds) + "\n").encode(), key=key,
                  headers={"Content-Type": "text/csv"})
    assert r.status == 201, r
    ev = s.request("POST", f"/v1/models/{m}/evaluations", {"by": [["accent"], ["accent", "gender"]]},
                   key=key).json()
    return {"srv": s, "key": key, "ev": ev, "browser": chrome.Browser()}


def teardown(ctx):
    ctx["browser"].close()


def share(ctx, **body):
    r = ctx["srv"].request("POST", f"/v1/evaluations/{ctx['ev']['id']}/shares", body, key=ctx["key"])
    assert r.status == 201, r
    return r.json()


def base(ctx):
    return f"http://{ctx['srv'].addr}"


def test_report_through_share_link_matches_json(ctx):
    sh = share(ctx)
    page = ctx["browser"].open(base(ctx) + sh["url"])
    try:
        rc.check_report(page, ctx["ev"])
        rc.check_inert(page, [XSS1, XSS2])
        page.screenshot(os.path.join(ARTIFACTS, "server-report-1280.png"), full_page=True)
        page.set_viewport(375)
        rc.check_fits(page, 375)
        page.screenshot(os.path.join(ARTIFACTS, "server-report-375.png"))
    finally:
        page.close()


def test_report_with_key_header(ctx):
    page = ctx["browser"].open(base(ctx) + f"/v1/evaluations/{ctx['ev']['id']}/report?sort=name",
                               headers={"Authorization": "Bearer " + ctx["key"]})
    try:
        rc.check_report(page, ctx["ev"])
        rc.check_inert(page, [XSS1, XSS2])
    finally:
        page.close()


def text_of(ctx, url):
    page = ctx["browser"].open(url)
    try:
        return page.eval("document.body.innerText")
    finally:
        page.close()


def test_revoked_link_stops_working_in_the_browser(ctx):
    sh = share(ctx)
    assert "accent" in text_of(ctx, base(ctx) + sh["url"])
    r = ctx["srv"].request("DELETE", f"/v1/shares/{sh['id']}", key=ctx["key"])
    assert r.status == 200, r
    body = text_of(ctx, base(ctx) + sh["url"])
    assert "revoked" in body and "scottish" not in body, body[:300]


def test_expired_link_stops_working_in_the_browser(ctx):
    sh = share(ctx, expires_in=1)
    time.sleep(2.1)
    body = text_of(ctx, base(ctx) + sh["url"])
    assert "expired" in body and "scottish" not in body, body[:300]
