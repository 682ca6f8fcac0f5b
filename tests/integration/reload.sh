#!/usr/bin/env bash
# reload.sh - SIGHUP makes scstd read its --config file again and apply
# the difference as `scstadmin -config` does: a LUN and a device added, a
# LUN and a device removed, while a libiscsi session on the changed target
# keeps working; the result shows in last_reload_time/last_reload_result.
# A file that does not parse, or that the apply refuses, changes nothing
# (tree snapshots before and after) and is logged with its line.  Without
# --config, SIGHUP only logs that there is nothing to reload.
. "$(dirname "$0")/../lib.sh"
plan 28

require_daemon
require_tools tree_snapshot
use_scstctl
T1=iqn.2026-12.org.scstd:reload1
T2=iqn.2026-12.org.scstd:reload2
CONF=$WORKDIR/scst.conf
for d in d0 d1 d2 d3; do truncate -s 16M "$WORKDIR/$d.img"; done

write_conf() {  # write_conf 1|2: the two configurations
	local t1_luns t2_luns devs=
	if [ "$1" = 1 ]; then
		for d in d0 d1 d2; do devs+="	DEVICE $d { filename $WORKDIR/$d.img }"$'\n'; done
		t1_luns="LUN 0 d0"
		t2_luns=$'LUN 0 d1\n\t\tLUN 1 d2'
	else
		for d in d0 d1 d3; do devs+="	DEVICE $d { filename $WORKDIR/$d.img }"$'\n'; done
		t1_luns=$'LUN 0 d0\n\t\tLUN 1 d3'
		t2_luns="LUN 0 d1"
	fi
	cat >"$CONF.new" <<CONF
HANDLER vdisk_fileio {
$devs}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $T1 {
		enabled 1
		$t1_luns
	}
	TARGET $T2 {
		enabled 1
		$t2_luns
	}
}
CONF
	mv "$CONF.new" "$CONF"
}

# reload_done N: the daemon has logged the end of N reloads (~20 s max).
RELOAD_END='configuration .* reloaded|reload of .* (refused|failed)'
reload_count() { grep -aEc "$RELOAD_END" "$DAEMON_LOG"; }
hup_and_wait() {
	local before _
	before=$(reload_count)
	kill -HUP "$DAEMON_PID"
	for _ in $(seq 1 200); do
		[ "$(reload_count)" -gt "$before" ] && return 0
		sleep 0.1
	done
	return 1
}
snapshot() {  # snapshot FILE: the tree without the reload's own record
	"$(tool tree_snapshot)" --socket "$SOCK" | grep -v '^/\?last_reload_' >"$1"
}

write_conf 1
start_daemon --config "$CONF" --ctl-socket "$SOCK" || { not_ok "scstd starts with $CONF"; finish; }
ok "scstd starts with $CONF"
check_output "before any SIGHUP, last_reload_result is none" '^none$' ctl read last_reload_result
check_output "... and last_reload_time is never" '^never$' ctl read last_reload_time

# One libiscsi session on the target that gets a LUN, busy throughout;
# with -x 0 it exits at the first error or lost connection.
iscsi-perf -x 0 -m 4 "iscsi://127.0.0.1:$PORT/$T1/0" >"$WORKDIR/perf.out" 2>&1 &
PERF_PID=$!
BG_PIDS+=("$PERF_PID")
sleep 1
check "a held libiscsi session (iscsi-perf) on $T1 is running" kill -0 "$PERF_PID"
SESS_BEFORE=$(ctl list "targets/iscsi/$T1/sessions")

write_conf 2
check "SIGHUP: the daemon logs the end of the reload" hup_and_wait
check_output "last_reload_result is ok" '^ok$' ctl read last_reload_result
check_output "last_reload_time is an ISO 8601 UTC time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' \
	ctl read last_reload_time
