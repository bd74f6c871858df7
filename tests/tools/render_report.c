/*
 * render_report - render an evaluation JSON file as the HTML disparity
 * report (or CSV) on stdout, render index and comparison pages, and time
 * the renderer on a synthetic evaluation.
 *
 *   render_report [--sort severity|name|n] [--csv] [--dataset NAME]
 *		   [--model NAME] [--model-version V] [--created-at T]
 *		   [--json-href URL] [--csv-href URL] [--sort-base PREFIX]
 *		   EVAL.json
 *   render_report --index datasets|models|evaluations|bounties
 *		   [--title T] [--href-prefix P] [--href-suffix S] ITEMS.json
 *   render_report --compare CMP.json
 *   render_report --bench N [--runs R] [--out FILE] [--time-budget MS]
 *
 * --bench builds an evaluation of N binary-classification cohorts (one
 * grouping by two attributes, every metric with intervals and disparities,
 * some cohorts flagged or too small, names with characters that need
 * escaping), renders it R times (default 20) as HTML and as CSV, and
 * prints the sizes and the minimum and median times.  Up to 500 cohorts it
 * exits 1 when the HTML is 1 MB or more, the size budget for 500 cohorts,
 * or, with --time-budget (bench/run.sh gives 50), when its median time is
 * MS milliseconds or more: the test suite checks the size only, since a
 * time depends on the machine's load.  --out also writes the HTML to FILE.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "report/csv.h"
#include "report/html.h"

#define BENCH_MAX_BYTES 1000000

static void usage(void)
{
	fprintf(stderr,
		"usage: render_report [--sort severity|name|n] [--csv] "
		"[--dataset NAME] [--model NAME]\n"
		"                     [--model-version V] [--created-at T] "
		"[--json-href URL] [--csv-href URL]\n"
		"                     [--sort-base PREFIX] EVAL.json\n"
		"       render_report --index datasets|models|evaluations|"
		"bounties [--title T]\n"
		"                     [--href-prefix P] [--href-suffix S] "
		"ITEMS.json\n"
		"       render_report --compare CMP.json\n"
		"       render_report --bench N [--runs R] [--out FILE]\n");
	exit(2);
}

static cJSON *read_json(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	cJSON *j;

	if (!f)
		die("cannot open \"%s\": %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f))
		die("cannot read \"%s\": %s", path, strerror(errno));
	fclose(f);
	j = cJSON_ParseWithLength(b.s, b.len);
	if (!j)
		die("\"%s\" is not valid JSON", path);
	buf_release(&b);
	return j;
}

static void write_out(FILE *f, const struct buf *b)
{
	if (fwrite(b->s, 1, b->len, f) != b->len || fflush(f))
		die("cannot write the output: %s", strerror(errno));
}

/* ---- the synthetic evaluation ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static cJSON *interval(double v, double half)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "value", v);
	cJSON_AddNumberToObject(o, "low", fmax(0, v - half));
	cJSON_AddNumberToObject(o, "high", fmin(1, v + half));
	return o;
}

static cJSON *count(double v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "value", v);
	return o;
}

/* The k-th name of a list, "South East" then "South East 2" and so on. */
static void name(char *out, size_t cap, const char *const *list, size_t n,
		 size_t k)
{
	if (k < n)
		snprintf(out, cap, "%s", list[k]);
	else
		snprintf(out, cap, "%s %zu", list[k % n], k / n + 1);
}

