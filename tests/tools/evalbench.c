/*
 * evalbench - time the evaluation engine on a synthetic binary table.
 *
 *   evalbench [--rows N] [--runs R] [--task T] [--json FILE]
 *
 * Builds an in-memory binary-classification table of N rows (default
 * 1,000,000) with 20 accents x 3 genders, error rates that differ by
 * accent (so some cohorts are flagged) and one rare accent, then runs
 * evaluation_run R times (default 5) for each of
 *   by accent            20 cohorts
 *   by accent x gender   60 cohorts
 *   both groupings       80 cohorts
 * and prints the minimum and median engine time of each, in milliseconds
 * (table building is not timed; JSON building is).  --json writes the
 * result of the last "both" run to FILE.  --task score or regression
 * builds that kind of table instead (same cohorts; scores or values with
 * cohort-dependent noise).  Exits 1 when a binary-classification median is
 * 100 ms or more for the 1,000,000-row default: the budget.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cohorts/table.h"
#include "evaluate/evaluation.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double unif(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static void build(struct table *t, size_t n, enum task task)
{
	static const char *const genders[] = { "female", "male", "nonbinary" };
	char id[32], acc[32];
	uint32_t c0, c1;

	table_init(t, task);
	table_add_attr(t, "accent");
	table_add_attr(t, "gender");
	c0 = table_class(t, "0", 1);
	c1 = table_class(t, "1", 1);
	table_set_positive(t, "1", 1);
	for (size_t r = 0; r < n; r++) {
		int len = snprintf(id, sizeof(id), "ex%zu", r);
		int64_t row = table_add_row(t, id, (size_t)len);
		/* accent 19 is rare: about 0.05 % of the rows. */
		unsigned a = next() % 1000 < 1 ? 19 : (unsigned)(next() % 19);
		unsigned g = (unsigned)(next() % 3);
		bool y = unif() < 0.3 + 0.01 * a;
		double err = 0.10 + (a % 5 == 0 ? 0.05 : 0) + 0.01 * g;
		bool yhat = unif() < err ? !y : y;

		len = snprintf(acc, sizeof(acc), "accent%02u", a);
		table_set_attr(t, (size_t)row, 0, acc, (size_t)len);
		table_set_attr(t, (size_t)row, 1, genders[g],
			       strlen(genders[g]));
		if (task == TASK_CLASSIFICATION) {
			t->label[row] = y ? c1 : c0;
			t->pred[row] = yhat ? c1 : c0;
		} else if (task == TASK_SCORE) {
			double s = (y ? 0.65 : 0.35) + (unif() - 0.5) *
				   (0.8 + 2 * err);

			t->label[row] = y ? c1 : c0;
			t->pred_num[row] = s < 0 ? 0 : s > 1 ? 1 : s;
		} else {
			t->label_num[row] = 50 + 20 * unif();
			t->pred_num[row] = t->label_num[row] +
					   (unif() - 0.5) * 40 * err;
		}
	}
	table_finish(t);
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char *const cases[][2] = {
		{ "accent", NULL },
		{ "accent,gender", NULL },
		{ "accent", "accent,gender" },
	};
	static const char *const names[] = {
		"by accent", "by accent x gender", "both groupings",
	};
	size_t rows = 1000000, runs = 5;
	const char *json = NULL;
	enum task task = TASK_CLASSIFICATION;
	struct table t;
	double t0;
	int status = 0;

	for (int i = 1; i < argc; i++) {
		int64_t v;

		if (!strcmp(argv[i], "--rows") && i + 1 < argc &&
		    !parse_i64(argv[i + 1], strlen(argv[i + 1]), &v) && v > 0) {
			rows = (size_t)v;
			i++;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc &&
			   !parse_i64(argv[i + 1], strlen(argv[i + 1]), &v) &&
			   v > 0) {
			runs = (size_t)v;
			i++;
		} else if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--task") && i + 1 < argc &&
			   !task_parse(argv[i + 1], &task) && task != TASK_ASR) {
			i++;
		} else {
			fprintf(stderr, "usage: evalbench [--rows N] [--runs R] "
				"[--task classification|score|regression] "
				"[--json FILE]\n");
			return 2;
		}
	}
	t0 = now_seconds();
	build(&t, rows, task);
	printf("%s table: %zu rows, %u accents x %u genders, built in "
	       "%.0f ms\n", task_name(task), t.nrows, t.attrs[0].dict.n - 1, t.attrs[1].dict.n - 1,
	       (now_seconds() - t0) * 1e3);

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		double *ms = xmalloc(runs * sizeof(*ms));
		struct eval_params p;
		struct buf err = BUF_INIT;
		size_t ncohorts = 0, nflags = 0;

		eval_params_init(&p);
		for (size_t g = 0; g < 2 && cases[c][g]; g++)
			if (eval_params_add_grouping(&p, cases[c][g], &err))
				die("%s", err.s);
		for (size_t r = 0; r < runs; r++) {
			cJSON *res, *gr, *co, *fl;

			t0 = now_seconds();
			res = evaluation_run(&t, &p, &err);
			ms[r] = (now_seconds() - t0) * 1e3;
			if (!res)
				die("evaluation failed: %s", err.s);
			ncohorts = nflags = 0;
			cJSON_ArrayForEach(gr, cJSON_GetObjectItem(res, "groupings"))
				cJSON_ArrayForEach(co, cJSON_GetObjectItem(gr, "cohorts")) {
					ncohorts++;
					cJSON_ArrayForEach(fl, cJSON_GetObjectItem(co, "flags"))
						nflags++;
				}
			if (json && c == ARRAY_SIZE(cases) - 1 && r == runs - 1) {
				char *s = cJSON_Print(res);
				FILE *f = fopen(json, "w");

				if (!f)
					die("cannot write %s: %s", json,
					    strerror(errno));
				fputs(s, f);
				fclose(f);
				free(s);
			}
			cJSON_Delete(res);
		}
		qsort(ms, runs, sizeof(*ms), dcmp);
		printf("%-20s %3zu cohorts %4zu flags  min %7.2f ms  median "
		       "%7.2f ms\n", names[c], ncohorts, nflags, ms[0],
		       ms[runs / 2]);
		if (task == TASK_CLASSIFICATION && rows == 1000000 &&
		    ms[runs / 2] >= 100)
			status = 1;
		free(ms);
		eval_params_release(&p);
		buf_release(&err);
	}
	table_release(&t);
	return status;
}
