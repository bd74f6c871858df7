/*
 * groupby.c - rows to dense cohort numbers; see groupby.h for the rules.
 *
 * Work per row is one level lookup per attribute (a small array indexed by
 * dictionary code) and either a multiply-add (dense keys) or one hash probe
 * per attribute (wide keys).  Everything proportional to distinct values
 * (sorting levels, building bin labels, sorting cohorts) happens once per
 * value or per cohort.
 */
#include "common/fa.h"
#include "cohorts/groupby.h"

#define DENSE_MAX_DEFAULT ((size_t)1 << 20)

void groupby_init(struct groupby *g)
{
	memset(g, 0, sizeof(*g));
}

void groupby_release(struct groupby *g)
{
	for (size_t a = 0; a < g->nattrs; a++) {
		struct groupby_map *m = &g->map[a];

		if (m->owned)
			for (uint32_t l = 0; l < m->nlevels; l++)
				free(m->owned[l]);
		free(m->owned);
		free(m->level);
		free(m->label);
		free(m->label_len);
	}
	free(g->cohort);
	free(g->levels);
	free(g->size);
	groupby_init(g);
}

void groupby_format_number(struct buf *out, double v)
{
	char tmp[64];

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	buf_adds(out, tmp);
}

int groupby_check_edges(const double *edges, size_t n, const char *what,
			struct buf *err)
{
	if (n < 2 || n > GROUPBY_MAX_EDGES) {
		buf_addf(err, "bins for \"%s\" need between 2 and %d edges, "
			 "got %zu", what, GROUPBY_MAX_EDGES, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(edges[i])) {
			buf_addf(err, "bin edge %zu of \"%s\" is not a finite "
				 "number", i, what);
			return -1;
		}
		if (i && !(edges[i] > edges[i - 1])) {
			struct buf num = BUF_INIT;

			groupby_format_number(&num, edges[i]);
			buf_addf(err, "bin edges of \"%s\" must be strictly "
				 "increasing, but edge %zu (%s) is not above "
				 "the one before", what, i, num.s);
			buf_release(&num);
			return -1;
		}
	}
	return 0;
}

