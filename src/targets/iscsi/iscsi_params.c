/* iscsi_params.c - key=value text of Login and Text PDUs and the RFC 7143
 * negotiation of operational keys (min/max/and/or results, Reject for bad
 * values, Irrelevant in discovery sessions, NotUnderstood for unknown keys).
 * The input is whatever arrived on the wire: every length is checked. */
#include "targets/iscsi/iscsi_params.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool key_char_ok(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '+' || c == '@' || c == '_' || c == '#';
}

static int split_pair(char *s, struct iscsi_kv *kv, char *err, size_t errlen)
{
	char *eq = strchr(s, '=');
	size_t klen;

	if (!eq) {
		snprintf(err, errlen, "key without '=': '%.32s'", s);
		return -1;
	}
	klen = (size_t)(eq - s);
	if (klen == 0 || klen > ISCSI_KEY_MAX) {
		snprintf(err, errlen, "bad key length %zu", klen);
		return -1;
	}
	for (size_t i = 0; i < klen; i++)
		if (!key_char_ok(s[i])) {
			snprintf(err, errlen, "bad character in key");
			return -1;
		}
	if (strlen(eq + 1) > ISCSI_VALUE_MAX) {
		snprintf(err, errlen, "value of %.*s too long", (int)klen, s);
		return -1;
	}
	*eq = 0;
	kv->key = s;
	kv->value = eq + 1;
	return 0;
}

int iscsi_text_parse(const uint8_t *data, size_t len, struct iscsi_text *t, char *err,
		     size_t errlen)
{
	size_t pos = 0;

	memset(t, 0, sizeof(*t));
	if (len == 0)
		return 0;
	if (data[len - 1] != 0) {
		snprintf(err, errlen, "text not NUL-terminated");
		return -1;
	}
	t->copy = malloc(len);
	if (!t->copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(t->copy, data, len);
	while (pos < len) {
		char *s = t->copy + pos;
		size_t slen = strlen(s);

		pos += slen + 1;
		if (slen == 0)
			continue;       /* padding NULs some initiators leave */
		if (t->n == ISCSI_TEXT_MAX_PAIRS) {
			snprintf(err, errlen, "more than %d keys", ISCSI_TEXT_MAX_PAIRS);
			goto fail;
		}
		if (split_pair(s, &t->pairs[t->n], err, errlen) < 0)
			goto fail;
		if (iscsi_text_get(t, t->pairs[t->n].key)) {
			snprintf(err, errlen, "key %s sent twice", t->pairs[t->n].key);
			goto fail;
		}
		t->n++;
	}
	return 0;
fail:
	iscsi_text_free(t);
	return -1;
}

void iscsi_text_free(struct iscsi_text *t)
{
	free(t->copy);
	memset(t, 0, sizeof(*t));
}

const char *iscsi_text_get(const struct iscsi_text *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->pairs[i].key, key))
			return t->pairs[i].value;
	return NULL;
}

int iscsi_text_add(struct iscsi_text_out *o, const char *key, const char *value)
{
	size_t need = strlen(key) + 1 + strlen(value) + 1;

	if (o->len + need > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 512;
		char *nb;

		while (cap < o->len + need)
			cap *= 2;
		nb = realloc(o->buf, cap);
		if (!nb)
			return -ENOMEM;
		o->buf = nb;
		o->cap = cap;
	}
	o->len += (size_t)sprintf(o->buf + o->len, "%s=%s", key, value) + 1;
	return 0;
}

int iscsi_text_addu(struct iscsi_text_out *o, const char *key, uint32_t value)
{
	char v[16];

	snprintf(v, sizeof(v), "%u", value);
	return iscsi_text_add(o, key, v);
}

void iscsi_text_out_free(struct iscsi_text_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

void iscsi_params_defaults(struct iscsi_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_recv_dsl = 8192;
	p->max_xmit_dsl = 8192;
	p->max_burst = 262144;
	p->first_burst = 65536;
	p->max_outstanding_r2t = 1;
	p->time2wait = 2;
	p->time2retain = 20;
	p->max_connections = 1;
	p->initial_r2t = true;
	p->immediate_data = true;
	p->data_pdu_inorder = true;
	p->data_seq_inorder = true;
}

void iscsi_limits_defaults(struct iscsi_limits *l)
{
	l->max_recv_dsl = 262144;
	l->max_xmit_dsl = 262144;
	l->max_burst = 1048576;
	l->first_burst = 65536;
	l->max_outstanding_r2t = 32;
	l->initial_r2t = false;
	l->immediate_data = true;
	l->queued_cmds = 64;
	l->header_digests = ISCSI_DIGEST_ALLOW_NONE | ISCSI_DIGEST_ALLOW_CRC32C;
	l->data_digests = ISCSI_DIGEST_ALLOW_NONE | ISCSI_DIGEST_ALLOW_CRC32C;
	l->nop_in_interval = 30;
	l->nop_in_timeout = 30;
	l->max_sessions = 0;
	l->rsp_timeout = 90;
}

/* Decimal or 0x-hex, within [min, max]. */
static bool parse_number(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long n;

	if (!*v || *v == '-' || *v == '+')
		return false;
	errno = 0;
	n = strtoull(v, &end, (v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) ? 16 : 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = (uint32_t)n;
	return true;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "Yes"))
		*out = true;
	else if (!strcmp(v, "No"))
		*out = false;
	else
		return false;
	return true;
}

