/* pr_cmd.c - PERSISTENT RESERVE IN and OUT as commands: decoding the CDB
 * and parameter list, running the state machine (pr.c) under dev->lock,
 * saving the state (pr_store.c) before the status goes out -- a failed
 * save fails the command and restores the state as it was -- then
 * delivering its unit attentions to the affected nexuses, and building the
 * PR IN data.
 * Also the device's PR life: loaded when the device is added, freed when
 * it is deleted.
 *
 * The file is written with fsync on the I/O thread while dev->lock is held:
 * a small file, but a slow disk stalls this device's commands meanwhile.
 * PREEMPT AND ABORT preempts like PREEMPT, then has tm.c clear the task
 * sets of the preempted nexuses before the command completes.
 * A device with a pr_backend (several daemons export it) keeps its state
 * there instead of the file: the service action then runs through
 * pr_shared.c on the stored state, and PR IN reads it again first. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pr.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"
#include "util/be.h"

#define PR_OUT_PARAM_LEN 24

int scst_pr_dev_init(struct scst_device *dev, char *errbuf, size_t errlen)
{
	char path[PATH_MAX], err[256];
	bool from_backup;
	int rc;

	dev->pr = malloc(sizeof(*dev->pr));
	if (!dev->pr) {
		scst_errf(errbuf, errlen, "device '%s': out of memory", dev->name);
		return -ENOMEM;
	}
	scst_pr_state_init(dev->pr);
	if (dev->pr_backend)
		return scst_pr_shared_init(dev, errbuf, errlen);
	if (!scst_pr_store_path(dev->name, path, sizeof(path)))
		return 0;
	rc = scst_pr_store_load(path, dev->pr, err, sizeof(err), &from_backup);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		/* Starting without reservations beats refusing the device;
		 * the file stays for inspection until the next change. */
		log_err("device %s: ignoring persistent reservations in %s: %s", dev->name, path,
			rc == -EINVAL ? err : strerror(-rc));
		return 0;
	}
	log_info("device %s: %u persistent registrations loaded from %s%s (generation %u)",
		 dev->name, dev->pr->nregs, path, from_backup ? ".1" : "", dev->pr->generation);
	pthread_mutex_lock(&dev->lock);
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

void scst_pr_dev_free(struct scst_device *dev)
{
	if (!dev->pr)
		return;
	scst_pr_shared_free(dev);
	scst_pr_state_clear(dev->pr);
	free(dev->pr);
	dev->pr = NULL;
}

void scst_pr_dump(struct scst_device *dev)
{
	const struct scst_pr_reg *reg;

	if (!dev->pr)
		return;
	pthread_mutex_lock(&dev->lock);
	log_info("device %s: PR generation %u, APTPL %d, %u registrant(s), %s", dev->name,
		 dev->pr->generation, dev->pr->aptpl ? 1 : 0, dev->pr->nregs,
		 dev->pr->type == SCST_PR_TYPE_NONE ? "not reserved" : "reserved");
	if (dev->pr->type != SCST_PR_TYPE_NONE)
		log_info("device %s: PR reservation type %u held by %s", dev->name, dev->pr->type,
			 dev->pr->holder ? dev->pr->holder->initiator : "all registrants");
	list_for_each_entry(reg, &dev->pr->regs, node)
		log_info("device %s: PR registrant key 0x%" PRIx64 " initiator %s rel_tgt_id %u%s",
			 dev->name, reg->key, reg->initiator, reg->rel_tgt_id,
			 reg->all_tg_pt ? " (all target ports)" : "");
	pthread_mutex_unlock(&dev->lock);
}

/* ---------------------------------------------------------------------- */
/* PERSISTENT RESERVE OUT                                                   */

/* A registration's nexuses as a port id: all of them for ALL_TG_PT. */
static uint16_t reg_port(const struct scst_pr_reg *reg)
{
	return reg->all_tg_pt ? SCST_PR_ALL_PORTS : reg->rel_tgt_id;
}

