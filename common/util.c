/*
 * util.c - checked number parsing, UTF-8 validation, hashing, clocks.
 */
#include "util.h"
#include <math.h>
#include <time.h>

int parse_i64(const char *s, size_t n, int64_t *out)
{
	char tmp[32], *end;
	long long v;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tmp[0] == ' ' || tmp[0] == '\t' || tmp[0] == '+')
		return -1;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, size_t n, double *out)
{
	char tmp[64], *end;
	double v;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (tmp[0] == ' ' || tmp[0] == '\t')
		return -1;
	/* strtod accepts hex floats, "inf" and "nan": a data file should not. */
	for (size_t i = 0; i < n; i++) {
		char c = tmp[i];
		if (!((c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '+' || c == 'e' || c == 'E'))
			return -1;
	}
	errno = 0;
	v = strtod(tmp, &end);
	if (*end || end == tmp || !isfinite(v))
		return -1;
	if (errno == ERANGE && fabs(v) > 1.0)
		return -1;
	*out = v;
	return 0;
}

int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			/* a run of ASCII, eight bytes at a time */
			for (i++; i + 8 <= n; i += 8) {
				uint64_t w;

				memcpy(&w, s + i, sizeof(w));
				if (w & 0x8080808080808080ULL)
					break;
			}
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			if (i + 1 >= n || (s[i + 1] & 0xC0) != 0x80)
				return 0;
			i += 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			if (i + 2 >= n || (s[i + 1] & 0xC0) != 0x80 ||
			    (s[i + 2] & 0xC0) != 0x80)
				return 0;
			if (c == 0xE0 && s[i + 1] < 0xA0)
				return 0; /* overlong */
			if (c == 0xED && s[i + 1] >= 0xA0)
				return 0; /* surrogate */
			i += 3;
		} else if (c >= 0xF0 && c <= 0xF4) {
			if (i + 3 >= n || (s[i + 1] & 0xC0) != 0x80 ||
			    (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
				return 0;
			if (c == 0xF0 && s[i + 1] < 0x90)
				return 0; /* overlong */
			if (c == 0xF4 && s[i + 1] >= 0x90)
				return 0; /* above U+10FFFF */
			i += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

int hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * An unsigned key in the order of the values, and back.  Both zeros get
 * the key of 0.0, so a -0.0 must be put back by the caller.
 */
static inline uint64_t double_key(double x)
{
	uint64_t u;

	if (x == 0)
		x = 0;
	memcpy(&u, &x, sizeof(u));
	return u >> 63 ? ~u : u | (1ULL << 63);
}

static inline double key_double(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~(1ULL << 63) : ~k;
	double x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

void sort_doubles(double *v, size_t n)
{
	uint64_t *key, *tmp, *src, *dst;
	size_t count[256], zeros = 0, negzeros = 0;

	if (n < 2)
		return;
	key = xmalloc(2 * n * sizeof(*key));
	tmp = key + n;
	for (size_t i = 0; i < n; i++) {
		key[i] = double_key(v[i]);
		if (v[i] == 0) {
			zeros++;
			negzeros += signbit(v[i]) != 0;
		}
	}
	/* least significant byte first; each pass is stable */
	src = key;
	dst = tmp;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		uint64_t first = src[0] >> shift & 0xff;
		bool one = true;
		size_t at = 0;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++) {
			uint64_t d = src[i] >> shift & 0xff;

			count[d]++;
			one = one && d == first;
		}
		if (one)
			continue;	/* every value has this byte */
		for (size_t d = 0; d < 256; d++) {
			size_t c = count[d];

			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[count[src[i] >> shift & 0xff]++] = src[i];
		src = dst;
		dst = src == key ? tmp : key;
	}
	if (negzeros) {
		/*
		 * The zeros are one run of equal keys: a stable sort leaves
		 * them in their first order, signs and all.
		 */
		double *z = xmalloc(zeros * sizeof(*z));
		size_t nz = 0, at = 0;

		for (size_t i = 0; i < n; i++)
			if (v[i] == 0)
				z[nz++] = v[i];
		for (size_t i = 0; i < n; i++) {
			double x = key_double(src[i]);

			v[i] = x == 0 ? z[at++] : x;
		}
		free(z);
	} else {
		for (size_t i = 0; i < n; i++)
			v[i] = key_double(src[i]);
	}
	free(key);
}
