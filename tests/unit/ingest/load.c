/*
 * Unit tests for ingest/load.c: truth and prediction files of every format
 * and task into a table, the asr pair callback, and failures (bad data,
 * unreadable files, unknown extensions) leaving an empty table.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "common/buf.h"
#include "ingest/load.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/fa-ingest-load-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(dir);
}

/* Write a file in the test directory; returns its path (static buffer). */
static const char *put(char *path, size_t cap, const char *name,
		       const char *content)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, strlen(content), f),
			 strlen(content));
	fclose(f);
	return path;
}

static const char *cls(const struct table *t, uint32_t code)
{
	return strmap_str(&t->classes, code);
}

static const char *attr(const struct table *t, size_t a, size_t row)
{
	return strmap_str(&t->attrs[a].dict, t->attrs[a].codes[row]);
}

static void test_load__classification_csv(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "truth.csv",
	    "id,label,accent,age\nx1,1,us,30\nx2,0,,45\nx3,1,uk,30\n");
	put(pp, sizeof(pp), "pred.csv",
	    "id,prediction\nx3,0\nx1,1\nx2,2\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_CLASSIFICATION, tp, pp, NULL,
				    &errs, &err), 0);
	assert_int_equal(errs.total, 0);
	assert_int_equal(err.len, 0);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(strmap_str(&t.ids, 0), "x1");
	assert_string_equal(strmap_str(&t.ids, 2), "x3");
	assert_string_equal(cls(&t, t.label[0]), "1");
	assert_string_equal(cls(&t, t.label[1]), "0");
	assert_string_equal(cls(&t, t.pred[0]), "1");
	assert_string_equal(cls(&t, t.pred[1]), "2");
	assert_string_equal(cls(&t, t.pred[2]), "0");
	assert_string_equal(cls(&t, (uint32_t)t.positive), "1");
	assert_int_equal(t.classes.n, 3);
	assert_int_equal(t.nattrs, 2);
	assert_string_equal(t.attrs[0].name, "accent");
	assert_string_equal(attr(&t, 0, 0), "us");
	assert_string_equal(attr(&t, 0, 1), "");
	assert_string_equal(attr(&t, 1, 1), "45");
	assert_false(t.attrs[0].numeric);
	assert_true(t.attrs[1].numeric);
	assert_null(t.pred_num);
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
}

/* Multi-class labels without the positive label: no positive class. */
static void test_load__classification_no_positive(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "t.jsonl", "{\"id\":\"a\",\"label\":\"cat\"}\n"
	    "{\"id\":\"b\",\"label\":\"dog\"}\n");
	put(pp, sizeof(pp), "p.json", "[{\"id\":\"b\",\"prediction\":\"cat\"},"
	    "{\"id\":\"a\",\"prediction\":\"bird\"}]");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_CLASSIFICATION, tp, pp, NULL,
				    &errs, &err), 0);
	assert_int_equal(t.positive, -1);
	assert_int_equal(t.classes.n, 3);
	assert_string_equal(cls(&t, t.pred[0]), "bird");
	assert_false(table_is_binary(&t));
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
}

static void test_load__score_json(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "t.ndjson",
	    "{\"id\":\"a\",\"label\":\"no\",\"g\":\"f\"}\n"
	    "{\"id\":\"b\",\"label\":\"yes\",\"g\":\"m\"}\n"
	    "{\"id\":\"c\",\"label\":\"no\"}\n");
	put(pp, sizeof(pp), "p.json", "[{\"id\":\"c\",\"prediction\":0.75},"
	    "{\"id\":\"a\",\"prediction\":0},{\"id\":\"b\",\"prediction\":1}]");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_SCORE, tp, pp, "yes", &errs,
				    &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(cls(&t, (uint32_t)t.positive), "yes");
	assert_int_equal(t.label[1], t.positive);
	assert_true(t.label[0] != (uint32_t)t.positive);
	assert_int_equal(t.label[0], t.label[2]);
	assert_true(t.pred_num[0] == 0 && t.pred_num[1] == 1 &&
		    t.pred_num[2] == 0.75);
	assert_string_equal(attr(&t, 0, 2), "");
	assert_true(table_is_binary(&t));
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
}

