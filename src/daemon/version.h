/* version.h - scstd's version string, shown by --version and by the
 * management tree's top-level "version" attribute. */
#ifndef SCSTD_DAEMON_VERSION_H
#define SCSTD_DAEMON_VERSION_H

#define SCSTD_VERSION "0.1.0"

#endif
