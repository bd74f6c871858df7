/*
 * json.h - streaming NDJSON and JSON-array parsers for flat objects.
 *
 * NDJSON: one JSON object per line (LF or CRLF), blank lines ignored; the
 * row is the line number.  JSON array: one array of objects, "[ {...},
 * {...} ]"; the row is the 1-based element index.  The array is split into
 * its top-level elements by scanning the bytes (aware of strings and
 * escapes) without building the array, and each element is parsed alone
 * with cJSON, so memory stays at one element however long the array.
 *
 * Each object must be flat: values are strings, numbers (kept as their
 * source text, which must follow the JSON number grammar), true or false
 * (the text "true"/"false") or null (missing).  The first object's keys
 * define the columns, in order; a later object may omit any of them
 * (missing) but a key the first object lacks is an error.
 *
 * Errors, each for one row, after which parsing goes on: invalid JSON; a
 * line or element that is not an object; a nested array or object; a
 * duplicate key; invalid UTF-8 or a NUL (\u0000) in a key or string; a
 * string longer than FA_MAX_FIELD_BYTES; more than FA_MAX_COLUMNS keys; a
 * record longer than INGEST_MAX_RECORD_BYTES.  Errors that end parsing
 * (a JSON array body only): not starting with '[', garbage between or after
 * the elements, an unclosed array or element.
 */
#ifndef FA_INGEST_JSON_H
#define FA_INGEST_JSON_H

#include "ingest/ingest.h"

struct json_parser;

/* NDJSON (array false) or JSON array (array true) to sink; errs outlives. */
struct json_parser *json_parser_new(bool array, const struct ingest_sink *sink,
				    struct ingest_errors *errs);
/* Parse the next n bytes; -1 once a fatal error stopped the parser. */
int json_parser_feed(struct json_parser *p, const char *data, size_t n);
/* End of input; 0 if errs is empty, else -1. */
int json_parser_finish(struct json_parser *p);
void json_parser_free(struct json_parser *p);

#endif