static void test_load__regression_csv(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "t.csv", "id,label\na,1.5\nb,-2\n");
	put(pp, sizeof(pp), "p.csv", "id,prediction\nb,-2.25\na,1e1\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_REGRESSION, tp, pp, NULL, &errs,
				    &err), 0);
	assert_true(t.label_num[0] == 1.5 && t.label_num[1] == -2);
	assert_true(t.pred_num[0] == 10 && t.pred_num[1] == -2.25);
	assert_int_equal(t.nattrs, 0);
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
}

struct pairs {
	struct buf log;
	int fail_at;
	int calls;
};

static int pair_cb(void *ctx, struct table *t, size_t row, const char *ref,
		   size_t ref_len, const char *hyp, size_t hyp_len,
		   struct buf *err)
{
	struct pairs *p = ctx;

	if (++p->calls == p->fail_at) {
		buf_adds(err, "cannot align the utterance");
		return -1;
	}
	buf_addf(&p->log, "%zu:%.*s|%.*s;", row, (int)ref_len, ref,
		 (int)hyp_len, hyp);
	t->asr[row].ref_words = (uint32_t)ref_len;
	return 0;
}

static void test_load__asr_trn(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct pairs pr = { BUF_INIT, 0, 0 };
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "ref.trn", ";; reference\nhello world (spk1-u1)\n"
	    "good (morning) (spk2_u2)\n(spk1-u3)\n");
	put(pp, sizeof(pp), "hyp.trn", "morning (spk2_u2)\nhello word "
	    "(spk1-u1)\nuh (spk1-u3)\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files_with_pairs(&t, TASK_ASR, tp, pp, NULL, NULL,
					       pair_cb, &pr, &errs, &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(pr.log.s, "1:good (morning)|morning;"
			    "0:hello world|hello word;2:|uh;");
	assert_int_equal(t.asr[0].ref_words, 11);
	assert_int_equal(t.nattrs, 1);
	assert_string_equal(t.attrs[0].name, "speaker");
	assert_string_equal(attr(&t, 0, 1), "spk2");
	assert_string_equal(strmap_str(&t.speakers, t.speaker[0]), "spk1");
	assert_string_equal(strmap_str(&t.speakers, t.speaker[1]), "spk2");
	assert_int_equal(t.speaker[0], t.speaker[2]);
	table_release(&t);

	/* without a callback the texts are not needed and counts stay 0 */
	assert_int_equal(load_files(&t, TASK_ASR, tp, pp, NULL, &errs, &err),
			 0);
	assert_int_equal(t.asr[0].ref_words, 0);
	table_release(&t);

	/* a failing callback fails the load */
	buf_reset(&pr.log);
	pr.calls = 0;
	pr.fail_at = 2;
	assert_int_equal(load_files_with_pairs(&t, TASK_ASR, tp, pp, NULL, NULL,
					       pair_cb, &pr, &errs, &err), -1);
	assert_string_equal(err.s, "cannot align the utterance");
	assert_int_equal(pr.calls, 2);
	assert_int_equal(t.nrows, 0);
	assert_int_equal(errs.total, 0);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
	buf_release(&pr.log);
}

/* The pairs of loading tp (truth) and pp into log. */
static void asr_pairs(const char *tp, const char *pp, struct buf *log)
{
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct pairs pr = { BUF_INIT, 0, 0 };
	struct table t;

	ingest_errors_init(&errs);
	assert_int_equal(load_files_with_pairs(&t, TASK_ASR, tp, pp, NULL, NULL,
					       pair_cb, &pr, &errs, &err), 0);
	buf_add(log, pr.log.s, pr.log.len);
	table_release(&t);
	ingest_errors_release(&errs);
	buf_release(&err);
	buf_release(&pr.log);
}

