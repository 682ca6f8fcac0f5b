/* iscsi_tid.h - the iSCSI TransportID (SPC-4 7.6.4.6): format 0 (name)
 * and format 1 (name ",i,0x" ISID), decoded into and encoded from the
 * initiator name.  Shared by the transports whose initiators have iSCSI
 * identities (targets/iscsi, and targets/local, which uses them by
 * default as SCST's scst_local does).  Pure: no state. */
#ifndef SCSTD_UTIL_ISCSI_TID_H
#define SCSTD_UTIL_ISCSI_TID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISCSI_PROTOCOL_ID 0x5           /* SPC-4 7.6.1 table 444 */
#define ISCSI_VERSION_DESCRIPTOR 0x0960 /* SPC-4 table 29: iSCSI, no version claimed */

/* The initiator name (the ISID of format 1 dropped) of the TransportID at
 * tid, len bytes in all (header included, len >= 4), into name (size
 * bytes).  False when it is no iSCSI TransportID or is malformed; then
 * *bad_off is the offset of the offending byte within it (0: the
 * protocol/format byte, 4: the name). */
bool iscsi_tid_parse(const uint8_t *tid, uint32_t len, char *name, size_t size,
		     uint32_t *bad_off);

/* The format 0 TransportID of name into out (size bytes): the name
 * NUL-terminated and padded to a multiple of 4, at least 20 bytes in all.
 * Returns its length, 0 when it does not fit. */
uint32_t iscsi_tid_build(const char *name, uint8_t *out, uint32_t size);

#endif
