#!/usr/bin/env bash
# libiscsi.sh - the libiscsi conformance suite (iscsi-test-cu) against one
# pinned LUN configuration of tests/conformance/configs (the embedded default
# configuration of `make run` when no --config is given: configs/default.conf),
# or against any target given with --url (used to measure the peer target,
# tgtd; nothing is pinned there).
#
#   SCSTD=build/scstd bash tests/conformance/libiscsi.sh
#   SCSTD=build/scstd bash tests/conformance/libiscsi.sh --config FILE
#   bash tests/conformance/libiscsi.sh --url iscsi://127.0.0.1:3260/IQN/1
#   bash tests/conformance/libiscsi.sh --url URL --pins FILE
#
# --pins applies a configuration file's run and outcome lines (suites,
# cu-options, exclude, passed, skips, not-applicable) to a target scstd
# does not start here (tests/vm/passthru.sh: scstd in a guest over a real
# device); its scst.conf text, if any, is not used.
#
# A configuration file is scst.conf text for `scstd --config`; its leading
# comment lines direct the run and pin its outcome (configs/README):
#   # embedded-default        no scst.conf: scstd serves its embedded default
#   # lun: N                  LUN under test (default 0)
#   # suites: A B C           iscsi-test-cu -t suites (default ALL)
#   # file: NAME SIZE         create a sparse backing file @DIR@/NAME
#   # loop: NAME              attach a loop device over @DIR@/NAME as @LOOP@
#   # cu-options: ...         extra iscsi-test-cu options (e.g. -S for SANITIZE)
#   # passed: N               pinned pass count: fewer passed tests fail the run
#   # skips: Suite.Test ... -- reason
#                             the tests expected to skip (libiscsi's [SKIPPED]);
#                             any other skip, or a pinned one that no longer
#                             skips, fails the run
#   # exclude: Suite.Test ... -- reason
#                             tests not run at all (they harm the device
#                             under test); listed with the reason
#   # not-applicable: Suite.Test ... -- reason
#                             tests that cannot pass on this configuration:
#                             their failures count as skipped, with the reason
#   # separately: Suite.Test ... -- ATTRIBUTE VALUE
#                             tests whose verdict comes from a run of their own
#                             after `scstctl write ATTRIBUTE VALUE` instead
# @DIR@ and @LOOP@ in the text are replaced before scstd reads it; the
# first TARGET names the IQN.  Files and loop devices are removed at exit.
# A configuration that needs a loop device where none can be attached is
# skipped with its reason ("CONFORMANCE ... skipped 1").
#
# Every distinct test counts once (-t ALL, never the families that repeat
# it).  Prints the failed tests and the pinned skips with their reasons,
# and as its last line
#   CONFORMANCE passed P failed F skipped S
# where F includes one failure for a crash, hang or missing summary of
# iscsi-test-cu, for a daemon that died or reported a sanitizer error, for
# each unpinned skip or stale pin, and for fewer passed tests than pinned.

. "$(dirname "$0")/../lib.sh"

CU_TIMEOUT=${CU_TIMEOUT:-600}
RESULTS_DIR=${RESULTS_DIR:-$WORKDIR}
TARGET_URL=
PARSE_ONLY=
CONFIG=
case "${1:-}" in
--url)
	TARGET_URL=$2
	[ "${3:-}" = --pins ] && CONFIG=$4 ;;
--parse) PARSE_ONLY=$2; TARGET_URL="(saved output $2)" ;;
--config) CONFIG=$2 ;;
*) CONFIG=$(dirname "$0")/configs/default.conf ;;
esac
CU_TESTS=ALL
CU_OPTIONS=
DAEMON_ARGS=()
LOOPDEV=

extra_fail=0
problem() {
	extra_fail=$((extra_fail + 1))
	echo "# conformance problem: $*"
}

# header KEY: the values of the leading "# KEY: ..." lines of $CONFIG.
header() {
	awk -v k="$1" '!/^#/ { exit } { if (sub("^# *" k ": *", "")) print }' "$CONFIG"
}

# pins KEY: "Suite.Test<TAB>reason" for every test a "# KEY:" line names.
pins() {
	[ -n "$CONFIG" ] || return 0
	header "$1" | awk -F ' -- ' '{ n = split($1, t, " "); for (i = 1; i <= n; i++) print t[i] "\t" $2 }'
}

