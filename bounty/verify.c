/*
 * verify.c - statistics and decision for one submission; see verify.h.
 *
 * One pass over the split's words separates g's rows from the rest and
 * accumulates the sums every statistic needs (rows, losses, denominators,
 * h's losses and McNemar's discordant counts) while checking the inputs.
 * A second pass, only when a delta-method variance is needed, sums squared
 * residuals around the ratios found in the first.  Both passes visit only
 * the split's rows, a word at a time, so a verdict on a million-row holdout
 * costs a few milliseconds.  The counting tests and intervals for error
 * rates come from metrics/stats.h, shared with the evaluation reports.
 */
#include "common/fa.h"
#include "bounty/verify.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

void verify_rules_init(struct verify_rules *r)
{
	r->min_support = 30;
	r->min_gap = 0.02;
	r->alpha = 0.001;
	r->significance = 0.05;
	r->confidence = 0.95;
	r->dup_jaccard = 0.8;
	r->prior = 0;
	r->epsilon = 0;
}

double verify_adjusted_level(const struct verify_rules *r)
{
	return r->significance / ((double)r->prior + 1.0);
}

const char *verify_status_name(enum verify_status s)
{
	switch (s) {
	case VERIFY_ACCEPTED: return "accepted";
	case VERIFY_REJECTED: return "rejected";
	case VERIFY_DUPLICATE: return "duplicate";
	}
	return "unknown";
}

const char *verify_method_name(enum verify_method m)
{
	switch (m) {
	case VERIFY_NONE: return "none";
	case VERIFY_Z: return "z";
	case VERIFY_FISHER: return "fisher";
	case VERIFY_DELTA: return "delta";
	case VERIFY_MCNEMAR: return "mcnemar";
	}
	return "unknown";
}

/* Sums over one side (g's rows or the rest) of the split. */
struct side {
	size_t n;		/* rows */
	size_t ncl;		/* clusters (rows when independent) */
	double e, d, h;		/* sums of err, den (or 1), h_err */
	double ss, ssd;		/* squared residuals: err, err - h_err */
	uint64_t b, c;		/* McNemar: err 1 & h 0, err 0 & h 1 */
	double mx, mxh;		/* largest max(err, den), max(err + h, den) */
};

static bool is01(double x)
{
	return x == 0 || x == 1;
}

static int bad_value(struct buf *err, const char *what, size_t row, double x)
{
	buf_addf(err, "%s of row %zu is %g; it must be a finite, "
		 "non-negative number", what, row, x);
	return -1;
}

/*
 * First pass.  *binary ends true when den is NULL and every loss (and h's,
 * on g's rows) is 0 or 1.  Returns -1 with err set on a bad value.
 */
static int pass_sums(const struct verify_input *in, struct side *g,
		     struct side *r, bool *binary, struct buf *err)
{
	const struct bitset *gs = in->group, *sp = in->split;
	bool bin = in->den == NULL;

	for (size_t w = 0; w < sp->nwords; w++) {
		uint64_t s = sp->w[w];

		while (s) {
			size_t row = w * 64 + (size_t)__builtin_ctzll(s);
			bool in_g = (gs->w[w] >> (row & 63)) & 1;
			struct side *x = in_g ? g : r;
			double e = in->err[row];
			double d = in->den ? in->den[row] : 1.0;

			s &= s - 1;
			if (!(e >= 0) || !isfinite(e))
				return bad_value(err, "loss", row, e);
			if (!(d >= 0) || !isfinite(d))
				return bad_value(err, "denominator", row, d);
			bin = bin && is01(e);
			x->n++;
			x->mx = fmax(x->mx, fmax(e, d));
			x->e += e;
			x->d += d;
			if (in_g && in->h_err) {
				double h = in->h_err[row];

				if (!(h >= 0) || !isfinite(h))
					return bad_value(err, "loss of h", row,
							 h);
				bin = bin && is01(h);
				x->h += h;
				x->mxh = fmax(x->mxh, fmax(e + h, d));
				x->b += e > h;
				x->c += e < h;
			}
		}
	}
	*binary = bin;
	return 0;
}

