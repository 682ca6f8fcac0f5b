#!/usr/bin/env bash
# iscsi_fuzz.sh - the seeded iSCSI wire fuzzer (tests/tools/iscsi_fuzz)
# plays mutated logins and full feature phase PDUs against a fileio LUN
# with fixed seeds; every malformed PDU must end in an answer, a Reject or
# a closed connection.  Meanwhile a libiscsi session on a second target
# stays busy and must never be disturbed (the fuzzer's TARGET and LUN
# RESETs are meant to hit only the first target's LU), and afterwards
# iscsi-inq and a qemu-io write/read/verify round trip still work and the
# daemon stops with a clean log.
#
# FUZZ_SEEDS and FUZZ_ITERATIONS (per seed) override the fixed ones, to
# hunt with other seeds: FUZZ_SEEDS="$(seq 100 119)" FUZZ_ITERATIONS=2000.
. "$(dirname "$0")/../lib.sh"

plan 13

require_daemon
require_tools iscsi_fuzz

SEEDS=${FUZZ_SEEDS:-"1 2 3"}
ITERATIONS=${FUZZ_ITERATIONS:-500}
HELD_IQN=iqn.2026-11.org.scstd:fuzz-held

truncate -s 8M "$WORKDIR/fuzz.img" "$WORKDIR/held.img"
cat >"$WORKDIR/fuzz.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE fuzz {
		filename $WORKDIR/fuzz.img
	}
	DEVICE held {
		filename $WORKDIR/held.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 fuzz
	}
	TARGET $HELD_IQN {
		enabled 1
		LUN 0 held
	}
}
CONF
start_daemon --config "$WORKDIR/fuzz.conf" || { not_ok "scstd starts"; finish; }
ok "scstd starts with two fileio targets"

# With -x 0 iscsi-perf exits at the first error or lost connection instead
# of reconnecting: still running at the end means never disturbed.
iscsi-perf -x 0 -m 2 "$(url 0 "$HELD_IQN")" >"$WORKDIR/perf.out" 2>&1 &
PERF_PID=$!
BG_PIDS+=("$PERF_PID")
sleep 1
check "a held libiscsi session (iscsi-perf) runs on the second target" kill -0 "$PERF_PID"

FUZZ=$(tool iscsi_fuzz)
for seed in $SEEDS; do
	out=$WORKDIR/fuzz.$seed.out
	timeout 120 "$FUZZ" -s "$seed" -n "$ITERATIONS" -t 10000 -c 100 \
		"127.0.0.1:$PORT" "$DEFAULT_IQN" >"$out" 2>&1
	rc=$?
	summary=$(grep '^iscsi_fuzz seed' "$out" | tail -1)
	if [ "$rc" = 0 ]; then
		ok "fuzz seed $seed: ${summary#iscsi_fuzz seed $seed: }"
	else
		not_ok "fuzz seed $seed (rc=$rc): ${summary:-no summary}"
		grep -v '^iscsi_fuzz seed' "$out" | head -20 | sed 's/^/#   /'
	fi
done

check_alive "daemon alive after fuzzing"

# The fuzzer's find: an InitiatorName is a directory of the management
# tree and goes into log lines, so '/' or a newline in it is refused.
name_refused() {
	! timeout 20 iscsi-inq -i "$1" "$(url 0)" &&
		! daemon_ctl list "targets/iscsi/$DEFAULT_IQN/sessions" | grep -q 'evil'
}
check "an InitiatorName with '/' is refused at login" name_refused "iqn.2026-11.evil/../x"
check "an InitiatorName with a newline is refused at login" name_refused $'iqn.2026-11.evil\nx'
check_output "iscsi-inq still answers on the fuzzed target" "Peripheral Device Type" \
	timeout 20 iscsi-inq "$(url 0)"

qemu_io_roundtrip() {  # fresh random-pattern bytes written, read and verified
	local out
	out=$(timeout 60 qemu-io -f raw -c "write -P 0x5a 65536 1048576" \
		-c "read -P 0x5a 65536 1048576" -c "write -P 0xc3 7680 3584" \
		-c "read -P 0xc3 7680 3584" "$(url 0)" 2>&1)
	echo "$out"
	! grep -qi 'fail\|error\|mismatch' <<<"$out" &&
		[ "$(grep -c '^wrote\|^read' <<<"$out")" -eq 4 ]
}
check "qemu-io writes, reads and verifies data on the fuzzed LUN" qemu_io_roundtrip

check_held_session "the held libiscsi session was never disturbed" "$PERF_PID" "$WORKDIR/perf.out"

no_error_lines() { ! grep -E '\] error ' "$DAEMON_LOG" | head -20 | grep .; }
check "the log has no errors, only warnings about the fuzzer's input" no_error_lines
check_stop
finish
