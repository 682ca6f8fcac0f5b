/* opcode_mmc.c - CDB decoding of the MMC-6 commands a CD/DVD-ROM logical
 * unit (vcdrom) answers: READ TOC/PMA/ATIP, GET CONFIGURATION, GET EVENT
 * STATUS NOTIFICATION, READ DISC INFORMATION, READ TRACK INFORMATION and
 * MECHANISM STATUS.  The
 * table entries are in scsi_ops.def; what a field may hold beyond its
 * reserved bits is checked here, before any medium or UA check. */
#include "cdb.h"
#include "scst.h"
#include "util/be.h"

static enum scst_sense_id invalid(struct scst_cmd *cmd, unsigned byte, int bit)
{
	scst_set_invalid_field(cmd, true, byte, bit);
	return SCST_S__COUNT;
}

static enum scst_sense_id data_in(struct scst_cmd *cmd, uint32_t len)
{
	cmd->data_dir = len ? SCST_DATA_READ : SCST_DATA_NONE;
	cmd->bufflen = len;
	return SCST_S_OK;
}

/* Formats 0 (TOC) and 1 (session information) describe a single-track,
 * single-session data disc completely; the raw formats (full TOC, PMA,
 * ATIP, CD-TEXT) have nothing to report for an ISO image.  A TOC starts at
 * track 0, 1 or the lead-out (0xAA); no other track exists. */
enum scst_sense_id scst_mmc_parse_read_toc(struct scst_cmd *cmd)
{
	uint8_t format = cmd->cdb[2] & 0x0f, track = cmd->cdb[6];

	if (format > MMC_TOC_FORMAT_SESSION)
		return invalid(cmd, 2, 3);
	if (format == MMC_TOC_FORMAT_TOC && track > 1 && track != MMC_TRACK_LEAD_OUT)
		return invalid(cmd, 6, -1);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

/* RT 3 is reserved. */
enum scst_sense_id scst_mmc_parse_get_configuration(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x03) == 3)
		return invalid(cmd, 1, 1);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

/* Only polled operation: asynchronous notification is not supported. */
enum scst_sense_id scst_mmc_parse_gesn(struct scst_cmd *cmd)
{
	if (!(cmd->cdb[1] & 0x01))
		return invalid(cmd, 1, 0);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

/* DATA TYPE 000b (standard disc information) only: track resources and
 * POW resources describe recordable media. */
enum scst_sense_id scst_mmc_parse_read_disc_info(struct scst_cmd *cmd)
{
	if (cmd->cdb[1] & 0x07)
		return invalid(cmd, 1, 2);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

/* The disc has one track in one session: by track or session number only
 * number 1 exists (the invisible and lead-in tracks do not on a finalized
 * disc); an LBA is checked against the medium when the command runs. */
enum scst_sense_id scst_mmc_parse_read_track_info(struct scst_cmd *cmd)
{
	uint8_t type = cmd->cdb[1] & 0x03;
	uint32_t number = get_be32(&cmd->cdb[2]);

	if (type == MMC_TRACK_ADDR_RESERVED)
		return invalid(cmd, 1, 1);
	if (type != MMC_TRACK_ADDR_LBA && number != 1)
		return invalid(cmd, 2, -1);
	return data_in(cmd, get_be16(&cmd->cdb[7]));
}

enum scst_sense_id scst_mmc_parse_mechanism_status(struct scst_cmd *cmd)
{
	return data_in(cmd, get_be16(&cmd->cdb[8]));
}
