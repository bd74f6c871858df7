/*
 * Unit tests for cohorts/sliceline.c: the top k equals an exhaustive
 * search of the same lattice (every conjunction of up to max_level
 * attribute = value predicates, one per attribute, scored by the formula
 * of sliceline.h and ranked the same way), for binary errors, real errors
 * and weighted errors (speech: errors over words), several alphas,
 * supports and ks, on one and on two threads; a planted slice is found.
 * The data are drawn from fixed seeds: every run checks the same cases.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include "cohorts/sliceline.h"

#define NATTR 5

struct data {
	size_t n;
	uint32_t *codes[NATTR];
	uint32_t nvalues[NATTR];
	double *err, *weight;
	struct slice_data d;
};

/*
 * n rows, attribute a with 2 + a values; rows with attr0 = 1 and
 * attr2 = 0 err more.  kind 0: errors 0/1; 1: real errors; 2: errors
 * over words (weights 1..10, errors up to the words).
 */
static void make(struct data *x, size_t n, int kind, unsigned long seed)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, seed);
	memset(x, 0, sizeof(*x));
	x->n = n;
	for (size_t a = 0; a < NATTR; a++) {
		x->nvalues[a] = (uint32_t)(2 + a);
		x->codes[a] = malloc(n * sizeof(uint32_t));
		for (size_t i = 0; i < n; i++)
			x->codes[a][i] = (uint32_t)gsl_rng_uniform_int(r,
							x->nvalues[a]);
	}
	x->err = malloc(n * sizeof(double));
	if (kind == 2)
		x->weight = malloc(n * sizeof(double));
	for (size_t i = 0; i < n; i++) {
		double p = x->codes[0][i] == 1 && x->codes[2][i] == 0 ? 0.45 :
			   0.1 + 0.05 * x->codes[4][i];

		if (kind == 0) {
			x->err[i] = gsl_rng_uniform(r) < p;
		} else if (kind == 1) {
			x->err[i] = gsl_ran_exponential(r, p);
		} else {
			unsigned w = 1 + (unsigned)gsl_rng_uniform_int(r, 10);

			x->weight[i] = w;
			x->err[i] = gsl_ran_binomial(r, p, w);
		}
	}
	gsl_rng_free(r);
	x->d.nrows = n;
	x->d.nattrs = NATTR;
	x->d.codes = (const uint32_t *const *)x->codes;
	x->d.nvalues = x->nvalues;
	x->d.err = x->err;
	x->d.weight = x->weight;
}

static void release(struct data *x)
{
	for (size_t a = 0; a < NATTR; a++)
		free(x->codes[a]);
	free(x->err);
	free(x->weight);
}

/* ---- the exhaustive search ---- */

struct brute {
	const struct data *x;
	const struct slice_opts *o;
	double total_w, ebar;
	struct slice *all;
	size_t n, cap;
};

static void visit(struct brute *b, struct slice *cur, size_t from)
{
	if (cur->level) {
		struct slice s = *cur;
		double w = 0, e = 0;
		uint64_t rows = 0;

		for (size_t i = 0; i < b->x->n; i++) {
			bool in = true;

			for (unsigned j = 0; j < s.level && in; j++)
				in = b->x->codes[s.attr[j]][i] == s.value[j];
			if (!in)
				continue;
			rows++;
			w += b->x->weight ? b->x->weight[i] : 1;
			e += b->x->err[i];
		}
		s.rows = rows;
		s.weight = w;
		s.err = e;
		s.score = rows ? slice_score(b->o->alpha, w, e, b->total_w,
					     b->ebar) : -INFINITY;
		if (rows >= b->o->min_support && s.score > 0) {
			if (b->n == b->cap) {
				b->cap = b->cap ? 2 * b->cap : 64;
				b->all = realloc(b->all, b->cap * sizeof(*b->all));
			}
			b->all[b->n++] = s;
		}
		if (!rows)
			return;
	}
	if (cur->level == b->o->max_level)
		return;
	for (size_t a = from; a < NATTR; a++)
		for (uint32_t v = 0; v < b->x->nvalues[a]; v++) {
			cur->attr[cur->level] = (uint32_t)a;
			cur->value[cur->level] = v;
			cur->level++;
			visit(b, cur, a + 1);
			cur->level--;
		}
}

static int rank(const void *a, const void *b)
{
	return slice_rank_cmp(a, b);
}

static uint64_t pruned_total;

