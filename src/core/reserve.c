/* reserve.c - SPC-2 reservations (RESERVE/RELEASE 6 and 10) and the
 * reservation step of the command check: which commands a reservation,
 * SPC-2 or persistent, lets through from which nexus.
 *
 * An SPC-2 reservation belongs to one session (I_T nexus) and ends with
 * RELEASE from that session, a LUN or target reset, or the session's end.
 * State is per device under dev->lock; the command path looks at the
 * resv_active hint first and takes the lock only while something is held.
 *
 * A device several daemons export (dev->pr_backend) keeps the holder in
 * the shared state instead (pr->spc2_*), named like a PR nexus (initiator
 * and relative target port), and RESERVE, RELEASE, resets and the end of
 * the holder's session change it through pr_shared.c.  A daemon killed
 * while its initiator holds one leaves it held until a reset or a RELEASE
 * from that nexus through another path. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cdb.h"
#include "pr.h"
#include "scst.h"
#include "scst_priv.h"
#include "util/log.h"

/* Which commands get through a reservation held by another nexus: the
 * class the opcode table's row gives the command. */
enum scst_resv_access scst_resv_access_of(const struct scst_cmd *cmd)
{
	return (enum scst_resv_access)cmd->op->resv;
}

/* Caller holds dev->lock. */
void scst_resv_update_hint(struct scst_device *dev)
{
	bool active = dev->reserved_by ||
		      (dev->pr && (dev->pr->nregs || dev->pr->spc2_initiator[0]));

	__atomic_store_n(&dev->resv_active, active, __ATOMIC_RELEASE);
}

/* SPC-2: another nexus's reservation leaves only ALWAYS and RELEASE (which
 * then does nothing); PERSISTENT RESERVE commands conflict too (SPC-4
 * 5.13.3). */
static bool spc2_holder_is(const struct scst_pr *pr, const struct scst_pr_nexus *nx)
{
	return pr->spc2_rel_tgt_id == nx->rel_tgt_id &&
	       strcasecmp(pr->spc2_initiator, nx->initiator) == 0;
}

static bool spc2_allowed(const struct scst_device *dev, const struct scst_session *sess,
			 const struct scst_pr_nexus *nx, enum scst_resv_access access)
{
	if (dev->pr_backend ? !dev->pr->spc2_initiator[0] || spc2_holder_is(dev->pr, nx)
			    : !dev->reserved_by || dev->reserved_by == sess)
		return true;
	return access == SCST_RESV_ALWAYS || access == SCST_RESV_RELEASE;
}

bool scst_check_reservation(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	enum scst_resv_access access;
	struct scst_pr_nexus nx;
	bool allowed;

	if (!__atomic_load_n(&dev->resv_active, __ATOMIC_ACQUIRE))
		return true;
	access = scst_resv_access_of(cmd);
	nx.initiator = scst_sess_pr_name(cmd->sess);
	pthread_mutex_lock(&dev->lock);
	/* Read under the lock a rel_tgt_id change re-keys registrations
	 * under, so the two always agree. */
	nx.rel_tgt_id = __atomic_load_n(&cmd->sess->tgt->rel_tgt_id, __ATOMIC_RELAXED);
	allowed = spc2_allowed(dev, cmd->sess, &nx, access) &&
		  (!dev->pr || scst_pr_allowed(dev->pr, &nx, access));
	pthread_mutex_unlock(&dev->lock);
	if (!allowed) {
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
		cmd->sense_len = 0;
	}
	return allowed;
}

/* ---------------------------------------------------------------------- */
/* Shared devices: the holder in the shared state                           */

static enum scst_sense_id shared_reserve(struct scst_pr *pr, void *arg, struct scst_pr_changes *c)
{
	const struct scst_pr_nexus *nx = arg;

	(void)c;
	if (pr->nregs || (pr->spc2_initiator[0] && !spc2_holder_is(pr, nx)))
		return SCST_PR_CONFLICT;
	memcpy(pr->spc2_initiator, nx->initiator, strlen(nx->initiator) + 1);
	pr->spc2_rel_tgt_id = nx->rel_tgt_id;
	return SCST_S_OK;
}

/* Releases the holder nx (NULL: whoever holds it).  A RELEASE from
 * another nexus does nothing, and SCST_S_OK stores nothing new. */
