/* cdb_fuzz.c - a seeded CDB fuzzer: one iSCSI session sends generated
 * commands (every opcode, edge values in the LBA, length, service action,
 * reserved and control fields, data-out with lying header lengths) and
 * checks each answer: an allowed status, well-formed sense, no more
 * data-in than was asked for, a consistent residual; every few commands
 * and at the end the LUN must still answer TEST UNIT READY, INQUIRY and
 * a READ of LBA 0.
 *
 *   cdb_fuzz [-s SEED] [-n ITERATIONS] [-p PROBE_EVERY] [-x OPCODE]...
 *            [-d] [-v] iscsi://HOST:PORT/IQN/LUN
 *
 * -d  switch the LUN to descriptor-format sense (D_SENSE) first
 * -x  never send OPCODE (hex or decimal; repeatable), for slow opcodes
 * -v  print every command and its answer
 * The same seed gives the same command sequence.  Prints counts per status
 * and sense key; every violation is one "VIOLATION" line with the CDB in
 * hex.  Exit status 1 on any violation, 2 on bad usage or login failure.
 *
 * libiscsi carries at most 16 CDB bytes, so variable-length CDBs (0x7f)
 * are sent truncated to 16 bytes; the target must refuse them cleanly. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "fuzz_rng.h"
#include "tool_login.h"

#define CDB_MAX 16
#define MAX_XFER (1u << 20)        /* largest buffer one command gets */
#define MAX_ALLOC_XFER 65536u      /* largest data-in for allocation lengths */
#define MAX_VIOLATIONS_SHOWN 20
#define CMD_TIMEOUT_S 30
#define RECOVER_DEADLINE_S 20
#define PR_KEY_A 0x1111111111111111ull
#define PR_KEY_B 0x2222222222222222ull

/* ---- big-endian fields ----------------------------------------------- */

