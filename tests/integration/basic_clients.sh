#!/usr/bin/env bash
# basic_clients.sh - the stock libiscsi command-line clients against
# scstd's default configuration: discovery and LUN listing (iscsi-ls),
# standard INQUIRY and VPD pages 0x00/0x80/0x83 (iscsi-inq), capacity and
# block size (iscsi-readcapacity16), a 4096-byte block size from a config
# file, and an IPv6 portal.
. "$(dirname "$0")/../lib.sh"

plan 26

require_daemon
GIB=1073741824

inq() {  # inq LUN [page]: iscsi-inq output for the LUN (standard or a VPD page)
	if [ -n "${2:-}" ]; then
		timeout 20 iscsi-inq -e 1 -c "$2" "$(url "$1")"
	else
		timeout 20 iscsi-inq "$(url "$1")"
	fi
}

readcap() {
	timeout 20 iscsi-readcapacity16 "$(url "$1" "${2:-}")"
}

# capacity_is LUN BYTES BLOCKSIZE [IQN]
capacity_is() {
	local out
	out=$(readcap "$1" "${4:-}") || return 1
	echo "$out"
	grep -qx "Total size:$2" <<<"$out" &&
		grep -qx "LOGICAL BLOCK LENGTH IN BYTES:$3" <<<"$out"
}

# ls_shows_default HOST:PORT: SendTargets may report the target once per
# portal; every listing must hold exactly LUN 0 and LUN 1, both disks.
ls_shows_default() {
	local out n
	out=$(timeout 20 iscsi-ls -s "iscsi://$1") || return 1
	echo "$out"
	n=$(grep -c "^Target:$DEFAULT_IQN " <<<"$out")
	[ "$n" -ge 1 ] && [ "$(grep -c '^Target:' <<<"$out")" -eq "$n" ] &&
		[ "$(grep -Ec '^Lun:0 +Type:DIRECT_ACCESS' <<<"$out")" -eq "$n" ] &&
		[ "$(grep -Ec '^Lun:1 +Type:DIRECT_ACCESS' <<<"$out")" -eq "$n" ] &&
		[ "$(grep -c '^Lun:' <<<"$out")" -eq $((2 * n)) ]
}

has_ipv6_loopback() {
	grep -qi '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null
}

IPV6=
if has_ipv6_loopback; then
	IPV6=1
	start_daemon --listen '[::1]:@PORT@' || { not_ok "scstd starts (IPv4 + IPv6 portals)"; finish; }
	ok "scstd starts (IPv4 + IPv6 portals)"
else
	start_daemon || { not_ok "scstd starts"; finish; }
	ok "scstd starts"
fi

check "iscsi-ls -s lists the default target with LUN 0 and LUN 1" ls_shows_default "127.0.0.1:$PORT"

for lun in 0 1; do
	check_output "LUN $lun: standard INQUIRY, connected direct-access device" \
		'Peripheral Device Type:DIRECT_ACCESS' inq $lun
	check_output "LUN $lun: standard INQUIRY has a vendor identification" \
		'^Vendor:[[:print:]]*[^ ]' inq $lun
	check_output "LUN $lun: VPD 0x00 lists page 0x80" 'Page:0x80 UNIT_SERIAL_NUMBER' inq $lun 0
	check_output "LUN $lun: VPD 0x00 lists page 0x83" 'Page:0x83 DEVICE_IDENTIFICATION' inq $lun 0
	check_output "LUN $lun: VPD 0x80 unit serial number is not empty" \
		'^Unit Serial Number:\[ *[^] ]' inq $lun 128
	check_output "LUN $lun: VPD 0x83 has a designator" 'DEVICE DESIGNATOR #0' inq $lun 131
	check "LUN $lun: READ CAPACITY(16) gives 1 GiB of 512-byte blocks" capacity_is $lun $GIB 512
done

# Two devices must not share an identity (multipath would merge them).
serials_differ() {
	local a b
	a=$(inq 0 128) && b=$(inq 1 128) && echo "$a / $b" && [ "$a" != "$b" ]
}
ids_differ() {
	local a b
	a=$(inq 0 131 | cat -v) && b=$(inq 1 131 | cat -v) && [ "$a" != "$b" ]
}
check "LUN 0 and LUN 1 have different serial numbers" serials_differ
check "LUN 0 and LUN 1 have different device identifiers" ids_differ

if [ -n "$IPV6" ]; then
	check "iscsi-ls -s over the IPv6 portal [::1]" ls_shows_default "[::1]:$PORT"
	check "READ CAPACITY(16) over IPv6" timeout 20 iscsi-readcapacity16 \
		"iscsi://[::1]:$PORT/$DEFAULT_IQN/1"
else
	skip "IPv6 portal: ::1 is not configured on this machine"
	skip "READ CAPACITY(16) over IPv6: ::1 is not configured on this machine"
fi
check_alive "daemon alive after the client checks"
check_stop

# A config file with a 4096-byte fileio device and a nullio device.
truncate -s 64M "$WORKDIR/disk4k.img"
cat >"$WORKDIR/bs4096.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk4k {
		filename $WORKDIR/disk4k.img
		blocksize 4096
	}
}
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 1024
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-11.org.scstd:bs4096 {
		enabled 1
		LUN 0 null0
		LUN 1 disk4k
	}
}
CONF
if start_daemon --config "$WORKDIR/bs4096.conf"; then
	ok "scstd starts with a blocksize 4096 config"
	check "blocksize 4096 device: 64 MiB of 4096-byte blocks" \
		capacity_is 1 $((64 << 20)) 4096 iqn.2026-11.org.scstd:bs4096
	check "nullio next to it: 1 GiB of 512-byte blocks" \
		capacity_is 0 $GIB 512 iqn.2026-11.org.scstd:bs4096
	check_stop
else
	not_ok "scstd starts with a blocksize 4096 config"
fi
finish
