#!/usr/bin/env bash
# long-test
# timeout: 1200
# package_deb.sh - the Debian package, built from this tree and installed
# with apt into a clean Debian chroot:
#  - `dpkg-buildpackage -b -us -uc` on a copy of the tree gives
#    scstd_*.deb (and libscst-local-dev_*.deb); lintian reports no error;
#  - the .deb holds the binaries, the unit, the man pages, the completion,
#    and /etc/scst.conf as a conffile;
#  - `apt-get install ./scstd_*.deb` in a minimal Debian chroot
#    (debootstrap --variant=minbase, same release as this machine, from its
#    mirror) pulls the dependencies and enables scstd.service;
#  - the installed scstd, started with the installed unit's ExecStart
#    (config path replaced, --listen as SCSTD_OPTIONS would add), serves an
#    iSCSI login from the host (iscsi-ls), the installed scstctl and
#    scstadmin talk to it, and it stops with exit 0;
#  - a changed /etc/scst.conf survives a reinstall and `apt-get remove`;
#    `apt-get purge` removes it;
#  - under systemd (the chroot with systemd booted by systemd-nspawn):
#    scstd.service as shipped is active after boot and serves the host,
#    with the unit's capability bounding set, NoNewPrivileges, read-only
#    /usr, writable /var/lib/scst, hidden /root; reload keeps it serving,
#    stop ends it with status 0.
# The chroot's base system and apt's downloads are cached under
# $SCSTD_TEST_CACHE (default /var/cache/scstd-tests): the first run spends
# one to two minutes on debootstrap (about 3 min in all), later runs copy
# the base (about a minute in all).
. "$(dirname "$0")/../lib.sh"
plan 34

CACHE=${SCSTD_TEST_CACHE:-/var/cache/scstd-tests}
IQN=iqn.2026-11.org.scstd:deb

for cmd in dpkg-buildpackage lintian debootstrap unshare chroot iscsi-ls; do
	if ! command -v "$cmd" >/dev/null; then
		not_ok "$cmd is installed (make deps)"
		finish
	fi
done
if [ "$(id -u)" != 0 ]; then
	skip "a chroot needs root"
	finish
fi

# ---- build -------------------------------------------------------------------
SRC=$WORKDIR/src/scstd
mkdir -p "$SRC"
tar -C "$TESTS_ROOT" --exclude=./build --exclude=./build-asan --exclude=./build-deb \
	--exclude=./.git --exclude=./var --exclude=./debian/scstd --exclude=./debian/tmp \
	--exclude=./debian/.debhelper --exclude=./debian/libscst-local-dev -cf - . | tar -C "$SRC" -xf -
