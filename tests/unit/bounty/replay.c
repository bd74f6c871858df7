/*
 * Unit tests for bounty/replay.c: findings patched into a list are
 * described by the caller's ids (the repair of an earlier group names that
 * group's finding); replaying the log into a new list rebuilds the same
 * list; a log that differs from the replay (a model number, the length) or
 * a step that fails stops it with the reason; an h that does not help
 * leaves the list unchanged.  The scenario is that of
 * tests/unit/bounty/pdl.c: g1 = 0..299 fixed by h1, then g2 = 200..599
 * whose h2 breaks 200..299, so a repair points g1 back to version 1.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/bitset.h"
#include "bounty/replay.h"

enum { N = 1000 };

struct world {
	double base[N], h[2][N];
	struct bitset eval, g[2];
	int fail_at;		/* step that returns -1, or -1 */
	size_t steps;
};

static void set_range(struct bitset *b, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		bitset_set(b, i);
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < N; i++) {
		w->base[i] = i < 600;
		w->h[0][i] = 0;
		w->h[1][i] = i < 300;
	}
	bitset_init(&w->eval);
	bitset_reset(&w->eval, N);
	bitset_fill(&w->eval);
	for (int k = 0; k < 2; k++) {
		bitset_init(&w->g[k]);
		bitset_reset(&w->g[k], N);
	}
	set_range(&w->g[0], 0, 300);
	set_range(&w->g[1], 200, 600);
	w->fail_at = -1;
}

static void world_release(struct world *w)
{
	bitset_release(&w->eval);
	bitset_release(&w->g[0]);
	bitset_release(&w->g[1]);
}

/* The log: finding 11 with h1, 12 without h, 13 with h2. */
static const struct replay_finding log3[] = {
	{ 11, 1 }, { 12, 0 }, { 13, 2 },
};

static int step(void *ctx, size_t i, struct bitset *group, double *h_err)
{
	struct world *w = ctx;
	int k = i == 0 ? 0 : 1;

	assert_true(i == 0 || i == 2);	/* the finding without h is skipped */
	w->steps++;
	if (w->fail_at == (int)i)
		return -1;
	bitset_copy(group, &w->g[k]);
	bitset_foreach(&w->g[k], r)
		h_err[r] = w->h[k][r];
	return 0;
}

/* The list after patching log3's findings in, as the server does. */
static struct pdl *patched(struct world *w, struct patch *second)
{
	struct pdl *l = pdl_new(N, w->base, NULL, &w->eval);
	struct buf err = BUF_INIT;
	struct patch p;

	assert_int_equal(bounty_patch(l, &w->g[0], w->h[0], NULL, 0, &p,
				      &err), 0);
	assert_int_equal(p.nnodes, 1);
	assert_false(p.nodes[0].repair);
	assert_int_equal(p.nodes[0].finding, 0);	/* the new one */
	assert_int_equal(p.info.model, 1);
	free(p.nodes);
	assert_int_equal(bounty_patch(l, &w->g[1], w->h[1], log3, 2, second,
				      &err), 0);
	buf_release(&err);
	return l;
}

static void test_replay__patch_names_findings(void **state)
{
	struct world w;
	struct patch p;
	struct pdl *l;

	(void)state;
	world_init(&w);
	l = patched(&w, &p);
	assert_int_equal(p.info.model, 2);
	assert_int_equal(p.info.repairs, 1);
	assert_float_equal(p.info.after, 0.0, 0);
	assert_int_equal(p.nnodes, 2);
	assert_false(p.nodes[0].repair);
	assert_int_equal(p.nodes[0].finding, 0);
	assert_true(p.nodes[1].repair);
	assert_int_equal(p.nodes[1].finding, 11);	/* g1's finding */
	assert_int_equal(p.nodes[1].target, 1);
	free(p.nodes);
	pdl_free(l);
	world_release(&w);
}

static void test_replay__rebuilds_the_same_list(void **state)
{
	struct world w;
	struct patch p;
	struct pdl *l, *r;
	struct buf err = BUF_INIT;
	uint32_t a[N], b[N];

	(void)state;
	world_init(&w);
	l = patched(&w, &p);
	free(p.nodes);
	r = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_replay(r, log3, 3, 3, step, &w, &err),
			 REPLAY_OK);
	assert_int_equal(err.len, 0);
	assert_int_equal(w.steps, 2);
	assert_int_equal(pdl_length(r), pdl_length(l));
	assert_int_equal(pdl_models(r), 2);
	for (size_t v = 0; v <= pdl_length(l); v++)
		assert_float_equal(pdl_metric(r, v, NULL),
				   pdl_metric(l, v, NULL), 0);
	pdl_sources(l, a);
	pdl_sources(r, b);
	assert_memory_equal(a, b, sizeof(a));
	pdl_free(l);
	pdl_free(r);
	buf_release(&err);
	world_release(&w);
}

static void test_replay__mismatch_and_stop(void **state)
{
	static const struct replay_finding wrong_model[] = {
		{ 11, 1 }, { 12, 0 }, { 13, 3 },
	};
	struct world w;
	struct pdl *r;
	struct buf err = BUF_INIT;

	(void)state;
	world_init(&w);

	r = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_replay(r, wrong_model, 3, 3, step, &w, &err),
			 REPLAY_MISMATCH);
	assert_string_equal(err.s, "finding 13 replays as model 2, "
			    "recorded 3");
	pdl_free(r);

	buf_reset(&err);
	r = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_replay(r, log3, 3, 2, step, &w, &err),
			 REPLAY_MISMATCH);
	assert_string_equal(err.s, "the replayed list has 3 nodes, "
			    "2 recorded");
	pdl_free(r);

	buf_reset(&err);
	w.fail_at = 2;
	w.steps = 0;
	r = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_replay(r, log3, 3, 3, step, &w, &err),
			 REPLAY_STOPPED);
	assert_int_equal(w.steps, 2);
	assert_int_equal(err.len, 0);	/* the step's caller says why */
	pdl_free(r);

	/* An h that does not lower the group's loss does not replay. */
	buf_reset(&err);
	w.fail_at = -1;
	for (size_t i = 0; i < N; i++)
		w.h[0][i] = 1;
	r = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_replay(r, log3, 3, 3, step, &w, &err),
			 REPLAY_MISMATCH);
	assert_non_null(strstr(err.s, "finding 11 does not replay: "));
	pdl_free(r);
	buf_release(&err);
	world_release(&w);
}

static void test_replay__patch_refused_leaves_list(void **state)
{
	struct world w;
	struct pdl *l;
	struct patch p;
	struct buf err = BUF_INIT;
	double worse[N];

	(void)state;
	world_init(&w);
	for (size_t i = 0; i < N; i++)
		worse[i] = 1;
	l = pdl_new(N, w.base, NULL, &w.eval);
	assert_int_equal(bounty_patch(l, &w.g[0], worse, NULL, 0, &p, &err),
			 -1);
	assert_true(err.len > 0);
	assert_null(p.nodes);
	assert_int_equal(p.nnodes, 0);
	assert_int_equal(pdl_length(l), 0);
	assert_int_equal(pdl_rows(l), N);
	pdl_free(l);
	buf_release(&err);
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay__patch_names_findings),
		cmocka_unit_test(test_replay__rebuilds_the_same_list),
		cmocka_unit_test(test_replay__mismatch_and_stop),
		cmocka_unit_test(test_replay__patch_refused_leaves_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
