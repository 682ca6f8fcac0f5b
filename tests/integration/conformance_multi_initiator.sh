#!/usr/bin/env bash
# conformance_multi_initiator.sh - the libiscsi suites about reservations,
# multipath and task management, run with two distinct initiator names
# (iscsi-test-cu -i/-I) against scstd's default fileio LUN.  One TAP check
# per suite: it passes only with every test passed, none failed or skipped
# (libiscsi's [SKIPPED] counts as a skip, see conformance/parse_cu.awk).
# MultipathIO gets the same LUN twice as its second path.
. "$(dirname "$0")/../lib.sh"

SUITES="ProutRegister ProutReserve ProutClear ProutPreempt PrinReadKeys
PrinServiceactionRange PrinReportCapabilities Reserve6 MultipathIO iSCSITMF"
INI1=iqn.2026-12.org.scstd:conformance-one
INI2=iqn.2026-12.org.scstd:conformance-two
PARSE=$TESTS_ROOT/tests/conformance/parse_cu.awk

require_daemon
command -v iscsi-test-cu >/dev/null || { not_ok "iscsi-test-cu is installed"; finish; }
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"
# iSCSITMF.AbortTaskSimpleAsync wants "task does not exist" for an ABORT
# TASK of a WRITE that has just finished; the default (README.scst) is
# "function complete".
check "abort_consider_finished_tasks_as_not_existing set to 1" \
	daemon_ctl write abort_consider_finished_tasks_as_not_existing 1

# run_suite SUITE: iscsi-test-cu for one suite; verdicts in WORKDIR.
run_suite() {
	local suite=$1 raw=$WORKDIR/cu.$1.out paths
	paths=("$(url 1)")
	[ "$suite" = MultipathIO ] && paths+=("$(url 1)")
	timeout -k 5 300 iscsi-test-cu -d -i "$INI1" -I "$INI2" -t "ALL.$suite" \
		"${paths[@]}" >"$raw" 2>&1
	awk -f "$PARSE" "$raw" >"$WORKDIR/cu.$suite.verdicts"
}

for suite in $SUITES; do
	run_suite "$suite"
	v=$WORKDIR/cu.$suite.verdicts
	read -r _ _ p _ f _ s < <(grep '^SUMMARY' "$v")
	if [ "${p:-0}" -gt 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ] && grep -q '^CUNIT' "$v"; then
		ok "$suite: $p passed, 0 failed, 0 skipped"
	else
		not_ok "$suite: ${p:-0} passed, ${f:-?} failed, ${s:-?} skipped"
		grep -E '^(FAIL|SKIP) ' "$v" | sed 's/^/#   /'
		grep -E 'CU_ASSERT|\[SKIPPED\]' "$WORKDIR/cu.$suite.out" | head -10 | sed 's/^/#   /'
	fi
done

check_alive "scstd survived the suites with a clean log"
check_stop
finish