# read_run_pins: the run and outcome lines of $CONFIG; sets CU_TESTS,
# CU_OPTIONS, CU_LUN, PINNED_PASSED.
read_run_pins() {
	CU_TESTS=$(suite_spec "$(header suites)")
	CU_OPTIONS=$(header cu-options)
	CU_LUN=$(header lun | head -1)
	PINNED_PASSED=$(header passed | head -1)
	[ -n "$PINNED_PASSED" ] || { problem "$CONFIG pins no pass count (# passed: N)"; return 1; }
	[ -z "$(pins exclude)" ] || CU_TESTS=$(tests_without_excluded "$CU_TESTS")
	[ -n "$CU_TESTS" ] || { problem "$CONFIG excludes every test"; return 1; }
}

# tests_without_excluded SPEC: SPEC without the excluded tests, comma-
# separated: a suite that holds one is replaced by its other tests
# (iscsi-test-cu -l names them ALL.Suite.Test), any other stays as given.
tests_without_excluded() {
	iscsi-test-cu -l | awk -F. -v spec="$1" -v excl="$(pins exclude | cut -f1 | tr '\n' ' ')" '
		BEGIN {
			n = split(spec, s, ","); m = split(excl, e, " ")
			for (i = 1; i <= m; i++) { x["ALL." e[i]] = 1; split(e[i], p, "."); cut["ALL." p[1]] = 1 }
		}
		NF != 3 || $1 != "ALL" || ($0 in x) { next }
		{
			for (i = 1; i <= n; i++) {
				if (s[i] != $0 && index($0, s[i] ".") != 1) continue
				item = (($1 "." $2) in cut || s[i] == $0) ? $0 : s[i] == "ALL" ? $1 "." $2 : s[i]
				if (!(item in seen)) { seen[item] = 1; out = out (out ? "," : "") item }
				break
			}
		}
		END { print out }'
}

# The daemon holds the loop device open: stop it (keeping the working
# directory) before detaching, then let lib.sh remove the directory.
cleanup_config() {
	local keep=${KEEP_WORKDIR:-0}
	KEEP_WORKDIR=1 lib_cleanup >/dev/null
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	LOOPDEV=
	[ "$keep" = 1 ] && echo "# workdir kept: $WORKDIR" || rm -rf "$WORKDIR"
}

# suite_spec "A B": the -t argument "ALL.A,ALL.B" (ALL stays ALL).
suite_spec() {
	local s out=
	for s in $1; do
		case $s in ALL|ALL.*) ;; *) s=ALL.$s ;; esac
		out=${out:+$out,}$s
	done
	echo "${out:-ALL}"
}

# prepare_config: backing files, loop device and the substituted text;
# sets DAEMON_ARGS, CU_TESTS, CU_OPTIONS, CU_LUN, CU_IQN.
prepare_config() {
	local name size f
	trap cleanup_config EXIT
	while read -r name size; do
		[ -n "$name" ] || continue
		truncate -s "$size" "$WORKDIR/$name" || return 1
	done < <(header file)
	f=$(header loop | head -1)
	if [ -n "$f" ]; then
		if ! command -v losetup >/dev/null 2>&1; then
			SKIP_REASON="losetup is not installed"
			return 2
		fi
		if ! LOOPDEV=$(losetup -f --show "$WORKDIR/$f" 2>&1) || [ ! -b "$LOOPDEV" ]; then
			SKIP_REASON="no loop device could be attached ($LOOPDEV)"
			LOOPDEV=
			return 2
		fi
		echo "# loop device $LOOPDEV over $WORKDIR/$f"
	fi
	read_run_pins || return 1
	if grep -q '^# embedded-default' "$CONFIG"; then
		CU_IQN=$DEFAULT_IQN
		return 0
	fi
	sed -e "s|@DIR@|$WORKDIR|g" -e "s|@LOOP@|$LOOPDEV|g" "$CONFIG" >"$WORKDIR/scst.conf"
	DAEMON_ARGS=(--config "$WORKDIR/scst.conf")
	CU_IQN=$(awk '$1 == "TARGET" { print $2; exit }' "$WORKDIR/scst.conf")
	[ -n "$CU_IQN" ] || { problem "$CONFIG names no TARGET"; return 1; }
	return 0
}

