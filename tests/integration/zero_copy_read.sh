#!/usr/bin/env bash
# zero_copy_read.sh - READs served from fileio's mapping of its backing
# file (handlers/vdisk_read_lend.c) on a sparse /dev/shm file: the whole
# LUN read back through iSCSI equals the file (data where it was written,
# zeros in the holes), reading the holes allocates nothing in tmpfs (a
# fault through the shared mapping would: such READs must be copied the
# ordinary way), and the daemon survives the backing file shrinking
# under 1 MiB reads.  (With DataDigest nothing is lent: libiscsi offers
# no data digest, iscsi_datadigest_conformance.sh covers that path.)
. "$(dirname "$0")/../lib.sh"

plan 8

require_daemon
SHM_IMG=$(mktemp /dev/shm/scstd-zero-copy.XXXXXX)
trap 'rm -f "$SHM_IMG"; lib_cleanup' EXIT
MIB=1048576
# 64 MiB, of which 4 MiB at 0 and 4 MiB at 32 MiB hold data.
truncate -s $((64 * MIB)) "$SHM_IMG"
head -c $((4 * MIB)) /dev/urandom | dd of="$SHM_IMG" conv=notrunc status=none
head -c $((4 * MIB)) /dev/urandom | dd of="$SHM_IMG" bs=$MIB seek=32 conv=notrunc status=none
cat >"$WORKDIR/zc.conf" <<EOC
HANDLER vdisk_fileio {
	DEVICE shm0 {
		filename $SHM_IMG
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 shm0
	}
}
EOC
start_daemon --ctl-socket none --config "$WORKDIR/zc.conf" || { not_ok "scstd starts"; finish; }
ok "scstd starts"

allocated_kib() { du -k "$SHM_IMG" | cut -f1; }
BEFORE=$(allocated_kib)

check "qemu-img reads the whole LUN back" \
	timeout 120 qemu-img convert -f raw -O raw "$(url 0)" "$WORKDIR/out.raw"
check "what it read equals the file (data and holes)" cmp "$SHM_IMG" "$WORKDIR/out.raw"
rm -f "$WORKDIR/out.raw"
check_output "reading the holes allocated nothing in tmpfs" "^$BEFORE$" allocated_kib

check "a 1 MiB read with iscsi-bench sees no errors" \
	timeout 60 "$(dirname "$SCSTD")/iscsi-bench" -t 1 -W 0 -w read -b 1M -q 4 "$(url 0)"

# Shrink the file under 1 MiB reads: pages that vanished are either not
# lent (not resident) or fail the send; the daemon must survive either.
timeout 60 "$(dirname "$SCSTD")/iscsi-bench" -t 3 -W 0 -w read -b 1M -q 8 "$(url 0)" \
	>"$WORKDIR/shrink.out" 2>&1 &
BENCH_PID=$!
sleep 1
truncate -s $MIB "$SHM_IMG"
wait $BENCH_PID
check_alive "daemon alive after its backing file shrank under 1 MiB reads"
check_output "a new session still reads the first MiB" "^read 1048576/1048576 bytes" \
	timeout 30 qemu-io -f raw -c "read 0 1M" "$(url 0)"
check_stop
finish
