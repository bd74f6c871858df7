/*
 * bountybench - cost of verifying one bounty submission.
 *
 *	bountybench [holdout_rows [holdout_fraction]]
 *		(defaults 1000000 and 0.5)
 *
 * Builds a classification table of holdout_rows / holdout_fraction rows
 * (five attributes: accent with 8 values, numeric age, gender, a 50-value
 * region, noise condition), splits it with a keyed hash, and times:
 *   split      the SipHash split of every example id (once per bounty);
 *   predicate  compiling and evaluating
 *              "accent IN ('scottish', 'welsh') AND age >= 60 AND
 *               NOT gender = 'f'" over every row;
 *   verify     verify_submission on the holdout, without h;
 *   verify+h   the same with a proposed model h and 10 earlier accepted
 *              findings to check for duplicates;
 *   wer        the delta-method path (word errors over reference words);
 *   total      predicate + verify, the cost of one plain submission.
 * Each is run 7 times; the median and the best are printed in ms.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"
#include "cohorts/predicate.h"
#include "bounty/split.h"
#include "bounty/verify.h"

#define RUNS 7

static const char *const pred_text =
	"accent IN ('scottish', 'welsh') AND age >= 60 AND NOT gender = 'f'";

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void report(const char *what, double *t)
{
	qsort(t, RUNS, sizeof(*t), cmp_double);
	printf("  %-10s median %8.2f ms   best %8.2f ms\n", what,
	       t[RUNS / 2] * 1e3, t[0] * 1e3);
}

static void build(struct table *t, size_t rows)
{
	static const char *const accents[] = {
		"us", "uk", "scottish", "welsh", "irish", "indian",
		"nigerian", "australian",
	};
	static const char *const genders[] = { "f", "m", "x" };
	static const char *const noise[] = { "quiet", "street", "ward", "car" };

	table_init(t, TASK_CLASSIFICATION);
	table_add_attr(t, "accent");
	table_add_attr(t, "age");
	table_add_attr(t, "gender");
	table_add_attr(t, "region");
	table_add_attr(t, "noise");
	for (size_t r = 0; r < rows; r++) {
		char id[32], v[16];
		int n = snprintf(id, sizeof(id), "utt-%09zu", r);
		const char *s;

		table_add_row(t, id, (size_t)n);
		s = accents[rnd() % 8];
		table_set_attr(t, r, 0, s, strlen(s));
		n = snprintf(v, sizeof(v), "%u", (unsigned)(18 + rnd() % 73));
		table_set_attr(t, r, 1, v, (size_t)n);
		s = genders[rnd() % 3];
		table_set_attr(t, r, 2, s, strlen(s));
		n = snprintf(v, sizeof(v), "r%u", (unsigned)(rnd() % 50));
		table_set_attr(t, r, 3, v, (size_t)n);
		s = noise[rnd() % 4];
		table_set_attr(t, r, 4, s, strlen(s));
		t->label[r] = table_class(t, "1", 1);
		t->pred[r] = table_class(t, rnd() % 5 ? "1" : "0", 1);
	}
	table_finish(t);
}

int main(int argc, char **argv)
{
	size_t hold_rows = 1000000, rows;
	double frac = 0.5, t0, ts[RUNS], tp[RUNS], tv[RUNS], th[RUNS];
	double tw[RUNS], tt[RUNS];
	int64_t v64;
	struct table t;
	struct split sp;
	struct bitset holdout = BITSET_INIT, g = BITSET_INIT;
	struct bitset acc[10];
	const struct bitset *accp[10];
	struct verify_rules rules;
	struct verdict v;
	struct buf err = BUF_INIT;
	double *e, *h, *we, *wd;

	if (argc > 1) {
		if (parse_i64(argv[1], strlen(argv[1]), &v64) || v64 < 1000)
			die("holdout rows '%s' is not a number >= 1000",
			    argv[1]);
		hold_rows = (size_t)v64;
	}
	if (argc > 2 && (parse_double(argv[2], strlen(argv[2]), &frac) ||
			 !(frac > 0 && frac <= 1)))
		die("holdout fraction '%s' is not in (0, 1]", argv[2]);
	rows = (size_t)((double)hold_rows / frac + 0.5);

	t0 = now_seconds();
	build(&t, rows);
	printf("bountybench: %zu rows built in %.2f s\n", rows,
	       now_seconds() - t0);

	for (int i = 0; i < RUNS; i++) {
		t0 = now_seconds();
		if (frac < 1) {
			if (split_init(&sp, "bench secret, 16+ bytes", 23, frac,
				       &err))
				die("%s", err.s);
			split_table(&sp, &t.ids, &holdout);
		} else {
			bitset_reset(&holdout, rows);
			bitset_fill(&holdout);
		}
		ts[i] = now_seconds() - t0;
	}
	printf("  holdout: %zu rows (fraction %g)\n", bitset_count(&holdout),
	       frac);

	e = xmalloc(rows * sizeof(*e));
	h = xmalloc(rows * sizeof(*h));
	we = xmalloc(rows * sizeof(*we));
	wd = xmalloc(rows * sizeof(*wd));
	for (size_t r = 0; r < rows; r++) {
		e[r] = t.pred[r] != t.label[r];
		h[r] = rnd() % 10 == 0;
		wd[r] = (double)(1 + rnd() % 30);
		we[r] = (double)(rnd() % ((uint64_t)wd[r] / 3 + 1));
	}
	verify_rules_init(&rules);
	for (int k = 0; k < 10; k++) {
		bitset_init(&acc[k]);
		bitset_reset(&acc[k], rows);
		for (size_t r = (size_t)k; r < rows; r += 40)
			if (bitset_test(&holdout, r))
				bitset_set(&acc[k], r);
		accp[k] = &acc[k];
	}

	for (int i = 0; i < RUNS; i++) {
		struct predicate *p = NULL;
		struct verify_input in;
		double a, b;

		t0 = now_seconds();
		if (predicate_compile(pred_text, strlen(pred_text), &t, &p,
				      &err) ||
		    predicate_eval(p, &t, &g, &err))
			die("%s", err.s);
		predicate_free(p);
		a = now_seconds();
		memset(&in, 0, sizeof(in));
		in.group = &g;
		in.split = &holdout;
		in.err = e;
		if (verify_submission(&in, &rules, &v, &err))
			die("%s", err.s);
		b = now_seconds();
		tp[i] = a - t0;
		tv[i] = b - a;
		tt[i] = b - t0;

		in.h_err = h;
		in.accepted = accp;
		in.naccepted = 10;
		t0 = now_seconds();
		if (verify_submission(&in, &rules, &v, &err))
			die("%s", err.s);
		th[i] = now_seconds() - t0;

		memset(&in, 0, sizeof(in));
		in.group = &g;
		in.split = &holdout;
		in.err = we;
		in.den = wd;
		t0 = now_seconds();
		if (verify_submission(&in, &rules, &v, &err))
			die("%s", err.s);
		tw[i] = now_seconds() - t0;
	}
	printf("  group: %zu holdout rows match \"%s\"\n", v.support,
	       pred_text);
	report("split", ts);
	report("predicate", tp);
	report("verify", tv);
	report("verify+h", th);
	report("wer", tw);
	report("total", tt);

	for (int k = 0; k < 10; k++)
		bitset_release(&acc[k]);
	free(e);
	free(h);
	free(we);
	free(wd);
	bitset_release(&holdout);
	bitset_release(&g);
	table_release(&t);
	buf_release(&err);
	return 0;
}
