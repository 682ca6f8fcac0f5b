/* scst_user_wire.c - encoding and strict decoding of the messages between
 * scstd and an out-of-process device handler (format in scst_user_wire.h).
 * A packet is accepted only with the right magic, an op whose fixed length
 * it has exactly, zero reserved fields and NUL-terminated names. */
#include "scst_user_wire.h"
#include "le.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -EPROTO;
}

static size_t op_len(unsigned op)
{
	switch (op) {
	case SCU_OP_ATTACH: return SCU_ATTACH_LEN;
	case SCU_OP_ATTACH_RSP: return SCU_ATTACH_RSP_LEN;
	case SCU_OP_IO: return SCU_IO_LEN;
	case SCU_OP_DONE: return SCU_DONE_LEN;
	case SCU_OP_CMD: return SCU_CMD_LEN;
	case SCU_OP_CMD_DONE: return SCU_CMD_DONE_LEN;
	case SCU_OP_TM: return SCU_TM_LEN;
	case SCU_OP_TM_DONE: return SCU_TM_DONE_LEN;
	case SCU_OP_REGISTER: return SCU_REGISTER_LEN;
	case SCU_OP_UNREGISTER: return SCU_UNREGISTER_LEN;
	}
	return 0;
}

int scu_packet_op(const uint8_t *b, size_t len)
{
	unsigned op;

	if (len < SCU_HDR_LEN || le_get32(b) != SCU_MAGIC || le_get16(b + 6) != 0)
		return -EPROTO;
	op = le_get16(b + 4);
	if (!op_len(op) || op_len(op) != len)
		return -EPROTO;
	return (int)op;
}

static int check_op(const uint8_t *b, size_t len, unsigned want, char *err, size_t errlen)
{
	int op = scu_packet_op(b, len);

	if (op < 0)
		return fail(err, errlen, "malformed packet (magic, reserved field or length)");
	if ((unsigned)op != want)
		return fail(err, errlen, "unexpected message type");
	return 0;
}

static void put_hdr(uint8_t *b, unsigned op)
{
	memset(b, 0, op_len(op));
	le_put32(b, SCU_MAGIC);
	le_put16(b + 4, (uint16_t)op);
}

/* A fixed text field must end in a NUL and carry nothing after it. */
static int text_field(const uint8_t *p, size_t cap, char *out)
{
	const uint8_t *nul = memchr(p, 0, cap);

	if (!nul)
		return -1;
	for (const uint8_t *q = nul; q < p + cap; q++)
		if (*q)
			return -1;
	memcpy(out, p, (size_t)(nul - p) + 1);
	return 0;
}

int scu_attach_decode(const uint8_t *b, size_t len, struct scu_attach *a, char *err, size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_ATTACH, err, errlen) < 0)
		return -EPROTO;
	a->version = le_get32(p);
	a->mode = le_get32(p + 4);
	if (a->mode & ~(SCU_AM_CDB | SCU_AM_TM | 0x1f00u) || (!(a->mode & SCU_AM_CDB) && a->mode))
		return fail(err, errlen, "ATTACH: unknown mode bits");
	a->area_bytes = le_get64(p + 8);
	if (text_field(p + 16, SCU_NAME_LEN, a->name) < 0 || !a->name[0])
		return fail(err, errlen, "ATTACH: device name empty, unterminated or padded with garbage");
	return 0;
}

size_t scu_attach_encode(uint8_t *b, const struct scu_attach *a)
{
	size_t n = strlen(a->name);

	if (n >= SCU_NAME_LEN)
		return 0;
	put_hdr(b, SCU_OP_ATTACH);
	le_put32(b + 8, a->version);
	le_put32(b + 12, a->mode);
	le_put64(b + 16, a->area_bytes);
	memcpy(b + 24, a->name, n);
	return SCU_ATTACH_LEN;
}

