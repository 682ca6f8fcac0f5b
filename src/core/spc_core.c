/* spc_core.c - the commands the core answers itself because they concern
 * the nexus rather than a device: REPORT LUNS (the session's LUN set),
 * REQUEST SENSE (pending unit attentions) and INQUIRY for a LUN that does
 * not exist (peripheral qualifier 3).  Reservation commands are dispatched
 * from here to reserve.c and pr_cmd.c, by the core's executor table. */
#include <stdlib.h>
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "scst.h"
#include "sanitize_state.h"
#include "scst_priv.h"
#include "util/be.h"

#define REPORT_LUNS_HEADER 8

static void report_luns(struct scst_cmd *cmd)
{
	struct scst_session *sess = cmd->sess;
	uint8_t select = cmd->cdb[2];
	uint32_t alloc = get_be32(&cmd->cdb[6]);
	uint32_t n = 0, len;
	uint8_t *data;

	if (select > 0x02) {
		scst_set_invalid_field(cmd, true, 2, -1);
		return;
	}
	if (alloc < 16) {
		scst_set_invalid_field(cmd, true, 6, -1);
		return;
	}
	for (unsigned i = 0; i < sess->nluns; i++)
		if (sess->luns[i])
			n++;
	len = REPORT_LUNS_HEADER + 8 * (n ? n : 1);
	data = calloc(1, len);
	if (!data) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	/* An empty set still reports LUN 0 so initiators keep probing. */
	put_be32(data, 8 * (n ? n : 1));
	n = 0;
	for (unsigned i = 0; i < sess->nluns; i++)
		if (sess->luns[i])
			scst_pack_lun(i, __atomic_load_n(&sess->acg->addr_method, __ATOMIC_RELAXED), &data[REPORT_LUNS_HEADER + 8 * n++]);
	/* Reading the LUN list is what the REPORTED LUNS DATA HAS CHANGED UA
	 * asks for; it is then no longer news (SPC-4 7.4.3). */
	scst_cmd_set_resp_data(cmd, data, len);
	free(data);
}

static void request_sense(struct scst_cmd *cmd)
{
	bool desc = cmd->cdb[1] & 0x01;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	unsigned len;

	if (!cmd->tgt_dev) {
		uint8_t key, asc, ascq;

		scst_sense_id_to_triple(SCST_S_LUN_NOT_SUPPORTED, &key, &asc, &ascq);
		len = scst_build_sense(sense, sizeof(sense), desc, key, asc, ascq);
	} else if (cmd->tgt_dev->ua_pending && scst_tgt_dev_pop_ua(cmd->tgt_dev, cmd)) {
		/* pop_ua built the UA into cmd->sense as CHECK CONDITION; here
		 * it is returned as data with GOOD status instead. */
		uint8_t key = cmd->sense[0] == 0x72 ? cmd->sense[1] : cmd->sense[2];
		uint8_t asc = cmd->sense[0] == 0x72 ? cmd->sense[2] : cmd->sense[12];
		uint8_t ascq = cmd->sense[0] == 0x72 ? cmd->sense[3] : cmd->sense[13];

		cmd->status = SAM_STAT_GOOD;
		cmd->sense_len = 0;
		len = scst_build_sense(sense, sizeof(sense), desc, key, asc, ascq);
	} else if (!(len = scst_sanitize_sense(cmd->dev, sense, sizeof(sense), desc))) {
		len = scst_build_sense(sense, sizeof(sense), desc, SK_NO_SENSE, 0, 0);
	}
	scst_cmd_set_resp_data(cmd, sense, len);
}

static void inquiry_no_lun(struct scst_cmd *cmd)
{
	uint8_t data[36];

	memset(data, 0, sizeof(data));
	data[0] = 0x7f;                 /* qualifier 3, type unknown */
	if (cmd->cdb[1] & 0x01) {
		/* VPD: header only, the page is not available here. */
		data[1] = cmd->cdb[2];
		scst_cmd_set_resp_data(cmd, data, 4);
		return;
	}
	data[2] = 0x06;                 /* SPC-4 */
	data[3] = 0x02;                 /* response data format */
	data[4] = sizeof(data) - 5;
	memcpy(&data[8], "SCST_   ", 8);
	memcpy(&data[16], "NO LUN          ", 16);
	memcpy(&data[32], "0001", 4);
	scst_cmd_set_resp_data(cmd, data, sizeof(data));
}

/* Commands the core answers itself: the rows with SCST_OP_CORE, and
 * INQUIRY for a LUN that does not exist.  answer() fills the response at
 * once; start() returns false when it completes the command later itself
 * (PERSISTENT RESERVE OUT, once its state is saved). */
struct core_executor {
	void (*answer)(struct scst_cmd *cmd);
	bool (*start)(struct scst_cmd *cmd);
};

static const struct core_executor core_executors[SCSI_OP__COUNT] = {
	[SCSI_OP_REPORT_LUNS] = { .answer = report_luns },
	[SCSI_OP_REQUEST_SENSE] = { .answer = request_sense },
	[SCSI_OP_INQUIRY] = { .answer = inquiry_no_lun },
	[SCSI_OP_RESERVE_6] = { .answer = scst_reserve_exec },
	[SCSI_OP_RESERVE_10] = { .answer = scst_reserve_exec },
	[SCSI_OP_RELEASE_6] = { .answer = scst_release_exec },
	[SCSI_OP_RELEASE_10] = { .answer = scst_release_exec },
	[SCSI_OP_PR_IN] = { .answer = scst_pr_in },
	[SCSI_OP_PR_OUT] = { .start = scst_pr_out },
	[SCSI_OP_SET_TARGET_PORT_GROUPS] = { .answer = scst_set_target_port_groups },
};

bool scst_core_op_has_executor(enum scsi_op_id id)
{
	return id < SCSI_OP__COUNT && (core_executors[id].answer || core_executors[id].start);
}

void scst_core_exec(struct scst_cmd *cmd)
{
	const struct core_executor *x = &core_executors[cmd->op->id];

	if (x->start) {
		if (!x->start(cmd))
			return;
	} else if (x->answer) {
		x->answer(cmd);
	} else {
		scst_set_cmd_error(cmd, cmd->tgt_dev ? SCST_S_INVALID_OPCODE
						     : SCST_S_LUN_NOT_SUPPORTED);
	}
	scst_cmd_done(cmd);
}
