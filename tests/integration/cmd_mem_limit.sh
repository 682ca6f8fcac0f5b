#!/usr/bin/env bash
# cmd_mem_limit.sh - the command memory limit (README.scst scst_max_cmd_mem,
# scstd --max-cmd-mem MB) on a daemon started with a 4 MB limit:
#  - bad --max-cmd-mem values stop scstd with one clear message;
#  - sgv/global_stats shows the limit as SCST's "Hi/lo watermarks" line;
#  - a raw iSCSI session (tests/tools/iscsi_memlimit) holds three 1 MiB
#    WRITEs without their data: their buffers show as charged pages; 2 MiB
#    commands beyond the limit get TASK SET FULL on that session and BUSY on
#    a second, idle one (its WRITE with immediate data), and keep the
#    CmdSN window; a WRITE SAME whose pattern buffer does not fit is
#    refused by the handler and writes nothing; the refusals show as
#    "Hi watermark releases/failures"; after the data is sent every WRITE
#    ends GOOD, a 2 MiB WRITE now fits, and all the data reads back; the
#    charge goes back to at most the threads' chunks;
#  - the metrics page (--metrics) counts those refusals as BUSY and TASK
#    SET FULL of the target, one each per refused buffer;
#  - qemu-io with 16 parallel 1 MiB writes under the same 4 MB limit: the
#    commands refused with TASK SET FULL are retried by qemu's iSCSI driver
#    and the data verifies.
. "$(dirname "$0")/../lib.sh"

plan 44

require_daemon
require_tools iscsi_memlimit
ML=$(tool iscsi_memlimit)

# ---- hostile option values ------------------------------------------------
for bad in 0 -1 abc 4x "" 2000000000000; do
	check_output "--max-cmd-mem '$bad' is refused with a message" \
		'max-cmd-mem takes 1\.\.' bash -c "! timeout 5 '$SCSTD' --max-cmd-mem '$bad' \
			--foreground --listen 127.0.0.1:1 --ctl-socket none --local-socket none"
done

truncate -s 64M "$WORKDIR/mem.img"
cat >"$WORKDIR/mem.conf" <<EOC
HANDLER vdisk_fileio {
	DEVICE mem {
		filename $WORKDIR/mem.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $DEFAULT_IQN {
		enabled 1
		LUN 0 mem
	}
}
EOC

MPORT=$(pick_port)
start_daemon --threads 2 --max-cmd-mem 4 --config "$WORKDIR/mem.conf" --metrics "127.0.0.1:$MPORT" ||
	{ not_ok "scstd starts with --max-cmd-mem 4"; finish; }
ok "scstd starts with --max-cmd-mem 4"

# stat_field LABEL N: field N (1-based, of a/b) of global_stats' LABEL line.
stat_field() {
	daemon_ctl read sgv/global_stats | awk -v l="$1" -v n="$2" '
		index($0, l) == 1 { v = substr($0, length(l) + 1); gsub(/ /, "", v);
				    split(v, f, "/"); print f[n] }'
}

check_output "global_stats: 4 MB limit is the hi watermark (1024 pages), lo 0" \
	'^Hi/lo watermarks \[pages\] +1024/0$' daemon_ctl read sgv/global_stats
check_output "global_stats: no refusal yet" '^Hi watermark releases/failures +0/0$' \
	daemon_ctl read sgv/global_stats

# tool_line: the tool's checks up to its next other line (into LAST),
# passed on as TAP.
tool_line() {
	local line
	while read -r -t 30 line <&"$mem_out"; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		*) LAST=$line; return 0 ;;
		esac
	done
	LAST=
	return 1
}

coproc MEM { timeout 120 "$ML" "127.0.0.1:$PORT" "$DEFAULT_IQN" 0 3 1024 2048 2>&1; }
# bash forgets a coproc's pid and fds once it ends: keep copies.
mem_pid=$MEM_PID
exec {mem_out}<&"${MEM[0]}" {mem_in}>&"${MEM[1]}"
tool_line
if [ "$LAST" != held ]; then
	not_ok "iscsi_memlimit holds its WRITEs (got '$LAST')"
	finish
