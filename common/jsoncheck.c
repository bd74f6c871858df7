/*
 * jsoncheck.c - the strict JSON body check of jsoncheck.h.
 *
 * A recursive-descent recogniser of RFC 8259 that builds nothing but the
 * unescaped keys of the objects still open.  Each object remembers where
 * its keys start in c->keys; when it closes, its keys are compared (pairwise
 * for a few, sorted for more, so an object of a million keys costs
 * n log n whatever the keys are) and then dropped, arena bytes included.
 * Strings that are values are checked but not copied.
 */
#include "common/fa.h"
#include "common/jsoncheck.h"
#include "common/util.h"

#define PAIRWISE_KEYS 8		/* up to this many keys: compare every pair */
#define QUOTE_KEY_BYTES 64	/* of a duplicate key, in the message */

struct key {
	size_t off, len;	/* unescaped bytes in c->arena */
	size_t at;		/* offset of its opening quote in the input */
};

struct checker {
	const unsigned char *s;
	size_t n, i;
	struct buf *err;
	int depth;
	char *arena;		/* unescaped keys of the open objects */
	size_t alen, acap;
	struct key *keys;	/* keys of the open objects, innermost last */
	size_t nkeys, kcap;
};

static int fail(struct checker *c, const char *fmt, ...) FA_PRINTF(2, 3);

static int fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(c->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* "expected X at offset N of the JSON body, found Y" for the byte at c->i. */
static int unexpected(struct checker *c, const char *expected)
{
	unsigned char ch;

	if (c->i >= c->n)
		return fail(c, "expected %s at offset %zu of the JSON body, found"
			    " the end of the body", expected, c->i);
	ch = c->s[c->i];
	if (ch == 0)
		return fail(c, "expected %s at offset %zu of the JSON body, found"
			    " a NUL byte", expected, c->i);
	if (ch > 0x20 && ch < 0x7f)
		return fail(c, "expected %s at offset %zu of the JSON body, found"
			    " '%c'", expected, c->i, ch);
	return fail(c, "expected %s at offset %zu of the JSON body, found byte"
		    " 0x%02x", expected, c->i, ch);
}

static int peek(const struct checker *c)
{
	return c->i < c->n ? c->s[c->i] : -1;
}

static void skip_ws(struct checker *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' ||
			       c->s[c->i] == '\n' || c->s[c->i] == '\r'))
		c->i++;
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* Length of the valid UTF-8 sequence of 2 to 4 bytes at p, or 0. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t len;

	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4;
	else
		return 0;
	if (avail < len)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && p[1] < 0xA0) ||	/* overlong */
	    (c == 0xED && p[1] >= 0xA0) ||	/* a surrogate */
	    (c == 0xF0 && p[1] < 0x90) ||	/* overlong */
	    (c == 0xF4 && p[1] >= 0x90))	/* above U+10FFFF */
		return 0;
	return len;
}

static void arena_add(struct checker *c, const void *p, size_t n)
{
	c->arena = xgrow(c->arena, &c->acap, c->alen + n, 1);
	memcpy(c->arena + c->alen, p, n);
	c->alen += n;
}

static void arena_add_code_point(struct checker *c, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xC0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	arena_add(c, u, n);
}

