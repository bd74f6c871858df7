/*
 * pdl.c - pointer decision list with repairs; see pdl.h.
 *
 * Besides the nodes, the list keeps src[], the model that answers each row
 * in the current version.  A model node sets src to k on its group; a
 * repair node sets src on its group to what its target version answers,
 * found by walking the list (pdl_source).  So src always equals the walk
 * for the current version, and group losses, which the repair loop needs
 * over and over, are sums over the group's evaluation rows of
 * loss[src[r]][r] without walking anything.
 *
 * Best losses are kept as sums, not ratios: a group's denominator is fixed,
 * so comparing sums compares metrics, and sums of integer losses stay
 * exact.  Comparisons allow a relative slack of 1e-12 for fractional
 * losses, so rounding cannot make the repair loop chase noise.
 */
#include "common/fa.h"
#include "bounty/pdl.h"

struct pdl_group {
	struct bitset rows;	/* g_k over all rows */
	double *err;		/* h_k's loss per row */
	double best;		/* lowest loss sum over g_k's evaluation rows */
	size_t best_version;
};

struct pdl_node {
	bool repair;
	uint32_t group;
	size_t target;
};

struct pdl {
	size_t nrows;
	double *base;		/* base model's loss per row */
	double *den;		/* per-row denominator or NULL */
	struct bitset eval;
	uint32_t *src;		/* current version's model per row */
	struct pdl_group *groups;	/* index k - 1 for model k */
	uint32_t ngroups;
	size_t gcap;
	struct pdl_node *nodes;
	size_t nnodes, ncap;
};

static double *copy_doubles(const double *p, size_t n)
{
	double *q = xmalloc((n ? n : 1) * sizeof(*q));

	if (n)
		memcpy(q, p, n * sizeof(*q));
	return q;
}

struct pdl *pdl_new(size_t nrows, const double *base_err, const double *den,
		    const struct bitset *eval)
{
	struct pdl *l = xcalloc(1, sizeof(*l));

	if (eval->nbits != nrows)
		die("pdl_new: evaluation rows cover %zu rows, not %zu",
		    eval->nbits, nrows);
	l->nrows = nrows;
	l->base = copy_doubles(base_err, nrows);
	l->den = den ? copy_doubles(den, nrows) : NULL;
	bitset_init(&l->eval);
	bitset_copy(&l->eval, eval);
	l->src = xcalloc(nrows, sizeof(*l->src));
	return l;
}

void pdl_free(struct pdl *l)
{
	if (!l)
		return;
	for (uint32_t k = 0; k < l->ngroups; k++) {
		bitset_release(&l->groups[k].rows);
		free(l->groups[k].err);
	}
	free(l->groups);
	free(l->nodes);
	free(l->src);
	bitset_release(&l->eval);
	free(l->den);
	free(l->base);
	free(l);
}

static inline double loss_of(const struct pdl *l, uint32_t model, size_t r)
{
	return model ? l->groups[model - 1].err[r] : l->base[r];
}

static inline double den_of(const struct pdl *l, size_t r)
{
	return l->den ? l->den[r] : 1.0;
}

/* Loss sum of the current version over the evaluation rows of rows. */
static double current_sum(const struct pdl *l, const struct bitset *rows)
{
	double s = 0;

	for (size_t w = 0; w < rows->nwords; w++) {
		uint64_t b = rows->w[w] & l->eval.w[w];

		while (b) {
			size_t r = w * 64 + (size_t)__builtin_ctzll(b);

			b &= b - 1;
			s += loss_of(l, l->src[r], r);
		}
	}
	return s;
}

static bool above(double x, double best)
{
	return x > best + 1e-12 * (1 + fabs(best));
}

static bool below(double x, double best)
{
	return x < best - 1e-12 * (1 + fabs(best));
}

static void append_node(struct pdl *l, bool repair, uint32_t group,
			size_t target)
{
	l->nodes = xgrow(l->nodes, &l->ncap, l->nnodes + 1, sizeof(*l->nodes));
	l->nodes[l->nnodes].repair = repair;
	l->nodes[l->nnodes].group = group;
	l->nodes[l->nnodes].target = target;
	l->nnodes++;
}

uint32_t pdl_source(const struct pdl *l, size_t version, size_t row)
{
	size_t i = version < l->nnodes ? version : l->nnodes;

	while (i > 0) {
		const struct pdl_node *nd = &l->nodes[i - 1];

		if (bitset_test(&l->groups[nd->group - 1].rows, row)) {
			if (!nd->repair)
				return nd->group;
			i = nd->target;	/* <= i - 1: always progresses */
			continue;
		}
		i--;
	}
	return 0;
}

static double overall(const struct pdl *l, double *dsum)
{
	double s = 0, d = 0;

	bitset_foreach(&l->eval, r) {
		s += loss_of(l, l->src[r], r);
		d += den_of(l, r);
	}
	*dsum = d;
	return s;
}

