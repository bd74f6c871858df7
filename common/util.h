/*
 * util.h - checked number parsing and small string helpers.
 *
 * The parse_* functions accept the whole of [s, s+n) or nothing: leading or
 * trailing junk, empty input, overflow and (for doubles) NaN/Inf are
 * refused with -1.  They replace atoi/strtol-without-checks everywhere.
 */
#ifndef FA_UTIL_H
#define FA_UTIL_H

#include "fa.h"

int parse_i64(const char *s, size_t n, int64_t *out);
int parse_double(const char *s, size_t n, double *out);
/* qsort comparison of doubles, ascending (NaN compares equal to all). */
int cmp_double(const void *a, const void *b);
/*
 * Sort v[0, n) (no NaN) ascending, stably: the order a stable sort by
 * cmp_double gives (0.0 and -0.0 compare equal and keep their order), by
 * radix passes over the values' bits, several times faster than qsort.
 */
void sort_doubles(double *v, size_t n);
/* Value of one hexadecimal digit (either case), or -1. */
int hex_value(int c);

/* 1 if [s, s+n) is valid UTF-8 (no overlongs, no surrogates), else 0. */
int utf8_valid(const char *s, size_t n);

/* FNV-1a 64-bit hash of n bytes. */
uint64_t hash_bytes(const void *p, size_t n);

/* Monotonic clock in seconds. */
double now_seconds(void);

#endif
