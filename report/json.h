/*
 * json.h - a cJSON document as compact text, fast.
 *
 * json_print() returns exactly the text cJSON_PrintUnformatted() returns
 * (malloc'd; the caller frees it), or NULL where cJSON fails (a raw item
 * without text).  cJSON prints a number that is not an int with
 * printf("%1.15g"), reads that back with sscanf and, unless it is within
 * DBL_EPSILON (relative) of the number, prints printf("%1.17g") instead:
 * two or three calls of a multi-precision printf, most of the time of an
 * evaluation's output.  json_print_number() gives the same characters from
 * exact 128-bit integer arithmetic for numbers from about 1e-16 up to
 * 2^53, and through printf and strtod otherwise.
 */
#ifndef FA_REPORT_JSON_H
#define FA_REPORT_JSON_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

char *json_print(const cJSON *doc);

/* The characters cJSON prints for the number d. */
void json_print_number(struct buf *out, double d);

/*
 * printf("%1.*g", prec, d)'s characters into out (at least 32 bytes) for
 * prec 15 or 17, NUL-terminated; their length.  *ulps is how far from d
 * the double nearest that text is: 0 (it reads back as d), 1 (a
 * neighbour of d), 2 (further), or -1: not known.
 */
size_t json_format_g(char *out, double d, int prec, int *ulps);

#endif
