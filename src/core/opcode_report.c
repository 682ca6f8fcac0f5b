/* opcode_report.c - REPORT SUPPORTED OPERATION CODES built from the opcode
 * table, so the list a device advertises is exactly the list it parses:
 * the all-commands format (reporting option 000b) and the one-command
 * format (001b opcode, 010b opcode + service action, 011b either). */
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "scst.h"
#include "util/be.h"

#define ALL_DESC_LEN     8
#define TIMEOUT_DESC_LEN 12
#define ONE_HDR_LEN      4

enum {
	RSOC_ALL = 0,
	RSOC_OPCODE = 1,
	RSOC_OPCODE_SA = 2,
	RSOC_OPCODE_MAYBE_SA = 3,
};

static bool op_applies(const struct scst_opcode_desc *op, int type)
{
	return type >= 0 && type < 32 && (op->types & (1u << type));
}

/* Command timeouts (SPC-4 command timeouts descriptor), in seconds: the
 * nominal time a command takes here and the timeout an initiator should
 * allow.  By what the backends do:
 *  - everything moving at most one transfer (8 MiB: READ, WRITE, VERIFY,
 *    COMPARE AND WRITE, WRITE SAME, which is capped at that size too) or
 *    answered from memory: well under a second on a page cache, file or
 *    block device; 30 s, the usual SCSI default, covers a slow disk;
 *  - UNMAP deallocates up to 256 MiB per command with fallocate or
 *    BLKDISCARD, which a device may take long to accept;
 *  - SYNCHRONIZE CACHE writes back whatever the page cache holds of the
 *    file (gigabytes after a burst): fdatasync at disk speed;
 *  - EXTENDED COPY moves up to 16 segments of 8 MiB each, read then
 *    written synchronously;
 *  - FORMAT UNIT deallocates the whole medium of a thin device;
 *  - SANITIZE OVERWRITE and BLOCK ERASE write the whole medium, so their
 *    time grows with the capacity: at MEDIUM_BYTES_PER_SEC, with twice
 *    that plus a minute recommended. */
struct cmd_timeouts {
	uint32_t nominal, recommended;
};

#define MEDIUM_BYTES_PER_SEC (100ull << 20)

static const struct cmd_timeouts short_cmd = { 1, 30 };
static const struct cmd_timeouts unmap_cmd = { 2, 60 };
static const struct cmd_timeouts flush_cmd = { 10, 120 };
static const struct cmd_timeouts copy_cmd = { 5, 120 };
static const struct cmd_timeouts format_cmd = { 2, 120 };

static struct cmd_timeouts medium_timeouts(const struct scst_device *dev)
{
	uint64_t bytes = dev ? dev->nblocks << dev->block_shift : 0;
	uint64_t secs = (bytes + MEDIUM_BYTES_PER_SEC - 1) / MEDIUM_BYTES_PER_SEC;
	uint64_t rec;

	if (!secs)
		secs = 1;
	if (secs > UINT32_MAX)
		secs = UINT32_MAX;
	rec = 2 * secs + 60;
	return (struct cmd_timeouts){ (uint32_t)secs, rec > UINT32_MAX ? UINT32_MAX : (uint32_t)rec };
}

static struct cmd_timeouts op_timeouts(const struct scst_opcode_desc *op,
				       const struct scst_device *dev)
{
	switch ((enum scst_op_timeout)op->timeout) {
	case SCST_OP_TIME_MEDIUM: return medium_timeouts(dev);
	case SCST_OP_TIME_FORMAT: return format_cmd;
	case SCST_OP_TIME_FLUSH: return flush_cmd;
	case SCST_OP_TIME_UNMAP: return unmap_cmd;
	case SCST_OP_TIME_COPY: return copy_cmd;
	case SCST_OP_TIME_SHORT: break;
	}
	return short_cmd;
}

static unsigned put_timeouts(uint8_t *p, const struct scst_opcode_desc *op,
			     const struct scst_device *dev)
{
	struct cmd_timeouts t = op_timeouts(op, dev);

	memset(p, 0, TIMEOUT_DESC_LEN);
	put_be16(p, TIMEOUT_DESC_LEN - 2);
	put_be32(&p[4], t.nominal);
	put_be32(&p[8], t.recommended);
	return TIMEOUT_DESC_LEN;
}