static void put_be(uint8_t *p, int width, uint64_t v)
{
	for (int i = width - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int width)
{
	uint64_t v = 0;

	for (int i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t width_max(int width)
{
	return width >= 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
}

/* ---- the session and its LUN ---------------------------------------- */

struct lun {
	struct iscsi_context *iscsi;
	const char *url;
	int lun;
	uint64_t blocks;
	uint32_t block_size;
};

struct stats {
	unsigned long sent;
	unsigned long status[256];
	unsigned long sense_key[16];
	unsigned long transport_errors;
	unsigned long probes;
	unsigned long violations;
	unsigned long fixed_sense, descriptor_sense;
};

struct fuzz_cmd {
	uint8_t cdb[CDB_MAX];
	int cdb_len;           /* bytes sent (iSCSI pads them to 16 with zeros) */
	int group_len;         /* the opcode's own CDB length, its field layout */
	enum scsi_xfer_dir dir;
	uint32_t expxfer;
	uint8_t *out;          /* data-out, expxfer bytes, for SCSI_XFER_WRITE */
	unsigned long index;   /* which command of the run (for reproduction) */
};

static struct stats stats;
static bool verbose;

static void cdb_hex(const uint8_t *cdb, int len, char *buf)
{
	for (int i = 0; i < len; i++)
		sprintf(buf + 2 * i, "%02x", cdb[i]);
	buf[2 * len] = 0;
}

static void violation(const struct fuzz_cmd *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void violation(const struct fuzz_cmd *c, const char *fmt, ...)
{
	char hex[2 * CDB_MAX + 1];
	char what[256];
	va_list ap;

	stats.violations++;
	if (stats.violations > MAX_VIOLATIONS_SHOWN)
		return;
	cdb_hex(c->cdb, c->cdb_len, hex);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("VIOLATION #%lu cdb=%s dir=%s expxfer=%u: %s\n", c->index, hex,
	       c->dir == SCSI_XFER_WRITE ? "out" : c->dir == SCSI_XFER_READ ? "in" : "none",
	       c->expxfer, what);
	fflush(stdout);
}

/* Sends one command; NULL on a transport error (timeout included). */
static struct scsi_task *send_cmd(struct lun *l, const uint8_t *cdb, int cdb_len,
				  enum scsi_xfer_dir dir, uint32_t expxfer, uint8_t *out)
{
	struct scsi_task *task = calloc(1, sizeof(*task));
	struct iscsi_data data = { .size = expxfer, .data = out };

	if (!task)
		return NULL;
	memcpy(task->cdb, cdb, cdb_len);
	task->cdb_size = cdb_len;
	task->xfer_dir = dir;
	task->expxferlen = expxfer;
	return iscsi_scsi_command_sync(l->iscsi, l->lun, task,
				       dir == SCSI_XFER_WRITE ? &data : NULL);
}

/* ---- health probe ----------------------------------------------------- */

static bool sense_is(const struct scsi_task *t, int key, int asc)
{
	return t->status == SCSI_STATUS_CHECK_CONDITION && (int)t->sense.key == key &&
	       (asc < 0 || (t->sense.ascq >> 8) == asc);
}

static int simple_cmd(struct lun *l, const uint8_t *cdb, int len)
{
	struct scsi_task *t = send_cmd(l, cdb, len, SCSI_XFER_NONE, 0, NULL);
	int status = t ? t->status : -1;

	if (t)
		scsi_free_scsi_task(t);
	return status;
}

/* Undoes what a fuzzed command may leave behind on the unit itself: a
 * stopped or ejected medium, a prevented removal. */
static void load_medium(struct lun *l)
{
	static const uint8_t allow[6] = { 0x1e, 0, 0, 0, 0, 0 };
	static const uint8_t load[6] = { 0x1b, 0, 0, 0, 0x03, 0 };

	simple_cmd(l, allow, 6);
	simple_cmd(l, load, 6);
}

/* TEST UNIT READY until GOOD: unit attentions are consumed, a medium the
 * fuzzer ejected or stopped is loaded again, and background work (FORMAT,
 * SANITIZE) may finish; anything else is a failure.  0 when ready. */
static int wait_ready(struct lun *l, char *why, size_t why_len)
{
	static const uint8_t tur[6] = { 0 };
	time_t deadline = time(NULL) + RECOVER_DEADLINE_S;

	while (time(NULL) < deadline) {
		struct scsi_task *t = send_cmd(l, tur, 6, SCSI_XFER_NONE, 0, NULL);

		if (!t) {
			snprintf(why, why_len, "TEST UNIT READY: %s", iscsi_get_error(l->iscsi));
			return -1;
		}
		if (t->status == SCSI_STATUS_GOOD) {
			scsi_free_scsi_task(t);
			return 0;
		}
		if (sense_is(t, SCSI_SENSE_NOT_READY, 0x3a) || sense_is(t, SCSI_SENSE_NOT_READY, -1))
			load_medium(l);
		if (!sense_is(t, SCSI_SENSE_UNIT_ATTENTION, -1) && !sense_is(t, SCSI_SENSE_NOT_READY, -1)) {
			snprintf(why, why_len, "TEST UNIT READY: status 0x%02x sense %x/%04x", t->status,
				 t->sense.key, t->sense.ascq);
			scsi_free_scsi_task(t);
			return -1;
		}
		scsi_free_scsi_task(t);
		usleep(20000);
	}
	snprintf(why, why_len, "TEST UNIT READY not GOOD within %d s", RECOVER_DEADLINE_S);
	return -1;
}

static int read_capacity(struct lun *l)
{
	struct scsi_task *t = iscsi_readcapacity16_sync(l->iscsi, l->lun);
	struct scsi_readcapacity16 *rc16;
	struct scsi_readcapacity10 *rc10;

	if (t && t->status == SCSI_STATUS_GOOD && (rc16 = scsi_datain_unmarshall(t))) {
		l->blocks = rc16->returned_lba + 1;
		l->block_size = rc16->block_length;
		scsi_free_scsi_task(t);
		return 0;
	}
	if (t)
		scsi_free_scsi_task(t);
	/* MMC devices have no READ CAPACITY(16). */
	t = iscsi_readcapacity10_sync(l->iscsi, l->lun, 0, 0);
	if (t && t->status == SCSI_STATUS_GOOD && (rc10 = scsi_datain_unmarshall(t))) {
		l->blocks = (uint64_t)rc10->lba + 1;
		l->block_size = rc10->block_size;
		scsi_free_scsi_task(t);
		return 0;
	}
	if (t)
		scsi_free_scsi_task(t);
	return -1;
}

static int probe_cmd(struct lun *l, const char *name, const uint8_t *cdb, int len,
		     uint32_t want, char *why, size_t why_len)
{
	struct scsi_task *t = send_cmd(l, cdb, len, SCSI_XFER_READ, want, NULL);
	int rc = 0;

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size != (int)want) {
		snprintf(why, why_len, "%s: %s", name,
			 t ? iscsi_get_error(l->iscsi) : "transport error");
		rc = -1;
	}
	if (t)
		scsi_free_scsi_task(t);
	return rc;
}

/* The LUN still works: TUR (after UAs) GOOD, INQUIRY, READ of LBA 0. */
static int probe(struct lun *l, char *why, size_t why_len)
{
	uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };
	uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0 };

	stats.probes++;
	if (wait_ready(l, why, why_len) || read_capacity(l)) {
		if (!why[0])
			snprintf(why, why_len, "READ CAPACITY failed");
		return -1;
	}
	if (l->block_size == 0 || l->block_size > MAX_XFER) {
		snprintf(why, why_len, "READ CAPACITY: block size %u", l->block_size);
		return -1;
	}
	if (probe_cmd(l, "INQUIRY", inquiry, 6, 36, why, why_len))
		return -1;
	return probe_cmd(l, "READ(10) of LBA 0", read10, 10, l->block_size, why, why_len);
}

/* MODE SENSE(6) of PAGE in page control PC, given back by MODE SELECT(6)
 * with D_SENSE of the control page forced to d_sense (-1: as read).
 * 0 when both commands succeeded. */
static int mode_select_back(struct lun *l, uint8_t page, uint8_t pc, int d_sense)
{
	uint8_t sense6[6] = { 0x1a, 0, (uint8_t)(pc << 6 | page), 0, 255, 0 };
	uint8_t select6[6] = { 0x15, 0x10, 0, 0, 0, 0 };
	struct scsi_task *t = send_cmd(l, sense6, 6, SCSI_XFER_READ, 255, NULL);
	uint8_t buf[256];
	int n, rc = -1;

	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 4)
		goto out;
	n = t->datain.size;
	memcpy(buf, t->datain.data, n);
	buf[0] = 0;       /* MODE DATA LENGTH is reserved in MODE SELECT */
	buf[2] = 0;       /* so is the WP bit */
	for (int at = 4 + buf[3]; d_sense >= 0 && at + 2 < n; at += 2 + buf[at + 1]) {
		buf[at] &= 0x3f;          /* PS is reserved in MODE SELECT */
		if (buf[at] == 0x0a)
			buf[at + 2] = (uint8_t)((buf[at + 2] & ~0x04) | (d_sense ? 0x04 : 0));
	}
	select6[4] = (uint8_t)n;
	scsi_free_scsi_task(t);
	t = send_cmd(l, select6, 6, SCSI_XFER_WRITE, n, buf);
	rc = t && t->status == SCSI_STATUS_GOOD ? 0 : -1;
out:
	if (t)
		scsi_free_scsi_task(t);
	return rc;
}

