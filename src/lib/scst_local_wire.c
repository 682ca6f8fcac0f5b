/* scst_local_wire.c - encoding and strict decoding of the raw command
 * socket's messages (format in scst_local_wire.h).  Every length is
 * checked against the bytes actually present and against the protocol's
 * limits before anything is pointed at; unknown ops, non-zero reserved
 * fields and trailing bytes are errors. */
#include "scst_local_wire.h"
#include "le.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(int rc, char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return rc;
}

static uint32_t max_payload(uint16_t op)
{
	switch (op) {
	case SCL_OP_ATTACH:
		return 2 * (SCL_MAX_NAME + 1);
	case SCL_OP_CMD:
		return SCL_MAX_PAYLOAD;
	case SCL_OP_ATTACH | SCL_OP_REPLY:
		return 4 + SCL_MAX_MSG;
	case SCL_OP_CMD | SCL_OP_REPLY:
		return SCL_RSP_FIXED + SCL_MAX_SENSE + SCL_MAX_DATA;
	default:
		return 0;
	}
}

int scl_hdr_decode(const uint8_t *b, size_t len, struct scl_hdr *h, char *err, size_t errlen)
{
	uint32_t max;

	if (len < SCL_HDR_LEN)
		return fail(-EPROTO, err, errlen, "short header");
	if (le_get32(b) != SCL_MAGIC)
		return fail(-EPROTO, err, errlen, "bad magic");
	if (le_get16(b + 6) != 0)
		return fail(-EPROTO, err, errlen, "flags must be 0");
	h->op = le_get16(b + 4);
	h->len = le_get32(b + 8);
	h->tag = le_get32(b + 12);
	max = max_payload(h->op);
	if (!max)
		return fail(-EPROTO, err, errlen, "unknown op");
	if (h->len > max)
		return fail(-EMSGSIZE, err, errlen, "payload too long");
	return 0;
}

void scl_hdr_encode(uint8_t *b, uint16_t op, uint32_t len, uint32_t tag)
{
	le_put32(b, SCL_MAGIC);
	le_put16(b + 4, op);
	le_put16(b + 6, 0);
	le_put32(b + 8, len);
	le_put32(b + 12, tag);
}

/* A name: printable, no blank, no '/', at most SCL_MAX_NAME bytes. */
static const char *take_name(const uint8_t *p, size_t len, size_t *used, bool may_be_empty)
{
	const uint8_t *nul = memchr(p, 0, len);

	if (!nul || (size_t)(nul - p) > SCL_MAX_NAME || (!may_be_empty && nul == p))
		return NULL;
	for (const uint8_t *q = p; q < nul; q++)
		if (*q <= ' ' || *q >= 0x7f || *q == '/')
			return NULL;
	*used = (size_t)(nul - p) + 1;
	return (const char *)p;
}

int scl_attach_decode(const uint8_t *p, size_t len, struct scl_attach *a, char *err,
		      size_t errlen)
{
	size_t u1 = 0, u2 = 0;
	const char *t = take_name(p, len, &u1, true), *s;

	if (!t)
		return fail(-EPROTO, err, errlen, "attach: bad target name");
	s = take_name(p + u1, len - u1, &u2, false);
	if (!s)
		return fail(-EPROTO, err, errlen, "attach: bad session name");
	if (u1 + u2 != len)
		return fail(-EPROTO, err, errlen, "attach: trailing bytes");
	a->target = t;
	a->session = s;
	return 0;
}

size_t scl_attach_encode(uint8_t *p, size_t cap, const char *target, const char *session)
{
	size_t t = strlen(target) + 1, s = strlen(session) + 1;

	if (t > SCL_MAX_NAME + 1 || s > SCL_MAX_NAME + 1 || t + s > cap)
		return 0;
	memcpy(p, target, t);
	memcpy(p + t, session, s);
	return t + s;
}

int scl_cmd_decode(const uint8_t *p, size_t len, struct scl_cmd *c, char *err, size_t errlen)
{
	if (len < SCL_CMD_FIXED)
		return fail(-EPROTO, err, errlen, "cmd: short payload");
	c->lun = le_get64(p);
	c->cdb_len = p[8];
	if (p[9] || le_get16(p + 10))
		return fail(-EPROTO, err, errlen, "cmd: reserved bytes must be 0");
	c->in_len = le_get32(p + 12);
	c->out_len = le_get32(p + 16);
	if (c->cdb_len == 0 || c->cdb_len > SCL_MAX_CDB)
		return fail(-EPROTO, err, errlen, "cmd: CDB length out of range");
	if (c->in_len > SCL_MAX_DATA || c->out_len > SCL_MAX_DATA)
		return fail(-EMSGSIZE, err, errlen, "cmd: data length too large");
	if ((uint64_t)SCL_CMD_FIXED + c->cdb_len + c->out_len != len)
		return fail(-EPROTO, err, errlen, "cmd: lengths do not add up");
	c->cdb = p + SCL_CMD_FIXED;
	c->out = c->cdb + c->cdb_len;
	return 0;
}

