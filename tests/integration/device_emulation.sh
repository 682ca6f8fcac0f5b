#!/usr/bin/env bash
# device_emulation.sh - the SPC/SBC commands of a fileio LUN that change
# or describe the device, over two real iSCSI sessions (two I_T nexuses,
# scsi_cdb): MODE SELECT of WCE and SWP with MODE PARAMETERS CHANGED on the
# other nexus only, writes refused with 07/27/02 under SWP, MODE SELECT
# parameter list errors with their exact sense, LOG SENSE, READ/WRITE
# BUFFER, REPORT TARGET PORT GROUPS, REPORT SUPPORTED TASK MANAGEMENT
# FUNCTIONS, REPORT SUPPORTED OPERATION CODES with timeouts descriptors,
# and the Extended INQUIRY VPD page; resync_size with CAPACITY DATA HAS
# CHANGED on both nexuses; threads_num / threads_pool_type accepted,
# shown and checked.
. "$(dirname "$0")/../lib.sh"

plan 60

require_daemon
require_tools scsi_cdb
IQN=iqn.2026-11.org.scstd:emul
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
IMG=$WORKDIR/disk.img
truncate -s 16M "$IMG"

cat >"$WORKDIR/emul.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 {
		filename $IMG
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 d0
	}
}
CONF

start_daemon --config "$WORKDIR/emul.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with a fileio device"; finish; }
ok "scstd starts with a fileio device"
URL=$(url 0 "$IQN")

coproc A { "$(tool scsi_cdb)" "$URL" 2>&1; }
coproc B { SCSI_CDB_INITIATOR=iqn.2026-11.org.scstd:second "$(tool scsi_cdb)" "$URL" 2>&1; }
qa() {
	local line
	echo "$1" >&"${A[1]}" || return 1
	read -r -t 30 line <&"${A[0]}" || return 1
	echo "$line"
}
qb() {
	local line
	echo "$1" >&"${B[1]}" || return 1
	read -r -t 30 line <&"${B[0]}" || return 1
	echo "$line"
}
answers() {  # answers NAME qa|qb CMD REGEX
	local out
	out=$($2 "$3")
	if grep -Eq -- "$4" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1 (expected /$4/, got '$out')"
	fi
}
zeros() { printf '0%.0s' $(seq $(($1 * 2))); }

TUR="cdb 000000000000"
BLOCK_AA=$(printf 'aa%.0s' $(seq 512))
WRITE1="out 2a000000001000000100 $BLOCK_AA"
READ1="cdb 28000000001000000100 512"
CACHING_WT="00000000""0812""00$(zeros 17)"       # header, caching page, WCE 0
CACHING_WB="00000000""0812""04$(zeros 17)"       # WCE 1
CONTROL_SWP="00000000""0a0a""20100800""0000ffff0000"
CONTROL_NOSWP_PAGE="0a0a""20100000""0000ffff0000"
CONTROL_NOSWP="00000000$CONTROL_NOSWP_PAGE"

answers "both nexuses are ready" qb "$TUR" '^GOOD'
answers "MODE SENSE PC=1: WCE is changeable" qa "cdb 1a0848000c00 255" '^GOOD 1700100008120400'
answers "MODE SENSE PC=1: SWP, TAS, D_SENSE changeable" qa "cdb 1a084a000c00 255" \
	'^GOOD 0f0010000a0a04000840'
answers "MODE SELECT(6) clears WCE" qa "out 151000001800 $CACHING_WT" '^GOOD'
answers "the other nexus gets MODE PARAMETERS CHANGED (06/2A/01)" qb "$TUR" '^CHECK 06/2a/01$'
answers "... once" qb "$TUR" '^GOOD'
answers "the nexus that changed it gets no unit attention" qa "$TUR" '^GOOD'
answers "MODE SENSE: WCE now 0" qb "cdb 1a0808000c00 255" '^GOOD 1700100008120000'
answers "write-through WRITE(10)" qa "$WRITE1" '^GOOD'
answers "read back" qb "$READ1" "^GOOD $BLOCK_AA\$"
answers "MODE SELECT(6) sets WCE again" qa "out 151000001800 $CACHING_WB" '^GOOD'
answers "06/2A/01 for the other nexus again" qb "$TUR" '^CHECK 06/2a/01$'

answers "MODE SELECT(6) sets SWP" qa "out 151000001000 $CONTROL_SWP" '^GOOD'
answers "06/2A/01 after SWP" qb "$TUR" '^CHECK 06/2a/01$'
answers "WRITE(10) under SWP: DATA PROTECT, SOFTWARE WRITE PROTECTED" qb "$WRITE1" \
	'^CHECK 07/27/02$'
answers "WRITE(10) from the nexus that set SWP fails too" qa "$WRITE1" '^CHECK 07/27/02$'
answers "reads still work under SWP" qb "$READ1" "^GOOD $BLOCK_AA\$"
answers "MODE SENSE(6) header shows WP" qb "cdb 1a080a000400 4" '^GOOD 0f009000$'
answers "MODE SELECT(6) clears SWP" qb "out 151000001000 $CONTROL_NOSWP" '^GOOD'
answers "06/2A/01 for the first nexus" qa "$TUR" '^CHECK 06/2a/01$'
answers "WRITE(10) works again" qa "$WRITE1" '^GOOD'

answers "MODE SELECT with SP: 05/24/00" qa "out 151100001800 $CACHING_WB" '^CHECK 05/24/00$'
answers "MODE SELECT changing RCD: 05/26/00" qa \
	"out 151000001800 00000000""0812""05$(zeros 17)" '^CHECK 05/26/00$'
