#!/usr/bin/env bash
# iscsi_queued_cmds.sh - QueuedCommands flow control: with QueuedCommands 4
# on the target, four WRITEs waiting for data close the CmdSN window
# (MaxCmdSN = ExpCmdSN - 1), a fifth is ignored, and completing one opens
# the window for exactly one more.  A libiscsi client and qemu-img still
# work within a window of 4.
. "$(dirname "$0")/../lib.sh"

plan 7

require_daemon
require_tools iscsi_digestpeer
IQN=iqn.2026-11.org.scstd:queued
DISK_SIZE=64M start_one_disk_target "scstd starts with QueuedCommands 4" "$IQN" "QueuedCommands 4"

check "4 waiting WRITEs close the window, a 5th is ignored, one done lets one more in" \
	timeout 30 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$IQN" window 4
head -c $((16 * 1048576)) /dev/urandom >"$WORKDIR/in.raw"
U="iscsi://127.0.0.1:$PORT/$IQN/0"
check "qemu-img writes 16 MiB through a window of 4" \
	timeout 120 qemu-img convert -n -f raw -O raw "$WORKDIR/in.raw" "$U"
check "qemu-img reads it back" timeout 120 qemu-img convert -f raw -O raw "$U" "$WORKDIR/out.raw"
check "the data is byte-exact" cmp -n $((16 * 1048576)) "$WORKDIR/in.raw" "$WORKDIR/out.raw"
check_alive "daemon alive after the flow-control checks"
check_stop
finish
