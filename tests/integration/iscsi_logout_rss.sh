#!/usr/bin/env bash
# iscsi_logout_rss.sh - after a burst of sessions logs out, the daemon
# gives the memory back (util/mem_trim.c): 200 sessions log in, do I/O
# and log out; once they are gone the resident size is back within a
# generous margin of its size before.  Measured (docs/design.md): without
# the trim the daemon kept ~+9.5 MiB after one such burst, with it
# ~+3 MiB.  The sanitizer build's allocator is not glibc's:
# there the burst only has to pass.
. "$(dirname "$0")/../lib.sh"
plan 4

require_daemon
BENCH=$(dirname "$SCSTD")/iscsi-bench
[ -x "$BENCH" ] || skip_rest "iscsi-bench is not built next to scstd"
IQN=iqn.2026-12.org.scstd:rss
cat >"$WORKDIR/rss.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE null0 { size_mb 1024 }
}
TARGET_DRIVER iscsi {
	enabled 1
	MaxPendingLoginsPerAddress 1024
	TARGET $IQN {
		enabled 1
		LUN 0 null0
	}
}
CONF
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }
no_connections() { ! ss -Htn state established "( sport = :$PORT )" | grep -q .; }
is_sanitized() { grep -qa __asan_init "$SCSTD"; }

start_daemon --config "$WORKDIR/rss.conf" --log-level warn || { not_ok "scstd starts"; finish; }
before=$(rss_kib)
check "200 sessions log in, read for 2 s and log out" timeout 120 \
	"$BENCH" -j 4 -s 50 -q 2 -b 4K -w randread -W 0 -t 2 "iscsi://127.0.0.1:$PORT/$IQN/0"
check "... and are gone" eventually 20 no_connections
RSS_MARGIN_KIB=${RSS_MARGIN_KIB:-6144}
rss_back() { [ "$(rss_kib)" -le "$((before + RSS_MARGIN_KIB))" ]; }
if is_sanitized; then
	skip "resident size after the burst: the sanitizer's allocator keeps its own pools"
else
	# The last connections' reap may trail their sockets' close a moment.
	eventually 10 rss_back
	after=$(rss_kib)
	note "RSS before $before KiB, after the burst $after KiB"
	check "resident size after the burst within $RSS_MARGIN_KIB KiB of before ($before -> $after KiB)" \
		test "$after" -le "$((before + RSS_MARGIN_KIB))"
fi
check_stop
finish
