/* scst-local-cmd - send one raw CDB to a local session of scstd, like
 * sg_raw does to /dev/sgX: the CDB comes as hex bytes on the command
 * line, data out from a file, data in to stdout (hex dump) or a file; the
 * SCSI status and the sense data are printed.
 *
 * Exit status: 0 GOOD, 3 the command ran with another status, 1 it could
 * not be sent, 2 usage error. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scst_local.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scst-local-cmd [options] -S SESSION CDB_BYTE...\n"
		"  -s, --socket PATH     raw command socket (default " SCST_LOCAL_SOCKET_DEFAULT ")\n"
		"  -t, --target NAME     target of the session (default: any)\n"
		"  -S, --session NAME    local session (e.g. scst_local_host)\n"
		"  -l, --lun N           LUN (default 0)\n"
		"  -r, --request LEN     data-in bytes to accept\n"
		"  -i, --infile FILE     data-out bytes to send (whole file)\n"
		"  -o, --outfile FILE    write data in to FILE instead of a hex dump\n"
		"example: scst-local-cmd -S scst_local_host -r 96 12 00 00 00 60 00\n");
}

static const char *status_name(uint8_t s)
{
	switch (s) {
	case 0x00: return "GOOD";
	case 0x02: return "CHECK CONDITION";
	case 0x04: return "CONDITION MET";
	case 0x08: return "BUSY";
	case 0x18: return "RESERVATION CONFLICT";
	case 0x28: return "TASK SET FULL";
	case 0x30: return "ACA ACTIVE";
	case 0x40: return "TASK ABORTED";
	default: return "unknown";
	}
}

static int parse_cdb(char **argv, int argc, uint8_t *cdb, unsigned *len)
{
	*len = 0;
	for (int i = 0; i < argc; i++) {
		char *end;
		unsigned long v = strtoul(argv[i], &end, 16);

		if (*end || !*argv[i] || v > 0xff || *len == SCST_LOCAL_MAX_CDB) {
			fprintf(stderr, "scst-local-cmd: bad CDB byte '%s'\n", argv[i]);
			return -1;
		}
		cdb[(*len)++] = (uint8_t)v;
	}
	if (*len == 0) {
		fprintf(stderr, "scst-local-cmd: no CDB\n");
		return -1;
	}
	return 0;
}

static void *read_file(const char *path, uint32_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "scst-local-cmd: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(SCST_LOCAL_MAX_DATA + 1);
	n = buf ? fread(buf, 1, SCST_LOCAL_MAX_DATA + 1, f) : 0;
	fclose(f);
	if (!buf || n > SCST_LOCAL_MAX_DATA) {
		fprintf(stderr, "scst-local-cmd: %s: larger than %u bytes\n", path,
			SCST_LOCAL_MAX_DATA);
		free(buf);
		return NULL;
	}
	*len = (uint32_t)n;
	return buf;
}

static void hexdump(const uint8_t *p, uint32_t len)
{
	for (uint32_t off = 0; off < len; off += 16) {
		printf(" %04x:", off);
		for (uint32_t i = off; i < off + 16; i++) {
			if (i < len)
				printf(" %02x", p[i]);
			else
				printf("   ");
		}
		printf("  ");
		for (uint32_t i = off; i < off + 16 && i < len; i++)
			putchar(p[i] >= ' ' && p[i] < 0x7f ? p[i] : '.');
		putchar('\n');
	}
}

static void print_sense(const struct scst_local_result *r)
{
	unsigned key, asc, ascq;

	printf("sense (%u bytes):", r->sense_len);
	for (unsigned i = 0; i < r->sense_len; i++)
		printf(" %02x", r->sense[i]);
	putchar('\n');
	if (r->sense_len < 3)
		return;
	if ((r->sense[0] & 0x7f) >= 0x72) {
		key = r->sense[1] & 0xf;
		asc = r->sense_len > 2 ? r->sense[2] : 0;
		ascq = r->sense_len > 3 ? r->sense[3] : 0;
	} else {
		key = r->sense[2] & 0xf;
		asc = r->sense_len > 12 ? r->sense[12] : 0;
		ascq = r->sense_len > 13 ? r->sense[13] : 0;
	}
	printf("sense key 0x%x asc 0x%02x ascq 0x%02x\n", key, asc, ascq);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "target", required_argument, NULL, 't' },
		{ "session", required_argument, NULL, 'S' },
		{ "lun", required_argument, NULL, 'l' },
		{ "request", required_argument, NULL, 'r' },
		{ "infile", required_argument, NULL, 'i' },
		{ "outfile", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sock = NULL, *target = NULL, *session = NULL, *infile = NULL, *outfile = NULL;
	unsigned long long lun = 0;
	unsigned long in_len = 0;
	uint8_t cdb[SCST_LOCAL_MAX_CDB], *out = NULL, *in = NULL;
	uint32_t out_len = 0;
	unsigned cdb_len;
	struct scst_local_result res;
	struct scst_local *c;
	char err[256], *end;
	int o, rc;

	while ((o = getopt_long(argc, argv, "+s:t:S:l:r:i:o:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': sock = optarg; break;
		case 't': target = optarg; break;
		case 'S': session = optarg; break;
		case 'l':
			lun = strtoull(optarg, &end, 0);
			if (*end || !*optarg || lun > 16383) {
				fprintf(stderr, "scst-local-cmd: LUN 0..16383\n");
				return 2;
			}
			break;
		case 'r':
			in_len = strtoul(optarg, &end, 0);
			if (*end || !*optarg || in_len > SCST_LOCAL_MAX_DATA) {
				fprintf(stderr, "scst-local-cmd: -r 0..%u\n", SCST_LOCAL_MAX_DATA);
				return 2;
			}
			break;
		case 'i': infile = optarg; break;
		case 'o': outfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!session || parse_cdb(argv + optind, argc - optind, cdb, &cdb_len) < 0) {
		usage(stderr);
		return 2;
	}
	if (infile && !(out = read_file(infile, &out_len)))
		return 1;
	if (in_len && !(in = malloc(in_len))) {
		free(out);
		return 1;
	}
	rc = scst_local_connect(sock, &c, err, sizeof(err));
	if (rc == 0) {
		rc = scst_local_attach(c, target, session, err, sizeof(err));
		if (rc == 0)
			rc = scst_local_cmd(c, lun, cdb, cdb_len, out, out_len, in,
					    (uint32_t)in_len, &res, err, sizeof(err));
		scst_local_close(c);
	}
	free(out);
	if (rc < 0) {
		fprintf(stderr, "scst-local-cmd: %s\n", err);
		free(in);
		return 1;
	}
	printf("status: 0x%02x (%s)\n", res.status, status_name(res.status));
	if (res.sense_len)
		print_sense(&res);
	printf("data in: %u bytes\n", res.data_in_len);
	if (outfile) {
		FILE *f = fopen(outfile, "wb");

		if (!f || fwrite(in, 1, res.data_in_len, f) != res.data_in_len) {
			fprintf(stderr, "scst-local-cmd: %s: %s\n", outfile, strerror(errno));
			if (f)
				fclose(f);
			free(in);
			return 1;
		}
		fclose(f);
	} else {
		hexdump(in, res.data_in_len);
	}
	free(in);
	return res.status == 0 ? 0 : 3;
}
