#!/usr/bin/env bash
# sanitize_background.sh - a SANITIZE operation runs on apart from the
# command that started it (SBC-4 4.11, 5.30).  On a 4 PiB nullio LUN,
# whose overwrite lasts far longer than the checks: TEST UNIT READY and
# REQUEST SENSE answer NOT READY, SANITIZE IN PROGRESS with a growing
# progress indication; ABORT TASK of the SANITIZE and LUN RESET are
# answered at once and the operation goes on, also past a logout and a new
# login; IMMED 1 is GOOD at once.  Deleting the device, and SIGTERM while
# one runs and a SANITIZE waits for another, end cleanly (the ASAN build checks the teardown).  On a fileio
# LUN an IMMED 1 overwrite leaves the pattern on the first and last block.
. "$(dirname "$0")/../lib.sh"

plan 28

require_daemon
require_tools sanitize_background
IQN=iqn.2026-12.org.scstd:sanitize-bg
SB=$(tool sanitize_background)
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

truncate -s 64M "$WORKDIR/disk.img"
cat >"$WORKDIR/bg.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE bignull {
		size_mb 4294967296
	}
	DEVICE bignull2 {
		size_mb 268435456
	}
	DEVICE bignull3 {
		size_mb 4294967296
	}
}
HANDLER vdisk_fileio {
	DEVICE disk {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 bignull
		LUN 1 disk
		LUN 2 bignull2
		LUN 3 bignull3
	}
}
CONF

start_daemon --ctl-socket "$SOCK" --config "$WORKDIR/bg.conf" ||
	{ not_ok "scstd starts"; finish; }
ok "scstd starts with three huge nullio LUNs and a 64 MiB fileio LUN"

# IMMED 0: progress, REQUEST SENSE, ABORT TASK, LUN RESET, a new login.
run_tap timeout 120 "$SB" "$(url 0 $IQN)" abort
check_alive "daemon alive while the operation runs"

# IMMED 1 on the fileio LUN: GOOD at once, the pattern once it is over.
run_tap timeout 60 "$SB" "$(url 1 $IQN)" start
run_tap timeout 600 "$SB" "$(url 1 $IQN)" wait

# IMMED 1 on the other nullio LUN, then its LUN and device deleted while
# the operation runs: deletion stops it and succeeds.
run_tap timeout 60 "$SB" "$(url 2 $IQN)" immed
check "LUN 2 is deleted while its device is being sanitized" \
	ctl write "targets/iscsi/$IQN/luns/mgmt" "del 2"
check "del_device of the device being sanitized succeeds" \
	ctl write handlers/vdisk_nullio/mgmt "del_device bignull2"
check "the device is gone" bash -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -q '^bignull2/$'"
check_alive "daemon alive after deleting a device under a sanitize"

# SIGTERM while LUN 0's operation still runs and LUN 3's SANITIZE (IMMED
# 0) waits for its own: a clean stop, in time.
run_tap timeout 60 "$SB" "$(url 0 $IQN)" running
bg_start timeout 120 "$SB" "$(url 3 $IQN)" hold
lun3_running() {
	local i
	for i in $(seq 1 40); do
		"$SB" "$(url 3 $IQN)" running 2>/dev/null | grep -q '^ok' && return 0
		sleep 0.5
	done
	return 1
}
check "LUN 3's operation runs, its SANITIZE (IMMED 0) waiting" lun3_running
check_stop "SIGTERM during a running sanitize: exit 0 and a clean log" 20
finish
