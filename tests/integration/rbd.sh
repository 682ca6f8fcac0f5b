#!/usr/bin/env bash
# rbd.sh - the vdisk_rbd handler (docs/rbd.md) against a real single-node
# Ceph cluster (tests/ceph/cluster.sh): qemu-io writes and verifies a
# pattern and the data is in the image (rbd export); UNMAP of 4 KiB inside
# librbd's 64 KiB discard granule reads back as zeros; GET LBA STATUS
# follows the object map; a resize in the cluster reaches the initiator as
# CAPACITY DATA HAS CHANGED; a second daemon exporting the same image
# under another device name reports the same VPD 0x80/0x83 identifiers
# and reads what the first wrote; bad input (no pool, no image, missing
# conf, a cluster that is down, credentials it does not have) fails
# add_device with a clear error in bounded time; a cluster that stops
# answering under I/O fails commands with LOGICAL UNIT COMMUNICATION
# TIME-OUT while the daemon's other LUN serves, and the LU serves again
# when the cluster is back; the RBD LUN gets the same iscsi-test-cu
# verdicts as a vdisk_fileio LUN of the same daemon.
. "$(dirname "$0")/../lib.sh"
plan 43
. "$TESTS_ROOT/tests/ceph/cluster.sh"

require_daemon
require_tools scsi_cdb
if ! ceph_cluster_available; then
	skip "vdisk_rbd: no Ceph (ceph-mon, ceph-osd, ceph-common: make deps)"
	finish
fi
IQN=iqn.2026-12.org.scstd:rbd
MIB=1048576

