/* mgmt_access.c - the removal and change operations of the configuration
 * that only the management tree uses (LUN del/clear, group del, initiator
 * del/clear/move, rel_tgt_id, which moves PR registrations along).  Like
 * registry.c: under scst_mutex, and every check is made before anything
 * changes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mgmt_access.h"
#include "core/scst_priv.h"
#include "util/log.h"

/* Caller holds scst_mutex. */
static unsigned acg_sessions(const struct scst_acg *acg)
{
	const struct scst_session *sess;
	unsigned n = 0;

	list_for_each_entry(sess, &acg->tgt->sessions, node)
		if (sess->acg == acg)
			n++;
	return n;
}

static int refuse_if_busy(const struct scst_acg *acg, char *err, size_t errlen)
{
	unsigned n = acg_sessions(acg);

	if (!n)
		return 0;
	scst_errf(err, errlen, "group '%s' of target '%s' is used by %u session(s)", acg->name,
		  acg->tgt->name, n);
	return -EBUSY;
}

struct scst_acg_dev *scst_acg_find_lun(struct scst_acg *acg, uint64_t lun)
{
	struct scst_acg_dev *ad;

	list_for_each_entry(ad, &acg->acg_devs, node)
		if (ad->lun == lun)
			return ad;
	return NULL;
}

static void acg_dev_free(struct scst_acg_dev *ad)
{
	ad->dev->export_count--;
	list_del(&ad->node);
	free(ad);
}

