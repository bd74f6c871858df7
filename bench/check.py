#!/usr/bin/python3
"""Comparisons and small helpers for bench/run.sh (Python standard library).

    check.py classification REF.json OURS.json [LABEL]
        compare bench/reference.py's output with a fairaudit evaluation
        (CLI or API): per-cohort counts exactly; metric values, Wilson
        intervals, differences and ratios to 1e-9; Holm-adjusted p-values
        reported as the largest difference.  Exit 1 when counts differ.
    check.py fairlearn FL.json OURS.json [LABEL]
        compare bench/fairlearn_ref.py's output (Fairlearn MetricFrame) with
        a fairaudit evaluation: the same cohorts in each grouping, count
        equal to n, accuracy/TPR/FPR/FNR/TNR/selection rate to 1e-12
        absolute, and MetricFrame's difference()/ratio() (to_overall,
        between_groups) against the same aggregates of fairaudit's
        per-cohort values; the largest differences are printed.  Exit 1 on
        any mismatch.
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


# Fairlearn metric name -> fairaudit metric name, and the confusion cells
# of its denominator
FAIRLEARN = {"count": ("n", None),
             "accuracy": ("accuracy", ("n",)),
             "true_positive_rate": ("tpr", ("tp", "fn")),
             "false_positive_rate": ("fpr", ("fp", "tn")),
             "false_negative_rate": ("fnr", ("tp", "fn")),
             "true_negative_rate": ("tnr", ("fp", "tn")),
             "selection_rate": ("selection_rate", ("n",))}
FAIRLEARN_TOL = 1e-12


def finite(v):
    return None if v is None or math.isnan(v) or math.isinf(v) else v


def fairlearn_value(cohort, fname):
    """fairaudit's value of a Fairlearn metric, and whether fairaudit leaves
    it undefined for a zero denominator.  Fairlearn's rates come from
    scikit-learn's confusion_matrix(normalize="true"), which turns 0/0 into
    0, so such a value counts as 0 in MetricFrame's aggregates."""
    oname, den = FAIRLEARN[fname]
    m = cohort["metrics"]
    v = value(m.get(oname))
    zero = v is None and den is not None and \
        sum(value(m.get(c)) or 0 for c in den) == 0
    return v, zero


