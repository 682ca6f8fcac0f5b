#!/usr/bin/env bash
# scst_local.sh - target driver scst_local end to end: README.scst_local's
# mgmt examples run verbatim on the mount (--mount); the sessions' LUN
# files (--local-mount) carry data that iSCSI reads back byte for byte and
# the reverse, take mkfs.ext4, fio (psync, verified), unaligned I/O and
# fsync (one SYNCHRONIZE CACHE); LUN masking gives two sessions different
# files; read-only LUNs refuse writes; a PR registered through a local
# session with a SAS TransportID shows in READ FULL STATUS over iSCSI;
# scst-local-cmd prints INQUIRY data and the sense of a bad CDB; the
# example user-space driver (examples/toy_target) creates its target and
# sessions through the tree and serves I/O over libscst_local.
. "$(dirname "$0")/../lib.sh"

plan 100

require_daemon
BIN=$(dirname "$SCSTD")
CMD=$BIN/scst-local-cmd
TOY=$BIN/examples/toy_target
PRS=$TOOLS_DIR/local_pr_status
M=$WORKDIR/m
L=$WORKDIR/l
CTL=$WORKDIR/ctl.sock
LSOCK=$WORKDIR/local.sock
IQN=iqn.2026-11.org.scstd:local-test
DRV=$M/targets/scst_local
H=$L/scst_local_host
for b in "$CMD" "$TOY" "$PRS" "$TOOLS_DIR/local_badwire"; do
	[ -x "$b" ] || { not_ok "$b is built"; finish; }
done

mounted() { grep -q " $1 fuse" /proc/mounts; }
unmount_all() {
	local d
	for d in "$M" "$L"; do
		mounted "$d" && fusermount3 -u -z "$d"
	done
	return 0
}
# The mounts must not outlive a failed run.
trap 'unmount_all; lib_cleanup' EXIT

echo_to() { echo "$2" >"$1"; }
stat_value() { sed -n "s/^$1 //p" "$DRV/stats"; }
lcmd() { "$CMD" -s "$LSOCK" "$@"; }

mkdir -p "$M" "$L"
truncate -s 32M "$WORKDIR/disk.img"
truncate -s 64M "$WORKDIR/vm_disk1.img"
truncate -s 8M "$WORKDIR/devA.img"
cat >"$WORKDIR/scst.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 disk
		enabled 1
	}
}
CONF
DAEMON_ARGS=(-c "$WORKDIR/scst.conf" --ctl-socket "$CTL" --mount "$M" --local-mount "$L"
	--local-socket "$LSOCK")

start_daemon "${DAEMON_ARGS[@]}" || { not_ok "scstd starts with --local-mount"; finish; }
check "both trees are mounted" eval 'mounted "$M" && mounted "$L"'
check_output "the log says once that there is no ublk" '^1$' \
	grep -c 'no ublk here' "$DAEMON_LOG"
check "default target scst_local_tgt with session scst_local_host" \
	test -d "$DRV/scst_local_tgt/sessions/scst_local_host"
check_output "scsi_transport_version defaults to SAS" '^0x0be0$' \
	cat "$DRV/scst_local_tgt/scsi_transport_version"
check_output "phys_transport_version defaults to 0" '^0x0000$' \
	cat "$DRV/scst_local_tgt/phys_transport_version"
check_output "stats lists sessions" '^sessions 1$' cat "$DRV/stats"
check_output "host links to the session's LUN directory" "^$(realpath "$L")/scst_local_host\$" \
	readlink "$DRV/scst_local_tgt/sessions/scst_local_host/host"
check_output "transport_id defaults to the iSCSI TransportID of the session name" \
	"^05000010$(printf scst_local_host | od -An -tx1 | tr -d ' \n')00\$" \
	cat "$DRV/scst_local_tgt/sessions/scst_local_host/transport_id"

# README.scst_local steps 2 and 3, on the mount.
check "README: add_device vm_disk1 through handlers/vdisk_fileio/mgmt" \
	echo_to "$M/handlers/vdisk_fileio/mgmt" "add_device vm_disk1 filename=$WORKDIR/vm_disk1.img"
check "README: echo \"add vm_disk1 0\" >.../scst_local_tgt/luns/mgmt" \
	echo_to "$DRV/scst_local_tgt/luns/mgmt" "add vm_disk1 0"
