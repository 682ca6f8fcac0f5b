/* user_tape.c - a virtual tape drive (SSC-4 sequential-access device,
 * peripheral type 1) as an out-of-process scst_user handler in CDB mode:
 * the program is the device server and sees every CDB; scstd keeps REPORT
 * LUNS, REQUEST SENSE, reservations, PR, unit attentions and task
 * management.
 *
 *   user_tape [-s SOCKET] [-m MS] [-T] [-r] DEVICE FILE
 *
 * The device is created in scstd first (add_device tape0 type=1), or with
 * -r by the program itself (REGISTER, as SCST's scst_user handlers do):
 * it is then deleted when the program ends, unless a LUN still exports it.
 *
 * -m MS: moving over one object in SPACE takes MS milliseconds, as tape
 * motion does on a real drive; an ABORT TASK (or any task management that
 * aborts the command) stops it between objects, where the tape then is.
 * -T: attach without task management, as a handler written before it did
 * (an abort then waits for the SPACE to end).
 *
 * The medium is FILE, a sequence of logical objects, each a header
 * (u32 little-endian length, u8 kind: 0 block, 1 filemark) followed by a
 * block's bytes; end of data is the end of the file.  Writing at a
 * position discards everything after it, as on tape.  Positions are
 * logical object identifiers (SSC-4 4.2.7: blocks and filemarks both
 * count).
 *
 * Commands: TEST UNIT READY, INQUIRY (standard, VPD 00h, 80h and 83h), REWIND,
 * READ BLOCK LIMITS, READ(6) and WRITE(6) fixed and variable, WRITE
 * FILEMARKS(6), SPACE(6) over blocks, filemarks and to end of data, ERASE(6),
 * READ POSITION (short form), MODE SENSE(6) and MODE SELECT(6) with the
 * block descriptor (the block length of fixed-block transfers; 0 is
 * variable).  Anything else: INVALID COMMAND OPERATION CODE.
 *
 * SIGHUP is a cartridge change: FILE is read again, the position is BOP,
 * and the next command but INQUIRY gets UNIT ATTENTION, NOT READY TO
 * READY CHANGE, MEDIUM MAY HAVE CHANGED (06/28/00).  The drive reports it
 * once, to whichever nexus comes first; scstd tells the others. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/scsi_answer.h"

#define AREA_BYTES (8u << 20)
#define HDR 5
#define KIND_BLOCK 0
#define KIND_FILEMARK 1

/* The SSC bits of fixed sense byte 2. */
#define SENSE_FILEMARK 0x80
#define SENSE_EOM 0x40
#define SENSE_ILI 0x20

struct object {
	off_t off;                       /* of its header in the file */
	uint32_t len;
	bool filemark;
};

struct tape {
	int fd;
	struct object *obj;
	size_t nobj, cap;
	size_t pos;                      /* the next object's index */
	uint32_t block_len;              /* mode block descriptor; 0: variable */
	uint32_t max_block;
	unsigned motion_ms;              /* per object spaced over */
	struct scstu_dev *d;             /* for the abort checks of a long SPACE */
	const struct scstu_cmd *cmd;     /* the command in progress */
};

/* Tape motion over one object: false when the command was aborted
 * meanwhile (its reply is not sent then, the tape stays where it is). */
static bool move_one(struct tape *t)
{
	if (!t->motion_ms)
		return true;
	usleep(t->motion_ms * 1000);
	return !scstu_cmd_aborted(t->d, t->cmd);
}

/* ---- the medium --------------------------------------------------------- */

static int add_object(struct tape *t, off_t off, uint32_t len, bool filemark)
{
	if (t->nobj == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct object *o = realloc(t->obj, cap * sizeof(*o));

		if (!o)
			return -ENOMEM;
		t->obj = o;
		t->cap = cap;
	}
	t->obj[t->nobj++] = (struct object){ .off = off, .len = len, .filemark = filemark };
	return 0;
}

/* Indexes the objects of the file; a torn last object (a crash while
 * writing it) is cut off. */