int scu_attach_rsp_decode(const uint8_t *b, size_t len, struct scu_attach_rsp *r, char *err,
			  size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_ATTACH_RSP, err, errlen) < 0)
		return -EPROTO;
	r->rc = (int32_t)le_get32(p);
	r->block_size = le_get32(p + 4);
	r->size = le_get64(p + 8);
	r->flags = le_get32(p + 16);
	r->max_io = le_get32(p + 20);
	if (text_field(p + 24, SCU_MSG_LEN, r->msg) < 0)
		return fail(err, errlen, "ATTACH_RSP: message unterminated");
	return 0;
}

size_t scu_attach_rsp_encode(uint8_t *b, const struct scu_attach_rsp *r)
{
	size_t n = strnlen(r->msg, SCU_MSG_LEN - 1);

	put_hdr(b, SCU_OP_ATTACH_RSP);
	le_put32(b + 8, (uint32_t)r->rc);
	le_put32(b + 12, r->block_size);
	le_put64(b + 16, r->size);
	le_put32(b + 24, r->flags);
	le_put32(b + 28, r->max_io);
	memcpy(b + 32, r->msg, n);
	return SCU_ATTACH_RSP_LEN;
}

int scu_io_decode(const uint8_t *b, size_t len, struct scu_io *io, char *err, size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_IO, err, errlen) < 0)
		return -EPROTO;
	io->tag = le_get64(p);
	io->kind = le_get16(p + 8);
	if (le_get16(p + 10) != 0)
		return fail(err, errlen, "IO: reserved field not zero");
	io->len = le_get32(p + 12);
	io->offset = le_get64(p + 16);
	io->area_off = le_get64(p + 24);
	if (io->kind < SCU_IO_READ || io->kind > SCU_IO_FLUSH)
		return fail(err, errlen, "IO: unknown kind");
	return 0;
}

size_t scu_io_encode(uint8_t *b, const struct scu_io *io)
{
	put_hdr(b, SCU_OP_IO);
	le_put64(b + 8, io->tag);
	le_put16(b + 16, io->kind);
	le_put32(b + 20, io->len);
	le_put64(b + 24, io->offset);
	le_put64(b + 32, io->area_off);
	return SCU_IO_LEN;
}

int scu_done_decode(const uint8_t *b, size_t len, struct scu_done *d, char *err, size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_DONE, err, errlen) < 0)
		return -EPROTO;
	d->tag = le_get64(p);
	d->result = (int32_t)le_get32(p + 8);
	if (le_get32(p + 12) != 0)
		return fail(err, errlen, "DONE: reserved field not zero");
	if (d->result > 0 || d->result < -4095)
		return fail(err, errlen, "DONE: result is neither 0 nor a negative errno");
	return 0;
}

size_t scu_done_encode(uint8_t *b, const struct scu_done *d)
{
	put_hdr(b, SCU_OP_DONE);
	le_put64(b + 8, d->tag);
	le_put32(b + 16, (uint32_t)d->result);
	return SCU_DONE_LEN;
}

/* Bytes [from, cap) of a field are padding and must be zero. */
static bool zero_tail(const uint8_t *p, size_t from, size_t cap)
{
	for (size_t i = from; i < cap; i++)
		if (p[i])
			return false;
	return true;
}

int scu_cmd_decode(const uint8_t *b, size_t len, struct scu_cmd *c, char *err, size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_CMD, err, errlen) < 0)
		return -EPROTO;
	c->tag = le_get64(p);
	c->len = le_get32(p + 8);
	c->dir = p[12];
	c->cdb_len = p[13];
	if (le_get16(p + 14) != 0)
		return fail(err, errlen, "CMD: reserved field not zero");
	c->area_off = le_get64(p + 16);
	c->lun = le_get64(p + 24);
	if (c->dir > SCU_DIR_OUT || (c->dir == SCU_DIR_NONE && c->len))
		return fail(err, errlen, "CMD: bad data direction");
	if (!c->cdb_len || c->cdb_len > SCU_CDB_MAX || !zero_tail(p + 32, c->cdb_len, SCU_CDB_MAX))
		return fail(err, errlen, "CMD: bad CDB length");
	memcpy(c->cdb, p + 32, SCU_CDB_MAX);
	return 0;
}

