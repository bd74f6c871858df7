/*
 * thresholdout.c - Thresholdout with a per-query seeded generator; see
 * thresholdout.h for the algorithm and the choice of scale.
 *
 * Each query seeds a fresh MT19937 from a SplitMix64 mix of (seed, query
 * number) and draws, in this order, eta, then (only on a holdout answer) xi
 * and the next gamma.  The initial gamma uses the reserved query number
 * UINT64_MAX.  Because the stream for a query depends only on the seed and
 * the query's number, the mechanism can be stored as plain numbers and
 * resumed later with identical results.
 */
#include "common/fa.h"
#include "bounty/thresholdout.h"
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static gsl_rng *stream(uint64_t seed, uint64_t q)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (!r)
		die("out of memory allocating a random number generator");
	/* MT19937 keeps 32 bits of its seed: fold the 64-bit mix. */
	{
		uint64_t s = splitmix64(seed ^ splitmix64(q));

		gsl_rng_set(r, (unsigned long)((s ^ (s >> 32)) & 0xffffffffUL));
	}
	return r;
}

/* Lap(b); b == 0 gives 0 so a noiseless mechanism can be tested. */
static double laplace(gsl_rng *r, double b)
{
	return b > 0 ? gsl_ran_laplace(r, b) : 0.0;
}

void thresholdout_init(struct thresholdout *t, double T, double sigma,
		       uint32_t budget, uint64_t seed)
{
	gsl_rng *r;

	t->T = T;
	t->sigma = sigma;
	t->budget = budget;
	t->used = 0;
	t->seed = seed;
	t->queries = 0;
	r = stream(seed, UINT64_MAX);
	t->gamma = laplace(r, 2 * sigma);
	gsl_rng_free(r);
}

int thresholdout_query(struct thresholdout *t, double discovery,
		       double holdout, double *answer, struct buf *err)
{
	return thresholdout_query_scaled(t, discovery, holdout, t->sigma,
					 answer, err);
}

int thresholdout_query_scaled(struct thresholdout *t, double discovery,
			      double holdout, double scale, double *answer,
			      struct buf *err)
{
	gsl_rng *r;
	double eta, gamma;
	int src;

	*answer = NAN;
	if (t->used >= t->budget) {
		buf_addf(err, "the holdout budget of %u answers is used up",
			 t->budget);
		return THRESHOLDOUT_REFUSED;
	}
	if (!isfinite(holdout)) {
		buf_addf(err, "holdout value %g is not a finite number",
			 holdout);
		return THRESHOLDOUT_REFUSED;
	}
	if (!(scale >= t->sigma) || !isfinite(scale))
		scale = t->sigma;
	/* gamma was drawn at scale 2 sigma: stretch it to 2 scale. */
	gamma = t->sigma > 0 ? t->gamma * (scale / t->sigma) : 0;
	r = stream(t->seed, t->queries++);
	eta = laplace(r, 4 * scale);
	if (isfinite(discovery) &&
	    fabs(holdout - discovery) <= t->T + gamma + eta) {
		*answer = discovery;
		src = THRESHOLDOUT_DISCOVERY;
	} else {
		*answer = holdout + laplace(r, scale);
		t->gamma = laplace(r, 2 * t->sigma);
		t->used++;
		src = THRESHOLDOUT_HOLDOUT;
	}
	gsl_rng_free(r);
	return src;
}

int thresholdout_above(struct thresholdout *t, double value, double scale,
			struct buf *err)
{
	gsl_rng *r;
	double gamma, nu;
	int above;

	if (t->used >= t->budget) {
		buf_addf(err, "the holdout budget of %u answers is used up",
			 t->budget);
		return THRESHOLDOUT_REFUSED;
	}
	if (!(scale >= t->sigma) || !isfinite(scale))
		scale = t->sigma;
	if (!isfinite(value))
		value = -INFINITY;	/* undefined: below any threshold */
	gamma = t->sigma > 0 ? t->gamma * (scale / t->sigma) : 0;
	r = stream(t->seed, t->queries++);
	nu = laplace(r, 4 * scale);
	above = value + nu >= gamma;
	if (above) {
		t->gamma = laplace(r, 2 * t->sigma);
		t->used++;
	}
	gsl_rng_free(r);
	return above;
}

int thresholdout_query_count(struct thresholdout *t, double disc_count,
			     double disc_rows, double hold_count,
			     double hold_rows, double *answer, struct buf *err)
{
	double d = disc_rows > 0 ? disc_count / disc_rows : NAN;
	double h = hold_rows > 0 ? hold_count / hold_rows : NAN;
	int src = thresholdout_query(t, d, h, answer, err);

	if (src != THRESHOLDOUT_REFUSED)
		*answer *= hold_rows;
	return src;
}
