/*
 * h_bounties.c - bias-bounty programs over HTTP (API.md, "Bounties"):
 * create, list, get and close here, with the helpers the other bounty
 * handlers share (h_bounties_internal.h); the discovery and examples
 * exports in h_bounty_export.c, submissions in h_bounty_submit.c, the
 * leaderboard and report in h_bounty_board.c, the patched model in
 * h_bounty_patched.c.
 *
 * A bounty is created on one model: its dataset is loaded, split with a
 * fresh 32-byte secret into a discovery part that hunters download and a
 * holdout part nobody outside the service sees, and the model's overall
 * holdout metric is recorded as version 0 of the patched model.
 *
 * A submission is verified in three steps:
 *   1. outside any transaction: parse the predicate (422 with its position
 *      message), load the bounty's data (server/bounty_data.h), compile the
 *      predicate against it, and check and score h when one is given
 *      (predictions covering exactly the group's examples, or another model
 *      of the dataset);
 *   2. under the bounty's row lock (store_bounty_submit): rebuild the
 *      decision list from the accepted findings, judge the submission on
 *      the holdout against the current patched model with the hunter's
 *      Bonferroni factor, judge it on the discovery part, pass the numbers
 *      a hunter will see through the hunter's reusable holdout
 *      (verify_release), and on acceptance with h extend the list;
 *   3. write the outcome in the same transaction and answer 201 with the
 *      released verdict, or 429 when the hunter's holdout budget ran out.
 *
 * What a hunter sees.  Discovery rows only (ids, attributes, labels or
 * references, predictions); ids and attributes of every example, never with
 * a label; verdicts made of released numbers and label-free counts, with a
 * reason in the same terms (judge_public_reason); the leaderboard with the
 * patched model's overall metric per version, rounded to 3 decimals and
 * computed on the reporting part of the holdout (BOUNTY_REPORTING_SHARE of
 * it, fixed with the dataset's split), which never decides a verdict.  verify_release() makes
 * every released number, and the verdict, from the reusable holdout's
 * answers, the discovery part and counts only (see bounty/verify.h); the
 * weight is the group's share of holdout rows.  Exact holdout numbers are
 * kept in the audit log for administrators and analysts.
 *
 * Privacy account.  Each holdout answer is asked with noise scaled to its
 * sensitivity, 2 Delta / epsilon, so it costs at most epsilon (default
 * BOUNTY_EPSILON); a discovery answer costs nothing more.  A hunter's
 * `budget` bounds that hunter's holdout answers, so the hunter's privacy
 * loss is at most budget x epsilon (basic composition).  `total_budget`
 * (default BOUNTY_TOTAL_BUDGET_FACTOR x budget) bounds the holdout answers
 * of all hunters together, so that many keys do not multiply it.  When a
 * submission could take the bounty past it, the bounty answers verdicts
 * only (verify_verdict_only: one sparse-vector test, no number, epsilon / 2
 * when it accepts and nothing when it rejects), until the verdicts too have
 * used total_budget units; then it refuses.  The bounty's loss is at most
 * total_budget x epsilon + total_budget x epsilon / 2.
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
#include <openssl/rand.h>
#include <openssl/sha.h>

#define BOUNTY_EPSILON 0.2	/* privacy loss per holdout answer */
#define BOUNTY_TOTAL_BUDGET_FACTOR 2	/* total_budget = 2 x budget */
#define BOUNTY_REPORTING_SHARE 0.3	/* of the holdout, for public numbers */

/* ---- roles ---- */

static bool role_is(const struct request *r, const char *role)
{
	return r->has_key && !strcmp(r->key.role, role);
}

/* Administrators and analysts see exact holdout numbers and every hunter. */
bool sees_exact(const struct request *r)
{
	return role_is(r, "admin") || role_is(r, "analyst");
}

/* ---- request parsing ---- */

/*
 * A number field in [lo, hi] (open ends when lo_open / hi_open).  Missing
 * leaves *out untouched.  Responds 422 and returns -1 otherwise.
 */
