/*
 * evaluation.c - evaluation parameters and the evaluation driver.
 *
 * The run, in order:
 *   1. check the parameters against the table (attributes, bins,
 *      reference values) and let the task's engine prepare (evaluation_internal.h);
 *   2. compute "overall" over all rows;
 *   3. per grouping: assign rows to cohorts (cohorts/groupby.h), compute
 *      every metric of every cohort, pick the reference cohort, mark
 *      cohorts below min_cohort_size as too small, and compare every
 *      comparable metric of every other cohort with the reference
 *      (metrics/disparity.h);
 *   4. adjust p-values: one family per metric, made of the comparisons of
 *      all groupings in which neither cohort is too small and the p-value
 *      is defined;
 *   5. flags, spreads and the JSON.
 *
 * Per cohort the JSON is
 *   {"attributes": {attr: value}, "n": N, "too_small": bool,
 *    "too_small_reason": "n < min_cohort_size" (only when too small),
 *    "reference": bool,
 *    "metrics": {key: metric, ..., "per_class": {label: {key: metric}}},
 *    "disparity": {key: {"difference", "diff_low", "diff_high", "ratio",
 *                        "ratio_low", "ratio_high", "p_value",
 *                        "p_adjusted", "test"}, ...},
 *    "flags": [key, ...]}
 * where a number that cannot be computed is null and a sibling
 * "<field>_reason" (or "reason" for the whole object) says why; the
 * reference cohort has an empty "disparity".  Per grouping:
 *   {"by": [...], "reference": {attr: value} | null,
 *    "reference_source": "requested" | "largest",
 *    "spread": {key: {"difference", "ratio", "min", "max", "min_cohort",
 *                     "max_cohort"}}, "cohorts": [...]}.
 */
#include "common/fa.h"
#include "common/util.h"
#include "evaluate/evaluation.h"
#include "evaluate/evaluation_internal.h"
#include "evaluate/verdict.h"
#include "metrics/power.h"
#include "cohorts/groupby.h"
#include "metrics/stats.h"
#include <gsl/gsl_statistics_double.h>
#include <math.h>

static const struct eval_engine *const engines[] = {
	[TASK_CLASSIFICATION] = &eval_engine_classification,
	[TASK_SCORE] = &eval_engine_score,
	[TASK_REGRESSION] = &eval_engine_regression,
	[TASK_ASR] = &eval_engine_asr,
};

/* ---- parameters ---- */

void eval_params_init(struct eval_params *p)
{
	memset(p, 0, sizeof(*p));
	p->confidence = 0.95;
	p->min_cohort_size = 30;
	p->min_speakers = EVAL_DEFAULT_MIN_SPEAKERS;
	p->tolerance = 0.8;
	p->significance = 0.05;
	p->threshold = 0.5;
	p->adjust = EVAL_ADJUST_HOLM;
	p->seed = EVAL_DEFAULT_SEED;
	p->bootstrap = EVAL_DEFAULT_BOOTSTRAP;
}

static void ref_release(struct eval_ref *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->attrs[i]);
		free(r->values[i]);
	}
	free(r->attrs);
	free(r->values);
}

void eval_params_release(struct eval_params *p)
{
	for (size_t g = 0; g < p->ngroupings; g++)
		for (size_t a = 0; a < p->groupings[g].nattrs; a++)
			free(p->groupings[g].attrs[a]);
	free(p->groupings);
	for (size_t r = 0; r < p->nrefs; r++)
		ref_release(&p->refs[r]);
	free(p->refs);
	for (size_t b = 0; b < p->nbins; b++) {
		free(p->bins[b].attr);
		free(p->bins[b].edges);
	}
	free(p->bins);
	for (size_t i = 0; i < p->nprimary; i++)
		free(p->primary[i]);
	free(p->primary);
	free(p->cond_attr);
	free(p->cond_baseline);
	cJSON_Delete(p->normalize);
	eval_params_init(p);
}

static struct eval_grouping *grouping_new(struct eval_params *p,
					  struct buf *err)
{
	struct eval_grouping *g;

	if (p->ngroupings >= EVAL_MAX_GROUPINGS) {
		buf_addf(err, "by has more than %d groupings "
			 "(EVAL_MAX_GROUPINGS)", EVAL_MAX_GROUPINGS);
		return NULL;
	}
	p->groupings = xrealloc(p->groupings,
				(p->ngroupings + 1) * sizeof(*p->groupings));
	g = &p->groupings[p->ngroupings++];
	memset(g, 0, sizeof(*g));
	p->by_set = true;
	return g;
}

/* Append attribute [s, s+n) to g; field names the grouping for errors. */
static int grouping_push(struct eval_grouping *g, const char *s, size_t n,
			 const char *field, struct buf *err)
{
	if (!n) {
		buf_addf(err, "%s: attribute names cannot be empty", field);
		return -1;
	}
	if (g->nattrs >= FA_MAX_COHORT_ATTRS) {
		buf_addf(err, "%s: a grouping can have at most %d attributes "
			 "(FA_MAX_COHORT_ATTRS)", field, FA_MAX_COHORT_ATTRS);
		return -1;
	}
	for (size_t a = 0; a < g->nattrs; a++) {
		if (strlen(g->attrs[a]) == n && !memcmp(g->attrs[a], s, n)) {
			buf_addf(err, "%s: attribute \"%.*s\" appears twice in "
				 "one grouping", field, (int)n, s);
			return -1;
		}
	}
	g->attrs[g->nattrs++] = xstrndup(s, n);
	return 0;
}

static struct eval_ref *ref_new(struct eval_params *p, struct buf *err)
{
	struct eval_ref *r;

	if (p->nrefs >= EVAL_MAX_REFERENCES) {
		buf_addf(err, "reference has more than %d objects "
			 "(EVAL_MAX_REFERENCES)", EVAL_MAX_REFERENCES);
		return NULL;
	}
	p->refs = xrealloc(p->refs, (p->nrefs + 1) * sizeof(*p->refs));
	r = &p->refs[p->nrefs++];
	memset(r, 0, sizeof(*r));
	return r;
}

static int ref_push(struct eval_ref *r, const char *a, size_t an,
		    const char *v, size_t vn, const char *field,
		    struct buf *err)
{
	if (!an) {
		buf_addf(err, "%s: attribute names cannot be empty", field);
		return -1;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (strlen(r->attrs[i]) == an && !memcmp(r->attrs[i], a, an)) {
			buf_addf(err, "%s: attribute \"%.*s\" is named twice",
				 field, (int)an, a);
			return -1;
		}
	}
	r->attrs = xrealloc(r->attrs, (r->n + 1) * sizeof(*r->attrs));
	r->values = xrealloc(r->values, (r->n + 1) * sizeof(*r->values));
	r->attrs[r->n] = xstrndup(a, an);
	r->values[r->n] = xstrndup(v, vn);
	r->n++;
	return 0;
}

/* Set (or replace) the edges of attribute [a, a+an); takes edges. */
static int bins_put(struct eval_params *p, const char *a, size_t an,
		    double *edges, size_t n, const char *field,
		    struct buf *err)
{
	struct eval_bins *b = NULL;
	char *name = xstrndup(a, an);

	if (!an || groupby_check_edges(edges, n, name, err)) {
		if (!an)
			buf_addf(err, "%s: attribute names cannot be empty",
				 field);
		free(name);
		free(edges);
		return -1;
	}
	for (size_t i = 0; i < p->nbins; i++)
		if (!strcmp(p->bins[i].attr, name))
			b = &p->bins[i];
	if (b) {
		free(b->attr);
		free(b->edges);
	} else {
		p->bins = xrealloc(p->bins, (p->nbins + 1) * sizeof(*p->bins));
		b = &p->bins[p->nbins++];
	}
	b->attr = name;
	b->edges = edges;
	b->nedges = n;
	return 0;
}

static const struct eval_bins *bins_find(const struct eval_params *p,
					 const char *attr)
{
	for (size_t i = 0; i < p->nbins; i++)
		if (!strcmp(p->bins[i].attr, attr))
			return &p->bins[i];
	return NULL;
}

struct scalar {
	const char *name;
	size_t off;
	double lo, hi;
	bool lo_open, hi_open;
	const char *range;
};

static const struct scalar scalars[] = {
	{ "confidence", offsetof(struct eval_params, confidence), 0, 1,
	  true, true, "greater than 0 and less than 1" },
	{ "tolerance", offsetof(struct eval_params, tolerance), 0, 1,
	  true, false, "greater than 0 and at most 1" },
	{ "significance", offsetof(struct eval_params, significance), 0, 1,
	  true, true, "greater than 0 and less than 1" },
	{ "threshold", offsetof(struct eval_params, threshold), 0, 1,
	  false, false, "between 0 and 1" },
};

static int scalar_set(struct eval_params *p, const struct scalar *s,
		      double v, struct buf *err)
{
	bool ok = isfinite(v) &&
		  (s->lo_open ? v > s->lo : v >= s->lo) &&
		  (s->hi_open ? v < s->hi : v <= s->hi);

	if (!ok) {
		buf_addf(err, "%s must be %s, got %.17g", s->name, s->range, v);
		return -1;
	}
	*(double *)((char *)p + s->off) = v;
	return 0;
}

/* The whole-number sizes: min_cohort_size and min_speakers. */
static uint64_t *size_field(struct eval_params *p, const char *name)
{
	if (!strcmp(name, "min_cohort_size"))
		return &p->min_cohort_size;
	if (!strcmp(name, "min_speakers"))
		return &p->min_speakers;
	return NULL;
}

