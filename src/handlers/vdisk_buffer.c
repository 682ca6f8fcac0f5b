/* vdisk_buffer.c - READ BUFFER and WRITE BUFFER on a vdisk's data buffer
 * (SPC-4 modes 02h data and 03h descriptor): SCST_DATA_BUFFER_BYTES kept
 * in memory per device, for initiators and tools that test the data path
 * without touching the medium.  Offsets and lengths were checked against
 * the capacity when the CDB was parsed. */
#include <stdlib.h>
#include <string.h>

#include "core/cdb.h"
#include "handlers/vdisk_priv.h"

static uint32_t buffer_offset(const struct scst_cmd *cmd)
{
	return get_be24(&cmd->cdb[3]);
}

/* Descriptor: OFFSET BOUNDARY 0 (any byte offset), then the capacity. */
static void read_descriptor(struct scst_cmd *cmd)
{
	uint8_t d[4];

	d[0] = 0;
	put_be24(&d[1], SCST_DATA_BUFFER_BYTES);
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

void vdisk_read_buffer(struct scst_cmd *cmd)
{
	struct vdisk_dev *vd = vdisk_of(cmd->dev);

	if ((cmd->cdb[1] & 0x1f) == 0x03) {
		read_descriptor(cmd);
		return;
	}
	/* A zero ALLOCATION LENGTH has no buffer to fill (cmd->buf is NULL). */
	if (!cmd->bufflen)
		return;
	/* A buffer never written reads as zeros. */
	pthread_mutex_lock(&vd->buffer_lock);
	if (vd->data_buffer)
		memcpy(cmd->buf, vd->data_buffer + buffer_offset(cmd), cmd->bufflen);
	else
		memset(cmd->buf, 0, cmd->bufflen);
	pthread_mutex_unlock(&vd->buffer_lock);
	cmd->resp_data_len = cmd->bufflen;
}

void vdisk_write_buffer(struct scst_cmd *cmd)
{
	struct vdisk_dev *vd = vdisk_of(cmd->dev);

	if (!cmd->bufflen)
		return;
	pthread_mutex_lock(&vd->buffer_lock);
	if (!vd->data_buffer)
		vd->data_buffer = calloc(1, SCST_DATA_BUFFER_BYTES);
	if (vd->data_buffer)
		memcpy(vd->data_buffer + buffer_offset(cmd), cmd->buf, cmd->bufflen);
	pthread_mutex_unlock(&vd->buffer_lock);
	if (!vd->data_buffer)
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
}