bool scst_pr_note_add(struct scst_pr_note **arr, unsigned *n, unsigned *cap,
		      const char *initiator, uint16_t rel_tgt_id, enum scst_sense_id ua)
{
	struct scst_pr_note *note;

	if (strlen(initiator) >= sizeof(note->initiator))
		return false;
	if (*n == *cap) {
		unsigned grown_cap = *cap ? 2 * *cap : 8;
		struct scst_pr_note *grown = realloc(*arr, grown_cap * sizeof(*grown));

		if (!grown)
			return false;
		*arr = grown;
		*cap = grown_cap;
	}
	note = &(*arr)[(*n)++];
	memcpy(note->initiator, initiator, strlen(initiator) + 1);
	note->rel_tgt_id = rel_tgt_id;
	note->ua = ua;
	return true;
}

/* Keeps the unit attention for scst_pr_deliver_notes.  Called with the
 * state being changed locked (dev->lock, or the shared change's own). */
void scst_pr_note_ua(void *ctx, const struct scst_pr_reg *reg, enum scst_sense_id ua)
{
	struct scst_pr_changes *c = ctx;

	if (ua == SCST_S_UA_REGISTRATIONS_PREEMPTED && c->abort &&
	    !scst_pr_note_add(&c->preempted, &c->npreempted, &c->preempted_cap, reg->initiator,
			      reg_port(reg), ua))
		log_err("device %s: out of memory: PREEMPT AND ABORT does not abort the "
			"commands of %s", c->dev->name, reg->initiator);
	if (!scst_pr_note_add(&c->notes, &c->nnotes, &c->notes_cap, reg->initiator,
			      reg_port(reg), ua))
		log_err("device %s: out of memory: unit attention for %s lost", c->dev->name,
			reg->initiator);
}

/* Queues each kept unit attention on every nexus of the device its
 * registration named.  Called with dev->lock held. */
void scst_pr_deliver_notes(const struct scst_pr_changes *c)
{
	struct scst_tgt_dev *td;

	for (unsigned i = 0; i < c->nnotes; i++) {
		const struct scst_pr_note *n = &c->notes[i];

		list_for_each_entry(td, &c->dev->tgt_devs, dev_node)
			if ((n->rel_tgt_id == SCST_PR_ALL_PORTS ||
			     td->sess->tgt->rel_tgt_id == n->rel_tgt_id) &&
			    strcasecmp(scst_sess_pr_name(td->sess), n->initiator) == 0)
				scst_tgt_dev_queue_ua_locked(td, n->ua);
	}
}

/* With APTPL the state goes to disk; without it no stale file may
 * resurrect old registrations after a restart.  0 or -errno. */
static int persist(struct scst_device *dev)
{
	char path[PATH_MAX];
	int rc;

	if (!scst_pr_store_path(dev->name, path, sizeof(path)))
		return 0;
	if (!dev->pr->aptpl) {
		rc = scst_pr_store_remove(path);
		if (rc < 0)
			log_err("device %s: cannot remove %s: %s; the PERSISTENT RESERVE OUT "
				"fails and changes nothing", dev->name, path, strerror(-rc));
		return rc;
	}
	rc = scst_pr_store_save(dev->pr, path);
	if (rc < 0)
		log_err("device %s: cannot save persistent reservations to %s: %s; the "
			"PERSISTENT RESERVE OUT fails and changes nothing", dev->name, path,
			strerror(-rc));
	return rc;
}

static unsigned rekey_regs(struct scst_pr *pr, uint16_t from, uint16_t to)
{
	struct scst_pr_reg *reg;
	unsigned n = 0;

	list_for_each_entry(reg, &pr->regs, node) {
		if (reg->rel_tgt_id == from) {
			reg->rel_tgt_id = to;
			n++;
		}
	}
	return n;
}

int scst_pr_rekey_port_locked(struct scst_device *dev, uint16_t from, uint16_t to)
{
	unsigned n;
	int rc;

	if (dev->pr_backend) {
		/* The other daemons' registrations share the stored state;
		 * rewriting it under dev->lock would block every command. */
		log_warn("device %s: PR registrations in the shared state keep relative target "
			 "port %u", dev->name, from);
		return 0;
	}
	n = dev->pr ? rekey_regs(dev->pr, from, to) : 0;

	if (!n)
		return 0;
	rc = persist(dev);
	if (rc < 0) {
		rekey_regs(dev->pr, to, from);
		return rc;
	}
	log_info("device %s: %u PR registration(s) moved from relative target port %u to %u",
		 dev->name, n, from, to);
	return (int)n;
}

