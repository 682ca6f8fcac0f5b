#!/usr/bin/env bash
# qemu_roundtrip.sh - 64 MiB of random data written to the fileio LUN with
# qemu-img's iSCSI driver, read back (the whole 1 GiB LUN) and compared
# byte for byte; qemu-io pattern writes verified on read; and after the
# daemon stopped, the same bytes are in the backing file var/lun1.img.
. "$(dirname "$0")/../lib.sh"

plan 12

require_daemon
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"

MIB=1048576
SIZE=$((64 * MIB))
head -c $SIZE /dev/urandom >"$WORKDIR/in.raw"

check "qemu-img convert writes 64 MiB to LUN 1" \
	timeout 120 qemu-img convert -n -f raw -O raw "$WORKDIR/in.raw" "$(url 1)"
check "qemu-img convert reads LUN 1 back" \
	timeout 180 qemu-img convert -f raw -O raw "$(url 1)" "$WORKDIR/out.raw"
check "the read-back LUN is 1 GiB" test "$(stat -c %s "$WORKDIR/out.raw" 2>/dev/null)" = 1073741824
check "the first 64 MiB read back equal what was written" \
	cmp -n $SIZE "$WORKDIR/in.raw" "$WORKDIR/out.raw"
rm -f "$WORKDIR/out.raw"

# qemu-io verifies a fill pattern itself; an unaligned 3.5 KiB write at an
# odd sector exercises partial requests.
qemu_io_pattern() {  # qemu_io_pattern OFFSET LEN BYTE
	local out
	out=$(timeout 60 qemu-io -f raw -c "write -P $3 $1 $2" -c "read -P $3 $1 $2" "$(url 1)" 2>&1)
	echo "$out"
	! grep -qi 'fail\|error' <<<"$out" &&
		[ "$(grep -c "^wrote $2/$2 bytes\|^read $2/$2 bytes" <<<"$out")" -eq 2 ]
}
check "qemu-io writes and verifies 8 MiB of 0xa5 at 100 MiB" qemu_io_pattern $((100 * MIB)) $((8 * MIB)) 0xa5
check "qemu-io writes and verifies 3584 bytes of 0x3c at sector 300001" \
	qemu_io_pattern $((300001 * 512)) 3584 0x3c

check_alive "daemon alive after the round trip"
check_stop

pattern_in_backing_file() {  # OFFSET LEN BYTE
	cmp <(dd if="$WORKDIR/var/lun1.img" bs=512 skip=$(($1 / 512)) count=$(($2 / 512)) 2>/dev/null) \
		<(head -c "$2" /dev/zero | tr '\0' "\\$(printf '%03o' "$3")")
}
check "the backing file holds the 64 MiB written through iSCSI" \
	cmp -n $SIZE "$WORKDIR/in.raw" "$WORKDIR/var/lun1.img"
check "the backing file holds qemu-io's 0xa5 pattern at 100 MiB" \
	pattern_in_backing_file $((100 * MIB)) $((8 * MIB)) 0xa5
check "the backing file holds qemu-io's 0x3c pattern at sector 300001" \
	pattern_in_backing_file $((300001 * 512)) 3584 0x3c
finish
