# lib.sh - shared helpers of the integration tests: TAP check reporting
# against a plan, a private working directory, free-port picking, and the
# life-cycle of the scstd daemon under test (start, wait for its port,
# stop, inspect its log for sanitizer reports).  Sourced by
# tests/integration/*.sh.
#
# A script declares its checks up front (`plan N`, before the first) and
# ends with `finish`, which adds three checks of its own: every daemon the
# script stopped or killed exited as it should have, no daemon log holds a
# sanitizer report, and no process the script started is still running.
# Checks that never ran -- an early `finish`, an exit without it, a
# timeout -- count as failed (run_all.sh reads the "1..N" line too).
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
TAP_PLAN=
FINISHED=
DAEMON_PID=
DAEMON_LOG=
DAEMON_RC=
DAEMON_SEQ=0
PORT=
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/scstd-$(basename "$0" .sh).XXXXXX")
declare -a BG_PIDS=()
# Every process this script starts inherits the tag, daemonized ones too:
# finish finds what is left by it (leftover_processes).
export SCSTD_TEST_TAG=$WORKDIR
# One line per daemon that ended: "LOG RESULT", RESULT being its exit
# status, "killed" (SIGKILLed on purpose by kill_daemon) or "hung".
DAEMON_LEDGER=$WORKDIR/daemons.ledger
: >"$DAEMON_LEDGER"

# plan N: the script will report N checks before finish's own three.
plan() {
	TAP_PLAN=$1
	echo "1..$(($1 + FINISH_CHECKS))"
}
FINISH_CHECKS=3

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
# when the IPv4 port listens.  The control, scst_local and scst_user
# sockets default to private paths (a later --ctl-socket/--local-socket/
# --user-socket wins), so that
# concurrent daemons never fight over /run/scst.
start_daemon() {
	# A daemon still running would be lost track of: it is stopped first,
	# and its end goes to the ledger like any other.
	# KILL_BEFORE_EXEC names the tracked daemon when a restart test kills it
	# at the new one's exec: recorded as killed on purpose, not stopped.
	if [ -n "${KILL_BEFORE_EXEC:-}" ] && [ "$KILL_BEFORE_EXEC" = "$DAEMON_PID" ]; then
		echo "$DAEMON_LOG killed" >>"$DAEMON_LEDGER"
	elif [ -n "$DAEMON_PID" ]; then
		stop_daemon >/dev/null
	fi
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
		--user-socket "$WORKDIR/user.$DAEMON_SEQ.sock" "${@//@PORT@/$PORT}") \
		>"$DAEMON_LOG" 2>&1 &
	DAEMON_PID=$!
	if ! wait_port "$PORT" "$DAEMON_PID"; then
		echo "# scstd did not come up on port $PORT" >&2
		dump_log
		# The caller reports the failed start; its exit is not a stop.
		kill -KILL "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID" 2>/dev/null
		echo "$DAEMON_LOG start-failed" >>"$DAEMON_LEDGER"
		DAEMON_PID=
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
	echo "$DAEMON_LOG $DAEMON_RC" >>"$DAEMON_LEDGER"
	[ "$DAEMON_RC" = 0 ] && ! sanitizer_report "$DAEMON_LOG"
}

