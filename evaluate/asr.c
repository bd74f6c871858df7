/*
 * asr.c - the metric engine for asr tasks (see evaluation_internal.h for the
 * protocol): pooled WER, mean utterance WER and CER with cluster-bootstrap
 * expanded percentile intervals, bootstrap comparisons with the reference
 * cohort,
 * the S/D/I breakdown and counts.
 *
 * One build per compute() call:
 *   1. rows are split by cohort with a stable counting sort;
 *   2. one pass per cohort adds up its sums (metrics/wer.h) and counts its
 *      distinct speakers;
 *   3. the cohort's clusters - speakers, or utterances (see "Resampling"
 *      below) - are summarised once as vectors of WER_NV sums;
 *   4. each cohort gets its own random stream, seeded from the evaluation's
 *      seed and the cohort's attribute names and values, and `bootstrap`
 *      replicates of its three rates (metrics/bootstrap.h), each
 *      O(the cohort's clusters): with speaker ids, O(its speakers), not
 *      O(its utterances).
 * compare() pairs replicate b of a cohort with replicate b of the
 * reference.  Replicates of a grouping are kept from compute() to
 * compare() when they fit in ASR_BOOT_CACHE_BYTES, else regenerated from
 * the same streams, which gives the same numbers.
 *
 * Resampling.  With speaker ids, a cluster is a speaker's utterances in
 * the cohort (an utterance without a speaker id is a cluster of its own);
 * without, every utterance is a cluster.  A set of cohorts in which no
 * cohort has two or more speakers (a grouping by speaker, or overall when
 * the data has one speaker) resamples utterances instead: there, the
 * utterances are the sample.  An interval needs at least two clusters
 * with a nonzero denominator; with one speaker the between-speaker
 * variation cannot be estimated, and no interval is better than a false
 * zero-width one.  With few clusters plain percentile intervals run
 * short (in simulations like that of tests/unit/evaluate/asr.c, a 0.05
 * test rejected a true null 12 % of the time with 5 speakers per cohort,
 * 10 % with 10, 8 % with 15, 6 % with 40), so intervals and p-values are
 * the expanded ones of metrics/bootstrap.h for the cohort's clusters (for
 * a comparison, the fewer of the two cohorts'): 4 %, 5 %, 5 % and 5 % in
 * the same simulations.  Cohorts with fewer than min_speakers speakers
 * are also too small (asr_too_small).
 *
 * Metric list (positions fixed by enum asr_metric below):
 *   wer mean_utterance_wer cer          rates with bootstrap intervals,
 *                                       compared with the reference
 *   substitution_rate deletion_rate insertion_rate
 *                                       pooled S, D, I over reference
 *                                       words (adding up to wer); plain
 *   utterances speakers reference_words hits substitutions deletions
 *   insertions empty_reference_utterances reference_characters
 *   character_errors                    counts
 *
 * NEEDSWORK: the three bootstrap rates are struct mval of kind MVAL_MEAN
 * only so that the driver renders and compares them like other estimates;
 * their mean and var fields are unused and disparity_compare never sees
 * them (compare() does the comparison).  A kind of its own in
 * metrics/disparity.h (MVAL_BOOT) would say so in the type.
 */
#include "common/fa.h"
#include "evaluate/evaluation_internal.h"
#include "metrics/bootstrap.h"
#include "metrics/wer.h"
#include "common/fanout.h"

/* Below this many cluster draws a grouping's replicates are made inline. */
#define ASR_PARALLEL_DRAWS 4000000ULL

/* Most bytes of replicates kept from compute() to compare(). */
#ifndef ASR_BOOT_CACHE_BYTES
#define ASR_BOOT_CACHE_BYTES (16u * 1024 * 1024)
#endif

enum asr_metric {
	M_WER,			/* = WER_POOLED */
	M_MEAN_UTT_WER,		/* = WER_MEAN_UTTERANCE */
	M_CER,			/* = WER_CER */
	M_SUB_RATE,
	M_DEL_RATE,
	M_INS_RATE,
	M_UTTERANCES,
	M_SPEAKERS,
	M_REF_WORDS,
	M_HITS,
	M_SUB,
	M_DEL,
	M_INS,
	M_EMPTY_REFS,
	M_REF_CHARS,
	M_CHAR_ERRORS,
	M_COUNT
};

