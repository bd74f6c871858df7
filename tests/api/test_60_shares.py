"""Share links for browsers: signed, expiring, revocable, scoped; and the
browsable list pages."""
import time

from harness import Server, expect, eq


def setup():
    s = Server()
    key = s.key("analyst")
    ids = []
    for name in ("first", "second"):
        ds = s.request("POST", "/v1/datasets", {"name": name, "task": "classification"}, key=key).json()["id"]
        truth = "id,label,g\n" + "".join(f"{i},{i % 2},{'ab'[i % 2]}\n" for i in range(80))
        s.request("POST", f"/v1/datasets/{ds}/examples", truth.encode(), key=key,
                  headers={"Content-Type": "text/csv"})
        m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": f"model {name}"}, key=key).json()["id"]
        preds = "id,prediction\n" + "".join(f"{i},{(i // 3) % 2}\n" for i in range(80))
        s.request("POST", f"/v1/models/{m}/predictions", preds.encode(), key=key,
                  headers={"Content-Type": "text/csv"})
        ev = s.request("POST", f"/v1/models/{m}/evaluations", {"by": ["g"]}, key=key).json()
        ids.append(ev["id"])
    return {"srv": s, "key": key, "evals": ids, "hunter": s.key("hunter"), "viewer": s.key("viewer")}


def share(ctx, ev, **body):
    r = ctx["srv"].request("POST", f"/v1/evaluations/{ev}/shares", body, key=ctx["key"])
    eq(r.status, 201, f"create share {r}")
    return r.json()


def test_share_link_opens_only_its_report(ctx):
    s, (e1, e2) = ctx["srv"], ctx["evals"]
    sh = share(ctx, e1)
    expect(sh["url"].startswith(f"/v1/evaluations/{e1}/report?share="), sh["url"])
    r = s.request("GET", sh["url"])
    eq(r.status, 200, "report through the link")
    expect("model first" in r.body, "model name on the page")
    expect(f"share={sh['token']}" in r.body, "links on the page keep the token")
    eq(s.request("GET", f"/v1/evaluations/{e1}?share={sh['token']}").status, 200, "JSON through the link")
    eq(s.request("GET", f"/v1/evaluations/{e1}/report?format=csv&share={sh['token']}").status, 200, "CSV")
    eq(s.request("GET", f"/v1/evaluations/{e2}/report?share={sh['token']}").status, 403, "other report")
    eq(s.request("GET", f"/v1/pages/evaluations?share={sh['token']}").status, 403, "list pages")
    eq(s.request("GET", f"/v1/datasets?share={sh['token']}").status, 401, "API routes ignore share links")


def test_a_browser_without_a_share_link_is_told_how_to_get_one(ctx):
    s, e1 = ctx["srv"], ctx["evals"][0]
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    r = s.request("GET", f"/v1/evaluations/{e1}/report", headers=browser)
    eq(r.status, 401, f"no link {r}")
    expect(r.header("Content-Type").startswith("text/html"), r.header("Content-Type"))
    expect("share link" in r.body and "/v1/evaluations/{id}/shares" in r.body, r.body[:400])
    expect("Content-Security-Policy" in dict(r.headers), "the page's usual headers")
    for path in ("/v1/pages/datasets", f"/v1/evaluations/{e1}"):
        eq(s.request("GET", path, headers=browser).status, 401, path)
    # API clients keep problem+json
    r = s.request("GET", f"/v1/evaluations/{e1}/report")
    eq((r.status, r.header("Content-Type")), (401, "application/problem+json"), "JSON client")
    r = s.request("GET", "/v1/datasets", headers=browser)
    eq(r.header("Content-Type"), "application/problem+json", "an API route has no share links")


def test_tampered_and_unknown_tokens(ctx):
    s, e1 = ctx["srv"], ctx["evals"][0]
    tok = share(ctx, e1)["token"]
    sid, exp, mac = tok.split(".")
    bad = [f"{sid}.{int(exp) + 3600}.{mac}", f"{sid}.{exp}.{'0' * 32}", f"999999.{exp}.{mac}", "garbage",
           f"{sid}.{exp}.{mac[:-1]}"]
    for t in bad:
        eq(s.request("GET", f"/v1/evaluations/{e1}/report?share={t}").status, 401, f"token {t}")


