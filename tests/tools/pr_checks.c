/* pr_checks.c - reservation checks of one LUN from two initiators through
 * libiscsi's synchronous API.  Prints one TAP line per check.
 *
 *   pr_checks URL conflict       the POWER ON UA of a new nexus, then SPC-2
 *                                and persistent reservation conflicts between
 *                                two initiator names
 *   pr_checks URL hold KEY       initiator A registers KEY with APTPL and
 *                                takes a Write Exclusive reservation
 *   pr_checks URL held KEY       READ KEYS shows KEY, A holds the Write
 *                                Exclusive reservation, B cannot write
 *   pr_checks URL drop KEY       A releases and unregisters
 *   pr_checks URL spec_i_pt KEY  A registers itself and B (TransportID
 *                                format 1, name in other case) with
 *                                SPEC_I_PT; B may reserve with KEY; READ
 *                                FULL STATUS shows both; malformed lists
 *                                get their exact sense; A clears
 *   pr_checks URL atp_register KEY URL2
 *                                URL and URL2 are one LU through two
 *                                target ports: ATP_C is set; A registers
 *                                KEY with ALL_TG_PT and APTPL through URL
 *                                and is registered through URL2, where it
 *                                reserves Write Exclusive; READ FULL STATUS
 *                                shows one ALL_TG_PT registration
 *   pr_checks URL atp_held KEY URL2
 *                                (after a restart) the same state; A
 *                                unregisters through URL2 and is gone
 *                                through URL too
 *   pr_checks URL move KEY URL2 RTPI RTPI2
 *                                REGISTER AND MOVE from A (through URL,
 *                                relative port RTPI) to C (through URL2,
 *                                RTPI2) and back with UNREG, and each
 *                                refusal with its exact sense
 *   pr_checks URL save_fails KEY A holds KEY (hold) and the PR directory
 *                                is unusable: REGISTER, RELEASE and B's
 *                                REGISTER fail with HARDWARE ERROR and
 *                                change nothing
 *
 * Exit status 1 if any check failed, 2 on usage or login errors. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define INI_A "iqn.2026-11.org.scstd:pr-checks-a"
#define INI_B "iqn.2026-11.org.scstd:pr-checks-b"
#define INI_C "iqn.2026-11.org.scstd:pr-checks-c"

struct nexus {
	struct iscsi_context *iscsi;
	int lun;
};

static int failed;

static void report(int good, const char *fmt, ...)
{
	va_list ap;

	printf("%s - pr: ", good ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!good)
		failed++;
}

static int login(struct nexus *n, const char *initiator, const char *url_str)
{
	struct iscsi_url *url;

	n->iscsi = iscsi_create_context(initiator);
	if (!n->iscsi)
		return -1;
	url = iscsi_parse_full_url(n->iscsi, url_str);
	if (!url) {
		fprintf(stderr, "bad URL %s: %s\n", url_str, iscsi_get_error(n->iscsi));
		return -1;
	}
	iscsi_set_targetname(n->iscsi, url->target);
	iscsi_set_session_type(n->iscsi, ISCSI_SESSION_NORMAL);
	n->lun = url->lun;
	/* Not iscsi_full_connect_sync: it sends TEST UNIT READY itself and
	 * would eat the unit attention checked here. */
	if (iscsi_connect_sync(n->iscsi, url->portal) != 0 || iscsi_login_sync(n->iscsi) != 0) {
		fprintf(stderr, "login as %s failed: %s\n", initiator, iscsi_get_error(n->iscsi));
		iscsi_destroy_url(url);
		return -1;
	}
	iscsi_destroy_url(url);
	return 0;
}

static void logout(struct nexus *n)
{
	iscsi_logout_sync(n->iscsi);
	iscsi_destroy_context(n->iscsi);
}

