#!/usr/bin/env bash
# passthru.sh - the pass-through handlers against real SCSI devices: scstd
# runs INSIDE the QEMU guest of the VM suite (its binary and shared
# libraries come in the per-run initramfs), exports two scsi_debug disks
# with dev_disk and dev_disk_perf and qemu's virtio-scsi CD-ROM with
# dev_cdrom, and the host's libiscsi clients test them over the guest's
# network:
#   - INQUIRY through dev_disk is the device's own (scsi_debug);
#   - the whole iscsi-test-cu suite against dev_disk, pinned by
#     passthru_cu.conf (tests/conformance/libiscsi.sh --pins): its pass
#     count, and every skip and failure named with the device's reason;
#   - the CD image read through dev_cdrom is the file, byte for byte;
#   - dev_disk_perf answers READ without the device;
#   - through the management tree (scstctl in the guest): a disk offered to
#     dev_tape is refused naming its type; added to dev_disk at run time and
#     deleted again;
#   - a scsi_debug device scanned as type 1 is exported with dev_tape and
#     tape commands reach it (what this kernel's scsi_debug answers is
#     noted: 6.12 has no SSC emulation, and its INQUIRY type follows the
#     module-wide ptype, 0 again for the disks);
#   - a unit attention scsi_debug reports to one nexus (CAPACITY DATA HAS
#     CHANGED after virtual_gb is written) reaches the other nexus too;
#   - ABORT TASK of a command still in scstd's queue (more READs than sg
#     queues per descriptor, scsi_debug slowed to 5 s a command) is
#     answered at once, before the commands the device has finish;
#   - dev_tape over a tape drive that emulates SSC: examples/user_tape
#     behind a second scstd on the host side of the guest network, attached
#     by the guest's kernel initiator (a type-1 SCSI device with an sg
#     node), exported again by the guest's scstd; the host writes blocks
#     and a filemark, rewinds and reads them back through both, with
#     SSC-4's answers;
#   - dev_changer the same way over examples/user_changer (LUN 1 of the
#     host's target): READ ELEMENT STATUS, MOVE MEDIUM and INITIALIZE
#     ELEMENT STATUS through both daemons with SMC-3's answers, the
#     device's sense unchanged;
#   - the disk deleted in the guest while reads are in flight: the LUN
#     answers LOGICAL UNIT NOT SUPPORTED, scstd keeps running and stops
#     cleanly.
# The namespace, QEMU and the files go whatever happens.
#   SCSTD        the daemon copied into the guest (default build/scstd)
#   PT_TIMEOUT   seconds for the whole guest run (default 900; iscsi-test-cu
#                gets two thirds of it)
#   PT_SMP       the guest's vCPUs (default 1)
#   PT_CU_PINS   the pins of the iscsi-test-cu run (default passthru_cu.conf)
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -z "${SCSTD_VM_NS:-}" ]; then
	. "$HERE/in_namespace.sh"
	vm_run_in_namespace scstd-pt "$0"
fi

. "$HERE/../lib.sh"
plan 23
require_daemon
require_tools scsi_cdb iscsi_abort_queued
PT_TIMEOUT=${PT_TIMEOUT:-900}
PT_CU_PINS=${PT_CU_PINS:-$HERE/passthru_cu.conf}
HOST_IP=10.78.0.1 GUEST_IP=10.78.0.2
IQN=iqn.2026-11.org.scstd:pt
QEMU_PID=
CU_PID=

pt_cleanup() {
	[ -n "$CU_PID" ] && kill -KILL "$CU_PID" 2>/dev/null
	if [ -n "$QEMU_PID" ]; then
		kill -KILL "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
	fi
	lib_cleanup
}
trap pt_cleanup EXIT

ip link set lo up &&
	ip tuntap add dev tap0 mode tap &&
	ip addr add "$HOST_IP/24" dev tap0 &&
	ip link set tap0 up || { not_ok "tap device in the namespace"; finish; }

