/*
 * score.c - `fairaudit score`: evaluation of local files with no server
 * and no database.
 *
 * The files go through the same parsers and validation as uploads
 * (ingest/load.h), the table through the same engine as the API
 * (evaluate/evaluation.h), and the result through the same renderers, so an
 * offline score and a served evaluation of the same data agree to the last
 * digit.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cli/cli.h"
#include "ingest/load.h"
#include "evaluate/across.h"
#include "metrics/align_batch.h"
#include "evaluate/evaluation.h"
#include "report/html.h"
#include "report/json.h"
#include "evaluate/summary.h"
#include <cjson/cJSON.h>
#include <time.h>

static const char score_usage[] =
	"usage: fairaudit score --task TASK --truth FILE --predictions FILE\n"
	"                       [--by COLS]... [--reference ATTR=VALUE[,ATTR=VALUE]]...\n"
	"                       [--bins ATTR=E1,E2,...]... [--confidence P]\n"
	"                       [--min-cohort-size N] [--min-speakers N] (asr)\n"
	"                       [--tolerance T] [--significance A]\n"
	"                       [--adjust holm|bh] [--threshold T] [--primary M1,M2,...]\n"
	"                       [--condition ATTR=BASELINE] (does a condition hurt some cohorts more)\n"
	"                       [--positive-label L] [--negative-label L] | [--classes A,B,...]\n"
	"                       [--attributes FILE] (more attributes, keyed by id or, asr, speaker)\n"
	"                       [--across-truth FILE --across-predictions FILE\n"
	"                        [--across-attributes FILE]] (the same model on a second\n"
	"                        dataset: each cohort's change, unpaired)\n"
	"                       [--normalize SPEC] [--seed N] [--bootstrap N] (asr)\n"
	"                       [--html [--sort severity|name|n]] [--summary] (asr)\n"
	"  TASK is classification, score, regression or asr.  FILE is .csv,\n"
	"  .ndjson/.jsonl, .json or (asr) .trn.  --by accent,gender is one\n"
	"  intersectional grouping; repeat --by for several groupings.\n"
	"  asr: SPEC is sclite (default: ASCII lower-casing, as sclite), none, or\n"
	"  unicode[,fillers=uh|um] (NFKC, case folding, punctuation removed).\n"
	"  --summary prints sclite's per-speaker summary table instead of the\n"
	"  evaluation (word counts only: no CER, no intervals).\n";

/* The loader's callback: each utterance pair into the alignment batch. */
static int collect_pair(void *ctx, struct table *t, size_t row,
			const char *ref, size_t ref_len, const char *hyp,
			size_t hyp_len, struct buf *err)
{
	return align_batch_add(ctx, t, row, ref, ref_len, hyp, hyp_len, err);
}

struct score_args {
	const char *task, *truth, *pred, *positive, *negative, *classes;
	const char *attributes;
	const char *across_truth, *across_pred, *across_attributes;
	const char *sort, *normalize;
	bool html, summary;
};

/*
 * The label domain of a classification or score task, as the service
 * declares it at dataset creation: binary with --positive-label (default
 * "1") and --negative-label (default "0"), or the --classes list (comma
 * separated) for multi-class classification.  The strings live in *store.
 * 0, or -1 and a sentence in err.
 */
static int score_domain(const struct score_args *a, enum task task,
			struct label_domain *d, char ***store, size_t *nstore,
			struct buf *err)
{
	char **v = NULL;
	size_t n = 0;

	memset(d, 0, sizeof(*d));
	if (a->classes) {
		const char *s = a->classes;

		if (task != TASK_CLASSIFICATION || a->positive || a->negative) {
			buf_adds(err, "--classes is for multi-class "
				 "classification and goes without "
				 "--positive-label and --negative-label");
			return -1;
		}
		for (;;) {
			size_t len = strcspn(s, ",");

			v = xrealloc(v, (n + 1) * sizeof(*v));
			v[n++] = xstrndup(s, len);
			if (!s[len])
				break;
			s += len + 1;
		}
	} else {
		v = xcalloc(2, sizeof(*v));
		v[0] = xstrdup(a->positive ? a->positive : "1");
		v[1] = xstrdup(a->negative ? a->negative : "0");
		n = 2;
		d->binary = true;
	}
	*store = v;
	*nstore = n;
	d->labels = (const char *const *)v;
	d->n = n;
	if (label_domain_check(d, err)) {
		buf_adds(err, a->classes ? " (in --classes)" :
			 " (in --positive-label and --negative-label)");
		return -1;
	}
	return 0;
}

