#!/usr/bin/env bash
# scst_dropin.sh - what SCST's own tools need from scstd's tree, driven the
# way SCST's scstadmin (SCST.pm) drives it: plain reads, writes and stat()s
# of files under the FUSE mount, seen at /sys/kernel/scst_tgt through
# scst-ns.  Expected values come from SCST's sysfs (README.scst,
# SysfsRules, iscsi-scst's template): the version SCST.pm accepts (>=
# 2.0.0), the driver mgmt help's "The following target attributes
# available:" list that makes scstadmin use add_target_attribute,
# IncomingUser / allowed_portal as writable [key] files, `enabled` without
# [key], del_target_attribute taking a CHAP user back without touching the
# target (a rotated secret: the old one fails, the new one logs in), and
# scst_local's "The following parameters available: session_name".
# Then the configuration round trip: a config with CHAP users,
# allowed_portal, a disabled target and scst_local session names, loaded
# by `scstd --config`, saved by scstadmin -write_config, loaded by a fresh
# daemon and saved again gives the same file with nothing dropped.
. "$(dirname "$0")/../lib.sh"
plan 89

require_daemon
require_fuse
NS=$(dirname "$SCSTD")/scst-ns
ADMIN=$(dirname "$SCSTD")/scstadmin
[ -x "$NS" ] || { not_ok "scst-ns is built next to scstd"; finish; }
[ -x "$ADMIN" ] || { not_ok "scstadmin is built next to scstd"; finish; }
IQN=iqn.2026-12.org.scstd:dropin
MNT=$WORKDIR/tree
mkdir -p "$MNT"
truncate -s 8M "$WORKDIR/disk.img"

unmount_tree() { fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null; }
cleanup_dropin() { stop_daemon 5 >/dev/null 2>&1; unmount_tree; lib_cleanup; }
trap cleanup_dropin EXIT

cat >"$WORKDIR/base.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/base.conf" --mount "$MNT" --local-add-default-tgt 0; then
	not_ok "scstd starts with --mount"
	finish
fi
ok "scstd starts with --mount"
for i in $(seq 1 50); do [ -f "$MNT/version" ] && break; sleep 0.1; done

# ---- scst-ns: the tree at /sys/kernel/scst_tgt, the rest unchanged ----
in_ns() { "$NS" --tree "$MNT" -- "$@"; }
check_output "scst-ns: /sys/kernel/scst_tgt/version is scstd's" '^3\.11\.0$' \
	in_ns cat /sys/kernel/scst_tgt/version
# An entry of the original /sys/kernel (every kernel has mm/ or
# kexec_loaded) is still there inside the namespace.
orig_entry=$(ls /sys/kernel | grep -v '^scst_tgt$' | head -1)
check "scst-ns: the original /sys/kernel/$orig_entry is still there" \
	in_ns test -e "/sys/kernel/$orig_entry"
same_listing() {
	diff <(ls /sys/kernel | grep -v '^scst_tgt$') \
		<(in_ns ls /sys/kernel | grep -v '^scst_tgt$')
}
check "scst-ns: /sys/kernel lists the same entries besides scst_tgt" same_listing
host_untouched() { [ ! -e /sys/kernel/scst_tgt ] || [ -n "$(ls /sys/kernel/scst_tgt)" ]; }
check "scst-ns: the host's /sys/kernel is not changed" host_untouched
not_a_tree() { ! "$NS" --tree "$WORKDIR" -- true 2>"$WORKDIR/ns.err" && cat "$WORKDIR/ns.err"; }
check_output "scst-ns refuses a directory that is not scstd's tree" "not scstd's management tree" \
	not_a_tree

# ---- SCST.pm's reads ----
# SCST.pm: the version's first \d+.\d+.\d+ must be >= 2.0.0.
version_ok() {
	local v
	v=$(grep -oE '[0-9]+\.[0-9]+\.[0-9]+' "$MNT/version" | head -1)
	[ "${v%%.*}" -ge 2 ]
}
check "version is at least 2.0.0 (SCST.pm's minimum)" version_ok
check_output "iscsi mgmt help lists the target attributes (iscsi-scst's list)" \
	'^The following target attributes available: IncomingUser, OutgoingUser, allowed_portal$' \
	cat "$MNT/targets/iscsi/mgmt"