_Static_assert((int)M_WER == (int)WER_POOLED &&
	       (int)M_MEAN_UTT_WER == (int)WER_MEAN_UTTERANCE &&
	       (int)M_CER == (int)WER_CER && (int)M_SUB_RATE == (int)WER_NRATES,
	       "the bootstrap rates come first, in metrics/wer.h's order");

static const struct eval_metric asr_metrics[M_COUNT] = {
	[M_WER] = { "wer", NULL, MVAL_MEAN },
	[M_MEAN_UTT_WER] = { "mean_utterance_wer", NULL, MVAL_MEAN },
	[M_CER] = { "cer", NULL, MVAL_MEAN },
	[M_SUB_RATE] = { "substitution_rate", NULL, MVAL_PLAIN },
	[M_DEL_RATE] = { "deletion_rate", NULL, MVAL_PLAIN },
	[M_INS_RATE] = { "insertion_rate", NULL, MVAL_PLAIN },
	[M_UTTERANCES] = { "utterances", NULL, MVAL_COUNT },
	[M_SPEAKERS] = { "speakers", NULL, MVAL_COUNT },
	[M_REF_WORDS] = { "reference_words", NULL, MVAL_COUNT },
	[M_HITS] = { "hits", NULL, MVAL_COUNT },
	[M_SUB] = { "substitutions", NULL, MVAL_COUNT },
	[M_DEL] = { "deletions", NULL, MVAL_COUNT },
	[M_INS] = { "insertions", NULL, MVAL_COUNT },
	[M_EMPTY_REFS] = { "empty_reference_utterances", NULL, MVAL_COUNT },
	[M_REF_CHARS] = { "reference_characters", NULL, MVAL_COUNT },
	[M_CHAR_ERRORS] = { "character_errors", NULL, MVAL_COUNT },
};

#define NR WER_NRATES

/* Why a rate is undefined in a cohort. */
static const char *const undefined_reason[NR] = {
	"no reference words in cohort",
	"no reference words in cohort",
	"no reference characters in cohort",
};

/* Why there is no interval: [by utterance][rate], for a cohort ... */
static const char *const few_in_cohort[2][NR] = {
	{ "fewer than 2 speakers with reference words in cohort",
	  "fewer than 2 speakers with reference words in cohort",
	  "fewer than 2 speakers with reference characters in cohort" },
	{ "fewer than 2 utterances with reference words in cohort",
	  "fewer than 2 utterances with reference words in cohort",
	  "fewer than 2 utterances with reference characters in cohort" },
};

/* ... and for a comparison. */
static const char *const few_in_a_cohort[2][NR] = {
	{ "fewer than 2 speakers with reference words in a cohort",
	  "fewer than 2 speakers with reference words in a cohort",
	  "fewer than 2 speakers with reference characters in a cohort" },
	{ "fewer than 2 utterances with reference words in a cohort",
	  "fewer than 2 utterances with reference words in a cohort",
	  "fewer than 2 utterances with reference characters in a cohort" },
};

static const char boot_off[] = "bootstrap is off (bootstrap = 0)";
static const char few_replicates[] =
	"fewer than 2 bootstrap replicates with a value";

struct asr_state {
	bool has_speakers;	/* some row has a speaker id */
	size_t nboot;
	gsl_rng *rng;

	/* The build: one compute() call's cohorts. */
	bool built;
	const uint32_t *cohort;
	const struct groupby *g;
	size_t nc;
	bool by_utterance;	/* clusters are utterances */
	struct wer_sums *sums;	/* per cohort */
	uint64_t *speakers;	/* per cohort: distinct speaker ids */
	size_t *cl_start;	/* per cohort, nc + 1: its first cluster */
	double *cl;		/* per cluster: WER_NV sums */
	size_t cl_cap;		/* doubles allocated in cl */
	uint64_t *eligible;	/* per cohort x rate: clusters with a nonzero
				   denominator */
	uint64_t *stream;	/* per cohort */
	double *reps;		/* nc x nboot x NR, or NULL: not kept */

	double *scratch;	/* nboot x NR: one cohort's replicates */
	double *ref_reps;	/* nboot x NR: the reference's */
	double *tmp;		/* 2 x nboot: one metric's values */
};

