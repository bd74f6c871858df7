/*
 * share.h - signed, expiring, revocable share links for reports.
 *
 * A share token reads "<id>.<expiry>.<mac>": the share_links row id, the
 * expiry as Unix seconds, and the first 16 bytes (hex) of
 * HMAC-SHA256(key, "fairaudit-share\n<id>\n<scope>\n<expiry>").  The key is
 * the per-database secret "share_hmac" (store_secret), so every replica
 * accepts every replica's links.  A token is valid while its MAC matches
 * (compared in constant time), its expiry has not passed, and its row is
 * not revoked.  Tokens carry no rights beyond reading the pages of their
 * scope: "evaluation:<id>" for one evaluation's report and JSON, or "all"
 * for every read-only page.
 */
#ifndef FA_SHARE_H
#define FA_SHARE_H

#include "common/fa.h"
#include "common/buf.h"
#include "server/store.h"

#define SHARE_KEY_BYTES 32
#define SHARE_MAC_BYTES 16
#define SHARE_MAX_SECONDS (90LL * 24 * 3600)
#define SHARE_DEFAULT_SECONDS (7LL * 24 * 3600)

/* Append the token for a share row to out. */
void share_token(const unsigned char key[SHARE_KEY_BYTES], int64_t id,
		 const char *scope, int64_t expires, struct buf *out);

/*
 * Split a token of len bytes (not necessarily NUL-terminated) into its id,
 * expiry and MAC, without looking anything up.  A token is exactly what
 * share_token() writes: two decimal numbers from 1 to INT64_MAX without
 * sign or leading zeros, each followed by '.', then 2 * SHARE_MAC_BYTES
 * lower-case hex digits.  Any other byte (a NUL, a space, a sign, an
 * upper-case hex digit, a third '.'), an overflowing number or a wrong length
 * is refused.  Returns 0 with *id, *expires and mac set, or -1 leaving
 * them untouched.
 */
int share_parse(const char *token, size_t len, int64_t *id, int64_t *expires,
		unsigned char mac[SHARE_MAC_BYTES]);

enum share_check {
	SHARE_OK,
	SHARE_MALFORMED,	/* not a token, or the MAC does not match */
	SHARE_EXPIRED,
	SHARE_REVOKED,
	SHARE_WRONG_SCOPE,
	SHARE_DB_ERROR,
};

/*
 * Check a token (NUL-terminated; share_parse() decides whether it is one)
 * against the database for a page needing `scope` ("evaluation:12"; a
 * token of scope "all" covers every scope).
 */
enum share_check share_verify(struct db *db, const char *token,
			      const char *scope);

#endif