static int number_or_respond(struct request *r, const char *field, double lo,
			     bool lo_open, double hi, bool hi_open, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, field);
	double x;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must be a number", field);
		return -1;
	}
	x = v->valuedouble;
	if (x < lo || (lo_open && x == lo) || x > hi || (hi_open && x == hi)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is %g; it must lie in %s%g, %g%s",
				field, x, lo_open ? "(" : "[", lo, hi,
				hi_open ? ")" : "]");
		return -1;
	}
	*out = x;
	return 0;
}

/* An integer field in [lo, hi]; see number_or_respond. */
int integer_or_respond(struct request *r, const char *field, int64_t lo,
		       int64_t hi, bool required, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->json, field);
	double x;

	if (!v || cJSON_IsNull(v)) {
		if (!required)
			return 0;
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is required", field);
		return -1;
	}
	x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
	if (!(x >= (double)lo && x <= (double)hi) || x != floor(x)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" must be an integer from %lld to"
				" %lld", field, (long long)lo, (long long)hi);
		return -1;
	}
	*out = (int64_t)x;
	return 0;
}

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + s[1] - '0';
}

/*
 * True for an RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|
 * -HH:MM), with a real calendar date, so that PostgreSQL never sees a
 * timestamp it would refuse.
 */
static bool rfc3339_valid(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int year, month, day;
	size_t n = strlen(s), i = 19;

	if (n < 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
	    s[16] != ':' || !digits(s + 17, 2))
		return false;
	year = num2(s) * 100 + num2(s + 2);
	month = num2(s + 5);
	day = num2(s + 8);
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > mdays[month - 1] || num2(s + 11) > 23 ||
	    num2(s + 14) > 59 || num2(s + 17) > 60)
		return false;
	if (month == 2 && day == 29 &&
	    !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return false;
	if (s[i] == '.') {
		size_t start = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i - start > 9)
			return false;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n)
		return true;
	return (s[i] == '+' || s[i] == '-') && n - i == 6 &&
	       digits(s + i + 1, 2) && s[i + 3] == ':' && digits(s + i + 4, 2) &&
	       num2(s + i + 1) <= 23 && num2(s + i + 4) <= 59;
}

static int time_or_respond(struct request *r, const char *field,
			   const char **out)
{
	if (json_string_or_respond(r, r->json, field, false, 64, out))
		return -1;
	if (*out && !rfc3339_valid(*out)) {
		respond_problem(r, 422, "Invalid request",
				"field \"%s\" is \"%s\"; expected an RFC 3339"
				" date-time such as 2030-01-31T12:00:00Z", field,
				*out);
		return -1;
	}
	return 0;
}

/* ---- JSON forms ---- */

/*
 * The privacy account of a bounty (see the top of this file): epsilon per
 * holdout answer, the bounty-wide budget and what is left of it, and the
 * total privacy loss a hunter's budget and the bounty's allow.
 */
static void add_privacy(cJSON *o, const struct bounty *b)
{
	cJSON *p = cJSON_AddObjectToObject(o, "privacy");
	int64_t left = b->total_budget - b->total_used;

	cJSON_AddNumberToObject(p, "epsilon", b->epsilon);
	if (b->total_budget > 0) {
		cJSON_AddNumberToObject(p, "total_budget",
					(double)b->total_budget);
		cJSON_AddNumberToObject(p, "total_budget_left",
					(double)(left > 0 ? left : 0));
		cJSON_AddBoolToObject(p, "verdicts_only", left <= 0);
	} else {
		cJSON_AddNullToObject(p, "total_budget");
		cJSON_AddNullToObject(p, "total_budget_left");
		cJSON_AddBoolToObject(p, "verdicts_only", false);
	}
	if (b->epsilon > 0) {
		cJSON_AddNumberToObject(p, "per_hunter_loss",
					(double)b->budget * b->epsilon);
		if (b->total_budget > 0)
			cJSON_AddNumberToObject(p, "per_bounty_loss",
						1.5 * (double)b->total_budget *
						b->epsilon);
		else
			cJSON_AddNullToObject(p, "per_bounty_loss");
	} else {
		cJSON_AddNullToObject(p, "per_hunter_loss");
		cJSON_AddNullToObject(p, "per_bounty_loss");
	}
}