/* ---- the build ---- */

static void build_release(struct asr_state *s)
{
	free(s->sums);
	free(s->speakers);
	free(s->cl_start);
	free(s->cl);
	free(s->eligible);
	free(s->stream);
	free(s->reps);
	s->sums = NULL;
	s->speakers = NULL;
	s->cl_start = NULL;
	s->cl = NULL;
	s->cl_cap = 0;
	s->eligible = NULL;
	s->stream = NULL;
	s->reps = NULL;
	s->built = false;
}

/* A new zeroed cluster; returns its index. */
static size_t cluster_new(struct asr_state *s, size_t *ncl)
{
	size_t i = (*ncl)++;

	s->cl = xgrow(s->cl, &s->cl_cap, *ncl * WER_NV, sizeof(*s->cl));
	memset(&s->cl[i * WER_NV], 0, WER_NV * sizeof(*s->cl));
	return i;
}

/*
 * The stream of cohort c of g (NULL: overall).  The key is the cohort's
 * (attribute name, value) pairs in name order, each string preceded by
 * its length, so it names the cohort whatever the grouping's attribute
 * order and whatever else is evaluated.
 */
static uint64_t cohort_stream(const struct table *t, const struct groupby *g,
			      size_t c, uint64_t seed)
{
	struct buf key = BUF_INIT;
	uint64_t h;

	if (!g)
		return boot_stream_seed(seed, "overall", 7);
	buf_adds(&key, "cohort");
	groupby_cohort_key(t, g, c, &key);
	h = boot_stream_seed(seed, key.s, key.len);
	buf_release(&key);
	return h;
}

static void rates_stat(const double *sums, double *out, void *arg)
{
	(void)arg;
	wer_rates(sums, out);
}

/* Replicates of cohort c into out[nboot x NR], drawn with rng. */
static void draw_cohort(const struct asr_state *s, gsl_rng *rng, size_t c,
			double *out)
{
	size_t first = s->cl_start[c], ncl = s->cl_start[c + 1] - first;

	if (!ncl) {
		for (size_t i = 0; i < s->nboot * NR; i++)
			out[i] = NAN;
		return;
	}
	boot_rng_reset(rng, s->stream[c]);
	boot_replicates(rng, s->cl + first * WER_NV, ncl, WER_NV, s->nboot,
			rates_stat, NULL, NR, out);
}

static void cohort_replicates(struct asr_state *s, size_t c, double *out)
{
	draw_cohort(s, s->rng, c, out);
}

/*
 * All cohorts' replicates into s->reps.  Each cohort has its own random
 * stream, so cohorts can be drawn on several threads (each with its own
 * generator) and the numbers are the same whatever the thread count.
 */
struct reps_job {
	const struct asr_state *s;
	gsl_rng *rng[FANOUT_MAX_THREADS];
};

static void reps_work(void *ctx, size_t thread, size_t begin, size_t end)
{
	struct reps_job *j = ctx;

	for (size_t c = begin; c < end; c++)
		draw_cohort(j->s, j->rng[thread], c,
			    j->s->reps + c * j->s->nboot * NR);
}

static void all_replicates(struct asr_state *s)
{
	uint64_t draws = (uint64_t)s->cl_start[s->nc] * s->nboot;
	size_t nthreads = fanout_threads(s->nc);
	struct reps_job job = { s, { NULL } };

	if (draws < ASR_PARALLEL_DRAWS || nthreads < 2) {
		for (size_t c = 0; c < s->nc; c++)
			cohort_replicates(s, c, s->reps + c * s->nboot * NR);
		return;
	}
	for (size_t i = 0; i < nthreads; i++)
		job.rng[i] = boot_rng_new(0);
	fanout(s->nc, 1, nthreads, reps_work, &job);
	for (size_t i = 0; i < nthreads; i++)
		gsl_rng_free(job.rng[i]);
}

/* Cohort c's replicates: kept ones, or regenerated into buf. */
static const double *replicates_of(struct asr_state *s, size_t c,
				   double *buf)
{
	if (s->reps)
		return s->reps + c * s->nboot * NR;
	cohort_replicates(s, c, buf);
	return buf;
}