/* A new nexus starts with a POWER ON unit attention: take it. */
static void clear_ua(struct nexus *n)
{
	for (int i = 0; i < 4; i++) {
		struct scsi_task *t = iscsi_testunitready_sync(n->iscsi, n->lun);
		int good = t && t->status == SCSI_STATUS_GOOD;

		if (t)
			scsi_free_scsi_task(t);
		if (good)
			return;
	}
}

/* Runs a task and compares its status; frees it. */
static int status_is(struct scsi_task *t, int status)
{
	int got = t ? t->status : -1;

	if (t)
		scsi_free_scsi_task(t);
	return got == status;
}

/* CHECK CONDITION, UNIT ATTENTION with asc/ascq (libiscsi's 16-bit form). */
static int is_ua(struct scsi_task *t, int ascq)
{
	int good = t && t->status == SCSI_STATUS_CHECK_CONDITION &&
		   t->sense.key == SCSI_SENSE_UNIT_ATTENTION && t->sense.ascq == ascq;

	if (t)
		scsi_free_scsi_task(t);
	return good;
}

static struct scsi_task *prout(struct nexus *n, int sa, int type, uint64_t key, uint64_t sa_key,
			       int aptpl)
{
	struct scsi_persistent_reserve_out_basic p;

	memset(&p, 0, sizeof(p));
	p.reservation_key = key;
	p.service_action_reservation_key = sa_key;
	p.aptpl = (uint8_t)aptpl;
	return iscsi_persistent_reserve_out_sync(n->iscsi, n->lun, sa, 0, type, &p);
}

static struct scsi_task *read10(struct nexus *n)
{
	return iscsi_read10_sync(n->iscsi, n->lun, 0, 512, 512, 0, 0, 0, 0, 0);
}

static struct scsi_task *write10(struct nexus *n)
{
	unsigned char block[512];
	struct scsi_task *t = read10(n);

	/* Writes back what is there, so the check changes no data. */
	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 512)
		memset(block, 0, sizeof(block));
	else
		memcpy(block, t->datain.data, sizeof(block));
	if (t)
		scsi_free_scsi_task(t);
	return iscsi_write10_sync(n->iscsi, n->lun, 0, block, 512, 512, 0, 0, 0, 0, 0);
}

#define GOOD SCSI_STATUS_GOOD
#define CONFLICT SCSI_STATUS_RESERVATION_CONFLICT
#define WE SCSI_PERSISTENT_RESERVE_TYPE_WRITE_EXCLUSIVE
#define EA SCSI_PERSISTENT_RESERVE_TYPE_EXCLUSIVE_ACCESS

static void spc2_conflict(struct nexus *a, struct nexus *b)
{
	report(status_is(iscsi_reserve6_sync(a->iscsi, a->lun), GOOD), "A RESERVE(6)");
	report(status_is(iscsi_reserve6_sync(b->iscsi, b->lun), CONFLICT),
	       "B RESERVE(6) conflicts");
	report(status_is(read10(b), CONFLICT), "B READ(10) conflicts under A's RESERVE");
	report(status_is(iscsi_inquiry_sync(b->iscsi, b->lun, 0, 0, 64), GOOD),
	       "B INQUIRY still works");
	report(status_is(iscsi_release6_sync(b->iscsi, b->lun), GOOD),
	       "B RELEASE(6) is a no-op success");
	report(status_is(read10(b), CONFLICT), "A still holds the reservation");
	report(status_is(read10(a), GOOD), "A READ(10) works");
	report(status_is(iscsi_release6_sync(a->iscsi, a->lun), GOOD), "A RELEASE(6)");
	report(status_is(read10(b), GOOD), "B READ(10) works after the release");
}