check_output "iscsi mgmt help lists the driver attributes" \
	'^The following target driver attributes available: IncomingUser, OutgoingUser$' \
	cat "$MNT/targets/iscsi/mgmt"
check_output "scst_local mgmt help lists session_name as add_target parameter" \
	'^The following parameters available: session_name$' cat "$MNT/targets/scst_local/mgmt"
no_key() { [ "$(cat "$1")" = "$2" ]; }
check "target enabled reads 1 without [key] (SCST's scst_tgt_enable_show)" \
	no_key "$MNT/targets/iscsi/$IQN/enabled" 1
check "driver enabled reads 1 without [key]" no_key "$MNT/targets/iscsi/enabled" 1

# ---- CHAP users through add/del_target_attribute ----
T=$MNT/targets/iscsi/$IQN
echo "add_target_attribute $IQN IncomingUser joe oldsecret1234" >"$MNT/targets/iscsi/mgmt"
check_output "add_target_attribute IncomingUser makes a [key] file" \
	'^joe oldsecret1234$' cat "$T/IncomingUser"
check_output "... whose second line is [key]" '^\[key\]$' cat "$T/IncomingUser"
owner_writable() { [ $(( $(stat -c '0%a' "$1") & 0200 )) -ne 0 ]; }
# SCST.pm: a file without the owner's write bit is static and never
# configured (scstadmin -config skipped every CHAP user for that).
check "IncomingUser is writable by its owner (SCST.pm: not static)" owner_writable "$T/IncomingUser"

U=127.0.0.1:$PORT
inq_ok() { timeout 20 iscsi-inq "$1" 2>&1 | grep -q DIRECT_ACCESS; }
inq_fails() { ! inq_ok "$1"; }
check "CHAP login with the old secret works" inq_ok "iscsi://joe%oldsecret1234@$U/$IQN/0"
check "login without credentials is refused" inq_fails "iscsi://$U/$IQN/0"

# Rotation as SCST's scstadmin does it: del_target_attribute, then add.
echo "del_target_attribute $IQN IncomingUser joe" >"$MNT/targets/iscsi/mgmt"
check "del_target_attribute IncomingUser removes the file" test ! -e "$T/IncomingUser"
check "... the target is still there and enabled" no_key "$T/enabled" 1
echo "add_target_attribute $IQN IncomingUser joe newsecret5678" >"$MNT/targets/iscsi/mgmt"
check "CHAP login with the rotated secret works" inq_ok "iscsi://joe%newsecret5678@$U/$IQN/0"
check "CHAP login with the old secret is refused" inq_fails "iscsi://joe%oldsecret1234@$U/$IQN/0"
# Writing the file replaces the value, as writing SCST's does.
echo "joe thirdsecret999" >"$T/IncomingUser"
check "writing IncomingUser replaces the secret" inq_ok "iscsi://joe%thirdsecret999@$U/$IQN/0"
check "... and the previous secret no longer logs in" inq_fails "iscsi://joe%newsecret5678@$U/$IQN/0"
del_unknown() { ! echo "del_target_attribute $IQN IncomingUser nobody" >"$MNT/targets/iscsi/mgmt"; }
check "del_target_attribute of an unknown user is refused" del_unknown
echo "add_target_attribute $IQN allowed_portal 10.0.0.1" >"$MNT/targets/iscsi/mgmt"
check "allowed_portal 10.0.0.1 shuts 127.0.0.1 out" inq_fails "iscsi://joe%thirdsecret999@$U/$IQN/0"
echo "del_target_attribute $IQN allowed_portal 10.0.0.1" >"$MNT/targets/iscsi/mgmt"
check "del_target_attribute allowed_portal lets 127.0.0.1 in again" \
	inq_ok "iscsi://joe%thirdsecret999@$U/$IQN/0"
echo "add_attribute IncomingUser disc discsecret1234" >"$MNT/targets/iscsi/mgmt"
check_output "add_attribute IncomingUser (discovery) makes a driver file" '^disc discsecret1234$' \
	cat "$MNT/targets/iscsi/IncomingUser"
echo "del_attribute IncomingUser disc" >"$MNT/targets/iscsi/mgmt"
check "del_attribute IncomingUser removes it" test ! -e "$MNT/targets/iscsi/IncomingUser"
# ---- what SCST's scstadmin reads of devices, targets and sessions ----
echo "create g2" >"$T/ini_groups/mgmt"
echo "add d1 3" >"$T/ini_groups/g2/luns/mgmt"
# The copy manager's LUN, given when the device was added, comes first.
check_output "devices/d1/exported lists one link per LUN (README.scst)" '^export0 export1 export2$' \
	sh -c "echo \$(ls '$MNT/devices/d1/exported')"
