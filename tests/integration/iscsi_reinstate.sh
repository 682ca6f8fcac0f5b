#!/usr/bin/env bash
# iscsi_reinstate.sh - session reinstatement (RFC 7143 6.3.5): a raw
# initiator leaves a WRITE waiting for its data, then logs in again with
# the same ISID and TSIH 0.  The old connection is closed, the waiting
# command is aborted without a response, the new session reads and writes,
# and (sanitizer build) nothing leaks or is touched after being freed.
. "$(dirname "$0")/../lib.sh"

plan 8

require_daemon
require_tools iscsi_digestpeer
IQN=iqn.2026-11.org.scstd:reinstate
start_one_disk_target "scstd starts" "$IQN"
reinstate() {
	timeout 30 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" reinstate 0
}
for i in 1 2 3; do
	check "reinstatement $i: old connection closed, its WRITE aborted, new session works" reinstate
done
check_output "the daemon logged the reinstatements" "reinstating the session of iqn.2026-11.org.scstd:digestpeer" \
	cat "$DAEMON_LOG"
check "every session of the initiator was unregistered" \
	eventually 10 bash -c "[ \$(grep -ac 'digestpeer -> $IQN registered' '$DAEMON_LOG') -eq \
		\$(grep -ac 'digestpeer -> $IQN unregistered' '$DAEMON_LOG') ]"
check_alive "daemon alive after the reinstatements"
check_stop
finish
