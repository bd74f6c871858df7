"""Speech attributes per speaker: accent belongs to a speaker, so an
attributes upload keyed by `speaker` applies to every utterance of that
speaker; keyed by `id` with speaker names, it says how to fix it."""
from harness import Server, expect, eq, psql

REF = "".join(f"hello world {u} (s{k}-u{u})\n" for k in range(1, 4) for u in range(1, 5))


def setup():
    s = Server()
    key = s.key("analyst")
    ds = s.request("POST", "/v1/datasets", {"name": "speech", "task": "asr"}, key=key).json()["id"]
    r = s.request("POST", f"/v1/datasets/{ds}/examples", REF, key=key,
                  headers={"Content-Type": "text/x-trn"})
    eq(r.status, 201, f"references {r}")
    return {"srv": s, "key": key, "ds": ds}


def attributes(ctx, body, ds=None):
    return ctx["srv"].request("POST", f"/v1/datasets/{ds or ctx['ds']}/attributes", body,
                              key=ctx["key"], headers={"Content-Type": "text/csv"})


def test_id_keyed_speaker_file_says_how_to_fix_it(ctx):
    r = attributes(ctx, "id,accent\ns1,scottish\ns2,indian\n")
    eq(r.status, 422, f"speakers as ids {r}")
    e = r.json()["errors"][0]
    eq((e["row"], e["column"]), (2, "id"), "where")
    expect('it is the speaker of 4 utterances' in e["reason"] and
           'name the key column "speaker"' in e["reason"], e["reason"])


def test_speaker_keyed_attributes_apply_to_every_utterance(ctx):
    r = attributes(ctx, "speaker,accent\ns1,scottish\ns3,indian\n")
    eq(r.status, 201, f"by speaker {r}")
    d = ctx["srv"].request("GET", f"/v1/datasets/{ctx['ds']}", key=ctx["key"]).json()
    expect("accent" in d["attributes"], d["attributes"])
    a = d["attributes"].index("accent")
    got = psql(f"SELECT e.speaker, v.value FROM examples e JOIN attribute_values v"
               f" ON v.dataset_id = e.dataset_id AND v.attr = {a}"
               f" AND v.code = (string_to_array(e.attrs, ','))[{a + 1}]::int"
               f" WHERE e.dataset_id = {ctx['ds']} ORDER BY e.ord", db=ctx["srv"].dbname).split()
    eq(got, ["s1|scottish"] * 4 + ["s2|"] * 4 + ["s3|indian"] * 4, "each utterance of its speaker")


def test_speaker_keyed_errors(ctx):
    for body, col, words in (("speaker,dialect\ns9,x\n", "speaker", "unknown speaker"),
                             ("speaker,dialect\ns1,x\ns1,y\n", "speaker", "duplicate speaker"),
                             ("id,speaker,dialect\ns1-u1,s1,x\n", "speaker", "already"),
                             ("who,dialect\ns1,x\n", "id", '"speaker" column')):
        r = attributes(ctx, body)
        eq(r.status, 422, f"{body!r}: {r}")
        e = r.json()["errors"][0]
        eq(e["column"], col, f"{body!r}: column")
        expect(words in e["reason"], f"{body!r}: {e['reason']}")


def test_cli_attributes_match_the_service(ctx):
    """fairaudit score --attributes, offline, gives the service's cohorts."""
    import json
    import os
    import subprocess
    import tempfile
    from harness import BINARY
    s, key, ds = ctx["srv"], ctx["key"], ctx["ds"]
    hyp = REF.replace("world 2", "word 2").replace("hello world 3 (s3", "hello 3 (s3")
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "asr"}, key=key).json()["id"]
    r = s.request("POST", f"/v1/models/{m}/predictions", hyp, key=key,
                  headers={"Content-Type": "text/x-trn"})
    eq(r.status, 201, f"hypotheses {r}")
    ev = s.request("POST", f"/v1/models/{m}/evaluations",
                   {"by": [["accent"]], "min_speakers": 1}, key=key)
    eq(ev.status, 201, f"evaluation {ev}")
    want = {c["attributes"]["accent"]: (c["n"], c["metrics"]["wer"]["value"])
            for c in ev.json()["groupings"][0]["cohorts"]}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, text in (("ref.trn", REF), ("hyp.trn", hyp),
                           ("accents.csv", "speaker,accent\ns1,scottish\ns3,indian\n")):
            paths[name] = os.path.join(tmp, name)
            with open(paths[name], "w") as f:
                f.write(text)
        out = subprocess.run([BINARY, "score", "--task", "asr", "--truth", paths["ref.trn"],
                              "--predictions", paths["hyp.trn"], "--attributes", paths["accents.csv"],
                              "--by", "accent", "--min-speakers", "1"],
                             capture_output=True, text=True, timeout=60)
        eq(out.returncode, 0, out.stderr)
        got = {c["attributes"]["accent"]: (c["n"], c["metrics"]["wer"]["value"])
               for c in json.loads(out.stdout)["groupings"][0]["cohorts"]}
        eq(got, want, "the same cohorts, sizes and WER offline")
        expect(set(got) == {"scottish", "indian", ""}, got)
        with open(paths["accents.csv"], "w") as f:
            f.write("id,accent\ns1,scottish\n")
        out = subprocess.run([BINARY, "score", "--task", "asr", "--truth", paths["ref.trn"],
                              "--predictions", paths["hyp.trn"], "--attributes", paths["accents.csv"],
                              "--by", "accent"], capture_output=True, text=True, timeout=60)
        eq(out.returncode, 1, "refused")
        expect('name the key column "speaker"' in out.stderr, out.stderr)
