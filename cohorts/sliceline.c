/*
 * sliceline.c - see sliceline.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "common/fanout.h"
#include "cohorts/sliceline.h"

/* Candidates a worker takes at a time, and between progress reports. */
#define GROUP_CHUNK 4
#define PROGRESS_EVERY 4096

void slice_opts_init(struct slice_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_level = 3;
	o->min_support = 32;
	o->k = 4;
	o->alpha = 0.95;
}

double slice_score(double alpha, double s, double se, double total_w,
		   double ebar)
{
	return alpha * ((se / s) / ebar - 1) - (1 - alpha) * (total_w / s - 1);
}

/* What a slice's rows add up to. */
struct sstat {
	uint64_t rows;
	double weight, err, max_err;
};

/* A level-1 slice: attribute = value, and its rows as a bitset. */
struct basic {
	uint32_t attr, value;
	struct sstat st;
	uint64_t *bits;
};

/* A slice of the current level: its level-1 slices, increasing. */
struct node {
	uint32_t b[SLICE_MAX_LEVEL];
	struct sstat st;
	bool expand;		/* may have children */
};

/* A candidate of the next level: parents' bound, then its own counts. */
struct cand {
	uint32_t b[SLICE_MAX_LEVEL];
	uint32_t first;		/* its first parent, a node index */
	struct sstat st;
};

struct search {
	const struct slice_data *d;
	const struct slice_opts *o;
	size_t nw;			/* 64-bit words a bitset */
	bool binary;			/* errors 0 or 1, no weights */
	uint64_t *errbits;		/* binary: rows with error 1 */
	double total_w, ebar, s_lo;
	struct basic *basic;
	size_t nbasic;

	/* the top k so far, best first */
	struct slice *top;
	size_t ntop;

	/* the level being evaluated */
	unsigned level;
	const struct node *nodes;	/* the level below, sorted */
	struct cand *cand;
	size_t ncand, cand_cap;
	size_t *group;			/* ngroup + 1 starts into cand */
	size_t ngroup;
	uint64_t done;			/* candidates evaluated (atomic) */
	bool too_many;			/* a level passed max_cand */
	size_t max_cand;
	uint64_t *scratch_idx[FANOUT_MAX_THREADS];
	uint64_t *scratch_word[FANOUT_MAX_THREADS];
};

/* ---- ranking and the top k ---- */

int slice_rank_cmp(const struct slice *a, const struct slice *b)
{
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->rows != b->rows)
		return a->rows > b->rows ? -1 : 1;
	if (a->level != b->level)
		return a->level < b->level ? -1 : 1;
	for (unsigned i = 0; i < a->level; i++) {
		if (a->attr[i] != b->attr[i])
			return a->attr[i] < b->attr[i] ? -1 : 1;
		if (a->value[i] != b->value[i])
			return a->value[i] < b->value[i] ? -1 : 1;
	}
	return 0;
}

/* The score a slice must beat to be kept or expanded. */
static double threshold(const struct search *s)
{
	return s->ntop < s->o->k ? 0 : s->top[s->o->k - 1].score;
}

static void top_offer(struct search *s, const uint32_t *b, unsigned level,
		      const struct sstat *st, double score)
{
	struct slice x;
	size_t k = s->o->k, i;

	if (!(score > 0))
		return;
	memset(&x, 0, sizeof(x));
	x.level = level;
	for (unsigned j = 0; j < level; j++) {
		x.attr[j] = s->basic[b[j]].attr;
		x.value[j] = s->basic[b[j]].value;
	}
	x.rows = st->rows;
	x.weight = st->weight;
	x.err = st->err;
	x.max_err = st->max_err;
	x.score = score;
	if (s->ntop == k && slice_rank_cmp(&x, &s->top[k - 1]) >= 0)
		return;
	i = s->ntop < k ? s->ntop++ : k - 1;
	while (i > 0 && slice_rank_cmp(&x, &s->top[i - 1]) < 0) {
		s->top[i] = s->top[i - 1];
		i--;
	}
	s->top[i] = x;
}

/*
 * The bound on the score of any slice within parents whose least weight,
 * error sum and largest error per unit of weight are ss, se and sm: the
 * score at |S| = s_lo, ss and se / sm (those in range), each with
 * se(S) = min(se, sm |S|).
 */
