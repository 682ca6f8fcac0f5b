#!/usr/bin/env bash
# rel_tgt_id_live.sh - README.scst's rel_tgt_id changed on an enabled
# target, as SCST allows, to an id no other target has: one LU behind two
# target ports (ids 11 and 12); an initiator registers (APTPL) and takes
# an exclusive-access reservation through port 11, which then becomes 21.
# The registration and the reservation follow the port: the saved PR file
# and READ FULL STATUS say 21, the holder's session and a new login
# through the same port keep access, the other port still conflicts.
# Refused: an id another target has (EBADSLT), and any change while a
# disabled target shares the current id (EBUSY: whose registrations would
# move could not be told).
. "$(dirname "$0")/../lib.sh"

plan 28

require_daemon
require_tools scsi_cdb
use_scstctl
IQN1=iqn.2026-11.org.scstd:live-id-1
IQN2=iqn.2026-11.org.scstd:live-id-2
IQN3=iqn.2026-11.org.scstd:live-id-3
T1=targets/iscsi/$IQN1
KEY=0x5c575d
INI=iqn.2026-11.org.scstd:scsi-cdb
truncate -s 4M "$WORKDIR/disk.img"

cat >"$WORKDIR/live.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN1 {
		enabled 1
		rel_tgt_id 11
		LUN 0 d1
	}
	TARGET $IQN2 {
		enabled 1
		rel_tgt_id 12
		LUN 0 d1
	}
}
CONF
start_daemon --config "$WORKDIR/live.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with one LU behind ports 11 and 12"; finish; }
ok "scstd starts with one LU behind ports 11 and 12"
PRFILE=$WORKDIR/var/pr/d1

coproc A { "$(tool scsi_cdb)" "$(url 0 "$IQN1")" 2>&1; }
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
# one_shot IQN CMD: the answer to CMD from a session of its own.
one_shot() {
	printf '%s\nquit\n' "$2" | timeout 20 "$(tool scsi_cdb)" "$(url 0 "$1")" 2>&1 | head -1
}

# PR OUT REGISTER (APTPL) of $KEY, RESERVE exclusive access (type 3).
REGISTER="out 5f000000000000001800 0000000000000000""00000000005c575d""00000000""01000000"
RESERVE="out 5f010300000000001800 00000000005c575d""0000000000000000""00000000""00000000"
FULL_STATUS="cdb 5e030000000000010000 256"
READ0="cdb 28000000000000000100 512"

answers "REGISTER with APTPL through port 11" "$REGISTER" '^GOOD'
answers "RESERVE exclusive access through port 11" "$RESERVE" '^GOOD'
check "the PR file names port 11" grep -qx "reg $KEY 11 1 0 $INI" "$PRFILE"
check_output "the other port (12) conflicts" '^STATUS 0x18' one_shot "$IQN2" "$READ0"

check_output "an enabled target cannot take port 12's id: EBADSLT" '^scstctl: EBADSLT .*not unique' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write '$T1/rel_tgt_id' 12 2>&1"
check_output "nor a value out of range: EINVAL" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write '$T1/rel_tgt_id' 65536 2>&1"
check_output "port 11 kept its id" '^11$' ctl read "$T1/rel_tgt_id"

check "the enabled target takes the unused id 21" ctl write "$T1/rel_tgt_id" 21
check_output "rel_tgt_id reads 21" '^21$' ctl read "$T1/rel_tgt_id"
check_output "the target is still enabled" '^1$' ctl read "$T1/enabled"
check "the PR file now names port 21" grep -qx "reg $KEY 21 1 0 $INI" "$PRFILE"
check_output "the move is logged" 'd1: 1 PR registration\(s\) moved from relative target port 11 to 21' \
	cat "$DAEMON_LOG"
# READ FULL STATUS: 8-byte header, then the descriptor; its relative
# target port identifier is at bytes 18-19 (hex digits 53-56 of the data).
status=$(qa "$FULL_STATUS")
check_output "READ FULL STATUS reports port 21 (0x0015)" '^0015$' \
	sh -c "echo '$status' | sed -n 's/^GOOD //p' | cut -c53-56"
answers "the holder's session still reads" "$READ0" '^GOOD'
check_output "a new login through the same port is still the holder" '^GOOD' \
	one_shot "$IQN1" "$READ0"
check_output "the other port still conflicts" '^STATUS 0x18' one_shot "$IQN2" "$READ0"

check "a disabled target 3 is added" ctl write targets/iscsi/mgmt "add_target $IQN3"
check "it may take id 21 while disabled (README.scst)" ctl write "targets/iscsi/$IQN3/rel_tgt_id" 21
check_output "then the enabled target's id cannot change: EBUSY" '^scstctl: EBUSY .*cannot be told apart' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write '$T1/rel_tgt_id' 31 2>&1"
check "the PR file still names port 21" grep -qx "reg $KEY 21 1 0 $INI" "$PRFILE"
check "target 3 goes" ctl write targets/iscsi/mgmt "del_target $IQN3"

check "and back to 11" ctl write "$T1/rel_tgt_id" 11
check "the PR file names port 11 again" grep -qx "reg $KEY 11 1 0 $INI" "$PRFILE"
answers "the holder still reads" "$READ0" '^GOOD'
answers "and releases (PR OUT CLEAR)" \
	"out 5f030000000000001800 00000000005c575d""0000000000000000""00000000""00000000" '^GOOD'
check "no registration is left in the PR file" sh -c "! grep -qs '^reg ' '$PRFILE'"
qa quit >/dev/null

check_stop
finish
