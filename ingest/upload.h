/*
 * upload.h - the meaning of an upload: which columns it must have, what
 * their values may be, and that ids are unique and (for predictions) cover
 * the dataset.  Shared by the server (rows become COPY data) and the CLI
 * (rows become a struct table).
 *
 * An upload is one body in one format (ingest/ingest.h) for one task:
 *   examples     column "id"; "label" (classification, score, regression)
 *                or "reference" (asr) with an optional "speaker" (asr);
 *                every other column is a cohort attribute;
 *   predictions  "id" and "prediction" (or "hypothesis" for asr), nothing
 *                else.
 * Values:
 *   id               non-empty, unique within the upload; for predictions
 *                    also the id of a known example
 *   classification   label, prediction: one of the declared labels (the
 *                    domain, below); with no domain, non-empty strings
 *   score            label: one of the two declared labels; with no
 *                    domain, the positive label or one other value;
 *                    prediction: a number in [0, 1]
 * Labels of a domain match as text, or as numbers when both are numbers,
 * so "1.0" is the label "1"; rows carry the canonical (declared) spelling,
 * so downstream code sees exactly the declared strings.
 *   regression       label, prediction: finite numbers
 *   asr              reference, hypothesis: any text (missing = empty);
 *                    speaker: any text, missing or empty = no speaker
 *   attributes       any text; missing is stored as the empty string
 * Attribute names must be non-empty, valid UTF-8 and at most
 * FA_MAX_NAME_BYTES bytes; at most FA_MAX_ROWS data rows are accepted.
 *
 * Uploads are all-or-nothing.  Rows go to the row callback only while the
 * error list is empty; after the first error (from the parser or from
 * validation) nothing more is emitted, since the caller will roll back, but
 * every row is still checked so that the list holds the first
 * FA_MAX_ERRORS errors and counts all of them.
 *
 * Coverage: a prediction upload must cover every known example.  At the
 * end each example without a prediction is an error with row 0 (it has no
 * row in this upload; API.md's JSON shows null), column "id", and a reason
 * that quotes the example id and gives its 1-based ordinal in the dataset.
 * Coverage is not reported when it cannot be known: no "id" column, a body
 * the parser gave up on (a broken JSON array), more than FA_MAX_ROWS rows.
 *
 * Ownership: the upload copies its parameters except `known`, which must
 * stay unchanged while the upload lives, and `errs`, which the caller owns.
 */
#ifndef FA_INGEST_UPLOAD_H
#define FA_INGEST_UPLOAD_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "common/idindex.h"
#include "cohorts/table.h"
#include "ingest/ingest.h"

enum upload_kind {
	UPLOAD_EXAMPLES,
	UPLOAD_PREDICTIONS,
};

/*
 * One valid row, typed.  Text fields point into parser memory and are valid
 * only during the callback; they are not NUL-terminated.  Which fields are
 * set depends on task and kind; the others are NULL / 0.
 */
struct upload_row {
	uint64_t row;		/* as in the file */
	/*
	 * examples: this example's ordinal (0, 1, 2, ... in upload order);
	 * predictions: the ordinal of its example in `known`.
	 */
	size_t example;
	const char *id;
	size_t id_len;

	/* examples, classification/score/regression */
	const char *label;	/* source text */
	size_t label_len;
	double label_num;	/* regression: value; score: 1 if positive
				   else 0 */
	bool positive;		/* score: label is the positive label */

	/* predictions, classification/score/regression */
	const char *pred;	/* source text */
	size_t pred_len;
	double pred_num;	/* score: probability; regression: value */

	/* asr: reference (examples) or hypothesis (predictions) */
	const char *text;
	size_t text_len;
	/* asr examples: speaker, NULL when missing or empty */
	const char *speaker;
	size_t speaker_len;

	/* examples: one value per attribute, see upload_attr() */
	const struct ingest_value *attrs;
};

/*
 * The values that labels (and classification predictions) may take, as a
 * dataset declares them at creation.  Binary (classification, score):
 * labels[0] is the positive label, labels[1] the negative one.
 * Multi-class: the classes, in the declared order.  The strings must
 * outlive the upload.
 */
struct label_domain {
	const char *const *labels;
	size_t n;
	bool binary;
};

