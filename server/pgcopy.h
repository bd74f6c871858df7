/*
 * pgcopy.h - PostgreSQL COPY text format: escaping values into it and
 * reading them back.  Pure string code, shared by the upload handlers that
 * build COPY rows and the storage functions that read COPY output.
 */
#ifndef FA_PGCOPY_H
#define FA_PGCOPY_H

#include "common/fa.h"
#include "common/buf.h"

/* Append [s, s+n) escaped for COPY text format (backslash, tab, CR, LF). */
void copy_escape(struct buf *b, const char *s, size_t n);
/* Undo COPY text escaping in place; returns the new length. */
size_t copy_unescape(char *s, size_t n);

#endif
