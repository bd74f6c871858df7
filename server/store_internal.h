/*
 * store_internal.h - what the store_*.c files share: the connection struct
 * and small helpers over PGresult.  Never included outside store_*.c.
 */
#ifndef FA_STORE_INTERNAL_H
#define FA_STORE_INTERNAL_H

#include "server/store.h"
#include "server/log.h"
#include <libpq-fe.h>

/* A timestamptz column as RFC 3339 UTC text, to the second. */
#define TS(col) "to_char(" col " AT TIME ZONE 'UTC', " \
		"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

struct db {
	PGconn *conn;
	bool in_copy;		/* a COPY FROM STDIN is open */
	bool in_tx;		/* a transaction spans several calls */
};

/*
 * Run a parameterised statement; returns the result if its status is the
 * expected one, else logs libpq's message with `what` and returns NULL (the
 * result is cleared).
 */
PGresult *db_exec(struct db *db, const char *what, ExecStatusType want,
		  const char *sql, int nparams, const char *const *params);
/* db_exec for commands whose result is not needed: 0 or -1. */
int db_cmd(struct db *db, const char *what, const char *sql, int nparams,
	   const char *const *params);
/* Copy of a text value, NULL for SQL NULL. */
char *db_strdup(const PGresult *r, int row, int col);
int64_t db_i64(const PGresult *r, int row, int col);
/* A double column; NAN when NULL or not a number. */
double db_double(const PGresult *r, int row, int col);
/* Parameters as text: an integer, a double to 17 significant digits. */
void db_fmt_i64(char *out, size_t n, int64_t v);
void db_fmt_double(char *out, size_t n, double v);
/*
 * Append element s (NULL: SQL NULL) to the inside of a PostgreSQL array
 * literal, quoted and escaped, a comma before it unless first.
 */
void db_array_add(struct buf *b, const char *s, bool first);
/* Roll the open transaction back; returns -1, for "return db_rollback". */
int db_rollback(struct db *db);
/*
 * Run COPY (...) TO STDOUT and call fn once per line (without its newline;
 * the line may be modified in place).  fn returns nonzero to mark the load
 * failed (the rest is still drained).  0, or -1 logged.
 */
int db_copy_out(struct db *db, const char *what, const char *sql,
		int (*fn)(void *ctx, char *line, size_t n), void *ctx);

/* Split a COPY text line into at most max fields, unescaping each in place;
   null[k] tells \N.  Returns the number of fields. */
size_t db_split_fields(char *line, size_t n, char **f, size_t *len,
		       bool *null, size_t max);
/*
 * Intern the attribute values of a dataset into dicts[0..n) in code order,
 * so stored codes index them directly.  0, or -1 (logged) if a dictionary
 * is not dense.
 */
int db_load_dicts(struct db *db, int64_t dataset_id, struct strmap *const *dicts,
		  size_t n);

#endif
