#!/usr/bin/env bash
# run.sh - the VM suite: a real Linux kernel initiator (Debian 13's
# iscsi_tcp, open-iscsi, dm-multipath in a QEMU guest) against scstd.
# Builds or reuses the cached guest (build_guest.sh), creates a private
# network namespace with two tap devices, runs scstd and QEMU inside it,
# serves the guest's requests (restart scstd, add/remove a LUN, drop a
# portal) and turns each of the guest's results into one TAP line.  The
# namespace, the daemon, QEMU and the files go whatever happens.  A harness
# failure (no guest, no boot, silent guest) is a failed check, never a skip.
#
# Environment:
#   SCSTD           daemon under test (default build/scstd)
#   VM_TESTS        guest groups to run, in order (default: all, see below)
#   VM_TIMEOUT      seconds for the whole guest run (default 900)
#   VM_ACCEL        kvm or tcg (default: kvm when /dev/kvm is ordinary KVM;
#                   tcg under a nested PVM hypervisor, where guests hang)
#   SCSTD_VM_CACHE  where the built guest is cached (/var/cache/scstd-vm)
#   KEEP_WORKDIR=1  keeps console log, daemon logs and guest output
ALL_GROUPS="discovery login sg ext4 fio relogin restart hotplug chap digests multipath alua ublk rbd"
HERE=$(cd "$(dirname "$0")" && pwd)

# ---- outside the namespace: build the guest, own the namespace ----------
if [ -z "${SCSTD_VM_NS:-}" ]; then
	. "$HERE/in_namespace.sh"
	vm_run_in_namespace scstd-vm "$0"
fi

# ---- inside the namespace ------------------------------------------------
. "$HERE/../lib.sh"
plan 138
. "$HERE/../ceph/cluster.sh"
require_daemon
VM_TESTS=${VM_TESTS:-$ALL_GROUPS}
VM_TIMEOUT=${VM_TIMEOUT:-900}
PREFIX=10.77
HOST_IP=("$PREFIX.0.1" "$PREFIX.1.1")
GUEST_IP=("$PREFIX.0.2" "$PREFIX.1.2")
IQN_BASE=iqn.2026-11.org.scstd
PLAIN=$IQN_BASE:vm-plain CHAP=$IQN_BASE:vm-chap MP=$IQN_BASE:vm-mp
# Two target ports of one LU in two ALUA target port groups (group alua).
AA=$IQN_BASE:vm-alua-a AB=$IQN_BASE:vm-alua-b
# Two gateways (two more daemons) exporting one RBD image (group rbd).
RA=$IQN_BASE:vm-rbd-a RB=$IQN_BASE:vm-rbd-b
RBD_PORT=3261
FS_MIB=384 FS_DATA_MIB=200
QEMU_PID=

qemu_cleanup() {
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	ceph_cluster_stop
	lib_cleanup
}
trap qemu_cleanup EXIT

set_up_network() {
	local i
	ip link set lo up || return 1
	for i in 0 1; do
		ip tuntap add dev "tap$i" mode tap &&
			ip addr add "${HOST_IP[$i]}/24" dev "tap$i" &&
			ip link set "tap$i" up || return 1
	done
}