/* A file that could not be loaded: the sentence, then its errors. */
static void print_load_errors(const struct buf *err,
			      const struct ingest_errors *errs)
{
	struct buf text = BUF_INIT;

	ingest_errors_text(errs, &text);
	fprintf(stderr, "fairaudit score: %s\n%s", err->s, text.s);
	buf_release(&text);
}

/*
 * The command line into a and p: -1 to go on, else the exit code (0 after
 * --help, 2 after a message on a bad argument).
 */
static int score_args_parse(int argc, char **argv, struct score_args *a,
			    struct eval_params *p)
{
	struct buf err = BUF_INIT;
	int ret = -1;

	for (int i = 1; i < argc && ret < 0; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--html")) {
			a->html = true;
			continue;
		}
		if (!strcmp(opt, "--summary")) {
			a->summary = true;
			continue;
		}
		if (!strcmp(opt, "--help") || !strcmp(opt, "-h")) {
			fputs(score_usage, stdout);
			ret = 0;
			break;
		}
		if (strncmp(opt, "--", 2) || !val) {
			fprintf(stderr, "fairaudit score: %s \"%s\"\n%s",
				val ? "unknown argument" : "missing value for", opt,
				score_usage);
			ret = 2;
			break;
		}
		i++;
		if (!strcmp(opt, "--task"))
			a->task = val;
		else if (!strcmp(opt, "--truth"))
			a->truth = val;
		else if (!strcmp(opt, "--predictions"))
			a->pred = val;
		else if (!strcmp(opt, "--positive-label"))
			a->positive = val;
		else if (!strcmp(opt, "--negative-label"))
			a->negative = val;
		else if (!strcmp(opt, "--classes"))
			a->classes = val;
		else if (!strcmp(opt, "--attributes"))
			a->attributes = val;
		else if (!strcmp(opt, "--across-truth"))
			a->across_truth = val;
		else if (!strcmp(opt, "--across-predictions"))
			a->across_pred = val;
		else if (!strcmp(opt, "--across-attributes"))
			a->across_attributes = val;
		else if (!strcmp(opt, "--sort"))
			a->sort = val;
		else if (!strcmp(opt, "--normalize"))
			a->normalize = val;
		else if (eval_params_set(p, opt + 2, val, &err)) {
			fprintf(stderr, "fairaudit score: %s\n", err.s);
			ret = 2;
		}
	}
	if (ret < 0 && (!a->task || !a->truth || !a->pred)) {
		fprintf(stderr, "fairaudit score: --task, --truth and --predictions"
			" are required\n%s", score_usage);
		ret = 2;
	}
	if (ret < 0 && (!a->across_truth != !a->across_pred ||
			(a->across_attributes && !a->across_truth))) {
		fprintf(stderr, "fairaudit score: --across-truth and "
			"--across-predictions go together\n%s", score_usage);
		ret = 2;
	}
	if (ret < 0 && a->across_truth && p->cond_attr) {
		fprintf(stderr, "fairaudit score: --across is the condition "
			"\"dataset\"; it goes without --condition\n");
		ret = 2;
	}
	buf_release(&err);
	return ret;
}

/*
 * The aligner for an asr task, with --normalize recorded in p as the
 * server records the normalisation of each upload: 0 (ab to be released),
 * else the exit code after a message (2 for a bad --normalize) and nothing
 * to release.
 */
static int score_aligner(const struct score_args *a, struct eval_params *p,
			 struct align_batch *ab)
{
	struct norm_opts no;
	struct buf err = BUF_INIT, desc = BUF_INIT;
	int ret = 0;

	norm_opts_init(&no);
	if (a->normalize && norm_opts_parse(&no, a->normalize,
					    strlen(a->normalize), &err)) {
		ret = 2;
	} else if (align_batch_init(ab, &no, 0, &err)) {
		align_batch_release(ab);
		ret = 1;
	} else {
		if (a->summary)
			ab->flags = ALIGN_WORDS_ONLY;
		norm_opts_describe(&no, &desc);
		cJSON_Delete(p->normalize);
		p->normalize = cJSON_CreateString(desc.s);
	}
	if (ret)
		fprintf(stderr, "fairaudit score: %s\n", err.s);
	norm_opts_release(&no);
	buf_release(&desc);
	buf_release(&err);
	return ret;
}

