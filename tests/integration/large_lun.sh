#!/usr/bin/env bash
# large_lun.sh - a LUN past the reach of 32-bit LBAs: a sparse 4 TiB
# vdisk_fileio file (2^33 blocks of 512 bytes).  SBC-4 READ CAPACITY(10):
# a last LBA above FFFFFFFEh is reported as FFFFFFFFh, telling the
# initiator to ask READ CAPACITY(16), which gives the real last LBA
# (1FFFFFFFFh).  WRITE(16)/READ(16) reach LBAs above 2^32 and land at
# byte offset LBA * 512 of the file; the last LBA works, the one after it
# is LOGICAL BLOCK ADDRESS OUT OF RANGE (5/21/00).
. "$(dirname "$0")/../lib.sh"

plan 11
require_daemon
require_tools scsi_cdb
IQN=iqn.2026-12.org.scstd:large
IMG=$WORKDIR/large.img

if ! truncate -s 4T "$IMG" 2>/dev/null; then
	skip_rest "the file system of $WORKDIR cannot hold a sparse 4 TiB file"
fi
cat >"$WORKDIR/large.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE big {
		filename $IMG
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 big
	}
}
CONF
start_daemon --config "$WORKDIR/large.conf" || { not_ok "scstd starts with a 4 TiB LUN"; finish; }
ok "scstd starts with a 4 TiB LUN"

coproc CDB { timeout 120 "$(tool scsi_cdb)" "$(url 0 $IQN)" 2>&1; }
cdb() {  # cdb LINE: one answer of the session
	local line
	echo "$1" >&"${CDB[1]}"
	IFS= read -r -t 30 line <&"${CDB[0]}" || line="(no answer)"
	echo "$line"
}
answers() {  # answers NAME LINE REGEX
	check_output "$1" "$3" cdb "$2"
}
pattern=$(python3 -c 'print(("scstd-above-2^32-" * 40)[:512].encode().hex())')
high=0000000100000005               # LBA 2^32 + 5
last=00000001ffffffff               # 2^33 - 1

answers "READ CAPACITY(10) saturates: FFFFFFFFh, 512-byte blocks" \
	"cdb 25000000000000000000 8" '^GOOD ffffffff00000200$'
answers "READ CAPACITY(16): last LBA 1FFFFFFFFh, 512-byte blocks" \
	"cdb 9e100000000000000000000000200000 32" '^GOOD 00000001ffffffff00000200'
answers "WRITE(16) at LBA 2^32 + 5" "out 8a00${high}000000010000 $pattern" '^GOOD $'
answers "READ(16) at LBA 2^32 + 5 returns it" "cdb 8800${high}000000010000 512" "^GOOD $pattern\$"
answers "READ(16) at LBA 5 does not (no 32-bit wrap)" \
	"cdb 88000000000000000005000000010000 512" '^GOOD (00)+$'
answers "WRITE(16) of the last LBA" "out 8a00${last}000000010000 $pattern" '^GOOD $'
answers "WRITE(16) one block past the end: 5/21/00" \
	"out 8a000000000200000000000000010000 $pattern" '^CHECK 05/21/00$'
echo quit >&"${CDB[1]}"
wait "$CDB_PID" 2>/dev/null
check_stop
check "the block is in the file at byte (2^32 + 5) * 512" bash -c \
	"[ \"\$(dd if='$IMG' bs=512 skip=$(((1 << 32) + 5)) count=1 2>/dev/null | od -An -tx1 -v | tr -d ' \n')\" = '$pattern' ]"
check "the last block is the file's last 512 bytes" bash -c \
	"[ \"\$(tail -c 512 '$IMG' | od -An -tx1 -v | tr -d ' \n')\" = '$pattern' ]"
finish
