/*
 * judge.h - the whole judgement of one bounty submission, from per-row
 * losses to the verdict a hunter may see, with no database or HTTP
 * (server/h_bounties.c reads the state, calls this under the bounty's row
 * lock, and writes the outcome).
 *
 * judge_submission():
 *   1. judges the submission on the holdout (verify_submission), the exact
 *      verdict kept for administrators, and on the discovery part (every
 *      row may count there: min_support 1, no earlier findings);
 *   2. releases it through the hunter's reusable holdout t
 *      (verify_release), or, once the answers could take the bounty past
 *      its total budget, gives the verdict alone (verify_verdict_only);
 *      once the verdicts too have used as many units, refuses.
 * A refusal releases nothing: the caller answers 429 and stores t as it
 * was before the refused query.
 *
 * Privacy account (see server/h_bounties.c for the defaults): a holdout
 * answer costs at most epsilon, a verdict-only acceptance epsilon / 2, a
 * rejection or a discovery answer nothing; the budget per hunter (t) and
 * per bounty (total_budget) bound the sums.
 */
#ifndef FA_JUDGE_H
#define FA_JUDGE_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/bitset.h"
#include "bounty/thresholdout.h"
#include "bounty/verify.h"

struct judge_input {
	/* group, holdout split, losses, h, accepted findings, clusters */
	struct verify_input in;
	const struct bitset *discovery;
	struct verify_rules rules;
	/* bounty-wide holdout answers: allowed (0: no limit) and used */
	int64_t total_budget, total_used;
};

struct judgement {
	struct verdict v;		/* as released to the hunter */
	struct verdict exact;		/* on the holdout, for administrators */
	struct verdict disc;		/* on the discovery part */
	struct verify_rules drules;	/* the rules disc was judged with */
};

enum {
	JUDGE_DONE = 0,
	JUDGE_REFUSED = 1,	/* err says why; nothing was released */
};

/*
 * Judge one submission (see the top of this file), updating t.  Returns
 * JUDGE_DONE with *j filled, JUDGE_REFUSED with the reason in err, or -1
 * with err set when an input is wrong.
 */
int judge_submission(const struct judge_input *in, struct thresholdout *t,
		     struct judgement *j, struct buf *err);

/*
 * The points of an accepted verdict: weight x improvement with h, weight x
 * gap without; a verdict without numbers is credited at the threshold it
 * was shown to reach.  0 when not a finite number.
 */
double judge_points(const struct verdict *v);

/*
 * The reason of a released verdict in words a hunter may read: the same
 * decision as verify_release() made, stated with released numbers and the
 * adjusted significance level only (no p-value).  Appends to out.
 */
void judge_public_reason(const struct verdict *v,
			 const struct verify_rules *rules, struct buf *out);

#endif