static void expect_exact(const struct data *x, const struct slice_opts *o)
{
	struct brute b = { x, o, 0, 0, NULL, 0, 0 };
	struct slice cur, *got;
	struct slice_stats st;
	struct buf err = BUF_INIT;
	size_t ngot, want;
	double e = 0;

	for (size_t i = 0; i < x->n; i++) {
		b.total_w += x->weight ? x->weight[i] : 1;
		e += x->err[i];
	}
	b.ebar = e / b.total_w;
	memset(&cur, 0, sizeof(cur));
	visit(&b, &cur, 0);
	if (b.n)
		qsort(b.all, b.n, sizeof(*b.all), rank);
	want = b.n < o->k ? b.n : o->k;
	assert_int_equal(sliceline_run(&x->d, o, &got, &ngot, &st, &err), 0);
	if (ngot != want)
		fail_msg("%zu slices, the exhaustive search %zu (alpha %g, "
			 "support %llu, k %zu)", ngot, want, o->alpha,
			 (unsigned long long)o->min_support, o->k);
	for (size_t i = 0; i < want; i++) {
		const struct slice *g = &got[i], *w = &b.all[i];

		assert_int_equal(g->level, w->level);
		for (unsigned j = 0; j < g->level; j++) {
			assert_int_equal(g->attr[j], w->attr[j]);
			assert_int_equal(g->value[j], w->value[j]);
		}
		assert_int_equal(g->rows, w->rows);
		assert_true(fabs(g->score - w->score) <= 1e-9);
		assert_true(fabs(g->err - w->err) <= 1e-9 * (1 + w->err));
	}
	pruned_total += st.pruned;
	free(got);
	free(b.all);
	buf_release(&err);
}

static void test_sliceline__matches_exhaustive_search(void **state)
{
	static const double alphas[] = { 0.95, 0.5, 0.99, 1 };
	static const uint64_t supports[] = { 1, 10, 40 };
	static const size_t ks[] = { 1, 5, 50 };

	(void)state;
	for (int kind = 0; kind < 3; kind++) {
		struct data x;

		make(&x, 3000, kind, 100 + (unsigned long)kind);
		for (size_t ia = 0; ia < ARRAY_SIZE(alphas); ia++)
			for (size_t is = 0; is < ARRAY_SIZE(supports); is++)
				for (size_t ik = 0; ik < ARRAY_SIZE(ks); ik++)
					for (size_t t = 1; t <= 2; t++) {
						struct slice_opts o;

						slice_opts_init(&o);
						o.alpha = alphas[ia];
						o.min_support = supports[is];
						o.k = ks[ik];
						o.threads = t;
						o.max_level = ia == 3 ? 4 : 3;
						expect_exact(&x, &o);
					}
		release(&x);
	}
	/* the bound did prune: the equality is not by a full enumeration */
	print_message("# %llu candidates pruned by the bound over the cases\n",
		      (unsigned long long)pruned_total);
	assert_true(pruned_total > 0);
}

static void test_sliceline__finds_the_planted_slice(void **state)
{
	struct data x;
	struct slice_opts o;
	struct slice *got;
	struct slice_stats st;
	struct buf err = BUF_INIT;
	size_t n;

	(void)state;
	make(&x, 20000, 0, 7);
	slice_opts_init(&o);
	o.k = 1;
	o.min_support = 100;
	assert_int_equal(sliceline_run(&x.d, &o, &got, &n, &st, &err), 0);
	assert_int_equal(n, 1);
	/* attr0 = 1 AND attr2 = 0, error 0.45 against about 0.2 */
	assert_int_equal(got[0].level, 2);
	assert_int_equal(got[0].attr[0], 0);
	assert_int_equal(got[0].value[0], 1);
	assert_int_equal(got[0].attr[1], 2);
	assert_int_equal(got[0].value[1], 0);
	print_message("# planted slice: %llu rows, error %.3f, score %.3f; "
		      "%llu evaluated, %llu pruned\n",
		      (unsigned long long)got[0].rows, got[0].err / got[0].weight,
		      got[0].score, (unsigned long long)st.evaluated,
		      (unsigned long long)st.pruned);
	free(got);
	release(&x);
	buf_release(&err);
}

static void test_sliceline__refusals_and_edges(void **state)
{
	struct data x;
	struct slice_opts o;
	struct slice *got;
	struct slice_stats st;
	struct buf err = BUF_INIT;
	size_t n;

	(void)state;
	make(&x, 100, 0, 3);
	slice_opts_init(&o);
	o.max_level = 0;
	assert_int_equal(sliceline_run(&x.d, &o, &got, &n, &st, &err), -1);
	assert_non_null(strstr(err.s, "max_level"));
	slice_opts_init(&o);
	x.err[5] = -1;
	buf_reset(&err);
	assert_int_equal(sliceline_run(&x.d, &o, &got, &n, &st, &err), -1);
	assert_non_null(strstr(err.s, "row 5"));
	/* too many candidates for a level: refused, naming the level */
	{
		struct data y;

		make(&y, 3000, 0, 4);
		slice_opts_init(&o);
		o.min_support = 1;
		o.max_candidates = 10;
		buf_reset(&err);
		assert_int_equal(sliceline_run(&y.d, &o, &got, &n, &st, &err),
				 -1);
		assert_null(got);
		assert_non_null(strstr(err.s, "level 2"));
		release(&y);
	}
	slice_opts_init(&o);
	/* no error anywhere: nothing scores above 0 */
	for (size_t i = 0; i < x.n; i++)
		x.err[i] = 0;
	assert_int_equal(sliceline_run(&x.d, &o, &got, &n, &st, &err), 0);
	assert_int_equal(n, 0);
	free(got);
	release(&x);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sliceline__matches_exhaustive_search),
		cmocka_unit_test(test_sliceline__finds_the_planted_slice),
		cmocka_unit_test(test_sliceline__refusals_and_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