static int load(struct tape *t)
{
	off_t off = 0, end = lseek(t->fd, 0, SEEK_END);
	uint8_t h[HDR];

	while (off + HDR <= end && pread(t->fd, h, HDR, off) == HDR) {
		uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
			       (uint32_t)h[3] << 24;

		if (h[4] > KIND_FILEMARK || off + HDR + len > end)
			break;
		if (add_object(t, off, len, h[4] == KIND_FILEMARK) < 0)
			return -ENOMEM;
		off += HDR + len;
	}
	return ftruncate(t->fd, off) < 0 ? -errno : 0;
}

static off_t pos_offset(const struct tape *t)
{
	return t->pos < t->nobj ? t->obj[t->pos].off
	       : t->nobj ? t->obj[t->nobj - 1].off + HDR + t->obj[t->nobj - 1].len : 0;
}

/* Appends at the position: whatever followed it is gone (SSC-4 4.2.4). */
static int append(struct tape *t, const void *data, uint32_t len, bool filemark)
{
	off_t off = pos_offset(t);
	uint8_t h[HDR] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 24), filemark ? KIND_FILEMARK : KIND_BLOCK };

	t->nobj = t->pos;
	if (ftruncate(t->fd, off) < 0 || pwrite(t->fd, h, HDR, off) != HDR ||
	    (len && pwrite(t->fd, data, len, off + HDR) != (ssize_t)len))
		return -EIO;
	if (add_object(t, off, len, filemark) < 0)
		return -ENOMEM;
	t->pos = t->nobj;
	return 0;
}

/* ---- sense -------------------------------------------------------------- */

/* Fixed sense with the SSC bits of byte 2 (FILEMARK, EOM, ILI) and, when
 * info_valid, the INFORMATION field: the residue SSC-4 defines for each
 * command (bytes or blocks not transferred, objects not spaced over). */
static void tape_sense(struct scstu_reply *r, uint8_t key, uint8_t bits, uint8_t asc,
		       uint8_t ascq, bool info_valid, int32_t info)
{
	scstu_reply_sense(r, key, asc, ascq);
	r->sense[2] |= bits;
	if (info_valid) {
		r->sense[0] |= 0x80;
		put32(r->sense + 3, (uint32_t)info);
	}
}

/* ---- commands ----------------------------------------------------------- */

static void read_block_limits(const struct scstu_cmd *c, struct scstu_reply *r,
			      const struct tape *t)
{
	uint8_t *d = c->data;

	if (c->len < 6) {
		invalid_cdb(r);
		return;
	}
	memset(d, 0, 6);
	put24(d + 1, t->max_block);
	d[5] = 1;                        /* minimum block length 1 */
	scstu_reply_good(r, 6);
}

/* One variable-length READ(6) of at most want bytes (SSC-4 6.3). */
static void read_variable(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t,
			  uint32_t want)
{
	const struct object *o;
	bool sili = c->cdb[1] & 0x02;
	uint32_t n;

	if (t->pos == t->nobj) {
		tape_sense(r, SK_BLANK_CHECK, 0, 0x00, 0x05, true, (int32_t)want);
		return;
	}
	o = &t->obj[t->pos++];
	if (o->filemark) {
		tape_sense(r, SK_NO_SENSE, SENSE_FILEMARK, 0x00, 0x01, true, (int32_t)want);
		return;
	}
	n = o->len < want ? o->len : want;
	if (n && pread(t->fd, c->data, n, o->off + HDR) != (ssize_t)n) {
		scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x11, 0x00);
		return;
	}
	if (o->len == want || (o->len < want && sili)) {
		scstu_reply_good(r, n);
		return;
	}
	/* Incorrect length: INFORMATION is requested minus actual, negative
	 * for an overlength block. */
	tape_sense(r, SK_NO_SENSE, SENSE_ILI, 0x00, 0x00, true, (int32_t)(want - o->len));
	r->data_len = n;
}

/* A fixed-block READ(6) of count blocks of the current block length. */
static void read_fixed(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t,
		       uint32_t count)
{
	uint8_t *d = c->data;

	for (uint32_t i = 0; i < count; i++) {
		const struct object *o;

		if (t->pos == t->nobj) {
			tape_sense(r, SK_BLANK_CHECK, 0, 0x00, 0x05, true, (int32_t)(count - i));
			r->data_len = i * t->block_len;
			return;
		}
		o = &t->obj[t->pos++];
		if (o->filemark) {
			tape_sense(r, SK_NO_SENSE, SENSE_FILEMARK, 0x00, 0x01, true,
				   (int32_t)(count - i));
			r->data_len = i * t->block_len;
			return;
		}
		if (o->len != t->block_len) {
			tape_sense(r, SK_NO_SENSE, SENSE_ILI, 0x00, 0x00, true,
				   (int32_t)(count - i));
			r->data_len = i * t->block_len;
			return;
		}
		if (pread(t->fd, d + (size_t)i * t->block_len, o->len, o->off + HDR) !=
		    (ssize_t)o->len) {
			scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x11, 0x00);
			return;
		}
	}
	scstu_reply_good(r, count * t->block_len);
}

