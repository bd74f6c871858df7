"""Uploads: formats, all-or-nothing refusal of bad input with row, column
and reason, re-upload rules."""
import json

from harness import Server, expect, eq, psql

CSV = "text/csv"
NDJSON = "application/x-ndjson"
JSON = "application/json"


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst")}


def dataset(ctx, task="classification", **extra):
    body = {"name": "d", "task": task, **extra}
    r = ctx["srv"].request("POST", "/v1/datasets", body, key=ctx["key"])
    eq(r.status, 201, "create dataset")
    return r.json()["id"]


def model(ctx, ds):
    return ctx["srv"].request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=ctx["key"]).json()["id"]


def upload(ctx, path, body, ctype=CSV):
    return ctx["srv"].request("POST", path, body.encode() if isinstance(body, str) else body,
                              key=ctx["key"], headers={"Content-Type": ctype})


def stored_examples(ctx, ds):
    return int(psql(f"SELECT count(*) FROM examples WHERE dataset_id = {ds}", db=ctx["srv"].dbname))


def test_csv_rfc4180_quoting_crlf_bom(ctx):
    ds = dataset(ctx)
    body = ('\ufeffid,label,"city, region",note\r\n'
            '1,1,"Glasgow, Scotland","said ""aye"""\r\n'
            '2,0,"Leeds\nWest Yorkshire",plain\r\n'
            '3,1,Cardiff,\r\n')
    r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
    eq(r.status, 201, f"upload {r}")
    eq(r.json()["rows"], 3, "rows")
    d = ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()
    eq(d["attributes"], ["city, region", "note"], "attribute names")
    vals = psql(f"SELECT value FROM attribute_values WHERE dataset_id = {ds} ORDER BY attr, code",
                db=ctx["srv"].dbname)
    expect("Glasgow, Scotland" in vals and 'said "aye"' in vals and "Leeds\nWest Yorkshire" in vals,
           f"values round-trip: {vals!r}")


def test_ndjson_and_json_array(ctx):
    ds = dataset(ctx, task="regression")
    body = '{"id": "a", "label": 1.5, "region": "north"}\n\n{"id": "b", "label": -2, "region": null}\n'
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", body, NDJSON).status, 201, "ndjson")
    m = model(ctx, ds)
    body = json.dumps([{"id": "a", "prediction": 1.0}, {"id": "b", "prediction": -1.25}])
    r = upload(ctx, f"/v1/models/{m}/predictions", body, JSON)
    eq(r.status, 201, f"json array {r}")
    eq(psql(f"SELECT label_num FROM examples WHERE dataset_id = {ds} ORDER BY ord",
            db=ctx["srv"].dbname).split(), ["1.5", "-2"], "numbers")


BAD_EXAMPLES = [
    # (body, row, column, words expected in the reason)
    ("id,label,g\n1,1,a\n1,0,b\n", 3, "id", "duplicate"),
    ("label,g\n1,a\n", None, "id", "id"),
    ("id,label,g\n,1,a\n", 2, "id", "missing"),
    ("id,label,g\n1,1,a\n2,0\n", 3, None, "field"),
    ("id,label,g,g\n1,1,a,b\n", 1, "g", "duplicate"),
    ("id,label,g\n1,1,\xff\xfe\n", 2, "g", "UTF-8"),
    ('id,label,g\n1,1,"open\n', 2, None, "quote"),
]


def test_bad_examples_refused_with_row_column_reason(ctx):
    for body, row, col, word in BAD_EXAMPLES:
        ds = dataset(ctx)
        raw = body.encode("latin-1") if "\xff" in body else body.encode()
        r = upload(ctx, f"/v1/datasets/{ds}/examples", raw)
        eq(r.status, 422, f"{body!r}: {r}")
        eq(r.header("Content-Type"), "application/problem+json", "problem type")
        errs = r.json()["errors"]
        expect(errs, f"{body!r}: no errors listed")
        e = errs[0]
        if row is not None:
            eq(e["row"], row, f"{body!r} row")
        if col is not None:
            eq(e["column"], col, f"{body!r} column")
        expect(word.lower() in e["reason"].lower(), f"{body!r}: reason {e['reason']!r} lacks {word!r}")
        eq(stored_examples(ctx, ds), 0, f"{body!r}: something was stored")
        eq(ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()["examples"], 0, "count")