/*
 * The bounty as everyone may see it: rules and state, never the secret.
 * Exact holdout numbers only for administrators and analysts; a hunter's
 * own budget when the caller is one.
 */
cJSON *bounty_json(struct request *r, const struct bounty *b)
{
	static const char *const parts[] = { "discovery", "examples",
					     "leaderboard", "report" };
	cJSON *o = cJSON_CreateObject(), *links;
	char href[96];

	cJSON_AddNumberToObject(o, "id", (double)b->id);
	cJSON_AddNumberToObject(o, "model_id", (double)b->model_id);
	cJSON_AddNumberToObject(o, "dataset_id", (double)b->dataset_id);
	cJSON_AddStringToObject(o, "metric", b->metric);
	cJSON_AddStringToObject(o, "status", b->phase);
	cJSON_AddNumberToObject(o, "holdout_fraction", b->holdout_fraction);
	cJSON_AddNumberToObject(o, "min_support", (double)b->min_support);
	cJSON_AddNumberToObject(o, "min_gap", b->min_gap);
	cJSON_AddNumberToObject(o, "alpha", b->alpha);
	cJSON_AddNumberToObject(o, "significance", b->significance);
	cJSON_AddNumberToObject(o, "budget", (double)b->budget);
	cJSON_AddNumberToObject(o, "holdout_threshold", b->threshold);
	cJSON_AddNumberToObject(o, "holdout_noise", b->sigma);
	cJSON_AddNumberToObject(o, "duplicate_jaccard", 0.8);
	add_privacy(o, b);
	cJSON_AddStringToObject(o, "opens_at", b->opens_at);
	json_add_str_or_null(o, "closes_at", b->closes_at);
	cJSON_AddStringToObject(o, "created_at", b->created_at);
	cJSON_AddNumberToObject(o, "discovery_rows", (double)b->discovery_rows);
	cJSON_AddNumberToObject(o, "holdout_rows", (double)b->holdout_rows);
	cJSON_AddNumberToObject(o, "reporting_rows", (double)b->reporting_rows);
	cJSON_AddNumberToObject(o, "reporting_share", b->reporting_share);
	cJSON_AddNumberToObject(o, "submissions", (double)b->submissions);
	cJSON_AddNumberToObject(o, "accepted", (double)b->accepted);
	cJSON_AddNumberToObject(o, "version", (double)b->version);
	/* published: on the reporting part; exact: on the holdout */
	eval_json_number(o, "overall_error", bounty_round3(b->reported));
	if (sees_exact(r))
		eval_json_number(o, "overall_error_exact", b->overall);
	links = cJSON_AddObjectToObject(o, "links");
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		snprintf(href, sizeof(href), "/v1/bounties/%lld/%s",
			 (long long)b->id, parts[i]);
		cJSON_AddStringToObject(links, parts[i], href);
	}
	return o;
}

/* Add the caller's own budget and submissions (any role that submits). */
static int add_own_state(struct request *r, cJSON *o, const struct bounty *b)
{
	struct thresholdout t;
	uint32_t judged = 0;
	cJSON *you;
	int rc;

	if (!role_is(r, "hunter") && !role_is(r, "admin"))
		return 0;
	rc = store_bounty_hunter(req_db(r), b->id, r->key.id, &t, &judged);
	if (rc < 0)
		return -1;
	you = cJSON_AddObjectToObject(o, "you");
	cJSON_AddNumberToObject(you, "budget_left",
				rc ? (double)b->budget : (double)thresholdout_left(&t));
	cJSON_AddNumberToObject(you, "judged_submissions", rc ? 0 : judged);
	return 0;
}

