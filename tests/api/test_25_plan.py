"""POST /v1/plan and `fairaudit plan`: the examples or speakers a cohort
needs to detect a disparity.  The worked example is the textbook one:
0.20 against 0.25 at 0.05 and power 0.8 needs 1,094 a group (1,134 with
the continuity correction); tests/unit/metrics/power.c checks by
simulation that planned sizes reach the planned power."""
import json
import os
import subprocess

from harness import BINARY, Server, eq, expect


def setup():
    s = Server()
    return {"srv": s, "key": s.key("viewer"), "hunter": s.key("hunter")}


def plan(ctx, body, key=None):
    return ctx["srv"].request("POST", "/v1/plan", body, key=key or ctx["key"])


def test_worked_example(ctx):
    r = plan(ctx, {"base_rate": 0.2, "ratio": 1.25, "cohorts": 1, "significance": 0.05,
                   "power": 0.8})
    eq(r.status, 200, f"plan {r}")
    p = r.json()
    eq((p["examples_per_cohort"], p["examples_per_cohort_corrected"]), (1094, 1134), "sizes")
    eq(p["alpha_per_test"], 0.05, "one cohort")
    r = plan(ctx, {"base_rate": 0.2}, key=ctx["hunter"])
    eq((r.status, r.json()["examples_per_cohort"]), (200, 1094), "defaults, any role")
    eq(ctx["srv"].request("POST", "/v1/plan", {"base_rate": 0.2}).status, 401, "a key is needed")


def test_multiplicity_and_speech(ctx):
    one = plan(ctx, {"base_rate": 0.1, "ratio": 1.5}).json()
    four = plan(ctx, {"base_rate": 0.1, "ratio": 1.5, "cohorts": 4}).json()
    eq(four["alpha_per_test"], 0.0125, "Bonferroni over four cohorts")
    expect(four["examples_per_cohort"] > one["examples_per_cohort"], "more cohorts, more examples")
    sp = plan(ctx, {"base_rate": 0.1, "ratio": 1.5, "cohorts": 4,
                    "utterances_per_speaker": 10, "icc": 0.05}).json()
    eq(sp["design_effect"], 1.45, "1 + 9 x 0.05")
    eq(sp["utterances_per_cohort"], -(-four["examples_per_cohort"] * 1.45 // 1), "utterances")
    eq(sp["speakers_per_cohort"], -(-sp["utterances_per_cohort"] // 10), "speakers")


def test_bad_requests_name_the_field(ctx):
    for body, field in (({}, "base_rate"), ({"base_rate": 1.5}, "base_rate"),
                        ({"base_rate": 0.2, "ratio": 1}, "ratio"),
                        ({"base_rate": 0.2, "cohorts": 2.5}, "cohorts"),
                        ({"base_rate": 0.6, "ratio": 2}, "not a rate"),
                        ({"base_rate": 0.2, "colour": 1}, "colour")):
        r = plan(ctx, body)
        eq(r.status, 422, f"{body}: {r}")
        expect(field in r.json()["detail"], f"{body}: {r.json()['detail']}")


def test_cli_answers_as_the_service(ctx):
    out = subprocess.run([BINARY, "plan", "--base-rate", "0.1", "--ratio", "1.5", "--cohorts", "4",
                          "--utterances-per-speaker", "10", "--icc", "0.05"],
                         check=True, capture_output=True, text=True).stdout
    api = plan(ctx, {"base_rate": 0.1, "ratio": 1.5, "cohorts": 4, "utterances_per_speaker": 10,
                     "icc": 0.05}).json()
    eq(json.loads(out), api, "the same plan")
    r = subprocess.run([BINARY, "plan", "--ratio", "2"], capture_output=True, text=True)
    eq(r.returncode, 2, "missing base rate")
    expect("base_rate" in r.stderr, r.stderr)
