"""ASR uploads: every format, alignment at upload with sclite's weights,
refusal of bad input with row and reason, evaluations of WER by cohort."""
import json
import re

from harness import Server, expect, eq, psql


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst")}


def post(ctx, path, body, ctype=None):
    h = {"Content-Type": ctype} if ctype else None
    return ctx["srv"].request("POST", path, body.encode() if isinstance(body, str) else body,
                              key=ctx["key"], headers=h)


def asr_dataset(ctx, truth, ctype):
    ds = post(ctx, "/v1/datasets", json.dumps({"name": "speech", "task": "asr"}),
              "application/json").json()["id"]
    r = post(ctx, f"/v1/datasets/{ds}/examples", truth, ctype)
    eq(r.status, 201, f"truth upload {r}")
    m = post(ctx, f"/v1/datasets/{ds}/models", json.dumps({"name": "asr-1"}), "application/json").json()["id"]
    return ds, m


def counts(ctx, m):
    rows = psql(f"SELECT hits, sub, del, ins, ref_words FROM predictions WHERE model_id = {m} ORDER BY ord",
                db=ctx["srv"].dbname).split()
    return [tuple(int(x) for x in r.split("|")) for r in rows]


TRUTH_TRN = ("a b (spk1-u1)\n"
             ";; a comment line\n"
             "a b c d e f g h (spk1-u2)\n"
             "\n"
             "hello world (spk2_u3)\n"
             " (spk2_u4)\n")
HYP_TRN = ("b a (spk1-u1)\n"
           "d e y1 y2 y3 y4 y5 y6 (spk1-u2)\n"
           "HELLO world again (spk2_u3)\n"
           "words from nowhere (spk2_u4)\n")


def test_trn_upload_aligns_like_sclite(ctx):
    ds, m = asr_dataset(ctx, TRUTH_TRN, "text/x-trn")
    r = post(ctx, f"/v1/models/{m}/predictions", HYP_TRN, "text/x-trn")
    eq(r.status, 201, f"hypotheses {r}")
    # (hits, sub, del, ins, ref words), as sclite scores them (ASR-NOTES.md)
    eq(counts(ctx, m), [(1, 0, 1, 1, 2), (2, 3, 3, 3, 8), (2, 0, 0, 1, 2), (0, 0, 0, 3, 0)], "counts")
    d = ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()
    eq(d["attributes"], ["speaker"], "speaker is an attribute")
    model = ctx["srv"].request("GET", f"/v1/models/{m}", key=ctx["key"]).json()
    eq(model["normalize"], "sclite", "normalisation recorded")


def test_csv_ndjson_json_uploads(ctx):
    truth = "id,reference,speaker,accent\nu1,the cat sat,s1,scottish\nu2,on the mat,s2,welsh\n"
    _, m = asr_dataset(ctx, truth, "text/csv")
    hyp = '{"id": "u1", "hypothesis": "the cat sat"}\n{"id": "u2", "hypothesis": "on a mat"}\n'
    eq(post(ctx, f"/v1/models/{m}/predictions", hyp, "application/x-ndjson").status, 201, "ndjson")
    eq(counts(ctx, m), [(3, 0, 0, 0, 3), (2, 1, 0, 0, 3)], "ndjson counts")
    hyp = json.dumps([{"id": "u1", "hypothesis": "the cat"}, {"id": "u2", "hypothesis": ""}])
    eq(post(ctx, f"/v1/models/{m}/predictions?replace=true", hyp, "application/json").status, 201, "json")
    eq(counts(ctx, m), [(2, 0, 1, 0, 3), (0, 0, 3, 0, 3)], "json counts: empty hypothesis is all deletions")