size_t scl_cmd_encode_head(uint8_t *p, size_t cap, uint64_t lun, const uint8_t *cdb,
			   unsigned cdb_len, uint32_t in_len, uint32_t out_len)
{
	if (cdb_len == 0 || cdb_len > SCL_MAX_CDB || in_len > SCL_MAX_DATA ||
	    out_len > SCL_MAX_DATA || cap < SCL_CMD_FIXED + cdb_len)
		return 0;
	le_put64(p, lun);
	p[8] = (uint8_t)cdb_len;
	p[9] = 0;
	le_put16(p + 10, 0);
	le_put32(p + 12, in_len);
	le_put32(p + 16, out_len);
	memcpy(p + SCL_CMD_FIXED, cdb, cdb_len);
	return SCL_CMD_FIXED + cdb_len;
}

int scl_attach_rsp_decode(const uint8_t *p, size_t len, struct scl_attach_rsp *r, char *err,
			  size_t errlen)
{
	if (len < 4 || len > 4 + SCL_MAX_MSG)
		return fail(-EPROTO, err, errlen, "attach reply: bad length");
	r->rc = (int32_t)le_get32(p);
	if (r->rc > 0)
		return fail(-EPROTO, err, errlen, "attach reply: positive rc");
	memcpy(r->msg, p + 4, len - 4);
	r->msg[len - 4] = '\0';
	for (size_t i = 0; i < len - 4; i++)
		if ((unsigned char)r->msg[i] < ' ')
			r->msg[i] = '?';
	return 0;
}

size_t scl_attach_rsp_encode(uint8_t *p, size_t cap, int32_t rc, const char *msg)
{
	size_t n = strlen(msg);

	if (n > SCL_MAX_MSG)
		n = SCL_MAX_MSG;
	if (cap < 4 + n)
		return 0;
	le_put32(p, (uint32_t)rc);
	memcpy(p + 4, msg, n);
	return 4 + n;
}

int scl_cmd_rsp_decode(const uint8_t *p, size_t len, uint32_t max_in, struct scl_cmd_rsp *r,
		       char *err, size_t errlen)
{
	if (len < SCL_RSP_FIXED)
		return fail(-EPROTO, err, errlen, "cmd reply: short payload");
	r->rc = (int32_t)le_get32(p);
	r->status = p[4];
	r->sense_len = p[5];
	if (le_get16(p + 6))
		return fail(-EPROTO, err, errlen, "cmd reply: reserved bytes must be 0");
	r->in_len = le_get32(p + 8);
	if (r->rc > 0)
		return fail(-EPROTO, err, errlen, "cmd reply: positive rc");
	if (r->sense_len > SCL_MAX_SENSE)
		return fail(-EPROTO, err, errlen, "cmd reply: sense too long");
	if (r->in_len > max_in)
		return fail(-EPROTO, err, errlen, "cmd reply: more data than asked for");
	if ((uint64_t)SCL_RSP_FIXED + r->sense_len + r->in_len != len)
		return fail(-EPROTO, err, errlen, "cmd reply: lengths do not add up");
	if (r->rc < 0 && (r->sense_len || r->in_len || r->status))
		return fail(-EPROTO, err, errlen, "cmd reply: failed command with a result");
	r->sense = p + SCL_RSP_FIXED;
	r->data = r->sense + r->sense_len;
	return 0;
}

size_t scl_cmd_rsp_encode_head(uint8_t *p, size_t cap, int32_t rc, uint8_t status,
			       const uint8_t *sense, uint8_t sense_len, uint32_t in_len)
{
	if (sense_len > SCL_MAX_SENSE || cap < SCL_RSP_FIXED + (size_t)sense_len)
		return 0;
	le_put32(p, (uint32_t)rc);
	p[4] = status;
	p[5] = sense_len;
	le_put16(p + 6, 0);
	le_put32(p + 8, in_len);
	if (sense_len)
		memcpy(p + SCL_RSP_FIXED, sense, sense_len);
	return SCL_RSP_FIXED + sense_len;
}
