/*
 * compare.c - see compare.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "evaluate/compare.h"
#include "evaluate/evaluation.h"
#include "metrics/bootstrap.h"
#include "metrics/stats.h"
#include "metrics/wer.h"

void compare_opts_init(struct compare_opts *o)
{
	struct eval_params p;

	eval_params_init(&p);
	o->conf = p.confidence;
	o->min_size = p.min_cohort_size;
	o->min_speakers = p.min_speakers;
	o->nboot = PAIRED_DEFAULT_BOOTSTRAP;
	o->seed = p.seed;
	o->threshold = p.threshold;
	eval_params_release(&p);
}

/* Metric catalogues of the kinds other than binary. */
static const char *const multi_metrics[] = { "error_rate", "accuracy" };
static const char *const regression_metrics[] = { "mae", "mean_error" };
static const char *const asr_metrics[] = { "wer", "cer" };

static const char *const default_binary[] = {
	"error_rate", "fpr", "fnr", "selection_rate",
};

void compare_run_init(struct compare_run *run)
{
	memset(run, 0, sizeof(*run));
	groupby_init(&run->g);
}

void compare_run_release(struct compare_run *run)
{
	if (run->rng)
		gsl_rng_free(run->rng);
	free(run->ch);
	free(run->n);
	free(run->small);
	free(run->p_adj);
	free(run->bmap);
	groupby_release(&run->g);
	memset(run, 0, sizeof(*run));
}

enum compare_kind compare_kind_of(enum task t, const struct table *ta,
				  const struct table *tb)
{
	switch (t) {
	case TASK_CLASSIFICATION:
		return table_is_binary(ta) && table_is_binary(tb) ?
		       COMPARE_BINARY : COMPARE_MULTI;
	case TASK_SCORE:
		return COMPARE_BINARY;
	case TASK_REGRESSION:
		return COMPARE_REGRESSION;
	case TASK_ASR:
		break;
	}
	return COMPARE_ASR;
}

/* Pair the rows of B with those of A by example id; -1 if they differ. */
int compare_pair_rows(const struct table *ta, const struct table *tb,
		     uint32_t **out)
{
	uint32_t *map;

	if (ta->nrows != tb->nrows)
		return -1;
	map = xmalloc((ta->nrows ? ta->nrows : 1) * sizeof(*map));
	for (size_t r = 0; r < ta->nrows; r++) {
		int64_t rb = strmap_find(&tb->ids, strmap_str(&ta->ids, (uint32_t)r),
					 strmap_len(&ta->ids, (uint32_t)r));

		if (rb < 0) {
			free(map);
			return -1;
		}
		map[r] = (uint32_t)rb;
	}
	*out = map;
	return 0;
}

/* ---- metrics ---- */

int compare_set_metrics(struct compare_run *run, const char *const *want,
			size_t nwant, struct buf *err)
{
	const char *const *cat = NULL, *const *dflt;
	size_t ncat = 0, ndflt = 1;
	const char *names[CONF_NRATES];

	switch (run->kind) {
	case COMPARE_BINARY:
		for (size_t k = 0; k < CONF_NRATES; k++)
			if (k != CONF_PREVALENCE)
				names[ncat++] = confusion_rate_name(
					(enum confusion_rate)k);
		cat = names;
		dflt = default_binary;
		ndflt = ARRAY_SIZE(default_binary);
		break;
	case COMPARE_MULTI:
		cat = dflt = multi_metrics;
		ncat = ARRAY_SIZE(multi_metrics);
		break;
	case COMPARE_REGRESSION:
		cat = dflt = regression_metrics;
		ncat = ARRAY_SIZE(regression_metrics);
		break;
	case COMPARE_ASR:
	default:
		cat = dflt = asr_metrics;
		ncat = ARRAY_SIZE(asr_metrics);
		break;
	}
	if (!nwant) {
		for (size_t i = 0; i < ndflt; i++)
			run->metric[run->nm++] = dflt[i];
	} else {
		for (size_t i = 0; i < nwant; i++) {
			size_t k = 0;

			while (k < ncat && strcmp(cat[k], want[i]))
				k++;
			if (k == ncat) {
				struct buf list = BUF_INIT;

				for (size_t j = 0; j < ncat; j++)
					buf_addf(&list, "%s%s", j ? ", " : "",
						 cat[j]);
				buf_addf(err, "metrics: \"%s\" cannot be compared"
					 " for this dataset (choose from %s)",
					 want[i], list.s);
				buf_release(&list);
				return -1;
			}
			run->metric[run->nm++] = cat[k];
		}
	}
	for (size_t j = 0; j < run->nm; j++) {
		if (run->kind != COMPARE_BINARY) {
			size_t k = 0;

			while (strcmp(cat[k], run->metric[j]))
				k++;
			run->code[j] = (int)k;
			continue;
		}
		for (size_t k = 0; k < CONF_NRATES; k++)
			if (!strcmp(confusion_rate_name((enum confusion_rate)k),
				    run->metric[j]))
				run->code[j] = (int)k;
	}
	return 0;
}

