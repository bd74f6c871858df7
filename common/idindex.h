/*
 * idindex.h - a set of ids that keeps no id text: 16 bytes an id.
 *
 * Uploads must find duplicate ids among up to FA_MAX_ROWS rows, and a
 * prediction upload must map each id to its example's ordinal.  Keeping
 * the ids themselves (a strmap) costs about 45 bytes an id; this keeps a
 * 96-bit fingerprint of each (XXH3-128, cut) with one 32-bit value (an
 * ordinal, or a row), sorted once, and finds an id by its fingerprint
 * through a directory of the fingerprints' top bits (half a byte an id).
 *
 * Two distinct ids share a fingerprint with probability about n^2 / 2^97,
 * below 1e-14 for 50 million ids.  Callers say what happens then: an
 * examples upload refuses the pair as duplicates (nothing wrong is
 * stored); a lookup returns the value of the first of them.
 *
 * Life cycle: idindex_init, idindex_add for every id (values are the
 * caller's), idindex_build once, then idindex_find; idindex_release.
 * Records grow with realloc, which for a block this large remaps pages
 * rather than copying them, so the peak stays near the final size.
 */
#ifndef FA_IDINDEX_H
#define FA_IDINDEX_H

#include "common/fa.h"

struct idrec {
	uint64_t h;
	uint32_t h2;
	uint32_t val;
};

struct idindex {
	struct idrec *v;
	size_t n, cap;
	uint32_t *dir;		/* after build: first record of each bucket */
	unsigned bits;		/* buckets = 2^bits, by the top bits of h */
	bool built;
};

void idindex_init(struct idindex *x);
void idindex_release(struct idindex *x);
/* Add an id with its value.  Not after idindex_build(). */
void idindex_add(struct idindex *x, const char *s, size_t n, uint32_t val);
/*
 * Sort and index.  For every group of records with one fingerprint, dup
 * (may be NULL) is called once per record but the one of smallest value,
 * in no particular order, with that record's value and the smallest.
 */
void idindex_build(struct idindex *x,
		   void (*dup)(void *ctx, uint32_t val, uint32_t first),
		   void *ctx);
/* After build: the value of the id (the smallest if several), or -1. */
int64_t idindex_find(const struct idindex *x, const char *s, size_t n);
static inline size_t idindex_count(const struct idindex *x)
{
	return x->n;
}
/* Bytes held, for memory accounting. */
size_t idindex_bytes(const struct idindex *x);

#endif
