#!/usr/bin/env bash
# iscsi_chap_algs.sh - the CHAP_A algorithms MD5 (5), SHA-1 (6), SHA-256 (7)
# and SHA3-256 (8) end to end with a raw initiator (libiscsi 1.19 offers
# MD5 only): for normal and discovery sessions each algorithm logs in with
# the right secret, one-way and mutual, and is refused with 0x0201 with a
# wrong one; the target picks the first supported algorithm of the
# initiator's list and refuses a list without one.  Every refusal is logged
# once, naming the initiator; no secret appears in the log.
. "$(dirname "$0")/../lib.sh"

plan 44

require_daemon
require_tools iscsi_digestpeer
IQN=iqn.2026-11.org.scstd:chapalgs
MIB=1048576

truncate -s $((8 * MIB)) "$WORKDIR/disk.img"
cat >"$WORKDIR/chap.conf" <<CONF
HANDLER vdisk_fileio {
	DEVICE d1 {
		filename $WORKDIR/disk.img
	}
}
TARGET_DRIVER iscsi {
	enabled 1
	IncomingUser "disco discopass4242"
	OutgoingUser "dtgt dtgtpass5151"
	TARGET $IQN {
		enabled 1
		IncomingUser "joe joepass12345"
		OutgoingUser "tgt tgtpass99999"
		LUN 0 d1
	}
}
CONF

if ! start_daemon --config "$WORKDIR/chap.conf"; then
	not_ok "scstd starts with CHAP users configured"
	finish
fi
ok "scstd starts with CHAP users configured"

# The peer's CHAP responses, and its check of the target's, come from
# Python's hashlib, an implementation independent of scstd's OpenSSL
# calls.  The CHAP_A numbers are those of the IANA "PPP Authentication
# Algorithms" registry, which RFC 7143's CHAP_A draws from (5 MD5 per
# RFC 1994, 6 SHA-1, 7 SHA-256, 8 SHA3-256; Linux LIO uses the same).
cat >"$WORKDIR/chap_hash.py" <<'PY'
#!/usr/bin/env python3
import hashlib
import sys
IANA_CHAP_A = {5: "md5", 6: "sha1", 7: "sha256", 8: "sha3_256"}
alg, ident, secret, challenge = sys.argv[1:]
print(hashlib.new(IANA_CHAP_A[int(alg)],
                  bytes([int(ident)]) + secret.encode() + bytes.fromhex(challenge)).hexdigest())
PY
chmod +x "$WORKDIR/chap_hash.py"
export CHAP_HASH_CMD=$WORKDIR/chap_hash.py

peer() {  # peer TARGET|- MODE USER SECRET [ALGS [TUSER TSECRET]]
	local t=$1
	shift
	timeout 20 "$(tool iscsi_digestpeer)" "127.0.0.1:$PORT" "$t" "$@"
}

declare -A NAME=([5]=MD5 [6]=SHA-1 [7]=SHA-256 [8]=SHA3-256)
refused=0
for a in 5 6 7 8; do
	n=${NAME[$a]}
	check "normal session, CHAP_A=$a ($n): right secret logs in" \
		peer "$IQN" chap-good joe joepass12345 "$a"
	check "normal session, $n: mutual, the target answers as tgt in $n" \
		peer "$IQN" chap-mutual joe joepass12345 "$a" tgt tgtpass99999
	check "normal session, $n: wrong secret refused with 0x0201" \
		peer "$IQN" chap-wrong joe joepass12346 "$a"
	check "normal session, $n: a response one byte short refused with 0x0201" \
		peer "$IQN" chap-short joe joepass12345 "$a"
	check "discovery session, $n: right secret logs in" \
		peer - chap-good disco discopass4242 "$a"
	check "discovery session, $n: mutual, the target answers as dtgt" \
		peer - chap-mutual disco discopass4242 "$a" dtgt dtgtpass5151
	check "discovery session, $n: wrong secret refused with 0x0201" \
		peer - chap-wrong disco discopass4243 "$a"
	check "discovery session, $n: a target user's secret does not open discovery" \
		peer - chap-wrong joe joepass12345 "$a"
	refused=$((refused + 4))
done
check "the target takes the initiator's first supported choice (8,7,6,5 -> 8)" \
	peer "$IQN" chap-good joe joepass12345 8,7,6,5
check "... (7,5 -> 7)" peer "$IQN" chap-good joe joepass12345 7,5
check "... unknown entries are skipped (99,abc,6,5 -> 6)" \
	peer "$IQN" chap-good joe joepass12345 99,abc,6,5
check "a list without a supported algorithm is refused with 0x0201" \
	peer "$IQN" chap-good joe joepass12345 1,2,99
check "a reflected challenge is refused for SHA-256 too" \
	peer "$IQN" chap-reflect joe joepass12345 7
refused=$((refused + 2))
check "libiscsi (MD5) still logs in" \
	bash -c "timeout 20 iscsi-inq 'iscsi://joe%joepass12345@127.0.0.1:$PORT/$IQN/0' | grep -q DIRECT_ACCESS"

count_refusals() {
	local c w
	c=$(grep -ac "login of iqn.2026-11.org.scstd:chappeer refused: .*(status 0x0201)" "$DAEMON_LOG")
	w=$(grep -ac "chappeer refused: wrong CHAP response of user" "$DAEMON_LOG")
	echo "refusals logged: $c, expected $refused; for a wrong secret $w, expected 8"
	[ "$c" -eq "$refused" ] && [ "$w" -eq 8 ]
}
check "each refusal is logged exactly once, naming the initiator" count_refusals
check_output "the log names the algorithm of a successful login" "authenticated with CHAP_A=8" \
	cat "$DAEMON_LOG"
check "no secret appears in the daemon log" \
	bash -c "! grep -aE 'joepass1234|tgtpass9999|discopass424|dtgtpass5151' '$DAEMON_LOG'"
check_alive "daemon alive after the CHAP checks"
check_stop
finish
