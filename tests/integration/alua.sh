#!/usr/bin/env bash
# alua.sh - ALUA (README.scst-3.x "ALUA Support", SPC-4 5.16) through the
# real daemon and libiscsi (tests/tools/alua_checks): one LU behind ports
# A (rel_tgt_id 1) and B (2), a device group built with the mgmt commands
# of SCST's device_groups/ tree, port C of another node (rel_tgt_id 7) in
# B's target group.  Checked: the tree and its refusals (a port in two
# target groups, a device in two device groups, bad ids and states);
# REPORT TARGET PORT GROUPS in both formats, with the implicit transition
# time; TPGS and VPD 0x83 per port;
# the commands a standby / unavailable / transitioning port serves and
# the sense of the rest; ASYMMETRIC ACCESS STATE CHANGED on every nexus
# for a change from the tree, on every other nexus for SET TARGET PORT
# GROUPS; STPG's refusals with their field pointers, which change
# nothing; libiscsi's MultipathIO tests over an optimized and a
# non-optimized path; and the configuration round trip through
# -write_config.
. "$(dirname "$0")/../lib.sh"
plan 127

require_daemon
require_tools alua_checks
use_scstctl
A=iqn.2026-12.org.scstd:alua-a
B=iqn.2026-12.org.scstd:alua-b
C=iqn.2026-12.org.scstd:other-node-c
DG=device_groups/dg1
TGA=$DG/target_groups/tgA
TGB=$DG/target_groups/tgB
SCSTADMIN=$(dirname "$SCSTD")/scstadmin
truncate -s 4M "$WORKDIR/disk.img"
truncate -s 1M "$WORKDIR/disk2.img"

cat >"$WORKDIR/alua.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
	DEVICE d2 {
		filename $WORKDIR/disk2.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $A {
		enabled 1
		rel_tgt_id 1
		LUN 0 d1
	}
	TARGET $B {
		enabled 1
		rel_tgt_id 2
		LUN 0 d1
	}
}
CONF
start_daemon --config "$WORKDIR/alua.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with one LU behind ports A and B"; finish; }
ok "scstd starts with one LU behind ports A and B"

# ask IQN LINES...: the answers of one fresh session through port IQN.
ask() {
	local iqn=$1
	shift
	printf '%s\n' "$@" quit | timeout 20 "$(tool alua_checks)" "iscsi://127.0.0.1:$PORT/$iqn/0" 2>&1
}
# after_ua IQN CMD: CMD's answer in a fresh session, once a TEST UNIT
# READY took the new nexus's power-on UA.
after_ua() {
	ask "$1" "cdb 000000000000" "$2" | sed -n 2p
}
# answer NAME IQN CMD REGEX: that answer matches REGEX.
answer() {
	check_output "$1" "$4" after_ua "$2" "$3"
}

# ---- the tree: SCST's mgmt commands ----
check "device_groups/mgmt: create dg1" ctl write device_groups/mgmt "create dg1"
check "device_groups/mgmt: add (SCST's other verb) dg2" ctl write device_groups/mgmt "add dg2"
check_output "a device group named like a file of device_groups/ is refused" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write device_groups/mgmt 'create mgmt' 2>&1"
check_output "an unknown mgmt command is refused" '^scstctl: EINVAL .*unknown command' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write device_groups/mgmt 'rename dg1 x' 2>&1"
check "devices/mgmt: add d1" ctl write "$DG/devices/mgmt" "add d1"
check_output "a device in two device groups is refused: EEXIST" '^scstctl: EEXIST .*already in device group' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write device_groups/dg2/devices/mgmt 'add d1' 2>&1"
check_output "a device that does not exist is refused: ENOENT" '^scstctl: ENOENT ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $DG/devices/mgmt 'add nosuch' 2>&1"
check_output "devices/d1 is a link to the device" '^\.\./\.\./\.\./devices/d1$' \
	ctl readlink "$DG/devices/d1"
