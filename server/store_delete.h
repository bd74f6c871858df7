/*
 * store_delete.h - deleting datasets, models, evaluations and bounties,
 * all or nothing (see store_delete.c).
 *
 * Each function returns 0 when the object and everything that belongs to
 * it are gone (counts in *n), 1 when it does not exist, 2 when something
 * depends on it (why says what: a bounty that is not closed, or for a
 * model a bounty whose record names it as an h), -1 on a database error
 * (logged).  Nothing changes unless 0 is returned.
 *
 *   dataset     its examples, models (with their predictions and
 *               evaluations) and closed bounties; refused while a bounty on
 *               it is open or scheduled
 *   model       its predictions, evaluations and closed bounties; refused
 *               while a bounty on it is open or scheduled, or while any
 *               bounty's submissions name it as h
 *   evaluation  itself
 *   bounty      its submissions, findings, decision list and versions;
 *               refused while it is open or scheduled (close it first)
 *
 * Share links of every evaluation that goes are revoked in the same
 * transaction.
 */
#ifndef FA_STORE_DELETE_H
#define FA_STORE_DELETE_H

#include "common/fa.h"

struct db;

struct delete_counts {
	int64_t models, evaluations, bounties, shares_revoked;
};

struct delete_blocker {
	int64_t bounty_id;
	bool h_record;		/* the bounty's submissions name it as h; else
				   the bounty is on it and not closed */
};

int store_dataset_delete(struct db *db, int64_t dataset_id,
			 struct delete_counts *n, struct delete_blocker *why);
int store_model_delete(struct db *db, int64_t model_id,
		       struct delete_counts *n, struct delete_blocker *why);
int store_evaluation_delete(struct db *db, int64_t evaluation_id,
			    struct delete_counts *n);
int store_bounty_delete(struct db *db, int64_t bounty_id,
			struct delete_counts *n, struct delete_blocker *why);

#endif
