/*
 * normalize.c - text normalisation for ASR scoring; see normalize.h.
 *
 * The sclite and none modes work on bytes: one pass splits on ASCII
 * whitespace and, for sclite, lower-cases A-Z while copying, so they cost
 * about as much as a memcpy.  The unicode mode decodes the text into a
 * reusable UTF-32 buffer with utf8proc_decompose() (which applies the
 * compatibility decomposition and the case folding), recomposes it in place
 * with utf8proc_normalize_utf32(), then walks the code points once,
 * deciding for each whether it is a word separator, dropped, or copied.
 * utf8proc_map() is not used because it allocates on every call.  Pure
 * ASCII text skips utf8proc: NFKC leaves it as it is and case folding maps
 * exactly A-Z to a-z there.
 *
 * Fillers are normalised once, when the normalizer is built, into word
 * sequences; after a text has been split into words they are cut out by
 * one compacting pass over the word list, longest filler first.  A strmap
 * of the fillers' first words rejects most words with one hash lookup.
 */
#include "common/fa.h"
#include "metrics/normalize.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "common/strmap.h"
#include "common/util.h"
#include <utf8proc.h>

struct filler {
	struct wordlist w;
};

struct normalizer {
	struct norm_opts opts;
	utf8proc_int32_t *cp;		/* decoded text */
	size_t cp_cap;
	struct filler *fillers;		/* most words first */
	size_t nfillers;
	struct strmap first;		/* first words of the fillers */
};

/* Options */

void norm_opts_init(struct norm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = NORM_SCLITE;
}

void norm_opts_release(struct norm_opts *o)
{
	for (size_t i = 0; i < o->nfillers; i++)
		free(o->fillers[i]);
	free(o->fillers);
	norm_opts_init(o);
}

void norm_opts_copy(struct norm_opts *dst, const struct norm_opts *src)
{
	*dst = *src;
	dst->fillers = NULL;
	if (src->nfillers) {
		dst->fillers = xmalloc(src->nfillers * sizeof(*dst->fillers));
		for (size_t i = 0; i < src->nfillers; i++)
			dst->fillers[i] = xstrdup(src->fillers[i]);
	}
}

static const char *const mode_names[] = {
	[NORM_SCLITE] = "sclite",
	[NORM_NONE] = "none",
	[NORM_UNICODE] = "unicode",
};

const char *norm_mode_name(enum norm_mode m)
{
	if ((unsigned)m >= ARRAY_SIZE(mode_names))
		return NULL;
	return mode_names[m];
}

static bool item_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

int norm_mode_parse(const char *s, size_t n, enum norm_mode *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (item_is(s, n, mode_names[i])) {
			*out = (enum norm_mode)i;
			return 0;
		}
	}
	return -1;
}

static bool ascii_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int norm_opts_add_filler(struct norm_opts *o, const char *w, size_t n,
			 struct buf *err)
{
	size_t lo = 0, hi = o->nfillers;

	if (!n) {
		buf_addf(err, "cannot add an empty filler word");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (ascii_space(c) || c == ',' || c == '|' || c == '\0') {
			buf_addf(err, "cannot add filler word \"%.*s\": it "
				 "contains whitespace, ',', '|' or NUL",
				 (int)n, w);
			return -1;
		}
	}
	if (!utf8_valid(w, n)) {
		buf_addf(err, "cannot add filler word \"%.*s\": it is not "
			 "valid UTF-8", (int)n, w);
		return -1;
	}
	/* Binary search for the insertion point; byte order, like strcmp. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *f = o->fillers[mid];
		size_t fn = strlen(f);
		int c = memcmp(f, w, fn < n ? fn : n);

		if (!c && fn == n)
			return 0;	/* already there */
		if (c < 0 || (!c && fn < n))
			lo = mid + 1;
		else
			hi = mid;
	}
	o->fillers = xrealloc(o->fillers,
			      (o->nfillers + 1) * sizeof(*o->fillers));
	memmove(o->fillers + lo + 1, o->fillers + lo,
		(o->nfillers - lo) * sizeof(*o->fillers));
	o->fillers[lo] = xstrndup(w, n);
	o->nfillers++;
	return 0;
}

