/*
 * h_uploads.c - POST /v1/datasets/{id}/examples and
 * POST /v1/models/{id}/predictions: streamed, all-or-nothing uploads.
 *
 * 1. begin: find the dataset or model, pick the parser from Content-Type,
 *    open the upload transaction (store_*_begin), set up validation
 *    (ingest/upload.h);
 * 2. each body chunk goes through the parser and the validation, and every
 *    valid row becomes one line of COPY text, sent to PostgreSQL in 1 MiB
 *    batches while the body is still arriving;
 * 3. at the end: any error -> abort the transaction (nothing stored) and
 *    answer 422 with the errors; else commit and answer 201 {"rows": N}.
 * Attribute values are dictionary-encoded here: each attribute keeps a
 * strmap of its values (code 0 = the empty string), examples store codes.
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/prometheus.h"
#include "server/pgcopy.h"
#include "server/log.h"
#include "server/reqjson.h"
#include "ingest/upload.h"
#include "server/idcache.h"
#include "server/tablecache.h"
#include "metrics/alignment.h"

#define COPY_BATCH (64u << 10)	/* small enough that parsing and PostgreSQL overlap */

struct upload_state {
	enum upload_kind kind;
	int64_t owner;			/* dataset or model id */
	struct dataset ds;
	struct label_domain dom;	/* the dataset's, if it declares one */
	struct upload *u;
	struct ingest_errors errs;
	struct idindex known;		/* predictions: example ids, read */
	const struct idindex *cached;	/* predictions: example ids, cached */
	struct ref_texts refs;		/* asr predictions: references by ord */
	struct aligner *al;		/* asr predictions */
	char *normalize;		/* asr: the normalisation, described */
	struct buf copy;
	struct db *db;
	bool db_failed;
	uint64_t rows;
	enum ingest_format format;
	bool saw_line_break;		/* for the curl -d hint */
	uint64_t bytes;
	/* examples */
	bool speaker_attr;		/* asr: "speaker" kept as an attribute too */
	size_t nattrs;
	char **attr_names;
	struct strmap *dicts;
};

static void upload_state_free(struct upload_state *s)
{
	if (!s)
		return;
	upload_free(s->u);
	ingest_errors_release(&s->errs);
	idindex_release(&s->known);
	idcache_release(s->cached);
	ref_texts_release(&s->refs);
	aligner_free(s->al);
	free(s->normalize);
	buf_release(&s->copy);
	for (size_t a = 0; a < s->nattrs; a++) {
		free(s->attr_names[a]);
		strmap_release(&s->dicts[a]);
	}
	free(s->attr_names);
	free(s->dicts);
	dataset_release(&s->ds);
	free(s);
}

void h_upload_free(struct request *r)
{
	upload_state_free(r->upload);
	r->upload = NULL;
}

static void flush_copy(struct upload_state *s)
{
	if (s->copy.len && !s->db_failed &&
	    store_copy_put(s->db, s->copy.s, s->copy.len))
		s->db_failed = true;
	buf_reset(&s->copy);
}

static void field(struct buf *b, const char *s, size_t n)
{
	if (!s)
		buf_adds(b, "\\N");
	else
		copy_escape(b, s, n);
	buf_addch(b, '\t');
}

/*
 * A validated number as COPY text: its source text, which PostgreSQL reads
 * with strtod as we did - except a text that underflowed to zero
 * ("1e-400"), which PostgreSQL refuses, so zero is written as "0".
 */
static void number(struct buf *b, const char *src, size_t n, double v)
{
	if (v == 0)
		buf_addch(b, '0');
	else
		buf_add(b, src, n);
}

/* The row's leading "ord\t" column (the owner is the partition's default). */
static void row_start(struct buf *b, size_t ord)
{
	buf_add_u64(b, ord);
	buf_addch(b, '\t');
}

