/* vdisk_register.c - registers the vdisk device handlers with the core. */
#include "core/scst.h"
#include "handlers/vdisk.h"

extern struct scst_dev_type vdisk_nullio_type;
extern struct scst_dev_type vdisk_fileio_type;

int vdisk_register_handlers(void)
{
	int rc = scst_register_dev_type(&vdisk_nullio_type);

	return rc < 0 ? rc : scst_register_dev_type(&vdisk_fileio_type);
}
