/*
 * stats.c - intervals, tests and adjustment; see stats.h for the contracts.
 *
 * Quantiles come from GSL.  Fisher's test walks the hypergeometric support
 * once with the exact ratio of consecutive probabilities (in log space,
 * starting from the lowest cell value), normalises by the largest term and
 * sums; that keeps relative precision near 1e-13 even for margins in the
 * millions, well inside R's 1e-7 tie tolerance.  The adjustment functions
 * sort (p, index) pairs and apply R's p.adjust formulas, so ties and order
 * of input never change the result.
 */
#include "common/fa.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

double stats_z(double conf)
{
	return gsl_cdf_ugaussian_Pinv(1 - (1 - conf) / 2);
}

double stats_t(double conf, double df)
{
	return gsl_cdf_tdist_Pinv(1 - (1 - conf) / 2, df);
}

static void interval_undef(struct interval *out)
{
	out->value = out->low = out->high = NAN;
}

int stats_wilson(uint64_t x, uint64_t n, double conf, struct interval *out)
{
	double z, z2, p, nn, centre, half;

	if (n == 0) {
		interval_undef(out);
		return -1;
	}
	z = stats_z(conf);
	z2 = z * z;
	nn = (double)n;
	p = (double)x / nn;
	centre = ((double)x + z2 / 2) / (nn + z2);
	half = z / (nn + z2) *
	       sqrt((double)x * (double)(n - x) / nn + z2 / 4);
	out->value = p;
	out->low = centre - half;
	out->high = centre + half;
	/* Exact at the boundaries; avoid -1e-17 from rounding. */
	if (x == 0 || out->low < 0)
		out->low = 0;
	if (x == n || out->high > 1)
		out->high = 1;
	return 0;
}

int stats_newcombe(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		   double conf, struct interval *out)
{
	struct interval a, b;
	double d;

	if (stats_wilson(x1, n1, conf, &a) || stats_wilson(x2, n2, conf, &b)) {
		interval_undef(out);
		return -1;
	}
	d = a.value - b.value;
	out->value = d;
	out->low = d - sqrt((a.value - a.low) * (a.value - a.low) +
			    (b.high - b.value) * (b.high - b.value));
	out->high = d + sqrt((a.high - a.value) * (a.high - a.value) +
			     (b.value - b.low) * (b.value - b.low));
	return 0;
}

int stats_katz(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
	       double conf, struct interval *out, bool *corrected)
{
	double a, m, c, k, r, se, z;
	bool corr = false;

	if (corrected)
		*corrected = false;
	if (n1 == 0 || n2 == 0 || (x1 == 0 && x2 == 0)) {
		interval_undef(out);
		return -1;
	}
	a = (double)x1;
	m = (double)n1;
	c = (double)x2;
	k = (double)n2;
	if (x1 == 0 || x2 == 0) {
		a += 0.5;
		c += 0.5;
		m += 1;
		k += 1;
		corr = true;
	}
	r = (a / m) / (c / k);
	se = sqrt(1 / a - 1 / m + 1 / c - 1 / k);
	z = stats_z(conf);
	out->value = r;
	out->low = r * exp(-z * se);
	out->high = r * exp(z * se);
	if (corrected)
		*corrected = corr;
	return 0;
}

/*
 * Hypergeometric probabilities of the top-left cell over its support
 * [lo, hi], relative to the largest one (max 1).  Caller frees.
 */
static double *fisher_terms(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			    uint64_t *lo_out, uint64_t *hi_out)
{
	/* Row 1 total r, column 1 total k, grand total N. */
	double r = (double)(a + b), k = (double)(a + c);
	double rest = (double)(c + d) - k;	/* N - r - k, may be < 0 */
	uint64_t lo, hi, row1 = a + b, col1 = a + c, row2 = c + d;
	double *lt, mx;
	size_t n;

	lo = col1 > row2 ? col1 - row2 : 0;
	hi = row1 < col1 ? row1 : col1;
	n = (size_t)(hi - lo + 1);
	lt = xmalloc(n * sizeof(*lt));
	lt[0] = 0;
	mx = 0;
	for (size_t i = 1; i < n; i++) {
		double x = (double)(lo + i - 1);

		/* P(x+1)/P(x) = (r-x)(k-x) / ((x+1)(N-r-k+x+1)) */
		lt[i] = lt[i - 1] + log((r - x) * (k - x)) -
			log((x + 1) * (rest + x + 1));
		if (lt[i] > mx)
			mx = lt[i];
	}
	for (size_t i = 0; i < n; i++)
		lt[i] = exp(lt[i] - mx);
	*lo_out = lo;
	*hi_out = hi;
	return lt;
}

double stats_fisher(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
		    enum stats_alt alt)
{
	uint64_t lo, hi;
	double *pr, total = 0, sum = 0, obs, p;
	size_t n, ia;

	pr = fisher_terms(a, b, c, d, &lo, &hi);
	n = (size_t)(hi - lo + 1);
	ia = (size_t)(a - lo);
	for (size_t i = 0; i < n; i++)
		total += pr[i];
	obs = pr[ia];
	switch (alt) {
	case STATS_LESS:
		for (size_t i = 0; i <= ia; i++)
			sum += pr[i];
		break;
	case STATS_GREATER:
		for (size_t i = ia; i < n; i++)
			sum += pr[i];
		break;
	default:
		for (size_t i = 0; i < n; i++)
			if (pr[i] <= obs * (1 + 1e-7))
				sum += pr[i];
		break;
	}
	free(pr);
	p = sum / total;
	return p > 1 ? 1 : p;
}

