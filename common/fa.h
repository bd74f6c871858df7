/*
 * fa.h - the one header every fairaudit .c file includes first.
 *
 * It pulls in the standard headers nearly every file needs, decides how
 * out-of-memory is handled (once, here: the process aborts, so callers never
 * check allocations for NULL), and finally includes banned.h so that unsafe
 * libc functions are compile errors everywhere.
 */
#ifndef FA_H
#define FA_H

#define _GNU_SOURCE 1

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <limits.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define FA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FA_NORETURN __attribute__((noreturn))
#define FA_UNUSED __attribute__((unused))
#else
#define FA_PRINTF(f, a)
#define FA_NORETURN
#define FA_UNUSED
#endif

/* Allocation that never returns NULL: on failure the process aborts. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow *p (an array of *cap elements of size elem) to hold at least need. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);

/* Print "fatal: <msg>" to stderr and exit(1). */
FA_NORETURN void die(const char *fmt, ...) FA_PRINTF(1, 2);
/*
 * For a command-line run that builds large tables once: one malloc arena
 * whose growth is advised for transparent huge pages (see fa.c).  Call
 * before any thread starts and before the large tables are allocated.
 */
void fa_memory_setup(void);

#include "banned.h"

#endif
