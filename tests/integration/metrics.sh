#!/usr/bin/env bash
# metrics.sh - the --metrics endpoint and README.scst-3.x's latency files, with
# real initiators (libiscsi: scsi_cdb, iscsi-inq) and the page read by
# python3-prometheus-client's parser (tests/tools/prom_query.py):
#  - the page parses, every family has HELP and TYPE, the Content-Type is
#    text format 0.0.4; HEAD answers 200, other paths 404, POST 405;
#  - 5 WRITE(10)s of 2 blocks each raise the write commands of the nexus,
#    the device and the target by exactly 5 and the written bytes by
#    exactly 5 KiB; a READ(10) past the end raises the ILLEGAL REQUEST
#    errors by exactly 1; each latency histogram's count equals the
#    commands counted, buckets cumulative up to +Inf;
#  - a login with a wrong CHAP secret counts one auth failure, one to an
#    unknown target one target failure, a good login one login;
#  - the session of an initiator whose name holds a quote and a backslash
#    is labelled with that exact name; scstd_sessions follows logins and
#    logouts, and the device counters stay when the session is gone;
#  - README.scst-3.x's latency directory (sessions/<ini>/latency/): exactly
#    the 44 files n|r|w|b x 512..524288, none under lunX; nothing counted
#    while measure_latency is 0; with 1, 4 KiB READs count in r4096 only,
#    4 KiB WRITEs in w4096, TEST UNIT READY in n512; SCST's header and
#    line format; writing any value to one file clears all of them;
#  - hostile HTTP (garbage request line, a 200 KB header, 300 idle
#    connections) leaves the daemon serving iSCSI and the page;
#  - an IPv6 endpoint ([::1]:PORT) serves too; a bad --metrics is refused.
. "$(dirname "$0")/../lib.sh"
plan 75

require_daemon
require_tools scsi_cdb
PROMQ=$TESTS_ROOT/tests/tools/prom_query.py
# Debian's interpreter, which the python3-prometheus-client package serves
# (a python3 earlier in PATH, e.g. pyenv's, may not see it).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
IQN=iqn.2026-11.org.scstd:metrics
IQN_CHAP=iqn.2026-11.org.scstd:metrics-chap
INI='iqn.2026-11.org.test:we"ird\name'
if ! "$PY" -c 'import prometheus_client.parser' 2>/dev/null; then
	skip "python3-prometheus-client is not installed (make deps)"
	finish
fi
truncate -s 8M "$WORKDIR/disk.img"
cat >"$WORKDIR/metrics.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE disk0 {
		filename $WORKDIR/disk.img
	}
}
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 64
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		enabled 1
		LUN 0 disk0
	}
	TARGET $IQN_CHAP {
		enabled 1
		IncomingUser "joe joepass12345"
		LUN 0 null0
	}
}
CONF

MPORT=$(pick_port)
if ! start_daemon --config "$WORKDIR/metrics.conf" --metrics "127.0.0.1:$MPORT"; then
	not_ok "scstd starts with --metrics"
	finish
fi
ok "scstd starts with --metrics"
MURL=http://127.0.0.1:$MPORT/metrics
SEQ=0

# scrape VAR: the page into a new file $WORKDIR/m.N, its name into VAR.
scrape() {
	SEQ=$((SEQ + 1))
	curl -sf --max-time 10 "$MURL" >"$WORKDIR/m.$SEQ" || return 1
	printf -v "$1" '%s' "$WORKDIR/m.$SEQ"
}
# val FILE SAMPLE [label=value...]: the summed value ("none": no sample).
val() { "$PY" "$PROMQ" sum "$@"; }
# delta NAME LABELS... : value in $NEW minus value in $OLD.
delta() {
	local a b
	a=$(val "$OLD" "$@") || a=0
	b=$(val "$NEW" "$@") || { echo none; return; }
	echo $((b - a))
}
expect_delta() {
	local name=$1 want=$2 got
	shift 2
	got=$(delta "$@")
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		not_ok "$name (got $got, want $want)"
	fi
}

scrape NEW && ok "GET /metrics answers" || not_ok "GET /metrics answers"
check "the page parses; every family has HELP and TYPE" "$PY" "$PROMQ" check "$NEW"
check_output "Content-Type is the text format 0.0.4" 'text/plain; version=0.0.4' \
	curl -s -o /dev/null -w '%{content_type}' "$MURL"
