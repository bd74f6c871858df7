/*
 * table.c - building and releasing the columnar table; see table.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "cohorts/table.h"

static const char *const task_names[] = {
	[TASK_CLASSIFICATION] = "classification",
	[TASK_SCORE] = "score",
	[TASK_REGRESSION] = "regression",
	[TASK_ASR] = "asr",
};

const char *task_name(enum task t)
{
	return task_names[t];
}

int task_parse(const char *name, enum task *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(task_names); i++) {
		if (!strcmp(name, task_names[i])) {
			*out = (enum task)i;
			return 0;
		}
	}
	return -1;
}

void table_init(struct table *t, enum task task)
{
	memset(t, 0, sizeof(*t));
	t->task = task;
	t->positive = -1;
	strmap_init(&t->ids);
	strmap_init(&t->classes);
	strmap_init(&t->speakers);
}

void table_release(struct table *t)
{
	for (size_t a = 0; a < t->nattrs; a++) {
		free(t->attrs[a].name);
		strmap_release(&t->attrs[a].dict);
		free(t->attrs[a].codes);
		free(t->attrs[a].num);
	}
	free(t->attrs);
	strmap_release(&t->ids);
	strmap_release(&t->classes);
	strmap_release(&t->speakers);
	free(t->label);
	free(t->label_num);
	free(t->pred);
	free(t->pred_num);
	free(t->asr);
	free(t->speaker);
	table_init(t, t->task);
}

static void *memdup_or_null(const void *p, size_t n)
{
	void *q;

	if (!p)
		return NULL;
	q = xmalloc(n ? n : 1);
	if (n)
		memcpy(q, p, n);
	return q;
}

void table_clone(struct table *dst, const struct table *src)
{
	size_t n = src->nrows;

	table_init(dst, src->task);
	dst->nrows = dst->cap = n;
	dst->positive = src->positive;
	strmap_release(&dst->ids);
	strmap_release(&dst->classes);
	strmap_release(&dst->speakers);
	strmap_clone(&dst->ids, &src->ids);
	strmap_clone(&dst->classes, &src->classes);
	strmap_clone(&dst->speakers, &src->speakers);
	dst->label = memdup_or_null(src->label, n * sizeof(*src->label));
	dst->label_num = memdup_or_null(src->label_num,
					n * sizeof(*src->label_num));
	dst->pred = memdup_or_null(src->pred, n * sizeof(*src->pred));
	dst->pred_num = memdup_or_null(src->pred_num,
				       n * sizeof(*src->pred_num));
	dst->asr = memdup_or_null(src->asr, n * sizeof(*src->asr));
	dst->speaker = memdup_or_null(src->speaker, n * sizeof(*src->speaker));
	dst->nattrs = src->nattrs;
	dst->attrs = xcalloc(src->nattrs ? src->nattrs : 1,
			     sizeof(*dst->attrs));
	for (size_t a = 0; a < src->nattrs; a++) {
		const struct attr_col *s = &src->attrs[a];
		struct attr_col *d = &dst->attrs[a];

		d->name = xstrdup(s->name);
		strmap_clone(&d->dict, &s->dict);
		d->codes = memdup_or_null(s->codes, n * sizeof(*s->codes));
		d->num = memdup_or_null(s->num, s->dict.n * sizeof(*s->num));
		d->numeric = s->numeric;
	}
	if (!dst->nattrs) {
		free(dst->attrs);
		dst->attrs = NULL;
	}
}

static size_t strmap_bytes(const struct strmap *m)
{
	size_t b = m->nslots * sizeof(*m->slots) +
		   (size_t)m->cap * (sizeof(*m->hashes) + sizeof(*m->str) +
				     sizeof(*m->len));

	/* the strings, and what is left of the last chunk */
	for (uint32_t v = 0; v < m->n; v++)
		b += (size_t)m->len[v] + 1;
	return b + (m->nchunks ? m->chunk_size - m->chunk_used : 0);
}