check "target_groups/mgmt: create tgA" ctl write "$DG/target_groups/mgmt" "create tgA"
check "target_groups/mgmt: create tgB" ctl write "$DG/target_groups/mgmt" "create tgB"
check "tgA: group_id 10" ctl write "$TGA/group_id" 10
check "tgB: group_id 20" ctl write "$TGB/group_id" 20
check_output "a group_id another target group has is refused: EEXIST" '^scstctl: EEXIST ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $TGB/group_id 10 2>&1"
check_output "group_id 0 is refused: EINVAL" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $TGB/group_id 0 2>&1"
check "tgA: add port A" ctl write "$TGA/mgmt" "add $A"
check "tgB: add port B" ctl write "$TGB/mgmt" "add $B"
check "tgB: add port C of another node" ctl write "$TGB/mgmt" "add $C"
check_output "a target named like a file of a target group is refused" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $TGA/mgmt 'add state' 2>&1"
check_output "a port in two target groups of one device group is refused: EEXIST" \
	'^scstctl: EEXIST .*already in target group' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $TGA/mgmt 'add $B' 2>&1"
check "C's rel_tgt_id: 7" ctl write "$TGB/$C/rel_tgt_id" 7
check_output "rel_tgt_id 0 is refused: EINVAL" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write '$TGB/$C/rel_tgt_id' 0 2>&1"
check_output "a local port is a link to its target" "^\.\./\.\./\.\./\.\./targets/iscsi/$A\$" \
	ctl readlink "$TGA/$A"
check_output "tgB lists B (link), C (directory) and its attributes" \
	"^$B@\$" ctl list "$TGB"
check_output "C is a directory" "^$C/\$" ctl list "$TGB"
check_output "a new target group is active" '^active$' ctl read "$TGB/state"
check_output "an unknown state is refused: EINVAL" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $TGB/state lba_dependent 2>&1"
check "tgA: preferred 1" ctl write "$TGA/preferred" 1
check "tgB: standby" ctl write "$TGB/state" standby
check_output "state reads standby, a [key]" '^standby$' ctl read "$TGB/state"
check_output "tpgs defaults to implicit" '^implicit$' ctl read "$DG/tpgs"
check "device_groups/mgmt: del dg2" ctl write device_groups/mgmt "del dg2"
check_output "scstadmin -list_tgrp shows tgB" "Target Group: tgB \(group_id 20, state standby, preferred 0\)" \
	"$SCSTADMIN" -socket "$SOCK" -list_tgrp tgB -dev_group dg1

# ---- what initiators see ----
# RTPG: G ID STATE PREF SUPPORTED STATUS PORTS.  Supported: T O U S AN AO
# (cfh); status 0 (never changed) for tgA, 2 (implicit change) for tgB.
check_output "RTPG (length only): both groups, B and C in standby" \
	'^GOOD 28 G 10 0 1 cf 0 1 G 20 2 0 cf 2 2,7$' after_ua $A 'rtpg 0'
check_output "RTPG (extended header): format 1, length counts the header" \
	'^GOOD 32 ext 1 0 G 10 0 1 cf 0 1 G 20 2 0 cf 2 2,7$' after_ua $B 'rtpg 1'
answer "VPD 0x83 through A: relative port 1, port group 10" "$A" vpd83 '^RELPORT 1 TPG 10 '
answer "VPD 0x83 through B: relative port 2, port group 20" "$B" vpd83 '^RELPORT 2 TPG 20 '
answer "INQUIRY TPGS: implicit (01b)" "$A" tpgs '^TPGS 1$'
answer "active/optimized A reads" "$A" "cdb 28000000000000000100 512" '^GOOD$'
answer "standby B: READ(10) gets NOT READY, TARGET PORT IN STANDBY STATE" "$B" \
	"cdb 28000000000000000100 512" '^CHECK 02/04/0b$'
answer "standby B: TEST UNIT READY too" "$B" "cdb 000000000000" '^CHECK 02/04/0b$'
answer "standby B: MODE SENSE(6) is served" "$B" "cdb 1a003f00ff00 255" '^GOOD$'
answer "standby B: READ CAPACITY(10) is served" "$B" "cdb 25000000000000000000 8" '^GOOD$'
answer "standby B: PERSISTENT RESERVE IN is served" "$B" "cdb 5e000000000000010000 256" '^GOOD$'

