/* cdb.h - the opcode table: one description per (opcode, service action)
 * drives parsing (direction, transfer length, LBA range), the core's checks
 * (reservations, sanitize, ALUA, medium, read-only), the handlers' LBA
 * locking and write-through, their executors (by id) and REPORT SUPPORTED
 * OPERATION CODES.  The rows themselves are in scsi_ops.def. */
#ifndef SCSTD_CORE_CDB_H
#define SCSTD_CORE_CDB_H

#include <stdint.h>

#include "scsi_op.h"
#include "scst_common.h"

enum scst_op_flags {
	SCST_OP_UA_EXEMPT     = 1u << 0,  /* INQUIRY, REPORT LUNS, REQUEST SENSE */
	SCST_OP_NO_LUN_OK     = 1u << 1,  /* served for a LUN that does not exist */
	SCST_OP_CORE          = 1u << 2,  /* executed by the core, not the handler */
	SCST_OP_MEDIUM_ACCESS = 1u << 3,  /* needs the medium present */
	SCST_OP_WRITE_MEDIUM  = 1u << 4,  /* modifies the medium: read-only check */
	SCST_OP_LBA_RANGE     = 1u << 5,  /* lba/nblocks checked against capacity */
	/* Allowed through a target port in that asymmetric access state
	 * (SPC-4 5.16.2.4; core/alua.c).  Active states allow everything. */
	SCST_OP_ALUA_STANDBY       = 1u << 6,
	SCST_OP_ALUA_UNAVAILABLE   = 1u << 7,  /* also offline */
	SCST_OP_ALUA_TRANSITIONING = 1u << 8,
	/* Exists only for a device whose device group does explicit ALUA
	 * (SET TARGET PORT GROUPS): elsewhere an unsupported command, in
	 * parsing and in REPORT SUPPORTED OPERATION CODES alike. */
	SCST_OP_EXPLICIT_ALUA      = 1u << 9,
	/* Offered only by a thin-provisioned device (SANITIZE BLOCK ERASE:
	 * deallocation, SBC-4 4.11.5). */
	SCST_OP_THIN_ONLY          = 1u << 10,
	/* Admitted while a sanitize operation runs or has failed (SBC-3
	 * 4.11.2): INQUIRY, REPORT LUNS, REQUEST SENSE. */
	SCST_OP_SANITIZE_OK        = 1u << 11,
	/* A SANITIZE: admitted in sanitize failure mode, to leave it. */
	SCST_OP_SANITIZE_EXIT      = 1u << 12,
	/* Writes blocks of its LBA range: the handler holds the range in its
	 * LBA lock, shared, or exclusive for a read-modify-write or an
	 * atomic write that must not interleave with another writer. */
	SCST_OP_LBA_LOCK           = 1u << 13,
	SCST_OP_LBA_LOCK_EXCL      = 1u << 14,
	/* CDB byte 1 bit 3 is FUA: the data reaches the medium before status. */
	SCST_OP_FUA_BIT            = 1u << 15,
	/* The data always reaches the medium before status (WRITE AND VERIFY). */
	SCST_OP_WRITE_THROUGH      = 1u << 16,
};

/* How long a command takes, for the command timeouts descriptor of REPORT
 * SUPPORTED OPERATION CODES (opcode_report.c has the seconds). */
enum scst_op_timeout {
	SCST_OP_TIME_SHORT,     /* one transfer or an answer from memory */
	SCST_OP_TIME_UNMAP,
	SCST_OP_TIME_FLUSH,
	SCST_OP_TIME_COPY,
	SCST_OP_TIME_FORMAT,
	SCST_OP_TIME_MEDIUM,    /* writes the whole medium: grows with capacity */
};

/* Peripheral device types an entry applies to (bit = type). */
#define SCST_TYPE_DISK_BIT   (1u << 0x00)
#define SCST_TYPE_CDROM_BIT  (1u << 0x05)
#define SCST_TYPE_MOD_BIT    (1u << 0x07)   /* optical memory (SBC) */
#define SCST_TYPE_ALL_BITS   0xffffffffu