static void pr_conflict(struct nexus *a, struct nexus *b)
{
	const uint64_t ka = 0xa11ce, kb = 0xb0b;

	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0,
			       ka, 0), GOOD), "A registers");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_REGISTER, 0, 0, kb, 0), GOOD),
	       "B registers");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_RESERVE, EA, ka, 0, 0), GOOD),
	       "A reserves Exclusive Access");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_RESERVE, EA, kb, 0, 0), CONFLICT),
	       "B RESERVE conflicts");
	report(status_is(read10(b), CONFLICT), "B READ(10) conflicts");
	report(status_is(write10(a), GOOD), "A WRITE(10) works");
	report(status_is(iscsi_reserve6_sync(b->iscsi, b->lun), CONFLICT),
	       "RESERVE(6) conflicts with persistent registrations");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_PREEMPT, WE, kb, ka, 0), GOOD),
	       "B preempts A into Write Exclusive");
	report(is_ua(iscsi_testunitready_sync(a->iscsi, a->lun), 0x2a05),
	       "A gets REGISTRATIONS PREEMPTED");
	report(status_is(write10(a), CONFLICT), "A WRITE(10) conflicts after the preemption");
	report(status_is(read10(a), GOOD), "A READ(10) works under Write Exclusive");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_CLEAR, 0, kb, 0, 0), GOOD),
	       "B clears");
	clear_ua(a);
	report(status_is(write10(a), GOOD), "A WRITE(10) works after CLEAR");
}

/* READ KEYS lists key. */
static int has_key(struct nexus *n, uint64_t key)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(n->iscsi, n->lun,
							       SCSI_PERSISTENT_RESERVE_READ_KEYS,
							       4096);
	struct scsi_persistent_reserve_in_read_keys *rk;
	int found = 0;

	if (!t || t->status != SCSI_STATUS_GOOD) {
		if (t)
			scsi_free_scsi_task(t);
		return 0;
	}
	rk = scsi_datain_unmarshall(t);
	for (int i = 0; rk && i < rk->num_keys; i++)
		found |= rk->keys[i] == key;
	scsi_free_scsi_task(t);
	return found;
}

/* READ RESERVATION shows key holding a reservation of type. */
static int reserved_as(struct nexus *n, uint64_t key, int type)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(n->iscsi, n->lun,
							       SCSI_PERSISTENT_RESERVE_READ_RESERVATION,
							       4096);
	struct scsi_persistent_reserve_in_read_reservation *rr;
	int good;

	if (!t || t->status != SCSI_STATUS_GOOD) {
		if (t)
			scsi_free_scsi_task(t);
		return 0;
	}
	rr = scsi_datain_unmarshall(t);
	good = rr && rr->reserved && rr->reservation_key == key && (int)rr->pr_type == type;
	scsi_free_scsi_task(t);
	return good;
}

static void hold(struct nexus *a, uint64_t key)
{
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0,
			       key, 1), GOOD), "A registers with APTPL");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_RESERVE, WE, key, 0, 0), GOOD),
	       "A reserves Write Exclusive");
}

static void held(struct nexus *a, struct nexus *b, uint64_t key)
{
	report(has_key(a, key), "READ KEYS shows the key");
	report(reserved_as(a, key, WE), "READ RESERVATION shows A's Write Exclusive");
	report(status_is(write10(b), CONFLICT), "B WRITE(10) conflicts");
	report(status_is(read10(b), GOOD), "B READ(10) works");
}

static void drop(struct nexus *a, uint64_t key)
{
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_RELEASE, WE, key, 0, 0), GOOD),
	       "A releases");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_REGISTER, 0, key, 0, 0), GOOD),
	       "A unregisters");
	report(!has_key(a, key), "READ KEYS no longer shows the key");
}

/* PERSISTENT RESERVE OUT service action sa with the parameter list given
 * raw. */
static struct scsi_task *prout_raw_sa(struct nexus *n, int sa, uint8_t *param, uint32_t len)
{
	struct scsi_task *t = calloc(1, sizeof(*t));
	struct iscsi_data d = { .size = len, .data = param };

