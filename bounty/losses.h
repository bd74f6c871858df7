/*
 * losses.h - a bounty's metric as per-row losses, so that every metric is
 * sum(err) / sum(den) over a set of rows, the form bounty/verify.h,
 * bounty/judge.h and bounty/pdl.h work on:
 *
 *	error_rate  err = prediction != label, den = 1 (NULL)
 *	fpr         den = label is negative, err = den and prediction positive
 *	fnr         den = label is positive, err = den and prediction negative
 *	wer         err = S + D + I of the stored alignment, den = reference
 *	            words
 *
 * error_rate needs a classification table, fpr and fnr a binary one with a
 * positive label, wer an asr table.  No database, no HTTP, no JSON.
 */
#ifndef FA_BOUNTY_LOSSES_H
#define FA_BOUNTY_LOSSES_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"

enum bounty_metric {
	BOUNTY_ERROR_RATE,
	BOUNTY_FPR,
	BOUNTY_FNR,
	BOUNTY_WER,
};

/* 0 and *out set, or -1 if name is not a bounty metric. */
int bounty_metric_parse(const char *name, enum bounty_metric *out);
const char *bounty_metric_name(enum bounty_metric m);

/*
 * 0 if metric m applies to table t (its task; for fpr and fnr binary
 * labels with a positive one), otherwise -1 with one sentence in err.
 * positive_label names the positive label in that sentence (may be NULL).
 */
int bounty_metric_check(enum bounty_metric m, const struct table *t,
			const char *positive_label, struct buf *err);

/*
 * The per-row losses of t's predictions under m: *err and (except for
 * error_rate, where it is NULL) *den get t->nrows values each; the caller
 * frees both.
 */
void bounty_losses(const struct table *t, enum bounty_metric m,
		   double **err, double **den);

/* sum(err) / sum(den) over rows (NULL: all n rows); NAN without weight. */
double bounty_metric_on(size_t n, const double *err, const double *den,
			const struct bitset *rows);

/*
 * The loss under m of predicting the class whose label text is [s, s+n)
 * on row r of a classification table t whose losses' denominators are den
 * (NULL for error_rate).  A label t does not know counts as wrong.  NAN
 * for wer.
 */
double bounty_class_loss(const struct table *t, enum bounty_metric m,
			 const double *den, size_t r, const char *s,
			 size_t n);

#endif
