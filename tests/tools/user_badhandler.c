/* user_badhandler.c - a hostile out-of-process device handler, to check
 * that scstd's scst_user socket refuses or disconnects it and stays well.
 *
 *   user_badhandler SOCKET MODE [DEVICE]
 *
 * Modes that must be refused at attach (exit 0 when scstd answered with
 * an error whose text contains the expected reason):
 *   garbage    a packet that is no ATTACH
 *   nofd       ATTACH without the data area's descriptor
 *   twofds     ATTACH with two descriptors
 *   unsealed   a data area that could shrink under scstd
 *   small      a data area smaller than announced
 *   huge       a data area bigger than 1 GiB announced
 *   nodev      a device that does not exist
 *   busy       a device another handler serves
 *   wrongtype  a device of another device handler (vdisk_fileio ...)
 *   reg-badtype    REGISTER of peripheral type 31
 *   reg-badbs      REGISTER of a disk (type 0) with 1000-byte blocks
 *   reg-nocdb      REGISTER without CDB mode
 *   reg-badname    REGISTER of DEVICE, a name scstd refuses ("a/b" ...)
 *   reg-dup        REGISTER of DEVICE, a name taken
 * Modes that register DEVICE (a tape) and then:
 *   reg-unreg      UNREGISTER: exit 0 when scstd answers rc 0 and closes
 *   reg-unreg-long UNREGISTER one byte too long: exit 0 when scstd closes
 * Modes that attach, take one request and misbehave; exit 0 when scstd
 * then closes the connection:
 *   badtag     answers with a tag it was not given
 *   positive   answers with a positive result
 *   oversize   answers with a packet longer than any message
 *   silent     never answers (scstd's cmd_timeout must end it)
 * The same in CDB mode, as a type-1 (tape) device server, answering the
 * first command (CMD) with:
 *   cdb-overlong   more data-in bytes than the command transfers
 *   cdb-nodata     data-in bytes for a command without data-in
 *   cdb-asio       a byte-range answer (DONE) to a command's tag
 *   cdb-badstatus  ACA ACTIVE, a status no device server sends
 *   cdb-nosense    CHECK CONDITION without sense data
 *   cdb-tmdone     a TM_DONE, though it did not announce task management
 * Attached with task management (SCU_AM_TM), holding the first command:
 *   tm-nosuch      answers a TM it was never sent (id 1)
 *   tm-unknown     answers the TM that comes with another id
 *   tm-badlen      answers it with a packet one byte too long
 *   tm-silent      never answers it (cmd_timeout must end the connection)
 *   tm-fill        holds every command it gets for 8 s, then prints how
 *                  many commands and TMs came and exits 0
 * and one that must NOT be cut off (exit 0 when the next command comes):
 *   tm-late        gives the command up (TM_DONE complete), then answers
 *                  it all the same; then answers the next command GOOD
 * Exit 1 (with the reason) when scstd did something else. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/scst_user_wire.h"

#define AREA (4u << 20)

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static int area_fd(size_t bytes, bool seal)
{
	int fd = memfd_create("bad", MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0 ||
	    (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)) {
		perror("memfd");
		exit(1);
	}
	return fd;
}

static void send_packet(int fd, const void *p, size_t len, const int *fds, int nfds)
{
	char ctrl[CMSG_SPACE(2 * sizeof(int))] = { 0 };
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = ctrl;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0) {
		perror("sendmsg");
		exit(1);
	}
}

static uint32_t attach_mode;

static void send_attach(int fd, const char *name, uint64_t bytes, const int *fds, int nfds)
{
	struct scu_attach a = { .version = SCU_VERSION, .mode = attach_mode, .area_bytes = bytes };
	uint8_t pkt[SCU_ATTACH_LEN];

	snprintf(a.name, sizeof(a.name), "%s", name);
	send_packet(fd, pkt, scu_attach_encode(pkt, &a), fds, nfds);
}

/* Waits (at most timeout_ms) for a packet; its length, 0 on close, -1 on
 * timeout. */
static ssize_t wait_packet(int fd, uint8_t *b, size_t cap, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	return recv(fd, b, cap, 0);
}

/* Expects a refusal whose message contains want. */
static int expect_refusal(int fd, const char *want)
{
	uint8_t b[SCU_MAX_LEN];
	struct scu_attach_rsp r;
	char why[128];
	ssize_t n = wait_packet(fd, b, sizeof(b), 10000);

	if (n <= 0) {
		printf("no answer (%s)\n", n == 0 ? "closed" : "timeout");
		return n == 0 && !*want ? 0 : 1;
	}
	if (scu_attach_rsp_decode(b, (size_t)n, &r, why, sizeof(why)) < 0) {
		printf("malformed answer: %s\n", why);
		return 1;
	}
	printf("rc %d: %s\n", r.rc, r.msg);
	return r.rc < 0 && strstr(r.msg, want) ? 0 : 1;
}

