/* spc_maint_in.c - the MAINTENANCE IN answers that describe the target
 * rather than the device: REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (what
 * tm.c carries out) and REPORT TARGET PORT GROUPS (core/alua.c for a device of
 * a device group; else implicit ALUA with one group, active/optimized,
 * holding every target port that exports the LU).  REPORT SUPPORTED OPERATION CODES lives in opcode_report.c. */
#include <string.h>

#include "alua.h"
#include "cdb.h"
#include "scst.h"
#include "util/be.h"

/* Ports listed in one REPORT TARGET PORT GROUPS answer. */
#define MAX_REPORTED_PORTS 64

/* The functions tm.c performs.  CLEAR ACA is left out: no ACA condition
 * is ever established (NACA unsupported), so it has nothing to clear. */
void scst_report_supported_tmfs(struct scst_cmd *cmd)
{
	bool repd = cmd->cdb[2] & 0x80;
	uint8_t d[16];

	memset(d, 0, sizeof(d));
	/* ATS, ATSS, CTSS, LURS, QTS, TRS */
	d[0] = 0x80 | 0x40 | 0x10 | 0x08 | 0x04 | 0x02;
	d[1] = 0x04 | 0x02;               /* QUAS, QTSS */
	if (repd) {
		/* Extended format: no TMF timeouts are advertised. */
		d[3] = 0x0c;
		scst_cmd_set_resp_data(cmd, d, 16);
		return;
	}
	scst_cmd_set_resp_data(cmd, d, 4);
}

static bool acg_exports(const struct scst_acg *acg, const struct scst_device *dev)
{
	const struct scst_acg_dev *ad;

	list_for_each_entry(ad, &acg->acg_devs, node)
		if (ad->dev == dev)
			return true;
	return false;
}

static bool tgt_exports(const struct scst_tgt *tgt, const struct scst_device *dev)
{
	const struct scst_acg *acg;

	if (tgt->default_acg && acg_exports(tgt->default_acg, dev))
		return true;
	list_for_each_entry(acg, &tgt->acg_list, node)
		if (acg_exports(acg, dev))
			return true;
	return false;
}

/* Relative target port identifiers of the ports exporting dev, the port
 * of the command first (it exports the LU even mid-reconfiguration). */
static unsigned collect_ports(const struct scst_cmd *cmd, uint16_t *ids)
{
	const struct scst_tgt *tgt, *own = cmd->sess ? cmd->sess->tgt : NULL;
	unsigned n = 0;

	if (own)
		ids[n++] = own->rel_tgt_id;
	pthread_mutex_lock(&scst_mutex);
	list_for_each_entry(tgt, &scst_targets, node)
		if (tgt != own && n < MAX_REPORTED_PORTS && scst_tgt_is_port(tgt) &&
		    tgt_exports(tgt, cmd->dev))
			ids[n++] = tgt->rel_tgt_id;
	pthread_mutex_unlock(&scst_mutex);
	return n;
}

void scst_report_target_port_groups(struct scst_cmd *cmd)
{
	unsigned format = cmd->cdb[1] >> 5, hdr, n;
	uint16_t ids[MAX_REPORTED_PORTS];
	uint8_t d[8 + 8 + 4 * MAX_REPORTED_PORTS], *g;

	if (scst_alua_report_groups(cmd))
		return;
	/* The usage bitmap let only formats 000b and 001b through. */
	hdr = format ? 8 : 4;
	n = collect_ports(cmd, ids);
	memset(d, 0, sizeof(d));
	g = &d[hdr];
	g[0] = 0x80;                      /* PREF; state 0h: active/optimized */
	g[1] = 0x01;                      /* AO_SUP: the only state we enter */
	put_be16(&g[2], SCST_TARGET_PORT_GROUP_ID);
	g[7] = (uint8_t)n;
	for (unsigned i = 0; i < n; i++)
		put_be16(&g[8 + 4 * i + 2], ids[i]);
	/* RETURN DATA LENGTH: what follows its own 4 bytes, so the extended
	 * header's other 4 bytes count too (SPC-4; sg_rtpg reads it so). */
	put_be32(d, hdr - 4 + 8 + 4 * n);
	if (format)
		d[4] = 0x10;              /* format type 001b; transition time 0 */
	scst_cmd_set_resp_data(cmd, d, hdr + 8 + 4 * n);
}
