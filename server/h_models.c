/*
 * h_models.c - models of a dataset: create, list, get.
 */
#include "common/fa.h"
#include "common/limits.h"
#include "server/handlers.h"
#include "server/reqjson.h"

cJSON *model_json(const struct model *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)m->id);
	cJSON_AddNumberToObject(o, "dataset_id", (double)m->dataset_id);
	cJSON_AddStringToObject(o, "name", m->name);
	json_add_str_or_null(o, "version", m->version);
	cJSON_AddNumberToObject(o, "predictions", (double)m->prediction_count);
	if (m->normalize)
		cJSON_AddStringToObject(o, "normalize", m->normalize);
	cJSON_AddStringToObject(o, "created_at", m->created_at);
	json_add_str_or_null(o, "uploaded_at", m->uploaded_at);
	return o;
}

void h_models_create(struct request *r)
{
	static const char *const fields[] = { "name", "version", NULL };
	const char *name = NULL, *version = NULL;
	struct dataset d = { 0 };
	struct model m = { 0 };
	int rc;

	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "name", true, FA_MAX_NAME_BYTES, &name) ||
	    json_string_or_respond(r, r->json, "version", false, FA_MAX_NAME_BYTES,
				   &version))
		return;
	rc = store_dataset_get(req_db(r), r->ids[0], &d);
	if (rc > 0) {
		respond_problem(r, 404, "Not found", "dataset %lld does not exist",
				(long long)r->ids[0]);
		return;
	}
	dataset_release(&d);
	if (rc < 0 || store_model_create(req_db(r), r->ids[0], name, version,
					 r->key.id, &m)) {
		respond_internal(r);
		return;
	}
	respond_json(r, 201, model_json(&m));
	model_release(&m);
}

void h_models_list(struct request *r)
{
	struct model *ms;
	size_t n;
	cJSON *doc, *arr;
	int64_t ds = r->nids ? r->ids[0] : 0;

	if (ds) {
		struct dataset d = { 0 };
		int rc = store_dataset_get(req_db(r), ds, &d);

		if (rc > 0) {
			respond_problem(r, 404, "Not found",
					"dataset %lld does not exist", (long long)ds);
			return;
		}
		dataset_release(&d);
		if (rc < 0) {
			respond_internal(r);
			return;
		}
	}
	if (store_model_list(req_db(r), ds, &ms, &n)) {
		respond_internal(r);
		return;
	}
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "models");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, model_json(&ms[i]));
		model_release(&ms[i]);
	}
	free(ms);
	respond_json(r, 200, doc);
}

void h_models_get(struct request *r)
{
	struct model m = { 0 };
	int rc = store_model_get(req_db(r), r->ids[0], &m);

	if (rc < 0) {
		respond_internal(r);
	} else if (rc > 0) {
		respond_problem(r, 404, "Not found", "model %lld does not exist",
				(long long)r->ids[0]);
	} else {
		respond_json(r, 200, model_json(&m));
		model_release(&m);
	}
}

int model_or_respond(struct request *r, int64_t id, struct model *m)
{
	int rc = store_model_get(req_db(r), id, m);

	if (rc > 0)
		respond_problem(r, 404, "Not found", "model %lld does not exist",
				(long long)id);
	else if (rc < 0)
		respond_internal(r);
	return rc;
}
