/* pr_tid.c - the TransportID list a PERSISTENT RESERVE OUT REGISTER with
 * SPEC_I_PT carries (SPC-4 6.16.3, 7.6.4.6): length checks and iSCSI
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
	memcpy(name, s, n);
	name[n] = 0;
	return true;
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

		if (end - off < 4)
			return SCST_S_PARAM_LIST_LENGTH_ERROR;
		len = 4 + ((uint32_t)t[2] << 8 | t[3]);
		*bad_byte = off;
		if ((t[0] & 0x0f) != TID_PROTO_ISCSI || (t[0] >> 6) > 1 || (t[0] & 0x30))
			return SCST_S_INVALID_FIELD_IN_PARAM;
		*bad_byte = off + 2;
		if (len % 4 || len < 8)
			return SCST_S_INVALID_FIELD_IN_PARAM;
		if (len > end - off)
			return SCST_S_PARAM_LIST_LENGTH_ERROR;
		*bad_byte = off + 4;
		if (*n >= max)
			return SCST_S_INSUFFICIENT_RESOURCES;
		if (!tid_name(t, len, tids[*n].initiator))
			return SCST_S_INVALID_FIELD_IN_PARAM;
		(*n)++;
		off += len;
	}
	return SCST_S_OK;
}
