"""Bias bounties end to end: a generated dataset with a planted
underperforming subgroup, null groups, duplicates, (g, h) updates of the
pointer decision list with a repair, hostile predicates, roles, closed
bounties, budget exhaustion, concurrent submissions, an ASR bounty, and a
scan of every response a hunter can reach for holdout leaks.

The test knows the truth of every example it generated, and the holdout is
public as a set (the examples route lists every id, the discovery route the
discovery ids), so the exact holdout numbers the service reports to
administrators are checked here against numbers computed from their
definitions."""
import csv
import io
import json
import os
import math
import random
import re
import threading
from statistics import NormalDist

from harness import Server, expect, eq, close, psql

CSV = "text/csv"
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
ACCENTS = ["us", "uk", "scottish", "indian", "welsh"]
PLANTED = "accent = 'scottish' AND age >= 50"
PLANTED_REPHRASED = "age >= 50 AND accent = 'scottish'"


def planted(row):
    return row["accent"] == "scottish" and row["age"] >= 50


def gen_classification(seed=11, n=8000):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        r = {"id": f"x{i}", "accent": rng.choice(ACCENTS), "gender": rng.choice("fm"),
             "age": rng.randint(18, 79), "region": f"r{rng.randint(0, 9)}",
             "label": "1" if rng.random() < 0.4 else "0"}
        wrong = rng.random() < (0.45 if planted(r) else 0.15)
        r["pred"] = ("0" if r["label"] == "1" else "1") if wrong else r["label"]
        r["u"] = rng.random()   # for building h's
        rows.append(r)
    return rows


def to_csv(header, records):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for rec in records:
        w.writerow(rec)
    return out.getvalue()


def upload(s, key, path, body):
    r = s.request("POST", path, body.encode(), key=key, headers={"Content-Type": CSV})
    eq(r.status, 201, f"upload {path}: {r}")


def new_dataset(s, key, task, truth_csv, pred_csv, name="bounty data"):
    ds = s.request("POST", "/v1/datasets", {"name": name, "task": task}, key=key).json()["id"]
    upload(s, key, f"/v1/datasets/{ds}/examples", truth_csv)
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "base", "version": "1"},
                  key=key).json()["id"]
    upload(s, key, f"/v1/models/{m}/predictions", pred_csv)
    return ds, m


def setup():
    s = Server()
    keys = {"admin": s.admin_key, "analyst": s.key("analyst"), "viewer": s.key("viewer")}
    for name in ("alice", "bob", "carol", "dave", "erin", "<b>mallory</b>"):
        keys[name] = s.key("hunter", name)
    keys["hunter"] = keys["alice"]
    rows = gen_classification()
    truth = to_csv(["id", "label", "accent", "gender", "age", "region"],
                   [[r["id"], r["label"], r["accent"], r["gender"], r["age"], r["region"]]
                    for r in rows])
    preds = to_csv(["id", "prediction"], [[r["id"], r["pred"]] for r in rows])
    ds, m = new_dataset(s, keys["analyst"], "classification", truth, preds)
    ctx = {"srv": s, "keys": keys, "rows": rows, "by_id": {r["id"]: r for r in rows},
           "ds": ds, "model": m, "seen": []}
    # min_gap 0.1: the planted gap is 0.3, while a null group would need
    # the reusable holdout's noise to add some 0.08.  epsilon 1: this file
    # tests the mechanics with noise well below the effects (at most 0.04
    # for a group of 300 holdout members, against effects of 0.12 to 0.3);
    # test_56_bounty_attacks.py tests the default privacy and its effects.
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate",
                                           "min_gap": 0.1, "epsilon": 1},
                  key=keys["analyst"])
    eq(r.status, 201, f"create bounty {r}")
    ctx["bounty"] = r.json()
    return ctx


# ---- helpers ----

def hreq(ctx, who, method, path, body=None, headers=None):
    """A request by a hunter; its response is kept for the leak scan."""
    r = ctx["srv"].request(method, path, body, key=ctx["keys"][who], headers=headers)
    ctx["seen"].append((f"{who} {method} {path}", r.status, r.body))
    return r


def submit(ctx, who, group, bounty=None, **extra):
    b = bounty or ctx["bounty"]["id"]
    return hreq(ctx, who, "POST", f"/v1/bounties/{b}/submissions", {"group": group, **extra})


def parts(ctx, bounty=None):
    """Every example's part ("discovery", "holdout", "reporting"), as the
    examples route tells those who see exact numbers."""
    b = bounty or ctx["bounty"]["id"]
    key = ("parts", b)
    if key not in ctx:
        r = ctx["srv"].request("GET", f"/v1/bounties/{b}/examples", key=ctx["keys"]["analyst"])
        eq(r.status, 200, f"examples for the analyst {r}")
        ctx[key] = {e["id"]: e["part"] for e in r.json()["examples"]}
    return ctx[key]


def holdout_ids(ctx, bounty=None):
    """The holdout verdicts are judged on, as a set."""
    return {i for i, p in parts(ctx, bounty).items() if p == "holdout"}


def reporting_ids(ctx, bounty=None):
    return {i for i, p in parts(ctx, bounty).items() if p == "reporting"}


def secret_ids(ctx, bounty=None):
    """What hunters can tell is secret: every example id minus the
    discovery ids (the holdout and the reporting part)."""
    key = ("secret", bounty or ctx["bounty"]["id"])
    if key not in ctx:
        b = bounty or ctx["bounty"]["id"]
        ex = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/examples").json()["examples"]
        disc = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/discovery").json()["rows"]
        ctx[key] = {e["id"] for e in ex} - {d["id"] for d in disc}
    return ctx[key]


def error_rate(rows, loss):
    rows = list(rows)
    return sum(loss(r) for r in rows) / len(rows)


def board(ctx, who="alice", bounty=None):
    b = bounty or ctx["bounty"]["id"]
    if who in ("admin", "analyst", "viewer"):
        r = ctx["srv"].request("GET", f"/v1/bounties/{b}/leaderboard", key=ctx["keys"][who])
    else:
        r = hreq(ctx, who, "GET", f"/v1/bounties/{b}/leaderboard")
    eq(r.status, 200, f"leaderboard {r}")
    return r.json()


def admin_submission(ctx, sid, bounty=None):
    b = bounty or ctx["bounty"]["id"]
    r = ctx["srv"].request("GET", f"/v1/bounties/{b}/submissions/{sid}", key=ctx["keys"]["admin"])
    eq(r.status, 200, f"admin get submission {r}")
    return r.json()


# ---- OpenAPI and roles ----

ROUTES = [
    ("POST", "/v1/bounties", {"admin", "analyst"}),
    ("GET", "/v1/bounties", {"admin", "analyst", "hunter", "viewer"}),
    ("GET", "/v1/bounties/{b}", {"admin", "analyst", "hunter", "viewer"}),
    ("POST", "/v1/bounties/{b}/close", {"admin", "analyst"}),
    ("GET", "/v1/bounties/{b}/discovery", {"admin", "analyst", "hunter"}),
    ("GET", "/v1/bounties/{b}/examples", {"admin", "analyst", "hunter"}),
    ("POST", "/v1/bounties/{b}/submissions", {"admin", "hunter"}),
    ("GET", "/v1/bounties/{b}/submissions", {"admin", "analyst", "hunter"}),
    ("GET", "/v1/bounties/{b}/submissions/999999", {"admin", "analyst", "hunter"}),
    ("GET", "/v1/bounties/{b}/leaderboard", {"admin", "analyst", "hunter", "viewer"}),
    ("GET", "/v1/bounties/{b}/report", {"admin", "analyst", "hunter", "viewer"}),
]


