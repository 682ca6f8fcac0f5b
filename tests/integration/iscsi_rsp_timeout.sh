#!/usr/bin/env bash
# iscsi_rsp_timeout.sh - RspTimeout, a target attribute as in iscsi-scst
# (default 90, [2, 65535]): a command that waits on the initiator for
# longer than RspTimeout seconds closes its connection.  With RspTimeout 3
# a raw initiator that never answers an R2T is closed 3-4 s after the R2T,
# and one that queues 32 MiB of READs and stops reading its socket is
# closed while the target is stuck sending; the target keeps serving
# others.  Out-of-range values are refused and change nothing.
. "$(dirname "$0")/../lib.sh"

plan 26

require_daemon
require_tools iscsi_digestpeer
SCSTCTL=$(dirname "$SCSTD")/scstctl
[ -x "$SCSTCTL" ] || { not_ok "scstctl is built next to scstd"; finish; }
command -v iscsi-inq >/dev/null || { not_ok "iscsi-inq (libiscsi-bin) is installed"; finish; }
SOCK=$WORKDIR/ctl/scstd.sock
IQN=iqn.2026-12.org.scstd:rsp
DEF_IQN=iqn.2026-12.org.scstd:rspdefault
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

truncate -s 64M "$WORKDIR/disk.img"
# NopInInterval 0: the keep-alive must not be what closes the silent peers.
cat >"$WORKDIR/rsp.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		RspTimeout 3
		NopInInterval 0
		LUN 0 d1
	}
	TARGET $DEF_IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/rsp.conf" --ctl-socket "$SOCK"; then
	not_ok "scstd starts with RspTimeout 3"
	finish
fi
ok "scstd starts with RspTimeout 3"

check_output "RspTimeout reads its default 90 without [key]" "^90\$" \
	bash -c "'$SCSTCTL' --socket '$SOCK' read 'targets/iscsi/$DEF_IQN/RspTimeout' | tr '\n' ' ' | sed 's/ \$//'"
check_output "the configured RspTimeout 3 reads back with [key]" "^3 \[key\]\$" \
	bash -c "'$SCSTCTL' --socket '$SOCK' read 'targets/iscsi/$IQN/RspTimeout' | tr '\n' ' ' | sed 's/ \$//'"
# refused VALUE: the write fails naming the limits, the value stays 90.
refused() {
	local out
	if out=$(ctl write "targets/iscsi/$DEF_IQN/RspTimeout" "$1" 2>&1); then
		echo "write of '$1' was accepted"
		return 1
	fi
	echo "$out"
	echo "$out" | grep -q -- "RspTimeout: expected a number in \[2, 65535\]" || return 1
	[ "$(ctl read "targets/iscsi/$DEF_IQN/RspTimeout" | head -1)" = 90 ]
}
for v in 1 0 65536 abc -5 3s ""; do
	check "RspTimeout '$v' is refused and changes nothing" refused "$v"
done
setw() {
	ctl write "targets/iscsi/$DEF_IQN/RspTimeout" "$1" || return 1
	[ "$(ctl read "targets/iscsi/$DEF_IQN/RspTimeout" | tr '\n' ' ')" = "$2" ]
}
check "RspTimeout 2 (the minimum) is taken and marked [key]" setw 2 "2 [key] "
check "RspTimeout 65535 (the maximum) is taken" setw 65535 "65535 [key] "
check "RspTimeout 90 is the default again (no [key])" setw 90 "90 "

peer() {
	timeout 60 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" "$@"
}
now() { date +%s.%N; }
# elapsed_between LO HI START: START..now lies within [LO, HI] seconds.
elapsed_between() {
	awk -v s="$3" -v e="$(now)" -v lo="$1" -v hi="$2" \
		'BEGIN { d = e - s; printf "took %.1f s\n", d; exit !(d >= lo && d <= hi) }'
}
# wait_log REGEX SECONDS: the daemon log matches within SECONDS.
wait_log() {
	for _ in $(seq 1 $(($2 * 10))); do
		grep -aEq -- "$1" "$DAEMON_LOG" && return 0
		sleep 0.1
	done
	return 1
}
# wait_stalled FILE: the peer printed "# stalled" (within 10 s).
wait_stalled() {
	for _ in $(seq 1 100); do
		grep -q '^# stalled' "$1" && return 0
		sleep 0.1
	done
	cat "$1"
	return 1
}

# 1. An R2T never answered.
peer stall-dataout 15 >"$WORKDIR/dataout.out" 2>&1 &
DPID=$!
BG_PIDS+=("$DPID")
check "a WRITE gets its R2T and the initiator goes silent" wait_stalled "$WORKDIR/dataout.out"
wait "$DPID"
DRC=$?
check "the target closes the connection of the unanswered R2T" \
	bash -c "cat '$WORKDIR/dataout.out'; [ $DRC = 0 ]"
check_output "3-5.5 s after the R2T (not before RspTimeout)" "closed by the target after ([34]\.[0-9]|5\.[0-5])" \
	cat "$WORKDIR/dataout.out"
check_output "the daemon says why (RspTimeout, waiting for the data)" \
	"waited on the initiator for more than 3 s \(RspTimeout, waiting for its data\)" cat "$DAEMON_LOG"
check "and the session was unregistered" wait_log "digestpeer -> $IQN unregistered" 5

# 2. A peer that stops reading its socket.
peer stall-read 12 >"$WORKDIR/read.out" 2>&1 &
RPID=$!
BG_PIDS+=("$RPID")
check "32 READs of 1 MiB are queued and the initiator stops reading" wait_stalled "$WORKDIR/read.out"
START=$(now)
check "the target gives up sending within RspTimeout + 2 s" \
	wait_log "RspTimeout, sending its response" 6
check "... but not before RspTimeout - 1 s" elapsed_between 2 6 "$START"
wait "$RPID"
RRC=$?
check "the stalled peer finds its connection closed before all READs completed" \
	bash -c "cat '$WORKDIR/read.out'; [ $RRC = 0 ]"

check "a well-behaved initiator still works (iscsi-inq)" \
	bash -c "timeout 20 iscsi-inq iscsi://127.0.0.1:$PORT/$IQN/0 | grep -q DIRECT_ACCESS"
check "so does a full write and read cycle (digestpeer io)" peer io
check_alive "daemon alive after the RspTimeout checks"
check_stop
finish
