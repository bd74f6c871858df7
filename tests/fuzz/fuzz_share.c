/*
 * fuzz_share.c - libFuzzer target for share tokens (server/share.c).
 *
 * share.c is linked as it ships; the storage functions it calls are
 * stubbed here with one share row of scope "all" whose id is whatever the
 * token asks for and whose expiry and HMAC key come from the input.
 * Oracle:
 *   1. share_parse() accepts exactly the text share_token() writes: an
 *      accepted input printed again from its id, expiry and MAC is the
 *      input, byte for byte (so no sign, leading zero, upper-case hex,
 *      NUL or extra byte gets through);
 *   2. the token share_token() writes for an id and expiry taken from the
 *      input parses back to them;
 *   3. share_verify() on the input (cut at its first NUL, as a query
 *      argument is) says OK or EXPIRED only for the very token share_token()
 *      writes for the stub's row, and says so for that token.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "server/share.h"
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char stub_key[SHARE_KEY_BYTES];
static int64_t stub_expires;

int store_share_get(struct db *db, int64_t id, struct share *out)
{
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->scope = xstrdup("all");
	out->expires = stub_expires;
	return 0;
}

int store_secret(struct db *db, const char *name, unsigned char *out, size_t n)
{
	if (strcmp(name, "share_hmac") || n != SHARE_KEY_BYTES)
		abort();
	memcpy(out, stub_key, n);
	return 0;
}

void share_release(struct share *s)
{
	free(s->scope);
	free(s->expires_at);
	free(s->created_at);
	free(s->revoked_at);
	memset(s, 0, sizeof(*s));
}

static FA_NORETURN void fail(const char *what, const uint8_t *in, size_t n)
{
	fprintf(stderr, "fuzz oracle: %s\ninput (%zu bytes): ", what, n);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, in[i] >= 0x20 && in[i] < 0x7F ? "%c" : "\\x%02x",
			in[i]);
	fputc('\n', stderr);
	abort();
}

/* A positive int64 from 8 bytes of the input. */
static int64_t positive(const uint8_t *d)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | d[i];
	v &= (uint64_t)INT64_MAX;
	return v ? (int64_t)v : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *tok = (const char *)data;
	unsigned char mac[SHARE_MAC_BYTES];
	struct buf again = BUF_INIT, real = BUF_INIT;
	int64_t id = -7, expires = -7;
	enum share_check c;
	char *z;
	bool ok;

	memset(stub_key, 0, sizeof(stub_key));
	stub_expires = size >= 16 ? positive(data + 8) : (int64_t)1 << 40;
	if (size >= 16 + SHARE_KEY_BYTES)
		memcpy(stub_key, data + 16, SHARE_KEY_BYTES);

	/* 1. only the canonical spelling is accepted */
	ok = !share_parse(tok, size, &id, &expires, mac);
	if (ok) {
		if (id < 1 || expires < 1)
			fail("a number below 1 was accepted", data, size);
		buf_addf(&again, "%lld.%lld.", (long long)id,
			 (long long)expires);
		for (size_t i = 0; i < SHARE_MAC_BYTES; i++)
			buf_addf(&again, "%02x", mac[i]);
		if (again.len != size || memcmp(again.s, tok, size))
			fail("an accepted token is not in canonical form",
			     data, size);
	} else if (id != -7 || expires != -7) {
		fail("a refused token changed the outputs", data, size);
	}

	/* 2. what share_token() writes parses back */
	if (size >= 16) {
		int64_t i2 = positive(data), e2 = stub_expires, i3, e3;

		share_token(stub_key, i2, "all", e2, &real);
		if (share_parse(real.s, real.len, &i3, &e3, mac) || i3 != i2 ||
		    e3 != e2)
			fail("share_token()'s own token did not parse back",
			     (const uint8_t *)real.s, real.len);
		c = share_verify(NULL, real.s, "evaluation:1");
		if (c != (e2 > (int64_t)time(NULL) ? SHARE_OK : SHARE_EXPIRED))
			fail("a genuine token did not verify",
			     (const uint8_t *)real.s, real.len);
	}

	/* 3. share_verify() sees the input as a query argument */
	z = xstrndup(tok, size);
	c = share_verify(NULL, z, "evaluation:1");
	if (c == SHARE_OK || c == SHARE_EXPIRED) {
		buf_reset(&real);
		if (share_parse(z, strlen(z), &id, &expires, mac))
			fail("share_verify() accepted what share_parse() "
			     "refuses", data, size);
		share_token(stub_key, id, "all", stub_expires, &real);
		if (strcmp(real.s, z))
			fail("share_verify() accepted a forged token", data,
			     size);
	} else if (c != SHARE_MALFORMED) {
		fail("share_verify() gave an impossible answer", data, size);
	}
	free(z);
	buf_release(&again);
	buf_release(&real);
	return 0;
}
