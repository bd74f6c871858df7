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

/* Load attribute_values of the dataset into the table's dictionaries. */
static int load_dicts(struct db *db, const struct dataset *d, struct table *t)
{
	char id[24];
	const char *params[1] = { id };
	PGresult *r;

	for (size_t a = 0; a < d->nattrs; a++)
		table_add_attr(t, d->attrs[a]);
	snprintf(id, sizeof(id), "%lld", (long long)d->id);
	r = db_exec(db, "load attribute values", PGRES_TUPLES_OK,
		    "SELECT attr, code, value FROM attribute_values"
		    " WHERE dataset_id = $1 ORDER BY attr, code", 1, params);
	if (!r)
		return -1;
	for (int i = 0; i < PQntuples(r); i++) {
		int64_t a = db_i64(r, i, 0), code = db_i64(r, i, 1);
		const char *v = PQgetvalue(r, i, 2);
		uint32_t got;

		if (a < 0 || (size_t)a >= t->nattrs)
			continue;
		got = strmap_intern(&t->attrs[a].dict, v,
				    (size_t)PQgetlength(r, i, 2), NULL);
		if (got != (uint32_t)code) {
			log_error("attribute dictionary of dataset %s is not dense"
				  " (attr %lld code %lld)", id, (long long)a,
				  (long long)code);
			PQclear(r);
			return -1;
		}
	}
	PQclear(r);
	return 0;
}

/* Split a COPY text line into at most max fields, unescaping each. */
static size_t split_fields(char *line, size_t n, char **f, size_t *len,
			   bool *null, size_t max)
{
	size_t k = 0, start = 0;

	for (size_t i = 0; i <= n && k < max; i++) {
		if (i == n || line[i] == '\t') {
			char *s = line + start;
			size_t l = i - start;

			null[k] = l == 2 && s[0] == '\\' && s[1] == 'N';
			len[k] = null[k] ? 0 : copy_unescape(s, l);
			f[k] = s;
			k++;
			start = i + 1;
		}
	}
	return k;
}

static uint32_t u32_field(const char *s, size_t n)
{
	int64_t v = 0;

	if (parse_i64(s, n, &v) || v < 0 || v > UINT32_MAX)
		return 0;
	return (uint32_t)v;
}

static int load_row(struct table *t, char *line, size_t n)
{
	enum { F_ID, F_LABEL, F_LABEL_NUM, F_ATTRS, F_PRED, F_PRED_NUM,
	       F_HITS, F_SUB, F_DEL, F_INS, F_REFW, F_REFC, F_CERR, F_SPEAKER,
	       NF };
	char *f[NF];
	size_t len[NF];
	bool null[NF];
	int64_t row;
	const char *p, *end;
	size_t a = 0;

	if (split_fields(line, n, f, len, null, NF) != NF)
		return -1;
	row = table_add_row(t, f[F_ID], len[F_ID]);
	if (row < 0)
		return -1;
	switch (t->task) {
	case TASK_CLASSIFICATION:
		t->label[row] = table_class(t, f[F_LABEL], len[F_LABEL]);
		t->pred[row] = table_class(t, f[F_PRED], len[F_PRED]);
		break;
	case TASK_SCORE:
		t->label[row] = table_class(t, f[F_LABEL], len[F_LABEL]);
		if (parse_double(f[F_PRED_NUM], len[F_PRED_NUM], &t->pred_num[row]))
			return -1;
		break;
	case TASK_REGRESSION:
		if (parse_double(f[F_LABEL_NUM], len[F_LABEL_NUM], &t->label_num[row]) ||
		    parse_double(f[F_PRED_NUM], len[F_PRED_NUM], &t->pred_num[row]))
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
		if (!null[F_SPEAKER] && len[F_SPEAKER])
			t->speaker[row] = table_speaker(t, f[F_SPEAKER],
							len[F_SPEAKER]);
		break;
	}
	/* attrs is an int[] literal: {3,0,12} */
	p = f[F_ATTRS];
	end = p + len[F_ATTRS];
	if (p < end && *p == '{')
		p++;
	while (p < end && *p != '}' && a < t->nattrs) {
		const char *q = p;

		while (q < end && *q != ',' && *q != '}')
			q++;
		t->attrs[a].codes[row] = u32_field(p, (size_t)(q - p));
		if (t->attrs[a].codes[row] >= t->attrs[a].dict.n)
			return -1;
		a++;
		p = q < end && *q == ',' ? q + 1 : q;
	}
	return 0;
}

int store_table_load(struct db *db, const struct dataset *d, int64_t model_id,
		     struct table *t)
{
	char sql[900];
	PGresult *res;
	char *line;
	int len, ret = 0;

	if (load_dicts(db, d, t))
		return -1;
	/* COPY takes no parameters; both ids are integers we formatted. */
	snprintf(sql, sizeof(sql),
		 "COPY (SELECT e.ext_id, e.label, e.label_num, e.attrs,"
		 " p.prediction, p.prediction_num, p.hits, p.sub, p.del, p.ins,"
		 " p.ref_words, p.ref_chars, p.char_errors, e.speaker"
		 " FROM examples e JOIN predictions p"
		 " ON p.model_id = %lld AND p.ord = e.ord"
		 " WHERE e.dataset_id = %lld ORDER BY e.ord) TO STDOUT",
		 (long long)model_id, (long long)d->id);
	res = PQexec(db->conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		log_error("load evaluation rows: %s", PQerrorMessage(db->conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	while ((len = PQgetCopyData(db->conn, &line, 0)) > 0) {
		size_t n = (size_t)len;

		if (n && line[n - 1] == '\n')
			n--;
		if (!ret && load_row(t, line, n)) {
			log_error("malformed stored row for model %lld",
				  (long long)model_id);
			ret = -1;
		}
		PQfreemem(line);
	}
	while ((res = PQgetResult(db->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("load evaluation rows: %s",
				  PQerrorMessage(db->conn));
			ret = -1;
		}
		PQclear(res);
	}
	if (len == -2)
		ret = -1;
	if (d->positive_label && t->task != TASK_REGRESSION &&
	    t->task != TASK_ASR) {
		int64_t pos = strmap_find(&t->classes, d->positive_label,
					  strlen(d->positive_label));
		t->positive = pos;
	}
	table_finish(t);
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
