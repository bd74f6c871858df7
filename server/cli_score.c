/*
 * cli_score.c - `fairaudit score`: evaluation of local files with no server
 * and no database.
 *
 * The files go through the same parsers and validation as uploads
 * (ingest/load.h), the table through the same engine as the API
 * (report/evaluation.h), and the result through the same renderers, so an
 * offline score and a served evaluation of the same data agree to the last
 * digit.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "server/cli.h"
#include "ingest/load.h"
#include "metrics/alignment.h"
#include "report/evaluation.h"
#include "report/html.h"
#include <cjson/cJSON.h>
#include <time.h>

static const char score_usage[] =
	"usage: fairaudit score --task TASK --truth FILE --predictions FILE\n"
	"                       [--by COLS]... [--reference ATTR=VALUE[,ATTR=VALUE]]...\n"
	"                       [--bins ATTR=E1,E2,...]... [--confidence P]\n"
	"                       [--min-cohort-size N] [--tolerance T] [--significance A]\n"
	"                       [--adjust holm|bh] [--threshold T] [--positive-label L]\n"
	"                       [--normalize SPEC] [--seed N] [--bootstrap N] (asr)\n"
	"                       [--html [--sort severity|name|n]]\n"
	"  TASK is classification, score, regression or asr.  FILE is .csv,\n"
	"  .ndjson/.jsonl, .json or (asr) .trn.  --by accent,gender is one\n"
	"  intersectional grouping; repeat --by for several groupings.\n"
	"  asr: SPEC is sclite (default: ASCII lower-casing, as sclite), none, or\n"
	"  unicode[,fillers=uh|um] (NFKC, case folding, punctuation removed).\n";

/* Align one utterance pair at load time, as the server does at upload. */
static int align_pair(void *ctx, struct table *t, size_t row, const char *ref,
		      size_t ref_len, const char *hyp, size_t hyp_len,
		      struct buf *err)
{
	return aligner_score(ctx, ref, ref_len, hyp, hyp_len, 0, &t->asr[row],
			     err) ? -1 : 0;
}

struct score_args {
	const char *task, *truth, *pred, *positive, *sort, *normalize;
	bool html;
};

int cmd_score(int argc, char **argv)
{
	struct score_args a = { 0 };
	struct eval_params p;
	struct ingest_errors errs;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct table t;
	struct aligner *al = NULL;
	enum task task;
	cJSON *doc = NULL;
	char *s = NULL;
	int ret = 1;

	eval_params_init(&p);
	ingest_errors_init(&errs);
	table_init(&t, TASK_CLASSIFICATION);
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--html")) {
			a.html = true;
			continue;
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(score_usage, stdout);
			ret = 0;
			goto out;
		}
		if (strncmp(opt, "--", 2) || !val) {
			fprintf(stderr, "fairaudit score: %s \"%s\"\n%s",
				val ? "unknown argument" : "missing value for", opt,
				score_usage);
			ret = 2;
			goto out;
		}
		i++;
		if (!strcmp(opt, "--task"))
			a.task = val;
		else if (!strcmp(opt, "--truth"))
			a.truth = val;
		else if (!strcmp(opt, "--predictions"))
			a.pred = val;
		else if (!strcmp(opt, "--positive-label"))
			a.positive = val;
		else if (!strcmp(opt, "--sort"))
			a.sort = val;
		else if (!strcmp(opt, "--normalize"))
			a.normalize = val;
		else if (eval_params_set(&p, opt + 2, val, &err)) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			ret = 2;
			goto out;
		}
	}
	if (!a.task || !a.truth || !a.pred) {
		fprintf(stderr, "fairaudit score: --task, --truth and --predictions"
			" are required\n%s", score_usage);
		ret = 2;
		goto out;
	}
	if (task_parse(a.task, &task)) {
		fprintf(stderr, "fairaudit score: task \"%s\" is not classification,"
			" score, regression or asr\n", a.task);
		ret = 2;
		goto out;
	}
	if (task == TASK_ASR) {
		struct norm_opts no;

		norm_opts_init(&no);
		if (a.normalize && norm_opts_parse(&no, a.normalize,
						   strlen(a.normalize), &err)) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			ret = 2;
			goto out;
		}
		al = aligner_new(&no, &err);
		if (al) {
			struct buf desc = BUF_INIT;

			/* Recorded with the result, as the server records
			   the normalisation of each upload. */
			norm_opts_describe(&no, &desc);
			cJSON_Delete(p.normalize);
			p.normalize = cJSON_CreateString(desc.s);
			buf_release(&desc);
		}
		norm_opts_release(&no);
		if (!al) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			goto out;
		}
	}
	if (load_files_with_pairs(&t, task, a.truth, a.pred, a.positive,
				  al ? align_pair : NULL, al, &errs, &err)) {
		struct buf text = BUF_INIT;

		ingest_errors_text(&errs, &text);
		fprintf(stderr, "fairaudit score: %s\n%s", err.s, text.s);
		buf_release(&text);
		goto out;
	}
	doc = evaluation_run(&t, &p, &err);
	if (!doc) {
		fprintf(stderr, "fairaudit score: %s\n", err.s);
		goto out;
	}
	if (a.html) {
		struct html_options hopt = { HTML_SORT_SEVERITY };
		struct html_meta meta = { 0 };

		if (a.sort && html_sort_parse(a.sort, &hopt.sort, &err)) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			ret = 2;
			goto out;
		}
		meta.dataset_name = a.truth;
		meta.model_name = a.pred;
		if (html_render_evaluation(&out, doc, &meta, &hopt, &err)) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			goto out;
		}
		fwrite(out.s, 1, out.len, stdout);
	} else {
		s = cJSON_PrintUnformatted(doc);
		if (!s)
			die("could not serialise the evaluation");
		fputs(s, stdout);
		fputc('\n', stdout);
	}
	ret = 0;
out:
	free(s);
	cJSON_Delete(doc);
	aligner_free(al);
	table_release(&t);
	eval_params_release(&p);
	ingest_errors_release(&errs);
	buf_release(&err);
	buf_release(&out);
	return ret;
}
