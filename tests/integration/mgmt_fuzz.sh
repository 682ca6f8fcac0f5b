#!/usr/bin/env bash
# mgmt_fuzz.sh - the management interface under seeded fuzzing: a daemon
# with a base configuration (fileio, nullio and vcdrom devices, an iSCSI
# target with LUNs and an initiator group, an scst_local target with a
# session) gets mutated commands on every writable file of its tree from
# tests/tools/mgmt_fuzz, through the control socket and through the FUSE
# mount (fixed seeds, fixed write counts).  Every refused write must leave
# the configuration snapshot (tests/tools/tree_snapshot) as it was, with a
# message and a log line; the base is restored with scstadmin -config now
# and then.  Afterwards: the daemon lives, the target answers iscsi-inq,
# scstadmin -write_config of the final state loads into a fresh daemon
# and gives the same snapshot, and the daemon stops with a clean log.
# The bugs the fuzzing found are checked once more by hand.  Without FUSE
# only the mount's share of the writes is left out.  FUZZ_SEEDS,
# FUZZ_WRITES and FUZZ_KEEP_GOING=1 are for hunting with other seeds;
# the defaults keep the sanitizer build well under a minute.
. "$(dirname "$0")/../lib.sh"

plan 25

require_daemon
require_tools mgmt_fuzz tree_snapshot
use_scstctl
ADMIN=$(dirname "$SCSTD")/scstadmin
IQN=iqn.2026-11.org.scstd:fuzz
FILES=$WORKDIR/files
MNT=$WORKDIR/mnt
SEEDS=${FUZZ_SEEDS:-"1 2"}
WRITES=${FUZZ_WRITES:-60}
mkdir -p "$FILES" "$MNT"
for i in 1 2 3 4; do truncate -s 4M "$FILES/disk$i.img"; done