uint32_t groupby_bin_level(const double *edges, size_t n, double v)
{
	size_t lo, hi;

	if (isnan(v))
		return (uint32_t)n + 1;
	if (v < edges[0])
		return 0;
	if (v > edges[n - 1])
		return (uint32_t)n;
	if (v == edges[n - 1])
		return (uint32_t)n - 1;
	/* Largest i with edges[i] <= v, 0 <= i <= n-2. */
	lo = 0;
	hi = n - 1;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (edges[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo + 1;
}

void groupby_bin_label(struct buf *out, const double *edges, size_t n,
		       uint32_t level)
{
	if (level == n + 1)
		return;		/* missing: "" */
	if (level == 0) {
		buf_addch(out, '<');
		groupby_format_number(out, edges[0]);
	} else if (level == n) {
		buf_addch(out, '>');
		groupby_format_number(out, edges[n - 1]);
	} else {
		buf_addch(out, '[');
		groupby_format_number(out, edges[level - 1]);
		buf_addch(out, ',');
		groupby_format_number(out, edges[level]);
		buf_addch(out, level == n - 1 ? ']' : ')');
	}
}

struct valsort {
	const char *s;
	uint32_t len;
	uint32_t code;
	double num;
	bool numeric;
};

static int valsort_cmp(const void *pa, const void *pb)
{
	const struct valsort *a = pa, *b = pb;
	int c;

	/* Missing ("") last. */
	if (!a->len || !b->len)
		return (a->len == 0) - (b->len == 0);
	if (a->numeric) {
		if (a->num < b->num)
			return -1;
		if (a->num > b->num)
			return 1;
	}
	c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

static void map_unbinned(struct groupby_map *m, const struct attr_col *col)
{
	uint32_t n = col->dict.n;
	struct valsort *v = xmalloc(n * sizeof(*v));

	for (uint32_t i = 0; i < n; i++) {
		v[i].s = strmap_str(&col->dict, i);
		v[i].len = strmap_len(&col->dict, i);
		v[i].code = i;
		v[i].num = col->num ? col->num[i] : NAN;
		v[i].numeric = col->numeric && col->num;
	}
	qsort(v, n, sizeof(*v), valsort_cmp);
	m->nlevels = n;
	m->level = xmalloc(n * sizeof(*m->level));
	m->label = xmalloc(n * sizeof(*m->label));
	m->label_len = xmalloc(n * sizeof(*m->label_len));
	for (uint32_t l = 0; l < n; l++) {
		m->level[v[l].code] = l;
		m->label[l] = v[l].s;
		m->label_len[l] = v[l].len;
	}
	free(v);
}

static void map_binned(struct groupby_map *m, const struct attr_col *col,
		       const double *edges, size_t n)
{
	uint32_t nl = (uint32_t)n + 2;

	m->binned = true;
	m->nlevels = nl;
	m->level = xmalloc(col->dict.n * sizeof(*m->level));
	m->label = xmalloc(nl * sizeof(*m->label));
	m->label_len = xmalloc(nl * sizeof(*m->label_len));
	m->owned = xmalloc(nl * sizeof(*m->owned));
	for (uint32_t i = 0; i < col->dict.n; i++)
		m->level[i] = groupby_bin_level(edges, n, col->num[i]);
	for (uint32_t l = 0; l < nl; l++) {
		struct buf b = BUF_INIT;
		size_t len;

		groupby_bin_label(&b, edges, n, l);
		m->owned[l] = buf_detach(&b, &len);
		m->label[l] = m->owned[l];
		m->label_len[l] = (uint32_t)len;
	}
}

static int check_attrs(const struct table *t, const struct groupby_attr *at,
		       size_t nattrs, struct buf *err)
{
	if (nattrs < 1 || nattrs > FA_MAX_COHORT_ATTRS) {
		buf_addf(err, "a grouping needs between 1 and %d attributes "
			 "(FA_MAX_COHORT_ATTRS), got %zu",
			 FA_MAX_COHORT_ATTRS, nattrs);
		return -1;
	}
	for (size_t a = 0; a < nattrs; a++) {
		const struct attr_col *col;

		if (at[a].attr < 0 || (size_t)at[a].attr >= t->nattrs) {
			buf_addf(err, "cannot group by attribute number %d: "
				 "the table has %zu attributes", at[a].attr,
				 t->nattrs);
			return -1;
		}
		col = &t->attrs[at[a].attr];
		for (size_t b = 0; b < a; b++) {
			if (at[b].attr == at[a].attr) {
				buf_addf(err, "attribute \"%s\" appears twice "
					 "in one grouping", col->name);
				return -1;
			}
		}
		if (!at[a].edges)
			continue;
		if (!col->numeric || !col->num) {
			buf_addf(err, "cannot bin attribute \"%s\": it has "
				 "values that are not numbers", col->name);
			return -1;
		}
		if (groupby_check_edges(at[a].edges, at[a].nedges, col->name,
					err))
			return -1;
	}
	return 0;
}

static int too_many(const struct groupby *g, const struct table *t,
		    size_t n, size_t max, struct buf *err)
{
	if (!max || n <= max)
		return 0;
	buf_addf(err, "grouping by ");
	for (size_t a = 0; a < g->nattrs; a++)
		buf_addf(err, "%s\"%s\"", a ? ", " : "",
			 t->attrs[g->map[a].attr].name);
	buf_addf(err, " gives at least %zu cohorts, more than the limit of "
		 "%zu", n, max);
	return -1;
}

/* Dense path: mixed-radix keys into a flat count array of size prod. */
static int group_dense(struct groupby *g, const struct table *t,
		       size_t prod, size_t max, struct buf *err)
{
	uint32_t *count = xcalloc(prod, sizeof(*count));
	size_t n = t->nrows, nc = 0;
	uint32_t *key = g->cohort;

	for (size_t r = 0; r < n; r++) {
		uint32_t k = 0;

		for (size_t a = 0; a < g->nattrs; a++) {
			const struct groupby_map *m = &g->map[a];

			k = k * m->nlevels +
			    m->level[t->attrs[m->attr].codes[r]];
		}
		key[r] = k;
		count[k]++;
	}
	for (size_t k = 0; k < prod; k++)
		if (count[k])
			nc++;
	if (too_many(g, t, nc, max, err)) {
		free(count);
		return -1;
	}
	g->ncohorts = nc;
	g->levels = xmalloc((nc ? nc : 1) * g->nattrs * sizeof(*g->levels));
	g->size = xmalloc((nc ? nc : 1) * sizeof(*g->size));
	nc = 0;
	for (size_t k = 0; k < prod; k++) {
		size_t rest = k;

		if (!count[k])
			continue;
		g->size[nc] = count[k];
		for (size_t a = g->nattrs; a-- > 0;) {
			g->levels[nc * g->nattrs + a] =
				(uint32_t)(rest % g->map[a].nlevels);
			rest /= g->map[a].nlevels;
		}
		count[k] = (uint32_t)nc++;	/* now: key -> cohort */
	}
	for (size_t r = 0; r < n; r++)
		key[r] = count[key[r]];
	free(count);
	return 0;
}

struct idmap {
	uint64_t *keys;
	uint32_t *ids;		/* id + 1, 0 = empty */
	size_t nslots, n;
};

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static void idmap_init(struct idmap *m, size_t nslots)
{
	m->nslots = nslots;
	m->n = 0;
	m->keys = xmalloc(nslots * sizeof(*m->keys));
	m->ids = xcalloc(nslots, sizeof(*m->ids));
}

static void idmap_release(struct idmap *m)
{
	free(m->keys);
	free(m->ids);
}

static void idmap_put(struct idmap *m, uint64_t key, uint32_t id)
{
	size_t mask = m->nslots - 1, i;

	for (i = mix64(key) & mask; m->ids[i]; i = (i + 1) & mask)
		;
	m->keys[i] = key;
	m->ids[i] = id + 1;
}

static uint32_t idmap_get(struct idmap *m, uint64_t key)
{
	size_t mask = m->nslots - 1, i;

	for (i = mix64(key) & mask; m->ids[i]; i = (i + 1) & mask)
		if (m->keys[i] == key)
			return m->ids[i] - 1;
	if (2 * (m->n + 1) > m->nslots) {
		struct idmap big;

		idmap_init(&big, m->nslots * 2);
		for (size_t j = 0; j < m->nslots; j++)
			if (m->ids[j])
				idmap_put(&big, m->keys[j], m->ids[j] - 1);
		big.n = m->n;
		idmap_release(m);
		*m = big;
	}
	idmap_put(m, key, (uint32_t)m->n);
	return (uint32_t)m->n++;
}

struct cohort_sort {
	uint32_t lv[FA_MAX_COHORT_ATTRS];	/* unused entries 0 */
	uint32_t id;
	uint64_t size;
};

static int cohort_cmp(const void *pa, const void *pb)
{
	const struct cohort_sort *a = pa, *b = pb;

	for (size_t i = 0; i < FA_MAX_COHORT_ATTRS; i++)
		if (a->lv[i] != b->lv[i])
			return a->lv[i] < b->lv[i] ? -1 : 1;
	return 0;
}

/*
 * Wide path: compact the key one attribute at a time through a hash table
 * (ids in first-seen order), then sort the cohorts by their levels.
 */
static int group_hashed(struct groupby *g, const struct table *t,
			size_t max, struct buf *err)
{
	size_t n = t->nrows, nc = 0;
	uint32_t *id = g->cohort, *inv;
	struct cohort_sort *cs;
	struct idmap m;

	memset(id, 0, n * sizeof(*id));
	for (size_t a = 0; a < g->nattrs; a++) {
		const struct groupby_map *gm = &g->map[a];
		const uint32_t *codes = t->attrs[gm->attr].codes;

		idmap_init(&m, 1024);
		for (size_t r = 0; r < n; r++)
			id[r] = idmap_get(&m, (uint64_t)id[r] * gm->nlevels +
						      gm->level[codes[r]]);
		nc = m.n;
		idmap_release(&m);
		if (too_many(g, t, nc, max, err))
			return -1;
	}
	/* The first row of each cohort gives its levels. */
	cs = xcalloc(nc, sizeof(*cs));
	for (size_t r = 0; r < n; r++) {
		struct cohort_sort *c = &cs[id[r]];

		if (!c->size++) {
			c->id = id[r];
			for (size_t a = 0; a < g->nattrs; a++)
				c->lv[a] = g->map[a].level[
					t->attrs[g->map[a].attr].codes[r]];
		}
	}
	qsort(cs, nc, sizeof(*cs), cohort_cmp);
	inv = xmalloc((nc ? nc : 1) * sizeof(*inv));
	g->levels = xmalloc((nc ? nc : 1) * g->nattrs * sizeof(*g->levels));
	g->size = xmalloc((nc ? nc : 1) * sizeof(*g->size));
	for (size_t c = 0; c < nc; c++) {
		inv[cs[c].id] = (uint32_t)c;
		g->size[c] = cs[c].size;
		memcpy(&g->levels[c * g->nattrs], cs[c].lv,
		       g->nattrs * sizeof(*g->levels));
	}
	for (size_t r = 0; r < n; r++)
		id[r] = inv[id[r]];
	g->ncohorts = nc;
	free(cs);
	free(inv);
	return 0;
}

int groupby_run(struct groupby *g, const struct table *t,
		const struct groupby_attr *attrs, size_t nattrs,
		const struct groupby_opts *opts, struct buf *err)
{
	size_t dense_max = opts && opts->dense_max ? opts->dense_max
						   : DENSE_MAX_DEFAULT;
	size_t max = opts ? opts->max_cohorts : 0;
	size_t prod = 1;
	bool dense = true;
	int rc;

	if (dense_max > UINT32_MAX)
		dense_max = UINT32_MAX;
	groupby_init(g);
	if (check_attrs(t, attrs, nattrs, err))
		return -1;
	g->nattrs = nattrs;
	g->nrows = t->nrows;
	for (size_t a = 0; a < nattrs; a++) {
		const struct attr_col *col = &t->attrs[attrs[a].attr];
		struct groupby_map *m = &g->map[a];

		m->attr = attrs[a].attr;
		if (attrs[a].edges)
			map_binned(m, col, attrs[a].edges, attrs[a].nedges);
		else
			map_unbinned(m, col);
		if (dense && m->nlevels && prod <= dense_max / m->nlevels)
			prod *= m->nlevels;
		else
			dense = false;
	}
	g->cohort = xmalloc((t->nrows ? t->nrows : 1) * sizeof(*g->cohort));
	if (dense)
		rc = group_dense(g, t, prod, max, err);
	else
		rc = group_hashed(g, t, max, err);
	if (rc)
		groupby_release(g);
	return rc;
}

const char *groupby_label(const struct groupby *g, size_t c, size_t a,
			  size_t *len)
{
	uint32_t l = groupby_level(g, c, a);

	if (len)
		*len = g->map[a].label_len[l];
	return g->map[a].label[l];
}

int64_t groupby_find_level(const struct groupby *g, size_t a,
			   const char *s, size_t n)
{
	const struct groupby_map *m = &g->map[a];

	for (uint32_t l = 0; l < m->nlevels; l++)
		if (m->label_len[l] == n && !memcmp(m->label[l], s, n))
			return l;
	return -1;
}

int64_t groupby_find(const struct groupby *g, const uint32_t *levels)
{
	size_t lo = 0, hi = g->ncohorts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const uint32_t *v = &g->levels[mid * g->nattrs];
		int c = 0;

		for (size_t a = 0; a < g->nattrs && !c; a++)
			if (v[a] != levels[a])
				c = v[a] < levels[a] ? -1 : 1;
		if (!c)
			return (int64_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

void groupby_cohort_key(const struct table *t, const struct groupby *g,
			size_t c, struct buf *key)
{
	const char *names[FA_MAX_COHORT_ATTRS];
	size_t idx[FA_MAX_COHORT_ATTRS];

	for (size_t a = 0; a < g->nattrs; a++) {
		size_t j = a;

		names[a] = t->attrs[g->map[a].attr].name;
		for (; j > 0 && strcmp(names[idx[j - 1]], names[a]) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = a;
	}
	for (size_t i = 0; i < g->nattrs; i++) {
		size_t a = idx[i], len;
		const char *v = groupby_label(g, c, a, &len);
		uint64_t nl = strlen(names[a]), vl = len;

		buf_add(key, &nl, sizeof(nl));
		buf_adds(key, names[a]);
		buf_add(key, &vl, sizeof(vl));
		buf_add(key, v, len);
	}
}
