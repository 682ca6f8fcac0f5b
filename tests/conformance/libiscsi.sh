#!/usr/bin/env bash
# libiscsi.sh - the libiscsi conformance suite (iscsi-test-cu) against the
# fileio LUN of scstd's default configuration, or against any target given
# with --url (used to measure the peer target, tgtd).
#
#   SCSTD=build/scstd bash tests/conformance/libiscsi.sh
#   bash tests/conformance/libiscsi.sh --url iscsi://127.0.0.1:3260/IQN/1
#
# Prints PASS/FAIL/SKIP per test into the raw log, the failed tests on
# stdout, and as its last line
#   CONFORMANCE passed P failed F skipped S
# where F includes one failure for a crash, hang or missing summary of
# iscsi-test-cu, for a daemon that died or reported a sanitizer error, and
# for fewer than MIN_PASSED (default 157) passed tests.

. "$(dirname "$0")/../lib.sh"

MIN_PASSED=${MIN_PASSED:-157}
CU_TIMEOUT=${CU_TIMEOUT:-600}
RESULTS_DIR=${RESULTS_DIR:-$WORKDIR}
TARGET_URL=
PARSE_ONLY=
case "${1:-}" in
--url) TARGET_URL=$2 ;;
--parse) PARSE_ONLY=$2; TARGET_URL="(saved output $2)" ;;
esac

extra_fail=0
problem() {
	extra_fail=$((extra_fail + 1))
	echo "# conformance problem: $*"
}

if [ -z "$TARGET_URL" ]; then
	if [ ! -x "$SCSTD" ]; then
		problem "daemon binary $SCSTD missing"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	if ! start_daemon; then
		problem "scstd did not start"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	TARGET_URL=$(url 1)
fi

mkdir -p "$RESULTS_DIR"
raw=$RESULTS_DIR/iscsi-test-cu.out
verdicts=$RESULTS_DIR/iscsi-test-cu.verdicts
if [ -n "$PARSE_ONLY" ]; then
	raw=$PARSE_ONLY
	rc=0
else
	echo "# iscsi-test-cu -d $TARGET_URL (timeout ${CU_TIMEOUT}s, raw output in $raw)"
	start=$SECONDS
	# Verbose mode (the default) is the one that names each test with its
	# verdict; -s would leave only anonymous [SKIPPED]/[FAILED] lines.
	timeout -k 10 "$CU_TIMEOUT" iscsi-test-cu -d "$TARGET_URL" >"$raw" 2>&1
	rc=$?
	echo "# iscsi-test-cu exit status $rc after $((SECONDS - start)) s"
fi
case $rc in
124|137) problem "iscsi-test-cu hung (killed after ${CU_TIMEOUT}s)" ;;
0|1) ;;
*) problem "iscsi-test-cu crashed (exit status $rc)"; tail -20 "$raw" | sed 's/^/#   /' ;;
esac

awk -f "$(dirname "$0")/parse_cu.awk" "$raw" >"$verdicts"
read -r _ _ passed _ failed _ skipped < <(grep '^SUMMARY' "$verdicts")
cunit=$(grep '^CUNIT' "$verdicts")
if [ -z "$cunit" ]; then
	problem "no CUnit Run Summary (iscsi-test-cu did not finish)"
else
	echo "# $cunit (CUnit counts skipped tests as passed)"
	read -r _ _ total _ _ _ cpass _ cfail <<<"$cunit"
	[ $((passed + skipped)) -eq "$cpass" ] && [ "$failed" -eq "$cfail" ] ||
		problem "parsed verdicts ($passed+$skipped passed, $failed failed) disagree with CUnit ($cpass, $cfail)"
	[ $((passed + failed + skipped)) -eq "$total" ] ||
		problem "parsed $((passed + failed + skipped)) verdicts, CUnit ran $total tests"
fi

if [ "$failed" -gt 0 ]; then
	echo "# failed conformance tests:"
	grep '^FAIL ' "$verdicts" | sort | uniq -c | awk '{ printf "# failed: %s%s\n", $3, ($1 > 1 ? " (x" $1 ")" : "") }'
fi
if [ "$passed" -lt "$MIN_PASSED" ]; then
	problem "only $passed tests passed, the milestone needs $MIN_PASSED"
fi

if [ -n "$DAEMON_PID" ]; then
	if ! daemon_alive; then
		problem "scstd died during the conformance run"
		dump_log
	elif ! stop_daemon 20; then
		problem "scstd did not stop cleanly (rc=$DAEMON_RC)"
		dump_log
	fi
fi

echo "CONFORMANCE passed $passed failed $((failed + extra_fail)) skipped $skipped"
[ $((failed + extra_fail)) -eq 0 ]
