"""Downloads: stored examples and predictions read back as CSV, NDJSON or
trn, streamed, in upload order; every download uploads again into a new
dataset and downloads to the same bytes."""
import http.client
import json
import os
import socket
import time

from harness import Server, expect, eq

CSV = "text/csv"
NDJSON = "application/x-ndjson"
TRN = "text/x-trn"


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst"), "viewer": s.key("viewer"),
            "hunter": s.key("hunter")}


def raw(srv, method, path, body=None, key=None, headers=None):
    """(status, headers dict with lower-case names, body bytes), unlike
    Server.request, which decodes the body."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=120)
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Bearer " + key
    if isinstance(body, str):
        body = body.encode()
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    return r.status, hdrs, data


def post(ctx, path, body, ctype="application/json"):
    st, _, data = raw(ctx["srv"], "POST", path, body, ctx["key"], {"Content-Type": ctype})
    return st, data


def dataset(ctx, task, **extra):
    st, data = post(ctx, "/v1/datasets", json.dumps({"name": "d", "task": task, **extra}))
    eq(st, 201, f"create dataset {data!r}")
    return json.loads(data)["id"]


def model(ctx, ds):
    st, data = post(ctx, f"/v1/datasets/{ds}/models", json.dumps({"name": "m"}))
    eq(st, 201, f"create model {data!r}")
    return json.loads(data)["id"]


def upload(ctx, path, body, ctype):
    st, data = post(ctx, path, body, ctype)
    eq(st, 201, f"upload to {path}: {data[:400]!r}")


def get(ctx, path, accept=None, key=None, want=200):
    h = {"Accept": accept} if accept else {}
    st, hdrs, data = raw(ctx["srv"], "GET", path, key=key or ctx["key"], headers=h)
    eq(st, want, f"GET {path} ({accept}): {data[:400]!r}")
    return hdrs, data


def round_trip(ctx, task, examples, ctype, accept, predictions=None, pctype=None,
               extra=None, query=""):
    """Upload examples (and predictions), download both as accept, upload
    the downloads into a new dataset and model, download again: the second
    downloads must be the bytes of the first.  Returns the first ones."""
    extra = extra or {}
    ds = dataset(ctx, task, **extra)
    upload(ctx, f"/v1/datasets/{ds}/examples", examples, ctype)
    _, ex1 = get(ctx, f"/v1/datasets/{ds}/examples", accept)
    p1 = None
    if predictions is not None:
        m = model(ctx, ds)
        upload(ctx, f"/v1/models/{m}/predictions{query}", predictions, pctype or ctype)
        _, p1 = get(ctx, f"/v1/models/{m}/predictions", accept)
    ds2 = dataset(ctx, task, **extra)
    upload(ctx, f"/v1/datasets/{ds2}/examples", ex1, accept)
    _, ex2 = get(ctx, f"/v1/datasets/{ds2}/examples", accept)
    eq(ex2, ex1, f"{task} examples, second {accept} download")
    if predictions is not None:
        m2 = model(ctx, ds2)
        upload(ctx, f"/v1/models/{m2}/predictions{query}", p1, accept)
        _, p2 = get(ctx, f"/v1/models/{m2}/predictions", accept)
        eq(p2, p1, f"{task} predictions, second {accept} download")
    return ex1, p1


# Quoting edge cases: commas, quotes, CRLF and a lone LF inside quoted
# fields, unicode, surrounding spaces, an empty string and a missing value
# (both stored as the empty string), an attribute name that needs quotes.
EDGE_CSV = ('id,label,"city, region",note\r\n'
            '"a,1",1,"Glasgow, Scotland","said ""aye"""\r\n'
            'b2,0,"two\r\nlines","one\nline"\r\n'
            '\u00e9t\u00e9-\u4e2d,1,\u0141\u00f3d\u017a \U0001f600," padded "\r\n'
            'd4,0,"",\r\n'
            'e5,1,=1+2,plain\r\n')
