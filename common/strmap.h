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
	uint32_t indexed;	/* strings [0, indexed) are in slots */
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
/* dst (not initialised) becomes a copy of src: the same indices. */
void strmap_clone(struct strmap *dst, const struct strmap *src);

/*
 * Room for n strings without growing (a hint: indices and lookups are the
 * same with or without it).
 */
void strmap_reserve(struct strmap *m, size_t n);

/*
 * Index of the key, or -1 if absent.  Not while strings appended with
 * strmap_append() wait for strmap_index() (that dies: a bug).
 */
int64_t strmap_find(const struct strmap *m, const char *s, size_t n);

/*
 * Bulk loading of keys expected to be distinct (a file's ids): append the
 * key as the next index without looking it up, and later index every
 * appended key at once, which runs several times faster than interning
 * one at a time because the lookups of many keys overlap in memory.
 * strmap_index() calls dup(ctx, index, first) (dup may be NULL) for each
 * appended key equal to an earlier one, which keeps its index but is
 * never found: the map is then only good for reporting them.
 * strmap_intern() indexes first if it must.
 */
uint32_t strmap_append(struct strmap *m, const char *s, size_t n);
void strmap_index(struct strmap *m,
		  void (*dup)(void *ctx, uint32_t index, uint32_t first),
		  void *ctx);
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
