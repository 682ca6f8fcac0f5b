/* fuse_serve.h - serves a libfuse3 file system on threads of its own that
 * a stop always ends: they wait in poll on /dev/fuse and on a stop
 * eventfd, never in a read that only a request would end (fuse_loop's
 * way, which hangs the stop when another mount namespace holds a copy of
 * the mount: unmounting ours sends no request). */
#ifndef SCSTD_UTIL_FUSE_SERVE_H
#define SCSTD_UTIL_FUSE_SERVE_H

struct fuse;
struct fuse_server;

/* Serves f (mounted) on nthreads threads; NULL with errno on failure. */
struct fuse_server *fuse_server_start(struct fuse *f, unsigned nthreads, const char *what);
/* Ends and joins the threads (each finishes the request it serves, if
 * any), then frees s.  The caller unmounts and destroys f afterwards:
 * closing /dev/fuse's last descriptor ends the connection, so a copy of
 * the mount elsewhere answers ENOTCONN. */
void fuse_server_stop(struct fuse_server *s);

#endif