EDGE_CSV_DOWNLOAD = ('id,label,"city, region",note\r\n'
                     '"a,1",1,"Glasgow, Scotland","said ""aye"""\r\n'
                     'b2,0,"two\r\nlines","one\nline"\r\n'
                     '\u00e9t\u00e9-\u4e2d,1,\u0141\u00f3d\u017a \U0001f600," padded "\r\n'
                     'd4,0,"",""\r\n'
                     'e5,1,=1+2,plain\r\n').encode()
EDGE_PREDICTIONS = 'id,prediction\ne5,0\n"a,1",1\nb2,1\nd4,0\n\u00e9t\u00e9-\u4e2d,0\n'


def test_classification_csv_round_trip_is_exact(ctx):
    hdrs, _ = get(ctx, "/v1/datasets/999999/examples", want=404)
    ex, p = round_trip(ctx, "classification", EDGE_CSV, CSV, CSV, EDGE_PREDICTIONS)
    eq(ex, EDGE_CSV_DOWNLOAD, "examples as CSV")
    # predictions come in the dataset's order, not the upload's
    eq(p, ('id,prediction\r\n"a,1",1\r\nb2,1\r\n\u00e9t\u00e9-\u4e2d,0\r\nd4,0\r\ne5,0\r\n').encode(),
       "predictions as CSV")
    # the default is CSV, and wildcards too
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", EDGE_CSV, CSV)
    for accept in (None, "*/*", "text/*", "text/html, */*;q=0.1", "text/csv; charset=utf-8"):
        hdrs, body = get(ctx, f"/v1/datasets/{ds}/examples", accept)
        eq(body, EDGE_CSV_DOWNLOAD, f"Accept {accept}")
        expect(hdrs["content-type"].startswith("text/csv"), hdrs["content-type"])
        eq(hdrs.get("transfer-encoding"), "chunked", "streamed")
        expect(hdrs.get("x-request-id"), "request id")
        eq(hdrs.get("x-content-type-options"), "nosniff", "nosniff")


def test_ndjson_round_trip_keeps_strings_and_nulls(ctx):
    body = ('{"id": "a,1", "label": "1", "city, region": "Glasgow, Scotland", "note": "said \\"aye\\""}\n'
            '{"id": "b2", "label": "0", "city, region": "two\\r\\nlines", "note": null}\n'
            '{"id": "\u00e9t\u00e9", "label": "1", "city, region": "\U0001f600", "note": " padded "}\n')
    ex, _ = round_trip(ctx, "classification", body, NDJSON, NDJSON)
    lines = ex.decode().split("\n")
    eq(lines[-1], "", "ends with a line feed")
    rows = [json.loads(x) for x in lines[:-1]]
    eq(list(rows[0]), ["id", "label", "city, region", "note"], "keys in column order")
    eq(rows[1], {"id": "b2", "label": "0", "city, region": "two\r\nlines", "note": ""},
       "a missing attribute is the empty string")
    eq(rows[2]["city, region"], "\U0001f600", "unicode")
    # application/jsonl is the same, named as asked
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", body, NDJSON)
    hdrs, got = get(ctx, f"/v1/datasets/{ds}/examples", "application/jsonl")
    eq(got, ex, "jsonl")
    eq(hdrs["content-type"], "application/jsonl", "type")
    hdrs, got = get(ctx, f"/v1/datasets/{ds}/examples", "text/csv;q=0.5, application/x-ndjson")
    eq(got, ex, "q-values pick NDJSON")


def test_score_and_regression_keep_number_spellings(ctx):
    score = "id,label,group\nu1,1,a\nu2,0,b\nu3,1.0,a\n"
    preds = "id,prediction\nu1,0.25\nu2,1e-1\nu3,1\n"
    for accept in (CSV, NDJSON):
        ex, p = round_trip(ctx, "score", score, CSV, accept, preds)
        if accept == CSV:
            eq(ex, b"id,label,group\r\nu1,1,a\r\nu2,0,b\r\nu3,1,a\r\n", "score labels, canonical")
            eq(p, b"id,prediction\r\nu1,0.25\r\nu2,1e-1\r\nu3,1\r\n", "score as uploaded")
    reg = '{"id": "r1", "label": 1.50, "site": "x"}\n{"id": "r2", "label": -2e3, "site": "y"}\n'
    rp = '{"id": "r2", "prediction": 0.1}\n{"id": "r1", "prediction": -0}\n'
    for accept in (CSV, NDJSON):
        ex, p = round_trip(ctx, "regression", reg, NDJSON, accept, rp)
        if accept == NDJSON:
            eq(ex, b'{"id":"r1","label":"1.50","site":"x"}\n{"id":"r2","label":"-2e3","site":"y"}\n',
               "regression labels as uploaded")
            eq(p, b'{"id":"r1","prediction":"-0"}\n{"id":"r2","prediction":"0.1"}\n', "predictions")


