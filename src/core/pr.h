/* pr.h - persistent reservation state (SPC-4 5.13) shared by the state
 * machine (pr.c), its persistence (pr_store.c) and the conflict check
 * (reserve.c).  Core-private. */
#ifndef SCSTD_CORE_PR_H
#define SCSTD_CORE_PR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scst.h"

/* Reservation types (PERSISTENT RESERVE OUT TYPE field). */
enum {
	SCST_PR_TYPE_NONE = 0,
	SCST_PR_TYPE_WE = 1,
	SCST_PR_TYPE_EA = 3,
	SCST_PR_TYPE_WE_RO = 5,
	SCST_PR_TYPE_EA_RO = 6,
	SCST_PR_TYPE_WE_AR = 7,
	SCST_PR_TYPE_EA_AR = 8,
};

/* PERSISTENT RESERVE OUT service actions. */
enum {
	SCST_PR_REGISTER = 0,
	SCST_PR_RESERVE = 1,
	SCST_PR_RELEASE = 2,
	SCST_PR_CLEAR = 3,
	SCST_PR_PREEMPT = 4,
	SCST_PR_PREEMPT_AND_ABORT = 5,
	SCST_PR_REGISTER_AND_IGNORE = 6,
	SCST_PR_REGISTER_AND_MOVE = 7,
};

/* More registrations than this are refused (and rejected in a file). */
#define SCST_PR_MAX_REGS 1024

/* Returned by the state machine in place of a sense id. */
#define SCST_PR_CONFLICT SCST_S__COUNT
/* A change function's "nothing to change": not an error, nothing stored. */
#define SCST_PR_UNCHANGED (SCST_S__COUNT + 1)

/* An I_T nexus as registrations know it: initiator port name and the
 * relative target port identifier (SCST_PR_ALL_PORTS in a list of
 * preempted nexuses: the initiator through every target port). */
struct scst_pr_nexus {
	const char *initiator;
	uint16_t rel_tgt_id;
};

#define SCST_PR_ALL_PORTS 0     /* relative port ids start at 1 */

/* One registration.  With all_tg_pt (REGISTER with ALL_TG_PT, SPC-4
 * 6.16.3) it stands for the initiator through every target port of the
 * device, present and future; rel_tgt_id is then the port it was made
 * through, reported but not matched. */
struct scst_pr_reg {
	struct list_head node;
	uint64_t key;
	uint16_t rel_tgt_id;
	bool all_tg_pt;
	char initiator[SCST_NAME_MAX];
};

struct scst_pr {
	uint32_t generation;
	bool aptpl;
	uint8_t type;                   /* SCST_PR_TYPE_NONE: no reservation */
	struct scst_pr_reg *holder;     /* NULL for all-registrants types */
	struct list_head regs;
	unsigned nregs;
	/* The SPC-2 RESERVE holder of a shared device (reserve.c), "" when
	 * none; a device of one daemon keeps its session in dev->reserved_by. */
	char spc2_initiator[SCST_NAME_MAX];
	uint16_t spc2_rel_tgt_id;
};

/* How a command relates to reservations (reserve.c classifies opcodes). */
enum scst_resv_access {
	SCST_RESV_ALWAYS,       /* INQUIRY, TEST UNIT READY, READ CAPACITY... */
	SCST_RESV_READ,         /* reads the medium: allowed under Write Exclusive */
	SCST_RESV_WRITE,        /* everything else: conflicts for non-holders */
	SCST_RESV_PR,           /* PERSISTENT RESERVE IN/OUT: own rules */
	SCST_RESV_RESERVE,      /* RESERVE(6/10) */
	SCST_RESV_RELEASE,      /* RELEASE(6/10): a no-op for non-holders */
};

/* Called for each registration a service action affects, before a removed
 * registration is freed; ua is the unit attention its nexus should get. */
typedef void (*scst_pr_notify_fn)(void *ctx, const struct scst_pr_reg *reg,
				  enum scst_sense_id ua);

void scst_pr_state_init(struct scst_pr *pr);
void scst_pr_state_clear(struct scst_pr *pr);   /* frees registrations */
/* Deep copy of src into an initialised, empty dst (holder included);
 * false when out of memory (dst is then left empty). */
bool scst_pr_state_copy(struct scst_pr *dst, const struct scst_pr *src);
/* Replaces dst's state by src's; src is left empty. */
void scst_pr_state_move(struct scst_pr *dst, struct scst_pr *src);
/* The registration covering nexus nx (its own or an ALL_TG_PT one). */
struct scst_pr_reg *scst_pr_find_reg(const struct scst_pr *pr, const struct scst_pr_nexus *nx);
/* Any registration of the initiator, through whichever port. */
struct scst_pr_reg *scst_pr_find_initiator(const struct scst_pr *pr, const char *initiator);
struct scst_pr_reg *scst_pr_add_reg(struct scst_pr *pr, const char *initiator,
				    uint16_t rel_tgt_id, uint64_t key);