check "tgB: unavailable" ctl write "$TGB/state" unavailable
answer "unavailable B: MODE SENSE(6) gets TARGET PORT IN UNAVAILABLE STATE" "$B" \
	"cdb 1a003f00ff00 255" '^CHECK 02/04/0c$'
answer "unavailable B: REPORT LUNS is served" "$B" "cdb a0000000000000000100 256" '^GOOD$'
check "tgB: transitioning" ctl write "$TGB/state" transitioning
answer "transitioning B: READ(10) gets ASYMMETRIC ACCESS STATE TRANSITION" "$B" \
	"cdb 28000000000000000100 512" '^CHECK 02/04/0a$'
check "tgB: offline" ctl write "$TGB/state" offline
answer "offline B: READ(10) answered as unavailable (as SCST)" "$B" \
	"cdb 28000000000000000100 512" '^CHECK 02/04/0c$'
check "tgB: nonoptimized" ctl write "$TGB/state" nonoptimized
answer "active/non-optimized B reads" "$B" "cdb 28000000000000000100 512" '^GOOD$'

# ---- unit attentions: held sessions through A and B ----
# Two held sessions (fifos: bash keeps one coproc at a time).
hold() {  # hold NAME IQN INITIATOR
	mkfifo "$WORKDIR/$1.in" "$WORKDIR/$1.out"
	ALUA_CHECKS_INITIATOR=$3 "$(tool alua_checks)" "iscsi://127.0.0.1:$PORT/$2/0" \
		<"$WORKDIR/$1.in" >"$WORKDIR/$1.out" 2>&1 &
	BG_PIDS+=($!)
}
hold a "$A" iqn.2026-12.org.scstd:alua-held-a
hold b "$B" iqn.2026-12.org.scstd:alua-held-b
exec {A_IN}>"$WORKDIR/a.in" {A_OUT}<"$WORKDIR/a.out" {B_IN}>"$WORKDIR/b.in" {B_OUT}<"$WORKDIR/b.out"
qa() { echo "$1" >&"$A_IN" && read -r -t 30 line <&"$A_OUT" && echo "$line"; }
qb() { echo "$1" >&"$B_IN" && read -r -t 30 line <&"$B_OUT" && echo "$line"; }
held() {  # held NAME a|b CMD REGEX
	local out
	out=$(q"$2" "$3")
	if grep -Eq -- "$4" <<<"$out"; then ok "$1"; else not_ok "$1 (expected /$4/, got '$out')"; fi
}
held "held session through A takes its power-on UA" a "cdb 000000000000" '^CHECK 06/29/00$'
held "held session through B takes its power-on UA" b "cdb 000000000000" '^CHECK 06/29/00$'
held "A: no UA pending" a "cdb 000000000000" '^GOOD$'
check "tree: tgA becomes standby" ctl write "$TGA/state" standby
held "A's nexus gets ASYMMETRIC ACCESS STATE CHANGED" a "cdb 000000000000" '^CHECK 06/2a/06$'
held "B's nexus gets it too" b "cdb 000000000000" '^CHECK 06/2a/06$'
held "then A, now standby, is NOT READY" a "cdb 000000000000" '^CHECK 02/04/0b$'
check "tree: tgA back to active" ctl write "$TGA/state" active
held "the UA again on A" a "cdb 000000000000" '^CHECK 06/2a/06$'
held "and on B" b "cdb 000000000000" '^CHECK 06/2a/06$'
check "tree: tgA preferred 0" ctl write "$TGA/preferred" 0
held "a preferred bit change is a change RTPG shows: UA" a "cdb 000000000000" '^CHECK 06/2a/06$'
held "(B too)" b "cdb 000000000000" '^CHECK 06/2a/06$'

# ---- SET TARGET PORT GROUPS ----
held "STPG without explicit ALUA: INVALID COMMAND OPERATION CODE" a "stpg 0000000000000014" \
	'^CHECK 05/20/00$'