def test_bad_labels_per_task(ctx):
    cases = [
        ("score", "id,label\n1,1\n2,0\n3,maybe\n", 4, "label"),
        ("regression", "id,label\n1,1.5\n2,abc\n", 3, "label"),
        ("classification", "id,label\n1,\n", 2, "label"),
    ]
    for task, body, row, col in cases:
        ds = dataset(ctx, task=task)
        r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
        eq(r.status, 422, f"{task} {body!r}")
        e = r.json()["errors"][0]
        eq((e["row"], e["column"]), (row, col), f"{task} error position")


def test_many_errors_are_capped_at_100_and_counted(ctx):
    ds = dataset(ctx, task="regression")
    body = "id,label\n" + "".join(f"{i},x{i}\n" for i in range(250))
    r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
    eq(r.status, 422, "status")
    eq(len(r.json()["errors"]), 100, "listed")
    eq(r.json()["error_count"], 250, "counted")


def test_examples_are_uploaded_once(ctx):
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\n1,1\n").status, 201, "first")
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\n2,1\n")
    eq(r.status, 409, "second")
    eq(stored_examples(ctx, ds), 1, "first upload intact")


def test_predictions_rules(ctx):
    ds = dataset(ctx, task="score")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label,g\na,1,x\nb,0,y\nc,1,x\n").status, 201, "truth")
    m = model(ctx, ds)
    path = f"/v1/models/{m}/predictions"
    cases = [
        ("id,prediction\na,0.9\nb,0.1\nzz,0.5\nc,0.4\n", 4, "id", "unknown"),
        ("id,prediction\na,0.9\nb,0.1\n", None, "id", "no prediction"),
        ("id,prediction\na,0.9\nb,1.5\nc,0.2\n", 3, "prediction", ""),
        ("id,prediction\na,0.9\na,0.1\nc,0.2\n", 3, "id", "duplicate"),
        ("id,prediction,extra\na,0.9,1\nb,0.1,1\nc,0.2,1\n", 1, "extra", ""),
    ]
    for body, row, col, word in cases:
        r = upload(ctx, path, body)
        eq(r.status, 422, f"{body!r}: {r}")
        e = r.json()["errors"][0]
        eq(e["row"], row, f"{body!r} row")
        eq(e["column"], col, f"{body!r} column")
        expect(word in e["reason"], f"reason {e['reason']!r}")
        eq(int(psql(f"SELECT count(*) FROM predictions WHERE model_id = {m}", db=ctx["srv"].dbname)), 0,
           "nothing stored")
    good = "id,prediction\na,0.9\nb,0.1\nc,0.4\n"
    eq(upload(ctx, path, good).status, 201, "good predictions")
    eq(upload(ctx, path, good).status, 409, "re-upload without replace")
    eq(upload(ctx, path + "?replace=true", "id,prediction\na,0.8\nb,0.2\nc,0.3\n").status, 201, "replace")
    eq(psql(f"SELECT prediction_num FROM predictions WHERE model_id = {m} ORDER BY ord",
            db=ctx["srv"].dbname).split(), ["0.8", "0.2", "0.3"], "replaced values")
    r = upload(ctx, path + "?replace=true", "id,prediction\na,0.8\n")
    eq(r.status, 422, "bad replacement")
    eq(psql(f"SELECT count(*) FROM predictions WHERE model_id = {m}", db=ctx["srv"].dbname).strip(), "3",
       "failed replacement keeps the old predictions")


def test_unsupported_content_type(ctx):
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "x", "application/xml").status, 415, "xml")
    eq(ctx["srv"].request("POST", f"/v1/datasets/{ds}/examples", "id,label\n1,1\n",
                          key=ctx["key"]).status, 415, "no content type")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "a b (x-1)\n", "text/x-trn").status, 415, "trn for classification")


def test_upload_to_missing_owner(ctx):
    eq(upload(ctx, "/v1/datasets/99999/examples", "id,label\n1,1\n").status, 404, "dataset")
    eq(upload(ctx, "/v1/models/99999/predictions", "id,prediction\n1,1\n").status, 404, "model")


def test_large_upload_streams(ctx):
    ds = dataset(ctx)
    n = 200000
    body = "id,label,accent\n" + "".join(f"u{i},{i % 2},a{i % 20}\n" for i in range(n))
    r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
    eq(r.status, 201, f"large upload {r}")
    eq(r.json()["rows"], n, "rows")
    m = model(ctx, ds)
    body = "id,prediction\n" + "".join(f"u{i},{(i // 3) % 2}\n" for i in range(n))
    eq(upload(ctx, f"/v1/models/{m}/predictions", body).status, 201, "large predictions")
    metrics = ctx["srv"].request("GET", "/metrics").body
    expect(f'fairaudit_rows_ingested_total{{kind="examples"}}' in metrics, "rows metric")


