/*
 * h_evaluations.c - POST /v1/models/{id}/evaluations, GET
 * /v1/evaluations/{id} and its report (HTML, or CSV with ?format=csv).
 *
 * An evaluation loads the dataset joined to the model's predictions into a
 * columnar table once, runs the pure engine (evaluate/evaluation.h) and
 * stores the resulting document verbatim, so GET serves exactly the bytes
 * that POST returned and a report always renders a stored result.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/log.h"
#include "evaluate/evaluation.h"
#include "report/html.h"
#include "report/csv.h"
#include "metrics/normalize.h"
#include "evaluate/worst.h"
#include "evaluate/across.h"
#include "server/tablecache.h"
#include "report/json.h"

/* The stored document: identity first, then what the engine produced. */
static cJSON *evaluation_document(cJSON *result, int64_t id,
				  const struct model *m, const char *created_at)
{
	cJSON *doc = cJSON_CreateObject();
	cJSON *it;

	cJSON_AddNumberToObject(doc, "id", (double)id);
	cJSON_AddNumberToObject(doc, "model_id", (double)m->id);
	cJSON_AddNumberToObject(doc, "dataset_id", (double)m->dataset_id);
	cJSON_AddStringToObject(doc, "created_at", created_at);
	/* Which upload of the model's predictions this is about. */
	if (m->upload_stamp)
		cJSON_AddStringToObject(doc, "predictions_uploaded_at",
					m->upload_stamp);
	while ((it = result->child)) {
		cJSON_DetachItemViaPointer(result, it);
		if (cJSON_GetObjectItemCaseSensitive(doc, it->string))
			cJSON_Delete(it);
		else
			cJSON_AddItemToObject(doc, it->string, it);
	}
	cJSON_Delete(result);
	return doc;
}

/*
 * ASR counts were aligned at upload with the model's normalisation; an
 * evaluation asking for another one cannot be answered from them.  Either
 * way the normalisation actually used is what the result records.
 */
static int asr_normalize_or_respond(struct request *r, struct eval_params *p,
				    const struct model *m)
{
	const char *stored = m->normalize ? m->normalize : "sclite";

	if (p->normalize) {
		struct norm_opts no;
		struct buf err = BUF_INIT, desc = BUF_INIT;
		const char *spec = cJSON_IsString(p->normalize) ?
				   p->normalize->valuestring : NULL;
		int bad;

		norm_opts_init(&no);
		bad = !spec || norm_opts_parse(&no, spec, strlen(spec), &err);
		if (!bad)
			norm_opts_describe(&no, &desc);
		if (bad) {
			respond_problem(r, 422, "Invalid evaluation request",
					"normalize: %s", spec ? err.s :
					"must be a string such as \"sclite\" or"
					" \"unicode,fillers=uh|um\"");
		} else if (strcmp(desc.s, stored)) {
			respond_problem(r, 422, "Invalid evaluation request",
					"the predictions of model %lld were aligned"
					" with normalize \"%s\"; upload them again"
					" with ?normalize=%s&replace=true to evaluate"
					" with \"%s\"", (long long)m->id, stored,
					desc.s, desc.s);
			bad = 1;
		}
		norm_opts_release(&no);
		buf_release(&err);
		buf_release(&desc);
		if (bad)
			return -1;
	}
	cJSON_Delete(p->normalize);
	p->normalize = cJSON_CreateString(stored);
	return 0;
}

/* Texts of table rows, through the example id's ord. */
struct row_texts {
	const struct table *t;
	struct strmap ids;
	struct ref_texts refs, hyps;
};

static int row_text(void *ctx, size_t row, const char **ref, size_t *rl,
		    const char **hyp, size_t *hl)
{
	struct row_texts *x = ctx;
	int64_t ord = strmap_find(&x->ids, strmap_str(&x->t->ids, (uint32_t)row),
				  strmap_len(&x->t->ids, (uint32_t)row));

	if (ord < 0 || ord >= x->refs.n || ord >= x->hyps.n)
		return -1;
	*ref = x->refs.text.s + x->refs.off[ord];
	*rl = x->refs.len[ord];
	*hyp = x->hyps.text.s + x->hyps.off[ord];
	*hl = x->hyps.len[ord];
	return 0;
}

/*
 * Attach the k worst utterances of every cohort, with alignments made with
 * the model's normalisation.  0, or -1 after responding.
 */
