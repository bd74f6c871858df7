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
 *   icc                     the intra-speaker correlation [0.05] gives the
 *                           design effect 1 + (m - 1) icc and the speakers
 *                           a cohort needs
 * Result: the request as used, "alpha_per_test", "examples_per_cohort"
 * (two-sided two-proportion z-test, metrics/power.h),
 * "examples_per_cohort_corrected" (with the continuity correction) and,
 * for speech, "design_effect", "utterances_per_cohort" and
 * "speakers_per_cohort"; all sizes per cohort and for the reference alike.
 */
#ifndef FA_PLAN_H
#define FA_PLAN_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

/* The plan for req, or NULL with one sentence in err naming the field. */
cJSON *plan_run(const cJSON *req, struct buf *err);

#endif
