/*
 * handlers.h - one function per endpoint; the route table binds them.
 * Each responds exactly once (see http.h).
 */
#ifndef FA_HANDLERS_H
#define FA_HANDLERS_H

#include "server/http.h"
#include "ingest/ingest.h"

/* h_meta.c */
void h_healthz(struct request *r);
void h_readyz(struct request *r);
void h_metrics(struct request *r);
void h_openapi(struct request *r);

/* h_datasets.c; the JSON forms are shared with other handlers */
cJSON *dataset_json(const struct dataset *d);
cJSON *model_json(const struct model *m);
/*
 * The evaluations as list items (identity, model and dataset names,
 * groupings, flag count, report link), for GET /v1/evaluations and its
 * HTML page; NULL on a database error.
 */
cJSON *h_evaluation_items(struct request *r);
void h_datasets_create(struct request *r);
void h_datasets_list(struct request *r);
void h_datasets_get(struct request *r);
void h_models_create(struct request *r);
/* Model id into *m: 0, or nonzero after answering 404 or 500. */
int model_or_respond(struct request *r, int64_t id, struct model *m);
void h_models_list(struct request *r);
void h_models_get(struct request *r);

/* h_uploads.c */
void h_examples_begin(struct request *r);
void h_predictions_begin(struct request *r);
int h_upload_data(struct request *r, const char *data, size_t n);
void h_upload_end(struct request *r);
/*
 * Answer 422 for a refused upload: the first errors, the summary by kind
 * (ingest_errors_summary_json) and, in the detail, summary's sentences
 * (one a line, as upload_summary() writes them; NULL for none).
 */
void respond_upload_refused(struct request *r, const struct ingest_errors *e,
			    const char *summary);
void h_upload_free(struct request *r);
/*
 * Store a whole body of predictions for model (one without any) as the
 * upload route would: the same parser, checks and (asr) alignment with
 * normalize (NULL: sclite's default), all or nothing.  Returns 0, or 400,
 * 404, 409, 422 (rows refused, err lists them) or 500 with err set.
 */
int predictions_store(struct db *db, int64_t model, const char *normalize,
		      enum ingest_format format, const char *body, size_t len,
		      struct buf *err);

/* h_attributes.c */
void h_attributes_begin(struct request *r);
int h_attributes_data(struct request *r, const char *data, size_t n);
void h_attributes_end(struct request *r);
void h_attributes_free(struct request *r);

/* h_evaluations.c */
void h_evaluations_create(struct request *r);

/* h_slices.c: slice discovery jobs */
void h_model_slices_create(struct request *r);
void h_bounty_slices_create(struct request *r);
void h_slices_get(struct request *r);
void h_slices_cancel(struct request *r);
void h_slices_report(struct request *r);
/* h_evaluations.c: an unstored evaluation, as a page */
void h_model_report(struct request *r);

/*
 * h_across.c: "across": {"model": B} in an evaluation request of model A.
 * across_or_respond replaces *t (A's table) by A and B's as one table and
 * *req by a new request (caller frees) with the condition on the dataset
 * attribute x->attr; 0, or -1 after responding.
 */
struct across {
	char *attr, *label_a, *label_b;
	cJSON *side_a, *side_b;
};
int across_or_respond(struct request *r, const struct model *ma,
		      const struct dataset *da, struct table *t, cJSON **req,
		      struct across *x);
void across_release(struct across *x);
void h_evaluations_get(struct request *r);
void h_evaluations_report(struct request *r);
void h_evaluations_alignments(struct request *r);

/* h_compare.c: two models of one dataset, cohort by cohort */
void h_compare_report(struct request *r);

/* h_pages.c: share links and the browsable HTML pages */
void h_shares_create_evaluation(struct request *r);
void h_shares_create(struct request *r);
void h_shares_list(struct request *r);
/* h_keys.c: API keys, admin only */
void h_keys_create(struct request *r);
void h_keys_list(struct request *r);
void h_keys_revoke(struct request *r);
/* h_plan.c: POST /v1/plan. */
void h_plan(struct request *r);
/* h_delete.c: DELETE of a dataset, model, evaluation or bounty. */
void h_datasets_delete(struct request *r);
void h_models_delete(struct request *r);
void h_evaluations_delete(struct request *r);
void h_bounties_delete(struct request *r);
void h_shares_revoke(struct request *r);
void h_evaluations_list(struct request *r);
void h_pages_datasets(struct request *r);
void h_pages_models(struct request *r);
void h_pages_evaluations(struct request *r);
void h_pages_bounties(struct request *r);
/* "?share=TOKEN" or "" (static per thread), to carry into page links. */
const char *share_query(struct request *r, char sep);
/*
 * Names for a list page: to each item of arr with a "dataset_id" adds
 * "dataset" (that dataset's name) and to each with a "model_id" adds
 * "model" (the model's name and version), so pages show names and keep ids
 * as the fallback.  0, or -1 after a 500 answer.
 */
int page_names_or_respond(struct request *r, cJSON *arr);

/* h_bounties.c: bias-bounty programs */
void h_bounties_create(struct request *r);
void h_bounties_list(struct request *r);
void h_bounties_get(struct request *r);
void h_bounties_close(struct request *r);
void h_bounties_discovery(struct request *r);
void h_bounties_examples(struct request *r);
void h_bounties_submit(struct request *r);
void h_bounties_submissions(struct request *r);
void h_bounties_submission_get(struct request *r);
void h_bounties_leaderboard(struct request *r);
void h_bounties_patched(struct request *r);
void h_bounties_report(struct request *r);

/* h_downloads.c: stored examples and predictions, streamed back */
void h_examples_download(struct request *r);
void h_predictions_download(struct request *r);

#endif