struct scst_opcode_desc {
	enum scsi_op_id id;               /* the command, the handlers' index */
	uint8_t opcode;
	int16_t sa;                       /* service action, -1 if none */
	const char *name;
	uint8_t cdb_len;
	uint32_t flags;
	uint32_t types;                   /* SCST_TYPE_*_BIT mask */
	uint8_t resv;                     /* enum scst_resv_access (pr.h) */
	uint8_t timeout;                  /* enum scst_op_timeout */
	/* Fills cmd->data_dir, bufflen, lba, nblocks from the CDB; returns
	 * SCST_S_OK or the error to report (field pointer set via
	 * scst_set_invalid_field when it returns SCST_S__COUNT). */
	enum scst_sense_id (*parse)(struct scst_cmd *cmd);
	/* CDB usage data bitmap for REPORT SUPPORTED OPERATION CODES. */
	uint8_t usage[16];
};

/* Finds the entry for the CDB on a device of `type`; NULL if unsupported. */
const struct scst_opcode_desc *scst_find_opcode(const uint8_t *cdb, unsigned cdb_len, int type);

/* False for an entry the device does not offer although its type has it:
 * SCST_OP_THIN_ONLY on a fully provisioned device, SCST_OP_EXPLICIT_ALUA
 * without explicit ALUA.  Parsing and REPORT SUPPORTED OPERATION CODES
 * both ask it, so they never disagree. */
bool scst_op_offered(const struct scst_opcode_desc *op, const struct scst_device *dev);
/* The pass-through rows (opcode_passthru.c) for a device of `type`:
 * direction and length only; NULL if none. */
const struct scst_opcode_desc *scst_find_passthru_opcode(const uint8_t *cdb, unsigned cdb_len,
							 int type);

/* Looks the opcode up and parses the CDB into cmd.  cmd->dev may be NULL
 * (unknown LUN): then only NO_LUN_OK opcodes are accepted.  On failure the
 * sense is already set in cmd and -1 is returned. */
int scst_parse_cdb(struct scst_cmd *cmd);

/* Iterates the table (for REPORT SUPPORTED OPERATION CODES). */
const struct scst_opcode_desc *scst_opcode_table(unsigned *count);

/* The largest data transfer one command may ask for (Block Limits VPD). */
uint32_t scst_max_xfer_bytes(void);
/* The largest data transfer for one command to dev: the core's, or less
 * when the backing device takes less (pass-through). */
uint32_t scst_dev_max_xfer_bytes(const struct scst_device *dev);
/* The largest WRITE SAME block count accepted (Block Limits VPD). */
uint32_t scst_max_write_same_blocks(const struct scst_device *dev);
/* The largest WRITE ATOMIC(16) block count accepted (Block Limits VPD). */
uint32_t scst_max_atomic_blocks(const struct scst_device *dev);

/* Answers REPORT SUPPORTED OPERATION CODES (MAINTENANCE IN, sa 0x0C) for
 * cmd->dev's type from the table: response data or INVALID FIELD IN CDB. */
void scst_report_supported_opcodes(struct scst_cmd *cmd);

/* MAINTENANCE IN answers about the target (spc_maint_in.c): REPORT
 * SUPPORTED TASK MANAGEMENT FUNCTIONS (sa 0x0D) and REPORT TARGET PORT
 * GROUPS (sa 0x0A): a device's device group (core/alua.c), or for a
 * device in none one implicit active/optimized group of every port
 * exporting the LU, whose id, also in VPD page 0x83, is: */
#define SCST_TARGET_PORT_GROUP_ID 1
void scst_report_supported_tmfs(struct scst_cmd *cmd);
void scst_report_target_port_groups(struct scst_cmd *cmd);

/* READ BUFFER / WRITE BUFFER: the capacity of a device's data buffer
 * (modes 02h data, 03h descriptor); offsets and lengths past it are
 * refused when the CDB is parsed. */
#define SCST_DATA_BUFFER_BYTES 16384u

/* MMC-6 CDB decoding (opcode_mmc.c), used by the table's CD/DVD entries. */
#define MMC_TOC_FORMAT_TOC      0
#define MMC_TOC_FORMAT_SESSION  1
#define MMC_TRACK_LEAD_OUT      0xaa
enum scst_sense_id scst_mmc_parse_read_toc(struct scst_cmd *cmd);
enum scst_sense_id scst_mmc_parse_get_configuration(struct scst_cmd *cmd);
enum scst_sense_id scst_mmc_parse_gesn(struct scst_cmd *cmd);
enum scst_sense_id scst_mmc_parse_read_disc_info(struct scst_cmd *cmd);
#define MMC_TRACK_ADDR_LBA      0
#define MMC_TRACK_ADDR_RESERVED 3
enum scst_sense_id scst_mmc_parse_read_track_info(struct scst_cmd *cmd);
enum scst_sense_id scst_mmc_parse_mechanism_status(struct scst_cmd *cmd);

#endif