/* Leaves no persistent state behind for the scripts that follow: clears
 * persistent reservations (an APTPL one survives the daemon) and restores
 * the default mode pages (a set SWP would refuse later writes).  0 when
 * the mode pages are back. */
static int clean_up_state(struct lun *l)
{
	uint8_t pr_out[10] = { 0x5f, 0x06, 0, 0, 0, 0, 0, 0, 24, 0 };
	uint8_t param[24] = { 0 };
	struct scsi_task *t;

	/* REGISTER AND IGNORE EXISTING KEY, then CLEAR with that key (a
	 * device without persistent reservations refuses both). */
	put_be(param + 8, 8, PR_KEY_A);
	if ((t = send_cmd(l, pr_out, 10, SCSI_XFER_WRITE, 24, param)))
		scsi_free_scsi_task(t);
	pr_out[1] = 0x03;
	memset(param, 0, sizeof(param));
	put_be(param, 8, PR_KEY_A);
	if ((t = send_cmd(l, pr_out, 10, SCSI_XFER_WRITE, 24, param)))
		scsi_free_scsi_task(t);
	return mode_select_back(l, 0x3f, 2, -1);
}

/* ---- CDB generation --------------------------------------------------- */

/* Opcodes the devices implement or could mistake, sent more often than
 * the rest of the 256. */
static const uint8_t known_ops[] = {
	0x00, 0x03, 0x04, 0x07, 0x08, 0x0a, 0x0b, 0x12, 0x15, 0x16, 0x17, 0x1a, 0x1b, 0x1c,
	0x1d, 0x1e, 0x23, 0x25, 0x28, 0x2a, 0x2b, 0x2e, 0x2f, 0x34, 0x35, 0x37, 0x3b, 0x3c,
	0x3e, 0x3f, 0x41, 0x42, 0x43, 0x46, 0x48, 0x4a, 0x4c, 0x4d, 0x51, 0x52, 0x55, 0x56,
	0x57, 0x5a, 0x5e, 0x5f, 0x7f, 0x83, 0x84, 0x88, 0x89, 0x8a, 0x8c, 0x8d, 0x8e, 0x8f,
	0x90, 0x91, 0x93, 0x9c, 0x9e, 0x9f, 0xa0, 0xa3, 0xa4, 0xa8, 0xaa, 0xad, 0xae, 0xaf,
	0xb7, 0xbd, 0xbb, 0xbe,
};

/* Opcodes whose data goes to the target. */
static bool is_data_out(uint8_t op)
{
	static const uint8_t ops[] = { 0x04, 0x07, 0x0a, 0x15, 0x1d, 0x2a, 0x2e, 0x3b, 0x3f, 0x41,
				       0x42, 0x48, 0x4c, 0x55, 0x56, 0x5f, 0x83, 0x89, 0x8a, 0x8d,
				       0x8e, 0x93, 0x9c, 0xa4, 0xaa, 0xae };

	return memchr(ops, op, sizeof(ops)) != NULL;
}

/* Opcodes whose transfer length counts logical blocks. */
static bool counts_blocks(uint8_t op)
{
	static const uint8_t ops[] = { 0x08, 0x0a, 0x28, 0x2a, 0x2e, 0x88, 0x8a, 0x8e,
				       0xa8, 0xaa, 0xae, 0x2f, 0x8f, 0xaf, 0x89 };

	return memchr(ops, op, sizeof(ops)) != NULL;
}

/* Opcodes with a starting LBA in the usual place; in the others those
 * bytes are reserved or mean something else, and get edge values rarely. */
static bool has_lba(uint8_t op)
{
	static const uint8_t ops[] = { 0x34, 0x35, 0x41, 0x90, 0x91, 0x93, 0x9e };

	return counts_blocks(op) || memchr(ops, op, sizeof(ops)) != NULL;
}

static int group_cdb_len(uint8_t op, struct rng *r)
{
	static const int any[] = { 6, 10, 12, 16 };

	switch (op >> 5) {
	case 0: return 6;
	case 1: case 2: return 10;
	case 4: return 16;
	case 5: return 12;
	default: return any[rng_below(r, 4)];
	}
}

/* Where a CDB of this length keeps its LBA and transfer/allocation
 * length (the common layouts of SBC and SPC). */
struct cdb_layout {
	int lba_off, lba_width, len_off, len_width;
};