# REPORT SUPPORTED OPERATION CODES for A4h/0Ah: SUPPORT 001b, then 011b.
RSOC_STPG="data a30c02a4000a000000200000 32"
held "RSOC: SET TARGET PORT GROUPS not supported without explicit ALUA" a "$RSOC_STPG" '^GOOD 0001'
check "tpgs: both" ctl write "$DG/tpgs" both
held "INQUIRY TPGS: both (11b)" a tpgs '^TPGS 3$'
held "TPGS is INQUIRY data: A's nexus gets INQUIRY DATA HAS CHANGED" a "cdb 000000000000" \
	'^CHECK 06/3f/03$'
held "and B's" b "cdb 000000000000" '^CHECK 06/3f/03$'
held "RSOC: now SET TARGET PORT GROUPS is supported, 12-byte CDB" a "$RSOC_STPG" '^GOOD 0003000c'
check "implicit_transition_time 30" ctl write "$DG/implicit_transition_time" 30
held "RTPG's extended header carries it" b "rtpg 1" '^GOOD 32 ext 1 30 '
check_output "implicit_transition_time 256 is refused: EINVAL" '^scstctl: EINVAL ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $DG/implicit_transition_time 256 2>&1"
# Descriptor: state, reserved, group id.  tgB (20) active, tgA (10) standby.
held "STPG through A: group 20 active/optimized, group 10 standby" a \
	"stpg 00000000""00000014""0200000a" '^GOOD$'
held "RTPG: both changed, status 1 (by STPG)" a "rtpg 0" '^GOOD 28 G 10 2 0 cf 1 1 G 20 0 0 cf 1 2,7$'
check_output "the tree shows tgA standby" '^standby$' ctl read "$TGA/state"
check_output "the tree shows tgB active" '^active$' ctl read "$TGB/state"
held "B's nexus gets ASYMMETRIC ACCESS STATE CHANGED" b "cdb 000000000000" '^CHECK 06/2a/06$'
held "B now reads" b "cdb 28000000000000000100 512" '^GOOD$'
held "the STPG's own nexus gets no UA: standby A is NOT READY at once" a \
	"cdb 000000000000" '^CHECK 02/04/0b$'
held "STPG from standby A is served: group 10 back to active" a "stpg 000000000000000a" '^GOOD$'
held "B's nexus is told" b "cdb 000000000000" '^CHECK 06/2a/06$'
rtpg_now='^GOOD 28 G 10 0 0 cf 1 1 G 20 0 0 cf 1 2,7$'
held "RTPG before the refused STPGs" b "rtpg 0" "$rtpg_now"
held "STPG with an unknown group: INVALID FIELD IN PARAMETER LIST at byte 6" b \
	"stpg 00000000""02000063" '^CHECK 05/26/00 FP param 6 -$'
held "STPG asking offline: INVALID FIELD at byte 4, bit 3" b "stpg 00000000""0e000014" \
	'^CHECK 05/26/00 FP param 4 3$'
held "STPG asking transitioning: refused alike" b "stpg 00000000""0f000014" \
	'^CHECK 05/26/00 FP param 4 3$'
held "STPG asking logical block dependent: refused alike" b "stpg 00000000""04000014" \
	'^CHECK 05/26/00 FP param 4 3$'
held "STPG with reserved bits in byte 0: INVALID FIELD at byte 4, bit 7" b \
	"stpg 00000000""82000014" '^CHECK 05/26/00 FP param 4 7$'
held "a valid descriptor before a bad one changes nothing either" b \
	"stpg 00000000""0200000a""02000063" '^CHECK 05/26/00 FP param 10 -$'
held "STPG with a list of 6 bytes: PARAMETER LIST LENGTH ERROR" b "stpg 000000000200" \
	'^CHECK 05/1a/00$'
held "STPG with a header only changes nothing and succeeds" b "stpg 00000000" '^GOOD$'
held "RTPG: nothing changed" b "rtpg 0" "$rtpg_now"
check "tree: tgB transitioning" ctl write "$TGB/state" transitioning
held "B takes the UA" b "cdb 000000000000" '^CHECK 06/2a/06$'
held "STPG through transitioning B: ASYMMETRIC ACCESS STATE TRANSITION" b \
	"stpg 00000000""0200000a" '^CHECK 02/04/0a$'
