#!/usr/bin/env bash
# sense.sh - SCSI status and sense data of scstd's default LUNs, checked
# with tests/tools/scsi_checks (libiscsi synchronous API): invalid opcode,
# LBA out of range, invalid CDB field, unknown LUN, REPORT LUNS, the
# caching mode page, write/read-back, SYNCHRONIZE CACHE.
. "$(dirname "$0")/../lib.sh"

plan 30

require_daemon
require_tools scsi_checks
start_daemon || { not_ok "scstd starts with the default config"; finish; }
ok "scstd starts with the default config"

note "LUN 1: vdisk_fileio"
run_tap timeout 60 "$(tool scsi_checks)" -w -L 0,1 -u 5 "$(url 1)"
note "LUN 0: vdisk_nullio (no data integrity check: nullio discards writes)"
run_tap timeout 60 "$(tool scsi_checks)" -L 0,1 -u 7 "$(url 0)" \
	unknown-opcode lba-out-of-range invalid-field report-luns mode-caching sync-cache unknown-lun

check_alive "daemon alive after the sense checks"
check_stop
finish
