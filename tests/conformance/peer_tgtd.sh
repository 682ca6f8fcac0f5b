#!/usr/bin/env bash
# peer_tgtd.sh - the same libiscsi conformance run against tgt (tgtd), the
# peer target, on a fresh 1 GiB sparse file LUN: the yardstick scstd's
# numbers are read against.  Not part of `make check`.
#
#   bash tests/conformance/peer_tgtd.sh
. "$(dirname "$0")/../lib.sh"

command -v tgtd >/dev/null || { echo "tgtd is not installed"; exit 2; }
PORT=$(pick_port)
CTL=$((PORT % 1000 + 2000))
truncate -s 1G "$WORKDIR/lun1.img"
tgtd -f -C "$CTL" --iscsi "portal=127.0.0.1:$PORT" >"$WORKDIR/tgtd.log" 2>&1 &
DAEMON_PID=$!
DAEMON_LOG=$WORKDIR/tgtd.log
wait_port "$PORT" "$DAEMON_PID" || { echo "tgtd did not start"; exit 2; }
tgtadm -C "$CTL" --lld iscsi --op new --mode target --tid 1 -T "$DEFAULT_IQN" &&
	tgtadm -C "$CTL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$WORKDIR/lun1.img" &&
	tgtadm -C "$CTL" --lld iscsi --op bind --mode target --tid 1 -I ALL ||
	{ echo "cannot configure tgtd"; exit 2; }

MIN_PASSED=0 RESULTS_DIR=${RESULTS_DIR:-$WORKDIR} bash "$(dirname "$0")/libiscsi.sh" --url "$(url 1)"
rc=$?
tgtadm -C "$CTL" --op delete --mode system --force >/dev/null 2>&1
sleep 0.5
exit $rc