static int size_set(struct eval_params *p, const char *name, double v,
		    struct buf *err)
{
	if (!(v >= 0 && v <= 9007199254740992.0 && v == floor(v))) {
		buf_addf(err, "%s must be a whole number of at least 0, got "
			 "%.17g", name, v);
		return -1;
	}
	*size_field(p, name) = (uint64_t)v;
	return 0;
}

/* Largest seed: every whole number up to 2^53 is exact in JSON. */
#define EVAL_MAX_SEED 9007199254740992.0

static int seed_set(struct eval_params *p, double v, struct buf *err)
{
	if (!(v >= 0 && v <= EVAL_MAX_SEED && v == floor(v))) {
		buf_addf(err, "seed must be a whole number from 0 to 2^53, "
			 "got %.17g", v);
		return -1;
	}
	p->seed = (uint64_t)v;
	return 0;
}

static int bootstrap_set(struct eval_params *p, double v, struct buf *err)
{
	if (!(v >= 0 && v <= EVAL_MAX_BOOTSTRAP && v == floor(v))) {
		buf_addf(err, "bootstrap must be a whole number of replicates "
			 "from 0 to %d (EVAL_MAX_BOOTSTRAP), got %.17g",
			 EVAL_MAX_BOOTSTRAP, v);
		return -1;
	}
	p->bootstrap = (uint32_t)v;
	return 0;
}

static int adjust_set(struct eval_params *p, const char *s, struct buf *err)
{
	if (!strcmp(s, "holm")) {
		p->adjust = EVAL_ADJUST_HOLM;
	} else if (!strcmp(s, "bh") || !strcmp(s, "BH") ||
		   !strcmp(s, "benjamini-hochberg")) {
		p->adjust = EVAL_ADJUST_BH;
	} else {
		buf_addf(err, "adjust must be \"holm\" or \"bh\", got \"%s\"",
			 s);
		return -1;
	}
	return 0;
}

static const char *adjust_name(enum eval_adjust a)
{
	return a == EVAL_ADJUST_BH ? "bh" : "holm";
}

/* ---- checks against the table ---- */

static void list_attrs(const struct table *t, struct buf *err)
{
	if (!t->nattrs) {
		buf_adds(err, "the data has no attributes");
		return;
	}
	buf_adds(err, "the data has ");
	for (size_t a = 0; a < t->nattrs && a < 20; a++)
		buf_addf(err, "%s%s", a ? ", " : "", t->attrs[a].name);
	if (t->nattrs > 20)
		buf_addf(err, " and %zu more", t->nattrs - 20);
}

static int attr_or_fail(const struct table *t, const char *name,
			const char *field, struct buf *err)
{
	int a = table_find_attr(t, name);

	if (a < 0) {
		buf_addf(err, "unknown attribute \"%s\" in %s; ", name, field);
		list_attrs(t, err);
	}
	return a;
}

/* Does value v name a level of attribute a (binned per p)? */
static bool value_exists(const struct eval_params *p, const struct table *t,
			 int a, const char *v)
{
	const struct eval_bins *b = bins_find(p, t->attrs[a].name);
	bool found = false;

	if (!b)
		return strmap_find(&t->attrs[a].dict, v, strlen(v)) >= 0;
	for (uint32_t l = 0; l < b->nedges + 2 && !found; l++) {
		struct buf lab = BUF_INIT;

		groupby_bin_label(&lab, b->edges, b->nedges, l);
		found = !strcmp(lab.s, v);
		buf_release(&lab);
	}
	return found;
}

/* A numeric attribute grouped by value makes a cohort of each value. */
#define WARN_DISTINCT_VALUES 10

/*
 * "warnings": a numeric attribute with more than WARN_DISTINCT_VALUES
 * values that a grouping uses without bins, with its quartiles as the
 * suggested edges.  Nothing is added when there is nothing to say.
 */
static void add_warnings(cJSON *out, const struct eval_params *p,
			 const struct table *t)
{
	cJSON *ws = NULL;
	bool *done = xcalloc(t->nattrs + 1, sizeof(*done));

	for (size_t g = 0; g < p->ngroupings; g++) {
		for (size_t k = 0; k < p->groupings[g].nattrs; k++) {
			int a = table_find_attr(t, p->groupings[g].attrs[k]);
			const struct attr_col *c;
			struct buf msg = BUF_INIT, edges = BUF_INIT;
			double *v, q[3], last = NAN;
			size_t n = 0;
			cJSON *w, *e;

			if (a < 0 || done[a])
				continue;
			done[a] = true;
			c = &t->attrs[a];
			if (!c->numeric || !c->num || bins_find(p, c->name) ||
			    c->dict.n - 1 <= WARN_DISTINCT_VALUES)
				continue;
			v = xmalloc((t->nrows + 1) * sizeof(*v));
			for (size_t r = 0; r < t->nrows; r++)
				if (!isnan(c->num[c->codes[r]]))
					v[n++] = c->num[c->codes[r]];
			qsort(v, n, sizeof(*v), cmp_double);
			if (!ws)
				ws = cJSON_AddArrayToObject(out, "warnings");
			w = cJSON_CreateObject();
			cJSON_AddStringToObject(w, "attribute", c->name);
			cJSON_AddNumberToObject(w, "distinct_values",
						(double)(c->dict.n - 1));
			e = cJSON_AddArrayToObject(w, "suggested_bins");
			for (int i = 0; i < 3 && n; i++) {
				q[i] = gsl_stats_quantile_from_sorted_data(v, 1, n,
									   0.25 * (i + 1));
				if (i && q[i] == last)
					continue;
				last = q[i];
				cJSON_AddItemToArray(e, cJSON_CreateNumber(q[i]));
				buf_addf(&edges, "%s%g", edges.len ? "," : "", q[i]);
			}
			buf_addf(&msg, "attribute \"%s\" is numeric with %u "
				 "distinct values and was grouped without bins, "
				 "so each value is a cohort of its own; bin it, "
				 "e.g. by its quartiles: \"bins\": {\"%s\": [%s]}"
				 " (or ?bins=%s=%s)", c->name, c->dict.n - 1,
				 c->name, edges.s, c->name, edges.s);
			cJSON_AddStringToObject(w, "message", msg.s);
			cJSON_AddItemToArray(ws, w);
			buf_release(&msg);
			buf_release(&edges);
			free(v);
		}
	}
	free(done);
}

static int check_table(const struct eval_params *p, const struct table *t,
		       struct buf *err)
{
	char field[64];

	for (size_t b = 0; b < p->nbins; b++) {
		int a;

		snprintf(field, sizeof(field), "bins");
		a = attr_or_fail(t, p->bins[b].attr, field, err);
		if (a < 0)
			return -1;
		if (!t->attrs[a].numeric || !t->attrs[a].num) {
			buf_addf(err, "cannot bin attribute \"%s\": it has "
				 "values that are not numbers",
				 p->bins[b].attr);
			return -1;
		}
	}
	for (size_t g = 0; g < p->ngroupings; g++) {
		for (size_t i = 0; i < p->groupings[g].nattrs; i++) {
			snprintf(field, sizeof(field), "by[%zu]", g);
			if (attr_or_fail(t, p->groupings[g].attrs[i], field,
					 err) < 0)
				return -1;
		}
	}
	if (p->cond_attr) {
		int a = attr_or_fail(t, p->cond_attr, "condition", err);

		if (a < 0)
			return -1;
		if (!value_exists(p, t, a, p->cond_baseline)) {
			buf_addf(err, "condition: baseline \"%s\" of attribute "
				 "\"%s\" does not occur in the data",
				 p->cond_baseline, p->cond_attr);
			return -1;
		}
		for (size_t g = 0; g < p->ngroupings; g++)
			for (size_t i = 0; i < p->groupings[g].nattrs; i++)
				if (!strcmp(p->groupings[g].attrs[i],
					    p->cond_attr)) {
					buf_addf(err, "condition: attribute "
						 "\"%s\" is also grouped by "
						 "(by[%zu]); the condition is "
						 "compared within each cohort",
						 p->cond_attr, g);
					return -1;
				}
	}
	for (size_t r = 0; r < p->nrefs; r++) {
		const struct eval_ref *ref = &p->refs[r];

		if (p->ref_list)
			snprintf(field, sizeof(field), "reference[%zu]", r);
		else
			snprintf(field, sizeof(field), "reference");
		for (size_t i = 0; i < ref->n; i++) {
			int a = attr_or_fail(t, ref->attrs[i], field, err);

			if (a < 0)
				return -1;
			if (!value_exists(p, t, a, ref->values[i])) {
				buf_addf(err, "%s: value \"%s\" of attribute "
					 "\"%s\" does not occur in the data",
					 field, ref->values[i], ref->attrs[i]);
				return -1;
			}
		}
	}
	return 0;
}

/* ---- JSON request ---- */

static const char *const known_fields[] = {
	"by", "reference", "bins", "confidence", "min_cohort_size",
	"min_speakers", "tolerance", "significance", "adjust", "threshold",
	"normalize", "seed", "bootstrap", "primary", "condition",
};