def test_openapi_describes_the_bounty_routes(ctx):
    doc = ctx["srv"].request("GET", "/openapi.json").json()
    paths = doc["paths"]
    for method, path, _ in ROUTES:
        templ = re.sub(r"\{[a-z_]+\}", "{}", path.replace("999999", "{s}"))
        match = [p for p in paths if re.sub(r"\{[a-z_]+\}", "{}", p) == templ]
        expect(match, f"{path} missing from OpenAPI")
        expect(method.lower() in paths[match[0]], f"{method} {path} missing from OpenAPI")
    for name in ("Bounty", "BountyCreate", "Submission", "SubmissionCreate", "Leaderboard"):
        expect(name in doc["components"]["schemas"], f"schema {name}")


def test_every_bounty_route_checks_key_and_role(ctx):
    s, keys = ctx["srv"], ctx["keys"]
    # A bounty of its own, since admins and analysts may close it here.
    b = s.request("POST", "/v1/bounties", {"model_id": ctx["model"], "metric": "error_rate"},
                  key=keys["analyst"]).json()["id"]
    for method, path, allowed in ROUTES:
        path = path.replace("{b}", str(b))
        body = "{}" if method == "POST" else None
        r = s.request(method, path, body=body)
        eq(r.status, 401, f"{method} {path} without key")
        eq(r.header("Content-Type"), "application/problem+json", "problem type")
        eq(s.request(method, path, body=body, key="fa_000000000000_notavalidkeyatall").status,
           401, f"{method} {path} with a bad key")
        for role in ("admin", "analyst", "hunter", "viewer"):
            r = s.request(method, path, body=body, key=keys[role])
            if role in allowed:
                expect(r.status not in (401, 403), f"{role} refused on {method} {path}: {r}")
            else:
                eq(r.status, 403, f"{role} on {method} {path}")


# ---- creation ----

def test_create_validation(ctx):
    s, key, m = ctx["srv"], ctx["keys"]["analyst"], ctx["model"]
    cases = [
        ({"metric": "error_rate"}, "model_id"),
        ({"model_id": m}, "metric"),
        ({"model_id": m, "metric": "wer"}, "wer"),
        ({"model_id": m, "metric": "accuracy"}, "metric"),
        ({"model_id": m, "metric": "error_rate", "holdout_fraction": 1}, "holdout_fraction"),
        ({"model_id": m, "metric": "error_rate", "min_support": 0}, "min_support"),
        ({"model_id": m, "metric": "error_rate", "budget": 2.5}, "budget"),
        ({"model_id": m, "metric": "error_rate", "holdout_noise": 0}, "holdout_noise"),
        ({"model_id": m, "metric": "error_rate", "opens_at": "yesterday"}, "opens_at"),
        ({"model_id": m, "metric": "error_rate", "closes_at": "2030-02-30T00:00:00Z"}, "closes_at"),
        ({"model_id": m, "metric": "error_rate", "opens_at": "2030-01-02T00:00:00Z",
          "closes_at": "2030-01-01T00:00:00Z"}, "closes_at"),
        ({"model_id": m, "metric": "error_rate", "secret": "x"}, "secret"),
        ({"model_id": 987654, "metric": "error_rate"}, "987654"),
    ]
    for body, word in cases:
        r = s.request("POST", "/v1/bounties", body, key=key)
        eq(r.status, 422, f"{body}: {r}")
        expect(word in r.json()["detail"], f"detail names {word}: {r.json()['detail']}")


def test_create_and_get(ctx):
    b = ctx["bounty"]
    eq(b["metric"], "error_rate", "metric")
    eq(b["status"], "open", "status")
    eq(b["holdout_fraction"], 0.5, "default fraction")
    eq(b["min_support"], 30, "default min_support")
    eq(b["budget"], 100, "default budget")
    eq(b["discovery_rows"] + b["holdout_rows"] + b["reporting_rows"], len(ctx["rows"]),
       "split sizes")
    # 8,000 x 0.5 x 0.7 = 2,800 judged on, 1,200 for published numbers;
    # the bounds are 7 standard deviations (sd 41 and 33) either side
    expect(2500 < b["holdout_rows"] < 3100, f"holdout share: {b['holdout_rows']}")
    expect(960 < b["reporting_rows"] < 1440, f"reporting share: {b['reporting_rows']}")
    expect("secret" not in json.dumps(b).lower(), "no secret in the bounty")
    secret = psql(f"SELECT encode(secret, 'hex') FROM bounties WHERE id = {b['id']}",
                  db=ctx["srv"].dbname).strip()
    eq(len(secret), 64, "a 32-byte secret is stored")
    r = hreq(ctx, "alice", "GET", f"/v1/bounties/{b['id']}")
    eq(r.status, 200, "hunter reads the bounty")
    got = r.json()
    eq(got["you"]["budget_left"], 100, "fresh budget")
    expect(secret not in r.body, "secret not served")
    expect("overall_error_exact" not in got, "no exact holdout number for a hunter")
    lst = hreq(ctx, "alice", "GET", "/v1/bounties").json()["bounties"]
    expect(any(x["id"] == b["id"] for x in lst), "listed")
    html = hreq(ctx, "alice", "GET", "/v1/bounties?format=html")
    eq(html.status, 200, "html list")
    expect(f"/v1/bounties/{b['id']}/report" in html.body, "html list links the report")
    # Exact base error on the holdout, from the definition.
    hold, rep = holdout_ids(ctx), reporting_ids(ctx)
    eq(len(hold), b["holdout_rows"], "holdout rows")
    eq(len(rep), b["reporting_rows"], "reporting rows")
    eq(secret_ids(ctx), hold | rep, "examples minus discovery = holdout and reporting part")
    close(b["reporting_share"], 0.3, 1e-15, "reporting share of the holdout")
    expect(0.25 < len(rep) / (len(hold) + len(rep)) < 0.35, f"reporting part {len(rep)}")
    base = error_rate((ctx["by_id"][i] for i in hold), lambda r: r["pred"] != r["label"])
    a = ctx["srv"].request("GET", f"/v1/bounties/{b['id']}", key=ctx["keys"]["admin"]).json()
    close(a["overall_error_exact"], base, 1e-12, "base overall holdout error")
    pub = error_rate((ctx["by_id"][i] for i in rep), lambda r: r["pred"] != r["label"])
    close(got["overall_error"], round(pub, 3), 1e-12,
          "public overall error: on the reporting part, rounded")
    for x in ctx["srv"].request("GET", f"/v1/bounties/{b['id']}/examples",
                                key=ctx["keys"]["alice"]).json()["examples"][:50]:
        expect("part" not in x, "hunters are not told the parts")


