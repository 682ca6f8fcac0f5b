#!/usr/bin/env bash
# iscsi_mcs.sh - multiple connections per session (MC/S, RFC 7143 4.3)
# with a raw initiator (tests/tools/iscsi_mcs.c): a session with two
# connections moves data over both with CmdSN ordered session-wide and
# answers on the connection of each command; the management tree lists
# both connections; a logout with reason 1 ends one connection and the
# session goes on; a wrong TSIH, a connection beyond MaxConnections and a
# CID in use are handled as RFC 7143 says; a logout on one connection may
# name another one, and a session logout ends all of them.  Two I/O threads make the
# second connection of a session land on another loop than the first, so
# the hand-over to the session's loop is exercised.
. "$(dirname "$0")/../lib.sh"

plan 21

require_daemon
require_tools iscsi_mcs
use_scstctl
IQN=iqn.2026-12.org.scstd:mcs
INI=iqn.2026-12.org.scstd:mcs
SESS=targets/iscsi/$IQN/sessions/$INI
start_one_disk_target "scstd starts with two I/O threads" "$IQN" -- --threads 2 --ctl-socket "$SOCK"

mcs() { timeout 60 "$(tool iscsi_mcs)" "127.0.0.1:$PORT" "$IQN" "$@"; }

# First run holds both connections open for a look at the tree.
mcs io "$WORKDIR/go" >"$WORKDIR/io1.out" 2>&1 &
PEER=$!
two_up() {
	for _ in $(seq 1 100); do
		grep -q '^# two-connections' "$WORKDIR/io1.out" && return 0
		sleep 0.1
	done
	cat "$WORKDIR/io1.out"
	return 1
}
check "two connections of one session are in full feature phase" two_up
check_output "connections/ lists both (the second from the same address by CID)" \
	'^127\.0\.0\.1/ 127\.0\.0\.1_2/$' bash -c "'$SCSTCTL' --socket '$SOCK' list '$SESS/connections' | sort | xargs"
check_output "the first connection has CID 1" '^1$' ctl read "$SESS/connections/127.0.0.1/cid"
check_output "the second connection has CID 2" '^2$' ctl read "$SESS/connections/127.0.0.1_2/cid"
check_output "the second is in full feature phase" '^full feature$' \
	ctl read "$SESS/connections/127.0.0.1_2/state"
check_output "MaxConnections as negotiated" '^2$' ctl read "$SESS/MaxConnections"
touch "$WORKDIR/go"
wait "$PEER"
RC=$?
sed 's/^/# /' "$WORKDIR/io1.out"
check "run 1: data over both connections, crosswise read-back, logout of one, session goes on" \
	test "$RC" -eq 0
for i in 2 3; do
	check "run $i: the same without the pause" bash -c \
		"timeout 60 '$(tool iscsi_mcs)' 127.0.0.1:$PORT $IQN io > '$WORKDIR/io$i.out' 2>&1 || { cat '$WORKDIR/io$i.out'; exit 1; }"
done
check "32 WRITEs spread over two connections, CmdSN pairs swapped, read back crosswise" \
	mcs spread
check "logout of another connection by CID, unknown CID, a third joins, session logout closes all" \
	mcs others
check "a connection vanishing with a WRITE waiting for data: only it goes, the session lives on" \
	mcs drop
check_output "a second connection moved to its session's I/O thread" \
	"moving to the I/O thread of session" cat "$DAEMON_LOG"
check_output "a wrong TSIH is refused with 0x020a, the session goes on" "^ok - the session goes on" \
	mcs bad-tsih
check_output "beyond MaxConnections=1: refused with 0x0206" "^ok - a second connection beyond" \
	mcs too-many
check "a CID in use reinstates that connection" mcs same-cid
check "no session is left" no_sessions_left "$IQN"
check "every session was unregistered" \
	eventually 10 bash -c "[ \$(grep -ac 'mcs -> $IQN registered' '$DAEMON_LOG') -eq \
		\$(grep -ac 'mcs -> $IQN unregistered' '$DAEMON_LOG') ]"
check_alive "daemon alive after the MC/S checks"
check_stop
finish
