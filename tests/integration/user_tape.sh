#!/usr/bin/env bash
# user_tape.sh - scst_user's CDB mode (docs/user-handlers.md): the example
# virtual tape drive examples/user_tape (a type-1 device whose handler is
# the device server) driven by a real initiator (libiscsi, scsi_cdb) with
# the answers SSC-4 defines: variable and fixed-block READ/WRITE(6),
# WRITE FILEMARKS, REWIND, SPACE over blocks, filemarks and to end of
# data, READ POSITION, the MODE SENSE/SELECT(6) block descriptor, the
# incorrect-length, filemark and end-of-data sense with their INFORMATION
# residues.  scstd keeps what SCST's scst_user keeps: REPORT LUNS,
# RESERVE/RELEASE and unit attentions (a second nexus is refused while the
# first holds a reservation, without the handler seeing it).  Without a
# handler INQUIRY answers peripheral qualifier 001b and the rest 02/04/03;
# a unit attention the drive reports to one nexus reaches the others;
# a handler of the wrong type or mode is refused; a handler killed with
# SIGKILL while it holds a command is survived (04/08/00), a new one
# attaches with a power-on UA and finds what was written.  Task management
# reaches a handler that announced it: ABORT TASK of a long SPACE through
# libiscsi stops the drive where it is and is answered at once, a LUN
# RESET is passed on, a handler written without task management still
# gets its command finished; hostile TM answers (ids never sent, bad
# lengths, none at all) end the connection, a late answer for a command
# given up does not.  A handler registers its own device (REGISTER): it is
# listed and exported like a created one, left out of a saved scst.conf,
# kept offline for its LUN when the handler goes, taken back by a new
# REGISTER, deleted when the handler goes and no LUN exports it or when it
# sends UNREGISTER; bad types, block sizes, names and taken names are
# refused with the reason.
. "$(dirname "$0")/../lib.sh"
plan 76

require_daemon
require_tools scsi_cdb user_badhandler
EX=$(dirname "$SCSTD")/examples
IQN=iqn.2026-12.org.scstd:tape
USOCK=$WORKDIR/handlers.sock
TAPE=$WORKDIR/tape.img

