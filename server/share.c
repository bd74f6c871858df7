/*
 * share.c - share tokens; see share.h.
 *
 * Parsing a token (share_parse) is kept apart from checking it against the
 * database (share_verify) so that the part that reads text from a URL is a
 * pure function: unit-tested and fuzzed (tests/fuzz/fuzz_share.c) without
 * a database.  It accepts only the exact form share_token() writes, so a
 * token has one spelling and the MAC covers all of it.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/share.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <time.h>

#define MAC_BYTES SHARE_MAC_BYTES

static void share_mac(const unsigned char key[SHARE_KEY_BYTES], int64_t id,
		      const char *scope, int64_t expires,
		      unsigned char out[MAC_BYTES])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	struct buf msg = BUF_INIT;

	buf_addf(&msg, "fairaudit-share\n%lld\n%s\n%lld", (long long)id, scope,
		 (long long)expires);
	if (!HMAC(EVP_sha256(), key, SHARE_KEY_BYTES,
		  (const unsigned char *)msg.s, msg.len, full, &len))
		die("HMAC-SHA256 failed");
	memcpy(out, full, MAC_BYTES);
	buf_release(&msg);
}

void share_token(const unsigned char key[SHARE_KEY_BYTES], int64_t id,
		 const char *scope, int64_t expires, struct buf *out)
{
	unsigned char mac[MAC_BYTES];

	share_mac(key, id, scope, expires, mac);
	buf_addf(out, "%lld.%lld.", (long long)id, (long long)expires);
	for (size_t i = 0; i < MAC_BYTES; i++)
		buf_addf(out, "%02x", mac[i]);
}

/* n bytes of lower-case hex at s into n / 2 bytes; -1 on any other byte. */
static int unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned v;

		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else
			return -1;
		if (i % 2)
			out[i / 2] = (unsigned char)(out[i / 2] << 4 | v);
		else
			out[i / 2] = (unsigned char)v;
	}
	return 0;
}

/* [s, s+n) as a number from 1 to INT64_MAX, digits only, no leading 0. */
static int positive_decimal(const char *s, size_t n, int64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || s[0] == '0')
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		d = (unsigned)(s[i] - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = (int64_t)v;
	return 0;
}

int share_parse(const char *token, size_t len, int64_t *id, int64_t *expires,
		unsigned char mac[SHARE_MAC_BYTES])
{
	const char *end = token + len, *d1, *d2;
	unsigned char m[SHARE_MAC_BYTES];
	int64_t i, e;

	d1 = memchr(token, '.', len);
	if (!d1)
		return -1;
	d2 = memchr(d1 + 1, '.', (size_t)(end - d1 - 1));
	if (!d2 || (size_t)(end - d2 - 1) != 2 * SHARE_MAC_BYTES ||
	    positive_decimal(token, (size_t)(d1 - token), &i) ||
	    positive_decimal(d1 + 1, (size_t)(d2 - d1 - 1), &e) ||
	    unhex(d2 + 1, 2 * SHARE_MAC_BYTES, m))
		return -1;
	*id = i;
	*expires = e;
	memcpy(mac, m, SHARE_MAC_BYTES);
	return 0;
}

enum share_check share_verify(struct db *db, const char *token,
			      const char *scope)
{
	unsigned char key[SHARE_KEY_BYTES], want[MAC_BYTES], got[MAC_BYTES];
	struct share sh = { 0 };
	int64_t id, expires;
	enum share_check ret;
	int rc;

	if (share_parse(token, strlen(token), &id, &expires, got))
		return SHARE_MALFORMED;
	rc = store_share_get(db, id, &sh);
	if (rc < 0)
		return SHARE_DB_ERROR;
	if (rc > 0)
		return SHARE_MALFORMED;
	if (store_secret(db, "share_hmac", key, sizeof(key))) {
		share_release(&sh);
		return SHARE_DB_ERROR;
	}
	share_mac(key, id, sh.scope, expires, want);
	OPENSSL_cleanse(key, sizeof(key));
	if (CRYPTO_memcmp(want, got, MAC_BYTES) != 0 || expires != sh.expires)
		ret = SHARE_MALFORMED;
	else if (sh.revoked_at)
		ret = SHARE_REVOKED;
	else if ((int64_t)time(NULL) >= expires)
		ret = SHARE_EXPIRED;
	else if (strcmp(sh.scope, "all") && strcmp(sh.scope, scope))
		ret = SHARE_WRONG_SCOPE;
	else
		ret = SHARE_OK;
	share_release(&sh);
	return ret;
}
