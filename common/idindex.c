/*
 * idindex.c - see idindex.h.
 *
 * A slot is an index and a tag: the six bits of h just below the bits
 * that chose its bucket.  Slots are sorted by (h, h2, index); within a
 * bucket that is the order of (tag, h, h2, index), so most comparisons
 * look at the tags alone and a search reads one fingerprint, to confirm.
 *
 * The build is a counting sort: the directory counts the ids of each
 * bucket, a pass down the indices drops each into the end of its bucket
 * (which leaves a bucket's indices increasing), and each bucket, about
 * eight slots, is sorted in place.  A bucket that ids chosen to collide
 * have filled is sorted by a quicksort with a three-way partition, so a
 * long run of one duplicated id costs nothing, recursing into the smaller
 * part only, so the stack stays logarithmic; it allocates nothing.
 */
#include "common/fa.h"
#include "common/idindex.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

#define TAG_BITS 6
#define TAG_MASK ((1u << TAG_BITS) - 1)

void idindex_init(struct idindex *x)
{
	memset(x, 0, sizeof(*x));
}

void idindex_release(struct idindex *x)
{
	free(x->fp);
	free(x->slot);
	free(x->dir);
	idindex_init(x);
}

static void fingerprint(const char *s, size_t n, uint32_t fp[3])
{
	XXH128_hash_t h = XXH3_128bits(s, n);

	fp[0] = (uint32_t)h.low64;
	fp[1] = (uint32_t)(h.low64 >> 32);
	fp[2] = (uint32_t)h.high64;
}

static inline uint64_t fp_h(const uint32_t fp[3])
{
	return fp[0] | (uint64_t)fp[1] << 32;
}

static inline bool same_print(const uint32_t a[3], const uint32_t b[3])
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

static inline size_t bucket_of(const struct idindex *x, uint64_t h)
{
	return x->bits ? (size_t)(h >> (64 - x->bits)) : 0;
}

static inline uint32_t tag_of(const struct idindex *x, uint64_t h)
{
	return (uint32_t)((h << x->bits) >> (64 - TAG_BITS));
}

void idindex_put(struct idindex *x, uint32_t i, const char *s, size_t n)
{
	if (i > IDINDEX_MAX)
		die("idindex: index %u over %u", i, IDINDEX_MAX);
	if (i >= x->cap) {
		size_t cap = x->cap < 4096 ? 4096 : x->cap + x->cap / 2;

		x->cap = cap > i ? cap : (size_t)i + 1;
		x->fp = xrealloc(x->fp, x->cap * sizeof(*x->fp));
	}
	if (i >= x->n) {
		memset(x->fp + x->n, 0, ((size_t)i + 1 - x->n) * sizeof(*x->fp));
		x->n = (size_t)i + 1;
	}
	fingerprint(s, n, x->fp[i]);
}

uint32_t idindex_add(struct idindex *x, const char *s, size_t n)
{
	uint32_t i = (uint32_t)x->n;

	if (x->n > IDINDEX_MAX)
		die("idindex: more than %u ids", IDINDEX_MAX + 1);
	idindex_put(x, i, s, n);
	return i;
}

/* Order of a fingerprint with its tag against the id of a slot. */
static int key_cmp(const struct idindex *x, uint32_t tag, const uint32_t fp[3],
		   uint32_t slot)
{
	const uint32_t *o;
	uint64_t a, b;

	if (tag != (slot & TAG_MASK))
		return tag < (slot & TAG_MASK) ? -1 : 1;
	o = x->fp[slot >> TAG_BITS];
	a = fp_h(fp);
	b = fp_h(o);
	if (a != b)
		return a < b ? -1 : 1;
	if (fp[2] != o[2])
		return fp[2] < o[2] ? -1 : 1;
	return 0;
}

/* Slot order: fingerprint, then index, so a group starts with its smallest. */
static int slot_cmp(const struct idindex *x, uint32_t a, uint32_t b)
{
	int d = key_cmp(x, a & TAG_MASK, x->fp[a >> TAG_BITS], b);

	if (d)
		return d;
	return (a > b) - (a < b);
}

static void slot_swap(uint32_t *a, uint32_t *b)
{
	uint32_t t = *a;

	*a = *b;
	*b = t;
}