size_t table_bytes(const struct table *t)
{
	size_t per_row = (t->label ? sizeof(*t->label) : 0) +
			 (t->label_num ? sizeof(*t->label_num) : 0) +
			 (t->pred ? sizeof(*t->pred) : 0) +
			 (t->pred_num ? sizeof(*t->pred_num) : 0) +
			 (t->asr ? sizeof(*t->asr) : 0) +
			 (t->speaker ? sizeof(*t->speaker) : 0) +
			 t->nattrs * sizeof(uint32_t);
	size_t b = sizeof(*t) + t->cap * per_row + strmap_bytes(&t->ids) +
		   strmap_bytes(&t->classes) + strmap_bytes(&t->speakers);

	for (size_t a = 0; a < t->nattrs; a++)
		b += strmap_bytes(&t->attrs[a].dict) +
		     t->attrs[a].dict.n * sizeof(double);
	return b;
}

size_t table_add_attr(struct table *t, const char *name)
{
	struct attr_col *c;

	t->attrs = xrealloc(t->attrs, (t->nattrs + 1) * sizeof(*t->attrs));
	c = &t->attrs[t->nattrs];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	strmap_init(&c->dict);
	strmap_intern(&c->dict, "", 0, NULL);	/* code 0 = missing */
	if (t->cap)
		c->codes = xcalloc(t->cap, sizeof(*c->codes));
	return t->nattrs++;
}

int table_find_attr(const struct table *t, const char *name)
{
	for (size_t a = 0; a < t->nattrs; a++)
		if (!strcmp(t->attrs[a].name, name))
			return (int)a;
	return -1;
}

#define GROW(arr, cond) do {						\
	if (cond)							\
		(arr) = xrealloc((arr), ncap * sizeof(*(arr)));		\
} while (0)

static void table_grow_to(struct table *t, size_t ncap)
{
	bool lab = t->task == TASK_CLASSIFICATION || t->task == TASK_SCORE;

	GROW(t->label, lab);
	GROW(t->pred, t->task == TASK_CLASSIFICATION);
	GROW(t->label_num, t->task == TASK_REGRESSION);
	GROW(t->pred_num, t->task == TASK_SCORE || t->task == TASK_REGRESSION);
	GROW(t->asr, t->task == TASK_ASR);
	GROW(t->speaker, t->task == TASK_ASR);
	for (size_t a = 0; a < t->nattrs; a++)
		t->attrs[a].codes = xrealloc(t->attrs[a].codes,
					     ncap * sizeof(uint32_t));
	t->cap = ncap;
}

static void table_grow(struct table *t)
{
	table_grow_to(t, t->cap ? t->cap * 2 : 1024);
}

void table_reserve(struct table *t, size_t n)
{
	if (n > t->cap)
		table_grow_to(t, n);
	strmap_reserve(&t->ids, n);
}

int64_t table_add_row(struct table *t, const char *id, size_t n)
{
	bool added;

	strmap_intern(&t->ids, id, n, &added);
	if (!added)
		return -1;
	return table_add_interned_row(t, t->nrows);
}

int64_t table_add_interned_row(struct table *t, size_t id)
{
	size_t r;

	if (id != t->nrows || id >= t->ids.n)
		return -1;
	if (t->nrows == t->cap)
		table_grow(t);
	r = t->nrows++;
	if (t->label)
		t->label[r] = 0;
	if (t->pred)
		t->pred[r] = 0;
	if (t->label_num)
		t->label_num[r] = 0;
	if (t->pred_num)
		t->pred_num[r] = 0;
	if (t->asr)
		memset(&t->asr[r], 0, sizeof(t->asr[r]));
	if (t->speaker)
		t->speaker[r] = UINT32_MAX;
	for (size_t a = 0; a < t->nattrs; a++)
		t->attrs[a].codes[r] = 0;
	return (int64_t)r;
}

void table_set_attr(struct table *t, size_t row, size_t attr,
		    const char *v, size_t n)
{
	struct attr_col *c = &t->attrs[attr];

	c->codes[row] = strmap_intern(&c->dict, v, n, NULL);
}

