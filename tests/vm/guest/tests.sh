#!/bin/sh
# tests.sh - the Linux-initiator checks, run inside the guest (busybox sh)
# against scstd on the host.  Every check is one "RESULT PASS|FAIL name"
# line on ttyS1 (the host turns it into one TAP line); "RESULT INFO text"
# carries a failure's output or a measurement; "HOST action" asks the host
# to act (restart scstd, add a LUN, drop a portal) and waits for
# "DONE status".  The groups run in the order of $VM_TESTS (from /vm/env).
. /vm/env
CTL=/dev/ttyS1
stty -F "$CTL" raw -echo 115200
exec 3<>"$CTL"

say()  { echo "$*" >&3; echo "$*"; }
pass() { say "RESULT PASS $*"; }
fail() { say "RESULT FAIL $*"; }
info() { say "RESULT INFO $*"; }
show_last() { tail -n 15 /tmp/last.out | while IFS= read -r l; do info "  $l"; done; }

# check NAME CMD...: one result from CMD's exit status.
check() {
	name=$1
	shift
	if "$@" >/tmp/last.out 2>&1; then
		pass "$name"
	else
		fail "$name"
		show_last
	fi
}

# host ACTION ARGS...: the host does ACTION; its exit status is ours.
host() {
	say "HOST $*"
	read -r word rc <&3
	[ "$word" = DONE ] || { info "host answered '$word $rc' to $*"; return 1; }
	return "$rc"
}

# ---- iSCSI helpers --------------------------------------------------------

P0=$TARGET_IP0:3260
P1=$TARGET_IP1:3260

node_set() {  # node_set IQN PORTAL NAME VALUE
	iscsiadm -m node -T "$1" -p "$2" -o update -n "$3" -v "$4"
}
login()  { iscsiadm -m node -T "$1" -p "$2" --login; }
logout() { iscsiadm -m node -T "$1" -p "$2" --logout; }
logout_all() { iscsiadm -m node --logoutall=all >/dev/null 2>&1; udevadm settle; return 0; }

# session_of IQN [PORTAL-IP]: the sysfs directory of its session.
session_of() {
	for s in /sys/class/iscsi_session/session*; do
		[ -e "$s/targetname" ] || continue
		[ "$(cat "$s/targetname")" = "$1" ] || continue
		if [ -n "$2" ]; then
			c=$(ls -d "$s"/device/connection*/iscsi_connection/connection* 2>/dev/null | head -1)
			[ "$(cat "$c/persistent_address" 2>/dev/null)" = "$2" ] || continue
		fi
		echo "$s"
		return 0
	done
	return 1
}

