/* iscsi_digestpeer.c - a raw iSCSI initiator that negotiates CRC32C header
 * and data digests (libiscsi cannot do data digests) and checks the
 * target's digest handling: digests on everything it sends and receives,
 * and the target's answer to corrupt digests; and a raw CHAP exchange,
 * spoilt in ways libiscsi never would.  Its PDUs go through raw_iscsi.c,
 * whose CRC32C is a plain bitwise one, independent of the target's isa-l
 * one.
 *
 *   iscsi_digestpeer HOST:PORT TARGET-IQN io|bad-imm|bad-dataout|bad-header
 *   iscsi_digestpeer HOST:PORT TARGET-IQN|- chap-MODE USER SECRET [ALGS [TUSER TSECRET]]
 *
 * io           WRITE with immediate data, READ it back, NOP-Out ping with
 *              unpadded data: all digests verified both ways.
 * bad-imm      a WRITE whose immediate data has a bad digest is rejected
 *              (reason 0x02) and not run; the retry with the same CmdSN is.
 * bad-dataout  a solicited Data-Out with a bad digest is rejected (0x02)
 *              and its command ends in CHECK CONDITION; the session goes on.
 * bad-header   a PDU with a bad header digest ends the connection.
 * chap-good    the exchange done right is accepted (status 0).
 * chap-reflect a correct CHAP response that asks for mutual CHAP with the
 *              target's own challenge is refused (status 0x0201).
 * chap-short   a CHAP_R one byte short is refused (status 0x0201).
 * chap-wrong   the exchange done right with a wrong secret is refused (0x0201).
 * chap-mutual  chap-good plus our own challenge: the target must answer as
 *              TUSER with TSECRET, in the algorithm it chose.
 * ALGS is the CHAP_A list offered (default 5); the target must pick the
 * first entry it supports, and every response uses the algorithm it named.
 * TARGET-IQN "-" makes a discovery session.  With CHAP_HASH_CMD set, the
 * responses (ours and the check of the target's) come from that program
 * instead of OpenSSL (see external_chap_hash).
 *
 *   iscsi_digestpeer HOST:PORT TARGET-IQN nop-silent|nop-answer SECONDS
 *
 * nop-silent   logs in and never sends again: the target must ping with a
 *              NOP-In (TTT set, ITT reserved) and close the connection,
 *              both within SECONDS.
 * nop-answer   answers every NOP-In for SECONDS: at least two pings come,
 *              the connection stays, and a command still works after.
 * async-wait   waits up to SECONDS for the target to end the session: an
 *              Async Message "target requests logout" (AsyncEvent 1) must
 *              come before the connection closes.
 * async-logout the same, but answers the request with a Logout and wants
 *              the Logout Response before the close.
 * io-wait      WRITE and READ 4 KiB, then as async-wait.
 * window       (SECONDS = the target's QueuedCommands N) N WRITEs left
 *              waiting for data close the CmdSN window (MaxCmdSN =
 *              ExpCmdSN - 1); one more is ignored; finishing one reopens
 *              the window by one and the retried command is taken.
 * reinstate    (SECONDS ignored) a WRITE left waiting for its data on one
 *              connection, then a second login with the same ISID and
 *              TSIH 0: the old connection is closed, the new session works.
 * stall-dataout  a WRITE whose R2T is never answered: the target must close
 *              the connection (RspTimeout) within SECONDS; prints "# stalled"
 *              when the R2T came and the time the close took.
 * stall-read   32 READs of 1 MiB, then the socket is not read for SECONDS:
 *              the target must give up sending (RspTimeout), so draining the
 *              socket afterwards ends in a close before all 32 complete.
 * All three print "# ready" once logged in, for a script to act then.
 * Exit status 0 when the target behaved, 1 when not, 2 on setup failure. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "raw_iscsi.h"

#define BLOCKS 8
#define XFER (BLOCKS * 512)

/* 0 sent, -1 not. */
static int send_pdu(struct raw_conn *p, uint8_t *bhs, const uint8_t *data, uint32_t dlen,
		    enum raw_spoil spoil)
{
	return raw_send_pdu_spoilt(p, bhs, data, dlen, spoil) == RAW_GOT_PDU ? 0 : -1;
}

/* 1 a PDU (digests verified once agreed), 0 closed, -1 timeout/bad
 * digest.  What the previous call left in pdu is freed first. */
static int recv_pdu(struct raw_conn *p, struct raw_pdu *pdu)
{
	int rc;

	raw_pdu_free(pdu);
	rc = raw_recv_pdu(p, pdu);
	if (rc == RAW_GOT_BAD_HEADER_DIGEST)
		printf("# bad or missing header digest from the target\n");
	else if (rc == RAW_GOT_BAD_DATA_DIGEST)
		printf("# bad or missing data digest from the target\n");
	if (rc != RAW_GOT_PDU)
		return rc == RAW_GOT_EOF ? 0 : -1;
	if (pdu->bhs[4]) {
		printf("# unexpected AHS from the target\n");
		return -1;
	}
	if (pdu->bhs[0] != 0x25 || (pdu->bhs[1] & 1))   /* Data-In without status: no StatSN */
		p->exp_statsn = raw_get32(&pdu->bhs[24]) + 1;
	return 1;
}

