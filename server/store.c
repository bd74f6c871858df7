/*
 * store.c - the connection pool, query helpers and migrations.
 *
 * The pool holds up to `size` connections, opened lazily.  A lease blocks on
 * a condition variable until one is free; a returned connection that is
 * broken is reset before its next use, and one returned inside a
 * transaction is rolled back first, so a handler that fails half-way can
 * never leak an open transaction to the next request.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/pgcopy.h"
#include <dirent.h>
#include <poll.h>
#include <pthread.h>

struct store {
	char *url;
	int size;
	struct db *conns;
	bool *busy;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

static PGconn *db_connect(const char *url, struct buf *err)
{
	PGconn *c = PQconnectdb(url);

	if (PQstatus(c) != CONNECTION_OK) {
		if (err)
			buf_addf(err, "could not connect to the database: %s",
				 PQerrorMessage(c));
		log_error("could not connect to the database: %s",
			  PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, NULL, NULL);
	return c;
}

static void notice_ignore(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int store_open(struct store **out, const char *url, int size, struct buf *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	PGconn *first;

	s->url = xstrdup(url);
	s->size = size;
	s->conns = xcalloc((size_t)size, sizeof(*s->conns));
	s->busy = xcalloc((size_t)size, sizeof(*s->busy));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->freed, NULL);
	first = db_connect(url, err);
	if (!first) {
		store_free(s);
		return -1;
	}
	PQsetNoticeProcessor(first, notice_ignore, NULL);
	s->conns[0].conn = first;
	*out = s;
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->size; i++)
		if (s->conns[i].conn)
			PQfinish(s->conns[i].conn);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->freed);
	free(s->conns);
	free(s->busy);
	free(s->url);
	free(s);
}

/*
 * Whether an idle pooled connection is gone.  One whose backend was ended
 * (a restart, pg_terminate_backend) still says CONNECTION_OK until it is
 * read from; but an idle connection has nothing to read (nothing here
 * LISTENs), so a readable socket means the server's goodbye or the end of
 * the stream.  A reset on a harmless notice costs a reconnection only.
 */
static bool conn_gone(PGconn *c)
{
	struct pollfd pfd = { .fd = PQsocket(c), .events = POLLIN };

	if (PQstatus(c) != CONNECTION_OK || pfd.fd < 0)
		return true;
	return poll(&pfd, 1, 0) > 0;
}

struct db *store_lease(struct store *s)
{
	struct db *db = NULL;

	pthread_mutex_lock(&s->lock);
	for (;;) {
		for (int i = 0; i < s->size; i++) {
			if (!s->busy[i]) {
				s->busy[i] = true;
				db = &s->conns[i];
				break;
			}
		}
		if (db)
			break;
		pthread_cond_wait(&s->freed, &s->lock);
	}
	pthread_mutex_unlock(&s->lock);

	if (!db->conn) {
		db->conn = db_connect(s->url, NULL);
		if (db->conn)
			PQsetNoticeProcessor(db->conn, notice_ignore, NULL);
	} else if (conn_gone(db->conn)) {
		PQreset(db->conn);
	}
	db->in_copy = false;
	db->in_tx = false;
	return db;
}

void store_return(struct store *s, struct db *db)
{
	if (!db)
		return;
	if (db->in_copy || db->in_tx)
		store_upload_abort(db);
	if (db->conn && PQtransactionStatus(db->conn) != PQTRANS_IDLE &&
	    PQtransactionStatus(db->conn) != PQTRANS_UNKNOWN &&
	    PQstatus(db->conn) == CONNECTION_OK) {
		PGresult *r = PQexec(db->conn, "ROLLBACK");
		PQclear(r);
	}
	pthread_mutex_lock(&s->lock);
	s->busy[db - s->conns] = false;
	pthread_cond_signal(&s->freed);
	pthread_mutex_unlock(&s->lock);
}

PGresult *db_exec(struct db *db, const char *what, ExecStatusType want,
		  const char *sql, int nparams, const char *const *params)
{
	PGresult *r;

	/* A connection that could not be opened fails every query, logged. */
	if (!db->conn) {
		log_error("%s: no database connection", what);
		return NULL;
	}
	r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != want) {
		log_error("%s: %s", what, PQerrorMessage(db->conn));
		PQclear(r);
		return NULL;
	}
	return r;
}

