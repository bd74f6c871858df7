#!/usr/bin/python3
"""Comparisons and small helpers for bench/run.sh (Python standard library).

    check.py classification REF.json OURS.json [LABEL]
        compare bench/reference.py's output with a fairaudit evaluation
        (CLI or API): per-cohort counts exactly; metric values, Wilson
        intervals, differences and ratios to 1e-9; Holm-adjusted p-values
        reported as the largest difference.  Exit 1 when counts differ.
    check.py same-counts A.json B.json LABEL
        two fairaudit evaluations have identical per-cohort counts.
    check.py sclite RSUM.txt OURS.json
        compare sclite's rsum report (Sum line and per-speaker lines) with a
        fairaudit asr evaluation grouped by speaker.  Exit 1 on a mismatch.
    check.py asr-totals OURS.json
        utterances, reference words, hits/sub/del/ins and pooled WER.
    check.py asr-expect OURS.json HITS SUB DEL INS
        exit 0 when the overall counts are exactly these.
    check.py get FILE KEY
        print a top-level field of a JSON file (nothing if absent).
    check.py table TSV
        print a tab-separated table with aligned columns.
"""

import json
import math
import re
import sys

COUNTS = ("n", "tp", "fp", "tn", "fn")
RATES = ("tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for",
         "accuracy", "error_rate", "selection_rate", "prevalence")


def load(path):
    with open(path) as f:
        return json.load(f)


def value(m):
    """A metric from fairaudit JSON: {"value": v, ...} or a bare number."""
    if isinstance(m, dict):
        return m.get("value")
    return m


def key(attrs):
    return tuple(sorted((k, str(v)) for k, v in attrs.items()))


def ours_cohorts(doc):
    """{(by, attrs): cohort} for every cohort, plus (None, ()) overall."""
    out = {(None, ()): dict(doc["overall"], attributes={})}
    for g in doc["groupings"]:
        by = tuple(g["by"])
        for c in g["cohorts"]:
            out[(by, key(c["attributes"]))] = c
    return out


def close(a, b, tol=1e-9):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def cmd_classification(ref_path, ours_path, label="fairaudit"):
    ref, ours = load(ref_path), ours_cohorts(load(ours_path))
    cohorts = [(None, ref["overall"])]
    for g in ref["groupings"]:
        cohorts += [(tuple(g["by"]), c) for c in g["cohorts"]]
    bad_counts, bad_values, checked_values = [], [], 0
    max_padj = 0.0
    for by, rc in cohorts:
        k = (by, key(rc["attributes"]))
        oc = ours.get(k)
        name = "overall" if by is None else \
            ",".join("%s=%s" % kv for kv in k[1])
        if oc is None:
            bad_counts.append("%s: missing in %s" % (name, label))
            continue
        m = oc["metrics"]
        for c in COUNTS:
            if value(m.get(c)) != rc[c]:
                bad_counts.append("%s %s: reference %s, %s %s" % (
                    name, c, rc[c], label, value(m.get(c))))
        for r in RATES:
            mv = m.get(r) or {}
            got = [mv.get("value"), mv.get("low"), mv.get("high")]
            want = rc[r][:3]
            checked_values += 3
            if not all(close(a, b) for a, b in zip(got, want)):
                bad_values.append("%s %s: reference %s, %s %s" % (
                    name, r, want, label, got))
            if by is None or len(rc[r]) < 6:
                continue
            d = (oc.get("disparity") or {}).get(r) or {}
            got = [d.get("difference"), d.get("ratio")]
            want = rc[r][3:5]
            if oc.get("reference"):
                continue
            checked_values += 2
            if not all(close(a, b) for a, b in zip(got, want)):
                bad_values.append("%s %s difference/ratio: reference %s,"
                                  " %s %s" % (name, r, want, label, got))
            pa, pb = d.get("p_adjusted"), rc[r][5]
            if pa is not None and pb is not None:
                max_padj = max(max_padj, abs(pa - pb))
    ncoh = len(cohorts) - 1
    if bad_counts:
        print("counts DISAGREE (%s vs reference): %d differences, e.g. %s"
              % (label, len(bad_counts), "; ".join(bad_counts[:3])))
    else:
        print("counts agree (%s vs reference): overall and %d cohorts,"
              " n/tp/fp/tn/fn identical" % (label, ncoh))
    if bad_values:
        print("metric values DISAGREE (%s vs reference): %d of %d, e.g. %s"
              % (label, len(bad_values), checked_values,
                 "; ".join(bad_values[:2])))
    else:
        print("metric values, Wilson intervals, differences and ratios agree"
              " to 1e-9 (%d values)" % checked_values)
    print("largest |p_adjusted difference| (z-test or Fisher, Holm): %.2g" % max_padj)
    return 1 if bad_counts else 0


