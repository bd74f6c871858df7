/*
 * fuzz_upload.c - libFuzzer target for the id checks of ingest/upload.c
 * and the id index they use (common/idindex.c).
 *
 * An input is an examples CSV body, optionally followed by a NUL byte and
 * a predictions CSV body, for a classification dataset.  The examples are
 * uploaded twice: with the fingerprint index the server uses, and with
 * the ids interned in a map as the command-line loader does.  The two must
 * pass on the same rows with the same ordinals and report the same errors,
 * byte for byte (upload.c promises so).  When the examples are accepted,
 * the predictions are uploaded three times, with the dataset's ids known
 *   1. as the examples upload's own index (upload_take_ids), as the server
 *      does after an examples upload: lookups try the next example first
 *      by its fingerprint (idindex_find_hint);
 *   2. as the map, as the loader does;
 *   3. as the index with the map for names, as the server does after
 *      reading the ids from PostgreSQL in tests.
 * All three must pass on the same rows with the same example ordinals and
 * report the same errors at the same rows and columns; 2 and 3 also with
 * the same reasons, and 1 with the same reasons except where an example
 * without a prediction is named by its ordinal instead of its id.
 *
 * Any mismatch prints both sides and calls abort(), which libFuzzer
 * reports as a crash with the input saved.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "common/idindex.h"
#include "ingest/ingest.h"
#include "ingest/upload.h"
#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_row(void *ctx, const struct upload_row *r)
{
	struct buf *b = ctx;

	buf_addf(b, "R%llu #%zu ", (unsigned long long)r->row, r->example);
	buf_add(b, r->id ? r->id : "", r->id ? r->id_len : 0);
	buf_addch(b, '\n');
}

struct outcome {
	struct buf rows;
	struct buf errors;	/* ingest_errors_json, then " rc=N" */
	int rc;
};

static void outcome_release(struct outcome *o)
{
	buf_release(&o->rows);
	buf_release(&o->errors);
}

/*
 * One upload of body with params p; the upload is returned (the caller
 * frees it) so that its ids can be taken; *e must outlive it.
 */
static struct upload *run(struct upload_params *p, const uint8_t *body,
			  size_t n, struct ingest_errors *e, struct outcome *o)
{
	struct buf err = BUF_INIT;
	struct upload *u;

	buf_init(&o->rows, 0);
	buf_init(&o->errors, 0);
	p->task = TASK_CLASSIFICATION;
	p->format = INGEST_CSV;
	p->row = on_row;
	p->ctx = &o->rows;
	u = upload_new(p, e, &err);
	if (!u) {
		fprintf(stderr, "fuzz oracle: upload_new: %s\n", err.s);
		abort();
	}
	buf_release(&err);
	(void)upload_feed(u, body, n);
	o->rc = upload_finish(u);
	ingest_errors_json(e, &o->errors);
	buf_addf(&o->errors, " rc=%d", o->rc);
	return u;
}

static void same(const char *what, const struct buf *a, const struct buf *b)
{
	if (a->len == b->len && !memcmp(a->s, b->s, a->len))
		return;
	fprintf(stderr, "fuzz oracle: %s differ\n--- one\n%.*s\n--- other\n"
		"%.*s\n", what, (int)a->len, a->s, (int)b->len, b->s);
	abort();
}

static bool starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* The error lists of two outcomes, coverage reasons aside. */
static void same_but_coverage(const struct outcome *a, const struct outcome *b)
{
	const char *ea = a->errors.s, *eb = b->errors.s;
	cJSON *ja = cJSON_ParseWithLengthOpts(ea, a->errors.len, NULL, 0);
	cJSON *jb = cJSON_ParseWithLengthOpts(eb, b->errors.len, NULL, 0);
	int n = cJSON_GetArraySize(ja);
	bool ok = ja && jb && n == cJSON_GetArraySize(jb) && a->rc == b->rc;

	for (int i = 0; ok && i < n; i++) {
		cJSON *x = cJSON_GetArrayItem(ja, i), *y = cJSON_GetArrayItem(jb, i);
		/* rows and columns always; reasons unless both name a
		   missing example */
		cJSON *qx = cJSON_DetachItemFromObject(x, "reason");
		cJSON *qy = cJSON_DetachItemFromObject(y, "reason");
		const char *rx = cJSON_GetStringValue(qx);
		const char *ry = cJSON_GetStringValue(qy);
		char *px = cJSON_PrintUnformatted(x), *py = cJSON_PrintUnformatted(y);

		ok = px && py && !strcmp(px, py) &&
		     ((starts(rx, "example ") && starts(ry, "example ")) ||
		      (rx && ry && !strcmp(rx, ry)));
		free(px);
		free(py);
		cJSON_Delete(qx);
		cJSON_Delete(qy);
	}
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	if (!ok)
		same("prediction errors (coverage reasons aside)", &a->errors,
		     &b->errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t ex_n = nul ? (size_t)(nul - data) : size;
	struct upload_params p;
	struct ingest_errors ea, eb;
	struct outcome oa, ob;
	struct strmap ids;
	struct idindex known;
	struct upload *ua, *ub;

	strmap_init(&ids);
	ingest_errors_init(&ea);
	ingest_errors_init(&eb);

	memset(&p, 0, sizeof(p));
	p.kind = UPLOAD_EXAMPLES;
	ua = run(&p, data, ex_n, &ea, &oa);
	memset(&p, 0, sizeof(p));
	p.kind = UPLOAD_EXAMPLES;
	p.intern_ids = &ids;
	ub = run(&p, data, ex_n, &eb, &ob);
	same("example rows", &oa.rows, &ob.rows);
	same("example errors", &oa.errors, &ob.errors);
	upload_take_ids(ua, &known);
	if (!oa.rc && idindex_count(&known) != ids.n) {
		fprintf(stderr, "fuzz oracle: %zu ids taken, %u interned\n",
			idindex_count(&known), ids.n);
		abort();
	}
	upload_free(ua);
	upload_free(ub);
	outcome_release(&oa);
	outcome_release(&ob);

	if (nul && !ea.total && idindex_count(&known)) {
		const uint8_t *pr = nul + 1;
		size_t pr_n = size - ex_n - 1;
		struct ingest_errors e1, e2, e3;
		struct outcome o1, o2, o3;

		ingest_errors_init(&e1);
		ingest_errors_init(&e2);
		ingest_errors_init(&e3);
		memset(&p, 0, sizeof(p));
		p.kind = UPLOAD_PREDICTIONS;
		p.known = &known;
		upload_free(run(&p, pr, pr_n, &e1, &o1));
		memset(&p, 0, sizeof(p));
		p.kind = UPLOAD_PREDICTIONS;
		p.known_map = &ids;
		upload_free(run(&p, pr, pr_n, &e2, &o2));
		memset(&p, 0, sizeof(p));
		p.kind = UPLOAD_PREDICTIONS;
		p.known = &known;
		p.known_names = &ids;
		upload_free(run(&p, pr, pr_n, &e3, &o3));
		same("prediction rows (index, map)", &o1.rows, &o2.rows);
		same("prediction rows (map, index with names)", &o2.rows,
		     &o3.rows);
		same("prediction errors (map, index with names)", &o2.errors,
		     &o3.errors);
		same_but_coverage(&o1, &o3);
		outcome_release(&o1);
		outcome_release(&o2);
		outcome_release(&o3);
		ingest_errors_release(&e1);
		ingest_errors_release(&e2);
		ingest_errors_release(&e3);
	}
	idindex_release(&known);
	strmap_release(&ids);
	ingest_errors_release(&ea);
	ingest_errors_release(&eb);
	return 0;
}
