#!/usr/bin/env bash
# log_targets.sh - --log-target syslog and journal, and the per-peer rate
# limit of PDU warnings.  This machine may run no syslog daemon and no
# journald, so the script runs in a private mount namespace where a
# listener of its own is /dev/log (syslog(3)'s datagram socket) and
# /run/systemd/journal/socket (journald's native protocol): what scstd
# sends is read there, and the host's /dev and /run stay untouched.
# The rate limit: a flood of malformed PDUs from one peer logs at most
# RATELIMIT_BURST (10) warnings per 10 s window, then a "suppressed N" line
# (the flood takes about a second here; a slower machine spreads it over
# more windows, which the bound allows for).
if [ -z "${LOG_TARGETS_NS:-}" ]; then
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null &&
	   unshare -m --propagation private true 2>/dev/null; then
		exec unshare -m --propagation private env LOG_TARGETS_NS=1 bash "$0" "$@"
	fi
	LOG_TARGETS_NS=none
fi
. "$(dirname "$0")/../lib.sh"
plan 15

require_daemon
require_tools iscsi_badpdu

# listen PATH OUT: a Unix datagram listener on PATH, one line per message
# in OUT (newlines inside a message shown as '|').
listen() {
	rm -f "$1"
	python3 -u - "$1" >"$2" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(65536).decode(errors="replace").replace("\n", "|"), flush=True)
PY
	BG_PIDS+=($!)
	for _ in $(seq 1 50); do [ -S "$1" ] && return 0; sleep 0.1; done
	return 1
}

# A tmpfs over /dev (in this namespace only) with fresh nodes of the
# devices scstd and the tools open: room for /dev/log.  Nothing of the
# real /dev is bound anywhere, so no cleanup can reach it.
private_dev() {
	mount -t tmpfs -o mode=755 scstd-test-dev /dev || return 1
	mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/zero c 1 5 &&
	mknod -m 666 /dev/random c 1 8 && mknod -m 666 /dev/urandom c 1 9 &&
	mkdir /dev/shm && mount -t tmpfs scstd-test-shm /dev/shm &&
	ln -s /proc/self/fd /dev/fd
}

if [ "$LOG_TARGETS_NS" != 1 ]; then
	skip "syslog and journal targets: no private mount namespace (needs root and unshare)"
elif ! command -v python3 >/dev/null; then
	skip "syslog and journal targets: python3 is needed for the listeners"
elif ! private_dev; then
	not_ok "a private /dev for the syslog listener can be set up"
else
	listen /dev/log "$WORKDIR/syslog.msgs" || not_ok "listener on /dev/log"
	printf 'garbage {\n' >"$WORKDIR/bad.conf"
	start_daemon --log-target syslog --config "$WORKDIR/bad.conf.missing" >/dev/null 2>&1 &&
		not_ok "a daemon with a missing config file does not start"
	# The error reaches syslog and, before ready, the terminal too.
	check_output "syslog: a start-up error is sent with priority daemon.err (<27>)" \
		'^<27>.*scstd\[[0-9]+\]: config .*bad.conf.missing' eventually 5 cat "$WORKDIR/syslog.msgs"
	check_output "... and printed on stderr as well" 'error config .*bad.conf.missing' cat "$DAEMON_LOG"
	start_daemon --log-target syslog || { not_ok "scstd starts with --log-target syslog"; finish; }
	check_output "syslog: 'scstd ready' as daemon.info (<30>) with the daemon's pid" \
		"^<30>.*scstd\[$DAEMON_PID\]: scstd ready" eventually 5 cat "$WORKDIR/syslog.msgs"
	check "... and not on stderr" bash -c "! grep -q 'scstd ready' '$DAEMON_LOG'"
	check_stop "daemon with --log-target syslog stops cleanly"

	if mount -t tmpfs scstd-test-run /run/systemd && mkdir -p /run/systemd/journal; then
		listen /run/systemd/journal/socket "$WORKDIR/journal.msgs" ||
			not_ok "listener on /run/systemd/journal/socket"
		start_daemon --log-target journal || { not_ok "scstd starts with --log-target journal"; finish; }
		check_output "journal: 'scstd ready' with PRIORITY=6 and SYSLOG_IDENTIFIER=scstd" \
			'MESSAGE=scstd ready\|PRIORITY=6\|SYSLOG_IDENTIFIER=scstd' \
			eventually 5 cat "$WORKDIR/journal.msgs"
		check "... and not on stderr" bash -c "! grep -q 'scstd ready' '$DAEMON_LOG'"
		check_stop "daemon with --log-target journal stops cleanly"
		# journald gone: lines fall back to stderr rather than vanish.
		kill "${BG_PIDS[-1]}" 2>/dev/null
		wait "${BG_PIDS[-1]}" 2>/dev/null
		rm -f /run/systemd/journal/socket
		start_daemon --log-target journal || { not_ok "scstd starts without a journal"; finish; }
		check "without a journal, lines go to stderr" eventually 5 grep -q 'scstd ready' "$DAEMON_LOG"
		check_stop
	else
		not_ok "a private /run/systemd for the journal listener can be set up"
	fi
fi

# ---- the rate limit (stderr) ----
start_daemon || { not_ok "scstd starts"; finish; }
BAD=$(tool iscsi_badpdu)
N=60
t0=$(date +%s)
for _ in $(seq 1 $N); do
	timeout 20 "$BAD" -t 5000 -l 1 "127.0.0.1:$PORT" "$DEFAULT_IQN" big-dsl >/dev/null 2>&1
done
elapsed=$(($(date +%s) - t0))
warned=$(grep -ac 'malformed header' "$DAEMON_LOG")
windows=$((elapsed / 10 + 1))
note "$N malformed PDUs in ${elapsed}s: $warned warnings logged"
check "a flood of $N malformed PDUs from one peer logs at most 10 warnings per 10 s ($warned in ${elapsed}s)" \
	test "$warned" -le $((10 * windows)) -a "$warned" -lt "$N"
sleep 10.5
timeout 20 "$BAD" -t 5000 -l 1 "127.0.0.1:$PORT" "$DEFAULT_IQN" big-dsl >/dev/null 2>&1
check_output "the next window starts with the count of the suppressed lines" \
	'127\.0\.0\.1: suppressed [1-9][0-9]* similar messages from this peer' cat "$DAEMON_LOG"
check "... followed by the warning itself" \
	bash -c "grep -a -A1 'suppressed [1-9]' '$DAEMON_LOG' | tail -1 | grep -q 'malformed header'"
check_alive
check_stop
finish
