/*
 * idindex.h - a set of ids that keeps no id text: 16.5 bytes an id.
 *
 * Uploads must find duplicate ids among up to FA_MAX_ROWS rows, and a
 * prediction upload must map each id to its example's ordinal.  Keeping
 * the ids themselves (a strmap) costs about 45 bytes an id; this keeps a
 * 96-bit fingerprint of each (XXH3-128, cut) by index, 12 bytes, and a
 * table of 4-byte slots sorted by fingerprint, found through a directory
 * of the fingerprints' top bits (half a byte an id).
 *
 * Ids are numbered: index i is the i-th id added, or the one put at i.
 * Prediction uploads mostly come in the order of their examples, so a
 * lookup may name the index it expects (idindex_find_hint): confirming it
 * reads the fingerprints in order, where a search reads two random places.
 *
 * Two distinct ids share a fingerprint with probability about n^2 / 2^97,
 * below 1e-14 for 50 million ids.  Callers say what happens then: an
 * examples upload refuses the pair as duplicates (nothing wrong is
 * stored); a lookup returns the smallest index of the two, or the hint if
 * it is one of them.
 *
 * Life cycle: idindex_init, idindex_add (or idindex_put) for every index
 * below the count, idindex_build once, then idindex_find; idindex_release.
 * Fingerprints grow with realloc, which for a block this large remaps
 * pages rather than copying them, so the peak stays near the final size.
 */
#ifndef FA_IDINDEX_H
#define FA_IDINDEX_H

#include "common/fa.h"

/* Indices fit in a slot beside a 6-bit tag: 26 bits, over FA_MAX_ROWS. */
#define IDINDEX_MAX ((1u << 26) - 1)

struct idindex {
	uint32_t (*fp)[3];	/* by index: low and high half of h, h2 */
	size_t n, cap;
	uint32_t *slot;		/* after build: index << 6 | tag, sorted */
	uint32_t *dir;		/* after build: first slot of each bucket */
	unsigned bits;		/* buckets = 2^bits, by the top bits of h */
	bool built;
};

void idindex_init(struct idindex *x);
void idindex_release(struct idindex *x);
/* Add the id of the next index, which is returned.  Not after build. */
uint32_t idindex_add(struct idindex *x, const char *s, size_t n);
/*
 * Set the id of index i, i <= IDINDEX_MAX; the count becomes at least
 * i + 1.  Every index below the count must be set before the build.
 */
void idindex_put(struct idindex *x, uint32_t i, const char *s, size_t n);
/*
 * Sort and index.  For every group of indices with one fingerprint, dup
 * (may be NULL) is called once per index but the smallest, in no
 * particular order, with that index and the smallest.
 */
void idindex_build(struct idindex *x,
		   void (*dup)(void *ctx, uint32_t index, uint32_t first),
		   void *ctx);
/* After build: the index of the id (the smallest if several), or -1. */
int64_t idindex_find(const struct idindex *x, const char *s, size_t n);
/* The same, trying index hint (any number) before searching. */
int64_t idindex_find_hint(const struct idindex *x, size_t hint,
			  const char *s, size_t n);
static inline size_t idindex_count(const struct idindex *x)
{
	return x->n;
}
/* Bytes held, for memory accounting. */
size_t idindex_bytes(const struct idindex *x);

#endif
