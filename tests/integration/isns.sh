#!/usr/bin/env bash
# isns.sh - registration with a real iSNS server (open-isns isnsd on
# loopback, private config, database and control socket): scstd started
# with iSNSServer registers its enabled target, the portal and the portal
# group; a target added and enabled through the tree appears, a deleted
# one disappears; isnsd's ESIs are answered (the entity survives several
# ESI rounds); the registration goes away when iSNSServer is cleared and
# when scstd stops; a bad iSNSServer value is refused.
. "$(dirname "$0")/../lib.sh"

plan 39

require_daemon
SCSTCTL=$(dirname "$SCSTD")/scstctl
[ -x "$SCSTCTL" ] || { not_ok "scstctl is built next to scstd"; finish; }
for b in isnsd isnsadm; do
	command -v $b >/dev/null || PATH=$PATH:/usr/sbin
	command -v $b >/dev/null || { not_ok "$b is installed (open-isns)"; finish; }
done
SOCK=$WORKDIR/ctl/scstd.sock
IQN1=iqn.2026-12.org.scstd:isns-one
IQN2=iqn.2026-12.org.scstd:isns-two
ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }

ISNS_PORT=$(pick_port) || { not_ok "a free port for isnsd"; finish; }
mkdir -p "$WORKDIR/isns/db"
# Security 0: no DSA keys in a test; ESI every 1-2 s so that a few
# rounds fit in the test; the default discovery domain makes every node
# visible to isnsadm's queries.
cat >"$WORKDIR/isns/isnsd.conf" <<CONF
SourceName = iqn.2026-12.org.scstd:isnsd
BindAddress = 127.0.0.1:$ISNS_PORT
Database = $WORKDIR/isns/db
PIDFile = $WORKDIR/isns/isnsd.pid
ControlSocket = $WORKDIR/isns/control
Security = 0
SLPRegister = 0
DefaultDiscoveryDomain = 1
RegistrationPeriod = 1h
ESIMinInterval = 1s
ESIMaxInterval = 2s
ESIRetries = 2
CONF
cat >"$WORKDIR/isns/isnsadm.conf" <<CONF
SourceName = iqn.2026-12.org.scstd:isnsadm
ServerAddress = 127.0.0.1:$ISNS_PORT
ControlSocket = $WORKDIR/isns/control
Security = 0
CONF
isnsd -f -4 -c "$WORKDIR/isns/isnsd.conf" >"$WORKDIR/isns/isnsd.log" 2>&1 &
ISNSD_PID=$!
BG_PIDS+=("$ISNSD_PID")
isnsd_up() {
	for _ in $(seq 1 50); do
		ss -Hltn "sport = :$ISNS_PORT" | grep -q . && return 0
		sleep 0.1
	done
	cat "$WORKDIR/isns/isnsd.log"
	return 1
}
check "isnsd listens on 127.0.0.1:$ISNS_PORT" isnsd_up

# All objects in the server's database, as isnsadm's control node sees them.
isns_dump() {
	isnsadm -c "$WORKDIR/isns/isnsadm.conf" --local --list nodes 2>&1
	isnsadm -c "$WORKDIR/isns/isnsadm.conf" --local --list portals 2>&1
	isnsadm -c "$WORKDIR/isns/isnsadm.conf" --local --list entities 2>&1
}
# isns_has REGEX / isns_lacks REGEX: within ~5 s the database (does not) match.
isns_has() {
	for _ in $(seq 1 50); do
		isns_dump >"$WORKDIR/isns/dump.out"
		grep -Eq -- "$1" "$WORKDIR/isns/dump.out" && return 0
		sleep 0.1
	done
	cat "$WORKDIR/isns/dump.out"
	return 1
}
isns_lacks() {
	for _ in $(seq 1 50); do
		isns_dump >"$WORKDIR/isns/dump.out"
		grep -Eq -- "$1" "$WORKDIR/isns/dump.out" || return 0
		sleep 0.1
	done
	cat "$WORKDIR/isns/dump.out"
	return 1
}

truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/isns.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	iSNSServer 127.0.0.1:$ISNS_PORT
	TARGET $IQN1 {
		enabled 1
		LUN 0 d1
	}
}
CONF
if ! start_daemon --config "$WORKDIR/isns.conf" --ctl-socket "$SOCK"; then
	not_ok "scstd starts with iSNSServer set"
	finish
