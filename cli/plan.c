/*
 * plan.c - `fairaudit plan`: the examples (or speakers) a cohort needs to
 * detect a disparity, as POST /v1/plan answers (evaluate/plan.h).
 *
 * Every --name value option becomes the request field name (dashes as
 * underscores), so the command line and the API take the same fields.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cli/cli.h"
#include "evaluate/plan.h"
#include "report/json.h"
#include <cjson/cJSON.h>

static const char plan_usage[] =
	"usage: fairaudit plan --base-rate P [--ratio R] [--cohorts N]\n"
	"                      [--significance A] [--power Q]\n"
	"                      [--utterances-per-speaker M [--words-per-utterance W]\n"
	"                       [--icc RHO]] (speech)\n"
	"       fairaudit plan --evaluation FILE [--grouping G] [--metric NAME]\n"
	"                      [any option above]\n"
	"  The examples a cohort (and the reference) need for the z-test of\n"
	"  their rates to detect the ratio R (default 1.25) with power Q\n"
	"  (0.8) at significance A (0.05) over N cohorts; for speech also the\n"
	"  speakers, with the design effect 1 + (M W - 1) RHO.  With an\n"
	"  evaluation (the JSON of fairaudit score or the service), the\n"
	"  figures not given are its own: the reference cohort's rate and,\n"
	"  for speech, its speakers' sizes and the intra-speaker correlation\n"
	"  its bootstrap implies.  Prints JSON.\n";

/* The evaluation document in path, or NULL after saying why. */
static cJSON *read_evaluation(const char *path)
{
	struct buf text = BUF_INIT;
	cJSON *doc = NULL;
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f) {
		fprintf(stderr, "fairaudit plan: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	if (ferror(f))
		fprintf(stderr, "fairaudit plan: cannot read %s: %s\n", path,
			strerror(errno));
	else if (!(doc = cJSON_ParseWithLength(text.s ? text.s : "",
					       text.len)) ||
		 !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc,
								 "params")))
		fprintf(stderr, "fairaudit plan: %s is not an evaluation's "
			"JSON\n", path);
	else
		goto out;
	cJSON_Delete(doc);
	doc = NULL;
out:
	fclose(f);
	buf_release(&text);
	return doc;
}

int cmd_plan(int argc, char **argv)
{
	cJSON *req = cJSON_CreateObject(), *out = NULL, *ev = NULL;
	struct buf err = BUF_INIT, key = BUF_INIT;
	char *s;
	int ret = 2;

	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];
		double v;

		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(plan_usage, stdout);
			ret = 0;
			goto out;
		}
		if ((!strcmp(opt, "--evaluation") || !strcmp(opt, "--metric")) &&
		    i + 1 < argc) {
			if (opt[2] == 'm') {
				cJSON_DeleteItemFromObjectCaseSensitive(req,
								       "metric");
				cJSON_AddStringToObject(req, "metric",
							argv[++i]);
			} else {
				cJSON_Delete(ev);
				if (!(ev = read_evaluation(argv[++i])))
					goto out;
			}
			continue;
		}
		if (strncmp(opt, "--", 2) || i + 1 >= argc ||
		    parse_double(argv[i + 1], strlen(argv[i + 1]), &v)) {
			fprintf(stderr, "fairaudit plan: %s \"%s\" needs a "
				"number\n%s", strncmp(opt, "--", 2) ?
				"unknown argument" : "option", opt, plan_usage);
			goto out;
		}
		buf_reset(&key);
		for (const char *c = opt + 2; *c; c++)
			buf_addch(&key, *c == '-' ? '_' : *c);
		cJSON_DeleteItemFromObjectCaseSensitive(req, key.s);
		cJSON_AddNumberToObject(req, key.s, v);
		i++;
	}
	out = plan_run(req, ev, &err);
	if (!out) {
		fprintf(stderr, "fairaudit plan: %s\n", err.s);
		goto out;
	}
	s = json_print(out);
	if (!s)
		die("could not serialise the plan");
	puts(s);
	free(s);
	ret = 0;
out:
	cJSON_Delete(ev);
	cJSON_Delete(req);
	cJSON_Delete(out);
	buf_release(&err);
	buf_release(&key);
	return ret;
}
