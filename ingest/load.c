/*
 * load.c - truth and prediction files into a struct table; see load.h.
 *
 * 1. table_init, and for score tasks the positive label.
 * 2. The truth file, as an examples upload: its header callback adds the
 *    attribute columns, each valid row becomes table row r->example (ids
 *    are unique, so rows are added in ordinal order).  For asr with a pair
 *    callback the reference texts are kept until the hypothesis arrives:
 *    a regular truth file is mapped, not read, so a text is its place in
 *    the file, and only texts that are not (a last line without LF, a
 *    quoted CSV field) are copied, into one arena.
 *    The upload adds the ids straight to the table's id map and indexes
 *    them at its end, which finds the duplicates too, so no id is hashed
 *    twice.  The table is sized from the file's first chunk.
 * 3. The prediction file, as a predictions upload whose known ids are the
 *    table's own id map (index = row); each valid row fills its example's
 *    prediction or calls the pair callback.
 *    For every task but asr, the prediction file is read at the same time
 *    on a second thread (struct pred_capture) and joined by id here; the
 *    checked upload of step 3 runs only when that join fails.
 *    A large CSV truth file without a quote is read in two parts, the
 *    second by that thread once the predictions are read (struct
 *    truth_part), and the parts' tables joined; a part with any error,
 *    or an id in both, sends the whole file through step 2 instead, so
 *    that the errors are the single upload's.
 * 4. table_finish.
 * Any error releases the table: the caller gets all or nothing.
 */
#include "common/fa.h"
#include "ingest/load.h"
#include "ingest/upload.h"
#include "ingest/parser.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#define LOAD_CHUNK (1u << 20)

struct loader {
	struct table *t;
	enum task task;
	const char *positive;
	load_pair_fn pair;
	void *ctx;
	struct buf *err;
	bool failed;		/* the pair callback failed */
	size_t speaker_attr;
	bool has_speaker_attr;
	/* asr: row i's reference text is ref_len[i] bytes at ref_at[i]: an
	   offset into map or, with REF_COPIED, into refs */
	const char *map;	/* the truth file, mapped; NULL: read */
	size_t map_len;
	char *refs;		/* texts not in map, back to back */
	size_t refs_len, refs_alloc;
	uint64_t *ref_at;
	uint32_t *ref_len;
	size_t ref_cap;
};

#define REF_COPIED (UINT64_C(1) << 63)

static void truth_header(void *ctx, const struct upload *u)
{
	struct loader *L = ctx;

	for (size_t i = 0; i < upload_nattrs(u); i++)
		table_add_attr(L->t, upload_attr(u, i));
	if (L->task == TASK_ASR && upload_has_speaker(u)) {
		L->speaker_attr = table_add_attr(L->t, "speaker");
		L->has_speaker_attr = true;
	}
}

static void keep_reference(struct loader *L, size_t row, const char *s,
			   size_t n)
{
	if (row >= L->ref_cap) {
		size_t cap = L->ref_cap;

		L->ref_at = xgrow(L->ref_at, &cap, row + 1, sizeof(*L->ref_at));
		L->ref_len = xrealloc(L->ref_len, cap * sizeof(*L->ref_len));
		L->ref_cap = cap;
	}
	L->ref_len[row] = (uint32_t)n;	/* n <= FA_MAX_FIELD_BYTES */
	if (L->map && s >= L->map && n <= L->map_len &&
	    (size_t)(s - L->map) <= L->map_len - n) {
		L->ref_at[row] = (uint64_t)(s - L->map);
		return;
	}
	L->ref_at[row] = REF_COPIED | L->refs_len;
	if (n) {
		L->refs = xgrow(L->refs, &L->refs_alloc, L->refs_len + n, 1);
		memcpy(L->refs + L->refs_len, s, n);
		L->refs_len += n;
	}
}

static const char *reference_of(const struct loader *L, size_t row,
				size_t *n)
{
	uint64_t at;

	if (row >= L->ref_cap) {
		*n = 0;
		return "";
	}
	at = L->ref_at[row];
	*n = L->ref_len[row];
	if (!*n)
		return "";
	return at & REF_COPIED ? L->refs + (at & ~REF_COPIED) : L->map + at;
}

