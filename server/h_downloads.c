/*
 * h_downloads.c - GET /v1/datasets/{id}/examples and
 * GET /v1/models/{id}/predictions: what was uploaded, read back.
 *
 * The columns are the ones an upload of the same task takes
 * (ingest/upload.h), so a download uploads again as it is, into a new
 * dataset or as a model's predictions, and downloading that gives the same
 * bytes:
 *   examples     id, label (classification, score, regression), then
 *                every attribute in the dataset's order;
 *                asr: id, reference, speaker (when the dataset has the
 *                attribute), then the other attributes in the dataset's
 *                order (an upload puts "speaker" last among the
 *                attributes whatever its column, so it has a column of its
 *                own here for the second download to match the first)
 *   predictions  id, prediction (asr: hypothesis), in the order of the
 *                dataset's examples
 * Rows come in upload order.  A model without predictions (or a dataset
 * without examples) gives the header alone: a body that is not an error,
 * since the model and its columns exist.
 *
 * Formats, by the Accept header (q-values honoured; none, or a wildcard:
 * CSV):
 *   text/csv                   RFC 4180: CRLF line ends, a header row, a
 *                              field quoted when it has a comma, a quote,
 *                              CR or LF or starts or ends with a space
 *                              (report/csv.h's quoting); the empty string
 *                              is "" and SQL NULL (a missing speaker) an
 *                              empty unquoted field, as the upload reads
 *                              them
 *   application/x-ndjson       one JSON object per line, every value a
 *   (or application/jsonl)     string or null, keys in column order
 *   text/x-trn                 asr only: "words (utterance-id)" lines;
 *                              refused with 406 when a row would not read
 *                              back the same (an id with capitals, which
 *                              trn lower-cases, a text with a line feed or
 *                              surrounding spaces, an id without a
 *                              speaker): every row is first put through
 *                              the upload's own trn parser
 *
 * No spreadsheet-formula guard: these files are machine-readable copies of
 * the stored data, meant to be uploaded again, and a leading apostrophe on
 * "=1+2" would change the value on the way back.  The CSVs meant for
 * people (report/csv.h) carry the guard.
 *
 * Streaming: the rows come from PostgreSQL by COPY (server/
 * store_downloads.h) and are formatted into a buffer of about one
 * libmicrohttpd block while libmicrohttpd sends the previous one
 * (respond_stream), so a download holds one block and one row, whatever the
 * table's size.  The request's database lease moves to the stream, which
 * gives it back when libmicrohttpd is done with the response (sent, or the
 * client gone); at most DOWNLOADS_MAX downloads run at once, so slow
 * readers cannot hold every pooled connection.
 */
#include "common/fa.h"
#include "common/limits.h"
#include "server/handlers.h"
#include "server/log.h"
#include "server/store_downloads.h"
#include "report/csv.h"
#include "ingest/ingest.h"
#include "ingest/parser.h"
#include <pthread.h>

/* Downloads running at once, each holding one pooled connection. */
#define DOWNLOADS_MAX 4

enum dl_format {
	FMT_CSV,
	FMT_NDJSON,
	FMT_TRN,
};

/* One output column: its name and the row value it shows. */
struct dl_column {
	char *name;
	size_t src;		/* index into struct download_row */
	bool empty_is_null;	/* asr speaker: "" is no speaker */
};

struct dl_stream {
	/* what to read */
	bool examples;
	int64_t owner;		/* dataset or model id */
	int64_t dataset_id;
	bool asr;
	size_t nattrs;
	/* how to write it */
	enum dl_format fmt;
	struct dl_column *cols;
	size_t ncols;
	char **keys;		/* NDJSON: "\"name\":" per column */
	/* while it runs */
	struct store *store;
	struct db *db;		/* the request's lease, once the stream owns it */
	struct download *dl;
	struct buf out;		/* formatted, not yet handed over */
	size_t off;
	bool end;
	bool counted;		/* holds one of DOWNLOADS_MAX */
	uint64_t rows;
};

static pthread_mutex_t downloads_lock = PTHREAD_MUTEX_INITIALIZER;
static int downloads_running;

