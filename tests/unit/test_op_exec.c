/* test_op_exec.c - the opcode table and the executor tables agree: every
 * row a device type has runs somewhere (the core for SCST_OP_CORE rows,
 * vdisk for a disk, vcdrom or vdisk for a CD/DVD), no executor waits for
 * a command no row delivers, and the rows a type has are the commands the
 * standards define for it: those SPC-4, SBC-4 and MMC-6 make mandatory
 * are there, none is there that its type's standard does not define.
 * The expectations below come from the standards' command tables, not
 * from scsi_ops.def. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/scst.h"
#include "core/scst_priv.h"
#include "handlers/vcdrom.h"
#include "handlers/vdisk_priv.h"

#define TYPE_DISK  0x00
#define TYPE_CDROM 0x05

/* Per device type: M mandatory (must have a row), O defined by the
 * type's standard (may have one), N not defined for the type (must not). */
enum need { N, O, M };

struct std_cmd {
	uint8_t opcode;
	int sa;                         /* -1: no service action */
	const char *name;
	enum need disk, cdrom;
};

/* The command tables of SPC-4 (commands for all device types), SBC-4
 * (direct access block devices) and MMC-6 (multi-media devices: M for
 * the commands of the features a CD-ROM profile must have: Core,
 * Removable Medium, Random Readable, CD Read).  SPC-4
 * MAINTENANCE IN/OUT (0xA3/0xA4) service actions are defined for every
 * type; MMC-6 gives the same opcodes to SEND KEY/REPORT KEY (no service
 * action), which scstd's CD-ROM does not implement, so the SPC-4 meaning
 * is what a CD/DVD here may answer.  RESERVE/RELEASE are SPC-2's (kept by
 * SCST, obsolete in SPC-4). */
