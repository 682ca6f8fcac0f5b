#!/usr/bin/env bash
# iscsi_conn_log.sh - a client connecting and closing in a loop (within
# the login limits) does not get two log lines per connection: the
# connection lines of one host share a rate limit, and what was left out
# is counted in a later line; a normal login still logs its lines.
. "$(dirname "$0")/../lib.sh"
plan 7

require_daemon
command -v iscsi-inq >/dev/null || skip_rest "iscsi-inq (libiscsi-bin) is needed"
start_daemon || { not_ok "scstd starts"; finish; }

new_lines() { tail -n +"$(($1 + 1))" "$DAEMON_LOG"; }
loop_connections_closed() {  # every connection of the loop was closed
	[ "$(daemon_ctl list "targets/iscsi/$DEFAULT_IQN/sessions" | grep -c .)" = 0 ] &&
		! ss -tn state established "( sport = :$PORT )" | grep -q 127.0.0.1
}

mark=$(wc -l <"$DAEMON_LOG")
start=$(date +%s)
for _ in $(seq 1 200); do
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" && exec 3>&-
done
eventually 10 loop_connections_closed
sleep 0.5
# 10 lines per host and 10 s window (util/ratelimit.h), plus the count of
# the previous window's: a loaded machine may stretch the loop over more.
windows=$((($(date +%s) - start) / 10 + 1))
n=$(new_lines "$mark" | grep -c '127\.0\.0\.1')
note "200 connect/close: $n log lines in $windows window(s)"
check "200 connect/close from one host log at most 11 lines per 10 s ($n)" \
	test "$n" -le $((11 * windows))
check_alive "the daemon serves on after the loop"

# The limit's window (10 s) passes; a login logs its lines, and the first
# one brings the count of what was left out.
sleep 11
mark=$(wc -l <"$DAEMON_LOG")
check "a login after the loop works" timeout 20 iscsi-inq "$(url 1)"
check "... and logs its connection line" eventually 5 \
	bash -c "tail -n +$((mark + 1)) '$DAEMON_LOG' | grep -q 'connection from 127\.0\.0\.1'"
left_out=$(grep -o '127\.0\.0\.1: suppressed [0-9]*' "$DAEMON_LOG" | awk '{ s += $3 } END { print s + 0 }')
check "... with the count of the lines left out before (most of 400: $left_out)" \
	test "$left_out" -ge 300
check "... and its session line" \
	bash -c "tail -n +$((mark + 1)) '$DAEMON_LOG' | grep -q 'normal session of iqn'"
check_stop
finish
