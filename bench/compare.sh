#!/bin/bash
# bench/compare.sh - read throughput of scstd against tgt (the user-space
# peer), measured in the same run on the same machine with the same client
# (libiscsi's iscsi-perf).  Prints IOPS/MB/s per workload and the ratio
# scstd/tgt.  Not part of `make check`: figures depend on the machine.
#
#   bash bench/compare.sh [seconds-per-run]        (default 10)
#
# Workloads: 4 KiB sequential and random reads at queue depth 32, and
# 128 KiB sequential reads at depth 8, each on a null LUN (target overhead
# only) and a file-backed LUN (page-cache hits: target + backend path).
set -u
cd "$(dirname "$0")/.."
SECS=${1:-10}
SCSTD=${SCSTD:-build/scstd}
WORK=$(mktemp -d /tmp/scstd-bench.XXXXXX)
SCSTD_PORT=3361
TGT_PORT=3362
TGT_CTL=17
TGT_IQN=iqn.2026-11.org.tgt:bench
SCSTD_IQN=iqn.2026-11.org.scstd:bench

cleanup() {
	[ -n "${SCSTD_PID:-}" ] && kill "$SCSTD_PID" 2>/dev/null
	[ -n "${TGT_PID:-}" ] && kill "$TGT_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

die() { echo "bench: $*" >&2; exit 1; }

wait_port() {
	for _ in $(seq 100); do
		ss -ltn | grep -q "127.0.0.1:$1 " && return 0
		sleep 0.1
	done
	return 1
}

# Both targets get the same backing data: a 1 GiB file whose first 256 MiB
# are written so reads are served from the page cache, not from holes.
make_backing_file() {
	truncate -s 1G "$1"
	dd if=/dev/urandom of="$1" bs=1M count=256 conv=notrunc status=none
}

start_scstd() {
	make_backing_file "$WORK/scstd.img"
	cat >"$WORK/scst.conf" <<EOF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 1024
	}
}
HANDLER vdisk_fileio {
	DEVICE file1 {
		filename $WORK/scstd.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $SCSTD_IQN {
		enabled 1
		LUN 0 null0
		LUN 1 file1
	}
}
EOF
	"$SCSTD" --foreground --listen 127.0.0.1:$SCSTD_PORT --config "$WORK/scst.conf" \
		--log-level warn 2>"$WORK/scstd.log" &
	SCSTD_PID=$!
	wait_port $SCSTD_PORT || die "scstd did not start: $(tail -5 "$WORK/scstd.log")"
}

start_tgt() {
	command -v tgtd >/dev/null || die "tgtd not installed (apt-get install tgt)"
	make_backing_file "$WORK/tgt.img"
	tgtd -f -C $TGT_CTL --iscsi portal=127.0.0.1:$TGT_PORT >"$WORK/tgtd.log" 2>&1 &
	TGT_PID=$!
	wait_port $TGT_PORT || die "tgtd did not start"
	tgtadm -C $TGT_CTL --lld iscsi --op new --mode target --tid 1 -T $TGT_IQN
	# tgt reserves LUN 0 for its controller: its null disk is LUN 1, file LUN 2.
	tgtadm -C $TGT_CTL --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 \
		--bstype null -b /dev/null
	tgtadm -C $TGT_CTL --lld iscsi --op new --mode logicalunit --tid 1 --lun 2 \
		-b "$WORK/tgt.img"
	tgtadm -C $TGT_CTL --lld iscsi --op bind --mode target --tid 1 -I ALL
}

# Prints "IOPS MBPS" of one iscsi-perf run.
measure() {
	local url=$1 blocks=$2 depth=$3 random=$4 out
	out=$(timeout $((SECS + 30)) iscsi-perf -m "$depth" -b "$blocks" -t "$SECS" $random "$url" 2>&1 |
		tr '\r' '\n' | grep -o 'iops average [0-9]* ([0-9]* MB/s)' | tail -1)
	[ -n "$out" ] || { echo "0 0"; return; }
	echo "$out" | sed -E 's/iops average ([0-9]+) \(([0-9]+) MB\/s\)/\1 \2/'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

[ -x "$SCSTD" ] || die "$SCSTD not built (make all)"
start_scstd
start_tgt

printf '%-34s %12s %12s %12s %12s %7s\n' workload "scstd IOPS" "scstd MB/s" "tgt IOPS" "tgt MB/s" ratio
run_case() {
	local name=$1 sl=$2 tl=$3 blocks=$4 depth=$5 random=$6 s t
	s=$(measure "iscsi://127.0.0.1:$SCSTD_PORT/$SCSTD_IQN/$sl" "$blocks" "$depth" "$random")
	t=$(measure "iscsi://127.0.0.1:$TGT_PORT/$TGT_IQN/$tl" "$blocks" "$depth" "$random")
	set -- $s $t
	printf '%-34s %12s %12s %12s %12s %7s\n' "$name" "$1" "$2" "$3" "$4" "$(ratio "$1" "$3")"
}
run_case "null 4K seq read qd32" 0 1 8 32 ""
run_case "null 4K rand read qd32" 0 1 8 32 "-r"
run_case "null 128K seq read qd8" 0 1 256 8 ""
run_case "file 4K seq read qd32" 1 2 8 32 ""
run_case "file 4K rand read qd32" 1 2 8 32 "-r"
run_case "file 128K seq read qd8" 1 2 256 8 ""
echo "ratio = scstd IOPS / tgt IOPS (higher is better for scstd); ${SECS}s per run"
echo "RSS after the runs: scstd $(ps -o rss= -p "$SCSTD_PID") KiB, tgtd $(ps -o rss= -p "$TGT_PID") KiB"