def test_share_link_expires(ctx):
    s, e1 = ctx["srv"], ctx["evals"][0]
    sh = share(ctx, e1, expires_in=1)
    time.sleep(2.1)
    r = s.request("GET", sh["url"])
    eq(r.status, 403, "expired link")
    expect("expired" in r.json()["detail"], r.json()["detail"])
    eq(ctx["srv"].request("POST", f"/v1/evaluations/{e1}/shares", {"expires_in": 10 ** 9},
                          key=ctx["key"]).status, 422, "longer than 90 days")


def test_share_link_can_be_revoked(ctx):
    s, e1 = ctx["srv"], ctx["evals"][0]
    sh = share(ctx, e1)
    eq(s.request("GET", sh["url"]).status, 200, "before revocation")
    eq(s.request("DELETE", f"/v1/shares/{sh['id']}", key=ctx["key"]).status, 200, "revoke")
    r = s.request("GET", sh["url"])
    eq(r.status, 403, "after revocation")
    expect("revoked" in r.json()["detail"], r.json()["detail"])
    eq(s.request("DELETE", f"/v1/shares/{sh['id']}", key=ctx["key"]).status, 404, "revoke twice")
    listed = s.request("GET", "/v1/shares", key=ctx["key"]).json()["shares"]
    expect(any(x["id"] == sh["id"] and x["revoked_at"] for x in listed), "listed as revoked")
    expect(all("token" not in x for x in listed), "tokens are shown once, never listed")


def test_only_analysts_make_share_links(ctx):
    s, e1 = ctx["srv"], ctx["evals"][0]
    for role in ("hunter", "viewer"):
        eq(s.request("POST", f"/v1/evaluations/{e1}/shares", {}, key=ctx[role]).status, 403, role)
        eq(s.request("POST", "/v1/shares", {}, key=ctx[role]).status, 403, role)
    eq(s.request("POST", f"/v1/evaluations/{e1}/shares", {}).status, 401, "no key")
    eq(s.request("POST", "/v1/evaluations/987654/shares", {}, key=ctx["key"]).status, 404, "missing evaluation")


def test_browse_pages_with_an_all_link(ctx):
    s = ctx["srv"]
    r = s.request("POST", "/v1/shares", {"scope": "all", "expires_in": 600}, key=ctx["key"])
    eq(r.status, 201, f"all link {r}")
    tok = r.json()["token"]
    page = s.request("GET", f"/v1/pages/datasets?share={tok}")
    eq(page.status, 200, "datasets page")
    expect("first" in page.body and "second" in page.body, "datasets listed")
    expect(f"/v1/pages/models?dataset=" in page.body and f"share={tok}" in page.body, "links carry the token")
    page = s.request("GET", f"/v1/pages/evaluations?share={tok}")
    eq(page.status, 200, "evaluations page")
    for e in ctx["evals"]:
        expect(f"/v1/evaluations/{e}/report?share={tok}" in page.body, f"evaluation {e} linked")
    expect("model first" in page.body and "model second" in page.body, "models shown by name")
    eq(s.request("GET", f"/v1/evaluations/{ctx['evals'][1]}/report?share={tok}").status, 200,
       "an all link opens every report")
    for name in ("datasets", "models", "evaluations", "bounties"):
        expect(f'href="/v1/pages/{name}?share={tok}"' in page.body or name == "evaluations",
               f"navigation to the {name} page keeps the token")
    eq(s.request("GET", f"/v1/pages/bounties?share={tok}").status, 200, "bounties page")
    eq(s.request("GET", "/v1/pages/models", key=ctx["viewer"]).status, 200, "pages with a key")
    lst = s.request("GET", "/v1/evaluations", key=ctx["viewer"]).json()["evaluations"]
    eq(sorted(x["id"] for x in lst)[-2:], sorted(ctx["evals"]), "evaluation list")
