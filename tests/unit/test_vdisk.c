/* test_vdisk.c - the vdisk handlers driven directly (attach + exec, no
 * transport, no I/O thread): INQUIRY, VPD, READ CAPACITY and MODE SENSE
 * payload bytes of a nullio device; MODE SELECT; and fileio READ, WRITE,
 * VERIFY, WRITE SAME, UNMAP, GET LBA STATUS, COMPARE AND WRITE and ORWRITE
 * on a temporary file through the synchronous fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <cmocka.h>

#include "core/cdb.h"
#include "core/scst.h"
#include "handlers/vdisk_lba_lock.h"
#include "handlers/vdisk.h"
#include "handlers/vdisk_priv.h"
#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"

extern struct scst_dev_type vdisk_nullio_type;
extern struct scst_dev_type vdisk_fileio_type;

static unsigned completions;

static void fake_xmit(struct scst_cmd *cmd)
{
	(void)cmd;
	completions++;
}

static struct scst_tgt_template fake_tgtt = { .name = "fake", .xmit_response = fake_xmit };
static struct scst_tgt fake_tgt = { .tgtt = &fake_tgtt, .rel_tgt_id = 7 };
static struct scst_session fake_sess = { .tgt = &fake_tgt };

static struct scst_device dev;
static struct scst_cmd cmd;

static int attach(struct scst_dev_type *dt, const char *name, const struct scst_kv *kv, size_t n)
{
	char err[256] = "";
	int rc;

	memset(&dev, 0, sizeof(dev));
	snprintf(dev.name, sizeof(dev.name), "%s", name);
	dev.handler = dt;
	dev.type = dt->type;
	dev.medium_present = true;
	dev.naa_id = 0x123456789ull;
	list_init(&dev.tgt_devs);
	rc = dt->attach(&dev, kv, n, err, sizeof(err));
	if (rc < 0)
		print_message("attach: %s\n", err);
	return rc;
}

static void detach(void)
{
	dev.handler->detach(&dev);
}

/* A fresh command for cdb on dev, parsed; the parse result. */
static int parse_fresh(const uint8_t *cdb, unsigned len)
{
	free(cmd.buf);
	memset(&cmd, 0, sizeof(cmd));
	memcpy(cmd.cdb, cdb, len);
	cmd.cdb_len = len;
	cmd.dev = &dev;
	cmd.sess = &fake_sess;
	return scst_parse_cdb(&cmd);
}

/* Parses and executes one command; data_out fills the buffer first. */
static void run(const uint8_t *cdb, unsigned len, const void *data_out, uint32_t out_len)
{
	if (parse_fresh(cdb, len) < 0)
		return;
	cmd.buf = malloc(cmd.bufflen ? cmd.bufflen : 1);
	memset(cmd.buf, 0xa5, cmd.bufflen);      /* stale pool data */
	cmd.buf_size = cmd.bufflen;
	if (data_out)
		memcpy(cmd.buf, data_out, out_len < cmd.bufflen ? out_len : cmd.bufflen);
	completions = 0;
	dev.handler->exec(&cmd);
	assert_int_equal(completions, 1);
}

/* As run for a READ, from a transport that takes lent data or not. */
static void run_lending(const uint8_t *cdb, unsigned len, bool lend)
{
	assert_int_equal(parse_fresh(cdb, len), 0);
	cmd.tgt_takes_lent_data = lend;
	cmd.buf = malloc(cmd.bufflen);
	memset(cmd.buf, 0xa5, cmd.bufflen);      /* stale pool data */
	cmd.buf_size = cmd.bufflen;
	completions = 0;
	dev.handler->exec(&cmd);
	assert_int_equal(completions, 1);
}

/* As run, but like the core for a zero-length transfer: no buffer. */
static void run_without_buffer(const uint8_t *cdb, unsigned len)
{
	assert_int_equal(parse_fresh(cdb, len), 0);
	assert_int_equal(cmd.bufflen, 0);
	completions = 0;
	dev.handler->exec(&cmd);
	assert_int_equal(completions, 1);
}

static void assert_good(void)
{
	if (cmd.status != SAM_STAT_GOOD)
		fail_msg("%02x: status %u sense %x/%02x/%02x", cmd.cdb[0], cmd.status,
			 cmd.sense[2] & 0xf, cmd.sense[12], cmd.sense[13]);
}