cat >"$WORKDIR/base.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $FILES/disk1.img
	}
}
HANDLER vdisk_nullio {
	DEVICE n1 {
		size_mb 1
	}
	DEVICE n2 {
		size_mb 2
		read_only 1
	}
}
HANDLER vcdrom {
	DEVICE cd1 {
		filename $FILES/disk2.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	iSNSAccessControl No
	TARGET $IQN {
		enabled 1
		LUN 0 d1
		LUN 1 n1
		GROUP g1 {
			LUN 0 n2
			INITIATOR iqn.1993-08.org.debian:01:fuzzer
		}
	}
}
TARGET_DRIVER scst_local {
	TARGET local1 {
		session_name s1
		LUN 0 n1
	}
}
CONF

MOUNT_ARGS=()
if command -v fusermount3 >/dev/null 2>&1 && [ -e /dev/fuse ]; then
	MOUNT_ARGS=(--mount "$MNT")
fi
mounted() { grep -q " $MNT fuse" /proc/mounts; }
trap 'mounted && fusermount3 -u -z "$MNT"; lib_cleanup' EXIT

# No default scst_local target (it would come back at every start) and
# one raw-socket path: a saved state loads into a second daemon alike.
DAEMON_ARGS=(--ctl-socket "$SOCK" --local-add-default-tgt 0 --local-socket "$WORKDIR/local.sock")
start_daemon --config "$WORKDIR/base.conf" "${DAEMON_ARGS[@]}" "${MOUNT_ARGS[@]}" ||
	{ not_ok "scstd starts with the base configuration"; finish; }
ok "scstd starts with the base configuration"
FUZZ_MOUNT=()
if [ ${#MOUNT_ARGS[@]} -gt 0 ] && mounted; then
	FUZZ_MOUNT=(--mount "$MNT")
else
	note "FUSE is not available: no writes through the mount"
fi

snapshot() { "$(tool tree_snapshot)" --socket "$SOCK"; }
check "a snapshot of the base" sh -c "'$(tool tree_snapshot)' --socket '$SOCK' >'$WORKDIR/base.snap'"
check_output "it holds the devices, the LUNs and the group" \
	"targets/iscsi/$IQN/ini_groups/g1/luns/0/" cat "$WORKDIR/base.snap"

# What the fuzzing found, once by hand: an object may not take the name
# of a file of its directory (it would be listed twice, never reached).
refused_alike() {
	local path=$1 value=$2
	! ctl write "$path" "$value" 2>"$WORKDIR/refused.err" &&
		grep -q 'not a possible\|cannot be an initiator name' "$WORKDIR/refused.err" &&
		"$(tool tree_snapshot)" --socket "$SOCK" | diff -q "$WORKDIR/base.snap" - >/dev/null
}
check "no ini group called mgmt" refused_alike "targets/iscsi/$IQN/ini_groups/mgmt" "create mgmt"
check "no initiator called mgmt" \
	refused_alike "targets/iscsi/$IQN/ini_groups/g1/initiators/mgmt" "add mgmt"
check "no device called mgmt" refused_alike handlers/vdisk_nullio/mgmt "add_device mgmt size_mb=1"
for t in mgmt enabled iSNSServer; do
	check "no iSCSI target called $t" refused_alike targets/iscsi/mgmt "add_target $t"
done
check "no scst_local target called stats" refused_alike targets/scst_local/mgmt "add_target stats"
unchanged_after_refusal() {
	! ctl write "$1" "$2" 2>/dev/null &&
		"$(tool tree_snapshot)" --socket "$SOCK" | diff "$WORKDIR/base.snap" -
}
check "an iSCSI add_target with a bad parameter leaves no target" \
	unchanged_after_refusal targets/iscsi/mgmt "add_target $IQN-2 QueuedCommands=1; MaxSessions=x"
check "add_target with IncomingUser= records it (tree and -write_config)" sh -c "
	'$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt \
		'add_target $IQN-3 IncomingUser=joe secretsecret12; QueuedCommands=8' &&
	'$SCSTCTL' --socket '$SOCK' read 'targets/iscsi/$IQN-3/IncomingUser' | grep -qx 'joe secretsecret12' &&
	'$ADMIN' -socket '$SOCK' -write_config - | grep -q 'IncomingUser \"joe secretsecret12\"' &&
	'$SCSTCTL' --socket '$SOCK' write targets/iscsi/mgmt 'del_target $IQN-3'"

# scstadmin -config refuses to delete a group that sessions are in (an
# scst_local session the fuzzing moved into a new group): then the base
# is built again from scratch.
cat >"$WORKDIR/restore.sh" <<SH
'$ADMIN' -socket '$SOCK' -config '$WORKDIR/base.conf' -force -noprompt ||
	{ '$ADMIN' -socket '$SOCK' -clear_config -force -noprompt &&
	  '$ADMIN' -socket '$SOCK' -config '$WORKDIR/base.conf' -force -noprompt; }
SH
restore_base() { bash "$WORKDIR/restore.sh"; }
RESTORE="bash '$WORKDIR/restore.sh' >>'$WORKDIR/restore.log' 2>&1"
for seed in $SEEDS; do
	check "seed $seed: $WRITES writes, every refused one changes nothing and is logged" \
		"$(tool mgmt_fuzz)" --socket "$SOCK" --files "$FILES" --log "$DAEMON_LOG" \
		"${FUZZ_MOUNT[@]}" --seed "$seed" --iterations "$WRITES" --restore "$RESTORE" \
		--restore-every 50 ${FUZZ_KEEP_GOING:+--keep-going}
	sed -n 's/^# seed/#   seed/p' "$WORKDIR/last.out"
done

check_alive "the daemon lives after the fuzzing"
check "scstadmin restores the base" restore_base
# Attributes the base does not name keep what the fuzzing set.
check "its devices, LUNs, group and session are back" sh -c "
	'$(tool tree_snapshot)' --socket '$SOCK' >'$WORKDIR/restored.snap' &&
	for l in devices/d1/ devices/n1/ devices/n2/ devices/cd1/ \
		'targets/iscsi/$IQN/luns/0/device@=d1' 'targets/iscsi/$IQN/luns/1/device@=n1' \
		'targets/iscsi/$IQN/ini_groups/g1/luns/0/device@=n2' \
		targets/scst_local/local1/sessions/s1/; do
		grep -qxF \"\$l\" '$WORKDIR/restored.snap' || { echo missing \$l; exit 1; }
	done"
if command -v iscsi-inq >/dev/null; then
	check_output "the target answers iscsi-inq" 'SCST_FIO' \
		timeout 10 iscsi-inq "iscsi://127.0.0.1:$PORT/$IQN/0"
else
	skip "iscsi-inq (libiscsi-bin) missing"
fi

# One more seed without restores: its final state is what gets saved.
check "one more seed without restoring the base" \
	"$(tool mgmt_fuzz)" --socket "$SOCK" --files "$FILES" --log "$DAEMON_LOG" \
	"${FUZZ_MOUNT[@]}" --seed 99 --iterations "$WRITES" --restore-every 0
check "scstadmin -write_config saves the final state" \
	"$ADMIN" -socket "$SOCK" -write_config "$WORKDIR/final.conf"
snapshot >"$WORKDIR/final.snap"
check_alive "the daemon is still alive"
mounted && fusermount3 -u -z "$MNT"
check_stop

start_daemon --config "$WORKDIR/final.conf" "${DAEMON_ARGS[@]}" ||
	{ not_ok "a fresh scstd loads the saved final state"; finish; }
ok "a fresh scstd loads the saved final state"
# A session's transport_id is no configuration (-write_config keeps only
# [key] attributes): a new session has the default one.
same_config() {
	diff <(grep -v '/sessions/.*/transport_id=' "$1") \
		<("$(tool tree_snapshot)" --socket "$SOCK" | grep -v '/sessions/.*/transport_id=')
}
check "with the same snapshot" same_config "$WORKDIR/final.snap"
check_stop "the second daemon stops with a clean log"
finish