	if (!t)
		return NULL;
	t->cdb[0] = 0x5f;
	t->cdb[1] = (uint8_t)sa;
	t->cdb[5] = (uint8_t)(len >> 24);
	t->cdb[6] = (uint8_t)(len >> 16);
	t->cdb[7] = (uint8_t)(len >> 8);
	t->cdb[8] = (uint8_t)len;
	t->cdb_size = 10;
	t->xfer_dir = SCSI_XFER_WRITE;
	t->expxferlen = len;
	if (!iscsi_scsi_command_sync(n->iscsi, n->lun, t, &d)) {
		scsi_free_scsi_task(t);
		return NULL;
	}
	return t;
}

static struct scsi_task *prout_raw(struct nexus *n, uint8_t *param, uint32_t len)
{
	return prout_raw_sa(n, SCSI_PERSISTENT_RESERVE_REGISTER, param, len);
}

/* A REGISTER list: service action key, SPEC_I_PT, one iSCSI TransportID
 * of the given format and name.  Returns its length. */
static uint32_t spec_list(uint8_t *p, uint64_t sa_key, unsigned fmt, const char *name)
{
	uint32_t tlen = ((uint32_t)strlen(name) + 1 + 3) & ~3u;

	if (tlen < 16)
		tlen = 16;
	memset(p, 0, 512);
	for (int i = 0; i < 8; i++)
		p[8 + i] = (uint8_t)(sa_key >> (56 - 8 * i));
	p[20] = 0x08;                           /* SPEC_I_PT */
	p[27] = (uint8_t)(4 + tlen);
	p[28] = (uint8_t)(fmt << 6 | 0x05);
	p[31] = (uint8_t)tlen;
	memcpy(p + 32, name, strlen(name));
	return 32 + tlen;
}

static int sense_is(struct scsi_task *t, int key, int ascq)
{
	int good = t && t->status == SCSI_STATUS_CHECK_CONDITION && (int)t->sense.key == key &&
		   t->sense.ascq == ascq;

	if (t)
		scsi_free_scsi_task(t);
	return good;
}

/* READ FULL STATUS: the number of registrants, and whether one of them
 * carries name (case-insensitively) in its TransportID. */
static int full_status_has(struct nexus *n, const char *name, int *count)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(n->iscsi, n->lun, 3, 4096);
	uint32_t len, off = 8;
	int found = 0;

	*count = 0;
	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 8) {
		if (t)
			scsi_free_scsi_task(t);
		return 0;
	}
	len = 8 + ((uint32_t)t->datain.data[4] << 24 | (uint32_t)t->datain.data[5] << 16 |
		   (uint32_t)t->datain.data[6] << 8 | t->datain.data[7]);
	while (off + 24 <= len && off + 24 <= (uint32_t)t->datain.size) {
		const uint8_t *d = t->datain.data + off;
		uint32_t tid = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 |
			       (uint32_t)d[22] << 8 | d[23];

		(*count)++;
		if (off + 24 + tid <= (uint32_t)t->datain.size && tid > 4 &&
		    !strncasecmp((const char *)d + 28, name, tid - 4))
			found = 1;
		off += 24 + tid;
	}
	scsi_free_scsi_task(t);
	return found;
}

