/*
 * bitset.c - word-wise set operations over rows; see bitset.h.
 *
 * Everything works a 64-bit word at a time with the compiler's popcount and
 * count-trailing-zeros builtins.  The only place the tail invariant can break
 * is a complement, which masks the last word; fills do the same.
 */
#include "common/fa.h"
#include "cohorts/bitset.h"

static inline uint64_t tail_mask(size_t nbits)
{
	size_t r = nbits & 63;

	return r ? ((uint64_t)1 << r) - 1 : ~(uint64_t)0;
}

static void same_size(const struct bitset *a, const struct bitset *b)
{
	if (a->nbits != b->nbits)
		die("bitset sizes differ: %zu and %zu rows", a->nbits, b->nbits);
}

void bitset_init(struct bitset *b)
{
	b->w = NULL;
	b->nbits = 0;
	b->nwords = 0;
}

void bitset_release(struct bitset *b)
{
	free(b->w);
	bitset_init(b);
}

void bitset_reset(struct bitset *b, size_t nbits)
{
	size_t nwords = (nbits + 63) / 64;

	if (nwords != b->nwords) {
		free(b->w);
		b->w = nwords ? xcalloc(nwords, sizeof(*b->w)) : NULL;
		b->nwords = nwords;
	} else if (nwords) {
		memset(b->w, 0, nwords * sizeof(*b->w));
	}
	b->nbits = nbits;
}

void bitset_copy(struct bitset *dst, const struct bitset *src)
{
	if (dst == src)
		return;
	bitset_reset(dst, src->nbits);
	if (src->nwords)
		memcpy(dst->w, src->w, src->nwords * sizeof(*src->w));
}

void bitset_fill(struct bitset *b)
{
	if (!b->nwords)
		return;
	memset(b->w, 0xff, b->nwords * sizeof(*b->w));
	b->w[b->nwords - 1] &= tail_mask(b->nbits);
}

void bitset_and(struct bitset *dst, const struct bitset *src)
{
	same_size(dst, src);
	for (size_t i = 0; i < dst->nwords; i++)
		dst->w[i] &= src->w[i];
}

void bitset_or(struct bitset *dst, const struct bitset *src)
{
	same_size(dst, src);
	for (size_t i = 0; i < dst->nwords; i++)
		dst->w[i] |= src->w[i];
}

void bitset_andnot(struct bitset *dst, const struct bitset *src)
{
	same_size(dst, src);
	for (size_t i = 0; i < dst->nwords; i++)
		dst->w[i] &= ~src->w[i];
}

void bitset_not(struct bitset *b)
{
	if (!b->nwords)
		return;
	for (size_t i = 0; i < b->nwords; i++)
		b->w[i] = ~b->w[i];
	b->w[b->nwords - 1] &= tail_mask(b->nbits);
}

size_t bitset_count(const struct bitset *b)
{
	size_t n = 0;

	for (size_t i = 0; i < b->nwords; i++)
		n += (size_t)__builtin_popcountll(b->w[i]);
	return n;
}

size_t bitset_count_and(const struct bitset *a, const struct bitset *b)
{
	size_t n = 0;

	same_size(a, b);
	for (size_t i = 0; i < a->nwords; i++)
		n += (size_t)__builtin_popcountll(a->w[i] & b->w[i]);
	return n;
}

bool bitset_equal(const struct bitset *a, const struct bitset *b)
{
	if (a->nbits != b->nbits)
		return false;
	return !a->nwords ||
	       !memcmp(a->w, b->w, a->nwords * sizeof(*a->w));
}

double bitset_jaccard(const struct bitset *a, const struct bitset *b)
{
	size_t inter = 0, uni = 0;

	same_size(a, b);
	for (size_t i = 0; i < a->nwords; i++) {
		inter += (size_t)__builtin_popcountll(a->w[i] & b->w[i]);
		uni += (size_t)__builtin_popcountll(a->w[i] | b->w[i]);
	}
	return uni ? (double)inter / (double)uni : 1.0;
}

size_t bitset_next(const struct bitset *b, size_t from)
{
	size_t i;
	uint64_t w;

	if (from >= b->nbits)
		return b->nbits;
	i = from >> 6;
	w = b->w[i] & (~(uint64_t)0 << (from & 63));
	for (;;) {
		if (w)
			return i * 64 + (size_t)__builtin_ctzll(w);
		if (++i >= b->nwords)
			return b->nbits;
		w = b->w[i];
	}
}
