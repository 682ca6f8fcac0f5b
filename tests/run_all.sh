#!/usr/bin/env bash
# run_all.sh - the whole test run behind `make check`: cmocka unit tests of
# both builds, every integration script against both daemons (normal and
# sanitizer), and the libiscsi conformance suite against the normal build.
# Prints a summary per section; the very last line is
#   N passed, N failed[, N skipped]
# and the exit status is non-zero when anything failed.
#
# Knobs: UNIT_TIMEOUT (s per unit binary, 120), IT_TIMEOUT (s per
# integration script, 300, or the "# timeout: N" line of its header;
# doubled under the sanitizers), CU_TIMEOUT (600
# per iscsi-test-cu run; conformance runs once per tests/conformance/configs
# file besides the default configuration),
# ONLY=unit|integration|conformance|vm (comma list) to run a subset,
# BUILDS="build build-asan" to choose the builds, CONFORMANCE_BUILD (build),
# VM_BUILD (build) and VM_RUN_TIMEOUT (1500 s) for the VM suite.

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
IT_TIMEOUT=${IT_TIMEOUT:-300}
BUILDS=${BUILDS:-build build-asan}
ONLY=${ONLY:-unit,integration,conformance,vm}
# One results directory per run, so that concurrent runs (two people in
# one tree) do not clobber each other; runs older than a day are dropped.
mkdir -p "$ROOT/build/test-results"
find "$ROOT/build/test-results" -mindepth 1 -maxdepth 1 -name "run.*" -mmin +1440 -exec rm -rf {} + 2>/dev/null
RESULTS=$(mktemp -d "$ROOT/build/test-results/run.$(date +%Y%m%d-%H%M%S).XXXX")

export ASAN_OPTIONS=abort_on_error=1:halt_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

TOTAL_PASS=0
TOTAL_FAIL=0
TOTAL_SKIP=0
declare -a SECTION_LINES=()
declare -a FAILURES=()

add() {  # add SECTION PASS FAIL SKIP
	TOTAL_PASS=$((TOTAL_PASS + $2))
	TOTAL_FAIL=$((TOTAL_FAIL + $3))
	TOTAL_SKIP=$((TOTAL_SKIP + $4))
	SECTION_LINES+=("$(printf '%-34s %5d passed, %4d failed, %4d skipped' "$1" "$2" "$3" "$4")")
}

fail_item() { FAILURES+=("$*"); }

want() { case ",$ONLY," in *,"$1",*) return 0 ;; esac; return 1; }

banner() { printf '\n==== %s ====\n' "$*"; }

kind_of() { [ "$1" = build-asan ] && echo asan || echo normal; }

# ---- 1. unit tests --------------------------------------------------------

# count_cmocka OUTFILE: "PASS FAIL SKIP RUN" from cmocka's standard output
# (one summary block per test group).
count_cmocka() {
	awk '
		/^\[ RUN      \]/ { run++ }
		/^\[  PASSED  \] [0-9]+ test\(s\)/ { p += $4 }
		/^\[  FAILED  \] [0-9]+ test\(s\)/ { f += $4 }
		/^\[  SKIPPED \] [0-9]+ test\(s\)/ { s += $4 }
		END { printf "%d %d %d %d\n", p, f, s, run }' "$1"
}

run_unit_binary() {
	local bin=$1 label=$2 out rc p f s run
	out=$RESULTS/unit.$(basename "$(dirname "$(dirname "$bin")")").$(basename "$bin").out
	timeout -k 5 "$UNIT_TIMEOUT" "$bin" >"$out" 2>&1
	rc=$?
	read -r p f s run < <(count_cmocka "$out")
	# A crash, hang, or sanitizer exit after the summary is one failure
	# more; so is a test that started but has no verdict in any summary.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] || [ $((p + f + s)) -lt "$run" ]; then
		f=$((f + 1))
		fail_item "$label: exit status $rc$([ "$rc" = 124 ] && echo ' (timeout)'), $((p + f + s - 1)) verdicts for $run started tests"
		tail -30 "$out" | sed 's/^/    | /'
	fi
	grep -E '^\[  FAILED  \] [^0-9]' "$out" | sort -u | while read -r _ _ _ name; do
		echo "    FAILED: $name"
	done
	grep -E '^\[  FAILED  \] [^0-9]' "$out" | sort -u | awk -v l="$label" '{ print l ": " $4 }' >>"$RESULTS/unit.failed"
	printf '  %-44s %3d passed, %d failed, %d skipped\n' "$label" "$p" "$f" "$s"
	U_P=$((U_P + p)); U_F=$((U_F + f)); U_S=$((U_S + s))
}

