#!/usr/bin/env bash
# copy_manager.sh - SCST 3.x's copy manager (README.scst-3.x "EXTENDED
# COPY", SysfsRules-3.x): the copy_manager driver with its one target
# copy_manager_tgt, whose LUNs follow the vdisk devices (added with them,
# taken away with them, removable by hand) and which is the only way
# EXTENDED COPY finds its copy sources and destinations, across every
# device of the daemon:
# - the tree: allow_not_connected_copy, copy_manager_tgt without `enabled`
#   or initiator groups,
#   its rel_tgt_id 0 without [key] (the iSCSI target still gets 1), a LUN
#   for each vdisk device, a new one for a device added later, none left
#   by a deleted device;
# - EXTENDED COPY (LID1, one block-to-block segment between two
#   identification CSCD descriptors, built by tests/tools/xcopy_checks as
#   sg_xcopy does) from LUN 0 to LUN 1 of one target, then to a device of
#   another target, the data compared in the backing files, RECEIVE COPY
#   RESULTS of the held list;
# - a device whose copy manager LUN was deleted, and a device no target
#   exports to the initiator, refused as SCST refuses them: ILLEGAL
#   REQUEST, INVALID FIELD IN PARAMETER LIST pointing at the CSCD
#   descriptor; the latter copied once allow_not_connected_copy is 1;
# - copy_manager_sess, the copy manager's own session (SCST's
#   scst_copy_mgr.c): SCST's session files, one INQUIRY (VPD page 0x83,
#   ALLOCATION LENGTH 4096) per LUN copy_manager_tgt gets, as SCST's
#   scst_cm_send_init_inquiry; an EXTENDED COPY's segments as READ(16) and
#   WRITE(16) of that session, at most 512 KiB each (SCST's
#   SCST_CM_MAX_EACH_IO_SIZE), so that a 32 KiB segment is one of each and
#   a 1 MiB one two of each, the data compared byte for byte;
# - an SPC-2 reservation of another initiator on the destination: the
#   session's WRITE conflicts, is retried for SCST's 30 s and the copy ends
#   as SCST's does (COPY ABORTED, THIRD PARTY DEVICE FAILURE pointing at the
#   destination's CSCD descriptor); the loss of the copying initiator's
#   connection ends those retries; a reservation of the copying I_T nexus
#   itself conflicts too (the copy session is another nexus, as in SCST);
# - a changed naa_id: the session asks the LUN again (SCST's
#   scst_cm_update_dev), the new designator copies, the old one is refused;
# - libiscsi's ExtendedCopy and ReceiveCopyResults suites on a LU of the
#   copy manager;
# - scst.conf: SCST 3.x's `TARGET_DRIVER copy_manager` block written by
#   scstadmin -write_config, and read by `scstd --config` with other LUN
#   numbers than the automatic ones (the file's numbers win), with
#   allow_not_connected_copy, written back unchanged.
. "$(dirname "$0")/../lib.sh"
plan 61

require_daemon
require_tools xcopy_checks
use_scstctl
ADMIN=$(dirname "$SCSTD")/scstadmin
XC=$(tool xcopy_checks)
IQN=iqn.2026-12.org.scstd:cm
IQN2=iqn.2026-12.org.scstd:cm2
INI=iqn.2026-12.org.scstd:ini
INI_X=iqn.2026-12.org.scstd:only-x
CM=targets/copy_manager/copy_manager_tgt
for d in d1 d2 d3 d4 d5; do truncate -s 8M "$WORKDIR/$d.img"; done
head -c 1M /dev/urandom >"$WORKDIR/pattern"
dd if="$WORKDIR/pattern" of="$WORKDIR/d1.img" conv=notrunc status=none

cat >"$WORKDIR/cm.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/d1.img
	}
	DEVICE d2 {
		filename $WORKDIR/d2.img
	}
	DEVICE d3 {
		filename $WORKDIR/d3.img
	}
	DEVICE d4 {
		filename $WORKDIR/d4.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 d1
		LUN 1 d2
	}
	TARGET $IQN2 {
		enabled 1
		LUN 0 d3
		GROUP x {
			LUN 0 d4
			INITIATOR $INI_X
		}
	}
}
CONF

