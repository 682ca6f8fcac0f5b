/* copy_resolve.c - the registered copy engine, the thread that looks up
 * EXTENDED COPY's designators through it, and the pin it gives the devices
 * found (see copy_resolve.h).  The pin is the one commands hold on their
 * device (cmd_pins), taken under scst_mutex so that the device found
 * cannot be deleted before it is pinned; the lookup runs on a thread of
 * its own because an I/O loop must not wait for scst_mutex.  One thread,
 * started with the first lookup, serves them in order: a lookup holds
 * scst_mutex only while it walks copy_manager_tgt's LUNs. */
#include <errno.h>
#include <unistd.h>

#include "core/copy_resolve.h"
#include "core/scst.h"
#include "core/scst_dev.h"
#include "util/ioloop.h"
#include "util/log.h"

static const struct scst_copy_engine *engine;

void scst_register_copy_engine(const struct scst_copy_engine *e)
{
	__atomic_store_n(&engine, e, __ATOMIC_RELEASE);
}

static const struct scst_copy_engine *registered(void)
{
	return __atomic_load_n(&engine, __ATOMIC_ACQUIRE);
}

/* ---- the lookup thread ---- */

static pthread_mutex_t lookup_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t lookup_cond = PTHREAD_COND_INITIALIZER;
static struct list_head lookups = LIST_HEAD_INIT(lookups);
static pthread_once_t lookup_once = PTHREAD_ONCE_INIT;
static int lookup_thread_rc;

static void find_all(const struct scst_copy_engine *e, struct scst_copy_lookup *l)
{
	pthread_mutex_lock(&scst_mutex);
	for (unsigned i = 0; i < l->n; i++) {
		l->dev[i] = l->len[i] ? e->find(l->desig[i], l->len[i], l->initiator, &l->lun[i])
				      : NULL;
		if (l->dev[i])
			__atomic_add_fetch(&l->dev[i]->cmd_pins, 1, __ATOMIC_ACQ_REL);
	}
	pthread_mutex_unlock(&scst_mutex);
}

static void lookup_done_on_home(void *arg)
{
	struct scst_copy_lookup *l = arg;

	l->done(l);
}

static void *lookup_thread(void *arg)
{
	(void)arg;
	for (;;) {
		struct scst_copy_lookup *l;

		pthread_mutex_lock(&lookup_lock);
		while (list_empty(&lookups))
			pthread_cond_wait(&lookup_cond, &lookup_lock);
		l = list_entry(lookups.next, struct scst_copy_lookup, node);
		list_del(&l->node);
		pthread_mutex_unlock(&lookup_lock);
		find_all(registered(), l);
		while (ioloop_run_on(l->home, lookup_done_on_home, l) < 0) {
			log_err("copy lookup: out of memory answering an EXTENDED COPY; retrying");
			sleep(1);
		}
	}
	return NULL;
}

static void start_lookup_thread(void)
{
	pthread_t t;

	lookup_thread_rc = -pthread_create(&t, NULL, lookup_thread, NULL);
	if (!lookup_thread_rc)
		pthread_detach(t);
}

int scst_copy_lookup_start(struct scst_copy_lookup *l)
{
	if (!registered())
		return -ENODEV;
	pthread_once(&lookup_once, start_lookup_thread);
	if (lookup_thread_rc)
		return lookup_thread_rc;
	pthread_mutex_lock(&lookup_lock);
	list_add_tail(&l->node, &lookups);
	pthread_cond_signal(&lookup_cond);
	pthread_mutex_unlock(&lookup_lock);
	return 0;
}

void scst_copy_unpin(struct scst_device *dev)
{
	__atomic_sub_fetch(&dev->cmd_pins, 1, __ATOMIC_ACQ_REL);
}

int scst_copy_range_start(struct scst_copy_range *r)
{
	const struct scst_copy_engine *e = registered();

	return e ? e->copy(r) : -ENODEV;
}

void scst_copy_range_abort(struct scst_copy_range *r)
{
	const struct scst_copy_engine *e = registered();

	if (e)
		e->abort(r);
}

bool scst_copy_dev_auto_assignable(const struct scst_device *dev)
{
	return dev->handler->auto_cm_assignment_possible;
}