static int login(struct raw_conn *p, const char *iqn)
{
	char text[1024];
	int len;
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	struct raw_pdu r = { 0 };

	len = snprintf(text, sizeof(text),
		       "InitiatorName=iqn.2026-11.org.scstd:digestpeer%cTargetName=%s%c"
		       "SessionType=Normal%cHeaderDigest=CRC32C%cDataDigest=CRC32C%c"
		       "ImmediateData=Yes%cInitialR2T=No%cMaxRecvDataSegmentLength=65536%c"
		       "MaxBurstLength=262144%cFirstBurstLength=65536%cErrorRecoveryLevel=0%c",
		       0, iqn, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	bhs[0] = 0x43;
	bhs[1] = 0x80 | (1 << 2) | 3;                /* T, CSG operational, NSG full */
	memcpy(&bhs[8], "\x40\x00\x01\x37\x00\x00", 6);
	raw_put32(&bhs[24], p->cmdsn);
	if (send_pdu(p, bhs, (uint8_t *)text, (uint32_t)len, RAW_SPOIL_NONE) < 0 ||
	    recv_pdu(p, &r) != 1)
		return -1;
	if ((r.bhs[0] & 0x3f) != 0x23 || r.bhs[36] || !(r.bhs[1] & 0x80) || (r.bhs[1] & 3) != 3) {
		printf("# login refused (status 0x%02x%02x)\n", r.bhs[36], r.bhs[37]);
		free(r.data);
		return -1;
	}
	for (uint32_t i = 0; i + 1 < r.dlen; i += (uint32_t)strlen((char *)r.data + i) + 1)
		printf("# target: %s\n", (char *)r.data + i);
	len = memmem(r.data, r.dlen, "HeaderDigest=CRC32C", 19) &&
	      memmem(r.data, r.dlen, "DataDigest=CRC32C", 17);
	free(r.data);
	if (!len)
		printf("# digests were not agreed\n");
	p->digests = len != 0;
	return len ? 0 : -1;
}

static void scsi_cmd(struct raw_conn *p, uint8_t *bhs, int write, uint32_t edtl, uint32_t lba,
		     int final)
{
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x01;
	bhs[1] = (final ? 0x80 : 0) | (write ? 0x20 : 0x40) | 1;
	raw_put32(&bhs[16], ++p->itt);
	raw_put32(&bhs[20], edtl);
	raw_put32(&bhs[24], p->cmdsn);
	raw_put32(&bhs[28], p->exp_statsn);
	bhs[32] = write ? 0x2a : 0x28;
	raw_put32(&bhs[34], lba);
	bhs[39] = 0;
	bhs[40] = (uint8_t)(edtl / 512);
}

/* Reads PDUs until the SCSI Response of the current ITT; returns its status
 * or -1.  Data-In lands in buf. */
static int wait_response(struct raw_conn *p, uint8_t *buf, int *saw_reject)
{
	struct raw_pdu r = { 0 };
	int rc = -1;

	while (recv_pdu(p, &r) == 1) {
		uint8_t op = r.bhs[0] & 0x3f;

		if (op == 0x3f) {
			printf("# Reject reason 0x%02x\n", r.bhs[2]);
			if (saw_reject && r.bhs[2] == 0x02)
				*saw_reject = 1;
			if (r.dlen >= RAW_BHS_LEN && raw_get32(&r.data[16]) == p->itt && saw_reject &&
			    (r.data[0] & 0x3f) == 0x01)
				break;      /* the command itself was rejected: no response */
			continue;
		}
		if (op == 0x25 && buf && raw_get32(&r.bhs[40]) + r.dlen <= XFER)
			memcpy(buf + raw_get32(&r.bhs[40]), r.data, r.dlen);
		if (op == 0x21 || (op == 0x25 && (r.bhs[1] & 1))) {
			rc = r.bhs[3];
			break;
		}
	}
	free(r.data);
	return rc;
}

static int write_read(struct raw_conn *p, uint32_t lba, uint8_t seed)
{
	uint8_t bhs[RAW_BHS_LEN], out[XFER], in[XFER];

	for (int i = 0; i < XFER; i++)
		out[i] = (uint8_t)(seed + i * 7);
	scsi_cmd(p, bhs, 1, XFER, lba, 1);
	if (send_pdu(p, bhs, out, XFER, RAW_SPOIL_NONE) < 0 || wait_response(p, NULL, NULL) != 0)
		return -1;
	p->cmdsn++;
	scsi_cmd(p, bhs, 0, XFER, lba, 1);
	memset(in, 0, sizeof(in));
	if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 || wait_response(p, in, NULL) != 0)
		return -1;
	p->cmdsn++;
	return memcmp(in, out, XFER) ? -1 : 0;
}

