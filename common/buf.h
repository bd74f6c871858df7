/*
 * buf.h - length-carrying growable strings with an optional cap.
 *
 * A struct buf always holds a NUL-terminated string in s[0..len) once it has
 * been written to; after buf_init() s points at a static empty string, so a
 * fresh buf can be printed without checks.  The buf owns s; buf_release()
 * frees it, buf_detach() hands it to the caller.
 *
 * A buf may carry a cap (bytes of content).  Appends that would pass the cap
 * append nothing, set the `toobig` flag and return -1, so code fed from the
 * network can stop at a named limit (see common/limits.h) instead of growing
 * without bound.  A cap of 0 means "no cap".
 *
 * Error buffers: pure functions take a `struct buf *err` and, on failure,
 * append one complete sentence (lower-case, no final period) and return a
 * negative code.  On success they leave err untouched.
 */
#ifndef FA_BUF_H
#define FA_BUF_H

#include "fa.h"

struct buf {
	char *s;
	size_t len;
	size_t alloc;
	size_t cap;
	bool toobig;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0, 0, false }

void buf_init(struct buf *b, size_t cap);
void buf_release(struct buf *b);
/* Release, then init with the same cap. */
void buf_clear(struct buf *b);
/* Keep the allocation, drop the content. */
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b, size_t *len);

int buf_add(struct buf *b, const void *data, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) FA_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Append v in decimal; a fast path for hot loops that would use %llu. */
int buf_add_u64(struct buf *b, uint64_t v);

/* Append s with JSON string escaping (no surrounding quotes). */
int buf_add_json_escaped(struct buf *b, const char *s, size_t n);
/* Append s escaped for HTML text and attribute values (& < > " '). */
int buf_add_html_escaped(struct buf *b, const char *s, size_t n);

/*
 * The shortest decimal text that reads back as the finite number d: an
 * integer below 1e15 without a point ("0", never "-0"), otherwise 15
 * significant digits, or 17 when 15 do not round-trip.
 */
void buf_add_double_shortest(struct buf *b, double d);

#endif
