"""POST /v1/plan and `fairaudit plan`: the examples or speakers a cohort
needs to detect a disparity.  The worked example is the textbook one:
0.20 against 0.25 at 0.05 and power 0.8 needs 1,094 a group (1,134 with
the continuity correction); tests/unit/metrics/power.c checks by
simulation that planned sizes reach the planned power."""
import json
import os
import subprocess
import tempfile

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


def test_plan_from_an_earlier_evaluation(ctx):
    """The figures of a stored evaluation (the reference's rate, the
    tolerance, the tests of its family) plan the next one; the command line
    reads the same evaluation's JSON and answers the same."""
    s, key = ctx["srv"], ctx["srv"].key("analyst")
    # error rate 0.2 in a (the reference, 500 rows) and 0.3 in b and c
    rows = [(f"x{i}", g, 1 if i % 10 < (2 if g == "a" else 3) else 0)
            for g, n in (("a", 500), ("b", 300), ("c", 300)) for i in range(n)]
    truth = "id,label,g\n" + "".join(f"{x}{g},0,{g}\n" for x, g, _ in rows)
    preds = "id,prediction\n" + "".join(f"{x}{g},{p}\n" for x, g, p in rows)
    _, m = s.upload_model(key, "pilot", "classification", truth, preds)
    r = s.request("POST", f"/v1/models/{m}/evaluations",
                  {"by": [["g"]], "reference": {"g": "a"}, "primary": ["error_rate"]}, key=key)
    eq(r.status, 201, f"evaluation {r}")
    ev = r.json()
    p = plan(ctx, {"evaluation": ev["id"]})
    eq(p.status, 200, f"plan {p}")
    p = p.json()
    eq((p["base_rate"], p["ratio"], p["cohorts"], p["significance"]), (0.2, 1.25, 2, 0.05),
       "the reference's error rate, the tolerance's ratio, two tests")
    eq(p["examples_per_cohort"],
       plan(ctx, {"base_rate": 0.2, "cohorts": 2}).json()["examples_per_cohort"],
       "the same as the figures given by hand")
    eq(p["from_evaluation"]["reference"], {"g": "a"}, "which cohort")
    eq(plan(ctx, {"evaluation": ev["id"], "ratio": 1.5}).json()["ratio"], 1.5, "given wins")
    eq(plan(ctx, {"evaluation": ev["id"]}, key=ctx["hunter"]).status, 403,
       "a hunter cannot read evaluations")
    eq(plan(ctx, {"evaluation": 999999}).status, 404, "unknown evaluation")
    r = plan(ctx, {"evaluation": ev["id"], "metric": "auc"})
    eq(r.status, 422, f"not a rate: {r}")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(ev, f)
        f.flush()
        out = subprocess.run([BINARY, "plan", "--evaluation", f.name], check=True,
                             capture_output=True, text=True).stdout
    eq(json.loads(out), p, "the command line plans the same")
