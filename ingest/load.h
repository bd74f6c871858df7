/*
 * load.h - loading a truth file and a prediction file into a table, for
 * the offline scorer (fairaudit score).
 *
 * The format of each file comes from its extension (.csv, .ndjson/.jsonl,
 * .json, .trn; see ingest_format_from_path).  Both files go through the
 * parsers and ingest/upload.h's validation (in 1 MiB chunks, or mapped),
 * exactly as the server checks uploads: the truth file as an examples
 * upload, then the prediction file as a predictions upload that must cover
 * every example.  Work is spread over two threads (load.c says how), with
 * the same table and the same errors as reading one file after the other.  The resulting table has one row per example, in truth
 * file order (row i = example ordinal i), every attribute of the truth file
 * as a column, and for asr an attribute "speaker" when the truth has a
 * speaker column (a trn truth file always has: the speaker comes from the
 * utterance id, and it is the only attribute).  For score tasks the
 * positive label is set; for classification it is set when the label
 * occurs in the data.
 *
 * ASR: the table's alignment counts (t->asr) are not computed here.  A
 * caller that wants them passes a pair callback, called once per utterance
 * with its reference and hypothesis texts, which may fill t->asr[row]
 * (e.g. with metrics/alignment.h's aligner_score).  Without the callback
 * the counts stay zero.
 *
 * All or nothing: on failure the table is left initialised and empty.
 */
#ifndef FA_INGEST_LOAD_H
#define FA_INGEST_LOAD_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "ingest/ingest.h"
#include "ingest/upload.h"
#include <sys/types.h>

/*
 * Called for each utterance of an asr load, in prediction file order, with
 * row = the utterance's table row and texts valid only during the call.
 * Returns 0, or -1 with one sentence in err to fail the load.
 */
typedef int (*load_pair_fn)(void *ctx, struct table *t, size_t row,
			    const char *ref, size_t ref_len,
			    const char *hyp, size_t hyp_len, struct buf *err);

/*
 * Initialise t for task and fill it from truth_path and pred_path;
 * positive_label NULL means "1".  Returns 0, or -1 with one sentence in err
 * (a file that cannot be read or has an unknown extension, or "N errors in
 * FILE") and, for data errors, the errors in errs (which the caller has
 * initialised; the rows are those of the named file).
 */
int load_files(struct table *t, enum task task, const char *truth_path,
	       const char *pred_path, const char *positive_label,
	       struct ingest_errors *errs, struct buf *err);

/*
 * load_files() with a declared label domain (ingest/upload.h; NULL: none,
 * as in load_files(); a binary domain names the positive label itself)
 * and a pair callback (may be NULL) for asr.
 */
int load_files_with_pairs(struct table *t, enum task task,
			  const char *truth_path, const char *pred_path,
			  const char *positive_label,
			  const struct label_domain *domain,
			  load_pair_fn pair, void *ctx,
			  struct ingest_errors *errs, struct buf *err);

/*
 * Where load_files*() reads a CSV truth file of len bytes at map in two
 * parts, at once with the prediction file (pred_size bytes): the offset
 * of the second part, just after the LF that ends a line that is not
 * blank, with *head_len the header line's bytes; or 0 when the file is
 * read whole (smaller than 256 KiB, a quote anywhere, a header not ended
 * by LF or CR LF, no such line).
 */
size_t load_split_point(const char *map, size_t len, off_t pred_size,
			size_t *head_len);

/*
 * More cohort attributes for a loaded table t (after load_files*()), from
 * the file at path (CSV, NDJSON or JSON by extension), as the service's
 * attributes upload takes them: a key column "id" (example ids) or, for
 * asr, "speaker" (each row then applies to every example of the speaker),
 * and one column per new attribute.  Unknown or repeated keys, a name that
 * is already an attribute, and a missing key column are errors in errs
 * (rows of that file); examples not named get the empty value.  Returns 0,
 * or -1 with one sentence in err.  Calls table_finish() again.
 */
int load_attributes(struct table *t, const char *path,
		    struct ingest_errors *errs, struct buf *err);

#endif
