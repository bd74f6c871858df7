/*
 * upload.c - validation of an upload's records; see upload.h for the rules.
 *
 * The upload sits between a parser and the caller: the parser's header
 * callback assigns each column a role (id, label, text, speaker,
 * prediction, attribute) and the record callback checks one row by role,
 * then emits it typed while the shared error list is still empty.
 *
 * Duplicate ids: examples keep no id text.  Each id's 96-bit fingerprint
 * (XXH3-128, cut) goes into an id index (common/idindex.h) at the
 * example's ordinal, 16.5 bytes a row, which is built once at the end and
 * reports the duplicates.  Two distinct ids share a fingerprint with
 * probability about n^2 / 2^97 (below 1e-14 for FA_MAX_ROWS ids), and even
 * then the upload is only refused, never stored wrong.  An example's row
 * is its ordinal plus the first one's row; only an upload where some row
 * had no id (refused anyway) keeps an array of rows.  A caller may take
 * the index of an accepted upload (upload_take_ids) as the known ids of
 * the dataset's prediction uploads.  Predictions look their id up in the
 * caller's `known` index and keep one bit per known example, set once it
 * has a prediction: a second prediction for it is a duplicate, and the
 * bits give coverage at the end.  Predictions usually come in the order of
 * their examples, so the example after the last one found is tried first:
 * as text when the ids are known as text, else by its fingerprint.
 *
 * A caller that keeps the ids anyway (the offline loader) passes its map in
 * intern_ids: the ids are appended to it as they come and indexed at the
 * end in one pass (strmap_append/strmap_index), which finds the duplicates;
 * they are reported exactly as the fingerprints' would be.
 *
 * Score labels: the first label that is not the positive one becomes "the
 * other value"; a label equal to neither is an error.  Labels compare as
 * text, or as numbers when both sides are numbers, so "1.0" is the positive
 * label "1"; emitted rows carry the canonical spelling (the positive label
 * or the other value's first spelling) so that downstream code sees two
 * distinct strings.
 */
#include "common/fa.h"
#include "common/util.h"
#include "ingest/upload.h"
#include "ingest/parser.h"
#include "common/idindex.h"

enum role {
	ROLE_ATTR,
	ROLE_ID,
	ROLE_LABEL,
	ROLE_TEXT,
	ROLE_SPEAKER,
	ROLE_PRED,
	ROLE_UNEXPECTED,
};

struct dup_list {
	uint32_t (*v)[2];	/* (row, first row) */
	size_t n, cap;
};

struct upload {
	struct upload_params p;
	char *positive;
	size_t positive_len;
	struct ingest_errors *errs;
	struct ingest_parser *parser;
	struct ingest_sink sink;

	bool header_ok;
	int col_id, col_label, col_text, col_speaker, col_pred;
	size_t nattrs;
	size_t *attr_col;		/* record column of each attribute */
	char **attr_names;
	struct ingest_value *attrs;	/* per-row scratch */

	uint64_t rows;
	bool too_many_rows;
	bool stopped;			/* the parser gave up */

	struct idindex prints;		/* examples: every id, by ordinal */
	uint64_t row_base;		/* examples: the row of ordinal 0 */
	uint32_t *ex_rows;		/* examples: the row of each ordinal,
					   once one is not row_base + it */
	size_t ex_rows_cap;
	size_t nids;			/* examples: ids seen */
	uint64_t *seen;			/* predictions: a bit per example */
	size_t next_guess;		/* predictions: the example after the
					   last one found */
	uint32_t *first_row;		/* intern_ids: the row of each id */
	size_t first_row_cap;
	struct dup_list *dups;		/* intern_ids: (row, first row) */

	/* the declared label domain, or NULL */
	const struct label_domain *dom;
	struct strmap dom_map;		/* label -> index in dom->labels */
	double *dom_num;		/* each label's value, if a number */
	bool *dom_is_num;
	char *dom_desc;			/* the domain, for error messages */
	uint64_t missing;		/* predictions: examples without one */
	char *first_missing;		/* the first of them, quoted */

	double positive_num;		/* score: positive label's value */
	bool positive_is_num;
	char *other;			/* score: the non-positive label */
	size_t other_len;
	uint64_t other_row;
	double other_num;
	bool other_is_num;
};

