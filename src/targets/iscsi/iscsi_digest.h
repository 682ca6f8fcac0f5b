/* iscsi_digest.h - CRC32C header and data digests (RFC 7143 11.1): the
 * checksum itself (isa-l's crc32_iscsi) and its on-the-wire byte order. */
#ifndef SCSTD_ISCSI_DIGEST_H
#define SCSTD_ISCSI_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define ISCSI_DIGEST_LEN 4

/* Incremental use: state = iscsi_crc32c_begin(); state = iscsi_crc32c_update(
 * state, ...) for every piece; iscsi_crc32c_end(state) is the digest. */
uint32_t iscsi_crc32c_begin(void);
uint32_t iscsi_crc32c_update(uint32_t state, const void *buf, size_t len);
uint32_t iscsi_crc32c_end(uint32_t state);
/* One-shot CRC32C (Castagnoli), e.g. 0xE3069283 for "123456789". */
uint32_t iscsi_crc32c(const void *buf, size_t len);
/* Digest of a data segment including its 0-3 zero pad bytes. */
uint32_t iscsi_data_digest(const void *data, uint32_t len);

/* The digest word travels least significant byte first, as every
 * initiator (Linux, libiscsi) puts it. */
void iscsi_digest_put(uint8_t *p, uint32_t crc);
uint32_t iscsi_digest_get(const uint8_t *p);

#endif