static void spec_i_pt(struct nexus *a, struct nexus *b, uint64_t key)
{
	uint8_t p[512];
	char upper_b[128];
	uint32_t len;
	int n, found;

	snprintf(upper_b, sizeof(upper_b), "%s", INI_B);
	for (char *c = upper_b; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	snprintf(upper_b + strlen(upper_b), sizeof(upper_b) - strlen(upper_b),
		 ",i,0x23d000000001");
	len = spec_list(p, key, 1, upper_b);
	report(status_is(prout_raw(a, p, len), GOOD),
	       "A REGISTER with SPEC_I_PT naming B (format 1, other case)");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_RESERVE, WE, key, 0, 0), GOOD),
	       "B holds the key: it reserves Write Exclusive");
	found = full_status_has(a, INI_A, &n);
	report(found && n == 2, "READ FULL STATUS: two registrants, A among them (%d)", n);
	report(full_status_has(a, INI_B, &n), "READ FULL STATUS: B registered");
	report(sense_is(prout_raw(a, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2400),
	       "registered A with SPEC_I_PT: INVALID FIELD IN CDB (05/24/00)");
	len = spec_list(p, key, 1, INI_B);      /* format 1 without an ISID */
	report(sense_is(prout_raw(a, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2600),
	       "format 1 TransportID without ISID: INVALID FIELD IN PARAMETER LIST (05/26/00)");
	len = spec_list(p, key, 0, INI_B);
	p[27] += 8;                             /* claims more than was sent */
	report(sense_is(prout_raw(a, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x1a00),
	       "TransportID list longer than the data: PARAMETER LIST LENGTH ERROR (05/1A/00)");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_CLEAR, 0, key, 0, 0), GOOD),
	       "A clears every registration");
	found = full_status_has(a, INI_B, &n);
	report(!found && n == 0, "READ FULL STATUS: none left");
}

/* REGISTER with ALL_TG_PT (and APTPL). */
static struct scsi_task *register_all_ports(struct nexus *n, uint64_t sa_key)
{
	struct scsi_persistent_reserve_out_basic p;

	memset(&p, 0, sizeof(p));
	p.service_action_reservation_key = sa_key;
	p.all_tg_pt = 1;
	p.aptpl = 1;
	return iscsi_persistent_reserve_out_sync(n->iscsi, n->lun,
						 SCSI_PERSISTENT_RESERVE_REGISTER, 0, 0, &p);
}

static int atp_capable(struct nexus *n)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(n->iscsi, n->lun, 2, 64);
	struct scsi_persistent_reserve_in_report_capabilities *rc;
	int good = 0;

	if (t && t->status == SCSI_STATUS_GOOD) {
		rc = scsi_datain_unmarshall(t);
		good = rc && rc->atp_c;
	}
	if (t)
		scsi_free_scsi_task(t);
	return good;
}

/* READ FULL STATUS: the number of descriptors; for the one whose
 * TransportID names `name`, its byte 12 (ALL_TG_PT, R_HOLDER) and key. */