static void build(struct asr_state *s, const struct eval_task *et,
		  const uint32_t *cohort, size_t nc)
{
	const struct table *t = et->t;
	size_t n = t->nrows, ncl = 0;
	size_t *start = xcalloc(nc + 1, sizeof(*start));
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	size_t nspk = t->speakers.n;
	uint32_t *stamp = xcalloc(nspk, sizeof(*stamp));
	size_t *slot = xmalloc((nspk ? nspk : 1) * sizeof(*slot));
	uint64_t most = 0;

	build_release(s);
	s->cohort = cohort;
	s->g = et->g;
	s->nc = nc;
	s->sums = xcalloc(nc, sizeof(*s->sums));
	s->speakers = xcalloc(nc, sizeof(*s->speakers));
	s->cl_start = xcalloc(nc + 1, sizeof(*s->cl_start));
	s->eligible = xcalloc(nc * NR, sizeof(*s->eligible));
	s->stream = xmalloc(nc * sizeof(*s->stream));

	/* 1. Rows by cohort, stable. */
	for (size_t r = 0; r < n; r++)
		start[(cohort ? cohort[r] : 0) + 1]++;
	for (size_t c = 0; c < nc; c++)
		start[c + 1] += start[c];
	{
		size_t *next = xmalloc((nc ? nc : 1) * sizeof(*next));

		memcpy(next, start, nc * sizeof(*next));
		for (size_t r = 0; r < n; r++)
			order[next[cohort ? cohort[r] : 0]++] = (uint32_t)r;
		free(next);
	}

	/* 2. Sums and distinct speakers; stamp[k] = last cohort + 1. */
	for (size_t c = 0; c < nc; c++) {
		for (size_t i = start[c]; i < start[c + 1]; i++) {
			uint32_t r = order[i], k = t->speaker ? t->speaker[r]
							      : UINT32_MAX;

			wer_sums_add(&s->sums[c], &t->asr[r]);
			if (k != UINT32_MAX && stamp[k] != c + 1) {
				stamp[k] = (uint32_t)(c + 1);
				s->speakers[c]++;
			}
		}
		if (s->speakers[c] > most)
			most = s->speakers[c];
	}
	s->by_utterance = most < 2;

	/* 3. Clusters. */
	memset(stamp, 0, (nspk ? nspk : 1) * sizeof(*stamp));
	for (size_t c = 0; c < nc; c++) {
		s->cl_start[c] = ncl;
		for (size_t i = start[c]; i < start[c + 1]; i++) {
			uint32_t r = order[i], k = t->speaker ? t->speaker[r]
							      : UINT32_MAX;
			size_t j;

			if (s->by_utterance || k == UINT32_MAX) {
				j = cluster_new(s, &ncl);
			} else if (stamp[k] != c + 1) {
				stamp[k] = (uint32_t)(c + 1);
				j = slot[k] = cluster_new(s, &ncl);
			} else {
				j = slot[k];
			}
			wer_vector_add(&s->cl[j * WER_NV], &t->asr[r]);
		}
		for (size_t j = s->cl_start[c]; j < ncl; j++) {
			const double *v = &s->cl[j * WER_NV];
			uint64_t *el = &s->eligible[c * NR];

			el[WER_POOLED] += v[WER_V_REF_WORDS] > 0;
			el[WER_MEAN_UTTERANCE] += v[WER_V_SCORED] > 0;
			el[WER_CER] += v[WER_V_REF_CHARS] > 0;
		}
	}
	s->cl_start[nc] = ncl;

	/* 4. Streams, and the replicates when they fit. */
	for (size_t c = 0; c < nc; c++)
		s->stream[c] = cohort_stream(t, et->g, c, et->p->seed);
	if (s->nboot && nc <= ASR_BOOT_CACHE_BYTES /
			     (s->nboot * NR * sizeof(double))) {
		s->reps = xmalloc(nc * s->nboot * NR * sizeof(*s->reps));
		all_replicates(s);
	}
	s->built = true;
	free(start);
	free(order);
	free(stamp);
	free(slot);
}

/* ---- the engine ---- */

