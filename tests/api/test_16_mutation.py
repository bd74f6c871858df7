"""Mutated upload bodies over HTTP: thousands of byte-level mutations of
valid CSV and NDJSON bodies are sent as examples uploads.  None may get a
5xx, the server must stay up, and every accepted upload must read back
exactly as an independent parser (Python's csv and json modules) reads the
same body.  The mutations come from a fixed seed, so the run is the same
every time; nothing here can fail by chance."""
import csv
import io
import json
import random

from harness import Server, expect, eq, psql

CASES_PER_FORMAT = 1500
ATTRS = ["accent", "note"]


def setup():
    s = Server()
    return {"srv": s, "key": s.key("analyst")}


def base_csv(rng):
    lines = ["id,label,accent,note"]
    for i in range(12):
        note = rng.choice(["plain", '"quoted, comma"', '"say ""hi"""', '"two\nlines"', "", "caf\u00e9"])
        lines.append(f"u{i},{i % 2},{rng.choice(['us', 'scottish', 'indian'])},{note}")
    return ("\n".join(lines) + "\n").encode()


def base_ndjson(rng):
    out = []
    for i in range(12):
        o = {"id": f"u{i}", "label": i % 2, "accent": rng.choice(["us", "welsh"]),
             "note": rng.choice(["x", "a \"q\"", "caf\u00e9", None])}
        out.append(json.dumps(o, ensure_ascii=rng.random() < 0.5))
    return ("\n".join(out) + "\n").encode()


SPECIAL = [b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"{", b"}",
           b":", b"\\", b"\\u0000", b"1", b"0", b"2", b" ", b"\t", b"\xc3", b"\xe2\x82"]


def mutate(rng, body):
    b = bytearray(body)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        at = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:                       # flip a byte
            b[min(at, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:                           # insert a special sequence
            b[at:at] = rng.choice(SPECIAL)
        elif op == 2 and b:                     # delete a run
            del b[at:at + rng.randint(1, 4)]
        elif op == 3:                           # truncate
            del b[at:]
        elif op == 4 and b:                     # repeat a line
            lines = bytes(b).split(b"\n")
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
            b = bytearray(b"\n".join(lines))
        else:                                   # swap two bytes
            if len(b) > 1:
                i, j = rng.randrange(len(b)), rng.randrange(len(b))
                b[i], b[j] = b[j], b[i]
    return bytes(b)


def canon_label(v):
    """The stored spelling of a label of the dataset's {1, 0} domain."""
    try:
        x = float(v)
    except ValueError:
        return v
    return "1" if x == 1 else "0" if x == 0 else v


def parse_csv(body):
    """Rows as (id, label, accent, note) the way RFC 4180 reads them."""
    text = body.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = rows[0]
    out = []
    for r in rows[1:]:
        if not r:
            continue        # a trailing blank line, which both readers drop
        rec = dict(zip(header, r))
        out.append((rec["id"], canon_label(rec["label"]), rec.get("accent", ""), rec.get("note", "")))
    return header, out


def parse_ndjson(body):
    text = body.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    objs = [json.loads(ln) for ln in text.split("\n") if ln.strip(" \t\r")]
    header = list(objs[0].keys())
    out = []
    for o in objs:
        def s(v):
            if v is None:
                return ""
            if isinstance(v, bool):
                return "true" if v else "false"
            return v if isinstance(v, str) else json.dumps(v)
        out.append((s(o["id"]), canon_label(s(o["label"])), s(o.get("accent")), s(o.get("note"))))
    return header, out


def stored(ctx, datasets):
    """The stored rows of each dataset, attributes decoded, in upload order."""
    if not datasets:
        return {}
    q = ("SELECT json_object_agg(dataset_id, rows) FROM (SELECT dataset_id,"
         " json_agg(json_build_array(ext_id, label, (SELECT coalesce(json_agg(v.value ORDER BY a.n),"
         " '[]'::json) FROM unnest(string_to_array(e.attrs, ',')::int[]) WITH ORDINALITY a(code, n)"
         " JOIN attribute_values v ON v.dataset_id = e.dataset_id AND v.attr = a.n - 1"
         " AND v.code = a.code)) ORDER BY ord) AS rows"
         f" FROM examples e WHERE dataset_id IN ({','.join(map(str, datasets))})"
         " GROUP BY dataset_id) t")
    got = psql(q, db=ctx["srv"].dbname).strip()
    return {int(k): [(r[0], r[1]) + tuple(r[2]) for r in v] for k, v in json.loads(got or "{}").items()}


def run(ctx, fmt, ctype, base, parse):
    rng = random.Random(20261206 + len(fmt))
    s, key = ctx["srv"], ctx["key"]
    accepted, refused = [], []
    for i in range(CASES_PER_FORMAT):
        body = mutate(rng, base(rng))
        ds = s.request("POST", "/v1/datasets", {"name": f"m{i}", "task": "classification"}, key=key)
        eq(ds.status, 201, "dataset")
        ds = ds.json()["id"]
        r = s.request("POST", f"/v1/datasets/{ds}/examples", body, key=key,
                      headers={"Content-Type": ctype})
        expect(r.status < 500, f"{fmt} case {i}: {r.status} for {body!r}")
        if r.status != 201:
            expect(r.status in (400, 413, 415, 422), f"{fmt} case {i}: {r}")
            refused.append(ds)
            continue
        try:
            header, want = parse(body)
        except (ValueError, csv.Error, UnicodeDecodeError, KeyError, IndexError) as e:
            raise AssertionError(f"{fmt} case {i}: accepted, but the reference parser "
                                 f"refuses it ({e}): {body!r}")
        names = [h for h in header if h not in ("id", "label")]
        want = [(w[0], w[1]) + tuple(w[2 + ATTRS.index(n)] if n in ATTRS else None for n in names)
                for w in want]
        accepted.append((i, ds, names, want, body))
    eq(s.request("GET", "/healthz").status, 200, "alive")
    expect(s.proc.poll() is None, "server process alive")
    eq(stored(ctx, refused), {}, f"{fmt}: refused uploads stored rows")
    got = stored(ctx, [a[1] for a in accepted])
    for i, ds, names, want, body in accepted:
        g = got.get(ds, [])
        if any(n not in ATTRS for n in names):
            # a mutated header names another attribute: ids and labels only
            g, want = [x[:2] for x in g], [x[:2] for x in want]
        eq(g, want, f"{fmt} case {i}: stored rows differ from the reference parse of {body!r}")
    # Both outcomes must be well represented, or the test tests little
    # (JSON breaks under most byte mutations, so fewer are accepted).
    expect(len(accepted) >= CASES_PER_FORMAT // 50 and len(refused) >= CASES_PER_FORMAT // 4,
           f"{fmt}: {len(accepted)} accepted, {len(refused)} refused")
    print(f"# {fmt}: {CASES_PER_FORMAT} mutated bodies, {len(accepted)} accepted and read back "
          f"equal to the reference parse, {len(refused)} refused with 4xx and nothing stored", flush=True)


def test_mutated_csv_bodies(ctx):
    run(ctx, "csv", "text/csv", base_csv, parse_csv)


def test_mutated_ndjson_bodies(ctx):
    run(ctx, "ndjson", "application/x-ndjson", base_ndjson, parse_ndjson)
