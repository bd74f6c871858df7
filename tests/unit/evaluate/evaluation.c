/*
 * Unit tests for evaluate/evaluation.c (and evaluate/tasks.c) on small
 * hand-built tables.
 *
 * The binary-classification table is seven blocks of rows with known
 * confusion counts (group, sex, age; tp fp tn fn):
 *   a f 25: 20 5 20 5     a m 35: 20 5 20 5
 *   b f 45: 10 15 10 15   b m 55: 10 15 10 15
 *   d f 65: 15 3 20 2     d m "": 10 2 6 2      c f 70: 5 0 0 5
 * evaluated by [group], [group, sex] and [age] binned at 0, 40, 60, 80.
 * The expected fpr and error_rate tables below were computed independently
 * in python3 with scipy 1.10.1 from the counts: Wilson limits from
 * binomtest(x, n).proportion_ci(method="wilson"); Newcombe method 10 from
 * those limits; ratios from scipy.stats.contingency.relative_risk(...)
 * .confidence_interval() (Katz), or by the 0.5-per-cell formula when one
 * count is 0; p-values from fisher_exact when the smallest expected cell
 * count is below 5, else chi2_contingency(correction=False); Holm and BH
 * by R's p.adjust formulas over each metric's family (non-reference
 * cohorts of all three groupings with neither cohort below 30 rows).
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"
#include "tests/unit/evaluate/run_eval.h"

struct expect {
	int g, i, n, ref, small, d;
	double v, lo, hi, diff, dlo, dhi, r, rlo, rhi, p, padj;
	const char *test;
};

/* grouping, cohort, n, reference, too_small, denominator, value, low,
 * high, difference, diff_low, diff_high, ratio, ratio_low, ratio_high,
 * p_value, p_adjusted, test */
static const struct expect fpr_default[] = {
	{ 0, 0, 100, 1, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 0, 1, 100, 0, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, 0.39999999999999997, 0.21002137125144435, 0.5517313147848631, 2.9999999999999996, 1.6484466178773158, 5.4596854410664415, 4.455709060405612e-05, 0.00035645672483244895, "z" },
	{ 0, 2, 10, 0, 1, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 0, 3, 60, 0, 0, 31, 0.16129032258064516, 0.07092624443365303, 0.32634353958793255, -0.038709677419354854, -0.19733590390212286, 0.14813184854068648, 0.8064516129032258, 0.30402127155633824, 2.139206249039371, 0.6628922112709243, 1.0, "z" },
	{ 1, 0, 50, 1, 0, 25, 0.2, 0.08860584686802575, 0.39130950369540335, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 1, 1, 50, 0, 0, 25, 0.2, 0.08860584686802575, 0.39130950369540335, 0.0, -0.22137746849255294, 0.22137746849255294, 1.0, 0.329980057066448, 3.030486172073818, 1.0, 1.0, "z" },
	{ 1, 2, 50, 0, 0, 25, 0.6, 0.40739457358967, 0.7659669762225203, 0.39999999999999997, 0.12852960292715787, 0.5998842028486402, 2.9999999999999996, 1.2863529766241757, 6.996524409356936, 0.003892417122778637, 0.023354502736671823, "z" },
	{ 1, 3, 50, 0, 0, 25, 0.6, 0.40739457358967, 0.7659669762225203, 0.39999999999999997, 0.12852960292715787, 0.5998842028486402, 2.9999999999999996, 1.2863529766241757, 6.996524409356936, 0.003892417122778637, 0.023354502736671823, "z" },
	{ 1, 4, 10, 0, 1, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 1, 5, 40, 0, 0, 23, 0.13043478260869565, 0.045376590936312355, 0.32127482270095964, -0.06956521739130436, -0.27893145672983155, 0.15140667732475824, 0.6521739130434782, 0.17516689247614792, 2.428146134477772, 0.7031507920225168, 1.0, "fisher" },
	{ 1, 6, 20, 0, 1, 8, 0.25, 0.071479212752109, 0.5907245696898311, 0.04999999999999999, -0.2116658129824917, 0.40847160242104297, 1.25, 0.29806416054648055, 5.242159933402465, 1.0, NAN, "fisher" },
	{ 2, 0, 100, 1, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 2, 1, 100, 0, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, 0.39999999999999997, 0.21002137125144435, 0.5517313147848631, 2.9999999999999996, 1.6484466178773158, 5.4596854410664415, 4.455709060405612e-05, 0.00035645672483244895, "z" },
	{ 2, 2, 50, 0, 0, 23, 0.13043478260869565, 0.045376590936312355, 0.32127482270095964, -0.06956521739130436, -0.22522995032520496, 0.14040409532138473, 0.6521739130434782, 0.19801548374272776, 2.147967445854157, 0.7428373425031238, 1.0, "fisher" },
	{ 2, 3, 20, 0, 1, 8, 0.25, 0.071479212752109, 0.5907245696898311, 0.04999999999999999, -0.171057197549443, 0.4017959973748176, 1.25, 0.3332293004181487, 4.6889634196012056, 0.6649118003692777, NAN, "fisher" },
};

