/* local_tid.c - a local session's TransportID (README.scst_local
 * "transport_id"): validation of what a user writes, and the name
 * persistent reservations then know the I_T nexus by.  An iSCSI
 * TransportID (protocol 5) names an iSCSI initiator, so a local session
 * given one is the same initiator to PR as an iSCSI login of that name;
 * any other TransportID is kept verbatim as "tid:HEX", which READ FULL
 * STATUS reports byte for byte.  Without one, the session's name is its
 * iSCSI-format identity, as scst_local does by default. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/local/local_priv.h"
#include "util/iscsi_tid.h"
#include "util/be.h"

static int iscsi_tid_name(const uint8_t *tid, unsigned len, char *name, size_t size, char *err,
			  size_t errlen)
{
	unsigned add_len = get_be16(&tid[2]);
	uint32_t bad_off;

	if (add_len != len - 4) {
		snprintf(err, errlen, "iSCSI TransportID: additional length %u does not fit %u bytes",
			 add_len, len);
		return -EINVAL;
	}
	if (!iscsi_tid_parse(tid, len, name, size, &bad_off)) {
		snprintf(err, errlen, bad_off ? "iSCSI TransportID: name not NUL-terminated, empty, "
			 "too long or with a bad character" : "iSCSI TransportID: format %u unknown",
			 tid[0] >> 6);
		return -EINVAL;
	}
	return 0;
}

/* The PR name of a TransportID, or -EINVAL with a reason. */
static int tid_pr_name(const uint8_t *tid, unsigned len, char *name, size_t size, char *err,
		       size_t errlen)
{
	if (len < 20 || len > LOCAL_TID_MAX || len % 4) {
		snprintf(err, errlen, "TransportID: %u bytes; 20..%u, a multiple of 4", len,
			 LOCAL_TID_MAX);
		return -EINVAL;
	}
	if ((tid[0] & 0x0f) == ISCSI_PROTOCOL_ID)
		return iscsi_tid_name(tid, len, name, size, err, errlen);
	if (len < 24) {
		snprintf(err, errlen, "TransportID: %u bytes; at least 24 for protocol %u", len,
			 tid[0] & 0x0f);
		return -EINVAL;
	}
	if (scst_pr_verbatim_name(tid, len, name, size) < 0) {
		snprintf(err, errlen, "TransportID: %u bytes do not fit a name", len);
		return -EINVAL;
	}
	return 0;
}

int local_set_transport_id(struct local_sess *ls, const uint8_t *tid, unsigned len, char *err,
			   size_t errlen)
{
	char name[SCST_NAME_MAX], *copy, **names;
	int rc;

	if (len == 0) {
		pthread_mutex_lock(&local_lock);
		ls->tid_len = 0;
		scst_session_set_pr_name(ls->sess, NULL);
		pthread_mutex_unlock(&local_lock);
		return 0;
	}
	rc = tid_pr_name(tid, len, name, sizeof(name), err, errlen);
	if (rc < 0)
		return rc;
	copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	pthread_mutex_lock(&local_lock);
	names = realloc(ls->pr_names, (ls->npr_names + 1) * sizeof(*names));
	if (!names) {
		pthread_mutex_unlock(&local_lock);
		free(copy);
		return -ENOMEM;
	}
	/* Commands on other loops may still read the previous name: every
	 * name stays allocated until the session ends. */
	ls->pr_names = names;
	ls->pr_names[ls->npr_names++] = copy;
	memcpy(ls->tid, tid, len);
	ls->tid_len = len;
	scst_session_set_pr_name(ls->sess, copy);
	pthread_mutex_unlock(&local_lock);
	return 0;
}

unsigned local_get_transport_id(struct local_sess *ls, uint8_t *out, size_t size)
{
	unsigned n;

	pthread_mutex_lock(&local_lock);
	if (ls->tid_len) {
		n = ls->tid_len <= size ? ls->tid_len : 0;
		memcpy(out, ls->tid, n);
	} else {
		n = iscsi_tid_build(ls->name, out, (uint32_t)(size < UINT32_MAX ? size : UINT32_MAX));
	}
	pthread_mutex_unlock(&local_lock);
	return n;
}