cat >"$WORKDIR/tape.conf" <<CONF
HANDLER scst_user {
	DEVICE tape0 {
		type 1
		cmd_timeout 20
	}
	DEVICE disk0 {
		size_mb 8
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 tape0
		LUN 1 disk0
		enabled 1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/tape.conf" --user-socket "$USOCK"; then
	not_ok "scstd starts with a CDB-mode scst_user device"
	finish
fi
ok "scstd starts with a CDB-mode scst_user device"

lun_url() { echo "iscsi://127.0.0.1:$PORT/$IQN/$1"; }

# cdb [INITIATOR] LINES...: scsi_cdb's answers on LUN 0, whole sense shown,
# on a session that logs in without TEST UNIT READY.
cdb() {
	printf '%s\n' "$@" quit | SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 60 \
		"$(tool scsi_cdb)" "$(lun_url 0)"
}
cdb_on() {  # cdb_on LUN LINES...
	local lun=$1
	shift
	printf '%s\n' "$@" quit | SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 60 \
		"$(tool scsi_cdb)" "$(lun_url "$lun")"
}
cdb_as() {
	local ini=$1
	shift
	printf '%s\n' "$@" quit | SCSI_CDB_INITIATOR=$ini SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 \
		timeout 60 "$(tool scsi_cdb)" "$(lun_url 0)"
}

start_tape() {  # start_tape [OPTION...]: backgrounds user_tape, waits for its attach
	"$EX/user_tape" -s "$USOCK" "$@" tape0 "$TAPE" >"$WORKDIR/tape.out" 2>&1 &
	TAPE_PID=$!
	BG_PIDS+=($!)
	eventually 10 grep -q serving "$WORKDIR/tape.out"
}

pattern() {  # pattern BYTE COUNT: COUNT bytes of BYTE, in hex
	printf "%0$(($2 * 2))d" 0 | sed "s/00/$1/g"
}

# --- no handler yet ----------------------------------------------------------
# SPC-4 INQUIRY: byte 0 is PERIPHERAL QUALIFIER 001b (not connected) | type 01h.
# INQUIRY is exempt from the login's UA (SPC-4 5.14), TEST UNIT READY gets it.
out=$(cdb "cdb 120000002400 36" "cdb 000000000000" "cdb 000000000000")
check "without a handler: INQUIRY says type 1, qualifier 001b; TEST UNIT READY 02/04/03" \
	answers_are "$out" '^GOOD 21' '^CHECK 06/29/00' '^CHECK 02/04/03'

# --- handlers of the wrong mode or type are refused ------------------------
refused() { ! "$@"; }
check_output "a byte-range handler (user_ramdisk) cannot attach to a CDB-mode device" \
	'CDB-mode' refused "$EX/user_ramdisk" -s "$USOCK" tape0
check_output "a CDB-mode handler cannot attach to a byte-range device" \
	'byte-range' refused "$EX/user_tape" -s "$USOCK" disk0 "$WORKDIR/other.img"

# Hostile CDB-mode handlers: each answer is refused, the handler cut off,
# and its command ends with LOGICAL UNIT COMMUNICATION FAILURE (04/08/00).
for mode in cdb-overlong cdb-nodata cdb-asio cdb-badstatus cdb-nosense cdb-tmdone tm-nosuch; do
	: >"$WORKDIR/bad.$mode.out"
	"$(tool user_badhandler)" "$USOCK" "$mode" tape0 >"$WORKDIR/bad.$mode.out" 2>&1 &
	bad=$!
	eventually 10 grep -q attached "$WORKDIR/bad.$mode.out"
	# REWIND has no data, READ POSITION reads 20 bytes.
	[ "$mode" = cdb-nodata ] && what="cdb 010000000000" || what="cdb 34000000000000000000 20"
	out=$(cdb "cdb 000000000000" "$what")
	wait "$bad"
	rc=$?
	check "a handler answering $mode is cut off, its command gets 04/08/00 (handler rc $rc)" \
		answers_are "$out" '^CHECK 06/29/00' '^CHECK 04/08/00'
	[ "$rc" = 0 ] || sed 's/^/#   /' "$WORKDIR/bad.$mode.out"
done
check_alive "daemon alive after the hostile CDB-mode handlers"

# Hostile answers to task management.  The handler holds a SPACE(6); the
# initiator's ABORT TASK for it goes to the handler as a TM message.  SAM-5:
# the aborted command gets no status, the abort "function complete" (0).
tmf_ms() { sed -n 's/^TMF 0 \([0-9]*\)$/\1/p' <<<"$1"; }
rc_and_answers() {  # rc_and_answers RC OUTPUT REGEX...: RC is 0 and answers_are
	local rc=$1
	shift
	[ "$rc" = 0 ] && answers_are "$@"
}
ms_below() { [ -n "$1" ] && [ "$1" -lt "$2" ]; }
ms_at_least() { [ -n "$1" ] && [ "$1" -ge "$2" ]; }
for mode in tm-unknown tm-badlen tm-late; do
	"$(tool user_badhandler)" "$USOCK" "$mode" tape0 >"$WORKDIR/bad.$mode.out" 2>&1 &
	bad=$!
	eventually 10 grep -q attached "$WORKDIR/bad.$mode.out"
	if [ "$mode" = tm-late ]; then
		# Given up, then answered: the answer is dropped, the handler
		# stays attached and gets the next command (REWIND).
		out=$(cdb "cdb 000000000000" "abort 110100000200 500" "cdb 010000000000")
		wait "$bad"
		rc=$?
		check "a late answer for a command the handler gave up is dropped, the connection stays (handler rc $rc)" \
			rc_and_answers "$rc" "$out" '^CHECK 06/29/00' '^TMF 0 ' '^GOOD $'
	else
		out=$(cdb "cdb 000000000000" "abort 110100000200 500")
		wait "$bad"
		rc=$?
		check "a handler answering a TM with $mode is cut off, the ABORT TASK completes (handler rc $rc)" \
			rc_and_answers "$rc" "$out" '^CHECK 06/29/00' '^TMF 0 '
	fi
	[ "$rc" = 0 ] || { sed 's/^/#   /' "$WORKDIR/bad.$mode.out"; echo "$out" | sed 's/^/#   /'; }
done
# A handler that never answers the TM: the connection ends after cmd_timeout
# (20 s), the abort completes all the same, the device is offline.
"$(tool user_badhandler)" "$USOCK" tm-silent tape0 >"$WORKDIR/bad.tm-silent.out" 2>&1 &
bad=$!
eventually 10 grep -q attached "$WORKDIR/bad.tm-silent.out"
out=$(cdb "cdb 000000000000" "abort 110100000200 500")
wait "$bad"
rc=$?
ms=$(tmf_ms "$out")
check "a handler that never answers a TM is cut off after cmd_timeout, the abort completes (${ms:-no} ms, handler rc $rc)" \
	ms_at_least "$([ "$rc" = 0 ] && echo "$ms")" 15000
out=$(cdb "cdb 000000000000" "cdb 000000000000")
check "... and the device is offline afterwards (02/04/03)" \
	answers_are "$out" '^CHECK 06/29/00' '^CHECK 02/04/03'
# A command still queued in scstd (the handler's 4 MiB data area is full
# with four 1 MiB READs it holds) is taken back by ABORT TASK at once: the
# handler never sees it, nor a TM for it.  Before, the abort waited for the
# handler to be cut off (cmd_timeout, 20 s).
"$(tool user_badhandler)" "$USOCK" tm-fill tape0 >"$WORKDIR/bad.tm-fill.out" 2>&1 &
bad=$!
eventually 10 grep -q attached "$WORKDIR/bad.tm-fill.out"
fill_pids=()
for i in 1 2 3 4; do
	cdb_as "iqn.2026-12.org.scstd:fill$i" "cdb 000000000000" "cdb 080010000000 1048576" \
		>/dev/null 2>&1 &
	fill_pids+=($!)
done
sleep 2
out=$(cdb "cdb 000000000000" "abort 080010000000 500 task 1048576")
wait "$bad"
wait "${fill_pids[@]}"
ms=$(tmf_ms "$(echo "$out" | sed -n 2p)")
queued_ok() { ms_below "$1" 4000 && grep -q 'held 4 commands, 0 TMs' "$2"; }
check "ABORT TASK of a command queued behind a full data area: taken back (${ms:-no answer} ms), never sent" \
	queued_ok "$ms" "$WORKDIR/bad.tm-fill.out"
[ -n "$ms" ] || { cat "$WORKDIR/bad.tm-fill.out"; echo "$out"; } | sed 's/^/#   /'

check "user_tape attaches to tape0" start_tape

# --- SSC-4 -------------------------------------------------------------------
A=$(pattern a1 200)
B=$(pattern b2 100)
C=$(pattern c3 256)$(pattern c4 256)
# WRITE(6) 0Ah variable (FIXED 0): one block of TRANSFER LENGTH bytes;
# WRITE FILEMARKS(6) 10h; MODE SELECT(6) 15h PF, a block descriptor of
# block length 256; WRITE(6) FIXED 2 blocks; READ POSITION 34h short form:
# the first logical object location (bytes 4-7) counts blocks and filemarks.
out=$(cdb "cdb 000000000000" \
	"out 0a000000c800 $A" "out 0a0000006400 $B" "cdb 100000000100" \
	"out 151000000c00 000000080000000000000100" \
	"cdb 1a003f000c00 12" \
	"out 0a0100000200 $C" "cdb 100000000100" \
	"cdb 34000000000000000000 20")
check "the first command after the attach is the power-on UA" \
	answers_are "$(echo "$out" | head -1)" '^CHECK 06/29/00'
check "variable WRITE(6) x2, WRITE FILEMARKS, MODE SELECT block length 256" \
	answers_are "$(echo "$out" | sed -n 2,5p)" '^GOOD $' '^GOOD $' '^GOOD $' '^GOOD $'
# MODE SENSE(6): header (length 11, medium type, device-specific, block
# descriptor length 8), then density, number of blocks, reserved, block length.
check_output "MODE SENSE(6) returns the block descriptor with block length 256" \
	'^GOOD 0b0010080000000000000100$' printf '%s\n' "$(echo "$out" | sed -n 6p)"
check "fixed WRITE(6) of 2 blocks and a filemark" \
	answers_are "$(echo "$out" | sed -n 7,8p)" '^GOOD $' '^GOOD $'
check_output "READ POSITION after 2 blocks, a filemark, 2 blocks, a filemark: object 6" \
	'^GOOD 0000000000000006000000060000000000000000$' printf '%s\n' "$(echo "$out" | sed -n 9p)"

# Objects now: 0 A(200) 1 B(100) 2 filemark 3 C(256) 4 C(256) 5 filemark, EOD 6.
# Fixed sense (SPC-4 4.5.3): byte 0 70h | VALID 80h, byte 2 FILEMARK 80h |
# EOM 40h | ILI 20h | key, INFORMATION bytes 3-6, ASC/ASCQ bytes 12-13.
out=$(cdb "cdb 000000000000" "cdb 010000000000" "cdb 34000000000000000000 20" \
	"cdb 08000000c800 200" "cdb 080000009600 150" "cdb 080000006400 100" \
	"cdb 080100000200 512" "cdb 080100000100 256" "cdb 080000006400 100" \
	"cdb 34000000000000000000 20")
check "a new nexus gets its power-on UA, REWIND is GOOD" \
	answers_are "$(echo "$out" | sed -n 1,2p)" '^CHECK 06/29/00' '^GOOD $'
check_output "READ POSITION at the beginning: BOP set, object 0" \
	'^GOOD 8000000000000000000000000000000000000000$' echo "$out" | sed -n 3p
check_output "variable READ(6) of the 200-byte block returns it" "^GOOD $A\$" \
	echo "$out" | sed -n 4p
check_output "READ(6) of 150 bytes over a 100-byte block: NO SENSE, ILI, INFORMATION 50" \
	'^CHECK 00/00/00 f00020000000320a00000000000000000000$' echo "$out" | sed -n 5p
check_output "READ(6) at a filemark: NO SENSE 00/01, FILEMARK, INFORMATION 100" \
	'^CHECK 00/00/01 f00080000000640a00000000000100000000$' echo "$out" | sed -n 6p
check_output "fixed READ(6) of 2 blocks returns both 256-byte blocks" "^GOOD $C\$" \
	echo "$out" | sed -n 7p
check_output "fixed READ(6) at a filemark: FILEMARK, INFORMATION 1 block" \
	'^CHECK 00/00/01 f00080000000010a00000000000100000000$' echo "$out" | sed -n 8p
check_output "READ(6) at end of data: BLANK CHECK 00/05, INFORMATION 100" \
	'^CHECK 08/00/05 f00008000000640a00000000000500000000$' echo "$out" | sed -n 9p
check_output "READ POSITION at end of data: object 6, BOP clear" \
	'^GOOD 0000000000000006000000060000000000000000$' echo "$out" | sed -n 10p

# SPACE(6) 11h: code 0 blocks, 1 filemarks, 3 end of data; COUNT is signed.
out=$(cdb "cdb 000000000000" "cdb 010000000000" "cdb 110100000100" \
	"cdb 34000000000000000000 20" "cdb 110000000500" "cdb 34000000000000000000 20" \
	"cdb 1100ffffff00" "cdb 34000000000000000000 20" "cdb 1101ffffff00" \
	"cdb 34000000000000000000 20" "cdb 1101ffffff00" "cdb 34000000000000000000 20" \
	"cdb 110300000000" "cdb 34000000000000000000 20")
check "SPACE forward 1 filemark from BOP ends past it (object 3)" \
	answers_are "$(echo "$out" | sed -n 3,4p)" '^GOOD $' \
	'^GOOD 0000000000000003000000030000000000000000$'
check "SPACE forward 5 blocks stops past the filemark after 2: FILEMARK, INFORMATION 3, object 6" \
	answers_are "$(echo "$out" | sed -n 5,6p)" \
	'^CHECK 00/00/01 f00080000000030a00000000000100000000$' \
	'^GOOD 0000000000000006000000060000000000000000$'
check "SPACE back 1 block stops before the filemark: FILEMARK, INFORMATION 1, object 5" \
	answers_are "$(echo "$out" | sed -n 7,8p)" \
	'^CHECK 00/00/01 f00080000000010a00000000000100000000$' \
	'^GOOD 0000000000000005000000050000000000000000$'
check "SPACE back 1 filemark ends before it (object 2)" \
	answers_are "$(echo "$out" | sed -n 9,10p)" '^GOOD $' \
	'^GOOD 0000000000000002000000020000000000000000$'
check "SPACE back past BOP: NO SENSE 00/04, EOM, INFORMATION 1, at BOP" \
	answers_are "$(echo "$out" | sed -n 11,12p)" \
	'^CHECK 00/00/04 f00040000000010a00000000000400000000$' \
	'^GOOD 8000000000000000000000000000000000000000$'
check "SPACE to end of data (object 6)" \
	answers_are "$(echo "$out" | sed -n 13,14p)" '^GOOD $' \
	'^GOOD 0000000000000006000000060000000000000000$'

# --- what scstd keeps ----------------------------------------------------------
# RESERVE(6) 16h by one nexus: another nexus's READ POSITION gets
# RESERVATION CONFLICT (18h) from scstd (SPC-2 5.5.1), REPORT LUNS A0h
# still works; RELEASE(6) 17h frees it.
nexus_open holder "$(lun_url 0)"
nexus_say holder "cdb 000000000000" >/dev/null
check_output "the holder's RESERVE(6) is GOOD" '^GOOD $' nexus_say holder "cdb 160000000000"
out=$(cdb_as iqn.2026-12.org.scstd:other "cdb 000000000000" "cdb 34000000000000000000 20" \
	"cdb a00000000000000001000000 256")
check "while another nexus holds RESERVE(6): RESERVATION CONFLICT; REPORT LUNS works" \
	answers_are "$out" '^CHECK 06/29/00' '^STATUS 0x18$' '^GOOD 000000100000000000000000000000000001'
check_output "the holder's RELEASE(6) is GOOD" '^GOOD $' nexus_say holder "cdb 170000000000"
nexus_close holder

# --- a unit attention of the device reaches every nexus ----------------------
# Two nexuses with their login UAs consumed; a cartridge change (SIGHUP)
# makes the drive report 06/28/00 once, to the first command that comes.
# The device has one nexus, scstd two: the other gets it from scstd (SCST's
# scst_dev_check_set_UA), without the drive seeing a second UA.
nexus_open first "$(lun_url 0)"
nexus_open second "$(lun_url 0)"
nexus_say first "cdb 000000000000" >/dev/null
nexus_say second "cdb 000000000000" >/dev/null
kill -HUP "$TAPE_PID"
check_output "after a cartridge change the first nexus gets 06/28/00 from the drive" \
	'^CHECK 06/28/00' nexus_say first "cdb 000000000000"
check_output "... and the second nexus gets it too, from scstd" \
	'^CHECK 06/28/00' nexus_say second "cdb 000000000000"
out=$(nexus_say second "cdb 000000000000"; nexus_say first "cdb 000000000000")
check "... once: both nexuses are GOOD afterwards" answers_are "$out" '^GOOD $' '^GOOD $'
nexus_close first
nexus_close second

# --- a handler killed while it holds a command --------------------------------
kill -STOP "$TAPE_PID"
cdb "cdb 000000000000" "cdb 34000000000000000000 20" >"$WORKDIR/kill.out" 2>&1 &
cpid=$!
sleep 1
kill -KILL "$TAPE_PID"
wait "$TAPE_PID" 2>/dev/null
wait "$cpid"
check_output "the command the killed handler held ends with 04/08/00" '^CHECK 04/08/00' \
	sed -n 2p "$WORKDIR/kill.out"
check_alive "daemon alive after the handler was killed"
out=$(cdb "cdb 120000002400 36" "cdb 000000000000" "cdb 000000000000")
check "with the handler gone: INQUIRY qualifier 001b, TEST UNIT READY 02/04/03" \
	answers_are "$out" '^GOOD 21' '^CHECK 06/29/00' '^CHECK 02/04/03'
check "a new user_tape attaches" start_tape
out=$(cdb "cdb 000000000000" "cdb 010000000000" "cdb 08000000c800 200" \
	"cdb 1a003f000c00 12")
check "after the restart: the power-on UA, then the data written before the kill" \
	answers_are "$out" '^CHECK 06/29/00' '^GOOD $' "^GOOD $A\$" \
	'^GOOD 0b0010080000000000000000$'
check_output "... and the block size is back to variable (0) in the tree too" '^0$' \
	daemon_ctl read devices/tape0/blocksize

# --- task management reaches the handler ----------------------------------------
# user_tape -m 2000: each object SPACE moves over takes 2 s.  SPACE(6)
# forward 2 filemarks from BOP crosses objects 0-5: 12 s.  ABORT TASK after
# 1.5 s reaches the drive, which stops where it is; the abort's "function
# complete" comes long before the SPACE would have ended, and READ POSITION
# shows the tape short of object 6.
kill "$TAPE_PID"
wait "$TAPE_PID" 2>/dev/null
check "user_tape with 2 s of motion per object attaches" start_tape -m 2000
# space_then [FN]: REWIND, SPACE(6) 2 filemarks forward, the TMF FN (scsi_cdb
# abort's; default ABORT TASK) 1.5 s later, READ POSITION; sets out and ms.
space_then() {
	out=$(cdb "cdb 000000000000" "cdb 010000000000" "abort 110100000200 1500 ${1:-task}" \
		"cdb 34000000000000000000 20")
	ms=$(tmf_ms "$(echo "$out" | sed -n 3p)")
}
space_then
check "ABORT TASK of a 12 s SPACE: function complete within 6 s (${ms:-no answer} ms)" \
	ms_below "$ms" 6000
check "... the drive stopped: READ POSITION short of object 6" \
	answers_are "$(echo "$out" | sed -n 4p)" '^GOOD (00|80)0000000000000[0-5]0000000[0-5]'
check "... the handler was told: ABORT TASK (1) with the command's tag" \
	grep -Eq 'task management 1 tag 0x[0-9a-f]+ lun 0' "$WORKDIR/tape.out"
# LOGICAL UNIT RESET during a SPACE: the SPACE is aborted on the drive (its
# TM names it) and the drive hears of the reset itself (tag 0).
space_then lunreset
reset_ok() { ms_below "$1" 6000 && answers_are "$2" '^CHECK 06/29/'; }
check "LUN RESET during a SPACE: function complete within 6 s (${ms:-no answer} ms), then the reset UA" \
	reset_ok "$ms" "$(echo "$out" | sed -n 4p)"
told_reset() { grep -Eq 'task management 4 tag 0x[0-9a-f]+ lun' "$1" && grep -Eq 'task management 4 tag 0 lun' "$1"; }
check "... the handler was told of the abort (4, the tag) and of the reset (4, tag 0)" \
	told_reset "$WORKDIR/tape.out"
# ABORT TASK SET: the same, function 2.
space_then taskset
told_taskset() { ms_below "$1" 6000 && grep -Eq 'task management 2 tag 0x[0-9a-f]+ lun 0' "$2"; }
check "ABORT TASK SET during a SPACE: function complete within 6 s (${ms:-no answer} ms), the handler told (2)" \
	told_taskset "$ms" "$WORKDIR/tape.out"
# TARGET WARM RESET: the SPACE's TM says TARGET RESET (5), the drive also
# hears of the reset of its logical unit (4, no tag).
space_then targetreset
told_target_reset() {
	ms_below "$1" 6000 && grep -Eq 'task management 5 tag 0x[0-9a-f]+ lun 0' "$2" &&
		[ "$(grep -c 'task management 4 tag 0 lun' "$2")" -ge 2 ]
}
check "TARGET RESET during a SPACE: function complete within 6 s (${ms:-no answer} ms), the handler told (5, then the reset)" \
	told_target_reset "$ms" "$WORKDIR/tape.out"
# The initiator vanishes (its TCP connection closes) during a SPACE: the
# nexus is lost, its commands aborted (SAM-5 6.3.4) and the drive told (6).
printf '%s\n' "cdb 000000000000" "cdb 010000000000" "abort 110100000200 60000" |
	SCSI_CDB_LOGIN_ONLY=1 "$(tool scsi_cdb)" "$(lun_url 0)" >/dev/null 2>&1 &
cpid=$!
sleep 2
kill -KILL "$cpid"
wait "$cpid" 2>/dev/null
lost_nexus() { grep -Eq 'task management 6 tag 0x[0-9a-f]+ lun 0' "$WORKDIR/tape.out"; }
check "an initiator gone during a SPACE: the handler is told of the nexus loss (6)" \
	eventually 10 lost_nexus
out=$(cdb "cdb 000000000000" "cdb 34000000000000000000 20")
check "... and the drive stopped short of object 6" \
	answers_are "$(echo "$out" | sed -n 2p)" '^GOOD (00|80)0000000000000[0-5]0000000[0-5]'
# A handler written without task management (-T) is never sent TM: the
# abort waits for the SPACE to end (as before TM existed), which it does.
kill "$TAPE_PID"
wait "$TAPE_PID" 2>/dev/null
check "user_tape without task management (-T) attaches" start_tape -T -m 2000
space_then
waited_ok() { ms_at_least "$1" 6000 && answers_are "$2" '^GOOD 0000000000000006000000060000000000000000$'; }
check "... its ABORT TASK completes when the SPACE ends (${ms:-no answer} ms), at object 6" \
	waited_ok "$ms" "$(echo "$out" | sed -n 4p)"
kill "$TAPE_PID"
wait "$TAPE_PID" 2>/dev/null
check "user_tape attaches again" start_tape

# --- a device its handler registers itself ---------------------------------------
LUNS_MGMT=targets/iscsi/$IQN/luns/mgmt
start_tape9() {  # user_tape -r: REGISTER of tape9, no add_device before
	"$EX/user_tape" -s "$USOCK" -r tape9 "$WORKDIR/tape9.img" >"$WORKDIR/tape9.out" 2>&1 &
	T9_PID=$!
	BG_PIDS+=($!)
	eventually 10 grep -q serving "$WORKDIR/tape9.out"
}
stop_tape9() { kill "$T9_PID"; wait "$T9_PID" 2>/dev/null; }
gone() { ! daemon_ctl read "devices/$1/type" >/dev/null 2>&1; }
registered_view() {
	echo "type $(daemon_ctl read devices/tape9/type | head -1)" \
		"registered $(daemon_ctl read devices/tape9/handler_registered | head -1)" \
		"listed $(daemon_ctl list handlers/scst_user | grep -cx 'tape9.*')"
}
check "user_tape -r registers tape9 itself" start_tape9
check_output "... tape9 is in devices/ (type 1, handler_registered) and handlers/scst_user/" \
	'^type 1 registered 1 listed 1$' registered_view
daemon_ctl write "$LUNS_MGMT" "add tape9 2" >/dev/null
out=$(cdb_on 2 "cdb 120000002400 36" "cdb 000000000000" "cdb 000000000000")
check "... exported as LUN 2: the handler's INQUIRY (type 1), the login UA, then GOOD" \
	answers_are "$out" '^GOOD 01' '^CHECK 06/29/00' '^GOOD $'
"$(dirname "$SCSTD")/scstadmin" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -write_config - \
	>"$WORKDIR/saved.conf" 2>&1
check "... a saved scst.conf has no DEVICE tape9 (nothing could create it again)" \
	bash -c "grep -q 'DEVICE tape0' '$WORKDIR/saved.conf' && ! grep -q 'DEVICE tape9' '$WORKDIR/saved.conf'"
check_output "... but keeps its LUN (as SCST's scstadmin does)" 'LUN 2 tape9' \
	cat "$WORKDIR/saved.conf"
stop_tape9
out=$(cdb_on 2 "cdb 000000000000" "cdb 000000000000")
check "its handler gone while LUN 2 exports it: tape9 stays, offline (02/04/03)" \
	answers_are "$out" '^CHECK 06/29/00' '^CHECK 02/04/03'
check_output "... an ATTACH cannot take it (its handler registers it again)" \
	'registered by a handler' refused "$EX/user_tape" -s "$USOCK" tape9 "$WORKDIR/tape9.img"
start_tape9
out=$(cdb_on 2 "cdb 000000000000" "cdb 000000000000")
check "... a new REGISTER takes it back: the power-on UA, then GOOD" \
	answers_are "$out" '^CHECK 06/29/00' '^GOOD $'
daemon_ctl write "$LUNS_MGMT" "del 2" >/dev/null
stop_tape9
check "without a LUN, tape9 goes with its handler" eventually 10 gone tape9
for mode in reg-badtype reg-badbs reg-nocdb reg-badname reg-dup; do
	case $mode in
	reg-badname) name='bad/name' ;;
	reg-dup) name=tape0 ;;
	*) name=tape7 ;;
	esac
	check_output "REGISTER refused: $mode ($name)" '^rc -' "$(tool user_badhandler)" "$USOCK" "$mode" "$name"
done
check_output "UNREGISTER deletes the device and ends the connection" 'scstd closed' \
	"$(tool user_badhandler)" "$USOCK" reg-unreg tape8
check_output "an UNREGISTER one byte too long ends the connection" 'scstd closed' \
	"$(tool user_badhandler)" "$USOCK" reg-unreg-long tape6
none_left() { gone tape8 && gone tape6 && gone tape7; }
check "tape8 (unregistered) and tape6 (its handler cut off) are gone, tape7 never came" \
	eventually 10 none_left

check_alive "daemon alive after everything"
check_stop "daemon stops with the tape handler attached (exit 0, clean log)"
check "the tape handler exits when scstd goes" eventually 10 \
	bash -c "! kill -0 $TAPE_PID 2>/dev/null"
finish