/* ---- computation ---- */

/*
 * The stream of set c: "compare" then the cohort's (attribute name, value)
 * pairs in name order, each string preceded by its length; "overall" for
 * set nc.
 */
static uint64_t set_stream(const struct compare_run *run, size_t c, uint64_t seed)
{
	struct buf key = BUF_INIT;
	uint64_t h;

	if (c == run->nc)
		return boot_stream_seed(seed, "compare-overall", 15);
	buf_adds(&key, "compare");
	groupby_cohort_key(run->ta, &run->g, c, &key);
	h = boot_stream_seed(seed, key.s, key.len);
	buf_release(&key);
	return h;
}

static void opts_for(struct compare_run *run, const struct compare_opts *q, size_t c,
		     struct paired_opts *o)
{
	boot_rng_reset(run->rng, set_stream(run, c, q->seed));
	*o = (struct paired_opts){ q->conf, q->nboot, run->rng, false };
}

static void compute_binary(struct compare_run *run, const struct compare_opts *q,
			   bool score)
{
	const struct table *ta = run->ta, *tb = run->tb;
	struct paired_cells *cells = xcalloc(run->nc + 1, sizeof(*cells));
	enum confusion_rate rates[COMPARE_MAX_METRICS];

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		bool y = (int64_t)ta->label[r] == ta->positive, pa, pb;

		if (score) {
			pa = ta->pred_num[r] >= q->threshold;
			pb = tb->pred_num[rb] >= q->threshold;
		} else {
			pa = (int64_t)ta->pred[r] == ta->positive;
			pb = (int64_t)tb->pred[rb] == tb->positive;
		}
		paired_cells_add(&cells[run->g.cohort[r]], y, pa, pb);
		paired_cells_add(&cells[run->nc], y, pa, pb);
	}
	for (size_t j = 0; j < run->nm; j++)
		rates[j] = (enum confusion_rate)run->code[j];
	for (size_t c = 0; c <= run->nc; c++) {
		struct paired_opts o;

		opts_for(run, q, c, &o);
		paired_binary_compare(&cells[c], rates, run->nm, &o,
				      &run->ch[c * run->nm]);
	}
	free(cells);
}

static void compute_multi(struct compare_run *run, const struct compare_opts *q)
{
	const struct table *ta = run->ta, *tb = run->tb;
	struct paired_table *err = xcalloc(run->nc + 1, sizeof(*err));

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		bool ea = ta->pred[r] != ta->label[r];
		bool eb = tb->pred[rb] != tb->label[rb];
		struct paired_table *t[2] = { &err[run->g.cohort[r]],
					      &err[run->nc] };

		for (size_t i = 0; i < 2; i++) {
			if (ea && eb)
				t[i]->both++;
			else if (ea)
				t[i]->a_only++;
			else if (eb)
				t[i]->b_only++;
			else
				t[i]->neither++;
		}
	}
	for (size_t c = 0; c <= run->nc; c++)
		for (size_t j = 0; j < run->nm; j++) {
			struct paired_table t = err[c];

			if (run->code[j] == 1)	/* accuracy: successes are
						   the correct rows */
				t = (struct paired_table){
					err[c].neither, err[c].b_only,
					err[c].a_only, err[c].both };
			paired_prop_change(&t, q->conf, "empty cohort",
					   &run->ch[c * run->nm + j]);
		}
	free(err);
}

