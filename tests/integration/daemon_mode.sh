#!/usr/bin/env bash
# daemon_mode.sh - scstd without --foreground: the starting process
# returns 0 only once the daemon serves (its portal listens at that
# moment), and a daemon that cannot start makes it fail with the error
# printed (bad config, port taken, pid file held); --pid-file is written
# when ready, refuses a second daemon, is taken over when stale and
# removed at exit.
. "$(dirname "$0")/../lib.sh"
plan 20

require_daemon
PIDFILE=$WORKDIR/scstd.pid
PORT=$(pick_port) || { not_ok "a free port"; finish; }
DLOG=$WORKDIR/daemon.log
DAEMON_LOG=$DLOG
# A daemon left by a failed check is no child of ours: its pid file names it.
trap 'p=$(cat "$PIDFILE" 2>/dev/null); [ -n "$p" ] && kill -KILL "$p" 2>/dev/null; lib_cleanup' EXIT

bg_scstd() {  # bg_scstd PORT [ARGS...]: scstd in the background; its exit status
	local port=$1
	shift
	(cd "$WORKDIR" && exec "$SCSTD" --listen "127.0.0.1:$port" --var-dir "$WORKDIR/var" \
		--pr-dir "$WORKDIR/var/pr" --ctl-socket none --local-socket none "$@")
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1"; }
# The daemon is no child of this shell: wait for its pid to vanish.
gone() {
	local _
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

bg_scstd "$PORT" --pid-file "$PIDFILE" >>"$DLOG" 2>&1
rc=$?
listening "$PORT" && up=1 || up=0
check "a good start in the background returns 0 (rc=$rc)" test "$rc" = 0
check "... once the portal listens already" test "$up" = 1
PID=$(cat "$PIDFILE" 2>/dev/null)
check "the pid file names the running daemon" \
	bash -c "[ -n '$PID' ] && [ \"\$(cat /proc/$PID/comm 2>/dev/null)\" = scstd ]"
check "the daemon runs in a session of its own" \
	bash -c "[ \"\$(ps -o sid= -p $PID | tr -d ' ')\" = '$PID' ]"

PORT2=$(pick_port)
bg_scstd "$PORT2" --pid-file "$PIDFILE" >"$WORKDIR/second.out" 2>&1
rc=$?
check "a second daemon with the same pid file fails (rc=$rc)" test "$rc" != 0
check_output "... saying who holds it" "pid file .* is held by running scstd \(pid $PID\)" \
	cat "$WORKDIR/second.out"
check "... and does not listen" bash -c "! ss -Hltn 'sport = :$PORT2' | grep -q ."
check "the first daemon's pid file is untouched" test "$(cat "$PIDFILE")" = "$PID"

bg_scstd "$PORT" >"$WORKDIR/port.out" 2>&1
rc=$?
check "a daemon whose port is taken fails (rc=$rc)" test "$rc" != 0
check_output "... printing why" "cannot listen on 127.0.0.1:$PORT" cat "$WORKDIR/port.out"

kill -TERM "$PID"
check "SIGTERM stops the daemon" gone "$PID"
check "the pid file is removed at exit" test ! -e "$PIDFILE"

printf 'HANDLER vdisk_nullio {\n\tDEVICE n0 {\n' >"$WORKDIR/bad.conf"
bg_scstd "$PORT" --pid-file "$PIDFILE" --config "$WORKDIR/bad.conf" >"$WORKDIR/bad.out" 2>&1
rc=$?
check "a bad config fails the start (rc=$rc)" test "$rc" != 0
check_output "... printing the error with its line" "bad.conf: line [0-9]+" cat "$WORKDIR/bad.out"
check_output "... and that the daemon did not start" "failed to start \(exit status [1-9]" \
	cat "$WORKDIR/bad.out"
check "... nothing listens, no pid file is left" \
	bash -c "! ss -Hltn 'sport = :$PORT' | grep -q . && [ ! -e '$PIDFILE' ]"

# A pid file left by a dead process (not locked) is taken over.
echo 999999 >"$PIDFILE"
bg_scstd "$PORT" --pid-file "$PIDFILE" >>"$DLOG" 2>&1
rc=$?
PID=$(cat "$PIDFILE" 2>/dev/null)
check "a stale pid file is taken over (rc=$rc, pid $PID)" \
	bash -c "[ $rc = 0 ] && [ \"\$(cat /proc/$PID/comm 2>/dev/null)\" = scstd ]"
kill -TERM "$PID"
check "the daemon stops again and removes its pid file" \
	bash -c "$(declare -f gone); gone $PID && [ ! -e '$PIDFILE' ]"

check "--log-target takes only stderr, syslog or journal (usage error 2)" \
	bash -c "'$SCSTD' --log-target file >/dev/null 2>&1; [ \$? = 2 ]"
check "no sanitizer report in the daemons' output" bash -c "! grep -Eq '$SANITIZER_RE' '$DLOG' '$WORKDIR'/*.out"
finish