/* One entry of a digest list: its ISCSI_DIGEST_ALLOW_* bit, 0 if unknown. */
static unsigned digest_bit(const char *p, size_t len)
{
	if (len == 4 && !strncmp(p, "None", 4))
		return ISCSI_DIGEST_ALLOW_NONE;
	if (len == 6 && !strncmp(p, "CRC32C", 6))
		return ISCSI_DIGEST_ALLOW_CRC32C;
	return 0;
}

int iscsi_digest_list_parse(const char *v, uint8_t *mask)
{
	unsigned m = 0;

	for (const char *p = v; p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned bit = digest_bit(p, len);

		if (!bit)
			return -1;
		m |= bit;
		p = comma ? comma + 1 : NULL;
	}
	*mask = (uint8_t)m;
	return 0;
}

bool iscsi_digests_acceptable(const struct iscsi_params *p, const struct iscsi_limits *lim)
{
	return (p->header_digest || (lim->header_digests & ISCSI_DIGEST_ALLOW_NONE)) &&
	       (p->data_digest || (lim->data_digests & ISCSI_DIGEST_ALLOW_NONE));
}

/* HeaderDigest / DataDigest: the first value of the initiator's list that
 * the target allows (RFC 7143 6.2), so an initiator preferring None gets
 * None unless the target insists on CRC32C.  Returns "None", "CRC32C" or
 * NULL when nothing in the list is acceptable. */
static const char *choose_digest(const char *list, unsigned allowed)
{
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		unsigned bit = digest_bit(p, len) & allowed;

		if (bit == ISCSI_DIGEST_ALLOW_NONE)
			return "None";
		if (bit == ISCSI_DIGEST_ALLOW_CRC32C)
			return "CRC32C";
		p = comma ? comma + 1 : NULL;
	}
	return NULL;
}

static int negotiate_digest(const char *key, const char *value, struct iscsi_params *p,
			    const struct iscsi_limits *lim, struct iscsi_text_out *out)
{
	bool header = !strcmp(key, "HeaderDigest");
	const char *pick = choose_digest(value, header ? lim->header_digests : lim->data_digests);
	bool on = pick && !strcmp(pick, "CRC32C");

	if (!pick)
		return iscsi_text_add(out, key, "Reject");
	if (header)
		p->header_digest = on;
	else
		p->data_digest = on;
	return iscsi_text_add(out, key, pick);
}

static const char *const session_keys_irrelevant_in_discovery[] = {
	"MaxBurstLength", "FirstBurstLength", "InitialR2T", "ImmediateData",
	"MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder", "MaxConnections", NULL
};

static const char *const login_keys[] = {
	"InitiatorName", "TargetName", "SessionType", "AuthMethod", "InitiatorAlias",
	"TargetAddress", "TargetPortalGroupTag", "TargetAlias", NULL
};

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (!strcmp(*list, key))
			return true;
	return false;
}

static int answer_number(struct iscsi_text_out *out, const char *key, uint32_t v)
{
	return iscsi_text_addu(out, key, v);
}

