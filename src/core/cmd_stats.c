/* cmd_stats.c - what every finished command adds to the statistics: the
 * monotonic counters of its I_T_L nexus (commands by class, bytes, CHECK
 * CONDITIONs by sense key, BUSY, TASK SET FULL, the latency histogram)
 * and README.scst-3.x's latency statistics of its session; and the
 * sums the readers (management tree, metrics) take.
 *
 * No lock and no atomic read-modify-write on the command path: a nexus
 * and its session belong to one I/O loop, which is the only writer of
 * their counters (a load and a relaxed store); readers sum with relaxed
 * loads, as sgv.c does for its per-thread blocks.  A counter block that
 * goes away is folded into its device's and target's gone_io first, so
 * those totals never go back.
 *
 * Latency is measured from scst_rx_cmd to scst_tgt_cmd_done, i.e. until
 * the transport has sent the response (the last byte left the socket):
 * the server's share of what the initiator sees.  That costs two
 * clock reads per command (vDSO); the stage-by-stage split of the latency
 * files costs up to four more and is taken only while measure_latency is
 * on, as in SCST. */
#include <string.h>
#include <time.h>

#include "cdb.h"
#include "scst.h"
#include "scst_priv.h"

/* 5 us .. 1 s, roughly 1-2.5-5 per decade. */
const uint64_t scst_lat_bucket_ns[SCST_LAT_BUCKETS] = {
	5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	100000000, 250000000, 500000000, 1000000000,
};

const char *const scst_login_fail_reason_names[SCST_LOGIN_FAIL__COUNT] = {
	[SCST_LOGIN_FAIL_AUTH] = "auth",
	[SCST_LOGIN_FAIL_ACL] = "acl",
	[SCST_LOGIN_FAIL_TARGET] = "target",
	[SCST_LOGIN_FAIL_LIMIT] = "limit",
	[SCST_LOGIN_FAIL_PROTOCOL] = "protocol",
	[SCST_LOGIN_FAIL_RESOURCES] = "resources",
};

static inline void st_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void st_set(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, v, __ATOMIC_RELAXED);
}

static inline uint64_t st_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* Most commands finish well below 100 us: a forward scan ends early. */
unsigned scst_lat_bucket_of(uint64_t ns)
{
	unsigned i = 0;

	while (i < SCST_LAT_BUCKETS && ns > scst_lat_bucket_ns[i])
		i++;
	return i;
}

unsigned scst_lat_size_class(uint32_t len)
{
	unsigned i = 0;

	while (i < SCST_LAT_SIZES - 1 && len > (512u << i))
		i++;
	return i;
}

/* The counters are all uint64_t: walked as an array. */
#define IO_WORDS (sizeof(struct scst_io_counters) / sizeof(uint64_t))
_Static_assert(sizeof(struct scst_io_counters) % sizeof(uint64_t) == 0, "io counters: u64 only");

void scst_io_counters_add(struct scst_io_counters *sum, const struct scst_io_counters *c)
{
	uint64_t *s = (uint64_t *)sum;
	const uint64_t *w = (const uint64_t *)c;

	for (size_t i = 0; i < IO_WORDS; i++)
		s[i] += st_get(&w[i]);
}

/* By opcode: a medium READ is counted as read even when refused before
 * parse settled its direction (then the initiator's announced one). */
static enum scst_cmd_class cmd_class(const struct scst_cmd *cmd)
{
	const struct scst_opcode_desc *op = cmd->op;
	enum scst_data_dir dir = cmd->data_dir;

	if (!op || !(op->flags & SCST_OP_LBA_RANGE))
		return SCST_CLASS_OTHER;
	if (dir == SCST_DATA_NONE && cmd->expected_set)
		dir = cmd->expected_dir;
	if (op->flags & SCST_OP_WRITE_MEDIUM)
		return (dir & SCST_DATA_WRITE) ? SCST_CLASS_WRITE : SCST_CLASS_OTHER;
	return dir == SCST_DATA_READ ? SCST_CLASS_READ : SCST_CLASS_OTHER;
}

/* Fixed (70h/71h) or descriptor (72h/73h) format; -1 when unreadable. */
static int sense_key_of(const struct scst_cmd *cmd)
{
	uint8_t code = cmd->sense[0] & 0x7f;

	if ((code == 0x70 || code == 0x71) && cmd->sense_len > 2)
		return cmd->sense[2] & 0x0f;
	if ((code == 0x72 || code == 0x73) && cmd->sense_len > 1)
		return cmd->sense[1] & 0x0f;
	return -1;
}

