/* ack_writer.c - a write load whose every acknowledged write can be
 * checked on the backing file afterwards (shutdown.sh: acknowledged writes
 * survive SIGTERM and SIGINT).
 *
 *   ack_writer URL FIRST-LBA CHUNKS CHUNK-BLOCKS
 *
 * Writes chunk 0, 1, ..., CHUNKS-1 of CHUNK-BLOCKS blocks from FIRST-LBA
 * on, then again with the next generation, until a command fails (the
 * target went away).  Every block of a write starts with the stamp
 * "ackw LBA GEN\n" (LBA in decimal, the block's own) and is filled with
 * 0x5a; after the target answered GOOD the tool prints "acked LBA GEN"
 * for the chunk's first LBA.  libiscsi does not reconnect, so the tool
 * ends when the connection does.
 *
 * Exit status 0 after a failed command (the expected end), 2 on usage or
 * login errors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "tool_login.h"

#define INITIATOR "iqn.2026-12.org.scstd:ack-writer"
#define STAMP_MAX 64

static void fill_chunk(uint8_t *buf, uint32_t block_size, uint64_t lba, uint32_t blocks,
		       uint64_t gen)
{
	memset(buf, 0x5a, (size_t)block_size * blocks);
	for (uint32_t i = 0; i < blocks; i++)
		snprintf((char *)buf + (size_t)i * block_size, STAMP_MAX, "ackw %" PRIu64 " %" PRIu64 "\n",
			 lba + i, gen);
}

static uint32_t lun_block_size(struct iscsi_context *iscsi, int lun)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(iscsi, lun);
	struct scsi_readcapacity16 *rc;
	uint32_t bs = 0;

	if (t && t->status == SCSI_STATUS_GOOD && (rc = scsi_datain_unmarshall(t)))
		bs = rc->block_length;
	if (t)
		scsi_free_scsi_task(t);
	return bs;
}

int main(int argc, char **argv)
{
	struct tool_login_opts o = { .initiator = INITIATOR, .no_reconnect = true, .timeout_s = 30 };
	struct iscsi_context *iscsi;
	uint64_t first, chunks, blocks, gen;
	uint32_t bs;
	uint8_t *buf;
	int lun;

	if (argc != 5) {
		fprintf(stderr, "usage: ack_writer URL FIRST-LBA CHUNKS CHUNK-BLOCKS\n");
		return 2;
	}
	first = strtoull(argv[2], NULL, 0);
	chunks = strtoull(argv[3], NULL, 0);
	blocks = strtoull(argv[4], NULL, 0);
	if (!chunks || !blocks || blocks > 1024) {
		fprintf(stderr, "ack_writer: CHUNKS and CHUNK-BLOCKS (at most 1024) must be positive\n");
		return 2;
	}
	iscsi = tool_login(argv[1], &o, &lun);
	if (!iscsi)
		return 2;
	bs = lun_block_size(iscsi, lun);
	if (bs < STAMP_MAX) {
		fprintf(stderr, "ack_writer: READ CAPACITY(16) failed or blocks too small\n");
		return 2;
	}
	buf = malloc((size_t)bs * blocks);
	if (!buf)
		return 2;
	printf("# ready block size %u\n", bs);
	fflush(stdout);
	for (gen = 1;; gen++) {
		for (uint64_t c = 0; c < chunks; c++) {
			uint64_t lba = first + c * blocks;
			struct scsi_task *t;
			int good;

			fill_chunk(buf, bs, lba, (uint32_t)blocks, gen);
			t = iscsi_write16_sync(iscsi, lun, lba, buf, (uint32_t)(bs * blocks), (int)bs,
					       0, 0, 0, 0, 0);
			good = t && t->status == SCSI_STATUS_GOOD;
			if (!good) {
				printf("# write of %" PRIu64 " generation %" PRIu64 " ended: %s\n", lba,
				       gen, t ? iscsi_get_error(iscsi) : "no task");
				if (t)
					scsi_free_scsi_task(t);
				free(buf);
				iscsi_destroy_context(iscsi);
				return 0;
			}
			scsi_free_scsi_task(t);
			printf("acked %" PRIu64 " %" PRIu64 "\n", lba, gen);
			fflush(stdout);
		}
	}
}