fi
held=$(daemon_ctl read sgv/global_stats)
echo "$held" | sed 's/^/# /' | grep -E 'Hi/lo|Hi watermark|Charged|active'
charged=$(stat_field "Charged/peak charged pages" 1)
active=$(stat_field "Inactive/active pages" 2)
check "3 held 1 MiB WRITEs: at least 768 pages charged (got $charged)" \
	test "${charged:-0}" -ge 768
check "3 held 1 MiB WRITEs: at least 768 active pages (got $active)" \
	test "${active:-0}" -ge 768
echo go >&"$mem_in"
tool_line
check "iscsi_memlimit got its refusals (got '$LAST')" test "$LAST" = refused
failures=$(stat_field "Hi watermark releases/failures" 2)
check "global_stats counts the 5 refused commands (failures $failures)" \
	test "${failures:-0}" -ge 5
# target_metric NAME: the value of the target's NAME series on the page.
target_metric() {
	curl -sf --max-time 10 "http://127.0.0.1:$MPORT/metrics" |
		awk -v n="$1" -v t="target=\"$DEFAULT_IQN\"" \
			'index($1, n "{") == 1 && index($1, t) { print $2 }'
}
# The status is counted once the transport has sent it: allow a moment.
for i in $(seq 1 50); do
	busy=$(target_metric scstd_target_busy_total)
	tsf=$(target_metric scstd_target_task_set_full_total)
	[ $((${busy:-0} + ${tsf:-0})) -ge "${failures:-1}" ] && break
	sleep 0.1
done
check "metrics: BUSY counted (got $busy)" test "${busy:-0}" -ge 1
check "metrics: TASK SET FULL counted (got $tsf)" test "${tsf:-0}" -ge 1
check "metrics: BUSY + TASK SET FULL = the $failures refused buffers" \
	test $((${busy:-0} + ${tsf:-0})) = "${failures:-x}"
echo go >&"$mem_in"
while tool_line; do echo "# $LAST"; done
wait "$mem_pid"
rc=$?
check "iscsi_memlimit exits 0 (got $rc)" test "$rc" = 0
after=$(daemon_ctl read sgv/global_stats)
echo "$after" | sed 's/^/# /' | grep -E 'Hi/lo|Hi watermark|Charged|active'
charged=$(stat_field "Charged/peak charged pages" 1)
chunk=$(stat_field "Charge chunk per thread [pages]" 1)
peak=$(stat_field "Charged/peak charged pages" 2)
check "the peak charge stayed within the limit (peak $peak of 1024 pages)" \
	test "${peak:-9999}" -le 1024
# Each of the 2 I/O threads and the main thread may keep two chunks.
check "all released: charge back to at most the threads' chunks ($charged pages)" \
	test "${charged:-9999}" -le $((6 * ${chunk:-0}))
check_output "all released: no active pages" '^Inactive/active pages +[0-9]+/0$' \
	daemon_ctl read sgv/global_stats
check "a write of 0 resets the failure count" daemon_ctl write sgv/global_stats 0
check_output "global_stats: failures 0 after the reset" \
	'^Hi watermark releases/failures +0/0$' daemon_ctl read sgv/global_stats

# ---- a real initiator under the limit --------------------------------------
if command -v qemu-io >/dev/null; then
	cmds=()
	for i in $(seq 0 15); do
		cmds+=(-c "aio_write -P $((0x10 + i)) $((i * 1024 * 1024)) 1M")
	done
	cmds+=(-c aio_flush)
	for i in $(seq 0 15); do
		cmds+=(-c "read -P $((0x10 + i)) $((i * 1024 * 1024)) 1M")
	done
	check_output "qemu-io: 16 parallel 1 MiB writes under a 4 MB limit verify" \
		'read 1048576/1048576' timeout 120 qemu-io -f raw "${cmds[@]}" \
		"iscsi://127.0.0.1:$PORT/$DEFAULT_IQN/0"
	check "qemu-io: no pattern mismatch" bash -c "! grep -qi 'pattern\|fail\|error' '$WORKDIR/last.out'"
	note "refusals during the qemu-io run: $(stat_field 'Hi watermark releases/failures' 2)"
else
	skip "qemu-io not installed"
	skip "qemu-io not installed: no pattern check"
fi

check_stop
finish