static void truth_row(void *ctx, const struct upload_row *r)
{
	struct loader *L = ctx;
	struct table *t = L->t;
	/* the upload interned the id into t->ids: row = its index */
	int64_t row = table_add_interned_row(t, r->example);

	if (row < 0)
		return;		/* cannot happen: rows come in id order */
	switch (L->task) {
	case TASK_CLASSIFICATION:
	case TASK_SCORE:
		t->label[row] = table_class(t, r->label, r->label_len);
		break;
	case TASK_REGRESSION:
		t->label_num[row] = r->label_num;
		break;
	case TASK_ASR:
		if (r->speaker) {
			t->speaker[row] = table_speaker(t, r->speaker,
							r->speaker_len);
			table_set_attr(t, (size_t)row, L->speaker_attr,
				       r->speaker, r->speaker_len);
		}
		if (L->pair)
			keep_reference(L, (size_t)row, r->text, r->text_len);
		break;
	}
	for (size_t a = 0; a < t->nattrs; a++) {
		if (L->has_speaker_attr && a == L->speaker_attr)
			continue;
		if (!r->attrs[a].null && r->attrs[a].len)
			table_set_attr(t, (size_t)row, a, r->attrs[a].s,
				       r->attrs[a].len);
	}
}

static void pred_row(void *ctx, const struct upload_row *r)
{
	struct loader *L = ctx;
	struct table *t = L->t;
	size_t row = r->example;

	switch (L->task) {
	case TASK_CLASSIFICATION:
		t->pred[row] = table_class(t, r->pred, r->pred_len);
		break;
	case TASK_SCORE:
	case TASK_REGRESSION:
		t->pred_num[row] = r->pred_num;
		break;
	case TASK_ASR:
		if (!L->pair || L->failed)
			break;
	{
		size_t n;
		const char *ref = reference_of(L, row, &n);

		if (L->pair(L->ctx, t, row, ref, n, r->text, r->text_len,
			    L->err))
			L->failed = true;
		break;
	}
	}
}

/*
 * The prediction file read on a second thread while the truth file is
 * read on the first: the upload checks every value but defers the ids,
 * which are kept here (in file order) with each row's prediction.
 * The join afterwards maps them to examples; whatever it cannot settle
 * (an error, an unknown or repeated id, a missing example) sends the file
 * through the ordinary, checked predictions upload instead, so the errors
 * are always that upload's own.  Not for asr, whose pairs need the
 * reference texts.
 */
struct pred_capture {
	struct upload_params params;
	const char *path;
	struct buf ids;		/* prediction ids, back to back */
	uint32_t *id_end;	/* per row: the end of its id in ids */
	bool too_long;		/* ids past 4 GiB: the join is not tried */
	size_t n;		/* rows */
	struct strmap classes;	/* classification: predictions' values */
	uint32_t *code;		/* per row: its value's index in classes */
	double *num;		/* per row: score, regression */
	size_t cap;
	struct ingest_errors errs;
	struct buf err;
	int ret;
	struct truth_part *part;	/* read after the predictions, or NULL */
};

typedef void (*rows_hint_fn)(void *ctx, size_t rows, size_t bytes);

/*
 * A truth file read in two parts: its header line, then from part_at
 * (the start of a line) to the end, as an upload of its own into a table
 * of its own; the first part is the header and the lines before.  For a
 * CSV file without a quote, every LF ends a record, so either part reads
 * exactly the records the whole file has there.  The line before
 * part_at is not blank: the parser drops blank lines at the end of its
 * input, which the whole file would have made rows.
 */
#define SPLIT_MIN_BYTES (256u << 10)

struct truth_part {
	const char *map;	/* the whole file, mapped */
	size_t len, head_len, part_at;
	struct upload_params params;
	struct loader L;
	struct table t;
	struct ingest_errors errs;
	struct buf err;
	int ret;
};

static int load_bytes(struct upload_params *params, const char *head,
		      size_t head_len, const char *body, size_t body_len,
		      rows_hint_fn hint, void *hint_ctx,
		      struct ingest_errors *errs, struct buf *err);
static void truth_hint(void *ctx, size_t rows, size_t bytes);
static size_t rows_estimate(const char *chunk, size_t n, off_t size);

