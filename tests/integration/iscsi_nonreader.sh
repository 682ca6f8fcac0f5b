#!/usr/bin/env bash
# iscsi_nonreader.sh - 20 sessions that send 200 READs of 1 MiB each and
# never read a byte of the answers (tests/tools/iscsi_nonreader).  At
# default settings the daemon must keep its resident memory under 1 GiB
# (a command's CmdSN slot stays taken until its status is handed to the
# kernel, and each session's buffered response data is capped by
# MaxBufferedResponseData), the sessions' directories must show what they
# pin, and another initiator must keep most of its throughput meanwhile.
# Then 4 non-reading sessions of one initiator are held to
# MaxBufferedResponseDataPerInitiator together, and a flood of immediate
# commands (outside the CmdSN window) to MaxBufferedResponseData.
. "$(dirname "$0")/../lib.sh"
plan 18

SESSIONS=${SESSIONS:-20}
CMDS=${CMDS:-200}
RSS_LIMIT_KB=$((1024 * 1024))
require_daemon
require_tools iscsi_nonreader
BENCH=$(dirname "$SCSTD")/iscsi-bench
[ -x "$BENCH" ] || { not_ok "$BENCH is built"; finish; }
start_daemon || { not_ok "scstd starts with the default config"; finish; }
ok "scstd starts with the default config"
check_output "MaxBufferedResponseData defaults to 16 MiB" '^16777216$' \
	daemon_ctl read targets/iscsi/MaxBufferedResponseData

# bench_iops OUT: 64 KiB random reads at QD 8 on the null LUN.
bench_iops() {
	timeout 60 "$BENCH" -q 8 -b 64K -w randread -W 1 -t 4 "$(url 0)" >"$1" 2>&1
	grep '^RESULT ' "$1" | tr ' ' '\n' | sed -n 's/^iops=//p'
}
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"
}

base=$(bench_iops "$WORKDIR/base.out")
note "unloaded: ${base:-no result} IOPS, RSS $(rss_kb) KiB"
"$(tool iscsi_nonreader)" "127.0.0.1:$PORT" "$DEFAULT_IQN" 0 "$SESSIONS" "$CMDS" 1024 \
	>"$WORKDIR/nonreader.out" 2>&1 &
nr_pid=$!
BG_PIDS+=("$nr_pid")
for _ in $(seq 1 600); do
	grep -q '^# ready' "$WORKDIR/nonreader.out" && break
	kill -0 "$nr_pid" 2>/dev/null || break
	sleep 0.1
done
check_output "$SESSIONS non-reading sessions sent $CMDS READs of 1 MiB each" '^# ready' \
	cat "$WORKDIR/nonreader.out"

bench_iops "$WORKDIR/loaded.out" >"$WORKDIR/loaded.iops" &
bench_pid=$!
peak=0
while kill -0 "$bench_pid" 2>/dev/null; do
	r=$(rss_kb)
	[ "${r:-0}" -gt "$peak" ] && peak=$r
	sleep 0.2
done
wait "$bench_pid"
loaded=$(cat "$WORKDIR/loaded.iops")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DAEMON_PID/status")
note "with the non-readers: ${loaded:-no result} IOPS; RSS peak seen ${peak} KiB, VmHWM ${hwm} KiB"
if [ "${hwm:-$RSS_LIMIT_KB}" -lt "$RSS_LIMIT_KB" ]; then
	ok "resident memory stays under 1 GiB (peak ${hwm} KiB)"
else
	not_ok "resident memory stays under 1 GiB (peak ${hwm} KiB)"
fi
# The machine is shared: 80% would be the aim, 60% is checked, and a
# run that falls short is measured once more (a neighbour's burst).
keeps_up() {
	[ -n "$base" ] && [ -n "$loaded" ] && awk -v a="$loaded" -v b="$base" 'BEGIN { exit !(a >= 0.6 * b) }'
}
if ! keeps_up; then
	again=$(bench_iops "$WORKDIR/loaded2.out")
	note "measured again: ${again:-no result} IOPS"
	[ -n "$again" ] && { [ -z "$loaded" ] || [ "${again%.*}" -gt "${loaded%.*}" ]; } && loaded=$again
fi
if keeps_up; then
	ok "the reading initiator keeps its throughput: $loaded of $base IOPS"