static bool download_slot_take(void)
{
	bool ok;

	pthread_mutex_lock(&downloads_lock);
	ok = downloads_running < DOWNLOADS_MAX;
	if (ok)
		downloads_running++;
	pthread_mutex_unlock(&downloads_lock);
	return ok;
}

static void download_slot_give(void)
{
	pthread_mutex_lock(&downloads_lock);
	downloads_running--;
	pthread_mutex_unlock(&downloads_lock);
}

/* ---- formats ---- */

static bool ieq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && !strncasecmp(s, lit, n);
}

/*
 * The format of one media range, or -1 if it names none of ours.  trn is
 * offered for asr only; wildcards mean CSV (application/ * NDJSON).
 */
static int range_format(const char *s, size_t n, bool asr,
			const char **type)
{
	if (ieq(s, n, "text/csv") || ieq(s, n, "text/*") || ieq(s, n, "*/*")) {
		*type = "text/csv; charset=utf-8; header=present";
		return FMT_CSV;
	}
	if (ieq(s, n, "application/x-ndjson") || ieq(s, n, "application/*")) {
		*type = "application/x-ndjson";
		return FMT_NDJSON;
	}
	if (ieq(s, n, "application/jsonl")) {
		*type = "application/jsonl";
		return FMT_NDJSON;
	}
	if (asr && ieq(s, n, "text/x-trn")) {
		*type = "text/x-trn; charset=utf-8";
		return FMT_TRN;
	}
	return -1;
}

/* The q of a media range's parameters ("; q=0.5"), 1 if none. */
static double range_q(const char *p, const char *end)
{
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;

		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (stop - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char tmp[16];
			size_t n = (size_t)(stop - p - 2);

			if (n >= sizeof(tmp))
				return 0;
			memcpy(tmp, p + 2, n);
			tmp[n] = '\0';
			return strtod(tmp, NULL);
		}
		p = semi ? semi + 1 : end;
	}
	return 1;
}

/*
 * Pick the format from an Accept header (NULL: CSV): the supported range
 * with the highest q, the first listed among equals.  -1 when the header
 * accepts none of them.
 */
static int accept_format(const char *accept, bool asr, const char **type)
{
	const char *p = accept;
	double best_q = 0;
	int best = -1;

	if (!accept || !accept[strspn(accept, " \t")]) {
		*type = "text/csv; charset=utf-8; header=present";
		return FMT_CSV;
	}
	while (*p) {
		const char *end = strchr(p, ',');
		const char *semi, *t;
		size_t n;
		double q;
		int f;

		if (!end)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		semi = memchr(p, ';', (size_t)(end - p));
		n = (size_t)((semi ? semi : end) - p);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		q = semi ? range_q(semi + 1, end) : 1;
		f = range_format(p, n, asr, &t);
		if (f >= 0 && q > best_q) {
			best_q = q;
			best = f;
			*type = t;
		}
		p = *end ? end + 1 : end;
	}
	return best;
}

/* Answer 406 for an Accept header that takes none of our formats. */
static void respond_not_acceptable(struct request *r, bool asr,
				   const char *detail)
{
	cJSON *doc = cJSON_CreateObject();
	struct buf d = BUF_INIT;

	if (detail)
		buf_adds(&d, detail);
	else
		buf_addf(&d, "this download is offered as text/csv,"
			 " application/x-ndjson (or application/jsonl)%s",
			 asr ? " and text/x-trn" : "; text/x-trn is for asr"
			 " datasets only");
	cJSON_AddStringToObject(doc, "type",
				"https://fairaudit.dev/problems/not-acceptable");
	cJSON_AddStringToObject(doc, "title", "Not acceptable");
	cJSON_AddStringToObject(doc, "detail", d.s);
	buf_release(&d);
	respond_problem_doc(r, 406, doc);
}

/* A CSV value: NULL empty and unquoted, "" quoted, the rest as needed. */
static void csv_value(struct buf *b, const char *s, size_t n)
{
	if (!s)
		return;
	if (!n)
		buf_adds(b, "\"\"");
	else
		csv_add_field(b, s, n, false);	/* no formula guard: see top */
}

