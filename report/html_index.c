/*
 * html_index.c - the index pages (datasets, models, evaluations,
 * bounties) and short notices.
 */
#include "common/fa.h"
#include "report/html_internal.h"
#include "common/strmap.h"
#include "common/util.h"

/* ---- public: index pages ---- */

enum icol_kind { IC_TEXT, IC_COUNT, IC_CODE, IC_GROUPINGS, IC_FLAGGED };

struct icol {
	const char *key, *head;
	enum icol_kind kind;
	const char *fallback;	/* shown as code when key is missing */
};

static const struct icol cols_datasets[] = {
	{ "name", "Name", IC_TEXT }, { "id", "Id", IC_CODE },
	{ "task", "Task", IC_TEXT }, { "rows", "Rows", IC_COUNT },
	{ "description", "Description", IC_TEXT },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_models[] = {
	{ "name", "Name", IC_TEXT }, { "version", "Version", IC_TEXT },
	{ "id", "Id", IC_CODE }, { "dataset", "Dataset", IC_TEXT, "dataset_id" },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_evaluations[] = {
	{ "id", "Evaluation", IC_CODE },
	{ "model", "Model", IC_TEXT, "model_id" },
	{ "dataset", "Dataset", IC_TEXT, "dataset_id" },
	{ "task", "Task", IC_TEXT },
	{ "by", "Groupings", IC_GROUPINGS },
	{ "flagged", "Flagged", IC_FLAGGED },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };
static const struct icol cols_bounties[] = {
	{ "id", "Bounty", IC_CODE }, { "model", "Model", IC_TEXT, "model_id" },
	{ "dataset", "Dataset", IC_TEXT, "dataset_id" },
	{ "metric", "Metric", IC_TEXT }, { "status", "Status", IC_TEXT },
	{ "submissions", "Submissions", IC_COUNT },
	{ "created_at", "Created", IC_TEXT }, { NULL, NULL, IC_TEXT } };

/* "race; race × sex" from "by" or the groupings of a full evaluation. */
static void add_groupings(struct buf *b, const cJSON *item)
{
	const cJSON *by = jget(item, "by"), *g, *a;
	bool first = true, any = false;

	if (!cJSON_IsArray(by)) {
		by = NULL;
		cJSON_ArrayForEach(g, jget(item, "groupings")) {
			buf_adds(b, first ? "" : "; ");
			first = false;
			any = true;
			cJSON_ArrayForEach(a, jget(g, "by")) {
				if (a != jget(g, "by")->child)
					buf_adds(b, " " TIMES " ");
				add_json_html(b, a, 1);
			}
		}
	}
	cJSON_ArrayForEach(g, by) {
		buf_adds(b, first ? "" : "; ");
		first = false;
		any = true;
		if (cJSON_IsArray(g)) {
			cJSON_ArrayForEach(a, g) {
				if (a != g->child)
					buf_adds(b, " " TIMES " ");
				add_json_html(b, a, 1);
			}
		} else {
			add_json_html(b, g, 1);
		}
	}
	if (!any)
		buf_adds(b, EMDASH);
}

static void add_flag_count(struct buf *b, const cJSON *item)
{
	const cJSON *g, *c, *f;
	double n;
	int count = 0;
	bool any = false;

	if (jnum(item, "flagged", &n)) {
		add_count(b, n);
		return;
	}
	cJSON_ArrayForEach(g, jget(item, "groupings")) {
		any = true;
		cJSON_ArrayForEach(c, jget(g, "cohorts"))
			cJSON_ArrayForEach(f, jget(c, "flags"))
				count++;
	}
	if (any)
		buf_addf(b, "%d", count);
	else
		buf_adds(b, EMDASH);
}

static void index_cell(struct buf *b, const struct icol *c,
		       const cJSON *item)
{
	const cJSON *v = jget(item, c->key);
	double n;

	if ((!v || cJSON_IsNull(v)) && c->fallback) {
		struct icol code = { c->fallback, c->head, IC_CODE, NULL };

		index_cell(b, &code, item);
		return;
	}
	switch (c->kind) {
	case IC_GROUPINGS:
		add_groupings(b, item);
		return;
	case IC_FLAGGED:
		add_flag_count(b, item);
		return;
	case IC_COUNT:
		if (jnum(item, c->key, &n)) {
			add_count(b, n);
			return;
		}
		break;
	case IC_CODE:
		if (v && !cJSON_IsNull(v)) {
			buf_adds(b, "<code>");
			add_json_html(b, v, 1);
			buf_adds(b, "</code>");
			return;
		}
		break;
	case IC_TEXT:
		break;
	}
	add_json_html(b, v, 1);
}

void html_render_notice(struct buf *out, const char *title,
			const char *const *paragraphs)
{
	struct buf t = BUF_INIT;

	buf_adds(&t, title);
	buf_adds(&t, " " MIDDOT " fairaudit");
	page_begin(out, t.s);
	buf_release(&t);
	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit</p>\n<h1>");
	html_esc(out, title);
	buf_adds(out, "</h1>\n</header>\n");
	for (size_t i = 0; paragraphs[i]; i++) {
		buf_adds(out, "<p>");
		html_esc(out, paragraphs[i]);
		buf_adds(out, "</p>\n");
	}
	page_end(out);
}

int html_render_index(struct buf *out, const struct html_index *ix,
		      const cJSON *items, struct buf *err)
{
	static const char *const titles[] = {
		"Datasets", "Models", "Evaluations", "Bounties" };
	static const char *const nouns[][2] = {
		{ "dataset", "datasets" }, { "model", "models" },
		{ "evaluation", "evaluations" }, { "bounty", "bounties" } };
	const struct icol *cols;
	const cJSON *item;
	const char *title;
	struct buf h = BUF_INIT, t = BUF_INIT;
	int n, kind;

	if (!ix || !cJSON_IsArray(items)) {
		buf_adds(err, "cannot render an index page: the list is not a "
			 "JSON array");
		return -1;
	}
	kind = (int)ix->kind;
	if (kind < 0 || kind > 3)
		kind = 0;
	cols = kind == 0 ? cols_datasets : kind == 1 ? cols_models :
	       kind == 2 ? cols_evaluations : cols_bounties;
	title = ix->title ? ix->title : titles[kind];
	n = cJSON_GetArraySize(items);

	buf_adds(&t, title);
	buf_adds(&t, " " MIDDOT " fairaudit");
	page_begin(out, t.s);
	buf_adds(out, "<header>\n<p class=\"kicker\">fairaudit</p>\n<h1>");
	html_esc(out, title);
	buf_addf(out, "</h1>\n<p class=\"meta\">%d %s</p>\n</header>\n", n,
		 nouns[kind][n == 1 ? 0 : 1]);
	if (ix->nav_query) {
		static const char *const pages[] = { "datasets", "models",
						     "evaluations", "bounties" };

		buf_adds(out, "<nav class=\"links\" aria-label=\"Lists\">");
		for (int i = 0; i < 4; i++) {
			struct buf href = BUF_INIT;

			buf_addf(&href, "/v1/pages/%s%s", pages[i], ix->nav_query);
			buf_adds(out, i ? " " MIDDOT " " : "");
			if (i == kind) {
				html_esc(out, titles[i]);
			} else {
				buf_adds(out, "<a");
				add_href(out, href.s);
				buf_adds(out, ">");
				html_esc(out, titles[i]);
				buf_adds(out, "</a>");
			}
			buf_release(&href);
		}
		buf_adds(out, "</nav>\n");
	}
	if (!n) {
		buf_addf(out, "<p class=\"empty\">No %s yet.</p>\n",
			 nouns[kind][1]);
	} else {
		const struct icol *c;

		buf_adds(out, "<div class=\"table-wrap\" role=\"region\" "
			 "tabindex=\"0\" aria-labelledby=\"ix-cap\">\n"
			 "<table class=\"index\">\n<caption id=\"ix-cap\">");
		html_esc(out, title);
		buf_adds(out, "</caption>\n<thead><tr>");
		for (c = cols; c->key; c++)
			buf_addf(out, "<th scope=\"col\" class=\"t\">%s</th>",
				 c->head);
		buf_adds(out, "</tr></thead>\n<tbody>\n");
		cJSON_ArrayForEach(item, items) {
			const char *href = jstr(item, "href");
			const char *id = jstr(item, "id");

			buf_reset(&h);
			if (!href && id && ix->href_prefix) {
				buf_adds(&h, ix->href_prefix);
				add_pct(&h, id);
				if (ix->href_suffix)
					buf_adds(&h, ix->href_suffix);
				href = h.s;
			}
			buf_adds(out, "<tr>");
			for (c = cols; c->key; c++) {
				buf_adds(out, c == cols ? "<th scope=\"row\">"
					 : "<td class=\"t\">");
				if (c == cols && href) {
					buf_adds(out, "<a");
					add_href(out, href);
					buf_addch(out, '>');
				}
				if (c == cols && !jget(item, c->key) && id)
					html_esc(out, id);
				else
					index_cell(out, c, item);
				if (c == cols && href)
					buf_adds(out, "</a>");
				buf_adds(out, c == cols ? "</th>" : "</td>");
			}
			buf_adds(out, "</tr>\n");
		}
		buf_adds(out, "</tbody>\n</table>\n</div>\n");
	}
	page_end(out);
	buf_release(&h);
	buf_release(&t);
	return finish(out, err, "index page");
}
