"""Integrity of what is stored: every end-of-input state of an upload, label
domains declared at dataset creation, and refusals that summarise the whole
upload.  Each defect found is replayed as it was reported."""
from harness import Server, expect, eq, psql

CSV = "text/csv"


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst")}


def create(ctx, task="classification", **extra):
    r = ctx["srv"].request("POST", "/v1/datasets", {"name": "d", "task": task, **extra},
                           key=ctx["key"])
    return r


def dataset(ctx, task="classification", **extra):
    r = create(ctx, task, **extra)
    eq(r.status, 201, f"create dataset {r}")
    return r.json()["id"]


def model(ctx, ds):
    r = ctx["srv"].request("POST", f"/v1/datasets/{ds}/models", {"name": "m"}, key=ctx["key"])
    eq(r.status, 201, f"create model {r}")
    return r.json()["id"]


def upload(ctx, path, body, ctype=CSV):
    return ctx["srv"].request("POST", path, body.encode() if isinstance(body, str) else body,
                              key=ctx["key"], headers={"Content-Type": ctype})


def sql(ctx, q):
    return psql(q, db=ctx["srv"].dbname)


def alive(ctx):
    eq(ctx["srv"].request("GET", "/healthz").status, 200, "server alive")
    expect(ctx["srv"].proc.poll() is None, "server process still running")


# ---- 1. CSV end of input ----

def test_header_ending_in_a_comma_is_refused_not_a_crash(ctx):
    ds = dataset(ctx)
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,")
    eq(r.status, 422, f"header 'id,' {r}")
    errs = r.json()["errors"]
    eq(errs[0]["row"], 1, "row")
    expect("empty name" in errs[0]["reason"], f"reason: {errs}")
    alive(ctx)


def test_prediction_ending_after_a_comma_is_missing_not_the_id(ctx):
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\nu1,1\nu2,0\n").status, 201, "examples")
    m = model(ctx, ds)
    for body in ("id,prediction\nu1,1\nu2,", "id,prediction\nu1,1\nu2,\n"):
        r = upload(ctx, f"/v1/models/{m}/predictions", body)
        eq(r.status, 422, f"{body!r}: {r}")
        e = r.json()["errors"][0]
        eq((e["row"], e["column"], e["reason"]), (3, "prediction", "missing prediction"), f"{body!r}")
    eq(sql(ctx, f"SELECT count(*) FROM predictions WHERE model_id = {m}").strip(), "0",
       "nothing stored")


def test_attribute_ending_after_a_comma_is_missing_with_or_without_newline(ctx):
    stored = []
    for body in ("id,label,race\nu1,1,x\nu2,0,", "id,label,race\nu1,1,x\nu2,0,\n"):
        ds = dataset(ctx)
        r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
        eq(r.status, 201, f"{body!r}: {r}")
        stored.append(sql(ctx, f"SELECT e.ext_id, e.label, v.value FROM examples e"
                               f" JOIN attribute_values v ON v.dataset_id = e.dataset_id"
                               f" AND v.attr = 0 AND v.code = e.attrs::int"
                               f" WHERE e.dataset_id = {ds} ORDER BY e.ord"))
    eq(stored[0], stored[1], "same rows with and without a final newline")
    expect("u2|0|0" not in stored[0] and stored[0].splitlines()[1] == "u2|0|",
           f"race of u2 is missing, not the label: {stored[0]!r}")


def test_every_end_of_input_state_is_answered(ctx):
    ds = dataset(ctx)
    bodies = ["", "\ufeff", "id,label\n", "id,label\n1,\"", "id,label\n1,\"1\"",
              "id,label\r", "id,label\n1,1\r", "id,\"", ",", "\"", "id,label\n1,1,"]
    for body in bodies:
        r = upload(ctx, f"/v1/datasets/{ds}/examples", body)
        if r.status == 201:
            expect(body in ("id,label\n1,\"1\"", "id,label\n1,1\r"), f"{body!r} accepted: {r}")
            ds = dataset(ctx)
        else:
            eq(r.status, 422, f"{body!r}: {r}")
            expect(r.json()["errors"], f"{body!r} names its errors")
    alive(ctx)


# ---- 2. label domains ----

def test_binary_label_typos_are_refused_with_row_column_and_domain(ctx):
    ds = dataset(ctx)
    d = ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()
    eq((d["positive_label"], d["negative_label"], d["labels_declared"]), ("1", "0", True), "defaults")
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,l\nc,0\nd,yes\n")
    eq(r.status, 422, f"typos {r}")
    errs = r.json()["errors"]
    eq([(e["row"], e["column"]) for e in errs], [(3, "label"), (5, "label")], "rows and columns")
    eq(errs[0]["reason"], 'label "l" is not one of the dataset\'s labels "1" (positive) and "0" (negative)',
       "reason")
    eq(sql(ctx, f"SELECT count(*) FROM examples WHERE dataset_id = {ds}").strip(), "0", "nothing stored")


