/*
 * bounty_data.c - a bounty's data in memory and its cache, the losses of
 * an h read from the database, the decision list rebuilt from the log,
 * holdout members and verdict JSON; see bounty_data.h.
 *
 * The decision list is replayed by bounty/replay.c; this file gives the
 * replay each finding's group (its canonical predicate compiled against
 * the table) and h (read once from the database, then kept in bd), at the
 * cost of one predicate evaluation and one read of h per finding with h.
 */
#include "bounty/replay.h"
#include "common/fa.h"
#include "common/util.h"
#include "server/bounty_data.h"
#include "evaluate/evaluation.h"
#include "server/log.h"
#include "cohorts/predicate.h"
#include <pthread.h>

/* The losses of one finding's h on its group's rows. */
struct bounty_hcache {
	int64_t finding;
	char *stamp;		/* h given as a model: its upload_stamp */
	size_t n;
	uint32_t *rows;
	double *loss;
};

void bounty_data_init(struct bounty_data *bd)
{
	memset(bd, 0, sizeof(*bd));
	table_init(&bd->t, TASK_CLASSIFICATION);
	bitset_init(&bd->holdout);
	bitset_init(&bd->reporting);
	bitset_init(&bd->discovery);
	pthread_mutex_init(&bd->lock, NULL);
}

void bounty_data_release(struct bounty_data *bd)
{
	table_release(&bd->t);
	bitset_release(&bd->holdout);
	bitset_release(&bd->reporting);
	bitset_release(&bd->discovery);
	free(bd->err);
	free(bd->den);
	free(bd->stamp);
	for (size_t i = 0; i < bd->nhc; i++) {
		free(bd->hc[i].stamp);
		free(bd->hc[i].rows);
		free(bd->hc[i].loss);
	}
	free(bd->hc);
	free(bd->hold_rank);
	pthread_mutex_destroy(&bd->lock);
	bounty_data_init(bd);
}

int bounty_data_load(struct bounty_data *bd, struct db *db,
		     const struct dataset *d, int64_t model_id,
		     enum bounty_metric metric, const unsigned char *secret,
		     size_t secret_len, double fraction, double reporting,
		     bool *internal, struct buf *err)
{
	enum task task;
	double t0 = now_seconds();

	*internal = false;
	if (task_parse(d->task, &task)) {
		buf_addf(err, "dataset %lld has an unknown task \"%s\"",
			 (long long)d->id, d->task);
		*internal = true;
		return -1;
	}
	bd->metric = metric;
	table_release(&bd->t);
	table_init(&bd->t, task);
	if (store_table_load(db, d, model_id, &bd->t)) {
		*internal = true;
		buf_addf(err, "could not load dataset %lld with model %lld",
			 (long long)d->id, (long long)model_id);
		return -1;
	}
	bd->load_seconds = now_seconds() - t0;
	if (bounty_metric_check(metric, &bd->t, d->positive_label, err))
		return -1;
	if (split_init(&bd->split, secret, secret_len, fraction, err) ||
	    split_set_reporting(&bd->split, reporting, err)) {
		*internal = true;
		return -1;
	}
	split_parts(&bd->split, &bd->t.ids, &bd->holdout, &bd->reporting);
	bitset_copy(&bd->discovery, &bd->holdout);
	bitset_or(&bd->discovery, &bd->reporting);
	bitset_not(&bd->discovery);
	bounty_losses(&bd->t, metric, &bd->err, &bd->den);
	return 0;
}

/* ---- the cache ---- */

#define CACHE_MAX 64

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_loaded = PTHREAD_COND_INITIALIZER;
static struct bounty_data *cache[CACHE_MAX];
static size_t ncache;
static uint64_t cache_tick;

static size_t cache_size(void)
{
	static int size = -1;
	const char *v;
	int64_t n;

	if (size >= 0)
		return (size_t)size;
	v = getenv("FAIRAUDIT_BOUNTY_CACHE");
	if (v && *v && !parse_i64(v, strlen(v), &n) && n >= 0)
		size = n < CACHE_MAX ? (int)n : CACHE_MAX;
	else
		size = 2;
	return (size_t)size;
}

static void data_free(struct bounty_data *bd)
{
	bounty_data_release(bd);
	free(bd);
}