static const struct expect err_default[] = {
	{ 0, 0, 100, 1, 0, 100, 0.2, 0.1333669333310325, 0.2888291655931589, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 0, 1, 100, 0, 0, 100, 0.6, 0.5020025867910618, 0.6905987135675411, 0.39999999999999997, 0.26773468460847255, 0.5124637384840306, 2.9999999999999996, 1.9644487597981592, 4.581437899619595, 7.764036537930667e-09, 6.211229230344534e-08, "z" },
	{ 0, 2, 10, 0, 1, 10, 0.5, 0.236593090512564, 0.7634069094874361, 0.3, 0.02201830883006134, 0.5717041875633009, 2.5, 1.2007415926839324, 5.20511660300683, 0.045905317625198706, NAN, "fisher" },
	{ 0, 3, 60, 0, 0, 60, 0.15, 0.08097440580167743, 0.2611458906977855, -0.05000000000000002, -0.16249512573622177, 0.07958925338435724, 0.7499999999999999, 0.36555609625251817, 1.5387515234089741, 0.42671588628638957, 1.0, "z" },
	{ 1, 0, 50, 1, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 1, 1, 50, 0, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, 0.0, -0.15704714097183942, 0.15704714097183942, 1.0, 0.45658262718926446, 2.190184077208606, 1.0, 1.0, "z" },
	{ 1, 2, 50, 0, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, 0.39999999999999997, 0.21002137125144435, 0.5517313147848631, 2.9999999999999996, 1.6484466178773158, 5.4596854410664415, 4.455709060405612e-05, 0.0002673425436243367, "z" },
	{ 1, 3, 50, 0, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, 0.39999999999999997, 0.21002137125144435, 0.5517313147848631, 2.9999999999999996, 1.6484466178773158, 5.4596854410664415, 4.455709060405612e-05, 0.0002673425436243367, "z" },
	{ 1, 4, 10, 0, 1, 10, 0.5, 0.236593090512564, 0.7634069094874361, 0.3, 0.006095571529571853, 0.577579522559472, 2.5, 1.0884432205009427, 5.742146105814792, 0.10216672745406782, NAN, "fisher" },
	{ 1, 5, 40, 0, 0, 40, 0.125, 0.05459500250945404, 0.26112119838851094, -0.07500000000000001, -0.223167057001381, 0.08685231548960443, 0.625, 0.23229737802526151, 1.6815730049157978, 0.34278171114790884, 1.0, "z" },
	{ 1, 6, 20, 0, 1, 20, 0.2, 0.08065766257979806, 0.4160174322518936, 0.0, -0.17674616434232468, 0.23308951588461357, 1.0, 0.3544757093091796, 2.8210677734416594, 1.0, NAN, "fisher" },
	{ 2, 0, 100, 1, 0, 100, 0.2, 0.1333669333310325, 0.2888291655931589, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 2, 1, 100, 0, 0, 100, 0.6, 0.5020025867910618, 0.6905987135675411, 0.39999999999999997, 0.26773468460847255, 0.5124637384840306, 2.9999999999999996, 1.9644487597981592, 4.581437899619595, 7.764036537930667e-09, 6.211229230344534e-08, "z" },
	{ 2, 2, 50, 0, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, 0.0, -0.12473095862134204, 0.14641235836676414, 1.0, 0.5071484890575736, 1.9718090886128536, 1.0, 1.0, "z" },
	{ 2, 3, 20, 0, 1, 20, 0.2, 0.08065766257979806, 0.4160174322518936, 0.0, -0.14877235684391835, 0.2260608250237367, 1.0, 0.3828230774614306, 2.612172721224597, 1.0, NAN, "fisher" },
};

/* reference [{"group": "b"}, {"group": "a", "sex": "m"}], adjust "bh" */
static const struct expect fpr_refs[] = {
	{ 0, 0, 100, 0, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, -0.39999999999999997, -0.5517313147848631, -0.21002137125144435, 0.33333333333333337, 0.1831607353197018, 0.6066317156740492, 4.455709060405612e-05, 0.00017822836241622447, "z" },
	{ 0, 1, 100, 1, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 0, 2, 10, 0, 1, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 0, 3, 60, 0, 0, 31, 0.16129032258064516, 0.07092624443365303, 0.32634353958793255, -0.43870967741935485, -0.592074820548675, -0.2234474403297308, 0.26881720430107525, 0.11674701347021339, 0.6189682046700319, 0.00010701237674637817, 0.0002853663379903418, "z" },
	{ 1, 0, 50, 0, 0, 25, 0.2, 0.08860584686802575, 0.39130950369540335, 0.0, -0.22137746849255294, 0.22137746849255294, 1.0, 0.329980057066448, 3.030486172073818, 1.0, 1.0, "z" },
	{ 1, 1, 50, 1, 0, 25, 0.2, 0.08860584686802575, 0.39130950369540335, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 1, 2, 50, 0, 0, 25, 0.6, 0.40739457358967, 0.7659669762225203, 0.39999999999999997, 0.12852960292715787, 0.5998842028486402, 2.9999999999999996, 1.2863529766241757, 6.996524409356936, 0.003892417122778637, 0.0062278673964458195, "z" },
	{ 1, 3, 50, 0, 0, 25, 0.6, 0.40739457358967, 0.7659669762225203, 0.39999999999999997, 0.12852960292715787, 0.5998842028486402, 2.9999999999999996, 1.2863529766241757, 6.996524409356936, 0.003892417122778637, 0.0062278673964458195, "z" },
	{ 1, 4, 10, 0, 1, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 1, 5, 40, 0, 0, 23, 0.13043478260869565, 0.045376590936312355, 0.32127482270095964, -0.06956521739130436, -0.27893145672983155, 0.15140667732475824, 0.6521739130434782, 0.17516689247614792, 2.428146134477772, 0.7031507920225168, 0.8489569628607129, "fisher" },
	{ 1, 6, 20, 0, 1, 8, 0.25, 0.071479212752109, 0.5907245696898311, 0.04999999999999999, -0.2116658129824917, 0.40847160242104297, 1.25, 0.29806416054648055, 5.242159933402465, 1.0, NAN, "fisher" },
	{ 2, 0, 100, 1, 0, 50, 0.2, 0.11243750015776106, 0.33037105932225413, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "-" },
	{ 2, 1, 100, 0, 0, 50, 0.6, 0.4618143774758936, 0.7239161026974346, 0.39999999999999997, 0.21002137125144435, 0.5517313147848631, 2.9999999999999996, 1.6484466178773158, 5.4596854410664415, 4.455709060405612e-05, 0.00017822836241622447, "z" },
	{ 2, 2, 50, 0, 0, 23, 0.13043478260869565, 0.045376590936312355, 0.32127482270095964, -0.06956521739130436, -0.22522995032520496, 0.14040409532138473, 0.6521739130434782, 0.19801548374272776, 2.147967445854157, 0.7428373425031238, 0.8489569628607129, "fisher" },
	{ 2, 3, 20, 0, 1, 8, 0.25, 0.071479212752109, 0.5907245696898311, 0.04999999999999999, -0.171057197549443, 0.4017959973748176, 1.25, 0.3332293004181487, 4.6889634196012056, 0.6649118003692777, NAN, "fisher" },
};

static const struct block {
	const char *group, *sex, *age;
	unsigned tp, fp, tn, fn;
} blocks[] = {
	{ "a", "f", "25", 20, 5, 20, 5 },
	{ "a", "m", "35", 20, 5, 20, 5 },
	{ "b", "f", "45", 10, 15, 10, 15 },
	{ "b", "m", "55", 10, 15, 10, 15 },
	{ "d", "f", "65", 15, 3, 20, 2 },
	{ "d", "m", "", 10, 2, 6, 2 },
	{ "c", "f", "70", 5, 0, 0, 5 },
};