static struct cdb_layout layout_of(uint8_t op, int len)
{
	if (op == 0x12 || op == 0x1c)  /* INQUIRY, RECEIVE DIAGNOSTIC RESULTS */
		return (struct cdb_layout){ 0, 0, 3, 2 };
	if (op == 0x89)                 /* COMPARE AND WRITE: NUMBER OF BLOCKS */
		return (struct cdb_layout){ 2, 8, 13, 1 };
	if (op == 0x3c || op == 0x3b)   /* READ/WRITE BUFFER(10) */
		return (struct cdb_layout){ 3, 3, 6, 3 };
	if (op == 0x5f)                 /* PERSISTENT RESERVE OUT: bytes 5-8 */
		return (struct cdb_layout){ 0, 0, 5, 4 };
	if (op == 0xad || op == 0xbd)   /* READ DISC STRUCTURE, MECHANISM STATUS */
		return (struct cdb_layout){ 2, 4, 8, 2 };
	switch (len) {
	case 6: return (struct cdb_layout){ 1, 3, 4, 1 };
	case 10: return (struct cdb_layout){ 2, 4, 7, 2 };
	case 12: return (struct cdb_layout){ 2, 4, 6, 4 };
	default: return (struct cdb_layout){ 2, 8, 10, 4 };
	}
}

static uint64_t edge_lba(struct rng *r, const struct lun *l, int width)
{
	uint64_t cap = l->blocks, v;

	switch (rng_below(r, 10)) {
	case 0: v = 0; break;
	case 1: v = cap - 1; break;
	case 2: v = cap; break;
	case 3: v = cap + 1; break;
	case 4: v = cap - 1 - rng_below(r, 8); break;
	case 5: v = width_max(width); break;
	case 6: v = 1ull << 63; break;
	case 7: v = width_max(width) - rng_below(r, 4); break;
	default: v = rng_below(r, (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap)); break;
	}
	return v & width_max(width);
}

static uint64_t edge_len(struct rng *r, int width)
{
	static const uint32_t usual[] = { 2, 3, 4, 7, 8, 9, 16, 24, 31, 32, 36, 64, 96, 252,
					  255, 256, 257, 512, 1023, 2048, 4096, 65535 };
	uint64_t v;

	switch (rng_below(r, 8)) {
	case 0: v = 0; break;
	case 1: v = 1; break;
	case 2: v = width_max(width); break;
	case 3: v = width_max(width) - 1; break;
	case 4: v = rng_below(r, 64); break;
	default: v = usual[rng_below(r, sizeof(usual) / sizeof(usual[0]))]; break;
	}
	return v & width_max(width);
}

/* Service actions that exist, so that the parsers behind them are reached
 * more often than by chance; 0x1f masks the byte's service action bits. */