static const struct std_cmd std_cmds[] = {
	/* SPC-4, every type. */
	{ 0x00, -1, "TEST UNIT READY", M, M },
	{ 0x03, -1, "REQUEST SENSE", M, M },
	{ 0x12, -1, "INQUIRY", M, M },
	{ 0xa0, -1, "REPORT LUNS", M, M },
	{ 0x15, -1, "MODE SELECT(6)", O, O },
	{ 0x1a, -1, "MODE SENSE(6)", O, O },
	{ 0x55, -1, "MODE SELECT(10)", O, M },       /* MMC-6: mandatory */
	{ 0x5a, -1, "MODE SENSE(10)", O, M },        /* MMC-6: mandatory */
	{ 0x16, -1, "RESERVE(6)", O, O },
	{ 0x17, -1, "RELEASE(6)", O, O },
	{ 0x56, -1, "RESERVE(10)", O, O },
	{ 0x57, -1, "RELEASE(10)", O, O },
	{ 0x5e, -1, "PERSISTENT RESERVE IN", O, O },
	{ 0x5f, -1, "PERSISTENT RESERVE OUT", O, O },
	{ 0x4d, -1, "LOG SENSE", O, O },
	{ 0x4c, -1, "LOG SELECT", O, O },
	{ 0x3b, -1, "WRITE BUFFER", O, O },
	{ 0x3c, -1, "READ BUFFER", O, O },
	{ 0x1c, -1, "RECEIVE DIAGNOSTIC RESULTS", O, O },
	{ 0x1d, -1, "SEND DIAGNOSTIC", O, O },
	{ 0x83, 0x00, "EXTENDED COPY(LID1)", O, O },
	{ 0x84, 0x00, "RECEIVE COPY STATUS(LID1)", O, O },
	{ 0x84, 0x03, "RECEIVE COPY OPERATING PARAMETERS", O, O },
	{ 0xa3, 0x0a, "REPORT TARGET PORT GROUPS", O, O },
	{ 0xa3, 0x0c, "REPORT SUPPORTED OPERATION CODES", O, O },
	{ 0xa3, 0x0d, "REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS", O, O },
	{ 0xa4, 0x0a, "SET TARGET PORT GROUPS", O, O },
	/* SBC-4 and MMC-6 both. */
	{ 0x1b, -1, "START STOP UNIT", O, M },
	{ 0x1e, -1, "PREVENT ALLOW MEDIUM REMOVAL", O, M },
	{ 0x25, -1, "READ CAPACITY(10)", M, M },
	{ 0x28, -1, "READ(10)", O, M },
	{ 0xa8, -1, "READ(12)", O, O },
	{ 0x2a, -1, "WRITE(10)", O, O },
	{ 0xaa, -1, "WRITE(12)", O, O },
	{ 0x2f, -1, "VERIFY(10)", O, O },
	{ 0x35, -1, "SYNCHRONIZE CACHE(10)", O, O },
	{ 0x04, -1, "FORMAT UNIT", O, O },
	{ 0x2e, -1, "WRITE AND VERIFY(10)", O, O },
	/* SBC-4 only. */
	{ 0x9e, 0x10, "READ CAPACITY(16)", M, N },
	{ 0x08, -1, "READ(6)", O, N },
	{ 0x0a, -1, "WRITE(6)", O, N },
	{ 0x88, -1, "READ(16)", O, N },
	{ 0x8a, -1, "WRITE(16)", O, N },
	{ 0xae, -1, "WRITE AND VERIFY(12)", O, N },
	{ 0x8e, -1, "WRITE AND VERIFY(16)", O, N },
	{ 0xaf, -1, "VERIFY(12)", O, N },
	{ 0x8f, -1, "VERIFY(16)", O, N },
	{ 0x34, -1, "PRE-FETCH(10)", O, N },
	{ 0x90, -1, "PRE-FETCH(16)", O, N },
	{ 0x91, -1, "SYNCHRONIZE CACHE(16)", O, N },
	{ 0x37, -1, "READ DEFECT DATA(10)", O, N },
	{ 0xb7, -1, "READ DEFECT DATA(12)", O, N },
	{ 0x41, -1, "WRITE SAME(10)", O, N },
	{ 0x93, -1, "WRITE SAME(16)", O, N },
	{ 0x42, -1, "UNMAP", O, N },
	{ 0x48, 0x01, "SANITIZE OVERWRITE", O, N },
	{ 0x48, 0x02, "SANITIZE BLOCK ERASE", O, N },
	{ 0x48, 0x03, "SANITIZE CRYPTOGRAPHIC ERASE", O, N },
	{ 0x48, 0x1f, "SANITIZE EXIT FAILURE MODE", O, N },
	{ 0x89, -1, "COMPARE AND WRITE", O, N },
	{ 0x8b, -1, "ORWRITE(16)", O, N },
	{ 0x9c, -1, "WRITE ATOMIC(16)", O, N },
	{ 0x9e, 0x12, "GET LBA STATUS", O, N },
	/* MMC-6 only. */
	{ 0x43, -1, "READ TOC/PMA/ATIP", N, M },
	{ 0x46, -1, "GET CONFIGURATION", N, M },
	{ 0x4a, -1, "GET EVENT STATUS NOTIFICATION", N, M },
	{ 0xbd, -1, "MECHANISM STATUS", N, M },
	{ 0x51, -1, "READ DISC INFORMATION", N, O },
	{ 0x52, -1, "READ TRACK INFORMATION", N, O },
	{ 0xbe, -1, "READ CD", N, O },
	{ 0xb9, -1, "READ CD MSF", N, O },
};

#define STD_COUNT (sizeof(std_cmds) / sizeof(std_cmds[0]))

static enum need need_of(const struct std_cmd *c, int type)
{
	return type == TYPE_DISK ? c->disk : c->cdrom;
}

static void cdb_of(uint8_t opcode, int sa, uint8_t *cdb)
{
	memset(cdb, 0, 16);
	cdb[0] = opcode;
	if (sa >= 0)
		cdb[1] = (uint8_t)sa;
}

static const struct std_cmd *std_cmd_of(const struct scst_opcode_desc *op)
{
	for (unsigned i = 0; i < STD_COUNT; i++)
		if (std_cmds[i].opcode == op->opcode && std_cmds[i].sa == op->sa)
			return &std_cmds[i];
	return NULL;
}

static bool applies(const struct scst_opcode_desc *op, int type)
{
	return op->types & (1u << type);
}

/* Who runs a command of this row on a device of this type. */
static bool has_executor(const struct scst_opcode_desc *op, int type)
{
	if (op->flags & SCST_OP_CORE)
		return scst_core_op_has_executor(op->id);
	return type == TYPE_CDROM ? vcdrom_op_has_executor(op->id) : vdisk_op_has_executor(op->id);
}

static void check_standard_commands(int type)
{
	uint8_t cdb[16];

	for (unsigned i = 0; i < STD_COUNT; i++) {
		const struct std_cmd *c = &std_cmds[i];
		const struct scst_opcode_desc *op;

		cdb_of(c->opcode, c->sa, cdb);
		op = scst_find_opcode(cdb, sizeof(cdb), type);
		if (need_of(c, type) == M && !op)
			fail_msg("type %d: mandatory %s has no row", type, c->name);
		if (need_of(c, type) == N && op)
			fail_msg("type %d: %s is not defined for the type but has a row", type,
				 c->name);
	}
}

