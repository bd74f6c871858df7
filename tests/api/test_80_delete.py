"""DELETE of datasets, models, evaluations and bounties: all or nothing,
refused with 409 while a bounty that is not closed depends on the object,
and the share links of deleted evaluations stop working."""
import random

from harness import Server, eq, expect, psql

CSV = "text/csv"


def csv_of(header, rows):
    return "\n".join([",".join(header)] + [",".join(map(str, r)) for r in rows]) + "\n"


def dataset(ctx, n=400, name="to delete"):
    """A classification dataset with one model and its predictions."""
    s, key = ctx["srv"], ctx["key"]
    rng = random.Random(5)      # fixed: the test draws no random outcome
    rows = [(f"e{i}", rng.randint(0, 1), rng.choice("abcd")) for i in range(n)]
    ds = s.request("POST", "/v1/datasets", {"name": name, "task": "classification"},
                   key=key).json()["id"]
    r = s.request("POST", f"/v1/datasets/{ds}/examples", csv_of(["id", "label", "g"], rows).encode(),
                  key=key, headers={"Content-Type": CSV})
    eq(r.status, 201, f"examples {r}")
    m = model(ctx, ds, rows)
    return ds, m, rows


def model(ctx, ds, rows, flip=0.2):
    s, key = ctx["srv"], ctx["key"]
    rng = random.Random(ds * 7 + 1)
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=key).json()["id"]
    preds = [(i, 1 - y if rng.random() < flip else y) for i, y, _ in rows]
    r = s.request("POST", f"/v1/models/{m}/predictions", csv_of(["id", "prediction"], preds).encode(),
                  key=key, headers={"Content-Type": CSV})
    eq(r.status, 201, f"predictions {r}")
    return m


def evaluate(ctx, m):
    r = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations", {"by": [["g"]]}, key=ctx["key"])
    eq(r.status, 201, f"evaluation {r}")
    return r.json()["id"]


def table_exists(ctx, name):
    out = psql(f"SELECT to_regclass('{name}') IS NOT NULL", ctx["srv"].dbname).strip()
    return out.endswith("t")


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst"), "viewer": s.key("viewer"),
            "hunter": s.key("hunter", "hana")}