start_daemon --config "$WORKDIR/cm.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with the configuration"; finish; }
U1=iscsi://127.0.0.1:$PORT/$IQN
U2=iscsi://127.0.0.1:$PORT/$IQN2

# ---- the tree ----
check_output "targets/copy_manager has allow_not_connected_copy, 0 by default" '^0$' \
	ctl read targets/copy_manager/allow_not_connected_copy
check "copy_manager has no mgmt and copy_manager_tgt no enabled (as SCST's)" \
	bash -c "! $SCSTCTL --socket $SOCK list targets/copy_manager | grep -qx mgmt &&
		 ! $SCSTCTL --socket $SOCK list $CM | grep -qx enabled"
check_output "copy_manager_tgt's rel_tgt_id is 0, not a [key]" '^0$' ctl read "$CM/rel_tgt_id"
check_output "the first iSCSI target still has rel_tgt_id 1" '^1$' \
	bash -c "$SCSTCTL --socket $SOCK read targets/iscsi/$IQN/rel_tgt_id | head -1"
cm_luns() { ctl list "$CM/luns" | grep -v mgmt | tr -d / | sort -n | tr '\n' ' '; }
cm_dev() { ctl readlink "$CM/luns/$1/device" | sed 's|.*/||'; }
check_output "a LUN for each device, in the order they were added" '^0 1 2 3 $' cm_luns
check_output "LUN 2 of copy_manager_tgt is d3" '^d3$' cm_dev 2
CMS=$CM/sessions/copy_manager_sess
cms() { ctl read "$CMS/$1" | head -1; }
check "copy_manager_tgt has its own session copy_manager_sess" \
	bash -c "$SCSTCTL --socket $SOCK list $CM/sessions | grep -qx copy_manager_sess/"
check_output "its initiator_name is copy_manager_sess" '^copy_manager_sess$' cms initiator_name
sess_files() {
	local f
	for f in active_commands bidi_cmd_count bidi_io_count_kb bidi_unaligned_cmd_count \
		commands dif_checks_failed initiator_name none_cmd_count read_cmd_count \
		read_io_count_kb read_unaligned_cmd_count unknown_cmd_count write_cmd_count \
		write_io_count_kb write_unaligned_cmd_count; do
		ctl read "$CMS/$f" >/dev/null || { echo "no $f"; return 1; }
	done
}
check "it has SCST's session files (scst_sysfs.c scst_session_attrs)" sess_files
inq_count() { [ "$(cms read_cmd_count)/$(cms read_io_count_kb)" = "$1" ]; }
check "one 4 KiB INQUIRY per device with a LUN: read_cmd_count 4, read_io_count_kb 16" \
	eventually 5 inq_count 4/16
check "add_device: the new device gets the next LUN" \
	ctl write handlers/vdisk_fileio/mgmt "add_device d5 filename=$WORKDIR/d5.img"
check_output "... LUN 4" '^d5$' cm_dev 4
check "and the session sends it its INQUIRY: 5 commands, 20 KiB" eventually 5 inq_count 5/20
check "del_device takes its copy manager LUN with it (not refused as in use)" \
	ctl write handlers/vdisk_fileio/mgmt "del_device d5"
check_output "... and LUN 4 is gone" '^0 1 2 3 $' cm_luns
check_output "allow_not_connected_copy 1 is a [key]" '^1 \[key\]$' \
	bash -c "$SCSTCTL --socket $SOCK write targets/copy_manager/allow_not_connected_copy 1 &&
		 $SCSTCTL --socket $SOCK read targets/copy_manager/allow_not_connected_copy | tr '\n' ' ' |
		 sed 's/ $//'"
check "copy_manager_tgt refuses an initiator group (SCST: no security groups)" \
	bash -c "! $SCSTCTL --socket $SOCK write $CM/ini_groups/mgmt 'create g1' &&
		 ! $SCSTCTL --socket $SOCK list $CM/ini_groups | grep -qx g1/"
