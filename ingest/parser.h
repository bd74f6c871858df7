/*
 * parser.h - a streaming parser for any upload format (ingest.h's
 * enum ingest_format), writing to an ingest_sink.  The formats' own
 * parsers are ingest/csv.h, ingest/json.h and ingest/trn.h; this is the
 * one entry point the rest of the program uses.
 */
#ifndef FA_INGEST_PARSER_H
#define FA_INGEST_PARSER_H

#include "common/fa.h"
#include "ingest/ingest.h"

struct ingest_parser;

/*
 * A parser for format f writing to sink (copied) and errs (which must
 * outlive the parser).  opts is needed only for INGEST_TRN (NULL means
 * text column "text", no speaker).  Free with ingest_parser_free().
 */
struct ingest_parser *ingest_parser_new(enum ingest_format f,
					const struct ingest_options *opts,
					const struct ingest_sink *sink,
					struct ingest_errors *errs);
/*
 * Parse the next n bytes.  Returns 0, or -1 once the parser has met an
 * error after which nothing more can be parsed (a JSON body that is not an
 * array, say); the caller may then stop reading, everything else is
 * ignored.
 */
int ingest_parser_feed(struct ingest_parser *p, const void *data, size_t n);
/*
 * End of input: deliver the last record and report what was left open
 * (an unterminated quoted field, an unclosed array, a missing header).
 * Returns 0 if errs is empty, -1 otherwise.  Call once.
 */
int ingest_parser_finish(struct ingest_parser *p);
void ingest_parser_free(struct ingest_parser *p);

#endif
