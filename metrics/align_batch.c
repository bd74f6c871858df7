/*
 * align_batch.c - batched alignment on every core; see align_batch.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "metrics/align_batch.h"

#define ALIGN_CHUNK 256		/* pairs handed to a thread at a time */

struct align_pair {
	size_t row;
	size_t ref, ref_len, hyp, hyp_len;	/* offsets into text */
};

int align_batch_init(struct align_batch *b, const struct norm_opts *no,
		     size_t nthreads, struct buf *err)
{
	memset(b, 0, sizeof(*b));
	b->nthreads = fanout_threads(nthreads ? nthreads : FANOUT_MAX_THREADS);
	buf_init(&b->text, 0);
	buf_init(&b->err, 0);
	pthread_mutex_init(&b->lock, NULL);
	for (size_t i = 0; i < b->nthreads; i++)
		if (!(b->al[i] = aligner_new(no, err)))
			return -1;
	return 0;
}

void align_batch_release(struct align_batch *b)
{
	for (size_t i = 0; i < b->nthreads; i++)
		aligner_free(b->al[i]);
	buf_release(&b->text);
	buf_release(&b->err);
	free(b->pairs);
	pthread_mutex_destroy(&b->lock);
}

static void align_work(void *ctx, size_t thread, size_t begin, size_t end)
{
	struct align_batch *b = ctx;
	struct aligner *al = b->al[thread];
	struct buf err = BUF_INIT;

	for (size_t k = begin; k < end; k++) {
		const struct align_pair *p = &b->pairs[k];

		if (aligner_score(al, b->text.s + p->ref, p->ref_len,
				  b->text.s + p->hyp, p->hyp_len, b->flags,
				  &b->t->asr[p->row], &err)) {
			pthread_mutex_lock(&b->lock);
			if (!b->failed++)
				buf_addf(&b->err, "%s", err.s);
			pthread_mutex_unlock(&b->lock);
			buf_reset(&err);
		}
	}
	buf_release(&err);
}

int align_batch_flush(struct align_batch *b, struct buf *err)
{
	fanout(b->n, ALIGN_CHUNK, b->nthreads, align_work, b);
	b->n = 0;
	buf_reset(&b->text);
	if (b->failed) {
		buf_addf(err, "%s", b->err.s);
		b->failed = 0;
		buf_reset(&b->err);
		return -1;
	}
	return 0;
}

int align_batch_add(struct align_batch *b, struct table *t, size_t row,
		    const char *ref, size_t ref_len, const char *hyp,
		    size_t hyp_len, struct buf *err)
{
	struct align_pair *p;

	b->t = t;
	b->pairs = xgrow(b->pairs, &b->cap, b->n + 1, sizeof(*b->pairs));
	p = &b->pairs[b->n++];
	p->row = row;
	p->ref = b->text.len;
	p->ref_len = ref_len;
	buf_add(&b->text, ref, ref_len);
	p->hyp = b->text.len;
	p->hyp_len = hyp_len;
	buf_add(&b->text, hyp, hyp_len);
	if (b->text.len >= ALIGN_BATCH_BYTES)
		return align_batch_flush(b, err);
	return 0;
}
