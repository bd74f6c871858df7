/*
 * plan.c - see plan.h.
 */
#include "common/fa.h"
#include "evaluate/plan.h"
#include "metrics/power.h"

struct field {
	const char *name;
	double lo, hi;		/* open interval (lo, hi) */
	double dflt;		/* NAN: required */
	const char *range;
};

static const struct field fields[] = {
	{ "base_rate", 0, 1, NAN, "a rate between 0 and 1" },
	{ "ratio", 0, 1e6, 1.25, "a ratio above 0, not 1" },
	{ "cohorts", 0.5, 1e6, 1, "a whole number of at least 1" },
	{ "significance", 0, 1, 0.05, "between 0 and 1" },
	{ "power", 0, 1, 0.8, "between 0 and 1" },
	{ "utterances_per_speaker", 0.5, 1e6, NAN,
	  "a whole number of at least 1" },
	{ "icc", -1e-12, 1, 0.05, "between 0 and 1" },
};

cJSON *plan_run(const cJSON *req, struct buf *err)
{
	double v[ARRAY_SIZE(fields)];
	const cJSON *it;
	cJSON *out;
	double p1, alpha, n, ncc;
	bool speech;

	if (!cJSON_IsObject(req)) {
		buf_adds(err, "the plan request must be a JSON object");
		return NULL;
	}
	cJSON_ArrayForEach(it, req) {
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
			known |= !strcmp(it->string, fields[i].name);
		if (!known) {
			buf_addf(err, "unknown field \"%s\" in the plan request",
				 it->string);
			return NULL;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];

		it = cJSON_GetObjectItemCaseSensitive(req, f->name);
		if (!it || cJSON_IsNull(it)) {
			if (isnan(f->dflt) && i == 0) {
				buf_addf(err, "field \"%s\" is required (%s)",
					 f->name, f->range);
				return NULL;
			}
			v[i] = f->dflt;
			continue;
		}
		if (!cJSON_IsNumber(it) || !(it->valuedouble > f->lo) ||
		    !(it->valuedouble < f->hi) ||
		    ((i == 2 || i == 5) &&
		     it->valuedouble != floor(it->valuedouble)) ||
		    (i == 1 && it->valuedouble == 1)) {
			buf_addf(err, "field \"%s\" must be %s", f->name,
				 f->range);
			return NULL;
		}
		v[i] = it->valuedouble;
	}
	speech = !isnan(v[5]);
	p1 = v[0] * v[1];
	if (!(p1 > 0 && p1 < 1)) {
		buf_addf(err, "base_rate %g times ratio %g is %g, not a rate "
			 "below 1", v[0], v[1], p1);
		return NULL;
	}
	alpha = v[3] / v[2];
	n = ceil(power_n_equal(p1, v[0], alpha, v[4], false));
	ncc = ceil(power_n_equal(p1, v[0], alpha, v[4], true));
	out = cJSON_CreateObject();
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (speech || i < 5)
			cJSON_AddNumberToObject(out, fields[i].name, v[i]);
	cJSON_AddNumberToObject(out, "alpha_per_test", alpha);
	cJSON_AddNumberToObject(out, "examples_per_cohort", n);
	cJSON_AddNumberToObject(out, "examples_per_cohort_corrected", ncc);
	if (speech) {
		double deff = power_deff(v[5], v[6]);
		double utt = ceil(n * deff);

		cJSON_AddNumberToObject(out, "design_effect", deff);
		cJSON_AddNumberToObject(out, "utterances_per_cohort", utt);
		cJSON_AddNumberToObject(out, "speakers_per_cohort",
					ceil(utt / v[5]));
	}
	cJSON_AddStringToObject(out, "method",
		"two-sided two-proportion z-test at alpha_per_test = "
		"significance / cohorts (Bonferroni), equal sizes for the "
		"cohort and the reference (Fleiss, Levin & Paik, ch. 4); "
		"corrected: with the continuity correction; speech: examples "
		"are utterances, times the design effect 1 + (m - 1) icc, "
		"and m utterances a speaker");
	return out;
}
