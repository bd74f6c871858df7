/*
 * plan.c - see plan.h.
 */
#include "common/fa.h"
#include "evaluate/plan.h"
#include "evaluate/evaluation.h"
#include "evaluate/verdict.h"
#include "metrics/power.h"

enum {
	F_BASE_RATE, F_RATIO, F_COHORTS, F_SIGNIFICANCE, F_POWER,
	F_UTTERANCES, F_WORDS, F_ICC, F_N
};

struct field {
	const char *name;
	double lo, hi;		/* open interval (lo, hi) */
	double dflt;		/* NAN: none */
	bool whole;
	const char *range;
};

static const struct field fields[F_N] = {
	[F_BASE_RATE] = { "base_rate", 0, 1, NAN, false,
			  "a rate between 0 and 1" },
	[F_RATIO] = { "ratio", 0, 1e6, 1.25, false, "a ratio above 0, not 1" },
	[F_COHORTS] = { "cohorts", 0.5, 1e6, 1, true,
			"a whole number of at least 1" },
	[F_SIGNIFICANCE] = { "significance", 0, 1, 0.05, false,
			     "between 0 and 1" },
	[F_POWER] = { "power", 0, 1, 0.8, false, "between 0 and 1" },
	[F_UTTERANCES] = { "utterances_per_speaker", 1 - 1e-12, 1e6, NAN,
			   false, "a number of at least 1" },
	[F_WORDS] = { "words_per_utterance", 1 - 1e-12, 1e6, 1, false,
		      "a number of at least 1" },
	[F_ICC] = { "icc", -1e-12, 1, 0.05, false, "between 0 and 1" },
};

/* Fields naming an evaluation to take figures from. */
static const char *const from_fields[] = { "evaluation", "grouping", "metric" };

struct plan_in {
	double v[F_N];
	bool set[F_N];		/* given, or taken from the evaluation */
	cJSON *from;		/* "from_evaluation", or NULL */
};

static bool known_field(const char *name)
{
	for (size_t i = 0; i < F_N; i++)
		if (!strcmp(name, fields[i].name))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(from_fields); i++)
		if (!strcmp(name, from_fields[i]))
			return true;
	return false;
}

/* Whether x is in field f's range. */
static bool in_range(const struct field *f, int i, double x)
{
	return x > f->lo && x < f->hi && (!f->whole || x == floor(x)) &&
	       (i != F_RATIO || x != 1);
}

static int read_fields(const cJSON *req, struct plan_in *in, struct buf *err)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, req)
		if (!known_field(it->string)) {
			buf_addf(err, "unknown field \"%s\" in the plan request",
				 it->string);
			return -1;
		}
	for (size_t i = 0; i < F_N; i++) {
		const struct field *f = &fields[i];

		in->v[i] = f->dflt;
		it = cJSON_GetObjectItemCaseSensitive(req, f->name);
		if (!it || cJSON_IsNull(it))
			continue;
		if (!cJSON_IsNumber(it) || !in_range(f, (int)i, it->valuedouble)) {
			buf_addf(err, "field \"%s\" must be %s", f->name,
				 f->range);
			return -1;
		}
		in->v[i] = it->valuedouble;
		in->set[i] = true;
	}
	return 0;
}

/* ---- figures from an evaluation ---- */

static const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static bool present(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return v && !cJSON_IsNull(v);
}

/* metrics.<name>.value of cohort c. */
static double cohort_value(const cJSON *c, const char *name)
{
	return jnum(jget(jget(c, "metrics"), name), "value");
}

/*
 * Take figure i as x from the evaluation, unless the request gave it;
 * a figure out of its range (a document edited by hand) is refused.
 */
static int take(struct plan_in *in, int i, double x, cJSON *taken,
		struct buf *err)
{
	if (in->set[i] || !isfinite(x))
		return 0;
	if (!in_range(&fields[i], i, x)) {
		buf_addf(err, "the evaluation's %s, %g, is not %s",
			 fields[i].name, x, fields[i].range);
		return -1;
	}
	in->v[i] = x;
	in->set[i] = true;
	cJSON_AddItemToArray(taken, cJSON_CreateString(fields[i].name));
	return 0;
}

/*
 * The power figures of the grouping's comparisons of metric: alpha (the
 * level each test had) and the reference's design effect, from the first
 * cohort that has them.
 */
