/* vdisk_xcopy.c - EXTENDED COPY (LID1) of a vdisk with identification
 * CSCD descriptors (0xE4: a designator of a disk LU that the core's copy
 * resolver finds for the initiator, core/copy_resolve.h; the copy manager
 * registers it) and block-to-block segment descriptors
 * (0x02), and RECEIVE COPY RESULTS (COPY STATUS, OPERATING PARAMETERS).
 *
 * The whole parameter list is checked before any block moves; segments
 * then run in order with plain pread/pwrite on the backing descriptors,
 * on the command's I/O thread.  That blocks the thread for at most one
 * segment (VDISK_XCOPY_MAX_SEGMENT_BYTES), which is why the segment length
 * is bounded.  Copy results asked to be held (LIST ID USAGE 00b/01b) are
 * kept per copy manager for the last VDISK_XCOPY_RESULTS lists. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/copy_resolve.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/log.h"
#include "util/be.h"

#define SK_COPY_ABORTED 0x0a
#define PARAM_HDR_LEN 16
#define TGT_DESC_LEN 32
#define TGT_DESC_IDENT 0xe4
#define SEG_DESC_B2B 0x02
#define SEG_B2B_LEN 28
#define MAX_TGT_DESCS 8
#define MAX_SEG_DESCS 16
#define MAX_DESC_LIST_LEN (MAX_TGT_DESCS * TGT_DESC_LEN + MAX_SEG_DESCS * SEG_B2B_LEN)
#define COPY_CHUNK (1u << 20)
#define DIRECT_ALIGN 4096

enum { RCR_COPY_STATUS = 0x00, RCR_OPERATING_PARAMETERS = 0x03 };
enum { COPY_STATUS_DONE = 0x01, COPY_STATUS_FAILED = 0x02 };

struct segment {
	unsigned src, dst;              /* target descriptor indexes */
	bool dc;                        /* count in destination blocks */
	uint16_t nblocks;
	uint64_t src_lba, dst_lba;
};

struct copy_job {
	struct scst_device *targets[MAX_TGT_DESCS];
	unsigned ntargets;
	struct segment segs[MAX_SEG_DESCS];
	unsigned nsegs;
	unsigned done_segs;
	uint64_t bytes;
};

static void illegal(struct scst_cmd *cmd, uint8_t asc, uint8_t ascq)
{
	scst_set_cmd_sense(cmd, SK_ILLEGAL_REQUEST, asc, ascq);
}

/* COPY ABORTED carries the number of the segment descriptor being
 * processed in COMMAND-SPECIFIC INFORMATION (fixed format). */
static void copy_aborted(struct scst_cmd *cmd, unsigned seg, uint8_t asc, uint8_t ascq)
{
	scst_set_cmd_sense(cmd, SK_COPY_ABORTED, asc, ascq);
	if (cmd->sense[0] == 0x70)
		put_be32(&cmd->sense[8], seg);
}

/* The device a CSCD descriptor's designator names, through the core's
 * copy resolver (across every device of the daemon); pinned until
 * release_targets.  Only disks a vdisk handler serves can be
 * copied here.  A designator longer than SPC-4's 20 bytes names nothing
 * (SCST: "non-compliant identification descriptor"). */
static struct scst_device *resolve_designator(const struct scst_cmd *cmd, const uint8_t *desig)
{
	struct scst_device *dev;

	if (!cmd->sess || desig[3] > 20)
		return NULL;
	dev = scst_copy_find_pinned(cmd->sess, desig, 4u + desig[3]);
	if (dev && (dev->type != 0 || !dev->handler || !vdisk_handles(dev->handler))) {
		scst_copy_unpin(dev);
		return NULL;
	}
	return dev;
}

static void release_targets(struct copy_job *job)
{
	for (unsigned i = 0; i < job->ntargets; i++)
		if (job->targets[i])
			scst_copy_unpin(job->targets[i]);
	job->ntargets = 0;
}

