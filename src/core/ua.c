/* ua.c - unit attention queues, one per I_T_L nexus, and the fan-out of
 * the unit attentions a pass-through device reports to its one nexus.
 *
 * UAs are raised from any thread (management, other sessions' resets), so
 * the queues sit under the device lock; the command path only reads the
 * ua_pending hint and takes the lock when it is set. */
#include <stdlib.h>

#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

#define SCST_MAX_UAS 16

static unsigned ua_count(const struct scst_tgt_dev *tgt_dev)
{
	const struct scst_ua *ua;
	unsigned n = 0;

	list_for_each_entry(ua, &tgt_dev->uas, node)
		n++;
	return n;
}

static bool same_ua(const struct scst_ua *a, const struct scst_ua *b)
{
	return a->id == b->id &&
	       (a->id != SCST_S_OK || (a->key == b->key && a->asc == b->asc && a->ascq == b->ascq));
}

/* Caller holds dev->lock. */
static void queue_ua_locked(struct scst_tgt_dev *tgt_dev, const struct scst_ua *want)
{
	struct scst_ua *ua;

	list_for_each_entry(ua, &tgt_dev->uas, node)
		if (same_ua(ua, want))
			return;         /* already pending: report once */
	if (ua_count(tgt_dev) >= SCST_MAX_UAS)
		return;
	ua = malloc(sizeof(*ua));
	if (!ua) {
		log_err("out of memory queueing a unit attention");
		return;
	}
	*ua = *want;
	list_add_tail(&ua->node, &tgt_dev->uas);
	tgt_dev->ua_pending = true;
}

void scst_tgt_dev_queue_ua_locked(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id)
{
	struct scst_ua want = { .id = id };

	queue_ua_locked(tgt_dev, &want);
}

void scst_tgt_dev_queue_ua(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id)
{
	pthread_mutex_lock(&tgt_dev->dev->lock);
	scst_tgt_dev_queue_ua_locked(tgt_dev, id);
	pthread_mutex_unlock(&tgt_dev->dev->lock);
}

void scst_dev_queue_ua(struct scst_device *dev, enum scst_sense_id id,
		       const struct scst_tgt_dev *except)
{
	struct scst_tgt_dev *td;

	pthread_mutex_lock(&dev->lock);
	list_for_each_entry(td, &dev->tgt_devs, dev_node)
		if (td != except)
			scst_tgt_dev_queue_ua_locked(td, id);
	pthread_mutex_unlock(&dev->lock);
}

bool scst_tgt_dev_pop_ua(struct scst_tgt_dev *tgt_dev, struct scst_cmd *cmd)
{
	struct scst_ua *ua = NULL;

	pthread_mutex_lock(&tgt_dev->dev->lock);
	if (!list_empty(&tgt_dev->uas)) {
		ua = list_first_entry(&tgt_dev->uas, struct scst_ua, node);
		list_del(&ua->node);
	}
	tgt_dev->ua_pending = !list_empty(&tgt_dev->uas);
	pthread_mutex_unlock(&tgt_dev->dev->lock);
	if (!ua)
		return false;
	if (ua->id == SCST_S_OK)
		scst_set_cmd_sense(cmd, ua->key, ua->asc, ua->ascq);
	else
		scst_set_cmd_error(cmd, ua->id);
	free(ua);
	return true;
}

bool scst_sense_triple(const uint8_t *s, unsigned len, uint8_t *key, uint8_t *asc,
		       uint8_t *ascq)
{
	uint8_t code = len ? s[0] & 0x7f : 0;

	if ((code == 0x70 || code == 0x71) && len >= 14) {
		*key = s[2] & 0x0f;
		*asc = s[12];
		*ascq = s[13];
		return true;
	}
	if ((code == 0x72 || code == 0x73) && len >= 4) {
		*key = s[1] & 0x0f;
		*asc = s[2];
		*ascq = s[3];
		return true;
	}
	return false;
}

void scst_dev_device_ua(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	struct scst_ua want = { .id = SCST_S_OK };
	struct scst_tgt_dev *td;

	if (cmd->status != SAM_STAT_CHECK_CONDITION ||
	    !scst_sense_triple(cmd->sense, cmd->sense_len, &want.key, &want.asc, &want.ascq) ||
	    want.key != SK_UNIT_ATTENTION)
		return;
	log_info("%s: the device reports unit attention %02x/%02x: established for every nexus",
		 dev->name, want.asc, want.ascq);
	if (want.asc == 0x29) {
		scst_reserve_reset(dev);
		scst_medium_reset(dev);
	}
	pthread_mutex_lock(&dev->lock);
	list_for_each_entry(td, &dev->tgt_devs, dev_node)
		if (td != cmd->tgt_dev)
			queue_ua_locked(td, &want);
	pthread_mutex_unlock(&dev->lock);
}

void scst_tgt_dev_clear_uas(struct scst_tgt_dev *tgt_dev)
{
	struct scst_ua *ua, *tmp;

	pthread_mutex_lock(&tgt_dev->dev->lock);
	list_for_each_entry_safe(ua, tmp, &tgt_dev->uas, node) {
		list_del(&ua->node);
		free(ua);
	}
	tgt_dev->ua_pending = false;
	pthread_mutex_unlock(&tgt_dev->dev->lock);
}
