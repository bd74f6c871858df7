/*
 * asrscore - score a hypothesis trn file against a reference trn file with
 * metrics/alignment.c, printing what sclite's reports let tests compare.
 *
 *   asrscore [--utt] [--ops] [--pra] [--cer] [--time] [--norm SPEC]
 *	      REF.trn HYP.trn
 *
 * Output, one line per speaker sorted by speaker (bytes):
 *	speaker nsent nref corr sub del ins
 * With --utt, first one line per hypothesis utterance in file order:
 *	(id) nref corr sub del ins
 * and with --ops the utterance line ends with the op letters ("DCI", "-"
 * for an empty alignment).  --pra prints sclite-style REF/HYP/Eval lines
 * under each utterance line.  --cer counts characters instead of words
 * (sclite -c -e utf-8).  --norm takes a norm_opts_parse() description
 * (default "sclite").  --time reports the time spent scoring (normalising,
 * interning and aligning; not reading the files) on stderr.
 *
 * The trn reading is the simple part of sclite's: "words (id)" per line,
 * the id between the last '(' and the following ')', lines starting with
 * ";;" and blank lines skipped.  In the sclite mode the id is lower-cased
 * as sclite lower-cases the whole line.  The speaker is the id up to the
 * first '-', else up to the first '_' (sclite -i rm); an id with neither is
 * an error here, where sclite silently credits the previous speaker.
 * Duplicate ids and hypothesis ids missing from the reference are errors
 * (sclite exits 1 too); reference utterances with no hypothesis are
 * reported on stderr and left out, as sclite leaves them out.  Reference
 * markup ({ / }, (optional), fragments) is not interpreted.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "common/util.h"
#include "metrics/alignment.h"
#include "metrics/normalize.h"
#include <time.h>

struct utt {
	const char *text;
	size_t len;
	uint32_t id;		/* index in the id map */
	uint32_t speaker;
	int line;
};

struct trn {
	const char *path;
	char *data;
	size_t size;
	struct utt *u;
	size_t n, cap;
};

struct totals {
	uint64_t nsent, nref, corr, sub, del, ins;
};

static void read_file(struct trn *t, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t alloc = 0, got;

	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	t->path = path;
	t->data = NULL;
	t->size = 0;
	do {
		t->data = xgrow(t->data, &alloc, t->size + 65536, 1);
		got = fread(t->data + t->size, 1, alloc - t->size, f);
		t->size += got;
	} while (got);
	if (ferror(f))
		die("cannot read %s", path);
	fclose(f);
}

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
			return false;
	return true;
}

/*
 * Split every line of t into text and id, interning ids (lower-cased when
 * lower) into ids and speakers into spk.
 */
static void parse_trn(struct trn *t, bool lower, struct strmap *ids,
		      struct strmap *spk)
{
	size_t pos = 0;
	int line = 0;

	while (pos < t->size) {
		char *s = t->data + pos, *nl, *open = NULL, *close, *id;
		size_t n, idn, sp;
		struct utt *u;
		bool added;

		nl = memchr(s, '\n', t->size - pos);
		n = nl ? (size_t)(nl - s) : t->size - pos;
		pos += n + 1;
		line++;
		if ((n >= 2 && s[0] == ';' && s[1] == ';') || is_blank(s, n))
			continue;
		for (size_t i = 0; i < n; i++)
			if (s[i] == '(')
				open = s + i;
		close = open ? memchr(open, ')', n - (size_t)(open - s)) : NULL;
		if (!close)
			die("%s:%d: no utterance id \"(...)\" on the line",
			    t->path, line);
		if (!is_blank(close + 1, n - (size_t)(close + 1 - s)))
			die("%s:%d: text after the utterance id", t->path,
			    line);
		id = open + 1;
		idn = (size_t)(close - id);
		if (lower)
			for (size_t i = 0; i < idn; i++)
				if (id[i] >= 'A' && id[i] <= 'Z')
					id[i] = (char)(id[i] + ('a' - 'A'));
		for (sp = 0; sp < idn && id[sp] != '-'; sp++)
			;
		if (sp == idn)
			for (sp = 0; sp < idn && id[sp] != '_'; sp++)
				;
		if (sp == idn)
			die("%s:%d: cannot take a speaker from id \"%.*s\": "
			    "it has no '-' or '_'", t->path, line, (int)idn,
			    id);
		t->u = xgrow(t->u, &t->cap, t->n + 1, sizeof(*t->u));
		u = &t->u[t->n++];
		u->text = s;
		u->len = (size_t)(open - s);
		u->id = strmap_intern(ids, id, idn, &added);
		u->speaker = strmap_intern(spk, id, sp, NULL);
		u->line = line;
	}
}

