#!/usr/bin/env bash
# bench_smoke.sh - a short run of the benchmark client (build/iscsi-bench)
# against scstd: random reads on the null LUN from two load processes and
# random writes on the fileio LUN, each must report nonzero IOPS, no
# errors, a mean and ordered latency quantiles and the server's CPU time
# per I/O; a sequential 1 MiB read, iscsi-hold's idle sessions, the
# loopback ceiling (tcp-ceiling) and the send-cost probe work too.  The
# fileio LUN lives in /dev/shm as in the benchmark (tmpfs: I/O done inline
# on the loop), and its data is verified after the load.  Speed is not
# judged here (bench/compare.sh does that).
. "$(dirname "$0")/../lib.sh"

plan 11

require_daemon
BENCH=$(dirname "$SCSTD")/iscsi-bench
HOLD=$(dirname "$SCSTD")/iscsi-hold
CEILING=$(dirname "$SCSTD")/tcp-ceiling
SEND_COST=$(dirname "$SCSTD")/send-cost
for b in "$BENCH" "$HOLD" "$CEILING" "$SEND_COST"; do
	[ -x "$b" ] || { not_ok "$b is built"; finish; }
done
SHM_IMG=$(mktemp /dev/shm/scstd-bench-smoke.XXXXXX)
SHM_SRC=$(mktemp /dev/shm/scstd-bench-smoke-src.XXXXXX)
trap 'rm -f "$SHM_IMG" "$SHM_SRC"; lib_cleanup' EXIT
truncate -s 128M "$SHM_IMG"
cat >"$WORKDIR/bench.conf" <<EOC
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 256
	}
}
HANDLER vdisk_fileio {
	DEVICE shm1 {
		filename $SHM_IMG
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 null0
		LUN 1 shm1
	}
}
EOC
start_daemon --ctl-socket none --config "$WORKDIR/bench.conf" || { not_ok "scstd starts"; finish; }
ok "scstd starts"

# result KEY: a value from the RESULT line of $WORKDIR/bench.out.
result() {
	grep '^RESULT ' "$WORKDIR/bench.out" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# sane_result KIND: the run's RESULT line counts only KIND I/O, all good.
sane_result() {
	local iops mean p50 p99 p999 cpu ios kinds
	iops=$(result iops) mean=$(result mean_us) p50=$(result p50_us) p99=$(result p99_us)
	p999=$(result p999_us) cpu=$(result server_cpu_us_per_io) ios=$(result ios)
	kinds=$(grep -o "(reads [0-9]*, writes [0-9]*" "$WORKDIR/bench.out")
	echo "iops=$iops mean=$mean p50=$p50 p99=$p99 p99.9=$p999 cpu/io=$cpu ios=$ios $kinds"
	[ -n "$iops" ] && [ "$iops" -gt 0 ] && [ "$(result errors)" = 0 ] &&
		awk -v a="$p50" -v b="$p99" -v c="$p999" -v d="$cpu" -v m="$mean" \
			'BEGIN { exit !(m > 0 && a > 0 && a <= b && b <= c && d > 0) }' &&
		case $1 in
		read) [ "$kinds" = "(reads $ios, writes 0" ] ;;
		write) [ "$kinds" = "(reads 0, writes $ios" ] ;;
		esac
}

bench_run() {  # bench_run KIND iscsi-bench-args...: run, then judge the output
	local kind=$1
	shift
	timeout 60 "$BENCH" -W 0.5 -p "$DAEMON_PID" "$@" >"$WORKDIR/bench.out" 2>&1
	local rc=$?
	cat "$WORKDIR/bench.out"
	[ $rc = 0 ] && sane_result "$kind"
}

check "iscsi-bench: 4 KiB random reads, 2 jobs, QD 16, null LUN" \
	bench_run read -t 2 -j 2 -q 16 -w randread "$(url 0)"
check "iscsi-bench: 4 KiB random writes, QD 32, fileio LUN" \
	bench_run write -t 2 -w randwrite -S 64M "$(url 1)"
check "iscsi-bench: 1 MiB sequential reads, QD 4, fileio LUN" \
	bench_run read -t 1 -w read -b 1M -q 4 -S 64M "$(url 1)"
check_output "iscsi-bench rejects a block size that is not a multiple of the LUN's" \
	"not a multiple" bash -c "! timeout 30 '$BENCH' -t 1 -b 1000 '$(url 0)' 2>&1"
# After the random writes: a pattern written through the target is what
# the file holds and what a read returns.
shm_roundtrip() {
	timeout 60 qemu-io -f raw -c "write -P 0x5a 1M 3M" -c "read -P 0x5a 1M 3M" "$(url 1)" &&
		cmp -n $((3 * 1048576)) -i $((1048576)):0 "$SHM_IMG" <(head -c $((3 * 1048576)) /dev/zero | tr '\0' '\132')
}
check "a /dev/shm fileio LUN stores and returns a pattern written through it" shm_roundtrip
check_output "iscsi-hold holds 8 idle sessions" "^held 8$" timeout 30 "$HOLD" "$(url 0)" 8 1
# The ceiling of the 1 MiB rows: answers of 1 MiB came back within the window.
check_output "tcp-ceiling carries 8 x 1 MiB over loopback" '^RESULT mbps=[1-9][0-9]* ios=[1-9]' \
	timeout 30 "$CEILING" -b 1M -q 8 -t 1 -W 0.2
# send-cost: each way of sending a file's MiB reports a rate and a
# nonzero sender cost per MiB.
send_cost_modes() {
	local m out
	head -c $((8 * 1048576)) /dev/urandom >"$SHM_SRC" || return 1
	for m in copy map splice; do
		out=$(timeout 30 "$SEND_COST" "$SHM_SRC" $m 0.3) || return 1
		echo "$out"
		grep -Eq "^RESULT mode=$m mbps=[1-9][0-9]* sender_us_per_mib=([1-9][0-9]*|0\.[0-9]*[1-9])" \
			<<<"$out" || return 1
	done
}
check "send-cost sends a /dev/shm file by copy, mapping and splice" send_cost_modes

check_alive
check_stop
finish