# kill_daemon: SIGKILL on purpose (crash tests); the daemon must die of it
# (status 137) with nothing in its log from a sanitizer.  Sets DAEMON_RC.
kill_daemon() {
	[ -n "$DAEMON_PID" ] || return 1
	kill -KILL "$DAEMON_PID" 2>/dev/null
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_RC=$?
	DAEMON_PID=
	if [ "$DAEMON_RC" = 137 ]; then
		echo "$DAEMON_LOG killed" >>"$DAEMON_LEDGER"
	else
		echo "$DAEMON_LOG $DAEMON_RC" >>"$DAEMON_LEDGER"
	fi
	[ "$DAEMON_RC" = 137 ] && ! sanitizer_report "$DAEMON_LOG"
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
		skip_rest "FUSE is not available (fusermount3 or /dev/fuse missing)"
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

# make_install DESTDIR [MAKE-VAR=VALUE...]: `make install` of the tree
# into DESTDIR from the build directory of $SCSTD (nothing is rebuilt when
# that build is up to date); its output is in $WORKDIR/install.out.
make_install() {
	local dest=$1 build
	shift
	build=$(dirname "$SCSTD")
	case $build in "$TESTS_ROOT"/*) build=${build#"$TESTS_ROOT"/} ;; esac
	make -C "$TESTS_ROOT" --no-print-directory BUILD="$build" \
		DESTDIR="$dest" "$@" install >"$WORKDIR/install.out" 2>&1
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

# answers_are OUTPUT REGEX...: line i of OUTPUT (scsi_cdb's answers)
# matches REGEX i, and there are as many lines as regexes.
answers_are() {
	local out=$1 i=1 line
	shift
	[ "$(printf '%s\n' "$out" | wc -l)" -eq $# ] || { printf '%s\n' "$out"; return 1; }
	for re in "$@"; do
		line=$(printf '%s\n' "$out" | sed -n "${i}p")
		[[ $line =~ $re ]] || { printf 'line %d: %s\n' "$i" "$line"; return 1; }
		i=$((i + 1))
	done
}

# Long-lived I_T nexuses driven line by line (tests/tools/scsi_cdb), to
# interleave two initiators' commands: nexus_open NAME URL logs in as
# initiator ...:NAME without TEST UNIT READY (whole sense shown), answers
# in $WORKDIR/NAME.out; nexus_say NAME LINE sends one line and prints its
# answer; nexus_close NAME logs out.
declare -A NEXUS_FD
nexus_open() {
	local fd
	: >"$WORKDIR/$1.out"
	exec {fd}> >(SCSI_CDB_INITIATOR=iqn.2026-12.org.scstd:$1 SCSI_CDB_SENSE=1 \
		SCSI_CDB_LOGIN_ONLY=1 timeout 300 "$(tool scsi_cdb)" "$2" >"$WORKDIR/$1.out")
	NEXUS_FD[$1]=$fd
}
nexus_say() {
	local n
	n=$(wc -l <"$WORKDIR/$1.out")
	echo "$2" >&"${NEXUS_FD[$1]}"
	eventually 60 bash -c "[ \$(wc -l <'$WORKDIR/$1.out') -gt $n ]" &&
		sed -n "$((n + 1))p" "$WORKDIR/$1.out"
}
nexus_close() {
	echo quit >&"${NEXUS_FD[$1]}"
	eval "exec ${NEXUS_FD[$1]}>&-"
}

# Everything this script started dies with it, the daemon last so that
# clients do not log spurious errors.
lib_cleanup() {
	# An exit without finish (a crash of the script, a bare exit) loses
	# the checks still to come: they count as failed.
	if [ -z "$FINISHED" ] && [ -n "$TAP_PLAN" ]; then
		not_ok "$(basename "$0") ended without finish"
		missing_checks
		trap - EXIT
		kill_leftovers
		lib_cleanup_files
		exit 1
	fi
	kill_leftovers
	lib_cleanup_files
}

stop_bg_pids() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG_PIDS=()
}

lib_cleanup_files() {
	stop_bg_pids
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

# leftover_processes: "PID COMMAND" of every process carrying this
# script's tag but the script and the subshell running this function
# (grep runs without the tag; the loop uses builtins only).
leftover_processes() {
	local pid list=$WORKDIR/tagged.$BASHPID
	local -a args
	env -u SCSTD_TEST_TAG grep -lzxF "SCSTD_TEST_TAG=$SCSTD_TEST_TAG" /proc/[0-9]*/environ \
		>"$list" 2>/dev/null
	while IFS=/ read -r _ _ pid _; do
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		mapfile -d '' args <"/proc/$pid/cmdline" 2>/dev/null || continue
		[ "${#args[@]}" -gt 0 ] && echo "$pid ${args[*]:0:8}"
	done <"$list"
	rm -f "$list"
}

kill_leftovers() {
	local pid
	while read -r pid _; do
		kill -KILL "$pid" 2>/dev/null
	done < <(leftover_processes)
}

# missing_checks: the planned checks that did not run, as failures.
missing_checks() {
	local ran=$((TAP_PASS + TAP_FAIL + TAP_SKIP)) want=$((TAP_PLAN + FINISH_CHECKS)) i
	[ -n "$TAP_PLAN" ] || return 0
	for ((i = ran; i < want; i++)); do
		not_ok "planned check $((i + 1)) of $want did not run"
	done
}

# check_daemon_ends: every daemon that ended did so as its stopper wanted:
# exit 0 after SIGTERM, death by SIGKILL from kill_daemon, or a failed
# start the script has reported; none hung.
check_daemon_ends() {
	local log rc bad=
	while read -r log rc; do
		case $rc in
		0|killed|start-failed) ;;
		*) bad+=" $(basename "$log"):$rc" ;;
		esac
	done <"$DAEMON_LEDGER"
	if [ -z "$bad" ]; then
		ok "every daemon stopped or killed ended as expected ($(wc -l <"$DAEMON_LEDGER") ended)"
	else
		not_ok "daemons that did not end with exit 0 (log:status):$bad"
	fi
}

