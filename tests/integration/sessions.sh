#!/usr/bin/env bash
# sessions.sh - many sessions at once and one after another: parallel
# writers on disjoint regions of the fileio LUN, each through its own
# session, verify their own data; 100 short-lived sessions log in and out;
# parallel discovery sessions.  Leaked sessions show up in the sanitizer
# build's leak report at the end.
. "$(dirname "$0")/../lib.sh"

plan 7

require_daemon
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"
MIB=1048576
WRITERS=8

# writer N: 4 MiB of byte N+16 at N*16 MiB, written and read back with
# qemu-io's pattern check, all in one session.
writer() {
	local n=$1 out
	out=$(timeout 120 qemu-io -f raw \
		-c "write -P $((n + 16)) $((n * 16 * MIB)) $((4 * MIB))" \
		-c "read -P $((n + 16)) $((n * 16 * MIB)) $((4 * MIB))" "$(url 1)" 2>&1)
	! grep -qi 'fail\|error' <<<"$out" && [ "$(grep -c "$((4 * MIB))/$((4 * MIB)) bytes" <<<"$out")" -eq 2 ]
}
parallel_writers() {
	local pids=() i rc=0
	for i in $(seq 0 $((WRITERS - 1))); do
		writer "$i" &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}
check "$WRITERS parallel sessions write and verify disjoint 4 MiB regions" parallel_writers

# Each region must still hold its own writer's byte, read in one session.
cross_check() {
	local i cmds=()
	for i in $(seq 0 $((WRITERS - 1))); do
		cmds+=(-c "read -P $((i + 16)) $((i * 16 * MIB)) $((4 * MIB))")
	done
	local out
	out=$(timeout 120 qemu-io -f raw "${cmds[@]}" "$(url 1)" 2>&1)
	! grep -qi 'fail\|error' <<<"$out" && [ "$(grep -c '^read ' <<<"$out")" -eq "$WRITERS" ]
}
check "one further session reads every writer's data" cross_check

serial_sessions() {
	local i
	for i in $(seq 1 100); do
		timeout 10 iscsi-inq "$(url $((i % 2)))" >/dev/null || { echo "session $i failed"; return 1; }
	done
}
check "100 sessions one after another log in, INQUIRY, log out" serial_sessions

parallel_discovery() {
	local pids=() i rc=0
	for i in $(seq 1 16); do
		timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$PORT" >"$WORKDIR/ls.$i" 2>&1 &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	[ $rc = 0 ] && [ "$(cat "$WORKDIR"/ls.* | grep -c "^Target:$DEFAULT_IQN ")" -eq 16 ]
}
check "16 parallel discovery sessions all list the target" parallel_discovery

check_alive "daemon alive after the session load"
check_stop
finish
