/*
 * json.c - cJSON_PrintUnformatted()'s text, with exact fast numbers; see
 * json.h.
 *
 * The printer follows cJSON 1.7's print_value(): null, false, true, raw
 * text as it is, strings escaped (", \, \b, \f, \n, \r, \t, other bytes
 * below 0x20 as \u00xx in lower case; every other byte as it is), arrays
 * and objects without spaces.  tests/unit/report/json.c compares the two
 * on documents of every kind and on millions of numbers.
 *
 * Numbers (json_format_g): d = m * 2^-s with m an integer below 2^53.  For
 * prec digits the decimal exponent X is floor(log10|d|), corrected by the
 * digit count, and the digits are d * 10^p = m * 5^p / 2^(s - p) rounded
 * half to even, p = prec - 1 - X: exact in unsigned 128-bit arithmetic
 * while m * 5^p < 2^128, that is for p <= 32, and so for |d| above about
 * 1e-16 (and below 2^53, so that s > p).  Integers below 10^15 are their
 * digits.  printf rounds the exact binary value the same way, so the
 * digits are its digits.  The remainder of the division
 * also tells how far the decimal value is from d, in units of d's last
 * bit: less than half (it reads back as d), between half and one and a
 * half (a neighbour), or more.  Near a power of two the spacing of the
 * doubles and cJSON's tolerance change, and an exact tie reads back by the
 * evenness of a mantissa: there the answer is left to strtod.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "report/json.h"
#include <float.h>
#include <math.h>

typedef unsigned __int128 u128;

#define P5_27 7450580596923828125ULL	/* 5^27, the largest below 2^64 */

static const u128 pow5[33] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL,
	390625ULL, 1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL,
	1220703125ULL, 6103515625ULL, 30517578125ULL, 152587890625ULL,
	762939453125ULL, 3814697265625ULL, 19073486328125ULL,
	95367431640625ULL, 476837158203125ULL, 2384185791015625ULL,
	11920928955078125ULL, 59604644775390625ULL, 298023223876953125ULL,
	1490116119384765625ULL, P5_27, (u128)P5_27 * 5,
	(u128)P5_27 * 25, (u128)P5_27 * 125, (u128)P5_27 * 625,
	(u128)P5_27 * 3125,
};

static const uint64_t pow10[18] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
	100000000000000000ULL,
};

/*
 * The prec digits of |d| = m * 2^-s as q, with exponent *x, and how far
 * the decimal value is from d (*ulps as json_format_g's); false when the
 * arithmetic would not be exact.
 */
static bool digits(uint64_t m, int s, int prec, uint64_t *q, int *x,
		   int *ulps)
{
	/* d is in [2^k, 2^(k+1)), k = 52 - s: X is floor(k log10 2) or one
	   more (log10 2 = 0.30103 rounded up, k * it exact enough) */
	int k = 52 - s;
	int X = (k >= 0 ? k * 30103 : k * 30103 - 99999) / 100000;

	for (int tries = 0; tries < 3; tries++) {
		/* d * 10^p = m * 5^p / 2^(s - p) */
		int p = prec - 1 - X, t = s - p;
		u128 M, r, half, one, err, p5;
		uint64_t qq, lo, hi;
		bool up;

		if (p < 0 || p > 32 || t < 1 || t > 127)
			return false;
		p5 = pow5[p];
		M = (u128)m * p5;
		qq = (uint64_t)(M >> t);
		one = (u128)1 << t;
		r = M & (one - 1);
		half = one >> 1;
		lo = pow10[prec - 1];
		hi = pow10[prec];
		if (M >> t >= hi) {
			X++;
			continue;
		}
		if (qq < lo) {
			X--;
			continue;
		}
		up = r > half || (r == half && (qq & 1));
		err = up ? one - r : r;
		if (up && ++qq == hi) {
			/* 9.99...95 and up: 10.00..., one more digit before */
			qq = lo;
			X++;
		}
		*q = qq;
		*x = X;
		/*
		 * |value - d| = err / 5^p of d's last bit, less than 46 of
		 * them (half a 15-digit unit over 2^-52 of d); within 64 of
		 * a power of two the double read back may lie in the next
		 * binade, where cJSON's tolerance and the spacing differ
		 */
		if (!err)
			*ulps = 0;	/* the digits are d itself */
		else if (m < (1ULL << 52) + 64 || m > (1ULL << 53) - 64 ||
			 r == half)
			*ulps = -1;
		else if (2 * err < p5)
			*ulps = 0;
		else if (2 * err == p5 || 2 * err == 3 * p5)
			*ulps = -1;
		else
			*ulps = 2 * err < 3 * p5 ? 1 : 2;
		return true;
	}
	return false;
}

/* The decimal digits of v at out, at least min of them; their count. */
static size_t put_uint(char *out, uint64_t v, int min)
{
	char d[24];
	size_t n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || (int)n < min);
	for (size_t i = 0; i < n; i++)
		out[i] = d[n - 1 - i];
	return n;
}

