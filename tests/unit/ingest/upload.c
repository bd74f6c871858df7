/*
 * Unit tests for ingest/upload.c: the column and value rules of each task
 * and kind, duplicate and unknown ids, coverage of predictions, and that
 * rows stop after the first error while errors keep being collected.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include "common/buf.h"
#include "common/strmap.h"
#include "ingest/upload.h"
#include "tests/unit/ingest/harness.h"

/*
 * Rendering of what an upload emits:
 *	A attr,attr [+speaker]		the header callback
 *	R<row> #<example> id=.. [label=.. (num)] [pred=.. (num)]
 *	       [text=..] [spk=..|-] [attrs=v|v]
 * followed by the errors as in harness.h.
 */
static void u_header(void *ctx, const struct upload *u)
{
	struct buf *b = ctx;

	buf_adds(b, "A ");
	for (size_t i = 0; i < upload_nattrs(u); i++)
		buf_addf(b, "%s%s", i ? "," : "", upload_attr(u, i));
	if (upload_has_speaker(u))
		buf_adds(b, " +speaker");
	buf_addch(b, '\n');
}

static enum task cur_task;
static enum upload_kind cur_kind;
static size_t cur_nattrs;

static void u_row(void *ctx, const struct upload_row *r)
{
	struct buf *b = ctx;

	buf_addf(b, "R%llu #%zu id=", (unsigned long long)r->row, r->example);
	h_escaped(b, r->id, r->id_len);
	if (cur_task != TASK_ASR && cur_kind == UPLOAD_EXAMPLES) {
		buf_adds(b, " label=");
		h_escaped(b, r->label, r->label_len);
		if (cur_task != TASK_CLASSIFICATION)
			buf_addf(b, " (%g)", r->label_num);
		if (cur_task == TASK_SCORE)
			assert_int_equal(r->positive, r->label_num == 1);
	}
	if (cur_task != TASK_ASR && cur_kind == UPLOAD_PREDICTIONS) {
		buf_adds(b, " pred=");
		h_escaped(b, r->pred, r->pred_len);
		if (cur_task != TASK_CLASSIFICATION)
			buf_addf(b, " (%g)", r->pred_num);
	}
	if (cur_task == TASK_ASR) {
		buf_adds(b, " text=");
		h_escaped(b, r->text, r->text_len);
		if (cur_kind == UPLOAD_EXAMPLES) {
			buf_adds(b, " spk=");
			if (r->speaker)
				h_escaped(b, r->speaker, r->speaker_len);
			else
				buf_addch(b, '-');
		}
	}
	if (cur_kind == UPLOAD_EXAMPLES && cur_nattrs) {
		buf_adds(b, " attrs=");
		for (size_t i = 0; i < cur_nattrs; i++) {
			if (i)
				buf_addch(b, '|');
			if (r->attrs[i].null)
				buf_adds(b, "\\N");
			else
				h_escaped(b, r->attrs[i].s, r->attrs[i].len);
		}
	}
	buf_addch(b, '\n');
}

static void u_header_counting(void *ctx, const struct upload *u)
{
	cur_nattrs = upload_nattrs(u);
	if (cur_kind == UPLOAD_EXAMPLES)
		u_header(ctx, u);
}

/* The known ids of a predictions upload, as the upload takes them. */
static void known_index(const struct strmap *m, struct idindex *x)
{
	idindex_init(x);
	for (uint32_t i = 0; i < m->n; i++)
		idindex_add(x, strmap_str(m, i), strmap_len(m, i));
	idindex_build(x, NULL, NULL);
}

/*
 * Run an upload of in (fed in chunks of step bytes; 0 = whole) with an
 * optional label domain and known example ids (for predictions) and return
 * its rendering in out, then, with summary, "--" and upload_summary().
 */
static void run_upload_with(enum task task, enum upload_kind kind,
			    enum ingest_format f, const char *pos,
			    const struct label_domain *dom,
			    const char *const *ids, size_t nids,
			    const char *in, size_t step, bool summary,
			    struct buf *out)
{
	struct upload_params p;
	struct ingest_errors errs;
	struct strmap known;
	struct idindex kx;
	struct buf err = BUF_INIT;
	struct upload *u;
	size_t n = strlen(in);
	int r;

