#!/usr/bin/env bash
# user_changer.sh - the example medium changer examples/user_changer (SMC-3,
# peripheral type 8, scst_user CDB mode) driven by a real initiator
# (libiscsi, scsi_cdb), every answer compared with the bytes SMC-3 and
# SPC-4 define for it: INQUIRY and its VPD pages; the Element Address
# Assignment mode page; READ ELEMENT STATUS with its data header, element
# status pages and descriptors (FULL, ACCESS, IMPEXP, SVALID and the
# SOURCE STORAGE ELEMENT ADDRESS, PVOLTAG with the primary volume tags),
# all types or one, the report count kept whatever the allocation length;
# MOVE MEDIUM slot -> drive -> slot with the volume tag following the
# medium; the ILLEGAL REQUEST senses of SMC-3 for an empty source
# (3B/0E), a full destination (3B/0D), an invalid element (21/01), INVERT
# (24/00); POSITION TO ELEMENT; INITIALIZE ELEMENT STATUS taking the
# operator's changes to the inventory file, except the mail slot while
# PREVENT ALLOW MEDIUM REMOVAL prevents it; and the inventory kept across
# a restart of the handler.  Without a handler INQUIRY answers peripheral
# qualifier 001b.
. "$(dirname "$0")/../lib.sh"
plan 28

require_daemon
require_tools scsi_cdb
EX=$(dirname "$SCSTD")/examples
IQN=iqn.2026-12.org.scstd:changer
USOCK=$WORKDIR/handlers.sock
INV=$WORKDIR/inventory

