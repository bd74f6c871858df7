/*
 * h_attributes.c - POST /v1/datasets/{id}/attributes: more cohort
 * attributes for examples already stored, joined by example id.
 *
 * sclite trn files carry only words and an utterance id, so an ASR team
 * uploads accent, dialect or recording conditions separately, as CSV,
 * NDJSON or JSON with an `id` column and one column per new attribute.
 * Accent and dialect belong to a speaker, not to an utterance: an asr
 * dataset's attributes may instead be keyed by a `speaker` column, and
 * each row then applies to every utterance of that speaker.
 * Like every upload it is streamed and all-or-nothing: ids must be known
 * and unique, new names must not clash with the dataset's attributes, and
 * any error refuses the whole body with row, column and reason.  Examples
 * the upload does not mention get the empty value, which is a cohort of
 * its own ("missing").
 */
#include "common/fa.h"
#include "common/limits.h"
#include "server/handlers.h"
#include "server/tablecache.h"
#include "ingest/ingest.h"
#include "ingest/parser.h"

struct attrs_state {
	struct dataset ds;
	struct ingest_parser *p;
	struct ingest_errors errs;
	struct strmap ids;
	struct db *db;
	size_t id_col;
	/* asr, keyed by speaker: speaker -> its utterances (CSR) */
	bool by_speaker;
	struct strmap speakers;
	uint32_t *speaker_of;		/* per ord, UINT32_MAX = none */
	size_t *spk_start;		/* per speaker + 1: into spk_ords */
	uint32_t *spk_ords;
	unsigned char *spk_seen;
	bool header_ok;
	size_t nnew;
	char **names;
	size_t *col;		/* per new attribute: its column in the record */
	struct strmap *dicts;
	uint32_t **codes;	/* per new attribute: code per ord */
	unsigned char *seen;	/* per ord */
	uint64_t rows;
};

static void attrs_state_free(struct attrs_state *s)
{
	if (!s)
		return;
	ingest_parser_free(s->p);
	ingest_errors_release(&s->errs);
	strmap_release(&s->ids);
	strmap_release(&s->speakers);
	free(s->speaker_of);
	free(s->spk_start);
	free(s->spk_ords);
	free(s->spk_seen);
	for (size_t a = 0; a < s->nnew; a++) {
		free(s->names[a]);
		strmap_release(&s->dicts[a]);
		free(s->codes[a]);
	}
	free(s->names);
	free(s->col);
	free(s->dicts);
	free(s->codes);
	free(s->seen);
	dataset_release(&s->ds);
	free(s);
}

static void on_header(void *ctx, uint64_t row, const struct ingest_column *cols,
		      size_t n)
{
	struct attrs_state *s = ctx;
	bool have_id = false, asr = !strcmp(s->ds.task, "asr");
	size_t speaker_col = n;

	s->names = xcalloc(n, sizeof(*s->names));
	s->col = xcalloc(n, sizeof(*s->col));
	s->dicts = xcalloc(n, sizeof(*s->dicts));
	s->codes = xcalloc(n, sizeof(*s->codes));
	for (size_t c = 0; c < n; c++) {
		bool clash = false;

		if (!strcmp(cols[c].name, "id")) {
			have_id = true;
			s->id_col = c;
			continue;
		}
		if (asr && !strcmp(cols[c].name, "speaker")) {
			speaker_col = c;
			continue;
		}
		for (size_t a = 0; a < s->ds.nattrs; a++)
			clash |= !strcmp(cols[c].name, s->ds.attrs[a]);
		if (clash) {
			ingest_errors_addf(&s->errs, row, cols[c].name,
					   "the dataset already has an attribute with"
					   " this name");
			continue;
		}
		if (cols[c].len > FA_MAX_NAME_BYTES) {
			ingest_errors_addf(&s->errs, row, cols[c].name,
					   "attribute names may be at most %d bytes",
					   FA_MAX_NAME_BYTES);
			continue;
		}
		s->names[s->nnew] = xstrdup(cols[c].name);
		s->col[s->nnew] = c;
		strmap_init(&s->dicts[s->nnew]);
		strmap_intern(&s->dicts[s->nnew], "", 0, NULL);
		s->codes[s->nnew] = xcalloc((size_t)(s->ds.example_count ?
						     s->ds.example_count : 1),
					    sizeof(uint32_t));
		s->nnew++;
	}
	if (!have_id && speaker_col < n) {
		s->by_speaker = true;
		s->id_col = speaker_col;
	} else if (speaker_col < n) {
		ingest_errors_addf(&s->errs, row, "speaker", "the dataset already"
				   " has each utterance's speaker; to give every"
				   " utterance of a speaker the same attributes, key"
				   " the upload by \"speaker\" alone, without \"id\"");
	}
	if (!have_id && !s->by_speaker)
		ingest_errors_addf(&s->errs, row, "id", asr ?
				   "the upload has no \"id\" column (utterance"
				   " ids) or \"speaker\" column to join its rows"
				   " to the examples" :
				   "the upload has no \"id\" column to join its"
				   " rows to the examples");
	else if (!s->nnew && !s->errs.total)
		ingest_errors_addf(&s->errs, row, NULL, "the upload has no"
				   " attribute column besides \"%s\"",
				   s->by_speaker ? "speaker" : "id");
	s->header_ok = !s->errs.total;
}

