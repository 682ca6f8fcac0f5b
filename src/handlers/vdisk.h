/* vdisk.h - the vdisk device handlers (vdisk_nullio, vdisk_fileio) as seen
 * by the daemon: one call registers them all with the core. */
#ifndef SCSTD_HANDLERS_VDISK_H
#define SCSTD_HANDLERS_VDISK_H

#include <stdbool.h>

/* Registers the vdisk dev types wanted() accepts by name (every one for
 * NULL); 0 or -errno. */
int vdisk_register_handlers(bool (*wanted)(const char *name));

#endif