static void on_header(void *ctx, uint64_t row,
		      const struct ingest_column *cols, size_t n);
static void on_record(void *ctx, const struct ingest_record *r);

/*
 * The coverage errors, kept as variables: the summary finds them by
 * format.  The ids are quoted when the caller has their text.
 */
static const char coverage_fmt[] = "example %s (example %llu of the dataset) "
	"has no prediction; a prediction upload must cover every example";
static const char coverage_anon_fmt[] = "example %llu of the dataset (in "
	"the order of its upload) has no prediction; a prediction upload "
	"must cover every example";

#define MAX_DOMAIN_LABELS 1000
/* Labels quoted in full in a domain error; past that, a count. */
#define DOMAIN_DESC_LABELS 20

int label_domain_check(const struct label_domain *d, struct buf *err)
{
	if (d->binary ? d->n != 2 : d->n < 2) {
		buf_addf(err, "%s %zu label%s", d->binary ? "a binary task "
			 "takes exactly 2 labels (positive and negative), not"
			 : "a multi-class task takes at least 2 classes, not",
			 d->n, d->n == 1 ? "" : "s");
		return -1;
	}
	if (d->n > MAX_DOMAIN_LABELS) {
		buf_addf(err, "a dataset takes at most %d classes, not %zu",
			 MAX_DOMAIN_LABELS, d->n);
		return -1;
	}
	for (size_t i = 0; i < d->n; i++) {
		const char *l = d->labels[i];
		size_t n = strlen(l);
		double x, y;

		if (!n) {
			buf_addf(err, "label %zu is empty", i + 1);
			return -1;
		}
		if (n > FA_MAX_NAME_BYTES || ingest_text_check(l, n)) {
			buf_addf(err, "label %zu is not valid UTF-8 text of at "
				 "most %d bytes", i + 1, FA_MAX_NAME_BYTES);
			return -1;
		}
		for (size_t k = 0; k < n; k++) {
			if ((unsigned char)l[k] < 0x20 || l[k] == 0x7f) {
				buf_addf(err, "label %zu contains a control "
					 "character", i + 1);
				return -1;
			}
		}
		for (size_t j = 0; j < i; j++) {
			bool num = !parse_double(l, n, &x) &&
				   !parse_double(d->labels[j],
						 strlen(d->labels[j]), &y) &&
				   x == y;

			if (num || !strcmp(l, d->labels[j])) {
				buf_adds(err, "labels ");
				ingest_quote(err, d->labels[j],
					     strlen(d->labels[j]));
				buf_adds(err, " and ");
				ingest_quote(err, l, n);
				buf_adds(err, " are the same label");
				return -1;
			}
		}
	}
	return 0;
}

/* Intern the declared labels and describe them for error messages. */
static void domain_init(struct upload *u, const struct label_domain *d)
{
	struct buf b = BUF_INIT;
	bool added;

	u->dom = d;
	u->dom_num = xcalloc(d->n, sizeof(*u->dom_num));
	u->dom_is_num = xcalloc(d->n, sizeof(*u->dom_is_num));
	for (size_t i = 0; i < d->n; i++) {
		size_t n = strlen(d->labels[i]);

		strmap_intern(&u->dom_map, d->labels[i], n, &added);
		u->dom_is_num[i] = !parse_double(d->labels[i], n,
						 &u->dom_num[i]);
	}
	if (d->binary) {
		buf_adds(&b, "labels ");
		ingest_quote(&b, d->labels[0], strlen(d->labels[0]));
		buf_adds(&b, " (positive) and ");
		ingest_quote(&b, d->labels[1], strlen(d->labels[1]));
		buf_adds(&b, " (negative)");
	} else {
		buf_adds(&b, "classes ");
		for (size_t i = 0; i < d->n && i < DOMAIN_DESC_LABELS; i++) {
			if (i)
				buf_adds(&b, i + 1 == d->n ? " and " : ", ");
			ingest_quote(&b, d->labels[i], strlen(d->labels[i]));
		}
		if (d->n > DOMAIN_DESC_LABELS)
			buf_addf(&b, ", ... (%zu in all)", d->n);
	}
	u->dom_desc = buf_detach(&b, NULL);
}

static const char *text_name(const struct upload *u)
{
	return u->p.kind == UPLOAD_EXAMPLES ? "reference" : "hypothesis";
}

