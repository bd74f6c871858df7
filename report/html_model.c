/*
 * html_model.c - reading the evaluation JSON, and the model of one
 * grouping that the table and every chart draw from.
 *
 * A grouping is first gathered into a small model (struct grp): one struct
 * crow per cohort with its label, size, flags and severity, the reference
 * cohort, and the metric keys the table and the charts show.  The sort
 * order is applied once to an array of row pointers which the table and
 * every chart then walk, so all views of a grouping agree.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"
#include "report/json.h"

/* ---- JSON access ---- */

const cJSON *jget(const cJSON *o, const char *k)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k)
				 : NULL;
}

/* The member key of a metrics or disparity object, per-class keys too. */
static const cJSON *jmetric(const cJSON *o, const char *key)
{
	const char *name = NULL, *label = NULL;
	size_t nn = 0, ln = 0;
	const cJSON *it, *pc;

	if (!pc_split(key, &name, &nn, &label, &ln))
		return jget(o, key);
	pc = jget(o, "per_class");
	cJSON_ArrayForEach(it, pc) {
		const cJSON *m;

		if (!it->string || strlen(it->string) != ln ||
		    memcmp(it->string, label, ln))
			continue;
		cJSON_ArrayForEach(m, it)
			if (m->string && strlen(m->string) == nn &&
			    !memcmp(m->string, name, nn))
				return m;
	}
	return NULL;
}

bool jnum(const cJSON *o, const char *k, double *out)
{
	const cJSON *v = jget(o, k);

	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return false;
	*out = v->valuedouble;
	return true;
}

const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jtrue(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(jget(o, k));
}

/* Raw text of a scalar (attribute values); nothing for null. */
void add_scalar_raw(struct buf *b, const cJSON *v)
{
	if (cJSON_IsString(v)) {
		buf_adds(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_shortest(b, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	} else if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
		char *s = json_print(v);

		if (s) {
			buf_adds(b, s);
			free(s);
		}
	}
}

/* A JSON value of any shape as escaped, readable text. */
void add_json_html(struct buf *b, const cJSON *v, int depth)
{
	const cJSON *it;
	bool first = true;

	if (!v || cJSON_IsNull(v)) {
		buf_adds(b, EMDASH);
	} else if (cJSON_IsString(v)) {
		html_esc(b, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		add_shortest(b, v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		buf_adds(b, cJSON_IsTrue(v) ? "yes" : "no");
	} else if (depth >= MAX_DEPTH) {
		buf_adds(b, ELLIPSIS);
	} else if (!v->child) {
		buf_adds(b, "none");
	} else if (cJSON_IsArray(v)) {
		if (depth > 1)
			buf_addch(b, '(');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, ", ");
			first = false;
			add_json_html(b, it, depth + 1);
		}
		if (depth > 1)
			buf_addch(b, ')');
	} else if (cJSON_IsObject(v)) {
		if (depth)
			buf_addch(b, '(');
		cJSON_ArrayForEach(it, v) {
			if (!first)
				buf_adds(b, "; ");
			first = false;
			html_esc(b, it->string);
			buf_adds(b, ": ");
			add_json_html(b, it, depth + 1);
		}
		if (depth)
			buf_addch(b, ')');
	}
}


struct mval mget(const cJSON *metrics, const char *key)
{
	struct mval m;
	const cJSON *o = jmetric(metrics, key);

	memset(&m, 0, sizeof(m));
	if (cJSON_IsNumber(o) && isfinite(o->valuedouble)) {
		m.has = true;
		m.v = o->valuedouble;
		return m;
	}
	m.has = jnum(o, "value", &m.v);
	m.has_ci = m.has && jnum(o, "low", &m.lo) && jnum(o, "high", &m.hi);
	m.reason = jstr(o, "reason");
	return m;
}


struct dval dget(const cJSON *disparity, const char *key)
{
	struct dval d;
	const cJSON *o = jmetric(disparity, key);

	memset(&d, 0, sizeof(d));
	d.has_d = jnum(o, "difference", &d.d);
	d.has_dci = d.has_d && jnum(o, "diff_low", &d.dlo) &&
		    jnum(o, "diff_high", &d.dhi);
	d.has_r = jnum(o, "ratio", &d.r);
	d.has_rci = d.has_r && jnum(o, "ratio_low", &d.rlo) &&
		    jnum(o, "ratio_high", &d.rhi);
	d.corrected = d.has_r && cJSON_IsTrue(jget(o, "ratio_corrected"));
	d.has_p = jnum(o, "p_value", &d.p);
	/* The p-value flags are decided by: the summary's family when the
	   evaluation has one (evaluate/evaluation.c), else per metric. */
	d.has_pa = jnum(o, "p_family", &d.pa) || jnum(o, "p_adjusted", &d.pa);
	d.test = jstr(o, "test");
	d.reason = jstr(o, "reason");
	d.ratio_reason = jstr(o, "ratio_reason");
	d.p_reason = jstr(o, "p_reason");
	return d;
}

/* True if flags (an array of strings) names key. */
bool flagged(const cJSON *flags, const char *key)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, flags)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, key))
			return true;
	return false;
}

