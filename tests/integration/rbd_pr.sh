#!/usr/bin/env bash
# rbd_pr.sh - reservations of a vdisk_rbd LU shared by two gateways (two
# scstd daemons exporting one RBD image, docs/rbd.md), on a real
# single-node Ceph cluster (tests/ceph/cluster.sh):
#  - a persistent reservation taken through gateway A conflicts on B; a
#    PREEMPT through B leaves REGISTRATIONS PREEMPTED on A's nexus and
#    READ KEYS through A shows B's key;
#  - an SPC-2 RESERVE through A conflicts on B until RELEASE;
#  - PREEMPT AND ABORT through B aborts a WRITE held on A
#    (tests/tools/iscsi_taskset with B on the other daemon);
#  - a PERSISTENT RESERVE OUT while the cluster does not answer fails with
#    LOGICAL UNIT COMMUNICATION TIME-OUT in bounded time and changes
#    nothing on either gateway;
#  - kill -9 of gateway A while its initiator holds an Exclusive Access
#    reservation: B still enforces it, the restarted A loads it;
#  - kill -9 of gateway A under a write load: every acknowledged write is
#    read back through B, which keeps serving;
#  - libiscsi's PR suites with initiator 1 on A and initiator 2 on B
#    (iscsi-test-cu with two URLs: its second session is the second path).
. "$(dirname "$0")/../lib.sh"
plan 44
. "$TESTS_ROOT/tests/ceph/cluster.sh"

require_daemon
require_tools scsi_cdb iscsi_taskset ack_writer
if ! ceph_cluster_available; then
	skip "vdisk_rbd reservations: no Ceph (ceph-mon, ceph-osd, ceph-common: make deps)"
	finish
fi
IQN_A=iqn.2026-12.org.scstd:rbdpr-gwa
IQN_B=iqn.2026-12.org.scstd:rbdpr-gwb
INI_X=iqn.2026-12.org.scstd:rbdpr-x
INI_Y=iqn.2026-12.org.scstd:rbdpr-y
SUITES="ProutRegister ProutReserve ProutPreempt PrinReadKeys Reserve6 MultipathIO"

