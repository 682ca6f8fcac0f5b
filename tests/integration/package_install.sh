#!/usr/bin/env bash
# package_install.sh - `make install` and `make uninstall` into a DESTDIR:
#  - exactly the promised files, with their modes (binaries 0755, the rest
#    0644), the installed binaries the built ones, the unit and the
#    pkg-config file naming the installation's paths;
#  - the installed scstd serves from the DESTDIR: an iSCSI login
#    (iscsi-ls) and a raw INQUIRY through scst_local (the installed
#    scst-local-cmd), the installed scstctl and scstadmin talk to it;
#  - libscst_local builds a program with nothing but the installed header,
#    library and `pkg-config scst_local`;
#  - /etc/scst.conf: installed when absent, kept when changed (a second
#    install, uninstall), removed by uninstall only while unchanged;
#  - uninstall leaves no file behind; PREFIX=/usr puts the unit's
#    ExecStart at /usr/sbin/scstd.
. "$(dirname "$0")/../lib.sh"
plan 24

require_daemon
BUILT=$(dirname "$SCSTD")
DEST=$WORKDIR/dest
P=usr/local
IQN=iqn.2026-11.org.scstd:install

if ! make_install "$DEST"; then
	not_ok "make install DESTDIR=$DEST"
	sed 's/^/#   /' "$WORKDIR/install.out" | tail -20
	finish
fi
ok "make install DESTDIR=... succeeds"

# What the installation promises (README "Install as a service").
expected_files() {
	local f
	for f in scstd scstadmin scstctl scst-local-cmd; do echo "755 $P/sbin/$f"; done
	echo "644 $P/lib/libscst_local.a"
	echo "644 $P/include/scst_local.h"
	echo "644 $P/lib/pkgconfig/scst_local.pc"
	echo "644 $P/lib/systemd/system/scstd.service"
	for f in scstd scstadmin scstctl scst-local-cmd; do echo "644 $P/share/man/man8/$f.8"; done
	echo "644 $P/share/man/man5/scst.conf.5"
	echo "644 $P/share/bash-completion/completions/scstadmin"
	echo "644 $P/share/bash-completion/completions/scstctl"
	echo "644 $P/share/doc/scstd/examples/scst.conf"
	echo "644 $P/share/doc/scstd/examples/scstd-mount.conf"
	echo "644 etc/scst.conf"
}
installed_files() {
	(cd "$DEST" && find . -type f -printf '%m %P\n' -o ! -type d -printf '%m %P (not a file)\n')
}
check "exactly the promised files, with their modes" \
	diff <(expected_files | sort -k2) <(installed_files | sort -k2)
check "every installed directory is 0755" \
	bash -c "[ -z \"\$(find '$DEST' -mindepth 1 -type d ! -perm 0755)\" ]"

same_binaries() {
	local f
	for f in scstd scstadmin scstctl scst-local-cmd; do
		cmp "$BUILT/$f" "$DEST/$P/sbin/$f" || return 1
	done
	cmp "$BUILT/libscst_local.a" "$DEST/$P/lib/libscst_local.a"
}
check "the installed binaries and library are the built ones" same_binaries
check "the installed completion scripts and examples are the tree's" bash -c "
	cmp '$TESTS_ROOT/dist/bash-completion/scstadmin' '$DEST/$P/share/bash-completion/completions/scstadmin' &&
	cmp '$TESTS_ROOT/dist/bash-completion/scstctl' '$DEST/$P/share/bash-completion/completions/scstctl' &&
	cmp '$TESTS_ROOT/dist/scst.conf' '$DEST/etc/scst.conf'"
check_output "the unit starts the installed scstd with /etc/scst.conf" \
	"^ExecStart=/usr/local/sbin/scstd --foreground --config /etc/scst.conf( |$)" \
	cat "$DEST/$P/lib/systemd/system/scstd.service"
check "no template placeholder is left in generated files" \
	bash -c "! grep -rn '@[A-Z]*@' '$DEST/$P/lib/systemd/system/scstd.service' '$DEST/$P/lib/pkgconfig/scst_local.pc' '$DEST/$P/share/man'"
check "the installed scstadmin accepts the installed /etc/scst.conf" \
	"$DEST/$P/sbin/scstadmin" -check_config "$DEST/etc/scst.conf"

