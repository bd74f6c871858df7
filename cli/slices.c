/*
 * slices.c - `fairaudit slices`: slice discovery on files, the JSON of
 * POST /v1/models/{id}/slices (evaluate/slices.h), with a progress bar on
 * standard error when it is a terminal.
 *
 * Value options become request fields (--max-level L is "max_level": L;
 * numbers where the field is a number); --bins ATTR=E1,E2,... and
 * --attributes-to-search A,B,... build the lists; --no-replicate turns the
 * replication check off.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cli/cli.h"
#include "evaluate/slices.h"
#include "report/json.h"
#include <cjson/cJSON.h>
#include <unistd.h>

static const char slices_usage[] =
	"usage: fairaudit slices --task TASK --truth FILE --predictions FILE\n"
	"                        [--attributes FILE] [--metric M] [--max-level L]\n"
	"                        [--min-support N] [--k K] [--alpha A]\n"
	"                        [--search A,B,...] [--bins ATTR=E1,E2,...]...\n"
	"                        [--threshold T] [--significance S] [--seed N]\n"
	"                        [--no-replicate] [--positive-label L]\n"
	"                        [--negative-label L] [--classes A,B,...]\n"
	"                        [--normalize SPEC] (asr)\n"
	"  The top K slices (conjunctions of attribute = value, at most L of\n"
	"  them) where the model's metric M (error_rate, fpr, fnr, abs_error,\n"
	"  wer) is worst for their size, found by SliceLine, with intervals,\n"
	"  p-values adjusted for every slice evaluated, and a replication on\n"
	"  a held-out half.  Prints JSON.\n";

static const char *const number_fields[] = {
	"max_level", "min_support", "k", "alpha", "threshold", "significance",
	"confidence", "seed",
};

static void progress(void *ctx, const char *phase, unsigned level,
		     uint64_t evaluated, uint64_t candidates)
{
	int pct = candidates ? (int)(100.0 * (double)evaluated /
				     (double)candidates) : 100;
	int bar = pct / 5;

	(void)ctx;
	fprintf(stderr, "\r%-11s level %u [%.*s%*s] %3d%% %llu slices",
		phase, level, bar, "####################", 20 - bar, "", pct,
		(unsigned long long)evaluated);
	fflush(stderr);
}

/* --bins ATTR=E1,E2,... into req.bins; -1 after a message. */
static int add_bins(cJSON *req, const char *spec)
{
	const char *eq = strchr(spec, '=');
	cJSON *bins = cJSON_GetObjectItemCaseSensitive(req, "bins"), *arr;
	char *name;
	const char *s;

	if (!eq || eq == spec || !eq[1]) {
		fprintf(stderr, "fairaudit slices: --bins takes ATTR=E1,E2,...\n");
		return -1;
	}
	if (!bins)
		bins = cJSON_AddObjectToObject(req, "bins");
	name = xstrndup(spec, (size_t)(eq - spec));
	arr = cJSON_CreateArray();
	for (s = eq + 1;;) {
		size_t len = strcspn(s, ",");
		double v;

		if (parse_double(s, len, &v)) {
			fprintf(stderr, "fairaudit slices: --bins %s: \"%.*s\" is "
				"not a number\n", name, (int)len, s);
			free(name);
			cJSON_Delete(arr);
			return -1;
		}
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(v));
		if (!s[len])
			break;
		s += len + 1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(bins, name);
	cJSON_AddItemToObject(bins, name, arr);
	free(name);
	return 0;
}

static int set_option(cJSON *req, struct cli_files *f, const char *opt,
		      const char *val)
{
	struct buf key = BUF_INIT;
	int ret = 0;

	if (!strcmp(opt, "--task"))
		f->task = val;
	else if (!strcmp(opt, "--truth"))
		f->truth = val;
	else if (!strcmp(opt, "--predictions"))
		f->predictions = val;
	else if (!strcmp(opt, "--attributes"))
		f->attributes = val;
	else if (!strcmp(opt, "--positive-label"))
		f->positive = val;
	else if (!strcmp(opt, "--negative-label"))
		f->negative = val;
	else if (!strcmp(opt, "--classes"))
		f->classes = val;
	else if (!strcmp(opt, "--normalize"))
		f->normalize = val;
	else if (!strcmp(opt, "--bins"))
		ret = add_bins(req, val);
	else if (!strcmp(opt, "--metric"))
		cJSON_AddStringToObject(req, "metric", val);
	else if (!strcmp(opt, "--search")) {
		cJSON *arr = cJSON_AddArrayToObject(req, "attributes");

		for (const char *s = val;;) {
			size_t len = strcspn(s, ",");
			char *name = xstrndup(s, len);

			cJSON_AddItemToArray(arr, cJSON_CreateString(name));
			free(name);
			if (!s[len])
				break;
			s += len + 1;
		}
	} else {
		bool known = false;
		double v;

		for (const char *c = opt + 2; *c; c++)
			buf_addch(&key, *c == '-' ? '_' : *c);
		for (size_t i = 0; i < ARRAY_SIZE(number_fields); i++)
			known |= !strcmp(key.s, number_fields[i]);
		if (!known) {
			fprintf(stderr, "fairaudit slices: unknown option %s\n%s",
				opt, slices_usage);
			ret = -1;
		} else if (parse_double(val, strlen(val), &v)) {
			fprintf(stderr, "fairaudit slices: %s needs a number\n",
				opt);
			ret = -1;
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(req, key.s);
			cJSON_AddNumberToObject(req, key.s, v);
		}
	}
	buf_release(&key);
	return ret;
}

int cmd_slices(int argc, char **argv)
{
	struct cli_files f = { 0 };
	struct slices_hooks hooks = { progress, NULL, NULL };
	struct buf err = BUF_INIT;
	struct table t;
	cJSON *req = cJSON_CreateObject(), *out = NULL;
	bool cancelled;
	char *s;
	int ret = 2;

	table_init(&t, TASK_CLASSIFICATION);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(slices_usage, stdout);
			ret = 0;
			goto out;
		}
		if (!strcmp(opt, "--no-replicate")) {
			cJSON_AddFalseToObject(req, "replicate");
			continue;
		}
		if (strncmp(opt, "--", 2) || i + 1 >= argc) {
			fprintf(stderr, "fairaudit slices: %s \"%s\"\n%s",
				strncmp(opt, "--", 2) ? "unknown argument" :
				"missing value for", opt, slices_usage);
			goto out;
		}
		if (set_option(req, &f, opt, argv[++i]))
			goto out;
	}
	if (!f.task || !f.truth || !f.predictions) {
		fprintf(stderr, "fairaudit slices: --task, --truth and "
			"--predictions are required\n%s", slices_usage);
		goto out;
	}
	if ((ret = cli_load_files(&f, &t)))
		goto out;
	ret = 1;
	out = slices_run(&t, NULL, req, isatty(STDERR_FILENO) ? &hooks : NULL,
			 &cancelled, &err);
	if (isatty(STDERR_FILENO))
		fputc('\n', stderr);
	if (!out) {
		fprintf(stderr, "fairaudit slices: %s\n", err.s);
		goto out;
	}
	s = json_print(out);
	if (!s)
		die("could not serialise the slices");
	puts(s);
	free(s);
	ret = 0;
out:
	cJSON_Delete(out);
	cJSON_Delete(req);
	table_release(&t);
	buf_release(&err);
	return ret;
}