if want unit; then
	banner "unit tests (cmocka)"
	: >"$RESULTS/unit.failed"
	for build in $BUILDS; do
		U_P=0 U_F=0 U_S=0
		n=0
		for bin in "$build"/tests/test_*; do
			[ -x "$bin" ] || continue
			n=$((n + 1))
			run_unit_binary "$bin" "$build/tests/$(basename "$bin")"
		done
		if [ "$n" -eq 0 ]; then
			echo "  no unit test binaries in $build/tests"
			U_F=1
			fail_item "unit ($build): no test binaries (did the build fail?)"
		fi
		add "unit ($(kind_of "$build"))" "$U_P" "$U_F" "$U_S"
	done
	while read -r line; do fail_item "unit $line"; done <"$RESULTS/unit.failed"
fi

# ---- 2. integration tests -------------------------------------------------

is_long_test() { grep -q '^# long-test' "$1"; }

run_integration_script() {
	local script=$1 build=$2 kind name out rc p f s t planned
	kind=$(kind_of "$build")
	name=$(basename "$script" .sh)
	out=$RESULTS/integration.$name.$kind.out
	t=$IT_TIMEOUT
	# A script may need more: "# timeout: SECONDS" in its header.
	t=$(sed -n '1,5s/^# timeout: \([0-9][0-9]*\)$/\1/p' "$script" | head -1)
	t=${t:-$IT_TIMEOUT}
	[ "$kind" = asan ] && t=$((t * 2))
	echo "  -- $name ($kind build)"
	if [ "$kind" = asan ] && is_long_test "$script"; then
		echo "     skipped: long test, run against the normal build only"
		I_S=$((I_S + 1))
		return
	fi
	SCSTD=$ROOT/$build/scstd TOOLS_DIR=$ROOT/$build/tests BUILD_KIND=$kind \
		RESULTS_DIR=$RESULTS timeout -k 10 "$t" bash "$script" >"$out" 2>&1 </dev/null
	rc=$?
	sed 's/^/     /' "$out"
	p=$(grep -Ec '^ok ' "$out")
	s=$(grep -Ec '^ok - # SKIP' "$out")
	p=$((p - s))
	f=$(grep -Ec '^not ok ' "$out")
	grep -E '^not ok ' "$out" | sed "s/^not ok - /$name ($kind): /" | while read -r l; do
		echo "$l" >>"$RESULTS/integration.failed"
	done
	# Planned checks that never reported (a timeout, a crash of bash)
	# count as failed; lib.sh's finish reports them itself otherwise.
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$out" | head -1)
	if [ -n "$planned" ] && [ $((p + f + s)) -lt "$planned" ]; then
		echo "$name ($kind): $((planned - p - f - s)) of $planned planned checks did not report" >>"$RESULTS/integration.failed"
		f=$((f + planned - p - f - s))
	elif [ -z "$planned" ]; then
		f=$((f + 1))
		echo "$name ($kind): no plan (1..N) printed" >>"$RESULTS/integration.failed"
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		f=$((f + 1))
		echo "$name ($kind): timed out after ${t}s" >>"$RESULTS/integration.failed"
		echo "     TIMEOUT after ${t}s"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=$((f + 1))
		echo "$name ($kind): script exited with status $rc without a failed check" >>"$RESULTS/integration.failed"
	elif [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "$name ($kind): reported no checks" >>"$RESULTS/integration.failed"
	fi
	I_P=$((I_P + p)); I_F=$((I_F + f)); I_S=$((I_S + s))
}

if want integration; then
	: >"$RESULTS/integration.failed"
	for build in $BUILDS; do
		banner "integration tests against $build/scstd"
		I_P=0 I_F=0 I_S=0
		if [ ! -x "$build/scstd" ]; then
			echo "  $build/scstd missing: every integration test fails"
			I_F=1
			echo "integration ($build): $build/scstd missing" >>"$RESULTS/integration.failed"
		else
			for script in tests/integration/*.sh; do
				[ -f "$script" ] || continue
				run_integration_script "$script" "$build"
			done
		fi
		add "integration ($(kind_of "$build"))" "$I_P" "$I_F" "$I_S"
	done
	while read -r line; do fail_item "integration $line"; done <"$RESULTS/integration.failed"
fi

# ---- 3. libiscsi conformance ----------------------------------------------
# Once per pinned LUN configuration in tests/conformance/configs/*.conf, the
# embedded default one (default.conf) first; each run is one summary line,
# and its pinned skips are listed with their reasons in the summary.

# run_conformance LABEL [--config FILE]
run_conformance() {
	local label=$1 tag out line cp cf cs
	shift
	tag=${label//[^A-Za-z0-9_-]/_}
	out=$RESULTS/conformance.$tag.out
	echo "  -- $label"
	SCSTD=$ROOT/$CONF_BUILD/scstd RESULTS_DIR=$RESULTS/conformance.$tag \
		timeout -k 10 $(( ${CU_TIMEOUT:-600} + 120 )) bash tests/conformance/libiscsi.sh "$@" >"$out" 2>&1 </dev/null
	sed 's/^/     /' "$out"
	line=$(grep '^CONFORMANCE ' "$out" | tail -1)
	if [ -z "$line" ]; then
		add "conformance $label" 0 1 0
		fail_item "conformance $label: the runner did not finish"
		return
	fi
	read -r _ _ cp _ cf _ cs <<<"$line"
	add "conformance $label" "$cp" "$cf" "$cs"
	# The pinned skips, one line per reason with its tests.
	{ sed -n 's/^# pinned skip: \([^ ]*\) -- \(.*\)$/\2\t\1/p' "$out"
	  sed -n 's/^# not applicable: \([^ ]*\) (\(.*\))$/not applicable: \2\t\1/p' "$out"; } |
		awk -F '\t' -v l="$label" '
			!($1 in n) { order[++k] = $1 }
			{ n[$1]++; t[$1] = t[$1] " " $2 }
			END { for (i = 1; i <= k; i++) printf "%s: %d skipped: %s --%s\n", l, n[order[i]], order[i], t[order[i]] }' \
		>>"$RESULTS/conformance.skips"
	grep -E "^# (failed|conformance problem): " "$out" |
		sed -E "s/^# (failed|conformance problem): /conformance $label: /" >"$RESULTS/conformance.$tag.failed"
	while read -r l; do fail_item "$l"; done <"$RESULTS/conformance.$tag.failed"
}

if want conformance; then
	: >"$RESULTS/conformance.skips"
	CONF_BUILD=${CONFORMANCE_BUILD:-build}
	banner "libiscsi conformance (iscsi-test-cu) against $CONF_BUILD/scstd"
	run_conformance default
	for conf in tests/conformance/configs/*.conf; do
		[ "$(basename "$conf")" = default.conf ] && continue
		[ -f "$conf" ] || continue
		run_conformance "$(basename "$conf" .conf)" --config "$ROOT/$conf"
	done
fi

# ---- 4. VM suite: the Linux kernel initiator --------------------------------
# Once, against the normal build: a QEMU guest with Debian's kernel,
# open-iscsi and multipath-tools (tests/vm/run.sh).  A harness failure is
# a failed check there, never a skip.

if want vm; then
	VM_BUILD_DIR=${VM_BUILD:-build}
	banner "VM suite (Linux kernel initiator) against $VM_BUILD_DIR/scstd"
	out=$RESULTS/vm.out
	SCSTD=$ROOT/$VM_BUILD_DIR/scstd TOOLS_DIR=$ROOT/$VM_BUILD_DIR/tests RESULTS_DIR=$RESULTS \
		timeout -k 10 "${VM_RUN_TIMEOUT:-1500}" bash tests/vm/run.sh >"$out" 2>&1 </dev/null
	rc=$?
	# The pass-through handlers over the guest's own SCSI devices.
	SCSTD=$ROOT/$VM_BUILD_DIR/scstd TOOLS_DIR=$ROOT/$VM_BUILD_DIR/tests \
		timeout -k 10 "${PT_RUN_TIMEOUT:-900}" bash tests/vm/passthru.sh >>"$out" 2>&1 </dev/null
	rc2=$?
	[ "$rc" = 0 ] && rc=$rc2
	sed 's/^/     /' "$out"
	p=$(grep -Ec '^ok ' "$out")
	s=$(grep -Ec '^ok - # SKIP' "$out")
	p=$((p - s))
	f=$(grep -Ec '^not ok ' "$out")
	grep -E '^not ok ' "$out" | sed 's/^not ok - /vm: /' >"$RESULTS/vm.failed"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		f=$((f + 1))
		echo "vm: timed out after ${VM_RUN_TIMEOUT:-1500}s" >>"$RESULTS/vm.failed"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=$((f + 1))
		echo "vm: tests/vm/run.sh exited with status $rc without a failed check" >>"$RESULTS/vm.failed"
	elif [ $((p + f + s)) -eq 0 ]; then
		f=1
		echo "vm: reported no checks" >>"$RESULTS/vm.failed"
	fi
	add "vm (linux initiator)" "$p" "$f" "$s"
	while read -r line; do fail_item "$line"; done <"$RESULTS/vm.failed"
fi

# ---- summary --------------------------------------------------------------

banner "summary"
for l in "${SECTION_LINES[@]}"; do echo "  $l"; done
if [ -s "$RESULTS/conformance.skips" ]; then
	echo "  pinned conformance skips (tests/conformance/configs):"
	fold -s -w 150 "$RESULTS/conformance.skips" | sed 's/^/    /'
fi
if [ "${#FAILURES[@]}" -gt 0 ]; then
	echo "  failures:"
	for l in "${FAILURES[@]}"; do echo "    - $l"; done
fi
echo "  logs: $RESULTS"
final="$TOTAL_PASS passed, $TOTAL_FAIL failed"
[ "$TOTAL_SKIP" -gt 0 ] && final="$final, $TOTAL_SKIP skipped"
echo "$final"
[ "$TOTAL_FAIL" -eq 0 ]
