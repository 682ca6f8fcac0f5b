# lib.sh - shared helpers of the integration tests: TAP check reporting,
# a private working directory, free-port picking, and the life-cycle of
# the scstd daemon under test (start, wait for its port, stop, inspect its
# log for sanitizer reports).  Sourced by tests/integration/*.sh.
#
# Environment:
#   SCSTD      daemon binary under test (default: build/scstd)
#   TOOLS_DIR  directory of the C test tools (default: build/tests, else the
#              tests/ directory next to $SCSTD)
#   KEEP_WORKDIR=1 keeps the working directory for post-mortems.

TESTS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SCSTD=${SCSTD:-$TESTS_ROOT/build/scstd}
if [ -z "${TOOLS_DIR:-}" ]; then
	if [ -d "$TESTS_ROOT/build/tests" ]; then
		TOOLS_DIR=$TESTS_ROOT/build/tests
	else
		TOOLS_DIR=$(dirname "$SCSTD")/tests
	fi
fi
# start_daemon runs from the working directory: paths must be absolute.
case $SCSTD in /*) ;; *) SCSTD=$PWD/$SCSTD ;; esac
case $TOOLS_DIR in /*) ;; *) TOOLS_DIR=$PWD/$TOOLS_DIR ;; esac
DEFAULT_IQN=iqn.2026-11.org.scstd:default

# Sanitizer builds must turn any report into a visible failure.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

TAP_PASS=0
TAP_FAIL=0
TAP_SKIP=0
DAEMON_PID=
DAEMON_LOG=
DAEMON_RC=
DAEMON_SEQ=0
PORT=
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/scstd-$(basename "$0" .sh).XXXXXX")
declare -a BG_PIDS=()

ok()     { TAP_PASS=$((TAP_PASS + 1)); echo "ok - $*"; }
not_ok() { TAP_FAIL=$((TAP_FAIL + 1)); echo "not ok - $*"; }
skip()   { TAP_SKIP=$((TAP_SKIP + 1)); echo "ok - # SKIP $*"; }
note()   { echo "# $*"; }

# check NAME CMD...: one TAP line from CMD's exit status; CMD's output is
# kept in $WORKDIR/last.out and shown only on failure.
check() {
	local name=$1
	shift
	if "$@" >"$WORKDIR/last.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/#   /' "$WORKDIR/last.out" | tail -20
	fi
}

# check_output NAME REGEX CMD...: CMD succeeds and its output matches REGEX.
check_output() {
	local name=$1 re=$2
	shift 2
	if "$@" >"$WORKDIR/last.out" 2>&1 && grep -Eq -- "$re" "$WORKDIR/last.out"; then
		ok "$name"
	else
		not_ok "$name (expected /$re/)"
		sed 's/^/#   /' "$WORKDIR/last.out" | tail -20
	fi
}

# run_tap CMD...: CMD prints its own TAP lines; echo them and count them.
# A failing CMD that printed no "not ok" line still counts as one failure.
run_tap() {
	local out=$WORKDIR/tap.out rc p s f
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -Ec '^ok ' "$out")
	s=$(grep -Ec '^ok - # SKIP' "$out")
	f=$(grep -Ec '^not ok ' "$out")
	TAP_PASS=$((TAP_PASS + p - s))
	TAP_SKIP=$((TAP_SKIP + s))
	TAP_FAIL=$((TAP_FAIL + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		not_ok "$1 exited with status $rc"
	fi
}

# tool NAME: path of a C test tool, built by the Makefile into TOOLS_DIR.
tool() {
	echo "$TOOLS_DIR/$1"
}

# require_tools NAME...: a missing tool is one failed check, and the script
# ends there (its checks cannot run).
require_tools() {
	local t
	for t in "$@"; do
		if [ ! -x "$(tool "$t")" ]; then
			not_ok "test tool $(tool "$t") is built"
			finish
		fi
	done
}

port_in_use() {
	ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# A random start spreads concurrent runs; ss tells which ports are taken.
# The range stays below the kernel's ephemeral ports (ip_local_port_range),
# where any outgoing connection of a concurrent test could hold the port
# without listening on it.
pick_port() {
	local p tries=0 lo
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
	[ -n "$lo" ] && [ "$lo" -gt 12000 ] || lo=32768
	while [ $tries -lt 200 ]; do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (lo - 10000)))
		if ! port_in_use "$p" && ! ss -Htan "sport = :$p" 2>/dev/null | grep -q .; then
			echo "$p"
			return 0
		fi
		tries=$((tries + 1))
	done
	return 1
}

# wait_port PORT PID: until something listens on PORT (max ~10 s), failing
# early if PID dies.
wait_port() {
	local port=$1 pid=$2 i
	for i in $(seq 1 100); do
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q "127.0.0.1:$port" && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_daemon [scstd args...]: runs $SCSTD in the foreground from
# $WORKDIR with --var-dir $WORKDIR/var and --pr-dir $WORKDIR/var/pr, listening on 127.0.0.1:$PORT (a
# fresh port unless PORT_FIXED is set).  Extra --listen options may be
# given (@PORT@ in an argument becomes the port); the daemon is ready
# when the IPv4 port listens.  The control and scst_local sockets default
# to private paths (a later --ctl-socket/--local-socket wins), so that
# concurrent daemons never fight over /run/scst.
start_daemon() {
	[ -n "${PORT_FIXED:-}" ] && PORT=$PORT_FIXED || PORT=$(pick_port) || return 1
	DAEMON_SEQ=$((DAEMON_SEQ + 1))
	DAEMON_LOG=$WORKDIR/scstd.$DAEMON_SEQ.log
	DAEMON_RC=
	# KILL_BEFORE_EXEC=PID: that process gets SIGKILL right before the
	# exec, microseconds before the new daemon starts (restart tests).
	(cd "$WORKDIR" && { [ -z "${KILL_BEFORE_EXEC:-}" ] || kill -KILL "$KILL_BEFORE_EXEC"; } &&
		exec "$SCSTD" --foreground --listen "127.0.0.1:$PORT" \
		--var-dir "$WORKDIR/var" --pr-dir "$WORKDIR/var/pr" --log-level "${SCSTD_LOG_LEVEL:-info}" \
		--ctl-socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" --local-socket "$WORKDIR/local.$DAEMON_SEQ.sock" \
		"${@//@PORT@/$PORT}") \
		>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	if ! wait_port "$PORT" "$DAEMON_PID"; then
		echo "# scstd did not come up on port $PORT" >&2
		dump_log
		return 1
	fi
	# Only for stand-ins that open their port before they are configured.
	[ -n "${START_SETTLE:-}" ] && sleep "$START_SETTLE"
	return 0
}

# daemon_ctl ARGS...: scstctl on the control socket start_daemon gave the
# current daemon (not one a script chose with --ctl-socket).  The socket
# opens just after the iSCSI port, so it is waited for (max ~5 s).
daemon_ctl() {
	local sock=$WORKDIR/ctl.$DAEMON_SEQ.sock i
	for i in $(seq 1 50); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	"$(dirname "$SCSTD")/scstctl" --socket "$sock" "$@"
}

daemon_alive() {
	[ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null
}

SANITIZER_RE='ERROR: AddressSanitizer|runtime error:|LeakSanitizer|ERROR: UndefinedBehaviorSanitizer'
sanitizer_report() {
	grep -Eq "$SANITIZER_RE" "$1"
}

# stop_daemon [TIMEOUT]: SIGTERM, wait; sets DAEMON_RC (or 'hung' after
# TIMEOUT s, then SIGKILL).  Returns 0 only for exit 0 with a clean log.
stop_daemon() {
	local t=${1:-10} i
	[ -n "$DAEMON_PID" ] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null
	for i in $(seq 1 $((t * 10))); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_RC=hung
	else
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_RC=$?
	fi
	DAEMON_PID=
	[ "$DAEMON_RC" = 0 ] && ! sanitizer_report "$DAEMON_LOG"
}

# check_stop NAME: stop the daemon as one TAP check.
check_stop() {
	if stop_daemon "${2:-10}"; then
		ok "${1:-daemon stops on SIGTERM with exit 0 and a clean log}"
	else
		not_ok "${1:-daemon stops on SIGTERM with exit 0 and a clean log} (rc=$DAEMON_RC)"
		dump_log
	fi
}

# check_alive NAME: the daemon still runs and has reported nothing.
check_alive() {
	if daemon_alive && ! sanitizer_report "$DAEMON_LOG"; then
		ok "${1:-daemon alive}"
	else
		not_ok "${1:-daemon alive}"
		dump_log
	fi
}

# Each part of a log is shown once, however many checks failed on it: a
# later failure shows only what the daemon logged since.
DUMPED_LOG=
DUMPED_LINES=0
dump_log() {
	local total n
	[ -n "$DAEMON_LOG" ] && [ -f "$DAEMON_LOG" ] || return 0
	[ "$DUMPED_LOG" = "$DAEMON_LOG" ] || DUMPED_LINES=0
	total=$(wc -l <"$DAEMON_LOG")
	n=$((total - DUMPED_LINES))
	[ "$n" -gt 0 ] || return 0
	[ "$n" -gt 50 ] && n=50
	DUMPED_LOG=$DAEMON_LOG
	DUMPED_LINES=$total
	echo "# --- last $n new lines of $DAEMON_LOG ---"
	tail -n "$n" "$DAEMON_LOG" | sed 's/^/#   /'
	# A sanitizer report's first lines say what went wrong; a tail would
	# show only the end of its stack traces.
	if sanitizer_report "$DAEMON_LOG"; then
		echo "# --- sanitizer report in $DAEMON_LOG ---"
		grep -m1 -E -A40 "$SANITIZER_RE" "$DAEMON_LOG" | sed 's/^/#   /'
	fi
}

# use_scstctl: SCSTCTL (the scstctl next to $SCSTD), SOCK (a control
# socket path in $WORKDIR, for start_daemon --ctl-socket) and ctl(), for
# scripts that drive the management tree; without scstctl the script ends
# as one failed check.
use_scstctl() {
	SCSTCTL=$(dirname "$SCSTD")/scstctl
	[ -x "$SCSTCTL" ] || { not_ok "scstctl is built next to scstd"; finish; }
	SOCK=$WORKDIR/ctl/scstd.sock
	ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
}

# require_fuse: ends the script as skipped when FUSE cannot be mounted.
require_fuse() {
	if ! command -v fusermount3 >/dev/null 2>&1 || [ ! -e /dev/fuse ]; then
		skip "FUSE is not available (fusermount3 or /dev/fuse missing)"
		finish
	fi
}

# wait_last_mgmt_res: polls last_sysfs_mgmt_res through ctl (use_scstctl)
# until it is no longer EAGAIN (at most ~10 s); prints it.
wait_last_mgmt_res() {
	local i out
	for i in $(seq 1 100); do
		if out=$(ctl read last_sysfs_mgmt_res 2>&1); then
			echo "$out"
			return 0
		fi
		grep -q '^scstctl: EAGAIN ' <<<"$out" || { echo "$out"; return 1; }
		sleep 0.1
	done
	echo "still EAGAIN"
	return 1
}

# start_one_disk_target CHECK IQN [TARGET-LINE...] [-- SCSTD-ARG...]: the
# file $WORKDIR/disk.img (${DISK_SIZE:-8M}) as vdisk_fileio device d1, LUN
# 0 of the enabled iSCSI target IQN (each TARGET-LINE one more target
# attribute, e.g. "QueuedCommands 4"), in $WORKDIR/one_disk.conf; scstd
# starts with that --config and the SCSTD-ARGs.  One check named CHECK;
# when scstd does not come up, the script ends there.
start_one_disk_target() {
	local name=$1 iqn=$2 attrs=
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		attrs+=$'\t\t'"$1"$'\n'
		shift
	done
	[ $# -gt 0 ] && shift
	truncate -s "${DISK_SIZE:-8M}" "$WORKDIR/disk.img"
	cat >"$WORKDIR/one_disk.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $iqn {
		enabled 1
${attrs}		LUN 0 d1
	}
}
CONF
	if ! start_daemon --config "$WORKDIR/one_disk.conf" "$@"; then
		not_ok "$name"
		finish
	fi
	ok "$name"
}

# peer_logged_in OUT SESSION: a raw initiator running in the background
# with its output in OUT has printed "# ready" and SESSION (a tree path)
# is listed, within ~10 s (ctl: see use_scstctl); otherwise OUT is shown.
peer_logged_in() {
	local _
	for _ in $(seq 1 100); do
		grep -q '^# ready' "$1" && ctl list "$2" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$1"
	return 1
}

# printed FILE REGEX: a client running in the background with its output
# in FILE has printed a line matching REGEX within ~10 s; otherwise FILE
# is shown.
printed() {
	local _
	for _ in $(seq 1 100); do
		grep -q -- "$2" "$1" && return 0
		sleep 0.1
	done
	cat "$1"
	return 1
}

# eventually SECONDS CMD...: CMD succeeds within SECONDS (tried every
# 0.1 s), for what the daemon finishes on its own threads a moment after
# the client saw its answer.
eventually() {
	local _ limit=$(($1 * 10))
	shift
	for _ in $(seq 1 "$limit"); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

# check_held_session DESCRIPTION PID OUT: a client held open in the
# background (PID, its output in OUT) is still running; it is stopped
# either way, and its last output shown when it had died.
check_held_session() {
	if kill -0 "$2" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1"
		tr '\r' '\n' <"$3" | tail -5 | sed 's/^/#   /'
	fi
	kill "$2" 2>/dev/null
	wait "$2" 2>/dev/null
}

# no_sessions_left IQN: the iSCSI target IQN lists no session within ~5 s;
# otherwise what is left is shown.
no_sessions_left() {
	local _
	for _ in $(seq 1 50); do
		ctl list "targets/iscsi/$1/sessions" | grep -q . || return 0
		sleep 0.1
	done
	ctl list "targets/iscsi/$1/sessions"
	return 1
}

url() {
	echo "iscsi://127.0.0.1:$PORT/${2:-$DEFAULT_IQN}/${1:-1}"
}

bg_start() {
	"$@" &
	BG_PIDS+=($!)
}

# Everything this script started dies with it, the daemon last so that
# clients do not log spurious errors.
lib_cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "$DAEMON_PID" ]; then
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
	fi
	if [ "${KEEP_WORKDIR:-0}" = 1 ]; then
		echo "# workdir kept: $WORKDIR"
	else
		rm -rf "$WORKDIR"
	fi
}
trap lib_cleanup EXIT
# run_all's timeout signals the whole process group: say so, show the log.
trap 'echo "# interrupted (timeout?)"; dump_log; exit 130' INT TERM

require_daemon() {
	if [ ! -x "$SCSTD" ]; then
		not_ok "daemon binary $SCSTD exists"
		finish
	fi
}

# finish: the script's own summary; the exit status says whether any
# check failed.  A failed run keeps the last daemon log visible.
finish() {
	echo "# $(basename "$0"): $TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	if [ "$TAP_FAIL" -gt 0 ]; then
		dump_log
		exit 1
	fi
	exit 0
}
