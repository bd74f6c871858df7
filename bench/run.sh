#!/usr/bin/env bash
# fairaudit benchmarks against reference tools, measured in one run.
#
#   bench/run.sh            (what `make bench` runs after building)
#
# Environment:
#   BUILD            build directory, default build
#   BENCH_ROWS       classification rows, default 1000000
#   BENCH_ASR_UTTS   utterances compared with sclite, default 100000 (0 skips
#                    the speech section)
#   BENCH_ASR_BIG    utterances scored by fairaudit alone, default 1000000
#                    (0 skips that step)
#   BENCH_ASR_SMALL  utterances of the small-input step against sclite,
#                    default 20000 (0 skips it)
#   BENCH_RUNS       repetitions of the short measurements, default 3
#                    (the median is reported)
#   BENCH_HUNTER_SECONDS  duration of the concurrent bounty hunters, default
#                    60 (0 skips; run only when the server has the bounty
#                    routes)
#   BENCH_SLICES     0 skips the slice-discovery section (bench/slices.sh;
#                    BENCH_SLICES_BIG=0 skips its 2.5M x 68 step)
#   BENCH_FAIRLEARN  folder holding the pinned Fairlearn (and narwhals) that
#                    section 1 compares with, default
#                    ../shared/reference/python (skipped when it has no
#                    fairlearn/)
#   BENCH_TMP        parent folder of the scratch folder, default /tmp
#   BENCH_KEEP=1     keep the scratch folder (data, logs, outputs)
#
# It starts its own PostgreSQL (scripts/pg.sh) and `fairaudit serve` on a
# free loopback port, installs the Debian packages it needs when missing
# (python3, python3-pandas, python3-statsmodels, sctk, time, curl,
# postgresql), and stops and removes everything on exit.  The figures are
# printed and written to bench/results.txt; bench/README.md explains each of
# them.  Benchmarks print figures and ratios; they never fail a build on
# timing.  Exit status is non-zero only when something could not run or
# results disagree with the reference tools.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
ROWS=${BENCH_ROWS:-1000000}
ASR_UTTS=${BENCH_ASR_UTTS:-100000}
ASR_BIG=${BENCH_ASR_BIG:-1000000}
ASR_SMALL=${BENCH_ASR_SMALL:-20000}
RUNS=${BENCH_RUNS:-3}
PY=/usr/bin/python3
case $BUILD in
/*) B=$BUILD ;;
*) B=$ROOT/$BUILD ;;
esac
FAIRLEARN=${BENCH_FAIRLEARN:-../shared/reference/python}
case $FAIRLEARN in
/*) ;;
*) FAIRLEARN=$ROOT/$FAIRLEARN ;;
esac
[ -d "$FAIRLEARN" ] && FAIRLEARN=$(cd "$FAIRLEARN" && pwd)
FA=$B/fairaudit
GEN=$B/bench/gendata
RESULTS=$ROOT/bench/results.txt
CHECK=$ROOT/bench/check.py
STEP_TIMEOUT=300	# seconds for any one measured command

[ -x "$FA" ] || { echo "bench: $FA is missing; run make first" >&2; exit 1; }
[ -x "$GEN" ] || { echo "bench: $GEN is missing; run make first" >&2; exit 1; }

# ---- packages -------------------------------------------------------------

need=()
for p in python3 python3-pandas python3-statsmodels python3-sklearn python3-scipy \
	python3-numba sctk time curl postgresql; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "bench: installing ${need[*]}" >&2
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	apt_install() {
		$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends "${need[@]}" >/dev/null
	}
	apt_install 2>/dev/null || {
		$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq && apt_install
	} || echo "bench: could not install ${need[*]}; the steps needing them are skipped" >&2
fi
SCLITE=$(dpkg -L sctk 2>/dev/null | grep 'bin/sclite$' | head -n 1 || true)

# ---- scratch folder, PostgreSQL, server, clean-up ---------------------------

W=$(mktemp -d "${BENCH_TMP:-/tmp}/fairaudit-bench.XXXXXX")
chmod 0711 "$W"		# the cluster runs as postgres and must reach $W/pg
SERVER_PID=
PG_STARTED=0

cleanup() {
	local rc=$?
	set +e
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID"
		for _ in $(seq 50); do
			kill -0 "$SERVER_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	[ "$PG_STARTED" -eq 1 ] && scripts/pg.sh stop "$W/pg" >/dev/null 2>&1
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: scratch folder kept: $W" >&2
	else
		rm -rf "$W"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

exec 3>"$RESULTS"
FAILED=0

say() {
	printf '%s\n' "$*"
	printf '%s\n' "$*" >&3
}

# sayf FORMAT ARGS...
sayf() {
	local line
	# shellcheck disable=SC2059
	printf -v line "$@"
	say "$line"
}

# Indented copy of a file's lines into the output.
say_file() {
	local line
	while IFS= read -r line; do
		say "    $line"
	done <"$1"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
now() { date +%s.%N; }
# awk arithmetic: calc FORMAT EXPRESSION
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
median() {
	printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
		END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2];
		      else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
# yes when the awk condition holds, else no
met() { awk "BEGIN { print (($1) ? \"yes\" : \"no\") }"; }

# 1000000 -> 1M, 100000 -> 100k
human() {
	awk -v n="$1" 'BEGIN { if (n >= 1e6 && n % 1e6 == 0) printf "%dM", n / 1e6;
		else if (n >= 1e3 && n % 1e3 == 0) printf "%dk", n / 1e3; else printf "%d", n }'
}
ROWS_H=$(human "$ROWS") ASR_H=$(human "$ASR_UTTS") ASR_BIG_H=$(human "$ASR_BIG")
ASR_SMALL_H=$(human "$ASR_SMALL")

# A summary row: metric, ours, reference, ratio, target, met.
printf 'metric\tours\treference\tratio\ttarget\tmet\n' >"$W/summary.tsv"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$W/summary.tsv"; }

# run_timed NAME COMMAND... : run under /usr/bin/time -v with a time limit;
# stdout to $W/NAME.out, stderr to $W/NAME.err.  Sets T_RC, T_WALL (s) and
# T_RSS (peak resident set, MB).
run_timed() {
	local name=$1 t0 t1
	shift
	t0=$(now)
	set +e
	timeout "$STEP_TIMEOUT" /usr/bin/time -v -o "$W/$name.time" "$@" \
		>"$W/$name.out" 2>"$W/$name.err"
	T_RC=$?
	set -e
	t1=$(now)
	T_WALL=$(calc %.3f "$t1 - $t0")
	T_RSS=$(awk -F': ' '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }' \
		"$W/$name.time" 2>/dev/null || true)
	[ -n "$T_RSS" ] || T_RSS=nan
}

first_error() { head -c 300 "$1" 2>/dev/null | tr '\n' ' '; }

say "fairaudit benchmarks  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (work tree modified)')"
say "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
say "load average at start: $(loadavg)   (the machine is shared: figures are noisy)"
say "build: $BUILD   rows: $ROWS   asr utterances: $ASR_UTTS (and $ASR_BIG alone)   runs per short measurement: $RUNS (median)"
say ""

# ---- PostgreSQL and the server -------------------------------------------

URL=$(scripts/pg.sh start "$W/pg" fairaudit_bench)
PG_STARTED=1
PSQL=(psql "$URL" -X -v ON_ERROR_STOP=1 -q)
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API=http://127.0.0.1:$PORT
DATABASE_URL=$URL FAIRAUDIT_ADDR=127.0.0.1:$PORT "$FA" serve >"$W/serve.out" 2>"$W/serve.log" &
SERVER_PID=$!
for _ in $(seq 300); do
	curl -sf -o /dev/null "$API/readyz" && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.2
done
curl -sf -o /dev/null "$API/readyz" || {
	echo "bench: the server did not become ready:" >&2
	tail -n 20 "$W/serve.log" >&2
	exit 1
}
ADMIN_KEY=$(grep -o 'fa_[A-Za-z0-9_-]*' "$W/serve.out" | head -n 1 || true)
[ -n "$ADMIN_KEY" ] || { echo "bench: the server printed no admin key" >&2; exit 1; }
KEY=$(DATABASE_URL=$URL "$FA" keys create --role analyst --name bench)
say "server: fairaudit serve on $API, private PostgreSQL in $W/pg, analyst key created"

# api METHOD PATH [JSON] : response body in $W/resp.json, prints the status.
api() {
	local args=(-sS -o "$W/resp.json" -w '%{http_code}' --max-time "$STEP_TIMEOUT"
		-X "$1" "$API$2" -H "Authorization: Bearer $KEY")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	rm -f "$W/resp.json"
	# curl prints 000 itself when it gets no answer
	curl "${args[@]}" 2>>"$W/curl.err" || true
}

# upload PATH FILE CONTENT-TYPE NAME : sets UP_CODE, UP_WALL; body in $W/NAME.json
upload() {
	local t0 t1
	t0=$(now)
	rm -f "$W/$4.json"
	UP_CODE=$(curl -sS -o "$W/$4.json" -w '%{http_code}' --max-time "$STEP_TIMEOUT" \
		-X POST "$API$1" -H "Authorization: Bearer $KEY" \
		-H "Content-Type: $3" --data-binary @"$2" 2>>"$W/curl.err" || true)
	t1=$(now)
	UP_WALL=$(calc %.3f "$t1 - $t0")
}

# psql_copy TABLE COLUMNS FILE : fresh plain table, \copy timed; sets CP_WALL
psql_copy() {
	local t0 t1
	"${PSQL[@]}" -c "CREATE TABLE $1 ($2)" -c CHECKPOINT
	t0=$(now)
	timeout "$STEP_TIMEOUT" "${PSQL[@]}" -c "\\copy $1 FROM '$3' WITH (FORMAT csv, HEADER true)"
	t1=$(now)
	CP_WALL=$(calc %.3f "$t1 - $t0")
}

checkpoint() { "${PSQL[@]}" -c CHECKPOINT; }

# After a failed request: if the server has exited, say so once, with the
# end of its log, and skip the remaining HTTP steps.
SERVER_DEAD=0
server_gone() {
	[ $SERVER_DEAD -eq 1 ] && return 0
	kill -0 "$SERVER_PID" 2>/dev/null && return 1
	local st=0
	wait "$SERVER_PID" 2>/dev/null || st=$?
	SERVER_PID=''
	SERVER_DEAD=1
	FAILED=1
	say "THE SERVER EXITED (status $st$([ $st -gt 128 ] && echo ", signal $((st - 128))")); the rest of the HTTP steps are skipped. End of its log:"
	tail -n 12 "$W/serve.log" >"$W/serve.tail"
	say_file "$W/serve.tail"
	return 0
}

new_id() { # METHOD PATH JSON -> prints the new resource's id
	local code
	code=$(api "$@")
	[ "$code" = 201 ] || { echo "bench: $1 $2 answered $code: $(first_error "$W/resp.json")" >&2; return 1; }
	$PY "$CHECK" get "$W/resp.json" id
}

# ---- 1. classification (issue 2) ------------------------------------------

say "== 1. classification, $ROWS rows (20 accents x 3 genders, binary labels)"
D=$W/cls
mkdir -p "$D"
run_timed gen_cls "$GEN" classification "$ROWS" "$D"
[ "$T_RC" -eq 0 ] || { echo "bench: gendata failed: $(first_error "$W/gen_cls.err")" >&2; exit 1; }
sayf "generated truth.csv (%s MB) and predictions.csv (%s MB) in %s s" \
	"$(calc %.1f "$(stat -c %s "$D/truth.csv") / 1e6")" \
	"$(calc %.1f "$(stat -c %s "$D/predictions.csv") / 1e6")" "$T_WALL"

walls=() rss=0
for i in $(seq "$RUNS"); do
	run_timed "score_$i" "$FA" score --task classification --truth "$D/truth.csv" \
		--predictions "$D/predictions.csv" --by accent --by accent,gender
	if [ "$T_RC" -ne 0 ]; then
		say "fairaudit score failed (exit $T_RC): $(first_error "$W/score_$i.err")"
		FAILED=1
		break
	fi
	walls+=("$T_WALL")
	rss=$(awk -v a="$rss" -v b="$T_RSS" 'BEGIN { print (b > a) ? b : a }')
done
SCORE_WALL=nan SCORE_RSS=nan
if [ ${#walls[@]} -eq "$RUNS" ]; then
	SCORE_WALL=$(median "${walls[@]}")
	SCORE_RSS=$rss
	sayf "fairaudit score (parse, join, 80 cohorts, all metrics, intervals, tests): median %s s of %s runs (%s), peak RSS %s MB" \
		"$SCORE_WALL" "$RUNS" "${walls[*]}" "$SCORE_RSS"
fi

REF_WALL=nan REF_RSS=nan
if $PY -c 'import pandas, statsmodels' 2>/dev/null; then
	run_timed reference $PY bench/reference.py "$D/truth.csv" "$D/predictions.csv" "$W/reference.json"
	if [ "$T_RC" -eq 0 ]; then
		REF_WALL=$T_WALL REF_RSS=$T_RSS
		sayf "pandas + statsmodels reference (pandas %s + statsmodels %s: counts, all metrics, Wilson intervals, tests, Holm): %s s, peak RSS %s MB" \
			"$($PY -c 'import pandas; print(pandas.__version__)')" \
			"$($PY -c 'import statsmodels; print(statsmodels.__version__)')" "$REF_WALL" "$REF_RSS"
		if [ "$SCORE_WALL" != nan ]; then
			sayf "speed-up over the pandas + statsmodels reference: %sx; memory: %sx less" \
				"$(calc %.1f "$REF_WALL / $SCORE_WALL")" "$(calc %.1f "$REF_RSS / $SCORE_RSS")"
			$PY "$CHECK" classification "$W/reference.json" "$W/score_1.out" "fairaudit score" >"$W/cmp.txt" || FAILED=1
			say_file "$W/cmp.txt"
		fi
	else
		say "reference failed (exit $T_RC): $(first_error "$W/reference.err")"
		FAILED=1
	fi
else
	say "reference skipped: python3-pandas / python3-statsmodels are not installed"
fi
COUNTS_AGREE=no
grep -q '^counts agree' "$W/cmp.txt" 2>/dev/null && COUNTS_AGREE=yes

# Fairlearn's MetricFrame, the tool issue 2 names: the headline ratio.
FL_WALL=nan FL_RSS=nan FL_AGREE=skipped FL_SPEEDUP=
if [ -d "$FAIRLEARN/fairlearn" ]; then
	say "Fairlearn MetricFrame on the same files (from $FAIRLEARN; load $(loadavg))"
	run_timed fairlearn env PYTHONPATH="$FAIRLEARN" $PY bench/fairlearn_ref.py \
		"$D/truth.csv" "$D/predictions.csv" "$W/fairlearn.json"
	if [ "$T_RC" -eq 0 ]; then
		FL_WALL=$T_WALL FL_RSS=$T_RSS
		sayf "Fairlearn %s MetricFrame (parse, join, by accent and accent x gender: count, accuracy, TPR, FPR, FNR, TNR, selection rate; difference(), ratio()): %s s (read and join %s s, MetricFrame %s s), peak RSS %s MB" \
			"$($PY "$CHECK" get "$W/fairlearn.json" fairlearn_version)" "$FL_WALL" \
			"$($PY "$CHECK" get "$W/fairlearn.json" read_join_seconds)" \
			"$($PY "$CHECK" get "$W/fairlearn.json" metricframe_seconds)" \
			"$FL_RSS"
		if [ "$SCORE_WALL" != nan ]; then
			FL_SPEEDUP=$(calc %.1f "$FL_WALL / $SCORE_WALL")
			sayf "fairaudit score over Fairlearn: %sx faster (%s s vs %s s); memory: %sx less (%s MB vs %s MB)" \
				"$FL_SPEEDUP" "$SCORE_WALL" "$FL_WALL" \
				"$(calc %.1f "$FL_RSS / $SCORE_RSS")" "$SCORE_RSS" "$FL_RSS"
			FL_AGREE=no
			if $PY "$CHECK" fairlearn "$W/fairlearn.json" "$W/score_1.out" "fairaudit score" >"$W/cmp_fl.txt"; then
				FL_AGREE=yes
			else
				FAILED=1
			fi
			say_file "$W/cmp_fl.txt"
		fi
	else
		say "Fairlearn failed (exit $T_RC): $(first_error "$W/fairlearn.err")"
		FL_AGREE=no
		FAILED=1
	fi
else
	say "Fairlearn skipped: no fairlearn/ in $FAIRLEARN (set BENCH_FAIRLEARN to the folder holding it)"
fi
if [ -n "$FL_SPEEDUP" ]; then
	row "score $ROWS_H rows, wall (s)" "$SCORE_WALL" "$FL_WALL (Fairlearn)" "${FL_SPEEDUP}x faster" \
		"< 0.15 s, >= 200x Fairlearn" "$(met "$SCORE_WALL < 0.15 && $FL_SPEEDUP >= 200")"
	row "score $ROWS_H rows, peak RSS (MB)" "$SCORE_RSS" "$FL_RSS (Fairlearn)" \
		"$(calc '%.1fx less' "$FL_RSS / $SCORE_RSS")" "< 150 MB" "$(met "$SCORE_RSS < 150")"
else
	row "score $ROWS_H rows, wall (s)" "$SCORE_WALL" \
		"$( [ "$FL_WALL" != nan ] && echo "$FL_WALL (Fairlearn)" || echo "Fairlearn not run")" "-" \
		"< 0.15 s, >= 200x Fairlearn" "$( [ "$SCORE_WALL" = nan ] && echo no || echo -)"
	row "score $ROWS_H rows, peak RSS (MB)" "$SCORE_RSS" \
		"$( [ "$FL_RSS" != nan ] && echo "$FL_RSS (Fairlearn)" || echo "Fairlearn not run")" "-" \
		"< 150 MB" "$( [ "$SCORE_RSS" != nan ] && met "$SCORE_RSS < 150" || echo no)"
fi
row "score $ROWS_H rows vs pandas+statsmodels (s)" "$SCORE_WALL" "$REF_WALL (pandas+statsmodels)" \
	"$( [ "$REF_WALL" != nan ] && [ "$SCORE_WALL" != nan ] && calc '%.1fx faster' "$REF_WALL / $SCORE_WALL" || echo -)" \
	"-" "-"
row "per-cohort values = Fairlearn MetricFrame" "$FL_AGREE" "" "" "equal to 1e-12" \
	"$( [ "$FL_AGREE" = skipped ] && echo - || echo "$FL_AGREE")"
row "per-cohort counts = pandas+statsmodels" "$COUNTS_AGREE" "" "" "identical" "$COUNTS_AGREE"

# Uploads: one fresh dataset per run for examples, one fresh model per run
# for predictions; each against \copy of the same file into a fresh plain
# table; a CHECKPOINT before each so no run pays for another's WAL.
say ""
say "upload over HTTP (curl --data-binary, text/csv) vs psql \\copy of the same file into a plain table (load $(loadavg))"
ex_w=() ex_cp=() pr_w=() pr_cp=() DS='' MODEL=''
for i in $(seq "$RUNS"); do
	ds=$(new_id POST /v1/datasets "{\"name\": \"bench $i\", \"task\": \"classification\"}") ||
		{ server_gone || true; FAILED=1; break; }
	checkpoint
	upload "/v1/datasets/$ds/examples" "$D/truth.csv" text/csv "up_ex_$i"
	[ "$UP_CODE" = 201 ] || {
		say "examples upload answered $UP_CODE: $(first_error "$W/up_ex_$i.json")"
		server_gone || true
		FAILED=1
		break
	}
	[ -n "$DS" ] || DS=$ds
	ex_w+=("$UP_WALL")
	psql_copy "copy_examples_$i" "id text, label integer, accent text, gender text" "$D/truth.csv"
	ex_cp+=("$CP_WALL")
	sayf "  run %d: examples %s s (%s rows/s), \\copy %s s" "$i" "$UP_WALL" \
		"$(calc %.0f "$ROWS / $UP_WALL")" "$CP_WALL"
done
if [ -n "$DS" ] && [ ${#ex_w[@]} -gt 0 ]; then
	for i in $(seq "$RUNS"); do
		m=$(new_id POST "/v1/datasets/$DS/models" "{\"name\": \"bench model $i\"}") ||
			{ server_gone || true; FAILED=1; break; }
		checkpoint
		upload "/v1/models/$m/predictions" "$D/predictions.csv" text/csv "up_pr_$i"
		[ "$UP_CODE" = 201 ] || {
			say "predictions upload answered $UP_CODE: $(first_error "$W/up_pr_$i.json")"
			server_gone || true
			FAILED=1
			break
		}
		[ -n "$MODEL" ] || MODEL=$m
		pr_w+=("$UP_WALL")
		psql_copy "copy_predictions_$i" "id text, prediction integer" "$D/predictions.csv"
		pr_cp+=("$CP_WALL")
		sayf "  run %d: predictions %s s (%s rows/s), \\copy %s s" "$i" "$UP_WALL" \
			"$(calc %.0f "$ROWS / $UP_WALL")" "$CP_WALL"
	done
fi
for kind in examples predictions; do
	if [ $kind = examples ]; then ours=("${ex_w[@]}") ref=("${ex_cp[@]}"); else ours=("${pr_w[@]}") ref=("${pr_cp[@]}"); fi
	if [ ${#ours[@]} -eq 0 ]; then
		row "upload $kind $ROWS_H, rows/s" failed "" "" "<= 1.1x psql \\copy" no
		continue
	fi
	o=$(median "${ours[@]}") r=$(median "${ref[@]}")
	rate=$(calc %.0f "$ROWS / $o") rrate=$(calc %.0f "$ROWS / $r") ratio=$(calc %.2f "$o / $r")
	sayf "%s: median %s s = %s rows/s; psql \\copy median %s s = %s rows/s; time ratio ours/psql %sx (target <= 1.1x; %d of %d runs)" \
		"$kind" "$o" "$rate" "$r" "$rrate" "$ratio" "${#ours[@]}" "$RUNS"
	row "upload $kind $ROWS_H, rows/s" "$rate" "$rrate (psql \\copy)" "${ratio}x time" \
		"<= 1.1x psql \\copy" "$(met "$ratio <= 1.1")"
done

# Memory of an upload in progress: each upload on a fresh server process,
# its peak resident set (VmHWM) before and after, over the rows.  The
# predictions upload is the first after a restart, so it also reads the
# dataset's ids from PostgreSQL into its id index.
mem_upload() { # NAME PATH FILE : sets MEM_BPR (bytes a row), MEM_CODE
	local port pid h0 h1 api_saved=$API
	port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	DATABASE_URL=$URL FAIRAUDIT_ADDR=127.0.0.1:$port "$FA" serve >"$W/mem_$1.out" 2>"$W/mem_$1.log" &
	pid=$!
	for _ in $(seq 300); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/readyz" && break
		sleep 0.1
	done
	API=http://127.0.0.1:$port
	h0=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	upload "$2" "$3" text/csv "mem_$1"
	h1=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	MEM_CODE=$UP_CODE
	MEM_BPR=$(calc %.1f "($h1 - $h0) * 1024 / $ROWS")
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
	API=$api_saved
	sayf "  %s: answered %s, peak RSS %s -> %s kB, %s bytes a row" "$1" "$UP_CODE" "$h0" "$h1" "$MEM_BPR"
}
if [ -n "$DS" ] && [ $SERVER_DEAD -eq 0 ]; then
	say ""
	say "memory of an upload in progress ($ROWS_H rows, a fresh server for each)"
	{ cat "$D/truth.csv"; head -n 2 "$D/truth.csv" | tail -n 1; } >"$W/truth_dup.csv"
	ds=$(new_id POST /v1/datasets '{"name": "mem examples", "task": "classification"}')
	mem_upload examples "/v1/datasets/$ds/examples" "$D/truth.csv"
	row "upload examples $ROWS_H, bytes a row (peak RSS)" "$MEM_BPR" "-" "-" "< 20" "$(met "$MEM_CODE == 201 && $MEM_BPR < 20")"
	ds=$(new_id POST /v1/datasets '{"name": "mem refused", "task": "classification"}')
	mem_upload refused "/v1/datasets/$ds/examples" "$W/truth_dup.csv"
	row "refused examples upload $ROWS_H (one duplicate id), bytes a row" "$MEM_BPR" "-" "-" "< 20" "$(met "$MEM_CODE == 422 && $MEM_BPR < 20")"
	m=$(new_id POST "/v1/datasets/$DS/models" '{"name": "mem model"}')
	mem_upload predictions "/v1/models/$m/predictions" "$D/predictions.csv"
	row "upload predictions $ROWS_H after a restart, bytes a row" "$MEM_BPR" "-" "-" "< 20" "$(met "$MEM_CODE == 201 && $MEM_BPR < 20")"
fi

# Evaluation of the stored rows through the API.
if [ -n "$MODEL" ] && [ $SERVER_DEAD -eq 0 ]; then
	say ""
	say "evaluation through the API, by accent and accent x gender (load $(loadavg))"
	ev_w=() EVAL_ID=
	for i in $(seq $((RUNS + 1))); do
		t0=$(now)
		code=$(api POST "/v1/models/$MODEL/evaluations" '{"by": [["accent"], ["accent", "gender"]]}')
		t1=$(now)
		[ "$code" = 201 ] || {
			say "evaluation answered $code: $(first_error "$W/resp.json")"
			server_gone || true
			FAILED=1
			break
		}
		ev_w+=("$(calc %.3f "$t1 - $t0")")
		cp "$W/resp.json" "$W/eval_api.json"
	done
	if [ ${#ev_w[@]} -gt 0 ]; then
		# The first evaluation reads the rows from PostgreSQL; later ones
		# of the same upload copy the server's cached table
		# (server/tablecache.h).  Both are reported.
		EV_COLD=${ev_w[0]}
		if [ ${#ev_w[@]} -gt 1 ]; then
			EV=$(median "${ev_w[@]:1}")
		else
			EV=$EV_COLD
		fi
		sayf "POST /v1/models/%s/evaluations on %s stored rows: first (read from PostgreSQL) %s s; then (table cache) median %s s of %d (%s)" \
			"$MODEL" "$ROWS" "$EV_COLD" "$EV" "$(( ${#ev_w[@]} - 1 ))" "${ev_w[*]:1}"
		row "API evaluation, $ROWS_H stored rows (s)" "$EV (first: $EV_COLD)" "-" "-" "< 0.3 s" "$(met "$EV < 0.3")"
		$PY "$CHECK" same-counts "$W/score_1.out" "$W/eval_api.json" "API evaluation vs fairaudit score" >"$W/cmp_api.txt" || FAILED=1
		say_file "$W/cmp_api.txt"
		EVAL_ID=$($PY "$CHECK" get "$W/eval_api.json" id)
		if [ -n "$EVAL_ID" ]; then
			rw=()
			for i in $(seq "$RUNS"); do
				t0=$(now)
				code=$(curl -sS -o "$W/report.html" -w '%{http_code}' -H "Authorization: Bearer $KEY" \
					"$API/v1/evaluations/$EVAL_ID/report" 2>>"$W/curl.err" || true)
				t1=$(now)
				[ "$code" = 200 ] || break
				rw+=("$(calc %.3f "$t1 - $t0")")
			done
			[ ${#rw[@]} -gt 0 ] && sayf "GET /v1/evaluations/%s/report (80 cohorts, HTML, over HTTP): median %s s, %s bytes" \
				"$EVAL_ID" "$(median "${rw[@]}")" "$(stat -c %s "$W/report.html")"
		fi
	else
		row "API evaluation, $ROWS_H stored rows (s)" failed "-" "-" "< 0.3 s" no
	fi
else
	row "API evaluation, $ROWS_H stored rows (s)" "not run" "-" "-" "< 0.3 s" no
fi
rm -f "$D"/*.csv

# ---- 2. ASR (issue 3) ----------------------------------------------------

say ""
say "== 2. speech recognition: word error rates against NIST sclite"
A=$W/asr
mkdir -p "$A"
printf 'a b c (spk1-u1)\nhello world (spk2-u1)\n' >"$A/tiny_ref.trn"
printf 'b a c (spk1-u1)\nhello there world (spk2-u1)\n' >"$A/tiny_hyp.trn"
set +e
timeout 60 "$FA" score --task asr --truth "$A/tiny_ref.trn" --predictions "$A/tiny_hyp.trn" \
	--by speaker >"$A/tiny.json" 2>"$A/tiny.err"
asr_rc=$?
set -e
if [ "$ASR_UTTS" -eq 0 ]; then
	say "skipped: BENCH_ASR_UTTS=0"
elif [ $asr_rc -ne 0 ] || ! $PY "$CHECK" asr-totals "$A/tiny.json" >/dev/null 2>&1; then
	say "skipped: \`fairaudit score --task asr\` does not work in this build ($(first_error "$A/tiny.err"))"
	row "asr: score $ASR_H utterances (s)" skipped "sclite" "-" ">= 150x faster" -
	row "asr: counts = sclite" skipped "" "" "identical" -
elif [ -z "$SCLITE" ]; then
	say "skipped: sclite (Debian sctk) is not installed"
	row "asr: score $ASR_H utterances (s)" skipped "sclite missing" "-" ">= 150x faster" -
else
	if $PY "$CHECK" asr-expect "$A/tiny.json" 4 0 1 2; then
		say "check: the 2-utterance sample scores C=4 S=0 D=1 I=2 as sclite does"
	else
		say "check: the 2-utterance sample does NOT score C=4 S=0 D=1 I=2 as sclite does"
		FAILED=1
	fi
	run_timed gen_asr "$GEN" asr "$ASR_UTTS" "$A" --csv
	[ "$T_RC" -eq 0 ] || { echo "bench: gendata asr failed: $(first_error "$W/gen_asr.err")" >&2; exit 1; }
	sayf "generated %s utterances, %s reference words, 40 speakers, 8 accents, in %s s" \
		"$ASR_UTTS" "$(awk '{ n += NF - 1 } END { print n }' "$A/ref.trn")" "$T_WALL"

	say "sclite -r ref.trn trn -h hyp.trn trn -i rm -o sum rsum stdout (load $(loadavg))"
	run_timed sclite "$SCLITE" -r "$A/ref.trn" trn -h "$A/hyp.trn" trn -i rm -o sum rsum stdout
	SC_WALL=nan SC_RSS=nan
	if [ "$T_RC" -eq 0 ]; then
		SC_WALL=$T_WALL SC_RSS=$T_RSS
		sayf "sclite: %s s, peak RSS %s MB" "$SC_WALL" "$SC_RSS"
		grep -m1 'Sum/Avg' "$W/sclite.out" | sed 's/^ */    sclite sum:  /' | while IFS= read -r l; do say "$l"; done
	else
		say "sclite failed (exit $T_RC): $(first_error "$W/sclite.err")"
	fi

	walls=() rss=0
	for i in $(seq "$RUNS"); do
		run_timed "asr_$i" "$FA" score --task asr --truth "$A/ref.trn" --predictions "$A/hyp.trn" --by speaker
		[ "$T_RC" -eq 0 ] || { say "fairaudit score --task asr failed (exit $T_RC): $(first_error "$W/asr_$i.err")"; FAILED=1; break; }
		walls+=("$T_WALL")
		rss=$(awk -v a="$rss" -v b="$T_RSS" 'BEGIN { print (b > a) ? b : a }')
	done
	ASR_WALL=nan ASR_RSS=nan AGREE=no
	if [ ${#walls[@]} -eq "$RUNS" ]; then
		ASR_WALL=$(median "${walls[@]}") ASR_RSS=$rss
		sayf "fairaudit score --task asr --by speaker: median %s s of %s (%s), peak RSS %s MB" \
			"$ASR_WALL" "$RUNS" "${walls[*]}" "$ASR_RSS"
		if [ "$SC_WALL" != nan ]; then
			if $PY "$CHECK" sclite "$W/sclite.out" "$W/asr_1.out" >"$W/cmp_asr.txt"; then
				AGREE=yes
			else
				FAILED=1
			fi
			say_file "$W/cmp_asr.txt"
			sayf "speed-up over sclite: %sx (target >= 150x); memory: %s MB vs %s MB" \
				"$(calc %.1f "$SC_WALL / $ASR_WALL")" "$ASR_RSS" "$SC_RSS"
		fi
	fi
	if [ "$SC_WALL" != nan ] && [ "$ASR_WALL" != nan ]; then
		sp=$(calc %.1f "$SC_WALL / $ASR_WALL")
		row "asr: score $ASR_H utterances (s)" "$ASR_WALL" "$SC_WALL (sclite)" "${sp}x faster" ">= 150x faster" "$(met "$sp >= 150")"
		row "asr: peak RSS, $ASR_H (MB)" "$ASR_RSS" "$SC_RSS (sclite)" "$(calc '%.1fx less' "$SC_RSS / $ASR_RSS")" "< 300 MB" "$(met "$ASR_RSS < 300")"
	else
		row "asr: score $ASR_H utterances (s)" "$ASR_WALL" "$SC_WALL (sclite)" "-" ">= 150x faster" no
	fi
	row "asr: counts = sclite (total, per speaker)" "$AGREE" "" "" "identical" "$AGREE"

	# The same work as sclite's sum report: per-speaker word counts, no CER,
	# no bootstrap.  The full evaluation above does both on top.
	walls=()
	for i in $(seq "$RUNS"); do
		run_timed "asr_sum_$i" "$FA" score --task asr --truth "$A/ref.trn" --predictions "$A/hyp.trn" --summary
		[ "$T_RC" -eq 0 ] || { say "fairaudit score --summary failed (exit $T_RC): $(first_error "$W/asr_sum_$i.err")"; FAILED=1; break; }
		walls+=("$T_WALL")
	done
	if [ ${#walls[@]} -eq "$RUNS" ] && [ "$SC_WALL" != nan ]; then
		SUM_WALL=$(median "${walls[@]}")
		# the first report only (sclite printed sum, then rsum)
		rows_of() { awk '{ print } /Median/ { exit }' "$1" | grep '^ *| [A-Za-z/ .]' |
			    sed 's/[|]/ /g' | awk '{$1=$1; print}' | grep '[0-9]' | sort; }
		if [ "$(rows_of "$W/sclite.out" | grep -v '^SPKR')" = "$(rows_of "$W/asr_sum_1.out" | grep -v '^SPKR')" ]; then
			SUM_AGREE=yes
		else
			SUM_AGREE=no
			FAILED=1
		fi
		sp=$(calc %.1f "$SC_WALL / $SUM_WALL")
		sayf "fairaudit score --summary (sclite's sum report: word counts per speaker): median %s s; every row equal to sclite's: %s; %sx faster" \
			"$SUM_WALL" "$SUM_AGREE" "$sp"
		row "asr: sclite sum report, $ASR_H (s)" "$SUM_WALL" "$SC_WALL (sclite)" "${sp}x faster" ">= 300x faster" "$(met "$sp >= 300")"
		row "asr: sum report rows = sclite's" "$SUM_AGREE" "" "" "identical" "$SUM_AGREE"
	fi

	# Small inputs pay no large fixed cost: the full evaluation of a
	# small set against sclite on the same set.
	if [ "$ASR_SMALL" -gt 0 ]; then
		S=$A/small
		mkdir -p "$S"
		run_timed gen_asr_small "$GEN" asr "$ASR_SMALL" "$S"
		run_timed sclite_small "$SCLITE" -r "$S/ref.trn" trn -h "$S/hyp.trn" trn -i rm -o sum rsum stdout
		SCS_WALL=$T_WALL SCS_RC=$T_RC
		walls=()
		for i in $(seq "$RUNS"); do
			run_timed "asr_small_$i" "$FA" score --task asr --truth "$S/ref.trn" --predictions "$S/hyp.trn" --by speaker
			[ "$T_RC" -eq 0 ] || { say "fairaudit score --task asr ($ASR_SMALL) failed (exit $T_RC): $(first_error "$W/asr_small_$i.err")"; FAILED=1; break; }
			walls+=("$T_WALL")
		done
		if [ "$SCS_RC" -eq 0 ] && [ ${#walls[@]} -eq "$RUNS" ]; then
			SMALL_WALL=$(median "${walls[@]}")
			sp=$(calc %.1f "$SCS_WALL / $SMALL_WALL")
			SMALL_AGREE=no
			$PY "$CHECK" sclite "$W/sclite_small.out" "$W/asr_small_1.out" >"$W/cmp_small.txt" && SMALL_AGREE=yes
			[ "$SMALL_AGREE" = yes ] || FAILED=1
			sayf "%s utterances: fairaudit full evaluation median %s s of %s (%s), sclite %s s: %sx faster; counts = sclite: %s" \
				"$ASR_SMALL" "$SMALL_WALL" "$RUNS" "${walls[*]}" "$SCS_WALL" "$sp" "$SMALL_AGREE"
			row "asr: score $ASR_SMALL_H utterances (s)" "$SMALL_WALL" "$SCS_WALL (sclite)" "${sp}x faster" ">= 60x faster" "$(met "$sp >= 60")"
		else
			row "asr: score $ASR_SMALL_H utterances (s)" failed "-" "-" ">= 60x faster" no
		fi
		rm -rf "$S"
	fi

	# Upload with alignment: a two-utterance probe first (the sample above,
	# as CSV examples with an accent and trn or CSV predictions), evaluated
	# to see that the server aligned it as sclite does.
	say ""
	PRED_FILE='' PRED_TYPE='' ALIGN_OK=no probe_note=''
	printf 'id,reference,speaker,accent\nspk1-u1,a b c,spk1,x\nspk2-u1,hello world,spk2,y\n' >"$A/probe_ex.csv"
	printf 'id,hypothesis\nspk1-u1,b a c\nspk2-u1,hello there world\n' >"$A/probe_hyp.csv"
	ads=''
	[ $SERVER_DEAD -eq 1 ] ||
		ads=$(new_id POST /v1/datasets '{"name": "asr probe", "task": "asr"}' 2>"$W/probe.err" || true)
	if [ $SERVER_DEAD -eq 1 ]; then
		probe_note="the server has exited"
	elif [ -z "$ads" ]; then
		probe_note="creating an asr dataset: $(first_error "$W/probe.err")"
	else
		upload "/v1/datasets/$ads/examples" "$A/probe_ex.csv" text/csv probe_ex
		if [ "$UP_CODE" != 201 ]; then
			probe_note="examples upload answered $UP_CODE: $(first_error "$W/probe_ex.json")"
		else
			am=$(new_id POST "/v1/datasets/$ads/models" '{"name": "probe"}' || true)
			upload "/v1/models/$am/predictions" "$A/tiny_hyp.trn" text/x-trn probe_pr
			if [ "$UP_CODE" = 201 ]; then
				PRED_FILE=$A/hyp.trn PRED_TYPE=text/x-trn
			else
				probe_note="trn predictions answered $UP_CODE: $(first_error "$W/probe_pr.json"); "
				am=$(new_id POST "/v1/datasets/$ads/models" '{"name": "probe csv"}' || true)
				upload "/v1/models/$am/predictions" "$A/probe_hyp.csv" text/csv probe_pr
				if [ "$UP_CODE" = 201 ]; then
					PRED_FILE=$A/hypotheses.csv PRED_TYPE=text/csv
				else
					probe_note+="CSV predictions answered $UP_CODE: $(first_error "$W/probe_pr.json")"
				fi
			fi
			if [ -n "$PRED_FILE" ]; then
				code=$(api POST "/v1/models/$am/evaluations" '{"by": [["accent"]], "min_cohort_size": 1}')
				if [ "$code" = 201 ] && $PY "$CHECK" asr-expect "$W/resp.json" 4 0 1 2; then
					ALIGN_OK=yes
				elif [ "$code" = 201 ]; then
					probe_note="the probe's evaluation does not give sclite's counts C=4 S=0 D=1 I=2"
				else
					probe_note="the probe's evaluation answered $code: $(first_error "$W/resp.json")"
				fi
			fi
		fi
	fi
	if [ -z "$PRED_FILE" ]; then
		server_gone || true
		say "asr upload skipped: the server does not accept asr uploads ($probe_note)"
		row "asr: upload $ASR_H predictions (s)" skipped "-" "-" "< 3 s" -
	else
		if [ $ALIGN_OK = yes ]; then
			say "probe: the server accepts asr uploads and its evaluation of the 2-utterance sample gives sclite's counts"
		else
			say "probe: the server accepts asr uploads, but alignment is not verified: $probe_note"
		fi
		UP_CODE=000
		if ads=$(new_id POST /v1/datasets '{"name": "asr bench", "task": "asr"}'); then
			checkpoint
			upload "/v1/datasets/$ads/examples" "$A/examples.csv" text/csv up_asr_ex
		fi
		if [ "$UP_CODE" = 201 ]; then
			sayf "asr examples upload (CSV: id, reference, speaker, accent; %s utterances): %s s" "$ASR_UTTS" "$UP_WALL"
			UP_CODE=000
			if am=$(new_id POST "/v1/datasets/$ads/models" '{"name": "asr bench"}'); then
				checkpoint
				upload "/v1/models/$am/predictions" "$PRED_FILE" "$PRED_TYPE" up_asr_pr
			fi
		fi
		if [ "$UP_CODE" = 201 ]; then
			sayf "asr predictions upload (%s, %s utterances, alignment included): %s s (load %s)" \
				"$PRED_TYPE" "$ASR_UTTS" "$UP_WALL" "$(loadavg)"
			row "asr: upload $ASR_H predictions (s)" "$UP_WALL" "-" "-" "< 3 s, aligned" \
				"$(met "$UP_WALL < 3 && \"$ALIGN_OK\" == \"yes\"")"
			for by in '[["speaker"], ["accent"]]' '[["accent"]]'; do
				t0=$(now)
				code=$(api POST "/v1/models/$am/evaluations" "{\"by\": $by}")
				t1=$(now)
				[ "$code" = 201 ] && break
			done
			if [ "$code" = 201 ]; then
				sayf "asr evaluation through the API by %s: %s s" "$by" "$(calc %.3f "$t1 - $t0")"
				cp "$W/resp.json" "$W/asr_api.json"
				if [ "${SC_WALL:-nan}" != nan ]; then
					$PY "$CHECK" sclite "$W/sclite.out" "$W/asr_api.json" >"$W/cmp_asr_api.txt" || FAILED=1
					sed 's/^/API evaluation: /' "$W/cmp_asr_api.txt" >"$W/cmp_asr_api2.txt"
					say_file "$W/cmp_asr_api2.txt"
				fi
			else
				say "asr evaluation through the API answered $code: $(first_error "$W/resp.json")"
				server_gone || true
			fi
		else
			say "asr upload answered $UP_CODE: $(first_error "$W/up_asr_pr.json")$(first_error "$W/up_asr_ex.json")"
			server_gone || true
			row "asr: upload $ASR_H predictions (s)" failed "-" "-" "< 3 s" no
			FAILED=1
		fi
	fi
	rm -f "$A"/*.trn "$A"/*.csv

	if [ "$ASR_BIG" -gt 0 ]; then
		say ""
		run_timed gen_asr_big "$GEN" asr "$ASR_BIG" "$A"
		sayf "generated %s utterances (%s MB of reference trn) in %s s" "$ASR_BIG" \
			"$(calc %.0f "$(stat -c %s "$A/ref.trn") / 1e6")" "$T_WALL"
		run_timed asr_big "$FA" score --task asr --truth "$A/ref.trn" --predictions "$A/hyp.trn" --by speaker
		if [ "$T_RC" -eq 0 ]; then
			sayf "fairaudit score --task asr, %s utterances in one process: %s s, peak RSS %s MB (load %s)" \
				"$ASR_BIG" "$T_WALL" "$T_RSS" "$(loadavg)"
			$PY "$CHECK" asr-totals "$W/asr_big.out" >"$W/big_totals.txt" && say_file "$W/big_totals.txt"
			row "asr: score $ASR_BIG_H utterances (s / MB)" "$T_WALL s / $T_RSS MB" "sclite: ~34 GB, not run" "-" "< 3 s, < 400 MB" \
				"$(met "$T_WALL < 3 && $T_RSS < 400")"
		else
			say "fairaudit score --task asr on $ASR_BIG utterances failed (exit $T_RC): $(first_error "$W/asr_big.err")"
			row "asr: score $ASR_BIG_H utterances (s / MB)" failed "-" "-" "< 3 s, < 400 MB" no
			FAILED=1
		fi
		rm -f "$A"/*.trn "$W/asr_big.out"
	fi
fi

# ---- 3. reports (issue 4) --------------------------------------------------

say ""
say "== 3. HTML report rendering"
RR=$B/tests/tools/render_report
if [ -x "$RR" ]; then
	run_timed render "$RR" --bench 500 --time-budget 50
	say_file "$W/render.out"
	[ "$T_RC" -eq 0 ] || say "render_report --bench 500 exited $T_RC (over its budget or failed): $(first_error "$W/render.err")"
	hl=$(grep -m1 'html' "$W/render.out" || true)
	ms=$(sed -n 's/.*render min [0-9.]* ms, median \([0-9.]*\) ms.*/\1/p' <<<"$hl")
	by=$(sed -n 's/.*html \([0-9]*\) bytes.*/\1/p' <<<"$hl")
	if [ -n "$ms" ] && [ -n "$by" ]; then
		row "report, 500 cohorts: render (ms)" "$ms" "-" "-" "< 50 ms" "$(met "$ms < 50")"
		row "report, 500 cohorts: size (bytes)" "$by" "-" "-" "< 1 MB" "$(met "$by < 1000000")"
	else
		row "report, 500 cohorts" "see log" "-" "-" "< 50 ms, < 1 MB" "?"
	fi
else
	say "skipped: $BUILD/tests/tools/render_report is not built"
	row "report, 500 cohorts" skipped "-" "-" "< 50 ms, < 1 MB" -
fi

# ---- 4. bounties (issue 5) --------------------------------------------------

say ""
say "== 4. bias bounty verification"
BB=$B/tests/tools/bountybench
if [ -x "$BB" ]; then
	run_timed bounty "$BB"
	say_file "$W/bounty.out"
	[ "$T_RC" -eq 0 ] || say "bountybench exited $T_RC: $(first_error "$W/bounty.err")"
	ms=$(awk '$1 == "total" && $2 == "median" { print $3 }' "$W/bounty.out")
	hold=$(sed -n 's/.*holdout: \([0-9]*\) rows.*/\1/p' "$W/bounty.out" | head -n 1)
	if [ -n "$ms" ]; then
		row "bounty: verify on ${hold:-?}-row holdout (ms)" "$ms" "-" "-" "< 50 ms" "$(met "$ms < 50")"
	else
		row "bounty: verify on 1M-row holdout" "see log" "-" "-" "< 50 ms" "?"
	fi
else
	say "skipped: $BUILD/tests/tools/bountybench is not built"
	row "bounty: verify on 1M-row holdout" skipped "-" "-" "< 50 ms" -
fi
HUNT_S=${BENCH_HUNTER_SECONDS:-60}
if [ "$HUNT_S" -eq 0 ]; then
	say "20 concurrent hunters: skipped, BENCH_HUNTER_SECONDS=0"
elif [ $SERVER_DEAD -eq 1 ] || server_gone; then
	say "20 concurrent hunters: skipped, the server has exited"
	row "bounty: 20 hunters x ${HUNT_S} s, nothing lost" skipped "-" "-" "no loss" -
elif [ "$(api GET /v1/bounties)" != 200 ]; then
	say "20 concurrent hunters: skipped, the server has no /v1/bounties routes yet"
	row "bounty: 20 hunters x ${HUNT_S} s, nothing lost" skipped "-" "-" "no loss" -
elif [ -z "$MODEL" ]; then
	say "20 concurrent hunters: skipped, no classification model was stored above"
	row "bounty: 20 hunters x ${HUNT_S} s, nothing lost" skipped "-" "-" "no loss" -
else
	bid=$(new_id POST /v1/bounties "{\"model_id\": $MODEL, \"metric\": \"error_rate\", \"budget\": 1000000}" 2>"$W/bounty_create.err" || true)
	if [ -z "$bid" ]; then
		say "20 concurrent hunters: could not open a bounty: $(first_error "$W/bounty_create.err")"
		row "bounty: 20 hunters x ${HUNT_S} s, nothing lost" failed "-" "-" "no loss" no
		FAILED=1
	else
		hkeys=()
		for i in $(seq 20); do
			hkeys+=("$(DATABASE_URL=$URL "$FA" keys create --role hunter --name "hunter-$i")")
		done
		say "20 concurrent hunters submitting to bounty $bid on model $MODEL ($ROWS_H rows) for $HUNT_S s (load $(loadavg))"
		set +e
		timeout $((HUNT_S + 240)) $PY bench/hunters.py "$API" "$bid" "$HUNT_S" "$KEY" "${hkeys[@]}" \
			>"$W/hunters.out" 2>"$W/hunters.err"
		hrc=$?
		set -e
		say_file "$W/hunters.out"
		[ $hrc -eq 0 ] || { say "hunters exited $hrc: $(first_error "$W/hunters.err")"; FAILED=1; server_gone || true; }
		reqs=$(sed -n 's/^requests: \([0-9]*\) (\([0-9]*\)\/s).*/\1 (\2\/s)/p' "$W/hunters.out")
		solo=$(sed -n 's/^one hunter alone.*median \([0-9.]*\) ms.*/\1/p' "$W/hunters.out")
		row "bounty: one submission via API, $ROWS_H rows (ms)" "${solo:-?}" "-" "-" "- (50 ms is for verify)" -
		row "bounty: 20 hunters x ${HUNT_S} s, nothing lost" "${reqs:-?} submissions" "-" "-" "no loss" \
			"$([ $hrc -eq 0 ] && echo yes || echo no)"
	fi
fi

# ---- planning: achieved power of planned sizes ------------------------------

say ""
say "== 4. planning (POST /v1/plan, fairaudit plan): achieved power of planned sizes, 2000 simulated data sets a case, target 0.80 +- 0.03"
if "$B/tests/unit/metrics/power" >"$W/power.out" 2>&1; then
	grep '^# ' "$W/power.out" | sed 's/^# /  /' >"$W/power.txt"
	say_file "$W/power.txt"
else
	say "power simulation failed: $(first_error "$W/power.out")"
	FAILED=1
fi

# ---- 5. slice discovery ------------------------------------------------------

if [ "${BENCH_SLICES:-1}" != 0 ]; then
	say ""
	say "== 5. slice discovery (SliceLine, level 3, k 4): fairaudit against DataDome sliceline on the same generated data"
	bench/slices.sh "$B" "$W" "$W/summary.tsv" >"$W/slices.out" 2>&1 || {
		say "slice discovery: the top k differ from sliceline's, or a step failed"
		FAILED=1
	}
	say_file "$W/slices.out"
fi

# ---- summary ---------------------------------------------------------------

say ""
say "== summary (load average at end: $(loadavg))"
$PY "$CHECK" table "$W/summary.tsv" >"$W/summary.txt"
say_file "$W/summary.txt"
say ""
if [ -d "$FAIRLEARN/fairlearn" ]; then
	say "reference for classification: Fairlearn MetricFrame (from $FAIRLEARN) for the headline ratio and the metric values; pandas + statsmodels for counts, intervals and tests; see bench/README.md"
else
	say "reference for classification: pandas + statsmodels only (Fairlearn not found in $FAIRLEARN); see bench/README.md"
fi
[ $FAILED -eq 0 ] || say "some steps failed or disagreed with the reference tools (see above)"
exit $FAILED
