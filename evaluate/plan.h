/*
 * plan.h - how many examples (or speakers) an evaluation needs to detect
 * a given disparity: POST /v1/plan and `fairaudit plan`.
 *
 * Request (JSON object; defaults in brackets):
 *   base_rate               the reference cohort's rate, in (0, 1)
 *   ratio                   the ratio to detect, > 0 and not 1 [1.25]
 *   cohorts                 cohorts compared with the reference [1]; the
 *                           test level is significance / cohorts, the
 *                           Bonferroni bound of Holm's first step
 *   significance            [0.05]
 *   power                   [0.8]
 *   utterances_per_speaker  speech: utterances a speaker reads; with it
 *   words_per_utterance     [1] reference words an utterance has, and
 *   icc                     the intra-speaker correlation of the words'
 *                           errors [0.05], the design effect is
 *                           1 + (m w - 1) icc for m utterances of w words
 *                           a speaker; with w = 1 every utterance counts
 *                           as one trial
 * or figures of an earlier evaluation (its result document, passed as ev):
 *   evaluation              its id (the service loads it)
 *   grouping                which of its groupings [0]
 *   metric                  which rate [its first primary metric]
 * from which base_rate is the reference cohort's value, ratio the
 * tolerance's, cohorts the tests of its family (its significance over the
 * level its power figures used), significance its own and, for speech,
 * utterances_per_speaker, words_per_utterance and icc those of the
 * reference cohort: icc = (deff - 1) / (W - 1) from the design effect deff
 * its cluster bootstrap implies and its W words a speaker.  Fields the
 * request gives win.
 *
 * Result: the request as used, "alpha_per_test", "examples_per_cohort"
 * (two-sided two-proportion z-test, metrics/power.h),
 * "examples_per_cohort_corrected" (with the continuity correction) and,
 * for speech, "design_effect", "utterances_per_cohort" and
 * "speakers_per_cohort"; all sizes per cohort and for the reference alike;
 * with an evaluation, "from_evaluation" says which figures came from it.
 */
#ifndef FA_PLAN_H
#define FA_PLAN_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

/*
 * The plan for req, with figures from the evaluation document ev (NULL:
 * none), or NULL with one sentence in err naming the field.
 */
cJSON *plan_run(const cJSON *req, const cJSON *ev, struct buf *err);

#endif