/*
 * A regular truth file is mapped and its texts are kept as places in it;
 * texts that are not in it (the last line, without LF; a CSV field with
 * doubled quotes) are copied.  A FIFO cannot be mapped and is read in
 * chunks.  Both ways give the same references.
 */
static void test_load__asr_references_mapped_or_read(void **state)
{
	static const char *const truths[][2] = {
		{ "ref.trn", "\xef\xbb\xbfhello world (s1-u1)\r\n"
			     "good (morning) (s2_u2)\n(s1-u3)\nlast one (s1-u4)" },
		{ "ref.csv", "id,reference\nu1,\"say \"\"hi\"\"\"\nu2,plain\n"
			     "u3,\"a, b\"\nu4,tail" },
	};
	static const char *const hyps[] = {
		"morning (s2_u2)\nhello word (s1-u1)\nuh (s1-u3)\nx (s1-u4)\n",
		"id,hypothesis\nu4,t\nu3,a b\nu2,p\nu1,say hi\n",
	};
	static const char *const want[] = {
		"1:good (morning)|morning;0:hello world|hello word;2:|uh;"
		"3:last one|x;",
		"3:tail|t;2:a, b|a b;1:plain|p;0:say \"hi\"|say hi;",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(truths); i++) {
		char tp[128], pp[128], fifo[128];
		struct buf mapped = BUF_INIT, read = BUF_INIT;
		pid_t pid;

		put(tp, sizeof(tp), truths[i][0], truths[i][1]);
		put(pp, sizeof(pp), i ? "hyp.csv" : "hyp.trn", hyps[i]);
		asr_pairs(tp, pp, &mapped);
		assert_string_equal(mapped.s, want[i]);

		snprintf(fifo, sizeof(fifo), "%s/fifo%s", dir,
			 i ? ".csv" : ".trn");
		assert_int_equal(mkfifo(fifo, 0600), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			FILE *f = fopen(fifo, "wb");

			if (!f)
				_exit(1);
			fputs(truths[i][1], f);
			_exit(fclose(f) ? 1 : 0);
		}
		asr_pairs(fifo, pp, &read);
		assert_int_equal(waitpid(pid, NULL, 0), pid);
		assert_string_equal(read.s, want[i]);
		unlink(fifo);
		unlink(tp);
		unlink(pp);
		buf_release(&mapped);
		buf_release(&read);
	}
}

static void test_load__asr_csv(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct pairs pr = { BUF_INIT, 0, 0 };
	struct table t;

	(void)state;
	/* the first reference is empty: nothing stored yet when it comes */
	put(tp, sizeof(tp), "ref.csv", "id,reference,speaker,accent\n"
	    "u0,,s0,fr\nu1,\"a, b\",s1,us\nu2,c,,uk\n");
	put(pp, sizeof(pp), "hyp.csv", "id,hypothesis\nu1,a b\nu2,\nu0,x\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files_with_pairs(&t, TASK_ASR, tp, pp, NULL, NULL,
					       pair_cb, &pr, &errs, &err), 0);
	assert_string_equal(pr.log.s, "1:a, b|a b;2:c|;0:|x;");
	assert_int_equal(t.nattrs, 2);
	assert_string_equal(t.attrs[0].name, "accent");
	assert_string_equal(t.attrs[1].name, "speaker");
	assert_string_equal(attr(&t, 0, 2), "uk");
	assert_string_equal(attr(&t, 1, 1), "s1");
	assert_string_equal(attr(&t, 1, 2), "");
	assert_int_equal(t.speaker[2], UINT32_MAX);
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
	buf_release(&pr.log);
}