# scstd and every shared library it loads, under /vm and /vm/lib.
make_initrd() {
	local d=$WORKDIR/overlay lib path
	mkdir -p "$d/vm/lib"
	cp "$HERE/guest/passthru_init" "$d/init" && chmod 755 "$d/init" || return 1
	cp "$SCSTD" "$d/vm/scstd" && cp "$(dirname "$SCSTD")/scstctl" "$d/vm/scstctl" || return 1
	ldd "$SCSTD" "$(dirname "$SCSTD")/scstctl" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' | while read -r lib path; do
		cp -L "$path" "$d/vm/lib/$lib"
	done
	cat >"$d/vm/env" <<ENV
GUEST_IP=$GUEST_IP
IQN_DISK=$IQN-disk IQN_PERF=$IQN-perf IQN_CD=$IQN-cd IQN_TAPE=$IQN-tape
ENV
	(cd "$d" && find . | cpio -o -H newc --quiet | gzip -1) >"$WORKDIR/overlay.gz" &&
		cat "$GUEST/initrd.gz" "$WORKDIR/overlay.gz" >"$WORKDIR/initrd.img"
}

# The CD: an ISO 9660 image of random files (genisoimage), else random
# 2048-byte sectors.
make_iso() {
	mkdir -p "$WORKDIR/isodir"
	head -c $((3 << 20)) /dev/urandom >"$WORKDIR/isodir/random.bin"
	echo "scstd pass-through" >"$WORKDIR/isodir/README"
	if command -v genisoimage >/dev/null 2>&1; then
		genisoimage -quiet -R -o "$WORKDIR/cd.iso" "$WORKDIR/isodir"
	else
		head -c $((2048 * 2000)) /dev/urandom >"$WORKDIR/cd.iso"
	fi
}

start_guest() {
	mkfifo "$WORKDIR/ctl.in" "$WORKDIR/ctl.out" || return 1
	# shellcheck disable=SC2046
	qemu-system-x86_64 -nodefaults -display none -no-reboot $(accel) \
		-smp "${PT_SMP:-1}" -m 1024 -kernel "$GUEST/vmlinuz" -initrd "$WORKDIR/initrd.img" \
		-append "console=ttyS0 net.ifnames=0 panic=-1 loglevel=4" \
		-serial "file:$WORKDIR/console.log" -serial "pipe:$WORKDIR/ctl" \
		-netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,mac=52:54:00:5d:00:01 \
		-device virtio-scsi-pci,id=vscsi \
		-drive "if=none,id=cd0,file=$WORKDIR/cd.iso,format=raw,media=cdrom,readonly=on" \
		-device scsi-cd,drive=cd0,bus=vscsi.0 \
		>"$WORKDIR/qemu.log" 2>&1 &
	QEMU_PID=$!
	exec 7<>"$WORKDIR/ctl.out" 8<>"$WORKDIR/ctl.in"
}

accel() {
	if [ -w /dev/kvm ] && [ ! -e /sys/module/kvm_pvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

# guest_line SECONDS: the guest's next line on ttyS1 (empty on timeout).
guest_line() {
	local line=
	read -r -t "$1" line <&7
	echo "${line%$'\r'}"
}

show_console() {
	echo "# --- guest console (last 30 lines) ---"
	tail -n 30 "$WORKDIR/console.log" 2>/dev/null | sed 's/^/#   /'
}

make_iso || { not_ok "CD image made"; finish; }
make_initrd || { not_ok "per-run initramfs with scstd and its libraries"; finish; }
start_guest || { not_ok "qemu started"; finish; }
t0=$SECONDS
ready=$(guest_line 300)
case $ready in
READY*) ok "guest booted and scstd exports the devices ($ready, $((SECONDS - t0)) s)" ;;
*) not_ok "guest ready: '${ready:-no answer}'"; show_console; finish ;;
esac

URL=iscsi://$GUEST_IP
check_output "INQUIRY through dev_disk is the device's own (scsi_debug)" 'scsi_debug' \
	iscsi-inq "$URL/$IQN-disk/0"
