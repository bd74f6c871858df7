/*
 * store_bounties.c - bias-bounty programs in PostgreSQL; see
 * store_bounties.h and migrations/0002_bounties.sql.
 *
 * Every query is parameterised.  The bulk reads use COPY (SELECT ...) TO
 * STDOUT, which takes no parameters, so they only ever contain the dataset
 * and model ids, integers formatted here.  Bulk writes of an accepted h
 * (one row per example of its group) go through INSERT ... SELECT FROM
 * unnest() over array parameters, in batches, so that no text from a
 * request is ever spliced into SQL.
 *
 * A submission is one transaction (store_bounty_submit): lock the bounty
 * row, read the hunter's state and the accepted findings, call the
 * caller's decision, write everything it decided, commit.  Any failure
 * rolls the whole submission back.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/store_bounties.h"
#include "server/store_bounties_internal.h"
#include "server/pgcopy.h"

void bounty_release(struct bounty *b)
{
	free(b->metric);
	free(b->model_stamp);
	free(b->opens_at);
	free(b->closes_at);
	free(b->status);
	free(b->phase);
	free(b->created_at);
	memset(b, 0, sizeof(*b));
}

/* The secret from encode(..., 'hex'), at most BOUNTY_SECRET_BYTES. */
static void secret_from_hex(struct bounty *b, const char *hex)
{
	b->secret_len = 0;
	for (size_t k = 0; hex[2 * k] && hex[2 * k + 1] &&
	     k < BOUNTY_SECRET_BYTES; k++) {
		int hi = hex_value(hex[2 * k]), lo = hex_value(hex[2 * k + 1]);

		if (hi < 0 || lo < 0)
			break;
		b->secret[k] = (unsigned char)(hi << 4 | lo);
		b->secret_len = k + 1;
	}
}

void bounty_from_row(const PGresult *r, int i, struct bounty *b)
{
	const char *hex;

	memset(b, 0, sizeof(*b));
	b->id = db_i64(r, i, 0);
	b->model_id = db_i64(r, i, 1);
	b->dataset_id = db_i64(r, i, 2);
	b->metric = db_strdup(r, i, 3);
	b->holdout_fraction = db_double(r, i, 4);
	b->min_support = db_i64(r, i, 5);
	b->min_gap = db_double(r, i, 6);
	b->alpha = db_double(r, i, 7);
	b->significance = db_double(r, i, 8);
	b->budget = db_i64(r, i, 9);
	b->threshold = db_double(r, i, 10);
	b->sigma = db_double(r, i, 11);
	hex = PQgetvalue(r, i, 12);
	secret_from_hex(b, hex);
	b->model_stamp = db_strdup(r, i, 13);
	b->discovery_rows = db_i64(r, i, 14);
	b->holdout_rows = db_i64(r, i, 15);
	b->opens_at = db_strdup(r, i, 16);
	b->closes_at = db_strdup(r, i, 17);
	b->status = db_strdup(r, i, 18);
	b->phase = db_strdup(r, i, 19);
	b->nodes = db_i64(r, i, 20);
	b->created_by = db_i64(r, i, 21);
	b->created_at = db_strdup(r, i, 22);
	b->submissions = db_i64(r, i, 23);
	b->accepted = db_i64(r, i, 24);
	b->overall = db_double(r, i, 25);
	b->version = db_i64(r, i, 26);
	b->epsilon = db_double(r, i, 27);
	b->total_budget = db_i64(r, i, 28);
	b->total_used = db_i64(r, i, 29);
	b->reporting_share = db_double(r, i, 30);
	b->reporting_rows = db_i64(r, i, 31);
	b->reported = db_double(r, i, 32);
}

