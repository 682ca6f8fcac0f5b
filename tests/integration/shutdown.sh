#!/usr/bin/env bash
# shutdown.sh - graceful stops of the default configuration:
#  - SIGTERM and SIGINT while four writers (tests/tools/ack_writer) keep
#    writing stamped chunks: scstd exits 0 within a few seconds with a
#    clean log, and every write it acknowledged is in the backing file
#    (the chunk holds that generation or a later one);
#  - during the stop no new login is accepted: a WRITE whose Data-Out is
#    held keeps the daemon in its in-flight wait, and meanwhile a login
#    fails;
#  - a new scstd on the same var directory serves the data again.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../ack_writers.sh"

plan 21
require_daemon
require_tools ack_writer iscsi_taskset
MIB=1048576
STOP_LIMIT=${STOP_LIMIT:-5}
WRITERS=4
LUN1=$WORKDIR/var/lun1.img

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

# start_writers ROUND: WRITERS ack_writers, writer k on its own 64 MiB of
# the first 256 MiB (2048 chunks of 64 blocks), until the target goes.
start_writers() {
	local k
	WRITER_PIDS=()
	for k in $(seq 0 $((WRITERS - 1))); do
		"$(tool ack_writer)" "$(url 1)" $((k * 131072)) 2048 64 >"$WORKDIR/writer.$1.$k" 2>&1 &
		WRITER_PIDS+=($!)
	done
}

# writers_busy ROUND: every writer has had 20 writes acknowledged and
# still runs; otherwise each writer's count and last words say why.
writers_busy() {
	local k n rc=0
	for k in $(seq 0 $((WRITERS - 1))); do
		n=$(grep -c '^acked ' "$WORKDIR/writer.$1.$k")
		if [ "$n" -lt 20 ] || ! kill -0 "${WRITER_PIDS[$k]}" 2>/dev/null; then
			echo "writer $k: $n writes acknowledged, last output: $(tail -1 "$WORKDIR/writer.$1.$k")"
			rc=1
		fi
	done
	return $rc
}

# writers_end: the writers notice the closed connection and end by
# themselves within 15 s (libiscsi does not reconnect for them).
writers_end() {
	local p rc=0
	for p in "${WRITER_PIDS[@]}"; do
		if ! timeout 15 tail --pid="$p" -f /dev/null; then
			echo "writer $p still runs 15 s after the stop"
			kill -KILL "$p" 2>/dev/null
			rc=1
		fi
		wait "$p" 2>/dev/null
	done
	return $rc
}

# acked_on_disk ROUND: every chunk's last acknowledged generation (or a
# later, unacknowledged one) is what the backing file holds, in every
# block of the chunk.
acked_on_disk() {
	acked_in_file "$LUN1" "$WORKDIR"/writer."$1".*
}

# stop_under_load ROUND SIGNAL: the checks of one stop under the load.
stop_under_load() {
	local round=$1 sig=$2 t0 ms
	start_writers "$round"
	check "$WRITERS writers have writes acknowledged and still run when $sig comes" \
		eventually 30 writers_busy "$round"
	t0=$(date +%s%N)
	kill "-$sig" "$DAEMON_PID"
	stop_daemon "$STOP_LIMIT"
	ms=$((($(date +%s%N) - t0) / 1000000))
	note "scstd exited with status $DAEMON_RC ${ms} ms after $sig"
	if [ "$DAEMON_RC" = 0 ] && ! sanitizer_report "$DAEMON_LOG"; then
		ok "$sig under load: exit status 0 within ${STOP_LIMIT}s and a clean log"
	else
		not_ok "$sig under load: exit status 0 within ${STOP_LIMIT}s and a clean log (got $DAEMON_RC)"
		dump_log
	fi
	check "the writers end when the target goes away" writers_end
	check "$sig: every acknowledged write is in the backing file" acked_on_disk "$round"
}

stop_under_load term TERM
check "the marker is in the backing file after the stop" \
	cmp <(dd if="$LUN1" bs=1M skip=768 count=8 2>/dev/null) \
	<(head -c $((8 * MIB)) /dev/zero | tr '\0' '\132')

start_daemon || { not_ok "scstd restarts on the same var directory"; finish; }
ok "scstd restarts on the same var directory"
check "the marker reads back through iSCSI after the restart" marker read
check "READ CAPACITY(16) after the restart still gives 1 GiB" bash -c \
	"timeout 20 iscsi-readcapacity16 '$(url 1)' | grep -qx 'Total size:1073741824'"
# "ackw 0 " in hex: qemu-io shows blanks as dots in its text column.
check "a chunk written before the stop reads back through iSCSI" bash -c \
	"timeout 20 qemu-io -f raw -c 'read -v 0 16' '$(url 1)' | grep -q '^00000000:  61 63 6b 77 20 30 20'"

stop_under_load int INT

# No login while the daemon stops: a WRITE whose Data-Out is held keeps
# it in the in-flight wait (up to 3 s, iscsi_shutdown), the portal is
# closed already (iscsi_stop_accepting comes first).
start_daemon || { not_ok "scstd starts for the login-during-stop check"; finish; }
ok "scstd starts for the login-during-stop check"
coproc HOLD { timeout 60 "$(tool iscsi_taskset)" "127.0.0.1:$PORT" "$DEFAULT_IQN" 1 hold_release 0; }
HOLD_PID_SAVED=$HOLD_PID
held=
while IFS= read -r -t 20 line <&"${HOLD[0]}"; do
	case $line in *held*) held=1; break ;; esac
done
check "a WRITE with its Data-Out held is outstanding" test -n "$held"
kill -TERM "$DAEMON_PID"
# The portal closes first; the held WRITE then keeps the daemon up to 3 s.
portal_closed() { ! port_in_use "$PORT"; }
check "the portal closes after SIGTERM" eventually 5 portal_closed
check "the daemon is still in its in-flight wait" kill -0 "$DAEMON_PID"
check "a login during the stop is refused" bash -c "! timeout 5 iscsi-inq '$(url 1)'"
check "the stop still ends with exit 0 and a clean log" stop_daemon "$STOP_LIMIT"
exec {HOLD[1]}>&- {HOLD[0]}<&-
timeout 10 tail --pid="$HOLD_PID_SAVED" -f /dev/null
wait "$HOLD_PID_SAVED" 2>/dev/null
finish
