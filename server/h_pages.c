/*
 * h_pages.c - the browsable HTML list pages (datasets, models,
 * evaluations).  Pages opened with a share token (h_shares.c) carry it into
 * their own links, so a person can browse from the list pages to reports.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/reqjson.h"
#include "server/share.h"
#include "report/html.h"

const char *share_query(struct request *r, char sep)
{
	static __thread char q[128];

	if (!r->share) {
		q[0] = '\0';
		return q;
	}
	snprintf(q, sizeof(q), "%cshare=%s", sep, r->share);
	return q;
}

static void respond_index(struct request *r, enum html_index_kind kind,
			  cJSON *items)
{
	struct html_index ix = { kind, NULL, NULL, NULL, NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;

	ix.nav_query = share_query(r, '?');
	respond_page(r, html_render_index(&out, &ix, items, &err), &out, &err,
		     "list page");
	cJSON_Delete(items);
	buf_release(&out);
	buf_release(&err);
}

void h_pages_datasets(struct request *r)
{
	struct dataset *ds;
	size_t n;
	cJSON *arr;

	if (store_dataset_list(req_db(r), &ds, &n)) {
		respond_internal(r);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = dataset_json(&ds[i]);
		char href[128];

		cJSON_AddNumberToObject(o, "rows", (double)ds[i].example_count);
		snprintf(href, sizeof(href), "/v1/pages/models?dataset=%lld%s",
			 (long long)ds[i].id, share_query(r, '&'));
		cJSON_AddStringToObject(o, "href", href);
		cJSON_AddItemToArray(arr, o);
		dataset_release(&ds[i]);
	}
	free(ds);
	respond_index(r, HTML_INDEX_DATASETS, arr);
}

int page_names_or_respond(struct request *r, cJSON *arr)
{
	struct dataset *ds = NULL;
	struct model *ms = NULL;
	size_t nd = 0, nm = 0;
	cJSON *it;

	if (store_dataset_list(req_db(r), &ds, &nd) ||
	    store_model_list(req_db(r), 0, &ms, &nm)) {
		for (size_t i = 0; i < nd; i++)
			dataset_release(&ds[i]);
		free(ds);
		respond_internal(r);
		return -1;
	}
	cJSON_ArrayForEach(it, arr) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "dataset_id");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(it, "model_id");

		for (size_t i = 0; cJSON_IsNumber(d) && i < nd; i++)
			if ((double)ds[i].id == d->valuedouble && ds[i].name)
				cJSON_AddStringToObject(it, "dataset", ds[i].name);
		for (size_t i = 0; cJSON_IsNumber(m) && i < nm; i++) {
			struct buf label = BUF_INIT;

			if ((double)ms[i].id != m->valuedouble || !ms[i].name)
				continue;
			buf_adds(&label, ms[i].name);
			if (ms[i].version && *ms[i].version)
				buf_addf(&label, " %s", ms[i].version);
			cJSON_AddStringToObject(it, "model", label.s);
			buf_release(&label);
		}
	}
	for (size_t i = 0; i < nd; i++)
		dataset_release(&ds[i]);
	for (size_t i = 0; i < nm; i++)
		model_release(&ms[i]);
	free(ds);
	free(ms);
	return 0;
}

void h_pages_models(struct request *r)
{
	const char *dsarg = req_arg(r, "dataset");
	int64_t ds = 0;
	struct model *ms;
	size_t n;
	cJSON *arr;

	if (dsarg && (parse_i64(dsarg, strlen(dsarg), &ds) || ds <= 0)) {
		respond_problem(r, 400, "Bad request",
				"dataset \"%s\" is not a dataset id", dsarg);
		return;
	}
	if (store_model_list(req_db(r), ds, &ms, &n)) {
		respond_internal(r);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = model_json(&ms[i]);
		char href[128];

		snprintf(href, sizeof(href), "/v1/pages/evaluations?model=%lld%s",
			 (long long)ms[i].id, share_query(r, '&'));
		cJSON_AddStringToObject(o, "href", href);
		cJSON_AddItemToArray(arr, o);
		model_release(&ms[i]);
	}
	free(ms);
	if (page_names_or_respond(r, arr)) {
		cJSON_Delete(arr);
		return;
	}
	respond_index(r, HTML_INDEX_MODELS, arr);
}

void h_pages_evaluations(struct request *r)
{
	const char *marg = req_arg(r, "model");
	int64_t model = 0;
	cJSON *arr, *it, *next;

	if (marg && (parse_i64(marg, strlen(marg), &model) || model <= 0)) {
		respond_problem(r, 400, "Bad request",
				"model \"%s\" is not a model id", marg);
		return;
	}
	arr = h_evaluation_items(r);
	if (!arr) {
		respond_internal(r);
		return;
	}
	for (it = arr->child; it; it = next) {
		next = it->next;
		if (model && cJSON_GetObjectItem(it, "model_id")->valuedouble != (double)model)
			cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
	}
	respond_index(r, HTML_INDEX_EVALUATIONS, arr);
}
