#!/usr/bin/env bash
# libiscsi.sh - the libiscsi conformance suite (iscsi-test-cu) against the
# fileio LUN of scstd's default configuration, against the LUN configuration
# of a tests/conformance/configs/*.conf file (--config), or against any
# target given with --url (used to measure the peer target, tgtd).
#
#   SCSTD=build/scstd bash tests/conformance/libiscsi.sh
#   SCSTD=build/scstd bash tests/conformance/libiscsi.sh --config FILE
#   bash tests/conformance/libiscsi.sh --url iscsi://127.0.0.1:3260/IQN/1
#
# A configuration file is scst.conf text for `scstd --config`; its leading
# comment lines direct the run (see configs/README):
#   # lun: N             LUN under test (default 0)
#   # suites: A B C      iscsi-test-cu -t suites (default ALL)
#   # file: NAME SIZE    create a sparse backing file @DIR@/NAME (truncate -s)
#   # loop: NAME         attach a loop device over @DIR@/NAME as @LOOP@
#   # min-passed: N      fewest passed tests accepted (default 1)
#   # cu-options: ...    extra iscsi-test-cu options (e.g. -S for SANITIZE)
#   # not-applicable: Suite.Test ... -- reason
#                        tests that cannot pass on this configuration: their
#                        failures count as skipped and print the reason
# @DIR@ and @LOOP@ in the text are replaced before scstd reads it; the
# first TARGET names the IQN.  Files and loop devices are removed at exit.
# A configuration that needs a loop device where none can be attached is
# skipped with its reason ("CONFORMANCE ... skipped 1").
#
# Prints PASS/FAIL/SKIP per test into the raw log, the failed tests on
# stdout, and as its last line
#   CONFORMANCE passed P failed F skipped S
# where F includes one failure for a crash, hang or missing summary of
# iscsi-test-cu, for a daemon that died or reported a sanitizer error, and
# for fewer than MIN_PASSED (default 157) passed tests.

. "$(dirname "$0")/../lib.sh"

CU_TIMEOUT=${CU_TIMEOUT:-600}
RESULTS_DIR=${RESULTS_DIR:-$WORKDIR}
TARGET_URL=
PARSE_ONLY=
CONFIG=
case "${1:-}" in
--url) TARGET_URL=$2 ;;
--parse) PARSE_ONLY=$2; TARGET_URL="(saved output $2)" ;;
--config) CONFIG=$2 ;;
esac
# Without a configuration every test family runs (ALL, SCSI, iSCSI, ...:
# most tests twice), as the milestone counts were measured.
CU_TESTS=
CU_OPTIONS=
DAEMON_ARGS=()
LOOPDEV=

extra_fail=0
problem() {
	extra_fail=$((extra_fail + 1))
	echo "# conformance problem: $*"
}

# header KEY: the values of the leading "# KEY: ..." lines of $CONFIG.
header() {
	awk -v k="$1" '!/^#/ { exit } { if (sub("^# *" k ": *", "")) print }' "$CONFIG"
}

# The daemon holds the loop device open: stop it (keeping the working
# directory) before detaching, then let lib.sh remove the directory.
cleanup_config() {
	local keep=${KEEP_WORKDIR:-0}
	KEEP_WORKDIR=1 lib_cleanup >/dev/null
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	LOOPDEV=
	[ "$keep" = 1 ] && echo "# workdir kept: $WORKDIR" || rm -rf "$WORKDIR"
}

# suite_spec "A B": the -t argument "ALL.A,ALL.B" (ALL stays ALL).
suite_spec() {
	local s out=
	for s in $1; do
		case $s in ALL|*.*) ;; *) s=ALL.$s ;; esac
		out=${out:+$out,}$s
	done
	echo "${out:-ALL}"
}