/* ---- key lists ---- */


bool keys_has(const struct keys *ks, const char *k)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!strcmp(ks->k[i], k))
			return true;
	return false;
}

void keys_add(struct keys *ks, const char *k)
{
	if (keys_has(ks, k))
		return;
	ks->k = xgrow(ks->k, &ks->cap, ks->n + 1, sizeof(*ks->k));
	ks->k[ks->n++] = k;
}

void keys_release(struct keys *ks)
{
	free(ks->k);
	memset(ks, 0, sizeof(*ks));
}

/* ---- labels ---- */

static bool in_by(const cJSON *by, const char *name)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, by)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, name))
			return true;
	return false;
}

static void label_part(struct buf *out, const char *name, const cJSON *v,
		       bool *first)
{
	if (!*first)
		buf_adds(out, " & ");
	*first = false;
	buf_adds(out, name);
	buf_adds(out, " = ");
	add_scalar_raw(out, v);
}

void html_cohort_label(struct buf *out, const cJSON *grouping,
		       const cJSON *cohort)
{
	const cJSON *attrs = jget(cohort, "attributes");
	const cJSON *by = jget(grouping, "by");
	const cJSON *it;
	bool first = true;

	if (!cJSON_IsArray(by))
		by = NULL;
	cJSON_ArrayForEach(it, by) {
		if (cJSON_IsString(it))
			label_part(out, it->valuestring,
				   jget(attrs, it->valuestring), &first);
	}
	if (!cJSON_IsObject(attrs))
		return;
	cJSON_ArrayForEach(it, attrs) {
		if (!in_by(by, it->string))
			label_part(out, it->string, it, &first);
	}
}

/* ---- the model of one grouping ---- */





static const char *const keys_binary[] = {
	"fpr", "fnr", "selection_rate", "error_rate", NULL };
static const char *const keys_multi[] = { "error_rate", NULL };
static const char *const keys_score[] = {
	"auc", "fpr", "fnr", "selection_rate", "error_rate", NULL };
static const char *const keys_regression[] = { "mae", NULL };
static const char *const extra_regression[] = { "rmse", "mean_error", NULL };
static const char *const keys_asr[] = { "wer", NULL };
static const char *const extra_asr[] = { "mean_utterance_wer", "cer", NULL };
static const char *const keys_none[] = { NULL };

/* True if the overall metrics or any cohort's metrics carry key. */
static bool eval_has_metric(const cJSON *eval, const char *key)
{
	const cJSON *g, *c;

	if (jget(jget(jget(eval, "overall"), "metrics"), key))
		return true;
	cJSON_ArrayForEach(g, jget(eval, "groupings"))
		cJSON_ArrayForEach(c, jget(g, "cohorts"))
			if (jget(jget(c, "metrics"), key))
				return true;
	return false;
}

enum tkind task_kind(const cJSON *eval)
{
	const char *t = jstr(eval, "task");

	if (t && !strcmp(t, "asr"))
		return TK_ASR;
	if (t && !strcmp(t, "regression"))
		return TK_REGRESSION;
	if (t && !strcmp(t, "score"))
		return TK_SCORE;
	if (t && !strcmp(t, "classification"))
		return eval_has_metric(eval, "fpr") ? TK_BINARY : TK_MULTI;
	/* unknown or missing task: infer from the metrics present */
	if (eval_has_metric(eval, "wer"))
		return TK_ASR;
	if (eval_has_metric(eval, "mae"))
		return TK_REGRESSION;
	if (eval_has_metric(eval, "auc"))
		return TK_SCORE;
	if (eval_has_metric(eval, "fpr"))
		return TK_BINARY;
	return TK_MULTI;
}

