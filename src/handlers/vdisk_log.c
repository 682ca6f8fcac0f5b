/* vdisk_log.c - LOG SENSE of a vdisk: the log pages there is real data for
 * (SPC-4 7.3, SBC-3 6.4).
 *  - 00h Supported Log Pages, and 00h/FFh Supported Log Pages and
 *    Subpages: exactly the pages below that the device has;
 *  - 0Ch Logical Block Provisioning, on a thin device whose backend can
 *    measure its allocation (fileio on a regular file): the space its file
 *    system has left (statvfs; shared with the other files there, so "not
 *    dedicated to this LU") and the space the file holds (st_blocks), in
 *    threshold sets of VDISK_THRESHOLD_SET_BYTES (the THRESHOLD EXPONENT
 *    of VPD page B2h);
 *  - 2Fh Informational Exceptions: no failure predicted.  Nothing here can
 *    predict a failure (the backends report errors per command) and there
 *    is no temperature sensor, so the temperature byte is left out.
 * Every page also answers subpage FFh with its list of subpages.  There
 * are no thresholds and no resettable counters, so every PAGE CONTROL
 * value reads the current values; PPC and SP are refused by the opcode
 * table's usage bitmap. */
#include <string.h>

#include "handlers/vdisk_priv.h"

#define SUBPAGE_ALL 0xff
#define PAGE_SUPPORTED 0x00
#define PAGE_LBP 0x0c
#define PAGE_IE 0x2f
#define LOG_HDR_LEN 4
#define LOG_MAX_PAGES 4
#define LOG_BUF_LEN 64

#define HDR_DS  0x80                    /* parameters cannot be saved */
#define HDR_SPF 0x40                    /* subpage format */
/* Parameter control byte: binary list (FORMAT AND LINKING 11b). */
#define PARAM_BINARY 0x03

enum { LBP_AVAILABLE = 0x0001, LBP_USED = 0x0002 };
enum { SCOPE_DEDICATED = 0x01, SCOPE_SHARED = 0x02 };

static bool lbp_resources(struct scst_device *dev, uint64_t *avail, uint64_t *used)
{
	const struct vdisk_backend *be = vdisk_of(dev)->be;

	return vdisk_thin(dev) && be->lbp_resources && be->lbp_resources(dev, avail, used) == 0;
}

/* The page codes the device has, ascending; their number. */
static unsigned supported_pages(struct scst_device *dev, uint8_t *codes)
{
	uint64_t avail, used;
	unsigned n = 0;

	codes[n++] = PAGE_SUPPORTED;
	if (lbp_resources(dev, &avail, &used))
		codes[n++] = PAGE_LBP;
	codes[n++] = PAGE_IE;
	return n;
}

static bool page_listed(const uint8_t *codes, unsigned n, uint8_t page)
{
	for (unsigned i = 0; i < n; i++)
		if (codes[i] == page)
			return true;
	return false;
}

static unsigned pages_page(uint8_t *d, const uint8_t *codes, unsigned n)
{
	d[0] = PAGE_SUPPORTED;
	memcpy(&d[LOG_HDR_LEN], codes, n);
	return LOG_HDR_LEN + n;
}

/* Page 00h/FFh lists every (page, subpage) pair, page xxh/FFh those of
 * page xxh: each page has subpage 00h and the FFh list itself. */
static unsigned subpages_page(uint8_t *d, uint8_t page, const uint8_t *codes, unsigned n)
{
	unsigned len = LOG_HDR_LEN;

	d[0] = HDR_SPF | page;
	d[1] = SUBPAGE_ALL;
	for (unsigned i = 0; i < n; i++) {
		if (page != PAGE_SUPPORTED && codes[i] != page)
			continue;
		d[len++] = codes[i];
		d[len++] = 0x00;
		d[len++] = codes[i];
		d[len++] = SUBPAGE_ALL;
	}
	return len;
}

/* A resource count in threshold sets, rounded the cautious way: down for
 * what is left, up for what is held. */
