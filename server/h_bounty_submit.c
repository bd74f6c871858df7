/*
 * h_bounty_submit.c - submissions to a bounty: parsing g and h, the
 * judgement under the bounty's row lock (bounty/judge.h), the decision
 * list, the audit log (see h_bounties.c for what a hunter sees and the
 * privacy account).
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/h_bounties_internal.h"
#include "server/reqjson.h"
#include "server/log.h"
#include "server/bounty_data.h"
#include "evaluate/evaluation.h"
#include "bounty/judge.h"
#include "report/bounty_html.h"
#include "server/store_bounties.h"
#include "cohorts/predicate.h"
#include "metrics/alignment.h"
#include "metrics/normalize.h"
#include "report/html.h"
#include "report/csv.h"
#include "report/json.h"
#include <openssl/rand.h>
#include <openssl/sha.h>
#define MAX_NAMED_IDS 5		/* example ids quoted in a 422 */

/* ---- POST /v1/bounties/{id}/submissions ---- */

/* Everything one submission needs, before and under the lock. */
struct submit {
	struct request *r;
	struct bounty b;
	struct model m;
	struct dataset d;
	struct bounty_data *bd;		/* shared: read only */
	const char *group_text;
	struct buf canonical;
	struct bitset group;
	/* h */
	const char *h_kind;
	double *h_err;			/* NULL without h */
	int64_t h_model_id;
	char *h_model_stamp;
	const char **h_ids, **h_values;
	bool h_values_owned;		/* classification: copies */
	uint32_t *h_counts;
	struct bounty_h_store h_store;
	/* under the lock */
	struct pdl *l;
	double *cur;
	struct bitset *accepted;
	size_t naccepted;
	struct bounty_node *nodes;
	unsigned char *members;
	char *released_s, *holdout_s;
	struct buf reason;
	bool refused;
	uint32_t budget;
};

static void submit_release(struct submit *s)
{
	bounty_release(&s->b);
	model_release(&s->m);
	dataset_release(&s->d);
	bounty_data_put(s->bd);
	buf_release(&s->canonical);
	bitset_release(&s->group);
	free(s->h_err);
	free(s->h_model_stamp);
	free(s->h_ids);
	for (size_t i = 0; s->h_values_owned && i < s->h_store.n; i++)
		free((char *)s->h_values[i]);
	free(s->h_values);
	free(s->h_counts);
	pdl_free(s->l);
	free(s->cur);
	for (size_t i = 0; i < s->naccepted; i++)
		bitset_release(&s->accepted[i]);
	free(s->accepted);
	free(s->nodes);
	free(s->members);
	free(s->released_s);
	free(s->holdout_s);
	buf_release(&s->reason);
}

/* An example id for a message: valid UTF-8, at most 64 bytes of it. */
static void add_id(struct buf *b, const char *s, size_t n)
{
	size_t m = n < 64 ? n : 64;

	if (!utf8_valid(s, n)) {
		buf_adds(b, "(an id that is not UTF-8)");
		return;
	}
	while (m < n && ((unsigned char)s[m] & 0xc0) == 0x80)
		m--;
	buf_addch(b, '"');
	buf_add(b, s, m);
	buf_adds(b, m < n ? "...\"" : "\"");
}

/* Quote up to MAX_NAMED_IDS ids in b: "a", "b", ... */
static void name_ids(struct buf *b, const char *const *ids,
		     const size_t *lens, size_t n)
{
	for (size_t i = 0; i < n && i < MAX_NAMED_IDS; i++) {
		buf_adds(b, i ? ", " : "");
		add_id(b, ids[i], lens[i]);
	}
	if (n > MAX_NAMED_IDS)
		buf_adds(b, ", ...");
}

/* A prediction value as text: a JSON string, or a number for labels. */
static const char *pred_text(const cJSON *v, char *tmp, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
		double x = v->valuedouble;

		if (x == floor(x) && fabs(x) < 1e15)
			snprintf(tmp, n, "%lld", (long long)x);
		else
			snprintf(tmp, n, "%.17g", x);
		return tmp;
	}
	return NULL;
}