static void assert_sense(uint8_t key, uint8_t asc, uint8_t ascq)
{
	assert_int_equal(cmd.status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd.sense[2] & 0x0f, key);
	assert_int_equal(cmd.sense[12], asc);
	assert_int_equal(cmd.sense[13], ascq);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int nullio_setup(void **state)
{
	static const struct scst_kv kv[] = { { "size", "4M" }, { "usn", "SN42" } };

	(void)state;
	return attach(&vdisk_nullio_type, "nul0", kv, 2);
}

static int dev_teardown(void **state)
{
	(void)state;
	free(cmd.buf);
	cmd.buf = NULL;
	detach();
	return 0;
}

static void test_standard_inquiry(void **state)
{
	const uint8_t cdb[6] = { 0x12, 0, 0, 0, 96 };
	const uint8_t short_cdb[6] = { 0x12, 0, 0, 0, 5 };

	(void)state;
	run(cdb, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 74);
	assert_int_equal(cmd.buf[0], 0x00);          /* connected, direct access */
	assert_int_equal(cmd.buf[1], 0x00);          /* not removable */
	assert_int_equal(cmd.buf[2], 0x06);          /* SPC-4 */
	assert_int_equal(cmd.buf[3], 0x12);          /* HiSup, format 2 */
	assert_int_equal(cmd.buf[4], 74 - 5);
	assert_int_equal(cmd.buf[5], 0x18);          /* TPGS 01b, 3PC */
	assert_int_equal(cmd.buf[7], 0x02);          /* CmdQue */
	assert_memory_equal(&cmd.buf[8], "SCST_NUL", 8);
	assert_memory_equal(&cmd.buf[16], "nul0            ", 16);
	run(short_cdb, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 5);      /* allocation length wins */
}

static void sas_versions(const struct scst_tgt *tgt, uint16_t *scsi, uint16_t *phys)
{
	(void)tgt;
	*scsi = 0x0c00;                                 /* SAS, SPC-4 table 29 */
	*phys = 0x1320;                                 /* SAS-2 */
}

/* The transport, not the handler, names the port's protocol: INQUIRY's
 * version descriptors and the PROTOCOL IDENTIFIER of the relative target
 * port designator (SPC-4 7.8.6.2, PIV) are the target template's. */
static void test_transport_identity(void **state)
{
	const uint8_t std[6] = { 0x12, 0, 0, 0, 96 };
	const uint8_t ids[6] = { 0x12, 1, 0x83, 0, 255 };
	const uint8_t *d;

	(void)state;
	run(std, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[60] << 8 | cmd.buf[61], 0);    /* none declared */
	run(ids, 6, NULL, 0);
	d = &cmd.buf[4];
	d += 4 + d[3];
	d += 4 + d[3];
	assert_int_equal(d[1], 0x14);                   /* no PIV */
	assert_int_equal(d[0], 0x01);

	fake_tgtt.transport_versions = sas_versions;
	fake_tgtt.has_protocol_id = true;
	fake_tgtt.protocol_id = 0x6;                    /* SAS, SPC-4 7.6.1 */
	run(std, 6, NULL, 0);
	assert_int_equal(cmd.buf[60] << 8 | cmd.buf[61], 0x0c00);
	assert_int_equal(cmd.buf[66] << 8 | cmd.buf[67], 0x1320);
	run(ids, 6, NULL, 0);
	d = &cmd.buf[4];
	d += 4 + d[3];
	d += 4 + d[3];
	assert_int_equal(d[0], 0x61);                   /* SAS, binary */
	assert_int_equal(d[1], 0x94);                   /* PIV, target port, relative id */
	fake_tgtt.transport_versions = NULL;
	fake_tgtt.has_protocol_id = false;
	fake_tgtt.protocol_id = 0;
}

static void test_vpd_pages(void **state)
{
	const uint8_t list[6] = { 0x12, 1, 0x00, 0, 255 };
	const uint8_t serial[6] = { 0x12, 1, 0x80, 0, 255 };
	const uint8_t ids[6] = { 0x12, 1, 0x83, 0, 255 };
	const uint8_t limits[6] = { 0x12, 1, 0xb0, 0, 255 };
	const uint8_t ext[6] = { 0x12, 1, 0x86, 0, 255 };
	const uint8_t lbp[6] = { 0x12, 1, 0xb2, 0, 255 };
	const uint8_t bad[6] = { 0x12, 1, 0x99, 0, 255 };
	const uint8_t *d;

	(void)state;
	run(list, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[3], 6);             /* not thin: no 0xB2 */
	assert_memory_equal(&cmd.buf[4], "\x00\x80\x83\x86\xb0\xb1", 6);

	run(serial, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[1], 0x80);
	assert_int_equal(cmd.buf[3], 4);
	assert_memory_equal(&cmd.buf[4], "SN42", 4);

	run(ids, 6, NULL, 0);
	assert_good();
	d = &cmd.buf[4];
	assert_int_equal(d[1], 0x01);                /* T10 vendor id */
	assert_memory_equal(&d[4], "SCST_NUL", 8);
	/* SCST's default T10 id: "<hex of the generated id>-<name>". */
	assert_true(d[3] > 8 + 5);
	assert_memory_equal(&d[4 + d[3] - 5], "-nul0", 5);
	d += 4 + d[3];
	assert_int_equal(d[1], 0x03);                /* NAA */
	assert_int_equal(d[4] >> 4, 5);
	d += 4 + d[3];
	assert_int_equal(d[1] & 0x3f, 0x14);         /* target port, relative id */
	assert_int_equal(d[7], 7);
	d += 4 + d[3];
	assert_int_equal(d[1] & 0x3f, 0x15);         /* target port group */
	assert_int_equal(d[6] << 8 | d[7], SCST_TARGET_PORT_GROUP_ID);
	assert_int_equal(cmd.resp_data_len, 4u + (cmd.buf[2] << 8 | cmd.buf[3]));

	run(ext, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[1], 0x86);
	assert_int_equal(cmd.buf[3], 0x3c);
	/* SPC-4 byte 5: HEADSUP, ORDSUP, SIMPSUP: the core orders ORDERED
	 * and HEAD OF QUEUE commands (task_order.c, taskset_abort.sh). */
	assert_int_equal(cmd.buf[5], 0x07);
	assert_int_equal(cmd.buf[6], 0x01);          /* volatile cache */

	run(limits, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[4] & 1, 0);         /* WSNZ: 0 blocks = to the end */
	assert_int_equal(cmd.buf[5], 255);           /* MAXIMUM COMPARE AND WRITE LENGTH */
	assert_int_equal(be32(&cmd.buf[8]), scst_max_xfer_bytes() / 512);
	assert_int_equal(be32(&cmd.buf[40]), scst_max_write_same_blocks(&dev));
	/* WRITE ATOMIC(16): maximum length, no alignment or granularity. */
	assert_int_equal(be32(&cmd.buf[44]), scst_max_atomic_blocks(&dev));
	assert_int_equal(be32(&cmd.buf[48]), 0);
	assert_int_equal(be32(&cmd.buf[52]), 0);

	run(lbp, 6, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	run(bad, 6, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_int_equal(cmd.sense[17], 2);
}

static void test_read_capacity(void **state)
{
	const uint8_t rc10[10] = { 0x25 };
	const uint8_t rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };

	(void)state;
	run(rc10, 10, NULL, 0);
	assert_good();
	assert_int_equal(be32(&cmd.buf[0]), 8191);   /* 4 MiB of 512-byte blocks */
	assert_int_equal(be32(&cmd.buf[4]), 512);
	run(rc16, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 32);
	assert_int_equal(be32(&cmd.buf[0]), 0);
	assert_int_equal(be32(&cmd.buf[4]), 8191);
	assert_int_equal(be32(&cmd.buf[8]), 512);
	assert_int_equal(cmd.buf[14], 0);            /* no LBPME */
}

static void test_mode_sense(void **state)
{
	const uint8_t all6[6] = { 0x1a, 0, 0x3f, 0, 255 };
	const uint8_t caching10[10] = { 0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 255 };
	const uint8_t saved[6] = { 0x1a, 0, 0xc8, 0, 255 };
	const uint8_t changeable[6] = { 0x1a, 0x08, 0x48, 0, 255 };
	const uint8_t *p;

	(void)state;
	run(all6, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[0] + 1, cmd.resp_data_len);
	assert_int_equal(cmd.buf[2] & 0x80, 0);      /* not write protected */
	assert_int_equal(cmd.buf[3], 8);             /* one block descriptor */
	assert_int_equal(be32(&cmd.buf[4]), 8192);
	assert_int_equal(cmd.buf[11], 0);            /* 512 = 0x000200 */
	assert_int_equal(cmd.buf[10], 2);
	p = &cmd.buf[12];
	assert_int_equal(p[0], 0x01);
	p += 2 + p[1];
	assert_int_equal(p[0], 0x08);
	assert_int_equal(p[2] & 0x04, 0x04);         /* WCE: write-back cache */
	p += 2 + p[1];
	assert_int_equal(p[0], 0x0a);

	run(caching10, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[7], 0);             /* DBD: no descriptor */
	assert_int_equal(cmd.buf[8], 0x08);
	assert_int_equal(cmd.resp_data_len, 8 + 20);

	run(changeable, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[4 + 2], 0x04);      /* WCE changeable */

	run(saved, 6, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x39, 0);
}

static void test_mode_select(void **state)
{
	const uint8_t sense_caching[6] = { 0x1a, 0x08, 0x08, 0, 255 };
	uint8_t select[6] = { 0x15, 0x10, 0, 0, 24 };
	uint8_t params[24];

	(void)state;
	run(sense_caching, 6, NULL, 0);
	assert_good();
	memcpy(params, cmd.buf, 24);
	params[0] = 0;                               /* mode data length: reserved */
	run(select, 6, params, 24);
	assert_good();                               /* same values: accepted */
	params[4 + 2] &= (uint8_t)~0x04;             /* clear WCE: write-through */
	run(select, 6, params, 24);
	assert_good();
	assert_true(dev.write_through);
	run(sense_caching, 6, NULL, 0);
	assert_int_equal(cmd.buf[4 + 2] & 0x04, 0);
	params[4 + 2] |= 0x04;
	run(select, 6, params, 24);
	assert_good();
	assert_false(dev.write_through);
	params[4 + 2] |= 0x01;                       /* RCD: not changeable */
	run(select, 6, params, 24);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[15], 0x80 | 0x08);  /* SKSV, parameter list, BPV, bit 0 */
	assert_int_equal(cmd.sense[17], 4 + 2);
}

/* Sense-key specific field pointer of fixed-format sense. */
static void assert_field(bool in_cdb, unsigned byte, int bit)
{
	assert_int_equal(cmd.sense[15], 0x80 | (in_cdb ? 0x40 : 0) |
			 (bit >= 0 ? 0x08 | bit : 0));
	assert_int_equal(cmd.sense[16] << 8 | cmd.sense[17], byte);
}

static void test_mode_select_errors(void **state)
{
	const uint8_t sense_control[6] = { 0x1a, 0x08, 0x0a, 0, 255 };
	uint8_t sel6[6] = { 0x15, 0x10, 0, 0, 16 };
	uint8_t sel10[10] = { 0x55, 0x10, 0, 0, 0, 0, 0, 0, 20 };
	uint8_t params[32], p10[32];

	(void)state;
	run(sense_control, 6, NULL, 0);
	assert_good();
	memcpy(params, cmd.buf, 16);
	params[0] = 0;
	sel6[1] = 0x11;                              /* SP: no saved pages */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 0);
	sel6[1] = 0x00;                              /* PF 0 with a page */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 4);
	sel6[1] = 0x10;
	sel6[4] = 3;                                 /* shorter than the header */
	run(sel6, 6, params, 3);
	assert_sense(SK_ILLEGAL_REQUEST, 0x1a, 0);
	sel6[4] = 10;                                /* page cut short */
	run(sel6, 6, params, 10);
	assert_sense(SK_ILLEGAL_REQUEST, 0x1a, 0);
	sel6[4] = 16;
	params[5] = 9;                               /* wrong page length */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_field(false, 5, -1);
	params[5] = 10;
	params[4] = 0x4a;                            /* SPF: no subpages */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_field(false, 4, 6);
	params[4] = 0x1c;                            /* a page we do not have */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_field(false, 4, 5);
	params[4] = 0x0a;
	params[3] = 4;                               /* bad descriptor length */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_field(false, 3, -1);
	params[3] = 0;
	params[4 + 3] ^= 0x06;                       /* QERR: not changeable */
	run(sel6, 6, params, 16);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_field(false, 7, 2);
	params[4 + 3] ^= 0x06;

	/* SWP, TAS, D_SENSE through MODE SELECT(10); WP shows in MODE SENSE. */
	memset(p10, 0, sizeof(p10));
	memcpy(&p10[8], &params[4], 12);
	p10[8 + 2] |= 0x04;
	p10[8 + 4] |= 0x08;
	p10[8 + 5] |= 0x40;
	run(sel10, 10, p10, 20);
	assert_good();
	assert_true(dev.swp);
	assert_true(dev.tas);
	assert_true(dev.d_sense);
	run(sense_control, 6, NULL, 0);
	assert_int_equal(cmd.buf[2] & 0x80, 0x80);   /* WP */
	assert_int_equal(cmd.buf[4 + 4] & 0x08, 0x08);
	p10[8 + 2] &= (uint8_t)~0x04;
	p10[8 + 4] &= (uint8_t)~0x08;
	p10[8 + 5] &= (uint8_t)~0x40;
	run(sel10, 10, p10, 20);
	assert_good();
	assert_false(dev.swp || dev.tas || dev.d_sense);
}