/* One primary metric key (s, n bytes); -1 with err if empty or repeated. */
static int primary_push(struct eval_params *p, const char *s, size_t n,
			struct buf *err)
{
	if (!n || n > 64 || memchr(s, 0, n)) {
		buf_adds(err, "primary names metric keys such as \"fpr\"");
		return -1;
	}
	for (size_t i = 0; i < p->nprimary; i++)
		if (strlen(p->primary[i]) == n && !memcmp(p->primary[i], s, n)) {
			buf_addf(err, "primary names metric \"%.*s\" twice",
				 (int)n, s);
			return -1;
		}
	if (p->nprimary >= 64) {
		buf_adds(err, "primary names more than 64 metrics");
		return -1;
	}
	p->primary = xrealloc(p->primary,
			      (p->nprimary + 1) * sizeof(*p->primary));
	p->primary[p->nprimary++] = xstrndup(s, n);
	return 0;
}

static int parse_by(struct eval_params *p, const cJSON *by, struct buf *err)
{
	const cJSON *el;
	size_t i = 0;
	char field[64];

	if (!cJSON_IsArray(by)) {
		buf_addf(err, "by must be a list of groupings, each a list of "
			 "attribute names");
		return -1;
	}
	p->by_set = true;
	cJSON_ArrayForEach(el, by) {
		struct eval_grouping *g = grouping_new(p, err);
		const cJSON *name;
		size_t j = 0;

		if (!g)
			return -1;
		snprintf(field, sizeof(field), "by[%zu]", i);
		if (cJSON_IsString(el)) {
			if (grouping_push(g, el->valuestring,
					  strlen(el->valuestring), field, err))
				return -1;
		} else if (cJSON_IsArray(el) && cJSON_GetArraySize(el) > 0) {
			cJSON_ArrayForEach(name, el) {
				if (!cJSON_IsString(name)) {
					buf_addf(err, "by[%zu][%zu] must be an "
						 "attribute name (a string)",
						 i, j);
					return -1;
				}
				if (grouping_push(g, name->valuestring,
						  strlen(name->valuestring),
						  field, err))
					return -1;
				j++;
			}
		} else {
			buf_addf(err, "%s must be a non-empty list of "
				 "attribute names", field);
			return -1;
		}
		i++;
	}
	return 0;
}

static int parse_ref_object(struct eval_params *p, const cJSON *o,
			    const char *field, struct buf *err)
{
	struct eval_ref *r;
	const cJSON *kv;

	if (!cJSON_IsObject(o) || !o->child) {
		buf_addf(err, "%s must be a non-empty object of attribute "
			 "names to values", field);
		return -1;
	}
	r = ref_new(p, err);
	if (!r)
		return -1;
	cJSON_ArrayForEach(kv, o) {
		if (!cJSON_IsString(kv)) {
			buf_addf(err, "%s.%s must be a string", field,
				 kv->string);
			return -1;
		}
		if (ref_push(r, kv->string, strlen(kv->string),
			     kv->valuestring, strlen(kv->valuestring), field,
			     err))
			return -1;
	}
	return 0;
}

static int parse_reference(struct eval_params *p, const cJSON *ref,
			   struct buf *err)
{
	const cJSON *el;
	size_t i = 0;
	char field[64];

	if (cJSON_IsObject(ref))
		return parse_ref_object(p, ref, "reference", err);
	if (!cJSON_IsArray(ref)) {
		buf_addf(err, "reference must be an object of attribute names "
			 "to values, or a list of such objects");
		return -1;
	}
	p->ref_list = true;
	cJSON_ArrayForEach(el, ref) {
		snprintf(field, sizeof(field), "reference[%zu]", i++);
		if (parse_ref_object(p, el, field, err))
			return -1;
	}
	return 0;
}

static int parse_bins(struct eval_params *p, const cJSON *bins,
		      struct buf *err)
{
	const cJSON *kv, *e;
	struct buf field = BUF_INIT;

	if (!cJSON_IsObject(bins)) {
		buf_addf(err, "bins must be an object of attribute names to "
			 "lists of edges");
		return -1;
	}
	cJSON_ArrayForEach(kv, bins) {
		size_t n = 0, cap;
		double *edges;
		int rc;

		buf_reset(&field);
		buf_addf(&field, "bins.%s", kv->string);
		if (!cJSON_IsArray(kv)) {
			buf_addf(err, "%s must be a list of numbers", field.s);
			buf_release(&field);
			return -1;
		}
		cap = (size_t)cJSON_GetArraySize(kv);
		if (cap > GROUPBY_MAX_EDGES)
			cap = GROUPBY_MAX_EDGES + 1;
		edges = xmalloc((cap ? cap : 1) * sizeof(*edges));
		cJSON_ArrayForEach(e, kv) {
			if (!cJSON_IsNumber(e)) {
				buf_addf(err, "%s[%zu] must be a number",
					 field.s, n);
				free(edges);
				buf_release(&field);
				return -1;
			}
			if (n == cap)
				break;
			edges[n++] = e->valuedouble;
		}
		rc = bins_put(p, kv->string, strlen(kv->string), edges, n,
			      field.s, err);
		if (rc) {
			buf_release(&field);
			return -1;
		}
	}
	buf_release(&field);
	return 0;
}

int eval_params_parse(struct eval_params *p, const cJSON *req,
		      const struct table *t, struct buf *err)
{
	const cJSON *it;

	if (!cJSON_IsObject(req)) {
		buf_addf(err, "the evaluation request must be a JSON object");
		return -1;
	}
	cJSON_ArrayForEach(it, req) {
		bool known = false;

		for (size_t i = 0; i < ARRAY_SIZE(known_fields); i++)
			if (!strcmp(it->string, known_fields[i]))
				known = true;
		if (!known) {
			buf_addf(err, "unknown field \"%s\" in the evaluation "
				 "request", it->string);
			return -1;
		}
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "bins");
	if (it && !cJSON_IsNull(it) && parse_bins(p, it, err))
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(req, "by");
	if (it && !cJSON_IsNull(it) && parse_by(p, it, err))
		return -1;
	it = cJSON_GetObjectItemCaseSensitive(req, "reference");
	if (it && !cJSON_IsNull(it) && parse_reference(p, it, err))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++) {
		it = cJSON_GetObjectItemCaseSensitive(req, scalars[i].name);
		if (!it || cJSON_IsNull(it))
			continue;
		if (!cJSON_IsNumber(it)) {
			buf_addf(err, "%s must be a number", scalars[i].name);
			return -1;
		}
		if (scalar_set(p, &scalars[i], it->valuedouble, err))
			return -1;
	}
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "min_speakers" : "min_cohort_size";

		it = cJSON_GetObjectItemCaseSensitive(req, name);
		if (!it || cJSON_IsNull(it))
			continue;
		if (!cJSON_IsNumber(it)) {
			buf_addf(err, "%s must be a number", name);
			return -1;
		}
		if (size_set(p, name, it->valuedouble, err))
			return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "seed");
	if (it && !cJSON_IsNull(it)) {
		if (!cJSON_IsNumber(it)) {
			buf_addf(err, "seed must be a number");
			return -1;
		}
		if (seed_set(p, it->valuedouble, err))
			return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "bootstrap");
	if (it && !cJSON_IsNull(it)) {
		if (!cJSON_IsNumber(it)) {
			buf_addf(err, "bootstrap must be a number");
			return -1;
		}
		if (bootstrap_set(p, it->valuedouble, err))
			return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "adjust");
	if (it && !cJSON_IsNull(it)) {
		if (!cJSON_IsString(it)) {
			buf_addf(err, "adjust must be \"holm\" or \"bh\"");
			return -1;
		}
		if (adjust_set(p, it->valuestring, err))
			return -1;
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "condition");
	if (it && !cJSON_IsNull(it)) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "attribute");
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, "baseline");

		if (!cJSON_IsObject(it) || cJSON_GetArraySize(it) != 2 ||
		    !cJSON_IsString(a) || !cJSON_IsString(b) ||
		    !*a->valuestring) {
			buf_adds(err, "condition must be {\"attribute\": NAME, "
				 "\"baseline\": LEVEL}");
			return -1;
		}
		free(p->cond_attr);
		free(p->cond_baseline);
		p->cond_attr = xstrdup(a->valuestring);
		p->cond_baseline = xstrdup(b->valuestring);
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "primary");
	if (it && !cJSON_IsNull(it)) {
		const cJSON *m;

		if (!cJSON_IsArray(it) || !cJSON_GetArraySize(it)) {
			buf_adds(err, "primary must be a non-empty list of "
				 "metric keys");
			return -1;
		}
		cJSON_ArrayForEach(m, it)
			if (!cJSON_IsString(m) ||
			    primary_push(p, m->valuestring,
					 strlen(m->valuestring), err)) {
				if (!err->len)
					buf_adds(err, "primary must be a list of "
						 "metric keys");
				return -1;
			}
	}
	it = cJSON_GetObjectItemCaseSensitive(req, "normalize");
	if (it && !cJSON_IsNull(it)) {
		cJSON_Delete(p->normalize);
		p->normalize = cJSON_Duplicate(it, true);
	}
	if (t && check_table(p, t, err))
		return -1;
	return 0;
}

/* ---- command-line setters ---- */

int eval_params_add_grouping(struct eval_params *p, const char *csv,
			     struct buf *err)
{
	struct eval_grouping *g = grouping_new(p, err);
	const char *s = csv;

	if (!g)
		return -1;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (grouping_push(g, s, n, "--by", err))
			return -1;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

int eval_params_add_reference(struct eval_params *p, const char *spec,
			      struct buf *err)
{
	struct eval_ref *r;
	const char *s = spec;

	if (p->nrefs)
		p->ref_list = true;
	r = ref_new(p, err);
	if (!r)
		return -1;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);
		const char *eq = memchr(s, '=', n);

