/*
 * fa.c - allocation that aborts on failure, and die().
 *
 * Out-of-memory is decided once, here, as Redis and Git do: there is no
 * sensible recovery for an audit service halfway through a computation, and
 * NULL checks after every allocation hide the real error paths.
 */
#include "fa.h"
#include <sys/mman.h>
#include <unistd.h>

static FA_NORETURN void oom(size_t n)
{
	fprintf(stderr, "fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

/*
 * Blocks this large (a million-row column, a hash table's slots) are
 * mmap()ed by malloc and would take one page fault per 4 KiB page, which
 * under a hypervisor cost more than the work that fills them.  Asking for
 * transparent huge pages where the system leaves it to madvise() makes
 * that one fault per 2 MiB; it changes nothing else.
 */
#define HUGE_ADVICE_BYTES (2u << 20)

static void *advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
	if (n >= HUGE_ADVICE_BYTES) {
		/*
		 * The whole pages the block touches: malloc's mapping of a
		 * block this size begins a few bytes before it and ends on
		 * the page after it, and advice for only part of a mapping
		 * would split it, after which realloc can no longer grow
		 * it with mremap() and copies it instead.
		 */
		uintptr_t a = (uintptr_t)p, page = 4096;
		uintptr_t lo = a & ~(page - 1);
		uintptr_t hi = (a + n + page - 1) & ~(page - 1);

		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	}
#else
	(void)n;
#endif
	return p;
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return advise_huge(p, n);
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return advise_huge(p, nmemb * size);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return advise_huge(q, n);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap;

	if (need <= c)
		return p;
	if (c < 16)
		c = 16;
	while (c < need)
		c = c / 2 * 3 + 16;
	*cap = c;
	return xrealloc(p, c * elem);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