struct refs {
	struct submit *s;
	char **text;			/* per row of the group, else NULL */
};

static int refs_row(void *ctx, const struct bounty_row *row)
{
	struct refs *x = ctx;
	int64_t r = strmap_find(&x->s->bd->t.ids, row->id, row->id_len);

	if (r >= 0 && bitset_test(&x->s->group, (size_t)r))
		x->text[r] = xstrndup(row->reference ? row->reference : "",
				      row->reference ? row->reference_len : 0);
	return 0;
}

/* The first MAX_NAMED_IDS of a list of ids, and how many there were. */
struct some_ids {
	const char *id[MAX_NAMED_IDS + 1];
	size_t len[MAX_NAMED_IDS + 1];
	size_t n;
};

static void some_ids_add(struct some_ids *l, const char *id, size_t len)
{
	if (l->n < MAX_NAMED_IDS + 1) {
		l->id[l->n] = id;
		l->len[l->n] = len;
	}
	l->n++;
}

/* "; 3 are missing (\"a\", \"b\", \"c\")" when l is not empty. */
static void some_ids_say(struct buf *d, const struct some_ids *l,
			 const char *what)
{
	if (!l->n)
		return;
	buf_addf(d, "; %zu %s %s (", l->n, l->n == 1 ? "is" : "are", what);
	name_ids(d, l->id, l->len, l->n);
	buf_addch(d, ')');
}

/*
 * Reads the predictions array into by_row (the text of each row of the
 * group; numbers are written into num[], one slot per element): 0, or -1
 * after a 422 naming the bad element, a repeated example, or the missing
 * and extra ids.
 */
static int predictions_read_or_respond(struct submit *s, const cJSON *preds,
				       const char **by_row, char (*num)[32])
{
	struct request *r = s->r;
	const struct table *t = &s->bd->t;
	const char *field = t->task == TASK_ASR ? "hypothesis" : "prediction";
	struct some_ids extra = { .n = 0 }, missing = { .n = 0 };
	const cJSON *it;
	size_t i = 0;
	struct buf d = BUF_INIT;

	cJSON_ArrayForEach(it, preds) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, field);
		const char *text;
		int64_t row;

		if (!cJSON_IsObject(it) || !cJSON_IsString(id) ||
		    !(text = pred_text(v, num[i], sizeof(num[i]))) ||
		    (t->task == TASK_ASR && !cJSON_IsString(v)) ||
		    !utf8_valid(text, strlen(text))) {
			respond_problem(r, 422, "Invalid predictions",
					"predictions[%zu] must be an object with"
					" a string \"id\" and a string \"%s\"",
					i, field);
			return -1;
		}
		row = strmap_find(&t->ids, id->valuestring,
				  strlen(id->valuestring));
		if (row < 0 || !bitset_test(&s->group, (size_t)row)) {
			some_ids_add(&extra, id->valuestring,
				     strlen(id->valuestring));
		} else if (by_row[row]) {
			add_id(&d, id->valuestring, strlen(id->valuestring));
			respond_problem(r, 422, "Invalid predictions",
					"predictions[%zu]: example %s is given"
					" more than once", i, d.s);
			buf_release(&d);
			return -1;
		} else {
			by_row[row] = text;
		}
		i++;
	}
	bitset_foreach(&s->group, row)
		if (!by_row[row])
			some_ids_add(&missing, strmap_str(&t->ids, (uint32_t)row),
				     strmap_len(&t->ids, (uint32_t)row));
	if (!missing.n && !extra.n)
		return 0;
	buf_addf(&d, "predictions must cover exactly the %zu examples"
		 " that match the group", bitset_count(&s->group));
	some_ids_say(&d, &missing, "missing");
	some_ids_say(&d, &extra, "not in the group");
	respond_problem(r, 422, "Invalid predictions", "%s", d.s);
	buf_release(&d);
	return -1;
}

/*
 * Aligns each hypothesis of the group against its holdout reference with
 * the normalisation of the bounty's model, into s->h_err and the counts to
 * store: 0, or -1 after a 422 (a hypothesis that cannot be scored) or 500.
 */