int store_dataset_split(struct db *db, int64_t dataset_id,
			const unsigned char *fresh_secret, size_t len,
			double fraction, double reporting, struct bounty *out)
{
	char ds[24], hf[32], rs[32], secret[2 * BOUNTY_SECRET_BYTES + 3];
	const char *params[4] = { ds, secret, hf, rs };
	PGresult *r;
	int ret = 1;

	db_fmt_i64(ds, sizeof(ds), dataset_id);
	db_fmt_double(hf, sizeof(hf), fraction);
	db_fmt_double(rs, sizeof(rs), reporting);
	secret[0] = '\\';
	secret[1] = 'x';
	secret[2] = '\0';
	for (size_t k = 0; k < len && k < BOUNTY_SECRET_BYTES; k++)
		snprintf(secret + 2 + 2 * k, 3, "%02x", fresh_secret[k]);
	/* One statement: the row lock makes the first bounty's split stick. */
	r = db_exec(db, "dataset split", PGRES_TUPLES_OK,
		    "UPDATE datasets SET"
		    " split_reporting = CASE WHEN split_secret IS NULL"
		    " THEN $4::float8 ELSE split_reporting END,"
		    " split_secret = COALESCE(split_secret, $2::bytea),"
		    " split_fraction = COALESCE(split_fraction, $3::float8)"
		    " WHERE id = $1"
		    " RETURNING encode(split_secret, 'hex'), split_fraction,"
		    " COALESCE(split_reporting, 0)",
		    4, params);
	explicit_bzero(secret, sizeof(secret));
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		secret_from_hex(out, PQgetvalue(r, 0, 0));
		out->holdout_fraction = db_double(r, 0, 1);
		out->reporting_share = db_double(r, 0, 2);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_bounty_create(struct db *db, const struct bounty *in,
			double overall, double reported, struct bounty *out)
{
	char model[24], ds[24], hf[32], ms[24], mg[32], al[32], sig[32];
	char bud[24], thr[32], sg[32], drows[24], hrows[24], by[24], ov[32];
	char eps[32], tot[24], rsh[32], rrows[24], rep[32];
	char secret[2 * BOUNTY_SECRET_BYTES + 3];
	const char *params[22] = {
		model, ds, in->metric, hf, ms, mg, al, sig, bud, thr, sg, secret,
		in->model_stamp, drows, hrows, in->opens_at, in->closes_at,
		in->created_by > 0 ? by : NULL, eps,
		in->total_budget > 0 ? tot : NULL, rsh, rrows,
	};
	const char *check[2] = { in->opens_at, in->closes_at };
	const char *vparams[3];
	char id[24];
	PGresult *r;
	bool ok;

	db_fmt_i64(model, sizeof(model), in->model_id);
	db_fmt_i64(ds, sizeof(ds), in->dataset_id);
	db_fmt_double(hf, sizeof(hf), in->holdout_fraction);
	db_fmt_i64(ms, sizeof(ms), in->min_support);
	db_fmt_double(mg, sizeof(mg), in->min_gap);
	db_fmt_double(al, sizeof(al), in->alpha);
	db_fmt_double(sig, sizeof(sig), in->significance);
	db_fmt_i64(bud, sizeof(bud), in->budget);
	db_fmt_double(thr, sizeof(thr), in->threshold);
	db_fmt_double(sg, sizeof(sg), in->sigma);
	db_fmt_i64(drows, sizeof(drows), in->discovery_rows);
	db_fmt_i64(hrows, sizeof(hrows), in->holdout_rows);
	db_fmt_i64(by, sizeof(by), in->created_by);
	db_fmt_double(eps, sizeof(eps), in->epsilon);
	db_fmt_i64(tot, sizeof(tot), in->total_budget);
	db_fmt_double(rsh, sizeof(rsh), in->reporting_share);
	db_fmt_i64(rrows, sizeof(rrows), in->reporting_rows);
	secret[0] = '\\';
	secret[1] = 'x';
	for (size_t k = 0; k < in->secret_len && k < BOUNTY_SECRET_BYTES; k++)
		snprintf(secret + 2 + 2 * k, 3, "%02x", in->secret[k]);

	r = db_exec(db, "check bounty times", PGRES_TUPLES_OK,
		    "SELECT COALESCE($2::timestamptz, 'infinity') >"
		    " COALESCE($1::timestamptz, now())", 2, check);
	if (!r)
		return -1;
	ok = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!ok)
		return 2;

	if (db_cmd(db, "begin bounty", "BEGIN", 0, NULL))
		return -1;
	r = db_exec(db, "create bounty", PGRES_TUPLES_OK,
		    "INSERT INTO bounties (model_id, dataset_id, metric,"
		    " holdout_fraction, min_support, min_gap, alpha, significance,"
		    " budget, threshold, sigma, secret, model_stamp,"
		    " discovery_rows, holdout_rows, opens_at, closes_at,"
		    " created_by, epsilon, total_budget, reporting_share,"
		    " reporting_rows)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		    " $12::bytea, $13, $14, $15,"
		    " COALESCE($16::timestamptz, now()), $17::timestamptz, $18,"
		    " $19, $20, $21, $22)"
		    " RETURNING id", 22, params);
	if (!r)
		return db_rollback(db);
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	db_fmt_double(ov, sizeof(ov), overall);
	db_fmt_double(rep, sizeof(rep), reported);
	vparams[0] = id;
	vparams[1] = isfinite(overall) ? ov : NULL;
	vparams[2] = isfinite(reported) ? rep : NULL;
	if (db_cmd(db, "bounty version 0",
		   "INSERT INTO bounty_versions (bounty_id, version, overall,"
		   " reported) VALUES ($1, 0, $2, $3)", 3, vparams))
		return db_rollback(db);
	if (db_cmd(db, "commit bounty", "COMMIT", 0, NULL))
		return db_rollback(db);
	return store_bounty_get(db, strtoll(id, NULL, 10), out) ? -1 : 0;
}

