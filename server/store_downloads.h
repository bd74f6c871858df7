/*
 * store_downloads.h - stored examples and predictions read back row by
 * row, in upload order (ord), for the download routes
 * (server/h_downloads.c).
 *
 * A download is a read-only REPEATABLE READ transaction on one leased
 * connection, in which COPY (SELECT ...) TO STDOUT streams the rows: the
 * caller holds one row at a time, PostgreSQL does the sorting.  Attribute
 * codes are decoded in C with the dataset's dictionaries, loaded once per
 * download (as evaluations load them): a join per attribute costs
 * PostgreSQL a pass over every row per attribute, O(attributes^2) per row
 * as the joined tuple grows, minutes for 250 attributes where the decode
 * here takes nothing.  The dictionaries hold the distinct values, never
 * the rows.
 *
 * Lifecycle:
 *   1. store_download_begin opens the transaction;
 *   2. store_download_examples or _predictions starts a COPY; calling one
 *      again restarts it from the first row in the same snapshot (so a
 *      caller can check every row before it commits to an answer, then
 *      stream them);
 *   3. store_download_next gives the rows;
 *   4. store_download_end, exactly once, on every path: it stops a COPY
 *      that is still running (cancel, then drain), ends the transaction
 *      and frees the download, so the connection goes back to the pool
 *      idle.  The connection serves nothing else until then.
 * Return codes as in store.h: 0 done, 1 not found, -1 database error
 * (logged).
 */
#ifndef FA_STORE_DOWNLOADS_H
#define FA_STORE_DOWNLOADS_H

#include "server/store.h"

struct download;

/*
 * One row.  v[i] is NULL for SQL NULL, else len[i] bytes, not
 * NUL-terminated; valid until the next call on the download.
 *   examples     v[0] id, v[1] label (classification, score, regression)
 *                or reference (asr), v[2 + a] the value of the dataset's
 *                attribute a, for a in 0 .. nattrs-1
 *   predictions  v[0] the example's id, v[1] prediction (hypothesis for
 *                asr)
 */
struct download_row {
	size_t n;
	const char *const *v;
	const size_t *len;
};

/* Open a download on db; *out until store_download_end. */
int store_download_begin(struct db *db, struct download **out);
/*
 * Start (or restart) the COPY of the examples of dataset_id, whose first
 * nattrs attributes are decoded (attributes appended later are left out).
 */
int store_download_examples(struct download *dl, int64_t dataset_id,
			    bool asr, size_t nattrs);
/* Start (or restart) the COPY of the predictions of model_id. */
int store_download_predictions(struct download *dl, int64_t model_id,
			       int64_t dataset_id, bool asr);
/* 1 and *row, 0 after the last row, -1 on error (logged). */
int store_download_next(struct download *dl, struct download_row *row);
/* Stop, end the transaction, free; NULL is a no-op. */
void store_download_end(struct download *dl);

#endif
