/*
 * fuzz_jsonnum.c - libFuzzer target for report/json.c's numbers: each 8
 * bytes of the input are a double (and, divided, a ratio of the first two
 * 32-bit halves, as rates are made).  Oracle: json_print() of the number
 * is cJSON_PrintUnformatted()'s text, json_format_g() is printf's %1.15g
 * and %1.17g, and its reading-back distance is true.
 */
#include "common/fa.h"
#include "report/json.h"
#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, double d, const char *a, const char *b)
{
	fprintf(stderr, "fuzz oracle: %s for %a: %s vs %s\n", what, d, a, b);
	abort();
}

static void check(double d)
{
	cJSON *n = cJSON_CreateNumber(d);
	char *want = cJSON_PrintUnformatted(n), *got = json_print(n);
	char s[32], f[32];
	int ulps;

	if (!want || !got || strcmp(want, got))
		fail("json_print", d, want ? want : "-", got ? got : "-");
	for (int prec = 15; prec <= 17; prec += 2) {
		json_format_g(s, d, prec, &ulps);
		snprintf(f, sizeof(f), "%1.*g", prec, d);
		if (strcmp(s, f))
			fail("json_format_g", d, f, s);
		if (ulps >= 0 && isfinite(d)) {
			double back = strtod(s, NULL);
			int real = back == d ? 0 :
				   back == nextafter(d, INFINITY) ||
				   back == nextafter(d, -INFINITY) ? 1 : 2;

			if (real != ulps)
				fail("ulps", d, f, s);
		}
	}
	free(want);
	free(got);
	cJSON_Delete(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i + 8 <= size; i += 8) {
		uint32_t a, b;
		double d;

		memcpy(&d, data + i, 8);
		check(d);
		memcpy(&a, data + i, 4);
		memcpy(&b, data + i + 4, 4);
		if (b)
			check((double)a / (double)b);
	}
	return 0;
}