ASR_TRN = ("the cat sat (spk1-u1)\n"
           ";; a comment\n"
           "  on   the mat  (spk1-u2)\n"
           "(spk2_u3)\n"
           "caf\u00e9 (it's) here (spk2_u4)\n")
ASR_TRN_DOWNLOAD = ("the cat sat (spk1-u1)\n"
                    "on   the mat (spk1-u2)\n"
                    "(spk2_u3)\n"
                    "caf\u00e9 (it's) here (spk2_u4)\n").encode()
ASR_HYP = ("the cat (spk1-u1)\n"
           "on a mat (spk1-u2)\n"
           "uh (spk2_u3)\n"
           "CAF\u00c9 here (spk2_u4)\n")


def test_asr_trn_round_trip(ctx):
    ex, p = round_trip(ctx, "asr", ASR_TRN, TRN, TRN, ASR_HYP, query="?normalize=unicode")
    eq(ex, ASR_TRN_DOWNLOAD, "references as trn")
    eq(p, ASR_HYP.encode(), "hypotheses as trn")
    # the same dataset as CSV: the speaker has a column of its own
    ds = dataset(ctx, "asr")
    upload(ctx, f"/v1/datasets/{ds}/examples", ASR_TRN, TRN)
    upload(ctx, f"/v1/datasets/{ds}/attributes",
           "id,accent\nspk1-u1,scottish\nspk2_u3,welsh\n", CSV)
    _, got = get(ctx, f"/v1/datasets/{ds}/examples", CSV)
    eq(got, ('id,reference,speaker,accent\r\nspk1-u1,the cat sat,spk1,scottish\r\n'
             'spk1-u2,on   the mat,spk1,""\r\nspk2_u3,"",spk2,welsh\r\n'
             'spk2_u4,caf\u00e9 (it\'s) here,spk2,""\r\n').encode(), "asr as CSV")
    _, tr = get(ctx, f"/v1/datasets/{ds}/examples", TRN)
    eq(tr, ASR_TRN_DOWNLOAD, "trn leaves the attributes out")


def test_asr_csv_and_ndjson_round_trips(ctx):
    # attributes before the speaker column, an utterance without speaker,
    # texts that trn could not carry
    body = ('id,accent,reference,speaker,noise\n'
            'U1,scottish,"the ""cat""",s1,quiet\n'
            'u2,welsh,,,loud\n'
            'u3,,"two\nlines",s2,\n')
    for accept in (CSV, NDJSON):
        ex, _ = round_trip(ctx, "asr", body, CSV, accept, "id,hypothesis\nU1,the cat\nu2,x\nu3,two\n")
        if accept == CSV:
            eq(ex, b'id,reference,speaker,accent,noise\r\nU1,"the ""cat""",s1,scottish,quiet\r\n'
                   b'u2,"",,welsh,loud\r\nu3,"two\nlines",s2,"",""\r\n', "asr CSV")
        else:
            eq(json.loads(ex.decode().split("\n")[1]),
               {"id": "u2", "reference": "", "speaker": None, "accent": "welsh", "noise": "loud"},
               "no speaker is null")