/* Drop entry i from the cache (under the lock); freed when unused. */
static struct bounty_data *cache_drop(size_t i)
{
	struct bounty_data *bd = cache[i];

	cache[i] = cache[--ncache];
	bd->cached = false;
	return bd->refs ? NULL : bd;
}

/* The least recently used entry not being loaded, or ncache. */
static size_t cache_lru(void)
{
	size_t lru = ncache;

	for (size_t i = 0; i < ncache; i++)
		if (!cache[i]->loading &&
		    (lru == ncache || cache[i]->used < cache[lru]->used))
			lru = i;
	return lru;
}

static bool same_key(const struct bounty_data *bd, const struct bounty *b,
		     const struct dataset *d)
{
	return bd->bounty_id == b->id && bd->examples == d->example_count &&
	       bd->nattrs == d->nattrs && !strcmp(bd->stamp, b->model_stamp);
}

struct bounty_data *bounty_data_get(struct db *db, const struct bounty *b,
				    const struct dataset *d, struct buf *err)
{
	struct bounty_data *bd = NULL, *gone[CACHE_MAX + 1];
	size_t ngone = 0;
	enum bounty_metric metric;
	bool internal;

	if (bounty_metric_parse(b->metric, &metric)) {
		buf_addf(err, "bounty %lld has an unknown metric \"%s\"",
			 (long long)b->id, b->metric);
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	for (;;) {
		size_t i;

		for (i = 0; i < ncache; i++)
			if (same_key(cache[i], b, d))
				break;
		if (i == ncache)
			break;
		if (cache[i]->loading) {
			pthread_cond_wait(&cache_loaded, &cache_lock);
			continue;
		}
		bd = cache[i];
		bd->refs++;
		bd->used = ++cache_tick;
		pthread_mutex_unlock(&cache_lock);
		return bd;
	}
	/* A miss: older data of this bounty is stale, then make room. */
	bd = xcalloc(1, sizeof(*bd));
	bounty_data_init(bd);
	bd->bounty_id = b->id;
	bd->examples = d->example_count;
	bd->nattrs = d->nattrs;
	bd->stamp = xstrdup(b->model_stamp);
	bd->refs = 1;
	bd->loading = true;
	for (size_t i = 0; i < ncache;) {
		if (cache[i]->bounty_id == b->id && !cache[i]->loading) {
			struct bounty_data *x = cache_drop(i);

			if (x)
				gone[ngone++] = x;
		} else {
			i++;
		}
	}
	while (cache_size() && ncache >= cache_size()) {
		size_t lru = cache_lru();

		if (lru == ncache)
			break;	/* all loading: go over the size for now */
		{
			struct bounty_data *x = cache_drop(lru);

			if (x)
				gone[ngone++] = x;
		}
	}
	if (cache_size() && ncache < CACHE_MAX) {
		bd->cached = true;
		cache[ncache++] = bd;
	}
	pthread_mutex_unlock(&cache_lock);
	for (size_t i = 0; i < ngone; i++)
		data_free(gone[i]);

	if (bounty_data_load(bd, db, d, b->model_id, metric, b->secret,
			     b->secret_len, b->holdout_fraction, b->reporting_share,
			     &internal, err)) {
		log_error("bounty %lld: %s", (long long)b->id, err->s);
		bd->failed = true;
	}
	pthread_mutex_lock(&cache_lock);
	bd->loading = false;
	bd->used = ++cache_tick;
	if (bd->failed && bd->cached) {
		for (size_t i = 0; i < ncache; i++)
			if (cache[i] == bd) {
				cache_drop(i);
				break;
			}
	}
	pthread_cond_broadcast(&cache_loaded);
	pthread_mutex_unlock(&cache_lock);
	if (bd->failed) {
		bounty_data_put(bd);
		return NULL;
	}
	return bd;
}

void bounty_data_offer(struct bounty_data *bd, const struct bounty *b,
		       const struct dataset *d)
{
	struct bounty_data *gone = NULL;

	bd->bounty_id = b->id;
	bd->examples = d->example_count;
	bd->nattrs = d->nattrs;
	free(bd->stamp);
	bd->stamp = xstrdup(b->model_stamp);
	bd->refs = 0;
	bd->loading = false;
	bd->used = 0;
	pthread_mutex_lock(&cache_lock);
	if (cache_size() && ncache >= cache_size()) {
		size_t lru = cache_lru();

		if (lru < ncache)
			gone = cache_drop(lru);
	}
	if (cache_size() && ncache < cache_size()) {
		bd->cached = true;
		bd->used = ++cache_tick;
		cache[ncache++] = bd;
		bd = NULL;
	}
	pthread_mutex_unlock(&cache_lock);
	if (gone)
		data_free(gone);
	if (bd)
		data_free(bd);
}

void bounty_data_put(struct bounty_data *bd)
{
	bool free_it;

	if (!bd)
		return;
	pthread_mutex_lock(&cache_lock);
	free_it = --bd->refs == 0 && !bd->cached;
	pthread_mutex_unlock(&cache_lock);
	if (free_it)
		data_free(bd);
}

/* ---- losses of h ---- */

struct hload {
	struct bounty_data *bd;
	const struct bitset *group;
	double *h_err;
	size_t covered;
	bool bad;
};

static double row_loss(struct bounty_data *bd, size_t r,
		       const struct bounty_row *row)
{
	if (bd->t.task == TASK_ASR)
		return (double)row->sub + row->del + row->ins;
	if (!row->prediction)
		return NAN;
	return bounty_class_loss(&bd->t, bd->metric, bd->den, r,
				 row->prediction, row->prediction_len);
}

static int hload_row(void *ctx, const struct bounty_row *row)
{
	struct hload *h = ctx;
	int64_t r = strmap_find(&h->bd->t.ids, row->id, row->id_len);

	if (r < 0 || !bitset_test(h->group, (size_t)r))
		return 0;
	h->h_err[r] = row_loss(h->bd, (size_t)r, row);
	if (!isfinite(h->h_err[r]))
		h->bad = true;
	h->covered++;
	return 0;
}

int bounty_model_losses(struct bounty_data *bd, struct db *db,
			const struct dataset *d, int64_t model_id,
			const struct bitset *group, double *h_err)
{
	struct hload h = { bd, group, h_err, 0, false };

	if (store_bounty_rows(db, d, model_id, false, hload_row, &h))
		return -1;
	if (h.bad || h.covered != bitset_count(group)) {
		log_error("model %lld covers %zu of the %zu rows of a group",
			  (long long)model_id, h.covered, bitset_count(group));
		return -1;
	}
	return 0;
}

int bounty_group_of(struct bounty_data *bd, const char *canonical,
		    struct bitset *out)
{
	struct predicate *p = NULL;
	struct buf err = BUF_INIT;
	int ret = -1;

	if (predicate_compile(canonical, strlen(canonical), &bd->t, &p, &err) ||
	    predicate_eval(p, &bd->t, out, &err))
		log_error("stored group \"%s\" no longer compiles: %s",
			  canonical, err.s);
	else
		ret = 0;
	predicate_free(p);
	buf_release(&err);
	return ret;
}

/* h of a finding from the cache into h_err; false when not there. */
static bool hcache_get(struct bounty_data *bd, int64_t finding,
		       const char *stamp, double *h_err)
{
	bool hit = false;

	pthread_mutex_lock(&bd->lock);
	for (size_t i = 0; i < bd->nhc; i++) {
		struct bounty_hcache *c = &bd->hc[i];

		if (c->finding != finding)
			continue;
		if ((!c->stamp && !stamp) ||
		    (c->stamp && stamp && !strcmp(c->stamp, stamp))) {
			for (size_t k = 0; k < c->n; k++)
				h_err[c->rows[k]] = c->loss[k];
			hit = true;
		}
		break;
	}
	pthread_mutex_unlock(&bd->lock);
	return hit;
}

static void hcache_put(struct bounty_data *bd, int64_t finding,
		       const char *stamp, const struct bitset *g,
		       const double *h_err)
{
	struct bounty_hcache c;
	size_t k = 0;

	c.finding = finding;
	c.stamp = stamp ? xstrdup(stamp) : NULL;
	c.n = bitset_count(g);
	c.rows = xcalloc(c.n, sizeof(*c.rows));
	c.loss = xcalloc(c.n, sizeof(*c.loss));
	bitset_foreach(g, r) {
		c.rows[k] = (uint32_t)r;
		c.loss[k++] = h_err[r];
	}
	pthread_mutex_lock(&bd->lock);
	for (size_t i = 0; i < bd->nhc; i++) {
		if (bd->hc[i].finding == finding) {
			/* replaced: another stamp, or a concurrent load */
			free(bd->hc[i].stamp);
			free(bd->hc[i].rows);
			free(bd->hc[i].loss);
			bd->hc[i] = c;
			pthread_mutex_unlock(&bd->lock);
			return;
		}
	}
	bd->hc = xrealloc(bd->hc, (bd->nhc + 1) * sizeof(*bd->hc));
	bd->hc[bd->nhc++] = c;
	pthread_mutex_unlock(&bd->lock);
}

/* h of one finding into h_err (rows of g); see bounty_pdl_rebuild. */
static int finding_h(struct bounty_data *bd, struct db *db,
		     const struct dataset *d, const struct bounty_finding *f,
		     const struct bitset *g, double *h_err,
		     int64_t *stale_finding)
{
	struct hload h = { bd, g, h_err, 0, false };
	char *stamp = NULL;

	if (strcmp(f->h_kind, "predictions")) {
		struct model m = { 0 };
		int rc = store_model_get(db, f->h_model_id, &m);
		bool same = !rc && m.upload_stamp && f->h_model_stamp &&
			    !strcmp(m.upload_stamp, f->h_model_stamp);

		model_release(&m);
		if (rc < 0)
			return -1;
		if (!same) {
			*stale_finding = f->submission_id;
			return -1;
		}
		stamp = f->h_model_stamp;
	}
	if (hcache_get(bd, f->submission_id, stamp, h_err))
		return 0;
	if (!stamp) {
		if (store_bounty_h_rows(db, f->submission_id, hload_row, &h))
			return -1;
		if (h.bad || h.covered != bitset_count(g)) {
			log_error("finding %lld: stored h covers %zu of %zu rows",
				  (long long)f->submission_id, h.covered,
				  bitset_count(g));
			return -1;
		}
	} else if (bounty_model_losses(bd, db, d, f->h_model_id, g, h_err)) {
		return -1;
	}
	hcache_put(bd, f->submission_id, stamp, g, h_err);
	return 0;
}

struct rebuild {
	struct bounty_data *bd;
	struct db *db;
	const struct dataset *d;
	const struct bounty_state *st;
	int64_t *stale_finding;
};

static int rebuild_step(void *ctx, size_t i, struct bitset *g, double *h_err)
{
	struct rebuild *rb = ctx;
	const struct bounty_finding *f = &rb->st->findings[i];

	if (bounty_group_of(rb->bd, f->canonical, g))
		return -1;
	return finding_h(rb->bd, rb->db, rb->d, f, g, h_err, rb->stale_finding);
}

struct pdl *bounty_pdl_rebuild(struct bounty_data *bd, struct db *db,
			       const struct dataset *d,
			       const struct bounty_state *st,
			       int64_t *stale_finding)
{
	struct pdl *l = pdl_new(bd->t.nrows, bd->err, bd->den, &bd->holdout);
	struct replay_finding *f = bounty_replay_findings(st);
	struct rebuild rb = { bd, db, d, st, stale_finding };
	struct buf err = BUF_INIT;
	int rc;

	*stale_finding = 0;
	rc = bounty_replay(l, f, st->nfindings, (size_t)st->b.nodes,
			   rebuild_step, &rb, &err);
	if (rc == REPLAY_MISMATCH)
		log_error("bounty %lld: %s", (long long)st->b.id, err.s);
	free(f);
	buf_release(&err);
	if (rc) {
		pdl_free(l);
		return NULL;
	}
	return l;
}

struct replay_finding *bounty_replay_findings(const struct bounty_state *st)
{
	struct replay_finding *f = xcalloc(st->nfindings, sizeof(*f));

	for (size_t i = 0; i < st->nfindings; i++) {
		f[i].id = st->findings[i].submission_id;
		f[i].model = st->findings[i].pdl_model;
	}
	return f;
}

/* ---- holdout members ---- */

struct rank_ctx {
	struct bounty_data *bd;
	uint32_t *rank;
	uint32_t next, n;
	bool bad;
};

static int rank_row(void *ctx, const struct bounty_row *row)
{
	struct rank_ctx *c = ctx;
	int64_t r = strmap_find(&c->bd->t.ids, row->id, row->id_len);

	if (r < 0 || !bitset_test(&c->bd->holdout, (size_t)r))
		return 0;
	if (c->next >= c->n) {
		c->bad = true;
		return 1;
	}
	c->rank[r] = c->next++;
	return 0;
}

int bounty_members(struct bounty_data *bd, struct db *db,
		   const struct dataset *d, const struct bitset *group,
		   unsigned char **out, size_t *len)
{
	size_t n = bitset_count(&bd->holdout);
	int ret = 0;

	*out = NULL;
	*len = (n + 7) / 8;
	pthread_mutex_lock(&bd->lock);
	if (!bd->hold_rank) {
		struct rank_ctx c = { bd, NULL, 0, (uint32_t)n, false };

		c.rank = xmalloc((bd->t.nrows ? bd->t.nrows : 1) *
				 sizeof(*c.rank));
		for (size_t r = 0; r < bd->t.nrows; r++)
			c.rank[r] = UINT32_MAX;
		/* store_bounty_rows delivers rows in ord order. */
		if (store_bounty_rows(db, d, 0, false, rank_row, &c) || c.bad ||
		    c.next != n) {
			log_error("could not number the holdout of dataset %lld",
				  (long long)d->id);
			free(c.rank);
			ret = -1;
		} else {
			bd->hold_rank = c.rank;
		}
	}
	pthread_mutex_unlock(&bd->lock);
	if (ret)
		return -1;
	*out = xcalloc(*len, 1);
	bitset_foreach(group, r) {
		uint32_t k = bd->hold_rank[r];

		if (k != UINT32_MAX)
			(*out)[k / 8] |= (unsigned char)(1u << (k % 8));
	}
	return 0;
}

/* ---- JSON ---- */

double bounty_round3(double x)
{
	if (!isfinite(x))
		return x;
	return round(x * 1000) / 1000;
}


cJSON *bounty_verdict_json(const struct verdict *v, bool exact,
			   const struct verify_rules *rules)
{
	cJSON *o = cJSON_CreateObject();

	if (exact) {
		cJSON_AddStringToObject(o, "status", verify_status_name(v->status));
		cJSON_AddStringToObject(o, "reason", v->reason);
	}
	if (v->too_small)
		cJSON_AddNullToObject(o, "support");
	else
		cJSON_AddNumberToObject(o, "support", (double)v->support);
	if (v->too_small)
		cJSON_AddNullToObject(o, "rest");
	else
		cJSON_AddNumberToObject(o, "rest", (double)v->rest);
	eval_json_number(o, "weight", v->weight);
	if (exact) {
		eval_json_number(o, "metric_group", v->metric_group);
		eval_json_number(o, "metric_rest", v->metric_rest);
	}
	eval_json_number(o, "gap", v->gap);
	if (exact) {
		eval_json_number(o, "gap_low", v->gap_low);
		eval_json_number(o, "gap_high", v->gap_high);
		eval_json_number(o, "gap_se", v->gap_se);
		eval_json_number(o, "p_value", v->p_value);
		eval_json_number(o, "p_adjusted", v->p_adjusted);
	}
	cJSON_AddStringToObject(o, "test", verify_method_name(v->gap_method));
	if (v->has_h) {
		eval_json_number(o, "improvement", v->improvement);
		if (exact) {
			eval_json_number(o, "metric_h", v->metric_h);
			eval_json_number(o, "improvement_low", v->impr_low);
			eval_json_number(o, "improvement_high", v->impr_high);
			eval_json_number(o, "improvement_se", v->impr_se);
			eval_json_number(o, "improvement_p_value",
					   v->impr_p_value);
			eval_json_number(o, "improvement_p_adjusted",
					   v->impr_p_adjusted);
		}
		cJSON_AddStringToObject(o, "improvement_test",
					verify_method_name(v->impr_method));
		eval_json_number(o, "value", v->value);
	}
	eval_json_number(o, "overlap", v->too_small ? NAN : v->overlap);
	if (rules)
		cJSON_AddNumberToObject(o, "significance_level",
					verify_adjusted_level(rules));
	return o;
}

