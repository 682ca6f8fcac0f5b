/* test_cmd_life.c - the core's command life cycle (cmd.c), task
 * attributes (task_order.c) and task management (tm.c), driven through
 * the transport-facing calls (scst_rx_cmd, scst_cmd_init_done,
 * scst_rx_data, scst_tgt_cmd_done, scst_rx_mgmt_fn) with a fake target
 * template and a fake device type standing in at the layer boundaries: the
 * handler can finish a command at once or hold it "running".  No I/O
 * loops (but for the last test): the core then runs everything on the
 * caller's thread, which drains the responses it queued
 * (scst_completions_drain).  Expected statuses and sense codes are
 * SAM-5's and SPC-4's.
 *
 * Every test also checks the completion rule (core/cmd_deliver.c): the
 * fake transport counts its calls into the core (in_core) and its
 * callbacks (in_callback); a callback entered while either is running,
 * or a command whose response comes twice, is a violation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <time.h>

#include "core/scst.h"
#include "core/scst_priv.h"
#include "util/ioloop.h"

#define MAX_EVENTS 32

/* What the transport saw, in order. */
struct event {
	uint64_t tag;
	uint8_t status;
	uint8_t key, asc, ascq;
	uint32_t data_len;
	bool aborted, tas_response;
	const struct scst_session *sess;
};

static struct event sent[MAX_EVENTS];
static unsigned nsent;
static uint64_t executed[MAX_EVENTS];           /* tags, in start order */
static unsigned nexecuted;
static struct scst_cmd *running[MAX_EVENTS];    /* held by the handler */
static unsigned nrunning;
static bool hold_in_handler;
static unsigned rdy_calls;
static int tmf_status = -1;
static unsigned tmf_calls;

/* The completion rule's witnesses.  Plain counters, touched by one thread
 * at a time (the test's, or the I/O loop's in the loop test); violations
 * are counted rather than asserted so a loop thread never longjmps. */
static int in_core, in_callback;
static unsigned violations;
static unsigned responses[MAX_EVENTS];          /* per submitted command */
static unsigned nsubmitted;

static void callback_enter(void)
{
	if (in_core || in_callback)
		violations++;
	in_callback++;
}

static void fake_xmit(struct scst_cmd *cmd)
{
	struct event *e = &sent[nsent];
	unsigned *count = cmd->tgt_priv;

	callback_enter();
	if (!count || ++*count != 1)
		violations++;
	if (nsent == MAX_EVENTS) {
		violations++;
		in_callback--;
		return;
	}
	e->tag = cmd->tag;
	e->status = cmd->status;
	e->aborted = cmd->aborted;
	e->data_len = cmd->resp_data_len;
	e->tas_response = cmd->tas_response;
	e->sess = cmd->sess;
	if (cmd->sense_len >= 14) {
		e->key = cmd->sense[2] & 0x0f;
		e->asc = cmd->sense[12];
		e->ascq = cmd->sense[13];
	}
	__atomic_store_n(&nsent, nsent + 1, __ATOMIC_RELEASE);    /* read by the loop test */
	/* The transport releases the command inside its callback, the way a
	 * transport that has nothing left to send does. */
	in_core++;
	scst_tgt_cmd_done(cmd);
	in_core--;
	in_callback--;
}

static void fake_rdy_to_xfer(struct scst_cmd *cmd)
{
	rdy_calls++;
	memset(cmd->buf, 0x5a, cmd->write_len);
	in_core++;
	scst_rx_data(cmd, true);
	in_core--;
}

static void fake_tmf_done(struct scst_mgmt_cmd *mcmd)
{
	callback_enter();
	tmf_calls++;
	tmf_status = (int)mcmd->status;
	scst_mgmt_cmd_free(mcmd);
	in_callback--;
}

/* A transport that has asked for WRITE data that has not come yet. */
static void hold_rdy_to_xfer(struct scst_cmd *cmd)
{
	(void)cmd;
	rdy_calls++;
}

static struct scst_tgt_template fake_tgtt = {
	.name = "fake",
	.rdy_to_xfer = fake_rdy_to_xfer,
	.xmit_response = fake_xmit,
	.task_mgmt_fn_done = fake_tmf_done,
};

