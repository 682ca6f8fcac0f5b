#!/usr/bin/env bash
# config.sh - scst.conf handling at start: two targets over three devices
# are served exactly as written; a syntax error, an unknown handler and a
# missing backing file each stop scstd with a non-zero status and a
# message that says where and why.
. "$(dirname "$0")/../lib.sh"

plan 12

require_daemon
IQN1=iqn.2026-11.org.scstd:cfg-one
IQN2=iqn.2026-11.org.scstd:cfg-two
MIB=1048576

truncate -s $((64 * MIB)) "$WORKDIR/disk1.img"
truncate -s $((32 * MIB)) "$WORKDIR/disk2.img"
cat >"$WORKDIR/two-targets.conf" <<CONF
# two targets, three devices
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 512
	}
}
HANDLER vdisk_fileio {
	DEVICE disk1 {
		filename $WORKDIR/disk1.img
	}
	DEVICE disk2 {
		filename "$WORKDIR/disk2.img"
		blocksize 4096
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET $IQN1 {
		enabled 1
		LUN 0 null0
		LUN 1 disk1
	}
	TARGET $IQN2 {
		enabled 1
		LUN 0 disk2
	}
}
CONF

# luns_of IQN: the LUN numbers iscsi-ls shows under that target, "0,1".
luns_of() {
	awk -v t="$1" '
		/^Target:/ { cur = ($1 == "Target:" t) }
		cur && /^Lun:/ { sub(/^Lun:/, "", $1); l = l (l == "" ? "" : ",") $1 }
		END { print l }' "$WORKDIR/ls.out"
}
list_targets() {
	timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$PORT" >"$WORKDIR/ls.out" 2>&1
	cat "$WORKDIR/ls.out"
	[ "$(grep -c '^Target:' "$WORKDIR/ls.out")" -eq 2 ] &&
		[ "$(luns_of $IQN1)" = 0,1 ] && [ "$(luns_of $IQN2)" = 0 ]
}
capacity_is() {  # IQN LUN BYTES BLOCKSIZE
	local out
	out=$(timeout 20 iscsi-readcapacity16 "$(url "$2" "$1")") || return 1
	echo "$out"
	grep -qx "Total size:$3" <<<"$out" && grep -qx "LOGICAL BLOCK LENGTH IN BYTES:$4" <<<"$out"
}

if start_daemon --config "$WORKDIR/two-targets.conf"; then
	ok "scstd starts with two targets and three devices"
	check "iscsi-ls -s shows $IQN1 with LUNs 0,1 and $IQN2 with LUN 0" list_targets
	check "$IQN1 LUN 0 is the 512 MiB nullio device" capacity_is $IQN1 0 $((512 * MIB)) 512
	check "$IQN1 LUN 1 is the 64 MiB fileio device" capacity_is $IQN1 1 $((64 * MIB)) 512
	check "$IQN2 LUN 0 is the 32 MiB fileio device with 4096-byte blocks" \
		capacity_is $IQN2 0 $((32 * MIB)) 4096
	check "the default target is not served with a config file" \
		bash -c "! timeout 20 iscsi-inq '$(url 0)' >/dev/null 2>&1"
	check_stop
else
	not_ok "scstd starts with two targets and three devices"
fi

# expect_start_failure NAME CONFIG REGEX: scstd must exit non-zero within
# 10 s, without opening its port, printing a message matching REGEX.
expect_start_failure() {
	local name=$1 conf=$2 re=$3 port rc log=$WORKDIR/fail.log
	port=$(pick_port)
	(cd "$WORKDIR" && timeout -k 2 10 "$SCSTD" --foreground --listen "127.0.0.1:$port" \
		--var-dir "$WORKDIR/var" --pr-dir "$WORKDIR/var/pr" --config "$conf") >"$log" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] && [ "$rc" -lt 128 ] &&
		grep -Eq -- "$re" "$log" && ! sanitizer_report "$log"; then
		ok "$name (exit $rc: $(grep -E -- "$re" "$log" | head -1 | cut -c1-120))"
	else
		not_ok "$name (exit status $rc, wanted non-zero and /$re/)"
		if sanitizer_report "$log"; then
			grep -m1 -E -A30 "$SANITIZER_RE" "$log" | sed 's/^/#   /'
		else
			sed 's/^/#   /' "$log" | tail -20
		fi
	fi
}

# Line 5 holds a stray '}'.
cat >"$WORKDIR/syntax.conf" <<'CONF'
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 16
	}
}}
CONF
expect_start_failure "a stray '}' stops scstd with a message naming line 5" \
	"$WORKDIR/syntax.conf" 'line 5\b'

# The "}" on line 5 closes line 3's block; line 1's is never closed.
cat >"$WORKDIR/unclosed.conf" <<'CONF'
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-11.org.scstd:x {
		enabled 1
}
CONF
expect_start_failure "an unclosed block stops scstd with a message naming line 1" \
	"$WORKDIR/unclosed.conf" 'line 1\b'

cat >"$WORKDIR/handler.conf" <<'CONF'
HANDLER vdisk_nullio {
	DEVICE null0 {
		size_mb 16
	}
}
HANDLER no_such_handler {
	DEVICE d {
	}
}
CONF
expect_start_failure "an unknown handler stops scstd with a message naming line 6 and the handler" \
	"$WORKDIR/handler.conf" 'line 6\b.*no_such_handler|no_such_handler.*line 6\b'

cat >"$WORKDIR/missing.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE gone {
		filename $WORKDIR/does-not-exist.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	TARGET iqn.2026-11.org.scstd:missing {
		enabled 1
		LUN 0 gone
	}
}
CONF
expect_start_failure "a missing backing file stops scstd naming the file and the error" \
	"$WORKDIR/missing.conf" 'does-not-exist\.img.*(No such file|not found|missing|does not exist)|(No such file|not found|missing|does not exist).*does-not-exist\.img'

expect_start_failure "a config file that does not exist stops scstd naming it" \
	"$WORKDIR/absent.conf" 'absent\.conf'
finish
