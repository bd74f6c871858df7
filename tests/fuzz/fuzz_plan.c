/*
 * fuzz_plan.c - libFuzzer target for plan requests (evaluate/plan.c) as
 * POST /v1/plan and `fairaudit plan --evaluation FILE` take them: the
 * input is a request's JSON, optionally followed by a NUL byte and an
 * evaluation document's JSON to take figures from.  Both go through cJSON
 * as the service parses them; any tree must be safe.  Oracle: plan_run()
 * returns NULL with a reason in err, or an object that serialises and
 * holds examples_per_cohort >= 1 (a number, or null where the size
 * overflows a double) and the request's figures in range.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "evaluate/plan.h"
#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cJSON *out, const struct buf *err)
{
	const cJSON *n, *b;
	char *s;

	if (!out) {
		if (!err->len) {
			fprintf(stderr, "fuzz oracle: refused without a word\n");
			abort();
		}
		return;
	}
	n = cJSON_GetObjectItemCaseSensitive(out, "examples_per_cohort");
	b = cJSON_GetObjectItemCaseSensitive(out, "base_rate");
	if (!cJSON_IsNumber(b) || !(b->valuedouble > 0 && b->valuedouble < 1) ||
	    !n || (cJSON_IsNumber(n) && !(n->valuedouble >= 1))) {
		fprintf(stderr, "fuzz oracle: bad plan\n");
		abort();
	}
	s = cJSON_PrintUnformatted(out);
	if (!s)
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t rlen = nul ? (size_t)(nul - data) : size;
	cJSON *req = cJSON_ParseWithLength((const char *)data, rlen);
	cJSON *ev = nul ? cJSON_ParseWithLength((const char *)nul + 1,
						size - rlen - 1) : NULL;
	struct buf err = BUF_INIT;
	cJSON *out;

	if (req) {
		out = plan_run(req, ev, &err);
		check(out, &err);
		cJSON_Delete(out);
	}
	buf_release(&err);
	cJSON_Delete(req);
	cJSON_Delete(ev);
	return 0;
}