/* The evaluation doc on stdout, as JSON or (--html) a report: exit code. */
static int score_print(const struct score_args *a, const cJSON *doc)
{
	struct buf out = BUF_INIT, err = BUF_INIT;
	int ret = 0;

	if (a->html) {
		struct html_options hopt = { HTML_SORT_SEVERITY };
		struct html_meta meta = { 0 };

		meta.dataset_name = a->truth;
		meta.model_name = a->pred;
		if (a->sort && html_sort_parse(a->sort, &hopt.sort, &err))
			ret = 2;
		else if (html_render_evaluation(&out, doc, &meta, &hopt, &err))
			ret = 1;
		else
			fwrite(out.s, 1, out.len, stdout);
		if (ret)
			fprintf(stderr, "fairaudit score: %s\n", err.s);
	} else {
		char *s = json_print(doc);

		if (!s)
			die("could not serialise the evaluation");
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
	}
	buf_release(&out);
	buf_release(&err);
	return ret;
}

/* One set's truth, predictions and attributes into t (initialised). */
static int load_set(struct table *t, enum task task, const char *truth,
		    const char *pred, const char *attributes,
		    const struct score_args *a, const struct label_domain *dom,
		    struct align_batch *ab, struct ingest_errors *errs,
		    struct buf *err)
{
	return load_files_with_pairs(t, task, truth, pred, a->positive, dom,
				     ab ? collect_pair : NULL, ab, errs, err) ||
	       (ab && align_batch_flush(ab, err)) ||
	       (attributes && load_attributes(t, attributes, errs, err));
}

struct score_across {
	char *attr, *label_a;
	cJSON *side_a, *side_b;
};

static cJSON *across_side_json(const char *label, const char *truth,
			       const char *pred, const struct table *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "label", label);
	cJSON_AddStringToObject(o, "truth", truth);
	cJSON_AddStringToObject(o, "predictions", pred);
	cJSON_AddNumberToObject(o, "examples", (double)t->nrows);
	return o;
}

/*
 * --across-truth: t becomes the two sets as one (evaluate/across.h), named
 * by their truth files, and p gets the condition on the dataset.
 */
static int score_across(struct table *t, struct table *tb,
			const struct score_args *a, struct eval_params *p,
			struct score_across *x, struct buf *err)
{
	struct across_side sa = { a->truth, t }, sb = { a->across_truth, tb };
	struct table tc;

	if (across_table(&tc, &sa, &sb, &x->attr, err))
		return -1;
	x->side_a = across_side_json(a->truth, a->truth, a->pred, t);
	x->side_b = across_side_json(a->across_truth, a->across_truth,
				     a->across_pred, tb);
	x->label_a = xstrdup(a->truth);
	table_release(t);
	*t = tc;
	p->cond_attr = xstrdup(x->attr);
	p->cond_baseline = xstrdup(a->truth);
	return 0;
}

int cli_load_files(const struct cli_files *f, struct table *t)
{
	struct score_args a = { 0 };
	struct label_domain dom;
	struct eval_params p;
	struct ingest_errors errs;
	struct align_batch ab;
	struct buf err = BUF_INIT;
	char **dom_store = NULL;
	size_t ndom = 0;
	enum task task;
	bool asr = false;
	int ret = 2;

	a.task = f->task;
	a.truth = f->truth;
	a.pred = f->predictions;
	a.attributes = f->attributes;
	a.positive = f->positive;
	a.negative = f->negative;
	a.classes = f->classes;
	a.normalize = f->normalize;
	eval_params_init(&p);
	ingest_errors_init(&errs);
	if (task_parse(a.task, &task)) {
		fprintf(stderr, "fairaudit: task \"%s\" is not classification,"
			" score, regression or asr\n", a.task);
		goto out;
	}
	if (task == TASK_ASR) {
		if ((ret = score_aligner(&a, &p, &ab)))
			goto out;
		asr = true;
		ret = 2;
	}
	if ((task == TASK_CLASSIFICATION || task == TASK_SCORE) &&
	    score_domain(&a, task, &dom, &dom_store, &ndom, &err)) {
		fprintf(stderr, "fairaudit: %s\n", err.s);
		goto out;
	}
	ret = 1;
	if (load_set(t, task, a.truth, a.pred, a.attributes, &a,
		     ndom ? &dom : NULL, asr ? &ab : NULL, &errs, &err)) {
		print_load_errors(&err, &errs);
		goto out;
	}
	ret = 0;
out:
	if (asr)
		align_batch_release(&ab);
	eval_params_release(&p);
	ingest_errors_release(&errs);
	for (size_t i = 0; i < ndom; i++)
		free(dom_store[i]);
	free(dom_store);
	buf_release(&err);
	return ret;
}