static void test_load__failures(void **state)
{
	static const struct {
		const char *name;
		enum task task;
		const char *truth_name, *truth;
		const char *pred_name, *pred;
		const char *err;	/* after the directory name, if any */
		const char *first;	/* first listed error, "row: reason" */
		uint64_t total;
	} cases[] = {
		{ "truth error", TASK_CLASSIFICATION,
		  "t.csv", "id,label\na,x\na,y\n", "p.csv", "id,prediction\n",
		  "cannot load the truth file \"%s/t.csv\": 1 error",
		  "3: duplicate id: the same id as on row 2", 1 },
		{ "prediction coverage", TASK_CLASSIFICATION,
		  "t.csv", "id,label\na,x\nb,y\n", "p.csv",
		  "id,prediction\nb,x\n",
		  "cannot load the prediction file \"%s/p.csv\": 1 error",
		  "0: example \"a\" (example 1 of the dataset) has no "
		  "prediction; a prediction upload must cover every example",
		  1 },
		{ "prediction errors", TASK_SCORE,
		  "t.csv", "id,label\na,1\nb,0\n", "p.csv",
		  "id,prediction\na,7\nb,x\n",
		  "cannot load the prediction file \"%s/p.csv\": 2 errors",
		  "2: prediction \"7\" is outside [0, 1] (a score prediction "
		  "is a probability)", 2 },
		{ "unknown prediction id", TASK_CLASSIFICATION,
		  "t.csv", "id,label\na,x\nb,y\n", "p.csv",
		  "id,prediction\na,x\nc,y\n",
		  "cannot load the prediction file \"%s/p.csv\": 2 errors",
		  "3: unknown example id \"c\" (the dataset has no example "
		  "with it)", 2 },
		{ "repeated prediction id", TASK_REGRESSION,
		  "t.csv", "id,label\na,1\nb,2\n", "p.csv",
		  "id,prediction\nb,1\nb,2\n",
		  "cannot load the prediction file \"%s/p.csv\": 2 errors",
		  "3: duplicate id \"b\" (an earlier row of this upload has "
		  "it)", 2 },
		{ "more predictions than examples", TASK_SCORE,
		  "t.csv", "id,label\na,1\n", "p.csv",
		  "id,prediction\na,0.5\nb,0.5\n",
		  "cannot load the prediction file \"%s/p.csv\": 1 error",
		  "3: unknown example id \"b\" (the dataset has no example "
		  "with it)", 1 },
		{ "unknown extension", TASK_CLASSIFICATION,
		  "t.txt", "id,label\n", "p.csv", "",
		  "cannot tell the format of \"%s/t.txt\" from its extension "
		  "(expected .csv, .ndjson, .jsonl, .json or .trn)", NULL, 0 },
		{ "trn for classification", TASK_CLASSIFICATION,
		  "t.trn", "a (s-1)\n", "p.csv", "",
		  "cannot read sclite trn input for a classification dataset "
		  "(trn is for asr only)", NULL, 0 },
		{ "missing prediction file", TASK_REGRESSION,
		  "t.csv", "id,label\na,1\n", NULL, NULL,
		  "cannot open the prediction file \"%s/missing.csv\": No such "
		  "file or directory", NULL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char tp[128], pp[128], want[512], first[512];
		struct ingest_errors errs;
		struct buf err = BUF_INIT;
		struct table t;

		print_message("# case %s\n", cases[i].name);
		put(tp, sizeof(tp), cases[i].truth_name, cases[i].truth);
		if (cases[i].pred)
			put(pp, sizeof(pp), cases[i].pred_name, cases[i].pred);
		else
			snprintf(pp, sizeof(pp), "%s/missing.csv", dir);
		ingest_errors_init(&errs);
		assert_int_equal(load_files(&t, cases[i].task, tp, pp, NULL,
					    &errs, &err), -1);
		snprintf(want, sizeof(want), cases[i].err, dir);
		assert_string_equal(err.s, want);
		assert_int_equal(errs.total, cases[i].total);
		if (cases[i].first) {
			snprintf(first, sizeof(first), "%llu: %s",
				 (unsigned long long)errs.v[0].row,
				 errs.v[0].reason);
			assert_string_equal(first, cases[i].first);
		}
		assert_int_equal(t.nrows, 0);
		assert_int_equal(t.nattrs, 0);
		table_release(&t);
		unlink(tp);
		if (cases[i].pred)
			unlink(pp);
		ingest_errors_release(&errs);
		buf_release(&err);
	}
}

/*
 * Predictions in another order than the examples, joined after both files
 * were read at once: each lands on its example, and values new to the
 * table get their codes in the order the prediction file first has them,
 * as an upload checked row by row gives them.
 */
static void test_load__predictions_in_another_order(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "t.csv", "id,label\na,x\nb,y\nc,x\n");
	put(pp, sizeof(pp), "p.csv", "id,prediction\nc,w\nb,z\na,y\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_CLASSIFICATION, tp, pp, NULL,
				    &errs, &err), 0);
	assert_int_equal(t.nrows, 3);
	assert_string_equal(cls(&t, t.pred[0]), "y");
	assert_string_equal(cls(&t, t.pred[1]), "z");
	assert_string_equal(cls(&t, t.pred[2]), "w");
	assert_int_equal(t.classes.n, 4);
	assert_string_equal(cls(&t, 2), "w");
	assert_string_equal(cls(&t, 3), "z");
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
}

