/*
 * limits.h - every cap on input the service enforces, named in one place.
 *
 * Handlers and parsers refer to these names, and the error messages quote
 * them, so a user who hits a limit learns which one.  Overridable at build
 * time with -D for deployments that need more.
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
#define FA_MAX_UPLOAD_BYTES (4ULL * 1024 * 1024 * 1024) /* one upload body */
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

#ifndef FA_KEY_NAME_MAX
#define FA_KEY_NAME_MAX 128			/* API key names */
#endif

#endif