static int full_status_of(struct nexus *n, const char *name, int *flags, uint64_t *key)
{
	struct scsi_task *t = iscsi_persistent_reserve_in_sync(n->iscsi, n->lun, 3, 4096);
	uint32_t len, off = 8;
	int count = 0;

	*flags = -1;
	*key = 0;
	if (!t || t->status != SCSI_STATUS_GOOD || t->datain.size < 8) {
		if (t)
			scsi_free_scsi_task(t);
		return -1;
	}
	len = 8 + ((uint32_t)t->datain.data[4] << 24 | (uint32_t)t->datain.data[5] << 16 |
		   (uint32_t)t->datain.data[6] << 8 | t->datain.data[7]);
	while (off + 24 <= len && off + 24 <= (uint32_t)t->datain.size) {
		const uint8_t *d = t->datain.data + off;
		uint32_t tid = (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 |
			       (uint32_t)d[22] << 8 | d[23];

		count++;
		if (off + 24 + tid <= (uint32_t)t->datain.size && tid > 4 &&
		    !strncasecmp((const char *)d + 28, name, tid - 4)) {
			*flags = d[12];
			for (int i = 0; i < 8; i++)
				*key = *key << 8 | d[i];
		}
		off += 24 + tid;
	}
	scsi_free_scsi_task(t);
	return count;
}

static void atp_register(struct nexus *a, struct nexus *a2, struct nexus *b2, uint64_t key)
{
	uint64_t k;
	int flags, n;

	report(atp_capable(a), "REPORT CAPABILITIES: ATP_C=1");
	report(status_is(register_all_ports(a, key), GOOD),
	       "A registers with ALL_TG_PT and APTPL through the first port");
	report(has_key(a2, key), "through the second port READ KEYS shows the key");
	report(status_is(prout(a2, SCSI_PERSISTENT_RESERVE_RESERVE, WE, key, 0, 0), GOOD),
	       "A is registered through the second port: it reserves there");
	n = full_status_of(a2, INI_A, &flags, &k);
	report(n == 1 && flags == 0x03 && k == key,
	       "READ FULL STATUS: one registration, ALL_TG_PT and R_HOLDER (%d, 0x%x)", n, flags);
	report(status_is(write10(a), GOOD), "A WRITE(10) through the first port: the holder");
	report(status_is(write10(b2), CONFLICT), "B WRITE(10) through the second port conflicts");
}

static void atp_held(struct nexus *a, struct nexus *a2, struct nexus *b, uint64_t key)
{
	uint64_t k;
	int flags, n;

	n = full_status_of(a2, INI_A, &flags, &k);
	report(n == 1 && flags == 0x03 && k == key,
	       "after the restart READ FULL STATUS: ALL_TG_PT and R_HOLDER (%d, 0x%x)", n, flags);
	report(status_is(write10(a), GOOD), "A WRITE(10) through the first port");
	report(status_is(write10(b), CONFLICT), "B WRITE(10) conflicts");
	report(status_is(prout(a2, SCSI_PERSISTENT_RESERVE_RELEASE, WE, key, 0, 0), GOOD),
	       "A releases through the second port");
	report(status_is(prout(a2, SCSI_PERSISTENT_RESERVE_REGISTER, 0, key, 0, 0), GOOD),
	       "A unregisters through the second port");
	report(!has_key(a, key) && full_status_of(a, INI_A, &flags, &k) == 0,
	       "through the first port the registration is gone too");
}

/* A REGISTER AND MOVE list (SPC-4 6.16.4); flags is byte 17 (UNREG 2,
 * APTPL 1).  Returns its length. */
static uint32_t move_list(uint8_t *p, uint64_t key, uint64_t sa_key, uint8_t flags,
			  uint16_t rtpi, unsigned fmt, const char *name)
{
	uint32_t tlen = ((uint32_t)strlen(name) + 1 + 3) & ~3u;

	if (tlen < 20)
		tlen = 20;
	memset(p, 0, 24 + 4 + tlen);
	for (int i = 0; i < 8; i++) {
		p[i] = (uint8_t)(key >> (56 - 8 * i));
		p[8 + i] = (uint8_t)(sa_key >> (56 - 8 * i));
	}
	p[17] = flags;
	p[18] = (uint8_t)(rtpi >> 8);
	p[19] = (uint8_t)rtpi;
	p[23] = (uint8_t)(4 + tlen);
	p[24] = (uint8_t)(fmt << 6 | 0x05);
	p[27] = (uint8_t)tlen;
	memcpy(p + 28, name, strlen(name));
	return 24 + 4 + tlen;
}

#define RAM SCSI_PERSISTENT_RESERVE_REGISTER_AND_MOVE

static void move_refusals(struct nexus *a, struct nexus *b, uint64_t key, uint16_t rtpi,
			  uint16_t rtpi2)
{
	uint8_t p[256];
	uint32_t len;

	len = move_list(p, 0xb0b, key + 1, 0, rtpi2, 0, INI_C);
	report(status_is(prout_raw_sa(b, RAM, p, len), CONFLICT),
	       "REGISTER AND MOVE by a registrant that is not the holder: RESERVATION CONFLICT");
	len = move_list(p, key, 0, 0, rtpi2, 0, INI_C);
	report(sense_is(prout_raw_sa(a, RAM, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2600),
	       "service action key zero: INVALID FIELD IN PARAMETER LIST (05/26/00)");
	len = move_list(p, key, key + 1, 0, rtpi, 0, INI_A);
	report(sense_is(prout_raw_sa(a, RAM, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2600),
	       "to the issuer's own I_T nexus: INVALID FIELD IN PARAMETER LIST (05/26/00)");
	len = move_list(p, key, key + 1, 0x04, rtpi2, 0, INI_C);
	report(sense_is(prout_raw_sa(a, RAM, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2600),
	       "a reserved bit of byte 17 (no ALL_TG_PT in this list): 05/26/00");
	len = move_list(p, key, key + 1, 0, 999, 0, INI_C);
	report(sense_is(prout_raw_sa(a, RAM, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2600),
	       "unknown relative target port: INVALID FIELD IN PARAMETER LIST (05/26/00)");
}

static void move(struct nexus *a, struct nexus *b, struct nexus *c2, uint64_t key,
		 uint16_t rtpi, uint16_t rtpi2)
{
	const uint64_t kc = key + 0x100;
	uint8_t p[256];
	uint32_t len;
	char c_port[128];

	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_REGISTER, 0, 0, key, 0), GOOD),
	       "A registers");
	report(status_is(prout(b, SCSI_PERSISTENT_RESERVE_REGISTER, 0, 0, 0xb0b, 0), GOOD),
	       "B registers");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_RESERVE, WE, key, 0, 0), GOOD),
	       "A reserves Write Exclusive");
	move_refusals(a, b, key, rtpi, rtpi2);
	snprintf(c_port, sizeof(c_port), "%s,i,0x23d000000003", INI_C);
	len = move_list(p, key, kc, 0, rtpi2, 1, c_port);
	report(status_is(prout_raw_sa(a, RAM, p, len), GOOD),
	       "A moves the reservation to C through the second port (TransportID format 1)");
	report(reserved_as(a, kc, WE), "READ RESERVATION: C's key holds Write Exclusive");
	clear_ua(c2);
	report(status_is(write10(c2), GOOD), "C WRITE(10) works: C is the holder");
	report(status_is(write10(a), CONFLICT), "A WRITE(10) conflicts: A only registered");
	report(has_key(a, key), "A is still registered");
	len = move_list(p, kc, key + 1, 0x02, rtpi, 0, INI_A);
	report(status_is(prout_raw_sa(c2, RAM, p, len), GOOD),
	       "C moves it back to A with UNREG and a new key");
	report(reserved_as(a, key + 1, WE) && !has_key(a, kc),
	       "A holds it with the new key, C is no longer registered");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_RELEASE, WE, key + 1, 0, 0), GOOD),
	       "A releases");
	len = move_list(p, key + 1, kc, 0, rtpi2, 0, INI_C);
	report(sense_is(prout_raw_sa(a, RAM, p, len), SCSI_SENSE_ILLEGAL_REQUEST, 0x2400),
	       "REGISTER AND MOVE without a reservation: INVALID FIELD IN CDB (05/24/00)");
	report(status_is(prout(a, SCSI_PERSISTENT_RESERVE_CLEAR, 0, key + 1, 0, 0), GOOD),
	       "A clears");
}

