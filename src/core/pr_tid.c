/* pr_tid.c - the TransportIDs of PERSISTENT RESERVE OUT: the list a
 * REGISTER with SPEC_I_PT carries (SPC-4 6.16.3, 7.6.4) and the single
 * one of REGISTER AND MOVE (6.16.4): the lengths and reserved bits every
 * TransportID has are checked here, what follows is the transport's
 * (struct scst_tgt_template parse_transport_id).  Also the verbatim PR
 * names of TransportIDs no transport gives a name.  Pure parsing: no
 * state, no locking. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pr.h"
#include "util/hex.h"
#include "util/be.h"

#define TID_LIST_START 28       /* 24 bytes of REGISTER data + 4 length */
#define VERBATIM_PREFIX "tid:"

int scst_pr_verbatim_name(const uint8_t *tid, uint32_t len, char *name, size_t size)
{
	size_t plen = strlen(VERBATIM_PREFIX);

	if (len == 0 || size <= plen || (size - plen - 1) / 2 < len)
		return -ENAMETOOLONG;
	memcpy(name, VERBATIM_PREFIX, plen + 1);
	for (uint32_t i = 0; i < len; i++)
		snprintf(name + plen + 2 * i, 3, "%02x", tid[i]);
	return 0;
}

uint32_t scst_pr_verbatim_tid(const char *name, uint8_t *out)
{
	size_t plen = strlen(VERBATIM_PREFIX), n;
	const char *h = name + plen;

	if (strncmp(name, VERBATIM_PREFIX, plen) != 0)
		return 0;
	n = strlen(h);
	if (n == 0 || n % 2)
		return 0;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit_value(h[i]), lo = hex_digit_value(h[i + 1]);

		if (hi < 0 || lo < 0)
			return 0;
		if (out)
			out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (uint32_t)(n / 2);
}

/* The transport's reading of one TransportID (len bytes at t, off into the
 * list), the offending byte in *bad_byte when it has none. */
static bool tid_name(const struct scst_tgt_template *tgtt, const uint8_t *t, uint32_t len,
		     uint32_t off, char *name, uint32_t *bad_byte)
{
	uint32_t bad_off = 0;

	if (tgtt->parse_transport_id &&
	    tgtt->parse_transport_id(t, len, name, SCST_NAME_MAX, &bad_off))
		return true;
	*bad_byte = off + (bad_off < len ? bad_off : 0);
	return false;
}

/* Checks one TransportID's header at t with avail bytes left in its list;
 * its total length goes to *len. */
static enum scst_sense_id tid_header(const struct scst_tgt_template *tgtt, const uint8_t *t,
				     uint32_t avail, uint32_t off, uint32_t *len,
				     uint32_t *bad_byte)
{
	*len = 4 + (uint32_t)get_be16(&t[2]);
	*bad_byte = off;
	if (t[0] & 0x30)                /* reserved (SPC-4 7.6.4.1) */
		return SCST_S_INVALID_FIELD_IN_PARAM;
	if (!tgtt->has_protocol_id || (t[0] & 0x0f) != tgtt->protocol_id)
		return SCST_S_INVALID_FIELD_IN_PARAM;   /* another transport's */
	*bad_byte = off + 2;
	if (*len % 4 || *len < 8)
		return SCST_S_INVALID_FIELD_IN_PARAM;
	if (*len > avail)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	*bad_byte = off + 4;
	return SCST_S_OK;
}

enum scst_sense_id scst_pr_parse_tids(const struct scst_tgt_template *tgtt, const uint8_t *plist,
				      uint32_t plen, struct scst_pr_tid *tids, unsigned max,
				      unsigned *n, uint32_t *bad_byte)
{
	uint32_t off = TID_LIST_START, end;

	*n = 0;
	*bad_byte = 24;
	if (plen < TID_LIST_START)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	end = TID_LIST_START + get_be32(plist + 24);
	if (end < TID_LIST_START || end > plen)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	while (off < end) {
		const uint8_t *t = plist + off;
		uint32_t len;
		enum scst_sense_id rc;

		if (end - off < 4)
			return SCST_S_PARAM_LIST_LENGTH_ERROR;
		rc = tid_header(tgtt, t, end - off, off, &len, bad_byte);
		if (rc != SCST_S_OK)
			return rc;
		if (*n >= max)
			return SCST_S_INSUFFICIENT_REG_RESOURCES;
		if (!tid_name(tgtt, t, len, off, tids[*n].initiator, bad_byte))
			return SCST_S_INVALID_FIELD_IN_PARAM;
		(*n)++;
		off += len;
	}
	return SCST_S_OK;
}

/* SPC-4 6.16.4: the TRANSPORTID PARAMETER DATA LENGTH is at least 24 and
 * a multiple of 4, and exactly what follows the 24-byte header; SCST and
 * LIO answer a mismatch with INVALID FIELD IN PARAMETER LIST. */
enum scst_sense_id scst_pr_parse_move_tid(const struct scst_tgt_template *tgtt,
					  const uint8_t *plist, uint32_t plen,
					  struct scst_pr_tid *tid, uint32_t *bad_byte)
{
	uint32_t tlen, len;
	enum scst_sense_id rc;

	*bad_byte = 20;
	if (plen < 24)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	tlen = get_be32(plist + 20);
	if (tlen < 24 || tlen % 4 || tlen != plen - 24)
		return SCST_S_INVALID_FIELD_IN_PARAM;
	rc = tid_header(tgtt, plist + 24, tlen, 24, &len, bad_byte);
	if (rc == SCST_S_PARAM_LIST_LENGTH_ERROR)
		return SCST_S_INVALID_FIELD_IN_PARAM;   /* longer than its field */
	if (rc != SCST_S_OK)
		return rc;
	if (!tid_name(tgtt, plist + 24, len, 24, tid->initiator, bad_byte))
		return SCST_S_INVALID_FIELD_IN_PARAM;
	return SCST_S_OK;
}