static int score_hypotheses_or_respond(struct submit *s, const char **by_row,
				       size_t ngroup)
{
	struct request *r = s->r;
	const struct table *t = &s->bd->t;
	struct refs refs = { s, xcalloc(t->nrows, sizeof(char *)) };
	struct norm_opts no;
	struct aligner *al = NULL;
	struct buf err = BUF_INIT;
	size_t k = 0;
	int bad = 0;

	s->h_counts = xcalloc(4 * ngroup, sizeof(uint32_t));
	norm_opts_init(&no);
	if ((s->m.normalize && norm_opts_parse(&no, s->m.normalize,
					       strlen(s->m.normalize), &err)) ||
	    !(al = aligner_new(&no, &err))) {
		log_error("model %lld normalisation: %s", (long long)s->m.id,
			  err.s);
		bad = -1;
	} else if (store_bounty_rows(req_db(r), &s->d, 0, true, refs_row,
				     &refs)) {
		bad = -1;
	}
	bitset_foreach(&s->group, row) {
		struct asr_counts c;
		const char *ref = refs.text[row];

		if (bad)
			break;
		if (!ref) {
			bad = -1;
			break;
		}
		if (aligner_score(al, ref, strlen(ref), by_row[row],
				  strlen(by_row[row]), ALIGN_WORDS_ONLY, &c,
				  &err)) {
			bad = 1;
			break;
		}
		s->h_err[row] = (double)c.sub + c.del + c.ins;
		s->h_ids[k] = strmap_str(&t->ids, (uint32_t)row);
		s->h_values[k] = by_row[row];
		s->h_counts[4 * k] = c.sub;
		s->h_counts[4 * k + 1] = c.del;
		s->h_counts[4 * k + 2] = c.ins;
		s->h_counts[4 * k + 3] = c.ref_words;
		k++;
	}
	for (size_t row = 0; row < t->nrows; row++)
		free(refs.text[row]);
	free(refs.text);
	aligner_free(al);
	norm_opts_release(&no);
	if (bad > 0)
		respond_problem(r, 422, "Invalid predictions",
				"a hypothesis could not be scored: %s", err.s);
	else if (bad < 0)
		respond_internal(r);
	buf_release(&err);
	return bad ? -1 : 0;
}

/* Each predicted label's loss on the group into s->h_err, kept to store. */
static void score_labels(struct submit *s, const char **by_row)
{
	const struct table *t = &s->bd->t;
	size_t k = 0;

	s->h_values_owned = true;
	bitset_foreach(&s->group, row) {
		s->h_err[row] = bounty_class_loss(t, s->bd->metric, s->bd->den,
						  row, by_row[row],
						  strlen(by_row[row]));
		s->h_ids[k] = strmap_str(&t->ids, (uint32_t)row);
		/* by_row points into the request's JSON or num[]. */
		s->h_values[k] = xstrdup(by_row[row]);
		k++;
	}
}

/*
 * h as predictions: exactly one per example of the group (422 naming the
 * missing and extra ids otherwise), scored into s->h_err; asr hypotheses
 * are aligned with the normalisation of the bounty's model.
 */
static int predictions_or_respond(struct submit *s, const cJSON *preds)
{
	const struct table *t = &s->bd->t;
	size_t n = (size_t)cJSON_GetArraySize(preds), ngroup;
	const char **by_row = xcalloc(t->nrows, sizeof(char *));
	char (*num)[32] = xcalloc(n, sizeof(*num));
	int ret = -1;

	if (predictions_read_or_respond(s, preds, by_row, num))
		goto out;
	ngroup = bitset_count(&s->group);
	s->h_err = xcalloc(t->nrows, sizeof(double));
	s->h_ids = xcalloc(ngroup, sizeof(char *));
	s->h_values = xcalloc(ngroup, sizeof(char *));
	if (t->task == TASK_ASR) {
		if (score_hypotheses_or_respond(s, by_row, ngroup))
			goto out;
	} else {
		score_labels(s, by_row);
	}
	s->h_kind = "predictions";
	s->h_store.n = ngroup;
	s->h_store.ids = s->h_ids;
	s->h_store.values = s->h_values;
	s->h_store.counts = s->h_counts;
	ret = 0;
out:
	free(by_row);
	free(num);
	return ret;
}