static void pick_service_action(struct rng *r, uint8_t *cdb)
{
	static const uint8_t sa_9e[] = { 0x10, 0x12, 0x13, 0x14, 0x15, 0x16 };
	static const uint8_t sa_a3[] = { 0x05, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
	static const uint8_t sa_a4[] = { 0x06, 0x0a, 0x0b, 0x0c, 0x0e, 0x0f };
	static const uint8_t sa_5e[] = { 0x00, 0x01, 0x02, 0x03 };
	static const uint8_t sa_5f[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };
	static const uint8_t sa_83[] = { 0x00, 0x01, 0x10, 0x11, 0x1c };
	static const uint8_t sa_84[] = { 0x00, 0x01, 0x03, 0x04, 0x05, 0x07, 0x08 };
	static const uint8_t sa_48[] = { 0x01, 0x02, 0x03, 0x1f };
	const uint8_t *set = NULL;
	size_t n = 0;

#define SA_SET(a) (set = (a), n = sizeof(a))
	switch (cdb[0]) {
	case 0x9e: SA_SET(sa_9e); break;
	case 0xa3: SA_SET(sa_a3); break;
	case 0xa4: SA_SET(sa_a4); break;
	case 0x5e: SA_SET(sa_5e); break;
	case 0x5f: SA_SET(sa_5f); break;
	case 0x83: SA_SET(sa_83); break;
	case 0x84: SA_SET(sa_84); break;
	case 0x48: SA_SET(sa_48); break;
	default: return;
	}
#undef SA_SET
	if (rng_chance(r, 85))
		cdb[1] = (uint8_t)((cdb[1] & 0xe0) | set[rng_below(r, (uint32_t)n)]);
}

/* Valid values in the fields besides LBA and length that the parsers
 * check first, so that the fuzzer gets past them more often. */
static void plausible_fields(struct rng *r, uint8_t *cdb)
{
	static const uint8_t buffer_modes[] = { 0x02, 0x03, 0x0a, 0x0b, 0x05, 0x07, 0x1c, 0x0d };
	static const uint8_t pr_types[] = { 0x00, 0x01, 0x03, 0x05, 0x06, 0x07, 0x08 };

	switch (cdb[0]) {
	case 0x3b: case 0x3c:
		cdb[1] = buffer_modes[rng_below(r, sizeof(buffer_modes))];
		break;
	case 0x15: case 0x55:
		cdb[1] = 0x10 | (rng_chance(r, 20) ? 0x01 : 0);   /* PF, sometimes SP */
		break;
	case 0x5f:
		cdb[2] = pr_types[rng_below(r, sizeof(pr_types))];
		break;
	case 0x1a: case 0x5a: case 0x4d:
		cdb[2] = (uint8_t)(rng_below(r, 4) << 6 | (rng_chance(r, 50) ? 0x3f : rng_below(r, 64)));
		break;
	case 0x12:
		cdb[1] = rng_chance(r, 50);                            /* EVPD */
		cdb[2] = rng_chance(r, 80) ? (uint8_t)(0x80 + rng_below(r, 0x40)) : 0;
		if (!cdb[1])
			cdb[2] = 0;
		break;
	default:
		break;
	}
}

/* 0x7f: ADDITIONAL CDB LENGTH at byte 7, service action at 8-9. */
static void fill_variable_length(struct rng *r, uint8_t *cdb)
{
	static const uint16_t sas[] = { 0x0009, 0x000a, 0x000b, 0x000c, 0x000d, 0x000e,
					0x000f, 0x1800, 0x0003 };
	static const uint8_t add_len[] = { 0x18, 0x08, 0x00, 0x06, 0xff };

	cdb[7] = rng_chance(r, 80) ? add_len[rng_below(r, 5)] : (uint8_t)rng_next(r);
	put_be(cdb + 8, 2, rng_chance(r, 80) ? sas[rng_below(r, 9)] : (uint16_t)rng_next(r));
}

/* The data the CDB says it moves: blocks x block size, or the allocation
 * or parameter list length. */
static uint64_t cdb_xfer(const struct fuzz_cmd *c, const struct lun *l)
{
	uint8_t op = c->cdb[0];
	struct cdb_layout lay = layout_of(op, c->group_len);
	uint64_t n = get_be(c->cdb + lay.len_off, lay.len_width);

	if (op == 0x08 || op == 0x0a)
		n = n ? n : 256;
	if (op == 0x89)
		n *= 2;
	if (counts_blocks(op))
		n *= l->block_size;
	else if (op == 0x41 || op == 0x93)   /* WRITE SAME: one block of data */
		n = l->block_size;
	return n;
}

/* cdb_xfer capped to what one command may get. */
static uint32_t natural_xfer(const struct fuzz_cmd *c, const struct lun *l)
{
	uint64_t n = cdb_xfer(c, l);

	return n > MAX_XFER ? MAX_XFER : (uint32_t)n;
}

static bool is_block_read(uint8_t op)
{
	return op == 0x08 || op == 0x28 || op == 0x88 || op == 0xa8;
}

static uint32_t pick_expxfer(struct rng *r, const struct fuzz_cmd *c, const struct lun *l)
{
	uint32_t nat = natural_xfer(c, l);

	switch (rng_below(r, 20)) {
	case 0: case 1: return 0;
	case 2: case 3: return 1 + rng_below(r, 4096);
	case 4: return nat + 1 + rng_below(r, 16);
	case 5: return nat > 8 ? nat - 1 - rng_below(r, 8) : nat;
	default: return nat;
	}
}

/* One length field of a parameter list header: offset and width. */
struct hdr_field {
	int off, width;
};

/* Header length fields of the parameter lists that carry them. */
static int param_header_fields(uint8_t op, struct hdr_field *f)
{
	switch (op) {
	case 0x15: /* MODE SELECT(6): mode data length, block descriptor length,
		    * first page's length */
		f[0] = (struct hdr_field){ 0, 1 };
		f[1] = (struct hdr_field){ 3, 1 };
		f[2] = (struct hdr_field){ 5, 1 };
		return 3;
	case 0x55: /* MODE SELECT(10) */
		f[0] = (struct hdr_field){ 0, 2 };
		f[1] = (struct hdr_field){ 6, 2 };
		f[2] = (struct hdr_field){ 9, 1 };
		return 3;
	case 0x42: /* UNMAP: data length, descriptor length, first count */
		f[0] = (struct hdr_field){ 0, 2 };
		f[1] = (struct hdr_field){ 2, 2 };
		f[2] = (struct hdr_field){ 16, 4 };
		return 3;
	case 0x83: /* EXTENDED COPY(LID1): target/segment list, inline data */
		f[0] = (struct hdr_field){ 2, 2 };
		f[1] = (struct hdr_field){ 8, 4 };
		f[2] = (struct hdr_field){ 12, 4 };
		return 3;
	case 0x5f: /* PR OUT: additional parameter data length */
		f[0] = (struct hdr_field){ 24, 4 };
		f[1] = (struct hdr_field){ 28, 2 };
		return 2;
	case 0x1d: case 0x4c: /* SEND DIAGNOSTIC, LOG SELECT: page length */
		f[0] = (struct hdr_field){ 2, 2 };
		return 1;
	case 0x04: case 0x07: /* FORMAT UNIT, REASSIGN BLOCKS: list length */
		f[0] = (struct hdr_field){ 2, 2 };
		return 1;
	case 0x48: /* SANITIZE OVERWRITE: pattern length */
		f[0] = (struct hdr_field){ 2, 2 };
		return 1;
	case 0x8d: case 0xa4: /* WRITE ATTRIBUTE, MAINTENANCE OUT lists */
		f[0] = (struct hdr_field){ 0, 4 };
		return 1;
	default:
		return 0;
	}
}

static void fill_data_out(struct rng *r, struct fuzz_cmd *c, const struct lun *l)
{
	struct hdr_field f[4];
	int n = param_header_fields(c->cdb[0], f);

	for (uint32_t i = 0; i < c->expxfer; i++)
		c->out[i] = (uint8_t)rng_next(r);
	if (c->cdb[0] == 0x15 || c->cdb[0] == 0x55) {
		/* A real page code in the first page, so that the page parser runs. */
		static const uint8_t pages[] = { 0x08, 0x0a, 0x1c, 0x3f, 0x00 };
		int at = c->cdb[0] == 0x15 ? 4 : 8;

		if (c->expxfer > (uint32_t)at)
			c->out[at] = pages[rng_below(r, 5)] | (rng_chance(r, 20) ? 0x40 : 0);
		if (rng_chance(r, 60) && c->expxfer > 3)
			c->out[c->cdb[0] == 0x15 ? 3 : 7] = rng_chance(r, 50) ? 0 : 8;
	}
	if (c->cdb[0] == 0x5f && c->expxfer >= 16) {
		static const uint64_t keys[] = { 0, PR_KEY_A, PR_KEY_B };

		put_be(c->out, 8, keys[rng_below(r, 3)]);
		put_be(c->out + 8, 8, keys[rng_below(r, 3)]);
	}
	if (c->cdb[0] == 0x42 && c->expxfer >= 16)
		put_be(c->out + 8, 8, edge_lba(r, l, 8));
	for (int i = 0; i < n; i++) {
		uint64_t v;

		if ((uint32_t)(f[i].off + f[i].width) > c->expxfer || rng_chance(r, 30))
			continue;
		switch (rng_below(r, 5)) {
		case 0: v = c->expxfer - f[i].off - f[i].width; break;   /* the truth */
		case 1: v = c->expxfer; break;
		case 2: v = width_max(f[i].width); break;
		case 3: v = 0; break;
		default: v = rng_below(r, 64); break;
		}
		put_be(c->out + f[i].off, f[i].width, v & width_max(f[i].width));
	}
}

static uint8_t pick_opcode(struct rng *r, const bool *excluded)
{
	for (;;) {
		uint8_t op = rng_chance(r, 70) ? known_ops[rng_below(r, sizeof(known_ops))]
						 : (uint8_t)rng_next(r);
		if (!excluded[op])
			return op;
	}
}

static void generate(struct rng *r, struct fuzz_cmd *c, const struct lun *l, const bool *excluded)
{
	uint8_t op = pick_opcode(r, excluded);
	struct cdb_layout lay;
	int group_len = group_cdb_len(op, r);

	c->group_len = c->cdb_len = op == 0x7f ? CDB_MAX : group_len;
	for (int i = 0; i < CDB_MAX; i++)
		c->cdb[i] = rng_chance(r, 50) ? 0 : (uint8_t)rng_next(r);
	c->cdb[0] = op;
	/* Mostly-clean CDBs reach deeper than random noise: clear bytes, then
	 * set the fields that matter to edge values. */
	if (rng_chance(r, 75))
		memset(c->cdb + 1, 0, CDB_MAX - 1);
	if (op == 0x7f)
		fill_variable_length(r, c->cdb);
	pick_service_action(r, c->cdb);
	if (rng_chance(r, 60))
		plausible_fields(r, c->cdb);
	lay = layout_of(op, c->group_len);
	if (lay.lba_width && rng_chance(r, has_lba(op) ? 70 : 15))
		put_be(c->cdb + lay.lba_off, lay.lba_width, edge_lba(r, l, lay.lba_width));
	if (rng_chance(r, 85))
		put_be(c->cdb + lay.len_off, lay.len_width, edge_len(r, lay.len_width));
	if (rng_chance(r, 10))   /* a reserved or flag bit somewhere */
		c->cdb[1 + rng_below(r, c->cdb_len - 1)] |= (uint8_t)(1u << rng_below(r, 8));
	if (rng_chance(r, 10))   /* NACA, FLAG, LINK and vendor bits */
		c->cdb[c->cdb_len - 1] = (uint8_t)rng_next(r);
	else
		c->cdb[c->cdb_len - 1] = 0;
	if (rng_chance(r, 5))    /* a length the opcode's group does not have */
		c->cdb_len = 1 + rng_below(r, CDB_MAX);
	for (int i = c->cdb_len; i < CDB_MAX; i++)
		c->cdb[i] = 0;

	c->expxfer = pick_expxfer(r, c, l);
	if (c->expxfer == 0)
		c->dir = SCSI_XFER_NONE;
	else if (is_data_out(op) != rng_chance(r, 5))
		c->dir = SCSI_XFER_WRITE;
	else
		c->dir = SCSI_XFER_READ;
	if (c->dir == SCSI_XFER_WRITE)
		fill_data_out(r, c, l);
}

/* ---- answer checks ---------------------------------------------------- */

static bool status_allowed(int status)
{
	switch (status) {
	case SCSI_STATUS_GOOD:
	case SCSI_STATUS_CHECK_CONDITION:
	case SCSI_STATUS_CONDITION_MET:
	case SCSI_STATUS_BUSY:
	case SCSI_STATUS_RESERVATION_CONFLICT:
	case SCSI_STATUS_TASK_SET_FULL:
		return true;
	default:
		return false;
	}
}

/* Sense keys a target may return (9h vendor specific, Ch obsolete and Fh
 * reserved are not). */
static bool sense_key_valid(unsigned key)
{
	return key <= 0xe && key != 0x9 && key != 0xc;
}

/* The descriptors fill exactly ADDITIONAL SENSE LENGTH. */
static bool descriptors_consistent(const uint8_t *s, unsigned add_len)
{
	unsigned at = 8, end = 8 + add_len;

	while (at < end) {
		if (at + 2 > end || at + 2 + s[at + 1] > end)
			return false;
		at += 2 + s[at + 1];
	}
	return at == end;
}

static void check_sense(const struct fuzz_cmd *c, const struct scsi_task *t)
{
	const uint8_t *seg = t->datain.data;
	unsigned seg_len = t->datain.size, sense_len, add_len, code;
	const uint8_t *s;

	if (!seg || seg_len < 2) {
		violation(c, "CHECK CONDITION without sense data (%u bytes)", seg_len);
		return;
	}
	sense_len = seg[0] << 8 | seg[1];
	s = seg + 2;
	if (sense_len + 2 > seg_len || sense_len < 8) {
		violation(c, "sense length %u in a %u-byte segment", sense_len, seg_len);
		return;
	}
	code = s[0] & 0x7f;
	add_len = s[7];
	if (code == 0x70 || code == 0x71) {
		if (!sense_key_valid(s[2] & 0xf))
			violation(c, "fixed sense with sense key 0x%x", s[2] & 0xf);
		if (8 + add_len != sense_len)
			violation(c, "fixed sense: additional length %u, sense length %u",
				  add_len, sense_len);
		stats.sense_key[s[2] & 0xf]++;
		stats.fixed_sense++;
	} else if (code == 0x72 || code == 0x73) {
		if (!sense_key_valid(s[1] & 0xf))
			violation(c, "descriptor sense with sense key 0x%x", s[1] & 0xf);
		if (8 + add_len != sense_len || !descriptors_consistent(s, add_len))
			violation(c, "descriptor sense: additional length %u, sense length %u",
				  add_len, sense_len);
		stats.sense_key[s[1] & 0xf]++;
		stats.descriptor_sense++;
	} else {
		violation(c, "sense response code 0x%02x", code);
	}
}

/* Allocation length of the opcodes where it bounds the data-in; -1 when
 * the opcode has none the fuzzer knows. */
static long alloc_len_of(const struct fuzz_cmd *c)
{
	const uint8_t *b = c->cdb;

	switch (b[0]) {
	case 0x03: case 0x1a: return b[4];                              /* REQUEST SENSE, MODE SENSE(6) */
	case 0x12: case 0x1c: return (long)get_be(b + 3, 2);            /* INQUIRY, RECEIVE DIAG */
	case 0x25: return 8;                                            /* READ CAPACITY(10) */
	case 0x5a: case 0x4d: case 0x5e: case 0x43: case 0x46: case 0x4a:
	case 0x51: case 0x52: case 0x37: case 0x23: case 0x5c:
		return (long)get_be(b + 7, 2);
	case 0xa0: case 0xa3: case 0xb7: return (long)get_be(b + 6, 4);
	case 0x9e: return (long)get_be(b + 10, 4);
	case 0x84: case 0x8c: return (long)get_be(b + 10, 4);
	case 0x3c: return (long)get_be(b + 6, 3);
	case 0xad: case 0xbd: return (long)get_be(b + 8, 2);
	default: return -1;
	}
}

static void check_data_in(const struct fuzz_cmd *c, const struct scsi_task *t, const struct lun *l)
{
	long got = t->datain.size, alloc;

	if (got > (long)c->expxfer)
		violation(c, "data-in %ld bytes, expected transfer length %u", got, c->expxfer);
	if (c->dir != SCSI_XFER_READ && got > 0)
		violation(c, "data-in of %ld bytes without a read transfer", got);
	if ((alloc = alloc_len_of(c)) >= 0 && got > alloc)
		violation(c, "data-in %ld bytes, allocation length %ld", got, alloc);
	/* A READ that succeeded moves its blocks, cut at the transfer length. */
	if (is_block_read(c->cdb[0]) && c->dir == SCSI_XFER_READ) {
		uint64_t blocks = cdb_xfer(c, l);
		long want = blocks < c->expxfer ? (long)blocks : (long)c->expxfer;

		if (got != want)
			violation(c, "READ moved %ld bytes, not %ld", got, want);
	}
	if (c->dir == SCSI_XFER_READ) {
		long want = (long)c->expxfer - (t->residual_status == SCSI_RESIDUAL_UNDERFLOW ?
						(long)t->residual : 0);
		if (got != want)
			violation(c, "data-in %ld bytes, expected minus residual %ld", got, want);
	}
	if (t->residual_status == SCSI_RESIDUAL_UNDERFLOW && t->residual > c->expxfer)
		violation(c, "underflow residual %ld above the transfer length %u",
			  (long)t->residual, c->expxfer);
}

static void check_answer(const struct fuzz_cmd *c, const struct scsi_task *t, const struct lun *l)
{
	stats.status[t->status & 0xff]++;
	if (!status_allowed(t->status)) {
		violation(c, "status 0x%02x", t->status);
		return;
	}
	if (t->status == SCSI_STATUS_CHECK_CONDITION)
		check_sense(c, t);
	else if (t->status == SCSI_STATUS_GOOD || t->status == SCSI_STATUS_CONDITION_MET)
		check_data_in(c, t, l);
}

/* ---- the run ------------------------------------------------------------- */

static void print_stats(void)
{
	static const char *const keys[16] = {
		"NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR", "HARDWARE ERROR",
		"ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT", "BLANK CHECK", "VENDOR",
		"COPY ABORTED", "ABORTED COMMAND", "OBSOLETE", "VOLUME OVERFLOW", "MISCOMPARE",
		"RESERVED" };

	printf("# %lu commands, %lu probes, %lu transport errors, %lu violations\n", stats.sent,
	       stats.probes, stats.transport_errors, stats.violations);
	printf("#   sense: %lu fixed, %lu descriptor format\n", stats.fixed_sense,
	       stats.descriptor_sense);
	for (int s = 0; s < 256; s++)
		if (stats.status[s])
			printf("#   status 0x%02x: %lu\n", s, stats.status[s]);
	for (int k = 0; k < 16; k++)
		if (stats.sense_key[k])
			printf("#   sense key %x %s: %lu\n", k, keys[k], stats.sense_key[k]);
}

static const struct tool_login_opts login_opts = {
	.initiator = "iqn.2026-11.org.scstd:cdb-fuzz", .timeout_s = CMD_TIMEOUT_S,
};

static int relogin(struct lun *l)
{
	iscsi_destroy_context(l->iscsi);
	l->iscsi = tool_login(l->url, &login_opts, &l->lun);
	return l->iscsi ? 0 : -1;
}

/* Sends one generated command and checks its answer; a transport error
 * is a violation too, after which the session is logged in again. */
static int run_one(struct lun *l, struct fuzz_cmd *c)
{
	struct scsi_task *t;
	char hex[2 * CDB_MAX + 1];

	stats.sent++;
	t = send_cmd(l, c->cdb, c->cdb_len, c->dir, c->expxfer, c->out);
	if (verbose) {
		cdb_hex(c->cdb, c->cdb_len, hex);
		printf("%lu %s %u -> %s\n", c->index, hex, c->expxfer,
		       t ? (t->status == SCSI_STATUS_CHECK_CONDITION ? iscsi_get_error(l->iscsi) : "status")
			 : "transport error");
	}
	if (!t) {
		stats.transport_errors++;
		violation(c, "transport error: %s", iscsi_get_error(l->iscsi));
		return relogin(l);
	}
	check_answer(c, t, l);
	scsi_free_scsi_task(t);
	return 0;
}

static int probe_or_report(struct lun *l, unsigned long index, const char *when)
{
	char why[256] = "";

	if (probe(l, why, sizeof(why)) == 0)
		return 0;
	stats.violations++;
	printf("VIOLATION %s (after command #%lu): the LUN no longer works: %s\n", when, index, why);
	return -1;
}

static int parse_opcode_list(const char *arg, bool *excluded)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (*end || v > 0xff) {
		fprintf(stderr, "bad opcode %s\n", arg);
		return -1;
	}
	excluded[v] = true;
	return 0;
}

