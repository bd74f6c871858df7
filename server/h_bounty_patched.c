/*
 * h_bounty_patched.c - the patched model (base model plus the accepted
 * (g, h) list) as a model of its own (see h_bounties.c for what a hunter
 * sees and the privacy account).
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/h_bounties_internal.h"
#include "server/reqjson.h"
#include "server/log.h"
#include "server/bounty_data.h"
#include "bounty/judge.h"
#include "report/bounty_html.h"
#include "server/store_bounties.h"
#include "server/store_delete.h"
#include "cohorts/predicate.h"
#include "metrics/alignment.h"
#include "metrics/normalize.h"
#include "report/html.h"
#include "report/csv.h"
#include <openssl/rand.h>
#include <openssl/sha.h>

/* ---- the patched model as a model of its own ---- */

/*
 * POST /v1/bounties/{id}/patched-model: the bounty's patched model as it
 * stands, stored as a new model of the dataset so that it is evaluated,
 * compared and reported like any other.  Every example gets the
 * prediction (or hypothesis) of the model that the decision list sends it
 * to (pdl_sources): the base model, an h given as predictions, or an h
 * given as a model.  The predictions go through the upload path (its
 * checks and, for speech, its alignment with the base model's
 * normalisation), all or nothing.
 */
struct patched {
	struct bounty_data *bd;
	uint32_t *src;			/* per row: the answering pdl model */
	uint32_t want;			/* the model being read */
	char **val;			/* per row: prediction or hypothesis */
	bool asr, bad;
};

static int patched_value(struct patched *p, int64_t row, const char *v,
			 size_t n)
{
	if (row < 0 || (size_t)row >= p->bd->t.nrows) {
		p->bad = true;
		return 1;
	}
	if (p->src[row] == p->want && !p->val[row])
		p->val[row] = xstrndup(v ? v : "", v ? n : 0);
	return 0;
}

/* A row of a model's stored predictions, by ord. */
static int patched_model_row(void *ctx, const struct bounty_row *row)
{
	struct patched *p = ctx;

	return patched_value(p, row->ord,
			     p->asr ? row->hypothesis : row->prediction,
			     p->asr ? row->hypothesis_len
				    : row->prediction_len);
}

/* A row of an h stored with its finding, by example id. */
static int patched_h_row(void *ctx, const struct bounty_row *row)
{
	struct patched *p = ctx;

	return patched_value(p, strmap_find(&p->bd->t.ids, row->id,
					    row->id_len),
			     p->asr ? row->hypothesis : row->prediction,
			     p->asr ? row->hypothesis_len
				    : row->prediction_len);
}

/* The patched predictions as NDJSON, in example order. */
static void patched_body(const struct patched *p, struct buf *out)
{
	const struct table *t = &p->bd->t;

	for (size_t row = 0; row < t->nrows; row++) {
		buf_adds(out, "{\"id\":\"");
		buf_add_json_escaped(out, strmap_str(&t->ids, (uint32_t)row),
				     strmap_len(&t->ids, (uint32_t)row));
		buf_adds(out, p->asr ? "\",\"hypothesis\":\""
				     : "\",\"prediction\":\"");
		buf_add_json_escaped(out, p->val[row], strlen(p->val[row]));
		buf_adds(out, "\"}\n");
	}
}

/*
 * The bounty's state, its base model and dataset, when the base model's
 * predictions are still those the bounty opened on: 0, or -1 after a
 * 404/409/500.
 */
static int patch_base_or_respond(struct request *r, struct bounty_state *st,
				 struct model *base, struct dataset *d)
{
	int rc = store_bounty_state(req_db(r), r->ids[0], st);

	if (rc > 0) {
		respond_problem(r, 404, "Not found", "bounty %lld does not exist",
				(long long)r->ids[0]);
		return -1;
	}
	if (rc || store_model_get(req_db(r), st->b.model_id, base) ||
	    dataset_or_respond(r, &st->b, d)) {
		if (!r->responded)
			respond_internal(r);
		return -1;
	}
	if (!base->upload_stamp || strcmp(base->upload_stamp, st->b.model_stamp)) {
		respond_problem(r, 409, "Conflict",
				"the predictions of model %lld changed after"
				" bounty %lld opened; its patched model can no"
				" longer be built", (long long)base->id,
				(long long)st->b.id);
		return -1;
	}
	return 0;
}

/*
 * Every example's answer from the model the list l sends it to: the base
 * model's stored predictions, then each accepted h's (a model's or the
 * predictions given with it).  0, or -1 with nothing sent (a 500 is due).
 */