if [ -n "$CONFIG" ] && [ -n "$TARGET_URL" ]; then
	echo "# pins $CONFIG"
	if ! read_run_pins; then
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	while IFS=$'\t' read -r t reason; do
		echo "# excluded: $t -- $reason"
	done < <(pins exclude)
fi
if [ -n "$CONFIG" ] && [ -z "$TARGET_URL" ]; then
	echo "# configuration $CONFIG"
	prepare_config
	case $? in
	0) ;;
	2)
		echo "# skipped configuration $(basename "$CONFIG" .conf): $SKIP_REASON"
		echo "CONFORMANCE passed 0 failed 0 skipped 1"
		exit 0 ;;
	*)
		problem "could not prepare $CONFIG"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1 ;;
	esac
fi
if [ -z "$TARGET_URL" ]; then
	if [ ! -x "$SCSTD" ]; then
		problem "daemon binary $SCSTD missing"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	if ! start_daemon "${DAEMON_ARGS[@]}"; then
		problem "scstd did not start"
		echo "CONFORMANCE passed 0 failed $extra_fail skipped 0"
		exit 1
	fi
	TARGET_URL=$(url "${CU_LUN:-0}" "$CU_IQN")
fi

mkdir -p "$RESULTS_DIR"
raw=$RESULTS_DIR/iscsi-test-cu.out
verdicts=$RESULTS_DIR/iscsi-test-cu.verdicts

# run_cu RAW TESTS: iscsi-test-cu -t TESTS into RAW; a hang or crash is a
# problem.
run_cu() {
	local out=$1 tests=$2 rc start=$SECONDS
	local shown=$tests
	[ "${#shown}" -le 300 ] || shown="$(tr ',' '\n' <<<"$tests" | wc -l) suites and tests"
	echo "# iscsi-test-cu -d $CU_OPTIONS -t $shown $TARGET_URL (timeout ${CU_TIMEOUT}s, raw output in $out)"
	# Verbose mode (the default) is the one that names each test with its
	# verdict; -s would leave only anonymous [SKIPPED]/[FAILED] lines.
	# shellcheck disable=SC2086 # CU_OPTIONS is a word list by design
	timeout -k 10 "$CU_TIMEOUT" iscsi-test-cu -d $CU_OPTIONS -t "$tests" "$TARGET_URL" >"$out" 2>&1
	rc=$?
	echo "# iscsi-test-cu exit status $rc after $((SECONDS - start)) s"
	case $rc in
	124|137) problem "iscsi-test-cu -t $tests hung (killed after ${CU_TIMEOUT}s)" ;;
	0|1) ;;
	*) problem "iscsi-test-cu -t $tests crashed (exit status $rc)"; tail -20 "$out" | sed 's/^/#   /' ;;
	esac
}

# parse RAW VERDICTS: verdicts per test; CUnit's own counts must agree.
parse() {
	local p f s total cpass cfail cunit
	awk -f "$(dirname "$0")/parse_cu.awk" "$1" >"$2"
	read -r _ _ p _ f _ s < <(grep '^SUMMARY' "$2")
	cunit=$(grep '^CUNIT' "$2")
	if [ -z "$cunit" ]; then
		problem "no CUnit Run Summary in $1 (iscsi-test-cu did not finish)"
		return
	fi
	echo "# $cunit (CUnit counts skipped tests as passed)"
	read -r _ _ total _ _ _ cpass _ cfail <<<"$cunit"
	[ "$total" -gt 0 ] || problem "iscsi-test-cu ran no test from $1"
	[ $((p + s)) -eq "$cpass" ] && [ "$f" -eq "$cfail" ] ||
		problem "parsed verdicts ($p+$s passed, $f failed) disagree with CUnit ($cpass, $cfail)"
	[ $((p + f + s)) -eq "$total" ] ||
		problem "parsed $((p + f + s)) verdicts, CUnit ran $total tests"
}

# verdict_of TEST: PASS, FAIL, SKIP or nothing.
verdict_of() {
	awk -v t="$1" '$2 == t { print $1; exit }' "$verdicts"
}

