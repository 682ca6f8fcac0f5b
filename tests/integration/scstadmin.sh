#!/usr/bin/env bash
# scstadmin.sh - scstadmin against a live scstd:
#  - round trip: -config A, -write_config B; B applied to a fresh daemon
#    (by scstadmin, and by scstd --config) gives the same tree, compared
#    attribute by attribute, and writing it again gives the same bytes.
#    A uses every handler (blockio on a loop device when one is
#    available), LUN masking groups, a read-only LUN and iSCSI attributes;
#  - apply changes (devices added and removed, an attribute changed, a LUN
#    replaced, an initiator moved) with a libiscsi session logged in
#    through the whole change, which must see the new LUN set and the
#    REPORTED LUNS DATA HAS CHANGED unit attention;
#  - bad configs and refused changes leave the running configuration as
#    it was, with line and column in the error;
#  - -clear_config, -list_*, -check_config, and the same on the FUSE
#    mount with -root.
. "$(dirname "$0")/../lib.sh"

plan 54

require_daemon
require_tools session_probe
BIN=$(dirname "$SCSTD")
SCSTCTL=$BIN/scstctl
ADMIN=$BIN/scstadmin
SOCK=$WORKDIR/ctl/scstd.sock
IQN=iqn.2026-11.org.scstd:admin
INI1=iqn.1993-08.org.debian:01:probe1
MIB=$((1024 * 1024))
LOOPDEV=

if [ ! -x "$ADMIN" ]; then
	not_ok "scstadmin is built next to scstd"
	finish
fi

ctl() { "$SCSTCTL" --socket "$SOCK" "$@"; }
admin() { "$ADMIN" -socket "$SOCK" "$@"; }

detach_loop() {
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	LOOPDEV=
}
cleanup_all() {
	local tmp=$WORKDIR
	KEEP_WORKDIR=1 lib_cleanup >/dev/null
	detach_loop
	[ "${KEEP_WORKDIR:-0}" = 1 ] || rm -rf "$tmp"
}
trap cleanup_all EXIT

# dump: every entry of the tree, one line each (attributes with their
# whole content, links with their target), sessions and volatile
# counters (sgv/ too) left out: two daemons with the same configuration dump alike.
# One client connection for the whole walk (a process per entry is slow
# under the sanitizers).
dump() {
	python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rwb")
def req(line):
    f.write((line + "\n").encode()); f.flush()
    hdr = f.readline().decode().rstrip("\n")
    if not hdr.startswith("ok "):
        raise SystemExit("request %r: %s" % (line, hdr))
    return f.read(int(hdr[3:])).decode()
SKIP = {"mgmt", "last_sysfs_mgmt_res", "threads", "trace_level", "version", "sessions/", "sgv/"}
def walk(path):
    for e in req("list " + (path or "/")).splitlines():
        if e in SKIP:
            continue
        if e.endswith("/"):
            walk(path + "/" + e[:-1])
        elif e.endswith("@"):
            print("%s/%s -> %s" % (path, e[:-1], req("readlink %s/%s" % (path, e[:-1]))))
        else:
            print("%s/%s = %s" % (path, e, req("read %s/%s" % (path, e)).replace("\n", "|")))
walk("")
PY
}
# state: the dump in a fixed order (listings follow creation order).
state() { dump | sort; }

: >"$WORKDIR/empty.conf"
# start_with ARGS...: start_daemon, again on another port when the one
# picked was taken meanwhile (other test runs share the machine).
start_with() {
	local i
	stop_daemon >/dev/null 2>&1
	for i in 1 2 3; do
		start_daemon "$@" && return 0
		grep -q 'Address already in use' "$DAEMON_LOG" || return 1
		note "port $PORT was taken meanwhile; another one"
	done
	return 1
}
start_fresh() { start_with --config "$WORKDIR/empty.conf" --ctl-socket "$SOCK" "$@"; }

truncate -s $((64 * MIB)) "$WORKDIR/f1.img" "$WORKDIR/f2.img" "$WORKDIR/blk.img"
BLOCKIO=
if command -v losetup >/dev/null 2>&1 &&
	LOOPDEV=$(losetup -f --show "$WORKDIR/blk.img" 2>/dev/null) && [ -n "$LOOPDEV" ]; then
	BLOCKIO="HANDLER vdisk_blockio {
	DEVICE b1 {
		filename $LOOPDEV
	}
}"
	BLOCKIO_LUN="LUN 3 b1"
else
	LOOPDEV=
	BLOCKIO_LUN=
	note "vdisk_blockio left out of the round trip: no loop device (losetup missing or not permitted)"
fi

