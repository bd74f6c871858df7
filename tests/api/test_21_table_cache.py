"""The table cache (server/tablecache.h): an evaluation run again gets the
same numbers from the cached table; whatever changes the data (new
predictions, here or through another server process on the same database,
a new attribute) is seen at once; with FAIRAUDIT_TABLE_CACHE_MB=0 nothing
is cached.  Which path a load took is read from the server's log line."""
import json

from harness import Server, eq, expect
from test_20_evaluations import binary_data

BY = {"by": [["accent"], ["accent", "gender"]]}


def setup():
    s = Server()
    key = s.key("analyst")
    truth, preds, rows = binary_data(seed=21, n=2000)
    ds, m = s.upload_model(key, "cached", "classification", truth, preds)
    return {"srv": s, "key": key, "ds": ds, "model": m, "truth": truth, "rows": rows}


def loads(srv):
    """How each evaluation so far was loaded, in order."""
    out = []
    for line in open(srv.log_path):
        if "rows loaded in" in line:
            out.append("cache" if "from the table cache" in line else "db")
    return out


def evaluate(srv, key, model):
    r = srv.request("POST", f"/v1/models/{model}/evaluations", BY, key=key)
    eq(r.status, 201, f"evaluation {r}")
    return r.json()


def numbers(ev):
    return json.dumps(ev["groupings"], sort_keys=True)


def counts(ev):
    return {tuple(c["attributes"].values()):
            (c["n"], {k: c["metrics"][k]["value"] for k in ("tp", "fp", "tn", "fn")})
            for g in ev["groupings"] if g["by"] == ["accent"] for c in g["cohorts"]}


def test_again_from_the_cache_with_the_same_numbers(ctx):
    s, key, m = ctx["srv"], ctx["key"], ctx["model"]
    before = len(loads(s))
    a = evaluate(s, key, m)
    b = evaluate(s, key, m)
    eq(loads(s)[before:], ["db", "cache"] if before == 0 else ["cache", "cache"],
       "the first load reads PostgreSQL, the next the cache")
    eq(numbers(a), numbers(b), "the same numbers")


def new_predictions(rows, flip):
    """Every prediction of the rows whose index is in flip reversed."""
    lines = ["id,prediction"]
    for i, (_a, _g, _label, pred) in enumerate(rows):
        lines.append(f"x{i},{1 - pred if i in flip else pred}")
    return "\n".join(lines) + "\n"


def upload(srv, key, model, body):
    r = srv.request("POST", f"/v1/models/{model}/predictions?replace=true", body.encode(), key=key,
                    headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"predictions {r}")


def test_new_predictions_are_seen_here_and_from_another_server(ctx):
    s, key, m, rows = ctx["srv"], ctx["key"], ctx["model"], ctx["rows"]
    old = counts(evaluate(s, key, m))
    upload(s, key, m, new_predictions(rows, set(range(0, 2000, 3))))
    mid = counts(evaluate(s, key, m))
    expect(mid != old, "new predictions change the counts")
    eq(loads(s)[-1], "db", "an upload here drops the cached table")
    evaluate(s, key, m)
    eq(loads(s)[-1], "cache", "then cached again")
    other = Server(database=(s.dbname, s.url))
    try:
        upload(other, key, m, new_predictions(rows, set(range(1, 2000, 2))))
    finally:
        other.stop()
    late = counts(evaluate(s, key, m))
    eq(loads(s)[-1], "db", "another server's upload changes the key")
    expect(late != mid and late != old, "and its predictions are the ones evaluated")
    # the counts match the predictions now stored, row by row
    flip = set(range(1, 2000, 2))
    want = {}
    for i, (accent, _g, label, pred) in enumerate(rows):
        p = 1 - pred if i in flip else pred
        n, c = want.get((accent,), (0, {"tp": 0, "fp": 0, "tn": 0, "fn": 0}))
        k = ("tp" if p else "fn") if label else ("fp" if p else "tn")
        c[k] += 1
        want[(accent,)] = (n + 1, c)
    for coh, (n, c) in want.items():
        eq(late[coh][0], n, f"{coh} n")
        for k in c:
            eq(late[coh][1][k], c[k], f"{coh} {k}")


def test_a_new_attribute_is_seen(ctx):
    s, key, ds, m = ctx["srv"], ctx["key"], ctx["ds"], ctx["model"]
    evaluate(s, key, m)
    body = "id,region\n" + "".join(f"x{i},{'north' if i % 2 else 'south'}\n"
                                   for i in range(2000))
    r = s.request("POST", f"/v1/datasets/{ds}/attributes", body.encode(), key=key,
                  headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"attributes {r}")
    r = s.request("POST", f"/v1/models/{m}/evaluations", {"by": [["region"]]}, key=key)
    eq(r.status, 201, f"evaluation by the new attribute {r}")
    eq(loads(s)[-1], "db", "the new attribute is read from PostgreSQL")
    got = sorted(c["attributes"]["region"] for c in r.json()["groupings"][0]["cohorts"])
    eq(got, ["north", "south"], "its cohorts")


def test_no_cache_when_turned_off(ctx):
    s, key, m = ctx["srv"], ctx["key"], ctx["model"]
    off = Server(extra_env={"FAIRAUDIT_TABLE_CACHE_MB": "0"}, database=(s.dbname, s.url))
    try:
        a = evaluate(off, key, m)
        b = evaluate(off, key, m)
        eq(loads(off), ["db", "db"], "every load reads PostgreSQL")
        eq(numbers(a), numbers(b), "the same numbers")
        eq(numbers(a), numbers(evaluate(s, key, m)), "as the caching server's")
    finally:
        off.stop()
