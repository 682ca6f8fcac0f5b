#!/usr/bin/env bash
# dev_params.sh - the add_device parameters of every handler are its key
# attributes (SysfsRules II.1), driven by the handlers' own mgmt help:
#  - for each handler, the parameters handlers/H/mgmt lists as accepted
#    (for a handler SCST has too, its "(scstd)" line) are parsed, and for
#    each parameter a device is added
#    with that parameter at a valid non-default value: the attribute of
#    the same name shows the value with [key];
#  - an unknown parameter is refused naming it and listing the valid
#    ones, and creates nothing;
#  - a device of each handler added with every parameter, saved by
#    scstadmin -write_config and applied to a fresh daemon, shows the same
#    attributes there.
# vdisk_blockio needs a loop device; without one its part is skipped.
. "$(dirname "$0")/../lib.sh"

plan 81

require_daemon
BIN=$(dirname "$SCSTD")
SCSTCTL=$BIN/scstctl
ADMIN=$BIN/scstadmin
SOCK=$WORKDIR/ctl/scstd.sock
IMG=$WORKDIR/file.img
ISO=$WORKDIR/cd.iso
LOOPDEV=

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
admin() { "$ADMIN" -socket "$SOCK" "$@"; }

truncate -s 16M "$IMG" "$WORKDIR/blk.img"
head -c $((2048 * 16)) /dev/zero >"$ISO"
cleanup_all() {
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	lib_cleanup
}
trap cleanup_all EXIT
if command -v losetup >/dev/null 2>&1 &&
	LOOPDEV=$(losetup -f --show "$WORKDIR/blk.img" 2>/dev/null) && [ -n "$LOOPDEV" ]; then
	HANDLERS="vdisk_fileio vdisk_blockio vdisk_nullio vcdrom"
else
	LOOPDEV=
	HANDLERS="vdisk_fileio vdisk_nullio vcdrom"
	BLOCKIO_SKIPPED="vdisk_blockio: no loop device (losetup missing or not permitted)"
fi

# value HANDLER PARAM: a valid value that is not the handler's default.
value() {
	case $2 in
	filename)
		case $1 in
		vdisk_fileio) echo "$IMG" ;;
		vdisk_blockio) echo "$LOOPDEV" ;;
		vcdrom) echo "$ISO" ;;
		esac ;;
	blocksize) echo 4096 ;;
	read_only | write_through | nv_cache | o_direct | thin_provisioned | removable | dummy | tas)
		echo 1 ;;
	rotational)
		# blockio's default is the kernel's view of the device.
		if [ "$1" = vdisk_blockio ] &&
			[ "$(cat "/sys/block/${LOOPDEV##*/}/queue/rotational" 2>/dev/null)" = 0 ]; then
			echo 1
		else
			echo 0
		fi ;;
	t10_dev_id) echo "id-$1" ;;
	t10_vend_id) echo VEND ;;
	prod_id) echo PRODX ;;
	prod_rev_lvl) echo 9.9 ;;
	usn) echo "SN$RANDOM" ;;
	size) echo $((3 * 1024 * 1024 + 4096)) ;;
	size_mb) echo 3 ;;
	threads_num) echo 4 ;;
	threads_pool_type) echo shared ;;
	naa_id) echo 0x6001405abcdef0123456789abcdef012 ;;   # an NAA 6 designator
	*) echo "UNKNOWN-PARAMETER-$2" ;;
	esac
}

# required HANDLER: the parameters a device of HANDLER cannot do without.
required() {
	case $1 in
	vdisk_fileio | vdisk_blockio) echo "filename=$(value "$1" filename)" ;;
	esac
}

# params HANDLER: the parameters it accepts: the mgmt help's scstd line
# for a handler SCST has too (its first line is SCST's list), else the
# only one.
params() {
	local help
	help=$(ctl read "handlers/$1/mgmt")
	if grep -q '^The following parameters available (scstd):' <<<"$help"; then
		sed -n 's/^The following parameters available (scstd): *//p' <<<"$help"
	else
		sed -n 's/^The following parameters available: *//p' <<<"$help"
	fi | tr -d ' ' | tr ',' ' '
}

# shows_key DEV ATTR VALUE: the attribute reads VALUE, then [key].
shows_key() {
	local got
	got=$(ctl read "devices/$1/$2") || return 1
	echo "got: $got"
	[ "$got" = "$3"$'\n[key]' ]
}

