/* bench_job.c - owns one iscsi-bench load process: its sessions (libiscsi
 * async contexts), the per-slot I/O cycle driven by iscsi_service() from a
 * poll loop, and the counting of completions inside the measured window. */
#include "bench_job.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

struct job;

struct session {
	struct job *job;
	struct iscsi_context *iscsi;
	int lun;
	uint64_t next_lba;	/* sequential patterns */
};

struct slot {
	struct session *s;
	uint64_t t_issue;
	int is_write;
};

struct job {
	const struct bench_cfg *cfg;
	struct job_result *res;
	struct session *sess;
	struct slot *slots;
	unsigned char *wbuf;
	uint32_t block_len;
	uint64_t io_blocks;	/* logical blocks per I/O */
	uint64_t span_ios;	/* distinct I/O-sized offsets in the span */
	uint64_t win_start, win_end;
	uint64_t rng;
	int outstanding;
};

uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t next_random(struct job *j)
{
	uint64_t x = j->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return j->rng = x;
}

static int job_fail(struct job *j, const char *what, struct iscsi_context *iscsi)
{
	snprintf(j->res->err, sizeof(j->res->err), "%s: %s", what,
		 iscsi ? iscsi_get_error(iscsi) : strerror(errno));
	j->res->failed = 1;
	return -1;
}

static int wants_write(struct job *j)
{
	switch (j->cfg->pattern) {
	case PAT_WRITE:
	case PAT_RANDWRITE:
		return 1;
	case PAT_MIX:
		return (int)(next_random(j) % 100) >= j->cfg->read_pct;
	default:
		return 0;
	}
}

static uint64_t pick_lba(struct job *j, struct session *s)
{
	enum bench_pattern p = j->cfg->pattern;
	if (p == PAT_READ || p == PAT_WRITE) {
		uint64_t lba = s->next_lba;
		s->next_lba = (lba / j->io_blocks + 1) % j->span_ios * j->io_blocks;
		return lba;
	}
	return next_random(j) % j->span_ios * j->io_blocks;
}

static void io_done(struct iscsi_context *iscsi, int status, void *data, void *priv);

static int issue(struct slot *sl)
{
	struct session *s = sl->s;
	struct job *j = s->job;
	uint64_t lba = pick_lba(j, s);
	struct scsi_task *t;

	sl->is_write = wants_write(j);
	sl->t_issue = bench_now_ns();
	if (sl->is_write)
		t = iscsi_write16_task(s->iscsi, s->lun, lba, j->wbuf, j->cfg->bs, (int)j->block_len,
				       0, 0, 0, 0, 0, io_done, sl);
	else
		t = iscsi_read16_task(s->iscsi, s->lun, lba, j->cfg->bs, (int)j->block_len,
				      0, 0, 0, 0, 0, io_done, sl);
	if (!t)
		return job_fail(j, "queueing a command", s->iscsi);
	j->outstanding++;
	return 0;
}

static void count_completion(struct job *j, struct slot *sl, uint64_t now, int good)
{
	struct job_result *r = j->res;
	if (!good) {
		r->errors++;
		return;
	}
	if (now < j->win_start || now > j->win_end)
		return;
	r->ios++;
	r->bytes += j->cfg->bs;
	if (sl->is_write)
		r->writes++;
	else
		r->reads++;
	hist_record(&r->hist, now - sl->t_issue);
}

static void io_done(struct iscsi_context *iscsi, int status, void *data, void *priv)
{
	struct slot *sl = priv;
	struct job *j = sl->s->job;
	struct scsi_task *task = data;
	uint64_t now = bench_now_ns();

	(void)iscsi;
	count_completion(j, sl, now, status == SCSI_STATUS_GOOD);
	if (task)
		scsi_free_scsi_task(task);
	j->outstanding--;
	if (now < j->win_end && !j->res->failed)
		issue(sl);
}