def test_discovery_and_examples(ctx):
    b, rows = ctx["bounty"]["id"], ctx["by_id"]
    disc = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/discovery")
    eq(disc.status, 200, "discovery")
    d = disc.json()
    eq(d["count"], ctx["bounty"]["discovery_rows"], "discovery count")
    eq(d["attributes"], ["accent", "gender", "age", "region"], "attributes")
    for x in d["rows"]:
        r = rows[x["id"]]
        eq((x["label"], x["prediction"], x["attributes"]["accent"], x["attributes"]["age"]),
           (r["label"], r["pred"], r["accent"], str(r["age"])), f"discovery row {x['id']}")
    hold = secret_ids(ctx)
    expect(not hold & {x["id"] for x in d["rows"]}, "no holdout row in discovery")
    c = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/discovery?format=csv")
    eq(c.header("Content-Type").split(";")[0], CSV, "csv type")
    recs = list(csv.reader(io.StringIO(c.body)))
    eq(recs[0], ["id", "accent", "gender", "age", "region", "label", "prediction"], "csv header")
    eq(len(recs) - 1, d["count"], "csv rows")
    c2 = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/discovery", headers={"Accept": "text/csv"})
    eq(c2.body, c.body, "Accept: text/csv")
    ex = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/examples")
    e = ex.json()
    eq(e["count"], len(rows), "examples count")
    eq({x["id"] for x in e["examples"]}, set(rows), "every example")
    for x in e["examples"]:
        eq(set(x), {"id", "attributes"}, "examples carry ids and attributes only")
    ec = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/examples?format=csv")
    eq(next(csv.reader(io.StringIO(ec.body))), ["id", "accent", "gender", "age", "region"],
       "examples csv has no label column")
    eq(hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/examples?format=xml").status, 400, "format")


# ---- verdicts ----

def test_planted_subgroup_is_accepted(ctx):
    r = submit(ctx, "alice", PLANTED)
    eq(r.status, 201, f"submit {r}")
    v = r.json()
    eq(v["status"], "accepted", f"planted group: {v}")
    eq(v["canonical"], PLANTED, "canonical text")
    eq(v["hunter"], "alice", "hunter")
    hold = holdout_ids(ctx)
    g = [ctx["by_id"][i] for i in hold if planted(ctx["by_id"][i])]
    rest = [ctx["by_id"][i] for i in hold if not planted(ctx["by_id"][i])]
    eq(v["support"], len(g), "support = holdout members")
    close(v["weight"], len(g) / len(hold), 1e-12, "weight = holdout share")
    for k in ("metric_group", "metric_rest", "holdout", "gap_se", "gap_low", "p_value",
              "p_adjusted"):
        expect(k not in v, f"hunter verdict has no {k}")
    close(v["significance_level"], 0.05, 1e-15, "first submission: unadjusted level")
    expect("p-value" not in v["reason"], v["reason"])
    expect(v["gap"] > 0.15 and "significant" in v["reason"], f"released gap {v}")
    close(v["points"], v["weight"] * v["gap"], 1e-12, "points = weight x gap")
    # The exact holdout verdict, for administrators, from the definitions.
    a = admin_submission(ctx, v["id"])["holdout"]["holdout"]
    err = lambda r: r["pred"] != r["label"]
    eg, er = error_rate(g, err), error_rate(rest, err)
    close(a["metric_group"], eg, 1e-12, "holdout metric on the group")
    close(a["metric_rest"], er, 1e-12, "holdout metric on the rest")
    pool = (eg * len(g) + er * len(rest)) / (len(g) + len(rest))
    se = math.sqrt(pool * (1 - pool) * (1 / len(g) + 1 / len(rest)))
    eq(a["test"], "z", "test")
    close(a["p_value"], 1 - NormalDist().cdf((eg - er) / se), 1e-9, "one-sided z p-value")
    ctx["planted_id"] = v["id"]
    # The stored holdout members: bit i = the i-th holdout example in upload order.
    hexbits = psql(f"SELECT encode(members, 'hex') FROM bounty_submissions WHERE id = {v['id']}",
                   db=ctx["srv"].dbname).strip()
    bits = bytes.fromhex(hexbits)
    order = sorted(hold, key=lambda i: int(i[1:]))
    eq(len(bits), (len(order) + 7) // 8, "member bytes")
    got = {order[i] for i in range(len(order)) if bits[i // 8] >> (i % 8) & 1}
    eq(got, {r["id"] for r in g}, "stored holdout members")


def test_null_groups_are_rejected(ctx):
    for group in ("gender = 'f'", "region IN ('r1', 'r2', 'r3')", "age < 40",
                  "accent = 'us' OR accent = 'uk'"):
        r = submit(ctx, "alice", group)
        eq(r.status, 201, f"{group}: {r}")
        v = r.json()
        eq(v["status"], "rejected", f"{group}: {v}")
        expect(v["reason"], "reason given")
    subs = hreq(ctx, "alice", "GET", f"/v1/bounties/{ctx['bounty']['id']}/submissions").json()
    eq([x["seq"] for x in subs["submissions"]], [1, 2, 3, 4, 5], "seq numbers")
    # The fifth submission is judged with a Bonferroni factor of 5.
    a = admin_submission(ctx, subs["submissions"][-1]["id"])["holdout"]
    eq(a["prior"], 4, "prior judged submissions")
    close(a["holdout"]["p_adjusted"], min(1, 5 * a["holdout"]["p_value"]), 1e-12, "Bonferroni")


def test_small_groups_are_refused_without_member_details(ctx):
    r = submit(ctx, "bob", "accent = 'welsh' AND age = 33 AND gender = 'f'")
    eq(r.status, 201, f"small group {r}")
    v = r.json()
    eq(v["status"], "rejected", "too small")
    eq(v["support"], None, "no support")
    for k in ("gap", "weight", "overlap"):
        eq(v[k], None, f"{k} withheld")
    for k in ("p_value", "p_adjusted", "gap_low", "gap_high"):
        expect(k not in v, f"{k} never shown to hunters")
    eq(v["reason"], "the group has fewer than 30 holdout members", "reason says nothing more")
    r = submit(ctx, "bob", "accent = 'nobody'")
    eq(r.json()["reason"], "the group has fewer than 30 holdout members", "empty group")


def test_rephrased_repeat_is_a_duplicate_credited_to_the_first(ctx):
    r = submit(ctx, "bob", "NOT (accent != 'scottish' OR age < 50)")
    eq(r.status, 201, f"rephrased {r}")
    v = r.json()
    eq(v["status"], "duplicate", f"rephrased repeat: {v}")
    eq(v["duplicate_of"], ctx["planted_id"], "duplicate of alice's finding")
    eq(v["credited_to"]["hunter"], "alice", "credited to alice")
    close(v["overlap"], 1.0, 1e-12, "same holdout members")
    lb = board(ctx, "bob")
    alice = [h for h in lb["hunters"] if h["hunter"] == "alice"][0]
    eq(alice["duplicates_credited"], 1, "alice credited")
    eq(lb["findings"][0]["duplicates_credited"], 1, "finding credited")
    close(alice["points"], lb["findings"][0]["points"], 1e-12, "alice's points")


def h_predictions(ctx, cond, correct):
    """Predictions for every example matching cond: the truth when
    correct(row), else the wrong label."""
    out = []
    for r in ctx["rows"]:
        if cond(r):
            p = r["label"] if correct(r) else ("0" if r["label"] == "1" else "1")
            out.append({"id": r["id"], "prediction": p})
    return out


def patched_loss(ctx, r):
    """The loss of the patched model the test expects, row by row."""
    for cond, h in reversed(ctx.get("expected_list", [])):
        if cond(r):
            return h(r) != r["label"]
    return r["pred"] != r["label"]


def welsh(r):
    return r["accent"] == "welsh"


def h2(r):
    return r["label"] if r["u"] < 0.97 else ("0" if r["label"] == "1" else "1")


def test_improvement_with_predictions_is_accepted(ctx):
    before = board(ctx, "carol")["history"]
    preds = [{"id": r["id"], "prediction": h2(r)} for r in ctx["rows"] if welsh(r)]
    r = submit(ctx, "carol", "accent = 'welsh'", predictions=preds)
    eq(r.status, 201, f"(g, h) {r}")
    v = r.json()
    eq(v["status"], "accepted", f"(g, h): {v}")
    eq(v["h"], "predictions", "h kind")
    expect(v["improvement"] > 0.01, f"improvement {v['improvement']}")
    close(v["points"], v["value"], 1e-12, "points = weight x improvement")
    eq(v["version"], 1, "first version of the list")
    ctx["expected_list"] = [(welsh, h2)]
    hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
    want = error_rate(hold, lambda r: patched_loss(ctx, r))
    lb = board(ctx, "admin")
    eq(len(lb["history"]), 2, "a new version")
    close(lb["history"][-1]["overall_error_exact"], want, 1e-12, "patched overall error")
    expect(lb["history"][-1]["overall_error_exact"] < lb["history"][0]["overall_error_exact"],
           "patched model better overall")
    a = admin_submission(ctx, v["id"])["holdout"]["holdout"]
    g = [x for x in hold if welsh(x)]
    close(a["metric_h"], error_rate(g, lambda x: h2(x) != x["label"]), 1e-12, "h on the group")
    close(a["metric_group"], error_rate(g, lambda x: x["pred"] != x["label"]), 1e-12,
          "current model on the group")
    expect(a["metric_h"] < a["metric_group"], "better on the group")
    hunter_hist = board(ctx, "carol")["history"]
    eq(len(hunter_hist), len(before) + 1, "leaderboard history grows")
    expect(hunter_hist[-1]["overall_error"] < hunter_hist[0]["overall_error"],
           "the leaderboard shows the error dropping")
    expect("overall_error_exact" not in hunter_hist[-1], "hunters see the rounded number")


def old(r):
    return r["age"] >= 60


def test_h_predictions_are_stored_per_row(ctx):
    n = psql("SELECT count(*) FROM bounty_h_predictions h JOIN bounty_findings f"
             " ON f.submission_id = h.submission_id WHERE f.canonical = $$accent = 'welsh'$$",
             db=ctx["srv"].dbname).strip()
    eq(int(n), sum(1 for r in ctx["rows"] if welsh(r)), "one stored prediction per group row")


def h3(r):
    if welsh(r) and r["u"] < 0.35:
        return "0" if r["label"] == "1" else "1"
    return r["label"]


def test_update_that_hurts_an_earlier_group_is_repaired(ctx):
    preds = [{"id": r["id"], "prediction": h3(r)} for r in ctx["rows"] if old(r)]
    r = submit(ctx, "dave", "age >= 60", predictions=preds)
    eq(r.status, 201, f"(g3, h3) {r}")
    v = r.json()
    eq(v["status"], "accepted", f"(g3, h3): {v}")
    expect(v["repairs"] >= 1, f"a repair node: {v}")
    lb = board(ctx, "admin")
    kinds = [n["kind"] for n in lb["decision_list"]]
    eq(kinds, ["model", "model", "repair"], "decision list")
    eq(lb["decision_list"][2]["group"], "accent = 'welsh'", "repair of the welsh group")
    eq(lb["decision_list"][2]["target"], 1, "back to version 1")
    # Expected patched model: welsh rows by h2 (repaired), other old rows by h3.
    ctx["expected_list"] = [(old, h3), (welsh, h2)]
    hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
    want = error_rate(hold, lambda x: patched_loss(ctx, x))
    close(lb["history"][-1]["overall_error_exact"], want, 1e-12, "overall after the repair")
    eq(lb["history"][-1]["version"], 3, "version 3")
    errs = [h["overall_error_exact"] for h in lb["history"]]
    expect(all(a > b for a, b in zip(errs, errs[1:])), f"never rises: {errs}")
    welsh_best = error_rate([x for x in hold if welsh(x)], lambda x: h2(x) != x["label"])
    welsh_now = error_rate([x for x in hold if welsh(x)], lambda x: patched_loss(ctx, x))
    close(welsh_now, welsh_best, 1e-12, "the welsh group is back at its best")


def test_improvement_given_as_a_model(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    indian = lambda r: r["accent"] == "indian"
    m2 = s.request("POST", f"/v1/datasets/{ctx['ds']}/models", {"name": "better on indian"},
                   key=key).json()["id"]
    body = to_csv(["id", "prediction"],
                  [[r["id"], r["label"] if indian(r) and r["u"] < 0.98 else r["pred"]]
                   for r in ctx["rows"]])
    upload(s, key, f"/v1/models/{m2}/predictions", body)
    r = submit(ctx, "carol", "accent = 'indian'", model_id=m2)
    eq(r.status, 201, f"model h {r}")
    v = r.json()
    eq(v["status"], "accepted", f"model h: {v}")
    eq((v["h"], v["h_model_id"]), ("model", m2), "h names the model")
    expect(v["version"] >= 4, f"version {v['version']}")

    def m2h(r):
        return r["label"] if r["u"] < 0.98 else r["pred"]
    # Indian rows over 60 stay with h3, which is better there: a repair.
    ctx["expected_list"] = [(indian, m2h), (old, h3), (welsh, h2)]
    hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
    lb = board(ctx, "admin")
    close(lb["history"][-1]["overall_error_exact"],
          error_rate(hold, lambda x: patched_loss(ctx, x)), 1e-12,
          f"overall with the model h; list {lb['decision_list']}")
    eq(lb["history"][-1]["version"], v["version"], "history version")
    # A later submission rebuilds the list from the referenced model.
    r = submit(ctx, "carol", "gender = 'm' AND region = 'r0'")
    eq(r.status, 201, f"after a model finding {r}")
    other = s.request("POST", "/v1/datasets", {"name": "other", "task": "classification"},
                      key=key).json()["id"]
    m3 = s.request("POST", f"/v1/datasets/{other}/models", {"name": "x"}, key=key).json()["id"]
    r = submit(ctx, "carol", "accent = 'uk'", model_id=m3)
    eq(r.status, 422, f"model of another dataset {r}")
    expect("dataset" in r.json()["detail"], r.json()["detail"])
    r = submit(ctx, "carol", "accent = 'uk'", model_id=m2, predictions=[])
    eq(r.status, 422, "both kinds of h")


def test_a_restarted_server_rebuilds_the_list_from_the_database(ctx):
    s2 = Server(database=(ctx["srv"].dbname, ctx["srv"].url),
                extra_env={"FAIRAUDIT_BOUNTY_CACHE": "0"})
    try:
        b = ctx["bounty"]["id"]
        lb = s2.request("GET", f"/v1/bounties/{b}/leaderboard", key=ctx["keys"]["admin"]).json()
        before = lb["history"][-1]

        def young_uk(r):
            return r["accent"] == "uk" and r["age"] < 40
        preds = [{"id": r["id"], "prediction": r["label"]} for r in ctx["rows"] if young_uk(r)]
        r = s2.request("POST", f"/v1/bounties/{b}/submissions",
                       {"group": "accent = 'uk' AND age < 40", "predictions": preds},
                       key=ctx["keys"]["dave"])
        eq(r.status, 201, f"on the second server {r}")
        v = r.json()
        eq(v["status"], "accepted", f"young uk: {v}")
        eq(v["version"], before["version"] + 1, "the list went on from the stored one")
        ctx["expected_list"].append((young_uk, lambda x: x["label"]))
        hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
        lb = s2.request("GET", f"/v1/bounties/{b}/leaderboard", key=ctx["keys"]["admin"]).json()
        close(lb["history"][-1]["overall_error_exact"],
              error_rate(hold, lambda x: patched_loss(ctx, x)), 1e-12, "overall after restart")
    finally:
        s2.stop()


def test_an_h_for_an_accepted_group_is_an_improvement_not_a_duplicate(ctx):
    # Alice's planted finding was a group alone; an h for that very group
    # (any phrasing) is judged against the current model and credited as an
    # improvement on her finding, where the group alone was a duplicate.
    # h gives every label right, so it is at least as good as any earlier
    # node on every row of the group and the list needs no repair.
    before = board(ctx, "admin")["history"][-1]
    preds = [{"id": r["id"], "prediction": r["label"]} for r in ctx["rows"] if planted(r)]
    r = submit(ctx, "erin", PLANTED_REPHRASED, predictions=preds)
    eq(r.status, 201, f"(planted, h) {r}")
    v = r.json()
    eq(v["status"], "accepted", f"an improvement on the finding: {v}")
    eq(v["improves"], ctx["planted_id"], "improves alice's finding")
    eq(v["duplicate_of"], None, "not a duplicate")
    expect(f"accepted finding {ctx['planted_id']}" in v["reason"], v["reason"])
    close(v["points"], v["value"], 1e-12, "credited as weight x improvement")
    eq((v["version"], v["repairs"]), (before["version"] + 1, 0), "one new node")
    ctx["expected_list"].append((planted, lambda x: x["label"]))
    hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
    lb = board(ctx, "admin")
    close(lb["history"][-1]["overall_error_exact"],
          error_rate(hold, lambda x: patched_loss(ctx, x)), 1e-12, "overall with the new h")


def test_patched_model_is_a_model_like_any_other(ctx):
    s, b = ctx["srv"], ctx["bounty"]["id"]
    r = hreq(ctx, "alice", "POST", f"/v1/bounties/{b}/patched-model", {})
    eq(r.status, 403, f"hunters cannot {r}")
    r = s.request("POST", f"/v1/bounties/{b}/patched-model", {"color": 1}, key=ctx["keys"]["analyst"])
    eq(r.status, 422, f"unknown field {r}")
    r = s.request("POST", f"/v1/bounties/{b}/patched-model", {}, key=ctx["keys"]["analyst"])
    eq(r.status, 201, f"patched model {r}")
    m = r.json()
    lb = board(ctx, "admin")
    nodes = lb["decision_list"]
    eq(m["list_version"], len(nodes), "the list's current version")
    eq((m["dataset_id"], m["predictions"]), (ctx["ds"], len(ctx["rows"])), "every example")
    expect(m["name"].endswith(f"patched by bounty {b}"), m["name"])

    # The list as the paper defines it, from its nodes: a row is answered
    # by the newest node whose group holds it; a repair node answers as
    # the version it points back to.
    indian = lambda r: r["accent"] == "indian"          # noqa: E731
    young_uk = lambda r: r["accent"] == "uk" and r["age"] < 40    # noqa: E731
    cond = {"accent = 'welsh'": welsh, "age >= 60": old, "accent = 'indian'": indian,
            "accent = 'uk' AND age < 40": young_uk, PLANTED_REPHRASED: planted}
    h_of = {"accent = 'welsh'": h2, "age >= 60": h3,
            "accent = 'indian'": lambda r: r["label"] if r["u"] < 0.98 else r["pred"],
            "accent = 'uk' AND age < 40": lambda r: r["label"],
            PLANTED_REPHRASED: lambda r: r["label"]}

    def answer(r, version):
        for n in reversed(nodes[:version]):
            if cond[n["group"]](r):
                return h_of[n["group"]](r) if n["kind"] == "model" else answer(r, n["target"])
        return r["pred"]
    got = dict(line.split("|") for line in psql(
        f"SELECT e.ext_id, p.prediction FROM predictions p JOIN examples e"
        f" ON e.dataset_id = {ctx['ds']} AND e.ord = p.ord WHERE p.model_id = {m['id']}",
        db=s.dbname).split())
    want = {r["id"]: answer(r, len(nodes)) for r in ctx["rows"]}
    eq([i for i in want if got[i] != want[i]][:5], [], "every row answered as the list says")
    expect(sum(want[r["id"]] != r["pred"] for r in ctx["rows"]) > 300, "h answers many rows")
    hold = [ctx["by_id"][i] for i in holdout_ids(ctx)]
    close(lb["history"][-1]["overall_error_exact"],
          sum(want[x["id"]] != x["label"] for x in hold) / len(hold), 1e-12,
          "the leaderboard's holdout error, from the stored predictions")
    # Evaluated and compared like any other model.
    r = s.request("POST", f"/v1/models/{m['id']}/evaluations", {"by": [["accent"]]},
                  key=ctx["keys"]["analyst"])
    eq(r.status, 201, f"evaluation {r}")
    rows = ctx["rows"]
    close(r.json()["overall"]["metrics"]["error_rate"]["value"],
          sum(want[x["id"]] != x["label"] for x in rows) / len(rows), 1e-12, "overall error")
    r = s.request("GET", f"/v1/models/{ctx['model']}/compare/{m['id']}/report?format=json&by=accent",
                  key=ctx["keys"]["viewer"])
    eq(r.status, 200, f"compared with the base model {r}")


def test_predictions_must_cover_exactly_the_group(ctx):
    group = "accent = 'uk' AND gender = 'f'"
    members = [r for r in ctx["rows"] if r["accent"] == "uk" and r["gender"] == "f"]
    preds = [{"id": r["id"], "prediction": r["label"]} for r in members]
    r = submit(ctx, "bob", group, predictions=preds[2:])
    eq(r.status, 422, f"missing {r}")
    d = r.json()["detail"]
    expect("2 are missing" in d and members[0]["id"] in d and members[1]["id"] in d, d)
    outsider = next(r for r in ctx["rows"] if r["accent"] == "us")
    r = submit(ctx, "bob", group, predictions=preds + [{"id": outsider["id"], "prediction": "1"},
                                                      {"id": "nope", "prediction": "1"}])
    eq(r.status, 422, f"extra {r}")
    d = r.json()["detail"]
    expect("2 are not in the group" in d and outsider["id"] in d and "nope" in d, d)
    r = submit(ctx, "bob", group, predictions=preds + preds[:1])
    eq(r.status, 422, "twice")
    r = submit(ctx, "bob", group, predictions=[{"id": members[0]["id"]}] + preds[1:])
    eq(r.status, 422, "no prediction field")


def test_large_h_bodies_up_to_16_mib(ctx):
    """A submission's h may be predictions for a large group: its body may
    exceed the 1 MiB of other JSON requests, up to 16 MiB."""
    group = "region = 'r5'"
    preds = [{"id": r["id"], "prediction": r["pred"]} for r in ctx["rows"] if r["region"] == "r5"]
    body = json.dumps({"group": group, "predictions": preds})
    big = (body + " " * (2 * 1024 * 1024)).encode()
    r = hreq(ctx, "bob", "POST", f"/v1/bounties/{ctx['bounty']['id']}/submissions", big,
             headers={"Content-Type": "application/json"})
    eq(r.status, 201, f"a 2 MiB submission {r}")
    eq(r.json()["h"], "predictions", "h read")
    # Chunked, so the limit is met mid-body (a declared Content-Length over
    # it is refused before the body: test_00_basics).
    huge = (body + " " * (17 * 1024 * 1024)).encode()
    r = hreq(ctx, "bob", "POST", f"/v1/bounties/{ctx['bounty']['id']}/submissions", huge,
             headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    eq(r.status, 413, f"17 MiB {r}")
    expect("16777216" in r.json()["detail"], r.json()["detail"])
    r = ctx["srv"].request("POST", "/v1/datasets", big, key=ctx["keys"]["analyst"],
                           headers={"Content-Type": "application/json",
                                    "Transfer-Encoding": "chunked"})
    eq(r.status, 413, f"other routes keep 1 MiB {r}")


def test_hostile_predicates_are_refused(ctx):
    cases = [
        ("accent = ", "position"),
        ("accent = 'scottish' AND", "position"),
        ("accent == 'x'", "position"),
        ("(" * 5000 + "accent = 'x'" + ")" * 5000, ""),
        ("NOT " * 5000 + "accent = 'x'", ""),
        ("colour = 'red'", "colour"),
        ("accent = 'x' OR salary > 3", "salary"),
        ("age >= 'old'", "position"),
        ("accent = 'x'; DROP TABLE examples; --", "position"),
        ("1 = 1", "position"),
        ("accent = 'x' UNION SELECT * FROM api_keys", "position"),
        ("accent = 'x\u0000'", ""),
        ("", ""),
    ]
    for group, word in cases:
        r = submit(ctx, "bob", group)
        # a NUL in a JSON string is refused with the body, before the predicate
        eq(r.status, 400 if "\u0000" in group else 422, f"{group[:40]!r}: {r}")
        eq(r.header("Content-Type"), "application/problem+json", "problem")
        expect(word in r.json()["detail"], f"{group[:40]!r}: {r.json()['detail']}")
    n = psql(f"SELECT count(*) FROM examples WHERE dataset_id = {ctx['ds']}", db=ctx["srv"].dbname)
    eq(int(n), len(ctx["rows"]), "the examples are still there")


def test_hunters_see_only_their_own_submissions(ctx):
    b = ctx["bounty"]["id"]
    r = hreq(ctx, "bob", "GET", f"/v1/bounties/{b}/submissions/{ctx['planted_id']}")
    eq(r.status, 404, "another hunter's submission")
    mine = hreq(ctx, "bob", "GET", f"/v1/bounties/{b}/submissions").json()["submissions"]
    expect(mine and all(x["hunter"] == "bob" for x in mine), "bob's list is bob's")
    r = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/submissions/{ctx['planted_id']}")
    eq(r.status, 200, "own submission")
    expect("holdout" not in r.json(), "no exact numbers for the hunter")
    all_ = ctx["srv"].request("GET", f"/v1/bounties/{b}/submissions",
                              key=ctx["keys"]["analyst"]).json()["submissions"]
    expect({x["hunter"] for x in all_} >= {"alice", "bob", "carol", "dave"}, "analyst sees all")
    expect(all("holdout" in x for x in all_), "analyst sees exact numbers")


def test_closed_and_scheduled_bounties_refuse_submissions(ctx):
    s, key, m = ctx["srv"], ctx["keys"]["analyst"], ctx["model"]
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate",
                                           "opens_at": "2020-01-01T00:00:00Z",
                                           "closes_at": "2020-02-01T00:00:00Z"}, key=key)
    eq(r.status, 201, f"past bounty {r}")
    past = r.json()
    eq(past["status"], "closed", "closed by its dates")
    r = submit(ctx, "alice", PLANTED, bounty=past["id"])
    eq(r.status, 409, f"closed {r}")
    expect("closed" in r.json()["detail"], r.json()["detail"])
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate",
                                           "opens_at": "2999-01-01T00:00:00+02:00"}, key=key)
    eq(r.json()["status"], "scheduled", "scheduled")
    eq(submit(ctx, "alice", PLANTED, bounty=r.json()["id"]).status, 409, "not open yet")
    live = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "fnr"}, key=key).json()
    eq(submit(ctx, "alice", "region = 'r5'", bounty=live["id"]).status, 201, "open")
    r = s.request("POST", f"/v1/bounties/{live['id']}/close", key=key)
    eq((r.status, r.json()["status"]), (200, "closed"), "closed by hand")
    eq(submit(ctx, "alice", "region = 'r6'", bounty=live["id"]).status, 409, "closed by hand")


