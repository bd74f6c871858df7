/*
 * store_delete.c - removing datasets, models, evaluations and bounties,
 * each with everything that belongs to it, all or nothing.
 *
 * One transaction per deletion.  It first locks the object's row FOR
 * UPDATE, as uploads do (store_uploads.c), so a deletion waits for an
 * upload in flight to the same object and the other way round; then it
 * checks what depends on the object, revokes the share links of every
 * evaluation that goes, deletes the row (foreign keys cascade to the rows
 * that belong to it) and drops the partitions of the examples and
 * predictions that go with it.  DROP TABLE is transactional in PostgreSQL,
 * so a failure anywhere leaves everything as it was.
 */
#include "common/fa.h"
#include "server/store_internal.h"
#include "server/store_delete.h"

/*
 * The first bounty that sql (with $1 = the object's id) names, into why;
 * 2 if there is one, 0 if none, -1.
 */
static int blocked(struct db *db, const char *id, const char *sql,
		   bool h_record, struct delete_blocker *why)
{
	const char *params[1] = { id };
	PGresult *r = db_exec(db, "check dependents", PGRES_TUPLES_OK, sql, 1,
			      params);
	int ret = 0;

	if (!r)
		return -1;
	if (PQntuples(r) > 0) {
		why->bounty_id = db_i64(r, 0, 0);
		why->h_record = h_record;
		ret = 2;
	}
	PQclear(r);
	return ret;
}

/* Rows of the result of sql as a count, into *n. */
static int count_of(struct db *db, const char *id, const char *sql,
		    int64_t *n)
{
	const char *params[1] = { id };
	PGresult *r = db_exec(db, "count dependents", PGRES_TUPLES_OK, sql, 1,
			      params);

	if (!r)
		return -1;
	*n = PQntuples(r) == 1 ? db_i64(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

/* A bounty that is open or scheduled, as BOUNTY_COLS decides it. */
#define NOT_CLOSED \
	"b.status <> 'closed' AND (b.closes_at IS NULL OR now() < b.closes_at)"

/* Share links of evaluations whose ids the SQL of `which` selects. */
static int revoke_shares(struct db *db, const char *id, const char *which,
			 int64_t *n)
{
	struct buf sql = BUF_INIT;
	const char *params[1] = { id };
	PGresult *r;

	buf_addf(&sql, "UPDATE share_links SET revoked_at = now()"
		 " WHERE revoked_at IS NULL AND scope IN (SELECT"
		 " 'evaluation:' || e.id FROM evaluations e WHERE %s)"
		 " RETURNING id", which);
	r = db_exec(db, "revoke shares", PGRES_TUPLES_OK, sql.s, 1, params);
	buf_release(&sql);
	if (!r)
		return -1;
	*n = PQntuples(r);
	PQclear(r);
	return 0;
}

/* Lock the row of sql ($1 = id): 0, 1 when it does not exist, -1. */
static int lock_row(struct db *db, const char *id, const char *sql)
{
	const char *params[1] = { id };
	PGresult *r;
	int ret;

	if (db_cmd(db, "begin delete", "BEGIN", 0, NULL))
		return -1;
	r = db_exec(db, "lock for delete", PGRES_TUPLES_OK, sql, 1, params);
	if (!r)
		return db_rollback(db);
	ret = PQntuples(r) == 1 ? 0 : 1;
	PQclear(r);
	if (ret)
		db_rollback(db);
	return ret;
}

/* DROP TABLE IF EXISTS <prefix><id> for each id of sql's first column. */
static int drop_partitions(struct db *db, const char *id, const char *sql,
			   const char *prefix)
{
	const char *params[1] = { id };
	PGresult *r = db_exec(db, "list partitions", PGRES_TUPLES_OK, sql, 1,
			      params);
	char drop[96];
	int ret = 0;

	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r) && !ret; i++) {
		/* Identifiers take no parameters; this one is an integer. */
		snprintf(drop, sizeof(drop), "DROP TABLE IF EXISTS %s%lld",
			 prefix, (long long)db_i64(r, i, 0));
		ret = db_cmd(db, "drop partition", drop, 0, NULL);
	}
	PQclear(r);
	return ret;
}

/*
 * Start deleting the row id_num of the table that lock_sql locks ($1 the
 * id), id getting its text: counts zeroed, the row locked; 0, 1 (no such
 * row) or -1.
 */
static int start(struct db *db, int64_t id_num, char id[24],
		 const char *lock_sql, struct delete_counts *n)
{
	memset(n, 0, sizeof(*n));
	db_fmt_i64(id, 24, id_num);
	return lock_row(db, id, lock_sql);
}

/* sql, a DELETE of the row whose id is $1. */
static int delete_row(struct db *db, const char *id, const char *what,
		      const char *sql)
{
	const char *params[1] = { id };

	return db_cmd(db, what, sql, 1, params);
}