trap 'ceph_cluster_stop; lib_cleanup' EXIT
if ! ceph_cluster_start "$WORKDIR/ceph"; then
	not_ok "a single-node Ceph cluster starts"
	tail -n 20 "$WORKDIR"/ceph/*.out "$WORKDIR"/ceph/*.log 2>/dev/null | sed 's/^/# /'
	finish
fi
ok "a single-node Ceph cluster starts"
CONF=$CEPH_CONF
rbd create --size 64M rbd/vol1 && rbd create --size 16M rbd/vol2 ||
	not_ok "rbd create"
IMAGE_ID=$(rbd info rbd/vol1 | sed -n 's/^\s*id: //p')

truncate -s $((64 * MIB)) "$WORKDIR/ref.img"
cat >"$WORKDIR/rbd.conf" <<CONF
HANDLER vdisk_rbd {
	DEVICE r1 {
		pool rbd
		image vol1
		thin_provisioned 1
	}
	DEVICE r2 {
		pool rbd
		image vol2
		conf $CONF
	}
}
HANDLER vdisk_fileio {
	DEVICE ref {
		filename $WORKDIR/ref.img
		thin_provisioned 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 r1
		LUN 1 ref
		LUN 2 r2
		enabled 1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/rbd.conf"; then
	not_ok "scstd starts with vdisk_rbd devices configured"
	finish
fi
ok "scstd starts with vdisk_rbd devices configured"
PORT1=$PORT

IQN2=$IQN.gateway2
PORT2=
# lun_url LUN [PORT]: the first daemon's target, or the second's on PORT2.
lun_url() {
	local p=${2:-$PORT1}
	echo "iscsi://127.0.0.1:$p/$([ "$p" = "$PORT2" ] && echo "$IQN2" || echo "$IQN")/$1"
}

# cdb LUN LINES...: scsi_cdb's answers, one per line (after login's TUR).
cdb() {
	local lun=$1
	shift
	printf '%s\n' "$@" quit | timeout 60 "$(tool scsi_cdb)" "$(lun_url "$lun")"
}

qio() {  # qio URL qemu-io-commands...
	local url=$1 args=()
	shift
	for c in "$@"; do args+=(-c "$c"); done
	timeout 120 qemu-io -f raw "${args[@]}" "$url"
}

# --- data path ---------------------------------------------------------------
check "qemu-io writes and reads back patterns through the RBD LUN" \
	qio "$(lun_url 0)" "write -P 0x5a 0 4M" "read -P 0x5a 0 4M" \
	"write -P 0xc3 60M 4M" "read -P 0xc3 60M 4M" "write -f -P 0x11 5M 512" "flush" \
	"read -P 0x11 5M 512"
rbd export --no-progress rbd/vol1 "$WORKDIR/vol1.raw" >/dev/null 2>&1
check "the data is in the image (rbd export)" \
	cmp -n $((4 * MIB)) "$WORKDIR/vol1.raw" <(head -c $((4 * MIB)) /dev/zero | tr '\0' '\132')
check "the unaligned FUA write is in the image" \
	cmp -i $((5 * MIB)):0 -n 512 "$WORKDIR/vol1.raw" <(head -c 512 /dev/zero | tr '\0' '\021')

# UNMAP (42h) of 8 blocks at LBA 16 (4 KiB inside a 64 KiB granule):
# parameter list header 8 bytes (data length 22, descriptor length 16),
# one descriptor LBA 16, 8 blocks.
unmap_4k="out 42000000000000001800 001600100000000000000000000000100000000800000000"
out=$(cdb 0 "$unmap_4k" 2>&1)
check_output "UNMAP of 4 KiB inside a discard granule succeeds" '^GOOD' echo "$out"
check "the unmapped 4 KiB read back as zeros, the rest of the granule keeps its data" \
	qio "$(lun_url 0)" "read -P 0 8k 4k" "read -P 0x5a 0 8k" "read -P 0x5a 12k 52k"

# Block Limits VPD (B0h): OPTIMAL UNMAP GRANULARITY (bytes 28-31) is
# librbd's discard granule, 64 KiB = 128 blocks of 512.
out=$(cdb 0 "cdb 1201b0004000 64")
check_output "Block Limits announce a 64 KiB unmap granularity" \
	'^GOOD 00b0003c.{48}00000080' echo "$out"

# GET LBA STATUS (9Eh/12h) at LBA 32768 (16 MiB, never written): the
# object map says deallocated (provisioning status 1) up to the object
# written at 60 MiB (0x16000 blocks); at LBA 0: mapped, the two objects
# written (8 MiB, 0x4000 blocks).
out=$(cdb 0 "cdb 9e120000000000008000000000180000 24" "cdb 9e120000000000000000000000180000 24")
check_output "GET LBA STATUS: an unwritten object is deallocated" \
	'^GOOD 000000140000000000000000000080000001600001' echo "$out"
check_output "GET LBA STATUS: a written object is mapped" \
	'^GOOD 000000140000000000000000000000000000400000' bash -c "echo '$out' | tail -1"

# --- scstadmin -------------------------------------------------------------------
SCSTADMIN=$(dirname "$SCSTD")/scstadmin
"$SCSTADMIN" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -write_config "$WORKDIR/saved.conf" \
	>/dev/null 2>&1
device_block() { sed -n "/DEVICE $1 {/,/}/p" "$WORKDIR/saved.conf"; }
check "-write_config saves r1 with its pool and image" \
	bash -c "$(declare -f device_block); WORKDIR='$WORKDIR'
		device_block r1 | grep -q 'pool rbd' && device_block r1 | grep -q 'image vol1'"
check "-write_config saves r2's conf" \
	bash -c "$(declare -f device_block); WORKDIR='$WORKDIR'; device_block r2 | grep -q 'conf $CONF'"

# --- a resize in the cluster ---------------------------------------------------
rbd resize --size 96M rbd/vol1 >/dev/null 2>&1 || not_ok "rbd resize"
# READ CAPACITY(10) twice on one nexus: the unit attention, then 96 MiB
# (last LBA 196607 = 0x2ffff, blocks of 512).
resized() {
	local out
	out=$(cdb 0 "cdb 25000000000000000000 8" "cdb 25000000000000000000 8")
	[ "$(echo "$out" | tail -1)" = "GOOD 0002ffff00000200" ]
}
check "the new capacity reaches the LU (READ CAPACITY: 96 MiB)" eventually 10 resized
# A nexus open before the resize: its next command gets the UA.
out=$({ sleep 2; rbd resize --size 128M rbd/vol1 >/dev/null 2>&1; sleep 3
	printf '%s\n' "cdb 25000000000000000000 8" "cdb 25000000000000000000 8" quit; } |
	timeout 60 "$(tool scsi_cdb)" "$(lun_url 0)")
check_output "an open nexus gets CAPACITY DATA HAS CHANGED (06/2A/09), then 128 MiB" \
	'^CHECK 06/2a/09 GOOD 0003ffff00000200$' echo $out

# --- a second gateway ------------------------------------------------------------
vpd() {  # vpd PORT PAGE LUN: the page's bytes without the target port designators
	printf '%s\n' "cdb 1201${2}00ff00 255" quit |
		timeout 60 "$(tool scsi_cdb)" "$(lun_url "$3" "$1")"
}
ID80_1=$(vpd "$PORT1" 80 0)
ID83_1=$(vpd "$PORT1" 83 0)
# Gateway 2 as docs/rbd.md describes it: its own target (rel_tgt_id 2)
# in its own target port group of a device group that also names the
# first gateway's port.
cat >"$WORKDIR/gw2.conf" <<CONF
HANDLER vdisk_rbd {
$(sed -n '/DEVICE r1 {/,/}/p' "$WORKDIR/saved.conf" | sed -e 's/DEVICE r1/DEVICE gateway2_disk/' \
	-e "/pool rbd/a conf $CONF")
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN2 {
		rel_tgt_id 2
		LUN 0 gateway2_disk
		enabled 1
	}
}
DEVICE_GROUP ha {
	DEVICE gateway2_disk
	TARGET_GROUP gw1 {
		group_id 1
		preferred 1
		state active
		TARGET $IQN {
			rel_tgt_id 1
		}
	}
	TARGET_GROUP gw2 {
		group_id 2
		state active
		TARGET $IQN2
	}
}
CONF
# Gateway 1 runs on: the subshell must not stop the daemon it inherits.
(unset CEPH_CONF; DAEMON_PID=; start_daemon --config "$WORKDIR/gw2.conf"; echo "$PORT $DAEMON_PID" \
	>"$WORKDIR/gw2.port")
read -r PORT2 PID2 <"$WORKDIR/gw2.port" 2>/dev/null
BG_PIDS+=("$PID2")
if [ -z "$PORT2" ]; then
	not_ok "a second daemon exports the same image"
else
	ok "a second daemon exports the same image"
	note "gateway 2: $(sed -n '/DEVICE gateway2_disk/,/}/p' "$WORKDIR/gw2.conf" | paste -sd' ')"
	ID80_2=$(vpd "$PORT2" 80 0)
	ID83_2=$(vpd "$PORT2" 83 0)
	# Page 83h: T10 vendor id (4+8+id) and NAA (12 bytes) come first; the
	# port designators that follow differ by design.
	check "VPD 0x80 (unit serial number) is the same through both daemons" \
		test "$ID80_1" = "$ID80_2"
	check_output "VPD 0x80 is not empty" '^GOOD 0080....[0-9a-f]{2,}' echo "$ID80_1"
	t10_1=$(echo "$ID83_1" | sed -E 's/^GOOD 0083....//')
	t10_2=$(echo "$ID83_2" | sed -E 's/^GOOD 0083....//')
	len1=$((2 * (4 + 0x${t10_1:6:2} + 12)))
	check "VPD 0x83 LU designators (T10 vendor id, NAA) are the same through both" \
		test "${t10_1:0:$len1}" = "${t10_2:0:$len1}"
	check "the T10 vendor id designator names the image, not the device" \
		grep -q "$(printf 'rbd.%s' "$(ceph osd pool ls detail | sed -n "s/^pool \([0-9]*\) 'rbd'.*/\1/p")" |
			od -An -tx1 | tr -d " \n")" <<<"$t10_1"
	check "data written through the first daemon is read through the second" \
		qio "$(lun_url 0 "$PORT2")" "read -P 0xc3 60M 4M"
	check "data written through the second daemon is read through the first" \
		bash -c "$(declare -f qio); qio '$(lun_url 0 "$PORT2")' 'write -P 0x77 32M 1M' &&
			qio '$(lun_url 0 "$PORT1")' 'read -P 0x77 32M 1M'"
	ID80_R2=$(vpd "$PORT1" 80 2)
	check "another image has another serial number" test "$ID80_R2" != "$ID80_1"
	# SPC-4 7.8.6.7: target port group designator (association 1, type 5),
	# group 2 through gateway 2.
	check_output "gateway 2 reports its own target port group (2) in VPD 0x83" \
		'0115000400000002' echo "$ID83_2"
	# REPORT TARGET PORT GROUPS (A3h/0Ah, SPC-4 6.36): after the 4-byte
	# length, group 1 (PREF, active/optimized, one port: relative port 1),
	# then group 2 (active/optimized, one port: relative port 2).
	rtpg=$(printf '%s\n' "cdb a30a00000000000001000000 256" quit |
		timeout 60 "$(tool scsi_cdb)" "$(lun_url 0 "$PORT2")")
	check_output "gateway 2's REPORT TARGET PORT GROUPS lists both gateways' groups" \
		'^GOOD .{8}80..000100..000100000001'"00..000200..000100000002" echo "$rtpg"
	kill "$PID2" 2>/dev/null
	wait "$PID2" 2>/dev/null