check "allow_not_connected_copy refuses 'yes'" \
	bash -c "! $SCSTCTL --socket $SOCK write targets/copy_manager/allow_not_connected_copy yes"
check "and goes back to 0" ctl write targets/copy_manager/allow_not_connected_copy 0

# ---- EXTENDED COPY through the copy manager ----
D1=$("$XC" desig "$U1/0" "$INI")
D2=$("$XC" desig "$U1/1" "$INI")
D3=$("$XC" desig "$U2/0" "$INI")
D4=$("$XC" desig "$U2/0" "$INI_X")
same_blocks() { # FILE_A LBA_A FILE_B LBA_B BLOCKS
	cmp <(dd if="$1" bs=512 skip="$2" count="$5" status=none) \
		<(dd if="$3" bs=512 skip="$4" count="$5" status=none)
}
"$XC" copy "$U1/0" "$INI" "$D1" "$D2" 64 0 100 5 >"$WORKDIR/copy1.out" 2>&1
check_output "copy of 64 blocks from LUN 0 (d1) to LUN 1 (d2), sent to LUN 0" \
	'^GOOD$' cat "$WORKDIR/copy1.out"
check_output "RECEIVE COPY RESULTS: done without error, 1 segment, 32768 bytes" \
	'^results status=1 segments=1 units=0 count=32768$' cat "$WORKDIR/copy1.out"
check "d2's blocks 100..163 hold d1's blocks 0..63" \
	same_blocks "$WORKDIR/d1.img" 0 "$WORKDIR/d2.img" 100 64
check_output "copy from d1 to d3, a device of another target, sent to d2's LUN" \
	'^GOOD$' "$XC" copy "$U1/1" "$INI" "$D1" "$D3" 128 64 7 6
check "d3's blocks 7..134 hold d1's blocks 64..191" \
	same_blocks "$WORKDIR/d1.img" 64 "$WORKDIR/d3.img" 7 128
check "del of d2's copy manager LUN" ctl write "$CM/luns/mgmt" "del 1"
check_output "a copy to d2 is refused: INVALID FIELD IN PARAMETER LIST at its CSCD (offset 48)" \
	'^CHECK key=0x5 asc=0x2600 field=48$' "$XC" copy "$U1/0" "$INI" "$D1" "$D2" 8 0 300 7
check_output "so is a copy from d2 (its CSCD at offset 16)" \
	'^CHECK key=0x5 asc=0x2600 field=16$' "$XC" copy "$U1/0" "$INI" "$D2" "$D1" 8 0 300 7
check "d2 back in the copy manager by hand" ctl write "$CM/luns/mgmt" "add d2 1"
check_output "d4, exported only to another initiator, is refused to this one" \
	'^CHECK key=0x5 asc=0x2600 field=48$' "$XC" copy "$U1/0" "$INI" "$D1" "$D4" 8 0 0 8
check_output "with allow_not_connected_copy 1 the same copy is done" '^GOOD$' \
	bash -c "$SCSTCTL --socket $SOCK write targets/copy_manager/allow_not_connected_copy 1 &&
		 $XC copy $U1/0 $INI $D1 $D4 8 0 0 8"

# ---- the copy as commands of copy_manager_sess ----
# d2's LUN of the copy manager was made anew above: a first copy to it
# takes the new I_T nexus's unit attention (retried at once, as SCST does)
# before the counted ones.
"$XC" copy "$U1/0" "$INI" "$D1" "$D2" 8 0 2000 9 >/dev/null
snap() { echo "$(cms read_cmd_count) $(cms read_io_count_kb) $(cms write_cmd_count) $(cms write_io_count_kb)"; }
moved_by() { # BEFORE EXPECTED-DELTAS: the counters moved by exactly that
	local b=($1) e=($2) n=($(snap)) i
	for i in 0 1 2 3; do
		[ $((n[i] - b[i])) -eq "${e[i]}" ] || { echo "moved $(snap) from $1, not by $2"; return 1; }
	done
}
B=$(snap)
check_output "a 64-block copy (32 KiB) from d1 to d2" '^GOOD$' \
	bash -c "$XC copy $U1/0 $INI $D1 $D2 64 300 1000 10 | head -1"
