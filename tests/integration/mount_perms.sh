#!/usr/bin/env bash
# mount_perms.sh - the FUSE mount (--mount) as sysfs is to users: a
# non-root user (nobody, through setpriv) lists the tree and reads
# attributes and statistics, but cannot write mgmt files or attributes and
# cannot read CHAP secrets (IncomingUser/OutgoingUser); root still can.
# With --mount-group, only that group's members read the tree.
. "$(dirname "$0")/../lib.sh"
plan 20

require_daemon
require_fuse
command -v setpriv >/dev/null || { skip "setpriv (util-linux) is needed"; finish; }
IQN=iqn.2026-12.org.scstd:perms
TGT=targets/iscsi/$IQN
MNT=$WORKDIR/mnt
mkdir -p "$MNT"
# Other users must reach the mount point through the working directory.
chmod 755 "$WORKDIR"
truncate -s 8M "$WORKDIR/d.img"
cat >"$WORKDIR/p.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d0 { filename $WORKDIR/d.img }
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		IncomingUser "joe secret12345"
		OutgoingUser "tgt tgtsecret9999"
		enabled 1
		LUN 0 d0
	}
}
CONF
as_user() {  # as_user UID GID CMD...: CMD as that user, no supplementary groups
	local u=$1 g=$2
	shift 2
	setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
}
nobody() { as_user 65534 65534 "$@"; }
mode_of() { stat -c %a "$MNT/$1"; }
mounted() { grep -q " $MNT fuse" /proc/mounts; }

start_daemon --config "$WORKDIR/p.conf" --mount "$MNT" || { not_ok "scstd starts with --mount"; finish; }
check "the tree is mounted" mounted
check_output "nobody lists the targets" "^$IQN\$" nobody ls "$MNT/targets/iscsi"
check_output "nobody reads version" '^[0-9]+\.[0-9]+' nobody cat "$MNT/version"
check_output "nobody reads a device's size" '^8388608$' nobody cat "$MNT/devices/d0/size"
check "nobody reads the target's statistics directory (sessions)" nobody ls "$MNT/$TGT/sessions"
check "nobody cannot write a mgmt file" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo add_device x size_mb=1 >\"$MNT/handlers/vdisk_nullio/mgmt\"' 2>/dev/null"
check "... nor read it" bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$MNT/$TGT/luns/mgmt' >/dev/null 2>&1"
check "nobody cannot write a writable attribute (setup_id)" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'echo 0x5 >\"$MNT/setup_id\"' 2>/dev/null"
check "nobody cannot read IncomingUser" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$MNT/$TGT/IncomingUser' >/dev/null 2>&1"
check "nobody cannot read OutgoingUser" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$MNT/$TGT/OutgoingUser' >/dev/null 2>&1"
check_output "root reads IncomingUser" 'joe secret12345' cat "$MNT/$TGT/IncomingUser"
check "root still writes mgmt" sh -c "echo 'add_device np0 size_mb=1' >'$MNT/handlers/vdisk_nullio/mgmt'"
check "modes: version 444, setup_id 644, mgmt 200, IncomingUser 600, directories 755" \
	test "$(mode_of version) $(mode_of setup_id) $(mode_of handlers/vdisk_nullio/mgmt) $(mode_of "$TGT/IncomingUser") $(mode_of devices)" = "444 644 200 600 755"
check_stop

# --mount-group: the group reads, the world does not.
start_daemon --config "$WORKDIR/p.conf" --mount "$MNT" --mount-group nogroup ||
	{ not_ok "scstd starts with --mount-group nogroup"; finish; }
check_output "with --mount-group nogroup, its member (nobody) reads version" '^[0-9]+\.[0-9]+' \
	nobody cat "$MNT/version"
check "... another user (uid/gid 65533) cannot" \
	bash -c "! setpriv --reuid=65533 --regid=65533 --clear-groups cat '$MNT/version' >/dev/null 2>&1"
check "... and the group's member still cannot read IncomingUser" \
	bash -c "! setpriv --reuid=65534 --regid=65534 --clear-groups cat '$MNT/$TGT/IncomingUser' >/dev/null 2>&1"
check "modes with a group: version 440, directories 750, group nogroup" \
	test "$(mode_of version) $(mode_of devices) $(stat -c %G "$MNT/version")" = "440 750 nogroup"
check_stop
check "an unknown --mount-group stops the start" \
	bash -c "! '$SCSTD' --foreground --listen 127.0.0.1:$(pick_port) --ctl-socket none --local-socket none --mount '$MNT' --mount-group no-such-group-$$ >/dev/null 2>&1"
mounted && fusermount3 -u "$MNT"
finish
