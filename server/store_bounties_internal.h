/*
 * store_bounties_internal.h - what store_bounties.c (programs, splits, bulk
 * reads), store_bounty_submit.c (the submission transaction and the audit
 * log) and store_bounty_board.c (the leaderboard) share.  Never included
 * elsewhere.
 */
#ifndef FA_STORE_BOUNTIES_INTERNAL_H
#define FA_STORE_BOUNTIES_INTERNAL_H

#include "server/store_internal.h"
#include "server/store_bounties.h"

/* The columns of a bounty row, read by bounty_from_row(). */
#define BOUNTY_COLS \
	"b.id, b.model_id, b.dataset_id, b.metric, b.holdout_fraction," \
	" b.min_support, b.min_gap, b.alpha, b.significance, b.budget," \
	" b.threshold, b.sigma, encode(b.secret, 'hex'), b.model_stamp," \
	" b.discovery_rows, b.holdout_rows, " TS("b.opens_at") ", " \
	TS("b.closes_at") ", b.status," \
	" CASE WHEN b.status = 'closed' OR (b.closes_at IS NOT NULL AND" \
	" now() >= b.closes_at) THEN 'closed' WHEN now() < b.opens_at" \
	" THEN 'scheduled' ELSE 'open' END," \
	" b.nodes, COALESCE(b.created_by, 0), " TS("b.created_at") "," \
	" (SELECT count(*) FROM bounty_submissions s WHERE s.bounty_id = b.id)," \
	" (SELECT count(*) FROM bounty_findings f WHERE f.bounty_id = b.id)," \
	" v.overall, COALESCE(v.version, 0), b.epsilon," \
	" COALESCE(b.total_budget, 0)," \
	" (SELECT COALESCE(sum(t_used), 0) FROM bounty_hunters hu" \
	" WHERE hu.bounty_id = b.id)," \
	" b.reporting_share, b.reporting_rows, COALESCE(v.reported, v.overall)" \
	" FROM bounties b LEFT JOIN LATERAL (SELECT overall, reported, version" \
	" FROM bounty_versions WHERE bounty_id = b.id ORDER BY version DESC" \
	" LIMIT 1) v ON true"

/* Fill *b from row i of a result of SELECT BOUNTY_COLS. */
void bounty_from_row(const PGresult *r, int i, struct bounty *b);

#endif