write_config() {
	local f
	for f in fs:$FS_MIB fio:128 chapd:16 mp:96 hot:8 alua:64; do
		truncate -s "${f#*:}M" "$WORKDIR/${f%:*}.img"
	done
	cat >"$WORKDIR/vm.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE fs {
		filename $WORKDIR/fs.img
		thin_provisioned 1
	}
	DEVICE fio {
		filename $WORKDIR/fio.img
	}
	DEVICE chapd {
		filename $WORKDIR/chapd.img
	}
	DEVICE mp {
		filename $WORKDIR/mp.img
	}
	DEVICE hot {
		filename $WORKDIR/hot.img
	}
	DEVICE alua {
		filename $WORKDIR/alua.img
	}
}
HANDLER vdisk_nullio {
	DEVICE null {
		size_mb 1024
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $PLAIN {
		enabled 1
		LUN 0 fs
		LUN 1 fio
		LUN 2 null
	}
	TARGET $CHAP {
		enabled 1
		IncomingUser "vmuser vmsecret12345"
		OutgoingUser "vmtarget tgtsecret67890"
		LUN 0 chapd
	}
	TARGET $MP {
		enabled 1
		LUN 0 mp
	}
	TARGET $AA {
		enabled 1
		LUN 0 alua
	}
	TARGET $AB {
		enabled 1
		LUN 0 alua
	}
}
DEVICE_GROUP vmdg {
	DEVICE alua
	TARGET_GROUP tga {
		group_id 1
		state active
		preferred 1
		TARGET $AA
	}
	TARGET_GROUP tgb {
		group_id 2
		state standby
		TARGET $AB
	}
}
CONF
}

start_scstd() {
	PORT_FIXED=3260 start_daemon --config "$WORKDIR/vm.conf" \
		--listen "${HOST_IP[0]}:3260" --listen "${HOST_IP[1]}:3260"
}

# ---- group rbd: a Ceph cluster and two gateways on one image --------------
# Started when the guest reaches the group (HOST rbd-start) and stopped at
# its end (HOST rbd-stop), so they load no other group.
# Gateway A listens on portal 1, B on portal 2 (port RBD_PORT), each with
# its own target and rel_tgt_id in one ALUA device group, both
# active/optimized (docs/rbd.md).  lib.sh tracks one daemon, the main
# one: a gateway's variables are swapped in around start and stop.
RBD_READY=0
declare -A GW_PID GW_SEQ GW_LOG GW_PORT

