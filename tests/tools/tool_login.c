/* tool_login.c - the libiscsi login of the SCSI-level test tools (see
 * tool_login.h). */
#include "tool_login.h"

#include <stdio.h>
#include <string.h>

#include "util/hex.h"

int tool_parse_hex(const char *hex, uint8_t *buf, size_t max)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_digit_value(hex[i]), lo = hex_digit_value(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		buf[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

static int connect_and_login(struct iscsi_context *iscsi, const struct iscsi_url *url,
			     bool no_tur)
{
	if (!no_tur)
		return iscsi_full_connect_sync(iscsi, url->portal, url->lun);
	if (iscsi_connect_sync(iscsi, url->portal) != 0)
		return -1;
	return iscsi_login_sync(iscsi);
}

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
	if (connect_and_login(iscsi, url, o->no_tur) != 0) {
		fprintf(stderr, "login to %s failed: %s\n", url_str, iscsi_get_error(iscsi));
		iscsi_destroy_url(url);
		iscsi_destroy_context(iscsi);
		return NULL;
	}
	iscsi_destroy_url(url);
	return iscsi;
}
