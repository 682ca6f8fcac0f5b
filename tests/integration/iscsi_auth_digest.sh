#!/usr/bin/env bash
# iscsi_auth_digest.sh - CHAP and CRC32C digests end to end.  A target with
# two IncomingUser entries and an OutgoingUser refuses initiators without
# credentials or with wrong ones and admits the right ones, one-way and
# mutual; discovery is protected by the driver-level IncomingUser; a target
# without users still logs in with AuthMethod=None.  Header digests are
# negotiated only when the initiator asks, carry a 16 MiB qemu-img round
# trip byte-exact, and a raw peer checks data digests both ways and the
# target's answers to corrupt header and data digests.  No secret may
# appear in the daemon's log.
. "$(dirname "$0")/../lib.sh"

plan 31

require_daemon
require_tools iscsi_digestpeer
CHAP_IQN=iqn.2026-11.org.scstd:chap
OPEN_IQN=iqn.2026-11.org.scstd:open
MIB=1048576

truncate -s $((64 * MIB)) "$WORKDIR/disk.img"
cat >"$WORKDIR/auth.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	IncomingUser "disco discosecret42"
	TARGET $CHAP_IQN {
		enabled 1
		IncomingUser "joe secret12345"
		IncomingUser ann otherpass678
		OutgoingUser "tgt tgtsecret9999"
		LUN 0 d1
	}
	TARGET $OPEN_IQN {
		enabled 1
		LUN 0 d1
	}
}
CONF

inq() {  # inq URL: iscsi-inq succeeds and shows the disk
	timeout 20 iscsi-inq "$1" 2>&1 | tee /dev/stderr | grep -q "DIRECT_ACCESS"
}
inq_fails() {  # inq_fails URL: the login is refused
	local out
	out=$(timeout 20 iscsi-inq "$1" 2>&1)
	echo "$out"
	! grep -q "DIRECT_ACCESS" <<<"$out" && grep -qi "fail" <<<"$out"
}
mutual() {  # mutual TARGET-PASSWORD URL
	LIBISCSI_CHAP_TARGET_USERNAME=tgt LIBISCSI_CHAP_TARGET_PASSWORD=$1 inq "$2"
}
digests_logged() {  # digests_logged HEADER DATA: the last session's negotiated digests
	grep -a "normal session of" "$DAEMON_LOG" | tail -1 |
		grep -q "HeaderDigest $1, DataDigest $2"
}
peer() {
	timeout 30 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$OPEN_IQN" "$1"
}

if ! start_daemon --config "$WORKDIR/auth.conf"; then
	not_ok "scstd starts with CHAP users configured"
	finish
fi
ok "scstd starts with CHAP users configured"
U=127.0.0.1:$PORT

check "no credentials: login to the CHAP target fails" inq_fails "iscsi://$U/$CHAP_IQN/0"
check "wrong password: login fails" inq_fails "iscsi://joe%wrongpass123@$U/$CHAP_IQN/0"
check "unknown user: login fails" inq_fails "iscsi://eve%secret12345@$U/$CHAP_IQN/0"
check "another user's password: login fails" inq_fails "iscsi://ann%secret12345@$U/$CHAP_IQN/0"
check "joe with his password logs in" inq "iscsi://joe%secret12345@$U/$CHAP_IQN/0"
check "ann (second IncomingUser, unquoted) logs in" inq "iscsi://ann%otherpass678@$U/$CHAP_IQN/0"
check "mutual CHAP: the target proves itself as tgt" \
	mutual tgtsecret9999 "iscsi://joe%secret12345@$U/$CHAP_IQN/0"
check "mutual CHAP: a wrong target secret makes the initiator refuse" \
	bash -c "! LIBISCSI_CHAP_TARGET_USERNAME=tgt LIBISCSI_CHAP_TARGET_PASSWORD=wrongsecret1 \
		timeout 20 iscsi-inq 'iscsi://joe%secret12345@$U/$CHAP_IQN/0' 2>&1 | grep -q DIRECT_ACCESS"
check "the target without users still admits AuthMethod=None" inq "iscsi://$U/$OPEN_IQN/0"
chap_peer() {
	timeout 20 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$CHAP_IQN" "$1" joe secret12345
}
check "raw CHAP exchange done right is accepted" chap_peer chap-good
check "raw CHAP: our own challenge reflected for mutual CHAP is refused (0x0201)" \
	chap_peer chap-reflect
check "raw CHAP: a CHAP_R one byte short is refused (0x0201)" chap_peer chap-short
check "discovery without credentials is refused" \
	bash -c "! timeout 20 iscsi-ls 'iscsi://$U' 2>&1 | grep -q Target:"
check_output "discovery with the driver-level user lists both targets" "Target:.*$OPEN_IQN" \
	timeout 20 iscsi-ls "iscsi://disco%discosecret42@$U"

check "an initiator preferring None gets no header digest" inq "iscsi://$U/$OPEN_IQN/0"
check "... and the session says HeaderDigest None" digests_logged None None
# iscsi-inq always offers None first; qemu's header-digest option insists.
OPTS="driver=iscsi,transport=tcp,portal=$U,target=$CHAP_IQN,lun=0,header-digest=crc32c"
OPTS="$OPTS,user=joe,password=secret12345"
check_output "qemu-img info with CHAP and header-digest=crc32c sees the 64 MiB LUN" \
	"virtual size: 64 MiB" timeout 30 qemu-img info --image-opts "$OPTS"
check "... and the session says HeaderDigest CRC32C" digests_logged CRC32C None

SIZE=$((16 * MIB))
head -c $SIZE /dev/urandom >"$WORKDIR/in.raw"
check "qemu-img writes 16 MiB with CHAP and header digests" \
	timeout 120 qemu-img convert -n -f raw "$WORKDIR/in.raw" --target-image-opts "$OPTS"
check "qemu-img reads it back" \
	timeout 120 qemu-img convert --image-opts "$OPTS" -O raw "$WORKDIR/out.raw"
check "the 16 MiB read back are byte-exact" cmp -n $SIZE "$WORKDIR/in.raw" "$WORKDIR/out.raw"
check "... over a session with HeaderDigest CRC32C" digests_logged CRC32C None

check "raw peer: WRITE/READ/NOP with header and data digests both ways" peer io
check "raw peer: corrupt immediate data is rejected (0x02), not run, retry works" peer bad-imm
check "raw peer: corrupt Data-Out is rejected (0x02), command fails, session goes on" \
	peer bad-dataout
check "raw peer: a corrupt header digest closes the connection" peer bad-header
check "the daemon logged the digest errors" \
	bash -c "grep -aq 'data digest error' '$DAEMON_LOG' && grep -aq 'header digest error' '$DAEMON_LOG'"

check_alive "daemon alive after the authentication and digest checks"
check "no CHAP secret appears in the daemon log" \
	bash -c "! grep -aE 'secret12345|otherpass678|tgtsecret9999|discosecret42' '$DAEMON_LOG'"
check_stop
finish
