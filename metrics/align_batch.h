/*
 * align_batch.h - aligning a whole file of utterance pairs on every core.
 *
 * align_batch_add() copies one (reference, hypothesis) pair, bound for row
 * row of a table, into the batch being filled; when that holds batch_bytes
 * of text (ALIGN_BATCH_BYTES unless the caller sets it) it is handed to
 * the other threads, which align it while the caller reads on and fills
 * the next one.  Before handing that one over, the caller helps finish
 * the first, so at most two batches exist.  align_batch_flush() aligns
 * everything queued, the caller's thread helping.  Pairs are handed out in
 * chunks, one aligner a thread.  Each pair's counts go to the batch's own
 * memory and are copied to t->asr[row] by the caller's thread once the
 * whole batch is aligned, so a caller that gives up (and frees t) after a
 * failed call need only release the batch, never flush it.  Rows are independent, so the counts do not depend on the
 * number of threads or on the timing; they are those aligner_score()
 * gives one pair at a time.
 *
 * Memory is two batches' text (at most batch_bytes plus one pair each)
 * and one aligner per thread.
 */
#ifndef FA_ALIGN_BATCH_H
#define FA_ALIGN_BATCH_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/fanout.h"
#include "cohorts/table.h"
#include "metrics/alignment.h"
#include "metrics/normalize.h"
#include <pthread.h>

#define ALIGN_BATCH_BYTES (1u << 20)

struct align_pair;

/* One batch of pairs; next and active are guarded by the batch's lock. */
struct align_job {
	struct table *t;
	struct buf text;
	struct align_pair *pairs;
	struct asr_counts *out;	/* pair k's counts, copied to t when done */
	size_t n, cap, out_cap;
	size_t next;		/* the first pair not handed out */
	size_t active;		/* chunks being aligned */
};

struct align_batch {
	unsigned flags;		/* aligner_score() flags; 0 by default */
	size_t batch_bytes;	/* ALIGN_BATCH_BYTES by default */
	struct aligner *al[FANOUT_MAX_THREADS];	/* al[0]: the caller's */
	size_t nthreads;
	struct align_job job[2];
	int fill;		/* the job being filled */
	int running;		/* the job being aligned, or -1 */
	pthread_t th[FANOUT_MAX_THREADS];
	size_t nstarted;	/* helper threads running */
	size_t ids;		/* aligners handed to helpers so far */
	bool quit;
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* a job to align, or quit */
	pthread_cond_t done;	/* a chunk finished */
	int failed;
	struct buf err;		/* the first failure since the last report */
};

/*
 * A batch that aligns with normalisation no on up to nthreads threads (0:
 * every core).  0, or -1 with err set (the batch must still be released).
 */
int align_batch_init(struct align_batch *b, const struct norm_opts *no,
		     size_t nthreads, struct buf *err);
void align_batch_release(struct align_batch *b);

/*
 * Queue the pair for row of t (every pair of a batch goes to the same t).
 * 0, or -1 with err set when a batch aligned since the last report had a
 * pair that failed (the other pairs are still aligned).
 */
int align_batch_add(struct align_batch *b, struct table *t, size_t row,
		    const char *ref, size_t ref_len, const char *hyp,
		    size_t hyp_len, struct buf *err);

/*
 * Align every queued pair.  0, or -1 with the first failure since the last
 * report in err (the other pairs are still aligned).
 */
int align_batch_flush(struct align_batch *b, struct buf *err);

/* The pairs queued and not yet handed out. */
size_t align_batch_queued(const struct align_batch *b);

#endif
