#!/usr/bin/env bash
# iscsi_max_sessions_race.sh - MaxSessions under contention: with
# MaxSessions 1, four clients log in over and over at the same time
# (iscsi-inq: login, INQUIRY, logout).  Some logins are refused with
# 0x0206, some get through, and the daemon log shows the target's sessions
# strictly one after the other: a session is registered only after the
# previous one was unregistered (counting and taking the slot are one
# step, and a Logout is answered after the nexus left the core).
. "$(dirname "$0")/../lib.sh"

plan 6

require_daemon
command -v iscsi-inq >/dev/null || { not_ok "iscsi-inq (libiscsi-bin) is installed"; finish; }
IQN=iqn.2026-12.org.scstd:maxsess-race
WORKERS=4
ROUNDS=15

truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/ms.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		MaxSessions 1
		LUN 0 d1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/ms.conf"; then
	not_ok "scstd starts with MaxSessions 1"
	finish
fi
ok "scstd starts with MaxSessions 1"

worker() {
	local i ok=0
	for i in $(seq 1 $ROUNDS); do
		timeout 20 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN/0" 2>&1 | grep -q DIRECT_ACCESS &&
			ok=$((ok + 1))
	done
	echo "$ok" >"$WORKDIR/worker.$1"
}
contend() {
	local w pids=() total=0
	for w in $(seq 1 $WORKERS); do
		worker "$w" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for w in $(seq 1 $WORKERS); do total=$((total + $(cat "$WORKDIR/worker.$w"))); done
	echo "$total of $((WORKERS * ROUNDS)) logins got through" | tee "$WORKDIR/contend.sum"
	[ "$total" -gt 0 ]
}
check "$WORKERS clients log in $ROUNDS times each at once; some get through" contend
note "$(cat "$WORKDIR/contend.sum")"
check "others were refused with 0x0206 (MaxSessions)" \
	grep -aq "the target has MaxSessions sessions (status 0x0206)" "$DAEMON_LOG"
alternating() {
	grep -aoE -- "-> $IQN (registered|unregistered)" "$DAEMON_LOG" | awk '
		{ state = $NF; n++ }
		state == "registered" && open { print "event " n ": a second session registered"; bad = 1 }
		state == "unregistered" && !open { print "event " n ": unregistered without a session"; bad = 1 }
		{ open = state == "registered" }
		END { print n " session events"; exit bad || n < 2 }'
}
check "never two sessions of the target in the core at once" alternating
check_alive "daemon alive after the contention"
check_stop
finish