/* Files larger than one read chunk. */
static void test_load__large_files(void **state)
{
	char tp[128], pp[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct table t;
	const size_t n = 120000;

	(void)state;
	buf_adds(&a, "id,label,group\n");
	buf_adds(&b, "id,prediction\n");
	for (size_t i = 0; i < n; i++) {
		buf_addf(&a, "example-%zu,%zu,\"group %zu\"\n", i, i % 2, i % 7);
		buf_addf(&b, "example-%zu,0.%zu\n", n - 1 - i, i % 10);
	}
	assert_true(a.len > (1u << 20) && b.len > (1u << 20));
	put(tp, sizeof(tp), "big.csv", a.s);
	put(pp, sizeof(pp), "bigp.csv", b.s);
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_SCORE, tp, pp, NULL, &errs, &err),
			 0);
	assert_int_equal(t.nrows, n);
	assert_int_equal(t.attrs[0].dict.n, 8);
	assert_string_equal(attr(&t, 0, 9), "group 2");
	assert_true(t.pred_num[n - 1] == 0);
	assert_true(t.pred_num[n - 2] == 0.1);
	table_release(&t);
	unlink(tp);
	unlink(pp);
	ingest_errors_release(&errs);
	buf_release(&err);
	buf_release(&a);
	buf_release(&b);
}

/*
 * Two loads of one table's rows agree in everything an evaluation reads:
 * ids in order, class, attribute value and speaker codes with the
 * strings behind them, numbers.
 */
static void assert_same_table(const struct table *a, const struct table *b)
{
	assert_int_equal(a->task, b->task);
	assert_int_equal(a->nrows, b->nrows);
	assert_int_equal(a->ids.n, b->ids.n);
	assert_int_equal(a->classes.n, b->classes.n);
	assert_int_equal(a->positive, b->positive);
	assert_int_equal(a->nattrs, b->nattrs);
	for (uint32_t k = 0; k < a->classes.n; k++)
		assert_string_equal(cls(a, k), cls(b, k));
	for (size_t r = 0; r < a->nrows; r++) {
		assert_string_equal(strmap_str(&a->ids, (uint32_t)r),
				    strmap_str(&b->ids, (uint32_t)r));
		if (a->label)
			assert_int_equal(a->label[r], b->label[r]);
		if (a->pred)
			assert_int_equal(a->pred[r], b->pred[r]);
		if (a->label_num)
			assert_true(a->label_num[r] == b->label_num[r]);
		if (a->pred_num)
			assert_true(a->pred_num[r] == b->pred_num[r]);
	}
	for (size_t i = 0; i < a->nattrs; i++) {
		const struct attr_col *x = &a->attrs[i], *y = &b->attrs[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->dict.n, y->dict.n);
		for (uint32_t k = 0; k < x->dict.n; k++)
			assert_string_equal(strmap_str(&x->dict, k),
					    strmap_str(&y->dict, k));
		assert_memory_equal(x->codes, y->codes,
				    a->nrows * sizeof(*x->codes));
		assert_int_equal(x->numeric, y->numeric);
	}
}

