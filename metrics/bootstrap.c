/*
 * bootstrap.c - cluster bootstrap over sufficient statistics; the
 * conventions (streams, quantiles, p-value rule) are in bootstrap.h.
 *
 * The inner loop of boot_replicates() is the whole cost of an evaluation's
 * intervals: one gsl_rng_uniform_int() and nv additions per drawn cluster.
 * Vectors are summed in the order the clusters are drawn, so a replicate is
 * bit-for-bit reproducible.
 */
#include "common/fa.h"
#include "common/util.h"
#include "metrics/bootstrap.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

uint64_t boot_stream_seed(uint64_t seed, const void *key, size_t n)
{
	return splitmix64(seed ^ splitmix64(hash_bytes(key, n)));
}

void boot_rng_reset(gsl_rng *r, uint64_t stream)
{
	gsl_rng_set(r, (unsigned long)((stream ^ (stream >> 32)) &
				       0xFFFFFFFFULL));
}

gsl_rng *boot_rng_new(uint64_t stream)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (!r)
		die("out of memory allocating a random number generator");
	boot_rng_reset(r, stream);
	return r;
}

void boot_replicates(gsl_rng *r, const double *clusters, size_t ncl,
		     size_t nv, size_t nboot, boot_stat_fn *stat, void *arg,
		     size_t nstat, double *out)
{
	double sum[BOOT_MAX_SUMS];

	if (nv > BOOT_MAX_SUMS || !ncl)
		die("boot_replicates: %zu clusters of %zu sums", ncl, nv);
	for (size_t b = 0; b < nboot; b++) {
		memset(sum, 0, nv * sizeof(*sum));
		for (size_t i = 0; i < ncl; i++) {
			const double *c = clusters +
				gsl_rng_uniform_int(r, (unsigned long)ncl) * nv;

			for (size_t j = 0; j < nv; j++)
				sum[j] += c[j];
		}
		stat(sum, out + b * nstat, arg);
	}
}

double boot_quantile_sorted(const double *x, size_t n, double q)
{
	double pos = (double)(n - 1) * q, h;
	size_t lo = (size_t)floor(pos);

	if (lo >= n - 1)
		return x[n - 1];
	h = pos - (double)lo;
	if (h <= 0 || x[lo + 1] == x[lo])
		return x[lo];
	return x[lo] * (1 - h) + x[lo + 1] * h;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

size_t boot_percentile(double *v, size_t n, double conf, double *lo,
		       double *hi)
{
	size_t m = 0;
	double a = (1 - conf) / 2;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(v[i])) {
			double t = v[m];

			v[m++] = v[i];
			v[i] = t;
		}
	}
	*lo = *hi = NAN;
	if (m < 2)
		return m;
	qsort(v, m, sizeof(*v), cmp_double);
	*lo = boot_quantile_sorted(v, m, a);
	*hi = boot_quantile_sorted(v, m, 1 - a);
	return m;
}

double boot_p_value(const double *d, size_t n)
{
	size_t m = 0, le = 0, ge = 0;
	double p;

	for (size_t i = 0; i < n; i++) {
		if (isnan(d[i]))
			continue;
		m++;
		le += d[i] <= 0;
		ge += d[i] >= 0;
	}
	if (!m)
		return NAN;
	p = 2.0 * (double)(le < ge ? le : ge) / (double)m;
	if (p < 1.0 / ((double)m + 1))
		p = 1.0 / ((double)m + 1);
	return p > 1 ? 1 : p;
}
