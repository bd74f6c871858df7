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
 * Keys of at most STRMAP_SHORT bytes (labels, attribute values, most ids)
 * are hashed and compared inline, and found in one probe without a call
 * when their slot is the first one tried.
 *
 * Such a key is two words and its length: words that cover every byte
 * (overlapping unless n is 8 or 16), read without a byte past the key, so
 * that two keys of one length are equal exactly when their words are.
 * The hash multiplies and folds them, then mixes as SplitMix64's
 * finaliser does, so that the slot tag (high half) and the slot (low
 * half) both depend on every byte.  The hash only places keys in slots:
 * indices are the order of insertion whatever it is.
 */
#define STRMAP_SHORT 16

static inline void strmap_short_words(const char *s, size_t n, uint64_t *a,
				      uint64_t *b)
{
	uint64_t a64, b64;
	uint32_t a32, b32;

	if (n >= 8) {
		memcpy(&a64, s, 8);
		memcpy(&b64, s + n - 8, 8);
		*a = a64;
		*b = b64;
	} else if (n >= 4) {
		memcpy(&a32, s, 4);
		memcpy(&b32, s + n - 4, 4);
		*a = a32;
		*b = b32;
	} else if (n) {
		*a = (uint64_t)(unsigned char)s[0] << 16 |
		     (uint64_t)(unsigned char)s[n >> 1] << 8 |
		     (unsigned char)s[n - 1];
		*b = 0;
	} else {
		*a = *b = 0;
	}
}

static inline bool strmap_short_equal(const char *x, const char *y, size_t n)
{
	uint64_t xa, xb, ya, yb;

	strmap_short_words(x, n, &xa, &xb);
	strmap_short_words(y, n, &ya, &yb);
	return !((xa ^ ya) | (xb ^ yb));
}

static inline uint64_t strmap_short_hash(const char *s, size_t n)
{
	uint64_t a, b, x;

	strmap_short_words(s, n, &a, &b);
	x = (a * 0x9E3779B97F4A7C15ULL) ^ (b + n) * 0xC2B2AE3D27D4EB4FULL;
	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

/* The index of a short key in its first slot, or -1: look further. */
static inline int64_t strmap_first_slot(const struct strmap *m,
					const char *s, size_t n)
{
	uint64_t h, slot;
	uint32_t v;

	if (n > STRMAP_SHORT || m->indexed != m->n || !m->nslots)
		return -1;
	h = strmap_short_hash(s, n);
	slot = m->slots[h & (m->nslots - 1)];
	v = (uint32_t)slot - 1;
	if (!slot || (slot ^ h) >> 32 || m->len[v] != n ||
	    !strmap_short_equal(m->str[v], s, n))
		return -1;
	return v;
}

int64_t strmap_find_slow(const struct strmap *m, const char *s, size_t n);
uint32_t strmap_intern_slow(struct strmap *m, const char *s, size_t n,
			    bool *added);

/*
 * Index of the key, or -1 if absent.  Not while strings appended with
 * strmap_append() wait for strmap_index() (that dies: a bug).
 */
static inline int64_t strmap_find(const struct strmap *m, const char *s,
				  size_t n)
{
	int64_t v = strmap_first_slot(m, s, n);

	return v >= 0 ? v : strmap_find_slow(m, s, n);
}

/*
 * Index of the key, adding it if absent.  *added (if not NULL) is set to
 * whether it was new.
 */
static inline uint32_t strmap_intern(struct strmap *m, const char *s,
				     size_t n, bool *added)
{
	int64_t v = strmap_first_slot(m, s, n);

	if (v < 0)
		return strmap_intern_slow(m, s, n, added);
	if (added)
		*added = false;
	return (uint32_t)v;
}

static inline const char *strmap_str(const struct strmap *m, uint32_t i)
{
	return m->str[i];
}

static inline uint32_t strmap_len(const struct strmap *m, uint32_t i)
{
	return m->len[i];
}

#endif