cat >"$WORKDIR/changer.conf" <<CONF
HANDLER scst_user {
	DEVICE changer0 {
		type 8
		cmd_timeout 20
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 changer0
		enabled 1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/changer.conf" --user-socket "$USOCK"; then
	not_ok "scstd starts with a type-8 CDB-mode scst_user device"
	finish
fi
ok "scstd starts with a type-8 CDB-mode scst_user device"

# cdb LINES...: scsi_cdb's answers on LUN 0, whole sense shown; the login
# sends no TEST UNIT READY, so the first answer is the nexus's UA.
cdb() {
	printf '%s\n' "$@" quit | SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 60 \
		"$(tool scsi_cdb)" "iscsi://127.0.0.1:$PORT/$IQN/0"
}
# the answers after the UA the first TEST UNIT READY takes
one() { cdb "cdb 000000000000" "$@" | sed 1d; }

start_changer() {  # two drives, four slots
	"$EX/user_changer" -s "$USOCK" -d 2 -n 4 changer0 "$INV" >"$WORKDIR/changer.out" 2>&1 &
	CHANGER_PID=$!
	BG_PIDS+=($!)
	eventually 10 grep -q serving "$WORKDIR/changer.out"
}

# SMC-3 data and CDBs: desc, page, header, res, move (tests/smc.sh).
. "$(dirname "$0")/../smc.sh"

# --- no handler yet -----------------------------------------------------------
# SPC-4 INQUIRY byte 0: PERIPHERAL QUALIFIER 001b | type 08h = 28h.
check_output "without a handler INQUIRY says type 8 with qualifier 001b" '^GOOD 28' \
	one "cdb 120000002400 36"

# Slots 1000h and 1001h hold VOL001 and VOL002; the rest is empty.
printf '# test inventory\n1000 VOL001\n1001 VOL002\n' >"$INV"
check "user_changer attaches to changer0" start_changer

# --- identity and geometry ------------------------------------------------------
# Standard INQUIRY: type 08h, RMB, VERSION 6 (SPC-4), format 2, length 31,
# then T10 vendor "SCSTD   " and the product.
check_output "INQUIRY: medium changer (08h), removable, SPC-4, the product" \
	"^GOOD 088006021f000000$(printf 'SCSTD   user_changer' | od -An -tx1 | tr -d ' \n')" \
	one "cdb 120000002400 36"
# Supported VPD pages 00h 80h 83h; 83h: one T10 vendor ID designator
# (code set 2, association 0 / type 1) with the serial number (the name).
check_output "VPD 00h lists 00h, 80h, 83h" '^GOOD 0800000300 ?8083$' one "cdb 120100002400 36"
check_output "VPD 83h: a T10 vendor ID designator, SCSTD + the unit's serial" \
	"^GOOD 08830014020100105343535444202020$(printf changer0 | od -An -tx1 | tr -d ' \n')\$" \
	one "cdb 120183004000 64"
# MODE SENSE(6) page 1Dh: header (MODE DATA LENGTH 23, 0, 0, no block
# descriptors), then page code 1Dh, length 12h, first transport 0001h x1,
# first storage 1000h x4, first import/export 0010h x1, first data
# transfer 0100h x2, 2 reserved.
check_output "MODE SENSE page 1Dh: the element address assignment" \
	'^GOOD 170000001d120001000110000004001000010100000200 ?00$' \
	one "cdb 1a081d00ff00 255"

# MODE SENSE(10) page 1Fh, Device Capabilities: 8-byte header (MODE DATA
# LENGTH 26, no block descriptors), 1Fh, length 12h, byte 2 StorDT,
# StorI/E, StorST (0Eh: all but the transport store media), MOVE MEDIUM
# from MT (none), ST, I/E, DT to DT, I/E, ST (0Eh each), no EXCHANGE
# MEDIUM.  PC 11b (saved values): SAVING PARAMETERS NOT SUPPORTED.
out=$(one "cdb 5a081f00000000010000 256" "cdb 1a08dd00ff00 255")
check "MODE SENSE(10) page 1Fh: the device capabilities; saved values 05/39/00" \
	answers_are "$out" "^GOOD 001a0000000000001f120e00000e0e0e$(printf '%024d' 0)\$" \
	'^CHECK 05/39/00'
# --- element status after INITIALIZE ELEMENT STATUS -------------------------------
ALL=$(header 0001 8 $((4 * 8 + 8 * 52)))
ALL+=$(page 1 1)$(desc 0001 $MT_EMPTY)
ALL+=$(page 3 1)$(desc 0010 $IE_EMPTY)
ALL+=$(page 4 2)$(desc 0100 $EMPTY)$(desc 0101 $EMPTY)
ALL+=$(page 2 4)$(desc 1000 $FULL VOL001)$(desc 1001 $FULL VOL002)$(desc 1002 $EMPTY)$(desc 1003 $EMPTY)
out=$(one "cdb 070000000000" "$(res 0 0000 ffff 4096)")
check "INITIALIZE ELEMENT STATUS, then READ ELEMENT STATUS of all types with volume tags" \
	answers_are "$out" '^GOOD $' "^GOOD $ALL\$"
# ALLOCATION LENGTH 8: just the header, whose counts stay those of the
# whole report (SMC-3: not adjusted to the allocation length).
check_output "READ ELEMENT STATUS with 8 bytes: the header, counts of the whole report" \
	"^GOOD $(header 0001 8 $((4 * 8 + 8 * 52)))\$" one "$(res 0 0000 ffff 8)"
# Storage only, from 1001h, at most 2: 1001h and 1002h.
check_output "READ ELEMENT STATUS storage from 1001h, 2 elements" \
	"^GOOD $(header 1001 2 $((8 + 2 * 52)))$(page 2 2)$(desc 1001 $FULL VOL002)$(desc 1002 $EMPTY)\$" \
	one "$(res 2 1001 0002 1024)"
# Without VOLTAG, slot 1000h alone: header (1000h, 1 element, 24 bytes),
# page (type 2, PVOLTAG 0, descriptor length 16, 16 bytes), descriptor
# 1000h FULL|ACCESS and 13 zero bytes.
check_output "READ ELEMENT STATUS without VOLTAG: 16-byte descriptors, no tags" \
	"^GOOD 10000001000000180200001000000010100009$(printf '%026d' 0)\$" \
	one "cdb b80210000001000000ff00 255"

# --- moves ----------------------------------------------------------------------------
out=$(one "$(move 1000 0100)" "$(res 4 0000 ffff 1024)")
check "MOVE MEDIUM slot 1000h -> drive 0100h: VOL001 in the drive, SVALID, source 1000h" \
	answers_are "$out" '^GOOD $' \
	"^GOOD $(header 0100 2 $((8 + 2 * 52)))$(page 4 2)$(desc 0100 $FULL VOL001 1000)$(desc 0101 $EMPTY)\$"
STORAGE_AFTER=$(header 1000 4 $((8 + 4 * 52)))$(page 2 4)$(desc 1000 $EMPTY)$(desc 1001 $FULL VOL002)
STORAGE_AFTER+=$(desc 1002 $EMPTY)$(desc 1003 $FULL VOL001 1000)
out=$(one "$(move 0100 1003)" "$(res 2 0000 ffff 1024)")
check "MOVE MEDIUM drive -> slot 1003h: VOL001 there, its source still slot 1000h" \
	answers_are "$out" '^GOOD $' "^GOOD $STORAGE_AFTER\$"

# SMC-3 MOVE MEDIUM errors (fixed sense: key byte 2, ASC/ASCQ bytes 12-13).
check_output "MOVE MEDIUM from the empty slot 1000h: 05/3B/0E MEDIUM SOURCE ELEMENT EMPTY" \
	'^CHECK 05/3b/0e 700005000000000a000000003b0e00000000$' one "$(move 1000 1002)"
check_output "MOVE MEDIUM onto the full slot 1003h: 05/3B/0D MEDIUM DESTINATION ELEMENT FULL" \
	'^CHECK 05/3b/0d 700005000000000a000000003b0d00000000$' one "$(move 1001 1003)"
out=$(one "$(move 1001 2000)" "$(move 1001 0001)" "$(move 1001 1002 0100)")
check "MOVE MEDIUM to no element, to the transport, by a drive as transport: 05/21/01 each" \
	answers_are "$out" '^CHECK 05/21/01' '^CHECK 05/21/01' '^CHECK 05/21/01'
check_output "MOVE MEDIUM with INVERT (no rotation): 05/24/00" '^CHECK 05/24/00' \
	one "$(move 1001 1002 0001 01)"
out=$(one "cdb 2b0000011003000000000000" "cdb 2b0000012000000000000000")
check "POSITION TO ELEMENT 1003h is GOOD, to 2000h 05/21/01" \
	answers_are "$out" '^GOOD $' '^CHECK 05/21/01'
check_output "the failed moves changed nothing" "^GOOD $STORAGE_AFTER\$" \
	one "$(res 2 0000 ffff 1024)"

# --- the inventory across a restart of the handler ------------------------------------------
kill -TERM "$CHANGER_PID"
wait "$CHANGER_PID" 2>/dev/null
check "a new user_changer attaches" start_changer
check_output "after the restart the elements are as they were moved" "^GOOD $STORAGE_AFTER\$" \
	one "$(res 2 0000 ffff 1024)"

# --- the operator and the mail slot -------------------------------------------------------------
# A cartridge put in the import/export element by the operator (an edit of
# the inventory): IMPEXP 1, no source.  Moved out by the transport and
# back in: IMPEXP 0, SVALID with the slot it came from.
echo "0010 NEW001" >>"$INV"
out=$(one "cdb 070000000000" "$(res 3 0000 ffff 255)" "$(move 0010 1002)" "$(move 1002 0010)" \
	"$(res 3 0000 ffff 255)")
check "an imported cartridge: IMPEXP 1; moved to a slot and exported again: IMPEXP 0, source 1002h" \
	answers_are "$out" '^GOOD $' "^GOOD $(header 0010 1 60)$(page 3 1)$(desc 0010 $IE_IMPORTED NEW001)\$" \
	'^GOOD $' '^GOOD $' "^GOOD $(header 0010 1 60)$(page 3 1)$(desc 0010 $IE_EXPORTED NEW001 1002)\$"
# PREVENT ALLOW MEDIUM REMOVAL 1Eh, PREVENT 01b: the operator's removal
# from the mail slot is not taken; after ALLOW (00b) it is.
sed -i '/NEW001/d' "$INV"
out=$(one "cdb 1e0000000100" "cdb 070000000000" "$(res 3 0000 ffff 255)" "cdb 1e0000000000" \
	"cdb 070000000000" "$(res 3 0000 ffff 255)")
check "while removal is prevented the mail slot keeps its cartridge; allowed, it is gone" \
	answers_are "$out" '^GOOD $' '^GOOD $' \
	"^GOOD $(header 0010 1 60)$(page 3 1)$(desc 0010 $IE_EXPORTED NEW001 1002)\$" '^GOOD $' '^GOOD $' \
	"^GOOD $(header 0010 1 60)$(page 3 1)$(desc 0010 $IE_EMPTY)\$"
# A hostile inventory (an element that does not exist) is refused by
# INITIALIZE ELEMENT STATUS with nothing changed.
echo "7777 BAD001" >>"$INV"
out=$(one "cdb 070000000000" "$(res 2 0000 ffff 1024)")
check "a broken inventory file: INITIALIZE ELEMENT STATUS fails 04/44/00, nothing changes" \
	answers_are "$out" '^CHECK 04/44/00' "^GOOD $STORAGE_AFTER\$"

check_alive "daemon alive after everything"
check_stop "daemon stops with the changer handler attached (exit 0, clean log)"
check "the changer handler exits when scstd goes" eventually 10 \
	bash -c "! kill -0 $CHANGER_PID 2>/dev/null"
finish