/* Merge every member of src into dst (src is consumed). */
static void merge_into(cJSON *dst, cJSON *src)
{
	cJSON *it;

	while (src && (it = src->child)) {
		cJSON_DetachItemViaPointer(src, it);
		if (cJSON_GetObjectItemCaseSensitive(dst, it->string))
			cJSON_Delete(it);
		else
			cJSON_AddItemToObject(dst, it->string, it);
	}
	cJSON_Delete(src);
}

cJSON *submission_json(const struct bounty_submission *s, bool exact)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)s->id);
	cJSON_AddNumberToObject(o, "bounty_id", (double)s->bounty_id);
	cJSON_AddNumberToObject(o, "hunter_id", (double)s->key_id);
	json_add_str_or_null(o, "hunter", s->hunter);
	cJSON_AddNumberToObject(o, "seq", (double)s->seq);
	cJSON_AddStringToObject(o, "group", s->group_text);
	cJSON_AddStringToObject(o, "canonical", s->canonical);
	cJSON_AddStringToObject(o, "h", s->h_kind);
	if (s->h_model_id > 0)
		cJSON_AddNumberToObject(o, "h_model_id", (double)s->h_model_id);
	cJSON_AddStringToObject(o, "status", s->status);
	cJSON_AddStringToObject(o, "reason", s->reason);
	eval_json_number(o, "points", s->points);
	if (s->duplicate_of > 0) {
		cJSON *c;

		cJSON_AddNumberToObject(o, "duplicate_of", (double)s->duplicate_of);
		c = cJSON_AddObjectToObject(o, "credited_to");
		cJSON_AddNumberToObject(c, "hunter_id", (double)s->credited_to);
		json_add_str_or_null(c, "hunter", s->credited_name);
	} else {
		cJSON_AddNullToObject(o, "duplicate_of");
	}
	cJSON_AddStringToObject(o, "created_at", s->created_at);
	merge_into(o, s->released ? cJSON_Parse(s->released) : NULL);
	if (exact && s->holdout) {
		cJSON *h = cJSON_Parse(s->holdout);

		if (h)
			cJSON_AddItemToObject(o, "holdout", h);
	}
	return o;
}

/* ---- lookups shared by the handlers ---- */

/* The bounty of the path; responds 404/500 and returns nonzero. */
int bounty_or_respond(struct request *r, struct bounty *b)
{
	int rc = store_bounty_get(req_db(r), r->ids[0], b);

	if (rc > 0)
		respond_problem(r, 404, "Not found", "bounty %lld does not exist",
				(long long)r->ids[0]);
	else if (rc < 0)
		respond_internal(r);
	return rc;
}

/* The bounty's dataset; responds 500 on failure. */
int dataset_or_respond(struct request *r, const struct bounty *b,
		       struct dataset *d)
{
	if (store_dataset_get(req_db(r), b->dataset_id, d)) {
		respond_internal(r);
		return -1;
	}
	return 0;
}

int body_model_or_respond(struct request *r, int64_t id, struct model *m)
{
	int rc = store_model_get(req_db(r), id, m);

	if (rc > 0)
		respond_problem(r, 422, "Invalid request",
				"model %lld does not exist", (long long)id);
	else if (rc < 0)
		respond_internal(r);
	return rc;
}

/* ---- POST /v1/bounties ---- */

/*
 * Every bounty on a dataset uses the dataset's one split, so that no
 * hunter-visible file of one bounty holds a holdout row of another: the
 * first bounty asked for fixes its key and holdout fraction.  A request
 * that names another fraction is refused with the one in force; one that
 * names none takes it.  Fills in->secret and in->holdout_fraction.
 */