/* Four hex digits at c->i as a UTF-16 code unit, or -1. */
static long hex4(const struct checker *c)
{
	long v = 0;

	if (c->n - c->i < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hex_value(c->s[c->i + k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * The \uXXXX escape whose 'u' is at c->i - 1 (a second one for a
 * surrogate pair); the code point goes to *cp.
 */
static int unicode_escape(struct checker *c, size_t start, uint32_t *cp)
{
	size_t at = c->i - 2;
	long u = hex4(c), lo;

	if (u < 0)
		return fail(c, "the string at offset %zu of the JSON body has a"
			    " \\u escape without four hex digits (offset %zu)",
			    start, at);
	c->i += 4;
	if (u == 0)
		return fail(c, "the string at offset %zu of the JSON body contains"
			    " \\u0000 (a NUL character, offset %zu)", start, at);
	if (u >= 0xDC00 && u <= 0xDFFF)
		return fail(c, "the string at offset %zu of the JSON body has an"
			    " unpaired surrogate \\u%04lx (offset %zu)", start,
			    u, at);
	if (u < 0xD800 || u > 0xDBFF) {
		*cp = (uint32_t)u;
		return 0;
	}
	if (c->n - c->i < 2 || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
		return fail(c, "the string at offset %zu of the JSON body has an"
			    " unpaired surrogate \\u%04lx (offset %zu)", start,
			    u, at);
	c->i += 2;
	lo = hex4(c);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(c, "the string at offset %zu of the JSON body has an"
			    " unpaired surrogate \\u%04lx (offset %zu)", start,
			    u, at);
	c->i += 4;
	*cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
	return 0;
}

/* The string at c->i (its opening quote); unescaped into the arena if key. */
static int parse_string(struct checker *c, bool key)
{
	size_t start = c->i;

	c->i++;
	for (;;) {
		unsigned char ch;
		size_t len;

		if (c->i >= c->n)
			return fail(c, "the string at offset %zu of the JSON body is"
				    " not closed", start);
		ch = c->s[c->i];
		if (ch == '"') {
			c->i++;
			return 0;
		}
		if (ch == 0)
			return fail(c, "the string at offset %zu of the JSON body"
				    " contains a NUL byte (offset %zu)", start, c->i);
		if (ch < 0x20)
			return fail(c, "the string at offset %zu of the JSON body"
				    " contains the control character 0x%02x"
				    " unescaped (offset %zu)", start, ch, c->i);
		if (ch < 0x80 && ch != '\\') {
			if (key)
				arena_add(c, &ch, 1);
			c->i++;
			continue;
		}
		if (ch >= 0x80) {
			len = utf8_seq(c->s + c->i, c->n - c->i);
			if (!len)
				return fail(c, "the string at offset %zu of the JSON"
					    " body is not valid UTF-8 (offset %zu)",
					    start, c->i);
			if (key)
				arena_add(c, c->s + c->i, len);
			c->i += len;
			continue;
		}
		/* a backslash */
		if (c->i + 1 >= c->n)
			return fail(c, "the string at offset %zu of the JSON body is"
				    " not closed", start);
		ch = c->s[c->i + 1];
		c->i += 2;
		switch (ch) {
		case '"': case '\\': case '/':
			break;
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u': {
			uint32_t cp = 0;

			if (unicode_escape(c, start, &cp))
				return -1;
			if (key)
				arena_add_code_point(c, cp);
			continue;
		}
		default:
			return fail(c, "the string at offset %zu of the JSON body has"
				    " an invalid escape (offset %zu)", start,
				    c->i - 2);
		}
		if (key)
			arena_add(c, &ch, 1);
	}
}

static int parse_number(struct checker *c)
{
	size_t start = c->i;

	if (peek(c) == '-')
		c->i++;
	if (peek(c) == '0') {
		c->i++;
	} else if (is_digit(peek(c))) {
		while (is_digit(peek(c)))
			c->i++;
	} else {
		return fail(c, "the number at offset %zu of the JSON body is not"
			    " valid", start);
	}
	if (peek(c) == '.') {
		c->i++;
		if (!is_digit(peek(c)))
			return fail(c, "the number at offset %zu of the JSON body"
				    " is not valid", start);
		while (is_digit(peek(c)))
			c->i++;
	}
	if (peek(c) == 'e' || peek(c) == 'E') {
		c->i++;
		if (peek(c) == '+' || peek(c) == '-')
			c->i++;
		if (!is_digit(peek(c)))
			return fail(c, "the number at offset %zu of the JSON body"
				    " is not valid", start);
		while (is_digit(peek(c)))
			c->i++;
	}
	return 0;
}

static int parse_literal(struct checker *c, const char *word)
{
	size_t len = strlen(word);

	if (c->n - c->i < len || memcmp(c->s + c->i, word, len))
		return unexpected(c, "a value");
	c->i += len;
	return 0;
}

static int parse_value(struct checker *c);

static int parse_array(struct checker *c)
{
	c->i++;
	skip_ws(c);
	if (peek(c) == ']') {
		c->i++;
		return 0;
	}
	for (;;) {
		if (parse_value(c))
			return -1;
		skip_ws(c);
		if (peek(c) == ',') {
			c->i++;
			skip_ws(c);
			continue;
		}
		if (peek(c) == ']') {
			c->i++;
			return 0;
		}
		return unexpected(c, "',' or ']'");
	}
}

struct key_view {
	const char *p;
	size_t len, at;
};

static int key_view_cmp(const void *a, const void *b)
{
	const struct key_view *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int d = memcmp(x->p, y->p, n);

	if (d)
		return d;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

static int duplicate(struct checker *c, const char *p, size_t len, size_t at)
{
	size_t show = len;

	if (show > QUOTE_KEY_BYTES) {
		show = QUOTE_KEY_BYTES;
		while (show && ((unsigned char)p[show] & 0xC0) == 0x80)
			show--;		/* cut at a character boundary */
	}
	buf_adds(c->err, "key \"");
	buf_add_json_escaped(c->err, p, show);
	return fail(c, "%s\" appears twice in one object of the JSON body (again"
		    " at offset %zu)", show < len ? "..." : "", at);
}

/*
 * Keys c->keys[first..nkeys) of one object: -1 (and the message) if two
 * are equal, naming the later occurrence that comes first in the text.
 */
static int check_keys(struct checker *c, size_t first)
{
	size_t n = c->nkeys - first;
	struct key_view *v;
	size_t best = SIZE_MAX, bi = 0;

	if (n < 2)
		return 0;
	if (n <= PAIRWISE_KEYS) {
		for (size_t a = first; a < c->nkeys; a++)
			for (size_t b = first; b < a; b++)
				if (c->keys[a].len == c->keys[b].len &&
				    !memcmp(c->arena + c->keys[a].off,
					    c->arena + c->keys[b].off,
					    c->keys[a].len) &&
				    c->keys[a].at < best) {
					best = c->keys[a].at;
					bi = a;
				}
		if (best == SIZE_MAX)
			return 0;
		return duplicate(c, c->arena + c->keys[bi].off, c->keys[bi].len,
				 best);
	}
	v = xmalloc(n * sizeof(*v));
	for (size_t k = 0; k < n; k++) {
		v[k].p = c->arena + c->keys[first + k].off;
		v[k].len = c->keys[first + k].len;
		v[k].at = c->keys[first + k].at;
	}
	qsort(v, n, sizeof(*v), key_view_cmp);
	for (size_t k = 1; k < n; k++)
		if (v[k].len == v[k - 1].len && !memcmp(v[k].p, v[k - 1].p, v[k].len) &&
		    v[k].at < best) {
			best = v[k].at;
			bi = k;
		}
	if (best != SIZE_MAX)
		duplicate(c, v[bi].p, v[bi].len, best);
	free(v);
	return best == SIZE_MAX ? 0 : -1;
}

static int parse_object(struct checker *c)
{
	size_t first = c->nkeys, arena_mark = c->alen;
	int ret = -1;

	c->i++;
	skip_ws(c);
	if (peek(c) == '}') {
		c->i++;
		return 0;
	}
	for (;;) {
		struct key *k;

		if (peek(c) != '"') {
			unexpected(c, "a key in double quotes");
			goto out;
		}
		c->keys = xgrow(c->keys, &c->kcap, c->nkeys + 1, sizeof(*c->keys));
		k = &c->keys[c->nkeys];
		k->off = c->alen;
		k->at = c->i;
		if (parse_string(c, true))
			goto out;
		k->len = c->alen - k->off;
		c->nkeys++;
		skip_ws(c);
		if (peek(c) != ':') {
			unexpected(c, "':'");
			goto out;
		}
		c->i++;
		skip_ws(c);
		if (parse_value(c))
			goto out;
		skip_ws(c);
		if (peek(c) == ',') {
			c->i++;
			skip_ws(c);
			continue;
		}
		if (peek(c) == '}') {
			c->i++;
			ret = check_keys(c, first);
			goto out;
		}
		unexpected(c, "',' or '}'");
		goto out;
	}
out:
	c->nkeys = first;
	c->alen = arena_mark;
	return ret;
}

static int parse_value(struct checker *c)
{
	int ch = peek(c), ret;

	switch (ch) {
	case '{':
	case '[':
		if (++c->depth > JSONCHECK_MAX_DEPTH)
			return fail(c, "the JSON body nests arrays and objects more"
				    " than %d deep (offset %zu)",
				    JSONCHECK_MAX_DEPTH, c->i);
		ret = ch == '{' ? parse_object(c) : parse_array(c);
		c->depth--;
		return ret;
	case '"':
		return parse_string(c, false);
	case 't':
		return parse_literal(c, "true");
	case 'f':
		return parse_literal(c, "false");
	case 'n':
		return parse_literal(c, "null");
	default:
		if (ch == '-' || is_digit(ch))
			return parse_number(c);
		return unexpected(c, "a value");
	}
}

int json_check(const char *s, size_t n, struct buf *err)
{
	struct checker c = { 0 };
	int ret;

	c.s = (const unsigned char *)s;
	c.n = n;
	c.err = err;
	skip_ws(&c);
	ret = parse_value(&c);
	if (!ret) {
		skip_ws(&c);
		if (c.i < c.n)
			ret = unexpected(&c, "nothing more after the value");
	}
	free(c.arena);
	free(c.keys);
	return ret;
}
