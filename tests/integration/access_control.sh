#!/usr/bin/env bash
# access_control.sh - LUN masking seen by real libiscsi sessions under
# different initiator names (tests/tools/acl_checks): README.scst's SPEC_INI
# example typed into the management tree as the spec writes it (dev2 is
# read-only LUN 0 for the SPEC_INI initiator and read-write LUN 1 for
# everybody else), a group chosen by a wildcard pattern with a negated
# exception, and LUN set changes (add, replace, del, clear) reaching a live
# session with REPORTED LUNS DATA HAS CHANGED / INQUIRY DATA HAS CHANGED.
. "$(dirname "$0")/../lib.sh"

plan 47

require_daemon
require_tools acl_checks
ACL=$(tool acl_checks)
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
T=targets/iscsi/iqn.2007-05.com.example:storage.disk1.sys1.xyz
TURL=iscsi://127.0.0.1:@PORT@/iqn.2007-05.com.example:storage.disk1.sys1.xyz/0
SPEC_INI=iqn.2007-05.com.example:storage.disk1.spec_ini.xyz
OTHER=iqn.2026-12.org.scstd:acl-other

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
turl() { echo "${TURL//@PORT@/$PORT}"; }

# session INI CMD...: one session runs the commands; prints the answers.
session() {
	local ini=$1
	shift
	printf '%s\n' "$@" | timeout 30 "$ACL" "$(turl)" "$ini" | grep -v '^ready$'
}

# answers INI EXPECTED CMD...: the session's answers, joined by ' | '.
answers() {
	local ini=$1 want=$2 got
	shift 2
	got=$(session "$ini" "$@" | paste -sd'|' | sed 's/|/ | /g')
	echo "got:  $got"
	echo "want: $want"
	[ "$got" = "$want" ]
}

[ -x "$SCSTCTL" ] || { not_ok "scstctl is built next to scstd"; finish; }
start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts with --ctl-socket"; finish; }
ok "scstd starts"

for d in dev1 dev2 dev3 dev4; do
	ctl write handlers/vdisk_nullio/mgmt add_device "$d" size_mb=8 >/dev/null ||
		not_ok "add_device $d"
done

# README.scst, "Access and devices visibility management", verbatim.
check "spec: target created" ctl write targets/iscsi/mgmt "iqn.2007-05.com.example:storage.disk1.sys1.xyz"
check "spec: add dev1 0" ctl write "$T/luns/mgmt" "add dev1 0"
check "spec: add dev2 1" ctl write "$T/luns/mgmt" "add dev2 1"
check "spec: create SPEC_INI" ctl write "$T/ini_groups/mgmt" "create SPEC_INI"
check "spec: add dev2 0 read_only=1" ctl write "$T/ini_groups/SPEC_INI/luns/mgmt" "add dev2 0 read_only=1"
check "spec: SPEC_INI initiator" ctl write "$T/ini_groups/SPEC_INI/initiators/mgmt" "$SPEC_INI"

# Pattern group: every acl-pat-* initiator except acl-pat-x? sees LUNs 0, 5.
check "create group PAT" ctl write "$T/ini_groups/mgmt" "create PAT"
check "PAT: add dev3 0" ctl write "$T/ini_groups/PAT/luns/mgmt" "add dev3 0"
check "PAT: add dev4 5" ctl write "$T/ini_groups/PAT/luns/mgmt" "add dev4 5"
check "PAT: pattern" ctl write "$T/ini_groups/PAT/initiators/mgmt" "add iqn.2026-12.org.scstd:acl-pat-*"
check "PAT: negated pattern" ctl write "$T/ini_groups/PAT/initiators/mgmt" "add !iqn.2026-12.org.scstd:acl-pat-x?"
check "target enabled" ctl write "$T/enabled" 1

check "SPEC_INI sees only LUN 0, read-only: WRITE gives DATA PROTECT/WRITE PROTECTED" \
	answers "$SPEC_INI" "luns 0 | clear 0 ok | read 0 GOOD | write 0 CHECK key=0x7 asc=0x2700" \
	luns "clear 0" "read 0" "write 0"
check "another initiator sees LUNs 0 and 1, dev2 read-write as LUN 1" \
	answers "$OTHER" "luns 0 1 | clear 1 ok | write 1 GOOD | clear 0 ok | write 0 GOOD" \
	luns "clear 1" "write 1" "clear 0" "write 0"
check "SPEC_INI matching ignores case (iSCSI names are case-insensitive)" \
	answers "IQN.2007-05.COM.EXAMPLE:storage.disk1.SPEC_INI.xyz" "luns 0" luns
check "pattern: acl-pat-a is in group PAT" \
	answers iqn.2026-12.org.scstd:acl-pat-a "luns 0 5" luns
check "negation: acl-pat-x1 matches the pattern but is excluded" \
	answers iqn.2026-12.org.scstd:acl-pat-x1 "luns 0 1" luns
check "negation is a pattern too: acl-pat-x12 is not excluded" \
	answers iqn.2026-12.org.scstd:acl-pat-x12 "luns 0 5" luns

