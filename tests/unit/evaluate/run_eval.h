/*
 * run_eval.h - for the evaluation unit tests: evaluation_run() on a
 * hand-built table with a request given as JSON text, as the service
 * parses one.  Include after cmocka.h.
 */
#ifndef FA_TEST_RUN_EVAL_H
#define FA_TEST_RUN_EVAL_H

#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"

/* The evaluation of t for req, or NULL with err set. */
static inline cJSON *run_json(const struct table *t, const char *req,
			      struct buf *err)
{
	struct eval_params p;
	cJSON *r = cJSON_Parse(req), *res = NULL;

	assert_non_null(r);
	eval_params_init(&p);
	if (!eval_params_parse(&p, r, t, err))
		res = evaluation_run(t, &p, err);
	eval_params_release(&p);
	cJSON_Delete(r);
	return res;
}

#endif