static bool pr_out_fields_ok(struct scst_cmd *cmd, unsigned sa)
{
	unsigned scope = cmd->cdb[2] >> 4, type = cmd->cdb[2] & 0x0f;
	bool typed = sa == SCST_PR_RESERVE || sa == SCST_PR_RELEASE || sa == SCST_PR_PREEMPT ||
		     sa == SCST_PR_PREEMPT_AND_ABORT;

	if (sa > SCST_PR_REGISTER_AND_MOVE) {
		scst_set_invalid_field(cmd, true, 1, 4);
		return false;
	}
	if (typed && scope != 0) {
		scst_set_invalid_field(cmd, true, 2, 7);
		return false;
	}
	if (typed && !scst_pr_type_valid(type)) {
		scst_set_invalid_field(cmd, true, 2, 3);
		return false;
	}
	if (cmd->write_len < PR_OUT_PARAM_LEN) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	if (sa == SCST_PR_REGISTER_AND_MOVE)
		return true;            /* its own list format, checked with it */
	/* SPEC_I_PT only with REGISTER.  ALL_TG_PT means something to the
	 * two REGISTERs and is ignored by the others (SPC-4 6.16.3). */
	if ((cmd->buf[20] & 0x08) && sa != SCST_PR_REGISTER) {
		scst_set_invalid_field(cmd, false, 20, 3);
		return false;
	}
	if (cmd->write_len != PR_OUT_PARAM_LEN && !(cmd->buf[20] & 0x08)) {
		scst_set_cmd_error(cmd, SCST_S_PARAM_LIST_LENGTH_ERROR);
		return false;
	}
	return true;
}

static void pr_out_ctx_free(struct scst_pr_changes *c)
{
	free(c->notes);
	free(c->preempted);
}

/* Hands the preempted nexuses' commands to tm.c; true when it completes
 * cmd. */
static bool abort_preempted(struct scst_cmd *cmd, struct scst_pr_changes *c)
{
	struct scst_pr_nexus *nx;
	bool pending = false;

	if (!c->npreempted)
		return false;
	nx = calloc(c->npreempted, sizeof(*nx));
	if (nx) {
		for (unsigned i = 0; i < c->npreempted; i++) {
			nx[i].initiator = c->preempted[i].initiator;
			nx[i].rel_tgt_id = c->preempted[i].rel_tgt_id;
		}
		pending = scst_preempt_abort(cmd, nx, c->npreempted);
	} else {
		log_err("device %s: out of memory: PREEMPT AND ABORT aborts no commands",
			c->dev->name);
	}
	free(nx);
	return pending;
}

/* One PERSISTENT RESERVE OUT as the state machine takes it. */
struct pr_out_req {
	struct scst_pr_nexus nx;
	const struct scst_tgt *port;            /* nx's target port */
	struct scst_pr_out_params p;
	bool spec_i_pt;
	const struct scst_pr_tid *tids;         /* SPEC_I_PT */
	unsigned ntids;
	struct scst_pr_nexus dest;              /* REGISTER AND MOVE */
	bool unreg;
	uint32_t bad_byte;                      /* its INVALID FIELD IN PARAM */
};

static enum scst_sense_id run_action(struct scst_pr *pr, struct pr_out_req *rq,
				     struct scst_pr_changes *c)
{
	if (rq->p.sa == SCST_PR_REGISTER_AND_MOVE)
		return scst_pr_register_move(pr, &rq->nx, &rq->p, &rq->dest, rq->unreg,
					     &rq->bad_byte);
	if (rq->spec_i_pt)
		return scst_pr_register_spec(pr, &rq->nx, &rq->p, rq->tids, rq->ntids);
	return scst_pr_out_action(pr, &rq->nx, &rq->p, scst_pr_note_ua, c);
}

/* The service action on the stored state of a shared device (pr_shared.c
 * holds the state being changed). */
static enum scst_sense_id run_shared_action(struct scst_pr *pr, void *arg,
					    struct scst_pr_changes *c)
{
	struct pr_out_req *rq = arg;

	rq->nx.rel_tgt_id = __atomic_load_n(&rq->port->rel_tgt_id, __ATOMIC_RELAXED);
	return run_action(pr, rq, c);
}

