/*
 * fanout.c - work spread over threads; see fanout.h.
 */
#include "common/fa.h"
#include "common/fanout.h"
#include <pthread.h>
#include <unistd.h>

size_t fanout_threads(size_t max)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = cpus > 1 ? (size_t)cpus : 1;

	if (max > FANOUT_MAX_THREADS)
		max = FANOUT_MAX_THREADS;
	if (n > max)
		n = max;
	return n ? n : 1;
}

struct job {
	size_t n, chunk, next;	/* next item to hand out, under lock */
	fanout_fn work;
	void *ctx;
	pthread_mutex_t lock;
};

struct worker {
	struct job *job;
	size_t thread;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct job *j = w->job;

	for (;;) {
		size_t begin, end;

		pthread_mutex_lock(&j->lock);
		begin = j->next;
		end = begin + j->chunk < j->n ? begin + j->chunk : j->n;
		j->next = end;
		pthread_mutex_unlock(&j->lock);
		if (begin >= end)
			break;
		j->work(j->ctx, w->thread, begin, end);
	}
	return NULL;
}

void fanout(size_t n, size_t chunk, size_t nthreads, fanout_fn work,
	    void *ctx)
{
	struct job j = { n, chunk ? chunk : 1, 0, work, ctx,
			 PTHREAD_MUTEX_INITIALIZER };
	struct worker w[FANOUT_MAX_THREADS];
	pthread_t th[FANOUT_MAX_THREADS];
	size_t started = 0;

	if (nthreads > FANOUT_MAX_THREADS)
		nthreads = FANOUT_MAX_THREADS;
	if (nthreads < 2 || n <= j.chunk) {
		for (size_t i = 0; i < n; i += j.chunk)
			work(ctx, 0, i, n - i > j.chunk ? i + j.chunk : n);
		return;
	}
	for (size_t i = 0; i < nthreads; i++)
		w[i] = (struct worker){ &j, i };
	for (size_t i = 1; i < nthreads; i++)
		if (!pthread_create(&th[started], NULL, worker_main,
				    &w[started + 1]))
			started++;
	worker_main(&w[0]);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&j.lock);
}