cat >"$WORKDIR/full.conf" <<CONF
# Every handler, LUN masking, a read-only LUN, iSCSI attributes.
setup_id 0x5ca1ab1e
HANDLER vdisk_nullio {
	DEVICE n1 {
		size_mb 64
		t10_dev_id "null one"
		dummy 0
	}
	DEVICE n2 {
		size_mb 32
		read_only 1
		rotational 0
	}
}
HANDLER vdisk_fileio {
	DEVICE f1 {
		filename $WORKDIR/f1.img
		blocksize 4096
		nv_cache 1
	}
	DEVICE f2 {
		filename $WORKDIR/f2.img
		o_direct 0
		usn f2serial
	}
}
$BLOCKIO
TARGET_DRIVER iscsi {
	enabled 1
	IncomingUser "discover secret12345"
	TARGET $IQN {
		MaxRecvDataSegmentLength 65536
		QueuedCommands 64
		LUN 0 n1
		LUN 1 f1 {
			read_only 1
		}
		LUN 2 f2
		$BLOCKIO_LUN
		GROUP hosts_a {
			LUN 0 n2
			LUN 5 f2
			INITIATOR iqn.1993-08.org.debian:01:aaa
			INITIATOR "iqn.2000-01.com.example:*"
		}
		GROUP hosts_b {
			LUN 0 f1
			INITIATOR iqn.1993-08.org.debian:01:bbb
		}
		enabled 1
	}
	TARGET iqn.2026-11.org.scstd:chap {
		IncomingUser "joe secret12345"
		IncomingUser "ann secret54321"
		OutgoingUser "tgt secret99999"
		LUN 0 n2
		enabled 0
	}
}
CONF

# ---- round trip --------------------------------------------------------
start_fresh || { not_ok "scstd starts with an empty config"; finish; }
check "-check_config accepts the full config" "$ADMIN" -check_config "$WORKDIR/full.conf"
check "-config applies the full config" admin -config "$WORKDIR/full.conf" -noprompt
check_output "the LUN read_only attribute reads 1" '^1$' ctl read "targets/iscsi/$IQN/luns/1/read_only"
# SysfsRules: a LUN's non-default read_only is a [key] attribute, so
# -write_config saves the read-only LUN of the round trip.
check_output "the LUN read_only attribute is a [key] attribute" '^1\|\[key\]\|$' \
	bash -c "'$SCSTCTL' --socket '$SOCK' read targets/iscsi/$IQN/luns/1/read_only | tr '\n' '|'"
check_output "iSCSI target attribute is a [key] attribute" '^65536\|\[key\]\|$' \
	bash -c "'$SCSTCTL' --socket '$SOCK' read targets/iscsi/$IQN/MaxRecvDataSegmentLength | tr '\n' '|'"
check_output "a second IncomingUser is IncomingUser1" '^ann secret54321$' \
	ctl read targets/iscsi/iqn.2026-11.org.scstd:chap/IncomingUser1
check "-write_config saves it" admin -write_config "$WORKDIR/saved.conf"
state >"$WORKDIR/tree1.txt"
check_output "the saved config has the groups and the driver's user" \
	'GROUP hosts_b' cat "$WORKDIR/saved.conf"

start_fresh || { not_ok "a second scstd starts"; finish; }
check "the saved config applies to a fresh daemon" admin -config "$WORKDIR/saved.conf" -noprompt
state >"$WORKDIR/tree2.txt"
check "both trees are equal attribute by attribute" diff "$WORKDIR/tree1.txt" "$WORKDIR/tree2.txt"
check_output "the tree dump covers devices, LUNs, groups and attributes" \
	"ini_groups/hosts_a/initiators/iqn.2000-01.com.example:\\*" cat "$WORKDIR/tree2.txt"
admin -write_config "$WORKDIR/saved2.conf" >/dev/null 2>&1
check "writing the config again gives the same bytes" cmp "$WORKDIR/saved.conf" "$WORKDIR/saved2.conf"

start_with --config "$WORKDIR/saved.conf" --ctl-socket "$SOCK" ||
	not_ok "scstd --config takes the saved config"
state >"$WORKDIR/tree3.txt"
check "scstd --config builds the same tree (same algorithm at start)" \
	diff "$WORKDIR/tree1.txt" "$WORKDIR/tree3.txt"

# ---- lists ---------------------------------------------------------------
check_output "-list_handler" '^	Device: n1$' admin -list_handler
check_output "-list_device" '^f2 +vdisk_fileio$' admin -list_device
check_output "-list_target" "^	Target: $IQN$" admin -list_target
check_output "-list_group" '^			Initiator: iqn.1993-08.org.debian:01:bbb$' admin -list_group
check_output "-list_sessions (none yet)" "^	Target: $IQN$" admin -list_sessions