/* TEST UNIT READY until GOOD: the power-on Unit Attention is consumed
 * before the checks. */
static int clear_unit_attention(struct raw_conn *p)
{
	uint8_t bhs[RAW_BHS_LEN];

	for (int i = 0; i < 3; i++) {
		int st;

		scsi_cmd(p, bhs, 0, 0, 0, 1);
		bhs[1] = 0x81;
		memset(&bhs[32], 0, 16);
		st = send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 ? -1 : wait_response(p, NULL, NULL);
		p->cmdsn++;
		if (st == 0)
			return 0;
		if (st < 0)
			break;
	}
	printf("# TEST UNIT READY does not succeed\n");
	return -1;
}

static int cmd_io(struct raw_conn *p)
{
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	struct raw_pdu r = { 0 };
	int ok;

	if (write_read(p, 16, 0x11) < 0) {
		printf("# WRITE/READ with digests failed\n");
		return 1;
	}
	/* NOP-Out ping of 5 bytes: the data digest covers the 3 pad bytes. */
	bhs[0] = 0x40;
	bhs[1] = 0x80;
	raw_put32(&bhs[16], ++p->itt);
	raw_put32(&bhs[20], 0xffffffffu);
	raw_put32(&bhs[24], p->cmdsn);
	raw_put32(&bhs[28], p->exp_statsn);
	if (send_pdu(p, bhs, (const uint8_t *)"hello", 5, RAW_SPOIL_NONE) < 0 ||
	    recv_pdu(p, &r) != 1)
		return 1;
	ok = (r.bhs[0] & 0x3f) == 0x20 && r.dlen == 5 && !memcmp(r.data, "hello", 5);
	free(r.data);
	return ok ? 0 : 1;
}

static int cmd_bad_imm(struct raw_conn *p)
{
	uint8_t bhs[RAW_BHS_LEN], out[XFER];
	int rej = 0;

	memset(out, 0x5a, sizeof(out));
	scsi_cmd(p, bhs, 1, XFER, 32, 1);
	if (send_pdu(p, bhs, out, XFER, RAW_SPOIL_DATA_DIGEST) < 0 ||
	    wait_response(p, NULL, &rej) != -1 || !rej) {
		printf("# corrupt immediate data was not rejected with reason 0x02\n");
		return 1;
	}
	/* Not run: the same CmdSN is still expected, and works once intact. */
	if (write_read(p, 32, 0x22) < 0) {
		printf("# the retried WRITE did not succeed\n");
		return 1;
	}
	return 0;
}

static int cmd_bad_dataout(struct raw_conn *p)
{
	uint8_t bhs[RAW_BHS_LEN], out[XFER];
	struct raw_pdu r = { 0 };
	int rej = 0, st;

	memset(out, 0xa5, sizeof(out));
	scsi_cmd(p, bhs, 1, XFER, 48, 1);
	if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 || recv_pdu(p, &r) != 1 ||
	    (r.bhs[0] & 0x3f) != 0x31) {
		printf("# no R2T for a WRITE without data\n");
		free(r.data);
		return 1;
	}
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x05;
	bhs[1] = 0x80;
	raw_put32(&bhs[16], p->itt);
	memcpy(&bhs[20], &r.bhs[20], 4);            /* TTT */
	raw_put32(&bhs[28], p->exp_statsn);
	raw_put32(&bhs[40], raw_get32(&r.bhs[40]));
	free(r.data);
	if (send_pdu(p, bhs, out, XFER, RAW_SPOIL_DATA_DIGEST) < 0)
		return 1;
	st = wait_response(p, NULL, &rej);
	p->cmdsn++;
	if (!rej || st != 0x02) {
		printf("# corrupt Data-Out: reject %d, status %d (want Reject 0x02, CHECK CONDITION)\n",
		       rej, st);
		return 1;
	}
	return write_read(p, 48, 0x33) < 0;
}

static int cmd_bad_header(struct raw_conn *p)
{
	uint8_t bhs[RAW_BHS_LEN] = { 0 };
	struct raw_pdu r = { 0 };
	int rc;

	bhs[0] = 0x40;
	bhs[1] = 0x80;
	raw_put32(&bhs[16], ++p->itt);
	raw_put32(&bhs[20], 0xffffffffu);
	raw_put32(&bhs[24], p->cmdsn);
	if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_HEADER_DIGEST) < 0)
		return 1;
	rc = recv_pdu(p, &r);
	free(r.data);
	if (rc != 0)
		printf("# the connection was not closed (rc %d)\n", rc);
	return rc == 0 ? 0 : 1;
}