def test_numbers_stored_as_parsed(ctx):
    ds = dataset(ctx, task="score")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,0\nc,1\n").status, 201, "truth")
    m = model(ctx, ds)
    r = upload(ctx, f"/v1/models/{m}/predictions", "id,prediction\na,1e-400\nb,.25\nc,1.0E0\n")
    eq(r.status, 201, f"underflow, leading dot and exponent accepted {r}")
    eq(psql(f"SELECT prediction_num FROM predictions WHERE model_id = {m} ORDER BY ord",
            db=ctx["srv"].dbname).split(), ["0", "0.25", "1"], "values as parsed")


def test_prediction_ids_found_alike_from_the_upload_and_the_database(ctx):
    """The first prediction uploads look their ids up in the index the
    examples upload built; a second server on the same database reads the
    ids from PostgreSQL.  Both take the same bodies the same way - in
    order, shuffled, and with unknown, duplicate and missing ids - and
    store each prediction at its own example."""
    import random
    n = 3000
    ds = dataset(ctx)
    truth = "id,label\n" + "".join(f"x{i},{i % 2}\n" for i in range(n))
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", truth).status, 201, "examples")
    ids = [f"x{i}" for i in range(n)]
    shuffled = ids[:]
    random.Random(7).shuffle(shuffled)  # fixed seed: the same order every run
    # the prediction of x<i> is i % 3 == 0, so every stored row can be checked
    in_order = "id,prediction\n" + "".join(f"{i},{int(i[1:]) % 3 == 0:d}\n" for i in ids)
    mixed = "id,prediction\n" + "".join(f"{i},{int(i[1:]) % 3 == 0:d}\n" for i in shuffled)
    bad = ("id,prediction\n" + "".join(f"{i},1\n" for i in shuffled[:1000]) + "nope,1\n"
           + f"{shuffled[5]},0\n" + "".join(f"{i},0\n" for i in shuffled[1000:-2]))
    other = Server(database=(ctx["srv"].dbname, ctx["srv"].url))
    try:
        okey = other.key("analyst", "second server")
        for srv, key, what in ((ctx["srv"], ctx["key"], "uploading server"),
                               (other, okey, "second server")):
            for body, name in ((in_order, "in order"), (mixed, "shuffled")):
                m = srv.request("POST", f"/v1/datasets/{ds}/models", {"name": name},
                                key=key).json()["id"]
                r = srv.request("POST", f"/v1/models/{m}/predictions", body.encode(), key=key,
                                headers={"Content-Type": CSV})
                eq(r.status, 201, f"{what}, {name}: {r}")
                wrong = psql("SELECT count(*) FROM examples e JOIN predictions p ON p.ord = e.ord"
                             f" WHERE e.dataset_id = {ds} AND p.model_id = {m} AND p.prediction <>"
                             " (CASE WHEN substr(e.ext_id, 2)::int % 3 = 0 THEN '1' ELSE '0' END)",
                             db=ctx["srv"].dbname).strip()
                eq(wrong, "0", f"{what}, {name}: every prediction at its example")
            m = srv.request("POST", f"/v1/datasets/{ds}/models", {"name": "bad"},
                            key=key).json()["id"]
            r = srv.request("POST", f"/v1/models/{m}/predictions", bad.encode(), key=key,
                            headers={"Content-Type": CSV})
            eq(r.status, 422, f"{what}: bad ids")
            got = [(e["row"], e["column"], e["reason"]) for e in r.json()["errors"]]
            eq(got[0], (1002, "id", 'unknown example id "nope" (the dataset has no example with it)'),
               f"{what}: unknown id")
            eq(got[1][:2], (1003, "id"), f"{what}: duplicate id")
            expect("duplicate" in got[1][2], f"{what}: {got[1]}")
            missing = sorted(int(i[1:]) + 1 for i in shuffled[-2:])
            eq([g[0] for g in got[2:]], [None, None], f"{what}: two examples without a prediction")
            for g, ex in zip(got[2:], missing):
                expect(f"example {ex} of the dataset" in g[2], f"{what}: {g}")
            if srv is ctx["srv"]:
                first_bad = got
            else:
                eq(got, first_bad, "the same errors from either server")
    finally:
        other.stop()