check_output "another path gives 404" '^404$' \
	curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/"
check_output "HEAD answers 200" '^HTTP/1.1 200' \
	curl -sI --max-time 10 "$MURL"
check_output "POST gives 405" '^405$' \
	curl -s -o /dev/null -w '%{http_code}' -d x "$MURL"

# ---- logins ----
OLD=$NEW
timeout 20 iscsi-inq "iscsi://joe%wrongpass99999@127.0.0.1:$PORT/$IQN_CHAP/0" \
	>/dev/null 2>&1 && not_ok "a wrong CHAP secret is refused" ||
	ok "a wrong CHAP secret is refused"
timeout 20 iscsi-inq "iscsi://127.0.0.1:$PORT/iqn.2026-11.org.scstd:nosuch/0" >/dev/null 2>&1
coproc CDB { SCSI_CDB_INITIATOR=$INI exec "$(tool scsi_cdb)" "iscsi://127.0.0.1:$PORT/$IQN/0" 2>&1; }
BG_PIDS+=("$CDB_PID")
# cdb LINE: one request to the held session; its answer on stdout.
cdb() {
	local reply
	echo "$1" >&"${CDB[1]}" || return 1
	read -t 30 -r reply <&"${CDB[0]}" || return 1
	echo "$reply"
}
check_output "the held session answers" '^GOOD' cdb "cdb 00000000000000"
scrape NEW
expect_delta "a wrong CHAP secret counts one auth failure" 1 \
	scstd_iscsi_login_failures_total reason=auth
expect_delta "an unknown target counts one target failure" 1 \
	scstd_iscsi_login_failures_total reason=target
expect_delta "the good login counts one login" 1 scstd_iscsi_logins_total
check_output "scstd_sessions shows the session" '^1$' val "$NEW" scstd_sessions target="$IQN"
check_output "the session's series carry its exact initiator name" '^[0-9]+$' \
	val "$NEW" scstd_commands_total session="$INI" lun=0 device=disk0 class=other

# ---- writes, errors, histogram ----
OLD=$NEW
DATA=$(printf '5a%.0s' $(seq 1 1024))          # 2 blocks of 512 bytes
wrote=0
for i in 0 1 2 3 4; do
	r=$(cdb "out 2A00000000$(printf '%02X' $((i * 2)))00000200 $DATA")
	[ "${r%% *}" = GOOD ] && wrote=$((wrote + 1))
done
[ "$wrote" = 5 ] && ok "5 WRITE(10)s of 2 blocks succeed" || not_ok "5 WRITE(10)s succeed ($wrote)"
check_output "a READ(10) past the end gets ILLEGAL REQUEST, LBA OUT OF RANGE" '^CHECK 05/21/00' \
	cdb "cdb 28000010000000000100 512"
scrape NEW
# scope_checks PREFIX LABELS...: the deltas of one scope's families.
scope_checks() {
	local p=$1
	shift
	expect_delta "${p}commands_total: +5 write commands" 5 "${p}commands_total" "$@" class=write
	expect_delta "${p}commands_total: +1 read command (the failed READ)" 1 \
		"${p}commands_total" "$@" class=read
	expect_delta "${p}bytes_total: +5120 bytes written" 5120 "${p}bytes_total" "$@" dir=write
	expect_delta "${p}command_errors_total: +1 ILLEGAL REQUEST" 1 \
		"${p}command_errors_total" "$@" sense_key=illegal_request
}
scope_checks scstd_ session="$INI" lun=0 device=disk0
scope_checks scstd_device_ device=disk0
scope_checks scstd_target_ target="$IQN"
total=$(val "$NEW" scstd_device_commands_total device=disk0)
hcount=$(val "$NEW" scstd_device_command_latency_seconds_count device=disk0)
[ -n "$total" ] && [ "$total" = "$hcount" ] && ok "histogram count = commands ($total)" ||
	not_ok "histogram count $hcount = commands $total"
for fam in scstd_command_latency_seconds scstd_device_command_latency_seconds \
	scstd_target_command_latency_seconds; do
	check "$fam: buckets cumulative, +Inf = count" "$PY" "$PROMQ" hist_consistent "$NEW" "$fam"
