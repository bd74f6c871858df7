/*
 * h_shares.c - share links.
 *
 * People read reports in a browser, where API keys are never typed.  An
 * analyst creates a share link (POST /v1/evaluations/{id}/shares for one
 * report, POST /v1/shares with scope "all" for every read-only page); the
 * link carries ?share=TOKEN (server/share.h), expires, and can be revoked
 * with DELETE /v1/shares/{id}.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/reqjson.h"
#include "server/share.h"

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
