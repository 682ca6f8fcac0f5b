#!/usr/bin/env bash
# scst_threads.sh - the root `threads` attribute (README.scst: "allows to
# read and set number of global SCST I/O threads"; scst_threads_show marks
# it [key] when it is not the number SCST started with).  scstd's I/O
# threads are its io loops (threads named scstd-ioN):
#  - writing a larger number starts the missing threads at once, and new
#    sessions are spread over all of them (scst_local sessions take the
#    next loop in turn, shown as lunX/thread_idx);
#  - writing a smaller one takes the loops above it out of service: every
#    new session lands on the loops below it;
#  - 0, more than 256 and non-numbers are refused and change nothing;
#  - a configuration with `threads N` sets it, -write_config saves it.
. "$(dirname "$0")/../lib.sh"
plan 20

require_daemon
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
check "... the session on loop 2 is still served there (TEST UNIT READY answers)" \
	eval 'reads targets/scst_local/lt/sessions/a3/lun0/thread_idx 2 && tur a3'
check "threads 0 is refused" refused threads 0
check "threads 257 is refused" refused threads 257
check "threads 'two' is refused" refused threads two
check "... and it still reads 1" reads threads $'1\n[key]'
check "threads 2 again: back to the number started with, no [key]" \
	eval 'ctl write threads 2 && reads threads 2'
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
