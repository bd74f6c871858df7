/*
 * store_bounty_submit.c - the submission transaction of a bounty (the row
 * lock, the state read, the outcome written) and the audit log of
 * submissions; see store_bounties.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/store_bounties.h"
#include "server/store_bounties_internal.h"
#include "server/pgcopy.h"

#define HBATCH 20000	/* h rows per INSERT */

/* ---- submissions ---- */

void bounty_finding_release(struct bounty_finding *f)
{
	free(f->hunter);
	free(f->canonical);
	free(f->h_kind);
	free(f->h_model_stamp);
	memset(f, 0, sizeof(*f));
}

static void state_release(struct bounty_state *st)
{
	bounty_release(&st->b);
	for (size_t i = 0; i < st->nfindings; i++)
		bounty_finding_release(&st->findings[i]);
	free(st->findings);
	memset(st, 0, sizeof(*st));
}

static void thresholdout_from_row(const PGresult *r, int i, int col,
				  struct thresholdout *t)
{
	t->T = db_double(r, i, col);
	t->sigma = db_double(r, i, col + 1);
	t->budget = (uint32_t)db_i64(r, i, col + 2);
	t->used = (uint32_t)db_i64(r, i, col + 3);
	t->seed = (uint64_t)db_i64(r, i, col + 4);
	t->queries = (uint64_t)db_i64(r, i, col + 5);
	t->gamma = db_double(r, i, col + 6);
}

int store_bounty_hunter(struct db *db, int64_t bounty_id, int64_t key_id,
			struct thresholdout *t, uint32_t *judged)
{
	char bid[24], kid[24];
	const char *params[2] = { bid, kid };
	PGresult *r;
	int ret = 1;

