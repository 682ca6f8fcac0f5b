/* pr.c - the persistent reservation state machine (SPC-4 5.13): what each
 * PERSISTENT RESERVE OUT service action does to the registrations and the
 * reservation, which unit attentions it leaves behind, and which commands
 * a reservation lets through.  Pure state: no commands, no locking (the
 * caller holds dev->lock), no files. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pr.h"

void scst_pr_state_init(struct scst_pr *pr)
{
	memset(pr, 0, sizeof(*pr));
	list_init(&pr->regs);
}

void scst_pr_state_clear(struct scst_pr *pr)
{
	struct scst_pr_reg *reg, *tmp;

	list_for_each_entry_safe(reg, tmp, &pr->regs, node) {
		list_del(&reg->node);
		free(reg);
	}
	pr->nregs = 0;
	pr->type = SCST_PR_TYPE_NONE;
	pr->holder = NULL;
}

bool scst_pr_type_valid(unsigned type)
{
	switch (type) {
	case SCST_PR_TYPE_WE:
	case SCST_PR_TYPE_EA:
	case SCST_PR_TYPE_WE_RO:
	case SCST_PR_TYPE_EA_RO:
	case SCST_PR_TYPE_WE_AR:
	case SCST_PR_TYPE_EA_AR:
		return true;
	default:
		return false;
	}
}

bool scst_pr_type_all_registrants(unsigned type)
{
	return type == SCST_PR_TYPE_WE_AR || type == SCST_PR_TYPE_EA_AR;
}

/* Registrants-only and all-registrants reservations: their release is news
 * to the other registrants (SPC-4 5.13.11.2). */
static bool type_involves_registrants(unsigned type)
{
	return type == SCST_PR_TYPE_WE_RO || type == SCST_PR_TYPE_EA_RO ||
	       scst_pr_type_all_registrants(type);
}

struct scst_pr_reg *scst_pr_find_reg(const struct scst_pr *pr, const struct scst_pr_nexus *nx)
{
	struct scst_pr_reg *reg;

	/* iSCSI names compare case-insensitively (RFC 3722 folds case). */
	list_for_each_entry(reg, &pr->regs, node)
		if (reg->rel_tgt_id == nx->rel_tgt_id &&
		    strcasecmp(reg->initiator, nx->initiator) == 0)
			return reg;
	return NULL;
}

struct scst_pr_reg *scst_pr_add_reg(struct scst_pr *pr, const char *initiator,
				    uint16_t rel_tgt_id, uint64_t key)
{
	struct scst_pr_reg *reg;

	if (pr->nregs >= SCST_PR_MAX_REGS || strlen(initiator) >= SCST_NAME_MAX)
		return NULL;
	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return NULL;
	memcpy(reg->initiator, initiator, strlen(initiator) + 1);
	reg->rel_tgt_id = rel_tgt_id;
	reg->key = key;
	list_add_tail(&reg->node, &pr->regs);
	pr->nregs++;
	return reg;
}

bool scst_pr_is_holder(const struct scst_pr *pr, const struct scst_pr_reg *reg)
{
	if (!reg || pr->type == SCST_PR_TYPE_NONE)
		return false;
	return scst_pr_type_all_registrants(pr->type) || pr->holder == reg;
}

static void release_reservation(struct scst_pr *pr)
{
	pr->type = SCST_PR_TYPE_NONE;
	pr->holder = NULL;
}

/* Tells every registration except `except` about ua. */
static void notify_others(struct scst_pr *pr, const struct scst_pr_reg *except,
			  enum scst_sense_id ua, scst_pr_notify_fn notify, void *ctx)
{
	struct scst_pr_reg *reg;

	list_for_each_entry(reg, &pr->regs, node)
		if (reg != except)
			notify(ctx, reg, ua);
}

/* Removes one registration with what that does to the reservation: a
 * holder's reservation goes with it; an all-registrants one only with the
 * last registrant (SPC-4 5.13.11.2). */
static void remove_reg(struct scst_pr *pr, struct scst_pr_reg *reg, scst_pr_notify_fn notify,
		       void *ctx)
{
	list_del(&reg->node);
	pr->nregs--;
	if (pr->type != SCST_PR_TYPE_NONE && !scst_pr_type_all_registrants(pr->type) &&
	    pr->holder == reg) {
		if (type_involves_registrants(pr->type))
			notify_others(pr, NULL, SCST_S_UA_RESERVATIONS_RELEASED, notify, ctx);
		release_reservation(pr);
	}
	if (pr->nregs == 0)
		release_reservation(pr);
	free(reg);
}