static void on_header(void *ctx, const struct upload *u)
{
	struct upload_state *s = ctx;

	if (s->kind != UPLOAD_EXAMPLES)
		return;
	s->nattrs = upload_nattrs(u);
	/* The speaker is a cohort attribute too, so "by": ["speaker"] works. */
	s->speaker_attr = upload_has_speaker(u);
	if (s->speaker_attr)
		s->nattrs++;
	s->attr_names = xcalloc(s->nattrs, sizeof(char *));
	s->dicts = xcalloc(s->nattrs, sizeof(struct strmap));
	for (size_t a = 0; a < s->nattrs; a++) {
		bool spk = s->speaker_attr && a + 1 == s->nattrs;

		s->attr_names[a] = xstrdup(spk ? "speaker" : upload_attr(u, a));
		strmap_init(&s->dicts[a]);
		strmap_intern(&s->dicts[a], "", 0, NULL);
	}
}

static void on_example(struct upload_state *s, const struct upload_row *row)
{
	struct buf *b = &s->copy;

	/* the columns of store_examples_begin for the task */
	row_start(b, row->example);
	field(b, row->id, row->id_len);
	if (row->label) {
		field(b, row->label, row->label_len);
		if (!strcmp(s->ds.task, "regression")) {
			number(b, row->label, row->label_len, row->label_num);
			buf_addch(b, '\t');
		}
	} else {
		field(b, row->text ? row->text : "", row->text_len);
		field(b, row->speaker, row->speaker_len);
	}
	for (size_t a = 0; a < s->nattrs; a++) {
		uint32_t code;

		if (s->speaker_attr && a + 1 == s->nattrs) {
			code = strmap_intern(&s->dicts[a], row->speaker ? row->speaker : "",
					     row->speaker_len, NULL);
		} else {
			const struct ingest_value *v = &row->attrs[a];
			code = strmap_intern(&s->dicts[a], v->s, v->null ? 0 : v->len,
					     NULL);
		}
		if (a)
			buf_addch(b, ',');
		buf_add_u64(b, code);
	}
	buf_addch(b, '\n');
}

static void on_prediction(struct upload_state *s, const struct upload_row *row)
{
	struct buf *b = &s->copy;
	struct asr_counts c;

	if (!row->pred) {
		/* asr: aligned once, here, with the upload's normalisation */
		struct buf err = BUF_INIT;
		size_t ord = row->example;

		if (aligner_score(s->al, s->refs.text.s + s->refs.off[ord],
				  s->refs.len[ord], row->text ? row->text : "",
				  row->text_len, 0, &c, &err)) {
			ingest_errors_addf(&s->errs, row->row, "hypothesis", "%s",
					   err.s);
			buf_release(&err);
			return;
		}
	}
	row_start(b, row->example);
	if (row->pred) {
		/* (ord, prediction, prediction_num) */
		field(b, row->pred, row->pred_len);
		if (!strcmp(s->ds.task, "classification"))
			buf_adds(b, "\\N");
		else
			number(b, row->pred, row->pred_len, row->pred_num);
		buf_addch(b, '\n');
	} else {
		/* (ord, hypothesis, hits, sub, del, ins, ref_words,
		   ref_chars, char_errors) */
		field(b, row->text ? row->text : "", row->text_len);
		buf_addf(b, "%u\t%u\t%u\t%u\t%u\t%u\t%u\n", c.hits, c.sub,
			 c.del, c.ins, c.ref_words, c.ref_chars, c.char_errors);
	}
}

static void on_row(void *ctx, const struct upload_row *row)
{
	struct upload_state *s = ctx;

	if (s->errs.total)
		return;		/* the upload will be refused */
	if (s->kind == UPLOAD_EXAMPLES)
		on_example(s, row);
	else
		on_prediction(s, row);
	s->rows++;
	if (s->copy.len >= COPY_BATCH)
		flush_copy(s);
}

