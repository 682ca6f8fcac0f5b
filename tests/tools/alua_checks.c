/* alua_checks.c - one iSCSI session driven line by line from stdin for the
 * ALUA tests: REPORT / SET TARGET PORT GROUPS decoded (SPC-4 6.36, 6.45),
 * the TPGS field and the port designators of VPD page 0x83, and any CDB
 * with its sense and field pointer.  The login is a plain connect and
 * login, no TEST UNIT READY: a port in standby answers that NOT READY.
 *
 *   alua_checks iscsi://HOST:PORT/IQN/LUN
 *
 * Input lines, one output line each:
 *   rtpg 0|1          -> GOOD LEN [ext TIME] G ID STATE PREF SUP STATUS PORTS,..
 *   stpg HEX          -> GOOD | CHECK KK/AA/QQ [FP cdb|param BYTE BIT|-]
 *   cdb HEX [LEN]     -> GOOD | CHECK ... (as stpg)
 *   data HEX LEN      -> GOOD HEXDATA | CHECK ...
 *   out HEX DATA      -> GOOD | CHECK ... (DATA in hex as data-out)
 *   vpd83             -> RELPORT N TPG N|none NAA HEX (the LU's NAA designator)
 *   tpgs              -> TPGS N
 *   quit
 * ALUA_CHECKS_INITIATOR names the initiator (another I_T nexus). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define MAX_CDB 16
#define MAX_PARAM 2048
#define RTPG_ALLOC 4096

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct scsi_task *run(struct iscsi_context *iscsi, int lun, const uint8_t *cdb, int len,
			     uint32_t in_len, struct iscsi_data *out)
{
	struct scsi_task *task = calloc(1, sizeof(*task));

	if (!task)
		return NULL;
	memcpy(task->cdb, cdb, len);
	task->cdb_size = len;
	task->xfer_dir = out ? SCSI_XFER_WRITE : in_len ? SCSI_XFER_READ : SCSI_XFER_NONE;
	task->expxferlen = out ? out->size : in_len;
	return iscsi_scsi_command_sync(iscsi, lun, task, out);
}

/* The status line; true when GOOD (data left for the caller). */
static bool status_line(struct iscsi_context *iscsi, struct scsi_task *t, bool print_good)
{
	if (!t) {
		printf("ERROR %s\n", iscsi_get_error(iscsi));
		return false;
	}
	if (t->status == SCSI_STATUS_CHECK_CONDITION) {
		printf("CHECK %02x/%02x/%02x", t->sense.key, t->sense.ascq >> 8,
		       t->sense.ascq & 0xff);
		if (t->sense.sense_specific) {
			printf(" FP %s %u ", t->sense.ill_param_in_cdb ? "cdb" : "param",
			       t->sense.field_pointer);
			if (t->sense.bit_pointer_valid)
				printf("%u", t->sense.bit_pointer);
			else
				printf("-");
		}
		putchar('\n');
		return false;
	}
	if (t->status != SCSI_STATUS_GOOD) {
		printf("STATUS 0x%02x\n", t->status);
		return false;
	}
	if (print_good)
		printf("GOOD\n");
	return true;
}

static void do_rtpg(struct iscsi_context *iscsi, int lun, const char *arg)
{
	bool ext = arg && arg[0] == '1';
	uint8_t cdb[12] = { 0xa3, (uint8_t)(0x0a | (ext ? 0x20 : 0)) };
	struct scsi_task *t;
	const uint8_t *d;
	uint32_t len, off;

	cdb[6] = RTPG_ALLOC >> 24;
	cdb[7] = (RTPG_ALLOC >> 16) & 0xff;
	cdb[8] = (RTPG_ALLOC >> 8) & 0xff;
	cdb[9] = RTPG_ALLOC & 0xff;
	t = run(iscsi, lun, cdb, 12, RTPG_ALLOC, NULL);
	if (!status_line(iscsi, t, false))
		goto out;
	d = t->datain.data;
	if (t->datain.size < 4) {
		printf("ERROR short RTPG data\n");
		goto out;
	}
	len = be32(d);
	printf("GOOD %u", len);
	off = 4;
	if (ext) {
		printf(" ext %u %u", d[4] >> 4 & 7, d[5]);
		off = 8;
	}
	while (off + 8 <= (uint32_t)t->datain.size && off < len + 4) {
		unsigned n = d[off + 7];

		printf(" G %u %u %u %02x %u ", d[off + 2] << 8 | d[off + 3], d[off] & 0x0f,
		       d[off] >> 7, d[off + 1], d[off + 5]);
		off += 8;
		for (unsigned i = 0; i < n && off + 4 <= (uint32_t)t->datain.size; i++, off += 4)
			printf("%s%u", i ? "," : "", d[off + 2] << 8 | d[off + 3]);
	}
	putchar('\n');
out:
	if (t)
		scsi_free_scsi_task(t);
}

static void do_stpg(struct iscsi_context *iscsi, int lun, const char *hex)
{
	uint8_t buf[MAX_PARAM], cdb[12] = { 0xa4, 0x0a };
	int n = hex ? tool_parse_hex(hex, buf, sizeof(buf)) : -1;
	struct iscsi_data out = { .data = buf };
	struct scsi_task *t;

	if (n < 0) {
		printf("ERROR bad data\n");
		return;
	}
	out.size = n;
	cdb[8] = (uint8_t)(n >> 8);
	cdb[9] = (uint8_t)n;
	t = run(iscsi, lun, cdb, 12, 0, n ? &out : NULL);
	status_line(iscsi, t, true);
	if (t)
		scsi_free_scsi_task(t);
}

