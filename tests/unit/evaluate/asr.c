/*
 * Unit tests for evaluate/asr.c, the asr engine, through
 * evaluation_run() on hand-built tables.
 *
 * Expected values come from three places, none of them this engine:
 *   - hand arithmetic on the counts (pooled vs mean utterance WER, WER
 *     above 1, empty references; the 112.5 % example of ASR-NOTES.md);
 *   - properties the cluster bootstrap must have whatever its random
 *     numbers: with two speakers of pooled WERs a < b, a quarter of the
 *     replicates draw the first speaker twice and a quarter the second,
 *     so with 1000 replicates the 95 % percentile interval is exactly
 *     [a, b];
 *   - tests/tools/asrboot_ref.py, an independent Python (standard library)
 *     implementation of the documented method: CPython's MT19937 put in
 *     the state GSL's seeding gives, gsl_rng_uniform_int's rule, R's
 *     type 7 quantiles, R's p.adjust Holm; its output is ref_expect[].
 * and simulations (coverage and false positives on a null) with loose
 * binomial bounds.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"
#include "tests/unit/evaluate/run_eval.h"

static const cJSON *get(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v)
		fail_msg("missing key \"%s\"", k);
	return v;
}

static const cJSON *at(const cJSON *a, int i)
{
	const cJSON *v = cJSON_GetArrayItem(a, i);

	if (!v)
		fail_msg("missing array item %d", i);
	return v;
}

static const cJSON *cohort(const cJSON *res, int g, int c)
{
	return at(get(at(get(res, "groupings"), g), "cohorts"), c);
}

/* The number at o.k, NAN for null or absent. */
static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void expect_num(const cJSON *o, const char *k, double want,
		       double tol)
{
	double got = num(o, k);

	if (isnan(want)) {
		if (!isnan(got))
			fail_msg("%s: expected null, got %.17g", k, got);
		return;
	}
	if (!(fabs(got - want) <= tol))
		fail_msg("%s: expected %.17g, got %.17g", k, want, got);
}

static const char *str(const cJSON *o, const char *k)
{
	const char *s = cJSON_GetStringValue(get(o, k));

	if (!s)
		fail_msg("%s is not a string", k);
	return s;
}

static bool has_flag(const cJSON *c, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, get(c, "flags"))
		if (!strcmp(f->valuestring, name))
			return true;
	return false;
}

static cJSON *run_ok(const struct table *t, const char *req)
{
	struct buf err = BUF_INIT;
	cJSON *res = run_json(t, req, &err);

	if (!res)
		fail_msg("%s", err.s);
	buf_release(&err);
	return res;
}

/* ---- table building ---- */

struct utt {
	const char *spk;	/* NULL: no speaker id */
	const char *attr[2];
	uint32_t hits, sub, del, ins, ref_chars, char_errors;
};

/* Attribute names attrs[0..nattrs); adds rows with ids "u0", "u1", ... */
static void table_start(struct table *t, const char *const *attrs,
			size_t nattrs)
{
	table_init(t, TASK_ASR);
	for (size_t a = 0; a < nattrs; a++)
		table_add_attr(t, attrs[a]);
}

static void add_utt(struct table *t, const struct utt *u, bool speakers)
{
	char id[32];
	int n = snprintf(id, sizeof(id), "u%zu", t->nrows);
	int64_t row = table_add_row(t, id, (size_t)n);
	struct asr_counts *c;

	assert_true(row >= 0);
	for (size_t a = 0; a < t->nattrs && a < 2; a++)
		table_set_attr(t, (size_t)row, a, u->attr[a],
			       strlen(u->attr[a]));
	if (speakers && u->spk)
		t->speaker[row] = table_speaker(t, u->spk, strlen(u->spk));
	c = &t->asr[row];
	c->hits = u->hits;
	c->sub = u->sub;
	c->del = u->del;
	c->ins = u->ins;
	c->ref_words = u->hits + u->sub + u->del;
	c->ref_chars = u->ref_chars;
	c->char_errors = u->char_errors;
}

/* ---- known counts ---- */

static const struct utt known[] = {
	/* accent a: pooled 5/12, mean (1/10 + 2/2) / 2, one empty ref */
	{ "s1", { "a" }, 9, 1, 0, 0, 40, 3 },
	{ "s1", { "a" }, 0, 1, 1, 0, 8, 4 },
	{ "s2", { "a" }, 0, 0, 0, 2, 0, 5 },
	/* accent b: WER above 1: 4/2, and ASR-NOTES' 9/8 (2 C, 3 S, 3 D,
	   3 I); pooled 13/10, mean (2 + 1.125) / 2 */
	{ "s3", { "b" }, 1, 1, 0, 3, 8, 10 },
	{ "s4", { "b" }, 2, 3, 3, 3, 16, 15 },
	/* accent c: no reference words at all */
	{ "s5", { "c" }, 0, 0, 0, 1, 0, 1 },
	{ "s5", { "c" }, 0, 0, 0, 0, 0, 0 },
};

