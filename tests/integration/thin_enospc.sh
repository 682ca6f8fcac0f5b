#!/usr/bin/env bash
# thin_enospc.sh - a write that the backing file system cannot allocate.
# Two sparse 8 MiB LUN files live on a 64 KiB tmpfs: the thin_provisioned
# one must answer DATA PROTECT / SPACE ALLOCATION FAILED WRITE PROTECT
# (7/27/07, SBC-4 thin provisioning resource exhaustion) once the file
# system is full; the fully provisioned one keeps the write error
# (MEDIUM ERROR 3/0C/00: SBC-4 has no out-of-space condition for it).
. "$(dirname "$0")/../lib.sh"
plan 5

require_daemon
require_tools scsi_cdb
if [ "$(id -u)" != 0 ]; then
	skip "mounting a tmpfs needs root"
	finish
fi
FS=$WORKDIR/fs
mkdir -p "$FS"
if ! mount -t tmpfs -o size=64k "thin_enospc$$" "$FS"; then
	skip "cannot mount a tmpfs"
	finish
fi
# The daemon holds the LUN files open: it goes first, then the mount,
# then the working directory.
cleanup_fs() {
	if [ -n "$DAEMON_PID" ]; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
	umount "$FS" 2>/dev/null || umount -l "$FS" 2>/dev/null
	lib_cleanup
}
trap cleanup_fs EXIT
truncate -s 8M "$FS/thin.img" "$FS/thick.img"
IQN=iqn.2026-11.org.scstd:thin-enospc
cat >"$WORKDIR/thin.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE thin {
		filename $FS/thin.img
		thin_provisioned 1
	}
	DEVICE thick {
		filename $FS/thick.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 thin
		LUN 1 thick
	}
}
CONF
start_daemon --config "$WORKDIR/thin.conf" || { not_ok "scstd starts"; finish; }
ok "scstd starts with LUNs on a 64 KiB tmpfs"

# WRITE(10) of 2 blocks (1 KiB) at every 8th LBA: each one needs a page of
# its own, so 64 KiB of tmpfs is full after at most 16 of them.
writes() {
	local i data
	data=$(printf 'a5%.0s' $(seq 1 1024))
	for i in $(seq 0 39); do
		printf 'out 2a00%08x00000200 %s\n' $((i * 8)) "$data"
	done
	echo quit
}
# The first answer that is not GOOD; the file system must be full by then.
first_failure() {
	writes | timeout 60 "$(tool scsi_cdb)" "$(url "$1" "$IQN")" | grep -v '^GOOD' | head -1
}
check_output "thin LUN out of space: DATA PROTECT, SPACE ALLOCATION FAILED WRITE PROTECT" \
	'^CHECK 07/27/07$' first_failure 0
# The tmpfs is full now: the thick LUN fails at its first write.
check_output "fully provisioned LUN out of space: MEDIUM ERROR, WRITE ERROR" \
	'^CHECK 03/0[cC]/00$' first_failure 1
check_alive "daemon alive after the failed writes"
check_stop
finish
