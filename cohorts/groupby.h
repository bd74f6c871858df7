/*
 * groupby.h - assign every row of a table to a cohort of one grouping.
 *
 * A grouping is a list of attributes (one, or several for an intersection);
 * a cohort is one combination of their values that occurs in at least one
 * row.  groupby_run() gives every row a dense cohort number, so per-cohort
 * statistics are one pass over plain arrays.
 *
 * Levels.  Each attribute's dictionary codes are first mapped to levels,
 * once per distinct value, never per row:
 *   - unbinned: one level per distinct value, ordered numerically when the
 *     attribute is numeric (ties by bytes), else by bytes (memcmp, shorter
 *     first on a common prefix); the missing value "" is always last;
 *   - binned with edges e0 < e1 < ... < ek: levels, in order,
 *       "<e0"        values below e0
 *       "[e0,e1)" ... "[e(k-2),e(k-1))"   half-open bins
 *       "[e(k-1),ek]"  the last bin, closed on both sides
 *       ">ek"        values above ek
 *       ""           missing values, still a cohort of their own
 *     Numbers in labels are printed in the shortest form that reads back
 *     exactly ("0", "30", "0.5", "1e+06").
 * Cohorts are ordered by their levels, first attribute most significant, so
 * the order is deterministic and follows the attribute values.  Levels with
 * no rows produce no cohort.
 *
 * Keys.  When the product of the attributes' level counts is small (at most
 * opts->dense_max, default 1 << 20) a cohort's key is the mixed-radix number
 * of its levels and counting uses a flat array; otherwise rows are grouped
 * one attribute at a time through a hash table, then the cohorts are
 * sorted.  Both paths give the same result.
 *
 * Ownership: struct groupby owns its arrays and the binned labels; labels
 * of unbinned attributes point into the table's dictionaries, so a groupby
 * must not outlive its table.  groupby_release() frees everything.
 */
#ifndef FA_GROUPBY_H
#define FA_GROUPBY_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/limits.h"
#include "cohorts/table.h"

/* Most edges accepted for one binned attribute. */
#define GROUPBY_MAX_EDGES 1000

struct groupby_attr {
	int attr;		/* index into t->attrs */
	const double *edges;	/* bin edges, or NULL for no binning */
	size_t nedges;
};

struct groupby_opts {
	size_t max_cohorts;	/* 0: no limit */
	size_t dense_max;	/* 0: default (1 << 20) */
};

struct groupby_map {
	int attr;
	bool binned;
	uint32_t nlevels;
	uint32_t *level;	/* per dictionary code of the attribute */
	const char **label;	/* per level */
	uint32_t *label_len;	/* per level */
	char **owned;		/* binned labels (owned), else NULL */
};

struct groupby {
	size_t nattrs;
	struct groupby_map map[FA_MAX_COHORT_ATTRS];
	size_t nrows;
	size_t ncohorts;
	uint32_t *cohort;	/* per row: its cohort, 0 .. ncohorts-1 */
	uint32_t *levels;	/* per cohort: nattrs levels */
	uint64_t *size;		/* per cohort: rows */
};

void groupby_init(struct groupby *g);
void groupby_release(struct groupby *g);

/*
 * Group t's rows by attrs[0..nattrs) (1 <= nattrs <= FA_MAX_COHORT_ATTRS,
 * no attribute twice; binned attributes must be numeric and have valid
 * edges, see groupby_check_edges).  opts may be NULL.  Returns 0, or -1 with
 * one sentence in err (bad arguments, or more cohorts than
 * opts->max_cohorts); g is left released on error.
 */
int groupby_run(struct groupby *g, const struct table *t,
		const struct groupby_attr *attrs, size_t nattrs,
		const struct groupby_opts *opts, struct buf *err);

/* Level of attribute a (position in the grouping) for cohort c. */
static inline uint32_t groupby_level(const struct groupby *g, size_t c,
				     size_t a)
{
	return g->levels[c * g->nattrs + a];
}

/* Label of cohort c's value of attribute a; *len set when len != NULL. */
const char *groupby_label(const struct groupby *g, size_t c, size_t a,
			  size_t *len);

/* Level of attribute a whose label is [s, s+n), or -1. */
int64_t groupby_find_level(const struct groupby *g, size_t a,
			   const char *s, size_t n);

/* Cohort whose levels are levels[0..nattrs), or -1 if it has no rows. */
int64_t groupby_find(const struct groupby *g, const uint32_t *levels);

/*
 * Check bin edges: at least 2, at most GROUPBY_MAX_EDGES, finite and
 * strictly increasing.  0, or -1 with a sentence naming `what` in err.
 */
int groupby_check_edges(const double *edges, size_t n, const char *what,
			struct buf *err);

/*
 * Bin level of value v for edges[0..n): 0 below, 1..n-1 the bins, n above,
 * n+1 for NAN (missing).
 */
uint32_t groupby_bin_level(const double *edges, size_t n, double v);

/* Append the label of bin level `level` (as above) to out. */
void groupby_bin_label(struct buf *out, const double *edges, size_t n,
		       uint32_t level);

/* Append v in the shortest "%.*g" form that reads back exactly. */
void groupby_format_number(struct buf *out, double v);

/*
 * Append a key that names cohort c of g whatever the grouping's attribute
 * order: its (attribute name, value label) pairs in name order, each string
 * preceded by its length as 8 bytes.  Used to seed a cohort's random
 * stream so that results do not depend on what else is evaluated.
 */
void groupby_cohort_key(const struct table *t, const struct groupby *g,
			size_t c, struct buf *key);

#endif
