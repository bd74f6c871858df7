"""Slice discovery as a job: POST /v1/models/{id}/slices answers 202, the
search runs in the background, GET /v1/slices/{id} shows status and
progress and, when done, the slices.  Several servers share one queue (a
server without workers queues, another runs); a job whose server died is
queued again from its stale heartbeat, and failed after three attempts;
a queued job can be cancelled.  The data are drawn from a fixed seed with
a planted slice (region = b AND device = c: false positive rate 0.4,
against 0.1 elsewhere) large enough that finding it is certain."""
import random
import time

from harness import Server, eq, expect, psql


def data(seed=3, n=6000):
    rng = random.Random(seed)
    truth, preds = ["id,label,region,device,tier"], ["id,prediction"]
    for i in range(n):
        region, device, tier = rng.choice("abc"), rng.choice("cde"), rng.choice("xyzw")
        label = 1 if rng.random() < 0.5 else 0
        p = 0.4 if (region, device) == ("b", "c") else 0.1
        pred = (1 if rng.random() < p else 0) if label == 0 else (1 if rng.random() < 0.8 else 0)
        truth.append(f"r{i},{label},{region},{device},{tier}")
        preds.append(f"r{i},{pred}")
    return "\n".join(truth) + "\n", "\n".join(preds) + "\n"


def model(s, key):
    truth, preds = data()
    return s.upload_model(key, "screening", "classification", truth, preds)


def setup():
    s = Server()
    key = s.key("analyst")
    ds, m = model(s, key)
    return {"srv": s, "key": key, "ds": ds, "model": m}


