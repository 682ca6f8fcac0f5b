#!/usr/bin/env bash
# spec_examples.sh - the management examples of README.scst and
# README.scst_local run as printed, on scstd's FUSE mount: the only edits
# are /sys/kernel/scst_tgt -> the mount directory and, where an example
# names a backing file in / (/disk1, /some/path/vdisk1.img, /image.iso),
# that file's directory -> the test's working directory (the machine is
# shared).  Each example line is also looked up in the spec files when
# they are readable, so the copies here cannot drift.
# Skipped, with the reason printed: examples that need hardware or kernel
# modules (pass-through H:C:I:L devices, Fibre Channel WWN targets,
# insmod/modprobe, /proc/scsi/scsi, /sys/block tuning), and examples of
# drivers or handlers this build does not have (scst_local, vcdrom).
. "$(dirname "$0")/../lib.sh"

require_daemon
SPEC_DIR=${SPEC_DIR:-/work/shared/spec}
MNT=$WORKDIR/mnt
SOCK=$WORKDIR/ctl/scstd.sock
ADMIN=$(dirname "$SCSTD")/scstadmin
mkdir -p "$MNT"

if ! command -v fusermount3 >/dev/null 2>&1 || [ ! -e /dev/fuse ]; then
	skip "FUSE is not available (fusermount3 or /dev/fuse missing)"
	finish
fi
: >"$WORKDIR/empty.conf"
# Another port when the one picked was taken meanwhile (shared machine).
for try in 1 2 3; do
	start_daemon --config "$WORKDIR/empty.conf" --ctl-socket "$SOCK" --mount "$MNT" && break
	grep -q 'Address already in use' "$DAEMON_LOG" || try=3
	[ "$try" = 3 ] && { not_ok "scstd starts with --mount"; finish; }
done
ok "scstd starts with the tree mounted on $MNT"

