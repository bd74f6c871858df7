/*
 * judge.c - see judge.h.
 */
#include "common/fa.h"
#include "bounty/judge.h"

int judge_submission(const struct judge_input *ji, struct thresholdout *t,
		     struct judgement *j, struct buf *err)
{
	struct verify_input din;
	struct verdict *v = &j->v;

	if (verify_submission(&ji->in, &ji->rules, v, err))
		return -1;
	j->exact = *v;
	j->drules = ji->rules;
	j->drules.min_support = 1;
	din = ji->in;
	din.split = ji->discovery;
	din.accepted = NULL;
	din.naccepted = 0;
	if (verify_submission(&din, &j->drules, &j->disc, err))
		return -1;
	if (ji->total_budget > 0 && !v->too_small &&
	    ji->total_used + (v->rest ? 1 : 0) + (v->has_h ? 1 : 0) >
	    ji->total_budget) {
		if (ji->total_used >= 2 * ji->total_budget) {
			buf_addf(err, "the bounty's budget of %lld holdout "
				 "answers, and of as many verdicts after them, "
				 "is spent", (long long)ji->total_budget);
			return JUDGE_REFUSED;
		}
		if (verify_verdict_only(v, &j->disc, &ji->rules, t, err))
			return JUDGE_REFUSED;
	} else if (verify_release(v, &j->disc, &ji->rules, t, err)) {
		return JUDGE_REFUSED;
	}
	return JUDGE_DONE;
}

double judge_points(const struct verdict *v)
{
	double p;

	if (v->verdict_only)
		p = v->weight * v->verdict_threshold;
	else
		p = v->has_h ? v->value : v->weight * v->gap;
	return isfinite(p) ? p : 0;
}

void judge_public_reason(const struct verdict *v,
			  const struct verify_rules *rules, struct buf *out)
{
	double level = verify_adjusted_level(rules);
	bool ok = v->status == VERIFY_ACCEPTED;

	/* These say nothing the hunter may not know (see verify.c). */
	if (v->too_small || v->verdict_only ||
	    v->status == VERIFY_DUPLICATE ||
	    (!v->has_h && (!v->rest || !isfinite(v->gap)))) {
		buf_adds(out, v->reason);
		return;
	}
	if (v->has_h) {
		double counted = v->weight * (v->improvement - v->impr_margin);

		if (ok)
			buf_addf(out, "weight x improvement %.4g reaches alpha "
				 "%.4g and the improvement is significant at "
				 "the adjusted level %.3g", v->value,
				 rules->alpha, level);
		else if (!(v->value >= rules->alpha))
			buf_addf(out, "weight x improvement %.4g is below "
				 "alpha %.4g", v->value, rules->alpha);
		else if (!(counted >= rules->alpha))
			buf_addf(out, "weight x improvement %.4g was confirmed "
				 "by the holdout only to within %.3g, so it "
				 "counts as %.4g, below alpha %.4g", v->value,
				 v->impr_margin, counted, rules->alpha);
		else
			buf_addf(out, "the improvement %.4f is not "
				 "significant at the adjusted level %.3g",
				 v->improvement, level);
		return;
	}
	if (ok)
		buf_addf(out, "gap %.4f reaches the minimum gap %.4f and is "
			 "significant at the adjusted level %.3g", v->gap,
			 rules->min_gap, level);
	else if (!(v->gap >= rules->min_gap))
		buf_addf(out, "gap %.4f is below the minimum gap %.4f", v->gap,
			 rules->min_gap);
	else if (!(v->gap - v->gap_margin >= rules->min_gap))
		buf_addf(out, "gap %.4f was confirmed by the holdout only to "
			 "within %.3g, so it counts as %.4f, below the minimum "
			 "gap %.4f", v->gap, v->gap_margin,
			 v->gap - v->gap_margin, rules->min_gap);
	else
		buf_addf(out, "gap %.4f is not significant at the adjusted "
			 "level %.3g", v->gap, level);
}
