/*
 * bootstrap.c - cluster bootstrap over sufficient statistics; the
 * conventions (streams, quantiles, p-value rule) are in bootstrap.h.
 *
 * The inner loop of boot_replicates() is the whole cost of an evaluation's
 * intervals: one draw and nv additions per drawn cluster.
 * Vectors are summed in the order the clusters are drawn, so a replicate is
 * bit-for-bit reproducible.
 */
#include "common/fa.h"
#include "common/util.h"
#include "metrics/bootstrap.h"
#include <gsl/gsl_cdf.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	return x ^ (x >> 31);
}

uint64_t boot_stream_seed(uint64_t seed, const void *key, size_t n)
{
	return splitmix64(seed ^ splitmix64(hash_bytes(key, n)));
}

/*
 * MT19937 (Matsumoto and Nishimura 1998) as GSL's mt.c has it: the same
 * seeding (Knuth's recurrence), twist and tempering, so the same outputs.
 */
#define MT_N 624
#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu
#define MT_MATRIX 0x9908b0dfu

struct mt {
	uint32_t w[MT_N];
	uint32_t out[MT_N];	/* the tempered outputs of the last twist */
	size_t i;		/* next output; MT_N: twist first */
};

static void mt_set(void *state, unsigned long seed)
{
	struct mt *s = state;

	if (!seed)
		seed = 4357;	/* as GSL */
	s->w[0] = (uint32_t)seed;
	for (uint32_t i = 1; i < MT_N; i++)
		s->w[i] = 1812433253u * (s->w[i - 1] ^ (s->w[i - 1] >> 30)) +
			  i;
	s->i = MT_N;
}

static inline uint32_t mt_mix(uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t y = (a & MT_UPPER) | (b & MT_LOWER);

	return c ^ (y >> 1) ^ (-(y & 1u) & MT_MATRIX);
}

static inline uint32_t mt_temper(uint32_t y)
{
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	return y ^ (y >> 18);
}

#ifdef __SSE2__
/* mt_mix and mt_temper, four words at a time. */
static inline __m128i mt_mix4(__m128i a, __m128i b, __m128i c)
{
	__m128i y = _mm_or_si128(_mm_and_si128(a, _mm_set1_epi32((int)MT_UPPER)),
				 _mm_and_si128(b, _mm_set1_epi32(MT_LOWER)));
	__m128i odd = _mm_sub_epi32(_mm_setzero_si128(),
				    _mm_and_si128(y, _mm_set1_epi32(1)));

	return _mm_xor_si128(_mm_xor_si128(c, _mm_srli_epi32(y, 1)),
			     _mm_and_si128(odd, _mm_set1_epi32((int)MT_MATRIX)));
}

static inline __m128i mt_temper4(__m128i y)
{
	y = _mm_xor_si128(y, _mm_srli_epi32(y, 11));
	y = _mm_xor_si128(y, _mm_and_si128(_mm_slli_epi32(y, 7),
				_mm_set1_epi32((int)0x9d2c5680u)));
	y = _mm_xor_si128(y, _mm_and_si128(_mm_slli_epi32(y, 15),
				_mm_set1_epi32((int)0xefc60000u)));
	return _mm_xor_si128(y, _mm_srli_epi32(y, 18));
}

