"""Every link on every page leads somewhere.

A server holds the README's example data (two classification models and
their comparison, a speech model, evaluations of each, a bounty with a
submission).  Starting from the list pages, opened through a share link
for every page as a reader would, Chromium loads each page; every link it
finds (as the browser resolves it) is followed: HTML pages are loaded in
the browser and must answer 200, other links (JSON, CSV) are fetched and
must answer 200, and a link to a fragment must name an element of its
page.  Each page must also fit 1280 px, its wide tables scrolling inside
their frames with the first column kept in view."""
import os
import urllib.parse

import chrome
from harness import ROOT, Server

EX = os.path.join(ROOT, "examples")
MAX_PAGES = 120


def upload(s, key, path, file, ctype):
    with open(os.path.join(EX, file), "rb") as f:
        r = s.request("POST", path, f.read(), key=key, headers={"Content-Type": ctype})
    assert r.status == 201, (path, r)


def post(s, key, path, body):
    r = s.request("POST", path, body, key=key)
    assert r.status in (200, 201), (path, r)
    return r.json()


def setup():
    s = Server()
    key = s.admin_key
    ds = post(s, key, "/v1/datasets", {"name": "loan decisions", "task": "classification"})["id"]
    upload(s, key, f"/v1/datasets/{ds}/examples", "loans/truth.csv", "text/csv")
    ma = post(s, key, f"/v1/datasets/{ds}/models", {"name": "scorer", "version": "2024-06"})["id"]
    upload(s, key, f"/v1/models/{ma}/predictions", "loans/model-a.csv", "text/csv")
    mb = post(s, key, f"/v1/datasets/{ds}/models", {"name": "scorer", "version": "2024-09"})["id"]
    upload(s, key, f"/v1/models/{mb}/predictions", "loans/model-b.csv", "text/csv")
    for m in (ma, mb):
        post(s, key, f"/v1/models/{m}/evaluations",
             {"by": [["race"], ["race", "age"]], "bins": {"age": [25, 45]}})
    sp = post(s, key, "/v1/datasets", {"name": "read speech", "task": "asr"})["id"]
    upload(s, key, f"/v1/datasets/{sp}/examples", "speech/ref.trn", "text/x-trn")
    upload(s, key, f"/v1/datasets/{sp}/attributes", "speech/speakers.csv", "text/csv")
    mc = post(s, key, f"/v1/datasets/{sp}/models", {"name": "asr-v1"})["id"]
    upload(s, key, f"/v1/models/{mc}/predictions", "speech/hyp.trn", "text/x-trn")
    post(s, key, f"/v1/models/{mc}/evaluations", {"by": [["accent"]]})
    b = post(s, key, "/v1/bounties", {"model_id": ma, "metric": "fpr", "min_support": 30})["id"]
    hunter = s.key("hunter", "alice")
    r = s.request("POST", f"/v1/bounties/{b}/submissions",
                  {"group": "race = 'African-American' AND age < 25"}, key=hunter)
    assert r.status == 201, r
    share = post(s, key, "/v1/shares", {"scope": "all"})
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(share["url"]).query)["share"][0]
    return {"srv": s, "browser": chrome.Browser(), "token": token,
            "starts": [share["url"],
                       f"/v1/pages/datasets?share={token}",
                       f"/v1/pages/models?share={token}",
                       f"/v1/pages/bounties?share={token}",
                       f"/v1/models/{ma}/compare/{mb}/report?by=race&share={token}",
                       f"/v1/bounties/{b}/report?share={token}"]}


def teardown(ctx):
    ctx["browser"].close()


LINKS = "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
STATUS = "performance.getEntriesByType('navigation')[0].responseStatus"
CTYPE = "document.contentType"
# Tables wider than their frame scroll inside it, and their first column stays.
STICKY = """Array.from(document.querySelectorAll('.table-wrap')).filter(w =>
  w.scrollWidth > w.clientWidth).map(w => {
    const th = w.querySelector('tbody th');
    return th ? getComputedStyle(th).position : 'none'; })"""


def test_every_link_on_every_page_leads_somewhere(ctx):
    s, b = ctx["srv"], ctx["browser"]
    origin = f"http://{s.addr}"
    todo = [origin + u for u in ctx["starts"]]
    seen, pages, links, wide, broken = set(todo), 0, 0, 0, []
    while todo and pages < MAX_PAGES:
        url = todo.pop(0)
        parts = urllib.parse.urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        head = s.request("GET", path)
        if head.status != 200:
            broken.append(f"{url}: {head.status}")
            continue
        if not head.header("Content-Type").startswith("text/html"):
            continue
        page = b.open(url, width=1280)
        try:
            pages += 1
            status, ctype = page.eval(STATUS), page.eval(CTYPE)
            assert status == 200 and ctype == "text/html", (url, status, ctype)
            width = page.eval("document.documentElement.scrollWidth")
            assert width <= 1280, f"{url} is {width} px wide at 1280 px"
            for pos in page.eval(STICKY):
                wide += 1
                assert pos == "sticky", f"{url}: a wide table's first column is {pos}"
            for href in page.eval(LINKS):
                links += 1
                h = urllib.parse.urlsplit(href)
                if not href.startswith(origin):
                    broken.append(f"{url}: a link leaves the service: {href}")
                    continue
                if h.fragment and h.path == parts.path and h.query == parts.query:
                    found = page.eval(f"document.getElementById({h.fragment!r}) !== null")
                    if not found:
                        broken.append(f"{url}: #{h.fragment} names no element")
                    continue
                target = urllib.parse.urlunsplit(h._replace(fragment=""))
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        finally:
            page.close()
    assert not broken, "broken links:\n" + "\n".join(broken[:20])
    assert pages >= 10 and links >= 50, f"only {pages} pages and {links} links"
    assert wide >= 1, "no table wider than 1280 px: the sticky column went unchecked"
    print(f"# {pages} pages and {links} links followed, {len(seen)} distinct targets,"
          f" {wide} wide tables with a sticky first column")


def test_list_pages_name_what_they_list(ctx):
    origin, token = f"http://{ctx['srv'].addr}", ctx["token"]
    want = {"datasets": ["loan decisions", "read speech"],
            "models": ["scorer", "2024-06", "2024-09", "asr-v1", "loan decisions"],
            "evaluations": ["scorer", "asr-v1", "loan decisions", "read speech"],
            "bounties": ["scorer", "loan decisions"]}
    for kind, names in want.items():
        page = ctx["browser"].open(f"{origin}/v1/pages/{kind}?share={token}")
        try:
            text = page.eval("document.body.innerText")
        finally:
            page.close()
        missing = [n for n in names if n not in text]
        assert not missing, f"/v1/pages/{kind} does not name {missing}:\n{text[:600]}"