fi
note "image id $IMAGE_ID"

# --- bad input -------------------------------------------------------------------
add() {  # add NAME PARAMS: add_device on the first daemon, its message on stdout
	daemon_ctl write handlers/vdisk_rbd/mgmt "add_device $1 $2" 2>&1
}
refused_with() {  # refused_with REGEX NAME PARAMS
	local re=$1 out
	shift
	if out=$(add "$@"); then
		echo "accepted: $out"
		return 1
	fi
	echo "$out" | grep -Eq "$re" || { echo "$out"; return 1; }
	! daemon_ctl list devices | grep -q "^$1/"
}
check "no image parameter: refused" refused_with "pool and image are required" bad1 "pool=rbd"
check "a pool that does not exist: refused naming it" \
	refused_with "cannot open pool nopool" bad2 "pool=nopool; image=vol1"
check "an image that does not exist: refused naming it" \
	refused_with "cannot open image noimage" bad3 "pool=rbd; image=noimage"
check "a configuration file that does not exist: refused naming it" \
	refused_with "cannot read Ceph configuration $WORKDIR/none.conf" bad4 \
	"pool=rbd; image=vol1; conf=$WORKDIR/none.conf"
# A cluster that is down: a monitor address nobody listens on, and none
# of the test cluster's timeouts (the handler's own bound them).
sed -e "s/^mon host = .*/mon host = v2:127.0.0.1:$(pick_port)/" -e '/timeout/d' "$CONF" \
	>"$WORKDIR/down.conf"