static int connect_session(struct job *j, struct session *s, int index, int seq)
{
	char iqn[128];
	struct iscsi_url *u;

	snprintf(iqn, sizeof(iqn), "iqn.2026-11.org.scstd:bench-%d-%d-%d", (int)getpid(), index, seq);
	s->job = j;
	s->iscsi = iscsi_create_context(iqn);
	if (!s->iscsi)
		return job_fail(j, "iscsi_create_context", NULL);
	u = iscsi_parse_full_url(s->iscsi, j->cfg->url);
	if (!u)
		return job_fail(j, "parsing the URL", s->iscsi);
	iscsi_set_targetname(s->iscsi, u->target);
	iscsi_set_session_type(s->iscsi, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(s->iscsi, ISCSI_HEADER_DIGEST_NONE);
	s->lun = u->lun;
	if (iscsi_full_connect_sync(s->iscsi, u->portal, u->lun) != 0) {
		iscsi_destroy_url(u);
		return job_fail(j, "login", s->iscsi);
	}
	iscsi_destroy_url(u);
	return 0;
}

static int read_geometry(struct job *j)
{
	struct iscsi_context *iscsi = j->sess[0].iscsi;
	struct scsi_task *t = iscsi_readcapacity16_sync(iscsi, j->sess[0].lun);
	struct scsi_readcapacity16 *rc16;

	if (!t || t->status != SCSI_STATUS_GOOD)
		return job_fail(j, "READ CAPACITY(16)", iscsi);
	rc16 = scsi_datain_unmarshall(t);
	if (!rc16) {
		scsi_free_scsi_task(t);
		return job_fail(j, "READ CAPACITY(16) data", iscsi);
	}
	j->block_len = rc16->block_length;
	uint64_t bytes = (rc16->returned_lba + 1) * (uint64_t)rc16->block_length;
	scsi_free_scsi_task(t);
	if (j->cfg->bs % j->block_len) {
		errno = EINVAL;
		return job_fail(j, "block size is not a multiple of the LUN's", NULL);
	}
	if (j->cfg->span && j->cfg->span < bytes)
		bytes = j->cfg->span;
	j->io_blocks = j->cfg->bs / j->block_len;
	j->span_ios = bytes / j->cfg->bs;
	if (j->span_ios == 0) {
		errno = EINVAL;
		return job_fail(j, "LUN smaller than one I/O", NULL);
	}
	return 0;
}

/* Spread the sequential streams over the span so that they do not all
 * read the same blocks. */
static void place_streams(struct job *j, int index)
{
	int total = j->cfg->sessions * j->cfg->jobs;
	for (int i = 0; i < j->cfg->sessions; i++) {
		uint64_t stream = (uint64_t)index * (uint64_t)j->cfg->sessions + (uint64_t)i;
		j->sess[i].next_lba = j->span_ios * stream / (uint64_t)total * j->io_blocks;
	}
}

static int wait_for_go(int go_fd)
{
	char c;
	ssize_t n;
	do
		n = read(go_fd, &c, 1);
	while (n < 0 && errno == EINTR);
	return n == 0 ? 0 : -1;
}

static int drive(struct job *j)
{
	int ns = j->cfg->sessions;
	struct pollfd pfd[ns];
	uint64_t give_up = j->win_end + 30ull * 1000000000ull;

	for (int i = 0; i < ns * j->cfg->qd; i++)
		if (issue(&j->slots[i]) < 0)
			return -1;
	while (j->outstanding > 0 && !j->res->failed) {
		for (int i = 0; i < ns; i++) {
			pfd[i].fd = iscsi_get_fd(j->sess[i].iscsi);
			pfd[i].events = (short)iscsi_which_events(j->sess[i].iscsi);
			pfd[i].revents = 0;
		}
		if (poll(pfd, (nfds_t)ns, 1000) < 0 && errno != EINTR)
			return job_fail(j, "poll", NULL);
		for (int i = 0; i < ns; i++)
			if (pfd[i].revents && iscsi_service(j->sess[i].iscsi, pfd[i].revents) < 0)
				return job_fail(j, "iscsi_service", j->sess[i].iscsi);
		if (bench_now_ns() > give_up)
			return job_fail(j, "commands still outstanding 30 s after the end", j->sess[0].iscsi);
	}
	return j->res->failed ? -1 : 0;
}

static int job_setup(struct job *j, int index)
{
	int ns = j->cfg->sessions;
	j->sess = calloc((size_t)ns, sizeof(*j->sess));
	j->slots = calloc((size_t)(ns * j->cfg->qd), sizeof(*j->slots));
	j->wbuf = malloc(j->cfg->bs);
	if (!j->sess || !j->slots || !j->wbuf)
		return job_fail(j, "out of memory", NULL);
	for (uint32_t i = 0; i < j->cfg->bs; i++)
		j->wbuf[i] = (unsigned char)(i * 31 + (uint32_t)index);
	for (int i = 0; i < ns; i++)
		if (connect_session(j, &j->sess[i], index, i) < 0)
			return -1;
	for (int i = 0; i < ns * j->cfg->qd; i++)
		j->slots[i].s = &j->sess[i % ns];
	if (read_geometry(j) < 0)
		return -1;
	place_streams(j, index);
	return 0;
}

static void job_teardown(struct job *j)
{
	for (int i = 0; j->sess && i < j->cfg->sessions; i++) {
		if (!j->sess[i].iscsi)
			continue;
		if (!j->res->failed)
			iscsi_logout_sync(j->sess[i].iscsi);
		iscsi_destroy_context(j->sess[i].iscsi);
	}
	free(j->sess);
	free(j->slots);
	free(j->wbuf);
}

int bench_job_run(const struct bench_cfg *cfg, int index, struct bench_shared *sh, int go_fd)
{
	struct job j = { .cfg = cfg, .res = &sh->res[index] };
	int rc = -1;

	j.rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)getpid() << 20) ^ bench_now_ns();
	if (job_setup(&j, index) == 0) {
		__atomic_store_n(&j.res->ready, 1, __ATOMIC_RELEASE);
		if (wait_for_go(go_fd) == 0) {
			uint64_t start = sh->start_ns;
			j.win_start = start + (uint64_t)(cfg->warmup * 1e9);
			j.win_end = j.win_start + (uint64_t)(cfg->secs * 1e9);
			rc = drive(&j);
		}
	}
	__atomic_store_n(&j.res->ready, 1, __ATOMIC_RELEASE);
	job_teardown(&j);
	return rc;
}