int store_bounty_get(struct db *db, int64_t id, struct bounty *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	db_fmt_i64(ids, sizeof(ids), id);
	r = db_exec(db, "get bounty", PGRES_TUPLES_OK,
		    "SELECT " BOUNTY_COLS " WHERE b.id = $1", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		bounty_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_bounty_list(struct db *db, struct bounty **out, size_t *n)
{
	PGresult *r = db_exec(db, "list bounties", PGRES_TUPLES_OK,
			      "SELECT " BOUNTY_COLS " ORDER BY b.id DESC", 0, NULL);

	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		bounty_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}

int store_bounty_close(struct db *db, int64_t id)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret;

	db_fmt_i64(ids, sizeof(ids), id);
	r = db_exec(db, "close bounty", PGRES_TUPLES_OK,
		    "UPDATE bounties SET status = 'closed',"
		    " closes_at = CASE WHEN closes_at IS NULL OR closes_at > now()"
		    " THEN GREATEST(now(), opens_at + interval '1 microsecond')"
		    " ELSE closes_at END"
		    " WHERE id = $1 RETURNING id", 1, params);
	if (!r)
		return -1;
	ret = PQntuples(r) == 1 ? 0 : 1;
	PQclear(r);
	return ret;
}

/* ---- bulk reads ---- */

int store_bounty_dicts(struct db *db, const struct dataset *d,
		       struct strmap *dicts)
{
	struct strmap **p = xcalloc(d->nattrs, sizeof(*p));
	int rc;

	for (size_t a = 0; a < d->nattrs; a++)
		p[a] = &dicts[a];
	rc = db_load_dicts(db, d->id, p, d->nattrs);
	free(p);
	return rc;
}


static uint32_t u32_field(const char *s, size_t n, bool null)
{
	int64_t v = 0;

	if (null || parse_i64(s, n, &v) || v < 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

struct rows_ctx {
	size_t nattrs;
	uint32_t *codes;
	bool with_model;
	int (*fn)(void *ctx, const struct bounty_row *row);
	void *ctx;
	bool stopped;
};

static int rows_line(void *vctx, char *line, size_t n)
{
	enum { F_ORD, F_ID, F_LABEL, F_REF, F_SPEAKER, F_ATTRS, F_PRED, F_HYP,
	       F_SUB, F_DEL, F_INS, F_REFW, NF };
	struct rows_ctx *c = vctx;
	struct bounty_row row;
	char *f[NF];
	size_t len[NF], want = c->with_model ? NF : F_PRED, a = 0;
	bool null[NF];
	const char *p, *end;
	int64_t ord;

	memset(&row, 0, sizeof(row));
	if (db_split_fields(line, n, f, len, null, want) != want ||
	    parse_i64(f[F_ORD], len[F_ORD], &ord))
		return -1;
	row.ord = ord;
	row.id = f[F_ID];
	row.id_len = len[F_ID];
	if (!null[F_LABEL]) {
		row.label = f[F_LABEL];
		row.label_len = len[F_LABEL];
	}
	if (!null[F_REF]) {
		row.reference = f[F_REF];
		row.reference_len = len[F_REF];
	}
	if (!null[F_SPEAKER]) {
		row.speaker = f[F_SPEAKER];
		row.speaker_len = len[F_SPEAKER];
	}
	p = f[F_ATTRS];
	end = p + len[F_ATTRS];
	while (p < end && a < c->nattrs) {
		const char *q = p;

		while (q < end && *q != ',')
			q++;
		c->codes[a++] = u32_field(p, (size_t)(q - p), false);
		p = q < end && *q == ',' ? q + 1 : q;
	}
	if (a != c->nattrs)
		return -1;
	row.codes = c->codes;
	if (c->with_model) {
		if (!null[F_PRED]) {
			row.prediction = f[F_PRED];
			row.prediction_len = len[F_PRED];
		}
		if (!null[F_HYP]) {
			row.hypothesis = f[F_HYP];
			row.hypothesis_len = len[F_HYP];
		}
		row.sub = u32_field(f[F_SUB], len[F_SUB], null[F_SUB]);
		row.del = u32_field(f[F_DEL], len[F_DEL], null[F_DEL]);
		row.ins = u32_field(f[F_INS], len[F_INS], null[F_INS]);
		row.ref_words = u32_field(f[F_REFW], len[F_REFW], null[F_REFW]);
	}
	if (c->fn(c->ctx, &row)) {
		c->stopped = true;
		return -1;
	}
	return 0;
}

int store_bounty_rows(struct db *db, const struct dataset *d,
		      int64_t model_id, bool texts,
		      int (*fn)(void *ctx, const struct bounty_row *row),
		      void *ctx)
{
	struct rows_ctx c = { d->nattrs, NULL, model_id > 0, fn, ctx, false };
	struct buf sql = BUF_INIT;
	int rc;

	c.codes = xcalloc(d->nattrs, sizeof(*c.codes));
	/* COPY takes no parameters; both ids are integers formatted here. */
	buf_addf(&sql, "COPY (SELECT e.ord, e.ext_id, %s, %s, e.speaker, e.attrs",
		 texts ? "e.label" : "NULL", texts ? "e.reference" : "NULL");
	if (model_id > 0)
		buf_addf(&sql, ", p.prediction, %s, p.sub, p.del, p.ins,"
			 " p.ref_words FROM examples e JOIN predictions p"
			 " ON p.model_id = %lld AND p.ord = e.ord",
			 texts ? "p.hypothesis" : "NULL", (long long)model_id);
	else
		buf_adds(&sql, " FROM examples e");
	buf_addf(&sql, " WHERE e.dataset_id = %lld ORDER BY e.ord) TO STDOUT",
		 (long long)d->id);
	rc = db_copy_out(db, "read bounty rows", sql.s, rows_line, &c);
	if (rc && !c.stopped)
		log_error("could not read the rows of dataset %lld",
			  (long long)d->id);
	buf_release(&sql);
	free(c.codes);
	return rc;
}

struct hrows_ctx {
	int (*fn)(void *ctx, const struct bounty_row *row);
	void *ctx;
};

static int hrows_line(void *vctx, char *line, size_t n)
{
	enum { F_ID, F_PRED, F_HYP, F_SUB, F_DEL, F_INS, F_REFW, NF };
	struct hrows_ctx *c = vctx;
	struct bounty_row row;
	char *f[NF];
	size_t len[NF];
	bool null[NF];

	memset(&row, 0, sizeof(row));
	if (db_split_fields(line, n, f, len, null, NF) != NF)
		return -1;
	row.id = f[F_ID];
	row.id_len = len[F_ID];
	if (!null[F_PRED]) {
		row.prediction = f[F_PRED];
		row.prediction_len = len[F_PRED];
	}
	if (!null[F_HYP]) {
		row.hypothesis = f[F_HYP];
		row.hypothesis_len = len[F_HYP];
	}
	row.sub = u32_field(f[F_SUB], len[F_SUB], null[F_SUB]);
	row.del = u32_field(f[F_DEL], len[F_DEL], null[F_DEL]);
	row.ins = u32_field(f[F_INS], len[F_INS], null[F_INS]);
	row.ref_words = u32_field(f[F_REFW], len[F_REFW], null[F_REFW]);
	return c->fn(c->ctx, &row) ? -1 : 0;
}

int store_bounty_h_rows(struct db *db, int64_t submission_id,
			int (*fn)(void *ctx, const struct bounty_row *row),
			void *ctx)
{
	struct hrows_ctx c = { fn, ctx };
	char sql[256];

	snprintf(sql, sizeof(sql),
		 "COPY (SELECT ext_id, prediction, hypothesis, sub, del, ins,"
		 " ref_words FROM bounty_h_predictions WHERE submission_id = %lld)"
		 " TO STDOUT", (long long)submission_id);
	return db_copy_out(db, "read stored h", sql, hrows_line, &c);
}