static void power_figures(const cJSON *cohorts, const char *metric,
			  double *alpha, double *target, double *deff)
{
	const cJSON *c;

	*alpha = *target = *deff = NAN;
	cJSON_ArrayForEach(c, cohorts) {
		const cJSON *pw = jget(jget(jget(c, "disparity"), metric),
				       "power");

		if (!pw)
			continue;
		if (isnan(*alpha))
			*alpha = jnum(pw, "alpha");
		if (isnan(*target))
			*target = jnum(pw, "target_ratio");
		if (isnan(*deff))
			*deff = jnum(pw, "reference_design_effect");
	}
}

/* Speech: the reference cohort's clusters, in the plan's terms. */
static int take_speech(struct plan_in *in, const cJSON *ref,
		       const char *metric, double deff, cJSON *taken,
		       struct buf *err)
{
	double utt = cohort_value(ref, "utterances");
	double spk = cohort_value(ref, "speakers");
	double words = cohort_value(ref, strcmp(metric, "cer") ?
				    "reference_words" :
				    "reference_characters");
	double w, icc;

	if (!(utt > 0 && spk > 0 && words > 0))
		return 0;
	if (take(in, F_UTTERANCES, utt / spk, taken, err) ||
	    take(in, F_WORDS, words / utt, taken, err))
		return -1;
	w = words / spk;
	if (isfinite(deff) && w > 1) {
		icc = (deff - 1) / (w - 1);
		if (take(in, F_ICC, icc < 0 ? 0 : icc > 1 ? 1 : icc, taken,
			 err))
			return -1;
	}
	return 0;
}

static int from_evaluation(const cJSON *req, const cJSON *ev,
			   struct plan_in *in, struct buf *err)
{
	const cJSON *params = jget(ev, "params"), *gi = jget(req, "grouping");
	const cJSON *mi = jget(req, "metric"), *groupings, *g, *c, *ref = NULL;
	const char *metric = NULL, *task = cJSON_GetStringValue(jget(ev, "task"));
	double alpha, target, deff, tol, sig, k = 0, v;
	cJSON *taken;

	int gix = 0;

	if (gi && !cJSON_IsNull(gi) &&
	    (!cJSON_IsNumber(gi) || gi->valuedouble < 0 ||
	     gi->valuedouble > EVAL_MAX_GROUPINGS ||
	     gi->valuedouble != floor(gi->valuedouble))) {
		buf_addf(err, "field \"grouping\" must be a whole number from "
			 "0 to %d", EVAL_MAX_GROUPINGS);
		return -1;
	}
	if (cJSON_IsNumber(gi))
		gix = (int)gi->valuedouble;
	groupings = jget(ev, "groupings");
	g = cJSON_GetArrayItem(groupings, gix);
	if (!g) {
		buf_addf(err, "the evaluation has no grouping %d (it has %d)",
			 gix, cJSON_GetArraySize(groupings));
		return -1;
	}
	if (mi && !cJSON_IsNull(mi) && !cJSON_IsString(mi)) {
		buf_adds(err, "field \"metric\" must be a metric's name");
		return -1;
	}
	metric = cJSON_IsString(mi) ? mi->valuestring :
		 cJSON_GetStringValue(cJSON_GetArrayItem(jget(params, "primary"),
							 0));
	if (!metric) {
		buf_adds(err, "field \"metric\" is required: the evaluation "
			 "names no primary metric");
		return -1;
	}
	cJSON_ArrayForEach(c, jget(g, "cohorts")) {
		if (cJSON_IsTrue(jget(c, "reference")))
			ref = c;
		else
			k++;
	}
	v = ref ? cohort_value(ref, metric) : NAN;
	if (!ref || !(v > 0 && v < 1)) {
		buf_addf(err, "the evaluation's reference cohort has no rate "
			 "\"%s\" between 0 and 1 to plan from", metric);
		return -1;
	}
	in->from = cJSON_CreateObject();
	cJSON_AddNumberToObject(in->from, "grouping", gix);
	cJSON_AddStringToObject(in->from, "metric", metric);
	cJSON_AddItemToObject(in->from, "reference",
			      cJSON_Duplicate(jget(ref, "attributes"), true));
	taken = cJSON_AddArrayToObject(in->from, "figures");
	power_figures(jget(g, "cohorts"), metric, &alpha, &target, &deff);
	sig = jnum(params, "significance");
	tol = jnum(params, "tolerance");
	if (isnan(target) && tol > 0 && tol < 1)
		target = metric_harm(metric) == HARM_LOWER ? tol : 1 / tol;
	/* The tests of its family: its level over the one each test had. */
	if (take(in, F_BASE_RATE, v, taken, err) ||
	    take(in, F_RATIO, target, taken, err) ||
	    take(in, F_SIGNIFICANCE, sig, taken, err) ||
	    take(in, F_COHORTS, alpha > 0 ? round(sig / alpha) :
		 k > 0 ? k : NAN, taken, err) ||
	    (task && !strcmp(task, "asr") &&
	     take_speech(in, ref, metric, deff, taken, err)))
		return -1;
	return 0;
}