/* Examples a prediction upload must cover. */
static size_t known_count(const struct upload *u)
{
	if (u->p.defer_ids)
		return 0;
	return u->p.known_map ? u->p.known_map->n : idindex_count(u->p.known);
}

/* The known ids as text, or NULL. */
static const struct strmap *known_names(const struct upload *u)
{
	return u->p.known_map ? u->p.known_map : u->p.known_names;
}

/*
 * The ordinal of a known id, or -1: the example after the last one found
 * first (as text: known ids are unique), then the index.
 */
static int64_t find_known(struct upload *u, const char *s, size_t n)
{
	const struct strmap *names = known_names(u);
	size_t g = u->next_guess;
	int64_t ex;

	if (names && g < names->n && strmap_len(names, (uint32_t)g) == n &&
	    !memcmp(strmap_str(names, (uint32_t)g), s, n))
		ex = (int64_t)g;
	else if (u->p.known_map)
		ex = strmap_find(u->p.known_map, s, n);
	else if (names)
		ex = idindex_find(u->p.known, s, n);
	else
		ex = idindex_find_hint(u->p.known, g, s, n);
	if (ex >= 0)
		u->next_guess = (size_t)ex + 1;
	return ex;
}

static void dup_add(struct dup_list *d, uint32_t row, uint32_t first)
{
	if (d->n == d->cap)
		d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
	d->v[d->n][0] = row;
	d->v[d->n][1] = first;
	d->n++;
}

struct upload *upload_new(const struct upload_params *params,
			  struct ingest_errors *errs, struct buf *err)
{
	const char *pos = params->positive_label ? params->positive_label
						 : "1";
	struct ingest_options opts = { NULL, false };
	struct upload *u;

	if (params->format == INGEST_TRN && params->task != TASK_ASR) {
		buf_addf(err, "cannot read sclite trn input for a %s dataset "
			 "(trn is for asr only)", task_name(params->task));
		return NULL;
	}
	if (params->kind == UPLOAD_PREDICTIONS && !params->known &&
	    !params->known_map && !params->defer_ids) {
		buf_adds(err, "cannot check predictions without the "
			 "dataset's example ids");
		return NULL;
	}
	if (params->domain && params->domain->binary)
		pos = params->domain->labels[0];
	if (!*pos) {
		buf_adds(err, "the positive label \"\" is empty");
		return NULL;
	}
	if (params->domain && label_domain_check(params->domain, err))
		return NULL;
	u = xcalloc(1, sizeof(*u));
	u->p = *params;
	u->errs = errs;
	u->positive = xstrdup(pos);
	u->positive_len = strlen(pos);
	u->positive_is_num = !parse_double(pos, u->positive_len,
					   &u->positive_num);
	u->p.positive_label = u->positive;
	u->col_id = u->col_label = u->col_text = -1;
	u->col_speaker = u->col_pred = -1;
	strmap_init(&u->dom_map);
	idindex_init(&u->prints);
	if (params->domain && (params->task == TASK_CLASSIFICATION ||
			       params->task == TASK_SCORE))
		domain_init(u, params->domain);
	if (params->kind == UPLOAD_PREDICTIONS)
		u->seen = xcalloc(known_count(u) / 64 + 1, sizeof(*u->seen));
	if (params->kind == UPLOAD_EXAMPLES && params->intern_ids)
		u->dups = xcalloc(1, sizeof(*u->dups));
	u->sink.header = on_header;
	u->sink.record = on_record;
	u->sink.ctx = u;
	opts.text_column = text_name(u);
	opts.speaker = params->kind == UPLOAD_EXAMPLES;
	u->parser = ingest_parser_new(params->format, &opts, &u->sink, errs);
	return u;
}

void upload_free(struct upload *u)
{
	if (!u)
		return;
	ingest_parser_free(u->parser);
	for (size_t i = 0; i < u->nattrs; i++)
		free(u->attr_names[i]);
	free(u->attr_names);
	free(u->attr_col);
	free(u->attrs);
	idindex_release(&u->prints);
	free(u->ex_rows);
	free(u->seen);
	free(u->first_row);
	if (u->dups)
		free(u->dups->v);
	free(u->dups);
	free(u->other);
	free(u->positive);
	strmap_release(&u->dom_map);
	free(u->dom_num);
	free(u->dom_is_num);
	free(u->dom_desc);
	free(u->first_missing);
	free(u);
}

