/*
 * store.h - all access to PostgreSQL.
 *
 * The store_*.c files are the only ones that include libpq-fe.h.  Callers see
 * domain structs and strings, never a PGresult.  Every query is one function,
 * always with PQexecParams (COPY, which takes no parameters, only ever sees
 * integers the caller already parsed).  libpq's messages go to the log only;
 * callers get a return code:
 *
 *   0   done
 *   1   not found (the row named by the caller does not exist)
 *   2   conflict (the state of the row forbids the operation)
 *  -1   database error, already logged; respond 500/503
 *
 * Connections come from a small pool: store_lease() blocks until one is
 * free; store_return() gives it back (rolling back anything left open).
 * Each storage function that writes opens and closes its own transaction,
 * except the upload functions, whose transaction spans the whole streamed
 * body (begin ... put ... commit or abort).
 */
#ifndef FA_STORE_H
#define FA_STORE_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "common/limits.h"
#include "cohorts/table.h"
#include "ingest/upload.h"

struct store;
struct db;

int store_open(struct store **out, const char *url, int size, struct buf *err);
void store_free(struct store *s);
struct db *store_lease(struct store *s);
void store_return(struct store *s, struct db *db);

/* 0 if the database answers a trivial query. */
int store_ping(struct db *db);

/*
 * Apply every migrations/NNNN_*.sql in dir not yet recorded in
 * schema_migrations, in order, each in its own transaction.  *applied gets
 * the number applied.  An advisory lock serialises concurrent migrators.
 */
int store_migrate(struct db *db, const char *dir, int *applied, struct buf *err);

/* ---- API keys ---- */

struct key_info {
	int64_t id;
	char role[16];
	char name[FA_KEY_NAME_MAX];
};

/* Create a key; *key gets the full secret (caller frees), shown only once. */
int store_key_create(struct db *db, const char *name, const char *role,
		     char **key);

/* A key as the admin routes show it: never its secret or hash. */
struct key_row {
	int64_t id;
	char *name, *role, *prefix, *created_at, *revoked_at;
};

void key_row_release(struct key_row *k);
/* The key whose secret starts "fa_<prefix>_" (just created, say): 0, 1. */
int store_key_get_by_prefix(struct db *db, const char *key,
			    struct key_row *out);
/* Every key, newest first; *out is an array the caller frees. */
int store_key_list(struct db *db, struct key_row **out, size_t *n);
/* Revoke a key: 0, 1 when there is no such key, 2 when already revoked. */
int store_key_revoke(struct db *db, int64_t id, struct key_row *out);
/* 0 and *out if key is valid and not revoked, 1 if not. */
int store_key_check(struct db *db, const char *key, struct key_info *out);
int store_key_count(struct db *db, int64_t *n);

/* ---- datasets and models ---- */

struct dataset {
	int64_t id;
	char *name, *task, *positive_label, *description;
	char *created_at, *uploaded_at;
	int64_t example_count;
	char **attrs;
	size_t nattrs;
	/*
	 * The declared label domain (migrations/0004_label_domains.sql):
	 * binary, labels = {positive, negative}; multi-class, the classes
	 * and positive_label NULL.  labels NULL: none declared (regression,
	 * asr, and datasets created before label domains).
	 */
	char **labels;
	size_t nlabels;
};

/*
 * The dataset's label domain as ingest/upload.h takes it, pointing into d;
 * false when it declares none.
 */
bool dataset_domain(const struct dataset *d, struct label_domain *out);

struct model {
	int64_t id, dataset_id;
	char *name, *version;
	char *normalize;	/* asr: normalisation of the stored alignments */
	char *created_at, *uploaded_at;
	/*
	 * uploaded_at to the microsecond: tells one upload of predictions
	 * from the next (bounties freeze a model by it), where uploaded_at,
	 * to the second, cannot.
	 */
	char *upload_stamp;
	int64_t prediction_count;
};

void dataset_release(struct dataset *d);
void model_release(struct model *m);

/* labels: the declared domain as in struct dataset (n = 0: none). */
int store_dataset_create(struct db *db, const char *name, const char *task,
			 const char *positive_label,
			 const char *const *labels, size_t nlabels,
			 const char *description,
			 int64_t created_by, struct dataset *out);
int store_dataset_get(struct db *db, int64_t id, struct dataset *out);
/* All datasets, newest first; *out is an array the caller frees. */
int store_dataset_list(struct db *db, struct dataset **out, size_t *n);

int store_model_create(struct db *db, int64_t dataset_id, const char *name,
		       const char *version, int64_t created_by,
		       struct model *out);
int store_model_get(struct db *db, int64_t id, struct model *out);
/* Models of one dataset (dataset_id > 0) or of all, newest first. */
int store_model_list(struct db *db, int64_t dataset_id, struct model **out,
		     size_t *n);

/* ---- streamed uploads ---- */

/*
 * Examples: BEGIN, lock the dataset row, refuse (2) if it already has
 * examples, then COPY examples FROM STDIN with the columns the task fills
 * (dataset_id is the partition's default):
 *   classification, score  (ord, ext_id, label, attrs)
 *   regression             (ord, ext_id, label, label_num, attrs)
 *   asr                    (ord, ext_id, reference, speaker, attrs)
 * The caller streams rows in COPY text format with store_copy_put and ends
 * with store_examples_commit, which also stores the attribute
 * dictionaries, or store_upload_abort.
 */
