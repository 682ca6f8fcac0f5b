#!/usr/bin/env bash
# close_inflight.sh - memory the kernel still uses through io_uring is not
# freed under it: hundreds of raw sessions (tests/tools/
# iscsi_close_inflight) end their connections (RST, plain close, session
# reinstatement) or get their commands aborted (ABORT TASK; LUN RESET from
# another initiator, answered while the WRITE's data is still coming) while
# a recv lands in a WRITE's buffer, a sendmsg holds a READ's Data-In or the
# backing file (O_DIRECT, on disk) is read or written.  Afterwards the
# daemon runs, serves libiscsi, lists no session and holds no command
# buffer.  In the sanitizer build every buffer an op in flight uses is
# recorded (src/util/io_claim.c) and freeing it aborts the daemon, which
# the checks here would show.
. "$(dirname "$0")/../lib.sh"

plan 13

require_daemon
require_tools iscsi_close_inflight
use_scstctl
IQN=$DEFAULT_IQN
# O_DIRECT on a disk file: reads and writes of the backing file really wait
# in the kernel, so aborts and closes find them in flight.
truncate -s 80M "$WORKDIR/disk.img"
cat >"$WORKDIR/inflight.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
		o_direct 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF
# Two I/O threads: the initiators' connections land on both loops.
start_daemon --threads 2 --ctl-socket "$SOCK" --config "$WORKDIR/inflight.conf" ||
	{ not_ok "scstd starts with an O_DIRECT fileio LUN"; finish; }
ok "scstd starts with an O_DIRECT fileio LUN"

SECONDS_BUDGET=${CLOSE_INFLIGHT_SECONDS:-60}
[ "${BUILD_KIND:-}" = asan ] && SECONDS_BUDGET=${CLOSE_INFLIGHT_SECONDS:-90}
OUT=$WORKDIR/stress.out
stress() {
	timeout $((SECONDS_BUDGET + 60)) "$(tool iscsi_close_inflight)" \
		"127.0.0.1:$PORT" "$IQN" 0 "$SECONDS_BUDGET" 1600 >"$OUT" 2>&1
	local rc=$?
	sed 's/^/# /' "$OUT"
	[ "$rc" -eq 0 ]
}
check "connections closed and commands aborted with I/O in flight, every check held" stress
check "at least 200 iterations ran" \
	bash -c "awk '\$1 == \"iterations\" && \$2 >= 200 { f = 1 } END { exit !f }' '$OUT'"
check "each of the 9 scenarios ran" bash -c "awk '\$1 ~ /^[a-z_]+\$/ && \$1 != \"iterations\" &&
	\$2 > 0 { n++ } END { exit n != 9 }' '$OUT'"
check_alive "scstd alive, no sanitizer report"
# A dead daemon lists nothing either: ask a live one.
sessions_gone() { daemon_alive && no_sessions_left "$IQN"; }
check "no session is left" sessions_gone

# In use: command buffers allocated and not freed, over all threads.
sgv_in_use() {
	local stats
	stats=$(ctl read sgv/sgv/stats) || { echo unknown; return; }
	awk '$1 == "sgv" && NF == 5 { s += $4 } $1 == "big" { s += $4 }
		END { print s + 0 }' <<<"$stats"
}
buffers_released() {
	local _
	for _ in $(seq 1 50); do
		[ "$(sgv_in_use)" = 0 ] && return 0
		sleep 0.1
	done
	ctl read sgv/sgv/stats | sed 's/^/# /'
	return 1
}
check "no command buffer is still in use" buffers_released
check_output "the log shows the stress reached reinstatement" "reinstat" cat "$DAEMON_LOG"
check_output "libiscsi iscsi-inq still gets the standard INQUIRY" "Vendor:" \
	timeout 20 iscsi-inq "$(url 0)"
check_output "libiscsi iscsi-readcapacity16 still reports the 80 MiB" "^83886080$" \
	timeout 20 iscsi-readcapacity16 -s "$(url 0)"
check "no session is left after the libiscsi clients" sessions_gone
check_alive "scstd alive with a clean log"
check_stop
finish