int norm_opts_check(const struct norm_opts *o, struct buf *err)
{
	bool steps = o->nfkc || o->casefold || o->strip_punct;

	if (!norm_mode_name(o->mode)) {
		buf_addf(err, "unknown normalisation mode %d", (int)o->mode);
		return -1;
	}
	if (o->mode == NORM_UNICODE && !steps) {
		buf_addf(err, "the unicode normalisation needs at least one of "
			 "nfkc, casefold, strip_punct");
		return -1;
	}
	if (o->mode != NORM_UNICODE && steps) {
		buf_addf(err, "nfkc, casefold and strip_punct apply only to "
			 "the unicode normalisation, not to \"%s\"",
			 norm_mode_name(o->mode));
		return -1;
	}
	return 0;
}

static int parse_item(struct norm_opts *o, const char *it, size_t n,
		      bool *have_mode, const char *spec, size_t spec_n,
		      struct buf *err)
{
	enum norm_mode m;

	if (!norm_mode_parse(it, n, &m)) {
		if (*have_mode) {
			buf_addf(err, "cannot parse normalisation \"%.*s\": "
				 "more than one mode", (int)spec_n, spec);
			return -1;
		}
		*have_mode = true;
		o->mode = m;
		if (m == NORM_UNICODE)
			o->nfkc = o->casefold = o->strip_punct = true;
	} else if (item_is(it, n, "nfkc")) {
		o->nfkc = true;
	} else if (item_is(it, n, "casefold")) {
		o->casefold = true;
	} else if (item_is(it, n, "strip_punct")) {
		o->strip_punct = true;
	} else if (n >= 8 && !memcmp(it, "fillers=", 8)) {
		const char *p = it + 8, *end = it + n;

		if (p == end) {
			buf_addf(err, "cannot parse normalisation \"%.*s\": "
				 "empty filler list", (int)spec_n, spec);
			return -1;
		}
		while (p <= end) {
			const char *bar = memchr(p, '|', (size_t)(end - p));
			const char *e = bar ? bar : end;

			if (norm_opts_add_filler(o, p, (size_t)(e - p), err))
				return -1;
			p = e + 1;
		}
	} else {
		buf_addf(err, "cannot parse normalisation \"%.*s\": unknown "
			 "item \"%.*s\"", (int)spec_n, spec, (int)n, it);
		return -1;
	}
	return 0;
}

int norm_opts_parse(struct norm_opts *o, const char *spec, size_t n,
		    struct buf *err)
{
	bool have_mode = false;
	const char *p = spec, *end = spec + n;

	norm_opts_init(o);
	if (!n) {
		buf_addf(err, "cannot parse an empty normalisation description");
		return -1;
	}
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if (e == p) {
			buf_addf(err, "cannot parse normalisation \"%.*s\": "
				 "empty item", (int)n, spec);
			goto fail;
		}
		if (parse_item(o, p, (size_t)(e - p), &have_mode, spec, n, err))
			goto fail;
		p = e + 1;
	}
	if (!have_mode && (o->nfkc || o->casefold || o->strip_punct))
		o->mode = NORM_UNICODE;
	if (norm_opts_check(o, err))
		goto fail;
	return 0;
fail:
	norm_opts_release(o);
	return -1;
}

void norm_opts_describe(const struct norm_opts *o, struct buf *out)
{
	if (o->mode == NORM_UNICODE) {
		const char *sep = "";

		if (o->nfkc) {
			buf_addf(out, "%snfkc", sep);
			sep = ",";
		}
		if (o->casefold) {
			buf_addf(out, "%scasefold", sep);
			sep = ",";
		}
		if (o->strip_punct) {
			buf_addf(out, "%sstrip_punct", sep);
			sep = ",";
		}
		if (!*sep)
			buf_adds(out, "unicode");
	} else {
		const char *name = norm_mode_name(o->mode);

		buf_adds(out, name ? name : "invalid");
	}
	for (size_t i = 0; i < o->nfillers; i++)
		buf_addf(out, "%s%s", i ? "|" : ",fillers=", o->fillers[i]);
}

/* Word lists */

void wordlist_init(struct wordlist *w)
{
	memset(w, 0, sizeof(*w));
	w->text = buf_empty;
}

void wordlist_release(struct wordlist *w)
{
	if (w->alloc)
		free(w->text);
	free(w->off);
	free(w->wlen);
	wordlist_init(w);
}

void wordlist_reset(struct wordlist *w)
{
	w->len = 0;
	w->n = 0;
	if (w->alloc)
		w->text[0] = '\0';
}

