/*
 * Unit tests for metrics/align_batch.c: 3,000 utterance pairs drawn from a
 * small vocabulary with a fixed seed (the test is deterministic), aligned
 * in one batch and in batches of a few hundred bytes (each aligned by the
 * helpers while the next is filled) on 1, 2 and 16 threads, give exactly
 * the counts that aligner_score() gives pair by pair; a pair that cannot
 * be aligned is reported and the others are still aligned, and a batch
 * given up after a failure can be released once its table is gone.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "metrics/align_batch.h"

enum { N = 3000 };

static const char *const vocab[] = {
	"the", "cat", "sat", "on", "a", "mat", "caf\xc3\xa9", "na\xc3\xafve",
	"uh", "it's",
};

/* A sentence of up to 11 words from a fixed linear congruential stream. */
static void sentence(struct buf *b, uint64_t *state)
{
	size_t words;

	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	words = (size_t)(*state >> 60) % 12;
	for (size_t i = 0; i < words; i++) {
		*state = *state * 6364136223846793005ULL +
			 1442695040888963407ULL;
		if (i)
			buf_addch(b, ' ');
		buf_adds(b, vocab[(*state >> 33) % ARRAY_SIZE(vocab)]);
	}
}

static void make_pairs(struct buf *ref, struct buf *hyp, size_t *roff,
		       size_t *hoff)
{
	uint64_t st = 20261207;

	for (size_t r = 0; r < N; r++) {
		roff[r] = ref->len;
		sentence(ref, &st);
		hoff[r] = hyp->len;
		sentence(hyp, &st);
	}
	roff[N] = ref->len;
	hoff[N] = hyp->len;
}

static void asr_table(struct table *t)
{
	table_init(t, TASK_ASR);
	for (size_t r = 0; r < N; r++) {
		char id[16];
		int n = snprintf(id, sizeof(id), "u%zu", r);

		assert_int_equal(table_add_row(t, id, (size_t)n), (int64_t)r);
	}
}

static void test_align_batch__same_as_one_by_one(void **state)
{
	static size_t roff[N + 1], hoff[N + 1];
	struct buf ref = BUF_INIT, hyp = BUF_INIT, err = BUF_INIT;
	struct asr_counts *want = xcalloc(N, sizeof(*want));
	struct norm_opts no;
	struct aligner *al;
	static const size_t threads[] = { 1, 2, 16, 1, 2, 16 };

	(void)state;
	make_pairs(&ref, &hyp, roff, hoff);
	norm_opts_init(&no);
	al = aligner_new(&no, &err);
	assert_non_null(al);
	for (size_t r = 0; r < N; r++)
		assert_int_equal(aligner_score(al, ref.s + roff[r],
					       roff[r + 1] - roff[r],
					       hyp.s + hoff[r],
					       hoff[r + 1] - hoff[r], 0,
					       &want[r], &err), 0);
	aligner_free(al);
	for (size_t k = 0; k < ARRAY_SIZE(threads); k++) {
		struct align_batch b;
		struct table t;
		uint64_t errors = 0;

		asr_table(&t);
		assert_int_equal(align_batch_init(&b, &no, threads[k], &err),
				 0);
		assert_true(b.nthreads >= 1 && b.nthreads <= threads[k]);
		if (k >= 3)
			b.batch_bytes = 300;	/* about 10 pairs a batch */
		for (size_t r = 0; r < N; r++)
			assert_int_equal(align_batch_add(&b, &t, r,
				ref.s + roff[r], roff[r + 1] - roff[r],
				hyp.s + hoff[r], hoff[r + 1] - hoff[r],
				&err), 0);
		assert_int_equal(align_batch_flush(&b, &err), 0);
		assert_int_equal(align_batch_queued(&b), 0);
		assert_memory_equal(t.asr, want, N * sizeof(*want));
		for (size_t r = 0; r < N; r++)
			errors += t.asr[r].sub + t.asr[r].del + t.asr[r].ins;
		assert_true(errors > N);	/* the pairs do differ */
		align_batch_release(&b);
		table_release(&t);
	}
	norm_opts_release(&no);
	free(want);
	buf_release(&ref);
	buf_release(&hyp);
	buf_release(&err);
}

static void test_align_batch__bad_pair_reported(void **state)
{
	struct align_batch b;
	struct table t;
	struct norm_opts no;
	struct buf err = BUF_INIT;

	(void)state;
	norm_opts_init(&no);
	asr_table(&t);
	assert_int_equal(align_batch_init(&b, &no, 2, &err), 0);
	for (size_t r = 0; r < 600; r++) {
		const char *h = r == 300 ? "bad \xff byte" : "the cat";

		assert_int_equal(align_batch_add(&b, &t, r, "the cat sat", 11,
						 h, strlen(h), &err), 0);
	}
	assert_int_equal(align_batch_flush(&b, &err), -1);
	assert_true(err.len > 0);
	assert_int_equal(t.asr[0].del, 1);
	assert_int_equal(t.asr[599].hits, 2);
	/* the batch is usable again */
	buf_reset(&err);
	assert_int_equal(align_batch_add(&b, &t, 300, "a", 1, "a", 1, &err), 0);
	assert_int_equal(align_batch_flush(&b, &err), 0);
	assert_int_equal(t.asr[300].hits, 1);
	align_batch_release(&b);
	table_release(&t);
	norm_opts_release(&no);
	buf_release(&err);
}

/*
 * In small batches the failure is reported by a later call; a caller that
 * then frees its table and releases the batch without a flush touches no
 * freed memory (AddressSanitizer would say so), since counts reach the
 * table only when the caller's thread copies them.
 */
static void test_align_batch__given_up_after_failure(void **state)
{
	struct align_batch b;
	struct table t;
	struct norm_opts no;
	struct buf err = BUF_INIT;
	int failed_at = -1;

	(void)state;
	norm_opts_init(&no);
	asr_table(&t);
	assert_int_equal(align_batch_init(&b, &no, 2, &err), 0);
	b.batch_bytes = 200;
	for (size_t r = 0; r < N && failed_at < 0; r++) {
		const char *h = r == 100 ? "bad \xff byte" : "the cat";

		if (align_batch_add(&b, &t, r, "the cat sat", 11, h,
				    strlen(h), &err))
			failed_at = (int)r;
	}
	assert_true(failed_at > 100);
	assert_true(err.len > 0);
	/* queue more, as a reader that has not seen the failure yet would */
	for (size_t r = 0; r < 200; r++)
		align_batch_add(&b, &t, r, "the cat sat", 11, "the", 3, &err);
	table_release(&t);
	align_batch_release(&b);
	norm_opts_release(&no);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_align_batch__same_as_one_by_one),
		cmocka_unit_test(test_align_batch__bad_pair_reported),
		cmocka_unit_test(test_align_batch__given_up_after_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