static void send_register(int fd, const char *name, uint32_t mode, uint32_t bs, int memfd)
{
	struct scu_register r = { .version = SCU_VERSION, .mode = mode, .area_bytes = AREA,
				  .block_size = bs };
	uint8_t pkt[SCU_REGISTER_LEN];

	snprintf(r.name, sizeof(r.name), "%s", name);
	send_packet(fd, pkt, scu_register_encode(pkt, &r), &memfd, 1);
}

/* Registers dev as a tape, then unregisters it (long: with one byte too
 * many); 0 when scstd answered as expected and closed. */
static int register_then_unregister(int fd, const char *dev, bool long_packet)
{
	uint8_t b[SCU_MAX_LEN + 1] = { 0 };
	struct scu_attach_rsp r;
	char why[128];
	ssize_t n;

	send_register(fd, dev, SCU_AM_CDB | 0x01u << 8, 0, area_fd(AREA, true));
	n = wait_packet(fd, b, sizeof(b), 10000);
	if (n <= 0 || scu_attach_rsp_decode(b, (size_t)n, &r, why, sizeof(why)) < 0 || r.rc < 0) {
		printf("register failed: %s\n", n > 0 ? r.msg : "no answer");
		return 1;
	}
	printf("registered: %s\n", r.msg);
	fflush(stdout);
	send_packet(fd, b, scu_unregister_encode(b) + (long_packet ? 1 : 0), NULL, 0);
	n = wait_packet(fd, b, sizeof(b), 10000);
	if (!long_packet) {
		if (n <= 0 || scu_attach_rsp_decode(b, (size_t)n, &r, why, sizeof(why)) < 0) {
			printf("no answer to UNREGISTER\n");
			return 1;
		}
		printf("unregister: rc %d: %s\n", r.rc, r.msg);
		if (r.rc != 0)
			return 1;
		n = wait_packet(fd, b, sizeof(b), 10000);
	}
	printf("%s\n", n == 0 ? "scstd closed the connection" : "scstd did not close");
	return n == 0 ? 0 : 1;
}

static int refused_register(int fd, const char *mode, const char *dev)
{
	const uint32_t tape = SCU_AM_CDB | 0x01u << 8;

	if (!strcmp(mode, "reg-badtype"))
		send_register(fd, dev, SCU_AM_CDB | 0x1fu << 8, 0, area_fd(AREA, true));
	else if (!strcmp(mode, "reg-badbs"))
		send_register(fd, dev, SCU_AM_CDB, 1000, area_fd(AREA, true));
	else if (!strcmp(mode, "reg-nocdb"))
		send_register(fd, dev, 0, 512, area_fd(AREA, true));
	else if (!strcmp(mode, "reg-badname") || !strcmp(mode, "reg-dup"))
		send_register(fd, dev, tape, 0, area_fd(AREA, true));
	else if (!strcmp(mode, "reg-unreg") || !strcmp(mode, "reg-unreg-long"))
		return register_then_unregister(fd, dev, !strcmp(mode, "reg-unreg-long"));
	else
		return -1;
	return expect_refusal(fd, !strcmp(mode, "reg-badtype") ? "type over 30" :
			      !strcmp(mode, "reg-badbs") ? "block size" :
			      !strcmp(mode, "reg-nocdb") ? "CDB-mode" :
			      !strcmp(mode, "reg-badname") ? "invalid device name" : "already exists");
}

static int refused_mode(int fd, const char *mode, const char *dev)
{
	int fds[2];

	if (!strncmp(mode, "reg-", 4))
		return refused_register(fd, mode, dev);

	if (!strcmp(mode, "garbage")) {
		static const char junk[] = "GET / HTTP/1.0\r\n\r\n";

		send_packet(fd, junk, sizeof(junk), NULL, 0);
		return expect_refusal(fd, "malformed");
	}
	if (!strcmp(mode, "nofd")) {
		send_attach(fd, dev, AREA, NULL, 0);
		return expect_refusal(fd, "exactly one file descriptor");
	}
	if (!strcmp(mode, "twofds")) {
		fds[0] = area_fd(AREA, true);
		fds[1] = area_fd(AREA, true);
		send_attach(fd, dev, AREA, fds, 2);
		return expect_refusal(fd, "exactly one file descriptor");
	}
	if (!strcmp(mode, "unsealed")) {
		fds[0] = area_fd(AREA, false);
		send_attach(fd, dev, AREA, fds, 1);
		return expect_refusal(fd, "sealed");
	}
	if (!strcmp(mode, "small")) {
		fds[0] = area_fd(AREA / 2, true);
		send_attach(fd, dev, AREA, fds, 1);
		return expect_refusal(fd, "smaller");
	}
	if (!strcmp(mode, "huge")) {
		fds[0] = area_fd(AREA, true);
		send_attach(fd, dev, 4ull << 30, fds, 1);
		return expect_refusal(fd, "whole pages");
	}
	if (!strcmp(mode, "nodev") || !strcmp(mode, "busy") || !strcmp(mode, "wrongtype")) {
		fds[0] = area_fd(AREA, true);
		send_attach(fd, dev, AREA, fds, 1);
		return expect_refusal(fd, !strcmp(mode, "nodev") ? "no device" :
				      !strcmp(mode, "busy") ? "served by" : "belongs to");
	}
	return -1;
}