/* LOG SENSE of a device without thin provisioning: pages 00h and 2Fh,
 * their subpage lists, and every CDB field refused with its pointer. */
static void test_log_sense(void **state)
{
	const uint8_t pages[10] = { 0x4d, 0, 0x40, 0, 0, 0, 0, 0, 64 };
	const uint8_t subpages[10] = { 0x4d, 0, 0x40, 0xff, 0, 0, 0, 0, 64 };
	const uint8_t ie[10] = { 0x4d, 0, 0x6f, 0, 0, 0, 0, 0, 64 };
	const uint8_t ie_default[10] = { 0x4d, 0, 0xef, 0, 0, 0, 0, 0, 64 };
	const uint8_t ie_subpages[10] = { 0x4d, 0, 0x6f, 0xff, 0, 0, 0, 0, 64 };
	const uint8_t ie_short[10] = { 0x4d, 0, 0x6f, 0, 0, 0, 0, 0, 6 };
	const uint8_t lbp[10] = { 0x4d, 0, 0x4c, 0, 0, 0, 0, 0, 64 };
	const uint8_t temperature[10] = { 0x4d, 0, 0x4d, 0, 0, 0, 0, 0, 64 };
	const uint8_t bad_sub[10] = { 0x4d, 0, 0x40, 0x01, 0, 0, 0, 0, 64 };
	const uint8_t ie_bad_sub[10] = { 0x4d, 0, 0x6f, 0x02, 0, 0, 0, 0, 64 };
	const uint8_t sp[10] = { 0x4d, 0x01, 0x40, 0, 0, 0, 0, 0, 64 };
	const uint8_t ppc[10] = { 0x4d, 0x02, 0x40, 0, 0, 0, 0, 0, 64 };
	const uint8_t pointer[10] = { 0x4d, 0, 0x40, 0, 0, 0, 1, 0, 64 };
	const uint8_t ie_pointer[10] = { 0x4d, 0, 0x6f, 0, 0, 0, 1, 0, 64 };
	const uint8_t ie_pointer0[10] = { 0x4d, 0, 0x6f, 0, 0, 0, 0, 0, 64 };

	(void)state;
	run(pages, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 6);
	assert_memory_equal(cmd.buf, "\x00\x00\x00\x02\x00\x2f", 6);
	run(subpages, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 12);
	assert_memory_equal(cmd.buf, "\x40\xff\x00\x08\x00\x00\x00\xff\x2f\x00\x2f\xff", 12);
	/* Informational exceptions: DS, one general parameter, no failure
	 * predicted; every page control reads the same. */
	run(ie, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 10);
	assert_memory_equal(cmd.buf, "\xaf\x00\x00\x06\x00\x00\x03\x02\x00\x00", 10);
	run(ie_default, 10, NULL, 0);
	assert_good();
	assert_memory_equal(cmd.buf, "\xaf\x00\x00\x06\x00\x00\x03\x02\x00\x00", 10);
	run(ie_pointer0, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 10);
	run(ie_short, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 6);         /* allocation length wins */
	run(ie_subpages, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 8);
	assert_memory_equal(cmd.buf, "\x6f\xff\x00\x04\x2f\x00\x2f\xff", 8);
	/* No thin provisioning: no page 0Ch. */
	run(lbp, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 2, 5);
	run(temperature, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 2, 5);
	run(bad_sub, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 3, -1);
	run(ie_bad_sub, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 3, -1);
	run(sp, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 0);
	run(ppc, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 1);
	run(pointer, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 5, -1);
	run(ie_pointer, 10, NULL, 0);                   /* past parameter 0000h */
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 5, -1);
}

/* READ/WRITE BUFFER: mode 02h round trip at an offset, 03h descriptor,
 * and every CDB field check. */
