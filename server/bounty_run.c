/*
 * bounty_run.c - a bounty's data, losses, decision list and verdict JSON;
 * see bounty_run.h.
 *
 * The decision list is never stored row by row.  Replaying the accepted
 * (group, h) findings through pdl_update() in their order of acceptance
 * rebuilds the very same list, repairs included, because pdl_update() is
 * a function of the list so far, the group and h's losses; the number of
 * nodes the replay produces is checked against the number recorded.  The
 * cost is one predicate evaluation and one read of h per finding with h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/bounty_run.h"
#include "server/log.h"
#include "cohorts/predicate.h"

static const char *const metric_names[] = {
	[BOUNTY_ERROR_RATE] = "error_rate",
	[BOUNTY_FPR] = "fpr",
	[BOUNTY_FNR] = "fnr",
	[BOUNTY_WER] = "wer",
};

int bounty_metric_parse(const char *name, enum bounty_metric *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(metric_names); i++) {
		if (!strcmp(name, metric_names[i])) {
			*out = (enum bounty_metric)i;
			return 0;
		}
	}
	return -1;
}

const char *bounty_metric_name(enum bounty_metric m)
{
	return (size_t)m < ARRAY_SIZE(metric_names) ? metric_names[m] : "unknown";
}

void bounty_data_init(struct bounty_data *bd)
{
	memset(bd, 0, sizeof(*bd));
	table_init(&bd->t, TASK_CLASSIFICATION);
	bitset_init(&bd->holdout);
	bitset_init(&bd->discovery);
}

void bounty_data_release(struct bounty_data *bd)
{
	table_release(&bd->t);
	bitset_release(&bd->holdout);
	bitset_release(&bd->discovery);
	free(bd->err);
	free(bd->den);
	bounty_data_init(bd);
}

static int metric_check(enum bounty_metric m, enum task task, struct buf *err)
{
	bool ok = m == BOUNTY_WER ? task == TASK_ASR :
		  task == TASK_CLASSIFICATION;

	if (!ok)
		buf_addf(err, "metric \"%s\" does not apply to a %s dataset;"
			 " use error_rate, fpr or fnr for classification and"
			 " wer for asr", bounty_metric_name(m), task_name(task));
	return ok ? 0 : -1;
}

static void compute_losses(struct bounty_data *bd)
{
	const struct table *t = &bd->t;
	size_t n = t->nrows;
	uint32_t pos = (uint32_t)t->positive;

	bd->err = xcalloc(n ? n : 1, sizeof(double));
	if (bd->metric != BOUNTY_ERROR_RATE)
		bd->den = xcalloc(n ? n : 1, sizeof(double));
	for (size_t r = 0; r < n; r++) {
		switch (bd->metric) {
		case BOUNTY_ERROR_RATE:
			bd->err[r] = t->pred[r] != t->label[r];
			break;
		case BOUNTY_FPR:
			bd->den[r] = t->label[r] != pos;
			bd->err[r] = bd->den[r] > 0 && t->pred[r] == pos;
			break;
		case BOUNTY_FNR:
			bd->den[r] = t->label[r] == pos;
			bd->err[r] = bd->den[r] > 0 && t->pred[r] != pos;
			break;
		case BOUNTY_WER:
			bd->den[r] = t->asr[r].ref_words;
			bd->err[r] = (double)t->asr[r].sub + t->asr[r].del +
				     t->asr[r].ins;
			break;
		}
	}
}

int bounty_data_load(struct bounty_data *bd, struct db *db,
		     const struct dataset *d, int64_t model_id,
		     enum bounty_metric metric, const unsigned char *secret,
		     size_t secret_len, double fraction, bool *internal,
		     struct buf *err)
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
	if (metric_check(metric, task, err))
		return -1;
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
	if ((metric == BOUNTY_FPR || metric == BOUNTY_FNR) &&
	    (!table_is_binary(&bd->t) || bd->t.positive < 0)) {
		buf_addf(err, "metric \"%s\" needs binary labels that include"
			 " the positive label \"%s\"", bounty_metric_name(metric),
			 d->positive_label ? d->positive_label : "");
		return -1;
	}
	if (split_init(&bd->split, secret, secret_len, fraction, err)) {
		*internal = true;
		return -1;
	}
	split_table(&bd->split, &bd->t.ids, &bd->holdout);
	bitset_copy(&bd->discovery, &bd->holdout);
	bitset_not(&bd->discovery);
	compute_losses(bd);
	return 0;
}

double bounty_metric_on(const struct bounty_data *bd, const double *err,
			const struct bitset *rows)
{
	double e = 0, dsum = 0;

	for (size_t r = 0; r < bd->t.nrows; r++) {
		if (rows && !bitset_test(rows, r))
			continue;
		e += err[r];
		dsum += bd->den ? bd->den[r] : 1.0;
	}
	return dsum > 0 ? e / dsum : NAN;
}

double bounty_class_loss(const struct bounty_data *bd, size_t r,
			 const char *s, size_t n)
{
	const struct table *t = &bd->t;
	int64_t code = strmap_find(&t->classes, s, n);
	bool positive = code >= 0 && code == t->positive;

	switch (bd->metric) {
	case BOUNTY_ERROR_RATE:
		return code != (int64_t)t->label[r];
	case BOUNTY_FPR:
		return bd->den[r] > 0 && positive;
	case BOUNTY_FNR:
		return bd->den[r] > 0 && !positive;
	case BOUNTY_WER:
		break;
	}
	return NAN;
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
	return bounty_class_loss(bd, r, row->prediction, row->prediction_len);
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

struct pdl *bounty_pdl_rebuild(struct bounty_data *bd, struct db *db,
			       const struct dataset *d,
			       const struct bounty_state *st,
			       int64_t *stale_finding)
{
	struct pdl *l = pdl_new(bd->t.nrows, bd->err, bd->den, &bd->holdout);
	struct bitset g = BITSET_INIT;
	double *h_err = xcalloc(bd->t.nrows ? bd->t.nrows : 1, sizeof(double));
	struct buf err = BUF_INIT;
	bool ok = true;

	*stale_finding = 0;
	for (size_t i = 0; ok && i < st->nfindings; i++) {
		const struct bounty_finding *f = &st->findings[i];
		struct hload h = { bd, &g, h_err, 0, false };

		if (f->pdl_model <= 0)
			continue;
		ok = false;
		if (bounty_group_of(bd, f->canonical, &g))
			break;
		memset(h_err, 0, bd->t.nrows * sizeof(double));
		if (!strcmp(f->h_kind, "predictions")) {
			if (store_bounty_h_rows(db, f->submission_id, hload_row,
						&h))
				break;
			if (h.bad || h.covered != bitset_count(&g)) {
				log_error("finding %lld: stored h covers %zu of"
					  " %zu rows", (long long)f->submission_id,
					  h.covered, bitset_count(&g));
				break;
			}
		} else {
			struct model m = { 0 };
			int rc = store_model_get(db, f->h_model_id, &m);
			bool same = !rc && m.uploaded_at && f->h_model_stamp &&
				    !strcmp(m.uploaded_at, f->h_model_stamp);

			model_release(&m);
			if (rc < 0)
				break;
			if (!same) {
				*stale_finding = f->submission_id;
				break;
			}
			if (bounty_model_losses(bd, db, d, f->h_model_id, &g,
						h_err))
				break;
		}
		if (pdl_update(l, &g, h_err, NULL, &err)) {
			log_error("finding %lld does not replay: %s",
				  (long long)f->submission_id, err.s);
			break;
		}
		if ((int64_t)pdl_models(l) != f->pdl_model) {
			log_error("finding %lld replays as model %u, recorded %lld",
				  (long long)f->submission_id, pdl_models(l),
				  (long long)f->pdl_model);
			break;
		}
		ok = true;
	}
	if (ok && (int64_t)pdl_length(l) != st->b.nodes) {
		log_error("bounty %lld: the replayed list has %zu nodes, %lld"
			  " recorded", (long long)st->b.id, pdl_length(l),
			  (long long)st->b.nodes);
		ok = false;
	}
	bitset_release(&g);
	free(h_err);
	buf_release(&err);
	if (!ok) {
		pdl_free(l);
		return NULL;
	}
	return l;
}

/* ---- holdout members ---- */

