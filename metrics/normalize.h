/*
 * normalize.h - explicit, recorded text normalisation for ASR scoring.
 *
 * Word error rates depend on how transcripts are normalised before they
 * are compared, and for a dialect audit the choice changes the measured
 * gap.  So the normalisation is a value (struct norm_opts) that travels
 * with every result, and norm_opts_describe() turns it into a short stable
 * string to store next to the numbers ("sclite", "none",
 * "nfkc,casefold,strip_punct,fillers=uh|um").
 *
 * Modes:
 *
 *   NORM_SCLITE (the zero value, the default) - what NIST sclite does with
 *	no options: ASCII A-Z are lower-cased and nothing else changes.
 *	Non-ASCII is never folded (ÉCOLE and école differ), punctuation is
 *	part of the word ("hello," differs from "hello").
 *   NORM_NONE - byte-exact and case-sensitive (sclite -s).
 *   NORM_UNICODE - the steps that are switched on, in this order:
 *	nfkc	    Unicode NFKC (compatibility decomposition, then canonical
 *		    composition);
 *	casefold    full Unicode case folding ("Straße" -> "strasse");
 *		    nfkc and casefold together are utf8proc's
 *		    COMPAT|COMPOSE|CASEFOLD|STABLE mapping;
 *	strip_punct characters of Unicode category P* are removed by the
 *		    rules below;
 *	and always: every Unicode space (categories Zs, Zl, Zp, and TAB,
 *	LF, VT, FF, CR, NEL) separates words, runs of them collapse.
 *
 * Punctuation (strip_punct).  "Between" means the code points right
 * before and after are both letters, marks or numbers (categories L*, M*,
 * N*), after nfkc and casefold have been applied:
 *   1. an apostrophe (U+0027 or U+2019) between is kept, written as U+0027:
 *	"ain't", "ain’t" -> ain't; "y'all" -> y'all; "'tis" -> tis;
 *   2. a full stop U+002E between two letters (L*, M*) is dropped and the
 *	word goes on: "U.S." -> us, "Ph.D." -> phd;
 *   3. punctuation of category Po between two decimal digits is kept:
 *	"3.5", "1,000", "12:30" stay as they are;
 *   4. any other P* character separates words, as a space would:
 *	"well-known" -> well known, "and/or" -> and or, "hello," -> hello,
 *	"(laughs)" -> laughs, "--" -> nothing.
 * Why: an apostrophe inside a word is part of its spelling (and of dialect
 * forms); stops inside abbreviations come and go between transcribers;
 * hyphens and slashes join words that are as often written apart, so
 * splitting there makes "well-known" match "well known".
 * Symbols (category S*: $ + = € ^) are never removed; note that % & # @ *
 * are Po and follow rule 4.  Dialect forms are never rewritten: ain't,
 * y'all, gonna, finna stay as written.
 * Default-ignorable characters (soft hyphen, zero-width joiner) are kept.
 *
 * Words.  In NORM_SCLITE and NORM_NONE words are separated by ASCII
 * whitespace (space, TAB, LF, VT, FF, CR), exactly as sclite splits them;
 * a no-break space is part of a word there.
 *
 * Fillers.  An optional list of filler words ("uh", "um", "hmm", "mm",
 * "mhm") is removed from the text after normalisation, in any mode.  Each
 * filler is itself normalised by the same mode, so it may become several
 * words ("uh-huh" under strip_punct is "uh huh") and is then removed only
 * where that whole word sequence occurs; at each position the longest
 * matching filler wins.
 *
 * Input must be valid UTF-8 in every mode; anything else is an error (the
 * upload layer rejects it first, this is the second line).
 *
 * Ownership: struct norm_opts owns copies of its filler strings
 * (norm_opts_release frees them).  A struct normalizer is built from the
 * options (it copies what it needs) and owns scratch buffers that are
 * reused, so normalising many texts allocates only while buffers grow.
 * A struct wordlist is caller-owned and reused across calls.
 */