size_t upload_nattrs(const struct upload *u)
{
	return u->nattrs;
}

const char *upload_attr(const struct upload *u, size_t i)
{
	return u->attr_names[i];
}

bool upload_has_speaker(const struct upload *u)
{
	return u->col_speaker >= 0;
}

uint64_t upload_rows(const struct upload *u)
{
	return u->rows;
}

void upload_take_ids(struct upload *u, struct idindex *ids)
{
	idindex_init(ids);
	if (u->p.kind != UPLOAD_EXAMPLES || !u->prints.built ||
	    u->errs->total)
		return;
	*ids = u->prints;
	idindex_init(&u->prints);
}

int upload_feed(struct upload *u, const void *data, size_t n)
{
	if (ingest_parser_feed(u->parser, data, n) < 0)
		u->stopped = true;
	return u->stopped ? -1 : 0;
}

/* ---- header ---- */

static bool name_is(const struct ingest_column *c, const char *s)
{
	return c->len == strlen(s) && !memcmp(c->name, s, c->len);
}

static enum role role_of(const struct upload *u, const struct ingest_column *c)
{
	bool asr = u->p.task == TASK_ASR;

	if (name_is(c, "id"))
		return ROLE_ID;
	if (u->p.kind == UPLOAD_PREDICTIONS) {
		if (name_is(c, asr ? "hypothesis" : "prediction"))
			return ROLE_PRED;
		return ROLE_UNEXPECTED;
	}
	if (!asr && name_is(c, "label"))
		return ROLE_LABEL;
	if (asr && name_is(c, "reference"))
		return ROLE_TEXT;
	if (asr && name_is(c, "speaker"))
		return ROLE_SPEAKER;
	return ROLE_ATTR;
}

/* Check an attribute column's name; false after reporting an error. */
static bool attr_name_ok(struct upload *u, uint64_t row, size_t i,
			 const struct ingest_column *c)
{
	int chk;

	if (!c->len) {
		ingest_errors_addf(u->errs, row, NULL, "column %zu has an "
				   "empty name", i + 1);
		return false;
	}
	if ((chk = ingest_text_check(c->name, c->len))) {
		ingest_errors_addf(u->errs, row, NULL, "the name of column "
				   "%zu %s", i + 1, ingest_text_reason(chk));
		return false;
	}
	if (c->len > FA_MAX_NAME_BYTES) {
		ingest_errors_addf(u->errs, row, c->name, "column name is "
				   "longer than %d bytes (FA_MAX_NAME_BYTES)",
				   FA_MAX_NAME_BYTES);
		return false;
	}
	return true;
}

static void on_header(void *ctx, uint64_t row,
		      const struct ingest_column *cols, size_t n)
{
	struct upload *u = ctx;
	bool ok = true, asr = u->p.task == TASK_ASR;
	const char *need;

	u->attr_col = xcalloc(n, sizeof(*u->attr_col));
	u->attr_names = xcalloc(n, sizeof(*u->attr_names));
	u->attrs = xcalloc(n, sizeof(*u->attrs));
	for (size_t i = 0; i < n; i++) {
		switch (role_of(u, &cols[i])) {
		case ROLE_ID:
			u->col_id = (int)i;
			break;
		case ROLE_LABEL:
			u->col_label = (int)i;
			break;
		case ROLE_TEXT:
			u->col_text = (int)i;
			break;
		case ROLE_SPEAKER:
			u->col_speaker = (int)i;
			break;
		case ROLE_PRED:
			u->col_pred = (int)i;
			break;
		case ROLE_UNEXPECTED:
			ingest_errors_addf(u->errs, row, cols[i].name,
					   "unexpected column (a prediction "
					   "upload has only the columns \"id\" "
					   "and \"%s\")",
					   asr ? "hypothesis" : "prediction");
			ok = false;
			break;
		case ROLE_ATTR:
			if (!attr_name_ok(u, row, i, &cols[i])) {
				ok = false;
				break;
			}
			u->attr_col[u->nattrs] = i;
			u->attr_names[u->nattrs++] = xstrndup(cols[i].name,
							      cols[i].len);
			break;
		}
	}
	if (u->col_id < 0) {
		ingest_errors_addf(u->errs, row, "id", "required column "
				   "\"id\" is missing");
		ok = false;
	}
	if (u->p.kind == UPLOAD_EXAMPLES) {
		need = asr ? "reference" : "label";
		if ((asr ? u->col_text : u->col_label) < 0) {
			ingest_errors_addf(u->errs, row, need, "required column "
					   "\"%s\" is missing", need);
			ok = false;
		}
	} else {
		need = asr ? "hypothesis" : "prediction";
		if (u->col_pred < 0) {
			ingest_errors_addf(u->errs, row, need, "required column "
					   "\"%s\" is missing", need);
			ok = false;
		}
	}
	if (asr && u->p.kind == UPLOAD_PREDICTIONS) {
		/* The hypothesis is the row's text. */
		u->col_text = u->col_pred;
		u->col_pred = -1;
	}
	u->header_ok = ok;
	if (ok && !u->errs->total && u->p.header)
		u->p.header(u->p.ctx, u);
}