/* Answers the CMD in b as mode says; -1 when b is no CMD. */
static int lie_about_cmd(int fd, const char *mode, uint8_t *b, size_t n)
{
	struct scu_cmd c;
	struct scu_cmd_done d = { 0 };
	char why[128];

	if (scu_cmd_decode(b, n, &c, why, sizeof(why)) < 0) {
		printf("not a CMD: %s\n", why);
		return -1;
	}
	d.tag = c.tag;
	if (!strcmp(mode, "cdb-overlong")) {
		d.resp_len = c.len + 1;
	} else if (!strcmp(mode, "cdb-nodata")) {
		if (c.dir == SCU_DIR_IN)
			return -1;
		d.resp_len = 4;
	} else if (!strcmp(mode, "cdb-asio")) {
		struct scu_done io = { .tag = c.tag };

		send_packet(fd, b, scu_done_encode(b, &io), NULL, 0);
		return 0;
	} else if (!strcmp(mode, "cdb-badstatus")) {
		d.status = 0x30;
	} else if (!strcmp(mode, "cdb-nosense")) {
		d.status = 0x02;
	} else {
		return -1;
	}
	/* The encoder writes any field as given; the decoder is scstd's. */
	send_packet(fd, b, scu_cmd_done_encode(b, &d), NULL, 0);
	return 0;
}

static void send_tm_done(int fd, uint64_t id, uint8_t status, size_t extra)
{
	struct scu_tm_done d = { .id = id, .status = status };
	uint8_t b[SCU_TM_DONE_LEN + 8] = { 0 };

	send_packet(fd, b, scu_tm_done_encode(b, &d) + extra, NULL, 0);
}

static int answer_good(int fd, uint64_t tag)
{
	struct scu_cmd_done d = { .tag = tag };
	uint8_t b[SCU_CMD_DONE_LEN];

	send_packet(fd, b, scu_cmd_done_encode(b, &d), NULL, 0);
	return 0;
}

/* tm-fill: one command held already; takes and holds what comes within
 * 8 s, counting. */
static int hold_everything(int fd, uint8_t *b)
{
	unsigned cmds = 1, tms = 0;
	uint64_t end = (uint64_t)time(NULL) + 8;
	ssize_t m;

	while ((uint64_t)time(NULL) < end) {
		m = wait_packet(fd, b, SCU_MAX_LEN, 200);
		if (m == 0)
			break;
		if (m < 0)
			continue;
		if (scu_packet_op(b, (size_t)m) == SCU_OP_CMD)
			cmds++;
		else if (scu_packet_op(b, (size_t)m) == SCU_OP_TM)
			tms++;
	}
	printf("held %u commands, %u TMs\n", cmds, tms);
	return 2;
}

/* The TM modes, holding the command in b: 0 done as the mode says, 1
 * scstd did something else, -1 not such a mode. */