		if (!eq) {
			buf_addf(err, "--reference \"%s\" must be "
				 "attribute=value[,attribute=value...]", spec);
			return -1;
		}
		if (ref_push(r, s, (size_t)(eq - s), eq + 1,
			     n - (size_t)(eq - s) - 1, "--reference", err))
			return -1;
		if (!comma)
			break;
		s = comma + 1;
	}
	return 0;
}

int eval_params_add_bins(struct eval_params *p, const char *spec,
			 struct buf *err)
{
	const char *eq = strchr(spec, '='), *s;
	double *edges;
	size_t n = 0, cap = 1;

	if (!eq) {
		buf_addf(err, "--bins \"%s\" must be attribute=edge,edge,...",
			 spec);
		return -1;
	}
	for (s = eq + 1; *s; s++)
		cap += *s == ',';
	edges = xmalloc(cap * sizeof(*edges));
	s = eq + 1;
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);

		if (parse_double(s, len, &edges[n])) {
			buf_addf(err, "--bins \"%s\": \"%.*s\" is not a number",
				 spec, (int)len, s);
			free(edges);
			return -1;
		}
		n++;
		if (!comma)
			break;
		s = comma + 1;
	}
	return bins_put(p, spec, (size_t)(eq - spec), edges, n, "--bins",
			err);
}

int eval_params_set(struct eval_params *p, const char *name,
		    const char *value, struct buf *err)
{
	char key[32];
	size_t n = strlen(name);
	double v;

	if (n >= sizeof(key)) {
		buf_addf(err, "unknown evaluation option \"%s\"", name);
		return -1;
	}
	for (size_t i = 0; i <= n; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	if (!strcmp(key, "by"))
		return eval_params_add_grouping(p, value, err);
	if (!strcmp(key, "reference"))
		return eval_params_add_reference(p, value, err);
	if (!strcmp(key, "bins"))
		return eval_params_add_bins(p, value, err);
	if (!strcmp(key, "adjust"))
		return adjust_set(p, value, err);
	if (!strcmp(key, "condition")) {
		const char *eq = strchr(value, '=');

		if (!eq || eq == value) {
			buf_addf(err, "--condition takes ATTRIBUTE=BASELINE, got "
				 "\"%s\"", value);
			return -1;
		}
		free(p->cond_attr);
		free(p->cond_baseline);
		p->cond_attr = xstrndup(value, (size_t)(eq - value));
		p->cond_baseline = xstrdup(eq + 1);
		return 0;
	}
	if (!strcmp(key, "primary")) {
		for (const char *s = value;;) {
			size_t len = strcspn(s, ",");

			if (primary_push(p, s, len, err))
				return -1;
			if (!s[len])
				return 0;
			s += len + 1;
		}
	}
	if (size_field(p, key)) {
		int64_t i;

		if (parse_i64(value, strlen(value), &i) || i < 0) {
			buf_addf(err, "%s must be a whole number of at least "
				 "0, got \"%s\"", key, value);
			return -1;
		}
		return size_set(p, key, (double)i, err);
	}
	if (!strcmp(key, "seed") || !strcmp(key, "bootstrap")) {
		int64_t i;

		if (parse_i64(value, strlen(value), &i) || i < 0) {
			buf_addf(err, "%s must be a whole number of at least 0, "
				 "got \"%s\"", key, value);
			return -1;
		}
		return key[0] == 's' ? seed_set(p, (double)i, err)
				     : bootstrap_set(p, (double)i, err);
	}
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++) {
		if (strcmp(key, scalars[i].name))
			continue;
		if (parse_double(value, strlen(value), &v)) {
			buf_addf(err, "%s must be %s, got \"%s\"", key,
				 scalars[i].range, value);
			return -1;
		}
		return scalar_set(p, &scalars[i], v, err);
	}
	buf_addf(err, "unknown evaluation option \"%s\"", name);
	return -1;
}

/* ---- the run ---- */

/* The words for each enum eval_small. */
static const struct {
	const char *cohort, *padj, *padj_ref;
} small_reason[] = {
	[EVAL_SMALL_NO] = { NULL, NULL, NULL },
	[EVAL_SMALL_ROWS] = { "n < min_cohort_size",
			      "cohort smaller than min_cohort_size",
			      "reference cohort smaller than min_cohort_size" },
	[EVAL_SMALL_SPEAKERS] = { "speakers < min_speakers",
				  "cohort with fewer speakers than "
				  "min_speakers",
				  "reference cohort with fewer speakers than "
				  "min_speakers" },
};

struct grp {
	size_t nattrs;
	int attrs[FA_MAX_COHORT_ATTRS];
	struct groupby g;
	size_t ref;
	bool requested;
	struct mval *vals;		/* ncohorts x nmetrics */
	struct disparity *disp;		/* ncohorts x nmetrics */
	double *padj;			/* ncohorts x nmetrics */
	const char **padj_reason;	/* ncohorts x nmetrics */
	double *peq, *peq_adj;		/* ncohorts x nmetrics: TOST p */
	double *pfam;			/* ncohorts x nmetrics: p in the
					   primary or secondary family */
	uint8_t *small;			/* ncohorts, enum eval_small */
};

static bool is_primary(const struct eval_task *et, size_t k);

static void grp_release(struct grp *r)
{
	groupby_release(&r->g);
	free(r->vals);
	free(r->disp);
	free(r->padj);
	free(r->padj_reason);
	free(r->peq);
	free(r->peq_adj);
	free(r->pfam);
	free(r->small);
}

/* Pick the reference cohort of r; -1 with err if a named one is absent. */
static int choose_reference(struct grp *r, const struct eval_params *p,
			    const struct table *t, struct buf *err)
{
	const struct groupby *g = &r->g;
	uint32_t lv[FA_MAX_COHORT_ATTRS];

	for (size_t i = 0; i < p->nrefs; i++) {
		const struct eval_ref *ref = &p->refs[i];
		size_t named = 0;
		int64_t c;

		for (size_t a = 0; a < r->nattrs; a++) {
			const char *name = t->attrs[r->attrs[a]].name;

			for (size_t k = 0; k < ref->n; k++) {
				int64_t l;

				if (strcmp(ref->attrs[k], name))
					continue;
				l = groupby_find_level(g, a, ref->values[k],
						       strlen(ref->values[k]));
				lv[a] = l < 0 ? UINT32_MAX : (uint32_t)l;
				named++;
			}
		}
		if (named < r->nattrs)
			continue;
		c = groupby_find(g, lv);
		if (c < 0) {
			buf_adds(err, "the requested reference cohort ");
			for (size_t a = 0; a < r->nattrs; a++)
				for (size_t k = 0; k < ref->n; k++)
					if (!strcmp(ref->attrs[k],
						    t->attrs[r->attrs[a]].name))
						buf_addf(err, "%s%s=\"%s\"",
							 a ? ", " : "",
							 ref->attrs[k],
							 ref->values[k]);
			buf_adds(err, " has no rows");
			return -1;
		}
		r->ref = (size_t)c;
		r->requested = true;
		return 0;
	}
	r->ref = 0;
	for (size_t c = 1; c < g->ncohorts; c++)
		if (g->size[c] > g->size[r->ref])
			r->ref = c;
	return 0;
}

void eval_json_number(cJSON *o, const char *key, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static cJSON *metric_json(const struct mval *m)
{
	cJSON *o = cJSON_CreateObject();

	if (m->reason) {
		cJSON_AddNullToObject(o, "value");
		cJSON_AddStringToObject(o, "reason", m->reason);
		return o;
	}
	eval_json_number(o, "value", m->value);
	if (m->kind == MVAL_COUNT || m->kind == MVAL_PLAIN)
		return o;
	eval_json_number(o, "low", m->low);
	eval_json_number(o, "high", m->high);
	if (m->ci_reason)
		cJSON_AddStringToObject(o, "interval_reason", m->ci_reason);
	return o;
}

static cJSON *disparity_json(const struct disparity *d, double padj,
			     const char *padj_reason)
{
	cJSON *o = cJSON_CreateObject();

	if (d->reason) {
		cJSON_AddNullToObject(o, "difference");
		cJSON_AddNullToObject(o, "ratio");
		cJSON_AddNullToObject(o, "p_value");
		cJSON_AddNullToObject(o, "p_adjusted");
		cJSON_AddStringToObject(o, "reason", d->reason);
		return o;
	}
	eval_json_number(o, "difference", d->diff);
	eval_json_number(o, "diff_low", d->diff_low);
	eval_json_number(o, "diff_high", d->diff_high);
	if (d->diff_ci_reason)
		cJSON_AddStringToObject(o, "diff_interval_reason",
					d->diff_ci_reason);
	eval_json_number(o, "ratio", d->ratio);
	eval_json_number(o, "ratio_low", d->ratio_low);
	eval_json_number(o, "ratio_high", d->ratio_high);
	if (d->ratio_reason)
		cJSON_AddStringToObject(o, "ratio_reason", d->ratio_reason);
	else if (d->ratio_ci_reason)
		cJSON_AddStringToObject(o, "ratio_interval_reason",
					d->ratio_ci_reason);
	if (d->ratio_corrected)
		cJSON_AddTrueToObject(o, "ratio_corrected");
	eval_json_number(o, "p_value", d->p);
	if (d->p_reason)
		cJSON_AddStringToObject(o, "p_value_reason", d->p_reason);
	eval_json_number(o, "p_adjusted", padj);
	if (padj_reason)
		cJSON_AddStringToObject(o, "p_adjusted_reason", padj_reason);
	cJSON_AddStringToObject(o, "test", d->test);
	return o;
}

/*
 * The object metric m goes into: obj itself, or obj.per_class[m->cls].
 * Metrics of one class are consecutive, so one cached object suffices.
 */
struct slot {
	const char *cls;
	cJSON *obj;
};

static cJSON *slot_for(cJSON *obj, const struct eval_metric *m,
		       struct slot *sl)
{
	cJSON *pc;

	if (!m->cls)
		return obj;
	if (sl->cls == m->cls && sl->obj)
		return sl->obj;
	pc = cJSON_GetObjectItemCaseSensitive(obj, "per_class");
	if (!pc)
		pc = cJSON_AddObjectToObject(obj, "per_class");
	sl->cls = m->cls;
	sl->obj = cJSON_AddObjectToObject(pc, m->cls);
	return sl->obj;
}

static cJSON *metrics_json(const struct eval_task *et, const struct mval *v)
{
	cJSON *o = cJSON_CreateObject();
	struct slot sl = { 0 };

	for (size_t k = 0; k < et->nmetrics; k++)
		cJSON_AddItemToObject(slot_for(o, &et->metrics[k], &sl),
				      et->metrics[k].name, metric_json(&v[k]));
	return o;
}

static cJSON *attributes_json(const struct table *t, const struct grp *r,
			      size_t c)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t a = 0; a < r->nattrs; a++)
		cJSON_AddStringToObject(o, t->attrs[r->attrs[a]].name,
					groupby_label(&r->g, c, a, NULL));
	return o;
}