static double bound(const struct search *s, double ss, double se, double sm)
{
	double pts[3], best = -INFINITY;
	size_t n = 0;

	if (ss < s->s_lo || !(se > 0))
		return -INFINITY;
	pts[n++] = s->s_lo;
	pts[n++] = ss;
	if (sm > 0 && isfinite(sm) && se / sm > s->s_lo && se / sm < ss)
		pts[n++] = se / sm;
	for (size_t i = 0; i < n; i++) {
		double e = sm > 0 && isfinite(sm) && sm * pts[i] < se ?
			   sm * pts[i] : se;
		double v = slice_score(s->o->alpha, pts[i], e, s->total_w,
				       s->ebar);

		if (v > best)
			best = v;
	}
	return best;
}

/* Below the threshold by more than rounding: cannot enter the top k. */
static bool below(double ub, double thr, bool full)
{
	double tol = 1e-9 * (1 + fabs(thr));

	return full ? ub < thr - tol : !(ub > -tol);
}

/* ---- level 1 ---- */

static void level_one(struct search *s, struct slice_stats *st)
{
	const struct slice_data *d = s->d;
	size_t n = d->nrows;

	for (size_t a = 0; a < d->nattrs; a++) {
		size_t nv = d->nvalues[a];
		struct sstat *h = xcalloc(nv ? nv : 1, sizeof(*h));
		size_t first = s->nbasic;

		for (size_t r = 0; r < n; r++) {
			struct sstat *x = &h[d->codes[a][r]];
			double w = d->weight ? d->weight[r] : 1;
			double e = d->err[r];

			x->rows++;
			x->weight += w;
			x->err += e;
			if (e / w > x->max_err)
				x->max_err = e / w;
		}
		for (size_t v = 0; v < nv; v++) {
			struct basic *b;
			double sc;

			if (!h[v].rows)
				continue;
			st->evaluated++;
			st->per_level[0]++;
			sc = slice_score(s->o->alpha, h[v].weight, h[v].err,
					 s->total_w, s->ebar);
			if (h[v].rows < s->o->min_support || !(h[v].err > 0))
				continue;
			s->basic = xrealloc(s->basic,
					    (s->nbasic + 1) * sizeof(*s->basic));
			b = &s->basic[s->nbasic++];
			b->attr = (uint32_t)a;
			b->value = (uint32_t)v;
			b->st = h[v];
			b->bits = NULL;
			{
				uint32_t one = (uint32_t)(s->nbasic - 1);

				top_offer(s, &one, 1, &h[v], sc);
			}
		}
		/* The rows of each kept value. */
		if (s->nbasic > first) {
			int64_t *slot = xmalloc((nv ? nv : 1) * sizeof(*slot));

			for (size_t v = 0; v < nv; v++)
				slot[v] = -1;
			for (size_t i = first; i < s->nbasic; i++) {
				s->basic[i].bits = xcalloc(s->nw,
							   sizeof(uint64_t));
				slot[s->basic[i].value] = (int64_t)i;
			}
			for (size_t r = 0; r < n; r++) {
				int64_t i = slot[d->codes[a][r]];

				if (i >= 0)
					s->basic[i].bits[r >> 6] |=
						1ULL << (r & 63);
			}
			free(slot);
		}
		free(h);
	}
}

/* ---- the lattice: nodes of a level, candidates of the next ---- */

static uint64_t hash_b(const uint32_t *b, unsigned len)
{
	uint64_t h = 1469598103934665603ULL;

	for (unsigned i = 0; i < len; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
		h ^= h >> 29;
	}
	return h;
}

/* Open addressing over node indices + 1 (0 empty). */
struct nset {
	uint32_t *slot;
	size_t mask;
};

static void nset_build(struct nset *h, const struct node *nodes, size_t n,
		       unsigned len)
{
	size_t cap = 16;

	while (cap < 2 * n + 16)
		cap <<= 1;
	h->slot = xcalloc(cap, sizeof(*h->slot));
	h->mask = cap - 1;
	for (size_t i = 0; i < n; i++) {
		size_t j = hash_b(nodes[i].b, len) & h->mask;

		while (h->slot[j])
			j = (j + 1) & h->mask;
		h->slot[j] = (uint32_t)(i + 1);
	}
}

