/*
 * Unit tests for common/fanout.c: every item is handed out exactly once,
 * in ranges of at most the chunk, to thread numbers below the count asked
 * for, whatever the count; no items means no call.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include "common/fanout.h"

enum { N = 100003 };

struct seen {
	unsigned char hit[N];
	size_t nthreads, chunk, calls;
	bool bad;
	pthread_mutex_t lock;
};

static void mark(void *ctx, size_t thread, size_t begin, size_t end)
{
	struct seen *s = ctx;

	pthread_mutex_lock(&s->lock);
	s->calls++;
	if (thread >= s->nthreads || end <= begin || end - begin > s->chunk ||
	    end > N)
		s->bad = true;
	pthread_mutex_unlock(&s->lock);
	for (size_t i = begin; i < end && i < N; i++)
		s->hit[i]++;	/* ranges are disjoint: no lock needed */
}

static void test_fanout__every_item_once(void **state)
{
	static const size_t threads[] = { 1, 2, 3, 16, 40 };
	static const size_t chunks[] = { 1, 7, 1000, N };
	static struct seen s;

	(void)state;
	pthread_mutex_init(&s.lock, NULL);
	for (size_t a = 0; a < ARRAY_SIZE(threads); a++) {
		for (size_t c = 0; c < ARRAY_SIZE(chunks); c++) {
			memset(s.hit, 0, sizeof(s.hit));
			s.nthreads = threads[a] < FANOUT_MAX_THREADS ?
				     threads[a] : FANOUT_MAX_THREADS;
			s.chunk = chunks[c];
			s.calls = 0;
			s.bad = false;
			fanout(N, chunks[c], threads[a], mark, &s);
			assert_false(s.bad);
			for (size_t i = 0; i < N; i++)
				assert_int_equal(s.hit[i], 1);
			assert_int_equal(s.calls,
					 (N + chunks[c] - 1) / chunks[c]);
		}
	}
	s.calls = 0;
	fanout(0, 10, 4, mark, &s);
	assert_int_equal(s.calls, 0);
	pthread_mutex_destroy(&s.lock);
}

static void test_fanout__thread_count(void **state)
{
	(void)state;
	assert_int_equal(fanout_threads(1), 1);
	assert_int_equal(fanout_threads(0), 1);
	assert_true(fanout_threads(1000) >= 1);
	assert_true(fanout_threads(1000) <= FANOUT_MAX_THREADS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fanout__every_item_once),
		cmocka_unit_test(test_fanout__thread_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
