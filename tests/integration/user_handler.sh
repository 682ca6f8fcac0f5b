#!/usr/bin/env bash
# user_handler.sh - out-of-process device handlers (scst_user,
# docs/user-handlers.md) end to end: the example handlers user_ramdisk and
# user_fileio serve LUNs to real initiators (qemu-io, libiscsi); a device
# without a handler answers NOT READY (02/04/03) while INQUIRY still works;
# a handler killed with SIGKILL mid-I/O leaves the daemon serving (the LUN
# answers 02/04/03 until a new handler attaches; a command the handler held
# ends with 04/08/00, checked with the misbehaving handlers, which are cut
# off the same way); a stopped (hung) handler is cut off after the
# device's cmd_timeout with 04/08/01; a new handler takes the device back
# and the data written before the crash is there; hostile handlers are
# refused or disconnected and leave the device usable; the user_fileio LUN
# gets the same iscsi-test-cu verdicts as a vdisk_fileio LUN of the same
# daemon (the conformance claim of the issue, measured differentially).
. "$(dirname "$0")/../lib.sh"
plan 51

require_daemon
require_tools scsi_cdb user_badhandler
EX=$(dirname "$SCSTD")/examples
IQN=iqn.2026-12.org.scstd:user
MIB=1048576
USOCK=$WORKDIR/handlers.sock

