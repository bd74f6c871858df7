/*
 * worst.c - worst utterances per cohort; see worst.h.
 *
 * For each grouping the rows are grouped again exactly as the engine did
 * (cohorts/groupby.h, with the document's bins), each groupby cohort is
 * matched to the document's cohort by its attribute labels, and a pass over
 * the rows keeps the k worst of each cohort in a small sorted array.  Only
 * those k utterances per cohort are aligned with their operations.
 */
#include "common/fa.h"
#include "evaluate/worst.h"
#include "cohorts/groupby.h"
#include "metrics/alignment.h"

struct pick {
	size_t row;
	double wer;
	uint32_t errors;
};

/* a is worse than b */
static bool worse(const struct pick *a, const struct pick *b)
{
	if (a->wer != b->wer)
		return a->wer > b->wer;
	if (a->errors != b->errors)
		return a->errors > b->errors;
	return a->row < b->row;
}

static void keep(struct pick *top, size_t *n, size_t k, const struct pick *p)
{
	size_t i;

	if (*n == k && !worse(p, &top[k - 1]))
		return;
	i = *n < k ? (*n)++ : k - 1;
	while (i > 0 && worse(p, &top[i - 1])) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = *p;
}

/* The document's cohort whose attributes are the groupby cohort's labels. */
static cJSON *find_cohort(cJSON *cohorts, const struct groupby *gb, size_t c,
			  const cJSON *by)
{
	cJSON *co;

	cJSON_ArrayForEach(co, cohorts) {
		const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(co, "attributes");
		const cJSON *name;
		size_t a = 0;
		bool same = true;

		cJSON_ArrayForEach(name, by) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs,
									 name->valuestring);
			size_t len;
			const char *label = groupby_label(gb, c, a++, &len);

			if (!cJSON_IsString(v) || strlen(v->valuestring) != len ||
			    memcmp(v->valuestring, label, len)) {
				same = false;
				break;
			}
		}
		if (same)
			return co;
	}
	return NULL;
}

static cJSON *utterance_json(struct aligner *al, const struct table *t,
			     const struct pick *p, worst_texts_fn texts,
			     void *ctx, struct buf *err)
{
	const char *ref, *hyp;
	size_t ref_len, hyp_len, nops;
	const struct align_op *ops;
	struct asr_counts c;
	struct buf pra = BUF_INIT;
	cJSON *o, *arr;

	if (texts(ctx, p->row, &ref, &ref_len, &hyp, &hyp_len)) {
		buf_addf(err, "the texts of utterance \"%s\" are not available",
			 strmap_str(&t->ids, (uint32_t)p->row));
		return NULL;
	}
	if (aligner_score(al, ref, ref_len, hyp, hyp_len, ALIGN_WORDS_ONLY | ALIGN_OPS,
			  &c, err))
		return NULL;
	nops = aligner_ops(al, &ops);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", strmap_str(&t->ids, (uint32_t)p->row));
	if (t->speaker && t->speaker[p->row] != UINT32_MAX)
		cJSON_AddStringToObject(o, "speaker",
					strmap_str(&t->speakers, t->speaker[p->row]));
	else
		cJSON_AddNullToObject(o, "speaker");
	cJSON_AddNumberToObject(o, "wer", p->wer);
	cJSON_AddNumberToObject(o, "errors", p->errors);
	cJSON_AddNumberToObject(o, "reference_words", t->asr[p->row].ref_words);
	arr = cJSON_AddArrayToObject(o, "alignment");
	for (size_t i = 0; i < nops; i++) {
		cJSON *op = cJSON_CreateObject();
		char kind[2] = { ops[i].kind, '\0' };
		char *w;

		cJSON_AddStringToObject(op, "op", kind);
		if (ops[i].ref) {
			w = xstrndup(ops[i].ref, ops[i].ref_len);
			cJSON_AddStringToObject(op, "ref", w);
			free(w);
		} else {
			cJSON_AddNullToObject(op, "ref");
		}
		if (ops[i].hyp) {
			w = xstrndup(ops[i].hyp, ops[i].hyp_len);
			cJSON_AddStringToObject(op, "hyp", w);
			free(w);
		} else {
			cJSON_AddNullToObject(op, "hyp");
		}
		cJSON_AddItemToArray(arr, op);
	}
	align_render(ops, nops, &pra);
	cJSON_AddStringToObject(o, "pra", pra.s);
	buf_release(&pra);
	return o;
}