def test_binary_prediction_typos_are_refused(ctx):
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,0\n").status, 201, "examples")
    m = model(ctx, ds)
    r = upload(ctx, f"/v1/models/{m}/predictions", "id,prediction\na,1\nb,O\n")
    eq(r.status, 422, f"O for 0 {r}")
    e = r.json()["errors"][0]
    eq((e["row"], e["column"]), (3, "prediction"), "where")
    expect('prediction "O" is not one of' in e["reason"], e["reason"])


def test_numeric_spellings_are_stored_as_the_declared_label(ctx):
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1.0\nb,0e0\nc,1\n").status, 201, "upload")
    eq(sql(ctx, f"SELECT string_agg(label, ',' ORDER BY ord) FROM examples WHERE dataset_id = {ds}").strip(),
       "1,0,1", "canonical spelling")


def test_declared_binary_labels_other_than_0_and_1(ctx):
    ds = dataset(ctx, positive_label="approved", negative_label="denied")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,approved\nb,denied\n").status, 201, "ok")
    ds = dataset(ctx, positive_label="approved", negative_label="denied")
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,approved\nb,Denied\n")
    eq(r.status, 422, f"case matters {r}")


def test_multiclass_declares_its_classes(ctx):
    ds = dataset(ctx, classes=["cat", "dog", "bird"])
    d = ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()
    eq((d["positive_label"], d["classes"]), (None, ["cat", "dog", "bird"]), "classes")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,cat\nb,dog\nc,bird\n").status, 201, "ok")
    m = model(ctx, ds)
    r = upload(ctx, f"/v1/models/{m}/predictions", "id,prediction\na,cat\nb,brid\nc,bird\n")
    eq(r.status, 422, f"typo {r}")
    expect('prediction "brid" is not one of the dataset\'s classes "cat", "dog" and "bird"'
           == r.json()["errors"][0]["reason"], r.json()["errors"][0]["reason"])
    eq(upload(ctx, f"/v1/models/{m}/predictions", "id,prediction\na,cat\nb,cat\nc,bird\n").status,
       201, "valid predictions")
    r = ctx["srv"].request("POST", f"/v1/models/{m}/evaluations", {"by": [], "min_cohort_size": 1},
                           key=ctx["key"])
    eq(r.status, 201, f"evaluation {r}")
    expect("recall" in r.body, "multi-class metrics")


def test_score_and_regression_domains(ctx):
    ds = dataset(ctx, "score")
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,0\nc,2\n")
    eq(r.status, 422, f"score label 2 {r}")
    eq(r.json()["errors"][0]["row"], 4, "row")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,0\nc,0\n").status, 201, "ok")
    m = model(ctx, ds)
    for bad in ("nan", "inf", "-0.1", "1.5", "1e999", "x"):
        r = upload(ctx, f"/v1/models/{m}/predictions", f"id,prediction\na,0.5\nb,{bad}\nc,0\n")
        eq(r.status, 422, f"score prediction {bad}: {r}")
        eq(r.json()["errors"][0]["row"], 3, f"{bad} row")
    ds = dataset(ctx, "regression")
    for bad in ("nan", "inf", "-Infinity", "1e999", "1,5"):
        r = upload(ctx, f"/v1/datasets/{ds}/examples", f'id,label\na,1\nb,"{bad}"\n')
        eq(r.status, 422, f"regression label {bad}: {r}")


def test_creation_refuses_domains_that_cannot_be(ctx):
    cases = [
        ({"classes": ["a"]}, "at least 2 classes"),
        ({"classes": ["a", "b", "a"]}, "same label"),
        ({"classes": ["1", "1.0"]}, "same label"),
        ({"classes": ["a", ""]}, "must not be empty"),
        ({"classes": ["a", 3]}, "must be a string"),
        ({"classes": "a,b"}, "array"),
        ({"positive_label": "yes", "negative_label": "yes"}, "same label"),
        ({"classes": ["a", "b"], "positive_label": "a"}, "without"),
        ({"task": "score", "classes": ["a", "b"]}, "only to classification"),
        ({"task": "regression", "negative_label": "0"}, "only to classification"),
        ({"task": "asr", "classes": ["a", "b"]}, "only to classification"),
    ]
    for extra, words in cases:
        body = {"task": "classification", **extra}
        r = create(ctx, **body)
        eq(r.status, 422, f"{extra}: {r}")
        expect(words in r.json()["detail"], f"{extra}: {r.json()['detail']}")