static enum scst_sense_id do_register(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				      struct scst_pr_reg *reg, uint64_t key, uint64_t sa_key,
				      bool ignore, scst_pr_notify_fn notify, void *ctx)
{
	if (!reg) {
		if (!ignore && key != 0)
			return SCST_PR_CONFLICT;
		if (sa_key == 0)
			return SCST_S_OK;       /* nothing to register or drop */
		if (!scst_pr_add_reg(pr, nx->initiator, nx->rel_tgt_id, sa_key))
			return SCST_S_INSUFFICIENT_RESOURCES;
		pr->generation++;
		return SCST_S_OK;
	}
	if (!ignore && key != reg->key)
		return SCST_PR_CONFLICT;
	if (sa_key == 0)
		remove_reg(pr, reg, notify, ctx);
	else
		reg->key = sa_key;
	pr->generation++;
	return SCST_S_OK;
}

static enum scst_sense_id do_reserve(struct scst_pr *pr, struct scst_pr_reg *reg, unsigned type)
{
	if (pr->type != SCST_PR_TYPE_NONE) {
		/* Only the holder may repeat its own reservation. */
		if (scst_pr_is_holder(pr, reg) && pr->type == type)
			return SCST_S_OK;
		return SCST_PR_CONFLICT;
	}
	pr->type = (uint8_t)type;
	pr->holder = scst_pr_type_all_registrants(type) ? NULL : reg;
	return SCST_S_OK;
}

static enum scst_sense_id do_release(struct scst_pr *pr, struct scst_pr_reg *reg, unsigned type,
				     scst_pr_notify_fn notify, void *ctx)
{
	unsigned old = pr->type;

	if (old == SCST_PR_TYPE_NONE || !scst_pr_is_holder(pr, reg))
		return SCST_S_OK;
	if (old != type)
		return SCST_S_INVALID_RELEASE_OF_PR;
	release_reservation(pr);
	if (type_involves_registrants(old))
		notify_others(pr, reg, SCST_S_UA_RESERVATIONS_RELEASED, notify, ctx);
	return SCST_S_OK;
}

static void do_clear(struct scst_pr *pr, struct scst_pr_reg *issuer, scst_pr_notify_fn notify,
		     void *ctx)
{
	notify_others(pr, issuer, SCST_S_UA_RESERVATIONS_PREEMPTED, notify, ctx);
	scst_pr_state_clear(pr);
	pr->generation++;
}

/* Removes every registration holding sa_key (all others when all_others),
 * except the issuer's; returns how many went. */
static unsigned preempt_regs(struct scst_pr *pr, struct scst_pr_reg *issuer, uint64_t sa_key,
			     bool all_others, scst_pr_notify_fn notify, void *ctx)
{
	struct scst_pr_reg *reg, *tmp;
	unsigned n = 0;

	list_for_each_entry_safe(reg, tmp, &pr->regs, node) {
		if (reg == issuer || (!all_others && reg->key != sa_key))
			continue;
		notify(ctx, reg, SCST_S_UA_REGISTRATIONS_PREEMPTED);
		if (pr->holder == reg)
			pr->holder = NULL;
		list_del(&reg->node);
		pr->nregs--;
		free(reg);
		n++;
	}
	return n;
}

/* PREEMPT (and PREEMPT AND ABORT): SPC-4 5.13.11.4. */
static enum scst_sense_id do_preempt(struct scst_pr *pr, struct scst_pr_reg *issuer,
				     unsigned type, uint64_t sa_key, scst_pr_notify_fn notify,
				     void *ctx)
{
	bool all_reg = scst_pr_type_all_registrants(pr->type);
	unsigned old_type = pr->type;

	if (pr->type != SCST_PR_TYPE_NONE && all_reg && sa_key == 0) {
		preempt_regs(pr, issuer, 0, true, notify, ctx);
		pr->type = (uint8_t)type;
		pr->holder = scst_pr_type_all_registrants(type) ? NULL : issuer;
	} else if (pr->type != SCST_PR_TYPE_NONE && !all_reg && pr->holder &&
		   pr->holder->key == sa_key) {
		preempt_regs(pr, issuer, sa_key, false, notify, ctx);
		pr->type = (uint8_t)type;
		pr->holder = scst_pr_type_all_registrants(type) ? NULL : issuer;
		if (old_type != type)
			notify_others(pr, issuer, SCST_S_UA_RESERVATIONS_RELEASED, notify, ctx);
	} else {
		/* No reservation, or it is not the preempted key's: only
		 * registrations go. */
		if (sa_key == 0)
			return SCST_S_INVALID_FIELD_IN_PARAM;
		if (!preempt_regs(pr, issuer, sa_key, false, notify, ctx))
			return SCST_PR_CONFLICT;
	}
	pr->generation++;
	return SCST_S_OK;
}

