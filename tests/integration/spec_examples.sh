#!/usr/bin/env bash
# spec_examples.sh - the management examples of README.scst and
# README.scst_local run as printed, on scstd's FUSE mount: the only edits
# are /sys/kernel/scst_tgt -> the mount directory and, where an example
# names a backing file in / (/disk1, /some/path/vdisk1.img, /image.iso),
# that file's directory -> the test's working directory (the machine is
# shared).  Each example line is also looked up in the spec files when
# they are readable, so the copies here cannot drift.
# Skipped, with the reason printed: examples that need what scstd does not
# implement (the dev_disk pass-through handler for H:C:I:L devices, a Fibre
# Channel target driver) or kernel steps (insmod/modprobe, /proc/scsi/scsi,
# /sys/block tuning); insmod scst_local
# [add_default_tgt=0] is a daemon (re)start [--local-add-default-tgt 0].
. "$(dirname "$0")/../lib.sh"

plan 56

require_daemon
SPEC_DIR=${SPEC_DIR:-/work/shared/spec}
MNT=$WORKDIR/mnt
SOCK=$WORKDIR/ctl/scstd.sock
ADMIN=$(dirname "$SCSTD")/scstadmin
mkdir -p "$MNT"

require_fuse
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
skip "README.scst: 'add 2:0:1:0 11' needs the dev_disk pass-through handler, which scstd does not implement"
skip "README.scst: 'add 21:*:e0:?b:83:*' needs a Fibre Channel target driver, which scstd does not have (and an FC HBA)"

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
skip "README.scst: 'add_device 1:0:0:0' to dev_disk needs the dev_disk pass-through handler, which scstd does not implement"
skip "README.scst: /sys/block/sdX tuning (max_sectors_kb, nr_requests, queue_depth) is kernel block layer"

# ---- README.scst: vcdrom media change ----------------------------------------
mkdir -p "$WORKDIR/iso" && echo media >"$WORKDIR/iso/file.txt"
# Any file of whole 2048-byte blocks is a medium; an ISO when we can make one.
genisoimage -quiet -o "$WORKDIR/image.iso" "$WORKDIR/iso" 2>/dev/null ||
	truncate -s 1M "$WORKDIR/image.iso"
check "add_device cdrom to vcdrom" bash -c "echo 'add_device cdrom' >'$MNT/handlers/vcdrom/mgmt'"
check "README.scst: insert /image.iso into cdrom" example README.scst \
	'echo "/image.iso" >/sys/kernel/scst_tgt/devices/cdrom/filename'
check_output "cdrom's filename is the image" 'image.iso' cat "$MNT/devices/cdrom/filename"
check "README.scst: remove the media" example README.scst \
	'echo "" >/sys/kernel/scst_tgt/devices/cdrom/filename'
check_output "cdrom has no medium now" '^$' head -1 "$MNT/devices/cdrom/filename"

# ---- a bad command on the mount changes nothing ----------------------------------
before=$(find "$MNT" -maxdepth 6 | sort)
check "a bad add_device on the mount fails" bash -c "! echo 'add_device x colour=blue' >'$MNT/handlers/vdisk_nullio/mgmt'"
check "a LUN of an unknown device fails" bash -c "! echo 'add nothere 7' >'$MNT/targets/iscsi/$IQN/luns/mgmt'"
check "the failed commands changed nothing" test "$before" = "$(find "$MNT" -maxdepth 6 | sort)"

# ---- README.scst_local ---------------------------------------------------------
# "insmod scst_local" is a daemon start (the default target scst_local_tgt
# with session scst_local_host); "insmod scst_local add_default_tgt=0"
# is one with --local-add-default-tgt 0.
skip "README.scst_local: modprobe/insmod, dd of a 16 GB image and cat /proc/scsi/scsi are kernel steps"
restart() {  # restart ARGS...: a fresh daemon with the tree mounted
	local try
	stop_daemon >/dev/null 2>&1
	for try in 1 2 3; do
		start_daemon --config "$WORKDIR/empty.conf" --ctl-socket "$SOCK" --mount "$MNT" "$@" &&
			return 0
		grep -q 'Address already in use' "$DAEMON_LOG" || return 1
	done
	return 1
}
# spec_conf FILE: stdin is a config as README.scst_local prints it; each
# line must be there verbatim; FILE gets it with /some/path/ -> WORKDIR.
spec_conf() {
	local text line
	text=$(cat)
	if [ -r "$SPEC_DIR/README.scst_local" ]; then
		while IFS= read -r line; do
			line=${line#"${line%%[![:space:]]*}"}
			[ -z "$line" ] && continue
			grep -qF -- "$line" "$SPEC_DIR/README.scst_local" ||
				{ echo "not in README.scst_local as printed: $line"; return 1; }
		done <<<"$text"
	fi
	printf '%s\n' "${text//\/some\/path\//$WORKDIR\/}" >"$1"
}
local_lun0_is_vm_disk1() {
	[ "$(readlink "$MNT/targets/scst_local/scst_local_tgt/luns/0/device")" != "${1:-}" ] &&
		readlink "$MNT/targets/scst_local/scst_local_tgt/luns/0/device" | grep -q 'devices/vm_disk1$'
}
has_session() { test -d "$MNT/targets/scst_local/scst_local_tgt/sessions/scst_local_host"; }

check "README.scst_local: add_device vm_disk1" example README.scst_local \
	'echo "add_device vm_disk1 filename=/some/path/vdisk1.img" >/sys/kernel/scst_tgt/handlers/vdisk_fileio/mgmt'
check_output "vm_disk1 is backed by the image" 'vdisk1.img$' head -1 "$MNT/devices/vm_disk1/filename"
check "insmod scst_local: the default target has session scst_local_host" has_session
check "README.scst_local: add vm_disk1 0" example README.scst_local \
	'echo "add vm_disk1 0" >/sys/kernel/scst_tgt/targets/scst_local/scst_local_tgt/luns/mgmt'
check "scst_local_tgt's LUN 0 is vm_disk1" local_lun0_is_vm_disk1

# "Or instead of manually add_device ... write a scstadmin config".
check "README.scst_local: the first conf_file.cfg is printed so" spec_conf "$WORKDIR/conf1.cfg" <<'CONF'
HANDLER vdisk_fileio {
        DEVICE vm_disk1 {
        	filename /some/path/vdisk1.img
        }
}

TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		LUN 0 vm_disk1
	}
}
CONF
restart || { not_ok "scstd restarts (insmod scst_local)"; finish; }
check "README.scst_local: insmod scst_local; scstadmin -config conf_file.cfg" \
	"$ADMIN" -root "$MNT" -config "$WORKDIR/conf1.cfg" -noprompt
