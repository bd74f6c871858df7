/*
 * store_uploads.c - streamed, all-or-nothing uploads through COPY.
 *
 * An upload is one transaction: begin locks the owner row (so two uploads to
 * the same dataset or model serialise, and the second sees the first's
 * rows), starts COPY ... FROM STDIN, and the caller streams rows as they are
 * parsed.  Commit ends the COPY, writes the bookkeeping and commits; abort
 * ends the COPY with an error message, which makes the server discard every
 * row, and rolls back.  Nothing is visible to anyone before the commit.
 */
#include "common/fa.h"
#include "server/store_internal.h"
#include "server/pgcopy.h"
#include "common/util.h"

static int copy_start(struct db *db, const char *sql)
{
	PGresult *r = PQexec(db->conn, sql);

	if (PQresultStatus(r) != PGRES_COPY_IN) {
		log_error("start copy: %s", PQerrorMessage(db->conn));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	db->in_copy = true;
	return 0;
}

static int copy_end(struct db *db, const char *error)
{
	PGresult *r;
	int ret = 0;

	db->in_copy = false;
	if (PQputCopyEnd(db->conn, error) != 1) {
		log_error("end copy: %s", PQerrorMessage(db->conn));
		ret = -1;
	}
	while ((r = PQgetResult(db->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			if (!error)
				log_error("copy: %s", PQerrorMessage(db->conn));
			ret = -1;
		}
		PQclear(r);
	}
	return ret;
}

static int lock_owner(struct db *db, const char *sql, const char *id,
		      int64_t *count)
{
	const char *params[1] = { id };
	PGresult *r;
	int ret = 1;

	r = db_exec(db, "lock upload owner", PGRES_TUPLES_OK, sql, 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		*count = db_i64(r, 0, 0);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

/*
 * Open an upload's transaction and lock its owner row with lock_sql
 * (SELECT count ... WHERE id = $1 FOR UPDATE), so uploads to one owner
 * serialise.  0 with *count, 1 if the owner does not exist, -1 on error;
 * the transaction stays open either way (store_upload_abort ends it).
 */
static int begin_locked(struct db *db, const char *lock_sql, int64_t owner,
			int64_t *count)
{
	char id[24];

	snprintf(id, sizeof(id), "%lld", (long long)owner);
	if (db_cmd(db, "begin upload", "BEGIN", 0, NULL))
		return -1;
	db->in_tx = true;
	return lock_owner(db, lock_sql, id, count);
}

/*
 * The owner column of the partition `table`_`owner` defaults to its owner,
 * so that COPY leaves it out: one field less to parse a row, 5-7 % of the
 * server's time for a COPY of classification predictions.  The partition
 * is new in this transaction, or its rows are locked for replacing.
 */
static int owner_default(struct db *db, const char *table, const char *column,
			 int64_t owner)
{
	char sql[160];

	/* identifiers take no parameters; owner is an integer we format */
	snprintf(sql, sizeof(sql), "ALTER TABLE %s_%lld ALTER COLUMN %s SET"
		 " DEFAULT %lld", table, (long long)owner, column,
		 (long long)owner);
	return db_cmd(db, "owner default", sql, 0, NULL);
}

int store_examples_begin(struct db *db, int64_t dataset_id, enum task task)
{
	/* Only the columns the task fills: fewer fields for COPY to parse. */
	static const char *const cols[] = {
		[TASK_CLASSIFICATION] = "ord, ext_id, label, attrs",
		[TASK_SCORE] = "ord, ext_id, label, attrs",
		[TASK_REGRESSION] = "ord, ext_id, label, label_num, attrs",
		[TASK_ASR] = "ord, ext_id, reference, speaker, attrs",
	};
	char sql[200];
	int64_t count;
	int r;

	r = begin_locked(db, "SELECT example_count FROM datasets WHERE id = $1"
			 " FOR UPDATE", dataset_id, &count);
	if (r == 0 && count > 0)
		r = 2;
	/* The dataset's own partition, made in this transaction; identifiers
	   and COPY take no parameters, and dataset_id is an integer. */
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS examples_%lld"
		 " PARTITION OF examples FOR VALUES IN (%lld)",
		 (long long)dataset_id, (long long)dataset_id);
	if (r == 0 && db_cmd(db, "create examples partition", sql, 0, NULL))
		r = -1;
	if (r == 0 && owner_default(db, "examples", "dataset_id", dataset_id))
		r = -1;
	snprintf(sql, sizeof(sql), "COPY examples_%lld (%s) FROM STDIN",
		 (long long)dataset_id, cols[task]);
	if (r == 0)
		r = copy_start(db, sql);
	if (r)
		store_upload_abort(db);
	return r;
}

int store_copy_put(struct db *db, const char *data, size_t n)
{
	if (PQputCopyData(db->conn, data, (int)n) != 1) {
		log_error("copy data: %s", PQerrorMessage(db->conn));
		return -1;
	}
	return 0;
}

void store_upload_abort(struct db *db)
{
	if (db->in_copy)
		copy_end(db, "upload aborted");
	if (db->in_tx) {
		db->in_tx = false;
		db_cmd(db, "rollback upload", "ROLLBACK", 0, NULL);
	}
}

/* Append s as one element of a text[] literal. */
static void array_elem(struct buf *b, const char *s)
{
	buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_addch(b, '\\');
		buf_addch(b, *s);
	}
	buf_addch(b, '"');
}

/* Append names as a text[] literal. */
static void text_array(struct buf *b, const char *const *names, size_t n)
{
	buf_addch(b, '{');
	for (size_t a = 0; a < n; a++) {
		if (a)
			buf_addch(b, ',');
		array_elem(b, names[a]);
	}
	buf_addch(b, '}');
}

/*
 * COPY the dictionaries of attributes first_attr .. first_attr + n - 1 of a
 * dataset into attribute_values.  0 or -1 (logged).
 */
static int copy_dictionaries(struct db *db, const char *dataset_id,
			     size_t first_attr, const struct strmap *dicts,
			     size_t n)
{
	struct buf line = BUF_INIT;
	int ret = -1;

	if (copy_start(db, "COPY attribute_values (dataset_id, attr, code, value)"
		       " FROM STDIN"))
		return -1;
	for (size_t a = 0; a < n; a++) {
		for (uint32_t c = 0; c < dicts[a].n; c++) {
			buf_addf(&line, "%s\t%zu\t%u\t", dataset_id, first_attr + a, c);
			copy_escape(&line, strmap_str(&dicts[a], c),
				    strmap_len(&dicts[a], c));
			buf_addch(&line, '\n');
			if (line.len >= (1u << 20)) {
				if (store_copy_put(db, line.s, line.len))
					goto out;
				buf_reset(&line);
			}
		}
	}
	if (line.len && store_copy_put(db, line.s, line.len))
		goto out;
	ret = 0;
out:
	if (copy_end(db, NULL))
		ret = -1;
	buf_release(&line);
	return ret;
}

int store_examples_commit(struct db *db, int64_t dataset_id,
			  const char *const *attrs, size_t nattrs,
			  const struct strmap *dicts, int64_t rows)
{
	struct buf arr = BUF_INIT;
	char id[24], count[24];
	const char *params[3] = { id, NULL, count };
	int ret = -1;

	snprintf(id, sizeof(id), "%lld", (long long)dataset_id);
	snprintf(count, sizeof(count), "%lld", (long long)rows);
	if (copy_end(db, NULL))
		goto out;
	if (copy_dictionaries(db, id, 0, dicts, nattrs))
		goto out;
	text_array(&arr, attrs, nattrs);
	params[1] = arr.s;
	if (db_cmd(db, "finish examples upload",
		   "UPDATE datasets SET attributes = $2::text[],"
		   " example_count = $3, uploaded_at = now() WHERE id = $1",
		   3, params))
		goto out;
	if (db_cmd(db, "commit upload", "COMMIT", 0, NULL))
		goto out;
	db->in_tx = false;
	ret = 0;
out:
	if (ret)
		store_upload_abort(db);
	buf_release(&arr);
	return ret;
}

/*
 * The example ids of a dataset as (ord, id) lines in heap order; kept in a
 * buffer by ord, then interned in ord order so that index = ord.
 */
struct ids_load {
	int64_t count, lines;
	struct idindex *index;	/* ids into an index instead of text */
	size_t *off;		/* per ord: offset into text, SIZE_MAX = unseen */
	uint32_t *len;
	struct buf text;
	struct ref_texts *refs;	/* also keep references, or NULL */
};

void ref_texts_release(struct ref_texts *r)
{
	buf_release(&r->text);
	free(r->off);
	free(r->len);
	r->off = NULL;
	r->len = NULL;
	r->n = 0;
}

static int ids_line(void *ctx, char *line, size_t n)
{
	struct ids_load *l = ctx;
	char *tab = memchr(line, '\t', n);
	int64_t ord;
	size_t idlen;

	if (!tab || parse_i64(line, (size_t)(tab - line), &ord) || ord < 0 ||
	    ord >= l->count || (!l->index && l->off[ord] != SIZE_MAX))
		return -1;
	l->lines++;
	if (l->refs) {
		char *tab2 = memchr(tab + 1, '\t', n - (size_t)(tab + 1 - line));
		size_t rlen;

		if (!tab2)
			return -1;
		rlen = n - (size_t)(tab2 + 1 - line);
		if (rlen == 2 && tab2[1] == '\\' && tab2[2] == 'N')
			rlen = 0;	/* a NULL reference is the empty one */
		else
			rlen = copy_unescape(tab2 + 1, rlen);
		l->refs->off[ord] = l->refs->text.len;
		l->refs->len[ord] = (uint32_t)rlen;
		buf_add(&l->refs->text, tab2 + 1, rlen);
		n = (size_t)(tab2 - line);
	}
	idlen = copy_unescape(tab + 1, n - (size_t)(tab + 1 - line));
	if (l->index) {
		idindex_put(l->index, (uint32_t)ord, tab + 1, idlen);
		return 0;
	}
	l->off[ord] = l->text.len;
	l->len[ord] = (uint32_t)idlen;
	buf_add(&l->text, tab + 1, idlen);
	return 0;
}

/*
 * The example ids of a dataset, as text into ids (index = ord) or, when
 * index is not NULL, into that id index (index = ord, built here); with
 * refs, the references too.
 */
static int load_ids_into(struct db *db, int64_t dataset_id,
			 struct strmap *ids, struct idindex *index,
			 struct ref_texts *refs)
{
	struct ids_load l = { 0 };
	char sql[160];
	const char *params[1] = { sql };
	PGresult *r;
	int ret = -1;

	/* COPY takes no parameters; dataset_id is an integer we formatted. */
	snprintf(sql, sizeof(sql), "%lld", (long long)dataset_id);
	r = db_exec(db, "count examples", PGRES_TUPLES_OK,
		    "SELECT example_count FROM datasets WHERE id = $1", 1, params);
	if (!r)
		return -1;
	l.count = PQntuples(r) == 1 ? db_i64(r, 0, 0) : 0;
	PQclear(r);
	l.index = index;
	if (!index) {
		l.off = xmalloc((size_t)(l.count ? l.count : 1) * sizeof(*l.off));
		l.len = xmalloc((size_t)(l.count ? l.count : 1) * sizeof(*l.len));
		for (int64_t i = 0; i < l.count; i++)
			l.off[i] = SIZE_MAX;
	}
	buf_init(&l.text, 0);
	if (refs) {
		l.refs = refs;
		buf_init(&refs->text, 0);
		refs->n = l.count;
		refs->off = xcalloc((size_t)l.count, sizeof(*refs->off));
		refs->len = xcalloc((size_t)l.count, sizeof(*refs->len));
	}
	snprintf(sql, sizeof(sql), "COPY (SELECT ord, ext_id%s FROM examples"
		 " WHERE dataset_id = %lld) TO STDOUT", refs ? ", reference" : "",
		 (long long)dataset_id);
	if (db_copy_out(db, "load example ids", sql, ids_line, &l))
		goto out;
	if (index) {
		/* ords are unique in a committed upload; count them */
		if (l.lines != l.count) {
			log_error("dataset %lld: %lld example ids read, %lld"
				  " expected", (long long)dataset_id,
				  (long long)l.lines, (long long)l.count);
			goto out;
		}
		idindex_build(index, NULL, NULL);
		ret = 0;
		goto out;
	}
	for (int64_t i = 0; i < l.count; i++) {
		if (l.off[i] == SIZE_MAX) {
			log_error("dataset %lld: example %lld is missing",
				  (long long)dataset_id, (long long)i);
			goto out;
		}
		strmap_intern(ids, l.text.s + l.off[i], l.len[i], NULL);
	}
	ret = 0;
out:
	free(l.off);
	free(l.len);
	buf_release(&l.text);
	return ret;
}

static int load_ids(struct db *db, int64_t dataset_id, struct strmap *ids,
		    struct ref_texts *refs)
{
	return load_ids_into(db, dataset_id, ids, NULL, refs);
}

int store_predictions_begin(struct db *db, int64_t model_id,
			    int64_t dataset_id, bool replace,
			    struct idindex *ids, struct ref_texts *refs)
{
	char sql[200];
	int64_t count;
	int r;

	r = begin_locked(db, "SELECT prediction_count FROM models WHERE id = $1"
			 " FOR UPDATE", model_id, &count);
	/* The model's own partition; replacing empties it.  Identifiers take
	   no parameters, and model_id is an integer. */
	snprintf(sql, sizeof(sql), "CREATE TABLE IF NOT EXISTS predictions_%lld"
		 " PARTITION OF predictions FOR VALUES IN (%lld)",
		 (long long)model_id, (long long)model_id);
	if (r == 0 && db_cmd(db, "create predictions partition", sql, 0, NULL))
		r = -1;
	if (r == 0 && owner_default(db, "predictions", "model_id", model_id))
		r = -1;
	if (r == 0 && count > 0) {
		snprintf(sql, sizeof(sql), "TRUNCATE predictions_%lld",
			 (long long)model_id);
		if (!replace)
			r = 2;
		else if (db_cmd(db, "replace predictions", sql, 0, NULL))
			r = -1;
	}
	if (r)
		goto fail;

	if (ids && load_ids_into(db, dataset_id, NULL, ids, refs)) {
		r = -1;
		goto fail;
	}
	/* Only the columns the task fills: fewer fields for COPY to parse. */
	snprintf(sql, sizeof(sql), "COPY predictions_%lld (%s) FROM STDIN",
		 (long long)model_id, refs ? "ord, hypothesis, hits, sub,"
		 " del, ins, ref_words, ref_chars, char_errors" :
		 "ord, prediction, prediction_num");
	r = copy_start(db, sql);
	if (r == 0)
		return 0;
fail:
	store_upload_abort(db);
	return r;
}

int store_predictions_commit(struct db *db, int64_t model_id, int64_t rows,
			     const char *normalize)
{
	char id[24], count[24];
	const char *params[3] = { id, count, normalize };
	int ret = -1;

	snprintf(id, sizeof(id), "%lld", (long long)model_id);
	snprintf(count, sizeof(count), "%lld", (long long)rows);
	if (copy_end(db, NULL))
		goto out;
	if (db_cmd(db, "finish predictions upload",
		   "UPDATE models SET prediction_count = $2, normalize = $3,"
		   " uploaded_at = now() WHERE id = $1", 3, params))
		goto out;
	if (db_cmd(db, "commit upload", "COMMIT", 0, NULL))
		goto out;
	db->in_tx = false;
	ret = 0;
out:
	if (ret)
		store_upload_abort(db);
	return ret;
}

int store_attributes_begin(struct db *db, int64_t dataset_id,
			   struct strmap *ids)
{
	int64_t count;
	int r;

	r = begin_locked(db, "SELECT example_count FROM datasets WHERE id = $1"
			 " FOR UPDATE", dataset_id, &count);
	if (r == 0 && load_ids(db, dataset_id, ids, NULL))
		r = -1;
	if (r)
		store_upload_abort(db);
	return r;
}

struct speakers_load {
	struct strmap *speakers;
	uint32_t *speaker_of;
	int64_t count;
};

static int speaker_line(void *ctx, char *line, size_t n)
{
	struct speakers_load *l = ctx;
	char *f[2];
	size_t len[2];
	bool null[2];
	int64_t ord;

	if (db_split_fields(line, n, f, len, null, 2) != 2 ||
	    parse_i64(f[0], len[0], &ord) || ord < 0 || ord >= l->count)
		return -1;
	if (!null[1] && len[1])
		l->speaker_of[ord] = strmap_intern(l->speakers, f[1], len[1], NULL);
	return 0;
}

int store_attributes_speakers(struct db *db, int64_t dataset_id,
			      struct strmap *speakers, uint32_t *speaker_of,
			      int64_t count)
{
	struct speakers_load l = { speakers, speaker_of, count };
	char sql[128];

	for (int64_t i = 0; i < count; i++)
		speaker_of[i] = UINT32_MAX;
	/* COPY takes no parameters; dataset_id is an integer we formatted. */
	snprintf(sql, sizeof(sql), "COPY (SELECT ord, speaker FROM examples"
		 " WHERE dataset_id = %lld) TO STDOUT", (long long)dataset_id);
	return db_copy_out(db, "load speakers", sql, speaker_line, &l);
}

int store_attributes_commit(struct db *db, int64_t dataset_id,
			    size_t first_attr, const char *const *names,
			    size_t nnew, const struct strmap *dicts,
			    uint32_t *const *codes, int64_t nrows)
{
	struct buf line = BUF_INIT, arr = BUF_INIT;
	char id[24];
	const char *params[2] = { id, NULL };
	int ret = -1;

	snprintf(id, sizeof(id), "%lld", (long long)dataset_id);
	if (db_cmd(db, "stage attributes",
		   "CREATE TEMP TABLE attr_add (ord int PRIMARY KEY, extra text)"
		   " ON COMMIT DROP", 0, NULL) ||
	    copy_start(db, "COPY attr_add (ord, extra) FROM STDIN"))
		goto out;
	for (int64_t o = 0; o < nrows; o++) {
		buf_addf(&line, "%lld\t", (long long)o);
		for (size_t a = 0; a < nnew; a++)
			buf_addf(&line, a ? ",%u" : "%u", codes[a][o]);
		buf_addch(&line, '\n');
		if (line.len > (1u << 20)) {
			if (store_copy_put(db, line.s, line.len))
				goto out;
			buf_reset(&line);
		}
	}
	if ((line.len && store_copy_put(db, line.s, line.len)) || copy_end(db, NULL))
		goto out;
	if (db_cmd(db, "add attributes",
		   "UPDATE examples e SET attrs = CASE WHEN e.attrs = '' THEN t.extra"
		   " ELSE e.attrs || ',' || t.extra END FROM attr_add t"
		   " WHERE e.dataset_id = $1 AND e.ord = t.ord", 1, params))
		goto out;
	if (copy_dictionaries(db, id, first_attr, dicts, nnew))
		goto out;
	text_array(&arr, names, nnew);
	params[1] = arr.s;
	if (db_cmd(db, "record attributes",
		   "UPDATE datasets SET attributes = attributes || $2::text[]"
		   " WHERE id = $1", 2, params) ||
	    db_cmd(db, "commit upload", "COMMIT", 0, NULL))
		goto out;
	db->in_tx = false;
	ret = 0;
out:
	if (ret)
		store_upload_abort(db);
	buf_release(&line);
	buf_release(&arr);
	return ret;
}

/* (ord, hypothesis) lines into a ref_texts by ord. */
static int hyp_line(void *ctx, char *line, size_t n)
{
	struct ref_texts *h = ctx;
	char *tab = memchr(line, '\t', n);
	int64_t ord;
	size_t len;

	if (!tab || parse_i64(line, (size_t)(tab - line), &ord) || ord < 0 ||
	    ord >= h->n)
		return -1;
	len = n - (size_t)(tab + 1 - line);
	if (len == 2 && tab[1] == '\\' && tab[2] == 'N')
		len = 0;
	else
		len = copy_unescape(tab + 1, len);
	h->off[ord] = h->text.len;
	h->len[ord] = (uint32_t)len;
	buf_add(&h->text, tab + 1, len);
	return 0;
}

int store_asr_texts(struct db *db, int64_t dataset_id, int64_t model_id,
		    struct strmap *ids, struct ref_texts *refs,
		    struct ref_texts *hyps)
{
	char sql[160];

	if (load_ids(db, dataset_id, ids, refs))
		return -1;
	buf_init(&hyps->text, 0);
	hyps->n = refs->n;
	hyps->off = xcalloc((size_t)refs->n, sizeof(*hyps->off));
	hyps->len = xcalloc((size_t)refs->n, sizeof(*hyps->len));
	/* COPY takes no parameters; model_id is an integer we formatted. */
	snprintf(sql, sizeof(sql), "COPY (SELECT ord, hypothesis FROM predictions"
		 " WHERE model_id = %lld) TO STDOUT", (long long)model_id);
	return db_copy_out(db, "load hypotheses", sql, hyp_line, hyps);
}
