/* cm_resolve.c - which device a CSCD identification descriptor names, as
 * SCST's scst_cm_parse_id_tgt_descr finds it: only among the devices with
 * a LUN of copy_manager_tgt, by comparing the descriptor's designator
 * (code set, association and type, length and bytes) with those the
 * device reported in VPD page 0x83 to copy_manager_sess's INQUIRY
 * (cm_session.c), and - unless allow_not_connected_copy
 * is set - only when some other target exports the device to the
 * initiator (its default LUN set, or a group whose names match it).
 * It is the find of the core's copy engine (core/copy_resolve.h), whose
 * lookup thread pins what it finds for the handler asking. */
#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"

static bool acg_exports(const struct scst_acg *acg, const struct scst_device *dev)
{
	const struct scst_acg_dev *ad;

	list_for_each_entry(ad, &acg->acg_devs, node)
		if (ad->dev == dev)
			return true;
	return false;
}

/* Caller holds scst_mutex. */
static bool initiator_reaches(const char *initiator, const struct scst_device *dev)
{
	const struct scst_tgt *tgt;

	list_for_each_entry(tgt, &scst_targets, node) {
		const struct scst_acg *acg;

		if (tgt == cm_tgt)
			continue;
		if (acg_exports(tgt->default_acg, dev))
			return true;
		list_for_each_entry(acg, &tgt->acg_list, node)
			if (acg_exports(acg, dev) && scst_acg_matches(acg, initiator))
				return true;
	}
	return false;
}

/* Caller holds scst_mutex (the core's copy lookup thread). */
struct scst_device *cm_find(const uint8_t *desig, size_t desig_len, const char *initiator,
			    uint64_t *lun)
{
	struct scst_acg_dev *ad;

	/* Association 0: the designator names a logical unit. */
	if (!cm_tgt || desig_len < 4 || desig_len != 4u + desig[3] || (desig[1] & 0x30))
		return NULL;
	list_for_each_entry(ad, &cm_tgt->default_acg->acg_devs, node)
		if (cm_lun_has_designator(ad->lun, ad->dev, desig, desig_len)) {
			if (!copy_manager_allow_not_connected() &&
			    !initiator_reaches(initiator, ad->dev))
				return NULL;
			*lun = ad->lun;
			return ad->dev;
		}
	return NULL;
}

const struct scst_copy_engine cm_engine = { .find = cm_find, .copy = cm_copy,
					    .abort = cm_copy_abort };