static void report_all(struct scst_cmd *cmd, int type, bool rctd)
{
	unsigned count, n = 0, len = 4;
	const struct scst_opcode_desc *table = scst_opcode_table(&count);
	unsigned per = ALL_DESC_LEN + (rctd ? TIMEOUT_DESC_LEN : 0);
	uint8_t *d = calloc(count, per);
	uint8_t *out;

	out = malloc(4 + (size_t)count * per);
	if (!d || !out) {
		free(d);
		free(out);
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	for (unsigned i = 0; i < count; i++) {
		const struct scst_opcode_desc *op = &table[i];
		uint8_t *e = &d[n * per];

		if (!op_applies(op, type) || !scst_op_offered(op, cmd->dev))
			continue;
		e[0] = op->opcode;
		put_be16(&e[2], op->sa >= 0 ? (uint16_t)op->sa : 0);
		e[5] = (rctd ? 0x02 : 0) | (op->sa >= 0 ? 0x01 : 0);
		put_be16(&e[6], op->cdb_len);
		if (rctd)
			put_timeouts(&e[ALL_DESC_LEN], op, cmd->dev);
		n++;
	}
	put_be32(out, n * per);
	memcpy(&out[4], d, (size_t)n * per);
	len += n * per;
	scst_cmd_set_resp_data(cmd, out, len);
	free(d);
	free(out);
}

/* Finds the entry asked about in one-command mode; *bad_field is set when
 * the reporting option contradicts whether the opcode has service actions. */
static const struct scst_opcode_desc *lookup_one(unsigned option, uint8_t opcode, uint16_t sa,
						 const struct scst_device *dev, int type,
						 bool *bad_field)
{
	unsigned count;
	const struct scst_opcode_desc *table = scst_opcode_table(&count);

	*bad_field = false;
	for (unsigned i = 0; i < count; i++) {
		const struct scst_opcode_desc *op = &table[i];
		bool with_sa = op->sa >= 0;

		if (op->opcode != opcode || !op_applies(op, type) || !scst_op_offered(op, dev))
			continue;
		if (option == RSOC_OPCODE && with_sa) {
			*bad_field = true;
			return NULL;
		}
		if (option == RSOC_OPCODE_SA && !with_sa) {
			*bad_field = true;
			return NULL;
		}
		if (!with_sa || op->sa == sa)
			return op;
	}
	return NULL;
}

static void report_one(struct scst_cmd *cmd, unsigned option, int type, bool rctd)
{
	uint8_t d[ONE_HDR_LEN + 16 + TIMEOUT_DESC_LEN];
	const struct scst_opcode_desc *op;
	bool bad_field;
	unsigned len = ONE_HDR_LEN;

	op = lookup_one(option, cmd->cdb[3], get_be16(&cmd->cdb[4]), cmd->dev, type,
			&bad_field);
	if (bad_field) {
		scst_set_invalid_field(cmd, true, 2, 2);
		return;
	}
	memset(d, 0, sizeof(d));
	if (!op || !scst_op_offered(op, cmd->dev)) {
		d[1] = 0x01;                    /* not supported */
		scst_cmd_set_resp_data(cmd, d, len);
		return;
	}
	d[1] = (rctd ? 0x80 : 0) | 0x03;        /* supported as the standard says */
	put_be16(&d[2], op->cdb_len);
	memcpy(&d[ONE_HDR_LEN], op->usage, op->cdb_len);
	len += op->cdb_len;
	if (rctd)
		len += put_timeouts(&d[len], op, cmd->dev);
	scst_cmd_set_resp_data(cmd, d, len);
}

void scst_report_supported_opcodes(struct scst_cmd *cmd)
{
	unsigned option = cmd->cdb[2] & 0x07;
	bool rctd = cmd->cdb[2] & 0x80;
	int type = cmd->dev ? cmd->dev->type : 0;

	switch (option) {
	case RSOC_ALL:
		report_all(cmd, type, rctd);
		return;
	case RSOC_OPCODE:
	case RSOC_OPCODE_SA:
	case RSOC_OPCODE_MAYBE_SA:
		report_one(cmd, option, type, rctd);
		return;
	default:
		scst_set_invalid_field(cmd, true, 2, 2);
		return;
	}
}