rbd_gw_conf() {  # rbd_gw_conf NAME IQN REL_TGT_ID OTHER-IQN OTHER-ID
	cat >"$WORKDIR/gw$1.conf" <<CONF
HANDLER vdisk_rbd {
	DEVICE vmrbd {
		pool rbd
		image vmrbd
		conf $CEPH_CONF
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $2 {
		rel_tgt_id $3
		LUN 0 vmrbd
		enabled 1
	}
}
DEVICE_GROUP rbdha {
	DEVICE vmrbd
	TARGET_GROUP here {
		group_id $3
		state active
		TARGET $2
	}
	TARGET_GROUP there {
		group_id $5
		state active
		TARGET $4 {
			rel_tgt_id $5
		}
	}
}
CONF
}

gw_swap() {  # gw_swap NAME: lib.sh's daemon variables <-> gateway NAME's
	local p=$DAEMON_PID s=$DAEMON_SEQ l=$DAEMON_LOG o=$PORT
	DAEMON_PID=${GW_PID[$1]} DAEMON_SEQ=${GW_SEQ[$1]} DAEMON_LOG=${GW_LOG[$1]} PORT=${GW_PORT[$1]}
	GW_PID[$1]=$p GW_SEQ[$1]=$s GW_LOG[$1]=$l GW_PORT[$1]=$o
}

# Their logs and sockets are numbered from 100 up, clear of the main
# daemon's restarts.
RBD_SEQ=100
rbd_gw_start() {  # rbd_gw_start NAME PORTAL-INDEX
	local rc
	gw_swap "$1"
	DAEMON_PID= DAEMON_SEQ=$RBD_SEQ
	RBD_SEQ=$((RBD_SEQ + 1))
	start_daemon --config "$WORKDIR/gw$1.conf" --listen "${HOST_IP[$2]}:$RBD_PORT"
	rc=$?
	[ -n "$DAEMON_PID" ] && BG_PIDS+=("$DAEMON_PID")
	gw_swap "$1"
	return $rc
}

# Two checks; 0 when both gateways serve.
start_rbd_gateways() {
	if ! ceph_cluster_available; then
		skip "group rbd: no Ceph (ceph-mon, ceph-osd, ceph-common: make deps)"
		skip "group rbd: two gateways export one RBD image"
		return 1
	fi
	if ! ceph_cluster_start "$WORKDIR/ceph" >>"$WORKDIR/host_actions.log" 2>&1; then
		not_ok "group rbd: a single-node Ceph cluster starts"
		skip "group rbd: two gateways export one RBD image"
		ceph_cluster_stop
		return 1
	fi
	ok "group rbd: a single-node Ceph cluster starts"
	rbd create --size 64M rbd/vmrbd >>"$WORKDIR/host_actions.log" 2>&1 || { not_ok "group rbd: two gateways export one RBD image"; return 1; }
	rbd_gw_conf a "$RA" 11 "$RB" 12
	rbd_gw_conf b "$RB" 12 "$RA" 11
	if rbd_gw_start a 0 && rbd_gw_start b 1; then
		ok "group rbd: two gateways export one RBD image"
		RBD_READY=1
		return 0
	fi
	not_ok "group rbd: two gateways export one RBD image"
	return 1
}

# kill -9 of a gateway (the guest's fio is running through it).
host_rbd_kill() {
	local rc
	gw_swap "$1"
	kill_daemon
	rc=$?
	gw_swap "$1"
	GW_PID[$1]=
	return $rc
}

# One check: gateway B served the guest to the end; A was killed by the
# guest's request (or, when the guest never got there, is stopped
# uncounted).
stop_rbd_gateways() {
	if [ "$RBD_READY" != 1 ]; then
		skip "group rbd: gateway b stops on SIGTERM (no gateways)"
		ceph_cluster_stop
		return 0
	fi
	if [ -n "${GW_PID[a]}" ]; then
		gw_swap a
		stop_daemon >/dev/null
		gw_swap a
	fi
	gw_swap b
	check_stop "group rbd: gateway b stops on SIGTERM with exit 0 and a clean log"
	gw_swap b
	GW_PID[b]=
	RBD_READY=0
	ceph_cluster_stop
}

# The guest's own files: /init, the tests and their settings, appended
# as a second cpio archive to the cached initramfs (the kernel unpacks
# both, the later one wins).
make_initrd() {
	local d=$WORKDIR/overlay
	mkdir -p "$d/vm"
	cp "$HERE/guest/init" "$d/init"
	cp "$HERE/guest/tests.sh" "$d/vm/tests.sh"
	chmod 755 "$d/init"
	# The daemon under test also runs inside the guest (group ublk: the
	# kernel there has ublk_drv), with its own libraries.
	mkdir -p "$d/vm/bin" "$d/vm/lib"
	cp "$SCSTD" "$(dirname "$SCSTD")/scstctl" "$d/vm/bin/" || return 1
	ldd "$SCSTD" "$(dirname "$SCSTD")/scstctl" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' |
		sort -u | while read -r lib; do cp -L "$lib" "$d/vm/lib/"; done
	cat >"$d/vm/env" <<ENV
VM_TESTS="$VM_TESTS"
GUEST_IQN=$IQN_BASE:vm-guest
GUEST_IP0=${GUEST_IP[0]} GUEST_IP1=${GUEST_IP[1]}
TARGET_IP0=${HOST_IP[0]} TARGET_IP1=${HOST_IP[1]}
PLAIN=$PLAIN CHAP=$CHAP MP=$MP AA=$AA AB=$AB
RA=$RA RB=$RB RBD_PORT=$RBD_PORT
CHAP_USER=vmuser CHAP_SECRET=vmsecret12345
CHAP_TUSER=vmtarget CHAP_TSECRET=tgtsecret67890
FS_MIB=$FS_MIB FS_DATA_MIB=$FS_DATA_MIB
FIO_MIB=64 RESTART_FIO_MIB=40 DIGEST_FIO_MIB=32 MP_FIO_MIB=40
ENV
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORKDIR/overlay.gz" &&
		cat "$GUEST/initrd.gz" "$WORKDIR/overlay.gz" >"$WORKDIR/initrd.img"
}

pick_accel() {
	local a=${VM_ACCEL:-}
	if [ -z "$a" ]; then
		if [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then a=kvm; else a=tcg; fi
	fi
	if [ "$a" = kvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

start_guest() {
	mkfifo "$WORKDIR/ctl.in" "$WORKDIR/ctl.out" || return 1
	# shellcheck disable=SC2046
	qemu-system-x86_64 -nodefaults -display none -no-reboot $(pick_accel) \
		-smp 1 -m 1536 -kernel "$GUEST/vmlinuz" -initrd "$WORKDIR/initrd.img" \
		-append "console=ttyS0 net.ifnames=0 panic=-1 loglevel=4" \
		-serial "file:$WORKDIR/console.log" -serial "pipe:$WORKDIR/ctl" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:5c:00:01 \
		-netdev tap,id=n1,ifname=tap1,script=no,downscript=no \
		-device virtio-net-pci,netdev=n1,mac=52:54:00:5c:00:02 \
		>"$WORKDIR/qemu.log" 2>&1 &
	QEMU_PID=$!
	exec 7<>"$WORKDIR/ctl.out" 8<>"$WORKDIR/ctl.in"
}

# ---- the guest's requests ------------------------------------------------

# restart SIG: scstd gets SIG with sessions and I/O in flight, must be
# gone within 30 s (exit 0 for SIGTERM), and starts again on its portals.
host_restart() {
	local sig=$1 i rc
	kill "-$sig" "$DAEMON_PID" || return 1
	for i in $(seq 1 300); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		not_ok "scstd ends within 30 s of SIG$sig with I/O in flight"
		kill -KILL "$DAEMON_PID"
	fi
	wait "$DAEMON_PID"
	rc=$?
	DAEMON_PID=
	if [ "$sig" = TERM ]; then
		if [ "$rc" = 0 ] && ! sanitizer_report "$DAEMON_LOG"; then
			ok "scstd exits 0 on SIGTERM with a session and I/O in flight"
		else
			not_ok "scstd exits 0 on SIGTERM with a session and I/O in flight (rc=$rc)"
			dump_log
		fi
	fi
	sleep 2
	start_scstd
}

# The write commands of the sessions of target IQN (README.scst's
# write_cmd_count), summed.
alua_writes() {
	local s n=0 v
	for s in $(daemon_ctl list "targets/iscsi/$1/sessions" 2>/dev/null); do
		v=$(daemon_ctl read "targets/iscsi/$1/sessions/$s/write_cmd_count" 2>/dev/null | head -1)
		n=$((n + ${v:-0}))
	done
	echo "$n"
}

# alua_writes_to IQN OTHER: since alua-mark, IQN's sessions got writes and
# OTHER's none (I/O follows the active/optimized group, never a standby one).
alua_writes_to() {
	local a b
	a=$(alua_writes "$1") b=$(alua_writes "$2")
	echo "writes since mark: $1 $((a - ${ALUA_MARK[$1]:-0})), $2 $((b - ${ALUA_MARK[$2]:-0}))"
	[ "$a" -gt "${ALUA_MARK[$1]:-0}" ] && [ "$b" -eq "${ALUA_MARK[$2]:-0}" ]
}
declare -A ALUA_MARK

host_action() {
	case $1 in
	alua-state) daemon_ctl write "device_groups/vmdg/target_groups/$2/state" "$3" >>"$WORKDIR/host_actions.log" 2>&1 ;;
	alua-mark) ALUA_MARK[$AA]=$(alua_writes "$AA"); ALUA_MARK[$AB]=$(alua_writes "$AB") ;;
	alua-writes-to)
		if [ "$2" = a ]; then alua_writes_to "$AA" "$AB"; else alua_writes_to "$AB" "$AA"; fi \
			>>"$WORKDIR/host_actions.log" 2>&1 ;;
	restart) host_restart "$2" 2>>"$WORKDIR/host_actions.log" ;;
	lun-add) daemon_ctl write "targets/iscsi/$PLAIN/luns/mgmt" "add hot $2" >>"$WORKDIR/host_actions.log" 2>&1 ;;
	lun-del) daemon_ctl write "targets/iscsi/$PLAIN/luns/mgmt" "del $2" >>"$WORKDIR/host_actions.log" 2>&1 ;;
	rbd-start) start_rbd_gateways ;;
	rbd-kill) host_rbd_kill "$2" >>"$WORKDIR/host_actions.log" 2>&1 ;;
	rbd-stop) stop_rbd_gateways ;;
	portal-down) ip link set "tap$2" down ;;
	portal-up) ip link set "tap$2" up ;;
	log-has) shift; grep -qF -- "$*" "$WORKDIR"/scstd.*.log ;;
	*) not_ok "the guest asked for an action the host knows: $*"; return 1 ;;
	esac
}

