/* alua_priv.h - what alua.c (the model) lends alua_cmd.c (the command
 * side).  Callers hold scst_mutex. */
#ifndef SCSTD_CORE_ALUA_PRIV_H
#define SCSTD_CORE_ALUA_PRIV_H

#include "alua.h"

/* The target group of dg holding a port named name, or NULL. */
struct scst_target_group *scst_tg_of_port(const struct scst_dev_group *dg, const char *name);
struct scst_target_group *scst_tg_by_id(const struct scst_dev_group *dg, uint16_t id);
/* A new state for every port of tg (no-op when unchanged): the nexuses
 * of the group's devices are updated, then told (all but `except`'s). */
void scst_tg_change_state_locked(struct scst_target_group *tg, uint8_t state, uint8_t status,
				 const struct scst_session *except);

#endif
