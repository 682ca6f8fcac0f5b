#!/usr/bin/env bash
# build_guest.sh - the Linux guest of the VM suite: a Debian 13 kernel
# (6.12: iscsi_tcp, dm-multipath, ublk_drv) and a busybox initramfs with
# Debian 12's open-iscsi, sg3-utils, e2fsprogs, fio, multipath-tools, udev
# and kmod, built from Debian packages and cached.  Prints the cache
# directory holding vmlinuz, initrd.gz and kernel.version.
#
# The cache key is a hash of this script: a changed recipe builds a new
# guest; an unchanged one is reused (first build ~30 s plus downloads).
#   SCSTD_VM_CACHE  cache root (default /var/cache/scstd-vm)
# Nothing is installed on the host: the packages are fetched with
# `apt-get download` (the kernel through a private apt configuration that
# adds Debian 13's suite on the host's own mirror) and unpacked with
# dpkg-deb -x.  Any failure exits non-zero with the reason on stderr.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE_ROOT=${SCSTD_VM_CACHE:-/var/cache/scstd-vm}
KEY=$(sha256sum "$HERE/build_guest.sh" | cut -c1-16)
OUT=$CACHE_ROOT/$KEY
KERNEL_SUITE=trixie

# User space of the guest (Debian 12 = the host's suite).
GUEST_PKGS="busybox-static open-iscsi libopeniscsiusr libisns0 multipath-tools liburcu8
	libaio1 dmsetup libdevmapper1.02.1 udev kmod sg3-utils libsgutils2-1.46-2 e2fsprogs fio"
# Binaries copied with their shared-library closure.
GUEST_BINS="sbin/iscsid sbin/iscsiadm sbin/multipath sbin/multipathd sbin/dmsetup
	bin/udevadm bin/kmod sbin/mkfs.ext4 sbin/e2fsck usr/bin/fio
	lib/udev/scsi_id lib/udev/ata_id"
# Kernel modules; modprobe's dependency closure of these goes in.
GUEST_MODS="virtio_net iscsi_tcp sd_mod sg dm_multipath dm_round_robin dm_service_time
	scsi_dh_alua crc32c_generic crc32c_intel ext4 ublk_drv scsi_debug virtio_scsi sr_mod"

die() { echo "build_guest: $*" >&2; exit 1; }

if [ -f "$OUT/ready" ]; then
	touch "$OUT" 2>/dev/null
	echo "$OUT"
	exit 0
fi
for t in apt-get dpkg-deb cpio gzip sha256sum flock ldd; do
	command -v "$t" >/dev/null || die "$t is missing (make deps installs it)"
done
mkdir -p "$CACHE_ROOT" || die "cannot create $CACHE_ROOT (set SCSTD_VM_CACHE)"
# Concurrent runs build once; the second waits and reuses.
exec 9>"$CACHE_ROOT/.lock"
flock 9
[ -f "$OUT/ready" ] && { echo "$OUT"; exit 0; }

TMP=$(mktemp -d "$CACHE_ROOT/build.XXXXXX")
trap '[ -n "${KEEP_BUILD:-}" ] || rm -rf "$TMP"' EXIT
STAGE=$TMP/stage ROOT=$TMP/root KDIR=$TMP/kernel DEBS=$TMP/debs
mkdir -p "$STAGE" "$ROOT" "$KDIR" "$DEBS" "$TMP/apt/lists/partial" "$TMP/apt/cache/archives/partial"

# The host's Debian mirror (deb822 URIs: or one-line deb entries).
host_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && cat "$f"
	done |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' '
}