/* ---- rows ---- */

static uint32_t row32(uint64_t row)
{
	return row > UINT32_MAX ? UINT32_MAX : (uint32_t)row;
}

/*
 * Report a value error quoting the value: "<what> "<value>" <tail>".  what
 * and tail are string literals and become the message's format, so that
 * every distinct message is a kind of its own in the upload's summary.
 */
#define value_error(u, row, col, what, v, tail) \
	value_errorf((u), (row), (col), what " %s " tail, (v))

static void value_errorf(struct upload *u, uint64_t row, const char *col,
			 const char *fmt, const struct ingest_value *v)
{
	struct buf q = BUF_INIT;

	ingest_quote(&q, v->s, v->len);
	ingest_errors_addf(u->errs, row, col, fmt, q.s);
	buf_release(&q);
}

/* A required text value: false after reporting it missing or empty. */
static bool required(struct upload *u, uint64_t row, const char *col,
		     const struct ingest_value *v)
{
	if (v->null) {
		ingest_errors_addf(u->errs, row, col, "missing %s", col);
		return false;
	}
	if (!v->len) {
		ingest_errors_addf(u->errs, row, col, "empty %s", col);
		return false;
	}
	return true;
}

/* Examples: note that ordinal k stands on row. */
static void example_row(struct upload *u, size_t k, uint64_t row)
{
	bool first = !u->ex_rows;

	if (!k)
		u->row_base = row;
	if (first && row == u->row_base + k)
		return;
	u->ex_rows = xgrow(u->ex_rows, &u->ex_rows_cap, k + 1,
			   sizeof(*u->ex_rows));
	/* the first row out of step: every earlier one was in step */
	for (size_t i = 0; first && i < k; i++)
		u->ex_rows[i] = row32(u->row_base + i);
	u->ex_rows[k] = row32(row);
}

static uint32_t row_of_example(const struct upload *u, uint32_t k)
{
	return u->ex_rows ? u->ex_rows[k] : row32(u->row_base + k);
}

static bool check_id(struct upload *u, const struct ingest_record *r,
		     struct upload_row *out)
{
	const struct ingest_value *v = &r->v[u->col_id];
	struct buf q = BUF_INIT;

	if (!required(u, r->row, "id", v))
		return false;
	out->id = v->s;
	out->id_len = v->len;
	if (u->p.kind == UPLOAD_EXAMPLES && u->dups) {
		/* indexed, and duplicates found, at the end */
		uint32_t k = strmap_append(u->p.intern_ids, v->s, v->len);

		u->nids++;
		out->example = k;
		if (u->p.defer_duplicates)
			return true;
		u->first_row = xgrow(u->first_row, &u->first_row_cap,
				     (size_t)k + 1, sizeof(*u->first_row));
		u->first_row[k] = row32(r->row);
		return true;
	} else if (u->p.kind == UPLOAD_EXAMPLES) {
		out->example = u->nids++;
		example_row(u, out->example, r->row);
		idindex_add(&u->prints, v->s, v->len);
		return true;
	} else if (u->p.defer_ids) {
		return true;
	} else {
		int64_t ex = find_known(u, v->s, v->len);

		if (ex < 0) {
			value_error(u, r->row, "id", "unknown example id", v,
				    "(the dataset has no example with it)");
			return false;
		}
		if (!(u->seen[ex / 64] >> (ex % 64) & 1)) {
			u->seen[ex / 64] |= 1ULL << (ex % 64);
			out->example = (size_t)ex;
			return true;
		}
	}
	ingest_quote(&q, v->s, v->len);
	ingest_errors_addf(u->errs, r->row, "id", "duplicate id %s (an "
			   "earlier row of this upload has it)", q.s);
	buf_release(&q);
	return false;
}

