#!/usr/bin/python3
"""Reference scorer for the classification benchmark: pandas + statsmodels.

    /usr/bin/python3 bench/reference.py TRUTH.csv PREDICTIONS.csv OUT.json

Issue 2 compares `fairaudit score` with Fairlearn's MetricFrame; that
comparison is bench/fairlearn_ref.py.  That one gives no confusion counts,
Wilson intervals or tests, so this script checks those, with the libraries
Fairlearn itself is built on (Debian's python3-pandas and
python3-statsmodels, with python3-scipy):

  * parse both CSV files (included in the time, as for `fairaudit score`);
  * join predictions to ground truth by id, refusing missing or duplicate
    ids;
  * per cohort of `accent` and of `accent` x `gender`, and overall: the
    confusion counts TP/FP/TN/FN with "1" as the positive label, and every
    classification metric of API.md (TPR, FPR, FNR, TNR, PPV, NPV, FDR, FOR,
    accuracy, error rate, selection rate, prevalence);
  * a Wilson score interval (95 %) for each metric, from
    statsmodels.stats.proportion.proportion_confint(method="wilson");
  * per grouping, the difference and ratio of each metric to the largest
    cohort (MetricFrame.difference()/ratio() against a reference), a
    pooled two-proportion z-test (statsmodels proportions_ztest; scipy's
    Fisher exact test when an expected count is below 5) and a Holm
    adjustment of its p-values (statsmodels multipletests), one family per
    metric over both groupings, cohorts under 30 left out, as fairaudit
    documents in its "methods".

It is vectorised pandas, so it is much faster than MetricFrame, which
calls a metric function per cohort and per metric.

OUT.json holds, per grouping, every cohort's counts, metric values and
intervals, for bench/check.py to compare with fairaudit's output.
"""

import json
import sys

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

# metric: (numerator, denominator) as sums of confusion cells
METRICS = {
    "tpr": (("tp",), ("tp", "fn")),
    "fpr": (("fp",), ("fp", "tn")),
    "fnr": (("fn",), ("tp", "fn")),
    "tnr": (("tn",), ("fp", "tn")),
    "ppv": (("tp",), ("tp", "fp")),
    "npv": (("tn",), ("tn", "fn")),
    "fdr": (("fp",), ("tp", "fp")),
    "for": (("fn",), ("tn", "fn")),
    "accuracy": (("tp", "tn"), ("tp", "fp", "tn", "fn")),
    "error_rate": (("fp", "fn"), ("tp", "fp", "tn", "fn")),
    "selection_rate": (("tp", "fp"), ("tp", "fp", "tn", "fn")),
    "prevalence": (("tp", "fn"), ("tp", "fp", "tn", "fn")),
}
GROUPINGS = [["accent"], ["accent", "gender"]]
CONFIDENCE = 0.95
MIN_COHORT = 30


def load(truth_path, pred_path):
    truth = pd.read_csv(truth_path, dtype={"id": str, "label": str},
                        keep_default_na=False)
    pred = pd.read_csv(pred_path, dtype={"id": str, "prediction": str},
                       keep_default_na=False)
    if truth["id"].duplicated().any() or pred["id"].duplicated().any():
        sys.exit("reference: duplicate ids")
    df = truth.merge(pred, on="id", how="left", validate="one_to_one")
    if df["prediction"].isna().any():
        sys.exit("reference: examples without a prediction")
    y = df["label"] == "1"
    p = df["prediction"] == "1"
    df["tp"] = (y & p).astype(np.int64)
    df["fp"] = (~y & p).astype(np.int64)
    df["tn"] = (~y & ~p).astype(np.int64)
    df["fn"] = (y & ~p).astype(np.int64)
    return df


def metrics_frame(counts):
    """counts: a frame with tp, fp, tn, fn columns, one row per cohort."""
    out = counts.copy()
    out["n"] = counts[["tp", "fp", "tn", "fn"]].sum(axis=1)
    for name, (num, den) in METRICS.items():
        x = counts[list(num)].sum(axis=1).to_numpy()
        d = counts[list(den)].sum(axis=1).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(d > 0, x / np.maximum(d, 1), np.nan)
        low, high = proportion_confint(x, np.maximum(d, 1),
                                       alpha=1 - CONFIDENCE, method="wilson")
        out[name] = value
        out[name + "_low"] = np.where(d > 0, low, np.nan)
        out[name + "_high"] = np.where(d > 0, high, np.nan)
        out[name + "_x"] = x
        out[name + "_d"] = d
    return out