check_output "INQUIRY through dev_cdrom is qemu's CD-ROM, type 5" 'QEMU CD-ROM|Device Type:5|CD' \
	iscsi-inq "$URL/$IQN-cd/0"

# The whole iscsi-test-cu suite, pinned: a failure or skip not named in
# PT_CU_PINS with its reason, or fewer passes, fails the check.
t1=$SECONDS
RESULTS_DIR=$WORKDIR/cu CU_TIMEOUT=$((PT_TIMEOUT * 2 / 3)) \
	bash "$HERE/../conformance/libiscsi.sh" --url "$URL/$IQN-disk/0" --pins "$PT_CU_PINS" \
	>"$WORKDIR/cu.log" 2>&1 </dev/null
cu=$(grep '^CONFORMANCE ' "$WORKDIR/cu.log" | tail -1)
read -r _ _ cu_p _ cu_f _ cu_s <<<"$cu"
if [ -n "$cu" ] && [ "$cu_f" = 0 ]; then
	ok "iscsi-test-cu over dev_disk, pinned by $(basename "$PT_CU_PINS"): $cu_p passed, $cu_s skipped or failing for the device's reasons ($((SECONDS - t1)) s)"
else
	not_ok "iscsi-test-cu over dev_disk, pinned by $(basename "$PT_CU_PINS"): ${cu:-no summary}"
	grep -E '^# (failed|conformance problem|iscsi-test-cu)' "$WORKDIR/cu.log" | head -40 | sed 's/^/#   /'
fi

if qemu-img convert -f raw -O raw "$URL/$IQN-cd/0" "$WORKDIR/cd.read" 2>"$WORKDIR/qimg.err"; then
	if cmp -n "$(stat -c %s "$WORKDIR/cd.iso")" "$WORKDIR/cd.iso" "$WORKDIR/cd.read"; then
		ok "the CD image read through dev_cdrom is the file byte for byte ($(stat -c %s "$WORKDIR/cd.iso") bytes)"
	else
		not_ok "the CD image read through dev_cdrom is the file byte for byte"
	fi
else
	not_ok "qemu-img reads the dev_cdrom LUN: $(tr '\n' ' ' <"$WORKDIR/qimg.err")"
fi

check "dev_disk_perf: a 1 MiB READ completes (without the device)" \
	qemu-io -f raw -c "read 0 1M" "$URL/$IQN-perf/0"

echo MGMT >&8
mgmt=$(guest_line 60)
case $mgmt in
"MGMT tape="[1-9]*"disk (type 0)"*"dev_tape takes tape devices (type 1)"*" add=0 del=0")
	ok "a disk offered to dev_tape is refused naming the types; dev_disk adds and deletes it at run time" ;;
*) not_ok "mgmt of a spare disk: '${mgmt:-no answer}'" ;;
esac

# dev_tape over scsi_debug's type-1 device.
case $ready in
*tape=none*) skip "dev_tape over scsi_debug: the guest made no type-1 scsi_debug device" ;;
*)
	out=$(printf '%s\n' "cdb 120000002400 36" "cdb 000000000000" "cdb 050000000000 6" \
		"cdb 34000000000000000000 20" "cdb 100000000100" quit |
		SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 60 "$(tool scsi_cdb)" "$URL/$IQN-tape/0" 2>&1)
	note "scsi_debug as a tape through dev_tape: INQUIRY, TUR, READ BLOCK LIMITS, READ POSITION, WRITE FILEMARKS: $(echo $out)"
	# Each line is the device's own answer (a status, its sense), none an
	# error of scstd's (04/xx, LOGICAL UNIT NOT SUPPORTED) or of the
	# transport.  6.12's scsi_debug takes the type-1 device for a disk:
	# READ POSITION (34h) is its PRE-FETCH(10), CONDITION MET.
	if [ "$(printf '%s\n' "$out" | grep -cE '^(GOOD|STATUS 0x|CHECK )')" = 5 ] &&
		! printf '%s\n' "$out" | grep -qE '^CHECK (04/|05/25/)'; then
		ok "dev_tape passes tape commands to scsi_debug's type-1 device and its answers back"
	else
		not_ok "dev_tape over scsi_debug's type-1 device: $(echo $out)"
	fi
	;;
