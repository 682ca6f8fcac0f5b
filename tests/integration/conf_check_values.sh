#!/usr/bin/env bash
# conf_check_values.sh - one set of value rules for the configuration
# checker and the daemon (issue #13: "-check_config and scstd --config
# never disagree"; "a config that cannot be applied changes nothing and
# names the line and the reason").  Every bad value of the table below,
# written from the specs, is refused three ways:
#   1. scstadmin -check_config FILE (no daemon): exit non-zero, FILE:LINE: KEY:
#   2. scstd --config FILE: exit non-zero before serving, the same line
#   3. scstadmin -config FILE on a running scstd: exit non-zero, the tree
#      snapshot unchanged (nothing applied)
# and so are the backing files and SCSI devices add_device would refuse
# (-check_config with the daemon running: it sees the same files), and
# two configurations of boundary values (the lowest and the highest
# each rule allows) are accepted the same three ways.  A file with several
# bad values has each of them reported.
. "$(dirname "$0")/../lib.sh"

# Bad values: key and value per scope (the scope is the placeholder the
# line goes to), with where the limit comes from.
BAD_CASES=(
	# README.scst "threads": I/O threads; scstd runs 1..256 of them.
	"SCST threads 0"
	"SCST threads 257"
	# README.scst: setup_id is a 32-bit hex ID.
	"SCST setup_id 0xZZ"
	"SCST setup_id 0x123456789"
	# README.scst-3.x: measure_latency is a 0/1 switch.
	"SCST measure_latency 2"
	# README.scst vdisk: blocksize "a power of 2 and >= 512 bytes".
	"DEV blocksize 1000"
	"DEV blocksize 256"
	# README.scst vdisk: read_only, nv_cache, rotational are 0/1.
	"DEV read_only 2"
	"DEV nv_cache yes"
	"DEV rotational -1"
	# SPC-4 6.6.1 INQUIRY: PRODUCT IDENTIFICATION is 16 bytes, PRODUCT
	# REVISION LEVEL 4.
	"DEV prod_id ABCDEFGHIJKLMNOPQ"
	"DEV prod_rev_lvl 12345"
	# README.scst: threads_pool_type is per_initiator or shared; threads_num a number.
	"DEV threads_pool_type weird"
	"DEV threads_num many"
	# README.scst size_mb: a number of MiB; size (bytes) given too must be
	# the same size (the template's device has size_mb 16).
	"DEV size_mb 12X"
	"DEV size 1048576"
	# README.scst-3.x naa_id / SPC-4 7.8.6.6: 8 or 16 bytes of an NAA designator.
	"DEV naa_id 0x1234"
	# SysfsRules: a driver's "enabled" is 0 or 1.
	"DRV enabled 2"
	# RFC 7143 13.12-13.14: 512 to 2^24-1.
	"TGT MaxRecvDataSegmentLength 511"
	"TGT MaxRecvDataSegmentLength 16777216"
	"TGT MaxBurstLength 511"
	"TGT FirstBurstLength 16777216"
	# RFC 7143 13.17: MaxOutstandingR2T 1 to 65535.
	"TGT MaxOutstandingR2T 0"
	# RFC 7143 13.1: HeaderDigest is None or CRC32C.
	"TGT HeaderDigest MD5"
	# RFC 7143 13.10: InitialR2T is a boolean (Yes/No).
	"TGT InitialR2T Maybe"
	# README.iscsi-scst: QueuedCommands is at least 1.
	"TGT QueuedCommands 0"
	# SPC-4 7.8.6.5: the relative target port identifier is 16 bits.
	"TGT rel_tgt_id 65536"
	# README.scst: io_grouping_type this_group_only, never, auto or a number > 0.
	"TGT io_grouping_type sometimes"
	"GRP io_grouping_type 0"
	# README.scst: addr_method Peripheral or Flat.
	"TGT addr_method BOGUS"
	# README.scst cpu_mask: a CPU affinity mask (hexadecimal bitmap).
	"TGT cpu_mask xyz"
	"GRP cpu_mask 0x"
	# README.scst LUN read_only: 0 or 1; "the device could be marked as
	# read only by using parameter read_only", the only LUN parameter.
	"LUN read_only yes"
	"LUN write_cache 1"
	# iSNSAccessControl: an iSCSI boolean (Yes/No); iSNSServer host[:port].
	"DRV iSNSAccessControl Maybe"
	# README.scst-3.x ALUA: tpgs; SPC-4 RTPG: IMPLICIT TRANSITION TIME is one byte.
	"DG tpgs sometimes"
	"DG implicit_transition_time 256"
	# SPC-4 6.37 (RTPG): the target port group is 16 bits, 0 reserved.
	"TG group_id 0"
	"TG group_id 65536"
	# README.scst-3.x: the ALUA state names.
	"TG state sleeping"
	"TG preferred 2"
	# SPC-4: relative target port identifier 0 is reserved.
	"TGP rel_tgt_id 0"
)