static int load_one(struct upload_params *params, const char *what,
		    const char *path, rows_hint_fn hint, void *hint_ctx,
		    const char **map, size_t *map_len,
		    struct ingest_errors *errs, struct buf *err);

static void capture_hint(void *ctx, size_t rows, size_t bytes)
{
	struct pred_capture *c = ctx;
	size_t n = c->cap;

	(void)bytes;
	if (rows <= n)
		return;
	c->id_end = xrealloc(c->id_end, rows * sizeof(*c->id_end));
	if (c->params.task == TASK_CLASSIFICATION)
		c->code = xrealloc(c->code, rows * sizeof(*c->code));
	else
		c->num = xrealloc(c->num, rows * sizeof(*c->num));
	c->cap = rows;
}

static void capture_row(void *ctx, const struct upload_row *r)
{
	struct pred_capture *c = ctx;
	size_t i = c->n++;

	if (i >= c->cap) {
		size_t n = c->cap;

		c->id_end = xgrow(c->id_end, &n, i + 1, sizeof(*c->id_end));
		n = c->cap;
		if (c->params.task == TASK_CLASSIFICATION)
			c->code = xgrow(c->code, &n, i + 1, sizeof(*c->code));
		else
			c->num = xgrow(c->num, &n, i + 1, sizeof(*c->num));
		c->cap = n;
	}
	if (c->ids.len + r->id_len > UINT32_MAX)
		c->too_long = true;
	if (!c->too_long)
		buf_add(&c->ids, r->id, r->id_len);
	c->id_end[i] = (uint32_t)c->ids.len;
	if (c->params.task == TASK_CLASSIFICATION)
		c->code[i] = strmap_intern(&c->classes, r->pred, r->pred_len,
					   NULL);
	else
		c->num[i] = r->pred_num;
}

static void *capture_thread(void *arg)
{
	struct pred_capture *c = arg;

	c->ret = load_one(&c->params, "prediction", c->path, capture_hint, c,
			  NULL, NULL, &c->errs, &c->err);
	if (c->part) {
		struct truth_part *p = c->part;

		p->ret = load_bytes(&p->params, p->map, p->head_len,
				    p->map + p->part_at, p->len - p->part_at,
				    truth_hint, &p->L, &p->errs, &p->err);
	}
	return NULL;
}

/* The captured predictions into t: 0, or -1 (t untouched) when the join
   fails. */
static int capture_join(struct pred_capture *c, struct table *t)
{
	size_t n = t->nrows, at = 0;
	uint32_t *row, *recode;
	uint64_t *seen;

	if (c->ret || c->errs.total || c->n != n || c->too_long)
		return -1;
	row = xmalloc((n ? n : 1) * sizeof(*row));
	seen = xcalloc(n / 64 + 1, sizeof(*seen));
	for (size_t i = 0; i < n; i++) {
		const char *id = c->ids.s + at;
		size_t len = c->id_end[i] - at;
		int64_t ex;

		at = c->id_end[i];
		/* the same order as the truth file is the common case */
		if (strmap_len(&t->ids, (uint32_t)i) == len &&
		    !memcmp(strmap_str(&t->ids, (uint32_t)i), id, len))
			ex = (int64_t)i;
		else
			ex = strmap_find(&t->ids, id, len);
		if (ex < 0 || seen[ex / 64] >> (ex % 64) & 1) {
			free(row);
			free(seen);
			return -1;
		}
		seen[ex / 64] |= 1ULL << (ex % 64);
		row[i] = (uint32_t)ex;
	}
	free(seen);
	/* distinct known ids, as many as examples: each example has one */
	if (c->params.task == TASK_CLASSIFICATION) {
		/* first seen first, as the checked upload interns them */
		recode = xmalloc((c->classes.n + 1) * sizeof(*recode));
		for (uint32_t k = 0; k < c->classes.n; k++)
			recode[k] = table_class(t, strmap_str(&c->classes, k),
						strmap_len(&c->classes, k));
		for (size_t i = 0; i < n; i++)
			t->pred[row[i]] = recode[c->code[i]];
		free(recode);
	} else {
		for (size_t i = 0; i < n; i++)
			t->pred_num[row[i]] = c->num[i];
	}
	free(row);
	return 0;
}