uint32_t table_class(struct table *t, const char *v, size_t n)
{
	return strmap_intern(&t->classes, v, n, NULL);
}

void table_set_positive(struct table *t, const char *v, size_t n)
{
	t->positive = strmap_intern(&t->classes, v, n, NULL);
}

uint32_t table_speaker(struct table *t, const char *v, size_t n)
{
	return strmap_intern(&t->speakers, v, n, NULL);
}

/* Intern prefix + string i of m into dst by f. */
static uint32_t recode(struct table *dst, uint32_t (*f)(struct table *,
							const char *, size_t),
		       struct buf *tmp, const char *prefix,
		       const struct strmap *m, uint32_t i)
{
	buf_reset(tmp);
	buf_adds(tmp, prefix);
	buf_add(tmp, strmap_str(m, i), strmap_len(m, i));
	return f(dst, tmp->s, tmp->len);
}

/*
 * A value code of src's map m as dst's (through f), looked up once per
 * code: map[i] is UINT32_MAX until code i is first met.
 */
static uint32_t recode_once(struct table *dst,
			    uint32_t (*f)(struct table *, const char *, size_t),
			    const struct strmap *m, uint32_t *map, uint32_t i)
{
	if (map[i] == UINT32_MAX)
		map[i] = f(dst, strmap_str(m, i), strmap_len(m, i));
	return map[i];
}

static uint32_t *recode_map(const struct strmap *m)
{
	uint32_t *map = xmalloc((m->n ? m->n : 1) * sizeof(*map));

	memset(map, 0xff, (m->n ? m->n : 1) * sizeof(*map));
	return map;
}

/*
 * Row r of src's label, prediction and counts into row d of dst (the
 * columns both have), classes re-coded through classes (recode_map).
 */
static void copy_values(struct table *dst, size_t d, const struct table *src,
			size_t r, uint32_t *classes)
{
	if (src->label && dst->label)
		dst->label[d] = recode_once(dst, table_class, &src->classes,
					    classes, src->label[r]);
	if (src->pred && dst->pred)
		dst->pred[d] = recode_once(dst, table_class, &src->classes,
					   classes, src->pred[r]);
	if (src->label_num && dst->label_num)
		dst->label_num[d] = src->label_num[r];
	if (src->pred_num && dst->pred_num)
		dst->pred_num[d] = src->pred_num[r];
	if (src->asr && dst->asr)
		dst->asr[d] = src->asr[r];
}

int table_append(struct table *dst, const struct table *src,
		 const char *prefix, struct buf *err)
{
	struct buf tmp = BUF_INIT;
	int *amap = xmalloc((src->nattrs ? src->nattrs : 1) * sizeof(*amap));
	uint32_t *classes = recode_map(&src->classes);
	int ret = -1;

	for (size_t a = 0; a < src->nattrs; a++)
		amap[a] = table_find_attr(dst, src->attrs[a].name);
	if (src->positive >= 0) {
		const char *pos = strmap_str(&src->classes,
					     (uint32_t)src->positive);

		if (dst->positive >= 0 &&
		    strcmp(pos, strmap_str(&dst->classes,
					   (uint32_t)dst->positive))) {
			buf_addf(err, "the positive labels differ (\"%s\" and "
				 "\"%s\")", strmap_str(&dst->classes,
				 (uint32_t)dst->positive), pos);
			goto out;
		}
		table_set_positive(dst, pos, strlen(pos));
	}
	for (size_t r = 0; r < src->nrows; r++) {
		int64_t row;
		size_t d;

		buf_reset(&tmp);
		buf_adds(&tmp, prefix);
		buf_add(&tmp, strmap_str(&src->ids, (uint32_t)r),
			strmap_len(&src->ids, (uint32_t)r));
		row = table_add_row(dst, tmp.s, tmp.len);
		if (row < 0) {
			buf_addf(err, "example id \"%s\" comes twice", tmp.s);
			goto out;
		}
		d = (size_t)row;
		copy_values(dst, d, src, r, classes);
		if (src->speaker && dst->speaker &&
		    src->speaker[r] != UINT32_MAX)
			dst->speaker[d] = recode(dst, table_speaker, &tmp,
						 prefix, &src->speakers,
						 src->speaker[r]);
		for (size_t a = 0; a < src->nattrs; a++) {
			const struct attr_col *c = &src->attrs[a];

			if (amap[a] >= 0)
				table_set_attr(dst, d, (size_t)amap[a],
					       strmap_str(&c->dict, c->codes[r]),
					       strmap_len(&c->dict, c->codes[r]));
		}
	}
	ret = 0;
out:
	free(amap);
	free(classes);
	buf_release(&tmp);
	return ret;
}

