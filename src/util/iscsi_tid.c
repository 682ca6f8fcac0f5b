/* iscsi_tid.c - the iSCSI TransportID codec (see iscsi_tid.h). */
#include <string.h>

#include "util/iscsi_tid.h"
#include "util/be.h"

#define ISID_SEPARATOR ",i,0x"

/* iSCSI names are printable without spaces (RFC 3722); anything else
 * could not even be written to an APTPL file. */
static bool printable_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* The length of the name part of the name field s (n bytes before its
 * NUL), or 0 when the format and the ISID separator disagree. */
static size_t name_part(unsigned fmt, const char *s, size_t n)
{
	const char *isid = strstr(s, ISID_SEPARATOR);

	if (fmt == 1)
		return isid && isid != s ? (size_t)(isid - s) : 0;
	return isid ? 0 : n;            /* format 0 names carry no ISID */
}

bool iscsi_tid_parse(const uint8_t *tid, uint32_t len, char *name, size_t size,
		     uint32_t *bad_off)
{
	unsigned fmt = tid[0] >> 6;
	const char *s = (const char *)tid + 4;
	size_t n;

	*bad_off = 0;
	if ((tid[0] & 0x0f) != ISCSI_PROTOCOL_ID || fmt > 1 || len < 4)
		return false;
	*bad_off = 4;
	n = strnlen(s, len - 4);
	if (n == len - 4 || n == 0)
		return false;                   /* not NUL-terminated, or empty */
	n = name_part(fmt, s, n);
	if (n == 0 || n >= size || !printable_name(s, n))
		return false;
	memcpy(name, s, n);
	name[n] = 0;
	return true;
}

uint32_t iscsi_tid_build(const char *name, uint8_t *out, uint32_t size)
{
	size_t nl = strlen(name);
	size_t body = (nl + 1 + 3) & ~(size_t)3;
	uint32_t len;

	if (body < 16)
		body = 16;
	if (body > 0xffff || 4 + body > size)
		return 0;
	len = (uint32_t)(4 + body);
	memset(out, 0, len);
	out[0] = ISCSI_PROTOCOL_ID;     /* format 0 */
	put_be16(&out[2], (uint16_t)body);
	memcpy(out + 4, name, nl);
	return len;
}