links_ok() {
	local c a b
	c=$(readlink "$MNT/devices/d1/exported/export0")
	a=$(readlink "$MNT/devices/d1/exported/export1")
	b=$(readlink "$MNT/devices/d1/exported/export2")
	echo "$c $a $b"
	# SCST.pm's deviceAttributes parses exactly these two forms.
	[[ $c =~ ^(\.\./)*targets/copy_manager/copy_manager_tgt/luns/[0-9]+$ ]] &&
		[[ $a =~ ^(\.\./)*targets/iscsi/$IQN/luns/0$ ]] &&
		[[ $b =~ ^(\.\./)*targets/iscsi/$IQN/ini_groups/g2/luns/3$ ]] &&
		[ -d "$MNT/devices/d1/exported/export2" ]
}
check "... to the LUN directories, in the forms SCST.pm parses" links_ok
: >"$WORKDIR/empty.img"
echo "add_device e0 filename=$WORKDIR/empty.img" >"$MNT/handlers/vdisk_fileio/mgmt"
check_output "an empty backing file is a device of 0 blocks (SCST; its suite uses /proc/cpuinfo)" \
	'^0$' cat "$MNT/devices/e0/size"
rel_refused() { ! daemon_ctl write handlers/vdisk_fileio/mgmt "add_device r0 filename=disk.img" 2>&1; }
check_output "a relative filename is refused (README.scst: the path must be absolute)" \
	'filename: expected an absolute path' rel_refused
truncate -s 16M "$WORKDIR/bs8k.img"
check "blocksize 8192 (README.scst: a power of 2, >= 512)" daemon_ctl write \
	handlers/vdisk_fileio/mgmt "add_device b8 filename=$WORKDIR/bs8k.img; blocksize=8192"
echo "add b8 7" >"$T/luns/mgmt"
check_output "... READ CAPACITY(16) reports 8192-byte blocks" 'LOGICAL BLOCK LENGTH IN BYTES:8192' \
	timeout 20 iscsi-readcapacity16 "iscsi://joe%thirdsecret999@$U/$IQN/7"
check_output "... and data written in 8 KiB blocks reads back" 'read 65536/65536' \
	timeout 30 qemu-io -f raw -c "write -P 0x5a 8192 65536" -c "read -P 0x5a 8192 65536" \
	"iscsi://joe%thirdsecret999@$U/$IQN/7"
check_output "handlers/vdisk_fileio/type: SCSI type 0 (SysfsRules MUST)" '^0 - ' \
	cat "$MNT/handlers/vdisk_fileio/type"
check_output "handlers/vcdrom/type: SCSI type 5" '^5 - ' cat "$MNT/handlers/vcdrom/type"
check_output "targets/iscsi/version (SysfsRules SHOULD)" '^3\.11\.0$' cat "$MNT/targets/iscsi/version"
echo "value 3" >"$MNT/targets/iscsi/trace_level"
check_output "a driver's trace_level takes SCST's 'value N'" '^debug$' cat "$MNT/trace_level"
echo "del debug" >"$MNT/handlers/vdisk_nullio/trace_level"
check_output "a handler's trace_level takes 'del TOKEN'" '^info$' cat "$MNT/trace_level"
echo "default" >"$MNT/trace_level"
check "trace_level is writable by its owner" owner_writable "$MNT/trace_level"
# README.scst: t10_dev_id, prod_id ... are writable (scstadmin -set_dev_attr).
echo "rotated-id-7" >"$MNT/devices/d1/t10_dev_id"
echo "NEWPROD" >"$MNT/devices/d1/prod_id"
echo "4" >"$MNT/devices/d1/threads_num"
check_output "t10_dev_id written at run time reaches VPD page 0x83" 'T10_VENDORT_ID' \
	sh -c "timeout 20 iscsi-inq -e 1 -c 131 'iscsi://joe%thirdsecret999@$U/$IQN/0' 2>&1 | grep -a -A1 T10 | grep -a rotated-id-7 && echo T10_VENDORT_ID"
