/*
 * reqjson.h - typed, range-checked getters for JSON request bodies.
 *
 * Each getter returns 0 with the value, or responds 422 naming the field and
 * returns -1 (the ..._or_respond convention: the caller just returns).
 * A missing optional field leaves *out untouched and returns 0.
 */
#ifndef FA_REQJSON_H
#define FA_REQJSON_H

#include "server/http.h"

/*
 * String field of at most max bytes of valid UTF-8, no control characters.
 * *out points into the request's JSON tree.
 */
int json_string_or_respond(struct request *r, const cJSON *obj,
			   const char *field, bool required, size_t max,
			   const char **out);
/*
 * Array of strings, each checked as by json_string_or_respond() (required,
 * at most max bytes), at most max_items of them.  *out is a malloc'ed array
 * of pointers into the JSON tree (NULL and *n = 0 when the field is
 * absent), freed by the caller.
 */
int json_strings_or_respond(struct request *r, const cJSON *obj,
			    const char *field, size_t max, size_t max_items,
			    const char ***out, size_t *n);
/* Boolean field. */
int json_bool_or_respond(struct request *r, const cJSON *obj,
			 const char *field, bool *out);
/* Positive id parsed from a query argument "true"/"false"/"1"/"0". */
bool arg_true(struct request *r, const char *name);
/* Reject body fields not in the NULL-terminated allowed list. */
int json_known_fields_or_respond(struct request *r, const cJSON *obj,
				 const char *const *allowed);

/* Add k: v to o, or k: null when v is NULL. */
void json_add_str_or_null(cJSON *o, const char *k, const char *v);

#endif