static void test_read_write_buffer(void **state)
{
	const uint32_t cap = SCST_DATA_BUFFER_BYTES;
	const uint8_t wr[10] = { 0x3b, 0x02, 0, 0, 0x01, 0x00, 0, 0, 8 };
	const uint8_t rd[10] = { 0x3c, 0x02, 0, 0, 0x00, 0xfc, 0, 0, 16 };
	const uint8_t desc[10] = { 0x3c, 0x03, 0, 0, 0, 0, 0, 0, 4 };
	const uint8_t bad_mode[10] = { 0x3b, 0x05, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t rd_desc_mode_wr[10] = { 0x3b, 0x03, 0, 0, 0, 0, 0, 0, 4 };
	const uint8_t bad_id[10] = { 0x3c, 0x02, 1, 0, 0, 0, 0, 0, 8 };
	uint8_t past_end[10] = { 0x3c, 0x02, 0, 0, 0, 0, 0, 0, 9 };
	uint8_t bad_off[10] = { 0x3b, 0x02, 0 };
	const uint8_t desc_off[10] = { 0x3c, 0x03, 0, 0, 0, 1, 0, 0, 4 };
	const uint8_t zero_len[10] = { 0x3c, 0x02, 0, 0, 0x01, 0x00, 0, 0, 0 };
	const uint8_t data[8] = "scstdbuf";

	(void)state;
	run(rd, 10, NULL, 0);
	assert_good();
	for (int i = 0; i < 16; i++)
		assert_int_equal(cmd.buf[i], 0);     /* never written: zeros */
	run(wr, 10, data, 8);
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 16);
	assert_memory_equal(&cmd.buf[4], data, 8);   /* written at 0x100 */
	assert_int_equal(cmd.buf[3], 0);
	assert_int_equal(cmd.buf[12], 0);
	run(desc, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[0], 0);             /* byte offsets */
	assert_int_equal((uint32_t)cmd.buf[1] << 16 | cmd.buf[2] << 8 | cmd.buf[3], cap);

	run(bad_mode, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 4);
	run(rd_desc_mode_wr, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 4);
	run(bad_id, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 2, -1);
	past_end[3] = (uint8_t)((cap - 8) >> 16);
	past_end[4] = (uint8_t)((cap - 8) >> 8);
	past_end[5] = (uint8_t)(cap - 8);
	run(past_end, 10, NULL, 0);                  /* 9 bytes from cap - 8 */
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 6, -1);
	bad_off[3] = (uint8_t)((cap + 1) >> 16);
	bad_off[4] = (uint8_t)((cap + 1) >> 8);
	bad_off[5] = (uint8_t)(cap + 1);
	run(bad_off, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 3, -1);
	run(desc_off, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 3, -1);
	/* Found by cdb_fuzz: ALLOCATION LENGTH 0 copied into a NULL buffer. */
	run_without_buffer(zero_len, 10);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 0);
}

/* MAINTENANCE IN: REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS and REPORT
 * TARGET PORT GROUPS (the command's own port in the one group). */
static void test_maintenance_in(void **state)
{
	const uint8_t tmfs[12] = { 0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t tmfs_repd[12] = { 0xa3, 0x0d, 0x80, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t rtpg[12] = { 0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t rtpg_ext[12] = { 0xa3, 0x2a, 0, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t rtpg_bad[12] = { 0xa3, 0x4a, 0, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t bad_sa[12] = { 0xa3, 0x05, 0, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t tmfs_rsvd[12] = { 0xa3, 0x0d, 0x40, 0, 0, 0, 0, 0, 0, 16 };

	(void)state;
	run(tmfs, 12, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 4);
	assert_int_equal(cmd.buf[0], 0xde);          /* ATS ATSS CTSS LURS QTS TRS */
	assert_int_equal(cmd.buf[1], 0x06);          /* QUAS QTSS */
	run(tmfs_repd, 12, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 16);
	assert_int_equal(cmd.buf[3], 0x0c);
	run(tmfs_rsvd, 12, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 2, 6);

	run(rtpg, 12, NULL, 0);
	assert_good();
	assert_int_equal(be32(cmd.buf), 12);         /* one group, one port */
	assert_int_equal(cmd.buf[4], 0x80);          /* PREF, active/optimized */
	assert_int_equal(cmd.buf[5], 0x01);          /* AO_SUP */
	assert_int_equal(cmd.buf[6] << 8 | cmd.buf[7], SCST_TARGET_PORT_GROUP_ID);
	assert_int_equal(cmd.buf[11], 1);
	assert_int_equal(cmd.buf[14] << 8 | cmd.buf[15], 7);
	assert_int_equal(cmd.resp_data_len, 16);
	run(rtpg_ext, 12, NULL, 0);
	assert_good();
	/* RETURN DATA LENGTH counts every byte after itself, the rest of the
	 * extended header included: Linux's scsi_dh_alua walks descriptors
	 * from byte 8 up to that length + 4. */
	assert_int_equal(be32(cmd.buf), 16);
	assert_int_equal(cmd.buf[4], 0x10);          /* extended header */
	assert_int_equal(cmd.resp_data_len, 20);
	run(rtpg_bad, 12, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 6);                    /* format 010b */
	run(bad_sa, 12, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 1, 4);
}

static void test_nullio_io(void **state)
{
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 2 };
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 1 };
	const uint8_t tur[6] = { 0 }, sync10[10] = { 0x35 };
	uint8_t zero[1024], data[512];

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(data, 0x5a, sizeof(data));
	run(wr, 10, data, 512);
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 1024);
	assert_memory_equal(cmd.buf, zero, 1024);   /* zeros, not stale data */
	run(tur, 6, NULL, 0);
	assert_good();
	run(sync10, 10, NULL, 0);
	assert_good();
}

/* Zero-copy READ: with a transport that takes lent data, a nullio READ of
 * any size is answered with zeros lent in place, the buffer left alone;
 * without it the buffer is cleared as before. */
static void test_nullio_lent_read(void **state)
{
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 0x80 };   /* 64 KiB */
	const uint8_t rd_small[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8 };
	static uint8_t zero[65536];

	(void)state;
	run_lending(rd, 10, true);
	assert_good();
	assert_non_null(cmd.resp_lent);
	assert_int_equal(cmd.resp_data_len, 65536);
	assert_memory_equal(scst_cmd_resp_data(&cmd), zero, 65536);
	assert_int_equal(cmd.buf[0], 0xa5);            /* not copied into */
	run_lending(rd, 10, false);
	assert_good();
	assert_null(cmd.resp_lent);
	assert_memory_equal(cmd.buf, zero, 65536);
	run_lending(rd_small, 10, true);
	assert_non_null(cmd.resp_lent);
	assert_memory_equal(scst_cmd_resp_data(&cmd), zero, 4096);
}

static char tmp_path[64];

static int fileio_attach_tmp(bool thin)
{
	struct scst_kv kv[2] = { { "filename", tmp_path }, { "thin_provisioned", "1" } };
	int fd;

	snprintf(tmp_path, sizeof(tmp_path), "/tmp/test_vdisk_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		return -1;
	close(fd);
	return attach(&vdisk_fileio_type, "file0", kv, thin ? 2 : 1);
}

/* A 2 MiB sparse file in /dev/shm (tmpfs: holes are not resident). */
static int fileio_shm_setup(void **state)
{
	struct scst_kv kv[1] = { { "filename", tmp_path } };
	int fd;

	(void)state;
	snprintf(tmp_path, sizeof(tmp_path), "/dev/shm/test_vdisk_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0 || ftruncate(fd, 2 << 20) < 0)
		return -1;
	close(fd);
	return attach(&vdisk_fileio_type, "file0", kv, 1);
}

static int fileio_setup(void **state)
{
	(void)state;
	return fileio_attach_tmp(false);
}

static int fileio_thin_setup(void **state)
{
	(void)state;
	return fileio_attach_tmp(true);
}

static int fileio_teardown(void **state)
{
	dev_teardown(state);
	unlink(tmp_path);
	return 0;
}

/* Zero-copy READ from fileio: a READ of resident pages is lent from the
 * mapping of the file (the same bytes, the buffer left alone) and shows
 * what a later WRITE put there; a READ over a hole of a sparse tmpfs file
 * is not lent (a fault through the mapping would allocate the hole) but
 * read as zeros; small READs and transports without lending are copied. */
static void test_fileio_lent_read(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 0x80 };    /* 64 KiB at 0 */
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 0x80 };
	const uint8_t rd_small[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t rd_hole[10] = { 0x28, 0, 0, 0, 0x08, 0, 0, 0, 0x80 };  /* at 1 MiB */
	static uint8_t data[65536], zero[65536];

	(void)state;
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	run(wr, 10, data, sizeof(data));
	assert_good();
	run_lending(rd, 10, true);
	assert_good();
	assert_non_null(cmd.resp_lent);
	assert_int_equal(cmd.resp_data_len, 65536);
	assert_memory_equal(cmd.resp_lent, data, 65536);
	assert_int_equal(cmd.buf[0], 0xa5);
	run_lending(rd_small, 10, true);
	assert_good();
	assert_null(cmd.resp_lent);
	assert_memory_equal(cmd.buf, data, 4096);
	run_lending(rd, 10, false);
	assert_good();
	assert_null(cmd.resp_lent);
	assert_memory_equal(cmd.buf, data, 65536);
	run_lending(rd_hole, 10, true);
	assert_good();
	assert_null(cmd.resp_lent);
	assert_memory_equal(cmd.buf, zero, 65536);
	data[0] ^= 0xff;
	run(wr, 10, data, sizeof(data));
	assert_good();
	run_lending(rd, 10, true);
	assert_non_null(cmd.resp_lent);
	assert_memory_equal(cmd.resp_lent, data, 65536);
}

static void test_fileio_round_trip(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0x08, 0, 0, 0, 10, 0, 0, 4 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 10, 0, 0, 4 };
	const uint8_t vfy[10] = { 0x2f, 0x02, 0, 0, 0, 10, 0, 0, 4 };
	const uint8_t vfy0[10] = { 0x2f, 0, 0, 0, 0, 10, 0, 0, 4 };
	const uint8_t sync16[16] = { 0x91 };
	uint8_t data[2048];

	(void)state;
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	run(wr, 10, data, sizeof(data));
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 2048);
	assert_memory_equal(cmd.buf, data, 2048);
	run(vfy, 10, data, sizeof(data));
	assert_good();
	run(vfy0, 10, NULL, 0);
	assert_good();
	data[700] ^= 0xff;
	run(vfy, 10, data, sizeof(data));
	assert_sense(SK_MISCOMPARE, 0x1d, 0);
	assert_int_equal(cmd.sense[0], 0xf0);        /* VALID: INFORMATION set */
	assert_int_equal(be32(&cmd.sense[3]), 700);
	run(sync16, 16, NULL, 0);
	assert_good();
}

/* COMPARE AND WRITE: equal data is replaced, a difference leaves the
 * medium alone and reports MISCOMPARE at the first differing byte, zero
 * blocks is a no-op, and the range lock is given back every time. */
static void test_fileio_compare_and_write(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 20, 0, 0, 2 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 20, 0, 0, 2 };
	const uint8_t caw[16] = { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2 };
	const uint8_t caw0[16] = { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 20 };
	static uint8_t a[1024], data[2048];

	(void)state;
	memset(a, 'A', sizeof(a));
	run(wr, 10, a, sizeof(a));
	assert_good();
	memset(data, 'A', 1024);
	memset(data + 1024, 'B', 1024);
	run(caw, 16, data, sizeof(data));
	assert_good();
	assert_int_equal(cmd.bufflen, 2048);
	assert_false(vdisk_lba_lock_taken(&cmd));
	run(rd, 10, NULL, 0);
	assert_good();
	assert_memory_equal(cmd.buf, data + 1024, 1024);

	/* The medium now holds 'B': comparing with 'A' fails at byte 0... */
	run(caw, 16, data, sizeof(data));
	assert_sense(SK_MISCOMPARE, 0x1d, 0);
	assert_int_equal(be32(&cmd.sense[3]), 0);
	/* ...and comparing with 'B' but one byte fails exactly there. */
	memset(data, 'B', 1024);
	data[600] = 'Z';
	memset(data + 1024, 'C', 1024);
	run(caw, 16, data, sizeof(data));
	assert_sense(SK_MISCOMPARE, 0x1d, 0);
	assert_int_equal(cmd.sense[0], 0xf0);        /* VALID: INFORMATION set */
	assert_int_equal(be32(&cmd.sense[3]), 600);
	assert_false(vdisk_lba_lock_taken(&cmd));
	run(rd, 10, NULL, 0);
	assert_good();
	for (unsigned i = 0; i < 1024; i++)
		assert_int_equal(cmd.buf[i], 'B');

	run(caw0, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.bufflen, 0);
}