check_output "prod_id written at run time is the INQUIRY product" '^Product:NEWPROD' \
	timeout 20 iscsi-inq "iscsi://joe%thirdsecret999@$U/$IQN/0"
check_output "... and saved as a [key] attribute" '^\[key\]$' cat "$MNT/devices/d1/t10_dev_id"
check_output "threads_num is writable (scstadmin -set_dev_attr threads_num)" '^4$' \
	cat "$MNT/devices/d1/threads_num"
# README.scst naa_id: the NAA designator of VPD page 0x83 (SCST's format).
echo 0x6001405abcdef0123456789abcdef012 >"$MNT/devices/d1/naa_id"
vpd83() {
	printf 'cdb 120183040000 1024\nquit\n' |
		timeout 20 "$TOOLS_DIR/scsi_cdb" "iscsi://joe%thirdsecret999@$U/$IQN/0"
}
check_output "naa_id written at run time is the NAA designator of VPD 0x83" \
	'010300106001405abcdef0123456789abcdef012' vpd83
bad_naa() { ! daemon_ctl write devices/d1/naa_id 0x1234 2>&1; }
check_output "... a malformed naa_id is refused" 'naa_id: expected 16 hex digits' bad_naa
echo 0x1234 >"$MNT/setup_id"
echo "add_device sid0 size_mb=1" >"$MNT/handlers/vdisk_nullio/mgmt"
check_output "setup_id feeds a new device's serial number (SCST: setup_id << 32 | CRC)" \
	'^1234[0-9a-f]{8}$' sh -c "head -1 '$MNT/devices/sid0/usn'"
check_output "... and its T10 id (SCST: <that hex>-<name>)" '^1234[0-9a-f]{8}-sid0$' \
	sh -c "head -1 '$MNT/devices/sid0/t10_dev_id'"
echo 0 >"$MNT/setup_id"
# SCST's vdisk handlers share one device list: SCST's own regression suite
# closes a vdisk_fileio device through vdisk_nullio's mgmt.
check "del_device of a vdisk_nullio device through vdisk_fileio's mgmt (one vdisk family)" \
	daemon_ctl write handlers/vdisk_fileio/mgmt "del_device sid0"
# README.scst addr_method: FLAT encodes every LUN in flat space form.
report_luns() {
	printf 'cdb a00000000000000001000000 256\nquit\n' |
		timeout 20 "$TOOLS_DIR/scsi_cdb" "iscsi://joe%thirdsecret999@$U/$IQN/0"
}
check_output "addr_method reads PERIPHERAL by default" '^PERIPHERAL$' cat "$T/addr_method"
check_output "... REPORT LUNS in peripheral form (LUN 0 = 0000...)" '^GOOD [0-9a-f]{16}0000000000000000' report_luns
echo FLAT >"$T/addr_method"
check_output "addr_method FLAT: REPORT LUNS in flat space form (LUN 0 = 4000...)" \
	'^GOOD [0-9a-f]{16}4000000000000000' report_luns
check_output "... a [key] attribute" '^\[key\]$' cat "$T/addr_method"
echo PERIPHERAL >"$T/addr_method"
echo "add_target tgt1" >"$MNT/targets/iscsi/mgmt"
check "iscsi add_target takes a name that is not an IQN, as iscsi-scst (SCST's suite: tgt1)" \
	test -d "$MNT/targets/iscsi/tgt1"
echo "add_target lt1 session_name=ls1" >"$MNT/targets/scst_local/mgmt"
check "a scst_local session has no force_close (the driver cannot close it; SCST.pm writes it)" \
	test ! -e "$MNT/targets/scst_local/lt1/sessions/ls1/force_close"
check "... and no host link without --local-mount (SCST.pm reads every file of a session)" \
	test ! -e "$MNT/targets/scst_local/lt1/sessions/ls1/host"
LS=$MNT/targets/scst_local/lt1/sessions/ls1
check_output "a session's luns links to the target's LUN set (README.scst)" '^\.\./\.\./luns$' \
	readlink "$LS/luns"
echo "create gl" >"$MNT/targets/scst_local/lt1/ini_groups/mgmt"
echo "add ls1" >"$MNT/targets/scst_local/lt1/ini_groups/gl/initiators/mgmt"
check_output "... and to its group's once its name selects one (as SCST.pm parses it)" \
	'^\.\./\.\./ini_groups/gl/luns$' readlink "$LS/luns"
