/*
 * store_evaluations.c - loading a dataset joined to a model's predictions
 * into a columnar table, and storing evaluation results.
 *
 * The load streams COPY (SELECT ...) TO STDOUT rather than a PGresult: a
 * million rows arrive as text lines that are parsed straight into the
 * table's arrays, with no second copy of the data in libpq's memory.
 * Attribute dictionaries are loaded first, in code order, so the codes in
 * examples.attrs index the table's dictionaries directly.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/store_internal.h"
#include "server/pgcopy.h"

/* The dataset's attributes and their dictionaries into the table. */
static int load_dicts(struct db *db, const struct dataset *d, struct table *t)
{
	struct strmap **dicts = xcalloc(d->nattrs, sizeof(*dicts));
	int rc;

	for (size_t a = 0; a < d->nattrs; a++)
		table_add_attr(t, d->attrs[a]);
	/* after the last add: adding moves the columns */
	for (size_t a = 0; a < d->nattrs; a++)
		dicts[a] = &t->attrs[a].dict;
	rc = db_load_dicts(db, d->id, dicts, d->nattrs);
	free(dicts);
	return rc;
}

static uint32_t u32_field(const char *s, size_t n)
{
	int64_t v = 0;

	if (parse_i64(s, n, &v) || v < 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

/*
 * The load state.  Rows arrive in whatever order the heap returns them;
 * the table takes them in that order and ord2row maps each example's ord
 * to its table row, which is how predictions find their example.
 */
struct load {
	struct table *t;
	int64_t count;		/* examples in the dataset */
	int64_t *ord2row;	/* -1 = not seen */
	int64_t predicted;
};

static int64_t ord_field(const struct load *l, const char *s, size_t n)
{
	int64_t ord;

	if (parse_i64(s, n, &ord) || ord < 0 || ord >= l->count)
		return -1;
	return ord;
}

static int load_example(void *ctx, char *line, size_t n)
{
	enum { F_ORD, F_ID, F_LABEL, F_LABEL_NUM, F_ATTRS, F_SPEAKER, NF };
	struct load *l = ctx;
	struct table *t = l->t;
	char *f[NF];
	size_t len[NF], a = 0;
	bool null[NF];
	int64_t ord, row;
	const char *p, *end;

	if (db_split_fields(line, n, f, len, null, NF) != NF)
		return -1;
	ord = ord_field(l, f[F_ORD], len[F_ORD]);
	if (ord < 0 || l->ord2row[ord] >= 0)
		return -1;
	row = table_add_row(t, f[F_ID], len[F_ID]);
	if (row < 0)
		return -1;
	l->ord2row[ord] = row;
	switch (t->task) {
	case TASK_CLASSIFICATION:
	case TASK_SCORE:
		t->label[row] = table_class(t, f[F_LABEL], len[F_LABEL]);
		break;
	case TASK_REGRESSION:
		if (parse_double(f[F_LABEL_NUM], len[F_LABEL_NUM], &t->label_num[row]))
			return -1;
		break;
	case TASK_ASR:
		if (!null[F_SPEAKER] && len[F_SPEAKER])
			t->speaker[row] = table_speaker(t, f[F_SPEAKER],
							len[F_SPEAKER]);
		break;
	}
	/* attrs: one code per attribute, "3,0,12" */
	p = f[F_ATTRS];
	end = p + len[F_ATTRS];
	while (p < end && a < t->nattrs) {
		const char *q = p;

		while (q < end && *q != ',')
			q++;
		t->attrs[a].codes[row] = u32_field(p, (size_t)(q - p));
		if (t->attrs[a].codes[row] >= t->attrs[a].dict.n)
			return -1;
		a++;
		p = q < end && *q == ',' ? q + 1 : q;
	}
	return a == t->nattrs ? 0 : -1;
}

static int load_prediction(void *ctx, char *line, size_t n)
{
	enum { F_ORD, F_PRED, F_PRED_NUM, F_HITS, F_SUB, F_DEL, F_INS, F_REFW,
	       F_REFC, F_CERR, NF };
	struct load *l = ctx;
	struct table *t = l->t;
	char *f[NF];
	size_t len[NF];
	bool null[NF];
	int64_t ord, row;

	if (db_split_fields(line, n, f, len, null, NF) != NF)
		return -1;
	ord = ord_field(l, f[F_ORD], len[F_ORD]);
	if (ord < 0 || l->ord2row[ord] < 0)
		return -1;
	row = l->ord2row[ord];
	l->predicted++;
	switch (t->task) {
	case TASK_CLASSIFICATION:
		t->pred[row] = table_class(t, f[F_PRED], len[F_PRED]);
		break;
	case TASK_SCORE:
	case TASK_REGRESSION:
		if (parse_double(f[F_PRED_NUM], len[F_PRED_NUM], &t->pred_num[row]))
			return -1;
		break;
	case TASK_ASR:
		t->asr[row].hits = u32_field(f[F_HITS], len[F_HITS]);
		t->asr[row].sub = u32_field(f[F_SUB], len[F_SUB]);
		t->asr[row].del = u32_field(f[F_DEL], len[F_DEL]);
		t->asr[row].ins = u32_field(f[F_INS], len[F_INS]);
		t->asr[row].ref_words = u32_field(f[F_REFW], len[F_REFW]);
		t->asr[row].ref_chars = u32_field(f[F_REFC], len[F_REFC]);
		t->asr[row].char_errors = u32_field(f[F_CERR], len[F_CERR]);
		break;
	}
	return 0;
}

int store_table_load(struct db *db, const struct dataset *d, int64_t model_id,
		     struct table *t)
{
	struct load l = { t, d->example_count, NULL, 0 };
	char sql[400];
	int ret = -1;

	if (load_dicts(db, d, t))
		return -1;
	l.ord2row = xmalloc((size_t)(l.count ? l.count : 1) * sizeof(*l.ord2row));
	for (int64_t i = 0; i < l.count; i++)
		l.ord2row[i] = -1;
	/* COPY takes no parameters; both ids are integers we formatted. */
	snprintf(sql, sizeof(sql),
		 "COPY (SELECT ord, ext_id, label, label_num, attrs, speaker"
		 " FROM examples WHERE dataset_id = %lld) TO STDOUT",
		 (long long)d->id);
	if (db_copy_out(db, "load examples", sql, load_example, &l))
		goto out;
	snprintf(sql, sizeof(sql),
		 "COPY (SELECT ord, prediction, prediction_num, hits, sub, del,"
		 " ins, ref_words, ref_chars, char_errors"
		 " FROM predictions WHERE model_id = %lld) TO STDOUT",
		 (long long)model_id);
	if (db_copy_out(db, "load predictions", sql, load_prediction, &l))
		goto out;
	if ((int64_t)t->nrows != l.count || l.predicted != l.count) {
		log_error("dataset %lld: %zu examples and %lld predictions stored,"
			  " %lld expected", (long long)d->id, t->nrows,
			  (long long)l.predicted, (long long)l.count);
		goto out;
	}
	if (d->positive_label && (t->task == TASK_CLASSIFICATION ||
				  t->task == TASK_SCORE))
		t->positive = strmap_find(&t->classes, d->positive_label,
					  strlen(d->positive_label));
	table_finish(t);
	ret = 0;
out:
	if (ret)
		log_error("could not load dataset %lld with model %lld",
			  (long long)d->id, (long long)model_id);
	free(l.ord2row);
	return ret;
}

int store_evaluation_reserve(struct db *db, int64_t *id, char **created_at)
{
	PGresult *r = db_exec(db, "reserve evaluation", PGRES_TUPLES_OK,
			      "SELECT nextval('evaluations_id_seq'),"
			      " to_char(now() AT TIME ZONE 'UTC',"
			      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", 0, NULL);

	if (!r)
		return -1;
	*id = db_i64(r, 0, 0);
	*created_at = db_strdup(r, 0, 1);
	PQclear(r);
	return 0;
}

int store_evaluation_insert(struct db *db, int64_t id, int64_t model_id,
			    const char *params_json, const char *result,
			    const char *created_at, int64_t created_by)
{
	char ids[24], mid[24], by[24];
	const char *params[6] = { ids, mid, params_json, result, created_at, by };

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	snprintf(mid, sizeof(mid), "%lld", (long long)model_id);
	snprintf(by, sizeof(by), "%lld", (long long)created_by);
	return db_cmd(db, "store evaluation",
		      "INSERT INTO evaluations (id, model_id, params, result,"
		      " created_at, created_by)"
		      " VALUES ($1, $2, $3::jsonb, $4::json, $5::timestamptz, $6)",
		      6, params);
}

int store_evaluation_get(struct db *db, int64_t id, char **json,
			 int64_t *model_id)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	r = db_exec(db, "get evaluation", PGRES_TUPLES_OK,
		    "SELECT result, model_id FROM evaluations WHERE id = $1",
		    1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*json = db_strdup(r, 0, 0);
		*model_id = db_i64(r, 0, 1);
		ret = 0;
	}
	PQclear(r);
	return ret;
}