/*
 * A truth file of n rows: values first met in the second half (a class,
 * attribute values, numbers), empty values in both halves; quoted, the
 * first row's accent is the quoted "a", which is a, and keeps the file
 * from being read in two parts.  eol ends every line.
 */
static void two_part_truth(struct buf *b, size_t n, bool quoted,
			   const char *eol)
{
	buf_reset(b);
	buf_addf(b, "id,label,accent,size%s", eol);
	for (size_t i = 0; i < n; i++) {
		bool late = i > n * 9 / 10;
		const char *accent = i % 5 == 0 ? "" : late && i % 3 == 0 ?
				     "late" : i % 2 ? "b" : "a";

		if (!i && quoted)
			accent = "\"a\"";
		else if (!i)
			accent = "a";
		buf_addf(b, "row%06zu,%s,%s,%zu%s", i,
			 late && i % 7 == 0 ? "z" : i % 2 ? "x" : "y", accent,
			 late ? 1000 + i % 11 : i % 13, eol);
	}
}

static int load_text(struct table *t, enum task task, const char *truth,
		     const char *pred, struct ingest_errors *errs,
		     struct buf *err)
{
	char tp[128], pp[128];
	int ret;

	put(tp, sizeof(tp), "parts.csv", truth);
	put(pp, sizeof(pp), "partsp.csv", pred);
	ret = load_files(t, task, tp, pp, NULL, errs, err);
	unlink(tp);
	unlink(pp);
	return ret;
}

/*
 * A large truth file without a quote is read in two parts at once with
 * the predictions (load_split_point() says where): the table, and every
 * error, are those of reading it whole, which a quote forces.  Errors
 * that only the whole file shows: an id in both parts, and blank lines
 * before the split point followed by rows.
 */