int cmd_score(int argc, char **argv)
{
	struct score_args a = { 0 };
	struct label_domain dom;
	char **dom_store = NULL;
	size_t ndom = 0;
	struct eval_params p;
	struct ingest_errors errs;
	struct buf err = BUF_INIT, out = BUF_INIT;
	struct table t, tb;
	struct align_batch ab;
	struct score_across across = { 0 };
	bool asr = false;
	enum task task;
	cJSON *doc = NULL;
	int ret;

	eval_params_init(&p);
	ingest_errors_init(&errs);
	table_init(&t, TASK_CLASSIFICATION);
	table_init(&tb, TASK_CLASSIFICATION);
	ret = score_args_parse(argc, argv, &a, &p);
	if (ret >= 0)
		goto out;
	ret = 2;
	if (task_parse(a.task, &task)) {
		fprintf(stderr, "fairaudit score: task \"%s\" is not classification,"
			" score, regression or asr\n", a.task);
		goto out;
	}
	if (a.summary && task != TASK_ASR) {
		fprintf(stderr, "fairaudit score: --summary is for asr\n");
		goto out;
	}
	/*
	 * Tables built on at most two threads, then read: one heap advised
	 * for huge pages (common/fa.h).  Not for asr, whose aligners
	 * allocate on every core.
	 */
	if (task != TASK_ASR)
		fa_memory_setup();
	if (task == TASK_ASR) {
		ret = score_aligner(&a, &p, &ab);
		if (ret)
			goto out;
		asr = true;
	}
	if ((task == TASK_CLASSIFICATION || task == TASK_SCORE) &&
	    score_domain(&a, task, &dom, &dom_store, &ndom, &err)) {
		fprintf(stderr, "fairaudit score: %s\n", err.s);
		ret = 2;
		goto out;
	}
	ret = 1;
	if (load_set(&t, task, a.truth, a.pred, a.attributes, &a,
		     ndom ? &dom : NULL, asr ? &ab : NULL, &errs, &err) ||
	    (a.across_truth &&
	     (load_set(&tb, task, a.across_truth, a.across_pred,
		       a.across_attributes, &a, ndom ? &dom : NULL,
		       asr ? &ab : NULL, &errs, &err) ||
	      score_across(&t, &tb, &a, &p, &across, &err)))) {
		print_load_errors(&err, &errs);
		goto out;
	}
	if (a.summary) {
		summary_render(&out, &t, a.pred);
		fwrite(out.s, 1, out.len, stdout);
		ret = 0;
		goto out;
	}
	doc = evaluation_run(&t, &p, &err);
	if (!doc) {
		fprintf(stderr, "fairaudit score: %s\n", err.s);
		goto out;
	}
	if (across.attr) {
		across_describe(doc, across.attr, across.label_a,
				across.side_a, across.side_b);
		across.side_a = across.side_b = NULL;
	}
	ret = score_print(&a, doc);
out:
	cJSON_Delete(doc);
	if (asr)
		align_batch_release(&ab);
	table_release(&t);
	table_release(&tb);
	free(across.attr);
	free(across.label_a);
	cJSON_Delete(across.side_a);
	cJSON_Delete(across.side_b);
	eval_params_release(&p);
	ingest_errors_release(&errs);
	for (size_t i = 0; i < ndom; i++)
		free(dom_store[i]);
	free(dom_store);
	buf_release(&err);
	buf_release(&out);
	return ret;
}
