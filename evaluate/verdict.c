/*
 * verdict.c - see verdict.h.
 */
#include "common/fa.h"
#include "evaluate/verdict.h"
#include "metrics/stats.h"
#include <gsl/gsl_cdf.h>

static const char *const higher_worse[] = {
	"error_rate", "fpr", "fnr", "fdr", "for", "wer", "mean_utterance_wer",
	"cer", "brier", "ece", "mae", "rmse", "substitution_rate",
	"deletion_rate", "insertion_rate",
};
static const char *const lower_worse[] = {
	"accuracy", "tpr", "tnr", "ppv", "npv", "recall", "auc",
};

enum harm metric_harm(const char *metric)
{
	for (size_t i = 0; i < ARRAY_SIZE(higher_worse); i++)
		if (!strcmp(metric, higher_worse[i]))
			return HARM_HIGHER;
	for (size_t i = 0; i < ARRAY_SIZE(lower_worse); i++)
		if (!strcmp(metric, lower_worse[i]))
			return HARM_LOWER;
	return HARM_NONE;
}

bool metric_judged(const char *metric)
{
	return strcmp(metric, "prevalence") != 0;
}

const char *harm_name(enum harm h)
{
	switch (h) {
	case HARM_HIGHER: return "higher is worse";
	case HARM_LOWER: return "lower is worse";
	default: return "neither";
	}
}

const char *direction_name(enum harm h, double diff)
{
	if (!(diff > 0) && !(diff < 0))
		return NULL;
	switch (h) {
	case HARM_HIGHER: return diff > 0 ? "worse" : "better";
	case HARM_LOWER: return diff < 0 ? "worse" : "better";
	default: return diff > 0 ? "higher" : "lower";
	}
}

const char *verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_DISPARITY: return "disparity";
	case VERDICT_WITHIN: return "within_tolerance";
	case VERDICT_INCONCLUSIVE: return "inconclusive";
	default: return NULL;
	}
}

double verdict_tost_p(const struct disparity *d, double conf,
		      double tolerance)
{
	double lr, se, lo, hi;

	if (d->reason || d->ratio_reason || !(d->ratio > 0) ||
	    !isfinite(d->ratio) || !(d->ratio_low > 0) ||
	    !isfinite(d->ratio_high) || !(d->ratio_high > d->ratio_low) ||
	    !(tolerance > 0 && tolerance <= 1))
		return NAN;
	lr = log(d->ratio);
	se = (log(d->ratio_high) - log(d->ratio_low)) / (2 * stats_z(conf));
	if (!(se > 0))
		return NAN;
	/* H0 ratio <= tolerance, and H0 ratio >= 1 / tolerance. */
	lo = gsl_cdf_ugaussian_Q((lr - log(tolerance)) / se);
	hi = gsl_cdf_ugaussian_Q((-log(tolerance) - lr) / se);
	return lo > hi ? lo : hi;
}