# prepare_config: backing files, loop device and the substituted text;
# sets DAEMON_ARGS, CU_TESTS, CU_OPTIONS, CU_LUN, CU_IQN.
prepare_config() {
	local name size f
	trap cleanup_config EXIT
	while read -r name size; do
		[ -n "$name" ] || continue
		truncate -s "$size" "$WORKDIR/$name" || return 1
	done < <(header file)
	f=$(header loop | head -1)
	if [ -n "$f" ]; then
		if ! command -v losetup >/dev/null 2>&1; then
			SKIP_REASON="losetup is not installed"
			return 2
		fi
		if ! LOOPDEV=$(losetup -f --show "$WORKDIR/$f" 2>&1) || [ ! -b "$LOOPDEV" ]; then
			SKIP_REASON="no loop device could be attached ($LOOPDEV)"
			LOOPDEV=
			return 2
		fi
		echo "# loop device $LOOPDEV over $WORKDIR/$f"
	fi
	sed -e "s|@DIR@|$WORKDIR|g" -e "s|@LOOP@|$LOOPDEV|g" "$CONFIG" >"$WORKDIR/scst.conf"
	DAEMON_ARGS=(--config "$WORKDIR/scst.conf")
	CU_TESTS=$(suite_spec "$(header suites)")
	CU_OPTIONS=$(header cu-options)
	CU_LUN=$(header lun | head -1)
	CU_IQN=$(awk '$1 == "TARGET" { print $2; exit }' "$WORKDIR/scst.conf")
	[ -n "$CU_IQN" ] || { problem "$CONFIG names no TARGET"; return 1; }
	MIN_PASSED=${MIN_PASSED:-$(header min-passed | head -1)}
	MIN_PASSED=${MIN_PASSED:-1}
	return 0
}

if [ -n "$CONFIG" ]; then
	echo "# configuration $CONFIG"
	prepare_config
	case $? in
	0) ;;
	2)
		echo "# skipped configuration $(basename "$CONFIG" .conf): $SKIP_REASON"
		echo "CONFORMANCE passed 0 failed 0 skipped 1"
		exit 0 ;;
	*)
		problem "could not prepare $CONFIG"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1 ;;
	esac
fi
MIN_PASSED=${MIN_PASSED:-157}

if [ -z "$TARGET_URL" ]; then
	if [ ! -x "$SCSTD" ]; then
		problem "daemon binary $SCSTD missing"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	if ! start_daemon "${DAEMON_ARGS[@]}"; then
		problem "scstd did not start"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	# libiscsi's iSCSITMF.AbortTaskSimpleAsync fails when an ABORT TASK of
	# a WRITE that has just finished answers "function complete" (the
	# default, README.scst): it wants "task does not exist".
	daemon_ctl write abort_consider_finished_tasks_as_not_existing 1 ||
		problem "cannot set abort_consider_finished_tasks_as_not_existing"
	if [ -n "$CONFIG" ]; then
		TARGET_URL=$(url "${CU_LUN:-0}" "$CU_IQN")
	else
		TARGET_URL=$(url 1)
	fi
fi

mkdir -p "$RESULTS_DIR"
raw=$RESULTS_DIR/iscsi-test-cu.out
verdicts=$RESULTS_DIR/iscsi-test-cu.verdicts
if [ -n "$PARSE_ONLY" ]; then
	raw=$PARSE_ONLY
	rc=0
else
	echo "# iscsi-test-cu -d $CU_OPTIONS ${CU_TESTS:+-t $CU_TESTS }$TARGET_URL (timeout ${CU_TIMEOUT}s, raw output in $raw)"
	start=$SECONDS
	# Verbose mode (the default) is the one that names each test with its
	# verdict; -s would leave only anonymous [SKIPPED]/[FAILED] lines.
	# shellcheck disable=SC2086 # CU_OPTIONS is a word list by design
	timeout -k 10 "$CU_TIMEOUT" iscsi-test-cu -d $CU_OPTIONS ${CU_TESTS:+-t "$CU_TESTS"} "$TARGET_URL" >"$raw" 2>&1
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

# A declared not-applicable test that failed counts as skipped, with the
# configuration's reason; one that passes counts as passed.
if [ -n "$CONFIG" ] && [ "$failed" -gt 0 ]; then
	while IFS=$'\t' read -r names reason; do
		for t in $names; do
			grep -qx "FAIL $t" "$verdicts" || continue
			sed -i "s/^FAIL $t\$/SKIP $t/" "$verdicts"
			failed=$((failed - 1))
			skipped=$((skipped + 1))
			echo "# not applicable: $t ($reason)"
		done
	done < <(header not-applicable | sed 's/ -- /\t/')
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
