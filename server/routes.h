/*
 * routes.h - the route table: method, path pattern, roles, body kind and
 * handler of every endpoint, in one place (server/routes.c), so handlers
 * never re-check methods, roles or id syntax.
 */
#ifndef FA_ROUTES_H
#define FA_ROUTES_H

#include "server/http.h"

/*
 * Match method and path.  Returns 0 and sets *route and the {id} values
 * (positive integers; anything else in an {id} segment does not match), 404
 * when no pattern matches the path, 405 when one does with another method.
 */
int routes_match(const char *method, const char *path,
		 const struct route **route, int64_t *ids, size_t *nids);
/* The Allow header value for a path (thread-local storage), or NULL. */
const char *routes_allowed(const char *path);

extern const struct route routes[];
extern const size_t nroutes;

#endif
