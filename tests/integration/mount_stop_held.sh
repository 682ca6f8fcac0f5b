#!/usr/bin/env bash
# mount_stop_held.sh - the --mount tree and the --local-mount LUN files
# held from another mount namespace (a private copy of the mounts,
# processes with their cwd in them and a file open, as the scst-ns
# wrapper's namespace may hold them) do not keep the daemon from stopping:
# SIGTERM ends it within a few seconds with exit 0, and the holder's
# copies of the mounts are dead (ENOTCONN) instead of waiting on a daemon
# that is gone.
. "$(dirname "$0")/../lib.sh"
plan 6

require_daemon
require_fuse
command -v unshare >/dev/null || skip_rest "unshare (util-linux) is needed"
MNT=$WORKDIR/mnt
LMNT=$WORKDIR/lmnt
mkdir -p "$MNT" "$LMNT"
mounted() { grep -q " $1 fuse" /proc/mounts; }

start_daemon --mount "$MNT" --local-mount "$LMNT" ||
	{ not_ok "scstd starts with --mount and --local-mount"; finish; }
check "the tree and the LUN files are mounted" bash -c "$(declare -f mounted); mounted '$MNT' && mounted '$LMNT'"

# The holder: a private copy of every mount (unshare's default propagation),
# its cwd in the tree and version open; it looks at the tree again once
# told to (go), and says what it saw.
unshare -m --propagation private bash -c '
	(cd "$3" && : >"$2/held_local" && exec sleep 30) &
	local_holder=$!
	cd "$1/devices" || exit 2
	exec 3<"$1/version" || exit 2
	: >"$2/held"
	while [ ! -e "$2/go" ]; do sleep 0.1; done
	timeout 10 stat "$1/version" >"$2/seen" 2>&1
	echo "rc=$?" >>"$2/seen"
	timeout 10 ls "$3" >"$2/seen_local" 2>&1
	echo "rc=$?" >>"$2/seen_local"
	kill "$local_holder"
	: >"$2/done"
	sleep 30' _ "$MNT" "$WORKDIR" "$LMNT" &
HOLDER=$!
BG_PIDS+=("$HOLDER")
check "the holder holds both from its own namespace" \
	eventually 10 test -e "$WORKDIR/held" -a -e "$WORKDIR/held_local"

start=$(date +%s%N)
check_stop "SIGTERM stops the daemon with exit 0 although the mount is held" 20
ms=$((($(date +%s%N) - start) / 1000000))
note "stopped in $ms ms"
# The loaded machine gets a wide margin; a hang lasts until the holder exits.
check "... within 8 s ($ms ms)" test "$ms" -lt 8000

touch "$WORKDIR/go"
eventually 15 test -e "$WORKDIR/done"
check_output "the holder's copy of the tree is dead: ENOTCONN" \
	'Transport endpoint is not connected' cat "$WORKDIR/seen"
check_output "the holder's copy of the LUN files is dead: ENOTCONN" \
	'Transport endpoint is not connected' cat "$WORKDIR/seen_local"
kill "$HOLDER" 2>/dev/null
wait "$HOLDER" 2>/dev/null
for m in "$MNT" "$LMNT"; do
	mounted "$m" && fusermount3 -u "$m"
done
finish
