# ack_writers.sh - sourced by integration scripts after lib.sh: a write
# load whose every acknowledged write is checked in the backing file
# afterwards.  WRITERS ack_writers (tests/tools/ack_writer.c), writer k on
# its own 64 MiB (2048 chunks of 64 blocks) from LBA k * 131072 of URL;
# each logs "acked LBA GEN" to $WORKDIR/writer.K.  libiscsi does not
# reconnect, so a writer whose connection dropped ends, which
# writers_progress sees.
WRITERS=${WRITERS:-4}

start_writers() {  # start_writers URL
	local k
	WRITER_PIDS=()
	for k in $(seq 0 $((WRITERS - 1))); do
		"$(tool ack_writer)" "$1" $((k * 131072)) 2048 64 >"$WORKDIR/writer.$k" 2>&1 &
		WRITER_PIDS+=($!)
	done
}

# writers_mark, then writers_progress MIN: every writer had more than MIN
# writes acknowledged since the mark and still runs.
writers_mark() {
	local k
	for k in $(seq 0 $((WRITERS - 1))); do
		WRITER_MARK[$k]=$(grep -c '^acked ' "$WORKDIR/writer.$k")
	done
}

writers_progress() {
	local k n rc=0
	for k in $(seq 0 $((WRITERS - 1))); do
		n=$(grep -c '^acked ' "$WORKDIR/writer.$k")
		if [ "$n" -le $((${WRITER_MARK[$k]:-0} + $1)) ] ||
			! kill -0 "${WRITER_PIDS[$k]}" 2>/dev/null; then
			echo "writer $k: $n acknowledged (mark ${WRITER_MARK[$k]:-0}), last output:" \
				"$(tail -1 "$WORKDIR/writer.$k")"
			rc=1
		fi
	done
	return $rc
}

stop_writers() {
	local p
	for p in "${WRITER_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	WRITER_PIDS=()
}

# acked_on_disk FILE: every chunk's last acknowledged generation (or a
# later, unacknowledged one) is what FILE holds, in every block of it.
acked_on_disk() {
	acked_in_file "$1" "$WORKDIR"/writer.*
}

# acked_in_file FILE LOG...: the same for the writers that wrote LOG...
acked_in_file() {
	local file=$1
	shift
	cat "$@" | python3 -c '
import sys
bs, blocks = 512, 64
last = {}
for line in sys.stdin:
    w = line.split()
    if w[:1] == ["acked"]:
        lba, gen = int(w[1]), int(w[2])
        last[lba] = max(gen, last.get(lba, 0))
bad = 0
with open(sys.argv[1], "rb") as f:
    for lba, gen in sorted(last.items()):
        for b in range(blocks):
            f.seek((lba + b) * bs)
            stamp = f.read(64).split(b"\n")[0].split()
            ok = len(stamp) == 3 and stamp[0] == b"ackw" and int(stamp[1]) == lba + b and int(stamp[2]) >= gen
            if not ok:
                bad += 1
                if bad <= 5:
                    print("LBA %d: acknowledged generation %d, file has %r" % (lba + b, gen, stamp))
print("%d acknowledged chunks checked, %d blocks wrong" % (len(last), bad))
sys.exit(1 if bad or not last else 0)' "$file"
}

# iscsi_session_loops IQN LUN: the thread_idx (I/O loop) of every session
# of target IQN, read through LUN, sorted and unique (needs ctl).
iscsi_session_loops() {
	local s
	ctl list "targets/iscsi/$1/sessions" | while read -r s; do
		ctl read "targets/iscsi/$1/sessions/$s/lun$2/thread_idx" 2>/dev/null | head -1
	done | sort -un | paste -sd,
}