int main(int argc, char **argv)
{
	struct lun l = { 0 };
	struct rng r;
	struct fuzz_cmd c;
	bool excluded[256] = { false };
	bool descriptor_sense = false;
	unsigned long seed = 1, iterations = 1000, probe_every = 200;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "s:n:p:x:vd")) != -1) {
		switch (opt) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'n': iterations = strtoul(optarg, NULL, 0); break;
		case 'p': probe_every = strtoul(optarg, NULL, 0); break;
		case 'x': if (parse_opcode_list(optarg, excluded)) return 2; break;
		case 'v': verbose = true; break;
		case 'd': descriptor_sense = true; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || probe_every == 0)
		goto usage;
	l.url = argv[optind];
	l.iscsi = tool_login(l.url, &login_opts, &l.lun);
	if (!l.iscsi)
		return 2;
	if (probe_or_report(&l, 0, "before fuzzing"))
		return 1;
	if (descriptor_sense && mode_select_back(&l, 0x0a, 0, 1)) {
		printf("VIOLATION: MODE SELECT of D_SENSE=1 failed\n");
		return 1;
	}
	c.out = malloc(MAX_XFER + 64);
	if (!c.out)
		return 2;
	r.s = seed;
	for (c.index = 1; c.index <= iterations && l.iscsi; c.index++) {
		generate(&r, &c, &l, excluded);
		if (run_one(&l, &c))
			break;
		if (c.index % probe_every == 0 && probe_or_report(&l, c.index, "probe"))
			break;
	}
	if (!l.iscsi) {
		stats.violations++;
		printf("VIOLATION: login again after a transport error failed\n");
	} else {
		probe_or_report(&l, c.index - 1, "at the end");
		if (clean_up_state(&l)) {
			stats.violations++;
			printf("VIOLATION: MODE SELECT of the default mode pages failed\n");
		}
		probe_or_report(&l, c.index - 1, "after cleaning up");
		iscsi_logout_sync(l.iscsi);
		iscsi_destroy_context(l.iscsi);
	}
	free(c.out);
	printf("# seed %lu on %s\n", seed, l.url);
	print_stats();
	rc = stats.violations ? 1 : 0;
	return rc;
usage:
	fprintf(stderr, "usage: cdb_fuzz [-s SEED] [-n ITERATIONS] [-p PROBE_EVERY] [-x OPCODE]... "
			"[-d] [-v] iscsi://HOST:PORT/IQN/LUN\n");
	return 2;
}