/* h as another model of the same dataset. */
static int model_h_or_respond(struct submit *s, int64_t model_id)
{
	struct request *r = s->r;
	struct model hm = { 0 };
	int ret = -1;

	if (body_model_or_respond(r, model_id, &hm))
		goto out;
	if (hm.dataset_id != s->d.id) {
		respond_problem(r, 422, "Invalid request",
				"model %lld belongs to dataset %lld, not to the"
				" bounty's dataset %lld", (long long)model_id,
				(long long)hm.dataset_id, (long long)s->d.id);
		goto out;
	}
	if (!hm.uploaded_at || hm.prediction_count != s->d.example_count) {
		respond_problem(r, 422, "Invalid request",
				"model %lld has predictions for %lld of the %lld"
				" examples; h must predict every example",
				(long long)model_id, (long long)hm.prediction_count,
				(long long)s->d.example_count);
		goto out;
	}
	if (s->bd->t.task == TASK_ASR &&
	    strcmp(hm.normalize ? hm.normalize : "sclite",
		   s->m.normalize ? s->m.normalize : "sclite")) {
		respond_problem(r, 422, "Invalid request",
				"model %lld was scored with normalisation"
				" \"%s\" but the bounty's model with \"%s\"",
				(long long)model_id,
				hm.normalize ? hm.normalize : "sclite",
				s->m.normalize ? s->m.normalize : "sclite");
		goto out;
	}
	s->h_err = xcalloc(s->bd->t.nrows, sizeof(double));
	if (bounty_model_losses(s->bd, req_db(r), &s->d, model_id, &s->group,
				s->h_err)) {
		respond_internal(r);
		goto out;
	}
	s->h_kind = "model";
	s->h_model_id = model_id;
	s->h_model_stamp = xstrdup(hm.upload_stamp);
	ret = 0;
out:
	model_release(&hm);
	return ret;
}

/*
 * The per-hunter noise seed: SHA-256(secret, "thresholdout", bounty id, key
 * id).  Bounties on one dataset share the split key, so the bounty id keeps
 * their noise streams apart: with one stream, the same hunter's answers
 * from two bounties would carry the same noise, which differences cancel.
 */
static uint64_t hunter_seed(const struct bounty *b, int64_t key_id)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct buf in = BUF_INIT;
	uint64_t seed = 0;

	buf_add(&in, b->secret, b->secret_len);
	buf_addf(&in, "thresholdout:%lld:%lld", (long long)b->id,
		 (long long)key_id);
	SHA256((const unsigned char *)in.s, in.len, md);
	for (int i = 7; i >= 0; i--)
		seed = seed << 8 | md[i];
	explicit_bzero(in.s, in.len);
	buf_release(&in);
	explicit_bzero(md, sizeof(md));
	return seed;
}

static char *print_json(cJSON *doc)
{
	char *s = json_print(doc);

	cJSON_Delete(doc);
	if (!s)
		die("could not serialise a verdict");
	return s;
}

/* The refusal when the hunter's budget runs out mid-way. */
static void refuse(struct submit *s, struct bounty_outcome *o,
		   const struct thresholdout *t, const char *why)
{
	cJSON *rel = cJSON_CreateObject();

	s->refused = true;
	s->budget = t->budget;
	buf_reset(&s->reason);
	buf_addf(&s->reason, "%s; no holdout number was released", why);
	cJSON_AddNumberToObject(rel, "budget", t->budget);
	cJSON_AddNumberToObject(rel, "budget_left", thresholdout_left(t));
	s->released_s = print_json(rel);
	o->status = "refused";
	o->reason = s->reason.s;
	o->released = s->released_s;
	o->holdout = NULL;
	o->judged = false;
	o->t = *t;
}

