/* test_user_wire.c - the scst_user wire format (scstd <-> out-of-process
 * device handlers) against the layout docs/user-handlers.md documents,
 * byte by byte, and against hostile packets: every wrong length, bad
 * magic, unknown op, non-zero reserved field, unterminated or padded name
 * and out-of-range result is refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/scst_user_wire.h"

static char err[128];

/* Little-endian helpers of the test's own, so the layout is checked
 * independently of the codec's. */
static void w32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff; p[1] = v >> 8 & 0xff; p[2] = v >> 16 & 0xff; p[3] = v >> 24;
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

/* The documented IO packet: "SCU1" | op 3 | 0 | tag | kind | 0 | len | offset | area offset. */
static void test_io_layout(void **state)
{
	uint8_t want[40] = { 'S', 'C', 'U', '1', 3, 0, 0, 0 }, got[SCU_MAX_LEN];
	struct scu_io io = { .tag = 0x1122334455667788ull, .kind = SCU_IO_WRITE, .len = 0x10000,
			     .offset = 0x123456789aull, .area_off = 0x3000 };
	struct scu_io back;

	(void)state;
	w64(want + 8, io.tag);
	want[16] = 2;
	w32(want + 20, 0x10000);
	w64(want + 24, io.offset);
	w64(want + 32, io.area_off);
	assert_int_equal(scu_io_encode(got, &io), 40);
	assert_memory_equal(got, want, 40);
	assert_int_equal(scu_io_decode(want, 40, &back, err, sizeof(err)), 0);
	assert_true(back.tag == io.tag && back.kind == io.kind && back.len == io.len &&
		    back.offset == io.offset && back.area_off == io.area_off);
}

/* DONE: "SCU1" | op 4 | 0 | tag | i32 result | 0. */
static void test_done_layout(void **state)
{
	uint8_t b[24] = { 'S', 'C', 'U', '1', 4, 0, 0, 0 };
	struct scu_done d;

	(void)state;
	w64(b + 8, 77);
	w32(b + 16, (uint32_t)-EIO);
	assert_int_equal(scu_done_decode(b, 24, &d, err, sizeof(err)), 0);
	assert_true(d.tag == 77 && d.result == -EIO);
	w32(b + 16, 1);                                 /* a positive result */
	assert_int_equal(scu_done_decode(b, 24, &d, err, sizeof(err)), -EPROTO);
	w32(b + 16, (uint32_t)-5000);                   /* not an errno */
	assert_int_equal(scu_done_decode(b, 24, &d, err, sizeof(err)), -EPROTO);
	w32(b + 16, 0);
	w32(b + 20, 1);                                 /* reserved */
	assert_int_equal(scu_done_decode(b, 24, &d, err, sizeof(err)), -EPROTO);
}

/* ATTACH: "SCU1" | op 1 | 0 | version | 0 | area bytes | name[256]. */
static void test_attach_layout_and_names(void **state)
{
	uint8_t b[SCU_ATTACH_LEN] = { 'S', 'C', 'U', '1', 1, 0, 0, 0 };
	struct scu_attach a;

	(void)state;
	assert_int_equal(SCU_ATTACH_LEN, 8 + 16 + 256);
	w32(b + 8, 1);
	w64(b + 16, 16u << 20);
	memcpy(b + 24, "disk1", 5);
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), 0);
	assert_string_equal(a.name, "disk1");
	assert_true(a.version == 1 && a.area_bytes == 16u << 20);
	b[24 + 100] = 'x';                              /* garbage after the NUL */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
	memset(b + 24, 'x', 256);                       /* no NUL at all */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
	memset(b + 24, 0, 256);                         /* empty name */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
	memcpy(b + 24, "disk1", 5);
	w32(b + 12, 9);                                 /* unknown mode bit */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
	w32(b + 12, 0x100);                             /* a type without CDB mode */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
	w32(b + 12, 0x101);                             /* CDB mode, type 1 */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), 0);
	assert_true((a.mode & SCU_AM_CDB) && SCU_AM_TYPE(a.mode) == 1);
	w32(b + 12, 0x103);                             /* ... with task management */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), 0);
	assert_true((a.mode & SCU_AM_TM) && SCU_AM_TYPE(a.mode) == 1);
	w32(b + 12, 0x2);                               /* task management without CDB mode */
	assert_int_equal(scu_attach_decode(b, sizeof(b), &a, err, sizeof(err)), -EPROTO);
}