truncate -s $((64 * MIB)) "$WORKDIR/ref.img"
cat >"$WORKDIR/user.conf" <<CONF
HANDLER scst_user {
	DEVICE ram1 {
		size_mb 64
	}
	DEVICE file1 {
		size_mb 64
		cmd_timeout 3
	}
	DEVICE spare {
		size_mb 16
		blocksize 4096
	}
}
HANDLER vdisk_fileio {
	DEVICE ref {
		filename $WORKDIR/ref.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 ram1
		LUN 1 file1
		LUN 2 spare
		LUN 3 ref
		enabled 1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/user.conf" --user-socket "$USOCK"; then
	not_ok "scstd starts with scst_user devices configured"
	finish
fi
ok "scstd starts with scst_user devices configured"
daemon_ctl write abort_consider_finished_tasks_as_not_existing 1 >/dev/null

lun_url() { echo "iscsi://127.0.0.1:$PORT/$IQN/$1"; }

# cdb LUN LINES...: scsi_cdb's answers to the lines, one per line, on a
# session that logs in without TEST UNIT READY (first answer: the power-on UA).
cdb() {
	local lun=$1
	shift
	printf '%s\n' "$@" quit | SCSI_CDB_LOGIN_ONLY=1 timeout 60 "$(tool scsi_cdb)" "$(lun_url "$lun")"
}

qio() {  # qio LUN qemu-io-commands...
	local lun=$1 args=()
	shift
	for c in "$@"; do args+=(-c "$c"); done
	timeout 60 qemu-io -f raw "${args[@]}" "$(lun_url "$lun")"
}

start_handler() {  # start_handler NAME PROGRAM ARGS...: backgrounds it, waits for its attach
	local name=$1
	shift
	"$@" >"$WORKDIR/$name.out" 2>&1 &
	eval "${name}_PID=$!"
	BG_PIDS+=($!)
	eventually 10 grep -q serving "$WORKDIR/$name.out"
}

handler_pid_is() {  # handler_pid_is DEVICE PID
	[ "$(daemon_ctl read "devices/$1/handler_pid" | head -1)" = "$2" ]
}

# --- no handler yet --------------------------------------------------------
# SPC-4: TEST UNIT READY 00h, INQUIRY 12h (96 bytes), READ(10) 28h.
out=$(cdb 1 "cdb 000000000000" "cdb 120000006000 96" "cdb 000000000000" \
	"cdb 28000000000000000100 512" 2>&1)
check "without a handler: INQUIRY works, TEST UNIT READY and READ answer 02/04/03" \
	answers_are "$out" '^CHECK 06/29/00$' '^GOOD 00' '^CHECK 02/04/03$' '^CHECK 02/04/03$'
check_output "the tree shows no handler process (handler_pid 0)" '^0$' \
	daemon_ctl read devices/file1/handler_pid

# --- the example handlers serve -------------------------------------------
check "user_ramdisk attaches to ram1" start_handler ram "$EX/user_ramdisk" -s "$USOCK" ram1
check "user_fileio attaches to file1" start_handler file "$EX/user_fileio" -s "$USOCK" file1 \
	"$WORKDIR/file1.img"
check "the tree shows user_fileio's pid" handler_pid_is file1 "$file_PID"
check "qemu-io writes and reads back a pattern through user_ramdisk" \
	qio 0 "write -P 0x5a 0 4M" "read -P 0x5a 0 4M" "write -P 0xc3 60M 4M" "read -P 0xc3 60M 4M"
check "qemu-io writes and reads back through user_fileio (1 MiB chunks, unaligned 3 MiB)" \
	qio 1 "write -P 0x11 0 3M" "read -P 0x11 0 3M" "write -P 0x22 5M 512" "read -P 0x22 5M 512"
check "the data is in user_fileio's file" \
	cmp -n $((3 * MIB)) "$WORKDIR/file1.img" <(head -c $((3 * MIB)) /dev/zero | tr '\0' '\021')
check "FUA writes and SYNCHRONIZE CACHE reach the handler" \
	qio 1 "write -f -P 0x33 8M 64k" "flush" "read -P 0x33 8M 64k"

# --- hostile handlers --------------------------------------------------------
for mode in garbage nofd twofds unsealed small huge; do
	check "a hostile handler is refused at attach: $mode" \
		timeout 20 "$(tool user_badhandler)" "$USOCK" "$mode" spare
done
check "attaching to a device that does not exist is refused" \
	timeout 20 "$(tool user_badhandler)" "$USOCK" nodev no-such-device
check_output "attaching to a vdisk_fileio device is refused, naming its handler" \
	'belongs to vdisk_fileio' timeout 20 "$(tool user_badhandler)" "$USOCK" wrongtype ref
check "a second handler for a served device is refused (EBUSY)" \
	timeout 20 "$(tool user_badhandler)" "$USOCK" busy ram1
for mode in badtag positive oversize; do
	: >"$WORKDIR/bad.$mode.out"
	"$(tool user_badhandler)" "$USOCK" "$mode" spare >"$WORKDIR/bad.$mode.out" 2>&1 &
	bad=$!
	eventually 10 grep -q attached "$WORKDIR/bad.$mode.out"
	out=$(cdb 2 "cdb 000000000000" "cdb 28000000000000000100 4096" 2>&1)
	wait "$bad"
	rc=$?
	check_output "a handler answering with $mode is disconnected; its command gets 04/08/00" \
		"^CHECK 04/08/00\$" printf '%s\n' "$out"
	[ "$rc" = 0 ] && ok "... and scstd closed its connection ($mode)" ||
		{ not_ok "... and scstd closed its connection ($mode)"; sed 's/^/#   /' "$WORKDIR/bad.$mode.out"; }
done
check "after the hostile handlers a good one serves that device" \
	start_handler spare "$EX/user_ramdisk" -s "$USOCK" spare
check "... and I/O on it works" qio 2 "write -P 0x44 0 1M" "read -P 0x44 0 1M"
check_alive "daemon alive after the hostile handlers"

# --- a handler killed mid-I/O ----------------------------------------------
qio 1 "write -P 0x66 16M 8M" >/dev/null 2>&1
timeout 60 qemu-io -f raw -c "aio_write -P 0x77 32M 4M" -c "aio_write -P 0x77 36M 4M" \
	-c "aio_write -P 0x77 40M 4M" -c "aio_flush" "$(lun_url 1)" >"$WORKDIR/kill.out" 2>&1 &
qpid=$!
sleep 0.05
kill -KILL "$file_PID"
wait "$file_PID" 2>/dev/null
wait "$qpid"
note "qemu-io during the SIGKILL: $(tr '\n' ' ' <"$WORKDIR/kill.out" | cut -c1-200)"
check "the daemon noticed the handler's death" \
	eventually 10 handler_pid_is file1 0
out=$(cdb 1 "cdb 28000000000000000100 512" "cdb 28000000000000000100 512" 2>&1)
check_output "with the handler gone, READ answers 02/04/03" '^CHECK 02/04/03$' \
	printf '%s\n' "$out"
check_alive "daemon alive after the handler was killed"
check "a restarted user_fileio takes the device back" \
	start_handler file "$EX/user_fileio" -s "$USOCK" file1 "$WORKDIR/file1.img"
check "data acknowledged before the crash is still there" qio 1 "read -P 0x66 16M 8M"

# --- a hung handler ------------------------------------------------------------
kill -STOP "$file_PID"
start=$SECONDS
out=$(cdb 1 "cdb 000000000000" "cdb 28000000000000000100 512" 2>&1)
took=$((SECONDS - start))
check_output "a stopped handler's command ends with 04/08/01 (cmd_timeout 3 s; took ${took}s)" \
	'^CHECK 04/08/01$' printf '%s\n' "$out"
[ "$took" -ge 2 ] && [ "$took" -le 20 ] && ok "... after about cmd_timeout" ||
	not_ok "... after about cmd_timeout (took ${took}s)"
check "the hung handler was disconnected" eventually 10 handler_pid_is file1 0
kill -CONT "$file_PID"
check "the woken handler sees the disconnect and exits" eventually 10 \
	bash -c "! kill -0 $file_PID 2>/dev/null"
check "a new handler serves again" \
	start_handler file "$EX/user_fileio" -s "$USOCK" file1 "$WORKDIR/file1.img"
check "... with the data" qio 1 "read -P 0x66 16M 8M"

# --- management -------------------------------------------------------------------
check_output "cmd_timeout is shown as configured, with [key]" '^3$' \
	daemon_ctl read devices/file1/cmd_timeout
check_output "-write_config keeps the scst_user devices" 'cmd_timeout 3' \
	"$(dirname "$SCSTD")/scstadmin" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -write_config -
refused() { ! "$@"; }
check_output "add_device without a size is refused" 'size' \
	refused daemon_ctl write handlers/scst_user/mgmt "add_device nosize"
check "add_device at run time" \
	daemon_ctl write handlers/scst_user/mgmt "add_device late size_mb=8"
check "... and a handler serves it" start_handler late "$EX/user_ramdisk" -s "$USOCK" late

# --- conformance, compared with vdisk_fileio ------------------------------
# README.scst-3.x: only vdisk devices join the copy manager by themselves;
# EXTENDED COPY reaches another device once it has a copy manager LUN.
check "file1 gets a copy manager LUN by hand" \
	daemon_ctl write targets/copy_manager/copy_manager_tgt/luns/mgmt "add file1 100"
# The SCSI command families (the iSCSI protocol ones do not reach the
# device handler).
CU_FAMILIES=$(iscsi-test-cu -l 2>/dev/null | grep -E '^ALL\.[A-Za-z0-9]+$' |
	grep -Ev '^ALL\.(iSCSI|MultipathIO)' | paste -sd,)
cu() {  # cu LUN OUT: iscsi-test-cu's verdicts for LUN into OUT
	timeout -k 10 600 iscsi-test-cu -d -t "$CU_FAMILIES" "$(lun_url "$1")" >"$2.raw" 2>&1
	awk -f "$TESTS_ROOT/tests/conformance/parse_cu.awk" "$2.raw" >"$2"
}
if [ "${BUILD_KIND:-normal}" = asan ]; then
	for c in "no failure on the user_fileio LUN" "same verdicts as vdisk_fileio" "not vacuous"; do
		skip "iscsi-test-cu comparison ($c): run against the normal build (ASAN makes it minutes long)"
	done
else
	cu 1 "$WORKDIR/cu.user"
	cu 3 "$WORKDIR/cu.ref"
	note "user_fileio: $(grep SUMMARY "$WORKDIR/cu.user"); vdisk_fileio: $(grep SUMMARY "$WORKDIR/cu.ref")"
	check_output "iscsi-test-cu on the user_fileio LUN: no failure" 'failed 0 ' \
		grep '^SUMMARY' "$WORKDIR/cu.user"
	grep -E '^(PASS|FAIL|SKIP) ' "$WORKDIR/cu.user" | sort >"$WORKDIR/v.user"
	grep -E '^(PASS|FAIL|SKIP) ' "$WORKDIR/cu.ref" | sort >"$WORKDIR/v.ref"
	check "every test has the verdict it has on a vdisk_fileio LUN" \
		diff "$WORKDIR/v.ref" "$WORKDIR/v.user"
	check_output "the comparison is not vacuous: more than 150 tests pass" \
		'^(1[5-9][0-9]|[2-9][0-9][0-9])$' grep -c '^PASS ' "$WORKDIR/v.user"
fi
check_alive "daemon alive after everything"
check_stop "daemon stops with handlers attached (exit 0, clean log)"
check "the handlers exit when scstd goes" eventually 10 \
	bash -c "! kill -0 $file_PID 2>/dev/null && ! kill -0 $ram_PID 2>/dev/null && ! kill -0 $late_PID 2>/dev/null"
finish
