/* sense.c - the one table that turns an error id into sense bytes, and the
 * builders for fixed (0x70) and descriptor (0x72) format sense data.
 *
 * Every layer reports errors as an enum scst_sense_id; only this file knows
 * the key/ASC/ASCQ numbers, so a wrong code is fixed in one place. */
#include <string.h>

#include "scst.h"
#include "util/be.h"

struct sense_triple {
	uint8_t key, asc, ascq;
};

static const struct sense_triple sense_table[SCST_S__COUNT] = {
	[SCST_S_OK]                        = { SK_NO_SENSE, 0x00, 0x00 },
	[SCST_S_INVALID_OPCODE]            = { SK_ILLEGAL_REQUEST, 0x20, 0x00 },
	[SCST_S_LBA_OUT_OF_RANGE]          = { SK_ILLEGAL_REQUEST, 0x21, 0x00 },
	[SCST_S_INVALID_FIELD_IN_CDB]      = { SK_ILLEGAL_REQUEST, 0x24, 0x00 },
	[SCST_S_LUN_NOT_SUPPORTED]         = { SK_ILLEGAL_REQUEST, 0x25, 0x00 },
	[SCST_S_INVALID_FIELD_IN_PARAM]    = { SK_ILLEGAL_REQUEST, 0x26, 0x00 },
	[SCST_S_INVALID_FIELD_IN_IU]       = { SK_ILLEGAL_REQUEST, 0x0e, 0x03 },
	[SCST_S_PARAM_LIST_LENGTH_ERROR]   = { SK_ILLEGAL_REQUEST, 0x1a, 0x00 },
	[SCST_S_SAVING_PARAMS_UNSUP]       = { SK_ILLEGAL_REQUEST, 0x39, 0x00 },
	[SCST_S_INVALID_RELEASE_OF_PR]     = { SK_ILLEGAL_REQUEST, 0x26, 0x04 },
	[SCST_S_MEDIUM_REMOVAL_PREVENTED]  = { SK_ILLEGAL_REQUEST, 0x53, 0x02 },
	[SCST_S_INVALID_MESSAGE]           = { SK_ABORTED_COMMAND, 0x49, 0x00 },
	[SCST_S_WRITE_PROTECTED]           = { SK_DATA_PROTECT, 0x27, 0x00 },
	[SCST_S_SW_WRITE_PROTECTED]        = { SK_DATA_PROTECT, 0x27, 0x02 },
	[SCST_S_SPACE_ALLOC_FAILED_WP]     = { SK_DATA_PROTECT, 0x27, 0x07 },
	[SCST_S_MEDIUM_NOT_PRESENT]        = { SK_NOT_READY, 0x3a, 0x00 },
	[SCST_S_NOT_READY_MANUAL_INTERVENTION] = { SK_NOT_READY, 0x04, 0x03 },
	[SCST_S_READ_ERROR]                = { SK_MEDIUM_ERROR, 0x11, 0x00 },
	[SCST_S_WRITE_ERROR]               = { SK_MEDIUM_ERROR, 0x0c, 0x00 },
	[SCST_S_INTERNAL_FAILURE]          = { SK_HARDWARE_ERROR, 0x44, 0x00 },
	[SCST_S_LU_COMM_FAILURE]           = { SK_HARDWARE_ERROR, 0x08, 0x00 },
	[SCST_S_LU_COMM_TIMEOUT]           = { SK_HARDWARE_ERROR, 0x08, 0x01 },
	[SCST_S_MISCOMPARE]                = { SK_MISCOMPARE, 0x1d, 0x00 },
	[SCST_S_INSUFFICIENT_RESOURCES]    = { SK_ABORTED_COMMAND, 0x55, 0x03 },
	[SCST_S_INSUFFICIENT_REG_RESOURCES] = { SK_ILLEGAL_REQUEST, 0x55, 0x04 },
	[SCST_S_DATA_PHASE_ERROR]          = { SK_ABORTED_COMMAND, 0x4b, 0x00 },
	[SCST_S_COMMANDS_ABORTED]          = { SK_ABORTED_COMMAND, 0x00, 0x00 },
	[SCST_S_UA_POWER_ON]               = { SK_UNIT_ATTENTION, 0x29, 0x00 },
	[SCST_S_UA_RESET]                  = { SK_UNIT_ATTENTION, 0x29, 0x03 },
	[SCST_S_UA_NEXUS_LOSS]             = { SK_UNIT_ATTENTION, 0x29, 0x07 },
	[SCST_S_UA_MODE_PARAMS_CHANGED]    = { SK_UNIT_ATTENTION, 0x2a, 0x01 },
	[SCST_S_UA_RESERVATIONS_PREEMPTED] = { SK_UNIT_ATTENTION, 0x2a, 0x03 },
	[SCST_S_UA_RESERVATIONS_RELEASED]  = { SK_UNIT_ATTENTION, 0x2a, 0x04 },
	[SCST_S_UA_REGISTRATIONS_PREEMPTED] = { SK_UNIT_ATTENTION, 0x2a, 0x05 },
	[SCST_S_UA_CAPACITY_CHANGED]       = { SK_UNIT_ATTENTION, 0x2a, 0x09 },
	[SCST_S_UA_COMMANDS_CLEARED]       = { SK_UNIT_ATTENTION, 0x2f, 0x00 },
	[SCST_S_UA_INQUIRY_DATA_CHANGED]   = { SK_UNIT_ATTENTION, 0x3f, 0x03 },
	[SCST_S_UA_REPORTED_LUNS_CHANGED]  = { SK_UNIT_ATTENTION, 0x3f, 0x0e },
	[SCST_S_UA_MEDIUM_CHANGED]         = { SK_UNIT_ATTENTION, 0x28, 0x00 },
	[SCST_S_ALUA_TRANSITIONING]        = { SK_NOT_READY, 0x04, 0x0a },
	[SCST_S_ALUA_STANDBY]              = { SK_NOT_READY, 0x04, 0x0b },
	[SCST_S_ALUA_UNAVAILABLE]          = { SK_NOT_READY, 0x04, 0x0c },
	[SCST_S_UA_ALUA_STATE_CHANGED]     = { SK_UNIT_ATTENTION, 0x2a, 0x06 },
};