	strmap_init(&known);
	for (size_t i = 0; i < nids; i++)
		strmap_intern(&known, ids[i], strlen(ids[i]), NULL);
	memset(&p, 0, sizeof(p));
	p.task = task;
	p.kind = kind;
	p.format = f;
	p.positive_label = pos;
	p.domain = dom;
	known_index(&known, &kx);
	p.known = &kx;
	p.known_names = &known;
	p.header = u_header_counting;
	p.row = u_row;
	p.ctx = out;
	cur_task = task;
	cur_kind = kind;
	cur_nattrs = 0;
	ingest_errors_init(&errs);
	u = upload_new(&p, &errs, &err);
	assert_non_null(u);
	if (!step)
		step = n ? n : 1;
	for (size_t at = 0; at < n; at += step)
		upload_feed(u, in + at, n - at < step ? n - at : step);
	r = upload_finish(u);
	assert_int_equal(r, errs.total ? -1 : 0);
	h_errors(out, &errs);
	if (summary) {
		buf_adds(out, "--\n");
		upload_summary(u, out);
	}
	upload_free(u);
	ingest_errors_release(&errs);
	strmap_release(&known);
	idindex_release(&kx);
	buf_release(&err);
}

/* Known example ids for predictions: a, b, c. */
static void run_upload(enum task task, enum upload_kind kind,
		       enum ingest_format f, const char *pos, const char *in,
		       size_t step, struct buf *out)
{
	static const char *const abc[] = { "a", "b", "c" };

	run_upload_with(task, kind, f, pos, NULL, abc, 3, in, step, false,
			out);
}

struct upload_case {
	const char *name;
	enum task task;
	enum upload_kind kind;
	enum ingest_format f;
	const char *pos;
	const char *in;
	const char *out;
};

#define CLS TASK_CLASSIFICATION
#define SCO TASK_SCORE
#define REG TASK_REGRESSION
#define ASR TASK_ASR
#define EX UPLOAD_EXAMPLES
#define PR UPLOAD_PREDICTIONS
#define COVER "; a prediction upload must cover every example\n"

