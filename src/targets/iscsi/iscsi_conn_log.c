/* iscsi_conn_log.c - a connection's open and close lines (see
 * iscsi_conn_log.h).  Both share one site, so the budget counts
 * connections' lines together: RATELIMIT_BURST lines per host and window
 * (util/ratelimit.h), half a dozen connections logged in full. */
#include "targets/iscsi/iscsi_conn_log.h"

#include "util/log.h"

static struct ratelimit_site conn_log_site;

void iscsi_log_conn_open(const char *peer, const char *local)
{
	if (log_enabled(LOG_INFO))
		log_peer_msg(&conn_log_site, LOG_INFO, peer, "connection from %s to %s", peer,
			     local);
}

void iscsi_log_conn_close(const char *peer, const char *why)
{
	if (log_enabled(LOG_INFO))
		log_peer_msg(&conn_log_site, LOG_INFO, peer, "%s: closing connection (%s)", peer,
			     why);
}
