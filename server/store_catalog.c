/*
 * store_catalog.c - datasets and models.
 */
#include "common/fa.h"
#include "server/store_internal.h"


#define DATASET_COLS "id, name, task, positive_label, description, " \
	TS("created_at") ", " TS("uploaded_at") ", example_count, attributes, " \
	"labels"
#define MODEL_COLS "id, dataset_id, name, version, " TS("created_at") ", " \
	TS("uploaded_at") ", prediction_count, normalize, " \
	"to_char(uploaded_at AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

void dataset_release(struct dataset *d)
{
	free(d->name);
	free(d->task);
	free(d->positive_label);
	free(d->description);
	free(d->created_at);
	free(d->uploaded_at);
	for (size_t i = 0; i < d->nattrs; i++)
		free(d->attrs[i]);
	free(d->attrs);
	for (size_t i = 0; i < d->nlabels; i++)
		free(d->labels[i]);
	free(d->labels);
	memset(d, 0, sizeof(*d));
}

bool dataset_domain(const struct dataset *d, struct label_domain *out)
{
	if (!d->labels)
		return false;
	out->labels = (const char *const *)d->labels;
	out->n = d->nlabels;
	out->binary = d->positive_label != NULL;
	return true;
}

void model_release(struct model *m)
{
	free(m->name);
	free(m->version);
	free(m->normalize);
	free(m->created_at);
	free(m->uploaded_at);
	free(m->upload_stamp);
	memset(m, 0, sizeof(*m));
}

/*
 * Parse a one-dimensional text[] literal as PostgreSQL prints it:
 * {a,b,"c d","e\"f"}.  Elements are quoted when they contain special
 * characters, with backslash escapes inside quotes.
 */
static void parse_text_array(const char *s, char ***out, size_t *n)
{
	size_t cap = 0;
	struct buf el = BUF_INIT;

	*out = NULL;
	*n = 0;
	if (*s != '{')
		return;
	s++;
	while (*s && *s != '}') {
		buf_reset(&el);
		if (*s == '"') {
			s++;
			while (*s && *s != '"') {
				if (*s == '\\' && s[1])
					s++;
				buf_addch(&el, *s++);
			}
			if (*s == '"')
				s++;
		} else {
			while (*s && *s != ',' && *s != '}')
				buf_addch(&el, *s++);
		}
		*out = xgrow(*out, &cap, *n + 1, sizeof(**out));
		(*out)[(*n)++] = xstrndup(el.s, el.len);
		if (*s == ',')
			s++;
	}
	buf_release(&el);
}

static void dataset_from_row(const PGresult *r, int i, struct dataset *d)
{
	d->id = db_i64(r, i, 0);
	d->name = db_strdup(r, i, 1);
	d->task = db_strdup(r, i, 2);
	d->positive_label = db_strdup(r, i, 3);
	d->description = db_strdup(r, i, 4);
	d->created_at = db_strdup(r, i, 5);
	d->uploaded_at = db_strdup(r, i, 6);
	d->example_count = db_i64(r, i, 7);
	parse_text_array(PQgetvalue(r, i, 8), &d->attrs, &d->nattrs);
	if (!PQgetisnull(r, i, 9)) {
		parse_text_array(PQgetvalue(r, i, 9), &d->labels, &d->nlabels);
		if (!d->labels)		/* '{}' cannot be declared; be safe */
			d->labels = xcalloc(1, sizeof(*d->labels));
	}
}

/* A text[] literal with every element quoted: {"a","b \"c\""}. */
static void text_array_literal(struct buf *b, const char *const *v, size_t n)
{
	buf_addch(b, '{');
	for (size_t i = 0; i < n; i++)
		db_array_add(b, v[i], i == 0);
	buf_addch(b, '}');
}

static void model_from_row(const PGresult *r, int i, struct model *m)
{
	m->id = db_i64(r, i, 0);
	m->dataset_id = db_i64(r, i, 1);
	m->name = db_strdup(r, i, 2);
	m->version = db_strdup(r, i, 3);
	m->created_at = db_strdup(r, i, 4);
	m->uploaded_at = db_strdup(r, i, 5);
	m->prediction_count = db_i64(r, i, 6);
	m->normalize = db_strdup(r, i, 7);
	m->upload_stamp = db_strdup(r, i, 8);
}

int store_dataset_create(struct db *db, const char *name, const char *task,
			 const char *positive_label,
			 const char *const *labels, size_t nlabels,
			 const char *description,
			 int64_t created_by, struct dataset *out)
{
	struct buf lit = BUF_INIT;
	char by[24];
	const char *params[6] = { name, task, positive_label, description, by,
				  NULL };
	PGresult *r;

	snprintf(by, sizeof(by), "%lld", (long long)created_by);
	if (nlabels) {
		text_array_literal(&lit, labels, nlabels);
		params[5] = lit.s;
	}
	r = db_exec(db, "create dataset", PGRES_TUPLES_OK,
		    "INSERT INTO datasets (name, task, positive_label, description,"
		    " created_by, labels) VALUES ($1, $2, $3, $4, $5, $6::text[])"
		    " RETURNING " DATASET_COLS, 6, params);
	buf_release(&lit);
	if (!r)
		return -1;
	dataset_from_row(r, 0, out);
	PQclear(r);
	return 0;
}

int store_dataset_get(struct db *db, int64_t id, struct dataset *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	r = db_exec(db, "get dataset", PGRES_TUPLES_OK,
		    "SELECT " DATASET_COLS " FROM datasets WHERE id = $1",
		    1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		dataset_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_dataset_list(struct db *db, struct dataset **out, size_t *n)
{
	PGresult *r = db_exec(db, "list datasets", PGRES_TUPLES_OK,
			      "SELECT " DATASET_COLS " FROM datasets ORDER BY id DESC",
			      0, NULL);

	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		dataset_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}

int store_model_create(struct db *db, int64_t dataset_id, const char *name,
		       const char *version, int64_t created_by,
		       struct model *out)
{
	char ds[24], by[24];
	const char *params[4] = { ds, name, version, by };
	PGresult *r;

	snprintf(ds, sizeof(ds), "%lld", (long long)dataset_id);
	snprintf(by, sizeof(by), "%lld", (long long)created_by);
	r = db_exec(db, "create model", PGRES_TUPLES_OK,
		    "INSERT INTO models (dataset_id, name, version, created_by)"
		    " VALUES ($1, $2, $3, $4) RETURNING " MODEL_COLS, 4, params);
	if (!r)
		return -1;
	model_from_row(r, 0, out);
	PQclear(r);
	return 0;
}

int store_model_get(struct db *db, int64_t id, struct model *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret = 1;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	r = db_exec(db, "get model", PGRES_TUPLES_OK,
		    "SELECT " MODEL_COLS " FROM models WHERE id = $1", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		model_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_model_list(struct db *db, int64_t dataset_id, struct model **out,
		     size_t *n)
{
	char ds[24];
	const char *params[1] = { ds };
	PGresult *r;

	snprintf(ds, sizeof(ds), "%lld", (long long)dataset_id);
	r = db_exec(db, "list models", PGRES_TUPLES_OK,
		    "SELECT " MODEL_COLS " FROM models"
		    " WHERE $1::bigint <= 0 OR dataset_id = $1::bigint"
		    " ORDER BY id DESC", 1, params);
	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		model_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}
