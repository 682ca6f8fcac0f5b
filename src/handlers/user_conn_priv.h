/* user_conn_priv.h - what a handler connection's two parts share: the
 * connection itself and its requests (user_conn.c) and the task
 * management passed on to the handler (user_tm.c).  Everything here
 * belongs to the connection's thread unless marked as under conn->lock. */
#ifndef SCSTD_HANDLERS_USER_CONN_PRIV_H
#define SCSTD_HANDLERS_USER_CONN_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handlers/user_area.h"
#include "handlers/user_dev.h"
#include "lib/scst_user_wire.h"
#include "util/list.h"

#define USER_MAX_INFLIGHT 128
#define USER_CHUNK_MAX (1u << 20)        /* largest single transfer */
#define USER_HANDSHAKE_MS 5000
#define USER_TICK_MS 100
#define USER_MAX_TM (USER_MAX_INFLIGHT + 16)
#define USER_ABORTED_TAGS 256            /* given up recently: late answers are dropped */

/* A backend request of one command; long ones move in chunks. */
struct user_req {
	struct list_head node;           /* conn->pending */
	struct scst_cmd *cmd;            /* or: */
	struct user_wait *wait;
	unsigned kind;
	uint8_t *buf;
	uint32_t len, done;
	uint64_t off;
	int result;
	struct scu_cmd_done answer;      /* USER_REQ_CMD */
	uint8_t dir;                     /* USER_REQ_CMD: SCU_DIR_* */
	/* Its number, never 0 and unique across connections: an abort may
	 * reach the device's next connection while the request, ended by
	 * its old one, still waits to complete on its loop. */
	uint64_t seq;
	bool on_pending;                 /* under conn->lock */
};

/* An abort or a reset for the connection thread to tell the handler. */
struct user_tm_req {
	struct list_head node;           /* conn->tm_queue */
	uint64_t seq;                    /* of the request aborted; 0: a reset */
	uint8_t fn;                      /* SCU_TM_* */
	uint64_t lun;
};

/* A TM the handler has not answered yet. */
struct user_tm_slot {
	uint64_t id;                     /* 0: free */
	uint64_t cmd_tag;                /* of the command it names, 0 none */
	uint64_t deadline_ms;
};

struct user_slot {
	struct user_req *req;            /* NULL: free */
	uint64_t tag;
	uint32_t first_page, npages, chunk;
	uint64_t deadline_ms;
};

struct user_conn {
	int fd, efd;
	pthread_mutex_t lock;            /* pending, tm_queue, dead, hangup */
	struct list_head pending;
	struct list_head tm_queue;
	bool tm_capable;                 /* ATTACH had SCU_AM_TM */
	struct user_tm_slot tms[USER_MAX_TM];
	uint64_t tm_gen;
	uint64_t aborted_tags[USER_ABORTED_TAGS];
	unsigned aborted_next;
	bool dead, hangup;
	struct user_dev *ud;
	char name[SCU_NAME_LEN];
	uint8_t *area;
	uint64_t area_bytes;
	uint32_t chunk_max;
	struct user_area pages;
	struct user_slot slots[USER_MAX_INFLIGHT];
	unsigned inflight;
	uint32_t gen;
	bool want_out;                   /* the socket was full */
};

uint64_t user_now_ms(void);
/* Ends r with result: its command on its own loop, or its waiter. */
void user_req_complete(struct user_req *r, int result);
void user_conn_wake(struct user_conn *c);
void user_conn_release_slot(struct user_conn *c, struct user_slot *s);
/* The slot of tag when it is outstanding, else NULL. */
struct user_slot *user_conn_outstanding_slot(struct user_conn *c, uint64_t tag);
/* Sends one packet without waiting: 1 sent, 0 the socket is full (sent
 * later, when it drains), -ENOTCONN. */
int user_conn_send_now(struct user_conn *c, const uint8_t *pkt, size_t len);
/* When what is sent now must have been answered. */
uint64_t user_conn_answer_deadline(const struct user_conn *c);

/* user_tm.c, on the connection's thread. */
/* Sends the TMs the loops queued: 0, or <0 when the connection failed. */
int user_tm_dispatch(struct user_conn *c);
/* A TM_DONE: 0, or -EPROTO for an id that is not outstanding. */
int user_tm_take_answer(struct user_conn *c, const struct scu_tm_done *d);
/* Whether tag was given up recently (its late answer is dropped). */
bool user_tm_given_up(const struct user_conn *c, uint64_t tag);
bool user_tm_outstanding(const struct user_conn *c);
bool user_tm_timed_out(const struct user_conn *c, uint64_t now);
/* The connection ends: queued TMs are dropped (caller holds c->lock). */
void user_tm_drop_queue(struct user_conn *c);

#endif