/* One login PDU in the security stage; returns the response's status, or
 * -1.  The response text is left in r. */
static int sec_login(struct raw_conn *p, const char *text, uint32_t len, int transit,
		     struct raw_pdu *r)
{
	uint8_t bhs[RAW_BHS_LEN] = { 0 };

	bhs[0] = 0x43;
	bhs[1] = transit ? 0x80 | 1 : 0;             /* CSG security, NSG operational */
	memcpy(&bhs[8], "\x40\x00\x01\x38\x00\x00", 6);
	raw_put32(&bhs[24], p->cmdsn);
	if (send_pdu(p, bhs, (const uint8_t *)text, len, RAW_SPOIL_NONE) < 0 || recv_pdu(p, r) != 1)
		return -1;
	return r->bhs[36] << 8 | r->bhs[37];
}

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static const EVP_MD *chap_md(int alg)
{
	switch (alg) {
	case 5: return EVP_md5();
	case 6: return EVP_sha1();    /* IANA: 6 SHA-1, 7 SHA-256 (open-iscsi, LIO agree) */
	case 7: return EVP_sha256();
	case 8: return EVP_sha3_256();
	}
	return NULL;
}

static int hex_to_bin(const char *h, uint8_t *out, size_t cap);

/* The response from the program CHAP_HASH_CMD names, run as
 * "CMD ALG ID SECRET CHALLENGE-HEX" and printing the digest in hex: an
 * implementation the test script chooses (iscsi_chap_algs.sh: Python's
 * hashlib).  0 when it fails. */
