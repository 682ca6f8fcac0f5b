#!/usr/bin/env bash
# sd_notify.sh - systemd's notification protocol, received by a listener
# on NOTIFY_SOCKET (a Unix datagram socket, as systemd's): READY=1 once
# the portal listens, a STATUS line with the sessions and LUNs that
# follows a new session, RELOADING=1 with MONOTONIC_USEC then READY=1
# around a SIGHUP reload, STOPPING=1 at SIGTERM - in that order.  Without
# NOTIFY_SOCKET nothing is sent.
. "$(dirname "$0")/../lib.sh"
plan 11

require_daemon
command -v python3 >/dev/null || { skip "python3 is needed for the listener"; finish; }
export NOTIFY_SOCKET=$WORKDIR/notify.sock
MSGS=$WORKDIR/notify.msgs
# One line per datagram, newlines inside a message shown as '|'.
python3 -u - "$NOTIFY_SOCKET" >"$MSGS" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    print(s.recv(4096).decode(errors="replace").replace("\n", "|"), flush=True)
PY
LISTENER=$!
BG_PIDS+=("$LISTENER")
for _ in $(seq 1 50); do [ -S "$NOTIFY_SOCKET" ] && break; sleep 0.1; done

truncate -s 8M "$WORKDIR/d.img"
cat >"$WORKDIR/n.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 { filename $WORKDIR/d.img }
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-12.org.scstd:notify {
		enabled 1
		LUN 0 d0
	}
}
CONF
start_daemon --config "$WORKDIR/n.conf" --local-add-default-tgt 0 || { not_ok "scstd starts"; finish; }
ok "scstd starts with NOTIFY_SOCKET set"
check "READY=1 arrives, with MAINPID and a STATUS of 0 sessions and 1 LUN" \
	eventually 10 grep -q "^READY=1|MAINPID=$DAEMON_PID|STATUS=0 sessions, 1 LUN$" "$MSGS"

iscsi-perf -x 0 -m 1 "iscsi://127.0.0.1:$PORT/iqn.2026-12.org.scstd:notify/0" >/dev/null 2>&1 &
PERF=$!
BG_PIDS+=("$PERF")
check "a new session shows in STATUS within the refresh period" \
	eventually 15 grep -q "^STATUS=1 session, 1 LUN$" "$MSGS"
kill -KILL "$PERF" 2>/dev/null
wait "$PERF" 2>/dev/null

# The reload adds a LUN: the READY=1 after it carries the new count.
truncate -s 8M "$WORKDIR/e.img"
sed -i "s|DEVICE d0 { filename $WORKDIR/d.img }|&\n\tDEVICE d1 { filename $WORKDIR/e.img }|; s|LUN 0 d0|&\n\t\tLUN 1 d1|" \
	"$WORKDIR/n.conf"
kill -HUP "$DAEMON_PID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" eventually 10 grep -q "^RELOADING=1|MONOTONIC_USEC=[0-9]\+$" "$MSGS"
check "... then READY=1 again, with the reloaded LUN count (2)" eventually 10 \
	bash -c "sed -n '/^RELOADING=1/,\$p' '$MSGS' | grep -q '^READY=1|.*|STATUS=[0-9]* sessions\?, 2 LUNs\$'"
# MONOTONIC_USEC is CLOCK_MONOTONIC, the clock of /proc/uptime.
check "... and MONOTONIC_USEC is close to CLOCK_MONOTONIC now" bash -c "
	us=\$(sed -n 's/^RELOADING=1|MONOTONIC_USEC=\([0-9]*\)\$/\1/p' '$MSGS' | tail -1)
	up=\$(cut -d' ' -f1 /proc/uptime | tr -d .)0000
	d=\$((up - us)); [ \${d#-} -lt 60000000 ]"
check_stop
check "STOPPING=1 arrives at SIGTERM" eventually 5 grep -q "^STOPPING=1$" "$MSGS"
order=$(grep -oE '^(READY|RELOADING|STOPPING)=1' "$MSGS" | tr '\n' ' ')
check "the order is READY RELOADING READY STOPPING (got: $order)" \
	test "$order" = "READY=1 RELOADING=1 READY=1 STOPPING=1 "

# Without NOTIFY_SOCKET, nothing reaches the listener.
before=$(wc -l <"$MSGS")
NOTIFY_SOCKET= start_daemon || { not_ok "scstd starts without NOTIFY_SOCKET"; finish; }
kill -HUP "$DAEMON_PID"
sleep 1
check_stop
check "without NOTIFY_SOCKET nothing is sent" test "$(wc -l <"$MSGS")" = "$before"
finish