int db_cmd(struct db *db, const char *what, const char *sql, int nparams,
	   const char *const *params)
{
	PGresult *r = db_exec(db, what, PGRES_COMMAND_OK, sql, nparams, params);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

char *db_strdup(const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		return NULL;
	return xstrdup(PQgetvalue(r, row, col));
}

int64_t db_i64(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double db_double(const PGresult *r, int row, int col)
{
	double v;
	const char *s = PQgetvalue(r, row, col);

	if (PQgetisnull(r, row, col) || parse_double(s, strlen(s), &v))
		return NAN;
	return v;
}

void db_fmt_i64(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%lld", (long long)v);
}

void db_fmt_double(char *out, size_t n, double v)
{
	snprintf(out, n, "%.17g", v);
}

void db_array_add(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_addch(b, ',');
	if (!s) {
		buf_adds(b, "NULL");
		return;
	}
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

int db_rollback(struct db *db)
{
	db_cmd(db, "rollback", "ROLLBACK", 0, NULL);
	return -1;
}

int db_copy_out(struct db *db, const char *what, const char *sql,
		int (*fn)(void *ctx, char *line, size_t n), void *ctx)
{
	PGresult *res;
	char *line;
	int len, ret = 0;

	if (!db->conn) {
		log_error("%s: no database connection", what);
		return -1;
	}
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("%s: %s", what, PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	while ((len = PQgetCopyData(db->conn, &line, 0)) > 0) {
		size_t n = (size_t)len;

		if (n && line[n - 1] == '\n')
			n--;
		if (!ret && fn(ctx, line, n))
			ret = -1;
		PQfreemem(line);
	}
	if (len == -2) {
		log_error("%s: %s", what, PQerrorMessage(db->conn));
		ret = -1;
	}
	while ((res = PQgetResult(db->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("%s: %s", what, PQerrorMessage(db->conn));
			ret = -1;
		}
		PQclear(res);
	}
	return ret;
}

size_t db_split_fields(char *line, size_t n, char **f, size_t *len,
		       bool *null, size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || line[i] == '\t') {
			char *s = line + start;
			size_t l = i - start;

			null[k] = l == 2 && s[0] == '\\' && s[1] == 'N';
			len[k] = null[k] ? 0 : copy_unescape(s, l);
			f[k] = s;
			k++;
			start = i + 1;
		}
	}
	return k;
}

int db_load_dicts(struct db *db, int64_t dataset_id, struct strmap *const *dicts,
		  size_t n)
{
	char id[24];
	const char *params[1] = { id };
	PGresult *r;

	snprintf(id, sizeof(id), "%lld", (long long)dataset_id);
	r = db_exec(db, "load attribute values", PGRES_TUPLES_OK,
		    "SELECT attr, code, value FROM attribute_values"
		    " WHERE dataset_id = $1 ORDER BY attr, code", 1, params);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t a = db_i64(r, i, 0), code = db_i64(r, i, 1);
		uint32_t got;

		if (a < 0 || (size_t)a >= n)
			continue;
		got = strmap_intern(dicts[a], PQgetvalue(r, i, 2),
				    (size_t)PQgetlength(r, i, 2), NULL);
		if (got != (uint32_t)code) {
			log_error("attribute dictionary of dataset %s is not dense"
				  " (attr %lld code %lld)", id, (long long)a,
				  (long long)code);
			PQclear(r);
			return -1;
		}
	}
	PQclear(r);
	return 0;
}

int store_ping(struct db *db)
{
	PGresult *r = db_exec(db, "ping", PGRES_TUPLES_OK, "SELECT 1", 0, NULL);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* ---- migrations ---- */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *read_file(const char *path, struct buf *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (!f) {
		buf_addf(err, "could not open migration \"%s\": %s", path,
			 strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

static int migrate_one(struct db *db, const char *dir, const char *file,
		       struct buf *err)
{
	struct buf path = BUF_INIT;
	const char *params[1] = { file };
	char *sql;
	PGresult *r;
	int ret = -1;

	buf_addf(&path, "%s/%s", dir, file);
	sql = read_file(path.s, err);
	if (!sql)
		goto out;
	if (db_cmd(db, "begin migration", "BEGIN", 0, NULL))
		goto fail;
	/* A script is many statements: PQexec, not PQexecParams. */
	r = PQexec(db->conn, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_addf(err, "migration \"%s\" failed: %s", file,
			 PQerrorMessage(db->conn));
		PQclear(r);
		db_cmd(db, "rollback migration", "ROLLBACK", 0, NULL);
		goto out;
	}
	PQclear(r);
	if (db_cmd(db, "record migration",
		   "INSERT INTO schema_migrations (name) VALUES ($1)", 1, params) ||
	    db_cmd(db, "commit migration", "COMMIT", 0, NULL))
		goto fail;
	log_info("applied migration %s", file);
	ret = 0;
	goto out;
fail:
	buf_addf(err, "could not apply migration \"%s\"", file);
	db_cmd(db, "rollback migration", "ROLLBACK", 0, NULL);
out:
	free(sql);
	buf_release(&path);
	return ret;
}

int store_migrate(struct db *db, const char *dir, int *applied, struct buf *err)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	*applied = 0;
	if (db_cmd(db, "create schema_migrations",
		   "CREATE TABLE IF NOT EXISTS schema_migrations ("
		   " name text PRIMARY KEY,"
		   " applied_at timestamptz NOT NULL DEFAULT now())", 0, NULL)) {
		buf_adds(err, "could not create the schema_migrations table");
		return -1;
	}
	d = opendir(dir);
	if (!d) {
		buf_addf(err, "could not open the migrations folder \"%s\": %s",
			 dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 9 || strcmp(e->d_name + len - 4, ".sql") ||
		    e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		names = xgrow(names, &cap, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);

	/* Serialise concurrent migrators (several replicas starting at once). */
	{
		PGresult *r = db_exec(db, "lock migrations", PGRES_TUPLES_OK,
				      "SELECT pg_advisory_lock(727100)", 0, NULL);
		if (!r) {
			buf_adds(err, "could not take the migration lock");
			goto out;
		}
		PQclear(r);
	}
	for (size_t i = 0; i < n; i++) {
		const char *params[1] = { names[i] };
		PGresult *r = db_exec(db, "check migration", PGRES_TUPLES_OK,
				      "SELECT 1 FROM schema_migrations WHERE name = $1",
				      1, params);
		bool done;

		if (!r) {
			buf_adds(err, "could not read schema_migrations");
			goto unlock;
		}
		done = PQntuples(r) > 0;
		PQclear(r);
		if (done)
			continue;
		if (migrate_one(db, dir, names[i], err))
			goto unlock;
		(*applied)++;
	}
	ret = 0;
unlock:
	{
		PGresult *r = db_exec(db, "unlock migrations", PGRES_TUPLES_OK,
				      "SELECT pg_advisory_unlock(727100)", 0, NULL);
		PQclear(r);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}