fi
ok "scstd starts with iSNSServer set"

check "the configured target is registered" isns_has "iSCSI name = \"$IQN1\""
check_output "its node type is Target" "node type = Target" cat "$WORKDIR/isns/dump.out"
check "the portal 127.0.0.1:$PORT is registered" isns_has "Portal TCP/UDP port = $PORT/tcp"
check_output "the portal's address is 127.0.0.1" "Portal IP address = 127\.0\.0\.1" \
	cat "$WORKDIR/isns/dump.out"
isnsadm -c "$WORKDIR/isns/isnsadm.conf" --query "iscsi-name=$IQN1" >"$WORKDIR/isns/pg.out" 2>&1
check_output "a portal group names the target" "Portal group name = \"$IQN1\"" cat "$WORKDIR/isns/pg.out"
check_output "with the portal's port" "Portal group port = $PORT/tcp" cat "$WORKDIR/isns/pg.out"
check_output "and tag 1" "Portal group tag = 1\$" cat "$WORKDIR/isns/pg.out"
check_output "iSNSServer reads back with [key]" "^127\.0\.0\.1:$ISNS_PORT
\[key\]\$" ctl read targets/iscsi/iSNSServer

check "add_target through the tree" ctl write targets/iscsi/mgmt "add_target $IQN2"
check "a disabled target is not registered" isns_lacks "\"$IQN2\""
check "enable it" ctl write "targets/iscsi/$IQN2/enabled" 1
check "the new target appears in iSNS" isns_has "iSCSI name = \"$IQN2\""
check "the first one is still there" isns_has "iSCSI name = \"$IQN1\""
check "disable the first target" ctl write "targets/iscsi/$IQN1/enabled" 0
check "a disabled target leaves iSNS" isns_lacks "\"$IQN1\""
check "enable it again" ctl write "targets/iscsi/$IQN1/enabled" 1
check "and it is back" isns_has "iSCSI name = \"$IQN1\""
check "del_target through the tree" ctl write targets/iscsi/mgmt "del_target $IQN2"
check "the deleted target leaves iSNS" isns_lacks "\"$IQN2\""

# ESIRetries 2 at 1-2 s intervals: an unanswered ESI would drop the
# entity within ~4 s.
sleep 5
check "the entity survives 5 s of ESIs (they are answered)" isns_has "iSCSI name = \"$IQN1\""
check_output "the portal asked for ESI monitoring" "ESI port = [0-9]+/tcp" cat "$WORKDIR/isns/dump.out"

check_output "a bad iSNSServer is refused" "iSNSServer: expected" \
	bash -c "! $SCSTCTL --socket $SOCK write targets/iscsi/iSNSServer 'a b' 2>&1"
check_output "and changes nothing" "^127\.0\.0\.1:$ISNS_PORT\$" ctl read targets/iscsi/iSNSServer
check "clearing iSNSServer" ctl write targets/iscsi/iSNSServer ""
check "deregisters the entity" isns_lacks "scstd:"
check "setting it again" ctl write targets/iscsi/iSNSServer "127.0.0.1:$ISNS_PORT"
check "registers again" isns_has "iSCSI name = \"$IQN1\""

check_alive "daemon alive"
check_stop
check "stopping scstd removes its registration" isns_lacks "iSCSI name|Entity identifier"
check "isnsd is still running" kill -0 "$ISNSD_PID"

# A server that goes away must not hold up changes or the shutdown.
if start_daemon --config "$WORKDIR/isns.conf" --ctl-socket "$SOCK"; then
	ok "scstd starts again"
else
	not_ok "scstd starts again"
	finish
fi
check "registered again" isns_has "iSCSI name = \"$IQN1\""
kill "$ISNSD_PID"
wait "$ISNSD_PID" 2>/dev/null
check "a target added while the server is gone" ctl write targets/iscsi/mgmt "add_target $IQN2"
check "and enabled" ctl write "targets/iscsi/$IQN2/enabled" 1
sleep 0.5
START=$(date +%s)
check_stop "scstd stops cleanly with the iSNS server gone"
check "... within 6 s" [ $(($(date +%s) - START)) -le 6 ]
finish