#ifndef FA_NORMALIZE_H
#define FA_NORMALIZE_H

#include "common/fa.h"
#include "common/buf.h"

enum norm_mode {
	NORM_SCLITE = 0,
	NORM_NONE,
	NORM_UNICODE,
};

struct norm_opts {
	enum norm_mode mode;
	/* NORM_UNICODE only; at least one must be set there. */
	bool nfkc, casefold, strip_punct;
	/* Filler words as given (not yet normalised), sorted, distinct. */
	char **fillers;
	size_t nfillers;
};

/* The default: NORM_SCLITE, no fillers.  Allocates nothing. */
void norm_opts_init(struct norm_opts *o);
/* Free the filler strings and reset to the default. */
void norm_opts_release(struct norm_opts *o);
/* Make *dst (initialised or released) a deep copy of *src. */
void norm_opts_copy(struct norm_opts *dst, const struct norm_opts *src);

/* "sclite", "none", "unicode"; NULL for an unknown mode. */
const char *norm_mode_name(enum norm_mode m);
/* 0 and *out set, or -1 if [s, s+n) names no mode. */
int norm_mode_parse(const char *s, size_t n, enum norm_mode *out);

/*
 * Add one filler word (any bytes except ASCII whitespace, ',' and '|';
 * valid UTF-8, not empty).  Keeps the list sorted and distinct.
 */
int norm_opts_add_filler(struct norm_opts *o, const char *w, size_t n,
			 struct buf *err);

/*
 * Set *o from a description: comma-separated items, each one of
 *   sclite | none | unicode      the mode ("unicode" switches on all of
 *				  nfkc, casefold and strip_punct)
 *   nfkc | casefold | strip_punct  a unicode step (implies NORM_UNICODE)
 *   fillers=W1|W2|...            filler words
 * The output of norm_opts_describe() parses back to equal options.  On
 * error *o is left at the default and err says which item was wrong.
 */
int norm_opts_parse(struct norm_opts *o, const char *spec, size_t n,
		    struct buf *err);

/*
 * Append the stable description of *o to out: "sclite", "none", or the
 * unicode steps that are on ("nfkc,casefold,strip_punct"), followed by
 * ",fillers=W1|W2" (sorted) when there are fillers.
 */
void norm_opts_describe(const struct norm_opts *o, struct buf *out);

/* 0 if the options are usable, else -1 and one sentence in err. */
int norm_opts_check(const struct norm_opts *o, struct buf *err);

/*
 * The words of one normalised text.  text[0..len) holds the words joined
 * by single ASCII spaces and is NUL-terminated (also when empty); word i is
 * text[off[i] .. off[i] + wlen[i]).
 */
struct wordlist {
	char *text;
	size_t len, alloc;
	size_t *off;
	size_t *wlen;
	size_t n, cap;
};

void wordlist_init(struct wordlist *w);
void wordlist_release(struct wordlist *w);
/* Drop the words, keep the allocations. */
void wordlist_reset(struct wordlist *w);

struct normalizer;

/*
 * Build a normalizer for the options (which are copied; *o may be released
 * afterwards).  NULL, with one sentence in err, if the options are not
 * usable or a filler normalises to no word at all.
 */
struct normalizer *normalizer_new(const struct norm_opts *o, struct buf *err);
void normalizer_free(struct normalizer *nz);

/* The options the normalizer was built from. */
const struct norm_opts *normalizer_opts(const struct normalizer *nz);

/*
 * Normalise [s, s+n) into *out (reset first).  Returns 0, or -1 with one
 * sentence in err when the text is not valid UTF-8 (*out is then empty).
 * `what` names the text in that sentence ("reference", "hypothesis").
 */
int normalizer_run(struct normalizer *nz, const char *s, size_t n,
		   const char *what, struct wordlist *out, struct buf *err);

#endif