check_output "and tgA is still active" '^active$' ctl read "$TGA/state"
echo quit >&"$A_IN"
echo quit >&"$B_IN"
exec {A_IN}>&- {A_OUT}<&- {B_IN}>&- {B_OUT}<&-

# ---- libiscsi's multipath tests over an optimized and a non-optimized path ----
check "tree: tgB active/non-optimized" ctl write "$TGB/state" nonoptimized
if command -v iscsi-test-cu >/dev/null; then
	PARSE=$(dirname "$0")/../conformance/parse_cu.awk
	timeout -k 5 300 iscsi-test-cu -d -i iqn.2026-12.org.scstd:mp-1 -I iqn.2026-12.org.scstd:mp-2 \
		-t ALL.MultipathIO "iscsi://127.0.0.1:$PORT/$A/0" "iscsi://127.0.0.1:$PORT/$B/0" \
		>"$WORKDIR/mp.out" 2>&1
	awk -f "$PARSE" "$WORKDIR/mp.out" >"$WORKDIR/mp.verdicts"
	read -r _ _ p _ f _ sk < <(grep '^SUMMARY' "$WORKDIR/mp.verdicts")
	if [ "${p:-0}" -gt 0 ] && [ "${f:-1}" -eq 0 ] && [ "${sk:-1}" -eq 0 ]; then
		ok "iscsi-test-cu MultipathIO through A (optimized) and B (non-optimized): $p passed"
	else
		not_ok "iscsi-test-cu MultipathIO: ${p:-0} passed, ${f:-?} failed, ${sk:-?} skipped"
		grep -E '^(FAIL|SKIP) ' "$WORKDIR/mp.verdicts" | sed 's/^/#   /'
	fi
else
	skip "iscsi-test-cu is not installed"
fi
check "tree: tgB active" ctl write "$TGB/state" active

# ---- configuration round trip ----
check "-write_config saves the running configuration" \
	"$SCSTADMIN" -socket "$SOCK" -write_config "$WORKDIR/saved.conf"
check_output "it holds the DEVICE_GROUP block" '^DEVICE_GROUP dg1 \{$' cat "$WORKDIR/saved.conf"
check_output "with the other node's port and its rel_tgt_id" "rel_tgt_id 7" \
	sed -n "/TARGET $C/,/}/p" "$WORKDIR/saved.conf"
check_output "and tpgs both" '^	tpgs both$' cat "$WORKDIR/saved.conf"
check_output "and the transition time" '^	implicit_transition_time 30$' cat "$WORKDIR/saved.conf"
check_stop
start_daemon --config "$WORKDIR/saved.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts from the saved configuration"; finish; }
ok "scstd starts from the saved configuration"
check "-write_config again" "$SCSTADMIN" -socket "$SOCK" -write_config "$WORKDIR/again.conf"
check "the two files are identical" cmp "$WORKDIR/saved.conf" "$WORKDIR/again.conf"
check_output "the restarted daemon reports the same groups" \
	'^GOOD 28 G 10 0 0 cf 0 1 G 20 0 0 cf 0 2,7$' after_ua $A 'rtpg 0'
# The admin moves active/optimized with a configuration: tgA standby.
sed -e '/TARGET_GROUP tgA/,/}/s/state active/state standby/' "$WORKDIR/saved.conf" \
	>"$WORKDIR/moved.conf"
check "scstadmin -config applies a state change" \
	"$SCSTADMIN" -socket "$SOCK" -noprompt -config "$WORKDIR/moved.conf"
check_output "tgA is standby" '^standby$' ctl read "$TGA/state"
# A local port with a rel_tgt_id block (README.scst-3.x's H.A. example
# writes them): the value is the target's, as through SCST's link.
sed -e "s|^\t\tTARGET $A\$|\t\tTARGET $A {\n\t\t\trel_tgt_id 11\n\t\t}|" "$WORKDIR/moved.conf" \
	>"$WORKDIR/relid.conf"