/* Room for `extra` more bytes of text plus the NUL. */
static void wl_reserve(struct wordlist *w, size_t extra)
{
	size_t need = w->len + extra + 1;

	if (need > w->alloc) {
		char *old = w->alloc ? w->text : NULL;

		w->text = xgrow(old, &w->alloc, need, 1);
	}
}

/* Start a word at the end of the text, adding the separator. */
static void wl_begin(struct wordlist *w)
{
	if (w->n == w->cap) {
		size_t cap = w->cap;

		w->off = xgrow(w->off, &cap, w->n + 1, sizeof(*w->off));
		w->wlen = xgrow(w->wlen, &w->cap, w->n + 1, sizeof(*w->wlen));
	}
	if (w->n) {
		wl_reserve(w, 1);
		w->text[w->len++] = ' ';
	}
	w->off[w->n] = w->len;
}

static void wl_end(struct wordlist *w)
{
	w->wlen[w->n] = w->len - w->off[w->n];
	w->n++;
	w->text[w->len] = '\0';
}

/* UTF-8 */

/*
 * Offset of the first byte that does not start a valid UTF-8 sequence;
 * the same rules as utf8_valid() (no overlongs, surrogates or values above
 * U+10FFFF).  Returns n if the text is valid.
 */
static size_t utf8_bad_offset(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len, k;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else {
			return i;
		}
		if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		i += len;
	}
	return n;
}

static int check_utf8(const char *s, size_t n, const char *what,
		      struct buf *err)
{
	size_t bad;

	if (utf8_valid(s, n))
		return 0;
	bad = utf8_bad_offset(s, n);
	buf_addf(err, "cannot normalise the %s text: invalid UTF-8 byte "
		 "0x%02x at offset %zu", what,
		 bad < n ? (unsigned)(unsigned char)s[bad] : 0u, bad);
	return -1;
}

/* Byte modes */

#ifdef __SSE2__
/*
 * Copy s[0, 16) to d, lower-cased (ASCII) when lower, and return the bits
 * of the bytes that are ASCII white space (bit i = s[i]).
 */
static inline unsigned copy16(char *d, const char *s, bool lower)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i t = _mm_sub_epi8(v, _mm_set1_epi8('\t'));
	__m128i sp = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
				  _mm_cmpeq_epi8(_mm_min_epu8(t,
					_mm_set1_epi8('\r' - '\t')), t));

	if (lower) {
		__m128i a = _mm_sub_epi8(v, _mm_set1_epi8('A'));
		__m128i up = _mm_cmpeq_epi8(_mm_min_epu8(a,
					    _mm_set1_epi8('Z' - 'A')), a);

		v = _mm_add_epi8(v, _mm_and_si128(up, _mm_set1_epi8('a' - 'A')));
	}
	_mm_storeu_si128((__m128i *)(void *)d, v);
	return (unsigned)_mm_movemask_epi8(sp);
}
#endif

static void split_bytes(const char *s, size_t n, bool lower,
			struct wordlist *out)
{
	size_t i = 0;

	while (i < n) {
		char *d;

		while (i < n && ascii_space((unsigned char)s[i]))
			i++;
		if (i == n)
			break;
		wl_begin(out);
		/*
		 * Room for the rest of the text and 16 bytes more (a block is
		 * stored whole): one growth per text at most.
		 */
		wl_reserve(out, n - i + 16);
		d = out->text + out->len;
		/* one pass: find the word's end while copying it */
#ifdef __SSE2__
		while (i + 16 <= n) {
			unsigned sp = copy16(d, s + i, lower);

			if (sp) {
				size_t k = (size_t)__builtin_ctz(sp);

				i += k;
				d += k;
				goto word_end;
			}
			i += 16;
			d += 16;
		}
#endif
		if (lower) {
			for (; i < n && !ascii_space((unsigned char)s[i]); i++) {
				char c = s[i];

				*d++ = (c >= 'A' && c <= 'Z') ?
				       (char)(c + ('a' - 'A')) : c;
			}
		} else {
			for (; i < n && !ascii_space((unsigned char)s[i]); i++)
				*d++ = s[i];
		}
#ifdef __SSE2__
word_end:
#endif
		out->len = (size_t)(d - out->text);
		wl_end(out);
	}
}

/* Unicode mode */

/* Letters and the marks that attach to them (L*, M*). */
static bool cat_letter(int cat)
{
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_ME;
}