static void slot_sort(const struct idindex *x, uint32_t *v, size_t n)
{
	while (n > 16) {
		uint32_t a = v[0], b = v[n / 2], c = v[n - 1], p;
		size_t lt = 0, i = 0, gt = n;

		/* the median of the first, middle and last as the pivot */
		if (slot_cmp(x, a, b) < 0)
			p = slot_cmp(x, b, c) < 0 ? b : slot_cmp(x, a, c) < 0 ? c : a;
		else
			p = slot_cmp(x, a, c) < 0 ? a : slot_cmp(x, b, c) < 0 ? c : b;
		while (i < gt) {
			int d = slot_cmp(x, v[i], p);

			if (d < 0)
				slot_swap(&v[lt++], &v[i++]);
			else if (d > 0)
				slot_swap(&v[i], &v[--gt]);
			else
				i++;
		}
		if (lt < n - gt) {
			slot_sort(x, v, lt);
			v += gt;
			n -= gt;
		} else {
			slot_sort(x, v + gt, n - gt);
			n = lt;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && slot_cmp(x, v[j - 1], v[j]) > 0; j--)
			slot_swap(&v[j - 1], &v[j]);
}

void idindex_build(struct idindex *x,
		   void (*dup)(void *ctx, uint32_t index, uint32_t first),
		   void *ctx)
{
	size_t nb;

	x->bits = 0;
	while (x->bits < 32 && ((size_t)8 << x->bits) < x->n)
		x->bits++;
	nb = (size_t)1 << x->bits;
	x->dir = xcalloc(nb + 1, sizeof(*x->dir));
	x->slot = xmalloc((x->n ? x->n : 1) * sizeof(*x->slot));
	for (size_t i = 0; i < x->n; i++)
		x->dir[bucket_of(x, fp_h(x->fp[i]))]++;
	/* dir[b] = the end of bucket b; dropping slots in moves it back to
	   the bucket's start */
	for (size_t b = 1; b < nb; b++)
		x->dir[b] += x->dir[b - 1];
	x->dir[nb] = (uint32_t)x->n;
	for (size_t i = x->n; i-- > 0;) {
		uint64_t h = fp_h(x->fp[i]);

		x->slot[--x->dir[bucket_of(x, h)]] =
			(uint32_t)i << TAG_BITS | tag_of(x, h);
	}
	for (size_t b = 0; b < nb; b++) {
		uint32_t *v = x->slot + x->dir[b];
		size_t k = x->dir[b + 1] - x->dir[b];

		slot_sort(x, v, k);
		if (!dup)
			continue;
		for (size_t i = 0; i < k;) {
			size_t j = i + 1;

			while (j < k && (v[j] & TAG_MASK) == (v[i] & TAG_MASK) &&
			       same_print(x->fp[v[j] >> TAG_BITS],
					  x->fp[v[i] >> TAG_BITS])) {
				dup(ctx, v[j] >> TAG_BITS, v[i] >> TAG_BITS);
				j++;
			}
			i = j;
		}
	}
	x->built = true;
}

static int64_t lookup(const struct idindex *x, const uint32_t fp[3])
{
	uint64_t h = fp_h(fp);
	size_t b = bucket_of(x, h), lo = x->dir[b], hi = x->dir[b + 1];
	size_t end = hi;
	uint32_t tag = tag_of(x, h);

	/* the first slot not below the fingerprint: a bucket holds about 8 */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(x, tag, fp, x->slot[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < end && key_cmp(x, tag, fp, x->slot[lo]) == 0)
		return x->slot[lo] >> TAG_BITS;
	return -1;
}

int64_t idindex_find(const struct idindex *x, const char *s, size_t n)
{
	uint32_t fp[3];

	if (!x->built || !x->n)
		return -1;
	fingerprint(s, n, fp);
	return lookup(x, fp);
}

int64_t idindex_find_hint(const struct idindex *x, size_t hint,
			  const char *s, size_t n)
{
	uint32_t fp[3];

	if (!x->built || !x->n)
		return -1;
	fingerprint(s, n, fp);
	if (hint < x->n && same_print(fp, x->fp[hint]))
		return (int64_t)hint;
	return lookup(x, fp);
}

size_t idindex_bytes(const struct idindex *x)
{
	return x->cap * sizeof(*x->fp) +
	       (x->slot ? x->n * sizeof(*x->slot) : 0) +
	       (x->dir ? (((size_t)1 << x->bits) + 1) * sizeof(*x->dir) : 0);
}
