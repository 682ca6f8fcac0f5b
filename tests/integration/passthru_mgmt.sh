#!/usr/bin/env bash
# passthru_mgmt.sh - the pass-through handlers (README.scst: dev_disk,
# dev_tape, dev_cdrom, dev_changer, dev_processor, dev_raid, dev_modisk and
# the _perf variants) are in handlers/ with the add_device/del_device mgmt
# usage, and refuse what is not a SCSI device of this host: a name that is
# not H:C:I:L and an H:C:I:L with no such device each fail with a reason,
# create nothing, and leave the daemon running.  Exporting real devices
# is tested in the guest (tests/vm/passthru_*.sh), where scsi_debug and
# qemu's SCSI devices exist.
. "$(dirname "$0")/../lib.sh"
plan 18

require_daemon
BIN=$(dirname "$SCSTD")
SCSTCTL=$BIN/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

# fails_with ERRNO-NAME REASON-RE ARGS...: the write fails with that errno
# and a reason in the daemon's answer.
fails_with() {
	local want=$1 re=$2 out
	shift 2
	if out=$(ctl "$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	echo "$out"
	grep -q "^scstctl: $want " <<<"$out" && grep -Eq "$re" <<<"$out$(tail -n 3 "$DAEMON_LOG")"
}

start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts"; finish; }
ok "scstd starts"

for h in dev_disk dev_disk_perf dev_tape dev_tape_perf dev_processor dev_cdrom \
	dev_modisk dev_modisk_perf dev_changer dev_raid; do
	check_output "handlers/$h/mgmt gives the add_device usage" 'add_device' \
		ctl read "handlers/$h/mgmt"
done

# No SCSI host of this number exists (hosts are numbered from 0 up).
GONE=4000000:0:0:0
[ -e "/sys/class/scsi_device/$GONE" ] && GONE=4000001:0:0:0
before=$(ctl list devices)
check "an H:C:I:L without a SCSI device fails with ENODEV naming it" \
	fails_with ENODEV "$GONE" write handlers/dev_disk/mgmt add_device "$GONE"
check "a name that is not H:C:I:L fails with EINVAL" \
	fails_with EINVAL "not H:C:I:L" write handlers/dev_tape/mgmt add_device disk1x
check "a signed H:C:I:L fails with EINVAL" \
	fails_with EINVAL "not H:C:I:L" write handlers/dev_changer/mgmt add_device 0:0:-1:0
check "add_device parameters are refused (pass-through devices take none)" \
	fails_with EINVAL "." write handlers/dev_cdrom/mgmt add_device 0:0:0:0 filename=/x
check "refused add_device calls created no device" test "$before" = "$(ctl list devices)"
check_alive "daemon alive after the refusals"
check_stop
finish
