#!/usr/bin/env bash
# reservations.sh - SPC-2 and persistent reservations between two initiator
# names (tests/tools/pr_checks, which also checks a new nexus's POWER ON
# unit attention), and
# a persistent reservation with APTPL that survives a daemon restart on the
# same PR directory (and is gone for good once released); the device's
# dump_prs attribute writes that state to the log.  Then one LU through two
# target ports: ALL_TG_PT registrations (kept across a restart), REGISTER
# AND MOVE from one initiator name to another, and PR OUT commands whose
# state cannot be saved (the PR directory replaced by a file) failing
# without changing anything.
. "$(dirname "$0")/../lib.sh"

plan 130

require_daemon
require_tools pr_checks
PR=$(tool pr_checks)
KEY=0x5c575d

SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts"; finish; }
ok "scstd starts"

run_tap timeout 60 "$PR" "$(url 1)" conflict
run_tap timeout 60 "$PR" "$(url 1)" hold "$KEY"
check "the reservation file is in the PR directory" \
	grep -q "^reg $KEY 1 1 0 iqn.2026-11.org.scstd:pr-checks-a$" "$WORKDIR/var/pr/disk1"
check "dump_prs accepts a write" "$SCSTCTL" --socket "$SOCK" write devices/disk1/dump_prs 1
check "dump_prs logged the registrant and the holder" bash -c \
	"grep -q 'disk1: PR registrant key $KEY initiator iqn.2026-11.org.scstd:pr-checks-a rel_tgt_id 1' '$DAEMON_LOG' &&
	 grep -q 'disk1: PR reservation type 1 held by iqn.2026-11.org.scstd:pr-checks-a' '$DAEMON_LOG'"
check_stop "daemon stops on SIGTERM holding a reservation"

start_daemon || { not_ok "scstd restarts on the same var directory"; finish; }
ok "scstd restarts on the same var directory"
run_tap timeout 60 "$PR" "$(url 1)" held "$KEY"
run_tap timeout 60 "$PR" "$(url 1)" drop "$KEY"
run_tap timeout 60 "$PR" "$(url 1)" spec_i_pt 0x5be1
check "without registrations and APTPL the file is removed" test ! -e "$WORKDIR/var/pr/disk1"
check_stop

# A corrupt file is refused (logged), not crashed on: the LUN starts free.
mkdir -p "$WORKDIR/var/pr"
printf 'scstd-pr 1\ngeneration 1\naptpl 1\ntype 3\nreg 0x1 1 0 iqn.x\n' >"$WORKDIR/var/pr/disk1"
start_daemon || { not_ok "scstd starts with a corrupt reservation file"; finish; }
ok "scstd starts with a corrupt reservation file"
check "the corrupt file is reported in the log" grep -q "ignoring persistent reservations" "$DAEMON_LOG"
run_tap timeout 60 "$PR" "$(url 1)" conflict
check_stop

# One LU, two target ports (relative ids 11 and 12).
IQN1=iqn.2026-11.org.scstd:pr-port-one
IQN2=iqn.2026-11.org.scstd:pr-port-two
cat >"$WORKDIR/two_ports.conf" <<EOC
HANDLER vdisk_nullio {
	DEVICE shared {
		size_mb 16
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN1 {
		enabled 1
		rel_tgt_id 11
		LUN 0 shared
	}
	TARGET $IQN2 {
		enabled 1
		rel_tgt_id 12
		LUN 0 shared
	}
}
EOC
SHARED=$WORKDIR/var/pr/shared
two_ports() {
	start_daemon --config "$WORKDIR/two_ports.conf"
}
two_ports || { not_ok "scstd starts with two target ports"; finish; }
ok "scstd starts with two target ports"
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" atp_register 0xa77 "$(url 0 $IQN2)"
check "the APTPL file keeps the ALL_TG_PT registration" \
	grep -q "^reg 0xa77 11 1 1 iqn.2026-11.org.scstd:pr-checks-a$" "$SHARED"
check_stop "daemon stops holding an ALL_TG_PT reservation"
two_ports || { not_ok "scstd restarts with two target ports"; finish; }
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" atp_held 0xa77 "$(url 0 $IQN2)"
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" move 0x3e0 "$(url 0 $IQN2)" 11 12

# Acknowledged state is saved state: with the PR directory replaced by a
# file (root ignores permissions) no save or removal can succeed.
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" hold 0x5a7e
cp "$SHARED" "$WORKDIR/shared.before"
mv "$WORKDIR/var/pr" "$WORKDIR/var/pr.aside" && : >"$WORKDIR/var/pr"
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" save_fails 0x5a7e
check "each failed save is logged" grep -q "cannot save persistent reservations to $SHARED" "$DAEMON_LOG"
rm -f "$WORKDIR/var/pr" && mv "$WORKDIR/var/pr.aside" "$WORKDIR/var/pr"
check "the APTPL file is what it was before the failed commands" cmp "$SHARED" "$WORKDIR/shared.before"
check_stop
two_ports || { not_ok "scstd restarts after the failed saves"; finish; }
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" held 0x5a7e
run_tap timeout 60 "$PR" "$(url 0 $IQN1)" drop 0x5a7e
check_stop
finish