static void test_eval_asr__known_counts(void **state)
{
	static const char *const attrs[] = { "accent" };
	struct table t;
	cJSON *res;
	const cJSON *m, *c, *d;

	(void)state;
	table_start(&t, attrs, 1);
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		add_utt(&t, &known[i], true);
	table_finish(&t);
	res = run_ok(&t, "{\"min_cohort_size\": 1, \"min_speakers\": 0}");
	assert_string_equal(str(res, "task"), "asr");

	m = get(get(res, "overall"), "metrics");
	expect_num(get(m, "wer"), "value", 19.0 / 22, 1e-15);
	expect_num(get(m, "mean_utterance_wer"), "value",
		   (0.1 + 1.0 + 2.0 + 1.125) / 4, 1e-15);
	expect_num(get(m, "cer"), "value", 38.0 / 72, 1e-15);
	expect_num(get(m, "utterances"), "value", 7, 0);
	expect_num(get(m, "speakers"), "value", 5, 0);
	expect_num(get(m, "reference_words"), "value", 22, 0);
	expect_num(get(m, "hits"), "value", 12, 0);
	expect_num(get(m, "substitutions"), "value", 6, 0);
	expect_num(get(m, "deletions"), "value", 4, 0);
	expect_num(get(m, "insertions"), "value", 9, 0);
	expect_num(get(m, "empty_reference_utterances"), "value", 3, 0);
	expect_num(get(m, "reference_characters"), "value", 72, 0);
	expect_num(get(m, "character_errors"), "value", 38, 0);
	expect_num(get(m, "substitution_rate"), "value", 6.0 / 22, 1e-15);
	expect_num(get(m, "deletion_rate"), "value", 4.0 / 22, 1e-15);
	expect_num(get(m, "insertion_rate"), "value", 9.0 / 22, 1e-15);

	/* a: the reference (3 utterances); pooled and mean differ. */
	c = cohort(res, 0, 0);
	assert_true(cJSON_IsTrue(get(c, "reference")));
	m = get(c, "metrics");
	expect_num(get(m, "wer"), "value", 5.0 / 12, 1e-15);
	expect_num(get(m, "mean_utterance_wer"), "value", 0.55, 1e-15);
	expect_num(get(m, "cer"), "value", 12.0 / 48, 1e-15);
	expect_num(get(m, "empty_reference_utterances"), "value", 1, 0);
	expect_num(get(m, "speakers"), "value", 2, 0);
	/* s2's one utterance has no reference words: one usable cluster. */
	assert_true(cJSON_IsNull(get(get(m, "wer"), "low")));
	assert_string_equal(str(get(m, "wer"), "interval_reason"),
			    "fewer than 2 speakers with reference words in "
			    "cohort");

	/* b: WER above 1; two speakers give the interval [9/8, 2]. */
	c = cohort(res, 0, 1);
	m = get(c, "metrics");
	expect_num(get(m, "wer"), "value", 1.3, 1e-15);
	expect_num(get(m, "wer"), "low", 1.125, 0);
	expect_num(get(m, "wer"), "high", 2.0, 0);
	expect_num(get(m, "mean_utterance_wer"), "value", 1.5625, 1e-15);
	expect_num(get(m, "mean_utterance_wer"), "low", 1.125, 0);
	expect_num(get(m, "mean_utterance_wer"), "high", 2.0, 0);
	expect_num(get(m, "cer"), "value", 25.0 / 24, 1e-15);
	expect_num(get(m, "cer"), "low", 15.0 / 16, 0);
	expect_num(get(m, "cer"), "high", 10.0 / 8, 0);
	expect_num(get(m, "insertions"), "value", 6, 0);
	d = get(get(c, "disparity"), "wer");
	expect_num(d, "difference", 1.3 - 5.0 / 12, 1e-15);
	expect_num(d, "ratio", 1.3 / (5.0 / 12), 1e-14);
	assert_true(cJSON_IsNull(get(d, "diff_low")));
	assert_true(cJSON_IsNull(get(d, "p_value")));
	assert_string_equal(str(d, "p_value_reason"),
			    "fewer than 2 speakers with reference words in a "
			    "cohort");
	assert_string_equal(str(d, "test"), "bootstrap");
	assert_int_equal(cJSON_GetArraySize(get(c, "flags")), 0);

	/* c: no reference words: undefined, never 0. */
	c = cohort(res, 0, 2);
	m = get(c, "metrics");
	assert_true(cJSON_IsNull(get(get(m, "wer"), "value")));
	assert_string_equal(str(get(m, "wer"), "reason"),
			    "no reference words in cohort");
	assert_string_equal(str(get(m, "mean_utterance_wer"), "reason"),
			    "no reference words in cohort");
	assert_string_equal(str(get(m, "cer"), "reason"),
			    "no reference characters in cohort");
	expect_num(get(m, "insertions"), "value", 1, 0);
	expect_num(get(m, "empty_reference_utterances"), "value", 2, 0);
	expect_num(get(m, "speakers"), "value", 1, 0);
	d = get(get(c, "disparity"), "wer");
	assert_true(cJSON_IsNull(get(d, "difference")));
	assert_string_equal(str(d, "reason"), "metric undefined in this cohort");

	/* Spread over the cohorts with a value. */
	d = get(get(at(get(res, "groupings"), 0), "spread"), "wer");
	expect_num(d, "max", 1.3, 1e-15);
	expect_num(d, "min", 5.0 / 12, 1e-15);
	cJSON_Delete(res);
	table_release(&t);
}

static void test_eval_asr__inconsistent_counts(void **state)
{
	static const char *const attrs[] = { "accent" };
	const struct utt u = { "s", { "a" }, 3, 1, 0, 0, 10, 1 };
	struct table t;
	struct buf err = BUF_INIT;

	(void)state;
	table_start(&t, attrs, 1);
	add_utt(&t, &u, true);
	t.asr[0].ref_words = 5;
	table_finish(&t);
	assert_null(run_json(&t, "{}", &err));
	assert_string_equal(err.s, "cannot evaluate utterance \"u0\": its hits, "
			    "substitutions and deletions add up to 4, not to "
			    "its 5 reference words");
	buf_release(&err);
	table_release(&t);
}

/* ---- which units are resampled ---- */

/*
 * Accents x and y with two speakers each, 10 utterances of 10 words per
 * speaker, errors alternating 0, 2 (speaker WER 0.1) and 2, 4 (0.3);
 * accent z has one speaker (0.2).  With `speakers` false the ids are left
 * out.  A "speaker" attribute is always there.
 */
static void build_resample(struct table *t, bool speakers)
{
	static const char *const attrs[] = { "accent", "speaker" };
	static const char *const spk[] = { "xa", "xb", "ya", "yb", "zc" };
	static const char *const acc[] = { "x", "x", "y", "y", "z" };
	static const uint32_t e[][2] = { { 0, 2 }, { 2, 4 }, { 0, 2 },
					 { 2, 4 }, { 1, 3 } };

	table_start(t, attrs, 2);
	for (size_t s = 0; s < ARRAY_SIZE(spk); s++) {
		for (uint32_t i = 0; i < 10; i++) {
			uint32_t err = e[s][i % 2];
			struct utt u = { spk[s], { acc[s], spk[s] },
					 10 - err, err, 0, 0, 40, err };

			add_utt(t, &u, speakers);
		}
	}
	table_finish(t);
}

