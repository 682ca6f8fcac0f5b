/* local_lun_io.h - a local session's LUN as blocks (local_lun_io.c). */
#ifndef SCSTD_TARGETS_LOCAL_LOCAL_LUN_IO_H
#define SCSTD_TARGETS_LOCAL_LOCAL_LUN_IO_H

#include "targets/local/local_priv.h"

/* A LUN of a local session, holding a reference on the session. */
struct local_lun {
	struct local_sess *ls;
	uint64_t lun;
	uint32_t block_size;
	uint64_t size;
	bool read_only;
	bool thin;                      /* thin-provisioned: UNMAP deallocates */
};

/* Fills block_size, size, read_only and thin of f->lun in f->ls's group;
 * -ENOENT when the group has no such LUN. */
int local_lun_find(struct local_lun *f);
/* Runs r on f's session, retrying after unit attentions; 0 or -errno. */
int local_lun_run(struct local_lun *f, struct local_req *r);
/* r's CDB becomes READ(16) (0x88) or WRITE(16) (0x8a) of nblocks at lba. */
void local_lun_rw16(struct local_req *r, uint8_t op, uint64_t lba, uint32_t nblocks);
/* UNMAP (SBC-4 5.30) of nblocks at lba, in one descriptor; 0 or -errno. */
int local_lun_unmap(struct local_lun *f, uint64_t lba, uint32_t nblocks);
/* Reads or writes nblocks at lba from or into buf; 0 or -errno. */
int local_lun_io(struct local_lun *f, bool write, uint64_t lba, uint32_t nblocks, void *buf);

#endif