static void compute_regression(struct compare_run *run, const struct compare_opts *q)
{
	const struct table *ta = run->ta, *tb = run->tb;
	size_t nm = run->nm;
	struct paired_means *m = xcalloc((run->nc + 1) * nm, sizeof(*m));

	for (size_t r = 0; r < ta->nrows; r++) {
		uint32_t rb = run->bmap[r];
		double ea = ta->pred_num[r] - ta->label_num[r];
		double eb = tb->pred_num[rb] - tb->label_num[rb];
		size_t sets[2] = { run->g.cohort[r], run->nc };

		for (size_t i = 0; i < 2; i++)
			for (size_t j = 0; j < nm; j++) {
				bool abs_err = run->code[j] == 0;

				paired_means_add(&m[sets[i] * nm + j],
						 abs_err ? fabs(ea) : ea,
						 abs_err ? fabs(eb) : eb);
			}
	}
	for (size_t c = 0; c <= run->nc; c++)
		for (size_t j = 0; j < nm; j++)
			paired_mean_change(&m[c * nm + j], q->conf,
					   run->code[j] == 0, "empty cohort",
					   &run->ch[c * nm + j]);
	free(m);
}

/*
 * Cluster vectors of the rows rows[0..n): one per speaker (an utterance
 * without a speaker is its own), or one per utterance when by_utt; for
 * each metric (errors, reference units) under A and under B.  Appends to
 * *v (capacity *cap, *ncl clusters so far); stamp and slot are scratch per
 * speaker code, stamp[k] != mark meaning "not seen in this set".
 */
static void add_clusters(const struct compare_run *run, const uint32_t *rows,
			 size_t n, bool by_utt, uint32_t *stamp, size_t *slot,
			 uint32_t mark, double **v, size_t *cap, size_t *ncl)
{
	const struct table *ta = run->ta, *tb = run->tb;
	size_t nv = run->nm * PAIRED_NV;

	for (size_t i = 0; i < n; i++) {
		uint32_t r = rows[i], k = ta->speaker ? ta->speaker[r]
						      : UINT32_MAX;
		const struct asr_counts *a = &ta->asr[r];
		const struct asr_counts *b = &tb->asr[run->bmap[r]];
		size_t j;
		double *c;

		if (!by_utt && k != UINT32_MAX && stamp[k] == mark) {
			j = slot[k];
		} else {
			if (*ncl == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				*v = xrealloc(*v, *cap * nv * sizeof(**v));
			}
			j = (*ncl)++;
			memset(*v + j * nv, 0, nv * sizeof(**v));
			if (!by_utt && k != UINT32_MAX) {
				stamp[k] = mark;
				slot[k] = j;
			}
		}
		c = *v + j * nv;
		for (size_t m = 0; m < run->nm; m++, c += PAIRED_NV) {
			if (run->code[m] == 0) {
				c[PAIRED_XA] += (double)a->sub + a->del + a->ins;
				c[PAIRED_DA] += a->ref_words;
				c[PAIRED_XB] += (double)b->sub + b->del + b->ins;
				c[PAIRED_DB] += b->ref_words;
			} else {
				c[PAIRED_XA] += a->char_errors;
				c[PAIRED_DA] += a->ref_chars;
				c[PAIRED_XB] += b->char_errors;
				c[PAIRED_DB] += b->ref_chars;
			}
		}
	}
}