static enum scst_sense_id shared_release(struct scst_pr *pr, void *arg, struct scst_pr_changes *c)
{
	const struct scst_pr_nexus *nx = arg;

	(void)c;
	if (!pr->spc2_initiator[0] || (nx && !spc2_holder_is(pr, nx)))
		return SCST_PR_UNCHANGED;
	pr->spc2_initiator[0] = '\0';
	pr->spc2_rel_tgt_id = 0;
	return SCST_S_OK;
}

static struct scst_pr_nexus sess_nexus(const struct scst_session *sess)
{
	struct scst_pr_nexus nx = {
		scst_sess_pr_name(sess),
		__atomic_load_n(&sess->tgt->rel_tgt_id, __ATOMIC_RELAXED),
	};

	return nx;
}

static void shared_exec(struct scst_cmd *cmd, scst_pr_change_fn fn)
{
	struct scst_pr_changes c = { .dev = cmd->dev };
	struct scst_pr_nexus nx = sess_nexus(cmd->sess);
	enum scst_sense_id rc = scst_pr_shared_change(cmd->dev, fn, &nx, &c);

	if (rc == SCST_PR_CONFLICT)
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
	else if (rc != SCST_S_OK && rc != SCST_PR_UNCHANGED)
		scst_set_cmd_error(cmd, rc);
	free(c.notes);
	free(c.preempted);
}

/* A reset, or the end of the holder's session (nx), releases it. */
static void shared_release_by(struct scst_device *dev, const struct scst_pr_nexus *nx)
{
	struct scst_pr_changes c = { .dev = dev };
	enum scst_sense_id rc = scst_pr_shared_change(dev, shared_release, (void *)nx, &c);

	if (rc != SCST_S_OK && rc != SCST_PR_UNCHANGED)
		log_err("device %s: the SPC-2 reservation could not be released in the shared "
			"state", dev->name);
	free(c.notes);
	free(c.preempted);
}

/* Whether the local copy says sess's nexus holds it (then the shared
 * state is worth a look). */
static bool shared_held_by(struct scst_device *dev, const struct scst_session *sess)
{
	struct scst_pr_nexus nx = sess_nexus(sess);
	bool held;

	pthread_mutex_lock(&dev->lock);
	held = dev->pr->spc2_initiator[0] && spc2_holder_is(dev->pr, &nx);
	pthread_mutex_unlock(&dev->lock);
	return held;
}

/* ---------------------------------------------------------------------- */

/* RESERVE(6)/(10).  The check step already refused other holders; this
 * repeats the test under the lock, since another session may have
 * reserved in between. */
void scst_reserve_exec(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	bool ok;

	if (dev->pr_backend) {
		shared_exec(cmd, shared_reserve);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	ok = (!dev->reserved_by || dev->reserved_by == cmd->sess) &&
	     !(dev->pr && dev->pr->nregs);
	if (ok) {
		dev->reserved_by = cmd->sess;
		scst_resv_update_hint(dev);
	}
	pthread_mutex_unlock(&dev->lock);
	if (!ok)
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
}

/* RELEASE(6)/(10): from anyone but the holder it succeeds doing nothing. */
void scst_release_exec(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;

	if (dev->pr_backend) {
		shared_exec(cmd, shared_release);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->reserved_by == cmd->sess) {
		dev->reserved_by = NULL;
		scst_resv_update_hint(dev);
	}
	pthread_mutex_unlock(&dev->lock);
}

/* LUN or target reset: the SPC-2 reservation ends (persistent ones stay). */
void scst_reserve_reset(struct scst_device *dev)
{
	if (dev->pr_backend) {
		shared_release_by(dev, NULL);
		return;
	}
	pthread_mutex_lock(&dev->lock);
	dev->reserved_by = NULL;
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
}

/* The session is going away: a reservation it held ends with it. */
void scst_reserve_session_gone(struct scst_device *dev, const struct scst_session *sess)
{
	if (dev->pr_backend) {
		if (shared_held_by(dev, sess)) {
			struct scst_pr_nexus nx = sess_nexus(sess);

			shared_release_by(dev, &nx);
		}
		return;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->reserved_by == sess) {
		dev->reserved_by = NULL;
		scst_resv_update_hint(dev);
	}
	pthread_mutex_unlock(&dev->lock);
}
