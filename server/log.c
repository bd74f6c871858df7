/*
 * log.c - one JSON object per line on stderr, serialised by a mutex so lines
 * from concurrent requests never interleave.
 */
#include "common/fa.h"
#include "common/buf.h"
#include "server/log.h"
#include <pthread.h>
#include <time.h>

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread char request_id[40];

void log_set_request_id(const char *id)
{
	snprintf(request_id, sizeof(request_id), "%s", id ? id : "");
}

const char *log_request_id(void)
{
	return request_id;
}

static void log_line(const char *level, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, line = BUF_INIT;
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_vaddf(&msg, fmt, ap);
	buf_addf(&line, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", when,
		 ts.tv_nsec / 1000000, level);
	if (request_id[0])
		buf_addf(&line, ",\"request_id\":\"%s\"", request_id);
	buf_adds(&line, ",\"msg\":\"");
	buf_add_json_escaped(&line, msg.s, msg.len);
	buf_adds(&line, "\"}");
	log_raw(line.s);
	buf_release(&msg);
	buf_release(&line);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

void log_raw(const char *line)
{
	pthread_mutex_lock(&log_lock);
	fputs(line, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
