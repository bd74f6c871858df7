/*
 * across.c - see across.h.
 */
#include "common/fa.h"
#include "evaluate/across.h"

/* "dataset", or "dataset_2", ... : a name no attribute of a or b has. */
static char *side_attr_name(const struct table *a, const struct table *b)
{
	struct buf name = BUF_INIT;

	buf_adds(&name, "dataset");
	for (int i = 2; table_find_attr(a, name.s) >= 0 ||
			table_find_attr(b, name.s) >= 0; i++) {
		buf_reset(&name);
		buf_addf(&name, "dataset_%d", i);
	}
	return buf_detach(&name, NULL);
}

int across_table(struct table *out, const struct across_side *a,
		 const struct across_side *b, char **attr, struct buf *err)
{
	const struct across_side *side[2] = { a, b };
	size_t shared = 0;
	int side_col;

	*attr = NULL;
	table_init(out, a->t->task);
	if (a->t->task != b->t->task) {
		buf_addf(err, "the datasets have different tasks (%s and %s)",
			 task_name(a->t->task), task_name(b->t->task));
		return -1;
	}
	if (!strcmp(a->label, b->label)) {
		buf_addf(err, "the two sets need different labels (both are "
			 "\"%s\")", a->label);
		return -1;
	}
	for (size_t i = 0; i < a->t->nattrs; i++)
		if (table_find_attr(b->t, a->t->attrs[i].name) >= 0) {
			table_add_attr(out, a->t->attrs[i].name);
			shared++;
		}
	if (!shared) {
		buf_adds(err, "the datasets share no attribute to compare "
			 "cohorts by");
		return -1;
	}
	*attr = side_attr_name(a->t, b->t);
	side_col = (int)table_add_attr(out, *attr);
	for (size_t s = 0; s < 2; s++) {
		size_t first = out->nrows;

		if (table_append(out, side[s]->t, s ? "b:" : "a:", err))
			goto fail;
		for (size_t r = first; r < out->nrows; r++)
			table_set_attr(out, r, (size_t)side_col,
				       side[s]->label, strlen(side[s]->label));
	}
	if (out->task == TASK_CLASSIFICATION && a->t->positive >= 0 &&
	    !table_is_binary(out)) {
		buf_adds(err, "the datasets' labels together are not the same "
			 "two classes");
		goto fail;
	}
	table_finish(out);
	return 0;
fail:
	table_release(out);
	table_init(out, a->t->task);
	free(*attr);
	*attr = NULL;
	return -1;
}

void across_describe(cJSON *doc, const char *attr, const char *label_a,
		     cJSON *side_a, cJSON *side_b)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "attribute", attr);
	cJSON_AddStringToObject(o, "baseline", label_a);
	cJSON_AddItemToObject(o, "a", side_a);
	cJSON_AddItemToObject(o, "b", side_b);
	cJSON_AddStringToObject(o, "method",
		"the two sets as one table with the attribute above naming "
		"each row's set (example and speaker ids kept apart), "
		"evaluated with that attribute as the condition and the "
		"first set as its baseline: each grouping's \"condition\" "
		"holds every cohort's change from a to b, with unpaired "
		"intervals (independent samples), and whether b hurts it "
		"more than the reference cohort; the groupings' cohorts "
		"pool both sets");
	cJSON_DeleteItemFromObjectCaseSensitive(doc, "across");
	cJSON_AddItemToObject(doc, "across", o);
}
