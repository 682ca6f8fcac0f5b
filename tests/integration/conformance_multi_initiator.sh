#!/usr/bin/env bash
# conformance_multi_initiator.sh - the libiscsi suites about reservations,
# multipath and task management, run with two distinct initiator names
# (iscsi-test-cu -i/-I) against scstd's default fileio LUN.  One TAP check
# per suite: it passes only with every test passed, none failed or skipped
# (libiscsi's [SKIPPED] counts as a skip, see conformance/parse_cu.awk).
# MultipathIO gets two real target ports: the default target and a second
# one, added through the management tree, exporting the same device.
. "$(dirname "$0")/../lib.sh"

plan 16

SUITES="ProutRegister ProutReserve ProutClear ProutPreempt PrinReadKeys
PrinServiceactionRange PrinReportCapabilities Reserve6 MultipathIO iSCSITMF"
INI1=iqn.2026-12.org.scstd:conformance-one
INI2=iqn.2026-12.org.scstd:conformance-two
PARSE=$TESTS_ROOT/tests/conformance/parse_cu.awk

require_daemon
require_tools scsi_cdb
command -v iscsi-test-cu >/dev/null || { not_ok "iscsi-test-cu is installed"; finish; }
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"
# iSCSITMF.AbortTaskSimpleAsync wants "task does not exist" for an ABORT
# TASK of a WRITE that has just finished; the default (README.scst) is
# "function complete".
check "abort_consider_finished_tasks_as_not_existing set to 1" \
	daemon_ctl write abort_consider_finished_tasks_as_not_existing 1

# A second SCSI target port onto disk1 (LUN 1 of the default target).
PATH2=iqn.2026-12.org.scstd:second-port
T2=targets/iscsi/$PATH2
add_second_port() {
	daemon_ctl write targets/iscsi/mgmt "add_target $PATH2" &&
		daemon_ctl write "$T2/luns/mgmt" "add disk1 1" && daemon_ctl write "$T2/enabled" 1
}
check "a second target exports the default LUN 1's device" add_second_port
# The two paths are distinct target ports of one logical unit (SPC-4
# Device Identification VPD): the same logical unit designators, two
# different RELATIVE TARGET PORT designators (type 4).
vpd83() { printf 'cdb 12018300ff00 255\nquit\n' | timeout 20 "$(tool scsi_cdb)" "$1"; }
designators() {  # designators GOOD-LINE: "lu TYPE HEX" / "port TYPE HEX" lines
	python3 -c '
import sys
p = bytes.fromhex(sys.argv[1].split()[1])
i = 4
while i + 4 <= len(p):
    assoc, dtype, n = (p[i + 1] >> 4) & 3, p[i + 1] & 15, p[i + 3]
    print("lu" if assoc == 0 else "port", dtype, p[i + 4:i + 4 + n].hex())
    i += 4 + n' "$1"
}
same_lu_two_ports() {
	local a b
	a=$(designators "$(vpd83 "$(url 1)")") && b=$(designators "$(vpd83 "$(url 1 "$PATH2")")") || return 1
	printf 'path 1:\n%s\npath 2:\n%s\n' "$a" "$b"
	[ -n "$(grep '^lu ' <<<"$a")" ] && [ "$(grep '^lu ' <<<"$a")" = "$(grep '^lu ' <<<"$b")" ] &&
		[ -n "$(grep '^port 4 ' <<<"$a")" ] &&
		[ "$(grep '^port 4 ' <<<"$a")" != "$(grep '^port 4 ' <<<"$b")" ]
}
check "both paths: one device identifier, two relative target ports" same_lu_two_ports

# run_suite SUITE: iscsi-test-cu for one suite; verdicts in WORKDIR.
run_suite() {
	local suite=$1 raw=$WORKDIR/cu.$1.out paths
	paths=("$(url 1)")
	[ "$suite" = MultipathIO ] && paths+=("$(url 1 "$PATH2")")
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