def test_trn_refused_when_it_would_not_read_back(ctx):
    cases = [
        ("id,reference\nSpk1-u1,upper case id\n", "lower-cases"),
        ("id,reference\nspk1-u1,\" padded\"\n", "trims"),
        ("id,reference\nspk1-u1,\"two\nlines\"\n", "line feed"),
        ("id,reference\nnospeaker,words\n", "speaker"),
        ("id,reference\nspk1-u1,;; looks like a comment\n", "comment"),
    ]
    for body, word in cases:
        ds = dataset(ctx, "asr")
        upload(ctx, f"/v1/datasets/{ds}/examples", body, CSV)
        _, data = get(ctx, f"/v1/datasets/{ds}/examples", TRN, want=406)
        doc = json.loads(data)
        expect(word in doc["detail"] and "row 1" in doc["detail"], f"{body!r}: {doc['detail']!r}")
        get(ctx, f"/v1/datasets/{ds}/examples", CSV)
    # predictions are checked too, but need no speaker
    ds = dataset(ctx, "asr")
    upload(ctx, f"/v1/datasets/{ds}/examples", "id,reference\nu1,a b\nu2,c\n", CSV)
    m = model(ctx, ds)
    upload(ctx, f"/v1/models/{m}/predictions", "id,hypothesis\nu1,a b\nu2,\" c\"\n", CSV)
    _, data = get(ctx, f"/v1/models/{m}/predictions", TRN, want=406)
    expect("row 2" in json.loads(data)["detail"], data)
    # trn is for asr only; and an Accept we cannot meet is 406
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\n1,1\n", CSV)
    _, data = get(ctx, f"/v1/datasets/{ds}/examples", TRN, want=406)
    expect("asr" in json.loads(data)["detail"], data)
    _, data = get(ctx, f"/v1/datasets/{ds}/examples", "text/html, application/xml;q=0.9", want=406)
    eq(json.loads(data)["type"], "https://fairaudit.dev/problems/not-acceptable", "problem type")
    get(ctx, f"/v1/datasets/{ds}/examples", "text/csv;q=0, application/json", want=406)


def test_model_without_predictions_gives_the_header(ctx):
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", "id,label\n1,1\n", CSV)
    m = model(ctx, ds)
    eq(get(ctx, f"/v1/models/{m}/predictions")[1], b"id,prediction\r\n", "CSV header only")
    eq(get(ctx, f"/v1/models/{m}/predictions", NDJSON)[1], b"", "NDJSON: nothing")
    get(ctx, "/v1/models/999999/predictions", want=404)
    empty = dataset(ctx, "asr")
    eq(get(ctx, f"/v1/datasets/{empty}/examples")[1], b"id,reference\r\n", "no examples yet")


def test_roles(ctx):
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", "id,label,g\n1,1,a\n", CSV)
    m = model(ctx, ds)
    upload(ctx, f"/v1/models/{m}/predictions", "id,prediction\n1,0\n", CSV)
    for path in (f"/v1/datasets/{ds}/examples", f"/v1/models/{m}/predictions"):
        eq(get(ctx, path, key=ctx["viewer"])[1][:3], b"id,", f"viewer reads {path}")
        get(ctx, path, key=ctx["hunter"], want=403)
        st, _, _ = raw(ctx["srv"], "GET", path)
        eq(st, 401, f"no key on {path}")


# ---- large tables: streamed, with the lease given back ----

ROWS = 200_000


def big_csv():
    lines = ["id,label,accent,gender,site"]
    accents = ["scottish", "welsh", "indian", "us", "irish"]
    for i in range(ROWS):
        lines.append(f"utterance-{i:09d}-of-a-fairly-long-identifier,{i % 2},"
                     f"{accents[i % 5]},{'fm'[i % 2]},site-{i % 17}")
    return "\n".join(lines) + "\n"