static inline __m128i load4(const uint32_t *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

static inline void store4(uint32_t *p, __m128i v)
{
	_mm_storeu_si128((__m128i *)(void *)p, v);
}
#endif

/*
 * The twist, then every new word tempered into out.  Word k depends on
 * words k + 1 and k + M before the twist and, from k = N - M on, on word
 * k + M - N after it, so four neighbouring words can be made at once in
 * both loops: the words they read are never among the four being made.
 * The same words as the one-at-a-time recurrence, in the same order.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_TWIST16 1

/* mt_mix and mt_temper, sixteen words at a time (AVX-512F). */
__attribute__((target("avx512f"), always_inline))
static inline __m512i mt_mix16(__m512i a, __m512i b, __m512i c)
{
	__m512i y = _mm512_or_si512(
		_mm512_and_si512(a, _mm512_set1_epi32((int)MT_UPPER)),
		_mm512_and_si512(b, _mm512_set1_epi32(MT_LOWER)));
	__mmask16 odd = _mm512_test_epi32_mask(y, _mm512_set1_epi32(1));
	__m512i x = _mm512_xor_si512(c, _mm512_srli_epi32(y, 1));

	/* x ^ MATRIX where y is odd */
	return _mm512_mask_xor_epi32(x, odd, x,
				     _mm512_set1_epi32((int)MT_MATRIX));
}

__attribute__((target("avx512f"), always_inline))
static inline __m512i mt_temper16(__m512i y)
{
	y = _mm512_xor_si512(y, _mm512_srli_epi32(y, 11));
	y = _mm512_xor_si512(y, _mm512_and_si512(_mm512_slli_epi32(y, 7),
			_mm512_set1_epi32((int)0x9d2c5680u)));
	y = _mm512_xor_si512(y, _mm512_and_si512(_mm512_slli_epi32(y, 15),
			_mm512_set1_epi32((int)0xefc60000u)));
	return _mm512_xor_si512(y, _mm512_srli_epi32(y, 18));
}

/* mt_twist() sixteen words at a time: the same words, see below. */
__attribute__((target("avx512f")))
static void mt_twist16(struct mt *s)
{
	uint32_t *w = s->w;
	int k = 0;

	for (; k + 16 <= MT_N - MT_M; k += 16)
		_mm512_storeu_si512(w + k, mt_mix16(_mm512_loadu_si512(w + k),
				_mm512_loadu_si512(w + k + 1),
				_mm512_loadu_si512(w + k + MT_M)));
	for (; k < MT_N - MT_M; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k + MT_M]);
	for (; k + 16 <= MT_N - 1; k += 16)
		_mm512_storeu_si512(w + k, mt_mix16(_mm512_loadu_si512(w + k),
				_mm512_loadu_si512(w + k + 1),
				_mm512_loadu_si512(w + k - (MT_N - MT_M))));
	for (; k < MT_N - 1; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k - (MT_N - MT_M)]);
	w[MT_N - 1] = mt_mix(w[MT_N - 1], w[0], w[MT_M - 1]);
	for (k = 0; k + 16 <= MT_N; k += 16)
		_mm512_storeu_si512(s->out + k,
				    mt_temper16(_mm512_loadu_si512(w + k)));
	for (; k < MT_N; k++)
		s->out[k] = mt_temper(w[k]);
	s->i = 0;
}

/* mt_mix and mt_temper, eight words at a time (AVX2). */
__attribute__((target("avx2"), always_inline))
static inline __m256i mt_mix8(__m256i a, __m256i b, __m256i c)
{
	__m256i y = _mm256_or_si256(
		_mm256_and_si256(a, _mm256_set1_epi32((int)MT_UPPER)),
		_mm256_and_si256(b, _mm256_set1_epi32(MT_LOWER)));
	__m256i odd = _mm256_sub_epi32(_mm256_setzero_si256(),
				       _mm256_and_si256(y, _mm256_set1_epi32(1)));

	return _mm256_xor_si256(_mm256_xor_si256(c, _mm256_srli_epi32(y, 1)),
				_mm256_and_si256(odd,
					_mm256_set1_epi32((int)MT_MATRIX)));
}

__attribute__((target("avx2"), always_inline))
static inline __m256i mt_temper8(__m256i y)
{
	y = _mm256_xor_si256(y, _mm256_srli_epi32(y, 11));
	y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 7),
			_mm256_set1_epi32((int)0x9d2c5680u)));
	y = _mm256_xor_si256(y, _mm256_and_si256(_mm256_slli_epi32(y, 15),
			_mm256_set1_epi32((int)0xefc60000u)));
	return _mm256_xor_si256(y, _mm256_srli_epi32(y, 18));
}

__attribute__((target("avx2"), always_inline))
static inline __m256i load8(const uint32_t *p)
{
	return _mm256_loadu_si256((const __m256i *)(const void *)p);
}

/* mt_twist() eight words at a time: the same words, see above. */
__attribute__((target("avx2")))
static void mt_twist8(struct mt *s)
{
	uint32_t *w = s->w;
	int k = 0;

	for (; k + 8 <= MT_N - MT_M; k += 8)
		_mm256_storeu_si256((__m256i *)(void *)(w + k),
				    mt_mix8(load8(w + k), load8(w + k + 1),
					    load8(w + k + MT_M)));
	for (; k < MT_N - MT_M; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k + MT_M]);
	for (; k + 8 <= MT_N - 1; k += 8)
		_mm256_storeu_si256((__m256i *)(void *)(w + k),
				    mt_mix8(load8(w + k), load8(w + k + 1),
					    load8(w + k - (MT_N - MT_M))));
	for (; k < MT_N - 1; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k - (MT_N - MT_M)]);
	w[MT_N - 1] = mt_mix(w[MT_N - 1], w[0], w[MT_M - 1]);
	for (k = 0; k + 8 <= MT_N; k += 8)
		_mm256_storeu_si256((__m256i *)(void *)(s->out + k),
				    mt_temper8(load8(w + k)));
	for (; k < MT_N; k++)
		s->out[k] = mt_temper(w[k]);
	s->i = 0;
}