check_output "$T1 has the new LUN 1 (device d3)" 'd3' ctl readlink "targets/iscsi/$T1/luns/1/device"
check "$T2 no longer has LUN 1" bash -c "! '$SCSTCTL' --socket '$SOCK' list 'targets/iscsi/$T2/luns' | grep -qx 1"
check "device d2 is gone, d3 exists" \
	bash -c "devs=\$('$SCSTCTL' --socket '$SOCK' list devices); ! grep -qx 'd2/\?' <<<\"\$devs\" && grep -qx 'd3/\?' <<<\"\$devs\""
check_output "the new LUN answers a libiscsi client (16 MiB)" 'Total size:16777216' \
	timeout 20 iscsi-readcapacity16 "iscsi://127.0.0.1:$PORT/$T1/1"
check "the session of $T1 is the same one (not logged in again)" \
	bash -c "[ \"\$('$SCSTCTL' --socket '$SOCK' list 'targets/iscsi/$T1/sessions')\" = '$SESS_BEFORE' ]"
# iscsi-perf prints one progress line a second: new lines mean new I/O.
perf_progresses() {
	local before _
	before=$(tr '\r' '\n' <"$WORKDIR/perf.out" | grep -c iops)
	for _ in $(seq 1 50); do
		[ "$(tr '\r' '\n' <"$WORKDIR/perf.out" | grep -c iops)" -gt $((before + 1)) ] && return 0
		sleep 0.1
	done
	tr '\r' '\n' <"$WORKDIR/perf.out" | tail -3
	return 1
}
check "the held session keeps doing I/O after the reload" perf_progresses

# A file that does not parse: nothing changes, the log names the line.
snapshot "$WORKDIR/before.snap"
cp "$CONF" "$WORKDIR/good.conf"
printf 'HANDLER vdisk_fileio {\n\tDEVICE d9 {\n\t\tfilename %s\n' "$WORKDIR/d0.img" >"$CONF"
check "SIGHUP with a truncated file: the reload ends" hup_and_wait
check_output "... it is logged as refused with its line" "reload of $CONF refused.*line [0-9]+" \
	cat "$DAEMON_LOG"
check_output "... last_reload_result says failed and names the line" '^failed: .*line [0-9]+' \
	ctl read last_reload_result
snapshot "$WORKDIR/after.snap"
check "... and the tree is unchanged" diff "$WORKDIR/before.snap" "$WORKDIR/after.snap"

# A file that parses but the apply refuses (a LUN of a device that does
# not exist) after removing a LUN: checked before any change.
write_conf 2
sed -i "s/LUN 0 d1/LUN 0 nosuchdev/" "$CONF"
check "SIGHUP with a LUN of an unknown device: the reload ends" hup_and_wait
check_output "... last_reload_result says failed" '^failed: ' ctl read last_reload_result
snapshot "$WORKDIR/after2.snap"
check "... and the tree is unchanged" diff "$WORKDIR/before.snap" "$WORKDIR/after2.snap"

cp "$WORKDIR/good.conf" "$CONF"
check "SIGHUP with the good file again: the reload ends" hup_and_wait
check_output "... and succeeds" '^ok$' ctl read last_reload_result
check "the held session keeps doing I/O after the failed reloads" perf_progresses
check "the held session survived every reload" kill -0 "$PERF_PID"
# SIGKILL: after the REPORTED LUNS DATA HAS CHANGED unit attention that
# libiscsi retries, iscsi-perf's in-flight count can end at -1, and on
# SIGTERM it would wait for ever for it to drain to 0.
kill -KILL "$PERF_PID" 2>/dev/null
wait "$PERF_PID" 2>/dev/null
check_stop

# Without --config there is nothing to read again.
start_daemon || { not_ok "scstd starts without --config"; finish; }
kill -HUP "$DAEMON_PID"
check "without --config, SIGHUP logs that there is nothing to reload" \
	eventually 10 grep -aq "started without --config, nothing to reload" "$DAEMON_LOG"
check_alive "the daemon runs on after that SIGHUP"
check_stop
finish
