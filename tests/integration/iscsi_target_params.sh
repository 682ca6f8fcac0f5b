#!/usr/bin/env bash
# iscsi_target_params.sh - a target's negotiable parameters as tree
# attributes: each reads its default without [key]; a valid write reads
# back with [key]; out-of-range or malformed values are refused with a
# message naming the limits and change nothing; a session that logs in
# afterwards negotiates the new values (seen in the session's tree);
# MaxSessions refuses the session beyond the limit with login status
# 0x0206 and lets one in again once a slot is free.
. "$(dirname "$0")/../lib.sh"

plan 56

require_daemon
require_tools iscsi_digestpeer
use_scstctl
command -v iscsi-inq >/dev/null || { not_ok "iscsi-inq (libiscsi-bin) is installed"; finish; }
IQN=iqn.2026-12.org.scstd:params
INI=iqn.2026-11.org.scstd:digestpeer
T=targets/iscsi/$IQN
SESS=$T/sessions/$INI
start_one_disk_target "scstd starts with a control socket" "$IQN" -- --ctl-socket "$SOCK"

# Defaults: one value line, no [key].
for kv in QueuedCommands=64 MaxRecvDataSegmentLength=262144 MaxXmitDataSegmentLength=262144 \
	MaxBurstLength=1048576 FirstBurstLength=65536 InitialR2T=No ImmediateData=Yes \
	MaxOutstandingR2T=32 HeaderDigest=None,CRC32C DataDigest=None,CRC32C NopInInterval=30 \
	NopInTimeout=30 MaxSessions=0; do
	check_output "${kv%%=*} reads its default ${kv#*=} without [key]" "^${kv#*=}\$" \
		bash -c "'$SCSTCTL' --socket '$SOCK' read '$T/${kv%%=*}' | tr '\n' ' ' | sed 's/ \$//'"
done
check_output "the target directory lists the parameters" "^MaxSessions\$" ctl list "$T"

# refused NAME VALUE MESSAGE-REGEX: the write fails naming the limits, the value stays.
refused() {
	local before after out
	before=$(ctl read "$T/$1")
	if out=$(ctl write "$T/$1" "$2" 2>&1); then
		echo "write of '$2' was accepted"
		return 1
	fi
	echo "$out"
	echo "$out" | grep -Eq -- "$3" || return 1
	after=$(ctl read "$T/$1")
	[ "$before" = "$after" ] || { echo "value changed: $before -> $after"; return 1; }
}
check "QueuedCommands 0 is refused" refused QueuedCommands 0 "QueuedCommands: expected a number in \[1, 2048\]"
check "QueuedCommands 4096 is refused" refused QueuedCommands 4096 "\[1, 2048\]"
check "MaxRecvDataSegmentLength 511 is refused" refused MaxRecvDataSegmentLength 511 "\[512, 16777215\]"
check "MaxBurstLength 16777216 is refused" refused MaxBurstLength 16777216 "\[512, 16777215\]"
check "FirstBurstLength 'abc' is refused" refused FirstBurstLength abc "expected a number"
check "FirstBurstLength '-1' is refused" refused FirstBurstLength -1 "expected a number"
check "FirstBurstLength '4096x' is refused" refused FirstBurstLength 4096x "expected a number"
check "MaxOutstandingR2T 0 is refused" refused MaxOutstandingR2T 0 "\[1, 65535\]"
check "NopInTimeout 0 is refused" refused NopInTimeout 0 "\[1, 65535\]"
check "MaxSessions 65536 is refused" refused MaxSessions 65536 "\[0, 65535\]"
check "InitialR2T Maybe is refused" refused InitialR2T Maybe "expected Yes or No"
check "HeaderDigest MD5 is refused" refused HeaderDigest MD5 "expected None, CRC32C"
check "DataDigest 'None,' is refused" refused DataDigest "None," "expected None, CRC32C"