/* 1. The current patched model; 1 after answering a conflict. */
static int current_model(struct submit *s, struct db *db,
			 const struct bounty_state *st)
{
	int64_t stale;

	s->l = bounty_pdl_rebuild(s->bd, db, &s->d, st, &stale);
	if (!s->l) {
		if (!stale)
			return -1;
		respond_problem(s->r, 409, "Conflict",
				"the model behind accepted finding %lld has new"
				" predictions since it was accepted, so the"
				" bounty's patched model cannot be rebuilt",
				(long long)stale);
		return 1;
	}
	s->cur = xcalloc(s->bd->t.nrows, sizeof(double));
	pdl_errors(s->l, s->cur);
	return 0;
}

/* 2. The holdout members of the accepted findings, for duplicates. */
static const struct bitset **accepted_groups(struct submit *s,
					     const struct bounty_state *st)
{
	const struct bitset **acc = xcalloc(st->nfindings, sizeof(*acc));

	s->accepted = xcalloc(st->nfindings, sizeof(*s->accepted));
	for (size_t i = 0; i < st->nfindings; i++) {
		bitset_init(&s->accepted[i]);
		s->naccepted++;
		if (bounty_group_of(s->bd, st->findings[i].canonical,
				    &s->accepted[i])) {
			free(acc);
			return NULL;
		}
		bitset_and(&s->accepted[i], &s->bd->holdout);
		acc[i] = &s->accepted[i];
	}
	return acc;
}

/* 3. The hunter's reusable holdout and the bounty's rules. */
static void hunter_state(const struct bounty_state *st, int64_t key_id,
			 struct thresholdout *t, struct verify_rules *rules)
{
	if (st->hunter_known)
		*t = st->t;
	else
		thresholdout_init(t, st->b.threshold, st->b.sigma,
				  (uint32_t)st->b.budget,
				  hunter_seed(&st->b, key_id));
	verify_rules_init(rules);
	rules->min_support = (size_t)st->b.min_support;
	rules->min_gap = st->b.min_gap;
	rules->alpha = st->b.alpha;
	rules->significance = st->b.significance;
	rules->prior = st->judged;
	rules->epsilon = st->b.epsilon;
}

/* 4. What bounty/judge.h judges: the group against the current model. */
static void judge_input_of(const struct submit *s,
			   const struct bounty_state *st,
			   const struct bitset **acc,
			   const struct verify_rules *rules,
			   struct judge_input *ji)
{
	const struct bounty_data *bd = s->bd;

	memset(ji, 0, sizeof(*ji));
	ji->in.group = &s->group;
	ji->in.split = &bd->holdout;
	ji->in.err = s->cur;
	ji->in.den = bd->den;
	ji->in.h_err = s->h_err;
	ji->in.accepted = acc;
	ji->in.naccepted = st->nfindings;
	/* An ASR dataset's utterances are clustered by speaker. */
	ji->in.cluster = bd->t.speaker;
	ji->in.nclusters = bd->t.speaker ? bd->t.speakers.n : 0;
	ji->discovery = &bd->discovery;
	ji->rules = *rules;
	ji->total_budget = st->b.total_budget;
	ji->total_used = st->b.total_used;
}

/*
 * 5. An accepted h joins the decision list (bounty/replay.h): the new
 * version's nodes and overall error go into the outcome and, the error as
 * published on the reporting part, into the hunter's answer rel.  When the
 * list refuses h the submission is rejected after all.
 */
static void patch_model(struct submit *s, const struct bounty_state *st,
			struct bounty_outcome *o, cJSON *rel)
{
	struct replay_finding *f = bounty_replay_findings(st);
	const struct bounty_data *bd = s->bd;
	struct buf err = BUF_INIT;
	struct patch p;