static void build_binary(struct table *t)
{
	uint32_t c0, c1;
	size_t id = 0;
	char s[32];

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "group");
	table_add_attr(t, "sex");
	table_add_attr(t, "age");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	for (size_t b = 0; b < ARRAY_SIZE(blocks); b++) {
		const struct block *k = &blocks[b];
		const unsigned cnt[4] = { k->tp, k->fp, k->tn, k->fn };
		const bool y[4] = { 1, 0, 0, 1 }, yhat[4] = { 1, 1, 0, 0 };

		for (size_t q = 0; q < 4; q++) {
			for (unsigned i = 0; i < cnt[q]; i++) {
				int len = snprintf(s, sizeof(s), "id%zu", id++);
				int64_t r = table_add_row(t, s, (size_t)len);

				table_set_attr(t, (size_t)r, 0, k->group, 1);
				table_set_attr(t, (size_t)r, 1, k->sex, 1);
				table_set_attr(t, (size_t)r, 2, k->age,
					       strlen(k->age));
				t->label[r] = y[q] ? c1 : c0;
				t->pred[r] = yhat[q] ? c1 : c0;
			}
		}
	}
	table_finish(t);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!it)
		fail_msg("missing key \"%s\"", k);
	return it;
}

static const cJSON *at(const cJSON *o, int i)
{
	const cJSON *it = cJSON_GetArrayItem(o, i);

	if (!it)
		fail_msg("missing item %d", i);
	return it;
}

static void expect_num(const cJSON *o, const char *k, double want, double tol)
{
	const cJSON *it = get(o, k);

	if (isnan(want)) {
		if (!cJSON_IsNull(it))
			fail_msg("\"%s\": want null", k);
		return;
	}
	if (!cJSON_IsNumber(it))
		fail_msg("\"%s\": not a number", k);
	if (fabs(it->valuedouble - want) > tol)
		fail_msg("\"%s\": got %.15g, want %.15g", k, it->valuedouble,
			 want);
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static const cJSON *cohort(const cJSON *res, int g, int i)
{
	return at(get(at(get(res, "groupings"), g), "cohorts"), i);
}

static bool has_flag(const cJSON *c, const char *metric)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, get(c, "flags"))
		if (!strcmp(f->valuestring, metric))
			return true;
	return false;
}

static void check_table(const cJSON *res, const struct expect *e, size_t n,
			const char *metric, size_t ncohorts[3])
{
	for (int g = 0; g < 3; g++)
		assert_int_equal(cJSON_GetArraySize(get(at(get(res, "groupings"),
							    g), "cohorts")),
				 ncohorts[g]);
	for (size_t i = 0; i < n; i++) {
		const cJSON *c = cohort(res, e[i].g, e[i].i);
		const cJSON *m = get(get(c, "metrics"), metric);
		const cJSON *d = get(c, "disparity");

		expect_num(c, "n", e[i].n, 0);
		assert_int_equal(cJSON_IsTrue(get(c, "too_small")), e[i].small);
		assert_int_equal(cJSON_IsTrue(get(c, "reference")), e[i].ref);
		if (!e[i].d) {
			assert_true(cJSON_IsNull(get(m, "value")));
			assert_non_null(cJSON_GetStringValue(get(m, "reason")));
		} else {
			expect_num(m, "value", e[i].v, 1e-12);
			expect_num(m, "low", e[i].lo, 1e-10);
			expect_num(m, "high", e[i].hi, 1e-10);
		}
		if (e[i].ref) {
			assert_null(d->child);
			assert_int_equal(cJSON_GetArraySize(get(c, "flags")), 0);
			continue;
		}
		d = get(d, metric);
		if (!e[i].d) {
			assert_true(cJSON_IsNull(get(d, "difference")));
			assert_string_equal(cJSON_GetStringValue(get(d, "reason")),
					    "metric undefined in this cohort");
			continue;
		}
		expect_num(d, "difference", e[i].diff, 1e-12);
		expect_num(d, "diff_low", e[i].dlo, 1e-10);
		expect_num(d, "diff_high", e[i].dhi, 1e-10);
		expect_num(d, "ratio", e[i].r, 1e-10);
		expect_num(d, "ratio_low", e[i].rlo, 1e-10);
		expect_num(d, "ratio_high", e[i].rhi, 1e-10);
		expect_num(d, "p_value", e[i].p, 1e-12 + e[i].p * 1e-9);
		expect_num(d, "p_adjusted", e[i].padj,
			   1e-12 + e[i].padj * 1e-9);
		if (isnan(e[i].padj))
			assert_non_null(cJSON_GetStringValue(
				get(d, "p_adjusted_reason")));
		assert_string_equal(cJSON_GetStringValue(get(d, "test")),
				    e[i].test);
		if (e[i].small)
			assert_int_equal(cJSON_GetArraySize(get(c, "flags")), 0);
	}
}

#define GROUPINGS "\"by\": [[\"group\"], [\"group\", \"sex\"], [\"age\"]], " \
		  "\"bins\": {\"age\": [0, 40, 60, 80]}"

