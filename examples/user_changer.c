/* user_changer.c - a virtual medium changer (SMC-3, peripheral type 08h)
 * as an out-of-process scst_user handler in CDB mode: the program is the
 * device server; scstd keeps REPORT LUNS, REQUEST SENSE (the sense of a
 * CHECK CONDITION goes back with it, autosense), reservations, PR, unit
 * attentions and task management.
 *
 *   user_changer [-s SOCKET] [-d DRIVES] [-n SLOTS] DEVICE FILE
 *
 * The device is created in scstd first: add_device changer0 type=8.
 *
 * Elements (SMC-3 "medium changer model") and their addresses, as the
 * Element Address Assignment mode page reports them:
 *   medium transport  0001h           one picker; it never holds a medium
 *                                     between commands
 *   import/export     0010h           one mail slot
 *   data transfer     0100h ...       DRIVES (1 or 2, default 2)
 *   storage           1000h ...       SLOTS (1..200, default 8)
 *
 * FILE is the inventory, a text file the program rewrites (to a temporary
 * file, then rename) after every move, so it survives restarts:
 *   # comment
 *   ADDRESS VOLTAG [SOURCE]
 * one line per full element: its address (hex), the medium's primary
 * volume tag (1-32 printable characters, no spaces) and, if known, the
 * address (hex) of the storage element the medium last left (SOURCE
 * STORAGE ELEMENT ADDRESS).  A missing FILE is an empty library.  An operator loads
 * cartridges by editing FILE; INITIALIZE ELEMENT STATUS reads it again
 * (except the import/export element while medium removal is prevented).
 *
 * Commands: TEST UNIT READY, INQUIRY (standard, VPD 00h, 80h, 83h), MODE
 * SENSE(6)/(10) pages 1Dh, 1Eh, 1Fh and 3Fh, INITIALIZE ELEMENT STATUS,
 * READ ELEMENT STATUS, MOVE MEDIUM, POSITION TO ELEMENT, PREVENT ALLOW
 * MEDIUM REMOVAL.  Anything else: INVALID COMMAND OPERATION CODE. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scsi_answer.h"

#define AREA_BYTES (1u << 20)
#define MAX_SLOTS 200
#define MAX_DRIVES 2
#define TAG_LEN 32                       /* VOLUME IDENTIFIER (SMC-3 volume tag) */

/* SMC-3 element type codes (READ ELEMENT STATUS ELEMENT TYPE CODE). */
enum etype { ET_ALL = 0, ET_TRANSPORT = 1, ET_STORAGE = 2, ET_IMPEXP = 3, ET_DRIVE = 4 };

#define ADDR_TRANSPORT 0x0001
#define ADDR_IMPEXP 0x0010
#define ADDR_DRIVE 0x0100
#define ADDR_STORAGE 0x1000

struct element {
	uint16_t addr;
	enum etype type;
	bool full;
	char tag[TAG_LEN + 1];
	uint16_t source;                 /* 0: none (SVALID 0) */
};

struct changer {
	/* Ascending address order: transport, import/export, drives, slots. */
	struct element el[2 + MAX_DRIVES + MAX_SLOTS];
	unsigned nel, ndrives, nslots;
	bool prevent;                    /* PREVENT ALLOW MEDIUM REMOVAL */
	const char *path;
	struct scsi_identity id;
};

/* ---- elements and the inventory file ------------------------------------ */

static void lay_out(struct changer *ch)
{
	unsigned n = 0;

	ch->el[n++] = (struct element){ .addr = ADDR_TRANSPORT, .type = ET_TRANSPORT };
	ch->el[n++] = (struct element){ .addr = ADDR_IMPEXP, .type = ET_IMPEXP };
	for (unsigned i = 0; i < ch->ndrives; i++)
		ch->el[n++] = (struct element){ .addr = (uint16_t)(ADDR_DRIVE + i), .type = ET_DRIVE };
	for (unsigned i = 0; i < ch->nslots; i++)
		ch->el[n++] = (struct element){ .addr = (uint16_t)(ADDR_STORAGE + i),
						.type = ET_STORAGE };
	ch->nel = n;
}

static struct element *find(struct element *el, unsigned nel, unsigned addr)
{
	for (unsigned i = 0; i < nel; i++)
		if (el[i].addr == addr)
			return &el[i];
	return NULL;
}

