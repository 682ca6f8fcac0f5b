#!/usr/bin/env bash
# alua_two_nodes.sh - README.scst-3.x's H.A. setup on one host: two scstd
# daemons (two ports on loopback) present the same LU (one backing file,
# the same device name, so the same identifiers) each through its own
# target port, in the same device group layout: node 1's port A
# (rel_tgt_id 1) in target group "node1" (id 1), node 2's port B (2) in
# "node2" (id 2), each node listing the other's port by name and
# rel_tgt_id.  Node 1 is configured from scst.conf, node 2 with
# scstadmin's device group actions.  Both report the same groups; the
# admin moves active/optimized from node 1 to node 2 with scstadmin
# -set_tgrp_attr on both, and the initiator's paths follow: data written
# through node 2 reads back through node 2, node 1 answers standby.
# Persistent reservations are not shared between the daemons (out of
# scope, docs/alua.md).
. "$(dirname "$0")/../lib.sh"
plan 36

require_daemon
require_tools alua_checks
SCSTCTL=$(dirname "$SCSTD")/scstctl
SCSTADMIN=$(dirname "$SCSTD")/scstadmin
A=iqn.2026-12.org.scstd:node1-port
B=iqn.2026-12.org.scstd:node2-port
truncate -s 4M "$WORKDIR/shared.img"