static void test_load__truth_in_two_parts(void **state)
{
	const size_t n = 40000;
	struct buf whole = BUF_INIT, parts = BUF_INIT, pred = BUF_INIT;
	static const char *const eols[] = { "\n", "\r\n" };
	size_t head;

	(void)state;
	buf_adds(&pred, "id,prediction\n");
	for (size_t i = 0; i < n; i++)
		buf_addf(&pred, "row%06zu,%s\n", i, i % 3 ? "x" : "w");
	for (size_t e = 0; e < ARRAY_SIZE(eols); e++) {
		struct ingest_errors errs;
		struct buf err = BUF_INIT;
		struct table a, b;

		print_message("# line ends %s\n", e ? "CR LF" : "LF");
		two_part_truth(&whole, n, true, eols[e]);
		two_part_truth(&parts, n, false, eols[e]);
		assert_true(load_split_point(parts.s, parts.len,
					     (off_t)pred.len, &head) > 0);
		assert_int_equal(load_split_point(whole.s, whole.len,
						  (off_t)pred.len, &head), 0);
		ingest_errors_init(&errs);
		assert_int_equal(load_text(&a, TASK_CLASSIFICATION, whole.s,
					   pred.s, &errs, &err), 0);
		assert_int_equal(load_text(&b, TASK_CLASSIFICATION, parts.s,
					   pred.s, &errs, &err), 0);
		assert_int_equal(b.nrows, n);
		assert_int_equal(b.attrs[0].dict.n, 4);	/* "", a, b, late */
		assert_string_equal(attr(&b, 0, n - 4), "late");
		assert_same_table(&a, &b);
		table_release(&a);
		table_release(&b);
		ingest_errors_release(&errs);
		buf_release(&err);
	}

	/* the same errors, rows and all */
	for (size_t c = 0; c < 4; c++) {
		struct buf w = BUF_INIT, p = BUF_INIT;
		struct ingest_errors ew, ep;
		struct buf errw = BUF_INIT, errp = BUF_INIT;
		struct table a, b;

		two_part_truth(&whole, n, true, "\n");
		two_part_truth(&parts, n, false, "\n");
		/* where the file without blank lines would be cut */
		size_t cut = load_split_point(parts.s, parts.len,
					      (off_t)pred.len, &head);

		assert_true(cut > 0);
		for (size_t k = 0; k < 2; k++) {
			struct buf *t = k ? &p : &w, *src = k ? &parts : &whole;
			size_t mid = cut;

			buf_add(t, src->s, src->len);
			switch (c) {
			case 0:	/* the first row's id again, at the end */
				buf_adds(t, "row000000,x,a,1\n");
				break;
			case 1:	/* a short row near the end */
				buf_adds(t, "rowlast,x\n");
				break;
			case 2:	/* blank lines across the cut */
				while (t->s[mid - 1] != '\n')
					mid++;
				buf_reset(t);
				buf_add(t, src->s, mid);
				for (size_t i = 0; i < 30000; i++)
					buf_adds(t, "\n");
				buf_add(t, src->s + mid, src->len - mid);
				break;
			case 3:	/* an id twice in the second part */
				buf_adds(t, "rownum,x,a,1\n");
				buf_adds(t, "rowdup,x,a,2\nrowdup,y,b,3\n");
				break;
			}
		}
		print_message("# error case %zu\n", c);
		ingest_errors_init(&ew);
		ingest_errors_init(&ep);
		assert_int_equal(load_text(&a, TASK_CLASSIFICATION, w.s,
					   pred.s, &ew, &errw), -1);
		assert_int_equal(load_text(&b, TASK_CLASSIFICATION, p.s,
					   pred.s, &ep, &errp), -1);
		assert_string_equal(errw.s, errp.s);
		assert_int_equal(ew.total, ep.total);
		assert_int_equal(ew.n, ep.n);
		for (size_t i = 0; i < ew.n; i++) {
			assert_int_equal(ew.v[i].row, ep.v[i].row);
			assert_string_equal(ew.v[i].reason, ep.v[i].reason);
		}
		if (c == 0)
			assert_string_equal(ep.v[0].reason,
					    "duplicate id: the same id as on "
					    "row 2");
		assert_int_equal(b.nrows, 0);
		table_release(&a);
		table_release(&b);
		ingest_errors_release(&ew);
		ingest_errors_release(&ep);
		buf_release(&errw);
		buf_release(&errp);
		buf_release(&w);
		buf_release(&p);
	}
	buf_release(&whole);
	buf_release(&parts);
	buf_release(&pred);
}

/*
 * Where the second part starts: after a line that is not blank, LF or
 * CR LF ended, past about half the bytes; never for a quote, a small
 * file, a header ended by CR alone, or nothing after the last line.
 */
static void test_load__split_point(void **state)
{
	struct buf b = BUF_INIT;
	size_t head, at, half;

	(void)state;
	buf_adds(&b, "id,label\n");
	while (b.len < (300u << 10))
		buf_adds(&b, "abcdefgh,1\n");
	at = load_split_point(b.s, b.len, 0, &head);
	assert_int_equal(head, 9);
	assert_true(at > b.len / 2 && at < b.len / 2 + 12);
	assert_true(b.s[at - 1] == '\n' && b.s[at - 2] == '1');

	/* blank lines where it would cut: after them, and the line after */
	half = b.len / 2;
	memset(b.s + half - 200, '\n', 400);
	at = load_split_point(b.s, b.len, 0, &head);
	assert_true(at > half + 200);
	assert_true(b.s[at - 2] != '\n');
	memset(b.s + half - 200, '\r', 400);
	at = load_split_point(b.s, b.len, 0, &head);
	assert_true(at > half + 200 && b.s[at - 2] == '1');

	/* the predictions' share moves it on; too much: no second part */
	assert_true(load_split_point(b.s, b.len, (off_t)(b.len / 2), &head) >
		    at + b.len / 8);
	assert_int_equal(load_split_point(b.s, b.len, (off_t)(4 * b.len),
					  &head), 0);

	b.s[b.len / 3] = '"';
	assert_int_equal(load_split_point(b.s, b.len, 0, &head), 0);
	b.s[b.len / 3] = 'a';
	b.s[3] = '\r';		/* a header line ended by CR */
	assert_int_equal(load_split_point(b.s, b.len, 0, &head), 0);
	b.s[3] = 'x';
	assert_true(load_split_point(b.s, b.len, 0, &head) > 0);
	assert_int_equal(load_split_point(b.s, 200u << 10, 0, &head), 0);
	buf_release(&b);
}

