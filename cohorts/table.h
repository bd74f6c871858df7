/*
 * table.h - the in-memory columnar table every evaluation runs on.
 *
 * One row per example that has a prediction.  Truth and prediction are
 * stored per task in flat arrays; every cohort attribute is a column of
 * dictionary codes (uint32 per row) into a per-attribute strmap of values,
 * so grouping and predicate evaluation touch 4 bytes per row per attribute
 * and numeric binning is done once per distinct value, not once per row.
 *
 * Which arrays exist depends on the task:
 *   classification  label, pred            (codes into `classes`)
 *   score           label (code), pred_num (probability in [0,1])
 *   regression      label_num, pred_num
 *   asr             asr (alignment counts per utterance), speaker (code,
 *                   UINT32_MAX when the utterance has no speaker id)
 * Unused arrays are NULL.  The table owns everything it points to;
 * table_release() frees it all.  Missing attribute values are stored as the
 * empty string, which is a value like any other.
 *
 * Builders (the CLI's file loader, the server's database loader) call
 * table_init, table_add_attr for each attribute, then table_add_row and the
 * setters for each row, then table_finish once.
 */
#ifndef FA_TABLE_H
#define FA_TABLE_H

#include "common/fa.h"
#include "common/strmap.h"
#include "common/buf.h"

enum task {
	TASK_CLASSIFICATION,
	TASK_SCORE,
	TASK_REGRESSION,
	TASK_ASR,
};

const char *task_name(enum task t);
/* 0 and *out set, or -1 if name is not a task. */
int task_parse(const char *name, enum task *out);

/* Per-utterance alignment counts for ASR (see metrics/alignment.h). */
struct asr_counts {
	uint32_t hits, sub, del, ins;
	uint32_t ref_words;	/* hits + sub + del */
	uint32_t ref_chars;	/* reference characters, spaces not counted */
	uint32_t char_errors;	/* character-level S + D + I */
};

struct attr_col {
	char *name;
	struct strmap dict;	/* distinct values, code = index */
	uint32_t *codes;	/* per row */
	double *num;		/* per value: its number, or NAN; table_finish */
	bool numeric;		/* every non-empty value is a number */
};

struct table {
	enum task task;
	size_t nrows, cap;

	struct strmap ids;	/* example id per row (row i = index i) */

	uint32_t *label;	/* classification, score: code into classes */
	double *label_num;	/* regression */
	uint32_t *pred;		/* classification: code into classes */
	double *pred_num;	/* score: probability; regression: value */
	struct strmap classes;	/* label values seen in truth or predictions */
	int64_t positive;	/* code of the positive label, -1 if none */

	struct asr_counts *asr;	/* asr */
	uint32_t *speaker;	/* asr: code into speakers or UINT32_MAX */
	struct strmap speakers;

	size_t nattrs;
	struct attr_col *attrs;
};

void table_init(struct table *t, enum task task);
void table_release(struct table *t);
/* dst (not initialised) becomes a deep copy of src. */
void table_clone(struct table *dst, const struct table *src);
/* Bytes the table holds, roughly: for caches. */
size_t table_bytes(const struct table *t);

/* Add an attribute column; returns its index.  Call before any row. */
size_t table_add_attr(struct table *t, const char *name);
/* Index of the attribute, or -1. */
int table_find_attr(const struct table *t, const char *name);

/*
 * Append a row whose example id is [id, id+n); returns the row index, or -1
 * if the id is already present (the table is unchanged then).  All columns
 * of the new row start zeroed (attribute code of "" for every attribute).
 */
int64_t table_add_row(struct table *t, const char *id, size_t n);

/* Room for n rows (and their ids) without growing: a hint only. */
void table_reserve(struct table *t, size_t n);

/*
 * Append the row of an id already interned into t->ids by the caller, whose
 * index must be the next row (id == t->nrows); returns the row, or -1 when
 * it is not.  The new row's columns start zeroed as in table_add_row().
 */
int64_t table_add_interned_row(struct table *t, size_t id);

void table_set_attr(struct table *t, size_t row, size_t attr,
		    const char *v, size_t n);
/* Class code for a label value, interning it. */
uint32_t table_class(struct table *t, const char *v, size_t n);
/* Set the positive class (binary tasks). */
void table_set_positive(struct table *t, const char *v, size_t n);
/* Speaker code, interning it. */
uint32_t table_speaker(struct table *t, const char *v, size_t n);

/*
 * Append every row of src (of dst's task) to dst: its example id and
 * speaker id after prefix, its attributes by name (those dst lacks are
 * dropped; those src lacks stay empty), labels and predictions re-coded
 * into dst's classes.  src's positive label becomes dst's, or must equal
 * it.  -1 and a sentence in err when an id comes twice or the positive
 * labels differ; dst is then partly filled.  Call table_finish after.
 */
int table_append(struct table *dst, const struct table *src,
		 const char *prefix, struct buf *err);

/*
 * Append the rows of src after dst's, for one file read in two parts:
 * the same task and the same attributes in the same order.  The ids are
 * appended and indexed in bulk; every value is re-coded once, in the
 * order src's rows meet it, so dst's codes are those that adding src's
 * rows one by one would give.  -1 when an id of src is already in dst
 * (dst's ids are then good only for releasing).  Call table_finish after.
 */
int table_concat(struct table *dst, const struct table *src);
/* Compute per-attribute numeric values; call once after the last row. */
void table_finish(struct table *t);

/*
 * True when the classification table is binary: at most two classes and,
 * when there are two, one of them is the positive label.
 */
bool table_is_binary(const struct table *t);

#endif