static void test_evaluation__binary_holm(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	size_t nc[3] = { 4, 7, 4 };
	cJSON *res;
	const cJSON *g, *c, *m, *sp;

	(void)state;
	build_binary(&t);
	res = run_json(&t, "{" GROUPINGS "}", &err);
	if (!res)
		fail_msg("%s", err.s);
	assert_string_equal(cJSON_GetStringValue(get(res, "task")),
			    "classification");
	check_table(res, fpr_default, ARRAY_SIZE(fpr_default), "fpr", nc);
	check_table(res, err_default, ARRAY_SIZE(err_default), "error_rate",
		    nc);

	/* Reference: the largest cohort, ties to the first. */
	g = at(get(res, "groupings"), 0);
	assert_string_equal(cJSON_GetStringValue(get(get(g, "reference"),
						     "group")), "a");
	assert_string_equal(cJSON_GetStringValue(get(g, "reference_source")),
			    "largest");
	g = at(get(res, "groupings"), 1);
	assert_string_equal(cJSON_GetStringValue(get(get(g, "reference"),
						     "sex")), "f");

	/* Attributes and order; bins; missing value last. */
	c = cohort(res, 0, 2);
	assert_string_equal(cJSON_GetStringValue(get(get(c, "attributes"),
						     "group")), "c");
	c = cohort(res, 1, 6);
	assert_string_equal(cJSON_GetStringValue(get(get(c, "attributes"),
						     "group")), "d");
	assert_string_equal(cJSON_GetStringValue(get(get(c, "attributes"),
						     "sex")), "m");
	{
		static const char *const labels[] = { "[0,40)", "[40,60)",
						      "[60,80]", "" };

		for (int i = 0; i < 4; i++)
			assert_string_equal(cJSON_GetStringValue(get(get(
				cohort(res, 2, i), "attributes"), "age")),
				labels[i]);
	}

	/* Every metric of cohort b: 20 / 30 / 20 / 30 of 100. */
	m = get(cohort(res, 0, 1), "metrics");
	{
		static const struct { const char *k; double v; } want[] = {
			{ "n", 100 }, { "tp", 20 }, { "fp", 30 }, { "tn", 20 },
			{ "fn", 30 }, { "tpr", 0.4 }, { "fpr", 0.6 },
			{ "fnr", 0.6 }, { "tnr", 0.4 }, { "ppv", 0.4 },
			{ "npv", 0.4 }, { "fdr", 0.6 }, { "for", 0.6 },
			{ "accuracy", 0.4 }, { "error_rate", 0.6 },
			{ "selection_rate", 0.5 }, { "prevalence", 0.5 },
		};

		assert_int_equal(cJSON_GetArraySize(m), ARRAY_SIZE(want));
		for (size_t i = 0; i < ARRAY_SIZE(want); i++)
			expect_num(get(m, want[i].k), "value", want[i].v, 1e-15);
		assert_null(cJSON_GetObjectItem(get(m, "tp"), "low"));
		/* 20/50 is the mirror of 30/50 (scipy Wilson). */
		expect_num(get(m, "tpr"), "low", 1 - 0.7239161026974346, 1e-12);
		expect_num(get(m, "tpr"), "high", 1 - 0.4618143774758936, 1e-12);
	}
	/* Undefined metrics of cohort c (no actual negatives). */
	m = get(cohort(res, 0, 2), "metrics");
	assert_string_equal(cJSON_GetStringValue(get(get(m, "fpr"), "reason")),
			    "no actual negatives in cohort");
	assert_string_equal(cJSON_GetStringValue(get(get(m, "tnr"), "reason")),
			    "no actual negatives in cohort");
	expect_num(get(m, "npv"), "value", 0, 0);
	expect_num(get(m, "fp"), "value", 0, 0);

	/* Flags. */
	c = cohort(res, 0, 1);
	assert_true(has_flag(c, "fpr"));
	assert_true(has_flag(c, "tpr"));
	assert_true(has_flag(c, "error_rate"));
	assert_false(has_flag(c, "selection_rate"));	/* ratio 1 */
	assert_false(has_flag(c, "prevalence"));
	c = cohort(res, 0, 3);
	assert_false(has_flag(c, "fpr"));	/* ratio 0.806, in band */
	/*
	 * group x sex cohort 2: fpr's p_adjusted (Holm over fpr alone) is
	 * 0.023, but the flag is decided in the family of every primary
	 * metric's comparisons, where the same p is no longer significant:
	 * not flagged, and inconclusive.
	 */
	{
		const cJSON *d = get(get(cohort(res, 1, 2), "disparity"), "fpr");

		assert_true(num(d, "p_adjusted") < 0.05);
		assert_true(num(d, "p_family") >= 0.05);
		assert_true(num(d, "p_family") >= num(d, "p_adjusted"));
		assert_string_equal(str(d, "family"), "primary");
		assert_string_equal(str(d, "verdict"), "inconclusive");
		assert_false(has_flag(cohort(res, 1, 2), "fpr"));
	}
	/* c: error_rate ratio 2.5, p 0.046, but too small. */
	assert_int_equal(cJSON_GetArraySize(get(cohort(res, 0, 2), "flags")), 0);

	/* Verdicts and directions beside each disparity (evaluate/verdict.h). */
	{
		const cJSON *d = get(cohort(res, 0, 1), "disparity");

		assert_string_equal(str(get(d, "fpr"), "verdict"), "disparity");
		assert_string_equal(str(get(d, "fpr"), "direction"), "worse");
		/* tpr lower: worse too */
		assert_string_equal(str(get(d, "tpr"), "direction"), "worse");
		{
			const cJSON *pv = get(d, "prevalence");
			double df = num(pv, "difference");

			if (df == 0)
				assert_true(cJSON_IsNull(get(pv, "direction")));
			else
				assert_string_equal(str(pv, "direction"),
						    df > 0 ? "higher" : "lower");
			assert_true(cJSON_IsNull(get(pv, "verdict")));
		}
		d = get(cohort(res, 0, 2), "disparity");
		assert_string_equal(str(get(d, "error_rate"), "verdict"),
				    "inconclusive");
		assert_string_equal(str(get(d, "error_rate"), "verdict_reason"),
				    "cohort smaller than min_cohort_size");
		/* ratio 0.806, in the band but not shown to be */
		d = get(cohort(res, 0, 3), "disparity");
		assert_string_equal(str(get(d, "fpr"), "verdict"), "inconclusive");
		assert_true(num(get(d, "fpr"), "p_equivalence_adjusted") >=
			    num(get(d, "fpr"), "p_equivalence"));
	}
	/*
	 * Power (metrics/power.h) beside an inconclusive rate: at the level
	 * significance / (tests in the primary family), the detectable ratio
	 * is where the z-test's power is 0.8.
	 */
	{
		const cJSON *d = get(get(cohort(res, 0, 3), "disparity"), "fpr");
		const cJSON *pw = get(d, "power"), *gg, *cc, *x;
		size_t fam = 0;

		cJSON_ArrayForEach(gg, get(res, "groupings"))
			cJSON_ArrayForEach(cc, get(gg, "cohorts"))
				cJSON_ArrayForEach(x, get(cc, "disparity"))
					fam += cJSON_IsNumber(cJSON_GetObjectItem(
							x, "p_family")) &&
					       !strcmp(cJSON_GetStringValue(
							cJSON_GetObjectItem(x,
							"family")), "primary");
		assert_true(fam > 10);
		expect_num(pw, "alpha", 0.05 / (double)fam, 1e-15);
		expect_num(pw, "power", 0.8, 0);
		assert_true(num(pw, "detectable_ratio") > 1.25);
		assert_string_equal(str(pw, "direction"), "higher");
		expect_num(pw, "target_ratio", 1.25, 1e-15);
	}
	{
		const cJSON *sum = get(res, "summary");
		double coh = num(sum, "cohorts");

		assert_true(coh > 0);
		assert_float_equal(num(sum, "with_disparity") +
				   num(sum, "within_tolerance") +
				   num(sum, "inconclusive"), coh, 0);
		assert_true(num(sum, "with_disparity") >= 2);
		assert_true(num(sum, "too_small") >= 1);
	}

	/* Spread of fpr by group over a, b, d (c is too small). */
	sp = get(get(at(get(res, "groupings"), 0), "spread"), "fpr");
	expect_num(sp, "difference", 0.6 - 5.0 / 31, 1e-12);
	expect_num(sp, "ratio", 0.6 / (5.0 / 31), 1e-12);
	assert_string_equal(cJSON_GetStringValue(get(get(sp, "min_cohort"),
						     "group")), "d");
	assert_null(cJSON_GetObjectItem(get(at(get(res, "groupings"), 0),
					    "spread"), "tp"));

	/* Overall: 270 rows, fp 45, tn 86. */
	expect_num(get(res, "overall"), "n", 270, 0);
	expect_num(get(get(get(res, "overall"), "metrics"), "fpr"), "value",
		   45.0 / 131, 1e-15);

	/* Params as used. */
	m = get(res, "params");
	expect_num(m, "confidence", 0.95, 0);
	expect_num(m, "min_cohort_size", 30, 0);
	expect_num(m, "tolerance", 0.8, 0);
	expect_num(m, "significance", 0.05, 0);
	assert_string_equal(cJSON_GetStringValue(get(m, "adjust")), "holm");
	assert_string_equal(cJSON_GetStringValue(get(m, "positive_label")), "1");
	assert_true(cJSON_IsNull(get(m, "reference")));
	assert_int_equal(cJSON_GetArraySize(get(m, "by")), 3);
	assert_int_equal(cJSON_GetArraySize(get(get(m, "bins"), "age")), 4);
	assert_non_null(cJSON_GetStringValue(get(get(m, "methods"),
						 "ratio_interval")));
	assert_non_null(cJSON_GetStringValue(get(get(m, "methods"),
						 "adjustment_family")));
	cJSON_Delete(res);
	table_release(&t);
}

