/*
 * strmap.c - string interning with open addressing and chunked storage.
 *
 * The slot table holds index+1 of the string (0 = empty) with the high half
 * of its 64-bit hash, and is kept at most half full: a probe compares the
 * tag before it reads a string.  The low half is stored once per index, so
 * rehashing never touches the strings.
 */
#include "fa.h"
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
 * XXH3 (Debian's libxxhash, header only) for keys longer than
 * STRMAP_SHORT; the shorter ones are hashed inline (strmap.h).
 */
static inline uint64_t strmap_hash(const char *s, size_t n)
{
	return n > STRMAP_SHORT ? XXH3_64bits(s, n) : strmap_short_hash(s, n);
}

static inline uint64_t slot_tag(uint64_t h)
{
	return h & 0xffffffff00000000ULL;
}

static inline bool slot_is(const struct strmap *m, uint64_t slot,
			   uint64_t h, const char *s, size_t n)
{
	uint32_t v = (uint32_t)slot - 1;

	if ((slot & 0xffffffff00000000ULL) != slot_tag(h) || m->len[v] != n)
		return false;
	return n <= STRMAP_SHORT ? strmap_short_equal(m->str[v], s, n)
				 : !memcmp(m->str[v], s, n);
}

void strmap_clone(struct strmap *dst, const struct strmap *src)
{
	size_t bytes = 0;
	char *at;

	strmap_init(dst);
	if (!src->n && !src->nslots)
		return;
	dst->n = src->n;
	dst->indexed = src->indexed;
	dst->nslots = src->nslots;
	dst->slots = xmalloc((src->nslots ? src->nslots : 1) *
			     sizeof(*dst->slots));
	if (src->nslots)
		memcpy(dst->slots, src->slots, src->nslots * sizeof(*src->slots));
	dst->cap = src->n;
	dst->hashes = xmalloc((src->n ? src->n : 1) * sizeof(*dst->hashes));
	dst->len = xmalloc((src->n ? src->n : 1) * sizeof(*dst->len));
	dst->str = xmalloc((src->n ? src->n : 1) * sizeof(*dst->str));
	if (src->n) {
		memcpy(dst->hashes, src->hashes, src->n * sizeof(*src->hashes));
		memcpy(dst->len, src->len, src->n * sizeof(*src->len));
	}
	/* every string, back to back in one chunk */
	for (uint32_t v = 0; v < src->n; v++)
		bytes += (size_t)src->len[v] + 1;
	if (!bytes)
		return;
	dst->chunks = xmalloc(sizeof(*dst->chunks));
	dst->chunks_cap = dst->nchunks = 1;
	dst->chunks[0] = at = xmalloc(bytes);
	dst->chunk_size = dst->chunk_used = bytes;
	for (uint32_t v = 0; v < src->n; v++) {
		memcpy(at, src->str[v], (size_t)src->len[v] + 1);
		dst->str[v] = at;
		at += (size_t)src->len[v] + 1;
	}
}

int64_t strmap_find_slow(const struct strmap *m, const char *s, size_t n)
{
	uint64_t h;
	size_t mask, i;

	if (m->indexed != m->n)
		die("strmap_find: %u strings not indexed yet",
		    m->n - m->indexed);
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

static void strmap_grow_index(struct strmap *m, size_t n)
{
	size_t c = m->cap;

	m->hashes = xgrow(m->hashes, &c, n, sizeof(*m->hashes));
	c = m->cap;
	m->str = xgrow(m->str, &c, n, sizeof(*m->str));
	c = m->cap;
	m->len = xgrow(m->len, &c, n, sizeof(*m->len));
	m->cap = c;
}

void strmap_reserve(struct strmap *m, size_t n)
{
	size_t nslots = m->nslots ? m->nslots : 64;

	if (n > UINT32_MAX - 1)
		n = UINT32_MAX - 1;
	while (nslots < 2 * (n + 1))
		nslots *= 2;
	if (nslots > m->nslots)
		strmap_rehash(m, nslots);
	if (n > m->cap) {
		/* exactly n: xgrow would round up past the hint */
		m->hashes = xrealloc(m->hashes, n * sizeof(*m->hashes));
		m->str = xrealloc(m->str, n * sizeof(*m->str));
		m->len = xrealloc(m->len, n * sizeof(*m->len));
		m->cap = n;
	}
}

static char *strmap_store(struct strmap *m, const char *s, size_t n)
{
	char *p;

	if (!m->nchunks || m->chunk_used + n + 1 > m->chunk_size) {
		/*
		 * Chunks grow with the map (up to 64 chunks' worth), so a
		 * million ids take a few large blocks rather than many small
		 * ones, each paid for in page faults.
		 */
		size_t sz = STRMAP_CHUNK << (m->nchunks < 6 ? m->nchunks : 6);

		if (sz < n + 1)
			sz = n + 1;

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

/* Store a new string as index m->n (not in slots). */
static uint32_t strmap_add(struct strmap *m, const char *s, size_t n,
			   uint64_t h)
{
	uint32_t v;

	if (m->n + 1 > m->cap)
		strmap_grow_index(m, (size_t)m->n + 1);
	v = m->n++;
	m->hashes[v] = (uint32_t)h;
	m->len[v] = (uint32_t)n;
	m->str[v] = strmap_store(m, s, n);
	return v;
}

uint32_t strmap_append(struct strmap *m, const char *s, size_t n)
{
	return strmap_add(m, s, n, strmap_hash(s, n));
}

void strmap_index(struct strmap *m,
		  void (*dup)(void *ctx, uint32_t index, uint32_t first),
		  void *ctx)
{
	size_t nslots = m->nslots ? m->nslots : 64, mask;

	if (m->indexed == m->n)
		return;
	while ((size_t)m->n * 2 > nslots)
		nslots *= 2;
	if (nslots != m->nslots)
		strmap_rehash(m, nslots);
	mask = m->nslots - 1;
	for (uint32_t v = m->indexed; v < m->n; v++) {
		/*
		 * The low 32 bits of every key's hash are kept, which is all
		 * of a slot's place up to 2^32 slots, so the slot of a key a
		 * few places on is fetched while this one is placed, without
		 * hashing it twice (past 2^32 slots the hint is only less
		 * often right).
		 */
		uint64_t h;
		size_t i;

		if (v + 8 < m->n)
			__builtin_prefetch(&m->slots[m->hashes[v + 8] & mask],
					   1);
		h = strmap_hash(m->str[v], m->len[v]);
		for (i = h & mask; m->slots[i]; i = (i + 1) & mask)
			if (slot_is(m, m->slots[i], h, m->str[v], m->len[v]))
				break;
		if (m->slots[i]) {
			if (dup)
				dup(ctx, v, (uint32_t)m->slots[i] - 1);
			continue;
		}
		m->slots[i] = slot_tag(h) | ((uint64_t)v + 1);
	}
	m->indexed = m->n;
}

uint32_t strmap_intern_slow(struct strmap *m, const char *s, size_t n,
			    bool *added)
{
	uint64_t h = strmap_hash(s, n);
	size_t mask, i;
	uint32_t v;

	if (m->indexed != m->n)
		strmap_index(m, NULL, NULL);
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
	v = strmap_add(m, s, n, h);
	m->indexed = m->n;
	m->slots[i] = slot_tag(h) | ((uint64_t)v + 1);
	if (added)
		*added = true;
	return v;
}
