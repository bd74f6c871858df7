/*
 * idcache.h - a per-process cache of datasets' example ids.
 *
 * A dataset's examples are uploaded once and never change, so the index from
 * example id to ord that every prediction upload needs (common/idindex.h,
 * about 16.5 bytes an id) can be kept in memory instead of read from
 * PostgreSQL each time (a million ids take a third of a second to read).  Entries are keyed by dataset id and example
 * count, shared by reference count, and the least recently used unshared
 * entry is dropped when the cache holds more than IDCACHE_MAX_IDS ids.
 * PostgreSQL stays the record: a miss simply reads the ids again.
 */
#ifndef FA_IDCACHE_H
#define FA_IDCACHE_H

#include "common/fa.h"
#include "common/idindex.h"

#define IDCACHE_MAX_IDS (20u * 1000 * 1000)

/* The ids of the dataset, or NULL; release with idcache_release. */
const struct idindex *idcache_get(int64_t dataset_id, int64_t count);
/* Hand the ids of a dataset to the cache (moved out of *ids). */
void idcache_put(int64_t dataset_id, int64_t count, struct idindex *ids);
void idcache_release(const struct idindex *ids);

#endif
