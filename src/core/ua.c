/* ua.c - unit attention queues, one per I_T_L nexus.
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

/* Caller holds dev->lock. */
void scst_tgt_dev_queue_ua_locked(struct scst_tgt_dev *tgt_dev, enum scst_sense_id id)
{
	struct scst_ua *ua;

	list_for_each_entry(ua, &tgt_dev->uas, node)
		if (ua->id == id)
			return;         /* already pending: report once */
	if (ua_count(tgt_dev) >= SCST_MAX_UAS)
		return;
	ua = malloc(sizeof(*ua));
	if (!ua) {
		log_err("out of memory queueing a unit attention");
		return;
	}
	ua->id = id;
	list_add_tail(&ua->node, &tgt_dev->uas);
	tgt_dev->ua_pending = true;
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
	scst_set_cmd_error(cmd, ua->id);
	free(ua);
	return true;
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
