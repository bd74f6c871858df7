/*
 * jsoncheck.h - a strict check of a JSON request body before cJSON sees it.
 *
 * cJSON is lenient where a request body must not be: it keeps strings as C
 * strings, so "a\u0000 OR 1" reaches a handler as "a"; it takes the first
 * of two equal keys and keeps the second one silently; it passes invalid
 * UTF-8 through; and cJSON_ParseWithLength stops after the first value, so
 * "{}junk" parses.  json_check() refuses all of these, so whatever cJSON then
 * builds is exactly what the client sent.
 *
 * The text must be one JSON value (RFC 8259) with only whitespace around
 * it, and also:
 *   - valid UTF-8 throughout (no overlong forms, no encoded surrogates), with
 *     no NUL byte anywhere;
 *   - no \u0000 in a string or key (an escaped backslash followed by
 *     "u0000", as in "\\u0000", is plain text and allowed), no raw control
 *     character in a string, and \u escapes for surrogates only in pairs;
 *   - no key twice in one object, at any depth, compared after unescaping
 *     (so "a" and "\u0061" are the same key);
 *   - at most JSONCHECK_MAX_DEPTH nested arrays and objects.
 *
 * Pure: no allocation survives the call, time and memory are linear in the
 * input.  Offsets in messages count bytes from 0.
 */
#ifndef FA_JSONCHECK_H
#define FA_JSONCHECK_H

#include "common/fa.h"
#include "common/buf.h"

#ifndef JSONCHECK_MAX_DEPTH
#define JSONCHECK_MAX_DEPTH 1000	/* cJSON's own CJSON_NESTING_LIMIT */
#endif

/*
 * 0 if [s, s+n) is acceptable; else -1 with one sentence in err saying
 * what is wrong and at which byte offset.  err is untouched on success.
 */
int json_check(const char *s, size_t n, struct buf *err);

#endif