trap 'ceph_cluster_stop; lib_cleanup' EXIT
if ! ceph_cluster_start "$WORKDIR/ceph"; then
	not_ok "a single-node Ceph cluster starts"
	tail -n 20 "$WORKDIR"/ceph/*.out "$WORKDIR"/ceph/*.log 2>/dev/null | sed 's/^/# /'
	finish
fi
ok "a single-node Ceph cluster starts"
rbd create --size 64M rbd/shared || not_ok "rbd create"

# gw_conf NAME REL_TGT_ID: one gateway's configuration (docs/rbd.md: each
# gateway its own target with its own relative target port id).
gw_conf() {
	local iqn_var=IQN_$1
	cat >"$WORKDIR/gw$1.conf" <<CONF
HANDLER vdisk_rbd {
	DEVICE shared {
		pool rbd
		image shared
		conf $CEPH_CONF
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET ${!iqn_var} {
		rel_tgt_id $2
		LUN 0 shared
		enabled 1
	}
}
CONF
}
gw_conf A 1
gw_conf B 2

# gw_start NAME [PORT]: starts a gateway while the other runs (lib.sh
# tracks one daemon: its variables are kept per gateway).
gw_start() {
	DAEMON_PID=
	PORT_FIXED=${2:-} start_daemon --config "$WORKDIR/gw$1.conf" || return 1
	eval "PORT_$1=$PORT PID_$1=$DAEMON_PID SEQ_$1=$DAEMON_SEQ LOG_$1=$DAEMON_LOG"
}
gw_use() {  # gw_use NAME: lib.sh's daemon functions act on that gateway
	local p=PORT_$1 d=PID_$1 s=SEQ_$1 l=LOG_$1
	PORT=${!p} DAEMON_PID=${!d} DAEMON_SEQ=${!s} DAEMON_LOG=${!l}
}
gw_forget() {  # gw_forget NAME: after kill_daemon
	eval "PID_$1="
}
gw_url() {
	local p=PORT_$1 i=IQN_$1
	echo "iscsi://127.0.0.1:${!p}/${!i}/0"
}

gw_start A && ok "gateway A starts" || { not_ok "gateway A starts"; finish; }
gw_start B && ok "gateway B starts" || { not_ok "gateway B starts"; finish; }

# Sessions held open: sess_open NAME GATEWAY INITIATOR, then sess_cmd NAME
# LINE prints scsi_cdb's answer to LINE.
sess_open() {
	local in=$WORKDIR/sess.$1.in fd
	rm -f "$in"
	mkfifo "$in"
	SCSI_CDB_INITIATOR=$3 timeout 900 "$(tool scsi_cdb)" "$(gw_url "$2")" <"$in" \
		>"$WORKDIR/sess.$1.out" 2>&1 &
	BG_PIDS+=($!)
	exec {fd}>"$in"
	eval "SESS_FD_$1=$fd"
}
sess_cmd() {
	local out=$WORKDIR/sess.$1.out fdv=SESS_FD_$1 before _
	before=$(wc -l <"$out")
	echo "$2" >&"${!fdv}"
	for _ in $(seq 1 600); do
		[ "$(wc -l <"$out")" -gt "$before" ] && break
		sleep 0.1
	done
	sed -n "$((before + 1))p" "$out"
}
sess_close() {
	local fdv=SESS_FD_$1
	[ -n "${!fdv}" ] && exec {fdv}>&-
	eval "SESS_FD_$1="
}

key() { printf '%016x' "$1"; }
# PROUT_LINE SA TYPE KEY SA_KEY: PERSISTENT RESERVE OUT (SPC-4 6.16) with
# its 24-byte parameter list, as a scsi_cdb line.
PROUT_LINE() {
	echo "out 5f$(printf '%02x%02x' "$1" "$2")00000000001800 $(key "$3")$(key "$4")0000000000000000"
}
ZEROS=$(printf '00%.0s' $(seq 1 512))
WRITE="out 2a000000006400000100 $ZEROS"        # WRITE(10) LBA 100, one block
READ="cdb 28000000006400000100 512"             # READ(10) LBA 100, one block
TUR="cdb 000000000000"
READ_KEYS="cdb 5e000000000000002000 32"
READ_KEYS_256="cdb 5e000000000000010000 256"
READ_RESV="cdb 5e010000000000002000 32"

# --- a persistent reservation through A, seen on B ---------------------------
sess_open X A "$INI_X"
sess_open Y B "$INI_Y"
out="$(sess_cmd X "$(PROUT_LINE 0 0 0 0xa1)") $(sess_cmd X "$(PROUT_LINE 1 1 0xa1 0)")"
check_output "X registers 0xa1 and reserves Write Exclusive through gateway A" \
	'^GOOD +GOOD *$' echo "$out"
check_output "Y's WRITE through gateway B: RESERVATION CONFLICT" '^STATUS 0x18' \
	sess_cmd Y "$WRITE"
check_output "Y's READ through gateway B is allowed (Write Exclusive)" '^GOOD' sess_cmd Y "$READ"
# READ RESERVATION (SPC-4 6.15.3): additional length 16, key 0xa1, type 1.
check_output "READ RESERVATION through B: X's key, Write Exclusive" \
	'^GOOD .{8}00000010'"$(key 0xa1)"'000000000001' sess_cmd Y "$READ_RESV"
out="$(sess_cmd Y "$(PROUT_LINE 0 0 0 0xb2)") $(sess_cmd Y "$(PROUT_LINE 4 1 0xb2 0xa1)")"
check_output "Y registers 0xb2 and preempts 0xa1 through gateway B" '^GOOD +GOOD *$' echo "$out"
check_output "X's next command through A: REGISTRATIONS PREEMPTED (06/2A/05)" \
	'^CHECK 06/2a/05' sess_cmd X "$TUR"
check_output "X's WRITE through A now conflicts (Y holds Write Exclusive)" '^STATUS 0x18' \
	sess_cmd X "$WRITE"
check_output "READ KEYS through A: only 0xb2" "^GOOD .{8}00000008$(key 0xb2)\$" \
	sess_cmd X "$READ_KEYS"
check_output "Y clears through B" '^GOOD' sess_cmd Y "$(PROUT_LINE 3 0 0xb2 0)"

# --- SPC-2 RESERVE -----------------------------------------------------------------
check_output "X reserves (RESERVE(6)) through A" '^GOOD' sess_cmd X "cdb 160000000000"
out="$(sess_cmd Y "$WRITE") $(sess_cmd Y "cdb 160000000000")"
check_output "Y's WRITE and RESERVE(6) through B conflict" '^STATUS 0x18 +STATUS 0x18' echo "$out"
out="$(sess_cmd X "cdb 170000000000") $(sess_cmd Y "$WRITE")"
check_output "after X's RELEASE(6) through A, Y writes through B" '^GOOD +GOOD' echo "$out"

# --- concurrent changes through both gateways --------------------------------------
# 16 initiators, half through each gateway, each REGISTER then changes
# its key four times, all at once: with compare-and-set no change is lost.
registrant() {  # registrant I GATEWAY: keys 0x100*I+1 .. +5
	local i=$1 k=$(($1 * 256 + 1)) lines=() n
	lines+=("$(PROUT_LINE 0 0 0 $k)")
	for n in 2 3 4 5; do
		lines+=("$(PROUT_LINE 0 0 $k $((k + 1)))")
		k=$((k + 1))
	done
	printf '%s\n' "${lines[@]}" quit |
		SCSI_CDB_INITIATOR=$INI_X-reg$i timeout 120 "$(tool scsi_cdb)" "$(gw_url "$2")" \
		>"$WORKDIR/reg.$i.out" 2>&1
}
pids=()
for i in $(seq 1 16); do
	registrant "$i" "$([ $((i % 2)) = 0 ] && echo A || echo B)" &
	pids+=($!)
done
wait "${pids[@]}"
all_keys() {  # every registrant's last key, once, through both gateways
	local want got g
	want=$(for i in $(seq 1 16); do key $((i * 256 + 5)); echo; done | sort)
	for g in X Y; do
		got=$(sess_cmd "$g" "$READ_KEYS_256" | sed -n 's/^GOOD .\{16\}//p' |
			fold -w 16 | sort)
		[ "$got" = "$want" ] || { echo "through $g:"; echo "$got"; return 1; }
	done
	! grep -hv '^GOOD' "$WORKDIR"/reg.*.out
}
check "16 initiators changing keys at once through both gateways: no change lost" all_keys
check_output "... and a CLEAR through A drops them all" '^GOOD' bash -c \
	"printf '%s\n' '$(PROUT_LINE 3 0 $((2 * 256 + 5)) 0)' quit |
	SCSI_CDB_INITIATOR=$INI_X-reg2 timeout 60 '$(tool scsi_cdb)' '$(gw_url A)'"

# --- PREEMPT AND ABORT across gateways ----------------------------------------------
ts=$(timeout 120 "$(tool iscsi_taskset)" -t 15000 "127.0.0.1:$PORT_A" "$IQN_A" 0 preempt_abort 0 \
	"127.0.0.1:$PORT_B" "$IQN_B" 2>&1)
rc=$?
echo "$ts" | sed 's/^/# /'
check "PREEMPT AND ABORT through B aborts the WRITE held on A (COMMANDS CLEARED)" \
	test "$rc" = 0 -a "$(echo "$ts" | grep -c '^ok ')" -ge 3

# --- the cluster does not answer ------------------------------------------------------
ceph_cluster_freeze
t0=$(date +%s)
out=$(sess_cmd Y "$(PROUT_LINE 0 0 0 0xc3)")
t=$(($(date +%s) - t0))
ceph_cluster_thaw
check_output "REGISTER while the cluster does not answer: LOGICAL UNIT COMMUNICATION TIME-OUT" \
	'^CHECK 04/08/01' echo "$out"
check "... within a bounded time (took ${t} s)" test "$t" -le 45
no_keys() { sess_cmd "$1" "$READ_KEYS" | grep -q '^GOOD .\{8\}00000000$'; }
check "... and nothing changed: no key through B" eventually 30 no_keys Y
check "... nor through A" no_keys X

# --- kill -9 of the gateway whose initiator holds the reservation ---------------------
out="$(sess_cmd X "$(PROUT_LINE 0 0 0 0xa3)") $(sess_cmd X "$(PROUT_LINE 1 3 0xa3 0)")"
check_output "X registers 0xa3 and reserves Exclusive Access through A" '^GOOD +GOOD *$' \
	echo "$out"
sess_close X
gw_use A
check "gateway A dies of kill -9" kill_daemon
gw_forget A
check_output "gateway B still enforces it: Y's READ conflicts" '^STATUS 0x18' sess_cmd Y "$READ"
gw_start A "$PORT_A" && ok "gateway A restarts" || not_ok "gateway A restarts"
sess_open X A "$INI_X"
check_output "the restarted A reports X's reservation (0xa3, Exclusive Access)" \
	'^GOOD .{8}00000010'"$(key 0xa3)"'000000000003' sess_cmd X "$READ_RESV"
check_output "... and lets its holder read" '^GOOD' sess_cmd X "$READ"
out="$(sess_cmd X "$(PROUT_LINE 3 0 0xa3 0)") $(sess_cmd Y "$WRITE")"
check_output "X clears through A, then Y writes through B" '^GOOD +GOOD' echo "$out"
sess_close X

# --- failover under writes ----------------------------------------------------------------
"$(tool ack_writer)" "$(gw_url A)" 2048 256 64 >"$WORKDIR/writer.out" 2>&1 &
WRITER=$!
BG_PIDS+=($WRITER)
writing() { [ "$(grep -c '^acked ' "$WORKDIR/writer.out")" -ge 20 ]; }
check "writes through A are acknowledged" eventually 60 writing
gw_use A
check "gateway A dies of kill -9 under the writes" kill_daemon
gw_forget A
timeout 20 tail --pid="$WRITER" -f /dev/null
acked=$(grep -c '^acked ' "$WORKDIR/writer.out")
check_output "the whole LU reads through B after the failover" '^DUMPED 131072 512' \
	sess_cmd Y "dump $WORKDIR/dump.img"
# Every chunk's last acknowledged generation (or a later one) is in every
# block of the chunk (stamps of tests/tools/ack_writer).
acked_in_dump() {
	python3 - "$WORKDIR/writer.out" "$WORKDIR/dump.img" <<'PY'
import sys
last = {}
for line in open(sys.argv[1]):
    w = line.split()
    if w[:1] == ["acked"]:
        last[int(w[1])] = max(int(w[2]), last.get(int(w[1]), 0))
bad = 0
with open(sys.argv[2], "rb") as f:
    for lba, gen in sorted(last.items()):
        for b in range(64):
            f.seek((lba + b) * 512)
            s = f.read(64).split(b"\n")[0].split()
            if not (len(s) == 3 and s[0] == b"ackw" and int(s[1]) == lba + b and int(s[2]) >= gen):
                bad += 1
print("%d acknowledged chunks, %d blocks wrong" % (len(last), bad))
sys.exit(1 if bad or not last else 0)
PY
}
check "every acknowledged write ($acked) is read back through B" acked_in_dump
check_output "B keeps serving writes" '^GOOD' sess_cmd Y "$WRITE"
sess_close Y

# --- libiscsi's reservation suites, one initiator per gateway ---------------------------------
gw_start A "$PORT_A" && ok "gateway A restarts again" || not_ok "gateway A restarts again"
INI1=iqn.2026-12.org.scstd:rbdpr-cu-one
INI2=iqn.2026-12.org.scstd:rbdpr-cu-two
for suite in $SUITES; do
	raw=$WORKDIR/cu.$suite.out
	timeout -k 5 600 iscsi-test-cu -d -i "$INI1" -I "$INI2" -t "ALL.$suite" \
		"$(gw_url A)" "$(gw_url B)" >"$raw" 2>&1
	awk -f "$TESTS_ROOT/tests/conformance/parse_cu.awk" "$raw" >"$raw.v"
	read -r _ _ p _ f _ s < <(grep '^SUMMARY' "$raw.v")
	if [ "${p:-0}" -gt 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
		ok "$suite across two gateways: $p passed, 0 failed, 0 skipped"
	else
		not_ok "$suite across two gateways: ${p:-0} passed, ${f:-?} failed, ${s:-?} skipped"
		grep -E '^(FAIL|SKIP) ' "$raw.v" | sed 's/^/#   /'
	fi
done

gw_use B
check_stop "gateway B stops on SIGTERM with exit 0 and a clean log"
gw_use A
check_stop "gateway A stops on SIGTERM with exit 0 and a clean log"
ceph_pids="$CEPH_MON_PID $CEPH_OSD_PID"
ceph_cluster_stop
none_alive() { local p; for p in "$@"; do ! kill -0 "$p" 2>/dev/null || return 1; done; }
check "no Ceph daemon of this test is left running" none_alive $ceph_pids
finish
