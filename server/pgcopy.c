/*
 * pgcopy.c - COPY text format escaping; see pgcopy.h.
 */
#include "common/fa.h"
#include "server/pgcopy.h"

void copy_escape(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		const char *esc;

		switch (s[i]) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		buf_add(b, s + start, i - start);
		buf_add(b, esc, 2);
		start = i + 1;
	}
	buf_add(b, s + start, n - start);
}

size_t copy_unescape(char *s, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		char c = s[i++];

		if (c == '\\' && i < n) {
			char e = s[i++];

			switch (e) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			default:
				if (e >= '0' && e <= '7') {
					int v = e - '0';
					for (int k = 0; k < 2 && i < n &&
					     s[i] >= '0' && s[i] <= '7'; k++)
						v = v * 8 + (s[i++] - '0');
					c = (char)v;
				} else {
					c = e;
				}
			}
		}
		s[o++] = c;
	}
	return o;
}
