#!/usr/bin/env bash
# package_unit.sh - the installed systemd unit scstd.service.
# systemd is not PID 1 on the test machines, so the unit is checked in
# three ways instead of being started by systemd:
#  - its directives, read from the installed file: Type=notify, ExecStart,
#    ExecReload sending SIGHUP, the runtime and state directories the
#    daemon's defaults (scstd --help) use, the hardening (ProtectSystem=
#    strict with /var/lib/scst and /run/scst writable, ProtectHome,
#    capabilities, /dev/fuse);
#  - systemd's own parser: `systemd-analyze verify` (no unknown key, no
#    bad value; the unit, and the unit with the mount drop-in) and
#    `systemd-analyze security --offline` (exposure level stays "OK");
#  - scstd run the way the unit runs it: ExecStart's exact arguments (only
#    the config path replaced), $SCSTD_OPTIONS from an EnvironmentFile, in
#    a mount namespace where / is read-only and /run/scst, /var/lib/scst
#    are fresh writable directories, from WorkingDirectory with UMask: it
#    serves a login, answers on /run/scst/scstd.sock, writes APTPL
#    reservations to /var/lib/scst/pr, survives ExecReload (SIGHUP) and
#    stops on SIGTERM with exit 0.
. "$(dirname "$0")/../lib.sh"
plan 33

require_daemon
require_tools pr_churn
DEST=$WORKDIR/dest
if ! make_install "$DEST" PREFIX=/usr; then
	not_ok "make install DESTDIR=$DEST PREFIX=/usr"
	sed 's/^/#   /' "$WORKDIR/install.out" | tail -20
	finish
fi
UNIT=$DEST/usr/lib/systemd/system/scstd.service
DROPIN=$DEST/usr/share/doc/scstd/examples/scstd-mount.conf

# directive SECTION KEY: the values of KEY in [SECTION], one per line, in
# the order of the file (systemd's syntax: comments start with # or ;).
directive() {
	awk -v sec="[$1]" -v key="$2" '
		/^[ \t]*[#;]/ || /^[ \t]*$/ { next }
		/^\[/ { cur = $0; next }
		cur == sec {
			k = $0; sub(/=.*/, "", k); gsub(/[ \t]/, "", k)
			if (k == key) { v = $0; sub(/^[^=]*=[ \t]*/, "", v); print v }
		}' "$UNIT"
}

# has SECTION KEY VALUE: one of KEY's values is VALUE (list directives:
# VALUE is one of its space-separated words).
has() {
	directive "$1" "$2" | tr ' ' '\n' | grep -qxF -- "$3" ||
		directive "$1" "$2" | grep -qxF -- "$3"
}
check_has() {
	check "[$1] $2 has $3" has "$@"
}

check_output "[Service] Type=notify" "^notify$" directive Service Type
check_output "[Service] ExecStart runs scstd in the foreground with /etc/scst.conf" \
	'^/usr/sbin/scstd --foreground --config /etc/scst.conf \$SCSTD_OPTIONS$' directive Service ExecStart
check_output "[Service] ExecReload sends SIGHUP to the main process" \
	'^/bin/kill -HUP \$MAINPID$' directive Service ExecReload
check_output "[Service] EnvironmentFile is the optional /etc/default/scstd" \
	'^-/etc/default/scstd$' directive Service EnvironmentFile
check_has Service RuntimeDirectory scst
check_has Service StateDirectory scst
check_has Service ProtectSystem strict
check_has Service ReadWritePaths -/var/lib/scst
check_has Service ReadWritePaths -/run/scst
check_has Service ProtectHome yes
check_has Service PrivateTmp yes
check_has Service NoNewPrivileges yes
check_has Service CapabilityBoundingSet CAP_NET_BIND_SERVICE
check_has Service CapabilityBoundingSet CAP_SYS_ADMIN
check_has Service DeviceAllow "/dev/fuse rw"
check_has Service DevicePolicy closed
check_has Install WantedBy multi-user.target
check_has Unit Documentation "man:scstd(8)"

# The daemon's defaults must lie in the directories the unit provides.
HELP=$("$SCSTD" --help | tr -s ' \n' '  ')
check_output "scstd's default control socket is in RuntimeDirectory /run/scst" \
	"default /run/scst/scstd.sock" echo "$HELP"
check_output "scstd's default scst_local socket is in /run/scst" \
	"default /run/scst/scst_local.sock" echo "$HELP"
check_output "scstd's default PR directory is in StateDirectory /var/lib/scst" \
	"default /var/lib/scst/pr" echo "$HELP"

# ---- systemd's parser ------------------------------------------------------
# verify resolves ExecStart's binary on this machine: the DESTDIR one.
mkdir -p "$WORKDIR/units"
sed "s|^ExecStart=/usr/sbin/scstd |ExecStart=$DEST/usr/sbin/scstd |" "$UNIT" >"$WORKDIR/units/scstd.service"
cat "$WORKDIR/units/scstd.service" "$DROPIN" >"$WORKDIR/units/scstd-mount.service"
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify: the unit has no unknown key and no bad value" \
		bash -c "out=\$(systemd-analyze verify --man=no '$WORKDIR/units/scstd.service' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
	check "systemd-analyze verify: the mount drop-in's keys too" \
		bash -c "out=\$(systemd-analyze verify --man=no '$WORKDIR/units/scstd-mount.service' 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
	check_output "systemd-analyze security --offline: exposure level OK" \
		"Overall exposure level for scstd.service: [0-4]\.[0-9] OK" \
		systemd-analyze security --offline=true --no-pager "$WORKDIR/units/scstd.service"
	note "$(grep -o 'Overall exposure level.*' "$WORKDIR/last.out")"
else
	skip "systemd-analyze is not installed"
fi

# ---- run as the unit runs it ----------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null; then
	skip "running like the unit needs root, unshare and nsenter"
	finish
fi
PORT=$(pick_port)
IQN=iqn.2026-11.org.scstd:unit
# The unit's EnvironmentFile, as an administrator would write it.
echo "SCSTD_OPTIONS=\"--listen 127.0.0.1:$PORT\"" >"$WORKDIR/default-scstd"
cat >"$WORKDIR/unit.conf" <<CONF
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

# ExecStart's words: the binary under test, the config path replaced,
# $SCSTD_OPTIONS split into words as systemd does for an unbraced $VAR.
read -r -a EXEC <<<"$(directive Service ExecStart)"
SCSTD_OPTIONS=$(. "$WORKDIR/default-scstd" && echo "$SCSTD_OPTIONS")
ARGS=()
for w in "${EXEC[@]:1}"; do
	case $w in
	/etc/scst.conf) ARGS+=("$WORKDIR/unit.conf") ;;
	'$SCSTD_OPTIONS') read -r -a opts <<<"$SCSTD_OPTIONS"; ARGS+=("${opts[@]}") ;;
	*) ARGS+=("$w") ;;
	esac
