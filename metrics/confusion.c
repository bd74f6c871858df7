/*
 * confusion.c - one-pass confusion counting; see confusion.h.
 *
 * The binary accumulators index a 4-cell block per cohort with
 * 2 * actual + predicted, so the inner loop is a load, two compares and an
 * increment per row; 1,000,000 rows take a couple of milliseconds.
 */
#include "common/fa.h"
#include "metrics/confusion.h"

static const struct {
	const char *name;
	const char *reason;
} rates[CONF_NRATES] = {
	[CONF_TPR] = { "tpr", "no actual positives in cohort" },
	[CONF_FPR] = { "fpr", "no actual negatives in cohort" },
	[CONF_FNR] = { "fnr", "no actual positives in cohort" },
	[CONF_TNR] = { "tnr", "no actual negatives in cohort" },
	[CONF_PPV] = { "ppv", "no predicted positives in cohort" },
	[CONF_NPV] = { "npv", "no predicted negatives in cohort" },
	[CONF_FDR] = { "fdr", "no predicted positives in cohort" },
	[CONF_FOR] = { "for", "no predicted negatives in cohort" },
	[CONF_ACCURACY] = { "accuracy", "empty cohort" },
	[CONF_ERROR_RATE] = { "error_rate", "empty cohort" },
	[CONF_SELECTION_RATE] = { "selection_rate", "empty cohort" },
	[CONF_PREVALENCE] = { "prevalence", "empty cohort" },
};

const char *confusion_rate_name(enum confusion_rate r)
{
	return rates[r].name;
}

const char *confusion_rate_reason(enum confusion_rate r)
{
	return rates[r].reason;
}

void confusion_rate(const struct confusion *c, enum confusion_rate r,
		    uint64_t *x, uint64_t *d)
{
	uint64_t n = confusion_n(c);

	switch (r) {
	case CONF_TPR:
		*x = c->tp;
		*d = c->tp + c->fn;
		break;
	case CONF_FPR:
		*x = c->fp;
		*d = c->fp + c->tn;
		break;
	case CONF_FNR:
		*x = c->fn;
		*d = c->tp + c->fn;
		break;
	case CONF_TNR:
		*x = c->tn;
		*d = c->fp + c->tn;
		break;
	case CONF_PPV:
		*x = c->tp;
		*d = c->tp + c->fp;
		break;
	case CONF_NPV:
		*x = c->tn;
		*d = c->tn + c->fn;
		break;
	case CONF_FDR:
		*x = c->fp;
		*d = c->tp + c->fp;
		break;
	case CONF_FOR:
		*x = c->fn;
		*d = c->tn + c->fn;
		break;
	case CONF_ACCURACY:
		*x = c->tp + c->tn;
		*d = n;
		break;
	case CONF_ERROR_RATE:
		*x = c->fp + c->fn;
		*d = n;
		break;
	case CONF_SELECTION_RATE:
		*x = c->tp + c->fp;
		*d = n;
		break;
	default:
		*x = c->tp + c->fn;
		*d = n;
		break;
	}
}

/* cells[4c + 2*actual + predicted]: 0 tn, 1 fp, 2 fn, 3 tp. */
static void cells_to_confusion(const uint64_t *cells, size_t ncohorts,
			       struct confusion *out)
{
	for (size_t c = 0; c < ncohorts; c++) {
		out[c].tn += cells[4 * c];
		out[c].fp += cells[4 * c + 1];
		out[c].fn += cells[4 * c + 2];
		out[c].tp += cells[4 * c + 3];
	}
}

void confusion_add_labels(const uint32_t *label, const uint32_t *pred,
			  int64_t positive, const uint32_t *cohort,
			  size_t nrows, size_t ncohorts,
			  struct confusion *out)
{
	size_t nc = ncohorts;
	uint64_t *cells = xcalloc(4 * nc, sizeof(*cells));
	uint32_t pos = positive < 0 ? UINT32_MAX : (uint32_t)positive;

	if (positive < 0) {
		/* Everything is a negative. */
		for (size_t r = 0; r < nrows; r++)
			cells[4 * (cohort ? cohort[r] : 0)]++;
	} else if (cohort) {
		for (size_t r = 0; r < nrows; r++)
			cells[4 * (size_t)cohort[r] +
			      2 * (label[r] == pos) + (pred[r] == pos)]++;
	} else {
		for (size_t r = 0; r < nrows; r++)
			cells[2 * (label[r] == pos) + (pred[r] == pos)]++;
	}
	cells_to_confusion(cells, nc, out);
	free(cells);
}

void confusion_add_scores(const uint32_t *label, const double *score,
			  double threshold, int64_t positive,
			  const uint32_t *cohort, size_t nrows,
			  size_t ncohorts, struct confusion *out)
{
	size_t nc = ncohorts;
	uint64_t *cells = xcalloc(4 * nc, sizeof(*cells));
	uint32_t pos = positive < 0 ? UINT32_MAX : (uint32_t)positive;

	for (size_t r = 0; r < nrows; r++)
		cells[4 * (size_t)(cohort ? cohort[r] : 0) +
		      2 * (positive >= 0 && label[r] == pos) +
		      (score[r] >= threshold)]++;
	cells_to_confusion(cells, nc, out);
	free(cells);
}

void confusion_add_multiclass(const uint32_t *label, const uint32_t *pred,
			      size_t nclasses, const uint32_t *cohort,
			      size_t nrows, uint64_t *n, uint64_t *correct,
			      uint64_t *support, uint64_t *hits)
{
	for (size_t r = 0; r < nrows; r++) {
		size_t c = cohort ? cohort[r] : 0;
		uint32_t l = label[r];
		bool ok = pred[r] == l;

		n[c]++;
		correct[c] += ok;
		support[c * nclasses + l]++;
		hits[c * nclasses + l] += ok;
	}
}