check_output "lun0 appears with the device's size" '^67108864$' stat -c %s "$H/lun0"
check "the iSCSI device becomes LUN 1 of the local session" \
	echo_to "$DRV/scst_local_tgt/luns/mgmt" "add disk 1"

# Raw commands (scst-local-cmd, like sg_raw).
check_output "scst-local-cmd INQUIRY prints vendor and product" \
	'SCST_FIOvm_disk1' sh -c "\"$CMD\" -s \"$LSOCK\" -S scst_local_host -r 96 12 00 00 00 60 00 | cut -c 56- | tr -d '\n '"
check_output "INQUIRY is GOOD with 96-byte allocation" '^status: 0x00 \(GOOD\)' \
	lcmd -S scst_local_host -r 96 12 00 00 00 60 00
inq_versions() {
	lcmd -S scst_local_host -r 96 -o "$WORKDIR/inq.bin" 12 00 00 00 60 00 >/dev/null &&
		od -An -tx1 -j 60 -N 8 "$WORKDIR/inq.bin" | tr -d ' \n'
}
check_output "INQUIRY claims SAS (0be0) as the SCSI transport, no physical one" \
	'^0be0046004c00000$' inq_versions
check "set phys_transport_version 0x1234, scsi_transport_version 0x0960" \
	eval 'echo_to "$DRV/scst_local_tgt/phys_transport_version" 0x1234 &&
	      echo_to "$DRV/scst_local_tgt/scsi_transport_version" 0x0960'
check_output "INQUIRY reports both" '^0960046004c01234$' inq_versions
check "a version above 0xffff is refused" \
	eval '! echo_to "$DRV/scst_local_tgt/scsi_transport_version" 0x10000'
check "back to SAS and none" \
	eval 'echo_to "$DRV/scst_local_tgt/phys_transport_version" 0 &&
	      echo_to "$DRV/scst_local_tgt/scsi_transport_version" 0x0be0'
check_output "a bad opcode gives CHECK CONDITION, INVALID COMMAND OPERATION CODE" \
	'sense key 0x5 asc 0x20 ascq 0x00' sh -c "\"$CMD\" -s \"$LSOCK\" -S scst_local_host -r 16 ff 00 00 00 10 00; test \$? = 3"
check_output "a LUN outside the session gives INQUIRY qualifier 3 (7f)" ' 0000: 7f' \
	lcmd -S scst_local_host -l 9 -r 36 12 00 00 00 24 00
check_output "an unknown session is refused" "no session 'nosuch'" \
	sh -c "\"$CMD\" -s \"$LSOCK\" -S nosuch 00 00 00 00 00 00 2>&1; test \$? = 1"

check "hostile raw socket clients are dropped, good ones still served" \
	"$TOOLS_DIR/local_badwire" "$LSOCK" scst_local_host
check "the daemon is alive" daemon_alive

# Data: LUN file <-> iSCSI, byte for byte, both ways.
head -c 4M /dev/urandom >"$WORKDIR/w1.bin"
head -c 4M /dev/urandom >"$WORKDIR/w2.bin"
check "dd 4 MiB into the LUN file (fsync)" \
	dd if="$WORKDIR/w1.bin" of="$H/lun1" bs=1M conv=fsync
check "qemu-img reads them over iSCSI" \
	timeout 60 qemu-img convert -f raw -O raw "$(url 0 $IQN)" "$WORKDIR/r1.raw"
check "iSCSI sees the LUN file's bytes" cmp -n 4194304 "$WORKDIR/w1.bin" "$WORKDIR/r1.raw"
check "qemu-img writes 4 MiB over iSCSI" \
	timeout 60 qemu-img convert -n -f raw -O raw "$WORKDIR/w2.bin" "$(url 0 $IQN)"
check "the LUN file reads iSCSI's bytes" cmp -n 4194304 "$WORKDIR/w2.bin" "$H/lun1"

# Unaligned transfers are read-modify-write of whole blocks.
check "an unaligned 5-byte write" \
	sh -c "printf hello | dd of=\"$H/lun0\" bs=1 seek=1001 conv=notrunc"
check_output "reads back at the same offset" '^hello$' \
	sh -c "dd if=\"$H/lun0\" bs=1 skip=1001 count=5 2>/dev/null; echo"
check "the bytes around it are untouched (zero)" \
	sh -c "test \"\$(dd if=\"$H/lun0\" bs=1 skip=990 count=11 2>/dev/null | od -An -tx1 | tr -d ' \n')\" = 0000000000000000000000"

