/*
 * alignment.c - sclite's weighted alignment; see alignment.h for the rules.
 *
 * sclite (src/sclite/net_dp.c) fills a full table of cells, each keeping
 * its cost and a back pointer chosen by the tie-break, then follows the
 * back pointers from the last cell.  The chosen path depends only on the
 * costs, so its counts can be carried forward instead: every cell holds
 * the cost of its chosen path and how many deletions that path has.  With
 * del - ins = a - b at cell (a, b) and cost = 4 sub + 3 (del + ins), the
 * cost and the deletions give all four counts at the last cell.  One row
 * of (cost, deletions) pairs is all the memory the counts need.
 *
 * Two facts keep it fast and are exact, not heuristics:
 *  - at a cell whose words are equal sclite always takes the diagonal:
 *    neighbouring costs differ by at most 3 (dropping one word from an
 *    optimal alignment changes its cost by at most the 3 of an insertion
 *    or deletion), so cost(a-1, b-1) + 0 is never more than either
 *    cost(a-1, b) + 3 or cost(a, b-1) + 3.  That cell needs no compare;
 *  - for the same reason a common suffix is always aligned as correct
 *    words, so it is stripped before the table is filled.  (A common
 *    prefix is not: the tie-break can route around it with equal cost
 *    and a different S/D/I split, so it stays.)
 *
 * Counts fill only a diagonal band of the table, widened once if the
 * first band turns out too narrow to be sure (dp_band() says when a band
 * is exact).  When the alignment itself is wanted, the whole table is
 * filled, each cell's choice kept in two bits, and the chain walked back
 * from the end, as sclite does.
 *
 * Words become integer ids per utterance: reference words are interned in
 * an open-addressing table whose slots carry a generation stamp, so the
 * table is never cleared between utterances; a hypothesis word that is not
 * in the reference gets an id no reference word has.
 */
#include "common/fa.h"
#include "metrics/alignment.h"
#include "common/util.h"
#include "common/strmap.h"
#define XXH_INLINE_ALL
#include <xxhash.h>

enum { DIR_DIAG = 0, DIR_DEL = 1, DIR_INS = 2 };

#define COST_SUB 4
#define COST_DEL 3
#define COST_INS 3

#define NO_ID UINT32_MAX

struct cell {
	uint32_t cost;
	uint32_t del;
};

struct slot {
	uint64_t hash;
	uint32_t word;		/* reference word index; its id is rid[word] */
	uint32_t stamp;		/* occupied when equal to the current stamp */
};

struct aligner {
	struct normalizer *nz;
	struct wordlist ref, hyp;

	uint32_t *rid, *hid;		/* word ids */
	size_t rid_cap, hid_cap;
	uint32_t *rc, *hc;		/* code points */
	size_t rc_cap, hc_cap;

	struct slot *slots;
	size_t nslots;
	uint32_t stamp;

	struct cell *row;		/* ALIGN_OPS */
	size_t row_cap;
	uint64_t *band;			/* counts: packed cells */
	size_t band_cap;
	uint32_t *diag;			/* counts, anti-diagonal: see dp_diag */
	size_t diag_cap;
	uint16_t *d16;			/* counts, 16-bit cells: see dp_diag_avx2 */
	size_t d16_cap;
	int simd;			/* 2: dp_diag16(), 1: dp_diag_avx2(),
					   0: neither */
	uint8_t *dir;			/* 2 bits per cell, ALIGN_OPS */
	size_t dir_cap;

	struct align_op *ops;
	size_t nops, ops_cap;

	struct align_tally chars;
};

static int simd_level(void);

struct aligner *aligner_new(const struct norm_opts *o, struct buf *err)
{
	struct aligner *al;
	struct normalizer *nz = normalizer_new(o, err);

	if (!nz)
		return NULL;
	al = xcalloc(1, sizeof(*al));
	al->nz = nz;
	al->simd = simd_level();
	wordlist_init(&al->ref);
	wordlist_init(&al->hyp);
	return al;
}

void aligner_free(struct aligner *al)
{
	if (!al)
		return;
	normalizer_free(al->nz);
	wordlist_release(&al->ref);
	wordlist_release(&al->hyp);
	free(al->rid);
	free(al->hid);
	free(al->rc);
	free(al->hc);
	free(al->slots);
	free(al->row);
	free(al->band);
	free(al->diag);
	free(al->d16);
	free(al->dir);
	free(al->ops);
	free(al);
}

const struct norm_opts *aligner_opts(const struct aligner *al)
{
	return normalizer_opts(al->nz);
}

/* The dynamic programme */

/* Counts at the last cell from its cost and deletions. */
static void tally_from_cell(struct cell c, size_t n, size_t m,
			    struct align_tally *t)
{
	uint32_t ins = (uint32_t)((int64_t)c.del + (int64_t)m - (int64_t)n);
	uint32_t sub = (c.cost - COST_DEL * c.del - COST_INS * ins) / COST_SUB;

	t->del = c.del;
	t->ins = ins;
	t->sub = sub;
	t->hits = (uint32_t)n - sub - c.del;
}

/*
 * The whole table, row by row (a over the reference, b over the
 * hypothesis), keeping one row of costs and recording every cell's choice
 * in dir (n m 2-bit cells, zeroed).  It is sclite's table written plainly,
 * and the unit tests check the banded counts below against it.
 */
static struct cell dp_fill(const uint32_t *r, size_t n, const uint32_t *h,
			   size_t m, struct cell *row, uint8_t *dir)
{
	for (size_t b = 0; b <= m; b++) {
		row[b].cost = (uint32_t)(COST_INS * b);
		row[b].del = 0;
	}
	for (size_t a = 1; a <= n; a++) {
		uint32_t ra = r[a - 1];
		struct cell diag = row[0], left;
		size_t k = (a - 1) * m;

		row[0].cost += COST_DEL;
		row[0].del++;
		left = row[0];
		for (size_t b = 1; b <= m; b++, k++) {
			struct cell up = row[b], c;
			unsigned d = DIR_DIAG;

			if (h[b - 1] == ra) {
				c = diag;
			} else {
				uint32_t s = diag.cost + COST_SUB;
				uint32_t dl = up.cost + COST_DEL;
				uint32_t in = left.cost + COST_INS;

				if (s <= dl && s <= in) {
					c.cost = s;
					c.del = diag.del;
				} else if (dl < in) {
					c.cost = dl;
					c.del = up.del + 1;
					d = DIR_DEL;
				} else {
					c.cost = in;
					c.del = left.del;
					d = DIR_INS;
				}
			}
			dir[k >> 2] |= (uint8_t)(d << ((k & 3) * 2));
			row[b] = c;
			diag = up;
			left = c;
		}
	}
	return row[m];
}

static size_t common_suffix(const uint32_t *r, size_t n, const uint32_t *h,
			    size_t m)
{
	size_t t = 0;

	while (t < n && t < m && r[n - 1 - t] == h[m - 1 - t])
		t++;
	return t;
}

/*
 * Band cells are packed into one word, cost in the high half and
 * deletions in the low half, so a step is one addition.
 */
#define PACK(cost, del) (((uint64_t)(cost) << 32) | (uint64_t)(del))
#define COST(x) ((x) >> 32)
#define STEP_SUB PACK(COST_SUB, 0)
#define STEP_DEL PACK(COST_DEL, 1)
#define STEP_INS PACK(COST_INS, 0)
#define CELL_INF PACK(UINT32_MAX / 2, 0)

/*
 * The counts-only table restricted to a diagonal band: cell (a, b) is
 * filled when b - a lies within k of the span [min(0, m-n), max(0, m-n)];
 * cells outside count as unreachable.  Every full path through a cell
 * whose b - a is e outside that span costs at least 3 (|m - n| + 2 e), the
 * indels it cannot avoid, so every cell with that bound at most
 * T = 3 (|m - n| + 2 k) is in the band.  If the band's result is at most T,
 * it is exact, tie-break included: a cell on the chosen path, and every
 * predecessor that ties for its minimum, lies on a path of cost at most
 * the optimum, hence within the band, and cells the band cuts off only
 * ever lose comparisons they would have lost anyway.  Returns that test;
 * *last is the cell (n, m).
 */