	if (bounty_patch(s->l, &s->group, s->h_err, f, st->nfindings, &p,
			 &err)) {
		o->status = "rejected";
		buf_reset(&s->reason);
		buf_adds(&s->reason, "h does not lower the loss of the current"
			 " model on the group's holdout examples");
		goto out;
	}
	s->nodes = xcalloc(p.nnodes, sizeof(*s->nodes));
	for (size_t i = 0; i < p.nnodes; i++) {
		s->nodes[i].repair = p.nodes[i].repair;
		s->nodes[i].target = p.nodes[i].target;
		s->nodes[i].finding = p.nodes[i].finding;
	}
	o->nodes = s->nodes;
	o->nnodes = p.nnodes;
	o->pdl_model = p.info.model;
	o->new_version = true;
	o->overall = p.info.after;
	/* published on the reporting part (see h_bounties.c) */
	o->reported = bd->split.reporting > 0 ?
		      pdl_metric(s->l, pdl_length(s->l), &bd->reporting) :
		      p.info.after;
	cJSON_AddNumberToObject(rel, "version", (double)pdl_length(s->l));
	eval_json_number(rel, "overall_error", bounty_round3(o->reported));
	cJSON_AddNumberToObject(rel, "repairs", (double)p.info.repairs);
out:
	free(p.nodes);
	free(f);
	buf_release(&err);
}

/*
 * A (g, h) whose group repeats accepted finding sid is judged as an
 * improvement on it, not as a duplicate: say so in the answer and reason.
 */
static void improves_finding(struct submit *s, int64_t sid, cJSON *rel)
{
	struct buf why = BUF_INIT;

	cJSON_AddNumberToObject(rel, "improves", (double)sid);
	buf_addf(&why, "the group repeats accepted finding %lld, so h is"
		 " judged as an improvement on it: %s", (long long)sid,
		 s->reason.s);
	buf_reset(&s->reason);
	buf_add(&s->reason, why.s, why.len);
	buf_release(&why);
}

/* The administrators' record of a judgement: every number of each part. */
static char *holdout_record(const struct judgement *j,
			    const struct verify_rules *rules)
{
	cJSON *hold = cJSON_CreateObject();

	cJSON_AddItemToObject(hold, "holdout",
			      bounty_verdict_json(&j->exact, true, rules));
	cJSON_AddItemToObject(hold, "discovery",
			      bounty_verdict_json(&j->disc, true, &j->drules));
	cJSON_AddItemToObject(hold, "released",
			      bounty_verdict_json(&j->v, true, rules));
	eval_json_number(hold, "released_weight", j->v.weight);
	cJSON_AddNumberToObject(hold, "prior", rules->prior);
	return print_json(hold);
}

/*
 * The decision, under the bounty's row lock: see the top of this file.
 * Returns 0 with *o filled, 1 after responding (a conflict), -1 on errors.
 */
static int submit_decide(void *ctx, struct db *db,
			 const struct bounty_state *st,
			 struct bounty_outcome *o)
{
	struct submit *s = ctx;
	const struct bitset **acc = NULL;
	struct verify_rules rules;
	struct judge_input ji;
	struct judgement j;
	struct thresholdout t;
	struct buf err = BUF_INIT;
	cJSON *rel;
	int ret = -1, rc;

	if (strcmp(st->b.phase, "open")) {
		respond_problem(s->r, 409, "Conflict", "bounty %lld is %s",
				(long long)st->b.id, st->b.phase);
		return 1;
	}
	rc = current_model(s, db, st);
	if (rc)
		return rc;
	acc = accepted_groups(s, st);
	if (!acc)
		goto out;
	hunter_state(st, s->r->key.id, &t, &rules);
	judge_input_of(s, st, acc, &rules, &ji);
	rc = judge_submission(&ji, &t, &j, &err);
	if (rc < 0) {
		log_error("judge submission: %s", err.s);
		goto out;
	}
	if (rc == JUDGE_REFUSED) {
		refuse(s, o, &t, err.s);
		ret = 0;
		goto out;
	}
	rel = bounty_verdict_json(&j.v, false, &rules);
	o->status = verify_status_name(j.v.status);
	judge_public_reason(&j.v, &rules, &s->reason);
	o->judged = !j.v.too_small;
	o->support = j.v.too_small ? 0 : j.v.support;
	if (j.v.duplicate_of >= 0)
		o->duplicate_of = st->findings[j.v.duplicate_of].submission_id;
	if (j.v.improves >= 0)
		improves_finding(s, st->findings[j.v.improves].submission_id,
				 rel);
	if (j.v.status == VERIFY_ACCEPTED && s->h_err)
		patch_model(s, st, o, rel);
	if (!strcmp(o->status, "accepted")) {
		o->points = judge_points(&j.v);
		if (bounty_members(s->bd, db, &s->d, &s->group, &s->members,
				   &o->members_len)) {
			cJSON_Delete(rel);
			goto out;
		}
		o->members = s->members;
		o->h_rows = s->h_ids ? &s->h_store : NULL;
		o->h_model_stamp = s->h_model_stamp;
	}
	cJSON_AddNumberToObject(rel, "budget", t.budget);
	cJSON_AddNumberToObject(rel, "budget_left", thresholdout_left(&t));
	s->released_s = print_json(rel);
	s->holdout_s = holdout_record(&j, &rules);
	o->reason = s->reason.s;
	o->released = s->released_s;
	o->holdout = s->holdout_s;
	o->t = t;
	ret = 0;
out:
	free(acc);
	buf_release(&err);
	if (!ret) {
		o->group_text = s->group_text;
		o->canonical = s->canonical.s;
		o->h_kind = s->h_kind;
		o->h_model_id = s->h_model_id;
	}
	return ret;
}