static int patched_answers(struct request *r, struct patched *p,
			   const struct pdl *l, const struct bounty_state *st,
			   const struct dataset *d, const struct model *base)
{
	size_t nrows = p->bd->t.nrows;

	p->asr = !strcmp(d->task, "asr");
	p->src = xcalloc(nrows, sizeof(*p->src));
	p->val = xcalloc(nrows, sizeof(*p->val));
	pdl_sources(l, p->src);
	p->want = 0;
	if (store_bounty_rows(req_db(r), d, base->id, true, patched_model_row,
			      p))
		return -1;
	for (size_t i = 0; i < st->nfindings; i++) {
		const struct bounty_finding *f = &st->findings[i];

		if (f->pdl_model <= 0)
			continue;
		p->want = (uint32_t)f->pdl_model;
		if (!strcmp(f->h_kind, "model") ?
		    store_bounty_rows(req_db(r), d, f->h_model_id, true,
				      patched_model_row, p) :
		    store_bounty_h_rows(req_db(r), f->submission_id,
					patched_h_row, p))
			return -1;
	}
	for (size_t row = 0; row < nrows && !p->bad; row++)
		p->bad = !p->val[row];
	if (p->bad) {
		log_error("bounty %lld: the patched model misses answers",
			  (long long)st->b.id);
		return -1;
	}
	return 0;
}

/*
 * The answers (body, NDJSON) stored as a new model of dataset d through
 * the upload path, named name and version or after the base model and the
 * list version; the new model answered with 201.  -1 if a 500 is due.
 */
static int patched_store_or_respond(struct request *r, const struct buf *body,
				    bool asr, const char *name,
				    const char *version,
				    const struct bounty_state *st,
				    const struct dataset *d,
				    const struct model *base, size_t version_no)
{
	struct buf nm = BUF_INIT, ver = BUF_INIT, err = BUF_INIT;
	struct model m = { 0 };
	int64_t id;
	cJSON *doc;
	int ret = -1;

	if (name)
		buf_adds(&nm, name);
	else
		buf_addf(&nm, "%s, patched by bounty %lld", base->name,
			 (long long)st->b.id);
	if (version)
		buf_adds(&ver, version);
	else
		buf_addf(&ver, "%s%slist version %zu",
			 base->version ? base->version : "",
			 base->version ? ", " : "", version_no);
	if (store_model_create(req_db(r), d->id, nm.s, ver.s, r->key.id, &m))
		goto out;
	id = m.id;
	if (predictions_store(req_db(r), id, asr ? base->normalize : NULL,
			      INGEST_NDJSON, body->s, body->len, &err)) {
		struct delete_counts n;
		struct delete_blocker why;

		log_error("bounty %lld: storing the patched model: %s",
			  (long long)st->b.id, err.s);
		store_model_delete(req_db(r), id, &n, &why);
		goto out;
	}
	model_release(&m);
	if (store_model_get(req_db(r), id, &m))
		goto out;
	doc = model_json(&m);
	cJSON_AddNumberToObject(doc, "bounty_id", (double)st->b.id);
	cJSON_AddNumberToObject(doc, "list_version", (double)version_no);
	respond_json(r, 201, doc);
	log_info("bounty %lld: patched model stored as model %lld (list"
		 " version %zu)", (long long)st->b.id, (long long)id,
		 version_no);
	ret = 0;
out:
	model_release(&m);
	buf_release(&nm);
	buf_release(&ver);
	buf_release(&err);
	return ret;
}

void h_bounties_patched(struct request *r)
{
	static const char *const fields[] = { "name", "version", NULL };
	const char *name = NULL, *version = NULL;
	struct bounty_state st;
	struct model base = { 0 };
	struct dataset d = { 0 };
	struct patched p;
	struct pdl *l = NULL;
	struct buf err = BUF_INIT, body = BUF_INIT;
	int64_t stale = 0;

	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "name", false,
				   FA_MAX_NAME_BYTES, &name) ||
	    json_string_or_respond(r, r->json, "version", false,
				   FA_MAX_NAME_BYTES, &version) ||
	    patch_base_or_respond(r, &st, &base, &d))
		goto out;
	p.bd = bounty_data_get(req_db(r), &st.b, &d, &err);
	if (!p.bd) {
		respond_internal(r);
		goto out;
	}
	l = bounty_pdl_rebuild(p.bd, req_db(r), &d, &st, &stale);
	if (!l) {
		if (stale)
			respond_problem(r, 409, "Conflict",
					"the model behind accepted finding %lld"
					" has new predictions since it was"
					" accepted, so the patched model cannot"
					" be rebuilt", (long long)stale);
		else
			respond_internal(r);
		goto out;
	}
	if (patched_answers(r, &p, l, &st, &d, &base)) {
		respond_internal(r);
		goto out;
	}
	patched_body(&p, &body);
	if (patched_store_or_respond(r, &body, p.asr, name, version, &st, &d,
				     &base, pdl_length(l)))
		respond_internal(r);
out:
	if (p.val)
		for (size_t row = 0; p.bd && row < p.bd->t.nrows; row++)
			free(p.val[row]);
	free(p.val);
	free(p.src);
	pdl_free(l);
	if (p.bd)
		bounty_data_put(p.bd);
	bounty_state_release(&st);
	model_release(&base);
	dataset_release(&d);
	buf_release(&err);
	buf_release(&body);
}