def test_an_evaluation_goes_and_its_share_links_stop_working(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds, m, _ = dataset(ctx)
    e = evaluate(ctx, m)
    sh = s.request("POST", f"/v1/evaluations/{e}/shares", {}, key=key).json()
    eq(s.request("GET", sh["url"]).status, 200, "the link works")
    for who in ("viewer", "hunter"):
        eq(s.request("DELETE", f"/v1/evaluations/{e}", key=ctx[who]).status, 403, f"{who} may not")
    r = s.request("DELETE", f"/v1/evaluations/{e}", key=key)
    eq(r.status, 200, f"delete {r}")
    eq(r.json(), {"id": e, "kind": "evaluation", "deleted": True,
                  "removed": {"models": 0, "evaluations": 1, "bounties": 0, "shares_revoked": 1}},
       "what was removed")
    eq(s.request("GET", f"/v1/evaluations/{e}", key=key).status, 404, "gone")
    r = s.request("GET", sh["url"])
    eq(r.status, 403, f"the link after deletion {r}")
    eq(s.request("DELETE", f"/v1/evaluations/{e}", key=key).status, 404, "deleting twice")
    eq(s.request("GET", f"/v1/models/{m}", key=key).status, 200, "the model stays")


def test_a_model_goes_with_its_predictions_and_evaluations(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds, m, rows = dataset(ctx)
    keep = model(ctx, ds, rows, flip=0.1)
    e1, e2, ek = evaluate(ctx, m), evaluate(ctx, m), evaluate(ctx, keep)
    expect(table_exists(ctx, f"predictions_{m}"), "partition before")
    r = s.request("DELETE", f"/v1/models/{m}", key=key)
    eq(r.status, 200, f"delete {r}")
    eq(r.json()["removed"], {"models": 1, "evaluations": 2, "bounties": 0, "shares_revoked": 0},
       "removed")
    expect(not table_exists(ctx, f"predictions_{m}"), "the predictions' partition is dropped")
    for path in (f"/v1/models/{m}", f"/v1/evaluations/{e1}", f"/v1/evaluations/{e2}",
                 f"/v1/models/{m}/predictions"):
        eq(s.request("GET", path, key=key).status, 404, path)
    eq(s.request("GET", f"/v1/evaluations/{ek}", key=key).status, 200, "another model's stays")
    eq(s.request("GET", f"/v1/datasets/{ds}", key=key).json()["examples"], len(rows), "examples stay")
    listed = [x["id"] for x in s.request("GET", f"/v1/datasets/{ds}/models", key=key).json()["models"]]
    eq(listed, [keep], "the list of models")


def test_a_dataset_goes_with_everything_on_it(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds, m, rows = dataset(ctx)
    m2 = model(ctx, ds, rows, flip=0.3)
    evaluate(ctx, m)
    e2 = evaluate(ctx, m2)
    sh = s.request("POST", f"/v1/evaluations/{e2}/shares", {}, key=key).json()
    other, om, _ = dataset(ctx, name="stays")
    r = s.request("DELETE", f"/v1/datasets/{ds}", key=key)
    eq(r.status, 200, f"delete {r}")
    eq(r.json()["removed"], {"models": 2, "evaluations": 2, "bounties": 0, "shares_revoked": 1},
       "removed")
    for t in (f"examples_{ds}", f"predictions_{m}", f"predictions_{m2}"):
        expect(not table_exists(ctx, t), f"{t} is dropped")
    eq(s.request("GET", f"/v1/datasets/{ds}", key=key).status, 404, "gone")
    eq(s.request("GET", f"/v1/models/{m2}", key=key).status, 404, "its model is gone")
    eq(s.request("GET", sh["url"]).status, 403, "its share link stops working")
    eq(s.request("GET", f"/v1/datasets/{other}", key=key).status, 200, "another dataset stays")
    expect(table_exists(ctx, f"examples_{other}"), "and its examples")
    eq(s.request("DELETE", f"/v1/datasets/{ds}", key=key).status, 404, "deleting twice")


def test_open_bounties_hold_what_they_use(ctx):
    s, key = ctx["srv"], ctx["key"]
    ds, m, rows = dataset(ctx, n=600)
    h = model(ctx, ds, rows, flip=0.05)
    b = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate",
                                           "min_support": 10}, key=key)
    eq(b.status, 201, f"bounty {b}")
    b = b.json()["id"]
    r = s.request("POST", f"/v1/bounties/{b}/submissions", {"group": "g = 'a'", "model_id": h},
                  key=ctx["hunter"])
    eq(r.status, 201, f"submission with an h model {r}")
    for path in (f"/v1/datasets/{ds}", f"/v1/models/{m}", f"/v1/bounties/{b}"):
        r = s.request("DELETE", path, key=key)
        eq(r.status, 409, f"{path} while the bounty is open: {r}")
        expect(f"bounty {b}" in r.json()["detail"] and "close" in r.json()["detail"],
               r.json()["detail"])
    r = s.request("DELETE", f"/v1/models/{h}", key=key)
    eq(r.status, 409, f"the h model {r}")
    expect("submitted as an h" in r.json()["detail"], r.json()["detail"])
    eq(s.request("GET", f"/v1/bounties/{b}", key=key).status, 200, "nothing changed")
    eq(s.request("POST", f"/v1/bounties/{b}/close", {}, key=key).status, 200, "close")
    eq(s.request("DELETE", f"/v1/models/{h}", key=key).status, 409,
       "the h model stays while the closed bounty's record names it")
    r = s.request("DELETE", f"/v1/bounties/{b}", key=key)
    eq(r.status, 200, f"a closed bounty goes {r}")
    eq(s.request("GET", f"/v1/bounties/{b}", key=key).status, 404, "gone")
    eq(s.request("DELETE", f"/v1/models/{h}", key=key).status, 200, "now the h model goes")
    # A closed bounty on a model goes with the model.
    b2 = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate",
                                            "min_support": 10}, key=key).json()["id"]
    eq(s.request("POST", f"/v1/bounties/{b2}/close", {}, key=key).status, 200, "close b2")
    r = s.request("DELETE", f"/v1/models/{m}", key=key)
    eq((r.status, r.json()["removed"]["bounties"]), (200, 1), f"model with its bounty {r}")
    eq(s.request("GET", f"/v1/bounties/{b2}", key=key).status, 404, "the bounty went with it")


def test_all_or_nothing(ctx):
    """A deletion that fails at its last step changes nothing."""
    s, key = ctx["srv"], ctx["key"]
    ds, m, rows = dataset(ctx)
    e = evaluate(ctx, m)
    sh = s.request("POST", f"/v1/evaluations/{e}/shares", {}, key=key).json()
    db = s.dbname
    psql("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
         " $$BEGIN RAISE EXCEPTION 'refused by the test'; END$$;"
         " CREATE TRIGGER refuse BEFORE DELETE ON datasets FOR EACH ROW"
         " EXECUTE FUNCTION refuse();", db)
    try:
        r = s.request("DELETE", f"/v1/datasets/{ds}", key=key)
        eq(r.status, 500, f"the failed deletion {r}")
    finally:
        psql("DROP TRIGGER refuse ON datasets; DROP FUNCTION refuse();", db)
    for t in (f"examples_{ds}", f"predictions_{m}"):
        expect(table_exists(ctx, t), f"{t} is still there")
    eq(s.request("GET", f"/v1/evaluations/{e}", key=key).status, 200, "the evaluation stays")
    eq(s.request("GET", sh["url"]).status, 200, "its share link still works")
    got = s.request("GET", f"/v1/datasets/{ds}/examples", key=key).body.count("\n")
    eq(got, len(rows) + 1, "every example is still there")
    eq(s.request("DELETE", f"/v1/datasets/{ds}", key=key).status, 200, "then it goes")
