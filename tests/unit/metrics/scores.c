/*
 * Unit tests for metrics/scores.c.
 *
 * AUC and DeLong variance references were computed by hand from the
 * definitions over all positive-negative pairs (psi = 1 if the positive
 * scores higher, 1/2 on a tie, 0 otherwise; V10, V01 and S10/m + S01/n with
 * n-1 denominators) in plain python3, no library.  ECE and Brier references
 * the same way from their definitions.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "metrics/scores.h"

static const double s12[] = { 0.1, 0.4, 0.35, 0.8, 0.4, 0.6, 0.2, 0.9, 0.4,
			      0.55, 0.7, 0.05 };
static const uint32_t y12[] = { 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0 };

static void test_scores__auc_delong(void **state)
{
	struct auc a;
	const double s2[] = { 0.3, 0.3, 0.3, 0.3 };
	const uint32_t y2[] = { 1, 0, 1, 0 };
	const double s3[] = { 0.9, 0.8, 0.7, 0.1, 0.2 };
	const uint32_t y3[] = { 1, 1, 1, 0, 0 };
	const uint32_t yall[] = { 1, 1, 1 };

	(void)state;
	assert_int_equal(auc_delong(s12, y12, 1, 12, &a), 0);
	assert_int_equal(a.npos, 6);
	assert_int_equal(a.nneg, 6);
	assert_true(fabs(a.auc - 0.833333333333333) < 1e-12);
	assert_true(fabs(a.var - 0.0143518518518519) < 1e-12);
	/* All tied: 0.5 with no variance. */
	assert_int_equal(auc_delong(s2, y2, 1, 4, &a), 0);
	assert_true(fabs(a.auc - 0.5) < 1e-15);
	assert_true(fabs(a.var) < 1e-15);
	/* Perfect separation. */
	assert_int_equal(auc_delong(s3, y3, 1, 5, &a), 0);
	assert_true(fabs(a.auc - 1) < 1e-15);
	assert_true(fabs(a.var) < 1e-15);
	/* Label 0 as the positive class mirrors the AUC. */
	assert_int_equal(auc_delong(s12, y12, 0, 12, &a), 0);
	assert_true(fabs(a.auc - (1 - 0.833333333333333)) < 1e-12);
	/* Undefined without negatives; no variance with one positive. */
	assert_int_equal(auc_delong(s3, yall, 1, 3, &a), -1);
	assert_true(isnan(a.auc));
	assert_int_equal(auc_delong(s3 + 2, y3 + 2, 1, 3, &a), 0);
	assert_true(fabs(a.auc - 1) < 1e-15);
	assert_true(isnan(a.var));
}

static void test_scores__order_and_groups(void **state)
{
	const double s[] = { 0.5, -1.5, 0.25, 3.0, -0.0, 0.5, 1e-300, -2e10,
			     0.0, 0.25 };
	const uint32_t coh[] = { 1, 0, 1, 0, 2, 0, 1, 2, 1, 0 };
	uint32_t order[10], grouped[10];
	size_t start[4];
	/* Ascending, ties by index; -0.0 equals 0.0. */
	const uint32_t want[] = { 7, 1, 4, 8, 6, 2, 9, 0, 5, 3 };
	const uint32_t want_g[] = { 1, 9, 5, 3, 8, 6, 2, 0, 7, 4 };

	(void)state;
	scores_order(s, 10, order);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(order[i], want[i]);
	scores_group_order(order, 10, coh, 3, grouped, start);
	assert_int_equal(start[0], 0);
	assert_int_equal(start[1], 4);
	assert_int_equal(start[2], 8);
	assert_int_equal(start[3], 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(grouped[i], want_g[i]);
}

static void test_scores__large_sort(void **state)
{
	size_t n = 200000;
	double *s = xmalloc(n * sizeof(*s));
	uint32_t *o = xmalloc(n * sizeof(*o));
	uint64_t x = 88172645463325252ULL;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s[i] = (double)(x % 100000) / 99999.0 - 0.3;
	}
	scores_order(s, n, o);
	for (size_t i = 1; i < n; i++) {
		assert_true(s[o[i - 1]] <= s[o[i]]);
		if (s[o[i - 1]] == s[o[i]])
			assert_true(o[i - 1] < o[i]);
	}
	free(s);
	free(o);
}

static void test_scores__ece_brier_moments(void **state)
{
	struct ece_acc e;
	struct moments m = { 0 }, big = { 0 };

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_true(isnan(ece_value(&e)));
	for (size_t i = 0; i < 12; i++) {
		double d = s12[i] - (double)y12[i];

		ece_add(&e, s12[i], y12[i] == 1);
		moments_add(&m, d * d);
	}
	assert_true(fabs(ece_value(&e) - 0.2375) < 1e-12);
	assert_true(fabs(m.mean - 0.154791666666667) < 1e-12);
	/* Edges: 1.0 in the last bin, out-of-range clamped. */
	memset(&e, 0, sizeof(e));
	ece_add(&e, 1.0, true);
	ece_add(&e, 1.5, true);
	ece_add(&e, -0.2, false);
	assert_int_equal(e.n[9], 2);
	assert_int_equal(e.n[0], 1);
	/* Welford against the textbook formula on shifted data: the mean of
	 * i % 7 over i < 1000 is (142 * 21 + 15) / 1000 = 2.997. */
	for (int i = 0; i < 1000; i++)
		moments_add(&big, 1e9 + (i % 7));
	assert_true(fabs(big.mean - (1e9 + 2.997)) < 1e-6);
	{
		double s = 0;

		for (int i = 0; i < 1000; i++)
			s += ((i % 7) - 2.997) * ((i % 7) - 2.997);
		assert_true(fabs(moments_var(&big) - s / 999) < 1e-6);
	}
	m.n = 1;
	assert_true(isnan(moments_var(&m)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scores__auc_delong),
		cmocka_unit_test(test_scores__order_and_groups),
		cmocka_unit_test(test_scores__large_sort),
		cmocka_unit_test(test_scores__ece_brier_moments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