static uint32_t threshold_sets(uint64_t bytes, bool round_up)
{
	uint64_t sets = bytes / VDISK_THRESHOLD_SET_BYTES;

	if (round_up && bytes % VDISK_THRESHOLD_SET_BYTES)
		sets++;
	return sets > UINT32_MAX ? UINT32_MAX : (uint32_t)sets;
}

static unsigned put_resource_count(uint8_t *p, uint16_t code, uint32_t count, uint8_t scope)
{
	put_be16(p, code);
	p[2] = PARAM_BINARY;
	p[3] = 8;
	put_be32(&p[4], count);
	p[8] = scope;
	p[9] = p[10] = p[11] = 0;
	return 12;
}

static unsigned lbp_page(struct scst_device *dev, uint8_t *d)
{
	uint64_t avail = 0, used = 0;
	unsigned len = LOG_HDR_LEN;

	(void)lbp_resources(dev, &avail, &used);
	d[0] = HDR_DS | PAGE_LBP;
	len += put_resource_count(&d[len], LBP_AVAILABLE, threshold_sets(avail, false),
				  SCOPE_SHARED);
	len += put_resource_count(&d[len], LBP_USED, threshold_sets(used, true),
				  SCOPE_DEDICATED);
	return len;
}

static unsigned ie_page(uint8_t *d)
{
	uint8_t *p = &d[LOG_HDR_LEN];

	d[0] = HDR_DS | PAGE_IE;
	put_be16(p, 0x0000);              /* informational exceptions general */
	p[2] = PARAM_BINARY;
	p[3] = 2;
	p[4] = 0x00;                            /* ASC: no failure predicted */
	p[5] = 0x00;
	return LOG_HDR_LEN + 6;
}

/* Keeps the parameters whose code is at least pointer (SPC-4 PARAMETER
 * POINTER); false when pointer is past the page's last parameter code. */
static bool apply_pointer(uint8_t *d, unsigned *len, uint16_t pointer)
{
	unsigned in = LOG_HDR_LEN, out = LOG_HDR_LEN;
	bool any = false;

	while (in + 4 <= *len) {
		uint16_t code = get_be16(&d[in]);
		unsigned plen = 4u + d[in + 3];

		if (code >= pointer) {
			memmove(&d[out], &d[in], plen);
			out += plen;
			any = true;
		}
		in += plen;
	}
	*len = out;
	return any;
}

void vdisk_log_sense(struct scst_cmd *cmd)
{
	uint8_t page = cmd->cdb[2] & 0x3f, subpage = cmd->cdb[3];
	uint16_t pointer = get_be16(&cmd->cdb[5]);
	uint8_t codes[LOG_MAX_PAGES], d[LOG_BUF_LEN];
	unsigned n = supported_pages(cmd->dev, codes), len;
	bool lists = subpage == SUBPAGE_ALL || page == PAGE_SUPPORTED;

	if (!page_listed(codes, n, page)) {
		scst_set_invalid_field(cmd, true, 2, 5);
		return;
	}
	if (subpage && subpage != SUBPAGE_ALL) {
		scst_set_invalid_field(cmd, true, 3, -1);
		return;
	}
	/* The lists have no parameter codes: only pointer 0 makes sense. */
	if (lists && pointer) {
		scst_set_invalid_field(cmd, true, 5, -1);
		return;
	}
	memset(d, 0, sizeof(d));
	if (subpage == SUBPAGE_ALL)
		len = subpages_page(d, page, codes, n);
	else if (page == PAGE_SUPPORTED)
		len = pages_page(d, codes, n);
	else if (page == PAGE_LBP)
		len = lbp_page(cmd->dev, d);
	else
		len = ie_page(d);
	if (!lists && !apply_pointer(d, &len, pointer)) {
		scst_set_invalid_field(cmd, true, 5, -1);
		return;
	}
	put_be16(&d[2], (uint16_t)(len - LOG_HDR_LEN));
	scst_cmd_set_resp_data(cmd, d, len);
}
