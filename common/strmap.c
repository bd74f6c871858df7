/*
 * strmap.c - string interning with open addressing and chunked storage.
 *
 * The slot table holds index+1 of the string (0 = empty) with the high half
 * of its 64-bit hash, and is kept at most half full: a probe compares the
 * tag before it reads a string.  The low half is stored once per index, so
 * rehashing never touches the strings.
 */
#include "strmap.h"
#include "util.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

#define STRMAP_CHUNK (1u << 20)

void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void strmap_release(struct strmap *m)
{
	for (size_t i = 0; i < m->nchunks; i++)
		free(m->chunks[i]);
	free(m->chunks);
	free(m->slots);
	free(m->hashes);
	free(m->str);
	free(m->len);
	strmap_init(m);
}

/*
 * XXH3 (Debian's libxxhash, header only): several times faster than a
 * byte-at-a-time hash on the short keys that dominate (ids, labels).
 */
static inline uint64_t strmap_hash(const char *s, size_t n)
{
	return XXH3_64bits(s, n);
}

static inline uint64_t slot_tag(uint64_t h)
{
	return h & 0xffffffff00000000ULL;
}

static inline bool slot_is(const struct strmap *m, uint64_t slot,
			   uint64_t h, const char *s, size_t n)
{
	uint32_t v = (uint32_t)slot - 1;

	return (slot & 0xffffffff00000000ULL) == slot_tag(h) &&
	       m->len[v] == n && !memcmp(m->str[v], s, n);
}

int64_t strmap_find(const struct strmap *m, const char *s, size_t n)
{
	uint64_t h;
	size_t mask, i;

	if (!m->nslots)
		return -1;
	h = strmap_hash(s, n);
	mask = m->nslots - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		uint64_t slot = m->slots[i];

		if (!slot)
			return -1;
		if (slot_is(m, slot, h, s, n))
			return (uint32_t)slot - 1;
	}
}

static void strmap_rehash(struct strmap *m, size_t nslots)
{
	uint64_t *old = m->slots;
	size_t oldn = m->nslots, mask = nslots - 1;

	m->slots = xcalloc(nslots, sizeof(*m->slots));
	m->nslots = nslots;
	for (size_t j = 0; j < oldn; j++) {
		uint64_t slot = old[j];
		size_t i;

		if (!slot)
			continue;
		i = (size_t)(slot_tag(slot) | m->hashes[(uint32_t)slot - 1]) &
		    mask;
		while (m->slots[i])
			i = (i + 1) & mask;
		m->slots[i] = slot;
	}
	free(old);
}

static char *strmap_store(struct strmap *m, const char *s, size_t n)
{
	char *p;

	if (!m->nchunks || m->chunk_used + n + 1 > m->chunk_size) {
		size_t sz = n + 1 > STRMAP_CHUNK ? n + 1 : STRMAP_CHUNK;

		m->chunks = xgrow(m->chunks, &m->chunks_cap, m->nchunks + 1,
				  sizeof(*m->chunks));
		m->chunks[m->nchunks++] = xmalloc(sz);
		m->chunk_size = sz;
		m->chunk_used = 0;
	}
	p = m->chunks[m->nchunks - 1] + m->chunk_used;
	memcpy(p, s, n);
	p[n] = '\0';
	m->chunk_used += n + 1;
	return p;
}

uint32_t strmap_intern(struct strmap *m, const char *s, size_t n, bool *added)
{
	uint64_t h = strmap_hash(s, n);
	size_t mask, i;
	uint32_t v;

	if ((size_t)(m->n + 1) * 2 > m->nslots)
		strmap_rehash(m, m->nslots ? m->nslots * 2 : 64);
	mask = m->nslots - 1;
	for (i = h & mask; m->slots[i]; i = (i + 1) & mask) {
		if (slot_is(m, m->slots[i], h, s, n)) {
			if (added)
				*added = false;
			return (uint32_t)m->slots[i] - 1;
		}
	}
	if (m->n + 1 > m->cap) {
		size_t c = m->cap;
		m->hashes = xgrow(m->hashes, &c, m->n + 1, sizeof(*m->hashes));
		c = m->cap;
		m->str = xgrow(m->str, &c, m->n + 1, sizeof(*m->str));
		c = m->cap;
		m->len = xgrow(m->len, &c, m->n + 1, sizeof(*m->len));
		m->cap = c;
	}
	v = m->n++;
	m->hashes[v] = (uint32_t)h;
	m->len[v] = (uint32_t)n;
	m->str[v] = strmap_store(m, s, n);
	m->slots[i] = slot_tag(h) | ((uint64_t)v + 1);
	if (added)
		*added = true;
	return v;
}