/* The id and text of a trn line: "text (id)\n", "(id)\n" for no text. */
static void trn_line(struct buf *b, const struct download_row *row)
{
	if (row->v[1] && row->len[1]) {
		buf_add(b, row->v[1], row->len[1]);
		buf_addch(b, ' ');
	}
	buf_addch(b, '(');
	buf_add(b, row->v[0], row->len[0]);
	buf_adds(b, ")\n");
}

static void format_header(struct dl_stream *s)
{
	if (s->fmt != FMT_CSV)
		return;
	for (size_t c = 0; c < s->ncols; c++) {
		if (c)
			buf_addch(&s->out, ',');
		csv_value(&s->out, s->cols[c].name, strlen(s->cols[c].name));
	}
	buf_adds(&s->out, "\r\n");
}

static void format_row(struct dl_stream *s, const struct download_row *row)
{
	struct buf *b = &s->out;

	if (s->fmt == FMT_TRN) {
		trn_line(b, row);
		return;
	}
	if (s->fmt == FMT_NDJSON)
		buf_addch(b, '{');
	for (size_t c = 0; c < s->ncols; c++) {
		const char *v = row->v[s->cols[c].src];
		size_t n = row->len[s->cols[c].src];

		if (v && !n && s->cols[c].empty_is_null)
			v = NULL;
		if (s->fmt == FMT_CSV) {
			if (c)
				buf_addch(b, ',');
			csv_value(b, v, n);
			continue;
		}
		if (c)
			buf_addch(b, ',');
		buf_adds(b, s->keys[c]);
		if (!v) {
			buf_adds(b, "null");
			continue;
		}
		buf_addch(b, '"');
		buf_add_json_escaped(b, v, n);
		buf_addch(b, '"');
	}
	buf_adds(b, s->fmt == FMT_CSV ? "\r\n" : "}\n");
}

/* ---- columns ---- */

static void add_column(struct dl_stream *s, const char *name, size_t src,
		       bool empty_is_null)
{
	s->cols[s->ncols++] = (struct dl_column){ xstrdup(name), src,
						  empty_is_null };
}

/* The columns of dataset d's examples (see the top). */
static void plan_examples(struct dl_stream *s, const struct dataset *d)
{
	size_t speaker = SIZE_MAX;

	s->cols = xcalloc(2 + d->nattrs, sizeof(*s->cols));
	add_column(s, "id", 0, false);
	add_column(s, s->asr ? "reference" : "label", 1, false);
	if (s->asr)
		for (size_t a = 0; a < d->nattrs; a++)
			if (!strcmp(d->attrs[a], "speaker"))
				speaker = a;
	if (speaker != SIZE_MAX)
		add_column(s, "speaker", 2 + speaker, true);
	for (size_t a = 0; a < d->nattrs; a++)
		if (a != speaker)
			add_column(s, d->attrs[a], 2 + a, false);
}

static void plan_predictions(struct dl_stream *s)
{
	s->cols = xcalloc(2, sizeof(*s->cols));
	add_column(s, "id", 0, false);
	add_column(s, s->asr ? "hypothesis" : "prediction", 1, false);
}

static void plan_keys(struct dl_stream *s)
{
	if (s->fmt != FMT_NDJSON)
		return;
	s->keys = xcalloc(s->ncols, sizeof(*s->keys));
	for (size_t c = 0; c < s->ncols; c++) {
		struct buf k = BUF_INIT;

		buf_addch(&k, '"');
		buf_add_json_escaped(&k, s->cols[c].name, strlen(s->cols[c].name));
		buf_adds(&k, "\":");
		s->keys[c] = buf_detach(&k, NULL);
	}
}

/* ---- the stream ---- */