def cmd_same_counts(a_path, b_path, label):
    a, b = ours_cohorts(load(a_path)), ours_cohorts(load(b_path))
    diff = [k for k in set(a) | set(b)
            if k not in a or k not in b or
            any(value(a[k]["metrics"].get(c)) != value(b[k]["metrics"].get(c))
                for c in COUNTS)]
    if diff:
        print("%s: counts DISAGREE in %d cohorts" % (label, len(diff)))
        return 1
    print("%s: counts agree (%d cohorts and overall)" % (label, len(a) - 1))
    return 0


ROW = re.compile(r"^\s*\|\s*(\S+)\s*\|\s*(\d+)\s+(\d+)\s*\|\s*(\d+)\s+(\d+)"
                 r"\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\|")


def parse_rsum(path):
    """sclite's rsum table: {speaker: (snt, wrd, corr, sub, del, ins)} and
    the Sum line under the key None."""
    rows = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = ROW.match(line)
            if not m:
                continue
            spk = m.group(1)
            nums = tuple(int(m.group(i)) for i in range(2, 8))
            rows[None if spk == "Sum" else spk] = nums
    return rows


def asr_counts(metrics):
    get = lambda k: value(metrics.get(k))
    return (get("utterances"), get("reference_words"), get("hits"),
            get("substitutions"), get("deletions"), get("insertions"))


def cmd_sclite(rsum_path, ours_path):
    rows = parse_rsum(rsum_path)
    doc = load(ours_path)
    if None not in rows:
        print("sclite: no Sum line in its rsum report")
        return 1
    names = ("#Snt", "#Wrd", "Corr", "Sub", "Del", "Ins")
    ours = asr_counts(doc["overall"]["metrics"])
    total = rows[None]
    ok = ours == total
    print("sclite Sum:    %s" % "  ".join("%s %s" % x for x in zip(names, total)))
    print("fairaudit:     %s" % "  ".join("%s %s" % x for x in zip(names, ours)))
    spk_bad, spk_n, grouped = [], 0, False
    for g in doc["groupings"]:
        if g["by"] != ["speaker"]:
            continue
        grouped = True
        for c in g["cohorts"]:
            spk = str(c["attributes"]["speaker"])
            spk_n += 1
            want = rows.get(spk)
            got = asr_counts(c["metrics"])
            if want != got:
                spk_bad.append("%s: sclite %s, fairaudit %s" % (spk, want, got))
    if grouped and spk_n != len(rows) - 1:
        spk_bad.append("%d speakers in sclite, %d in fairaudit"
                       % (len(rows) - 1, spk_n))
    if not grouped:
        per = "not compared (no grouping by speaker)"
    elif spk_bad:
        per = "DISAGREE: " + "; ".join(spk_bad[:3])
    else:
        per = "agree (%d speakers)" % spk_n
    print("totals %s with sclite's Sum line; per-speaker counts %s"
          % ("agree" if ok else "DISAGREE", per))
    return 0 if ok and not spk_bad else 1


def cmd_asr_totals(ours_path):
    m = load(ours_path)["overall"]["metrics"]
    u, w, h, s, d, i = asr_counts(m)
    wer = value(m.get("wer"))
    print("utterances %s, reference words %s, hits %s, sub %s, del %s, ins %s,"
          " pooled WER %s" % (u, w, h, s, d, i,
                              "%.4f" % wer if isinstance(wer, (int, float))
                              else wer))
    return 0


def cmd_asr_expect(ours_path, *want):
    try:
        m = load(ours_path)["overall"]["metrics"]
        got = asr_counts(m)[2:]
    except (OSError, ValueError, KeyError, TypeError):
        return 1
    return 0 if list(got) == [int(x) for x in want] else 1


def cmd_get(path, field):
    try:
        v = load(path).get(field)
    except (OSError, ValueError, AttributeError):
        return 1
    if v is not None:
        print(v)
    return 0


def cmd_table(path):
    with open(path) as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(width)]
    for n, r in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0


def main():
    cmds = {"classification": cmd_classification, "same-counts": cmd_same_counts,
            "sclite": cmd_sclite, "asr-totals": cmd_asr_totals,
            "asr-expect": cmd_asr_expect, "get": cmd_get, "table": cmd_table}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    try:
        sys.exit(cmds[sys.argv[1]](*sys.argv[2:]))
    except TypeError as e:
        if "positional argument" in str(e):
            sys.exit(__doc__)
        raise


if __name__ == "__main__":
    main()