static bool same_text(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && !memcmp(a, b, an);
}

/*
 * Score labels: the positive label, the other value, or an error.  Text
 * equality is tried first; numbers (parsed once for the positive and the
 * other value) only when the text differs, so "1.0" matches "1".
 */
static bool check_score_label(struct upload *u, uint64_t row,
			      const struct ingest_value *v,
			      struct upload_row *out)
{
	struct buf q = BUF_INIT, o = BUF_INIT, pq = BUF_INIT;
	bool num, is_pos = false, is_other = false;
	double x = 0;

	if (same_text(v->s, v->len, u->positive, u->positive_len)) {
		is_pos = true;
	} else if (u->other && same_text(v->s, v->len, u->other,
					 u->other_len)) {
		is_other = true;
	} else {
		num = !parse_double(v->s, v->len, &x);
		if (num && u->positive_is_num && x == u->positive_num) {
			is_pos = true;
		} else if (!u->other) {
			u->other = xstrndup(v->s, v->len);
			u->other_len = v->len;
			u->other_row = row;
			u->other_is_num = num;
			u->other_num = x;
			is_other = true;
		} else if (num && u->other_is_num && x == u->other_num) {
			is_other = true;
		}
	}
	if (is_pos) {
		out->positive = true;
		out->label_num = 1;
		out->label = u->positive;
		out->label_len = u->positive_len;
		return true;
	}
	if (is_other) {
		out->label_num = 0;
		out->label = u->other;
		out->label_len = u->other_len;
		return true;
	}
	ingest_quote(&q, v->s, v->len);
	ingest_quote(&o, u->other, u->other_len);
	ingest_quote(&pq, u->positive, u->positive_len);
	ingest_errors_addf(u->errs, row, "label", "label %s is a third "
			   "distinct value; score labels are binary: the "
			   "positive label %s and one other value (here %s, "
			   "first seen on row %llu)", q.s, pq.s, o.s,
			   (unsigned long long)u->other_row);
	buf_release(&q);
	buf_release(&o);
	buf_release(&pq);
	return false;
}

/*
 * A label or classification prediction of a declared domain: its index in
 * the domain and its canonical spelling, or false after reporting it.
 */
static bool check_domain(struct upload *u, uint64_t row, const char *col,
			 const struct ingest_value *v, const char **canon,
			 size_t *canon_len, size_t *index)
{
	int64_t i = strmap_find(&u->dom_map, v->s, v->len);
	struct buf q = BUF_INIT;
	double x;

	if (i < 0 && !parse_double(v->s, v->len, &x)) {
		for (size_t j = 0; j < u->dom->n && i < 0; j++)
			if (u->dom_is_num[j] && u->dom_num[j] == x)
				i = (int64_t)j;
	}
	if (i >= 0) {
		*canon = strmap_str(&u->dom_map, (uint32_t)i);
		*canon_len = strmap_len(&u->dom_map, (uint32_t)i);
		*index = (size_t)i;
		return true;
	}
	ingest_quote(&q, v->s, v->len);
	ingest_errors_addf(u->errs, row, col, "%s %s is not one of the "
			   "dataset's %s", col, q.s, u->dom_desc);
	buf_release(&q);
	return false;
}

static bool check_label(struct upload *u, const struct ingest_record *r,
			struct upload_row *out)
{
	const struct ingest_value *v = &r->v[u->col_label];
	size_t i;