/* TM: "SCU1" | op 7 | 0 | id | u8 fn | u8 0 | u16 0 | u32 0 | tag | LUN. */
static void test_tm_layout_and_hostile(void **state)
{
	uint8_t want[40] = { 'S', 'C', 'U', '1', 7, 0, 0, 0 }, got[SCU_MAX_LEN];
	struct scu_tm t = { .id = 0x0102030405060708ull, .fn = SCU_TM_ABORT_TASK,
			    .tag = 0x0000000500000003ull, .lun = 2 };
	struct scu_tm back;

	(void)state;
	assert_int_equal(SCU_TM_LEN, 40);
	w64(want + 8, t.id);
	want[16] = 1;
	w64(want + 24, t.tag);
	w64(want + 32, 2);
	assert_int_equal(scu_tm_encode(got, &t), 40);
	assert_memory_equal(got, want, 40);
	assert_int_equal(scu_tm_decode(want, 40, &back, err, sizeof(err)), 0);
	assert_true(back.id == t.id && back.fn == 1 && back.tag == t.tag && back.lun == 2);
	/* Every reserved byte. */
	for (unsigned i = 17; i < 24; i++) {
		memcpy(got, want, 40);
		got[i] = 1;
		assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)), -EPROTO);
	}
	/* Functions 1-6 only. */
	memcpy(got, want, 40);
	for (unsigned fn = 0; fn < 256; fn++) {
		got[16] = (uint8_t)fn;
		assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)),
				 fn >= 1 && fn <= 6 ? 0 : -EPROTO);
	}
	/* Id 0 is never sent. */
	memcpy(got, want, 40);
	memset(got + 8, 0, 8);
	assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)), -EPROTO);
	/* Tag 0: a reset of the logical unit, no abort. */
	memcpy(got, want, 40);
	memset(got + 24, 0, 8);
	assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)), -EPROTO);
	got[16] = SCU_TM_LUN_RESET;
	assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)), 0);
	got[16] = SCU_TM_TARGET_RESET;
	assert_int_equal(scu_tm_decode(got, 40, &back, err, sizeof(err)), 0);
	/* Any other length. */
	for (size_t n = 0; n < 40; n++)
		assert_int_equal(scu_tm_decode(want, n, &back, err, sizeof(err)), -EPROTO);
}

/* REGISTER: "SCU1" | op 9 | 0 | version | mode | area bytes | block size
 * | cmd_timeout | 0 | 0 | name[256]. */
static void reg_packet(uint8_t *b, uint32_t mode, uint32_t bs, uint32_t timeout, const char *name)
{
	memset(b, 0, SCU_REGISTER_LEN);
	memcpy(b, "SCU1", 4);
	b[4] = 9;
	w32(b + 8, 1);
	w32(b + 12, mode);
	w64(b + 16, 4u << 20);
	w32(b + 24, bs);
	w32(b + 28, timeout);
	memcpy(b + 40, name, strlen(name));
}

static int reg_decode(uint32_t mode, uint32_t bs, uint32_t timeout, const char *name)
{
	uint8_t b[SCU_REGISTER_LEN];
	struct scu_register r;

	reg_packet(b, mode, bs, timeout, name);
	return scu_register_decode(b, sizeof(b), &r, err, sizeof(err));
}