static int twist_max = 2;	/* lowered by boot_set_simd() */
static int twist_level = -1;	/* 2 AVX-512, 1 AVX2, 0 SSE2; -1 unknown */

void boot_set_simd(int max)
{
	twist_max = max;
	twist_level = -1;
}
#else
void boot_set_simd(int max)
{
	(void)max;
}
#endif

#ifdef HAVE_TWIST16
/* The vector width this machine and boot_set_simd() allow: twist_level. */
static int simd_level(void)
{
	if (twist_level < 0)
		twist_level = twist_max >= 2 &&
			      __builtin_cpu_supports("avx512f") ? 2 :
			      twist_max >= 1 &&
			      __builtin_cpu_supports("avx2") ? 1 : 0;
	return twist_level;
}
#endif

/* Once every MT_N draws: kept out of the draw loops, whose sums would
   otherwise spill. */
__attribute__((noinline))
static void mt_twist(struct mt *s)
{
	uint32_t *w = s->w;
	int k = 0;

#ifdef HAVE_TWIST16
	simd_level();
	if (twist_level == 2) {
		mt_twist16(s);
		return;
	}
	if (twist_level == 1) {
		mt_twist8(s);
		return;
	}
#endif

#ifdef __SSE2__
	for (; k + 4 <= MT_N - MT_M; k += 4)
		store4(w + k, mt_mix4(load4(w + k), load4(w + k + 1),
				      load4(w + k + MT_M)));
#endif
	for (; k < MT_N - MT_M; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k + MT_M]);
#ifdef __SSE2__
	for (; k + 4 <= MT_N - 1; k += 4)
		store4(w + k, mt_mix4(load4(w + k), load4(w + k + 1),
				      load4(w + k - (MT_N - MT_M))));
#endif
	for (; k < MT_N - 1; k++)
		w[k] = mt_mix(w[k], w[k + 1], w[k - (MT_N - MT_M)]);
	w[MT_N - 1] = mt_mix(w[MT_N - 1], w[0], w[MT_M - 1]);
	k = 0;
#ifdef __SSE2__
	for (; k + 4 <= MT_N; k += 4)
		store4(s->out + k, mt_temper4(load4(w + k)));
#endif
	for (; k < MT_N; k++)
		s->out[k] = mt_temper(w[k]);
	s->i = 0;
}

static inline uint32_t mt_next(struct mt *s)
{
	if (s->i >= MT_N)
		mt_twist(s);
	return s->out[s->i++];
}

static unsigned long mt_get(void *state)
{
	return mt_next(state);
}

static double mt_get_double(void *state)
{
	return mt_next(state) / 4294967296.0;
}

static const gsl_rng_type mt_type = {
	"fairaudit-mt19937", 0xffffffffUL, 0, sizeof(struct mt),
	mt_set, mt_get, mt_get_double
};

const gsl_rng_type *boot_rng_mt19937 = &mt_type;

void boot_rng_reset(gsl_rng *r, uint64_t stream)
{
	gsl_rng_set(r, (unsigned long)((stream ^ (stream >> 32)) &
				       0xFFFFFFFFULL));
}

gsl_rng *boot_rng_new(uint64_t stream)
{
	gsl_rng *r = gsl_rng_alloc(boot_rng_mt19937);

	if (!r)
		die("out of memory allocating a random number generator");
	boot_rng_reset(r, stream);
	return r;
}

/*
 * gsl_rng_uniform_int(r, n) for a 32-bit generator is x / scale with
 * scale = 0xffffffff / n, redrawn while that is n or more.  The quotient
 * of a 32-bit x by a fixed scale is the high word of x times
 * ceil(2^64 / scale) (Lemire, Kaser and Kurz 2019: exact for every
 * 32-bit numerator and divisor), one multiplication instead of a division.
 */
struct below {
	uint32_t n;
	uint64_t inv;		/* ceil(2^64 / scale); 0 when scale == 1 */
};

static struct below below_init(uint32_t n)
{
	uint32_t scale = 0xffffffffu / n;

	return (struct below){ n, scale > 1 ? UINT64_MAX / scale + 1 : 0 };
}

