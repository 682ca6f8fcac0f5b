#!/usr/bin/env bash
# iscsi_session_tree.sh - a live iSCSI session in the management tree:
# targets/iscsi/T/sessions/INITIATOR/ shows initiator_name, the SID built
# from the initiator's ISID and the TSIH, the negotiated session
# parameters, the command and byte counters after real I/O, and
# connections/<ip>/ with cid, ip, state and the connection's digests; the
# directory disappears with the session.
. "$(dirname "$0")/../lib.sh"

plan 28

require_daemon
require_tools iscsi_digestpeer
use_scstctl
IQN=iqn.2026-11.org.scstd:stree
INI=iqn.2026-11.org.scstd:digestpeer
SESS=targets/iscsi/$IQN/sessions/$INI
start_one_disk_target "scstd starts with a control socket" "$IQN" "FirstBurstLength 32768" -- \
	--ctl-socket "$SOCK"

timeout 40 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" io-wait 30 >"$WORKDIR/p.out" 2>&1 &
PEER=$!
check "a raw initiator logs in with digests and does I/O" peer_logged_in "$WORKDIR/p.out" "$SESS"

at_least() {  # at_least PATH N: the attribute reads a number >= N
	local v
	v=$(ctl read "$1") || return 1
	echo "$1 = $v"
	[ "$v" -ge "$2" ]
}
check_output "initiator_name" "^$INI\$" ctl read "$SESS/initiator_name"
# digestpeer's ISID is 40 00 01 37 00 00; the low 16 bits are the TSIH.
check_output "sid is the ISID above the TSIH" '^0x400001370000[0-9a-f]{4}$' ctl read "$SESS/sid"
check "... and its TSIH part matches tsih" bash -c \
	"[ \$((\$('$SCSTCTL' --socket '$SOCK' read '$SESS/sid') & 0xffff)) -eq \$('$SCSTCTL' --socket '$SOCK' read '$SESS/tsih') ]"
check_output "FirstBurstLength is the negotiated one (target limit 32768)" '^32768$' \
	ctl read "$SESS/FirstBurstLength"
check_output "ImmediateData as negotiated" '^Yes$' ctl read "$SESS/ImmediateData"
check "write_cmd_count counts the WRITE" at_least "$SESS/write_cmd_count" 1
check "read_cmd_count counts the READ" at_least "$SESS/read_cmd_count" 1
check "write_io_count_kb counts its 4 KiB" at_least "$SESS/write_io_count_kb" 4
check "read_io_count_kb counts its 4 KiB" at_least "$SESS/read_io_count_kb" 4
check "none_cmd_count counts the TEST UNIT READY (no data)" at_least "$SESS/none_cmd_count" 1
# SCST's sess_cmd_count (scst_sysfs.c), not README.scst's "overall number":
# SCST's own scstadmin suite expects 0 from a session that has finished 11.
check_output "commands counts the unfinished ones: 0 when idle" '^0$' ctl read "$SESS/commands"
check_output "active_commands is 0 when idle" '^0$' ctl read "$SESS/active_commands"
check_output "the session lists its connections directory" '^connections/$' ctl list "$SESS"
check_output "connections lists the initiator's address" '^127\.0\.0\.1/$' \
	ctl list "$SESS/connections"
C=$SESS/connections/127.0.0.1
check_output "connection cid" '^0$' ctl read "$C/cid"
check_output "connection ip" '^127\.0\.0\.1$' ctl read "$C/ip"
check_output "connection state" '^full feature$' ctl read "$C/state"
check_output "connection HeaderDigest" '^CRC32C$' ctl read "$C/HeaderDigest"
check_output "connection DataDigest" '^CRC32C$' ctl read "$C/DataDigest"
check_output "connection MaxXmitDataSegmentLength (the initiator's 65536)" '^65536$' \
	ctl read "$C/MaxXmitDataSegmentLength"
check "an unknown entry is not found" bash -c "! '$SCSTCTL' --socket '$SOCK' read '$C/nosuch'"
check "a connection attribute is read-only" \
	bash -c "! '$SCSTCTL' --socket '$SOCK' write '$C/cid' 5"
check "force_close ends the session" ctl write "$SESS/force_close" 1
wait "$PEER"
check "the session directory is gone" no_sessions_left "$IQN"
check_alive "daemon alive after the session tree checks"
check_stop
finish