static const struct upload_case cases[] = {
	/* examples, classification */
	{ "attributes", CLS, EX, INGEST_CSV, NULL,
	  "id,label,accent,gender\na,yes,us,f\nb,no,,m\n",
	  "A accent,gender\nR2 #0 id=a label=yes attrs=us|f\n"
	  "R3 #1 id=b label=no attrs=\\N|m\n" },
	{ "column order free", CLS, EX, INGEST_CSV, NULL,
	  "age,label,id\n30,x,a\n",
	  "A age\nR2 #0 id=a label=x attrs=30\n" },
	{ "prediction and speaker are attributes here", CLS, EX, INGEST_CSV,
	  NULL, "id,label,prediction,speaker\na,x,1,s\n",
	  "A prediction,speaker\nR2 #0 id=a label=x attrs=1|s\n" },
	{ "missing id column", CLS, EX, INGEST_CSV, NULL, "label\nx\n",
	  "E1 id: required column \"id\" is missing\n" },
	{ "missing label column", CLS, EX, INGEST_CSV, NULL,
	  "id,accent\na,us\n",
	  "E1 label: required column \"label\" is missing\n" },
	{ "missing and empty id", CLS, EX, INGEST_CSV, NULL,
	  "id,label\n,x\n\"\",y\n",
	  "A \nE2 id: missing id\nE3 id: empty id\n" },
	{ "duplicate id", CLS, EX, INGEST_CSV, NULL,
	  "id,label\na,x\nb,y\na,z\nb,w\n",
	  "A \nR2 #0 id=a label=x\nR3 #1 id=b label=y\n"
	  "R4 #2 id=a label=z\nR5 #3 id=b label=w\n"
	  "E4 id: duplicate id: the same id as on row 2\n"
	  "E5 id: duplicate id: the same id as on row 3\n" },
	{ "rows stop after an error", CLS, EX, INGEST_CSV, NULL,
	  "id,label\na,x\n,y\nc,z\nd,\n",
	  "A \nR2 #0 id=a label=x\nE3 id: missing id\n"
	  "E5 label: missing label\n" },
	{ "duplicate after a row without an id", CLS, EX, INGEST_CSV, NULL,
	  "id,label\na,x\n,y\nb,z\na,w\nb,v\n",
	  "A \nR2 #0 id=a label=x\nE3 id: missing id\n"
	  "E5 id: duplicate id: the same id as on row 2\n"
	  "E6 id: duplicate id: the same id as on row 4\n" },
	{ "parser errors stop rows", CLS, EX, INGEST_CSV, NULL,
	  "id,label\na,x\nb,y,z\nc,w\nc,v\n",
	  "A \nR2 #0 id=a label=x\nE3 -: row has 3 fields, expected 2\n"
	  "E5 id: duplicate id: the same id as on row 4\n" },
	{ "missing and empty label", CLS, EX, INGEST_CSV, NULL,
	  "id,label\na,\nb,\"\"\n",
	  "A \nE2 label: missing label\nE3 label: empty label\n" },
	{ "no data rows", CLS, EX, INGEST_CSV, NULL, "id,label\n",
	  "A \nE0 -: the upload has no data rows\n" },
	{ "empty body", CLS, EX, INGEST_CSV, NULL, "",
	  "E1 -: the body has no header row (a CSV upload starts with a row "
	  "of column names)\n" },
	{ "ndjson values", CLS, EX, INGEST_NDJSON, NULL,
	  "{\"id\":1,\"label\":true,\"age\":30.0}\n{\"id\":\"2\",\"label\":"
	  "\"x\"}\n",
	  "A age\nR1 #0 id=1 label=true attrs=30.0\n"
	  "R2 #1 id=2 label=x attrs=\\N\n" },
	{ "json key missing", CLS, EX, INGEST_JSON, NULL,
	  "[{\"id\":\"a\",\"label\":\"x\"},{\"id\":\"b\"},"
	  "{\"id\":\"c\",\"label\":null}]",
	  "A \nR1 #0 id=a label=x\nE2 label: missing label\n"
	  "E3 label: missing label\n" },
	{ "json empty attribute name", CLS, EX, INGEST_NDJSON, NULL,
	  "{\"id\":\"a\",\"label\":\"x\",\"\":\"1\"}\n",
	  "E1 -: column 3 has an empty name\n" },

	/* examples, score */
	{ "score labels", SCO, EX, INGEST_CSV, NULL,
	  "id,label\na,1\nb,0\nc,1.0\nd,0.00\n",
	  "A \nR2 #0 id=a label=1 (1)\nR3 #1 id=b label=0 (0)\n"
	  "R4 #2 id=c label=1 (1)\nR5 #3 id=d label=0 (0)\n" },
	{ "score third value", SCO, EX, INGEST_CSV, NULL,
	  "id,label\na,1\nb,0\nc,2\nd,1\ne,yes\n",
	  "A \nR2 #0 id=a label=1 (1)\nR3 #1 id=b label=0 (0)\n"
	  "E4 label: label \"2\" is a third distinct value; score labels are "
	  "binary: the positive label \"1\" and one other value (here \"0\", "
	  "first seen on row 3)\n"
	  "E6 label: label \"yes\" is a third distinct value; score labels "
	  "are binary: the positive label \"1\" and one other value (here "
	  "\"0\", first seen on row 3)\n" },
	{ "score custom positive", SCO, EX, INGEST_CSV, "yes",
	  "id,label\na,no\nb,yes\nc,no\n",
	  "A \nR2 #0 id=a label=no (0)\nR3 #1 id=b label=yes (1)\n"
	  "R4 #2 id=c label=no (0)\n" },
	{ "score all positive", SCO, EX, INGEST_CSV, NULL,
	  "id,label\na,1\nb,1\n",
	  "A \nR2 #0 id=a label=1 (1)\nR3 #1 id=b label=1 (1)\n" },
	{ "score json numbers", SCO, EX, INGEST_NDJSON, NULL,
	  "{\"id\":\"a\",\"label\":1}\n{\"id\":\"b\",\"label\":0}\n"
	  "{\"id\":\"c\",\"label\":false}\n",
	  "A \nR1 #0 id=a label=1 (1)\nR2 #1 id=b label=0 (0)\n"
	  "E3 label: label \"false\" is a third distinct value; score labels "
	  "are binary: the positive label \"1\" and one other value (here "
	  "\"0\", first seen on row 2)\n" },

	/* examples, regression */
	{ "regression labels", REG, EX, INGEST_CSV, NULL,
	  "id,label\na,2.5\nb,-1e3\nc,x\nd,inf\ne,\n",
	  "A \nR2 #0 id=a label=2.5 (2.5)\nR3 #1 id=b label=-1e3 (-1000)\n"
	  "E4 label: label \"x\" is not a finite number\n"
	  "E5 label: label \"inf\" is not a finite number\n"
	  "E6 label: missing label\n" },

	/* examples, asr */
	{ "asr csv", ASR, EX, INGEST_CSV, NULL,
	  "id,reference,speaker,accent\nu1,hello world,s1,us\nu2,,,uk\n",
	  "A accent +speaker\nR2 #0 id=u1 text=hello world spk=s1 attrs=us\n"
	  "R3 #1 id=u2 text= spk=- attrs=uk\n" },
	{ "asr label is an attribute", ASR, EX, INGEST_CSV, NULL,
	  "id,reference,label\nu1,hi,x\n",
	  "A label\nR2 #0 id=u1 text=hi spk=- attrs=x\n" },
	{ "asr missing reference", ASR, EX, INGEST_CSV, NULL,
	  "id,speaker\nu1,s\n",
	  "E1 reference: required column \"reference\" is missing\n" },
	{ "asr trn", ASR, EX, INGEST_TRN, NULL,
	  "hello world (s1-u1)\n;; note\nbye (s2_u2)\n",
	  "A  +speaker\nR1 #0 id=s1-u1 text=hello world spk=s1\n"
	  "R3 #1 id=s2_u2 text=bye spk=s2\n" },
	{ "asr trn errors", ASR, EX, INGEST_TRN, NULL,
	  "a (s1-u1)\nb (u2)\nc\nd (s1-u1)\n",
	  "A  +speaker\nR1 #0 id=s1-u1 text=a spk=s1\n"
	  "E2 id: utterance id \"u2\" contains neither '-' nor '_', so no "
	  "speaker can be derived from it (sclite -i rm takes the id up to "
	  "the first '-', else the first '_')\n"
	  "E3 -: line does not end with an utterance id in parentheses, as "
	  "in \"words ... (speaker-utterance)\"\n"
	  "E4 id: duplicate id: the same id as on row 1\n" },

	/* predictions, classification; known ids a, b, c */
	{ "predictions", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction\na,x\nc,y\nb,z\n",
	  "R2 #0 id=a pred=x\nR3 #2 id=c pred=y\nR4 #1 id=b pred=z\n" },
	{ "prediction unknown id", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction\na,x\nzz,y\nb,z\nc,w\n",
	  "R2 #0 id=a pred=x\nE3 id: unknown example id \"zz\" (the dataset "
	  "has no example with it)\n" },
	{ "prediction duplicate id", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction\na,x\nb,z\na,y\nc,w\n",
	  "R2 #0 id=a pred=x\nR3 #1 id=b pred=z\n"
	  "E4 id: duplicate id \"a\" (an earlier row of this upload has it)\n" },
	{ "prediction coverage", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction\nb,x\n",
	  "R2 #1 id=b pred=x\n"
	  "E0 id: example \"a\" (example 1 of the dataset) has no "
	  "prediction" COVER
	  "E0 id: example \"c\" (example 3 of the dataset) has no "
	  "prediction" COVER },
	{ "prediction extra column", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction,accent\na,x,us\nb,y,uk\nc,z,us\n",
	  "E1 accent: unexpected column (a prediction upload has only the "
	  "columns \"id\" and \"prediction\")\n" },
	{ "prediction column missing", CLS, PR, INGEST_CSV, NULL,
	  "id,label\na,x\nb,y\nc,z\n",
	  "E1 label: unexpected column (a prediction upload has only the "
	  "columns \"id\" and \"prediction\")\n"
	  "E1 prediction: required column \"prediction\" is missing\n" },
	{ "prediction empty", CLS, PR, INGEST_CSV, NULL,
	  "id,prediction\na,\nb,\"\"\nc,y\n",
	  "E2 prediction: missing prediction\n"
	  "E3 prediction: empty prediction\n" },
	{ "prediction no rows", CLS, PR, INGEST_CSV, NULL, "id,prediction\n",
	  "E0 -: the upload has no data rows\n" },
	{ "no coverage without an id column", CLS, PR, INGEST_CSV, NULL,
	  "ident,prediction\na,x\n",
	  "E1 ident: unexpected column (a prediction upload has only the "
	  "columns \"id\" and \"prediction\")\n"
	  "E1 id: required column \"id\" is missing\n" },
	{ "no coverage after a fatal error", CLS, PR, INGEST_JSON, NULL,
	  "[{\"id\":\"a\",\"prediction\":\"x\"} x, {\"id\":\"b\"}]",
	  "R1 #0 id=a pred=x\n"
	  "E1 -: expected ',' or ']' after the element\n" },
	{ "coverage after an unclosed array", CLS, PR, INGEST_JSON, NULL,
	  "[{\"id\":\"a\",\"prediction\":\"x\"},"
	  "{\"id\":\"b\",\"prediction\":\"y\"}",
	  "R1 #0 id=a pred=x\nR2 #1 id=b pred=y\n"
	  "E0 -: the JSON array is not closed (']' is missing at the end of "
	  "the body)\n"
	  "E0 id: example \"c\" (example 3 of the dataset) has no "
	  "prediction" COVER },

	/* predictions, score and regression */
	{ "score predictions", SCO, PR, INGEST_CSV, NULL,
	  "id,prediction\na,0\nb,1\nc,0.25\n",
	  "R2 #0 id=a pred=0 (0)\nR3 #1 id=b pred=1 (1)\n"
	  "R4 #2 id=c pred=0.25 (0.25)\n" },
	{ "score prediction range", SCO, PR, INGEST_CSV, NULL,
	  "id,prediction\na,1.5\nb,-0.1\nc,abc\n",
	  "E2 prediction: prediction \"1.5\" is outside [0, 1] (a score "
	  "prediction is a probability)\n"
	  "E3 prediction: prediction \"-0.1\" is outside [0, 1] (a score "
	  "prediction is a probability)\n"
	  "E4 prediction: prediction \"abc\" is not a number\n" },
	{ "regression predictions", REG, PR, INGEST_NDJSON, NULL,
	  "{\"id\":\"a\",\"prediction\":1e308}\n"
	  "{\"id\":\"b\",\"prediction\":-3}\n"
	  "{\"id\":\"c\",\"prediction\":\"nan\"}\n",
	  "R1 #0 id=a pred=1e308 (1e+308)\nR2 #1 id=b pred=-3 (-3)\n"
	  "E3 prediction: prediction \"nan\" is not a finite number\n" },

	/* predictions, asr */
	{ "asr predictions csv", ASR, PR, INGEST_CSV, NULL,
	  "id,hypothesis\na,hello\nb,\nc,x y\n",
	  "R2 #0 id=a text=hello\nR3 #1 id=b text=\nR4 #2 id=c text=x y\n" },
	{ "asr predictions trn", ASR, PR, INGEST_TRN, NULL,
	  "hello (a)\n(b)\nx y (c)\n",
	  "R1 #0 id=a text=hello\nR2 #1 id=b text=\nR3 #2 id=c text=x y\n" },
	{ "asr prediction column name", ASR, PR, INGEST_CSV, NULL,
	  "id,prediction\na,x\nb,y\nc,z\n",
	  "E1 prediction: unexpected column (a prediction upload has only "
	  "the columns \"id\" and \"hypothesis\")\n"
	  "E1 hypothesis: required column \"hypothesis\" is missing\n" },
};