plan $((3 * ${#BAD_CASES[@]} + 3 * 3 + 13))

require_daemon
require_tools tree_snapshot
BIN=$(dirname "$SCSTD")
ADMIN=$BIN/scstadmin
IQN=iqn.2026-12.org.scstd:check
REMOTE=iqn.2026-12.org.example:remote
NOSOCK=$WORKDIR/no-daemon.sock

# The base configuration; each @X@ line is where a case's attribute goes
# (one line each, so line numbers stay put).
cat >"$WORKDIR/template.conf" <<CONF
@SCST@
@HANDLER@
HANDLER vdisk_nullio {
	DEVICE nd0 {
		size_mb 16
@DEV@
	}
}
TARGET_DRIVER iscsi {
@DRV@
	TARGET $IQN {
@TGT@
		LUN 0 nd0 {
@LUN@
		}
		GROUP g1 {
@GRP@
			INITIATOR iqn.1993-08.org.debian:01:nobody
		}
		enabled 1
	}
	enabled 1
}
DEVICE_GROUP dg1 {
	DEVICE nd0
@DG@
	TARGET_GROUP tg1 {
@TG@
		TARGET $IQN
		TARGET $REMOTE {
@TGP@
		}
	}
}
CONF

# make_conf OUT SCOPE=TEXT...: the template with TEXT at SCOPE's line
# (multi-line TEXT with \n); the device's block size (a [key] value, so
# another one recreates the device), the group id and the remote port's
# id keep their defaults unless given.
make_conf() {
	local out=$1 a scope text
	shift
	declare -A fill=([DEV]="		blocksize 4096" [TG]="		group_id 1" [TGP]="			rel_tgt_id 9")
	for a in "$@"; do
		scope=${a%%=*}
		text=${a#*=}
		fill[$scope]=$text
	done
	awk -v tg="${fill[TG]}" -v tgp="${fill[TGP]}" -v scst="${fill[SCST]:-}" \
		-v dev="${fill[DEV]}" -v drv="${fill[DRV]:-}" -v tgt="${fill[TGT]:-}" \
		-v lun="${fill[LUN]:-}" -v grp="${fill[GRP]:-}" -v dg="${fill[DG]:-}" \
		-v handler="${fill[HANDLER]:-}" '
		/^@SCST@$/ { print scst; next }  /^@DEV@$/ { print dev; next }
		/^@HANDLER@$/ { print handler; next }
		/^@DRV@$/ { print drv; next }    /^@TGT@$/ { print tgt; next }
		/^@LUN@$/ { print lun; next }    /^@GRP@$/ { print grp; next }
		/^@DG@$/ { print dg; next }      /^@TG@$/ { print tg; next }
		/^@TGP@$/ { print tgp; next }    { print }' "$WORKDIR/template.conf" >"$out"
}

line_of() { grep -n "^@$1@\$" "$WORKDIR/template.conf" | cut -d: -f1; }

# scstd_refuses CONF REGEX: scstd exits non-zero, without serving, and
# logs REGEX.
scstd_refuses() {
	local conf=$1 re=$2 rc log=$WORKDIR/refused.log
	(cd "$WORKDIR" && timeout -k 2 20 "$SCSTD" --foreground --listen "127.0.0.1:$(pick_port)" \
		--var-dir "$WORKDIR/var" --pr-dir "$WORKDIR/var/pr" \
		--ctl-socket "$WORKDIR/refused.sock" --local-socket "$WORKDIR/refused-local.sock" \
		--user-socket "$WORKDIR/refused-user.sock" --config "$conf") >"$log" 2>&1
	rc=$?
	cat "$log"
	[ "$rc" -ne 0 ] && [ "$rc" -lt 124 ] && grep -Eq -- "$re" "$log" && ! sanitizer_report "$log"
}

check_refuses() { ! "$ADMIN" -socket "$NOSOCK" -check_config "$1" 2>&1; }

snapshot() { "$(tool tree_snapshot)" --socket "$SOCK"; }

# apply_refused CONF: scstadmin -config fails and the tree is as before.
apply_refused() {
	local rc
	"$ADMIN" -socket "$SOCK" -noprompt -config "$1" 2>&1
	rc=$?
	snapshot >"$WORKDIR/after.snap" || return 1
	[ "$rc" -ne 0 ] && diff "$WORKDIR/base.snap" "$WORKDIR/after.snap"
}

make_conf "$WORKDIR/base.conf"
if start_daemon --config "$WORKDIR/base.conf"; then
	ok "scstd starts with the base configuration"
else
	not_ok "scstd starts with the base configuration"
	finish
fi
SOCK=$WORKDIR/ctl.$DAEMON_SEQ.sock
check "a snapshot of the base tree" sh -c "'$(tool tree_snapshot)' --socket '$SOCK' >'$WORKDIR/base.snap'"

n=0
for c in "${BAD_CASES[@]}"; do
	read -r scope key value <<<"$c"
	n=$((n + 1))
	conf=$WORKDIR/bad$n.conf
	indent=$'\t\t'
	make_conf "$conf" "$scope=$indent$key $value"
	line=$(line_of "$scope")
	re="bad$n\\.conf:$line: $key: .*'$value'"
	check_output "-check_config refuses $key $value ($scope, line $line)" "$re" \
		check_refuses "$conf"
	check_output "scstd --config refuses $key $value with its line" "$re" \
		scstd_refuses "$conf" "$re"
	check_output "scstadmin -config refuses $key $value, nothing applied" "$re" \
		apply_refused "$conf"
done

# All bad values of a file are named, not the first only.
make_conf "$WORKDIR/many.conf" "SCST=threads 999" "TGT=		MaxBurstLength 1" \
	"TG=		group_id 0"
all_named() {
	local out rc
	out=$("$ADMIN" -socket "$NOSOCK" -check_config "$WORKDIR/many.conf" 2>&1)
	rc=$?
	echo "$out"
	[ "$rc" -ne 0 ] && [ "$(grep -Ec '^[^ ]*many\.conf:[0-9]+: ' <<<"$out")" -eq 3 ]
}
check_output "-check_config names every bad value of a file (3)" \
	"many.conf:$(line_of TG): group_id" all_named

# What only the apply meets, which -check_config sees when the daemon
# shares its files: a missing backing file, a vdisk_blockio file that is
# no block device (README.scst: "filename - path and file name of the
# backing block device"), a pass-through H:C:I:L the kernel lacks.
: >"$WORKDIR/plain.img"
LOCAL_CASES=(
	"HANDLER vdisk_fileio { DEVICE f9 { filename $WORKDIR/missing.img } }|filename: cannot open"
	"HANDLER vdisk_blockio { DEVICE b9 { filename $WORKDIR/plain.img } }|filename: .* is not a block device"
	"HANDLER dev_disk { DEVICE 99:0:99:0 }|DEVICE 99:0:99:0: no such SCSI device"
)
hl=$(line_of HANDLER)
for c in "${LOCAL_CASES[@]}"; do
	n=$((n + 1))
	conf=$WORKDIR/bad$n.conf
	make_conf "$conf" "HANDLER=${c%%|*}"
	check_output "-check_config (scstd running) refuses: ${c%%|*}" "bad$n\\.conf:$hl: ${c#*|}" \
		sh -c "! '$ADMIN' -socket '$SOCK' -check_config '$conf' 2>&1"
	check_output "... scstd --config refuses it naming line $hl" "line $hl: " \
		scstd_refuses "$conf" "line $hl: "
	check_output "... scstadmin -config refuses it naming line $hl, nothing applied" \
		"line $hl: " apply_refused "$conf"
done

# Boundary values: the lowest and the highest each rule allows.
T=$'\t\t'
NL=$'\n'
make_conf "$WORKDIR/low.conf" "SCST=threads 1${NL}setup_id 0" \
	"DEV=${T}blocksize 512${NL}${T}read_only 0${NL}${T}prod_rev_lvl 1" \
	"TGT=${T}MaxRecvDataSegmentLength 512${NL}${T}MaxBurstLength 512${NL}${T}FirstBurstLength 512${NL}${T}MaxOutstandingR2T 1${NL}${T}QueuedCommands 1${NL}${T}NopInInterval 0${NL}${T}rel_tgt_id 1${NL}${T}io_grouping_type 1${NL}${T}addr_method FLAT${NL}${T}cpu_mask 1" \
	"LUN=${T}read_only 0" "GRP=${T}io_grouping_type never" \
	"DG=${T}implicit_transition_time 0${NL}${T}tpgs implicit" \
	"TG=${T}group_id 1${NL}${T}state active${NL}${T}preferred 0" "TGP=${T}rel_tgt_id 65535"
make_conf "$WORKDIR/high.conf" "SCST=threads 256${NL}setup_id 0xffffffff${NL}measure_latency 1" \
	"DEV=${T}blocksize 65536${NL}${T}read_only 1${NL}${T}prod_id ABCDEFGHIJKLMNOP${NL}${T}prod_rev_lvl 1234" \
	"TGT=${T}MaxRecvDataSegmentLength 16777215${NL}${T}MaxXmitDataSegmentLength 16777215${NL}${T}MaxBurstLength 16777215${NL}${T}FirstBurstLength 16777215${NL}${T}MaxOutstandingR2T 65535${NL}${T}QueuedCommands 2048${NL}${T}NopInTimeout 65535${NL}${T}rel_tgt_id 65535${NL}${T}io_grouping_type 2147483647${NL}${T}HeaderDigest None,CRC32C" \
	"LUN=${T}read_only 1" "GRP=${T}io_grouping_type this_group_only${NL}${T}addr_method PERIPHERAL" \
	"DG=${T}implicit_transition_time 255${NL}${T}tpgs both" \
	"TG=${T}group_id 65535${NL}${T}state standby${NL}${T}preferred 1" "TGP=${T}rel_tgt_id 1"

# high first: the low block size (512, the default, shown without [key])
# is then a change of a [key] value, which recreates the device.
declare -A MRDSL=([low]=512 [high]=16777215)
for b in high low; do
	check "-check_config accepts the $b boundary values" \
		"$ADMIN" -socket "$NOSOCK" -check_config "$WORKDIR/$b.conf"
	check "scstadmin -config applies the $b boundary values to the running scstd" \
		"$ADMIN" -socket "$SOCK" -noprompt -force -config "$WORKDIR/$b.conf"
	check_output "... the $b MaxRecvDataSegmentLength is in the tree" "^${MRDSL[$b]}\$" \
		"$BIN/scstctl" --socket "$SOCK" read "targets/iscsi/$IQN/MaxRecvDataSegmentLength"
done
check_stop

DAEMON_PID=
if start_daemon --config "$WORKDIR/low.conf"; then
	ok "scstd --config starts with the low boundary values"
else
	not_ok "scstd --config starts with the low boundary values"
fi
check_stop "scstd stops (low)"
if start_daemon --config "$WORKDIR/high.conf"; then
	ok "scstd --config starts with the high boundary values"
else
	not_ok "scstd --config starts with the high boundary values"
fi
stop_daemon >/dev/null

finish
