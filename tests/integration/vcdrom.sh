#!/usr/bin/env bash
# vcdrom.sh - the vcdrom handler end to end: an ISO image made with
# genisoimage is served as an MMC LUN (type 5, removable, 2048-byte
# blocks) and read back byte for byte (qemu-img and READ(10)); the medium
# is removed and another inserted through devices/NAME/filename on the
# control socket, with TEST UNIT READY answering 02/3A/00 while the drive
# is empty, 06/28/00 once after the insert, then GOOD, on one session;
# PREVENT ALLOW MEDIUM REMOVAL locks both START STOP UNIT and management
# out; writes are refused as WRITE PROTECTED; the MMC queries answer; and
# add_device takes exactly filename, t10_dev_id and usn.
. "$(dirname "$0")/../lib.sh"

plan 67

require_daemon
require_tools scsi_cdb
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
IQN=iqn.2026-11.org.scstd:vcdrom
ISO_A=$WORKDIR/a.iso
ISO_B=$WORKDIR/b.iso

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

fails_with() {  # fails_with ERRNAME CTL-ARGS...
	local want=$1 out
	shift
	if out=$(ctl "$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	echo "$out"
	grep -q "^scstctl: $want " <<<"$out"
}

# Two images of different content and size.
mkdir -p "$WORKDIR/tree-a" "$WORKDIR/tree-b"
head -c 700000 /dev/urandom >"$WORKDIR/tree-a/random.bin"
echo "first disc" >"$WORKDIR/tree-a/README"
head -c 1500000 /dev/urandom >"$WORKDIR/tree-b/other.bin"
if ! genisoimage -quiet -V DISC_A -o "$ISO_A" "$WORKDIR/tree-a" ||
	! genisoimage -quiet -V DISC_B -o "$ISO_B" "$WORKDIR/tree-b"; then
	not_ok "genisoimage makes the test images"
	finish
fi
BLOCKS_A=$(($(stat -c %s "$ISO_A") / 2048))
BLOCKS_B=$(($(stat -c %s "$ISO_B") / 2048))

cat >"$WORKDIR/vcdrom.conf" <<CONF
HANDLER vcdrom {
	DEVICE cd0 {
		filename $ISO_A
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 cd0
	}
}
CONF

start_daemon --config "$WORKDIR/vcdrom.conf" --ctl-socket "$SOCK" ||
	{ not_ok "scstd starts with a vcdrom device"; finish; }
ok "scstd starts with a vcdrom device"
URL=$(url 0 "$IQN")

check_output "INQUIRY: MMC device" 'Peripheral Device Type:MMC' iscsi-inq "$URL"
check_output "INQUIRY: removable" '^Removable:1' iscsi-inq "$URL"
check_output "filename shows the image as [key]" "^$ISO_A\$" ctl read devices/cd0/filename
check_output "type attribute is 5" '^5$' ctl read devices/cd0/type

if command -v qemu-img >/dev/null; then
	check "qemu-img reads the image back" timeout 60 qemu-img convert -f raw -O raw \
		"$URL" "$WORKDIR/qemu.out"
	check "qemu-img copy equals the ISO byte for byte" cmp "$WORKDIR/qemu.out" "$ISO_A"
else
	skip "qemu-img not installed"
	skip "qemu-img not installed: no byte comparison"
fi

# One session for the rest: q CMD prints the tool's answer line.
coproc SESSION { "$(tool scsi_cdb)" "$URL" 2>&1; }
q() {
	local line
	echo "$1" >&"${SESSION[1]}" || return 1
	read -r -t 30 line <&"${SESSION[0]}" || return 1
	echo "$line"
}
answers() {  # answers NAME CMD REGEX: one check on one command's answer
	local out
	out=$(q "$2")
	if grep -Eq -- "$3" <<<"$out"; then
		ok "$1"
	else
		not_ok "$1 (expected /$3/, got '$out')"
	fi
}
hex32() { printf '%08x' "$1"; }

TUR="cdb 000000000000"
READ1="cdb 280000000000000001 2048"
GESN="cdb 4a010000100000000800 8"
PREVENT="cdb 1e0000000100"
ALLOW="cdb 1e0000000000"
EJECT="cdb 1b0000000200"
LOAD="cdb 1b0000000300"

answers "TEST UNIT READY with the medium in" "$TUR" '^GOOD'
answers "READ CAPACITY(10): last LBA and 2048" "cdb 25000000000000000000 8" \
	"^GOOD $(hex32 $((BLOCKS_A - 1)))00000800\$"
answers "READ(10) of the whole medium equals the ISO" "dump $WORKDIR/a.out" "^DUMPED $BLOCKS_A 2048\$"
check "dumped medium equals the ISO byte for byte" cmp "$WORKDIR/a.out" "$ISO_A"
answers "WRITE(10) is WRITE PROTECTED (7/27/00)" "cdb 2a0000000000000000 0" '^CHECK 07/27/00$'
answers "READ TOC: track 1 at LBA 0, lead-out at the capacity" "cdb 43000000000000001400 20" \
	"^GOOD 0012010100140100000000000014aa00$(hex32 "$BLOCKS_A")\$"
answers "READ TOC MSF: track 1 at 00:02:00" "cdb 43020000000000000c00 12" \
	'^GOOD 001201010014010000000200$'
answers "READ TOC format 3 is INVALID FIELD IN CDB" "cdb 43000300000000000c00 12" '^CHECK 05/24/00$'
answers "GET CONFIGURATION: current profile CD-ROM" "cdb 46020000000000000800 8" \
	'^GOOD 0000001000000008$'
answers "READ DISC INFORMATION: finalized disc" "cdb 51000000000000002200 34" '^GOOD 00200e0101010120'
answers "READ TRACK INFORMATION: track 1 spans the medium" "cdb 52010000000100003000 48" \
	"^GOOD 002e010100040100$(printf '0%.0s' $(seq 32))$(hex32 "$BLOCKS_A")$(hex32 $((BLOCKS_A - 1)))"
answers "READ TRACK INFORMATION of track 2 is INVALID FIELD IN CDB" \
	"cdb 52010000000200003000 48" '^CHECK 05/24/00$'
answers "GET EVENT STATUS: media present, no event" "$GESN" '^GOOD 0006041000020000$'
answers "MODE SENSE(10) page 0x2A" "cdb 5a082a00000000002000 32" '^GOOD 001a00900000000 *0*2a12'

# Management takes the medium out and puts another in.
check "writing \"\" to filename removes the medium" ctl write devices/cd0/filename ""
check_output "filename reads empty" '^$' ctl read devices/cd0/filename
answers "TEST UNIT READY while empty: 02/3A/00" "$TUR" '^CHECK 02/3a/00$'
answers "READ(10) while empty: 02/3A/00" "$READ1" '^CHECK 02/3a/00$'
answers "READ CAPACITY while empty: 02/3A/00" "cdb 25000000000000000000 8" '^CHECK 02/3a/00$'
answers "GET EVENT STATUS: media removal event" "$GESN" '^GOOD 0006041003000000$'
answers "GET CONFIGURATION while empty: no current profile" "cdb 46020000000000000800 8" \
	'^GOOD 0000001000000000$'
check "writing a path to filename inserts that image" ctl write devices/cd0/filename "$ISO_B"
check_output "filename shows the new image" "^$ISO_B\$" ctl read devices/cd0/filename
answers "first command after the insert: 06/28/00" "$TUR" '^CHECK 06/28/00$'
answers "the unit attention is reported once" "$TUR" '^GOOD$'
answers "GET EVENT STATUS: new media event" "$GESN" '^GOOD 0006041002020000$'
answers "READ CAPACITY(10) gives the new image's size" "cdb 25000000000000000000 8" \
	"^GOOD $(hex32 $((BLOCKS_B - 1)))00000800\$"
answers "READ(10) of the new medium" "dump $WORKDIR/b.out" "^DUMPED $BLOCKS_B 2048\$"
check "new medium equals its ISO byte for byte" cmp "$WORKDIR/b.out" "$ISO_B"

# PREVENT locks the medium in, for START STOP UNIT and management alike.
answers "PREVENT MEDIUM REMOVAL" "$PREVENT" '^GOOD$'
answers "START STOP UNIT eject while prevented: 05/53/02" "$EJECT" '^CHECK 05/53/02$'
check "management eject while prevented fails with EBUSY" fails_with EBUSY \
	write devices/cd0/filename ""
check_output "the refused eject changed nothing" "^$ISO_B\$" ctl read devices/cd0/filename
answers "the medium is still there" "$TUR" '^GOOD$'
answers "ALLOW MEDIUM REMOVAL" "$ALLOW" '^GOOD$'
answers "START STOP UNIT eject" "$EJECT" '^GOOD$'
answers "TEST UNIT READY with the tray open: 02/3A/00" "$TUR" '^CHECK 02/3a/00$'
answers "MECHANISM STATUS: door open" "cdb bd000000000000000800 8" '^GOOD 0010000000000000$'
answers "START STOP UNIT load" "$LOAD" '^GOOD$'
answers "TEST UNIT READY after the load: GOOD" "$TUR" '^GOOD$'
answers "GET CONFIGURATION RT=3 is INVALID FIELD IN CDB" "cdb 46030000000000000800 8" \
	'^CHECK 05/24/00$'
answers "GET EVENT STATUS asynchronous is INVALID FIELD IN CDB" "cdb 4a000000100000000800 8" \
	'^CHECK 05/24/00$'
q quit >/dev/null
wait "$SESSION_PID" 2>/dev/null

check "a missing image is refused" fails_with ENOENT write devices/cd0/filename /nonexistent.iso
check_output "the refused insert changed nothing" "^$ISO_B\$" ctl read devices/cd0/filename

# add_device: exactly filename, t10_dev_id and usn.
check "add_device an empty drive" ctl write handlers/vcdrom/mgmt add_device cd1 usn=CD1
check_output "its filename is empty" '^$' ctl read devices/cd1/filename
check_output "its usn is the one given" '^CD1$' ctl read devices/cd1/usn
check "add_device with an image and t10_dev_id" \
	ctl write handlers/vcdrom/mgmt add_device cd2 filename="$ISO_A" ";" t10_dev_id=cd-two
check_output "its size comes from the image" "^$((BLOCKS_A * 2048))\$" ctl read devices/cd2/size
for p in blocksize=2048 read_only=1 removable=1 size_mb=1 nv_cache=1; do
	check "add_device refuses '$p'" fails_with EINVAL write handlers/vcdrom/mgmt \
		add_device cd3 filename="$ISO_A" ";" "$p"
done
check_output "the refusal names the parameter" "unknown parameter 'blocksize'" cat "$DAEMON_LOG"
check "no device was created by refused commands" fails_with ENOENT list devices/cd3
check "del_device cd1" ctl write handlers/vcdrom/mgmt del_device cd1
check "del_device cd2" ctl write handlers/vcdrom/mgmt del_device cd2

check_alive "daemon alive after the vcdrom session"
check_stop
finish
