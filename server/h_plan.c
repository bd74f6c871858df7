/*
 * h_plan.c - POST /v1/plan: the examples or speakers an evaluation needs
 * to detect a disparity (evaluate/plan.h); any role, nothing stored.
 * With "evaluation": ID the figures come from that stored evaluation,
 * which only the roles that may read evaluations may name.
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "server/store.h"
#include "evaluate/plan.h"

/* The evaluation the request names, parsed; NULL after responding. */
static cJSON *named_evaluation(struct request *r, const cJSON *id)
{
	int64_t model_id;
	char *json = NULL;
	cJSON *doc;
	int rc;

	if (!cJSON_IsNumber(id) || id->valuedouble < 1 ||
	    id->valuedouble > 9e15 || id->valuedouble != floor(id->valuedouble)) {
		respond_problem(r, 422, "Invalid plan request",
				"field \"evaluation\" must be an evaluation's "
				"id");
		return NULL;
	}
	if (!strcmp(r->key.role, "hunter")) {
		respond_problem(r, 403, "Forbidden",
				"a hunter key cannot read evaluations; give "
				"base_rate and the other figures instead");
		return NULL;
	}
	rc = store_evaluation_get(req_db(r), (int64_t)id->valuedouble, &json,
				  &model_id);
	if (rc > 0) {
		respond_problem(r, 404, "Not found",
				"evaluation %lld does not exist",
				(long long)id->valuedouble);
		return NULL;
	}
	if (rc < 0 || !(doc = cJSON_Parse(json))) {
		free(json);
		respond_internal(r);
		return NULL;
	}
	free(json);
	return doc;
}

void h_plan(struct request *r)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(r->json,
							  "evaluation");
	struct buf err = BUF_INIT;
	cJSON *ev = NULL, *out;

	if (id && !cJSON_IsNull(id) && !(ev = named_evaluation(r, id)))
		return;
	out = plan_run(r->json, ev, &err);
	if (out)
		respond_json(r, 200, out);
	else
		respond_problem(r, 422, "Invalid plan request", "%s", err.s);
	cJSON_Delete(ev);
	buf_release(&err);
}
