/*
 * routes.c - the route table and the path matcher.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/routes.h"
#include "server/handlers.h"

#define RW (ROLE_ADMIN | ROLE_ANALYST)
#define READ (ROLE_ADMIN | ROLE_ANALYST | ROLE_VIEWER)

const struct route routes[] = {
	{ "GET", "/healthz", ROLE_PUBLIC, BODY_NONE, h_healthz, NULL, NULL, NULL },
	{ "GET", "/readyz", ROLE_PUBLIC, BODY_NONE, h_readyz, NULL, NULL, NULL },
	{ "GET", "/metrics", ROLE_PUBLIC, BODY_NONE, h_metrics, NULL, NULL, NULL },
	{ "GET", "/openapi.json", ROLE_PUBLIC, BODY_NONE, h_openapi, NULL, NULL, NULL },

	{ "POST", "/v1/keys", ROLE_ADMIN, BODY_JSON, h_keys_create, NULL, NULL, NULL },
	{ "POST", "/v1/plan", ROLE_ANY, BODY_JSON, h_plan, NULL, NULL, NULL },
	{ "GET", "/v1/keys", ROLE_ADMIN, BODY_NONE, h_keys_list, NULL, NULL, NULL },
	{ "DELETE", "/v1/keys/{id}", ROLE_ADMIN, BODY_NONE, h_keys_revoke, NULL, NULL, NULL },

	{ "POST", "/v1/datasets", RW, BODY_JSON, h_datasets_create, NULL, NULL, NULL },
	{ "GET", "/v1/datasets", READ, BODY_NONE, h_datasets_list, NULL, NULL, NULL },
	{ "GET", "/v1/datasets/{id}", READ, BODY_NONE, h_datasets_get, NULL, NULL, NULL },
	{ "DELETE", "/v1/datasets/{id}", RW, BODY_NONE, h_datasets_delete, NULL, NULL, NULL },
	{ "POST", "/v1/datasets/{id}/examples", RW, BODY_STREAM, h_upload_end,
	  h_examples_begin, h_upload_data, h_upload_free },
	{ "GET", "/v1/datasets/{id}/examples", READ, BODY_NONE, h_examples_download, NULL, NULL, NULL },
	{ "POST", "/v1/datasets/{id}/attributes", RW, BODY_STREAM, h_attributes_end,
	  h_attributes_begin, h_attributes_data, h_attributes_free },
	{ "POST", "/v1/datasets/{id}/models", RW, BODY_JSON, h_models_create, NULL, NULL, NULL },
	{ "GET", "/v1/datasets/{id}/models", READ, BODY_NONE, h_models_list, NULL, NULL, NULL },
	{ "GET", "/v1/models", READ, BODY_NONE, h_models_list, NULL, NULL, NULL },
	{ "GET", "/v1/models/{id}", READ, BODY_NONE, h_models_get, NULL, NULL, NULL },
	{ "DELETE", "/v1/models/{id}", RW, BODY_NONE, h_models_delete, NULL, NULL, NULL },
	{ "POST", "/v1/models/{id}/predictions", RW, BODY_STREAM, h_upload_end,
	  h_predictions_begin, h_upload_data, h_upload_free },
	{ "GET", "/v1/models/{id}/predictions", READ, BODY_NONE, h_predictions_download, NULL, NULL, NULL },
	{ "POST", "/v1/models/{id}/evaluations", RW, BODY_JSON, h_evaluations_create, NULL, NULL, NULL },
	{ "POST", "/v1/models/{id}/slices", RW, BODY_JSON, h_model_slices_create, NULL, NULL, NULL },
	{ "GET", "/v1/slices/{id}", READ, BODY_NONE, h_slices_get, NULL, NULL, NULL },
	{ "GET", "/v1/slices/{id}/report", READ, BODY_NONE, h_slices_report, NULL, NULL, NULL },
	{ "GET", "/v1/models/{id}/report", READ, BODY_NONE, h_model_report, NULL, NULL, NULL },
	{ "POST", "/v1/slices/{id}/cancel", RW, BODY_NONE, h_slices_cancel, NULL, NULL, NULL },
	{ "POST", "/v1/bounties/{id}/slices", RW, BODY_JSON, h_bounty_slices_create, NULL, NULL, NULL },
	{ "GET", "/v1/models/{id}/compare/{id}/report", READ, BODY_NONE, h_compare_report, NULL, NULL,
	  NULL, SHARE_ALL },
	{ "GET", "/v1/evaluations", READ, BODY_NONE, h_evaluations_list, NULL, NULL, NULL },
	{ "GET", "/v1/evaluations/{id}", READ, BODY_NONE, h_evaluations_get, NULL, NULL, NULL,
	  SHARE_EVALUATION },
	{ "DELETE", "/v1/evaluations/{id}", RW, BODY_NONE, h_evaluations_delete, NULL, NULL, NULL },
	{ "GET", "/v1/evaluations/{id}/report", READ, BODY_NONE, h_evaluations_report, NULL, NULL, NULL,
	  SHARE_EVALUATION },
	{ "GET", "/v1/evaluations/{id}/alignments", READ, BODY_NONE, h_evaluations_alignments, NULL, NULL, NULL,
	  SHARE_EVALUATION },
	{ "POST", "/v1/evaluations/{id}/shares", RW, BODY_JSON, h_shares_create_evaluation, NULL, NULL, NULL },
	{ "POST", "/v1/shares", RW, BODY_JSON, h_shares_create, NULL, NULL, NULL },
	{ "GET", "/v1/shares", RW, BODY_NONE, h_shares_list, NULL, NULL, NULL },
	{ "DELETE", "/v1/shares/{id}", RW, BODY_NONE, h_shares_revoke, NULL, NULL, NULL },
	{ "GET", "/v1/pages/datasets", READ, BODY_NONE, h_pages_datasets, NULL, NULL, NULL, SHARE_ALL },
	{ "GET", "/v1/pages/models", READ, BODY_NONE, h_pages_models, NULL, NULL, NULL, SHARE_ALL },
	{ "GET", "/v1/pages/evaluations", READ, BODY_NONE, h_pages_evaluations, NULL, NULL, NULL, SHARE_ALL },
	{ "GET", "/v1/pages/bounties", ROLE_ANY, BODY_NONE, h_pages_bounties, NULL, NULL, NULL, SHARE_ALL },

	/* Bias bounties: hunters read the public part and submit. */
	{ "POST", "/v1/bounties", RW, BODY_JSON, h_bounties_create, NULL, NULL, NULL },
	{ "GET", "/v1/bounties", ROLE_ANY, BODY_NONE, h_bounties_list, NULL, NULL, NULL },
	{ "GET", "/v1/bounties/{id}", ROLE_ANY, BODY_NONE, h_bounties_get, NULL, NULL, NULL },
	{ "DELETE", "/v1/bounties/{id}", RW, BODY_NONE, h_bounties_delete, NULL, NULL, NULL },
	{ "POST", "/v1/bounties/{id}/close", RW, BODY_JSON, h_bounties_close, NULL, NULL, NULL },
	{ "GET", "/v1/bounties/{id}/discovery", RW | ROLE_HUNTER, BODY_NONE, h_bounties_discovery,
	  NULL, NULL, NULL },
	{ "GET", "/v1/bounties/{id}/examples", RW | ROLE_HUNTER, BODY_NONE, h_bounties_examples,
	  NULL, NULL, NULL },
	{ "POST", "/v1/bounties/{id}/submissions", ROLE_ADMIN | ROLE_HUNTER, BODY_JSON,
	  h_bounties_submit, NULL, NULL, NULL, SHARE_NONE, FA_MAX_SUBMISSION_BODY },
	{ "GET", "/v1/bounties/{id}/submissions", RW | ROLE_HUNTER, BODY_NONE,
	  h_bounties_submissions, NULL, NULL, NULL },
	{ "GET", "/v1/bounties/{id}/submissions/{id}", RW | ROLE_HUNTER, BODY_NONE,
	  h_bounties_submission_get, NULL, NULL, NULL },
	{ "POST", "/v1/bounties/{id}/patched-model", RW, BODY_JSON, h_bounties_patched,
	  NULL, NULL, NULL },
	{ "GET", "/v1/bounties/{id}/leaderboard", ROLE_ANY, BODY_NONE, h_bounties_leaderboard,
	  NULL, NULL, NULL, SHARE_ALL },
	{ "GET", "/v1/bounties/{id}/report", ROLE_ANY, BODY_NONE, h_bounties_report,
	  NULL, NULL, NULL, SHARE_ALL },
};
const size_t nroutes = ARRAY_SIZE(routes);