/* A stream of examples (of dataset owner) or predictions (of model owner). */
static struct dl_stream *stream_new(bool examples, int64_t owner,
				    const struct dataset *d, enum dl_format fmt)
{
	struct dl_stream *s = xcalloc(1, sizeof(*s));

	s->examples = examples;
	s->owner = owner;
	s->dataset_id = d->id;
	s->asr = !strcmp(d->task, "asr");
	s->nattrs = d->nattrs;
	s->fmt = fmt;
	buf_init(&s->out, 0);
	return s;
}

/* (Re)start the COPY of s's rows from the first.  0 or -1 (logged). */
static int stream_start(struct dl_stream *s)
{
	if (s->examples)
		return store_download_examples(s->dl, s->owner, s->asr, s->nattrs);
	return store_download_predictions(s->dl, s->owner, s->dataset_id, s->asr);
}

static void stream_free(struct dl_stream *s)
{
	if (!s)
		return;
	store_download_end(s->dl);
	if (s->db)
		store_return(s->store, s->db);
	if (s->counted)
		download_slot_give();
	for (size_t c = 0; c < s->ncols; c++) {
		free(s->cols[c].name);
		if (s->keys)
			free(s->keys[c]);
	}
	free(s->keys);
	free(s->cols);
	buf_release(&s->out);
	free(s);
}

/* respond_stream's done: the response is finished with. */
static void stream_done(void *cls)
{
	stream_free(cls);
}