static void test_eval_asr__resample_speakers_or_utterances(void **state)
{
	struct table t;
	cJSON *res;
	const cJSON *m, *p;

	(void)state;
	build_resample(&t, true);
	res = run_ok(&t, "{\"by\": [[\"accent\"], [\"speaker\"]], "
		     "\"min_cohort_size\": 5}");
	p = get(res, "params");
	assert_string_equal(str(p, "resample"), "speaker");
	expect_num(p, "seed", 20240101, 0);
	expect_num(p, "bootstrap", 1000, 0);

	/* Speakers: a replicate is xa xa, xa xb or xb xb. */
	m = get(get(cohort(res, 0, 0), "metrics"), "wer");
	expect_num(m, "value", 0.2, 1e-15);
	expect_num(m, "low", 0.1, 0);
	expect_num(m, "high", 0.3, 0);
	m = get(get(cohort(res, 0, 1), "metrics"), "wer");
	expect_num(m, "low", 0.1, 0);
	expect_num(m, "high", 0.3, 0);
	/* One speaker: no between-speaker variation to estimate. */
	m = get(get(cohort(res, 0, 2), "metrics"), "wer");
	expect_num(m, "value", 0.2, 1e-15);
	assert_true(cJSON_IsNull(get(m, "low")));
	assert_string_equal(str(m, "interval_reason"),
			    "fewer than 2 speakers with reference words in "
			    "cohort");
	assert_true(cJSON_IsNull(get(get(get(cohort(res, 0, 2), "disparity"),
					 "wer"), "p_value")));

	/* By speaker no cohort has 2 speakers: utterances are resampled. */
	m = get(get(cohort(res, 1, 0), "metrics"), "wer");
	expect_num(m, "value", 0.1, 1e-15);
	assert_true(num(m, "low") < 0.1 && num(m, "low") >= 0);
	assert_true(num(m, "high") > 0.1 && num(m, "high") <= 0.2);
	m = get(get(cohort(res, 1, 0), "metrics"), "speakers");
	expect_num(m, "value", 1, 0);

	/* Overall: 5 speakers resampled. */
	m = get(get(get(res, "overall"), "metrics"), "wer");
	assert_true(num(m, "low") >= 0.1 && num(m, "high") <= 0.3);
	cJSON_Delete(res);
	table_release(&t);

	/* Without speaker ids: 20 utterances per accent, a narrower
	   interval strictly inside (0.1, 0.3). */
	build_resample(&t, false);
	res = run_ok(&t, "{\"by\": [[\"accent\"]]}");
	assert_string_equal(str(get(res, "params"), "resample"), "utterance");
	m = get(get(cohort(res, 0, 0), "metrics"), "wer");
	expect_num(m, "value", 0.2, 1e-15);
	assert_true(num(m, "low") > 0.1 && num(m, "low") < 0.2);
	assert_true(num(m, "high") > 0.2 && num(m, "high") < 0.3);
	/* z's one speaker no longer matters: its 10 utterances are units. */
	m = get(get(cohort(res, 0, 2), "metrics"), "wer");
	assert_true(num(m, "low") < 0.2 && num(m, "high") > 0.2);
	m = get(get(cohort(res, 0, 0), "metrics"), "speakers");
	assert_true(cJSON_IsNull(get(m, "value")));
	assert_string_equal(str(m, "reason"), "no speaker ids in the data");
	cJSON_Delete(res);
	table_release(&t);
}

/* ---- the independent reference (tests/tools/asrboot_ref.py) ---- */

/* 96 utterances of 8 speakers; the same formulas as rows() there. */
static void build_reference(struct table *t)
{
	static const char *const attrs[] = { "accent", "gender" };

	table_start(t, attrs, 2);
	for (uint32_t i = 0; i < 96; i++) {
		uint32_t k = i % 8, n, sub, del, ins;
		char spk[8];
		struct utt u;

		snprintf(spk, sizeof(spk), "s%u", k);
		if (i % 17 == 0) {
			n = sub = del = 0;
			ins = 1;
		} else {
			n = 3 + (i * 7) % 11;
			sub = (i + k) % 3;
			del = (i * 5 + k) % 2;
			ins = k >= 3 ? i % 3 : (i % 5 == 0);
		}
		u.spk = spk;
		u.attr[0] = k < 3 ? "us" : k < 6 ? "scottish" : "welsh";
		u.attr[1] = k % 2 ? "m" : "f";
		u.hits = n - sub - del;
		u.sub = sub;
		u.del = del;
		u.ins = ins;
		u.ref_chars = n ? 4 * n + i % 3 : 0;
		u.char_errors = 2 * sub + del + ins + i % 2;
		add_utt(t, &u, true);
	}
	table_finish(t);
}

#define REF_REQUEST "{\"by\": [[\"accent\"], [\"gender\"], " \
		    "[\"accent\", \"gender\"]], \"min_cohort_size\": 20, " \
		    "\"min_speakers\": 0}"

struct ref_expect {
	int g, c, k;
	double v, lo, hi, diff, dlo, dhi, r, rlo, rhi, p, padj;
};

