#!/usr/bin/env bash
# shutdown.sh - SIGTERM while qemu-img (bench -w) is writing: scstd exits 0 within a
# few seconds with a clean log, and a new scstd on the same var directory
# serves the data written before the load (and the whole LUN) again.
. "$(dirname "$0")/../lib.sh"

require_daemon
MIB=1048576
STOP_LIMIT=${STOP_LIMIT:-5}

start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"

# A marker written and verified before the load; the load never touches it.
marker() {  # marker write|read
	local out op=$1
	out=$(timeout 60 qemu-io -f raw -c "$op -P 0x5a $((768 * MIB)) $((8 * MIB))" "$(url 1)" 2>&1)
	echo "$out"
	! grep -qi 'fail\|error' <<<"$out" && grep -q "^$([ "$op" = write ] && echo wrote || echo read) $((8 * MIB))/" <<<"$out"
}
check "an 8 MiB marker is written at 768 MiB" marker write

# qemu-img bench: a million overlapping 4 KiB writes within the first 512 MiB,
# 16 in flight; far more than the second it has before SIGTERM.
qemu-img bench -f raw -w -c 1000000 -d 16 -s 4096 -S 512 "$(url 1)" >"$WORKDIR/load.out" 2>&1 &
LOAD_PID=$!
BG_PIDS+=("$LOAD_PID")
sleep 1
if kill -0 "$LOAD_PID" 2>/dev/null; then
	ok "a qemu-img write load is running when SIGTERM comes"
else
	# Too fast a machine is not the daemon's fault; the stop still counts.
	skip "the qemu-img load finished before SIGTERM (machine too fast)"
fi

t0=$(date +%s%N)
stop_daemon "$STOP_LIMIT"
ms=$((($(date +%s%N) - t0) / 1000000))
note "scstd exited with status $DAEMON_RC ${ms} ms after SIGTERM"
if [ "$DAEMON_RC" = 0 ]; then
	ok "SIGTERM under load: exit status 0 within ${STOP_LIMIT}s"
else
	not_ok "SIGTERM under load: exit status 0 within ${STOP_LIMIT}s (got $DAEMON_RC)"
	dump_log
fi
if sanitizer_report "$DAEMON_LOG"; then
	not_ok "no sanitizer report in the log of the stopped daemon"
	dump_log
else
	ok "no sanitizer report in the log of the stopped daemon"
fi
# Whether qemu-img gives up or keeps reconnecting is the client's policy,
# not the daemon's; it only must not outlive the test.
if ! timeout 3 tail --pid="$LOAD_PID" -f /dev/null 2>/dev/null; then
	note "qemu-img still retrying 3 s after the stop; killed"
	kill "$LOAD_PID" 2>/dev/null
fi
wait "$LOAD_PID" 2>/dev/null

check "the marker is in the backing file after the stop" \
	cmp <(dd if="$WORKDIR/var/lun1.img" bs=1M skip=768 count=8 2>/dev/null) \
	<(head -c $((8 * MIB)) /dev/zero | tr '\0' '\132')

start_daemon || { not_ok "scstd restarts on the same var directory"; finish; }
ok "scstd restarts on the same var directory"
check "the marker reads back through iSCSI after the restart" marker read
check "READ CAPACITY(16) after the restart still gives 1 GiB" bash -c \
	"timeout 20 iscsi-readcapacity16 '$(url 1)' | grep -qx 'Total size:1073741824'"
loaded_prefix_readable() {
	timeout 60 qemu-img dd -f raw -O raw if="$(url 1)" of="$WORKDIR/prefix.raw" bs=1M count=16 &&
		[ "$(stat -c %s "$WORKDIR/prefix.raw")" = $((16 * MIB)) ]
}
check "the region under load reads after the restart" loaded_prefix_readable
check_stop
finish