/* The draw an output x makes: *k, or false when x is rejected. */
static inline bool below_take(const struct below *d, uint32_t x, uint32_t *k)
{
	*k = d->inv ? (uint32_t)(((unsigned __int128)d->inv * x) >> 64) : x;
	return *k < d->n;
}

static inline uint32_t below_draw(struct mt *s, const struct below *d)
{
	uint32_t k;

	while (!below_take(d, mt_next(s), &k))
		;
	return k;
}

static struct mt *mt_of(gsl_rng *r, const char *who)
{
	if (r->type != boot_rng_mt19937)
		die("%s: a generator not from boot_rng_new()", who);
	return r->state;
}

uint32_t boot_rng_below(gsl_rng *r, uint32_t n)
{
	struct below d;

	if (!n)
		die("boot_rng_below: n is 0");
	d = below_init(n);
	return below_draw(mt_of(r, "boot_rng_below"), &d);
}

/*
 * One replicate's sums, for any nv: through memory, each addition to
 * sum[j] waits for the store of the one before.
 */
static void draw_sums(struct mt *s, const struct below *d,
		      const double *clusters, size_t ncl, size_t nv,
		      double *sum)
{
	memset(sum, 0, nv * sizeof(*sum));
	for (size_t i = 0; i < ncl; i++) {
		const double *c = clusters + (size_t)below_draw(s, d) * nv;

		for (size_t j = 0; j < nv; j++)
			sum[j] += c[j];
	}
}

/*
 * The same for the six sums of a WER vector (metrics/wer.h), kept in
 * registers: three times faster, and the same draws and additions in the
 * same order, so the same sums.
 */
static void draw_sums6(struct mt *s, const struct below *d,
		       const double *clusters, size_t ncl, double *sum)
{
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0;
	size_t i = 0;

	while (i < ncl) {
		const uint32_t *out;
		size_t p;

		if (s->i >= MT_N)
			mt_twist(s);
		/* up to the end of this twist's outputs, with no call in the
		   loop, so that the sums and the position stay in registers;
		   a rejected output is skipped as below_draw() skips it */
		out = s->out;
		for (p = s->i; p < MT_N && i < ncl; p++) {
			uint32_t k;
			const double *c;

			if (!below_take(d, out[p], &k))
				continue;
			c = clusters + (size_t)k * 6;
			s0 += c[0];
			s1 += c[1];
			s2 += c[2];
			s3 += c[3];
			s4 += c[4];
			s5 += c[5];
			i++;
		}
		s->i = p;
	}
	sum[0] = s0;
	sum[1] = s1;
	sum[2] = s2;
	sum[3] = s3;
	sum[4] = s4;
	sum[5] = s5;
}

/*
 * Outputs out[p..end) as draws into dst[*j..need), each taken draw k
 * stored as k * 6, the place of its six sums; the next p.
 */
static size_t take_scalar(const struct below *d, const uint32_t *out,
			  size_t p, size_t end, uint32_t *dst, size_t *j,
			  size_t need)
{
	size_t k = *j;

	for (; p < end && k < need; p++) {
		uint32_t c;

		if (below_take(d, out[p], &c))
			dst[k++] = c * 6;
	}
	*j = k;
	return p;
}

#ifdef HAVE_TWIST16
/*
 * take_scalar() sixteen outputs at a time.  The high 32 bits of inv * x,
 * as below_take() computes them: with inv = ih 2^32 + il, (inv x) >> 64
 * is (ih x + ((il x) >> 32)) >> 32, every step within 64 bits; a
 * rejected draw is left out by a compressing store.
 */
__attribute__((target("avx512f"), always_inline))
static inline __m512i mulhi16(__m512i x, __m512i il, __m512i ih)
{
	__m512i xo = _mm512_srli_epi64(x, 32);
	__m512i ke = _mm512_srli_epi64(_mm512_add_epi64(
			_mm512_mul_epu32(x, ih),
			_mm512_srli_epi64(_mm512_mul_epu32(x, il), 32)), 32);
	__m512i ko = _mm512_srli_epi64(_mm512_add_epi64(
			_mm512_mul_epu32(xo, ih),
			_mm512_srli_epi64(_mm512_mul_epu32(xo, il), 32)), 32);

	return _mm512_or_si512(ke, _mm512_slli_epi64(ko, 32));
}