static void fake_exec(struct scst_cmd *cmd)
{
	executed[nexecuted++] = cmd->tag;
	if (cmd->data_dir & SCST_DATA_READ) {
		memset(cmd->buf, 0xc3, cmd->bufflen);
		cmd->resp_data_len = cmd->bufflen;
	}
	if (hold_in_handler) {
		running[nrunning++] = cmd;
		return;
	}
	scst_cmd_done(cmd);
}

static struct scst_dev_type fake_type = { .name = "fake_disk", .type = 0, .exec = fake_exec };

static struct scst_tgt tgt;
static struct scst_device dev;
static struct scst_tgt_dev td;
static struct scst_tgt_dev *luns[1];
static struct scst_session sess;
/* A second I_T nexus to the same LU (another initiator). */
static struct scst_tgt_dev td2;
static struct scst_tgt_dev *luns2[1];
static struct scst_session sess2;

static int setup(void **state)
{
	(void)state;
	memset(&tgt, 0, sizeof(tgt));
	memset(&dev, 0, sizeof(dev));
	memset(&td, 0, sizeof(td));
	memset(&sess, 0, sizeof(sess));
	tgt.tgtt = &fake_tgtt;
	tgt.rel_tgt_id = 1;
	snprintf(dev.name, sizeof(dev.name), "disk0");
	dev.handler = &fake_type;
	dev.type = 0;
	dev.block_size = 512;
	dev.block_shift = 9;
	dev.nblocks = 2048;
	dev.medium_present = true;
	pthread_mutex_init(&dev.lock, NULL);
	list_init(&dev.tgt_devs);
	td.sess = &sess;
	td.dev = &dev;
	td.lun = 0;
	list_init(&td.uas);
	list_init(&td.held_cmds);
	list_add_tail(&td.dev_node, &dev.tgt_devs);
	luns[0] = &td;
	sess.tgt = &tgt;
	snprintf(sess.initiator_name, sizeof(sess.initiator_name), "iqn.2026-12.test:ini");
	sess.luns = luns;
	sess.nluns = 1;
	list_init(&sess.cmds);
	list_init(&sess.retired_tgt_devs);
	memset(&td2, 0, sizeof(td2));
	memset(&sess2, 0, sizeof(sess2));
	td2.sess = &sess2;
	td2.dev = &dev;
	list_init(&td2.uas);
	list_init(&td2.held_cmds);
	list_add_tail(&td2.dev_node, &dev.tgt_devs);
	luns2[0] = &td2;
	sess2.tgt = &tgt;
	snprintf(sess2.initiator_name, sizeof(sess2.initiator_name), "iqn.2026-12.test:other");
	sess2.luns = luns2;
	sess2.nluns = 1;
	list_init(&sess2.cmds);
	list_init(&sess2.retired_tgt_devs);
	nsent = nexecuted = nrunning = rdy_calls = tmf_calls = 0;
	in_core = in_callback = 0;
	violations = nsubmitted = 0;
	memset(responses, 0, sizeof(responses));
	tmf_status = -1;
	hold_in_handler = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* Every command handed back, nothing left pinned. */
	assert_true(list_empty(&sess.cmds));
	assert_int_equal(sess.active_cmds, 0);
	assert_true(list_empty(&sess2.cmds));
	assert_int_equal(sess2.active_cmds, 0);
	/* The completion rule held, and every command got one response. */
	assert_int_equal(violations, 0);
	for (unsigned i = 0; i < nsubmitted; i++)
		assert_int_equal(responses[i], 1);
	scst_tgt_dev_clear_uas(&td);
	scst_tgt_dev_clear_uas(&td2);
	assert_int_equal(dev.cmd_pins, 0);
	scst_cmd_cache_thread_release();
	pthread_mutex_destroy(&dev.lock);
	return 0;
}

/* Hands one command of session s for lun with tag and task attribute to
 * the core, as a transport does; what the core queued is not drained. */
