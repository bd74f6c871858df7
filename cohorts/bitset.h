/*
 * bitset.h - fixed-size sets of row indices, 64 rows per word.
 *
 * A bitset covers rows [0, nbits) of one table.  Bit i of word i / 64 is row
 * i.  Invariant: the bits of the last word at or beyond nbits are always
 * zero, so popcounts and comparisons never see rows that do not exist; every
 * function below keeps it (bitset_not in particular).
 *
 * The bitset owns its words.  bitset_init() makes an empty set of 0 rows
 * without allocating; bitset_reset() (re)sizes it to nbits rows, all clear;
 * bitset_release() frees the words and leaves an empty set.
 *
 * Binary operations need both operands to cover the same number of rows;
 * mixing sizes is a programming error and dies.
 */
#ifndef FA_BITSET_H
#define FA_BITSET_H

#include "common/fa.h"

struct bitset {
	uint64_t *w;
	size_t nbits;
	size_t nwords;
};

#define BITSET_INIT { NULL, 0, 0 }

void bitset_init(struct bitset *b);
void bitset_release(struct bitset *b);

/* Make b a set of nbits rows, all clear (reusing its words when it can). */
void bitset_reset(struct bitset *b, size_t nbits);
/* Make dst an exact copy of src (size and contents). */
void bitset_copy(struct bitset *dst, const struct bitset *src);
/* Add every row [0, nbits). */
void bitset_fill(struct bitset *b);

static inline bool bitset_test(const struct bitset *b, size_t i)
{
	return (b->w[i >> 6] >> (i & 63)) & 1;
}

static inline void bitset_set(struct bitset *b, size_t i)
{
	b->w[i >> 6] |= (uint64_t)1 << (i & 63);
}

static inline void bitset_unset(struct bitset *b, size_t i)
{
	b->w[i >> 6] &= ~((uint64_t)1 << (i & 63));
}

/* dst = dst AND src, dst = dst OR src, dst = dst AND NOT src. */
void bitset_and(struct bitset *dst, const struct bitset *src);
void bitset_or(struct bitset *dst, const struct bitset *src);
void bitset_andnot(struct bitset *dst, const struct bitset *src);
/* Complement within [0, nbits): rows past nbits stay clear. */
void bitset_not(struct bitset *b);

/* Number of rows in the set. */
size_t bitset_count(const struct bitset *b);
/* |a AND b| without building the intersection. */
size_t bitset_count_and(const struct bitset *a, const struct bitset *b);
/* True when both sets cover the same rows and hold the same rows. */
bool bitset_equal(const struct bitset *a, const struct bitset *b);

/*
 * Jaccard similarity |a AND b| / |a OR b|.  Two empty sets are identical,
 * so their similarity is 1.
 */
double bitset_jaccard(const struct bitset *a, const struct bitset *b);

/*
 * The first row >= from in the set, or b->nbits when there is none.  Use it
 * to iterate:
 *
 *	for (size_t i = bitset_next(b, 0); i < b->nbits;
 *	     i = bitset_next(b, i + 1))
 */
size_t bitset_next(const struct bitset *b, size_t from);

#define bitset_foreach(b, i) \
	for (size_t i = bitset_next((b), 0); i < (b)->nbits; \
	     i = bitset_next((b), i + 1))

#endif