def wait(s, key, job, until=("done", "failed", "cancelled"), seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        j = s.request("GET", f"/v1/slices/{job}", key=key).json()
        if j["status"] in until:
            return j
        time.sleep(0.1)
    raise AssertionError(f"job {job} still {j['status']} after {seconds} s: {j}")


def test_the_planted_slice_is_found_and_confirmed(ctx):
    s, key = ctx["srv"], ctx["key"]
    r = s.request("POST", f"/v1/models/{ctx['model']}/slices", {"metric": "fpr", "k": 3}, key=key)
    eq(r.status, 202, f"queued {r}")
    job = r.json()
    expect(job["status"] in ("queued", "running"), job)
    j = wait(s, key, job["id"])
    eq(j["status"], "done", f"job {j}")
    top = j["slices"][0]
    eq(top["attributes"], {"region": "b", "device": "c"}, f"top slice {top}")
    expect(top["significant"] and top["confirmed"], top)
    expect(top["gap"]["p_adjusted"] < 1e-6, top["gap"])
    eq((j["progress"]["phase"], j["progress"]["percent"]), ("done", 100), "progress")
    eq(j["model"]["id"], ctx["model"], "the model searched")
    expect(j["search"]["evaluated"] > 10, j["search"])
    viewer = s.key("viewer")
    eq(s.request("GET", f"/v1/slices/{job['id']}", key=viewer).status, 200, "a viewer reads it")


def test_bad_requests_are_refused_before_queueing(ctx):
    s, key = ctx["srv"], ctx["key"]
    for body, status, says in (({"attributes": ["colour"]}, 422, "colour"),
                               ({"metric": "wer"}, 422, "not defined"),
                               ({"k": 0}, 422, "\"k\""),
                               ({"max_level": 9}, 422, "max_level")):
        r = s.request("POST", f"/v1/models/{ctx['model']}/slices", body, key=key)
        eq(r.status, status, f"{body}: {r}")
        expect(says in r.json()["detail"], f"{body}: {r.json()['detail']}")
    eq(s.request("POST", "/v1/models/99999/slices", {}, key=key).status, 404, "no model")
    empty = s.request("POST", f"/v1/datasets/{ctx['ds']}/models", {"name": "e"},
                      key=key).json()["id"]
    eq(s.request("POST", f"/v1/models/{empty}/slices", {}, key=key).status, 409, "no predictions")
    eq(s.request("POST", f"/v1/models/{ctx['model']}/slices", {}, key=s.key("hunter")).status,
       403, "a hunter cannot search")
    eq(s.request("GET", "/v1/slices/99999", key=key).status, 404, "no job")


def test_servers_share_the_queue_and_cancel_works(ctx):
    """A server without workers only queues; a job cancelled while queued
    never runs; a second server on the same database runs the rest."""
    s = ctx["srv"]
    quiet = Server(extra_env={"FAIRAUDIT_SLICE_WORKERS": "0"}, database=(s.dbname, s.url))
    try:
        # the first server's worker would take jobs too: stop it from
        # seeing them by cancelling straight away and checking the order
        a = quiet.request("POST", f"/v1/models/{ctx['model']}/slices", {"k": 2},
                          key=ctx["key"]).json()
        c = quiet.request("POST", f"/v1/slices/{a['id']}/cancel", key=ctx["key"])
        eq(c.status, 200, f"cancel {c}")
        j = wait(quiet, ctx["key"], a["id"])
        expect(j["status"] in ("cancelled", "done"), j)   # the other server may have won
        b = quiet.request("POST", f"/v1/models/{ctx['model']}/slices", {"k": 2},
                          key=ctx["key"]).json()
        j = wait(quiet, ctx["key"], b["id"])
        eq(j["status"], "done", f"run by the server with a worker: {j}")
    finally:
        quiet.stop()


def test_a_dead_servers_job_is_queued_again_or_failed(ctx):
    s, key = ctx["srv"], ctx["key"]
    db = s.dbname
    for attempts, want in ((1, "done"), (3, "failed")):
        job = int(psql(f"INSERT INTO slice_jobs (model_id, params, status, attempts, worker,"
                       f" heartbeat_at, started_at) VALUES ({ctx['model']}, '{{\"k\": 1}}',"
                       f" 'running', {attempts}, 'gone:1:0', now() - interval '1 hour',"
                       f" now() - interval '1 hour') RETURNING id", db=db).split()[0])
        j = wait(s, key, job)
        eq(j["status"], want, f"after {attempts} attempt(s): {j}")
        if want == "failed":
            expect("stopped" in j["error"], j["error"])
        else:
            eq(j["attempts"], 2, "its second attempt")


def test_csv_and_the_evaluation_a_slice_links_to(ctx):
    s, key = ctx["srv"], ctx["key"]
    job = s.request("POST", f"/v1/models/{ctx['model']}/slices", {"metric": "fpr", "k": 2},
                    key=key).json()
    j = wait(s, key, job["id"])
    r = s.request("GET", f"/v1/slices/{job['id']}/report?format=csv", key=key)
    eq(r.status, 200, f"csv {r}")
    lines = r.body.split("\r\n")
    expect(lines[0].startswith("rank,slice,attributes,size"), lines[0])
    eq(len([x for x in lines[1:] if x]), len(j["slices"]), "one record a slice")
    expect('region = b & device = c' in lines[1], lines[1])
    r = s.request("GET", f"/v1/models/{ctx['model']}/report?by=region,device&format=json", key=key)
    eq(r.status, 200, f"unstored evaluation {r}")
    ev = r.json()
    eq(ev["stored"], False, "not stored")
    cohort = next(c for c in ev["groupings"][0]["cohorts"]
                  if c["attributes"] == {"region": "b", "device": "c"})
    eq(cohort["metrics"]["fpr"]["value"], j["slices"][0]["metric"]["value"],
       "the slice's false positive rate is the cohort's")
    eq(s.request("GET", f"/v1/models/{ctx['model']}/report", key=key).status, 400, "by needed")


def test_a_bounty_search_sees_the_discovery_part_only(ctx):
    s, key = ctx["srv"], ctx["key"]
    r = s.request("POST", "/v1/bounties", {"model_id": ctx["model"], "metric": "fpr",
                                           "min_support": 30, "min_gap": 0.05}, key=key)
    eq(r.status, 201, f"bounty {r}")
    bounty = r.json()
    r = s.request("POST", f"/v1/bounties/{bounty['id']}/slices", {"k": 3}, key=key)
    eq(r.status, 202, f"queued {r}")
    j = wait(s, key, r.json()["id"])
    eq(j["status"], "done", f"job {j}")
    eq((j["bounty"]["id"], j["bounty"]["part"]), (bounty["id"], "discovery"), "the part")
    eq(j["bounty"]["rows"], bounty["discovery_rows"], "every discovery row, no other")
    eq(j["metric"], "fpr", "the bounty's metric")
    expect(j["overall"]["rows"] < bounty["discovery_rows"], "fpr: the negatives of the part")
    eq(j["slices"][0]["attributes"], {"region": "b", "device": "c"}, "the planted slice")
    page = s.request("GET", f"/v1/bounties/{bounty['id']}/report", key=key).body
    expect('id="discovery-search"' in page, "the analyst sees the search beside the findings")
    hunter = s.request("GET", f"/v1/bounties/{bounty['id']}/report", key=s.key("hunter")).body
    expect('id="discovery-search"' not in hunter, "a hunter does not")
    eq(s.request("POST", "/v1/bounties/99999/slices", {}, key=key).status, 404, "no bounty")


def wide(seed=9, n=50000, attrs=30):
    """A search that takes seconds: 30 attributes, level 5, alpha 0.99
    (4.6 s alone on the development machine)."""
    rng = random.Random(seed)
    names = [f"a{i}" for i in range(attrs)]
    truth, preds = ["id,label," + ",".join(names)], ["id,prediction"]
    for i in range(n):
        vals = [str(rng.randrange(2 + j % 7)) for j in range(attrs)]
        truth.append(f"w{i},0," + ",".join(vals))
        preds.append(f"w{i},{1 if rng.random() < 0.1 else 0}")
    return "\n".join(truth) + "\n", "\n".join(preds) + "\n"


LONG = {"metric": "fpr", "max_level": 5, "alpha": 0.99, "min_support": 30, "k": 10}


def wait_running(s, key, job, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        j = s.request("GET", f"/v1/slices/{job}", key=key).json()
        if j["status"] == "running" and j["progress"].get("phase") in ("search", "replication"):
            return j
        assert j["status"] in ("queued", "running"), j
        time.sleep(0.05)
    raise AssertionError(f"job {job} never ran: {j}")


def test_running_searches_stop_on_cancel_and_move_on_restart(ctx):
    """A running search stops within seconds of a cancel; a server stopped
    mid-search puts its job back in the queue, and the next server runs it
    to the end.  Each search takes several seconds (see wide()), the cancel
    and the stop come within a tenth of a second of its start, so the
    search cannot have finished first."""
    a = Server()
    try:
        key = a.key("analyst")
        truth, preds = wide()
        _, m = a.upload_model(key, "wide", "classification", truth, preds)
        job = a.request("POST", f"/v1/models/{m}/slices", LONG, key=key).json()["id"]
        wait_running(a, key, job)
        t0 = time.time()
        a.request("POST", f"/v1/slices/{job}/cancel", key=key)
        j = wait(a, key, job, seconds=20)
        eq(j["status"], "cancelled", f"cancelled {j}")
        expect(time.time() - t0 < 10, f"stopped {time.time() - t0:.1f} s after the cancel")
        job = a.request("POST", f"/v1/models/{m}/slices", LONG, key=key).json()["id"]
        wait_running(a, key, job)
        a.stop()
        state = psql(f"SELECT status || ',' || attempts FROM slice_jobs WHERE id = {job}",
                     db=a.dbname).strip()
        eq(state, "queued,0", "back in the queue, the attempt not counted")
        b = Server(database=(a.dbname, a.url))
        try:
            j = wait(b, key, job, seconds=120)
            eq((j["status"], j["attempts"]), ("done", 1), f"run by the next server: {j}")
        finally:
            b.stop()
    finally:
        a.stop()