# ---- live changes under a session of the default group -------------------
coproc LIVE { timeout 120 "$ACL" "$(turl)" "$OTHER"; }
ask() {  # ask CMD: one answer line of the live session
	local line
	echo "$1" >&"${LIVE[1]}"
	read -r -t 30 line <&"${LIVE[0]}" || line="(no answer)"
	echo "$line"
}
expect() {  # expect NAME WANT CMD
	local got
	got=$(ask "$3")
	if [ "$got" = "$2" ]; then ok "$1"; else not_ok "$1 (got '$got', want '$2')"; fi
}
read -r -t 30 ready <&"${LIVE[0]}"
[ "$ready" = ready ] || { not_ok "live session logs in"; finish; }
expect "live: session starts with LUNs 0 1" "luns 0 1" luns
ask "clear 0" >/dev/null
ask "clear 1" >/dev/null

check "live: add dev3 2 to the group in use" ctl write "$T/luns/mgmt" "add dev3 2"
expect "live: LUN 0 reports REPORTED LUNS DATA HAS CHANGED" "tur 0 CHECK key=0x6 asc=0x3f0e" "tur 0"
expect "live: so does LUN 1, once" "tur 1 CHECK key=0x6 asc=0x3f0e" "tur 1"
expect "live: the UA is reported once" "tur 0 GOOD" "tur 0"
expect "live: REPORT LUNS shows the new LUN" "luns 0 1 2" luns
expect "live: the new LUN starts with POWER ON" "tur 2 CHECK key=0x6 asc=0x2900" "tur 2"
ask "clear 2" >/dev/null
expect "live: the new LUN serves I/O" "read 2 GOOD" "read 2"

check "live: replace dev4 1" ctl write "$T/luns/mgmt" "replace dev4 1"
expect "live: the replaced LUN reports INQUIRY DATA HAS CHANGED" "tur 1 CHECK key=0x6 asc=0x3f03" "tur 1"
expect "live: replace leaves the LUN inventory alone" "tur 0 GOOD" "tur 0"

check "live: del 2" ctl write "$T/luns/mgmt" "del 2"
expect "live: del raises REPORTED LUNS DATA HAS CHANGED" "tur 0 CHECK key=0x6 asc=0x3f0e" "tur 0"
expect "live: the deleted LUN is gone from REPORT LUNS" "luns 0 1" luns
expect "live: the deleted LUN answers LOGICAL UNIT NOT SUPPORTED" "read 2 CHECK key=0x5 asc=0x2500" "read 2"

check "live: clear" ctl write "$T/luns/mgmt" clear
# An empty set still reports LUN 0 (so initiators keep probing) ...
expect "live: after clear REPORT LUNS has only the placeholder LUN 0" "luns 0" luns
expect "live: ... which is not a LUN any more" "read 0 CHECK key=0x5 asc=0x2500" "read 0"
check "live: add dev1 0 again" ctl write "$T/luns/mgmt" "add dev1 0"
expect "live: LUN 0 is back" "luns 0" luns
exec {LIVE[1]}>&-
wait "$LIVE_PID" 2>/dev/null

# ---- I/O racing with LUN removal ----------------------------------------
# A session writes to LUN 1 (a fileio device, so writes take real time)
# without pause while the LUN is deleted and re-added under it: every
# command must end with an answer (GOOD, the UAs of the changes, or
# LOGICAL UNIT NOT SUPPORTED while the LUN is away), none may hang, and the
# daemon must stay clean (the ASan build checks the retired nexuses).
truncate -s 16M "$WORKDIR/race.img"
check "fileio device for the race" \
	ctl write handlers/vdisk_fileio/mgmt add_device race "filename=$WORKDIR/race.img"
check "race: LUN 1 -> race" ctl write "$T/luns/mgmt" "replace race 1"
WRITES=3000
(for _ in $(seq 1 $WRITES); do echo "write 1"; done) |
	timeout 120 "$ACL" "$(turl)" "$OTHER" >"$WORKDIR/race.out" 2>&1 &
writer=$!
flips=0
while kill -0 "$writer" 2>/dev/null && [ $flips -lt 40 ]; do
	ctl write "$T/luns/mgmt" "del 1" >/dev/null && ctl write "$T/luns/mgmt" "add race 1" >/dev/null ||
		break
	flips=$((flips + 1))
done
wait "$writer"
note "race: $flips del/add cycles during $WRITES writes"
check "race: every write got an answer" test "$(grep -c '^write 1 ' "$WORKDIR/race.out")" -eq $WRITES
check "race: each answer is GOOD, a UA of the change, or LUN NOT SUPPORTED" \
	bash -c "! grep '^write 1 ' '$WORKDIR/race.out' | grep -Ev 'GOOD|key=0x6 asc=0x(3f0e|2900|3f03)|key=0x5 asc=0x2500'"
check "race: the LUN set changed under the writer at least once" test "$flips" -gt 0

check "SPEC_INI session was untouched by the default group's changes" \
	answers "$SPEC_INI" "luns 0 | clear 0 ok | write 0 CHECK key=0x7 asc=0x2700" luns "clear 0" "write 0"
check_alive "scstd alive with a clean log"
check_stop
finish