__attribute__((target("avx512f")))
static size_t take16(const struct below *d, const uint32_t *out, size_t p,
		     size_t end, uint32_t *dst, size_t *j, size_t need)
{
	__m512i il = _mm512_set1_epi64((long long)(uint32_t)d->inv);
	__m512i ih = _mm512_set1_epi64((long long)(d->inv >> 32));
	__m512i n = _mm512_set1_epi32((int)d->n), six = _mm512_set1_epi32(6);
	size_t k = *j;

	for (; p + 16 <= end && k + 16 <= need; p += 16) {
		__m512i c = mulhi16(_mm512_loadu_si512(out + p), il, ih);
		__mmask16 ok = _mm512_cmplt_epu32_mask(c, n);

		_mm512_mask_compressstoreu_epi32(dst + k, ok,
						 _mm512_mullo_epi32(c, six));
		k += (size_t)__builtin_popcount(ok);
	}
	*j = k;
	return take_scalar(d, out, p, end, dst, j, need);
}
#endif

/*
 * The draws of the next n clusters into idx as places (draw * 6), in
 * order: the same outputs taken or skipped as below_draw() takes them.
 */
static void draw_places(struct mt *s, const struct below *d, uint32_t *idx,
			size_t n)
{
	size_t j = 0;

	while (j < n) {
		if (s->i >= MT_N)
			mt_twist(s);
#ifdef HAVE_TWIST16
		if (d->inv && simd_level() == 2) {
			s->i = take16(d, s->out, s->i, MT_N, idx, &j, n);
			continue;
		}
#endif
		s->i = take_scalar(d, s->out, s->i, MT_N, idx, &j, n);
	}
}

/*
 * Four replicates of six sums at once, from their draws (idx: four runs
 * of ncl places, one replicate after another, as the generator gives
 * them).  Each replicate's sums are added in its draw order, as
 * draw_sums6() adds them, so they are the same sums; but the four chains
 * of additions are independent, so that the loop waits on the latency of
 * an addition once every four draws.  The six sums sit in three pairs,
 * each pair one SSE2 addition of two lanes, which is two additions of
 * one; written out, so that the twelve sums stay in registers.
 */
#define GROUP 4

static void draw_sums6_group(const uint32_t *idx, const double *clusters,
			     size_t ncl, double sum[GROUP][6])
{
#ifdef __SSE2__
	__m128d a0 = _mm_setzero_pd(), a1 = a0, a2 = a0, b0 = a0, b1 = a0;
	__m128d b2 = a0, c0 = a0, c1 = a0, c2 = a0, d0 = a0, d1 = a0, d2 = a0;
	const uint32_t *ia = idx, *ib = idx + ncl, *ic = ib + ncl;
	const uint32_t *id = ic + ncl;

	for (size_t i = 0; i < ncl; i++) {
		const double *pa = clusters + ia[i], *pb = clusters + ib[i];
		const double *pc = clusters + ic[i], *pd = clusters + id[i];

		a0 = _mm_add_pd(a0, _mm_loadu_pd(pa));
		b0 = _mm_add_pd(b0, _mm_loadu_pd(pb));
		c0 = _mm_add_pd(c0, _mm_loadu_pd(pc));
		d0 = _mm_add_pd(d0, _mm_loadu_pd(pd));
		a1 = _mm_add_pd(a1, _mm_loadu_pd(pa + 2));
		b1 = _mm_add_pd(b1, _mm_loadu_pd(pb + 2));
		c1 = _mm_add_pd(c1, _mm_loadu_pd(pc + 2));
		d1 = _mm_add_pd(d1, _mm_loadu_pd(pd + 2));
		a2 = _mm_add_pd(a2, _mm_loadu_pd(pa + 4));
		b2 = _mm_add_pd(b2, _mm_loadu_pd(pb + 4));
		c2 = _mm_add_pd(c2, _mm_loadu_pd(pc + 4));
		d2 = _mm_add_pd(d2, _mm_loadu_pd(pd + 4));
	}
	_mm_storeu_pd(&sum[0][0], a0);
	_mm_storeu_pd(&sum[0][2], a1);
	_mm_storeu_pd(&sum[0][4], a2);
	_mm_storeu_pd(&sum[1][0], b0);
	_mm_storeu_pd(&sum[1][2], b1);
	_mm_storeu_pd(&sum[1][4], b2);
	_mm_storeu_pd(&sum[2][0], c0);
	_mm_storeu_pd(&sum[2][2], c1);
	_mm_storeu_pd(&sum[2][4], c2);
	_mm_storeu_pd(&sum[3][0], d0);
	_mm_storeu_pd(&sum[3][2], d1);
	_mm_storeu_pd(&sum[3][4], d2);
#else
	for (int g = 0; g < GROUP; g++) {
		for (int v = 0; v < 6; v++)
			sum[g][v] = 0;
		for (size_t i = 0; i < ncl; i++) {
			const double *c = clusters + idx[(size_t)g * ncl + i];

			for (int v = 0; v < 6; v++)
				sum[g][v] += c[v];
		}
	}
#endif
}