t0=$SECONDS
if (cd "$SRC" && DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck" dpkg-buildpackage -b -us -uc) \
	>"$WORKDIR/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc builds the packages ($((SECONDS - t0)) s)"
else
	not_ok "dpkg-buildpackage -b -us -uc builds the packages"
	tail -30 "$WORKDIR/build.log" | sed 's/^/#   /'
	finish
fi
DEB=$(ls "$WORKDIR"/src/scstd_*.deb 2>/dev/null | grep -v dbgsym | head -1)
CHANGES=$(ls "$WORKDIR"/src/scstd_*.changes 2>/dev/null | head -1)
check "scstd_*.deb and libscst-local-dev_*.deb are built" \
	bash -c "[ -f '$DEB' ] && ls '$WORKDIR'/src/libscst-local-dev_*.deb"

lintian --fail-on error "$CHANGES" >"$WORKDIR/lintian.out" 2>&1
rc=$?
check "lintian: no error on the packages" \
	bash -c "cat '$WORKDIR/lintian.out'; [ $rc = 0 ] && ! grep -q '^E: ' '$WORKDIR/lintian.out'"
note "lintian: $(grep -c '^W: ' "$WORKDIR/lintian.out") warnings, $(grep -c '^I: ' "$WORKDIR/lintian.out") infos"

dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$WORKDIR/contents"
contains() {
	local f
	for f in "$@"; do
		grep -qxF -- "$f" "$WORKDIR/contents" || { echo "$f missing"; return 1; }
	done
}
check "the .deb holds the binaries, the unit, man pages and completion" contains \
	/usr/sbin/scstd /usr/sbin/scstadmin /usr/sbin/scstctl /usr/sbin/scst-local-cmd \
	/lib/systemd/system/scstd.service /usr/share/man/man8/scstd.8.gz \
	/usr/share/man/man5/scst.conf.5.gz /usr/share/bash-completion/completions/scstctl \
	/etc/scst.conf
check_output "/etc/scst.conf is a conffile" "^/etc/scst.conf$" dpkg-deb -I "$DEB" conffiles

# ---- a clean chroot ---------------------------------------------------------
# The mirror and release of this machine.
mirror() {
	local m
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]+/debian/?( |$)' | grep -v security | head -1 | tr -d ' ')
	echo "${m:-http://deb.debian.org/debian}"
}
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
BASE=$CACHE/$SUITE-minbase
mkdir -p "$CACHE/apt-archives/partial" "$CACHE/apt-lists/partial"
# One test run at a time uses the cache (debootstrap, apt's lock files).
exec 9>"$CACHE/lock"
flock 9
if [ ! -f "$BASE/.complete" ]; then
	rm -rf "$BASE.tmp"
	t0=$SECONDS
	if debootstrap --variant=minbase "$SUITE" "$BASE.tmp" "$(mirror)" >"$WORKDIR/debootstrap.log" 2>&1; then
		touch "$BASE.tmp/.complete"
		rm -rf "$BASE" && mv "$BASE.tmp" "$BASE"
		ok "debootstrap --variant=minbase $SUITE into the cache ($((SECONDS - t0)) s)"
	else
		not_ok "debootstrap --variant=minbase $SUITE $(mirror)"
		tail -20 "$WORKDIR/debootstrap.log" | sed 's/^/#   /'
		finish
	fi
fi
ROOT=$WORKDIR/root
cp -a "$BASE" "$ROOT"
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp "$DEB" "$ROOT/tmp/"

# in_chroot CMD...: CMD in the chroot, in a mount namespace of its own
# (proc, /dev and the apt caches are mounted there only: nothing to
# clean up on the host whatever happens).
in_chroot() {
	unshare --mount --propagation private sh -ec '
		r=$1 cache=$2
		shift 2
		mount -t proc proc "$r/proc"
		mount --bind /dev "$r/dev"
		mount --bind "$cache/apt-archives" "$r/var/cache/apt/archives"
		mount --bind "$cache/apt-lists" "$r/var/lib/apt/lists"
		exec chroot "$r" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"' \
		_ "$ROOT" "$CACHE" "$@"
}

t0=$SECONDS
if in_chroot apt-get update -q >"$WORKDIR/apt.log" 2>&1 &&
	in_chroot apt-get install -y -q --no-install-recommends "/tmp/$(basename "$DEB")" >>"$WORKDIR/apt.log" 2>&1; then
	ok "apt-get install ./$(basename "$DEB") in a clean $SUITE chroot ($((SECONDS - t0)) s)"
else
	not_ok "apt-get install ./$(basename "$DEB") in a clean $SUITE chroot"
	tail -30 "$WORKDIR/apt.log" | sed 's/^/#   /'
	finish
fi
flock -u 9
check_output "dpkg says scstd is installed" "^install ok installed$" \
	in_chroot dpkg-query -W -f '${Status}\n' scstd
check "the package enabled scstd.service" \
	test -L "$ROOT/etc/systemd/system/multi-user.target.wants/scstd.service"
check "the installed scstadmin accepts the installed /etc/scst.conf" \
	in_chroot scstadmin -check_config /etc/scst.conf

# ---- the installed scstd serves ---------------------------------------------
UNIT=$ROOT/lib/systemd/system/scstd.service
read -r -a EXEC <<<"$(sed -n 's/^ExecStart=//p' "$UNIT")"
PORT=$(pick_port)
ARGS=()
for w in "${EXEC[@]}"; do
	case $w in
	/etc/scst.conf) ARGS+=(/etc/scst-test.conf) ;;
	'$SCSTD_OPTIONS') ARGS+=(--listen "127.0.0.1:$PORT") ;;
	*) ARGS+=("$w") ;;
	esac
