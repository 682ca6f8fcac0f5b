/* cm_resolve.c - which device a CSCD identification descriptor names, as
 * SCST's scst_cm_parse_id_tgt_descr finds it: only among the devices with
 * a LUN of copy_manager_tgt, by comparing the descriptor's designator
 * (code set, association and type, length and bytes) with those the
 * device reports in VPD page 0x83, and - unless allow_not_connected_copy
 * is set - only when some other target exports the device to the
 * initiator (its default LUN set, or a group whose names match it).
 * It is the core's copy resolver (core/copy_resolve.h), which pins what
 * it finds for the handler asking. */
#include <string.h>

#include "targets/copy_manager/cm_priv.h"
#include "targets/copy_manager/copy_manager.h"

#define DESIG_BUF 256

static bool has_designator(const struct scst_device *dev, const uint8_t *desig, size_t len)
{
	uint8_t buf[DESIG_BUF];
	size_t n, off = 0;

	n = scst_copy_dev_designators(dev, buf, sizeof(buf));
	while (off + 4 <= n && off + 4u + buf[off + 3] <= n) {
		size_t dlen = 4u + buf[off + 3];

		/* Byte 2 is reserved: compare the rest. */
		if (dlen == len && buf[off] == desig[0] && buf[off + 1] == desig[1] &&
		    !memcmp(&buf[off + 3], &desig[3], len - 3))
			return true;
		off += dlen;
	}
	return false;
}

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

/* Caller holds scst_mutex (core's scst_copy_find_pinned). */
static struct scst_device *cm_find(const uint8_t *desig, size_t desig_len, const char *initiator)
{
	struct scst_acg_dev *ad;

	/* Association 0: the designator names a logical unit. */
	if (!cm_tgt || desig_len < 4 || desig_len != 4u + desig[3] || (desig[1] & 0x30))
		return NULL;
	list_for_each_entry(ad, &cm_tgt->default_acg->acg_devs, node)
		if (has_designator(ad->dev, desig, desig_len))
			return copy_manager_allow_not_connected() ||
			       initiator_reaches(initiator, ad->dev) ? ad->dev : NULL;
	return NULL;
}

const struct scst_copy_resolver cm_resolver = { .find = cm_find };