static void read6(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t)
{
	bool fixed = c->cdb[1] & 0x01;
	uint32_t n = get24(c->cdb + 2);

	/* SSC-4 6.3: FIXED with SILI, or FIXED in variable-block mode, is an
	 * invalid field. */
	if (fixed && (t->block_len == 0 || (c->cdb[1] & 0x02))) {
		invalid_cdb(r);
		return;
	}
	/* scstd sized the buffer with the block length it saw set. */
	if (c->len != (fixed ? (uint64_t)n * t->block_len : n)) {
		invalid_cdb(r);
		return;
	}
	if (fixed)
		read_fixed(c, r, t, n);
	else if (n)
		read_variable(c, r, t, n);
	else
		scstu_reply_good(r, 0);
}

static void write6(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t)
{
	bool fixed = c->cdb[1] & 0x01;
	uint32_t n = get24(c->cdb + 2);
	const uint8_t *d = c->data;
	int rc = 0;

	if ((fixed && t->block_len == 0) || (!fixed && n > t->max_block) ||
	    c->len != (fixed ? (uint64_t)n * t->block_len : n)) {
		invalid_cdb(r);
		return;
	}
	if (fixed) {
		for (uint32_t i = 0; i < n && rc == 0; i++)
			rc = append(t, d + (size_t)i * t->block_len, t->block_len, false);
	} else if (n) {
		rc = append(t, d, n, false);
	}
	if (rc < 0)
		scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x0c, 0x00);
	else
		scstu_reply_good(r, 0);
}

/* WRITE FILEMARKS(6) also empties the (absent) buffer: the file is made
 * durable, as a synchronous WRITE FILEMARKS requires (SSC-4 6.10). */
static void write_filemarks(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t)
{
	uint32_t n = get24(c->cdb + 2);
	int rc = 0;

	for (uint32_t i = 0; i < n && rc == 0; i++)
		rc = append(t, NULL, 0, true);
	if (rc == 0 && fdatasync(t->fd) < 0)
		rc = -errno;
	if (rc < 0)
		scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x0c, 0x00);
	else
		scstu_reply_good(r, 0);
}

static int32_t signed24(const uint8_t *p)
{
	uint32_t v = get24(p);

	return v & 0x800000 ? (int32_t)(v | 0xff000000u) : (int32_t)v;
}

/* SPACE(6) over blocks (code 0): a filemark stops it, forward just past
 * the filemark, backward just before it (SSC-4 6.8).  INFORMATION is the
 * count not spaced over, as a magnitude in both directions (what Linux st
 * reads; it calls negative residues from drives wrong). */
static void space_blocks(struct scstu_reply *r, struct tape *t, int32_t count)
{
	int32_t left = count < 0 ? -count : count;

	while (left) {
		if (!move_one(t))
			return;
		if (count > 0) {
			if (t->pos == t->nobj) {
				tape_sense(r, SK_BLANK_CHECK, 0, 0x00, 0x05, true, left);
				return;
			}
			if (t->obj[t->pos++].filemark) {
				tape_sense(r, SK_NO_SENSE, SENSE_FILEMARK, 0x00, 0x01, true, left);
				return;
			}
		} else {
			if (t->pos == 0) {
				tape_sense(r, SK_NO_SENSE, SENSE_EOM, 0x00, 0x04, true, left);
				return;
			}
			if (t->obj[t->pos - 1].filemark) {
				t->pos--;
				tape_sense(r, SK_NO_SENSE, SENSE_FILEMARK, 0x00, 0x01, true, left);
				return;
			}
			t->pos--;
		}
		left--;
	}
	scstu_reply_good(r, 0);
}

/* SPACE(6) over filemarks (code 1): forward ends just past the last one,
 * backward just before it. */
