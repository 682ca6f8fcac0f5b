/* vdisk_register.c - the device handlers built on the vdisk emulation:
 * registered with the core, and recognised (EXTENDED COPY copies only
 * between their devices). */
#include "core/scst_dev.h"
#include "handlers/vdisk.h"
#include "handlers/vdisk_priv.h"

extern struct scst_dev_type vdisk_nullio_type;
extern struct scst_dev_type vdisk_fileio_type;
extern struct scst_dev_type vdisk_blockio_type;
extern struct scst_dev_type vcdrom_type;
extern struct scst_dev_type scst_user_type;
extern struct scst_dev_type vdisk_rbd_type;

static struct scst_dev_type *const types[] = {
	&vdisk_nullio_type, &vdisk_fileio_type, &vdisk_blockio_type,
	&vcdrom_type, &scst_user_type, &vdisk_rbd_type,
};

bool vdisk_handles(const struct scst_dev_type *dt)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i] == dt)
			return true;
	return false;
}

int vdisk_register_handlers(bool (*wanted)(const char *name))
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int rc;

		if (wanted && !wanted(types[i]->name))
			continue;

		/* SCST's vdisk handlers join the copy manager by themselves
		 * (vdisk_rbd is one of them here); an scst_user device gets a
		 * copy manager LUN by hand, as in SCST. */
		types[i]->auto_cm_assignment_possible = types[i] != &scst_user_type;
		types[i]->lu_designators = vdisk_lu_designators;
		rc = scst_register_dev_type(types[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}