static int answer_bool(struct iscsi_text_out *out, const char *key, bool v)
{
	return iscsi_text_add(out, key, v ? "Yes" : "No");
}

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Numeric keys: the range RFC 7143 allows and how the result is formed. */
static int negotiate_numeric(const char *key, const char *value, struct iscsi_params *p,
			     const struct iscsi_limits *lim, struct iscsi_text_out *out)
{
	uint32_t v;

	if (!strcmp(key, "MaxRecvDataSegmentLength")) {
		if (!parse_number(value, 512, 16777215, &v))
			return iscsi_text_add(out, key, "Reject");
		p->max_xmit_dsl = min_u32(v, lim->max_xmit_dsl);
		return 0;              /* declarative: our own value is declared separately */
	}
	if (!strcmp(key, "MaxBurstLength")) {
		if (!parse_number(value, 512, 16777215, &v))
			return iscsi_text_add(out, key, "Reject");
		p->max_burst = min_u32(v, lim->max_burst);
		if (p->first_burst > p->max_burst)
			p->first_burst = p->max_burst;
		return answer_number(out, key, p->max_burst);
	}
	if (!strcmp(key, "FirstBurstLength")) {
		if (!parse_number(value, 512, 16777215, &v))
			return iscsi_text_add(out, key, "Reject");
		p->first_burst = min_u32(min_u32(v, lim->first_burst), p->max_burst);
		return answer_number(out, key, p->first_burst);
	}
	if (!strcmp(key, "MaxOutstandingR2T")) {
		if (!parse_number(value, 1, 65535, &v))
			return iscsi_text_add(out, key, "Reject");
		p->max_outstanding_r2t = min_u32(v, lim->max_outstanding_r2t);
		return answer_number(out, key, p->max_outstanding_r2t);
	}
	if (!strcmp(key, "DefaultTime2Wait")) {
		if (!parse_number(value, 0, 3600, &v))
			return iscsi_text_add(out, key, "Reject");
		p->time2wait = v > p->time2wait ? v : p->time2wait;
		return answer_number(out, key, p->time2wait);
	}
	if (!strcmp(key, "DefaultTime2Retain")) {
		if (!parse_number(value, 0, 3600, &v))
			return iscsi_text_add(out, key, "Reject");
		/* ErrorRecoveryLevel 0 keeps nothing to retain. */
		p->time2retain = 0;
		return answer_number(out, key, p->time2retain);
	}
	if (!strcmp(key, "ErrorRecoveryLevel")) {
		if (!parse_number(value, 0, 2, &v))
			return iscsi_text_add(out, key, "Reject");
		return answer_number(out, key, 0);
	}
	if (!strcmp(key, "MaxConnections")) {
		if (!parse_number(value, 1, 65535, &v))
			return iscsi_text_add(out, key, "Reject");
		p->max_connections = min_u32(v, ISCSI_MAX_CONNECTIONS);
		return answer_number(out, key, p->max_connections);
	}
	return 1;
}

static int negotiate_boolean(const char *key, const char *value, struct iscsi_params *p,
			     const struct iscsi_limits *lim, struct iscsi_text_out *out)
{
	bool v;

	if (!strcmp(key, "InitialR2T") || !strcmp(key, "ImmediateData") ||
	    !strcmp(key, "DataPDUInOrder") || !strcmp(key, "DataSequenceInOrder") ||
	    !strcmp(key, "IFMarker") || !strcmp(key, "OFMarker")) {
		if (!parse_bool(value, &v))
			return iscsi_text_add(out, key, "Reject");
	} else {
		return 1;
	}
	if (!strcmp(key, "InitialR2T")) {
		p->initial_r2t = v || lim->initial_r2t;           /* OR */
		return answer_bool(out, key, p->initial_r2t);
	}
	if (!strcmp(key, "ImmediateData")) {
		p->immediate_data = v && lim->immediate_data;     /* AND */
		return answer_bool(out, key, p->immediate_data);
	}
	/* In-order data is what we implement: OR with our Yes. */
	if (!strcmp(key, "DataPDUInOrder"))
		return answer_bool(out, key, true);
	if (!strcmp(key, "DataSequenceInOrder"))
		return answer_bool(out, key, true);
	return answer_bool(out, key, false);                      /* markers: AND with No */
}

enum iscsi_neg_result iscsi_negotiate_key(const char *key, const char *value,
					  struct iscsi_params *p, const struct iscsi_limits *lim,
					  bool discovery, struct iscsi_text_out *out)
{
	int rc;

	if (in_list(login_keys, key))
		return ISCSI_NEG_NOT_OPERATIONAL;
	if (!strcmp(value, "NotUnderstood") || !strcmp(value, "Irrelevant") ||
	    !strcmp(value, "Reject"))
		return ISCSI_NEG_ANSWERED;     /* an answer to us: nothing to say */
	if (discovery && in_list(session_keys_irrelevant_in_discovery, key))
		rc = iscsi_text_add(out, key, "Irrelevant");
	else if (!strcmp(key, "HeaderDigest") || !strcmp(key, "DataDigest"))
		rc = negotiate_digest(key, value, p, lim, out);
	else if (!strcmp(key, "IFMarkInt") || !strcmp(key, "OFMarkInt"))
		rc = iscsi_text_add(out, key, "Irrelevant");
	else if ((rc = negotiate_numeric(key, value, p, lim, out)) != 1)
		;
	else if ((rc = negotiate_boolean(key, value, p, lim, out)) != 1)
		;
	else
		rc = iscsi_text_add(out, key, "NotUnderstood");
	return rc < 0 ? ISCSI_NEG_FAILED : ISCSI_NEG_ANSWERED;
}

int iscsi_declare_target_keys(struct iscsi_params *p, const struct iscsi_limits *lim,
			      bool discovery, const struct iscsi_text *offered,
			      struct iscsi_text_out *out)
{
	(void)discovery;
	(void)offered;
	p->max_recv_dsl = lim->max_recv_dsl;
	return iscsi_text_addu(out, "MaxRecvDataSegmentLength", p->max_recv_dsl);
}
