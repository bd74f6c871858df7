/*
 * h_keys.c - API keys over HTTP (admin only): create, list, revoke.
 *
 * A key's secret is shown once, in the answer that creates it; PostgreSQL
 * keeps only its SHA-256 (server/store_keys.c), so no route can show it
 * again.  The key making a request cannot revoke itself, so that an
 * administrator cannot lock the service out by mistake.
 */
#include "common/fa.h"
#include "common/limits.h"
#include "server/handlers.h"
#include "server/reqjson.h"

static const char *const key_roles[] = { "admin", "analyst", "hunter", "viewer" };

static cJSON *key_json(const struct key_row *k)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)k->id);
	cJSON_AddStringToObject(o, "name", k->name);
	cJSON_AddStringToObject(o, "role", k->role);
	cJSON_AddStringToObject(o, "prefix", k->prefix);
	cJSON_AddStringToObject(o, "created_at", k->created_at);
	if (k->revoked_at)
		cJSON_AddStringToObject(o, "revoked_at", k->revoked_at);
	else
		cJSON_AddNullToObject(o, "revoked_at");
	return o;
}

void h_keys_create(struct request *r)
{
	static const char *const fields[] = { "role", "name", NULL };
	const char *role = NULL, *name = NULL;
	struct key_row k = { 0 };
	char *secret = NULL;
	bool known = false;
	cJSON *doc;

	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "role", true, 16, &role) ||
	    json_string_or_respond(r, r->json, "name", true,
				   FA_KEY_NAME_MAX - 1, &name))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(key_roles); i++)
		known |= !strcmp(role, key_roles[i]);
	if (!known) {
		respond_problem(r, 422, "Invalid request",
				"field \"role\" is \"%s\"; expected one of admin,"
				" analyst, hunter, viewer", role);
		return;
	}
	if (store_key_create(req_db(r), name, role, &secret) ||
	    store_key_get_by_prefix(req_db(r), secret, &k)) {
		free(secret);
		respond_internal(r);
		return;
	}
	doc = key_json(&k);
	cJSON_AddStringToObject(doc, "key", secret);
	explicit_bzero(secret, strlen(secret));
	free(secret);
	key_row_release(&k);
	respond_json(r, 201, doc);
}

void h_keys_list(struct request *r)
{
	struct key_row *keys;
	size_t n;
	cJSON *doc, *arr;

	if (store_key_list(req_db(r), &keys, &n)) {
		respond_internal(r);
		return;
	}
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "keys");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, key_json(&keys[i]));
		key_row_release(&keys[i]);
	}
	free(keys);
	respond_json(r, 200, doc);
}

void h_keys_revoke(struct request *r)
{
	struct key_row k = { 0 };
	int rc;

	if (r->ids[0] == r->key.id) {
		respond_problem(r, 409, "Conflict",
				"key %lld is the key of this request; revoke it"
				" with another admin key", (long long)r->ids[0]);
		return;
	}
	rc = store_key_revoke(req_db(r), r->ids[0], &k);
	if (rc < 0) {
		respond_internal(r);
	} else if (rc == 1) {
		respond_problem(r, 404, "Not found", "key %lld does not exist",
				(long long)r->ids[0]);
	} else {
		/* Revoking a revoked key is no error: it stays revoked. */
		respond_json(r, 200, key_json(&k));
		key_row_release(&k);
	}
}
