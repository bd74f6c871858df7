/*
 * h_bounty_board.c - a bounty's leaderboard, its HTML report and the
 * bounty list page (see h_bounties.c for what a hunter sees and the
 * privacy account).
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/store_slices.h"
#include "server/h_bounties_internal.h"
#include "server/reqjson.h"
#include "server/log.h"
#include "server/bounty_data.h"
#include "evaluate/evaluation.h"
#include "bounty/judge.h"
#include "report/bounty_html.h"
#include "server/store_bounties.h"
#include "cohorts/predicate.h"
#include "metrics/alignment.h"
#include "metrics/normalize.h"
#include "report/html.h"
#include "report/csv.h"
#include <openssl/rand.h>
#include <openssl/sha.h>

/* ---- leaderboard and report ---- */

/*
 * The leaderboard document: hunters, accepted findings with released
 * numbers, the overall holdout metric per version (rounded; exact too for
 * administrators and analysts) and the decision list.
 */
static cJSON *board_json(struct request *r, const struct bounty *b,
			 const struct bounty_board *bb)
{
	cJSON *o = cJSON_CreateObject(), *a;
	bool exact = sees_exact(r);

	cJSON_AddNumberToObject(o, "bounty_id", (double)b->id);
	cJSON_AddNumberToObject(o, "model_id", (double)b->model_id);
	cJSON_AddNumberToObject(o, "dataset_id", (double)b->dataset_id);
	cJSON_AddStringToObject(o, "metric", b->metric);
	cJSON_AddStringToObject(o, "status", b->phase);
	a = cJSON_AddArrayToObject(o, "hunters");
	for (size_t i = 0; i < bb->nhunters; i++) {
		const struct bounty_hunter_row *h = &bb->hunters[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "rank", (double)i + 1);
		cJSON_AddNumberToObject(x, "hunter_id", (double)h->key_id);
		json_add_str_or_null(x, "hunter", h->name);
		cJSON_AddNumberToObject(x, "submissions", (double)h->submissions);
		cJSON_AddNumberToObject(x, "accepted", (double)h->accepted);
		cJSON_AddNumberToObject(x, "duplicates", (double)h->duplicates);
		cJSON_AddNumberToObject(x, "duplicates_credited",
					(double)h->credited);
		eval_json_number(x, "points", h->points);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "findings");
	for (size_t i = 0; i < bb->nfindings; i++) {
		const struct bounty_finding_row *f = &bb->findings[i];
		cJSON *x = cJSON_CreateObject(), *rel;
		static const char *const keep[] = { "weight", "gap",
			"improvement", "value", "version", "overall_error",
			NULL };

		cJSON_AddNumberToObject(x, "submission_id", (double)f->submission_id);
		cJSON_AddNumberToObject(x, "ordinal", (double)f->ordinal);
		cJSON_AddNumberToObject(x, "hunter_id", (double)f->key_id);
		json_add_str_or_null(x, "hunter", f->hunter);
		cJSON_AddStringToObject(x, "group", f->canonical);
		cJSON_AddStringToObject(x, "h", f->h_kind);
		cJSON_AddNumberToObject(x, "support", (double)f->support);
		rel = f->released ? cJSON_Parse(f->released) : NULL;
		for (size_t k = 0; keep[k]; k++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(rel, keep[k]);

			if (v)
				cJSON_AddItemToObject(x, keep[k],
						      cJSON_Duplicate(v, true));
		}
		cJSON_Delete(rel);
		eval_json_number(x, "points", f->points);
		cJSON_AddNumberToObject(x, "duplicates_credited",
					(double)f->duplicates);
		cJSON_AddStringToObject(x, "created_at", f->created_at);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "history");
	for (size_t i = 0; i < bb->nversions; i++) {
		const struct bounty_version_row *v = &bb->versions[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "version", (double)v->version);
		if (v->submission_id)
			cJSON_AddNumberToObject(x, "submission_id",
						(double)v->submission_id);
		else
			cJSON_AddNullToObject(x, "submission_id");
		eval_json_number(x, "overall_error", bounty_round3(v->reported));
		if (exact)
			eval_json_number(x, "overall_error_exact", v->overall);
		cJSON_AddStringToObject(x, "created_at", v->created_at);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "decision_list");
	for (size_t i = 0; i < bb->nnodes; i++) {
		const struct bounty_node *nd = &bb->nodes[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "position", (double)i + 1);
		cJSON_AddStringToObject(x, "kind", nd->repair ? "repair" : "model");
		cJSON_AddNumberToObject(x, "finding", (double)nd->finding);
		for (size_t k = 0; k < bb->nfindings; k++)
			if (bb->findings[k].submission_id == nd->finding)
				cJSON_AddStringToObject(x, "group",
							bb->findings[k].canonical);
		if (nd->repair)
			cJSON_AddNumberToObject(x, "target", (double)nd->target);
		cJSON_AddItemToArray(a, x);
	}
	return o;
}

