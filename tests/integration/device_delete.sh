#!/usr/bin/env bash
# device_delete.sh - deleting a device while commands still run on it.
# A LUN removed live leaves its in-flight commands running on the device
# (lun_resync.c), so del_device must wait for them, not free the device
# under them:
#  - a raw iSCSI session (tests/tools/iscsi_taskset hold_release) holds a
#    WRITE outstanding (Data-Out withheld); the LUN is deleted; del_device
#    then fails with EBUSY naming the command in flight and the device
#    stays; the Data-Out is sent and the WRITE completes GOOD on the
#    device; now del_device succeeds;
#  - qemu-io writes 8 MiB commands in a loop to another LUN while that LUN
#    and then its device are deleted: del_device succeeds once the last
#    command is gone, and the daemon (a sanitizer build too) stays clean.
. "$(dirname "$0")/../lib.sh"

plan 12

require_daemon
require_tools iscsi_taskset
TS=$(tool iscsi_taskset)
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
LUNS=targets/iscsi/$DEFAULT_IQN/luns

truncate -s 64M "$WORKDIR/held.img" "$WORKDIR/busy.img"
cat >"$WORKDIR/delete.conf" <<EOC
HANDLER vdisk_fileio {
	DEVICE held {
		filename $WORKDIR/held.img
	}
	DEVICE busy {
		filename $WORKDIR/busy.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 held
		LUN 1 busy
	}
}
EOC

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

# fails_busy CMD...: scstctl fails with EBUSY and says why.
fails_busy() {
	local out
	if out=$(ctl "$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	echo "$out"
	grep -q "EBUSY" <<<"$out" && grep -q "in flight" <<<"$out"
}

start_daemon --threads 2 --ctl-socket "$SOCK" --config "$WORKDIR/delete.conf" ||
	{ not_ok "scstd starts"; finish; }
ok "scstd starts"

# ---- a held WRITE pins its device -----------------------------------------
coproc HOLD { timeout 60 "$TS" "127.0.0.1:$PORT" "$DEFAULT_IQN" 0 hold_release 0 2>&1; }
read -r -t 30 line <&"${HOLD[0]}"
if [ "$line" != held ]; then
	not_ok "a WRITE is held outstanding on LUN 0 (got '$line')"
	finish
fi
ok "a WRITE is held outstanding on LUN 0"
check "LUN 0 is deleted under the held WRITE" ctl write "$LUNS/mgmt" "del 0"
check "del_device of its device fails with EBUSY: a command is in flight" \
	fails_busy write handlers/vdisk_fileio/mgmt "del_device held"
check_output "the device is still there" '^held/$' ctl list devices
echo go >&"${HOLD[1]}"
check_output "the held WRITE completes GOOD on the device" '^ok held WRITE completes GOOD' \
	timeout 30 cat <&"${HOLD[0]}"
wait "$HOLD_PID" 2>/dev/null
check "del_device succeeds once the command is gone" \
	ctl write handlers/vdisk_fileio/mgmt "del_device held"
check "the device is gone" bash -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -q '^held/$'"

# ---- deletion under a stream of I/O ---------------------------------------
writer() {
	local i
	for i in $(seq 1 200); do
		qemu-io -f raw -c "write -P 0x5a 0 32M" "$(url 1)" >/dev/null 2>&1 || return 0
	done
}
bg_start writer
WRITER=${BG_PIDS[-1]}
sleep 1
check "LUN 1 is deleted under a stream of writes" ctl write "$LUNS/mgmt" "del 1"
deleted() {
	local i
	for i in $(seq 1 20); do
		ctl write handlers/vdisk_fileio/mgmt "del_device busy" && return 0
		sleep 0.5
	done
	return 1
}
check "del_device of the busy device succeeds once its commands drained" deleted
wait "$WRITER" 2>/dev/null
check_alive "scstd alive with a clean log"
check_stop
finish
