/* handler_modules.h - which of SCST's device handler modules this scstd
 * "loads" (--handler-modules): SCST shows a handler in
 * /sys/kernel/scst_tgt/handlers only while its kernel module is loaded,
 * and an admin loads only what the site uses; scstd builds every handler
 * in and registers those of the modules named. */
#ifndef SCSTD_DAEMON_HANDLER_MODULES_H
#define SCSTD_DAEMON_HANDLER_MODULES_H

#include <stdbool.h>
#include <stddef.h>

/* Parses a comma list of module names ("all", or e.g.
 * "scst_vdisk,scst_disk"; '-' and '_' alike, as modprobe takes them).
 * 0, or -1 with a one-line reason in err naming the unknown module. */
int handler_modules_select(const char *list, char *err, size_t errlen);

/* Whether the handler (dev_disk, vdisk_fileio, ...) belongs to a selected
 * module; every handler until handler_modules_select narrows the set. */
bool handler_module_loaded(const char *handler);

/* The selected modules' names, comma separated (for the start-up log). */
void handler_modules_describe(char *buf, size_t len);

#endif