static cJSON *bench_eval(int ncohorts)
{
	static const char *const rates[] = {
		"tpr", "fpr", "fnr", "tnr", "ppv", "npv", "fdr", "for",
		"accuracy", "error_rate", "selection_rate", "prevalence" };
	/* realistic names, a few of which need escaping */
	static const char *const regions[] = {
		"North East", "North West", "Yorkshire & the Humber",
		"East Midlands", "West Midlands", "East of England", "London",
		"South East", "South West", "Wales", "Scotland",
		"Northern Ireland", "Channel Islands", "Isle of Man",
		"<unknown>" };
	static const char *const jobs[] = {
		"managers", "professionals", "associate professionals",
		"administrative", "skilled trades", "caring & leisure",
		"sales", "operatives", "elementary", "students", "retired",
		"unemployed", "armed forces", "self-employed",
		"\"other\"" };
	cJSON *e = cJSON_CreateObject(), *p, *gs, *g, *by, *ref, *cs, *ov;
	int ncols = ncohorts >= 20 ? 20 : ncohorts, i;
	char a[64], b[64];
	size_t k;

	cJSON_AddStringToObject(e, "id", "ev_bench");
	cJSON_AddStringToObject(e, "model_id", "mo_bench");
	cJSON_AddStringToObject(e, "dataset_id", "ds_bench");
	cJSON_AddStringToObject(e, "task", "classification");
	cJSON_AddStringToObject(e, "created_at", "2024-05-01T12:00:00Z");
	p = cJSON_AddObjectToObject(e, "params");
	cJSON_AddNumberToObject(p, "confidence", 0.95);
	cJSON_AddNumberToObject(p, "min_cohort_size", 30);
	cJSON_AddNumberToObject(p, "tolerance", 0.8);
	cJSON_AddNumberToObject(p, "significance", 0.05);
	cJSON_AddStringToObject(p, "adjust", "holm");
	ov = cJSON_AddObjectToObject(e, "overall");
	cJSON_AddNumberToObject(ov, "n", 250000);
	cJSON_AddItemToObject(cJSON_AddObjectToObject(ov, "metrics"), "fpr",
			      interval(0.2, 0.01));
	gs = cJSON_AddArrayToObject(e, "groupings");
	g = cJSON_CreateObject();
	cJSON_AddItemToArray(gs, g);
	by = cJSON_AddArrayToObject(g, "by");
	cJSON_AddItemToArray(by, cJSON_CreateString("region"));
	cJSON_AddItemToArray(by, cJSON_CreateString("occupation"));
	ref = cJSON_AddObjectToObject(g, "reference");
	cJSON_AddStringToObject(ref, "region", "North East");
	cJSON_AddStringToObject(ref, "occupation", "managers");
	cs = cJSON_AddArrayToObject(g, "cohorts");
	for (i = 0; i < ncohorts; i++) {
		cJSON *c = cJSON_CreateObject(), *at, *m, *d, *fl;
		bool small = i % 23 == 7, flag = !small && i % 9 == 4;
		double n = small ? 12 : 200 + floor(rnd() * 4000);

		name(a, sizeof(a), regions, ARRAY_SIZE(regions),
		     (size_t)(i / ncols));
		name(b, sizeof(b), jobs, ARRAY_SIZE(jobs), (size_t)(i % ncols));
		at = cJSON_AddObjectToObject(c, "attributes");
		cJSON_AddStringToObject(at, "region", a);
		cJSON_AddStringToObject(at, "occupation", b);
		cJSON_AddNumberToObject(c, "n", n);
		cJSON_AddBoolToObject(c, "too_small", small);
		m = cJSON_AddObjectToObject(c, "metrics");
		d = cJSON_AddObjectToObject(c, "disparity");
		cJSON_AddItemToObject(m, "n", count(n));
		cJSON_AddItemToObject(m, "tp", count(floor(n * 0.3)));
		cJSON_AddItemToObject(m, "fp", count(floor(n * 0.1)));
		cJSON_AddItemToObject(m, "tn", count(floor(n * 0.5)));
		cJSON_AddItemToObject(m, "fn", count(floor(n * 0.1)));
		for (k = 0; k < ARRAY_SIZE(rates); k++) {
			double v = 0.05 + rnd() * 0.6, r = 0.6 + rnd() * 0.9;
			cJSON *o = cJSON_CreateObject();

			cJSON_AddItemToObject(m, rates[k], interval(v, 0.02));
			cJSON_AddNumberToObject(o, "difference", v - v / r);
			cJSON_AddNumberToObject(o, "diff_low", v - v / r - 0.03);
			cJSON_AddNumberToObject(o, "diff_high", v - v / r + 0.03);
			cJSON_AddNumberToObject(o, "ratio", r);
			cJSON_AddNumberToObject(o, "ratio_low", r * 0.9);
			cJSON_AddNumberToObject(o, "ratio_high", r * 1.1);
			cJSON_AddNumberToObject(o, "p_value", rnd() * 0.01);
			cJSON_AddNumberToObject(o, "p_adjusted", rnd() * 0.05);
			cJSON_AddStringToObject(o, "test", "z");
			cJSON_AddItemToObject(d, rates[k], o);
		}
		fl = cJSON_AddArrayToObject(c, "flags");
		if (flag)
			cJSON_AddItemToArray(fl, cJSON_CreateString("fpr"));
		cJSON_AddItemToArray(cs, c);
	}
	return e;
}