done

# ---- latency directory (README.scst-3.x measure_latency) ----
SESS=targets/iscsi/$IQN/sessions/$INI
LAT=$SESS/latency
# README.scst-3.x: latency/${io_type}${io_size}, io_type n, r, w or b,
# io_size a power of two between 512 and 524288.
for sz in 512 1024 2048 4096 8192 16384 32768 65536 131072 262144 524288; do
	for t in n r w b; do echo "$t$sz"; done
done | sort >"$WORKDIR/lat.want"
# total FILE: the command count of FILE's total line (0 without one).
total() { daemon_ctl read "$LAT/$1" | awk '$1 == "total" { n = $2 } END { print n + 0 }'; }
# stage FILE STATE: the count of one state line.
stage() { daemon_ctl read "$LAT/$1" | awk -v s="$2" '$1 == s { n = $2 } END { print n + 0 }'; }
READ4K="cdb 28000000000000000800 4096"                       # READ(10), 8 blocks of 512
WRITE4K="out 2A000000000000000800 $(printf '5a%.0s' $(seq 1 4096))"
TUR="cdb 00000000000000"
lun_latency_entries() { daemon_ctl list "$SESS/lun0" | grep -c latency || true; }
# bad_lines FILE: lines after the header in neither SCST state nor total format.
bad_lines() {
	sed 1d "$1" | grep -Evc \
		'^([A-Z_]+ [0-9]+( [0-9]+\.[0-9]){4}|total [0-9]+ - -( [0-9]+\.[0-9]){2}) us$' || true
}
check_output "the session directory lists lun0/" '^lun0/?$' daemon_ctl list "$SESS"
check_output "... and latency as a directory" '^latency/$' daemon_ctl list "$SESS"
daemon_ctl list "$LAT" | sed 's|/$||' | sort >"$WORKDIR/lat.got"
check "latency/ holds exactly README.scst-3.x's 44 files" diff "$WORKDIR/lat.want" "$WORKDIR/lat.got"
check_output "lun0/ lists active_commands" '^active_commands$' daemon_ctl list "$SESS/lun0"
check_output "... and no latency (SCST 3.x has none there)" '^0$' lun_latency_entries
check_output "measure_latency is 0 at start" '^0$' daemon_ctl read measure_latency
cdb "$READ4K" >/dev/null
cdb "$WRITE4K" >/dev/null
cdb "$TUR" >/dev/null
check_output "no READ counted while measure_latency is 0" '^0$' total r4096
check_output "no WRITE counted while measure_latency is 0" '^0$' total w4096
check_output "a file with no commands shows the header alone" '^state count min max avg stddev$' \
	daemon_ctl read "$LAT/r4096"
check "measure_latency 1 is accepted" daemon_ctl write measure_latency 1
for i in 1 2 3; do cdb "$READ4K" >/dev/null; cdb "$WRITE4K" >/dev/null; done
cdb "$TUR" >/dev/null
cdb "$TUR" >/dev/null
check_output "r4096 counts the 3 READs of 4096 bytes" '^3$' total r4096
check_output "... none lands in r2048" '^0$' total r2048
check_output "... nor in r8192" '^0$' total r8192
check_output "... the device handler stage counts 3" '^3$' stage r4096 DEV_EXEC
check_output "w4096 counts the 3 WRITEs of 4096 bytes" '^3$' total w4096
check_output "n512 counts the 2 TEST UNIT READYs (no data)" '^2$' total n512
daemon_ctl read "$LAT/w4096" >"$WORKDIR/lat.w4096"
check_output "the first line is SCST's header" '^state count min max avg stddev$' \
	head -n 1 "$WORKDIR/lat.w4096"
check_output "every state line is: name count min max avg stddev us" '^0$' \
	bad_lines "$WORKDIR/lat.w4096"
check_output "... and the last is the total" '^total 3 - - [0-9]+\.[0-9] [0-9]+\.[0-9] us$' \
	tail -n 1 "$WORKDIR/lat.w4096"
