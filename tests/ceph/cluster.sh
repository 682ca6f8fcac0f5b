# tests/ceph/cluster.sh - a throw-away single-node Ceph cluster for tests,
# sourced (after tests/lib.sh).  One monitor on 127.0.0.1 (msgr2 only), one
# memstore OSD, no manager, auth none, pools of size 1; everything lives in
# a directory of the test's work directory and dies with ceph_cluster_stop,
# which lib.sh's cleanup does not know: callers put it in their EXIT trap
# (trap 'ceph_cluster_stop; lib_cleanup' EXIT), so that no daemon outlives
# the test whatever happens.
#
#   ceph_cluster_start DIR [POOL]  start, create POOL (default rbd) and
#                                  `rbd pool init` it; exports CEPH_CONF
#   ceph_cluster_stop              kill both daemons, wait for them
#   ceph_cluster_freeze / _thaw    SIGSTOP / SIGCONT both daemons (a
#                                  cluster that is unreachable, then back)
#
# paxos_propose_interval 0.1 makes a pool usable in about a second
# instead of Ceph's 7-9 s.  Readiness is an object written and removed
# with rados: without a manager `ceph -s` shows no pools.

CEPH_MON_PID=
CEPH_OSD_PID=
CEPH_DIR=

ceph_cluster_available() {
	command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null &&
		command -v rados >/dev/null && command -v rbd >/dev/null &&
		command -v monmaptool >/dev/null
}

ceph_write_conf() {  # ceph_write_conf DIR PORT
	local dir=$1 port=$2
	cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $(cat /proc/sys/kernel/random/uuid)
mon host = v2:127.0.0.1:$port
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd pool default pg autoscale mode = off
paxos propose interval = 0.1
osd objectstore = memstore
memstore device bytes = 1073741824
osd crush chooseleaf type = 0
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/\$name.log
pid file = $dir/run/\$name.pid
mon data = $dir/mon.\$id
osd data = $dir/osd.\$id
keyring = $dir/keyring
mon osd full ratio = 0.99
mon osd nearfull ratio = 0.98
osd heartbeat grace = 60
mon osd down out interval = 0
[client]
# Two gateways of one test would fight over client.admin.asok.
admin socket =
rados osd op timeout = 5
rados mon op timeout = 5
client mount timeout = 5
CONF
}

# ceph_retry SECONDS CMD...: CMD until it succeeds, for at most about
# SECONDS.  The clients' timeouts are short (the tests need them so), and
# on a loaded machine the monitor or the first peering can take longer;
# every command retried here is idempotent.
ceph_retry() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		kill -0 "$CEPH_MON_PID" 2>/dev/null || return 1
		sleep 0.5
	done
}

# The monitor's store and map, then the daemon in the foreground (its pid
# is ours to kill).
ceph_start_mon() {
	local dir=$1 port=$2
	monmaptool --create --clobber --fsid "$(sed -n 's/^fsid = //p' "$dir/ceph.conf")" \
		--addv a "[v2:127.0.0.1:$port]" "$dir/monmap" >/dev/null || return 1
	ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. \
		--cap mon 'allow *' >/dev/null || return 1
	ceph-mon -c "$dir/ceph.conf" --mkfs -i a --monmap "$dir/monmap" \
		--keyring "$dir/keyring" >"$dir/mon-mkfs.out" 2>&1 || return 1
	ceph-mon -c "$dir/ceph.conf" -i a -f >"$dir/mon.out" 2>&1 &
	CEPH_MON_PID=$!
}

ceph_start_osd() {
	local dir=$1 uuid
	uuid=$(cat /proc/sys/kernel/random/uuid)
	mkdir -p "$dir/osd.0"
	ceph_retry 60 timeout 30 ceph -c "$dir/ceph.conf" osd new "$uuid" || return 1
	ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$uuid" \
		>"$dir/osd-mkfs.out" 2>&1 || return 1
	ceph-osd -c "$dir/ceph.conf" -i 0 -f >"$dir/osd.out" 2>&1 &
	CEPH_OSD_PID=$!
}

# A pool is usable once an object can be written to it and removed.
ceph_wait_ready() {
	local pool=$1 i
	for i in $(seq 1 150); do
		if timeout 10 rados -p "$pool" put scstd-ready /etc/hostname 2>/dev/null &&
			timeout 10 rados -p "$pool" rm scstd-ready 2>/dev/null; then
			return 0
		fi
		kill -0 "$CEPH_OSD_PID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

ceph_cluster_start() {
	local dir=$1 pool=${2:-rbd} port
	CEPH_DIR=$dir
	mkdir -p "$dir/run" || return 1
	port=$(pick_port) || return 1
	ceph_write_conf "$dir" "$port"
	export CEPH_CONF=$dir/ceph.conf
	ceph_start_mon "$dir" "$port" || return 1
	ceph_start_osd "$dir" || return 1
	ceph_retry 60 timeout 30 ceph osd pool create "$pool" 8 || return 1
	ceph_retry 60 timeout 30 rbd pool init "$pool" || return 1
	ceph_wait_ready "$pool"
}

ceph_cluster_thaw() {
	local p
	for p in $CEPH_MON_PID $CEPH_OSD_PID; do
		kill -CONT "$p" 2>/dev/null
	done
}

ceph_cluster_freeze() {
	local p
	for p in $CEPH_MON_PID $CEPH_OSD_PID; do
		kill -STOP "$p" 2>/dev/null
	done
}

ceph_cluster_stop() {
	local p
	ceph_cluster_thaw
	for p in $CEPH_OSD_PID $CEPH_MON_PID; do
		kill "$p" 2>/dev/null
	done
	for p in $CEPH_OSD_PID $CEPH_MON_PID; do
		# A daemon that ignores SIGTERM for 10 s is killed.
		for _ in $(seq 1 100); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	CEPH_MON_PID=
	CEPH_OSD_PID=
}
