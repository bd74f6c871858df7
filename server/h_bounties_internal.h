/*
 * h_bounties_internal.h - what the bounty handlers share: h_bounties.c
 * (create, list, get, close, and these helpers), h_bounty_export.c,
 * h_bounty_submit.c, h_bounty_board.c and h_bounty_patched.c.  Never
 * included elsewhere.
 */
#ifndef FA_H_BOUNTIES_INTERNAL_H
#define FA_H_BOUNTIES_INTERNAL_H

#include "server/handlers.h"
#include "server/store_bounties.h"

/* Administrators and analysts see exact holdout numbers; hunters never. */
bool sees_exact(const struct request *r);

/*
 * Field `field` of the request body as an integer in [lo, hi]; *out keeps
 * its default when the field is absent and not required.  0, or -1 after
 * responding 422.
 */
int integer_or_respond(struct request *r, const char *field, int64_t lo,
		       int64_t hi, bool required, int64_t *out);

/*
 * The bounty as the caller may see it: rules, state and privacy account,
 * never the secret; exact holdout numbers only for sees_exact().
 */
cJSON *bounty_json(struct request *r, const struct bounty *b);

/* A stored submission; with exact, the holdout verdict too. */
cJSON *submission_json(const struct bounty_submission *s, bool exact);

/* The bounty of the path's first id; 0, or nonzero after responding. */
int bounty_or_respond(struct request *r, struct bounty *b);
/* The bounty's dataset; 0, or nonzero after responding. */
int dataset_or_respond(struct request *r, const struct bounty *b,
		       struct dataset *d);

/*
 * The model a request body names: 0, or nonzero after responding 422 (no
 * such model) or 500.
 */
int body_model_or_respond(struct request *r, int64_t id, struct model *m);

/* Respond with the bounty list page for arr (items of bounty_json). */
void bounties_page(struct request *r, cJSON *arr);

#endif
