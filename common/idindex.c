/*
 * idindex.c - see idindex.h.
 *
 * Records are sorted by (h, h2, val) with an in-place quicksort (qsort
 * may allocate a copy of the whole array, which would double the peak):
 * a three-way partition, so a long run of one duplicated id costs
 * nothing, and recursion into the smaller part only, so the stack stays
 * logarithmic.  The directory has about one bucket per eight records.
 */
#include "common/fa.h"
#include "common/idindex.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

void idindex_init(struct idindex *x)
{
	memset(x, 0, sizeof(*x));
}

void idindex_release(struct idindex *x)
{
	free(x->v);
	free(x->dir);
	idindex_init(x);
}

static void fingerprint(const char *s, size_t n, struct idrec *r)
{
	XXH128_hash_t h = XXH3_128bits(s, n);

	r->h = h.low64;
	r->h2 = (uint32_t)h.high64;
}

void idindex_add(struct idindex *x, const char *s, size_t n, uint32_t val)
{
	if (x->n == x->cap) {
		x->cap = x->cap < 4096 ? 4096 : x->cap + x->cap / 2;
		x->v = xrealloc(x->v, x->cap * sizeof(*x->v));
	}
	fingerprint(s, n, &x->v[x->n]);
	x->v[x->n++].val = val;
}

/* Fingerprint order; values break ties so that a group starts with its
   smallest value. */
static int rec_cmp(const struct idrec *a, const struct idrec *b)
{
	if (a->h != b->h)
		return a->h < b->h ? -1 : 1;
	if (a->h2 != b->h2)
		return a->h2 < b->h2 ? -1 : 1;
	if (a->val != b->val)
		return a->val < b->val ? -1 : 1;
	return 0;
}

static bool same_print(const struct idrec *a, const struct idrec *b)
{
	return a->h == b->h && a->h2 == b->h2;
}

static void rec_swap(struct idrec *a, struct idrec *b)
{
	struct idrec t = *a;

	*a = *b;
	*b = t;
}

static void rec_sort(struct idrec *v, size_t n)
{
	while (n > 16) {
		const struct idrec *a = &v[0], *b = &v[n / 2], *c = &v[n - 1];
		size_t lt = 0, i = 0, gt = n;
		struct idrec p;

		/* the median of the first, middle and last as the pivot */
		if (rec_cmp(a, b) < 0)
			p = rec_cmp(b, c) < 0 ? *b : rec_cmp(a, c) < 0 ? *c : *a;
		else
			p = rec_cmp(a, c) < 0 ? *a : rec_cmp(b, c) < 0 ? *c : *b;
		while (i < gt) {
			int d = rec_cmp(&v[i], &p);

			if (d < 0)
				rec_swap(&v[lt++], &v[i++]);
			else if (d > 0)
				rec_swap(&v[i], &v[--gt]);
			else
				i++;
		}
		if (lt < n - gt) {
			rec_sort(v, lt);
			v += gt;
			n -= gt;
		} else {
			rec_sort(v + gt, n - gt);
			n = lt;
		}
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && rec_cmp(&v[j - 1], &v[j]) > 0; j--)
			rec_swap(&v[j - 1], &v[j]);
}

void idindex_build(struct idindex *x,
		   void (*dup)(void *ctx, uint32_t val, uint32_t first),
		   void *ctx)
{
	size_t nb, at = 0;

	rec_sort(x->v, x->n);
	for (size_t i = 0; i < x->n;) {
		size_t j = i + 1;

		while (j < x->n && same_print(&x->v[i], &x->v[j])) {
			if (dup)
				dup(ctx, x->v[j].val, x->v[i].val);
			j++;
		}
		i = j;
	}
	x->bits = 0;
	while (x->bits < 32 && ((size_t)8 << x->bits) < x->n)
		x->bits++;
	nb = (size_t)1 << x->bits;
	x->dir = xcalloc(nb + 1, sizeof(*x->dir));
	for (size_t b = 0; b < nb; b++) {
		while (at < x->n && (x->bits ? x->v[at].h >> (64 - x->bits) : 0) < b)
			at++;
		x->dir[b] = (uint32_t)at;
	}
	x->dir[nb] = (uint32_t)x->n;
	x->built = true;
}

int64_t idindex_find(const struct idindex *x, const char *s, size_t n)
{
	struct idrec key;
	size_t b, lo, hi;

	if (!x->built || !x->n)
		return -1;
	fingerprint(s, n, &key);
	b = x->bits ? (size_t)(key.h >> (64 - x->bits)) : 0;
	lo = x->dir[b];
	hi = x->dir[b + 1];
	/* The first record with this fingerprint: a bucket holds about 8. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct idrec *r = &x->v[mid];

		if (r->h < key.h || (r->h == key.h && r->h2 < key.h2))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->n && same_print(&x->v[lo], &key))
		return x->v[lo].val;
	return -1;
}

size_t idindex_bytes(const struct idindex *x)
{
	return x->cap * sizeof(*x->v) +
	       (x->dir ? (((size_t)1 << x->bits) + 1) * sizeof(*x->dir) : 0);
}