static bool dp_band(const uint32_t *r, size_t n, const uint32_t *h,
		    size_t m, size_t k, uint64_t *row, uint64_t *last)
{
	ptrdiff_t span = (ptrdiff_t)m - (ptrdiff_t)n;
	ptrdiff_t dlo = (span < 0 ? span : 0) - (ptrdiff_t)k;
	ptrdiff_t dhi = (span > 0 ? span : 0) + (ptrdiff_t)k;
	ptrdiff_t mm = (ptrdiff_t)m;
	size_t hi0 = (size_t)(dhi < mm ? dhi : mm), prev_hi = hi0;
	uint64_t limit = 3 * ((uint64_t)(span < 0 ? -span : span) + 2 * k);

	for (size_t b = 0; b <= hi0; b++)
		row[b] = PACK(COST_INS * b, 0);
	for (size_t a = 1; a <= n; a++) {
		ptrdiff_t lo_d = (ptrdiff_t)a + dlo, hi_d = (ptrdiff_t)a + dhi;
		size_t lo = lo_d > 0 ? (size_t)lo_d : 0;
		size_t hi = (size_t)(hi_d < mm ? hi_d : mm);
		uint32_t ra = r[a - 1];
		uint64_t diag, left;
		size_t b;

		if (hi > prev_hi)
			row[hi] = CELL_INF;	/* (a-1, hi) is outside */
		prev_hi = hi;
		if (lo == 0) {
			diag = row[0];
			row[0] += STEP_DEL;
			left = row[0];
			b = 1;
		} else {
			diag = row[lo - 1];
			left = CELL_INF;
			b = lo;
		}
		for (; b <= hi; b++) {
			uint64_t up = row[b];
			uint64_t s = diag + STEP_SUB;
			uint64_t dl = up + STEP_DEL;
			uint64_t in = left + STEP_INS;
			/* The tie-break, without branches. */
			uint64_t t = COST(dl) < COST(in) ? dl : in;
			uint64_t c = COST(s) <= COST(t) ? s : t;

			c = h[b - 1] == ra ? diag : c;
			row[b] = c;
			diag = up;
			left = c;
		}
	}
	*last = row[m];
	return COST(*last) <= limit || (k >= n && k >= m);
}

/*
 * The same band, eight cells at a time (AVX2), along anti-diagonals.
 *
 * Along a row, each cell waits for its left neighbour; along an
 * anti-diagonal (a + b = d) no cell depends on another, since (a, b)
 * reads (a-1, b) and (a, b-1) of anti-diagonal d-1 and (a-1, b-1) of
 * d-2.  Three anti-diagonals are kept, indexed by a (at position a + 1,
 * so that a = -1 is a cell too), and the band's cells of each are filled
 * in lanes of eight: the same additions, comparisons and tie-break as
 * dp_band(), on cells of 32 bits (cost in the high 16, deletions in the
 * low 16), so the same numbers.  Unreachable cells hold INF32, kept at
 * both ends of every anti-diagonal's interval and at a = -1.  The
 * hypothesis is read backwards (h[d - a - 1] rises with a), so each lane
 * loads its reference and hypothesis symbols with one load each.
 *
 * Costs never exceed 3 (n + m), so texts up to DIAG_MAX_LEN symbols in
 * all fit 16 bits with INF32 above every cost; longer ones take
 * dp_band().  Lanes past the interval compute garbage that is never read:
 * every buffer has DIAG_PAD spare cells.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_DIAG 1

#define P32(cost, del) (((uint32_t)(cost) << 16) | (uint32_t)(del))
#define INF32 P32(0x7000, 0)
#define DIAG_MAX_LEN 7000	/* 3 * 7000 < 0x7000 */
#define DIAG_PAD 18	/* a lane of sixteen and the cell after it */
#define DIAG_PAD_SYM 0xfffffff0u	/* matches no reference symbol */

static int diag_max = 2;	/* lowered by align_set_simd() */

/*
 * The buffers of an anti-diagonal fill: three anti-diagonals of w cells,
 * all unreachable but the cell (0, 0), then the reference (rp[a] =
 * r[a - 1]) and the hypothesis backwards (hr[i] = h[m - 1 - i]), each
 * padded with symbols that match nothing.
 */
struct diag_bufs {
	uint32_t *p2, *p1, *cur, *rp, *hr;
};

static struct diag_bufs diag_setup(struct aligner *al, const uint32_t *r,
				   size_t n, const uint32_t *h, size_t m)
{
	size_t w = n + DIAG_PAD, need = 3 * w + (n + DIAG_PAD) + (m + DIAG_PAD);
	struct diag_bufs d;
	uint32_t *buf;

	al->diag = xgrow(al->diag, &al->diag_cap, need, sizeof(*al->diag));
	buf = al->diag;
	d.p2 = buf;
	d.p1 = buf + w;
	d.cur = buf + 2 * w;
	d.rp = buf + 3 * w;
	d.hr = d.rp + n + DIAG_PAD;
	for (size_t i = 0; i < 3 * w; i++)
		buf[i] = INF32;
	d.p1[1] = P32(0, 0);	/* anti-diagonal 0: the cell (0, 0) */
	d.rp[0] = DIAG_PAD_SYM;
	memcpy(d.rp + 1, r, n * sizeof(*r));
	for (size_t i = n + 1; i < n + DIAG_PAD; i++)
		d.rp[i] = DIAG_PAD_SYM;
	for (size_t i = 0; i < m; i++)
		d.hr[i] = h[m - 1 - i];
	for (size_t i = m; i < m + DIAG_PAD; i++)
		d.hr[i] = DIAG_PAD_SYM + 1;
	return d;
}

/*
 * Anti-diagonal d's interval of a: 0 <= a <= n, 0 <= d - a <= m, and in
 * the band of diagonals [dlo, dhi].
 */
static inline void diag_interval(ptrdiff_t d, ptrdiff_t dlo, ptrdiff_t dhi,
				 size_t n, size_t m, ptrdiff_t *lo,
				 ptrdiff_t *hi)
{
	*lo = d - dhi <= 0 ? 0 : (d - dhi + 1) / 2;
	*hi = (d - dlo) / 2;
	if (*lo < d - (ptrdiff_t)m)
		*lo = d - (ptrdiff_t)m;
	if (*hi > (ptrdiff_t)n)
		*hi = (ptrdiff_t)n;
	if (*hi > d)
		*hi = d;
}

/*
 * After anti-diagonal cur is filled over [lo, hi]: its cells just outside
 * are unreachable, and it becomes p1 (p1 becomes p2, p2 the next cur).
 */
static inline void diag_next(struct diag_bufs *b, ptrdiff_t lo, ptrdiff_t hi)
{
	uint32_t *t = b->p2;

	b->cur[lo] = INF32;	/* a = lo - 1 */
	b->cur[hi + 2] = INF32;	/* a = hi + 1 */
	b->p2 = b->p1;
	b->p1 = b->cur;
	b->cur = t;
}

/* The band's diagonals, [dlo, dhi], and the bound of dp_band()'s test. */
struct diag_band {
	ptrdiff_t dlo, dhi;
	uint64_t limit;
};

static struct diag_band diag_band(size_t n, size_t m, size_t k)
{
	ptrdiff_t span = (ptrdiff_t)m - (ptrdiff_t)n;

	return (struct diag_band){
		(span < 0 ? span : 0) - (ptrdiff_t)k,
		(span > 0 ? span : 0) + (ptrdiff_t)k,
		3 * ((uint64_t)(span < 0 ? -span : span) + 2 * k)
	};
}

/* The cell (n, m) from its 32 bits, and the test. */
static bool diag_result(uint32_t fin, const struct diag_band *bd, size_t n,
			size_t m, size_t k, uint64_t *last)
{
	*last = PACK(fin >> 16, fin & 0xffff);
	return COST(*last) <= bd->limit || (k >= n && k >= m);
}