/* Load the bounty and its board; responds on failure. */
static cJSON *board_or_respond(struct request *r, struct bounty *b)
{
	struct bounty_board bb;
	cJSON *doc;

	if (bounty_or_respond(r, b))
		return NULL;
	if (store_bounty_board(req_db(r), b->id, &bb)) {
		respond_internal(r);
		return NULL;
	}
	doc = board_json(r, b, &bb);
	bounty_board_release(&bb);
	return doc;
}

void h_bounties_leaderboard(struct request *r)
{
	struct bounty b;
	cJSON *doc;

	memset(&b, 0, sizeof(b));
	doc = board_or_respond(r, &b);
	if (doc)
		respond_json(r, 200, doc);
	bounty_release(&b);
}

void h_bounties_report(struct request *r)
{
	struct bounty b;
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct bounty_html_meta meta;
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *board, *info = NULL, *slices = NULL;

	memset(&b, 0, sizeof(b));
	memset(&meta, 0, sizeof(meta));
	board = board_or_respond(r, &b);
	if (!board)
		goto out;
	if (store_model_get(req_db(r), b.model_id, &m) ||
	    store_dataset_get(req_db(r), b.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	/* The page is public to every role: the hunter-safe numbers only. */
	info = bounty_json(r, &b);
	cJSON_DeleteItemFromObjectCaseSensitive(info, "overall_error_exact");
	meta.model_name = m.name;
	meta.model_version = m.version;
	meta.dataset_name = d.name;
	/* The analysts' own search of the discovery part: not for hunters. */
	if (!r->share && r->has_key && strcmp(r->key.role, "hunter")) {
		struct slice_job job = { 0 };

		if (!store_slice_job_latest_done(req_db(r), b.id, &job) &&
		    job.result)
			slices = cJSON_Parse(job.result);
		if (slices) {
			cJSON_AddNumberToObject(slices, "id", (double)job.id);
			meta.slices = slices;
		}
		slice_job_release(&job);
	}
	respond_page(r, bounty_html_render(&out, info, board, &meta, &err),
		     &out, &err, "bounty report");
out:
	cJSON_Delete(board);
	cJSON_Delete(info);
	cJSON_Delete(slices);
	model_release(&m);
	dataset_release(&d);
	bounty_release(&b);
	buf_release(&out);
	buf_release(&err);
}

/* GET /v1/pages/bounties: the bounty list page (a key or an "all" link). */
void h_pages_bounties(struct request *r)
{
	struct bounty *bs = NULL;
	size_t n = 0;
	cJSON *arr;

	if (store_bounty_list(req_db(r), &bs, &n)) {
		respond_internal(r);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, bounty_json(r, &bs[i]));
		bounty_release(&bs[i]);
	}
	free(bs);
	bounties_page(r, arr);
	cJSON_Delete(arr);
}
