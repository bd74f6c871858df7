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
#ifdef __GLIBC__
#include <malloc.h>
#endif

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

/*
 * A command that builds a few large tables and exits (fa_memory_setup()):
 * its blocks are taken from one heap that grows 64 MiB at a time and is
 * advised for huge pages as it grows, before any of the new memory is
 * touched.  Advice given per block comes too late for the 2 MiB regions
 * that smaller blocks have already touched, which then fault 4 KiB at a
 * time however large the blocks placed there later: 16,000 faults for a
 * million-row audit, against 1,200 this way.
 */
#define SETUP_TOP_PAD (64u << 20)
#define SETUP_MMAP_THRESHOLD (32u << 20)	/* glibc's most, 64-bit */
#define SETUP_TRIM_THRESHOLD (256u << 20)

static uintptr_t heap_advised;	/* 0: not set up */

/* New heap memory, advised before malloc hands it out. */
static void advise_heap(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	uintptr_t now, old;

	if (!__atomic_load_n(&heap_advised, __ATOMIC_RELAXED))
		return;
	now = (uintptr_t)sbrk(0) & ~(uintptr_t)4095;
	old = __atomic_load_n(&heap_advised, __ATOMIC_RELAXED);
	if (now <= old || !__atomic_compare_exchange_n(&heap_advised, &old,
			now, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	(void)madvise((void *)old, now - old, MADV_HUGEPAGE);
#endif
}

void fa_memory_setup(void)
{
#if defined(__GLIBC__) && defined(MADV_HUGEPAGE)
	void *p;

	if (!mallopt(M_ARENA_MAX, 1) ||
	    !mallopt(M_MMAP_THRESHOLD, SETUP_MMAP_THRESHOLD) ||
	    !mallopt(M_TOP_PAD, SETUP_TOP_PAD) ||
	    !mallopt(M_TRIM_THRESHOLD, SETUP_TRIM_THRESHOLD))
		return;
	/* the heap's first growth: advise from the next whole huge page */
	p = malloc(1);
	heap_advised = ((uintptr_t)p + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1);
	free(p);
	advise_heap();
#endif
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	advise_heap();
	return advise_huge(p, n);
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	advise_heap();
	return advise_huge(p, nmemb * size);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	advise_heap();
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