struct members_ctx {
	struct bounty_data *bd;
	const struct bitset *group;
	unsigned char *bits;
	size_t i, n;
	bool bad;
};

static int members_row(void *ctx, const struct bounty_row *row)
{
	struct members_ctx *m = ctx;
	int64_t r = strmap_find(&m->bd->t.ids, row->id, row->id_len);

	if (r < 0 || !bitset_test(&m->bd->holdout, (size_t)r))
		return 0;
	if (m->i >= m->n) {
		m->bad = true;
		return 1;
	}
	if (bitset_test(m->group, (size_t)r))
		m->bits[m->i / 8] |= (unsigned char)(1u << (m->i % 8));
	m->i++;
	return 0;
}

int bounty_members(struct bounty_data *bd, struct db *db,
		   const struct dataset *d, const struct bitset *group,
		   unsigned char **out, size_t *len)
{
	struct members_ctx m = { bd, group, NULL, 0, 0, false };

	m.n = bitset_count(&bd->holdout);
	*len = (m.n + 7) / 8;
	m.bits = xcalloc(*len ? *len : 1, 1);
	/* store_bounty_rows delivers rows in ord order. */
	if (store_bounty_rows(db, d, 0, false, members_row, &m) || m.bad ||
	    m.i != m.n) {
		log_error("could not number the holdout of dataset %lld",
			  (long long)d->id);
		free(m.bits);
		*out = NULL;
		return -1;
	}
	*out = m.bits;
	return 0;
}