check "writing 1 to n512 is accepted (any value clears, as SCST)" daemon_ctl write "$LAT/n512" 1
check_output "the write cleared r4096 too" '^0$' total r4096
check_output "... and w4096" '^0$' total w4096
cdb "$READ4K" >/dev/null
check_output "a READ after clearing counts 1" '^1$' total r4096
check "measure_latency 0 is accepted" daemon_ctl write measure_latency 0
cdb "$READ4K" >/dev/null
check_output "with measure_latency 0 a READ is not counted" '^1$' total r4096

# ---- hostile HTTP ----
"$PY" - "$MPORT" >"$WORKDIR/hostile.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])

def exchange(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
    except OSError:
        pass
    try:
        return s.recv(200)
    except OSError:
        return b""
    finally:
        s.close()

print("garbage:", exchange(b"\x00\xffGARBAGE \r\n\r\n")[:12])
print("huge header:", exchange(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n")[:12])
PY
hostile_rc=$?
sed 's/^/# /' "$WORKDIR/hostile.out"
[ $hostile_rc = 0 ] && ok "hostile HTTP client ran" || not_ok "hostile HTTP client ran"
check_output "garbage gets no 200" '^garbage: b(.HTTP/1.. [45]|..$)' grep '^garbage' "$WORKDIR/hostile.out"
check_output "a 200 KB header gets no 200" '^huge header: b(.HTTP/1.. [45]|..$)' \
	grep '^huge header' "$WORKDIR/hostile.out"
# 300 idle connections held for 8 s: iSCSI and management go on meanwhile.
"$PY" - "$MPORT" >"$WORKDIR/held.out" 2>&1 <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(300):
    try:
        held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
    except OSError:
        break
print("held", len(held), flush=True)
time.sleep(8)
for s in held:
    s.close()
PY
HOLDER=$!
BG_PIDS+=("$HOLDER")
for i in $(seq 1 100); do grep -q '^held' "$WORKDIR/held.out" && break; sleep 0.1; done
note "$(cat "$WORKDIR/held.out")"
check_output "iSCSI answers while 300 HTTP connections are held" '^GOOD' cdb "cdb 00000000000000"
check_output "management answers meanwhile" '^[01]$' daemon_ctl read measure_latency
wait "$HOLDER"
NEW=
for i in $(seq 1 20); do scrape NEW && break; sleep 0.5; done
[ -n "$NEW" ] && ok "the page is served again after 300 idle connections" ||
	not_ok "the page is served again after 300 idle connections"

# ---- session end ----
scrape OLD
echo quit >&"${CDB[1]}"
wait "$CDB_PID" 2>/dev/null
for i in $(seq 1 50); do
	scrape NEW
	[ "$(val "$NEW" scstd_sessions target="$IQN")" = 0 ] && break
	sleep 0.2
done
check_output "scstd_sessions goes to 0 at logout" '^0$' val "$NEW" scstd_sessions target="$IQN"
if val "$NEW" scstd_commands_total session="$INI" >/dev/null; then
	not_ok "the ended session's series are gone"
else
	ok "the ended session's series are gone"
fi
expect_delta "the device's write count stays after the session ended" 0 \
	scstd_device_commands_total device=disk0 class=write
expect_delta "the target's write count stays after the session ended" 0 \
	scstd_target_commands_total target="$IQN" class=write
check_alive
check_stop

# ---- IPv6 and bad addresses ----
if ip -6 addr show lo 2>/dev/null | grep -q '::1'; then
	M6=$(pick_port)
	if start_daemon --config "$WORKDIR/metrics.conf" --metrics "[::1]:$M6"; then
		check_output "an IPv6 endpoint serves the page" '^# HELP' \
			curl -sfg --max-time 10 "http://[::1]:$M6/metrics"
		check_stop
	else
		not_ok "scstd starts with --metrics [::1]:PORT"
	fi
else
	skip "no IPv6 loopback"
fi
for bad in "nonsense" "127.0.0.1" "[::1]" "300.1.1.1:80"; do
	timeout 10 "$SCSTD" --foreground --listen "127.0.0.1:$(pick_port)" --ctl-socket none \
		--local-socket none --var-dir "$WORKDIR/var" --metrics "$bad" >"$WORKDIR/bad.log" 2>&1
	rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -q -- '--metrics' "$WORKDIR/bad.log"; then
		ok "--metrics '$bad' is refused"
	else
		not_ok "--metrics '$bad' is refused (exit $rc)"
	fi
done
finish