static void capture_release(struct pred_capture *c)
{
	buf_release(&c->ids);
	free(c->id_end);
	strmap_release(&c->classes);
	free(c->code);
	free(c->num);
	ingest_errors_release(&c->errs);
	buf_release(&c->err);
}

/*
 * The rows a file of size bytes will have, judged by the line ends of its
 * first n bytes, with a little to spare; 0 when there is nothing to judge.
 */
static size_t rows_estimate(const char *chunk, size_t n, off_t size)
{
	size_t lines = 0;
	double est;

	for (const char *p = chunk; (p = memchr(p, '\n', n - (size_t)(p -
							chunk))); p++)
		lines++;
	if (!lines || size <= 0)
		return 0;
	est = (double)lines * ((double)size / (double)n) * 1.02 + 16;
	return est > FA_MAX_ROWS + 1.0 ? (size_t)FA_MAX_ROWS + 1 : (size_t)est;
}

static void truth_hint(void *ctx, size_t rows, size_t bytes)
{
	struct loader *L = ctx;

	table_reserve(L->t, rows);
	if (L->pair) {
		/* a file read, not mapped: its texts take at most its bytes */
		if (!L->map && bytes > L->refs_alloc) {
			L->refs = xrealloc(L->refs, bytes);
			L->refs_alloc = bytes;
		}
		if (rows > L->ref_cap) {
			L->ref_at = xrealloc(L->ref_at, rows * sizeof(*L->ref_at));
			L->ref_len = xrealloc(L->ref_len,
					      rows * sizeof(*L->ref_len));
			L->ref_cap = rows;
		}
	}
}

/*
 * head then body (either may be empty) through one upload; 0, or -1 with
 * the errors in errs.  hint as for load_one(), judged by body.
 */
static int load_bytes(struct upload_params *params, const char *head,
		      size_t head_len, const char *body, size_t body_len,
		      rows_hint_fn hint, void *hint_ctx,
		      struct ingest_errors *errs, struct buf *err)
{
	struct upload *u = upload_new(params, errs, err);
	int ret = 0;

	if (!u)
		return -1;
	if (hint) {
		const char *judge = body_len ? body : head;
		size_t n = body_len ? body_len : head_len;
		size_t rows = rows_estimate(judge, n < LOAD_CHUNK ? n :
					    LOAD_CHUNK, (off_t)n);

		if (rows)
			hint(hint_ctx, rows, n);
	}
	if (!upload_feed(u, head, head_len) && body_len)
		upload_feed(u, body, body_len);
	if (upload_finish(u))
		ret = -1;
	upload_free(u);
	return ret;
}

/*
 * Where the second part of the truth file starts, or 0: not worth it or
 * not safe (see struct truth_part).  The second part is read after the
 * predictions, so it is made smaller by about their cost: a prediction
 * byte costs about PRED_COST truth bytes.
 */
#define PRED_COST 1.1

size_t load_split_point(const char *map, size_t len, off_t pred_size,
			size_t *head_len)
{
	const char *nl, *cr, *q;
	double want;
	size_t at;

	/* the header is the first line, ended by LF or CR LF */
	if (len < SPLIT_MIN_BYTES || memchr(map, '"', len) ||
	    map[0] == '\n' || map[0] == '\r' ||
	    !(nl = memchr(map, '\n', len)))
		return 0;
	cr = memchr(map, '\r', (size_t)(nl - map));
	if (cr && cr != nl - 1)
		return 0;
	*head_len = (size_t)(nl - map) + 1;
	want = ((double)len + (double)*head_len +
		PRED_COST * (double)(pred_size > 0 ? pred_size : 0)) / 2;
	at = want < (double)len ? (size_t)want : len;
	if (at < *head_len)
		at = *head_len;
	/*
	 * An LF that ends a line that is not blank (a CR before it ends the
	 * line with it), with a line after it.
	 */
	for (q = map + at; q < map + len &&
	     (q = memchr(q, '\n', len - (size_t)(q - map))); q++) {
		const char *e = q[-1] == '\r' ? q - 1 : q;

		if (e[-1] != '\n' && e[-1] != '\r')
			return q + 1 < map + len ? (size_t)(q + 1 - map) : 0;
	}
	return 0;
}

/*
 * The truth file mapped and its split point into p, or false: read it
 * whole.
 */
