/* tool_login.c - the libiscsi login of the SCSI-level test tools (see
 * tool_login.h). */
#include "tool_login.h"

#include <stdio.h>

struct iscsi_context *tool_login(const char *url_str, const struct tool_login_opts *o, int *lun)
{
	struct iscsi_context *iscsi = iscsi_create_context(o->initiator);
	struct iscsi_url *url;

	if (!iscsi)
		return NULL;
	url = iscsi_parse_full_url(iscsi, url_str);
	if (!url) {
		fprintf(stderr, "bad URL %s: %s\n", url_str, iscsi_get_error(iscsi));
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_set_targetname(iscsi, url->target);
	iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
	if (o->no_header_digest)
		iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE);
	if (o->no_reconnect)
		iscsi_set_noautoreconnect(iscsi, 1);
	if (o->timeout_s)
		iscsi_set_timeout(iscsi, o->timeout_s);
	*lun = url->lun;
	if ((o->login_only ? iscsi_connect_sync(iscsi, url->portal) != 0 ||
			     iscsi_login_sync(iscsi) != 0 :
			     iscsi_full_connect_sync(iscsi, url->portal, url->lun) != 0)) {
		fprintf(stderr, "login to %s failed: %s\n", url_str, iscsi_get_error(iscsi));
		iscsi_destroy_url(url);
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_destroy_url(url);
	return iscsi;
}
