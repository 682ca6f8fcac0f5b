/* local_ublk.c - whether local LUNs could also be block devices.  ublk
 * (/dev/ublk-control) would give each LUN a /dev/ublkbN; scstd does not
 * drive ublk yet, so this only reports, once at start-up, what the
 * machine offers and that the LUN files and the raw socket are the ways
 * in. */
#include <unistd.h>

#include "targets/local/local.h"
#include "util/log.h"

void local_ublk_probe(void)
{
	if (access("/dev/ublk-control", R_OK | W_OK) != 0)
		log_info("scst_local: no ublk here (/dev/ublk-control missing): local LUNs are "
			 "served as files (--local-mount) and over the raw socket only");
	else
		log_info("scst_local: /dev/ublk-control present, but this scstd does not export "
			 "LUNs as ublk block devices; use the LUN files or the raw socket");
}
