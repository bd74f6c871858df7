/*
 * h_pages.c - share links and the browsable HTML pages.
 *
 * People read reports in a browser, where API keys are never typed.  An
 * analyst creates a share link (POST /v1/evaluations/{id}/shares for one
 * report, POST /v1/shares with scope "all" for every read-only page); the
 * link carries ?share=TOKEN (server/share.h), expires, and can be revoked
 * with DELETE /v1/shares/{id}.  Pages opened with a token carry it into
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

static cJSON *share_json(const struct share *sh, const char *token,
			 const char *url)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)sh->id);
	cJSON_AddStringToObject(o, "scope", sh->scope);
	cJSON_AddStringToObject(o, "expires_at", sh->expires_at);
	cJSON_AddStringToObject(o, "created_at", sh->created_at);
	if (sh->revoked_at)
		cJSON_AddStringToObject(o, "revoked_at", sh->revoked_at);
	else
		cJSON_AddNullToObject(o, "revoked_at");
	if (token)
		cJSON_AddStringToObject(o, "token", token);
	if (url)
		cJSON_AddStringToObject(o, "url", url);
	return o;
}

/* expires_in: seconds, 60 .. SHARE_MAX_SECONDS; responds on error. */
static int expires_in_or_respond(struct request *r, int64_t *seconds)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, "expires_in");

	*seconds = SHARE_DEFAULT_SECONDS;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble ||
	    v->valuedouble < 1 || v->valuedouble > (double)SHARE_MAX_SECONDS) {
		respond_problem(r, 422, "Invalid request",
				"field \"expires_in\" must be a whole number of"
				" seconds from 1 to %lld (90 days)",
				(long long)SHARE_MAX_SECONDS);
		return -1;
	}
	*seconds = (int64_t)v->valuedouble;
	return 0;
}

static void create_share(struct request *r, const char *scope,
			 const char *url_prefix, char url_sep)
{
	unsigned char key[SHARE_KEY_BYTES];
	struct share sh = { 0 };
	struct buf token = BUF_INIT, url = BUF_INIT;
	int64_t seconds;

	if (expires_in_or_respond(r, &seconds))
		return;
	if (store_secret(req_db(r), "share_hmac", key, sizeof(key)) ||
	    store_share_create(req_db(r), scope, seconds, r->key.id, &sh)) {
		respond_internal(r);
		return;
	}
	share_token(key, sh.id, sh.scope, sh.expires, &token);
	buf_addf(&url, "%s%cshare=%s", url_prefix, url_sep, token.s);
	respond_json(r, 201, share_json(&sh, token.s, url.s));
	share_release(&sh);
	buf_release(&token);
	buf_release(&url);
}

void h_shares_create_evaluation(struct request *r)
{
	static const char *const fields[] = { "expires_in", NULL };
	char scope[48], prefix[80];
	char *json = NULL;
	int64_t model_id;
	int rc;

	if (json_known_fields_or_respond(r, r->json, fields))
		return;
	rc = store_evaluation_get(req_db(r), r->ids[0], &json, &model_id);
	free(json);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"evaluation %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		return;
	}
	snprintf(scope, sizeof(scope), "evaluation:%lld", (long long)r->ids[0]);
	snprintf(prefix, sizeof(prefix), "/v1/evaluations/%lld/report",
		 (long long)r->ids[0]);
	create_share(r, scope, prefix, '?');
}

void h_shares_create(struct request *r)
{
	static const char *const fields[] = { "scope", "expires_in", NULL };
	const char *scope = "all";

	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "scope", false, 32, &scope))
		return;
	if (strcmp(scope, "all")) {
		respond_problem(r, 422, "Invalid request",
				"field \"scope\" is \"%s\"; this route makes \"all\""
				" links (use POST /v1/evaluations/{id}/shares for one"
				" report)", scope);
		return;
	}
	create_share(r, "all", "/v1/pages/evaluations", '?');
}

void h_shares_list(struct request *r)
{
	struct share *sh;
	size_t n;
	cJSON *doc, *arr;

	if (store_share_list(req_db(r), &sh, &n)) {
		respond_internal(r);
		return;
	}
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "shares");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, share_json(&sh[i], NULL, NULL));
		share_release(&sh[i]);
	}
	free(sh);
	respond_json(r, 200, doc);
}

void h_shares_revoke(struct request *r)
{
	int rc = store_share_revoke(req_db(r), r->ids[0]);
	cJSON *doc;

	if (rc < 0) {
		respond_internal(r);
		return;
	}
	if (rc > 0) {
		respond_problem(r, 404, "Not found",
				"share link %lld does not exist or is already revoked",
				(long long)r->ids[0]);
		return;
	}
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "id", (double)r->ids[0]);
	cJSON_AddBoolToObject(doc, "revoked", true);
	respond_json(r, 200, doc);
}

/* Evaluations as list items: identity, groupings and flag count. */
static cJSON *evaluation_items(struct request *r)
{
	struct evaluation_item *ev;
	size_t n;
	cJSON *arr;

	if (store_evaluation_list(req_db(r), 1000, &ev, &n))
		return NULL;
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON *sum = cJSON_Parse(ev[i].summary ? ev[i].summary : "{}");
		char href[128];

		cJSON_AddNumberToObject(o, "id", (double)ev[i].id);
		cJSON_AddNumberToObject(o, "model_id", (double)ev[i].model_id);
		cJSON_AddNumberToObject(o, "dataset_id", (double)ev[i].dataset_id);
		cJSON_AddStringToObject(o, "model", ev[i].model_name);
		cJSON_AddStringToObject(o, "dataset", ev[i].dataset_name);
		cJSON_AddStringToObject(o, "task", ev[i].task);
		cJSON_AddStringToObject(o, "created_at", ev[i].created_at);
		if (sum) {
			cJSON *by = cJSON_DetachItemFromObject(sum, "by");
			cJSON *fl = cJSON_DetachItemFromObject(sum, "flagged");

			if (by)
				cJSON_AddItemToObject(o, "by", by);
			if (fl)
				cJSON_AddItemToObject(o, "flagged", fl);
			cJSON_Delete(sum);
		}
		snprintf(href, sizeof(href), "/v1/evaluations/%lld/report%s",
			 (long long)ev[i].id, share_query(r, '?'));
		cJSON_AddStringToObject(o, "href", href);
		cJSON_AddItemToArray(arr, o);
		evaluation_item_release(&ev[i]);
	}
	free(ev);
	return arr;
}

void h_evaluations_list(struct request *r)
{
	cJSON *arr = evaluation_items(r), *doc, *it;

	if (!arr) {
		respond_internal(r);
		return;
	}
	cJSON_ArrayForEach(it, arr)
		cJSON_DeleteItemFromObject(it, "href");
	doc = cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "evaluations", arr);
	respond_json(r, 200, doc);
}

static void respond_index(struct request *r, enum html_index_kind kind,
			  cJSON *items)
{
	struct html_index ix = { kind, NULL, NULL, NULL, NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;
	size_t len;
	char *body;

	ix.nav_query = share_query(r, '?');
	if (html_render_index(&out, &ix, items, &err)) {
		respond_problem(r, 500, "Internal error", "%s", err.s);
	} else {
		body = buf_detach(&out, &len);
		respond(r, 200, "text/html; charset=utf-8", body, len);
	}
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
	arr = evaluation_items(r);
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
