#!/usr/bin/env bash
# mgmt_sgv.sh - the management tree's sgv/ directory, scst_local session
# records and last_sysfs_mgmt_res, through the control socket (scstctl) and
# the FUSE mount:
#  - sgv/global_stats and sgv/sgv/stats read in SCST's layout; a qemu-io
#    write and read of 64 KiB over iSCSI shows up in the sgv-64K line
#    (total and hits grow); writing 0 clears the counters, anything else
#    is refused and changes nothing;
#  - an scst_local session removed with del_session leaves no
#    session_name record behind (tree, -write_config), and the same name
#    can be used again (add_session, add_target_attribute);
#  - last_sysfs_mgmt_res gives 0 after a successful and -errno after a
#    refused command, on both paths;
#  - rel_tgt_id: a disabled target may share an id, enabling it is then
#    refused (EBADSLT); scstadmin -config swaps two enabled targets' ids;
#  - scstadmin -write_config ignores sgv/.
. "$(dirname "$0")/../lib.sh"

plan 62

require_daemon
BIN=$(dirname "$SCSTD")
SCSTCTL=$BIN/scstctl
ADMIN=$BIN/scstadmin
SOCK=$WORKDIR/ctl/scstd.sock
MNT=$WORKDIR/mnt
DRV=targets/scst_local
mkdir -p "$MNT"

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
mounted() { grep -q " $MNT fuse" /proc/mounts; }
trap 'mounted && fusermount3 -u -z "$MNT"; lib_cleanup' EXIT

# line_numbers NAME: "Hit Total" of NAME's line in the first table.
line_numbers() {
	ctl read sgv/sgv/stats | awk -v n="$1" '$1 == n { print $2, $3; exit }'
}

# grew NAME HIT0 TOTAL0 MIN_HIT MIN_TOTAL: NAME's counters grew by at least
# the minimums since HIT0 TOTAL0.
grew() {
	local hit total
	read -r hit total <<<"$(line_numbers "$1")"
	echo "$1: hit $2 -> $hit, total $3 -> $total"
	[ $((hit - $2)) -ge "$4" ] && [ $((total - $3)) -ge "$5" ]
}

FUSE=1
if ! command -v fusermount3 >/dev/null 2>&1 || [ ! -e /dev/fuse ]; then
	FUSE=0
fi
if [ "$FUSE" = 1 ]; then
	start_daemon --ctl-socket "$SOCK" --mount "$MNT" || { not_ok "scstd starts"; finish; }
else
	start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts"; finish; }
fi
ok "scstd starts (FUSE mount: $FUSE)"

# ---- sgv/ ----
check_output "the root lists sgv/" '^sgv/$' ctl list /
check_output "sgv/ lists global_stats" '^global_stats$' ctl list sgv
check_output "sgv/ lists the cache sgv" '^sgv/$' ctl list sgv
check_output "global_stats: SCST's Inactive/active pages line" \
	'^Inactive/active pages +[0-9]+/[0-9]+$' ctl read sgv/global_stats
check_output "stats: SCST's header" \
	'^Name +Hit +Total +% merged +Cached \(P/I/O\)$' ctl read sgv/sgv/stats
check_output "stats: the cache line" '^sgv +[0-9]+ +[0-9]+ +0 +[0-9]+/[0-9]+/[0-9]+$' \
	ctl read sgv/sgv/stats
check_output "stats: one line per size class" '^  sgv-64K +[0-9]+ +[0-9]+ +0$' \
	ctl read sgv/sgv/stats

read -r HIT0 TOTAL0 <<<"$(line_numbers sgv-64K)"
qemu_io() {
	timeout 60 qemu-io -f raw -c "write -P 0x5a 0 64k" -c "read -P 0x5a 0 64k" \
		-c "read -P 0x5a 0 64k" "$(url 1)"
}
check "qemu-io writes and reads back 64 KiB over iSCSI" qemu_io
# Write, then two reads: three 64 KiB buffers; the reads find the freed one.
check "sgv-64K counted the commands' buffers (total +3, hits +1)" grew sgv-64K "$HIT0" "$TOTAL0" 1 3

before=$(ctl read sgv/sgv/stats)
check_output "writing 1 to stats is refused" '^scstctl: EINVAL ' sh -c "! '$SCSTCTL' --socket '$SOCK' write sgv/sgv/stats 1 2>&1"
check "which changed no counter" test "$(ctl read sgv/sgv/stats | awk '$1 == "sgv-64K"')" = \
	"$(awk '$1 == "sgv-64K"' <<<"$before")"
check_output "last_sysfs_mgmt_res: -22 after the refused write (scstctl)" '^-22$' \
	ctl read last_sysfs_mgmt_res
check "writing 0 to stats clears it" ctl write sgv/sgv/stats 0
check_output "the counters are 0 again" '^sgv +0 +0 +0 ' ctl read sgv/sgv/stats
check_output "last_sysfs_mgmt_res: 0 after the reset (scstctl)" '^0$' ctl read last_sysfs_mgmt_res
check "writing 0 to global_stats" ctl write sgv/global_stats 0
check_output "Big allocs is 0" '^Big allocs +0$' ctl read sgv/global_stats

