/*
 * align_batch.c - batched alignment on every core; see align_batch.h.
 *
 * The helpers (nthreads - 1 threads, started with the first batch) wait
 * on wake for a running job and take its pairs ALIGN_CHUNK at a time; the
 * caller's thread takes chunks too whenever it has to wait for a job to
 * end.  A job ends when every chunk has been handed out and none is being
 * aligned.
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
	b->batch_bytes = ALIGN_BATCH_BYTES;
	b->nthreads = fanout_threads(nthreads ? nthreads : FANOUT_MAX_THREADS);
	b->running = -1;
	for (int k = 0; k < 2; k++)
		buf_init(&b->job[k].text, 0);
	buf_init(&b->err, 0);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	pthread_cond_init(&b->done, NULL);
	for (size_t i = 0; i < b->nthreads; i++)
		if (!(b->al[i] = aligner_new(no, err)))
			return -1;
	return 0;
}

void align_batch_release(struct align_batch *b)
{
	pthread_mutex_lock(&b->lock);
	b->quit = true;
	pthread_cond_broadcast(&b->wake);
	pthread_mutex_unlock(&b->lock);
	for (size_t i = 0; i < b->nstarted; i++)
		pthread_join(b->th[i], NULL);
	for (size_t i = 0; i < b->nthreads; i++)
		aligner_free(b->al[i]);
	for (int k = 0; k < 2; k++) {
		buf_release(&b->job[k].text);
		free(b->job[k].pairs);
		free(b->job[k].out);
	}
	buf_release(&b->err);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->wake);
	pthread_cond_destroy(&b->done);
}

/* Align pairs [begin, end) of job j with aligner al. */
static void align_range(struct align_batch *b, struct align_job *j,
			struct aligner *al, size_t begin, size_t end)
{
	struct buf err = BUF_INIT;

	for (size_t k = begin; k < end; k++) {
		const struct align_pair *p = &j->pairs[k];

		if (aligner_score(al, j->text.s + p->ref, p->ref_len,
				  j->text.s + p->hyp, p->hyp_len, b->flags,
				  &j->out[k], &err)) {
			pthread_mutex_lock(&b->lock);
			if (!b->failed++)
				buf_addf(&b->err, "%s", err.s);
			pthread_mutex_unlock(&b->lock);
			buf_reset(&err);
		}
	}
	buf_release(&err);
}

/*
 * With the lock held: align one chunk of the running job with al, the
 * lock released meanwhile.  false when no chunk is left to hand out.
 */
static bool take_chunk(struct align_batch *b, struct aligner *al)
{
	struct align_job *j;
	size_t begin, end;

	if (b->running < 0)
		return false;
	j = &b->job[b->running];
	if (j->next >= j->n)
		return false;
	begin = j->next;
	end = j->n - begin > ALIGN_CHUNK ? begin + ALIGN_CHUNK : j->n;
	j->next = end;
	j->active++;
	pthread_mutex_unlock(&b->lock);
	align_range(b, j, al, begin, end);
	pthread_mutex_lock(&b->lock);
	if (!--j->active && j->next >= j->n)
		pthread_cond_broadcast(&b->done);
	return true;
}

static void *helper_main(void *arg)
{
	struct align_batch *b = arg;
	struct aligner *al;

	pthread_mutex_lock(&b->lock);
	al = b->al[++b->ids];	/* 1 .. nthreads - 1 */
	while (!b->quit)
		if (!take_chunk(b, al))
			pthread_cond_wait(&b->wake, &b->lock);
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

/*
 * The caller's thread helps the running job to its end, then copies its
 * counts to the table.
 */
static void finish_running(struct align_batch *b)
{
	struct align_job *j = NULL;

	pthread_mutex_lock(&b->lock);
	while (b->running >= 0) {
		if (take_chunk(b, b->al[0]))
			continue;
		if (b->job[b->running].active) {
			pthread_cond_wait(&b->done, &b->lock);
		} else {
			j = &b->job[b->running];
			b->running = -1;
		}
	}
	pthread_mutex_unlock(&b->lock);
	for (size_t k = 0; j && k < j->n; k++)
		j->t->asr[j->pairs[k].row] = j->out[k];
}

/* Hand job k to the helpers (none is running); starts them the first time. */
static void submit(struct align_batch *b, int k)
{
	/* a helper that cannot start leaves its share to the others */
	while (b->nstarted + 1 < b->nthreads &&
	       !pthread_create(&b->th[b->nstarted], NULL, helper_main, b))
		b->nstarted++;
	pthread_mutex_lock(&b->lock);
	b->job[k].next = 0;
	b->job[k].active = 0;
	b->running = k;
	pthread_cond_broadcast(&b->wake);
	pthread_mutex_unlock(&b->lock);
}

/* The failures since the last report into err: 0, or -1. */
static int report(struct align_batch *b, struct buf *err)
{
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (b->failed) {
		buf_addf(err, "%s", b->err.s);
		b->failed = 0;
		buf_reset(&b->err);
		ret = -1;
	}
	pthread_mutex_unlock(&b->lock);
	return ret;
}

/* The job being filled to the helpers, after the one they may be on. */
static void hand_over(struct align_batch *b)
{
	struct align_job *j;

	finish_running(b);
	submit(b, b->fill);
	b->fill ^= 1;
	j = &b->job[b->fill];
	j->n = 0;
	buf_reset(&j->text);
}

int align_batch_flush(struct align_batch *b, struct buf *err)
{
	if (b->job[b->fill].n)
		hand_over(b);
	finish_running(b);
	return report(b, err);
}

int align_batch_add(struct align_batch *b, struct table *t, size_t row,
		    const char *ref, size_t ref_len, const char *hyp,
		    size_t hyp_len, struct buf *err)
{
	struct align_job *j = &b->job[b->fill];
	struct align_pair *p;

	j->t = t;
	j->out = xgrow(j->out, &j->out_cap, j->n + 1, sizeof(*j->out));
	j->pairs = xgrow(j->pairs, &j->cap, j->n + 1, sizeof(*j->pairs));
	/* what aligner_score() leaves alone stays as the table has it */
	j->out[j->n] = t->asr[row];
	p = &j->pairs[j->n++];
	p->row = row;
	p->ref = j->text.len;
	p->ref_len = ref_len;
	buf_add(&j->text, ref, ref_len);
	p->hyp = j->text.len;
	p->hyp_len = hyp_len;
	buf_add(&j->text, hyp, hyp_len);
	if (j->text.len < b->batch_bytes)
		return 0;
	hand_over(b);
	return report(b, err);
}

size_t align_batch_queued(const struct align_batch *b)
{
	return b->job[b->fill].n;
}
