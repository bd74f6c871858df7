/*
 * ingest.h - what every upload parser produces: records, column names,
 * row-level errors, and one entry point that picks the parser by format.
 *
 * Parsers are push parsers.  The caller creates one, hands it the body in
 * chunks of any size (one byte, 1 MiB, a whole file: the records come out
 * the same) with _feed(), then calls _finish() once at the end of input.
 * Nothing but the record being read is ever held in memory, so a 2 GB body
 * costs a few buffers.
 *
 * Output goes to a struct ingest_sink:
 *   1. header() once, with the column names, before any record.  CSV: the
 *      header row (row 1).  NDJSON and JSON arrays: the keys of the first
 *      object, in order; later objects may omit keys (the value is then
 *      null) but may not add new ones.  trn: the fixed columns, row 0.
 *      header() is not called when the header itself is in error.
 *   2. record() once per record that has no error, with one value per
 *      header column, in header order.
 * The column names and values passed to a callback are valid only during
 * that call.  Column names are NUL-terminated, non-NUL, valid UTF-8; values
 * are byte ranges (not terminated) of valid UTF-8 without NUL bytes, with a
 * null flag for a missing value (unquoted empty CSV field, JSON null or
 * absent key).  JSON numbers keep their source text exactly ("1.50" stays
 * "1.50"); true and false become the text "true" and "false".
 *
 * Errors go to a struct ingest_errors shared by the parser and the
 * validation that consumes its records (ingest/upload.h), so an upload has
 * one list: the first FA_MAX_ERRORS errors in full and a count of all.
 * Every error names the row as in the file (header = row 1; see each
 * parser for what a row is; 0 = not tied to a row), the column when there
 * is one, and the reason.  Parsers keep going after an error whenever the
 * structure allows, so one bad row does not hide the next ninety-nine.
 */
#ifndef FA_INGEST_H
#define FA_INGEST_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/limits.h"

/*
 * The most bytes of one record a parser buffers (a CSV record, an NDJSON
 * line, a JSON array element): every column at its largest field.
 */
#define INGEST_MAX_RECORD_BYTES ((size_t)FA_MAX_COLUMNS * FA_MAX_FIELD_BYTES)

enum ingest_format {
	INGEST_CSV,
	INGEST_NDJSON,
	INGEST_JSON,		/* one JSON array of objects */
	INGEST_TRN,		/* NIST sclite trn (ASR only) */
};

const char *ingest_format_name(enum ingest_format f);
/*
 * Format from a file name's extension (case-insensitive): .csv, .ndjson or
 * .jsonl, .json, .trn.  0 and *out set, or -1 and a sentence in err.
 */
int ingest_format_from_path(const char *path, enum ingest_format *out,
			    struct buf *err);
/*
 * Format from an HTTP Content-Type (parameters such as "; charset=utf-8"
 * ignored, case-insensitive): text/csv, application/x-ndjson (also
 * application/jsonl), application/json, text/x-trn.  0 or -1 and err.
 */
int ingest_format_from_content_type(const char *ct, enum ingest_format *out,
				    struct buf *err);

/* ---- records ---- */

struct ingest_column {
	const char *name;	/* NUL-terminated */
	size_t len;
};

struct ingest_value {
	const char *s;		/* not NUL-terminated; "" when null */
	size_t len;
	bool null;
};

struct ingest_record {
	uint64_t row;
	size_t n;				/* = number of columns */
	const struct ingest_column *cols;	/* cols[i] names v[i] */
	const struct ingest_value *v;
};

struct ingest_sink {
	void (*header)(void *ctx, uint64_t row,
		       const struct ingest_column *cols, size_t n);
	void (*record)(void *ctx, const struct ingest_record *r);
	void *ctx;
};

/* ---- errors ---- */

struct ingest_error {
	uint64_t row;		/* 0 = not tied to a row */
	char *column;		/* NULL when not tied to a column */
	char *reason;
};

/*
 * Errors of one kind: the same message format in the same column, however
 * many rows have it.  The whole upload is summarised by kind, so a refusal
 * says "1,000 of 4,000 rows" even when only the first FA_MAX_ERRORS errors
 * are listed.
 */
struct ingest_error_kind {
	const char *fmt;	/* the format passed to ingest_errors_addf() */
	char *column;		/* as in struct ingest_error */
	uint64_t count;
	uint64_t first_row;
	char *first;		/* the reason of the first error of the kind */
};

#define INGEST_MAX_ERROR_KINDS 32

struct ingest_errors {
	struct ingest_error *v;	/* the first FA_MAX_ERRORS errors */
	size_t n;
	uint64_t total;		/* every error, listed or not */
	struct ingest_error_kind *kinds;  /* at most INGEST_MAX_ERROR_KINDS */
	size_t nkinds;
	uint64_t other;		/* errors of kinds past the last one kept */
};