static void count_status(struct scst_io_counters *io, const struct scst_cmd *cmd)
{
	int key;

	switch (cmd->status) {
	case SAM_STAT_CHECK_CONDITION:
		key = sense_key_of(cmd);
		if (key >= 0)
			st_add(&io->sense_key[key], 1);
		break;
	case SAM_STAT_BUSY:
		st_add(&io->busy, 1);
		break;
	case SAM_STAT_TASK_SET_FULL:
		st_add(&io->task_set_full, 1);
		break;
	default:
		break;
	}
}

static void count_io(struct scst_io_counters *io, const struct scst_cmd *cmd, uint64_t total_ns)
{
	st_add(&io->cmds[cmd_class(cmd)], 1);
	if (cmd->data_received)
		st_add(&io->write_bytes, cmd->write_len);
	if ((cmd->data_dir & SCST_DATA_READ) && !cmd->aborted)
		st_add(&io->read_bytes, cmd->resp_data_len);
	if (!cmd->aborted)
		count_status(io, cmd);
	st_add(&io->lat_bucket[scst_lat_bucket_of(total_ns)], 1);
	st_add(&io->lat_sum_ns, total_ns);
}

/* ---- README.scst latency statistics ---- */

/* Read by every command at arrival: a plain flag, written rarely. */
static bool measure_latency;

void scst_set_measure_latency(bool on)
{
	__atomic_store_n(&measure_latency, on, __ATOMIC_RELAXED);
}

bool scst_measure_latency_on(void)
{
	return __atomic_load_n(&measure_latency, __ATOMIC_RELAXED);
}

#define LAT_WORDS (offsetof(struct scst_lat_stats, reset_req) / sizeof(uint64_t))

static void lat_zero(struct scst_lat_stats *st)
{
	uint64_t *w = (uint64_t *)st;

	for (size_t i = 0; i < LAT_WORDS; i++)
		st_set(&w[i], 0);
}

static void entry_add(struct scst_lat_entry *e, uint64_t ns)
{
	uint64_t v = ns / 100;

	if (!e->count || e->min > v)
		st_set(&e->min, v);
	if (!e->count || e->max < v)
		st_set(&e->max, v);
	st_add(&e->sum, v);
	st_add(&e->sumsq, v * v);
	st_add(&e->count, 1);
}

/* SCST files by what the initiator announced; a transport that announces
 * nothing (scst_local, copy manager) by what parse found. */
static void lat_class(const struct scst_cmd *cmd, unsigned *size, unsigned *dir)
{
	uint32_t len = cmd->expected_set ? cmd->expected_len : cmd->bufflen;

	*dir = (cmd->expected_set ? cmd->expected_dir : cmd->data_dir) & 3;
	*size = scst_lat_size_class(len);
}

/* Each stage runs from its stamp to the next stamp the command took;
 * a step a command skipped (no WRITE data, no handler) has stamp 0. */
static void lat_update(struct scst_lat_stats *st, const struct scst_cmd *cmd, uint64_t end)
{
	const uint64_t stamp[SCST_LAT_STAGES + 1] = {
		[SCST_LAT_CORE_INIT] = cmd->t_rx, [SCST_LAT_TGT_DATA_IN] = cmd->t_rdy,
		[SCST_LAT_CORE_PRE_EXEC] = cmd->t_data, [SCST_LAT_DEV_EXEC] = cmd->t_exec,
		[SCST_LAT_TGT_XMIT] = cmd->t_xmit, [SCST_LAT_STAGES] = end,
	};
	unsigned req = __atomic_load_n(&st->reset_req, __ATOMIC_ACQUIRE);
	unsigned size, dir;
	int from = SCST_LAT_CORE_INIT;

	if (req != st->reset_seen) {
		lat_zero(st);
		__atomic_store_n(&st->reset_seen, req, __ATOMIC_RELEASE);
	}
	lat_class(cmd, &size, &dir);
	for (int to = from + 1; to <= SCST_LAT_STAGES; to++) {
		if (!stamp[to])
			continue;
		if (stamp[to] >= stamp[from])
			entry_add(&st->e[size][dir][from], stamp[to] - stamp[from]);
		from = to;
	}
}