/* ---- JSON ---- */

void bounty_json_number(cJSON *o, const char *k, double x)
{
	if (isfinite(x))
		cJSON_AddNumberToObject(o, k, x);
	else
		cJSON_AddNullToObject(o, k);
}

double bounty_round3(double x)
{
	if (!isfinite(x))
		return x;
	return round(x * 1000) / 1000;
}

cJSON *bounty_verdict_json(const struct verdict *v, bool exact)
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
	bounty_json_number(o, "weight", v->weight);
	if (exact) {
		bounty_json_number(o, "metric_group", v->metric_group);
		bounty_json_number(o, "metric_rest", v->metric_rest);
	}
	bounty_json_number(o, "gap", v->gap);
	bounty_json_number(o, "gap_low", v->gap_low);
	bounty_json_number(o, "gap_high", v->gap_high);
	if (exact)
		bounty_json_number(o, "gap_se", v->gap_se);
	bounty_json_number(o, "p_value", v->p_value);
	bounty_json_number(o, "p_adjusted", v->p_adjusted);
	cJSON_AddStringToObject(o, "test", verify_method_name(v->gap_method));
	if (v->has_h) {
		if (exact)
			bounty_json_number(o, "metric_h", v->metric_h);
		bounty_json_number(o, "improvement", v->improvement);
		bounty_json_number(o, "improvement_low", v->impr_low);
		bounty_json_number(o, "improvement_high", v->impr_high);
		if (exact)
			bounty_json_number(o, "improvement_se", v->impr_se);
		bounty_json_number(o, "improvement_p_value", v->impr_p_value);
		bounty_json_number(o, "improvement_p_adjusted",
				   v->impr_p_adjusted);
		cJSON_AddStringToObject(o, "improvement_test",
					verify_method_name(v->impr_method));
		bounty_json_number(o, "value", v->value);
	}
	bounty_json_number(o, "overlap", v->overlap);
	return o;
}