/* ---- the plan ---- */

static cJSON *plan_of(const struct plan_in *in, struct buf *err)
{
	const double *v = in->v;
	bool speech = !isnan(v[F_UTTERANCES]);
	double p1 = v[F_BASE_RATE] * v[F_RATIO], alpha, n, ncc;
	cJSON *out;

	if (isnan(v[F_BASE_RATE])) {
		buf_addf(err, "field \"base_rate\" is required (%s), or an "
			 "evaluation to take it from",
			 fields[F_BASE_RATE].range);
		return NULL;
	}
	if (!(p1 > 0 && p1 < 1)) {
		buf_addf(err, "base_rate %g times ratio %g is %g, not a rate "
			 "below 1", v[F_BASE_RATE], v[F_RATIO], p1);
		return NULL;
	}
	alpha = v[F_SIGNIFICANCE] / v[F_COHORTS];
	n = ceil(power_n_equal(p1, v[F_BASE_RATE], alpha, v[F_POWER], false));
	ncc = ceil(power_n_equal(p1, v[F_BASE_RATE], alpha, v[F_POWER], true));
	out = cJSON_CreateObject();
	for (size_t i = 0; i < F_N; i++)
		if (speech || i < F_UTTERANCES)
			cJSON_AddNumberToObject(out, fields[i].name, v[i]);
	cJSON_AddNumberToObject(out, "alpha_per_test", alpha);
	cJSON_AddNumberToObject(out, "examples_per_cohort", n);
	cJSON_AddNumberToObject(out, "examples_per_cohort_corrected", ncc);
	if (speech) {
		double m = v[F_UTTERANCES], w = v[F_WORDS];
		double deff = power_deff(m * w, v[F_ICC]);
		double utt = ceil(n * deff / w);

		cJSON_AddNumberToObject(out, "design_effect", deff);
		cJSON_AddNumberToObject(out, "utterances_per_cohort", utt);
		cJSON_AddNumberToObject(out, "speakers_per_cohort",
					ceil(utt / m));
	}
	cJSON_AddStringToObject(out, "method",
		"two-sided two-proportion z-test at alpha_per_test = "
		"significance / cohorts (Bonferroni), equal sizes for the "
		"cohort and the reference (Fleiss, Levin & Paik, ch. 4); "
		"corrected: with the continuity correction; speech: examples "
		"are words (trials of the rate), times the design effect "
		"1 + (m w - 1) icc for m utterances of w words a speaker");
	return out;
}

cJSON *plan_run(const cJSON *req, const cJSON *ev, struct buf *err)
{
	struct plan_in in = { .from = NULL };
	cJSON *out;

	if (!cJSON_IsObject(req)) {
		buf_adds(err, "the plan request must be a JSON object");
		return NULL;
	}
	if (read_fields(req, &in, err) ||
	    (ev && from_evaluation(req, ev, &in, err))) {
		cJSON_Delete(in.from);
		return NULL;
	}
	if (!ev && (present(req, "evaluation") || present(req, "grouping") ||
		    present(req, "metric"))) {
		buf_adds(err, "fields \"grouping\" and \"metric\" need an "
			 "evaluation to take figures from");
		return NULL;
	}
	out = plan_of(&in, err);
	if (out && in.from)
		cJSON_AddItemToObject(out, "from_evaluation", in.from);
	else
		cJSON_Delete(in.from);
	return out;
}