/* cdb: status only; data: the data-in too; out: DATA sent as data-out. */
static void do_cdb(struct iscsi_context *iscsi, int lun, char *args, const char *kind)
{
	char *hex = strtok(args, " \t"), *arg = strtok(NULL, " \t");
	static uint8_t buf[MAX_PARAM];
	struct iscsi_data out = { .data = buf };
	uint8_t cdb[MAX_CDB];
	int n = hex ? tool_parse_hex(hex, cdb, sizeof(cdb)) : -1;
	struct scsi_task *t;

	if (n <= 0 || (!strcmp(kind, "out") &&
		       (!arg || (out.size = tool_parse_hex(arg, buf, sizeof(buf))) <= 0))) {
		printf("ERROR bad CDB or data\n");
		return;
	}
	if (!strcmp(kind, "out"))
		t = run(iscsi, lun, cdb, n, 0, &out);
	else
		t = run(iscsi, lun, cdb, n, arg ? (uint32_t)strtoul(arg, NULL, 0) : 0, NULL);
	if (status_line(iscsi, t, strcmp(kind, "data") != 0)) {
		if (!strcmp(kind, "data")) {
			printf("GOOD ");
			for (int i = 0; i < t->datain.size; i++)
				printf("%02x", t->datain.data[i]);
			putchar('\n');
		}
	}
	if (t)
		scsi_free_scsi_task(t);
}

/* VPD 0x83: the relative target port (type 4) and target port group
 * (type 5) designators, association "target port". */
static void do_vpd83(struct iscsi_context *iscsi, int lun)
{
	uint8_t cdb[6] = { 0x12, 0x01, 0x83, 0x01, 0x00, 0 };
	struct scsi_task *t = run(iscsi, lun, cdb, 6, 256, NULL);
	int relport = -1, tpg = -1;
	char naa[40] = "none";

	if (!status_line(iscsi, t, false))
		goto out;
	for (int off = 4; off + 4 <= t->datain.size;) {
		const uint8_t *d = &t->datain.data[off];
		int type = d[1] & 0x0f, assoc = d[1] >> 4 & 3;

		if (off + 4 + d[3] > t->datain.size)
			break;
		if (assoc == 1 && type == 4 && d[3] == 4)
			relport = d[6] << 8 | d[7];
		if (assoc == 1 && type == 5 && d[3] == 4)
			tpg = d[6] << 8 | d[7];
		if (assoc == 0 && type == 3 && d[3] <= 16)
			for (int i = 0; i < d[3]; i++)
				snprintf(&naa[2 * i], 3, "%02x", d[4 + i]);
		off += 4 + d[3];
	}
	printf("RELPORT %d TPG ", relport);
	if (tpg < 0)
		printf("none");
	else
		printf("%d", tpg);
	printf(" NAA %s\n", naa);
out:
	if (t)
		scsi_free_scsi_task(t);
}

static void do_tpgs(struct iscsi_context *iscsi, int lun)
{
	uint8_t cdb[6] = { 0x12, 0, 0, 0, 36, 0 };
	struct scsi_task *t = run(iscsi, lun, cdb, 6, 36, NULL);

	if (status_line(iscsi, t, false)) {
		if (t->datain.size > 5)
			printf("TPGS %u\n", t->datain.data[5] >> 4 & 3);
		else
			printf("ERROR short INQUIRY\n");
	}
	if (t)
		scsi_free_scsi_task(t);
}

int main(int argc, char **argv)
{
	struct tool_login_opts o = { .no_header_digest = true, .no_tur = true };
	struct iscsi_context *iscsi;
	char line[8192];
	int lun;

	if (argc != 2) {
		fprintf(stderr, "usage: alua_checks iscsi://HOST:PORT/IQN/LUN < commands\n");
		return 2;
	}
	o.initiator = getenv("ALUA_CHECKS_INITIATOR");
	if (!o.initiator)
		o.initiator = "iqn.2026-12.org.scstd:alua-checks";
	iscsi = tool_login(argv[1], &o, &lun);
	if (!iscsi)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char *cmd = strtok(line, " \t\n"), *rest = strtok(NULL, "\n");

		if (!cmd)
			continue;
		if (!strcmp(cmd, "quit"))
			break;
		if (!strcmp(cmd, "rtpg"))
			do_rtpg(iscsi, lun, rest);
		else if (!strcmp(cmd, "stpg"))
			do_stpg(iscsi, lun, rest ? strtok(rest, " \t") : "");
		else if ((!strcmp(cmd, "cdb") || !strcmp(cmd, "data") || !strcmp(cmd, "out")) && rest)
			do_cdb(iscsi, lun, rest, cmd);
		else if (!strcmp(cmd, "vpd83"))
			do_vpd83(iscsi, lun);
		else if (!strcmp(cmd, "tpgs"))
			do_tpgs(iscsi, lun);
		else
			printf("ERROR unknown command\n");
	}
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return 0;
}