static void flag_name(struct buf *b, const struct eval_metric *m)
{
	buf_reset(b);
	if (m->cls)
		buf_addf(b, "%s[%s]", m->name, m->cls);
	else
		buf_adds(b, m->name);
}

/*
 * The verdict on metric k of cohort c (not the reference) and, for an
 * inconclusive one, why (verdict.h).
 */
static enum verdict judge(const struct eval_task *et, const struct grp *r,
			  size_t c, size_t k, const char **why)
{
	const struct eval_params *p = et->p;
	size_t i = c * et->nmetrics + k;
	const struct disparity *d = &r->disp[i];
	double padj = r->pfam[i], peq = r->peq_adj[i];
	bool outside;

	*why = NULL;
	if (!metric_judged(et->metrics[k].name))
		return VERDICT_NONE;
	if (r->small[c] || r->small[r->ref]) {
		*why = r->small[c] ? small_reason[r->small[c]].padj :
		       small_reason[r->small[r->ref]].padj_ref;
		return VERDICT_INCONCLUSIVE;
	}
	if (d->reason || d->ratio_reason || isnan(d->ratio)) {
		*why = d->reason ? d->reason : d->ratio_reason ?
		       d->ratio_reason : "no ratio to the reference";
		return VERDICT_INCONCLUSIVE;
	}
	outside = d->ratio < p->tolerance || d->ratio > 1 / p->tolerance;
	if (outside && !isnan(padj) && padj < p->significance)
		return VERDICT_DISPARITY;
	if (!isnan(peq) && peq < p->significance)
		return VERDICT_WITHIN;
	if (isnan(peq) && isnan(padj))
		*why = "no interval or p-value to judge by";
	else if (outside)
		*why = "outside the tolerance, but not significantly";
	else
		*why = "inside the tolerance, but its interval reaches beyond "
		       "it";
	return VERDICT_INCONCLUSIVE;
}

/*
 * What the comparison of rate k could detect (metrics/power.h): the
 * smallest ratio found with 80 % power at the family's level (Bonferroni
 * over the primary family's tests), in the direction that harms (or, for
 * a metric with none, the direction observed), and how much more data
 * the cohort would need, its reference as it is, to detect the
 * tolerance's ratio.  A proportion stands on its n trials, counted in
 * the cohort's rows ("examples", scaled from the rate's denominator); a
 * clustered rate (speech) on its effective trials (struct mval eff_n),
 * counted in its clusters ("speakers"): the design effect the
 * cluster bootstrap implies is kept as more speakers are added.  NULL
 * when the rate has neither.
 */
static cJSON *power_json(const struct eval_task *et, const struct grp *r,
			 size_t c, size_t k)
{
	size_t nm = et->nmetrics;
	const struct mval *v = &r->vals[c * nm + k];
	const struct mval *ref = &r->vals[r->ref * nm + k];
	enum harm h = metric_harm(et->metrics[k].name);
	double alpha = et->p->significance /
		       (double)(et->family_size ? et->family_size : 1);
	bool up = h == HARM_HIGHER ||
		  (h == HARM_NONE && !(v->value < ref->value));
	double target = up ? 1 / et->p->tolerance : et->p->tolerance;
	double p2 = ref->value, n1, n2, per, mdr, need;
	const char *unit = "examples";
	struct buf key = BUF_INIT;
	cJSON *o;

	if (v->kind == MVAL_PROP) {
		n1 = (double)v->n;
		n2 = (double)ref->n;
		per = v->n ? (double)r->g.size[c] / (double)v->n : NAN;
	} else if (v->eff_n > 0 || ref->eff_n > 0) {
		n1 = v->eff_n;
		n2 = ref->eff_n;
		per = v->eff_n > 0 ? v->units / v->eff_n : NAN;
		unit = v->unit ? v->unit : ref->unit;
	} else {
		return NULL;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "alpha", alpha);
	cJSON_AddNumberToObject(o, "power", 0.8);
	cJSON_AddStringToObject(o, "unit", unit);
	if (v->kind != MVAL_PROP) {
		eval_json_number(o, "design_effect", v->eff_n > 0 ? v->deff :
				 NAN);
		eval_json_number(o, "reference_design_effect",
				 ref->eff_n > 0 ? ref->deff : NAN);
	}
	if (v->reason || ref->reason || !(p2 > 0 && p2 < 1) || !(n1 > 0) ||
	    !(n2 > 0)) {
		cJSON_AddNullToObject(o, "detectable_ratio");
		buf_addf(&key, "%s_for_tolerance", unit);
		cJSON_AddNullToObject(o, key.s);
		cJSON_AddStringToObject(o, "reason", v->kind == MVAL_PROP ?
			"the reference rate is 0 or 1, or a rate is undefined" :
			"a rate is undefined, 0, or 1 or more, or has no "
			"bootstrap variance");
		buf_release(&key);
		return o;
	}
	mdr = power_mdr(p2, n1, n2, alpha, 0.8, up);
	need = p2 * target < 1 ? power_n1_for(p2 * target, p2, n2, alpha, 0.8) :
	       INFINITY;
	eval_json_number(o, "detectable_ratio", mdr);
	cJSON_AddStringToObject(o, "direction", up ? "higher" : "lower");
	cJSON_AddNumberToObject(o, "target_ratio", target);
	buf_addf(&key, "%s_for_tolerance", unit);
	if (isfinite(need)) {
		double more = ceil(((need > n1 ? need : n1) - n1) * per);

		cJSON_AddNumberToObject(o, key.s, ceil(need * per));
		buf_reset(&key);
		buf_addf(&key, "more_%s", unit);
		cJSON_AddNumberToObject(o, key.s, more);
	} else {
		cJSON_AddNullToObject(o, key.s);
		buf_reset(&key);
		buf_addf(&key, "more_%s", unit);
		cJSON_AddNullToObject(o, key.s);
		cJSON_AddStringToObject(o, "reason", "the reference cohort is "
					"too small for the tolerance's ratio to "
					"be found at any size of this cohort");
	}
	/* Both cohorts alike, when the reference may grow too. */
	buf_reset(&key);
	buf_addf(&key, "%s_each_for_tolerance", unit);
	if (p2 * target < 1)
		eval_json_number(o, key.s,
				 ceil(power_n_equal(p2 * target, p2, alpha, 0.8,
						    false) * per));
	buf_release(&key);
	return o;
}

static cJSON *cohort_json(const struct eval_task *et, const struct grp *r,
			  size_t c)
{
	size_t nm = et->nmetrics;
	cJSON *o = cJSON_CreateObject(), *disp, *flags;
	struct slot sl = { 0 };
	struct buf name = BUF_INIT;
	bool is_ref = c == r->ref;

	cJSON_AddItemToObject(o, "attributes", attributes_json(et->t, r, c));
	cJSON_AddNumberToObject(o, "n", (double)r->g.size[c]);
	cJSON_AddBoolToObject(o, "too_small", r->small[c] != EVAL_SMALL_NO);
	if (r->small[c])
		cJSON_AddStringToObject(o, "too_small_reason",
					small_reason[r->small[c]].cohort);
	cJSON_AddBoolToObject(o, "reference", is_ref);
	cJSON_AddItemToObject(o, "metrics", metrics_json(et, &r->vals[c * nm]));
	disp = cJSON_AddObjectToObject(o, "disparity");
	flags = cJSON_AddArrayToObject(o, "flags");
	if (is_ref)
		return o;
	for (size_t k = 0; k < nm; k++) {
		const struct eval_metric *m = &et->metrics[k];
		const struct disparity *d = &r->disp[c * nm + k];
		double padj = r->padj[c * nm + k];
		const char *dir = direction_name(metric_harm(m->name), d->diff);
		const char *why;
		enum verdict v;
		cJSON *dj, *pw;

		if (!mval_comparable(m->kind))
			continue;
		v = judge(et, r, c, k, &why);
		dj = disparity_json(d, padj, r->padj_reason[c * nm + k]);
		if (!d->reason && dir)
			cJSON_AddStringToObject(dj, "direction", dir);
		else if (!d->reason)
			cJSON_AddNullToObject(dj, "direction");
		if (metric_judged(m->name)) {
			eval_json_number(dj, "p_family", r->pfam[c * nm + k]);
			cJSON_AddStringToObject(dj, "family", is_primary(et, k) ?
						"primary" : "secondary");
		}
		eval_json_number(dj, "p_equivalence", r->peq[c * nm + k]);
		eval_json_number(dj, "p_equivalence_adjusted",
				 r->peq_adj[c * nm + k]);
		if (verdict_name(v))
			cJSON_AddStringToObject(dj, "verdict", verdict_name(v));
		else
			cJSON_AddNullToObject(dj, "verdict");
		if (why)
			cJSON_AddStringToObject(dj, "verdict_reason", why);
		if (v != VERDICT_NONE && !r->small[c] && !r->small[r->ref] &&
		    (pw = power_json(et, r, c, k)))
			cJSON_AddItemToObject(dj, "power", pw);
		cJSON_AddItemToObject(slot_for(disp, m, &sl), m->name, dj);
		if (v == VERDICT_DISPARITY && is_primary(et, k)) {
			flag_name(&name, m);
			cJSON_AddItemToArray(flags,
					     cJSON_CreateString(name.s));
		}
	}
	buf_release(&name);
	return o;
}

