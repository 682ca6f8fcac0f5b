#!/usr/bin/env bash
# sanitize.sh - SANITIZE OVERWRITE over iSCSI on a 512 MiB fileio LUN:
# commands arriving while it runs end NOT READY, SANITIZE IN PROGRESS
# with a progress indication (INQUIRY still answers), the command itself
# completes GOOD, the pattern is on the first and last block, and the
# backing file holds it after the daemon stopped.  A SANITIZE of a huge
# nullio LUN leaves its I/O thread free for other sessions.
. "$(dirname "$0")/../lib.sh"

plan 15

require_daemon
require_tools sanitize_progress scsi_cdb acl_checks
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

# nullio completes every write inside its submission: a SANITIZE of a
# 256 TiB nullio LUN must still let its I/O thread (the only one here)
# answer another session meanwhile -- NOT READY, SANITIZE IN PROGRESS --
# instead of holding everything until the overwrite is done.
cat >"$WORKDIR/bignull.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE bignull {
		size_mb 268435456
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 bignull
	}
}
CONF
start_daemon --threads 1 --config "$WORKDIR/bignull.conf" ||
	{ not_ok "scstd starts with a 256 TiB nullio LUN and one I/O thread"; finish; }
ok "scstd starts with a 256 TiB nullio LUN and one I/O thread"
params=$(printf '01000200'; printf '00%.0s' $(seq 512))
printf 'out 48010000000000020400 %s\nquit\n' "$params" |
	timeout 120 "$(tool scsi_cdb)" "$(url 0 $IQN)" >"$WORKDIR/sanitize.out" 2>&1 &
SANITIZE_PID=$!
for _ in $(seq 1 30); do echo "tur 0"; sleep 0.2; done |
	timeout 60 "$(tool acl_checks)" "$(url 0 $IQN)" iqn.2026-12.org.scstd:sanitize-other \
	>"$WORKDIR/other.out" 2>&1
check_output "another session on the thread is answered during it: 02/04/1b" \
	'^tur 0 CHECK key=0x2 asc=0x041b$' cat "$WORKDIR/other.out"
timeout 110 tail --pid="$SANITIZE_PID" -f /dev/null
wait "$SANITIZE_PID"
check_output "the SANITIZE of the 256 TiB nullio LUN completes GOOD" '^GOOD' cat "$WORKDIR/sanitize.out"
check_stop
finish
