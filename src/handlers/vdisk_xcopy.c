/* vdisk_xcopy.c - EXTENDED COPY (LID1) of a vdisk with identification
 * CSCD descriptors (0xE4: a designator of a disk LU that the core's copy
 * resolver finds for the initiator, core/copy_resolve.h; the copy manager
 * registers it) and block-to-block segment descriptors
 * (0x02), and RECEIVE COPY RESULTS (COPY STATUS, OPERATING PARAMETERS).
 *
 * The whole parameter list is checked before any block moves; segments
 * then run in order, each handed to the core's copy engine (the copy
 * manager), which moves it as READ and WRITE commands of its own session
 * and calls back on this command's loop: no thread waits for a segment.
 * Aborting the command (the handler's abort hook) aborts the engine's
 * commands; it completes once the segment in flight has ended.  A segment
 * that fails ends the command with COPY ABORTED as SCST's
 * scst_cm_prepare_final_sense builds it.  Copy results asked to be held
 * (LIST ID USAGE 00b/01b) are kept per copy manager for the last
 * VDISK_XCOPY_RESULTS lists. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/cdb.h"
#include "core/copy_resolve.h"
#include "core/scst_dev.h"
#include "handlers/vdisk_priv.h"
#include "util/be.h"
#include "util/ioloop.h"
#include "util/log.h"

#define SK_COPY_ABORTED 0x0a
#define PARAM_HDR_LEN 16
#define TGT_DESC_LEN 32
#define TGT_DESC_IDENT 0xe4
#define SEG_DESC_B2B 0x02
#define SEG_B2B_LEN 28
#define MAX_TGT_DESCS 8
#define MAX_SEG_DESCS 16
#define MAX_DESC_LIST_LEN (MAX_TGT_DESCS * TGT_DESC_LEN + MAX_SEG_DESCS * SEG_B2B_LEN)
#define FIXED_SENSE_LEN 18

enum { RCR_COPY_STATUS = 0x00, RCR_OPERATING_PARAMETERS = 0x03 };
enum { COPY_STATUS_DONE = 0x01, COPY_STATUS_FAILED = 0x02 };

struct segment {
	unsigned src, dst;              /* target descriptor indexes */
	bool dc;                        /* count in destination blocks */
	uint16_t nblocks;
	uint64_t src_lba, dst_lba;
};