check "a local port's rel_tgt_id in a TARGET_GROUP applies" \
	"$SCSTADMIN" -socket "$SOCK" -noprompt -config "$WORKDIR/relid.conf"
check_output "target A's rel_tgt_id is now 11" '^11$' ctl read "targets/iscsi/$A/rel_tgt_id"
check_output "RTPG lists port 11 in group 10" '^GOOD 28 G 10 2 0 cf 2 11 ' after_ua "$A" "rtpg 0"
# A configuration without the device group removes it.
sed -e '/^DEVICE_GROUP/,$d' "$WORKDIR/saved.conf" >"$WORKDIR/nodg.conf"
check "scstadmin -config without DEVICE_GROUP" \
	"$SCSTADMIN" -socket "$SOCK" -noprompt -config "$WORKDIR/nodg.conf"
check_output "device_groups/ is empty" '^mgmt$' ctl list device_groups
answer "d1 is back to one implicit active group: A reads" "$A" "cdb 28000000000000000100 512" '^GOOD$'

# README.scst-3.x's own example (two ib_srpt ports of two nodes, here
# ports of other nodes for this daemon), with its devices defined and an
# iSCSI port of ours exporting them.
cat >"$WORKDIR/spec.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE disk01
	DEVICE disk02
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $A {
		enabled 1
		rel_tgt_id 5
		LUN 0 disk01
		LUN 1 disk02
	}
}
DEVICE_GROUP dgroup1 {
	DEVICE disk01

	TARGET_GROUP tgroup1 {
		group_id 256
		preferred 1
		state active
		TARGET fe80:0000:0000:0000:0002:c903:00fa:b7e1 {
			rel_tgt_id 1
		}
	}
	TARGET_GROUP tgroup2 {
		group_id 257
		state standby
		TARGET fe80:0000:0000:0000:0002:c903:00fa:b7f2 {
			rel_tgt_id 2
		}
	}
}

DEVICE_GROUP dgroup2 {
	DEVICE disk02

	TARGET_GROUP tgroup1 {
		group_id 258
		state standby
		TARGET fe80:0000:0000:0000:0002:c903:00fa:b7e1 {
			rel_tgt_id 1
		}
	}
	TARGET_GROUP tgroup2 {
		group_id 259
		preferred 1
		state active
		TARGET fe80:0000:0000:0000:0002:c903:00fa:b7f2 {
			rel_tgt_id 2
		}
	}
}
CONF
check "README.scst-3.x's DEVICE_GROUP example passes -check_config" \
	"$SCSTADMIN" -check_config "$WORKDIR/spec.conf"
check "and applies" "$SCSTADMIN" -socket "$SOCK" -noprompt -force -config "$WORKDIR/spec.conf"
check_output "disk01: 256 preferred active with port 1, 257 standby with port 2" \
	'^GOOD 24 G 256 0 1 cf 0 1 G 257 2 0 cf 2 2$' after_ua "$A" "rtpg 0"
spec_lun1() {
	printf '%s\n' "cdb 000000000000" "rtpg 0" quit |
		timeout 20 "$(tool alua_checks)" "iscsi://127.0.0.1:$PORT/$A/1" 2>&1 | sed -n 2p
}
check_output "disk02: 258 standby with port 1, 259 preferred active with port 2" \
	'^GOOD 24 G 258 2 0 cf 2 1 G 259 0 1 cf 0 2$' spec_lun1
answer "our port is in no target group: active, no port group designator" "$A" vpd83 \
	'^RELPORT 5 TPG none '

cat >"$WORKDIR/bad.conf" <<CONF
$(cat "$WORKDIR/nodg.conf")
DEVICE_GROUP bad {
	DEVICE nosuch
}
CONF
check_output "a DEVICE_GROUP naming an undefined device is refused" "device 'nosuch' is not defined" \
	sh -c "! '$SCSTADMIN' -socket '$SOCK' -noprompt -config '$WORKDIR/bad.conf' 2>&1"
check_stop
finish