/*
 * "primary": only fpr and fnr are the summary's family; every other metric
 * is secondary, adjusted in a family of its own, never flagged.  With two
 * primary metrics the family is smaller, so fpr's p_family is at most what
 * it is with every metric primary.
 */
static void test_evaluation__primary_metrics(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	cJSON *all, *res;
	const cJSON *c, *d, *da;

	(void)state;
	build_binary(&t);
	all = run_json(&t, "{" GROUPINGS "}", &err);
	res = run_json(&t, "{" GROUPINGS ", \"primary\": [\"fpr\", \"fnr\"]}",
		       &err);
	if (!res || !all)
		fail_msg("%s", err.s);
	c = cohort(res, 0, 1);
	d = get(c, "disparity");
	assert_string_equal(str(get(d, "fpr"), "family"), "primary");
	assert_string_equal(str(get(d, "fnr"), "family"), "primary");
	assert_string_equal(str(get(d, "error_rate"), "family"), "secondary");
	assert_string_equal(str(get(d, "tpr"), "verdict"), "disparity");
	assert_true(has_flag(c, "fpr"));
	assert_false(has_flag(c, "tpr"));	/* secondary: no flag */
	assert_false(has_flag(c, "error_rate"));
	da = get(get(cohort(all, 0, 1), "disparity"), "fpr");
	assert_true(num(get(d, "fpr"), "p_family") <= num(da, "p_family"));
	assert_true(num(get(res, "summary"), "secondary_disparities") >= 2);
	assert_int_equal(cJSON_GetArraySize(get(get(res, "params"), "primary")),
			 2);
	/* the default, as used: the 11 compared rates but prevalence */
	assert_int_equal(cJSON_GetArraySize(get(get(all, "params"), "primary")),
			 11);
	cJSON_Delete(res);
	cJSON_Delete(all);

	/* Keys the task does not compare, and bad shapes. */
	res = run_json(&t, "{\"primary\": [\"wer\"]}", &err);
	assert_null(res);
	assert_non_null(strstr(err.s, "primary metric \"wer\" is not one this "
			       "task compares; use one of tpr, fpr"));
	assert_null(strstr(err.s, "prevalence"));	/* never judged */
	buf_reset(&err);
	res = run_json(&t, "{\"primary\": []}", &err);
	assert_null(res);
	assert_string_equal(err.s, "primary must be a non-empty list of metric "
			    "keys");
	buf_reset(&err);
	res = run_json(&t, "{\"primary\": [\"fpr\", \"fpr\"]}", &err);
	assert_null(res);
	assert_string_equal(err.s, "primary names metric \"fpr\" twice");
	table_release(&t);
	buf_release(&err);
}

static void test_evaluation__requested_reference_bh(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	size_t nc[3] = { 4, 7, 4 };
	cJSON *res;
	const cJSON *g;

	(void)state;
	build_binary(&t);
	res = run_json(&t, "{" GROUPINGS ", \"adjust\": \"bh\", "
		       "\"reference\": [{\"group\": \"b\"}, "
		       "{\"group\": \"a\", \"sex\": \"m\"}]}", &err);
	if (!res)
		fail_msg("%s", err.s);
	check_table(res, fpr_refs, ARRAY_SIZE(fpr_refs), "fpr", nc);
	g = at(get(res, "groupings"), 0);
	assert_string_equal(cJSON_GetStringValue(get(get(g, "reference"),
						     "group")), "b");
	assert_string_equal(cJSON_GetStringValue(get(g, "reference_source")),
			    "requested");
	g = at(get(res, "groupings"), 1);
	assert_string_equal(cJSON_GetStringValue(get(get(g, "reference"),
						     "sex")), "m");
	g = at(get(res, "groupings"), 2);
	assert_string_equal(cJSON_GetStringValue(get(g, "reference_source")),
			    "largest");
	assert_string_equal(cJSON_GetStringValue(get(get(res, "params"),
						     "adjust")), "bh");
	assert_int_equal(cJSON_GetArraySize(get(get(res, "params"),
						"reference")), 2);
	cJSON_Delete(res);

	/* A named reference whose cohort has no rows is an error. */
	res = run_json(&t, "{\"by\": [[\"group\", \"sex\"]], "
		       "\"reference\": {\"group\": \"c\", \"sex\": \"m\"}}",
		       &err);
	assert_null(res);
	assert_string_equal(err.s, "the requested reference cohort "
			    "group=\"c\", sex=\"m\" has no rows");
	buf_release(&err);
	table_release(&t);
}

