/*
 * h_slices.c - slice discovery as a job (evaluate/slices.h,
 * server/slice_worker.h):
 *   POST /v1/models/{id}/slices     queue a search; 202 {"id", "status"}
 *   GET  /v1/slices/{id}            the job: status, progress and, when
 *                                   done, the slices
 *   POST /v1/slices/{id}/cancel     stop it
 *   POST /v1/bounties/{id}/slices   the search on a bounty's discovery part
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "server/store.h"
#include "server/reqjson.h"
#include "server/log.h"
#include "server/store_slices.h"
#include "server/store_bounties.h"
#include "evaluate/slices.h"
#include "report/html.h"
#include "report/csv.h"
#include "report/json.h"

/* A table with the dataset's task and attributes and no rows. */
static void empty_table(const struct dataset *d, enum task task,
			struct table *t)
{
	table_init(t, task);
	for (size_t a = 0; a < d->nattrs; a++)
		table_add_attr(t, d->attrs[a]);
	if (d->positive_label)
		table_set_positive(t, d->positive_label,
				   strlen(d->positive_label));
	table_finish(t);
}

static cJSON *job_json(const struct slice_job *j)
{
	cJSON *o = cJSON_CreateObject(), *res, *it;
	char href[64];

	cJSON_AddNumberToObject(o, "id", (double)j->id);
	cJSON_AddNumberToObject(o, "model_id", (double)j->model_id);
	if (j->bounty_id)
		cJSON_AddNumberToObject(o, "bounty_id", (double)j->bounty_id);
	cJSON_AddStringToObject(o, "status", j->status);
	cJSON_AddItemToObject(o, "progress", j->progress ?
			      cJSON_Parse(j->progress) : cJSON_CreateObject());
	cJSON_AddNumberToObject(o, "attempts", j->attempts);
	if (j->error)
		cJSON_AddStringToObject(o, "error", j->error);
	cJSON_AddStringToObject(o, "created_at", j->created_at);
	json_add_str_or_null(o, "started_at", j->started_at);
	json_add_str_or_null(o, "finished_at", j->finished_at);
	cJSON_AddItemToObject(o, "request", cJSON_Parse(j->params));
	res = j->result ? cJSON_Parse(j->result) : NULL;
	if (res) {
		while ((it = res->child)) {
			cJSON_DetachItemViaPointer(res, it);
			if (!cJSON_GetObjectItemCaseSensitive(o, it->string))
				cJSON_AddItemToObject(o, it->string, it);
			else
				cJSON_Delete(it);
		}
		cJSON_Delete(res);
	} else {
		cJSON_AddArrayToObject(o, "slices");
	}
	snprintf(href, sizeof(href), "/v1/slices/%lld", (long long)j->id);
	it = cJSON_AddObjectToObject(o, "links");
	cJSON_AddStringToObject(it, "self", href);
	return o;
}

/*
 * Check req (a copy of the body) against model m's dataset and queue it;
 * responds either way.  bounty_id 0: none.
 */
static void queue(struct request *r, const struct model *m, int64_t bounty_id,
		  const cJSON *req)
{
	struct dataset d = { 0 };
	struct table t;
	struct buf err = BUF_INIT;
	struct slice_job job = { 0 };
	enum task task;
	char *params = NULL;
	int64_t id;

	table_init(&t, TASK_CLASSIFICATION);
	if (!m->prediction_count) {
		respond_problem(r, 409, "Conflict", "model %lld has no "
				"predictions yet; upload them before searching",
				(long long)m->id);
		goto out;
	}
	if (store_dataset_get(req_db(r), m->dataset_id, &d) ||
	    task_parse(d.task, &task)) {
		respond_internal(r);
		goto out;
	}
	empty_table(&d, task, &t);
	if (slices_check(&t, req, &err)) {
		respond_problem(r, 422, "Invalid slice request", "%s", err.s);
		goto out;
	}
	params = json_print(req);
	if (!params || store_slice_job_create(req_db(r), m->id, bounty_id,
					      params, r->key.id, &id) ||
	    store_slice_job_get(req_db(r), id, &job)) {
		respond_internal(r);
		goto out;
	}
	respond_json(r, 202, job_json(&job));
out:
	free(params);
	slice_job_release(&job);
	table_release(&t);
	dataset_release(&d);
	buf_release(&err);
}

void h_model_slices_create(struct request *r)
{
	struct model m = { 0 };

	if (!model_or_respond(r, r->ids[0], &m))
		queue(r, &m, 0, r->json);
	model_release(&m);
}

/*
 * POST /v1/bounties/{id}/slices: the search on the bounty's discovery part
 * only, what a hunter could find; the bounty's metric unless another is
 * asked for.
 */
void h_bounty_slices_create(struct request *r)
{
	struct bounty b;
	struct model m = { 0 };
	cJSON *req;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = store_bounty_get(req_db(r), r->ids[0], &b);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found", "bounty %lld does "
					"not exist", (long long)r->ids[0]);
		else
			respond_internal(r);
		bounty_release(&b);
		return;
	}
	req = cJSON_Duplicate(r->json, true);
	if (!cJSON_GetObjectItemCaseSensitive(req, "metric"))
		cJSON_AddStringToObject(req, "metric", b.metric);
	if (!model_or_respond(r, b.model_id, &m))
		queue(r, &m, b.id, req);
	cJSON_Delete(req);
	model_release(&m);
	bounty_release(&b);
}

void h_slices_get(struct request *r)
{
	struct slice_job job = { 0 };
	int rc = store_slice_job_get(req_db(r), r->ids[0], &job);

	if (rc > 0)
		respond_problem(r, 404, "Not found", "slice search %lld does "
				"not exist", (long long)r->ids[0]);
	else if (rc < 0)
		respond_internal(r);
	else
		respond_json(r, 200, job_json(&job));
	slice_job_release(&job);
}

void h_slices_cancel(struct request *r)
{
	int rc = store_slice_job_cancel(req_db(r), r->ids[0]);

	if (rc > 0) {
		respond_problem(r, 404, "Not found", "slice search %lld does "
				"not exist", (long long)r->ids[0]);
		return;
	}
	if (rc < 0) {
		respond_internal(r);
		return;
	}
	h_slices_get(r);
}

void h_slices_report(struct request *r)
{
	const char *format = req_arg(r, "format");
	struct slice_job job = { 0 };
	struct buf out = BUF_INIT, err = BUF_INIT;
	char href[64];
	cJSON *doc;
	int rc;

	if (format && strcmp(format, "html") && strcmp(format, "csv")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not html or csv", format);
		return;
	}
	rc = store_slice_job_get(req_db(r), r->ids[0], &job);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found", "slice search %lld"
					" does not exist", (long long)r->ids[0]);
		else
			respond_internal(r);
		return;
	}
	doc = job_json(&job);
	snprintf(href, sizeof(href), "/v1/slices/%lld", (long long)job.id);
	if (format && !strcmp(format, "csv")) {
		size_t len;
		char *body;

		if (csv_render_slices(&out, doc, &err)) {
			log_error("slices csv: %s", err.s);
			respond_internal(r);
		} else {
			body = buf_detach(&out, &len);
			respond(r, 200, "text/csv; charset=utf-8", body, len);
		}
	} else {
		respond_page(r, html_render_slices(&out, doc, href, &err),
			     &out, &err, "slice page");
	}
	cJSON_Delete(doc);
	slice_job_release(&job);
	buf_release(&out);
	buf_release(&err);
}