def test_unicode_normalisation_option(ctx):
    truth = "id,reference\nu1,\u00c9COLE caf\u00e9\n"
    _, m = asr_dataset(ctx, truth, "text/csv")
    hyp = "id,hypothesis\nu1,\u00e9cole Caf\u00e9!\n"
    eq(post(ctx, f"/v1/models/{m}/predictions", hyp, "text/csv").status, 201, "sclite mode")
    eq(counts(ctx, m), [(0, 2, 0, 0, 2)], "sclite folds ASCII only and keeps punctuation")
    r = post(ctx, f"/v1/models/{m}/predictions?replace=true&normalize=unicode", hyp, "text/csv")
    eq(r.status, 201, f"unicode mode {r}")
    eq(counts(ctx, m), [(2, 0, 0, 0, 2)], "NFKC + case folding + punctuation removed")
    eq(post(ctx, f"/v1/models/{m}/predictions?replace=true&normalize=klingon", hyp, "text/csv").status,
       400, "unknown normalisation")


BAD_HYPS = [
    # (body, content type, row, column, word in reason)
    ("b a (spk1-u1)\na b c (spk1-u2)\nhello (spk2_u3)\n", "text/x-trn", None, "id", "no prediction"),
    ("b a (spk1-u1)\nx (spk1-u2)\ny (spk2_u3)\nz (spk2_u4)\nw (nobody-u9)\n", "text/x-trn", 5, "id", "unknown"),
    ("b a (spk1-u1)\nthis line has no id\n", "text/x-trn", 2, None, "id"),
    ("b a (spk1-u1)\nx (nodash)\n", "text/x-trn", 2, "id", "unknown"),
]


def test_bad_hypotheses_refused(ctx):
    _, m = asr_dataset(ctx, TRUTH_TRN, "text/x-trn")
    for body, ctype, row, col, word in BAD_HYPS:
        r = post(ctx, f"/v1/models/{m}/predictions", body, ctype)
        eq(r.status, 422, f"{body!r}: {r}")
        e = r.json()["errors"][0]
        if row is not None:
            eq(e["row"], row, f"{body!r} row")
        if col is not None:
            eq(e["column"], col, f"{body!r} column")
        expect(word in e["reason"], f"{body!r}: reason {e['reason']!r}")
        eq(psql(f"SELECT count(*) FROM predictions WHERE model_id = {m}", db=ctx["srv"].dbname).strip(), "0",
           "nothing stored")
    raw = b"id,hypothesis\nspk1-u1,caf\xe9\n"
    r = post(ctx, f"/v1/models/{m}/predictions", raw, "text/csv")
    eq(r.status, 422, "invalid UTF-8")
    eq((r.json()["errors"][0]["row"], r.json()["errors"][0]["column"]), (2, "hypothesis"), "utf-8 position")


def test_bad_truth_trn_refused(ctx):
    ds = post(ctx, "/v1/datasets", json.dumps({"name": "s", "task": "asr"}), "application/json").json()["id"]
    r = post(ctx, f"/v1/datasets/{ds}/examples", "fine (a-1)\nno speaker here (plainid)\n", "text/x-trn")
    eq(r.status, 422, "id without - or _")
    eq(r.json()["errors"][0]["row"], 2, "line named")
    eq(int(psql(f"SELECT count(*) FROM examples WHERE dataset_id = {ds}", db=ctx["srv"].dbname)), 0, "nothing")


