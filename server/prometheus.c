/*
 * prometheus.c - see prometheus.h.  A small fixed table of (method, route,
 * status) series: routes are the patterns of the route table plus
 * "unmatched", so it cannot grow with traffic.
 */
#include "common/fa.h"
#include "server/prometheus.h"
#include <pthread.h>

#define MAX_SERIES 512

static const double buckets[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
				  1, 2.5, 5, 10, 30 };

struct series {
	const char *method, *route;
	int status;
	uint64_t count;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct series series[MAX_SERIES];
static size_t nseries;
static uint64_t hist[ARRAY_SIZE(buckets) + 1];
static double hist_sum;
static uint64_t hist_count;
static uint64_t rows_examples, rows_predictions;

void metrics_observe(const char *method, const char *route, int status,
		     double seconds)
{
	size_t i, b;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nseries; i++)
		if (series[i].status == status && !strcmp(series[i].route, route) &&
		    !strcmp(series[i].method, method))
			break;
	if (i == nseries && nseries < MAX_SERIES) {
		series[i].method = method;
		series[i].route = route;
		series[i].status = status;
		nseries++;
	}
	if (i < nseries)
		series[i].count++;
	for (b = 0; b < ARRAY_SIZE(buckets) && seconds > buckets[b]; b++)
		;
	hist[b]++;
	hist_sum += seconds;
	hist_count++;
	pthread_mutex_unlock(&lock);
}

void metrics_add_rows(const char *kind, uint64_t n)
{
	pthread_mutex_lock(&lock);
	if (!strcmp(kind, "examples"))
		rows_examples += n;
	else
		rows_predictions += n;
	pthread_mutex_unlock(&lock);
}

void metrics_render(struct buf *out)
{
	uint64_t cum = 0;

	pthread_mutex_lock(&lock);
	buf_adds(out, "# HELP fairaudit_http_requests_total HTTP requests by route and status.\n"
		 "# TYPE fairaudit_http_requests_total counter\n");
	for (size_t i = 0; i < nseries; i++)
		buf_addf(out, "fairaudit_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %llu\n",
			 series[i].method, series[i].route, series[i].status,
			 (unsigned long long)series[i].count);
	buf_adds(out, "# HELP fairaudit_http_request_duration_seconds Request latency.\n"
		 "# TYPE fairaudit_http_request_duration_seconds histogram\n");
	for (size_t b = 0; b < ARRAY_SIZE(buckets); b++) {
		cum += hist[b];
		buf_addf(out, "fairaudit_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
			 buckets[b], (unsigned long long)cum);
	}
	cum += hist[ARRAY_SIZE(buckets)];
	buf_addf(out, "fairaudit_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		 "fairaudit_http_request_duration_seconds_sum %.6f\n"
		 "fairaudit_http_request_duration_seconds_count %llu\n",
		 (unsigned long long)cum, hist_sum, (unsigned long long)hist_count);
	buf_addf(out, "# HELP fairaudit_rows_ingested_total Rows stored by uploads.\n"
		 "# TYPE fairaudit_rows_ingested_total counter\n"
		 "fairaudit_rows_ingested_total{kind=\"examples\"} %llu\n"
		 "fairaudit_rows_ingested_total{kind=\"predictions\"} %llu\n",
		 (unsigned long long)rows_examples,
		 (unsigned long long)rows_predictions);
	pthread_mutex_unlock(&lock);
}
