/*
 * buf.c - growable strings with a cap; see buf.h for the contract.
 */
#include "buf.h"

char buf_empty[1];

void buf_init(struct buf *b, size_t cap)
{
	b->s = buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
	b->toobig = false;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->s);
	buf_init(b, b->cap);
}

void buf_clear(struct buf *b)
{
	buf_release(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->alloc)
		b->s[0] = '\0';
	b->toobig = false;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *s;

	if (!b->alloc) {
		s = xstrdup("");
	} else {
		s = b->s;
	}
	if (len)
		*len = b->len;
	buf_init(b, b->cap);
	return s;
}

/* Make room for n more bytes plus the terminator; -1 if over the cap. */
static int buf_grow(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;

	if (b->cap && b->len + n > b->cap) {
		b->toobig = true;
		return -1;
	}
	if (need <= b->alloc)
		return 0;
	if (!b->alloc) {
		size_t a = need < 64 ? 64 : need;
		b->s = xmalloc(a);
		b->s[0] = '\0';
		b->alloc = a;
		return 0;
	}
	b->s = xgrow(b->s, &b->alloc, need, 1);
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return r;
}

int buf_add_u64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return buf_add(b, tmp + sizeof(tmp) - n, n);
}

int buf_add_json_escaped(struct buf *b, const char *s, size_t n)
{
	size_t i, start = 0;
	int r = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (c < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				esc = u;
			}
		}
		if (esc) {
			r |= buf_add(b, s + start, i - start);
			r |= buf_adds(b, esc);
			start = i + 1;
		}
	}
	r |= buf_add(b, s + start, n - start);
	return r ? -1 : 0;
}

int buf_add_html_escaped(struct buf *b, const char *s, size_t n)
{
	size_t i, start = 0;
	int r = 0;

	for (i = 0; i < n; i++) {
		const char *esc;

		switch (s[i]) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		r |= buf_add(b, s + start, i - start);
		r |= buf_adds(b, esc);
		start = i + 1;
	}
	r |= buf_add(b, s + start, n - start);
	return r ? -1 : 0;
}

void buf_add_double_shortest(struct buf *b, double d)
{
	char tmp[64];

	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(tmp, sizeof(tmp), "%.0f", d == 0 ? 0.0 : d);
	} else {
		snprintf(tmp, sizeof(tmp), "%.15g", d);
		if (strtod(tmp, NULL) != d)
			snprintf(tmp, sizeof(tmp), "%.17g", d);
	}
	buf_adds(b, tmp);
}