	db_fmt_i64(bid, sizeof(bid), bounty_id);
	db_fmt_i64(kid, sizeof(kid), key_id);
	r = db_exec(db, "read hunter", PGRES_TUPLES_OK,
		    "SELECT judged, t_threshold, t_sigma, t_budget, t_used,"
		    " t_seed, t_queries, t_gamma FROM bounty_hunters"
		    " WHERE bounty_id = $1 AND key_id = $2", 2, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*judged = (uint32_t)db_i64(r, 0, 0);
		thresholdout_from_row(r, 0, 1, t);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

/* Read everything the decision needs, under the row lock. */
static int read_state(struct db *db, const char *bid, const char *kid,
		      struct bounty_state *st)
{
	const char *params[2] = { bid, kid };
	PGresult *r;
	int rc;

	r = db_exec(db, "lock bounty", PGRES_TUPLES_OK,
		    "SELECT " BOUNTY_COLS " WHERE b.id = $1 FOR UPDATE OF b",
		    1, params);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	bounty_from_row(r, 0, &st->b);
	PQclear(r);

	rc = store_bounty_hunter(db, st->b.id, strtoll(kid, NULL, 10), &st->t,
				 &st->judged);
	if (rc < 0)
		return -1;
	st->hunter_known = rc == 0;

	r = db_exec(db, "count submissions", PGRES_TUPLES_OK,
		    "SELECT count(*) FROM bounty_submissions"
		    " WHERE bounty_id = $1 AND key_id = $2", 2, params);
	if (!r)
		return -1;
	st->seq = (uint32_t)db_i64(r, 0, 0);
	PQclear(r);

	r = db_exec(db, "read findings", PGRES_TUPLES_OK,
		    "SELECT f.submission_id, f.key_id, k.name, f.canonical,"
		    " f.h_kind, COALESCE(f.h_model_id, 0), f.h_model_stamp,"
		    " COALESCE(f.pdl_model, 0), f.points"
		    " FROM bounty_findings f JOIN api_keys k ON k.id = f.key_id"
		    " WHERE f.bounty_id = $1 ORDER BY f.ordinal", 1, params);
	if (!r)
		return -1;
	st->nfindings = (size_t)PQntuples(r);
	st->findings = xcalloc(st->nfindings,
			       sizeof(*st->findings));
	for (size_t i = 0; i < st->nfindings; i++) {
		struct bounty_finding *f = &st->findings[i];
		int row = (int)i;

		f->submission_id = db_i64(r, row, 0);
		f->key_id = db_i64(r, row, 1);
		f->hunter = db_strdup(r, row, 2);
		f->canonical = db_strdup(r, row, 3);
		f->h_kind = db_strdup(r, row, 4);
		f->h_model_id = db_i64(r, row, 5);
		f->h_model_stamp = db_strdup(r, row, 6);
		f->pdl_model = db_i64(r, row, 7);
		f->points = db_double(r, row, 8);
	}
	PQclear(r);
	return 0;
}

static int write_h_rows(struct db *db, const char *sid,
			const struct bounty_h_store *h)
{
	struct buf ids = BUF_INIT, vals = BUF_INIT, cnt[4];
	int ret = 0;

	for (int k = 0; k < 4; k++)
		buf_init(&cnt[k], 0);
	for (size_t start = 0; start < h->n && !ret; start += HBATCH) {
		size_t end = start + HBATCH < h->n ? start + HBATCH : h->n;

		buf_reset(&ids);
		buf_reset(&vals);
		buf_addch(&ids, '{');
		buf_addch(&vals, '{');
		for (int k = 0; k < 4; k++) {
			buf_reset(&cnt[k]);
			buf_addch(&cnt[k], '{');
		}
		for (size_t i = start; i < end; i++) {
			db_array_add(&ids, h->ids[i], i == start);
			db_array_add(&vals, h->values[i], i == start);
			for (int k = 0; h->counts && k < 4; k++)
				buf_addf(&cnt[k], "%s%u", i == start ? "" : ",",
					 h->counts[4 * i + (size_t)k]);
		}
		buf_addch(&ids, '}');
		buf_addch(&vals, '}');
		for (int k = 0; k < 4; k++)
			buf_addch(&cnt[k], '}');
		if (h->counts) {
			const char *params[7] = { sid, ids.s, vals.s, cnt[0].s,
						  cnt[1].s, cnt[2].s, cnt[3].s };

			ret = db_cmd(db, "store h hypotheses",
				     "INSERT INTO bounty_h_predictions"
				     " (submission_id, ext_id, hypothesis, sub,"
				     " del, ins, ref_words)"
				     " SELECT $1, u.* FROM unnest($2::text[],"
				     " $3::text[], $4::int[], $5::int[],"
				     " $6::int[], $7::int[]) AS u", 7, params);
		} else {
			const char *params[3] = { sid, ids.s, vals.s };

			ret = db_cmd(db, "store h predictions",
				     "INSERT INTO bounty_h_predictions"
				     " (submission_id, ext_id, prediction)"
				     " SELECT $1, u.* FROM unnest($2::text[],"
				     " $3::text[]) AS u", 3, params);
		}
	}
	buf_release(&ids);
	buf_release(&vals);
	for (int k = 0; k < 4; k++)
		buf_release(&cnt[k]);
	return ret;
}

/* The submission row; its id and creation time into *id, *created_at. */
static int write_submission(struct db *db, const char *bid, const char *kid,
			    const struct bounty_state *st,
			    const struct bounty_outcome *o, int64_t *id,
			    char **created_at)
{
	char seq[24], h_model[24], support[24], points[32], dup_of[24];
	const char *params[14] = {
		bid, kid, seq, o->group_text, o->canonical, o->h_kind,
		o->h_model_id > 0 ? h_model : NULL, o->status, o->reason,
		support, points, o->duplicate_of > 0 ? dup_of : NULL,
		o->released, o->holdout,
	};
	PGresult *r;

	db_fmt_i64(seq, sizeof(seq), (int64_t)st->seq + 1);
	db_fmt_i64(h_model, sizeof(h_model), o->h_model_id);
	db_fmt_i64(support, sizeof(support), (int64_t)o->support);
	db_fmt_double(points, sizeof(points),
		      isfinite(o->points) ? o->points : 0);
	db_fmt_i64(dup_of, sizeof(dup_of), o->duplicate_of);
	r = db_exec(db, "record submission", PGRES_TUPLES_OK,
		    "INSERT INTO bounty_submissions (bounty_id, key_id,"
		    " seq, group_text, canonical, h_kind, h_model_id,"
		    " status, reason, support, points, duplicate_of,"
		    " released, holdout) VALUES ($1, $2, $3, $4, $5, $6,"
		    " $7, $8, $9, $10, $11, $12, $13::json, $14::json)"
		    " RETURNING id, " TS("created_at"), 14, params);
	if (!r)
		return -1;
	*id = db_i64(r, 0, 0);
	*created_at = db_strdup(r, 0, 1);
	PQclear(r);
	return 0;
}

/* The hunter's judged count and reusable-holdout state after o. */
static int write_hunter_state(struct db *db, const char *bid, const char *kid,
			      const struct bounty_state *st,
			      const struct bounty_outcome *o)
{
	char judged[24], threshold[32], sigma[32], budget[24], used[24];
	char seed[24], queries[24], gamma[32];
	const char *params[10] = { bid, kid, judged, threshold, sigma, budget,
				   used, seed, queries, gamma };

	db_fmt_i64(judged, sizeof(judged),
		   (int64_t)st->judged + (o->judged ? 1 : 0));
	db_fmt_double(threshold, sizeof(threshold), o->t.T);
	db_fmt_double(sigma, sizeof(sigma), o->t.sigma);
	db_fmt_i64(budget, sizeof(budget), o->t.budget);
	db_fmt_i64(used, sizeof(used), o->t.used);
	db_fmt_i64(seed, sizeof(seed), (int64_t)o->t.seed);
	db_fmt_i64(queries, sizeof(queries), (int64_t)o->t.queries);
	db_fmt_double(gamma, sizeof(gamma), o->t.gamma);
	return db_cmd(db, "store hunter state",
		      "INSERT INTO bounty_hunters (bounty_id, key_id,"
		      " judged, t_threshold, t_sigma, t_budget, t_used,"
		      " t_seed, t_queries, t_gamma) VALUES ($1, $2, $3,"
		      " $4, $5, $6, $7, $8, $9, $10)"
		      " ON CONFLICT (bounty_id, key_id) DO UPDATE SET"
		      " judged = EXCLUDED.judged, t_used = EXCLUDED.t_used,"
		      " t_queries = EXCLUDED.t_queries,"
		      " t_gamma = EXCLUDED.t_gamma", 10, params);
}

/* An accepted finding (submission sid) and its members' bitmap. */
static int write_finding(struct db *db, const char *bid, const char *kid,
			 const char *sid, const struct bounty_state *st,
			 const struct bounty_outcome *o)
{
	char ordinal[24], h_model[24], pdl_model[24], points[32];
	const char *params[10] = {
		sid, bid, ordinal, kid, o->canonical, o->h_kind,
		o->h_model_id > 0 ? h_model : NULL, o->h_model_stamp,
		o->pdl_model > 0 ? pdl_model : NULL, points,
	};
	struct buf members = BUF_INIT;
	int rc;

	db_fmt_i64(ordinal, sizeof(ordinal), (int64_t)st->nfindings + 1);
	db_fmt_i64(h_model, sizeof(h_model), o->h_model_id);
	db_fmt_i64(pdl_model, sizeof(pdl_model), o->pdl_model);
	db_fmt_double(points, sizeof(points),
		      isfinite(o->points) ? o->points : 0);
	rc = db_cmd(db, "store finding",
		    "INSERT INTO bounty_findings (submission_id,"
		    " bounty_id, ordinal, key_id, canonical, h_kind,"
		    " h_model_id, h_model_stamp, pdl_model, points)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		    10, params);
	if (!rc) {
		const char *p2[2] = { sid, NULL };

		buf_adds(&members, "\\x");
		for (size_t i = 0; i < o->members_len; i++)
			buf_addf(&members, "%02x", o->members[i]);
		p2[1] = members.s;
		rc = db_cmd(db, "store members",
			    "UPDATE bounty_submissions SET members ="
			    " $2::bytea WHERE id = $1", 2, p2);
	}
	buf_release(&members);
	return rc;
}

/* The decision-list nodes o adds after the list's current end. */
static int write_nodes(struct db *db, const char *bid, int64_t id,
		       const struct bounty_state *st,
		       const struct bounty_outcome *o)
{
	char count[24];
	const char *p2[2] = { bid, count };

	for (size_t i = 0; i < o->nnodes; i++) {
		const struct bounty_node *nd = &o->nodes[i];
		char position[24], finding[24], target[24];
		const char *params[5] = { bid, position,
					  nd->repair ? "repair" : "model",
					  finding, nd->repair ? target : NULL };

		db_fmt_i64(position, sizeof(position),
			   st->b.nodes + (int64_t)i + 1);
		db_fmt_i64(finding, sizeof(finding),
			   nd->finding > 0 ? nd->finding : id);
		db_fmt_i64(target, sizeof(target), nd->target);
		if (db_cmd(db, "store node",
			   "INSERT INTO bounty_nodes (bounty_id, position, kind,"
			   " finding, target) VALUES ($1, $2, $3, $4, $5)",
			   5, params))
			return -1;
	}
	if (!o->nnodes)
		return 0;
	db_fmt_i64(count, sizeof(count), (int64_t)o->nnodes);
	return db_cmd(db, "extend list",
		      "UPDATE bounties SET nodes = nodes + $2 WHERE id = $1",
		      2, p2);
}

/* The public model version the new list makes, with its figures. */
static int write_version(struct db *db, const char *bid, const char *sid,
			 const struct bounty_state *st,
			 const struct bounty_outcome *o)
{
	char version[24], overall[32], reported[32];
	const char *params[5] = {
		bid, version, sid, isfinite(o->overall) ? overall : NULL,
		isfinite(o->reported) ? reported : NULL,
	};

	db_fmt_i64(version, sizeof(version),
		   st->b.nodes + (int64_t)o->nnodes);
	db_fmt_double(overall, sizeof(overall), o->overall);
	db_fmt_double(reported, sizeof(reported), o->reported);
	return db_cmd(db, "store version",
		      "INSERT INTO bounty_versions (bounty_id, version,"
		      " submission_id, overall, reported)"
		      " VALUES ($1, $2, $3, $4, $5)", 5, params);
}

/*
 * Write what decide chose, inside the transaction: the submission and
 * the hunter's state always; for an accepted finding also the finding,
 * its h, the new decision-list nodes and the new public version.
 */
static int write_outcome(struct db *db, const char *bid, const char *kid,
			 const struct bounty_state *st,
			 const struct bounty_outcome *o, int64_t *id,
			 char **created_at)
{
	char sid[24];

	if (write_submission(db, bid, kid, st, o, id, created_at))
		return -1;
	db_fmt_i64(sid, sizeof(sid), *id);
	if (write_hunter_state(db, bid, kid, st, o))
		return -1;
	if (strcmp(o->status, "accepted"))
		return 0;
	if (write_finding(db, bid, kid, sid, st, o) ||
	    (o->h_rows && write_h_rows(db, sid, o->h_rows)) ||
	    write_nodes(db, bid, *id, st, o) ||
	    (o->new_version && write_version(db, bid, sid, st, o)))
		return -1;
	return 0;
}

int store_bounty_submit(struct db *db, int64_t bounty_id, int64_t key_id,
			int (*decide)(void *ctx, struct db *db,
				      const struct bounty_state *st,
				      struct bounty_outcome *out),
			void *ctx, int64_t *id, char **created_at)
{
	struct bounty_state st;
	struct bounty_outcome o;
	char bid[24], kid[24];
	int rc;

	memset(&st, 0, sizeof(st));
	memset(&o, 0, sizeof(o));
	db_fmt_i64(bid, sizeof(bid), bounty_id);
	db_fmt_i64(kid, sizeof(kid), key_id);
	if (db_cmd(db, "begin submission", "BEGIN", 0, NULL))
		return -1;
	rc = read_state(db, bid, kid, &st);
	if (rc) {
		db_rollback(db);
		state_release(&st);
		return rc;
	}
	rc = decide(ctx, db, &st, &o);
	if (rc) {
		db_rollback(db);
		state_release(&st);
		return rc > 0 ? 2 : -1;
	}
	if (write_outcome(db, bid, kid, &st, &o, id, created_at) ||
	    db_cmd(db, "commit submission", "COMMIT", 0, NULL)) {
		db_rollback(db);
		free(*created_at);
		*created_at = NULL;
		state_release(&st);
		return -1;
	}
	state_release(&st);
	return 0;
}

int store_bounty_state(struct db *db, int64_t bounty_id,
		       struct bounty_state *st)
{
	char bid[24];
	int rc;

	memset(st, 0, sizeof(*st));
	db_fmt_i64(bid, sizeof(bid), bounty_id);
	if (db_cmd(db, "begin bounty state", "BEGIN", 0, NULL))
		return -1;
	rc = read_state(db, bid, "0", st);
	if (rc || db_cmd(db, "commit bounty state", "COMMIT", 0, NULL)) {
		db_rollback(db);
		state_release(st);
		return rc > 0 ? 1 : -1;
	}
	return 0;
}

void bounty_state_release(struct bounty_state *st)
{
	state_release(st);
}

void bounty_submission_release(struct bounty_submission *s)
{
	free(s->hunter);
	free(s->group_text);
	free(s->canonical);
	free(s->h_kind);
	free(s->status);
	free(s->reason);
	free(s->credited_name);
	free(s->released);
	free(s->holdout);
	free(s->created_at);
	memset(s, 0, sizeof(*s));
}

#define SUBMISSION_COLS \
	"s.id, s.bounty_id, s.key_id, k.name, s.seq, s.group_text," \
	" s.canonical, s.h_kind, COALESCE(s.h_model_id, 0), s.status," \
	" s.reason, s.support, s.points, COALESCE(s.duplicate_of, 0)," \
	" COALESCE(o.key_id, 0), ok.name, s.released, s.holdout, " \
	TS("s.created_at") \
	" FROM bounty_submissions s JOIN api_keys k ON k.id = s.key_id" \
	" LEFT JOIN bounty_submissions o ON o.id = s.duplicate_of" \
	" LEFT JOIN api_keys ok ON ok.id = o.key_id"

static void submission_from_row(const PGresult *r, int i,
				struct bounty_submission *s)
{
	s->id = db_i64(r, i, 0);
	s->bounty_id = db_i64(r, i, 1);
	s->key_id = db_i64(r, i, 2);
	s->hunter = db_strdup(r, i, 3);
	s->seq = db_i64(r, i, 4);
	s->group_text = db_strdup(r, i, 5);
	s->canonical = db_strdup(r, i, 6);
	s->h_kind = db_strdup(r, i, 7);
	s->h_model_id = db_i64(r, i, 8);
	s->status = db_strdup(r, i, 9);
	s->reason = db_strdup(r, i, 10);
	s->support = db_i64(r, i, 11);
	s->points = db_double(r, i, 12);
	s->duplicate_of = db_i64(r, i, 13);
	s->credited_to = db_i64(r, i, 14);
	s->credited_name = db_strdup(r, i, 15);
	s->released = db_strdup(r, i, 16);
	s->holdout = db_strdup(r, i, 17);
	s->created_at = db_strdup(r, i, 18);
}

int store_bounty_submission_get(struct db *db, int64_t bounty_id,
				int64_t id, struct bounty_submission *out)
{
	char bid[24], sid[24];
	const char *params[2] = { bid, sid };
	PGresult *r;
	int ret = 1;

	db_fmt_i64(bid, sizeof(bid), bounty_id);
	db_fmt_i64(sid, sizeof(sid), id);
	r = db_exec(db, "get submission", PGRES_TUPLES_OK,
		    "SELECT " SUBMISSION_COLS
		    " WHERE s.bounty_id = $1 AND s.id = $2", 2, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		submission_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_bounty_submission_list(struct db *db, int64_t bounty_id,
				 int64_t key_id,
				 struct bounty_submission **out, size_t *n)
{
	char bid[24], kid[24];
	const char *params[2] = { bid, kid };
	PGresult *r;

	db_fmt_i64(bid, sizeof(bid), bounty_id);
	db_fmt_i64(kid, sizeof(kid), key_id);
	r = db_exec(db, "list submissions", PGRES_TUPLES_OK,
		    "SELECT " SUBMISSION_COLS " WHERE s.bounty_id = $1"
		    " AND ($2::bigint <= 0 OR s.key_id = $2::bigint)"
		    " ORDER BY s.id", 2, params);
	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		submission_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}