static int attach_worst_or_respond(struct request *r, cJSON *doc,
				   const struct table *t,
				   const struct dataset *d,
				   const struct model *m, size_t k)
{
	struct row_texts x = { t };
	struct norm_opts no;
	struct buf err = BUF_INIT;
	const char *spec = m->normalize ? m->normalize : "sclite";
	int ret = -1;

	norm_opts_init(&no);
	strmap_init(&x.ids);
	if (norm_opts_parse(&no, spec, strlen(spec), &err) ||
	    store_asr_texts(req_db(r), d->id, m->id, &x.ids, &x.refs, &x.hyps)) {
		log_error("worst utterances of model %lld: %s", (long long)m->id, err.s);
		respond_internal(r);
		goto out;
	}
	if (worst_attach(doc, t, k, &no, row_text, &x, &err)) {
		log_error("worst utterances of model %lld: %s", (long long)m->id, err.s);
		respond_internal(r);
		goto out;
	}
	ret = 0;
out:
	norm_opts_release(&no);
	strmap_release(&x.ids);
	ref_texts_release(&x.refs);
	ref_texts_release(&x.hyps);
	buf_release(&err);
	return ret;
}

void h_evaluations_create(struct request *r)
{
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct table t;
	struct eval_params p;
	struct buf err = BUF_INIT;
	cJSON *result = NULL, *doc = NULL, *req = r->json;
	struct across across = { 0 };
	struct tablecache_key ckey = { NULL, 0, 0 };
	char *created_at = NULL, *params_s = NULL, *doc_s = NULL;
	int64_t id;
	enum task task;
	double t0 = now_seconds(), t_load = 0;
	bool cached;
	int rc;

	table_init(&t, TASK_CLASSIFICATION);
	eval_params_init(&p);
	rc = store_model_get(req_db(r), r->ids[0], &m);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found", "model %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		goto out;
	}
	if (store_dataset_get(req_db(r), m.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	if (m.prediction_count == 0) {
		respond_problem(r, 409, "Conflict",
				"model %lld has no predictions yet; upload them"
				" before evaluating", (long long)m.id);
		goto out;
	}
	task_parse(d.task, &task);
	table_init(&t, task);
	tablecache_key_init(&ckey, &d, &m);
	cached = !tablecache_get(&ckey, &t);
	if (!cached) {
		/* Not cached: read it, and check it is the upload m names. */
		struct model now = { 0 };
		bool same;

		if (store_table_load(req_db(r), &d, m.id, &t)) {
			respond_internal(r);
			goto out;
		}
		same = !store_model_get(req_db(r), m.id, &now) &&
		       now.upload_stamp && m.upload_stamp &&
		       !strcmp(now.upload_stamp, m.upload_stamp);
		model_release(&now);
		if (!same) {
			respond_problem(r, 409, "Conflict", "the predictions of"
					" model %lld were replaced while they"
					" were read; evaluate again",
					(long long)m.id);
			goto out;
		}
		tablecache_put(&ckey, &t);
	}
	t_load = now_seconds() - t0;
	if (cJSON_GetObjectItemCaseSensitive(r->json, "across") &&
	    across_or_respond(r, &m, &d, &t, &req, &across))
		goto out;
	if (eval_params_parse(&p, req, &t, &err)) {
		respond_problem(r, 422, "Invalid evaluation request", "%s", err.s);
		goto out;
	}
	if (task == TASK_ASR && asr_normalize_or_respond(r, &p, &m))
		goto out;
	result = evaluation_run(&t, &p, &err);
	if (!result) {
		respond_problem(r, 422, "Evaluation not possible", "%s", err.s);
		goto out;
	}
	if (store_evaluation_reserve(req_db(r), &id, &created_at)) {
		respond_internal(r);
		goto out;
	}
	doc = evaluation_document(result, id, &m, created_at);
	result = NULL;
	if (across.attr) {
		across_describe(doc, across.attr, across.label_a,
				across.side_a, across.side_b);
		across.side_a = across.side_b = NULL;
	}
	/* The report shows a few utterances per cohort with their alignment. */
	if (task == TASK_ASR && !across.attr &&
	    attach_worst_or_respond(r, doc, &t, &d, &m, 3))
		goto out;
	params_s = json_print(cJSON_GetObjectItemCaseSensitive(doc, "params"));
	doc_s = json_print(doc);
	if (!params_s || !doc_s)
		die("could not serialise an evaluation");
	if (store_evaluation_insert(req_db(r), id, m.id, params_s, doc_s,
				    created_at, r->key.id)) {
		respond_internal(r);
		goto out;
	}
	{
		/* For list pages: the groupings and how many flags were raised. */
		cJSON *sum = cJSON_CreateObject(), *by = cJSON_AddArrayToObject(sum, "by");
		const cJSON *g, *c, *f;
		int flagged = 0;
		char *sum_s;

		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groupings")) {
			cJSON_AddItemToArray(by, cJSON_Duplicate(
				cJSON_GetObjectItemCaseSensitive(g, "by"), 1));
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(g, "cohorts"))
				cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(c, "flags"))
					flagged++;
		}
		cJSON_AddNumberToObject(sum, "flagged", flagged);
		sum_s = json_print(sum);
		cJSON_Delete(sum);
		if (!sum_s || store_evaluation_summarise(req_db(r), id, sum_s))
			log_error("could not store the summary of evaluation %lld",
				  (long long)id);
		free(sum_s);
	}
	log_info("evaluation %lld: %zu rows loaded in %.3f s (%s), total %.3f s",
		 (long long)id, t.nrows, t_load, cached ? "from the table cache" :
		 "from PostgreSQL", now_seconds() - t0);
	respond(r, 201, "application/json", doc_s, strlen(doc_s));
	doc_s = NULL;