# ---- bad configs change nothing ------------------------------------------
before=$(state)
bad() {  # bad NAME REGEX: -config NAME fails naming REGEX, tree unchanged
	local out
	if out=$(admin -config "$WORKDIR/$1" -noprompt -force 2>&1); then
		echo "applied: $out"
		return 1
	fi
	echo "$out"
	grep -Eq -- "$2" <<<"$out" && [ "$before" = "$(state)" ]
}
printf 'HANDLER vdisk_nullio {\n\tDEVICE x {\n\t\tsize_mb "16\n\t}\n}\n' >"$WORKDIR/syntax.conf"
check "unterminated quote: line 3, column 11, nothing changed" bad syntax.conf 'line 3, column 11'
printf 'HANDLER vdisk_nullio {\n\tDEVICE x\n}\nTARGET_DRIVER iscsi {\n\tTARGET %s {\n\t\tLUN 0 nothere\n\t}\n}\n' \
	"$IQN" >"$WORKDIR/lunref.conf"
check "LUN of an undefined device: line 6, column 3, nothing changed" bad lunref.conf \
	"line 6, column 3: LUN 0: device 'nothere'"
printf 'HANDLER no_such_handler {\n\tDEVICE x\n}\n' >"$WORKDIR/handler.conf"
check "unknown handler: line 1, nothing changed" bad handler.conf 'line 1, column 1: handler no_such_handler'
sed 's/size_mb 64/size_mb 64\n\t\tcolour blue/' "$WORKDIR/saved.conf" >"$WORKDIR/param.conf"
check "unknown device parameter: its line and column, nothing changed" bad param.conf \
	'line [0-9]+, column 3: handler vdisk_nullio has no parameter .colour.'
# Valid structure, refused half-way by the daemon: rolled back.
sed "s|$WORKDIR/f2.img|$WORKDIR/missing.img|" "$WORKDIR/saved.conf" >"$WORKDIR/missing.conf"
check "a change refused half-way is rolled back" bad missing.conf 'missing.img.*restored'
check "bad mgmt command through the tree: refused, nothing changed" \
	bash -c "! '$SCSTCTL' --socket '$SOCK' write handlers/vdisk_nullio/mgmt add_device n1 size_mb=1 && [ \"\$(cat)\" = \"\$('$SCSTCTL' --socket '$SOCK' list devices)\" ]" \
	<<<"$(ctl list devices)"

# ---- apply changes with a live session -------------------------------------
cat >"$WORKDIR/live_a.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE a0 {
		size_mb 16
	}
	DEVICE a1 {
		size_mb 16
		t10_dev_id a1old
	}
	DEVICE a2 {
		size_mb 16
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		GROUP g1 {
			LUN 0 a0
			LUN 1 a1
			LUN 2 a2
			INITIATOR $INI1
		}
		GROUP g2 {
			LUN 0 a0
		}
		enabled 1
	}
}
CONF
# B: a2 removed, a3 added (LUN 3), a1's t10_dev_id changed (recreated),
# LUN 2 replaced by a3, the initiator moved from g1 to g2.
cat >"$WORKDIR/live_b.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE a0 {
		size_mb 16
	}
	DEVICE a1 {
		size_mb 16
		t10_dev_id a1new
	}
	DEVICE a3 {
		size_mb 8
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN {
		GROUP g1 {
			LUN 0 a0
			LUN 1 a1
			LUN 2 a3
		}
		GROUP g2 {
			LUN 0 a0
			LUN 3 a3
			INITIATOR $INI1
		}
		enabled 1
	}
}
CONF
start_fresh || { not_ok "scstd restarts"; finish; }
check "config A applies" admin -config "$WORKDIR/live_a.conf" -noprompt
coproc PROBE { exec "$(tool session_probe)" "$INI1" "iscsi://127.0.0.1:$PORT/$IQN/0" 2>&1; }
BG_PIDS+=("$PROBE_PID")
probe() {  # probe CMD: one answer line
	local line
	echo "$1" >&"${PROBE[1]}"
	IFS= read -r -t 20 line <&"${PROBE[0]}" || return 1
	echo "$line"
}
settle() {  # settle LUN: TEST UNIT READY until the UAs are consumed
	local i
	for i in 1 2 3 4; do
		probe "tur $1" >"$WORKDIR/settle.out" && grep -q 'status 0 ' "$WORKDIR/settle.out" &&
			return 0
	done
	return 1
}
IFS= read -r -t 20 ready <&"${PROBE[0]}"
check "a libiscsi session logs in as $INI1" test "$ready" = ready
# Each LUN's first command sees the power-on UA: consume them.
for l in 0 1 2; do probe "tur $l" >/dev/null; done
check_output "the session sees g1's LUNs 0,1,2" '^luns 0,1,2$' probe luns
check_output "-list_sessions shows it" "Session: $INI1" admin -list_sessions

