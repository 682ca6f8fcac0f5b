#!/usr/bin/env bash
# taskset_abort.sh - clearing another I_T nexus's task set (SAM-5 5.6):
# CLEAR TASK SET, LUN RESET and PERSISTENT RESERVE OUT PREEMPT AND ABORT
# from initiator B abort the WRITE initiator A holds outstanding (its
# Data-Out withheld), on an LU with the TAS bit clear (no status, unit
# attention COMMANDS CLEARED BY ANOTHER INITIATOR; the reset UA for a LUN
# RESET) and on one with TAS set (TASK ABORTED status, no UA).  Also task
# attributes (ORDERED, SIMPLE, HEAD OF QUEUE behind a held WRITE) and the
# ABORT TASK answer for a task that has already finished.  Raw iSCSI
# sessions from tests/tools/iscsi_taskset.
. "$(dirname "$0")/../lib.sh"

plan 22

require_daemon
require_tools iscsi_taskset
TS=$(tool iscsi_taskset)

cat >"$WORKDIR/taskset.conf" <<EOC
HANDLER vdisk_nullio {
	DEVICE notas {
		size_mb 64
	}
	DEVICE withtas {
		size_mb 64
		tas 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 notas
		LUN 1 withtas
	}
}
EOC
SCSTCTL=$(dirname "$SCSTD")/scstctl
SOCK=$WORKDIR/ctl/scstd.sock
# Two I/O threads: A's and B's connections land on different loops.
start_daemon --threads 2 --ctl-socket "$SOCK" --config "$WORKDIR/taskset.conf" ||
	{ not_ok "scstd starts"; finish; }
ok "scstd starts"

run() {  # run LUN ACTION TAS
	timeout 60 "$TS" "127.0.0.1:$PORT" "$DEFAULT_IQN" "$@"
}
for action in clear_task_set lun_reset preempt_abort; do
	check "$action, TAS=0: held WRITE cleared silently, UA for its initiator" run 0 "$action" 0
	check "$action, TAS=1: held WRITE ends with TASK ABORTED" run 1 "$action" 1
done

check "task attributes: ORDERED waits for the older WRITE, SIMPLE for it, HEAD OF QUEUE not" \
	run 0 ordered 0

# README.scst ABORT_CONSIDER_FINISHED_TASKS_AS_NOT_EXISTING, as an attribute.
ABORT_ATTR=abort_consider_finished_tasks_as_not_existing
check_output "$ABORT_ATTR is 0 by default" "^0$" "$SCSTCTL" --socket "$SOCK" read $ABORT_ATTR
check "$ABORT_ATTR is not marked [key] at its default" \
	bash -c "! '$SCSTCTL' --socket '$SOCK' read $ABORT_ATTR | grep -qF '[key]'"
check "ABORT TASK of a finished task: function complete (default)" run 0 abort_finished 0
check "$ABORT_ATTR accepts 1" "$SCSTCTL" --socket "$SOCK" write $ABORT_ATTR 1
check_output "$ABORT_ATTR reads 1 marked [key] (not the default)" "^\[key\]$" \
	"$SCSTCTL" --socket "$SOCK" read $ABORT_ATTR
check "ABORT TASK of a finished task: task does not exist (switch on)" run 0 abort_finished 1
check "$ABORT_ATTR accepts 0" "$SCSTCTL" --socket "$SOCK" write $ABORT_ATTR 0
check "$ABORT_ATTR refuses 2" bash -c "! '$SCSTCTL' --socket '$SOCK' write $ABORT_ATTR 2"

check_alive "scstd alive with a clean log"
check_stop

# One I/O thread: issuer and victim share the loop.
start_daemon --threads 1 --config "$WORKDIR/taskset.conf" || { not_ok "scstd starts"; finish; }
check "one loop: CLEAR TASK SET, TAS=0" run 0 clear_task_set 0
check "one loop: PREEMPT AND ABORT, TAS=1" run 1 preempt_abort 1
check_alive "scstd alive with a clean log (one loop)"
check_stop
finish
