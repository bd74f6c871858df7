/*
 * parser.c - one parser for every upload format: the dispatch of
 * ingest_parser_new/feed/finish/free to ingest/csv.c, ingest/json.c
 * (NDJSON and JSON arrays) and ingest/trn.c.  Kept apart from ingest.c,
 * the helpers those parsers share, so that the parsers depend on the
 * helpers and this file on the parsers, never the other way round.
 */
#include "common/fa.h"
#include "common/util.h"
#include "ingest/parser.h"
#include "ingest/csv.h"
#include "ingest/json.h"
#include "ingest/trn.h"

/* ---- dispatch ---- */

struct ingest_parser {
	enum ingest_format f;
	union {
		struct csv_parser *csv;
		struct json_parser *json;
		struct trn_parser *trn;
	} u;
};

struct ingest_parser *ingest_parser_new(enum ingest_format f,
					const struct ingest_options *opts,
					const struct ingest_sink *sink,
					struct ingest_errors *errs)
{
	struct ingest_parser *p = xcalloc(1, sizeof(*p));

	p->f = f;
	switch (f) {
	case INGEST_CSV:
		p->u.csv = csv_parser_new(sink, errs);
		if (opts && opts->scalar)
			csv_parser_scalar(p->u.csv);
		break;
	case INGEST_NDJSON:
	case INGEST_JSON:
		p->u.json = json_parser_new(f == INGEST_JSON, sink, errs);
		break;
	case INGEST_TRN:
		p->u.trn = trn_parser_new(opts && opts->text_column ?
					  opts->text_column : "text",
					  opts && opts->speaker, sink, errs);
		break;
	}
	return p;
}

int ingest_parser_feed(struct ingest_parser *p, const void *data, size_t n)
{
	switch (p->f) {
	case INGEST_CSV:
		return csv_parser_feed(p->u.csv, data, n);
	case INGEST_NDJSON:
	case INGEST_JSON:
		return json_parser_feed(p->u.json, data, n);
	case INGEST_TRN:
		return trn_parser_feed(p->u.trn, data, n);
	}
	return -1;
}

int ingest_parser_finish(struct ingest_parser *p)
{
	switch (p->f) {
	case INGEST_CSV:
		return csv_parser_finish(p->u.csv);
	case INGEST_NDJSON:
	case INGEST_JSON:
		return json_parser_finish(p->u.json);
	case INGEST_TRN:
		return trn_parser_finish(p->u.trn);
	}
	return -1;
}

void ingest_parser_free(struct ingest_parser *p)
{
	if (!p)
		return;
	switch (p->f) {
	case INGEST_CSV:
		csv_parser_free(p->u.csv);
		break;
	case INGEST_NDJSON:
	case INGEST_JSON:
		json_parser_free(p->u.json);
		break;
	case INGEST_TRN:
		trn_parser_free(p->u.trn);
		break;
	}
	free(p);
}