void scst_sense_id_to_triple(enum scst_sense_id id, uint8_t *key, uint8_t *asc, uint8_t *ascq)
{
	if ((unsigned)id >= SCST_S__COUNT)
		id = SCST_S_INTERNAL_FAILURE;
	*key = sense_table[id].key;
	*asc = sense_table[id].asc;
	*ascq = sense_table[id].ascq;
}

unsigned scst_build_sense(uint8_t *buf, unsigned size, bool descriptor, uint8_t key, uint8_t asc,
			  uint8_t ascq)
{
	unsigned len = descriptor ? 8 : 18;

	if (size < len)
		return 0;
	memset(buf, 0, len);
	if (descriptor) {
		buf[0] = 0x72;
		buf[1] = key & 0x0f;
		buf[2] = asc;
		buf[3] = ascq;
		buf[7] = 0;                     /* no descriptors yet */
	} else {
		buf[0] = 0x70;
		buf[2] = key & 0x0f;
		buf[7] = 10;                    /* additional length */
		buf[12] = asc;
		buf[13] = ascq;
	}
	return len;
}

static bool cmd_wants_descriptor_sense(const struct scst_cmd *cmd)
{
	return cmd->dev && cmd->dev->d_sense;
}

void scst_set_cmd_sense(struct scst_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
	cmd->status = SAM_STAT_CHECK_CONDITION;
	cmd->sense_len = scst_build_sense(cmd->sense, sizeof(cmd->sense),
					  cmd_wants_descriptor_sense(cmd), key, asc, ascq);
	cmd->resp_data_len = 0;
}

void scst_set_cmd_error(struct scst_cmd *cmd, enum scst_sense_id id)
{
	uint8_t key, asc, ascq;

	scst_sense_id_to_triple(id, &key, &asc, &ascq);
	scst_set_cmd_sense(cmd, key, asc, ascq);
}

/* Sense-key specific bytes: SKSV, C/D, BPV and bit pointer, field pointer. */
static void fill_field_pointer(uint8_t sks[3], bool in_cdb, unsigned byte, int bit)
{
	sks[0] = 0x80 | (in_cdb ? 0x40 : 0);
	if (bit >= 0)
		sks[0] |= 0x08 | (bit & 7);
	put_be16(&sks[1], (uint16_t)byte);
}

void scst_set_invalid_field(struct scst_cmd *cmd, bool in_cdb, unsigned byte, int bit)
{
	scst_set_cmd_error(cmd, in_cdb ? SCST_S_INVALID_FIELD_IN_CDB : SCST_S_INVALID_FIELD_IN_PARAM);
	if (cmd->sense[0] == 0x70) {
		fill_field_pointer(&cmd->sense[15], in_cdb, byte, bit);
	} else if ((size_t)cmd->sense_len + 8 <= sizeof(cmd->sense)) {
		uint8_t *d = &cmd->sense[cmd->sense_len];

		memset(d, 0, 8);
		d[0] = 0x02;                    /* sense key specific descriptor */
		d[1] = 0x06;
		fill_field_pointer(&d[4], in_cdb, byte, bit);
		cmd->sense_len += 8;
		cmd->sense[7] += 8;
	}
}

void scst_set_sense_info(struct scst_cmd *cmd, uint64_t info)
{
	if (cmd->sense[0] == 0x70) {
		cmd->sense[0] |= 0x80;          /* VALID */
		for (int i = 0; i < 4; i++)
			cmd->sense[3 + i] = (uint8_t)(info >> (24 - 8 * i));
	} else if ((size_t)cmd->sense_len + 12 <= sizeof(cmd->sense)) {
		uint8_t *d = &cmd->sense[cmd->sense_len];

		memset(d, 0, 12);
		d[0] = 0x00;                    /* information descriptor */
		d[1] = 0x0a;
		d[2] = 0x80;                    /* VALID */
		for (int i = 0; i < 8; i++)
			d[4 + i] = (uint8_t)(info >> (56 - 8 * i));
		cmd->sense_len += 12;
		cmd->sense[7] += 12;
	}
}
