/*
 * Unit tests for server/share.c: the tokens share_parse() accepts and
 * refuses, share_token() and share_parse() as inverses, and share_verify()'s
 * answers.
 *
 * share.c is compiled into this program (the unit test rule links only the
 * pure modules), and the three storage functions it calls are stubbed here
 * with one share row per test, so no database is involved.
 */
#include "server/share.c"
#include <setjmp.h>
#include <cmocka.h>

#define MAC "0123456789abcdef0123456789abcdef"

/* A literal with its length, so cases may hold NUL bytes. */
#define T(lit) lit, sizeof(lit) - 1

/* ---- the stubbed storage: one row, or none ---- */

static struct {
	bool exists;
	int64_t expires;
	const char *scope;
	bool revoked;
	int gets;
} row;

static const unsigned char key[SHARE_KEY_BYTES] = "0123456789abcdef0123456789abcde";

int store_share_get(struct db *db, int64_t id, struct share *out)
{
	(void)db;
	row.gets++;
	if (!row.exists)
		return 1;
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->scope = xstrdup(row.scope);
	out->expires = row.expires;
	out->revoked_at = row.revoked ? xstrdup("2026-01-01 00:00:00+00") : NULL;
	return 0;
}

int store_secret(struct db *db, const char *name, unsigned char *out, size_t n)
{
	(void)db;
	assert_string_equal(name, "share_hmac");
	assert_int_equal(n, SHARE_KEY_BYTES);
	memcpy(out, key, n);
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

/* ---- share_parse ---- */

static void test_share__parse_accepts(void **state)
{
	static const struct {
		const char *s;
		size_t n;
		int64_t id, expires;
	} cases[] = {
		{ T("3.1767225600." MAC), 3, 1767225600 },
		{ T("1.1." MAC), 1, 1 },
		{ T("9223372036854775807.9223372036854775807." MAC),
		  INT64_MAX, INT64_MAX },
		{ T("10.20." MAC), 10, 20 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned char mac[SHARE_MAC_BYTES];
		int64_t id = 0, expires = 0;

		if (share_parse(cases[i].s, cases[i].n, &id, &expires, mac))
			fail_msg("refused: %s", cases[i].s);
		assert_true(id == cases[i].id);
		assert_true(expires == cases[i].expires);
		assert_int_equal(mac[0], 0x01);
		assert_int_equal(mac[7], 0xef);
		assert_int_equal(mac[15], 0xef);
	}
}

static void test_share__parse_refuses(void **state)
{
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ T("") },
		{ T("..") },
		{ T("3.1767225600") },
		{ T("3." MAC) },
		{ T("3.." MAC) },
		{ T(".1767225600." MAC) },
		/* numbers: zero, leading zeros, signs, spaces, overflow */
		{ T("0.1767225600." MAC) },
		{ T("3.0." MAC) },
		{ T("03.1767225600." MAC) },
		{ T("3.01767225600." MAC) },
		{ T("-3.1767225600." MAC) },
		{ T("+3.1767225600." MAC) },
		{ T("3.-1." MAC) },
		{ T(" 3.1767225600." MAC) },
		{ T("3 .1767225600." MAC) },
		{ T("9223372036854775808.1." MAC) },
		{ T("1.9223372036854775808." MAC) },
		{ T("99999999999999999999.1." MAC) },
		{ T("1.18446744073709551617." MAC) },
		{ T("0x3.1767225600." MAC) },
		/* the MAC: case, length, other bytes, a third dot */
		{ T("3.1767225600.0123456789ABCDEF0123456789abcdef") },
		{ T("3.1767225600.0123456789abcdef0123456789abcde") },
		{ T("3.1767225600." MAC "0") },
		{ T("3.1767225600." MAC " ") },
		{ T("3.1767225600." MAC "\n") },
		{ T("3.1767225600.0123456789abcdef.123456789abcdef0") },
		{ T("3.1767225600.0123456789abcdeg0123456789abcdef") },
		/* NUL bytes anywhere */
		{ T("3\0.1767225600." MAC) },
		{ T("3.1767225600.0123456789abcdef0123456789abcde\0") },
		{ T("3.1767225600." MAC "\0") },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		unsigned char mac[SHARE_MAC_BYTES] = { 0xAA };
		int64_t id = -1, expires = -1;

		if (!share_parse(cases[i].s, cases[i].n, &id, &expires, mac))
			fail_msg("accepted case %zu: %s", i, cases[i].s);
		/* nothing written on failure */
		assert_true(id == -1 && expires == -1);
		assert_int_equal(mac[0], 0xAA);
	}
}