/* An attributes file joined by id, then one with errors, on one table. */
static void test_load__attributes_file(void **state)
{
	char tp[128], pp[128], ap[128];
	struct ingest_errors errs;
	struct buf err = BUF_INIT;
	struct table t;

	(void)state;
	put(tp, sizeof(tp), "truth.csv", "id,label,accent\nx1,1,us\nx2,0,uk\nx3,1,us\n");
	put(pp, sizeof(pp), "pred.csv", "id,prediction\nx1,1\nx2,0\nx3,0\n");
	put(ap, sizeof(ap), "more.csv", "id,region,age\nx3,north,30\nx1,south,\n");
	ingest_errors_init(&errs);
	assert_int_equal(load_files(&t, TASK_CLASSIFICATION, tp, pp, NULL,
				    &errs, &err), 0);
	assert_int_equal(load_attributes(&t, ap, &errs, &err), 0);
	assert_int_equal(t.nattrs, 3);
	assert_string_equal(t.attrs[1].name, "region");
	assert_string_equal(attr(&t, 1, 0), "south");
	assert_string_equal(attr(&t, 1, 1), "");
	assert_string_equal(attr(&t, 1, 2), "north");
	assert_string_equal(attr(&t, 2, 2), "30");
	assert_true(t.attrs[2].numeric);
	put(ap, sizeof(ap), "more.csv",
	    "id,accent,x\nx9,a,b\n");
	assert_int_equal(load_attributes(&t, ap, &errs, &err), -1);
	assert_int_equal(errs.total, 1);
	assert_string_equal(errs.v[0].reason, "the truth file already has an "
			    "attribute with this name");
	ingest_errors_clear(&errs);
	buf_reset(&err);
	put(ap, sizeof(ap), "more.csv", "id,x\nx9,a\nx1,b\nx1,c\n");
	assert_int_equal(load_attributes(&t, ap, &errs, &err), -1);
	assert_int_equal(errs.total, 2);
	assert_string_equal(errs.v[0].reason, "unknown id \"x9\" (the truth "
			    "file has no example with it)");
	assert_string_equal(errs.v[1].reason, "duplicate id \"x1\"");
	table_release(&t);
	ingest_errors_release(&errs);
	buf_release(&err);
	unlink(tp);
	unlink(pp);
	unlink(ap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load__classification_csv),
		cmocka_unit_test(test_load__classification_no_positive),
		cmocka_unit_test(test_load__score_json),
		cmocka_unit_test(test_load__regression_csv),
		cmocka_unit_test(test_load__asr_trn),
		cmocka_unit_test(test_load__asr_csv),
		cmocka_unit_test(test_load__asr_references_mapped_or_read),
		cmocka_unit_test(test_load__failures),
		cmocka_unit_test(test_load__predictions_in_another_order),
		cmocka_unit_test(test_load__large_files),
		cmocka_unit_test(test_load__truth_in_two_parts),
		cmocka_unit_test(test_load__split_point),
		cmocka_unit_test(test_load__attributes_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