# dump_devices: every attribute of the pa_* devices, one line each,
# sorted (listings follow creation order, which scstadmin chooses).
dump_devices() {
	local d a
	for d in $(ctl list devices | sed -n 's,^\(pa_[^/]*\)/$,\1,p'); do
		for a in $(ctl list "devices/$d" | grep -v '[/@]$'); do
			echo "$d/$a = $(ctl read "devices/$d/$a" | paste -sd'|')"
		done
	done | sort
}

start_daemon --ctl-socket "$SOCK" || { not_ok "scstd starts"; finish; }
ok "scstd starts"
# Without a loop device vdisk_blockio's checks (its help, one per
# parameter, two for a bad one, one with every parameter) are skipped.
if [ -n "${BLOCKIO_SKIPPED:-}" ]; then
	for _ in $(seq 1 $(($(params vdisk_blockio | wc -w) + 4))); do
		skip "$BLOCKIO_SKIPPED"
	done
fi

n=0
for h in $HANDLERS; do
	plist=$(params "$h")
	if [ -z "$plist" ]; then
		not_ok "$h: mgmt help lists its parameters"
		continue
	fi
	ok "$h: mgmt help lists $plist"
	for p in $plist; do
		n=$((n + 1))
		dev=pa_$n
		v=$(value "$h" "$p")
		req=$(required "$h")
		if [ "$p" = filename ] || [ -z "$req" ]; then
			args="$p=$v"
		else
			args="$req; $p=$v"
		fi
		if ! ctl write "handlers/$h/mgmt" "add_device $dev $args" >"$WORKDIR/add.out" 2>&1; then
			not_ok "$h: add_device with $p=$v ($(cat "$WORKDIR/add.out"))"
			continue
		fi
		# SCST's fileio and blockio (vdev_size_show): size is always
		# [key] and size_mb never, so scstadmin saves the exact size.
		if [ "$p" = size_mb ] && [ "$h" = vdisk_fileio -o "$h" = vdisk_blockio ]; then
			check "$h: size_mb=$v shows as size $((v * 1048576)) with [key], size_mb without" \
				eval 'shows_key "$dev" size $((v * 1048576)) &&
				      [ "$(ctl read "devices/$dev/size_mb")" = "$v" ]'
		else
			check "$h: $p=$v shows as attribute $p with [key]" shows_key "$dev" "$p" "$v"
		fi
		ctl write "handlers/$h/mgmt" "del_device $dev" >/dev/null 2>&1 ||
			not_ok "$h: del_device $dev"
	done
	before=$(ctl list devices)
	if out=$(ctl write "handlers/$h/mgmt" "add_device pa_bad $(required "$h")${req:+; }bogus=1" 2>&1); then
		not_ok "$h: an unknown parameter is refused"
	else
		echo "$out" >"$WORKDIR/bad.out"
		check "$h: the refusal names the parameter and lists the valid ones" \
			grep -q "unknown parameter 'bogus' (valid: $(params "$h" | sed 's/ /, /g'))" \
			"$WORKDIR/bad.out"
		check "$h: nothing was created" test "$(ctl list devices)" = "$before"
	fi
done

# One device per handler with every parameter set; size and size_mb
# together must agree (3 MiB, so size_mb is the key one).
for h in $HANDLERS; do
	args=
	for p in $(params "$h"); do
		v=$(value "$h" "$p")
		[ "$p" = size ] && v=$((3 * 1024 * 1024))
		args="$args${args:+; }$p=$v"
	done
	check "$h: add_device with every parameter" \
		ctl write "handlers/$h/mgmt" "add_device pa_all_$h $args"
done
dump_devices >"$WORKDIR/before.dump"
check "every-parameter devices show their attributes" grep -q '^pa_all_' "$WORKDIR/before.dump"
check "-write_config saves them" admin -write_config "$WORKDIR/saved.conf"
check_stop "first daemon stops cleanly"

start_daemon --ctl-socket "$SOCK" || { not_ok "a fresh scstd starts"; finish; }
check "the saved config applies to a fresh daemon" admin -config "$WORKDIR/saved.conf" -noprompt
dump_devices >"$WORKDIR/after.dump"
check "the re-created devices show the same attributes" \
	diff "$WORKDIR/before.dump" "$WORKDIR/after.dump"
check_alive "scstd alive with a clean log"
check_stop
finish
