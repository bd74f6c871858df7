"""Time bounty verification through the API on a large holdout.

    FA_TEST_PGHOST=<socket dir> python3 tests/api/bench_bounty.py [holdout_rows]

Generates a classification dataset of 2 x holdout_rows examples (default
1,000,000 holdout rows, holdout fraction 0.5), uploads it, creates a bounty,
and times: bounty creation, a plain subgroup submission, a rejected one, a
duplicate, a (g, h) submission with h given as another model (the list then
has one node, replayed by every later submission) and one more plain
submission after it.  Each is run RUNS times; the median and the best wall
times are printed.  Not part of the test suite (run.py only runs test_*.py).
"""
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Server, eq  # noqa: E402

RUNS = 5


def gen(n, seed=3):
    rng = random.Random(seed)
    accents = ["us", "uk", "scottish", "welsh", "irish", "indian", "nigerian", "australian"]
    truth, pred, better = ["id,label,accent,age,gender,region"], ["id,prediction"], \
        ["id,prediction"]
    for i in range(n):
        a = rng.choice(accents)
        age = rng.randint(18, 90)
        label = 1 if rng.random() < 0.4 else 0
        bad = a in ("scottish", "welsh") and age >= 60
        p = label if rng.random() >= (0.3 if bad else 0.1) else 1 - label
        truth.append(f"utt-{i:09d},{label},{a},{age},{rng.choice('fmx')},r{rng.randint(0, 49)}")
        pred.append(f"utt-{i:09d},{p}")
        better.append(f"utt-{i:09d},{label if a == 'irish' else p}")
    return ("\n".join(truth) + "\n").encode(), ("\n".join(pred) + "\n").encode(), \
        ("\n".join(better) + "\n").encode()


def timed(fn, runs=RUNS):
    ts, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), out


def main():
    hold = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n = 2 * hold
    s = Server()
    try:
        key, hunter = s.key("analyst"), s.key("hunter", "bench")
        t0 = time.perf_counter()
        truth, pred, better = gen(n)
        print(f"generated {n} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        ds = s.request("POST", "/v1/datasets", {"name": "bench", "task": "classification"},
                       key=key).json()["id"]
        t0 = time.perf_counter()
        eq(s.request("POST", f"/v1/datasets/{ds}/examples", truth, key=key,
                     headers={"Content-Type": "text/csv"}, timeout=1200).status, 201, "examples")
        models = []
        for name, body in (("base", pred), ("better", better)):
            m = s.request("POST", f"/v1/datasets/{ds}/models", {"name": name}, key=key).json()["id"]
            eq(s.request("POST", f"/v1/models/{m}/predictions", body, key=key,
                         headers={"Content-Type": "text/csv"}, timeout=1200).status, 201, name)
            models.append(m)
        print(f"uploaded in {time.perf_counter() - t0:.1f} s", flush=True)

        def create():
            r = s.request("POST", "/v1/bounties", {"model_id": models[0], "metric": "error_rate",
                                                   "budget": 1000}, key=key, timeout=1200)
            eq(r.status, 201, f"bounty {r}")
            return r.json()
        med, best, b = timed(create, 3)
        print(f"holdout rows {b['holdout_rows']}, discovery rows {b['discovery_rows']}")
        print(f"  create bounty      median {med:7.3f} s   best {best:7.3f} s")

        def sub(group, **extra):
            def go():
                r = s.request("POST", f"/v1/bounties/{b['id']}/submissions",
                              {"group": group, **extra}, key=hunter, timeout=1200)
                eq(r.status, 201, f"submit {r}")
                return r.json()
            return go
        planted = "accent IN ('scottish', 'welsh') AND age >= 60"
        for what, fn, runs in (
                ("plain (accepted)", sub(planted), 1),
                ("duplicate", sub("age >= 60 AND accent IN ('welsh', 'scottish')"), RUNS),
                ("rejected", sub("gender = 'f' AND region = 'r7'"), RUNS),
                ("(g, h) as a model", sub("accent = 'irish'", model_id=models[1]), 1),
                ("plain, list of 1", sub("region = 'r3'"), RUNS)):
            med, best, v = timed(fn, runs)
            print(f"  {what:18} median {med:7.3f} s   best {best:7.3f} s   -> {v['status']}",
                  flush=True)
    finally:
        s.stop()
        print("server log: " + s.log_path)


if __name__ == "__main__":
    main()
