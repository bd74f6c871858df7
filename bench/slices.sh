#!/usr/bin/env bash
# Slice discovery against DataDome sliceline, for bench/run.sh (section 5)
# or alone:
#
#   bench/slices.sh BUILD_DIR SCRATCH_DIR [SUMMARY_TSV]
#
# On the same generated data (tests/tools/slicebench: attribute a has
# 2 + a % 7 uniform values, errors 0.1, 0.4 in a planted 3-predicate
# slice), level 3, k 4, alpha 0.95, min_support 1 % of the rows:
#   100k rows x 8 attributes  fairaudit and sliceline, the top k compared
#                             (the same slices, scores equal to 1e-9) and
#                             the time ratio (target: at least 100x);
#   1M rows x 8               fairaudit (target: under 1 s);
#   2.5M rows x 68            the shape of UCI USCensus1990, fairaudit
#                             (target: under 60 s and 4 GB).
# sliceline runs with PYTHONPATH=../shared/reference/python (see its
# README); BENCH_SLICES_BIG=0 skips the 2.5M-row step.  Prints the figures;
# appends summary rows (metric, ours, reference, ratio, target, met) to
# SUMMARY_TSV when given.  Exit status 1 when the top k differ.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: bench/slices.sh BUILD_DIR SCRATCH_DIR [SUMMARY_TSV]}
W=${2:?usage: bench/slices.sh BUILD_DIR SCRATCH_DIR [SUMMARY_TSV]}
TSV=${3:-/dev/null}
SB=$B/tests/tools/slicebench
REFPY=${SLICE_REF_PYTHONPATH:-$PWD/../shared/reference/python}
FAILED=0

row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TSV"; }
field() { sed -n "1s/.*$1=\\([0-9.]*\\).*/\\1/p" "$2"; }
met() { awk "BEGIN { print (($1) ? \"yes\" : \"no\") }"; }

[ -x "$SB" ] || { echo "slices: $SB is missing; run make first"; exit 1; }

# 100k x 8 against sliceline
"$SB" --csv "$W/slices-100k.csv" 100000 8 3 4 1000 >"$W/slices-ours.txt"
ours=$(field seconds "$W/slices-ours.txt")
echo "100k rows x 8 attributes, level 3, k 4, min_support 1000"
echo "  fairaudit: $ours s, peak RSS $(field peak_rss_mb "$W/slices-ours.txt") MB"
if PYTHONPATH=$REFPY timeout 900 /usr/bin/python3 bench/slices_ref.py \
	"$W/slices-100k.csv" 3 4 1000 0.95 >"$W/slices-ref.txt" 2>"$W/slices-ref.err"; then
	ref=$(field seconds "$W/slices-ref.txt")
	echo "  sliceline: $ref s, peak RSS $(field peak_rss_mb "$W/slices-ref.txt") MB"
	same=$(/usr/bin/python3 - "$W/slices-ours.txt" "$W/slices-ref.txt" <<'PY'
import json, sys
a, b = ([json.loads(l) for l in open(p).read().splitlines()[1:]] for p in sys.argv[1:3])
key = lambda s: tuple(sorted(s["slice"].items()))
sa, sb = {key(s): s for s in a}, {key(s): s for s in b}
ok = sa.keys() == sb.keys() and all(abs(sa[k]["score"] - sb[k]["score"]) <= 1e-9 and
                                    sa[k]["rows"] == sb[k]["rows"] for k in sa)
print("yes" if ok and a else "no")
PY
)
	ratio=$(awk -v a="$ours" -v b="$ref" 'BEGIN { printf "%.0f", b / (a > 0.0005 ? a : 0.0005) }')
	echo "  the same top 4 (slices, sizes, scores to 1e-9): $same; ${ratio}x faster"
	row "slices 100k x 8, level 3 (s)" "$ours" "$ref (sliceline)" "${ratio}x" ">= 100x" \
		"$(met "$ratio >= 100")"
	row "slices 100k x 8: top k = sliceline" "$same" "" "" "identical" "$same"
	[ "$same" = yes ] || FAILED=1
else
	echo "  sliceline could not run: $(head -c 300 "$W/slices-ref.err" | tr '\n' ' ')"
	row "slices 100k x 8, level 3 (s)" "$ours" "sliceline failed" "" ">= 100x" "?"
fi

"$SB" 1000000 8 3 4 10000 >"$W/slices-1m.txt"
s1m=$(field seconds "$W/slices-1m.txt")
echo "1M rows x 8 attributes: $s1m s, peak RSS $(field peak_rss_mb "$W/slices-1m.txt") MB"
row "slices 1M x 8, level 3 (s)" "$s1m" "" "" "< 1 s" "$(met "$s1m < 1")"

if [ "${BENCH_SLICES_BIG:-1}" != 0 ]; then
	"$SB" 2500000 68 3 4 25000 >"$W/slices-census.txt"
	sc=$(field seconds "$W/slices-census.txt")
	rc=$(field peak_rss_mb "$W/slices-census.txt")
	echo "2.5M rows x 68 attributes (USCensus1990's shape), level 3: $sc s, peak RSS $rc MB" \
		"($(sed -n '1s/.*evaluated=\([0-9]*\).*/\1/p' "$W/slices-census.txt") slices evaluated)"
	row "slices 2.5M x 68, level 3 (s)" "$sc" "" "" "< 60 s" "$(met "$sc < 60")"
	row "slices 2.5M x 68, peak RSS (MB)" "$rc" "" "" "< 4096" "$(met "$rc < 4096")"
fi
exit $FAILED
