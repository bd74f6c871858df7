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
#include "server/pgcopy.h"


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

#define HBATCH 20000	/* h rows per INSERT */

static void fmt_i64(char *out, size_t n, int64_t v)
{
	snprintf(out, n, "%lld", (long long)v);
}

static void fmt_double(char *out, size_t n, double v)
{
	snprintf(out, n, "%.17g", v);
}

static double db_double(const PGresult *r, int row, int col)
{
	double v;
	const char *s = PQgetvalue(r, row, col);

	if (PQgetisnull(r, row, col) || parse_double(s, strlen(s), &v))
		return NAN;
	return v;
}

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

static void bounty_from_row(const PGresult *r, int i, struct bounty *b)
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

static int rollback(struct db *db)
{
	db_cmd(db, "rollback", "ROLLBACK", 0, NULL);
	return -1;
}

int store_dataset_split(struct db *db, int64_t dataset_id,
			const unsigned char *fresh_secret, size_t len,
			double fraction, double reporting, struct bounty *out)
{
	char ds[24], hf[32], rs[32], secret[2 * BOUNTY_SECRET_BYTES + 3];
	const char *params[4] = { ds, secret, hf, rs };
	PGresult *r;
	int ret = 1;

	fmt_i64(ds, sizeof(ds), dataset_id);
	fmt_double(hf, sizeof(hf), fraction);
	fmt_double(rs, sizeof(rs), reporting);
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

	fmt_i64(model, sizeof(model), in->model_id);
	fmt_i64(ds, sizeof(ds), in->dataset_id);
	fmt_double(hf, sizeof(hf), in->holdout_fraction);
	fmt_i64(ms, sizeof(ms), in->min_support);
	fmt_double(mg, sizeof(mg), in->min_gap);
	fmt_double(al, sizeof(al), in->alpha);
	fmt_double(sig, sizeof(sig), in->significance);
	fmt_i64(bud, sizeof(bud), in->budget);
	fmt_double(thr, sizeof(thr), in->threshold);
	fmt_double(sg, sizeof(sg), in->sigma);
	fmt_i64(drows, sizeof(drows), in->discovery_rows);
	fmt_i64(hrows, sizeof(hrows), in->holdout_rows);
	fmt_i64(by, sizeof(by), in->created_by);
	fmt_double(eps, sizeof(eps), in->epsilon);
	fmt_i64(tot, sizeof(tot), in->total_budget);
	fmt_double(rsh, sizeof(rsh), in->reporting_share);
	fmt_i64(rrows, sizeof(rrows), in->reporting_rows);
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
		return rollback(db);
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	fmt_double(ov, sizeof(ov), overall);
	fmt_double(rep, sizeof(rep), reported);
	vparams[0] = id;
	vparams[1] = isfinite(overall) ? ov : NULL;
	vparams[2] = isfinite(reported) ? rep : NULL;
	if (db_cmd(db, "bounty version 0",
		   "INSERT INTO bounty_versions (bounty_id, version, overall,"
		   " reported) VALUES ($1, 0, $2, $3)", 3, vparams))
		return rollback(db);
	if (db_cmd(db, "commit bounty", "COMMIT", 0, NULL))
		return rollback(db);
	return store_bounty_get(db, strtoll(id, NULL, 10), out) ? -1 : 0;
}

