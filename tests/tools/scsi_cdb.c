/* scsi_cdb.c - one iSCSI session driven line by line from stdin, so a test
 * script can interleave SCSI commands with management actions (medium
 * changes) on the same I_T nexus and see each answer, unit attentions
 * included.
 *
 *   scsi_cdb iscsi://HOST:PORT/IQN/LUN
 *
 * Input lines:
 *   cdb HEX [LEN]   send the CDB (hex digits, no spaces) with LEN bytes of
 *                   data-in (default 0)
 *   out HEX DATA    send the CDB with DATA (hex digits) as data-out
 *   dump PATH       READ CAPACITY(10), then READ(10) of every block into PATH
 *   abort HEX MS [FN [LEN]]  send the CDB (LEN bytes of data-in, default
 *                   none), MS ms later the task
 *                   management function FN (task: ABORT TASK for it, the
 *                   default; taskset: ABORT TASK SET; lunreset: LOGICAL
 *                   UNIT RESET; targetreset: TARGET WARM RESET)
 *   quit
 * Output, one line per input line:
 *   GOOD HEXDATA            (the data-in received, possibly empty)
 *   CHECK KK/AA/QQ          (sense key, ASC, ASCQ in hex)
 *   STATUS 0xSS | ERROR message
 *   DUMPED BLOCKS BLOCKSIZE
 *   TMF RESPONSE MS         (abort: the TMF response code, RFC 7143
 *                           11.6.1, and the ms it took; or ANSWERED
 *                           before the TMF was sent, with the status)
 * The login is libiscsi's full connect, which clears the new nexus's UAs
 * with TEST UNIT READY first.  Exit status 1 if the login failed.
 * SCSI_CDB_INITIATOR names the initiator (a second I_T nexus); with
 * SCSI_CDB_LOGIN_ONLY=1 the login sends no TEST UNIT READY (a LUN that is
 * not ready fails the full connect), so the first command gets 06/29/00.
 * With SCSI_CDB_SENSE=1 a CHECK line carries the whole sense data after
 * KK/AA/QQ, in hex (the tape's FILEMARK/EOM/ILI bits and INFORMATION). */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define MAX_CDB 16
#define DUMP_CHUNK_BLOCKS 64

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes hex into cdb; its length, or -1 when malformed. */
static int parse_cdb(const char *hex, uint8_t *cdb)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 || n / 2 > MAX_CDB)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		cdb[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

/* out (data-out, may be NULL) is sent when given; else xfer bytes are
 * read. */
static struct scsi_task *run_cdb(struct iscsi_context *iscsi, int lun, const uint8_t *cdb,
				 int len, uint32_t xfer, struct iscsi_data *out)
{
	struct scsi_task *task = calloc(1, sizeof(*task));

	if (!task)
		return NULL;
	memcpy(task->cdb, cdb, len);
	task->cdb_size = len;
	if (out) {
		task->xfer_dir = SCSI_XFER_WRITE;
		task->expxferlen = out->size;
	} else {
		task->xfer_dir = xfer ? SCSI_XFER_READ : SCSI_XFER_NONE;
		task->expxferlen = xfer;
	}
	return iscsi_scsi_command_sync(iscsi, lun, task, out);
}

static void print_result(struct iscsi_context *iscsi, struct scsi_task *t)
{
	if (!t) {
		printf("ERROR %s\n", iscsi_get_error(iscsi));
		return;
	}
	if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		printf("CHECK %02x/%02x/%02x", t->sense.key, t->sense.ascq >> 8,
		       t->sense.ascq & 0xff);
		if (getenv("SCSI_CDB_SENSE") && t->datain.size >= 2) {
			/* The response segment: SENSE LENGTH, then the sense. */
			int n = t->datain.data[0] << 8 | t->datain.data[1];

			putchar(' ');
			for (int i = 0; i < n && i + 2 < t->datain.size; i++)
				printf("%02x", t->datain.data[i + 2]);
		}
		putchar('\n');
		return;
	}
	if (t->status != SCSI_STATUS_GOOD) {
		printf("STATUS 0x%02x\n", t->status);
		return;
	}
	printf("GOOD ");
	for (int i = 0; i < t->datain.size; i++)
		printf("%02x", t->datain.data[i]);
	putchar('\n');
}

