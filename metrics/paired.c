/*
 * paired.c - paired comparisons of two models; the methods and their
 * references are in paired.h.
 *
 * Binary rates are never re-derived here: a row's membership in a rate's
 * numerator and denominator is read from confusion_rate() on a one-row
 * confusion table, so the 8-cell comparisons use exactly the definitions
 * the evaluations use, and whether a rate is a paired proportion (its
 * denominator blind to the prediction) is decided the same way.
 *
 * The binary bootstrap draws one multinomial vector of the 8 cells per
 * replicate and evaluates every bootstrapped rate on it; the ratio
 * bootstrap goes through boot_replicates(), one cluster draw per cluster.
 * Replicates live in one scratch array per call.
 */
#include "common/fa.h"
#include "metrics/paired.h"
#include <limits.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

static const char boot_off[] = "bootstrap is off (bootstrap = 0)";
static const char too_few_reps[] =
	"too few bootstrap replicates with the metric defined for both models";
static const char too_many_rows[] =
	"more rows than the multinomial bootstrap can draw";

const char *paired_method_name(enum paired_method m)
{
	static const char *const names[] = {
		[PAIRED_NONE] = "none",
		[PAIRED_NEWCOMBE] = "newcombe",
		[PAIRED_BOOTSTRAP] = "bootstrap",
		[PAIRED_T] = "t",
	};

	return (size_t)m < ARRAY_SIZE(names) ? names[m] : "none";
}

static void interval_nan(struct interval *iv)
{
	iv->value = iv->low = iv->high = NAN;
}

static void change_init(struct paired_change *out)
{
	memset(out, 0, sizeof(*out));
	interval_nan(&out->a);
	interval_nan(&out->b);
	interval_nan(&out->diff);
	out->p = NAN;
	out->method = PAIRED_NONE;
}

/* Mark the change undefined when either value is. */
static bool change_undefined(struct paired_change *out)
{
	if (!isnan(out->a.value) && !isnan(out->b.value))
		return false;
	out->reason = out->a_reason && out->b_reason ?
		      "the metric is undefined for both models" :
		      out->a_reason ? "the metric is undefined for model A" :
		      "the metric is undefined for model B";
	interval_nan(&out->diff);
	out->p = NAN;
	out->method = PAIRED_NONE;
	return true;
}

/* ---- paired proportions ---- */

int paired_newcombe(const struct paired_table *t, double conf,
		    struct interval *diff)
{
	/* Newcombe's cells: e both, f first only, g second only, h neither,
	 * with B first so that the difference is p_B - p_A. */
	double e = (double)t->both, f = (double)t->b_only;
	double g = (double)t->a_only, h = (double)t->neither;
	uint64_t n = paired_table_n(t);
	struct interval w1, w2;
	double margins, num, phi = 0, dl1, du1, dl2, du2, d, lo, hi;

	if (!n) {
		interval_nan(diff);
		return -1;
	}
	stats_wilson(t->both + t->b_only, n, conf, &w1);
	stats_wilson(t->both + t->a_only, n, conf, &w2);
	margins = (e + f) * (g + h) * (e + g) * (f + h);
	if (margins > 0) {
		num = e * h - f * g;
		if (num > 0)
			num = fmax(num - (double)n / 2, 0);
		phi = num / sqrt(margins);
	}
	dl1 = w1.value - w1.low;
	du1 = w1.high - w1.value;
	dl2 = w2.value - w2.low;
	du2 = w2.high - w2.value;
	d = w1.value - w2.value;
	lo = d - sqrt(fmax(dl1 * dl1 - 2 * phi * dl1 * du2 + du2 * du2, 0));
	hi = d + sqrt(fmax(du1 * du1 - 2 * phi * du1 * dl2 + dl2 * dl2, 0));
	diff->value = d;
	diff->low = fmax(lo, -1);
	diff->high = fmin(hi, 1);
	return 0;
}

double paired_mcnemar_midp(uint64_t b, uint64_t c)
{
	uint64_t m = b + c, k = b < c ? b : c;
	double p;

	if (!m || b == c)
		return 1;
	if (m > UINT_MAX)
		m = UINT_MAX;	/* NEEDSWORK: beyond GSL's unsigned range */
	p = 2 * (gsl_cdf_binomial_P((unsigned)k, 0.5, (unsigned)m) -
		 gsl_ran_binomial_pdf((unsigned)k, 0.5, (unsigned)m) / 2);
	return p > 1 ? 1 : p;
}