done
note "scstd ${ARGS[*]}"
UMASK=$(directive Service UMask)
WDIR=$(directive Service WorkingDirectory)

# The namespace: fresh /run (RuntimeDirectory) and /var/lib (StateDirectory),
# then the root and the file system of the work directory read-only
# (ProtectSystem=strict; the backing file lives in /var/lib/scst).
DAEMON_LOG=$WORKDIR/unit.log
DAEMON_SEQ=$((DAEMON_SEQ + 1))
(exec unshare --mount --propagation private sh -ec '
	mount -t tmpfs -o mode=0755 scst-run /run
	mkdir -m 0755 /run/scst
	mount -t tmpfs -o mode=0755 scst-state /var/lib
	mkdir -m 0700 /var/lib/scst
	truncate -s 8M /var/lib/scst/disk.img
	for m in / "$(findmnt -n -o TARGET --target "$1")"; do
		mount -o remount,bind,ro "$m"
	done
	cd "$2"
	umask "$3"
	shift 3
	exec "$@"' _ "$WORKDIR" "$WDIR" "$UMASK" "$SCSTD" "${ARGS[@]}") >"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
if ! wait_port "$PORT" "$DAEMON_PID"; then
	not_ok "scstd run like the unit comes up on --listen from the EnvironmentFile"
	dump_log
	finish
fi
ok "scstd run like the unit comes up on --listen from the EnvironmentFile"
in_ns() { nsenter --mount --target "$DAEMON_PID" "$@"; }
check "the work directory is read-only for it (the namespace holds)" \
	in_ns sh -c "! touch '$WORKDIR/written' 2>/dev/null"
check_output "iscsi-ls logs in and sees LUN 0 on the backing file in /var/lib/scst" \
	"Lun:0 +Type:DIRECT_ACCESS" iscsi-ls -s "iscsi://127.0.0.1:$PORT"
check_output "the control socket is /run/scst/scstd.sock" "^$IQN/\$" \
	in_ns "$(dirname "$SCSTD")/scstctl" list targets/iscsi
"$(tool pr_churn)" "iscsi://127.0.0.1:$PORT/$IQN/0" churn 1 >"$WORKDIR/churn.out" 2>&1 &
CHURN=$!
BG_PIDS+=("$CHURN")
eventually 10 grep -q '^acked' "$WORKDIR/churn.out"
kill "$CHURN" 2>/dev/null
wait "$CHURN" 2>/dev/null
check_output "APTPL reservations are written to /var/lib/scst/pr" "^d1" \
	in_ns ls /var/lib/scst/pr
check_output "files it creates follow UMask=$UMASK (no access for others)" "^-rw-?-?-?-?---" \
	in_ns ls -l /var/lib/scst/pr/d1
kill -HUP "$DAEMON_PID"
sleep 1
check_alive "ExecReload (SIGHUP) leaves it running"
check_output "it still serves after SIGHUP" "Lun:0 +Type:DIRECT_ACCESS" \
	iscsi-ls -s "iscsi://127.0.0.1:$PORT"
check_stop "SIGTERM (systemctl stop) ends it with exit 0 and a clean log" \
	"$(directive Service TimeoutStopSec)"

finish
