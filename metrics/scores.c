/*
 * scores.c - AUC, DeLong variance, ECE and moments; see scores.h.
 *
 * The radix sort maps each double to a 64-bit key whose unsigned order is
 * the numeric order (flip all bits of negatives, set the sign bit of the
 * rest) and runs four stable 16-bit counting passes, skipping any pass
 * whose digit is the same for every key (common for probabilities, whose
 * top bits barely vary).
 */
#include "common/fa.h"
#include "metrics/scores.h"

double moments_var(const struct moments *m)
{
	if (m->n < 2)
		return NAN;
	return m->m2 / (double)(m->n - 1);
}

void ece_add(struct ece_acc *e, double score, bool positive)
{
	int b = (int)floor(score * ECE_BINS);

	if (!(b >= 0))		/* also catches NaN */
		b = 0;
	if (b >= ECE_BINS)
		b = ECE_BINS - 1;
	e->n[b]++;
	e->pos[b] += positive;
	e->sum[b] += score;
}

double ece_value(const struct ece_acc *e)
{
	uint64_t total = 0;
	double s = 0;

	for (int b = 0; b < ECE_BINS; b++)
		total += e->n[b];
	if (!total)
		return NAN;
	for (int b = 0; b < ECE_BINS; b++) {
		double nb = (double)e->n[b];

		if (!e->n[b])
			continue;
		s += nb / (double)total *
		     fabs(e->sum[b] / nb - (double)e->pos[b] / nb);
	}
	return s;
}

static uint64_t score_key(double d)
{
	uint64_t u;

	if (d == 0)
		d = 0;		/* -0.0 sorts with 0.0 */
	memcpy(&u, &d, sizeof(u));
	return (u >> 63) ? ~u : u | (1ULL << 63);
}

void scores_order(const double *score, size_t n, uint32_t *order)
{
	uint64_t *k0, *k1;
	uint32_t *i1;
	size_t *cnt;

	if (n == 0)
		return;
	k0 = xmalloc(n * sizeof(*k0));
	k1 = xmalloc(n * sizeof(*k1));
	i1 = xmalloc(n * sizeof(*i1));
	cnt = xmalloc(65536 * sizeof(*cnt));
	for (size_t i = 0; i < n; i++) {
		k0[i] = score_key(score[i]);
		order[i] = (uint32_t)i;
	}
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		uint64_t *tk;
		bool trivial;

		memset(cnt, 0, 65536 * sizeof(*cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(k0[i] >> shift) & 0xffff]++;
		trivial = cnt[(k0[0] >> shift) & 0xffff] == n;
		if (trivial)
			continue;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = cnt[d];

			cnt[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t pos = cnt[(k0[i] >> shift) & 0xffff]++;

			k1[pos] = k0[i];
			i1[pos] = order[i];
		}
		tk = k0;
		k0 = k1;
		k1 = tk;
		memcpy(order, i1, n * sizeof(*order));
	}
	free(k0);
	free(k1);
	free(i1);
	free(cnt);
}

void scores_group_order(const uint32_t *order, size_t n,
			const uint32_t *cohort, size_t ncohorts,
			uint32_t *out, size_t *start)
{
	size_t *next = xcalloc(ncohorts + 1, sizeof(*next));

	for (size_t i = 0; i < n; i++)
		next[cohort[i] + 1]++;
	for (size_t c = 0; c < ncohorts; c++)
		next[c + 1] += next[c];
	memcpy(start, next, (ncohorts + 1) * sizeof(*start));
	for (size_t i = 0; i < n; i++) {
		uint32_t r = order[i];

		out[next[cohort[r]]++] = r;
	}
	free(next);
}

int auc_delong_ordered(const double *score, const uint32_t *label,
		       int64_t positive, const uint32_t *rows, size_t n,
		       struct auc *out)
{
	uint64_t m = 0, k = 0, below_n, below_p;
	double num = 0, auc = 0, s10 = 0, s01 = 0, mm, kk;
	uint32_t pos = positive < 0 ? UINT32_MAX : (uint32_t)positive;

	for (size_t i = 0; i < n; i++)
		m += positive >= 0 && label[rows[i]] == pos;
	k = n - m;
	out->npos = m;
	out->nneg = k;
	out->auc = out->var = NAN;
	if (!m || !k)
		return -1;
	mm = (double)m;
	kk = (double)k;

	/*
	 * Walk tie groups.  A positive in a group with gn negatives, after
	 * below_n lower-scoring negatives, has V10 = (below_n + gn/2) / k; a
	 * negative in a group with gp positives, after below_p lower-scoring
	 * positives, has V01 = (m - below_p - gp/2) / m.
	 */
	for (int pass = 0; pass < 2; pass++) {
		below_n = below_p = 0;
		for (size_t i = 0; i < n;) {
			size_t j = i;
			uint64_t gp = 0, gn = 0;
			double v10, v01;

			while (j < n && score[rows[j]] == score[rows[i]]) {
				if (positive >= 0 && label[rows[j]] == pos)
					gp++;
				else
					gn++;
				j++;
			}
			v10 = ((double)below_n + (double)gn / 2) / kk;
			v01 = (mm - (double)below_p - (double)gp / 2) / mm;
			if (pass == 0) {
				num += (double)gp * v10;
			} else {
				s10 += (double)gp * (v10 - auc) * (v10 - auc);
				s01 += (double)gn * (v01 - auc) * (v01 - auc);
			}
			below_n += gn;
			below_p += gp;
			i = j;
		}
		auc = num / mm;
	}
	out->auc = auc;
	if (m >= 2 && k >= 2)
		out->var = s10 / (mm - 1) / mm + s01 / (kk - 1) / kk;
	return 0;
}

int auc_delong(const double *score, const uint32_t *label, int64_t positive,
	       size_t n, struct auc *out)
{
	uint32_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	int r;

	scores_order(score, n, order);
	r = auc_delong_ordered(score, label, positive, order, n, out);
	free(order);
	return r;
}