__attribute__((target("avx2")))
static bool dp_diag(struct aligner *al, const uint32_t *r, size_t n,
		    const uint32_t *h, size_t m, size_t k, uint64_t *last)
{
	struct diag_band bd = diag_band(n, m, k);
	struct diag_bufs b = diag_setup(al, r, n, h, m);
	const __m256i sub = _mm256_set1_epi32((int)P32(COST_SUB, 0));
	const __m256i del = _mm256_set1_epi32((int)P32(COST_DEL, 1));
	const __m256i ins = _mm256_set1_epi32((int)P32(COST_INS, 0));

	for (ptrdiff_t d = 1; d <= (ptrdiff_t)(n + m); d++) {
		const uint32_t *hd = b.hr + (ptrdiff_t)m - d;
		ptrdiff_t lo, hi;

		diag_interval(d, bd.dlo, bd.dhi, n, m, &lo, &hi);
		for (ptrdiff_t a = lo; a <= hi; a += 8) {
			__m256i up = _mm256_loadu_si256((const void *)(b.p1 + a));
			__m256i left = _mm256_loadu_si256(
				(const void *)(b.p1 + a + 1));
			__m256i dg = _mm256_loadu_si256((const void *)(b.p2 + a));
			__m256i rv = _mm256_loadu_si256((const void *)(b.rp + a));
			__m256i hv = _mm256_loadu_si256((const void *)(hd + a));
			__m256i sv = _mm256_add_epi32(dg, sub);
			__m256i dl = _mm256_add_epi32(up, del);
			__m256i in = _mm256_add_epi32(left, ins);
			/* t = COST(dl) < COST(in) ? dl : in */
			__m256i lt = _mm256_cmpgt_epi32(_mm256_srli_epi32(in, 16),
							_mm256_srli_epi32(dl, 16));
			__m256i tv = _mm256_blendv_epi8(in, dl, lt);
			/* c = COST(s) <= COST(t) ? s : t; a match takes diag */
			__m256i gt = _mm256_cmpgt_epi32(_mm256_srli_epi32(sv, 16),
							_mm256_srli_epi32(tv, 16));
			__m256i c = _mm256_blendv_epi8(sv, tv, gt);

			c = _mm256_blendv_epi8(c, dg, _mm256_cmpeq_epi32(rv, hv));
			_mm256_storeu_si256((void *)(b.cur + a + 1), c);
		}
		diag_next(&b, lo, hi);
	}
	return diag_result(b.p1[n + 1], &bd, n, m, k, last);
}

/*
 * Bands up to DIAG_REGS x 16 cells wide in registers.  Filling an
 * anti-diagonal in memory reads the one before it, just stored, and a
 * load that straddles that store waits for it to reach the cache: with a
 * vector or two an anti-diagonal, that wait, not the arithmetic, is what
 * the fill costs.  Here an anti-diagonal is R registers, and the lanes
 * follow the band's diagonals, not a: on anti-diagonal d, lane j is the
 * cell whose q = b - a is q0(d) + 2 j, q0(d) being the first q of the
 * band with the parity of d (dlo or dlo + 1).  Then the cell (a - 1,
 * b - 1) of d - 2 is in the same lane, and of the cells (a - 1, b) and
 * (a, b - 1) of d - 1 one is in the same lane and the other one lane
 * away, which one depending only on the parity of d: one valignd, no
 * choice.  Lanes outside the table or the band hold INF32's cost.
 *
 * Costs and deletions are kept in registers of their own.  A cell's cost
 * is then the minimum of its three candidates (or diag's on a match),
 * one minimum after another with no comparison on the way, and the
 * deletions follow the choices the comparisons make off that path: the
 * same choices as dp_diag16()'s, so the same cells.
 *
 * The reference is read backwards (rr[x] = r[n - 1 - x]) and the
 * hypothesis forwards, so that lane j's symbols are one load each; both
 * are padded with symbols that match nothing, as far as any lane reads.
 */
#define DIAG_LANES 16
#define DIAG_REGS 4

/* The cells one lane down (out lane i = lane i - 1) and one lane up. */
#define LANE_DOWN(v, j, fill) \
	_mm512_alignr_epi32((v)[j], (j) ? (v)[(j) - 1] : (fill), 15)
#define LANE_UP(v, j, R, fill) \
	_mm512_alignr_epi32((j) + 1 < (R) ? (v)[(j) + 1] : (fill), (v)[j], 1)

/*
 * The symbols' windows: rr and hh point at index 0 of buffers valid from
 * -front to len + back.
 */
struct diag_syms {
	const uint32_t *rr, *hh;
};

/* The registers of anti-diagonals d - 1 (c1, e1) and d - 2 (c2, e2). */
struct diag_state {
	__m512i c1[DIAG_REGS], c2[DIAG_REGS], e1[DIAG_REGS], e2[DIAG_REGS];
};

/*
 * The lanes of anti-diagonal d that lie in the table (0 <= a <= n,
 * 0 <= b <= m), jlo to jhi (jhi < 16 R: see dp_diag16()), for a step
 * whose q0 is dlo + odd; lane j is the cell a = a0 - j, b = b0 + j.
 */
struct diag_lanes {
	ptrdiff_t jlo, jhi, a0, b0;
};

static inline struct diag_lanes diag_lanes(ptrdiff_t d, ptrdiff_t nn,
					   ptrdiff_t mm,
					   const struct diag_band *bd,
					   bool odd)
{
	ptrdiff_t q0 = bd->dlo + odd, qa = bd->dlo, qb = bd->dhi;
	struct diag_lanes l;

	if (qa < -d)
		qa = -d;
	if (qa < d - 2 * nn)
		qa = d - 2 * nn;
	if (qb > d)
		qb = d;
	if (qb > 2 * mm - d)
		qb = 2 * mm - d;
	l.jlo = (qa - q0 + 1) / 2;	/* qa - q0 >= -1 */
	l.jhi = qb < q0 ? -1 : (qb - q0) / 2;
	l.a0 = (d - q0) / 2;
	l.b0 = (d + q0) / 2;
	return l;
}

/*
 * The symbol windows of a band of R registers: every index a lane reads
 * on any anti-diagonal lies in them.  rr is read at n - a0 + j, hh at
 * b0 - 1 + j, j < 16 R, where a0 <= (n + m - dlo) / 2 and
 * b0 >= dlo / 2 - 1.
 */
struct diag_window {
	ptrdiff_t rfront, hfront;
	size_t rlen, hlen;
};

static struct diag_window diag_window(size_t n, size_t m,
				      const struct diag_band *bd, int R)
{
	ptrdiff_t nn = (ptrdiff_t)n, mm = (ptrdiff_t)m;
	ptrdiff_t back = 16 * R + 2;
	ptrdiff_t hback = (nn + mm + bd->dhi) / 2 + 2 - mm;
	struct diag_window w;

	w.rfront = (nn + mm - bd->dlo) / 2 + 2 - nn;
	w.hfront = -bd->dlo / 2 + 3;
	if (w.rfront < 0)
		w.rfront = 0;
	if (hback < 0)
		hback = 0;
	w.rlen = (size_t)(w.rfront + nn + back + 1);
	w.hlen = (size_t)(w.hfront + mm + hback + back + 1);
	return w;
}

/*
 * Anti-diagonal d, whose q0 is dlo + odd: with odd, the cell up is one
 * lane up and the cell left in the same lane; without, up is in the same
 * lane and left one lane down.
 */