/* A row keyed by speaker: its values for every utterance of the speaker. */
static void speaker_record(struct attrs_state *s, const struct ingest_record *r,
			   const struct ingest_value *spk)
{
	struct buf q = BUF_INIT;
	int64_t k;

	if (spk->null || !spk->len) {
		ingest_errors_addf(&s->errs, r->row, "speaker", "missing speaker");
		return;
	}
	k = strmap_find(&s->speakers, spk->s, spk->len);
	ingest_quote(&q, spk->s, spk->len);
	if (k < 0) {
		ingest_errors_addf(&s->errs, r->row, "speaker", "unknown speaker"
				   " %s (no utterance of the dataset has it)",
				   q.s);
	} else if (s->spk_seen[k]) {
		ingest_errors_addf(&s->errs, r->row, "speaker", "duplicate"
				   " speaker %s", q.s);
	} else {
		s->spk_seen[k] = 1;
		for (size_t i = s->spk_start[k]; i < s->spk_start[k + 1]; i++) {
			uint32_t ord = s->spk_ords[i];

			s->seen[ord] = 1;
			for (size_t a = 0; a < s->nnew; a++) {
				const struct ingest_value *v = &r->v[s->col[a]];

				s->codes[a][ord] = strmap_intern(&s->dicts[a],
					v->s, v->null ? 0 : v->len, NULL);
			}
		}
	}
	buf_release(&q);
}

static void on_record(void *ctx, const struct ingest_record *r)
{
	struct attrs_state *s = ctx;
	const struct ingest_value *id;
	int64_t ord;

	s->rows++;
	if (!s->header_ok)
		return;
	id = &r->v[s->id_col];
	if (s->by_speaker) {
		speaker_record(s, r, id);
		return;
	}
	if (id->null || !id->len) {
		ingest_errors_addf(&s->errs, r->row, "id", "missing id");
		return;
	}
	ord = strmap_find(&s->ids, id->s, id->len);
	if (ord < 0) {
		struct buf q = BUF_INIT;
		int64_t spk = s->speaker_of ? strmap_find(&s->speakers, id->s,
							  id->len) : -1;

		ingest_quote(&q, id->s, id->len);
		if (spk >= 0)
			ingest_errors_addf(&s->errs, r->row, "id", "unknown "
					   "example id %s; it is the speaker of "
					   "%zu utterances: to give attributes "
					   "per speaker, name the key column "
					   "\"speaker\" instead of \"id\"", q.s,
					   s->spk_start[spk + 1] - s->spk_start[spk]);
		else
			ingest_errors_addf(&s->errs, r->row, "id", "unknown "
					   "example id %s (the dataset has no "
					   "example with it)", q.s);
		buf_release(&q);
		return;
	}
	if (s->seen[ord]) {
		struct buf q = BUF_INIT;

		ingest_quote(&q, id->s, id->len);
		ingest_errors_addf(&s->errs, r->row, "id", "duplicate id %s", q.s);
		buf_release(&q);
		return;
	}
	s->seen[ord] = 1;
	for (size_t a = 0; a < s->nnew; a++) {
		const struct ingest_value *v = &r->v[s->col[a]];

		s->codes[a][ord] = strmap_intern(&s->dicts[a], v->s,
						 v->null ? 0 : v->len, NULL);
	}
}