/* Runs the service action under dev->lock as a transaction: the state as
 * it was is kept until the new one is saved, and restored, unit
 * attentions and aborts dropped, when saving fails -- so the state an
 * initiator was told about is always the one on disk. */
static enum scst_sense_id run_saved(struct scst_device *dev, struct pr_out_req *rq,
				    struct scst_pr_changes *c)
{
	struct scst_pr before;
	enum scst_sense_id rc;

	if (dev->pr_backend)
		return scst_pr_shared_change(dev, run_shared_action, rq, c);
	scst_pr_state_init(&before);
	pthread_mutex_lock(&dev->lock);
	/* The port's id as the registrations know it: a rel_tgt_id change
	 * re-keys them under this lock (scst_pr_rekey_port_locked). */
	rq->nx.rel_tgt_id = __atomic_load_n(&rq->port->rel_tgt_id, __ATOMIC_RELAXED);
	if (!scst_pr_state_copy(&before, dev->pr)) {
		rc = SCST_S_INSUFFICIENT_RESOURCES;
	} else {
		rc = run_action(dev->pr, rq, c);
		if (rc == SCST_S_OK && persist(dev) < 0) {
			scst_pr_state_move(dev->pr, &before);
			c->npreempted = 0;
			rc = SCST_S_INTERNAL_FAILURE;
		} else if (rc == SCST_S_OK) {
			scst_pr_deliver_notes(c);
		}
	}
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
	scst_pr_state_clear(&before);
	return rc;
}

static void set_pr_out_error(struct scst_cmd *cmd, const struct pr_out_req *rq,
			     enum scst_sense_id rc)
{
	unsigned sa = rq->p.sa;

	if (rc == SCST_PR_CONFLICT) {
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
	} else if (rc == SCST_S_INVALID_FIELD_IN_PARAM) {
		if (sa == SCST_PR_REGISTER_AND_MOVE)
			scst_set_invalid_field(cmd, false, rq->bad_byte, -1);
		else if (sa == SCST_PR_PREEMPT || sa == SCST_PR_PREEMPT_AND_ABORT)
			scst_set_invalid_field(cmd, false, 8, -1);      /* preempted key zero */
		else
			scst_set_invalid_field(cmd, false, 20, 0);      /* APTPL */
	} else if (rc == SCST_S_INVALID_FIELD_IN_CDB && rq->spec_i_pt) {
		scst_set_invalid_field(cmd, true, 1, -1);       /* registered: no SPEC_I_PT */
	} else {
		/* No field to point at: REGISTER AND MOVE without a
		 * reservation, a failed save, a wrong RELEASE type... */
		scst_set_cmd_error(cmd, rc);
	}
}

/* REGISTER with SPEC_I_PT: the TransportIDs are parsed before the lock. */
static enum scst_sense_id register_spec(struct scst_cmd *cmd, struct pr_out_req *rq,
					struct scst_pr_changes *c)
{
	unsigned max = cmd->write_len / 8 + 1;
	struct scst_pr_tid *tids;
	enum scst_sense_id rc;

	if (rq->p.aptpl && !rq->p.can_persist)
		return SCST_S_INVALID_FIELD_IN_PARAM;   /* APTPL: nowhere to keep it */
	if (max > SCST_PR_MAX_REGS)
		max = SCST_PR_MAX_REGS;
	tids = calloc(max, sizeof(*tids));
	if (!tids)
		return SCST_S_INSUFFICIENT_RESOURCES;
	rc = scst_pr_parse_tids(cmd->sess->tgt->tgtt, cmd->buf, cmd->write_len, tids, max, &rq->ntids, &rq->bad_byte);
	if (rc == SCST_S_INVALID_FIELD_IN_PARAM) {
		scst_set_invalid_field(cmd, false, rq->bad_byte, -1);
		rc = SCST_S_OK;         /* reported */
	} else if (rc == SCST_S_OK) {
		rq->tids = tids;
		rc = run_saved(cmd->dev, rq, c);
	}
	free(tids);
	return rc;
}

/* Whether target port `id` exports dev to the initiator (the LUN set the
 * initiator would log in to). */
