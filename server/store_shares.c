/*
 * store_shares.c - share links, per-database secrets, evaluation lists.
 */
#include "common/fa.h"
#include "server/store_internal.h"
#include <openssl/rand.h>

#define SHARE_COLS "id, scope, extract(epoch FROM expires_at)::bigint, " \
	TS("expires_at") ", " TS("created_at") ", " TS("revoked_at")

int store_secret(struct db *db, const char *name, unsigned char *out, size_t n)
{
	unsigned char *fresh = xmalloc(n);
	char *hex = xmalloc(2 * n + 3);
	const char *params[2] = { name, hex };
	PGresult *r;
	size_t len;
	unsigned char *v;
	int ret = -1;

	if (RAND_bytes(fresh, (int)n) != 1)
		die("could not read random bytes");
	hex[0] = '\\';
	hex[1] = 'x';
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 + 2 * i, 3, "%02x", fresh[i]);
	/* The first process to ask makes it; everyone then reads the same. */
	if (db_cmd(db, "make secret",
		   "INSERT INTO server_secrets (name, value) VALUES ($1, $2::bytea)"
		   " ON CONFLICT (name) DO NOTHING", 2, params))
		goto out;
	r = db_exec(db, "read secret", PGRES_TUPLES_OK,
		    "SELECT value FROM server_secrets WHERE name = $1", 1, params);
	if (!r)
		goto out;
	if (PQntuples(r) == 1) {
		v = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &len);
		if (v && len == n) {
			memcpy(out, v, n);
			ret = 0;
		}
		PQfreemem(v);
	}
	PQclear(r);
out:
	OPENSSL_cleanse(fresh, n);
	free(fresh);
	free(hex);
	return ret;
}

void share_release(struct share *s)
{
	free(s->scope);
	free(s->expires_at);
	free(s->created_at);
	free(s->revoked_at);
	memset(s, 0, sizeof(*s));
}

static void share_from_row(const PGresult *r, int i, struct share *s)
{
	s->id = db_i64(r, i, 0);
	s->scope = db_strdup(r, i, 1);
	s->expires = db_i64(r, i, 2);
	s->expires_at = db_strdup(r, i, 3);
	s->created_at = db_strdup(r, i, 4);
	s->revoked_at = db_strdup(r, i, 5);
}

int store_share_create(struct db *db, const char *scope, int64_t seconds,
		       int64_t created_by, struct share *out)
{
	char secs[24], by[24];
	const char *params[3] = { scope, secs, by };
	PGresult *r;

	snprintf(secs, sizeof(secs), "%lld", (long long)seconds);
	snprintf(by, sizeof(by), "%lld", (long long)created_by);
	/* Whole seconds, so the expiry in the link equals the stored one. */
	r = db_exec(db, "create share link", PGRES_TUPLES_OK,
		    "INSERT INTO share_links (scope, expires_at, created_by)"
		    " VALUES ($1, date_trunc('second', now())"
		    " + make_interval(secs => $2::bigint), $3)"
		    " RETURNING " SHARE_COLS, 3, params);
	if (!r)
		return -1;
	share_from_row(r, 0, out);
	PQclear(r);
	return 0;
}

int store_share_get(struct db *db, int64_t id, struct share *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	r = db_exec(db, "get share link", PGRES_TUPLES_OK,
		    "SELECT " SHARE_COLS " FROM share_links WHERE id = $1", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		share_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_share_revoke(struct db *db, int64_t id)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	r = db_exec(db, "revoke share link", PGRES_COMMAND_OK,
		    "UPDATE share_links SET revoked_at = now()"
		    " WHERE id = $1 AND revoked_at IS NULL", 1, params);
	if (!r)
		return -1;
	ret = !strcmp(PQcmdTuples(r), "1") ? 0 : 1;
	PQclear(r);
	return ret;
}

int store_share_list(struct db *db, struct share **out, size_t *n)
{
	PGresult *r = db_exec(db, "list share links", PGRES_TUPLES_OK,
			      "SELECT " SHARE_COLS " FROM share_links ORDER BY id DESC",
			      0, NULL);

	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		share_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}

int store_evaluation_summarise(struct db *db, int64_t id, const char *summary)
{
	char ids[24];
	const char *params[2] = { ids, summary };

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	return db_cmd(db, "summarise evaluation",
		      "UPDATE evaluations SET summary = $2::jsonb WHERE id = $1",
		      2, params);
}

void evaluation_item_release(struct evaluation_item *e)
{
	free(e->model_name);
	free(e->dataset_name);
	free(e->task);
	free(e->created_at);
	free(e->summary);
	memset(e, 0, sizeof(*e));
}

int store_evaluation_list(struct db *db, size_t limit,
			  struct evaluation_item **out, size_t *n)
{
	char lim[24];
	const char *params[1] = { lim };
	PGresult *r;

	snprintf(lim, sizeof(lim), "%zu", limit);
	r = db_exec(db, "list evaluations", PGRES_TUPLES_OK,
		    "SELECT e.id, e.model_id, m.dataset_id, m.name, d.name, d.task, "
		    TS("e.created_at") ", e.summary::text"
		    " FROM evaluations e JOIN models m ON m.id = e.model_id"
		    " JOIN datasets d ON d.id = m.dataset_id"
		    " ORDER BY e.id DESC LIMIT $1", 1, params);
	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct evaluation_item *e = &(*out)[i];
		int row = (int)i;

		e->id = db_i64(r, row, 0);
		e->model_id = db_i64(r, row, 1);
		e->dataset_id = db_i64(r, row, 2);
		e->model_name = db_strdup(r, row, 3);
		e->dataset_name = db_strdup(r, row, 4);
		e->task = db_strdup(r, row, 5);
		e->created_at = db_strdup(r, row, 6);
		e->summary = db_strdup(r, row, 7);
	}
	PQclear(r);
	return 0;
}