/* printf's %g layout of digits q (prec of them) with exponent x. */
static size_t layout(char *out, bool neg, uint64_t q, int x, int prec)
{
	char d[24];
	int n = prec;
	size_t o = 0;

	for (int i = prec - 1; i >= 0; i--) {
		d[i] = (char)('0' + q % 10);
		q /= 10;
	}
	while (n > 1 && d[n - 1] == '0')
		n--;		/* %g drops trailing zeros */
	if (neg)
		out[o++] = '-';
	if (x < -4 || x >= prec) {
		out[o++] = d[0];
		if (n > 1) {
			out[o++] = '.';
			memcpy(out + o, d + 1, (size_t)n - 1);
			o += (size_t)n - 1;
		}
		out[o++] = 'e';
		out[o++] = x < 0 ? '-' : '+';
		o += put_uint(out + o, (uint64_t)(x < 0 ? -x : x), 2);
	} else if (x >= 0) {
		for (int i = 0; i <= x; i++)
			out[o++] = i < n ? d[i] : '0';
		if (n > x + 1) {
			out[o++] = '.';
			memcpy(out + o, d + x + 1, (size_t)(n - x - 1));
			o += (size_t)(n - x - 1);
		}
	} else {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -x - 1; i++)
			out[o++] = '0';
		memcpy(out + o, d, (size_t)n);
		o += (size_t)n;
	}
	out[o] = '\0';
	return o;
}

size_t json_format_g(char *out, double d, int prec, int *ulps)
{
	uint64_t bits, m, q;
	int e, x, u = -1;

	if (d == 0 || (fabs(d) < 1e15 && d == trunc(d))) {
		/* at most 15 digits, all before the point */
		size_t o = 0;

		if (signbit(d))
			out[o++] = '-';
		o += put_uint(out + o, (uint64_t)fabs(d), 1);
		out[o] = '\0';
		if (ulps)
			*ulps = 0;
		return o;
	}
	memcpy(&bits, &d, sizeof(bits));
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((1ULL << 52) - 1);
	if (e && e != 0x7ff && (prec == 15 || prec == 17) &&
	    digits(m | 1ULL << 52, 1075 - e, prec, &q, &x, &u)) {
		if (ulps)
			*ulps = u;
		return layout(out, bits >> 63, q, x, prec);
	}
	if (ulps)
		*ulps = -1;
	return (size_t)snprintf(out, 32, "%1.*g", prec, d);
}

/* cJSON's compare_double(). */
static bool close_enough(double a, double b)
{
	double most = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= most * DBL_EPSILON;
}

void json_print_number(struct buf *out, double d)
{
	char s[32];
	size_t n;
	int ulps;

	if (isnan(d) || isinf(d)) {
		buf_adds(out, "null");
		return;
	}
	n = json_format_g(s, d, 15, &ulps);
	if (ulps < 0)
		ulps = close_enough(strtod(s, NULL), d) ? 0 : 2;
	if (ulps > 1)
		n = json_format_g(s, d, 17, NULL);
	buf_add(out, s, n);
}

static void print_string(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run;

	buf_addch(out, '"');
	if (!s) {
		buf_addch(out, '"');
		return;
	}
	for (run = p; *p; p++) {
		unsigned char c = *p;
		char esc[6] = { '\\', 0 };
		size_t n = 2;

		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		buf_add(out, run, (size_t)(p - run));
		run = p + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		buf_add(out, esc, n);
	}
	buf_add(out, run, (size_t)(p - run));
	buf_addch(out, '"');
}

static bool print_value(struct buf *out, const cJSON *v)
{
	switch (v->type & 0xff) {
	case cJSON_NULL:
		buf_adds(out, "null");
		return true;
	case cJSON_False:
		buf_adds(out, "false");
		return true;
	case cJSON_True:
		buf_adds(out, "true");
		return true;
	case cJSON_Number:
		json_print_number(out, v->valuedouble);
		return true;
	case cJSON_Raw:
		if (!v->valuestring)
			return false;
		buf_adds(out, v->valuestring);
		return true;
	case cJSON_String:
		print_string(out, v->valuestring);
		return true;
	case cJSON_Array:
	case cJSON_Object: {
		bool object = (v->type & 0xff) == cJSON_Object;

		buf_addch(out, object ? '{' : '[');
		for (const cJSON *c = v->child; c; c = c->next) {
			if (object) {
				print_string(out, c->string);
				buf_addch(out, ':');
			}
			if (!print_value(out, c))
				return false;
			if (c->next)
				buf_addch(out, ',');
		}
		buf_addch(out, object ? '}' : ']');
		return true;
	}
	default:
		return false;
	}
}

char *json_print(const cJSON *doc)
{
	struct buf out = BUF_INIT;

	if (!doc || !print_value(&out, doc)) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}