esac

# A device UA reaches every nexus: two nexuses past their login UAs; the
# capacity change is reported by scsi_debug once (SPC-4 2A/09), to the
# first command; scstd establishes it for the other nexus.
nexus_open first "$URL/$IQN-disk/0"
nexus_open second "$URL/$IQN-disk/0"
nexus_say first "cdb 000000000000" >/dev/null
nexus_say second "cdb 000000000000" >/dev/null
echo CAPACITY >&8
cap=$(guest_line 60)
ua1=$(nexus_say first "cdb 000000000000")
ua2=$(nexus_say second "cdb 000000000000")
after=$(nexus_say second "cdb 000000000000"; nexus_say first "cdb 25000000000000000000 8")
nexus_close first
nexus_close second
note "capacity change ($cap): first '$ua1', second '$ua2', then '$(echo $after)'"
[[ $ua1 == "CHECK 06/2a/09"* ]] && ok "the first nexus gets CAPACITY DATA HAS CHANGED from scsi_debug" ||
	not_ok "the first nexus gets 06/2A/09: '$ua1' ($cap)"
[[ $ua2 == "CHECK 06/2a/09"* ]] && ok "the second nexus gets it too, from scstd" ||
	not_ok "the second nexus gets 06/2A/09 from scstd: '$ua2'"
# READ CAPACITY(10): virtual_gb 1 is 2097152 blocks of 512 bytes.
[[ $(echo $after) == "GOOD GOOD 001fffff00000200" ]] &&
	ok "once only, and READ CAPACITY shows the new 1 GiB" ||
	not_ok "after the UA: '$(echo $after)'"

# ABORT TASK of a command that waits in scstd's queue for room in sg's.
echo SLOW >&8
slow=$(guest_line 30)
timeout 300 "$(tool iscsi_abort_queued)" "$GUEST_IP:3260" "$IQN-disk" 0 24 >"$WORKDIR/abort.out" 2>&1
abort_rc=$?
echo FAST >&8
fast=$(guest_line 120)
note "scsi_debug slowed ($slow, then $fast): $(tr '\n' ' ' <"$WORKDIR/abort.out")"
[ "$abort_rc" = 0 ] && ok "ABORT TASK of a READ queued behind 16 in sg is answered before they finish" ||
	not_ok "ABORT TASK of a queued READ (rc $abort_rc): $(tr '\n' ' ' <"$WORKDIR/abort.out")"

