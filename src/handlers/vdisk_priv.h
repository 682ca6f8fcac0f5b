/* vdisk_priv.h - what the vdisk backends (nullio, fileio, blockio) share
 * with the common SPC/SBC emulation: the per-device state, the backend's
 * I/O operations and the attribute parser.  A backend supplies only I/O; every
 * SCSI answer is built in the common files. */
#ifndef SCSTD_HANDLERS_VDISK_PRIV_H
#define SCSTD_HANDLERS_VDISK_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/scsi_op.h"
#include "core/scst_dev.h"
#include "handlers/cmd_state.h"
#include "handlers/vdisk_lba_lock.h"
#include "util/be.h"

struct vdisk_backend {
	/* Vendor identification reported in INQUIRY unless overridden. */
	const char *vendor;
	/* threads_num when not given (SCST's value for the handler). */
	int default_threads_num;
	/* No medium at all (nullio): reads are zeros, writes vanish. */
	bool no_medium;
	/* size is [key] whatever its value, as SCST's fileio and blockio show
	 * it (vdev_size_show), so that a saved configuration keeps it exact. */
	bool size_always_key;
	/* Moves len bytes between buf and the medium at byte offset off, then
	 * calls vdisk_io_done(cmd, 0 or -errno) exactly once. */
	void (*submit)(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off);
	/* Makes completed writes durable; then vdisk_io_done(cmd, rc). */
	void (*flush)(struct scst_cmd *cmd);
	/* Optional, synchronous (0 or -errno): deallocates a byte range so it
	 * reads back as zeros (thin provisioning). */
	int (*unmap)(struct scst_device *dev, uint64_t off, uint64_t len);
	/* Optional, asynchronous form of unmap for a backend whose
	 * deallocation is a round trip (a storage cluster): the range reads
	 * back as zeros afterwards; then vdisk_io_done(cmd, rc).  Used
	 * instead of unmap when present. */
	void (*discard)(struct scst_cmd *cmd, uint64_t off, uint64_t len);
	/* Optional, asynchronous: writes the bs bytes of block over len bytes
	 * at off in one request (WRITE SAME); then vdisk_io_done(cmd, rc). */
	void (*write_same)(struct scst_cmd *cmd, const uint8_t *block, uint32_t bs, uint64_t off,
			   uint64_t len);
	/* Optional, asynchronous: COMPARE AND WRITE done atomically by the
	 * backing store (against every client of it, not only this daemon);
	 * then vdisk_caw_done.  False when it cannot take this range (the
	 * emulation then reads, compares and writes under the LBA lock). */
	bool (*compare_and_write)(struct scst_cmd *cmd, const uint8_t *cmp, const uint8_t *data,
				  uint32_t len, uint64_t off);
	/* Optional: how many bytes from off are mapped (*mapped true) or
	 * deallocated (*mapped false), at most len.  0 or -errno. */
	int (*extent)(struct scst_device *dev, uint64_t off, uint64_t len, uint64_t *ext_len,
		      bool *mapped);
	/* Optional (thin provisioning, LOG SENSE page 0Ch): bytes the backing
	 * store has left for this LU and bytes it holds; -EOPNOTSUPP when it
	 * cannot tell. */
	int (*lbp_resources)(struct scst_device *dev, uint64_t *avail, uint64_t *used);
	/* Optional, synchronous (0 or -errno): moves len bytes like submit
	 * but returns when done, blocking the caller; for EXTENDED COPY on a
	 * backend without an fd (an out-of-process handler's). */
	int (*copy_io)(struct scst_device *dev, bool write, uint8_t *buf, uint32_t len,
		       uint64_t off);
	/* Optional, zero-copy READ (vdisk_read_lend.c): the len bytes at off
	 * in place, read-only and valid while the device is attached, or NULL
	 * when they cannot be lent now (the READ is then submitted). */
	const uint8_t *(*read_lend)(struct scst_device *dev, uint32_t len, uint64_t off);
	/* Optional hint: start reading a range into the cache. */
	void (*prefetch)(struct scst_device *dev, uint64_t off, uint64_t len);
	/* Optional: a mode page of the device type beyond the common ones
	 * (vcdrom's CD capabilities); its length, 0 when code is not one. */
	unsigned (*mode_page)(const struct scst_device *dev, uint8_t code, bool changeable,
			      uint8_t *p);
};