# setw NAME VALUE: the write succeeds and reads back with [key].
setw() {
	ctl write "$T/$1" "$2" || return 1
	[ "$(ctl read "$T/$1" | tr '\n' ' ')" = "$2 [key] " ]
}
check "FirstBurstLength 16384 is taken and marked [key]" setw FirstBurstLength 16384
check "MaxBurstLength 131072 is taken" setw MaxBurstLength 131072
check "MaxOutstandingR2T 4 is taken" setw MaxOutstandingR2T 4
check "MaxRecvDataSegmentLength 32768 is taken" setw MaxRecvDataSegmentLength 32768
check "QueuedCommands 8 is taken" setw QueuedCommands 8
check "MaxSessions 1 is taken" setw MaxSessions 1
check "MaxSessions 0x1 is taken as 1" bash -c "'$SCSTCTL' --socket '$SOCK' write '$T/MaxSessions' 0x1 && [ \"\$('$SCSTCTL' --socket '$SOCK' read '$T/MaxSessions' | head -1)\" = 1 ]"

timeout 40 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" io-wait 30 >"$WORKDIR/peer.out" 2>&1 &
PEER=$!
BG_PIDS+=("$PEER")
check "a new session logs in" peer_logged_in "$WORKDIR/peer.out" "$SESS"
check_output "it negotiated FirstBurstLength 16384" '^16384$' ctl read "$SESS/FirstBurstLength"
check_output "it negotiated MaxBurstLength 131072" '^131072$' ctl read "$SESS/MaxBurstLength"
# The initiator does not offer MaxOutstandingR2T: the RFC's 1 stays.
check_output "MaxOutstandingR2T stays within the new limit 4" '^[1-4]$' ctl read "$SESS/MaxOutstandingR2T"
C=$(ctl list "$SESS/connections" | head -1)
check_output "the target declared MaxRecvDataSegmentLength 32768" '^32768$' \
	ctl read "$SESS/connections/${C%/}/MaxRecvDataSegmentLength"

LINES=$(wc -l <"$DAEMON_LOG")
check "MaxSessions 1: a second session is refused" \
	bash -c "! timeout 20 iscsi-inq iscsi://127.0.0.1:$PORT/$IQN/0"
check_output "with login status 0x0206" "MaxSessions.*status 0x0206" \
	bash -c "tail -n +$((LINES + 1)) '$DAEMON_LOG'"
check "the first session is untouched" kill -0 "$PEER"
check "force_close ends the first session" ctl write "$SESS/force_close" 1
wait "$PEER"
PEER_RC=$?
check "the first session ends cleanly" [ "$PEER_RC" -eq 0 ]
check "its session leaves the tree" no_sessions_left "$IQN"
check_output "then a session fits again" "Vendor|vendor" timeout 20 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN/0"
check "MaxSessions 0 lifts the limit (the default again: no [key])" \
	bash -c "'$SCSTCTL' --socket '$SOCK' write '$T/MaxSessions' 0 && [ \"\$('$SCSTCTL' --socket '$SOCK' read '$T/MaxSessions')\" = 0 ]"

# InitialR2T Yes / ImmediateData No: every WRITE's data waits for an R2T.
check "InitialR2T Yes is taken" setw InitialR2T Yes
check "ImmediateData No is taken" setw ImmediateData No
head -c $((4 * 1048576)) /dev/urandom >"$WORKDIR/in.raw"
U="iscsi://127.0.0.1:$PORT/$IQN/0"
LINES=$(wc -l <"$DAEMON_LOG")
check "qemu-img writes 4 MiB with solicited data only" \
	timeout 60 qemu-img convert -n -f raw -O raw "$WORKDIR/in.raw" "$U"
check_output "that session negotiated InitialR2T Yes and ImmediateData No" \
	"InitialR2T 1, ImmediateData 0" bash -c "tail -n +$((LINES + 1)) '$DAEMON_LOG'"
check "qemu-img reads it back" timeout 60 qemu-img convert -f raw -O raw "$U" "$WORKDIR/out.raw"
check "the data is byte-exact" cmp -n $((4 * 1048576)) "$WORKDIR/in.raw" "$WORKDIR/out.raw"
check_alive "daemon alive"
check_stop
finish