# fsync is exactly one command (SYNCHRONIZE CACHE), and a good one.
c0=$(stat_value commands)
e0=$(stat_value errors)
check "fsync of the LUN file" dd if=/dev/null of="$H/lun0" conv=notrunc,fsync
check_output "it was one command" "^$((c0 + 1)) $e0\$" \
	sh -c "echo \$(sed -n 's/^commands //p' \"$DRV/stats\") \$(sed -n 's/^errors //p' \"$DRV/stats\")"

check "mkfs.ext4 on the LUN file" mkfs.ext4 -q -F "$H/lun0"
check "fsck.ext4 finds it clean" fsck.ext4 -n -f "$H/lun0"
check "fio psync random writes verified by reads" \
	timeout 120 fio --name=local --filename="$H/lun0" --ioengine=psync --rw=randwrite \
	--bs=4k --size=8M --io_size=4M --verify=crc32c --do_verify=1 --fallocate=none \
	--randrepeat=0 --verify_state_save=0 --output="$WORKDIR/fio.out"

# Read-only LUNs.
check "add vm_disk1 2 read_only=1" echo_to "$DRV/scst_local_tgt/luns/mgmt" "add vm_disk1 2 read_only=1"
check_output "writing the read-only LUN file fails with EROFS" 'Read-only file system' \
	sh -c "dd if=/dev/zero of=\"$H/lun2\" bs=4k count=1 conv=notrunc 2>&1; true"
check "reading it works" dd if="$H/lun2" of=/dev/null bs=64k count=4

# PR through a local session with a SAS TransportID, seen over iSCSI.
SAS_TID=060000005000c50012345678000000000000000000000000
check "add_session scst_local_tgt prhost" echo_to "$DRV/mgmt" "add_session scst_local_tgt prhost"
check "set its transport_id (SAS)" \
	echo_to "$DRV/scst_local_tgt/sessions/prhost/transport_id" "$SAS_TID"
check_output "transport_id reads back" "^$SAS_TID\$" \
	cat "$DRV/scst_local_tgt/sessions/prhost/transport_id"
check "a malformed transport_id is refused" \
	eval '! echo_to "$DRV/scst_local_tgt/sessions/prhost/transport_id" 0600'
check_output "and changes nothing" "^$SAS_TID\$" \
	cat "$DRV/scst_local_tgt/sessions/prhost/transport_id"
printf '\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x12\x34\0\0\0\0\0\0\0\0' >"$WORKDIR/reg.bin"
lcmd -S prhost -l 1 00 00 00 00 00 00 >/dev/null 2>&1   # takes the POWER ON UA
check_output "PR OUT REGISTER 0x1234 through the local session" '^status: 0x00' \
	lcmd -S prhost -l 1 -i "$WORKDIR/reg.bin" 5f 00 00 00 00 00 00 00 18 00
check_output "READ FULL STATUS over iSCSI shows the key with the SAS TransportID" \
	"^key 0x0000000000001234 holder 0 type 0 rtpi [0-9]+ tid $SAS_TID\$" \
	timeout 30 "$PRS" "$(url 0 $IQN)" iqn.2026-11.org.scstd:local-pr-reader
printf '\0\0\0\0\0\0\x12\x34\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' >"$WORKDIR/unreg.bin"
check_output "and the local session unregisters again" '^status: 0x00' \
	lcmd -S prhost -l 1 -i "$WORKDIR/unreg.bin" 5f 00 00 00 00 00 00 00 18 00

# LUN masking: sessions hostA (in group grpA: devA) and hostB (default set).
check "add_device devA" echo_to "$M/handlers/vdisk_fileio/mgmt" "add_device devA filename=$WORKDIR/devA.img"
check "create ini_group grpA" echo_to "$DRV/scst_local_tgt/ini_groups/mgmt" "create grpA"
check "hostA belongs to grpA" echo_to "$DRV/scst_local_tgt/ini_groups/grpA/initiators/mgmt" "add hostA"
check "grpA's LUN 0 is devA" echo_to "$DRV/scst_local_tgt/ini_groups/grpA/luns/mgmt" "add devA 0"
check "add_session hostA" echo_to "$DRV/mgmt" "add_session scst_local_tgt hostA"
check "add_session hostB" echo_to "$DRV/mgmt" "add_session scst_local_tgt hostB"
check_output "hostA sees only devA (8 MiB)" '^lun0 8388608$' \
	sh -c "cd \"$L/hostA\" && for f in *; do echo \$f \$(stat -c %s \$f); done"