bool scst_pr_type_valid(unsigned type);
bool scst_pr_type_all_registrants(unsigned type);
bool scst_pr_is_holder(const struct scst_pr *pr, const struct scst_pr_reg *reg);

/* What a PERSISTENT RESERVE OUT asks for (CDB and parameter list). */
struct scst_pr_out_params {
	unsigned sa, type;
	uint64_t key, sa_key;
	bool aptpl;
	bool all_tg_pt;         /* REGISTER and REGISTER AND IGNORE only */
	bool can_persist;       /* whether APTPL may be set */
};

/* Runs one PERSISTENT RESERVE OUT service action (not SPEC_I_PT, not
 * REGISTER AND MOVE).  Returns SCST_S_OK, SCST_PR_CONFLICT or the error
 * to report. */
enum scst_sense_id scst_pr_out_action(struct scst_pr *pr, const struct scst_pr_nexus *nx,
				      const struct scst_pr_out_params *p, scst_pr_notify_fn notify,
				      void *ctx);

/* REGISTER AND MOVE (SPC-4 5.13.8) from nexus nx to nexus dest with
 * p->key, p->sa_key and p->aptpl; unreg drops the issuer's registration.
 * Returns SCST_S_OK; SCST_PR_CONFLICT (issuer unregistered, wrong key,
 * not the holder, all-registrants reservation); SCST_S_INVALID_FIELD_IN_CDB
 * (no reservation); SCST_S_INVALID_FIELD_IN_PARAM with the byte in
 * *bad_byte (service action key zero: 8; dest is the issuer's own
 * registration: 24); SCST_S_INSUFFICIENT_RESOURCES.  Nothing changes
 * unless it succeeds. */
enum scst_sense_id scst_pr_register_move(struct scst_pr *pr, const struct scst_pr_nexus *nx,
					 const struct scst_pr_out_params *p,
					 const struct scst_pr_nexus *dest, bool unreg,
					 uint32_t *bad_byte);

/* A nexus named by a SPEC_I_PT TransportID (pr_tid.c). */
struct scst_pr_tid {
	char initiator[SCST_NAME_MAX];
};

/* Parses the TransportIDs of a REGISTER parameter list (plist, plen
 * bytes) into tids (at most max), as the transport tgtt reads them.  Returns SCST_S_OK,
 * SCST_S_PARAM_LIST_LENGTH_ERROR, or SCST_S_INVALID_FIELD_IN_PARAM /
 * SCST_S_INSUFFICIENT_RESOURCES with the offending byte in *bad_byte. */
enum scst_sense_id scst_pr_parse_tids(const struct scst_tgt_template *tgtt, const uint8_t *plist,
				      uint32_t plen, struct scst_pr_tid *tids, unsigned max,
				      unsigned *n, uint32_t *bad_byte);

/* Parses the one TransportID of a REGISTER AND MOVE parameter list
 * (SPC-4 6.16.4), as the transport tgtt reads it.  Returns SCST_S_OK, or SCST_S_INVALID_FIELD_IN_PARAM
 * with the offending byte in *bad_byte (the TransportID length field is
 * byte 20; the list must be exactly 24 bytes plus that length). */
enum scst_sense_id scst_pr_parse_move_tid(const struct scst_tgt_template *tgtt,
					  const uint8_t *plist, uint32_t plen,
					  struct scst_pr_tid *tid, uint32_t *bad_byte);

/* The TransportID of a verbatim PR name (scst_pr_verbatim_name) into out
 * (NULL: only measure; room for strlen(name) / 2 bytes); its length, 0
 * when name is not one. */
uint32_t scst_pr_verbatim_tid(const char *name, uint8_t *out);

/* REGISTER with SPEC_I_PT (SPC-4 5.13.7): registers the unregistered
 * issuer and the n named initiators (on the issuer's target port, or on
 * every port with p->all_tg_pt) with p->sa_key, all or none.  Returns
 * SCST_S_OK, SCST_PR_CONFLICT (non-zero key, or a named nexus already
 * registered), SCST_S_INVALID_FIELD_IN_CDB (the issuer is registered) or
 * SCST_S_INSUFFICIENT_RESOURCES. */
enum scst_sense_id scst_pr_register_spec(struct scst_pr *pr, const struct scst_pr_nexus *nx,
					 const struct scst_pr_out_params *p,
					 const struct scst_pr_tid *tids, unsigned n);