static cJSON *spread_json(const struct eval_task *et, const struct grp *r)
{
	size_t nm = et->nmetrics, nc = r->g.ncohorts;
	cJSON *o = cJSON_CreateObject();
	double *v = xmalloc((nc ? nc : 1) * sizeof(*v));
	struct slot sl = { 0 };

	for (size_t k = 0; k < nm; k++) {
		const struct eval_metric *m = &et->metrics[k];
		struct spread s;
		cJSON *so;

		if (m->kind == MVAL_COUNT)
			continue;
		for (size_t c = 0; c < nc; c++)
			v[c] = r->vals[c * nm + k].reason
				       ? NAN : r->vals[c * nm + k].value;
		for (size_t c = 0; c < nc; c++)
			if (r->small[c])
				v[c] = NAN;
		spread_compute(&s, v, NULL, nc);
		so = cJSON_AddObjectToObject(slot_for(o, m, &sl), m->name);
		eval_json_number(so, "difference", s.diff);
		eval_json_number(so, "ratio", s.ratio);
		if (s.reason) {
			cJSON_AddStringToObject(so, "reason", s.reason);
			continue;
		}
		if (s.ratio_reason)
			cJSON_AddStringToObject(so, "ratio_reason",
						s.ratio_reason);
		eval_json_number(so, "min", s.min);
		eval_json_number(so, "max", s.max);
		cJSON_AddItemToObject(so, "min_cohort",
				      attributes_json(et->t, r, s.imin));
		cJSON_AddItemToObject(so, "max_cohort",
				      attributes_json(et->t, r, s.imax));
	}
	free(v);
	return o;
}

static cJSON *grouping_json(const struct eval_task *et, const struct grp *r)
{
	cJSON *o = cJSON_CreateObject(), *by, *cohorts;

	by = cJSON_AddArrayToObject(o, "by");
	for (size_t a = 0; a < r->nattrs; a++)
		cJSON_AddItemToArray(by, cJSON_CreateString(
					 et->t->attrs[r->attrs[a]].name));
	if (r->g.ncohorts) {
		cJSON_AddItemToObject(o, "reference",
				      attributes_json(et->t, r, r->ref));
		cJSON_AddStringToObject(o, "reference_source",
					r->requested ? "requested" : "largest");
	} else {
		cJSON_AddNullToObject(o, "reference");
		cJSON_AddNullToObject(o, "reference_source");
	}
	cJSON_AddItemToObject(o, "spread", spread_json(et, r));
	cohorts = cJSON_AddArrayToObject(o, "cohorts");
	for (size_t c = 0; c < r->g.ncohorts; c++)
		cJSON_AddItemToArray(cohorts, cohort_json(et, r, c));
	return o;
}

/*
 * What the evaluation as a whole can claim: per cohort other than the
 * references, over every judged metric, whether it shows a disparity, is
 * within tolerance on all of them, or neither; and the cohort x metric
 * verdicts, disparities split by direction.
 */
static cJSON *summary_json(const struct eval_task *et, const struct grp *gs,
			   size_t ng)
{
	static const char *const dirs[4] = { "worse", "better", "higher",
					     "lower" };
	size_t nm = et->nmetrics;
	size_t cohorts = 0, with_disp = 0, within = 0, small = 0;
	size_t nv[4] = { 0 }, ndir[4] = { 0 }, secondary = 0;
	cJSON *o = cJSON_CreateObject(), *v, *d;

	for (size_t g = 0; g < ng; g++) {
		const struct grp *r = &gs[g];

		for (size_t c = 0; c < r->g.ncohorts; c++) {
			bool disp = false, all_within = true, any = false;

			if (c == r->ref)
				continue;
			cohorts++;
			small += r->small[c] || r->small[r->ref];
			for (size_t k = 0; k < nm; k++) {
				const struct eval_metric *m = &et->metrics[k];
				const char *why, *dir;
				enum verdict x;

				if (!mval_comparable(m->kind))
					continue;
				x = judge(et, r, c, k, &why);
				if (x == VERDICT_NONE)
					continue;
				if (!is_primary(et, k)) {
					secondary += x == VERDICT_DISPARITY;
					continue;
				}
				any = true;
				nv[x]++;
				disp |= x == VERDICT_DISPARITY;
				all_within &= x == VERDICT_WITHIN;
				if (x != VERDICT_DISPARITY)
					continue;
				dir = direction_name(metric_harm(m->name),
						     r->disp[c * nm + k].diff);
				for (size_t i = 0; dir && i < 4; i++)
					ndir[i] += !strcmp(dir, dirs[i]);
			}
			with_disp += disp;
			within += any && all_within;
		}
	}
	cJSON_AddNumberToObject(o, "cohorts", (double)cohorts);
	cJSON_AddNumberToObject(o, "with_disparity", (double)with_disp);
	cJSON_AddNumberToObject(o, "within_tolerance", (double)within);
	cJSON_AddNumberToObject(o, "inconclusive",
				(double)(cohorts - with_disp - within));
	cJSON_AddNumberToObject(o, "too_small", (double)small);
	v = cJSON_AddObjectToObject(o, "verdicts");
	cJSON_AddNumberToObject(v, "disparity", (double)nv[VERDICT_DISPARITY]);
	cJSON_AddNumberToObject(v, "within_tolerance",
				(double)nv[VERDICT_WITHIN]);
	cJSON_AddNumberToObject(v, "inconclusive",
				(double)nv[VERDICT_INCONCLUSIVE]);
	d = cJSON_AddObjectToObject(o, "disparities");
	for (size_t i = 0; i < 4; i++)
		cJSON_AddNumberToObject(d, dirs[i], (double)ndir[i]);
	cJSON_AddNumberToObject(o, "secondary_disparities", (double)secondary);
	return o;
}

/*
 * The condition analysis of grouping r into its JSON gj: for the metrics
 * named primary that are rates (or WER), by default error rate, FPR, FNR
 * or WER, whichever the task has.
 */
static int add_condition(struct eval_task *et, const struct eval_engine *eng,
			 const struct grp *r, cJSON *gj, struct buf *err)
{
	static const char *const dflt[] = { "error_rate", "fpr", "fnr", "wer" };
	const struct table *t = et->t;
	struct groupby_attr at[FA_MAX_COHORT_ATTRS];
	size_t *idx = xmalloc((et->nmetrics + 1) * sizeof(*idx)), n = 0;
	cJSON *c;

	for (size_t k = 0; k < et->nmetrics; k++) {
		const struct eval_metric *m = &et->metrics[k];
		bool rate = m->kind == MVAL_PROP ||
			    (t->task == TASK_ASR && !strcmp(m->name, "wer"));
		bool want = false;

		if (!rate || !metric_judged(m->name) || m->cls)
			continue;
		if (et->p->nprimary)
			want = is_primary(et, k);
		for (size_t i = 0; !et->p->nprimary && i < ARRAY_SIZE(dflt); i++)
			want |= !strcmp(m->name, dflt[i]);
		if (want)
			idx[n++] = k;
	}
	for (size_t a = 0; a < r->nattrs; a++) {
		const struct eval_bins *b = bins_find(et->p,
						      t->attrs[r->attrs[a]].name);

		at[a].attr = r->attrs[a];
		at[a].edges = b ? b->edges : NULL;
		at[a].nedges = b ? b->nedges : 0;
	}
	c = condition_json(et, eng, at, r->nattrs, &r->g, r->ref, idx, n, err);
	free(idx);
	if (!c)
		return -1;
	cJSON_AddItemToObject(gj, "condition", c);
	return 0;
}

static cJSON *ref_json(const struct eval_ref *r)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < r->n; i++)
		cJSON_AddStringToObject(o, r->attrs[i], r->values[i]);
	return o;
}

