/*
 * h_bounty_export.c - a bounty's discovery part and its examples, as CSV
 * or JSON (see h_bounties.c for what a hunter sees and the privacy
 * account).
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/handlers.h"
#include "server/h_bounties_internal.h"
#include "server/reqjson.h"
#include "server/log.h"
#include "server/bounty_data.h"
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
