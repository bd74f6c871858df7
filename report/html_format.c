/*
 * html_format.c - numbers as the pages print them, and the metric
 * catalogue: each metric's name, abbreviation and kind (count, rate or real
 * quantity), which decides how its values, differences and ranges print.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- numbers ---- */

/*
 * x with dec decimals: U+2212 for negatives, "+" for positives when plus,
 * never "-0".  Magnitudes from 1e12 up use exponent notation.
 */
void add_fixed(struct buf *b, double x, int dec, bool plus)
{
	char tmp[64];
	bool zero = true;
	const char *p;

	if (!isfinite(x)) {
		buf_adds(b, EMDASH);
		return;
	}
	if (fabs(x) >= 1e12) {
		snprintf(tmp, sizeof(tmp), "%.3e", fabs(x));
		zero = false;
	} else {
		snprintf(tmp, sizeof(tmp), "%.*f", dec, fabs(x));
		for (p = tmp; *p; p++) {
			if (*p >= '1' && *p <= '9') {
				zero = false;
				break;
			}
		}
	}
	if (!zero && x < 0)
		buf_adds(b, MINUS);
	else if (!zero && plus)
		buf_addch(b, '+');
	buf_adds(b, tmp);
}

/*
 * Four significant digits but at most three decimals ("4.000", "-0.300",
 * "1234", "123457"); exponent notation below 0.001 and from 1e12.
 */
void add_real(struct buf *b, double x, bool plus)
{
	int e, dec;

	if (!isfinite(x)) {
		buf_adds(b, EMDASH);
		return;
	}
	if (x == 0) {
		buf_addch(b, '0');
		return;
	}
	e = (int)floor(log10(fabs(x)));
	if (e < -3) {
		char tmp[64];

		snprintf(tmp, sizeof(tmp), "%.3e", fabs(x));
		buf_adds(b, x < 0 ? MINUS : plus ? "+" : "");
		buf_adds(b, tmp);
		return;
	}
	dec = 3 - e;
	if (dec < 0)
		dec = 0;
	if (dec > 3)
		dec = 3;
	add_fixed(b, x, dec, plus);
}

