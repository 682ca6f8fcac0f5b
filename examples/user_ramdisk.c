/* user_ramdisk.c - an out-of-process device handler (libscst_user) whose
 * medium is this process's memory: the smallest complete handler, and the
 * one to copy.  The device's contents live as long as the process.
 *
 *   user_ramdisk [-s SOCKET] DEVICE
 *
 * DEVICE is an scst_user device of scstd (add_device DEVICE size_mb=N on
 * handlers/scst_user/mgmt); its size comes from scstd at attach.  Exits 0
 * when scstd ends the connection, 1 on an error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scstd_user.h"

#define AREA_BYTES (16u << 20)

static int ramdisk_io(const struct scstu_io *io, void *ctx)
{
	uint8_t *mem = ctx;

	switch (io->kind) {
	case SCSTU_READ:
		memcpy(io->data, mem + io->offset, io->len);
		return 0;
	case SCSTU_WRITE:
		memcpy(mem + io->offset, io->data, io->len);
		return 0;
	case SCSTU_FLUSH:
		return 0;
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	const char *sock = SCSTU_SOCKET_DEFAULT;
	struct scstu_geometry g;
	struct scstu_dev *d;
	char err[256];
	void *mem;
	int opt, rc;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: user_ramdisk [-s SOCKET] DEVICE\n");
			return 1;
		}
		sock = optarg;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: user_ramdisk [-s SOCKET] DEVICE\n");
		return 1;
	}
	d = scstu_attach(sock, argv[optind], AREA_BYTES, &g, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "user_ramdisk: %s\n", err);
		return 1;
	}
	mem = mmap(NULL, g.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "user_ramdisk: %llu bytes: %s\n", (unsigned long long)g.size,
			strerror(errno));
		scstu_detach(d);
		return 1;
	}
	printf("user_ramdisk: serving %s, %llu bytes\n", argv[optind], (unsigned long long)g.size);
	fflush(stdout);
	rc = scstu_serve(d, ramdisk_io, mem);
	scstu_detach(d);
	munmap(mem, g.size);
	if (rc != -ENOTCONN) {
		fprintf(stderr, "user_ramdisk: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
