/*
 * fuzz_predicate.c - libFuzzer target for the predicate language
 * (cohorts/predicate.c).
 *
 * Oracle, for every input that parses (with the default limits, which the
 * fuzz build lowers):
 *   1. its canonical text (predicate_format) is valid UTF-8 and parses
 *      again with the same limits, to the same canonical text: the server
 *      stores the canonical text of a bounty group and compiles it again
 *      later (server/bounty_run.c);
 *   2. bound to a small table, the predicate and its reparsed canonical
 *      text both bind or both fail to, and select the same rows;
 *   3. "NOT (<canonical>)" selects exactly the other rows.
 * An input that does not parse must leave one sentence in err and no tree.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"
#include "cohorts/predicate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die_with(const char *what, const uint8_t *in, size_t n,
		     const char *a, const char *b)
{
	fprintf(stderr, "fuzz oracle: %s\ninput: %.*s\n", what, (int)n,
		(const char *)in);
	if (a)
		fprintf(stderr, "first:  %s\n", a);
	if (b)
		fprintf(stderr, "second: %s\n", b);
	abort();
}

/*
 * 70 rows, so bitsets span two words: "n" numeric with missing values,
 * "s" text, "m" mixed (numbers and text, so not numeric), "odd name".
 */
static struct table *fixture(void)
{
	static struct table t;
	static bool done;
	static const char *const vals[][4] = {
		{ "1", "x", "1", "a" }, { "2.5", "y", "z", "" },
		{ "", "x", "-3", "O'Brien" }, { "-4e1", "", "", "a" },
		{ "60", "\"q\"", "60.0", "b" }, { "0", "x y", "0x1", "a" },
		{ ".5", "\xc3\xa9", "1e3", "" },
	};
	size_t a;

	if (done)
		return &t;
	table_init(&t, TASK_CLASSIFICATION);
	table_add_attr(&t, "n");
	table_add_attr(&t, "s");
	table_add_attr(&t, "m");
	table_add_attr(&t, "odd name");
	for (size_t r = 0; r < 70; r++) {
		char id[16];
		int k = snprintf(id, sizeof(id), "r%zu", r);

		table_add_row(&t, id, (size_t)k);
		for (a = 0; a < 4; a++) {
			const char *v = vals[(r * 3 + a) % ARRAY_SIZE(vals)][a];

			table_set_attr(&t, r, a, v, strlen(v));
		}
		t.label[r] = table_class(&t, "1", 1);
		t.pred[r] = table_class(&t, r % 2 ? "1" : "0", 1);
	}
	table_finish(&t);
	done = true;
	return &t;
}

/* Bind p to t and evaluate it into rows; the bind error (or "") in err. */
static bool bind_eval(struct predicate *p, const struct table *t,
		      struct bitset *rows, struct buf *err)
{
	struct buf e = BUF_INIT;

	if (predicate_bind(p, t, err))
		return false;
	if (predicate_eval(p, t, rows, &e)) {
		fprintf(stderr, "fuzz oracle: a bound predicate did not "
			"evaluate: %s\n", e.s);
		abort();
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct predicate *p = NULL, *q = NULL, *np = NULL;
	struct buf err = BUF_INIT, c1 = BUF_INIT, c2 = BUF_INIT;
	struct buf e1 = BUF_INIT, e2 = BUF_INIT, neg = BUF_INIT;
	struct bitset r1, r2, rn;
	const struct table *t = fixture();
	bool b1, b2;

	bitset_init(&r1);
	bitset_init(&r2);
	bitset_init(&rn);
	if (predicate_parse(s, size, NULL, &p, &err)) {
		if (p || !err.len || !utf8_valid(err.s, err.len))
			die_with("a failed parse left a tree or no valid "
				 "sentence", data, size, err.s, NULL);
		goto out;
	}
	if (err.len)
		die_with("a successful parse wrote an error", data, size,
			 err.s, NULL);

	/* 1. the canonical text is a fixed point */
	predicate_format(p, &c1);
	if (!utf8_valid(c1.s, c1.len))
		die_with("canonical text is not valid UTF-8", data, size,
			 c1.s, NULL);
	if (predicate_parse(c1.s, c1.len, NULL, &q, &err))
		die_with("canonical text does not parse", data, size, c1.s,
			 err.s);
	predicate_format(q, &c2);
	if (c1.len != c2.len || memcmp(c1.s, c2.s, c1.len))
		die_with("canonical text is not a fixed point", data, size,
			 c1.s, c2.s);

	/* 2. both trees mean the same rows */
	b1 = bind_eval(p, t, &r1, &e1);
	b2 = bind_eval(q, t, &r2, &e2);
	/* (the errors name positions, which differ) */
	if (b1 != b2)
		die_with("binding the canonical text differs", data, size,
			 e1.s, e2.s);
	if (!b1)
		goto out;
	if (!bitset_equal(&r1, &r2))
		die_with("the canonical text selects other rows", data, size,
			 c1.s, NULL);

	/* 3. NOT selects the complement (if the limits leave room for it) */
	buf_adds(&neg, "NOT (");
	buf_add(&neg, c1.s, c1.len);
	buf_addch(&neg, ')');
	buf_reset(&err);
	if (predicate_parse(neg.s, neg.len, NULL, &np, &err))
		goto out;
	if (!bind_eval(np, t, &rn, &err))
		die_with("NOT (p) does not bind though p does", data, size,
			 neg.s, err.s);
	bitset_not(&rn);
	if (!bitset_equal(&r1, &rn))
		die_with("NOT (p) is not the complement of p", data, size,
			 neg.s, NULL);
out:
	predicate_free(p);
	predicate_free(q);
	predicate_free(np);
	bitset_release(&r1);
	bitset_release(&r2);
	bitset_release(&rn);
	buf_release(&err);
	buf_release(&c1);
	buf_release(&c2);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&neg);
	return 0;
}