def test_budget_exhaustion_answers_429(ctx):
    # The 429 comes once one answer has come from the holdout.  A query is
    # answered from the discovery part when |holdout - discovery| is within
    # the threshold (0 here) plus Laplace noise; epsilon 100 keeps that
    # noise at holdout_noise (scale 0.001, against a discovery-holdout
    # difference whose spread is about 0.03 for a region of ~350 holdout
    # rows).  Measured over 25 bounties: 1 of 26 queries was answered from
    # the discovery part, so nine in a row (a false failure) have a chance
    # of the order of 0.05^9 < 1e-11.  At the default epsilon 0.2 the noise
    # is ~30 times larger, and 1 of 25 bounties gave no 429 in 10 tries.
    s = ctx["srv"]
    b = s.request("POST", "/v1/bounties", {"model_id": ctx["model"], "metric": "error_rate",
                                           "budget": 1, "holdout_threshold": 0,
                                           "holdout_noise": 0.001, "epsilon": 100},
                  key=ctx["keys"]["analyst"]).json()["id"]
    statuses, refused = [], None
    for i in range(10):
        r = submit(ctx, "erin", f"region = 'r{i}'", bounty=b)
        statuses.append(r.status)
        if r.status == 429:
            refused = r
            break
    expect(refused is not None, f"no 429 after {statuses}")
    p = refused.json()
    eq(p["status"], 429, "problem status")
    eq(refused.header("Content-Type"), "application/problem+json", "problem type")
    eq(p["title"], "Holdout budget exhausted", "title")
    expect("budget of 1" in p["detail"] and "used up" in p["detail"], p["detail"])
    eq(p["budget_left"], 0, "budget left")
    eq(submit(ctx, "erin", "gender = 'm'", bounty=b).status, 429, "stays exhausted")
    sub = hreq(ctx, "erin", "GET", f"/v1/bounties/{b}/submissions/{p['submission_id']}").json()
    eq(sub["status"], "refused", "recorded as refused")
    eq(hreq(ctx, "erin", "GET", f"/v1/bounties/{b}").json()["you"]["budget_left"], 0, "budget 0")
    # Too small groups ask nothing of the holdout and are still answered.
    r = submit(ctx, "erin", "accent = 'nobody'", bounty=b)
    eq(r.status, 201, "a too-small group needs no budget")
    # Another hunter has a budget of their own.
    eq(submit(ctx, "bob", "region = 'r1'", bounty=b).status, 201, "bob's own budget")


