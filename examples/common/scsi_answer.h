/* scsi_answer.h - what the CDB-mode examples (user_tape, user_changer)
 * answer alike: INQUIRY with its VPD pages, INVALID FIELD IN CDB, data-in
 * clipped to the allocation length, big-endian fields. */
#ifndef EXAMPLES_SCSI_ANSWER_H
#define EXAMPLES_SCSI_ANSWER_H

#include <stdbool.h>
#include <stdint.h>

#include "scstd_user.h"

/* SPC-4 sense keys the examples use. */
#define SK_NO_SENSE 0x0
#define SK_NOT_READY 0x2
#define SK_MEDIUM_ERROR 0x3
#define SK_HARDWARE_ERROR 0x4
#define SK_ILLEGAL_REQUEST 0x5
#define SK_UNIT_ATTENTION 0x6
#define SK_BLANK_CHECK 0x8

/* Who the device says it is in INQUIRY. */
struct scsi_identity {
	uint8_t type;                    /* peripheral device type */
	bool removable;                  /* RMB */
	const char *product;             /* at most 16 characters */
	const char *serial;              /* at most 64 characters */
};

uint16_t get16(const uint8_t *p);
uint32_t get24(const uint8_t *p);
void put16(uint8_t *p, uint16_t v);
void put24(uint8_t *p, uint32_t v);
void put32(uint8_t *p, uint32_t v);

/* ILLEGAL REQUEST, INVALID FIELD IN CDB (05/24/00). */
void invalid_cdb(struct scstu_reply *r);
/* GOOD with the first min(n, allocation length) bytes of buf as data-in
 * (SPC-4 4.2.5.6: the rest is cut off, no error). */
void reply_data(const struct scstu_cmd *c, struct scstu_reply *r, const void *buf, uint32_t n);
/* INQUIRY (SPC-4 6.6): standard data, or with EVPD the Supported VPD
 * Pages (00h), Unit Serial Number (80h) and Device Identification (83h,
 * one T10 vendor ID designator) pages; another page is an invalid field. */
void answer_inquiry(const struct scstu_cmd *c, struct scstu_reply *r,
		    const struct scsi_identity *id);

#endif