t0=$(date +%s)
check "a cluster that is down: refused (no monitor answered)" \
	refused_with "cannot connect to the Ceph cluster.*timed out" bad5 \
	"pool=rbd; image=vol1; conf=$WORKDIR/down.conf"
t=$(($(date +%s) - t0))
check "... within 30 s (the handler's mount timeout is 10 s; took ${t} s)" test "$t" -le 30
# Meanwhile management still answers: writes are serialized (as SCST's
# sysfs), so a read waits for the add_device in the background, bounded
# by the handler's mount timeout.
add bad5b "pool=rbd; image=vol1; conf=$WORKDIR/down.conf" >/dev/null 2>&1 &
BG_PIDS+=($!)
sleep 2
t0=$(date +%s)
check_output "management answers while an add_device waits for a down cluster" '^16$' \
	daemon_ctl read devices/r2/size_mb
t=$(($(date +%s) - t0))
check "... within the mount timeout (took ${t} s)" test "$t" -le 15
# Credentials the client does not have: cephx required, no keyring.
sed -e 's/^auth client required = none/auth client required = cephx/' \
	-e "s,^keyring = .*,keyring = $WORKDIR/nokeyring," "$CONF" >"$WORKDIR/cephx.conf"
check "credentials the client lacks: refused with the reason" \
	refused_with "cannot connect to the Ceph cluster" bad6 \
	"pool=rbd; image=vol1; conf=$WORKDIR/cephx.conf; id=nobody"