/* python3 tests/tools/asrboot_ref.py */
static const struct ref_expect ref_expect[] = {
{ -1, 0, 0, 0.22833562585969738, 0.19182875209159508, 0.25795476935922745, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ -1, 0, 1, 0.271683594183594, 0.21105731593619834, 0.3215250703281211, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ -1, 0, 2, 0.10340226817878585, 0.08630836230390818, 0.12276612234888937, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 0, 0, 0, 0.26373626373626374, 0.25274725274725274, 0.2696629213483146, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 0, 0, 1, 0.3303112712203621, 0.30313953723044634, 0.35612165612165614, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 0, 0, 2, 0.11733333333333333, 0.09358288770053476, 0.1307901907356948, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 0, 1, 0, 0.17829457364341086, 0.17045454545454544, 0.19047619047619047, -0.08544169009285288, -0.09920835607904954, -0.062271433305320624, 0.6760335917312662, 0.6321023192239281, 0.7536221053705053, 0.1150869464097667, 0.4603477856390668 },
{ 0, 1, 1, 0.19551996824724097, 0.17505877960423413, 0.22143513052603964, -0.1347913029731211, -0.181062876517422, -0.08170505605110216, 0.591926419964043, 0.49157016035113466, 0.7304710980578691, 0.1150869464097667, 0.4603477856390668 },
{ 0, 1, 2, 0.08826291079812207, 0.07417582417582418, 0.11016949152542373, -0.029070422535211263, -0.05661429184833522, 0.006891045948754337, 0.7522407170294495, 0.56713631571064, 1.0736357481381178, 0.2323258319902293, 0.6969774959706879 },
{ 0, 2, 0, 0.24489795918367346, 0.24, 0.25, -0.01883830455259028, -0.029662921348314608, -0.0027472527472527375, 0.9285714285714285, 0.89, 0.9891304347826088, 0.2583939023945048, 0.7751817071835145 },
{ 0, 2, 1, 0.295795523920524, 0.28001813001813003, 0.3115729178229178, -0.034515747299838084, -0.07610352610352611, 0.008433380592471451, 0.8955053904993407, 0.7862990784319837, 1.0278201275541976, 0.34302024090169275, 0.7751817071835145 },
{ 0, 2, 2, 0.10396039603960396, 0.08737864077669903, 0.12121212121212122, -0.013372937293729376, -0.04341154995899578, 0.027629233511586457, 0.886026102610261, 0.6680825242718448, 1.2952380952380953, 0.6629916146222629, 0.6969774959706879 },
{ 1, 0, 0, 0.21487603305785125, 0.17045454545454544, 0.25274725274725274, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 1, 0, 1, 0.24936144102810764, 0.19006599461144916, 0.30313953723044634, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 1, 0, 2, 0.0841683366733467, 0.07417582417582418, 0.09358288770053476, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 1, 1, 0, 0.24175824175824176, 0.1744186046511628, 0.2696369418864264, 0.026882208700390514, -0.04623129406124886, 0.09302581026672622, 1.125105663567202, 0.8114247097477125, 1.5455618709677357, 0.4116330030384894, 0.7751817071835145 },
{ 1, 1, 1, 0.29400574733908064, 0.17505877960423413, 0.3553948369672656, 0.04464430631097299, -0.07119152620430852, 0.15253279096048103, 1.1790345216441893, 0.7259853605171671, 1.8004039207989164, 0.4012645472880485, 0.7751817071835145 },
{ 1, 1, 2, 0.12258494337108594, 0.11016949152542373, 0.1306922240441143, 0.03841660669773925, 0.022803662555287568, 0.0524242902002114, 1.4564258748136163, 1.2513945493935301, 1.6976508276868796, 0.06511313628971967, 0.26045254515887867 },
{ 2, 0, 0, 0.25274725274725274, NAN, NAN, -0.01648351648351648, NAN, NAN, 0.9387755102040817, NAN, NAN, NAN, NAN },
{ 2, 0, 1, 0.30313953723044634, NAN, NAN, -0.04075760098487369, NAN, NAN, 0.8814831632610021, NAN, NAN, NAN, NAN },
{ 2, 0, 2, 0.09358288770053476, NAN, NAN, -0.03557823080812038, NAN, NAN, 0.7245438006505319, NAN, NAN, NAN, NAN },
{ 2, 1, 0, 0.2692307692307692, 0.26881720430107525, 0.2696629213483146, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 2, 1, 1, 0.34389713821532003, 0.3316726203089839, 0.35612165612165614, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 2, 1, 2, 0.12916111850865514, 0.12760416666666666, 0.1307901907356948, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN },
{ 2, 2, 0, 0.18023255813953487, 0.17045454545454544, 0.19047619047619047, -0.08899821109123435, -0.09920837589376916, -0.07834101382488479, 0.6694352159468439, 0.6321022727272727, 0.7085714285714286, 0.2583939023945048, 0.7751817071835145 },
{ 2, 2, 1, 0.20575056256874438, 0.19006599461144916, 0.22143513052603964, -0.13814657564657565, -0.16605566151020698, -0.11023748978294429, 0.5982909995602241, 0.5337108579168237, 0.6676316251843526, 0.2583939023945048, 0.7751817071835145 },
{ 2, 2, 2, 0.07735583684950774, 0.07417582417582418, 0.08069164265129683, -0.0518052816591474, -0.056614366559870635, -0.04691252401536983, 0.598909623443096, 0.567135989010989, 0.6323589954713874, 0.2583939023945048, 0.6969774959706879 },
{ 2, 3, 0, 0.1744186046511628, NAN, NAN, -0.09481216457960642, NAN, NAN, 0.6478405315614618, NAN, NAN, NAN, NAN },
{ 2, 3, 1, 0.17505877960423413, NAN, NAN, -0.1688383586110859, NAN, NAN, 0.5090440138953025, NAN, NAN, NAN, NAN },
{ 2, 3, 2, 0.11016949152542373, NAN, NAN, -0.01899162698323141, NAN, NAN, 0.8529617333566311, NAN, NAN, NAN, NAN },
{ 2, 4, 0, 0.24, NAN, NAN, -0.029230769230769227, NAN, NAN, 0.8914285714285715, NAN, NAN, NAN, NAN },
{ 2, 4, 1, 0.28001813001813003, NAN, NAN, -0.06387900819719, NAN, NAN, 0.8142496662557447, NAN, NAN, NAN, NAN },
{ 2, 4, 2, 0.08737864077669903, NAN, NAN, -0.041782477731956105, NAN, NAN, 0.676508857972175, NAN, NAN, NAN, NAN },
{ 2, 5, 0, 0.25, NAN, NAN, -0.019230769230769218, NAN, NAN, 0.9285714285714286, NAN, NAN, NAN, NAN },
{ 2, 5, 1, 0.3115729178229178, NAN, NAN, -0.032324220392402236, NAN, NAN, 0.9060061372998007, NAN, NAN, NAN, NAN },
{ 2, 5, 2, 0.12121212121212122, NAN, NAN, -0.007948997296533922, NAN, NAN, 0.9384567322711652, NAN, NAN, NAN, NAN },
};

static const char *const rate_names[] = { "wer", "mean_utterance_wer", "cer" };

static void test_eval_asr__matches_reference_bootstrap(void **state)
{
	struct table t;
	cJSON *res;

	(void)state;
	build_reference(&t);
	res = run_ok(&t, REF_REQUEST);
	for (size_t i = 0; i < ARRAY_SIZE(ref_expect); i++) {
		const struct ref_expect *e = &ref_expect[i];
		const char *k = rate_names[e->k];
		const cJSON *c, *m, *d;
		double tol = 1e-13;

		c = e->g < 0 ? get(res, "overall") : cohort(res, e->g, e->c);
		m = get(get(c, "metrics"), k);
		expect_num(m, "value", e->v, tol);
		expect_num(m, "low", e->lo, tol);
		expect_num(m, "high", e->hi, tol);
		if (e->g < 0)
			continue;
		d = cJSON_GetObjectItemCaseSensitive(get(c, "disparity"), k);
		if (isnan(e->diff)) {
			assert_true(cJSON_IsTrue(get(c, "reference")));
			assert_null(d);
			continue;
		}
		expect_num(d, "difference", e->diff, tol);
		expect_num(d, "diff_low", e->dlo, tol);
		expect_num(d, "diff_high", e->dhi, tol);
		expect_num(d, "ratio", e->r, tol);
		expect_num(d, "ratio_low", e->rlo, tol);
		expect_num(d, "ratio_high", e->rhi, tol);
		/* Student's t from GSL here and from the incomplete beta
		 * function there: the p-values agree to about 1e-15. */
		expect_num(d, "p_value", e->p, 1e-13);
		expect_num(d, "p_adjusted", e->padj, 1e-13);
		assert_string_equal(str(d, "test"), "bootstrap");
	}
	/*
	 * Flags: ratio outside [0.8, 1.25] and p_adjusted < 0.05, from the
	 * reference's numbers.  With two or three speakers a cohort, the
	 * expanded intervals leave none significant: the WER ratio of 0.68
	 * (scottish against us) has p = 0.115 before adjustment.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(ref_expect); i++) {
		const struct ref_expect *e = &ref_expect[i];
		bool want = !isnan(e->padj) && e->padj < 0.05 &&
			    (e->r < 0.8 || e->r > 1.25);

		if (e->g < 0 || isnan(e->diff))
			continue;
		assert_int_equal(has_flag(cohort(res, e->g, e->c),
					  rate_names[e->k]), want);
	}
	assert_int_equal(cJSON_GetArraySize(get(cohort(res, 0, 1), "flags")),
			 0);
	/* Single-speaker intersections: too small, no interval, no flag. */
	assert_true(cJSON_IsTrue(get(cohort(res, 2, 3), "too_small")));
	assert_int_equal(cJSON_GetArraySize(get(cohort(res, 2, 3), "flags")),
			 0);
	cJSON_Delete(res);
	table_release(&t);
}