static void save_fails(struct nexus *a, struct nexus *b, uint64_t key)
{
	report(sense_is(prout(a, SCSI_PERSISTENT_RESERVE_REGISTER, 0, key, key + 1, 1),
			SCSI_SENSE_HARDWARE_ERROR, 0x4400),
	       "REGISTER with a new key that cannot be saved: HARDWARE ERROR, INTERNAL TARGET "
	       "FAILURE (04/44/00)");
	report(has_key(a, key) && !has_key(a, key + 1), "the old key is still registered");
	report(sense_is(prout(b, SCSI_PERSISTENT_RESERVE_REGISTER, 0, 0, 0xb0b, 0),
			SCSI_SENSE_HARDWARE_ERROR, 0x4400),
	       "B's REGISTER cannot remove the APTPL file: 04/44/00");
	report(!has_key(a, 0xb0b), "B is not registered");
	report(sense_is(prout(a, SCSI_PERSISTENT_RESERVE_RELEASE, WE, key, 0, 0),
			SCSI_SENSE_HARDWARE_ERROR, 0x4400), "RELEASE that cannot be saved: 04/44/00");
	report(reserved_as(a, key, WE), "A still holds Write Exclusive");
}

/* Logs A and B (and C) in through URL2 for the checks that need it. */
static int second_port(const char *url2, struct nexus *a2, struct nexus *b2, struct nexus *c2)
{
	if (login(a2, INI_A, url2) < 0 || login(b2, INI_B, url2) < 0 ||
	    login(c2, INI_C, url2) < 0)
		return -1;
	clear_ua(a2);
	clear_ua(b2);
	return 0;
}