static void test_register_layout_and_hostile(void **state)
{
	uint8_t want[SCU_REGISTER_LEN], got[SCU_MAX_LEN];
	struct scu_register r = { .version = 1, .mode = SCU_AM_CDB | SCU_AM_TM | 1u << 8,
				  .area_bytes = 4u << 20, .block_size = 0, .cmd_timeout = 30 },
			    back;

	(void)state;
	assert_int_equal(SCU_REGISTER_LEN, 8 + 32 + 256);
	strcpy(r.name, "tape9");
	reg_packet(want, r.mode, 0, 30, "tape9");
	assert_int_equal(scu_register_encode(got, &r), SCU_REGISTER_LEN);
	assert_memory_equal(got, want, SCU_REGISTER_LEN);
	assert_int_equal(scu_register_decode(want, sizeof(want), &back, err, sizeof(err)), 0);
	assert_true(back.mode == r.mode && back.block_size == 0 && back.cmd_timeout == 30 &&
		    back.area_bytes == 4u << 20);
	assert_string_equal(back.name, "tape9");
	/* CDB mode only, types 0..30. */
	assert_int_equal(reg_decode(0, 512, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB | 0x1fu << 8, 512, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB | 0x1eu << 8, 512, 0, "d"), 0);
	assert_int_equal(reg_decode(SCU_AM_CDB | 4 | 1u << 8, 0, 0, "d"), -EPROTO);
	/* A tape: 0 (variable) .. 16 MiB; others a power of two 512..65536. */
	assert_int_equal(reg_decode(SCU_AM_CDB | 1u << 8, 80, 0, "d"), 0);
	assert_int_equal(reg_decode(SCU_AM_CDB | 1u << 8, (1u << 24) + 1, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB, 0, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB, 1000, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB, 256, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB, 131072, 0, "d"), -EPROTO);
	assert_int_equal(reg_decode(SCU_AM_CDB | 5u << 8, 2048, 0, "d"), 0);
	/* cmd_timeout 0 (default) .. 3600. */
	assert_int_equal(reg_decode(SCU_AM_CDB, 512, 3600, "d"), 0);
	assert_int_equal(reg_decode(SCU_AM_CDB, 512, 3601, "d"), -EPROTO);
	/* Names: empty, unterminated, garbage after the NUL. */
	assert_int_equal(reg_decode(SCU_AM_CDB, 512, 0, ""), -EPROTO);
	memcpy(got, want, sizeof(want));
	memset(got + 40, 'x', 256);
	assert_int_equal(scu_register_decode(got, sizeof(want), &back, err, sizeof(err)), -EPROTO);
	memcpy(got, want, sizeof(want));
	got[40 + 200] = 'x';
	assert_int_equal(scu_register_decode(got, sizeof(want), &back, err, sizeof(err)), -EPROTO);
	/* Reserved words, any other length. */
	for (unsigned i = 32; i < 40; i++) {
		memcpy(got, want, sizeof(want));
		got[i] = 1;
		assert_int_equal(scu_register_decode(got, sizeof(want), &back, err, sizeof(err)),
				 -EPROTO);
	}
	for (size_t n = 0; n < SCU_REGISTER_LEN; n++)
		assert_int_equal(scu_register_decode(want, n, &back, err, sizeof(err)), -EPROTO);
	/* An ATTACH is no REGISTER. */
	want[4] = SCU_OP_ATTACH;
	assert_int_equal(scu_register_decode(want, sizeof(want), &back, err, sizeof(err)), -EPROTO);
}

/* UNREGISTER: "SCU1" | op 10 | 0 | u64 0. */
static void test_unregister_layout_and_hostile(void **state)
{
	uint8_t want[16] = { 'S', 'C', 'U', '1', 10, 0, 0, 0 }, got[SCU_MAX_LEN + 1] = { 0 };

	(void)state;
	assert_int_equal(scu_unregister_encode(got), 16);
	assert_memory_equal(got, want, 16);
	assert_int_equal(scu_unregister_decode(want, 16, err, sizeof(err)), 0);
	for (unsigned i = 8; i < 16; i++) {
		memcpy(got, want, 16);
		got[i] = 1;
		assert_int_equal(scu_unregister_decode(got, 16, err, sizeof(err)), -EPROTO);
	}
	memcpy(got, want, 16);
	for (size_t n = 0; n <= SCU_MAX_LEN; n++)
		if (n != 16)
			assert_int_equal(scu_unregister_decode(got, n, err, sizeof(err)), -EPROTO);
}

/* TM_DONE: "SCU1" | op 8 | 0 | id | u8 status | u8 0 | u16 0 | u32 0. */
static void test_tm_done_layout_and_hostile(void **state)
{
	uint8_t want[24] = { 'S', 'C', 'U', '1', 8, 0, 0, 0 }, got[SCU_MAX_LEN + 1];
	struct scu_tm_done d = { .id = 9, .status = SCU_TMS_REJECTED }, back;

	(void)state;
	assert_int_equal(SCU_TM_DONE_LEN, 24);
	w64(want + 8, 9);
	want[16] = 1;
	assert_int_equal(scu_tm_done_encode(got, &d), 24);
	assert_memory_equal(got, want, 24);
	assert_int_equal(scu_tm_done_decode(want, 24, &back, err, sizeof(err)), 0);
	assert_true(back.id == 9 && back.status == SCU_TMS_REJECTED);
	for (unsigned st = 2; st < 256; st++) {
		memcpy(got, want, 24);
		got[16] = (uint8_t)st;
		assert_int_equal(scu_tm_done_decode(got, 24, &back, err, sizeof(err)), -EPROTO);
	}
	for (unsigned i = 17; i < 24; i++) {
		memcpy(got, want, 24);
		got[i] = 0x80;
		assert_int_equal(scu_tm_done_decode(got, 24, &back, err, sizeof(err)), -EPROTO);
	}
	memcpy(got, want, 24);
	memset(got + 8, 0, 8);                          /* id 0 */
	assert_int_equal(scu_tm_done_decode(got, 24, &back, err, sizeof(err)), -EPROTO);
	memcpy(got, want, 24);
	for (size_t n = 0; n <= SCU_MAX_LEN; n++)
		if (n != 24)
			assert_int_equal(scu_tm_done_decode(got, n, &back, err, sizeof(err)), -EPROTO);
	/* A TM_DONE is no DONE, and the other way round, though both are 24 bytes. */
	assert_int_equal(scu_done_decode(want, 24, NULL, err, sizeof(err)), -EPROTO);
	got[4] = SCU_OP_DONE;
	assert_int_equal(scu_tm_done_decode(got, 24, &back, err, sizeof(err)), -EPROTO);
}

