#!/usr/bin/env bash
# blockio.sh - the vdisk_blockio handler on a loop device over a sparse
# file: 16 MiB of random data written with qemu-img over iSCSI, read back
# byte-exact through the O_DIRECT path, and after the daemon stopped the
# same bytes are in the backing file.  The loop device is detached
# whatever happens; without losetup (or loop devices) the script skips
# visibly.
. "$(dirname "$0")/../lib.sh"

plan 8

require_daemon
IQN=iqn.2026-11.org.scstd:blockio
MIB=1048576
SIZE=$((16 * MIB))
LOOPDEV=

detach_loop() {
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	LOOPDEV=
}
# The daemon holds the device open: lib.sh's cleanup stops it first (its
# working directory kept until the device is gone), then detach.
lib_cleanup_and_detach() {
	local tmp=$WORKDIR
	KEEP_WORKDIR=1 lib_cleanup >/dev/null
	detach_loop
	[ "${KEEP_WORKDIR:-0}" = 1 ] || rm -rf "$tmp"
}
trap lib_cleanup_and_detach EXIT

truncate -s $((64 * MIB)) "$WORKDIR/backing.img"
if ! command -v losetup >/dev/null 2>&1 ||
	! LOOPDEV=$(losetup -f --show "$WORKDIR/backing.img" 2>/dev/null) || [ -z "$LOOPDEV" ]; then
	LOOPDEV=
	skip_rest "vdisk_blockio: no loop device available (losetup missing or not permitted)"
fi
note "backing loop device $LOOPDEV"

cat >"$WORKDIR/blockio.conf" <<CONF
HANDLER vdisk_blockio {
	DEVICE blk0 {
		filename $LOOPDEV
		thin_provisioned 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 blk0
	}
}
CONF

start_daemon --config "$WORKDIR/blockio.conf" || { not_ok "scstd starts on $LOOPDEV"; finish; }
ok "scstd starts with a vdisk_blockio device on $LOOPDEV"

head -c $SIZE /dev/urandom >"$WORKDIR/in.raw"
check "qemu-img convert writes 16 MiB to the blockio LUN" \
	timeout 120 qemu-img convert -n -f raw -O raw "$WORKDIR/in.raw" "$(url 0 $IQN)"
check "qemu-img convert reads the blockio LUN back" \
	timeout 120 qemu-img convert -f raw -O raw "$(url 0 $IQN)" "$WORKDIR/out.raw"
check "the read-back LUN is 64 MiB" test "$(stat -c %s "$WORKDIR/out.raw" 2>/dev/null)" = $((64 * MIB))
check "the first 16 MiB read back equal what was written" \
	cmp -n $SIZE "$WORKDIR/in.raw" "$WORKDIR/out.raw"
rm -f "$WORKDIR/out.raw"

check_alive "daemon alive after the round trip"
check_stop

check "the backing file holds the 16 MiB written through iSCSI" \
	cmp -n $SIZE "$WORKDIR/in.raw" "$WORKDIR/backing.img"
finish