def fairlearn_aggregates(values, overall):
    """MetricFrame.difference()/ratio() of one metric over one grouping's
    cohort values, computed as Fairlearn does (NaN cohorts skipped)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {}
    out = {}
    if overall is not None:
        out["difference", "to_overall"] = max(abs(v - overall) for v in vals)
        ratios = []
        for v in vals:
            try:
                r = v / overall
            except ZeroDivisionError:
                r = math.nan if v == 0 else math.copysign(math.inf, v)
            if r > 1:
                r = 1 / r
            if not math.isnan(r):
                ratios.append(r)
        out["ratio", "to_overall"] = min(ratios) if ratios else None
    lo, hi = min(vals), max(vals)
    out["difference", "between_groups"] = hi - lo
    try:
        out["ratio", "between_groups"] = lo / hi
    except ZeroDivisionError:
        out["ratio", "between_groups"] = None
    return {k: finite(v) for k, v in out.items()}


def cmd_fairlearn(fl_path, ours_path, label="fairaudit"):
    fl, ours_doc = load(fl_path), load(ours_path)
    ours = ours_cohorts(ours_doc)
    ours_by = {tuple(g["by"]): g for g in ours_doc["groupings"]}
    tool = "Fairlearn %s MetricFrame" % fl.get("fairlearn_version", "?")
    problems, checked, largest, undefined = [], 0, 0.0, 0
    agg_problems, agg_checked, agg_largest = [], 0, 0.0
    ncohorts, nempty = 0, 0

    def compare_cohort(name, fc, oc):
        nonlocal checked, largest, undefined
        for fname in FAIRLEARN:
            if fname not in fc:
                continue
            want = fc[fname]
            got, zero = fairlearn_value(oc, fname)
            where = "%s %s" % (name, fname)
            if fname == "count":
                if got != want:
                    problems.append("%s: Fairlearn %s, %s n %s"
                                    % (where, want, label, got))
                continue
            if zero and want == 0:
                undefined += 1
                continue
            checked += 1
            largest = max(largest, differ(where, want, got, problems))

    def differ(where, want, got, out):
        """|want - got|, 0 when either is undefined; a mismatch into out."""
        if want is None or got is None:
            if (want is None) != (got is None):
                out.append("%s: Fairlearn %s, %s %s" % (where, want, label, got))
            return 0.0
        d = abs(want - got)
        if d > FAIRLEARN_TOL:
            out.append("%s: Fairlearn %r, %s %r (|difference| %.3g)"
                       % (where, want, label, got, d))
        return d

    def as_fairlearn(cohort, fname):
        v, zero = fairlearn_value(cohort, fname)
        return 0.0 if zero else v

    compare_cohort("overall", fl["overall"], ours[(None, ())])
    for g in fl["groupings"]:
        by = tuple(g["by"])
        nempty += len(g.get("empty_combinations", []))
        if by not in ours_by:
            problems.append("grouping %s: missing in %s"
                            % (",".join(by), label))
            continue
        want = {key(c["attributes"]): c for c in g["cohorts"]}
        have = {key(c["attributes"]) for c in ours_by[by]["cohorts"]}
        for k in sorted(set(want) ^ have):
            problems.append("%s cohort %s: only in %s" % (
                ",".join(by), ",".join("%s=%s" % kv for kv in k),
                tool if k in want else label))
        for k in sorted(set(want) & have):
            ncohorts += 1
            compare_cohort(",".join("%s=%s" % kv for kv in k), want[k],
                           ours[(by, k)])
        # difference()/ratio() from fairaudit's cohort values, aggregated
        # as MetricFrame aggregates its own
        for fname in FAIRLEARN:
            if fname == "count":
                continue
            derived = fairlearn_aggregates(
                [as_fairlearn(ours[(by, k)], fname) for k in sorted(have)],
                as_fairlearn(ours[(None, ())], fname))
            for kind in ("difference", "ratio"):
                for method, per_metric in (g.get(kind) or {}).items():
                    if fname not in per_metric:
                        continue
                    w, o = per_metric[fname], derived.get((kind, method))
                    agg_checked += 1
                    where = "%s %s %s(%s)" % (",".join(by), fname, kind,
                                              method)
                    agg_largest = max(agg_largest,
                                      differ(where, w, o, agg_problems))
    notes = []
    if nempty:
        notes.append("MetricFrame also lists %d empty combinations" % nempty)
    if undefined:
        notes.append("%d rates with a zero denominator, undefined in %s,"
                     " are 0 in Fairlearn (not compared)" % (undefined, label))
    notes = " (%s)" % "; ".join(notes) if notes else ""
    if problems:
        print("values DISAGREE (%s vs %s): %d mismatches, e.g. %s"
              % (label, tool, len(problems), "; ".join(problems[:3])))
    else:
        print("values agree (%s vs %s): overall and the same %d cohorts;"
              " count = n, accuracy, TPR, FPR, FNR, TNR, selection rate to"
              " %.0e (%d values), largest |difference| %.2g%s"
              % (label, tool, ncohorts, FAIRLEARN_TOL, checked, largest,
                 notes))
    if agg_problems:
        print("difference()/ratio() DISAGREE (%s vs %s): %d of %d, e.g. %s"
              % (label, tool, len(agg_problems), agg_checked,
                 "; ".join(agg_problems[:2])))
    else:
        print("MetricFrame difference()/ratio() (to_overall, between_groups)"
              " equal the same aggregates of %s's cohort values to %.0e"
              " (%d values), largest |difference| %.2g"
              % (label, FAIRLEARN_TOL, agg_checked, agg_largest))
    return 1 if problems or agg_problems else 0


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
    cmds = {"classification": cmd_classification, "fairlearn": cmd_fairlearn,
            "same-counts": cmd_same_counts,
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