def vm(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {field} for {pid}")


def test_large_download_is_streamed(ctx):
    body = big_csv()
    ds = dataset(ctx, "classification")
    upload(ctx, f"/v1/datasets/{ds}/examples", body, CSV)
    m = model(ctx, ds)
    upload(ctx, f"/v1/models/{m}/predictions",
           "id,prediction\n" + "".join(f"utterance-{i:09d}-of-a-fairly-long-identifier,{(i // 3) % 2}\n"
                                       for i in range(ROWS)), CSV)
    # A fresh server on the same database, so that the upload's memory
    # is not in its high-water mark; under AddressSanitizer (make sanitize)
    # without the quarantine, which keeps freed memory resident.
    asan = os.environ.get("ASAN_OPTIONS", "")
    s = Server(database=(ctx["srv"].dbname, ctx["srv"].url),
               extra_env={"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=0"})
    ctx["fresh"] = s
    try:
        pid = s.proc.pid
        raw(s, "GET", f"/v1/datasets/{ds}", key=ctx["key"])
        before = vm(pid, "VmHWM")
        t = time.time()
        st, hdrs, data = raw(s, "GET", f"/v1/datasets/{ds}/examples", key=ctx["key"])
        secs = time.time() - t
        after = vm(pid, "VmHWM")
        eq(st, 200, "download")
        eq(data.count(b"\r\n"), ROWS + 1, "every row")
        eq(data.replace(b"\r\n", b"\n").decode(), body, "the upload's bytes, with CRLF")
        grew = after - before
        print(f"# {ROWS} rows, {len(data) / 1e6:.1f} MB in {secs:.2f} s; server VmHWM "
              f"{before / 1e6:.1f} MB -> {after / 1e6:.1f} MB (+{grew / 1e6:.2f} MB)", flush=True)
        ctx["big"] = (ds, len(data))
        # +0.1 MB here when streamed, +13 MB when the body is built whole;
        # a quarter leaves room for AddressSanitizer's own overhead
        expect(grew < len(data) / 4, f"high-water mark grew by {grew} bytes for a {len(data)}-byte table")
        before = vm(pid, "VmHWM")
        st, _, pdata = raw(s, "GET", f"/v1/models/{m}/predictions", key=ctx["key"],
                           headers={"Accept": NDJSON})
        eq(pdata.count(b"\n"), ROWS, "every prediction")
        grew = vm(pid, "VmHWM") - before
        print(f"# predictions: {len(pdata) / 1e6:.1f} MB, VmHWM +{grew / 1e6:.2f} MB", flush=True)
        expect(grew < len(pdata) / 4, f"high-water mark grew by {grew} bytes")
    finally:
        s.stop()
        ctx.pop("fresh", None)


def start_download(srv, path, key, rcvbuf=4096):
    """A download whose client reads nothing: a socket with a small receive
    buffer, so the server soon blocks on sending."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", srv.port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    head = sock.recv(200)
    expect(head.startswith(b"HTTP/1.1 200"), f"download started: {head!r}")
    return sock


def test_abandoned_downloads_give_their_connection_back(ctx):
    ds, size = ctx["big"]
    # two pooled connections: a leaked lease would hang the next requests
    s = Server(database=(ctx["srv"].dbname, ctx["srv"].url), extra_env={"FAIRAUDIT_DB_POOL": "2"})
    try:
        path = f"/v1/datasets/{ds}/examples"
        for _ in range(6):
            sock = start_download(s, path, ctx["key"])
            sock.close()
        for _ in range(3):
            st, _, data = raw(s, "GET", f"/v1/datasets/{ds}", key=ctx["key"])
            eq(st, 200, f"after abandoned downloads: {data[:200]!r}")
        st, _, data = raw(s, "GET", path, key=ctx["key"])
        eq(len(data), size, "a whole download afterwards")
    finally:
        s.stop()


def test_concurrent_downloads_are_capped(ctx):
    ds, size = ctx["big"]
    s = ctx["srv"]
    path = f"/v1/datasets/{ds}/examples"
    socks = [start_download(s, path, ctx["key"]) for _ in range(4)]
    try:
        st, hdrs, data = raw(s, "GET", path, key=ctx["key"])
        eq(st, 503, f"fifth download: {data[:200]!r}")
        expect(hdrs.get("retry-after"), "Retry-After")
        eq(raw(s, "GET", f"/v1/datasets/{ds}", key=ctx["key"])[0], 200, "other requests still served")
    finally:
        for sock in socks:
            sock.close()
    deadline = time.time() + 10
    while True:
        st, _, data = raw(s, "GET", path, key=ctx["key"])
        if st == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    eq(st, 200, "a slot again once the readers left")
    eq(len(data), size, "whole")


def teardown(ctx):
    if ctx.get("fresh"):
        ctx["fresh"].stop()
