/* vdisk_read_lend.c - zero-copy READ: backends lending the bytes a READ
 * returns in place instead of copying them into the command's buffer,
 * for a transport that takes them (scst_cmd_may_lend_resp_data).
 *
 * fileio lends its page cache through a read-only shared mapping of the
 * backing file made at attach.  A READ is lent only when every page of it
 * is resident (mincore): the transport's sendmsg then copies from the
 * page cache without a fault that could wait for the disk on the I/O loop
 * (a page evicted between the check and the send costs that one wait),
 * and a hole of a sparse tmpfs file, which a fault through a shared
 * mapping would allocate, is read the ordinary way.  nullio lends a
 * read-only anonymous mapping, whose pages are all the kernel's zero page,
 * instead of clearing the buffer, whatever the size.  File READs below
 * LEND_MIN are copied: lending 4 KiB random reads saved nothing
 * measurable (the copy is small next to the per-command cost), and it
 * would fault the mapping's page tables in one page at a time. */
#include <pthread.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "handlers/vdisk_priv.h"

#define LEND_MIN (64u << 10)
#define ZEROS_LEN (64u << 20)
#define MINCORE_CHUNK 256u                /* pages checked per mincore call */

void vdisk_lend_map_file(struct vdisk_dev *vd)
{
	struct stat st;
	void *map;

	if (vd->o_direct || fstat(vd->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0)
		return;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, vd->fd, 0);
	if (map == MAP_FAILED)
		return;                   /* reads are copied as before */
	vd->lend_map = map;
	vd->lend_len = (uint64_t)st.st_size;
}

void vdisk_lend_unmap_file(struct vdisk_dev *vd)
{
	if (vd->lend_map)
		munmap((void *)vd->lend_map, (size_t)vd->lend_len);
	vd->lend_map = NULL;
	vd->lend_len = 0;
}

static bool all_resident(const uint8_t *start, uint64_t len)
{
	static long page;
	unsigned char vec[MINCORE_CHUNK];
	uintptr_t first, end;

	if (!page)
		page = sysconf(_SC_PAGESIZE);
	first = (uintptr_t)start & ~(uintptr_t)(page - 1);
	end = (uintptr_t)start + len;
	while (first < end) {
		size_t pages = (end - first + (uintptr_t)page - 1) / (uintptr_t)page;

		if (pages > MINCORE_CHUNK)
			pages = MINCORE_CHUNK;
		if (mincore((void *)first, pages * (size_t)page, vec) < 0)
			return false;
		for (size_t i = 0; i < pages; i++)
			if (!(vec[i] & 1))
				return false;
		first += pages * (uintptr_t)page;
	}
	return true;
}

const uint8_t *vdisk_lend_file_range(struct scst_device *dev, uint32_t len, uint64_t off)
{
	const struct vdisk_dev *vd = vdisk_of(dev);

	if (!vd->lend_map || len < LEND_MIN || off > vd->lend_len || len > vd->lend_len - off)
		return NULL;
	if (!all_resident(vd->lend_map + off, len))
		return NULL;
	return vd->lend_map + off;
}

static const uint8_t *zeros;
static pthread_once_t zeros_once = PTHREAD_ONCE_INIT;

static void map_zeros(void)
{
	void *map = mmap(NULL, ZEROS_LEN, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);

	zeros = map == MAP_FAILED ? NULL : map;
}

const uint8_t *vdisk_lend_zeros(struct scst_device *dev, uint32_t len, uint64_t off)
{
	(void)dev;
	(void)off;
	if (len > ZEROS_LEN)
		return NULL;
	pthread_once(&zeros_once, map_zeros);
	return zeros;
}