static int64_t nset_find(const struct nset *h, const struct node *nodes,
			 const uint32_t *b, unsigned len)
{
	size_t j = hash_b(b, len) & h->mask;

	while (h->slot[j]) {
		const struct node *x = &nodes[h->slot[j] - 1];

		if (!memcmp(x->b, b, len * sizeof(*b)))
			return h->slot[j] - 1;
		j = (j + 1) & h->mask;
	}
	return -1;
}

/* Lexicographic on b (unused entries are 0). */
static int cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	for (unsigned i = 0; i < SLICE_MAX_LEVEL; i++)
		if (x->b[i] != y->b[i])
			return x->b[i] < y->b[i] ? -1 : 1;
	return 0;
}

/*
 * The candidates of level len + 1 from the expandable nodes of level len
 * (sorted): apriori joins, kept when every parent may have children and
 * the bound reaches the threshold.
 */
static void candidates(struct search *s, const struct node *nodes,
		       size_t nn, unsigned len, struct slice_stats *st)
{
	struct nset set;
	double thr = threshold(s);
	bool full = s->ntop == s->o->k;
	uint32_t sub[SLICE_MAX_LEVEL];

	nset_build(&set, nodes, nn, len);
	s->ncand = s->ngroup = 0;
	s->group = xrealloc(s->group, (nn + 1) * sizeof(*s->group));
	for (size_t i = 0; i < nn; i++) {
		const struct node *p = &nodes[i];
		size_t start = s->ncand;

		if (!p->expand)
			continue;
		for (size_t j = i + 1; j < nn; j++) {
			const struct node *q = &nodes[j];
			uint32_t last = q->b[len - 1];
			double ss = fmin(p->st.weight, q->st.weight);
			double se = fmin(p->st.err, q->st.err);
			double sm = fmin(p->st.max_err, q->st.max_err);
			bool ok = true;
			struct cand *c;

			if (memcmp(p->b, q->b, (len - 1) * sizeof(*p->b)))
				break;		/* past p's group */
			if (!q->expand ||
			    s->basic[last].attr == s->basic[p->b[len - 1]].attr)
				continue;
			/* the other parents: drop one of the first len - 1 */
			for (unsigned drop = 0; drop + 1 < len && ok; drop++) {
				unsigned m = 0;
				int64_t k;

				for (unsigned t = 0; t < len; t++)
					if (t != drop)
						sub[m++] = p->b[t];
				sub[m++] = last;
				k = nset_find(&set, nodes, sub, len);
				if (k < 0 || !nodes[k].expand) {
					ok = false;
					break;
				}
				ss = fmin(ss, nodes[k].st.weight);
				se = fmin(se, nodes[k].st.err);
				sm = fmin(sm, nodes[k].st.max_err);
			}
			if (!ok)
				continue;
			if (below(bound(s, ss, se, sm), thr, full)) {
				st->pruned++;
				continue;
			}
			if (s->ncand == s->max_cand) {
				s->too_many = true;
				break;
			}
			s->cand = xgrow(s->cand, &s->cand_cap, s->ncand + 1,
					sizeof(*s->cand));
			c = &s->cand[s->ncand++];
			memcpy(c->b, p->b, len * sizeof(*c->b));
			c->b[len] = last;
			c->first = (uint32_t)i;
			memset(&c->st, 0, sizeof(c->st));
		}
		if (s->ncand > start)
			s->group[s->ngroup++] = start;
		if (s->too_many)
			break;
	}
	s->group[s->ngroup] = s->ncand;
	free(set.slot);
}

/* ---- evaluating a level's candidates ---- */

/* Add the rows of word idx (bits x) to st. */
static void add_rows(const struct search *s, size_t idx, uint64_t x,
		     struct sstat *st)
{
	const struct slice_data *d = s->d;

	st->rows += (uint64_t)__builtin_popcountll(x);
	if (s->binary) {
		st->err += (double)__builtin_popcountll(x & s->errbits[idx]);
		return;
	}
	while (x) {
		size_t r = idx * 64 + (size_t)__builtin_ctzll(x);
		double w = d->weight ? d->weight[r] : 1, e = d->err[r];

		st->weight += w;
		st->err += e;
		if (e / w > st->max_err)
			st->max_err = e / w;
		x &= x - 1;
	}
}