answers "MODE SELECT with a wrong page length: 05/26/00" qa \
	"out 151000001800 00000000""0811""04$(zeros 17)" '^CHECK 05/26/00$'
answers "MODE SELECT cut inside a page: 05/1A/00" qa "out 151000000a00 00000000081204000000" \
	'^CHECK 05/1a/00$'
answers "MODE SELECT(10) with the current values" qa \
	"out 55100000000000001400 $(zeros 8)$CONTROL_NOSWP_PAGE" '^GOOD$'

answers "LOG SENSE: supported pages 00h, 2Fh (not thin: no 0Ch)" qa "cdb 4d004000000000004000 64" \
	'^GOOD 00000002002f$'
answers "LOG SENSE: informational exceptions, no failure predicted" qa \
	"cdb 4d006f00000000004000 64" '^GOOD af000006000003020000$'
answers "LOG SENSE of page 0x0C on a thick LU: 05/24/00" qa "cdb 4d004c00000000004000 64" \
	'^CHECK 05/24/00$'
answers "LOG SENSE of page 0x0D: 05/24/00" qa "cdb 4d004d00000000004000 64" '^CHECK 05/24/00$'
answers "WRITE BUFFER mode 02h" qa "out 3b020000001000000400 deadbeef" '^GOOD'
answers "READ BUFFER mode 02h from the other nexus" qb "cdb 3c020000000e00000800 8" \
	'^GOOD 0000deadbeef0000$'
answers "READ BUFFER mode 03h: capacity 16 KiB" qa "cdb 3c030000000000000400 4" '^GOOD 00004000$'
answers "READ BUFFER past the end: 05/24/00" qa "cdb 3c020000400000000100 1" '^CHECK 05/24/00$'
answers "REPORT TARGET PORT GROUPS: one group, active/optimized" qa \
	"cdb a30a00000000000001000000 256" '^GOOD 0000000c80010001000000010000'
answers "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS" qa "cdb a30d00000000000000100000 16" \
	'^GOOD de060000$'
answers "REPORT SUPPORTED OPERATION CODES, LOG SENSE with RCTD" qa \
	"cdb a30c814d0000000000400000 64" '^GOOD 0083000a4d00ff..00ff'
answers "REPORT SUPPORTED OPERATION CODES, all, with RCTD" qa \
	"cdb a30c80000000000001000000 256" '^GOOD ........0000000000020006000a'
# SPC-4 Extended INQUIRY Data byte 5: HEADSUP, ORDSUP and SIMPSUP, the
# task attributes honoured (iscsi_taskset's "ordered" in taskset_abort.sh
# shows ORDERED and HEAD OF QUEUE at work); byte 6 V_SUP, a volatile cache.
answers "Extended INQUIRY VPD page: HEADSUP ORDSUP SIMPSUP" qa "cdb 120186004000 64" '^GOOD 0086003c00070100'
answers "standard INQUIRY: TPGS 01b" qa "cdb 120000004000 64" '^GOOD 0000061245180002'

truncate -s 32M "$IMG"
answers "READ CAPACITY before resync_size: 16 MiB" qa "cdb 25000000000000000000 8" \
	'^GOOD 00007fff00000200$'
check "write 1 to resync_size" ctl write devices/d0/resync_size 1
answers "first nexus: CAPACITY DATA HAS CHANGED (06/2A/09)" qa "$TUR" '^CHECK 06/2a/09$'
answers "second nexus: 06/2A/09 too" qb "$TUR" '^CHECK 06/2a/09$'
answers "READ CAPACITY after resync_size: 32 MiB" qa "cdb 25000000000000000000 8" \
	'^GOOD 0000ffff00000200$'
check_output "size attribute follows" '^33554432$' ctl read devices/d0/size
if ctl write devices/d0/resync_size 2 >/dev/null 2>&1; then
	not_ok "resync_size refuses anything but 1"
else
	ok "resync_size refuses anything but 1"
fi

check "add_device fileio with threads_num and threads_pool_type" \
	ctl write handlers/vdisk_fileio/mgmt add_device d1 filename="$IMG" ";" threads_num=4 ";" \
	threads_pool_type=shared
check_output "threads_num is shown" '^4$' ctl read devices/d1/threads_num
check_output "threads_pool_type is shown" '^shared$' ctl read devices/d1/threads_pool_type
if ctl write handlers/vdisk_fileio/mgmt add_device d2 filename="$IMG" ";" \
	threads_pool_type=bogus >/dev/null 2>&1; then
	not_ok "threads_pool_type=bogus is refused"
else
	ok "threads_pool_type=bogus is refused"
fi
check_output "the refusal says why" "threads_pool_type: expected per_initiator or shared" \
	cat "$DAEMON_LOG"
if ctl write handlers/vdisk_fileio/mgmt add_device d3 filename="$IMG" ";" \
	threads_num=many >/dev/null 2>&1; then
	not_ok "threads_num=many is refused"
else
	ok "threads_num=many is refused"
fi
check "threads_num=-1 (no pool, README.scst) is accepted" \
	ctl write handlers/vdisk_fileio/mgmt add_device d4 filename="$IMG" ";" threads_num=-1
check "del_device d4" ctl write handlers/vdisk_fileio/mgmt del_device d4
if ctl write handlers/vdisk_nullio/mgmt add_device n1 threads_num=2 >/dev/null 2>&1; then
	not_ok "nullio refuses threads_num (no I/O threads to size)"
else
	ok "nullio refuses threads_num (no I/O threads to size)"
fi
check "del_device d1" ctl write handlers/vdisk_fileio/mgmt del_device d1

echo quit >&"${A[1]}"
echo quit >&"${B[1]}"
sleep 0.2
check_alive "daemon alive after the emulation session"
check_stop
finish
