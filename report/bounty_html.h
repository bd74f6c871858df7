/*
 * bounty_html.h - the HTML page of a bias bounty
 * (GET /v1/bounties/{id}/report): leaderboard, accepted findings, the
 * patched model's overall holdout error after each update as an inline SVG
 * chart, the decision list and the rules.
 *
 * The page follows report/html.h: one self-contained HTML5 document,
 * inline CSS and SVG only, no scripts, a Content-Security-Policy meta
 * element, readable without styles and printable.  Every string from data
 * (hunter names, groups, model and dataset names, reasons) is escaped where
 * it lands; invalid UTF-8 and control characters become U+FFFD.  Rates
 * print with 3 decimals, points with 4 significant digits, negative
 * numbers with U+2212.
 *
 * The inputs are the JSON documents the API serves to every role (the
 * bounty and its leaderboard), so the page shows exactly what a hunter may
 * see and nothing else; the renderer only reads them.
 */
#ifndef FA_BOUNTY_HTML_H
#define FA_BOUNTY_HTML_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

/* Names the JSON does not carry; each may be NULL. */
struct bounty_html_meta {
	const char *model_name;
	const char *model_version;
	const char *dataset_name;
	/*
	 * The newest search of the discovery part (GET /v1/slices/{id}), for
	 * the roles that may run one; NULL: no such section.
	 */
	const cJSON *slices;
};

/*
 * Append the page for bounty (GET /v1/bounties/{id}) and board (GET
 * /v1/bounties/{id}/leaderboard) to out.  Returns 0, or -1 with a sentence
 * in err when an input is not a JSON object or out's cap is hit.
 */
int bounty_html_render(struct buf *out, const cJSON *bounty,
		       const cJSON *board, const struct bounty_html_meta *meta,
		       struct buf *err);

#endif
