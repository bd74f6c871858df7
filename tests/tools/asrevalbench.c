/*
 * asrevalbench - time the asr evaluation engine (WER with bootstrap
 * intervals) on a synthetic table.
 *
 *   asrevalbench [--rows N] [--speakers S] [--accents A] [--bootstrap B]
 *                [--runs R] [--json FILE]
 *
 * Builds an in-memory asr table of N utterances (default 100,000) from S
 * speakers (default 40), each with one of A accents (default 8, speaker i
 * has accent i mod A) and one of two genders; utterances have 5 to 35
 * reference words, a speaker-dependent error rate with accent effects, a
 * few empty references, and character counts.  Then runs
 * evaluation_run R times (default 5) with `bootstrap` B (default 1000) for
 *   by accent             A cohorts, speakers resampled
 *   by accent x gender    up to 2A cohorts, speakers resampled
 *   by speaker            S cohorts, utterances resampled
 *   by accent, no ids     A cohorts, the same table without speaker ids,
 *                         utterances resampled (O(N) per replicate)
 * and prints the minimum and median time of each in milliseconds (table
 * building is not timed; JSON building is).  --json writes the result of
 * the last "by accent" run to FILE.  Exits 1 when the "by accent" median
 * is 1000 ms or more: the budget.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

/* Binomial(n, p) by n Bernoulli draws; n is small here. */
static uint32_t binom(uint32_t n, double p)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += unif() < p;
	return k;
}

static void build(struct table *t, size_t n, size_t nspk, size_t nacc,
		  bool with_speakers)
{
	static const char *const genders[] = { "female", "male" };
	char id[32], s[32];
	double *rate = xmalloc(nspk * sizeof(*rate));

	rng = 0x9E3779B97F4A7C15ULL;
	for (size_t k = 0; k < nspk; k++)
		rate[k] = 0.05 + 0.1 * unif() + 0.02 * (double)(k % nacc);
	table_init(t, TASK_ASR);
	table_add_attr(t, "accent");
	table_add_attr(t, "gender");
	if (with_speakers)
		table_add_attr(t, "speaker");
	for (size_t r = 0; r < n; r++) {
		int len = snprintf(id, sizeof(id), "utt%zu", r);
		int64_t row = table_add_row(t, id, (size_t)len);
		size_t k = (size_t)(next() % nspk);
		struct asr_counts *c = &t->asr[row];
		uint32_t words = next() % 50 ? 5 + (uint32_t)(next() % 31) : 0;
		uint32_t err = binom(words, rate[k]);

		c->sub = err * 2 / 3;
		c->del = err - c->sub;
		c->hits = words - err;
		c->ins = binom(words, rate[k] / 4);
		c->ref_words = words;
		c->ref_chars = words * 4;
		c->char_errors = err * 2 + c->ins;
		len = snprintf(s, sizeof(s), "accent%zu", k % nacc);
		table_set_attr(t, (size_t)row, 0, s, (size_t)len);
		table_set_attr(t, (size_t)row, 1, genders[(k / nacc) % 2],
			       strlen(genders[(k / nacc) % 2]));
		if (with_speakers) {
			len = snprintf(s, sizeof(s), "spk%zu", k);
			t->speaker[row] = table_speaker(t, s, (size_t)len);
			table_set_attr(t, (size_t)row, 2, s, (size_t)len);
		}
	}
	table_finish(t);
	free(rate);
}

static double bench(const struct table *t, const char *const *by, size_t nby,
		    uint32_t nboot, int runs, const char *json)
{
	double *ms = xmalloc((size_t)runs * sizeof(*ms)), med;
	struct buf err = BUF_INIT;

	for (int i = 0; i < runs; i++) {
		struct eval_params p;
		cJSON *res;
		double t0;

		eval_params_init(&p);
		for (size_t b = 0; b < nby; b++)
			if (eval_params_add_grouping(&p, by[b], &err))
				die("%s", err.s);
		p.bootstrap = nboot;
		t0 = now_seconds();
		res = evaluation_run(t, &p, &err);
		ms[i] = (now_seconds() - t0) * 1000;
		if (!res)
			die("%s", err.s);
		if (json && i == runs - 1) {
			char *s = cJSON_Print(res);
			FILE *f = fopen(json, "w");

			if (!f || fputs(s, f) < 0 || fclose(f))
				die("cannot write %s", json);
			free(s);
		}
		cJSON_Delete(res);
		eval_params_release(&p);
	}
	qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
	printf("  min %8.1f ms   median %8.1f ms\n", ms[0], ms[runs / 2]);
	med = ms[runs / 2];
	free(ms);
	buf_release(&err);
	return med;
}

static size_t arg_size(const char *opt, const char *v)
{
	int64_t x;

	if (!v || parse_i64(v, strlen(v), &x) || x < 1)
		die("%s needs a whole number of at least 1", opt);
	return (size_t)x;
}

int main(int argc, char **argv)
{
	size_t n = 100000, nspk = 40, nacc = 8, nboot = 1000, runs = 5;
	const char *json = NULL;
	const char *by_accent[] = { "accent" };
	const char *by_inter[] = { "accent,gender" };
	const char *by_speaker[] = { "speaker" };
	struct table t;
	double med;
	double t0;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--rows"))
			n = arg_size(argv[i], v);
		else if (!strcmp(argv[i], "--speakers"))
			nspk = arg_size(argv[i], v);
		else if (!strcmp(argv[i], "--accents"))
			nacc = arg_size(argv[i], v);
		else if (!strcmp(argv[i], "--bootstrap"))
			nboot = arg_size(argv[i], v);
		else if (!strcmp(argv[i], "--runs"))
			runs = arg_size(argv[i], v);
		else if (!strcmp(argv[i], "--json") && v)
			json = v;
		else
			die("usage: asrevalbench [--rows N] [--speakers S] "
			    "[--accents A] [--bootstrap B] [--runs R] "
			    "[--json FILE]");
		i++;
	}
	t0 = now_seconds();
	build(&t, n, nspk, nacc, true);
	printf("table: %zu utterances, %zu speakers, %zu accents, built in "
	       "%.0f ms; bootstrap %zu\n", n, nspk, nacc,
	       (now_seconds() - t0) * 1000, nboot);
	printf("by accent (speakers resampled):\n");
	med = bench(&t, by_accent, 1, (uint32_t)nboot, (int)runs, json);
	printf("by accent x gender (speakers resampled):\n");
	bench(&t, by_inter, 1, (uint32_t)nboot, (int)runs, NULL);
	printf("by speaker (utterances resampled):\n");
	bench(&t, by_speaker, 1, (uint32_t)nboot, (int)runs, NULL);
	table_release(&t);
	build(&t, n, nspk, nacc, false);
	printf("by accent, no speaker ids (utterances resampled):\n");
	bench(&t, by_accent, 1, (uint32_t)nboot, (int)runs, NULL);
	table_release(&t);
	if (med >= 1000) {
		fprintf(stderr, "asrevalbench: by accent took %.1f ms, over "
			"the 1000 ms budget\n", med);
		return 1;
	}
	return 0;
}
