#!/usr/bin/env bash
# scst_io_group.sh - io_grouping_type and cpu_mask of targets and
# ini_groups (README.scst): which sessions share an I/O thread, and the
# CPUs that thread may run on.  scstd's I/O threads are its io loops; a
# session's loop shows as lunX/thread_idx, its thread is scstd-ioN and its
# CPUs are /proc/PID/task/TID/status Cpus_allowed_list.  With two loops
# and sessions placed in turn:
#  - auto (default): one initiator name's sessions share a loop across
#    targets, two names do not;
#  - this_group_only: a group's sessions share one loop;
#  - never: two sessions of the group get different loops;
#  - a number: the sessions of two targets' groups with the same number
#    share one loop;
#  - cpu_mask 1: the target's sessions run on a thread pinned to CPU 0
#    (iSCSI too: the login moves there), the other threads stay on all;
#  - a change moves existing sessions too: scst_local ones, iSCSI ones
#    under a write load (their thread_idx follows and the pinned thread's
#    CPU time grows only while it serves them; every acknowledged write is
#    checked), and an MC/S session with both its connections;
#  - values as SCST shows them ([key] when not the default), bad values
#    refused, and both saved by -write_config and loaded again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../ack_writers.sh"
plan 43

require_daemon
require_tools session_probe ack_writer iscsi_mcs
ADMIN=$(dirname "$SCSTD")/scstadmin
CTL=$(dirname "$SCSTD")/scstctl
ctl() { daemon_ctl "$@"; }
reads() { [ "$(ctl read "$1")" = "$2" ]; }
refused() { ! "$CTL" --socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" write "$1" "$2" 2>/dev/null; }
# loop_of T S: the loop of a new scst_local session S of target T.
loop_of() {
	ctl write targets/scst_local/mgmt "add_session $1 $2" >/dev/null &&
		ctl read "targets/scst_local/$1/sessions/$2/lun0/thread_idx" | head -1
}
# sess_loop T S: the loop of the existing scst_local session S of target T.
sess_loop() { ctl read "targets/scst_local/$1/sessions/$2/lun0/thread_idx" | head -1; }
# tur T S: TEST UNIT READY through session S of T is GOOD (the first one
# reports the new nexus' POWER ON unit attention).
tur() {
	local cmd=("$(dirname "$SCSTD")/scst-local-cmd" -s "$WORKDIR/local.$DAEMON_SEQ.sock" -t "$1"
		-S "$2" 00 00 00 00 00 00)
	"${cmd[@]}" >/dev/null
	"${cmd[@]}"
}
same_loop() { local a b; a=$(loop_of "$1" "$2") && b=$(loop_of "$3" "$4") && [ "$a" = "$b" ]; }
other_loop() { local a b; a=$(loop_of "$1" "$2") && b=$(loop_of "$3" "$4") && [ "$a" != "$b" ]; }
# cpus_of N: Cpus_allowed_list of thread scstd-ioN.
cpus_of() {
	local f
	for f in /proc/"$DAEMON_PID"/task/*/comm; do
		[ "$(cat "$f" 2>/dev/null)" = "scstd-io$1" ] || continue
		sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$(dirname "$f")/status"
	done
}
ALL_CPUS=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)

IQN=iqn.2026-12.org.scstd:pinned
cat >"$WORKDIR/groups.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE n1
}
TARGET_DRIVER scst_local {
	TARGET la {
		LUN 0 n1
		GROUP gt {
			io_grouping_type this_group_only
			LUN 0 n1
			INITIATOR t-*
		}
		GROUP g5 {
			io_grouping_type 5
			LUN 0 n1
			INITIATOR n-*
		}
		GROUP gn {
			io_grouping_type never
			LUN 0 n1
			INITIATOR v-*
		}
	}
	TARGET lb {
		LUN 0 n1
		GROUP h5 {
			io_grouping_type 5
			LUN 0 n1
			INITIATOR m-*
		}
	}
	TARGET lc {
		cpu_mask 1
		LUN 0 n1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		cpu_mask 1
		LUN 0 n1
	}
	TARGET $IQN.a {
		enabled 1
		LUN 0 n1
	}
	TARGET $IQN.b {
		enabled 1
		LUN 0 n1
	}
}
CONF
start_daemon --threads 2 --config "$WORKDIR/groups.conf" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts with io_grouping_type and cpu_mask in its configuration"; finish; }
ok "scstd starts with io_grouping_type and cpu_mask in its configuration"
T=targets/scst_local
check "a target's io_grouping_type reads auto without [key]" reads $T/la/io_grouping_type auto
check "a group's this_group_only reads with [key]" reads $T/la/ini_groups/gt/io_grouping_type \
	$'this_group_only\n[key]'
check "a group's number reads with [key]" reads $T/la/ini_groups/g5/io_grouping_type $'5\n[key]'
check "cpu_mask 1 reads 1 with [key]" reads $T/lc/cpu_mask $'1\n[key]'
check "a target's default cpu_mask has no [key]" eval '[ "$(ctl read $T/la/cpu_mask | wc -l)" = 1 ]'
check "auto: two initiator names are on different loops" other_loop la host3 la host4
# auto across targets: one iSCSI initiator name logged in to two targets
# (scst_local session names are unique, so iSCSI sessions held open).
hold() {
	mkfifo "$WORKDIR/$1.in"
	bg_start sh -c "exec '$(tool session_probe)' '$2' 'iscsi://127.0.0.1:$PORT/$3/0' \
		<'$WORKDIR/$1.in' >'$WORKDIR/$1.out' 2>&1"
	eval "exec {fd_$1}>'$WORKDIR/$1.in'"
}
# iscsi_loop IQN INI: the thread_idx of INI's session of IQN, once it is there.
iscsi_loop() {
	local i
	for i in $(seq 1 100); do
		ctl read "targets/iscsi/$1/sessions/$2/lun0/thread_idx" 2>/dev/null | head -1 &&
			return 0
		sleep 0.1
	done
	return 1
}
INI=iqn.2026-12.org.scstd:host
for n in 1 2 3; do hold "a$n" "$INI$n" "$IQN.a"; iscsi_loop "$IQN.a" "$INI$n" >/dev/null; done
for n in 1 2 3; do hold "b$n" "$INI$n" "$IQN.b"; done
# pairs_share: each name's sessions of the two targets are on one loop.
pairs_share() {
	local n la lb
	for n in 1 2 3; do
		la=$(iscsi_loop "$IQN.a" "$INI$n") && lb=$(iscsi_loop "$IQN.b" "$INI$n") || return 1
		echo "$INI$n: $la $lb"
		[ "$la" = "$lb" ] || return 1
	done
}
check "auto: each initiator name's iSCSI sessions to two targets share a loop" pairs_share
stop_bg_pids
check "this_group_only: two initiators of the group share a loop" same_loop la t-a la t-b
check "never: two initiators of the group get different loops" other_loop la v-a la v-b
# Existing sessions follow a change (SCST regroups them too).
check "this_group_only on that group moves its two existing sessions onto one loop" \
	eval 'ctl write $T/la/ini_groups/gn/io_grouping_type this_group_only &&
	      [ "$(sess_loop la v-a)" = "$(sess_loop la v-b)" ] && tur la v-a && tur la v-b'
ctl write $T/la/ini_groups/gn/io_grouping_type never >/dev/null
check "a number: groups of two targets with io_grouping_type 5 share a loop" \
	same_loop la n-a lb m-a
FULL_MASK=$(ctl read $T/la/cpu_mask | head -1)
if [ "$ALL_CPUS" = 0 ]; then
	for _ in 1 2 3 4 5; do skip "one CPU: cpu_mask 1 is every CPU"; done
else
	pinned=$(loop_of lc pin1)
	check_output "cpu_mask 1: the target's session runs on a third thread" '^[2-9]' \
		echo "$pinned"
	check_output "... pinned to CPU 0" '^0$' cpus_of "$pinned"
	check_output "... thread 0 still runs on every CPU" "^$ALL_CPUS\$" cpus_of 0
	check "cpu_mask 1 on target la moves its existing session host3 to that thread" \
		eval 'ctl write $T/la/cpu_mask 1 && [ "$(sess_loop la host3)" = "$pinned" ] &&
		      tur la host3'
	check "cpu_mask back to every CPU moves it off the pinned thread" \
		eval 'ctl write $T/la/cpu_mask "$FULL_MASK" &&
		      [ "$(sess_loop la host3)" != "$pinned" ] && tur la host3'
fi
check "iSCSI: a login to a cpu_mask 1 target works" \
	eval 'timeout 20 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN/0" | grep -q DIRECT_ACCESS'
check "... its session was moved to the pinned thread" \
	grep -q "new session of $IQN goes to I/O thread $pinned" "$DAEMON_LOG"
check "io_grouping_type 0 is refused" refused $T/la/io_grouping_type 0
check "io_grouping_type sometimes is refused" refused $T/la/io_grouping_type sometimes
check "cpu_mask xyz is refused" refused $T/la/cpu_mask xyz
check "cpu_mask 0 (no CPU) is refused" refused $T/la/cpu_mask 0
check "... and nothing changed" eval 'reads $T/la/io_grouping_type auto &&
	[ "$(ctl read $T/la/cpu_mask | wc -l)" = 1 ]'
check "scstadmin -write_config" \
	"$ADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -write_config "$WORKDIR/w.conf"
check "... saves them" eval 'grep -qx "		cpu_mask 1" "$WORKDIR/w.conf" &&
	grep -qx "			io_grouping_type this_group_only" "$WORKDIR/w.conf" &&
	grep -qx "			io_grouping_type 5" "$WORKDIR/w.conf"'
check_stop
DAEMON_PID=
start_daemon --threads 2 --config "$WORKDIR/w.conf" --local-add-default-tgt 0 ||
	{ not_ok "a fresh scstd loads the written file"; finish; }
check "a fresh scstd loads the written file with them" \
	eval 'reads $T/la/ini_groups/gn/io_grouping_type $'"'"'never\n[key]'"'"' &&
	      reads $T/lc/cpu_mask $'"'"'1\n[key]'"'"
check_stop

# cpu_mask changes move live iSCSI sessions under a write load (every
# acknowledged write checked at the end), without a reconnect: the
# sessions' thread_idx follows, and the CPU time (/proc .../task/TID/stat
# utime + stime) of the pinned thread grows while it serves them and
# stops growing once they left.
LUN1=$WORKDIR/var/lun1.img
I=targets/iscsi/$DEFAULT_IQN
iscsi_loops() { iscsi_session_loops "$DEFAULT_IQN" 1; }
# ticks_of N: the CPU time of thread scstd-ioN in clock ticks.
ticks_of() {
	local f
	for f in /proc/"$DAEMON_PID"/task/*/comm; do
		[ "$(cat "$f" 2>/dev/null)" = "scstd-io$1" ] || continue
		awk '{ print $14 + $15 }' "$(dirname "$f")/stat"
	done
}
# busy_while_writing N MIN MAX: while the writers have 300 more writes
# acknowledged, thread scstd-ioN spends MIN..MAX clock ticks.
busy_while_writing() {
	local t0 t1
	t0=$(ticks_of "$1") && writers_mark && eventually 60 writers_progress 300 || return 1
	t1=$(ticks_of "$1")
	echo "scstd-io$1: $((t1 - t0)) ticks" | tee -a "$WORKDIR/ticks.log"
	[ $((t1 - t0)) -ge "$2" ] && [ $((t1 - t0)) -le "$3" ]
}
DAEMON_PID=
start_daemon --threads 2 || { not_ok "scstd starts with an iSCSI LUN"; finish; }
ok "scstd starts with an iSCSI LUN"
start_writers "$(url 1)"
writers_mark
check "$WRITERS writers run" eventually 30 writers_progress 20
if [ "$ALL_CPUS" = 0 ]; then
	for _ in 1 2 3 4; do skip "one CPU: cpu_mask 1 is every CPU"; done
else
	check "cpu_mask 1 under load: every session moves to a third thread, pinned to CPU 0" \
		eval 'ctl write $I/cpu_mask 1 && [ "$(iscsi_loops)" = 2 ] && [ "$(cpus_of 2)" = 0 ]'
	check "... the writes go on there: that thread's CPU time grows" \
		busy_while_writing 2 3 100000
	check "cpu_mask back to every CPU: the sessions leave the pinned thread" \
		eval 'ctl write $I/cpu_mask "$FULL_MASK" && [[ "$(iscsi_loops)" =~ ^[01]$ ]]'
	check "... the writes go on elsewhere: the pinned thread stays (nearly) idle" \
		busy_while_writing 2 0 4
fi
check "... no session ended (nothing reconnected)" \
	eval '! grep -E "session [0-9]+ of .* ended" "$DAEMON_LOG"'
stop_writers
check "every acknowledged write is in the backing file" acked_on_disk "$LUN1"
check_stop

# A session with two connections (MC/S, tests/tools/iscsi_mcs.c) moves as
# one: both connections go to the pinned thread between its commands, and
# its I/O afterwards (CmdSN ordered across both, each answer on its own
# connection, read back crosswise) is right.
MCS_IQN=iqn.2026-12.org.scstd:mcs-move
MCS_SESS=targets/iscsi/$MCS_IQN/sessions/iqn.2026-12.org.scstd:mcs
DAEMON_PID=
start_one_disk_target "scstd starts with a file-backed iSCSI target" "$MCS_IQN" -- --threads 2
if [ "$ALL_CPUS" = 0 ]; then
	for _ in 1 2 3; do skip "one CPU: cpu_mask 1 is every CPU"; done
else
	timeout 60 "$(tool iscsi_mcs)" "127.0.0.1:$PORT" "$MCS_IQN" io "$WORKDIR/mcs.go" \
		>"$WORKDIR/mcs.out" 2>&1 &
	MCS_PID=$!
	check "an MC/S session has its two connections in full feature phase" \
		printed "$WORKDIR/mcs.out" '^# two-connections'
	check "cpu_mask 1 moves it to the pinned thread" \
		eval 'ctl write targets/iscsi/$MCS_IQN/cpu_mask 1 &&
		      [ "$(ctl read $MCS_SESS/lun0/thread_idx | head -1)" = 2 ]'
	touch "$WORKDIR/mcs.go"
	wait "$MCS_PID"
	MCS_RC=$?
	sed 's/^/# /' "$WORKDIR/mcs.out"
	check "... where its I/O over both connections goes on correctly" test "$MCS_RC" -eq 0
fi
check_stop
finish
