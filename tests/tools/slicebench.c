/*
 * slicebench - time cohorts/sliceline.c on generated data (bench/run.sh).
 *
 *   slicebench ROWS ATTRS [MAX_LEVEL [K [MIN_SUPPORT [ALPHA [SEED]]]]]
 *
 * Attribute a has 2 + (a % 7) values, uniform; each row errs with
 * probability 0.1, 0.4 in the planted slice attr0 = 1 AND attr1 = 0 AND
 * attr2 = 1.  Prints one line of figures (seconds, slices evaluated and
 * pruned, peak RSS) and the top k as JSON lines, for bench/check.py to
 * compare with DataDome sliceline on the same data (--csv FILE writes the
 * data, one row a line: the attributes, then the error).
 */
#include "common/fa.h"
#include "common/util.h"
#include "cohorts/sliceline.h"
#include <sys/resource.h>
#include <time.h>

static uint64_t rng_state;

static uint64_t next_u64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *csv = NULL;
	struct slice_opts o;
	struct slice_data d;
	struct slice_stats st;
	struct slice *top;
	struct buf err = BUF_INIT;
	struct rusage ru;
	size_t n, m, ntop;
	uint32_t **codes, *nv;
	double *e, t0, t1;
	int argi = 1;

	if (argc > 2 && !strcmp(argv[1], "--csv")) {
		csv = argv[2];
		argi = 3;
	}
	if (argc - argi < 2) {
		fprintf(stderr, "usage: slicebench [--csv FILE] ROWS ATTRS "
			"[MAX_LEVEL [K [MIN_SUPPORT [ALPHA [SEED]]]]]\n");
		return 2;
	}
	n = strtoull(argv[argi], NULL, 10);
	m = strtoull(argv[argi + 1], NULL, 10);
	slice_opts_init(&o);
	o.max_level = argc > argi + 2 ? (unsigned)strtoul(argv[argi + 2], NULL, 10) : 3;
	o.k = argc > argi + 3 ? strtoull(argv[argi + 3], NULL, 10) : 4;
	o.min_support = argc > argi + 4 ? strtoull(argv[argi + 4], NULL, 10) :
			n / 100;
	o.alpha = argc > argi + 5 ? strtod(argv[argi + 5], NULL) : 0.95;
	rng_state = argc > argi + 6 ? strtoull(argv[argi + 6], NULL, 10) : 42;
	codes = xmalloc(m * sizeof(*codes));
	nv = xmalloc(m * sizeof(*nv));
	for (size_t a = 0; a < m; a++) {
		nv[a] = (uint32_t)(2 + a % 7);
		codes[a] = xmalloc(n * sizeof(uint32_t));
		for (size_t r = 0; r < n; r++)
			codes[a][r] = (uint32_t)(next_u64() % nv[a]);
	}
	e = xmalloc(n * sizeof(*e));
	for (size_t r = 0; r < n; r++) {
		bool in = m >= 3 && codes[0][r] == 1 && codes[1][r] == 0 &&
			  codes[2][r] == 1;
		double p = in ? 0.4 : 0.1;

		e[r] = (double)(next_u64() >> 11) * 0x1.0p-53 < p;
	}
	if (csv) {
		FILE *f = fopen(csv, "w");

		if (!f)
			die("cannot write %s", csv);
		for (size_t r = 0; r < n; r++) {
			for (size_t a = 0; a < m; a++)
				fprintf(f, "%u,", codes[a][r]);
			fprintf(f, "%d\n", (int)e[r]);
		}
		fclose(f);
	}
	d.nrows = n;
	d.nattrs = m;
	d.codes = (const uint32_t *const *)codes;
	d.nvalues = nv;
	d.err = e;
	d.weight = NULL;
	t0 = seconds();
	if (sliceline_run(&d, &o, &top, &ntop, &st, &err) < 0)
		die("%s", err.s);
	t1 = seconds();
	getrusage(RUSAGE_SELF, &ru);
	printf("rows=%zu attrs=%zu max_level=%u k=%zu min_support=%llu "
	       "seconds=%.3f evaluated=%llu pruned=%llu peak_rss_mb=%.0f\n",
	       n, m, o.max_level, o.k, (unsigned long long)o.min_support,
	       t1 - t0, (unsigned long long)st.evaluated,
	       (unsigned long long)st.pruned, (double)ru.ru_maxrss / 1024);
	for (size_t i = 0; i < ntop; i++) {
		printf("{\"score\": %.17g, \"rows\": %llu, \"errors\": %.17g, "
		       "\"slice\": {", top[i].score,
		       (unsigned long long)top[i].rows, top[i].err);
		for (unsigned j = 0; j < top[i].level; j++)
			printf("%s\"%u\": %u", j ? ", " : "", top[i].attr[j],
			       top[i].value[j]);
		printf("}}\n");
	}
	free(top);
	for (size_t a = 0; a < m; a++)
		free(codes[a]);
	free(codes);
	free(nv);
	free(e);
	buf_release(&err);
	return 0;
}