/* Answer with the stored submission, as GET would. */
static void respond_submission(struct request *r, int64_t bounty_id,
			       int64_t id, int status)
{
	struct bounty_submission sub;
	int rc;

	memset(&sub, 0, sizeof(sub));
	rc = store_bounty_submission_get(req_db(r), bounty_id, id, &sub);
	if (rc) {
		respond_internal(r);
		return;
	}
	respond_json(r, status, submission_json(&sub, sees_exact(r)));
	bounty_submission_release(&sub);
}

void h_bounties_submit(struct request *r)
{
	static const char *const fields[] = { "group", "predictions",
					      "model_id", NULL };
	const cJSON *preds = cJSON_GetObjectItemCaseSensitive(r->json,
							      "predictions");
	struct submit s;
	struct predicate *p = NULL;
	struct buf err = BUF_INIT;
	int64_t h_model = 0, id = 0;
	char *created_at = NULL;
	double t0 = now_seconds();
	int rc;

	memset(&s, 0, sizeof(s));
	s.r = r;
	s.h_kind = "none";
	buf_init(&s.canonical, 0);
	buf_init(&s.reason, 0);
	bitset_init(&s.group);
	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "group", true,
				   4 * PREDICATE_MAX_BYTES, &s.group_text) ||
	    integer_or_respond(r, "model_id", 1, INT64_C(1) << 52, false,
			       &h_model))
		goto out;
	if (preds && !cJSON_IsNull(preds) && !cJSON_IsArray(preds)) {
		respond_problem(r, 422, "Invalid request",
				"field \"predictions\" must be an array");
		goto out;
	}
	if (preds && cJSON_IsNull(preds))
		preds = NULL;
	if (preds && h_model) {
		respond_problem(r, 422, "Invalid request",
				"give h either as \"predictions\" or as"
				" \"model_id\", not both");
		goto out;
	}
	if (bounty_or_respond(r, &s.b))
		goto out;
	if (strcmp(s.b.phase, "open")) {
		respond_problem(r, 409, "Conflict", "bounty %lld is %s%s%s",
				(long long)s.b.id, s.b.phase,
				!strcmp(s.b.phase, "closed") ? "" : "; it opens at ",
				!strcmp(s.b.phase, "closed") ? "" : s.b.opens_at);
		goto out;
	}
	if (predicate_parse(s.group_text, strlen(s.group_text), NULL, &p,
			    &err)) {
		respond_problem(r, 422, "Invalid group", "%s", err.s);
		goto out;
	}
	if (store_model_get(req_db(r), s.b.model_id, &s.m) ||
	    dataset_or_respond(r, &s.b, &s.d)) {
		if (!r->responded)
			respond_internal(r);
		goto out;
	}
	if (!s.m.upload_stamp || strcmp(s.m.upload_stamp, s.b.model_stamp)) {
		respond_problem(r, 409, "Conflict",
				"the predictions of model %lld changed after"
				" bounty %lld opened; its verdicts can no longer"
				" be computed", (long long)s.m.id,
				(long long)s.b.id);
		goto out;
	}
	s.bd = bounty_data_get(req_db(r), &s.b, &s.d, &err);
	if (!s.bd) {
		respond_internal(r);
		goto out;
	}
	if (predicate_bind(p, &s.bd->t, &err) ||
	    predicate_eval(p, &s.bd->t, &s.group, &err)) {
		respond_problem(r, 422, "Invalid group", "%s", err.s);
		goto out;
	}
	predicate_format(p, &s.canonical);
	if (preds && predictions_or_respond(&s, preds))
		goto out;
	if (h_model && model_h_or_respond(&s, h_model))
		goto out;

	rc = store_bounty_submit(req_db(r), s.b.id, r->key.id, submit_decide,
				 &s, &id, &created_at);
	if (rc == 2)
		goto out;	/* decide responded */
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"bounty %lld does not exist",
					(long long)s.b.id);
		else
			respond_internal(r);
		goto out;
	}
	log_info("bounty %lld submission %lld by key %lld: %s in %.3f s",
		 (long long)s.b.id, (long long)id, (long long)r->key.id,
		 s.refused ? "refused" : "judged", now_seconds() - t0);
	if (s.refused) {
		cJSON *doc = cJSON_CreateObject();

		cJSON_AddStringToObject(doc, "type",
			"https://fairaudit.dev/problems/holdout-budget-exhausted");
		cJSON_AddStringToObject(doc, "title", "Holdout budget exhausted");
		{
			struct buf d = BUF_INIT;

			buf_addf(&d, "%s; submission %lld was recorded as"
				 " refused. Each hunter may receive at most %u"
				 " answers from the holdout of this bounty",
				 s.reason.s, (long long)id, s.budget);
			cJSON_AddStringToObject(doc, "detail", d.s);
			buf_release(&d);
		}
		cJSON_AddNumberToObject(doc, "submission_id", (double)id);
		cJSON_AddNumberToObject(doc, "budget", s.budget);
		cJSON_AddNumberToObject(doc, "budget_left", 0);
		respond_problem_doc(r, 429, doc);
		goto out;
	}
	respond_submission(r, s.b.id, id, 201);