static bool split_plan(const char *truth_path, const char *pred_path,
		       struct truth_part *p)
{
	enum ingest_format f;
	struct buf e = BUF_INIT;
	struct stat st, ps;
	void *map;
	int fd;
	bool csv = !ingest_format_from_path(truth_path, &f, &e) &&
		   f == INGEST_CSV;

	buf_release(&e);
	if (!csv || (fd = open(truth_path, O_RDONLY)) < 0)
		return false;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size < (off_t)SPLIT_MIN_BYTES ||
	    (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		return false;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ,
		   MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	p->map = map;
	p->len = (size_t)st.st_size;
	p->part_at = load_split_point(p->map, p->len, stat(pred_path, &ps) ?
				      0 : ps.st_size, &p->head_len);
	if (!p->part_at) {
		munmap(map, p->len);
		p->map = NULL;
		return false;
	}
	return true;
}

/*
 * Stream one file through an upload; 0, or -1 with a sentence in err.
 * hint (may be NULL) is told how many rows to expect once the first chunk
 * is read, before it is parsed, so that the caller can size its arrays.
 * With map non-NULL, a regular file is mapped and fed whole, so that the
 * rows' fields point into *map (*map_len bytes), which the caller unmaps;
 * *map is set before the first row arrives.  Changing the file while it
 * is read is then the caller's risk, as with any mapped input.
 */
static int load_one(struct upload_params *params, const char *what,
		    const char *path, rows_hint_fn hint, void *hint_ctx,
		    const char **map, size_t *map_len,
		    struct ingest_errors *errs, struct buf *err)
{
	struct upload *u;
	char *chunk = NULL;
	struct stat st;
	FILE *fp;
	size_t n;
	int ret = 0;

	if (ingest_format_from_path(path, &params->format, err))
		return -1;
	fp = fopen(path, "rb");
	if (!fp) {
		buf_addf(err, "cannot open the %s file \"%s\": %s", what, path,
			 strerror(errno));
		return -1;
	}
	u = upload_new(params, errs, err);
	if (!u) {
		fclose(fp);
		return -1;
	}
	if (fstat(fileno(fp), &st) || !S_ISREG(st.st_mode)) {
		hint = NULL;
		map = NULL;
	}
	if (map && st.st_size > 0 && (uintmax_t)st.st_size <= SIZE_MAX) {
		void *p = mmap(NULL, (size_t)st.st_size, PROT_READ,
			       MAP_PRIVATE | MAP_POPULATE, fileno(fp), 0);

		if (p != MAP_FAILED) {
			*map = p;
			*map_len = (size_t)st.st_size;
			if (hint) {
				size_t rows = rows_estimate(
					p, *map_len < LOAD_CHUNK ? *map_len
								 : LOAD_CHUNK,
					st.st_size);

				if (rows)
					hint(hint_ctx, rows, *map_len);
			}
			upload_feed(u, p, *map_len);
			goto finish;
		}
	}
	chunk = xmalloc(LOAD_CHUNK);
	for (bool first = true; (n = fread(chunk, 1, LOAD_CHUNK, fp)) > 0;
	     first = false) {
		if (first && hint) {
			size_t rows = rows_estimate(chunk, n, st.st_size);

			if (rows)
				hint(hint_ctx, rows, (size_t)st.st_size);
		}
		if (upload_feed(u, chunk, n) < 0)
			break;
	}
	if (ferror(fp)) {
		buf_addf(err, "cannot read the %s file \"%s\": %s", what, path,
			 strerror(errno));
		ret = -1;
		goto done;
	}
finish:
	if (upload_finish(u)) {
		buf_addf(err, "cannot load the %s file \"%s\": %llu error%s",
			 what, path, (unsigned long long)errs->total,
			 errs->total == 1 ? "" : "s");
		ret = -1;
	}
done:
	free(chunk);
	upload_free(u);
	fclose(fp);
	return ret;
}

/* The second part's upload: the first's, into a table of its own. */
static void part_init(struct truth_part *p, const struct upload_params *params,
		      enum task task, const char *pos)
{
	memset(&p->L, 0, sizeof(p->L));
	p->L.t = &p->t;
	p->L.task = task;
	p->L.positive = pos;
	table_init(&p->t, task);
	if (task == TASK_SCORE)
		table_set_positive(&p->t, pos, strlen(pos));
	p->params = *params;
	p->params.ctx = &p->L;
	p->params.intern_ids = &p->t.ids;
	/* table_concat() finds them, among the first part's too */
	p->params.defer_duplicates = true;
	ingest_errors_init(&p->errs);
	buf_init(&p->err, 0);
	p->ret = -1;
}

static void part_release(struct truth_part *p)
{
	table_release(&p->t);
	ingest_errors_release(&p->errs);
	buf_release(&p->err);
	munmap((void *)p->map, p->len);
	p->map = NULL;
}

int load_files_with_pairs(struct table *t, enum task task,
			  const char *truth_path, const char *pred_path,
			  const char *positive_label,
			  const struct label_domain *domain,
			  load_pair_fn pair, void *ctx,
			  struct ingest_errors *errs, struct buf *err)
{
	struct loader L;
	struct upload_params params;
	const char *pos = positive_label ? positive_label : "1";
	bool multiclass = domain && !domain->binary;
	bool threaded = false, joined = false, split = false, split_ok = false;
	struct pred_capture cap;
	struct truth_part part;
	pthread_t th;
	int ret = 0;