static int split_or_respond(struct request *r, const struct dataset *d,
			    struct bounty *in)
{
	unsigned char fresh[BOUNTY_SECRET_BYTES];
	bool asked = cJSON_GetObjectItemCaseSensitive(r->json,
						      "holdout_fraction") != NULL;
	double want = in->holdout_fraction;
	int rc;

	if (RAND_bytes(fresh, sizeof(fresh)) != 1)
		die("could not read random bytes");
	rc = store_dataset_split(req_db(r), d->id, fresh, sizeof(fresh), want,
				 BOUNTY_REPORTING_SHARE, in);
	explicit_bzero(fresh, sizeof(fresh));
	if (rc) {
		respond_internal(r);
		return -1;
	}
	if (asked && in->holdout_fraction != want) {
		respond_problem(r, 422, "Invalid request",
				"the bounties of dataset %lld share one split into"
				" discovery and holdout, fixed by its first bounty"
				" with holdout_fraction %g; ask for %g or leave"
				" holdout_fraction out", (long long)d->id,
				in->holdout_fraction, in->holdout_fraction);
		return -1;
	}
	return 0;
}

/* A POST /v1/bounties request, with the defaults of what it leaves out. */
struct create_req {
	struct bounty in;
	enum bounty_metric metric;
	int64_t model_id, min_support, budget, total_budget;
	const char *opens, *closes;
};

/* The request's fields into q: 0, or -1 after a 400/422 naming one. */
static int create_req_or_respond(struct request *r, struct create_req *q)
{
	static const char *const fields[] = {
		"model_id", "metric", "holdout_fraction", "min_support",
		"min_gap", "alpha", "significance", "budget",
		"holdout_threshold", "holdout_noise", "opens_at", "closes_at",
		"epsilon", "total_budget", NULL };
	struct bounty *in = &q->in;
	struct verify_rules rules;
	const char *metric_s = NULL;

	verify_rules_init(&rules);
	memset(q, 0, sizeof(*q));
	q->min_support = (int64_t)rules.min_support;
	q->budget = THRESHOLDOUT_BUDGET;
	in->holdout_fraction = 0.5;
	in->min_gap = rules.min_gap;
	in->alpha = rules.alpha;
	in->significance = rules.significance;
	in->threshold = THRESHOLDOUT_T;
	in->sigma = THRESHOLDOUT_SIGMA;
	in->epsilon = BOUNTY_EPSILON;
	if (json_known_fields_or_respond(r, r->json, fields) ||
	    integer_or_respond(r, "model_id", 1, INT64_C(1) << 52, true,
			       &q->model_id) ||
	    json_string_or_respond(r, r->json, "metric", true, 32, &metric_s) ||
	    number_or_respond(r, "holdout_fraction", 0, true, 1, true,
			      &in->holdout_fraction) ||
	    integer_or_respond(r, "min_support", 1, 1000000000, false,
			       &q->min_support) ||
	    number_or_respond(r, "min_gap", 0, false, 1, false, &in->min_gap) ||
	    number_or_respond(r, "alpha", 0, false, 1, false, &in->alpha) ||
	    number_or_respond(r, "significance", 0, true, 1, true,
			      &in->significance) ||
	    integer_or_respond(r, "budget", 1, 1000000, false, &q->budget) ||
	    integer_or_respond(r, "total_budget", 1, 1000000000, false,
			       &q->total_budget) ||
	    number_or_respond(r, "epsilon", 0, true, 100, false,
			      &in->epsilon) ||
	    number_or_respond(r, "holdout_threshold", 0, false, 1, false,
			      &in->threshold) ||
	    number_or_respond(r, "holdout_noise", 0, true, 1, false,
			      &in->sigma) ||
	    time_or_respond(r, "opens_at", &q->opens) ||
	    time_or_respond(r, "closes_at", &q->closes))
		return -1;
	if (bounty_metric_parse(metric_s, &q->metric)) {
		respond_problem(r, 422, "Invalid request",
				"field \"metric\" is \"%s\"; expected one of"
				" error_rate, fpr, fnr, wer", metric_s);
		return -1;
	}
	return 0;
}