int stats_ztest(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		double *p, double *z)
{
	double p1, p2, pp, se, zz;

	if (z)
		*z = NAN;
	if (n1 == 0 || n2 == 0) {
		*p = NAN;
		return -1;
	}
	p1 = (double)x1 / (double)n1;
	p2 = (double)x2 / (double)n2;
	pp = (double)(x1 + x2) / (double)(n1 + n2);
	if (x1 + x2 == 0 || x1 + x2 == n1 + n2) {
		*p = 1;
		if (z)
			*z = 0;
		return 0;
	}
	se = sqrt(pp * (1 - pp) * (1 / (double)n1 + 1 / (double)n2));
	zz = (p1 - p2) / se;
	*p = 2 * gsl_cdf_ugaussian_Q(fabs(zz));
	if (*p > 1)
		*p = 1;
	if (z)
		*z = zz;
	return 0;
}

const char *stats_test_name(enum stats_test t)
{
	return t == STATS_TEST_FISHER ? "fisher" : "z";
}

int stats_prop_test(uint64_t x1, uint64_t n1, uint64_t x2, uint64_t n2,
		    double *p, enum stats_test *used)
{
	double nn, col1, col2, e;
	bool small = false;

	*used = STATS_TEST_Z;
	if (n1 == 0 || n2 == 0) {
		*p = NAN;
		return -1;
	}
	nn = (double)(n1 + n2);
	col1 = (double)(x1 + x2);
	col2 = nn - col1;
	/* Smallest expected cell: smaller row total x smaller column total / N. */
	e = (double)(n1 < n2 ? n1 : n2) * (col1 < col2 ? col1 : col2) / nn;
	if (e < 5)
		small = true;
	if (small) {
		*used = STATS_TEST_FISHER;
		*p = stats_fisher(x1, n1 - x1, x2, n2 - x2, STATS_TWO_SIDED);
		return 0;
	}
	return stats_ztest(x1, n1, x2, n2, p, NULL);
}

int stats_t_interval(double mean, double var, uint64_t n, double conf,
		     struct interval *out)
{
	double h;

	if (n < 2) {
		interval_undef(out);
		out->value = n ? mean : NAN;
		return -1;
	}
	h = stats_t(conf, (double)(n - 1)) * sqrt(var / (double)n);
	out->value = mean;
	out->low = mean - h;
	out->high = mean + h;
	return 0;
}

double stats_welch_df(double se1sq, uint64_t n1, double se2sq, uint64_t n2)
{
	double s = se1sq + se2sq;

	return s * s / (se1sq * se1sq / (double)(n1 - 1) +
			se2sq * se2sq / (double)(n2 - 1));
}

int stats_welch(double mean1, double se1sq, uint64_t n1,
		double mean2, double se2sq, uint64_t n2, double conf,
		struct interval *diff, double *p, double *df)
{
	double d = mean1 - mean2, se, nu, t, h;

	interval_undef(diff);
	diff->value = d;
	*p = NAN;
	*df = NAN;
	if (n1 < 2 || n2 < 2 || se1sq + se2sq <= 0)
		return -1;
	se = sqrt(se1sq + se2sq);
	nu = stats_welch_df(se1sq, n1, se2sq, n2);
	t = d / se;
	h = stats_t(conf, nu) * se;
	diff->low = d - h;
	diff->high = d + h;
	*p = 2 * gsl_cdf_tdist_Q(fabs(t), nu);
	if (*p > 1)
		*p = 1;
	*df = nu;
	return 0;
}

struct pidx {
	double p;
	size_t i;
};

static int pidx_cmp(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;

	if (x->p < y->p)
		return -1;
	if (x->p > y->p)
		return 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The non-NAN entries of p sorted ascending; *m = how many. */
static struct pidx *family_sorted(const double *p, size_t n, size_t *m)
{
	struct pidx *v = xmalloc((n ? n : 1) * sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(p[i])) {
			v[k].p = p[i];
			v[k].i = i;
			k++;
		}
	}
	qsort(v, k, sizeof(*v), pidx_cmp);
	*m = k;
	return v;
}

void stats_holm(const double *p, size_t n, double *out)
{
	size_t m;
	struct pidx *v = family_sorted(p, n, &m);
	double run = 0;

	for (size_t i = 0; i < n; i++)
		if (isnan(p[i]))
			out[i] = NAN;
	/* adjusted_(j) = max_{i <= j} min(1, (m - i + 1) p_(i)) */
	for (size_t j = 0; j < m; j++) {
		double a = (double)(m - j) * v[j].p;

		if (a > 1)
			a = 1;
		if (a > run)
			run = a;
		out[v[j].i] = run;
	}
	free(v);
}

void stats_bh(const double *p, size_t n, double *out)
{
	size_t m;
	struct pidx *v = family_sorted(p, n, &m);
	double run = 1;

	for (size_t i = 0; i < n; i++)
		if (isnan(p[i]))
			out[i] = NAN;
	/* adjusted_(j) = min_{i >= j} min(1, m / i p_(i)) */
	for (size_t j = m; j-- > 0;) {
		double a = (double)m / (double)(j + 1) * v[j].p;

		if (a < run)
			run = a;
		out[v[j].i] = run;
	}
	free(v);
}
