/*
 * fanout.h - the one way pure code spreads work over the machine's cores.
 *
 * fanout() runs work(ctx, thread, begin, end) over [0, n) in ranges of at
 * most chunk items, on the calling thread and up to nthreads - 1 more.
 * Ranges are handed out in order under a lock, each to the first thread
 * free; thread is the worker's number, 0 .. nthreads - 1 (0 is the
 * caller), so that work can keep per-thread state (a generator, an
 * aligner) in an array indexed by it.  Nothing is shared between ranges
 * but ctx, so results that depend only on the item (one random stream per
 * item, one row per item) do not depend on the number of threads.  When a
 * thread cannot be started its share is done by the others.  fanout()
 * returns when every item is done.
 */
#ifndef FA_FANOUT_H
#define FA_FANOUT_H

#include "common/fa.h"

#define FANOUT_MAX_THREADS 16

/* The cores online, clamped to 1 .. min(max, FANOUT_MAX_THREADS). */
size_t fanout_threads(size_t max);

typedef void (*fanout_fn)(void *ctx, size_t thread, size_t begin,
			  size_t end);

void fanout(size_t n, size_t chunk, size_t nthreads, fanout_fn work,
	    void *ctx);

#endif