static bool parse_targets(struct scst_cmd *cmd, const uint8_t *p, unsigned len,
			  struct copy_job *job)
{
	if (len % TGT_DESC_LEN) {
		scst_set_invalid_field(cmd, false, 2, -1);
		return false;
	}
	if (len / TGT_DESC_LEN > MAX_TGT_DESCS) {
		illegal(cmd, 0x26, 0x06);       /* TOO MANY TARGET DESCRIPTORS */
		return false;
	}
	for (unsigned i = 0; i < len / TGT_DESC_LEN; i++) {
		const uint8_t *d = p + i * TGT_DESC_LEN;
		unsigned off = PARAM_HDR_LEN + i * TGT_DESC_LEN;
		struct scst_device *dev;

		if (d[0] != TGT_DESC_IDENT) {
			illegal(cmd, 0x26, 0x07);  /* UNSUPPORTED TARGET DESCRIPTOR TYPE CODE */
			return false;
		}
		/* LU ID TYPE is ignored and NUL obsolete (SPC-4). */
		if (d[1] & 0x1f) {
			scst_set_invalid_field(cmd, false, off + 1, 4);
			return false;
		}
		dev = resolve_designator(cmd, d + 4);
		if (!dev) {
			/* Not a device of the copy manager this initiator
			 * reaches: SCST points at the descriptor. */
			scst_set_invalid_field(cmd, false, off, -1);
			return false;
		}
		job->targets[job->ntargets++] = dev;
		if (d[28] & 0x04 || get_be24(&d[29]) != dev->block_size) {
			scst_set_invalid_field(cmd, false, off + 29, -1);
			return false;
		}
	}
	return true;
}

static bool parse_segments(struct scst_cmd *cmd, const uint8_t *p, unsigned len,
			   struct copy_job *job)
{
	unsigned off = 0, n = 0;

	/* Count first: too many descriptors outranks what is in them. */
	while (off < len) {
		if (len - off < 4 || 4u + get_be16(p + off + 2) > len - off) {
			scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
			return false;
		}
		off += 4u + get_be16(p + off + 2);
		n++;
	}
	if (n > MAX_SEG_DESCS) {
		illegal(cmd, 0x26, 0x08);       /* TOO MANY SEGMENT DESCRIPTORS */
		return false;
	}
	for (off = 0; off < len; off += 4u + get_be16(p + off + 2)) {
		const uint8_t *s = p + off;
		struct segment *seg = &job->segs[job->nsegs];

		if (s[0] != SEG_DESC_B2B) {
			illegal(cmd, 0x26, 0x09);  /* UNSUPPORTED SEGMENT DESCRIPTOR TYPE CODE */
			return false;
		}
		if (get_be16(s + 2) != SEG_B2B_LEN - 4) {
			scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
			return false;
		}
		seg->dc = s[1] & 0x02;
		seg->src = get_be16(s + 4);
		seg->dst = get_be16(s + 6);
		seg->nblocks = get_be16(s + 10);
		seg->src_lba = get_be64(s + 12);
		seg->dst_lba = get_be64(s + 20);
		job->nsegs++;
	}
	return true;
}

/* The parameter list header and both descriptor lists. */
static bool parse_param_list(struct scst_cmd *cmd, struct copy_job *job)
{
	const uint8_t *p = cmd->buf;
	uint64_t tdl, sdl, inline_len;

	if (cmd->bufflen < PARAM_HDR_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	tdl = get_be16(p + 2);
	sdl = get_be32(p + 8);
	inline_len = get_be32(p + 12);
	if (PARAM_HDR_LEN + tdl + sdl + inline_len > cmd->bufflen ||
	    tdl + sdl > MAX_DESC_LIST_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	if (inline_len) {                       /* no inline data is supported */
		scst_set_invalid_field(cmd, false, 12, -1);
		return false;
	}
	if (p[1] & 0x20) {                      /* STR: no stream devices */
		scst_set_invalid_field(cmd, false, 1, 5);
		return false;
	}
	return parse_targets(cmd, p + PARAM_HDR_LEN, (unsigned)tdl, job) &&
	       parse_segments(cmd, p + PARAM_HDR_LEN + tdl, (unsigned)sdl, job);
}

/* Reads len bytes; past the end of a shorter backing file, zeros. */
static int read_fully(struct scst_device *dev, uint8_t *buf, uint32_t len, uint64_t off)
{
	int fd = vdisk_of(dev)->fd;
	uint32_t done = 0;

	if (!vdisk_can_copy(dev))
		return -EOPNOTSUPP;
	if (fd < 0 && vdisk_of(dev)->be->copy_io)
		return vdisk_of(dev)->be->copy_io(dev, false, buf, len, off);
	if (fd < 0) {                           /* nullio */
		memset(buf, 0, len);
		return 0;
	}
	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(buf + done, 0, len - done);
			break;
		}
		done += (uint32_t)n;
	}
	return 0;
}