out:
	free(doc_s);
	free(params_s);
	free(created_at);
	cJSON_Delete(doc);
	cJSON_Delete(result);
	if (req != r->json)
		cJSON_Delete(req);
	across_release(&across);
	eval_params_release(&p);
	table_release(&t);
	tablecache_key_release(&ckey);
	dataset_release(&d);
	model_release(&m);
	buf_release(&err);
}

/* Load a stored evaluation; responds 404/500 itself and returns NULL. */
static char *load_or_respond(struct request *r, int64_t *model_id)
{
	char *json = NULL;
	int rc = store_evaluation_get(req_db(r), r->ids[0], &json, model_id);

	if (rc > 0)
		respond_problem(r, 404, "Not found",
				"evaluation %lld does not exist", (long long)r->ids[0]);
	else if (rc < 0)
		respond_internal(r);
	return rc ? NULL : json;
}

void h_evaluations_get(struct request *r)
{
	int64_t model_id;
	char *json = load_or_respond(r, &model_id);

	if (json)
		respond(r, 200, "application/json", json, strlen(json));
}

void h_evaluations_report(struct request *r)
{
	const char *format = req_arg(r, "format");
	const char *sort = req_arg(r, "sort");
	struct html_options opt = { HTML_SORT_SEVERITY };
	struct html_meta meta = { 0 };
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct buf out = BUF_INIT, err = BUF_INIT;
	char json_href[256], csv_href[256], sort_base[160];
	int64_t model_id;
	char *json = NULL, *body;
	cJSON *doc = NULL;
	size_t len;

	if (format && strcmp(format, "html") && strcmp(format, "csv")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not html or csv", format);
		goto out;
	}
	if (sort && html_sort_parse(sort, &opt.sort, &err)) {
		respond_problem(r, 400, "Bad request", "%s", err.s);
		goto out;
	}
	json = load_or_respond(r, &model_id);
	if (!json)
		goto out;
	doc = cJSON_Parse(json);
	if (!doc) {
		log_error("stored evaluation %lld is not JSON", (long long)r->ids[0]);
		respond_internal(r);
		goto out;
	}
	if (format && !strcmp(format, "csv")) {
		if (csv_render_evaluation(&out, doc, &err)) {
			log_error("csv report: %s", err.s);
			respond_internal(r);
			goto out;
		}
		body = buf_detach(&out, &len);
		respond(r, 200, "text/csv; charset=utf-8", body, len);
		goto out;
	}
	if (store_model_get(req_db(r), model_id, &m) ||
	    store_dataset_get(req_db(r), m.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	/* Links carry the share token when the page was opened with one. */
	snprintf(json_href, sizeof(json_href), "/v1/evaluations/%lld%s",
		 (long long)r->ids[0], share_query(r, '?'));
	snprintf(csv_href, sizeof(csv_href), "/v1/evaluations/%lld/report?format=csv%s",
		 (long long)r->ids[0], share_query(r, '&'));
	snprintf(sort_base, sizeof(sort_base), "?%s%s", share_query(r, '?') + (r->share ? 1 : 0),
		 r->share ? "&" : "");
	meta.sort_href_base = sort_base;
	meta.dataset_name = d.name;
	meta.model_name = m.name;
	meta.model_version = m.version;
	meta.json_href = json_href;
	meta.csv_href = csv_href;
	respond_page(r, html_render_evaluation(&out, doc, &meta, &opt, &err),
		     &out, &err, "html report");
out:
	free(json);
	cJSON_Delete(doc);
	model_release(&m);
	dataset_release(&d);
	buf_release(&out);
	buf_release(&err);
}

/*
 * GET /v1/evaluations/{id}/alignments?limit=N: the N worst utterances of
 * every cohort of a stored asr evaluation, with word alignments.
 */
void h_evaluations_alignments(struct request *r)
{
	const char *lim = req_arg(r, "limit");
	int64_t limit = 10, model_id;
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct table t;
	char *json = NULL;
	cJSON *doc = NULL, *out = NULL, *g;
	const cJSON *created, *stamp;

	table_init(&t, TASK_ASR);
	if (lim && (parse_i64(lim, strlen(lim), &limit) || limit < 1 ||
		    limit > WORST_MAX)) {
		respond_problem(r, 400, "Bad request", "limit \"%s\" is not a"
				" number from 1 to %d", lim, WORST_MAX);
		goto done;
	}
	json = load_or_respond(r, &model_id);
	if (!json)
		goto done;
	doc = cJSON_Parse(json);
	if (!doc || store_model_get(req_db(r), model_id, &m) ||
	    store_dataset_get(req_db(r), m.dataset_id, &d)) {
		respond_internal(r);
		goto done;
	}
	if (strcmp(d.task, "asr")) {
		respond_problem(r, 409, "Conflict", "evaluation %lld is of a %s"
				" dataset; alignments exist for asr only",
				(long long)r->ids[0], d.task);
		goto done;
	}
	created = cJSON_GetObjectItemCaseSensitive(doc, "created_at");
	stamp = cJSON_GetObjectItemCaseSensitive(doc, "predictions_uploaded_at");
	if (cJSON_IsString(stamp) ?
	    !m.upload_stamp || strcmp(m.upload_stamp, stamp->valuestring) :
	    m.uploaded_at && cJSON_IsString(created) &&
	    strcmp(m.uploaded_at, created->valuestring) > 0) {
		respond_problem(r, 409, "Conflict", "the predictions of model %lld"
				" were replaced after evaluation %lld; evaluate"
				" again to see their alignments", (long long)m.id,
				(long long)r->ids[0]);
		goto done;
	}
	if (store_table_load(req_db(r), &d, m.id, &t)) {
		respond_internal(r);
		goto done;
	}
	if (attach_worst_or_respond(r, doc, &t, &d, &m, (size_t)limit))
		goto done;
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "evaluation_id", (double)r->ids[0]);
	cJSON_AddStringToObject(out, "normalize", m.normalize ? m.normalize : "sclite");
	cJSON_AddNumberToObject(out, "limit", (double)limit);
	{
		cJSON *gs = cJSON_AddArrayToObject(out, "groupings");

		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groupings")) {
			cJSON *og = cJSON_CreateObject(), *ocs, *c;

			cJSON_AddItemToObject(og, "by", cJSON_Duplicate(
				cJSON_GetObjectItemCaseSensitive(g, "by"), 1));
			ocs = cJSON_AddArrayToObject(og, "cohorts");
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(g, "cohorts")) {
				cJSON *oc = cJSON_CreateObject();

				cJSON_AddItemToObject(oc, "attributes", cJSON_Duplicate(
					cJSON_GetObjectItemCaseSensitive(c, "attributes"), 1));
				cJSON_AddItemToObject(oc, "worst_utterances", cJSON_Duplicate(
					cJSON_GetObjectItemCaseSensitive(c, "worst_utterances"), 1));
				cJSON_AddItemToArray(ocs, oc);
			}
			cJSON_AddItemToArray(gs, og);
		}
	}
	respond_json(r, 200, out);