# ---- the conversation ----------------------------------------------------

show_console() {
	echo "# --- last lines of the guest console ---"
	tail -n "${1:-30}" "$WORKDIR/console.log" 2>/dev/null | tr -d '\r' | sed 's/^/#   /'
}

serve_guest() {
	local t0=$SECONDS line booted='' ended='' group=''
	while [ $((SECONDS - t0)) -lt "$VM_TIMEOUT" ]; do
		if ! IFS= read -r -t 5 line <&7; then
			kill -0 "$QEMU_PID" 2>/dev/null && continue
			break
		fi
		line=${line%$'\r'}
		if [ -z "$booted" ]; then
			booted=1
			ok "the guest boots and reaches its test script ($((SECONDS - t0)) s, $ACCEL_NAME)"
		fi
		case $line in
		"RESULT PASS "*) ok "vm: ${line#RESULT PASS }" ;;
		"RESULT FAIL "*) not_ok "vm: ${line#RESULT FAIL }" ;;
		"RESULT SKIP "*) skip "vm: ${line#RESULT SKIP }" ;;
		"RESULT INFO group "*) group=${line#RESULT INFO group }; note "group $group at $((SECONDS - t0)) s" ;;
		"RESULT INFO "*) note "${line#RESULT INFO }" ;;
		"HOST "*)
			# shellcheck disable=SC2086
			host_action ${line#HOST }
			echo "DONE $?" >&8
			;;
		END) ended=1; break ;;
		esac
	done
	if [ -z "$booted" ]; then
		not_ok "the guest boots and reaches its test script (nothing within $VM_TIMEOUT s or QEMU ended)"
		sed 's/^/#   /' "$WORKDIR/qemu.log"
		show_console 40
	elif [ -z "$ended" ]; then
		not_ok "the guest finishes its tests (stopped in group '$group' after $((SECONDS - t0)) s)"
		show_console 40
	else
		ok "the guest ran every group in $((SECONDS - t0)) s"
	fi
}

wait_guest_off() {
	local i
	for i in $(seq 1 300); do
		kill -0 "$QEMU_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$QEMU_PID" 2>/dev/null
	wait "$QEMU_PID" 2>/dev/null
	QEMU_PID=
}

if ! set_up_network; then
	not_ok "two tap devices in network namespace $SCSTD_VM_NS"
	finish
fi
write_config
if ! start_scstd; then
	not_ok "scstd starts on the namespace's two portals"
	finish
fi
if ! make_initrd; then
	not_ok "the guest's per-run initramfs is written"
	finish
fi
ACCEL_NAME=$(pick_accel | awk '{ print $2 }')
if ! start_guest; then
	not_ok "QEMU starts"
	finish
fi
serve_guest
wait_guest_off
check_alive "scstd alive after the guest's tests"
check_stop "scstd stops on SIGTERM with exit 0 and a clean log"
ceph_cluster_stop       # a guest that never asked rbd-stop (its gateways are BG_PIDS)
finish