int store_examples_begin(struct db *db, int64_t dataset_id, enum task task);
int store_copy_put(struct db *db, const char *data, size_t n);
int store_examples_commit(struct db *db, int64_t dataset_id,
			  const char *const *attrs, size_t nattrs,
			  const struct strmap *dicts, int64_t rows);
void store_upload_abort(struct db *db);

/* Reference transcripts of an asr dataset by ord, for alignment at upload. */
struct ref_texts {
	struct buf text;
	size_t *off;
	uint32_t *len;
	int64_t n;
};

void ref_texts_release(struct ref_texts *r);

/*
 * Predictions: BEGIN, lock the model row, refuse (2) if it already has
 * predictions unless replace (then delete them first), load the dataset's
 * example ids into the id index ids (index = ord, built; NULL: the caller
 * has them) and, when
 * refs is not NULL, the reference transcripts, then COPY predictions FROM
 * STDIN with columns (model_id is the partition's default)
 * (ord, prediction, prediction_num), or for asr (refs given)
 * (ord, hypothesis, hits, sub, del, ins, ref_words, ref_chars,
 * char_errors).
 */
int store_predictions_begin(struct db *db, int64_t model_id,
			    int64_t dataset_id, bool replace,
			    struct idindex *ids, struct ref_texts *refs);
/* normalize: the asr normalisation used (NULL otherwise). */
int store_predictions_commit(struct db *db, int64_t model_id, int64_t rows,
			     const char *normalize);

/*
 * More attributes for a dataset's examples, joined by example id (for trn
 * uploads, whose lines carry no attributes).  Begin: BEGIN, lock the
 * dataset, load its example ids into ids (index = ord).  Commit: append
 * the new attributes (names, dictionaries, and per attribute one code per
 * ord) to every example, record them on the dataset, COMMIT.  Abort with
 * store_upload_abort.
 */
int store_attributes_begin(struct db *db, int64_t dataset_id,
			   struct strmap *ids);
/*
 * Inside an attributes upload (after store_attributes_begin): the speaker
 * of every example, interned into speakers, with speaker_of[ord] its index
 * (UINT32_MAX for an example without one; the array has the dataset's
 * example count).  0 or -1.
 */
int store_attributes_speakers(struct db *db, int64_t dataset_id,
			      struct strmap *speakers, uint32_t *speaker_of,
			      int64_t count);
int store_attributes_commit(struct db *db, int64_t dataset_id,
			    size_t first_attr, const char *const *names,
			    size_t nnew, const struct strmap *dicts,
			    uint32_t *const *codes, int64_t nrows);

/*
 * The texts of an asr dataset and one model, by ord: example ids into ids,
 * references into refs, hypotheses into hyps (release both with
 * ref_texts_release).
 */
int store_asr_texts(struct db *db, int64_t dataset_id, int64_t model_id,
		    struct strmap *ids, struct ref_texts *refs,
		    struct ref_texts *hyps);

/* ---- evaluations ---- */

/*
 * Load the rows of a dataset joined to one model's predictions into t
 * (initialised by the caller with the dataset's task), with the dataset's
 * attributes and positive label.
 */
int store_table_load(struct db *db, const struct dataset *d, int64_t model_id,
		     struct table *t);

/* Reserve an evaluation id and the creation time (ISO 8601). */
int store_evaluation_reserve(struct db *db, int64_t *id, char **created_at);
int store_evaluation_insert(struct db *db, int64_t id, int64_t model_id,
			    const char *params, const char *result,
			    const char *created_at, int64_t created_by);
/* summary: {"by": [...], "flagged": N}, kept for list pages. */
int store_evaluation_summarise(struct db *db, int64_t id, const char *summary);

struct evaluation_item {
	int64_t id, model_id, dataset_id;
	char *model_name, *dataset_name, *task, *created_at;
	char *summary;		/* JSON text */
};
void evaluation_item_release(struct evaluation_item *e);
/* Evaluations, newest first, at most limit. */
int store_evaluation_list(struct db *db, size_t limit,
			  struct evaluation_item **out, size_t *n);

/* *json gets the stored evaluation document (caller frees). */
int store_evaluation_get(struct db *db, int64_t id, char **json,
			 int64_t *model_id);

/* ---- share links and secrets ---- */

/*
 * The secret called name (n random bytes made on first use, then the same
 * for every process on this database) into out.
 */
int store_secret(struct db *db, const char *name, unsigned char *out, size_t n);

struct share {
	int64_t id;
	char *scope;
	int64_t expires;	/* Unix time */
	char *expires_at, *created_at, *revoked_at;
};
void share_release(struct share *s);

/* A share link for scope that expires after seconds. */
int store_share_create(struct db *db, const char *scope, int64_t seconds,
		       int64_t created_by, struct share *out);
int store_share_get(struct db *db, int64_t id, struct share *out);
/* 0 revoked now, 1 no such link (or already revoked). */
int store_share_revoke(struct db *db, int64_t id);
int store_share_list(struct db *db, struct share **out, size_t *n);

#endif
