#!/usr/bin/env bash
# iscsi_logout_nexus.sh - the Logout Response of a session goes out only
# once the session's I_T nexus has left the core, so an initiator that
# logs in again at once finds nothing of the old nexus.  libiscsi's
# PreventAllow.Logout (PREVENT MEDIUM REMOVAL, Logout, re-login, eject
# must succeed) is run 25 times in a row on a removable LUN, and in the
# daemon log every session of the target is unregistered before the next
# one is registered.
. "$(dirname "$0")/../lib.sh"

plan 5

require_daemon
command -v iscsi-test-cu >/dev/null || { not_ok "iscsi-test-cu (libiscsi-bin) is installed"; finish; }
IQN=iqn.2026-12.org.scstd:logout-nexus
RUNS=25

truncate -s 16M "$WORKDIR/removable.img"
cat >"$WORKDIR/lo.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE removable0 {
		filename $WORKDIR/removable.img
		removable 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 removable0
	}
}
CONF
if ! start_daemon --config "$WORKDIR/lo.conf"; then
	not_ok "scstd starts with a removable LUN"
	finish
fi
ok "scstd starts with a removable LUN"

prevent_logout_runs() {
	local i fails=0
	for i in $(seq 1 $RUNS); do
		# CUnit's verdict line for the one test of the run.
		if ! timeout 60 iscsi-test-cu --test=SCSI.PreventAllow.Logout \
			"iscsi://127.0.0.1:$PORT/$IQN/0" >"$WORKDIR/cu.$i.out" 2>&1 ||
			! grep -q "Test: Logout \.\.\.passed" "$WORKDIR/cu.$i.out"; then
			fails=$((fails + 1))
			tail -20 "$WORKDIR/cu.$i.out"
		fi
	done
	echo "$fails of $RUNS runs failed"
	[ "$fails" = 0 ]
}
check "PreventAllow.Logout passes $RUNS times in a row" prevent_logout_runs

# Registered / unregistered lines of the target's sessions, in log order,
# must alternate: no new nexus while the old one is still in the core.
alternating() {
	grep -aoE -- "-> $IQN (registered|unregistered)" "$DAEMON_LOG" | awk '
		{ state = $NF; n++ }
		state == "registered" && open { print "line " n ": registered while another session is in the core"; bad = 1 }
		state == "unregistered" && !open { print "line " n ": unregistered without a session"; bad = 1 }
		{ open = state == "registered" }
		END { print n " session events"; exit bad || n < 2 * '"$RUNS"' }'
}
check "every session left the core before the next one came" alternating
check_alive "daemon alive after the logout checks"
check_stop
finish