static int asr_prepare(struct eval_task *et, struct buf *err)
{
	const struct table *t = et->t;
	struct asr_state *s;

	for (size_t r = 0; r < t->nrows; r++) {
		const struct asr_counts *c = &t->asr[r];
		uint64_t n = (uint64_t)c->hits + c->sub + c->del;

		if (n != c->ref_words) {
			buf_addf(err, "cannot evaluate utterance \"%s\": its "
				 "hits, substitutions and deletions add up to "
				 "%llu, not to its %u reference words",
				 strmap_str(&t->ids, (uint32_t)r),
				 (unsigned long long)n, c->ref_words);
			return -1;
		}
	}
	s = xcalloc(1, sizeof(*s));
	et->state = s;
	for (size_t r = 0; r < t->nrows && t->speaker && !s->has_speakers;
	     r++)
		s->has_speakers = t->speaker[r] != UINT32_MAX;
	s->nboot = et->p->bootstrap;
	s->rng = boot_rng_new(0);
	s->scratch = xmalloc((s->nboot ? s->nboot : 1) * NR * sizeof(double));
	s->ref_reps = xmalloc((s->nboot ? s->nboot : 1) * NR * sizeof(double));
	s->tmp = xmalloc((s->nboot ? s->nboot : 1) * 2 * sizeof(double));
	et->nmetrics = M_COUNT;
	et->metrics = xmalloc(sizeof(asr_metrics));
	memcpy(et->metrics, asr_metrics, sizeof(asr_metrics));
	return 0;
}

/*
 * The trials a pooled rate (wer over reference words, cer over reference
 * characters) is worth, for power: its trials over the design effect,
 * the variance of its bootstrap replicates v over the variance p(1 - p) / N
 * it would have were the N trials independent.  Utterances of one speaker
 * are alike, so the design effect is above 1, about 1 + (m - 1) icc for m
 * words a speaker; it is floored at 1 so that noise in the estimate never
 * claims more power than independent trials give.  The mean utterance wer
 * is not a rate of trials and gets none; nor does a rate of 1 or more
 * (insertions), where p(1 - p) is no variance.
 */
static void design_effect(const struct asr_state *s, struct mval *m,
			  size_t c, size_t k, const double *v)
{
	double p = m->value, trials, mean = 0, ss = 0, binom, deff;
	size_t n = 0;

	if (k == WER_MEAN_UTTERANCE || !(p > 0 && p < 1))
		return;
	trials = (double)(k == WER_POOLED ? s->sums[c].ref_words :
			  s->sums[c].ref_chars);
	for (size_t b = 0; b < s->nboot; b++)
		if (isfinite(v[b])) {
			double d = v[b] - mean;

			n++;
			mean += d / (double)n;
			ss += d * (v[b] - mean);
		}
	if (n < 2 || !(trials > 0))
		return;
	binom = p * (1 - p) / trials;
	deff = ss / (double)(n - 1) / binom;
	m->deff = deff > 1 ? deff : 1;
	m->eff_n = trials / m->deff;
	m->units = (double)s->eligible[c * NR + k];
	m->unit = s->by_utterance ? "utterances" : "speakers";
}

/* Rate k of cohort c: value and percentile interval. */
static void rate_fill(struct asr_state *s, struct mval *m, size_t c,
		      size_t k, double value, const double *reps,
		      double conf)
{
	double *v = s->tmp;

	mval_plain(m, value, undefined_reason[k]);
	m->kind = MVAL_MEAN;		/* see NEEDSWORK above */
	m->n = s->sums[c].utterances;
	if (m->reason)
		return;
	if (!s->nboot) {
		m->ci_reason = boot_off;
		return;
	}
	if (s->eligible[c * NR + k] < 2) {
		m->ci_reason = few_in_cohort[s->by_utterance][k];
		return;
	}
	for (size_t b = 0; b < s->nboot; b++)
		v[b] = reps[b * NR + k];
	design_effect(s, m, c, k, v);
	conf = boot_expanded_conf(conf, (double)s->eligible[c * NR + k]);
	if (boot_percentile(v, s->nboot, conf, &m->low, &m->high) < 2)
		m->ci_reason = few_replicates;
}

