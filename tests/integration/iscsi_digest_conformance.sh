#!/usr/bin/env bash
# iscsi_digest_conformance.sh - libiscsi's conformance suite (iscsi-test-cu)
# over sessions with HeaderDigest=CRC32C.  iscsi-test-cu offers
# "HeaderDigest=None,CRC32C" whatever its URL says, so the target insists:
# its HeaderDigest attribute is CRC32C (a login that will not agree fails).
# The iSCSI family and the SCSI suites that move the most data
# (READ/WRITE(10), COMPARE AND WRITE, WRITE SAME(10), WRITE AND VERIFY(10))
# run over header digests alone; the whole run goes over header and data
# digests in iscsi_datadigest_conformance.sh (through a relay, because
# libiscsi 1.19 always offers DataDigest=None), so a second whole run here
# would only repeat it.  Every test must pass or be skipped, and every
# normal session the run opened must have CRC32C header digests in force.
. "$(dirname "$0")/../lib.sh"

plan 12

require_daemon
TESTS=(iSCSI SCSI.Read10 SCSI.Write10 SCSI.CompareAndWrite SCSI.WriteSame10 SCSI.WriteVerify10)

# The daemon's default configuration, plus the digest policy.
truncate -s 1G "$WORKDIR/disk.img"
cat >"$WORKDIR/digest.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 1024
	}
}
HANDLER vdisk_fileio {
	DEVICE disk1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		HeaderDigest CRC32C
		LUN 0 null0
		LUN 1 disk1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/digest.conf"; then
	not_ok "scstd starts with HeaderDigest CRC32C on the target"
	finish
fi
ok "scstd starts with HeaderDigest CRC32C on the target"
# libiscsi's iSCSITMF.AbortTaskSimpleAsync wants "task does not exist" for
# an ABORT TASK of a WRITE that has just finished; the default
# (README.scst) is "function complete".
check "abort_consider_finished_tasks_as_not_existing set to 1" \
	daemon_ctl write abort_consider_finished_tasks_as_not_existing 1
URL="$(url 1)"

run_cu() {  # run_cu [TEST]: one iscsi-test-cu run; verdicts in $WORKDIR/cu.verdicts
	local raw=$WORKDIR/cu.out args=(-t "${1:-ALL}")     # each test once
	timeout -k 10 600 iscsi-test-cu -d "${args[@]}" "$URL" >"$raw" 2>&1
	local rc=$?
	awk -f "$TESTS_ROOT/tests/conformance/parse_cu.awk" "$raw" >"$WORKDIR/cu.verdicts"
	read -r _ _ passed _ failed _ skipped < <(grep '^SUMMARY' "$WORKDIR/cu.verdicts")
	echo "iscsi-test-cu ${1:-(all)}: exit $rc, passed $passed failed $failed skipped $skipped"
	grep '^FAIL ' "$WORKDIR/cu.verdicts" | sort -u
	grep -q '^CUNIT' "$WORKDIR/cu.verdicts" || { echo "no CUnit summary"; return 1; }
	[ "$rc" -le 1 ] && [ "${failed:-1}" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
}

for t in "${TESTS[@]}"; do
	check "iscsi-test-cu ${t:-(whole run)} with HeaderDigest=CRC32C: no failures" run_cu "$t"
	note "$(head -1 "$WORKDIR/last.out")"
done

sessions_digested() {
	local all crc
	all=$(grep -ac "normal session of" "$DAEMON_LOG")
	crc=$(grep -ac "normal session of.*HeaderDigest CRC32C" "$DAEMON_LOG")
	echo "normal sessions: $all, with CRC32C header digests: $crc"
	[ "$all" -gt 0 ] && [ "$all" -eq "$crc" ]
}
check "every normal session of the run had HeaderDigest CRC32C" sessions_digested
check_output "an initiator that will not do header digests is refused" "status 0x0200" \
	bash -c "timeout 20 qemu-img info --image-opts \
		'driver=iscsi,transport=tcp,portal=127.0.0.1:$PORT,target=$DEFAULT_IQN,lun=1,header-digest=none' \
		>/dev/null 2>&1; grep -a 'requires CRC32C digests' '$DAEMON_LOG'"

check_alive "daemon alive after the digest conformance run"
check_stop "daemon stops cleanly" 20
finish
