/* test_add_device.c - scst_add_device runs the handler's attach (the
 * backing's open and probe, which may block for ever) without scst_mutex
 * and registers the device afterwards with the name checked again.  The
 * handler here is a real one whose attach blocks reading a pipe, so the
 * test decides when the "open" returns. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/scst.h"
#include "handlers/vdisk.h"

/* entered: attach tells the test it runs; gate: the test lets it end. */
static int entered[2], gate[2];
static unsigned detached;

static int gated_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
			char *err, size_t errlen)
{
	char c = 'x';

	(void)params;
	(void)nparams;
	if (write(entered[1], &c, 1) != 1 || read(gate[0], &c, 1) != 1) {
		snprintf(err, errlen, "gate closed");
		return -EIO;
	}
	dev->nblocks = 8;
	return 0;
}

static void gated_detach(struct scst_device *dev)
{
	(void)dev;
	detached++;
}

static struct scst_dev_type gated_type = {
	.name = "gated", .type = 0, .attach = gated_attach, .detach = gated_detach,
};

static int setup(void **state)
{
	(void)state;
	if (pipe(entered) < 0 || pipe(gate) < 0)
		return -1;
	if (vdisk_register_handlers(NULL) < 0 || scst_register_dev_type(&gated_type) < 0)
		return -1;
	return 0;
}

struct add_req {
	const char *name;
	int rc;
	char err[256];
};

static void *add_gated(void *arg)
{
	struct add_req *r = arg;

	r->rc = scst_add_device("gated", r->name, NULL, 0, r->err, sizeof(r->err));
	return NULL;
}

static void wait_entered(void)
{
	char c;

	assert_int_equal(read(entered[0], &c, 1), 1);
}

static void open_gate(void)
{
	char c = 'x';

	assert_int_equal(write(gate[1], &c, 1), 1);
}

/* While attach blocks, the mutex is free and the name is not reserved:
 * another add of the name wins, and the blocked one then gets EEXIST with
 * its device detached and freed. */
static void test_attach_runs_without_scst_mutex(void **state)
{
	struct add_req r = { .name = "x" };
	struct scst_kv size = { .key = "size_mb", .value = "1" };
	struct scst_device *dev;
	char err[256];
	pthread_t th;

	(void)state;
	detached = 0;
	assert_int_equal(pthread_create(&th, NULL, add_gated, &r), 0);
	wait_entered();
	assert_int_equal(pthread_mutex_trylock(&scst_mutex), 0);
	pthread_mutex_unlock(&scst_mutex);
	assert_null(scst_find_device("x"));
	assert_int_equal(scst_add_device("vdisk_nullio", "x", &size, 1, err, sizeof(err)), 0);
	open_gate();
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.rc, -EEXIST);
	assert_non_null(strstr(r.err, "device 'x' already exists"));
	assert_int_equal(detached, 1);
	dev = scst_find_device("x");
	assert_non_null(dev);
	assert_string_equal(dev->handler->name, "vdisk_nullio");
	assert_int_equal(scst_del_device("x", err, sizeof(err)), 0);
}

/* Uncontended, the device attached without the mutex is registered. */
static void test_attach_then_register(void **state)
{
	struct add_req r = { .name = "y" };
	struct scst_device *dev;
	char err[256];
	pthread_t th;

	(void)state;
	detached = 0;
	assert_int_equal(pthread_create(&th, NULL, add_gated, &r), 0);
	wait_entered();
	assert_null(scst_find_device("y"));     /* not visible before attach ends */
	open_gate();
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(r.rc, 0);
	dev = scst_find_device("y");
	assert_non_null(dev);
	assert_int_equal(dev->nblocks, 8);
	assert_int_equal(scst_del_device("y", err, sizeof(err)), 0);
	assert_int_equal(detached, 1);
}

/* Refusals before attach (unknown handler, taken name, unknown parameter)
 * never reach the handler. */
static void test_refused_before_attach(void **state)
{
	struct scst_kv bad = { .key = "no_such", .value = "1" };
	struct scst_kv size = { .key = "size_mb", .value = "1" };
	char err[256];

	(void)state;
	detached = 0;
	assert_int_equal(scst_add_device("nope", "z", NULL, 0, err, sizeof(err)), -ENOENT);
	assert_int_equal(scst_add_device("gated", "z", &bad, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unknown parameter 'no_such'"));
	assert_int_equal(scst_add_device("vdisk_nullio", "z", &size, 1, err, sizeof(err)), 0);
	assert_int_equal(scst_add_device("gated", "z", NULL, 0, err, sizeof(err)), -EEXIST);
	assert_int_equal(scst_add_device("gated", "bad/name", NULL, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(scst_del_device("z", err, sizeof(err)), 0);
	assert_int_equal(detached, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_runs_without_scst_mutex),
		cmocka_unit_test(test_attach_then_register),
		cmocka_unit_test(test_refused_before_attach),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