void ingest_errors_init(struct ingest_errors *e);
void ingest_errors_release(struct ingest_errors *e);
/* Release, then init: an empty list again. */
void ingest_errors_clear(struct ingest_errors *e);
/*
 * Count one error and, while fewer than FA_MAX_ERRORS are listed, list it.
 * column (NUL-terminated, may be NULL) is copied, cut to a sane length and
 * made valid UTF-8.  The reason follows the project's message style:
 * lower-case, no final period; quote values with ingest_quote().
 */
void ingest_errors_addf(struct ingest_errors *e, uint64_t row,
			const char *column, const char *fmt, ...)
	FA_PRINTF(4, 5);
/*
 * Count n more errors of the kind of (column, fmt) without listing them or
 * formatting a message: for a long run of one error past the list's end.
 * The kind must have been added with ingest_errors_addf() before.
 */
void ingest_errors_count(struct ingest_errors *e, const char *column,
			 const char *fmt, uint64_t n);
/*
 * Append the list as a JSON array of {"row","column","reason"} objects, the
 * "errors" member of API.md's problem body; row 0 and a missing column are
 * written as null.
 */
void ingest_errors_json(const struct ingest_errors *e, struct buf *out);
/*
 * Append the summary by kind as a JSON array of {"column", "count",
 * "first_row", "first_reason"} objects (first_row null when the kind is
 * not tied to a row), most frequent first, then {"column": null, "count":
 * N, "first_row": null, "first_reason": null} for errors of kinds not kept.
 */
void ingest_errors_summary_json(const struct ingest_errors *e,
				struct buf *out);
/*
 * Append the list for a terminal, one error per line ("row 3, column
 * \"label\": ..."), then, if some were cut, "(N more errors not shown)"
 * and one line per kind ("  1,000 errors like row 2, column ...").
 */
void ingest_errors_text(const struct ingest_errors *e, struct buf *out);
/*
 * The kinds sorted by count, most frequent first (ties: first seen
 * first).  Returns a malloc'ed array of e->nkinds pointers into e.
 */
const struct ingest_error_kind **ingest_errors_by_count(
	const struct ingest_errors *e);
/* Append n with a comma between thousands: 4000 is "4,000". */
void ingest_add_count(struct buf *b, uint64_t n);

/*
 * Append [s, s+n) in double quotes for an error message: cut after 64 bytes
 * (at a character boundary, with "..."), invalid UTF-8 replaced by U+FFFD
 * and control characters by '?', so user data cannot break the message.
 */
void ingest_quote(struct buf *b, const char *s, size_t n);

/* ---- text checks shared by the parsers ---- */

enum {
	INGEST_TEXT_OK = 0,
	INGEST_TEXT_NUL,	/* a NUL byte */
	INGEST_TEXT_UTF8,	/* not valid UTF-8 */
};
/* Classify [s, s+n): INGEST_TEXT_OK, _NUL or _UTF8. */
int ingest_text_check(const char *s, size_t n);
/* The error reason for a nonzero ingest_text_check() result. */
const char *ingest_text_reason(int check);

/*
 * A UTF-8 byte order mark at the very start of a body is skipped by every
 * parser.  It may arrive split across chunks, so the parser keeps this
 * state: ingest_bom_step() consumes from *data the bytes that continue the
 * mark and returns how many bytes of ingest_bom_bytes the parser must then
 * scan as ordinary data first (a partial match that turned out not to be a
 * mark); ingest_bom_flush() does the same at the end of input.
 */
struct ingest_bom {
	unsigned char have;	/* bytes of the mark matched so far */
	bool done;
};
extern const char ingest_bom_bytes[3];
size_t ingest_bom_step(struct ingest_bom *b, const char **data, size_t *n);
size_t ingest_bom_flush(struct ingest_bom *b);

/*
 * Line splitting for the line-based formats (NDJSON, trn).  Lines end at
 * LF; the callback gets each line without its LF (a CR before it is left
 * for the format to strip) and its 1-based number.  A line longer than cap
 * bytes is reported once as an error and skipped.  A final line without LF
 * is delivered by ingest_lines_finish().
 */
struct ingest_lines {
	char *buf;
	size_t len, alloc, cap;
	uint64_t line;		/* number of the line being read */
	bool toolong;
	struct ingest_errors *errs;
	void (*fn)(void *ctx, uint64_t line, const char *s, size_t n);
	void *ctx;
};

void ingest_lines_init(struct ingest_lines *l, size_t cap,
		       struct ingest_errors *errs,
		       void (*fn)(void *ctx, uint64_t line,
				  const char *s, size_t n),
		       void *ctx);
void ingest_lines_feed(struct ingest_lines *l, const char *s, size_t n);
void ingest_lines_finish(struct ingest_lines *l);
void ingest_lines_release(struct ingest_lines *l);

/* ---- one parser for any format ---- */

struct ingest_options {
	const char *text_column;  /* trn: the text column's name, e.g.
				     "reference" or "hypothesis" */
	bool speaker;		  /* trn: derive the "speaker" column */
	bool scalar;		  /* csv: byte by byte only, the reference
				     the fast path is tested against */
};

#endif
