/*
 * log.h - structured log lines on stderr.
 *
 * Every line is one JSON object with a timestamp, a level, the request id of
 * the request being served on this thread (if any) and a message.  Database
 * and other internal error text goes here and nowhere else: clients get a
 * generic message and the request id to quote.
 */
#ifndef FA_LOG_H
#define FA_LOG_H

#include "common/fa.h"

/* The request id logged with lines written on this thread ("" for none). */
void log_set_request_id(const char *id);
const char *log_request_id(void);

void log_info(const char *fmt, ...) FA_PRINTF(1, 2);
void log_error(const char *fmt, ...) FA_PRINTF(1, 2);
/* A pre-formatted JSON object line (the access log). */
void log_raw(const char *line);

#endif
