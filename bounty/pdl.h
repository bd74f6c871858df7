/*
 * pdl.h - the pointer decision list that a bounty's accepted findings build
 * (Globus-Harris, Kearns & Roth, "An Algorithmic Framework for Bias
 * Bounties", FAccT 2022).
 *
 * The patched model is a base model plus an ordered list of nodes.  Version
 * v of the list is its first v nodes; version 0 is the base model alone.
 * A row is answered by the newest node of the version whose group contains
 * it, or by the base model when none does.  There are two kinds of node:
 *
 *   model node   (g_k, h_k): the k-th accepted finding; its rows are
 *                answered by model k.
 *   repair node  (g_k -> v): its rows are answered as version v answers
 *                them (v is earlier than the node itself).
 *
 * Models are abstract: the list never sees labels or transcripts, only
 * per-row losses (the interface verify.h uses too).  Model 0 is the base;
 * model k's loss on row r is h_err[r] as given to pdl_update().  A set of
 * rows has metric sum(loss) / sum(den), den == NULL meaning 1 per row, so
 * 0/1 losses give an error rate and (word errors, reference words) give
 * pooled WER.  pdl_sources() says which model answers each row, so a caller
 * that holds the actual predictions (labels, hypotheses) of every model can
 * assemble the patched model's predictions and evaluate it like any other.
 *
 * Updates are measured on a fixed set of evaluation rows (the holdout).
 * pdl_update(g, h):
 *   1. refuses h unless it lowers the loss on g's evaluation rows;
 *   2. appends the model node (g, h) and records, for the new group, the
 *      best loss seen on it so far and the version that achieved it;
 *   3. while some accepted group's loss is now above its best, appends a
 *      repair node pointing that group back to its best version, then
 *      re-measures every group (a repair can disturb another group), and
 *      records new bests.
 * Each node lowers the total evaluation loss: the model node by step 1,
 * a repair by exactly (current - best) on its group and nothing elsewhere.
 * So the overall evaluation metric never rises, no group ends above its
 * best, and the loop ends.
 *
 * Ownership: the list copies everything it is given (base losses,
 * denominators, evaluation rows, each group and each h's losses) and frees
 * it all in pdl_free().  Memory is 8 bytes per row per model plus a bitset
 * per group.
 */
#ifndef FA_PDL_H
#define FA_PDL_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/bitset.h"

struct pdl;

struct pdl_update_info {
	uint32_t model;		/* index given to the accepted model */
	size_t repairs;		/* repair nodes the update appended */
	double before, after;	/* overall evaluation metric */
};

struct pdl_node_info {
	bool repair;
	uint32_t group;		/* model k whose group the node tests */
	size_t target;		/* repair: the version it points back to */
};

/*
 * A list over nrows rows with the base model's per-row losses, the shared
 * per-row denominators (NULL for 1 per row) and the evaluation rows, which
 * must cover nrows rows (anything else is a programming error and dies, as
 * do out-of-range node, model and row-set arguments below).
 */
struct pdl *pdl_new(size_t nrows, const double *base_err, const double *den,
		    const struct bitset *eval);
void pdl_free(struct pdl *l);

/*
 * Accept (group, h_err), as described above.  h_err holds h's loss for
 * every row of the table; only rows of the group are read.  Returns 0 and
 * fills *info (may be NULL), or -1 with err set and the list unchanged when
 * the group is the wrong size or has no evaluation rows, a loss of h is
 * negative or not finite, or h does not lower the loss on the group.
 */
int pdl_update(struct pdl *l, const struct bitset *group, const double *h_err,
	       struct pdl_update_info *info, struct buf *err);

/* Nodes in the list, which is also the number of the current version. */
size_t pdl_length(const struct pdl *l);
/* Rows of the table the list was made for. */
size_t pdl_rows(const struct pdl *l);
/* Accepted models (model nodes); they are numbered 1 .. pdl_models(). */
uint32_t pdl_models(const struct pdl *l);
/* What node i (0 = oldest) is. */
void pdl_node(const struct pdl *l, size_t i, struct pdl_node_info *out);
/* The group of model k (1 .. pdl_models()). */
const struct bitset *pdl_group(const struct pdl *l, uint32_t k);

/* The model answering row in the given version (<= pdl_length()). */
uint32_t pdl_source(const struct pdl *l, size_t version, size_t row);
/* The current version's model for every row; out has nrows entries. */
void pdl_sources(const struct pdl *l, uint32_t *out);
/* The current version's loss for every row; out has nrows entries. */
void pdl_errors(const struct pdl *l, double *out);

/*
 * The metric sum(loss) / sum(den) of the given version over rows (NULL for
 * the evaluation rows); NAN when the denominator is 0.
 */
double pdl_metric(const struct pdl *l, size_t version,
		  const struct bitset *rows);

#endif