static void concat_dup(void *ctx, uint32_t index, uint32_t first)
{
	(void)index;
	(void)first;
	*(bool *)ctx = true;
}

int table_concat(struct table *dst, const struct table *src)
{
	size_t base = dst->nrows, n = src->nrows;
	uint32_t *classes = recode_map(&src->classes);
	bool dup = false;

	if (src->task != dst->task || src->nattrs != dst->nattrs ||
	    dst->ids.n != dst->nrows)
		die("table_concat: tables of different shapes");
	if (src->positive >= 0)
		table_set_positive(dst, strmap_str(&src->classes,
						   (uint32_t)src->positive),
				   strmap_len(&src->classes,
					      (uint32_t)src->positive));
	table_reserve(dst, base + n);
	for (size_t r = 0; r < n; r++)
		strmap_append(&dst->ids, strmap_str(&src->ids, (uint32_t)r),
			      strmap_len(&src->ids, (uint32_t)r));
	strmap_index(&dst->ids, concat_dup, &dup);
	if (dup) {
		free(classes);
		return -1;
	}
	for (size_t r = 0; r < n; r++)
		copy_values(dst, (size_t)table_add_interned_row(dst, base + r),
			    src, r, classes);
	if (src->speaker && dst->speaker) {
		uint32_t *spk = recode_map(&src->speakers);

		for (size_t r = 0; r < n; r++)
			if (src->speaker[r] != UINT32_MAX)
				dst->speaker[base + r] =
					recode_once(dst, table_speaker,
						    &src->speakers, spk,
						    src->speaker[r]);
		free(spk);
	}
	/* column by column: one code map, and the codes read in order */
	for (size_t a = 0; a < src->nattrs; a++) {
		const struct attr_col *c = &src->attrs[a];
		struct attr_col *dc = &dst->attrs[a];
		uint32_t *map = recode_map(&c->dict);

		for (size_t r = 0; r < n; r++) {
			uint32_t k = c->codes[r];

			if (map[k] == UINT32_MAX)
				map[k] = strmap_intern(&dc->dict,
						       strmap_str(&c->dict, k),
						       strmap_len(&c->dict, k),
						       NULL);
			dc->codes[base + r] = map[k];
		}
		free(map);
	}
	free(classes);
	return 0;
}

void table_finish(struct table *t)
{
	for (size_t a = 0; a < t->nattrs; a++) {
		struct attr_col *c = &t->attrs[a];
		bool numeric = c->dict.n > 1;

		free(c->num);
		c->num = xmalloc(c->dict.n * sizeof(*c->num));
		for (uint32_t v = 0; v < c->dict.n; v++) {
			double d;

			if (strmap_len(&c->dict, v) == 0) {
				c->num[v] = NAN;
			} else if (!parse_double(strmap_str(&c->dict, v),
						 strmap_len(&c->dict, v), &d)) {
				c->num[v] = d;
			} else {
				c->num[v] = NAN;
				numeric = false;
			}
		}
		c->numeric = numeric;
	}
}

bool table_is_binary(const struct table *t)
{
	if (t->classes.n > 2)
		return false;
	if (t->classes.n == 2)
		return t->positive >= 0;
	return true;
}
