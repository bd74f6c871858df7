/*
 * split.c - keyed-hash split of example ids; see split.h.
 *
 * SipHash-2-4 follows the reference implementation: little-endian 64-bit
 * message words, two compression rounds per word, the length in the top
 * byte of the last word, four finalisation rounds.  It is fast enough to
 * hash millions of ids per second, which the split of a large dataset needs;
 * SHA-256 (libcrypto) is used once per split to turn an arbitrary secret
 * into the 128-bit key.
 */
#include "common/fa.h"
#include "bounty/split.h"
#include <openssl/sha.h>

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do {						\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

uint64_t siphash24(uint64_t k0, uint64_t k1, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
	uint64_t v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)n << 56, m;
	size_t full = n & ~(size_t)7;

	for (size_t i = 0; i < full; i += 8) {
		m = load_le64(p + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t i = full; i < n; i++)
		b |= (uint64_t)p[i] << (8 * (i - full));
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

int split_init(struct split *s, const void *secret, size_t n,
	       double holdout_fraction, struct buf *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	if (n < SPLIT_MIN_SECRET) {
		buf_addf(err, "split secret is %zu bytes long, shorter than "
			 "the minimum of %d bytes", n, SPLIT_MIN_SECRET);
		return -1;
	}
	if (!(holdout_fraction > 0 && holdout_fraction < 1)) {
		buf_addf(err, "holdout fraction %g is not strictly between 0 "
			 "and 1", holdout_fraction);
		return -1;
	}
	SHA256(secret, n, md);
	s->k0 = load_le64(md);
	s->k1 = load_le64(md + 8);
	s->fraction = holdout_fraction;
	/* fraction * 2^53, exact for any double in (0, 1) */
	s->threshold = (uint64_t)ldexp(holdout_fraction, 53);
	s->reporting = 0;
	s->report_threshold = 0;
	return 0;
}

int split_set_reporting(struct split *s, double share, struct buf *err)
{
	if (!(share >= 0 && share < 1)) {
		buf_addf(err, "reporting share %g is not in [0, 1)", share);
		return -1;
	}
	s->reporting = share;
	s->report_threshold = (uint64_t)ldexp(s->fraction * share, 53);
	return 0;
}

bool split_is_holdout(const struct split *s, const char *id, size_t n)
{
	return (siphash24(s->k0, s->k1, id, n) >> 11) < s->threshold;
}

void split_table(const struct split *s, const struct strmap *ids,
		 struct bitset *holdout)
{
	bitset_reset(holdout, ids->n);
	for (uint32_t i = 0; i < ids->n; i++)
		if (split_is_holdout(s, strmap_str(ids, i), strmap_len(ids, i)))
			bitset_set(holdout, i);
}

enum split_part split_part_of(const struct split *s, const char *id, size_t n)
{
	uint64_t u = siphash24(s->k0, s->k1, id, n) >> 11;

	return u < s->report_threshold ? SPLIT_REPORTING :
	       u < s->threshold ? SPLIT_HOLDOUT : SPLIT_DISCOVERY;
}

void split_parts(const struct split *s, const struct strmap *ids,
		 struct bitset *holdout, struct bitset *reporting)
{
	bitset_reset(holdout, ids->n);
	bitset_reset(reporting, ids->n);
	for (uint32_t i = 0; i < ids->n; i++) {
		uint64_t u = siphash24(s->k0, s->k1, strmap_str(ids, i),
				       strmap_len(ids, i)) >> 11;

		if (u < s->report_threshold)
			bitset_set(reporting, i);
		else if (u < s->threshold)
			bitset_set(holdout, i);
	}
}