static void asr_compute(struct eval_task *et, const uint32_t *cohort,
			size_t nc, struct mval *out)
{
	struct asr_state *s = et->state;
	double conf = et->p->confidence;

	build(s, et, cohort, nc);
	for (size_t c = 0; c < nc; c++) {
		const struct wer_sums *w = &s->sums[c];
		struct mval *o = &out[c * M_COUNT];
		double v[WER_NV], rate[NR];
		const double *reps = NULL;

		wer_sums_vector(w, v);
		wer_rates(v, rate);
		if (s->nboot)
			reps = replicates_of(s, c, s->scratch);
		for (size_t k = 0; k < NR; k++)
			rate_fill(s, &o[k], c, k, rate[k], reps, conf);
		mval_plain(&o[M_SUB_RATE], wer_rate_of(w->sub, w),
			   undefined_reason[WER_POOLED]);
		mval_plain(&o[M_DEL_RATE], wer_rate_of(w->del, w),
			   undefined_reason[WER_POOLED]);
		mval_plain(&o[M_INS_RATE], wer_rate_of(w->ins, w),
			   undefined_reason[WER_POOLED]);
		mval_count(&o[M_UTTERANCES], w->utterances);
		mval_count(&o[M_SPEAKERS], s->speakers[c]);
		if (!s->has_speakers) {
			o[M_SPEAKERS].reason = "no speaker ids in the data";
			o[M_SPEAKERS].value = NAN;
		}
		mval_count(&o[M_REF_WORDS], w->ref_words);
		mval_count(&o[M_HITS], w->hits);
		mval_count(&o[M_SUB], w->sub);
		mval_count(&o[M_DEL], w->del);
		mval_count(&o[M_INS], w->ins);
		mval_count(&o[M_EMPTY_REFS], w->empty_refs);
		mval_count(&o[M_REF_CHARS], w->ref_chars);
		mval_count(&o[M_CHAR_ERRORS], w->char_errors);
	}
}

static void disparity_init(struct disparity *d)
{
	memset(d, 0, sizeof(*d));
	d->diff = d->diff_low = d->diff_high = NAN;
	d->ratio = d->ratio_low = d->ratio_high = NAN;
	d->p = NAN;
	d->test = "bootstrap";
}

/*
 * Rate k of cohort c (value a, replicates rc) against the reference
 * (value r, replicates rr).
 */
static void rate_compare(struct asr_state *s, struct disparity *d,
			 const struct mval *a, const struct mval *r,
			 size_t c, size_t ref, size_t k, const double *rc,
			 const double *rr, double conf)
{
	double *diff = s->tmp, *ratio = s->tmp + s->nboot, g;
	const char *why = NULL;
	size_t m;

	disparity_init(d);
	if (a->reason) {
		d->reason = "metric undefined in this cohort";
		return;
	}
	if (r->reason) {
		d->reason = "metric undefined in the reference cohort";
		return;
	}
	d->diff = a->value - r->value;
	if (r->value > 0)
		d->ratio = a->value / r->value;
	else
		d->ratio_reason = "the reference cohort's value is 0";
	if (!s->nboot)
		why = boot_off;
	else if (s->eligible[c * NR + k] < 2 || s->eligible[ref * NR + k] < 2)
		why = few_in_a_cohort[s->by_utterance][k];
	if (why) {
		d->diff_ci_reason = d->p_reason = why;
		if (!d->ratio_reason)
			d->ratio_ci_reason = why;
		return;
	}
	for (size_t b = 0; b < s->nboot; b++) {
		double x = rc[b * NR + k], y = rr[b * NR + k];

		diff[b] = x - y;	/* NAN when either is */
		if (isnan(diff[b]) || (x <= 0 && y <= 0))
			ratio[b] = NAN;
		else
			ratio[b] = y > 0 ? x / y : INFINITY;
	}
	/* The fewer clusters of the two sides sets the expansion. */
	g = (double)(s->eligible[c * NR + k] < s->eligible[ref * NR + k] ?
		     s->eligible[c * NR + k] : s->eligible[ref * NR + k]);
	conf = boot_expanded_conf(conf, g);
	d->p = boot_p_expanded(boot_p_value(diff, s->nboot), g);
	m = boot_percentile(diff, s->nboot, conf, &d->diff_low, &d->diff_high);
	if (m < 2)
		d->diff_ci_reason = few_replicates;
	if (!m)
		d->p_reason = few_replicates;
	if (d->ratio_reason)
		return;
	if (boot_percentile(ratio, s->nboot, conf, &d->ratio_low,
			    &d->ratio_high) < 2) {
		d->ratio_ci_reason = few_replicates;
	} else if (!isfinite(d->ratio_high)) {
		d->ratio_high = NAN;
		if (!isfinite(d->ratio_low))
			d->ratio_low = NAN;
		d->ratio_ci_reason = "the reference cohort's value is 0 in "
				     "some bootstrap replicates";
	}
}