/*
 * The model of the request and its dataset into m and d, when the model
 * has a prediction for every example: 0, or -1 after a 409/422/500.
 */
static int bountiable_or_respond(struct request *r, int64_t model_id,
				 struct model *m, struct dataset *d)
{
	if (body_model_or_respond(r, model_id, m))
		return -1;
	if (store_dataset_get(req_db(r), m->dataset_id, d)) {
		respond_internal(r);
		return -1;
	}
	if (!m->uploaded_at || m->prediction_count == 0 ||
	    m->prediction_count != d->example_count) {
		respond_problem(r, 409, "Conflict",
				"model %lld has predictions for %lld of the %lld"
				" examples of dataset %lld; a bounty needs them"
				" all", (long long)m->id,
				(long long)m->prediction_count,
				(long long)d->example_count, (long long)d->id);
		return -1;
	}
	return 0;
}

/*
 * The sizes of the split's parts into q->in, refused (422) when the
 * discovery part or the holdout is empty or the holdout is smaller than
 * min_support, so that no group could ever be judged.
 */
static int parts_or_respond(struct request *r, struct create_req *q,
			    const struct bounty_data *bd,
			    const struct dataset *d)
{
	struct bounty *in = &q->in;

	in->holdout_rows = (int64_t)bitset_count(&bd->holdout);
	in->reporting_rows = (int64_t)bitset_count(&bd->reporting);
	in->discovery_rows = (int64_t)bd->t.nrows - in->holdout_rows -
			     in->reporting_rows;
	if (!in->holdout_rows || !in->discovery_rows) {
		respond_problem(r, 422, "Invalid request",
				"holdout_fraction %g leaves the %s of the %zu"
				" examples empty", in->holdout_fraction,
				in->holdout_rows ? "discovery part" : "holdout",
				bd->t.nrows);
		return -1;
	}
	if (in->holdout_rows < q->min_support) {
		respond_problem(r, 422, "Invalid request",
				"the holdout of dataset %lld has %lld examples,"
				" fewer than min_support %lld, so no group could"
				" ever be judged; lower min_support or use a larger"
				" dataset", (long long)d->id,
				(long long)in->holdout_rows,
				(long long)q->min_support);
		return -1;
	}
	return 0;
}

void h_bounties_create(struct request *r)
{
	struct create_req q;
	struct bounty *in = &q.in, out;
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct bounty_data *bd = xmalloc(sizeof(*bd));
	struct buf err = BUF_INIT;
	double overall, reported;
	bool internal;
	int rc;

	memset(&out, 0, sizeof(out));
	bounty_data_init(bd);
	if (create_req_or_respond(r, &q) ||
	    bountiable_or_respond(r, q.model_id, &m, &d) ||
	    split_or_respond(r, &d, in))
		goto out;
	if (bounty_data_load(bd, req_db(r), &d, m.id, q.metric, in->secret,
			     in->secret_len, in->holdout_fraction,
			     in->reporting_share, &internal, &err)) {
		if (internal) {
			log_error("bounty on model %lld: %s", (long long)m.id,
				  err.s);
			respond_internal(r);
		} else {
			respond_problem(r, 422, "Invalid request", "%s", err.s);
		}
		goto out;
	}
	if (parts_or_respond(r, &q, bd, &d))
		goto out;
	overall = bounty_metric_on(bd->t.nrows, bd->err, bd->den,
				   &bd->holdout);
	reported = in->reporting_rows ?
		   bounty_metric_on(bd->t.nrows, bd->err, bd->den,
				    &bd->reporting) : overall;
	in->model_id = m.id;
	in->dataset_id = d.id;
	in->metric = (char *)bounty_metric_name(q.metric);
	in->min_support = q.min_support;
	in->budget = q.budget;
	in->total_budget = q.total_budget ? q.total_budget :
			   BOUNTY_TOTAL_BUDGET_FACTOR * q.budget;
	in->model_stamp = m.upload_stamp;
	in->opens_at = (char *)q.opens;
	in->closes_at = (char *)q.closes;
	in->created_by = r->key.id;
	rc = store_bounty_create(req_db(r), in, overall, reported, &out);
	if (rc == 2) {
		respond_problem(r, 422, "Invalid request",
				"closes_at must be later than opens_at (or now)");
		goto out;
	}
	if (rc) {
		respond_internal(r);
		goto out;
	}
	log_info("bounty %lld on model %lld: %lld discovery and %lld holdout"
		 " rows, loaded in %.3f s", (long long)out.id, (long long)m.id,
		 (long long)out.discovery_rows, (long long)out.holdout_rows,
		 bd->load_seconds);
	respond_json(r, 201, bounty_json(r, &out));
	/* Submissions will need this very data: keep it. */
	bounty_data_offer(bd, &out, &d);
	bd = NULL;
out:
	explicit_bzero(in->secret, sizeof(in->secret));
	bounty_release(&out);
	if (bd) {
		bounty_data_release(bd);
		free(bd);
	}
	model_release(&m);
	dataset_release(&d);
	buf_release(&err);
}

