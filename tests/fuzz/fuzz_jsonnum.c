/*
 * fuzz_jsonnum.c - libFuzzer target for report/json.c's numbers: each 8
 * bytes of the input are a double (and, divided, a ratio of the first two
 * 32-bit halves, as rates are made).  Oracle: json_print() of the number
 * is cJSON_PrintUnformatted()'s text, json_format_g() is printf's %1.15g
 * and %1.17g, and its reading-back distance is true.
 */
#include "common/fa.h"
#include "report/json.h"
#include "tests/unit/report/json_number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(double d)
{
	char msg[160];

	if (json_number_differs(d, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz oracle: %s\n", msg);
		abort();
	}
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
