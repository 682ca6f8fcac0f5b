/* ioloop_uring.h - submitting io_uring operations on a loop's ring: the
 * one header that brings in liburing, for the files that prepare SQEs
 * (ioloop.h keeps the rest of the loop API free of it). */
#ifndef SCSTD_UTIL_IOLOOP_URING_H
#define SCSTD_UTIL_IOLOOP_URING_H

#include <liburing.h>

#include "ioloop.h"

/* Returns a free SQE of the calling thread's loop, submitting queued SQEs
 * first if the ring is full.  Must be called on the loop's own thread. */
struct io_uring_sqe *ioloop_sqe(struct ioloop *l);
static inline void ioloop_sqe_set_op(struct io_uring_sqe *sqe, struct io_op *op)
{
	io_uring_sqe_set_data(sqe, op);
}

#endif