static int bench(int ncohorts, int runs, const char *out_path,
		 double max_ms)
{
	cJSON *e = bench_eval(ncohorts);
	struct html_meta meta;
	struct buf b = BUF_INIT, err = BUF_INIT;
	double *th = xcalloc((size_t)runs, sizeof(double));
	double *tc = xcalloc((size_t)runs, sizeof(double));
	size_t html_bytes = 0, csv_bytes = 0;
	int i, rc = 0;

	memset(&meta, 0, sizeof(meta));
	meta.dataset_name = "synthetic <bench> & co";
	meta.model_name = "model \"bench\"";
	meta.model_version = "1";
	meta.json_href = "/v1/evaluations/ev_bench";
	meta.csv_href = "/v1/evaluations/ev_bench/report?format=csv";
	for (i = 0; i < runs; i++) {
		double t0 = now_seconds();

		buf_reset(&b);
		if (html_render_evaluation(&b, e, &meta, NULL, &err))
			die("%s", err.s);
		th[i] = (now_seconds() - t0) * 1000;
		html_bytes = b.len;
	}
	if (out_path) {
		FILE *f = fopen(out_path, "wb");

		if (!f)
			die("cannot open \"%s\": %s", out_path,
			    strerror(errno));
		write_out(f, &b);
		fclose(f);
	}
	for (i = 0; i < runs; i++) {
		double t0 = now_seconds();

		buf_reset(&b);
		if (csv_render_evaluation(&b, e, &err))
			die("%s", err.s);
		tc[i] = (now_seconds() - t0) * 1000;
		csv_bytes = b.len;
	}
	qsort(th, (size_t)runs, sizeof(double), cmp_double);
	qsort(tc, (size_t)runs, sizeof(double), cmp_double);
	printf("bench: %d cohorts, html %zu bytes, render min %.2f ms, "
	       "median %.2f ms (%d runs)\n", ncohorts, html_bytes, th[0],
	       th[runs / 2], runs);
	printf("bench: %d cohorts, csv %zu bytes, render min %.2f ms, "
	       "median %.2f ms (%d runs)\n", ncohorts, csv_bytes, tc[0],
	       tc[runs / 2], runs);
	if (ncohorts <= 500 && (html_bytes >= BENCH_MAX_BYTES ||
				(max_ms > 0 && th[runs / 2] >= max_ms))) {
		printf("bench: over budget (%d bytes, %.0f ms)\n",
		       BENCH_MAX_BYTES, max_ms);
		rc = 1;
	}
	free(th);
	free(tc);
	buf_release(&b);
	buf_release(&err);
	cJSON_Delete(e);
	return rc;
}

/* ---- main ---- */

static int index_kind(const char *s, enum html_index_kind *k)
{
	static const char *const names[] = {
		"datasets", "models", "evaluations", "bounties" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(s, names[i])) {
			*k = (enum html_index_kind)i;
			return 0;
		}
	}
	return -1;
}

static int int_arg(const char *s)
{
	int64_t v;

	if (parse_i64(s, strlen(s), &v) || v < 1 || v > 1000000)
		die("\"%s\" is not a count between 1 and 1000000", s);
	return (int)v;
}

int main(int argc, char **argv)
{
	struct html_meta meta;
	struct html_options opt;
	struct html_index ix;
	struct buf out = BUF_INIT, err = BUF_INIT;
	const char *path = NULL, *index = NULL, *compare = NULL, *bout = NULL;
	bool csv = false;
	int i, rc, nbench = 0, runs = 20;
	double max_ms = 0;
	cJSON *j;

	memset(&meta, 0, sizeof(meta));
	memset(&opt, 0, sizeof(opt));
	memset(&ix, 0, sizeof(ix));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--csv")) {
			csv = true;
			continue;
		}
		if (a[0] != '-' || a[1] != '-') {
			if (path)
				usage();
			path = a;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--sort")) {
			if (html_sort_parse(v, &opt.sort, &err))
				die("%s", err.s);
		} else if (!strcmp(a, "--dataset")) {
			meta.dataset_name = v;
		} else if (!strcmp(a, "--model")) {
			meta.model_name = v;
		} else if (!strcmp(a, "--model-version")) {
			meta.model_version = v;
		} else if (!strcmp(a, "--created-at")) {
			meta.created_at = v;
		} else if (!strcmp(a, "--json-href")) {
			meta.json_href = v;
		} else if (!strcmp(a, "--csv-href")) {
			meta.csv_href = v;
		} else if (!strcmp(a, "--sort-base")) {
			meta.sort_href_base = v;
		} else if (!strcmp(a, "--index")) {
			index = v;
		} else if (!strcmp(a, "--title")) {
			ix.title = v;
		} else if (!strcmp(a, "--href-prefix")) {
			ix.href_prefix = v;
		} else if (!strcmp(a, "--href-suffix")) {
			ix.href_suffix = v;
		} else if (!strcmp(a, "--compare")) {
			compare = v;
		} else if (!strcmp(a, "--bench")) {
			nbench = int_arg(v);
		} else if (!strcmp(a, "--runs")) {
			runs = int_arg(v);
		} else if (!strcmp(a, "--out")) {
			bout = v;
		} else if (!strcmp(a, "--time-budget")) {
			max_ms = int_arg(v);
		} else {
			usage();
		}
	}
	if (nbench)
		return bench(nbench, runs, bout, max_ms);
	if (compare)
		path = compare;
	if (!path)
		usage();
	j = read_json(path);
	if (index) {
		if (index_kind(index, &ix.kind))
			die("unknown index kind \"%s\"", index);
		rc = html_render_index(&out, &ix, j, &err);
	} else if (compare) {
		rc = html_render_comparison(&out, j, &err);
	} else if (csv) {
		rc = csv_render_evaluation(&out, j, &err);
	} else {
		rc = html_render_evaluation(&out, j, &meta, &opt, &err);
	}
	if (rc)
		die("%s", err.s);
	write_out(stdout, &out);
	cJSON_Delete(j);
	buf_release(&out);
	buf_release(&err);
	return 0;
}
