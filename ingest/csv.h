/*
 * csv.h - streaming RFC 4180 CSV parser.
 *
 * Input: a header row, then records.  Fields are separated by commas;
 * records end at LF, CRLF or a lone CR.  A field may be quoted with double
 * quotes, and a quoted field may contain commas, newlines and doubled
 * quotes ("" for one ").  A UTF-8 byte order mark at the start is skipped,
 * the last record may lack its line end, and blank lines at the end of the
 * input are ignored.  A blank line elsewhere is a record of one empty
 * field, so it is an error unless the header has one column.
 *
 * Rows: the row number is the record number, header = row 1.  A quoted
 * field that contains a line break does not advance it, so the row of a
 * record after such a field is lower than its line number in an editor.
 * Every blank line counts as one row.
 *
 * Values: an unquoted empty field is null (missing); a quoted empty field
 * ("") is the empty string, as in PostgreSQL's COPY ... CSV.
 *
 * Errors (row, column, reason), after which parsing goes on with the next
 * record: a quote inside an unquoted field; text after a closing quote; a
 * field longer than FA_MAX_FIELD_BYTES; invalid UTF-8 or a NUL byte; a row
 * whose field count differs from the header's (the reason gives both); an
 * empty line.  In the header: more than FA_MAX_COLUMNS columns, an empty
 * or duplicate column name (after which data rows are still checked but
 * none is delivered).  At the end: an unterminated quoted field (reported
 * on the row where it opened) and an empty body.
 *
 * Speed: a record that lies whole in the chunk being fed, ends in LF or
 * CRLF, has the header's number of fields, no quote, CR, NUL or non-ASCII
 * byte and no field over FA_MAX_FIELD_BYTES is split 16 bytes at a time
 * (SSE2, or a plain loop elsewhere) and delivered with values pointing into
 * the chunk.  Every other record goes byte by byte through the state
 * machine, copied once into a per-record buffer that is reused, so the
 * steady state does no allocation at all.  Both paths deliver the same
 * records and errors (fuzzed: tests/fuzz/fuzz_csv.c).
 */
#ifndef FA_INGEST_CSV_H
#define FA_INGEST_CSV_H

#include "ingest/ingest.h"

struct csv_parser;

/* A parser delivering to sink (copied); errs must outlive it. */
struct csv_parser *csv_parser_new(const struct ingest_sink *sink,
				  struct ingest_errors *errs);
/* Parse the next n bytes; always 0 (CSV always resynchronises). */
int csv_parser_feed(struct csv_parser *p, const char *data, size_t n);
/* End of input; 0 if errs is empty, else -1. */
int csv_parser_finish(struct csv_parser *p);
void csv_parser_free(struct csv_parser *p);
/* From now on, byte by byte only: the reference for the fast path. */
void csv_parser_scalar(struct csv_parser *p);

#endif
