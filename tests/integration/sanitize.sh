#!/usr/bin/env bash
# sanitize.sh - SANITIZE OVERWRITE over iSCSI on a 512 MiB fileio LUN:
# commands arriving while it runs end NOT READY, SANITIZE IN PROGRESS
# with a progress indication (INQUIRY still answers), the command itself
# completes GOOD, the pattern is on the first and last block, and the
# backing file holds it after the daemon stopped.
. "$(dirname "$0")/../lib.sh"

plan 11

require_daemon
require_tools sanitize_progress
IQN=iqn.2026-11.org.scstd:sanitize
MIB=1048576

truncate -s $((512 * MIB)) "$WORKDIR/disk.img"
cat >"$WORKDIR/sanitize.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE san0 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 san0
	}
}
CONF

start_daemon --config "$WORKDIR/sanitize.conf" || { not_ok "scstd starts"; finish; }
ok "scstd starts with a 512 MiB fileio LUN"
run_tap timeout 120 "$(tool sanitize_progress)" "$(url 0 $IQN)"
check_alive "daemon alive after SANITIZE"
check_stop
# 0x5a is 'Z': nothing else may be left in the file's last 4 KiB.
last_4k_is_pattern() { [ "$(tail -c 4096 "$WORKDIR/disk.img" | tr -d Z | wc -c)" -eq 0 ]; }
check "the backing file's last 4 KiB hold the pattern" last_4k_is_pattern
finish