static bool valid_tag(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > TAG_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)s[i]))
			return false;
	return true;
}

/* One inventory line into el; false with the reason in why. */
static bool parse_line(char *line, struct element *el, unsigned nel, const char **why)
{
	char tag[64], extra[2];
	unsigned addr, src = 0;
	struct element *e;
	int got = sscanf(line, "%x %63s %x %1s", &addr, tag, &src, extra);

	if (got < 2 || got > 3) {
		*why = "want: ADDRESS VOLTAG [SOURCE]";
		return false;
	}
	e = addr <= 0xffff ? find(el, nel, addr) : NULL;
	if (!e || e->type == ET_TRANSPORT) {
		*why = "no such element (or the transport, which holds no medium)";
		return false;
	}
	if (e->full) {
		*why = "element listed twice";
		return false;
	}
	if (!valid_tag(tag)) {
		*why = "volume tag: 1-32 printable characters";
		return false;
	}
	if (got == 3 && (!find(el, nel, src) || find(el, nel, src)->type != ET_STORAGE)) {
		*why = "source is not a storage element";
		return false;
	}
	e->full = true;
	strcpy(e->tag, tag);
	e->source = (uint16_t)src;
	return true;
}

/* Reads FILE into el (a fresh layout); nothing of ch changes on an error. */
static int read_inventory(const struct changer *ch, struct element *el)
{
	FILE *f = fopen(ch->path, "re");
	char line[256];
	unsigned lineno = 0;

	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *why = NULL;
		char *p = line;

		lineno++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			continue;
		if (!parse_line(p, el, ch->nel, &why)) {
			fprintf(stderr, "user_changer: %s:%u: %s\n", ch->path, lineno, why);
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	return 0;
}

static int load_inventory(struct changer *ch, bool keep_impexp)
{
	struct element el[sizeof(ch->el) / sizeof(ch->el[0])];
	int rc;

	memcpy(el, ch->el, sizeof(el));
	for (unsigned i = 0; i < ch->nel; i++) {
		el[i].full = false;
		el[i].tag[0] = '\0';
		el[i].source = 0;
	}
	rc = read_inventory(ch, el);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < ch->nel; i++)
		if (!(keep_impexp && el[i].type == ET_IMPEXP))
			ch->el[i] = el[i];
	return 0;
}

/* The whole inventory, durably: a temporary file, fsync, rename. */
static int save_inventory(const struct changer *ch)
{
	char tmp[4096];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", ch->path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# user_changer inventory: ADDRESS VOLTAG [SOURCE], addresses in hex\n");
	for (unsigned i = 0; i < ch->nel; i++) {
		const struct element *e = &ch->el[i];

		if (!e->full)
			continue;
		if (e->source)
			fprintf(f, "%04x %s %04x\n", e->addr, e->tag, e->source);
		else
			fprintf(f, "%04x %s\n", e->addr, e->tag);
	}
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		rc = -errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, ch->path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* ---- READ ELEMENT STATUS (SMC-3 "READ ELEMENT STATUS command") --------- */

/* Element descriptor length: 12 bytes, the 36-byte primary volume tag
 * information when PVOLTAG, and the 4-byte device identification header
 * (CODE SET, IDENTIFIER TYPE, IDENTIFIER LENGTH 0: no identifier). */
static unsigned descriptor_len(bool voltag)
{
	return 12 + (voltag ? 36 : 0) + 4;
}

/* Byte 2 of each element type's descriptor (SMC-3: the medium transport,
 * storage, import/export and data transfer element descriptors). */
static uint8_t element_flags(const struct element *e)
{
	uint8_t full = e->full ? 0x01 : 0x00;

	switch (e->type) {
	case ET_TRANSPORT:
		return full;                             /* EXCEPT 0 */
	case ET_IMPEXP:
		/* INENAB, EXENAB, ACCESS; IMPEXP 1: the operator put the
		 * medium there (it never left a storage element), 0: the
		 * transport did. */
		return 0x20 | 0x10 | 0x08 | (e->full && !e->source ? 0x02 : 0) | full;
	default:
		return 0x08 | full;                      /* ACCESS */
	}
}

