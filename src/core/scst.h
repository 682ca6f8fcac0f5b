/* scst.h - the SCSI engine as the core, management and the daemon see it:
 * both interfaces (core/scst_tgt.h for target drivers, core/scst_dev.h for
 * device handlers), the registry, configuration entry points, statistics
 * and memory accounting.  Core-only helpers are in scst_priv.h.
 *
 * The core knows SAM/SPC semantics and nothing of any transport or backing
 * store.  Names follow the SCST specification. */
#ifndef SCSTD_CORE_SCST_H
#define SCSTD_CORE_SCST_H

#include "scst_dev.h"
#include "scst_tgt.h"

/* ---------------------------------------------------------------------- */
/* Command statistics (cmd_stats.c)                                        */

extern const uint64_t scst_lat_bucket_ns[SCST_LAT_BUCKETS];
/* The bucket a latency of ns falls in: the first whose bound is >= ns. */
unsigned scst_lat_bucket_of(uint64_t ns);
/* sum += c, reading c with relaxed loads. */
void scst_io_counters_add(struct scst_io_counters *sum, const struct scst_io_counters *c);
/* README.scst-3.x measure_latency: the latency statistics are gathered
 * (two more clock reads per command, four for a WRITE) only while on;
 * the histogram of the metrics always is.  Off at start. */
void scst_set_measure_latency(bool on);
bool scst_measure_latency_on(void);
/* A consistent-enough copy for display (zeros when a reset is pending). */
void scst_lat_stats_read(const struct scst_lat_stats *st, struct scst_lat_stats *out);
void scst_lat_stats_request_reset(struct scst_lat_stats *st);
/* The size class SCST files a command of len bytes under: the smallest
 * i with len <= 2^(9+i), the last class for all larger. */
unsigned scst_lat_size_class(uint32_t len);
/* SCST's stddev of an entry: sqrt((sumsq - sum*sum/count)/count). */
uint64_t scst_lat_stddev(uint64_t sumsq, uint64_t sum, uint64_t count);

/* ---------------------------------------------------------------------- */
/* Global registry (scst_mutex)                                            */

extern struct list_head scst_devices;
extern struct list_head scst_dev_types;
extern struct list_head scst_tgt_templates;

struct scst_dev_type *scst_find_dev_type(const char *name);
struct scst_tgt_template *scst_find_target_template(const char *name);

/* Configuration entry points (take scst_mutex).  Return 0 or -errno and
 * put a one-line reason in err. */
void scst_set_setup_id(uint32_t id);
/* scst_add_device, scst_del_device: core/scst_dev.h (scst_user's
 * handlers create their devices themselves too). */
struct scst_acg *scst_add_acg(struct scst_tgt *tgt, const char *name, char *err, size_t errlen);
struct scst_acg *scst_find_acg(struct scst_tgt *tgt, const char *name);
int scst_acg_add_initiator(struct scst_acg *acg, const char *pattern, char *err, size_t errlen);
/* Setters for the management tree (take scst_mutex); 0 or -errno.  They
 * apply to sessions made afterwards, as SCST regroups only new I/O
 * contexts. */
void scst_acg_set_io_grouping(struct scst_acg *acg, enum scst_io_grouping g, unsigned number);
int scst_acg_set_cpu_mask(struct scst_acg *acg, const cpu_set_t *mask, char *err, size_t errlen);
/* Moves the group's existing sessions to the loops its io_grouping_type
 * and cpu_mask give them now and waits for the moves; 0 or -errno. */
int scst_acg_regroup_sessions(struct scst_acg *acg, char *err, size_t errlen);
/* `threads` lowered: moves every session off the surplus loops and ends
 * their threads (ioloop_park); 0 or -errno with a reason in err. */
int scst_end_surplus_loops(char *err, size_t errlen);
/* -EBADSLT when enabling a target whose rel_tgt_id an enabled target has. */
int scst_tgt_set_enabled(struct scst_tgt *tgt, bool enabled, char *err, size_t errlen);

/* Statistics readers (management, metrics).  Device: takes dev->lock.
 * Session and target: caller holds scst_mutex.  The sums are of counters
 * still being written, so each value may be a moment old. */
void scst_dev_io_counters(struct scst_device *dev, struct scst_io_counters *out);
void scst_sess_io_counters(const struct scst_session *sess, struct scst_io_counters *out);
/* Zeroes the session's statistics of one direction (SCST: writing any of
 * its three files). */
void scst_sess_dir_stats_zero(struct scst_session *sess, enum scst_sess_dir dir);
void scst_tgt_io_counters(const struct scst_tgt *tgt, struct scst_io_counters *out);
/* ABORT TASK of a task that has already finished: "task does not exist"
 * when on, "function complete" when off (the default, see tm.c). */
void scst_set_abort_finished_not_existing(bool on);
bool scst_abort_finished_not_existing(void);

/* Directory where the core keeps state that must survive a restart
 * (persistent reservations with APTPL).  NULL or unset: nothing is kept. */
void scst_set_state_dir(const char *path);

/* Frees the calling thread's cached buffers / commands (for the main thread,
 * whose thread-exit destructors never run). */
void scst_sgv_thread_release(void);

/* SGV cache statistics (management tree sgv/): totals since start over
 * every thread, so they only grow; in_use and cached are current values. */
#define SCST_SGV_CLASSES 13             /* 4 KiB .. 16 MiB */
struct scst_sgv_class_stats {
	uint32_t size;                  /* bytes of one buffer */
	uint64_t hit, total, freed;     /* hit: served from a free list */
	uint64_t in_use, cached;        /* buffers out / on free lists */
};
struct scst_sgv_stats {
	struct scst_sgv_class_stats cls[SCST_SGV_CLASSES];
	uint64_t big_alloc, big_pages, big_freed, big_in_use_pages;
	unsigned threads, keep_per_class;
};
void scst_sgv_get_stats(struct scst_sgv_stats *st);
void scst_cmd_cache_thread_release(void);

/* Command memory limit (README.scst scst_max_cmd_mem): bytes of data
 * buffers held by commands at any time.  Unlimited until set. */
uint64_t scst_cmd_mem_default_limit(void);     /* TotalMem/4 */
void scst_cmd_mem_set_limit(uint64_t bytes);
bool scst_cmd_mem_charge(uint64_t bytes);      /* false: over the limit */
void scst_cmd_mem_charge_forced(uint64_t bytes);
void scst_cmd_mem_uncharge(uint64_t bytes);
void scst_cmd_mem_thread_exit(void);           /* returns the thread's credit */
struct scst_cmd_mem_stats {
	uint64_t limit;
	uint64_t charged;       /* in use, plus each thread's unspent chunk */
	uint64_t peak;          /* highest charged since start or reset */
	uint64_t refused;       /* buffers refused at the limit */
	uint64_t chunk;         /* granularity of the global charge */
};
void scst_cmd_mem_get_stats(struct scst_cmd_mem_stats *st);
void scst_cmd_mem_reset_stats(void);

#endif