static void test_evaluation__cli_setters_match_json(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	struct eval_params p;
	cJSON *a, *b;

	(void)state;
	build_binary(&t);
	a = run_json(&t, "{\"by\": [\"group\", [\"group\", \"sex\"]], "
		     "\"bins\": {\"age\": [0, 40, 60, 80]}, "
		     "\"reference\": {\"group\": \"d\"}, "
		     "\"min_cohort_size\": 10, \"confidence\": 0.9, "
		     "\"tolerance\": 0.75, \"significance\": 0.01}", &err);
	assert_non_null(a);
	eval_params_init(&p);
	assert_int_equal(eval_params_set(&p, "by", "group", &err), 0);
	assert_int_equal(eval_params_add_grouping(&p, "group,sex", &err), 0);
	assert_int_equal(eval_params_add_bins(&p, "age=0,40,60,80", &err), 0);
	assert_int_equal(eval_params_set(&p, "reference", "group=d", &err), 0);
	assert_int_equal(eval_params_set(&p, "min-cohort-size", "10", &err), 0);
	assert_int_equal(eval_params_set(&p, "confidence", "0.9", &err), 0);
	assert_int_equal(eval_params_set(&p, "tolerance", "0.75", &err), 0);
	assert_int_equal(eval_params_set(&p, "significance", "0.01", &err), 0);
	assert_int_equal(err.len, 0);
	b = evaluation_run(&t, &p, &err);
	assert_non_null(b);
	assert_true(cJSON_Compare(a, b, true));
	/* c is no longer too small with min_cohort_size 10. */
	assert_false(cJSON_IsTrue(get(cohort(b, 0, 2), "too_small")));
	cJSON_Delete(a);
	cJSON_Delete(b);

	assert_int_equal(eval_params_set(&p, "confidence", "1.5", &err), -1);
	assert_string_equal(err.s, "confidence must be greater than 0 and "
			    "less than 1, got 1.5");
	buf_reset(&err);
	assert_int_equal(eval_params_set(&p, "adjust", "bonferroni", &err), -1);
	assert_string_equal(err.s, "adjust must be \"holm\" or \"bh\", got "
			    "\"bonferroni\"");
	buf_reset(&err);
	assert_int_equal(eval_params_set(&p, "nope", "1", &err), -1);
	assert_string_equal(err.s, "unknown evaluation option \"nope\"");
	buf_reset(&err);
	assert_int_equal(eval_params_add_reference(&p, "group", &err), -1);
	buf_reset(&err);
	assert_int_equal(eval_params_add_bins(&p, "age=0,x", &err), -1);
	assert_string_equal(err.s, "--bins \"age=0,x\": \"x\" is not a number");
	buf_reset(&err);
	assert_int_equal(eval_params_add_grouping(&p, "group,,sex", &err), -1);
	buf_reset(&err);
	assert_int_equal(eval_params_set(&p, "min_cohort_size", "-1", &err), -1);
	assert_string_equal(err.s, "min_cohort_size must be a whole number of "
			    "at least 0, got \"-1\"");
	buf_reset(&err);
	eval_params_release(&p);

	/* Unknown attribute found at run time. */
	eval_params_init(&p);
	assert_int_equal(eval_params_add_grouping(&p, "grp", &err), 0);
	assert_null(evaluation_run(&t, &p, &err));
	assert_string_equal(err.s, "unknown attribute \"grp\" in by[0]; the "
			    "data has group, sex, age");
	eval_params_release(&p);
	buf_release(&err);
	table_release(&t);
}

static void test_evaluation__parse_errors(void **state)
{
	static const struct {
		const char *req, *err;
	} c[] = {
		{ "[]", "the evaluation request must be a JSON object" },
		{ "{\"by\": [[\"group\"]], \"confidance\": 0.9}",
		  "unknown field \"confidance\" in the evaluation request" },
		{ "{\"by\": [[\"group\", \"race\"]]}",
		  "unknown attribute \"race\" in by[0]; the data has group, "
		  "sex, age" },
		{ "{\"by\": [[\"group\", \"group\"]]}",
		  "by[0]: attribute \"group\" appears twice in one grouping" },
		{ "{\"by\": [[]]}",
		  "by[0] must be a non-empty list of attribute names" },
		{ "{\"by\": [[1]]}",
		  "by[0][0] must be an attribute name (a string)" },
		{ "{\"by\": \"group\"}",
		  "by must be a list of groupings, each a list of attribute "
		  "names" },
		{ "{\"bins\": {\"age\": [0, 40, 40]}}",
		  "bin edges of \"age\" must be strictly increasing, but edge 2 "
		  "(40) is not above the one before" },
		{ "{\"bins\": {\"age\": [10]}}",
		  "bins for \"age\" need between 2 and 1000 edges, got 1" },
		{ "{\"bins\": {\"age\": [0, \"x\"]}}",
		  "bins.age[1] must be a number" },
		{ "{\"bins\": {\"group\": [0, 1]}}",
		  "cannot bin attribute \"group\": it has values that are not "
		  "numbers" },
		{ "{\"bins\": {\"height\": [0, 1]}}",
		  "unknown attribute \"height\" in bins; the data has group, "
		  "sex, age" },
		{ "{\"confidence\": 1}",
		  "confidence must be greater than 0 and less than 1, got 1" },
		{ "{\"confidence\": \"high\"}", "confidence must be a number" },
		{ "{\"tolerance\": 0}",
		  "tolerance must be greater than 0 and at most 1, got 0" },
		{ "{\"significance\": -0.1}",
		  "significance must be greater than 0 and less than 1, got "
		  "-0.10000000000000001" },
		{ "{\"threshold\": 2}", "threshold must be between 0 and 1, got 2" },
		{ "{\"min_cohort_size\": 2.5}",
		  "min_cohort_size must be a whole number of at least 0, got 2.5" },
		{ "{\"adjust\": \"none\"}",
		  "adjust must be \"holm\" or \"bh\", got \"none\"" },
		{ "{\"reference\": {\"group\": \"z\"}}",
		  "reference: value \"z\" of attribute \"group\" does not occur "
		  "in the data" },
		{ "{\"reference\": [{\"group\": \"a\"}, {\"colour\": \"red\"}]}",
		  "unknown attribute \"colour\" in reference[1]; the data has "
		  "group, sex, age" },
		{ "{\"reference\": {\"group\": 1}}",
		  "reference.group must be a string" },
		{ "{\"reference\": \"a\"}",
		  "reference must be an object of attribute names to values, or "
		  "a list of such objects" },
		{ "{\"bins\": {\"age\": [0, 40]}, \"reference\": {\"age\": \"45\"}}",
		  "reference: value \"45\" of attribute \"age\" does not occur "
		  "in the data" },
	};
	struct table t;

	(void)state;
	build_binary(&t);
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		struct buf err = BUF_INIT;
		struct eval_params p;
		cJSON *r = cJSON_Parse(c[i].req);

		assert_non_null(r);
		eval_params_init(&p);
		assert_int_equal(eval_params_parse(&p, r, &t, &err), -1);
		assert_string_equal(err.s, c[i].err);
		eval_params_release(&p);
		cJSON_Delete(r);
		buf_release(&err);
	}
	/* A bin label is a valid reference value once binned. */
	{
		struct buf err = BUF_INIT;
		cJSON *res = run_json(&t, "{\"by\": [[\"age\"]], \"bins\": "
				      "{\"age\": [0, 40]}, \"reference\": "
				      "{\"age\": \">40\"}}", &err);

		if (!res)
			fail_msg("%s", err.s);
		assert_string_equal(cJSON_GetStringValue(get(get(at(get(res,
			"groupings"), 0), "reference"), "age")), ">40");
		cJSON_Delete(res);
	}
	table_release(&t);
}