# dev_tape over scstd's own VTL (examples/user_tape), reached by the
# guest's kernel initiator: host -> guest scstd (dev_tape) -> guest sg ->
# iscsi_tcp -> host scstd (scst_user, CDB mode) -> user_tape.
EX=$(dirname "$SCSTD")/examples
# LUN 1 of the same target is scstd's own medium changer
# (examples/user_changer), taken by dev_changer the same way.
cat >"$WORKDIR/vtl.conf" <<CONF
HANDLER scst_user {
	DEVICE vtl0 {
		type 1
	}
	DEVICE chg0 {
		type 8
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN-vtl {
		LUN 0 vtl0
		LUN 1 chg0
		enabled 1
	}
}
CONF
printf '1000 PT0001\n1001 PT0002\n' >"$WORKDIR/chg.inv"
vtl=
if start_daemon --config "$WORKDIR/vtl.conf" --listen "$HOST_IP:3260"; then
	"$EX/user_tape" -s "$WORKDIR/user.$DAEMON_SEQ.sock" vtl0 "$WORKDIR/vtl.img" \
		>"$WORKDIR/vtl.out" 2>&1 &
	BG_PIDS+=($!)
	"$EX/user_changer" -s "$WORKDIR/user.$DAEMON_SEQ.sock" -d 1 -n 2 chg0 "$WORKDIR/chg.inv" \
		>"$WORKDIR/chg.out" 2>&1 &
	BG_PIDS+=($!)
	eventually 10 grep -q serving "$WORKDIR/vtl.out"
	eventually 10 grep -q serving "$WORKDIR/chg.out"
	echo "VTL $HOST_IP $IQN-vtl" >&8
	vtl=$(guest_line 180)
fi
case $vtl in
"VTL "*:*" rc=0"*)
	ok "the guest attached the host's VTL and exports it with dev_tape ($vtl)"
	A=$(printf '%0400d' 0 | sed 's/00/a1/g')
	# WRITE(6) variable 200 bytes, WRITE FILEMARKS 1, READ POSITION,
	# REWIND, READ(6) 200, READ(6) at the filemark (SSC-4: NO SENSE,
	# FILEMARK, INFORMATION = the 100 bytes asked).
	out=$(printf '%s\n' "cdb 000000000000" "out 0a000000c800 $A" "cdb 100000000100" \
		"cdb 34000000000000000000 20" "cdb 010000000000" "cdb 08000000c800 200" \
		"cdb 080000006400 100" quit |
		SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 120 "$(tool scsi_cdb)" \
			"$URL/$IQN-vtl-pt/0" 2>&1)
	note "through dev_tape to the VTL: $(echo $out | cut -c1-300)"
	want=$(printf '%s\n' "CHECK 06/29/00 700006000000000a00000000290000000000" "GOOD " "GOOD " \
		"GOOD 0000000000000002000000020000000000000000" "GOOD " "GOOD $A" \
		"CHECK 00/00/01 f00080000000640a00000000000100000000")
	[ "$out" = "$want" ] &&
		ok "through dev_tape: WRITE(6), WRITE FILEMARKS, READ POSITION 2, REWIND, READ(6) the block, FILEMARK at the filemark" ||
		not_ok "through dev_tape to the VTL: $(echo $out | cut -c1-400)"
	;;
*)
	not_ok "the guest attached the host's VTL and exports it with dev_tape: '${vtl:-no answer}'"
	skip "the SSC sequence through dev_tape: no VTL in the guest"
	;;
esac
check_output "the VTL's data reached user_tape's file (200 bytes and a filemark)" '^210$' \
	stat -c %s "$WORKDIR/vtl.img"

