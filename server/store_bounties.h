/*
 * store_bounties.h - storage of bias-bounty programs (migrations/
 * 0002_bounties.sql and later): programs, per-hunter reusable-holdout
 * state, the audit log of submissions, accepted findings, the pointer
 * decision list and the patched model's overall metric over time.
 * Programs, splits and bulk reads are in store_bounties.c, the submission
 * transaction and the audit log in store_bounty_submit.c, the leaderboard
 * in store_bounty_board.c.
 *
 * Return codes are those of store.h (0 done, 1 not found, 2 conflict, -1
 * database error, logged).  Structs filled here own their strings; the
 * matching _release frees them and leaves the struct zeroed, so it may be
 * released twice.
 *
 * Serialisation.  store_bounty_submit() is the only writer of a bounty's
 * state after creation.  It opens one transaction, locks the bounty row
 * FOR UPDATE, reads the state, lets the caller decide (a callback that may
 * run further reads on the same connection, inside the transaction),
 * writes the outcome and commits.  Concurrent submissions to one bounty
 * therefore queue on the row lock and each sees every earlier outcome.
 *
 * The secret never leaves the server: it is read into struct bounty for
 * the split and the per-hunter noise seeds, and no JSON form prints it.
 */
#ifndef FA_STORE_BOUNTIES_H
#define FA_STORE_BOUNTIES_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "server/store.h"
#include "bounty/thresholdout.h"

#define BOUNTY_SECRET_BYTES 32

struct bounty {
	int64_t id, model_id, dataset_id;
	char *metric;
	double holdout_fraction, min_gap, alpha, significance;
	double threshold, sigma;	/* Thresholdout T and sigma */
	int64_t min_support, budget;
	/*
	 * migrations/0006_bounty_privacy.sql: privacy loss per holdout answer
	 * (0: uncalibrated, bounties from before), the holdout answers of all
	 * hunters together (0: no limit) and, read with the row, how many
	 * they have used.
	 */
	double epsilon;
	int64_t total_budget, total_used;
	/*
	 * migrations/0007_reporting_part.sql: the share of the holdout kept
	 * for published numbers (0: none, splits from before), its rows, and
	 * the latest version's metric on it (the holdout's without one).
	 */
	double reporting_share;
	int64_t reporting_rows;
	double reported;
	unsigned char secret[BOUNTY_SECRET_BYTES];
	size_t secret_len;
	char *model_stamp;		/* model's uploaded_at at creation */
	int64_t discovery_rows, holdout_rows;
	char *opens_at, *closes_at;	/* ISO 8601 UTC; closes_at may be NULL */
	char *status;			/* stored: "open" or "closed" */
	char *phase;			/* now: "scheduled", "open", "closed" */
	int64_t nodes;			/* decision list length */
	int64_t created_by;
	char *created_at;
	/* summary, filled by get and list */
	int64_t submissions, accepted;
	double overall;			/* latest overall holdout metric */
	int64_t version;		/* ... and its version */
};

void bounty_release(struct bounty *b);

/*
 * Insert a bounty (every rule field of *in, the secret, the stamp and the
 * split sizes; opens_at NULL for now) with its version 0 (overall metric
 * of the model alone on the holdout, and reported on the reporting part),
 * in one transaction; *out gets the stored row.
 * Returns 2 when closes_at is not after opens_at.
 */
int store_bounty_create(struct db *db, const struct bounty *in,
			double overall, double reported, struct bounty *out);
/*
 * The dataset's one split (migrations/0005_dataset_split.sql, 0007): its
 * key, holdout fraction and reporting share, set atomically to
 * fresh_secret, fraction and reporting when the dataset has none yet (a
 * split from before 0007 keeps reporting share 0).  Fills out->secret,
 * out->secret_len, out->holdout_fraction and out->reporting_share.  0, 1
 * when the dataset does not exist, -1.
 */
int store_dataset_split(struct db *db, int64_t dataset_id,
			const unsigned char *fresh_secret, size_t len,
			double fraction, double reporting, struct bounty *out);
int store_bounty_get(struct db *db, int64_t id, struct bounty *out);
/* All bounties, newest first; *out is an array the caller frees. */
int store_bounty_list(struct db *db, struct bounty **out, size_t *n);
/* Mark a bounty closed (from now on); 1 if it does not exist. */
int store_bounty_close(struct db *db, int64_t id);

/* ---- bulk reads (COPY, streamed line by line) ---- */

/*
 * The attribute dictionaries of a dataset: dicts[a] (nattrs of them,
 * initialised by the caller) get the values of attribute a in code order.
 */
int store_bounty_dicts(struct db *db, const struct dataset *d,
		       struct strmap *dicts);

/* One example with the model's prediction; fields point into a line. */
struct bounty_row {
	const char *id;
	size_t id_len;
	const char *label, *reference, *speaker;	/* NULL when absent */
	size_t label_len, reference_len, speaker_len;
	const uint32_t *codes;		/* one attribute code per attribute */
	const char *prediction, *hypothesis;
	size_t prediction_len, hypothesis_len;
	uint32_t sub, del, ins, ref_words;	/* asr alignment of the model */
	int64_t ord;
};

/*
 * Call fn for every example of the dataset in ord order.  With model_id >
 * 0, joined to that model's predictions (prediction or hypothesis and the
 * alignment counts); with model_id 0, ids and attribute codes only.  With
 * texts false the label, reference and hypothesis columns are not read
 * (NULL).  fn returns nonzero to stop (the store then returns -1 without
 * logging a database error).
 */
int store_bounty_rows(struct db *db, const struct dataset *d,
		      int64_t model_id, bool texts,
		      int (*fn)(void *ctx, const struct bounty_row *row),
		      void *ctx);