static cJSON *params_json(const struct eval_task *et,
			  const struct eval_engine *eng,
			  const struct grp *gs, size_t ng)
{
	const struct eval_params *p = et->p;
	const struct table *t = et->t;
	cJSON *o = cJSON_CreateObject(), *by, *bins, *m;

	by = cJSON_AddArrayToObject(o, "by");
	for (size_t g = 0; g < ng; g++) {
		cJSON *one = cJSON_CreateArray();

		for (size_t a = 0; a < gs[g].nattrs; a++)
			cJSON_AddItemToArray(one, cJSON_CreateString(
				t->attrs[gs[g].attrs[a]].name));
		cJSON_AddItemToArray(by, one);
	}
	if (!p->nrefs) {
		cJSON_AddNullToObject(o, "reference");
	} else if (!p->ref_list) {
		cJSON_AddItemToObject(o, "reference", ref_json(&p->refs[0]));
	} else {
		cJSON *l = cJSON_AddArrayToObject(o, "reference");

		for (size_t i = 0; i < p->nrefs; i++)
			cJSON_AddItemToArray(l, ref_json(&p->refs[i]));
	}
	bins = cJSON_AddObjectToObject(o, "bins");
	for (size_t b = 0; b < p->nbins; b++)
		cJSON_AddItemToObject(bins, p->bins[b].attr,
				      cJSON_CreateDoubleArray(p->bins[b].edges,
							      (int)p->bins[b].nedges));
	cJSON_AddNumberToObject(o, "confidence", p->confidence);
	cJSON_AddNumberToObject(o, "min_cohort_size",
				(double)p->min_cohort_size);
	cJSON_AddNumberToObject(o, "tolerance", p->tolerance);
	cJSON_AddNumberToObject(o, "significance", p->significance);
	cJSON_AddStringToObject(o, "adjust", adjust_name(p->adjust));
	{
		/* As used: the keys named, or the default's. */
		cJSON *pr = cJSON_AddArrayToObject(o, "primary");

		for (size_t k = 0; k < et->nmetrics; k++) {
			const char *name = et->metrics[k].name;
			bool seen = false;

			if (!mval_comparable(et->metrics[k].kind) ||
			    !metric_judged(name) || !is_primary(et, k))
				continue;
			for (size_t j = 0; j < k; j++)
				seen |= !strcmp(et->metrics[j].name, name);
			if (!seen)
				cJSON_AddItemToArray(pr, cJSON_CreateString(name));
		}
	}
	if (t->task == TASK_SCORE)
		cJSON_AddNumberToObject(o, "threshold", p->threshold);
	if (t->task == TASK_SCORE ||
	    (t->task == TASK_CLASSIFICATION && table_is_binary(t))) {
		if (t->positive >= 0)
			cJSON_AddStringToObject(o, "positive_label",
				strmap_str(&t->classes, (uint32_t)t->positive));
		else
			cJSON_AddNullToObject(o, "positive_label");
	}
	if (p->normalize)
		cJSON_AddItemToObject(o, "normalize",
				      cJSON_Duplicate(p->normalize, true));
	if (eng->params)
		eng->params(et, o);

	m = cJSON_AddObjectToObject(o, "methods");
	eng->methods(et, m);
	cJSON_AddStringToObject(m, "adjustment",
		p->adjust == EVAL_ADJUST_BH
			? "benjamini-hochberg step-up, monotone, capped at 1 "
			  "(R p.adjust \"BH\")"
			: "holm step-down, monotone, capped at 1 (R p.adjust "
			  "\"holm\")");
	cJSON_AddStringToObject(m, "adjustment_family",
		"p_adjusted: one family per metric, its comparisons with the "
		"reference in every grouping of this evaluation, leaving out "
		"reference cohorts, comparisons where either cohort is too "
		"small, and undefined p-values; p_family (which flags and "
		"verdicts use) and p_equivalence_adjusted: the same "
		"comparisons of every primary metric (params.primary, or every "
		"metric but prevalence) in one family, those of the other "
		"metrics in a secondary family, so that the summary's claims "
		"hold together at the significance level");
	cJSON_AddStringToObject(m, "reference",
		"the first reference object naming every attribute of the "
		"grouping, else the largest cohort (ties: first in cohort "
		"order)");
	cJSON_AddStringToObject(m, "too_small",
		"n < min_cohort_size (or, for asr cohorts whose speakers are "
		"resampled, speakers < min_speakers; too_small_reason says "
		"which): shown, never flagged, left out of spreads and "
		"adjustment families");
	cJSON_AddStringToObject(m, "flag",
		"a primary metric whose ratio lies outside [tolerance, "
		"1/tolerance] with p_family < significance, neither cohort "
		"too small (secondary metrics get the verdict, not the flag); "
		"prevalence, a "
		"property of the data rather than of the model, is never "
		"flagged");
	cJSON_AddStringToObject(m, "verdict",
		"disparity: flagged; within_tolerance: two one-sided tests "
		"(TOST) on the log ratio against tolerance and 1/tolerance "
		"both reject, p_equivalence_adjusted < significance, with the "
		"standard error the ratio interval implies ((log high - log "
		"low) / 2z) and the same adjustment family as p_family; "
		"inconclusive: neither, verdict_reason says why");
	cJSON_AddStringToObject(m, "direction",
		"worse or better by the sign of the difference for metrics "
		"with a harm direction (higher is worse: error rates, fpr, "
		"fnr, fdr, for, wer, cer, brier, ece, mae, rmse; lower is "
		"worse: accuracy, tpr, tnr, ppv, npv, recall, auc), else "
		"higher or lower (selection_rate, prevalence, mean_error)");
	cJSON_AddStringToObject(m, "spread",
		"max - min and max / min of each metric over the cohorts that "
		"are not too small");
	cJSON_AddStringToObject(m, "cohort_order",
		"by attribute values, first attribute most significant: "
		"numeric attributes numerically, others by bytes, missing "
		"value \"\" last; bins in edge order");
	cJSON_AddStringToObject(m, "bins",
		"edges e0 < ... < ek give \"<e0\", \"[e0,e1)\", ..., "
		"\"[e(k-1),ek]\" (last bin closed), \">ek\", and \"\" for "
		"missing values");
	return o;
}

/* Whether comparison i (cohort c, reference r->ref) enters a family. */
static bool eligible(const struct grp *r, size_t c, size_t i)
{
	const struct disparity *d = &r->disp[i];

	return c != r->ref && !d->reason && !isnan(d->p) && !r->small[c] &&
	       !r->small[r->ref];
}

/* Adjust p[0..n) in place with the evaluation's method. */
static void adjust(const struct eval_params *p, double *v, size_t n)
{
	if (p->adjust == EVAL_ADJUST_BH)
		stats_bh(v, n, v);
	else
		stats_holm(v, n, v);
}

/* Holm or BH per metric over all groupings' eligible comparisons. */
static void adjust_all(struct grp *gs, size_t ng, const struct eval_task *et)
{
	size_t nm = et->nmetrics, total = 0, n;
	double *p;
	double **slot;

	for (size_t g = 0; g < ng; g++)
		total += gs[g].g.ncohorts;
	p = xmalloc((total ? total : 1) * sizeof(*p));
	slot = xmalloc((total ? total : 1) * sizeof(*slot));
	for (size_t k = 0; k < nm; k++) {
		if (!mval_comparable(et->metrics[k].kind))
			continue;
		n = 0;
		for (size_t g = 0; g < ng; g++) {
			struct grp *r = &gs[g];

			for (size_t c = 0; c < r->g.ncohorts; c++) {
				size_t i = c * nm + k;
				const struct disparity *d = &r->disp[i];

				r->padj[i] = NAN;
				r->padj_reason[i] = NULL;
				if (c == r->ref || d->reason || isnan(d->p))
					continue;
				if (r->small[c]) {
					r->padj_reason[i] =
						small_reason[r->small[c]].padj;
					continue;
				}
				if (r->small[r->ref]) {
					r->padj_reason[i] =
						small_reason[r->small[r->ref]]
							.padj_ref;
					continue;
				}
				p[n] = d->p;
				slot[n++] = &r->padj[i];
			}
		}
		adjust(et->p, p, n);
		for (size_t i = 0; i < n; i++)
			*slot[i] = p[i];
	}
	free(p);
	free(slot);
}

/* Every "primary" key is a judged, compared metric of the task. */
static int check_primary(const struct eval_task *et, struct buf *err)
{
	for (size_t i = 0; i < et->p->nprimary; i++) {
		const char *want = et->p->primary[i];
		bool found = false;

		for (size_t k = 0; k < et->nmetrics && !found; k++)
			found = !strcmp(et->metrics[k].name, want) &&
				mval_comparable(et->metrics[k].kind) &&
				metric_judged(want);
		if (found)
			continue;
		buf_addf(err, "primary metric \"%s\" is not one this task "
			 "compares; use one of", want);
		for (size_t k = 0, first = 1; k < et->nmetrics; k++) {
			const struct eval_metric *m = &et->metrics[k];
			bool dup = false;

			if (!mval_comparable(m->kind) || !metric_judged(m->name))
				continue;
			for (size_t j = 0; j < k; j++)
				dup |= !strcmp(et->metrics[j].name, m->name);
			if (dup)
				continue;
			buf_addf(err, "%s %s", first ? "" : ",", m->name);
			first = 0;
		}
		return -1;
	}
	return 0;
}

/*
 * Whether metric k is primary: named in "primary", else by default every
 * judged metric, but for speech only pooled WER (mean per-utterance WER
 * and CER measure the same errors again, and tripling the family would
 * cost power for nothing).
 */
static bool is_primary(const struct eval_task *et, size_t k)
{
	const char *name = et->metrics[k].name;

	if (!et->p->nprimary)
		return et->t->task == TASK_ASR ? !strcmp(name, "wer") :
		       metric_judged(name);
	for (size_t i = 0; i < et->p->nprimary; i++)
		if (!strcmp(et->p->primary[i], name))
			return true;
	return false;
}

