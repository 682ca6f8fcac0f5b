#!/usr/bin/env bash
# scstadmin_ops.sh - our scstadmin's single-change actions with SCST
# scstadmin's command line (its help, scstadmin.sysfs): -open_dev,
# -close_dev (refused while the device is a LUN unless -force), -add_target,
# -add_group, -add_init, -move_init, -add_lun, -replace_lun (the LUN gets
# the new device with no gap), -rem_lun, -set_dev_attr, -add_tgt_attr /
# -rem_tgt_attr (a CHAP user), -enable_target, -list_*_attr, -version;
# every result is read back from the tree.
. "$(dirname "$0")/../lib.sh"
plan 30

require_daemon
ADMIN=$(dirname "$SCSTD")/scstadmin
[ -x "$ADMIN" ] || { not_ok "scstadmin is built next to scstd"; finish; }
: >"$WORKDIR/empty.conf"
start_daemon --config "$WORKDIR/empty.conf" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts"; finish; }
ok "scstd starts"
A() { "$ADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" "$@"; }
IQN=iqn.2026-12.org.scstd:ops
T="targets/iscsi/$IQN"

check_output "-version names the SCST interface" 'SCST interface 3\.11\.0' A -version
check "-open_dev with -attributes" A -open_dev o1 -handler vdisk_nullio -attributes size_mb=8,t10_dev_id=oid1
check "-open_dev of a second device" A -open_dev o2 -handler vdisk_nullio -attributes size_mb=4
check_output "... with its attributes" '^8$' daemon_ctl read devices/o1/size_mb
check "-add_target" A -add_target "$IQN" -driver iscsi
check "-add_lun" A -add_lun 0 -driver iscsi -target "$IQN" -device o1
check_output "... LUN 0 is o1" 'o1$' daemon_ctl readlink "$T/luns/0/device"
check "-add_group" A -add_group g1 -driver iscsi -target "$IQN"
check "-add_group g2" A -add_group g2 -driver iscsi -target "$IQN"
check "-add_init" A -add_init "iqn.1994-05.com.x:a" -driver iscsi -target "$IQN" -group g1
check "-move_init ... -to" A -move_init "iqn.1994-05.com.x:a" -driver iscsi -target "$IQN" -group g1 -to g2
check "... the initiator is in g2" daemon_ctl read "$T/ini_groups/g2/initiators/iqn.1994-05.com.x:a"
check "-replace_lun" A -replace_lun 0 -driver iscsi -target "$IQN" -device o2
check_output "... LUN 0 is o2" 'o2$' daemon_ctl readlink "$T/luns/0/device"
close_busy() { ! A -close_dev o2 -handler vdisk_nullio 2>&1; }
check_output "-close_dev of a device that is a LUN is refused without -force (SCST)" \
	'still in use' close_busy
check "-set_dev_attr t10_dev_id" A -set_dev_attr o1 -attributes t10_dev_id=oid2
check_output "... the attribute changed" '^oid2$' sh -c "'$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' read devices/o1/t10_dev_id | head -1"
check "-add_tgt_attr IncomingUser" A -add_tgt_attr "$IQN" -driver iscsi -attributes "IncomingUser=joe secretsecret12"
check_output "-list_tgt_attr shows it as a writable key attribute" \
	'IncomingUser +joe secretsecret12 +Yes +Yes' A -list_tgt_attr "$IQN" -driver iscsi
check "-rem_tgt_attr IncomingUser (by the user's name)" A -rem_tgt_attr "$IQN" -driver iscsi -attributes "IncomingUser=joe"
check "... gone" bash -c "! '$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' read '$T/IncomingUser'"
check "-enable_target" A -enable_target "$IQN" -driver iscsi
check_output "... enabled" '^1$' daemon_ctl read "$T/enabled"
check "-rem_lun" A -rem_lun 0 -driver iscsi -target "$IQN"
check "-close_dev once it is no LUN" A -close_dev o2 -handler vdisk_nullio
check_output "-list_driver lists iscsi" '^	iscsi$' A -list_driver
check_output "-list_dev_attr" 'size_mb +8 +No' A -list_dev_attr o1
missing() { ! A -add_lun 1 -driver iscsi -target "$IQN" 2>&1; }
check_output "a missing qualifying option is named" 'needs -device' missing
check_stop
finish
