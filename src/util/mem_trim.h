/* mem_trim.h - gives the memory of a burst of ended connections back to
 * the kernel (malloc_trim), once the burst is mostly over. */
#ifndef SCSTD_UTIL_MEM_TRIM_H
#define SCSTD_UTIL_MEM_TRIM_H

/* MEM_TRIM_MIN_ENDED connection ends at least since the last trim, the
 * live ones down to a quarter of those, MEM_TRIM_INTERVAL_MS since the
 * last trim: then one trim runs on io loop 0. */
#define MEM_TRIM_MIN_ENDED 32
#define MEM_TRIM_INTERVAL_MS 1000

/* A connection ended and its memory is freed (or about to be); still_live
 * connections remain. Thread-safe, cheap. */
void mem_trim_conn_ended(unsigned still_live);

#endif
