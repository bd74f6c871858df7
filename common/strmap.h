/*
 * strmap.h - interning of byte strings to dense indices 0, 1, 2, ...
 *
 * A strmap owns a copy of every string added, in large chunks, so millions
 * of short keys (example ids, attribute values) cost little more than their
 * bytes.  Indices are assigned in insertion order and never change; the
 * string for an index stays valid until strmap_release().
 *
 * Keys may contain any bytes, including NUL; lengths are explicit.
 */
#ifndef FA_STRMAP_H
#define FA_STRMAP_H

#include "fa.h"

struct strmap {
	uint32_t n;		/* strings stored */
	/*
	 * open addressing: index+1 in the low 32 bits (0 = empty), the
	 * hash's high 32 bits above it, so a probe rarely reads a string
	 */
	uint64_t *slots;
	size_t nslots;
	uint32_t *hashes;	/* per index: the hash's low 32 bits */
	const char **str;	/* per index, NUL-terminated copies */
	uint32_t *len;		/* per index */
	size_t cap;
	char **chunks;
	size_t nchunks, chunks_cap;
	size_t chunk_used, chunk_size;
};

void strmap_init(struct strmap *m);
void strmap_release(struct strmap *m);

/* Index of the key, or -1 if absent. */
int64_t strmap_find(const struct strmap *m, const char *s, size_t n);
/*
 * Index of the key, adding it if absent.  *added (if not NULL) is set to
 * whether it was new.
 */
uint32_t strmap_intern(struct strmap *m, const char *s, size_t n, bool *added);

static inline const char *strmap_str(const struct strmap *m, uint32_t i)
{
	return m->str[i];
}

static inline uint32_t strmap_len(const struct strmap *m, uint32_t i)
{
	return m->len[i];
}

#endif