static struct scst_cmd *submit_undrained(struct scst_session *s, uint64_t lun, uint64_t tag,
					 enum scst_queue_type qt, const uint8_t *cdb,
					 unsigned cdb_len)
{
	uint8_t l[8];
	struct scst_cmd *cmd;

	scst_pack_lun(lun, SCST_LUN_ADDR_METHOD_PERIPHERAL, l);
	cmd = scst_rx_cmd(s, l, cdb, cdb_len);
	if (!cmd || nsubmitted == MAX_EVENTS) {
		violations++;
		return cmd;
	}
	cmd->tag = tag;
	cmd->queue_type = qt;
	cmd->tgt_priv = &responses[nsubmitted++];
	in_core++;
	scst_cmd_init_done(cmd);
	in_core--;
	return cmd;
}

static struct scst_cmd *submit_on(struct scst_session *s, uint64_t lun, uint64_t tag,
				  enum scst_queue_type qt, const uint8_t *cdb, unsigned cdb_len)
{
	struct scst_cmd *cmd = submit_undrained(s, lun, tag, qt, cdb, cdb_len);

	assert_non_null(cmd);
	scst_completions_drain();       /* no I/O loop here */
	return cmd;
}

static struct scst_cmd *submit(uint64_t lun, uint64_t tag, enum scst_queue_type qt,
			       const uint8_t *cdb, unsigned cdb_len)
{
	return submit_on(&sess, lun, tag, qt, cdb, cdb_len);
}

static const uint8_t read10[10] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0 };
static const uint8_t write10[10] = { 0x2a, 0, 0, 0, 0, 0, 0, 0, 8, 0 };

static struct scst_cmd *read_cmd(uint64_t tag, enum scst_queue_type qt)
{
	return submit(0, tag, qt, read10, sizeof(read10));
}

/* The handler finishes its i-th held command. */
static void finish_running(unsigned i)
{
	struct scst_cmd *cmd = running[i];

	running[i] = NULL;
	scst_cmd_done(cmd);
}

static void assert_sent(unsigned i, uint64_t tag, uint8_t status, uint8_t key, uint8_t asc,
			uint8_t ascq)
{
	assert_true(i < nsent);
	assert_int_equal(sent[i].tag, tag);
	assert_int_equal(sent[i].status, status);
	if (status == SAM_STAT_CHECK_CONDITION) {
		assert_int_equal(sent[i].key, key);
		assert_int_equal(sent[i].asc, asc);
		assert_int_equal(sent[i].ascq, ascq);
	}
}

/* ---- life cycle ---------------------------------------------------------- */