check_output "hostB sees the default LUNs" '^lun0 lun1 lun2$' sh -c "echo \$(ls \"$L/hostB\")"
head -c 1M /dev/urandom >"$WORKDIR/a.bin"
head -c 1M /dev/urandom >"$WORKDIR/b.bin"
check "write through hostA/lun0" dd if="$WORKDIR/a.bin" of="$L/hostA/lun0" bs=64k conv=notrunc,fsync
check "write through hostB/lun0" dd if="$WORKDIR/b.bin" of="$L/hostB/lun0" bs=64k conv=notrunc,fsync
check "hostA's data landed in devA" cmp -n 1048576 "$WORKDIR/a.bin" "$WORKDIR/devA.img"
check "hostB's data landed in vm_disk1" cmp -n 1048576 "$WORKDIR/b.bin" "$WORKDIR/vm_disk1.img"
check "the two lun0 files differ" eval '! cmp -s -n 1048576 "$L/hostA/lun0" "$L/hostB/lun0"'

# Session and target management, refused forms change nothing.
check "add_session of an existing name is refused" \
	eval '! echo_to "$DRV/mgmt" "add_session scst_local_tgt hostA"'
check "add_session to a missing target is refused" \
	eval '! echo_to "$DRV/mgmt" "add_session nosuch h9"'
check "an unknown add_target parameter is refused" \
	eval '! echo_to "$DRV/mgmt" "add_target t9 color=red"'
check "which created nothing" test ! -e "$DRV/t9"
check "del_session hostB" echo_to "$DRV/mgmt" "del_session scst_local_tgt hostB"
check "its directory is gone" test ! -e "$L/hostB"
check "add_target with two session_name= parameters" \
	echo_to "$DRV/mgmt" "add_target t2 session_name=s1; session_name=s2;"
check_output "both sessions exist" '^s1 s2$' sh -c "echo \$(ls \"$DRV/t2/sessions\")"
check "del_target ends its sessions" echo_to "$DRV/mgmt" "del_target t2"
check "s1 and s2 are gone" eval 'test ! -e "$L/s1" && test ! -e "$L/s2"'

# The example user-space target driver (README.scst_local steps 1-6).
bg_start "$TOY" serve "$CTL" "$LSOCK" "$WORKDIR/toy.sock" toy_tgt >"$WORKDIR/toy.log" 2>&1
for i in $(seq 1 50); do [ -S "$WORKDIR/toy.sock" ] && break; sleep 0.1; done
check "toy_target created its target" test -d "$DRV/toy_tgt"
check "the admin gives it a LUN" echo_to "$DRV/toy_tgt/luns/mgmt" "add vm_disk1 0"
TOY_TID=05000014$(printf iqn.toy:ini1 | od -An -tx1 | tr -d ' \n')0000000000000000
"$TOY" send "$WORKDIR/toy.sock" "LOGIN iqn.toy:ini1 $TOY_TID" \
	"CMD 0 120000006000 96" "CMD 0 000000000000 0" "CMD 0 000000000000 0" \
	"CMD 0 2a00000000100000010000 0 $(head -c 512 "$WORKDIR/a.bin" | od -An -tx1 | tr -d ' \n')" \
	"CMD 0 28000000001000000100 512" "CMD 0 ff00 0" "BYE" >"$WORKDIR/toy.out" 2>&1
check_output "toy LOGIN is accepted" '^OK$' sed -n 1p "$WORKDIR/toy.out"
check_output "toy INQUIRY returns the device" "^RES 00 - .*$(printf vm_disk1 | od -An -tx1 | tr -d ' \n')" \
	sed -n 2p "$WORKDIR/toy.out"
check_output "toy TEST UNIT READY first reports the POWER ON UA" '^RES 02 70000600000000..0000000029' \
	sed -n 3p "$WORKDIR/toy.out"
check_output "then is GOOD" '^RES 00 - -$' sed -n 4p "$WORKDIR/toy.out"
check_output "toy WRITE(10) is GOOD" '^RES 00 - -$' sed -n 5p "$WORKDIR/toy.out"
check_output "toy READ(10) returns the written block" \
	"^RES 00 - $(head -c 512 "$WORKDIR/a.bin" | od -An -tx1 | tr -d ' \n')\$" sed -n 6p "$WORKDIR/toy.out"
