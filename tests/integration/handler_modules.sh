#!/usr/bin/env bash
# handler_modules.sh - `scstd --handler-modules`: SCST shows a device
# handler under handlers/ only while its kernel module is loaded, so what
# an admin sees depends on what was modprobed; SCST's own scstadmin
# regression suite loads scst_vdisk alone and expects exactly its four
# handlers.  The module contents below are SCST's (scst_vdisk.c registers
# vdisk_fileio, vdisk_blockio, vdisk_nullio and vcdrom; scst_disk.c
# dev_disk and dev_disk_perf; scst_tape.c dev_tape and dev_tape_perf;
# scst_changer.c dev_changer).
#  - the default is every module; a list narrows handlers/ to its modules;
#  - a handler of a module not loaded has no mgmt file, and a
#    configuration naming it is refused with nothing applied;
#  - without scst_user no handler process can attach (no socket);
#  - module names are taken as modprobe takes them ('-' as '_'); unknown
#    names, an empty list and a trailing comma are refused at start.
. "$(dirname "$0")/../lib.sh"
plan 14

require_daemon
ctl() { daemon_ctl "$@"; }
handlers() { ctl list handlers | sed 's|/$||' | sort | paste -sd' '; }

: >"$WORKDIR/empty.conf"
start_daemon --config "$WORKDIR/empty.conf" ||
	{ not_ok "scstd starts without --handler-modules"; finish; }
ok "scstd starts without --handler-modules"
check_output "... every module's handlers are there (dev_disk, dev_changer, vdisk_fileio, scst_user)" \
	'dev_changer.*dev_disk .*scst_user.*vdisk_fileio' handlers
stop_daemon >/dev/null

start_daemon --config "$WORKDIR/empty.conf" --handler-modules scst_vdisk ||
	{ not_ok "scstd starts with --handler-modules scst_vdisk"; finish; }
ok "scstd starts with --handler-modules scst_vdisk"
check_output "... handlers/ holds scst_vdisk's four handlers and nothing else" \
	'^vcdrom vdisk_blockio vdisk_fileio vdisk_nullio$' handlers
check "... dev_disk has no mgmt file" bash -c "! '$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' read handlers/dev_disk/mgmt"
check "... no scst_user socket is opened" test ! -e "$WORKDIR/user.$DAEMON_SEQ.sock"
check "... a vdisk_nullio device is still added" ctl write handlers/vdisk_nullio/mgmt "add_device n1"
stop_daemon >/dev/null

# modprobe's spelling: scst-disk is scst_disk.
start_daemon --config "$WORKDIR/empty.conf" --handler-modules scst-disk,scst_tape ||
	{ not_ok "scstd starts with --handler-modules scst-disk,scst_tape"; finish; }
ok "scstd starts with --handler-modules scst-disk,scst_tape"
check_output "... exactly dev_disk, dev_disk_perf, dev_tape, dev_tape_perf" \
	'^dev_disk dev_disk_perf dev_tape dev_tape_perf$' handlers
stop_daemon >/dev/null

# A configuration naming a handler whose module is not loaded.
cat >"$WORKDIR/fileio.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE f1 {
		filename $WORKDIR/f1.img
	}
}
CONF
truncate -s 1M "$WORKDIR/f1.img"
DAEMON_PID=
"$SCSTD" --foreground --config "$WORKDIR/fileio.conf" --handler-modules scst_disk \
	--ctl-socket none --local-socket none --user-socket none --listen 127.0.0.1:0 \
	>"$WORKDIR/unloaded.log" 2>&1
rc=$?
check "a config naming vdisk_fileio is refused when scst_vdisk is not loaded" test "$rc" -ne 0
check_output "... the refusal names the handler" 'vdisk_fileio' cat "$WORKDIR/unloaded.log"

refused_start() {
	"$SCSTD" --foreground --handler-modules "$1" --ctl-socket none --local-socket none \
		--user-socket none --listen 127.0.0.1:0 >"$WORKDIR/bad.out" 2>&1
	[ $? -eq 2 ] && grep -q -- "--handler-modules" "$WORKDIR/bad.out"
}
check "an unknown module is refused at start (status 2)" refused_start scst_vdisk,scst_bogus
check "an empty list is refused" refused_start ""
check "a trailing comma is refused" refused_start "scst_vdisk,"
finish
