/*
 * store_bounty_board.c - a bounty's leaderboard: hunters by points,
 * accepted findings, the patched model's versions and its decision list;
 * see store_bounties.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/store_bounties.h"
#include "server/store_bounties_internal.h"
#include "server/pgcopy.h"

/* ---- leaderboard ---- */

void bounty_board_release(struct bounty_board *bb)
{
	for (size_t i = 0; i < bb->nhunters; i++)
		free(bb->hunters[i].name);
	free(bb->hunters);
	for (size_t i = 0; i < bb->nfindings; i++) {
		free(bb->findings[i].hunter);
		free(bb->findings[i].canonical);
		free(bb->findings[i].h_kind);
		free(bb->findings[i].released);
		free(bb->findings[i].created_at);
	}
	free(bb->findings);
	for (size_t i = 0; i < bb->nversions; i++)
		free(bb->versions[i].created_at);
	free(bb->versions);
	free(bb->nodes);
	memset(bb, 0, sizeof(*bb));
}

int store_bounty_board(struct db *db, int64_t bounty_id,
		       struct bounty_board *out)
{
	char bid[24];
	const char *params[1] = { bid };
	PGresult *r;

	memset(out, 0, sizeof(*out));
	db_fmt_i64(bid, sizeof(bid), bounty_id);
	r = db_exec(db, "leaderboard hunters", PGRES_TUPLES_OK,
		    "SELECT k.id, k.name, count(*),"
		    " count(*) FILTER (WHERE s.status = 'accepted'),"
		    " count(*) FILTER (WHERE s.status = 'duplicate'),"
		    " (SELECT count(*) FROM bounty_submissions d"
		    "  JOIN bounty_submissions o ON o.id = d.duplicate_of"
		    "  WHERE d.bounty_id = $1 AND o.key_id = k.id),"
		    " COALESCE(sum(s.points) FILTER (WHERE s.status = 'accepted'), 0)"
		    " FROM bounty_submissions s JOIN api_keys k ON k.id = s.key_id"
		    " WHERE s.bounty_id = $1 GROUP BY k.id, k.name"
		    " ORDER BY 7 DESC, 4 DESC, min(s.id)", 1, params);
	if (!r)
		return -1;
	out->nhunters = (size_t)PQntuples(r);
	out->hunters = xcalloc(out->nhunters,
			       sizeof(*out->hunters));
	for (size_t i = 0; i < out->nhunters; i++) {
		struct bounty_hunter_row *h = &out->hunters[i];
		int row = (int)i;

		h->key_id = db_i64(r, row, 0);
		h->name = db_strdup(r, row, 1);
		h->submissions = db_i64(r, row, 2);
		h->accepted = db_i64(r, row, 3);
		h->duplicates = db_i64(r, row, 4);
		h->credited = db_i64(r, row, 5);
		h->points = db_double(r, row, 6);
	}
	PQclear(r);

	r = db_exec(db, "leaderboard findings", PGRES_TUPLES_OK,
		    "SELECT f.submission_id, f.key_id, f.ordinal, k.name,"
		    " f.canonical, f.h_kind, s.released, " TS("s.created_at") ","
		    " s.support, (SELECT count(*) FROM bounty_submissions d"
		    "  WHERE d.duplicate_of = f.submission_id), f.points"
		    " FROM bounty_findings f"
		    " JOIN bounty_submissions s ON s.id = f.submission_id"
		    " JOIN api_keys k ON k.id = f.key_id"
		    " WHERE f.bounty_id = $1 ORDER BY f.ordinal", 1, params);
	if (!r)
		goto fail;
	out->nfindings = (size_t)PQntuples(r);
	out->findings = xcalloc(out->nfindings,
				sizeof(*out->findings));
	for (size_t i = 0; i < out->nfindings; i++) {
		struct bounty_finding_row *f = &out->findings[i];
		int row = (int)i;

		f->submission_id = db_i64(r, row, 0);
		f->key_id = db_i64(r, row, 1);
		f->ordinal = db_i64(r, row, 2);
		f->hunter = db_strdup(r, row, 3);
		f->canonical = db_strdup(r, row, 4);
		f->h_kind = db_strdup(r, row, 5);
		f->released = db_strdup(r, row, 6);
		f->created_at = db_strdup(r, row, 7);
		f->support = db_i64(r, row, 8);
		f->duplicates = db_i64(r, row, 9);
		f->points = db_double(r, row, 10);
	}
	PQclear(r);

	r = db_exec(db, "leaderboard versions", PGRES_TUPLES_OK,
		    "SELECT version, COALESCE(submission_id, 0), overall, "
		    TS("created_at") ", COALESCE(reported, overall)"
		    " FROM bounty_versions"
		    " WHERE bounty_id = $1 ORDER BY version", 1, params);
	if (!r)
		goto fail;
	out->nversions = (size_t)PQntuples(r);
	out->versions = xcalloc(out->nversions,
				sizeof(*out->versions));
	for (size_t i = 0; i < out->nversions; i++) {
		struct bounty_version_row *v = &out->versions[i];
		int row = (int)i;

		v->version = db_i64(r, row, 0);
		v->submission_id = db_i64(r, row, 1);
		v->overall = db_double(r, row, 2);
		v->created_at = db_strdup(r, row, 3);
		v->reported = db_double(r, row, 4);
	}
	PQclear(r);

	r = db_exec(db, "decision list", PGRES_TUPLES_OK,
		    "SELECT kind, finding, COALESCE(target, 0) FROM bounty_nodes"
		    " WHERE bounty_id = $1 ORDER BY position", 1, params);
	if (!r)
		goto fail;
	out->nnodes = (size_t)PQntuples(r);
	out->nodes = xcalloc(out->nnodes, sizeof(*out->nodes));
	for (size_t i = 0; i < out->nnodes; i++) {
		int row = (int)i;

		out->nodes[i].repair = !strcmp(PQgetvalue(r, row, 0), "repair");
		out->nodes[i].finding = db_i64(r, row, 1);
		out->nodes[i].target = db_i64(r, row, 2);
	}
	PQclear(r);
	return 0;
fail:
	bounty_board_release(out);
	return -1;
}
