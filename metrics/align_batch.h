/*
 * align_batch.h - aligning a whole file of utterance pairs on every core.
 *
 * align_batch_add() copies one (reference, hypothesis) pair, bound for row
 * row of a table, into the batch; when the batch holds ALIGN_BATCH_BYTES
 * of text it is aligned at once, and align_batch_flush() aligns what is
 * left.  A flush splits the pairs across threads (common/fanout.h), one
 * aligner each, and writes each pair's counts to t->asr[row].  Rows are
 * independent, so the counts do not depend on the number of threads; they
 * are those aligner_score() gives one pair at a time.
 *
 * Memory is the batch's text (at most ALIGN_BATCH_BYTES plus one pair)
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

#define ALIGN_BATCH_BYTES (16u << 20)

struct align_pair;

struct align_batch {
	struct table *t;
	unsigned flags;		/* aligner_score() flags; 0 by default */
	struct aligner *al[FANOUT_MAX_THREADS];
	size_t nthreads;
	struct buf text;
	struct align_pair *pairs;
	size_t n, cap;
	/* per flush */
	pthread_mutex_t lock;
	int failed;
	struct buf err;
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
 * 0, or -1 with err set when a flush this caused failed.
 */
int align_batch_add(struct align_batch *b, struct table *t, size_t row,
		    const char *ref, size_t ref_len, const char *hyp,
		    size_t hyp_len, struct buf *err);

/*
 * Align every queued pair.  0, or -1 with the first pair's failure in err
 * (the other pairs are still aligned).
 */
int align_batch_flush(struct align_batch *b, struct buf *err);

#endif