check_output "toy bad opcode gives ILLEGAL REQUEST" '^RES 02 70000500' sed -n 7p "$WORKDIR/toy.out"
check "toy logout deleted its session" test ! -e "$DRV/toy_tgt/sessions/iqn.toy:ini1"
kill -TERM "${BG_PIDS[-1]}" 2>/dev/null
wait "${BG_PIDS[-1]}" 2>/dev/null
check "toy_target deleted its target on SIGTERM" test ! -e "$DRV/toy_tgt"

check_stop
check "both mounts are gone after exit" eval '! mounted "$M" && ! mounted "$L"'
unmount_all

# README.scst_local "More advanced examples": no default target.
start_daemon "${DAEMON_ARGS[@]}" --local-add-default-tgt 0 ||
	{ not_ok "scstd starts with --local-add-default-tgt 0"; finish; }
check "no default target" test ! -e "$DRV/scst_local_tgt"
check "add_device vm_disk1 again" \
	echo_to "$M/handlers/vdisk_fileio/mgmt" "add_device vm_disk1 filename=$WORKDIR/vm_disk1.img"
check "README: add_target scst_local_tgt session_name=scst_local_host >targets/scst_local//mgmt" \
	sh -c "echo \"add_target scst_local_tgt session_name=scst_local_host\" >$M/targets/scst_local//mgmt"
check "README: add vm_disk1 0 >.../luns/mgmt" \
	sh -c "echo \"add vm_disk1 0\" >$M/targets/scst_local/scst_local_tgt/luns/mgmt"
check "hostB's data is still there, now through scst_local_host" \
	cmp -n 8192 "$WORKDIR/b.bin" "$H/lun0"
check "and so is the block toy_target wrote at LBA 16" \
	cmp -n 512 "$WORKDIR/a.bin" "$H/lun0" 0 8192
check_stop
check "both mounts are gone after exit" eval '! mounted "$M" && ! mounted "$L"'

# README.scst_local's second scst.conf (session_name), given to scstd -c.
cat >"$WORKDIR/readme.conf" <<CONF
HANDLER vdisk_fileio {
        DEVICE vm_disk1 {
        	filename $WORKDIR/vm_disk1.img
        }
}

TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		session_name scst_local_host

		LUN 0 vm_disk1
	}
}
CONF
start_daemon -c "$WORKDIR/readme.conf" --local-add-default-tgt 0 --ctl-socket none \
	--local-mount "$L" --local-socket "$LSOCK" ||
	{ not_ok "scstd starts with README.scst_local's config"; finish; }
check_output "README config: scst_local_host has lun0 (64 MiB)" '^67108864$' stat -c %s "$H/lun0"
check "README config: the data is there" cmp -n 8192 "$WORKDIR/b.bin" "$H/lun0"
check_stop
check "the mount is gone after exit" eval '! mounted "$L"'

# README.scst_local's first scst.conf (LUN of the default target).
sed '/session_name/d' "$WORKDIR/readme.conf" >"$WORKDIR/readme0.conf"
start_daemon -c "$WORKDIR/readme0.conf" --ctl-socket none --local-mount "$L" \
	--local-socket "$LSOCK" ||
	{ not_ok "scstd starts with README.scst_local's first config"; finish; }
check "README first config: the default session gets the configured LUN 0" \
	cmp -n 8192 "$WORKDIR/b.bin" "$H/lun0"
check_stop
check "the mount is gone after exit" eval '! mounted "$L"'

# --local-ublk is asked for explicitly: without ublk the daemon refuses to
# start and names the missing module (the block devices themselves are
# tested in a guest with ublk_drv, tests/vm group ublk).
if [ ! -e /dev/ublk-control ]; then
	check_output "--local-ublk without /dev/ublk-control: scstd exits 1 naming ublk_drv" \
		'ublk-control.*ublk_drv.*exit=1' bash -c \
		"timeout 20 '$SCSTD' --foreground --listen 127.0.0.1:$(pick_port) --var-dir '$WORKDIR/var' --pr-dir '$WORKDIR/var/pr' --ctl-socket none --local-socket none --local-ublk 2>&1 | tr '\n' ' '; echo exit=\${PIPESTATUS[0]}"
else
	skip "this machine has /dev/ublk-control: the refusal without it cannot be shown"
fi
finish