/* ORWRITE: each byte written is the medium's byte ORed with the data. */
static void test_fileio_orwrite(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 30, 0, 0, 1 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 30, 0, 0, 1 };
	const uint8_t orw[16] = { 0x8b, 0, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 1 };
	uint8_t medium[512], data[512];

	(void)state;
	for (unsigned i = 0; i < 512; i++) {
		medium[i] = (uint8_t)(i & 0x0f);
		data[i] = (uint8_t)(i * 13) & 0xf0;
	}
	run(wr, 10, medium, sizeof(medium));
	assert_good();
	run(orw, 16, data, sizeof(data));
	assert_good();
	assert_false(vdisk_lba_lock_taken(&cmd));
	run(rd, 10, NULL, 0);
	assert_good();
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(cmd.buf[i], medium[i] | data[i]);
}

static void test_fileio_write_same(void **state)
{
	const uint8_t ws[10] = { 0x41, 0, 0, 0, 0, 20, 0, 0, 3 };
	const uint8_t ws_unmap[10] = { 0x41, 0x08, 0, 0, 0, 20, 0, 0, 3 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 20, 0, 0, 3 };
	uint8_t block[512];

	(void)state;
	memset(block, 0x3c, sizeof(block));
	run(ws, 10, block, sizeof(block));
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	for (unsigned i = 0; i < 3; i++)
		assert_memory_equal(cmd.buf + i * 512, block, 512);
	run(ws_unmap, 10, block, sizeof(block));     /* not thin: UNMAP bit refused */
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
}

static void test_fileio_unmap_not_thin(void **state)
{
	const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24 };
	uint8_t list[24] = { 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	(void)state;
	run(unmap, 10, list, sizeof(list));
	assert_sense(SK_ILLEGAL_REQUEST, 0x20, 0);
}

static void test_fileio_thin(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24 };
	const uint8_t lba_status[16] = { 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 24 };
	const uint8_t rc16[16] = { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32 };
	const uint8_t lbp[6] = { 0x12, 1, 0xb2, 0, 255 };
	/* one descriptor: LBA 0, 16 blocks (one 8 KiB file system extent) */
	uint8_t list[24] = { 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16 };
	uint8_t bad_list[24] = { 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0, 0, 1 };
	uint8_t data[8192], zero[8192];

	(void)state;
	run(rc16, 16, NULL, 0);
	assert_int_equal(cmd.buf[14], 0xc0);         /* LBPME, LBPRZ */
	run(lbp, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[5], 0xe4);
	memset(data, 0x77, sizeof(data));
	memset(zero, 0, sizeof(zero));
	run(wr, 10, data, sizeof(data));
	assert_good();
	run(lba_status, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[20], 0);            /* mapped */
	run(unmap, 10, list, sizeof(list));
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	assert_memory_equal(cmd.buf, zero, sizeof(zero));
	run(lba_status, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[20], 1);            /* deallocated */
	run(unmap, 10, bad_list, sizeof(bad_list));  /* LBA 0x800 past 1 MiB */
	assert_sense(SK_ILLEGAL_REQUEST, 0x21, 0);
}

