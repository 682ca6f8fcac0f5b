#!/usr/bin/env bash
# log_sense.sh - LOG SENSE from a real libiscsi session (tests/tools/scsi_cdb)
# on a thin fileio LU: the supported pages list 00h, 0Ch and 2Fh; page 0Ch
# reports the backing file system's free space and the file's allocation
# in 1 MiB threshold sets (VPD page B2h's THRESHOLD EXPONENT), checked
# against df and du of the backing file, and follows a write and an UNMAP;
# the subpage lists and the parameter pointer; bad fields refused with
# ILLEGAL REQUEST, INVALID FIELD IN CDB.
. "$(dirname "$0")/../lib.sh"

plan 20

require_daemon
require_tools scsi_cdb
IQN=iqn.2026-11.org.scstd:logsense
IMG=$WORKDIR/thin.img
truncate -s 64M "$IMG"

cat >"$WORKDIR/log.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE thin0 {
		filename $IMG
		thin_provisioned 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 thin0
	}
}
CONF

start_daemon --config "$WORKDIR/log.conf" || { not_ok "scstd starts with a thin LU"; finish; }
ok "scstd starts with a thin LU"

coproc A { "$(tool scsi_cdb)" "$(url 0 "$IQN")" 2>&1; }
qa() {
	local line
	echo "$1" >&"${A[1]}" || return 1
	read -r -t 30 line <&"${A[0]}" || return 1
	echo "$line"
}
answers() {  # answers NAME CMD REGEX
	local out
	out=$(qa "$2")
	if grep -Eq -- "$3" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1 (expected /$3/, got '$out')"
	fi
}
# lbp_count BYTE: the 4-byte count at BYTE of page 0Ch.
LBP="cdb 4d004c00000000004000 64"
lbp_count() {
	local out
	out=$(qa "$LBP") || return 1
	echo $((16#${out:$((5 + $1 * 2)):8}))
}
MIB=$((1024 * 1024))
fs_free_mib() { echo $(($(stat -f -c '%a * %S' "$IMG") / MIB)); }
file_mib() { echo $((($(stat -c '%b * %B' "$IMG") + MIB - 1) / MIB)); }
near() {  # near A B: |A - B| <= 2 (the file system moves meanwhile)
	local d=$(($1 - $2))
	echo "reported $1, expected $2"
	[ "${d#-}" -le 2 ]
}

answers "supported pages: 00h, 0Ch, 2Fh" "cdb 4d004000000000004000 64" '^GOOD 00000003000c2f$'
answers "supported pages and subpages" "cdb 4d0040ff000000004000 64" \
	'^GOOD 40ff000c000000ff0c000cff2f002fff$'
answers "VPD B2h: THRESHOLD EXPONENT 11 (1 MiB of 512-byte blocks)" "cdb 1201b200ff00 255" \
	'^GOOD 00b200040b'
answers "page 0Ch: header and available resources parameter (shared)" "$LBP" \
	'^GOOD 8c00001800010308.{8}0200000000020308.{8}01000000$'
check "available LBA mapping resources = free space of the file system" \
	near "$(lbp_count 8)" "$(fs_free_mib)"
check "used LBA mapping resources = the file's allocation (empty file)" \
	near "$(lbp_count 20)" "$(file_mib)"
check "4 MiB written by qemu-io" \
	timeout 60 qemu-io -f raw -c "write -P 0xab 0 4M" "$(url 0 "$IQN")"
check "used resources follow the write" near "$(lbp_count 20)" "$(file_mib)"
check "... and are at least 4" test "$(lbp_count 20)" -ge 4
UNMAP_ALL="0016001000000000""0000000000000000""0000200000000000"
answers "UNMAP of those 4 MiB" "out 42000000000000001800 $UNMAP_ALL" '^GOOD'
check "used resources drop after UNMAP" near "$(lbp_count 20)" "$(file_mib)"
answers "parameter pointer 0002h: only the used resources" "cdb 4d004c00000002004000 64" \
	'^GOOD 8c00000c00020308.{8}01000000$'
answers "parameter pointer past 0002h: 05/24/00" "cdb 4d004c00000003004000 64" '^CHECK 05/24/00$'
answers "page 0Ch subpage 01h: 05/24/00" "cdb 4d004c01000000004000 64" '^CHECK 05/24/00$'
answers "page 0Dh: 05/24/00" "cdb 4d004d00000000004000 64" '^CHECK 05/24/00$'
answers "SP bit: 05/24/00" "cdb 4d014c00000000004000 64" '^CHECK 05/24/00$'
answers "informational exceptions: no failure predicted" "cdb 4d006f00000000004000 64" \
	'^GOOD af000006000003020000$'
echo quit >&"${A[1]}"
wait "$A_PID" 2>/dev/null

check_alive "scstd alive with a clean log"
check_stop
finish
