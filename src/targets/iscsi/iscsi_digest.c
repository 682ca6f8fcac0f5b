/* iscsi_digest.c - CRC32C for iSCSI header and data digests.
 *
 * isa-l's crc32_iscsi(buf, len, state) runs the reflected Castagnoli CRC
 * without the final inversion: starting from ~0 and inverting at the end
 * gives the standard CRC32C that RFC 7143 (appendix B.4) specifies. */
#include "targets/iscsi/iscsi_digest.h"

#include <isa-l/crc.h>

#include "targets/iscsi/iscsi_proto.h"

uint32_t iscsi_crc32c_begin(void)
{
	return 0xffffffffu;
}

uint32_t iscsi_crc32c_update(uint32_t state, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* crc32_iscsi takes an int length: feed huge buffers in slices. */
	while (len) {
		int n = len > (1u << 30) ? (1 << 30) : (int)len;

		state = crc32_iscsi((unsigned char *)p, n, state);
		p += n;
		len -= (size_t)n;
	}
	return state;
}

uint32_t iscsi_crc32c_end(uint32_t state)
{
	return ~state;
}

uint32_t iscsi_crc32c(const void *buf, size_t len)
{
	return iscsi_crc32c_end(iscsi_crc32c_update(iscsi_crc32c_begin(), buf, len));
}

uint32_t iscsi_data_digest(const void *data, uint32_t len)
{
	static const uint8_t zero[4];
	uint32_t s = iscsi_crc32c_update(iscsi_crc32c_begin(), data, len);

	return iscsi_crc32c_end(iscsi_crc32c_update(s, zero, iscsi_pad4(len)));
}

void iscsi_digest_put(uint8_t *p, uint32_t crc)
{
	p[0] = (uint8_t)crc;
	p[1] = (uint8_t)(crc >> 8);
	p[2] = (uint8_t)(crc >> 16);
	p[3] = (uint8_t)(crc >> 24);
}

uint32_t iscsi_digest_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
