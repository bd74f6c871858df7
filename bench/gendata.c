/*
 * gendata - deterministic synthetic data sets for the benchmarks.
 *
 *   gendata classification ROWS DIR [SEED]
 *	DIR/truth.csv        id,label,accent,gender
 *	DIR/predictions.csv  id,prediction
 *   gendata asr UTTERANCES DIR [--csv] [SEED]
 *	DIR/ref.trn          "words (spkNN-uNNNNNNN)" per utterance
 *	DIR/hyp.trn          the hypotheses, same ids, same order
 *	with --csv also
 *	DIR/examples.csv     id,reference,speaker,accent
 *	DIR/hypotheses.csv   id,hypothesis
 *
 * Classification: 20 accents with unequal shares, 3 genders (48/48/4 %),
 * binary labels whose prevalence varies by accent, and predictions whose
 * error rate varies by accent and gender, so that an evaluation has real
 * disparities to find.
 *
 * ASR: 40 speakers, 5 per accent, 8 accents; reference lengths are 5-30
 * words for 97 % of the utterances and 30-150 for the rest (about 20 words
 * on average, so 100,000 utterances hold about 2 M reference words); the
 * vocabulary is 2,000 lower-case ASCII words, so that no normalisation
 * question arises and every scorer sees the same tokens.  Each reference
 * word is, with an accent-dependent probability from 4 % to 25 %,
 * substituted (half of the errors), deleted (a quarter) or followed by an
 * inserted word (a quarter).  Utterance ids are "spkNN-uNNNNNNN", so the
 * speaker is the id up to the first '-' (sclite -i rm).
 *
 * The same arguments always give byte-identical files.  Output goes through
 * 1 MiB buffers; a million classification rows take well under a second.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "common/util.h"

#define FLUSH_AT (1u << 20)
#define VOCAB 2000
#define SPEAKERS 40
#define ACCENTS_ASR 8

static uint64_t rng_state;

/* splitmix64: small, fast, and good enough for synthetic data. */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double unif(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

struct out {
	FILE *f;
	const char *path;
	struct buf b;
};

static void out_open(struct out *o, const char *dir, const char *name)
{
	struct buf path = BUF_INIT;

	buf_addf(&path, "%s/%s", dir, name);
	o->path = buf_detach(&path, NULL);
	o->f = fopen(o->path, "wb");
	if (!o->f)
		die("cannot create \"%s\": %s", o->path, strerror(errno));
	buf_init(&o->b, 0);
}

static void out_flush(struct out *o)
{
	if (o->b.len && fwrite(o->b.s, 1, o->b.len, o->f) != o->b.len)
		die("cannot write \"%s\": %s", o->path, strerror(errno));
	buf_reset(&o->b);
}

static void out_maybe_flush(struct out *o)
{
	if (o->b.len >= FLUSH_AT)
		out_flush(o);
}

static void out_close(struct out *o)
{
	out_flush(o);
	if (fclose(o->f))
		die("cannot write \"%s\": %s", o->path, strerror(errno));
	buf_release(&o->b);
	free((char *)o->path);
}

/* Append the decimal digits of v, zero-padded to width. */
static void add_num(struct buf *b, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		buf_addch(b, tmp[--n]);
}

static const char *const accents[] = {
	"us", "uk", "scottish", "welsh", "irish", "indian", "nigerian",
	"kenyan", "south_african", "australian", "new_zealand", "canadian",
	"jamaican", "singaporean", "filipino", "ghanaian", "pakistani",
	"trinidadian", "african_american", "appalachian",
};

/* Relative shares of the accents (sum 1000). */
static const unsigned accent_share[] = {
	200, 120, 60, 40, 40, 90, 50, 30, 30, 50,
	20, 60, 25, 20, 35, 20, 40, 15, 40, 15,
};

static void gen_classification(uint64_t rows, const char *dir)
{
	static const char *const genders[] = { "female", "male", "nonbinary" };
	unsigned cum[ARRAY_SIZE(accents)], total = 0;
	struct out truth, pred;

	for (size_t a = 0; a < ARRAY_SIZE(accents); a++) {
		total += accent_share[a];
		cum[a] = total;
	}
	out_open(&truth, dir, "truth.csv");
	out_open(&pred, dir, "predictions.csv");
	buf_adds(&truth.b, "id,label,accent,gender\n");
	buf_adds(&pred.b, "id,prediction\n");
	for (uint64_t r = 0; r < rows; r++) {
		unsigned pick = (unsigned)(rnd() % total), a = 0, g;
		double u = unif(), prevalence, err;
		int label, prediction;

		while (cum[a] <= pick)
			a++;
		g = u < 0.48 ? 0 : u < 0.96 ? 1 : 2;
		prevalence = 0.25 + 0.015 * a;
		label = unif() < prevalence;
		/* Some accents and the smallest gender fare worse. */
		err = 0.08 + (a % 4 == 2 ? 0.06 : 0.0) + (a >= 16 ? 0.05 : 0.0) +
		      (g == 2 ? 0.03 : 0.0) + (label ? 0.02 : 0.0);
		prediction = unif() < err ? !label : label;

		buf_addch(&truth.b, 'u');
		add_num(&truth.b, r, 7);
		buf_addch(&truth.b, ',');
		buf_addch(&truth.b, (char)('0' + label));
		buf_addch(&truth.b, ',');
		buf_adds(&truth.b, accents[a]);
		buf_addch(&truth.b, ',');
		buf_adds(&truth.b, genders[g]);
		buf_addch(&truth.b, '\n');
		buf_addch(&pred.b, 'u');
		add_num(&pred.b, r, 7);
		buf_addch(&pred.b, ',');
		buf_addch(&pred.b, (char)('0' + prediction));
		buf_addch(&pred.b, '\n');
		out_maybe_flush(&truth);
		out_maybe_flush(&pred);
	}
	out_close(&truth);
	out_close(&pred);
}

/* VOCAB distinct words of two to four syllables. */
static char **make_vocab(void)
{
	static const char *const syl[] = {
		"ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "dar", "pen",
		"gul", "bre", "sto", "wim", "fa", "zo", "tri", "hap", "el", "on",
		"qua", "dee", "mor", "ix",
	};
	const size_t ns = ARRAY_SIZE(syl);
	char **v = xcalloc(VOCAB, sizeof(*v));

	/* Words spell the base-ns digits of index + ns*ns as syllables,
	 * with a linking vowel between them: three or four syllables each,
	 * and the 2,000 words are distinct. */
	for (size_t i = 0; i < VOCAB; i++) {
		struct buf w = BUF_INIT;
		size_t k = i + ns * ns;

		while (k) {
			buf_adds(&w, syl[k % ns]);
			k /= ns;
			if (k)
				buf_addch(&w, k % 2 ? 'a' : 'e');
		}
		v[i] = buf_detach(&w, NULL);
	}
	return v;
}

/* Zipf-like choice: small indices much more frequent. */
static const char *word(char **vocab)
{
	double u = unif();

	return vocab[(size_t)(u * u * u * VOCAB) % VOCAB];
}

static void add_csv_field(struct buf *b, const char *s, size_t n)
{
	/* Words are [a-z] only; texts need no quoting. */
	buf_add(b, s, n);
}

static void gen_asr(uint64_t utts, const char *dir, bool csv)
{
	static const double accent_err[ACCENTS_ASR] = {
		0.04, 0.06, 0.08, 0.10, 0.12, 0.16, 0.20, 0.25,
	};
	static const char *const asr_accents[ACCENTS_ASR] = {
		"us", "uk", "canadian", "australian", "indian", "nigerian",
		"scottish", "african_american",
	};
	char **vocab = make_vocab();
	struct out ref, hyp, ex = { 0 }, hc = { 0 };
	struct buf rt = BUF_INIT, ht = BUF_INIT, id = BUF_INIT;

	out_open(&ref, dir, "ref.trn");
	out_open(&hyp, dir, "hyp.trn");
	if (csv) {
		out_open(&ex, dir, "examples.csv");
		out_open(&hc, dir, "hypotheses.csv");
		buf_adds(&ex.b, "id,reference,speaker,accent\n");
		buf_adds(&hc.b, "id,hypothesis\n");
	}
	for (uint64_t u = 0; u < utts; u++) {
		unsigned spk = (unsigned)(rnd() % SPEAKERS);
		unsigned acc = spk / (SPEAKERS / ACCENTS_ASR);
		double perr = accent_err[acc];
		unsigned len;

		if (unif() < 0.97)
			len = 5 + (unsigned)(rnd() % 26);
		else
			len = 30 + (unsigned)(rnd() % 121);
		buf_reset(&rt);
		buf_reset(&ht);
		buf_reset(&id);
		buf_adds(&id, "spk");
		add_num(&id, spk, 2);
		buf_adds(&id, "-u");
		add_num(&id, u, 7);
		for (unsigned w = 0; w < len; w++) {
			const char *rw = word(vocab);
			double e = unif();

			if (rt.len)
				buf_addch(&rt, ' ');
			buf_adds(&rt, rw);
			if (e >= perr) {
				if (ht.len)
					buf_addch(&ht, ' ');
				buf_adds(&ht, rw);
				continue;
			}
			e /= perr;
			if (e < 0.25)
				continue;		/* deletion */
			if (ht.len)
				buf_addch(&ht, ' ');
			if (e < 0.75) {			/* substitution */
				const char *sw = word(vocab);

				if (sw == rw)
					sw = rw == vocab[0] ? vocab[1] : vocab[0];
				buf_adds(&ht, sw);
			} else {			/* insertion after */
				buf_adds(&ht, rw);
				buf_addch(&ht, ' ');
				buf_adds(&ht, word(vocab));
			}
		}
		buf_add(&ref.b, rt.s, rt.len);
		buf_adds(&ref.b, " (");
		buf_add(&ref.b, id.s, id.len);
		buf_adds(&ref.b, ")\n");
		buf_add(&hyp.b, ht.s, ht.len);
		buf_adds(&hyp.b, " (");
		buf_add(&hyp.b, id.s, id.len);
		buf_adds(&hyp.b, ")\n");
		out_maybe_flush(&ref);
		out_maybe_flush(&hyp);
		if (csv) {
			buf_add(&ex.b, id.s, id.len);
			buf_addch(&ex.b, ',');
			add_csv_field(&ex.b, rt.s, rt.len);
			buf_addch(&ex.b, ',');
			buf_add(&ex.b, id.s, 5);
			buf_addch(&ex.b, ',');
			buf_adds(&ex.b, asr_accents[acc]);
			buf_addch(&ex.b, '\n');
			buf_add(&hc.b, id.s, id.len);
			buf_addch(&hc.b, ',');
			add_csv_field(&hc.b, ht.s, ht.len);
			buf_addch(&hc.b, '\n');
			out_maybe_flush(&ex);
			out_maybe_flush(&hc);
		}
	}
	out_close(&ref);
	out_close(&hyp);
	if (csv) {
		out_close(&ex);
		out_close(&hc);
	}
	buf_release(&rt);
	buf_release(&ht);
	buf_release(&id);
	for (size_t i = 0; i < VOCAB; i++)
		free(vocab[i]);
	free(vocab);
}

static void usage(void)
{
	fputs("usage: gendata classification ROWS DIR [SEED]\n"
	      "       gendata asr UTTERANCES DIR [--csv] [SEED]\n", stderr);
	exit(2);
}

static uint64_t count_arg(const char *s)
{
	int64_t v;

	if (parse_i64(s, strlen(s), &v) || v < 1 || v > 100000000)
		die("count \"%s\" is not a number from 1 to 100000000", s);
	return (uint64_t)v;
}

int main(int argc, char **argv)
{
	bool csv = false;
	int64_t seed = 20240611;
	const char *seed_arg = NULL;
	uint64_t n;

	if (argc < 4)
		usage();
	n = count_arg(argv[2]);
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--csv"))
			csv = true;
		else if (!seed_arg)
			seed_arg = argv[i];
		else
			usage();
	}
	if (seed_arg && parse_i64(seed_arg, strlen(seed_arg), &seed))
		die("seed \"%s\" is not an integer", seed_arg);
	rng_state = (uint64_t)seed;
	if (!strcmp(argv[1], "classification") && !csv)
		gen_classification(n, argv[3]);
	else if (!strcmp(argv[1], "asr"))
		gen_asr(n, argv[3], csv);
	else
		usage();
	return 0;
}
