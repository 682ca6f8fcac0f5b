/* copy_resolve.c - the registered copy resolver and the pin it gives
 * the devices it finds (see copy_resolve.h).  The pin is the one commands
 * hold on their device (cmd_pins), taken under scst_mutex so that the
 * device found cannot be deleted before it is pinned. */
#include "core/copy_resolve.h"
#include "core/scst.h"
#include "core/scst_dev.h"

static const struct scst_copy_resolver *resolver;

void scst_register_copy_resolver(const struct scst_copy_resolver *r)
{
	__atomic_store_n(&resolver, r, __ATOMIC_RELEASE);
}

struct scst_device *scst_copy_find_pinned(const struct scst_session *sess, const uint8_t *desig,
					  size_t len)
{
	const struct scst_copy_resolver *r = __atomic_load_n(&resolver, __ATOMIC_ACQUIRE);
	struct scst_device *dev;

	if (!r)
		return NULL;
	pthread_mutex_lock(&scst_mutex);
	dev = r->find(desig, len, sess->initiator_name);
	if (dev)
		__atomic_add_fetch(&dev->cmd_pins, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&scst_mutex);
	return dev;
}

void scst_copy_unpin(struct scst_device *dev)
{
	__atomic_sub_fetch(&dev->cmd_pins, 1, __ATOMIC_ACQ_REL);
}

bool scst_copy_dev_auto_assignable(const struct scst_device *dev)
{
	return dev->handler->auto_cm_assignment_possible;
}

size_t scst_copy_dev_designators(const struct scst_device *dev, uint8_t *buf, size_t len)
{
	return dev->handler->lu_designators ? dev->handler->lu_designators(dev, buf, len) : 0;
}
