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
		if (op < 1 || op > 6)
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
