/*
 * limits.h - every cap on input the service enforces, named in one place.
 *
 * Handlers and parsers refer to these names, and the error messages quote
 * them, so a user who hits a limit learns which one.  Overridable at build
 * time with -D for deployments that need more; those marked "env" also at
 * run time (cli/main.c reads them into struct http_limits).
 */
#ifndef FA_LIMITS_H
#define FA_LIMITS_H

#ifndef FA_MAX_FIELD_BYTES
#define FA_MAX_FIELD_BYTES (64 * 1024)		/* one CSV/JSON field */
#endif
#ifndef FA_MAX_COLUMNS
#define FA_MAX_COLUMNS 256			/* columns in one upload */
#endif
#ifndef FA_MAX_ROWS
#define FA_MAX_ROWS 50000000			/* rows in one upload */
#endif
#ifndef FA_MAX_UPLOAD_BYTES
/* one upload body; env FAIRAUDIT_MAX_UPLOAD_BYTES */
#define FA_MAX_UPLOAD_BYTES (4ULL * 1024 * 1024 * 1024)
#endif
#ifndef FA_MAX_JSON_BODY
#define FA_MAX_JSON_BODY (1024 * 1024)		/* a JSON request body */
#endif
#ifndef FA_MAX_SUBMISSION_BODY
/* A bounty submission, whose h may be given as predictions for every
 * example of its group: about 400,000 of them. */
#define FA_MAX_SUBMISSION_BODY (16 * 1024 * 1024)
#endif
#ifndef FA_MAX_ERRORS
#define FA_MAX_ERRORS 100			/* row errors reported per upload */
#endif
#ifndef FA_MAX_COHORT_ATTRS
#define FA_MAX_COHORT_ATTRS 8			/* attributes in one grouping */
#endif
#ifndef FA_MAX_NAME_BYTES
#define FA_MAX_NAME_BYTES 200			/* dataset, model, column names */
#endif

/*
 * Connections (server/http.c).  A client must send its request headers
 * within FA_HEADER_TIMEOUT seconds of connecting (or of its previous
 * request's end), and then its body at FA_BODY_MIN_RATE bytes a second on
 * average once FA_HEADER_TIMEOUT seconds have passed (an idle keep-alive
 * connection waiting for its next request gets FA_HEADER_TIMEOUT too); a
 * connection on which no byte moves for FA_IDLE_TIMEOUT seconds, not
 * counting the time the server spends on it, is closed whatever it is doing.
 */
#ifndef FA_HEADER_TIMEOUT
#define FA_HEADER_TIMEOUT 10			/* env FAIRAUDIT_HEADER_TIMEOUT */
#endif
#ifndef FA_BODY_MIN_RATE
#define FA_BODY_MIN_RATE 4096			/* env FAIRAUDIT_BODY_MIN_RATE */
#endif
#ifndef FA_IDLE_TIMEOUT
#define FA_IDLE_TIMEOUT 60			/* env FAIRAUDIT_IDLE_TIMEOUT */
#endif
#ifndef FA_MAX_CONNECTIONS
#define FA_MAX_CONNECTIONS 2048			/* env FAIRAUDIT_MAX_CONNECTIONS */
#endif
#ifndef FA_MAX_CONNECTIONS_PER_IP
/* env FAIRAUDIT_MAX_CONNECTIONS_PER_IP; 0 (no cap) behind a proxy */
#define FA_MAX_CONNECTIONS_PER_IP 64
#endif

#ifndef FA_KEY_NAME_MAX
#define FA_KEY_NAME_MAX 128			/* API key names */
#endif

#endif
