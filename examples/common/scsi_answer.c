/* scsi_answer.c - the answers the CDB-mode examples share (see
 * scsi_answer.h): INQUIRY and its VPD pages, allocation-length clipping,
 * INVALID FIELD IN CDB. */
#include <string.h>

#include "scsi_answer.h"

#define VENDOR "SCSTD   "                /* T10 VENDOR IDENTIFICATION, 8 bytes */

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	put16(p + 1, (uint16_t)v);
}

void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	put24(p + 1, v);
}

void invalid_cdb(struct scstu_reply *r)
{
	scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x24, 0x00);
}

void reply_data(const struct scstu_cmd *c, struct scstu_reply *r, const void *buf, uint32_t n)
{
	if (n > c->len)
		n = c->len;
	if (n)                           /* no data buffer for length 0 */
		memcpy(c->data, buf, n);
	scstu_reply_good(r, n);
}

/* Left-justified, space-padded ASCII field (SPC-4 4.4.1). */
static void put_ascii(uint8_t *p, const char *s, size_t width)
{
	size_t n = strlen(s);

	memset(p, ' ', width);
	memcpy(p, s, n < width ? n : width);
}

static uint32_t standard_inquiry(uint8_t *buf, const struct scsi_identity *id)
{
	buf[0] = id->type;               /* qualifier 000b: connected */
	buf[1] = id->removable ? 0x80 : 0x00;
	buf[2] = 0x06;                   /* VERSION: SPC-4 */
	buf[3] = 0x02;                   /* RESPONSE DATA FORMAT 2 */
	buf[4] = 36 - 5;                 /* ADDITIONAL LENGTH */
	put_ascii(buf + 8, VENDOR, 8);
	put_ascii(buf + 16, id->product, 16);
	put_ascii(buf + 32, "0001", 4);
	return 36;
}

/* Device Identification (SPC-4 7.8.6): one designator, T10 vendor ID based
 * (CODE SET 2 ASCII, ASSOCIATION 0 the logical unit, TYPE 1): the vendor
 * and the serial number. */
static uint32_t device_identification(uint8_t *buf, const char *serial)
{
	size_t n = strlen(serial);

	buf[4] = 0x02;
	buf[5] = 0x01;
	buf[7] = (uint8_t)(8 + n);
	memcpy(buf + 8, VENDOR, 8);
	memcpy(buf + 16, serial, n);
	put16(buf + 2, (uint16_t)(4 + 8 + n));
	return (uint32_t)(4 + 4 + 8 + n);
}

void answer_inquiry(const struct scstu_cmd *c, struct scstu_reply *r,
		    const struct scsi_identity *id)
{
	uint8_t buf[160] = { 0 };
	size_t slen = strlen(id->serial);
	uint32_t n;

	if (slen > 64)                   /* the pages below hold 64 */
		slen = 64;
	if (!(c->cdb[1] & 0x01)) {
		if (c->cdb[2] != 0) {    /* PAGE CODE without EVPD */
			invalid_cdb(r);
			return;
		}
		reply_data(c, r, buf, standard_inquiry(buf, id));
		return;
	}
	buf[0] = id->type;
	buf[1] = c->cdb[2];
	switch (c->cdb[2]) {
	case 0x00:                       /* Supported VPD Pages, ascending */
		buf[3] = 3;
		buf[4] = 0x00;
		buf[5] = 0x80;
		buf[6] = 0x83;
		n = 4 + 3;
		break;
	case 0x80:                       /* Unit Serial Number */
		buf[3] = (uint8_t)slen;
		memcpy(buf + 4, id->serial, slen);
		n = 4 + (uint32_t)slen;
		break;
	case 0x83: {
		char s[65];

		memcpy(s, id->serial, slen);
		s[slen] = '\0';
		n = device_identification(buf, s);
		break;
	}
	default:
		invalid_cdb(r);
		return;
	}
	reply_data(c, r, buf, n);
}
