/*
 * condition.c - the last mile: does a condition (a noisy ward, a handset)
 * hurt some cohorts more than others?  See evaluation_internal.h.
 *
 * For a grouping and a condition attribute with a baseline level, every
 * cohort is split by the condition's levels.  For each cohort, level other
 * than the baseline, and metric:
 *
 *   degradation  the level's value against the cohort's own baseline: the
 *                difference and the ratio, with intervals and a two-sided
 *                p-value (z on the log ratio), Holm-adjusted over every
 *                degradation of the grouping's analysis (a family apart
 *                from the interactions), "significant" below the
 *                significance level;
 *   interaction  that degradation against the reference cohort's: the
 *                difference in differences and the ratio of ratios, with
 *                intervals and a two-sided p-value, Holm-adjusted over
 *                every interaction of the grouping's analysis.
 *
 * Rates use the delta method on the log scale (Katz: var log p = 1/x -
 * 1/n, with 0.5 added to both counts when x is 0 or n); the four cells of
 * an interaction are disjoint sets of examples, so their variances add.
 * Speech (WER) takes each cell's variance from its speaker-clustered
 * bootstrap interval ((log high - log low) / 2z on the log scale); cells
 * that share speakers are treated as independent, which overstates the
 * variance of a contrast when a speaker's errors are alike in both levels,
 * so the test errs on the side of saying less.
 *
 * A cohort is flagged as hurt more than the reference when the ratio of
 * ratios lies beyond the tolerance in the harmful direction (both ways for
 * a metric without one) and the adjusted p-value is below the
 * significance level; cells under min_cohort_size are shown, not tested.
 */
#include "common/fa.h"
#include "common/util.h"
#include "evaluate/evaluation_internal.h"
#include "evaluate/verdict.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

/* A value with what a contrast needs: variances of it and of its log. */
struct cell {
	bool ok, small, corrected;
	double v, var, lvar;
	uint64_t n;
};

static struct cell cell_of(const struct mval *m, uint64_t rows,
			   uint64_t min_size, double z)
{
	struct cell c = { 0 };

	c.n = rows;
	c.small = rows < min_size;
	if (m->reason || !isfinite(m->value))
		return c;
	c.v = m->value;
	if (m->kind == MVAL_PROP) {
		double x = (double)m->x, n = (double)m->n;

		if (!m->n)
			return c;
		c.var = c.v * (1 - c.v) / n;
		if (m->x == 0 || m->x == m->n) {
			x += 0.5;
			n += 1;
			c.corrected = true;
		}
		c.lvar = 1 / x - 1 / n;
		c.ok = true;
	} else if (isfinite(m->low) && isfinite(m->high) && m->low > 0) {
		double s = (m->high - m->low) / (2 * z);
		double ls = (log(m->high) - log(m->low)) / (2 * z);

		c.var = s * s;
		c.lvar = ls * ls;
		c.ok = c.v > 0;
	}
	return c;
}

/* difference a - b and ratio a / b of two cells, with intervals, in o */
static void add_contrast(cJSON *o, const char *dname, const char *rname,
			 double d, double dvar, double lr, double lvar,
			 double z)
{
	char k[32];

	eval_json_number(o, dname, d);
	snprintf(k, sizeof(k), "%s_low", dname);
	eval_json_number(o, k, d - z * sqrt(dvar));
	snprintf(k, sizeof(k), "%s_high", dname);
	eval_json_number(o, k, d + z * sqrt(dvar));
	eval_json_number(o, rname, exp(lr));
	snprintf(k, sizeof(k), "%s_low", rname);
	eval_json_number(o, k, exp(lr - z * sqrt(lvar)));
	snprintf(k, sizeof(k), "%s_high", rname);
	eval_json_number(o, k, exp(lr + z * sqrt(lvar)));
}