def test_concurrent_submissions_are_serialised(ctx):
    s, keys = ctx["srv"], ctx["keys"]
    b = s.request("POST", "/v1/bounties", {"model_id": ctx["model"], "metric": "error_rate"},
                  key=keys["analyst"]).json()["id"]
    hunters = [s.key("hunter", f"swarm{i}") for i in range(4)]
    phrasings = [PLANTED, "age >= 50 AND accent = 'scottish'",
                 "accent IN ('scottish') AND NOT age < 50",
                 "NOT (accent != 'scottish' OR age < 50)", "(accent = 'scottish') AND (age > 49)"]
    results, lock = [], threading.Lock()

    def one(key, group):
        r = s.request("POST", f"/v1/bounties/{b}/submissions", {"group": group}, key=key)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=one, args=(hunters[i % 4], phrasings[i % 5]))
               for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(sorted(r.status for r in results), [201] * 20, f"statuses {[r.status for r in results]}")
    vs = [r.json() for r in results]
    accepted = [v for v in vs if v["status"] == "accepted"]
    odd = sorted((v["id"], v["status"], v["reason"]) for v in vs if v["status"] != "duplicate")
    eq(len(accepted), 1, f"one accepted: {odd}")
    dups = [v for v in vs if v["status"] == "duplicate"]
    eq(len(dups), 19, f"the rest are duplicates; the others: {odd}")
    expect(all(v["duplicate_of"] == accepted[0]["id"] for v in dups), "all of the first")
    expect(all(v["id"] > accepted[0]["id"] for v in dups), "the accepted one came first")
    stored = s.request("GET", f"/v1/bounties/{b}/submissions",
                       key=keys["admin"]).json()["submissions"]
    eq(sorted(x["id"] for x in stored), sorted(v["id"] for v in vs), "all recorded")
    for h in range(4):
        seqs = sorted(x["seq"] for x in stored if x["hunter"] == f"swarm{h}")
        eq(seqs, [1, 2, 3, 4, 5], f"hunter {h} numbered without gaps")
    lb = s.request("GET", f"/v1/bounties/{b}/leaderboard", key=keys["viewer"]).json()
    eq(len(lb["findings"]), 1, "one finding")
    eq(lb["findings"][0]["duplicates_credited"], 19, "19 duplicates credited")