static bool cat_alnum(int cat)
{
	return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

static bool cat_punct(int cat)
{
	return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

static bool cp_space(utf8proc_int32_t c, int cat)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x85 ||
	       cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
	       cat == UTF8PROC_CATEGORY_ZP;
}

static int cat_at(const utf8proc_int32_t *cp, size_t len, size_t i, int d)
{
	if ((d < 0 && i == 0) || (d > 0 && i + 1 >= len))
		return UTF8PROC_CATEGORY_CN;
	return utf8proc_category(cp[(size_t)((ptrdiff_t)i + d)]);
}

/*
 * What strip_punct does with the punctuation at cp[i]: 0 separate words,
 * 1 drop it inside the word, 2 keep it (with *keep the code point).
 */
static int punct_rule(const utf8proc_int32_t *cp, size_t len, size_t i,
		      int cat, utf8proc_int32_t *keep)
{
	utf8proc_int32_t c = cp[i];
	int pc = cat_at(cp, len, i, -1), nc = cat_at(cp, len, i, 1);

	if ((c == 0x27 || c == 0x2019) && cat_alnum(pc) && cat_alnum(nc)) {
		*keep = 0x27;
		return 2;
	}
	if (c == '.' && cat_letter(pc) && cat_letter(nc))
		return 1;
	if (cat == UTF8PROC_CATEGORY_PO && pc == UTF8PROC_CATEGORY_ND &&
	    nc == UTF8PROC_CATEGORY_ND) {
		*keep = c;
		return 2;
	}
	return 0;
}

static bool is_ascii(const char *s, size_t n)
{
	unsigned char any = 0;

	for (size_t i = 0; i < n; i++)
		any |= (unsigned char)s[i];
	return any < 0x80;
}

static int split_unicode(struct normalizer *nz, const char *s, size_t n,
			 struct wordlist *out)
{
	const struct norm_opts *o = &nz->opts;
	int opt = 0;
	utf8proc_ssize_t len;
	bool in_word = false;

	if (o->nfkc)
		opt |= UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_STABLE;
	if (o->casefold)
		opt |= UTF8PROC_CASEFOLD;
	if (is_ascii(s, n)) {
		/* NFKC leaves ASCII alone and folds it to a-z: no utf8proc. */
		nz->cp = xgrow(nz->cp, &nz->cp_cap, n + 1, sizeof(*nz->cp));
		for (size_t i = 0; i < n; i++) {
			utf8proc_int32_t c = (unsigned char)s[i];

			if (o->casefold && c >= 'A' && c <= 'Z')
				c += 'a' - 'A';
			nz->cp[i] = c;
		}
		len = (utf8proc_ssize_t)n;
		goto split;
	}
	for (;;) {
		len = utf8proc_decompose((const utf8proc_uint8_t *)s,
					 (utf8proc_ssize_t)n, nz->cp,
					 (utf8proc_ssize_t)nz->cp_cap,
					 (utf8proc_option_t)opt);
		if (len < 0)
			return -1;
		if ((size_t)len <= nz->cp_cap)
			break;
		nz->cp = xgrow(nz->cp, &nz->cp_cap, (size_t)len,
			       sizeof(*nz->cp));
	}
	if (o->nfkc) {
		len = utf8proc_normalize_utf32(nz->cp, len,
					       (utf8proc_option_t)opt);
		if (len < 0)
			return -1;
	}
split:
	for (size_t i = 0; i < (size_t)len; i++) {
		utf8proc_int32_t c = nz->cp[i];
		int cat = utf8proc_category(c);

		if (cp_space(c, cat)) {
			if (in_word)
				wl_end(out);
			in_word = false;
			continue;
		}
		if (o->strip_punct && cat_punct(cat)) {
			int r = punct_rule(nz->cp, (size_t)len, i, cat, &c);

			if (r == 1)
				continue;
			if (r == 0) {
				if (in_word)
					wl_end(out);
				in_word = false;
				continue;
			}
		}
		if (!in_word) {
			wl_begin(out);
			in_word = true;
		}
		wl_reserve(out, 4);
		out->len += (size_t)utf8proc_encode_char(c,
				(utf8proc_uint8_t *)out->text + out->len);
	}
	if (in_word)
		wl_end(out);
	return 0;
}

/* Fillers */

static bool same_word(const struct wordlist *a, size_t i,
		      const struct wordlist *b, size_t j)
{
	return a->wlen[i] == b->wlen[j] &&
	       !memcmp(a->text + a->off[i], b->text + b->off[j], a->wlen[i]);
}

/* Words of the longest filler that starts at word i of w, or 0. */
static size_t filler_at(const struct normalizer *nz,
			const struct wordlist *w, size_t i)
{
	if (strmap_find(&nz->first, w->text + w->off[i], w->wlen[i]) < 0)
		return 0;
	for (size_t f = 0; f < nz->nfillers; f++) {
		const struct wordlist *fw = &nz->fillers[f].w;
		size_t k;

		if (fw->n > w->n - i)
			continue;
		for (k = 0; k < fw->n; k++)
			if (!same_word(w, i + k, fw, k))
				break;
		if (k == fw->n)
			return k;
	}
	return 0;
}

/* Cut the fillers out of w in place (words only move towards the start). */
static void remove_fillers(const struct normalizer *nz, struct wordlist *w)
{
	size_t i = 0, kept = 0, pos = 0;

	while (i < w->n) {
		size_t k = filler_at(nz, w, i);
		size_t off, wl;

		if (k) {
			i += k;
			continue;
		}
		off = w->off[i];
		wl = w->wlen[i];
		if (kept)
			w->text[pos++] = ' ';
		memmove(w->text + pos, w->text + off, wl);
		w->off[kept] = pos;
		w->wlen[kept] = wl;
		pos += wl;
		kept++;
		i++;
	}
	w->n = kept;
	w->len = pos;
	if (w->alloc)
		w->text[pos] = '\0';
}

static int split_any(struct normalizer *nz, const char *s, size_t n,
		     struct wordlist *out)
{
	switch (nz->opts.mode) {
	case NORM_SCLITE:
		split_bytes(s, n, true, out);
		return 0;
	case NORM_NONE:
		split_bytes(s, n, false, out);
		return 0;
	case NORM_UNICODE:
		return split_unicode(nz, s, n, out);
	}
	return -1;
}

static int cmp_filler_words(const void *a, const void *b)
{
	const struct filler *x = a, *y = b;

	return x->w.n < y->w.n ? 1 : x->w.n > y->w.n ? -1 : 0;
}

struct normalizer *normalizer_new(const struct norm_opts *o, struct buf *err)
{
	struct normalizer *nz;

	if (norm_opts_check(o, err))
		return NULL;
	nz = xcalloc(1, sizeof(*nz));
	norm_opts_copy(&nz->opts, o);
	strmap_init(&nz->first);
	if (o->nfillers)
		nz->fillers = xcalloc(o->nfillers, sizeof(*nz->fillers));
	for (size_t i = 0; i < o->nfillers; i++) {
		struct wordlist *w = &nz->fillers[i].w;
		const char *f = o->fillers[i];

		wordlist_init(w);
		nz->nfillers++;
		if (split_any(nz, f, strlen(f), w) || !w->n) {
			buf_addf(err, "cannot use filler word \"%s\": it is "
				 "empty after %s normalisation", f,
				 norm_mode_name(o->mode));
			normalizer_free(nz);
			return NULL;
		}
		strmap_intern(&nz->first, w->text + w->off[0], w->wlen[0],
			      NULL);
	}
	/* Stable for equal lengths: qsort is not, so order is by index too. */
	for (size_t i = 1; i < nz->nfillers; i++) {
		struct filler t = nz->fillers[i];
		size_t j = i;

		while (j > 0 && cmp_filler_words(&nz->fillers[j - 1], &t) > 0) {
			nz->fillers[j] = nz->fillers[j - 1];
			j--;
		}
		nz->fillers[j] = t;
	}
	return nz;
}

void normalizer_free(struct normalizer *nz)
{
	if (!nz)
		return;
	for (size_t i = 0; i < nz->nfillers; i++)
		wordlist_release(&nz->fillers[i].w);
	free(nz->fillers);
	strmap_release(&nz->first);
	free(nz->cp);
	norm_opts_release(&nz->opts);
	free(nz);
}

const struct norm_opts *normalizer_opts(const struct normalizer *nz)
{
	return &nz->opts;
}

int normalizer_run(struct normalizer *nz, const char *s, size_t n,
		   const char *what, struct wordlist *out, struct buf *err)
{
	wordlist_reset(out);
	if (check_utf8(s, n, what, err))
		return -1;
	if (split_any(nz, s, n, out)) {
		/* Not reached for valid UTF-8; kept as a guard. */
		wordlist_reset(out);
		buf_addf(err, "cannot normalise the %s text: utf8proc "
			 "refused it", what);
		return -1;
	}
	if (nz->nfillers && out->n)
		remove_fillers(nz, out);
	return 0;
}
