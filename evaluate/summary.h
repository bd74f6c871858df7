/*
 * summary.h - a plain-text per-speaker summary of an ASR table in the
 * layout of NIST sclite's "sum" report (SYSTEM SUMMARY PERCENTAGES by
 * SPEAKER), for people who compare with sclite by eye.
 *
 * One row per speaker, in order of first appearance (as sclite prints them): # Snt, # Wrd, then Corr, Sub,
 * Del, Ins, Err as percentages of the speaker's reference words and S.Err
 * as the percentage of utterances with any error; then Sum/Avg (pooled over
 * words), and Mean, S.D. (sample, n - 1) and Median over speakers.  A
 * speaker with no reference words has no word percentages ("n/a") and is
 * left out of Mean, S.D. and Median of those columns.  Utterances without
 * a speaker id are reported under "(none)".
 */
#ifndef FA_REPORT_SUMMARY_H
#define FA_REPORT_SUMMARY_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"

/* Append the summary of t (an asr table) titled `title` to out. */
void summary_render(struct buf *out, const struct table *t, const char *title);

#endif