check "is one READ(16) and one WRITE(16) of 32 KiB in copy_manager_sess" \
	eventually 5 moved_by "$B" "1 32 1 32"
check "d2's blocks 1000..1063 hold d1's blocks 300..363" \
	same_blocks "$WORKDIR/d1.img" 300 "$WORKDIR/d2.img" 1000 64
B=$(snap)
check_output "a 2048-block copy (1 MiB) from d1 to d2" '^GOOD$' \
	bash -c "$XC copy $U1/0 $INI $D1 $D2 2048 0 4096 11 | head -1"
check "is two READ(16) and two WRITE(16) of 512 KiB each" \
	eventually 5 moved_by "$B" "2 1024 2 1024"
check "d2's blocks 4096..6143 hold d1's blocks 0..2047, byte for byte" \
	same_blocks "$WORKDIR/d1.img" 0 "$WORKDIR/d2.img" 4096 2048
check_output "copy_manager_sess has no command left" '^0$' cms active_commands

# ---- a reservation of another initiator on the destination ----
nexus_open holder "$U1/1"
nexus_say holder "cdb 000000000000" >/dev/null
check_output "another initiator RESERVE(6)s d2" '^GOOD $' nexus_say holder "cdb 160000000000"
T0=$(date +%s)
"$XC" copy "$U1/0" "$INI" "$D1" "$D2" 8 0 3000 12 >"$WORKDIR/resv.out" 2>&1
T1=$(date +%s)
check_output "the copy to d2 ends in COPY ABORTED, THIRD PARTY DEVICE FAILURE at d2's CSCD" \
	'^CHECK key=0xa asc=0x0d01 field=48$' head -1 "$WORKDIR/resv.out"
check "after SCST's 30 s of retries (took $((T1 - T0)) s)" test $((T1 - T0)) -ge 29
# The copying initiator's connection lost: its copy ends, and with it the
# session's retries.
"$XC" copy "$U1/0" "$INI" "$D1" "$D2" 8 0 3000 14 >/dev/null 2>&1 &
XPID=$!
W0=$(cms write_cmd_count)
retrying() { [ $(($(cms write_cmd_count) - W0)) -ge 2 ]; }
check "while the copy waits, the session retries its WRITE every second" eventually 10 retrying
kill -KILL "$XPID"
wait "$XPID" 2>/dev/null
settled() {
	local a b
	a=$(cms write_cmd_count)
	sleep 2.5
	b=$(cms write_cmd_count)
	[ "$a" = "$b" ]
}
# Well within the copy's 30 s: without the abort the WRITE would go on
# being retried every second.
sleep 1
check "the initiator's connection lost, the retries stop" settled
check_output "the holder RELEASE(6)s" '^GOOD $' nexus_say holder "cdb 170000000000"
nexus_close holder