static int attach_grouping(cJSON *g, const cJSON *bins, const struct table *t,
			   size_t k, struct aligner *al, worst_texts_fn texts,
			   void *ctx, struct buf *err)
{
	const cJSON *by = cJSON_GetObjectItemCaseSensitive(g, "by"), *name;
	cJSON *cohorts = cJSON_GetObjectItemCaseSensitive(g, "cohorts");
	struct groupby_attr ga[FA_MAX_COHORT_ATTRS];
	double *edges[FA_MAX_COHORT_ATTRS] = { 0 };
	struct groupby gb;
	struct pick *top = NULL;
	size_t *ntop = NULL, na = 0;
	int ret = -1;

	groupby_init(&gb);
	cJSON_ArrayForEach(name, by) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(bins, name->valuestring);
		int a = table_find_attr(t, name->valuestring);

		if (a < 0 || na == FA_MAX_COHORT_ATTRS) {
			buf_addf(err, "attribute \"%s\" of the evaluation is not in"
				 " the data", name->valuestring);
			goto out;
		}
		ga[na].attr = a;
		ga[na].edges = NULL;
		ga[na].nedges = 0;
		if (cJSON_IsArray(e)) {
			size_t ne = (size_t)cJSON_GetArraySize(e), i = 0;
			const cJSON *x;

			edges[na] = xcalloc(ne, sizeof(double));
			cJSON_ArrayForEach(x, e)
				edges[na][i++] = x->valuedouble;
			ga[na].edges = edges[na];
			ga[na].nedges = ne;
		}
		na++;
	}
	if (groupby_run(&gb, t, ga, na, NULL, err))
		goto out;
	top = xcalloc(gb.ncohorts ? gb.ncohorts * k : 1, sizeof(*top));
	ntop = xcalloc(gb.ncohorts, sizeof(*ntop));
	for (size_t r = 0; r < t->nrows; r++) {
		const struct asr_counts *c = &t->asr[r];
		struct pick p;
		uint32_t co = gb.cohort[r];

		if (!c->ref_words)
			continue;
		p.row = r;
		p.errors = c->sub + c->del + c->ins;
		p.wer = (double)p.errors / c->ref_words;
		keep(top + (size_t)co * k, &ntop[co], k, &p);
	}
	for (size_t c = 0; c < gb.ncohorts; c++) {
		cJSON *doc_cohort = find_cohort(cohorts, &gb, c, by);
		cJSON *arr;

		if (!doc_cohort)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(doc_cohort, "worst_utterances");
		arr = cJSON_AddArrayToObject(doc_cohort, "worst_utterances");
		for (size_t i = 0; i < ntop[c]; i++) {
			cJSON *u = utterance_json(al, t, &top[c * k + i], texts, ctx, err);

			if (!u)
				goto out;
			cJSON_AddItemToArray(arr, u);
		}
	}
	ret = 0;
out:
	for (size_t a = 0; a < FA_MAX_COHORT_ATTRS; a++)
		free(edges[a]);
	free(top);
	free(ntop);
	groupby_release(&gb);
	return ret;
}

int worst_attach(cJSON *doc, const struct table *t, size_t k,
		 const struct norm_opts *no, worst_texts_fn texts, void *ctx,
		 struct buf *err)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(doc, "params");
	const cJSON *bins = cJSON_GetObjectItemCaseSensitive(params, "bins");
	struct aligner *al;
	cJSON *g;
	int ret = 0;

	if (t->task != TASK_ASR || k == 0 || k > WORST_MAX) {
		buf_addf(err, "worst utterances need an asr table and 1 to %d"
			 " utterances per cohort", WORST_MAX);
		return -1;
	}
	al = aligner_new(no, err);
	if (!al)
		return -1;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groupings")) {
		if (attach_grouping(g, bins, t, k, al, texts, ctx, err)) {
			ret = -1;
			break;
		}
	}
	aligner_free(al);
	return ret;
}