static void test_fileio_missing_file(void **state)
{
	const struct scst_kv kv[] = { { "filename", "/nonexistent/dir/x.img" } };
	struct scst_device d;
	char err[256] = "";

	(void)state;
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "missing");
	assert_true(vdisk_fileio_type.attach(&d, kv, 1, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/dir/x.img"));
	memset(&d, 0, sizeof(d));
	assert_true(vdisk_fileio_type.attach(&d, NULL, 0, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "filename"));
}

static void test_nullio_params(void **state)
{
	const struct scst_kv bad_bs[] = { { "blocksize", "1000" } };
	const struct scst_kv bs4k[] = { { "size_mb", "2" }, { "blocksize", "4096" },
					{ "read_only", "1" } };
	const uint8_t ms6[6] = { 0x1a, 0, 0x3f, 0, 255 };

	(void)state;
	assert_true(attach(&vdisk_nullio_type, "n1", bad_bs, 1) < 0);
	assert_int_equal(attach(&vdisk_nullio_type, "n2", bs4k, 3), 0);
	assert_int_equal(dev.block_size, 4096);
	assert_int_equal(dev.nblocks, 512);
	assert_true(dev.read_only);
	run(ms6, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[2] & 0x80, 0x80);   /* WP */
	free(cmd.buf);
	cmd.buf = NULL;
	detach();
}

/* Without usn/t10_dev_id the identity comes from the device name and
 * setup_id as in SCST's vdisk (vdisk_gen_dev_id_num): the serial number
 * is the hex of setup_id << 32 | CRC-32C of the name, the T10 id that hex,
 * '-' and the name. */
static void test_default_identity(void **state)
{
	(void)state;
	assert_int_equal(attach(&vdisk_nullio_type, "disk1", NULL, 0), 0);
	assert_string_equal(dev.usn, "b8fdbd32");
	assert_string_equal(dev.t10_dev_id, "b8fdbd32-disk1");
	detach();
	scst_set_setup_id(0x1234);
	assert_int_equal(attach(&vdisk_nullio_type, "disk1", NULL, 0), 0);
	scst_set_setup_id(0);
	assert_string_equal(dev.usn, "1234b8fdbd32");
	assert_string_equal(dev.t10_dev_id, "1234b8fdbd32-disk1");
	assert_string_equal(dev.t10_vend_id, "SCST_NUL");
	assert_int_equal(dev.nblocks, (1u << 30) / 512);
	detach();
}

static void test_dummy_and_nv_cache(void **state)
{
	const struct scst_kv dummy[] = { { "dummy", "1" } };
	const struct scst_kv nv[] = { { "filename", tmp_path }, { "nv_cache", "1" } };
	const uint8_t inq[6] = { 0x12, 0, 0, 0, 36 };
	const uint8_t caching[6] = { 0x1a, 0x08, 0x08, 0, 255 };

	(void)state;
	assert_int_equal(attach(&vdisk_nullio_type, "dummy0", dummy, 1), 0);
	run(inq, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[0], 0x3f);
	detach();
	assert_int_equal(fileio_attach_tmp(false), 0);
	detach();
	assert_int_equal(attach(&vdisk_fileio_type, "nv0", nv, 2), 0);
	run(caching, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[4 + 2] & 0x04, 0);  /* WCE clear */
	fileio_teardown(state);
}

/* READ DEFECT DATA: both lists valid and empty, in the format asked for;
 * the header is cut to the allocation length. */
static void test_read_defect_data(void **state)
{
	const uint8_t rdd10[10] = { 0x37, 0, 0x18 | 0x05, 0, 0, 0, 0, 0, 32 };
	const uint8_t rdd12[12] = { 0xb7, 0x08 | 0x03, 0, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t rdd10_short[10] = { 0x37, 0, 0x10, 0, 0, 0, 0, 0, 2 };

	(void)state;
	run(rdd10, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 4);
	assert_int_equal(cmd.buf[1], 0x1d);          /* PLISTV, GLISTV, format 5 */
	assert_int_equal(cmd.buf[2] << 8 | cmd.buf[3], 0);
	run(rdd12, 12, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 8);
	assert_int_equal(cmd.buf[1], 0x0b);          /* GLISTV only, format 3 */
	assert_int_equal(be32(&cmd.buf[4]), 0);
	run(rdd10_short, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 2);
}

/* WRITE ATOMIC(16) writes like WRITE(16); WRITE SAME with 0 blocks
 * reaches the last block. */
static void test_fileio_write_atomic_and_same_to_end(void **state)
{
	const uint8_t wa[16] = { 0x9c, 0x08, 0, 0, 0, 0, 0, 0, 0, 30, 0, 0, 0, 2, 0, 0 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 30, 0, 0, 2 };
	/* 1 MiB = 2048 blocks: WRITE SAME(10) from 2040, NUMBER OF BLOCKS 0 */
	const uint8_t ws_end[10] = { 0x41, 0, 0, 0, 0x07, 0xf8, 0, 0, 0 };
	const uint8_t rd_end[10] = { 0x28, 0, 0, 0, 0x07, 0xf8, 0, 0, 8 };
	uint8_t data[1024], block[512];

	(void)state;
	memset(data, 0x5e, sizeof(data));
	run(wa, 16, data, sizeof(data));
	assert_good();
	run(rd, 10, NULL, 0);
	assert_good();
	assert_memory_equal(cmd.buf, data, sizeof(data));
	memset(block, 0x42, sizeof(block));
	run(ws_end, 10, block, sizeof(block));
	assert_good();
	assert_int_equal(cmd.nblocks, 8);
	run(rd_end, 10, NULL, 0);
	assert_good();
	for (unsigned i = 0; i < 8; i++)
		assert_memory_equal(cmd.buf + i * 512, block, 512);
}

/* SANITIZE OVERWRITE parameter list checks (INVALID FIELD IN PARAMETER
 * LIST with the field pointer), then a good overwrite of the whole LUN
 * with an inverted second pass, and BLOCK ERASE leaving zeros. */
static void test_fileio_sanitize(void **state)
{
	const uint8_t ow[10] = { 0x48, 0x01, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t erase[10] = { 0x48, 0x02 };
	const uint8_t exit_failure[10] = { 0x48, 0x1f };
	const uint8_t rd_last[10] = { 0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 1 };
	const uint8_t count0[8] = { 0x00, 0, 0, 4, 1, 2, 3, 4 };
	const uint8_t test_field[8] = { 0x21, 0, 0, 4, 1, 2, 3, 4 };
	const uint8_t reserved1[8] = { 0x01, 0x01, 0, 4, 1, 2, 3, 4 };
	const uint8_t plen0[8] = { 0x01, 0, 0, 0, 1, 2, 3, 4 };
	const uint8_t plen_long[8] = { 0x01, 0, 0, 5, 1, 2, 3, 4 };
	const uint8_t two_passes_inverted[8] = { 0x82, 0, 0, 4, 0x0f, 0xf0, 0x55, 0xaa };

	(void)state;
	run(ow, 10, count0, 8);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 0);
	assert_int_equal(cmd.sense[15] & 0x0f, 0x08 | 4);
	run(ow, 10, test_field, 8);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[15] & 0x0f, 0x08 | 6);
	run(ow, 10, reserved1, 8);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 1);
	run(ow, 10, plen0, 8);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 2);
	run(ow, 10, plen_long, 8);                  /* 5 bytes of pattern, 4 sent */
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 2);

	run(ow, 10, two_passes_inverted, 8);
	assert_good();
	assert_int_equal(dev.sanitize_state, 0);
	run(rd_last, 10, NULL, 0);
	assert_good();
	for (unsigned i = 0; i < 512; i++)         /* pass 2 wrote the inverse */
		assert_int_equal(cmd.buf[i], (uint8_t)~two_passes_inverted[4 + i % 4]);

	/* BLOCK ERASE deallocates (SBC-4): not offered without thin
	 * provisioning, an unsupported service action. */
	run(erase, 10, NULL, 0);
	assert_int_equal(cmd.status, SAM_STAT_CHECK_CONDITION);
	assert_int_equal(cmd.sense[12], 0x24);
	run(exit_failure, 10, NULL, 0);
	assert_good();
}

