/* user_fileio.c - an out-of-process device handler (libscst_user) whose
 * medium is a file, README.scst's "fileio_tgt" for scstd: reads and writes
 * go straight between the file and the shared data area (page aligned, so
 * O_DIRECT works without a bounce buffer), FLUSH is fdatasync.  A file
 * shorter than the device is extended (sparse).
 *
 *   user_fileio [-s SOCKET] [-d] DEVICE FILE      (-d: O_DIRECT)
 *
 * Exits 0 when scstd ends the connection, 1 on an error. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scstd_user.h"

#define AREA_BYTES (16u << 20)

/* A read past the end of the file reads zeros. */
static int read_all(int fd, uint8_t *p, uint32_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			memset(p, 0, len);
			return 0;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint32_t)n;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, uint32_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		off += (uint64_t)n;
		len -= (uint32_t)n;
	}
	return 0;
}

static int fileio_io(const struct scstu_io *io, void *ctx)
{
	int fd = *(int *)ctx;

	switch (io->kind) {
	case SCSTU_READ:
		return read_all(fd, io->data, io->len, io->offset);
	case SCSTU_WRITE:
		return write_all(fd, io->data, io->len, io->offset);
	case SCSTU_FLUSH:
		return fdatasync(fd) < 0 ? -errno : 0;
	}
	return -EINVAL;
}

static int usage(void)
{
	fprintf(stderr, "usage: user_fileio [-s SOCKET] [-d] DEVICE FILE\n");
	return 1;
}

int main(int argc, char **argv)
{
	const char *sock = SCSTU_SOCKET_DEFAULT;
	int flags = O_RDWR | O_CREAT | O_CLOEXEC;
	struct scstu_geometry g;
	struct scstu_dev *d;
	struct stat st;
	char err[256];
	int opt, fd, rc;

	while ((opt = getopt(argc, argv, "s:d")) != -1) {
		if (opt == 's')
			sock = optarg;
		else if (opt == 'd')
			flags |= O_DIRECT;
		else
			return usage();
	}
	if (optind != argc - 2)
		return usage();
	fd = open(argv[optind + 1], flags, 0600);
	if (fd < 0) {
		fprintf(stderr, "user_fileio: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	d = scstu_attach(sock, argv[optind], AREA_BYTES, &g, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "user_fileio: %s\n", err);
		close(fd);
		return 1;
	}
	if (fstat(fd, &st) == 0 && (uint64_t)st.st_size < g.size && ftruncate(fd, (off_t)g.size) < 0)
		fprintf(stderr, "user_fileio: cannot extend %s: %s\n", argv[optind + 1],
			strerror(errno));
	printf("user_fileio: serving %s from %s, %llu bytes\n", argv[optind], argv[optind + 1],
	       (unsigned long long)g.size);
	fflush(stdout);
	rc = scstu_serve(d, fileio_io, &fd);
	scstu_detach(d);
	close(fd);
	if (rc != -ENOTCONN) {
		fprintf(stderr, "user_fileio: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}
