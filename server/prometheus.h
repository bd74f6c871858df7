/*
 * prometheus.h - Prometheus counters and a latency histogram.
 *
 * Requests are counted by route pattern (never the raw path, so the label
 * set stays bounded) and status; latency goes into fixed buckets.  All
 * updates take one mutex; rendering produces the text exposition format.
 */
#ifndef FA_PROMETHEUS_H
#define FA_PROMETHEUS_H

#include "common/fa.h"
#include "common/buf.h"

void metrics_observe(const char *method, const char *route, int status,
		     double seconds);
void metrics_add_rows(const char *kind, uint64_t n);
void metrics_render(struct buf *out);

#endif
