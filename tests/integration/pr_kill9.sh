#!/usr/bin/env bash
# pr_kill9.sh - APTPL persistent reservations survive kill -9 at any point
# of an update.  A client re-registers with a new key (APTPL=1) as fast as
# it can while the daemon is killed with SIGKILL after a random delay, then
# restarted on the same PR directory, ROUNDS times.  After every restart the
# registered key must be the last one the target acknowledged or the one in
# flight when it died -- the old or the new state, never a corrupt file (a
# file the daemon refuses is logged as "ignoring persistent reservations").
. "$(dirname "$0")/../lib.sh"

ROUNDS=${ROUNDS:-10}
plan $((2 * ROUNDS + 3))
require_daemon
require_tools pr_churn
CHURN=$(tool pr_churn)
PRDIR=$WORKDIR/var/pr

prev=   # the registered key after the last round ("" before the first)
for round in $(seq 1 "$ROUNDS"); do
	start_daemon || { not_ok "round $round: scstd starts"; finish; }
	if [ -n "$prev" ]; then
		keys=$(timeout 30 "$CHURN" "$(url 1)" keys)
		if grep -q "ignoring persistent reservations" "$DAEMON_LOG"; then
			not_ok "round $round: the PR file after kill -9 is loadable"
			dump_log
		elif [ "$keys" = "keys $prev" ] || [ "$keys" = "keys $inflight" ]; then
			ok "round $round: after kill -9 the key is $keys (acked $prev, in flight $inflight)"
		else
			not_ok "round $round: after kill -9 '$keys', expected $prev or $inflight"
		fi
		prev=${keys#keys }
	fi
	start=$((round * 1000000))
	"$CHURN" "$(url 1)" churn "$start" >"$WORKDIR/churn.$round" 2>&1 &
	cpid=$!
	sleep "0.$((RANDOM % 5 + 2))$((RANDOM % 10))"
	check "round $round: SIGKILL ends the daemon (status 137), its log clean" kill_daemon
	timeout 20 tail --pid="$cpid" -f /dev/null || kill -KILL "$cpid"
	wait "$cpid"
	last=$(grep '^acked ' "$WORKDIR/churn.$round" | tail -1 | cut -d' ' -f2)
	if [ -n "$last" ]; then
		prev=$last
		inflight=$((last + 1))
	else
		inflight=$start   # nothing acknowledged: old state or the first key
	fi
	note "round $round: $(grep -c '^acked ' "$WORKDIR/churn.$round") updates acknowledged before kill -9"
done
[ -n "$prev" ] || { not_ok "some update was acknowledged"; finish; }

start_daemon || { not_ok "scstd starts after the last kill -9"; finish; }
check_output "the state after the last kill -9 is the acked or the in-flight one" \
	"^keys ($prev|$inflight)\$" timeout 30 "$CHURN" "$(url 1)" keys
# A kill between the two renames of an update leaves only DEVICE.1.
check "the PR file or its backup is in the PR directory" test -f "$PRDIR/disk1" -o -f "$PRDIR/disk1.1"
check "no leftover temp file is loaded" bash -c "! grep -q 'ignoring persistent' '$DAEMON_LOG'"
check_stop
finish
