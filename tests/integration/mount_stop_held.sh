#!/usr/bin/env bash
# mount_stop_held.sh - a --mount tree held from another mount namespace
# (a private copy of the mount, a process with its cwd in the tree and a
# file open there, as the scst-ns wrapper's namespace may hold it) does not
# keep the daemon from stopping: SIGTERM ends it within a few seconds with
# exit 0, and the holder's copy of the mount is dead (ENOTCONN) instead of
# waiting on a daemon that is gone.
. "$(dirname "$0")/../lib.sh"
plan 5

require_daemon
require_fuse
command -v unshare >/dev/null || skip_rest "unshare (util-linux) is needed"
MNT=$WORKDIR/mnt
mkdir -p "$MNT"
mounted() { grep -q " $MNT fuse" /proc/mounts; }

start_daemon --mount "$MNT" || { not_ok "scstd starts with --mount"; finish; }
check "the tree is mounted" mounted

# The holder: a private copy of every mount (unshare's default propagation),
# its cwd in the tree and version open; it looks at the tree again once
# told to (go), and says what it saw.
unshare -m --propagation private bash -c '
	cd "$1/devices" || exit 2
	exec 3<"$1/version" || exit 2
	: >"$2/held"
	while [ ! -e "$2/go" ]; do sleep 0.1; done
	timeout 10 stat "$1/version" >"$2/seen" 2>&1
	echo "rc=$?" >>"$2/seen"
	: >"$2/done"
	sleep 30' _ "$MNT" "$WORKDIR" &
HOLDER=$!
BG_PIDS+=("$HOLDER")
check "the holder holds the tree from its own namespace" eventually 10 test -e "$WORKDIR/held"

start=$(date +%s%N)
check_stop "SIGTERM stops the daemon with exit 0 although the mount is held" 20
ms=$((($(date +%s%N) - start) / 1000000))
note "stopped in $ms ms"
# The loaded machine gets a wide margin; a hang lasts until the holder exits.
check "... within 8 s ($ms ms)" test "$ms" -lt 8000

touch "$WORKDIR/go"
eventually 15 test -e "$WORKDIR/done"
check_output "the holder's copy of the mount is dead: ENOTCONN" \
	'Transport endpoint is not connected' cat "$WORKDIR/seen"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
mounted && fusermount3 -u "$MNT"
finish
