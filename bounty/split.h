/*
 * split.h - the deterministic discovery/holdout split of a bounty.
 *
 * Each example goes to the holdout when a keyed hash of its example id,
 * read as a number in [0, 1), is below holdout_fraction; otherwise it is in
 * the discovery part that hunters may download.  The hash is SipHash-2-4
 * (Aumasson & Bernstein 2012), a pseudo-random function keyed with 128 bits
 * derived from the bounty's secret seed, so:
 *   - membership depends only on (secret, fraction, id): never on row order,
 *     on which other examples exist, or on when the split is computed, and
 *     the server can recompute it at any time from the stored secret;
 *   - without the secret, nobody can predict which ids are held out.
 *
 * The top 53 bits of the hash give u = h / 2^53, and the example is held out
 * iff u < holdout_fraction, so the expected holdout share is the fraction.
 *
 * Nothing here allocates except split_table(), which fills a caller-owned
 * bitset.
 */
#ifndef FA_SPLIT_H
#define FA_SPLIT_H

#include "common/fa.h"
#include "common/buf.h"
#include "common/strmap.h"
#include "cohorts/bitset.h"

/* Shortest secret accepted, in bytes. */
#define SPLIT_MIN_SECRET 16

struct split {
	uint64_t k0, k1;	/* SipHash key */
	uint64_t threshold;	/* held out iff hash >> 11 < threshold */
	double fraction;
	/* the reporting part: hash >> 11 < report_threshold (0: none) */
	uint64_t report_threshold;
	double reporting;
};

/* SipHash-2-4 of [data, data+n) under the 16-byte key (k0, k1). */
uint64_t siphash24(uint64_t k0, uint64_t k1, const void *data, size_t n);

/*
 * Set up a split from the bounty's secret (at least SPLIT_MIN_SECRET bytes
 * of any content; the key is the first 16 bytes of its SHA-256) and the
 * holdout fraction, which must lie strictly between 0 and 1.  Returns 0, or
 * -1 with err set.
 */
int split_init(struct split *s, const void *secret, size_t n,
	       double holdout_fraction, struct buf *err);

/* True when the example id [id, id+n) belongs to the holdout. */
bool split_is_holdout(const struct split *s, const char *id, size_t n);

/*
 * Set holdout to the rows of a table whose ids (ids: the table's example
 * id map, row i = index i) belong to the holdout; it is reset to ids->n
 * rows.  The discovery rows are the complement (bitset_not).
 */
void split_table(const struct split *s, const struct strmap *ids,
		 struct bitset *holdout);

/*
 * The reporting part: the share of the holdout (in [0, 1)) whose examples,
 * those with u < holdout_fraction x share, are never used to accept or
 * reject, only to compute the numbers published about the patched model.
 * 0 (split_init's default) keeps no reporting part.  0, or -1 with err set.
 */
int split_set_reporting(struct split *s, double share, struct buf *err);

enum split_part { SPLIT_DISCOVERY, SPLIT_HOLDOUT, SPLIT_REPORTING };

/* The part the example id [id, id+n) belongs to. */
enum split_part split_part_of(const struct split *s, const char *id, size_t n);

/*
 * The three parts of a table: holdout (the rows verdicts are judged on)
 * and reporting are reset to ids->n rows and filled; the discovery part
 * is every other row.  Without a reporting part, holdout is split_table's.
 */
void split_parts(const struct split *s, const struct strmap *ids,
		 struct bitset *holdout, struct bitset *reporting);

#endif
