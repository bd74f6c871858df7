/*
 * json_number.h - the check of one number that tests/unit/report/json.c
 * and tests/fuzz/fuzz_jsonnum.c make: json_print() of it is cJSON's
 * text, json_format_g() is printf's %1.15g and %1.17g, and the distance
 * it reports from the text read back is true.  NULL, or what differs
 * (in msg, n bytes).
 */
#ifndef FA_TESTS_JSON_NUMBER_H
#define FA_TESTS_JSON_NUMBER_H

#include "common/fa.h"
#include "report/json.h"
#include <math.h>

static const char *json_number_differs(double d, char *msg, size_t n)
{
	cJSON *num = cJSON_CreateNumber(d);
	char *want = cJSON_PrintUnformatted(num), *got = json_print(num);
	char s[32], f[32];
	int ulps;

	msg[0] = '\0';
	if (!want || !got || strcmp(want, got))
		snprintf(msg, n, "%a: cJSON %s, json_print %s", d,
			 want ? want : "-", got ? got : "-");
	for (int prec = 15; prec <= 17 && !msg[0]; prec += 2) {
		json_format_g(s, d, prec, &ulps);
		snprintf(f, sizeof(f), "%1.*g", prec, d);
		if (strcmp(s, f)) {
			snprintf(msg, n, "%a: printf %s, json_format_g %s", d,
				 f, s);
		} else if (ulps >= 0 && isfinite(d)) {
			double back = strtod(s, NULL);
			int real = back == d ? 0 :
				   back == nextafter(d, INFINITY) ||
				   back == nextafter(d, -INFINITY) ? 1 : 2;

			if (real != ulps)
				snprintf(msg, n, "%a (%s): %d ulps, not %d", d,
					 s, real, ulps);
		}
	}
	free(want);
	free(got);
	cJSON_Delete(num);
	return msg[0] ? msg : NULL;
}

#endif