out=$(admin -config "$WORKDIR/live_b.conf" -noprompt -force 2>&1)
rc=$?
echo "$out" >"$WORKDIR/live_b.out"
# SCST applies LUN changes under a live session (README.scst: the
# initiator sees REPORTED LUNS DATA HAS CHANGED); so must scstd.
check "config B applies on the live target (-force)" test $rc -eq 0
check_output "LUN change raises REPORTED LUNS DATA HAS CHANGED (6/3f/0e)" \
	'sense 6/3f/0e' probe "tur 0"
# The initiator moved to g2: like SCST, its session follows it.
check_output "the session sees g2's LUN set (0,3)" '^luns 0,3$' probe luns
# LUN 3 is a new I_T_L nexus: power-on first, then the inventory change.
check_output "the new LUN 3 reports POWER ON first (6/29/00)" 'sense 6/29/00' probe "tur 3"
check_output "then REPORTED LUNS DATA HAS CHANGED (6/3f/0e)" 'sense 6/3f/0e' probe "tur 3"
check_output "the new LUN 3 reads" '^read 3 status 0 ' probe "read 3"
check_output "scstadmin moved the initiator (move, not del + add)" \
	"g1/initiators/mgmt <- move $INI1 g2" cat "$WORKDIR/live_b.out"
check_output "the saved config is B's" 'LUN 3 a3' admin -write_config -

# README.scst's move command, by hand: the session follows back to g1.
G=targets/iscsi/$IQN/ini_groups
probe "tur 0" >/dev/null
tree_before=$(state)
move_refused() {  # move_refused CMD: refused, tree unchanged
	! ctl write "$G/g2/initiators/mgmt" "$1" && [ "$tree_before" = "$(state)" ]
}
check "move to a group that does not exist: refused, nothing changed" move_refused "move $INI1 nogroup"
check "move of a name the group lacks: refused, nothing changed" move_refused "move iqn.2000-01.x:none g1"
check "move without a group: refused, nothing changed" move_refused "move $INI1"
check "move with an extra word: refused, nothing changed" move_refused "move $INI1 g1 g2"
ctl write "$G/g1/initiators/mgmt" "add $INI1" >/dev/null
check "move into a group that has the name: refused, nothing changed" \
	eval 'tree_before=$(state); move_refused "move $INI1 g1"'
ctl write "$G/g1/initiators/mgmt" "del $INI1" >/dev/null
check "move $INI1 g1 through g2's initiators/mgmt" ctl write "$G/g2/initiators/mgmt" "move $INI1 g1"
check_output "the name is in g1 now" "^$INI1\$" ctl list "$G/g1/initiators"
check_output "the session's LUN set changed: 6/3f/0e on LUN 0" 'sense 6/3f/0e' probe "tur 0"
check_output "the session sees g1's LUN set (0,1,2) again" '^luns 0,1,2$' probe luns
settle 1
check_output "LUN 1 reads after its unit attentions" '^read 1 status 0 ' probe "read 1"
check "deleting the initiator sends the session to the default group (no LUNs)" \
	ctl write "$G/g1/initiators/mgmt" "del $INI1"
check_output "the session is in the default group: LUN 0 is gone (5/25/00)" \
	'sense 5/25/00' probe "tur 0"
echo quit >&"${PROBE[1]}" 2>/dev/null

# ---- clear, and the FUSE mount with -root ----------------------------------
check "-clear_config removes everything" admin -clear_config -noprompt -force
check "no device is left" test -z "$(ctl list devices)"

MNT=$WORKDIR/mnt
mkdir -p "$MNT"
if command -v fusermount3 >/dev/null 2>&1 && [ -e /dev/fuse ]; then
	start_fresh --mount "$MNT" || { not_ok "scstd starts with --mount"; finish; }
	check "-root: -config on the FUSE mount" "$ADMIN" -root "$MNT" -config "$WORKDIR/saved.conf" -noprompt
	"$ADMIN" -root "$MNT" -write_config "$WORKDIR/saved_fuse.conf" >/dev/null 2>&1
	check "-root: -write_config gives the same file" cmp "$WORKDIR/saved.conf" "$WORKDIR/saved_fuse.conf"
	check "-root: -clear_config" "$ADMIN" -root "$MNT" -clear_config -noprompt -force
	check_stop
else
	for _ in 1 2 3; do skip "FUSE mount: fusermount3 or /dev/fuse missing"; done
	check_stop
fi
finish
