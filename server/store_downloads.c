/*
 * store_downloads.c - examples and predictions read back through
 * COPY ... TO STDOUT; see store_downloads.h.
 *
 * Each row arrives as one line of COPY text format, which is split and
 * unescaped in place (db_split_fields), so values come back byte for byte
 * as they were stored.  An example's "3,0,12" attribute codes index the
 * dictionaries loaded at the first COPY of examples.  Only the line being
 * read is held; libpq reads it from the socket as the caller asks.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/store_downloads.h"

struct download {
	struct db *db;
	bool in_copy;		/* a COPY TO STDOUT is running */
	char *line;		/* the row being read (libpq's buffer) */
	bool examples;		/* the COPY gives (id, text, attrs) */
	size_t nattrs;
	struct strmap *dicts;	/* nattrs dictionaries, code order */
	bool have_dicts;
	const char **v;		/* the row: 2 + nattrs values */
	size_t *len;
};

int store_download_begin(struct db *db, struct download **out)
{
	struct download *dl;

	if (db_cmd(db, "begin download",
		   "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL))
		return -1;
	db->in_tx = true;
	dl = xcalloc(1, sizeof(*dl));
	dl->db = db;
	dl->v = xcalloc(2, sizeof(*dl->v));
	dl->len = xcalloc(2, sizeof(*dl->len));
	*out = dl;
	return 0;
}

/* The rest of a finished COPY: its results.  0, or -1 (logged). */
static int copy_results(struct download *dl)
{
	PGresult *res;
	int ret = 0;

	dl->in_copy = false;
	while ((res = PQgetResult(dl->db->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("download: %s", PQerrorMessage(dl->db->conn));
			ret = -1;
		}
		PQclear(res);
	}
	return ret;
}

/*
 * Stop a COPY that is still running: ask the server to cancel it, then
 * read and drop what it had already sent, up to its (error) result.  A
 * cancel that arrives after the COPY ended is ignored by the server.
 */
static void copy_stop(struct download *dl)
{
	PGconn *c = dl->db->conn;
	PGcancel *cancel;
	char err[256] = "";
	char *data;
	PGresult *res;

	if (dl->line) {
		PQfreemem(dl->line);
		dl->line = NULL;
	}
	if (!dl->in_copy)
		return;
	cancel = PQgetCancel(c);
	if (!cancel || !PQcancel(cancel, err, (int)sizeof(err)))
		log_error("stop download: could not cancel the COPY: %s", err);
	PQfreeCancel(cancel);
	while (PQgetCopyData(c, &data, 0) > 0)
		PQfreemem(data);
	while ((res = PQgetResult(c)))
		PQclear(res);	/* "canceling statement due to user request" */
	dl->in_copy = false;
}

/* Start COPY sql (after stopping any running one).  0, or -1 (logged). */
static int copy_start(struct download *dl, const char *what, const char *sql)
{
	PGresult *res;

	copy_stop(dl);
	if (!dl->db->conn) {
		log_error("%s: no database connection", what);
		return -1;
	}
	res = PQexec(dl->db->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("%s: %s", what, PQerrorMessage(dl->db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	dl->in_copy = true;
	return 0;
}

static void dicts_free(struct download *dl)
{
	if (!dl->dicts)
		return;
	for (size_t a = 0; a < dl->nattrs; a++)
		strmap_release(&dl->dicts[a]);
	free(dl->dicts);
	dl->dicts = NULL;
	dl->have_dicts = false;
}

/* The dictionaries of the first nattrs attributes of dataset_id. */
static int load_dicts(struct download *dl, int64_t dataset_id, size_t nattrs)
{
	struct strmap **p;
	int ret;

	dicts_free(dl);
	dl->nattrs = nattrs;
	dl->dicts = xcalloc(nattrs, sizeof(*dl->dicts));
	p = xcalloc(nattrs, sizeof(*p));
	for (size_t a = 0; a < nattrs; a++) {
		strmap_init(&dl->dicts[a]);
		p[a] = &dl->dicts[a];
	}
	ret = db_load_dicts(dl->db, dataset_id, p, nattrs);
	free(p);
	dl->have_dicts = ret == 0;
	free(dl->v);
	free(dl->len);
	dl->v = xcalloc(2 + nattrs, sizeof(*dl->v));
	dl->len = xcalloc(2 + nattrs, sizeof(*dl->len));
	return ret;
}

int store_download_examples(struct download *dl, int64_t dataset_id,
			    bool asr, size_t nattrs)
{
	char sql[200];

	if ((!dl->have_dicts || dl->nattrs != nattrs) &&
	    load_dicts(dl, dataset_id, nattrs))
		return -1;
	dl->examples = true;
	/* COPY takes no parameters; dataset_id is an integer we formatted. */
	snprintf(sql, sizeof(sql), "COPY (SELECT ext_id, %s, attrs FROM examples"
		 " WHERE dataset_id = %lld ORDER BY ord) TO STDOUT",
		 asr ? "reference" : "label", (long long)dataset_id);
	return copy_start(dl, "download examples", sql);
}

int store_download_predictions(struct download *dl, int64_t model_id,
			       int64_t dataset_id, bool asr)
{
	char sql[300];

	dl->examples = false;
	/* COPY takes no parameters; both ids are integers we formatted.  A
	   model without predictions has no partition and gives no rows. */
	snprintf(sql, sizeof(sql), "COPY (SELECT e.ext_id, p.%s FROM predictions p"
		 " JOIN examples e ON e.dataset_id = %lld AND e.ord = p.ord"
		 " WHERE p.model_id = %lld ORDER BY p.ord) TO STDOUT",
		 asr ? "hypothesis" : "prediction", (long long)dataset_id,
		 (long long)model_id);
	return copy_start(dl, "download predictions", sql);
}

/* Decode "3,0,12" into v[2..], len[2..].  0, or -1 (logged). */
static int decode_attrs(struct download *dl, const char *s, size_t n)
{
	size_t a = 0, i = 0;

	while (a < dl->nattrs) {
		size_t start = i;
		int64_t code;

		while (i < n && s[i] != ',')
			i++;
		if (parse_i64(s + start, i - start, &code) || code < 0 ||
		    code >= dl->dicts[a].n) {
			log_error("download: attribute %zu of an example has no"
				  " value for code \"%.*s\"", a, (int)(i - start),
				  s + start);
			return -1;
		}
		dl->v[2 + a] = strmap_str(&dl->dicts[a], (uint32_t)code);
		dl->len[2 + a] = strmap_len(&dl->dicts[a], (uint32_t)code);
		a++;
		if (i < n)
			i++;	/* the comma */
		else if (a < dl->nattrs) {
			log_error("download: an example has %zu attribute codes,"
				  " not %zu", a, dl->nattrs);
			return -1;
		}
	}
	return 0;
}

/* Split one COPY line into the row.  1, or -1 (logged). */
static int parse_line(struct download *dl, size_t n, struct download_row *row)
{
	size_t want = dl->examples ? 3 : 2;
	char *f[3];
	size_t len[3];
	bool null[3];

	if (n && dl->line[n - 1] == '\n')
		n--;
	if (db_split_fields(dl->line, n, f, len, null, 3) != want) {
		log_error("download: a COPY row does not have %zu fields", want);
		return -1;
	}
	for (size_t i = 0; i < 2; i++) {
		dl->v[i] = null[i] ? NULL : f[i];
		dl->len[i] = null[i] ? 0 : len[i];
	}
	if (dl->examples && decode_attrs(dl, f[2], null[2] ? 0 : len[2]))
		return -1;
	row->n = dl->examples ? 2 + dl->nattrs : 2;
	row->v = dl->v;
	row->len = dl->len;
	return 1;
}

int store_download_next(struct download *dl, struct download_row *row)
{
	int n;

	if (dl->line) {
		PQfreemem(dl->line);
		dl->line = NULL;
	}
	if (!dl->in_copy)
		return 0;
	n = PQgetCopyData(dl->db->conn, &dl->line, 0);
	if (n > 0)
		return parse_line(dl, (size_t)n, row);
	if (n == -2) {
		log_error("download: %s", PQerrorMessage(dl->db->conn));
		copy_results(dl);
		return -1;
	}
	return copy_results(dl);
}

void store_download_end(struct download *dl)
{
	struct db *db;

	if (!dl)
		return;
	db = dl->db;
	copy_stop(dl);
	if (db->in_tx) {
		db->in_tx = false;
		db_cmd(db, "end download", "ROLLBACK", 0, NULL);
	}
	dicts_free(dl);
	free(dl->v);
	free(dl->len);
	free(dl);
}
