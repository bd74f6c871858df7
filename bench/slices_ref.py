#!/usr/bin/python3
"""The reference for make bench's slice-discovery figures: DataDome
sliceline's Slicefinder (the pinned copy in ../shared/reference/python) on
a CSV written by tests/tools/slicebench --csv (one row a line: the
attributes' codes, then the error, 0 or 1).

    slices_ref.py FILE MAX_LEVEL K MIN_SUPPORT ALPHA

Prints one line of figures (seconds, peak RSS) and the top k as JSON lines
in slicebench's format, for bench/run.sh to compare."""
import json
import resource
import sys
import time

import numpy as np
import sklearn.utils.validation as V

if not hasattr(V, "_check_feature_names"):   # scikit-learn 1.2 (Debian 12)
    V._check_feature_names = lambda est, X, *, reset: est._check_feature_names(X, reset=reset)
from sliceline import Slicefinder  # noqa: E402


def main():
    path, max_l, k, min_sup, alpha = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
        int(sys.argv[4]), float(sys.argv[5])
    data = np.loadtxt(path, delimiter=",", dtype=np.int64)
    X, e = data[:, :-1], data[:, -1].astype(float)
    t0 = time.perf_counter()
    sf = Slicefinder(alpha=alpha, k=k, max_l=max_l, min_sup=min_sup, verbose=False)
    sf.fit(X, e)
    t1 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={len(X)} attrs={X.shape[1]} seconds={t1 - t0:.3f} peak_rss_mb={rss:.0f}")
    for sl, st in zip(sf.top_slices_, sf.top_slices_statistics_):
        pred = {str(a): int(v) for a, v in enumerate(sl) if v is not None}
        print(json.dumps({"score": st["slice_score"], "rows": int(st["slice_size"]),
                          "errors": st["sum_slice_error"], "slice": pred}))


if __name__ == "__main__":
    main()