/* CMD: "SCU1" | op 5 | 0 | tag | u32 length | u8 dir | u8 CDB length | 0
 * | area offset | LUN | cdb[64]. */
static void test_cmd_layout(void **state)
{
	uint8_t want[SCU_CMD_LEN] = { 'S', 'C', 'U', '1', 5, 0, 0, 0 }, got[SCU_MAX_LEN];
	struct scu_cmd c = { .tag = 0x0102030405060708ull, .len = 0x200, .dir = SCU_DIR_IN,
			     .cdb_len = 6, .area_off = 0x5000, .lun = 3,
			     .cdb = { 0x08, 0x01, 0x00, 0x00, 0x02, 0x00 } };
	struct scu_cmd back;

	(void)state;
	assert_int_equal(SCU_CMD_LEN, 8 + 32 + 64);
	w64(want + 8, c.tag);
	w32(want + 16, 0x200);
	want[20] = 1;
	want[21] = 6;
	w64(want + 24, 0x5000);
	w64(want + 32, 3);
	memcpy(want + 40, c.cdb, 6);
	assert_int_equal(scu_cmd_encode(got, &c), SCU_CMD_LEN);
	assert_memory_equal(got, want, SCU_CMD_LEN);
	assert_int_equal(scu_cmd_decode(want, SCU_CMD_LEN, &back, err, sizeof(err)), 0);
	assert_true(back.tag == c.tag && back.len == 0x200 && back.dir == SCU_DIR_IN &&
		    back.cdb_len == 6 && back.area_off == 0x5000 && back.lun == 3);
	assert_memory_equal(back.cdb, c.cdb, 6);
	want[40 + 6] = 0xff;                            /* a byte past the CDB */
	assert_int_equal(scu_cmd_decode(want, SCU_CMD_LEN, &back, err, sizeof(err)), -EPROTO);
	want[40 + 6] = 0;
	want[21] = 65;                                  /* CDB longer than the field */
	assert_int_equal(scu_cmd_decode(want, SCU_CMD_LEN, &back, err, sizeof(err)), -EPROTO);
	want[21] = 6;
	want[20] = 3;                                   /* no such direction */
	assert_int_equal(scu_cmd_decode(want, SCU_CMD_LEN, &back, err, sizeof(err)), -EPROTO);
	want[20] = 0;                                   /* no data, yet a length */
	assert_int_equal(scu_cmd_decode(want, SCU_CMD_LEN, &back, err, sizeof(err)), -EPROTO);
}

/* CMD_DONE: "SCU1" | op 6 | 0 | tag | u8 status | u8 sense length | 0 |
 * u32 data-in bytes | sense[96]; only SAM-5 device server statuses, CHECK
 * CONDITION with SPC-4 sense (70h-73h, 8 bytes or more), no sense else. */