uint64_t scst_lat_stddev(uint64_t sumsq, uint64_t sum, uint64_t count)
{
	unsigned __int128 sq = (unsigned __int128)sum * sum / count;
	uint64_t var = sumsq > sq ? (uint64_t)((sumsq - sq) / count) : 0;
	uint64_t r = 0, bit = 1ull << 62;

	/* Integer square root, digit by digit (no libm on this path). */
	while (bit > var)
		bit >>= 2;
	while (bit) {
		if (var >= r + bit) {
			var -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

void scst_lat_stats_read(const struct scst_lat_stats *st, struct scst_lat_stats *out)
{
	const uint64_t *w = (const uint64_t *)st;
	uint64_t *o = (uint64_t *)out;

	memset(out, 0, sizeof(*out));
	if (__atomic_load_n(&st->reset_req, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&st->reset_seen, __ATOMIC_ACQUIRE))
		return;
	for (size_t i = 0; i < LAT_WORDS; i++)
		o[i] = st_get(&w[i]);
}

void scst_lat_stats_request_reset(struct scst_lat_stats *st)
{
	__atomic_add_fetch(&st->reset_req, 1, __ATOMIC_RELEASE);
}

uint64_t scst_stats_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static enum scst_sess_dir sess_dir_of(const struct scst_cmd *cmd)
{
	if (!cmd->op)
		return SCST_SESS_DIR_UNKNOWN;
	switch (cmd->data_dir) {
	case SCST_DATA_WRITE:
		return SCST_SESS_DIR_WRITE;
	case SCST_DATA_READ:
		return SCST_SESS_DIR_READ;
	case SCST_DATA_BIDI:
		return SCST_SESS_DIR_BIDI;
	default:
		return SCST_SESS_DIR_NONE;
	}
}

/* As SCST's scst_finish_cmd counts every command of the session: the
 * bytes are what the CDB transfers, however much of it an answer filled
 * (an INQUIRY with ALLOCATION LENGTH 4096 counts 4 KiB), and a command of
 * a device is unaligned when its first byte or its length is not a
 * multiple of 4 KiB. */
static void count_sess_dir(struct scst_session *sess, const struct scst_cmd *cmd)
{
	struct scst_sess_dir_stats *st = &sess->dir_stats[sess_dir_of(cmd)];
	uint64_t bytes = cmd->bufflen;

	if (cmd->data_dir == SCST_DATA_BIDI)
		bytes += cmd->write_len;
	st_add(&st->cmds, 1);
	st_add(&st->bytes, bytes);
	if (cmd->dev && cmd->dev->block_shift > 0 &&
	    (((cmd->lba << cmd->dev->block_shift) & 4095) || (bytes & 4095)))
		st_add(&st->unaligned, 1);
}

void scst_sess_dir_stats_zero(struct scst_session *sess, enum scst_sess_dir dir)
{
	st_set(&sess->dir_stats[dir].cmds, 0);
	st_set(&sess->dir_stats[dir].bytes, 0);
	st_set(&sess->dir_stats[dir].unaligned, 0);
}

void scst_cmd_account(struct scst_cmd *cmd)
{
	struct scst_session *sess = cmd->sess;
	struct scst_tgt_dev *td = cmd->tgt_dev;
	uint64_t end = scst_stats_now();

	count_sess_dir(sess, cmd);
	count_io(td ? &td->io : &sess->nolun_io, cmd, end - cmd->t_rx);
	if (!cmd->lat_measured)
		return;
	lat_update(&sess->lat, cmd, end);
}

/* ---- readers and folding ---- */

void scst_tgt_dev_fold_into_dev(struct scst_tgt_dev *td)
{
	scst_io_counters_add(&td->dev->gone_io, &td->io);
}

void scst_session_fold_retired(struct scst_session *sess, const struct scst_tgt_dev *td)
{
	struct scst_io_counters *g = &sess->gone_io;
	uint64_t *s = (uint64_t *)g;
	const uint64_t *w = (const uint64_t *)&td->io;

	/* The loop's own block: relaxed stores keep concurrent readers sane. */
	for (size_t i = 0; i < IO_WORDS; i++)
		st_add(&s[i], st_get(&w[i]));
}

void scst_dev_io_counters(struct scst_device *dev, struct scst_io_counters *out)
{
	struct scst_tgt_dev *td;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&dev->lock);
	scst_io_counters_add(out, &dev->gone_io);
	list_for_each_entry(td, &dev->tgt_devs, dev_node)
		scst_io_counters_add(out, &td->io);
	pthread_mutex_unlock(&dev->lock);
}

void scst_sess_io_counters(const struct scst_session *sess, struct scst_io_counters *out)
{
	const struct scst_tgt_dev *td;

	memset(out, 0, sizeof(*out));
	scst_io_counters_add(out, &sess->nolun_io);
	scst_io_counters_add(out, &sess->gone_io);
	for (unsigned i = 0; i < sess->nluns; i++)
		if (sess->luns[i])
			scst_io_counters_add(out, &sess->luns[i]->io);
	/* Retired nexuses move to gone_io when freed, under scst_mutex. */
	list_for_each_entry(td, &sess->retired_tgt_devs, dev_node)
		scst_io_counters_add(out, &td->io);
}

void scst_tgt_io_counters(const struct scst_tgt *tgt, struct scst_io_counters *out)
{
	const struct scst_session *sess;
	struct scst_io_counters s;

	memset(out, 0, sizeof(*out));
	scst_io_counters_add(out, &tgt->gone_io);
	list_for_each_entry(sess, &tgt->sessions, node) {
		scst_sess_io_counters(sess, &s);
		scst_io_counters_add(out, &s);
	}
}