static int tm_misbehave(int fd, const char *mode, uint8_t *b, size_t n)
{
	struct scu_cmd c;
	struct scu_tm tm;
	char why[128];
	ssize_t m;

	if (strncmp(mode, "tm-", 3) || scu_cmd_decode(b, n, &c, why, sizeof(why)) < 0)
		return -1;
	if (!strcmp(mode, "tm-fill"))
		return hold_everything(fd, b);
	if (!strcmp(mode, "tm-nosuch")) {
		send_tm_done(fd, 1, SCU_TMS_COMPLETE, 0);
		return 0;
	}
	m = wait_packet(fd, b, SCU_MAX_LEN, 60000);
	if (m <= 0 || scu_tm_decode(b, (size_t)m, &tm, why, sizeof(why)) < 0) {
		printf("no TM for the command held\n");
		return 1;
	}
	printf("TM fn %u for tag %#llx (held %#llx)\n", tm.fn, (unsigned long long)tm.tag,
	       (unsigned long long)c.tag);
	fflush(stdout);
	if (tm.tag != c.tag)
		return 1;
	if (!strcmp(mode, "tm-unknown"))
		send_tm_done(fd, tm.id + 1000, SCU_TMS_COMPLETE, 0);
	else if (!strcmp(mode, "tm-badlen"))
		send_tm_done(fd, tm.id, SCU_TMS_COMPLETE, 1);
	else if (!strcmp(mode, "tm-late")) {
		send_tm_done(fd, tm.id, SCU_TMS_COMPLETE, 0);
		answer_good(fd, c.tag);
		m = wait_packet(fd, b, SCU_MAX_LEN, 60000);
		if (m <= 0 || scu_cmd_decode(b, (size_t)m, &c, why, sizeof(why)) < 0) {
			printf("no next command: %s\n", m == 0 ? "scstd closed" : "none came");
			return 1;
		}
		answer_good(fd, c.tag);
		printf("the next command came and was answered\n");
		return 2;
	} else if (strcmp(mode, "tm-silent"))
		return -1;
	return 0;
}

/* Attaches, waits for a request, misbehaves; 0 when scstd hangs up. */
static int misbehave(int fd, const char *mode, const char *dev)
{
	int memfd = area_fd(AREA, true);
	uint8_t b[SCU_MAX_LEN + 64];
	struct scu_attach_rsp r;
	struct scu_io io;
	char why[128];
	ssize_t n;

	send_attach(fd, dev, AREA, &memfd, 1);
	n = wait_packet(fd, b, sizeof(b), 10000);
	if (n <= 0 || scu_attach_rsp_decode(b, (size_t)n, &r, why, sizeof(why)) < 0 || r.rc < 0) {
		printf("attach failed: %s\n", n > 0 ? r.msg : "no answer");
		return 1;
	}
	printf("attached; waiting for a request\n");
	fflush(stdout);
	n = wait_packet(fd, b, sizeof(b), 60000);
	if (attach_mode & SCU_AM_TM) {
		int rc = n > 0 ? tm_misbehave(fd, mode, b, (size_t)n) : 1;

		if (rc != 0)
			return rc == 2 ? 0 : rc;
	} else if (!strcmp(mode, "cdb-tmdone")) {
		send_tm_done(fd, 1, SCU_TMS_COMPLETE, 0);
	} else if (attach_mode) {
		if (n <= 0 || lie_about_cmd(fd, mode, b, (size_t)n) < 0) {
			printf("no command, or an unknown mode\n");
			return 1;
		}
	} else if (n <= 0 || scu_io_decode(b, (size_t)n, &io, why, sizeof(why)) < 0) {
		printf("no request\n");
		return 1;
	}
	if (!strcmp(mode, "badtag") || !strcmp(mode, "positive")) {
		struct scu_done d = { .tag = io.tag ^ (1ull << 40), .result = 0 };

		if (!strcmp(mode, "positive")) {
			d.tag = io.tag;
			d.result = 0;
		}
		n = (ssize_t)scu_done_encode(b, &d);
		if (!strcmp(mode, "positive"))
			b[16] = 5;                      /* result +5, which no encoder makes */
		send_packet(fd, b, (size_t)n, NULL, 0);
	} else if (!strcmp(mode, "oversize")) {
		memset(b, 'A', sizeof(b));
		send_packet(fd, b, sizeof(b), NULL, 0);
	} else if (!attach_mode && strcmp(mode, "silent")) {
		return -1;
	}
	n = wait_packet(fd, b, sizeof(b), 120000);
	printf("%s\n", n == 0 ? "scstd closed the connection" : "scstd did not close");
	return n == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int fd, rc;

	if (argc < 3) {
		fprintf(stderr, "usage: user_badhandler SOCKET MODE [DEVICE]\n");
		return 2;
	}
	if (!strncmp(argv[2], "cdb-", 4))
		attach_mode = SCU_AM_CDB | 0x01u << 8;
	if (!strncmp(argv[2], "tm-", 3))
		attach_mode = SCU_AM_CDB | SCU_AM_TM | 0x01u << 8;
	fd = connect_to(argv[1]);
	rc = refused_mode(fd, argv[2], argc > 3 ? argv[3] : "nodev");
	if (rc < 0)
		rc = misbehave(fd, argv[2], argc > 3 ? argv[3] : "nodev");
	if (rc < 0) {
		fprintf(stderr, "unknown mode %s\n", argv[2]);
		return 2;
	}
	return rc;
}