__attribute__((target("avx512f"), always_inline))
static inline void diag_step(struct diag_state *st, struct diag_syms sy,
			     ptrdiff_t d, ptrdiff_t nn, ptrdiff_t mm,
			     const struct diag_band *bd, const int R,
			     const bool odd)
{
	const __m512i sub = _mm512_set1_epi32(COST_SUB);
	const __m512i del = _mm512_set1_epi32(COST_DEL);
	const __m512i ins = _mm512_set1_epi32(COST_INS);
	const __m512i one = _mm512_set1_epi32(1);
	const __m512i inf = _mm512_set1_epi32((int)(INF32 >> 16));
	const __m512i zero = _mm512_setzero_si512();
	struct diag_lanes l = diag_lanes(d, nn, mm, bd, odd);
	uint64_t keep = (l.jhi >= 63 ? ~UINT64_C(0) :
			 (UINT64_C(2) << l.jhi) - 1) &
			~(l.jlo <= 0 ? 0 : (UINT64_C(1) << l.jlo) - 1);
	const uint32_t *rv0 = sy.rr + (nn - l.a0);	/* r[a - 1] = rr[n - a] */
	const uint32_t *hv0 = sy.hh + (l.b0 - 1);
	__m512i cc[DIAG_REGS], ec[DIAG_REGS];

	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		__m512i rv = _mm512_loadu_si512(rv0 + 16 * j);
		__m512i hv = _mm512_loadu_si512(hv0 + 16 * j);
		__mmask16 eq = _mm512_cmpeq_epi32_mask(rv, hv);
		/* up (a - 1, b), left (a, b - 1), diag (a - 1, b - 1) */
		__m512i upc = odd ? LANE_UP(st->c1, j, R, inf) : st->c1[j];
		__m512i upe = odd ? LANE_UP(st->e1, j, R, zero) : st->e1[j];
		__m512i lfc = odd ? st->c1[j] : LANE_DOWN(st->c1, j, inf);
		__m512i lfe = odd ? st->e1[j] : LANE_DOWN(st->e1, j, zero);
		__m512i sc = _mm512_add_epi32(st->c2[j], sub);
		__m512i dc = _mm512_add_epi32(upc, del);
		__m512i ic = _mm512_add_epi32(lfc, ins);
		/* t = cost(dl) < cost(in) ? dl : in */
		__mmask16 lt = _mm512_cmpgt_epi32_mask(ic, dc);
		__m512i tc = _mm512_min_epi32(dc, ic);
		__m512i te = _mm512_mask_blend_epi32(
			lt, lfe, _mm512_add_epi32(upe, one));
		/* c = cost(s) <= cost(t) ? s : t; a match takes diag */
		__mmask16 gt = _mm512_cmpgt_epi32_mask(sc, tc);

		cc[j] = _mm512_mask_mov_epi32(
			inf, (__mmask16)(keep >> (16 * j)),
			_mm512_mask_blend_epi32(eq, _mm512_min_epi32(sc, tc),
						st->c2[j]));
		ec[j] = _mm512_mask_blend_epi32((__mmask16)(gt & ~eq),
						st->e2[j], te);
	}
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		st->c2[j] = st->c1[j];
		st->c1[j] = cc[j];
		st->e2[j] = st->e1[j];
		st->e1[j] = ec[j];
	}
}

__attribute__((target("avx512f"), always_inline))
static inline bool diag_regs(struct diag_syms sy, size_t n, size_t m,
			     const struct diag_band *bd, const int R,
			     uint32_t *fin)
{
	const __m512i inf = _mm512_set1_epi32((int)(INF32 >> 16));
	const ptrdiff_t nn = (ptrdiff_t)n, mm = (ptrdiff_t)m;
	ptrdiff_t q0 = bd->dlo + ((0 - bd->dlo) & 1), j0 = -q0 / 2, at, d = 1;
	struct diag_state st;
	uint32_t oc[DIAG_LANES], oe[DIAG_LANES];

	if (j0 >= 16 * R)
		return false;
	/* anti-diagonal 0: the cell (0, 0); the registers are indexed by
	   constants only, so that they stay registers */
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		st.c1[j] = _mm512_mask_mov_epi32(
			inf, j == j0 / 16 ? (__mmask16)(1u << (j0 % 16)) : 0,
			_mm512_setzero_si512());
		st.c2[j] = inf;
		st.e1[j] = st.e2[j] = _mm512_setzero_si512();
	}
	/* parities alternate: two steps a turn, each with its own code */
	if (d <= nn + mm && ((d - bd->dlo) & 1)) {
		diag_step(&st, sy, d, nn, mm, bd, R, true);
		d++;
	}
	for (; d + 1 <= nn + mm; d += 2) {
		diag_step(&st, sy, d, nn, mm, bd, R, false);
		diag_step(&st, sy, d + 1, nn, mm, bd, R, true);
	}
	if (d <= nn + mm)
		diag_step(&st, sy, d, nn, mm, bd, R, false);
	q0 = bd->dlo + ((nn + mm - bd->dlo) & 1);
	at = (mm - nn - q0) / 2;	/* the cell (n, m): q = m - n */
	if (at < 0 || at >= 16 * R)
		return false;
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		if (j == at / DIAG_LANES) {
			_mm512_storeu_si512(oc, st.c1[j]);
			_mm512_storeu_si512(oe, st.e1[j]);
		}
	}
	*fin = P32(oc[at % DIAG_LANES], oe[at % DIAG_LANES]);
	return true;
}

#define DIAG_REGS_FN(R)                                                       \
	__attribute__((target("avx512f"))) static bool diag_regs##R(          \
		struct diag_syms sy, size_t n, size_t m,                      \
		const struct diag_band *bd, uint32_t *fin)                    \
	{                                                                     \
		return diag_regs(sy, n, m, bd, R, fin);                       \
	}
DIAG_REGS_FN(1)
DIAG_REGS_FN(2)
DIAG_REGS_FN(3)
DIAG_REGS_FN(4)

/*
 * The symbols for diag_regs(), in al->diag: every index a lane of R
 * registers reads on any anti-diagonal of the band lies in the window.
 */
static struct diag_syms diag_syms_setup(struct aligner *al, const uint32_t *r,
					size_t n, const uint32_t *h, size_t m,
					const struct diag_band *bd, int R)
{
	struct diag_window wd = diag_window(n, m, bd, R);
	ptrdiff_t rfront = wd.rfront, hfront = wd.hfront;
	size_t rlen = wd.rlen, hlen = wd.hlen;
	uint32_t *rb, *hb;
	struct diag_syms sy;

	al->diag = xgrow(al->diag, &al->diag_cap, rlen + hlen,
			 sizeof(*al->diag));
	rb = al->diag;
	hb = rb + rlen;
	for (size_t i = 0; i < rlen; i++)
		rb[i] = DIAG_PAD_SYM;
	for (size_t i = 0; i < n; i++)
		rb[rfront + (ptrdiff_t)i] = r[n - 1 - i];
	for (size_t i = 0; i < hlen; i++)
		hb[i] = DIAG_PAD_SYM + 1;
	memcpy(hb + hfront, h, m * sizeof(*h));
	sy.rr = rb + rfront;
	sy.hh = hb + hfront;
	return sy;
}

/*
 * The same as dp_diag(), sixteen cells at a time (AVX-512F), for bands
 * wider than diag_regs() takes; narrower ones go to it.  The comparisons
 * give masks, the blends take them.
 */
__attribute__((target("avx512f")))
static bool dp_diag16(struct aligner *al, const uint32_t *r, size_t n,
		      const uint32_t *h, size_t m, size_t k, uint64_t *last)
{
	struct diag_band bd = diag_band(n, m, k);
	size_t lanes = (size_t)(bd.dhi - bd.dlo) / 2 + 1;
	bool narrow = lanes <= DIAG_REGS * DIAG_LANES;
	const __m512i sub = _mm512_set1_epi32((int)P32(COST_SUB, 0));
	const __m512i del = _mm512_set1_epi32((int)P32(COST_DEL, 1));
	const __m512i ins = _mm512_set1_epi32((int)P32(COST_INS, 0));
	struct diag_bufs b;
	uint32_t fin;

	if (narrow) {
		/* the band fits registers: see diag_regs() */
		int R = (int)((lanes + DIAG_LANES - 1) / DIAG_LANES);
		struct diag_syms sy = diag_syms_setup(al, r, n, h, m, &bd, R);
		bool ok = R == 1 ? diag_regs1(sy, n, m, &bd, &fin) :
			  R == 2 ? diag_regs2(sy, n, m, &bd, &fin) :
			  R == 3 ? diag_regs3(sy, n, m, &bd, &fin) :
			  diag_regs4(sy, n, m, &bd, &fin);

		if (!ok)
			abort();
		return diag_result(fin, &bd, n, m, k, last);
	}
	b = diag_setup(al, r, n, h, m);

	for (ptrdiff_t d = 1; d <= (ptrdiff_t)(n + m); d++) {
		const uint32_t *hd = b.hr + (ptrdiff_t)m - d;
		ptrdiff_t lo, hi;

		diag_interval(d, bd.dlo, bd.dhi, n, m, &lo, &hi);
		for (ptrdiff_t a = lo; a <= hi; a += 16) {
			__m512i up = _mm512_loadu_si512(b.p1 + a);
			__m512i left = _mm512_loadu_si512(b.p1 + a + 1);
			__m512i dg = _mm512_loadu_si512(b.p2 + a);
			__m512i rv = _mm512_loadu_si512(b.rp + a);
			__m512i hv = _mm512_loadu_si512(hd + a);
			__m512i sv = _mm512_add_epi32(dg, sub);
			__m512i dl = _mm512_add_epi32(up, del);
			__m512i in = _mm512_add_epi32(left, ins);
			/* t = COST(dl) < COST(in) ? dl : in */
			__mmask16 lt = _mm512_cmpgt_epi32_mask(
				_mm512_srli_epi32(in, 16),
				_mm512_srli_epi32(dl, 16));
			__m512i tv = _mm512_mask_blend_epi32(lt, in, dl);
			/* c = COST(s) <= COST(t) ? s : t; a match takes diag */
			__mmask16 gt = _mm512_cmpgt_epi32_mask(
				_mm512_srli_epi32(sv, 16),
				_mm512_srli_epi32(tv, 16));
			__m512i c = _mm512_mask_blend_epi32(gt, sv, tv);

			c = _mm512_mask_blend_epi32(
				_mm512_cmpeq_epi32_mask(rv, hv), c, dg);
			_mm512_storeu_si512(b.cur + a + 1, c);
		}
		diag_next(&b, lo, hi);
	}
	return diag_result(b.p1[n + 1], &bd, n, m, k, last);
}

