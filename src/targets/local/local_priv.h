/* local_priv.h - scst_local's objects shared by its files: targets with
 * their transport version descriptors, sessions with their TransportID,
 * and the synchronous command call both access paths use.
 *
 * Locking: local_lock guards the lists, the TransportIDs and the in-flight
 * counts.  It is taken after scst_mutex (tree reads show attributes under
 * scst_mutex), so nothing here takes scst_mutex while holding it. */
#ifndef SCSTD_TARGETS_LOCAL_LOCAL_PRIV_H
#define SCSTD_TARGETS_LOCAL_LOCAL_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scst_tgt.h"

#define LOCAL_DRIVER "scst_local"
/* SPC-4 version descriptor "SAS (no version claimed)". */
#define LOCAL_SAS_VERSION 0x0BE0
#define LOCAL_TID_MAX 120

struct local_tgt {
	struct list_head node;                  /* local_targets */
	struct scst_tgt *tgt;
	uint16_t phys_transport_version;
	uint16_t scsi_transport_version;
	struct list_head sessions;
};

struct local_sess {
	struct list_head node;                  /* lt->sessions */
	struct local_tgt *lt;
	char name[SCST_NAME_MAX];
	struct scst_session *sess;
	unsigned seen_generation;               /* session's loop only */

	uint8_t tid[LOCAL_TID_MAX];             /* empty: iSCSI TID of name */
	unsigned tid_len;
	char **pr_names;                        /* every identity ever set */
	unsigned npr_names;

	unsigned inflight;                      /* local_lock */
	bool closing;
	pthread_cond_t idle;

	/* The loop commands go to, and a move to another (local_move.c). */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	unsigned running;                       /* commands in the core */
	struct ioloop *loop;
	struct ioloop *move_to;
};

/* One command of a local initiator, from the calling thread's view. */
struct local_req {
	uint64_t lun;
	uint8_t cdb[SCST_MAX_CDB_SIZE];
	unsigned cdb_len;
	const void *out;                        /* data out (WRITE) */
	uint32_t out_len;
	void *in;                               /* data in (READ) */
	uint32_t in_len;

	int rc;                                 /* 0: status valid; -errno */
	uint8_t status;
	uint8_t sense_len;
	uint8_t sense[SCST_SENSE_BUFFERSIZE];
	uint32_t in_done;                       /* data-in bytes returned */

	/* private */
	struct local_sess *ls;
	pthread_mutex_t m;
	pthread_cond_t c;
	bool done;
};

extern pthread_mutex_t local_lock;
extern struct list_head local_targets;
extern struct scst_tgt_template local_template;
extern char local_mount_dir[];                  /* "" when not mounted */
extern char local_socket_path[];                /* "" when not serving */

struct local_stats {
	uint64_t commands, read_bytes, write_bytes, errors;
};
void local_stats_get(struct local_stats *s);

/* Sessions (local_target.c). */
int local_add_session(struct local_tgt *lt, const char *name, char *err, size_t errlen);
int local_del_session(struct local_tgt *lt, const char *name, char *err, size_t errlen);
struct local_tgt *local_find_tgt(const char *name);   /* local_lock held */
/* Finds a session by name (target NULL: any target) and counts a command
 * in flight on it; NULL when missing or closing. */
struct local_sess *local_sess_get(const char *target, const char *name);
void local_sess_put(struct local_sess *ls);
int local_parse_version(const char *s, uint16_t *out);
/* TransportID: set from raw bytes (validated; len 0 resets) and shown. */
int local_set_transport_id(struct local_sess *ls, const uint8_t *tid, unsigned len, char *err,
			   size_t errlen);
unsigned local_get_transport_id(struct local_sess *ls, uint8_t *out, size_t size);

/* Runs req on ls (a local_sess_get reference) and waits for its end.
 * Must not be called on an I/O thread. */
void local_exec(struct local_sess *ls, struct local_req *req);
/* Moving a session between I/O loops (local_move.c). */
void local_move_init(struct local_sess *ls, struct ioloop *loop);
void local_move_destroy(struct local_sess *ls);
struct ioloop *local_exec_begin(struct local_sess *ls);
void local_exec_end(struct local_sess *ls);
int local_move_session(struct scst_session *sess, struct ioloop *to);
/* The template's command callbacks (local_exec.c). */
void local_rdy_to_xfer(struct scst_cmd *cmd);
void local_xmit_response(struct scst_cmd *cmd);
void local_tmf_done(struct scst_mgmt_cmd *mcmd);

/* Management entries (local_mgmt.c). */
int local_mgmt_register(void);

#endif