# ---- ASR ----

def test_wer_bounty_on_asr(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(150)]
    rows = []
    for i in range(2400):
        spk = rng.randrange(60)     # 60 speakers, 20 an accent
        accent = ["us", "scottish", "indian"][spk % 3]
        # Distinct words, substitutions from elsewhere: WER is the share of
        # substituted words, whatever the alignment's tie-breaks.
        ref = rng.sample(vocab, 7) + [f"zq{i}"]
        # indian 0.15: a perfect h for it improves by far more than the
        # reusable holdout's noise (Laplace, scale 0.01) could hide
        p = {"scottish": 0.3, "indian": 0.15}.get(accent, 0.05)
        hyp = [w if rng.random() >= p else f"s{rng.randint(0, 99)}" for w in ref]
        rows.append({"id": f"u{i}", "accent": accent, "ref": " ".join(ref), "hyp": " ".join(hyp),
                     "speaker": f"sp{spk}"})
    truth = to_csv(["id", "reference", "speaker", "accent"],
                   [[r["id"], r["ref"], r["speaker"], r["accent"]] for r in rows])
    preds = to_csv(["id", "hypothesis"], [[r["id"], r["hyp"]] for r in rows])
    ds, m = new_dataset(s, key, "asr", truth, preds, name="speech")
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "wer", "epsilon": 1},
                  key=key)
    eq(r.status, 201, f"wer bounty {r}")
    b = r.json()["id"]
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "fpr"}, key=key)
    eq(r.status, 422, "fpr on asr")
    disc = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/discovery").json()
    ex = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/examples").json()
    by_id = {r["id"]: r for r in rows}
    for x in disc["rows"]:
        eq((x["reference"], x["hypothesis"]), (by_id[x["id"]]["ref"], by_id[x["id"]]["hyp"]),
           "discovery transcripts")
    secret = {e["id"] for e in ex["examples"]} - {x["id"] for x in disc["rows"]}
    ctx["asr_holdout_refs"] = [by_id[i]["ref"] for i in secret]
    ctx["asr_holdout_tokens"] = {f"zq{i[1:]}" for i in secret}
    hold = holdout_ids(ctx, b)
    r = submit(ctx, "alice", "accent = 'scottish'", bounty=b)
    eq(r.status, 201, f"asr planted {r}")
    v = r.json()
    eq(v["status"], "accepted", f"scottish WER: {v}")
    eq(v["test"], "delta", "delta-method test for WER")
    a = admin_submission(ctx, v["id"], bounty=b)["holdout"]["holdout"]
    g = [by_id[i] for i in hold if by_id[i]["accent"] == "scottish"]

    def wer(rs):
        errs = sum(sum(1 for x, y in zip(r["ref"].split(), r["hyp"].split()) if x != y) for r in rs)
        return errs / sum(len(r["ref"].split()) for r in rs)
    close(a["metric_group"], wer(g), 1e-12, "pooled WER of the group (substitutions only)")
    # Utterances of one speaker are not independent: the delta-method
    # variance sums residuals per speaker and counts speakers (CR1).
    rest = [by_id[i] for i in hold if by_id[i]["accent"] != "scottish"]

    def cr1(rs):
        ratio = wer(rs)
        per = {}
        for r in rs:
            e = sum(1 for x, y in zip(r["ref"].split(), r["hyp"].split()) if x != y)
            per[r["speaker"]] = per.get(r["speaker"], 0) + e - ratio * len(r["ref"].split())
        n, words = len(per), sum(len(r["ref"].split()) for r in rs)
        return n / (n - 1) * sum(u * u for u in per.values()) / words ** 2
    close(a["gap_se"], math.sqrt(cr1(g) + cr1(rest)), 1e-12, "speaker-clustered standard error")
    # A perfect h for the indian utterances, as hypotheses.
    preds = [{"id": r["id"], "hypothesis": r["ref"]} for r in rows if r["accent"] == "indian"]
    r = submit(ctx, "bob", "accent = 'indian'", bounty=b, predictions=preds)
    eq(r.status, 201, f"asr (g, h) {r}")
    v = r.json()
    eq(v["status"], "accepted",
       f"asr (g, h): {v}; exact: {admin_submission(ctx, v['id'], bounty=b)['holdout']}")
    lb = s.request("GET", f"/v1/bounties/{b}/leaderboard", key=ctx["keys"]["admin"]).json()
    indian = [by_id[i] for i in hold if by_id[i]["accent"] == "indian"]
    others = [by_id[i] for i in hold if by_id[i]["accent"] != "indian"]
    words = sum(len(r["ref"].split()) for r in by_id.values() if r["id"] in hold)
    want = wer(others) * sum(len(r["ref"].split()) for r in others) / words
    close(lb["history"][-1]["overall_error_exact"], want, 1e-12, "patched WER")
    eq(len(indian) > 0, True, "indian holdout rows")
    hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/leaderboard")
    hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/report")
    hreq(ctx, "bob", "GET", f"/v1/bounties/{b}/submissions")
    # The patched model: indian utterances answered by h (the reference),
    # the others by the base model; aligned at storage like an upload.
    r = s.request("POST", f"/v1/bounties/{b}/patched-model", {"name": "asr patched"}, key=key)
    eq(r.status, 201, f"asr patched model {r}")
    pm = r.json()
    eq((pm["name"], pm["normalize"]), ("asr patched", "sclite"), "name and normalisation")
    r = s.request("POST", f"/v1/models/{pm['id']}/evaluations", {"by": [["accent"]]}, key=key)
    eq(r.status, 201, f"asr evaluation {r}")
    patched = [dict(x, hyp=x["ref"]) if x["accent"] == "indian" else x for x in rows]
    close(r.json()["overall"]["metrics"]["wer"]["value"], wer(patched), 1e-12, "patched WER")