/*
 * Check a domain as given at creation: at least two labels (exactly two
 * when binary), each non-empty, valid UTF-8 without control characters,
 * at most FA_MAX_NAME_BYTES bytes, and no two equal as text or as numbers.
 * 0, or -1 and one sentence in err naming the offending label.
 */
int label_domain_check(const struct label_domain *d, struct buf *err);

struct upload;

struct upload_params {
	enum task task;
	enum upload_kind kind;
	enum ingest_format format;
	const char *positive_label;	/* score; NULL = "1"; ignored when
					   a binary domain names it */
	/* classification, score: NULL = none declared (v1 datasets) */
	const struct label_domain *domain;
	/*
	 * predictions: the dataset's example ids, built (common/idindex.h),
	 * index = example ordinal; NULL = none.  known_names (may be NULL):
	 * the same ids as text, index = ordinal, to quote them in coverage
	 * errors; without it an example is named by its ordinal.
	 */
	const struct idindex *known;
	const struct strmap *known_names;
	/*
	 * Instead of `known` (predictions): the ids as a map, index =
	 * ordinal; it then also quotes them (known_names is ignored).
	 */
	const struct strmap *known_map;
	/*
	 * examples, optional: add every id to this map (the caller's; it
	 * must start empty), which then finds the duplicates instead of a
	 * fingerprint array; row->example is the id's index in it.  The ids
	 * are indexed by upload_finish() (strmap_index), so the map is not
	 * searched before.  For a caller that keeps the ids anyway
	 * (ingest/load.h's table).  The errors are the same either way.
	 */
	struct strmap *intern_ids;
	/*
	 * with intern_ids: leave the ids unindexed, and their duplicates
	 * unchecked, for a caller that indexes them with others and refuses
	 * the upload itself on a duplicate (ingest/load.c's second part of a
	 * truth file, falling back to a checked upload of the whole file).
	 */
	bool defer_duplicates;
	/*
	 * predictions, instead of known/known_map: check each id only as a
	 * required value and pass it on (row->example is 0); no duplicates
	 * or coverage are checked.  For a caller that parses the predictions
	 * before the examples are known and joins them itself, falling back
	 * to a checked upload when the join fails.
	 */
	bool defer_ids;
	/*
	 * Called once the header is known and valid (and only if no error
	 * has been seen), before any row: upload_nattrs()/upload_attr() and
	 * upload_has_speaker() are then final.
	 */
	void (*header)(void *ctx, const struct upload *u);
	void (*row)(void *ctx, const struct upload_row *r);
	void *ctx;
};

/*
 * Start an upload.  Returns NULL with one sentence in err when the
 * parameters do not fit together (trn input for a task that is not asr,
 * predictions without known ids).  errs collects every data error and must
 * outlive the upload.
 */
struct upload *upload_new(const struct upload_params *params,
			  struct ingest_errors *errs, struct buf *err);
/* Parse and check the next n bytes of the body.  -1 when it is pointless
   to send more (the parser stopped on a fatal error), else 0. */
int upload_feed(struct upload *u, const void *data, size_t n);
/*
 * End of the body: finish parsing, check coverage (predictions) and that
 * there was at least one row.  Returns 0 when the upload is valid and
 * every row was emitted, -1 when errs is not empty.  Call once.
 */
int upload_finish(struct upload *u);
void upload_free(struct upload *u);

/* Attribute columns of an examples upload, in row->attrs order. */
size_t upload_nattrs(const struct upload *u);
const char *upload_attr(const struct upload *u, size_t i);
/* Whether the asr examples upload has a "speaker" column. */
bool upload_has_speaker(const struct upload *u);
/* Data rows seen so far, valid or not. */
uint64_t upload_rows(const struct upload *u);
/*
 * Examples, after an upload_finish() that returned 0 (and without
 * intern_ids): move the built index of the ids, index = the example's
 * ordinal, into *ids, for the dataset's prediction uploads to look their
 * ids up in; otherwise *ids is left empty.
 */
void upload_take_ids(struct upload *u, struct idindex *ids);
/*
 * After upload_finish() with errors: one sentence per kind of error over
 * the whole upload, most frequent first, each ending in a newline:
 * "1,000 of 4,000 examples have no prediction (the first: example \"u3\")"
 * or "12 of 4,000 rows: label \"l\" is not one of ... (row 7 and 11 more)".
 */
void upload_summary(const struct upload *u, struct buf *out);

#endif
