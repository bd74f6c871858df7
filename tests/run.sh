#!/usr/bin/env bash
# The whole fairaudit test suite.
#
#   tests/run.sh [--unit-only] [--no-browser] [--valgrind]
#
# 0. the layering check (tests/layering.py);
# 1. every unit test program under $BUILD/tests/unit (cmocka, TAP output);
#    then every libFuzzer target for a few seconds (make fuzz-smoke; not
#    with --unit-only or --valgrind);
# 2. a throwaway PostgreSQL cluster in a temporary folder, then the API tests
#    (tests/api, Python standard library only) which start real servers on
#    loopback against it;
# 3. the browser tests (tests/browser) in headless Debian chromium.
# Every stage prints TAP lines; this script counts them and ends with
# "N passed, M failed".  Exit status is 0 only if nothing failed.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD

unit_only=0 browser=1 valgrind=0
for a in "$@"; do
	case $a in
	--unit-only) unit_only=1 ;;
	--no-browser) browser=0 ;;
	--valgrind) valgrind=1 ;;
	*) echo "usage: tests/run.sh [--unit-only] [--no-browser] [--valgrind]" >&2; exit 2 ;;
	esac
done

passed=0 failed=0
out=$(mktemp -d /tmp/fairaudit-test.XXXXXX)
chmod 0711 "$out"	# the cluster runs as postgres and must reach its folder
export FA_TEST_TMP=$out
pgdir=$out/pg

cleanup() {
	[ -d "$pgdir" ] && scripts/pg.sh stop "$pgdir" >/dev/null 2>&1
	rm -rf "$out"
}
trap cleanup EXIT

# Count the TAP lines of one stage's output; a stage that exits non-zero
# without reporting a failure counts as one failure of its own.
tally() {
	local name=$1 log=$2 rc=$3 p f
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	grep -E '^not ok ' "$log" | sed "s|^|[$name] |"
	passed=$((passed + p))
	failed=$((failed + f))
}

# The rules of each folder (tests/layering.py): which may include what,
# and no include cycles.
echo "== layering"
log=$out/layering.log
/usr/bin/python3 tests/layering.py >"$log" 2>&1
rc=$?
/usr/bin/python3 tests/layering.py --self-test >>"$log" 2>&1 || rc=1
cat "$log"
tally layering "$log" $rc

echo "== unit tests"
for t in $(find "$BUILD/tests/unit" -type f -executable 2>/dev/null | sort); do
	log=$out/unit.log
	if [ $valgrind -eq 1 ]; then
		CMOCKA_MESSAGE_OUTPUT=TAP valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$t" >"$log" 2>"$out/vg.log"
		rc=$?
		[ $rc -eq 99 ] && cat "$out/vg.log"
	else
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
		rc=$?
	fi
	echo "${t#"$BUILD"/tests/unit/}: $(grep -c '^ok ' "$log") passed, $(grep -c '^not ok ' "$log") failed"
	tally "${t#"$BUILD"/}" "$log" $rc
done

# The libFuzzer targets (tests/fuzz), a few seconds each: clang builds
# them into build-fuzz, so this stage does not touch $BUILD.
if [ $unit_only -eq 0 ] && [ $valgrind -eq 0 ]; then
	echo "== fuzz smoke"
	log=$out/fuzz.log
	make --no-print-directory fuzz-smoke 2>&1 | tee "$log"
	tally fuzz "$log" "${PIPESTATUS[0]}"
fi

if [ $unit_only -eq 0 ]; then
	echo "== starting a throwaway PostgreSQL"
	if url=$(scripts/pg.sh start "$pgdir" fairaudit_template); then
		export FA_TEST_PGHOST=$pgdir/run
		export FA_TEST_DATABASE_URL=$url
		for suite in api sclite $([ $browser -eq 1 ] && echo browser); do
			[ -f tests/$suite/run.py ] || continue
			echo "== $suite tests"
			log=$out/$suite.log
			/usr/bin/python3 tests/$suite/run.py 2>&1 | tee "$log"
			tally "$suite" "$log" "${PIPESTATUS[0]}"
		done
	else
		echo "not ok - could not start PostgreSQL"
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