static int write_fully(struct scst_device *dev, const uint8_t *buf, uint32_t len, uint64_t off)
{
	int fd = vdisk_of(dev)->fd;
	uint32_t done = 0;

	if (!vdisk_can_copy(dev))
		return -EOPNOTSUPP;
	if (fd < 0 && vdisk_of(dev)->be->copy_io)
		return vdisk_of(dev)->be->copy_io(dev, true, (uint8_t *)buf, len, off);
	if (fd < 0)
		return 0;                       /* nullio discards writes */
	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (uint32_t)n;
	}
	return 0;
}

static int copy_bytes(struct scst_device *src, uint64_t soff, struct scst_device *dst,
		      uint64_t doff, uint64_t len, uint8_t *buf)
{
	for (uint64_t done = 0; done < len;) {
		uint32_t n = len - done < COPY_CHUNK ? (uint32_t)(len - done) : COPY_CHUNK;
		int rc = read_fully(src, buf, n, soff + done);

		if (rc == 0)
			rc = write_fully(dst, buf, n, doff + done);
		if (rc < 0)
			return rc;
		done += n;
	}
	return 0;
}

/* One block-to-block segment; false with COPY ABORTED (or DATA PROTECT)
 * set when it cannot be carried out. */
static bool run_segment(struct scst_cmd *cmd, struct copy_job *job, unsigned i, uint8_t *buf)
{
	const struct segment *seg = &job->segs[i];
	struct scst_device *src, *dst;
	uint64_t bytes;
	int rc;

	if (seg->src >= job->ntargets || seg->dst >= job->ntargets ||
	    !(src = job->targets[seg->src]) || !(dst = job->targets[seg->dst])) {
		copy_aborted(cmd, i, 0x08, 0x04);  /* UNREACHABLE COPY TARGET */
		return false;
	}
	bytes = (uint64_t)seg->nblocks << (seg->dc ? dst->block_shift : src->block_shift);
	if ((bytes & (src->block_size - 1)) || (bytes & (dst->block_size - 1)) ||
	    bytes > VDISK_XCOPY_MAX_SEGMENT_BYTES ||
	    seg->src_lba > src->nblocks || (bytes >> src->block_shift) > src->nblocks - seg->src_lba ||
	    seg->dst_lba > dst->nblocks || (bytes >> dst->block_shift) > dst->nblocks - seg->dst_lba) {
		copy_aborted(cmd, i, 0x00, 0x00);
		return false;
	}
	if (dst->read_only) {
		scst_set_cmd_error(cmd, SCST_S_WRITE_PROTECTED);
		return false;
	}
	rc = copy_bytes(src, seg->src_lba << src->block_shift, dst,
			seg->dst_lba << dst->block_shift, bytes, buf);
	if (rc < 0) {
		log_warn("%s: EXTENDED COPY segment %u failed: %s", cmd->dev->name, i, strerror(-rc));
		copy_aborted(cmd, i, 0x0d, 0x01);  /* THIRD PARTY DEVICE FAILURE */
		return false;
	}
	job->done_segs++;
	job->bytes += bytes;
	return true;
}

