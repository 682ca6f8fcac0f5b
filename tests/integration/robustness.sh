#!/usr/bin/env bash
# robustness.sh - malformed and abandoned iSCSI traffic (tests/tools/
# iscsi_badpdu) must be rejected or cut off in bounded time, while a
# libiscsi session held open throughout keeps working, new sessions can
# log in after each attack, and the daemon survives with a clean log.
. "$(dirname "$0")/../lib.sh"

plan 28

require_daemon
require_tools iscsi_badpdu
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"

BAD=$(tool iscsi_badpdu)
badpdu() {
	timeout 60 "$BAD" -t 5000 -l 1 "127.0.0.1:$PORT" "$DEFAULT_IQN" "$@"
}

new_session_works() {
	timeout 20 iscsi-readcapacity16 "$(url 1)" && timeout 20 iscsi-inq "$(url 0)"
}

check "baseline: the raw tool logs in and gets an answer to TEST UNIT READY" badpdu login
check "a first login text split over a Continue PDU logs in as well" badpdu split-login

# One libiscsi session stays open and busy during every attack; with -x 0
# it exits at the first error or lost connection instead of reconnecting.
iscsi-perf -x 0 -m 4 "$(url 1)" >"$WORKDIR/perf.out" 2>&1 &
PERF_PID=$!
BG_PIDS+=("$PERF_PID")
sleep 1
check "a held libiscsi session (iscsi-perf) is running" kill -0 "$PERF_PID"

attack() {  # attack SUBCOMMAND DESCRIPTION
	check "$1: $2" badpdu "$1"
	if daemon_alive && new_session_works >"$WORKDIR/after.out" 2>&1; then
		ok "after $1: daemon alive, a new session works"
	else
		not_ok "after $1: daemon alive, a new session works"
		sed 's/^/#   /' "$WORKDIR/after.out" | tail -5
	fi
}

attack garbage "48 bytes of garbage before login get a reject or a close"
attack bogus-opcode "a reserved opcode after login gets a Reject or a close"
attack big-dsl "a data segment beyond MaxRecvDataSegmentLength gets a Reject or a close"
attack truncated "a truncated PDU then disconnect"
attack write-disconnect "a WRITE whose data never comes, then disconnect"
attack read-disconnect "READs whose responses are never read, then reset"
attack nop-flood "20000 NOP-Out pings are all answered"
attack bad-target "login to an unknown target name is rejected"
attack bad-keys "login with malformed key text is rejected or closed"

# Connections that open and close without a byte, and all attacks at once.
storm() {
	local i
	for i in $(seq 1 50); do
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 1
		exec 3>&-
	done
}
check "50 empty connections opened and closed" storm
parallel_attacks() {
	local pids=() s p rc=0
	for s in garbage bogus-opcode big-dsl truncated write-disconnect read-disconnect \
		bad-target bad-keys garbage truncated read-disconnect write-disconnect; do
		badpdu "$s" >/dev/null 2>&1 &
		pids+=("$!:$s")
	done
	for p in "${pids[@]}"; do
		wait "${p%%:*}" || { echo "${p#*:} failed"; rc=1; }
	done
	return $rc
}
check "12 attacks in parallel are all rejected or closed" parallel_attacks
check "after the parallel attacks: a new session works" new_session_works

check_held_session "the held libiscsi session survived every attack" "$PERF_PID" "$WORKDIR/perf.out"

check_alive "daemon alive at the end"
check_stop
finish
