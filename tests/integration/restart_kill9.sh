#!/usr/bin/env bash
# restart_kill9.sh - a daemon started the moment its predecessor got
# SIGKILL comes up, 10 times out of 10.  The old process still holds its
# portal and its control and scst_local sockets while the kernel tears it
# down (longer with connections open), so the new one has to wait for
# them instead of failing with "Address already in use".
. "$(dirname "$0")/../lib.sh"
plan 3

ROUNDS=${ROUNDS:-10}
require_daemon
command -v iscsi-inq >/dev/null || { skip "iscsi-inq (libiscsi-bin) missing"; finish; }
SOCKS=(--ctl-socket "$WORKDIR/ctl.sock" --local-socket "$WORKDIR/local.sock")

# Connections that make the old process's teardown take a while: a busy
# libiscsi session and a few TCP connections that never log in.
hold_connections() {
	local i
	iscsi-perf -x 0 -m 4 "$(url 1)" >/dev/null 2>&1 &
	PERF_PID=$!
	for i in 3 4 5 6 7 8; do
		eval "exec $i<>/dev/tcp/127.0.0.1/$PORT"
	done
	sleep 0.3
}

release_connections() {
	local i
	for i in 3 4 5 6 7 8; do
		eval "exec $i>&-"
	done
	kill "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
}

# The new daemon says it is ready and still runs a moment later (the old
# one's listening socket may fool wait_port for a few milliseconds).
came_up() {
	local _
	for _ in $(seq 1 50); do
		grep -q 'scstd ready' "$DAEMON_LOG" && break
		sleep 0.1
	done
	sleep 0.2
	daemon_alive && grep -q 'scstd ready' "$DAEMON_LOG" &&
		! grep -q 'Address already in use' "$DAEMON_LOG"
}

start_daemon "${SOCKS[@]}" || { not_ok "scstd starts"; finish; }
ok "scstd starts"
good=0
for round in $(seq 1 "$ROUNDS"); do
	hold_connections
	old=$DAEMON_PID
	# (bash reports the killed job on stderr: not a test failure)
	{
		KILL_BEFORE_EXEC=$old PORT_FIXED=$PORT start_daemon "${SOCKS[@]}"
		wait "$old"
	} 2>/dev/null
	release_connections
	if came_up && timeout 20 iscsi-inq "$(url 1)" >/dev/null 2>&1; then
		good=$((good + 1))
	else
		note "round $round: the restarted daemon did not come up"
		dump_log
		# The next round needs a daemon.
		daemon_alive || PORT_FIXED=$PORT start_daemon "${SOCKS[@]}" || break
	fi
done
if [ "$good" -eq "$ROUNDS" ]; then
	ok "restart right after kill -9 works $good of $ROUNDS times"
else
	not_ok "restart right after kill -9 works $good of $ROUNDS times"
fi
check_stop
finish
