#!/usr/bin/env bash
# scst_dropin_attrs.sh - attributes whose form SCST's scstadmin reads and
# writes back, as SCST's kernel shows them (scst_sysfs.c, scst_vdisk.c):
#  - a scst_local target has no `enabled` file (scst_local has no
#    enable_target; SCST creates the file only for drivers that have one)
#    and its rel_tgt_id reads 0 without [key] until one is written
#    (scst_rel_tgt_id_show marks only a non-zero id); 0 is refused then,
#    as SCST refuses it for a target that counts as enabled;
#  - a LUN of a read-only device reads `read_only 1` with [key]
#    (scst_lun_rd_only_show), so -write_config keeps it, and a
#    configuration that leaves it out means the same LUN (no change);
#  - a fileio device's size is [key] whatever it is, size_mb never
#    (vdev_size_show);
#  - a configuration saying `enabled 1` of a scst_local target (files
#    written before) is accepted, `enabled 0` refused with its line;
#  - the vdisk handlers' mgmt help in SCST's words with SCST's creation
#    parameter lists (scst_vdisk.c fileio/blockio/nullio/cdrom
#    _add_dev_params), which SCST's scstadmin -list_hnd_attr shows and
#    uses to tell creation parameters from attributes; those scstd lacks
#    are taken at SCST's default (tst=1, cluster_mode=0) and refused
#    otherwise (tst=0, dif_mode).
. "$(dirname "$0")/../lib.sh"
plan 31

require_daemon
ADMIN=$(dirname "$SCSTD")/scstadmin
[ -x "$ADMIN" ] || { not_ok "scstadmin is built next to scstd"; finish; }
truncate -s 8M "$WORKDIR/disk.img"
truncate -s 4M "$WORKDIR/ro.img"

cat >"$WORKDIR/local.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
	DEVICE ro1 {
		filename $WORKDIR/ro.img
		read_only 1
	}
}
TARGET_DRIVER scst_local {
	TARGET lt {
		enabled 1
		LUN 0 d1
		LUN 1 ro1
	}
}
CONF
admin() { "$ADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" "$@"; }
ctl() { daemon_ctl "$@"; }
CTL=$(dirname "$SCSTD")/scstctl
# reads PATH TEXT: the file's whole content is TEXT.
reads() { [ "$(ctl read "$1")" = "$2" ]; }
T=targets/scst_local/lt

if start_daemon --config "$WORKDIR/local.conf" --local-add-default-tgt 0; then
	ok "scstd --config takes 'enabled 1' of a scst_local target"
else
	not_ok "scstd --config takes 'enabled 1' of a scst_local target"
	finish
fi
check "the scst_local target has no enabled file" sh -c "! '$(dirname "$SCSTD")/scstctl' \
	--socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' list $T | grep -qx enabled"
check "... its rel_tgt_id reads 0 without [key]" reads $T/rel_tgt_id 0
check "... rel_tgt_id 0 is refused (the target is always enabled)" \
	sh -c "! '$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' \
	write $T/rel_tgt_id 0"
check "... rel_tgt_id 7 is taken" ctl write $T/rel_tgt_id 7
check "... and reads 7 with [key]" reads $T/rel_tgt_id $'7\n[key]'
check "a LUN of a read-only device reads read_only 1 with [key]" reads $T/luns/1/read_only \
	$'1\n[key]'
check "a LUN of a writable device reads read_only 0" reads $T/luns/0/read_only 0
check "fileio size is [key] at the file's size" reads devices/d1/size $'8388608\n[key]'
check "fileio size_mb has no [key]" reads devices/d1/size_mb 8
help_line() { ctl read "handlers/$1/mgmt" | sed -n 's/^The following parameters available: //p'; }
check_output "vdisk_fileio lists SCST's creation parameters" "^active, async, bind_alua_state, \
blocksize, cluster_mode, dif_filename, dif_mode, dif_static_app_tag, dif_type, filename, \
numa_node_id, nv_cache, o_direct, read_only, removable, rotational, thin_provisioned, tst, \
t10_dev_id, write_through\$" help_line vdisk_fileio
check_output "vdisk_nullio lists SCST's" "^blocksize, cluster_mode, dif_mode, dif_static_app_tag, \
dif_type, dummy, numa_node_id, read_only, removable, rotational, size, size_mb, tst, t10_dev_id\$" \
	help_line vdisk_nullio
check_output "vcdrom lists SCST's (tst)" '^tst$' help_line vcdrom
check_output "... in SCST's text" "^where parameters are one or more param_name=value pairs \
separated by ';'\$" ctl read handlers/vdisk_nullio/mgmt
check "tst=1 and cluster_mode=0 (SCST's defaults) are taken" \
	ctl write handlers/vdisk_nullio/mgmt "add_device sd1 tst=1; cluster_mode=0"
check_output "tst=0 is refused, naming it" "tst=0: scstd does not implement" \
	sh -c "! '$CTL' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' write handlers/vdisk_nullio/mgmt \
	'add_device sd2 tst=0' 2>&1"
check_output "dif_mode is refused, naming it" "dif_mode: scstd does not implement T10 PI" \
	sh -c "! '$CTL' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' write handlers/vdisk_nullio/mgmt \
	'add_device sd3 dif_mode=tgt' 2>&1"
check "... and made no device" sh -c "! '$CTL' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' \
	list devices | grep -q '^sd[23]'"
check "the device made with SCST's defaults goes" ctl write handlers/vdisk_nullio/mgmt \
	"del_device sd1"

check "scstadmin -write_config" admin -write_config "$WORKDIR/w1.conf"
lt_block() { sed -n '/TARGET lt {/,/^	}/p' "$WORKDIR/w1.conf"; }
check "... saves no enabled for the scst_local target" eval '! lt_block | grep -q enabled'
check "... saves its rel_tgt_id 7" eval 'lt_block | grep -q "rel_tgt_id 7"'
check "... saves LUN 1 with read_only 1" \
	eval 'lt_block | tr -d "\t\n" | grep -q "LUN 1 ro1 {read_only 1}"'
check "... and LUN 0 without" eval 'lt_block | grep -qx "		LUN 0 d1"'
rerun() { admin -noprompt -config "$WORKDIR/local.conf" >"$WORKDIR/rerun.out"; }
check "scstadmin -config of the first file (LUN 1 without read_only)" rerun
check "... changes nothing: the LUN of the read-only device is the same LUN" \
	sh -c "! grep -q ' <- ' '$WORKDIR/rerun.out'"
check_stop

sed 's/enabled 1/enabled 0/' "$WORKDIR/local.conf" >"$WORKDIR/off.conf"
DAEMON_PID=
if start_daemon --config "$WORKDIR/off.conf" --local-add-default-tgt 0; then
	not_ok "scstd --config refuses 'enabled 0' of a scst_local target"
else
	ok "scstd --config refuses 'enabled 0' of a scst_local target"
fi
check "... naming its line" grep -q "line 12.*enabled 0" "$DAEMON_LOG"
start_daemon --config "$WORKDIR/w1.conf" --local-add-default-tgt 0 ||
	{ not_ok "a fresh scstd loads the written file"; finish; }
check "a fresh scstd loads the written file: LUN 1 read-only, rel_tgt_id 7" \
	eval 'reads $T/luns/1/read_only $'"'"'1\n[key]'"'"' && reads $T/rel_tgt_id $'"'"'7\n[key]'"'"
check_stop
finish