done
mkdir -p "$ROOT/var/lib/scst"
truncate -s 8M "$ROOT/var/lib/scst/disk.img"
cat >"$ROOT/etc/scst-test.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename /var/lib/scst/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		LUN 0 d1
		enabled 1
	}
}
CONF
note "in the chroot: ${ARGS[*]}"
DAEMON_LOG=$WORKDIR/chroot-scstd.log
DAEMON_SEQ=$((DAEMON_SEQ + 1))
(exec unshare --mount --propagation private sh -ec '
	r=$1
	shift
	mount -t proc proc "$r/proc"
	mount --bind /dev "$r/dev"
	exec chroot "$r" "$@"' _ "$ROOT" "${ARGS[@]}") >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
if ! wait_port "$PORT" "$DAEMON_PID"; then
	not_ok "the installed scstd starts with the unit's ExecStart"
	dump_log
	finish
fi
ok "the installed scstd starts with the unit's ExecStart"
check_output "iscsi-ls from the host logs in to it and sees LUN 0" \
	"Lun:0 +Type:DIRECT_ACCESS" iscsi-ls -s "iscsi://127.0.0.1:$PORT"
check_output "the installed scstadmin lists the target (default socket)" "$IQN" \
	eventually 5 chroot "$ROOT" scstadmin -list_target
check_output "the installed scstctl reads the version" "^[0-9]+\.[0-9]+" \
	chroot "$ROOT" scstctl read version
check_stop

# ---- conffile and removal -----------------------------------------------------
echo "# changed by the administrator" >>"$ROOT/etc/scst.conf"
cp "$ROOT/etc/scst.conf" "$WORKDIR/changed.conf"
check "apt-get install --reinstall succeeds" \
	in_chroot apt-get install -y -q --reinstall "/tmp/$(basename "$DEB")"
check "a reinstall keeps the changed /etc/scst.conf" cmp "$WORKDIR/changed.conf" "$ROOT/etc/scst.conf"
check "apt-get remove scstd succeeds" in_chroot apt-get remove -y -q scstd
check "remove takes /usr/sbin/scstd and keeps the changed /etc/scst.conf" \
	bash -c "[ ! -e '$ROOT/usr/sbin/scstd' ] && cmp '$WORKDIR/changed.conf' '$ROOT/etc/scst.conf'"
check "apt-get purge scstd removes /etc/scst.conf" \
	bash -c "chroot '$ROOT' env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q scstd && [ ! -e '$ROOT/etc/scst.conf' ]"

# ---- under systemd ----------------------------------------------------------
# The chroot, with systemd and the package, booted by systemd-nspawn (its
# own PID 1 and cgroups, the host's network): scstd.service as shipped
# starts at boot with /etc/scst.conf and /etc/default/scstd, hardened.
if ! command -v systemd-nspawn >/dev/null; then
	not_ok "systemd-nspawn is installed (make deps: systemd-container)"
	finish
fi
flock 9
t0=$SECONDS
if in_chroot apt-get install -y -q --no-install-recommends systemd "/tmp/$(basename "$DEB")" \
	>"$WORKDIR/apt-systemd.log" 2>&1; then
	ok "systemd and the package install in the chroot ($((SECONDS - t0)) s)"
else
	not_ok "systemd and the package install in the chroot"
	tail -20 "$WORKDIR/apt-systemd.log" | sed 's/^/#   /'
	finish
fi
flock -u 9
PORT=$(pick_port)
cp "$ROOT/etc/scst-test.conf" "$ROOT/etc/scst.conf"
echo "SCSTD_OPTIONS=\"--listen 127.0.0.1:$PORT\"" >"$ROOT/etc/default/scstd"
# The unit is Type=notify: systemd starts it only once scstd sends READY=1.
check "the installed scstd speaks sd_notify" grep -qaE 'sd_notify|NOTIFY_SOCKET' "$ROOT/usr/sbin/scstd"

# nspawn's children: its inner child, then the container's systemd.
container_init() {
	local p c
	for p in $(pgrep -P "$NSPAWN_PID") $(pgrep -P "$NSPAWN_PID" | xargs -r -n1 pgrep -P); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = systemd ] && { echo "$p"; return 0; }
	done
	return 1
}
in_container() { nsenter --target "$INIT" --all "$@"; }
unit_prop() { in_container systemctl show scstd --value -p "$1"; }

SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn --keep-unit --register=no --quiet \
	--machine="scstd-test-$$" --directory="$ROOT" --boot >"$WORKDIR/nspawn.log" 2>&1 &
NSPAWN_PID=$!
BG_PIDS+=("$NSPAWN_PID")
# Boot and start within two minutes, however loaded the machine; a unit
# that failed for good (past its restarts) ends the wait.
INIT=
deadline=$((SECONDS + 120))
while [ $SECONDS -lt $deadline ] && kill -0 "$NSPAWN_PID" 2>/dev/null; do
	if INIT=$(container_init); then
		state=$(unit_prop ActiveState 2>/dev/null)
		[ "$state" = active ] || [ "$state" = failed ] && break
	fi
	sleep 0.2
done
if [ "$(unit_prop ActiveState 2>/dev/null)" != active ]; then
	not_ok "scstd.service is active after the container booted"
	tail -20 "$WORKDIR/nspawn.log" | sed 's/^/#   /'
	[ -n "$INIT" ] && in_container journalctl -u scstd --no-pager 2>&1 | tail -20 | sed 's/^/#   /'
	finish
fi
ok "scstd.service is active after the container booted (Type=$(unit_prop Type))"
check_output "it serves iscsi-ls from the host on the --listen of /etc/default/scstd" \
	"Lun:0 +Type:DIRECT_ACCESS" iscsi-ls -s "iscsi://127.0.0.1:$PORT"
check_output "scstctl reaches it on /run/scst/scstd.sock" "^[0-9]+\.[0-9]+" in_container scstctl read version
SCSTD_PID=$(pgrep -P "$INIT" -x scstd)
# CAP_NET_BIND_SERVICE 10, CAP_SYS_ADMIN 21, CAP_DAC_OVERRIDE 1,
# CAP_DAC_READ_SEARCH 2, CAP_FOWNER 3 (linux/capability.h).
check_output "its capability bounding set is the unit's" "^CapBnd:[[:space:]]+0*20040e$" \
	grep CapBnd "/proc/$SCSTD_PID/status"
check_output "NoNewPrivileges holds" "^NoNewPrivs:[[:space:]]+1$" grep NoNewPrivs "/proc/$SCSTD_PID/status"
check "ProtectSystem=strict: /usr is read-only for it" \
	nsenter --target "$SCSTD_PID" --mount sh -c '! touch /usr/.scstd-test 2>/dev/null'
check "ReadWritePaths: /var/lib/scst is writable for it" \
	nsenter --target "$SCSTD_PID" --mount touch /var/lib/scst/.scstd-test
check "ProtectHome: /root is hidden from it" \
	nsenter --target "$SCSTD_PID" --mount sh -c '[ -z "$(ls -A /root)" ]'
check "systemctl reload scstd (SIGHUP) succeeds" in_container systemctl reload scstd
check_output "after the reload the same process still serves" "Lun:0 +Type:DIRECT_ACCESS" \
	bash -c "[ \"\$(nsenter --target $INIT --all systemctl show scstd --value -p MainPID)\" -gt 0 ] && kill -0 $SCSTD_PID && iscsi-ls -s iscsi://127.0.0.1:$PORT"
check "systemctl stop scstd succeeds" in_container systemctl stop scstd
check_output "stopped with exit status 0" "^success 0$" \
	bash -c "echo \$(nsenter --target $INIT --all systemctl show scstd --value -p Result) \$(nsenter --target $INIT --all systemctl show scstd --value -p ExecMainStatus)"
kill -TERM "$NSPAWN_PID"
for _ in $(seq 1 300); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
check "the container shuts down" bash -c "! kill -0 $NSPAWN_PID 2>/dev/null"

finish
