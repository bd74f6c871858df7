/*
 * h_datasets.c - datasets: create, list, get (models: h_models.c).
 */
#include "common/fa.h"
#include "common/limits.h"
#include "server/handlers.h"
#include "server/reqjson.h"
#include "cohorts/table.h"

cJSON *dataset_json(const struct dataset *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *attrs = cJSON_AddArrayToObject(o, "attributes");

	cJSON_AddNumberToObject(o, "id", (double)d->id);
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddStringToObject(o, "task", d->task);
	json_add_str_or_null(o, "positive_label", d->positive_label);
	if (d->labels && d->positive_label && d->nlabels == 2) {
		cJSON_AddStringToObject(o, "negative_label", d->labels[1]);
	} else if (d->labels) {
		cJSON *c = cJSON_AddArrayToObject(o, "classes");

		for (size_t i = 0; i < d->nlabels; i++)
			cJSON_AddItemToArray(c, cJSON_CreateString(d->labels[i]));
	}
	if (!strcmp(d->task, "classification") || !strcmp(d->task, "score"))
		cJSON_AddBoolToObject(o, "labels_declared", d->labels != NULL);
	json_add_str_or_null(o, "description", d->description);
	for (size_t i = 0; i < d->nattrs; i++)
		cJSON_AddItemToArray(attrs, cJSON_CreateString(d->attrs[i]));
	cJSON_AddNumberToObject(o, "examples", (double)d->example_count);
	cJSON_AddStringToObject(o, "created_at", d->created_at);
	json_add_str_or_null(o, "uploaded_at", d->uploaded_at);
	return o;
}


/*
 * The label domain of a new dataset from its creation fields: binary
 * ("positive_label", default "1", and "negative_label", default "0") or
 * multi-class ("classes", classification only).  Fills labels (pointing
 * into the request) and *positive (NULL for multi-class); responds 422.
 */
static int domain_or_respond(struct request *r, enum task t,
			     const char **positive, const char **negative,
			     const char **classes, size_t nclasses,
			     const char *labels[2])
{
	bool labelled = t == TASK_CLASSIFICATION || t == TASK_SCORE;
	struct label_domain dom;
	struct buf err = BUF_INIT;
	const char *field = *positive ? "positive_label" :
			    *negative ? "negative_label" : "classes";

	if (!labelled && (*positive || *negative || classes)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" applies only to classification"
				" and score tasks", field);
		return -1;
	}
	if (!labelled)
		return 0;
	if (classes && t == TASK_SCORE) {
		respond_problem(r, 422, "Invalid request",
				"field \"classes\" applies only to classification"
				" (a score task is binary: give \"positive_label\""
				" and \"negative_label\")");
		return -1;
	}
	if (classes && (*positive || *negative)) {
		respond_problem(r, 422, "Invalid request",
				"field \"classes\" declares a multi-class task and"
				" goes without \"positive_label\" and"
				" \"negative_label\"");
		return -1;
	}
	if (classes) {
		dom.labels = classes;
		dom.n = nclasses;
		dom.binary = false;
	} else {
		labels[0] = *positive ? *positive : "1";
		labels[1] = *negative ? *negative : "0";
		*positive = labels[0];
		dom.labels = labels;
		dom.n = 2;
		dom.binary = true;
	}
	if (label_domain_check(&dom, &err)) {
		respond_problem(r, 422, "Invalid request",
				"the dataset's labels cannot be used: %s", err.s);
		buf_release(&err);
		return -1;
	}
	return 0;
}

void h_datasets_create(struct request *r)
{
	static const char *const fields[] = { "name", "task", "positive_label",
					      "negative_label", "classes",
					      "description", NULL };
	const char *name = NULL, *task = NULL, *positive = NULL, *desc = NULL;
	const char *negative = NULL, **classes = NULL, *binary[2];
	struct dataset d = { 0 };
	size_t nclasses = 0;
	enum task t;
	int rc;

	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "name", true, FA_MAX_NAME_BYTES, &name) ||
	    json_string_or_respond(r, r->json, "task", true, 32, &task) ||
	    json_string_or_respond(r, r->json, "positive_label", false,
				   FA_MAX_NAME_BYTES, &positive) ||
	    json_string_or_respond(r, r->json, "negative_label", false,
				   FA_MAX_NAME_BYTES, &negative) ||
	    json_strings_or_respond(r, r->json, "classes", FA_MAX_NAME_BYTES,
				    1000, &classes, &nclasses) ||
	    json_string_or_respond(r, r->json, "description", false, 10000, &desc))
		goto out;
	if (task_parse(task, &t)) {
		respond_problem(r, 422, "Invalid request",
				"field \"task\" is \"%s\"; expected one of"
				" classification, score, regression, asr", task);
		goto out;
	}
	if (domain_or_respond(r, t, &positive, &negative, classes, nclasses,
			      binary))
		goto out;
	rc = store_dataset_create(req_db(r), name, task, positive,
				  classes ? classes : positive ? binary : NULL,
				  classes ? nclasses : positive ? 2 : 0,
				  desc, r->key.id, &d);
	if (rc) {
		respond_internal(r);
		goto out;
	}
	respond_json(r, 201, dataset_json(&d));
	dataset_release(&d);
out:
	free(classes);
}

void h_datasets_list(struct request *r)
{
	struct dataset *ds;
	size_t n;
	cJSON *doc, *arr;

	if (store_dataset_list(req_db(r), &ds, &n)) {
		respond_internal(r);
		return;
	}
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "datasets");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, dataset_json(&ds[i]));
		dataset_release(&ds[i]);
	}
	free(ds);
	respond_json(r, 200, doc);
}

void h_datasets_get(struct request *r)
{
	struct dataset d = { 0 };
	int rc = store_dataset_get(req_db(r), r->ids[0], &d);

	if (rc < 0) {
		respond_internal(r);
	} else if (rc > 0) {
		respond_problem(r, 404, "Not found", "dataset %lld does not exist",
				(long long)r->ids[0]);
	} else {
		respond_json(r, 200, dataset_json(&d));
		dataset_release(&d);
	}
}