static void hold_results(struct scst_cmd *cmd, const struct copy_job *job, bool ok)
{
	struct vdisk_dev *vd = vdisk_of(cmd->dev);
	struct vdisk_copy_result *r;

	pthread_mutex_lock(&vd->copy_lock);
	r = &vd->copy_results[vd->copy_next++ % VDISK_XCOPY_RESULTS];
	r->sess_serial = cmd->sess->serial;
	r->list_id = cmd->buf[0];
	r->status = ok ? COPY_STATUS_DONE : COPY_STATUS_FAILED;
	r->segments = (uint16_t)job->done_segs;
	r->bytes = job->bytes;
	r->valid = true;
	pthread_mutex_unlock(&vd->copy_lock);
}

void vdisk_extended_copy(struct scst_cmd *cmd)
{
	struct copy_job job;
	uint8_t *buf = NULL;
	bool ok = true;

	if (!cmd->bufflen)
		return;                         /* nothing to copy is not an error */
	memset(&job, 0, sizeof(job));
	if (!parse_param_list(cmd, &job)) {
		release_targets(&job);
		return;
	}
	if (job.nsegs && posix_memalign((void **)&buf, DIRECT_ALIGN, COPY_CHUNK)) {
		release_targets(&job);
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	for (unsigned i = 0; ok && i < job.nsegs; i++)
		ok = run_segment(cmd, &job, i, buf);
	free(buf);
	release_targets(&job);
	if (((cmd->buf[1] >> 3) & 0x03) < 2)    /* LIST ID USAGE: hold the results */
		hold_results(cmd, &job, ok);
}

static void copy_status(struct scst_cmd *cmd)
{
	struct vdisk_dev *vd = vdisk_of(cmd->dev);
	uint8_t d[12];
	bool found = false;

	memset(d, 0, sizeof(d));
	pthread_mutex_lock(&vd->copy_lock);
	for (unsigned i = 0; i < VDISK_XCOPY_RESULTS && !found; i++) {
		const struct vdisk_copy_result *r = &vd->copy_results[i];

		if (!r->valid || r->sess_serial != cmd->sess->serial || r->list_id != cmd->cdb[2])
			continue;
		found = true;
		put_be32(&d[0], sizeof(d) - 4);
		d[4] = r->status;
		put_be16(&d[5], r->segments);
		d[7] = 0x00;                    /* TRANSFER COUNT UNITS: bytes */
		put_be32(&d[8], r->bytes > 0xffffffffull ? 0xffffffffu : (uint32_t)r->bytes);
	}
	pthread_mutex_unlock(&vd->copy_lock);
	if (!found) {
		scst_set_invalid_field(cmd, true, 2, -1);   /* no such list */
		return;
	}
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

static void operating_parameters(struct scst_cmd *cmd)
{
	static const uint8_t implemented[] = { SEG_DESC_B2B, TGT_DESC_IDENT };
	uint8_t d[44 + sizeof(implemented)];

	memset(d, 0, sizeof(d));
	put_be32(&d[0], sizeof(d) - 4);
	d[4] = 0x01;                            /* SNLID: list identifiers are kept apart */
	put_be16(&d[8], MAX_TGT_DESCS);
	put_be16(&d[10], MAX_SEG_DESCS);
	put_be32(&d[12], MAX_DESC_LIST_LEN);
	put_be32(&d[16], VDISK_XCOPY_MAX_SEGMENT_BYTES);
	/* No inline or held data, no streams. */
	put_be16(&d[34], 1);              /* one copy at a time per command */
	d[36] = 1;
	d[37] = (uint8_t)cmd->dev->block_shift; /* data segment granularity */
	d[43] = sizeof(implemented);
	memcpy(&d[44], implemented, sizeof(implemented));
	scst_cmd_set_resp_data(cmd, d, sizeof(d));
}

void vdisk_receive_copy_results(struct scst_cmd *cmd)
{
	if ((cmd->cdb[1] & 0x1f) == RCR_OPERATING_PARAMETERS)
		operating_parameters(cmd);
	else
		copy_status(cmd);
}