done:
	free(json);
	cJSON_Delete(doc);
	table_release(&t);
	model_release(&m);
	dataset_release(&d);
}

/* ---- GET /v1/evaluations ---- */

/* See handlers.h. */
cJSON *h_evaluation_items(struct request *r)
{
	struct evaluation_item *ev;
	size_t n;
	cJSON *arr;

	if (store_evaluation_list(req_db(r), 1000, &ev, &n))
		return NULL;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON *sum = cJSON_Parse(ev[i].summary ? ev[i].summary : "{}");
		char href[128];

		cJSON_AddNumberToObject(o, "id", (double)ev[i].id);
		cJSON_AddNumberToObject(o, "model_id", (double)ev[i].model_id);
		cJSON_AddNumberToObject(o, "dataset_id", (double)ev[i].dataset_id);
		cJSON_AddStringToObject(o, "model", ev[i].model_name);
		cJSON_AddStringToObject(o, "dataset", ev[i].dataset_name);
		cJSON_AddStringToObject(o, "task", ev[i].task);
		cJSON_AddStringToObject(o, "created_at", ev[i].created_at);
		if (sum) {
			cJSON *by = cJSON_DetachItemFromObject(sum, "by");
			cJSON *fl = cJSON_DetachItemFromObject(sum, "flagged");

			if (by)
				cJSON_AddItemToObject(o, "by", by);
			if (fl)
				cJSON_AddItemToObject(o, "flagged", fl);
			cJSON_Delete(sum);
		}
		snprintf(href, sizeof(href), "/v1/evaluations/%lld/report%s",
			 (long long)ev[i].id, share_query(r, '?'));
		cJSON_AddStringToObject(o, "href", href);
		cJSON_AddItemToArray(arr, o);
		evaluation_item_release(&ev[i]);
	}
	free(ev);
	return arr;
}