int pdl_update(struct pdl *l, const struct bitset *group, const double *h_err,
	       struct pdl_update_info *info, struct buf *err)
{
	struct pdl_group *g;
	double cur = 0, hs = 0, dsum, total;
	size_t neval = 0, repairs = 0, cap;
	uint32_t k;

	if (group->nbits != l->nrows) {
		buf_addf(err, "group covers %zu rows but the list covers %zu",
			 group->nbits, l->nrows);
		return -1;
	}
	bitset_foreach(group, r) {
		double h = h_err[r];

		if (!(h >= 0) || !isfinite(h)) {
			buf_addf(err, "loss of h on row %zu is %g; it must be "
				 "a finite, non-negative number", r, h);
			return -1;
		}
		if (bitset_test(&l->eval, r)) {
			cur += loss_of(l, l->src[r], r);
			hs += h;
			neval++;
		}
	}
	if (!neval) {
		buf_adds(err, "the group has no evaluation rows");
		return -1;
	}
	if (!below(hs, cur)) {
		buf_addf(err, "h does not lower the loss on the group (%g "
			 "against %g for the current model)", hs, cur);
		return -1;
	}
	total = overall(l, &dsum);
	if (info) {
		info->before = dsum > 0 ? total / dsum : NAN;
		info->repairs = 0;
	}

	/* Step 2: the model node. */
	l->groups = xgrow(l->groups, &l->gcap, (size_t)l->ngroups + 1,
			  sizeof(*l->groups));
	k = ++l->ngroups;
	g = &l->groups[k - 1];
	bitset_init(&g->rows);
	bitset_copy(&g->rows, group);
	g->err = copy_doubles(h_err, l->nrows);
	append_node(l, false, k, 0);
	bitset_foreach(group, r)
		l->src[r] = k;
	g->best = hs;
	g->best_version = l->nnodes;

	/*
	 * Step 3: repair until no group is above its best.  Termination is
	 * guaranteed (each repair lowers the total by more than the slack);
	 * the cap only guards against a broken invariant.
	 */
	cap = 1000 + 100 * (size_t)l->ngroups;
	for (;;) {
		uint32_t worst = 0;	/* first group above its best */

		for (uint32_t j = 1; j <= l->ngroups; j++) {
			struct pdl_group *gj = &l->groups[j - 1];
			double s = current_sum(l, &gj->rows);

			if (below(s, gj->best)) {
				gj->best = s;
				gj->best_version = l->nnodes;
			} else if (!worst && above(s, gj->best)) {
				worst = j;
			}
		}
		if (!worst)
			break;
		if (repairs >= cap)
			die("pdl_update: %zu repairs did not settle the list",
			    repairs);
		{
			struct pdl_group *gw = &l->groups[worst - 1];
			size_t target = gw->best_version;

			/* Sources of the target version, then the node. */
			bitset_foreach(&gw->rows, r)
				l->src[r] = pdl_source(l, target, r);
			append_node(l, true, worst, target);
		}
		repairs++;
	}
	if (info) {
		total = overall(l, &dsum);
		info->model = k;
		info->repairs = repairs;
		info->after = dsum > 0 ? total / dsum : NAN;
	}
	return 0;
}

size_t pdl_length(const struct pdl *l)
{
	return l->nnodes;
}

size_t pdl_rows(const struct pdl *l)
{
	return l->nrows;
}

uint32_t pdl_models(const struct pdl *l)
{
	return l->ngroups;
}

void pdl_node(const struct pdl *l, size_t i, struct pdl_node_info *out)
{
	if (i >= l->nnodes)
		die("pdl_node: node %zu of %zu", i, l->nnodes);
	out->repair = l->nodes[i].repair;
	out->group = l->nodes[i].group;
	out->target = l->nodes[i].target;
}

const struct bitset *pdl_group(const struct pdl *l, uint32_t k)
{
	if (k < 1 || k > l->ngroups)
		die("pdl_group: model %u of %u", k, l->ngroups);
	return &l->groups[k - 1].rows;
}

void pdl_sources(const struct pdl *l, uint32_t *out)
{
	if (l->nrows)
		memcpy(out, l->src, l->nrows * sizeof(*out));
}

void pdl_errors(const struct pdl *l, double *out)
{
	for (size_t r = 0; r < l->nrows; r++)
		out[r] = loss_of(l, l->src[r], r);
}

double pdl_metric(const struct pdl *l, size_t version,
		  const struct bitset *rows)
{
	double s = 0, d = 0;
	bool current = version >= l->nnodes;

	if (!rows)
		rows = &l->eval;
	if (rows->nbits != l->nrows)
		die("pdl_metric: rows cover %zu rows, not %zu", rows->nbits,
		    l->nrows);
	bitset_foreach(rows, r) {
		uint32_t m = current ? l->src[r] : pdl_source(l, version, r);

		s += loss_of(l, m, r);
		d += den_of(l, r);
	}
	return d > 0 ? s / d : NAN;
}
