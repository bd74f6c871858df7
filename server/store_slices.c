/*
 * store_slices.c - see store_slices.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/store_slices.h"

#define JOB_COLS \
	"id, model_id, params, status, progress, result, error, attempts," \
	" cancel_requested, " TS("created_at") ", " TS("started_at") ", " \
	TS("finished_at") ", COALESCE(bounty_id, 0)"

void slice_job_release(struct slice_job *j)
{
	free(j->params);
	free(j->status);
	free(j->progress);
	free(j->result);
	free(j->error);
	free(j->created_at);
	free(j->started_at);
	free(j->finished_at);
	memset(j, 0, sizeof(*j));
}

static void job_from_row(const PGresult *r, int i, struct slice_job *j)
{
	j->id = db_i64(r, i, 0);
	j->model_id = db_i64(r, i, 1);
	j->params = db_strdup(r, i, 2);
	j->status = db_strdup(r, i, 3);
	j->progress = db_strdup(r, i, 4);
	j->result = db_strdup(r, i, 5);
	j->error = db_strdup(r, i, 6);
	j->attempts = (int)db_i64(r, i, 7);
	j->cancel_requested = !strcmp(PQgetvalue(r, i, 8), "t");
	j->created_at = db_strdup(r, i, 9);
	j->started_at = db_strdup(r, i, 10);
	j->finished_at = db_strdup(r, i, 11);
	j->bounty_id = db_i64(r, i, 12);
}

/* The one-row result of sql into *out: 0, 1 (no row), -1. */
static int one_job(struct db *db, const char *what, const char *sql,
		   int nparams, const char *const *params,
		   struct slice_job *out)
{
	PGresult *r = db_exec(db, what, PGRES_TUPLES_OK, sql, nparams, params);
	int ret = 1;

	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		job_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_slice_job_create(struct db *db, int64_t model_id,
			   int64_t bounty_id, const char *params,
			   int64_t key_id, int64_t *id)
{
	char m[24], k[24], b[24];
	const char *p[4] = { m, params, key_id > 0 ? k : NULL,
			     bounty_id > 0 ? b : NULL };
	PGresult *r;

	db_fmt_i64(m, sizeof(m), model_id);
	db_fmt_i64(k, sizeof(k), key_id);
	db_fmt_i64(b, sizeof(b), bounty_id);
	r = db_exec(db, "queue slice job", PGRES_TUPLES_OK,
		    "INSERT INTO slice_jobs (model_id, params, created_by,"
		    " bounty_id) VALUES ($1, $2, $3, $4) RETURNING id", 4, p);
	if (!r)
		return -1;
	*id = db_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

int store_slice_job_get(struct db *db, int64_t id, struct slice_job *out)
{
	char s[24];
	const char *p[1] = { s };

	db_fmt_i64(s, sizeof(s), id);
	return one_job(db, "get slice job", "SELECT " JOB_COLS
		       " FROM slice_jobs WHERE id = $1", 1, p, out);
}

int store_slice_job_latest_done(struct db *db, int64_t bounty_id,
				struct slice_job *out)
{
	char s[24];
	const char *p[1] = { s };

	db_fmt_i64(s, sizeof(s), bounty_id);
	return one_job(db, "latest bounty slice job", "SELECT " JOB_COLS
		       " FROM slice_jobs WHERE bounty_id = $1 AND status = 'done'"
		       " ORDER BY id DESC LIMIT 1", 1, p, out);
}

int store_slice_job_cancel(struct db *db, int64_t id)
{
	char s[24];
	const char *p[1] = { s };
	PGresult *r;
	int ret;

	db_fmt_i64(s, sizeof(s), id);
	r = db_exec(db, "cancel slice job", PGRES_TUPLES_OK,
		    "UPDATE slice_jobs SET cancel_requested = true,"
		    " status = CASE WHEN status = 'queued' THEN 'cancelled'"
		    " ELSE status END,"
		    " finished_at = CASE WHEN status = 'queued' THEN now()"
		    " ELSE finished_at END"
		    " WHERE id = $1 RETURNING id", 1, p);
	if (!r)
		return -1;
	ret = PQntuples(r) == 1 ? 0 : 1;
	PQclear(r);
	return ret;
}

int store_slice_jobs_reclaim(struct db *db, int stale_seconds,
			     int max_attempts, int *n)
{
	char s[24], a[24];
	const char *p[2] = { s, a };
	PGresult *r;

	db_fmt_i64(s, sizeof(s), stale_seconds);
	db_fmt_i64(a, sizeof(a), max_attempts);
	r = db_exec(db, "reclaim slice jobs", PGRES_COMMAND_OK,
		    "UPDATE slice_jobs SET"
		    " status = CASE WHEN attempts >= $2::int THEN 'failed'"
		    " ELSE 'queued' END,"
		    " error = CASE WHEN attempts >= $2::int THEN 'the server"
		    " running it stopped ' || attempts || ' times' END,"
		    " finished_at = CASE WHEN attempts >= $2::int THEN now() END,"
		    " worker = NULL"
		    " WHERE status = 'running' AND heartbeat_at <"
		    " now() - make_interval(secs => $1::int)", 2, p);
	if (!r)
		return -1;
	{
		int64_t v = 0;
		const char *t = PQcmdTuples(r);

		*n = parse_i64(t, strlen(t), &v) ? 0 : (int)v;
	}
	PQclear(r);
	return 0;
}

int store_slice_job_claim(struct db *db, const char *worker,
			  struct slice_job *out)
{
	const char *p[1] = { worker };

	return one_job(db, "claim slice job",
		       "UPDATE slice_jobs SET status = 'running',"
		       " attempts = attempts + 1, started_at = now(),"
		       " heartbeat_at = now(), worker = $1"
		       " WHERE id = (SELECT id FROM slice_jobs"
		       " WHERE status = 'queued' AND NOT cancel_requested"
		       " ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
		       " RETURNING " JOB_COLS, 1, p, out);
}

int store_slice_job_beat(struct db *db, int64_t id, const char *worker,
			 const char *progress, bool *cancel)
{
	char s[24];
	const char *p[3] = { s, worker, progress };
	PGresult *r;
	int ret = 1;

	db_fmt_i64(s, sizeof(s), id);
	r = db_exec(db, "slice job heartbeat", PGRES_TUPLES_OK,
		    "UPDATE slice_jobs SET heartbeat_at = now(), progress = $3"
		    " WHERE id = $1 AND worker = $2 AND status = 'running'"
		    " RETURNING cancel_requested", 3, p);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*cancel = !strcmp(PQgetvalue(r, 0, 0), "t");
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_slice_job_finish(struct db *db, int64_t id, const char *worker,
			   const char *status, const char *result,
			   const char *error, const char *progress)
{
	char s[24];
	const char *p[6] = { s, worker, status, result, error, progress };

	db_fmt_i64(s, sizeof(s), id);
	return db_cmd(db, "finish slice job",
		      "UPDATE slice_jobs SET status = $3, result = $4,"
		      " error = $5, progress = COALESCE($6, progress),"
		      " worker = NULL,"
		      " attempts = CASE WHEN $3 = 'queued' THEN attempts - 1"
		      " ELSE attempts END,"
		      " finished_at = CASE WHEN $3 = 'queued' THEN NULL"
		      " ELSE now() END"
		      " WHERE id = $1 AND worker = $2", 6, p);
}