static void compute_asr(struct compare_run *run, const struct compare_opts *q)
{
	static const char *const few[2] = {
		"fewer than two speakers with reference words in the cohort;"
		" no interval",
		"fewer than two utterances with reference words in the"
		" cohort; no interval",
	};
	static const char *const undefined[] = {
		"no reference words in cohort",
		"no reference characters in cohort",
	};
	const struct table *ta = run->ta;
	size_t n = ta->nrows, nc = run->nc, nspk = ta->speakers.n;
	size_t *start = xcalloc(nc + 2, sizeof(*start));
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	uint32_t *all = xmalloc((n ? n : 1) * sizeof(*all));
	uint32_t *stamp = xcalloc(nspk, sizeof(*stamp));
	size_t *slot = xmalloc((nspk ? nspk : 1) * sizeof(*slot));
	uint64_t most = 0, overall_spk = 0;
	uint64_t *spk = xmalloc((nc ? nc : 1) * sizeof(*spk));
	double *v = NULL;
	size_t cap = 0;

	/* Rows by cohort (stable), and distinct speakers per cohort. */
	for (size_t r = 0; r < n; r++)
		start[run->g.cohort[r] + 1]++;
	for (size_t c = 0; c < nc; c++)
		start[c + 1] += start[c];
	{
		size_t *next = xmalloc((nc ? nc : 1) * sizeof(*next));

		memcpy(next, start, nc * sizeof(*next));
		for (size_t r = 0; r < n; r++) {
			order[next[run->g.cohort[r]]++] = (uint32_t)r;
			all[r] = (uint32_t)r;
		}
		free(next);
	}
	for (size_t c = 0; c < nc; c++) {
		uint64_t s = 0;

		for (size_t i = start[c]; i < start[c + 1]; i++) {
			uint32_t k = ta->speaker ? ta->speaker[order[i]]
						 : UINT32_MAX;

			if (k != UINT32_MAX && stamp[k] != c + 1) {
				stamp[k] = (uint32_t)(c + 1);
				s++;
			}
		}
		spk[c] = s;
		if (s > most)
			most = s;
	}
	for (size_t r = 0; r < n && ta->speaker; r++) {
		uint32_t k = ta->speaker[r];

		if (k != UINT32_MAX && stamp[k] != UINT32_MAX) {
			stamp[k] = UINT32_MAX;
			overall_spk++;
		}
	}
	run->by_utterance[0] = most < 2;
	run->by_utterance[1] = overall_spk < 2;
	/* Where speakers are resampled they are the sample, as in
	 * evaluations (evaluate/asr.c). */
	for (size_t c = 0; c < nc && !run->by_utterance[0]; c++)
		if (!run->small[c] && spk[c] < q->min_speakers)
			run->small[c] = EVAL_SMALL_SPEAKERS;
	free(spk);

	/* Each set marks the speakers it has seen with its own number. */
	memset(stamp, 0, (nspk ? nspk : 1) * sizeof(*stamp));
	for (size_t c = 0; c <= nc; c++) {
		bool by_utt = run->by_utterance[c == nc];
		const uint32_t *rows = c == nc ? all : order + start[c];
		size_t nrows = c == nc ? n : start[c + 1] - start[c];
		size_t ncl = 0;
		struct paired_opts o;
		struct paired_change *ch = &run->ch[c * run->nm];

		add_clusters(run, rows, nrows, by_utt, stamp, slot,
			     (uint32_t)(c + 1), &v, &cap, &ncl);
		opts_for(run, q, c, &o);
		/* nm <= 2 <= PAIRED_MAX_RATIOS: the catalogue has two. */
		paired_ratio_compare(v, ncl, run->nm, &o, "", few[by_utt], ch);
		for (size_t j = 0; j < run->nm; j++) {
			ch[j].n = nrows;
			if (ch[j].a_reason)
				ch[j].a_reason = undefined[run->code[j]];
			if (ch[j].b_reason)
				ch[j].b_reason = undefined[run->code[j]];
		}
	}
	free(v);
	free(start);
	free(order);
	free(all);
	free(stamp);
	free(slot);
}

/* Holm over every (cohort, metric) with a p-value, too-small ones aside. */
static void adjust(struct compare_run *run, const struct compare_opts *q)
{
	size_t m = run->nc * run->nm;
	double *p = xmalloc((m ? m : 1) * sizeof(*p));

	for (size_t c = 0; c < run->nc; c++)
		for (size_t j = 0; j < run->nm; j++) {
			const struct paired_change *ch = &run->ch[c * run->nm + j];

			p[c * run->nm + j] = run->small[c] ? NAN : ch->p;
		}
	run->p_adj = xmalloc((m ? m : 1) * sizeof(*run->p_adj));
	stats_holm(p, m, run->p_adj);
	free(p);
}

int compare_compute(struct compare_run *run, const struct compare_opts *o,
		    bool score, struct buf *err)
{
	run->nc = run->g.ncohorts;
	if ((run->nc + 1) * run->nm > EVAL_MAX_CELLS) {
		buf_addf(err, "%zu cohorts x %zu metrics is more than %d"
			 " comparisons (EVAL_MAX_CELLS)", run->nc, run->nm,
			 EVAL_MAX_CELLS);
		return -1;
	}
	run->ch = xcalloc((run->nc + 1) * run->nm, sizeof(*run->ch));
	run->n = xcalloc(run->nc + 1, sizeof(*run->n));
	run->small = xcalloc(run->nc + 1, sizeof(*run->small));
	for (size_t c = 0; c < run->nc; c++) {
		run->n[c] = run->g.size[c];
		run->small[c] = run->n[c] < o->min_size ? EVAL_SMALL_ROWS
							: EVAL_SMALL_NO;
	}
	run->n[run->nc] = run->ta->nrows;
	run->rng = boot_rng_new(0);
	switch (run->kind) {
	case COMPARE_BINARY:
		compute_binary(run, o, score);
		break;
	case COMPARE_MULTI:
		compute_multi(run, o);
		break;
	case COMPARE_REGRESSION:
		compute_regression(run, o);
		break;
	case COMPARE_ASR:
		compute_asr(run, o);
		break;
	}
	adjust(run, o);
	return 0;
}