fetch_kernel() {
	local mirror apt img
	mirror=$(host_mirror || true)
	[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $KERNEL_SUITE main" \
		>"$TMP/apt/sources.list"
	apt=(-o Dir::Etc::SourceList="$TMP/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o Dir::State::Lists="$TMP/apt/lists" -o Dir::Cache="$TMP/apt/cache"
		-o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
	apt-get "${apt[@]}" -qq update >"$TMP/apt.log" 2>&1 || { cat "$TMP/apt.log" >&2; die "apt-get update ($KERNEL_SUITE) failed"; }
	img=$(apt-cache "${apt[@]}" depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1)
	[ -n "$img" ] || die "linux-image-amd64 of $KERNEL_SUITE names no kernel package"
	(cd "$DEBS" && apt-get "${apt[@]}" -qq download "$img") >"$TMP/apt.log" 2>&1 ||
		{ cat "$TMP/apt.log" >&2; die "download of $img failed"; }
	dpkg-deb -x "$DEBS"/linux-image-*.deb "$KDIR"
}

fetch_userspace() {
	# shellcheck disable=SC2086
	(cd "$DEBS" && apt-get -o APT::Sandbox::User=root -qq download $GUEST_PKGS) >"$TMP/apt.log" 2>&1 ||
		{ cat "$TMP/apt.log" >&2; die "apt-get download of the guest packages failed"; }
	local d
	for d in "$DEBS"/*.deb; do
		case $d in */linux-image-*) continue ;; esac
		dpkg-deb -x "$d" "$STAGE"
	done
}

# Merged /usr: the staged lib/, bin/, sbin/ go under usr/.
lay_out_root() {
	local d
	mkdir -p "$ROOT"/usr/{bin,sbin,lib,lib64} "$ROOT"/{dev,proc,sys,run,tmp,mnt,etc,var/lib,root}
	for d in bin sbin lib lib64; do
		ln -s "usr/$d" "$ROOT/$d"
		[ -d "$STAGE/$d" ] && cp -a "$STAGE/$d/." "$ROOT/usr/$d/"
		[ -d "$STAGE/usr/$d" ] && cp -a "$STAGE/usr/$d/." "$ROOT/usr/$d/"
	done
	cp -a "$STAGE/etc/." "$ROOT/etc/"
	rm -rf "${ROOT:?}"/usr/share
	mkdir -p "$ROOT/usr/share"
	cp -a "$STAGE/usr/share/misc" "$ROOT/usr/share/" 2>/dev/null || true
	# busybox provides everything else (sh, ip, mount, md5sum, ...); the
	# Debian binaries win where both exist.
	"$ROOT/bin/busybox" --list-full | while read -r d; do
		[ -e "$ROOT/$d" ] || [ -L "$ROOT/$d" ] || ln -s /bin/busybox "$ROOT/$d"
	done
	for d in depmod modprobe insmod rmmod lsmod modinfo; do
		ln -sf /bin/kmod "$ROOT/sbin/$d"
	done
}

# Copies each library BIN needs (the staged tree first, then the host's)
# into the root, under its own name; the loader too.
copy_libs() {
	local bin=$1 lib path
	LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/usr/lib:$ROOT/usr/lib/multipath \
		ldd "$bin" >"$TMP/ldd.out" 2>&1 || die "ldd $bin failed: $(cat "$TMP/ldd.out")"
	if grep -q 'not found' "$TMP/ldd.out"; then
		die "$bin: libraries missing on the host and in the guest packages: $(grep 'not found' "$TMP/ldd.out" | tr '\n' ' ')"
	fi
	while read -r lib path; do
		case $path in "$ROOT"/*) continue ;; esac
		[ -e "$ROOT/usr/lib/x86_64-linux-gnu/$lib" ] && continue
		cp -L "$path" "$ROOT/usr/lib/x86_64-linux-gnu/$lib"
	done < <(awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' "$TMP/ldd.out")
	if [ ! -e "$ROOT/usr/lib64/ld-linux-x86-64.so.2" ]; then
		cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/usr/lib64/"
		cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/usr/lib/x86_64-linux-gnu/"
	fi
}

copy_all_libs() {
	local b
	mkdir -p "$ROOT/usr/lib/x86_64-linux-gnu"
	for b in $GUEST_BINS "$ROOT"/usr/bin/sg_* "$ROOT"/usr/lib/multipath/*.so; do
		case $b in /*) ;; *) b=$ROOT/usr/${b#usr/} ;; esac
		[ -e "$b" ] || die "$b is not in the guest packages"
		copy_libs "$b"
	done
}

kmod_as() {  # kmod_as NAME ARGS...: the staged kmod as depmod/modprobe
	local name=$1
	shift
	(LD_LIBRARY_PATH=$ROOT/usr/lib/x86_64-linux-gnu exec -a "$name" "$ROOT/usr/bin/kmod" "$@")
}

copy_modules() {
	local ver m f
	ver=$(ls "$KDIR/usr/lib/modules")
	ln -s usr/lib "$KDIR/lib"
	kmod_as depmod -b "$KDIR" "$ver" || die "depmod of the Debian $KERNEL_SUITE kernel failed"
	for m in $GUEST_MODS; do
		kmod_as modprobe -d "$KDIR" -S "$ver" --show-depends "$m" >"$TMP/deps" 2>&1 ||
			die "module $m: $(cat "$TMP/deps")"
		awk '$1 == "insmod" { print $2 }' "$TMP/deps" | while read -r f; do
			f=${f#"$KDIR"/}
			mkdir -p "$ROOT/$(dirname "$f")"
			cp "$KDIR/$f" "$ROOT/$f"
		done
	done
	cp "$KDIR/usr/lib/modules/$ver"/modules.{order,builtin,builtin.modinfo} "$ROOT/usr/lib/modules/$ver/"
	kmod_as depmod -b "$ROOT" "$ver" || die "depmod of the guest's modules failed"
	cp "$KDIR/boot/vmlinuz-$ver" "$TMP/vmlinuz"
	echo "$ver" >"$TMP/kernel.version"
}

fetch_userspace
fetch_kernel
lay_out_root
copy_all_libs
copy_modules
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) >"$TMP/initrd.gz"
mkdir -p "$OUT"
mv "$TMP/vmlinuz" "$TMP/initrd.gz" "$TMP/kernel.version" "$OUT/"
date -u +%FT%TZ >"$OUT/ready"
# Other recipes' guests unused for a day are dropped (not at once: a
# checkout of another version may be booting one right now).
find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name "$KEY" -mmin +1440 -exec rm -rf {} +
echo "$OUT"
