/*
 * strmap.c - string interning with open addressing and chunked storage.
 *
 * The slot table holds index+1 of the string (0 = empty) and is kept at most
 * half full; the full 64-bit hash of each string is stored once per index so
 * rehashing never touches the strings.
 */
#include "strmap.h"
#include "util.h"

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

int64_t strmap_find(const struct strmap *m, const char *s, size_t n)
{
	uint64_t h;
	size_t mask, i;

	if (!m->nslots)
		return -1;
	h = hash_bytes(s, n);
	mask = m->nslots - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		uint32_t v = m->slots[i];

		if (!v)
			return -1;
		v--;
		if (m->hashes[v] == h && m->len[v] == n &&
		    !memcmp(m->str[v], s, n))
			return v;
	}
}

static void strmap_rehash(struct strmap *m, size_t nslots)
{
	size_t mask = nslots - 1;

	free(m->slots);
	m->slots = xcalloc(nslots, sizeof(*m->slots));
	m->nslots = nslots;
	for (uint32_t v = 0; v < m->n; v++) {
		size_t i = m->hashes[v] & mask;

		while (m->slots[i])
			i = (i + 1) & mask;
		m->slots[i] = v + 1;
	}
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
	uint64_t h = hash_bytes(s, n);
	size_t mask, i;
	uint32_t v;

	if ((size_t)(m->n + 1) * 2 > m->nslots)
		strmap_rehash(m, m->nslots ? m->nslots * 2 : 64);
	mask = m->nslots - 1;
	for (i = h & mask; m->slots[i]; i = (i + 1) & mask) {
		v = m->slots[i] - 1;
		if (m->hashes[v] == h && m->len[v] == n &&
		    !memcmp(m->str[v], s, n)) {
			if (added)
				*added = false;
			return v;
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
	m->hashes[v] = h;
	m->len[v] = (uint32_t)n;
	m->str[v] = strmap_store(m, s, n);
	m->slots[i] = v + 1;
	if (added)
		*added = true;
	return v;
}