# ---- leaderboard, report and the leak scan ----

def test_predictions_replaced_within_the_second_freeze_the_bounty(ctx):
    """Bounties freeze their model by its upload stamp to the microsecond:
    predictions replaced in the same second as the bounty opened are seen.
    Also 0003_upload_stamps.sql: a stamp stored to the second, as before
    it, becomes the microsecond stamp of the same upload."""
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    rows = [(f"q{i}", str(i % 2), "ab"[i % 3 == 0]) for i in range(300)]
    truth = to_csv(["id", "label", "site"], rows)
    preds = to_csv(["id", "prediction"], [(r[0], r[1]) for r in rows])
    ds, m = new_dataset(s, key, "classification", truth, preds, name="frozen")
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "error_rate"}, key=key)
    eq(r.status, 201, f"bounty {r}")
    b = r.json()["id"]
    # Back to the stamp form before 0003, then 0003 itself: still open.
    psql(f"UPDATE bounties SET model_stamp = to_char(m.uploaded_at AT TIME ZONE 'UTC', "
         f"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM models m WHERE m.id = model_id AND bounties.id = {b}",
         db=s.dbname)
    with open(os.path.join(ROOT, "migrations", "0003_upload_stamps.sql")) as f:
        psql(f.read(), db=s.dbname)
    eq(submit(ctx, "erin", "site = 'a'", bounty=b).status, 201, "open after 0003")
    start = psql("SELECT date_trunc('second', uploaded_at) FROM models WHERE id = " + str(m), db=s.dbname)
    r = s.request("POST", f"/v1/models/{m}/predictions?replace=true", preds.encode(), key=key,
                  headers={"Content-Type": CSV})
    eq(r.status, 201, f"replaced {r}")
    again = psql("SELECT date_trunc('second', uploaded_at) FROM models WHERE id = " + str(m), db=s.dbname)
    r = submit(ctx, "erin", "site = 'b'", bounty=b)
    eq(r.status, 409, f"frozen after the replacement{' (same second)' if start == again else ''}: {r}")
    expect("changed" in r.json()["detail"], r.json()["detail"])


