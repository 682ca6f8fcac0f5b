#!/usr/bin/env bash
# tmf.sh - task management functions from real libiscsi sessions under two
# initiator names (tests/tools/acl_checks): CLEAR ACA (not supported, as
# REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS says; LUN DOES NOT EXIST for
# an unknown LUN), ABORT TASK SET
# and CLEAR TASK SET on an idle LUN, LUN RESET and TARGET WARM RESET raising
# the reset unit attention on every I_T nexus of the LU, the issuer's too.
# The reset UA is BUS DEVICE RESET FUNCTION OCCURRED (29/03): SAM-5
# for LOGICAL UNIT RESET; a TARGET RESET is a hard reset caused by a task
# management function, for which SAM-4 (hard reset) names the same code (LIO's
# target_core_tmr.c raises 29/03 too).
. "$(dirname "$0")/../lib.sh"

plan 12

require_daemon
require_tools acl_checks
ACL=$(tool acl_checks)

start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"

coproc OTHER { timeout 120 "$ACL" "$(url 0)" iqn.2026-12.org.scstd:tmf-other; }
read -r -t 30 ready <&"${OTHER[0]}"
[ "$ready" = ready ] || { not_ok "second session logs in"; finish; }
other() {  # other CMD: one answer of the second initiator's session
	local line
	echo "$1" >&"${OTHER[1]}"
	read -r -t 30 line <&"${OTHER[0]}" || line="(no answer)"
	echo "$line"
}
check_output "second initiator: POWER ON cleared" "^clear 1 ok$" other "clear 1"

# session INI EXPECTED CMD...: one session of INI answers the commands.
answers() {
	local ini=$1 want=$2 got
	shift 2
	got=$(printf '%s\n' "$@" | timeout 30 "$ACL" "$(url 0)" "$ini" | grep -v '^ready$' |
		paste -sd'|' | sed 's/|/ | /g')
	echo "got:  $got"
	echo "want: $want"
	[ "$got" = "$want" ]
}
ME=iqn.2026-12.org.scstd:tmf-issuer

# No ACA is ever established and REPORT SUPPORTED TASK MANAGEMENT
# FUNCTIONS leaves CACAS clear: CLEAR ACA is answered as unsupported
# (RFC 7143 response 5), as LIO answers it.
check "CLEAR ACA on LUN 1: function not supported, as advertised" \
	answers "$ME" "tmf 3 1 failed: TASK MGMT responded Task Mgmt Function Not Supported" "tmf 1 3"
check "CLEAR ACA on a LUN that does not exist: LUN DOES NOT EXIST" \
	answers "$ME" "tmf 3 7 failed: TASK MGMT responded LUN Does Not Exist" "tmf 7 3"
check "ABORT TASK SET and CLEAR TASK SET on an idle LUN complete" \
	answers "$ME" "tmf 2 1 ok | tmf 4 1 ok" "tmf 1 2" "tmf 1 4"
check "LUN RESET: the issuer's own nexus reports the reset too" \
	answers "$ME" "clear 1 ok | tmf 5 1 ok | tur 1 CHECK key=0x6 asc=0x2903 | tur 1 GOOD" \
	"clear 1" "tmf 1 5" "tur 1" "tur 1"
check_output "LUN RESET: another initiator's nexus reports it" \
	"^tur 1 CHECK key=0x6 asc=0x2903$" other "tur 1"
check_output "LUN RESET: once" "^tur 1 GOOD$" other "tur 1"
check "TARGET WARM RESET: every LUN of the issuer reports the reset" \
	answers "$ME" "clear 0 ok | clear 1 ok | tmf 6 0 ok | tur 0 CHECK key=0x6 asc=0x2903 | tur 1 CHECK key=0x6 asc=0x2903" \
	"clear 0" "clear 1" "tmf 0 6" "tur 0" "tur 1"
check_output "TARGET WARM RESET: another initiator's nexus reports it" \
	"^tur 1 CHECK key=0x6 asc=0x2903$" other "tur 1"
exec {OTHER[1]}>&-
wait "$OTHER_PID" 2>/dev/null

check_alive "scstd alive with a clean log"
check_stop
finish