int store_bounty_get(struct db *db, int64_t id, struct bounty *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	fmt_i64(ids, sizeof(ids), id);
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

	fmt_i64(ids, sizeof(ids), id);
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

	fmt_i64(bid, sizeof(bid), bounty_id);
	fmt_i64(kid, sizeof(kid), key_id);
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

/* Append one element to a PostgreSQL array literal. */
static void array_add(struct buf *b, const char *s, bool first)
{
	if (!first)
		buf_addch(b, ',');
	if (!s) {
		buf_adds(b, "NULL");
		return;
	}
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
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
			array_add(&ids, h->ids[i], i == start);
			array_add(&vals, h->values[i], i == start);
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

/* Write what decide chose; inside the transaction. */
static int write_outcome(struct db *db, const char *bid, const char *kid,
			 const struct bounty_state *st,
			 const struct bounty_outcome *o, int64_t *id,
			 char **created_at)
{
	char seq[24], hm[24], sup[24], pts[32], dup[24], sid[24];
	char judged[24], thr[32], sg[32], tb[24], tu[24], ts[24], tq[24];
	char tg[32], ord[24], pm[24], ov[32], ver[24];
	struct buf members = BUF_INIT;
	PGresult *r;

	fmt_i64(seq, sizeof(seq), (int64_t)st->seq + 1);
	fmt_i64(hm, sizeof(hm), o->h_model_id);
	fmt_i64(sup, sizeof(sup), (int64_t)o->support);
	fmt_double(pts, sizeof(pts), isfinite(o->points) ? o->points : 0);
	fmt_i64(dup, sizeof(dup), o->duplicate_of);
	{
		const char *params[13] = {
			bid, kid, seq, o->group_text, o->canonical, o->h_kind,
			o->h_model_id > 0 ? hm : NULL, o->status, o->reason,
			sup, pts, o->duplicate_of > 0 ? dup : NULL, o->released,
		};
		const char *p14[14];

		memcpy(p14, params, sizeof(params));
		p14[13] = o->holdout;
		r = db_exec(db, "record submission", PGRES_TUPLES_OK,
			    "INSERT INTO bounty_submissions (bounty_id, key_id,"
			    " seq, group_text, canonical, h_kind, h_model_id,"
			    " status, reason, support, points, duplicate_of,"
			    " released, holdout) VALUES ($1, $2, $3, $4, $5, $6,"
			    " $7, $8, $9, $10, $11, $12, $13::json, $14::json)"
			    " RETURNING id, " TS("created_at"), 14, p14);
	}
	if (!r)
		return -1;
	*id = db_i64(r, 0, 0);
	*created_at = db_strdup(r, 0, 1);
	PQclear(r);
	fmt_i64(sid, sizeof(sid), *id);

	fmt_i64(judged, sizeof(judged), (int64_t)st->judged + (o->judged ? 1 : 0));
	fmt_double(thr, sizeof(thr), o->t.T);
	fmt_double(sg, sizeof(sg), o->t.sigma);
	fmt_i64(tb, sizeof(tb), o->t.budget);
	fmt_i64(tu, sizeof(tu), o->t.used);
	fmt_i64(ts, sizeof(ts), (int64_t)o->t.seed);
	fmt_i64(tq, sizeof(tq), (int64_t)o->t.queries);
	fmt_double(tg, sizeof(tg), o->t.gamma);
	{
		const char *params[10] = { bid, kid, judged, thr, sg, tb, tu,
					   ts, tq, tg };

		if (db_cmd(db, "store hunter state",
			   "INSERT INTO bounty_hunters (bounty_id, key_id,"
			   " judged, t_threshold, t_sigma, t_budget, t_used,"
			   " t_seed, t_queries, t_gamma) VALUES ($1, $2, $3,"
			   " $4, $5, $6, $7, $8, $9, $10)"
			   " ON CONFLICT (bounty_id, key_id) DO UPDATE SET"
			   " judged = EXCLUDED.judged, t_used = EXCLUDED.t_used,"
			   " t_queries = EXCLUDED.t_queries,"
			   " t_gamma = EXCLUDED.t_gamma", 10, params))
			return -1;
	}
	if (strcmp(o->status, "accepted"))
		return 0;

	/* An accepted finding: the finding, its h, the list, the version. */
	fmt_i64(ord, sizeof(ord), (int64_t)st->nfindings + 1);
	fmt_i64(pm, sizeof(pm), o->pdl_model);
	buf_adds(&members, "\\x");
	for (size_t i = 0; i < o->members_len; i++)
		buf_addf(&members, "%02x", o->members[i]);
	{
		const char *params[8] = { sid, bid, ord, kid, o->canonical,
					  o->h_kind, o->h_model_id > 0 ? hm : NULL,
					  o->h_model_stamp };
		const char *p10[10];
		int rc;

		memcpy(p10, params, sizeof(params));
		p10[8] = o->pdl_model > 0 ? pm : NULL;
		p10[9] = pts;
		rc = db_cmd(db, "store finding",
			    "INSERT INTO bounty_findings (submission_id,"
			    " bounty_id, ordinal, key_id, canonical, h_kind,"
			    " h_model_id, h_model_stamp, pdl_model, points)"
			    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			    10, p10);
		if (!rc) {
			const char *p2[2] = { sid, members.s };

			rc = db_cmd(db, "store members",
				    "UPDATE bounty_submissions SET members ="
				    " $2::bytea WHERE id = $1", 2, p2);
		}
		buf_release(&members);
		if (rc)
			return -1;
	}
	if (o->h_rows && write_h_rows(db, sid, o->h_rows))
		return -1;
	for (size_t i = 0; i < o->nnodes; i++) {
		char pos[24], fin[24], tgt[24];
		const char *params[5] = { bid, pos, o->nodes[i].repair ?
					  "repair" : "model", fin,
					  o->nodes[i].repair ? tgt : NULL };

		fmt_i64(pos, sizeof(pos), st->b.nodes + (int64_t)i + 1);
		fmt_i64(fin, sizeof(fin), o->nodes[i].finding > 0 ?
			o->nodes[i].finding : *id);
		fmt_i64(tgt, sizeof(tgt), o->nodes[i].target);
		if (db_cmd(db, "store node",
			   "INSERT INTO bounty_nodes (bounty_id, position, kind,"
			   " finding, target) VALUES ($1, $2, $3, $4, $5)",
			   5, params))
			return -1;
	}
	if (o->nnodes) {
		char nn[24];
		const char *params[2] = { bid, nn };

		fmt_i64(nn, sizeof(nn), (int64_t)o->nnodes);
		if (db_cmd(db, "extend list",
			   "UPDATE bounties SET nodes = nodes + $2 WHERE id = $1",
			   2, params))
			return -1;
	}
	if (o->new_version) {
		char rep[32];
		const char *params[5] = { bid, ver, sid, ov, rep };

		fmt_i64(ver, sizeof(ver), st->b.nodes + (int64_t)o->nnodes);
		fmt_double(ov, sizeof(ov), o->overall);
		fmt_double(rep, sizeof(rep), o->reported);
		if (!isfinite(o->overall))
			params[3] = NULL;
		if (!isfinite(o->reported))
			params[4] = NULL;
		if (db_cmd(db, "store version",
			   "INSERT INTO bounty_versions (bounty_id, version,"
			   " submission_id, overall, reported)"
			   " VALUES ($1, $2, $3, $4, $5)", 5, params))
			return -1;
	}
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
	fmt_i64(bid, sizeof(bid), bounty_id);
	fmt_i64(kid, sizeof(kid), key_id);
	if (db_cmd(db, "begin submission", "BEGIN", 0, NULL))
		return -1;
	rc = read_state(db, bid, kid, &st);
	if (rc) {
		rollback(db);
		state_release(&st);
		return rc;
	}
	rc = decide(ctx, db, &st, &o);
	if (rc) {
		rollback(db);
		state_release(&st);
		return rc > 0 ? 2 : -1;
	}
	if (write_outcome(db, bid, kid, &st, &o, id, created_at) ||
	    db_cmd(db, "commit submission", "COMMIT", 0, NULL)) {
		rollback(db);
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
	fmt_i64(bid, sizeof(bid), bounty_id);
	if (db_cmd(db, "begin bounty state", "BEGIN", 0, NULL))
		return -1;
	rc = read_state(db, bid, "0", st);
	if (rc || db_cmd(db, "commit bounty state", "COMMIT", 0, NULL)) {
		rollback(db);
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

	fmt_i64(bid, sizeof(bid), bounty_id);
	fmt_i64(sid, sizeof(sid), id);
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

	fmt_i64(bid, sizeof(bid), bounty_id);
	fmt_i64(kid, sizeof(kid), key_id);
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
	fmt_i64(bid, sizeof(bid), bounty_id);
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