/* ---- GET /v1/bounties, /v1/bounties/{id}, POST .../close ---- */

/* The bounty list as an HTML page, linked like the other list pages. */
void bounties_page(struct request *r, cJSON *arr)
{
	struct html_index ix = { HTML_INDEX_BOUNTIES, NULL, NULL, NULL, NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *it;

	if (page_names_or_respond(r, arr))
		return;
	ix.nav_query = share_query(r, '?');
	cJSON_ArrayForEach(it, arr) {
		char href[160];

		snprintf(href, sizeof(href), "/v1/bounties/%lld/report%s",
			 (long long)cJSON_GetObjectItem(it, "id")->valuedouble,
			 share_query(r, '?'));
		cJSON_AddStringToObject(it, "href", href);
	}
	respond_page(r, html_render_index(&out, &ix, arr, &err), &out, &err,
		     "bounty index");
	buf_release(&out);
	buf_release(&err);
}

void h_bounties_list(struct request *r)
{
	const char *format = req_arg(r, "format");
	struct bounty *bs = NULL;
	size_t n = 0;
	cJSON *doc, *arr;

	if (format && strcmp(format, "json") && strcmp(format, "html")) {
		respond_problem(r, 400, "Bad request",
				"format \"%s\" is not json or html", format);
		return;
	}
	if (store_bounty_list(req_db(r), &bs, &n)) {
		respond_internal(r);
		return;
	}
	doc = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(doc, "bounties");
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, bounty_json(r, &bs[i]));
		bounty_release(&bs[i]);
	}
	free(bs);
	if (format && !strcmp(format, "html")) {
		bounties_page(r, arr);
		cJSON_Delete(doc);
		return;
	}
	respond_json(r, 200, doc);
}

void h_bounties_get(struct request *r)
{
	struct bounty b;
	cJSON *doc;

	memset(&b, 0, sizeof(b));
	if (bounty_or_respond(r, &b))
		return;
	doc = bounty_json(r, &b);
	if (add_own_state(r, doc, &b)) {
		cJSON_Delete(doc);
		respond_internal(r);
	} else {
		respond_json(r, 200, doc);
	}
	bounty_release(&b);
}

void h_bounties_close(struct request *r)
{
	struct bounty b;
	int rc = store_bounty_close(req_db(r), r->ids[0]);

	memset(&b, 0, sizeof(b));
	if (rc > 0) {
		respond_problem(r, 404, "Not found", "bounty %lld does not exist",
				(long long)r->ids[0]);
		return;
	}
	if (rc < 0 || store_bounty_get(req_db(r), r->ids[0], &b)) {
		respond_internal(r);
		return;
	}
	respond_json(r, 200, bounty_json(r, &b));
	bounty_release(&b);
}