/*
 * The two families of the summary's claims: every eligible comparison of
 * a primary metric, over all metrics and groupings, is one family; those
 * of the other judged metrics are another.  Their p-values go into pfam
 * and their TOST p-values into peq_adj, each adjusted within its family.
 */
static void adjust_families(struct grp *gs, size_t ng,
			    const struct eval_task *et)
{
	size_t nm = et->nmetrics, total = 0;

	for (size_t g = 0; g < ng; g++)
		total += gs[g].g.ncohorts * nm;
	for (int fam = 0; fam < 2; fam++) {
		double *p = xmalloc((total ? total : 1) * sizeof(*p));
		double *pe = xmalloc((total ? total : 1) * sizeof(*pe));
		double **slot = xmalloc((total ? total : 1) * sizeof(*slot));
		double **slot_e = xmalloc((total ? total : 1) * sizeof(*slot_e));
		size_t n = 0, ne = 0;

		for (size_t g = 0; g < ng; g++) {
			struct grp *r = &gs[g];

			for (size_t c = 0; c < r->g.ncohorts; c++)
				for (size_t k = 0; k < nm; k++) {
					size_t i = c * nm + k;

					if (!mval_comparable(et->metrics[k].kind) ||
					    !metric_judged(et->metrics[k].name) ||
					    is_primary(et, k) != !fam ||
					    !eligible(r, c, i))
						continue;
					p[n] = r->disp[i].p;
					slot[n++] = &r->pfam[i];
					if (!isnan(r->peq[i])) {
						pe[ne] = r->peq[i];
						slot_e[ne++] = &r->peq_adj[i];
					}
				}
		}
		adjust(et->p, p, n);
		adjust(et->p, pe, ne);
		if (!fam)
			((struct eval_task *)et)->family_size = n;
		for (size_t i = 0; i < n; i++)
			*slot[i] = p[i];
		for (size_t i = 0; i < ne; i++)
			*slot_e[i] = pe[i];
		free(p);
		free(pe);
		free(slot);
		free(slot_e);
	}
}

static int run_grouping(struct grp *r, struct eval_task *et,
			const struct eval_engine *eng, size_t *cells,
			struct buf *err)
{
	const struct table *t = et->t;
	const struct eval_params *p = et->p;
	struct groupby_attr at[FA_MAX_COHORT_ATTRS];
	const struct groupby_opts opts = { .max_cohorts = EVAL_MAX_COHORTS };
	size_t nm = et->nmetrics, nc;
	double conf = p->confidence;

	for (size_t a = 0; a < r->nattrs; a++) {
		const struct eval_bins *b = bins_find(p, t->attrs[r->attrs[a]].name);

		at[a].attr = r->attrs[a];
		at[a].edges = b ? b->edges : NULL;
		at[a].nedges = b ? b->nedges : 0;
	}
	if (groupby_run(&r->g, t, at, r->nattrs, &opts, err))
		return -1;
	nc = r->g.ncohorts;
	*cells += nc * nm;
	if (*cells > (size_t)EVAL_MAX_CELLS) {
		buf_addf(err, "the evaluation would report more than %d cohort "
			 "metrics (EVAL_MAX_CELLS); use fewer or coarser "
			 "groupings", EVAL_MAX_CELLS);
		return -1;
	}
	r->vals = xmalloc((nc ? nc : 1) * nm * sizeof(*r->vals));
	r->disp = xcalloc((nc ? nc : 1) * nm, sizeof(*r->disp));
	r->padj = xmalloc((nc ? nc : 1) * nm * sizeof(*r->padj));
	r->padj_reason = xcalloc((nc ? nc : 1) * nm, sizeof(*r->padj_reason));
	r->peq = xmalloc((nc ? nc : 1) * nm * sizeof(*r->peq));
	r->peq_adj = xmalloc((nc ? nc : 1) * nm * sizeof(*r->peq_adj));
	r->pfam = xmalloc((nc ? nc : 1) * nm * sizeof(*r->pfam));
	r->small = xmalloc((nc ? nc : 1) * sizeof(*r->small));
	for (size_t i = 0; i < nc * nm; i++)
		r->padj[i] = r->peq[i] = r->peq_adj[i] = r->pfam[i] = NAN;
	if (!nc)
		return 0;
	et->g = &r->g;
	eng->compute(et, r->g.cohort, nc, r->vals);
	if (choose_reference(r, p, t, err))
		return -1;
	for (size_t c = 0; c < nc; c++)
		r->small[c] = r->g.size[c] < p->min_cohort_size ?
			      EVAL_SMALL_ROWS : EVAL_SMALL_NO;
	if (eng->too_small)
		eng->too_small(et, nc, r->small);
	if (eng->compare) {
		eng->compare(et, r->g.cohort, nc, r->vals, r->ref, r->disp);
	} else {
		for (size_t c = 0; c < nc; c++) {
			if (c == r->ref)
				continue;
			for (size_t k = 0; k < nm; k++)
				if (mval_comparable(et->metrics[k].kind))
					disparity_compare(&r->disp[c * nm + k],
							  &r->vals[c * nm + k],
							  &r->vals[r->ref * nm + k],
							  conf);
		}
	}
	for (size_t c = 0; c < nc; c++)
		for (size_t k = 0; c != r->ref && k < nm; k++)
			if (mval_comparable(et->metrics[k].kind))
				r->peq[c * nm + k] = verdict_tost_p(
					&r->disp[c * nm + k], conf,
					p->tolerance);
	return 0;
}

static int check_values(const struct eval_params *p, struct buf *err)
{
	struct eval_params tmp;

	/* Re-validate numbers a caller may have set directly. */
	eval_params_init(&tmp);
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++)
		if (scalar_set(&tmp, &scalars[i],
			       *(const double *)((const char *)p +
						 scalars[i].off), err))
			return -1;
	if (seed_set(&tmp, (double)p->seed, err) ||
	    bootstrap_set(&tmp, (double)p->bootstrap, err))
		return -1;
	return 0;
}

cJSON *evaluation_run(const struct table *t, const struct eval_params *p,
		      struct buf *err)
{
	const struct eval_engine *eng = NULL;
	struct eval_task et = { .t = t, .p = p };
	struct grp *gs = NULL;
	size_t ng = 0, cells;
	struct mval *overall = NULL;
	cJSON *out = NULL, *o, *groupings;

	if ((size_t)t->task < ARRAY_SIZE(engines))
		eng = engines[t->task];
	if (!eng) {
		buf_addf(err, "cannot evaluate task \"%s\": this build has no "
			 "metric engine for it", task_name(t->task));
		return NULL;
	}
	if (check_values(p, err) || check_table(p, t, err))
		return NULL;

	/* 1. Groupings as attribute indices. */
	ng = p->by_set ? p->ngroupings : t->nattrs;
	gs = xcalloc(ng ? ng : 1, sizeof(*gs));
	for (size_t g = 0, a = 0; g < ng; g++, a++) {
		groupby_init(&gs[g].g);
		if (!p->by_set) {
			/* each attribute its own grouping, but the condition */
			if (p->cond_attr &&
			    (int)a == table_find_attr(t, p->cond_attr))
				a++;
			if (a >= t->nattrs) {
				ng = g;
				break;
			}
			gs[g].nattrs = 1;
			gs[g].attrs[0] = (int)a;
			continue;
		}
		gs[g].nattrs = p->groupings[g].nattrs;
		for (size_t i = 0; i < gs[g].nattrs; i++)
			gs[g].attrs[i] = table_find_attr(t,
						p->groupings[g].attrs[i]);
	}
	if (eng->prepare(&et, err) || check_primary(&et, err))
		goto out;

	/* 2. Overall. */
	overall = xmalloc(et.nmetrics * sizeof(*overall));
	eng->compute(&et, NULL, 1, overall);
	cells = et.nmetrics;

	/* 3. Groupings. */
	for (size_t g = 0; g < ng; g++)
		if (run_grouping(&gs[g], &et, eng, &cells, err))
			goto out;
	et.g = NULL;

	/* 4. Adjustment: per metric, and the summary's two families. */
	adjust_all(gs, ng, &et);
	adjust_families(gs, ng, &et);

	/* 5. JSON. */
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "task", task_name(t->task));
	cJSON_AddItemToObject(out, "params", params_json(&et, eng, gs, ng));
	add_warnings(out, p, t);
	o = cJSON_AddObjectToObject(out, "overall");
	cJSON_AddNumberToObject(o, "n", (double)t->nrows);
	cJSON_AddItemToObject(o, "metrics", metrics_json(&et, overall));
	groupings = cJSON_AddArrayToObject(out, "groupings");
	for (size_t g = 0; g < ng; g++) {
		cJSON *gj = grouping_json(&et, &gs[g]);

		cJSON_AddItemToArray(groupings, gj);
		if (p->cond_attr && gs[g].g.ncohorts &&
		    add_condition(&et, eng, &gs[g], gj, err)) {
			cJSON_Delete(out);
			out = NULL;
			goto out;
		}
	}
	cJSON_AddItemToObject(out, "summary", summary_json(&et, gs, ng));
out:
	for (size_t g = 0; g < ng; g++)
		grp_release(&gs[g]);
	free(gs);
	free(overall);
	eng->release(&et);	/* also after a failed prepare */
	free(et.metrics);
	return out;
}
