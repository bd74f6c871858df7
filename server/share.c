/*
 * share.c - share tokens; see share.h.
 */
#include "common/fa.h"
#include "common/util.h"
#include "server/share.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <time.h>

#define MAC_BYTES 16

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

static int unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + k];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else
				return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

enum share_check share_verify(struct db *db, const char *token,
			      const char *scope)
{
	unsigned char key[SHARE_KEY_BYTES], want[MAC_BYTES], got[MAC_BYTES];
	const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	struct share sh = { 0 };
	int64_t id, expires;
	enum share_check ret;
	int rc;

	if (!d1 || !d2 || strlen(d2 + 1) != 2 * MAC_BYTES ||
	    parse_i64(token, (size_t)(d1 - token), &id) || id <= 0 ||
	    parse_i64(d1 + 1, (size_t)(d2 - d1 - 1), &expires) ||
	    unhex(d2 + 1, got, MAC_BYTES))
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
