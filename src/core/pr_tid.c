/* pr_tid.c - the TransportIDs of PERSISTENT RESERVE OUT: the list a
 * REGISTER with SPEC_I_PT carries (SPC-4 6.16.3, 7.6.4.6) and the single
 * one of REGISTER AND MOVE (6.16.4): length checks and iSCSI
 * TransportIDs, format 0 (name) and format 1 (name ",i,0x" ISID).  The
 * I_T nexus identity here is the initiator name (the ISID is dropped), the
 * same as a session's PR name.  Pure parsing: no state, no locking. */
#include <string.h>

#include "pr.h"

#define TID_PROTO_ISCSI 0x5
#define TID_LIST_START 28       /* 24 bytes of REGISTER data + 4 length */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The initiator name of one iSCSI TransportID at t (total bytes len), or
 * false when it is malformed. */
static bool tid_name(const uint8_t *t, uint32_t len, char *name)
{
	unsigned fmt = t[0] >> 6;
	const char *s = (const char *)t + 4;
	size_t n = strnlen(s, len - 4);
	const char *isid;

	if (n == len - 4 || n == 0)
		return false;                   /* not NUL-terminated, or empty */
	isid = strstr(s, ",i,0x");
	if (fmt == 1) {
		if (!isid || isid == s)
			return false;
		n = (size_t)(isid - s);
	} else if (isid) {
		return false;                   /* format 0 names carry no ISID */
	}
	if (n >= SCST_NAME_MAX)
		return false;
	/* iSCSI names are printable without spaces (RFC 3722); anything else
	 * could not even be written to the APTPL file. */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	memcpy(name, s, n);
	name[n] = 0;
	return true;
}

/* Checks one TransportID's header at t with avail bytes left in its list;
 * its total length goes to *len. */
static enum scst_sense_id tid_header(const uint8_t *t, uint32_t avail, uint32_t off,
				     uint32_t *len, uint32_t *bad_byte)
{
	*len = 4 + ((uint32_t)t[2] << 8 | t[3]);
	*bad_byte = off;
	if ((t[0] & 0x0f) != TID_PROTO_ISCSI || (t[0] >> 6) > 1 || (t[0] & 0x30))
		return SCST_S_INVALID_FIELD_IN_PARAM;
	*bad_byte = off + 2;
	if (*len % 4 || *len < 8)
		return SCST_S_INVALID_FIELD_IN_PARAM;
	if (*len > avail)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	*bad_byte = off + 4;
	return SCST_S_OK;
}

enum scst_sense_id scst_pr_parse_tids(const uint8_t *plist, uint32_t plen, struct scst_pr_tid *tids,
				      unsigned max, unsigned *n, uint32_t *bad_byte)
{
	uint32_t off = TID_LIST_START, end;

	*n = 0;
	*bad_byte = 24;
	if (plen < TID_LIST_START)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	end = TID_LIST_START + be32(plist + 24);
	if (end < TID_LIST_START || end > plen)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	while (off < end) {
		const uint8_t *t = plist + off;
		uint32_t len;
		enum scst_sense_id rc;

		if (end - off < 4)
			return SCST_S_PARAM_LIST_LENGTH_ERROR;
		rc = tid_header(t, end - off, off, &len, bad_byte);
		if (rc != SCST_S_OK)
			return rc;
		if (*n >= max)
			return SCST_S_INSUFFICIENT_REG_RESOURCES;
		if (!tid_name(t, len, tids[*n].initiator))
			return SCST_S_INVALID_FIELD_IN_PARAM;
		(*n)++;
		off += len;
	}
	return SCST_S_OK;
}

/* SPC-4 6.16.4: the TRANSPORTID PARAMETER DATA LENGTH is at least 24 and
 * a multiple of 4, and exactly what follows the 24-byte header; SCST and
 * LIO answer a mismatch with INVALID FIELD IN PARAMETER LIST. */
enum scst_sense_id scst_pr_parse_move_tid(const uint8_t *plist, uint32_t plen,
					  struct scst_pr_tid *tid, uint32_t *bad_byte)
{
	uint32_t tlen, len;
	enum scst_sense_id rc;

	*bad_byte = 20;
	if (plen < 24)
		return SCST_S_PARAM_LIST_LENGTH_ERROR;
	tlen = be32(plist + 20);
	if (tlen < 24 || tlen % 4 || tlen != plen - 24)
		return SCST_S_INVALID_FIELD_IN_PARAM;
	rc = tid_header(plist + 24, tlen, 24, &len, bad_byte);
	if (rc == SCST_S_PARAM_LIST_LENGTH_ERROR)
		return SCST_S_INVALID_FIELD_IN_PARAM;   /* longer than its field */
	if (rc != SCST_S_OK)
		return rc;
	if (!tid_name(plist + 24, len, tid->initiator))
		return SCST_S_INVALID_FIELD_IN_PARAM;
	return SCST_S_OK;
}
