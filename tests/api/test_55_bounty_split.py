"""One secret split per dataset.  Each bounty used to draw its own split, so
bounty 2's discovery file held about half of bounty 1's holdout labels, and
with eight bounties on one dataset 99.3 % of one bounty's holdout could be
read verbatim.  Replayed here: eight bounties on one dataset (two models),
every hunter-visible discovery file, and the holdout of each is never in
any of them."""
import json
import random

from harness import Server, expect, eq

N = 2000


def setup():
    s = Server()
    keys = {"analyst": s.key("analyst"), "hunter": s.key("hunter", "eve")}
    rng = random.Random(5)   # fixed: the data are the same every run
    truth = ["id,label,accent"] + [f"x{i},{rng.randrange(2)},{rng.choice('abcd')}" for i in range(N)]
    preds = ["id,prediction"] + [f"x{i},{rng.randrange(2)}" for i in range(N)]
    ctx = {"srv": s, "keys": keys}
    ds = s.request("POST", "/v1/datasets", {"name": "split", "task": "classification"},
                   key=keys["analyst"]).json()["id"]
    r = s.request("POST", f"/v1/datasets/{ds}/examples", "\n".join(truth) + "\n",
                  key=keys["analyst"], headers={"Content-Type": "text/csv"})
    eq(r.status, 201, f"examples {r}")
    models = []
    for name in ("a", "b"):
        m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": name},
                      key=keys["analyst"]).json()["id"]
        r = s.request("POST", f"/v1/models/{m}/predictions", "\n".join(preds) + "\n",
                      key=keys["analyst"], headers={"Content-Type": "text/csv"})
        eq(r.status, 201, f"predictions {r}")
        models.append(m)
    ctx.update(ds=ds, models=models, truth=truth, preds=preds)
    return ctx


def bounty(ctx, model, **extra):
    return ctx["srv"].request("POST", "/v1/bounties",
                              {"model_id": model, "metric": "error_rate", **extra},
                              key=ctx["keys"]["analyst"])


def discovery_ids(ctx, b):
    r = ctx["srv"].request("GET", f"/v1/bounties/{b}/discovery", key=ctx["keys"]["hunter"])
    eq(r.status, 200, f"discovery {r}")
    doc = r.json()
    rows = doc["rows"] if isinstance(doc, dict) and "rows" in doc else doc
    return {row["id"] for row in rows}


def test_every_bounty_on_a_dataset_shares_one_split(ctx):
    everyone = {f"x{i}" for i in range(N)}
    ids = []
    for k in range(8):
        r = bounty(ctx, ctx["models"][k % 2])
        eq(r.status, 201, f"bounty {k + 1}: {r}")
        ids.append(discovery_ids(ctx, r.json()["id"]))
    disc = ids[0]
    expect(0.4 * N < len(disc) < 0.6 * N, f"discovery of {len(disc)} rows")
    holdout = everyone - disc
    for k, d in enumerate(ids):
        eq(len(d & holdout), 0, f"bounty {k + 1}'s discovery holds holdout rows of bounty 1")
        eq(d, disc, f"bounty {k + 1} has another split")
    # The exact replay: bounty 1's holdout labels readable from all the others.
    readable = holdout & set().union(*ids[1:])
    eq(len(readable), 0, "holdout labels of bounty 1 readable from the other bounties")


def test_a_bounty_asking_for_another_fraction_is_refused(ctx):
    r = bounty(ctx, ctx["models"][0], holdout_fraction=0.3)
    eq(r.status, 422, f"another fraction {r}")
    expect("share one split" in r.json()["detail"] and "0.5" in r.json()["detail"], r.json()["detail"])
    r = bounty(ctx, ctx["models"][0], holdout_fraction=0.5)
    eq(r.status, 201, f"the fraction in force {r}")
    eq(r.json()["holdout_fraction"], 0.5, "fraction")


def test_another_dataset_has_a_split_of_its_own(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    ds = s.request("POST", "/v1/datasets", {"name": "other", "task": "classification"},
                   key=key).json()["id"]
    s.request("POST", f"/v1/datasets/{ds}/examples", "\n".join(ctx["truth"]) + "\n", key=key,
              headers={"Content-Type": "text/csv"})
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "c"}, key=key).json()["id"]
    s.request("POST", f"/v1/models/{m}/predictions", "\n".join(ctx["preds"]) + "\n", key=key,
              headers={"Content-Type": "text/csv"})
    r = bounty(ctx, m, holdout_fraction=0.3)
    eq(r.status, 201, f"first bounty of the other dataset fixes its own fraction {r}")
    d = discovery_ids(ctx, r.json()["id"])
    expect(0.6 * N < len(d) < 0.8 * N, f"discovery of {len(d)} rows at holdout 0.3")
    first = discovery_ids(ctx, 1)
    expect(d != first, "an independent split")
    json.dumps(sorted(d))  # the ids are plain strings


def test_a_holdout_smaller_than_min_support_is_refused(ctx):
    s, key = ctx["srv"], ctx["keys"]["analyst"]
    ds = s.request("POST", "/v1/datasets", {"name": "tiny", "task": "classification"},
                   key=key).json()["id"]
    s.request("POST", f"/v1/datasets/{ds}/examples", "\n".join(ctx["truth"][:31]) + "\n", key=key,
              headers={"Content-Type": "text/csv"})
    m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": "t"}, key=key).json()["id"]
    s.request("POST", f"/v1/models/{m}/predictions", "\n".join(ctx["preds"][:31]) + "\n", key=key,
              headers={"Content-Type": "text/csv"})
    # 30 examples split at random into halves: the holdout reaches 30 only
    # if all 30 fall into it, and is empty only if none does (each 2^-30,
    # about 1e-9), so neither step below can fail by chance.
    r = bounty(ctx, m)
    eq(r.status, 422, f"too small {r}")
    expect("fewer than min_support 30" in r.json()["detail"], r.json()["detail"])
    r = bounty(ctx, m, min_support=1)
    eq(r.status, 201, f"a min_support the holdout can reach {r}")
