#!/usr/bin/python3
"""Reference scorer for the classification benchmark: Fairlearn's MetricFrame.

    PYTHONPATH=../shared/reference/python \\
        /usr/bin/python3 bench/fairlearn_ref.py TRUTH.csv PREDICTIONS.csv OUT.json

Issue 2 compares `fairaudit score` with Fairlearn's MetricFrame.  This
script is what a Fairlearn user writes for the same evaluation; it only
calls Fairlearn (the pinned copy in ../shared/reference/python, see its
README.md), on Debian's python3-pandas, python3-sklearn and python3-scipy:

  * parse both CSV files with pandas.read_csv (included in the time, as for
    `fairaudit score`);
  * join predictions to ground truth by id, refusing missing or duplicate
    ids; "1" is the positive label (y_true and y_pred become 0/1);
  * one fairlearn.metrics.MetricFrame per grouping, with sensitive features
    `accent` and `[accent, gender]`, and the metrics count, accuracy
    (sklearn.metrics.accuracy_score), and from fairlearn.metrics
    true_positive_rate, false_positive_rate, false_negative_rate,
    true_negative_rate and selection_rate (pos_label=1);
  * per grouping MetricFrame.difference() and ratio(), both to the overall
    value (method="to_overall") and between groups (the default).

No confidence intervals or tests: MetricFrame's intervals are bootstrap
quantiles (n_boot; 10 replicates take about 8 times as long), where
fairaudit gives Wilson intervals; those, the tests and the Holm adjustment
are checked against bench/reference.py instead.

A rate with a zero denominator is 0 here (scikit-learn's
confusion_matrix(normalize="true") turns 0/0 into 0); fairaudit leaves it
undefined, and check.py counts such values apart.

OUT.json holds the versions used, the seconds spent reading and joining
and in MetricFrame, the overall values, and per grouping every cohort's
values (combinations that never occur, which MetricFrame lists with NaN,
under "empty_combinations") and the differences and ratios, for
`bench/check.py fairlearn` to compare with fairaudit's output.  The
Fairlearn version is also printed on stderr.
"""

import json
import math
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import accuracy_score

import fairlearn
from fairlearn.metrics import (MetricFrame, count, false_negative_rate,
                               false_positive_rate, selection_rate,
                               true_negative_rate, true_positive_rate)

GROUPINGS = [["accent"], ["accent", "gender"]]


def _pos(f):
    """A fairlearn rate with "1" (mapped to 1) as the positive label."""
    def metric(y_true, y_pred):
        return f(y_true, y_pred, pos_label=1)
    metric.__name__ = f.__name__
    return metric


METRICS = {
    "count": count,
    "accuracy": accuracy_score,
    "true_positive_rate": _pos(true_positive_rate),
    "false_positive_rate": _pos(false_positive_rate),
    "false_negative_rate": _pos(false_negative_rate),
    "true_negative_rate": _pos(true_negative_rate),
    "selection_rate": _pos(selection_rate),
}


def load(truth_path, pred_path):
    truth = pd.read_csv(truth_path, dtype=str, keep_default_na=False)
    pred = pd.read_csv(pred_path, dtype=str, keep_default_na=False)
    if truth["id"].duplicated().any() or pred["id"].duplicated().any():
        sys.exit("fairlearn_ref: duplicate ids")
    df = truth.merge(pred, on="id", how="left", validate="one_to_one")
    if df["prediction"].isna().any():
        sys.exit("fairlearn_ref: examples without a prediction")
    df["y_true"] = (df["label"] == "1").astype(np.int64)
    df["y_pred"] = (df["prediction"] == "1").astype(np.int64)
    return df


def num(v):
    v = float(v)
    return None if math.isnan(v) or math.isinf(v) else v


def values(row):
    return {name: (int(row[name]) if name == "count" else num(row[name]))
            for name in METRICS}


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    print("fairlearn_ref: fairlearn %s from %s" %
          (fairlearn.__version__, fairlearn.__file__), file=sys.stderr)
    t0 = time.perf_counter()
    df = load(sys.argv[1], sys.argv[2])
    t1 = time.perf_counter()
    doc = {"reference_tool": "fairlearn %s MetricFrame (pandas %s,"
           " scikit-learn %s, numpy %s)" % (fairlearn.__version__,
                                             pd.__version__,
                                             sklearn.__version__,
                                             np.__version__),
           "fairlearn_version": fairlearn.__version__,
           "fairlearn_path": fairlearn.__file__,
           "metrics": list(METRICS),
           "groupings": []}
    for by in GROUPINGS:
        mf = MetricFrame(metrics=METRICS, y_true=df["y_true"],
                         y_pred=df["y_pred"],
                         sensitive_features=df[by[0]] if len(by) == 1
                         else df[by])
        if "overall" not in doc:
            doc["overall"] = dict(attributes={}, **values(mf.overall))
        cohorts, empty = [], []
        for idx, row in mf.by_group.iterrows():
            key = idx if isinstance(idx, tuple) else (idx,)
            attrs = dict(zip(by, map(str, key)))
            if pd.isna(row["count"]):
                # MetricFrame lists every combination of the features'
                # values; one that never occurs has NaN for every metric
                empty.append(attrs)
                continue
            cohorts.append(dict(attributes=attrs, **values(row)))
        rates = [m for m in METRICS if m != "count"]
        doc["groupings"].append({
            "by": by,
            "cohorts": cohorts,
            "empty_combinations": empty,
            "difference": {
                m: {name: num(mf.difference(method=m)[name]) for name in rates}
                for m in ("to_overall", "between_groups")},
            "ratio": {
                m: {name: num(mf.ratio(method=m)[name]) for name in rates}
                for m in ("to_overall", "between_groups")},
        })
    t2 = time.perf_counter()
    doc["read_join_seconds"] = round(t1 - t0, 3)
    doc["metricframe_seconds"] = round(t2 - t1, 3)
    with open(sys.argv[3], "w") as f:
        json.dump(doc, f)


if __name__ == "__main__":
    main()