/* The parser of an open upload in the given format; -1 with err set. */
static int open_parser(struct upload_state *s, enum ingest_format format,
		       struct buf *err)
{
	struct upload_params p = { 0 };
	enum task task;

	task_parse(s->ds.task, &task);
	p.format = format;
	s->format = format;
	p.task = task;
	p.kind = s->kind;
	p.positive_label = s->ds.positive_label;
	if (dataset_domain(&s->ds, &s->dom))
		p.domain = &s->dom;
	p.known = s->kind != UPLOAD_PREDICTIONS ? NULL :
		  s->cached ? s->cached : &s->known;
	p.header = on_header;
	p.row = on_row;
	p.ctx = s;
	s->u = upload_new(&p, &s->errs, err);
	return s->u ? 0 : -1;
}

/* Shared part of both begins, after the owner row is locked. */
static void start_upload(struct request *r, struct upload_state *s)
{
	const char *ct = req_header(r, "Content-Type");
	struct buf err = BUF_INIT;
	enum ingest_format format;

	if (!ct) {
		respond_problem(r, 415, "Unsupported media type",
				"an upload needs a Content-Type: text/csv,"
				" application/x-ndjson, application/json or (asr)"
				" text/x-trn");
		goto out;
	}
	if (ingest_format_from_content_type(ct, &format, &err) ||
	    open_parser(s, format, &err))
		respond_problem(r, 415, "Unsupported media type", "%s", err.s);
out:
	buf_release(&err);
}

static struct upload_state *state_alloc(enum upload_kind kind, int64_t owner)
{
	struct upload_state *s = xcalloc(1, sizeof(*s));

	s->kind = kind;
	s->owner = owner;
	ingest_errors_init(&s->errs);
	idindex_init(&s->known);
	buf_init(&s->copy, 0);
	return s;
}

static struct upload_state *state_new(struct request *r, enum upload_kind kind)
{
	struct upload_state *s = state_alloc(kind, r->ids[0]);

	r->upload = s;
	return s;
}

void h_examples_begin(struct request *r)
{
	struct upload_state *s = state_new(r, UPLOAD_EXAMPLES);
	int rc = store_dataset_get(req_db(r), s->owner, &s->ds);

	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"dataset %lld does not exist",
					(long long)s->owner);
		else
			respond_internal(r);
		return;
	}
	s->db = req_db(r);
	{
		enum task task = TASK_CLASSIFICATION;

		task_parse(s->ds.task, &task);
		rc = store_examples_begin(s->db, s->owner, task);
	}
	if (rc == 2) {
		respond_problem(r, 409, "Conflict",
				"dataset %lld already has its examples; an"
				" evaluation set is uploaded once (create a new"
				" dataset for new ground truth)", (long long)s->owner);
		return;
	}
	if (rc) {
		respond_internal(r);
		return;
	}
	start_upload(r, s);
}

/*
 * Open an upload of predictions for model s->owner: the dataset, the
 * aligner of normalize (asr; NULL for sclite's default), the transaction
 * with the model row locked.  Returns 0, or an HTTP status with one
 * sentence in err.
 */
static int predictions_open(struct upload_state *s, struct db *db,
			    const char *normalize, bool replace,
			    struct buf *err)
{
	struct model m = { 0 };
	int rc = store_model_get(db, s->owner, &m);