# example SPECFILE TEXT: TEXT is the example as printed in SPECFILE (a
# "# " prompt and a trailing " -" of a list item are not part of the
# command); runs it with the documented root replaced by the mount.
example() {
	local spec=$SPEC_DIR/$1 text=$2 cmd
	if [ -r "$spec" ] && ! grep -qF -- "$(head -1 <<<"$text")" "$spec"; then
		echo "not in $1 as printed: $text"
		return 1
	fi
	cmd=${text//\/sys\/kernel\/scst_tgt/$MNT}
	cmd=${cmd//\/some\/path\//$WORKDIR\/}
	cmd=${cmd//=\/disk1;/=$WORKDIR\/disk1;}
	cmd=${cmd//\"\/image.iso\"/\"$WORKDIR\/image.iso\"}
	echo "+ $cmd"
	bash -c "$cmd"
}
tree_has() { [ "$(head -1 "$MNT/$1")" = "$2" ]; }

# ---- README.scst: virtual devices -------------------------------------------
truncate -s 64M "$WORKDIR/disk1" "$WORKDIR/vdisk1.img"
check "README.scst: add_device disk1 with blocksize 4096 and nv_cache" example README.scst \
	'echo "add_device disk1 filename=/disk1; blocksize=4096; nv_cache=1" >/sys/kernel/scst_tgt/handlers/vdisk_fileio/mgmt'
check "disk1 has blocksize 4096" tree_has devices/disk1/blocksize 4096
check "disk1 has nv_cache 1" tree_has devices/disk1/nv_cache 1
check_output "disk1's handler link" 'handlers/vdisk_fileio$' readlink "$MNT/devices/disk1/handler"

# Devices the access control example exports (it assumes they exist).
echo "add_device dev1 size_mb=16" >"$MNT/handlers/vdisk_nullio/mgmt"
echo "add_device dev2 size_mb=8" >"$MNT/handlers/vdisk_nullio/mgmt"

# ---- README.scst: access control examples -----------------------------------
echo "add_target iqn.2006-10.net.vlnb:tgt1" >"$MNT/targets/iscsi/mgmt"
check "README.scst: create INI" example README.scst \
	'echo "create INI" >/sys/kernel/scst_tgt/targets/iscsi/iqn.2006-10.net.vlnb:tgt1/ini_groups/mgmt'
check "README.scst: add disk1 0 to group INI" example README.scst \
	'echo "add disk1 0" >/sys/kernel/scst_tgt/targets/iscsi/iqn.2006-10.net.vlnb:tgt1/ini_groups/INI/luns/mgmt'
check_output "INI's LUN 0 is disk1" 'devices/disk1$' \
	readlink "$MNT/targets/iscsi/iqn.2006-10.net.vlnb:tgt1/ini_groups/INI/luns/0/device"
skip "README.scst: 'add 2:0:1:0 11' needs a pass-through SCSI device (hardware, dev_disk handler)"
skip "README.scst: 'add 21:*:e0:?b:83:*' needs a Fibre Channel target (hardware)"

T=/sys/kernel/scst_tgt/targets/iscsi/iqn.2007-05.com.example:storage.disk1.sys1.xyz
IQN=iqn.2007-05.com.example:storage.disk1.sys1.xyz
check "README.scst: a bare target name to targets/iscsi/mgmt creates it" example README.scst \
	'echo "iqn.2007-05.com.example:storage.disk1.sys1.xyz" >/sys/kernel/scst_tgt/targets/iscsi/mgmt'
check "README.scst: add dev1 0" example README.scst "echo \"add dev1 0\" >$T/luns/mgmt"
check "README.scst: add dev2 1" example README.scst "echo \"add dev2 1\" >$T/luns/mgmt"
check "README.scst: create SPEC_INI" example README.scst "echo \"create SPEC_INI\" >$T/ini_groups/mgmt"
check "README.scst: add dev2 0 read_only=1 to SPEC_INI" example README.scst \
	"echo \"add dev2 0 read_only=1\" \\
	>$T/ini_groups/SPEC_INI/luns/mgmt"
check "README.scst: a bare initiator name to SPEC_INI/initiators/mgmt adds it" example README.scst \
	"echo \"iqn.2007-05.com.example:storage.disk1.spec_ini.xyz\" \\
	>$T/ini_groups/SPEC_INI/initiators/mgmt"
TM=$MNT/targets/iscsi/$IQN
check "the target exports dev1 as LUN 0 and dev2 as LUN 1" \
	bash -c "[ \"\$(readlink $TM/luns/0/device)\" = ../../../../../devices/dev1 ] &&
		 [ \"\$(readlink $TM/luns/1/device)\" = ../../../../../devices/dev2 ]"
check "SPEC_INI has dev2 read-only as LUN 0" \
	bash -c "readlink $TM/ini_groups/SPEC_INI/luns/0/device | grep -q 'devices/dev2\$' &&
		 [ \"\$(head -1 $TM/ini_groups/SPEC_INI/luns/0/read_only)\" = 1 ]"
check "SPEC_INI lists the initiator" test -e "$TM/ini_groups/SPEC_INI/initiators/iqn.2007-05.com.example:storage.disk1.spec_ini.xyz"

# What initiators see (the target must be enabled to serve them).
echo 1 >"$TM/enabled"
echo 1 >"$MNT/targets/iscsi/enabled"
luns_seen_by() {  # luns_seen_by INITIATOR: the LUN numbers iscsi-ls lists
	timeout 20 iscsi-ls -s -i "$1" "iscsi://127.0.0.1:$PORT" |
		awk -v t="$IQN" '/^Target:/ { on = ($1 == "Target:" t) }
			on && /^Lun:/ { sub(/^Lun:/, "", $1); print $1 }' |
		tr '\n' ' '
}
check_output "spec_ini sees only LUN 0 (dev2)" '^0 $' \
	luns_seen_by iqn.2007-05.com.example:storage.disk1.spec_ini.xyz
check_output "another initiator sees LUNs 0 and 1" '^0 1 $' \
	luns_seen_by iqn.2007-05.com.example:other.host
skip "README.scst: 'add_device 1:0:0:0' to dev_disk needs a pass-through SCSI device (hardware)"
skip "README.scst: /sys/block/sdX tuning (max_sectors_kb, nr_requests, queue_depth) is kernel block layer"

# ---- README.scst: vcdrom media change ----------------------------------------
if [ -d "$MNT/handlers/vcdrom" ]; then
	mkdir -p "$WORKDIR/iso" && echo media >"$WORKDIR/iso/file.txt"
	genisoimage -quiet -o "$WORKDIR/image.iso" "$WORKDIR/iso" 2>/dev/null
	echo "add_device cdrom" >"$MNT/handlers/vcdrom/mgmt"
	check "README.scst: insert /image.iso into cdrom" example README.scst \
		'echo "/image.iso" >/sys/kernel/scst_tgt/devices/cdrom/filename'
	check_output "cdrom's filename is the image" 'image.iso' cat "$MNT/devices/cdrom/filename"
	check "README.scst: remove the media" example README.scst \
		'echo "" >/sys/kernel/scst_tgt/devices/cdrom/filename'
else
	skip "README.scst: vcdrom filename examples: this build has no vcdrom handler"
fi

# ---- README.scst_local ---------------------------------------------------------
skip "README.scst_local: modprobe/insmod, dd of a 16 GB image and cat /proc/scsi/scsi are kernel steps"
check "README.scst_local: add_device vm_disk1" example README.scst_local \
	'echo "add_device vm_disk1 filename=/some/path/vdisk1.img" >/sys/kernel/scst_tgt/handlers/vdisk_fileio/mgmt'
check_output "vm_disk1 is backed by the image" 'vdisk1.img$' head -1 "$MNT/devices/vm_disk1/filename"
if [ -d "$MNT/targets/scst_local" ]; then
	if [ ! -d "$MNT/targets/scst_local/scst_local_tgt" ]; then
		check "README.scst_local: add_target scst_local_tgt session_name=scst_local_host" \
			example README.scst_local \
			'echo "add_target scst_local_tgt session_name=scst_local_host" >/sys/kernel/scst_tgt/targets/scst_local//mgmt'
	fi
	check "README.scst_local: add vm_disk1 0" example README.scst_local \
		'echo "add vm_disk1 0" >/sys/kernel/scst_tgt/targets/scst_local/scst_local_tgt/luns/mgmt'
	check_output "scst_local_tgt's LUN 0 is vm_disk1" 'devices/vm_disk1$' \
		readlink "$MNT/targets/scst_local/scst_local_tgt/luns/0/device"
	# The scstadmin configs of README.scst_local, on a cleared tree.
	"$ADMIN" -root "$MNT" -clear_config -noprompt -force >/dev/null
	cat >"$WORKDIR/conf_file.cfg" <<CONF
HANDLER vdisk_fileio {
        DEVICE vm_disk1 {
        	filename $WORKDIR/vdisk1.img
        }
}

TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		session_name scst_local_host

		LUN 0 vm_disk1
	}
}
CONF
	check "README.scst_local: scstadmin -config conf_file.cfg (with session_name)" \
		"$ADMIN" -root "$MNT" -config "$WORKDIR/conf_file.cfg" -noprompt
	check_output "the session scst_local_host exists" 'scst_local_host' \
		ls "$MNT/targets/scst_local/scst_local_tgt/sessions"
else
	skip "README.scst_local: targets/scst_local examples and configs: this build has no scst_local driver"
	cat >"$WORKDIR/conf_file.cfg" <<CONF
HANDLER vdisk_fileio {
        DEVICE vm_disk1 {
        	filename $WORKDIR/vdisk1.img
        }
}
CONF
	"$ADMIN" -root "$MNT" -clear_config -noprompt -force >/dev/null
	check "README.scst_local: the HANDLER part of conf_file.cfg through scstadmin -root" \
		"$ADMIN" -root "$MNT" -config "$WORKDIR/conf_file.cfg" -noprompt
	check "vm_disk1 exists again" test -d "$MNT/devices/vm_disk1"
fi

# ---- a bad command on the mount changes nothing ----------------------------------
before=$(find "$MNT" -maxdepth 6 | sort)
check "a bad add_device on the mount fails" bash -c "! echo 'add_device x colour=blue' >'$MNT/handlers/vdisk_nullio/mgmt'"
check "a LUN of an unknown device fails" bash -c "! echo 'add nothere 7' >'$MNT/targets/iscsi/$IQN/luns/mgmt'"
check "the failed commands changed nothing" test "$before" = "$(find "$MNT" -maxdepth 6 | sort)"

check_stop
finish