/* Commit, or roll back and return rc when rc is not 0. */
static int finish(struct db *db, int rc)
{
	if (rc) {
		db_rollback(db);
		return rc;
	}
	if (db_cmd(db, "commit delete", "COMMIT", 0, NULL))
		return db_rollback(db);
	return 0;
}

int store_dataset_delete(struct db *db, int64_t dataset_id,
			 struct delete_counts *n, struct delete_blocker *why)
{
	char id[24];
	int rc;

	rc = start(db, dataset_id, id,
		   "SELECT id FROM datasets WHERE id = $1 FOR UPDATE", n);
	if (rc)
		return rc;
	rc = blocked(db, id, "SELECT b.id FROM bounties b WHERE b.dataset_id"
		     " = $1 AND " NOT_CLOSED " ORDER BY b.id LIMIT 1",
		     false, why);
	if (!rc)
		rc = count_of(db, id, "SELECT count(*) FROM models WHERE"
			      " dataset_id = $1", &n->models);
	if (!rc)
		rc = count_of(db, id, "SELECT count(*) FROM evaluations e JOIN"
			      " models m ON m.id = e.model_id WHERE"
			      " m.dataset_id = $1", &n->evaluations);
	if (!rc)
		rc = count_of(db, id, "SELECT count(*) FROM bounties WHERE"
			      " dataset_id = $1", &n->bounties);
	if (!rc)
		rc = revoke_shares(db, id, "e.model_id IN (SELECT id FROM"
				   " models WHERE dataset_id = $1)",
				   &n->shares_revoked);
	if (!rc)
		rc = drop_partitions(db, id, "SELECT id FROM models WHERE"
				     " dataset_id = $1", "predictions_");
	if (!rc)
		rc = drop_partitions(db, id, "SELECT $1::bigint", "examples_");
	if (!rc)
		rc = delete_row(db, id, "delete dataset",
				"DELETE FROM datasets WHERE id = $1");
	return finish(db, rc);
}

int store_model_delete(struct db *db, int64_t model_id,
		       struct delete_counts *n, struct delete_blocker *why)
{
	char id[24];
	int rc;

	rc = start(db, model_id, id,
		   "SELECT id FROM models WHERE id = $1 FOR UPDATE", n);
	if (rc)
		return rc;
	rc = blocked(db, id, "SELECT b.id FROM bounties b WHERE b.model_id"
		     " = $1 AND " NOT_CLOSED " ORDER BY b.id LIMIT 1",
		     false, why);
	/* A bounty's record names its h models; it must go first. */
	if (!rc)
		rc = blocked(db, id, "SELECT s.bounty_id FROM bounty_submissions"
			     " s JOIN bounties b ON b.id = s.bounty_id WHERE"
			     " s.h_model_id = $1 AND b.model_id <> $1 ORDER BY"
			     " s.bounty_id LIMIT 1", true, why);
	if (!rc)
		rc = count_of(db, id, "SELECT count(*) FROM evaluations WHERE"
			      " model_id = $1", &n->evaluations);
	if (!rc)
		rc = count_of(db, id, "SELECT count(*) FROM bounties WHERE"
			      " model_id = $1", &n->bounties);
	if (!rc)
		rc = revoke_shares(db, id, "e.model_id = $1", &n->shares_revoked);
	if (!rc)
		rc = drop_partitions(db, id, "SELECT $1::bigint", "predictions_");
	if (!rc)
		rc = delete_row(db, id, "delete model",
				"DELETE FROM models WHERE id = $1");
	n->models = 1;
	return finish(db, rc);
}

int store_evaluation_delete(struct db *db, int64_t evaluation_id,
			    struct delete_counts *n)
{
	char id[24];
	int rc;

	rc = start(db, evaluation_id, id,
		   "SELECT id FROM evaluations WHERE id = $1 FOR UPDATE", n);
	if (rc)
		return rc;
	rc = revoke_shares(db, id, "e.id = $1", &n->shares_revoked);
	if (!rc)
		rc = delete_row(db, id, "delete evaluation",
				"DELETE FROM evaluations WHERE id = $1");
	n->evaluations = 1;
	return finish(db, rc);
}

int store_bounty_delete(struct db *db, int64_t bounty_id,
			struct delete_counts *n, struct delete_blocker *why)
{
	char id[24];
	int rc;

	rc = start(db, bounty_id, id,
		   "SELECT id FROM bounties WHERE id = $1 FOR UPDATE", n);
	if (rc)
		return rc;
	rc = blocked(db, id, "SELECT b.id FROM bounties b WHERE b.id = $1"
		     " AND " NOT_CLOSED, false, why);
	if (!rc)
		rc = delete_row(db, id, "delete bounty",
				"DELETE FROM bounties WHERE id = $1");
	n->bounties = 1;
	return finish(db, rc);
}