/* Attributes accepted by add_device / config files, parsed and checked. */
struct vdisk_params {
	const char *filename;
	uint32_t block_size;
	uint64_t size;                    /* bytes; 0 = not given */
	bool read_only, write_through, nv_cache, o_direct, thin, removable;
	bool rotational, dummy, tas;
	const char *t10_dev_id, *t10_vend_id, *prod_id, *prod_rev, *usn;
	uint8_t naa_id[16];               /* README.scst naa_id; len 0: generated */
	uint8_t naa_id_len;
	bool threads_num_given, threads_shared;
	int threads_num;
};

/* EXTENDED COPY results held for RECEIVE COPY RESULTS (vdisk_xcopy.c). */
#define VDISK_XCOPY_RESULTS 16
/* One segment moves at most this much (and blocks its thread that long). */
#define VDISK_XCOPY_MAX_SEGMENT_BYTES (8u << 20)

struct vdisk_copy_result {
	uint64_t sess_serial;             /* the I_T nexus that issued it */
	uint8_t list_id;
	uint8_t status;                   /* COPY MANAGER STATUS */
	uint16_t segments;                /* segments processed */
	uint64_t bytes;
	bool valid;
};

struct vdisk_dev {
	const struct vdisk_backend *be;
	/* SCST's generated id (setup_id << 32 | CRC-32C of the name), fixed
	 * at creation: the default serial number and T10 id. */
	uint64_t dev_id_num;
	/* naa_id given by the admin (8 or 16 bytes; 0: the generated NAA
	 * designator), under the device lock like the identity strings. */
	uint8_t naa_id[16];
	uint8_t naa_id_len;
	int fd;                           /* fileio, blockio; -1 otherwise */
	bool o_direct;
	bool rotational;
	bool dummy;
	/* Logical blocks per physical block, as a power of two: the backing
	 * store's allocation unit (READ CAPACITY(16) LBPPBE). */
	uint8_t lbppb_exp;
	/* Blocks the backing store deallocates at once (Block Limits VPD's
	 * OPTIMAL UNMAP GRANULARITY); 0: a physical block. */
	uint32_t unmap_granularity;
	/* What the default T10 device id, serial number and NAA designator
	 * derive from when not the device name: a shared backing store's own
	 * identity, so that every daemon exporting it reports one LU. */
	char identity[160];
	bool io_inline;                   /* fileio on tmpfs/ramfs: see vdisk_fdio.c */
	/* fileio: read-only shared mapping of the backing file as it was at
	 * attach, from which READs are lent (vdisk_read_lend.c); NULL: none. */
	const uint8_t *lend_map;
	uint64_t lend_len;
	/* write_through as configured: MODE SENSE's default WCE, and whether
	 * the fd was opened O_DSYNC (then a write is durable on completion
	 * even after MODE SELECT cleared WCE). */
	bool write_through_default;
	struct vdisk_lba_lock lba_lock;   /* COMPARE AND WRITE vs other writers */
	pthread_mutex_t copy_lock;        /* copy_results, copy_next */
	struct vdisk_copy_result copy_results[VDISK_XCOPY_RESULTS];
	unsigned copy_next;
	void *handler_priv;               /* a handler built on vdisk (vcdrom) */
	/* Size and rotational without the parameters (the backing store's),
	 * for [key]. */
	uint64_t default_size;
	bool default_rotational;
	/* SCST's per-device thread pool: checked and shown, not used (every
	 * command is submitted on its session's I/O loop). */
	int threads_num;
	bool threads_shared;
	/* READ/WRITE BUFFER's data buffer (vdisk_buffer.c), allocated by the
	 * first WRITE BUFFER; shared by every nexus. */
	pthread_mutex_t buffer_lock;
	uint8_t *data_buffer;
};

static inline struct vdisk_dev *vdisk_of(const struct scst_device *dev)
{
	return dev->dh_priv;
}

/* EXTENDED COPY moves data synchronously (vdisk_xcopy.c): through the
 * backing fd, the backend's copy_io, or nowhere (no medium).  A device
 * with none of them is no copy source or destination and has no 3PC. */
static inline bool vdisk_can_copy(const struct scst_device *dev)
{
	const struct vdisk_dev *vd = vdisk_of(dev);

	return vd->fd >= 0 || vd->be->no_medium || vd->be->copy_io;
}