/* Each row of the type is a command the type's standard defines, and
 * something runs it. */
static void check_rows(int type)
{
	unsigned count;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	for (unsigned i = 0; i < count; i++) {
		const struct std_cmd *c;

		if (!applies(&t[i], type))
			continue;
		c = std_cmd_of(&t[i]);
		if (!c || need_of(c, type) == N)
			fail_msg("type %d: %s is no command of the type's standard", type, t[i].name);
		if (!has_executor(&t[i], type))
			fail_msg("type %d: %s has no executor", type, t[i].name);
	}
}

static void test_disk_rows_run(void **state)
{
	(void)state;
	check_standard_commands(TYPE_DISK);
	check_rows(TYPE_DISK);
}

static void test_cdrom_rows_run(void **state)
{
	(void)state;
	check_standard_commands(TYPE_CDROM);
	check_rows(TYPE_CDROM);
}

/* True when some main-table row with this id reaches the handler of a
 * device of that type (core rows never reach a handler). */
static bool reaches_handler(enum scsi_op_id id, int type)
{
	unsigned count;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	for (unsigned i = 0; i < count; i++)
		if (t[i].id == id && applies(&t[i], type) && !(t[i].flags & SCST_OP_CORE))
			return true;
	return false;
}

/* The core runs SCST_OP_CORE rows and, for a LUN that does not exist,
 * the NO_LUN_OK ones. */
static bool reaches_core(enum scsi_op_id id)
{
	unsigned count;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);

	for (unsigned i = 0; i < count; i++)
		if (t[i].id == id && (t[i].flags & (SCST_OP_CORE | SCST_OP_NO_LUN_OK)))
			return true;
	return false;
}

static void test_no_unreachable_executor(void **state)
{
	(void)state;
	for (int id = SCSI_OP_NONE; id < SCSI_OP__COUNT; id++) {
		/* vdisk serves disks and, behind vcdrom, CD/DVDs. */
		if (vdisk_op_has_executor(id) &&
		    !reaches_handler(id, TYPE_DISK) && !reaches_handler(id, TYPE_CDROM))
			fail_msg("vdisk executor for id %d: no row reaches it", id);
		if (vcdrom_op_has_own_executor(id) && !reaches_handler(id, TYPE_CDROM))
			fail_msg("vcdrom executor for id %d: no row reaches it", id);
		if (scst_core_op_has_executor(id) && !reaches_core(id))
			fail_msg("core executor for id %d: no row reaches it", id);
	}
}

/* Rows sharing an id are one command: the same opcode and service action
 * in both tables; every declared id has a row somewhere. */
static void note_row(const struct scst_opcode_desc *op, int *opcode, int *sa)
{
	assert_true(op->id > SCSI_OP_NONE && op->id < SCSI_OP__COUNT);
	if (opcode[op->id] < 0) {
		opcode[op->id] = op->opcode;
		sa[op->id] = op->sa;
		return;
	}
	if (opcode[op->id] != op->opcode || sa[op->id] != op->sa)
		fail_msg("%s: id %d shared by another command", op->name, op->id);
}

static void test_ids_name_one_command(void **state)
{
	int opcode[SCSI_OP__COUNT], sa[SCSI_OP__COUNT];
	unsigned count;
	const struct scst_opcode_desc *t = scst_opcode_table(&count);
	uint8_t cdb[16];

	(void)state;
	for (int i = 0; i < SCSI_OP__COUNT; i++)
		opcode[i] = sa[i] = -1;
	for (unsigned i = 0; i < count; i++)
		note_row(&t[i], opcode, sa);
	/* The pass-through rows, by looking every opcode and service action
	 * up for every type. */
	for (int type = 0; type < 32; type++)
		for (int code = 0; code < 256; code++)
			for (int s = 0; s < 32; s++) {
				const struct scst_opcode_desc *op;

				cdb_of((uint8_t)code, s, cdb);
				op = scst_find_passthru_opcode(cdb, sizeof(cdb), type);
				if (op)
					note_row(op, opcode, sa);
			}
	for (int id = SCSI_OP_NONE + 1; id < SCSI_OP__COUNT; id++)
		if (opcode[id] < 0)
			fail_msg("id %d is declared without a row", id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_rows_run),
		cmocka_unit_test(test_cdrom_rows_run),
		cmocka_unit_test(test_no_unreachable_executor),
		cmocka_unit_test(test_ids_name_one_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
