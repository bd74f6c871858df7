/*
 * csvbench - throughput of the CSV upload path.
 *
 *	csvbench [rows]		(default 1000000)
 *
 * Generates a CSV of `rows` rows in memory (id, label, accent, gender,
 * prediction; a few quoted fields, as exporters write them) and times,
 * feeding 1 MiB chunks as the server and the CLI do:
 *   parse      the CSV parser alone, records counted;
 *   validate   parse plus the examples-upload checks of a score dataset
 *              (unique ids, binary labels, three attribute columns),
 *              every row emitted to an empty callback.
 * Each is run five times; the best time is reported as rows/s and MB/s.
 * Exits 1 if anything was rejected.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "ingest/csv.h"
#include "ingest/upload.h"

#define CHUNK (1u << 20)

static uint64_t records;

static void count_record(void *ctx, const struct ingest_record *r)
{
	records++;
}

static void count_row(void *ctx, const struct upload_row *r)
{
	records++;
}

static void generate(struct buf *b, size_t rows)
{
	static const char *const accents[] = {
		"us", "uk", "scottish", "\"welsh, north\"", "indian", "nigerian",
	};
	uint64_t s = 12345;

	buf_adds(b, "id,label,accent,gender,prediction\n");
	for (size_t i = 0; i < rows; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		buf_addf(b, "utt-%zu,%u,%s,%s,0.%03u\n", i,
			 (unsigned)(s >> 40) & 1,
			 accents[(s >> 20) % ARRAY_SIZE(accents)],
			 (s >> 30) & 1 ? "female" : "male",
			 (unsigned)((s >> 45) % 1000));
	}
}

static double run_parse(const struct buf *in)
{
	struct ingest_sink sink = { NULL, count_record, NULL };
	struct ingest_errors errs;
	struct csv_parser *p;
	double t0 = now_seconds();

	ingest_errors_init(&errs);
	records = 0;
	p = csv_parser_new(&sink, &errs);
	for (size_t at = 0; at < in->len; at += CHUNK)
		csv_parser_feed(p, in->s + at,
				in->len - at < CHUNK ? in->len - at : CHUNK);
	csv_parser_finish(p);
	csv_parser_free(p);
	t0 = now_seconds() - t0;
	if (errs.total)
		die("parse: %llu errors", (unsigned long long)errs.total);
	ingest_errors_release(&errs);
	return t0;
}

static double run_validate(const struct buf *in)
{
	struct upload_params params;
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct upload *u;
	double t0 = now_seconds();

	memset(&params, 0, sizeof(params));
	params.task = TASK_SCORE;
	params.kind = UPLOAD_EXAMPLES;
	params.format = INGEST_CSV;
	params.row = count_row;
	ingest_errors_init(&errs);
	records = 0;
	u = upload_new(&params, &errs, &err);
	if (!u)
		die("%s", err.s);
	for (size_t at = 0; at < in->len; at += CHUNK)
		upload_feed(u, in->s + at,
			    in->len - at < CHUNK ? in->len - at : CHUNK);
	if (upload_finish(u)) {
		struct buf txt = BUF_INIT;

		ingest_errors_text(&errs, &txt);
		die("validate: %s", txt.s);
	}
	upload_free(u);
	t0 = now_seconds() - t0;
	ingest_errors_release(&errs);
	return t0;
}

static void report(const char *what, double best, size_t rows, size_t bytes)
{
	if (records != rows)
		die("%s: %llu rows out of %zu", what,
		    (unsigned long long)records, rows);
	printf("%-9s %8.3f s  %6.2f M rows/s  %7.1f MB/s\n", what, best,
	       rows / best / 1e6, bytes / best / 1e6);
}

int main(int argc, char **argv)
{
	struct buf in = BUF_INIT;
	size_t rows = 1000000;
	double best;
	int64_t v;

	if (argc > 1) {
		if (parse_i64(argv[1], strlen(argv[1]), &v) || v < 1)
			die("usage: csvbench [rows]");
		rows = (size_t)v;
	}
	generate(&in, rows);
	printf("csvbench: %zu rows, 5 columns, %.1f MB\n", rows, in.len / 1e6);

	best = 1e9;
	for (int i = 0; i < 5; i++)
		best = fmin(best, run_parse(&in));
	report("parse", best, rows, in.len);

	best = 1e9;
	for (int i = 0; i < 5; i++)
		best = fmin(best, run_validate(&in));
	report("validate", best, rows, in.len);

	buf_release(&in);
	return 0;
}