void paired_prop_change(const struct paired_table *t, double conf,
			const char *undefined, struct paired_change *out)
{
	uint64_t n = paired_table_n(t);

	change_init(out);
	out->n = n;
	if (!n) {
		out->a_reason = out->b_reason = undefined;
		change_undefined(out);
		return;
	}
	stats_wilson(t->both + t->a_only, n, conf, &out->a);
	stats_wilson(t->both + t->b_only, n, conf, &out->b);
	paired_newcombe(t, conf, &out->diff);
	out->p = paired_mcnemar_midp(t->b_only, t->a_only);
	out->method = PAIRED_NEWCOMBE;
}

/* ---- binary predictions ---- */

void paired_cells_confusion(const struct paired_cells *c, bool b,
			    struct confusion *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < 8; k++) {
		bool y = k >> 2 & 1, p = b ? k & 1 : k >> 1 & 1;

		if (y && p)
			out->tp += c->n[k];
		else if (y)
			out->fn += c->n[k];
		else if (p)
			out->fp += c->n[k];
		else
			out->tn += c->n[k];
	}
}

/* Numerator and denominator membership of one row (truth y, prediction p). */
static void row_rate(enum confusion_rate r, bool y, bool p, bool *num,
		     bool *den)
{
	struct confusion c = { 0 };
	uint64_t x, d;

	if (y && p)
		c.tp = 1;
	else if (y)
		c.fn = 1;
	else if (p)
		c.fp = 1;
	else
		c.tn = 1;
	confusion_rate(&c, r, &x, &d);
	*num = x != 0;
	*den = d != 0;
}

bool paired_rate_is_proportion(enum confusion_rate r)
{
	for (int y = 0; y < 2; y++) {
		bool n0, d0, n1, d1;

		row_rate(r, y, false, &n0, &d0);
		row_rate(r, y, true, &n1, &d1);
		if (d0 != d1)
			return false;
	}
	return true;
}

void paired_cells_table(const struct paired_cells *c, enum confusion_rate r,
			struct paired_table *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned k = 0; k < 8; k++) {
		bool na, da, nb, db;

		row_rate(r, k >> 2 & 1, k >> 1 & 1, &na, &da);
		row_rate(r, k >> 2 & 1, k & 1, &nb, &db);
		if (!da)
			continue;
		if (na && nb)
			out->both += c->n[k];
		else if (na)
			out->a_only += c->n[k];
		else if (nb)
			out->b_only += c->n[k];
		else
			out->neither += c->n[k];
	}
}

/* Rate r of both models from the 8 cells: B - A, NAN if either undefined. */
static double cells_diff(const struct paired_cells *c, enum confusion_rate r)
{
	struct confusion ca, cb;
	uint64_t xa, da, xb, db;

	paired_cells_confusion(c, false, &ca);
	paired_cells_confusion(c, true, &cb);
	confusion_rate(&ca, r, &xa, &da);
	confusion_rate(&cb, r, &xb, &db);
	if (!da || !db)
		return NAN;
	return (double)xb / (double)db - (double)xa / (double)da;
}

/*
 * Replicates of B - A for the rates marked in boot[] into reps[b * nrates
 * + j] (unmarked rates are left alone).
 */
static void cells_bootstrap(const struct paired_cells *c,
			    const enum confusion_rate *rates, size_t nrates,
			    const bool *boot, const struct paired_opts *o,
			    double *reps)
{
	uint64_t total = paired_cells_total(c);
	double prob[8];
	unsigned draw[8];
	struct paired_cells d;

	for (size_t k = 0; k < 8; k++)
		prob[k] = (double)c->n[k] / (double)total;
	for (size_t b = 0; b < o->nboot; b++) {
		gsl_ran_multinomial(o->rng, 8, (unsigned)total, prob, draw);
		for (size_t k = 0; k < 8; k++)
			d.n[k] = draw[k];
		for (size_t j = 0; j < nrates; j++)
			if (boot[j])
				reps[b * nrates + j] = cells_diff(&d, rates[j]);
	}
}