size_t scu_cmd_encode(uint8_t *b, const struct scu_cmd *c)
{
	if (!c->cdb_len || c->cdb_len > SCU_CDB_MAX)
		return 0;
	put_hdr(b, SCU_OP_CMD);
	le_put64(b + 8, c->tag);
	le_put32(b + 16, c->len);
	b[20] = c->dir;
	b[21] = c->cdb_len;
	le_put64(b + 24, c->area_off);
	le_put64(b + 32, c->lun);
	memcpy(b + 40, c->cdb, c->cdb_len);
	return SCU_CMD_LEN;
}

/* SAM-5 5.3: what a device server may answer (CONDITION MET included);
 * ACA ACTIVE and the obsolete codes are not a handler's to send. */
static bool device_status(uint8_t s)
{
	return s == 0x00 || s == 0x02 || s == 0x04 || s == 0x08 || s == 0x18 || s == 0x28 ||
	       s == 0x40;
}

int scu_cmd_done_decode(const uint8_t *b, size_t len, struct scu_cmd_done *d, char *err,
			size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_CMD_DONE, err, errlen) < 0)
		return -EPROTO;
	d->tag = le_get64(p);
	d->status = p[8];
	d->sense_len = p[9];
	if (le_get16(p + 10) != 0)
		return fail(err, errlen, "CMD_DONE: reserved field not zero");
	d->resp_len = le_get32(p + 12);
	if (!device_status(d->status))
		return fail(err, errlen, "CMD_DONE: not a SAM status");
	if (d->sense_len > SCU_SENSE_MAX || !zero_tail(p + 16, d->sense_len, SCU_SENSE_MAX))
		return fail(err, errlen, "CMD_DONE: bad sense length");
	/* SPC-4 4.5: response code 70h-73h, fixed sense is 8 bytes or more. */
	if (d->status == 0x02 &&
	    (d->sense_len < 8 || (p[16] & 0x7f) < 0x70 || (p[16] & 0x7f) > 0x73))
		return fail(err, errlen, "CMD_DONE: CHECK CONDITION without valid sense");
	if (d->status != 0x02 && d->sense_len)
		return fail(err, errlen, "CMD_DONE: sense without CHECK CONDITION");
	memcpy(d->sense, p + 16, SCU_SENSE_MAX);
	return 0;
}

size_t scu_cmd_done_encode(uint8_t *b, const struct scu_cmd_done *d)
{
	if (d->sense_len > SCU_SENSE_MAX)
		return 0;
	put_hdr(b, SCU_OP_CMD_DONE);
	le_put64(b + 8, d->tag);
	b[16] = d->status;
	b[17] = d->sense_len;
	le_put32(b + 20, d->resp_len);
	memcpy(b + 24, d->sense, d->sense_len);
	return SCU_CMD_DONE_LEN;
}

int scu_tm_decode(const uint8_t *b, size_t len, struct scu_tm *t, char *err, size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_TM, err, errlen) < 0)
		return -EPROTO;
	t->id = le_get64(p);
	t->fn = p[8];
	if (p[9] || le_get16(p + 10) || le_get32(p + 12))
		return fail(err, errlen, "TM: reserved field not zero");
	t->tag = le_get64(p + 16);
	t->lun = le_get64(p + 24);
	if (!t->id)
		return fail(err, errlen, "TM: id 0");
	if (t->fn < SCU_TM_ABORT_TASK || t->fn > SCU_TM_NEXUS_LOSS)
		return fail(err, errlen, "TM: unknown function");
	/* Only a reset reaches the logical unit without a command. */
	if (!t->tag && t->fn != SCU_TM_LUN_RESET && t->fn != SCU_TM_TARGET_RESET)
		return fail(err, errlen, "TM: an abort without a command tag");
	return 0;
}

size_t scu_tm_encode(uint8_t *b, const struct scu_tm *t)
{
	put_hdr(b, SCU_OP_TM);
	le_put64(b + 8, t->id);
	b[16] = t->fn;
	le_put64(b + 24, t->tag);
	le_put64(b + 32, t->lun);
	return SCU_TM_LEN;
}