/* ---- reproducibility ---- */

/* The cohort of grouping g whose attributes print as attrs. */
static const cJSON *find_cohort(const cJSON *res, int g, const char *attrs)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, get(at(get(res, "groupings"), g), "cohorts")) {
		char *s = cJSON_PrintUnformatted(get(c, "attributes"));
		bool eq = !strcmp(s, attrs);

		free(s);
		if (eq)
			return c;
	}
	fail_msg("no cohort %s", attrs);
	return NULL;
}

static bool same_json(const cJSON *a, const cJSON *b)
{
	char *x = cJSON_PrintUnformatted(a), *y = cJSON_PrintUnformatted(b);
	bool eq = !strcmp(x, y);

	free(x);
	free(y);
	return eq;
}

/* Equal comparisons but for p_adjusted, which depends on the family. */
static void same_comparison(const cJSON *a, const cJSON *b)
{
	static const char *const fields[] = {
		"difference", "diff_low", "diff_high", "ratio", "ratio_low",
		"ratio_high", "p_value",
	};

	for (size_t k = 0; k < ARRAY_SIZE(rate_names); k++)
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++)
			expect_num(get(a, rate_names[k]), fields[f],
				   num(get(b, rate_names[k]), fields[f]), 0);
}

static void test_eval_asr__reproducible_and_order_free(void **state)
{
	struct table t;
	cJSON *a, *b;

	(void)state;
	build_reference(&t);
	a = run_ok(&t, REF_REQUEST);
	b = run_ok(&t, REF_REQUEST);
	assert_true(same_json(a, b));
	cJSON_Delete(b);

	/* Other groupings, other order: the same cohort, the same numbers
	   (its stream is named by what it is, not where it is). */
	b = run_ok(&t, "{\"by\": [[\"gender\", \"accent\"], [\"accent\"]], "
		   "\"min_cohort_size\": 20}");
	assert_true(same_json(get(cohort(a, 0, 1), "metrics"),
			      get(cohort(b, 1, 1), "metrics")));
	same_comparison(get(cohort(a, 0, 1), "disparity"),
			get(cohort(b, 1, 1), "disparity"));
	assert_true(same_json(get(find_cohort(a, 2, "{\"accent\":\"us\","
					      "\"gender\":\"f\"}"), "metrics"),
			      get(find_cohort(b, 0, "{\"gender\":\"f\","
					      "\"accent\":\"us\"}"),
				  "metrics")));
	assert_true(same_json(get(get(a, "overall"), "metrics"),
			      get(get(b, "overall"), "metrics")));
	cJSON_Delete(b);

	/* Another seed: the same values, other intervals. */
	b = run_ok(&t, "{\"by\": [[\"accent\"]], \"seed\": 7, "
		   "\"min_cohort_size\": 20}");
	expect_num(get(get(get(b, "overall"), "metrics"), "wer"), "value",
		   num(get(get(get(a, "overall"), "metrics"), "wer"), "value"),
		   0);
	assert_true(num(get(get(get(b, "overall"), "metrics"), "wer"), "low") !=
		    num(get(get(get(a, "overall"), "metrics"), "wer"), "low"));
	expect_num(get(b, "params"), "seed", 7, 0);
	cJSON_Delete(b);
	cJSON_Delete(a);
	table_release(&t);
}

/* ---- flags ---- */

/*
 * Speakers of 10 utterances of 10 words.  Cohorts (accent):
 *   ref    20 speakers, WER 0.08 or 0.12 alternately (pooled 0.10)
 *   worse  20 speakers, WER 0.18 or 0.22 (0.20): large and significant
 *   noisy   2 speakers, WER 0.05 and 0.35 (0.20): large, not significant
 *   close  20 speakers, WER 0.10 or 0.12 (0.11): significant or not,
 *          inside the tolerance band
 *   tiny    1 utterance each of 2 speakers, WER 0.5: too small
 */
static void add_speaker(struct table *t, const char *accent, int s,
			uint32_t errs, uint32_t utts)
{
	char spk[32];

	snprintf(spk, sizeof(spk), "%s%d", accent, s);
	for (uint32_t i = 0; i < utts; i++) {
		/* errs errors over the speaker's utts utterances, spread. */
		uint32_t e = errs / utts + (i < errs % utts);
		struct utt u = { spk, { accent }, 10 - e, e, 0, 0, 40, e };

		add_utt(t, &u, true);
	}
}

static void build_flags(struct table *t)
{
	static const char *const attrs[] = { "accent" };

	table_start(t, attrs, 1);
	for (int s = 0; s < 20; s++)
		add_speaker(t, "ref", s, s % 2 ? 12 : 8, 10);
	for (int s = 0; s < 20; s++)
		add_speaker(t, "worse", s, s % 2 ? 22 : 18, 10);
	add_speaker(t, "noisy", 0, 5, 10);
	add_speaker(t, "noisy", 1, 35, 10);
	for (int s = 0; s < 20; s++)
		add_speaker(t, "close", s, s % 2 ? 12 : 10, 10);
	add_speaker(t, "tiny", 0, 5, 1);
	add_speaker(t, "tiny", 1, 5, 1);
	table_finish(t);
}