def test_attributes_joined_by_id(ctx):
    ds, m = asr_dataset(ctx, TRUTH_TRN, "text/x-trn")
    path = f"/v1/datasets/{ds}/attributes"
    bad = [
        ("id,accent\nspk1-u1,scottish\nghost,welsh\n", 3, "id", "unknown"),
        ("id,accent\nspk1-u1,scottish\nspk1-u1,welsh\n", 3, "id", "duplicate"),
        ("id,speaker\nspk1-u1,x\n", 1, "speaker", "already"),
        ("accent\nscottish\n", 1, "id", "id"),
    ]
    for body, row, col, word in bad:
        r = post(ctx, path, body, "text/csv")
        eq(r.status, 422, f"{body!r}: {r}")
        e = r.json()["errors"][0]
        eq((e["row"], e["column"]), (row, col), f"{body!r} position")
        expect(word in e["reason"], e["reason"])
    eq(ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()["attributes"], ["speaker"],
       "nothing added by refused uploads")
    body = "id,accent,noise\nspk1-u1,scottish,quiet\nspk1-u2,scottish,ward\nspk2_u3,welsh,quiet\n"
    r = post(ctx, path, body, "text/csv")
    eq(r.status, 201, f"attributes {r}")
    eq(r.json()["attributes"], ["accent", "noise"], "new attributes")
    eq(ctx["srv"].request("GET", f"/v1/datasets/{ds}", key=ctx["key"]).json()["attributes"],
       ["speaker", "accent", "noise"], "dataset attributes")
    vals = psql(f"SELECT attrs FROM examples WHERE dataset_id = {ds} ORDER BY ord", db=ctx["srv"].dbname).split()
    eq(vals, ["1,1,1", "1,1,2", "2,2,1", "2,0,0"], "codes appended; unmentioned example is missing")


def corpus(n_spk=12, per=15, seed=5):
    import random
    rng = random.Random(seed)
    vocab = ["the", "cat", "sat", "on", "mat", "a", "dog", "ran", "far", "away", "quick", "brown"]
    truth, hyp, attrs, rows = [], [], ["id,accent"], []
    for s in range(n_spk):
        accent = ["scottish", "welsh", "us"][s % 3]
        err = {"scottish": 0.35, "welsh": 0.15, "us": 0.1}[accent]
        for u in range(per):
            uid = f"spk{s:02d}-u{u:02d}"
            ref = [rng.choice(vocab) for _ in range(rng.randint(3, 12))]
            h = [w if rng.random() > err else rng.choice(vocab + ["uh"]) for w in ref]
            if rng.random() < err:
                h.insert(rng.randrange(len(h) + 1), "um")
            truth.append(" ".join(ref) + f" ({uid})")
            hyp.append(" ".join(h) + f" ({uid})")
            attrs.append(f"{uid},{accent}")
    return "\n".join(truth) + "\n", "\n".join(hyp) + "\n", "\n".join(attrs) + "\n"