# ---- libscst_local through pkg-config only -------------------------------
# PKG_CONFIG_SYSROOT_DIR prefixes the DESTDIR to the .pc's -I and -L.
pc() {
	PKG_CONFIG_PATH=$DEST/$P/lib/pkgconfig PKG_CONFIG_LIBDIR=$DEST/$P/lib/pkgconfig \
		PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@"
}
check_output "pkg-config scst_local has the version of scstd --version" \
	"^$("$SCSTD" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)\$" pc --modversion scst_local
# The sanitizer build's library needs its runtime at link time.
SAN_LINK=
[ "$(basename "$BUILT")" = build-asan ] && SAN_LINK=-fsanitize=address,undefined
# shellcheck disable=SC2046
check "examples/toy_target.c builds from the installed header and library alone" \
	gcc -std=gnu11 $SAN_LINK -o "$WORKDIR/toy_target" "$TESTS_ROOT/examples/toy_target.c" \
	$(pc --cflags scst_local) $(pc --libs --static scst_local)

# ---- the installed daemon serves ------------------------------------------
truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/install.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 d1
		enabled 1
	}
}
TARGET_DRIVER scst_local {
	TARGET scst_local_tgt {
		LUN 0 d1
	}
}
CONF
SCSTD_BUILT=$SCSTD
SCSTD=$DEST/$P/sbin/scstd
if ! start_daemon --config "$WORKDIR/install.conf"; then
	not_ok "the installed scstd starts with a config"
	finish
fi
ok "the installed scstd starts with a config"
check_output "iscsi-ls logs in to the installed scstd and sees LUN 0" \
	"Lun:0 +Type:DIRECT_ACCESS" iscsi-ls -s "iscsi://127.0.0.1:$PORT"
check_output "the installed scstctl reads the daemon's version" \
	"^$("$SCSTD_BUILT" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)" \
	"$DEST/$P/sbin/scstctl" --socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" read version
check_output "the installed scstadmin lists the target" "$IQN" \
	"$DEST/$P/sbin/scstadmin" -socket "$WORKDIR/ctl.$DAEMON_SEQ.sock" -list_target
# SPC-4 INQUIRY: byte 0 peripheral device type 00h (direct access block).
check_output "the installed scst-local-cmd: INQUIRY of a disk LUN is GOOD, type 00h" \
	"^ 0000: 00 " "$DEST/$P/sbin/scst-local-cmd" -s "$WORKDIR/local.$DAEMON_SEQ.sock" \
	-S scst_local_host -r 96 12 00 00 00 60 00
check_stop
SCSTD=$SCSTD_BUILT

# ---- /etc/scst.conf belongs to the administrator -------------------------
echo "# changed by the administrator" >>"$DEST/etc/scst.conf"
cp "$DEST/etc/scst.conf" "$WORKDIR/changed.conf"
check "a second install succeeds" make_install "$DEST"
check "a second install keeps the changed /etc/scst.conf" cmp "$WORKDIR/changed.conf" "$DEST/etc/scst.conf"

uninstall() {
	make -C "$TESTS_ROOT" --no-print-directory DESTDIR="$DEST" "$@" uninstall
}
check "make uninstall succeeds" uninstall
check_output "uninstall leaves only the changed /etc/scst.conf" "^etc/scst.conf$" \
	bash -c "cd '$DEST' && find . -type f -printf '%P\n' | tee /dev/stderr | grep -c . | grep -qx 1 && find . -type f -printf '%P\n'"
cp "$TESTS_ROOT/dist/scst.conf" "$DEST/etc/scst.conf"
check "uninstall removes an unchanged /etc/scst.conf: no file is left" \
	bash -c "make -s -C '$TESTS_ROOT' --no-print-directory DESTDIR='$DEST' uninstall && [ -z \"\$(find '$DEST' -type f)\" ]"

# ---- another prefix ------------------------------------------------------
rm -rf "$DEST"
if make_install "$DEST" PREFIX=/usr; then
	check_output "PREFIX=/usr: the unit's ExecStart is /usr/sbin/scstd" \
		"^ExecStart=/usr/sbin/scstd --foreground --config /etc/scst.conf( |$)" \
		cat "$DEST/usr/lib/systemd/system/scstd.service"
	check "PREFIX=/usr: scstd is /usr/sbin/scstd" test -x "$DEST/usr/sbin/scstd"
	check_output "PREFIX=/usr: the pkg-config file says so" "^prefix=/usr$" \
		cat "$DEST/usr/lib/pkgconfig/scst_local.pc"
else
	not_ok "make install PREFIX=/usr DESTDIR=..."
	sed 's/^/#   /' "$WORKDIR/install.out" | tail -20
fi

finish