/* Holm's step-down over p[0..n), as R's p.adjust. */
static void holm_ref(const double *p, size_t n, double *out)
{
	size_t idx[16];
	double run = 0;

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		for (; j > 0 && p[idx[j - 1]] > p[i]; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
	for (size_t j = 0; j < n; j++) {
		double a = (double)(n - j) * p[idx[j]];

		run = fmax(run, fmin(1, a));
		out[idx[j]] = run;
	}
}

static void test_eval_asr__flags_and_holm(void **state)
{
	struct table t;
	cJSON *res;
	const cJSON *c, *d;
	double p[4], want[4];
	const char *const names[] = { "close", "noisy", "tiny", "worse" };

	(void)state;
	build_flags(&t);
	res = run_ok(&t, "{\"by\": [[\"accent\"]], \"min_cohort_size\": 10, "
		     "\"min_speakers\": 0, "
		     "\"reference\": {\"accent\": \"ref\"}}");
	/* Cohorts by name: close noisy ref tiny worse. */
	c = cohort(res, 0, 2);
	assert_true(cJSON_IsTrue(get(c, "reference")));
	expect_num(get(get(c, "metrics"), "wer"), "value", 0.1, 1e-15);

	c = cohort(res, 0, 4);	/* worse */
	d = get(get(c, "disparity"), "wer");
	expect_num(d, "ratio", 2.0, 1e-14);
	assert_true(num(d, "p_adjusted") < 0.05);
	assert_true(num(d, "diff_low") > 0);
	assert_true(has_flag(c, "wer"));
	/*
	 * Mean per-utterance WER is a secondary metric of speech evaluations
	 * (pooled WER alone is the summary's family): its verdict is a
	 * disparity, but it is not flagged.
	 */
	assert_false(has_flag(c, "mean_utterance_wer"));
	assert_string_equal(cJSON_GetStringValue(get(get(get(c, "disparity"),
		"mean_utterance_wer"), "family")), "secondary");
	assert_string_equal(cJSON_GetStringValue(get(get(get(c, "disparity"),
		"mean_utterance_wer"), "verdict")), "disparity");

	c = cohort(res, 0, 1);	/* noisy: ratio 2, two speakers */
	d = get(get(c, "disparity"), "wer");
	expect_num(d, "ratio", 2.0, 1e-14);
	assert_true(num(d, "p_value") > 0.2);
	assert_true(num(d, "diff_low") < 0);
	assert_false(has_flag(c, "wer"));

	c = cohort(res, 0, 0);	/* close: inside the band */
	d = get(get(c, "disparity"), "wer");
	expect_num(d, "ratio", 1.1, 1e-14);
	assert_false(has_flag(c, "wer"));

	c = cohort(res, 0, 3);	/* tiny: ratio 5, too small */
	assert_true(cJSON_IsTrue(get(c, "too_small")));
	d = get(get(c, "disparity"), "wer");
	expect_num(d, "ratio", 5.0, 1e-14);
	assert_true(cJSON_IsNull(get(d, "p_adjusted")));
	assert_string_equal(str(d, "p_adjusted_reason"),
			    "cohort smaller than min_cohort_size");
	assert_int_equal(cJSON_GetArraySize(get(c, "flags")), 0);

	/* Holm over the family: close, noisy, worse (tiny is left out). */
	for (size_t i = 0, j = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(names[i], "tiny"))
			continue;
		c = find_cohort(res, 0, i == 0 ? "{\"accent\":\"close\"}" :
				i == 1 ? "{\"accent\":\"noisy\"}" :
				"{\"accent\":\"worse\"}");
		p[j++] = num(get(get(c, "disparity"), "wer"), "p_value");
	}
	holm_ref(p, 3, want);
	expect_num(get(get(cohort(res, 0, 0), "disparity"), "wer"),
		   "p_adjusted", want[0], 1e-15);
	expect_num(get(get(cohort(res, 0, 1), "disparity"), "wer"),
		   "p_adjusted", want[1], 1e-15);
	expect_num(get(get(cohort(res, 0, 4), "disparity"), "wer"),
		   "p_adjusted", want[2], 1e-15);
	assert_string_equal(str(get(res, "params"), "adjust"), "holm");
	cJSON_Delete(res);
	table_release(&t);
}

/* ---- parameters ---- */

/*
 * Where speakers are resampled, a cohort with fewer than min_speakers
 * speakers (default 10) is too small: shown, never flagged, out of the
 * Holm family, with its reason; a grouping by speaker (utterances
 * resampled) is not affected.
 */
static void test_eval_asr__min_speakers(void **state)
{
	struct table t;
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *res;
	const cJSON *c, *d;
	double pv[2], want[2];

	(void)state;
	build_flags(&t);
	res = run_ok(&t, "{\"by\": [[\"accent\"]], \"min_cohort_size\": 10, "
		     "\"reference\": {\"accent\": \"ref\"}}");
	expect_num(get(res, "params"), "min_speakers", 10, 0);
	/* Cohorts by name: close noisy ref tiny worse. */
	c = cohort(res, 0, 1);	/* noisy: 20 utterances, 2 speakers */
	assert_true(cJSON_IsTrue(get(c, "too_small")));
	assert_string_equal(str(c, "too_small_reason"),
			    "speakers < min_speakers");
	d = get(get(c, "disparity"), "wer");
	assert_true(cJSON_IsNull(get(d, "p_adjusted")));
	assert_string_equal(str(d, "p_adjusted_reason"),
			    "cohort with fewer speakers than min_speakers");
	assert_int_equal(cJSON_GetArraySize(get(c, "flags")), 0);
	c = cohort(res, 0, 3);	/* tiny: 2 utterances: rows come first */
	assert_string_equal(str(c, "too_small_reason"), "n < min_cohort_size");
	c = cohort(res, 0, 2);	/* ref: 20 speakers */
	assert_false(cJSON_IsTrue(get(c, "too_small")));
	assert_null(cJSON_GetObjectItem(c, "too_small_reason"));
	c = cohort(res, 0, 4);	/* worse: 20 speakers, flagged */
	assert_true(has_flag(c, "wer"));
	/* Holm over close and worse only. */
	pv[0] = num(get(get(cohort(res, 0, 0), "disparity"), "wer"),
		    "p_value");
	pv[1] = num(get(get(c, "disparity"), "wer"), "p_value");
	holm_ref(pv, 2, want);
	expect_num(get(get(cohort(res, 0, 0), "disparity"), "wer"),
		   "p_adjusted", want[0], 1e-15);
	expect_num(get(get(c, "disparity"), "wer"), "p_adjusted", want[1],
		   1e-15);
	assert_non_null(strstr(str(get(get(res, "params"), "methods"),
				   "cohort_size"), "min_speakers"));
	cJSON_Delete(res);

	/* A reference with too few speakers: nothing is compared. */
	res = run_ok(&t, "{\"by\": [[\"accent\"]], \"min_cohort_size\": 10, "
		     "\"min_speakers\": 21, \"reference\": {\"accent\": "
		     "\"ref\"}}");
	c = cohort(res, 0, 4);
	assert_string_equal(str(get(get(c, "disparity"), "wer"),
				"p_adjusted_reason"),
			    "cohort with fewer speakers than min_speakers");
	c = cohort(res, 0, 2);
	assert_string_equal(str(c, "too_small_reason"),
			    "speakers < min_speakers");
	cJSON_Delete(res);
	res = run_ok(&t, "{\"by\": [[\"accent\"]], \"min_cohort_size\": 10, "
		     "\"min_speakers\": 20, \"reference\": {\"accent\": "
		     "\"close\"}}");
	c = cohort(res, 0, 4);
	assert_false(cJSON_IsTrue(get(c, "too_small")));
	c = cohort(res, 0, 1);
	assert_string_equal(str(get(get(c, "disparity"), "wer"),
				"p_adjusted_reason"),
			    "cohort with fewer speakers than min_speakers");
	cJSON_Delete(res);

	table_release(&t);

	/* By speaker the utterances are the sample: no speaker count. */
	build_resample(&t, true);
	res = run_ok(&t, "{\"by\": [[\"accent\"], [\"speaker\"]], "
		     "\"min_cohort_size\": 5}");
	assert_string_equal(str(cohort(res, 0, 0), "too_small_reason"),
			    "speakers < min_speakers");
	assert_false(cJSON_IsTrue(get(cohort(res, 1, 0), "too_small")));
	cJSON_Delete(res);

	/* Bad values, and the command line's setter. */
	assert_null(run_json(&t, "{\"min_speakers\": -1}", &err));
	assert_string_equal(err.s, "min_speakers must be a whole number of "
			    "at least 0, got -1");
	buf_reset(&err);
	assert_null(run_json(&t, "{\"min_speakers\": \"x\"}", &err));
	assert_string_equal(err.s, "min_speakers must be a number");
	eval_params_init(&p);
	assert_int_equal(eval_params_set(&p, "min-speakers", "3", &err), 0);
	assert_int_equal((int)p.min_speakers, 3);
	buf_reset(&err);
	assert_int_equal(eval_params_set(&p, "min_speakers", "x", &err), -1);
	assert_string_equal(err.s, "min_speakers must be a whole number of at "
			    "least 0, got \"x\"");
	eval_params_release(&p);
	buf_release(&err);
	table_release(&t);
}