check_all_logs_clean() {
	local log bad=
	for log in "$WORKDIR"/scstd.*.log; do
		[ -f "$log" ] && sanitizer_report "$log" && bad+=" $(basename "$log")"
	done
	if [ -z "$bad" ]; then
		ok "no daemon log holds a sanitizer report"
	else
		not_ok "sanitizer reports in:$bad"
		for log in $bad; do
			grep -m1 -E -A20 "$SANITIZER_RE" "$WORKDIR/$log" | sed 's/^/#   /'
		done
	fi
}

check_no_leftovers() {
	local left _
	# A client told to quit a moment ago may still be exiting: 2 s.
	for _ in $(seq 1 20); do
		left=$(leftover_processes)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -z "$left" ]; then
		ok "no process started by the script is left"
	else
		not_ok "processes started by the script are left (killed now)"
		sed 's/^/#   /' <<<"$left"
		kill_leftovers
	fi
}

# skip_rest REASON: the checks still planned cannot run here; they count
# as skipped, and the script finishes.
skip_rest() {
	local i ran=$((TAP_PASS + TAP_FAIL + TAP_SKIP))
	for ((i = ran; i < TAP_PLAN; i++)); do
		skip "$*"
	done
	finish
}

# finish: finish's own checks, the planned ones that did not run, the
# script's summary; the exit status says whether any check failed.  A
# failed run keeps the last daemon log visible.
finish() {
	local ran=$((TAP_PASS + TAP_FAIL + TAP_SKIP))
	FINISHED=1
	if [ -z "$TAP_PLAN" ]; then
		not_ok "$(basename "$0") declares no plan"
	elif [ "$ran" -gt "$TAP_PLAN" ]; then
		not_ok "$(basename "$0") ran $ran checks, more than the $TAP_PLAN planned"
	fi
	# Helpers registered in BG_PIDS (bg_start) end with the script; any
	# other process still running is a leftover.
	stop_bg_pids
	check_no_leftovers
	if [ -n "$DAEMON_PID" ]; then   # killed above as a leftover
		wait "$DAEMON_PID" 2>/dev/null
		DAEMON_PID=
	fi
	check_daemon_ends
	check_all_logs_clean
	# Finish's own three checks always ran: planned ones come before them.
	ran=$((TAP_PASS + TAP_FAIL + TAP_SKIP - FINISH_CHECKS))
	if [ -n "$TAP_PLAN" ] && [ "$ran" -lt "$TAP_PLAN" ]; then
		TAP_PLAN_SHORT=$((TAP_PLAN - ran))
		for ((ran = 0; ran < TAP_PLAN_SHORT; ran++)); do
			not_ok "planned check did not run ($TAP_PLAN_SHORT of $TAP_PLAN missing)"
		done
	fi
	echo "# $(basename "$0"): $TAP_PASS passed, $TAP_FAIL failed, $TAP_SKIP skipped"
	if [ "$TAP_FAIL" -gt 0 ]; then
		dump_log
		exit 1
	fi
	exit 0
}
