#!/usr/bin/env bash
# iscsi_force_close.sh - the target ending sessions: writing 1 to
# targets/iscsi/T/sessions/S/force_close sends the initiator an Async
# Message "target requests logout" (AsyncEvent 1) before the connection
# closes, both for an initiator that ignores it (closed after the grace)
# and one that logs out (Logout Response, then closed); bad writes are
# refused.  On daemon shutdown every logged-in initiator gets the same
# Async Message before its connection closes.
. "$(dirname "$0")/../lib.sh"

plan 16

require_daemon
require_tools iscsi_digestpeer
use_scstctl
IQN=iqn.2026-11.org.scstd:fclose
INI=iqn.2026-11.org.scstd:digestpeer
SESS=targets/iscsi/$IQN/sessions/$INI
start_one_disk_target "scstd starts with a control socket" "$IQN" -- --ctl-socket "$SOCK"

# start_peer MODE OUT: a raw initiator in the background, logged in once
# its session shows in the tree.
start_peer() {
	timeout 40 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" "$1" 20 >"$2" 2>&1 &
	PEER=$!
	peer_logged_in "$2" "$SESS"
}
# peer_saw_async_first OUT: the peer exited 0, having seen AsyncEvent 1
# and then the close.
peer_saw_async_first() {
	wait "$PEER"
	local rc=$?
	cat "$1"
	[ "$rc" -eq 0 ] && grep -q 'Async Message .*AsyncEvent 1' "$1" &&
		grep -q 'closed by the target' "$1"
}

check "a raw initiator logs in and its session shows in the tree" \
	start_peer async-wait "$WORKDIR/p1.out"
check_output "the session directory lists force_close" '^force_close$' ctl list "$SESS"
check "force_close refuses a value other than 1" bash -c "! '$SCSTCTL' --socket '$SOCK' write '$SESS/force_close' 2"
check "force_close 1 is accepted" ctl write "$SESS/force_close" 1
check "the initiator sees Async Message AsyncEvent 1 before the close" \
	peer_saw_async_first "$WORKDIR/p1.out"
check "the session is gone from the tree" no_sessions_left "$IQN"
check_output "the daemon logged the logout request with the initiator name" \
	"asking $INI to log out within 2 s \\(force_close\\)" cat "$DAEMON_LOG"

check "an initiator that logs out when asked" start_peer async-logout "$WORKDIR/p2.out"
check "force_close 1 is accepted" ctl write "$SESS/force_close" 1
check "... sees the Async Message, gets its Logout Response, then the close" \
	peer_saw_async_first "$WORKDIR/p2.out"
check "... and its session is gone" no_sessions_left "$IQN"
check "force_close of a session that no longer exists fails" \
	bash -c "! '$SCSTCTL' --socket '$SOCK' write '$SESS/force_close' 1"

check "an initiator is logged in when the daemon is stopped" \
	start_peer async-wait "$WORKDIR/p3.out"
check_stop "daemon stops on SIGTERM with exit 0 and a clean log" 20
check "on shutdown the initiator sees the Async Message before the close" \
	peer_saw_async_first "$WORKDIR/p3.out"
finish
