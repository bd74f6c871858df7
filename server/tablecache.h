/*
 * tablecache.h - a per-process cache of loaded tables (a dataset joined to
 * a model's predictions), so that evaluating the same model again does not
 * read a million rows from PostgreSQL again.
 *
 * PostgreSQL stays the record.  An entry is found by a key made of what a
 * request reads from the database before loading: the dataset's id,
 * example count and attribute names, and the model's id, prediction count
 * and upload stamp (to the microsecond).  A new upload of predictions, a
 * new attribute or a new dataset changes the key, so a stale entry is
 * never found, whichever server process made the change; uploads and
 * deletions in this process also drop the entries they make stale, to
 * free their memory.  Callers get a copy of the table, theirs to change.
 *
 * The budget is FAIRAUDIT_TABLE_CACHE_MB (default 1024; 0 turns the cache
 * off); the least recently used entries not being copied are dropped to
 * stay within it, and a table larger than the budget is not kept.
 */
#ifndef FA_TABLECACHE_H
#define FA_TABLECACHE_H

#include "common/fa.h"
#include "cohorts/table.h"
#include "server/store.h"

struct tablecache_key {
	char *s;
	int64_t dataset_id, model_id;
};

void tablecache_key_init(struct tablecache_key *k, const struct dataset *d,
			 const struct model *m);
void tablecache_key_release(struct tablecache_key *k);

/*
 * On a hit, *t (initialised or released, its contents are dropped)
 * becomes a copy of the cached table: 0.  On a miss: -1, *t unchanged.
 */
int tablecache_get(const struct tablecache_key *k, struct table *t);
/* Keep a copy of t under k (if the budget allows). */
void tablecache_put(const struct tablecache_key *k, const struct table *t);
/* Drop every entry of a model, or of a dataset (and its models). */
void tablecache_forget_model(int64_t model_id);
void tablecache_forget_dataset(int64_t dataset_id);

#endif