static void eval_group(struct search *s, size_t thread, size_t g)
{
	const struct cand *c0 = &s->cand[s->group[g]];
	const struct node *p = &s->nodes[c0->first];
	unsigned len = s->level - 1;
	uint64_t *idx = s->scratch_idx[thread], *word = s->scratch_word[thread];
	size_t nz = 0;

	/* the parent's rows, nonzero words only */
	for (size_t w = 0; w < s->nw; w++) {
		uint64_t x = s->basic[p->b[0]].bits[w];

		for (unsigned i = 1; i < len && x; i++)
			x &= s->basic[p->b[i]].bits[w];
		if (x) {
			idx[nz] = w;
			word[nz++] = x;
		}
	}
	for (size_t c = s->group[g]; c < s->group[g + 1]; c++) {
		struct cand *x = &s->cand[c];
		const uint64_t *bits = s->basic[x->b[len]].bits;

		memset(&x->st, 0, sizeof(x->st));
		for (size_t i = 0; i < nz; i++) {
			uint64_t y = word[i] & bits[idx[i]];

			if (y)
				add_rows(s, idx[i], y, &x->st);
		}
		if (s->binary) {
			x->st.weight = (double)x->st.rows;
			x->st.max_err = x->st.err > 0 ? 1 : 0;
		}
	}
}

static void eval_work(void *ctx, size_t thread, size_t begin, size_t end)
{
	struct search *s = ctx;

	for (size_t g = begin; g < end; g++) {
		uint64_t n = s->group[g + 1] - s->group[g], before;

		if (s->o->cancel && *s->o->cancel)
			return;
		eval_group(s, thread, g);
		before = __atomic_fetch_add(&s->done, n, __ATOMIC_RELAXED);
		if (thread == 0 && s->o->progress &&
		    (before + n) / PROGRESS_EVERY != before / PROGRESS_EVERY)
			s->o->progress(s->o->progress_ctx, s->level,
				       before + n, s->ncand);
	}
}

/* ---- the search ---- */

static int check(const struct slice_data *d, const struct slice_opts *o,
		 struct buf *err)
{
	if (o->max_level < 1 || o->max_level > SLICE_MAX_LEVEL) {
		buf_addf(err, "max_level must be from 1 to %d",
			 SLICE_MAX_LEVEL);
		return -1;
	}
	if (o->min_support < 1 || o->k < 1 || o->k > 1000000) {
		buf_adds(err, "min_support and k must be at least 1 (k at "
			 "most 1000000)");
		return -1;
	}
	if (!(o->alpha > 0 && o->alpha <= 1)) {
		buf_adds(err, "alpha must be in (0, 1]");
		return -1;
	}
	for (size_t r = 0; r < d->nrows; r++)
		if (!(d->err[r] >= 0 && isfinite(d->err[r])) ||
		    (d->weight && !(d->weight[r] > 0 && isfinite(d->weight[r])))) {
			buf_addf(err, "row %zu: an error must be finite and at "
				 "least 0, a weight finite and above 0", r);
			return -1;
		}
	return 0;
}

/* The least weight min_support rows can have. */
static double least_weight(const struct slice_data *d, uint64_t sigma)
{
	double *w, sum = 0;

	if (!d->weight || sigma > d->nrows)
		return (double)sigma;
	w = xmalloc(d->nrows * sizeof(*w));
	memcpy(w, d->weight, d->nrows * sizeof(*w));
	qsort(w, d->nrows, sizeof(*w), cmp_double);
	for (uint64_t i = 0; i < sigma; i++)
		sum += w[i];
	free(w);
	return sum;
}

int sliceline_run(const struct slice_data *d, const struct slice_opts *o,
		  struct slice **out, size_t *nout, struct slice_stats *st,
		  struct buf *err)
{
	struct search s;
	struct node *nodes = NULL;
	size_t nn = 0, nthreads;
	double total_e = 0;
	int ret = 0;

	*out = NULL;
	*nout = 0;
	memset(st, 0, sizeof(*st));
	if (check(d, o, err))
		return -1;
	memset(&s, 0, sizeof(s));
	s.d = d;
	s.o = o;
	s.nw = (d->nrows + 63) / 64;
	s.max_cand = o->max_candidates ? o->max_candidates :
		     SLICE_MAX_CANDIDATES;
	s.binary = !d->weight;
	for (size_t r = 0; r < d->nrows; r++) {
		total_e += d->err[r];
		s.total_w += d->weight ? d->weight[r] : 1;
		if (d->err[r] != 0 && d->err[r] != 1)
			s.binary = false;
	}
	s.ebar = s.total_w > 0 ? total_e / s.total_w : 0;
	st->ebar = s.ebar;
	s.top = xcalloc(o->k, sizeof(*s.top));
	if (!(total_e > 0))
		goto done;		/* no error: no slice scores above 0 */
	s.s_lo = least_weight(d, o->min_support);
	if (s.binary) {
		s.errbits = xcalloc(s.nw ? s.nw : 1, sizeof(uint64_t));
		for (size_t r = 0; r < d->nrows; r++)
			if (d->err[r] == 1)
				s.errbits[r >> 6] |= 1ULL << (r & 63);
	}
	level_one(&s, st);
	st->levels = 1;

