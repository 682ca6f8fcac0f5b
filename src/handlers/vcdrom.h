/* vcdrom.h - what the vcdrom handler's files share: the per-device state
 * beyond the vdisk one and the MMC-6 answers built by vcdrom_mmc.c. */
#ifndef SCSTD_HANDLERS_VCDROM_H
#define SCSTD_HANDLERS_VCDROM_H

#include <stdbool.h>
#include <stdint.h>

#include "core/scsi_op.h"
#include "core/scst_dev.h"

#define VCDROM_BLOCK_SIZE 2048u
#define VCDROM_BLOCK_SHIFT 11
/* A larger image is reported as a DVD-ROM: 80 minutes of CD-ROM mode 1
 * sectors (MMC-6 4.2) is the most a CD holds. */
#define VCDROM_CD_MAX_BLOCKS (80u * 60u * 75u)

/* Kept in vdisk_dev.handler_priv, under dev->lock. */
struct vcdrom_state {
	/* The medium state GET EVENT STATUS NOTIFICATION last reported: a
	 * change is reported once as a media event. */
	bool reported_present;
};

/* True when a vcdrom runs the command with that id: by its own MMC
 * executors or vdisk's (test_op_exec.c); the second only its own. */
bool vcdrom_op_has_executor(enum scsi_op_id id);
bool vcdrom_op_has_own_executor(enum scsi_op_id id);

/* MMC-6 answers (response data or sense set; the caller completes). */
void vcdrom_read_toc(struct scst_cmd *cmd);
void vcdrom_get_configuration(struct scst_cmd *cmd);
void vcdrom_get_event_status(struct scst_cmd *cmd);
void vcdrom_read_disc_info(struct scst_cmd *cmd);
void vcdrom_read_track_info(struct scst_cmd *cmd);
void vcdrom_mechanism_status(struct scst_cmd *cmd);
/* The CD capabilities and mechanical status mode page (0x2A). */
unsigned vcdrom_mode_page(const struct scst_device *dev, uint8_t code, bool changeable,
			  uint8_t *p);

#endif