# dev_changer over scstd's own changer, the same way: host -> guest scstd
# (dev_changer) -> guest sg -> iscsi_tcp -> host scstd -> user_changer
# (one drive 0100h, slots 1000h PT0001 and 1001h PT0002).  What SMC-3
# gives: the element status data of all types (ALLOCATION LENGTH
# 010000h in bytes 7-9: a decoding of bytes 8-9 alone would ask for none),
# a move slot -> drive with the volume tag and source following, the
# device's ILLEGAL REQUEST senses byte for byte, the move back, and a
# report cut at an allocation length of 16 bytes.
. "$HERE/../smc.sh"
t_chg=$SECONDS
echo "CHANGER $IQN-vtl" >&8
chg=$(guest_line 120)
case $chg in
"CHANGER "*:*" rc=0"*)
	ok "the guest exports the host's changer with dev_changer ($chg)"
	# Two TEST UNIT READYs: the new nexus's power-on UA from the guest's
	# scstd, then the device's own (the host scstd's for the guest
	# kernel's nexus, whose scan sent only INQUIRY and REPORT LUNS),
	# passed back unchanged by dev_changer.
	out=$(printf '%s\n' "cdb 000000000000" "cdb 000000000000" "cdb 070000000000" \
		"$(res 0 0000 ffff 65536)" \
		"$(move 1000 0100)" "$(res 4 0000 ffff 65536)" "$(move 1000 1001)" \
		"$(move 1001 0100)" "$(move 0100 1000)" "$(res 2 0000 ffff 16)" quit |
		SCSI_CDB_SENSE=1 SCSI_CDB_LOGIN_ONLY=1 timeout 120 "$(tool scsi_cdb)" \
			"$URL/$IQN-vtl-chg/0" 2>&1)
	note "through dev_changer to user_changer ($((SECONDS - t_chg)) s): $(echo $out | cut -c1-300)"
	all=$(header 0001 5 $((4 * 8 + 5 * 52)))$(page 1 1)$(desc 0001 $MT_EMPTY)
	all+=$(page 3 1)$(desc 0010 $IE_EMPTY)$(page 4 1)$(desc 0100 $EMPTY)
	all+=$(page 2 2)$(desc 1000 $FULL PT0001)$(desc 1001 $FULL PT0002)
	storage=$(header 1000 2 $((8 + 2 * 52)))$(page 2 2)
	want=$(printf '%s\n' "CHECK 06/29/00 700006000000000a00000000290000000000" \
		"CHECK 06/29/00 700006000000000a00000000290000000000" "GOOD " \
		"GOOD $all" "GOOD " \
		"GOOD $(header 0100 1 $((8 + 52)))$(page 4 1)$(desc 0100 $FULL PT0001 1000)" \
		"CHECK 05/3b/0e 700005000000000a000000003b0e00000000" \
		"CHECK 05/3b/0d 700005000000000a000000003b0d00000000" "GOOD " \
		"GOOD ${storage:0:32}")
	[ "$out" = "$want" ] &&
		ok "through dev_changer: the device's UA, INITIALIZE / READ ELEMENT STATUS, MOVE MEDIUM both ways, 3B/0E and 3B/0D unchanged" ||
		not_ok "through dev_changer to user_changer: $(diff <(echo "$want") <(echo "$out") | cut -c1-300 | tr '\n' ' ')"
	;;
*)
	not_ok "the guest exports the host's changer with dev_changer: '${chg:-no answer}'"
	skip "the SMC sequence through dev_changer: no changer in the guest"
	;;
esac
check_output "the moves reached user_changer's inventory (PT0001 back in 1000h, source 1000h)" \
	'^1000 PT0001 1000$' grep PT0001 "$WORKDIR/chg.inv"

# Hot removal with reads in flight.
( while :; do qemu-io -f raw -c "read 0 4M" "$URL/$IQN-disk/0" >/dev/null 2>&1 || break; done ) &
CU_PID=$!
sleep 2
echo REMOVE >&8
removed=$(guest_line 60)
[ "$removed" = REMOVED ] && ok "guest deleted the dev_disk device under I/O" ||
	not_ok "guest deleted the device: '${removed:-no answer}'"
for _ in $(seq 1 30); do kill -0 "$CU_PID" 2>/dev/null || break; sleep 1; done
kill -KILL "$CU_PID" 2>/dev/null
wait "$CU_PID" 2>/dev/null
CU_PID=
# libiscsi's tools fail the login itself on the LUN's error; its sense
# is in the message.
iscsi-readcapacity16 "$URL/$IQN-disk/0" >"$WORKDIR/gone.out" 2>&1
if grep -q 'ILLEGAL_REQUEST.*LOGICAL_UNIT_NOT_SUPPORTED(0x2500)' "$WORKDIR/gone.out"; then
	ok "the removed device's LUN answers LOGICAL UNIT NOT SUPPORTED (5/25/00)"
else
	not_ok "the removed device's LUN answers LOGICAL UNIT NOT SUPPORTED: $(tr '\n' ' ' <"$WORKDIR/gone.out")"
fi
check_output "the CD LUN still answers after the disk is gone" 'CD|Type' iscsi-inq "$URL/$IQN-cd/0"

check_stop "the host-side scstd of the VTL stops cleanly"
echo QUIT >&8
stopped=$(guest_line 60)
[ "$stopped" = "STOPPED rc=0 log=clean" ] && ok "scstd in the guest stops with exit 0 and a clean log" ||
	{ not_ok "scstd in the guest stops cleanly: '${stopped:-no answer}'"; show_console; }
finish