/*
 * Second pass: residuals around the ratios rg (err on g), rr (err on the
 * rest) and ri (err - h on g).  With rest false only g's rows are visited
 * (error rates with h need just the improvement's variance).
 */
static void pass_residuals(const struct verify_input *in, struct side *g,
			   struct side *r, double rg, double rr, double ri,
			   bool rest)
{
	const struct bitset *gs = in->group, *sp = in->split;
	size_t nk = in->cluster ? in->nclusters : 0;
	double *cu = nk ? xcalloc(3 * nk, sizeof(*cu)) : NULL;
	uint8_t *seen = nk ? xcalloc(nk, 1) : NULL;

	g->ncl = r->ncl = 0;
	for (size_t w = 0; w < sp->nwords; w++) {
		uint64_t s = sp->w[w] & (rest ? ~(uint64_t)0 : gs->w[w]);

		while (s) {
			size_t row = w * 64 + (size_t)__builtin_ctzll(s);
			bool in_g = (gs->w[w] >> (row & 63)) & 1;
			double e = in->err[row];
			double d = in->den ? in->den[row] : 1.0;
			uint32_t k = nk ? in->cluster[row] : UINT32_MAX;
			double u, uh = 0;

			s &= s - 1;
			if (k != UINT32_MAX && k >= nk)
				k = UINT32_MAX;	/* not a cluster: alone */
			if (in_g) {
				u = e - rg * d;
				if (in->h_err)
					uh = (e - in->h_err[row]) - ri * d;
				if (k == UINT32_MAX) {
					g->ss += u * u;
					g->ssd += uh * uh;
					g->ncl++;
					continue;
				}
				cu[3 * k] += u;
				cu[3 * k + 2] += uh;
				g->ncl += !(seen[k] & 1);
				seen[k] |= 1;
			} else {
				u = e - rr * d;
				if (k == UINT32_MAX) {
					r->ss += u * u;
					r->ncl++;
					continue;
				}
				cu[3 * k + 1] += u;
				r->ncl += !(seen[k] & 2);
				seen[k] |= 2;
			}
		}
	}
	for (size_t k = 0; k < nk; k++) {
		g->ss += cu[3 * k] * cu[3 * k];
		r->ss += cu[3 * k + 1] * cu[3 * k + 1];
		g->ssd += cu[3 * k + 2] * cu[3 * k + 2];
	}
	free(cu);
	free(seen);
}

/*
 * Variance of a ratio of sums over n rows, or n clusters of rows, from its
 * squared (cluster-summed) residuals.
 */
static double ratio_var(double ss, size_t n, double dsum)
{
	if (n < 2 || !(dsum > 0))
		return NAN;
	return (double)n / (double)(n - 1) * ss / (dsum * dsum);
}

/* One-sided p for "the effect is positive" from an estimate and its SE. */
static double p_from_z(double est, double se, double *z)
{
	if (se > 0) {
		*z = est / se;
		return gsl_cdf_ugaussian_Q(*z);
	}
	*z = NAN;
	if (se == 0)
		return est > 0 ? 0.0 : 1.0;
	return 1.0;
}

static double adjust(double p, uint32_t prior)
{
	double a = p * ((double)prior + 1.0);

	return a < 1 ? a : 1;
}

static void set_undefined(struct verdict *v)
{
	v->weight = v->metric_group = v->metric_rest = NAN;
	v->gap = v->gap_low = v->gap_high = v->gap_se = NAN;
	v->p_value = v->p_adjusted = NAN;
	v->metric_h = v->improvement = v->impr_low = v->impr_high = NAN;
	v->impr_se = v->impr_p_value = v->impr_p_adjusted = NAN;
	v->value = NAN;
	v->gap_method = v->impr_method = VERIFY_NONE;
}

