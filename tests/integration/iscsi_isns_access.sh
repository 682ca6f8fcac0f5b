#!/usr/bin/env bash
# iscsi_isns_access.sh - iSNSAccessControl against a real iSNS server
# (open-isns isnsd on loopback, no default discovery domain): with access
# control on, an initiator in a discovery domain with the target logs in
# and sees it in SendTargets; one outside is refused with login status
# 0x0203 (target not found, as iscsi-scst answers) and does not see it.
# Domain changes made with isnsadm take effect within a few seconds both
# ways; access control off lets everybody in again; a bad value is
# refused and changes nothing.
. "$(dirname "$0")/../lib.sh"

plan 25

require_daemon
SCSTCTL=$(dirname "$SCSTD")/scstctl
[ -x "$SCSTCTL" ] || { not_ok "scstctl is built next to scstd"; finish; }
for b in isnsd isnsadm; do
	command -v $b >/dev/null || PATH=$PATH:/usr/sbin
	command -v $b >/dev/null || { not_ok "$b is installed (open-isns)"; finish; }
done
for b in iscsi-inq iscsi-ls; do
	command -v $b >/dev/null || { not_ok "$b (libiscsi-bin) is installed"; finish; }
done
SOCK=$WORKDIR/ctl/scstd.sock
IQN=iqn.2026-12.org.scstd:isns-acl
INI_IN=iqn.2026-12.org.scstd:ini-inside
INI_OUT=iqn.2026-12.org.scstd:ini-outside
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

ISNS_PORT=$(pick_port) || { not_ok "a free port for isnsd"; finish; }
mkdir -p "$WORKDIR/isns/db"
# No default discovery domain: a node sees only its domains' members.
cat >"$WORKDIR/isns/isnsd.conf" <<CONF
SourceName = iqn.2026-12.org.scstd:isnsd
BindAddress = 127.0.0.1:$ISNS_PORT
Database = $WORKDIR/isns/db
PIDFile = $WORKDIR/isns/isnsd.pid
ControlSocket = $WORKDIR/isns/control
Security = 0
SLPRegister = 0
DefaultDiscoveryDomain = 0
RegistrationPeriod = 1h
CONF
cat >"$WORKDIR/isns/isnsadm.conf" <<CONF
SourceName = iqn.2026-12.org.scstd:isnsadm
ServerAddress = 127.0.0.1:$ISNS_PORT
ControlSocket = $WORKDIR/isns/control
Security = 0
CONF
isnsd -f -4 -c "$WORKDIR/isns/isnsd.conf" >"$WORKDIR/isns/isnsd.log" 2>&1 &
BG_PIDS+=("$!")
isnsd_up() {
	for _ in $(seq 1 50); do
		ss -Hltn "sport = :$ISNS_PORT" | grep -q . && return 0
		sleep 0.1
	done
	cat "$WORKDIR/isns/isnsd.log"
	return 1
}
check "isnsd listens on 127.0.0.1:$ISNS_PORT" isnsd_up
adm() { isnsadm -c "$WORKDIR/isns/isnsadm.conf" --local "$@"; }

truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/acl.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	iSNSServer 127.0.0.1:$ISNS_PORT
	iSNSAccessControl Yes
	TARGET $IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/acl.conf" --ctl-socket "$SOCK"; then
	not_ok "scstd starts with iSNSServer and iSNSAccessControl Yes"
	finish
fi
ok "scstd starts with iSNSServer and iSNSAccessControl Yes"
check_output "iSNSAccessControl reads Yes with [key]" "^Yes
\[key\]\$" ctl read targets/iscsi/iSNSAccessControl

# Without a default domain isnsadm sees no node outside its own domains:
# the daemon's log tells.
registered() {
	for _ in $(seq 1 50); do
		grep -aq "iSNS: registered 1 target(s)" "$DAEMON_LOG" && return 0
		sleep 0.1
	done
	return 1
}
check "the target is registered with isnsd" registered
check "two initiators are registered with isnsd" \
	adm --register entity=ini-host initiator=$INI_IN initiator=$INI_OUT
check "a discovery domain holds the target and $INI_IN" \
	bash -c "isnsadm -c '$WORKDIR/isns/isnsadm.conf' --local --dd-register dd-name=acl member-name=$IQN member-name=$INI_IN >'$WORKDIR/dd.out' 2>&1"
DD_ID=$(sed -n 's/.*DD ID = \([0-9]*\).*/\1/p' "$WORKDIR/dd.out" | head -1)
check "isnsadm names the domain's ID" [ -n "$DD_ID" ]

inq() { timeout 20 iscsi-inq -i "$1" "iscsi://127.0.0.1:$PORT/$IQN/0" 2>&1; }
inq_ok() { inq "$1" | grep -q DIRECT_ACCESS; }
hidden_from() { ! lists "$1"; }
lists() { timeout 20 iscsi-ls -i "$1" "iscsi://127.0.0.1:$PORT" 2>&1 | grep -q "Target:$IQN"; }
# sees_within INI SECONDS / blind_within INI SECONDS: SendTargets answers
# INI with (without) the target within SECONDS (the lists are re-read
# every few seconds).
sees_within() {
	for _ in $(seq 1 "$2"); do lists "$1" && return 0; sleep 1; done
	return 1
}
blind_within() {
	for _ in $(seq 1 "$2"); do lists "$1" || return 0; sleep 1; done
	return 1
}
refused() {
	local out
	if out=$(inq "$1"); then
		echo "$out"
		return 1
	fi
	echo "$out"
	grep -aq "login of $1 refused: the iSNS server does not show the target.*status 0x0203" "$DAEMON_LOG"
}

check "SendTargets shows the target to $INI_IN (in its domain)" sees_within "$INI_IN" 10
check "$INI_IN logs in (iscsi-inq)" inq_ok "$INI_IN"
check "SendTargets hides the target from $INI_OUT" hidden_from "$INI_OUT"
check "$INI_OUT is refused with login status 0x0203 (target not found)" refused "$INI_OUT"

check "$INI_OUT joins the domain" adm --dd-register dd-id=$DD_ID member-name=$INI_OUT
check "then SendTargets shows it the target" sees_within "$INI_OUT" 10
check "and it logs in" inq_ok "$INI_OUT"
check "$INI_IN leaves the domain" adm --dd-deregister $DD_ID member-name=$INI_IN
check "then SendTargets hides the target from it" blind_within "$INI_IN" 10
check "and its login is refused" refused "$INI_IN"

check_output "a bad iSNSAccessControl value is refused" "iSNSAccessControl: expected Yes or No" \
	bash -c "! '$SCSTCTL' --socket '$SOCK' write targets/iscsi/iSNSAccessControl maybe 2>&1"
check_output "and changes nothing" "^Yes\$" bash -c "'$SCSTCTL' --socket '$SOCK' read targets/iscsi/iSNSAccessControl | head -1"
check "iSNSAccessControl No" ctl write targets/iscsi/iSNSAccessControl No
check_output "reads No without [key]" "^No\$" ctl read targets/iscsi/iSNSAccessControl
check "lets $INI_IN in again at once" inq_ok "$INI_IN"
check "and SendTargets shows it the target" lists "$INI_IN"
check_alive "daemon alive after the access-control checks"
check_stop
finish
