#!/usr/bin/env bash
# Run every libFuzzer target built by `make fuzz-build`.
#
#   tests/fuzz/run.sh SECONDS [TARGET...]
#
# Each target (default: every $FUZZ_BUILD/fuzz_* program) first replays
# its seed corpus tests/fuzz/corpus/<t>, then fuzzes for SECONDS seconds
# with tests/fuzz/<t>.dict when there is one.  New inputs go to a scratch
# copy of the corpus that is thrown away, so the committed corpus never
# changes.  A crash, leak, sanitizer report or oracle abort keeps its input
# as $FUZZ_BUILD/crashes/<t>-crash-<sha1> (rerun it with
# `$FUZZ_BUILD/fuzz_<t> FILE`) and fails the target.
#
# FUZZ_RUNS=N runs N inputs instead of SECONDS (the long runs of
# tests/fuzz/RESULTS.md: FUZZ_RUNS=10000000 FUZZ_MAX_LEN=1024), and
# FUZZ_MAX_LEN caps an input's length.
#
# Prints one TAP line per target ("ok 1 - fuzz csv (41872 runs)") and the
# tail of the log of a failed one; exits non-zero if any target failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for b in "$FUZZ_BUILD"/fuzz_*; do
		[ -x "$b" ] && [ -f "$b" ] && targets+=("${b##*/fuzz_}")
	done
fi
if [ ${#targets[@]} -eq 0 ]; then
	echo "not ok 1 - fuzz: no targets in $FUZZ_BUILD (make fuzz-build)"
	exit 1
fi

# Leaks count as failures.  A 16 MB quarantine still catches a use after
# free within one input, and 5 frames of allocation stack still say where
# a block came from; together they double the executions a second, since
# the parsers allocate for every error they report.
asan=detect_leaks=1:quarantine_size_mb=16:malloc_context_size=5

scratch=$(mktemp -d /tmp/fairaudit-fuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$FUZZ_BUILD/crashes"

i=0 failed=0
for t in "${targets[@]}"; do
	i=$((i + 1))
	bin=$FUZZ_BUILD/fuzz_$t
	corpus=$scratch/$t
	log=$scratch/$t.log
	mkdir -p "$corpus"
	[ -d tests/fuzz/corpus/$t ] && cp -R tests/fuzz/corpus/$t/. "$corpus"/
	if [ -n "${FUZZ_RUNS:-}" ]; then
		opts=(-runs="$FUZZ_RUNS")	# a long run: a number of inputs
	else
		opts=(-max_total_time="$secs")
	fi
	[ -n "${FUZZ_MAX_LEN:-}" ] && opts+=(-max_len="$FUZZ_MAX_LEN")
	opts+=(-timeout=10 -rss_limit_mb=2048
	      -print_final_stats=1 -artifact_prefix="$FUZZ_BUILD/crashes/$t-")
	[ -f tests/fuzz/$t.dict ] && opts+=(-dict=tests/fuzz/$t.dict)
	[ -f tests/fuzz/$t.options ] && read -ra more <tests/fuzz/$t.options &&
		opts+=("${more[@]}")
	ASAN_OPTIONS=${ASAN_OPTIONS:-$asan} "$bin" "${opts[@]}" "$corpus" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	if [ $rc -eq 0 ] && ! grep -q '^==[0-9]*==ERROR\|^SUMMARY: ' "$log"; then
		echo "ok $i - fuzz $t (${runs:-?} runs)"
	else
		echo "not ok $i - fuzz $t (exit status $rc)"
		grep -v '^#[0-9]' "$log" | tail -40 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
[ $failed -eq 0 ]