/* An EXTENDED COPY parameter list: one identification target descriptor
 * naming dev by its NAA designator, then nseg block-to-block segments of
 * nblocks from src_lba to dst_lba (type and indexes overridable). */
static uint32_t xcopy_list(uint8_t *p, uint8_t list_id, uint8_t usage, uint8_t tgt_type,
			   uint8_t seg_type, uint16_t dst_index, uint16_t nblocks, uint64_t src_lba,
			   uint64_t dst_lba)
{
	uint8_t *t = p + 16, *sd = p + 16 + 32;
	uint64_t naa = vdisk_naa_designator(&dev);

	memset(p, 0, 16 + 32 + 28);
	p[0] = list_id;
	p[1] = (uint8_t)(usage << 3);
	p[3] = 32;
	p[11] = 28;
	t[0] = tgt_type;
	t[4] = 0x01;
	t[5] = 0x03;
	t[7] = 8;
	for (int i = 0; i < 8; i++)
		t[8 + i] = (uint8_t)(naa >> (56 - 8 * i));
	t[30] = 0x02;                                /* block size 512 */
	sd[0] = seg_type;
	sd[3] = 24;
	sd[7] = (uint8_t)dst_index;
	sd[10] = (uint8_t)(nblocks >> 8);
	sd[11] = (uint8_t)nblocks;
	for (int i = 0; i < 8; i++) {
		sd[12 + i] = (uint8_t)(src_lba >> (56 - 8 * i));
		sd[20 + i] = (uint8_t)(dst_lba >> (56 - 8 * i));
	}
	return 16 + 32 + 28;
}

static void run_xcopy(const uint8_t *list, uint32_t len)
{
	uint8_t cdb[16] = { 0x83 };

	cdb[12] = (uint8_t)(len >> 8);
	cdb[13] = (uint8_t)len;
	run(cdb, 16, list, len);
}

static void assert_copy_aborted(uint8_t asc, uint8_t ascq, uint32_t segment)
{
	assert_sense(0x0a, asc, ascq);
	assert_int_equal(be32(&cmd.sense[8]), segment);
}

/* EXTENDED COPY within one fileio LU, its parameter list checks with the
 * exact sense, and RECEIVE COPY RESULTS for a held list.  The LU is one
 * of the copy manager's (a LUN of copy_manager_tgt, copies between
 * devices no target exports allowed) until the last checks: then its
 * designator names nothing the copy manager reaches (SCST: INVALID FIELD
 * IN PARAMETER LIST at the descriptor). */
static void test_fileio_extended_copy(void **state)
{
	struct scst_acg_dev cm_lun = { .dev = &dev, .lun = 0 };
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 100, 0, 0, 8 };
	const uint8_t status1[16] = { 0x84, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t status9[16] = { 0x84, 0x00, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64 };
	const uint8_t opp[16] = { 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0 };
	struct scst_tgt_dev td = { .dev = &dev };
	struct scst_tgt_dev *luns[1] = { &td };
	uint8_t data[4096], list[16 + 9 * 32 + 28];
	uint32_t len;

	(void)state;
	fake_sess.luns = luns;
	fake_sess.nluns = 1;
	list_add_tail(&cm_lun.node, &cm_tgt->default_acg->acg_devs);
	copy_manager_set_allow_not_connected(true);
	memset(data, 0x3e, sizeof(data));
	run(wr, 10, data, sizeof(data));
	assert_good();

	len = xcopy_list(list, 7, 0, 0xe4, 0x02, 0, 8, 0, 100);
	run_xcopy(list, len);
	assert_good();
	run(rd, 10, NULL, 0);
	assert_memory_equal(cmd.buf, data, sizeof(data));
	run(status1, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[4], 0x01);          /* completed without error */
	assert_int_equal(cmd.buf[5] << 8 | cmd.buf[6], 1);
	assert_int_equal(be32(&cmd.buf[8]), 4096);
	run(status9, 16, NULL, 0);                    /* no such list */
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_int_equal(cmd.sense[17], 2);
	run(opp, 16, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[9], 8);
	assert_int_equal(cmd.buf[11], 16);

	run_xcopy(list, len - 1);                     /* segment cut short */
	assert_sense(SK_ILLEGAL_REQUEST, 0x1a, 0);
	len = xcopy_list(list, 1, 2, 0xe0, 0x02, 0, 8, 0, 100);
	run_xcopy(list, len);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0x07);
	len = xcopy_list(list, 1, 2, 0xe4, 0x03, 0, 8, 0, 100);
	run_xcopy(list, len);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0x09);
	len = xcopy_list(list, 1, 2, 0xe4, 0x02, 1, 8, 0, 100);
	run_xcopy(list, len);
	assert_copy_aborted(0x08, 0x04, 0);           /* no target descriptor 1 */
	len = xcopy_list(list, 1, 2, 0xe4, 0x02, 0, 8, 0, 2047);
	run_xcopy(list, len);
	assert_copy_aborted(0x00, 0x00, 0);           /* past the last block */
	/* nine target descriptors, the limit being eight */
	len = xcopy_list(list, 1, 2, 0xe4, 0x02, 0, 8, 0, 100);
	memmove(list + 16 + 9 * 32, list + 16 + 32, 28);
	for (int i = 1; i < 9; i++)
		memcpy(list + 16 + i * 32, list + 16, 32);
	list[2] = (9 * 32) >> 8;
	list[3] = (uint8_t)(9 * 32);
	run_xcopy(list, 16 + 9 * 32 + 28);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0x06);

	len = xcopy_list(list, 1, 2, 0xe4, 0x02, 0, 8, 0, 100);
	copy_manager_set_allow_not_connected(false);  /* no target exports dev */
	run_xcopy(list, len);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0x00);
	assert_int_equal(cmd.sense[15], 0x80);        /* SKSV, in the parameter list */
	assert_int_equal(cmd.sense[16] << 8 | cmd.sense[17], 16);
	copy_manager_set_allow_not_connected(true);
	list_del(&cm_lun.node);                       /* not the copy manager's */
	run_xcopy(list, len);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0x00);
	assert_int_equal(cmd.sense[16] << 8 | cmd.sense[17], 16);
	copy_manager_set_allow_not_connected(false);
	fake_sess.luns = NULL;
	fake_sess.nluns = 0;
}