/* Parses params (already filtered by the core against the handler's list);
 * 0 or -EINVAL with the reason in err. */
int vdisk_parse_params(const struct scst_kv *params, size_t nparams, struct vdisk_params *p,
		       char *err, size_t errlen);
/* Applies the parsed identity/geometry attributes to the device and fills
 * the defaults (t10_dev_id, usn, vendor, product). */
int vdisk_setup_device(struct scst_device *dev, const struct vdisk_params *p,
		       const struct vdisk_backend *be, uint64_t size, char *err, size_t errlen);

/* dev_type->set_attr of every vdisk handler (vdisk_attr.c): the
 * identity strings, threads_num and threads_pool_type. */
int vdisk_set_attr(struct scst_device *dev, const char *key, const char *value, char *err,
		   size_t errlen);
/* dev_type->show_attr of every vdisk handler (vdisk_attr.c). */
int vdisk_show_attr(const struct scst_device *dev, const char *name, char *buf, size_t len,
		    bool *non_default);

/* Backend I/O on vdisk_dev.fd (vdisk_fdio.c), for fileio and blockio. */
void vdisk_fd_submit(struct scst_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off);
void vdisk_fd_flush(struct scst_cmd *cmd);
/* log2(physical / logical block size) for the file or device fd: the file
 * system's block size or the device's physical sector size; 0 when that is
 * not larger than block_size. */
uint8_t vdisk_fd_lbppb_exp(int fd, uint32_t block_size);

/* The device life cycle on vdisk_dev.fd (vdisk_fd_dev.c), for fileio and
 * blockio.  A handler says how its backing is opened (fd or -errno),
 * probed once open (its size; p may still be adjusted) and what of the
 * device state only it knows (o_direct, io_inline). */
struct vdisk_fd_backing {
	const struct vdisk_backend *be;
	int (*open)(const struct vdisk_params *p, char *err, size_t errlen);
	int (*probe)(int fd, struct vdisk_params *p, const struct scst_kv *params, size_t nparams,
		     uint64_t *size, char *err, size_t errlen);
	void (*tune)(struct vdisk_dev *vd, const struct vdisk_params *p);
};
/* attach: parameters (filename required), open, probe, device state;
 * 0 or -errno with the reason in err, nothing left open on failure. */
int vdisk_fd_attach(struct scst_device *dev, const struct scst_kv *params, size_t nparams,
		    const struct vdisk_fd_backing *b, char *err, size_t errlen);
void vdisk_fd_detach(struct scst_device *dev);

/* Zero-copy READ (vdisk_read_lend.c): fileio's mapping of its backing file
 * (made at attach, none when it cannot be made) and the read_lend of
 * fileio and nullio. */
void vdisk_lend_map_file(struct vdisk_dev *vd);
void vdisk_lend_unmap_file(struct vdisk_dev *vd);
const uint8_t *vdisk_lend_file_range(struct scst_device *dev, uint32_t len, uint64_t off);
const uint8_t *vdisk_lend_zeros(struct scst_device *dev, uint32_t len, uint64_t off);

/* A new per-device state for backend be (fd -1, LBA lock ready); NULL
 * when out of memory.  vdisk_dev_free undoes it (not the fd). */
struct vdisk_dev *vdisk_dev_new(const struct vdisk_backend *be);
void vdisk_dev_free(struct vdisk_dev *vd);

/* Whether dt is one of the handlers built on vdisk (vdisk_register.c), so
 * its devices' dh_priv is a struct vdisk_dev. */
bool vdisk_handles(const struct scst_dev_type *dt);

/* The dev_type->exec of every vdisk handler. */
void vdisk_exec(struct scst_cmd *cmd);
/* True when vdisk_exec runs the command with that id (test_op_exec.c). */
bool vdisk_op_has_executor(enum scsi_op_id id);
/* Backend completion of a submit/flush/discard/write_same. */
void vdisk_io_done(struct scst_cmd *cmd, int res);
/* Backend completion of a compare_and_write: res -EILSEQ is a miscompare
 * at byte mismatch of the range. */
void vdisk_caw_done(struct scst_cmd *cmd, int res, uint64_t mismatch);
/* Starts a backend discard for a provisioning command (vdisk_provision.c);
 * it continues in vdisk_discard_next once done. */
void vdisk_discard_start(struct scst_cmd *cmd, uint64_t off, uint64_t len);

