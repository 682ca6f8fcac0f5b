/* alua_cmd.c - asymmetric logical unit access on the command path: the
 * check of a command against its port's state (the opcode table's ALUA
 * flags), what INQUIRY reports (TPGS, the port's group), REPORT TARGET
 * PORT GROUPS for a device of a device group, and SET TARGET PORT GROUPS.
 * The model is alua.c's. */
#include <stdlib.h>
#include <string.h>

#include "scst.h"
#include "alua.h"
#include "alua_priv.h"
#include "cdb.h"
#include "util/be.h"

/* SET TARGET PORT GROUPS descriptors accepted in one command. */
#define STPG_MAX_DESCRIPTORS 256
#define STPG_HEADER 4
#define STPG_DESCRIPTOR 4

bool scst_alua_op_offered(const struct scst_opcode_desc *op, const struct scst_device *dev)
{
	bool explicit;

	if (!(op->flags & SCST_OP_EXPLICIT_ALUA))
		return true;
	if (!dev)
		return false;
	pthread_mutex_lock(&scst_mutex);
	explicit = dev->alua_dg && (dev->alua_dg->tpgs & SCST_TPGS_EXPLICIT);
	pthread_mutex_unlock(&scst_mutex);
	return explicit;
}

uint8_t scst_alua_tpgs_bits(const struct scst_device *dev)
{
	enum scst_tpgs tpgs;

	pthread_mutex_lock(&scst_mutex);
	tpgs = dev->alua_dg ? dev->alua_dg->tpgs : SCST_TPGS_IMPLICIT;
	pthread_mutex_unlock(&scst_mutex);
	return (uint8_t)(tpgs << 4);
}

bool scst_alua_port_group(const struct scst_device *dev, const struct scst_tgt *tgt,
			  uint16_t *group_id)
{
	const struct scst_target_group *tg = NULL;
	bool found = true;

	pthread_mutex_lock(&scst_mutex);
	if (dev->alua_dg) {
		tg = scst_tg_of_port(dev->alua_dg, tgt->name);
		found = tg != NULL;
	}
	*group_id = tg ? tg->group_id : SCST_TARGET_PORT_GROUP_ID;
	pthread_mutex_unlock(&scst_mutex);
	return found;
}

/* SPC-4 5.16.2.4: the commands each state lets through are marked in the
 * opcode table; the rest end with the state's NOT READY sense.  Offline
 * answers as unavailable (SCST does the same). */
enum scst_sense_id scst_alua_check_state(unsigned state, uint32_t op_flags)
{
	switch (state) {
	case SCST_ALUA_OPTIMIZED:
	case SCST_ALUA_NONOPTIMIZED:
		return SCST_S_OK;
	case SCST_ALUA_STANDBY:
		return op_flags & SCST_OP_ALUA_STANDBY ? SCST_S_OK : SCST_S_ALUA_STANDBY;
	case SCST_ALUA_TRANSITIONING:
		return op_flags & SCST_OP_ALUA_TRANSITIONING ? SCST_S_OK
							     : SCST_S_ALUA_TRANSITIONING;
	default:
		return op_flags & SCST_OP_ALUA_UNAVAILABLE ? SCST_S_OK : SCST_S_ALUA_UNAVAILABLE;
	}
}

bool scst_alua_admits(struct scst_cmd *cmd)
{
	enum scst_sense_id id = scst_alua_check_state(cmd->tgt_dev->alua_state, cmd->op->flags);

	if (id == SCST_S_OK)
		return true;
	scst_set_cmd_error(cmd, id);
	return false;
}

/* T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP: every state but LBA dependent. */
#define ALUA_SUPPORTED_STATES (0x80 | 0x40 | 0x08 | 0x04 | 0x02 | 0x01)

static uint16_t member_rel_tgt_id(const struct scst_tg_tgt *m)
{
	const struct scst_tgt *tgt = scst_tg_tgt_local(m);

	return tgt ? tgt->rel_tgt_id : m->rel_tgt_id;
}

static uint32_t report_length(const struct scst_dev_group *dg)
{
	const struct scst_target_group *tg;
	const struct scst_tg_tgt *m;
	uint32_t len = 0;

	list_for_each_entry(tg, &dg->tgs, node) {
		len += 8;
		list_for_each_entry(m, &tg->tgts, node)
			len += 4;
	}
	return len;
}