/* FORMAT UNIT on a thin device deallocates every block; its parameter
 * list header is checked field by field. */
static void test_fileio_thin_format_unit(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8 };
	const uint8_t format[6] = { 0x04 };
	const uint8_t format_data[6] = { 0x04, 0x10 };
	const uint8_t ip[4] = { 0, 0x80 | 0x08, 0, 0 };
	const uint8_t immed[4] = { 0, 0x02, 0, 0 };
	const uint8_t no_fov[4] = { 0, 0x20, 0, 0 };
	const uint8_t defects[4] = { 0, 0, 0, 8 };
	const uint8_t fov_dcrt[4] = { 0, 0x80 | 0x20, 0, 0 };
	uint8_t data[4096], zero[4096];

	(void)state;
	run(format_data, 6, ip, 4);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[15] & 0x0f, 0x08 | 3);
	run(format_data, 6, immed, 4);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[15] & 0x0f, 0x08 | 1);
	run(format_data, 6, no_fov, 4);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 1);
	run(format_data, 6, defects, 4);
	assert_sense(SK_ILLEGAL_REQUEST, 0x26, 0);
	assert_int_equal(cmd.sense[17], 2);

	memset(data, 0x61, sizeof(data));
	memset(zero, 0, sizeof(zero));
	run(wr, 10, data, sizeof(data));
	assert_good();
	run(format_data, 6, fov_dcrt, 4);
	assert_good();
	run(rd, 10, NULL, 0);
	assert_memory_equal(cmd.buf, zero, sizeof(zero));
	run(wr, 10, data, sizeof(data));
	run(format, 6, NULL, 0);
	assert_good();
	run(rd, 10, NULL, 0);
	assert_memory_equal(cmd.buf, zero, sizeof(zero));
}

/* WRITE SAME with UNMAP on a thin device deallocates whatever the pattern:
 * the range reads back as zeros (LBPRZ). */
static void test_fileio_thin_write_same_unmap(void **state)
{
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t ws_unmap[10] = { 0x41, 0x08, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t rd[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 16 };
	uint8_t data[8192], zero[8192], block[512];

	(void)state;
	memset(data, 0x77, sizeof(data));
	memset(zero, 0, sizeof(zero));
	memset(block, 0x3c, sizeof(block));
	run(wr, 10, data, sizeof(data));
	assert_good();
	run(ws_unmap, 10, block, sizeof(block));
	assert_good();
	run(rd, 10, NULL, 0);
	assert_memory_equal(cmd.buf, zero, sizeof(zero));
}

/* Free bytes of the file system holding path, in threshold sets. */
static uint32_t fs_available_sets(const char *path)
{
	struct statvfs sv;

	assert_int_equal(statvfs(path, &sv), 0);
	return (uint32_t)((uint64_t)sv.f_bavail * sv.f_frsize / VDISK_THRESHOLD_SET_BYTES);
}

/* LOG SENSE of a thin fileio device: page 0Ch is listed and reports the
 * file system's free space (shared) and the file's allocation (its own),
 * in threshold sets of 1 MiB, the unit VPD page B2h announces. */
static void test_fileio_thin_log_sense(void **state)
{
	const uint8_t pages[10] = { 0x4d, 0, 0x40, 0, 0, 0, 0, 0, 64 };
	const uint8_t subpages[10] = { 0x4d, 0, 0x40, 0xff, 0, 0, 0, 0, 64 };
	const uint8_t lbp[10] = { 0x4d, 0, 0x4c, 0, 0, 0, 0, 0, 64 };
	const uint8_t lbp_used[10] = { 0x4d, 0, 0x4c, 0, 0, 0, 2, 0, 64 };
	const uint8_t lbp_past[10] = { 0x4d, 0, 0x4c, 0, 0, 0, 3, 0, 64 };
	const uint8_t vpd_lbp[6] = { 0x12, 1, 0xb2, 0, 255 };
	const uint8_t wr[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 16 };
	const uint8_t unmap[10] = { 0x42, 0, 0, 0, 0, 0, 0, 0, 24 };
	uint8_t list[24] = { 0, 22, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0 };
	uint8_t data[8192];
	uint32_t before, after, avail;

	(void)state;
	run(pages, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 7);
	assert_memory_equal(cmd.buf, "\x00\x00\x00\x03\x00\x0c\x2f", 7);
	run(subpages, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[3], 12);
	assert_memory_equal(&cmd.buf[8], "\x0c\x00\x0c\xff", 4);
	run(vpd_lbp, 6, NULL, 0);
	assert_good();
	assert_int_equal(cmd.buf[4], 20 - 9);           /* 2^11 blocks of 512 = 1 MiB */

	memset(data, 0x77, sizeof(data));
	run(wr, 10, data, sizeof(data));
	assert_good();
	before = fs_available_sets(tmp_path);
	run(lbp, 10, NULL, 0);
	after = fs_available_sets(tmp_path);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 28);
	assert_memory_equal(cmd.buf, "\x8c\x00\x00\x18", 4);
	assert_memory_equal(&cmd.buf[4], "\x00\x01\x03\x08", 4);
	avail = be32(&cmd.buf[8]);
	assert_true(avail + 1 >= (before < after ? before : after));
	assert_true(avail <= (before > after ? before : after) + 1);
	assert_int_equal(cmd.buf[12], 0x02);            /* not dedicated to the LU */
	assert_memory_equal(&cmd.buf[16], "\x00\x02\x03\x08", 4);
	assert_int_equal(be32(&cmd.buf[20]), 1);        /* 8 KiB held: one set */
	assert_int_equal(cmd.buf[24], 0x01);            /* dedicated */

	run(unmap, 10, list, sizeof(list));             /* the whole 1 MiB */
	assert_good();
	run(lbp_used, 10, NULL, 0);
	assert_good();
	assert_int_equal(cmd.resp_data_len, 16);        /* from parameter 0002h on */
	assert_memory_equal(&cmd.buf[4], "\x00\x02\x03\x08\x00\x00\x00\x00", 8);
	run(lbp_past, 10, NULL, 0);
	assert_sense(SK_ILLEGAL_REQUEST, 0x24, 0);
	assert_field(true, 5, -1);
}

int main(void)
{
	if (vdisk_register_handlers(NULL) < 0 || copy_manager_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_standard_inquiry, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_vpd_pages, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_transport_identity, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_read_capacity, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_mode_sense, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_mode_select, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_mode_select_errors, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_log_sense, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_read_write_buffer, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_maintenance_in, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_nullio_io, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_nullio_lent_read, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_lent_read, fileio_shm_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_round_trip, fileio_setup, fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_write_same, fileio_setup, fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_compare_and_write, fileio_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_orwrite, fileio_setup, fileio_teardown),
		cmocka_unit_test_setup_teardown(test_read_defect_data, nullio_setup, dev_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_sanitize, fileio_setup, fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_extended_copy, fileio_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_write_atomic_and_same_to_end, fileio_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_unmap_not_thin, fileio_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_thin, fileio_thin_setup, fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_thin_write_same_unmap, fileio_thin_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_thin_format_unit, fileio_thin_setup,
						fileio_teardown),
		cmocka_unit_test_setup_teardown(test_fileio_thin_log_sense, fileio_thin_setup,
						fileio_teardown),
		cmocka_unit_test(test_fileio_missing_file),
		cmocka_unit_test(test_nullio_params),
		cmocka_unit_test(test_default_identity),
		cmocka_unit_test(test_dummy_and_nv_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
