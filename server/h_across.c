/*
 * h_across.c - an evaluation of one model across two datasets
 * (POST /v1/models/{a}/evaluations with "across": {"model": B}): model B
 * is the same model's predictions on another dataset with the same
 * attributes (a lab set and a customer's field set).  The two tables
 * become one (evaluate/across.h) and the request gains the condition
 * {dataset, A's dataset}; see h_evaluations_create.
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "server/store.h"
#include "evaluate/across.h"

void across_release(struct across *x)
{
	free(x->attr);
	free(x->label_a);
	free(x->label_b);
	cJSON_Delete(x->side_a);
	cJSON_Delete(x->side_b);
	memset(x, 0, sizeof(*x));
}

static cJSON *side_json(const struct model *m, const struct dataset *d,
			const char *label)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddNumberToObject(o, "model_id", (double)m->id);
	cJSON_AddStringToObject(o, "model", m->name);
	cJSON_AddNumberToObject(o, "dataset_id", (double)d->id);
	cJSON_AddStringToObject(o, "dataset", d->name);
	cJSON_AddNumberToObject(o, "examples", (double)m->prediction_count);
	return o;
}

/* Model B of "across", checked against model A; 0 or responded. */
static int other_model_or_respond(struct request *r, const cJSON *across,
				  const struct model *ma,
				  const struct dataset *da, struct model *mb,
				  struct dataset *db)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(across, "model");
	const char *na, *nb;
	int rc;

	if (!cJSON_IsObject(across) || !cJSON_IsNumber(id) ||
	    id->valuedouble < 1 || id->valuedouble > 9e15 ||
	    id->valuedouble != floor(id->valuedouble) ||
	    cJSON_GetArraySize(across) != 1) {
		respond_problem(r, 422, "Invalid evaluation request",
				"across must be {\"model\": ID}: the same model's"
				" predictions on another dataset");
		return -1;
	}
	rc = store_model_get(req_db(r), (int64_t)id->valuedouble, mb);
	if (rc > 0)
		respond_problem(r, 422, "Invalid evaluation request",
				"across: model %lld does not exist",
				(long long)id->valuedouble);
	if (rc)
		goto fail;
	if (mb->dataset_id == ma->dataset_id) {
		respond_problem(r, 422, "Invalid evaluation request",
				"across: models %lld and %lld are on one dataset;"
				" compare them with GET /v1/models/%lld/compare/"
				"%lld/report (paired)", (long long)ma->id,
				(long long)mb->id, (long long)ma->id,
				(long long)mb->id);
		return -1;
	}
	if (!mb->prediction_count) {
		respond_problem(r, 409, "Conflict", "across: model %lld has no "
				"predictions yet", (long long)mb->id);
		return -1;
	}
	if ((rc = store_dataset_get(req_db(r), mb->dataset_id, db)))
		goto fail;
	if (strcmp(da->task, db->task)) {
		respond_problem(r, 422, "Invalid evaluation request",
				"across: dataset %lld is %s and dataset %lld is "
				"%s", (long long)da->id, da->task,
				(long long)db->id, db->task);
		return -1;
	}
	na = ma->normalize ? ma->normalize : "sclite";
	nb = mb->normalize ? mb->normalize : "sclite";
	if (!strcmp(da->task, "asr") && strcmp(na, nb)) {
		respond_problem(r, 422, "Invalid evaluation request",
				"across: model %lld was aligned with normalize "
				"\"%s\" and model %lld with \"%s\"",
				(long long)ma->id, na, (long long)mb->id, nb);
		return -1;
	}
	return 0;
fail:
	if (rc < 0)
		respond_internal(r);
	return -1;
}

int across_or_respond(struct request *r, const struct model *ma,
		      const struct dataset *da, struct table *t,
		      cJSON **req, struct across *x)
{
	const cJSON *across = cJSON_GetObjectItemCaseSensitive(*req, "across");
	struct model mb = { 0 };
	struct dataset db = { 0 };
	struct table tb, tc;
	struct buf err = BUF_INIT, la = BUF_INIT, lb = BUF_INIT;
	struct across_side sa, sb;
	cJSON *cond;
	int ret = -1;

	table_init(&tb, t->task);
	if (cJSON_GetObjectItemCaseSensitive(*req, "condition")) {
		respond_problem(r, 422, "Invalid evaluation request",
				"across and condition cannot be combined: "
				"across is the condition \"dataset\"");
		goto out;
	}
	if (other_model_or_respond(r, across, ma, da, &mb, &db))
		goto out;
	if (store_table_load(req_db(r), &db, mb.id, &tb)) {
		respond_internal(r);
		goto out;
	}
	buf_adds(&la, da->name);
	buf_adds(&lb, db.name);
	if (!strcmp(la.s, lb.s)) {
		buf_addf(&la, " (dataset %lld)", (long long)da->id);
		buf_addf(&lb, " (dataset %lld)", (long long)db.id);
	}
	sa = (struct across_side){ la.s, t };
	sb = (struct across_side){ lb.s, &tb };
	if (across_table(&tc, &sa, &sb, &x->attr, &err)) {
		respond_problem(r, 422, "Evaluation not possible", "across: %s",
				err.s);
		goto out;
	}
	table_release(t);
	*t = tc;
	*req = cJSON_Duplicate(*req, true);
	cJSON_DeleteItemFromObjectCaseSensitive(*req, "across");
	cond = cJSON_AddObjectToObject(*req, "condition");
	cJSON_AddStringToObject(cond, "attribute", x->attr);
	cJSON_AddStringToObject(cond, "baseline", la.s);
	x->side_a = side_json(ma, da, la.s);
	x->side_b = side_json(&mb, &db, lb.s);
	x->label_a = buf_detach(&la, NULL);
	x->label_b = buf_detach(&lb, NULL);
	ret = 0;
out:
	table_release(&tb);
	model_release(&mb);
	dataset_release(&db);
	buf_release(&err);
	buf_release(&la);
	buf_release(&lb);
	return ret;
}
