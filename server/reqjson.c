/*
 * reqjson.c - see reqjson.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/reqjson.h"

int json_string_or_respond(struct request *r, const cJSON *obj,
			   const char *field, bool required, size_t max,
			   const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	size_t n;

	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is required", field);
		return -1;
	}
	if (!cJSON_IsString(v)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must be a string", field);
		return -1;
	}
	n = strlen(v->valuestring);
	if (n > max) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is longer than %zu bytes", field, max);
		return -1;
	}
	if (required && n == 0) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must not be empty", field);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v->valuestring[i];
		if (c < 0x20 && c != '\n' && c != '\t') {
			respond_problem(r, 422, "Invalid request",
					"field \"%s\" contains a control character",
					field);
			return -1;
		}
	}
	if (!utf8_valid(v->valuestring, n)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is not valid UTF-8", field);
		return -1;
	}
	*out = v->valuestring;
	return 0;
}

int json_strings_or_respond(struct request *r, const cJSON *obj,
			    const char *field, size_t max, size_t max_items,
			    const char ***out, size_t *n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	const cJSON *el;
	size_t k = 0, count;
	const char **strs;

	*out = NULL;
	*n = 0;
	if (!v || cJSON_IsNull(v))
		return 0;
	count = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
	if (!cJSON_IsArray(v) || count > max_items) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must be an array of at most %zu"
				" strings", field, max_items);
		return -1;
	}
	strs = xcalloc(count + 1, sizeof(*strs));
	cJSON_ArrayForEach(el, v) {
		cJSON *wrap = cJSON_CreateObject();
		char name[64];
		int rc;

		snprintf(name, sizeof(name), "%s[%zu]", field, k);
		cJSON_AddItemReferenceToObject(wrap, name, (cJSON *)el);
		rc = json_string_or_respond(r, wrap, name, true, max, &strs[k]);
		cJSON_Delete(wrap);
		if (rc) {
			free(strs);
			return -1;
		}
		k++;
	}
	*out = strs;
	*n = k;
	return 0;
}

int json_bool_or_respond(struct request *r, const cJSON *obj,
			 const char *field, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must be true or false", field);
		return -1;
	}
	*out = cJSON_IsTrue(v);
	return 0;
}

bool arg_true(struct request *r, const char *name)
{
	const char *v = req_arg(r, name);

	return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes"));
}

int json_known_fields_or_respond(struct request *r, const cJSON *obj,
				 const char *const *allowed)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (!strcmp(it->string, allowed[i]))
				break;
		if (!allowed[i]) {
			respond_problem(r, 422, "Invalid request",
					"unknown field \"%s\"", it->string);
			return -1;
		}
	}
	return 0;
}

void json_add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}