	/* level-1 nodes that may have children */
	nodes = xcalloc(s.nbasic ? s.nbasic : 1, sizeof(*nodes));
	for (size_t i = 0; i < s.nbasic; i++) {
		const struct sstat *x = &s.basic[i].st;

		if (below(bound(&s, x->weight, x->err, x->max_err),
			  threshold(&s), s.ntop == o->k))
			continue;
		nodes[nn].b[0] = (uint32_t)i;
		nodes[nn].st = *x;
		nodes[nn].expand = true;
		nn++;
	}
	nthreads = o->threads ? o->threads : fanout_threads(FANOUT_MAX_THREADS);
	if (nthreads > FANOUT_MAX_THREADS)
		nthreads = FANOUT_MAX_THREADS;
	for (size_t t = 0; t < nthreads; t++) {
		s.scratch_idx[t] = xmalloc((s.nw ? s.nw : 1) * sizeof(uint64_t));
		s.scratch_word[t] = xmalloc((s.nw ? s.nw : 1) * sizeof(uint64_t));
	}
	if (o->progress)
		o->progress(o->progress_ctx, 1, st->per_level[0],
			    st->per_level[0]);
	for (unsigned level = 2; level <= o->max_level && nn > 1; level++) {
		struct node *next;
		size_t nnext = 0;
		double thr;
		bool full;

		qsort(nodes, nn, sizeof(*nodes), cmp_node);
		candidates(&s, nodes, nn, level - 1, st);
		if (s.too_many) {
			buf_addf(err, "level %u of the search would evaluate more "
				 "than %zu slices; raise min_support or lower "
				 "max_level", level, s.max_cand);
			ret = -1;
			break;
		}
		if (!s.ncand)
			break;
		s.nodes = nodes;
		s.level = level;
		s.done = 0;
		fanout(s.ngroup, GROUP_CHUNK, nthreads, eval_work, &s);
		if (o->cancel && *o->cancel) {
			ret = 1;
			break;
		}
		st->levels = level;
		st->evaluated += s.ncand;
		st->per_level[level - 1] = s.ncand;
		for (size_t c = 0; c < s.ncand; c++) {
			const struct cand *x = &s.cand[c];

			if (x->st.rows >= o->min_support && x->st.err > 0)
				top_offer(&s, x->b, level, &x->st,
					  slice_score(o->alpha, x->st.weight,
						      x->st.err, s.total_w,
						      s.ebar));
		}
		thr = threshold(&s);
		full = s.ntop == o->k;
		next = xcalloc(s.ncand, sizeof(*next));
		for (size_t c = 0; c < s.ncand; c++) {
			const struct cand *x = &s.cand[c];

			if (x->st.rows < o->min_support || !(x->st.err > 0) ||
			    below(bound(&s, x->st.weight, x->st.err,
					x->st.max_err), thr, full))
				continue;
			memcpy(next[nnext].b, x->b, sizeof(x->b));
			next[nnext].st = x->st;
			next[nnext].expand = true;
			nnext++;
		}
		free(nodes);
		nodes = next;
		nn = nnext;
		if (o->progress)
			o->progress(o->progress_ctx, level, s.ncand, s.ncand);
	}
	for (size_t t = 0; t < nthreads; t++) {
		free(s.scratch_idx[t]);
		free(s.scratch_word[t]);
	}
done:
	if (ret < 0) {
		free(s.top);
		s.top = NULL;
		s.ntop = 0;
	}
	*out = s.top;
	*nout = s.ntop;
	for (size_t i = 0; i < s.nbasic; i++)
		free(s.basic[i].bits);
	free(s.basic);
	free(s.errbits);
	free(s.cand);
	free(s.group);
	free(nodes);
	return ret;
}