/* What share_token() writes, share_parse() reads back, and nothing else. */
static void test_share__token_round_trip(void **state)
{
	static const int64_t ids[] = { 1, 9, 10, 12345, INT64_MAX };
	static const int64_t exps[] = { 1, 1767225600, INT64_MAX };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(exps); j++) {
			unsigned char mac[SHARE_MAC_BYTES], want[MAC_BYTES];
			struct buf tok = BUF_INIT;
			int64_t id, expires;

			share_token(key, ids[i], "all", exps[j], &tok);
			assert_int_equal(share_parse(tok.s, tok.len, &id,
						     &expires, mac), 0);
			assert_true(id == ids[i] && expires == exps[j]);
			share_mac(key, ids[i], "all", exps[j], want);
			assert_memory_equal(mac, want, MAC_BYTES);
			/* one byte less or more is not a token */
			assert_int_equal(share_parse(tok.s, tok.len - 1, &id,
						     &expires, mac), -1);
			buf_addch(&tok, '0');
			assert_int_equal(share_parse(tok.s, tok.len, &id,
						     &expires, mac), -1);
			buf_release(&tok);
		}
	}
}

/* ---- share_verify ---- */

static void test_share__verify(void **state)
{
	int64_t future = (int64_t)time(NULL) + 3600;
	int64_t past = (int64_t)time(NULL) - 1;
	struct buf tok = BUF_INIT, bad = BUF_INIT;

	(void)state;
	row.exists = true;
	row.scope = "evaluation:7";
	row.expires = future;
	row.revoked = false;
	share_token(key, 5, "evaluation:7", future, &tok);
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:7"), SHARE_OK);
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:8"),
			 SHARE_WRONG_SCOPE);

	/* a changed MAC digit, the true MAC of another expiry, another id */
	buf_add(&bad, tok.s, tok.len - 1);
	buf_addch(&bad, tok.s[tok.len - 1] == '0' ? '1' : '0');
	assert_int_equal(share_verify(NULL, bad.s, "evaluation:7"),
			 SHARE_MALFORMED);
	buf_reset(&bad);
	share_token(key, 5, "evaluation:7", future + 1, &bad);
	assert_int_equal(share_verify(NULL, bad.s, "evaluation:7"),
			 SHARE_MALFORMED);
	buf_reset(&bad);
	buf_addf(&bad, "6%s", tok.s + 1);	/* id 5 is the first byte */
	assert_int_equal(share_verify(NULL, bad.s, "evaluation:7"),
			 SHARE_MALFORMED);

	/* a leading zero is refused before any lookup */
	buf_reset(&bad);
	buf_addf(&bad, "0%s", tok.s);
	row.gets = 0;
	assert_int_equal(share_verify(NULL, bad.s, "evaluation:7"),
			 SHARE_MALFORMED);
	assert_int_equal(row.gets, 0);

	row.revoked = true;
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:7"),
			 SHARE_REVOKED);
	row.revoked = false;
	row.exists = false;
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:7"),
			 SHARE_MALFORMED);
	row.exists = true;

	/* scope "all" covers every page; an expired link opens none */
	row.scope = "all";
	row.expires = past;
	buf_reset(&tok);
	share_token(key, 5, "all", past, &tok);
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:1"),
			 SHARE_EXPIRED);
	row.expires = future;
	buf_reset(&tok);
	share_token(key, 5, "all", future, &tok);
	assert_int_equal(share_verify(NULL, tok.s, "evaluation:1"), SHARE_OK);
	buf_release(&tok);
	buf_release(&bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share__parse_accepts),
		cmocka_unit_test(test_share__parse_refuses),
		cmocka_unit_test(test_share__token_round_trip),
		cmocka_unit_test(test_share__verify),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
