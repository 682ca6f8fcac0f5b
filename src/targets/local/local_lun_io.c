/* local_lun_io.c - a LUN of a local session as a range of blocks, for the
 * access paths that are not SCSI themselves (the FUSE LUN files, ublk
 * block devices): its geometry from the configuration, reads and writes
 * as READ(16)/WRITE(16) in 1 MiB pieces, and every command retried after
 * a unit attention as the sd driver does, its status turned into -errno. */
#include <errno.h>
#include <string.h>

#include "targets/local/local_lun_io.h"

#define CHUNK_BYTES (1u << 20)
#define UA_RETRIES 8

int local_lun_find(struct local_lun *f)
{
	struct scst_acg_dev *ad;
	int rc = -ENOENT;

	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(ad, &f->ls->sess->acg->acg_devs, node) {
		if (ad->lun != f->lun)
			continue;
		f->block_size = ad->dev->block_size;
		f->size = ad->dev->nblocks * ad->dev->block_size;
		f->read_only = ad->read_only || ad->dev->read_only;
		f->thin = ad->dev->thin_provisioned;
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&scst_mutex);
	return rc;
}

static unsigned sense_key(const struct local_req *r)
{
	if (r->sense_len < 3)
		return 0;
	return (r->sense[0] & 0x7f) >= 0x72 ? r->sense[1] & 0x0f : r->sense[2] & 0x0f;
}

static int result_errno(const struct local_req *r)
{
	if (r->rc < 0)
		return r->rc;
	switch (r->status) {
	case SAM_STAT_GOOD:
		return 0;
	case SAM_STAT_RESERVATION_CONFLICT:
		return -EACCES;
	case SAM_STAT_BUSY:
	case SAM_STAT_TASK_SET_FULL:
		return -EAGAIN;
	case SAM_STAT_CHECK_CONDITION:
		switch (sense_key(r)) {
		case SK_DATA_PROTECT:
			return -EROFS;
		case SK_NOT_READY:
			return -ENOMEDIUM;
		case SK_ILLEGAL_REQUEST:
			return -EINVAL;
		default:
			return -EIO;
		}
	default:
		return -EIO;
	}
}

int local_lun_run(struct local_lun *f, struct local_req *r)
{
	for (int i = 0; i < UA_RETRIES; i++) {
		local_exec(f->ls, r);
		if (r->rc == 0 && r->status == SAM_STAT_CHECK_CONDITION &&
		    sense_key(r) == SK_UNIT_ATTENTION)
			continue;
		break;
	}
	return result_errno(r);
}

void local_lun_rw16(struct local_req *r, uint8_t op, uint64_t lba, uint32_t nblocks)
{
	r->cdb[0] = op;
	for (int i = 0; i < 8; i++)
		r->cdb[2 + i] = (uint8_t)(lba >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		r->cdb[10 + i] = (uint8_t)(nblocks >> (24 - 8 * i));
	r->cdb_len = 16;
}

int local_lun_unmap(struct local_lun *f, uint64_t lba, uint32_t nblocks)
{
	/* The parameter list: an 8-byte header, then one 16-byte block
	 * descriptor (LBA, block count). */
	uint8_t list[24] = { 0, 22, 0, 16 };
	struct local_req r = { .lun = f->lun, .cdb = { 0x42 }, .cdb_len = 10, .out = list,
			       .out_len = sizeof(list) };

	for (int i = 0; i < 8; i++)
		list[8 + i] = (uint8_t)(lba >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		list[16 + i] = (uint8_t)(nblocks >> (24 - 8 * i));
	r.cdb[8] = sizeof(list);
	return local_lun_run(f, &r);
}

int local_lun_io(struct local_lun *f, bool write, uint64_t lba, uint32_t nblocks, void *buf)
{
	uint32_t per = CHUNK_BYTES / f->block_size ? CHUNK_BYTES / f->block_size : 1;

	while (nblocks) {
		uint32_t n = nblocks < per ? nblocks : per, bytes = n * f->block_size;
		struct local_req r = { .lun = f->lun };
		int rc;

		local_lun_rw16(&r, write ? 0x8a : 0x88, lba, n);
		if (write) {
			r.out = buf;
			r.out_len = bytes;
		} else {
			r.in = buf;
			r.in_len = bytes;
		}
		rc = local_lun_run(f, &r);
		if (rc < 0)
			return rc;
		if (!write && r.in_done != bytes)
			return -EIO;
		lba += n;
		nblocks -= n;
		buf = (uint8_t *)buf + bytes;
	}
	return 0;
}