static void test_read_and_write_complete(void **state)
{
	(void)state;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(nexecuted, 1);
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
	submit(0, 2, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	/* WRITE data is fetched before the handler runs. */
	assert_int_equal(rdy_calls, 1);
	assert_int_equal(nexecuted, 2);
	assert_sent(1, 2, SAM_STAT_GOOD, 0, 0, 0);
	assert_int_equal(sess.dir_stats[SCST_SESS_DIR_READ].cmds, 1);
	assert_int_equal(sess.dir_stats[SCST_SESS_DIR_WRITE].cmds, 1);
}

/* SPC-4 4.5.1/5.4.x: an unknown LUN gets 05/25/00, unless the command is
 * one that answers for any LUN (INQUIRY, SPC-4 6.6: peripheral qualifier
 * 011b); a bad opcode 05/20/00; a CDB field outside the range 05/24/00;
 * an LBA past the end 05/21/00.  None reaches the handler. */
static void test_errors_before_the_handler(void **state)
{
	const uint8_t bad_op[6] = { 0xff };
	const uint8_t past_end[10] = { 0x28, 0, 0, 0, 0x07, 0xff, 0, 0, 8, 0 };

	(void)state;
	submit(5, 1, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_sent(0, 1, SAM_STAT_CHECK_CONDITION, 0x5, 0x25, 0x00);
	submit(0, 2, SCST_CMD_QUEUE_SIMPLE, bad_op, sizeof(bad_op));
	assert_sent(1, 2, SAM_STAT_CHECK_CONDITION, 0x5, 0x20, 0x00);
	submit(0, 3, SCST_CMD_QUEUE_SIMPLE, past_end, sizeof(past_end));
	assert_sent(2, 3, SAM_STAT_CHECK_CONDITION, 0x5, 0x21, 0x00);
	submit(0, 4, SCST_CMD_QUEUE_SIMPLE, read10, 0);
	assert_sent(3, 4, SAM_STAT_CHECK_CONDITION, 0x5, 0x24, 0x00);
	assert_int_equal(nexecuted, 0);
}

/* SAM-5 5.14 / SPC-4 5.14: each command reports one pending unit
 * attention and clears it, oldest first; INQUIRY neither reports nor
 * clears one. */
static void test_unit_attentions_one_per_command(void **state)
{
	const uint8_t inquiry[6] = { 0x12, 0, 0, 0, 36, 0 };

	(void)state;
	scst_tgt_dev_queue_ua(&td, SCST_S_UA_POWER_ON);
	scst_tgt_dev_queue_ua(&td, SCST_S_UA_CAPACITY_CHANGED);
	submit(0, 1, SCST_CMD_QUEUE_SIMPLE, inquiry, sizeof(inquiry));
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(1, 2, SAM_STAT_CHECK_CONDITION, 0x6, 0x29, 0x00);
	read_cmd(3, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(2, 3, SAM_STAT_CHECK_CONDITION, 0x6, 0x2a, 0x09);
	read_cmd(4, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(3, 4, SAM_STAT_GOOD, 0, 0, 0);
	/* Only INQUIRY and the last READ reached the handler. */
	assert_int_equal(nexecuted, 2);
}

/* A command ending in CHECK CONDITION carries no data (SAM-5 5.3.1:
 * the data-in buffer contents are then not defined: we send none). */
static void test_check_condition_drops_data(void **state)
{
	struct scst_cmd *cmd;

	(void)state;
	hold_in_handler = true;
	cmd = read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(cmd->resp_data_len, 4096);
	scst_set_cmd_error(cmd, SCST_S_MEDIUM_NOT_PRESENT);
	finish_running(0);
	assert_sent(0, 1, SAM_STAT_CHECK_CONDITION, 0x2, 0x3a, 0x00);
	assert_int_equal(sent[0].data_len, 0);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	finish_running(1);
	assert_sent(1, 2, SAM_STAT_GOOD, 0, 0, 0);
	assert_int_equal(sent[1].data_len, 4096);
}

/* ---- task attributes (SAM-5 8.6) ----------------------------------------- */

/* An ORDERED task starts only after every older task has completed, and
 * no newer SIMPLE task starts before it has completed. */
static void test_ordered_waits_and_holds_back(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(3, SCST_CMD_QUEUE_ORDERED);
	read_cmd(4, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(nexecuted, 2);                 /* 1 and 2 */
	finish_running(0);
	assert_int_equal(nexecuted, 2);                 /* 2 still runs */
	finish_running(1);
	assert_int_equal(nexecuted, 3);
	assert_int_equal(executed[2], 3);               /* the ORDERED one, alone */
	finish_running(2);
	assert_int_equal(nexecuted, 4);
	assert_int_equal(executed[3], 4);
	finish_running(3);
	assert_int_equal(nsent, 4);
}

/* HEAD OF QUEUE starts at once, even while an ORDERED task runs and
 * others wait behind it. */
static void test_head_of_queue_starts_at_once(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_ORDERED);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(3, SCST_CMD_QUEUE_HEAD_OF_QUEUE);
	assert_int_equal(nexecuted, 2);
	assert_int_equal(executed[0], 1);
	assert_int_equal(executed[1], 3);
	finish_running(1);                              /* HOQ done, 2 still held */
	assert_int_equal(nexecuted, 2);
	finish_running(0);
	assert_int_equal(nexecuted, 3);
	assert_int_equal(executed[2], 2);
	finish_running(2);
}

/* Consecutive SIMPLE tasks do not wait for each other. */
static void test_simple_tasks_overlap(void **state)
{
	(void)state;
	hold_in_handler = true;
	for (uint64_t t = 1; t <= 4; t++)
		read_cmd(t, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(nexecuted, 4);
	for (unsigned i = 0; i < 4; i++)
		finish_running(3 - i);
	assert_int_equal(nsent, 4);
	assert_int_equal(sent[0].tag, 4);               /* completion order, not arrival */
}

/* ---- task management (SAM-5 7) ------------------------------------------- */

static int tmf(enum scst_tm_fn fn, uint64_t lun, uint64_t tag)
{
	uint8_t l[8];

	int rc;

	scst_pack_lun(lun, SCST_LUN_ADDR_METHOD_PERIPHERAL, l);
	in_core++;
	rc = scst_rx_mgmt_fn(&sess, fn, l, tag, NULL);
	in_core--;
	scst_completions_drain();
	return rc;
}

/* ABORT TASK of a task in the handler: the task ends aborted when the
 * handler lets go of it, and FUNCTION COMPLETE goes out only after that
 * (SAM-5 7.2: the response follows the task's end). */
static void test_abort_task_of_a_running_command(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(7, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(8, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(tmf(SCST_ABORT_TASK, 0, 7), 0);
	assert_int_equal(tmf_calls, 0);                 /* 7 still in the handler */
	finish_running(0);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].aborted);
	assert_int_equal(tmf_calls, 1);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	finish_running(1);                              /* the other task is untouched */
	assert_sent(1, 8, SAM_STAT_GOOD, 0, 0, 0);
	assert_false(sent[1].aborted);
}

/* An aborted task held back behind an ORDERED one never starts. */
static void test_abort_task_of_a_held_command(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_ORDERED);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(tmf(SCST_ABORT_TASK, 0, 2), 0);
	assert_int_equal(tmf_calls, 1);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	assert_true(sent[0].aborted);
	finish_running(0);
	assert_int_equal(nexecuted, 1);
}

/* LUN RESET (SAM-5 7.7): every task of the LU is aborted, the response
 * follows their end, and every I_T nexus, the issuer's included, gets a
 * unit attention with BUS DEVICE RESET FUNCTION OCCURRED, 29/03
 * (SAM-5 6.3.3), not SCSI BUS RESET OCCURRED (29/02). */
static void test_lun_reset(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(2, SCST_CMD_QUEUE_ORDERED);            /* held */
	assert_int_equal(tmf(SCST_LUN_RESET, 0, 0), 0);
	assert_int_equal(tmf_calls, 0);
	finish_running(0);
	assert_int_equal(tmf_calls, 1);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	assert_int_equal(nsent, 2);
	assert_true(sent[0].aborted && sent[1].aborted);
	assert_int_equal(nexecuted, 1);
	hold_in_handler = false;
	read_cmd(3, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(2, 3, SAM_STAT_CHECK_CONDITION, 0x6, 0x29, 0x03);
	read_cmd(4, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(3, 4, SAM_STAT_GOOD, 0, 0, 0);
	submit_on(&sess2, 0, 5, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_sent(4, 5, SAM_STAT_CHECK_CONDITION, 0x6, 0x29, 0x03);
}

/* A TMF naming a LUN that does not exist, or ABORT TASK naming no task:
 * the transport answers "LUN does not exist" / "task does not exist"
 * (RFC 7143 11.6.1). */
static void test_tmf_unknown_lun(void **state)
{
	(void)state;
	assert_int_equal(tmf(SCST_LUN_RESET, 3, 0), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_LUN_NOT_EXIST);
	assert_int_equal(tmf(SCST_ABORT_TASK, 0, 99), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_TASK_NOT_EXIST);
}

/* The event of the command with tag, or NULL. */
static const struct event *sent_tag(uint64_t tag)
{
	for (unsigned i = 0; i < nsent; i++)
		if (sent[i].tag == tag)
			return &sent[i];
	return NULL;
}

/* ABORT TASK SET (SAM-5 7.3) aborts the issuing nexus's tasks only. */
static void test_abort_task_set_is_per_nexus(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	submit_on(&sess2, 0, 2, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_int_equal(tmf(SCST_ABORT_TASK_SET, 0, 0), 0);
	finish_running(0);
	assert_int_equal(tmf_calls, 1);
	assert_true(sent_tag(1)->aborted);
	finish_running(1);
	assert_false(sent_tag(2)->aborted);
	assert_int_equal(sent_tag(2)->status, SAM_STAT_GOOD);
}

/* CLEAR TASK SET with TAS=0 (SAM-5 7.4, 5.6): the other nexus's tasks are
 * aborted silently and it gets COMMANDS CLEARED BY ANOTHER INITIATOR,
 * 2F/00; the issuer gets no unit attention. */
static void test_clear_task_set_without_tas(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	submit_on(&sess2, 0, 2, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_int_equal(tmf(SCST_CLEAR_TASK_SET, 0, 0), 0);
	finish_running(0);
	finish_running(1);
	assert_int_equal(tmf_calls, 1);
	assert_true(sent_tag(1)->aborted && sent_tag(2)->aborted);
	assert_false(sent_tag(2)->tas_response);
	hold_in_handler = false;
	submit_on(&sess2, 0, 3, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_sent(nsent - 1, 3, SAM_STAT_CHECK_CONDITION, 0x6, 0x2f, 0x00);
	read_cmd(4, SCST_CMD_QUEUE_SIMPLE);
	assert_sent(nsent - 1, 4, SAM_STAT_GOOD, 0, 0, 0);
}

/* With TAS=1 (control mode page, SPC-4 7.5.8) the other nexus's aborted
 * tasks end with TASK ABORTED status instead (SAM-5 5.6), and no unit
 * attention; the issuer's end without a status. */
static void test_clear_task_set_with_tas(void **state)
{
	(void)state;
	dev.tas = true;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	submit_on(&sess2, 0, 2, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_int_equal(tmf(SCST_CLEAR_TASK_SET, 0, 0), 0);
	finish_running(0);
	finish_running(1);
	assert_true(sent_tag(2)->aborted && sent_tag(2)->tas_response);
	assert_false(sent_tag(1)->tas_response);
	hold_in_handler = false;
	submit_on(&sess2, 0, 3, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_sent(nsent - 1, 3, SAM_STAT_GOOD, 0, 0, 0);
}

/* A WRITE waiting for its data when it is aborted is handed back at
 * once: the data will never come. */
static void test_abort_write_waiting_for_data(void **state)
{
	(void)state;
	fake_tgtt.rdy_to_xfer = hold_rdy_to_xfer;
	submit(0, 5, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	assert_int_equal(nsent, 0);
	assert_int_equal(tmf(SCST_ABORT_TASK, 0, 5), 0);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].aborted);
	assert_int_equal(tmf_calls, 1);
	assert_int_equal(nexecuted, 0);
	fake_tgtt.rdy_to_xfer = fake_rdy_to_xfer;
}

/* QUERY TASK (SAM-5 7.8): FUNCTION SUCCEEDED when the named task is in
 * the task set, FUNCTION COMPLETE when it is not; QUERY TASK SET (7.9)
 * likewise for any task of the nexus; QUERY ASYNCHRONOUS EVENT (7.10)
 * SUCCEEDED when a unit attention is pending.  None aborts anything. */
static void test_query_functions(void **state)
{
	(void)state;
	assert_int_equal(tmf(SCST_QUERY_TASK_SET, 0, 0), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	assert_int_equal(tmf(SCST_QUERY_ASYNC_EVENT, 0, 0), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(tmf(SCST_QUERY_TASK, 0, 1), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCEEDED);
	assert_int_equal(tmf(SCST_QUERY_TASK, 0, 2), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	assert_int_equal(tmf(SCST_QUERY_TASK_SET, 0, 0), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCEEDED);
	scst_tgt_dev_queue_ua(&td, SCST_S_UA_CAPACITY_CHANGED);
	assert_int_equal(tmf(SCST_QUERY_ASYNC_EVENT, 0, 0), 0);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCEEDED);
	assert_int_equal(tmf_calls, 6);
	assert_int_equal(nsent, 0);
	finish_running(0);
	assert_false(sent[0].aborted);
}

/* The transport lost the connection (scst_session_abort_all): every
 * command of the session ends aborted - the one in the handler when it
 * lets go, the one waiting for WRITE data and the held one at once - and
 * none of them is answered twice or started. */
static void test_session_abort_all(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_ORDERED);
	fake_tgtt.rdy_to_xfer = hold_rdy_to_xfer;
	submit(0, 2, SCST_CMD_QUEUE_HEAD_OF_QUEUE, write10, sizeof(write10));
	fake_tgtt.rdy_to_xfer = fake_rdy_to_xfer;
	read_cmd(3, SCST_CMD_QUEUE_SIMPLE);
	in_core++;
	scst_session_abort_all(&sess);
	in_core--;
	assert_int_equal(nsent, 0);
	scst_completions_drain();
	assert_int_equal(nsent, 2);
	assert_true(sent_tag(2)->aborted && sent_tag(3)->aborted);
	finish_running(0);
	assert_int_equal(nsent, 3);
	assert_true(sent_tag(1)->aborted);
	assert_int_equal(nexecuted, 1);
}

/* WRITE data that arrives for a command already aborted and handed back
 * changes nothing (cmd.c ignores it outside the data wait). */
static void test_data_after_abort_is_ignored(void **state)
{
	struct scst_cmd *cmd;

	(void)state;
	fake_tgtt.rdy_to_xfer = hold_rdy_to_xfer;
	cmd = submit(0, 5, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	fake_tgtt.rdy_to_xfer = fake_rdy_to_xfer;
	/* The transport keeps the command while the abort's response is
	 * queued, then its data "arrives" before the queue is drained. */
	in_core++;
	assert_int_equal(scst_rx_mgmt_fn(&sess, SCST_ABORT_TASK, (const uint8_t[8]){ 0 }, 5, NULL),
			 0);
	scst_rx_data(cmd, true);
	in_core--;
	scst_completions_drain();
	assert_int_equal(nexecuted, 0);
	assert_int_equal(nsent, 1);
	assert_true(sent[0].aborted);
	assert_int_equal(tmf_calls, 1);
}

/* ---- the completion rule (core/cmd_deliver.c) ---------------------------- */

/* A command the handler finishes inside its exec, one refused before the
 * handler (finish_early), and a WRITE whose data the transport supplies
 * inside rdy_to_xfer: none of their responses comes inside the
 * transport's call; each comes once, when the queue is drained. */
static void test_no_response_inside_the_submitting_call(void **state)
{
	(void)state;
	submit_undrained(&sess, 0, 1, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	submit_undrained(&sess, 9, 2, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	submit_undrained(&sess, 0, 3, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	assert_int_equal(nexecuted, 2);                 /* the READ and the WRITE ran */
	assert_int_equal(nsent, 0);
	scst_completions_drain();
	assert_int_equal(nsent, 3);
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
	assert_sent(1, 2, SAM_STAT_CHECK_CONDITION, 0x5, 0x25, 0x00);
	assert_sent(2, 3, SAM_STAT_GOOD, 0, 0, 0);
	scst_completions_drain();                       /* nothing twice */
	assert_int_equal(nsent, 3);
}

/* A handler finishing later (its I/O completed, no core call running)
 * gets the response out at once, without a drain. */
static void test_asynchronous_completion_goes_at_once(void **state)
{
	(void)state;
	hold_in_handler = true;
	submit_undrained(&sess, 0, 1, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_int_equal(nsent, 0);
	finish_running(0);
	assert_int_equal(nsent, 1);
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
}

/* The transport releases an ORDERED command inside its xmit_response;
 * the commands held behind it start there and finish at once: their
 * responses follow, none nested in the first one's callback (the
 * instrumentation counts that), each once. */
static void test_held_commands_finishing_inside_a_release(void **state)
{
	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_ORDERED);
	read_cmd(2, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(3, SCST_CMD_QUEUE_SIMPLE);
	read_cmd(4, SCST_CMD_QUEUE_ORDERED);
	read_cmd(5, SCST_CMD_QUEUE_SIMPLE);
	assert_int_equal(nexecuted, 1);
	hold_in_handler = false;
	finish_running(0);
	assert_int_equal(nexecuted, 5);
	assert_int_equal(nsent, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_sent(i, i + 1, SAM_STAT_GOOD, 0, 0, 0);
}

/* ABORT TASK SET over a command in the handler, one waiting for its
 * WRITE data and one held behind an ORDERED task: the two handed back
 * by the abort are answered after scst_rx_mgmt_fn returned, the TMF
 * answer only after the last aborted command was released, and never
 * inside a call of the transport's. */
static void test_abort_task_set_answers_outside_the_call(void **state)
{
	uint8_t l[8];

	(void)state;
	hold_in_handler = true;
	read_cmd(1, SCST_CMD_QUEUE_SIMPLE);
	fake_tgtt.rdy_to_xfer = hold_rdy_to_xfer;
	submit(0, 2, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	fake_tgtt.rdy_to_xfer = fake_rdy_to_xfer;
	read_cmd(3, SCST_CMD_QUEUE_ORDERED);
	assert_int_equal(nexecuted, 1);
	scst_pack_lun(0, SCST_LUN_ADDR_METHOD_PERIPHERAL, l);
	in_core++;
	assert_int_equal(scst_rx_mgmt_fn(&sess, SCST_ABORT_TASK_SET, l, 0, NULL), 0);
	in_core--;
	assert_int_equal(nsent, 0);
	scst_completions_drain();
	assert_int_equal(nsent, 2);
	assert_true(sent_tag(2)->aborted && sent_tag(3)->aborted);
	assert_int_equal(tmf_calls, 0);                 /* 1 is still in the handler */
	finish_running(0);
	assert_int_equal(nsent, 3);
	assert_true(sent_tag(1)->aborted);
	assert_int_equal(tmf_calls, 1);
	assert_int_equal(tmf_status, SCST_MGMT_STATUS_SUCCESS);
	assert_int_equal(nexecuted, 1);
}

/* A command whose response is made but not yet delivered has finished:
 * an abort in the same loop iteration does not take its status back. */
static void test_abort_after_the_response_was_made(void **state)
{
	(void)state;
	submit_undrained(&sess, 0, 1, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	assert_int_equal(tmf(SCST_ABORT_TASK_SET, 0, 0), 0);
	assert_int_equal(nsent, 1);
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
	assert_false(sent[0].aborted);
	assert_int_equal(tmf_calls, 1);
}

/* On an I/O loop nobody drains: what a call queued goes out at the end
 * of the loop iteration, still never inside the call. */
static void submit_on_loop(void *arg)
{
	unsigned *seen_inside = arg;

	submit_undrained(&sess, 0, 1, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	submit_undrained(&sess, 7, 2, SCST_CMD_QUEUE_SIMPLE, read10, sizeof(read10));
	submit_undrained(&sess, 0, 3, SCST_CMD_QUEUE_SIMPLE, write10, sizeof(write10));
	*seen_inside = __atomic_load_n(&nsent, __ATOMIC_ACQUIRE);
}

static void test_loop_delivers_at_the_end_of_the_iteration(void **state)
{
	unsigned seen_inside = 99;
	struct timespec t0, t;

	(void)state;
	assert_int_equal(ioloops_start(1), 0);
	sess.loop = ioloop_get(0);
	assert_int_equal(ioloop_run_on_sync(sess.loop, submit_on_loop, &seen_inside), 0);
	assert_int_equal(seen_inside, 0);
	/* The loop delivers right after the call; a loaded machine may take
	 * its time getting there. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct timespec nap = { 0, 1000000 };

		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (__atomic_load_n(&nsent, __ATOMIC_ACQUIRE) < 3 && t.tv_sec - t0.tv_sec < 30);
	ioloops_stop();
	sess.loop = NULL;
	assert_int_equal(nsent, 3);
	assert_sent(0, 1, SAM_STAT_GOOD, 0, 0, 0);
	assert_sent(1, 2, SAM_STAT_CHECK_CONDITION, 0x5, 0x25, 0x00);
	assert_sent(2, 3, SAM_STAT_GOOD, 0, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_and_write_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_before_the_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unit_attentions_one_per_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_condition_drops_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordered_waits_and_holds_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_of_queue_starts_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_simple_tasks_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_task_of_a_running_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_task_of_a_held_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lun_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmf_unknown_lun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_task_set_is_per_nexus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_task_set_without_tas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_task_set_with_tas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_write_waiting_for_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_query_functions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_abort_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_after_abort_is_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_response_inside_the_submitting_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_asynchronous_completion_goes_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_held_commands_finishing_inside_a_release, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_abort_task_set_answers_outside_the_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_abort_after_the_response_was_made, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_loop_delivers_at_the_end_of_the_iteration, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
