/*
 * losses.c - a bounty's metric as per-row losses; see losses.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "common/strmap.h"
#include "bounty/losses.h"

static const char *const metric_names[] = {
	[BOUNTY_ERROR_RATE] = "error_rate",
	[BOUNTY_FPR] = "fpr",
	[BOUNTY_FNR] = "fnr",
	[BOUNTY_WER] = "wer",
};

int bounty_metric_parse(const char *name, enum bounty_metric *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(metric_names); i++) {
		if (!strcmp(name, metric_names[i])) {
			*out = (enum bounty_metric)i;
			return 0;
		}
	}
	return -1;
}

const char *bounty_metric_name(enum bounty_metric m)
{
	return (size_t)m < ARRAY_SIZE(metric_names) ? metric_names[m] : "unknown";
}

int bounty_metric_check(enum bounty_metric m, const struct table *t,
			const char *positive_label, struct buf *err)
{
	bool ok = m == BOUNTY_WER ? t->task == TASK_ASR :
		  t->task == TASK_CLASSIFICATION;

	if (!ok) {
		const char *task = task_name(t->task);

		buf_addf(err, "metric \"%s\" does not apply to %s %s "
			 "dataset; use error_rate, fpr or fnr for "
			 "classification and wer for asr", bounty_metric_name(m),
			 strchr("aeiou", task[0]) ? "an" : "a", task);
		return -1;
	}
	if ((m == BOUNTY_FPR || m == BOUNTY_FNR) &&
	    (!table_is_binary(t) || t->positive < 0)) {
		buf_addf(err, "metric \"%s\" needs binary labels that include"
			 " the positive label \"%s\"", bounty_metric_name(m),
			 positive_label ? positive_label : "");
		return -1;
	}
	return 0;
}

void bounty_losses(const struct table *t, enum bounty_metric m,
		   double **err_out, double **den_out)
{
	size_t n = t->nrows;
	uint32_t pos = (uint32_t)t->positive;
	double *err = xcalloc(n, sizeof(double)), *den = NULL;

	if (m != BOUNTY_ERROR_RATE)
		den = xcalloc(n, sizeof(double));
	for (size_t r = 0; r < n; r++) {
		switch (m) {
		case BOUNTY_ERROR_RATE:
			err[r] = t->pred[r] != t->label[r];
			break;
		case BOUNTY_FPR:
			den[r] = t->label[r] != pos;
			err[r] = den[r] > 0 && t->pred[r] == pos;
			break;
		case BOUNTY_FNR:
			den[r] = t->label[r] == pos;
			err[r] = den[r] > 0 && t->pred[r] != pos;
			break;
		case BOUNTY_WER:
			den[r] = t->asr[r].ref_words;
			err[r] = (double)t->asr[r].sub + t->asr[r].del +
				 t->asr[r].ins;
			break;
		}
	}
	*err_out = err;
	*den_out = den;
}

double bounty_metric_on(size_t n, const double *err, const double *den,
			const struct bitset *rows)
{
	double e = 0, dsum = 0;

	for (size_t r = 0; r < n; r++) {
		if (rows && !bitset_test(rows, r))
			continue;
		e += err[r];
		dsum += den ? den[r] : 1.0;
	}
	return dsum > 0 ? e / dsum : NAN;
}

double bounty_class_loss(const struct table *t, enum bounty_metric m,
			 const double *den, size_t r, const char *s, size_t n)
{
	int64_t code = strmap_find(&t->classes, s, n);
	bool positive = code >= 0 && code == t->positive;

	switch (m) {
	case BOUNTY_ERROR_RATE:
		return code != (int64_t)t->label[r];
	case BOUNTY_FPR:
		return den[r] > 0 && positive;
	case BOUNTY_FNR:
		return den[r] > 0 && !positive;
	case BOUNTY_WER:
		break;
	}
	return NAN;
}