/*
 * Clusters drawn four replicates at a time while their sums fit in the
 * second-level cache: past that the draws wait on memory, not on the
 * additions, and storing the draws first only adds to the traffic.
 */
#define GROUP_MAX_CLUSTERS 8192

void boot_replicates(gsl_rng *r, const double *clusters, size_t ncl,
		     size_t nv, size_t nboot, boot_stat_fn *stat, void *arg,
		     size_t nstat, double *out)
{
	double sum[BOOT_MAX_SUMS];
	struct below d;
	struct mt *s;
	size_t b = 0;

	if (nv > BOOT_MAX_SUMS || !ncl || ncl > UINT32_MAX - 1)
		die("boot_replicates: %zu clusters of %zu sums", ncl, nv);
	s = mt_of(r, "boot_replicates");
	d = below_init((uint32_t)ncl);
	if (nv == 6 && nboot >= GROUP && ncl <= GROUP_MAX_CLUSTERS) {
		uint32_t *idx = xmalloc(GROUP * ncl * sizeof(*idx));
		double group[GROUP][6];

		for (; b + GROUP <= nboot; b += GROUP) {
			draw_places(s, &d, idx, GROUP * ncl);
			draw_sums6_group(idx, clusters, ncl, group);
			for (int g = 0; g < GROUP; g++)
				stat(group[g], out + (b + (size_t)g) * nstat,
				     arg);
		}
		free(idx);
	}
	for (; b < nboot; b++) {
		if (nv == 6)
			draw_sums6(s, &d, clusters, ncl, sum);
		else
			draw_sums(s, &d, clusters, ncl, nv, sum);
		stat(sum, out + b * nstat, arg);
	}
}

double boot_quantile_sorted(const double *x, size_t n, double q)
{
	double pos = (double)(n - 1) * q, h;
	size_t lo = (size_t)floor(pos);

	if (lo >= n - 1)
		return x[n - 1];
	h = pos - (double)lo;
	if (h <= 0 || x[lo + 1] == x[lo])
		return x[lo];
	return x[lo] * (1 - h) + x[lo + 1] * h;
}

size_t boot_percentile(double *v, size_t n, double conf, double *lo,
		       double *hi)
{
	size_t m = 0;
	double a = (1 - conf) / 2;

	for (size_t i = 0; i < n; i++) {
		if (!isnan(v[i])) {
			double t = v[m];

			v[m++] = v[i];
			v[i] = t;
		}
	}
	*lo = *hi = NAN;
	if (m < 2)
		return m;
	sort_doubles(v, m);
	*lo = boot_quantile_sorted(v, m, a);
	*hi = boot_quantile_sorted(v, m, 1 - a);
	return m;
}

double boot_p_value(const double *d, size_t n)
{
	size_t m = 0, le = 0, ge = 0;
	double p;

	for (size_t i = 0; i < n; i++) {
		if (isnan(d[i]))
			continue;
		m++;
		le += d[i] <= 0;
		ge += d[i] >= 0;
	}
	if (!m)
		return NAN;
	p = 2.0 * (double)(le < ge ? le : ge) / (double)m;
	if (p < 1.0 / ((double)m + 1))
		p = 1.0 / ((double)m + 1);
	return p > 1 ? 1 : p;
}

double boot_expanded_conf(double conf, double g)
{
	double c, t;

	if (!(g >= 2) || !(conf > 0 && conf < 1))
		return NAN;
	c = sqrt(g / (g - 1));
	t = gsl_cdf_tdist_Pinv((1 + conf) / 2, g - 1);
	return 1 - 2 * gsl_cdf_ugaussian_Q(c * t);
}

double boot_p_expanded(double p, double g)
{
	double c, z, q;

	if (!(g >= 2) || isnan(p))
		return NAN;
	if (p >= 1)
		return 1;
	c = sqrt(g / (g - 1));
	z = gsl_cdf_ugaussian_Qinv(p / 2);
	q = 2 * gsl_cdf_tdist_Q(z / c, g - 1);
	return q < 1 ? q : 1;
}