void h_evaluations_list(struct request *r)
{
	cJSON *arr = h_evaluation_items(r), *doc, *it;

	if (!arr) {
		respond_internal(r);
		return;
	}
	cJSON_ArrayForEach(it, arr)
		cJSON_DeleteItemFromObject(it, "href");
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "evaluations", arr);
	respond_json(r, 200, doc);
}

/*
 * GET /v1/models/{id}/report?by=A,B[&bins=A=E1,E2;...][&reference=A=V]:
 * an evaluation of the model grouped by the attributes given, computed
 * for this page and not stored (the slice page links here: one click from
 * a slice to its cohorts).  ?format=json answers the evaluation's JSON.
 */
void h_model_report(struct request *r)
{
	const char *by = req_arg(r, "by"), *bins = req_arg(r, "bins");
	const char *ref = req_arg(r, "reference"), *format = req_arg(r, "format");
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct table t;
	struct eval_params p;
	struct html_options opt = { HTML_SORT_SEVERITY };
	struct html_meta meta = { 0 };
	struct buf err = BUF_INIT, out = BUF_INIT, one = BUF_INIT;
	cJSON *result = NULL;
	enum task task;
	int rc;

	table_init(&t, TASK_CLASSIFICATION);
	eval_params_init(&p);
	if (format && strcmp(format, "html") && strcmp(format, "json")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not html or json", format);
		goto out;
	}
	if (!by || !*by) {
		respond_problem(r, 400, "Bad request", "by: name the attributes"
				" to group by, e.g. ?by=accent,gender");
		goto out;
	}
	rc = eval_params_add_grouping(&p, by, &err);
	for (const char *s = bins; !rc && s && *s;) {
		const char *semi = strchr(s, ';');

		buf_reset(&one);
		buf_add(&one, s, semi ? (size_t)(semi - s) : strlen(s));
		rc = eval_params_add_bins(&p, one.s ? one.s : "", &err);
		s = semi ? semi + 1 : NULL;
	}
	if (!rc && ref)
		rc = eval_params_add_reference(&p, ref, &err);
	if (rc) {
		respond_problem(r, 400, "Bad request", "%s", err.s);
		goto out;
	}
	if (model_or_respond(r, r->ids[0], &m))
		goto out;
	if (!m.prediction_count) {
		respond_problem(r, 409, "Conflict", "model %lld has no "
				"predictions yet", (long long)m.id);
		goto out;
	}
	if (store_dataset_get(req_db(r), m.dataset_id, &d) ||
	    task_parse(d.task, &task)) {
		respond_internal(r);
		goto out;
	}
	table_init(&t, task);
	if (store_table_load(req_db(r), &d, m.id, &t)) {
		respond_internal(r);
		goto out;
	}
	result = evaluation_run(&t, &p, &err);
	if (!result) {
		respond_problem(r, 422, "Evaluation not possible", "%s", err.s);
		goto out;
	}
	cJSON_AddNumberToObject(result, "model_id", (double)m.id);
	cJSON_AddNumberToObject(result, "dataset_id", (double)d.id);
	cJSON_AddFalseToObject(result, "stored");
	if (format && !strcmp(format, "json")) {
		respond_json(r, 200, result);
		result = NULL;
		goto out;
	}
	meta.dataset_name = d.name;
	meta.model_name = m.name;
	meta.model_version = m.version;
	respond_page(r, html_render_evaluation(&out, result, &meta, &opt,
					       &err), &out, &err,
		     "model report");
out:
	cJSON_Delete(result);
	eval_params_release(&p);
	table_release(&t);
	model_release(&m);
	dataset_release(&d);
	buf_release(&err);
	buf_release(&out);
	buf_release(&one);
}