	if (!required(u, r->row, "label", v))
		return false;
	out->label = v->s;
	out->label_len = v->len;
	switch (u->p.task) {
	case TASK_SCORE:
		if (!u->dom)
			return check_score_label(u, r->row, v, out);
		if (!check_domain(u, r->row, "label", v, &out->label,
				  &out->label_len, &i))
			return false;
		out->positive = i == 0;
		out->label_num = i == 0 ? 1 : 0;
		return true;
	case TASK_CLASSIFICATION:
		return !u->dom || check_domain(u, r->row, "label", v,
					       &out->label, &out->label_len,
					       &i);
	case TASK_REGRESSION:
		if (parse_double(v->s, v->len, &out->label_num)) {
			value_error(u, r->row, "label", "label", v,
				    "is not a finite number");
			return false;
		}
		return true;
	default:
		return true;
	}
}

static bool check_prediction(struct upload *u, const struct ingest_record *r,
			     struct upload_row *out)
{
	const struct ingest_value *v = &r->v[u->col_pred];

	size_t i;

	if (!required(u, r->row, "prediction", v))
		return false;
	out->pred = v->s;
	out->pred_len = v->len;
	switch (u->p.task) {
	case TASK_CLASSIFICATION:
		return !u->dom || check_domain(u, r->row, "prediction", v,
					       &out->pred, &out->pred_len, &i);
	case TASK_SCORE:
		if (parse_double(v->s, v->len, &out->pred_num)) {
			value_error(u, r->row, "prediction", "prediction", v,
				    "is not a number");
			return false;
		}
		if (!(out->pred_num >= 0 && out->pred_num <= 1)) {
			value_error(u, r->row, "prediction", "prediction", v,
				    "is outside [0, 1] (a score prediction "
				    "is a probability)");
			return false;
		}
		return true;
	case TASK_REGRESSION:
		if (parse_double(v->s, v->len, &out->pred_num)) {
			value_error(u, r->row, "prediction", "prediction", v,
				    "is not a finite number");
			return false;
		}
		return true;
	default:
		return true;
	}
}

static void on_record(void *ctx, const struct ingest_record *r)
{
	struct upload *u = ctx;
	struct upload_row out;
	bool ok = u->header_ok;

	if (u->too_many_rows)
		return;
	if (++u->rows > FA_MAX_ROWS) {
		ingest_errors_addf(u->errs, r->row, NULL, "the upload has more "
				   "than %d data rows (FA_MAX_ROWS)",
				   FA_MAX_ROWS);
		u->too_many_rows = true;
		return;
	}
	memset(&out, 0, sizeof(out));
	out.row = r->row;
	if (u->col_id >= 0 && !check_id(u, r, &out))
		ok = false;
	if (u->col_label >= 0 && !check_label(u, r, &out))
		ok = false;
	if (u->col_pred >= 0 && !check_prediction(u, r, &out))
		ok = false;
	if (u->col_text >= 0) {
		const struct ingest_value *v = &r->v[u->col_text];

		out.text = v->s;
		out.text_len = v->len;
	}
	if (u->col_speaker >= 0 && r->v[u->col_speaker].len) {
		out.speaker = r->v[u->col_speaker].s;
		out.speaker_len = r->v[u->col_speaker].len;
	}
	for (size_t i = 0; i < u->nattrs; i++)
		u->attrs[i] = r->v[u->attr_col[i]];
	out.attrs = u->attrs;
	if (ok && !u->errs->total && u->p.row)
		u->p.row(u->p.ctx, &out);
}

struct dup_rows {
	const struct upload *u;
	struct dup_list *d;
};

/* examples: a later ordinal with the id of an earlier one */
static void on_dup(void *ctx, uint32_t k, uint32_t first)
{
	struct dup_rows *dr = ctx;

	dup_add(dr->d, row_of_example(dr->u, k), row_of_example(dr->u, first));
}

/* intern_ids: a later index with the id of an earlier one. */
static void on_dup_index(void *ctx, uint32_t index, uint32_t first)
{
	struct upload *u = ctx;

	dup_add(u->dups, u->first_row[index], u->first_row[first]);
}

static int row_cmp(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;

	return (x[0] > y[0]) - (x[0] < y[0]);
}

/*
 * Every id that stands on more than one row: one error per later row, in
 * row order, naming the first row of that id.  The id's text is no longer
 * there to quote; the rows name it.
 */