/* Integers with thousands separators; anything else as add_real. */
void add_count(struct buf *b, double x)
{
	char tmp[64];
	size_t len, i, lead;

	if (!isfinite(x) || fabs(x) >= 1e15 || x != floor(x)) {
		add_real(b, x, false);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%.0f", fabs(x));
	if (x < 0)
		buf_adds(b, MINUS);
	len = strlen(tmp);
	lead = len % 3 ? len % 3 : 3;
	buf_add(b, tmp, lead);
	for (i = lead; i < len; i += 3) {
		buf_addch(b, ',');
		buf_add(b, tmp + i, 3);
	}
}

/* Shortest text that reads back as d (for attribute values, params). */
void add_shortest(struct buf *b, double d)
{
	if (isfinite(d))
		buf_add_double_shortest(b, d);
	else
		buf_adds(b, "null");
}

/* A p-value as HTML: "&lt; 0.001" or three decimals. */
void add_p(struct buf *b, double p)
{
	if (p < 0.001)
		buf_adds(b, "&lt; 0.001");
	else
		add_fixed(b, p, 3, false);
}

/* ---- metric catalogue ---- */



static const struct metric_info metric_table[] = {
	{ "n", "Examples", "n", K_COUNT },
	{ "tp", "True positives", "TP", K_COUNT },
	{ "fp", "False positives", "FP", K_COUNT },
	{ "tn", "True negatives", "TN", K_COUNT },
	{ "fn", "False negatives", "FN", K_COUNT },
	{ "tpr", "True positive rate", "TPR", K_RATE },
	{ "fpr", "False positive rate", "FPR", K_RATE },
	{ "fnr", "False negative rate", "FNR", K_RATE },
	{ "tnr", "True negative rate", "TNR", K_RATE },
	{ "ppv", "Positive predictive value", "PPV", K_RATE },
	{ "npv", "Negative predictive value", "NPV", K_RATE },
	{ "fdr", "False discovery rate", "FDR", K_RATE },
	{ "for", "False omission rate", "FOR", K_RATE },
	{ "accuracy", "Accuracy", "Accuracy", K_RATE },
	{ "recall", "Recall", "Recall", K_RATE },
	{ "error_rate", "Error rate", "Error rate", K_RATE },
	{ "selection_rate", "Selection rate", "Selection rate", K_RATE },
	{ "prevalence", "Prevalence", "Prevalence", K_RATE },
	{ "auc", "Area under the ROC curve", "AUC", K_RATE },
	{ "brier", "Brier score", "Brier", K_RATE },
	{ "ece", "Expected calibration error", "ECE", K_RATE },
	{ "mae", "Mean absolute error", "MAE", K_REAL },
	{ "rmse", "Root mean squared error", "RMSE", K_REAL },
	{ "mean_error", "Mean signed error", "Mean error", K_REAL },
	{ "wer", "Word error rate", "WER", K_RATE },
	{ "mean_utterance_wer", "Mean per-utterance WER", "Mean utt. WER",
	  K_RATE },
	{ "cer", "Character error rate", "CER", K_RATE },
	{ "substitutions", "Substitutions", "S", K_COUNT },
	{ "deletions", "Deletions", "D", K_COUNT },
	{ "insertions", "Insertions", "I", K_COUNT },
	{ "hits", "Correct words", "C", K_COUNT },
	{ "reference_words", "Reference words", "N", K_COUNT },
	{ "utterances", "Utterances", "Utterances", K_COUNT },
	{ "speakers", "Speakers", "Speakers", K_COUNT },
};

/*
 * Per-class metrics of multi-class evaluations live in
 * metrics.per_class.<label>.<name> (and so do their disparities); the
 * report names them "<name>[<label>]", as the evaluation names their
 * flags.  pc_split() finds the two parts of such a key.
 */
bool pc_split(const char *key, const char **name, size_t *name_len,
		     const char **label, size_t *label_len)
{
	const char *open = strchr(key, '[');
	size_t n = strlen(key);

	if (!open || open == key || n < 2 || key[n - 1] != ']')
		return false;
	*name = key;
	*name_len = (size_t)(open - key);
	*label = open + 1;
	*label_len = (size_t)(key + n - 1 - *label);
	return true;
}

/* The metric of key; for a per-class key ("recall[x]"), of its name. */
static const struct metric_info *metric_find(const char *key)
{
	const char *name = key, *label = NULL;
	size_t i, n = strlen(key), ln = 0;

	pc_split(key, &name, &n, &label, &ln);
	for (i = 0; i < ARRAY_SIZE(metric_table); i++)
		if (strlen(metric_table[i].key) == n &&
		    !memcmp(metric_table[i].key, name, n))
			return &metric_table[i];
	return NULL;
}

/* A per-class key's class, escaped: " (class x)"; nothing for others. */
static void add_class_suffix(struct buf *b, const char *key, bool abbr)
{
	const char *name = NULL, *label = NULL;
	size_t nn = 0, ln = 0;

	if (!pc_split(key, &name, &nn, &label, &ln))
		return;
	buf_adds(b, abbr ? " " : " (class ");
	html_esc_n(b, label, ln);
	if (!abbr)
		buf_addch(b, ')');
}

/* The metric's name (abbr: its short name), escaped, per-class too. */
void add_metric(struct buf *b, const char *key, bool abbr)
{
	const struct metric_info *m = metric_find(key);

	if (!m) {
		html_esc(b, key);
		return;
	}
	html_esc(b, abbr ? m->abbr : m->name);
	add_class_suffix(b, key, abbr);
}

static const char *metric_name(const char *key)
{
	const struct metric_info *m = metric_find(key);

	return m ? m->name : key;
}

enum kind metric_kind(const char *key)
{
	const struct metric_info *m = metric_find(key);

	return m ? m->kind : K_REAL;
}

/* A metric name inside a sentence: first letter lower-cased unless the
 * name starts with an abbreviation ("AUC"). */
void add_name_lower(struct buf *b, const char *key)
{
	const char *name = metric_name(key);

	if (metric_find(key) && name[0] >= 'A' && name[0] <= 'Z' &&
	    name[1] >= 'a' && name[1] <= 'z') {
		buf_addch(b, (char)(name[0] - 'A' + 'a'));
		html_esc(b, name + 1);
		add_class_suffix(b, key, false);
	} else {
		add_metric(b, key, false);
	}
}

/* A metric value of the given kind. */
void add_value(struct buf *b, enum kind k, double x)
{
	switch (k) {
	case K_COUNT:
		add_count(b, x);
		break;
	case K_RATE:
		add_fixed(b, x, 3, false);
		break;
	case K_REAL:
		add_real(b, x, false);
		break;
	}
}

/* A signed difference of metric values of kind k. */
void add_diff(struct buf *b, enum kind k, double x, bool plus)
{
	if (k == K_RATE)
		add_fixed(b, x, 3, plus);
	else
		add_real(b, x, plus);
}

/* "lo–hi", or "lo to hi" when a bound is negative. */
void add_range(struct buf *b, double lo, double hi,
		      void (*f)(struct buf *, enum kind, double, bool),
		      enum kind k)
{
	f(b, k, lo, false);
	buf_adds(b, lo < 0 || hi < 0 ? " to " : ENDASH);
	f(b, k, hi, false);
}

void fmt_value(struct buf *b, enum kind k, double x, bool plus)
{
	(void)plus;
	add_value(b, k, x);
}

void fmt_ratio(struct buf *b, enum kind k, double x, bool plus)
{
	(void)k;
	(void)plus;
	add_fixed(b, x, 2, false);
}

const char *metric_plain_name(const char *m)
{
	if (!m)
		return "metric";
	if (!strcmp(m, "error_rate"))
		return "error rate";
	if (!strcmp(m, "fpr"))
		return "false positive rate";
	if (!strcmp(m, "fnr"))
		return "false negative rate";
	if (!strcmp(m, "abs_error"))
		return "absolute error";
	if (!strcmp(m, "wer"))
		return "word error rate";
	return m;
}