static bool port_reaches(const struct scst_device *dev, uint16_t id, const char *initiator)
{
	const struct scst_acg_dev *ad;
	struct scst_tgt *tgt;
	bool found = false;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node) {
		struct scst_acg *acg;

		if (tgt->rel_tgt_id != id)
			continue;
		acg = scst_select_acg(tgt, initiator);
		if (acg)
			list_for_each_entry(ad, &acg->acg_devs, node)
				found |= ad->dev == dev;
	}
	pthread_mutex_unlock(&scst_mutex);
	return found;
}

/* The transport of target port `id`, dflt when there is no such port
 * (then port_reaches refuses the port). */
static const struct scst_tgt_template *port_transport(uint16_t id,
						      const struct scst_tgt_template *dflt)
{
	const struct scst_tgt_template *tt = dflt;
	const struct scst_tgt *tgt;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt->rel_tgt_id == id) {
			tt = tgt->tgtt;
			break;
		}
	pthread_mutex_unlock(&scst_mutex);
	return tt;
}

static int highest_bit(uint8_t v)
{
	int bit = 7;

	while (bit > 0 && !(v & (1u << bit)))
		bit--;
	return bit;
}

/* REGISTER AND MOVE (SPC-4 6.16.4 list): the TransportID and the target
 * port are checked before the lock.  The TransportID names an initiator
 * port of the destination port's transport, so that transport reads it. */
static enum scst_sense_id register_move(struct scst_cmd *cmd, struct pr_out_req *rq,
					struct scst_pr_changes *c)
{
	const struct scst_tgt_template *tt = cmd->sess->tgt->tgtt;
	struct scst_pr_tid tid;
	enum scst_sense_id rc;

	if (cmd->write_len >= 24)
		tt = port_transport(get_be16(&cmd->buf[18]), tt);
	rc = scst_pr_parse_move_tid(tt, cmd->buf, cmd->write_len, &tid, &rq->bad_byte);
	if (rc != SCST_S_OK)
		return rc;
	/* Bytes 16-17 hold only UNREG and APTPL: no ALL_TG_PT (or SPEC_I_PT)
	 * in this list, and a client setting one gets its bit pointed at. */
	if (cmd->buf[16]) {
		scst_set_invalid_field(cmd, false, 16, highest_bit(cmd->buf[16]));
		return SCST_S_OK;       /* reported */
	}
	if (cmd->buf[17] & 0xfc) {
		scst_set_invalid_field(cmd, false, 17, highest_bit(cmd->buf[17] & 0xfc));
		return SCST_S_OK;       /* reported */
	}
	if (rq->p.aptpl && !rq->p.can_persist) {
		scst_set_invalid_field(cmd, false, 17, 0);
		return SCST_S_OK;       /* reported */
	}
	rq->dest.initiator = tid.initiator;
	rq->dest.rel_tgt_id = get_be16(&cmd->buf[18]);
	if (!port_reaches(cmd->dev, rq->dest.rel_tgt_id, tid.initiator)) {
		rq->bad_byte = 18;
		return SCST_S_INVALID_FIELD_IN_PARAM;
	}
	return run_saved(cmd->dev, rq, c);
}

/* APTPL needs somewhere to keep the state: the PR directory, or the
 * backend of a shared device (which keeps it anyway). */
static bool pr_can_persist(const struct scst_device *dev, char *path, size_t len)
{
	return dev->pr_backend || scst_pr_store_path(dev->name, path, len);
}

static void read_params(const struct scst_cmd *cmd, unsigned sa, struct scst_pr_out_params *p)
{
	char path[PATH_MAX];

	memset(p, 0, sizeof(*p));
	p->sa = sa;
	p->type = cmd->cdb[2] & 0x0f;
	p->key = get_be64(cmd->buf);
	p->sa_key = get_be64(cmd->buf + 8);
	if (sa == SCST_PR_REGISTER_AND_MOVE) {
		p->aptpl = cmd->buf[17] & 0x01;
	} else {
		p->aptpl = cmd->buf[20] & 0x01;
		p->all_tg_pt = (cmd->buf[20] & 0x04) &&
			       (sa == SCST_PR_REGISTER || sa == SCST_PR_REGISTER_AND_IGNORE);
	}
	p->can_persist = pr_can_persist(cmd->dev, path, sizeof(path));
}