static void report_duplicates(struct upload *u)
{
	struct dup_list d = { NULL, 0, 0 };

	if (u->dups) {
		strmap_index(u->p.intern_ids, on_dup_index, u);
		d = *u->dups;
		memset(u->dups, 0, sizeof(*u->dups));
	} else {
		struct dup_rows dr = { u, &d };

		idindex_build(&u->prints, on_dup, &dr);
	}
	if (d.n)
		qsort(d.v, d.n, sizeof(*d.v), row_cmp);
	for (size_t i = 0; i < d.n; i++)
		ingest_errors_addf(u->errs, d.v[i][0], "id", "duplicate id: "
				   "the same id as on row %llu",
				   (unsigned long long)d.v[i][1]);
	free(d.v);
}

int upload_finish(struct upload *u)
{
	struct buf q = BUF_INIT;

	ingest_parser_finish(u->parser);
	if (u->p.kind == UPLOAD_EXAMPLES && u->nids &&
	    !(u->dups && u->p.defer_duplicates))
		report_duplicates(u);
	if (!u->rows) {
		if (!u->errs->total)
			ingest_errors_addf(u->errs, 0, NULL, "the upload has "
					   "no data rows");
	} else if (u->p.kind == UPLOAD_PREDICTIONS && u->col_id >= 0 &&
		   !u->stopped && !u->too_many_rows && !u->p.defer_ids) {
		/* Coverage is only known when every row's id was read. */
		const struct strmap *names = known_names(u);
		size_t nk = known_count(u);

		for (uint32_t ex = 0; ex < nk; ex++) {
			if (u->seen[ex / 64] >> (ex % 64) & 1)
				continue;
			if (u->missing++ && u->errs->n >= FA_MAX_ERRORS) {
				ingest_errors_count(u->errs, "id", names ?
						    coverage_fmt :
						    coverage_anon_fmt, 1);
				continue;
			}
			buf_reset(&q);
			if (names) {
				ingest_quote(&q, strmap_str(names, ex),
					     strmap_len(names, ex));
				ingest_errors_addf(u->errs, 0, "id",
						   coverage_fmt, q.s,
						   (unsigned long long)ex + 1);
				if (!u->first_missing)
					u->first_missing = xstrdup(q.s);
			} else {
				ingest_errors_addf(u->errs, 0, "id",
						   coverage_anon_fmt,
						   (unsigned long long)ex + 1);
				buf_addf(&q, "%llu of the dataset",
					 (unsigned long long)ex + 1);
				if (!u->first_missing)
					u->first_missing = xstrdup(q.s);
			}
		}
	}
	buf_release(&q);
	return u->errs->total ? -1 : 0;
}

void upload_summary(const struct upload *u, struct buf *out)
{
	const struct ingest_errors *e = u->errs;
	const struct ingest_error_kind **v = ingest_errors_by_count(e);

	for (size_t i = 0; i < e->nkinds; i++) {
		const struct ingest_error_kind *k = v[i];

		if (k->fmt == coverage_fmt || k->fmt == coverage_anon_fmt) {
			size_t nk = known_count(u);

			ingest_add_count(out, k->count);
			buf_adds(out, " of ");
			ingest_add_count(out, nk);
			buf_addf(out, " example%s ha%s no prediction (the "
				 "first: example %s)\n",
				 nk == 1 ? "" : "s",
				 k->count == 1 ? "s" : "ve",
				 u->first_missing ? u->first_missing : "?");
			continue;
		}
		if (k->first_row) {
			ingest_add_count(out, k->count);
			buf_adds(out, " of ");
			ingest_add_count(out, u->rows);
			buf_addf(out, " row%s", u->rows == 1 ? "" : "s");
			if (k->column)
				buf_addf(out, ", column \"%s\"", k->column);
			buf_addf(out, ": %s (row %llu", k->first,
				 (unsigned long long)k->first_row);
			if (k->count > 1) {
				buf_adds(out, " and ");
				ingest_add_count(out, k->count - 1);
				buf_adds(out, " more");
			}
			buf_adds(out, ")\n");
		} else {
			buf_addf(out, "%s", k->first);
			if (k->count > 1) {
				buf_adds(out, " (");
				ingest_add_count(out, k->count);
				buf_adds(out, " times)");
			}
			buf_addch(out, '\n');
		}
	}
	if (e->other) {
		ingest_add_count(out, e->other);
		buf_adds(out, " errors of other kinds\n");
	}
	free(v);
}


