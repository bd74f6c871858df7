/*
 * tablecache.c - see tablecache.h.  A few entries under one mutex; copies
 * are made outside it, the entry held by a reference count meanwhile.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "server/tablecache.h"
#include <pthread.h>

#define TABLECACHE_SLOTS 8
#define TABLECACHE_DEFAULT_MB 1024

struct entry {
	char *key;
	int64_t dataset_id, model_id;
	struct table *t;
	size_t bytes;
	unsigned refs;
	bool doomed;		/* drop when the last copy is made */
	uint64_t used;		/* LRU clock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry slots[TABLECACHE_SLOTS];
static uint64_t tick;
static size_t budget;
static bool budget_read;

/* Under the lock. */
static size_t budget_bytes(void)
{
	if (!budget_read) {
		const char *s = getenv("FAIRAUDIT_TABLE_CACHE_MB");
		char *end;
		unsigned long long mb = TABLECACHE_DEFAULT_MB;

		if (s && *s) {
			mb = strtoull(s, &end, 10);
			if (*end)
				mb = TABLECACHE_DEFAULT_MB;
		}
		budget = (size_t)mb << 20;
		budget_read = true;
	}
	return budget;
}

void tablecache_key_init(struct tablecache_key *k, const struct dataset *d,
			 const struct model *m)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "d%lld:%lld:%zu", (long long)d->id,
		 (long long)d->example_count, d->nattrs);
	for (size_t a = 0; a < d->nattrs; a++) {
		/* lengths first, so no name can forge a separator */
		buf_addf(&b, ":%zu:", strlen(d->attrs[a]));
		buf_adds(&b, d->attrs[a]);
	}
	buf_addf(&b, "|m%lld:%lld:", (long long)m->id,
		 (long long)m->prediction_count);
	buf_adds(&b, m->upload_stamp ? m->upload_stamp : "-");
	buf_adds(&b, ":");
	buf_adds(&b, m->normalize ? m->normalize : "-");
	k->s = xstrndup(b.s, b.len);
	k->dataset_id = d->id;
	k->model_id = m->id;
	buf_release(&b);
}

void tablecache_key_release(struct tablecache_key *k)
{
	free(k->s);
	k->s = NULL;
}

/* Under the lock, with no copy in progress. */
static void drop(struct entry *e)
{
	table_release(e->t);
	free(e->t);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

/* Under the lock: drop now, or when the copies in progress are done. */
static void doom(struct entry *e)
{
	if (e->refs)
		e->doomed = true;
	else
		drop(e);
}

int tablecache_get(const struct tablecache_key *k, struct table *t)
{
	struct entry *e = NULL;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < TABLECACHE_SLOTS; i++) {
		if (slots[i].key && !slots[i].doomed &&
		    !strcmp(slots[i].key, k->s)) {
			e = &slots[i];
			e->refs++;
			e->used = ++tick;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (!e)
		return -1;
	table_release(t);
	table_clone(t, e->t);	/* the entry is not dropped while held */
	pthread_mutex_lock(&lock);
	if (!--e->refs && e->doomed)
		drop(e);
	pthread_mutex_unlock(&lock);
	return 0;
}

void tablecache_put(const struct tablecache_key *k, const struct table *t)
{
	size_t bytes = table_bytes(t), cap;
	struct table *copy;
	struct entry *slot = NULL;

	pthread_mutex_lock(&lock);
	cap = budget_bytes();
	pthread_mutex_unlock(&lock);
	if (!cap || bytes > cap)
		return;
	copy = xmalloc(sizeof(*copy));
	table_clone(copy, t);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < TABLECACHE_SLOTS; i++)
		if (slots[i].key && !strcmp(slots[i].key, k->s))
			doom(&slots[i]);
	/* Make room: least recently used first, not those being copied. */
	for (;;) {
		struct entry *lru = NULL;
		size_t held = 0;

		slot = NULL;
		for (size_t i = 0; i < TABLECACHE_SLOTS; i++) {
			if (!slots[i].key) {
				slot = &slots[i];
				continue;
			}
			held += slots[i].bytes;
			if (!slots[i].refs && (!lru || slots[i].used < lru->used))
				lru = &slots[i];
		}
		if ((held + bytes <= cap && slot) || !lru)
			break;
		drop(lru);
	}
	if (slot) {
		slot->key = xstrdup(k->s);
		slot->dataset_id = k->dataset_id;
		slot->model_id = k->model_id;
		slot->t = copy;
		slot->bytes = bytes;
		slot->used = ++tick;
		copy = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (copy) {
		table_release(copy);
		free(copy);
	}
}

/* Drop the entries of a model (by_model) or of a dataset. */
static void forget(bool by_model, int64_t id)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < TABLECACHE_SLOTS; i++)
		if (slots[i].key && (by_model ? slots[i].model_id :
					 slots[i].dataset_id) == id)
			doom(&slots[i]);
	pthread_mutex_unlock(&lock);
}

void tablecache_forget_model(int64_t model_id)
{
	forget(true, model_id);
}

void tablecache_forget_dataset(int64_t dataset_id)
{
	forget(false, dataset_id);
}