static int two_port_check(const char *check, struct nexus *a, struct nexus *b, uint64_t key,
			  int argc, char **argv)
{
	struct nexus a2, b2, c2;

	if (argc < 5 || (!strcmp(check, "move") && argc != 7)) {
		fprintf(stderr, "%s needs URL2%s\n", check,
			strcmp(check, "move") ? "" : " RTPI RTPI2");
		return 2;
	}
	if (second_port(argv[4], &a2, &b2, &c2) < 0)
		return 2;
	if (!strcmp(check, "atp_register"))
		atp_register(a, &a2, &b2, key);
	else if (!strcmp(check, "atp_held"))
		atp_held(a, &a2, b, key);
	else
		move(a, b, &c2, key, (uint16_t)atoi(argv[5]), (uint16_t)atoi(argv[6]));
	logout(&a2);
	logout(&b2);
	logout(&c2);
	return 0;
}

int main(int argc, char **argv)
{
	struct nexus a, b;
	uint64_t key = 0;
	char *end;

	if (argc < 3 || (strcmp(argv[2], "conflict") && argc < 4)) {
		fprintf(stderr, "usage: pr_checks URL conflict|hold KEY|held KEY|drop KEY|"
			"spec_i_pt KEY|save_fails KEY|atp_register KEY URL2|atp_held KEY URL2|"
			"move KEY URL2 RTPI RTPI2\n");
		return 2;
	}
	if (argc >= 4) {
		key = strtoull(argv[3], &end, 0);
		if (*end || !key) {
			fprintf(stderr, "bad key %s\n", argv[3]);
			return 2;
		}
	}
	if (login(&a, INI_A, argv[1]) < 0 || login(&b, INI_B, argv[1]) < 0)
		return 2;
	if (!strcmp(argv[2], "conflict")) {
		/* INQUIRY leaves the UA of a new nexus for the next command. */
		report(status_is(iscsi_inquiry_sync(a.iscsi, a.lun, 0, 0, 64), GOOD),
		       "INQUIRY on a new nexus is GOOD");
		report(is_ua(iscsi_testunitready_sync(a.iscsi, a.lun), 0x2900),
		       "then TEST UNIT READY reports POWER ON (29/00)");
	}
	clear_ua(&a);
	clear_ua(&b);
	if (!strcmp(argv[2], "conflict")) {
		spc2_conflict(&a, &b);
		pr_conflict(&a, &b);
	} else if (!strcmp(argv[2], "hold")) {
		hold(&a, key);
	} else if (!strcmp(argv[2], "held")) {
		held(&a, &b, key);
	} else if (!strcmp(argv[2], "drop")) {
		drop(&a, key);
	} else if (!strcmp(argv[2], "spec_i_pt")) {
		spec_i_pt(&a, &b, key);
	} else if (!strcmp(argv[2], "save_fails")) {
		save_fails(&a, &b, key);
	} else if (!strcmp(argv[2], "atp_register") || !strcmp(argv[2], "atp_held") ||
		   !strcmp(argv[2], "move")) {
		int rc = two_port_check(argv[2], &a, &b, key, argc, argv);

		if (rc)
			return rc;
	} else {
		fprintf(stderr, "unknown check %s\n", argv[2]);
		return 2;
	}
	logout(&a);
	logout(&b);
	return failed ? 1 : 0;
}
