/*
 * h_plan.c - POST /v1/plan: the examples or speakers an evaluation needs
 * to detect a disparity (evaluate/plan.h); any role, nothing stored.
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "evaluate/plan.h"

void h_plan(struct request *r)
{
	struct buf err = BUF_INIT;
	cJSON *out = plan_run(r->json, &err);

	if (out)
		respond_json(r, 200, out);
	else
		respond_problem(r, 422, "Invalid plan request", "%s", err.s);
	buf_release(&err);
}
