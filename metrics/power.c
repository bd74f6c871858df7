/*
 * power.c - see power.h.
 */
#include "common/fa.h"
#include "metrics/power.h"
#include <gsl/gsl_cdf.h>

/*
 * power_two_prop() with z = Phi^-1(1 - alpha / 2) given, so that a search
 * over p1 or n1 computes it once.
 */
static double two_prop_z(double p1, double p2, double n1, double n2,
			 double alpha, double z)
{
	double pbar, se0, se1, d;

	if (!(n1 > 0 && n2 > 0) || !(p1 >= 0 && p1 <= 1) ||
	    !(p2 >= 0 && p2 <= 1) || !(alpha > 0 && alpha < 1))
		return NAN;
	pbar = (n1 * p1 + n2 * p2) / (n1 + n2);
	se0 = sqrt(pbar * (1 - pbar) * (1 / n1 + 1 / n2));
	se1 = sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
	if (!(se1 > 0))
		return p1 == p2 ? alpha : 1;
	d = fabs(p1 - p2);
	return gsl_cdf_ugaussian_P((d - z * se0) / se1) +
	       gsl_cdf_ugaussian_P((-d - z * se0) / se1);
}

static double z_of(double alpha)
{
	return alpha > 0 && alpha < 1 ? gsl_cdf_ugaussian_Pinv(1 - alpha / 2)
				      : NAN;
}

double power_two_prop(double p1, double p2, double n1, double n2,
		      double alpha)
{
	return two_prop_z(p1, p2, n1, n2, alpha, z_of(alpha));
}

double power_n_equal(double p1, double p2, double alpha, double power,
		     bool continuity)
{
	double za, zb, pbar, d, n;

	if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1) || p1 == p2 ||
	    !(alpha > 0 && alpha < 1) || !(power > 0 && power < 1))
		return NAN;
	za = gsl_cdf_ugaussian_Pinv(1 - alpha / 2);
	zb = gsl_cdf_ugaussian_Pinv(power);
	pbar = (p1 + p2) / 2;
	d = fabs(p1 - p2);
	n = za * sqrt(2 * pbar * (1 - pbar)) +
	    zb * sqrt(p1 * (1 - p1) + p2 * (1 - p2));
	n = n * n / (d * d);
	if (continuity)
		n = n / 4 * pow(1 + sqrt(1 + 4 / (n * d)), 2);
	return n;
}

double power_n1_for(double p1, double p2, double n2, double alpha,
		    double power)
{
	double lo = 1, hi = 1, z = z_of(alpha);

	if (!(two_prop_z(p1, p2, 1e15, n2, alpha, z) > power))
		return INFINITY;
	while (two_prop_z(p1, p2, hi, n2, alpha, z) < power) {
		lo = hi;
		hi *= 2;
	}
	for (int i = 0; i < 200 && hi - lo > 0.5; i++) {
		double mid = (lo + hi) / 2;

		if (two_prop_z(p1, p2, mid, n2, alpha, z) < power)
			lo = mid;
		else
			hi = mid;
	}
	return ceil(hi);
}

double power_mdr(double p2, double n1, double n2, double alpha,
		 double power, bool up)
{
	double lo = p2, hi = up ? 1 : 0, z = z_of(alpha);

	if (!(p2 > 0 && p2 < 1) ||
	    !(two_prop_z(hi, p2, n1, n2, alpha, z) >= power))
		return NAN;
	/*
	 * Bisection to the last bit: the step depends only on (lo, hi), so
	 * once a step leaves both unchanged (about 60 steps, when they are
	 * neighbouring doubles) every later one would too, and stopping
	 * there gives the same answer as the 200 steps it is bounded by.
	 */
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2, l = lo, h = hi;

		if (two_prop_z(mid, p2, n1, n2, alpha, z) < power)
			lo = mid;
		else
			hi = mid;
		if (lo == l && hi == h)
			break;
	}
	return hi / p2;
}

double power_deff(double m, double icc)
{
	double d = 1 + (m - 1) * icc;

	return d > 1 ? d : 1;
}