# node_conf PORT_IQN REL_TGT_ID: the devices and the node's own target.
node_conf() {
	cat <<CONF
HANDLER vdisk_fileio {
	DEVICE shared {
		filename $WORKDIR/shared.img
		write_through 1
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $1 {
		enabled 1
		rel_tgt_id $2
		LUN 0 shared
	}
}
CONF
}
{
	node_conf "$A" 1
	cat <<CONF
DEVICE_GROUP ha {
	tpgs implicit
	DEVICE shared
	TARGET_GROUP node1 {
		group_id 1
		preferred 1
		state active
		TARGET $A
	}
	TARGET_GROUP node2 {
		group_id 2
		state standby
		TARGET $B {
			rel_tgt_id 2
		}
	}
}
CONF
} >"$WORKDIR/node1.conf"
node_conf "$B" 2 >"$WORKDIR/node2.conf"

SOCK1=$WORKDIR/node1.sock
SOCK2=$WORKDIR/node2.sock
start_daemon --config "$WORKDIR/node1.conf" --ctl-socket "$SOCK1" ||
	{ not_ok "node 1 starts"; finish; }
ok "node 1 starts"
PORT1=$PORT PID1=$DAEMON_PID LOG1=$DAEMON_LOG
BG_PIDS+=("$PID1")
# Node 1 runs on beside node 2: start_daemon would stop the daemon it
# tracks, so node 1 is tracked here until its own stop below.
DAEMON_PID=
start_daemon --config "$WORKDIR/node2.conf" --ctl-socket "$SOCK2" \
	--var-dir "$WORKDIR/var2" --pr-dir "$WORKDIR/var2/pr" ||
	{ not_ok "node 2 starts on the same backing file"; finish; }
ok "node 2 starts on the same backing file"
PORT2=$PORT

adm2() { "$SCSTADMIN" -socket "$SOCK2" "$@"; }
check "node 2: -add_dgrp ha" adm2 -add_dgrp ha
check "node 2: -add_dgrp_dev shared -dev_group ha" adm2 -add_dgrp_dev shared -dev_group ha
check "node 2: -add_tgrp node1 -dev_group ha" adm2 -add_tgrp node1 -dev_group ha
check "node 2: -add_tgrp node2 -dev_group ha" adm2 -add_tgrp node2 -dev_group ha
check "node 2: -set_tgrp_attr node1 group_id=1,state=active,preferred=1" \
	adm2 -set_tgrp_attr node1 -dev_group ha -attributes group_id=1,state=active,preferred=1
check "node 2: -set_tgrp_attr node2 group_id=2,state=standby" \
	adm2 -set_tgrp_attr node2 -dev_group ha -attributes group_id=2,state=standby
check "node 2: -add_tgrp_tgt (node 1's port)" adm2 -add_tgrp_tgt "$A" -dev_group ha -tgt_group node1
check "node 2: -set_ttgt_attr rel_tgt_id=1 for node 1's port" \
	adm2 -set_ttgt_attr "$A" -dev_group ha -tgt_group node1 -attributes rel_tgt_id=1
check "node 2: -add_tgrp_tgt (its own port)" adm2 -add_tgrp_tgt "$B" -dev_group ha -tgt_group node2
check_output "node 2: -add_tgrp_tgt of a port already in node2 is refused" 'already in target group' \
	sh -c "! '$SCSTADMIN' -socket '$SOCK2' -add_tgrp_tgt '$B' -dev_group ha -tgt_group node1 2>&1"
check_output "node 2: -list_dgrp shows the layout" "Target: $A \(other node, rel_tgt_id 1\)" \
	adm2 -list_dgrp ha
check_output "node 2: -list_tgrp_attr shows state standby, a [key]" '^state +standby \[key\]$' \
	adm2 -list_tgrp_attr node2 -dev_group ha
check_output "node 2: -list_ttgt_attr shows the other node's rel_tgt_id" '^rel_tgt_id +1 \[key\]$' \
	adm2 -list_ttgt_attr "$A" -dev_group ha -tgt_group node1
check_output "node 2: -add_tgrp_tgt without -tgt_group is refused" 'needs -tgt_group' \
	sh -c "! '$SCSTADMIN' -socket '$SOCK2' -add_tgrp_tgt x -dev_group ha 2>&1"

# path N CMD...: the answers through node N's port, after the power-on UA.
path() {
	local n=$1 port iqn
	shift
	if [ "$n" = 1 ]; then port=$PORT1 iqn=$A; else port=$PORT2 iqn=$B; fi
	printf '%s\n' "cdb 000000000000" "$@" quit |
		timeout 20 "$(tool alua_checks)" "iscsi://127.0.0.1:$port/$iqn/0" 2>&1 | sed 1d
}
groups_active1='^GOOD 24 G 1 0 1 cf (0|2) 1 G 2 2 0 cf 2 2$'
check_output "node 1 reports both groups: node 1 active, node 2 standby" "$groups_active1" \
	path 1 "rtpg 0"
check_output "node 2 reports the same" "$groups_active1" path 2 "rtpg 0"
naa1=$(path 1 vpd83 | sed -n 's/.* NAA //p')
naa2=$(path 2 vpd83 | sed -n 's/.* NAA //p')
check "both nodes give the LU the same NAA identifier ($naa1)" \
	test -n "$naa1" -a "$naa1" != none -a "$naa1" = "$naa2"
check_output "node 1's port: relative port 1 in group 1" '^RELPORT 1 TPG 1 ' path 1 vpd83
check_output "node 2's port: relative port 2 in group 2" '^RELPORT 2 TPG 2 ' path 2 vpd83
PATTERN=$(printf 'a5%.0s' $(seq 1 512))
check_output "node 1 (active) writes block 0" '^GOOD$' \
	path 1 "out 2a000000000000000100 $PATTERN"
check_output "node 2 (standby) refuses READ: TARGET PORT IN STANDBY STATE" '^CHECK 02/04/0b$' \
	path 2 "cdb 28000000000000000100 512"

# The admin moves active/optimized to node 2: transitioning on node 1
# first (README.scst-3.x's procedure), then the new states on both.
adm1() { "$SCSTADMIN" -socket "$SOCK1" "$@"; }
check "node 1: node1 transitioning" adm1 -set_tgrp_attr node1 -dev_group ha -attributes state=transitioning
check_output "node 1's port now answers ASYMMETRIC ACCESS STATE TRANSITION" '^CHECK 02/04/0a$' \
	path 1 "cdb 28000000000000000100 512"
for n in 1 2; do
	check "node $n: node1 standby, node2 active and preferred" \
		"$SCSTADMIN" -socket "$WORKDIR/node$n.sock" -set_tgrp_attr node1 -dev_group ha \
		-attributes state=standby,preferred=0
	check "node $n: node2 active" "$SCSTADMIN" -socket "$WORKDIR/node$n.sock" -set_tgrp_attr node2 \
		-dev_group ha -attributes state=active,preferred=1
done
groups_active2='^GOOD 24 G 1 2 0 cf 2 1 G 2 0 1 cf 2 2$'
check_output "node 1 reports node 2 active now" "$groups_active2" path 1 "rtpg 0"
check_output "node 2 reports the same" "$groups_active2" path 2 "rtpg 0"
check_output "node 1 (standby) refuses READ" '^CHECK 02/04/0b$' path 1 "cdb 28000000000000000100 512"
check_output "node 2 (active) reads what node 1 wrote" "^GOOD $PATTERN\$" \
	path 2 "data 28000000000000000100 512"
check_output "node 2's configuration saves the remote port" "rel_tgt_id 1" \
	sh -c "'$SCSTADMIN' -socket '$SOCK2' -write_config - | sed -n '/TARGET $A/,/}/p'"

check_stop "node 2 stops cleanly"
DAEMON_PID=$PID1 DAEMON_LOG=$LOG1
check_stop "node 1 stops cleanly"
finish
