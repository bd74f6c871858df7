/*
 * h_delete.c - DELETE /v1/datasets/{id}, /v1/models/{id},
 * /v1/evaluations/{id} and /v1/bounties/{id} (roles admin and analyst).
 *
 * Each removes the object with everything that belongs to it in one
 * transaction (store_delete.h says what goes with what), answers 200 with
 * what was removed, 404 when the object does not exist and 409, naming the
 * bounty, when a bounty that is still open depends on it.  Share links of
 * the evaluations that go are revoked with them, so a link handed out
 * earlier stops working at once.
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "server/log.h"
#include "server/store_delete.h"
#include "server/tablecache.h"

/* The answer to a deletion of `kind` r->ids[0] whose store call gave rc. */
static void respond_deleted(struct request *r, const char *kind, int rc,
			    const struct delete_counts *n,
			    const struct delete_blocker *why)
{
	long long id = (long long)r->ids[0];
	cJSON *doc, *removed;

	if (rc < 0) {
		respond_internal(r);
		return;
	}
	if (rc == 1) {
		respond_problem(r, 404, "Not found", "%s %lld does not exist",
				kind, id);
		return;
	}
	if (rc == 2) {
		if (!strcmp(kind, "bounty"))
			respond_problem(r, 409, "Conflict",
					"bounty %lld is not closed; close it"
					" (POST /v1/bounties/%lld/close) before"
					" deleting it", id, id);
		else if (why->h_record)
			respond_problem(r, 409, "Conflict",
					"model %lld was submitted as an h to"
					" bounty %lld, whose record keeps it;"
					" close and delete bounty %lld first", id,
					(long long)why->bounty_id,
					(long long)why->bounty_id);
		else
			respond_problem(r, 409, "Conflict",
					"%s %lld is used by bounty %lld, which is"
					" not closed; close it (POST /v1/bounties/"
					"%lld/close) first", kind, id,
					(long long)why->bounty_id,
					(long long)why->bounty_id);
		return;
	}
	log_info("deleted %s %lld: %lld models, %lld evaluations, %lld"
		 " bounties, %lld share links revoked", kind, id,
		 (long long)n->models, (long long)n->evaluations,
		 (long long)n->bounties, (long long)n->shares_revoked);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "id", (double)id);
	cJSON_AddStringToObject(doc, "kind", kind);
	cJSON_AddTrueToObject(doc, "deleted");
	removed = cJSON_AddObjectToObject(doc, "removed");
	cJSON_AddNumberToObject(removed, "models", (double)n->models);
	cJSON_AddNumberToObject(removed, "evaluations", (double)n->evaluations);
	cJSON_AddNumberToObject(removed, "bounties", (double)n->bounties);
	cJSON_AddNumberToObject(removed, "shares_revoked",
				(double)n->shares_revoked);
	respond_json(r, 200, doc);
}

void h_datasets_delete(struct request *r)
{
	struct delete_counts n;
	struct delete_blocker why = { 0, NULL };
	int rc = store_dataset_delete(req_db(r), r->ids[0], &n, &why);

	if (!rc)
		tablecache_forget_dataset(r->ids[0]);
	respond_deleted(r, "dataset", rc, &n, &why);
}

void h_models_delete(struct request *r)
{
	struct delete_counts n;
	struct delete_blocker why = { 0, NULL };
	int rc = store_model_delete(req_db(r), r->ids[0], &n, &why);

	if (!rc)
		tablecache_forget_model(r->ids[0]);
	respond_deleted(r, "model", rc, &n, &why);
}

void h_evaluations_delete(struct request *r)
{
	struct delete_counts n;
	int rc = store_evaluation_delete(req_db(r), r->ids[0], &n);

	respond_deleted(r, "evaluation", rc, &n, NULL);
}

void h_bounties_delete(struct request *r)
{
	struct delete_counts n;
	struct delete_blocker why = { 0, NULL };
	int rc = store_bounty_delete(req_db(r), r->ids[0], &n, &why);

	respond_deleted(r, "bounty", rc, &n, &why);
}