def two_sample_p(x1, n1, x2, n2):
    """Fisher's exact test when an expected cell count is below 5, else
    the pooled two-proportion z-test (the rule fairaudit documents)."""
    total, hits = n1 + n2, x1 + x2
    expected = [n * k / total for n in (n1, n2) for k in (hits, total - hits)]
    if min(expected) < 5:
        return fisher_exact([[x1, n1 - x1], [x2, n2 - x2]])[1]
    return proportions_ztest([x1, x2], [n1, n2])[1]


def disparities(frame):
    """Difference, ratio and z-test p-value of each metric against the
    largest cohort; the Holm adjustment is done later, over all groupings."""
    ref = frame["n"].idxmax()
    result = {}
    for name in METRICS:
        v = frame[name]
        diff = v - v[ref]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = v / v[ref]
        pvals = pd.Series(np.nan, index=frame.index)
        xr, dr = frame.at[ref, name + "_x"], frame.at[ref, name + "_d"]
        for idx in frame.index:
            if idx == ref or frame.at[idx, "n"] < MIN_COHORT or \
                    frame.at[ref, "n"] < MIN_COHORT:
                continue
            x, d = frame.at[idx, name + "_x"], frame.at[idx, name + "_d"]
            if d == 0 or dr == 0 or (x + xr) in (0, d + dr):
                continue
            pvals[idx] = two_sample_p(x, d, xr, dr)
        result[name] = pd.DataFrame({"difference": diff, "ratio": ratio,
                                     "p_value": pvals,
                                     "p_adjusted": np.nan})
    return ref, result


def holm(disps):
    """Holm step-down per metric, one family over every grouping."""
    for name in METRICS:
        frames = [d[name] for d in disps]
        p = pd.concat([f["p_value"] for f in frames])
        ok = p.notna().to_numpy()
        if not ok.any():
            continue
        adj = np.full(len(p), np.nan)
        adj[ok] = multipletests(p[ok], method="holm")[1]
        at = 0
        for f in frames:
            f["p_adjusted"] = adj[at:at + len(f)]
            at += len(f)


def num(v):
    v = float(v)
    return None if np.isnan(v) or np.isinf(v) else v


def cohort_json(frame, key_names, disp):
    cohorts = []
    for idx, row in frame.iterrows():
        values = idx if isinstance(idx, tuple) else (idx,)
        c = {"attributes": dict(zip(key_names, (str(x) for x in values))),
             "n": int(row["n"])}
        for k in ("tp", "fp", "tn", "fn"):
            c[k] = int(row[k])
        for name in METRICS:
            c[name] = [num(row[name]), num(row[name + "_low"]),
                       num(row[name + "_high"])]
            if disp is not None:
                d = disp[name].loc[idx]
                c[name].extend([num(d["difference"]), num(d["ratio"]),
                                num(d["p_adjusted"])])
        cohorts.append(c)
    return cohorts


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    df = load(sys.argv[1], sys.argv[2])
    cells = ["tp", "fp", "tn", "fn"]
    overall = metrics_frame(df[cells].sum().to_frame().T)
    doc = {"reference_tool": "pandas %s + statsmodels (Wilson intervals by"
           " proportion_confint(method=\"wilson\"))" % pd.__version__,
           "overall": cohort_json(overall, [], None)[0],
           "groupings": []}
    frames = []
    for by in GROUPINGS:
        counts = df.groupby(by, sort=True, observed=True)[cells].sum()
        frames.append((by, metrics_frame(counts)))
    disps = [disparities(frame)[1] for _, frame in frames]
    holm(disps)
    for (by, frame), disp in zip(frames, disps):
        doc["groupings"].append({"by": by,
                                 "cohorts": cohort_json(frame, by, disp)})
    with open(sys.argv[3], "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