if [ "$FUSE" = 1 ]; then
	check_output "cat sgv/global_stats on the mount" '^Inactive/active pages ' cat "$MNT/sgv/global_stats"
	check_output "ls sgv on the mount" '^global_stats sgv$' sh -c "echo \$(ls '$MNT/sgv')"
	check "echo 0 >sgv/sgv/stats on the mount" sh -c "echo 0 >'$MNT/sgv/sgv/stats'"
	check_output "last_sysfs_mgmt_res: 0 (mount)" '^0$' cat "$MNT/last_sysfs_mgmt_res"
	check "echo 2 >sgv/sgv/stats is refused on the mount" sh -c "! echo 2 >'$MNT/sgv/sgv/stats'"
	check_output "last_sysfs_mgmt_res: -22 (mount)" '^-22$' cat "$MNT/last_sysfs_mgmt_res"
	check "an unknown command to a mgmt file fails on the mount" \
		sh -c "! echo 'frobnicate x' >'$MNT/handlers/vdisk_nullio/mgmt'"
	check_output "last_sysfs_mgmt_res: -22 again (mount)" '^-22$' cat "$MNT/last_sysfs_mgmt_res"
	check "a device added on the mount" \
		sh -c "echo 'add_device sg1 size_mb=4' >'$MNT/handlers/vdisk_nullio/mgmt'"
	check_output "last_sysfs_mgmt_res: 0 (mount)" '^0$' cat "$MNT/last_sysfs_mgmt_res"
	check "adding it again fails" sh -c "! echo 'add_device sg1 size_mb=4' >'$MNT/handlers/vdisk_nullio/mgmt'"
	check_output "last_sysfs_mgmt_res: -17 (EEXIST) (mount)" '^-17$' cat "$MNT/last_sysfs_mgmt_res"
	check "del_device on the mount" sh -c "echo 'del_device sg1' >'$MNT/handlers/vdisk_nullio/mgmt'"
fi

# ---- scst_local session records ----
has_record() { ctl list "$DRV/t9" | grep -qx session_name; }
check "add_target t9 session_name=s9" ctl write "$DRV/mgmt" "add_target t9 session_name=s9"
check_output "t9/session_name is s9, a [key]" '^s9$' ctl read "$DRV/t9/session_name"
check_output "and the session exists" '^s9/$' ctl list "$DRV/t9/sessions"
check "del_session t9 s9" ctl write "$DRV/mgmt" "del_session t9 s9"
check "the session is gone" test -z "$(ctl list "$DRV/t9/sessions")"
check "and so is its session_name record" eval '! has_record'
check "-write_config does not save s9" sh -c "'$ADMIN' -socket '$SOCK' -write_config '$WORKDIR/a.cfg' >/dev/null && ! grep -q s9 '$WORKDIR/a.cfg'"
check "add_session t9 s9: the name is clean again" ctl write "$DRV/mgmt" "add_session t9 s9"
check_output "recorded once" '^s9$' ctl read "$DRV/t9/session_name"
check "del_session t9 s9 again" ctl write "$DRV/mgmt" "del_session t9 s9"
check "no record left" eval '! has_record'
check "add_target_attribute t9 session_name s9 (as a config does)" \
	ctl write "$DRV/mgmt" "add_target_attribute t9 session_name s9"
check_output "the session is back" '^s9/$' ctl list "$DRV/t9/sessions"
check "del_target t9" ctl write "$DRV/mgmt" "del_target t9"

# ---- rel_tgt_id: unique among enabled targets (README.scst) ----
RA=targets/iscsi/iqn.2026-11.org.scstd:ra
RB=targets/iscsi/iqn.2026-11.org.scstd:rb
check "two iSCSI targets ra and rb" sh -c "'$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt 'add_target iqn.2026-11.org.scstd:ra' && '$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt 'add_target iqn.2026-11.org.scstd:rb'"
check "rb: rel_tgt_id 12, enabled" sh -c "'$SCSTCTL' --socket '$SOCK' write $RB/rel_tgt_id 12 && '$SCSTCTL' --socket '$SOCK' write $RB/enabled 1"
check "disabled ra may take rb's id 12" ctl write "$RA/rel_tgt_id" 12
check_output "but enabling ra is refused: EBADSLT" '^scstctl: EBADSLT .*not unique' \
	sh -c "! '$SCSTCTL' --socket '$SOCK' write $RA/enabled 1 2>&1"
check_output "ra stays disabled" '^0$' ctl read "$RA/enabled"
check "with id 11 ra is enabled" sh -c "'$SCSTCTL' --socket '$SOCK' write $RA/rel_tgt_id 11 && '$SCSTCTL' --socket '$SOCK' write $RA/enabled 1"
check "-write_config of ra and rb" "$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/ids.cfg"
sed -e 's/rel_tgt_id 11$/rel_tgt_id XX/' -e 's/rel_tgt_id 12$/rel_tgt_id 11/' \
	-e 's/rel_tgt_id XX$/rel_tgt_id 12/' "$WORKDIR/ids.cfg" >"$WORKDIR/swap.cfg"
check "scstadmin -config swaps their ids" "$ADMIN" -socket "$SOCK" -config "$WORKDIR/swap.cfg" -noprompt
check_output "ra has 12" '^12$' ctl read "$RA/rel_tgt_id"
check_output "rb has 11" '^11$' ctl read "$RB/rel_tgt_id"
check_output "ra is enabled again" '^1$' ctl read "$RA/enabled"
check_output "rb is enabled again" '^1$' ctl read "$RB/enabled"
check "cleanup: ra and rb go" sh -c "'$SCSTCTL' --socket '$SOCK' write $RA/enabled 0 && '$SCSTCTL' --socket '$SOCK' write $RB/enabled 0 && '$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt 'del_target iqn.2026-11.org.scstd:ra' && '$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt 'del_target iqn.2026-11.org.scstd:rb'"

# ---- scstadmin and sgv/ ----
check "-write_config on a tree with sgv/" "$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/b.cfg"
check "the saved config says nothing of sgv/" \
	sh -c "! grep -Eq 'global_stats|merged|^[[:space:]]*sgv' '$WORKDIR/b.cfg'"
check "-check_config of it" "$ADMIN" -check_config "$WORKDIR/b.cfg"

check_stop
finish
