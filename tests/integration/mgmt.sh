#!/usr/bin/env bash
# mgmt.sh - the management tree through the control socket (scstctl):
# reading the top-level attributes, adding a vdisk_nullio device through
# handlers/vdisk_nullio/mgmt and exporting it as LUN 2 of the default
# target (iscsi-ls shows it), refused commands failing with the right
# error and changing nothing, then deleting both again.
. "$(dirname "$0")/../lib.sh"

plan 53

require_daemon
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
TGT=targets/iscsi/$DEFAULT_IQN

if [ ! -x "$SCSTCTL" ]; then
	not_ok "scstctl is built next to scstd"
	finish
fi

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

# fails_with ERRNAME CMD...: scstctl exits non-zero, naming ERRNAME.
fails_with() {
	local want=$1 out
	shift
	if out=$(ctl "$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	echo "$out"
	grep -q "^scstctl: $want " <<<"$out"
}

# state: everything a refused command could have changed.
state() {
	ctl list devices && ctl list handlers/vdisk_nullio && ctl list "$TGT/luns" &&
		ctl list "$TGT/ini_groups" && ctl list targets/iscsi
}

lun_count() {
	timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$PORT" | grep -c '^Lun:'
}

ls_shows_lun2() {
	local out
	out=$(timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$PORT") || return 1
	echo "$out"
	grep -Eq '^Lun:2 +Type:DIRECT_ACCESS \(Size:9M\)' <<<"$out"
}

# The LUN set cannot change under a session; iscsi-ls's session may take
# a moment to go away after it exits.
retry() {
	local i
	for i in $(seq 1 20); do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts with --ctl-socket"; finish; }
ok "scstd starts with --ctl-socket"

check "socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
check_output "version reads" '^0\.1\.0$' ctl read version
check_output "last_sysfs_mgmt_res reads 0 at start" '^0$' ctl read last_sysfs_mgmt_res
check_output "root lists handlers, devices, targets" '^handlers/$' ctl list /
check_output "handler mgmt read gives its usage" 'add_device device_name' \
	ctl read handlers/vdisk_nullio/mgmt
check_output "default devices are listed" '^null0/$' ctl list devices
check_output "handler symlink of a device" '^\.\./\.\./handlers/vdisk_fileio$' \
	ctl readlink devices/disk1/handler

check "add_device through handlers/vdisk_nullio/mgmt" \
	ctl write handlers/vdisk_nullio/mgmt add_device mg1 size_mb=10
check_output "device size_mb is a [key] attribute" '^\[key\]$' ctl read devices/mg1/size_mb
check_output "handler lists the new device as a link" '^mg1@$' ctl list handlers/vdisk_nullio
check "add it as LUN 2 of the default target" ctl write "$TGT/luns/mgmt" add mg1 2
check_output "LUN 2 device link" '^\.\./\.\./\.\./\.\./\.\./devices/mg1$' \
	ctl readlink "$TGT/luns/2/device"
check "iscsi-ls shows LUN 2 (10 MiB)" ls_shows_lun2

before=$(state)
check "unknown command fails with EINVAL" fails_with EINVAL \
	write handlers/vdisk_nullio/mgmt frobnicate mg2
check "unknown parameter fails with EINVAL" fails_with EINVAL \
	write handlers/vdisk_nullio/mgmt add_device mg2 size_mb=1 ";" colour=blue
check "duplicate device fails with EEXIST" fails_with EEXIST \
	write handlers/vdisk_nullio/mgmt add_device mg1 size_mb=1
check "deleting an exported device fails with EBUSY" fails_with EBUSY \
	write handlers/vdisk_nullio/mgmt del_device mg1
check "unknown device as LUN fails with ENOENT" fails_with ENOENT \
	write "$TGT/luns/mgmt" add nothere 3
check "taken LUN fails with EEXIST" fails_with EEXIST write "$TGT/luns/mgmt" add mg1 2
check "LUN out of range fails with EINVAL" fails_with EINVAL \
	write "$TGT/luns/mgmt" add mg1 16384
check "unknown path fails with ENOENT" fails_with ENOENT read devices/nothere/size
check "read-only attribute fails with EACCES" fails_with EACCES write devices/mg1/size 1
check_output "last_sysfs_mgmt_res holds the last error" '^-13$' ctl read last_sysfs_mgmt_res
check "refused commands changed nothing" test "$before" = "$(state)"
check_output "refusals are logged" "refused: device 'mg1' already exists" cat "$DAEMON_LOG"

# Hostile requests straight on the socket: an over-long line, a NUL.
raw() {  # raw BYTES-AS-PYTHON-LITERAL: send, print the reply
	timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(eval(sys.argv[2]))
except OSError:
    pass
s.shutdown(socket.SHUT_WR)
print(s.recv(4096).decode(errors="replace"))' "$SOCK" "$1"
}
check_output "an over-long request line is refused" '^err E2BIG' raw "b'a' * 20000"
check_output "a NUL byte is refused" '^err EINVAL' raw "b'read vers\\0ion\\n'"
check_output "garbage is refused" '^err EINVAL unknown request' raw "b'\\xff\\xfe junk\\n'"
check "daemon still answers after hostile input" ctl read version

check "del LUN 2" retry ctl write "$TGT/luns/mgmt" del 2
check "del_device mg1" ctl write handlers/vdisk_nullio/mgmt del_device mg1
check "the device is gone" fails_with ENOENT list devices/mg1
check_output "iscsi-ls shows LUN 0 and 1 again" '^2$' lun_count

check_alive "daemon alive after the management session"
check_stop
check "socket removed on exit" test ! -e "$SOCK"

# ---- the same tree as a FUSE mount ----
MNT=$WORKDIR/mnt
mounted() { grep -q " $MNT fuse" /proc/mounts; }
echo_to() {  # echo_to FILE TEXT: the shell's echo >, its status
	echo "$2" >"$1"
}
if [ ! -c /dev/fuse ]; then
	skip_rest "no /dev/fuse (FUSE mount tests)"
fi
mkdir -p "$MNT"
start_daemon --ctl-socket none --mount "$MNT" || { not_ok "scstd starts with --mount"; finish; }
check "tree is mounted" mounted
check_output "ls shows the top level" '^handlers$' ls "$MNT"
check_output "cat version" '^0\.1\.0$' cat "$MNT/version"
check "echo add_device > handlers/vdisk_nullio/mgmt" \
	echo_to "$MNT/handlers/vdisk_nullio/mgmt" "add_device d1 size_mb=10"
check_output "cat devices/d1/size_mb" '^10$' cat "$MNT/devices/d1/size_mb"
check_output "readlink handlers/vdisk_nullio/d1" '^\.\./\.\./devices/d1$' \
	readlink "$MNT/handlers/vdisk_nullio/d1"
check "echo add > luns/mgmt" echo_to "$MNT/$TGT/luns/mgmt" "add d1 2"
check "iscsi-ls shows LUN 2 (10 MiB)" ls_shows_lun2
check "a refused command fails the write" eval '! echo_to "$MNT/handlers/vdisk_nullio/mgmt" "add_device d1 size_mb=1"'
check_output "and sets last_sysfs_mgmt_res" '^-17$' cat "$MNT/last_sysfs_mgmt_res"
check "a read-only attribute cannot be written" eval '! echo_to "$MNT/devices/d1/size" 1'
check "echo del > luns/mgmt" retry echo_to "$MNT/$TGT/luns/mgmt" "del 2"
check "echo del_device > handlers/vdisk_nullio/mgmt" \
	echo_to "$MNT/handlers/vdisk_nullio/mgmt" "del_device d1"
check "devices/d1 is gone" test ! -e "$MNT/devices/d1"
check_stop
check "unmounted on exit" eval '! mounted'
mounted && fusermount3 -u "$MNT"
finish
