/*
 * html_escape.c - the one HTML escaper of fairaudit, safe links and
 * percent-encoding.
 *
 * Escaping happens at the last moment and only through html_esc() and
 * html_esc_n(), which put U+FFFD in place of invalid UTF-8 and control
 * characters and otherwise defer to buf_add_html_escaped().  Labels are
 * built raw and escaped when printed, so nothing is escaped twice, and
 * every attribute value printed is double-quoted.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t utf8_seq(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (k > n || !utf8_valid(s, k))
		return 0;
	return k;
}

static bool bad_control(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* See html.h. */
void html_esc_n(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, start = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k;

		if (c >= 0x20 && c < 0x7f) {
			i++;
			continue;
		}
		k = bad_control(c) ? 0 : utf8_seq(s + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		buf_add_html_escaped(b, s + start, i - start);
		buf_adds(b, REPLACEMENT);
		start = ++i;
	}
	buf_add_html_escaped(b, s + start, n - start);
}

void html_esc(struct buf *b, const char *s)
{
	if (s)
		html_esc_n(b, s, strlen(s));
}

/* html_esc() of at most max code points, the last one an ellipsis if cut. */
void esc_trunc(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), i = 0, chars = 0, cut = n;

	while (i < n) {
		size_t k = utf8_seq(s + i, n - i);

		if (chars == max - 1)
			cut = i;
		chars++;
		i += k ? k : 1;
	}
	if (chars <= max) {
		html_esc_n(b, s, n);
		return;
	}
	html_esc_n(b, s, cut);
	buf_adds(b, ELLIPSIS);
}

/* True if a caller-given link may be printed as an href. */
static bool href_safe(const char *h)
{
	size_t i;

	if (!h || !*h)
		return false;
	for (i = 0; h[i]; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c <= 0x20 || c == 0x7f || c == '\\')
			return false;
	}
	if (h[0] == '/' || h[0] == '?' || h[0] == '#' || h[0] == '.')
		return true;
	if (!strncasecmp(h, "http://", 7) || !strncasecmp(h, "https://", 8))
		return true;
	/* a relative path: no scheme before the first / ? # */
	i = strcspn(h, ":/?#");
	return h[i] != ':';
}

void add_href(struct buf *b, const char *h)
{
	buf_adds(b, " href=\"");
	if (href_safe(h))
		html_esc(b, h);
	else
		buf_addch(b, '#');
	buf_addch(b, '"');
}

/* Percent-encode s for a URL path segment. */
void add_pct(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_addch(b, (char)c);
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[c >> 4]);
			buf_addch(b, hex[c & 15]);
		}
	}
}
