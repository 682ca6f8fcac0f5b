#!/usr/bin/env bash
# cdb_fuzz.sh - every device handler against the seeded CDB fuzzer
# (tests/tools/cdb_fuzz): one private daemon with a thin-provisioned
# vdisk_fileio LUN, a vdisk_nullio LUN, a vcdrom LUN with a small ISO and a
# removable vdisk_fileio LUN; each gets fixed seeds of generated commands,
# the last with descriptor-format sense, every answer checked (allowed
# status, well-formed fixed or descriptor sense, no data-in past
# the transfer or allocation length, consistent residual) and the LUN
# probed as still working.  Then the daemon is alive, its command buffers
# never grew past a few transfer limits (sgv), qemu-io writes and
# verifies real data on the fileio LUN, and it stops with a clean log.
#
# FUZZ_SEEDS and FUZZ_ITERATIONS override the fixed seeds and counts (for
# bug hunting: FUZZ_SEEDS="$(seq 1 20)" FUZZ_ITERATIONS=5000).
. "$(dirname "$0")/../lib.sh"

plan 17

require_daemon
require_tools cdb_fuzz
FUZZ=$(tool cdb_fuzz)
IQN=iqn.2026-11.org.scstd:cdbfuzz
SEEDS=${FUZZ_SEEDS:-1 2 3}
ITERATIONS=${FUZZ_ITERATIONS:-6000}

# Small media, so that FORMAT UNIT and SANITIZE finish at once.
truncate -s 4M "$WORKDIR/thin.img"
truncate -s 4M "$WORKDIR/removable.img"
mkdir -p "$WORKDIR/iso"
head -c 300000 /dev/urandom >"$WORKDIR/iso/data.bin"
if ! genisoimage -quiet -V FUZZ -o "$WORKDIR/cd.iso" "$WORKDIR/iso"; then
	not_ok "genisoimage makes the test image"
	finish
fi

cat >"$WORKDIR/fuzz.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE thin {
		filename $WORKDIR/thin.img
		thin_provisioned 1
	}
	DEVICE rem {
		filename $WORKDIR/removable.img
		removable 1
	}
}
HANDLER vdisk_nullio {
	DEVICE null {
		size_mb 4
	}
}
HANDLER vcdrom {
	DEVICE cd {
		filename $WORKDIR/cd.iso
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 thin
		LUN 1 null
		LUN 2 cd
		LUN 3 rem
	}
}
CONF

start_daemon --config "$WORKDIR/fuzz.conf" || { not_ok "scstd starts with four LUNs"; finish; }
ok "scstd starts with four LUNs"

# The last seed runs with descriptor-format sense (D_SENSE 1).
fuzz_lun() {  # fuzz_lun LUN NAME
	local seed last=${SEEDS##* } opt
	for seed in $SEEDS; do
		opt=
		[ "$seed" = "$last" ] && opt=-d
		check "cdb_fuzz: $2 (LUN $1), seed $seed, $ITERATIONS commands${opt:+, descriptor sense}" \
			timeout 120 "$FUZZ" $opt -s "$seed" -n "$ITERATIONS" "$(url "$1" "$IQN")"
	done
}

fuzz_lun 0 "vdisk_fileio thin_provisioned"
fuzz_lun 1 "vdisk_nullio"
fuzz_lun 2 "vcdrom"
fuzz_lun 3 "vdisk_fileio removable"

check_alive "scstd alive after the fuzzing, no sanitizer report"

# One session at a time never needs more than a few transfer-limit
# (8 MiB) buffers; an allocation length must not size one (it did: 4 GiB).
peak_pages_bounded() {
	local line peak
	line=$(daemon_ctl read sgv/global_stats | grep '^Charged/peak charged pages') || return 1
	peak=${line##*/}
	echo "$line"
	[ "$peak" -le "$MAX_PEAK_PAGES" ]
}
MAX_PEAK_PAGES=${MAX_PEAK_PAGES:-16384}
check "command buffers peaked below $((MAX_PEAK_PAGES * 4 / 1024)) MiB" peak_pages_bounded

if command -v qemu-io >/dev/null; then
	check_output "qemu-io writes and verifies data on the fileio LUN" 'read 1048576/1048576' \
		timeout 60 qemu-io -f raw -c "write -P 0xa5 1M 1M" -c "read -P 0xa5 1M 1M" \
		"$(url 0 "$IQN")"
else
	skip "qemu-io not installed"
fi

check_stop
finish