const char *const *chart_keys_for(enum tkind t)
{
	switch (t) {
	case TK_BINARY: return keys_binary;
	case TK_MULTI: return keys_multi;
	case TK_SCORE: return keys_score;
	case TK_REGRESSION: return keys_regression;
	case TK_ASR: return keys_asr;
	}
	return keys_none;
}

const char *const *extra_keys_for(enum tkind t)
{
	if (t == TK_REGRESSION)
		return extra_regression;
	if (t == TK_ASR)
		return extra_asr;
	return keys_none;
}

bool grp_has_metric(const struct grp *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->nrows; i++)
		if (jmetric(g->rows[i].metrics, key))
			return true;
	return false;
}

/*
 * Multi-class: a column of recall per class, "recall[<label>]", in the
 * order the classes first appear (the evaluation's order), so a class the
 * model fails is as visible as the overall error rate.
 */
static void add_class_keys(struct grp *g)
{
	struct buf k = BUF_INIT;

	for (size_t i = 0; i < g->nrows; i++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, jget(g->rows[i].metrics, "per_class")) {
			if (!it->string || !jget(it, "recall"))
				continue;
			buf_reset(&k);
			buf_addf(&k, "recall[%s]", it->string);
			if (keys_has(&g->table, k.s))
				continue;
			g->own = xgrow(g->own, &g->owncap, g->nown + 1,
				       sizeof(*g->own));
			g->own[g->nown] = buf_detach(&k, NULL);
			keys_add(&g->table, g->own[g->nown++]);
		}
	}
	buf_release(&k);
}

/* True if every attribute of the reference object matches the cohort's. */
static bool matches_reference(const cJSON *ref, const cJSON *attrs)
{
	const cJSON *it;
	struct buf x = BUF_INIT, y = BUF_INIT;
	bool ok = ref && ref->child;

	cJSON_ArrayForEach(it, ref) {
		const cJSON *v = jget(attrs, it->string);

		if (!ok)
			break;
		buf_reset(&x);
		buf_reset(&y);
		add_scalar_raw(&x, it);
		add_scalar_raw(&y, v);
		ok = v && x.len == y.len && !memcmp(x.s, y.s, x.len);
	}
	buf_release(&x);
	buf_release(&y);
	return ok;
}