set_verdict() {  # set_verdict TEST VERDICT [REASON]
	awk -v t="$1" -v v="$2" -v r="${3:-}" -F '\t' '
		{ split($1, w, " ") }
		w[2] == t { print v " " t (v == "SKIP" ? "\t" r : ""); next }
		{ print }' "$verdicts" >"$verdicts.new" && mv "$verdicts.new" "$verdicts"
}

if [ -n "$PARSE_ONLY" ]; then
	raw=$PARSE_ONLY
else
	run_cu "$raw" "$CU_TESTS"
fi
parse "$raw" "$verdicts"
dups=$(awk '{ split($2, n, "\t"); print n[1] }' "$verdicts" | sort | uniq -d)
[ -z "$dups" ] || problem "tests counted more than once: $(echo $dups)"

# A test pinned to run separately gets its verdict from a run of its own,
# under the attribute value it needs.
if [ -z "$PARSE_ONLY" ] && [ -n "$DAEMON_PID" ]; then
	while IFS=$'\t' read -r t setting; do
		[ -n "$(verdict_of "$t")" ] || continue
		read -r attr value <<<"$setting"
		daemon_ctl write "$attr" "$value" ||
			{ problem "cannot set $attr to $value for $t"; continue; }
		run_cu "$RESULTS_DIR/separately.$t.out" "ALL.$t"
		parse "$RESULTS_DIR/separately.$t.out" "$RESULTS_DIR/separately.$t.verdicts"
		v=$(awk -v t="$t" '$2 == t { print $1 }' "$RESULTS_DIR/separately.$t.verdicts")
		echo "# run separately with $attr $value: $t ${v:-no verdict}"
		set_verdict "$t" "${v:-FAIL}" "skipped when run separately"
	done < <(pins separately)
fi

# A declared not-applicable test that failed counts as skipped, with the
# configuration's reason; one that passes counts as passed.
while IFS=$'\t' read -r t reason; do
	[ "$(verdict_of "$t")" = FAIL ] || continue
	set_verdict "$t" SKIP "not applicable: $reason"
	echo "# not applicable: $t ($reason)"
done < <(pins not-applicable)

# The skips are pinned: every skip is listed with its reason, and every
# listed test still skips.
if [ -n "$CONFIG" ]; then
	declare -A PINNED=()
	while IFS=$'\t' read -r t reason; do
		PINNED[$t]=$reason
		v=$(verdict_of "$t")
		if [ "$v" = SKIP ]; then
			echo "# pinned skip: $t -- $reason"
		else
			problem "pinned skip $t no longer skips (${v:-not run}): update # skips in $(basename "$CONFIG")"
		fi
	done < <(pins skips)
	while IFS=$'\t' read -r line why; do
		t=${line#SKIP }
		[ -n "${PINNED[$t]+set}" ] && continue
		case $why in "not applicable: "*) continue ;; esac
		problem "$t skipped but is not pinned to skip (libiscsi: ${why:-no reason given})"
	done < <(grep '^SKIP ' "$verdicts")
fi

read -r passed failed skipped < <(awk '
	{ c[$1]++ } END { printf "%d %d %d\n", c["PASS"], c["FAIL"], c["SKIP"] }' "$verdicts")
if [ "$failed" -gt 0 ]; then
	echo "# failed conformance tests:"
	grep '^FAIL ' "$verdicts" | awk '{ printf "# failed: %s\n", $2 }'
fi
if [ -n "$CONFIG" ]; then
	if [ "$passed" -lt "$PINNED_PASSED" ]; then
		problem "only $passed tests passed, $(basename "$CONFIG") pins $PINNED_PASSED"
	elif [ "$passed" -gt "$PINNED_PASSED" ]; then
		echo "# $passed tests passed, more than the $PINNED_PASSED pinned: raise # passed in $(basename "$CONFIG")"
	fi
fi

if [ -n "$DAEMON_PID" ]; then
	if ! daemon_alive; then
		problem "scstd died during the conformance run"
		dump_log
	elif ! stop_daemon 20; then
		problem "scstd did not stop cleanly (rc=$DAEMON_RC)"
		dump_log
	fi
fi

echo "CONFORMANCE passed $passed failed $((failed + extra_fail)) skipped $skipped"
[ $((failed + extra_fail)) -eq 0 ]
