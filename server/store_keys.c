/*
 * store_keys.c - API keys: creation, verification.
 *
 * A key reads "fa_<prefix>_<secret>": 12 hex characters of public prefix used
 * to find the row, then 32 random bytes in base64url.  The table keeps the
 * SHA-256 of the whole key, and verification compares hashes with
 * CRYPTO_memcmp so the comparison takes the same time wherever the first
 * difference is.
 */
#include "common/fa.h"
#include "server/store_internal.h"
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define KEY_PREFIX_BYTES 6
#define KEY_SECRET_BYTES 32

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void base64url(const unsigned char *p, size_t n, struct buf *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf_addch(out, tab[v >> 18]);
		buf_addch(out, tab[(v >> 12) & 63]);
		buf_addch(out, tab[(v >> 6) & 63]);
		buf_addch(out, tab[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		buf_addch(out, tab[v >> 18]);
		buf_addch(out, tab[(v >> 12) & 63]);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		buf_addch(out, tab[v >> 18]);
		buf_addch(out, tab[(v >> 12) & 63]);
		buf_addch(out, tab[(v >> 6) & 63]);
	}
}

static void key_hash(const char *key, unsigned char out[SHA256_DIGEST_LENGTH])
{
	SHA256((const unsigned char *)key, strlen(key), out);
}

int store_key_create(struct db *db, const char *name, const char *role,
		     char **key)
{
	unsigned char pre[KEY_PREFIX_BYTES], sec[KEY_SECRET_BYTES];
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char prefix[2 * KEY_PREFIX_BYTES + 1], digest_hex[2 * SHA256_DIGEST_LENGTH + 3];
	struct buf k = BUF_INIT;
	const char *params[4];

	if (RAND_bytes(pre, sizeof(pre)) != 1 || RAND_bytes(sec, sizeof(sec)) != 1)
		die("could not read random bytes for a key");
	hex(pre, sizeof(pre), prefix);
	buf_addf(&k, "fa_%s_", prefix);
	base64url(sec, sizeof(sec), &k);
	key_hash(k.s, digest);
	digest_hex[0] = '\\';
	digest_hex[1] = 'x';
	hex(digest, sizeof(digest), digest_hex + 2);

	params[0] = name;
	params[1] = role;
	params[2] = prefix;
	params[3] = digest_hex;
	if (db_cmd(db, "create key",
		   "INSERT INTO api_keys (name, role, prefix, hash)"
		   " VALUES ($1, $2, $3, $4::bytea)", 4, params)) {
		buf_release(&k);
		return -1;
	}
	*key = buf_detach(&k, NULL);
	return 0;
}

int store_key_check(struct db *db, const char *key, struct key_info *out)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char prefix[2 * KEY_PREFIX_BYTES + 1];
	const char *params[1] = { prefix };
	size_t plen = 2 * KEY_PREFIX_BYTES;
	PGresult *r;
	int ret = 1;

	if (strncmp(key, "fa_", 3) || strlen(key) < 3 + plen + 2 ||
	    key[3 + plen] != '_')
		return 1;
	memcpy(prefix, key + 3, plen);
	prefix[plen] = '\0';
	r = db_exec(db, "check key", PGRES_TUPLES_OK,
		    "SELECT id, role, name, hash FROM api_keys"
		    " WHERE prefix = $1 AND revoked_at IS NULL", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		size_t stored_len;
		unsigned char *stored = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(r, 0, 3), &stored_len);

		key_hash(key, digest);
		if (stored && stored_len == sizeof(digest) &&
		    CRYPTO_memcmp(stored, digest, sizeof(digest)) == 0) {
			out->id = db_i64(r, 0, 0);
			snprintf(out->role, sizeof(out->role), "%s",
				 PQgetvalue(r, 0, 1));
			snprintf(out->name, sizeof(out->name), "%s",
				 PQgetvalue(r, 0, 2));
			ret = 0;
		}
		PQfreemem(stored);
	}
	PQclear(r);
	return ret;
}

int store_key_count(struct db *db, int64_t *n)
{
	PGresult *r = db_exec(db, "count keys", PGRES_TUPLES_OK,
			      "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL",
			      0, NULL);

	if (!r)
		return -1;
	*n = db_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

#define KEY_COLS "id, name, role, prefix, " TS("created_at") ", " TS("revoked_at")

void key_row_release(struct key_row *k)
{
	free(k->name);
	free(k->role);
	free(k->prefix);
	free(k->created_at);
	free(k->revoked_at);
	memset(k, 0, sizeof(*k));
}

static void key_from_row(const PGresult *r, int i, struct key_row *k)
{
	k->id = db_i64(r, i, 0);
	k->name = db_strdup(r, i, 1);
	k->role = db_strdup(r, i, 2);
	k->prefix = db_strdup(r, i, 3);
	k->created_at = db_strdup(r, i, 4);
	k->revoked_at = db_strdup(r, i, 5);
}

int store_key_get_by_prefix(struct db *db, const char *key,
			    struct key_row *out)
{
	char prefix[2 * KEY_PREFIX_BYTES + 1];
	const char *params[1] = { prefix };
	size_t plen = 2 * KEY_PREFIX_BYTES;
	PGresult *r;
	int ret = 1;

	if (strncmp(key, "fa_", 3) || strlen(key) < 3 + plen)
		return 1;
	memcpy(prefix, key + 3, plen);
	prefix[plen] = '\0';
	r = db_exec(db, "get key", PGRES_TUPLES_OK,
		    "SELECT " KEY_COLS " FROM api_keys WHERE prefix = $1", 1,
		    params);
	if (!r)
		return -1;
	if (PQntuples(r) == 1) {
		key_from_row(r, 0, out);
		ret = 0;
	}
	PQclear(r);
	return ret;
}

int store_key_list(struct db *db, struct key_row **out, size_t *n)
{
	PGresult *r = db_exec(db, "list keys", PGRES_TUPLES_OK,
			      "SELECT " KEY_COLS " FROM api_keys ORDER BY id DESC",
			      0, NULL);

	if (!r)
		return -1;
	*n = (size_t)PQntuples(r);
	*out = xcalloc(*n + 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		key_from_row(r, (int)i, &(*out)[i]);
	PQclear(r);
	return 0;
}

int store_key_revoke(struct db *db, int64_t id, struct key_row *out)
{
	char ids[24];
	const char *params[1] = { ids };
	PGresult *r;
	int ret;

	snprintf(ids, sizeof(ids), "%lld", (long long)id);
	/* Revoking twice keeps the first time; the old value tells which. */
	r = db_exec(db, "revoke key", PGRES_TUPLES_OK,
		    "UPDATE api_keys k SET revoked_at = COALESCE(k.revoked_at, now())"
		    " FROM api_keys old WHERE k.id = $1 AND old.id = k.id"
		    " RETURNING k.id, k.name, k.role, k.prefix,"
		    " to_char(k.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		    " to_char(k.revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
		    " old.revoked_at IS NOT NULL", 1, params);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 1;
	}
	key_from_row(r, 0, out);
	ret = !strcmp(PQgetvalue(r, 0, 6), "t") ? 2 : 0;
	PQclear(r);
	return ret;
}
