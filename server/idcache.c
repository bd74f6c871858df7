/*
 * idcache.c - see idcache.h.  A handful of entries under one mutex.
 */
#include "common/fa.h"
#include "server/idcache.h"
#include <pthread.h>

#define IDCACHE_SLOTS 8

struct entry {
	int64_t dataset_id, count;
	struct idindex *ids;
	unsigned refs;
	uint64_t used;		/* LRU clock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry slots[IDCACHE_SLOTS];
static uint64_t tick;

const struct idindex *idcache_get(int64_t dataset_id, int64_t count)
{
	const struct idindex *ids = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < IDCACHE_SLOTS; i++) {
		if (slots[i].ids && slots[i].dataset_id == dataset_id &&
		    slots[i].count == count) {
			slots[i].refs++;
			slots[i].used = ++tick;
			ids = slots[i].ids;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return ids;
}

static void drop(struct entry *e)
{
	idindex_release(e->ids);
	free(e->ids);
	memset(e, 0, sizeof(*e));
}

void idcache_put(int64_t dataset_id, int64_t count, struct idindex *ids)
{
	struct idindex *copy = xmalloc(sizeof(*copy));
	struct entry *free_slot = NULL;
	uint64_t total = (uint64_t)idindex_count(ids);

	*copy = *ids;
	idindex_init(ids);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < IDCACHE_SLOTS; i++)
		if (slots[i].ids && slots[i].dataset_id == dataset_id) {
			if (!slots[i].refs)
				drop(&slots[i]);
		}
	/* Make room: drop unshared entries, least recently used first. */
	for (;;) {
		struct entry *lru = NULL;
		uint64_t held = 0;
		size_t used = 0;

		for (size_t i = 0; i < IDCACHE_SLOTS; i++) {
			if (!slots[i].ids) {
				free_slot = &slots[i];
				continue;
			}
			used++;
			held += idindex_count(slots[i].ids);
			if (!slots[i].refs && (!lru || slots[i].used < lru->used))
				lru = &slots[i];
		}
		if ((held + total <= IDCACHE_MAX_IDS && used < IDCACHE_SLOTS) || !lru)
			break;
		drop(lru);
	}
	if (free_slot && !free_slot->ids && total <= IDCACHE_MAX_IDS) {
		free_slot->dataset_id = dataset_id;
		free_slot->count = count;
		free_slot->ids = copy;
		free_slot->used = ++tick;
		copy = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (copy) {
		idindex_release(copy);
		free(copy);
	}
}

void idcache_release(const struct idindex *ids)
{
	if (!ids)
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < IDCACHE_SLOTS; i++)
		if (slots[i].ids == ids && slots[i].refs)
			slots[i].refs--;
	pthread_mutex_unlock(&lock);
}