bool scst_pr_out(struct scst_cmd *cmd)
{
	unsigned sa = cmd->cdb[1] & 0x1f;
	struct pr_out_req rq = { .nx = { scst_sess_pr_name(cmd->sess),
					 cmd->sess->tgt->rel_tgt_id },
				 .port = cmd->sess->tgt };
	struct scst_pr_changes ctx = { .dev = cmd->dev,
					.abort = sa == SCST_PR_PREEMPT_AND_ABORT };
	enum scst_sense_id rc;
	bool done;

	if (!pr_out_fields_ok(cmd, sa))
		return true;
	read_params(cmd, sa, &rq.p);
	if (sa == SCST_PR_REGISTER_AND_MOVE) {
		rq.unreg = cmd->buf[17] & 0x02;
		rc = register_move(cmd, &rq, &ctx);
	} else if (sa == SCST_PR_REGISTER && (cmd->buf[20] & 0x08)) {
		rq.spec_i_pt = true;
		rc = register_spec(cmd, &rq, &ctx);
	} else {
		rc = run_saved(cmd->dev, &rq, &ctx);
	}
	if (rc != SCST_S_OK)
		set_pr_out_error(cmd, &rq, rc);
	done = rc != SCST_S_OK || !abort_preempted(cmd, &ctx);
	pr_out_ctx_free(&ctx);
	return done;
}

/* ---------------------------------------------------------------------- */
/* PERSISTENT RESERVE IN                                                    */

static uint8_t *read_keys(const struct scst_pr *pr, uint32_t *len)
{
	const struct scst_pr_reg *reg;
	uint8_t *d;
	uint32_t n = 0;

	*len = 8 + 8 * pr->nregs;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be32(d, pr->generation);
	put_be32(d + 4, 8 * pr->nregs);
	list_for_each_entry(reg, &pr->regs, node)
		put_be64(d + 8 + 8 * n++, reg->key);
	return d;
}

static uint8_t *read_reservation(const struct scst_pr *pr, uint32_t *len)
{
	bool held = pr->type != SCST_PR_TYPE_NONE;
	uint8_t *d;

	*len = held ? 24 : 8;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be32(d, pr->generation);
	if (held) {
		put_be32(d + 4, 16);
		/* All-registrants reservations report key zero (SPC-4 6.15.3). */
		if (pr->holder)
			put_be64(d + 8, pr->holder->key);
		d[21] = pr->type;               /* scope 0: logical unit */
	}
	return d;
}

static uint8_t *report_capabilities(const struct scst_pr *pr, bool can_persist, uint32_t *len)
{
	uint8_t *d;

	*len = 8;
	d = calloc(1, *len);
	if (!d)
		return NULL;
	put_be16(d, 8);
	d[2] = 0x10 | 0x08 | 0x04 | (can_persist ? 0x01 : 0);  /* CRH SIP_C ATP_C PTPL_C */
	d[3] = 0x80 | (pr->aptpl ? 0x01 : 0);       /* TMV, PTPL_A */
	d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;    /* WE-AR EA-RO WE-RO EA WE */
	d[5] = 0x01;                                /* EA-AR */
	return d;
}

/* Registrants are known by name.  A verbatim name (scst_pr_verbatim_name)
 * is reported as the TransportID it holds; any other name is the
 * transport's to encode (SPC-4 7.6.4): that of the target port the
 * registration was made through, or of the port asking when that port is
 * gone. */
/* Room for any TransportID of a name (whose own bound is SCST_NAME_MAX). */
#define PR_TID_MAX (4 + 2 * SCST_NAME_MAX)

static uint32_t transport_id_len(const struct scst_tgt_template *tgtt,
				 const struct scst_pr_reg *reg, uint8_t *scratch)
{
	uint32_t v = scst_pr_verbatim_tid(reg->initiator, NULL);

	if (v)
		return v;
	if (!tgtt->build_transport_id)
		return 0;
	return tgtt->build_transport_id(reg->initiator, scratch, PR_TID_MAX);
}

static void put_transport_id(const struct scst_tgt_template *tgtt,
			     const struct scst_pr_reg *reg, uint8_t *d, uint32_t tid)
{
	if (scst_pr_verbatim_tid(reg->initiator, d) || !tid)
		return;
	tgtt->build_transport_id(reg->initiator, d, tid);
}

