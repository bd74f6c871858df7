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
			x->e += e;
			x->d += d;
			if (in_g && in->h_err) {
				double h = in->h_err[row];

				if (!(h >= 0) || !isfinite(h))
					return bad_value(err, "loss of h", row,
							 h);
				bin = bin && is01(h);
				x->h += h;
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
		if (!(v->value >= rules->alpha)) {
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
	v->duplicate_of = -1;
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

	/* 2. Duplicates, by the Jaccard of holdout members. */
	if (in->naccepted) {
		struct bitset mine = BITSET_INIT;

		bitset_copy(&mine, in->group);
		bitset_and(&mine, in->split);
		for (size_t i = 0; i < in->naccepted; i++) {
			double j = bitset_jaccard(&mine, in->accepted[i]);

			if (j > v->overlap) {
				v->overlap = j;
				if (j >= rules->dup_jaccard)
					v->duplicate_of = (int64_t)i;
			}
		}
		bitset_release(&mine);
	}

	/* 3. The rule. */
	decide(v, rules);
	return 0;
}

/* Answer one statistic; returns the source or THRESHOLDOUT_REFUSED. */
static int release_one(struct thresholdout *t, double disc, double *val,
		       double *low, double *high, struct buf *err)
{
	double ans;
	int src = thresholdout_query(t, disc, *val, &ans, err);

	if (src == THRESHOLDOUT_REFUSED)
		return src;
	*low += ans - *val;
	*high += ans - *val;
	*val = ans;
	return src;
}

/* An estimate of no effect: 0, with an interval of 0 and no precision. */
static void no_effect(double *x, double *low, double *high, double *se)
{
	*x = *low = *high = 0;
	*se = INFINITY;
}

int verify_release(struct verdict *v, const struct verdict *disc,
		   const struct verify_rules *rules, struct thresholdout *t,
		   struct buf *err)
{
	bool holdout_pass = v->status == VERIFY_ACCEPTED;
	double z;
	int src;

	if (v->too_small) {
		v->released = true;
		return 0;
	}
	if (!thresholdout_left(t)) {
		buf_addf(err, "the holdout budget of %u answers is used up",
			 t->budget);
		return -1;
	}
	/*
	 * A metric undefined on the holdout (fpr of a group without holdout
	 * negatives, say) must not show as undefined, nor skip a query and
	 * leave the budget as it was: either would tell the hunter about
	 * holdout labels.  It is released as no effect, 0, through the same
	 * queries as any other answer.
	 */
	if (v->rest && !isfinite(v->gap))
		no_effect(&v->gap, &v->gap_low, &v->gap_high, &v->gap_se);
	if (v->has_h && !isfinite(v->improvement)) {
		no_effect(&v->improvement, &v->impr_low, &v->impr_high,
			  &v->impr_se);
		v->metric_h = v->metric_group;
	}
	if (v->rest && isfinite(v->gap)) {
		double rest = v->metric_rest;

		src = release_one(t, isfinite(disc->gap) ? disc->gap : 0,
				  &v->gap, &v->gap_low,
				  &v->gap_high, err);
		if (src == THRESHOLDOUT_REFUSED)
			return -1;
		if (src == THRESHOLDOUT_DISCOVERY) {
			v->metric_group = disc->metric_group;
			v->metric_rest = disc->metric_rest;
		} else {
			v->metric_group = rest + v->gap;
		}
		v->gap_method = v->gap_method == VERIFY_DELTA ? VERIFY_DELTA :
				VERIFY_Z;
		v->p_value = p_from_z(v->gap, v->gap_se, &z);
		v->p_adjusted = adjust(v->p_value, rules->prior);
	}
	if (v->has_h && isfinite(v->improvement)) {
		src = release_one(t, isfinite(disc->improvement) ?
				  disc->improvement : 0, &v->improvement,
				  &v->impr_low, &v->impr_high, err);
		if (src == THRESHOLDOUT_REFUSED)
			return -1;
		v->metric_h = src == THRESHOLDOUT_DISCOVERY ? disc->metric_h :
			      v->metric_group - v->improvement;
		v->value = v->weight * v->improvement;
		v->impr_method = VERIFY_DELTA;
		v->impr_p_value = p_from_z(v->improvement, v->impr_se, &z);
		v->impr_p_adjusted = adjust(v->impr_p_value, rules->prior);
	}
	v->released = true;
	decide(v, rules);
	if (v->status == VERIFY_ACCEPTED && !holdout_pass) {
		v->status = VERIFY_REJECTED;
		reason(v, "the finding was not confirmed on the holdout");
	}
	return 0;
}