/* Does grouping gb's cohort b hold extended cohort e (labels equal)? */
static bool same_cohort(const struct groupby *gb, size_t b,
			const struct groupby *ge, size_t e, size_t nattrs)
{
	for (size_t a = 0; a < nattrs; a++)
		if (strcmp(groupby_label(gb, b, a, NULL),
			   groupby_label(ge, e, a, NULL)))
			return false;
	return true;
}

struct test {
	cJSON *obj;		/* the interaction object */
	double p;
	double ror;
	enum harm harm;
};

/*
 * The degradations (each cohort's level against its own baseline) are a
 * family of their own, apart from the interactions: "significant" when
 * the adjusted p-value is below the significance level.
 */
static void adjust_changes(const struct eval_params *p, struct test *ch,
			   size_t n)
{
	double *pv = xmalloc((n ? n : 1) * sizeof(*pv));

	for (size_t i = 0; i < n; i++)
		pv[i] = ch[i].p;
	if (p->adjust == EVAL_ADJUST_BH)
		stats_bh(pv, n, pv);
	else
		stats_holm(pv, n, pv);
	for (size_t i = 0; i < n; i++) {
		eval_json_number(ch[i].obj, "p_adjusted", pv[i]);
		cJSON_AddBoolToObject(ch[i].obj, "significant",
				      pv[i] < p->significance);
	}
	free(pv);
}