int scst_acg_del_lun(struct scst_acg *acg, uint64_t lun, char *err, size_t errlen)
{
	struct scst_acg_dev *ad;
	int rc;

	pthread_mutex_lock(&scst_mutex);
	ad = scst_acg_find_lun(acg, lun);
	if (!ad) {
		scst_errf(err, errlen, "LUN %llu not found in group '%s'", (unsigned long long)lun,
			  acg->name);
		rc = -ENOENT;
	} else {
		rc = 0;
		log_info("%s/%s: LUN %llu (device %s) deleted", acg->tgt->name, acg->name,
			 (unsigned long long)lun, ad->dev->name);
		acg_dev_free(ad);
		acg->generation++;
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

size_t scst_dev_unexport(const char *dev_name, struct scst_acg **acgs, size_t max)
{
	struct scst_tgt *tgt;
	size_t n = 0;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node) {
		struct scst_acg *acg = tgt->default_acg;
		struct list_head *next = tgt->acg_list.next;

		/* The default group first, then the ini_groups. */
		while (acg) {
			struct scst_acg_dev *ad, *tmp;
			bool hit = false;

			list_for_each_entry_safe(ad, tmp, &acg->acg_devs, node) {
				if (strcmp(ad->dev->name, dev_name) || (!hit && n == max))
					continue;
				log_info("%s/%s: LUN %llu (device %s) deleted with its device",
					 tgt->name, acg->name, (unsigned long long)ad->lun, dev_name);
				acg_dev_free(ad);
				hit = true;
			}
			if (hit) {
				acg->generation++;
				acgs[n++] = acg;
			}
			if (next == &tgt->acg_list) {
				acg = NULL;
			} else {
				acg = list_entry(next, struct scst_acg, node);
				next = next->next;
			}
		}
	}
	pthread_mutex_unlock(&scst_mutex);
	return n;
}

int scst_acg_clear_luns(struct scst_acg *acg, char *err, size_t errlen)
{
	struct scst_acg_dev *ad, *tmp;

	(void)err;
	(void)errlen;
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry_safe(ad, tmp, &acg->acg_devs, node)
		acg_dev_free(ad);
	acg->generation++;
	log_info("%s/%s: all LUNs deleted", acg->tgt->name, acg->name);
	pthread_mutex_unlock(&scst_mutex);
	return 0;
}

int scst_acg_replace_lun(struct scst_acg *acg, uint64_t lun, const char *dev_name,
			 bool read_only, char *err, size_t errlen)
{
	struct scst_device *dev;
	struct scst_acg_dev *ad;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	dev = scst_find_device(dev_name);
	ad = scst_acg_find_lun(acg, lun);
	if (!dev) {
		scst_errf(err, errlen, "device '%s' not found", dev_name);
		rc = -ENOENT;
	} else if (ad) {
		ad->dev->export_count--;
		dev->export_count++;
		ad->dev = dev;
		ad->read_only = read_only;
		acg->generation++;
		log_info("%s/%s: LUN %llu replaced by device %s%s", acg->tgt->name, acg->name,
			 (unsigned long long)lun, dev_name, read_only ? " (read-only)" : "");
	}
	pthread_mutex_unlock(&scst_mutex);
	if (rc == 0 && !ad)
		return scst_acg_add_lun(acg, lun, dev_name, read_only, err, errlen);
	if (rc == 0)
		scst_tell_lun_added(acg, lun);
	return rc;
}

int scst_del_acg(struct scst_acg *acg, char *err, size_t errlen)
{
	struct scst_acg_dev *ad, *tad;
	struct scst_acn *acn, *tacn;
	int rc;

	if (acg->is_default) {
		scst_errf(err, errlen, "the default group of a target cannot be deleted");
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	rc = refuse_if_busy(acg, err, errlen);
	if (rc == 0) {
		log_info("%s: group %s deleted", acg->tgt->name, acg->name);
		list_del(&acg->node);
		list_for_each_entry_safe(ad, tad, &acg->acg_devs, node)
			acg_dev_free(ad);
		list_for_each_entry_safe(acn, tacn, &acg->acns, node) {
			list_del(&acn->node);
			free(acn);
		}
		free(acg);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

static struct scst_acn *find_acn(struct scst_acg *acg, const char *name)
{
	struct scst_acn *acn;

	list_for_each_entry(acn, &acg->acns, node)
		if (strcmp(acn->name, name) == 0)
			return acn;
	return NULL;
}

bool scst_acg_has_initiator(struct scst_acg *acg, const char *name)
{
	bool found;

	pthread_mutex_lock(&scst_mutex);
	found = find_acn(acg, name) != NULL;
	pthread_mutex_unlock(&scst_mutex);
	return found;
}

/* Name changes never touch sessions here: the management layer calls
 * scst_tgt_reassign_sessions afterwards (it must hold no scst_mutex). */
int scst_acg_del_initiator(struct scst_acg *acg, const char *name, char *err, size_t errlen)
{
	struct scst_acn *acn;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	acn = find_acn(acg, name);
	if (!acn) {
		scst_errf(err, errlen, "initiator '%s' not found in group '%s'", name, acg->name);
		rc = -ENOENT;
	} else {
		list_del(&acn->node);
		free(acn);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

int scst_acg_move_initiator(struct scst_acg *acg, const char *name, const char *dest_name,
			    char *err, size_t errlen)
{
	struct scst_acg *dest;
	struct scst_acn *acn;
	int rc = 0;

	pthread_mutex_lock(&scst_mutex);
	acn = find_acn(acg, name);
	dest = scst_find_acg(acg->tgt, dest_name);
	if (!acn) {
		scst_errf(err, errlen, "initiator '%s' not found in group '%s'", name, acg->name);
		rc = -ENOENT;
	} else if (!dest) {
		scst_errf(err, errlen, "group '%s' not found in target '%s'", dest_name,
			  acg->tgt->name);
		rc = -ENOENT;
	} else if (find_acn(dest, name)) {
		scst_errf(err, errlen, "initiator '%s' already in group '%s'", name, dest->name);
		rc = -EEXIST;
	} else {
		/* The same entry moves: nothing to allocate, nothing can fail. */
		list_del(&acn->node);
		list_add_tail(&acn->node, &dest->acns);
		log_info("%s: initiator %s moved from group %s to group %s", acg->tgt->name, name,
			 acg->name, dest->name);
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

void scst_acg_clear_initiators(struct scst_acg *acg)
{
	struct scst_acn *acn, *tmp;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry_safe(acn, tmp, &acg->acns, node) {
		list_del(&acn->node);
		free(acn);
	}
	pthread_mutex_unlock(&scst_mutex);
}

/* Caller holds scst_mutex.  A target other than tgt with id, or NULL. */
static struct scst_tgt *other_with_id(const struct scst_tgt *tgt, uint16_t id)
{
	struct scst_tgt *t;

	list_for_each_entry(t, &scst_targets, node)
		if (t != tgt && t->rel_tgt_id == id)
			return t;
	return NULL;
}

/* Caller holds scst_mutex: no device comes or goes meanwhile.  Nobody
 * else holds two device locks at once, so taking them all in list order
 * cannot deadlock. */
static void lock_all_devices(bool lock)
{
	struct scst_device *dev;

	list_for_each_entry(dev, &scst_devices, node) {
		if (lock)
			pthread_mutex_lock(&dev->lock);
		else
			pthread_mutex_unlock(&dev->lock);
	}
}

/* Caller holds scst_mutex and every device lock.  Moves the registrations
 * of port `from` to `to` on every device; on a failure the devices done
 * are moved back and -errno returned. */
static int rekey_all_devices(uint16_t from, uint16_t to, char *err, size_t errlen)
{
	struct scst_device *dev, *done;

	list_for_each_entry(dev, &scst_devices, node) {
		int rc = scst_pr_rekey_port_locked(dev, from, to);

		if (rc >= 0)
			continue;
		scst_errf(err, errlen, "device '%s': cannot save its persistent reservations "
			  "under the new rel_tgt_id: %s", dev->name, strerror(-rc));
		list_for_each_entry(done, &scst_devices, node) {
			if (done == dev)
				break;
			if (scst_pr_rekey_port_locked(done, to, from) < 0)
				log_err("device %s: PR registrations of rel_tgt_id %u could not "
					"be saved back under %u", done->name, to, from);
		}
		return rc;
	}
	return 0;
}

/* SCST lets an enabled target take a new id nobody has.  SPC-4 names the
 * port by it, and registrations here are keyed by it: the port is the
 * same, so its registrations (and the holder) follow it, on every device
 * at once under every device lock, which is where commands read the id
 * they are judged by.  Stricter than SCST: a disabled target with either
 * id refuses the change, as registrations made through it could not be
 * told from this port's. */
static int change_enabled_id(struct scst_tgt *tgt, uint16_t id, char *err, size_t errlen)
{
	uint16_t old = tgt->rel_tgt_id;
	struct scst_tgt *t = other_with_id(tgt, id);
	int rc;

	if (t) {
		scst_errf(err, errlen, "rel_tgt_id %u is not unique (target '%s' has it); an "
			  "enabled target takes only an unused id", id, t->name);
		return -EBADSLT;
	}
	t = other_with_id(tgt, old);
	if (t) {
		scst_errf(err, errlen, "target '%s' shares rel_tgt_id %u with '%s', so its PR "
			  "registrations cannot be told apart; disable it first", tgt->name, old,
			  t->name);
		return -EBUSY;
	}
	lock_all_devices(true);
	rc = rekey_all_devices(old, id, err, errlen);
	if (rc == 0)
		__atomic_store_n(&tgt->rel_tgt_id, id, __ATOMIC_RELAXED);
	lock_all_devices(false);
	if (rc == 0)
		log_info("target %s: rel_tgt_id %u -> %u while enabled", tgt->name, old, id);
	return rc;
}

int scst_tgt_set_rel_tgt_id(struct scst_tgt *tgt, unsigned id, char *err, size_t errlen)
{
	struct scst_tgt *t;
	int rc = 0;

	if (id == 0 || id > 0xffff) {
		scst_errf(err, errlen, "rel_tgt_id %u out of range (1..65535)", id);
		return -EINVAL;
	}
	pthread_mutex_lock(&scst_mutex);
	/* The same id again changes nothing. */
	if (tgt->rel_tgt_id == id)
		goto out;
	if (tgt->enabled) {
		rc = change_enabled_id(tgt, (uint16_t)id, err, errlen);
		goto out;
	}
	/* README.scst: a disabled target may share its id; enabling it is
	 * refused until the id is unique (scst_tgt_set_enabled). */
	t = other_with_id(tgt, (uint16_t)id);
	if (t)
		log_warn("target %s: rel_tgt_id %u is also target %s's; it cannot be "
			 "enabled until the id is unique", tgt->name, id, t->name);
	tgt->rel_tgt_id = (uint16_t)id;
out:
	if (rc == 0)
		tgt->rel_tgt_id_set = true;
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}