check "... a link that resolves to the LUN directory" test -f "$LS/luns/mgmt"
echo "add d1 5" >"$MNT/targets/scst_local/lt1/ini_groups/gl/luns/mgmt"
check_output "the session has a lun5 directory for its LUN 5 (README.scst lunX)" '^lun5$' \
	sh -c "ls '$LS' | grep '^lun'"
check_output "... with active_commands" '^0$' cat "$LS/lun5/active_commands"
check_stop
unmount_tree

# ---- round trip: nothing security-relevant dropped ----
cat >"$WORKDIR/rt.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
HANDLER vdisk_nullio {
	DEVICE n1
}
TARGET_DRIVER iscsi {
	enabled 1
	IncomingUser "disc discsecret1234"
	TARGET $IQN {
		IncomingUser "joe secretsecret12"
		IncomingUser "ann secretsecret34"
		OutgoingUser "tgt outgoingpass12"
		allowed_portal 127.0.0.1
		enabled 1
		LUN 0 d1
	}
	TARGET $IQN.off {
		enabled 0
		LUN 0 n1
	}
}
TARGET_DRIVER scst_local {
	TARGET lt {
		session_name s1
		session_name s2
		LUN 0 n1
	}
}
CONF
admin() { "$ADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" "$@"; }
if start_daemon --config "$WORKDIR/rt.conf" --local-add-default-tgt 0; then
	ok "scstd --config loads the CHAP / allowed_portal / enabled 0 / session_name config"
else
	not_ok "scstd --config loads the CHAP / allowed_portal / enabled 0 / session_name config"
	finish
fi
check "scstadmin -write_config" admin -write_config "$WORKDIR/w1.conf"
for want in 'IncomingUser "joe secretsecret12"' 'IncomingUser "ann secretsecret34"' \
	'OutgoingUser "tgt outgoingpass12"' 'allowed_portal 127.0.0.1' 'enabled 0' \
	'session_name s1' 'session_name s2' 'IncomingUser "disc discsecret1234"'; do
	check "written config keeps $want" grep -qF "$want" "$WORKDIR/w1.conf"
done
check_stop
if start_daemon --config "$WORKDIR/w1.conf" --local-add-default-tgt 0; then
	ok "a fresh scstd loads the written config"
else
	not_ok "a fresh scstd loads the written config"
	finish
fi
check "scstadmin -write_config again" admin -write_config "$WORKDIR/w2.conf"
check "the second write is the same file" diff "$WORKDIR/w1.conf" "$WORKDIR/w2.conf"
check "scstadmin -config of the written file succeeds" admin -noprompt -config "$WORKDIR/w1.conf"
check "scstadmin -write_config after it" admin -write_config "$WORKDIR/w3.conf"
check "... gives the same file" diff "$WORKDIR/w1.conf" "$WORKDIR/w3.conf"
disabled_stays() { [ "$(daemon_ctl read "targets/iscsi/$IQN.off/enabled")" = 0 ]; }
check "the enabled 0 target is still disabled" disabled_stays

# ---- CHAP rotation and removal through a configuration ----
sed -e 's/IncomingUser "joe secretsecret12"/IncomingUser "joe rotatedsecret9"/' \
	-e '/IncomingUser "ann secretsecret34"/d' "$WORKDIR/w1.conf" >"$WORKDIR/rotated.conf"
check "scstadmin -config of a config with joe's secret rotated and ann removed" \
	admin -noprompt -config "$WORKDIR/rotated.conf"
U=127.0.0.1:$PORT
check "joe logs in with the rotated secret" inq_ok "iscsi://joe%rotatedsecret9@$U/$IQN/0"
check "joe's old secret is refused" inq_fails "iscsi://joe%secretsecret12@$U/$IQN/0"
check "ann, left out of the configuration, is refused (never kept silently)" \
	inq_fails "iscsi://ann%secretsecret34@$U/$IQN/0"
not_recreated() { ! grep -q "target iscsi/$IQN deleted" "$DAEMON_LOG"; }
check "... by del/add_target_attribute: the target was not deleted and recreated" not_recreated
check "scstadmin -write_config after it" admin -write_config "$WORKDIR/w4.conf"
check "... writes the rotated configuration" diff "$WORKDIR/rotated.conf" "$WORKDIR/w4.conf"
check_stop
finish
