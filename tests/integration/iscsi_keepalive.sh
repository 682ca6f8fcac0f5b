#!/usr/bin/env bash
# iscsi_keepalive.sh - NOP-In keep-alive.  With NopInInterval 2 and
# NopInTimeout 2 on the target, a raw initiator that logs in and then goes
# silent (socket open, nothing sent) is pinged with a NOP-In and closed
# about 4 s later, its session unregistered; one that answers the pings
# keeps its session and can still run commands; with NopInInterval 0 no
# ping is sent at all.
. "$(dirname "$0")/../lib.sh"

plan 10

require_daemon
require_tools iscsi_digestpeer
IQN=iqn.2026-11.org.scstd:keepalive
OFF_IQN=iqn.2026-11.org.scstd:nokeepalive

truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/ka.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		NopInInterval 2
		NopInTimeout 2
		LUN 0 d1
	}
	TARGET $OFF_IQN {
		enabled 1
		NopInInterval 0
		LUN 0 d1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/ka.conf"; then
	not_ok "scstd starts with NopInInterval/NopInTimeout set"
	finish
fi
ok "scstd starts with NopInInterval/NopInTimeout set"
peer() {
	timeout 60 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$@"
}

silent_closed_in_time() {
	local start=$SECONDS
	peer "$IQN" nop-silent 15 || return 1
	# Interval 2 + timeout 2 with a 100 ms timer tick: well under 10 s.
	echo "took $((SECONDS - start)) s"
	[ $((SECONDS - start)) -le 10 ]
}
check "a silent initiator is pinged and closed after NopInInterval + NopInTimeout" \
	silent_closed_in_time
check_output "the daemon logged the NOP-In timeout with the initiator name" \
	"digestpeer did not answer a NOP-In within 2 s" cat "$DAEMON_LOG"
check "... and its session was unregistered" \
	bash -c "grep -aq 'digestpeer -> $IQN unregistered' '$DAEMON_LOG'"
check "an initiator answering the pings keeps its session for 9 s and can still run commands" \
	peer "$IQN" nop-answer 9
no_ping_without_interval() {
	# nop-silent fails when no ping comes and the connection stays.
	! peer "$OFF_IQN" nop-silent 6
}
check "NopInInterval 0: a silent initiator is neither pinged nor closed" no_ping_without_interval
check "the target without keep-alive logged no timeout for its session" \
	bash -c "[ \$(grep -ac 'did not answer a NOP-In' '$DAEMON_LOG') -eq 1 ]"
check "libiscsi answers the pings: iscsi-inq still works" \
	bash -c "timeout 20 iscsi-inq iscsi://127.0.0.1:$PORT/$IQN/0 | grep -q DIRECT_ACCESS"
check_alive "daemon alive after the keep-alive checks"
check_stop
finish