/* The transport of each target port by relative port id.  Taken before
 * dev->lock (scst_mutex comes first); templates outlive every target. */
struct port_transports {
	unsigned n;
	uint16_t *ids;
	const struct scst_tgt_template **tgtts;
};

static bool port_transports_get(struct port_transports *pt)
{
	const struct scst_tgt *tgt;
	unsigned cap = 0;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node)
		cap++;
	pt->n = 0;
	pt->ids = malloc((cap ? cap : 1) * sizeof(*pt->ids));
	pt->tgtts = malloc((cap ? cap : 1) * sizeof(*pt->tgtts));
	if (pt->ids && pt->tgtts)
		list_for_each_entry(tgt, &scst_targets, node) {
			pt->ids[pt->n] = tgt->rel_tgt_id;
			pt->tgtts[pt->n++] = tgt->tgtt;
		}
	pthread_mutex_unlock(&scst_mutex);
	return pt->ids && pt->tgtts;
}

static void port_transports_put(struct port_transports *pt)
{
	free(pt->ids);
	free(pt->tgtts);
}

static const struct scst_tgt_template *transport_of(const struct port_transports *pt, uint16_t id,
						     const struct scst_tgt_template *asking)
{
	for (unsigned i = 0; i < pt->n; i++)
		if (pt->ids[i] == id)
			return pt->tgtts[i];
	return asking;
}

static uint8_t *read_full_status(const struct scst_pr *pr, const struct port_transports *pt,
				 const struct scst_tgt_template *asking, uint32_t *len)
{
	const struct scst_pr_reg *reg;
	uint32_t off = 8;
	uint8_t *d, *scratch = malloc(PR_TID_MAX);

	if (!scratch)
		return NULL;
	*len = 8;
	list_for_each_entry(reg, &pr->regs, node)
		*len += 24 + transport_id_len(transport_of(pt, reg->rel_tgt_id, asking), reg,
					      scratch);
	d = calloc(1, *len);
	if (!d) {
		free(scratch);
		return NULL;
	}
	put_be32(d, pr->generation);
	put_be32(d + 4, *len - 8);
	list_for_each_entry(reg, &pr->regs, node) {
		const struct scst_tgt_template *tgtt = transport_of(pt, reg->rel_tgt_id, asking);
		uint32_t tid = transport_id_len(tgtt, reg, scratch);

		put_be64(d + off, reg->key);
		if (reg->all_tg_pt)
			d[off + 12] |= 0x02;            /* ALL_TG_PT */
		if (scst_pr_is_holder(pr, reg)) {
			d[off + 12] |= 0x01;            /* R_HOLDER */
			d[off + 13] = pr->type;
		}
		put_be16(d + off + 18, reg->rel_tgt_id);
		put_be32(d + off + 20, tid);
		put_transport_id(tgtt, reg, d + off + 24, tid);
		off += 24 + tid;
	}
	free(scratch);
	return d;
}

void scst_pr_in(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	char path[PATH_MAX];
	bool can_persist = pr_can_persist(dev, path, sizeof(path));
	uint8_t *data = NULL;
	uint32_t len = 0;
	unsigned sa = cmd->cdb[1] & 0x1f;
	struct port_transports pt = { 0 };

	if (dev->pr_backend) {
		/* An announcement this daemon missed must not show. */
		enum scst_sense_id rc = scst_pr_shared_refresh(dev);

		if (rc != SCST_S_OK) {
			scst_set_cmd_error(cmd, rc);
			return;
		}
	}
	if (sa == 3 && !port_transports_get(&pt)) {
		port_transports_put(&pt);
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	switch (sa) {
	case 0:
		data = read_keys(dev->pr, &len);
		break;
	case 1:
		data = read_reservation(dev->pr, &len);
		break;
	case 2:
		data = report_capabilities(dev->pr, can_persist, &len);
		break;
	case 3:
		data = read_full_status(dev->pr, &pt, cmd->sess->tgt->tgtt, &len);
		break;
	default:        /* refused at parse */
		break;
	}
	pthread_mutex_unlock(&dev->lock);
	port_transports_put(&pt);
	if (!data) {
		scst_set_cmd_error(cmd, SCST_S_INSUFFICIENT_RESOURCES);
		return;
	}
	scst_cmd_set_resp_data(cmd, data, len);
	free(data);
}