static void test_upload__cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct upload_case *c = &cases[i];

		print_message("# case %s\n", c->name);
		for (size_t step = 0; step < 4; step++) {
			struct buf out = BUF_INIT;

			run_upload(c->task, c->kind, c->f, c->pos, c->in,
				   step, &out);
			assert_string_equal(out.s, c->out);
			buf_release(&out);
		}
	}
}

/* Attribute names longer than FA_MAX_NAME_BYTES are refused. */
static void test_upload__attribute_name_length(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT, want = BUF_INIT;

	(void)state;
	for (int extra = 0; extra < 2; extra++) {
		buf_reset(&in);
		buf_reset(&out);
		buf_reset(&want);
		buf_adds(&in, "id,label,");
		for (int i = 0; i < FA_MAX_NAME_BYTES + extra; i++)
			buf_addch(&in, 'n');
		buf_adds(&in, "\na,x,1\n");
		run_upload(CLS, EX, INGEST_CSV, NULL, in.s, 0, &out);
		if (extra) {
			buf_adds(&want, "E1 ");
			for (int i = 0; i < FA_MAX_NAME_BYTES; i++)
				buf_addch(&want, 'n');
			buf_adds(&want, "...: column name is longer than 200 "
				 "bytes (FA_MAX_NAME_BYTES)\n");
		} else {
			buf_adds(&want, "A ");
			buf_add(&want, in.s + 9, FA_MAX_NAME_BYTES);
			buf_adds(&want, "\nR2 #0 id=a label=x attrs=1\n");
		}
		assert_string_equal(out.s, want.s);
	}
	buf_release(&in);
	buf_release(&out);
	buf_release(&want);
}

