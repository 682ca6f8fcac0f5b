/* copy_resolve.c - the registered copy engine and the pin it gives the
 * devices it finds (see copy_resolve.h).  The pin is the one commands
 * hold on their device (cmd_pins), taken under scst_mutex so that the
 * device found cannot be deleted before it is pinned. */
#include <errno.h>

#include "core/copy_resolve.h"

static const struct scst_copy_engine *engine;

void scst_register_copy_engine(const struct scst_copy_engine *e)
{
	__atomic_store_n(&engine, e, __ATOMIC_RELEASE);
}

static const struct scst_copy_engine *registered(void)
{
	return __atomic_load_n(&engine, __ATOMIC_ACQUIRE);
}

struct scst_device *scst_copy_find_pinned(const struct scst_session *sess, const uint8_t *desig,
					  size_t len, uint64_t *lun)
{
	const struct scst_copy_engine *e = registered();
	struct scst_device *dev;

	if (!e)
		return NULL;
	pthread_mutex_lock(&scst_mutex);
	dev = e->find(desig, len, sess->initiator_name, lun);
	if (dev)
		__atomic_add_fetch(&dev->cmd_pins, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&scst_mutex);
	return dev;
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