static void test_eval_asr__params_and_bootstrap_off(void **state)
{
	struct table t;
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *res, *cli;
	const cJSON *m, *d;
	static const struct {
		const char *req, *msg;
	} bad[] = {
		{ "{\"seed\": -1}", "seed must be a whole number from 0 to "
		  "2^53, got -1" },
		{ "{\"seed\": \"x\"}", "seed must be a number" },
		{ "{\"bootstrap\": 10001}", "bootstrap must be a whole number "
		  "of replicates from 0 to 10000 (EVAL_MAX_BOOTSTRAP), got "
		  "10001" },
		{ "{\"bootstrap\": 1.5}", "bootstrap must be a whole number of "
		  "replicates from 0 to 10000 (EVAL_MAX_BOOTSTRAP), got 1.5" },
	};

	(void)state;
	build_resample(&t, true);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		buf_reset(&err);
		assert_null(run_json(&t, bad[i].req, &err));
		assert_string_equal(err.s, bad[i].msg);
	}

	/* The command line's setters give the same evaluation. */
	eval_params_init(&p);
	assert_int_equal(eval_params_set(&p, "seed", "42", &err), 0);
	assert_int_equal(eval_params_set(&p, "bootstrap", "200", &err), 0);
	assert_int_equal(eval_params_set(&p, "by", "accent", &err), 0);
	buf_reset(&err);
	assert_int_equal(eval_params_set(&p, "bootstrap", "-3", &err), -1);
	assert_string_equal(err.s, "bootstrap must be a whole number of at "
			    "least 0, got \"-3\"");
	p.normalize = cJSON_CreateString("sclite");
	cli = evaluation_run(&t, &p, &err);
	assert_non_null(cli);
	eval_params_release(&p);
	res = run_ok(&t, "{\"by\": [\"accent\"], \"seed\": 42, "
		     "\"bootstrap\": 200, \"normalize\": \"sclite\"}");
	assert_true(same_json(cli, res));
	assert_string_equal(str(get(res, "params"), "normalize"), "sclite");
	expect_num(get(res, "params"), "bootstrap", 200, 0);
	assert_non_null(cJSON_GetStringValue(get(get(get(res, "params"),
						     "methods"), "test")));
	cJSON_Delete(cli);
	cJSON_Delete(res);

	/* bootstrap 0: values and differences, no intervals or tests. */
	res = run_ok(&t, "{\"by\": [\"accent\"], \"bootstrap\": 0, "
		     "\"min_cohort_size\": 1}");
	m = get(get(cohort(res, 0, 0), "metrics"), "wer");
	expect_num(m, "value", 0.2, 1e-15);
	assert_true(cJSON_IsNull(get(m, "low")));
	assert_string_equal(str(m, "interval_reason"),
			    "bootstrap is off (bootstrap = 0)");
	d = get(get(cohort(res, 0, 2), "disparity"), "wer");
	expect_num(d, "difference", 0, 1e-15);
	expect_num(d, "ratio", 1, 1e-15);
	assert_true(cJSON_IsNull(get(d, "p_value")));
	assert_string_equal(str(d, "diff_interval_reason"),
			    "bootstrap is off (bootstrap = 0)");
	assert_int_equal(cJSON_GetArraySize(get(cohort(res, 0, 2), "flags")),
			 0);
	cJSON_Delete(res);
	buf_release(&err);
	table_release(&t);
}

/* ---- simulated nulls ---- */

/*
 * 200 data sets of 2 accents x 20 speakers x 8 utterances; every speaker
 * draws a WER p ~ Beta(2, 8) (mean 0.2), every utterance 5..20 reference
 * words and Binomial(N, p) errors, the same for both accents.  The true
 * pooled WER is E[p] = 0.2.  Percentile intervals from few clusters run a
 * little short: over 2000 such data sets the overall 95 % interval (40
 * speakers) held 0.2 in 93.8 % and the accents differed at p < 0.05 in
 * 6.9 % (at 5, 15 and 40 speakers per accent: 12.1 %, 7.8 %, 5.6 %).  So
 * 200 data sets should give about 188 covered (binomial sd 3.4) and 14
 * false positives (sd 3.6); the bounds, at least 176 and at most 26, are
 * over 3 sd away.
 */
static void test_eval_asr__null_coverage(void **state)
{
	static const char *const attrs[] = { "accent" };
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int covered = 0, positives = 0, runs = 200;

	(void)state;
	gsl_rng_set(r, 12345);
	for (int k = 0; k < runs; k++) {
		struct table t;
		cJSON *res;
		const cJSON *m;
		double p;

		table_start(&t, attrs, 1);
		for (int s = 0; s < 40; s++) {
			double ps = gsl_ran_beta(r, 2, 8);
			char spk[16];

			snprintf(spk, sizeof(spk), "s%d", s);
			for (int i = 0; i < 8; i++) {
				uint32_t n = 5 + (uint32_t)gsl_rng_uniform_int(r, 16);
				uint32_t e = gsl_ran_binomial(r, ps, n);
				struct utt u = { spk, { s < 20 ? "a" : "b" },
						 n - e, e - e / 2, e / 2, 0,
						 4 * n, e };

				add_utt(&t, &u, true);
			}
		}
		table_finish(&t);
		res = run_ok(&t, "{\"by\": [\"accent\"]}");
		m = get(get(get(res, "overall"), "metrics"), "wer");
		covered += num(m, "low") <= 0.2 && 0.2 <= num(m, "high");
		p = num(get(get(cohort(res, 0, 1), "disparity"), "wer"),
			"p_value");
		assert_false(isnan(p));
		positives += p < 0.05;
		cJSON_Delete(res);
		table_release(&t);
	}
	gsl_rng_free(r);
	print_message("# coverage %d/%d, false positives %d/%d\n", covered,
		      runs, positives, runs);
	assert_true(covered >= 176);
	assert_true(positives <= 26);
}