check "the default target got LUN 0 vm_disk1" local_lun0_is_vm_disk1
check "and keeps its session scst_local_host" has_session

# "More advanced examples": without the default target.
restart --local-add-default-tgt 0 || { not_ok "scstd restarts (add_default_tgt=0)"; finish; }
check "insmod scst_local add_default_tgt=0: no default target" test ! -e "$MNT/targets/scst_local/scst_local_tgt"
echo "add_device vm_disk1 filename=$WORKDIR/vdisk1.img" >"$MNT/handlers/vdisk_fileio/mgmt"
check "README.scst_local: add_target scst_local_tgt session_name=scst_local_host" \
	example README.scst_local \
	'echo "add_target scst_local_tgt session_name=scst_local_host" >/sys/kernel/scst_tgt/targets/scst_local//mgmt'
check "README.scst_local: add vm_disk1 0 (on the new target)" example README.scst_local \
	'echo "add vm_disk1 0" >/sys/kernel/scst_tgt/targets/scst_local/scst_local_tgt/luns/mgmt'
check "the new target has LUN 0 vm_disk1 and session scst_local_host" \
	eval 'local_lun0_is_vm_disk1 && has_session'

check "README.scst_local: the conf_file.cfg with session_name is printed so" \
	spec_conf "$WORKDIR/conf2.cfg" <<'CONF'
HANDLER vdisk_fileio {
        DEVICE vm_disk1 {
        	filename /some/path/vdisk1.img
        }
}

TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		session_name scst_local_host

		LUN 0 vm_disk1
	}
}
CONF
restart --local-add-default-tgt 0 || { not_ok "scstd restarts (add_default_tgt=0)"; finish; }
check "README.scst_local: insmod scst_local add_default_tgt=0; scstadmin -config conf_file.cfg" \
	"$ADMIN" -root "$MNT" -config "$WORKDIR/conf2.cfg" -noprompt
check "session_name made the session scst_local_host" has_session
check "and LUN 0 is vm_disk1" local_lun0_is_vm_disk1
# README.scst_local's NOTE says SCST's write_config loses the sessions;
# here session_name is a creation parameter shown as a [key] attribute,
# so the saved file rebuilds the target with its session.
"$ADMIN" -root "$MNT" -write_config "$WORKDIR/local_saved.cfg" >/dev/null 2>&1
check_output "-write_config saves scst_local_tgt like any target" \
	'^	TARGET scst_local_tgt \{$' cat "$WORKDIR/local_saved.cfg"
check_output "-write_config keeps session_name (a [key] creation parameter)" \
	'^		session_name scst_local_host$' cat "$WORKDIR/local_saved.cfg"
check "-config of the saved file on the same tree changes nothing" \
	eval '"$ADMIN" -root "$MNT" -config "$WORKDIR/local_saved.cfg" -noprompt >"$WORKDIR/same.out" && ! grep -q "<-" "$WORKDIR/same.out"'
restart --local-add-default-tgt 0 || { not_ok "scstd restarts (add_default_tgt=0)"; finish; }
check "the saved file rebuilds target, session and LUN without the default target" \
	eval '"$ADMIN" -root "$MNT" -config "$WORKDIR/local_saved.cfg" -noprompt >/dev/null && has_session && local_lun0_is_vm_disk1'
restart || { not_ok "scstd restarts (insmod scst_local)"; finish; }
check "the saved file applies on a daemon with the default target" \
	eval '"$ADMIN" -root "$MNT" -config "$WORKDIR/local_saved.cfg" -noprompt && has_session && local_lun0_is_vm_disk1'
check "-clear_config removes the scst_local target too (as SCST's scstadmin)" \
	eval '"$ADMIN" -root "$MNT" -clear_config -noprompt >/dev/null && test ! -e "$MNT/targets/scst_local/scst_local_tgt"'

check_stop
finish
