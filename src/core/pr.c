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
	pr->spc2_initiator[0] = '\0';
	pr->spc2_rel_tgt_id = 0;
}

static void copy_spc2(struct scst_pr *dst, const struct scst_pr *src)
{
	memcpy(dst->spc2_initiator, src->spc2_initiator, sizeof(dst->spc2_initiator));
	dst->spc2_rel_tgt_id = src->spc2_rel_tgt_id;
}

bool scst_pr_state_copy(struct scst_pr *dst, const struct scst_pr *src)
{
	const struct scst_pr_reg *reg;

	list_for_each_entry(reg, &src->regs, node) {
		struct scst_pr_reg *c = malloc(sizeof(*c));

		if (!c) {
			scst_pr_state_clear(dst);
			return false;
		}
		*c = *reg;
		list_add_tail(&c->node, &dst->regs);
		dst->nregs++;
		if (src->holder == reg)
			dst->holder = c;
	}
	dst->generation = src->generation;
	dst->aptpl = src->aptpl;
	dst->type = src->type;
	copy_spc2(dst, src);
	return true;
}

void scst_pr_state_move(struct scst_pr *dst, struct scst_pr *src)
{
	struct scst_pr_reg *reg, *tmp;

	scst_pr_state_clear(dst);
	list_for_each_entry_safe(reg, tmp, &src->regs, node) {
		list_del(&reg->node);
		list_add_tail(&reg->node, &dst->regs);
	}
	dst->nregs = src->nregs;
	dst->generation = src->generation;
	dst->aptpl = src->aptpl;
	dst->type = src->type;
	dst->holder = src->holder;
	copy_spc2(dst, src);
	src->spc2_initiator[0] = '\0';
	src->nregs = 0;
	src->type = SCST_PR_TYPE_NONE;
	src->holder = NULL;
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

/* iSCSI names compare case-insensitively (RFC 3722 folds case). */
static bool reg_of(const struct scst_pr_reg *reg, const char *initiator)
{
	return strcasecmp(reg->initiator, initiator) == 0;
}

struct scst_pr_reg *scst_pr_find_reg(const struct scst_pr *pr, const struct scst_pr_nexus *nx)
{
	struct scst_pr_reg *reg;

	list_for_each_entry(reg, &pr->regs, node)
		if ((reg->all_tg_pt || reg->rel_tgt_id == nx->rel_tgt_id) &&
		    reg_of(reg, nx->initiator))
			return reg;
	return NULL;
}

struct scst_pr_reg *scst_pr_find_initiator(const struct scst_pr *pr, const char *initiator)
{
	struct scst_pr_reg *reg;

	list_for_each_entry(reg, &pr->regs, node)
		if (reg_of(reg, initiator))
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

/* An ALL_TG_PT registration takes the place of the initiator's
 * registrations through single ports, and of the reservation one holds. */
static void absorb_other_ports(struct scst_pr *pr, struct scst_pr_reg *all)
{
	struct scst_pr_reg *reg, *tmp;

	list_for_each_entry_safe(reg, tmp, &pr->regs, node) {
		if (reg == all || !reg_of(reg, all->initiator))
			continue;
		if (pr->holder == reg)
			pr->holder = all;
		list_del(&reg->node);
		pr->nregs--;
		free(reg);
	}
}

/* The first registration of a nexus.  ALL_TG_PT registers it through
 * every target port, as if the command had come through each: where the
 * initiator is registered already, REGISTER's key zero conflicts, and
 * REGISTER AND IGNORE EXISTING KEY takes that registration over. */
static enum scst_sense_id register_new(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				       const struct scst_pr_out_params *p)
{
	bool ignore = p->sa == SCST_PR_REGISTER_AND_IGNORE;
	struct scst_pr_reg *reg;

	if (!ignore && p->key != 0)
		return SCST_PR_CONFLICT;
	if (p->sa_key == 0)
		return SCST_S_OK;       /* nothing to register or drop */
	if (p->all_tg_pt && !ignore && scst_pr_find_initiator(pr, nx->initiator))
		return SCST_PR_CONFLICT;
	reg = scst_pr_add_reg(pr, nx->initiator, nx->rel_tgt_id, p->sa_key);
	if (!reg)
		return SCST_S_INSUFFICIENT_REG_RESOURCES;
	if (p->all_tg_pt) {
		reg->all_tg_pt = true;
		absorb_other_ports(pr, reg);
	}
	pr->generation++;
	return SCST_S_OK;
}

/* Unregistering with ALL_TG_PT drops the initiator's registrations
 * through the other ports too (an ALL_TG_PT registration is one). */
static void unregister_initiator(struct scst_pr *pr, const char *initiator,
				 scst_pr_notify_fn notify, void *ctx)
{
	struct scst_pr_reg *reg, *tmp;

	list_for_each_entry_safe(reg, tmp, &pr->regs, node)
		if (reg_of(reg, initiator))
			remove_reg(pr, reg, notify, ctx);
}

static enum scst_sense_id do_register(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				      struct scst_pr_reg *reg, const struct scst_pr_out_params *p,
				      scst_pr_notify_fn notify, void *ctx)
{
	if (!reg)
		return register_new(pr, nx, p);
	if (p->sa != SCST_PR_REGISTER_AND_IGNORE && p->key != reg->key)
		return SCST_PR_CONFLICT;
	if (p->sa_key == 0) {
		remove_reg(pr, reg, notify, ctx);
		if (p->all_tg_pt)
			unregister_initiator(pr, nx->initiator, notify, ctx);
	} else {
		reg->key = p->sa_key;
	}
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
				      const struct scst_pr_out_params *p, scst_pr_notify_fn notify,
				      void *ctx)
{
	struct scst_pr_reg *reg = scst_pr_find_reg(pr, nx);
	enum scst_sense_id rc;

	if (p->sa == SCST_PR_REGISTER || p->sa == SCST_PR_REGISTER_AND_IGNORE) {
		if (p->aptpl && !p->can_persist)
			return SCST_S_INVALID_FIELD_IN_PARAM;
		rc = do_register(pr, nx, reg, p, notify, ctx);
		if (rc == SCST_S_OK && (reg || p->sa_key))
			pr->aptpl = p->aptpl;   /* the last REGISTER decides */
		return rc;
	}
	if (!reg || reg->key != p->key)
		return SCST_PR_CONFLICT;
	switch (p->sa) {
	case SCST_PR_RESERVE:
		return do_reserve(pr, reg, p->type);
	case SCST_PR_RELEASE:
		return do_release(pr, reg, p->type, notify, ctx);
	case SCST_PR_CLEAR:
		do_clear(pr, reg, notify, ctx);
		return SCST_S_OK;
	case SCST_PR_PREEMPT:
	case SCST_PR_PREEMPT_AND_ABORT:
		return do_preempt(pr, reg, p->type, p->sa_key, notify, ctx);
	default:
		return SCST_S_INVALID_FIELD_IN_CDB;
	}
}

/* Only the holder of a single-holder reservation may move it (SPC-4
 * 5.13.8); no reservation at all is a malformed request, as SCST and LIO
 * answer it. */
static enum scst_sense_id move_allowed(const struct scst_pr *pr, const struct scst_pr_reg *reg,
				       uint64_t key)
{
	if (!reg || reg->key != key)
		return SCST_PR_CONFLICT;
	if (pr->type == SCST_PR_TYPE_NONE)
		return SCST_S_INVALID_FIELD_IN_CDB;
	if (scst_pr_type_all_registrants(pr->type) || pr->holder != reg)
		return SCST_PR_CONFLICT;
	return SCST_S_OK;
}

enum scst_sense_id scst_pr_register_move(struct scst_pr *pr, const struct scst_pr_nexus *nx,
					 const struct scst_pr_out_params *p,
					 const struct scst_pr_nexus *dest, bool unreg,
					 uint32_t *bad_byte)
{
	struct scst_pr_reg *reg = scst_pr_find_reg(pr, nx), *to;
	enum scst_sense_id rc = move_allowed(pr, reg, p->key);

	if (rc != SCST_S_OK)
		return rc;
	if (p->sa_key == 0) {
		*bad_byte = 8;
		return SCST_S_INVALID_FIELD_IN_PARAM;
	}
	to = scst_pr_find_reg(pr, dest);
	if (to == reg) {
		*bad_byte = 24;         /* the issuer's own I_T nexus */
		return SCST_S_INVALID_FIELD_IN_PARAM;
	}
	if (!to)
		to = scst_pr_add_reg(pr, dest->initiator, dest->rel_tgt_id, p->sa_key);
	if (!to)
		return SCST_S_INSUFFICIENT_REG_RESOURCES;
	to->key = p->sa_key;
	pr->holder = to;
	if (unreg) {
		list_del(&reg->node);
		pr->nregs--;
		free(reg);
	}
	pr->aptpl = p->aptpl;
	pr->generation++;
	return SCST_S_OK;
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

/* With ALL_TG_PT a named initiator registered through any port is a
 * registered nexus of the request. */
static bool named_registered(const struct scst_pr *pr, const char *initiator, uint16_t port,
			     bool all_tg_pt)
{
	struct scst_pr_nexus t = { initiator, port };

	return all_tg_pt ? scst_pr_find_initiator(pr, initiator) != NULL
			 : scst_pr_find_reg(pr, &t) != NULL;
}

static struct scst_pr_reg *add_spec_reg(struct scst_pr *pr, const char *initiator,
					const struct scst_pr_nexus *nx,
					const struct scst_pr_out_params *p)
{
	struct scst_pr_reg *reg = scst_pr_add_reg(pr, initiator, nx->rel_tgt_id, p->sa_key);

	if (reg)
		reg->all_tg_pt = p->all_tg_pt;
	return reg;
}

enum scst_sense_id scst_pr_register_spec(struct scst_pr *pr, const struct scst_pr_nexus *nx,
					 const struct scst_pr_out_params *p,
					 const struct scst_pr_tid *tids, unsigned n)
{
	/* A registered issuer may not name others (SPC-4 6.16.3). */
	if (named_registered(pr, nx->initiator, nx->rel_tgt_id, p->all_tg_pt))
		return SCST_S_INVALID_FIELD_IN_CDB;
	if (p->key != 0)
		return SCST_PR_CONFLICT;
	if (p->sa_key == 0)
		return SCST_S_OK;       /* nothing to register */
	for (unsigned i = 0; i < n; i++)
		if (strcasecmp(tids[i].initiator, nx->initiator) != 0 &&
		    named_registered(pr, tids[i].initiator, nx->rel_tgt_id, p->all_tg_pt))
			return SCST_PR_CONFLICT;
	if (pr->nregs + n + 1 > SCST_PR_MAX_REGS)
		return SCST_S_INSUFFICIENT_REG_RESOURCES;
	if (!add_spec_reg(pr, nx->initiator, nx, p))
		return SCST_S_INSUFFICIENT_REG_RESOURCES;
	for (unsigned i = 0, added = 1; i < n; i++) {
		if (strcasecmp(tids[i].initiator, nx->initiator) == 0 || named_twice(tids, i))
			continue;
		if (!add_spec_reg(pr, tids[i].initiator, nx, p)) {
			drop_newest(pr, added);
			return SCST_S_INSUFFICIENT_REG_RESOURCES;
		}
		added++;
	}
	pr->aptpl = p->aptpl;
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