struct copy_job {
	struct scst_cmd *cmd;
	struct scst_device *targets[MAX_TGT_DESCS];
	uint64_t luns[MAX_TGT_DESCS];   /* the copy engine's LUNs of targets */
	unsigned ntargets;
	struct segment segs[MAX_SEG_DESCS];
	unsigned nsegs;
	unsigned done_segs;
	uint64_t bytes;
	struct scst_copy_range range;   /* of segment done_segs, in flight */
	struct scst_copy_lookup lookup; /* the CSCD descriptors' devices */
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

static void release_targets(struct copy_job *job)
{
	for (unsigned i = 0; i < job->lookup.n; i++)
		if (job->lookup.dev[i])
			scst_copy_unpin(job->lookup.dev[i]);
	job->lookup.n = 0;
	job->ntargets = 0;
}

/* The CSCD descriptor list's length and count, checked before anything is
 * looked up. */
static bool check_target_list(struct scst_cmd *cmd, unsigned len)
{
	if (len % TGT_DESC_LEN) {
		scst_set_invalid_field(cmd, false, 2, -1);
		return false;
	}
	if (len / TGT_DESC_LEN > MAX_TGT_DESCS) {
		illegal(cmd, 0x26, 0x06);       /* TOO MANY TARGET DESCRIPTORS */
		return false;
	}
	return true;
}

/* What the core's lookup thread is to find: the designator of each
 * identification descriptor.  One longer than SPC-4's 20 bytes names
 * nothing (SCST: "non-compliant identification descriptor"). */
static void fill_lookup(struct copy_job *job, const uint8_t *p, unsigned len)
{
	struct scst_copy_lookup *l = &job->lookup;

	l->n = len / TGT_DESC_LEN;
	for (unsigned i = 0; i < l->n; i++) {
		const uint8_t *d = p + i * TGT_DESC_LEN;

		l->desig[i] = d + 4;
		l->len[i] = d[0] == TGT_DESC_IDENT && d[7] <= 20 ? 4u + d[7] : 0;
	}
}

/* The descriptors in order, with what the lookup found: the first bad one
 * is the one reported. */
static bool parse_targets(struct scst_cmd *cmd, const uint8_t *p, struct copy_job *job)
{
	const struct scst_copy_lookup *l = &job->lookup;

	for (unsigned i = 0; i < l->n; i++) {
		const uint8_t *d = p + i * TGT_DESC_LEN;
		unsigned off = PARAM_HDR_LEN + i * TGT_DESC_LEN;
		struct scst_device *dev = l->dev[i];

		if (d[0] != TGT_DESC_IDENT) {
			illegal(cmd, 0x26, 0x07);  /* UNSUPPORTED TARGET DESCRIPTOR TYPE CODE */
			return false;
		}
		/* LU ID TYPE is ignored and NUL obsolete (SPC-4). */
		if (d[1] & 0x1f) {
			scst_set_invalid_field(cmd, false, off + 1, 4);
			return false;
		}
		if (!dev) {
			/* Not a device of the copy manager this initiator
			 * reaches: SCST points at the descriptor. */
			scst_set_invalid_field(cmd, false, off, -1);
			return false;
		}
		job->targets[i] = dev;
		job->luns[i] = l->lun[i];
		job->ntargets = i + 1;
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

/* The parameter list header, up to what the descriptors name. */
static bool parse_header(struct scst_cmd *cmd)
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
	return check_target_list(cmd, (unsigned)tdl);
}

/* The descriptor lists, once the lookup has found the devices. */
static bool parse_descriptors(struct scst_cmd *cmd, struct copy_job *job)
{
	const uint8_t *p = cmd->buf;
	unsigned tdl = get_be16(p + 2);

	return parse_targets(cmd, p + PARAM_HDR_LEN, job) &&
	       parse_segments(cmd, p + PARAM_HDR_LEN + tdl, get_be32(p + 8), job);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* SCST's scst_cm_prepare_final_sense (fixed format): COPY ABORTED with the
 * segment number in COMMAND-SPECIFIC INFORMATION.  A WRITE that failed
 * without sense data (a reservation conflict, BUSY) is THIRD PARTY DEVICE
 * FAILURE pointing at the destination's CSCD descriptor; otherwise the
 * failed command's status and sense follow at byte 18, which byte 8
 * (source) or 9 (destination) points at. */
static void segment_failed(struct scst_cmd *cmd, const struct copy_job *job)
{
	const struct scst_copy_range *r = &job->range;
	unsigned seg = job->done_segs;
	uint8_t *s = cmd->sense;
	unsigned n = r->sense_len;

	memset(s, 0, SCST_SENSE_BUFFERSIZE);
	s[0] = 0x70;
	s[2] = SK_COPY_ABORTED;
	s[7] = 0x0a;
	put_be16(&s[10], (uint16_t)seg);
	if (r->result == SCST_COPY_WRITE_FAILED && r->status != SAM_STAT_CHECK_CONDITION) {
		s[12] = 0x0d;
		s[13] = 0x01;
		s[15] = 0x80;
		put_be16(&s[16], (uint16_t)(PARAM_HDR_LEN + job->segs[seg].dst * TGT_DESC_LEN));
		cmd->sense_len = FIXED_SENSE_LEN;
	} else {
		s[r->result == SCST_COPY_READ_FAILED ? 8 : 9] = FIXED_SENSE_LEN;
		if (n > SCST_SENSE_BUFFERSIZE - FIXED_SENSE_LEN)
			n = SCST_SENSE_BUFFERSIZE - FIXED_SENSE_LEN;
		if (n) {
			s[7] += 1 + n;
			s[17] = r->status;
			memcpy(&s[FIXED_SENSE_LEN], r->sense, n);
		}
		cmd->sense_len = (uint8_t)(s[7] + 8);
	}
	cmd->status = SAM_STAT_CHECK_CONDITION;
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

static void job_end(struct copy_job *job, bool ok)
{
	struct scst_cmd *cmd = job->cmd;

	release_targets(job);
	if (!cmd->aborted && ((cmd->buf[1] >> 3) & 0x03) < 2)  /* LIST ID USAGE: hold them */
		hold_results(cmd, job, ok);
	vdisk_cmd_state(cmd)->xcopy_job = NULL;
	free(job);
	scst_cmd_done(cmd);
}

static void segment_done(struct scst_copy_range *r);

/* Checks segment i and hands it to the copy engine; false with the
 * command's sense set when it cannot be carried out. */
static bool start_segment(struct copy_job *job, unsigned i)
{
	struct scst_cmd *cmd = job->cmd;
	const struct segment *seg = &job->segs[i];
	struct scst_copy_range *r = &job->range;
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
	if (!bytes) {                           /* nothing to move (SCST skips it) */
		job->done_segs++;
		if (i + 1 < job->nsegs)
			return start_segment(job, i + 1);
		job_end(job, true);
		return true;
	}
	r->src_lun = job->luns[seg->src];
	r->dst_lun = job->luns[seg->dst];
	r->src_shift = src->block_shift;
	r->dst_shift = dst->block_shift;
	r->src_lba = seg->src_lba;
	r->dst_lba = seg->dst_lba;
	r->bytes = bytes;
	r->home = ioloop_current();
	r->done = segment_done;
	r->priv = job;
	rc = scst_copy_range_start(r);
	if (rc < 0) {
		log_warn("%s: EXTENDED COPY segment %u not started: %s", cmd->dev->name, i,
			 strerror(-rc));
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return false;
	}
	return true;
}

/* On the command's loop, once the engine has finished segment done_segs. */
static void segment_done(struct scst_copy_range *r)
{
	struct copy_job *job = r->priv;
	struct scst_cmd *cmd = job->cmd;

	job->bytes += r->bytes_done;
	if (r->result != SCST_COPY_OK) {
		if (r->result == SCST_COPY_NO_RESOURCES)
			scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		else if (r->result != SCST_COPY_ABORTED)
			segment_failed(cmd, job);
		job_end(job, false);
		return;
	}
	job->done_segs++;
	if (cmd->aborted || job->done_segs == job->nsegs) {
		job_end(job, !cmd->aborted);
		return;
	}
	if (!start_segment(job, job->done_segs))
		job_end(job, false);
}

/* Nothing ran: no results are held. */
static void job_refused(struct copy_job *job)
{
	struct scst_cmd *cmd = job->cmd;

	release_targets(job);
	vdisk_cmd_state(cmd)->xcopy_job = NULL;
	free(job);
	scst_cmd_done(cmd);
}

/* On the command's loop, once the lookup thread has found the devices. */
static void lookup_done(struct scst_copy_lookup *l)
{
	struct copy_job *job = l->priv;
	struct scst_cmd *cmd = job->cmd;

	if (cmd->aborted || !parse_descriptors(cmd, job)) {
		job_refused(job);
		return;
	}
	if (!job->nsegs) {
		job_end(job, true);
		return;
	}
	if (!start_segment(job, 0))
		job_end(job, false);
}

void vdisk_extended_copy(struct scst_cmd *cmd)
{
	struct copy_job *job;
	int rc;

	if (!cmd->bufflen) {
		scst_cmd_done(cmd);             /* nothing to copy is not an error */
		return;
	}
	if (!parse_header(cmd)) {
		scst_cmd_done(cmd);
		return;
	}
	job = calloc(1, sizeof(*job));
	if (!job) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		scst_cmd_done(cmd);
		return;
	}
	job->cmd = cmd;
	job->range.start_ms = now_ms();
	vdisk_cmd_state(cmd)->xcopy_job = job;
	fill_lookup(job, cmd->buf + PARAM_HDR_LEN, get_be16(cmd->buf + 2));
	snprintf(job->lookup.initiator, sizeof(job->lookup.initiator), "%s",
		 cmd->sess->initiator_name);
	job->lookup.home = ioloop_current();
	job->lookup.done = lookup_done;
	job->lookup.priv = job;
	rc = scst_copy_lookup_start(&job->lookup);
	if (rc == -ENODEV) {
		lookup_done(&job->lookup);      /* no copy manager: nothing is found */
	} else if (rc < 0) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		job_refused(job);
	}
}

void vdisk_xcopy_abort(struct scst_cmd *cmd)
{
	struct copy_job *job = vdisk_cmd_state(cmd)->xcopy_job;

	if (cmd->op->id == SCSI_OP_EXTENDED_COPY_LID1 && job)
		scst_copy_range_abort(&job->range);
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