/* respond_stream's read: up to max bytes of the body. */
static ssize_t stream_read(void *cls, char *buf, size_t max)
{
	struct dl_stream *s = cls;
	size_t n;

	if (s->off == s->out.len) {
		buf_reset(&s->out);
		s->off = 0;
		while (!s->end && s->out.len < max) {
			struct download_row row;
			int rc = store_download_next(s->dl, &row);

			if (rc < 0) {
				log_error("download of %s %lld cut after %llu rows",
					  s->examples ? "dataset" : "model",
					  (long long)s->owner,
					  (unsigned long long)s->rows);
				return STREAM_ERROR;
			}
			if (rc == 0) {
				s->end = true;
				break;
			}
			format_row(s, &row);
			s->rows++;
		}
	}
	n = s->out.len - s->off;
	if (!n)
		return STREAM_END;
	if (n > max)
		n = max;
	memcpy(buf, s->out.s + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

/* What the trn check expects of the line it feeds the parser. */
struct trn_expect {
	const struct download_row *row;
	bool seen, same_id, same_text;
};

static void trn_record(void *ctx, const struct ingest_record *rec)
{
	struct trn_expect *e = ctx;
	const struct download_row *row = e->row;
	size_t tn = row->v[1] ? row->len[1] : 0;

	e->seen = true;
	e->same_id = rec->v[0].len == row->len[0] &&
		     !memcmp(rec->v[0].s, row->v[0], row->len[0]);
	e->same_text = rec->v[1].len == tn &&
		       (!tn || !memcmp(rec->v[1].s, row->v[1], tn));
}

/*
 * Whether every row, written as a trn line, reads back through the
 * upload's trn parser (ingest/trn.h) with the same id and text: 0 yes,
 * 1 no (why says which row and how), -1 database error.  Leaves the COPY
 * at its end; the caller restarts it.
 */
static int trn_check(struct dl_stream *s, struct buf *why)
{
	struct ingest_options opts = {
		.text_column = s->examples ? "reference" : "hypothesis",
		.speaker = s->examples,	/* examples: the id must give one */
	};
	struct trn_expect e = { 0 };
	struct ingest_sink sink = { NULL, trn_record, &e };
	struct ingest_errors errs;
	struct ingest_parser *p;
	struct buf line = BUF_INIT, q = BUF_INIT;
	struct download_row row;
	uint64_t n = 0;
	int rc, ret = 0;

	ingest_errors_init(&errs);
	p = ingest_parser_new(INGEST_TRN, &opts, &sink, &errs);
	while ((rc = store_download_next(s->dl, &row)) > 0) {
		bool lf = (row.v[1] && memchr(row.v[1], '\n', row.len[1])) ||
			  memchr(row.v[0], '\n', row.len[0]);

		n++;
		if (!lf) {
			buf_reset(&line);
			trn_line(&line, &row);
			e.row = &row;
			e.seen = false;
			ingest_parser_feed(p, line.s, line.len);
			if (!errs.total && e.seen && e.same_id && e.same_text)
				continue;
		}
		ingest_quote(&q, row.v[0], row.len[0]);
		buf_addf(why, "%s %s (row %llu) cannot be written as sclite trn"
			 " so that it reads back the same: ",
			 s->examples ? "example" : "the prediction for",
			 q.s, (unsigned long long)n);
		if (lf)
			buf_adds(why, "it has a line feed, which ends a trn line");
		else if (errs.total)
			buf_adds(why, errs.v[0].reason);
		else if (!e.seen)
			buf_adds(why, "its line would be read as a comment");
		else if (!e.same_id)
			buf_adds(why, "trn lower-cases ids and ends them at the"
				 " last '('");
		else
			buf_adds(why, "trn trims the spaces around a text");
		buf_adds(why, "; ask for text/csv or application/x-ndjson");
		ret = 1;
		break;
	}
	if (rc < 0)
		ret = -1;
	ingest_parser_free(p);
	ingest_errors_release(&errs);
	buf_release(&line);
	buf_release(&q);
	return ret;
}

/*
 * Stream s (columns planned) as r's response, or answer why not; s is
 * freed either way.  The request's lease moves to the stream.
 */
static void download_respond(struct request *r, struct dl_stream *s,
			     const char *type)
{
	struct buf why = BUF_INIT;
	int rc;

	if (!download_slot_take()) {
		respond_problem(r, 503, "Too many downloads",
				"%d downloads are running; try again shortly",
				DOWNLOADS_MAX);
		goto fail;
	}
	s->counted = true;
	s->store = r->srv->store;
	if (store_download_begin(req_db(r), &s->dl) || stream_start(s)) {
		store_download_end(s->dl);
		s->dl = NULL;
		respond_internal(r);
		goto fail;
	}
	if (s->fmt == FMT_TRN) {
		rc = trn_check(s, &why);
		if (rc == 0)
			rc = stream_start(s);
		if (rc) {
			store_download_end(s->dl);
			s->dl = NULL;
			if (rc > 0)
				respond_not_acceptable(r, true, why.s);
			else
				respond_internal(r);
			goto fail;
		}
	}
	plan_keys(s);
	format_header(s);
	/* From here the stream owns the lease: stream_done returns it. */
	s->db = r->db;
	r->db = NULL;
	buf_release(&why);
	respond_stream(r, 200, type, stream_read, stream_done, s);
	return;
fail:
	buf_release(&why);
	stream_free(s);
}

/* ---- handlers ---- */

/* The format the client accepts, then the stream of a dataset's examples
   or of one model's predictions (owner: the dataset or model id). */
static void start_download(struct request *r, bool examples, int64_t owner,
			   const struct dataset *d)
{
	bool asr = !strcmp(d->task, "asr");
	const char *type = NULL;
	struct dl_stream *s;
	int fmt = accept_format(req_header(r, "Accept"), asr, &type);

	if (fmt < 0) {
		respond_not_acceptable(r, asr, NULL);
		return;
	}
	s = stream_new(examples, owner, d, (enum dl_format)fmt);
	if (examples)
		plan_examples(s, d);
	else
		plan_predictions(s);
	download_respond(r, s, type);
}

void h_examples_download(struct request *r)
{
	struct dataset d = { 0 };
	int rc;

	rc = store_dataset_get(req_db(r), r->ids[0], &d);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"dataset %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		goto out;
	}
	start_download(r, true, d.id, &d);
out:
	dataset_release(&d);
}

void h_predictions_download(struct request *r)
{
	struct model m = { 0 };
	struct dataset d = { 0 };
	int rc;

	rc = store_model_get(req_db(r), r->ids[0], &m);
	if (rc == 0)
		rc = store_dataset_get(req_db(r), m.dataset_id, &d) ? -1 : 0;
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"model %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		goto out;
	}
	start_download(r, false, m.id, &d);
out:
	model_release(&m);
	dataset_release(&d);
}