static int cmp_name(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;
	int c = strcmp(a->label, b->label);

	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static int cmp_n(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;

	if (a->has_n != b->has_n)
		return a->has_n ? -1 : 1;
	if (a->has_n && a->n != b->n)
		return a->n > b->n ? -1 : 1;
	return cmp_name(pa, pb);
}

static int cmp_severity(const void *pa, const void *pb)
{
	const struct crow *a = *(const struct crow *const *)pa;
	const struct crow *b = *(const struct crow *const *)pb;

	if (a->small != b->small)
		return a->small ? 1 : -1;
	if (a->nflags != b->nflags)
		return a->nflags > b->nflags ? -1 : 1;
	if (a->sev != b->sev)
		return a->sev > b->sev ? -1 : 1;
	return cmp_name(pa, pb);
}

void grp_build(struct rctx *x, struct grp *g, const cJSON *gj, int id)
{
	const cJSON *by = jget(gj, "by"), *cohorts = jget(gj, "cohorts");
	const cJSON *ref = jget(gj, "reference"), *it, *c;
	const char *const *base;
	struct buf lb = BUF_INIT;
	size_t i, j, n = 0;

	memset(g, 0, sizeof(*g));
	g->g = gj;
	g->id = id;
	if (!cJSON_IsArray(cohorts))
		cohorts = NULL;
	if (!cJSON_IsObject(ref))
		ref = NULL;

	/* attribute columns: the "by" list, else the first cohort's keys */
	if (cJSON_IsArray(by) && by->child) {
		g->attrs = xcalloc((size_t)cJSON_GetArraySize(by) + 1,
				   sizeof(*g->attrs));
		cJSON_ArrayForEach(it, by)
			if (cJSON_IsString(it))
				g->attrs[g->nattrs++] = it->valuestring;
	} else if (cohorts && cohorts->child &&
		   cJSON_IsObject(jget(cohorts->child, "attributes"))) {
		const cJSON *a = jget(cohorts->child, "attributes");

		g->attrs = xcalloc((size_t)cJSON_GetArraySize(a) + 1,
				   sizeof(*g->attrs));
		cJSON_ArrayForEach(it, a)
			g->attrs[g->nattrs++] = it->string;
	}
	for (i = 0; i < g->nattrs; i++) {
		if (i)
			buf_adds(&lb, " " TIMES " ");
		buf_adds(&lb, g->attrs[i]);
	}
	if (!g->nattrs)
		buf_adds(&lb, "cohort");
	g->by_label = buf_detach(&lb, NULL);

	cJSON_ArrayForEach(c, cohorts)
		n++;
	g->rows = xcalloc(n + 1, sizeof(*g->rows));
	g->order = xcalloc(n + 1, sizeof(*g->order));
	cJSON_ArrayForEach(c, cohorts) {
		struct crow *r = &g->rows[g->nrows];
		struct mval mn;

		r->c = c;
		r->idx = g->nrows;
		r->attrs = jget(c, "attributes");
		r->metrics = jget(c, "metrics");
		r->disparity = jget(c, "disparity");
		r->flags = jget(c, "flags");
		if (!cJSON_IsArray(r->flags))
			r->flags = NULL;
		html_cohort_label(&lb, gj, c);
		r->label = buf_detach(&lb, NULL);
		for (i = 0; i < g->nattrs; i++) {
			if (i)
				buf_adds(&lb, " " MIDDOT " ");
			add_scalar_raw(&lb, jget(r->attrs, g->attrs[i]));
		}
		if (!g->nattrs)
			buf_adds(&lb, r->label);
		r->shortl = buf_detach(&lb, NULL);
		r->has_n = jnum(c, "n", &r->n);
		if (!r->has_n) {
			mn = mget(r->metrics, "n");
			r->has_n = mn.has;
			r->n = mn.v;
		}
		r->small = jtrue(c, "too_small");
		cJSON_ArrayForEach(it, r->flags)
			if (cJSON_IsString(it))
				r->nflags++;
		if (!g->ref && (jtrue(c, "reference") ||
				(ref && matches_reference(ref, r->attrs)))) {
			r->ref = true;
			g->ref = r;
		}
		g->nflagged += r->nflags > 0;
		g->nsmall += r->small;
		g->order[g->nrows] = r;
		g->nrows++;
	}

	/* the metrics the table and charts show */
	for (base = chart_keys_for(x->task); *base; base++)
		if (grp_has_metric(g, *base)) {
			keys_add(&g->chart, *base);
			keys_add(&g->table, *base);
		}
	for (base = extra_keys_for(x->task); *base; base++)
		if (grp_has_metric(g, *base))
			keys_add(&g->table, *base);
	if (x->task == TK_MULTI)
		add_class_keys(g);
	for (i = 0; i < g->nrows; i++) {
		cJSON_ArrayForEach(it, g->rows[i].flags) {
			if (!cJSON_IsString(it))
				continue;
			keys_add(&g->table, it->valuestring);
		}
	}
	if (!g->table.n && g->nrows) {
		/* nothing we know: show the first cohort's non-count metrics */
		cJSON_ArrayForEach(it, g->rows[0].metrics) {
			if (g->table.n >= 4)
				break;
			if (it->string && metric_kind(it->string) != K_COUNT) {
				keys_add(&g->table, it->string);
				keys_add(&g->chart, it->string);
			}
		}
	}

	g->wide = xcalloc(g->table.n + 1, sizeof(*g->wide));
	for (i = 0; i < g->nrows; i++)
		for (j = 0; j < g->table.n; j++)
			if (jmetric(g->rows[i].disparity, g->table.k[j]))
				g->wide[j] = true;
	g->all_wide = true;
	for (j = 0; j < g->table.n; j++)
		g->all_wide &= g->wide[j];
	for (i = 0; i < g->nrows; i++) {
		struct crow *r = &g->rows[i];

		for (j = 0; j < g->table.n; j++) {
			struct dval d = dget(r->disparity, g->table.k[j]);

			if (d.has_r && d.r > 0 && fabs(log(d.r)) > r->sev)
				r->sev = fabs(log(d.r));
		}
	}
	qsort(g->order, g->nrows, sizeof(*g->order),
	      x->sort == HTML_SORT_NAME ? cmp_name :
	      x->sort == HTML_SORT_N ? cmp_n : cmp_severity);
}

void grp_release(struct grp *g)
{
	size_t i;

	for (i = 0; i < g->nrows; i++) {
		free(g->rows[i].label);
		free(g->rows[i].shortl);
	}
	free(g->rows);
	free(g->order);
	free(g->attrs);
	free(g->by_label);
	free(g->wide);
	keys_release(&g->table);
	keys_release(&g->chart);
	for (i = 0; i < g->nown; i++)
		free(g->own[i]);
	free(g->own);
}