/* Every error is counted though only FA_MAX_ERRORS are listed. */
static void test_upload__error_count(void **state)
{
	struct upload_params p;
	struct ingest_errors errs;
	struct strmap known;
	struct idindex kx;
	struct buf in = BUF_INIT, err = BUF_INIT;
	struct upload *u;

	(void)state;
	strmap_init(&known);
	for (int i = 0; i < 1000; i++) {
		char id[16];
		int n = snprintf(id, sizeof(id), "e%d", i);

		strmap_intern(&known, id, (size_t)n, NULL);
	}
	buf_adds(&in, "id,prediction\n");
	for (int i = 0; i < 500; i++)
		buf_addf(&in, "e%d,%s\n", i, i % 2 ? "2" : "0.5");
	memset(&p, 0, sizeof(p));
	p.task = TASK_SCORE;
	p.kind = UPLOAD_PREDICTIONS;
	p.format = INGEST_CSV;
	known_index(&known, &kx);
	p.known = &kx;
	p.known_names = &known;
	ingest_errors_init(&errs);
	u = upload_new(&p, &errs, &err);
	upload_feed(u, in.s, in.len);
	assert_int_equal(upload_finish(u), -1);
	assert_int_equal(upload_rows(u), 500);
	/* 250 bad predictions, 500 examples without one */
	assert_int_equal(errs.total, 750);
	assert_int_equal(errs.n, FA_MAX_ERRORS);
	assert_int_equal(errs.v[0].row, 3);
	upload_free(u);
	ingest_errors_release(&errs);
	strmap_release(&known);
	idindex_release(&kx);
	buf_release(&in);
	buf_release(&err);
}