static void do_cdb(struct iscsi_context *iscsi, int lun, char *args)
{
	char *hex = strtok(args, " \t"), *len = strtok(NULL, " \t");
	uint8_t cdb[MAX_CDB];
	int n = hex ? parse_cdb(hex, cdb) : -1;
	struct scsi_task *t;

	if (n < 0) {
		printf("ERROR bad CDB\n");
		return;
	}
	t = run_cdb(iscsi, lun, cdb, n, len ? (uint32_t)strtoul(len, NULL, 0) : 0, NULL);
	print_result(iscsi, t);
	if (t)
		scsi_free_scsi_task(t);
}

#define MAX_OUT 4096                    /* data-out bytes of one "out" line */

static int parse_hex(const char *hex, uint8_t *buf, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static void do_out(struct iscsi_context *iscsi, int lun, char *args)
{
	char *hex = strtok(args, " \t"), *data = strtok(NULL, " \t");
	uint8_t cdb[MAX_CDB], buf[MAX_OUT];
	int n = hex ? parse_cdb(hex, cdb) : -1, dn = data ? parse_hex(data, buf, MAX_OUT) : -1;
	struct iscsi_data out = { .size = dn, .data = buf };
	struct scsi_task *t;

	if (n < 0 || dn <= 0) {
		printf("ERROR bad CDB or data\n");
		return;
	}
	t = run_cdb(iscsi, lun, cdb, n, 0, &out);
	print_result(iscsi, t);
	if (t)
		scsi_free_scsi_task(t);
}

/* Reads the whole medium in chunks of READ(10); the first failure is the
 * line printed. */
static void do_dump(struct iscsi_context *iscsi, int lun, const char *path)
{
	struct scsi_task *t = iscsi_readcapacity10_sync(iscsi, lun, 0, 0);
	struct scsi_readcapacity10 *rc;
	uint32_t blocks, bs;
	FILE *f;

	if (!t || t->status != SCSI_STATUS_GOOD || !(rc = scsi_datain_unmarshall(t))) {
		print_result(iscsi, t);
		goto out;
	}
	blocks = rc->lba + 1;
	bs = rc->block_size;
	f = fopen(path, "wb");
	if (!f) {
		printf("ERROR cannot create %s\n", path);
		goto out;
	}
	for (uint32_t lba = 0; lba < blocks; lba += DUMP_CHUNK_BLOCKS) {
		uint32_t n = blocks - lba < DUMP_CHUNK_BLOCKS ? blocks - lba : DUMP_CHUNK_BLOCKS;
		struct scsi_task *r = iscsi_read10_sync(iscsi, lun, lba, n * bs, bs, 0, 0, 0, 0, 0);

		if (!r || r->status != SCSI_STATUS_GOOD || r->datain.size != (int)(n * bs)) {
			print_result(iscsi, r);
			if (r)
				scsi_free_scsi_task(r);
			fclose(f);
			goto out;
		}
		fwrite(r->datain.data, 1, r->datain.size, f);
		scsi_free_scsi_task(r);
	}
	fclose(f);
	printf("DUMPED %u %u\n", blocks, bs);
out:
	if (t)
		scsi_free_scsi_task(t);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct async_state {
	bool done;
	int status;
	uint32_t response;
};

static void async_cb(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct async_state *st = priv;

	(void)iscsi;
	st->done = true;
	st->status = status;
	st->response = status == SCSI_STATUS_GOOD && data ? *(uint32_t *)data : 0xffffffffu;
}

/* Services the session until *done or ms pass (ms < 0: no limit); false
 * when the connection failed. */
static bool service(struct iscsi_context *iscsi, const bool *done, int ms)
{
	int64_t end = now_ms() + ms;

	while (!*done) {
		struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = iscsi_which_events(iscsi) };
		int left = ms < 0 ? 1000 : (int)(end - now_ms());

		if (ms >= 0 && left <= 0)
			return true;
		if (poll(&pfd, 1, left) < 0 || iscsi_service(iscsi, pfd.revents) < 0)
			return false;
	}
	return true;
}

static int send_tmf(struct iscsi_context *iscsi, int lun, const char *fn, struct scsi_task *task,
		    struct async_state *st)
{
	if (!strcmp(fn, "taskset"))
		return iscsi_task_mgmt_abort_task_set_async(iscsi, lun, async_cb, st);
	if (!strcmp(fn, "lunreset"))
		return iscsi_task_mgmt_lun_reset_async(iscsi, lun, async_cb, st);
	if (!strcmp(fn, "targetreset"))
		return iscsi_task_mgmt_target_warm_reset_async(iscsi, async_cb, st);
	return iscsi_task_mgmt_abort_task_async(iscsi, task, async_cb, st);
}

static void do_abort(struct iscsi_context *iscsi, int lun, char *args)
{
	char *hex = strtok(args, " \t"), *ms = strtok(NULL, " \t"), *fn = strtok(NULL, " \t");
	char *len = strtok(NULL, " \t");
	uint8_t cdb[MAX_CDB];
	int n = hex ? parse_cdb(hex, cdb) : -1;
	struct scsi_task *task = calloc(1, sizeof(*task));
	struct async_state cmd_st = { 0 }, tmf_st = { 0 };
	int64_t t0;

	if (n < 0 || !ms || !task) {
		printf("ERROR bad CDB or delay\n");
		free(task);
		return;
	}
	memcpy(task->cdb, cdb, n);
	task->cdb_size = n;
	task->expxferlen = len ? (uint32_t)strtoul(len, NULL, 0) : 0;
	task->xfer_dir = task->expxferlen ? SCSI_XFER_READ : SCSI_XFER_NONE;
	if (iscsi_scsi_command_async(iscsi, lun, task, async_cb, NULL, &cmd_st) < 0 ||
	    !service(iscsi, &cmd_st.done, atoi(ms))) {
		printf("ERROR %s\n", iscsi_get_error(iscsi));
		return;
	}
	if (cmd_st.done) {
		printf("ANSWERED 0x%02x\n", task->status);
		scsi_free_scsi_task(task);
		return;
	}
	t0 = now_ms();
	if (send_tmf(iscsi, lun, fn ? fn : "task", task, &tmf_st) < 0 ||
	    !service(iscsi, &tmf_st.done, -1)) {
		printf("ERROR %s\n", iscsi_get_error(iscsi));
		return;
	}
	printf("TMF %u %lld\n", tmf_st.response, (long long)(now_ms() - t0));
	/* The target sends nothing more for an aborted task (SAM-5); libiscsi
	 * forgets it (calling its callback) before it is freed. */
	if (!cmd_st.done)
		iscsi_scsi_cancel_task(iscsi, task);
	scsi_free_scsi_task(task);
}

int main(int argc, char **argv)
{
	struct tool_login_opts opts = { 0 };
	struct iscsi_context *iscsi;
	char line[2 * MAX_OUT + 256];   /* "out", the CDB, the data in hex */
	int lun;

	if (argc != 2) {
		fprintf(stderr, "usage: scsi_cdb iscsi://HOST:PORT/IQN/LUN < commands\n");
		return 2;
	}
	opts.initiator = getenv("SCSI_CDB_INITIATOR");
	if (!opts.initiator)
		opts.initiator = "iqn.2026-11.org.scstd:scsi-cdb";
	opts.no_tur = getenv("SCSI_CDB_LOGIN_ONLY") && !strcmp(getenv("SCSI_CDB_LOGIN_ONLY"), "1");
	iscsi = tool_login(argv[1], &opts, &lun);
	if (!iscsi)
		return 1;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!strncmp(line, "cdb ", 4))
			do_cdb(iscsi, lun, line + 4);
		else if (!strncmp(line, "out ", 4))
			do_out(iscsi, lun, line + 4);
		else if (!strncmp(line, "abort ", 6))
			do_abort(iscsi, lun, line + 6);
		else if (!strncmp(line, "dump ", 5))
			do_dump(iscsi, lun, line + 5);
		else if (!strcmp(line, "quit"))
			break;
		else
			printf("ERROR unknown command\n");
		fflush(stdout);
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
