# smc.sh - SMC-3 READ ELEMENT STATUS data and MOVE MEDIUM CDBs, written
# from the standard, for the scripts that check a medium changer's answers
# (tests/integration/user_changer.sh, tests/vm/passthru.sh).  Sourced.

# The primary volume tag information (36 bytes): VOLUME IDENTIFIER, ASCII,
# left-justified and padded with spaces to 32 bytes, 2 reserved bytes,
# VOLUME SEQUENCE NUMBER (0 here).
smc_voltag() {
	local hex
	hex=$(printf '%s' "$1" | od -An -tx1 | tr -d ' \n')
	while [ ${#hex} -lt 64 ]; do hex=${hex}20; done
	echo "${hex}00000000"
}
# An element descriptor with PVOLTAG: ELEMENT ADDRESS (2), byte 2 the
# flags, reserved, ADDITIONAL SENSE CODE and QUALIFIER, 3 reserved bytes,
# byte 9 SVALID|INVERT|ED|MEDIUM TYPE, SOURCE STORAGE ELEMENT ADDRESS (2),
# the primary volume tag (zeros for an empty element), then CODE SET,
# IDENTIFIER TYPE, reserved, IDENTIFIER LENGTH (0): 52 bytes.
#   desc ADDR FLAGS [TAG [SOURCE]]
desc() {
	local addr=$1 flags=$2 tag=${3:-} src=${4:-} b9=00 s=0000 vt
	[ -n "$src" ] && { b9=80; s=$src; }
	if [ -n "$tag" ]; then vt=$(smc_voltag "$tag"); else vt=$(printf '%072d' 0); fi
	echo "${addr}${flags}000000000000${b9}${s}${vt}00000000"
}
# An element status page header: ELEMENT TYPE CODE, PVOLTAG (80h),
# ELEMENT DESCRIPTOR LENGTH 34h (52), reserved, BYTE COUNT OF DESCRIPTOR
# DATA AVAILABLE (3 bytes).   page TYPE DESCRIPTORS
page() { printf '%02x800034%08x' "$1" $(($2 * 52)); }
# The element status data header: FIRST ELEMENT ADDRESS REPORTED,
# NUMBER OF ELEMENTS AVAILABLE, reserved, BYTE COUNT OF REPORT AVAILABLE.
#   header FIRST COUNT BYTES
header() { printf '%s%04x%08x' "$1" "$2" "$3"; }
# Byte 2 of a descriptor: FULL 01h, IMPEXP 02h, ACCESS 08h, EXENAB 10h,
# INENAB 20h (the last three of an import/export element only); Linux's
# ch driver hands this byte to user space as is (CESTATUS_* of
# linux/chio.h, the same bits).
EMPTY=08 FULL=09 IE_EMPTY=38 IE_IMPORTED=3b IE_EXPORTED=39 MT_EMPTY=00

# scsi_cdb lines.  READ ELEMENT STATUS B8h: byte 1 VOLTAG 10h | ELEMENT
# TYPE CODE, STARTING ELEMENT ADDRESS 2-3, NUMBER OF ELEMENTS 4-5,
# ALLOCATION LENGTH 7-9.   res TYPE START COUNT ALLOC
res() {
	printf 'cdb b8%02x%s%s00%06x0000 %d' $((0x10 | $1)) "$2" "$3" "$4" "$4"
}
# MOVE MEDIUM A5h: TRANSPORT 2-3, SOURCE 4-5, DESTINATION 6-7, INVERT in
# byte 10.   move SOURCE DEST [TRANSPORT [BYTE10]]
move() { printf 'cdb a500%s%s%s0000%s00' "${3:-0001}" "$1" "$2" "${4:-00}"; }
