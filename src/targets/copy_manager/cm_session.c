/* cm_session.c - copy_manager_sess, the copy manager's own session on
 * copy_manager_tgt (SCST's scst_cm_sess, initiator name
 * "copy_manager_sess"): every command the copy manager issues is a command
 * of this session, through the core, on the session's loop, so it is
 * counted, reserved against, aborted and shown like any other.  Here:
 * the session, and the INQUIRY SCST sends for VPD page 0x83 whenever a
 * LUN of copy_manager_tgt is added (scst_cm_send_init_inquiry: EVPD,
 * allocation length 4096, HEAD OF QUEUE), whose designators are those the
 * copy manager then matches CSCD descriptors against. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"
#include "util/be.h"
#include "util/ioloop.h"
#include "util/list.h"
#include "util/log.h"

#define CM_SESS_NAME "copy_manager_sess"
#define INQ_ALLOC_LEN 4096
#define VPD_DEVICE_ID 0x83
#define DESIG_MAX 512

static struct scst_session *cm_sess;
static unsigned seen_generation;        /* the session's loop only */

/* The designators a LUN's device reported (VPD 0x83 without its header). */
struct cm_desig {
	struct list_head node;
	uint64_t lun;
	const struct scst_device *dev;
	size_t len;
	uint8_t data[DESIG_MAX];
};

static pthread_mutex_t desig_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list_head desigs = LIST_HEAD_INIT(desigs);

struct cm_inquiry {
	enum cm_cmd_kind kind;          /* CM_CMD_INQUIRY */
	uint64_t lun;
};

int cm_session_init(void)
{
	cm_sess = scst_register_session(cm_tgt, CM_SESS_NAME, NULL, NULL);
	return cm_sess ? 0 : -ENOMEM;
}

void copy_manager_start(void)
{
	/* Under scst_mutex: the core's LUN resync walks sessions by loop. */
	pthread_mutex_lock(&scst_mutex);
	__atomic_store_n(&cm_sess->loop, ioloop_get(0), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&scst_mutex);
}

void cm_close_sessions(struct scst_tgt *tgt)
{
	struct cm_desig *e, *tmp;

	(void)tgt;
	if (!cm_sess)
		return;
	scst_unregister_session(cm_sess);
	cm_sess = NULL;
	pthread_mutex_lock(&desig_lock);
	list_for_each_entry_safe(e, tmp, &desigs, node) {
		list_del(&e->node);
		free(e);
	}
	pthread_mutex_unlock(&desig_lock);
}

struct ioloop *cm_session_loop(void)
{
	return cm_sess ? __atomic_load_n(&cm_sess->loop, __ATOMIC_ACQUIRE) : NULL;
}

struct scst_cmd *cm_session_cmd(uint64_t lun, const uint8_t *cdb, unsigned cdb_len,
				void *tgt_priv)
{
	unsigned gen = __atomic_load_n(&cm_sess->acg->generation, __ATOMIC_ACQUIRE);
	struct scst_cmd *cmd;
	uint8_t lun8[8];

	if (gen != seen_generation) {
		if (scst_session_sync_luns(cm_sess) < 0)
			return NULL;
		seen_generation = gen;
	}
	scst_pack_lun(lun, __atomic_load_n(&cm_sess->acg->addr_method, __ATOMIC_RELAXED), lun8);
	cmd = scst_rx_cmd(cm_sess, lun8, cdb, cdb_len);
	if (!cmd)
		return NULL;
	cmd->tag = (uint64_t)(uintptr_t)tgt_priv;
	cmd->queue_type = SCST_CMD_QUEUE_SIMPLE;
	cmd->tgt_priv = tgt_priv;
	return cmd;
}

static void inquiry_on_loop(void *arg)
{
	static const uint8_t cdb[6] = { 0x12, 0x01, VPD_DEVICE_ID, INQ_ALLOC_LEN >> 8, 0, 0 };
	struct cm_inquiry *inq = arg;
	struct scst_cmd *cmd = cm_session_cmd(inq->lun, cdb, sizeof(cdb), inq);

	if (!cmd) {
		log_err("copy manager: out of memory: LUN %llu's designators unknown",
			(unsigned long long)inq->lun);
		free(inq);
		return;
	}
	scst_cmd_set_expected(cmd, SCST_DATA_READ, INQ_ALLOC_LEN);
	cmd->queue_type = SCST_CMD_QUEUE_HEAD_OF_QUEUE;
	scst_cmd_init_done(cmd);
}

