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

#define TID_PROTO_ISCSI 0x5

static int iscsi_tid_name(const uint8_t *tid, unsigned len, char *name, size_t size, char *err,
			  size_t errlen)
{
	unsigned format = tid[0] >> 6, add_len = (unsigned)tid[2] << 8 | tid[3];
	const uint8_t *nul;

	if (format > 1) {
		snprintf(err, errlen, "iSCSI TransportID: format %u unknown", format);
		return -EINVAL;
	}
	if (len < 20 || len % 4 || add_len != len - 4) {
		snprintf(err, errlen, "iSCSI TransportID: additional length %u does not fit %u bytes "
			 "(multiple of 4, at least 20)", add_len, len);
		return -EINVAL;
	}
	nul = memchr(tid + 4, 0, len - 4);
	if (!nul || nul == tid + 4 || (size_t)(nul - (tid + 4)) >= size) {
		snprintf(err, errlen, "iSCSI TransportID: name not NUL-terminated or empty");
		return -EINVAL;
	}
	for (const uint8_t *p = tid + 4; p < nul; p++)
		if (*p <= ' ' || *p >= 0x7f) {
			snprintf(err, errlen, "iSCSI TransportID: bad character in name");
			return -EINVAL;
		}
	memcpy(name, tid + 4, (size_t)(nul - (tid + 4)));
	name[nul - (tid + 4)] = '\0';
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
	if ((tid[0] & 0x0f) == TID_PROTO_ISCSI)
		return iscsi_tid_name(tid, len, name, size, err, errlen);
	if (len < 24) {
		snprintf(err, errlen, "TransportID: %u bytes; at least 24 for protocol %u", len,
			 tid[0] & 0x0f);
		return -EINVAL;
	}
	snprintf(name, size, "tid:");
	for (unsigned i = 0; i < len; i++)
		snprintf(name + 4 + 2 * i, size - 4 - 2 * i, "%02x", tid[i]);
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
		/* iSCSI, format 0: name, NUL, padded to 4, at least 20 bytes
		 * (what READ FULL STATUS reports for it). */
		size_t nl = strlen(ls->name);
		unsigned body = (unsigned)((nl + 1 + 3) & ~(size_t)3);

		n = 4 + (body < 16 ? 16 : body);
		if (n > size) {
			n = 0;
		} else {
			memset(out, 0, n);
			out[0] = TID_PROTO_ISCSI;
			out[2] = (uint8_t)((n - 4) >> 8);
			out[3] = (uint8_t)(n - 4);
			memcpy(out + 4, ls->name, nl);
		}
	}
	pthread_mutex_unlock(&local_lock);
	return n;
}