/*
 * The stored h of an accepted finding given as predictions: fn gets each
 * row's example id, prediction (classification) or hypothesis with its
 * counts (asr).
 */
int store_bounty_h_rows(struct db *db, int64_t submission_id,
			int (*fn)(void *ctx, const struct bounty_row *row),
			void *ctx);

/* ---- submissions ---- */

struct bounty_finding {
	int64_t submission_id, key_id;
	char *hunter;			/* key name */
	char *canonical;
	char *h_kind;			/* "none", "predictions", "model" */
	int64_t h_model_id;
	char *h_model_stamp;
	int64_t pdl_model;		/* 0 without h */
	double points;
};

void bounty_finding_release(struct bounty_finding *f);

/* What a submission's callback sees, read under the bounty's row lock. */
struct bounty_state {
	struct bounty b;		/* the locked row */
	bool hunter_known;		/* else t is to be initialised */
	struct thresholdout t;
	uint32_t judged;		/* the hunter's earlier judged submissions */
	uint32_t seq;			/* the hunter's earlier submissions */
	struct bounty_finding *findings;	/* accepted, in order */
	size_t nfindings;
};

struct bounty_node {
	bool repair;
	int64_t finding;		/* submission id of the finding; 0 in
					 * an outcome: the submission itself */
	int64_t target;			/* repair: the version pointed back to */
};

/* An h given as predictions, to store with an accepted finding. */
struct bounty_h_store {
	size_t n;
	const char **ids;
	const char **values;		/* prediction or hypothesis */
	const uint32_t *counts;		/* asr: sub, del, ins, ref_words per row */
};

/* What the callback decided; the store writes it. */
struct bounty_outcome {
	const char *status;		/* accepted, rejected, duplicate, refused */
	const char *reason;
	const char *group_text, *canonical;
	const char *h_kind;
	int64_t h_model_id;		/* 0 when none */
	const char *h_model_stamp;
	size_t support;
	double points;
	int64_t duplicate_of;		/* submission id, 0 when none */
	const char *released;		/* JSON text */
	const char *holdout;		/* JSON text */
	bool judged;			/* counts toward the Bonferroni factor */
	struct thresholdout t;		/* the hunter's state after this */
	/* accepted only */
	const unsigned char *members;
	size_t members_len;
	int64_t pdl_model;
	const struct bounty_h_store *h_rows;	/* NULL unless predictions */
	const struct bounty_node *nodes;	/* appended to the list */
	size_t nnodes;
	bool new_version;		/* record overall as a new version */
	double overall;
	double reported;		/* on the reporting part */
};

/*
 * Submit under the bounty's row lock (see the top of this file).  decide
 * returns 0 with *out filled (its pointers must stay valid until this
 * returns), 1 to give up without writing (the caller has responded, e.g. a
 * conflict it found under the lock), or -1 on an internal error; both roll
 * back.  Returns 0 with *id and *created_at (caller frees) set, 1 when the
 * bounty does not exist, 2 when decide gave up, -1 on errors.
 */
int store_bounty_submit(struct db *db, int64_t bounty_id, int64_t key_id,
			int (*decide)(void *ctx, struct db *db,
				      const struct bounty_state *st,
				      struct bounty_outcome *out),
			void *ctx, int64_t *id, char **created_at);

/*
 * The bounty and its accepted findings as they stand (read under the row
 * lock, which is released again at once); 1 when the bounty does not
 * exist.  bounty_state_release() frees *st.
 */
int store_bounty_state(struct db *db, int64_t bounty_id,
		       struct bounty_state *st);
void bounty_state_release(struct bounty_state *st);

/* A stored submission. */
struct bounty_submission {
	int64_t id, bounty_id, key_id;
	char *hunter;
	int64_t seq;
	char *group_text, *canonical, *h_kind;
	int64_t h_model_id;
	char *status, *reason;
	int64_t support;
	double points;
	int64_t duplicate_of;
	int64_t credited_to;		/* key id of the duplicate's original */
	char *credited_name;
	char *released, *holdout;	/* JSON text; holdout may be NULL */
	char *created_at;
};

void bounty_submission_release(struct bounty_submission *s);

int store_bounty_submission_get(struct db *db, int64_t bounty_id,
				int64_t id, struct bounty_submission *out);
/* Submissions of a bounty, oldest first; key_id > 0 for one hunter's. */
int store_bounty_submission_list(struct db *db, int64_t bounty_id,
				 int64_t key_id,
				 struct bounty_submission **out, size_t *n);

/* ---- leaderboard ---- */

struct bounty_hunter_row {
	int64_t key_id;
	char *name;
	int64_t submissions, accepted, duplicates, credited;
	double points;
};

struct bounty_version_row {
	int64_t version, submission_id;	/* submission 0 for version 0 */
	double overall;			/* on the holdout */
	double reported;		/* on the reporting part (or overall) */
	char *created_at;
};

struct bounty_finding_row {
	int64_t submission_id, key_id, ordinal;
	char *hunter, *canonical, *h_kind, *released, *created_at;
	int64_t support, duplicates;
	double points;
};

struct bounty_board {
	struct bounty_hunter_row *hunters;
	size_t nhunters;
	struct bounty_finding_row *findings;
	size_t nfindings;
	struct bounty_version_row *versions;
	size_t nversions;
	struct bounty_node *nodes;
	size_t nnodes;
};

void bounty_board_release(struct bounty_board *bb);

/* Hunters by points, accepted findings, versions and the list's nodes. */
int store_bounty_board(struct db *db, int64_t bounty_id,
		       struct bounty_board *out);

/* The hunter's state in a bounty: 1 when the hunter has not submitted. */
int store_bounty_hunter(struct db *db, int64_t bounty_id, int64_t key_id,
			struct thresholdout *t, uint32_t *judged);

#endif
