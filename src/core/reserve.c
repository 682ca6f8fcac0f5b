/* reserve.c - SPC-2 reservations (RESERVE/RELEASE 6 and 10) and the
 * reservation step of the command check: which commands a reservation,
 * SPC-2 or persistent, lets through from which nexus.
 *
 * An SPC-2 reservation belongs to one session (I_T nexus) and ends with
 * RELEASE from that session, a LUN or target reset, or the session's end.
 * State is per device under dev->lock; the command path looks at the
 * resv_active hint first and takes the lock only while something is held. */
#include "cdb.h"
#include "pr.h"
#include "scst.h"
#include "scst_priv.h"

/* Which commands get through a reservation held by another nexus: the
 * class the opcode table's row gives the command. */
enum scst_resv_access scst_resv_access_of(const struct scst_cmd *cmd)
{
	return (enum scst_resv_access)cmd->op->resv;
}

/* Caller holds dev->lock. */
void scst_resv_update_hint(struct scst_device *dev)
{
	bool active = dev->reserved_by || (dev->pr && dev->pr->nregs);

	__atomic_store_n(&dev->resv_active, active, __ATOMIC_RELEASE);
}

/* SPC-2: another nexus's reservation leaves only ALWAYS and RELEASE (which
 * then does nothing); PERSISTENT RESERVE commands conflict too (SPC-4
 * 5.13.3). */
static bool spc2_allowed(const struct scst_device *dev, const struct scst_session *sess,
			 enum scst_resv_access access)
{
	if (!dev->reserved_by || dev->reserved_by == sess)
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
	allowed = spc2_allowed(dev, cmd->sess, access) &&
		  (!dev->pr || scst_pr_allowed(dev->pr, &nx, access));
	pthread_mutex_unlock(&dev->lock);
	if (!allowed) {
		cmd->status = SAM_STAT_RESERVATION_CONFLICT;
		cmd->sense_len = 0;
	}
	return allowed;
}

/* RESERVE(6)/(10).  The check step already refused other holders; this
 * repeats the test under the lock, since another session may have
 * reserved in between. */
void scst_reserve_exec(struct scst_cmd *cmd)
{
	struct scst_device *dev = cmd->dev;
	bool ok;

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
	pthread_mutex_lock(&dev->lock);
	dev->reserved_by = NULL;
	scst_resv_update_hint(dev);
	pthread_mutex_unlock(&dev->lock);
}

/* The session is going away: a reservation it held ends with it. */
void scst_reserve_session_gone(struct scst_device *dev, const struct scst_session *sess)
{
	pthread_mutex_lock(&dev->lock);
	if (dev->reserved_by == sess) {
		dev->reserved_by = NULL;
		scst_resv_update_hint(dev);
	}
	pthread_mutex_unlock(&dev->lock);
}