static void asr_compare(struct eval_task *et, const uint32_t *cohort,
			size_t nc, const struct mval *vals, size_t ref,
			struct disparity *disp)
{
	struct asr_state *s = et->state;
	double conf = et->p->confidence;
	const double *rr = NULL;

	if (!s->built || s->cohort != cohort || s->nc != nc || s->g != et->g)
		build(s, et, cohort, nc);
	if (s->nboot) {
		if (s->reps) {
			rr = replicates_of(s, ref, NULL);
		} else {
			cohort_replicates(s, ref, s->ref_reps);
			rr = s->ref_reps;
		}
	}
	for (size_t c = 0; c < nc; c++) {
		const double *rc = NULL;

		if (c == ref)
			continue;
		if (s->nboot)
			rc = replicates_of(s, c, s->scratch);
		for (size_t k = 0; k < NR; k++)
			rate_compare(s, &disp[c * M_COUNT + k],
				     &vals[c * M_COUNT + k],
				     &vals[ref * M_COUNT + k], c, ref, k, rc,
				     rr, conf);
	}
}

static void asr_params(const struct eval_task *et, cJSON *o)
{
	const struct asr_state *s = et->state;

	cJSON_AddNumberToObject(o, "seed", (double)et->p->seed);
	cJSON_AddNumberToObject(o, "bootstrap", (double)et->p->bootstrap);
	cJSON_AddStringToObject(o, "resample",
				s->has_speakers ? "speaker" : "utterance");
	cJSON_AddNumberToObject(o, "min_speakers",
				(double)et->p->min_speakers);
}

/*
 * Where speakers are resampled, a speaker is the unit of the sample: a
 * cohort of nine speakers is nine observations however many utterances
 * they read, and its percentile intervals run short (see the top of this
 * file).  Such a cohort is too small, as one with few rows is.
 */
static void asr_too_small(const struct eval_task *et, size_t nc,
			  uint8_t *small)
{
	const struct asr_state *s = et->state;

	if (!s->has_speakers || s->by_utterance)
		return;
	for (size_t c = 0; c < nc; c++)
		if (!small[c] && s->speakers[c] < et->p->min_speakers)
			small[c] = EVAL_SMALL_SPEAKERS;
}