static void test_upload__bad_parameters(void **state)
{
	struct upload_params p;
	struct ingest_errors errs;
	struct buf err = BUF_INIT;

	(void)state;
	ingest_errors_init(&errs);
	memset(&p, 0, sizeof(p));
	p.task = TASK_CLASSIFICATION;
	p.format = INGEST_TRN;
	assert_null(upload_new(&p, &errs, &err));
	assert_string_equal(err.s, "cannot read sclite trn input for a "
			    "classification dataset (trn is for asr only)");
	buf_reset(&err);
	p.format = INGEST_CSV;
	p.kind = UPLOAD_PREDICTIONS;
	assert_null(upload_new(&p, &errs, &err));
	assert_string_equal(err.s, "cannot check predictions without the "
			    "dataset's example ids");
	buf_reset(&err);
	p.kind = UPLOAD_EXAMPLES;
	p.positive_label = "";
	assert_null(upload_new(&p, &errs, &err));
	assert_string_equal(err.s, "the positive label \"\" is empty");
	assert_int_equal(errs.total, 0);
	buf_release(&err);
}

/* An upload with a declared domain; known ids e0..e4; with the summary. */
static void run_domain(enum upload_kind kind, const struct label_domain *d,
		       const char *in, struct buf *out)
{
	static const char *const ids[] = { "e0", "e1", "e2", "e3", "e4" };

	run_upload_with(TASK_CLASSIFICATION, kind, INGEST_CSV, NULL, d, ids, 5,
			in, 0, true, out);
}