# The copying initiator's own reservation: SCST's copy session is another
# I_T nexus, so it conflicts all the same.  RESERVE(6) and EXTENDED COPY
# go down one nexus (scsi_cdb), the parameter list built as xcopy_checks
# builds it: one 8-block segment from d1 to d2, results not held.
cscd() { # DESIGNATOR_HEX: an identification CSCD descriptor, 512-byte blocks
	local pad=$((24 - ${#1} / 2))
	printf 'e4000000%s%0*d00000200' "$1" $((pad * 2)) 0
}
XPARAM="00180040000000000000001c00000000$(cscd "$D1")$(cscd "$D2")"
XPARAM="${XPARAM}0200001800000001000000080000000000000000$(printf %016x 5000)"
nexus_open ini "$U1/1"
nexus_say ini "cdb 000000000000" >/dev/null
check_output "the copying initiator RESERVE(6)s d2 itself" '^GOOD $' nexus_say ini "cdb 160000000000"
check_output "its own copy to d2 still ends in THIRD PARTY DEVICE FAILURE (SCST: its copy session conflicts)" \
	'^CHECK 0a/0d/01' nexus_say ini "out 830000000000000000000000006c0000 $XPARAM"
check_output "it RELEASE(6)s" '^GOOD $' nexus_say ini "cdb 170000000000"
nexus_close ini
check_output "then the copy to d2 is done" '^GOOD$' \
	bash -c "$XC copy $U1/0 $INI $D1 $D2 8 0 3000 15 | head -1"

# ---- a changed identity: SCST's scst_cm_update_dev asks again ----
R0=$(cms read_cmd_count)
check "d3's naa_id changes" ctl write devices/d3/naa_id 0x6001405abcdef0123456789abcdef012
resent() { [ $(($(cms read_cmd_count) - R0)) -eq 1 ]; }
check "copy_manager_sess sends d3's LUN one INQUIRY again" eventually 5 resent
D3N=$("$XC" desig "$U2/0" "$INI")
check_output "a copy to d3 by its new designator is done" '^GOOD$' \
	bash -c "$XC copy $U1/0 $INI $D1 $D3N 8 0 500 16 | head -1"
check_output "its old designator names nothing any more" '^CHECK key=0x5 asc=0x2600 field=48$' \
	bash -c "$XC copy $U1/0 $INI $D1 $D3 8 0 500 17 | head -1"

if command -v iscsi-test-cu >/dev/null; then
	PARSE=$(dirname "$0")/../conformance/parse_cu.awk
	timeout -k 5 300 iscsi-test-cu -d -i "$INI" -t ALL.ExtendedCopy,ALL.ReceiveCopyResults \
		"$U1/1" >"$WORKDIR/cu.out" 2>&1
	awk -f "$PARSE" "$WORKDIR/cu.out" >"$WORKDIR/cu.verdicts"
	read -r _ _ p _ f _ sk < <(grep '^SUMMARY' "$WORKDIR/cu.verdicts")
	if [ "${p:-0}" -ge 8 ] && [ "${f:-1}" -eq 0 ]; then
		ok "iscsi-test-cu ExtendedCopy and ReceiveCopyResults on a copy manager LU: $p passed"
	else
		not_ok "iscsi-test-cu ExtendedCopy/ReceiveCopyResults: ${p:-0} passed, ${f:-?} failed"
		grep -E '^(FAIL|SKIP) ' "$WORKDIR/cu.verdicts" | sed 's/^/#   /'
	fi
else
	skip "iscsi-test-cu is not installed"
fi

# ---- scst.conf ----
check "-write_config" "$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/saved.conf"
cm_block() { sed -n '/^TARGET_DRIVER copy_manager {/,/^}/p' "$1"; }
check_output "it holds SCST 3.x's copy_manager block with the LUNs" \
	'^		LUN 3 d4$' cm_block "$WORKDIR/saved.conf"
check_output "and allow_not_connected_copy 1 (a [key])" '^	allow_not_connected_copy 1$' \
	cm_block "$WORKDIR/saved.conf"
check_stop

# Other numbers than a fresh daemon would give: the file's win.
sed -e '/^TARGET_DRIVER copy_manager {/,/^}/s/LUN \([0-9]\) /LUN 1\1 /' \
	"$WORKDIR/saved.conf" >"$WORKDIR/renumbered.conf"
start_daemon --config "$WORKDIR/renumbered.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with the written configuration"; finish; }
check_output "scstd --config: copy_manager_tgt has the file's LUNs only" '^10 11 12 13 $' cm_luns
check_output "and allow_not_connected_copy 1" '^1$' \
	bash -c "$SCSTCTL --socket $SOCK read targets/copy_manager/allow_not_connected_copy | head -1"
check "-write_config of that daemon" "$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/again.conf"
check "gives the same copy_manager block" \
	diff <(cm_block "$WORKDIR/renumbered.conf") <(cm_block "$WORKDIR/again.conf")
check_stop
finish
