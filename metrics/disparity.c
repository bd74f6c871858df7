/*
 * disparity.c - metric values and cohort-versus-reference comparisons; the
 * methods are described in disparity.h.
 *
 * Each comparison fills every field, using NAN plus a reason for what
 * cannot be computed, so the renderer never guesses: a missing interval
 * is distinguishable from a missing value, and both from a missing test.
 */
#include "common/fa.h"
#include "metrics/disparity.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

static void mval_blank(struct mval *m, enum mval_kind kind)
{
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->value = m->low = m->high = NAN;
	m->mean = m->var = NAN;
}

void mval_count(struct mval *m, uint64_t v)
{
	mval_blank(m, MVAL_COUNT);
	m->x = v;
	m->value = (double)v;
}

void mval_prop(struct mval *m, uint64_t x, uint64_t n, double conf,
	       const char *empty)
{
	struct interval iv;

	mval_blank(m, MVAL_PROP);
	m->x = x;
	m->n = n;
	if (stats_wilson(x, n, conf, &iv)) {
		m->reason = empty;
		return;
	}
	m->value = iv.value;
	m->low = iv.low;
	m->high = iv.high;
}

void mval_mean(struct mval *m, const struct moments *mo, bool root,
	       bool nonneg, double conf, const char *empty)
{
	struct interval iv;

	mval_blank(m, MVAL_MEAN);
	m->root = root;
	m->n = mo->n;
	if (!mo->n) {
		m->reason = empty;
		return;
	}
	m->mean = mo->mean;
	m->var = moments_var(mo);
	if (nonneg && m->mean < 0)
		m->mean = 0;	/* rounding only */
	m->value = root ? sqrt(m->mean) : m->mean;
	if (stats_t_interval(m->mean, m->var, mo->n, conf, &iv)) {
		m->ci_reason = "fewer than 2 rows";
		return;
	}
	if (nonneg && iv.low < 0)
		iv.low = 0;
	m->low = root ? sqrt(iv.low) : iv.low;
	m->high = root ? sqrt(iv.high) : iv.high;
}

void mval_auc(struct mval *m, const struct auc *a, double conf)
{
	double h;

	mval_blank(m, MVAL_AUC);
	m->n = a->npos + a->nneg;
	if (isnan(a->auc)) {
		m->reason = a->npos ? "no actual negatives in cohort"
				    : "no actual positives in cohort";
		return;
	}
	m->value = m->mean = a->auc;
	m->var = a->var;
	if (isnan(a->var)) {
		m->ci_reason = "fewer than 2 actual positives or negatives";
		return;
	}
	h = stats_z(conf) * sqrt(a->var);
	m->low = a->auc - h < 0 ? 0 : a->auc - h;
	m->high = a->auc + h > 1 ? 1 : a->auc + h;
}

void mval_plain(struct mval *m, double v, const char *why)
{
	mval_blank(m, MVAL_PLAIN);
	if (isnan(v)) {
		m->reason = why;
		return;
	}
	m->value = v;
}

bool mval_comparable(enum mval_kind k)
{
	return k == MVAL_PROP || k == MVAL_MEAN || k == MVAL_AUC;
}

static void disparity_blank(struct disparity *d)
{
	memset(d, 0, sizeof(*d));
	d->diff = d->diff_low = d->diff_high = NAN;
	d->ratio = d->ratio_low = d->ratio_high = NAN;
	d->p = NAN;
}

static void compare_prop(struct disparity *d, const struct mval *a,
			 const struct mval *r, double conf)
{
	struct interval iv;
	enum stats_test used;

	stats_newcombe(a->x, a->n, r->x, r->n, conf, &iv);
	d->diff = iv.value;
	d->diff_low = iv.low;
	d->diff_high = iv.high;
	if (stats_katz(a->x, a->n, r->x, r->n, conf, &iv,
		       &d->ratio_corrected)) {
		d->ratio_reason = "both rates are 0";
	} else {
		d->ratio = iv.value;
		d->ratio_low = iv.low;
		d->ratio_high = iv.high;
	}
	stats_prop_test(a->x, a->n, r->x, r->n, &d->p, &used);
	d->test = stats_test_name(used);
}

/*
 * Delta-method comparison of g(m1) and g(m2) for g = identity or sqrt,
 * with the Welch test on the untransformed means.
 */