# lun_dev IQN LUN [PORTAL-IP]: /dev/sdX of that LUN, waiting up to 20 s.
lun_dev() {
	i=0
	while [ $i -lt 100 ]; do
		s=$(session_of "$1" "$3") && for b in "$s"/device/target*/*:"$2"/block/*; do
			[ -e "$b" ] && [ -b "/dev/${b##*/}" ] && { echo "/dev/${b##*/}"; return 0; }
		done
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

no_session() { ! session_of "$1" >/dev/null; }

# need_nodes: node records from SendTargets, for a group run on its own.
need_nodes() {
	iscsiadm -m node 2>/dev/null | grep -q " $MP\$" ||
		iscsiadm -m discovery -t sendtargets -p "$P0" >/dev/null 2>&1
}

# ---- groups -----------------------------------------------------------------

test_discovery() {
	check "discovery: sendtargets on portal 1 answers" \
		sh -c "iscsiadm -m discovery -t sendtargets -p $P0 >/tmp/disc.out 2>&1; rc=\$?; cat /tmp/disc.out; exit \$rc"
	cp /tmp/disc.out /tmp/last.out
	for t in "$PLAIN" "$CHAP" "$MP"; do
		if grep -q "^$P0,[0-9]* $t\$" /tmp/disc.out; then pass "discovery: lists $t at $P0"
		else fail "discovery: lists $t at $P0"; show_last; fi
	done
	if grep -q "^$P1,[0-9]* $MP\$" /tmp/disc.out; then pass "discovery: lists the second portal $P1 too"
	else fail "discovery: lists the second portal $P1 too"; show_last; fi
}

test_login() {
	need_nodes
	check "login without CHAP to $PLAIN" login "$PLAIN" "$P0"
	check "LUN 0 (fileio) appears as a disk" lun_dev "$PLAIN" 0
	check "LUN 1 (fileio) appears as a disk" lun_dev "$PLAIN" 1
	check "LUN 2 (nullio) appears as a disk" lun_dev "$PLAIN" 2
}

test_sg() {
	d=$(lun_dev "$PLAIN" 0) || { fail "sg: LUN 0 present"; return; }
	check "sg_inq: a direct-access device of vendor SCST_FIO" \
		sh -c "sg_inq $d | grep -q 'Peripheral device type: disk' && sg_inq $d | grep -q 'Vendor identification: SCST_FIO'"
	check "sg_vpd: the device identification page has an NAA designator" \
		sh -c "sg_vpd -p di $d | grep -q 'NAA'"
	check "sg_vpd: the block limits page is there" sg_vpd -p bl "$d"
	check "sg_readcap: $FS_MIB MiB in 512-byte blocks" \
		sh -c "sg_readcap $d | grep -q 'Last LBA=$((FS_MIB * 2048 - 1)) ' && sg_readcap $d | grep -q 'Logical block length=512 bytes'"
	check "sg_luns: REPORT LUNS lists LUNs 0, 1 and 2" \
		sh -c "sg_luns $d | grep -c '^    000[012]' | grep -qx 3"
	check "sg_persist: REGISTER a key" sg_persist --out --register --param-sark=0xabc123 "$d"
	check "sg_persist: READ KEYS shows it" sh -c "sg_persist --in --read-keys $d | grep -q 0xabc123"
	check "sg_persist: RESERVE write exclusive" sg_persist --out --reserve --param-rk=0xabc123 --prout-type=1 "$d"
	check "sg_persist: READ RESERVATION shows it" \
		sh -c "sg_persist --in --read-reservation $d | grep -q 'Write Exclusive'"
	check "sg_persist: RELEASE and unregister" sh -c \
		"sg_persist --out --release --param-rk=0xabc123 --prout-type=1 $d && sg_persist --out --register --param-rk=0xabc123 --param-sark=0 $d && ! sg_persist --in --read-keys $d | grep -q 0xabc123"
	# A thin LUN with LBPRZ reads zeros where UNMAP deallocated.
	check "sg_vpd: logical block provisioning page has LBPU=1 and LBPRZ=1" \
		sh -c "sg_vpd -p lbpv $d >/tmp/o; sg_readcap -l $d >>/tmp/o; cat /tmp/o; grep -q 'Unmap command supported (LBPU): 1' /tmp/o && grep -qi 'lbprz=1' /tmp/o"
	dd if=/dev/urandom of=/tmp/blk bs=1M count=1 2>/dev/null
	dd if=/tmp/blk of="$d" bs=1M seek=8 count=1 oflag=direct 2>/dev/null
	check "sg_unmap of 1 MiB written just before" sg_unmap --lba=16384 --num=2048 "$d"
	check "the unmapped range reads back as zeros" \
		sh -c "dd if=$d bs=1M skip=8 count=1 iflag=direct 2>/dev/null | cmp - /dev/zero 2>&1 | grep -q EOF"
}

FS_FILES=20
FS_FILE_MIB=$((FS_DATA_MIB / FS_FILES))

write_files() {  # FS_FILES random files in /mnt/fs, their sums in /tmp/fs.md5
	i=0
	while [ $i -lt "$FS_FILES" ]; do
		dd if=/dev/urandom of=/mnt/fs/f$i bs=1M count="$FS_FILE_MIB" 2>/dev/null || return 1
		i=$((i + 1))
	done
	(cd /mnt/fs && md5sum f*) >/tmp/fs.md5 && sync
}

test_ext4() {
	d=$(lun_dev "$PLAIN" 0) || { fail "ext4: LUN 0 present"; return; }
	check "mkfs.ext4 on LUN 0" mkfs.ext4 -q -F "$d"
	mkdir -p /mnt/fs
	check "mount ext4" mount -t ext4 "$d" /mnt/fs || return
	t0=$(date +%s)
	check "write $FS_DATA_MIB MiB in $FS_FILES checksummed files" write_files
	info "ext4: $FS_DATA_MIB MiB written and synced in $(( $(date +%s) - t0 )) s (emulated CPU)"
	check "umount" umount /mnt/fs
	check "e2fsck -f finds a clean file system" e2fsck -f -n "$d"
	check "remount" mount -t ext4 "$d" /mnt/fs
	check "every file's checksum matches after the remount" sh -c "cd /mnt/fs && md5sum -c /tmp/fs.md5"
	umount /mnt/fs
}

# fio_run NAME OUT FIO-ARGS...: runs fio; its bandwidth lines become INFO.
fio_run() {
	name=$1 out=$2
	shift 2
	fio --name="$name" --ioengine=libaio --direct=1 "$@" >"$out" 2>&1
	rc=$?
	grep -E '^ *(READ|WRITE): bw=' "$out" | while read -r l; do info "fio $name (emulated CPU): $l"; done
	cp "$out" /tmp/last.out
	[ $rc -eq 0 ] && ! grep -qiE 'verify: bad|crc32c.*(bad|wanted)|err= *[1-9]' "$out"
}

test_fio() {
	d=$(lun_dev "$PLAIN" 1) || { fail "fio: LUN 1 present"; return; }
	if fio_run verify /tmp/fio.out --filename="$d" --rw=randwrite --bs=4k-64k \
		--size="${FIO_MIB}M" --iodepth=16 --verify=crc32c --verify_fatal=1; then
		pass "fio randwrite ${FIO_MIB} MiB with verify=crc32c on the fileio LUN"
	else
		fail "fio randwrite ${FIO_MIB} MiB with verify=crc32c on the fileio LUN"; show_last
	fi
	n=$(lun_dev "$PLAIN" 2) || { fail "fio: LUN 2 present"; return; }
	if fio_run nullio /tmp/fio2.out --filename="$n" --rw=randrw --bs=64k --iodepth=16 \
		--time_based --runtime=10 --size=512M; then
		pass "fio randrw 10 s on the nullio LUN (no verify: nullio discards data)"
	else
		fail "fio randrw 10 s on the nullio LUN (no verify: nullio discards data)"; show_last
	fi
}

test_relogin() {
	check "logout of $PLAIN" logout "$PLAIN" "$P0"
	check "no session and no disk left after logout" no_session "$PLAIN"
	check "login again" login "$PLAIN" "$P0"
	d=$(lun_dev "$PLAIN" 0)
	mkdir -p /mnt/fs
	check "the ext4 files verify over the new session" \
		sh -c "mount -t ext4 $d /mnt/fs && cd /mnt/fs && md5sum -c /tmp/fs.md5 && cd / && umount /mnt/fs"
}

# restart_mid_fio SIGNAL: fio writes (rate-limited so that the write phase
# spans the restart) while the host stops scstd with SIGNAL and starts it
# again; the session recovers within the replacement timeout and fio's
# verify pass finds every block.
restart_mid_fio() {
	sig=$1
	d=$(lun_dev "$PLAIN" 1) || { fail "$sig: LUN 1 present"; return; }
	fio --name=restart --ioengine=libaio --direct=1 --filename="$d" --rw=write --bs=64k \
		--size="${RESTART_FIO_MIB}M" --iodepth=4 --rate=3m --verify=crc32c --verify_fatal=1 \
		>/tmp/fio.$sig.out 2>&1 &
	fpid=$!
	sleep 4
	check "scstd $sig mid-fio and started again by the host" host restart "$sig"
	wait $fpid
	rc=$?
	cp /tmp/fio.$sig.out /tmp/last.out
	if [ $rc -eq 0 ] && ! grep -qiE 'verify: bad|err= *[1-9]' /tmp/last.out; then
		pass "after $sig the initiator recovered and fio's crc32c verify passed"
	else
		fail "after $sig the initiator recovered and fio's crc32c verify passed (fio rc $rc)"; show_last
	fi
	check "after $sig the session is logged in again" \
		sh -c "iscsiadm -m session -P1 | grep -A20 '$PLAIN' | grep -q 'iSCSI Session State: LOGGED_IN'"
}

test_restart() {
	restart_mid_fio TERM
	restart_mid_fio KILL
}

test_hotplug() {
	d=$(lun_dev "$PLAIN" 0) || { fail "hotplug: LUN 0 present"; return; }
	dmesg -c >/dev/null
	check "host adds LUN 5 at run time" host lun-add 5
	sg_turs "$d" >/dev/null 2>&1
	sg_turs "$d" >/dev/null 2>&1
	check "the kernel saw REPORTED LUNS DATA HAS CHANGED" \
		sh -c "dmesg | grep -q 'LUN assignments on this target have changed'"
	check "a session rescan succeeds" iscsiadm -m session -R
	check "LUN 5 is a disk after the rescan" lun_dev "$PLAIN" 5
	h=$(lun_dev "$PLAIN" 5)
	check "LUN 5 reads its 8 MiB" dd if="$h" of=/dev/null bs=1M count=8 iflag=direct
	dmesg -c >/dev/null
	check "host removes LUN 5 at run time" host lun-del 5
	sg_turs "$d" >/dev/null 2>&1
	sg_turs "$d" >/dev/null 2>&1
	check "the kernel saw REPORTED LUNS DATA HAS CHANGED again" \
		sh -c "dmesg | grep -q 'LUN assignments on this target have changed'"
	check "REPORT LUNS no longer lists LUN 5" sh -c "sg_luns $d | grep -q '^    0000' && ! sg_luns $d | grep -q '^    0005'"
	check "the removed LUN answers LOGICAL UNIT NOT SUPPORTED" \
		sh -c "sg_turs -v $h 2>&1 | grep -qi 'not supported'"
	check "the host drops the removed LUN's disk" sh -c "echo 1 > /sys/block/${h##*/}/device/delete && ! [ -e /sys/block/${h##*/} ]"
}

# chap_login NAME USER SECRET [TUSER TSECRET [ALG]]: configure the CHAP node
# and try a login; the caller decides what the result must be.
chap_login() {
	logout "$CHAP" "$P0" >/dev/null 2>&1
	node_set "$CHAP" "$P0" node.session.auth.authmethod CHAP
	node_set "$CHAP" "$P0" node.session.auth.username "$1"
	node_set "$CHAP" "$P0" node.session.auth.password "$2"
	node_set "$CHAP" "$P0" node.session.auth.username_in "${3:-}"
	node_set "$CHAP" "$P0" node.session.auth.password_in "${4:-}"
	node_set "$CHAP" "$P0" node.session.auth.chap_algs "${5:-MD5}"
	login "$CHAP" "$P0"
}
# refused LOGIN-CMD...: the target refuses the login: iscsiadm's status
# 24, ISCSI_ERR_LOGIN_AUTH_FAILED (not merely any failure: a missing node
# record fails too).  refused_by_initiator: open-iscsi itself ends the
# login (the target failed mutual CHAP): status 19, ISCSI_ERR_FATAL_LOGIN.
refused_with() {
	want=$1
	shift
	"$@"
	rc=$?
	echo "login exit status $rc, expected $want"
	[ "$rc" -eq "$want" ]
}
refused() { refused_with 24 "$@"; }
refused_by_initiator() { refused_with 19 "$@"; }
chap_lun_reads() { d=$(lun_dev "$CHAP" 0) && dd if="$d" of=/dev/null bs=64k count=16 iflag=direct; }

test_chap() {
	need_nodes
	node_set "$CHAP" "$P0" node.conn[0].timeo.login_timeout 5
	node_set "$CHAP" "$P0" node.session.initial_login_retry_max 1
	logout "$CHAP" "$P0" >/dev/null 2>&1
	node_set "$CHAP" "$P0" node.session.auth.authmethod None
	check "CHAP target refuses a login without CHAP" refused login "$CHAP" "$P0"
	check "one-way CHAP: wrong secret refused" refused chap_login "$CHAP_USER" "wrong$CHAP_SECRET"
	check "one-way CHAP: unknown user refused" refused chap_login "nobody" "$CHAP_SECRET"
	check "one-way CHAP: right secret logs in" chap_login "$CHAP_USER" "$CHAP_SECRET"
	check "one-way CHAP: the LUN reads" chap_lun_reads
	check "mutual CHAP: logs in and the target proves its secret" \
		chap_login "$CHAP_USER" "$CHAP_SECRET" "$CHAP_TUSER" "$CHAP_TSECRET"
	check "mutual CHAP: the LUN reads" chap_lun_reads
	check "mutual CHAP: a target secret the initiator does not expect is refused" \
		refused_by_initiator chap_login "$CHAP_USER" "$CHAP_SECRET" "$CHAP_TUSER" "wrong$CHAP_TSECRET"
	for a in MD5:5 SHA1:6 SHA256:7 SHA3-256:8; do
		alg=${a%:*} num=${a#*:}
		check "chap_algs=$alg: logs in (mutual)" \
			chap_login "$CHAP_USER" "$CHAP_SECRET" "$CHAP_TUSER" "$CHAP_TSECRET" "$alg"
		check "chap_algs=$alg: scstd logged CHAP_A=$num (IANA)" host log-has "authenticated with CHAP_A=$num"
		check "chap_algs=$alg: the LUN reads" chap_lun_reads
		check "chap_algs=$alg: wrong secret refused" \
			refused chap_login "$CHAP_USER" "wrong$CHAP_SECRET" "" "" "$alg"
	done
	logout "$CHAP" "$P0" >/dev/null 2>&1
}

test_digests() {
	need_nodes
	logout "$PLAIN" "$P0" >/dev/null 2>&1
	node_set "$PLAIN" "$P0" node.conn[0].iscsi.HeaderDigest CRC32C
	node_set "$PLAIN" "$P0" node.conn[0].iscsi.DataDigest CRC32C
	check "login with CRC32C header and data digests" login "$PLAIN" "$P0"
	check "both digests negotiated as CRC32C" sh -c \
		"iscsiadm -m session -P2 | grep -q 'HeaderDigest: CRC32C' && iscsiadm -m session -P2 | grep -q 'DataDigest: CRC32C'"
	d=$(lun_dev "$PLAIN" 1)
	if fio_run digest /tmp/fio3.out --filename="$d" --rw=randwrite --bs=4k-128k \
		--size="${DIGEST_FIO_MIB}M" --iodepth=8 --verify=crc32c --verify_fatal=1; then
		pass "fio ${DIGEST_FIO_MIB} MiB with verify=crc32c over digests"
	else
		fail "fio ${DIGEST_FIO_MIB} MiB with verify=crc32c over digests"; show_last
	fi
	logout "$PLAIN" "$P0" >/dev/null 2>&1
	node_set "$PLAIN" "$P0" node.conn[0].iscsi.HeaderDigest None
	node_set "$PLAIN" "$P0" node.conn[0].iscsi.DataDigest None
	login "$PLAIN" "$P0" >/dev/null 2>&1
}

# write_multipath_conf [VENDOR]: multipathd's settings for the groups
# that build a map (short polling, queueing through a short outage); with
# VENDOR, that vendor's LUs are grouped by ALUA priority (scsi_dh_alua).
write_multipath_conf() {
	{
		printf 'defaults {\n\tuser_friendly_names no\n\tfind_multipaths no\n'
		printf '\tpolling_interval 2\n\tno_path_retry 12\n}\n'
		[ -n "${1:-}" ] || return 0
		printf 'devices {\n\tdevice {\n\t\tvendor "%s"\n\t\tproduct ".*"\n' "$1"
		printf '\t\tpath_grouping_policy group_by_prio\n\t\tprio alua\n'
		printf '\t\thardware_handler "1 alua"\n\t\tfailback immediate\n'
		printf '\t\tpath_checker tur\n\t}\n}\n'
	} >/etc/multipath.conf
}

mp_paths() {  # mp_paths: active ready paths of the one multipath map
	multipath -ll 2>/dev/null | grep -cE 'active ready +running'
}
wait_paths() {  # wait_paths N SECONDS
	i=0
	while [ $i -lt "$2" ]; do
		[ "$(mp_paths)" = "$1" ] && return 0
		sleep 1
		i=$((i + 1))
	done
	multipath -ll
	return 1
}

test_multipath() {
	need_nodes
	logout_all
	write_multipath_conf
	for p in "$P0" "$P1"; do
		node_set "$MP" "$p" node.session.timeo.replacement_timeout 5
		node_set "$MP" "$p" node.conn[0].timeo.noop_out_interval 2
		node_set "$MP" "$p" node.conn[0].timeo.noop_out_timeout 3
	done
	check "multipath: login over portal 1" login "$MP" "$P0"
	check "multipath: login over portal 2" login "$MP" "$P1"
	multipathd >/tmp/multipathd.out 2>&1
	check "multipathd builds one map with two active paths" wait_paths 2 60
	m=$(dmsetup ls --target multipath | awk '{ print $1; exit }')
	[ -n "$m" ] || { fail "multipath: a map under /dev/mapper"; return; }
	fio --name=mp --ioengine=libaio --direct=1 --filename="/dev/mapper/$m" --rw=write --bs=64k \
		--size="${MP_FIO_MIB}M" --iodepth=4 --rate=2m --verify=crc32c --verify_fatal=1 \
		>/tmp/fio.mp.out 2>&1 &
	fpid=$!
	sleep 3
	check "host takes portal 2 down mid-I/O" host portal-down 1
	check "multipath: the path over portal 2 fails, one stays active" wait_paths 1 60
	wait $fpid
	rc=$?
	cp /tmp/fio.mp.out /tmp/last.out
	if [ $rc -eq 0 ] && ! grep -qiE 'verify: bad|err= *[1-9]' /tmp/last.out; then
		pass "multipath: fio with verify=crc32c passed across the portal loss"
	else
		fail "multipath: fio with verify=crc32c passed across the portal loss (rc $rc)"; show_last
	fi
	check "host brings portal 2 back" host portal-up 1
	check "multipath: the path comes back (two active paths)" wait_paths 2 90
	multipathd shutdown >/dev/null 2>&1
	multipath -F >/dev/null 2>&1
	logout_all
}

# ---- ALUA: one LU behind two target port groups, scsi_dh_alua --------------
# Target AA (group tga, active/optimized) over portal 1 and AB (group tgb,
# standby) over portal 2 export one device; dm-multipath groups the paths
# by the ALUA priority that scsi_dh_alua and multipathd read.

alua_paths() {  # paths of the map, ready or (standby) ghost
	multipath -ll 2>/dev/null | grep -cE 'active (ready|ghost) +running'
}
wait_alua_paths() {
	i=0
	while [ $i -lt "$1" ]; do
		[ "$(alua_paths)" = 2 ] && return 0
		sleep 1
		i=$((i + 1))
	done
	multipath -ll
	return 1
}
path_field() {  # path_field DEV FORMAT: multipathd's view of DEV's path
	multipathd show paths format "%d $2" 2>/dev/null | awk -v d="$1" '$1 == d { print $2 }'
}
# alua_prefers HI LO SECONDS: HI's path priority is above LO's.  Small
# reads go through the map meanwhile, so that the kernel meets the state
# change's unit attention.
alua_prefers() {
	i=0
	while [ $i -lt "$3" ]; do
		hi=$(path_field "$1" %p) lo=$(path_field "$2" %p)
		[ -n "$hi" ] && [ -n "$lo" ] && [ "$hi" -gt "$lo" ] && return 0
		fio --name=poke --ioengine=libaio --direct=1 --filename="$ALUA_MAP" --rw=randread \
			--bs=4k --size=1M --io_size=16k >/dev/null 2>&1
		sleep 1
		i=$((i + 1))
	done
	multipathd show paths format "%d %p %t %T"
	return 1
}
# alua_switched TO FROM SECONDS: TO's path is ready and FROM's is not
# (a standby ghost, or failed by its NOT READY: either way it gets no I/O;
# a failed path keeps its old priority, so priorities cannot tell).
alua_switched() {
	i=0
	while [ $i -lt "$3" ]; do
		[ "$(path_field "$1" %T)" = ready ] && [ "$(path_field "$2" %T)" != ready ] && return 0
		fio --name=poke --ioengine=libaio --direct=1 --filename="$ALUA_MAP" --rw=randread \
			--bs=4k --size=1M --io_size=16k >/dev/null 2>&1
		sleep 1
		i=$((i + 1))
	done
	multipathd show paths format "%d %p %t %T"
	return 1
}
alua_fio() {  # alua_fio MIB [fio options]: writes with verify through the map
	mib=$1
	shift
	fio --name=alua --ioengine=libaio --direct=1 --filename="$ALUA_MAP" --rw=write --bs=64k \
		--size="${mib}M" --iodepth=4 --verify=crc32c --verify_fatal=1 "$@" >/tmp/last.out 2>&1 &&
		! grep -qiE 'verify: bad|err= *[1-9]' /tmp/last.out
}

test_alua() {
	logout_all
	iscsiadm -m discovery -t sendtargets -p "$P0" >/dev/null 2>&1
	write_multipath_conf SCST_FIO
	node_set "$AA" "$P0" node.session.timeo.replacement_timeout 5
	node_set "$AB" "$P1" node.session.timeo.replacement_timeout 5
	check "alua: login to target port A (active/optimized) over portal 1" login "$AA" "$P0"
	check "alua: login to target port B (standby) over portal 2" login "$AB" "$P1"
	da=$(lun_dev "$AA" 0) db=$(lun_dev "$AB" 0)
	da=${da#/dev/} db=${db#/dev/}
	check "alua: scsi_dh_alua drives both disks" sh -c \
		"grep -qx alua /sys/block/$da/device/dh_state && grep -qx alua /sys/block/$db/device/dh_state"
	multipathd >/tmp/multipathd.out 2>&1
	check "alua: multipathd builds one map over both target ports" wait_alua_paths 60
	ALUA_MAP=/dev/mapper/$(dmsetup ls --target multipath | awk '{ print $1; exit }')
	check "alua: the optimized path ranks above the standby one" alua_prefers "$da" "$db" 60
	check "alua: the standby path is a ghost (no I/O goes there)" \
		sh -c "[ \"\$(multipathd show paths format '%d %T' | awk '\$1 == \"$db\" { print \$2 }')\" = ghost ]"
	host alua-mark
	check "alua: 8 MiB written and verified through the map" alua_fio 8
	check "alua: the writes went to target port A only" host alua-writes-to a
	check "alua: host makes B active/optimized" host alua-state tgb active
	check "alua: ... and A standby" host alua-state tga standby
	check "alua: after the state change only B's path is ready" alua_switched "$db" "$da" 90
	host alua-mark
	check "alua: 8 MiB written and verified after the change" alua_fio 8
	check "alua: the writes went to target port B only" host alua-writes-to b
	# Failover: B's portal goes away mid-I/O and the cluster promotes A.
	alua_fio "$MP_FIO_MIB" --rate=2m &
	fpid=$!
	sleep 3
	check "alua: host takes portal 2 (target port B) down mid-I/O" host portal-down 1
	check "alua: host makes A active/optimized again" host alua-state tga active
	if wait $fpid; then
		pass "alua: fio with verify=crc32c passed across the failover"
	else
		fail "alua: fio with verify=crc32c passed across the failover"; show_last
	fi
	check "alua: host brings portal 2 back" host portal-up 1
	check "alua: host makes B standby again" host alua-state tgb standby
	multipathd shutdown >/dev/null 2>&1
	multipath -F >/dev/null 2>&1
	logout_all
}

# ---- RBD: one image behind two gateways (two scstd daemons) ----------------
# The host starts a Ceph cluster and two more daemons for the group:
# gateway A (target RA, portal 1) and gateway B (RB, portal 2) export one
# RBD image, both active/optimized; dm-multipath with scsi_dh_alua spreads
# the writes over both.  The host kills A (kill -9) mid-fio: the writes
# A had not acknowledged are retried through B and fio's verify passes.

RBD_CHECKS="login to gateway A|login to gateway B|multipathd builds one map over both gateways|8 MiB written and verified through both gateways|host kills gateway A (kill -9) mid-I/O|fio with verify=crc32c passed across the loss of gateway A|the map runs on gateway B's path alone"

test_rbd() {
	if ! host rbd-start; then
		echo "$RBD_CHECKS" | tr '|' '\n' | while IFS= read -r c; do
			say "RESULT SKIP rbd: $c (no gateways on the host)"
		done
		host rbd-stop
		return 0
	fi
	logout_all
	R0=$TARGET_IP0:$RBD_PORT R1=$TARGET_IP1:$RBD_PORT
	iscsiadm -m discovery -t sendtargets -p "$R0" >/dev/null 2>&1
	iscsiadm -m discovery -t sendtargets -p "$R1" >/dev/null 2>&1
	write_multipath_conf SCST_RBD
	node_set "$RA" "$R0" node.session.timeo.replacement_timeout 5
	node_set "$RB" "$R1" node.session.timeo.replacement_timeout 5
	check "rbd: login to gateway A" login "$RA" "$R0"
	check "rbd: login to gateway B" login "$RB" "$R1"
	multipathd >/tmp/multipathd.out 2>&1
	check "rbd: multipathd builds one map over both gateways" wait_paths 2 60
	ALUA_MAP=/dev/mapper/$(dmsetup ls --target multipath | awk '{ print $1; exit }')
	check "rbd: 8 MiB written and verified through both gateways" alua_fio 8
	alua_fio "$MP_FIO_MIB" --rate=2m &
	fpid=$!
	sleep 3
	check "rbd: host kills gateway A (kill -9) mid-I/O" host rbd-kill a
	if wait $fpid; then
		pass "rbd: fio with verify=crc32c passed across the loss of gateway A"
	else
		fail "rbd: fio with verify=crc32c passed across the loss of gateway A"; show_last
	fi
	check "rbd: the map runs on gateway B's path alone" wait_paths 1 60
	multipathd shutdown >/dev/null 2>&1
	multipath -F >/dev/null 2>&1
	logout_all
	host rbd-stop
}

# ---- scstd inside the guest: scst_local LUNs as ublk block devices --------

UDIR=/tmp/ublk
uctl() { LD_LIBRARY_PATH=/vm/lib /vm/bin/scstctl --socket $UDIR/ctl.sock "$@"; }
wait_blk() {  # wait_blk DEV SECONDS: DEV is a block device
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ -b "$1" ] && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
wait_gone() {  # wait_gone DEV SECONDS
	i=0
	while [ $i -lt $(($2 * 5)) ]; do
		[ -e "$1" ] || [ -e "/sys/block/${1##*/}" ] || return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
size_is() { [ "$(blockdev --getsize64 "$1")" = "$2" ]; }
same_bytes_in_file() {  # the MiB written at MiB 3 of /dev/ublkb0 is in the backing file
	dd if=/dev/urandom of=$UDIR/pat bs=1M count=1 2>/dev/null &&
		dd if=$UDIR/pat of=/dev/ublkb0 bs=1M seek=3 count=1 oflag=direct 2>/dev/null &&
		dd if=$UDIR/u0.img bs=1M skip=3 count=1 2>/dev/null | cmp - $UDIR/pat
}
ublk_ext4() {
	mkfs.ext4 -q -F /dev/ublkb0 && mkdir -p /mnt/u && mount -t ext4 /dev/ublkb0 /mnt/u || return 1
	for i in 0 1 2 3 4 5 6 7; do
		dd if=/dev/urandom of=/mnt/u/f$i bs=1M count=4 2>/dev/null || return 1
	done
	(cd /mnt/u && md5sum f*) >$UDIR/sums && umount /mnt/u &&
		e2fsck -f -n /dev/ublkb0 && mount -t ext4 /dev/ublkb0 /mnt/u &&
		(cd /mnt/u && md5sum -c $UDIR/sums) && umount /mnt/u
}

# 1 MiB at 4 MiB of /dev/ublkb1 written, then discarded: the backing file
# reads zeros there and holds fewer blocks (the LU is thin).
ublk_discard() {
	dd if=/dev/urandom of=/dev/ublkb1 bs=1048576 seek=4 count=1 conv=fsync 2>/dev/null || return 1
	[ "$(dd if=$UDIR/u1.img bs=1048576 skip=4 count=1 2>/dev/null | tr -d '\0' | wc -c)" -gt 0 ] ||
		{ echo "the write did not reach the backing file"; return 1; }
	before=$(du -k $UDIR/u1.img | cut -f1)
	blkdiscard -o 4194304 -l 1048576 /dev/ublkb1 || return 1
	[ "$(dd if=$UDIR/u1.img bs=1048576 skip=4 count=1 2>/dev/null | tr -d '\0' | wc -c)" -eq 0 ] ||
		{ echo "the discarded range is not zeros in the backing file"; return 1; }
	after=$(du -k $UDIR/u1.img | cut -f1)
	echo "backing file: $before KiB before, $after KiB after the discard"
	[ "$after" -lt "$before" ]
}

# LUN 2: u1 again with read_only=1; the kernel sees a read-only disk and a
# write to it fails.
ublk_read_only() {
	uctl write targets/scst_local/scst_local_tgt/luns/mgmt "add u1 2 read_only=1" || return 1
	wait_blk /dev/ublkb2 20 || return 1
	ro=$(blockdev --getro /dev/ublkb2)
	echo "blockdev --getro: $ro"
	rc=0
	[ "$ro" = 1 ] || rc=1
	if dd if=/dev/zero of=/dev/ublkb2 bs=4096 count=1 conv=fsync 2>/dev/null; then
		echo "a write to the read-only device succeeded"
		rc=1
	fi
	uctl write targets/scst_local/scst_local_tgt/luns/mgmt "del 2" || rc=1
	wait_gone /dev/ublkb2 20 || rc=1
	return $rc
}

# scstd killed with SIGKILL while it serves /dev/ublkb0: the device must
# not hang its users, and a new scstd must serve the LUN again.
ublk_start() {
	LD_LIBRARY_PATH=/vm/lib /vm/bin/scstd --foreground --listen 127.0.0.1:3260 --config $UDIR/u.conf \
		--var-dir $UDIR/var --pr-dir $UDIR/var/pr --ctl-socket $UDIR/ctl.sock --local-socket none \
		--local-ublk >>$UDIR/scstd.log 2>&1 &
	upid=$!
}
ublk_kill9() {
	ublk_start
	if ! wait_blk /dev/ublkb0 60; then fail "ublk: scstd serves /dev/ublkb0 again after a clean stop"; return; fi
	pass "ublk: scstd serves /dev/ublkb0 again after a clean stop"
	kill -KILL $upid
	wait $upid 2>/dev/null
	info "after SIGKILL: $(ls /dev/ublk* 2>/dev/null | tr '\n' ' ')"
	timeout 30 dd if=/dev/ublkb0 of=/dev/null bs=4096 count=1 iflag=direct >/tmp/last.out 2>&1
	rc=$?
	info "a read of /dev/ublkb0 after SIGKILL: status $rc: $(tr '\n' ' ' </tmp/last.out)"
	[ $rc -ne 124 ] && pass "ublk: after SIGKILL a read of /dev/ublkb0 does not hang" ||
		fail "ublk: after SIGKILL a read of /dev/ublkb0 does not hang"
	ublk_start
	if wait_blk /dev/ublkb0 60 && size_is /dev/ublkb0 $((96 * 1048576)) && same_bytes_in_file; then
		pass "ublk: a new scstd serves the LUN again after the SIGKILL"
	else
		fail "ublk: a new scstd serves the LUN again after the SIGKILL"
		cp $UDIR/scstd.log /tmp/last.out; show_last
		info "devices: $(ls /dev/ublk* 2>/dev/null | tr '\n' ' ')"
	fi
	kill -TERM $upid
	wait $upid
	check "ublk: ... and stops cleanly" test $? -eq 0
}

test_ublk() {
	check "ublk: modprobe ublk_drv gives /dev/ublk-control" \
		sh -c "modprobe ublk_drv && test -c /dev/ublk-control"
	mkdir -p $UDIR/var/pr
	truncate -s 96M $UDIR/u0.img
	truncate -s 16M $UDIR/u1.img
	cat >$UDIR/u.conf <<CONF
HANDLER vdisk_fileio {
	DEVICE u0 {
		filename $UDIR/u0.img
	}
	DEVICE u1 {
		filename $UDIR/u1.img
		thin_provisioned 1
	}
}
TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		LUN 0 u0
	}
}
CONF
	LD_LIBRARY_PATH=/vm/lib /vm/bin/scstd --foreground --listen 127.0.0.1:3260 --config $UDIR/u.conf \
		--var-dir $UDIR/var --pr-dir $UDIR/var/pr --ctl-socket $UDIR/ctl.sock --local-socket none \
		--local-ublk >$UDIR/scstd.log 2>&1 &
	upid=$!
	if wait_blk /dev/ublkb0 60; then pass "ublk: LUN 0 of scst_local_host becomes /dev/ublkb0"
	else fail "ublk: LUN 0 of scst_local_host becomes /dev/ublkb0"; cp $UDIR/scstd.log /tmp/last.out; show_last; kill $upid; return; fi
	check "ublk: /dev/ublkb0 has the device's 96 MiB" size_is /dev/ublkb0 $((96 * 1048576))
	check "ublk: a MiB written to /dev/ublkb0 lands in the backing file" same_bytes_in_file
	check "ublk: mkfs.ext4, 32 MiB of files, e2fsck, remount, checksums match" ublk_ext4
	if fio_run ublk /tmp/fio.ublk.out --filename=/dev/ublkb0 --rw=randwrite --bs=4k-128k \
		--size=32M --iodepth=8 --verify=crc32c --verify_fatal=1; then
		pass "ublk: fio randwrite 32 MiB with verify=crc32c"
	else
		fail "ublk: fio randwrite 32 MiB with verify=crc32c"; show_last
	fi
	check "ublk: LUN 1 added at run time" uctl write targets/scst_local/scst_local_tgt/luns/mgmt "add u1 1"
	if wait_blk /dev/ublkb1 20 && size_is /dev/ublkb1 $((16 * 1048576)); then pass "ublk: LUN 1 is /dev/ublkb1 with 16 MiB"
	else fail "ublk: LUN 1 is /dev/ublkb1 with 16 MiB"; cp $UDIR/scstd.log /tmp/last.out; show_last; fi
	check "ublk: a discard on /dev/ublkb1 (thin LUN) reaches the LUN as UNMAP: zeros, deallocated" \
		ublk_discard
	check "ublk: a read-only LUN (LUN 2) is a read-only block device" ublk_read_only
	check "ublk: LUN 1 removed at run time" uctl write targets/scst_local/scst_local_tgt/luns/mgmt "del 1"
	if wait_gone /dev/ublkb1 20; then pass "ublk: /dev/ublkb1 goes with it"
	else fail "ublk: /dev/ublkb1 goes with it"; fi
	kill -TERM $upid
	i=0
	while kill -0 $upid 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if kill -0 $upid 2>/dev/null; then
		kill -KILL $upid
		rc="still running 30 s after SIGTERM"
	fi
	wait $upid
	rc=${rc:-$?}
	cp $UDIR/scstd.log /tmp/last.out
	if [ "$rc" = 0 ]; then pass "ublk: scstd exits 0 on SIGTERM"; else fail "ublk: scstd exits 0 on SIGTERM ($rc)"; show_last; fi
	check "ublk: /dev/ublkb0 is gone after scstd stopped" wait_gone /dev/ublkb0 10
	check "ublk: the daemon log has no sanitizer report" \
		sh -c "! grep -Eq 'AddressSanitizer|runtime error:|LeakSanitizer' $UDIR/scstd.log"
	ublk_kill9
}

for g in $VM_TESTS; do
	info "group $g"
	"test_$g"
done
logout_all
say "END"