/* Whether a command of the given access class from nexus nx may run under
 * the persistent reservation state pr. */
bool scst_pr_allowed(const struct scst_pr *pr, const struct scst_pr_nexus *nx,
		     enum scst_resv_access access);

/* One unit attention for the nexuses of a registration (rel_tgt_id
 * SCST_PR_ALL_PORTS: through every port), delivered once the new state is
 * saved; also one preempted nexus of PREEMPT AND ABORT. */
struct scst_pr_note {
	char initiator[SCST_NAME_MAX];
	uint16_t rel_tgt_id;
	enum scst_sense_id ua;
};

/* What one change leaves behind: its unit attentions, and for PREEMPT AND
 * ABORT the nexuses whose registrations were preempted (names copied: the
 * registrations are freed before the abort runs).  Both arrays grow. */
struct scst_pr_changes {
	struct scst_device *dev;
	struct scst_pr_note *notes;
	unsigned nnotes, notes_cap;
	bool abort;                     /* PREEMPT AND ABORT: keep preempted */
	struct scst_pr_note *preempted;
	unsigned npreempted, preempted_cap;
};

/* pr_cmd.c: the state machine's notify callback (ctx: the changes), and
 * the delivery of the kept unit attentions to this daemon's nexuses
 * (caller holds dev->lock). */
void scst_pr_note_ua(void *ctx, const struct scst_pr_reg *reg, enum scst_sense_id ua);
bool scst_pr_note_add(struct scst_pr_note **arr, unsigned *n, unsigned *cap,
		      const char *initiator, uint16_t rel_tgt_id, enum scst_sense_id ua);
void scst_pr_deliver_notes(const struct scst_pr_changes *c);

/* pr_shared.c: the state of a device with a pr_backend.  Init loads it
 * (0, or -errno with a reason in err); change runs fn on the stored state
 * and stores the result with compare-and-set, retrying from a fresh load
 * when another daemon stored first, then takes it here, delivers its unit
 * attentions and announces it to the other daemons; refresh takes a newer
 * stored state.  Change returns fn's answer or the sense of a backend
 * failure (nothing changed then). */
typedef enum scst_sense_id (*scst_pr_change_fn)(struct scst_pr *pr, void *arg,
						 struct scst_pr_changes *c);
int scst_pr_shared_init(struct scst_device *dev, char *err, size_t errlen);
void scst_pr_shared_free(struct scst_device *dev);
enum scst_sense_id scst_pr_shared_change(struct scst_device *dev, scst_pr_change_fn fn, void *arg,
					 struct scst_pr_changes *c);
enum scst_sense_id scst_pr_shared_refresh(struct scst_device *dev);
/* An announcement (pr_shared.c's format): format returns a malloc'd
 * message (*len its length); parse fills ev (zeroed by the caller; free
 * its c.notes and c.preempted after) and is false for anything
 * malformed.  ev->state points into msg. */
struct scst_pr_event {
	uint64_t origin, version;       /* version 0: no state */
	bool reset;
	struct scst_pr_changes c;
	const char *state;
	size_t state_len;
};
char *scst_pr_event_format(uint64_t origin, uint64_t version, const struct scst_pr_changes *c,
			   const char *state, size_t *len);
bool scst_pr_event_parse(struct scst_pr_event *ev, const char *msg, size_t len);
/* A LUN or target reset reached a shared device here: the other daemons
 * give their nexuses the reset unit attention too. */
void scst_pr_shared_announce_reset(struct scst_device *dev);

/* pr_store.c: the text file.  Parse fills an initialised, empty pr and
 * returns 0, or -EINVAL with a reason in err (pr is then left empty). */
int scst_pr_store_parse(const char *text, size_t len, struct scst_pr *pr, char *err,
			size_t errlen);
/* Formats pr; returns a malloc'd string or NULL. */
char *scst_pr_store_format(const struct scst_pr *pr);
/* Path of dev's file in the PR directory; false when there is none. */
bool scst_pr_store_path(const char *dev_name, char *path, size_t len);
/* Writes atomically, keeping the previous file as path.1; 0 or -errno. */
int scst_pr_store_save(const struct scst_pr *pr, const char *path);
/* Removes path and its backup; 0 or -errno. */
int scst_pr_store_remove(const char *path);
/* 0 loaded (from path.1 when path is missing or unreadable; then
 * *from_backup), -ENOENT neither exists, other -errno with a reason in
 * err about path. */
int scst_pr_store_load(const char *path, struct scst_pr *pr, char *err, size_t errlen,
		       bool *from_backup);

#endif