static void test_cmd_done_layout_and_hostile(void **state)
{
	uint8_t b[SCU_CMD_DONE_LEN] = { 'S', 'C', 'U', '1', 6, 0, 0, 0 };
	static const uint8_t sense[18] = { 0xf0, 0, 0x20, 0, 0, 0, 0x32, 10 };
	struct scu_cmd_done d, enc = { .tag = 9, .status = 2, .sense_len = 18, .resp_len = 100 };

	(void)state;
	assert_int_equal(SCU_CMD_DONE_LEN, 8 + 16 + 96);
	w64(b + 8, 9);
	b[16] = 2;
	b[17] = 18;
	w32(b + 20, 100);
	memcpy(b + 24, sense, sizeof(sense));
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), 0);
	assert_true(d.tag == 9 && d.status == 2 && d.sense_len == 18 && d.resp_len == 100);
	assert_memory_equal(d.sense, sense, sizeof(sense));
	{
		uint8_t e[SCU_MAX_LEN];

		memcpy(enc.sense, sense, sizeof(sense));
		assert_int_equal(scu_cmd_done_encode(e, &enc), SCU_CMD_DONE_LEN);
		assert_memory_equal(e, b, SCU_CMD_DONE_LEN);
	}
	b[24 + 18] = 1;                                 /* a byte past the sense */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[24 + 18] = 0;
	b[17] = 97;                                     /* longer than the field */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[17] = 18;
	b[24] = 0x12;                                   /* not a sense response code */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[24] = 0xf0;
	b[16] = 0;                                      /* GOOD with sense */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[16] = 0x30;                                   /* ACA ACTIVE: not the handler's */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[16] = 2;
	b[17] = 0;                                      /* CHECK CONDITION without sense */
	memset(b + 24, 0, 96);
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
	b[16] = 0x18;                                   /* RESERVATION CONFLICT, no sense */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), 0);
	b[18] = 1;                                      /* reserved */
	assert_int_equal(scu_cmd_done_decode(b, sizeof(b), &d, err, sizeof(err)), -EPROTO);
}

static void test_attach_rsp_roundtrip(void **state)
{
	struct scu_attach_rsp r = { .rc = -EBUSY, .block_size = 4096, .size = 1ull << 40,
				    .flags = SCU_F_READ_ONLY, .max_io = 1u << 20 }, back;
	uint8_t b[SCU_MAX_LEN];

	(void)state;
	memset(r.msg, 'm', sizeof(r.msg));              /* overlong: cut, stays terminated */
	assert_int_equal(scu_attach_rsp_encode(b, &r), SCU_ATTACH_RSP_LEN);
	assert_int_equal(scu_attach_rsp_decode(b, SCU_ATTACH_RSP_LEN, &back, err, sizeof(err)), 0);
	assert_true(back.rc == -EBUSY && back.block_size == 4096 && back.size == 1ull << 40 &&
		    back.flags == SCU_F_READ_ONLY && back.max_io == 1u << 20);
	assert_int_equal(strlen(back.msg), SCU_MSG_LEN - 1);
}

/* A packet whose length is not its op's, a bad magic, an unknown op or a
 * set reserved header field is no packet of any kind. */
static void test_hostile_framing(void **state)
{
	struct scu_io io = { .tag = 1, .kind = SCU_IO_READ, .len = 4096 };
	uint8_t b[SCU_MAX_LEN + 1];
	struct scu_io back;

	(void)state;
	scu_io_encode(b, &io);
	for (size_t n = 0; n <= SCU_MAX_LEN; n++)
		if (n != SCU_IO_LEN)
			assert_int_equal(scu_packet_op(b, n), -EPROTO);
	assert_int_equal(scu_packet_op(b, SCU_IO_LEN), SCU_OP_IO);
	for (unsigned op = 0; op < 300; op++) {
		b[4] = (uint8_t)op;
		b[5] = (uint8_t)(op >> 8);
		/* TM (7) is as long as IO; the other ops are not. */
		if (op < 1 || (op > 3 && op != 7))
			assert_int_equal(scu_packet_op(b, SCU_IO_LEN), -EPROTO);
	}
	scu_io_encode(b, &io);
	b[6] = 1;
	assert_int_equal(scu_packet_op(b, SCU_IO_LEN), -EPROTO);
	scu_io_encode(b, &io);
	b[0] = 'X';
	assert_int_equal(scu_io_decode(b, SCU_IO_LEN, &back, err, sizeof(err)), -EPROTO);
	scu_io_encode(b, &io);
	b[16] = 9;                                      /* unknown kind */
	assert_int_equal(scu_io_decode(b, SCU_IO_LEN, &back, err, sizeof(err)), -EPROTO);
	scu_io_encode(b, &io);                          /* an IO is not a DONE */
	assert_int_equal(scu_attach_decode(b, SCU_IO_LEN, NULL, err, sizeof(err)), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_layout),
		cmocka_unit_test(test_done_layout),
		cmocka_unit_test(test_attach_layout_and_names),
		cmocka_unit_test(test_attach_rsp_roundtrip),
		cmocka_unit_test(test_cmd_layout),
		cmocka_unit_test(test_cmd_done_layout_and_hostile),
		cmocka_unit_test(test_hostile_framing),
		cmocka_unit_test(test_tm_layout_and_hostile),
		cmocka_unit_test(test_tm_done_layout_and_hostile),
		cmocka_unit_test(test_register_layout_and_hostile),
		cmocka_unit_test(test_unregister_layout_and_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