void paired_binary_compare(const struct paired_cells *c,
			   const enum confusion_rate *rates, size_t nrates,
			   const struct paired_opts *o,
			   struct paired_change *out)
{
	struct confusion ca, cb;
	uint64_t total = paired_cells_total(c);
	bool *boot = xcalloc(nrates, sizeof(*boot));
	double *reps = NULL, *v = NULL;
	bool any = false;

	paired_cells_confusion(c, false, &ca);
	paired_cells_confusion(c, true, &cb);
	for (size_t j = 0; j < nrates; j++) {
		enum confusion_rate r = rates[j];
		struct paired_change *ch = &out[j];
		uint64_t xa, da, xb, db;

		if (paired_rate_is_proportion(r) && !o->bootstrap_all) {
			struct paired_table t;

			paired_cells_table(c, r, &t);
			paired_prop_change(&t, o->conf,
					   confusion_rate_reason(r), ch);
			continue;
		}
		change_init(ch);
		confusion_rate(&ca, r, &xa, &da);
		confusion_rate(&cb, r, &xb, &db);
		ch->n = total;
		if (stats_wilson(xa, da, o->conf, &ch->a))
			ch->a_reason = confusion_rate_reason(r);
		if (stats_wilson(xb, db, o->conf, &ch->b))
			ch->b_reason = confusion_rate_reason(r);
		if (change_undefined(ch))
			continue;
		ch->diff.value = ch->b.value - ch->a.value;
		ch->method = PAIRED_BOOTSTRAP;
		if (!o->nboot)
			ch->ci_reason = boot_off;
		else if (total > UINT_MAX)
			ch->ci_reason = too_many_rows;
		else
			any = boot[j] = true;
	}
	if (any) {
		reps = xmalloc(o->nboot * nrates * sizeof(*reps));
		v = xmalloc(o->nboot * sizeof(*v));
		cells_bootstrap(c, rates, nrates, boot, o, reps);
	}
	for (size_t j = 0; j < nrates; j++) {
		struct paired_change *ch = &out[j];

		if (!boot[j])
			continue;
		for (size_t b = 0; b < o->nboot; b++)
			v[b] = reps[b * nrates + j];
		ch->p = boot_p_value(v, o->nboot);
		if (boot_percentile(v, o->nboot, o->conf, &ch->diff.low,
				    &ch->diff.high) < 2) {
			ch->ci_reason = too_few_reps;
			ch->p = NAN;
		}
	}
	free(v);
	free(reps);
	free(boot);
}

/* ---- per-row quantities ---- */

static void mean_interval(const struct moments *m, double conf, bool nonneg,
			  struct interval *out)
{
	double var = m->n > 1 ? m->m2 / (double)(m->n - 1) : 0;

	stats_t_interval(m->mean, var, m->n, conf, out);
	if (nonneg && out->low < 0)
		out->low = 0;
}

void paired_mean_change(const struct paired_means *m, double conf,
			bool nonneg, const char *empty,
			struct paired_change *out)
{
	const struct moments *d = &m->d;
	double var, t;

	change_init(out);
	out->n = d->n;
	out->method = PAIRED_T;
	if (!d->n) {
		out->a_reason = out->b_reason = empty;
		change_undefined(out);
		return;
	}
	mean_interval(&m->a, conf, nonneg, &out->a);
	mean_interval(&m->b, conf, nonneg, &out->b);
	/* The difference of the two means, not the running mean of the
	 * differences, so that it equals b - a to the last bit. */
	out->diff.value = m->b.mean - m->a.mean;
	if (d->n < 2) {
		out->ci_reason = "fewer than two rows; no interval";
		return;
	}
	var = d->m2 / (double)(d->n - 1);
	if (!(var > 0)) {
		out->diff.low = out->diff.high = out->diff.value;
		out->p = d->mean == 0 ? 1 : 0;
		return;
	}
	t = stats_t(conf, (double)(d->n - 1)) * sqrt(var / (double)d->n);
	out->diff.low = out->diff.value - t;
	out->diff.high = out->diff.value + t;
	t = fabs(d->mean) / sqrt(var / (double)d->n);
	out->p = 2 * gsl_cdf_tdist_Q(t, (double)(d->n - 1));
	if (out->p > 1)
		out->p = 1;
}

