/* xcopy_checks.c - EXTENDED COPY (LID1) as an initiator sends it (sg_xcopy
 * builds the same parameter list), for the copy manager tests:
 *
 *   xcopy_checks desig URL INITIATOR
 *       -> the LU's NAA designator from VPD page 0x83, 4-byte header
 *          included, in hex (what a CSCD identification descriptor holds)
 *   xcopy_checks copy URL INITIATOR SRC_HEX DST_HEX BLOCKS SRC_LBA DST_LBA LIST_ID
 *       -> "GOOD" | "CHECK key=0xK asc=0xAAQQ [field=N]": one
 *          block-to-block segment (type 02h) between two identification
 *          CSCD descriptors (E4h), sent to URL's LUN, results held; then,
 *          on the same I_T nexus (the list identifiers are its own),
 *          RECEIVE COPY RESULTS, COPY STATUS: "results status=S
 *          segments=N units=U count=C" | "results CHECK ..."
 *
 * The parameter list follows SPC-4 6.4 (EXTENDED COPY(LID1)): a 16-byte
 * header, 32-byte CSCD descriptors, 28-byte segment descriptors, and the
 * CSCD block size taken from READ CAPACITY of URL's LUN.  Exit status 2
 * on usage or login errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define HDR_LEN 16
#define CSCD_LEN 32
#define SEG_LEN 28

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* "CHECK ..." for a task that did not end GOOD; 1 when it did. */
static int report(struct scsi_task *t)
{
	if (!t) {
		printf("FAILED\n");
		return 0;
	}
	if (t->status == SCSI_STATUS_GOOD)
		return 1;
	if (t->status != SCSI_STATUS_CHECK_CONDITION) {
		printf("STATUS 0x%x\n", t->status);
		return 0;
	}
	printf("CHECK key=0x%x asc=0x%04x", t->sense.key, t->sense.ascq);
	if (t->sense.sense_specific)
		printf(" field=%u", t->sense.field_pointer);
	printf("\n");
	return 0;
}

static int print_designator(struct iscsi_context *iscsi, int lun)
{
	struct scsi_task *t = iscsi_inquiry_sync(iscsi, lun, 1, 0x83, 255);
	const uint8_t *d;
	uint32_t len, off = 4;

	if (!report(t)) {
		scsi_free_scsi_task(t);
		return 1;
	}
	d = t->datain.data;
	len = t->datain.size < 4 ? 0 : 4u + (uint32_t)(d[2] << 8 | d[3]);
	if (len > (uint32_t)t->datain.size)
		len = (uint32_t)t->datain.size;
	for (; off + 4 <= len && off + 4u + d[off + 3] <= len; off += 4u + d[off + 3]) {
		/* Association 0 (the LU), designator type 3 (NAA). */
		if ((d[off + 1] & 0x30) || (d[off + 1] & 0x0f) != 3)
			continue;
		for (uint32_t i = 0; i < 4u + d[off + 3]; i++)
			printf("%02x", d[off + i]);
		printf("\n");
		scsi_free_scsi_task(t);
		return 0;
	}
	printf("no NAA designator\n");
	scsi_free_scsi_task(t);
	return 1;
}

static uint32_t block_size_of(struct iscsi_context *iscsi, int lun)
{
	struct scsi_task *t = iscsi_readcapacity10_sync(iscsi, lun, 0, 0);
	uint32_t bs = 512;

	if (t && t->status == SCSI_STATUS_GOOD && t->datain.size >= 8)
		bs = get_be32(t->datain.data + 4);
	if (t)
		scsi_free_scsi_task(t);
	return bs;
}

static int cscd(uint8_t *d, const char *hex, uint32_t block_size)
{
	int n = tool_parse_hex(hex, d + 4, 24);

	if (n < 4) {
		fprintf(stderr, "bad designator %s\n", hex);
		return -1;
	}
	d[0] = 0xe4;                    /* identification descriptor CSCD */
	d[1] = 0x00;                    /* LU ID TYPE 0, peripheral type 0 */
	d[29] = (uint8_t)(block_size >> 16);
	d[30] = (uint8_t)(block_size >> 8);
	d[31] = (uint8_t)block_size;
	return 0;
}

static int results(struct iscsi_context *iscsi, int lun, const char *list_id)
{
	struct scsi_task *t = iscsi_receive_copy_results_sync(iscsi, lun, 0x00,
							      (int)strtoul(list_id, NULL, 0), 64);
	const uint8_t *d;

	if (report(t) && t->datain.size >= 12) {
		d = t->datain.data;
		printf("status=%u segments=%u units=%u count=%u\n", d[4], d[5] << 8 | d[6], d[7],
		       get_be32(d + 8));
	} else if (t && t->status == SCSI_STATUS_GOOD) {
		printf("short data (%d bytes)\n", t->datain.size);
	}
	if (t)
		scsi_free_scsi_task(t);
	return 0;
}

static int copy(struct iscsi_context *iscsi, int lun, char **argv)
{
	uint8_t p[HDR_LEN + 2 * CSCD_LEN + SEG_LEN];
	uint8_t *seg = p + HDR_LEN + 2 * CSCD_LEN;
	uint32_t bs = block_size_of(iscsi, lun);
	struct iscsi_data data = { .size = sizeof(p), .data = p };
	struct scsi_task *t;
	int good;

	memset(p, 0, sizeof(p));
	p[0] = (uint8_t)strtoul(argv[7], NULL, 0);     /* LIST IDENTIFIER */
	p[1] = 0x00;                    /* LIST ID USAGE 00b: hold the results */
	put_be16(p + 2, 2 * CSCD_LEN);
	put_be32(p + 8, SEG_LEN);
	if (cscd(p + HDR_LEN, argv[0], bs) < 0 || cscd(p + HDR_LEN + CSCD_LEN, argv[1], bs) < 0)
		return 2;
	seg[0] = 0x02;                  /* block device to block device */
	put_be16(seg + 2, SEG_LEN - 4);
	put_be16(seg + 4, 0);           /* source: CSCD 0 */
	put_be16(seg + 6, 1);           /* destination: CSCD 1 */
	put_be16(seg + 10, (uint16_t)strtoul(argv[2], NULL, 0));
	put_be64(seg + 12, strtoull(argv[3], NULL, 0));
	put_be64(seg + 20, strtoull(argv[4], NULL, 0));
	t = iscsi_extended_copy_sync(iscsi, lun, &data);
	good = report(t);
	if (good)
		printf("GOOD\n");
	if (t)
		scsi_free_scsi_task(t);
	printf("results ");
	return results(iscsi, lun, argv[7]);
}

int main(int argc, char **argv)
{
	/* A copy may wait out SCST's 30 s of retries on a reserved device. */
	struct tool_login_opts o = { .timeout_s = 90, .no_reconnect = true };
	struct iscsi_context *iscsi;
	int lun, rc;

	if (argc < 4 || (!strcmp(argv[1], "copy") && argc != 10)) {
		fprintf(stderr, "usage: xcopy_checks desig|copy URL INITIATOR ...\n");
		return 2;
	}
	o.initiator = argv[3];
	iscsi = tool_login(argv[2], &o, &lun);
	if (!iscsi)
		return 2;
	if (!strcmp(argv[1], "desig"))
		rc = print_designator(iscsi, lun);
	else if (!strcmp(argv[1], "copy"))
		rc = copy(iscsi, lun, argv + 4);
	else
		rc = 2;
	iscsi_logout_sync(iscsi);
	iscsi_destroy_context(iscsi);
	return rc;
}