/*
 * AVX2.  Its registers hold eight cells of 32 bits, half what AVX-512's
 * do, but sixteen of 16 bits; costs (at most 3 (n + m) < 0x7000) and
 * deletions (at most n) both fit 16 bits, so here they are kept apart,
 * sixteen cells a register, and the symbols are made 16 bits too.  A
 * reference symbol must then be below SYM16_RPAD: word ids are below the
 * number of reference words, code points mostly below 0xfff0; a pair whose
 * reference has one that is not takes dp_diag() instead.  A hypothesis
 * symbol at or above it can match no reference symbol, so it becomes
 * SYM16_HPAD, which matches nothing.  The fills are then those of
 * diag_regs() and dp_diag16(), instruction for instruction where AVX2 has
 * the instruction: the same additions, minimums and choices on the same
 * cells, so the same numbers.  AVX2 has no mask registers: comparisons
 * give lanes of all ones, blends take them, and a register's lanes move
 * by one with a cross-lane permute and a byte shift.
 */
#define SYM16_RPAD 0xfff0u	/* reference padding, above every reference
				   symbol taken */
#define SYM16_HPAD 0xfff1u	/* hypothesis padding, and hypothesis symbols
				   no reference symbol can equal */
#define D16_LANES 16
#define D16_REGS 4

static inline uint16_t sym16_hyp(uint32_t x)
{
	return x < SYM16_RPAD ? (uint16_t)x : (uint16_t)SYM16_HPAD;
}

static bool sym16_fits(const uint32_t *r, size_t n)
{
	uint32_t any = 0;

	for (size_t i = 0; i < n; i++)
		any |= r[i] >= SYM16_RPAD;
	return !any;
}

/* Lane i of the result is lane i - 1 of cur, lane 0 lane 15 of prev. */
__attribute__((target("avx2"), always_inline))
static inline __m256i lane_down16(__m256i cur, __m256i prev)
{
	return _mm256_alignr_epi8(cur, _mm256_permute2x128_si256(prev, cur,
								 0x21), 14);
}

/* Lane i of the result is lane i + 1 of cur, lane 15 lane 0 of next. */
__attribute__((target("avx2"), always_inline))
static inline __m256i lane_up16(__m256i cur, __m256i next)
{
	return _mm256_alignr_epi8(_mm256_permute2x128_si256(cur, next, 0x21),
				  cur, 2);
}

struct d16_syms {
	const uint16_t *rr, *hh;
};

struct d16_state {
	__m256i c1[D16_REGS], c2[D16_REGS], e1[D16_REGS], e2[D16_REGS];
};

/* Lane indices 16 j .. 16 j + 15. */
__attribute__((target("avx2"), always_inline))
static inline __m256i lane_index16(int j)
{
	return _mm256_add_epi16(_mm256_setr_epi16(0, 1, 2, 3, 4, 5, 6, 7, 8,
						  9, 10, 11, 12, 13, 14, 15),
				_mm256_set1_epi16((short)(16 * j)));
}

/* diag_step() in AVX2, on cells of 16 bits. */
__attribute__((target("avx2"), always_inline))
static inline void d16_step(struct d16_state *st, struct d16_syms sy,
			    ptrdiff_t d, ptrdiff_t nn, ptrdiff_t mm,
			    const struct diag_band *bd, const int R,
			    const bool odd)
{
	const __m256i sub = _mm256_set1_epi16(COST_SUB);
	const __m256i del = _mm256_set1_epi16(COST_DEL);
	const __m256i ins = _mm256_set1_epi16(COST_INS);
	const __m256i one = _mm256_set1_epi16(1);
	const __m256i inf = _mm256_set1_epi16((short)(INF32 >> 16));
	const __m256i zero = _mm256_setzero_si256();
	struct diag_lanes l = diag_lanes(d, nn, mm, bd, odd);
	__m256i klo = _mm256_set1_epi16((short)(l.jlo - 1));
	__m256i khi = _mm256_set1_epi16((short)(l.jhi + 1));
	const uint16_t *rv0 = sy.rr + (nn - l.a0);
	const uint16_t *hv0 = sy.hh + (l.b0 - 1);
	__m256i cc[D16_REGS], ec[D16_REGS];

	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		__m256i rv = _mm256_loadu_si256((const void *)(rv0 + 16 * j));
		__m256i hv = _mm256_loadu_si256((const void *)(hv0 + 16 * j));
		__m256i eq = _mm256_cmpeq_epi16(rv, hv);
		__m256i idx = lane_index16(j);
		__m256i keep = _mm256_and_si256(_mm256_cmpgt_epi16(idx, klo),
						_mm256_cmpgt_epi16(khi, idx));
		__m256i upc = odd ? lane_up16(st->c1[j], j + 1 < R ?
					      st->c1[j + 1] : inf) : st->c1[j];
		__m256i upe = odd ? lane_up16(st->e1[j], j + 1 < R ?
					      st->e1[j + 1] : zero) : st->e1[j];
		__m256i lfc = odd ? st->c1[j] : lane_down16(st->c1[j],
					      j ? st->c1[j - 1] : inf);
		__m256i lfe = odd ? st->e1[j] : lane_down16(st->e1[j],
					      j ? st->e1[j - 1] : zero);
		__m256i sc = _mm256_add_epi16(st->c2[j], sub);
		__m256i dc = _mm256_add_epi16(upc, del);
		__m256i ic = _mm256_add_epi16(lfc, ins);
		/* t = cost(dl) < cost(in) ? dl : in */
		__m256i lt = _mm256_cmpgt_epi16(ic, dc);
		__m256i tc = _mm256_min_epi16(dc, ic);
		__m256i te = _mm256_blendv_epi8(lfe, _mm256_add_epi16(upe, one),
						lt);
		/* c = cost(s) <= cost(t) ? s : t; a match takes diag */
		__m256i gt = _mm256_cmpgt_epi16(sc, tc);
		__m256i c = _mm256_blendv_epi8(_mm256_min_epi16(sc, tc),
					       st->c2[j], eq);

		cc[j] = _mm256_blendv_epi8(inf, c, keep);
		ec[j] = _mm256_blendv_epi8(st->e2[j], te,
					   _mm256_andnot_si256(eq, gt));
	}
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		st->c2[j] = st->c1[j];
		st->c1[j] = cc[j];
		st->e2[j] = st->e1[j];
		st->e1[j] = ec[j];
	}
}