	if (domain && domain->binary)
		pos = domain->labels[0];

	memset(&L, 0, sizeof(L));
	L.t = t;
	L.task = task;
	L.positive = pos;
	L.pair = task == TASK_ASR ? pair : NULL;
	L.ctx = ctx;
	L.err = err;
	table_init(t, task);
	if (task == TASK_SCORE)
		table_set_positive(t, pos, strlen(pos));

	memset(&params, 0, sizeof(params));
	params.task = task;
	params.kind = UPLOAD_EXAMPLES;
	params.positive_label = pos;
	params.domain = domain;
	params.header = truth_header;
	params.row = truth_row;
	params.ctx = &L;
	params.intern_ids = &t->ids;
	if (task != TASK_ASR) {
		memset(&cap, 0, sizeof(cap));
		cap.params = params;
		cap.params.kind = UPLOAD_PREDICTIONS;
		cap.params.intern_ids = NULL;
		cap.params.defer_ids = true;
		cap.params.header = NULL;
		cap.params.row = capture_row;
		cap.params.ctx = &cap;
		cap.path = pred_path;
		buf_init(&cap.ids, 0);
		buf_init(&cap.err, 0);
		strmap_init(&cap.classes);
		ingest_errors_init(&cap.errs);
		split = split_plan(truth_path, pred_path, &part);
		if (split) {
			part_init(&part, &params, task, pos);
			cap.part = &part;
		}
		threaded = !pthread_create(&th, NULL, capture_thread, &cap);
		if (!threaded) {
			capture_release(&cap);
			if (split)
				part_release(&part);
			split = false;
		}
	}
	if (split) {
		/* the first part: the header and the lines before part_at */
		struct ingest_errors part_errs;
		struct buf part_err = BUF_INIT;

		ingest_errors_init(&part_errs);
		/* room for the whole file's rows, so that the second part's
		   join grows nothing */
		truth_hint(&L, rows_estimate(part.map, part.len < LOAD_CHUNK ?
					     part.len : LOAD_CHUNK,
					     (off_t)part.len), part.len);
		split_ok = !load_bytes(&params, part.map, part.part_at, NULL, 0,
				       NULL, NULL, &part_errs, &part_err);
		ingest_errors_release(&part_errs);
		buf_release(&part_err);
	} else {
		ret = load_one(&params, "truth", truth_path, truth_hint, &L,
			       L.pair ? &L.map : NULL, &L.map_len, errs, err);
	}
	if (threaded)
		pthread_join(th, NULL);
	if (split) {
		split_ok = split_ok && !part.ret &&
			   t->nrows + part.t.nrows <= FA_MAX_ROWS &&
			   !table_concat(t, &part.t);
		part_release(&part);
		if (!split_ok) {
			/* the whole file as one upload, for its errors */
			table_release(t);
			table_init(t, task);
			if (task == TASK_SCORE)
				table_set_positive(t, pos, strlen(pos));
			ret = load_one(&params, "truth", truth_path, truth_hint,
				       &L, NULL, NULL, errs, err);
		}
	}
	if (threaded) {
		joined = !ret && !capture_join(&cap, t);
		capture_release(&cap);
	}
	if (!ret && !joined) {
		params.kind = UPLOAD_PREDICTIONS;
		params.intern_ids = NULL;
		params.known_map = &t->ids;
		params.header = NULL;
		params.row = pred_row;
		ret = load_one(&params, "prediction", pred_path, NULL, NULL,
			       NULL, NULL, errs, err);
	}
	if (!ret && L.failed)
		ret = -1;
	if (!ret) {
		if (task == TASK_CLASSIFICATION && !multiclass &&
		    strmap_find(&t->classes, pos, strlen(pos)) >= 0)
			table_set_positive(t, pos, strlen(pos));
		table_finish(t);
	} else {
		table_release(t);
	}
	free(L.refs);
	free(L.ref_at);
	free(L.ref_len);
	if (L.map)
		munmap((void *)L.map, L.map_len);
	return ret;
}

int load_files(struct table *t, enum task task, const char *truth_path,
	       const char *pred_path, const char *positive_label,
	       struct ingest_errors *errs, struct buf *err)
{
	return load_files_with_pairs(t, task, truth_path, pred_path,
				     positive_label, NULL, NULL, NULL, errs,
				     err);
}

/* ---- attributes files ---- */

struct attrs_loader {
	struct table *t;
	struct ingest_errors *errs;
	bool header_ok, by_speaker;
	size_t key_col;
	size_t nnew;
	size_t *col;		/* per new attribute: its record column */
	size_t *attr;		/* per new attribute: its table column */
	unsigned char *seen;	/* per key (row or speaker) */
	size_t *spk_start;	/* by speaker: rows of each speaker (CSR) */
	uint32_t *spk_rows;
};

static void attrs_header(void *ctx, uint64_t row,
			 const struct ingest_column *cols, size_t n)
{
	struct attrs_loader *A = ctx;
	struct table *t = A->t;
	bool asr = t->task == TASK_ASR, have_id = false, have_spk = false;

	A->col = xcalloc(n + 1, sizeof(*A->col));
	A->attr = xcalloc(n + 1, sizeof(*A->attr));
	for (size_t c = 0; c < n; c++) {
		if (!strcmp(cols[c].name, "id")) {
			have_id = true;
			A->key_col = c;
		} else if (asr && !strcmp(cols[c].name, "speaker")) {
			have_spk = true;
			if (!have_id)
				A->key_col = c;
		} else if (table_find_attr(t, cols[c].name) >= 0) {
			ingest_errors_addf(A->errs, row, cols[c].name, "the "
					   "truth file already has an attribute "
					   "with this name");
		} else {
			A->col[A->nnew++] = c;
		}
	}
	if (have_id && have_spk)
		ingest_errors_addf(A->errs, row, "speaker", "key the file by "
				   "\"id\" or by \"speaker\", not both");
	else if (!have_id && !have_spk)
		ingest_errors_addf(A->errs, row, "id", asr ? "the file has no "
				   "\"id\" column (utterance ids) or \"speaker\" "
				   "column to join its rows to the examples" :
				   "the file has no \"id\" column to join its "
				   "rows to the examples");
	else if (!A->nnew && !A->errs->total)
		ingest_errors_addf(A->errs, row, NULL, "the file has no "
				   "attribute column besides its key");
	A->by_speaker = have_spk && !have_id;
	A->header_ok = !A->errs->total;
	if (!A->header_ok)
		return;
	for (size_t a = 0; a < A->nnew; a++)
		A->attr[a] = table_add_attr(t, cols[A->col[a]].name);
	if (A->by_speaker) {
		size_t ns = t->speakers.n, *fill = xcalloc(ns + 1, sizeof(*fill));

		A->seen = xcalloc(ns + 1, 1);
		A->spk_start = xcalloc(ns + 2, sizeof(*A->spk_start));
		A->spk_rows = xmalloc((t->nrows + 1) * sizeof(*A->spk_rows));
		for (size_t i = 0; i < t->nrows; i++)
			if (t->speaker[i] != UINT32_MAX)
				A->spk_start[t->speaker[i] + 1]++;
		for (size_t k = 0; k < ns; k++)
			A->spk_start[k + 1] += A->spk_start[k];
		for (size_t i = 0; i < t->nrows; i++) {
			uint32_t k = t->speaker[i];

			if (k != UINT32_MAX)
				A->spk_rows[A->spk_start[k] + fill[k]++] =
					(uint32_t)i;
		}
		free(fill);
	} else {
		A->seen = xcalloc(t->nrows + 1, 1);
	}
}

static void attrs_set(struct attrs_loader *A, size_t row,
		      const struct ingest_record *r)
{
	for (size_t a = 0; a < A->nnew; a++) {
		const struct ingest_value *v = &r->v[A->col[a]];

		if (!v->null && v->len)
			table_set_attr(A->t, row, A->attr[a], v->s, v->len);
	}
}

static void attrs_record(void *ctx, const struct ingest_record *r)
{
	struct attrs_loader *A = ctx;
	const struct ingest_value *key;
	const char *what;
	struct buf q = BUF_INIT;
	int64_t k;

	if (!A->header_ok)
		return;
	key = &r->v[A->key_col];
	what = A->by_speaker ? "speaker" : "id";
	if (key->null || !key->len) {
		ingest_errors_addf(A->errs, r->row, what, "missing %s", what);
		return;
	}
	k = strmap_find(A->by_speaker ? &A->t->speakers : &A->t->ids, key->s,
			key->len);
	ingest_quote(&q, key->s, key->len);
	if (k < 0 && !A->by_speaker && A->t->task == TASK_ASR &&
	    strmap_find(&A->t->speakers, key->s, key->len) >= 0) {
		ingest_errors_addf(A->errs, r->row, what, "unknown id %s; it is "
				   "a speaker: to give attributes per speaker, "
				   "name the key column \"speaker\" instead of "
				   "\"id\"", q.s);
	} else if (k < 0) {
		ingest_errors_addf(A->errs, r->row, what, "unknown %s %s (the "
				   "truth file has no %s with it)", what, q.s,
				   A->by_speaker ? "utterance" : "example");
	} else if (A->seen[k]) {
		ingest_errors_addf(A->errs, r->row, what, "duplicate %s %s",
				   what, q.s);
	} else {
		A->seen[k] = 1;
		if (!A->by_speaker)
			attrs_set(A, (size_t)k, r);
		for (size_t i = A->by_speaker ? A->spk_start[k] : 0;
		     A->by_speaker && i < A->spk_start[k + 1]; i++)
			attrs_set(A, A->spk_rows[i], r);
	}
	buf_release(&q);
}

int load_attributes(struct table *t, const char *path,
		    struct ingest_errors *errs, struct buf *err)
{
	struct attrs_loader A;
	struct ingest_sink sink = { attrs_header, attrs_record, &A };
	struct ingest_parser *p;
	enum ingest_format f;
	char *chunk;
	FILE *fp;
	size_t n;
	int ret = 0;

