#!/usr/bin/env bash
# iscsi_allowed_portal.sh - the allowed_portal target attribute: with the
# daemon listening on 127.0.0.1 and 127.0.0.2, a target restricted to
# 127.0.0.2 (a wildcard pattern) is listed by SendTargets and accepts
# logins only through that address, and SendTargets names only that
# portal for it; a login through the other address is refused with 0x0203;
# an unrestricted target is reachable through both; the metrics page
# counts that refusal as an "acl" login failure and nothing else.
. "$(dirname "$0")/../lib.sh"

plan 13

require_daemon
ONLY_IQN=iqn.2026-11.org.scstd:only2
ANY_IQN=iqn.2026-11.org.scstd:anyportal

truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/ap.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $ONLY_IQN {
		enabled 1
		allowed_portal 10.9.9.9
		allowed_portal 127.0.0.[2-3]
		LUN 0 d1
	}
	TARGET $ANY_IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF

MPORT=$(pick_port)
if ! start_daemon --config "$WORKDIR/ap.conf" --listen "127.0.0.2:@PORT@" \
	--metrics "127.0.0.1:$MPORT"; then
	not_ok "scstd starts listening on 127.0.0.1 and 127.0.0.2"
	finish
fi
ok "scstd starts listening on 127.0.0.1 and 127.0.0.2"

inq() { timeout 20 iscsi-inq "iscsi://$1:$PORT/$2/0" 2>&1 | grep -q DIRECT_ACCESS; }
check "the restricted target logs in through 127.0.0.2" inq 127.0.0.2 "$ONLY_IQN"
refused_via_1() { ! inq 127.0.0.1 "$ONLY_IQN"; }
check "... and not through 127.0.0.1" refused_via_1
check_output "... refused as target not found (0x0203), logged once" \
	"refused: target not reachable through this portal \\(status 0x0203\\)" cat "$DAEMON_LOG"
# login_failures REASON: the iSCSI login failures of REASON on the page.
login_failures() {
	curl -sf --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		awk -v r="reason=\"$1\"" 'index($1, "scstd_iscsi_login_failures_total{") == 1 &&
			index($1, r) { print $2 }'
}
check_output "metrics: the refusal counts as one acl login failure" '^1$' login_failures acl
check_output "metrics: ... and not as a target failure" '^0$' login_failures target
check "the unrestricted target logs in through 127.0.0.1" inq 127.0.0.1 "$ANY_IQN"
check "... and through 127.0.0.2" inq 127.0.0.2 "$ANY_IQN"

discover() { timeout 20 iscsi-ls "iscsi://$1:$PORT" 2>&1; }
check_output "SendTargets through 127.0.0.2 lists the restricted target" "Target:$ONLY_IQN" \
	discover 127.0.0.2
only_via_allowed() {
	local out
	out=$(discover 127.0.0.2)
	echo "$out"
	# Every portal named for the restricted target is the allowed one.
	grep "Target:$ONLY_IQN" <<<"$out" | grep -q "127.0.0.2:$PORT" &&
		! grep "Target:$ONLY_IQN" <<<"$out" | grep -q "127.0.0.1:"
}
check "... naming only its allowed portal" only_via_allowed
no_restricted_via_1() {
	local out
	out=$(discover 127.0.0.1)
	echo "$out"
	grep -q "Target:$ANY_IQN" <<<"$out" && ! grep -q "Target:$ONLY_IQN" <<<"$out"
}
check "SendTargets through 127.0.0.1 lists only the unrestricted target" no_restricted_via_1
check_alive "daemon alive after the allowed_portal checks"
check_stop
finish