/* asr: every example's speaker, and each speaker's utterances. */
static int load_speakers(struct attrs_state *s)
{
	size_t count = (size_t)s->ds.example_count, *fill;

	s->speaker_of = xmalloc(count * sizeof(*s->speaker_of));
	if (store_attributes_speakers(s->db, s->ds.id, &s->speakers,
				      s->speaker_of, s->ds.example_count))
		return -1;
	s->spk_start = xcalloc((size_t)s->speakers.n + 2, sizeof(*s->spk_start));
	s->spk_ords = xmalloc((count + 1) * sizeof(*s->spk_ords));
	s->spk_seen = xcalloc((size_t)s->speakers.n + 1, 1);
	for (size_t i = 0; i < count; i++)
		if (s->speaker_of[i] != UINT32_MAX)
			s->spk_start[s->speaker_of[i] + 1]++;
	for (size_t k = 0; k < s->speakers.n; k++)
		s->spk_start[k + 1] += s->spk_start[k];
	fill = xcalloc((size_t)s->speakers.n + 1, sizeof(*fill));
	for (size_t i = 0; i < count; i++) {
		uint32_t k = s->speaker_of[i];

		if (k != UINT32_MAX)
			s->spk_ords[s->spk_start[k] + fill[k]++] = (uint32_t)i;
	}
	free(fill);
	return 0;
}

void h_attributes_begin(struct request *r)
{
	struct attrs_state *s = xcalloc(1, sizeof(*s));
	struct ingest_sink sink = { on_header, on_record, s };
	const char *ct = req_header(r, "Content-Type");
	struct buf err = BUF_INIT;
	enum ingest_format f;
	int rc;

	r->upload = s;
	ingest_errors_init(&s->errs);
	strmap_init(&s->ids);
	strmap_init(&s->speakers);
	rc = store_dataset_get(req_db(r), r->ids[0], &s->ds);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found", "dataset %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		goto out;
	}
	if (!s->ds.example_count) {
		respond_problem(r, 409, "Conflict", "dataset %lld has no examples yet;"
				" upload them before their attributes",
				(long long)r->ids[0]);
		goto out;
	}
	if (!ct || ingest_format_from_content_type(ct, &f, &err) || f == INGEST_TRN) {
		respond_problem(r, 415, "Unsupported media type",
				"attributes are uploaded as text/csv,"
				" application/x-ndjson or application/json");
		goto out;
	}
	s->db = req_db(r);
	rc = store_attributes_begin(s->db, s->ds.id, &s->ids);
	if (rc) {
		respond_internal(r);
		goto out;
	}
	s->seen = xcalloc((size_t)s->ds.example_count, 1);
	if (!strcmp(s->ds.task, "asr") && load_speakers(s)) {
		respond_internal(r);
		goto out;
	}
	s->p = ingest_parser_new(f, NULL, &sink, &s->errs);
out:
	buf_release(&err);
}

int h_attributes_data(struct request *r, const char *data, size_t n)
{
	struct attrs_state *s = r->upload;

	if (!s || !s->p)
		return -1;
	return ingest_parser_feed(s->p, data, n) ? -1 : 0;
}

void h_attributes_end(struct request *r)
{
	struct attrs_state *s = r->upload;
	cJSON *doc;

	if (!s || !s->p) {
		respond_internal(r);
		return;
	}
	ingest_parser_finish(s->p);
	if (!s->rows && !s->errs.total)
		ingest_errors_addf(&s->errs, 0, NULL, "the upload has no rows");
	if (s->errs.total) {
		store_upload_abort(s->db);
		respond_upload_refused(r, &s->errs, NULL);
		return;
	}
	if (store_attributes_commit(s->db, s->ds.id, s->ds.nattrs,
				    (const char *const *)s->names, s->nnew, s->dicts,
				    s->codes, s->ds.example_count)) {
		respond_internal(r);
		return;
	}
	tablecache_forget_dataset(s->ds.id);
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "rows", (double)s->rows);
	{
		cJSON *arr = cJSON_AddArrayToObject(doc, "attributes");

		for (size_t a = 0; a < s->nnew; a++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(s->names[a]));
	}
	respond_json(r, 201, doc);
}

void h_attributes_free(struct request *r)
{
	attrs_state_free(r->upload);
	r->upload = NULL;
}