/* Labels and predictions outside a declared domain; canonical spellings. */
static void test_upload__domain(void **state)
{
	static const char *const bin[] = { "1", "0" };
	static const char *const three[] = { "cat", "dog", "bird" };
	struct label_domain b = { bin, 2, true }, c = { three, 3, false };
	struct buf out = BUF_INIT;

	(void)state;
	run_domain(UPLOAD_EXAMPLES, &b, "id,label\ne0,1.0\ne1,l\ne2,0\n"
		   "e3,yes\ne4,1\n", &out);
	assert_string_equal(out.s, "A \nR2 #0 id=e0 label=1\n"
		"E3 label: label \"l\" is not one of the dataset's labels "
		"\"1\" (positive) and \"0\" (negative)\n"
		"E5 label: label \"yes\" is not one of the dataset's labels "
		"\"1\" (positive) and \"0\" (negative)\n--\n"
		"2 of 5 rows, column \"label\": label \"l\" is not one of the "
		"dataset's labels \"1\" (positive) and \"0\" (negative) "
		"(row 3 and 1 more)\n");
	buf_reset(&out);
	run_domain(UPLOAD_PREDICTIONS, &c, "id,prediction\ne0,cat\ne1,brid\n",
		   &out);
	assert_string_equal(out.s,
		"R2 #0 id=e0 pred=cat\n"
		"E3 prediction: prediction \"brid\" is not one of the dataset's "
		"classes \"cat\", \"dog\" and \"bird\"\n"
		"E0 id: example \"e2\" (example 3 of the dataset) has no "
		"prediction; a prediction upload must cover every example\n"
		"E0 id: example \"e3\" (example 4 of the dataset) has no "
		"prediction; a prediction upload must cover every example\n"
		"E0 id: example \"e4\" (example 5 of the dataset) has no "
		"prediction; a prediction upload must cover every example\n"
		"--\n"
		"3 of 5 examples have no prediction (the first: example "
		"\"e2\")\n"
		"1 of 2 rows, column \"prediction\": prediction \"brid\" is not "
		"one of the dataset's classes \"cat\", \"dog\" and \"bird\" "
		"(row 3)\n");
	buf_release(&out);
}

static void test_upload__domain_check(void **state)
{
	static const char *const dup[] = { "1", "1.00" };
	static const char *const one[] = { "a" };
	static const char *const ctl[] = { "a", "b\tc" };
	struct label_domain d1 = { dup, 2, true }, d2 = { one, 1, false };
	struct label_domain d3 = { ctl, 2, false };
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(label_domain_check(&d1, &err), -1);
	assert_string_equal(err.s, "labels \"1\" and \"1.00\" are the same label");
	buf_reset(&err);
	assert_int_equal(label_domain_check(&d2, &err), -1);
	assert_string_equal(err.s, "a multi-class task takes at least 2 "
			    "classes, not 1 label");
	buf_reset(&err);
	assert_int_equal(label_domain_check(&d3, &err), -1);
	assert_string_equal(err.s, "label 2 contains a control character");
	buf_release(&err);
}

/*
 * Duplicates among many ids are found by the fingerprint sort: planted
 * ones, and a long run of one id, each named by its row and first row.
 */
static void test_upload__many_duplicates(void **state)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct upload_params p;
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct upload *u;

	(void)state;
	buf_adds(&in, "id,label\n");
	for (int i = 0; i < 200000; i++)
		buf_addf(&in, "id-%d,x\n", i);
	buf_adds(&in, "id-77,x\nid-199999,x\nid-0,x\n");	/* rows 200002.. */
	for (int i = 0; i < 3000; i++)
		buf_adds(&in, "same,x\n");			/* rows 200005.. */
	memset(&p, 0, sizeof(p));
	p.task = TASK_CLASSIFICATION;
	p.kind = UPLOAD_EXAMPLES;
	p.format = INGEST_CSV;
	ingest_errors_init(&errs);
	u = upload_new(&p, &errs, &err);
	assert_non_null(u);
	upload_feed(u, in.s, in.len);
	assert_int_equal(upload_finish(u), -1);
	assert_int_equal(errs.total, 3 + 2999);
	assert_int_equal(errs.v[0].row, 200002);
	assert_string_equal(errs.v[0].reason,
			    "duplicate id: the same id as on row 79");
	assert_int_equal(errs.v[1].row, 200003);
	assert_string_equal(errs.v[1].reason,
			    "duplicate id: the same id as on row 200001");
	assert_string_equal(errs.v[2].reason,
			    "duplicate id: the same id as on row 2");
	assert_int_equal(errs.v[3].row, 200006);
	assert_string_equal(errs.v[3].reason,
			    "duplicate id: the same id as on row 200005");
	assert_int_equal(errs.v[99].row, 200006 + 96);
	upload_free(u);
	ingest_errors_release(&errs);
	buf_release(&in);
	buf_release(&out);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upload__cases),
		cmocka_unit_test(test_upload__attribute_name_length),
		cmocka_unit_test(test_upload__error_count),
		cmocka_unit_test(test_upload__bad_parameters),
		cmocka_unit_test(test_upload__domain),
		cmocka_unit_test(test_upload__many_duplicates),
		cmocka_unit_test(test_upload__domain_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
