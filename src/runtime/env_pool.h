/* env_pool.h - recycled envelope blocks, so that a message sent on one thread
 * and freed on another costs neither glibc's cross-thread free nor a fresh
 * malloc (env_pool.c).
 *
 * Every thread that makes envelopes owns a home: a private free list and a
 * return stack other threads push onto. An envelope remembers its home; when
 * another thread frees it, that thread gathers it with others of the same
 * home and hands the batch back with one atomic exchange. Blocks are of one
 * size (an envelope with up to WASP_ENV_POOL_INLINE payload bytes inline);
 * larger ones, and every one while fault injection is armed, come from
 * malloc as before, so an injected failure still reaches its caller. */
#ifndef WASP_RUNTIME_ENV_POOL_H
#define WASP_RUNTIME_ENV_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/envelope.h"

#define WASP_ENV_POOL_INLINE 64   /* inline payload bytes of a pooled block */
#define WASP_ENV_POOL_KEEP 65536  /* blocks a thread keeps on its free list */
#define WASP_ENV_POOL_BATCH 32    /* blocks a freeing thread gathers per hand-back */

/* An envelope block with room for extra inline bytes, its pool link set and
 * the rest uninitialised; NULL when out of memory. */
struct wasp_env *wasp__env_pool_take(size_t extra);
/* Gives the block back to its home (or to free() if it has none). */
void wasp__env_pool_give(struct wasp_env *e);
/* Hands back every block this thread gathered for other threads (a worker
 * about to sleep; a thread about to exit does it by itself). */
void wasp__env_pool_flush(void);
/* Blocks on this thread's own free list (tests, statistics). */
uint32_t wasp__env_pool_cached(void);

#endif