static void FA_PRINTF(2, 3) reason(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/*
 * Steps 2 and 3 of the decision on the numbers now in v (step 1 was taken
 * before any statistic was computed).
 */
static void decide(struct verdict *v, const struct verify_rules *rules)
{
	if (v->duplicate_of >= 0) {
		v->status = VERIFY_DUPLICATE;
		reason(v, "the group's holdout members overlap an earlier "
		       "accepted finding (Jaccard %.3f, duplicates from %.2f)",
		       v->overlap, rules->dup_jaccard);
		return;
	}
	v->status = VERIFY_REJECTED;
	if (v->has_h) {
		double counted = v->weight * (v->improvement - v->impr_margin);

		if (v->impr_margin > 0 && v->value >= rules->alpha &&
		    !(counted >= rules->alpha)) {
			reason(v, "weight x improvement %.4g was confirmed by "
			       "the holdout only to within %.3g, so it counts "
			       "as %.4g, below alpha %.4g", v->value,
			       v->impr_margin, counted, rules->alpha);
		} else if (!(v->value >= rules->alpha)) {
			reason(v, "weight x improvement %.4g is below alpha "
			       "%.4g", v->value, rules->alpha);
		} else if (!(v->impr_p_adjusted < rules->significance)) {
			reason(v, "the improvement is not significant "
			       "(adjusted p-value %.3g, needs below %.3g)",
			       v->impr_p_adjusted, rules->significance);
		} else {
			v->status = VERIFY_ACCEPTED;
			reason(v, "weight x improvement %.4g reaches alpha "
			       "%.4g and the improvement is significant "
			       "(adjusted p-value %.3g)", v->value,
			       rules->alpha, v->impr_p_adjusted);
		}
		return;
	}
	if (!v->rest) {
		reason(v, "the group holds every holdout example, so there is "
		       "nothing to compare it with");
	} else if (!isfinite(v->gap)) {
		reason(v, "the metric is undefined on the group or on the "
		       "rest (no denominator)");
	} else if (!(v->gap >= rules->min_gap)) {
		reason(v, "gap %.4f is below the minimum gap %.4f", v->gap,
		       rules->min_gap);
	} else if (!(v->gap - v->gap_margin >= rules->min_gap)) {
		reason(v, "gap %.4f was confirmed by the holdout only to "
		       "within %.3g, so it counts as %.4f, below the minimum "
		       "gap %.4f", v->gap, v->gap_margin,
		       v->gap - v->gap_margin, rules->min_gap);
	} else if (!(v->p_adjusted < rules->significance)) {
		reason(v, "gap %.4f is not significant (adjusted p-value "
		       "%.3g, needs below %.3g)", v->gap, v->p_adjusted,
		       rules->significance);
	} else {
		v->status = VERIFY_ACCEPTED;
		reason(v, "gap %.4f reaches the minimum gap %.4f and is "
		       "significant (adjusted p-value %.3g)", v->gap,
		       rules->min_gap, v->p_adjusted);
	}
}

static int check_rules(const struct verify_rules *r, struct buf *err)
{
	if (!(r->epsilon >= 0) || !isfinite(r->epsilon)) {
		buf_addf(err, "epsilon %g is not a finite, non-negative number",
			 r->epsilon);
		return -1;
	}
	if (!(r->significance > 0 && r->significance < 1)) {
		buf_addf(err, "significance %g is not strictly between 0 and 1",
			 r->significance);
		return -1;
	}
	if (!(r->confidence > 0 && r->confidence < 1)) {
		buf_addf(err, "confidence %g is not strictly between 0 and 1",
			 r->confidence);
		return -1;
	}
	if (!(r->dup_jaccard > 0 && r->dup_jaccard <= 1)) {
		buf_addf(err, "duplicate threshold %g is not in (0, 1]",
			 r->dup_jaccard);
		return -1;
	}
	if (!isfinite(r->min_gap) || !isfinite(r->alpha)) {
		buf_addf(err, "min_gap %g and alpha %g must be finite numbers",
			 r->min_gap, r->alpha);
		return -1;
	}
	return 0;
}

/* Gap statistics for error rates (counts). */
static void gap_counts(struct verdict *v, const struct side *g,
		       const struct side *r, const struct verify_rules *rules)
{
	uint64_t a = (uint64_t)g->e, n1 = g->n, c = (uint64_t)r->e, n2 = r->n;
	double pool = (double)(a + c) / (double)(n1 + n2);
	double e[4] = {
		(double)n1 * pool, (double)n1 * (1 - pool),
		(double)n2 * pool, (double)n2 * (1 - pool),
	};
	double emin = e[0], z;
	struct interval iv;

	for (int i = 1; i < 4; i++)
		emin = e[i] < emin ? e[i] : emin;
	v->gap_se = sqrt(pool * (1 - pool) *
			 (1.0 / (double)n1 + 1.0 / (double)n2));
	if (emin < 5) {
		v->gap_method = VERIFY_FISHER;
		v->p_value = stats_fisher(a, n1 - a, c, n2 - c, STATS_GREATER);
	} else {
		v->gap_method = VERIFY_Z;
		v->p_value = p_from_z(v->gap, v->gap_se, &z);
	}
	if (!stats_newcombe(a, n1, c, n2, rules->confidence, &iv)) {
		v->gap_low = iv.low;
		v->gap_high = iv.high;
	}
}

int verify_submission(const struct verify_input *in,
		      const struct verify_rules *rules, struct verdict *v,
		      struct buf *err)
{
	struct side g, r;
	bool binary;
	double zq, z, total_d;

	memset(v, 0, sizeof(*v));
	set_undefined(v);
	v->gap_source = v->impr_source = -1;
	v->duplicate_of = -1;
	v->improves = -1;
	v->overlap = 0;
	v->has_h = in->h_err != NULL;
	if (check_rules(rules, err))
		return -1;
	if (in->group->nbits != in->split->nbits) {
		buf_addf(err, "group covers %zu rows but the split covers %zu",
			 in->group->nbits, in->split->nbits);
		return -1;
	}
	for (size_t i = 0; i < in->naccepted; i++) {
		if (in->accepted[i]->nbits != in->split->nbits) {
			buf_addf(err, "accepted finding %zu covers %zu rows but "
				 "the split covers %zu", i,
				 in->accepted[i]->nbits, in->split->nbits);
			return -1;
		}
	}
	memset(&g, 0, sizeof(g));
	memset(&r, 0, sizeof(r));
	if (pass_sums(in, &g, &r, &binary, err))
		return -1;
	v->binary = binary;

	/* 1. Too small: say nothing about the members. */
	if (g.n < rules->min_support || g.n == 0) {
		v->status = VERIFY_REJECTED;
		v->too_small = true;
		reason(v, "the group has fewer than %zu holdout members",
		       rules->min_support ? rules->min_support : 1);
		return 0;
	}
	v->support = g.n;
	v->rest = r.n;
	total_d = g.d + r.d;
	v->weight = total_d > 0 ? g.d / total_d : NAN;
	v->metric_group = g.d > 0 ? g.e / g.d : NAN;
	v->metric_rest = r.d > 0 ? r.e / r.d : NAN;
	v->gap = v->metric_group - v->metric_rest;
	zq = stats_z(rules->confidence);

	if (v->has_h) {
		v->metric_h = g.d > 0 ? g.h / g.d : NAN;
		v->improvement = g.d > 0 ? (g.e - g.h) / g.d : NAN;
		v->value = v->weight * v->improvement;
	}
	if (!binary || v->has_h) {
		double rg = g.d > 0 ? g.e / g.d : 0;
		double rr = r.d > 0 ? r.e / r.d : 0;
		double ri = g.d > 0 ? (g.e - g.h) / g.d : 0;

		pass_residuals(in, &g, &r, rg, rr, ri, !binary);
	}

	/* The gap. */
	if (r.n && isfinite(v->gap)) {
		if (binary) {
			gap_counts(v, &g, &r, rules);
		} else {
			v->gap_method = VERIFY_DELTA;
			v->gap_se = sqrt(ratio_var(g.ss, g.ncl, g.d) +
					 ratio_var(r.ss, r.ncl, r.d));
			v->p_value = p_from_z(v->gap, v->gap_se, &z);
			v->gap_low = v->gap - zq * v->gap_se;
			v->gap_high = v->gap + zq * v->gap_se;
		}
		v->p_adjusted = adjust(v->p_value, rules->prior);
	}

	/* The improvement of h. */
	if (v->has_h && isfinite(v->improvement)) {
		v->impr_se = sqrt(ratio_var(g.ssd, g.ncl, g.d));
		if (binary) {
			v->impr_method = VERIFY_MCNEMAR;
			v->impr_p_value = g.b ? gsl_cdf_binomial_Q(
				(unsigned)(g.b - 1), 0.5,
				(unsigned)(g.b + g.c)) : 1.0;
		} else {
			v->impr_method = VERIFY_DELTA;
			v->impr_p_value = p_from_z(v->improvement, v->impr_se,
						   &z);
		}
		v->impr_low = v->improvement - zq * v->impr_se;
		v->impr_high = v->improvement + zq * v->impr_se;
		v->impr_p_adjusted = adjust(v->impr_p_value, rules->prior);
	}

	/* What the release needs: sensitivities, units, variances. */
	if (binary) {
		v->sens_gap = 1.0 / (double)g.n;
		if (r.n && 1.0 / (double)r.n > v->sens_gap)
			v->sens_gap = 1.0 / (double)r.n;
		v->sens_impr = 2.0 / (double)g.n;
		v->units_group = g.n;
		v->units_rest = r.n;
		v->uvar_group = v->metric_group * (1 - v->metric_group);
		v->uvar_rest = r.n ? v->metric_rest * (1 - v->metric_rest) :
			       NAN;
	} else {
		v->sens_gap = g.d > 0 ? g.mx / g.d : INFINITY;
		if (r.n && !(r.d > 0))
			v->sens_gap = INFINITY;
		else if (r.n && r.mx / r.d > v->sens_gap)
			v->sens_gap = r.mx / r.d;
		v->sens_impr = g.d > 0 ? g.mxh / g.d : INFINITY;
		v->units_group = g.ncl;
		v->units_rest = r.ncl;
		v->uvar_group = ratio_var(g.ss, g.ncl, g.d) * (double)g.ncl;
		v->uvar_rest = ratio_var(r.ss, r.ncl, r.d) * (double)r.ncl;
	}
	if (v->has_h)
		v->uvar_impr = ratio_var(g.ssd, g.ncl, g.d) * (double)g.ncl;

	/* 2. Duplicates, by the Jaccard of holdout members. */
	if (in->naccepted) {
		struct bitset mine = BITSET_INIT;

		bitset_copy(&mine, in->group);
		bitset_and(&mine, in->split);
		for (size_t i = 0; i < in->naccepted; i++) {
			double j = bitset_jaccard(&mine, in->accepted[i]);

			if (j > v->overlap) {
				v->overlap = j;
				if (j < rules->dup_jaccard)
					continue;
				if (v->has_h)
					v->improves = (int64_t)i;
				else
					v->duplicate_of = (int64_t)i;
			}
		}
		bitset_release(&mine);
	}

	/* 3. The rule. */
	decide(v, rules);
	return 0;
}

/* The noise scale a query of sensitivity sens is asked with. */
static double query_scale(const struct thresholdout *t, double sens,
			  const struct verify_rules *rules)
{
	double s = rules->epsilon > 0 ? 2 * sens / rules->epsilon : 0;

	if (!isfinite(s))
		s = 1e300;	/* no bound on the sensitivity: all noise */
	return s > t->sigma ? s : t->sigma;
}

/* A released rate kept away from 0 and 1 so that its variance is not 0. */
static double clamp_rate(double p, size_t n)
{
	double lo = 0.5 / (double)(n ? n : 1);

	if (!isfinite(p))
		return 0.5;
	return p < lo ? lo : p > 1 - lo ? 1 - lo : p;
}

/* A variance per unit from the discovery verdict, or a fallback. */
static double public_uvar(double mine, size_t mine_units, double other,
			  size_t other_units, double factor)
{
	if (mine_units >= 2 && isfinite(mine))
		return mine;
	if (other_units >= 2 && isfinite(other))
		return factor * other;
	return INFINITY;
}

/*
 * The squared standard error of the gap from public numbers only: the
 * released (or any label-free) group metric mg, the discovery's rest
 * metric and variances per unit, and the holdout's counts.
 */
static double public_gap_se2(const struct verdict *v,
			     const struct verdict *disc, double mg)
{
	size_t ng = v->support, nr = v->rest;

	if (v->binary || !(disc->units_group >= 2 || disc->units_rest >= 2)) {
		double pg = clamp_rate(mg, ng);
		double pr = clamp_rate(disc->metric_rest, nr);
		double pool = clamp_rate((pg * (double)ng + pr * (double)nr) /
					 (double)(ng + nr), ng + nr);

		return pool * (1 - pool) *
		       (1.0 / (double)ng + 1.0 / (double)nr);
	}
	return public_uvar(disc->uvar_group, disc->units_group,
			   disc->uvar_rest, disc->units_rest, 1) /
		       (double)(v->units_group ? v->units_group : 1) +
	       public_uvar(disc->uvar_rest, disc->units_rest,
			   disc->uvar_group, disc->units_group, 1) /
		       (double)(v->units_rest ? v->units_rest : 1);
}

/*
 * The same for the improvement.  Without discovery members to measure it
 * on, the paired difference's variance per unit is bounded: by 1 for 0/1
 * losses (the difference is -1, 0 or 1), else by four times the
 * discovery's variance of the metric itself.
 */
static double public_impr_se2(const struct verdict *v,
			      const struct verdict *disc)
{
	double u;

	if (disc->units_group >= 2 && isfinite(disc->uvar_impr))
		u = disc->uvar_impr;
	else if (v->sens_impr * (double)v->support == 2)
		u = 1;
	else
		u = public_uvar(NAN, 0, disc->uvar_rest, disc->units_rest, 4);
	return u / (double)(v->units_group ? v->units_group : 1);
}

/* Release gap or improvement as an estimate with a public SE. */
static void set_released(double ans, double se2, int src, double scale,
			 double zq, double *x, double *low, double *high,
			 double *se)
{
	if (src == THRESHOLDOUT_HOLDOUT)
		se2 += 2 * scale * scale;	/* Var Lap(b) = 2 b^2 */
	*x = ans;
	*se = sqrt(se2);
	*low = ans - zq * *se;
	*high = ans + zq * *se;
}

int verify_release(struct verdict *v, const struct verdict *disc,
		   const struct verify_rules *rules, struct thresholdout *t,
		   struct buf *err)
{
	double zq, z, ans, se2;
	size_t ng = v->support, nr = v->rest;

	if (v->too_small) {
		v->released = true;
		return 0;
	}
	if (check_rules(rules, err))
		return -1;
	if (!thresholdout_left(t)) {
		buf_addf(err, "the holdout budget of %u answers is used up",
			 t->budget);
		return -1;
	}
	zq = stats_z(rules->confidence);
	v->weight = (double)ng / (double)(ng + nr);
	/*
	 * A metric undefined on the holdout (fpr of a group without holdout
	 * negatives, say) must not show as undefined, nor skip a query and
	 * leave the budget as it was: either would tell the hunter about
	 * holdout labels.  It is asked as no effect, 0, like any other
	 * answer.
	 */
	if (nr) {
		double hold = isfinite(v->gap) ? v->gap : 0;
		double rest = isfinite(disc->metric_rest) ? disc->metric_rest :
			      NAN;
		v->gap_scale = query_scale(t, v->sens_gap, rules);
		v->gap_source = thresholdout_query_scaled(
			t, isfinite(disc->gap) ? disc->gap : 0, hold,
			v->gap_scale, &ans, err);
		if (v->gap_source == THRESHOLDOUT_REFUSED)
			return -1;
		v->metric_rest = rest;
		v->metric_group = rest + ans;
		se2 = public_gap_se2(v, disc, v->metric_group);
		v->gap_method = v->binary ? VERIFY_Z : VERIFY_DELTA;
		set_released(ans, se2, v->gap_source, v->gap_scale, zq,
			     &v->gap, &v->gap_low, &v->gap_high, &v->gap_se);
		v->gap_margin = v->gap_source == THRESHOLDOUT_DISCOVERY ?
				t->T : 0;
		v->p_value = p_from_z(v->gap, v->gap_se, &z);
		v->p_adjusted = adjust(v->p_value, rules->prior);
	}
	if (v->has_h) {
		double hold = isfinite(v->improvement) ? v->improvement : 0;

		v->impr_scale = query_scale(t, v->sens_impr, rules);
		v->impr_source = thresholdout_query_scaled(
			t, isfinite(disc->improvement) ? disc->improvement : 0,
			hold, v->impr_scale, &ans, err);
		if (v->impr_source == THRESHOLDOUT_REFUSED)
			return -1;
		se2 = public_impr_se2(v, disc);
		set_released(ans, se2, v->impr_source, v->impr_scale, zq,
			     &v->improvement, &v->impr_low, &v->impr_high,
			     &v->impr_se);
		v->impr_margin = v->impr_source == THRESHOLDOUT_DISCOVERY ?
				 t->T : 0;
		if (!nr)
			v->metric_group = NAN;
		v->metric_h = v->metric_group - v->improvement;
		v->value = v->weight * v->improvement;
		v->impr_method = VERIFY_DELTA;
		v->impr_p_value = p_from_z(v->improvement, v->impr_se, &z);
		v->impr_p_adjusted = adjust(v->impr_p_value, rules->prior);
	}
	v->released = true;
	decide(v, rules);
	return 0;
}

int verify_verdict_only(struct verdict *v, const struct verdict *disc,
			const struct verify_rules *rules,
			struct thresholdout *t, struct buf *err)
{
	double level, zc, se2, scale, thr, stat, noise2;
	size_t ng = v->support, nr = v->rest;
	int above;

	if (v->too_small) {
		v->released = true;
		return 0;
	}
	if (check_rules(rules, err))
		return -1;
	v->verdict_only = true;
	v->weight = (double)ng / (double)(ng + nr);
	level = verify_adjusted_level(rules);
	zc = gsl_cdf_ugaussian_Qinv(level);
	if (v->duplicate_of >= 0) {
		decide(v, rules);	/* membership only: no query */
		goto hide;
	}
	if (!v->has_h && !nr) {
		v->status = VERIFY_REJECTED;
		reason(v, "the group holds every holdout example, so there is "
		       "nothing to compare it with");
		goto hide;
	}
	/*
	 * One test: is the statistic at least the threshold?  The threshold
	 * is what acceptance needs (min_gap, or alpha / weight for an
	 * improvement) or, when larger, what significance at the adjusted
	 * level needs given the public standard error and the test's own
	 * noise (nu - gamma: variance 2 (4 scale)^2 + 2 (2 scale)^2).
	 */
	if (v->has_h) {
		scale = query_scale(t, v->sens_impr, rules);
		se2 = public_impr_se2(v, disc);
		stat = isfinite(v->improvement) ? v->improvement : 0;
		thr = rules->alpha / v->weight;
	} else {
		scale = query_scale(t, v->sens_gap, rules);
		se2 = public_gap_se2(v, disc, isfinite(disc->metric_group) ?
				     disc->metric_group : disc->metric_rest);
		stat = isfinite(v->gap) ? v->gap : 0;
		thr = rules->min_gap;
	}
	noise2 = 40 * scale * scale;
	if (zc * sqrt(se2 + noise2) > thr)
		thr = zc * sqrt(se2 + noise2);
	above = thresholdout_above(t, stat - thr, scale, err);
	if (above == THRESHOLDOUT_REFUSED)
		return -1;
	v->verdict_threshold = thr;
	v->status = above ? VERIFY_ACCEPTED : VERIFY_REJECTED;
	reason(v, "verdict only: the holdout %s %s of %s%.4g (what the rules "
	       "and significance at the adjusted level %.3g need); no number "
	       "is released, as the bounty's budget of holdout answers is "
	       "spent", above ? "shows" : "does not show",
	       v->has_h ? "an improvement" : "a gap", above ? "at least " : "",
	       thr, level);
hide:
	v->metric_group = v->metric_rest = v->metric_h = NAN;
	v->gap = v->gap_low = v->gap_high = v->gap_se = NAN;
	v->p_value = v->p_adjusted = NAN;
	v->improvement = v->impr_low = v->impr_high = v->impr_se = NAN;
	v->impr_p_value = v->impr_p_adjusted = v->value = NAN;
	v->released = true;
	return 0;
}
