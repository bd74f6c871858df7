/*
 * h_bounties.c - bias-bounty programs over HTTP (API.md, "Bounties").
 *
 * A bounty is created on one model: its dataset is loaded, split with a
 * fresh 32-byte secret into a discovery part that hunters download and a
 * holdout part nobody outside the service sees, and the model's overall
 * holdout metric is recorded as version 0 of the patched model.
 *
 * A submission is verified in three steps:
 *   1. outside any transaction: parse the predicate (422 with its position
 *      message), load the bounty's data (server/bounty_run.h), compile the
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
#include "server/reqjson.h"
#include "server/log.h"
#include "server/bounty_run.h"
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

#define MAX_NAMED_IDS 5		/* example ids quoted in a 422 */
#define BOUNTY_EPSILON 0.2	/* privacy loss per holdout answer */
#define BOUNTY_TOTAL_BUDGET_FACTOR 2	/* total_budget = 2 x budget */
#define BOUNTY_REPORTING_SHARE 0.3	/* of the holdout, for public numbers */

/* ---- roles ---- */

static bool role_is(const struct request *r, const char *role)
{
	return r->has_key && !strcmp(r->key.role, role);
}

/* Administrators and analysts see exact holdout numbers and every hunter. */
static bool sees_exact(const struct request *r)
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
static int integer_or_respond(struct request *r, const char *field,
			      int64_t lo, int64_t hi, bool required,
			      int64_t *out)
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
static cJSON *bounty_json(struct request *r, const struct bounty *b)
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
	bounty_json_number(o, "overall_error", bounty_round3(b->reported));
	if (sees_exact(r))
		bounty_json_number(o, "overall_error_exact", b->overall);
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