static void put_descriptor(uint8_t *d, const struct element *e, bool voltag)
{
	put16(d, e->addr);
	d[2] = element_flags(e);
	/* 4-5 ASC/ASCQ 0: no exception; 9: SVALID when the source is known,
	 * INVERT 0, ED 0, MEDIUM TYPE 0 (unspecified). */
	if (e->full && e->source) {
		d[9] = 0x80;
		put16(d + 10, e->source);
	}
	if (voltag && e->full) {
		/* PRIMARY VOLUME TAG: VOLUME IDENTIFIER left-justified, space
		 * padded to 32 bytes, 2 reserved, VOLUME SEQUENCE NUMBER 0.
		 * An empty element's is all zeros. */
		memset(d + 12, ' ', TAG_LEN);
		memcpy(d + 12, e->tag, strlen(e->tag));
	}
}

static void read_element_status(const struct scstu_cmd *c, struct scstu_reply *r,
				const struct changer *ch)
{
	unsigned type = c->cdb[1] & 0x0f, start = get16(c->cdb + 2), want = get16(c->cdb + 4);
	bool voltag = c->cdb[1] & 0x10;
	unsigned dlen = descriptor_len(voltag), nsel = 0, total = 8;
	const struct element *sel[sizeof(ch->el) / sizeof(ch->el[0])];
	uint8_t *buf, *p, *page = NULL;

	if (type > ET_DRIVE) {
		invalid_cdb(r);
		return;
	}
	/* The elements of the type asked for (0: all) at or above STARTING
	 * ELEMENT ADDRESS, at most NUMBER OF ELEMENTS, in ascending address
	 * order (SMC-3, READ ELEMENT STATUS CDB fields). */
	for (unsigned i = 0; i < ch->nel && nsel < want; i++) {
		const struct element *e = &ch->el[i];

		if ((type == ET_ALL || e->type == type) && e->addr >= start)
			sel[nsel++] = e;
	}
	/* One element status page per run of one type (ours are in address
	 * order, so each type is one run). */
	for (unsigned i = 0; i < nsel; i++)
		total += (i == 0 || sel[i]->type != sel[i - 1]->type ? 8 : 0) + dlen;
	buf = calloc(1, total);
	if (!buf) {
		scstu_reply_sense(r, SK_HARDWARE_ERROR, 0x44, 0x00);
		return;
	}
	/* Element status data header (SMC-3 "element status data"): FIRST
	 * ELEMENT ADDRESS REPORTED, NUMBER OF ELEMENTS AVAILABLE, BYTE COUNT
	 * OF REPORT AVAILABLE (all pages, whatever the allocation length). */
	put16(buf, nsel ? sel[0]->addr : 0);
	put16(buf + 2, (uint16_t)nsel);
	put24(buf + 5, total - 8);
	p = buf + 8;
	for (unsigned i = 0; i < nsel; i++) {
		if (i == 0 || sel[i]->type != sel[i - 1]->type) {
			/* Element status page header (SMC-3 "element
			 * status page"): ELEMENT TYPE CODE, PVOLTAG, ELEMENT
			 * DESCRIPTOR LENGTH, BYTE COUNT OF DESCRIPTOR DATA
			 * AVAILABLE. */
			page = p;
			page[0] = (uint8_t)sel[i]->type;
			page[1] = voltag ? 0x80 : 0x00;
			put16(page + 2, (uint16_t)dlen);
			p += 8;
		}
		put_descriptor(p, sel[i], voltag);
		p += dlen;
		put24(page + 5, (uint32_t)(p - page - 8));
	}
	reply_data(c, r, buf, total);
	free(buf);
}

/* ---- MOVE MEDIUM, POSITION TO ELEMENT (SMC-3 commands of those names) ---- */

static bool is_transport(unsigned addr)
{
	/* Zero names the default transport (SMC-3 MOVE MEDIUM: TRANSPORT
	 * ELEMENT ADDRESS). */
	return addr == 0 || addr == ADDR_TRANSPORT;
}

/* INVALID ELEMENT ADDRESS (21/01). */
static void invalid_element(struct scstu_reply *r)
{
	scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x21, 0x01);
}

