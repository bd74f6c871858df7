/*
 * bounty_data.h - what the bounty handlers need from the database: a
 * bounty's data in memory and its cache, the losses of a proposed model h,
 * the pointer decision list rebuilt from the accepted findings, holdout
 * members, and the JSON forms of verdicts.
 *
 * A bounty's data is the dataset joined to the bounty's model, loaded with
 * store_table_load() into a columnar table, split with the bounty's secret
 * (bounty/split.h), and turned into per-row losses for its metric
 * (bounty/losses.h), so that every metric is sum(err) / sum(den) over a
 * set of rows.
 *
 * Ownership: struct bounty_data owns its table, bitsets and arrays;
 * bounty_data_release() frees them.
 *
 * Cache.  Loading a million-row bounty takes a second or two, and every
 * submission needs it, so bounty_data_get() keeps the most recently used
 * bounties' data in memory (FAIRAUDIT_BOUNTY_CACHE of them, default 2; 0
 * turns the cache off), shared read-only between requests and counted by
 * references.  An entry is keyed by everything its content depends on:
 * the bounty (secret, fraction, metric, model), the model's uploaded_at
 * stamp, and the dataset's example and attribute counts (attributes can be
 * appended, never changed).  Concurrent misses on one key load once; the
 * others wait.  The cache holds only what PostgreSQL can give again; all
 * state a verdict depends on is read from the database under the bounty's
 * row lock.
 */
#ifndef FA_BOUNTY_DATA_H
#define FA_BOUNTY_DATA_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"
#include "bounty/split.h"
#include "bounty/verify.h"
#include "bounty/pdl.h"
#include "bounty/losses.h"
#include "bounty/replay.h"
#include "server/store.h"
#include "server/store_bounties.h"
#include <cjson/cJSON.h>
#include <pthread.h>

struct bounty_hcache;

struct bounty_data {
	struct table t;
	/* cache bookkeeping (bounty_data_get) */
	int64_t bounty_id, examples;
	size_t nattrs;
	char *stamp;
	unsigned refs;
	uint64_t used;
	bool loading, failed, cached;
	enum bounty_metric metric;
	struct split split;
	/*
	 * The parts of the split: holdout (verdicts are judged on it),
	 * reporting (published numbers about the patched model only) and
	 * discovery (the hunters' download), disjoint, covering every row.
	 */
	struct bitset holdout, reporting, discovery;
	double *err;		/* the bounty's model, per row */
	double *den;		/* per row, or NULL (error_rate) */
	double load_seconds;
	/*
	 * Derived lazily under lock, for shared data: the losses of each
	 * accepted finding's h on its group (sparse), and each row's rank
	 * among the holdout examples in ord order (UINT32_MAX outside it).
	 */
	pthread_mutex_t lock;
	struct bounty_hcache *hc;
	size_t nhc;
	uint32_t *hold_rank;
};

void bounty_data_init(struct bounty_data *bd);
void bounty_data_release(struct bounty_data *bd);

/*
 * Load dataset d joined to model_id, check that the metric applies (422
 * material: -1 with a sentence in err; *internal set when the failure is
 * the database's, already logged), split it with secret and fraction and
 * compute the losses.  reporting is the share of the holdout kept as the
 * reporting part (split_set_reporting).
 */
int bounty_data_load(struct bounty_data *bd, struct db *db,
		     const struct dataset *d, int64_t model_id,
		     enum bounty_metric metric, const unsigned char *secret,
		     size_t secret_len, double fraction, double reporting,
		     bool *internal, struct buf *err);

/*
 * The data of bounty b (whose dataset is d and whose model's uploaded_at
 * is b->model_stamp), from the cache or loaded now.  The result is shared:
 * the caller must not change it and gives it back with bounty_data_put().
 * NULL on failure, with a sentence in err (logged).
 */
struct bounty_data *bounty_data_get(struct db *db, const struct bounty *b,
				    const struct dataset *d, struct buf *err);
void bounty_data_put(struct bounty_data *bd);

/*
 * Hand data loaded for a new bounty b (heap-allocated, loaded with b's
 * secret, fraction and metric) to the cache, which takes ownership; it is
 * freed at once when the cache is off.
 */
void bounty_data_offer(struct bounty_data *bd, const struct bounty *b,
		       const struct dataset *d);

/*
 * Losses of another model of the same dataset on the rows of group:
 * h_err[r] for every row of group (others untouched).  The model must
 * have predictions for every example.  Returns 0 or -1 (logged).
 */
int bounty_model_losses(struct bounty_data *bd, struct db *db,
			const struct dataset *d, int64_t model_id,
			const struct bitset *group, double *h_err);

/*
 * Rebuild the decision list from the accepted findings of st (those with
 * h), in order, on bd's holdout.  Each finding's group is its canonical
 * predicate compiled against bd's table; its h comes from the stored
 * predictions or from the referenced model (whose uploaded_at must still
 * be the recorded stamp; *stale_finding names the finding, and NULL is
 * returned, when it is not).  Each h's losses on its group are kept in
 * bd's derived caches after the first read.  Returns the list, or NULL on
 * errors (logged).
 */
struct pdl *bounty_pdl_rebuild(struct bounty_data *bd, struct db *db,
			       const struct dataset *d,
			       const struct bounty_state *st,
			       int64_t *stale_finding);

/* st's accepted findings as bounty/replay.h names them (caller frees). */
struct replay_finding *bounty_replay_findings(const struct bounty_state *st);

/*
 * Set out to the rows of bd's table in the group named by a stored
 * canonical predicate.  Returns 0, or -1 (logged) when it no longer
 * compiles against the table.
 */
int bounty_group_of(struct bounty_data *bd, const char *canonical,
		    struct bitset *out);

/*
 * The holdout members of a group as stored: a bitset over the holdout
 * examples taken in ord order, bit i in byte i / 8, least significant bit
 * first.  *out (caller frees) gets ceil(holdout rows / 8) bytes.  The
 * ranks are read once (store_bounty_rows) and kept in bd.
 */
int bounty_members(struct bounty_data *bd, struct db *db,
		   const struct dataset *d, const struct bitset *group,
		   unsigned char **out, size_t *len);

/*
 * The verdict as JSON.  With exact true, every field of v (for the audit
 * log: administrators and analysts).  With exact false, only what a hunter
 * may see of a released verdict (verify_release): the gap, the improvement
 * and, for metrics whose denominator depends on labels, the weight, as the
 * reusable holdout answered them; weight x improvement; and label-free
 * counts (support, rest, overlap).  Never the holdout metric of the group
 * or of the rest, nor any interval, standard error or p-value: those are
 * computed from holdout standard errors (a Newcombe interval's width alone
 * gives the group's exact holdout error rate), which the reusable holdout
 * does not protect.  significance_level is the Bonferroni-adjusted level
 * the tests were held to.
 */
cJSON *bounty_verdict_json(const struct verdict *v, bool exact,
			   const struct verify_rules *rules);

/* x rounded to 3 decimals, the precision the public overall metric has. */
double bounty_round3(double x);

#endif
