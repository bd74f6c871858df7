/*
 * Unit tests for bounty/judge.c: the judgement of one submission without a
 * database.  300 rows, the odd ones in the holdout and the even ones in the
 * discovery part; the group is rows 0..139 (70 of them in each part),
 * wrong 80 % of the time against 60 % for the rest, the same on both
 * parts (as in Newcombe's example of tests/unit/bounty/verify.c).  The
 * reusable holdout is noiseless, so every answer is known.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "bounty/judge.h"

#define N 300

struct world {
	double err[N];
	struct bitset g, hold, disc;
};

static void world_init(struct world *w)
{
	bitset_init(&w->g);
	bitset_init(&w->hold);
	bitset_init(&w->disc);
	bitset_reset(&w->g, N);
	bitset_reset(&w->hold, N);
	bitset_reset(&w->disc, N);
	for (size_t r = 0; r < N; r++) {
		size_t k = r / 2;	/* index within its part: 0..149 */

		if (r < 140)
			bitset_set(&w->g, r);
		bitset_set(r % 2 ? &w->hold : &w->disc, r);
		w->err[r] = k < 56 || (k >= 70 && k < 118);
	}
}

static void world_release(struct world *w)
{
	bitset_release(&w->g);
	bitset_release(&w->hold);
	bitset_release(&w->disc);
}

static struct judge_input input(struct world *w)
{
	struct judge_input ji;

	memset(&ji, 0, sizeof(ji));
	ji.in.group = &w->g;
	ji.in.split = &w->hold;
	ji.in.err = w->err;
	ji.discovery = &w->disc;
	verify_rules_init(&ji.rules);
	return ji;
}

static void test_judge__release_and_exact(void **state)
{
	struct world w;
	struct judge_input ji;
	struct judgement j;
	struct thresholdout t;
	struct buf err = BUF_INIT, why = BUF_INIT;

	(void)state;
	world_init(&w);
	ji = input(&w);
	thresholdout_init(&t, 0.04, 0, 10, 1);
	assert_int_equal(judge_submission(&ji, &t, &j, &err), JUDGE_DONE);
	/* the exact verdict, the discovery's, and the released one */
	assert_int_equal(j.exact.support, 70);
	assert_float_equal(j.exact.gap, 0.2, 1e-12);
	assert_int_equal(j.disc.support, 70);
	assert_int_equal(j.drules.min_support, 1);
	assert_float_equal(j.disc.gap, 0.2, 1e-12);
	/* discovery agrees: its number, nothing charged, T off for min_gap */
	assert_int_equal(j.v.gap_source, THRESHOLDOUT_DISCOVERY);
	assert_int_equal(t.used, 0);
	assert_int_equal(j.v.status, VERIFY_ACCEPTED);
	assert_float_equal(judge_points(&j.v), j.v.weight * j.v.gap, 0);
	judge_public_reason(&j.v, &ji.rules, &why);
	assert_string_equal(why.s, "gap 0.2000 reaches the minimum gap 0.0200 "
			    "and is significant at the adjusted level 0.05");
	buf_release(&why);
	buf_release(&err);
	world_release(&w);
}

static void test_judge__bounty_budget(void **state)
{
	struct world w;
	struct judge_input ji;
	struct judgement j;
	struct thresholdout t;
	struct buf err = BUF_INIT;

	(void)state;
	world_init(&w);
	ji = input(&w);
	thresholdout_init(&t, 0.04, 0, 10, 1);
	/* one answer left would be enough: released */
	ji.total_budget = 5;
	ji.total_used = 4;
	assert_int_equal(judge_submission(&ji, &t, &j, &err), JUDGE_DONE);
	assert_false(j.v.verdict_only);
	/* spent: the verdict alone, no number, credited at its threshold */
	ji.total_used = 5;
	assert_int_equal(judge_submission(&ji, &t, &j, &err), JUDGE_DONE);
	assert_true(j.v.verdict_only);
	assert_int_equal(j.v.status, VERIFY_ACCEPTED);
	assert_true(isnan(j.v.gap));
	assert_float_equal(judge_points(&j.v),
			   j.v.weight * j.v.verdict_threshold, 0);
	assert_int_equal(t.used, 1);	/* the acceptance */
	/* the verdicts spent as well: refused, nothing released */
	ji.total_used = 10;
	assert_int_equal(judge_submission(&ji, &t, &j, &err), JUDGE_REFUSED);
	assert_string_equal(err.s, "the bounty's budget of 5 holdout answers, "
			    "and of as many verdicts after them, is spent");
	buf_reset(&err);
	/* the hunter's own budget: refused too */
	ji.total_budget = 0;
	t.used = t.budget;
	assert_int_equal(judge_submission(&ji, &t, &j, &err), JUDGE_REFUSED);
	assert_string_equal(err.s, "the holdout budget of 10 answers is used up");
	buf_release(&err);
	world_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge__release_and_exact),
		cmocka_unit_test(test_judge__bounty_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