out:
	predicate_free(p);
	free(created_at);
	buf_release(&err);
	submit_release(&s);
}

/* ---- GET .../submissions, .../submissions/{sid} ---- */

void h_bounties_submissions(struct request *r)
{
	struct bounty b;
	struct bounty_submission *subs = NULL;
	size_t n = 0;
	cJSON *doc, *arr;
	bool exact = sees_exact(r);

	memset(&b, 0, sizeof(b));
	if (bounty_or_respond(r, &b))
		return;
	if (store_bounty_submission_list(req_db(r), b.id, exact ? 0 : r->key.id,
					 &subs, &n)) {
		respond_internal(r);
		bounty_release(&b);
		return;
	}
	doc = cJSON_CreateObject();
	cJSON_AddNumberToObject(doc, "bounty_id", (double)b.id);
	arr = cJSON_AddArrayToObject(doc, "submissions");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, submission_json(&subs[i], exact));
		bounty_submission_release(&subs[i]);
	}
	free(subs);
	bounty_release(&b);
	respond_json(r, 200, doc);
}

void h_bounties_submission_get(struct request *r)
{
	struct bounty_submission sub;
	int rc;

	memset(&sub, 0, sizeof(sub));
	rc = store_bounty_submission_get(req_db(r), r->ids[0], r->ids[1], &sub);
	if (rc < 0) {
		respond_internal(r);
		return;
	}
	/* A hunter sees only their own; others' look like missing ones. */
	if (rc > 0 || (!sees_exact(r) && sub.key_id != r->key.id)) {
		respond_problem(r, 404, "Not found",
				"submission %lld of bounty %lld does not exist",
				(long long)r->ids[1], (long long)r->ids[0]);
	} else {
		respond_json(r, 200, submission_json(&sub, sees_exact(r)));
	}
	bounty_submission_release(&sub);
}
