#!/usr/bin/env bash
# iscsi_login_limits.sh - connections that never finish their login:
# LoginTimeout (targets/iscsi/LoginTimeout, set here to 2 s through the
# management tree) closes a connection that sends nothing and one that
# stops in the middle of a header; MaxPendingLoginsPerAddress and
# MaxPendingLoginsPerPortal close what exceeds them at once.  Every
# refusal is counted in targets/iscsi/refused_connections, and a normal
# login still works afterwards.
. "$(dirname "$0")/../lib.sh"
plan 22

require_daemon
command -v iscsi-inq >/dev/null || { skip "iscsi-inq (libiscsi-bin) missing"; finish; }
start_daemon || { not_ok "scstd starts"; finish; }
ok "scstd starts"

check_output "LoginTimeout defaults to 30 s" '^30$' daemon_ctl read targets/iscsi/LoginTimeout
check "LoginTimeout refuses 0" bash -c "! '$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' write targets/iscsi/LoginTimeout 0"
check "LoginTimeout is set to 2 s" daemon_ctl write targets/iscsi/LoginTimeout 2
check_output "LoginTimeout reads back 2 with [key]" '^2$' bash -c \
	"'$(dirname "$SCSTD")/scstctl' --socket '$WORKDIR/ctl.$DAEMON_SEQ.sock' read targets/iscsi/LoginTimeout | head -1"
check_output "LoginTimeout is marked as set" '^\[key\]$' daemon_ctl read targets/iscsi/LoginTimeout

# closed_within FD MIN MAX: the target closes FD (EOF) no sooner than MIN
# and no later than MAX seconds from now.
closed_within() {
	local fd=$1 min=$2 max=$3 t0 t1
	t0=$(date +%s.%N)
	timeout "$max" cat <&"$fd" >/dev/null || return 1
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" -v m="$min" 'BEGIN { exit !(b - a >= m) }'
}

exec {idle}<>"/dev/tcp/127.0.0.1/$PORT"
exec {half}<>"/dev/tcp/127.0.0.1/$PORT"
# 20 of the 48 bytes of a Login Request header.
printf '\x43\x87\x00\x00\x00\x00\x00\x00\x00\x02\x3d\x00\x00\x00\x00\x00\x00\x00\x00\x00' >&"$half"
check "an idle connection is closed after LoginTimeout (1-6 s)" closed_within "$idle" 1 6
check "a half header is closed after LoginTimeout (0-6 s)" closed_within "$half" 0 6
exec {idle}>&- {half}>&-
check_output "the timeouts are counted" '^login_timeout 2$' \
	daemon_ctl read targets/iscsi/refused_connections

check "LoginTimeout back to 30 s" daemon_ctl write targets/iscsi/LoginTimeout 30
check "MaxPendingLoginsPerAddress is set to 3" \
	daemon_ctl write targets/iscsi/MaxPendingLoginsPerAddress 3
fds=()
for i in 1 2 3 4 5; do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
# count_closed: how many of fds the target closed within a second.
count_closed() {
	local fd n=0
	for fd in "${fds[@]}"; do
		timeout 1 cat <&"$fd" >/dev/null && n=$((n + 1))
	done
	echo "$n"
}
check_output "5 connections from one address: 2 over the limit of 3 closed at once" '^2$' count_closed
check_output "the address refusals are counted" '^pending_per_address 2$' \
	daemon_ctl read targets/iscsi/refused_connections
check "a login from that address is refused while 3 are pending" \
	bash -c "! timeout 10 iscsi-inq '$(url 0)'"
for fd in "${fds[@]}"; do exec {fd}>&-; done

check "MaxPendingLoginsPerAddress back to its default" \
	daemon_ctl write targets/iscsi/MaxPendingLoginsPerAddress 64
check "MaxPendingLoginsPerPortal is set to 2" \
	daemon_ctl write targets/iscsi/MaxPendingLoginsPerPortal 2
sleep 0.5
fds=()
for i in 1 2 3 4; do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	fds+=("$fd")
done
check_output "4 connections to one portal: 2 over the limit of 2 closed at once" '^2$' count_closed
check_output "the portal refusals are counted" '^pending_per_portal 2$' \
	daemon_ctl read targets/iscsi/refused_connections
for fd in "${fds[@]}"; do exec {fd}>&-; done
check "MaxPendingLoginsPerPortal back to its default" \
	daemon_ctl write targets/iscsi/MaxPendingLoginsPerPortal 256
check "a login works once the pending connections are gone" \
	eventually 5 timeout 10 iscsi-inq "$(url 0)"
check_alive "daemon alive"
check_stop
finish