/* ---- power ---- */

/*
 * Two accents of `speakers` speakers, each reading 4 utterances of 5
 * words: a speaker's WER p ~ Beta(mean * k, (1 - mean) * k), k = 9, so
 * the words of one speaker have intra-speaker correlation 1 / (k + 1) =
 * 0.1 and the design effect of a cohort's pooled WER is 1 + (20 - 1) 0.1
 * = 2.9.  Accent "ref" has mean 0.2, accent "b" mean 0.2 * ratio.
 */
static void build_clustered(struct table *t, gsl_rng *r, int speakers,
			    double ratio)
{
	static const char *const attrs[] = { "accent" };

	table_start(t, attrs, 1);
	for (int s = 0; s < 2 * speakers; s++) {
		double mean = s < speakers ? 0.2 : 0.2 * ratio;
		double ps = gsl_ran_beta(r, mean * 9, (1 - mean) * 9);
		char spk[16];

		snprintf(spk, sizeof(spk), "s%d", s);
		for (int i = 0; i < 4; i++) {
			uint32_t e = gsl_ran_binomial(r, ps, 5);
			struct utt u = { spk, { s < speakers ? "ref" : "b" },
					 5 - e, e, 0, 0, 20, e };

			add_utt(t, &u, true);
		}
	}
	table_finish(t);
}

static const cJSON *b_power(const cJSON *res)
{
	const cJSON *c = find_cohort(res, 0, "{\"accent\":\"b\"}");

	assert_non_null(c);
	return get(get(get(c, "disparity"), "wer"), "power");
}

/*
 * The design effect each cohort's bootstrap implies, averaged over 20
 * data sets of 100 speakers a cohort, is the 2.9 of the model above:
 * one estimate's relative sd is about 0.17 (the between-speaker variance
 * from 100 speakers), the mean's about 0.04, and the bounds, 2.9 +- 15 %,
 * are over 3.5 sd away.  The cohort needs (speakers_for_tolerance)
 * what the two-proportion formula needs in words, times the design
 * effect, over 20 words a speaker.
 */
static void test_eval_asr__design_effect(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	double sum = 0;
	int runs = 20;

	(void)state;
	gsl_rng_set(r, 2024);
	for (int k = 0; k < runs; k++) {
		struct table t;
		cJSON *res;
		const cJSON *pw;

		build_clustered(&t, r, 100, 1);
		res = run_ok(&t, "{\"by\": [\"accent\"], "
			    "\"reference\": {\"accent\": \"ref\"}}");
		pw = b_power(res);
		assert_non_null(pw);
		assert_string_equal(str(pw, "unit"), "speakers");
		sum += num(pw, "design_effect");
		assert_true(num(pw, "design_effect") >= 1);
		if (k == 0) {
			double deff = num(pw, "design_effect");
			double mdr = num(pw, "detectable_ratio");

			assert_true(mdr > 1 && mdr < 2);
			assert_true(num(pw, "more_speakers") >= 0 ||
				    isnan(num(pw, "more_speakers")));
			assert_true(deff > 1.5 && deff < 5);
		}
		cJSON_Delete(res);
		table_release(&t);
	}
	gsl_rng_free(r);
	print_message("# mean design effect %.3f (model 2.9)\n", sum / runs);
	assert_true(sum / runs > 2.9 * 0.85 && sum / runs < 2.9 * 1.15);
}

/*
 * The detectable ratio means what it says: data sets whose accent "b"
 * truly has that ratio to "ref" are found (p < alpha) in about 80 % of
 * cases.  The ratio is read from one pilot data set of 100 speakers a
 * cohort (model design effect 2.9); then 300 data sets at that ratio.
 * The two-proportion z-test with effective sizes is an approximation to
 * the expanded cluster bootstrap the evaluation uses: with the fixed
 * seed, ratio 1.325 was found in 250 of 300 (83 %); the bounds
 * 0.70..0.90 are over 4 binomial sd (0.023) from 0.8.
 */
static void test_eval_asr__detectable_ratio_has_its_power(void **state)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	const char *req = "{\"by\": [\"accent\"], "
			  "\"reference\": {\"accent\": \"ref\"}}";
	int runs = 300, found = 0;
	double mdr, alpha;
	struct table t;
	cJSON *res;

	(void)state;
	gsl_rng_set(r, 7);
	build_clustered(&t, r, 100, 1);
	res = run_ok(&t, req);
	mdr = num(b_power(res), "detectable_ratio");
	alpha = num(b_power(res), "alpha");
	cJSON_Delete(res);
	table_release(&t);
	for (int k = 0; k < runs; k++) {
		build_clustered(&t, r, 100, mdr);
		res = run_ok(&t, "{\"by\": [\"accent\"], \"bootstrap\": 400, "
			    "\"reference\": {\"accent\": \"ref\"}}");
		found += num(get(get(find_cohort(res, 0, "{\"accent\":\"b\"}"),
				     "disparity"), "wer"), "p_value") < alpha;
		cJSON_Delete(res);
		table_release(&t);
	}
	gsl_rng_free(r);
	print_message("# detectable ratio %.3f at alpha %.3f: found in %d/%d\n",
		      mdr, alpha, found, runs);
	assert_true(found >= 0.70 * runs && found <= 0.90 * runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval_asr__known_counts),
		cmocka_unit_test(test_eval_asr__inconsistent_counts),
		cmocka_unit_test(test_eval_asr__resample_speakers_or_utterances),
		cmocka_unit_test(test_eval_asr__matches_reference_bootstrap),
		cmocka_unit_test(test_eval_asr__reproducible_and_order_free),
		cmocka_unit_test(test_eval_asr__flags_and_holm),
		cmocka_unit_test(test_eval_asr__min_speakers),
		cmocka_unit_test(test_eval_asr__params_and_bootstrap_off),
		cmocka_unit_test(test_eval_asr__null_coverage),
		cmocka_unit_test(test_eval_asr__design_effect),
		cmocka_unit_test(test_eval_asr__detectable_ratio_has_its_power),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