	memset(&A, 0, sizeof(A));
	A.t = t;
	A.errs = errs;
	if (ingest_format_from_path(path, &f, err))
		return -1;
	if (f == INGEST_TRN) {
		buf_addf(err, "the attributes file \"%s\" is trn; attributes "
			 "come as .csv, .ndjson or .json", path);
		return -1;
	}
	fp = fopen(path, "rb");
	if (!fp) {
		buf_addf(err, "cannot open the attributes file \"%s\": %s",
			 path, strerror(errno));
		return -1;
	}
	p = ingest_parser_new(f, NULL, &sink, errs);
	chunk = xmalloc(LOAD_CHUNK);
	while ((n = fread(chunk, 1, LOAD_CHUNK, fp)) > 0)
		if (ingest_parser_feed(p, chunk, n) < 0)
			break;
	if (ferror(fp)) {
		buf_addf(err, "cannot read the attributes file \"%s\": %s",
			 path, strerror(errno));
		ret = -1;
	} else if (ingest_parser_finish(p) || errs->total) {
		buf_addf(err, "cannot load the attributes file \"%s\": %llu "
			 "error%s", path, (unsigned long long)errs->total,
			 errs->total == 1 ? "" : "s");
		ret = -1;
	}
	if (!ret)
		table_finish(t);
	free(chunk);
	ingest_parser_free(p);
	fclose(fp);
	free(A.col);
	free(A.attr);
	free(A.seen);
	free(A.spk_start);
	free(A.spk_rows);
	return ret;
}