static uint8_t *put_group(uint8_t *p, const struct scst_target_group *tg)
{
	const struct scst_tg_tgt *m;
	uint8_t *g = p;
	unsigned n = 0;

	g[0] = (tg->preferred ? 0x80 : 0) | tg->state;
	g[1] = ALUA_SUPPORTED_STATES;
	put_be16(&g[2], tg->group_id);
	g[5] = tg->status;
	p += 8;
	list_for_each_entry(m, &tg->tgts, node) {
		/* TARGET PORT COUNT is one byte: RTPG cannot describe more. */
		if (n == 255)
			break;
		put_be16(&p[2], member_rel_tgt_id(m));
		p += 4;
		n++;
	}
	g[7] = (uint8_t)n;
	return p;
}

bool scst_alua_report_groups(struct scst_cmd *cmd)
{
	bool extended = (cmd->cdb[1] >> 5) == 1;
	unsigned hdr = extended ? 8 : 4;
	const struct scst_target_group *tg;
	uint8_t *d, *p;
	uint32_t len;

	pthread_mutex_lock(&scst_mutex);
	if (!cmd->dev->alua_dg) {
		pthread_mutex_unlock(&scst_mutex);
		return false;
	}
	len = report_length(cmd->dev->alua_dg);
	d = calloc(1, hdr + len);
	if (!d) {
		pthread_mutex_unlock(&scst_mutex);
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return true;
	}
	p = d + hdr;
	list_for_each_entry(tg, &cmd->dev->alua_dg->tgs, node)
		p = put_group(p, tg);
	if (extended) {
		d[4] = 0x10;    /* format type 001b */
		d[5] = cmd->dev->alua_dg->transition_time;
	}
	pthread_mutex_unlock(&scst_mutex);
	len = (uint32_t)(p - d) - hdr;
	/* RETURN DATA LENGTH counts what follows the basic 4-byte header. */
	put_be32(d, len + hdr - 4);
	scst_cmd_set_resp_data(cmd, d, hdr + len);
	free(d);
	return true;
}

struct stpg_change {
	struct scst_target_group *tg;
	uint8_t state;
};

/* Checks every descriptor before anything changes: one bad one refuses
 * the whole list (SPC-4: no state is changed).  Returns the count or -1
 * with the sense set. */
static int stpg_collect(struct scst_cmd *cmd, const struct scst_dev_group *dg, uint32_t len,
			struct stpg_change *ch)
{
	int n = 0;

	for (uint32_t off = STPG_HEADER; off < len; off += STPG_DESCRIPTOR, n++) {
		const uint8_t *d = &cmd->buf[off];
		uint8_t state = d[0] & 0x0f;

		if (d[0] & 0xf0) {
			scst_set_invalid_field(cmd, false, off, 7);
			return -1;
		}
		/* Only primary states can be asked for by group; offline and
		 * transitioning are the target's to enter. */
		if (state != SCST_ALUA_OPTIMIZED && state != SCST_ALUA_NONOPTIMIZED &&
		    state != SCST_ALUA_STANDBY && state != SCST_ALUA_UNAVAILABLE) {
			scst_set_invalid_field(cmd, false, off, 3);
			return -1;
		}
		ch[n].tg = scst_tg_by_id(dg, get_be16(&d[2]));
		if (!ch[n].tg) {
			scst_set_invalid_field(cmd, false, off + 2, -1);
			return -1;
		}
		ch[n].state = state;
	}
	return n;
}

static void stpg_apply(struct scst_cmd *cmd, struct scst_dev_group *dg)
{
	uint32_t len = cmd->bufflen;
	struct stpg_change *ch;
	int n;

	if (len < STPG_HEADER || (len - STPG_HEADER) % STPG_DESCRIPTOR) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return;
	}
	ch = calloc((len - STPG_HEADER) / STPG_DESCRIPTOR + 1, sizeof(*ch));
	if (!ch) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	n = stpg_collect(cmd, dg, len, ch);
	for (int i = 0; i < n; i++)
		scst_tg_change_state_locked(ch[i].tg, ch[i].state, SCST_ALUA_STATUS_BY_STPG, cmd->sess);
	free(ch);
}

void scst_set_target_port_groups(struct scst_cmd *cmd)
{
	struct scst_dev_group *dg;

	pthread_mutex_lock(&scst_mutex);
	dg = cmd->dev->alua_dg;
	if (!dg || !(dg->tpgs & SCST_TPGS_EXPLICIT)) {
		/* Explicit ALUA went off since the command was parsed. */
		scst_set_cmd_error(cmd, SCST_S_INVALID_OPCODE);
	} else if (cmd->bufflen) {
		/* A zero length changes nothing (SPC-4). */
		stpg_apply(cmd, dg);
	}
	pthread_mutex_unlock(&scst_mutex);
}

/* Opcode table bounds: a longer list is refused before any data moves. */
uint32_t scst_stpg_max_param_len(void)
{
	return STPG_HEADER + STPG_DESCRIPTOR * STPG_MAX_DESCRIPTORS;
}
