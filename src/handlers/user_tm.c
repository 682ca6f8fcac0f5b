/* user_tm.c - task management of a CDB-mode device, passed on to its
 * handler process (docs/user-handlers.md "Task management").  An aborted
 * command still queued in scstd is taken back at once.  One the handler
 * holds is named to it in a TM message when the handler announced TM
 * support at ATTACH; its TM_DONE "complete" gives the command up (it ends
 * aborted, its area pages are freed, a CMD_DONE for it that comes later is
 * dropped), "rejected" leaves it to the handler's answer.  A reset of the
 * logical unit is a TM with no command.  A TM unanswered after
 * cmd_timeout ends the connection like an unanswered command.  Old
 * handlers never see TM: their aborted commands end when they answer.
 *
 * The loops queue TMs on conn->tm_queue (under conn->lock) naming the
 * request by its number, which the connection thread maps to the tag it
 * sent: the request may have been answered and freed meanwhile. */
#include <errno.h>
#include <stdlib.h>

#include "handlers/cmd_state.h"
#include "handlers/user_conn_priv.h"
#include "util/log.h"

/* Caller holds c->lock. */
static void queue_tm(struct user_conn *c, uint64_t seq, uint8_t fn, uint64_t lun)
{
	struct user_tm_req *t = calloc(1, sizeof(*t));

	if (!t) {
		log_err("scst_user %s: out of memory: a task management function is not "
			"passed on to the handler", c->name);
		return;
	}
	t->seq = seq;
	t->fn = fn;
	t->lun = lun;
	list_add_tail(&t->node, &c->tm_queue);
}

bool user_conn_abort(struct user_conn *c, struct scst_cmd *cmd, uint8_t fn)
{
	struct user_req *r = user_cmd_state(cmd)->req;
	bool taken = false, tell = false;

	pthread_mutex_lock(&c->lock);
	if (c->dead) {
		/* finish() completes it. */
	} else if (r->on_pending) {
		list_del(&r->node);
		r->on_pending = false;
		taken = true;
	} else if (c->tm_capable) {
		queue_tm(c, r->seq, fn, cmd->lun);
		tell = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (taken)
		free(r);
	if (tell)
		user_conn_wake(c);
	return taken;
}

void user_conn_reset(struct user_conn *c)
{
	bool tell = false;

	pthread_mutex_lock(&c->lock);
	if (!c->dead && c->tm_capable) {
		queue_tm(c, 0, SCU_TM_LUN_RESET, 0);
		tell = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (tell)
		user_conn_wake(c);
}

static struct user_tm_req *pop_tm(struct user_conn *c)
{
	struct user_tm_req *t = NULL;

	pthread_mutex_lock(&c->lock);
	if (!list_empty(&c->tm_queue)) {
		t = list_first_entry(&c->tm_queue, struct user_tm_req, node);
		list_del(&t->node);
	}
	pthread_mutex_unlock(&c->lock);
	return t;
}

static struct user_slot *slot_of_seq(struct user_conn *c, uint64_t seq)
{
	for (int i = 0; i < USER_MAX_INFLIGHT; i++)
		if (c->slots[i].req && c->slots[i].req->seq == seq)
			return &c->slots[i];
	return NULL;
}

/* A request popped for sending and put back (no room) when its abort
 * came: taken back here. */
static struct user_req *take_pending_seq(struct user_conn *c, uint64_t seq)
{
	struct user_req *r, *found = NULL;

	pthread_mutex_lock(&c->lock);
	list_for_each_entry(r, &c->pending, node) {
		if (r->seq == seq) {
			list_del(&r->node);
			r->on_pending = false;
			found = r;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

static struct user_tm_slot *free_tm_slot(struct user_conn *c)
{
	for (int i = 0; i < USER_MAX_TM; i++)
		if (!c->tms[i].id)
			return &c->tms[i];
	return NULL;
}

/* Tells the handler of t: 1 done (sent or nothing to tell), 0 no room now,
 * <0 the connection failed. */
static int send_tm(struct user_conn *c, const struct user_tm_req *t)
{
	struct user_slot *s = t->seq ? slot_of_seq(c, t->seq) : NULL;
	struct user_tm_slot *ts;
	struct scu_tm m = { .fn = t->fn, .lun = t->lun };
	uint8_t pkt[SCU_TM_LEN];
	int rc;

	if (t->seq && !s) {
		struct user_req *r = take_pending_seq(c, t->seq);

		/* Else answered already: the command ends as the handler said. */
		if (r)
			user_req_complete(r, -ECANCELED);
		return 1;
	}
	ts = free_tm_slot(c);
	if (!ts)
		return 0;
	m.id = ++c->tm_gen;
	m.tag = s ? s->tag : 0;
	scu_tm_encode(pkt, &m);
	rc = user_conn_send_now(c, pkt, sizeof(pkt));
	if (rc == 1) {
		ts->id = m.id;
		ts->cmd_tag = m.tag;
		ts->deadline_ms = user_conn_answer_deadline(c);
	}
	return rc;
}

int user_tm_dispatch(struct user_conn *c)
{
	struct user_tm_req *t;

	while ((t = pop_tm(c))) {
		int rc = send_tm(c, t);

		if (rc <= 0) {
			pthread_mutex_lock(&c->lock);
			list_add(&t->node, &c->tm_queue);
			pthread_mutex_unlock(&c->lock);
			return rc;
		}
		free(t);
	}
	return 0;
}

/* The handler gave the command up: it ends aborted, now. */
static void give_up(struct user_conn *c, struct user_slot *s)
{
	struct user_req *r = s->req;

	c->aborted_tags[c->aborted_next++ % USER_ABORTED_TAGS] = s->tag;
	user_conn_release_slot(c, s);
	user_req_complete(r, -ECANCELED);
}

int user_tm_take_answer(struct user_conn *c, const struct scu_tm_done *d)
{
	struct user_tm_slot *ts = NULL;
	struct user_slot *s;

	for (int i = 0; i < USER_MAX_TM && !ts; i++)
		if (c->tms[i].id == d->id)
			ts = &c->tms[i];
	if (!ts) {
		log_warn("scst_user %s: TM answer for id %llu, which is not outstanding", c->name,
			 (unsigned long long)d->id);
		return -EPROTO;
	}
	s = ts->cmd_tag ? user_conn_outstanding_slot(c, ts->cmd_tag) : NULL;
	ts->id = 0;
	if (s && d->status == SCU_TMS_COMPLETE)
		give_up(c, s);
	return 0;
}

bool user_tm_given_up(const struct user_conn *c, uint64_t tag)
{
	for (unsigned i = 0; i < USER_ABORTED_TAGS; i++)
		if (c->aborted_tags[i] == tag)
			return true;
	return false;
}

bool user_tm_outstanding(const struct user_conn *c)
{
	for (int i = 0; i < USER_MAX_TM; i++)
		if (c->tms[i].id)
			return true;
	return false;
}

bool user_tm_timed_out(const struct user_conn *c, uint64_t now)
{
	for (int i = 0; i < USER_MAX_TM; i++)
		if (c->tms[i].id && c->tms[i].deadline_ms <= now)
			return true;
	return false;
}

void user_tm_drop_queue(struct user_conn *c)
{
	struct user_tm_req *t, *tmp;

	list_for_each_entry_safe(t, tmp, &c->tm_queue, node) {
		list_del(&t->node);
		free(t);
	}
}