static void move_medium(const struct scstu_cmd *c, struct scstu_reply *r, struct changer *ch)
{
	struct element *src = find(ch->el, ch->nel, get16(c->cdb + 4));
	struct element *dst = find(ch->el, ch->nel, get16(c->cdb + 6));
	struct element saved_src, saved_dst;
	int rc;

	if (c->cdb[10] & 0x01) {         /* INVERT: no medium rotation here */
		invalid_cdb(r);
		return;
	}
	/* The transport holds no medium between commands, so it is no
	 * destination (Device Capabilities: StorMT 0). */
	if (!is_transport(get16(c->cdb + 2)) || !src || !dst || dst->type == ET_TRANSPORT) {
		invalid_element(r);
		return;
	}
	if (!src->full) {
		scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
		return;
	}
	if (dst->full) {
		scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
		return;
	}
	saved_src = *src;
	saved_dst = *dst;
	dst->full = true;
	strcpy(dst->tag, src->tag);
	/* SOURCE STORAGE ELEMENT ADDRESS: the last storage element the
	 * medium was moved from (SMC-3 element descriptors: SOURCE STORAGE
	 * ELEMENT ADDRESS). */
	dst->source = src->type == ET_STORAGE ? src->addr : src->source;
	src->full = false;
	src->tag[0] = '\0';
	src->source = 0;
	rc = save_inventory(ch);
	if (rc < 0) {
		*src = saved_src;
		*dst = saved_dst;
		fprintf(stderr, "user_changer: %s: %s\n", ch->path, strerror(-rc));
		scstu_reply_sense(r, SK_HARDWARE_ERROR, 0x44, 0x00);
		return;
	}
	scstu_reply_good(r, 0);
}

static void position_to_element(const struct scstu_cmd *c, struct scstu_reply *r,
				struct changer *ch)
{
	const struct element *dst = find(ch->el, ch->nel, get16(c->cdb + 4));

	if (c->cdb[8] & 0x01) {
		invalid_cdb(r);
		return;
	}
	if (!is_transport(get16(c->cdb + 2)) || !dst) {
		invalid_element(r);
		return;
	}
	scstu_reply_good(r, 0);
}

/* ---- mode pages (SMC-3 "mode parameters" clause) ------------------------ */

/* Element Address Assignment (1Dh): first address and count of each
 * element type. */
static unsigned page_1d(uint8_t *p, const struct changer *ch, bool changeable)
{
	p[0] = 0x1d;
	p[1] = 0x12;
	if (changeable)
		return 20;
	put16(p + 2, ADDR_TRANSPORT);
	put16(p + 4, 1);
	put16(p + 6, ADDR_STORAGE);
	put16(p + 8, (uint16_t)ch->nslots);
	put16(p + 10, ADDR_IMPEXP);
	put16(p + 12, 1);
	put16(p + 14, ADDR_DRIVE);
	put16(p + 16, (uint16_t)ch->ndrives);
	return 20;
}

/* Transport Geometry Parameters (1Eh): one descriptor per transport,
 * ROTATE 0, MEMBER NUMBER IN TRANSPORT ELEMENT SET 0. */
static unsigned page_1e(uint8_t *p)
{
	p[0] = 0x1e;
	p[1] = 0x02;
	return 4;
}

/* Device Capabilities (1Fh): which element types store media (StorDT,
 * StorI/E, StorST; not the transport) and where MOVE MEDIUM can go from
 * each (every storing type to every storing type); no EXCHANGE MEDIUM. */
static unsigned page_1f(uint8_t *p, bool changeable)
{
	p[0] = 0x1f;
	p[1] = 0x12;
	if (changeable)
		return 20;
	p[2] = 0x0e;
	p[5] = 0x0e;                     /* ST -> DT, I/E, ST */
	p[6] = 0x0e;                     /* I/E -> */
	p[7] = 0x0e;                     /* DT -> */
	return 20;
}

/* MODE SENSE(6) 1Ah and (10) 5Ah: a header without block descriptors and
 * the pages; PC 3 (saved) is not supported, changeable values are none. */
static void mode_sense(const struct scstu_cmd *c, struct scstu_reply *r, const struct changer *ch)
{
	bool ten = c->cdb[0] == 0x5a;
	unsigned hdr = ten ? 8 : 4, pc = c->cdb[2] >> 6, code = c->cdb[2] & 0x3f, n;
	bool changeable = pc == 1;
	uint8_t buf[8 + 3 * 20] = { 0 };

	if (pc == 3) {
		scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x39, 0x00);
		return;
	}
	if (c->cdb[3] != 0) {            /* no subpages */
		invalid_cdb(r);
		return;
	}
	n = hdr;
	switch (code) {
	case 0x1d: n += page_1d(buf + n, ch, changeable); break;
	case 0x1e: n += page_1e(buf + n); break;
	case 0x1f: n += page_1f(buf + n, changeable); break;
	case 0x3f:
		n += page_1d(buf + n, ch, changeable);
		n += page_1e(buf + n);
		n += page_1f(buf + n, changeable);
		break;
	default:
		invalid_cdb(r);
		return;
	}
	/* MODE DATA LENGTH: the bytes after itself. */
	if (ten)
		put16(buf, (uint16_t)(n - 2));
	else
		buf[0] = (uint8_t)(n - 1);
	reply_data(c, r, buf, n);
}