static void test_evaluation__default_and_empty_groupings(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	cJSON *res;

	(void)state;
	build_binary(&t);
	res = run_json(&t, "{}", &err);
	assert_non_null(res);
	/* One grouping per attribute; age unbinned, numeric order. */
	assert_int_equal(cJSON_GetArraySize(get(res, "groupings")), 3);
	assert_string_equal(cJSON_GetStringValue(at(get(at(get(res,
		"groupings"), 2), "by"), 0)), "age");
	assert_string_equal(cJSON_GetStringValue(get(get(cohort(res, 2, 0),
		"attributes"), "age")), "25");
	assert_string_equal(cJSON_GetStringValue(get(get(cohort(res, 2, 6),
		"attributes"), "age")), "");
	cJSON_Delete(res);
	res = run_json(&t, "{\"by\": []}", &err);
	assert_non_null(res);
	assert_int_equal(cJSON_GetArraySize(get(res, "groupings")), 0);
	expect_num(get(res, "overall"), "n", 270, 0);
	cJSON_Delete(res);
	table_release(&t);
}

/* Multi-class: recall per class, undefined recall, flag names. */
static void test_evaluation__multiclass(void **state)
{
	/* region x: cat 100 (90 right), dog 60 (30 right);
	 * region y: cat 100 (30 right), dog 60 (30 right); bird only
	 * predicted, never true. */
	struct table t;
	struct buf err = BUF_INIT;
	uint32_t cat, dog, bird;
	size_t id = 0;
	char s[32];
	cJSON *res;
	const cJSON *m, *c;

	(void)state;
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "region");
	cat = table_class(&t, "cat", 3);
	dog = table_class(&t, "dog", 3);
	bird = table_class(&t, "bird", 4);
	for (int reg = 0; reg < 2; reg++) {
		for (int i = 0; i < 160; i++) {
			int len = snprintf(s, sizeof(s), "%zu", id++);
			int64_t r = table_add_row(&t, s, (size_t)len);
			bool iscat = i < 100;
			int right = iscat ? (reg ? 30 : 90) : 30;
			int k = iscat ? i : i - 100;

			table_set_attr(&t, (size_t)r, 0, reg ? "y" : "x", 1);
			t.label[r] = iscat ? cat : dog;
			t.pred[r] = k < right ? t.label[r]
					      : (iscat ? bird : cat);
		}
	}
	table_finish(&t);
	res = run_json(&t, "{\"by\": [[\"region\"]]}", &err);
	if (!res)
		fail_msg("%s", err.s);
	m = get(get(res, "overall"), "metrics");
	expect_num(get(m, "n"), "value", 320, 0);
	expect_num(get(m, "accuracy"), "value", 180.0 / 320, 1e-15);
	expect_num(get(m, "error_rate"), "value", 140.0 / 320, 1e-15);
	assert_null(cJSON_GetObjectItem(m, "tpr"));
	m = get(m, "per_class");
	/* Classes in byte order. */
	assert_string_equal(m->child->string, "bird");
	expect_num(get(get(m, "cat"), "n"), "value", 200, 0);
	expect_num(get(get(m, "cat"), "recall"), "value", 0.6, 1e-15);
	expect_num(get(get(m, "dog"), "recall"), "value", 0.5, 1e-15);
	expect_num(get(get(m, "bird"), "n"), "value", 0, 0);
	assert_string_equal(cJSON_GetStringValue(get(get(get(m, "bird"),
		"recall"), "reason")), "no examples of this class in cohort");
	/* Reference x (tie 160/160: first); y's cat recall 0.3 vs 0.9. */
	c = cohort(res, 0, 1);
	expect_num(get(get(get(get(c, "disparity"), "per_class"), "cat"),
		       "recall"), "ratio", 1.0 / 3, 1e-12);
	assert_true(has_flag(c, "recall[cat]"));
	assert_false(has_flag(c, "recall[dog]"));
	assert_true(has_flag(c, "accuracy"));
	assert_non_null(cJSON_GetObjectItem(get(get(get(at(get(res,
		"groupings"), 0), "spread"), "per_class"), "cat"), "recall"));
	assert_null(cJSON_GetObjectItem(get(res, "params"), "positive_label"));
	cJSON_Delete(res);
	table_release(&t);
}

/* Score task: AUC/DeLong, Brier, ECE, threshold. */
static void test_evaluation__score(void **state)
{
	/* Scores and labels of tests/unit/metrics/scores.c: AUC 5/6 and
	 * DeLong variance 0.0143518518518519 by hand from the definitions;
	 * interval 5/6 -+ 1.96 sqrt(var) clipped: 0.598531187070588, 1.
	 * Brier 0.154791666666667 with scipy t.interval 0.0582631331370866,
	 * 0.251320200196247; ECE 0.2375 by hand. */
	static const double s[] = { 0.1, 0.4, 0.35, 0.8, 0.4, 0.6, 0.2, 0.9,
				    0.4, 0.55, 0.7, 0.05 };
	static const int y[] = { 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0 };
	struct table t;
	struct buf err = BUF_INIT;
	char id[16];
	cJSON *res;
	const cJSON *m;

	(void)state;
	table_init(&t, TASK_SCORE);
	table_add_attr(&t, "site");
	table_class(&t, "0", 1);
	table_set_positive(&t, "1", 1);
	for (int i = 0; i < 12; i++) {
		int len = snprintf(id, sizeof(id), "%d", i);
		int64_t r = table_add_row(&t, id, (size_t)len);

		table_set_attr(&t, (size_t)r, 0, i % 2 ? "p" : "q", 1);
		t.label[r] = table_class(&t, y[i] ? "1" : "0", 1);
		t.pred_num[r] = s[i];
	}
	table_finish(&t);
	res = run_json(&t, "{\"by\": [[\"site\"]], \"min_cohort_size\": 2}",
		       &err);
	if (!res)
		fail_msg("%s", err.s);
	m = get(get(res, "overall"), "metrics");
	expect_num(get(m, "auc"), "value", 5.0 / 6, 1e-12);
	expect_num(get(m, "auc"), "low", 0.598531187070588, 1e-10);
	expect_num(get(m, "auc"), "high", 1, 0);
	expect_num(get(m, "brier"), "value", 0.154791666666667, 1e-12);
	expect_num(get(m, "brier"), "low", 0.0582631331370866, 1e-8);
	expect_num(get(m, "brier"), "high", 0.251320200196247, 1e-8);
	expect_num(get(m, "ece"), "value", 0.2375, 1e-12);
	assert_null(cJSON_GetObjectItem(get(m, "ece"), "low"));
	/* Threshold 0.5 (>=): tp 4, fp 1, tn 5, fn 2. */
	expect_num(get(m, "tp"), "value", 4, 0);
	expect_num(get(m, "fp"), "value", 1, 0);
	expect_num(get(m, "tn"), "value", 5, 0);
	expect_num(get(m, "fn"), "value", 2, 0);
	expect_num(get(res, "params"), "threshold", 0.5, 0);
	/* AUC is compared between cohorts; ECE is not. */
	m = get(cohort(res, 0, 1), "disparity");
	assert_string_equal(cJSON_GetStringValue(get(get(m, "auc"), "test")),
			    "delong");
	assert_string_equal(cJSON_GetStringValue(get(get(m, "brier"), "test")),
			    "welch");
	assert_null(cJSON_GetObjectItem(m, "ece"));
	cJSON_Delete(res);

	res = run_json(&t, "{\"by\": [], \"threshold\": 0.4}", &err);
	m = get(get(res, "overall"), "metrics");
	expect_num(get(m, "tp"), "value", 5, 0);
	expect_num(get(m, "fp"), "value", 3, 0);
	expect_num(get(res, "params"), "threshold", 0.4, 0);
	cJSON_Delete(res);
	table_release(&t);
}