enum scst_sense_id scst_pr_out_action(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				      unsigned sa, unsigned type, uint64_t key, uint64_t sa_key,
				      bool aptpl, bool can_persist, scst_pr_notify_fn notify,
				      void *ctx)
{
	struct scst_pr_reg *reg = scst_pr_find_reg(pr, nx);
	enum scst_sense_id rc;

	if (sa == SCST_PR_REGISTER || sa == SCST_PR_REGISTER_AND_IGNORE) {
		if (aptpl && !can_persist)
			return SCST_S_INVALID_FIELD_IN_PARAM;
		rc = do_register(pr, nx, reg, key, sa_key, sa == SCST_PR_REGISTER_AND_IGNORE,
				 notify, ctx);
		if (rc == SCST_S_OK && (reg || sa_key))
			pr->aptpl = aptpl;      /* the last REGISTER decides */
		return rc;
	}
	if (!reg || reg->key != key)
		return SCST_PR_CONFLICT;
	switch (sa) {
	case SCST_PR_RESERVE:
		return do_reserve(pr, reg, type);
	case SCST_PR_RELEASE:
		return do_release(pr, reg, type, notify, ctx);
	case SCST_PR_CLEAR:
		do_clear(pr, reg, notify, ctx);
		return SCST_S_OK;
	case SCST_PR_PREEMPT:
	case SCST_PR_PREEMPT_AND_ABORT:
		return do_preempt(pr, reg, type, sa_key, notify, ctx);
	default:
		return SCST_S_INVALID_FIELD_IN_CDB;
	}
}

/* Undoes up to n registrations just appended (all or none). */
static void drop_newest(struct scst_pr *pr, unsigned n)
{
	while (n-- && pr->nregs) {
		struct scst_pr_reg *reg = list_last_entry(&pr->regs, struct scst_pr_reg, node);

		list_del(&reg->node);
		pr->nregs--;
		free(reg);
	}
}

static bool named_twice(const struct scst_pr_tid *tids, unsigned i)
{
	for (unsigned j = 0; j < i; j++)
		if (strcasecmp(tids[j].initiator, tids[i].initiator) == 0)
			return true;
	return false;
}

enum scst_sense_id scst_pr_register_spec(struct scst_pr *pr, const struct scst_pr_nexus *nx,
					 uint64_t key, uint64_t sa_key, bool aptpl,
					 const struct scst_pr_tid *tids, unsigned n)
{
	/* A registered issuer may not name others (SPC-4 6.16.3). */
	if (scst_pr_find_reg(pr, nx))
		return SCST_S_INVALID_FIELD_IN_CDB;
	if (key != 0)
		return SCST_PR_CONFLICT;
	if (sa_key == 0)
		return SCST_S_OK;       /* nothing to register */
	for (unsigned i = 0; i < n; i++) {
		struct scst_pr_nexus t = { tids[i].initiator, nx->rel_tgt_id };

		if (scst_pr_find_reg(pr, &t) && strcasecmp(t.initiator, nx->initiator) != 0)
			return SCST_PR_CONFLICT;
	}
	if (pr->nregs + n + 1 > SCST_PR_MAX_REGS)
		return SCST_S_INSUFFICIENT_RESOURCES;
	if (!scst_pr_add_reg(pr, nx->initiator, nx->rel_tgt_id, sa_key))
		return SCST_S_INSUFFICIENT_RESOURCES;
	for (unsigned i = 0, added = 1; i < n; i++) {
		if (strcasecmp(tids[i].initiator, nx->initiator) == 0 || named_twice(tids, i))
			continue;
		if (!scst_pr_add_reg(pr, tids[i].initiator, nx->rel_tgt_id, sa_key)) {
			drop_newest(pr, added);
			return SCST_S_INSUFFICIENT_RESOURCES;
		}
		added++;
	}
	pr->aptpl = aptpl;
	pr->generation++;
	return SCST_S_OK;
}

bool scst_pr_allowed(const struct scst_pr *pr, const struct scst_pr_nexus *nx,
		     enum scst_resv_access access)
{
	const struct scst_pr_reg *reg;

	switch (access) {
	case SCST_RESV_ALWAYS:
	case SCST_RESV_PR:
	case SCST_RESV_RELEASE:
		return true;
	case SCST_RESV_RESERVE:
		/* SPC-2 RESERVE is refused while persistent registrations
		 * exist (compatible reservation handling, SPC-4 5.13.3). */
		return pr->nregs == 0;
	default:
		break;
	}
	if (pr->type == SCST_PR_TYPE_NONE)
		return true;
	reg = scst_pr_find_reg(pr, nx);
	if (scst_pr_is_holder(pr, reg))
		return true;
	switch (pr->type) {
	case SCST_PR_TYPE_WE:
		return access == SCST_RESV_READ;
	case SCST_PR_TYPE_WE_RO:
	case SCST_PR_TYPE_WE_AR:
		return reg || access == SCST_RESV_READ;
	case SCST_PR_TYPE_EA_RO:
	case SCST_PR_TYPE_EA_AR:
		return reg != NULL;
	default:                /* Exclusive Access */
		return false;
	}
}