/* diag_regs() in AVX2: bands up to D16_REGS x 16 cells wide. */
__attribute__((target("avx2"), always_inline))
static inline bool d16_regs(struct d16_syms sy, size_t n, size_t m,
			    const struct diag_band *bd, const int R,
			    uint32_t *fin)
{
	const __m256i inf = _mm256_set1_epi16((short)(INF32 >> 16));
	const ptrdiff_t nn = (ptrdiff_t)n, mm = (ptrdiff_t)m;
	ptrdiff_t q0 = bd->dlo + ((0 - bd->dlo) & 1), j0 = -q0 / 2, at, d = 1;
	struct d16_state st;
	uint16_t oc[D16_LANES], oe[D16_LANES];

	if (j0 >= 16 * R)
		return false;
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		st.c1[j] = _mm256_blendv_epi8(inf, _mm256_setzero_si256(),
				_mm256_cmpeq_epi16(lane_index16(j),
					_mm256_set1_epi16((short)j0)));
		st.c2[j] = inf;
		st.e1[j] = st.e2[j] = _mm256_setzero_si256();
	}
	if (d <= nn + mm && ((d - bd->dlo) & 1)) {
		d16_step(&st, sy, d, nn, mm, bd, R, true);
		d++;
	}
	for (; d + 1 <= nn + mm; d += 2) {
		d16_step(&st, sy, d, nn, mm, bd, R, false);
		d16_step(&st, sy, d + 1, nn, mm, bd, R, true);
	}
	if (d <= nn + mm)
		d16_step(&st, sy, d, nn, mm, bd, R, false);
	q0 = bd->dlo + ((nn + mm - bd->dlo) & 1);
	at = (mm - nn - q0) / 2;
	if (at < 0 || at >= 16 * R)
		return false;
	_Pragma("GCC unroll 4")
	for (int j = 0; j < R; j++) {
		if (j == at / D16_LANES) {
			_mm256_storeu_si256((void *)oc, st.c1[j]);
			_mm256_storeu_si256((void *)oe, st.e1[j]);
		}
	}
	*fin = P32(oc[at % D16_LANES], oe[at % D16_LANES]);
	return true;
}

#define D16_REGS_FN(R)                                                        \
	__attribute__((target("avx2"))) static bool d16_regs##R(              \
		struct d16_syms sy, size_t n, size_t m,                       \
		const struct diag_band *bd, uint32_t *fin)                    \
	{                                                                     \
		return d16_regs(sy, n, m, bd, R, fin);                        \
	}
D16_REGS_FN(1)
D16_REGS_FN(2)
D16_REGS_FN(3)
D16_REGS_FN(4)

/* diag_syms_setup() for d16_regs(), in al->d16. */
static struct d16_syms d16_syms_setup(struct aligner *al, const uint32_t *r,
				      size_t n, const uint32_t *h, size_t m,
				      const struct diag_band *bd, int R)
{
	struct diag_window wd = diag_window(n, m, bd, R);
	ptrdiff_t rfront = wd.rfront, hfront = wd.hfront;
	size_t rlen = wd.rlen, hlen = wd.hlen;
	uint16_t *rb, *hb;
	struct d16_syms sy;

	al->d16 = xgrow(al->d16, &al->d16_cap, rlen + hlen, sizeof(*al->d16));
	rb = al->d16;
	hb = rb + rlen;
	for (size_t i = 0; i < rlen; i++)
		rb[i] = SYM16_RPAD;
	for (size_t i = 0; i < n; i++)
		rb[rfront + (ptrdiff_t)i] = (uint16_t)r[n - 1 - i];
	for (size_t i = 0; i < hlen; i++)
		hb[i] = SYM16_HPAD;
	for (size_t i = 0; i < m; i++)
		hb[hfront + (ptrdiff_t)i] = sym16_hyp(h[i]);
	sy.rr = rb + rfront;
	sy.hh = hb + hfront;
	return sy;
}

/*
 * dp_diag16()'s fill through memory, in AVX2 on cells of 16 bits, for
 * bands wider than d16_regs() takes: three anti-diagonals of costs and
 * three of deletions, each n + DIAG_PAD cells, then the symbols.
 */
__attribute__((target("avx2")))
static bool d16_mem(struct aligner *al, const uint32_t *r, size_t n,
		    const uint32_t *h, size_t m, const struct diag_band *bd,
		    uint32_t *fin)
{
	const __m256i sub = _mm256_set1_epi16(COST_SUB);
	const __m256i del = _mm256_set1_epi16(COST_DEL);
	const __m256i ins = _mm256_set1_epi16(COST_INS);
	const __m256i one = _mm256_set1_epi16(1);
	const uint16_t inf = (uint16_t)(INF32 >> 16);
	size_t w = n + DIAG_PAD;
	uint16_t *buf, *c2, *c1, *cc, *e2, *e1, *ec, *rp, *hr;

	al->d16 = xgrow(al->d16, &al->d16_cap, 6 * w + w + m + DIAG_PAD,
			sizeof(*al->d16));
	buf = al->d16;
	c2 = buf;
	c1 = buf + w;
	cc = buf + 2 * w;
	e2 = buf + 3 * w;
	e1 = buf + 4 * w;
	ec = buf + 5 * w;
	rp = buf + 6 * w;
	hr = rp + w;
	for (size_t i = 0; i < 3 * w; i++)
		buf[i] = inf;
	memset(e2, 0, 3 * w * sizeof(*e2));
	c1[1] = 0;	/* anti-diagonal 0: the cell (0, 0) */
	rp[0] = SYM16_RPAD;
	for (size_t i = 0; i < n; i++)
		rp[i + 1] = (uint16_t)r[i];
	for (size_t i = n + 1; i < w; i++)
		rp[i] = SYM16_RPAD;
	for (size_t i = 0; i < m; i++)
		hr[i] = sym16_hyp(h[m - 1 - i]);
	for (size_t i = m; i < m + DIAG_PAD; i++)
		hr[i] = SYM16_HPAD;

	for (ptrdiff_t d = 1; d <= (ptrdiff_t)(n + m); d++) {
		const uint16_t *hd = hr + (ptrdiff_t)m - d;
		ptrdiff_t lo, hi;
		uint16_t *t;

		diag_interval(d, bd->dlo, bd->dhi, n, m, &lo, &hi);
		for (ptrdiff_t a = lo; a <= hi; a += 16) {
			__m256i upc = _mm256_loadu_si256((const void *)(c1 + a));
			__m256i upe = _mm256_loadu_si256((const void *)(e1 + a));
			__m256i lfc = _mm256_loadu_si256(
				(const void *)(c1 + a + 1));
			__m256i lfe = _mm256_loadu_si256(
				(const void *)(e1 + a + 1));
			__m256i dgc = _mm256_loadu_si256((const void *)(c2 + a));
			__m256i dge = _mm256_loadu_si256((const void *)(e2 + a));
			__m256i rv = _mm256_loadu_si256((const void *)(rp + a));
			__m256i hv = _mm256_loadu_si256((const void *)(hd + a));
			__m256i eq = _mm256_cmpeq_epi16(rv, hv);
			__m256i sc = _mm256_add_epi16(dgc, sub);
			__m256i dc = _mm256_add_epi16(upc, del);
			__m256i ic = _mm256_add_epi16(lfc, ins);
			__m256i lt = _mm256_cmpgt_epi16(ic, dc);
			__m256i tc = _mm256_min_epi16(dc, ic);
			__m256i te = _mm256_blendv_epi8(
				lfe, _mm256_add_epi16(upe, one), lt);
			__m256i gt = _mm256_cmpgt_epi16(sc, tc);
			__m256i c = _mm256_blendv_epi8(_mm256_min_epi16(sc, tc),
						       dgc, eq);
			__m256i e = _mm256_blendv_epi8(
				dge, te, _mm256_andnot_si256(eq, gt));

			_mm256_storeu_si256((void *)(cc + a + 1), c);
			_mm256_storeu_si256((void *)(ec + a + 1), e);
		}
		cc[lo] = inf;		/* a = lo - 1 */
		cc[hi + 2] = inf;	/* a = hi + 1 */
		t = c2;
		c2 = c1;
		c1 = cc;
		cc = t;
		t = e2;
		e2 = e1;
		e1 = ec;
		ec = t;
	}
	*fin = P32(c1[n + 1], e1[n + 1]);
	return true;
}

/*
 * The band in AVX2: in registers or through memory on 16-bit cells, or,
 * for a reference with a symbol 16 bits cannot take, dp_diag().
 */
static bool dp_diag_avx2(struct aligner *al, const uint32_t *r, size_t n,
			 const uint32_t *h, size_t m, size_t k,
			 uint64_t *last)
{
	struct diag_band bd = diag_band(n, m, k);
	size_t lanes = (size_t)(bd.dhi - bd.dlo) / 2 + 1;
	uint32_t fin;

	if (!sym16_fits(r, n))
		return dp_diag(al, r, n, h, m, k, last);
	if (lanes <= D16_REGS * D16_LANES) {
		int R = (int)((lanes + D16_LANES - 1) / D16_LANES);
		struct d16_syms sy = d16_syms_setup(al, r, n, h, m, &bd, R);
		bool ok = R == 1 ? d16_regs1(sy, n, m, &bd, &fin) :
			  R == 2 ? d16_regs2(sy, n, m, &bd, &fin) :
			  R == 3 ? d16_regs3(sy, n, m, &bd, &fin) :
			  d16_regs4(sy, n, m, &bd, &fin);

		if (!ok)
			abort();
	} else {
		d16_mem(al, r, n, h, m, &bd, &fin);
	}
	return diag_result(fin, &bd, n, m, k, last);
}

