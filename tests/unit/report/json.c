/*
 * Unit tests for report/json.c against cJSON itself: json_print() gives
 * cJSON_PrintUnformatted()'s text for documents of every kind (escapes,
 * every byte, nesting, raw items) and for 600,000 numbers drawn with a
 * fixed seed from where the two could part (every magnitude, ratios of
 * counts, the neighbours of powers of two and ten, the ends of the fast
 * path, integers past int); json_format_g() gives printf's %1.15g and
 * %1.17g, and says truly how far the text reads back from the number.
 */
#include "common/fa.h"
#include <setjmp.h>
#include <cmocka.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include "report/json.h"
#include "tests/unit/report/json_number.h"

static uint64_t rng = 0x5eed2026;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
	double d;

	memcpy(&d, &b, sizeof(d));
	return d;
}

/* json_print() and cJSON agree on one number; printf on its digits. */
static void check_number(double d)
{
	char msg[160];

	if (json_number_differs(d, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

static void test_json__numbers(void **state)
{
	static const double fixed[] = {
		0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 1.0 / 3, 2.0 / 3, 1e-6, 1e-7,
		1e-15, 1e-16, 1e-17, 3.370616814241504e-22, 1.2345e-16,
		9.9999999999999995e-7, 1.0000000000000001e-6, 1e15, 1e16,
		1e17, 9007199254740991.0, 9007199254740992.0,
		9007199254740993.0, 4503599627370495.5, 4503599627370496.0,
		2147483647.0, 2147483648.0, -2147483648.0, -2147483649.0,
		2147483647.5, 3e9, 0.99999999999999978, 0.99999999999999989,
		1.0000000000000002, 1.0000000000000004, 123456789012345.67,
		0.30000000000000004, 5e-324, 2.2250738585072014e-308,
		DBL_MAX, -DBL_MAX, 1e300, 1e-300, 9.5, 0.95, 0.095, 99.5,
		999999999999999.5, 0.000123, 0.0001, 0.00001, 1e21, 1e22,
		1e23,
	};
	size_t count = 0;

	(void)state;
	check_number(NAN);
	check_number(INFINITY);
	check_number(-INFINITY);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		check_number(fixed[i]);
	/* any bits: every exponent, subnormals, NaNs */
	for (size_t i = 0; i < 100000; i++, count++)
		check_number(from_bits(next()));
	/* log-uniform over the fast path and a little past both ends */
	for (size_t i = 0; i < 200000; i++, count++) {
		double e = -20 + 37 * (double)(next() >> 11) / 9007199254740992.0;
		double d = pow(10, e);

		check_number(next() & 1 ? -d : d);
	}
	/* rates and shares of counts, as an evaluation prints them */
	for (size_t i = 0; i < 200000; i++, count++) {
		uint64_t den = 1 + next() % 2000000, num = next() % (den + 1);

		check_number((double)num / (double)den);
	}
	/* near powers of two and of ten: a few doubles either side */
	for (int k = -25; k <= 60; k++) {
		for (int which = 0; which < 2; which++) {
			double c = which ? pow(10, k / 2) : ldexp(1, k);
			double d = c;

			for (int j = 0; j < 70; j++, count++) {
				check_number(d);
				d = nextafter(d, 0);
			}
			d = c;
			for (int j = 0; j < 70; j++, count++) {
				check_number(d);
				d = nextafter(d, INFINITY);
			}
		}
	}
	/* halves and quarters: exact ties in the decimal digits */
	for (size_t i = 0; i < 50000; i++, count++)
		check_number((double)(next() % 100000000000000000ULL) / 4);
	assert_true(count > 570000);
}

/* A document json_print() and cJSON print alike. */
static void same_text(const cJSON *doc)
{
	char *want = cJSON_PrintUnformatted(doc), *got = json_print(doc);

	assert_non_null(want);
	assert_non_null(got);
	assert_string_equal(got, want);
	cJSON_free(want);
	free(got);
}

static void test_json__documents(void **state)
{
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	cJSON *nested = cJSON_CreateObject();
	char every[256], key[16];

	(void)state;
	for (int c = 1; c < 256; c++)
		every[c - 1] = (char)c;
	every[255] = '\0';
	cJSON_AddStringToObject(doc, "every byte", every);
	cJSON_AddStringToObject(doc, "", "");
	cJSON_AddStringToObject(doc, "quote\"back\\slash\n\t\x01\x1f",
				"caf\xc3\xa9 \xe2\x82\xac \x7f");
	cJSON_AddNullToObject(doc, "null");
	cJSON_AddTrueToObject(doc, "yes");
	cJSON_AddFalseToObject(doc, "no");
	cJSON_AddRawToObject(doc, "raw", "[1, 2 ,3]");
	cJSON_AddItemToObject(doc, "empty array", cJSON_CreateArray());
	cJSON_AddItemToObject(doc, "empty object", cJSON_CreateObject());
	for (int i = 0; i < 40; i++) {
		cJSON *row = cJSON_CreateObject();

		snprintf(key, sizeof(key), "k%d", i);
		cJSON_AddNumberToObject(row, key, (double)i / 7);
		cJSON_AddNumberToObject(row, "n", i);
		cJSON_AddItemToObject(row, "list", cJSON_CreateArray());
		cJSON_AddItemToArray(cJSON_GetObjectItem(row, "list"),
				     cJSON_CreateString(key));
		cJSON_AddItemToArray(arr, row);
	}
	cJSON_AddItemToObject(nested, "rows", arr);
	cJSON_AddItemToObject(doc, "nested", nested);
	same_text(doc);
	same_text(arr);
	same_text(cJSON_GetObjectItem(doc, "every byte"));
	cJSON_Delete(doc);

	/* a raw item without text: both fail */
	doc = cJSON_CreateRaw("1");
	free(doc->valuestring);
	doc->valuestring = NULL;
	assert_null(cJSON_PrintUnformatted(doc));
	assert_null(json_print(doc));
	cJSON_Delete(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json__numbers),
		cmocka_unit_test(test_json__documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