static void asr_methods(const struct eval_task *et, cJSON *m)
{
	cJSON_AddStringToObject(m, "alignment",
		"per utterance at upload, nist sclite's minimum-cost "
		"alignment (correct 0, substitution 4, insertion 3, "
		"deletion 3, sclite's tie-break), after the normalisation "
		"in params.normalize (sclite's default: ascii lower-case)");
	cJSON_AddStringToObject(m, "wer",
		"pooled: (substitutions + deletions + insertions) / "
		"reference words, summed over the cohort's utterances (nist "
		"sclite Sum/Avg); above 1 when insertions outnumber hits");
	cJSON_AddStringToObject(m, "mean_utterance_wer",
		"mean over the utterances with at least one reference word "
		"of (S + D + I) / N (Koenecke et al., PNAS 2020, without "
		"their 5-word minimum); utterances with no reference words "
		"are left out and counted in empty_reference_utterances");
	cJSON_AddStringToObject(m, "cer",
		"character errors / reference characters, spaces not "
		"counted (sclite -c -e utf-8: the same weighted alignment "
		"over code points); jiwer and hugging face count spaces");
	cJSON_AddStringToObject(m, "error_breakdown",
		"substitution_rate, deletion_rate and insertion_rate are "
		"the pooled S, D and I over reference words and add up to "
		"wer; no interval, not compared");
	cJSON_AddStringToObject(m, "cohort_size",
		"n, utterances and min_cohort_size count utterances; where "
		"speakers are resampled (params.resample \"speaker\" and "
		"cohorts of two or more speakers), a cohort with fewer than "
		"params.min_speakers speakers is too small as well: its "
		"speakers, not its utterances, are the sample");
	cJSON_AddStringToObject(m, "interval",
		"expanded percentile bootstrap (Hesterberg, The American "
		"Statistician 69, 2015): the (1 - c) / 2 and 1 - (1 - c) / 2 "
		"quantiles (R quantile type 7) of params.bootstrap "
		"replicates at the level c with Phi^-1((1 + c) / 2) = "
		"sqrt(g / (g - 1)) t_{g-1}((1 + confidence) / 2), g the "
		"cohort's clusters with a denominator, which widens the "
		"plain percentile interval for few speakers and tends to it "
		"for many; replicates in which the metric is undefined (no "
		"reference words or characters drawn) are left out");
	cJSON_AddStringToObject(m, "resample",
		"cluster bootstrap within each cohort: a replicate draws as "
		"many clusters as the cohort has, uniformly with "
		"replacement, and recomputes the metric from their summed "
		"counts.  With speaker ids (params.resample \"speaker\") a "
		"cluster is one speaker's utterances in the cohort (an "
		"utterance without a speaker id is its own cluster); "
		"without, one utterance.  Where no cohort of a grouping "
		"(or overall) has 2 or more speakers, e.g. by speaker, "
		"utterances are resampled.  No interval, comparison or "
		"p-value with fewer than 2 clusters having reference words "
		"(characters for cer)");
	cJSON_AddStringToObject(m, "random_numbers",
		"gsl_rng_mt19937, one stream per cohort seeded from "
		"params.seed and the cohort's attribute names and values "
		"(fnv-1a 64 of the key, splitmix64; the generator takes "
		"the low 32 bits of s ^ (s >> 32)), so a cohort's "
		"replicates do not depend on what else is evaluated or in "
		"which order; clusters drawn by gsl_rng_uniform_int");
	cJSON_AddStringToObject(m, "difference_interval",
		"expanded percentile interval of the replicate differences, "
		"cohort minus reference, replicate b of the cohort paired "
		"with replicate b of the reference (independent streams, "
		"the same number of replicates); g is the fewer clusters of "
		"the two cohorts");
	cJSON_AddStringToObject(m, "ratio_interval",
		"expanded percentile interval of the replicate ratios, "
		"cohort over reference (g as for the difference); the ratio "
		"needs a reference value above 0; a "
		"replicate whose reference value is 0 counts as +infinity, "
		"or is left out when both are 0");
	cJSON_AddStringToObject(m, "test",
		"bootstrap, two-sided: p0 = 2 min(#{d <= 0}, #{d >= 0}) / B "
		"over the B replicate differences d with a value, raised to "
		"1 / (B + 1) when smaller (B replicates cannot show less); "
		"then expanded as the interval: p = 2 Q_t,g-1(Phi^-1(1 - "
		"p0 / 2) / sqrt(g / (g - 1))), capped at 1, the 1 - "
		"confidence at which the expanded interval of the "
		"differences reaches 0");
	cJSON_AddStringToObject(m, "few_speakers",
		"plain percentile intervals from few clusters run short: in "
		"simulations (speaker WERs from a beta distribution, 1000 "
		"data sets) the two-sided 0.05 test rejected a true null in "
		"12 % of data sets with 5 speakers per cohort, 10 % with 10, "
		"8 % with 15, 6 % with 40; with the expanded intervals used "
		"here, 4 %, 5 %, 5 % and 5 %.  Cohorts with fewer than "
		"params.min_speakers speakers are too small all the same "
		"(never flagged): their speakers are the sample");
	(void)et;
}

static void asr_release(struct eval_task *et)
{
	struct asr_state *s = et->state;

	if (s) {
		build_release(s);
		gsl_rng_free(s->rng);
		free(s->scratch);
		free(s->ref_reps);
		free(s->tmp);
	}
	free(s);
	et->state = NULL;
}

const struct eval_engine eval_engine_asr = {
	.prepare = asr_prepare,
	.compute = asr_compute,
	.methods = asr_methods,
	.release = asr_release,
	.compare = asr_compare,
	.params = asr_params,
	.too_small = asr_too_small,
};