static unsigned external_chap_hash(const char *cmd, int alg, uint8_t id, const char *secret,
				   const uint8_t *chal, unsigned n, uint8_t *md)
{
	char a[16], i[8], hex[2 * 512 + 1], out[2 * EVP_MAX_MD_SIZE + 8];
	int fds[2], len, status;
	ssize_t got = 0, r;
	pid_t pid;

	if (n > 512 || pipe(fds) < 0)
		return 0;
	snprintf(a, sizeof(a), "%d", alg);
	snprintf(i, sizeof(i), "%u", id);
	for (unsigned k = 0; k < n; k++)
		sprintf(hex + 2 * k, "%02x", chal[k]);
	hex[2 * n] = 0;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(cmd, cmd, a, i, secret, hex, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && (r = read(fds[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += r;
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return 0;
	out[got] = 0;
	out[strcspn(out, "\n")] = 0;
	memmove(out + 2, out, strlen(out) + 1);
	out[0] = '0';
	out[1] = 'x';
	len = hex_to_bin(out, md, EVP_MAX_MD_SIZE);
	return len > 0 ? (unsigned)len : 0;
}

static unsigned chap_hash(int alg, uint8_t id, const char *secret, const uint8_t *chal,
			  unsigned n, uint8_t *md)
{
	const char *cmd = getenv("CHAP_HASH_CMD");
	EVP_MD_CTX *ctx;
	unsigned int mdlen = 0;

	if (cmd && *cmd)
		return external_chap_hash(cmd, alg, id, secret, chal, n, md);
	ctx = EVP_MD_CTX_new();

	EVP_DigestInit_ex(ctx, chap_md(alg), NULL);
	EVP_DigestUpdate(ctx, &id, 1);
	EVP_DigestUpdate(ctx, secret, strlen(secret));
	EVP_DigestUpdate(ctx, chal, n);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	return mdlen;
}

static int hex_to_bin(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (strncmp(h, "0x", 2) || strlen(h) % 2 || (strlen(h) - 2) / 2 > cap)
		return -1;
	for (h += 2; *h; h += 2)
		out[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
	return (int)n;
}

/* The first supported algorithm of the offered list: what the target
 * must choose. */
static int expected_alg(const char *algs)
{
	for (const char *p = algs; *p;) {
		int v = atoi(p);

		if (chap_md(v))
			return v;
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return -1;
}

struct chap_args {
	const char *iqn, *user, *secret, *algs, *tuser, *tsecret, *how;
};

/* Runs the CHAP exchange up to the response; `how` spoils it. */
static int cmd_chap(struct raw_conn *p, const struct chap_args *a)
{
	char text[2048], chal_hex[1100];
	uint8_t chal[512], md[EVP_MAX_MD_SIZE], mine[24], id;
	unsigned int mdlen = 0;
	struct raw_pdu r = { 0 };
	const char *c, *i, *alg_s, *how = a->how;
	int len, st, n, alg, want_alg = expected_alg(a->algs);
	bool disc = !strcmp(a->iqn, "-"), mutual = !strcmp(how, "chap-mutual");

	if (disc)
		len = snprintf(text, sizeof(text), "InitiatorName=iqn.2026-11.org.scstd:chappeer%c"
			       "SessionType=Discovery%cAuthMethod=CHAP%c", 0, 0, 0);
	else
		len = snprintf(text, sizeof(text), "InitiatorName=iqn.2026-11.org.scstd:chappeer%c"
			       "TargetName=%s%cSessionType=Normal%cAuthMethod=CHAP%c", 0, a->iqn,
			       0, 0, 0);
	if (sec_login(p, text, (uint32_t)len, 1, &r) != 0 || !raw_find_key(&r, "AuthMethod") ||
	    strcmp(raw_find_key(&r, "AuthMethod"), "CHAP"))
		goto setup;
	len = snprintf(text, sizeof(text), "CHAP_A=%s%c", a->algs, 0);
	st = sec_login(p, text, (uint32_t)len, 0, &r);
	alg_s = st == 0 ? raw_find_key(&r, "CHAP_A") : NULL;
	if (want_alg < 0) {
		/* Nothing acceptable offered: the login must fail as an
		 * authentication failure. */
		printf("# status 0x%04x, CHAP_A=%s\n", st, alg_s ? alg_s : "(none)");
		free(r.data);
		return st == 0x0201 ? 0 : 1;
	}
	if (st != 0 || !alg_s)
		goto setup;
	alg = atoi(alg_s);
	printf("# offered CHAP_A=%s, target chose %d\n", a->algs, alg);
	if (alg != want_alg) {
		printf("# the target should have chosen %d\n", want_alg);
		free(r.data);
		return 1;
	}
	c = raw_find_key(&r, "CHAP_C");
	i = raw_find_key(&r, "CHAP_I");
	if (!c || !i || (n = hex_to_bin(c, chal, sizeof(chal))) <= 0)
		goto setup;
	snprintf(chal_hex, sizeof(chal_hex), "%s", c);
	id = (uint8_t)atoi(i);
	mdlen = chap_hash(alg, id, a->secret, chal, (unsigned)n, md);
	if (!strcmp(how, "chap-short"))
		mdlen--;
	len = snprintf(text, sizeof(text), "CHAP_N=%s%cCHAP_R=0x", a->user, 0);
	for (unsigned k = 0; k < mdlen; k++)
		len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x", md[k]);
	len++;
	if (!strcmp(how, "chap-reflect"))
		len += snprintf(text + len, sizeof(text) - (size_t)len, "CHAP_I=%u%cCHAP_C=%s%c",
				id, 0, chal_hex, 0);
	if (mutual) {
		FILE *f = fopen("/dev/urandom", "rb");

		if (!f || fread(mine, sizeof(mine), 1, f) != 1)
			goto setup;
		fclose(f);
		len += snprintf(text + len, sizeof(text) - (size_t)len, "CHAP_I=77%cCHAP_C=0x", 0);
		for (unsigned k = 0; k < sizeof(mine); k++)
			len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x", mine[k]);
		len++;
	}
	st = sec_login(p, text, (uint32_t)len, 1, &r);
	printf("# status 0x%04x\n", st);
	if (!strcmp(how, "chap-good") || mutual) {
		if (st != 0) {
			free(r.data);
			return 1;
		}
	} else {
		free(r.data);
		return st == 0x0201 ? 0 : 1;
	}
	if (mutual) {
		const char *tn = raw_find_key(&r, "CHAP_N"), *tr = raw_find_key(&r, "CHAP_R");
		uint8_t got[EVP_MAX_MD_SIZE];
		int glen = tr ? hex_to_bin(tr, got, sizeof(got)) : -1;

		mdlen = chap_hash(alg, 77, a->tsecret, mine, sizeof(mine), md);
		if (!tn || strcmp(tn, a->tuser) || glen != (int)mdlen || memcmp(got, md, mdlen)) {
			printf("# the target's mutual answer is wrong (CHAP_N=%s)\n", tn ? tn : "-");
			free(r.data);
			return 1;
		}
		printf("# the target proved itself as %s\n", tn);
	}
	free(r.data);
	return 0;
setup:
	printf("# CHAP exchange could not be set up\n");
	free(r.data);
	return 2;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool is_ping(const struct raw_pdu *r)
{
	return (r->bhs[0] & 0x3f) == 0x20 && raw_get32(&r->bhs[16]) == 0xffffffffu &&
	       raw_get32(&r->bhs[20]) != 0xffffffffu;
}

static int cmd_nop_silent(struct raw_conn *p, int secs)
{
	double start = now_s(), ping_at = -1;
	struct raw_pdu r = { 0 };
	int rc;

	p->timeout_ms = secs * 1000;
	while ((rc = recv_pdu(p, &r)) == 1) {
		if (is_ping(&r) && ping_at < 0) {
			ping_at = now_s() - start;
			printf("# NOP-In ping after %.1f s (TTT 0x%08x, StatSN %u)\n", ping_at,
			       raw_get32(&r.bhs[20]), raw_get32(&r.bhs[24]));
		}
	}
	free(r.data);
	printf("# connection %s after %.1f s\n", rc == 0 ? "closed by the target" : "not closed",
	       now_s() - start);
	return ping_at >= 0 && rc == 0 ? 0 : 1;
}

static int cmd_nop_answer(struct raw_conn *p, int secs)
{
	double start = now_s();
	struct raw_pdu r = { 0 };
	uint8_t bhs[RAW_BHS_LEN];
	int pings = 0, rc = 1;

	p->timeout_ms = 500;
	while (now_s() - start < secs) {
		rc = recv_pdu(p, &r);
		if (rc == 0) {
			printf("# the target closed the connection after %.1f s\n", now_s() - start);
			free(r.data);
			return 1;
		}
		if (rc < 0 || !is_ping(&r))
			continue;
		pings++;
		memset(bhs, 0, RAW_BHS_LEN);
		bhs[0] = 0x40 | 0x40;                /* NOP-Out, immediate */
		bhs[1] = 0x80;
		raw_put32(&bhs[16], 0xffffffffu);
		memcpy(&bhs[20], &r.bhs[20], 4);     /* the ping's TTT */
		raw_put32(&bhs[24], p->cmdsn);
		raw_put32(&bhs[28], p->exp_statsn);
		if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0)
			break;
	}
	free(r.data);
	p->timeout_ms = 5000;
	printf("# answered %d pings in %d s\n", pings, secs);
	return pings >= 2 && clear_unit_attention(p) == 0 ? 0 : 1;
}

static int cmd_async(struct raw_conn *p, int secs, bool do_logout)
{
	double start = now_s();
	struct raw_pdu r = { 0 };
	bool async_seen = false, logout_rsp = false;
	int rc;

	printf("# ready\n");
	fflush(stdout);
	p->timeout_ms = secs * 1000;
	while ((rc = recv_pdu(p, &r)) == 1) {
		uint8_t op = r.bhs[0] & 0x3f;

		if (op == 0x32) {
			printf("# Async Message after %.1f s: AsyncEvent %u, Parameter3 %u\n",
			       now_s() - start, r.bhs[36], r.bhs[42] << 8 | r.bhs[43]);
			async_seen = r.bhs[36] == 1;
			if (async_seen && do_logout) {
				uint8_t bhs[RAW_BHS_LEN] = { 0 };

				bhs[0] = 0x06 | 0x40;        /* Logout, immediate */
				bhs[1] = 0x80;               /* reason 0: close the session */
				raw_put32(&bhs[16], ++p->itt);
				raw_put32(&bhs[24], p->cmdsn);
				raw_put32(&bhs[28], p->exp_statsn);
				if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0)
					break;
			}
		} else if (op == 0x26) {
			printf("# Logout Response, response %u\n", r.bhs[2]);
			logout_rsp = r.bhs[2] == 0;
		} else {
			printf("# PDU opcode 0x%02x\n", op);
		}
	}
	free(r.data);
	printf("# connection %s after %.1f s\n", rc == 0 ? "closed by the target" : "not closed",
	       now_s() - start);
	return async_seen && rc == 0 && (!do_logout || logout_rsp) ? 0 : 1;
}

static int window_write(struct raw_conn *p, uint32_t lba, struct raw_pdu *r)
{
	uint8_t bhs[RAW_BHS_LEN];

	scsi_cmd(p, bhs, 1, XFER, lba, 1);
	return send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 ? -1 : recv_pdu(p, r);
}

static int cmd_window(struct raw_conn *p, unsigned n)
{
	uint8_t bhs[RAW_BHS_LEN], out[XFER], ttt0[4] = { 0 };
	uint32_t itt0 = p->itt + 1, off0 = 0;
	struct raw_pdu r = { 0 };
	int rc = 1;

	memset(out, 0x77, sizeof(out));
	for (unsigned i = 0; i < n; i++) {
		if (window_write(p, 100 + i * 8, &r) != 1 || (r.bhs[0] & 0x3f) != 0x31) {
			printf("# WRITE %u got no R2T\n", i);
			goto out;
		}
		if (i == 0) {
			memcpy(ttt0, &r.bhs[20], 4);
			off0 = raw_get32(&r.bhs[40]);
		}
		p->cmdsn++;
	}
	printf("# %u WRITEs waiting: ExpCmdSN %u, MaxCmdSN %u\n", n, raw_get32(&r.bhs[28]),
	       raw_get32(&r.bhs[32]));
	if (raw_get32(&r.bhs[32]) != raw_get32(&r.bhs[28]) - 1) {
		printf("# the window did not close\n");
		goto out;
	}
	p->timeout_ms = 1000;
	if (window_write(p, 200, &r) != -1) {
		printf("# a command beyond MaxCmdSN was answered (opcode 0x%02x)\n", r.bhs[0] & 0x3f);
		goto out;
	}
	p->timeout_ms = 5000;
	printf("# a command beyond MaxCmdSN was ignored\n");
	memset(bhs, 0, RAW_BHS_LEN);
	bhs[0] = 0x05;
	bhs[1] = 0x80;
	raw_put32(&bhs[16], itt0);
	memcpy(&bhs[20], ttt0, 4);
	raw_put32(&bhs[28], p->exp_statsn);
	raw_put32(&bhs[40], off0);
	if (send_pdu(p, bhs, out, XFER, RAW_SPOIL_NONE) < 0 || recv_pdu(p, &r) != 1 ||
	    (r.bhs[0] & 0x3f) != 0x21 || r.bhs[3] != 0) {
		printf("# the first WRITE did not complete\n");
		goto out;
	}
	printf("# first WRITE done: ExpCmdSN %u, MaxCmdSN %u\n", raw_get32(&r.bhs[28]),
	       raw_get32(&r.bhs[32]));
	if (raw_get32(&r.bhs[32]) != raw_get32(&r.bhs[28])) {
		printf("# the window did not reopen by one\n");
		goto out;
	}
	if (window_write(p, 200, &r) != 1 || (r.bhs[0] & 0x3f) != 0x31) {
		printf("# the retried command was not taken\n");
		goto out;
	}
	printf("# the retried command was taken\n");
	rc = 0;
out:
	free(r.data);
	return rc;
}

static int cmd_reinstate(struct raw_conn *old, const char *hostport, const char *iqn)
{
	struct raw_conn p = { .cmdsn = 1, .timeout_ms = 5000 };
	uint8_t bhs[RAW_BHS_LEN];
	struct raw_pdu r = { 0 };
	int rc;

	/* A WRITE without data: the target asks for it with an R2T and the
	 * command waits in the core for data that will never come. */
	scsi_cmd(old, bhs, 1, XFER, 80, 1);
	if (send_pdu(old, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 || recv_pdu(old, &r) != 1 ||
	    (r.bhs[0] & 0x3f) != 0x31) {
		printf("# no R2T for the WRITE on the old connection\n");
		free(r.data);
		return 1;
	}
	p.fd = raw_tcp_connect(hostport);
	if (p.fd < 0 || login(&p, iqn) < 0) {
		printf("# the reinstating login failed\n");
		free(r.data);
		return 1;
	}
	while ((rc = recv_pdu(old, &r)) == 1)
		printf("# old connection: PDU 0x%02x\n", r.bhs[0] & 0x3f);
	free(r.data);
	if (rc != 0) {
		printf("# the old connection was not closed\n");
		return 1;
	}
	printf("# the old connection was closed\n");
	if (clear_unit_attention(&p) < 0 || write_read(&p, 80, 0x55) < 0) {
		printf("# the new session does not work\n");
		return 1;
	}
	printf("# the new session works\n");
	return 0;
}

/* Closed by the peer (EOF or reset), as opposed to merely quiet. */
static bool peer_closed(int fd)
{
	uint8_t b;
	ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

static int cmd_stall_dataout(struct raw_conn *p, int secs)
{
	uint8_t bhs[RAW_BHS_LEN];
	struct raw_pdu r = { 0 };
	double start;
	int rc;

	scsi_cmd(p, bhs, 1, XFER, 96, 1);
	if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0 || recv_pdu(p, &r) != 1 ||
	    (r.bhs[0] & 0x3f) != 0x31) {
		printf("# no R2T for the WRITE\n");
		free(r.data);
		return 1;
	}
	start = now_s();
	printf("# stalled\n");
	fflush(stdout);
	p->timeout_ms = secs * 1000;
	while ((rc = recv_pdu(p, &r)) == 1)
		printf("# PDU 0x%02x while stalled\n", r.bhs[0] & 0x3f);
	free(r.data);
	if (rc < 0 && !peer_closed(p->fd)) {
		printf("# the connection was not closed within %d s\n", secs);
		return 1;
	}
	printf("# connection closed by the target after %.1f s\n", now_s() - start);
	return 0;
}

#define STALL_READS 32
#define STALL_XFER (1u << 20)

static int cmd_stall_read(struct raw_conn *p, int secs)
{
	uint8_t bhs[RAW_BHS_LEN];
	struct raw_pdu r = { 0 };
	unsigned done = 0;
	int rc;

	for (unsigned i = 0; i < STALL_READS; i++) {
		scsi_cmd(p, bhs, 0, STALL_XFER, i * (STALL_XFER / 512), 1);
		bhs[39] = (STALL_XFER / 512) >> 8;
		bhs[40] = (STALL_XFER / 512) & 0xff;
		if (send_pdu(p, bhs, NULL, 0, RAW_SPOIL_NONE) < 0) {
			printf("# cannot send READ %u\n", i);
			return 1;
		}
		p->cmdsn++;
	}
	printf("# stalled\n");
	fflush(stdout);
	sleep((unsigned)secs);
	p->timeout_ms = 5000;
	while ((rc = recv_pdu(p, &r)) == 1) {
		uint8_t op = r.bhs[0] & 0x3f;

		done += op == 0x21 || (op == 0x25 && (r.bhs[1] & 1));
	}
	free(r.data);
	printf("# %u of %u READs completed before the socket ended\n", done, STALL_READS);
	if (rc < 0 && !peer_closed(p->fd)) {
		printf("# the connection was not closed\n");
		return 1;
	}
	return done < STALL_READS ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct raw_conn p = { .cmdsn = 1, .timeout_ms = 5000 };
	const char *cmd;

	if ((argc == 6 || argc == 7 || argc == 9) && !strncmp(argv[3], "chap-", 5)) {
		struct chap_args a = { .iqn = argv[2], .how = argv[3], .user = argv[4],
				       .secret = argv[5], .algs = argc > 6 ? argv[6] : "5",
				       .tuser = argc > 8 ? argv[7] : "", .tsecret = argc > 8 ? argv[8] : "" };

		p.fd = raw_tcp_connect(argv[1]);
		return p.fd < 0 ? 2 : cmd_chap(&p, &a);
	}
	if (argc != 4 && !(argc == 5 && (!strncmp(argv[3], "nop-", 4) ||
					 !strncmp(argv[3], "async-", 6) || !strcmp(argv[3], "io-wait") ||
					 !strcmp(argv[3], "reinstate") || !strcmp(argv[3], "window") ||
					 !strncmp(argv[3], "stall-", 6)))) {
		fprintf(stderr, "usage: %s HOST:PORT TARGET-IQN io|bad-imm|bad-dataout|bad-header\n"
			"       %s HOST:PORT TARGET-IQN|- chap-good|chap-reflect|chap-short|chap-wrong|"
			"chap-mutual USER SECRET [ALGS [TUSER TSECRET]]\n"
			"       %s HOST:PORT TARGET-IQN nop-silent|nop-answer|async-wait|async-logout|io-wait|reinstate|window|"
			"stall-dataout|stall-read "
			"SECONDS\n",
			argv[0], argv[0], argv[0]);
		return 2;
	}
	cmd = argv[3];
	p.fd = raw_tcp_connect(argv[1]);
	if (p.fd < 0 || login(&p, argv[2]) < 0) {
		printf("# cannot connect and log in with digests\n");
		return 2;
	}
	if (argc == 5 && !strcmp(cmd, "nop-silent"))
		return cmd_nop_silent(&p, atoi(argv[4]));
	if (argc == 5 && !strcmp(cmd, "async-wait"))
		return cmd_async(&p, atoi(argv[4]), false);
	if (argc == 5 && !strcmp(cmd, "async-logout"))
		return cmd_async(&p, atoi(argv[4]), true);
	if (argc == 5 && !strcmp(cmd, "window"))
		return clear_unit_attention(&p) < 0 ? 1 : cmd_window(&p, (unsigned)atoi(argv[4]));
	if (argc == 5 && !strcmp(cmd, "reinstate"))
		return clear_unit_attention(&p) < 0 ? 1 : cmd_reinstate(&p, argv[1], argv[2]);
	if (argc == 5 && !strcmp(cmd, "io-wait"))
		return clear_unit_attention(&p) < 0 || write_read(&p, 64, 0x44) < 0 ?
			1 : cmd_async(&p, atoi(argv[4]), false);
	if (argc == 5 && !strcmp(cmd, "stall-dataout"))
		return clear_unit_attention(&p) < 0 ? 1 : cmd_stall_dataout(&p, atoi(argv[4]));
	if (argc == 5 && !strcmp(cmd, "stall-read"))
		return clear_unit_attention(&p) < 0 ? 1 : cmd_stall_read(&p, atoi(argv[4]));
	if (argc == 5 && !strcmp(cmd, "nop-answer"))
		return cmd_nop_answer(&p, atoi(argv[4]));
	if (strcmp(cmd, "bad-header") && clear_unit_attention(&p) < 0)
		return 1;
	if (!strcmp(cmd, "io"))
		return cmd_io(&p);
	if (!strcmp(cmd, "bad-imm"))
		return cmd_bad_imm(&p);
	if (!strcmp(cmd, "bad-dataout"))
		return cmd_bad_dataout(&p);
	if (!strcmp(cmd, "bad-header"))
		return cmd_bad_header(&p);
	fprintf(stderr, "unknown subcommand %s\n", cmd);
	return 2;
}