check "the daemon still serves after the refusals" qio "$(lun_url 0)" "read -P 0x5a 1M 64k"

# --- the cluster goes away under I/O -----------------------------------------------
# The test cluster's client section sets rados osd op timeout = 5 s.  The
# READ is of a written object (LBA 0x1e000, 60 MiB): librbd answers one
# the object map says does not exist without asking an OSD.
ceph_cluster_freeze
t0=$(date +%s)
out=$(cdb 0 "cdb 28000001e00000000800 4096" 2>&1)
t=$(($(date +%s) - t0))
check_output "a READ while the cluster does not answer: LOGICAL UNIT COMMUNICATION TIME-OUT" \
	'^CHECK 04/08/01' echo "$out"
check "... after a bounded time (took ${t} s)" test "$t" -le 40
check "the daemon's other LUN serves meanwhile" qio "$(lun_url 1)" "write -P 0x42 0 64k" \
	"read -P 0x42 0 64k"
ceph_cluster_thaw
check "the LU serves again once the cluster is back" \
	eventually 30 qio "$(lun_url 0)" "read -P 0xc3 60M 64k"

# --- conformance, differentially -------------------------------------------------
CU_FAMILIES=$(iscsi-test-cu -l 2>/dev/null | grep -E '^ALL\.[A-Za-z0-9]+$' |
	grep -Ev '^ALL\.(iSCSI|MultipathIO)' | paste -sd,)
cu() {  # cu LUN OUT: iscsi-test-cu's verdicts for LUN into OUT
	timeout -k 10 900 iscsi-test-cu -d -t "$CU_FAMILIES" "$(lun_url "$1")" >"$2.raw" 2>&1
	awk -f "$TESTS_ROOT/tests/conformance/parse_cu.awk" "$2.raw" >"$2"
}
if [ "${BUILD_KIND:-normal}" = asan ]; then
	for c in "no failure on the RBD LUN" "same verdicts as vdisk_fileio" "not vacuous"; do
		skip "iscsi-test-cu comparison ($c): run against the normal build (ASAN makes it minutes long)"
	done
else
	cu 0 "$WORKDIR/cu.rbd"
	cu 1 "$WORKDIR/cu.ref"
	grep -E '^(PASS|FAIL|SKIP) ' "$WORKDIR/cu.rbd" | sort >"$WORKDIR/v.rbd"
	# Not applicable (as in tests/conformance/configs/thin512.conf): with
	# 8 logical blocks per physical block libiscsi expects the descriptor
	# of LBA i+1 to start at i+8, not at the requested LBA.
	check "iscsi-test-cu on the RBD LUN: no failure" \
		bash -c "! grep '^FAIL ' '$WORKDIR/v.rbd' | grep -v '^FAIL GetLBAStatus.UnmapSingle\$'"
	grep -E '^(PASS|FAIL|SKIP) ' "$WORKDIR/cu.ref" | sort >"$WORKDIR/v.ref"
	check "every test has the verdict it has on a vdisk_fileio LUN" \
		diff "$WORKDIR/v.ref" "$WORKDIR/v.rbd"
	check_output "the comparison is not vacuous: more than 150 tests pass" \
		'^(1[5-9][0-9]|[2-9][0-9][0-9])$' grep -c '^PASS ' "$WORKDIR/v.rbd"
fi

check_stop
ceph_pids="$CEPH_MON_PID $CEPH_OSD_PID"
ceph_cluster_stop
none_alive() { local p; for p in "$@"; do ! kill -0 "$p" 2>/dev/null || return 1; done; }
check "no Ceph daemon of this test is left running" none_alive $ceph_pids
finish