cJSON *condition_json(struct eval_task *et, const struct eval_engine *eng,
		      const struct groupby_attr *at, size_t nattrs,
		      const struct groupby *gb, size_t ref,
		      const size_t *metrics, size_t nmetrics, struct buf *err)
{
	const struct table *t = et->t;
	const struct eval_params *p = et->p;
	const struct groupby_opts opts = { .max_cohorts = EVAL_MAX_COHORTS };
	struct groupby_attr ext[FA_MAX_COHORT_ATTRS];
	struct groupby ge;
	struct mval *vals = NULL;
	size_t nm = et->nmetrics, nb = gb->ncohorts, nl = 0, base = SIZE_MAX;
	size_t ntests = 0, nchanges = 0;
	const char **level = NULL;
	int64_t *cellix = NULL;
	struct test *tests = NULL, *changes = NULL;
	double z = stats_z(p->confidence);
	cJSON *out = NULL, *cohorts, *lv;
	const struct groupby *saved = et->g;

	if (nattrs + 1 > FA_MAX_COHORT_ATTRS) {
		buf_addf(err, "condition: a grouping of %zu attributes has no "
			 "room for the condition (at most %d attributes)",
			 nattrs, FA_MAX_COHORT_ATTRS);
		return NULL;
	}
	memcpy(ext, at, nattrs * sizeof(*at));
	ext[nattrs].attr = table_find_attr(t, p->cond_attr);
	ext[nattrs].edges = NULL;
	ext[nattrs].nedges = 0;
	for (size_t b = 0; b < p->nbins; b++)
		if (!strcmp(p->bins[b].attr, p->cond_attr)) {
			ext[nattrs].edges = p->bins[b].edges;
			ext[nattrs].nedges = p->bins[b].nedges;
		}
	groupby_init(&ge);
	if (groupby_run(&ge, t, ext, nattrs + 1, &opts, err))
		goto out;
	vals = xmalloc((ge.ncohorts ? ge.ncohorts : 1) * nm * sizeof(*vals));
	et->g = &ge;
	if (ge.ncohorts)
		eng->compute(et, ge.cohort, ge.ncohorts, vals);
	et->g = saved;

	/* The condition's levels, in cohort order, baseline first. */
	level = xcalloc(ge.ncohorts + 1, sizeof(*level));
	for (size_t e = 0; e < ge.ncohorts; e++) {
		const char *l = groupby_label(&ge, e, nattrs, NULL);
		bool seen = false;

		for (size_t i = 0; i < nl && !seen; i++)
			seen = !strcmp(level[i], l);
		if (!seen)
			level[nl++] = l;
	}
	for (size_t i = 0; i < nl; i++)
		if (!strcmp(level[i], p->cond_baseline))
			base = i;
	if (base == SIZE_MAX) {
		buf_addf(err, "condition: no example has baseline \"%s\"",
			 p->cond_baseline);
		goto out;
	}
	if (nb * nl > (size_t)EVAL_MAX_COHORTS) {
		buf_addf(err, "condition: %zu cohorts x %zu levels is more than "
			 "%d cells", nb, nl, EVAL_MAX_COHORTS);
		goto out;
	}
	cellix = xmalloc((nb * nl > 0 ? nb * nl : 1) * sizeof(*cellix));
	for (size_t i = 0; i < nb * nl; i++)
		cellix[i] = -1;
	for (size_t e = 0; e < ge.ncohorts; e++) {
		const char *l = groupby_label(&ge, e, nattrs, NULL);
		size_t li = 0;

		while (strcmp(level[li], l))
			li++;
		for (size_t b = 0; b < nb; b++)
			if (same_cohort(gb, b, &ge, e, nattrs)) {
				cellix[b * nl + li] = (int64_t)e;
				break;
			}
	}

	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "attribute", p->cond_attr);
	cJSON_AddStringToObject(out, "baseline", p->cond_baseline);
	lv = cJSON_AddArrayToObject(out, "levels");
	for (size_t i = 0; i < nl; i++)
		if (i != base)
			cJSON_AddItemToArray(lv, cJSON_CreateString(level[i]));
	lv = cJSON_AddArrayToObject(out, "metrics");
	for (size_t j = 0; j < nmetrics; j++)
		cJSON_AddItemToArray(lv, cJSON_CreateString(
					     et->metrics[metrics[j]].name));
	tests = xcalloc((nb * nl * nmetrics) + 1, sizeof(*tests));
	changes = xcalloc((nb * nl * nmetrics) + 1, sizeof(*changes));
	cohorts = cJSON_AddArrayToObject(out, "cohorts");
	for (size_t b = 0; b < nb; b++) {
		cJSON *co = cJSON_CreateObject(), *levels, *attrs;

		attrs = cJSON_AddObjectToObject(co, "attributes");
		for (size_t a = 0; a < nattrs; a++)
			cJSON_AddStringToObject(attrs,
				t->attrs[at[a].attr].name,
				groupby_label(gb, b, a, NULL));
		cJSON_AddBoolToObject(co, "reference", b == ref);
		levels = cJSON_AddObjectToObject(co, "levels");
		for (size_t l = 0; l < nl; l++) {
			int64_t eb = cellix[b * nl + base];
			int64_t el = cellix[b * nl + l];
			int64_t rb = cellix[ref * nl + base];
			int64_t rl = cellix[ref * nl + l];
			cJSON *lo, *mo;

			if (l == base)
				continue;
			lo = cJSON_AddObjectToObject(levels, level[l]);
			cJSON_AddNumberToObject(lo, "n", el < 0 ? 0 :
						(double)ge.size[el]);
			cJSON_AddNumberToObject(lo, "baseline_n", eb < 0 ? 0 :
						(double)ge.size[eb]);
			mo = cJSON_AddObjectToObject(lo, "metrics");
			for (size_t j = 0; j < nmetrics; j++) {
				size_t k = metrics[j];
				const char *name = et->metrics[k].name;
				cJSON *o = cJSON_AddObjectToObject(mo, name);
				struct cell cb, cl, crb, crl;
				cJSON *io;

				if (eb < 0 || el < 0) {
					cJSON_AddStringToObject(o, "reason",
						"no examples in the baseline or "
						"in this level");
					continue;
				}
				cb = cell_of(&vals[(size_t)eb * nm + k],
					     ge.size[eb], p->min_cohort_size, z);
				cl = cell_of(&vals[(size_t)el * nm + k],
					     ge.size[el], p->min_cohort_size, z);
				eval_json_number(o, "baseline", cb.v);
				eval_json_number(o, "value", cl.v);
				if (!cb.ok || !cl.ok || !(cb.v > 0)) {
					cJSON_AddStringToObject(o, "reason",
						"the metric is undefined or 0 in "
						"the baseline or in this level");
					continue;
				}
				add_contrast(o, "difference", "ratio",
					     cl.v - cb.v, cl.var + cb.var,
					     log(cl.v / cb.v), cl.lvar + cb.lvar,
					     z);
				if (cb.corrected || cl.corrected)
					cJSON_AddTrueToObject(o,
							      "ratio_corrected");
				if (!cb.small && !cl.small &&
				    cl.lvar + cb.lvar > 0) {
					double lr = log(cl.v / cb.v);
					double pz = 2 * gsl_cdf_ugaussian_Q(
						fabs(lr) / sqrt(cl.lvar + cb.lvar));

					eval_json_number(o, "p_value", pz);
					changes[nchanges].obj = o;
					changes[nchanges].p = pz;
					nchanges++;
				}
				if (b == ref || rb < 0 || rl < 0)
					continue;
				crb = cell_of(&vals[(size_t)rb * nm + k],
					      ge.size[rb], p->min_cohort_size, z);
				crl = cell_of(&vals[(size_t)rl * nm + k],
					      ge.size[rl], p->min_cohort_size, z);
				io = cJSON_AddObjectToObject(o, "interaction");
				if (!crb.ok || !crl.ok || !(crb.v > 0)) {
					cJSON_AddStringToObject(io, "reason",
						"the reference's metric is "
						"undefined or 0 in the baseline "
						"or in this level");
					continue;
				}
				{
					double lror = log(cl.v / cb.v) -
						      log(crl.v / crb.v);
					double lvar = cl.lvar + cb.lvar +
						      crl.lvar + crb.lvar;
					double pz;

					add_contrast(io,
						"difference_in_differences",
						"ratio_of_ratios",
						(cl.v - cb.v) - (crl.v - crb.v),
						cl.var + cb.var + crl.var +
						crb.var, lror, lvar, z);
					if (cb.small || cl.small || crb.small ||
					    crl.small) {
						cJSON_AddNullToObject(io,
							"p_value");
						cJSON_AddStringToObject(io,
							"p_reason", "a cell "
							"has fewer than "
							"min_cohort_size "
							"examples");
						continue;
					}
					pz = 2 * gsl_cdf_ugaussian_Q(
						fabs(lror) / sqrt(lvar));
					eval_json_number(io, "p_value", pz);
					tests[ntests].obj = io;
					tests[ntests].p = pz;
					tests[ntests].ror = exp(lror);
					tests[ntests].harm = metric_harm(name);
					ntests++;
				}
			}
		}
		cJSON_AddItemToArray(cohorts, co);
	}

	/* Holm over the analysis' interactions; flags. */
	{
		double *pv = xmalloc((ntests ? ntests : 1) * sizeof(*pv));
		double hi = 1 / p->tolerance, lo = p->tolerance;

		for (size_t i = 0; i < ntests; i++)
			pv[i] = tests[i].p;
		if (p->adjust == EVAL_ADJUST_BH)
			stats_bh(pv, ntests, pv);
		else
			stats_holm(pv, ntests, pv);
		for (size_t i = 0; i < ntests; i++) {
			const struct test *x = &tests[i];
			bool beyond = x->harm == HARM_HIGHER ? x->ror > hi :
				      x->harm == HARM_LOWER ? x->ror < lo :
				      x->ror > hi || x->ror < lo;

			eval_json_number(x->obj, "p_adjusted", pv[i]);
			cJSON_AddBoolToObject(x->obj, "hurts_more",
					      beyond && pv[i] < p->significance);
		}
		cJSON_AddNumberToObject(out, "tests", (double)ntests);
		free(pv);
	}
	adjust_changes(p, changes, nchanges);
	cJSON_AddNumberToObject(out, "change_tests", (double)nchanges);
out:
	et->g = saved;
	free(changes);
	free(tests);
	free(cellix);
	free(level);
	free(vals);
	groupby_release(&ge);
	return out;
}