	if (rc) {
		if (rc < 0)
			return 500;
		buf_addf(err, "model %lld does not exist", (long long)s->owner);
		return 404;
	}
	rc = store_dataset_get(db, m.dataset_id, &s->ds);
	model_release(&m);
	if (rc)
		return 500;
	if (s->ds.example_count == 0) {
		buf_addf(err, "dataset %lld has no examples yet; upload the"
			 " ground truth before predictions", (long long)s->ds.id);
		return 409;
	}
	if (!strcmp(s->ds.task, "asr")) {
		struct norm_opts no;
		struct buf e = BUF_INIT, desc = BUF_INIT;

		norm_opts_init(&no);
		if ((normalize && norm_opts_parse(&no, normalize,
						  strlen(normalize), &e)) ||
		    !(s->al = aligner_new(&no, &e))) {
			buf_addf(err, "normalize: %s", e.s);
		} else {
			norm_opts_describe(&no, &desc);
			s->normalize = buf_detach(&desc, NULL);
		}
		norm_opts_release(&no);
		buf_release(&e);
		buf_release(&desc);
		if (!s->al)
			return 400;
	}
	s->db = db;
	if (!s->al)
		s->cached = idcache_get(s->ds.id, s->ds.example_count);
	rc = store_predictions_begin(s->db, s->owner, s->ds.id, replace,
				     s->cached ? NULL : &s->known,
				     s->al ? &s->refs : NULL);
	if (rc == 2) {
		buf_addf(err, "model %lld already has predictions; add"
			 " ?replace=true to replace them", (long long)s->owner);
		return 409;
	}
	return rc ? 500 : 0;
}

void h_predictions_begin(struct request *r)
{
	struct upload_state *s = state_new(r, UPLOAD_PREDICTIONS);
	struct buf err = BUF_INIT;
	int status = predictions_open(s, req_db(r), req_arg(r, "normalize"),
				      arg_true(r, "replace"), &err);

	switch (status) {
	case 0:
		start_upload(r, s);
		break;
	case 400:
		respond_problem(r, 400, "Bad request", "%s", err.s);
		break;
	case 404:
		respond_problem(r, 404, "Not found", "%s", err.s);
		break;
	case 409:
		respond_problem(r, 409, "Conflict", "%s", err.s);
		break;
	default:
		respond_internal(r);
		break;
	}
	buf_release(&err);
}

int h_upload_data(struct request *r, const char *data, size_t n)
{
	struct upload_state *s = r->upload;

	if (!s || !s->u)
		return -1;
	s->bytes += n;
	if (!s->saw_line_break && (memchr(data, '\n', n) || memchr(data, '\r', n)))
		s->saw_line_break = true;
	return upload_feed(s->u, data, n) ? -1 : 0;
}

void respond_upload_refused(struct request *r, const struct ingest_errors *e,
			    const char *summary)
{
	struct buf json = BUF_INIT, d = BUF_INIT;
	cJSON *doc = cJSON_CreateObject();
	cJSON *errors, *kinds;

	ingest_errors_json(e, &json);
	errors = cJSON_Parse(json.s);
	buf_reset(&json);
	ingest_errors_summary_json(e, &json);
	kinds = cJSON_Parse(json.s);
	buf_release(&json);
	cJSON_AddStringToObject(doc, "title", "Invalid upload");
	buf_addf(&d, "the upload has %llu error%s%s; nothing was stored",
		 (unsigned long long)e->total, e->total == 1 ? "" : "s",
		 e->total > e->n ? " (the first ones are listed)" : "");
	/* The whole upload in a few sentences: every kind, however many. */
	if (summary && *summary) {
		buf_adds(&d, ". In all:");
		for (const char *p = summary, *nl; *p; p = nl + 1) {
			nl = strchr(p, '\n');
			if (!nl)
				nl = p + strlen(p) - 1;
			buf_addf(&d, " %.*s%s", (int)(nl - p), p,
				 nl[1] ? ";" : "");
		}
	}
	cJSON_AddStringToObject(doc, "detail", d.s);
	buf_release(&d);
	cJSON_AddNumberToObject(doc, "error_count", (double)e->total);
	cJSON_AddItemToObject(doc, "errors", errors ? errors : cJSON_CreateArray());
	cJSON_AddItemToObject(doc, "summary", kinds ? kinds : cJSON_CreateArray());
	respond_problem_doc(r, 422, doc);
}