static void compare_mean(struct disparity *d, const struct mval *a,
			 const struct mval *r, double conf)
{
	double s1, s2, df, c1, c2, k;
	struct interval iv;

	d->test = "welch";
	d->diff = a->value - r->value;
	if (a->n < 2 || r->n < 2) {
		d->diff_ci_reason = d->p_reason = "fewer than 2 rows in a cohort";
		d->ratio_ci_reason = d->diff_ci_reason;
	} else {
		s1 = a->var / (double)a->n;
		s2 = r->var / (double)r->n;
		stats_welch(a->mean, s1, a->n, r->mean, s2, r->n, conf, &iv,
			    &d->p, &df);
		if (isnan(d->p))
			d->p_reason = "no variation in either cohort";
		if (!a->root) {
			d->diff_low = iv.low;
			d->diff_high = iv.high;
			if (isnan(iv.low))
				d->diff_ci_reason = "no variation in either cohort";
		} else if (a->mean <= 0 || r->mean <= 0) {
			d->diff_ci_reason = "zero error in a cohort";
		} else {
			c1 = s1 / (4 * a->mean);
			c2 = s2 / (4 * r->mean);
			if (c1 + c2 <= 0) {
				d->diff_ci_reason = "no variation in either cohort";
			} else {
				k = stats_t(conf, stats_welch_df(c1, a->n, c2,
								 r->n)) *
				    sqrt(c1 + c2);
				d->diff_low = d->diff - k;
				d->diff_high = d->diff + k;
			}
		}
	}
	if (!(a->value > 0 && r->value > 0)) {
		d->ratio_reason = "ratio needs positive values in both cohorts";
		d->ratio_ci_reason = NULL;
		return;
	}
	d->ratio = a->value / r->value;
	if (a->n < 2 || r->n < 2)
		return;
	/* var(log g(m)) = (g'(m)/g(m))^2 se^2: 1/m^2 or 1/(4 m^2). */
	c1 = a->var / (double)a->n / (a->mean * a->mean);
	c2 = r->var / (double)r->n / (r->mean * r->mean);
	if (c1 + c2 <= 0) {
		d->ratio_ci_reason = "no variation in either cohort";
		return;
	}
	k = stats_t(conf, stats_welch_df(c1, a->n, c2, r->n)) *
	    sqrt(c1 + c2) * (a->root ? 0.5 : 1);
	d->ratio_low = d->ratio * exp(-k);
	d->ratio_high = d->ratio * exp(k);
}

static void compare_auc(struct disparity *d, const struct mval *a,
			const struct mval *r, double conf)
{
	double se, z, k;

	d->test = "delong";
	d->diff = a->value - r->value;
	if (a->value > 0 && r->value > 0)
		d->ratio = a->value / r->value;
	else
		d->ratio_reason = "ratio needs positive values in both cohorts";
	if (isnan(a->var) || isnan(r->var)) {
		d->diff_ci_reason = d->p_reason =
			"fewer than 2 actual positives or negatives in a cohort";
		if (!d->ratio_reason)
			d->ratio_ci_reason = d->diff_ci_reason;
		return;
	}
	se = sqrt(a->var + r->var);
	if (se <= 0) {
		d->diff_ci_reason = d->p_reason = "no variation in either cohort";
		if (!d->ratio_reason)
			d->ratio_ci_reason = d->diff_ci_reason;
		return;
	}
	z = stats_z(conf);
	d->diff_low = d->diff - z * se;
	d->diff_high = d->diff + z * se;
	d->p = 2 * gsl_cdf_ugaussian_Q(fabs(d->diff) / se);
	if (d->p > 1)
		d->p = 1;
	if (d->ratio_reason)
		return;
	k = z * sqrt(a->var / (a->value * a->value) +
		     r->var / (r->value * r->value));
	d->ratio_low = d->ratio * exp(-k);
	d->ratio_high = d->ratio * exp(k);
}

void disparity_compare(struct disparity *d, const struct mval *a,
		       const struct mval *ref, double conf)
{
	disparity_blank(d);
	if (!mval_comparable(a->kind) || a->kind != ref->kind) {
		d->reason = "metric is not compared";
		return;
	}
	if (a->reason) {
		d->reason = "metric undefined in this cohort";
		return;
	}
	if (ref->reason) {
		d->reason = "metric undefined in the reference cohort";
		return;
	}
	switch (a->kind) {
	case MVAL_PROP:
		compare_prop(d, a, ref, conf);
		break;
	case MVAL_MEAN:
		compare_mean(d, a, ref, conf);
		break;
	default:
		compare_auc(d, a, ref, conf);
		break;
	}
}

void spread_compute(struct spread *s, const double *v, const bool *use,
		    size_t n)
{
	size_t k = 0;

	memset(s, 0, sizeof(*s));
	s->min = s->max = s->diff = s->ratio = NAN;
	for (size_t i = 0; i < n; i++) {
		if ((use && !use[i]) || isnan(v[i]))
			continue;
		if (!k || v[i] < s->min) {
			s->min = v[i];
			s->imin = i;
		}
		if (!k || v[i] > s->max) {
			s->max = v[i];
			s->imax = i;
		}
		k++;
	}
	if (k < 2) {
		s->reason = "fewer than two cohorts with a value and at least "
			    "the minimum size";
		s->min = s->max = NAN;
		return;
	}
	s->diff = s->max - s->min;
	if (s->min > 0)
		s->ratio = s->max / s->min;
	else
		s->ratio_reason = "the smallest value is not positive";
}