/* ---- pooled ratios over clusters ---- */

static void ratio_stat(const double *s, double *out, void *arg)
{
	size_t nm = *(const size_t *)arg;

	for (size_t j = 0; j < nm; j++) {
		const double *v = s + j * PAIRED_NV;
		double a = v[PAIRED_DA] > 0 ? v[PAIRED_XA] / v[PAIRED_DA] : NAN;
		double b = v[PAIRED_DB] > 0 ? v[PAIRED_XB] / v[PAIRED_DB] : NAN;

		out[3 * j] = a;
		out[3 * j + 1] = b;
		out[3 * j + 2] = b - a;	/* NAN when either is */
	}
}

void paired_ratio_compare(const double *clusters, size_t ncl,
			  size_t nmetrics, const struct paired_opts *o,
			  const char *undefined, const char *few,
			  struct paired_change *out)
{
	size_t nv = nmetrics * PAIRED_NV, nstat = 3 * nmetrics;
	double tot[BOOT_MAX_SUMS] = { 0 }, *reps = NULL, *v = NULL;
	size_t elig_a[PAIRED_MAX_RATIOS] = { 0 }, elig_b[PAIRED_MAX_RATIOS] = { 0 };
	bool any = false;

	if (!nmetrics || nmetrics > PAIRED_MAX_RATIOS)
		die("paired_ratio_compare: %zu metrics", nmetrics);
	for (size_t i = 0; i < ncl; i++)
		for (size_t j = 0; j < nmetrics; j++) {
			const double *c = clusters + i * nv + j * PAIRED_NV;

			for (size_t s = 0; s < PAIRED_NV; s++)
				tot[j * PAIRED_NV + s] += c[s];
			elig_a[j] += c[PAIRED_DA] > 0;
			elig_b[j] += c[PAIRED_DB] > 0;
		}
	for (size_t j = 0; j < nmetrics; j++) {
		struct paired_change *ch = &out[j];
		const double *t = tot + j * PAIRED_NV;

		change_init(ch);
		ch->method = PAIRED_BOOTSTRAP;
		ch->a.value = t[PAIRED_DA] > 0 ? t[PAIRED_XA] / t[PAIRED_DA] : NAN;
		ch->b.value = t[PAIRED_DB] > 0 ? t[PAIRED_XB] / t[PAIRED_DB] : NAN;
		if (isnan(ch->a.value))
			ch->a_reason = undefined;
		if (isnan(ch->b.value))
			ch->b_reason = undefined;
		if (change_undefined(ch))
			continue;
		ch->diff.value = ch->b.value - ch->a.value;
		if (!o->nboot)
			ch->ci_reason = boot_off;
		else if (elig_a[j] < 2 || elig_b[j] < 2)
			ch->ci_reason = few;
		else
			any = true;
	}
	if (!any)
		return;
	reps = xmalloc(o->nboot * nstat * sizeof(*reps));
	v = xmalloc(o->nboot * sizeof(*v));
	boot_replicates(o->rng, clusters, ncl, nv, o->nboot, ratio_stat,
			&nmetrics, nstat, reps);
	for (size_t j = 0; j < nmetrics; j++) {
		struct paired_change *ch = &out[j];
		struct interval *side[3] = { &ch->a, &ch->b, &ch->diff };

		if (ch->reason || ch->ci_reason)
			continue;
		/* Expanded for the clusters behind the rate (bootstrap.h). */
		double g = (double)(elig_a[j] < elig_b[j] ? elig_a[j]
							  : elig_b[j]);
		double conf = boot_expanded_conf(o->conf, g);

		for (size_t s = 0; s < 3; s++) {
			for (size_t b = 0; b < o->nboot; b++)
				v[b] = reps[b * nstat + 3 * j + s];
			if (s == 2)
				ch->p = boot_p_expanded(boot_p_value(v,
							o->nboot), g);
			if (boot_percentile(v, o->nboot, conf, &side[s]->low,
					    &side[s]->high) < 2)
				ch->ci_reason = too_few_reps;
		}
		if (ch->ci_reason) {
			ch->a.low = ch->a.high = NAN;
			ch->b.low = ch->b.high = NAN;
			ch->diff.low = ch->diff.high = NAN;
			ch->p = NAN;
		}
	}
	free(v);
	free(reps);
}