static int simd_level(void)
{
	if (diag_max >= 2 && __builtin_cpu_supports("avx512f"))
		return 2;
	return diag_max >= 1 && __builtin_cpu_supports("avx2");
}

void align_set_simd(int max)
{
	diag_max = max;
}
#else
static int simd_level(void)
{
	return 0;
}

void align_set_simd(int max)
{
	(void)max;
}
#endif

/* The band by whichever of dp_diag() and dp_band() applies. */
static bool band_counts(struct aligner *al, const uint32_t *r, size_t n,
			const uint32_t *h, size_t m, size_t k, uint64_t *last)
{
#ifdef HAVE_DIAG
	if (al->simd && n && m && n + m <= DIAG_MAX_LEN)
		return al->simd == 2 ? dp_diag16(al, r, n, h, m, k, last)
				     : dp_diag_avx2(al, r, n, h, m, k, last);
#endif
	al->band = xgrow(al->band, &al->band_cap, m + 1, sizeof(*al->band));
	return dp_band(r, n, h, m, k, al->band, last);
}

/* First band half-width tried for words; a second pass, if needed, is sized. */
#define BAND_START 8

/*
 * Counts with a first band of half-width k; a band too narrow to be sure
 * costs a second pass, never a different answer.
 */
static void align_counts(struct aligner *al, const uint32_t *ref, size_t n,
			 const uint32_t *hyp, size_t m, size_t k,
			 struct align_tally *t)
{
	size_t tail = common_suffix(ref, n, hyp, m);
	size_t span;
	uint64_t last;
	struct cell c;

	n -= tail;
	m -= tail;
	span = n > m ? n - m : m - n;
	if (!band_counts(al, ref, n, hyp, m, k, &last)) {
		/* The optimum is at most COST(last): a band that admits every
		 * path of that cost passes the test. */
		k = ((size_t)COST(last) / 3 - span + 1) / 2 + 1;
		if (!band_counts(al, ref, n, hyp, m, k, &last))
			abort();	/* cannot happen, see dp_band() */
	}
	c.cost = (uint32_t)COST(last);
	c.del = (uint32_t)last;
	tally_from_cell(c, n, m, t);
	t->hits += (uint32_t)tail;
}

void aligner_align_ids(struct aligner *al, const uint32_t *ref, size_t n,
		       const uint32_t *hyp, size_t m, struct align_tally *t)
{
	align_counts(al, ref, n, hyp, m, BAND_START, t);
}

/*
 * The first band for the characters, from the word alignment: the
 * character path strays from the diagonal, and the band test needs room,
 * in proportion to the wrong words and their length (about half a word
 * per substitution, more per insertion or deletion; measured on the
 * benchmark corpus, the guess fills 25 % fewer cells than a fixed band
 * and a second pass).  Only speed depends on it.
 */
static size_t char_band(const struct align_tally *w, size_t chars,
			size_t words)
{
	size_t len = words ? (chars + words - 1) / words : 1;
	size_t k = 1 + len * (4 * (size_t)w->sub +
			      5 * ((size_t)w->del + w->ins)) / 8;

	return k < chars ? k : chars;
}

static void push_op(struct aligner *al, char kind, size_t ri, size_t hi)
{
	struct align_op *op = &al->ops[al->nops++];

	op->kind = kind;
	op->ref = NULL;
	op->ref_len = 0;
	op->hyp = NULL;
	op->hyp_len = 0;
	if (kind != 'I') {
		op->ref = al->ref.text + al->ref.off[ri];
		op->ref_len = al->ref.wlen[ri];
	}
	if (kind != 'D') {
		op->hyp = al->hyp.text + al->hyp.off[hi];
		op->hyp_len = al->hyp.wlen[hi];
	}
}

/* Word alignment with ops: the table of choices, then the walk back. */
static void align_words_ops(struct aligner *al, size_t n, size_t m,
			    struct align_tally *t)
{
	const uint32_t *r = al->rid, *h = al->hid;
	size_t tail = common_suffix(r, n, h, m);
	size_t cells, a, b;

	n -= tail;
	m -= tail;
	cells = n * m;
	al->row = xgrow(al->row, &al->row_cap, m + 1, sizeof(*al->row));
	al->dir = xgrow(al->dir, &al->dir_cap, cells / 4 + 1, 1);
	memset(al->dir, 0, cells / 4 + 1);
	al->ops = xgrow(al->ops, &al->ops_cap, n + m + tail + 1,
			sizeof(*al->ops));
	tally_from_cell(dp_fill(r, n, h, m, al->row, al->dir), n, m, t);
	t->hits += (uint32_t)tail;

	/* Walk back, writing ops in reverse order; then turn them round. */
	al->nops = 0;
	for (size_t i = 0; i < tail; i++)
		push_op(al, 'C', n + tail - 1 - i, m + tail - 1 - i);
	a = n;
	b = m;
	while (a || b) {
		unsigned d;

		if (!a) {
			d = DIR_INS;
		} else if (!b) {
			d = DIR_DEL;
		} else {
			size_t k = (a - 1) * m + (b - 1);

			d = (al->dir[k >> 2] >> ((k & 3) * 2)) & 3;
		}
		if (d == DIR_DIAG) {
			push_op(al, r[a - 1] == h[b - 1] ? 'C' : 'S',
				a - 1, b - 1);
			a--;
			b--;
		} else if (d == DIR_DEL) {
			push_op(al, 'D', a - 1, 0);
			a--;
		} else {
			push_op(al, 'I', 0, b - 1);
			b--;
		}
	}
	for (size_t i = 0, j = al->nops; i + 1 < j; i++, j--) {
		struct align_op x = al->ops[i];

		al->ops[i] = al->ops[j - 1];
		al->ops[j - 1] = x;
	}
}

/* Interning */

static void intern_reserve(struct aligner *al, size_t n)
{
	size_t want = 32;

	while (want < 2 * n)
		want *= 2;
	if (want > al->nslots) {
		free(al->slots);
		al->slots = xcalloc(want, sizeof(*al->slots));
		al->nslots = want;
		al->stamp = 0;
	}
	if (++al->stamp == 0) {
		memset(al->slots, 0, al->nslots * sizeof(*al->slots));
		al->stamp = 1;
	}
}

/*
 * Word ids depend on first appearance only, never on the hash: words of
 * up to 16 bytes take strmap's inline hash, longer ones XXH3.
 */
static inline uint64_t word_hash(const char *s, size_t n)
{
	return n <= STRMAP_SHORT ? strmap_short_hash(s, n) : XXH3_64bits(s, n);
}

static inline bool same_word(const char *a, const char *b, size_t n)
{
	return n <= STRMAP_SHORT ? strmap_short_equal(a, b, n)
				 : !memcmp(a, b, n);
}

/*
 * The slot holding the reference word equal to [s, s+n), or else the free
 * slot where it would go (its stamp is not the current one).
 */
static struct slot *intern_slot(struct aligner *al, const char *s, size_t n,
				uint64_t hv)
{
	size_t mask = al->nslots - 1;
	const struct wordlist *rw = &al->ref;

	for (size_t i = hv & mask;; i = (i + 1) & mask) {
		struct slot *sl = &al->slots[i];

		if (sl->stamp != al->stamp)
			return sl;
		if (sl->hash == hv && rw->wlen[sl->word] == n &&
		    same_word(rw->text + rw->off[sl->word], s, n))
			return sl;
	}
}