int scu_tm_done_decode(const uint8_t *b, size_t len, struct scu_tm_done *d, char *err,
		       size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_TM_DONE, err, errlen) < 0)
		return -EPROTO;
	d->id = le_get64(p);
	d->status = p[8];
	if (p[9] || le_get16(p + 10) || le_get32(p + 12))
		return fail(err, errlen, "TM_DONE: reserved field not zero");
	if (!d->id)
		return fail(err, errlen, "TM_DONE: id 0");
	if (d->status > SCU_TMS_REJECTED)
		return fail(err, errlen, "TM_DONE: unknown status");
	return 0;
}

size_t scu_tm_done_encode(uint8_t *b, const struct scu_tm_done *d)
{
	put_hdr(b, SCU_OP_TM_DONE);
	le_put64(b + 8, d->id);
	b[16] = d->status;
	return SCU_TM_DONE_LEN;
}

static bool block_size_fits(unsigned type, uint32_t bs)
{
	if (type == 0x01)
		return bs <= SCU_TAPE_BLOCK_MAX;
	return bs >= SCU_BLOCK_MIN && bs <= SCU_BLOCK_MAX && !(bs & (bs - 1));
}

int scu_register_decode(const uint8_t *b, size_t len, struct scu_register *r, char *err,
			size_t errlen)
{
	const uint8_t *p = b + SCU_HDR_LEN;

	if (check_op(b, len, SCU_OP_REGISTER, err, errlen) < 0)
		return -EPROTO;
	r->version = le_get32(p);
	r->mode = le_get32(p + 4);
	r->area_bytes = le_get64(p + 8);
	r->block_size = le_get32(p + 16);
	r->cmd_timeout = le_get32(p + 20);
	if (le_get32(p + 24) || le_get32(p + 28))
		return fail(err, errlen, "REGISTER: reserved field not zero");
	if (r->mode & ~(SCU_AM_CDB | SCU_AM_TM | 0x1f00u) || !(r->mode & SCU_AM_CDB))
		return fail(err, errlen, "REGISTER: a registered device is a CDB-mode one");
	if (SCU_AM_TYPE(r->mode) > SCU_TYPE_MAX)
		return fail(err, errlen, "REGISTER: peripheral device type over 30");
	if (!block_size_fits(SCU_AM_TYPE(r->mode), r->block_size))
		return fail(err, errlen, "REGISTER: block size: a tape's 0 to 16777216, "
			    "else a power of two from 512 to 65536");
	if (r->cmd_timeout > SCU_TIMEOUT_MAX)
		return fail(err, errlen, "REGISTER: cmd_timeout over 3600 s");
	if (text_field(p + 32, SCU_NAME_LEN, r->name) < 0 || !r->name[0])
		return fail(err, errlen, "REGISTER: device name empty, unterminated or padded with garbage");
	return 0;
}

size_t scu_register_encode(uint8_t *b, const struct scu_register *r)
{
	size_t n = strlen(r->name);

	if (n >= SCU_NAME_LEN)
		return 0;
	put_hdr(b, SCU_OP_REGISTER);
	le_put32(b + 8, r->version);
	le_put32(b + 12, r->mode);
	le_put64(b + 16, r->area_bytes);
	le_put32(b + 24, r->block_size);
	le_put32(b + 28, r->cmd_timeout);
	memcpy(b + 40, r->name, n);
	return SCU_REGISTER_LEN;
}

int scu_unregister_decode(const uint8_t *b, size_t len, char *err, size_t errlen)
{
	if (check_op(b, len, SCU_OP_UNREGISTER, err, errlen) < 0)
		return -EPROTO;
	if (le_get64(b + SCU_HDR_LEN))
		return fail(err, errlen, "UNREGISTER: reserved field not zero");
	return 0;
}

size_t scu_unregister_encode(uint8_t *b)
{
	put_hdr(b, SCU_OP_UNREGISTER);
	return SCU_UNREGISTER_LEN;
}