void cm_lun_added(struct scst_tgt *tgt, uint64_t lun)
{
	struct ioloop *loop = cm_session_loop();
	struct cm_inquiry *inq;

	(void)tgt;
	if (!loop) {
		log_err("copy manager: LUN %llu added before the I/O loops run",
			(unsigned long long)lun);
		return;
	}
	inq = calloc(1, sizeof(*inq));
	if (inq) {
		inq->kind = CM_CMD_INQUIRY;
		inq->lun = lun;
	}
	if (!inq || ioloop_run_on(loop, inquiry_on_loop, inq) < 0) {
		free(inq);
		log_err("copy manager: out of memory: LUN %llu's designators unknown",
			(unsigned long long)lun);
	}
}

/* On the session's loop, which alone reads its nexus table: the LUNs of
 * the device (compared, never dereferenced: it may be gone by now). */
static void inquiry_changed_on_loop(void *arg)
{
	const struct scst_device *dev = arg;

	if (scst_session_sync_luns(cm_sess) < 0)
		log_err("copy manager: out of memory: a changed device's designators unknown");
	for (unsigned i = 0; i < cm_sess->nluns; i++)
		if (cm_sess->luns[i] && cm_sess->luns[i]->dev == dev)
			cm_lun_added(cm_tgt, i);
}

void cm_inquiry_changed(struct scst_device *dev)
{
	struct ioloop *loop = cm_session_loop();

	if (!loop || !scst_copy_dev_auto_assignable(dev))
		return;
	if (ioloop_run_on(loop, inquiry_changed_on_loop, dev) < 0)
		log_err("copy manager: out of memory: %s's new designators unknown", dev->name);
}

/* Replaces what was known of lun (a LUN replaced or re-added). */
static void store_designators(uint64_t lun, const struct scst_device *dev, const uint8_t *d,
			      size_t len)
{
	struct cm_desig *e, *tmp, *fresh = calloc(1, sizeof(*fresh));

	if (fresh) {
		fresh->lun = lun;
		fresh->dev = dev;
		fresh->len = len < DESIG_MAX ? len : DESIG_MAX;
		memcpy(fresh->data, d, fresh->len);
	}
	pthread_mutex_lock(&desig_lock);
	list_for_each_entry_safe(e, tmp, &desigs, node)
		if (e->lun == lun) {
			list_del(&e->node);
			free(e);
		}
	if (fresh)
		list_add_tail(&fresh->node, &desigs);
	pthread_mutex_unlock(&desig_lock);
	if (!fresh)
		log_err("copy manager: out of memory: LUN %llu's designators unknown",
			(unsigned long long)lun);
}

static void inquiry_done(struct scst_cmd *cmd)
{
	struct cm_inquiry *inq = cmd->tgt_priv;
	const uint8_t *p = cmd->buf;
	size_t n = cmd->resp_data_len;

	if (cmd->aborted || cmd->status != SAM_STAT_GOOD || n < 4 || p[1] != VPD_DEVICE_ID) {
		log_warn("copy manager: INQUIRY of LUN %llu failed (status 0x%02x): its device "
			 "cannot be copied", (unsigned long long)inq->lun, cmd->status);
	} else if (p[0] != 0) {
		/* As SCST: only a connected disk (qualifier and type 0) is a
		 * copy source or destination. */
		log_debug("copy manager: LUN %llu is not a disk (0x%02x): not copied",
			  (unsigned long long)inq->lun, p[0]);
	} else {
		if (n > 4u + get_be16(&p[2]))
			n = 4u + get_be16(&p[2]);
		store_designators(inq->lun, cmd->dev, p + 4, n - 4);
	}
	scst_tgt_cmd_done(cmd);
	free(inq);
}

bool cm_lun_has_designator(uint64_t lun, const struct scst_device *dev, const uint8_t *desig,
			   size_t len)
{
	const struct cm_desig *e;
	bool found = false;

	pthread_mutex_lock(&desig_lock);
	list_for_each_entry(e, &desigs, node) {
		size_t off = 0;

		if (e->lun != lun || e->dev != dev)
			continue;
		while (!found && off + 4 <= e->len && off + 4u + e->data[off + 3] <= e->len) {
			size_t dlen = 4u + e->data[off + 3];

			/* Byte 2 is reserved: compare the rest. */
			found = dlen == len && e->data[off] == desig[0] &&
				e->data[off + 1] == desig[1] &&
				!memcmp(&e->data[off + 3], &desig[3], len - 3);
			off += dlen;
		}
	}
	pthread_mutex_unlock(&desig_lock);
	return found;
}

/* Only the session's own commands reach these. */
void cm_xmit_response(struct scst_cmd *cmd)
{
	if (*(enum cm_cmd_kind *)cmd->tgt_priv == CM_CMD_INQUIRY)
		inquiry_done(cmd);
	else
		cm_copy_xmit_response(cmd);
}

void cm_rdy_to_xfer(struct scst_cmd *cmd)
{
	cm_copy_rdy_to_xfer(cmd);
}