static void respond_upload_errors(struct request *r, struct upload_state *s)
{
	struct buf sum = BUF_INIT;

	/* curl -d strips line breaks, which a line-based body cannot lose. */
	if (s->format != INGEST_JSON && s->bytes && !s->saw_line_break)
		buf_adds(&sum, "the body has no line breaks at all: did you use"
			 " curl -d instead of --data-binary? (-d strips them)\n");
	if (s->u)
		upload_summary(s->u, &sum);
	respond_upload_refused(r, &s->errs, sum.s);
	buf_release(&sum);
}

/*
 * Finish an open upload: the rest of the parse, the last COPY batch, the
 * commit and the caches.  Returns 0, 422 when the rows had errors (s->errs;
 * nothing stored), or 500.
 */
static int upload_close(struct upload_state *s)
{
	int rc = upload_finish(s->u);

	if (rc || s->errs.total) {
		store_upload_abort(s->db);
		return 422;
	}
	flush_copy(s);
	if (s->db_failed) {
		store_upload_abort(s->db);
		return 500;
	}
	if (s->kind == UPLOAD_EXAMPLES)
		rc = store_examples_commit(s->db, s->owner,
					   (const char *const *)s->attr_names,
					   s->nattrs, s->dicts, (int64_t)s->rows);
	else
		rc = store_predictions_commit(s->db, s->owner, (int64_t)s->rows,
					      s->normalize);
	if (rc)
		return 500;
	/* Loaded tables of the old predictions can no longer be found. */
	if (s->kind == UPLOAD_PREDICTIONS)
		tablecache_forget_model(s->owner);
	/*
	 * The dataset's ids, for the next prediction upload: as an examples
	 * upload indexed them, or as a prediction upload read them.  (asr
	 * prediction uploads read the references with the ids every time.)
	 */
	if (s->kind == UPLOAD_EXAMPLES && strcmp(s->ds.task, "asr")) {
		upload_take_ids(s->u, &s->known);
		if (idindex_count(&s->known) == s->rows)
			idcache_put(s->owner, (int64_t)s->rows, &s->known);
	} else if (s->kind == UPLOAD_PREDICTIONS && !s->cached && !s->al) {
		idcache_put(s->ds.id, s->ds.example_count, &s->known);
	}
	metrics_add_rows(s->kind == UPLOAD_EXAMPLES ? "examples" : "predictions",
			 s->rows);
	return 0;
}

void h_upload_end(struct request *r)
{
	struct upload_state *s = r->upload;
	double t_body = now_seconds();
	int rc;

	if (!s || !s->u) {
		respond_internal(r);
		return;
	}
	rc = upload_close(s);
	if (rc == 422) {
		respond_upload_errors(r, s);
		return;
	}
	if (rc) {
		respond_internal(r);
		return;
	}
	log_info("upload: %llu rows, body streamed in %.3f s, committed in %.3f s",
		 (unsigned long long)s->rows, t_body - r->started, now_seconds() - t_body);
	{
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddNumberToObject(doc, "rows", (double)s->rows);
		respond_json(r, 201, doc);
	}
}

int predictions_store(struct db *db, int64_t model, const char *normalize,
		      enum ingest_format format, const char *body, size_t len,
		      struct buf *err)
{
	struct upload_state *s = state_alloc(UPLOAD_PREDICTIONS, model);
	int rc = predictions_open(s, db, normalize, false, err);

	if (!rc && open_parser(s, format, err)) {
		store_upload_abort(db);
		rc = 400;
	}
	if (!rc) {
		if (upload_feed(s->u, body, len) && !s->errs.total)
			s->errs.total = 1;	/* the parser stopped */
		rc = upload_close(s);
		if (rc == 422) {
			struct buf e = BUF_INIT;

			ingest_errors_json(&s->errs, &e);
			buf_addf(err, "%llu rows were refused: %s",
				 (unsigned long long)s->errs.total, e.s);
			buf_release(&e);
		}
	}
	upload_state_free(s);
	return rc;
}