static void space_filemarks(struct scstu_reply *r, struct tape *t, int32_t count)
{
	int32_t left = count < 0 ? -count : count;

	while (left) {
		if (!move_one(t))
			return;
		if (count > 0) {
			if (t->pos == t->nobj) {
				tape_sense(r, SK_BLANK_CHECK, 0, 0x00, 0x05, true, left);
				return;
			}
			if (t->obj[t->pos++].filemark)
				left--;
		} else {
			if (t->pos == 0) {
				tape_sense(r, SK_NO_SENSE, SENSE_EOM, 0x00, 0x04, true, left);
				return;
			}
			if (t->obj[--t->pos].filemark)
				left--;
		}
	}
	scstu_reply_good(r, 0);
}

static void space6(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t)
{
	int32_t count = signed24(c->cdb + 2);

	switch (c->cdb[1] & 0x0f) {
	case 0x0:
		space_blocks(r, t, count);
		break;
	case 0x1:
		space_filemarks(r, t, count);
		break;
	case 0x3:
		t->pos = t->nobj;
		scstu_reply_good(r, 0);
		break;
	default:
		invalid_cdb(r);
	}
}

/* READ POSITION, short form (service action 00h, SSC-4 7.7.2). */
static void read_position(const struct scstu_cmd *c, struct scstu_reply *r,
			  const struct tape *t)
{
	uint8_t *d = c->data;

	if ((c->cdb[1] & 0x1f) != 0x00 || c->len < 20) {
		invalid_cdb(r);
		return;
	}
	memset(d, 0, 20);
	d[0] = t->pos == 0 ? 0x80 : 0x00;        /* BOP */
	put32(d + 4, (uint32_t)t->pos);           /* first logical object location */
	put32(d + 8, (uint32_t)t->pos);           /* last: nothing is buffered */
	scstu_reply_good(r, 20);
}

/* MODE SENSE(6): the header and (unless DBD) the block descriptor; no
 * mode page is implemented, so page 3Fh (all) returns just those. */
static void mode_sense6(const struct scstu_cmd *c, struct scstu_reply *r, const struct tape *t)
{
	uint8_t buf[12] = { 0 };
	bool dbd = c->cdb[1] & 0x08;
	uint8_t page = c->cdb[2] & 0x3f;
	uint32_t n = dbd ? 4 : 12;

	if (page != 0x3f || (c->cdb[2] & 0xc0) == 0xc0) {
		invalid_cdb(r);
		return;
	}
	buf[0] = (uint8_t)(n - 1);
	buf[2] = 0x10;                           /* buffered mode 1 */
	if (!dbd) {
		buf[3] = 8;
		put24(buf + 9, t->block_len);
	}
	reply_data(c, r, buf, n);
}

/* MODE SELECT(6): a header and at most one block descriptor; its block
 * length becomes the fixed-block length (0: variable). */
static void mode_select6(const struct scstu_cmd *c, struct scstu_reply *r, struct tape *t)
{
	const uint8_t *d = c->data;
	uint32_t bl;

	if (c->len < 4 || c->len != 4u + d[3] || (d[3] != 0 && d[3] != 8)) {
		scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x26, 0x00);
		return;
	}
	if (d[3] == 8) {
		bl = get24(d + 9);
		if (bl > t->max_block) {
			scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x26, 0x00);
			return;
		}
		t->block_len = bl;
	}
	scstu_reply_good(r, 0);
}

static void erase6(struct scstu_reply *r, struct tape *t)
{
	t->nobj = t->pos;
	if (ftruncate(t->fd, pos_offset(t)) < 0)
		scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x0c, 0x00);
	else
		scstu_reply_good(r, 0);
}

struct ctx {
	struct tape tape;
	struct scsi_identity id;
};

static volatile sig_atomic_t cartridge_changed;

static void on_hup(int sig)
{
	(void)sig;
	cartridge_changed = 1;
}

/* A new cartridge: the file's objects again, at BOP. */
static bool load_cartridge(struct tape *t)
{
	t->nobj = 0;
	t->pos = 0;
	return load(t) == 0;
}

/* A reset leaves the tape where it is (SSC-4 keeps the position over a
 * logical unit reset); aborts are honoured by move_one.  Logged so an
 * operator (and the tests) see what scstd passed on. */
