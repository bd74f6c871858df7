/*
 * replay.c - rebuilding and extending a bounty's decision list; see
 * replay.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "bounty/replay.h"

int bounty_replay(struct pdl *l, const struct replay_finding *f, size_t n,
		  size_t nodes, replay_step_fn step, void *ctx,
		  struct buf *err)
{
	size_t nrows = pdl_rows(l);
	struct bitset g = BITSET_INIT;
	double *h_err = xcalloc(nrows, sizeof(double));
	struct buf why = BUF_INIT;
	int ret = REPLAY_OK;

	for (size_t i = 0; !ret && i < n; i++) {
		if (f[i].model <= 0)
			continue;
		memset(h_err, 0, nrows * sizeof(double));
		if (step(ctx, i, &g, h_err)) {
			ret = REPLAY_STOPPED;
		} else if (pdl_update(l, &g, h_err, NULL, &why)) {
			buf_addf(err, "finding %lld does not replay: %s",
				 (long long)f[i].id, why.s);
			ret = REPLAY_MISMATCH;
		} else if ((int64_t)pdl_models(l) != f[i].model) {
			buf_addf(err, "finding %lld replays as model %u, "
				 "recorded %lld", (long long)f[i].id,
				 pdl_models(l), (long long)f[i].model);
			ret = REPLAY_MISMATCH;
		}
	}
	if (!ret && pdl_length(l) != nodes) {
		buf_addf(err, "the replayed list has %zu nodes, %zu recorded",
			 pdl_length(l), nodes);
		ret = REPLAY_MISMATCH;
	}
	bitset_release(&g);
	free(h_err);
	buf_release(&why);
	return ret;
}

int bounty_patch(struct pdl *l, const struct bitset *group,
		 const double *h_err, const struct replay_finding *f,
		 size_t n, struct patch *out, struct buf *err)
{
	size_t before = pdl_length(l), after;

	memset(out, 0, sizeof(*out));
	if (pdl_update(l, group, h_err, &out->info, err))
		return -1;
	after = pdl_length(l);
	out->nnodes = after - before;
	out->nodes = xcalloc(out->nnodes, sizeof(*out->nodes));
	for (size_t i = before; i < after; i++) {
		struct pdl_node_info ni;
		struct patch_node *nd = &out->nodes[i - before];

		pdl_node(l, i, &ni);
		nd->repair = ni.repair;
		nd->target = (int64_t)ni.target;
		nd->finding = 0;	/* the new finding */
		for (size_t k = 0; k < n; k++)
			if (f[k].model == (int64_t)ni.group)
				nd->finding = f[k].id;
	}
	return 0;
}
