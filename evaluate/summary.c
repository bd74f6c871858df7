/*
 * summary.c - sclite-style per-speaker summary; see summary.h.
 *
 * All rows are computed first, then the two count columns are sized to
 * their widest number (never narrower than sclite's), and the frame is
 * drawn to fit.
 */
#include "common/fa.h"
#include "evaluate/summary.h"

enum { C_SNT, C_WRD, C_CORR, C_SUB, C_DEL, C_INS, C_ERR, C_SERR, NCOL };

struct spk {
	const char *name;
	uint64_t snt, wrd, corr, sub, del, ins, serr;
};

struct layout {
	int snt, wrd;		/* widths of the two count columns */
};

static double pct(uint64_t x, uint64_t n)
{
	return n ? 100.0 * (double)x / (double)n : NAN;
}

static void columns(const struct spk *s, double *v)
{
	v[C_SNT] = (double)s->snt;
	v[C_WRD] = (double)s->wrd;
	v[C_CORR] = pct(s->corr, s->wrd);
	v[C_SUB] = pct(s->sub, s->wrd);
	v[C_DEL] = pct(s->del, s->wrd);
	v[C_INS] = pct(s->ins, s->wrd);
	v[C_ERR] = pct(s->sub + s->del + s->ins, s->wrd);
	v[C_SERR] = pct(s->serr, s->snt);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Halves round up, as sclite prints them (6.25 -> 6.3, where printf's
   round-half-even on the exact binary value would give 6.2). */
static int format(char *num, size_t n, double v, int prec)
{
	double scale = prec ? 10.0 : 1.0;

	if (isnan(v))
		return snprintf(num, n, "n/a");
	return snprintf(num, n, "%.*f", prec, floor(v * scale + 0.5) / scale);
}

static void cell(struct buf *b, double v, int width, int prec)
{
	char num[48];

	format(num, sizeof(num), v, prec);
	buf_addf(b, "%*s", width, num);
}

static void fit(struct layout *l, const double *v, int prec)
{
	char num[48];
	int n;

	n = format(num, sizeof(num), v[C_SNT], prec) + 1;
	if (n > l->snt)
		l->snt = n;
	n = format(num, sizeof(num), v[C_WRD], prec) + 2;
	if (n > l->wrd)
		l->wrd = n;
}

static void row(struct buf *b, const struct layout *l, const char *label,
		const double *v, int cprec)
{
	buf_addf(b, "| %-7.7s|", label);
	cell(b, v[C_SNT], l->snt, cprec);
	cell(b, v[C_WRD], l->wrd, cprec);
	buf_adds(b, " |");
	for (int c = C_CORR; c < NCOL; c++)
		cell(b, v[c], c == C_CORR ? 5 : 7, 1);
	buf_adds(b, " |\n");
}

static void line(struct buf *b, const struct layout *l, char fill, char cross)
{
	int counts = l->snt + l->wrd + 1;

	buf_addch(b, '|');
	for (int i = 0; i < 8; i++)
		buf_addch(b, fill);
	buf_addch(b, cross);
	for (int i = 0; i < counts; i++)
		buf_addch(b, fill);
	buf_addch(b, cross);
	for (int i = 0; i < 41; i++)
		buf_addch(b, fill);
	buf_adds(b, "|\n");
}

void summary_render(struct buf *out, const struct table *t, const char *title)
{
	size_t nspk = t->speakers.n + 1, n = 0;	/* + 1: no speaker id */
	struct spk *s = xcalloc(nspk, sizeof(*s)), sum = { "Sum/Avg" };
	double *v = xcalloc(nspk * NCOL, sizeof(double));
	double sv[NCOL], stat[3][NCOL], *col = xcalloc(nspk, sizeof(double));
	static const char *const stat_label[3] = { " Mean", " S.D.", "Median" };
	struct layout l = { 5, 7 };
	int inner, tlen = (int)strlen(title);

	for (size_t k = 0; k < nspk; k++)
		s[k].name = k < t->speakers.n ? strmap_str(&t->speakers, (uint32_t)k)
					      : "(none)";
	for (size_t r = 0; r < t->nrows; r++) {
		const struct asr_counts *c = &t->asr[r];
		uint32_t k = t->speaker && t->speaker[r] != UINT32_MAX ?
			     t->speaker[r] : (uint32_t)t->speakers.n;

		s[k].snt++;
		s[k].wrd += c->ref_words;
		s[k].corr += c->hits;
		s[k].sub += c->sub;
		s[k].del += c->del;
		s[k].ins += c->ins;
		s[k].serr += c->sub + c->del + c->ins > 0;
	}
	/* speakers with utterances, in order of first appearance */
	for (size_t k = 0; k < nspk; k++)
		if (s[k].snt)
			s[n++] = s[k];
	for (size_t i = 0; i < n; i++) {
		columns(&s[i], &v[i * NCOL]);
		fit(&l, &v[i * NCOL], 0);
		sum.snt += s[i].snt;
		sum.wrd += s[i].wrd;
		sum.corr += s[i].corr;
		sum.sub += s[i].sub;
		sum.del += s[i].del;
		sum.ins += s[i].ins;
		sum.serr += s[i].serr;
	}
	columns(&sum, sv);
	fit(&l, sv, 0);
	for (int c = 0; c < NCOL; c++) {
		size_t m = 0;
		double mean = 0, ss = 0;

		for (size_t i = 0; i < n; i++)
			if (!isnan(v[i * NCOL + c]))
				col[m++] = v[i * NCOL + c];
		for (size_t i = 0; i < m; i++)
			mean += col[i];
		mean = m ? mean / (double)m : NAN;
		for (size_t i = 0; i < m; i++)
			ss += (col[i] - mean) * (col[i] - mean);
		qsort(col, m, sizeof(*col), dbl_cmp);
		stat[0][c] = mean;
		stat[1][c] = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
		stat[2][c] = !m ? NAN : m % 2 ? col[m / 2] :
			     (col[m / 2 - 1] + col[m / 2]) / 2;
	}
	for (int k = 0; k < 3; k++)
		fit(&l, stat[k], 1);

	inner = 8 + 1 + l.snt + l.wrd + 1 + 1 + 41;
	buf_addf(out, "%*s\n\n", inner / 2 + 19, "SYSTEM SUMMARY PERCENTAGES by SPEAKER");
	buf_addch(out, ',');
	for (int i = 0; i < inner; i++)
		buf_addch(out, '-');
	buf_adds(out, ".\n");
	buf_addf(out, "|%*s%*s|\n", (inner + tlen) / 2, title,
		 inner - (inner + tlen) / 2, "");
	buf_addch(out, '|');
	for (int i = 0; i < inner; i++)
		buf_addch(out, '-');
	buf_adds(out, "|\n");
	buf_addf(out, "| SPKR   |%*s%*s | Corr    Sub    Del    Ins    Err  S.Err |\n",
		 l.snt + 1, "# Snt", l.wrd - 1, "# Wrd");
	for (size_t i = 0; i < n; i++) {
		line(out, &l, '-', '+');
		row(out, &l, s[i].name, &v[i * NCOL], 0);
	}
	line(out, &l, '=', '=');
	row(out, &l, "Sum/Avg", sv, 0);
	line(out, &l, '=', '=');
	for (int k = 0; k < 3; k++)
		row(out, &l, stat_label[k], stat[k], 1);
	buf_addch(out, '`');
	for (int i = 0; i < inner; i++)
		buf_addch(out, '-');
	buf_adds(out, "'\n");
	free(s);
	free(v);
	free(col);
}