/* Match one pattern against a path; fills ids on success. */
static bool pattern_match(const char *pat, const char *path, int64_t *ids,
			  size_t *nids)
{
	size_t n = 0;

	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++;
		path++;
		if (!strncmp(pat, "{id}", 4)) {
			const char *end = path;
			int64_t v;

			while (*end && *end != '/')
				end++;
			if (end == path || end - path > 18 ||
			    parse_i64(path, (size_t)(end - path), &v) || v <= 0 ||
			    path[0] == '0' || path[0] == '-')
				return false;
			if (n < 4)
				ids[n++] = v;
			pat += 4;
			path = end;
		} else {
			const char *pend = strchr(pat, '/');
			size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);

			if (strncmp(pat, path, plen) ||
			    (path[plen] && path[plen] != '/'))
				return false;
			pat += plen;
			path += plen;
		}
	}
	/* A single trailing slash is tolerated. */
	if (!*pat && path[0] == '/' && !path[1])
		path++;
	*nids = n;
	return !*pat && !*path;
}

int routes_match(const char *method, const char *path,
		 const struct route **route, int64_t *ids, size_t *nids)
{
	bool path_seen = false;

	for (size_t i = 0; i < nroutes; i++) {
		if (!pattern_match(routes[i].pattern, path, ids, nids))
			continue;
		if (!strcmp(routes[i].method, method)) {
			*route = &routes[i];
			return 0;
		}
		path_seen = true;
	}
	return path_seen ? 405 : 404;
}

const char *routes_allowed(const char *path)
{
	static __thread char allow[64];
	int64_t ids[4];
	size_t nids, len = 0;

	allow[0] = '\0';
	for (size_t i = 0; i < nroutes; i++) {
		if (!pattern_match(routes[i].pattern, path, ids, &nids))
			continue;
		len += (size_t)snprintf(allow + len, sizeof(allow) - len, "%s%s",
					len ? ", " : "", routes[i].method);
		if (len >= sizeof(allow))
			break;
	}
	return allow[0] ? allow : NULL;
}
