/* local_move.c - moving a scst_local session to another I/O loop (the
 * core's move_session: io_grouping_type or cpu_mask changed, or its loop
 * ends).  A local command is in the core only between local_exec's hand
 * over and its completion, with its caller asleep, so the safe point is
 * "none of the session's commands is running": while a move is pending,
 * new commands wait in local_exec_begin, and the last one running makes
 * the move; with none running it is made at once. */
#include "targets/local/local_priv.h"

void local_move_init(struct local_sess *ls, struct ioloop *loop)
{
	pthread_mutex_init(&ls->run_lock, NULL);
	pthread_cond_init(&ls->run_cond, NULL);
	ls->loop = loop;
}

void local_move_destroy(struct local_sess *ls)
{
	pthread_cond_destroy(&ls->run_cond);
	pthread_mutex_destroy(&ls->run_lock);
}

struct ioloop *local_exec_begin(struct local_sess *ls)
{
	struct ioloop *loop;

	pthread_mutex_lock(&ls->run_lock);
	while (ls->move_to)
		pthread_cond_wait(&ls->run_cond, &ls->run_lock);
	ls->running++;
	loop = ls->loop;
	pthread_mutex_unlock(&ls->run_lock);
	return loop;
}

void local_exec_end(struct local_sess *ls)
{
	struct ioloop *to = NULL;

	pthread_mutex_lock(&ls->run_lock);
	if (--ls->running == 0 && ls->move_to) {
		to = ls->move_to;
		ls->loop = to;
	}
	pthread_mutex_unlock(&ls->run_lock);
	if (!to)
		return;
	/* Not under run_lock: the core takes scst_mutex, which it holds
	 * around local_move_session (lock order scst_mutex, run_lock). */
	scst_session_moved(ls->sess, to);
	pthread_mutex_lock(&ls->run_lock);
	ls->move_to = NULL;
	pthread_cond_broadcast(&ls->run_cond);
	pthread_mutex_unlock(&ls->run_lock);
}

int local_move_session(struct scst_session *sess, struct ioloop *to)
{
	struct local_sess *ls = sess->tgt_priv;
	bool now;

	pthread_mutex_lock(&ls->run_lock);
	now = ls->running == 0;
	if (now)
		ls->loop = to;
	else
		ls->move_to = to;
	pthread_mutex_unlock(&ls->run_lock);
	return now ? 0 : 1;
}