def test_datasets_from_before_label_domains_keep_the_v1_rule(ctx):
    ds = dataset(ctx)
    sql(ctx, f"UPDATE datasets SET labels = NULL WHERE id = {ds}")
    d = ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()
    eq(d["labels_declared"], False, "undeclared")
    expect("negative_label" not in d and "classes" not in d, f"no domain shown: {d}")
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\na,1\nb,maybe\n").status, 201,
       "any label, as in v1")


# ---- whole-upload summaries ----

def test_refusal_summarises_the_whole_upload(ctx):
    ds = dataset(ctx)
    truth = "id,label\n" + "".join(f"e{i},{i % 2}\n" for i in range(4000))
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", truth).status, 201, "examples")
    m = model(ctx, ds)
    preds = "id,prediction\n" + "".join(f"e{i},{'x' if i % 500 == 7 else i % 2}\n"
                                        for i in range(4000) if i % 4)
    r = upload(ctx, f"/v1/models/{m}/predictions", preds)
    eq(r.status, 422, f"refused {r}")
    doc = r.json()
    eq(doc["error_count"], 1000 + 8, "every error counted")
    eq(len(doc["errors"]), 100, "the first hundred listed")
    detail = doc["detail"]
    expect("1,000 of 4,000 examples have no prediction (the first: example 1 of the dataset)" in detail, detail)
    expect("8 of 3,000 rows, column \"prediction\": prediction \"x\" is not one of" in detail, detail)
    kinds = {(k["column"], k["count"]) for k in doc["summary"]}
    eq(kinds, {("id", 1000), ("prediction", 8)}, "summary by kind")
    first = [k for k in doc["summary"] if k["column"] == "prediction"][0]
    eq(first["first_row"], 7, "first row of the kind")  # e7 is the 7th data row (row 7 with header)


# ---- 5. spreadsheet formulas in downloads ----

def test_exports_neutralise_spreadsheet_formulas(ctx):
    hostile = ['=HYPERLINK("http://evil/","x")', "+cmd|'/c calc'!A0", "@SUM(A1)", "-1+2"]
    truth = ["id,label,city"]
    preds = ["id,prediction"]
    for i in range(400):
        truth.append(f'r{i},{i % 2},"{hostile[i % 4].replace(chr(34), chr(34) * 2)}"')
        preds.append(f"r{i},{(i // 2) % 2}")
    ds = dataset(ctx)
    eq(upload(ctx, f"/v1/datasets/{ds}/examples", "\n".join(truth) + "\n").status, 201, "examples")
    m = model(ctx, ds)
    eq(upload(ctx, f"/v1/models/{m}/predictions", "\n".join(preds) + "\n").status, 201, "predictions")
    r = ctx["srv"].request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate"}, key=ctx["key"])
    eq(r.status, 201, f"bounty {r}")
    b = r.json()["id"]
    r = ctx["srv"].request("GET", f"/v1/bounties/{b}/discovery?format=csv", key=ctx["key"])
    eq(r.status, 200, f"discovery csv {r}")
    lines = r.body.split("\r\n")
    eq(lines[0], "id,city,label,prediction", "header")
    cells = [ln.split(",", 1)[1].rsplit(",", 2)[0] for ln in lines[1:] if ln]
    expect(cells, "rows")
    for c in cells:
        expect(c.startswith("\"'"), f"formula guarded: {c!r}")
    for ln in lines[1:]:
        if ln:
            label, pred = ln.rsplit(",", 2)[1:]
            expect(label in ("0", "1") and pred in ("0", "1"), f"numbers stay numbers: {ln!r}")
    # the JSON keeps the exact values
    r = ctx["srv"].request("GET", f"/v1/bounties/{b}/discovery?format=json", key=ctx["key"])
    eq(r.status, 200, f"discovery json {r}")
    expect(hostile[0] in r.json().__repr__() or "HYPERLINK" in r.body, "exact values in JSON")


def test_a_body_without_line_breaks_hints_at_curl_d(ctx):
    ds = dataset(ctx)
    # what `curl -d @truth.csv` sends: the file with its newlines removed
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label,accent1,1,us2,0,scottish")
    eq(r.status, 422, f"one line {r}")
    expect("did you use curl -d instead of --data-binary?" in r.json()["detail"], r.json()["detail"])
    r = upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\n1,x\n")
    expect("curl -d" not in r.json()["detail"], "no hint when the body has line breaks")