static cJSON *submission_json(const struct bounty_submission *s, bool exact)
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
	bounty_json_number(o, "points", s->points);
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
static int bounty_or_respond(struct request *r, struct bounty *b)
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
static int dataset_or_respond(struct request *r, const struct bounty *b,
			      struct dataset *d)
{
	if (store_dataset_get(req_db(r), b->dataset_id, d)) {
		respond_internal(r);
		return -1;
	}
	return 0;
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

void h_bounties_create(struct request *r)
{
	static const char *const fields[] = {
		"model_id", "metric", "holdout_fraction", "min_support",
		"min_gap", "alpha", "significance", "budget",
		"holdout_threshold", "holdout_noise", "opens_at", "closes_at",
		"epsilon", "total_budget", NULL };
	const char *metric_s = NULL, *opens = NULL, *closes = NULL;
	struct bounty in, out;
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct bounty_data *bd = xmalloc(sizeof(*bd));
	struct buf err = BUF_INIT;
	enum bounty_metric metric;
	int64_t model_id = 0, min_support = 30, budget = THRESHOLDOUT_BUDGET;
	int64_t total_budget = 0;
	double overall, reported;
	bool internal;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	bounty_data_init(bd);
	in.holdout_fraction = 0.5;
	in.min_gap = 0.02;
	in.alpha = 0.001;
	in.significance = 0.05;
	in.threshold = THRESHOLDOUT_T;
	in.sigma = THRESHOLDOUT_SIGMA;
	in.epsilon = BOUNTY_EPSILON;
	if (json_known_fields_or_respond(r, r->json, fields) ||
	    integer_or_respond(r, "model_id", 1, INT64_C(1) << 52, true,
			       &model_id) ||
	    json_string_or_respond(r, r->json, "metric", true, 32, &metric_s) ||
	    number_or_respond(r, "holdout_fraction", 0, true, 1, true,
			      &in.holdout_fraction) ||
	    integer_or_respond(r, "min_support", 1, 1000000000, false,
			       &min_support) ||
	    number_or_respond(r, "min_gap", 0, false, 1, false, &in.min_gap) ||
	    number_or_respond(r, "alpha", 0, false, 1, false, &in.alpha) ||
	    number_or_respond(r, "significance", 0, true, 1, true,
			      &in.significance) ||
	    integer_or_respond(r, "budget", 1, 1000000, false, &budget) ||
	    integer_or_respond(r, "total_budget", 1, 1000000000, false,
			       &total_budget) ||
	    number_or_respond(r, "epsilon", 0, true, 100, false,
			      &in.epsilon) ||
	    number_or_respond(r, "holdout_threshold", 0, false, 1, false,
			      &in.threshold) ||
	    number_or_respond(r, "holdout_noise", 0, true, 1, false,
			      &in.sigma) ||
	    time_or_respond(r, "opens_at", &opens) ||
	    time_or_respond(r, "closes_at", &closes))
		goto out;
	if (bounty_metric_parse(metric_s, &metric)) {
		respond_problem(r, 422, "Invalid request",
				"field \"metric\" is \"%s\"; expected one of"
				" error_rate, fpr, fnr, wer", metric_s);
		goto out;
	}
	rc = store_model_get(req_db(r), model_id, &m);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 422, "Invalid request",
					"model %lld does not exist",
					(long long)model_id);
		else
			respond_internal(r);
		goto out;
	}
	if (store_dataset_get(req_db(r), m.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	if (!m.uploaded_at || m.prediction_count == 0 ||
	    m.prediction_count != d.example_count) {
		respond_problem(r, 409, "Conflict",
				"model %lld has predictions for %lld of the %lld"
				" examples of dataset %lld; a bounty needs them"
				" all", (long long)m.id,
				(long long)m.prediction_count,
				(long long)d.example_count, (long long)d.id);
		goto out;
	}
	if (split_or_respond(r, &d, &in))
		goto out;
	if (bounty_data_load(bd, req_db(r), &d, m.id, metric, in.secret,
			     in.secret_len, in.holdout_fraction,
			     in.reporting_share, &internal, &err)) {
		if (internal) {
			log_error("bounty on model %lld: %s", (long long)m.id,
				  err.s);
			respond_internal(r);
		} else {
			respond_problem(r, 422, "Invalid request", "%s", err.s);
		}
		goto out;
	}
	in.holdout_rows = (int64_t)bitset_count(&bd->holdout);
	in.reporting_rows = (int64_t)bitset_count(&bd->reporting);
	in.discovery_rows = (int64_t)bd->t.nrows - in.holdout_rows -
			    in.reporting_rows;
	if (!in.holdout_rows || !in.discovery_rows) {
		respond_problem(r, 422, "Invalid request",
				"holdout_fraction %g leaves the %s of the %zu"
				" examples empty", in.holdout_fraction,
				in.holdout_rows ? "discovery part" : "holdout",
				bd->t.nrows);
		goto out;
	}
	if (in.holdout_rows < min_support) {
		respond_problem(r, 422, "Invalid request",
				"the holdout of dataset %lld has %lld examples,"
				" fewer than min_support %lld, so no group could"
				" ever be judged; lower min_support or use a larger"
				" dataset", (long long)d.id,
				(long long)in.holdout_rows, (long long)min_support);
		goto out;
	}
	overall = bounty_metric_on(bd, bd->err, &bd->holdout);
	reported = in.reporting_rows ?
		   bounty_metric_on(bd, bd->err, &bd->reporting) : overall;
	in.model_id = m.id;
	in.dataset_id = d.id;
	in.metric = (char *)bounty_metric_name(metric);
	in.min_support = min_support;
	in.budget = budget;
	in.total_budget = total_budget ? total_budget :
			  BOUNTY_TOTAL_BUDGET_FACTOR * budget;
	in.model_stamp = m.upload_stamp;
	in.opens_at = (char *)opens;
	in.closes_at = (char *)closes;
	in.created_by = r->key.id;
	rc = store_bounty_create(req_db(r), &in, overall, reported, &out);
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
	explicit_bzero(in.secret, sizeof(in.secret));
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
static void bounties_page(struct request *r, cJSON *arr)
{
	struct html_index ix = { HTML_INDEX_BOUNTIES, NULL, NULL, NULL, NULL };
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *it;
	char *body;
	size_t len;

	ix.nav_query = share_query(r, '?');
	cJSON_ArrayForEach(it, arr) {
		char href[160];

		snprintf(href, sizeof(href), "/v1/bounties/%lld/report%s",
			 (long long)cJSON_GetObjectItem(it, "id")->valuedouble,
			 share_query(r, '?'));
		cJSON_AddStringToObject(it, "href", href);
	}
	if (html_render_index(&out, &ix, arr, &err)) {
		log_error("bounty index: %s", err.s);
		respond_internal(r);
	} else {
		body = buf_detach(&out, &len);
		respond(r, 200, "text/html; charset=utf-8", body, len);
	}
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

/* ---- GET .../discovery and .../examples ---- */

enum out_format { OUT_JSON, OUT_CSV };

/* ?format=csv|json, else Accept: text/csv; responds 400 and returns -1. */
static int format_or_respond(struct request *r, enum out_format *f)
{
	const char *format = req_arg(r, "format");
	const char *accept = req_header(r, "Accept");

	*f = OUT_JSON;
	if (format) {
		if (!strcmp(format, "csv")) {
			*f = OUT_CSV;
		} else if (strcmp(format, "json")) {
			respond_problem(r, 400, "Bad request",
					"format \"%s\" is not csv or json", format);
			return -1;
		}
	} else if (accept && strstr(accept, "text/csv")) {
		*f = OUT_CSV;
	}
	return 0;
}

struct export {
	struct buf out;
	enum out_format format;
	enum task task;
	const struct dataset *d;
	struct strmap *dicts;
	const struct split *split;	/* NULL: every example, no truth */
	/* every example with its part, for those who see exact numbers */
	const struct split *parts;
	size_t rows;
};

static void json_str(struct buf *b, const char *s, size_t n)
{
	buf_addch(b, '"');
	buf_add_json_escaped(b, s, n);
	buf_addch(b, '"');
}

static void export_attrs(struct export *x, const struct bounty_row *row)
{
	for (size_t a = 0; a < x->d->nattrs; a++) {
		uint32_t c = row->codes[a];
		const char *v = c < x->dicts[a].n ? strmap_str(&x->dicts[a], c) : "";
		size_t vn = c < x->dicts[a].n ? strmap_len(&x->dicts[a], c) : 0;

		if (x->format == OUT_CSV) {
			buf_addch(&x->out, ',');
			csv_add_cell(&x->out, v, vn);
		} else {
			buf_adds(&x->out, a ? "," : "");
			json_str(&x->out, x->d->attrs[a], strlen(x->d->attrs[a]));
			buf_addch(&x->out, ':');
			json_str(&x->out, v, vn);
		}
	}
}

static void export_text(struct export *x, const char *key, const char *s,
			size_t n)
{
	if (x->format == OUT_CSV) {
		buf_addch(&x->out, ',');
		csv_add_cell(&x->out, s ? s : "", s ? n : 0);
	} else {
		buf_addf(&x->out, ",\"%s\":", key);
		if (s)
			json_str(&x->out, s, n);
		else
			buf_adds(&x->out, "null");
	}
}

static int export_row(void *ctx, const struct bounty_row *row)
{
	struct export *x = ctx;
	bool asr = x->task == TASK_ASR;

	/* Holdout rows never leave the server with their truth. */
	if (x->split && split_is_holdout(x->split, row->id, row->id_len))
		return 0;
	if (x->format == OUT_CSV) {
		csv_add_cell(&x->out, row->id, row->id_len);
		if (x->split && asr) {
			buf_addch(&x->out, ',');
			csv_add_cell(&x->out, row->speaker ? row->speaker : "",
				      row->speaker ? row->speaker_len : 0);
		}
	} else {
		buf_adds(&x->out, x->rows ? ",\n{\"id\":" : "\n{\"id\":");
		json_str(&x->out, row->id, row->id_len);
		buf_adds(&x->out, ",\"attributes\":{");
	}
	export_attrs(x, row);
	if (x->format == OUT_JSON)
		buf_addch(&x->out, '}');
	if (x->parts && x->format == OUT_JSON) {
		static const char *const name[] = { "discovery", "holdout",
						    "reporting" };

		buf_addf(&x->out, ",\"part\":\"%s\"",
			 name[split_part_of(x->parts, row->id, row->id_len)]);
	}
	if (x->split) {
		if (asr) {
			if (x->format == OUT_JSON)
				export_text(x, "speaker", row->speaker,
					    row->speaker_len);
			export_text(x, "reference", row->reference,
				    row->reference_len);
			export_text(x, "hypothesis", row->hypothesis,
				    row->hypothesis_len);
		} else {
			export_text(x, "label", row->label, row->label_len);
			export_text(x, "prediction", row->prediction,
				    row->prediction_len);
		}
	}
	buf_adds(&x->out, x->format == OUT_CSV ? "\r\n" : "}");
	x->rows++;
	return 0;
}

static void export_header(struct export *x, const struct bounty *b)
{
	bool asr = x->task == TASK_ASR;

	if (x->format == OUT_CSV) {
		buf_adds(&x->out, "id");
		if (x->split && asr)
			buf_adds(&x->out, ",speaker");
		for (size_t a = 0; a < x->d->nattrs; a++) {
			buf_addch(&x->out, ',');
			csv_add_cell(&x->out, x->d->attrs[a],
				      strlen(x->d->attrs[a]));
		}
		if (x->split)
			buf_adds(&x->out, asr ? ",reference,hypothesis" :
				 ",label,prediction");
		buf_adds(&x->out, "\r\n");
		return;
	}
	buf_addf(&x->out, "{\"bounty_id\":%lld,\"part\":\"%s\",\"task\":",
		 (long long)b->id, x->split ? "discovery" : "examples");
	json_str(&x->out, x->d->task, strlen(x->d->task));
	buf_adds(&x->out, ",\"metric\":");
	json_str(&x->out, b->metric, strlen(b->metric));
	buf_adds(&x->out, ",\"attributes\":[");
	for (size_t a = 0; a < x->d->nattrs; a++) {
		buf_adds(&x->out, a ? "," : "");
		json_str(&x->out, x->d->attrs[a], strlen(x->d->attrs[a]));
	}
	buf_addf(&x->out, "],\"%s\":[", x->split ? "rows" : "examples");
}

/* Shared body of the two downloads; discovery when with_truth. */
static void export_bounty(struct request *r, bool with_truth)
{
	struct bounty b;
	struct dataset d = { 0 };
	struct export x;
	struct split sp;
	struct buf err = BUF_INIT;
	char *body;
	size_t len;

	memset(&b, 0, sizeof(b));
	memset(&x, 0, sizeof(x));
	buf_init(&x.out, 0);
	if (format_or_respond(r, &x.format) || bounty_or_respond(r, &b) ||
	    dataset_or_respond(r, &b, &d))
		goto out;
	x.d = &d;
	task_parse(d.task, &x.task);
	x.dicts = xcalloc(d.nattrs, sizeof(*x.dicts));
	for (size_t a = 0; a < d.nattrs; a++) {
		strmap_init(&x.dicts[a]);
	}
	if (with_truth) {
		if (split_init(&sp, b.secret, b.secret_len, b.holdout_fraction,
			       &err)) {
			log_error("bounty %lld: %s", (long long)b.id, err.s);
			respond_internal(r);
			goto out;
		}
		x.split = &sp;
	} else if (sees_exact(r)) {
		if (split_init(&sp, b.secret, b.secret_len, b.holdout_fraction,
			       &err) ||
		    split_set_reporting(&sp, b.reporting_share, &err)) {
			log_error("bounty %lld: %s", (long long)b.id, err.s);
			respond_internal(r);
			goto out;
		}
		x.parts = &sp;
	}
	if (store_bounty_dicts(req_db(r), &d, x.dicts)) {
		respond_internal(r);
		goto out;
	}
	export_header(&x, &b);
	if (store_bounty_rows(req_db(r), &d, with_truth ? b.model_id : 0,
			      with_truth, export_row, &x)) {
		respond_internal(r);
		goto out;
	}
	if (x.format == OUT_JSON)
		buf_addf(&x.out, "\n],\"count\":%zu}", x.rows);
	body = buf_detach(&x.out, &len);
	respond(r, 200, x.format == OUT_CSV ? "text/csv; charset=utf-8" :
		"application/json", body, len);
out:
	explicit_bzero(&sp, sizeof(sp));
	for (size_t a = 0; x.dicts && a < d.nattrs; a++)
		strmap_release(&x.dicts[a]);
	free(x.dicts);
	buf_release(&x.out);
	buf_release(&err);
	dataset_release(&d);
	bounty_release(&b);
}

void h_bounties_discovery(struct request *r)
{
	export_bounty(r, true);
}

void h_bounties_examples(struct request *r)
{
	export_bounty(r, false);
}

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

/*
 * h as predictions: exactly one per example of the group (422 naming the
 * missing and extra ids otherwise), scored into s->h_err; asr hypotheses
 * are aligned with the normalisation of the bounty's model.
 */
static int predictions_or_respond(struct submit *s, const cJSON *preds)
{
	struct request *r = s->r;
	const struct table *t = &s->bd->t;
	const char *field = t->task == TASK_ASR ? "hypothesis" : "prediction";
	size_t n = (size_t)cJSON_GetArraySize(preds), i = 0, ngroup;
	size_t nextra = 0, nmissing = 0;
	const char *extra[MAX_NAMED_IDS + 1], *missing[MAX_NAMED_IDS + 1];
	size_t extra_len[MAX_NAMED_IDS + 1], missing_len[MAX_NAMED_IDS + 1];
	const char **by_row = xcalloc(t->nrows, sizeof(char *));
	char (*num)[32] = xcalloc(n, sizeof(*num));
	const cJSON *it;
	int ret = -1;

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
			goto out;
		}
		row = strmap_find(&t->ids, id->valuestring,
				  strlen(id->valuestring));
		if (row < 0 || !bitset_test(&s->group, (size_t)row)) {
			if (nextra < MAX_NAMED_IDS + 1) {
				extra[nextra] = id->valuestring;
				extra_len[nextra] = strlen(id->valuestring);
			}
			nextra++;
		} else if (by_row[row]) {
			struct buf d = BUF_INIT;

			add_id(&d, id->valuestring, strlen(id->valuestring));
			respond_problem(r, 422, "Invalid predictions",
					"predictions[%zu]: example %s is given"
					" more than once", i, d.s);
			buf_release(&d);
			goto out;
		} else {
			by_row[row] = text;
		}
		i++;
	}
	ngroup = bitset_count(&s->group);
	bitset_foreach(&s->group, row) {
		if (by_row[row])
			continue;
		if (nmissing < MAX_NAMED_IDS + 1) {
			missing[nmissing] = strmap_str(&t->ids, (uint32_t)row);
			missing_len[nmissing] = strmap_len(&t->ids, (uint32_t)row);
		}
		nmissing++;
	}
	if (nmissing || nextra) {
		struct buf d = BUF_INIT;

		buf_addf(&d, "predictions must cover exactly the %zu examples"
			 " that match the group", ngroup);
		if (nmissing) {
			buf_addf(&d, "; %zu %s missing (", nmissing,
				 nmissing == 1 ? "is" : "are");
			name_ids(&d, missing, missing_len, nmissing);
			buf_addch(&d, ')');
		}
		if (nextra) {
			buf_addf(&d, "; %zu %s not in the group (", nextra,
				 nextra == 1 ? "is" : "are");
			name_ids(&d, extra, extra_len, nextra);
			buf_addch(&d, ')');
		}
		respond_problem(r, 422, "Invalid predictions", "%s", d.s);
		buf_release(&d);
		goto out;
	}

	/* Score h on the group; keep the rows to store on acceptance. */
	s->h_err = xcalloc(t->nrows, sizeof(double));
	s->h_ids = xcalloc(ngroup, sizeof(char *));
	s->h_values = xcalloc(ngroup, sizeof(char *));
	if (t->task == TASK_ASR) {
		struct refs refs = { s, xcalloc(t->nrows,
						 sizeof(char *)) };
		struct norm_opts no;
		struct aligner *al = NULL;
		struct buf err = BUF_INIT;
		size_t k = 0;
		int bad = 0;

		s->h_counts = xcalloc(4 * (ngroup ? ngroup : 1), sizeof(uint32_t));
		norm_opts_init(&no);
		if ((s->m.normalize && norm_opts_parse(&no, s->m.normalize,
						       strlen(s->m.normalize),
						       &err)) ||
		    !(al = aligner_new(&no, &err))) {
			log_error("model %lld normalisation: %s",
				  (long long)s->m.id, err.s);
			bad = -1;
		} else if (store_bounty_rows(req_db(r), &s->d, 0, true,
					     refs_row, &refs)) {
			bad = -1;
		}
		bitset_foreach(&s->group, row) {
			struct asr_counts c;
			const char *ref = refs.text[row];

			if (bad)
				break;
			if (!ref || aligner_score(al, ref, strlen(ref), by_row[row],
						  strlen(by_row[row]),
						  ALIGN_WORDS_ONLY, &c, &err)) {
				if (!ref)
					bad = -1;
				else
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
					"a hypothesis could not be scored: %s",
					err.s);
		else if (bad < 0)
			respond_internal(r);
		buf_release(&err);
		if (bad)
			goto out;
	} else {
		size_t k = 0;

		s->h_values_owned = true;
		bitset_foreach(&s->group, row) {
			s->h_err[row] = bounty_class_loss(s->bd, row, by_row[row],
							  strlen(by_row[row]));
			s->h_ids[k] = strmap_str(&t->ids, (uint32_t)row);
			/* by_row points into the request's JSON or num[]. */
			s->h_values[k] = xstrdup(by_row[row]);
			k++;
		}
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
	int rc = store_model_get(req_db(r), model_id, &hm), ret = -1;

	if (rc) {
		if (rc > 0)
			respond_problem(r, 422, "Invalid request",
					"model %lld does not exist",
					(long long)model_id);
		else
			respond_internal(r);
		goto out;
	}
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
	char *s = cJSON_PrintUnformatted(doc);

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

/*
 * The decision, under the bounty's row lock: see the top of this file.
 * Returns 0 with *o filled, 1 after responding (a conflict), -1 on errors.
 */
static int submit_decide(void *ctx, struct db *db,
			 const struct bounty_state *st,
			 struct bounty_outcome *o)
{
	struct submit *s = ctx;
	struct bounty_data *bd = s->bd;
	size_t nrows = bd->t.nrows;
	const struct bitset **acc;
	struct verify_rules rules;
	struct judge_input ji;
	struct judgement j;
	struct verdict v;
	struct thresholdout t;
	struct buf err = BUF_INIT;
	cJSON *rel, *hold;
	int64_t stale;
	size_t before;
	int ret = -1, rc;

	if (strcmp(st->b.phase, "open")) {
		respond_problem(s->r, 409, "Conflict", "bounty %lld is %s",
				(long long)st->b.id, st->b.phase);
		return 1;
	}

	/* 1. The current patched model. */
	s->l = bounty_pdl_rebuild(bd, db, &s->d, st, &stale);
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
	before = pdl_length(s->l);
	s->cur = xcalloc(nrows, sizeof(double));
	pdl_errors(s->l, s->cur);

	/* 2. Holdout members of the accepted findings, for duplicates. */
	s->accepted = xcalloc(st->nfindings,
			      sizeof(*s->accepted));
	acc = xcalloc(st->nfindings, sizeof(*acc));
	for (size_t i = 0; i < st->nfindings; i++) {
		bitset_init(&s->accepted[i]);
		s->naccepted++;
		if (bounty_group_of(bd, st->findings[i].canonical,
				    &s->accepted[i]))
			goto out;
		bitset_and(&s->accepted[i], &bd->holdout);
		acc[i] = &s->accepted[i];
	}

	/* 3. The hunter's reusable holdout and Bonferroni factor. */
	if (st->hunter_known)
		t = st->t;
	else
		thresholdout_init(&t, st->b.threshold, st->b.sigma,
				  (uint32_t)st->b.budget,
				  hunter_seed(&st->b, s->r->key.id));
	verify_rules_init(&rules);
	rules.min_support = (size_t)st->b.min_support;
	rules.min_gap = st->b.min_gap;
	rules.alpha = st->b.alpha;
	rules.significance = st->b.significance;
	rules.prior = st->judged;
	rules.epsilon = st->b.epsilon;

	/* 4. Judge (bounty/judge.h): holdout, discovery, release. */
	memset(&ji, 0, sizeof(ji));
	ji.in.group = &s->group;
	ji.in.split = &bd->holdout;
	ji.in.err = s->cur;
	ji.in.den = bd->den;
	ji.in.h_err = s->h_err;
	ji.in.accepted = acc;
	ji.in.naccepted = st->nfindings;
	/* An ASR dataset's utterances are clustered by speaker. */
	ji.in.cluster = bd->t.speaker;
	ji.in.nclusters = bd->t.speaker ? bd->t.speakers.n : 0;
	ji.discovery = &bd->discovery;
	ji.rules = rules;
	ji.total_budget = st->b.total_budget;
	ji.total_used = st->b.total_used;
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
	v = j.v;
	rel = bounty_verdict_json(&v, false, &rules);
	o->status = verify_status_name(v.status);
	judge_public_reason(&v, &rules, &s->reason);
	o->judged = !v.too_small;
	o->support = v.too_small ? 0 : v.support;
	if (v.duplicate_of >= 0)
		o->duplicate_of = st->findings[v.duplicate_of].submission_id;

	/* 6. An accepted h joins the list. */
	if (v.status == VERIFY_ACCEPTED && s->h_err) {
		struct pdl_update_info info;

		if (pdl_update(s->l, &s->group, s->h_err, &info, &err)) {
			o->status = "rejected";
			buf_reset(&s->reason);
			buf_adds(&s->reason, "h does not lower the loss of the"
				 " current model on the group's holdout"
				 " examples");
		} else {
			size_t after = pdl_length(s->l);

			s->nodes = xcalloc(after - before, sizeof(*s->nodes));
			for (size_t i = before; i < after; i++) {
				struct pdl_node_info ni;
				struct bounty_node *nd = &s->nodes[i - before];

				pdl_node(s->l, i, &ni);
				nd->repair = ni.repair;
				nd->target = (int64_t)ni.target;
				nd->finding = 0;	/* this submission */
				for (size_t k = 0; k < st->nfindings; k++)
					if (st->findings[k].pdl_model ==
					    (int64_t)ni.group)
						nd->finding =
							st->findings[k].submission_id;
			}
			o->nodes = s->nodes;
			o->nnodes = after - before;
			o->pdl_model = info.model;
			o->new_version = true;
			o->overall = info.after;
			/* published on the reporting part (see the top) */
			o->reported = bd->split.reporting > 0 ?
				      pdl_metric(s->l, after, &bd->reporting) :
				      info.after;
			cJSON_AddNumberToObject(rel, "version", (double)after);
			bounty_json_number(rel, "overall_error",
					   bounty_round3(o->reported));
			cJSON_AddNumberToObject(rel, "repairs",
						(double)info.repairs);
		}
	}
	if (!strcmp(o->status, "accepted")) {
		o->points = judge_points(&v);
		if (bounty_members(bd, db, &s->d, &s->group, &s->members,
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
	hold = cJSON_CreateObject();
	cJSON_AddItemToObject(hold, "holdout",
			      bounty_verdict_json(&j.exact, true, &rules));
	cJSON_AddItemToObject(hold, "discovery",
			      bounty_verdict_json(&j.disc, true, &j.drules));
	cJSON_AddItemToObject(hold, "released", bounty_verdict_json(&v, true,
								   &rules));
	bounty_json_number(hold, "released_weight", v.weight);
	cJSON_AddNumberToObject(hold, "prior", rules.prior);
	s->holdout_s = print_json(hold);
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

/* ---- leaderboard and report ---- */

/*
 * The leaderboard document: hunters, accepted findings with released
 * numbers, the overall holdout metric per version (rounded; exact too for
 * administrators and analysts) and the decision list.
 */
static cJSON *board_json(struct request *r, const struct bounty *b,
			 const struct bounty_board *bb)
{
	cJSON *o = cJSON_CreateObject(), *a;
	bool exact = sees_exact(r);

	cJSON_AddNumberToObject(o, "bounty_id", (double)b->id);
	cJSON_AddNumberToObject(o, "model_id", (double)b->model_id);
	cJSON_AddNumberToObject(o, "dataset_id", (double)b->dataset_id);
	cJSON_AddStringToObject(o, "metric", b->metric);
	cJSON_AddStringToObject(o, "status", b->phase);
	a = cJSON_AddArrayToObject(o, "hunters");
	for (size_t i = 0; i < bb->nhunters; i++) {
		const struct bounty_hunter_row *h = &bb->hunters[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "rank", (double)i + 1);
		cJSON_AddNumberToObject(x, "hunter_id", (double)h->key_id);
		json_add_str_or_null(x, "hunter", h->name);
		cJSON_AddNumberToObject(x, "submissions", (double)h->submissions);
		cJSON_AddNumberToObject(x, "accepted", (double)h->accepted);
		cJSON_AddNumberToObject(x, "duplicates", (double)h->duplicates);
		cJSON_AddNumberToObject(x, "duplicates_credited",
					(double)h->credited);
		bounty_json_number(x, "points", h->points);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "findings");
	for (size_t i = 0; i < bb->nfindings; i++) {
		const struct bounty_finding_row *f = &bb->findings[i];
		cJSON *x = cJSON_CreateObject(), *rel;
		static const char *const keep[] = { "weight", "gap",
			"improvement", "value", "version", "overall_error",
			NULL };

		cJSON_AddNumberToObject(x, "submission_id", (double)f->submission_id);
		cJSON_AddNumberToObject(x, "ordinal", (double)f->ordinal);
		cJSON_AddNumberToObject(x, "hunter_id", (double)f->key_id);
		json_add_str_or_null(x, "hunter", f->hunter);
		cJSON_AddStringToObject(x, "group", f->canonical);
		cJSON_AddStringToObject(x, "h", f->h_kind);
		cJSON_AddNumberToObject(x, "support", (double)f->support);
		rel = f->released ? cJSON_Parse(f->released) : NULL;
		for (size_t k = 0; keep[k]; k++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(rel, keep[k]);

			if (v)
				cJSON_AddItemToObject(x, keep[k],
						      cJSON_Duplicate(v, true));
		}
		cJSON_Delete(rel);
		bounty_json_number(x, "points", f->points);
		cJSON_AddNumberToObject(x, "duplicates_credited",
					(double)f->duplicates);
		cJSON_AddStringToObject(x, "created_at", f->created_at);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "history");
	for (size_t i = 0; i < bb->nversions; i++) {
		const struct bounty_version_row *v = &bb->versions[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "version", (double)v->version);
		if (v->submission_id)
			cJSON_AddNumberToObject(x, "submission_id",
						(double)v->submission_id);
		else
			cJSON_AddNullToObject(x, "submission_id");
		bounty_json_number(x, "overall_error", bounty_round3(v->reported));
		if (exact)
			bounty_json_number(x, "overall_error_exact", v->overall);
		cJSON_AddStringToObject(x, "created_at", v->created_at);
		cJSON_AddItemToArray(a, x);
	}
	a = cJSON_AddArrayToObject(o, "decision_list");
	for (size_t i = 0; i < bb->nnodes; i++) {
		const struct bounty_node *nd = &bb->nodes[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "position", (double)i + 1);
		cJSON_AddStringToObject(x, "kind", nd->repair ? "repair" : "model");
		cJSON_AddNumberToObject(x, "finding", (double)nd->finding);
		for (size_t k = 0; k < bb->nfindings; k++)
			if (bb->findings[k].submission_id == nd->finding)
				cJSON_AddStringToObject(x, "group",
							bb->findings[k].canonical);
		if (nd->repair)
			cJSON_AddNumberToObject(x, "target", (double)nd->target);
		cJSON_AddItemToArray(a, x);
	}
	return o;
}

/* Load the bounty and its board; responds on failure. */
static cJSON *board_or_respond(struct request *r, struct bounty *b)
{
	struct bounty_board bb;
	cJSON *doc;

	if (bounty_or_respond(r, b))
		return NULL;
	if (store_bounty_board(req_db(r), b->id, &bb)) {
		respond_internal(r);
		return NULL;
	}
	doc = board_json(r, b, &bb);
	bounty_board_release(&bb);
	return doc;
}

void h_bounties_leaderboard(struct request *r)
{
	struct bounty b;
	cJSON *doc;

	memset(&b, 0, sizeof(b));
	doc = board_or_respond(r, &b);
	if (doc)
		respond_json(r, 200, doc);
	bounty_release(&b);
}

void h_bounties_report(struct request *r)
{
	struct bounty b;
	struct model m = { 0 };
	struct dataset d = { 0 };
	struct bounty_html_meta meta;
	struct buf out = BUF_INIT, err = BUF_INIT;
	cJSON *board, *info = NULL;
	char *body;
	size_t len;

	memset(&b, 0, sizeof(b));
	memset(&meta, 0, sizeof(meta));
	board = board_or_respond(r, &b);
	if (!board)
		goto out;
	if (store_model_get(req_db(r), b.model_id, &m) ||
	    store_dataset_get(req_db(r), b.dataset_id, &d)) {
		respond_internal(r);
		goto out;
	}
	/* The page is public to every role: the hunter-safe numbers only. */
	info = bounty_json(r, &b);
	cJSON_DeleteItemFromObjectCaseSensitive(info, "overall_error_exact");
	meta.model_name = m.name;
	meta.model_version = m.version;
	meta.dataset_name = d.name;
	if (bounty_html_render(&out, info, board, &meta, &err)) {
		log_error("bounty report: %s", err.s);
		respond_internal(r);
		goto out;
	}
	body = buf_detach(&out, &len);
	respond(r, 200, "text/html; charset=utf-8", body, len);
out:
	cJSON_Delete(board);
	cJSON_Delete(info);
	model_release(&m);
	dataset_release(&d);
	bounty_release(&b);
	buf_release(&out);
	buf_release(&err);
}

/* GET /v1/pages/bounties: the bounty list page (a key or an "all" link). */
void h_pages_bounties(struct request *r)
{
	struct bounty *bs = NULL;
	size_t n = 0;
	cJSON *arr;

	if (store_bounty_list(req_db(r), &bs, &n)) {
		respond_internal(r);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, bounty_json(r, &bs[i]));
		bounty_release(&bs[i]);
	}
	free(bs);
	bounties_page(r, arr);
	cJSON_Delete(arr);
}

/* ---- the patched model as a model of its own ---- */

/*
 * POST /v1/bounties/{id}/patched-model: the bounty's patched model as it
 * stands, stored as a new model of the dataset so that it is evaluated,
 * compared and reported like any other.  Every example gets the
 * prediction (or hypothesis) of the model that the decision list sends it
 * to (pdl_sources): the base model, an h given as predictions, or an h
 * given as a model.  The predictions go through the upload path (its
 * checks and, for speech, its alignment with the base model's
 * normalisation), all or nothing.
 */
struct patched {
	struct bounty_data *bd;
	uint32_t *src;			/* per row: the answering pdl model */
	uint32_t want;			/* the model being read */
	char **val;			/* per row: prediction or hypothesis */
	bool asr, bad;
};

static int patched_value(struct patched *p, int64_t row, const char *v,
			 size_t n)
{
	if (row < 0 || (size_t)row >= p->bd->t.nrows) {
		p->bad = true;
		return 1;
	}
	if (p->src[row] == p->want && !p->val[row])
		p->val[row] = xstrndup(v ? v : "", v ? n : 0);
	return 0;
}

/* A row of a model's stored predictions, by ord. */
static int patched_model_row(void *ctx, const struct bounty_row *row)
{
	struct patched *p = ctx;

	return patched_value(p, row->ord,
			     p->asr ? row->hypothesis : row->prediction,
			     p->asr ? row->hypothesis_len
				    : row->prediction_len);
}

/* A row of an h stored with its finding, by example id. */
static int patched_h_row(void *ctx, const struct bounty_row *row)
{
	struct patched *p = ctx;

	return patched_value(p, strmap_find(&p->bd->t.ids, row->id,
					    row->id_len),
			     p->asr ? row->hypothesis : row->prediction,
			     p->asr ? row->hypothesis_len
				    : row->prediction_len);
}

/* The patched predictions as NDJSON, in example order. */
static void patched_body(const struct patched *p, struct buf *out)
{
	const struct table *t = &p->bd->t;

	for (size_t row = 0; row < t->nrows; row++) {
		buf_adds(out, "{\"id\":\"");
		buf_add_json_escaped(out, strmap_str(&t->ids, (uint32_t)row),
				     strmap_len(&t->ids, (uint32_t)row));
		buf_adds(out, p->asr ? "\",\"hypothesis\":\""
				     : "\",\"prediction\":\"");
		buf_add_json_escaped(out, p->val[row], strlen(p->val[row]));
		buf_adds(out, "\"}\n");
	}
}

void h_bounties_patched(struct request *r)
{
	static const char *const fields[] = { "name", "version", NULL };
	const char *name = NULL, *version = NULL;
	struct bounty_state st;
	struct model base = { 0 }, m = { 0 };
	struct dataset d = { 0 };
	struct patched p;
	struct pdl *l = NULL;
	struct buf err = BUF_INIT, body = BUF_INIT, nm = BUF_INIT,
		   ver = BUF_INIT;
	int64_t stale = 0;
	size_t nrows = 0, version_no;
	int rc;

	memset(&st, 0, sizeof(st));
	memset(&p, 0, sizeof(p));
	if (json_known_fields_or_respond(r, r->json, fields) ||
	    json_string_or_respond(r, r->json, "name", false,
				   FA_MAX_NAME_BYTES, &name) ||
	    json_string_or_respond(r, r->json, "version", false,
				   FA_MAX_NAME_BYTES, &version))
		return;
	rc = store_bounty_state(req_db(r), r->ids[0], &st);
	if (rc) {
		if (rc > 0)
			respond_problem(r, 404, "Not found",
					"bounty %lld does not exist",
					(long long)r->ids[0]);
		else
			respond_internal(r);
		return;
	}
	if (store_model_get(req_db(r), st.b.model_id, &base) ||
	    dataset_or_respond(r, &st.b, &d)) {
		if (!r->responded)
			respond_internal(r);
		goto out;
	}
	if (!base.upload_stamp || strcmp(base.upload_stamp, st.b.model_stamp)) {
		respond_problem(r, 409, "Conflict",
				"the predictions of model %lld changed after"
				" bounty %lld opened; its patched model can no"
				" longer be built", (long long)base.id,
				(long long)st.b.id);
		goto out;
	}
	p.bd = bounty_data_get(req_db(r), &st.b, &d, &err);
	if (!p.bd) {
		respond_internal(r);
		goto out;
	}
	l = bounty_pdl_rebuild(p.bd, req_db(r), &d, &st, &stale);
	if (!l) {
		if (stale)
			respond_problem(r, 409, "Conflict",
					"the model behind accepted finding %lld"
					" has new predictions since it was"
					" accepted, so the patched model cannot"
					" be rebuilt", (long long)stale);
		else
			respond_internal(r);
		goto out;
	}

	/* Which model answers each example, then its answers. */
	nrows = p.bd->t.nrows;
	version_no = pdl_length(l);
	p.asr = !strcmp(d.task, "asr");
	p.src = xcalloc(nrows, sizeof(*p.src));
	p.val = xcalloc(nrows, sizeof(*p.val));
	pdl_sources(l, p.src);
	p.want = 0;
	if (store_bounty_rows(req_db(r), &d, base.id, true, patched_model_row,
			      &p))
		goto internal;
	for (size_t i = 0; i < st.nfindings; i++) {
		const struct bounty_finding *f = &st.findings[i];

		if (f->pdl_model <= 0)
			continue;
		p.want = (uint32_t)f->pdl_model;
		if (!strcmp(f->h_kind, "model") ?
		    store_bounty_rows(req_db(r), &d, f->h_model_id, true,
				      patched_model_row, &p) :
		    store_bounty_h_rows(req_db(r), f->submission_id,
					patched_h_row, &p))
			goto internal;
	}
	for (size_t row = 0; row < nrows && !p.bad; row++)
		p.bad = !p.val[row];
	if (p.bad) {
		log_error("bounty %lld: the patched model misses answers",
			  (long long)st.b.id);
		goto internal;
	}
	patched_body(&p, &body);

	/* A new model with those predictions. */
	if (name)
		buf_adds(&nm, name);
	else
		buf_addf(&nm, "%s, patched by bounty %lld", base.name,
			 (long long)st.b.id);
	if (version)
		buf_adds(&ver, version);
	else
		buf_addf(&ver, "%s%slist version %zu",
			 base.version ? base.version : "",
			 base.version ? ", " : "", version_no);
	if (store_model_create(req_db(r), d.id, nm.s, ver.s, r->key.id, &m))
		goto internal;
	rc = predictions_store(req_db(r), m.id, p.asr ? base.normalize : NULL,
			       INGEST_NDJSON, body.s, body.len, &err);
	if (rc) {
		log_error("bounty %lld: storing the patched model: %s",
			  (long long)st.b.id, err.s);
		store_model_delete(req_db(r), m.id);
		goto internal;
	}
	{
		int64_t id = m.id;
		cJSON *doc;

		model_release(&m);
		if (store_model_get(req_db(r), id, &m))
			goto internal;
		doc = model_json(&m);
		cJSON_AddNumberToObject(doc, "bounty_id", (double)st.b.id);
		cJSON_AddNumberToObject(doc, "list_version", (double)version_no);
		respond_json(r, 201, doc);
		log_info("bounty %lld: patched model stored as model %lld (list"
			 " version %zu)", (long long)st.b.id, (long long)id,
			 version_no);
	}
	goto out;
internal:
	respond_internal(r);
out:
	if (p.val)
		for (size_t row = 0; row < nrows; row++)
			free(p.val[row]);
	free(p.val);
	free(p.src);
	pdl_free(l);
	if (p.bd)
		bounty_data_put(p.bd);
	bounty_state_release(&st);
	model_release(&base);
	model_release(&m);
	dataset_release(&d);
	buf_release(&err);
	buf_release(&body);
	buf_release(&nm);
	buf_release(&ver);
}