/* Regression: MAE, RMSE, mean error and Welch comparisons. */
static void test_evaluation__regression(void **state)
{
	/* Errors (prediction - truth) of cohort A and B are the samples of
	 * tests/unit/metrics/stats.c; references from scipy: mean and
	 * t.interval, RMSE from t.interval on the squares (3.56631061863257,
	 * 1.92034618098507, 4.66362663624769), ttest_ind(equal_var=False)
	 * on A vs B (0.00611169763743) and on their squares
	 * (0.031042538640765). */
	static const double ea[] = { 2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8 };
	static const double eb[] = { 1.2, 0.8, 2.5, 1.9, 1.1, 0.4, 1.6, 2.2,
				     0.9 };
	struct table t;
	struct buf err = BUF_INIT;
	char id[16];
	int k = 0;
	cJSON *res;
	const cJSON *m, *d;

	(void)state;
	table_init(&t, TASK_REGRESSION);
	table_add_attr(&t, "g");
	for (int i = 0; i < 16; i++) {
		int len = snprintf(id, sizeof(id), "%d", i);
		int64_t r = table_add_row(&t, id, (size_t)len);
		bool isa = i < 7;

		table_set_attr(&t, (size_t)r, 0, isa ? "A" : "B", 1);
		/* truth 10, or 10 - e for half of the rows: same errors */
		t.label_num[r] = 10 + k;
		t.pred_num[r] = 10 + k + (isa ? ea[i] : eb[i - 7]);
		k = (k + 3) % 5;
	}
	table_finish(&t);
	res = run_json(&t, "{\"by\": [[\"g\"]], \"min_cohort_size\": 5}",
		       &err);
	if (!res)
		fail_msg("%s", err.s);
	m = get(cohort(res, 0, 0), "metrics");
	expect_num(get(m, "mae"), "value", 3.35714285714286, 1e-12);
	expect_num(get(m, "mae"), "low", 2.155012783087, 1e-8);
	expect_num(get(m, "mean_error"), "high", 4.559272931198, 1e-8);
	expect_num(get(m, "rmse"), "value", 3.56631061863257, 1e-12);
	expect_num(get(m, "rmse"), "low", 1.92034618098507, 1e-8);
	expect_num(get(m, "rmse"), "high", 4.66362663624769, 1e-8);
	/* B (9 rows) is the reference; A is compared with it. */
	assert_true(cJSON_IsTrue(get(cohort(res, 0, 1), "reference")));
	d = get(get(cohort(res, 0, 0), "disparity"), "mean_error");
	expect_num(d, "difference", 3.35714285714286 - 1.4, 1e-12);
	expect_num(d, "diff_low", 0.720442998942, 1e-8);
	expect_num(d, "p_value", 0.00611169763743, 1e-12);
	assert_string_equal(cJSON_GetStringValue(get(d, "test")), "welch");
	d = get(get(cohort(res, 0, 0), "disparity"), "rmse");
	expect_num(d, "p_value", 0.031042538640765, 1e-12);
	assert_true(has_flag(cohort(res, 0, 0), "mae"));
	cJSON_Delete(res);
	table_release(&t);
}

static void test_evaluation__unsupported_and_empty_tables(void **state)
{
	struct table t;
	struct buf err = BUF_INIT;
	struct eval_params p;

	(void)state;
	eval_params_init(&p);
	/* asr has an engine (tests/unit/evaluate/asr.c); no rows. */
	table_init(&t, TASK_ASR);
	table_finish(&t);
	{
		cJSON *res = evaluation_run(&t, &p, &err);

		assert_non_null(res);
		assert_string_equal(cJSON_GetStringValue(get(get(get(get(res,
			"overall"), "metrics"), "wer"), "reason")),
			"no reference words in cohort");
		cJSON_Delete(res);
	}
	table_release(&t);
	buf_reset(&err);

	table_init(&t, TASK_SCORE);
	table_class(&t, "a", 1);
	table_class(&t, "b", 1);
	table_class(&t, "c", 1);
	table_finish(&t);
	assert_null(evaluation_run(&t, &p, &err));
	assert_string_equal(err.s, "cannot evaluate a score task whose labels "
			    "have 3 distinct values; score tasks need binary "
			    "labels");
	table_release(&t);
	buf_reset(&err);

	/* No rows: every rate undefined, never 0; groupings empty. */
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "g");
	table_set_positive(&t, "1", 1);
	table_finish(&t);
	{
		cJSON *res = run_json(&t, "{}", &err);
		const cJSON *m, *g;

		assert_non_null(res);
		m = get(get(res, "overall"), "metrics");
		expect_num(get(m, "n"), "value", 0, 0);
		assert_true(cJSON_IsNull(get(get(m, "accuracy"), "value")));
		assert_string_equal(cJSON_GetStringValue(get(get(m, "accuracy"),
							     "reason")),
				    "empty cohort");
		assert_string_equal(cJSON_GetStringValue(get(get(m, "tpr"),
							     "reason")),
				    "no actual positives in cohort");
		g = at(get(res, "groupings"), 0);
		assert_int_equal(cJSON_GetArraySize(get(g, "cohorts")), 0);
		assert_true(cJSON_IsNull(get(g, "reference")));
		cJSON_Delete(res);
	}
	table_release(&t);
	buf_release(&err);
	eval_params_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evaluation__binary_holm),
		cmocka_unit_test(test_evaluation__primary_metrics),
		cmocka_unit_test(test_evaluation__requested_reference_bh),
		cmocka_unit_test(test_evaluation__cli_setters_match_json),
		cmocka_unit_test(test_evaluation__parse_errors),
		cmocka_unit_test(test_evaluation__default_and_empty_groupings),
		cmocka_unit_test(test_evaluation__multiclass),
		cmocka_unit_test(test_evaluation__score),
		cmocka_unit_test(test_evaluation__regression),
		cmocka_unit_test(test_evaluation__unsupported_and_empty_tables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
