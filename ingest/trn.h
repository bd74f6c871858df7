/*
 * trn.h - streaming parser for NIST sclite "trn" transcripts.
 *
 * One utterance per line: "word word ... (utt_id)".  The id is the text
 * between the LAST '(' on the line and the ')' that ends it (trailing
 * whitespace allowed), so "(word)" markup before it stays in the text.
 * The text is what precedes that '(' with surrounding whitespace removed;
 * it may be empty.  Blank lines and lines whose first non-blank characters
 * are ";;" are ignored.  The row is the line number.
 *
 * Columns: "id", the text column (named by the caller: "reference" for
 * ground truth, "hypothesis" for predictions) and, when asked for,
 * "speaker", derived as sclite's "-i rm" does: the id up to its first '-',
 * else up to its first '_'.
 *
 * Where sclite is lenient we refuse: a line without an "(id)" at its end
 * (sclite skips it silently), an id with neither '-' nor '_' when the
 * speaker is derived (sclite credits the utterance to the previous
 * speaker), an id giving an empty speaker, an empty id.  Ids are
 * ASCII lower-cased, as sclite does by default before matching them, so
 * "SPK1-a" and "spk1-a" are the same utterance of the same speaker in both
 * tools; non-ASCII letters are kept as written.
 */
#ifndef FA_INGEST_TRN_H
#define FA_INGEST_TRN_H

#include "ingest/ingest.h"

struct trn_parser;

/*
 * A parser with columns "id", text_column (copied) and, if speaker,
 * "speaker", delivering to sink (copied); errs must outlive it.  The
 * header callback runs on the first feed or at finish, with row 0.
 */
struct trn_parser *trn_parser_new(const char *text_column, bool speaker,
				  const struct ingest_sink *sink,
				  struct ingest_errors *errs);
/* Parse the next n bytes; always 0. */
int trn_parser_feed(struct trn_parser *p, const char *data, size_t n);
/* End of input; 0 if errs is empty, else -1. */
int trn_parser_finish(struct trn_parser *p);
void trn_parser_free(struct trn_parser *p);

#endif
