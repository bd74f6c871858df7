/*
 * fuzz_slices.c - libFuzzer target for slice-discovery requests
 * (evaluate/slices.c) as POST /v1/models/{id}/slices and `fairaudit
 * slices` take them: the input is a request's JSON; the table is a fixed
 * one of 300 rows (binary classification, two categorical attributes and
 * a numeric one).  Oracle: slices_run() returns NULL with a reason, or a
 * document that serialises, whose slices are at most k, each with at
 * least min_support rows, sizes at most the rows searched.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "evaluate/slices.h"
#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct table t;
static bool built;

static void build(void)
{
	static const char *const v[] = { "a", "b", "c" };
	uint32_t c0, c1;

	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "g");
	table_add_attr(&t, "h");
	table_add_attr(&t, "age");
	c0 = table_class(&t, "0", 1);
	c1 = table_class(&t, "1", 1);
	table_set_positive(&t, "1", 1);
	for (unsigned i = 0; i < 300; i++) {
		char id[16], age[16];
		int n = snprintf(id, sizeof(id), "x%u", i);
		int m = snprintf(age, sizeof(age), "%u", 18 + i % 50);
		size_t r = (size_t)table_add_row(&t, id, (size_t)n);

		table_set_attr(&t, r, 0, v[i % 3], 1);
		table_set_attr(&t, r, 1, v[(i / 3) % 2], 1);
		table_set_attr(&t, r, 2, age, (size_t)m);
		t.label[r] = i % 2 ? c1 : c0;
		t.pred[r] = (i % 7 == 0) != (i % 2 == 1) ? c1 : c0;
	}
	table_finish(&t);
	built = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *req = cJSON_ParseWithLength((const char *)data, size), *out;
	struct buf err = BUF_INIT;
	const cJSON *s, *p;
	bool cancelled;
	double k, sup, rows;

	if (!built)
		build();
	if (!req)
		return 0;
	out = slices_run(&t, NULL, req, NULL, &cancelled, &err);
	if (!out) {
		if (!err.len || cancelled)
			abort();
	} else {
		char *text = cJSON_PrintUnformatted(out);

		if (!text)
			abort();
		free(text);
		p = cJSON_GetObjectItemCaseSensitive(out, "params");
		k = cJSON_GetObjectItemCaseSensitive(p, "k")->valuedouble;
		sup = cJSON_GetObjectItemCaseSensitive(p, "min_support")
			      ->valuedouble;
		rows = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(out, "overall"),
			"rows")->valuedouble;
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
			    out, "slices")) > (int)k)
			abort();
		cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(out,
								       "slices")) {
			double n = cJSON_GetObjectItemCaseSensitive(s, "size")
					   ->valuedouble;

			if (n < sup || n > rows)
				abort();
		}
	}
	cJSON_Delete(out);
	cJSON_Delete(req);
	buf_release(&err);
	return 0;
}
