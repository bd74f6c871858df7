/*
 * replay.h - the bounty's patched model from its log of accepted findings.
 *
 * The decision list (bounty/pdl.h) is never stored row by row.  Replaying
 * the accepted (group, h) findings through pdl_update() in their order of
 * acceptance rebuilds the very same list, repairs included, because
 * pdl_update() is a function of the list so far, the group and h's
 * losses.  bounty_replay() does that and checks what it rebuilt against
 * what was recorded: the model number each finding was given and the
 * length of the list.  bounty_patch() is the other half: a newly accepted
 * h joins the list, and the nodes it appended are described for the log.
 *
 * Findings are named by the caller's ids (submission ids); the list only
 * knows its model numbers, 1 .. pdl_models().  No database, no HTTP.
 */
#ifndef FA_BOUNTY_REPLAY_H
#define FA_BOUNTY_REPLAY_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/bitset.h"
#include "bounty/pdl.h"

/* One accepted finding in order of acceptance. */
struct replay_finding {
	int64_t id;		/* the caller's name for it */
	int64_t model;		/* its model number in the list; 0: no h */
};

/*
 * The group and h of finding i (one with a model) for the replay: set
 * *group to its rows and h_err[r] for each of them (h_err is all zero on
 * entry).  Return 0, or -1 to stop the replay (the caller says why).
 */
typedef int (*replay_step_fn)(void *ctx, size_t i, struct bitset *group,
			      double *h_err);

enum {
	REPLAY_OK = 0,
	REPLAY_STOPPED = -1,	/* a step returned -1 */
	REPLAY_MISMATCH = -2,	/* err says what differs from the record */
};

/*
 * Replay the findings f[0..n) with a model into the empty list l, over
 * rows of l's size, then check that the list has nodes nodes.  Returns one
 * of the values above; after a failure l is in an unspecified state and
 * should be freed.
 */
int bounty_replay(struct pdl *l, const struct replay_finding *f, size_t n,
		  size_t nodes, replay_step_fn step, void *ctx,
		  struct buf *err);

/* A node appended by bounty_patch(), as the log records it. */
struct patch_node {
	bool repair;
	int64_t finding;	/* the id of the finding whose group it tests;
				   0: the new one */
	int64_t target;		/* repair: the version it points back to */
};

struct patch {
	struct pdl_update_info info;
	struct patch_node *nodes;	/* malloc'ed; the caller frees */
	size_t nnodes;
};

/*
 * Add the accepted (group, h_err) to l, whose earlier findings are
 * f[0..n).  Returns 0 with *out filled, or -1 with err set and l
 * unchanged when pdl_update() refuses h (it does not lower the loss on
 * the group's evaluation rows).
 */
int bounty_patch(struct pdl *l, const struct bitset *group,
		 const double *h_err, const struct replay_finding *f,
		 size_t n, struct patch *out, struct buf *err);

#endif