def test_undefined_fpr_says_nothing_about_holdout_labels(ctx):
    """An fpr bounty; every row of site z is a positive, so fpr is undefined
    on that group.  The hunter gets an ordinary rejection with the same
    fields as for any group, and the exact reason stays with the admin."""
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    rng = random.Random(8)
    rows = []
    for i in range(900):
        site = "zab"[i % 3]
        label = "1" if site == "z" or rng.random() < 0.5 else "0"
        pred = label if rng.random() < 0.8 else ("0" if label == "1" else "1")
        rows.append((f"f{i}", label, site, pred))
    ds, m = new_dataset(s, key, "classification",
                        to_csv(["id", "label", "site"], [r[:3] for r in rows]),
                        to_csv(["id", "prediction"], [(r[0], r[3]) for r in rows]), name="sites")
    r = s.request("POST", "/v1/bounties", {"model_id": m, "metric": "fpr"}, key=key)
    eq(r.status, 201, f"fpr bounty {r}")
    b = r.json()["id"]
    z = submit(ctx, "erin", "site = 'z'", bounty=b)
    a = submit(ctx, "erin", "site = 'a'", bounty=b)
    eq((z.status, a.status), (201, 201), f"submissions {z} {a}")
    vz, va = z.json(), a.json()
    eq(vz["status"], "rejected", f"no negatives: {vz}")
    eq(sorted(vz), sorted(va), "the same fields as for any group")
    for k in ("gap", "weight", "support"):
        expect(isinstance(vz[k], (int, float)), f"{k} is a number: {vz}")
    for word in ("undefined", "denominator", "negative"):
        expect(word not in vz["reason"].lower(), f"reason says {word}: {vz['reason']}")
    exact = admin_submission(ctx, vz["id"], bounty=b)["holdout"]["holdout"]
    expect("undefined" in exact["reason"], f"the exact verdict keeps the truth: {exact}")


def test_leaderboard_and_report(ctx):
    b = ctx["bounty"]["id"]
    r = submit(ctx, "<b>mallory</b>", "accent = 'us' AND \"gender\" = 'm'")
    eq(r.status, 201, f"mallory {r}")
    lb = board(ctx, "alice")
    names = [h["hunter"] for h in lb["hunters"]]
    for n in ("alice", "bob", "carol", "dave", "<b>mallory</b>"):
        expect(n in names, f"{n} on the leaderboard")
    pts = [h["points"] for h in lb["hunters"]]
    eq(pts, sorted(pts, reverse=True), "ordered by points")
    eq([f["ordinal"] for f in lb["findings"]], list(range(1, len(lb["findings"]) + 1)), "ordinals")
    hist = [h["overall_error"] for h in lb["history"]]
    expect(hist[-1] < hist[0], f"error dropping {hist}")
    for h in lb["history"]:
        close(h["overall_error"], round(h["overall_error"], 3), 1e-15, "3 decimals")
    html = hreq(ctx, "alice", "GET", f"/v1/bounties/{b}/report")
    eq(html.status, 200, "report")
    eq(html.header("Content-Type"), "text/html; charset=utf-8", "html")
    body = html.body
    expect("<b>mallory</b>" not in body and "&lt;b&gt;mallory&lt;/b&gt;" in body, "escaped name")
    expect("<script" not in body.lower(), "no scripts")
    expect("<svg" in body and "Decision list" in body and "Rules" in body, "sections")
    expect("accent = &#39;scottish&#39; AND age &gt;= 50" in body or
           "accent = &#x27;scottish&#x27; AND age &gt;= 50" in body, "groups shown escaped")
    v = ctx["srv"].request("GET", f"/v1/bounties/{b}/report", key=ctx["keys"]["viewer"])
    eq(v.status, 200, "viewers read the report")


def test_no_holdout_label_reaches_a_hunter(ctx):
    hold = secret_ids(ctx)
    by_id = ctx["by_id"]
    seen = ctx["seen"]
    expect(len(seen) > 50, f"responses scanned: {len(seen)}")
    for what, status, body in seen:
        lower = body.lower()
        for k in ("overall_error_exact", "metric_rest", "metric_group", "\"holdout\"", "secret",
                  "p_value", "p_adjusted", "gap_low", "improvement_high", "_se\"", "p-value"):
            expect(k not in lower, f"{what}: {k} in a hunter's response")
        ids = set(re.findall(r"\bx\d+\b", body))
        if "/examples" in what or status == 422:
            # Ids without truth: examples, and the ids a 422 names.
            expect("label" not in lower or status == 422, f"{what}: a label column")
            continue
        if "/discovery" in what:
            expect(not ids & hold, f"{what}: holdout ids in discovery")
            continue
        expect(not ids & hold, f"{what}: holdout ids {sorted(ids & hold)[:3]}")
    # Every discovery row's label is the truth and no holdout row is there.
    for what, status, body in seen:
        if "/discovery" in what and "format=csv" not in what and "Accept" not in what \
                and status == 200 and body.startswith("{"):
            for x in json.loads(body)["rows"]:
                expect(x["id"] not in hold, "discovery id in the holdout")
    # ASR: no holdout reference, nor its unique word, anywhere.
    for what, status, body in seen:
        for tok in ctx.get("asr_holdout_tokens", ()):
            if re.search(r"\b" + tok + r"\b", body):
                raise AssertionError(f"{what}: holdout reference word {tok}")
