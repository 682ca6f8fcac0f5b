/* vdisk_register.c - registers the vdisk device handlers with the core. */
#include "core/scst.h"
#include "handlers/vdisk.h"

extern struct scst_dev_type vdisk_nullio_type;
extern struct scst_dev_type vdisk_fileio_type;
extern struct scst_dev_type vdisk_blockio_type;
extern struct scst_dev_type vcdrom_type;

int vdisk_register_handlers(void)
{
	struct scst_dev_type *const types[] = {
		&vdisk_nullio_type, &vdisk_fileio_type, &vdisk_blockio_type,
		&vcdrom_type,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int rc = scst_register_dev_type(types[i]);

		if (rc < 0)
			return rc;
	}
	return 0;
}
