#!/usr/bin/env bash
# mgmt_last_res.sh - README.scst's last_sysfs_mgmt_res and EAGAIN: a
# management command that is not done within the daemon's timeout
# (--mgmt-timeout 1000) answers EAGAIN and goes on; last_sysfs_mgmt_res
# answers EAGAIN until it is done, then gives its result.  The long
# command is a vdisk_fileio add_device whose backing file is a FIFO opened
# read-only: open(2) waits for a writer, which the test provides when it
# wants the command to end (the FIFO is then refused: EINVAL).  A success
# is a command queued behind it.  Both through scstctl and the FUSE mount;
# scstadmin, given EAGAIN, polls last_sysfs_mgmt_res for the result.
. "$(dirname "$0")/../lib.sh"

plan 26

require_daemon
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
MNT=$WORKDIR/mnt
FIFO=$WORKDIR/slow.fifo
mkdir -p "$MNT"
mkfifo "$FIFO"

require_fuse
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
mounted() { grep -q " $MNT fuse" /proc/mounts; }
trap 'mounted && fusermount3 -u -z "$MNT"; lib_cleanup' EXIT

# The blocked open(2) in the daemon returns once the FIFO has a writer.
release_fifo() { timeout 10 sh -c "exec 3>'$FIFO'"; }

wait_result_mount() {
	local i
	for i in $(seq 1 100); do
		cat "$MNT/last_sysfs_mgmt_res" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "still failing"
	return 1
}

start_daemon --ctl-socket "$SOCK" --mount "$MNT" --mgmt-timeout 1000 ||
	{ not_ok "scstd starts with --mgmt-timeout 1000"; finish; }
ok "scstd starts with --mgmt-timeout 1000 and the tree mounted"

# ---- scstctl: a failure that outlasts the timeout ----
check_output "a quick command answers at once" '^0$' \
	sh -c "'$SCSTCTL' --socket '$SOCK' write handlers/vdisk_nullio/mgmt 'add_device quick size_mb=1' && '$SCSTCTL' --socket '$SOCK' read last_sysfs_mgmt_res"
check_output "add_device on a FIFO answers EAGAIN after 1 s (scstctl)" '^scstctl: EAGAIN ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write handlers/vdisk_fileio/mgmt 'add_device slow1 filename=$FIFO; read_only=1' 2>&1"
check_output "last_sysfs_mgmt_res answers EAGAIN while it runs (scstctl)" '^scstctl: EAGAIN ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' read last_sysfs_mgmt_res 2>&1"
check_output "and on the mount" 'Resource temporarily unavailable' \
	sh -c "! cat '$MNT/last_sysfs_mgmt_res' 2>&1"
check "the command is still running a second later" \
	sh -c "sleep 1; ! '$SCSTCTL' --socket '$SOCK' read last_sysfs_mgmt_res 2>/dev/null"
check "the FIFO gets a writer" release_fifo
check_output "then last_sysfs_mgmt_res gives its result: -22 (EINVAL)" '^-22$' wait_last_mgmt_res
check "slow1 was not created" sh -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -qx 'slow1/'"
check_output "the daemon logged the late result" \
	'write to handlers/vdisk_fileio/mgmt finished after its caller left: -22' cat "$DAEMON_LOG"

# ---- the mount: the same, with a success queued behind it ----
check_output "add_device on a FIFO answers EAGAIN after 1 s (mount)" 'Resource temporarily unavailable' \
	bash -c "! echo 'add_device slow2 filename=$FIFO; read_only=1' 2>&1 >'$MNT/handlers/vdisk_fileio/mgmt'"
check_output "a second command waits behind it and answers EAGAIN too (scstctl)" '^scstctl: EAGAIN ' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write handlers/vdisk_nullio/mgmt 'add_device queued size_mb=1' 2>&1"
check "last_sysfs_mgmt_res fails on the mount meanwhile" sh -c "! cat '$MNT/last_sysfs_mgmt_res' 2>/dev/null"
check "the FIFO gets a writer again" release_fifo
check_output "last_sysfs_mgmt_res on the mount: 0, the queued command's success" '^0$' wait_result_mount
check "queued was created" sh -c "'$SCSTCTL' --socket '$SOCK' list devices | grep -qx 'queued/'"
check "slow2 was not" sh -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -qx 'slow2/'"
check_output "both results are in the log" \
	'write to handlers/vdisk_nullio/mgmt finished after its caller left: 0' cat "$DAEMON_LOG"

# ---- scstadmin: EAGAIN makes it poll last_sysfs_mgmt_res ----
ADMIN=$(dirname "$SCSTD")/scstadmin
check "-write_config" "$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/c.cfg"
sed "s|^HANDLER vdisk_fileio {\$|&\n\tDEVICE slow3 {\n\t\tfilename $FIFO\n\t\tread_only 1\n\t}|" \
	"$WORKDIR/c.cfg" >"$WORKDIR/slow.cfg"
check_output "the config adds slow3 on the FIFO" '^	DEVICE slow3 \{$' cat "$WORKDIR/slow.cfg"
bg_start sh -c "sleep 3; timeout 10 sh -c \"exec 3>'$FIFO'\""
SECONDS=0
check_output "scstadmin -config waits for the result and reports EINVAL" \
	'add_device slow3 .*Invalid argument.*previous configuration was restored' \
	sh -c "! '$ADMIN' -socket '$SOCK' -config '$WORKDIR/slow.cfg' -noprompt 2>&1"
check "it waited for the FIFO's writer (>= 2 s), not for the timeout alone" test "$SECONDS" -ge 2
check_output "the daemon saw the write outlast its caller" \
	'finished after its caller left: -22, .*slow.fifo is neither' cat "$DAEMON_LOG"
check "slow3 does not exist" sh -c "! '$SCSTCTL' --socket '$SOCK' list devices | grep -qx 'slow3/'"

check "cleanup: del_device quick and queued" sh -c \
	"'$SCSTCTL' --socket '$SOCK' write handlers/vdisk_nullio/mgmt 'del_device quick' && '$SCSTCTL' --socket '$SOCK' write handlers/vdisk_nullio/mgmt 'del_device queued'"
check_stop
finish