else
	not_ok "the reading initiator keeps its throughput: ${loaded:-none} of ${base:-none} IOPS"
	tail -3 "$WORKDIR/loaded.out" | sed 's/^/#   /'
fi

SESS=targets/iscsi/$DEFAULT_IQN/sessions/iqn.2026-12.org.scstd:nonreader-0
pinned=$(daemon_ctl read "$SESS/buffered_response_data" | head -1)
note "a non-reader pins ${pinned:-?} bytes of response data"
check "its buffered response data is shown, at most the limit plus one command" \
	test "${pinned:-0}" -gt 0 -a "${pinned:-0}" -le $((16777216 + 1048576))
check_output "its receive side was paused" '^[1-9]' daemon_ctl read "$SESS/rx_pauses"
check_output "its unanswered commands are shown" '^[0-9]+$' \
	daemon_ctl read "$SESS/unanswered_commands"
kill "$nr_pid" 2>/dev/null
wait "$nr_pid" 2>/dev/null
use_scstctl
SOCK=$WORKDIR/ctl.$DAEMON_SEQ.sock
gone() {
	! "$SCSTCTL" --socket "$SOCK" list "targets/iscsi/$DEFAULT_IQN/sessions" | grep -q nonreader
}
check "the non-readers' sessions end when they disconnect" eventually 20 gone

# One initiator with 4 non-reading sessions: its total is capped too.
check "MaxBufferedResponseDataPerInitiator is set to 8 MiB" \
	daemon_ctl write targets/iscsi/MaxBufferedResponseDataPerInitiator 8388608
"$(tool iscsi_nonreader)" -1 "127.0.0.1:$PORT" "$DEFAULT_IQN" 0 4 50 1024 \
	>"$WORKDIR/one.out" 2>&1 &
nr_pid=$!
BG_PIDS+=("$nr_pid")
eventually 30 grep -q '^# ready' "$WORKDIR/one.out"
sleep 1
total=0
for q in $("$SCSTCTL" --socket "$SOCK" list "targets/iscsi/$DEFAULT_IQN/sessions" | grep nonreader); do
	v=$(daemon_ctl read "targets/iscsi/$DEFAULT_IQN/sessions/${q%/}/buffered_response_data" | head -1)
	total=$((total + ${v:-0}))
done
note "4 sessions of one initiator pin $total bytes"
# Each session may pass the total by the command that crossed it.
check "one initiator's sessions pin at most 8 MiB plus a command each" \
	test "$total" -gt 0 -a "$total" -le $((8388608 + 4 * 1048576))
kill "$nr_pid" 2>/dev/null
wait "$nr_pid" 2>/dev/null
check "the initiator's sessions end when it disconnects" eventually 20 gone

# Immediate commands take no CmdSN slot: a million immediate TEST UNIT
# READYs that are never read must not pin a response each (about 400
# bytes of command and PDU apiece, 400 MB) but stop at
# MaxBufferedResponseData (which counts 1 KiB a PDU: some 16000 of them,
# 12 MiB here, 80 under the sanitizer's red zones).
# A fresh daemon: freed heap of the runs above would hide the growth.
check_stop
start_daemon || { not_ok "scstd starts again"; finish; }
rss0=$(rss_kb)
"$(tool iscsi_nonreader)" -T "127.0.0.1:$PORT" "$DEFAULT_IQN" 0 1 1000000 1 \
	>"$WORKDIR/tur.out" 2>&1 &
nr_pid=$!
BG_PIDS+=("$nr_pid")
check "a non-reader sends immediate TEST UNIT READYs until the target stops taking them" \
	eventually 60 grep -q '^# ready' "$WORKDIR/tur.out"
rss1=$(rss_kb)
pinned=$(daemon_ctl read "$SESS/buffered_response_data" | head -1)
note "$(cat "$WORKDIR/tur.out" | tr '\n' ' '); pinned ${pinned:-?} bytes, RSS $rss0 -> $rss1 KiB"
check "the immediate commands' responses pin at most the limit plus one" \
	test "${pinned:-0}" -gt 0 -a "${pinned:-0}" -le $((16777216 + 1048576))
check "resident memory grows by less than 160 MiB" test $((rss1 - rss0)) -lt 163840
kill "$nr_pid" 2>/dev/null
wait "$nr_pid" 2>/dev/null
check_alive "daemon alive"
check_stop
finish
