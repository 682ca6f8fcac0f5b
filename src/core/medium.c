/* medium.c - the removable medium of a logical unit: START STOP UNIT
 * (eject and load), PREVENT ALLOW MEDIUM REMOVAL, the insertion and
 * removal of a medium by management (vcdrom), and the events that lift a
 * prevention (LUN/target reset, end of the nexus).
 *
 * Whether the medium is there is two facts: the tray state set by START
 * STOP UNIT and whether anything is inserted.  The command path reads only
 * their combination, dev->medium_present, without the lock (a hint, as
 * for UAs); every change happens under dev->lock.  A PREVENT belongs to
 * the nexus that sent it, and removal is refused while any nexus holds
 * one (SBC-3 / MMC-6 PREVENT ALLOW MEDIUM REMOVAL). */
#include "scst.h"
#include "scst_priv.h"

#define SSU_START  0x01
#define SSU_LOEJ   0x02

/* Caller holds dev->lock; true when the medium just became accessible. */
static bool update_present(struct scst_device *dev)
{
	bool was = dev->medium_present;

	dev->medium_present = !dev->medium_ejected && !dev->medium_missing;
	return dev->medium_present && !was;
}

/* Caller holds dev->lock. */
static void set_prevent(struct scst_tgt_dev *td, bool prevent)
{
	if (td->prevent_removal == prevent)
		return;
	td->prevent_removal = prevent;
	if (prevent)
		td->dev->prevent_count++;
	else
		td->dev->prevent_count--;
}

bool scst_medium_removal_prevented(struct scst_device *dev)
{
	bool prevented;

	pthread_mutex_lock(&dev->lock);
	prevented = dev->prevent_count != 0;
	pthread_mutex_unlock(&dev->lock);
	return prevented;
}

/* PREVENT ALLOW MEDIUM REMOVAL.  SBC-3 made PREVENT values 10b/11b
 * obsolete; MMC-6 gives them the persistent prevent, which we treat as
 * the plain one (there is no front panel to lock out). */
void scst_medium_prevent_allow(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	uint8_t prevent = cmd->cdb[4] & 0x03;

	if (prevent > 1 && dev->type != 5) {
		scst_set_invalid_field(cmd, true, 4, 1);
		return;
	}
	if (!dev->removable)
		return;                 /* nothing to lock in: GOOD, as SCST */
	pthread_mutex_lock(&dev->lock);
	set_prevent(cmd->tgt_dev, prevent & 0x01);
	pthread_mutex_unlock(&dev->lock);
}

/* START STOP UNIT.  Only LOEJ with POWER CONDITION 0 moves the medium
 * (SBC-3 5.25); START alone is a power state we do not model, and a
 * non-removable unit has nothing to eject. */
void scst_medium_start_stop(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	uint8_t b4 = cmd->cdb[4];
	bool loaded;

	if ((b4 >> 4) || !(b4 & SSU_LOEJ) || !dev->removable)
		return;
	pthread_mutex_lock(&dev->lock);
	if (dev->prevent_count) {
		pthread_mutex_unlock(&dev->lock);
		scst_set_cmd_error(cmd, SCST_S_MEDIUM_REMOVAL_PREVENTED);
		return;
	}
	dev->medium_ejected = !(b4 & SSU_START);
	loaded = update_present(dev);
	pthread_mutex_unlock(&dev->lock);
	/* The loading nexus knows; the others learn the medium may differ. */
	if (loaded)
		scst_dev_queue_ua(dev, SCST_S_UA_MEDIUM_CHANGED, cmd->tgt_dev);
}

/* A medium put in while another was there is a change all the same. */
void scst_medium_set_inserted(struct scst_device *dev, bool inserted)
{
	bool ready;

	pthread_mutex_lock(&dev->lock);
	dev->medium_missing = !inserted;
	update_present(dev);
	ready = inserted && dev->medium_present;
	pthread_mutex_unlock(&dev->lock);
	if (ready)
		scst_dev_queue_ua(dev, SCST_S_UA_MEDIUM_CHANGED, NULL);
}

void scst_medium_reset(struct scst_device *dev)
{
	struct scst_tgt_dev *td;

	pthread_mutex_lock(&dev->lock);
	list_for_each_entry(td, &dev->tgt_devs, dev_node)
		set_prevent(td, false);
	pthread_mutex_unlock(&dev->lock);
}

void scst_medium_nexus_gone(struct scst_tgt_dev *tgt_dev)
{
	pthread_mutex_lock(&tgt_dev->dev->lock);
	set_prevent(tgt_dev, false);
	pthread_mutex_unlock(&tgt_dev->dev->lock);
}