static const struct strmap *sort_map;

static int cmp_speaker(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t nx = strmap_len(sort_map, x), ny = strmap_len(sort_map, y);
	int c = memcmp(strmap_str(sort_map, x), strmap_str(sort_map, y),
		       nx < ny ? nx : ny);

	return c ? c : (nx > ny) - (nx < ny);
}

/* CPU seconds of this process: steadier than the wall clock on a shared
 * machine. */
static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fputs("usage: asrscore [--utt] [--ops] [--pra] [--cer] [--time] "
	      "[--norm SPEC] REF.trn HYP.trn\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	bool utt = false, ops = false, pra = false, cer = false, timing = false;
	const char *spec = "sclite", *refp = NULL, *hypp = NULL;
	struct norm_opts opts;
	struct buf err = BUF_INIT, line = BUF_INIT;
	struct strmap ids, spk;
	struct trn ref = { 0 }, hyp = { 0 };
	int64_t *ref_of_id;
	bool *seen;
	struct totals *tot;
	uint32_t *order;
	struct aligner *al;
	size_t missing = 0, words = 0, nref_ids;
	double t0, t1, c0, c1;
	unsigned flags;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--utt"))
			utt = true;
		else if (!strcmp(argv[i], "--ops"))
			utt = ops = true;
		else if (!strcmp(argv[i], "--pra"))
			utt = pra = true;
		else if (!strcmp(argv[i], "--cer"))
			cer = true;
		else if (!strcmp(argv[i], "--time"))
			timing = true;
		else if (!strcmp(argv[i], "--norm") && i + 1 < argc)
			spec = argv[++i];
		else if (argv[i][0] == '-')
			usage();
		else if (!refp)
			refp = argv[i];
		else if (!hypp)
			hypp = argv[i];
		else
			usage();
	}
	if (!hypp)
		usage();
	if (norm_opts_parse(&opts, spec, strlen(spec), &err))
		die("%s", err.s);
	al = aligner_new(&opts, &err);
	if (!al)
		die("%s", err.s);

	strmap_init(&ids);
	strmap_init(&spk);
	read_file(&ref, refp);
	read_file(&hyp, hypp);
	parse_trn(&ref, opts.mode == NORM_SCLITE, &ids, &spk);
	nref_ids = ids.n;
	ref_of_id = xmalloc((ids.n + 1) * sizeof(*ref_of_id));
	for (size_t i = 0; i < ids.n; i++)
		ref_of_id[i] = -1;
	for (size_t i = 0; i < ref.n; i++) {
		struct utt *u = &ref.u[i];

		if (ref_of_id[u->id] >= 0)
			die("%s:%d: duplicate utterance id \"%s\"", refp,
			    u->line, strmap_str(&ids, u->id));
		ref_of_id[u->id] = (int64_t)i;
	}
	parse_trn(&hyp, opts.mode == NORM_SCLITE, &ids, &spk);
	seen = xcalloc(ids.n + 1, sizeof(*seen));
	for (size_t i = 0; i < hyp.n; i++) {
		struct utt *u = &hyp.u[i];

		if (u->id >= nref_ids || ref_of_id[u->id] < 0)
			die("%s:%d: utterance id \"%s\" is not in %s", hypp,
			    u->line, strmap_str(&ids, u->id), refp);
		if (seen[u->id])
			die("%s:%d: duplicate utterance id \"%s\"", hypp,
			    u->line, strmap_str(&ids, u->id));
		seen[u->id] = true;
	}
	for (size_t i = 0; i < ref.n; i++)
		missing += !seen[ref.u[i].id];
	if (missing)
		fprintf(stderr, "asrscore: %zu reference utterances have no "
			"hypothesis and are left out\n", missing);

	tot = xcalloc(spk.n + 1, sizeof(*tot));
	flags = (cer ? 0 : ALIGN_WORDS_ONLY) | (ops || pra ? ALIGN_OPS : 0);
	t0 = now_seconds();
	c0 = cpu_seconds();
	for (size_t i = 0; i < hyp.n; i++) {
		const struct utt *h = &hyp.u[i];
		const struct utt *r = &ref.u[ref_of_id[h->id]];
		struct totals *s = &tot[r->speaker];
		struct asr_counts c;
		uint64_t nref, corr, sub, del, ins;

		if (aligner_score(al, r->text, r->len, h->text, h->len, flags,
				  &c, &err))
			die("utterance \"%s\": %s", strmap_str(&ids, h->id),
			    err.s);
		words += c.ref_words;
		if (cer) {
			const struct align_tally *ct = aligner_char_tally(al);

			nref = c.ref_chars;
			corr = ct->hits;
			sub = ct->sub;
			del = ct->del;
			ins = ct->ins;
		} else {
			nref = c.ref_words;
			corr = c.hits;
			sub = c.sub;
			del = c.del;
			ins = c.ins;
		}
		s->nsent++;
		s->nref += nref;
		s->corr += corr;
		s->sub += sub;
		s->del += del;
		s->ins += ins;
		if (!utt)
			continue;
		buf_reset(&line);
		buf_addf(&line, "(%s) %llu %llu %llu %llu %llu",
			 strmap_str(&ids, h->id), (unsigned long long)nref,
			 (unsigned long long)corr, (unsigned long long)sub,
			 (unsigned long long)del, (unsigned long long)ins);
		if (ops || pra) {
			const struct align_op *op;
			size_t k = aligner_ops(al, &op);

			if (ops) {
				buf_addch(&line, ' ');
				for (size_t j = 0; j < k; j++)
					buf_addch(&line, op[j].kind);
				if (!k)
					buf_addch(&line, '-');
			}
			buf_addch(&line, '\n');
			if (pra)
				align_render(op, k, &line);
		} else {
			buf_addch(&line, '\n');
		}
		fwrite(line.s, 1, line.len, stdout);
	}
	t1 = now_seconds();
	c1 = cpu_seconds();
	if (timing)
		fprintf(stderr, "asrscore: scored %zu utterances, %zu reference "
			"words, in %.3f s CPU, %.3f s wall (%s, %s)\n", hyp.n,
			words, c1 - c0, t1 - t0, spec,
			cer ? "words and characters" : "words only");

	order = xmalloc((spk.n + 1) * sizeof(*order));
	for (uint32_t i = 0; i < spk.n; i++)
		order[i] = i;
	sort_map = &spk;
	qsort(order, spk.n, sizeof(*order), cmp_speaker);
	for (uint32_t k = 0; k < spk.n; k++) {
		const struct totals *s = &tot[order[k]];

		if (!s->nsent)
			continue;
		printf("%s %llu %llu %llu %llu %llu %llu\n",
		       strmap_str(&spk, order[k]),
		       (unsigned long long)s->nsent,
		       (unsigned long long)s->nref,
		       (unsigned long long)s->corr, (unsigned long long)s->sub,
		       (unsigned long long)s->del, (unsigned long long)s->ins);
	}

	free(order);
	free(tot);
	free(seen);
	free(ref_of_id);
	free(ref.u);
	free(ref.data);
	free(hyp.u);
	free(hyp.data);
	strmap_release(&ids);
	strmap_release(&spk);
	aligner_free(al);
	norm_opts_release(&opts);
	buf_release(&err);
	buf_release(&line);
	return 0;
}
