#!/usr/bin/env bash
# mgmt_attach.sh - a management command that hangs (add_device on a FIFO:
# open(2) waits for a writer) holds only the management lock, never
# scst_mutex: meanwhile a libiscsi login to an existing target and a READ
# through it answer at once, and SysfsRules' one-command-at-a-time shows
# as EAGAIN for LUN adds queued behind it (through scstctl and through an
# `echo >mgmt` on the FUSE mount), which run once the hung command ends.
# A read of the tree waits for it at most the timeout, then says EAGAIN.
# The same with a vcdrom medium insert (its filename store opens a file).
. "$(dirname "$0")/../lib.sh"

plan 27

require_daemon
require_tools scsi_cdb
use_scstctl
MNT=$WORKDIR/mnt
FIFO=$WORKDIR/slow.fifo
IQN_A=iqn.2026-11.org.scstd:attach-a
IQN_B=iqn.2026-11.org.scstd:attach-b
mkdir -p "$MNT"
mkfifo "$FIFO"

require_fuse
command -v iscsi-inq >/dev/null || skip_rest "iscsi-inq (libiscsi-bin) missing"
mounted() { grep -q " $MNT fuse" /proc/mounts; }
trap 'mounted && fusermount3 -u -z "$MNT"; lib_cleanup' EXIT

release_fifo() { timeout 10 sh -c "exec 3>'$FIFO'"; }

truncate -s 4M "$WORKDIR/disk.img"
printf 'attach-marker' | dd of="$WORKDIR/disk.img" conv=notrunc status=none
cat >"$WORKDIR/attach.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
HANDLER vdisk_nullio {
	DEVICE n1 {
		size_mb 1
	}
	DEVICE n2 {
		size_mb 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN_A {
		enabled 1
		LUN 0 d1
	}
	TARGET $IQN_B {
		enabled 1
	}
}
CONF
start_daemon --config "$WORKDIR/attach.conf" --ctl-socket "$SOCK" --mount "$MNT" \
	--mgmt-timeout 1000 || { not_ok "scstd starts with two targets and the tree mounted"; finish; }
ok "scstd starts with two targets and the tree mounted"

check_output "add_device on a FIFO answers EAGAIN after 1 s" '^scstctl: EAGAIN ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write handlers/vdisk_fileio/mgmt 'add_device slow filename=$FIFO; read_only=1' 2>&1"
check "it still runs" sh -c "! '$SCSTCTL' --socket '$SOCK' read last_sysfs_mgmt_res 2>/dev/null"

# ---- the I/O side never waits for management ----
SECONDS=0
check_output "meanwhile a login and INQUIRY to target A answer within 5 s" 'SCST_FIO' \
	timeout 5 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN_A/0"
hexmarker=$(printf 'attach-marker' | od -An -tx1 | tr -d ' \n')
check_output "and a READ(10) of block 0 through a new session returns the data" \
	"^GOOD $hexmarker" \
	sh -c "printf 'cdb 28000000000000000100 512\nquit\n' | timeout 5 '$(tool scsi_cdb)' 'iscsi://127.0.0.1:$PORT/$IQN_A/0'"
check "both within a few seconds ($SECONDS s)" test "$SECONDS" -le 8

# ---- management: one command at a time, the rest queued with EAGAIN ----
check_output "a LUN add on target B through scstctl is queued: EAGAIN" '^scstctl: EAGAIN ' \
	sh -c "! timeout 5 '$SCSTCTL' --socket '$SOCK' write 'targets/iscsi/$IQN_B/luns/mgmt' 'add n1 0' 2>&1"
check "stat of a mgmt file on the mount answers at once" \
	timeout 2 stat "$MNT/targets/iscsi/$IQN_B/luns/mgmt"
check_output "echo >mgmt on the mount is queued too: EAGAIN, not a hang" \
	'Resource temporarily unavailable' \
	timeout 5 bash -c "! echo 'add n2 1' 2>&1 >'$MNT/targets/iscsi/$IQN_B/luns/mgmt'"
check_output "a read of the tree answers EAGAIN after the timeout, not a hang" \
	'^scstctl: EAGAIN ' sh -c "! timeout 5 '$SCSTCTL' --socket '$SOCK' list devices 2>&1"
check_output "and on the mount" 'Resource temporarily unavailable' \
	timeout 5 sh -c "! cat '$MNT/devices/d1/size' 2>&1"
check "last_sysfs_mgmt_res still answers EAGAIN" \
	sh -c "! '$SCSTCTL' --socket '$SOCK' read last_sysfs_mgmt_res 2>/dev/null"

check "the FIFO gets a writer" release_fifo
check_output "then the queued LUN adds finish; the last result is 0" '^0$' wait_last_mgmt_res
check_output "the FIFO device was refused (EINVAL) and logged" \
	'finished after its caller left: -22, .*slow.fifo is neither' cat "$DAEMON_LOG"
check "slow was not created" sh -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -qx 'slow/'"
check_output "target B has LUNs 0 and 1" '^0/ 1/$' \
	sh -c "'$SCSTCTL' --socket '$SOCK' list 'targets/iscsi/$IQN_B/luns' | grep -v mgmt | sort | tr '\n' ' ' | sed 's/ \$//'"
check_output "and its LUN 0 answers a login" 'SCST_NUL' \
	timeout 5 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN_B/0"

# ---- vcdrom: inserting a medium opens a file as well ----
check "a vcdrom cd1 without a medium" ctl write handlers/vcdrom/mgmt "add_device cd1"
check_output "inserting the FIFO as its medium answers EAGAIN" '^scstctl: EAGAIN ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write devices/cd1/filename '$FIFO' 2>&1"
SECONDS=0
check_output "meanwhile a READ(10) through a new session to target A answers" \
	"^GOOD $hexmarker" \
	sh -c "printf 'cdb 28000000000000000100 512\nquit\n' | timeout 5 '$(tool scsi_cdb)' 'iscsi://127.0.0.1:$PORT/$IQN_A/0'"
check "within a few seconds ($SECONDS s)" test "$SECONDS" -le 5
check "the FIFO gets a writer" release_fifo
check_output "the insert is refused: -22 (EINVAL)" '^-22$' wait_last_mgmt_res
check_output "cd1 still has no medium (an empty filename)" '^$' ctl read devices/cd1/filename
check "cleanup: del_device cd1" ctl write handlers/vcdrom/mgmt "del_device cd1"

check_stop
finish