static void intern_words(struct aligner *al)
{
	const struct wordlist *rw = &al->ref, *hw = &al->hyp;
	uint32_t next = 0;

	al->rid = xgrow(al->rid, &al->rid_cap, rw->n + 1, sizeof(*al->rid));
	al->hid = xgrow(al->hid, &al->hid_cap, hw->n + 1, sizeof(*al->hid));
	intern_reserve(al, rw->n);
	for (size_t i = 0; i < rw->n; i++) {
		const char *s = rw->text + rw->off[i];
		uint64_t hv = word_hash(s, rw->wlen[i]);
		struct slot *sl = intern_slot(al, s, rw->wlen[i], hv);

		if (sl->stamp == al->stamp) {
			al->rid[i] = al->rid[sl->word];
		} else {
			sl->stamp = al->stamp;
			sl->hash = hv;
			sl->word = (uint32_t)i;
			al->rid[i] = next++;
		}
	}
	for (size_t i = 0; i < hw->n; i++) {
		const char *s = hw->text + hw->off[i];
		uint64_t hv = word_hash(s, hw->wlen[i]);
		struct slot *sl = intern_slot(al, s, hw->wlen[i], hv);

		al->hid[i] = sl->stamp == al->stamp ? al->rid[sl->word] : NO_ID;
	}
}

/* Characters */

/* Whether every byte of s[0..n) is ASCII, eight at a time. */
static bool is_ascii(const char *s, size_t n)
{
	uint64_t any = 0, v;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&v, s + i, 8);
		any |= v;
	}
	for (; i < n; i++)
		any |= (unsigned char)s[i];
	return !(any & 0x8080808080808080ULL);
}

#if defined(__SSE2__) && defined(HAVE_DIAG)
#define HAVE_WIDEN16 1

/* 16 bytes at s as 16 code points at o. */
static inline void widen16(uint32_t *o, const unsigned char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i z = _mm_setzero_si128();
	__m128i lo = _mm_unpacklo_epi8(v, z), hi = _mm_unpackhi_epi8(v, z);

	_mm_storeu_si128((__m128i *)(void *)o, _mm_unpacklo_epi16(lo, z));
	_mm_storeu_si128((__m128i *)(void *)(o + 4), _mm_unpackhi_epi16(lo, z));
	_mm_storeu_si128((__m128i *)(void *)(o + 8), _mm_unpacklo_epi16(hi, z));
	_mm_storeu_si128((__m128i *)(void *)(o + 12),
			 _mm_unpackhi_epi16(hi, z));
}
#endif

/* Decode the words of valid UTF-8 w into code points, without spaces. */
static size_t decode_words(const struct wordlist *w, uint32_t **cp,
			   size_t *cap)
{
	size_t n = 0;

	/* Never more code points than bytes (and 16 to widen into). */
	*cp = xgrow(*cp, cap, w->len + 16, sizeof(**cp));
	if (is_ascii(w->text, w->len)) {
		/*
		 * Every byte a code point: widened word after word, 16 bytes
		 * at a time while they lie in the text's allocation; what is
		 * widened past a word's end is overwritten by the next word
		 * or never read.
		 */
		for (size_t i = 0; i < w->n; i++) {
			const unsigned char *s =
				(const unsigned char *)w->text + w->off[i];
			uint32_t *o = *cp + n;
			size_t j = 0;

#ifdef HAVE_WIDEN16
			for (; j < w->wlen[i] && w->off[i] + j + 16 <= w->alloc;
			     j += 16)
				widen16(o + j, s + j);
#endif
			for (; j < w->wlen[i]; j++)
				o[j] = s[j];
			n += w->wlen[i];
		}
		return n;
	}
	for (size_t i = 0; i < w->n; i++) {
		const unsigned char *s =
			(const unsigned char *)w->text + w->off[i];
		const unsigned char *end = s + w->wlen[i];

		while (s < end) {
			uint32_t c = *s;

			if (c < 0x80) {
				s++;
			} else if (c < 0xE0) {
				c = ((c & 0x1F) << 6) | (s[1] & 0x3F);
				s += 2;
			} else if (c < 0xF0) {
				c = ((c & 0x0F) << 12) | ((s[1] & 0x3Fu) << 6) |
				    (s[2] & 0x3F);
				s += 3;
			} else {
				c = ((c & 0x07) << 18) |
				    ((s[1] & 0x3Fu) << 12) |
				    ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3F);
				s += 4;
			}
			(*cp)[n++] = c;
		}
	}
	return n;
}

/* Scoring */

int aligner_score(struct aligner *al, const char *ref, size_t ref_len,
		  const char *hyp, size_t hyp_len, unsigned flags,
		  struct asr_counts *out, struct buf *err)
{
	struct align_tally t;
	size_t n, m;

	memset(out, 0, sizeof(*out));
	memset(&al->chars, 0, sizeof(al->chars));
	al->nops = 0;
	if (normalizer_run(al->nz, ref, ref_len, "reference", &al->ref, err))
		return -1;
	if (normalizer_run(al->nz, hyp, hyp_len, "hypothesis", &al->hyp,
			   err))
		return -1;
	n = al->ref.n;
	m = al->hyp.n;
	/* Counts are uint32_t; costs reach 4 max(n, m) in characters. */
	if (al->ref.len > UINT32_MAX / 8 || al->hyp.len > UINT32_MAX / 8) {
		buf_addf(err, "cannot align texts of %zu and %zu bytes: the "
			 "limit is %u bytes", al->ref.len, al->hyp.len,
			 UINT32_MAX / 8);
		return -1;
	}
	if ((flags & ALIGN_OPS) && (unsigned long long)n * m >
	    ALIGN_MAX_OPS_CELLS) {
		buf_addf(err, "cannot keep the alignment of %zu reference "
			 "and %zu hypothesis words: more than the "
			 "ALIGN_MAX_OPS_CELLS limit of %llu word pairs",
			 n, m, (unsigned long long)ALIGN_MAX_OPS_CELLS);
		return -1;
	}
	intern_words(al);
	if (flags & ALIGN_OPS)
		align_words_ops(al, n, m, &t);
	else
		aligner_align_ids(al, al->rid, n, al->hid, m, &t);
	out->hits = t.hits;
	out->sub = t.sub;
	out->del = t.del;
	out->ins = t.ins;
	out->ref_words = (uint32_t)n;
	if (!(flags & ALIGN_WORDS_ONLY)) {
		size_t nc = decode_words(&al->ref, &al->rc, &al->rc_cap);
		size_t mc = decode_words(&al->hyp, &al->hc, &al->hc_cap);

		align_counts(al, al->rc, nc, al->hc, mc, char_band(&t, nc, n),
			     &al->chars);
		out->ref_chars = (uint32_t)nc;
		out->char_errors = al->chars.sub + al->chars.del +
				   al->chars.ins;
	}
	return 0;
}

size_t aligner_ops(const struct aligner *al, const struct align_op **ops)
{
	*ops = al->ops;
	return al->nops;
}

const struct align_tally *aligner_char_tally(const struct aligner *al)
{
	return &al->chars;
}

const struct wordlist *aligner_ref_words(const struct aligner *al)
{
	return &al->ref;
}

const struct wordlist *aligner_hyp_words(const struct aligner *al)
{
	return &al->hyp;
}

/* Display */

static size_t code_points(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xC0) != 0x80;
	return k;
}

static void add_cell(struct buf *out, const char *s, size_t n, bool upper,
		     size_t width)
{
	size_t w = 0;

	if (!s) {
		for (; w < width; w++)
			buf_addch(out, '*');
	} else {
		for (size_t i = 0; i < n; i++) {
			char c = s[i];

			if (upper && c >= 'a' && c <= 'z')
				c = (char)(c - ('a' - 'A'));
			buf_addch(out, c);
		}
		w = code_points(s, n);
	}
	for (; w < width; w++)
		buf_addch(out, ' ');
	buf_addch(out, ' ');
}

void align_render(const struct align_op *ops, size_t n, struct buf *out)
{
	static const char *const head[3] = { "REF:  ", "HYP:  ", "Eval: " };

	if (!n)
		return;
	for (int line = 0; line < 3; line++) {
		buf_adds(out, head[line]);
		for (size_t i = 0; i < n; i++) {
			const struct align_op *op = &ops[i];
			size_t wr = op->ref ? code_points(op->ref, op->ref_len) : 0;
			size_t wh = op->hyp ? code_points(op->hyp, op->hyp_len) : 0;
			size_t w = wr > wh ? wr : wh;
			bool err = op->kind != 'C';
			char k[2] = { op->kind, '\0' };

			if (line == 0)
				add_cell(out, op->ref, op->ref_len, err, w);
			else if (line == 1)
				add_cell(out, op->hyp, op->hyp_len, err, w);
			else
				add_cell(out, k, err ? 1 : 0, false, w);
		}
		buf_addch(out, '\n');
	}
}