def test_wer_evaluation_and_alignments(ctx):
    truth, hyp, attrs = corpus(n_spk=36)   # 12 speakers an accent
    ds, m = asr_dataset(ctx, truth, "text/x-trn")
    eq(post(ctx, f"/v1/datasets/{ds}/attributes", attrs, "text/csv").status, 201, "attributes")
    eq(post(ctx, f"/v1/models/{m}/predictions", hyp, "text/x-trn").status, 201, "hypotheses")
    r = post(ctx, f"/v1/models/{m}/evaluations",
              json.dumps({"by": [["accent"]], "reference": {"accent": "us"},
                         "min_cohort_size": 10, "seed": 7}), "application/json")
    eq(r.status, 201, f"evaluation {r}")
    ev = r.json()
    eq(ev["params"]["normalize"], "sclite", "normalisation recorded")
    eq(ev["params"]["resample"], "speaker", "speakers resampled")
    per_accent = {}
    for row in psql(f"SELECT a.value, p.sub + p.del + p.ins, p.ref_words FROM predictions p "
                    f"JOIN examples e ON e.dataset_id = {ds} AND e.ord = p.ord "
                    f"JOIN attribute_values a ON a.dataset_id = {ds} AND a.attr = 1 "
                    f"AND a.code = split_part(e.attrs, ',', 2)::int WHERE p.model_id = {m}",
                    db=ctx["srv"].dbname).split():
        acc, errs, refw = row.split("|")
        e, n, utt = per_accent.get(acc, (0, 0, []))
        per_accent[acc] = (e + int(errs), n + int(refw), utt + [int(errs) / int(refw)])
    g = ev["groupings"][0]
    for c in g["cohorts"]:
        acc = c["attributes"]["accent"]
        e, n, utt = per_accent[acc]
        mt = c["metrics"]
        expect(abs(mt["wer"]["value"] - e / n) < 1e-12, f"{acc} pooled WER")
        expect(abs(mt["mean_utterance_wer"]["value"] - sum(utt) / len(utt)) < 1e-12, f"{acc} mean WER")
        expect(mt["wer"]["low"] <= mt["wer"]["value"] <= mt["wer"]["high"], f"{acc} interval")
        w = c["worst_utterances"]
        eq(len(w), 3, f"{acc} worst utterances in the stored document")
        expect(w[0]["wer"] >= w[1]["wer"] >= w[2]["wer"], "worst first")
        expect(all(op["op"] in "CSDI" for op in w[0]["alignment"]), "alignment ops")
    sc = [c for c in g["cohorts"] if c["attributes"]["accent"] == "scottish"][0]
    eq(g["reference"], {"accent": "us"}, "named reference")
    eq(sc["disparity"]["wer"]["test"], "bootstrap", "bootstrap test")
    expect(sc["disparity"]["wer"]["ratio"] > 1.25 and "wer" in sc["flags"], "planted WER gap flagged")
    eq(ev["params"]["min_speakers"], 10, "default min_speakers")
    expect(not any(c["too_small"] for c in g["cohorts"]), "12 speakers are enough")
    # Speakers are the sample: with min_speakers above 12 nothing is flagged.
    r = post(ctx, f"/v1/models/{m}/evaluations",
             json.dumps({"by": [["accent"]], "reference": {"accent": "us"}, "min_cohort_size": 10,
                         "min_speakers": 13, "seed": 7}), "application/json")
    eq(r.status, 201, f"evaluation {r}")
    for c in r.json()["groupings"][0]["cohorts"]:
        eq((c["too_small"], c["too_small_reason"], c["flags"]),
           (True, "speakers < min_speakers", []), f"{c['attributes']} with 12 speakers")
        if not c["reference"]:
            eq(c["disparity"]["wer"]["p_adjusted_reason"], "cohort with fewer speakers than min_speakers",
               "left out of the Holm family")
    r = post(ctx, f"/v1/models/{m}/evaluations", json.dumps({"by": ["accent"], "min_speakers": -2}),
             "application/json")
    eq(r.status, 422, "bad min_speakers")
    expect("min_speakers" in r.json()["detail"], r.json()["detail"])
    r = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/alignments?limit=5", key=ctx["key"])
    eq(r.status, 200, f"alignments {r}")
    al = r.json()
    eq(al["normalize"], "sclite", "normalisation")
    for c in al["groupings"][0]["cohorts"]:
        eq(len(c["worst_utterances"]), 5, "limit")
        expect("REF:" in c["worst_utterances"][0]["pra"], "pra lines")
    eq(ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/alignments?limit=0", key=ctx["key"]).status,
       400, "bad limit")
    r = post(ctx, f"/v1/models/{m}/evaluations", json.dumps({"by": ["accent"], "normalize": "unicode"}),
             "application/json")
    eq(r.status, 422, "normalisation differs from the upload's")
    expect("normalize=" in r.json()["detail"], r.json()["detail"])
    page = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/report", key=ctx["key"])
    eq(page.status, 200, "asr report")
    expect("scottish" in page.body, "cohort in the report")
    # The evaluation names the upload it used, to the microsecond; once the
    # predictions are replaced (within the same second, likely), its
    # alignments are refused rather than taken from the new upload.
    expect(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
                        ev["predictions_uploaded_at"]), ev["predictions_uploaded_at"])
    eq(post(ctx, f"/v1/models/{m}/predictions?replace=true", hyp, "text/x-trn").status, 201,
       "replaced")
    r = ctx["srv"].request("GET", f"/v1/evaluations/{ev['id']}/alignments?limit=5", key=ctx["key"])
    eq(r.status, 409, f"alignments of replaced predictions {r}")