/* Answers built by vdisk_inquiry.c and vdisk_mode.c. */
void vdisk_inquiry(struct scst_cmd *cmd);
void vdisk_read_capacity10(struct scst_cmd *cmd);
void vdisk_read_capacity16(struct scst_cmd *cmd);
void vdisk_mode_sense(struct scst_cmd *cmd);
void vdisk_mode_select(struct scst_cmd *cmd);

/* resync_size of fileio and blockio (vdisk_resync.c). */
int vdisk_resync_size(struct scst_device *dev, char *err, size_t errlen);

/* LOG SENSE (vdisk_log.c). */
void vdisk_log_sense(struct scst_cmd *cmd);
/* READ BUFFER and WRITE BUFFER (vdisk_buffer.c). */
void vdisk_read_buffer(struct scst_cmd *cmd);
void vdisk_write_buffer(struct scst_cmd *cmd);

/* READ DEFECT DATA (10) and (12) (vdisk_defect.c): empty lists. */
void vdisk_read_defect_data(struct scst_cmd *cmd);

/* SANITIZE (vdisk_sanitize.c): true when the command was handed over
 * (to the background job, or completed there), false when it is to be
 * completed now with its status set. */
bool vdisk_sanitize(struct scst_cmd *cmd);
/* A write or flush of a sanitize job completed (res 0 or -errno); io is
 * the job's carrier command. */
void vdisk_sanitize_io_done(struct scst_cmd *io, int res);
/* Backend I/O of a sanitize job, completing in vdisk_sanitize_io_done
 * (vdisk_exec.c). */
void vdisk_sanitize_submit(struct scst_cmd *io, uint8_t *buf, uint32_t len, uint64_t off);
void vdisk_sanitize_flush(struct scst_cmd *io);

/* FORMAT UNIT (vdisk_format.c). */
void vdisk_format_unit(struct scst_cmd *cmd);

/* The LU designators of VPD page 0x83 (scst_dev_type.lu_designators). */
size_t vdisk_lu_designators(const struct scst_device *dev, uint8_t *buf, size_t len);
/* EXTENDED COPY (LID1) and RECEIVE COPY RESULTS (vdisk_xcopy.c). */
void vdisk_extended_copy(struct scst_cmd *cmd);
void vdisk_receive_copy_results(struct scst_cmd *cmd);
/* The NAA designator value of the LU (VPD page 0x83). */
uint64_t vdisk_naa_designator(const struct scst_device *dev);

/* Thin provisioning commands (vdisk_provision.c).  UNMAP: true when a
 * backend discard was started (the command completes through it), false
 * when it is complete now. */
bool vdisk_unmap(struct scst_cmd *cmd);
void vdisk_get_lba_status(struct scst_cmd *cmd);
/* A discard of vdisk_discard_start completed without error: true when
 * the next one was started, false when the command is done. */
bool vdisk_discard_next(struct scst_cmd *cmd);
/* WRITE SAME with the UNMAP bit on a thin device. */
enum vdisk_ws_unmap {
	VDISK_WS_WRITE,                   /* not a deallocation: write the pattern */
	VDISK_WS_UNMAPPED,                /* deallocated (or an error set): complete */
	VDISK_WS_UNMAP_STARTED,           /* a backend discard completes it */
};
enum vdisk_ws_unmap vdisk_write_same_unmapped(struct scst_cmd *cmd);
/* Whether the device does thin provisioning (UNMAP, LBPME). */
bool vdisk_thin(const struct scst_device *dev);

/* COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS is one byte, and twice 255
 * blocks of 4 KiB stay far below the transfer limit, so all are accepted. */
#define VDISK_MAX_COMPARE_WRITE_BLOCKS 255u

/* LBA mapping resources are counted in threshold sets of this many bytes
 * (LOG SENSE page 0Ch); VPD page B2h gives it as THRESHOLD EXPONENT. */
#define VDISK_THRESHOLD_SET_BYTES (1u << 20)
static inline uint8_t vdisk_threshold_exponent(const struct scst_device *dev)
{
	return (uint8_t)(20 - dev->block_shift);
}

/* Limits advertised in the Block Limits VPD page and enforced by UNMAP. */
#define VDISK_MAX_UNMAP_DESCRIPTORS 256u
#define VDISK_MAX_UNMAP_BYTES (256ull << 20)

#endif