static enum scstu_tm_status on_tm(const struct scstu_tm *tm, void *arg)
{
	(void)arg;
	printf("user_tape: task management %d tag %#llx lun %llu\n", (int)tm->fn,
	       (unsigned long long)tm->tag, (unsigned long long)tm->lun);
	fflush(stdout);
	return SCSTU_TM_COMPLETE;
}

static void serve(const struct scstu_cmd *c, struct scstu_reply *r, void *arg)
{
	struct ctx *x = arg;
	struct tape *t = &x->tape;

	t->cmd = c;

	if (cartridge_changed && c->cdb[0] != 0x12) {
		cartridge_changed = 0;
		if (load_cartridge(t))
			scstu_reply_sense(r, 0x6, 0x28, 0x00);
		else
			scstu_reply_sense(r, SK_MEDIUM_ERROR, 0x30, 0x00);
		return;
	}

	switch (c->cdb[0]) {
	case 0x00: scstu_reply_good(r, 0); break;                /* TEST UNIT READY */
	case 0x01: t->pos = 0; scstu_reply_good(r, 0); break;    /* REWIND */
	case 0x05: read_block_limits(c, r, t); break;
	case 0x08: read6(c, r, t); break;
	case 0x0a: write6(c, r, t); break;
	case 0x10: write_filemarks(c, r, t); break;
	case 0x11: space6(c, r, t); break;
	case 0x12: answer_inquiry(c, r, &x->id); break;
	case 0x15: mode_select6(c, r, t); break;
	case 0x19: erase6(r, t); break;
	case 0x1a: mode_sense6(c, r, t); break;
	case 0x34: read_position(c, r, t); break;
	default: scstu_reply_sense(r, SK_ILLEGAL_REQUEST, 0x20, 0x00);
	}
}

int main(int argc, char **argv)
{
	const char *sock = SCSTU_SOCKET_DEFAULT;
	struct ctx x = { .tape = { .fd = -1 } };
	struct scstu_geometry g;
	struct scstu_dev *d;
	char err[256];
	bool tm = true, reg = false;
	int opt, rc;

	while ((opt = getopt(argc, argv, "s:m:Tr")) != -1) {
		if (opt == 's') {
			sock = optarg;
		} else if (opt == 'm') {
			x.tape.motion_ms = (unsigned)strtoul(optarg, NULL, 10);
		} else if (opt == 'T') {
			tm = false;
		} else if (opt == 'r') {
			reg = true;
		} else {
			fprintf(stderr, "usage: %s [-s SOCKET] [-m MS] [-T] [-r] DEVICE FILE\n", argv[0]);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: %s [-s SOCKET] [-m MS] [-T] [-r] DEVICE FILE\n", argv[0]);
		return 2;
	}
	x.id = (struct scsi_identity){ .type = 0x01, .removable = true, .product = "user_tape",
				       .serial = argv[optind] };
	x.tape.fd = open(argv[optind + 1], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (x.tape.fd < 0 || load(&x.tape) < 0) {
		perror(argv[optind + 1]);
		return 1;
	}
	if (reg)
		d = scstu_register_cdb(sock, argv[optind], 0x01, 0, 0, tm, AREA_BYTES, &g, err,
				       sizeof(err));
	else if (tm)
		d = scstu_attach_cdb_tm(sock, argv[optind], 0x01, AREA_BYTES, &g, err, sizeof(err));
	else
		d = scstu_attach_cdb(sock, argv[optind], 0x01, AREA_BYTES, &g, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "user_tape: %s\n", err);
		return 1;
	}
	/* A block must fit one transfer; the drive starts in variable mode
	 * unless scstd's device says otherwise. */
	x.tape.max_block = g.max_io;
	x.tape.block_len = g.block_size;
	printf("user_tape: serving %s from %s, %zu objects\n", argv[optind], argv[optind + 1],
	       x.tape.nobj);
	fflush(stdout);
	signal(SIGHUP, on_hup);
	x.tape.d = d;
	rc = tm ? scstu_serve_cmds_tm(d, serve, on_tm, &x) : scstu_serve_cmds(d, serve, &x);
	scstu_detach(d);
	free(x.tape.obj);
	close(x.tape.fd);
	return rc == -ENOTCONN ? 0 : 1;
}
