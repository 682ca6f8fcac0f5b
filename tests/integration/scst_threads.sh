#!/usr/bin/env bash
# scst_threads.sh - the root `threads` attribute (README.scst: "allows to
# read and set number of global SCST I/O threads"; scst_threads_show marks
# it [key] when it is not the number SCST started with).  scstd's I/O
# threads are its io loops (threads named scstd-ioN):
#  - writing a larger number starts the missing threads at once, and new
#    sessions are spread over all of them (scst_local sessions take the
#    next loop in turn, shown as lunX/thread_idx);
#  - writing a smaller one ends the threads above it (as SCST shrinks its
#    pool): their sessions move live to the loops below it (scst_local,
#    and iSCSI under write load without a reconnect, every acknowledged
#    write checked in the backing file), /proc shows fewer threads, new
#    sessions land below it, and a larger number runs them again; a
#    background SANITIZE on a leaving loop is waited for;
#  - 0, more than 256 and non-numbers are refused and change nothing;
#  - a configuration with `threads N` sets it, -write_config saves it.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../ack_writers.sh"
plan 38

require_daemon
require_tools ack_writer
ADMIN=$(dirname "$SCSTD")/scstadmin
CTL=$(dirname "$SCSTD")/scstctl
ctl() { daemon_ctl "$@"; }
reads() { [ "$(ctl read "$1")" = "$2" ]; }
refused() { ! "$CTL" --socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" write "$1" "$2" 2>/dev/null; }
# io_threads: how many scstd-ioN threads the daemon has (/proc).
io_threads() { grep -l '^scstd-io' /proc/"$DAEMON_PID"/task/*/comm 2>/dev/null | wc -l; }
has_io_threads() { [ "$(io_threads)" = "$1" ]; }
# session_loops T S1 S2 ...: the thread_idx of each new scst_local session
# of target T (LUN 0), sorted and unique.
session_loops() {
	local t=$1 s
	shift
	for s in "$@"; do
		ctl write targets/scst_local/mgmt "add_session $t $s" >/dev/null || return 1
		ctl read "targets/scst_local/$t/sessions/$s/lun0/thread_idx" | head -1
	done | sort -un | paste -sd,
}

cat >"$WORKDIR/base.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE n1
}
TARGET_DRIVER scst_local {
	TARGET lt {
		LUN 0 n1
	}
}
CONF
start_daemon --threads 2 --config "$WORKDIR/base.conf" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts with --threads 2"; finish; }
ok "scstd starts with --threads 2"
check "threads reads 2 without [key] (the number started with)" reads threads 2
check "... two scstd-io threads run" has_io_threads 2
check "threads 3 is taken" ctl write threads 3
check "... reads 3 with [key]" reads threads $'3\n[key]'
check "... a third scstd-io thread runs" has_io_threads 3
check_output "... three new sessions land on loops 0, 1 and 2" '^0,1,2$' \
	session_loops lt a1 a2 a3
check "threads 1 is taken" ctl write threads 1
check_output "... every new session lands on loop 0" '^0$' session_loops lt b1 b2 b3 b4
# tur S: TEST UNIT READY through session S is GOOD (the first one reports
# the new nexus' POWER ON unit attention).
tur() {
	local cmd=("$(dirname "$SCSTD")/scst-local-cmd" -s "$WORKDIR/local.$DAEMON_SEQ.sock" -t lt
		-S "$1" 00 00 00 00 00 00)
	"${cmd[@]}" >/dev/null
	"${cmd[@]}"
}
check "... the session that was on loop 2 moved to loop 0 and is served there" \
	eval 'reads targets/scst_local/lt/sessions/a3/lun0/thread_idx 0 && tur a3'
check "... and the surplus threads ended (one scstd-io thread left)" has_io_threads 1
check "threads 0 is refused" refused threads 0
check "threads 257 is refused" refused threads 257
check "threads 'two' is refused" refused threads two
check "... and it still reads 1" reads threads $'1\n[key]'
check "threads 2 again: back to the number started with, no [key]" \
	eval 'ctl write threads 2 && reads threads 2'
check "... thread 1 runs again" has_io_threads 2
check_output "... and new sessions land on it again" '^0,1$' session_loops lt c1 c2 c3
check_stop

# Lowering threads under iSCSI load: WRITERS sessions of ack_writer (each
# write stamped, every acknowledged one checked in the backing file at the
# end) plus iscsi-perf's queued READs.  Their sessions move off the loops
# that end without a reconnect (libiscsi does not reconnect: a writer
# whose connection dropped ends, which the checks see), and the threads
# end: /proc shows fewer scstd-io threads.
LUN1=$WORKDIR/var/lun1.img
iscsi_loops() { iscsi_session_loops "$DEFAULT_IQN" 1; }
DAEMON_PID=
start_daemon --threads 3 || { not_ok "scstd starts with --threads 3 and an iSCSI LUN"; finish; }
ok "scstd starts with --threads 3 and an iSCSI LUN"
# never: each session where the transport puts it (the least busy loop),
# so the writers spread over all three loops instead of sharing one.
ctl write "targets/iscsi/$DEFAULT_IQN/io_grouping_type" never >/dev/null
start_writers "$(url 1)"
bg_start timeout 120 iscsi-perf -i iqn.2026-12.org.scstd:perf -m 32 -b 8 "$(url 1)" \
	>"$WORKDIR/perf.out" 2>&1
writers_mark
check "$WRITERS writers and iscsi-perf run, their sessions on loops 0, 1 and 2" \
	eval 'eventually 30 writers_progress 20 && [ "$(iscsi_loops)" = 0,1,2 ]'
shrink() {
	writers_mark
	ctl write threads 1 || return 1
	has_io_threads 1 && [ "$(iscsi_loops)" = 0 ] && eventually 30 writers_progress 20
}
check "threads 1 under load: the threads end, every session is on loop 0 and writes go on" \
	shrink
check "... iscsi-perf still runs (its connection was not dropped)" \
	eval 'kill -0 ${BG_PIDS[-1]} && ! grep -qi "error\|fail" "$WORKDIR/perf.out"'
check "... no session ended" eval '! grep -E "session [0-9]+ of .* ended" "$DAEMON_LOG"'
grow() {
	ctl write threads 3 && has_io_threads 3 || return 1
	writers_mark
	ctl write threads 2 && has_io_threads 2 && eventually 30 writers_progress 20
}
check "threads 3 then 2 under load: 2 threads run and writes go on" grow
check "threads 1 again: the threads end and writes go on" shrink
stop_writers
stop_bg_pids
check "every acknowledged write is in the backing file" acked_on_disk "$LUN1"
check_stop

# A background SANITIZE (IMMED) on a fileio LUN runs on the loop of the
# session that started it and its writes are that loop's: lowering
# threads waits for it (the store returns once it is done) before the
# thread ends, and the operation completes.
MIB=1048576
truncate -s $((512 * MIB)) "$WORKDIR/san.img"
cat >"$WORKDIR/san.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE san0 {
		filename $WORKDIR/san.img
	}
}
TARGET_DRIVER scst_local {
	TARGET ls {
		LUN 0 san0
	}
}
CONF
DAEMON_PID=
start_daemon --threads 2 --config "$WORKDIR/san.conf" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts with a 512 MiB fileio LUN"; finish; }
ok "scstd starts with a 512 MiB fileio LUN"
# local_cmd S CDB...: a command through scst_local session S of target ls.
local_cmd() {
	local s=$1
	shift
	"$(dirname "$SCSTD")/scst-local-cmd" -s "$WORKDIR/local.$DAEMON_SEQ.sock" -t ls -S "$s" "$@"
}
for s in s1 s2; do
	ctl write targets/scst_local/mgmt "add_session ls $s" >/dev/null
	[ "$(ctl read "targets/scst_local/ls/sessions/$s/lun0/thread_idx" | head -1)" = 1 ] && ON1=$s
done
{ printf '\x01\x00\x02\x00'; head -c 512 /dev/zero | tr '\0' 'Z'; } >"$WORKDIR/san.param"
sanitize_started() {
	local_cmd "$ON1" 00 00 00 00 00 00 >/dev/null 2>&1     # the POWER ON unit attention
	local_cmd "$ON1" -i "$WORKDIR/san.param" 48 81 00 00 00 00 00 02 04 00
}
check "SANITIZE OVERWRITE (IMMED) through a session on loop 1 is GOOD at once" \
	eval '[ -n "$ON1" ] && sanitize_started'
check "threads 1 while it runs: taken, and thread 1 ended only after the SANITIZE did" \
	eval 'ctl write threads 1 && has_io_threads 1 &&
	      awk "/SANITIZE done/ { d = NR } /I\/O thread 1 ended/ { e = NR } END { exit !(d && e && d < e) }" "$DAEMON_LOG"'
# 0x5a is 'Z': the overwrite reached the file's end.
last_4k_is_pattern() { [ "$(tail -c 4096 "$WORKDIR/san.img" | tr -d Z | wc -c)" -eq 0 ]; }
check "... the backing file's last 4 KiB hold the pattern" last_4k_is_pattern
check "... and the session, now on loop 0, answers TEST UNIT READY" \
	eval 'reads "targets/scst_local/ls/sessions/$ON1/lun0/thread_idx" 0 &&
	      local_cmd "$ON1" 00 00 00 00 00 00'
check_stop

printf 'threads 3\n' >>"$WORKDIR/base.conf"
DAEMON_PID=
start_daemon --threads 2 --config "$WORKDIR/base.conf" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts with 'threads 3' in its configuration"; finish; }
check "a configuration's 'threads 3' is applied" reads threads $'3\n[key]'
check "... three scstd-io threads run" has_io_threads 3
check "scstadmin -write_config saves it" \
	eval '"$ADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -write_config "$WORKDIR/w.conf" &&
	      grep -qx "threads 3" "$WORKDIR/w.conf"'
check_stop
finish