/* ---- the rest --------------------------------------------------------------- */

/* INITIALIZE ELEMENT STATUS (SMC-3): the inventory again, as the
 * operator left it in FILE; the mail slot stays as it was while removal
 * is prevented. */
static void initialize_element_status(struct scstu_reply *r, struct changer *ch)
{
	if (load_inventory(ch, ch->prevent) < 0)
		scstu_reply_sense(r, SK_HARDWARE_ERROR, 0x44, 0x00);
	else
		scstu_reply_good(r, 0);
}

/* PREVENT ALLOW MEDIUM REMOVAL (SPC-4 6.13; for a changer SMC-3): PREVENT 00b
 * allows, 01b prevents removal through the import/export element; 10b
 * and 11b are obsolete. */
static void prevent_allow(const struct scstu_cmd *c, struct scstu_reply *r, struct changer *ch)
{
	unsigned prevent = c->cdb[4] & 0x03;

	if (prevent > 1) {
		invalid_cdb(r);
		return;
	}
	ch->prevent = prevent == 1;
	scstu_reply_good(r, 0);
}

static void serve(const struct scstu_cmd *c, struct scstu_reply *r, void *arg)
{
	struct changer *ch = arg;

	switch (c->cdb[0]) {
	case 0x00: scstu_reply_good(r, 0); break;        /* TEST UNIT READY */
	case 0x07: initialize_element_status(r, ch); break;
	case 0x12: answer_inquiry(c, r, &ch->id); break;
	case 0x1a:
	case 0x5a: mode_sense(c, r, ch); break;
	case 0x1e: prevent_allow(c, r, ch); break;
	case 0x2b: position_to_element(c, r, ch); break;
	case 0xa5: move_medium(c, r, ch); break;
	case 0xb8: read_element_status(c, r, ch); break;
	default: scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x20, 0x00);
	}
}

static int usage(const char *argv0)
{
	fprintf(stderr, "usage: %s [-s SOCKET] [-d DRIVES 1-%d] [-n SLOTS 1-%d] DEVICE FILE\n",
		argv0, MAX_DRIVES, MAX_SLOTS);
	return 2;
}

static bool number_arg(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		return false;
	*out = (unsigned)v;
	return true;
}

int main(int argc, char **argv)
{
	const char *sock = SCSTU_SOCKET_DEFAULT;
	static struct changer ch = { .ndrives = 2, .nslots = 8 };
	struct scstu_geometry g;
	struct scstu_dev *d;
	char err[256];
	int opt, rc;

	while ((opt = getopt(argc, argv, "s:d:n:")) != -1) {
		if (opt == 's')
			sock = optarg;
		else if (opt == 'd' && number_arg(optarg, 1, MAX_DRIVES, &ch.ndrives))
			continue;
		else if (opt == 'n' && number_arg(optarg, 1, MAX_SLOTS, &ch.nslots))
			continue;
		else
			return usage(argv[0]);
	}
	if (argc - optind != 2)
		return usage(argv[0]);
	ch.id = (struct scsi_identity){ .type = 0x08, .removable = true,
					.product = "user_changer", .serial = argv[optind] };
	ch.path = argv[optind + 1];
	lay_out(&ch);
	rc = load_inventory(&ch, false);
	if (rc < 0) {
		fprintf(stderr, "user_changer: %s: %s\n", ch.path, strerror(-rc));
		return 1;
	}
	d = scstu_attach_cdb(sock, argv[optind], 0x08, AREA_BYTES, &g, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "user_changer: %s\n", err);
		return 1;
	}
	printf("user_changer: serving %s from %s, %u drives, %u slots\n", argv[optind], ch.path,
	       ch.ndrives, ch.nslots);
	fflush(stdout);
	rc = scstu_serve_cmds(d, serve, &ch);
	scstu_detach(d);
	return rc == -ENOTCONN ? 0 : 1;
}
