/*
 * http.h - the request lifecycle, routing and responses.
 *
 * server/http.c is the only file that speaks libmicrohttpd.  It parses the
 * request line into a `struct request`, finds the route, checks the API key
 * against the route's roles, collects or streams the body, calls the
 * handler, and after the response is sent releases everything the request
 * held (its database lease, its upload state) and writes the access log line
 * and the metrics.
 *
 * Handlers follow one shape: parse input, call storage and pure code,
 * serialise, respond exactly once through the respond_* functions below.
 * Every response carries X-Request-Id; every error is
 * application/problem+json (RFC 9457) with the request id in it; every 503
 * carries Retry-After.
 *
 * What a handler can rely on, because http.c refuses the rest with 400 or
 * 413 before the handler runs:
 *   - the path and query arguments are what the client sent: no NUL, no
 *     control character, valid UTF-8, only well-formed percent escapes;
 *   - a JSON body passed common/jsoncheck.h (no NUL or \u0000, valid UTF-8,
 *     no duplicate keys, nothing after the value) and is an object;
 *   - a body is at most json_max (JSON), limits.max_upload (streams) or
 *     FA_MAX_JSON_BODY (routes that take none, which ignore it) bytes.
 * A response decided while a body is still arriving is sent at once and the
 * connection closed; at most a few MiB more of the body, for at most a
 * second, are read and dropped first (RFC 9112 9.6), so a client that reads
 * only once it has sent everything still gets the answer.
 */
#ifndef FA_HTTP_H
#define FA_HTTP_H

#include "common/fa.h"
#include "common/buf.h"
#include "server/store.h"
#include <cjson/cJSON.h>

struct MHD_Connection;
struct request;

enum role_bits {
	ROLE_ADMIN = 1,
	ROLE_ANALYST = 2,
	ROLE_HUNTER = 4,
	ROLE_VIEWER = 8,
	ROLE_ANY = 15,
	ROLE_PUBLIC = 0,	/* no key needed */
};

enum body_kind {
	BODY_NONE,
	BODY_JSON,	/* collected up to json_max, parsed before handle */
	BODY_STREAM,	/* fed to stream_data chunk by chunk */
};

struct route {
	const char *method;
	const char *pattern;	/* "/v1/datasets/{id}/examples" */
	unsigned roles;
	enum body_kind body;
	/* Called once the whole body is in (or streamed). */
	void (*handle)(struct request *r);
	/*
	 * Streaming routes: begin is called after auth, before any body
	 * byte; it may respond (then the body is never read).  data gets each
	 * chunk; it returns nonzero after recording a failure, and handle is
	 * then called at once, with the rest of the body unread (the
	 * connection is closed after the response).
	 */
	void (*stream_begin)(struct request *r);
	int (*stream_data)(struct request *r, const char *data, size_t n);
	/* Frees whatever stream_begin put in r->upload. */
	void (*stream_free)(struct request *r);
	/*
	 * Read-only pages a browser may open with ?share=TOKEN instead of a
	 * key (server/share.h): SHARE_EVALUATION for the evaluation named by
	 * the first {id}, SHARE_ALL for pages only an "all" link opens.
	 */
	enum { SHARE_NONE, SHARE_EVALUATION, SHARE_ALL } share;
	/* BODY_JSON: the largest body, bytes; 0 means FA_MAX_JSON_BODY. */
	size_t json_max;
};

/*
 * What one client may hold, and for how long; main.c fills it from the
 * environment (defaults in common/limits.h).  A connection whose request
 * headers are not complete header_timeout seconds after it opened (or
 * after its previous request ended), or whose body, once header_timeout
 * seconds have passed, has averaged fewer than body_min_rate bytes a second
 * of the time spent waiting for it, is closed by a watchdog thread.
 */
struct http_limits {
	uint64_t max_upload;		/* bytes in one streamed upload body */
	unsigned header_timeout;	/* seconds; 0: no deadline */
	unsigned body_min_rate;		/* bytes per second; 0: no minimum */
	unsigned idle_timeout;		/* seconds without a byte; 0: none */
	unsigned max_connections;	/* open at once */
	unsigned max_per_ip;		/* open at once from one address; 0: no cap */
};

struct http_watch;

struct server {
	struct store *store;
	struct MHD_Daemon *daemon;
	const char *addr;
	char *share_secret;	/* HMAC key for report share links */
	struct http_limits limits;
	struct http_watch *watch;	/* http.c's watchdog */
	/*
	 * The route table (server/routes.h), set by the caller, so that
	 * http.c does not depend on the handlers the routes point to.
	 */
	int (*route_match)(const char *method, const char *path,
			   const struct route **route, int64_t *ids,
			   size_t *nids);
	const char *(*route_allowed)(const char *path);
};

struct conn_watch;

struct request {
	struct server *srv;
	struct MHD_Connection *conn;
	const struct route *route;
	const char *method;
	const char *url;
	int64_t ids[4];		/* the {id} segments of the path, in order */
	size_t nids;
	char request_id[40];
	struct key_info key;	/* the caller, when the route needs a key */
	bool has_key;
	const char *share;	/* the share token that opened this page */
	struct db *db;		/* leased on first use by req_db() */
	struct buf body;	/* BODY_JSON */
	cJSON *json;		/* BODY_JSON, parsed */
	void *upload;		/* BODY_STREAM state */
	bool stream_failed;
	bool responded;
	bool in_body;		/* between the first and the last body chunk */
	uint64_t body_bytes;	/* received so far */
	bool lingering;		/* answered mid-body: draining the rest */
	uint64_t linger_until;	/* ... up to this many body bytes */
	struct conn_watch *cw;	/* the connection's watchdog record */
	char *resp_body;	/* decided mid-body, until send_now sends it */
	const char *resp_type;
	int status;
	size_t resp_bytes;
	double started;
};

int http_start(struct server *srv, const char *addr, struct buf *err);
void http_stop(struct server *srv);

/* The request's database connection, leased on first call. */
struct db *req_db(struct request *r);
/* A query-string argument, or NULL. */
const char *req_arg(struct request *r, const char *name);
/* A request header, or NULL. */
const char *req_header(struct request *r, const char *name);

/* Respond with body (taken over and freed). */
void respond(struct request *r, int status, const char *content_type,
	     char *body, size_t len);
/*
 * Respond with a rendered HTML page: 200 with page's bytes (taken over;
 * page is left empty) when the renderer returned rc 0, else log
 * "what: err" and answer 500.
 */
void respond_page(struct request *r, int rc, struct buf *page,
		  const struct buf *err, const char *what);
/*
 * Respond with a body made piece by piece and sent as it is made
 * (chunked), for bodies too large to hold.  read(cls, buf, max) puts up to
 * max bytes in buf and returns how many (never 0), STREAM_END when there
 * are no more, or STREAM_ERROR to cut the response short (the connection
 * is closed, so the client sees it incomplete).  read runs on the
 * connection's thread after the handler has returned.  done(cls) runs
 * exactly once, when libmicrohttpd is finished with the response (sent,
 * cut, the client gone, or never queued), possibly after the request has
 * been released: cls owns whatever read needs, a database lease included
 * (moved out of r->db, so that it is not returned before).  For routes
 * without a body.
 */
#define STREAM_END (-1)
#define STREAM_ERROR (-2)
void respond_stream(struct request *r, int status, const char *content_type,
		    ssize_t (*read)(void *cls, char *buf, size_t max),
		    void (*done)(void *cls), void *cls);
/* Respond with JSON; the tree is freed. */
void respond_json(struct request *r, int status, cJSON *doc);
/* Respond with a problem document; detail is printf-style. */
void respond_problem(struct request *r, int status, const char *title,
		     const char *fmt, ...) FA_PRINTF(4, 5);
/* Respond with a problem document the caller built (title etc. set). */
void respond_problem_doc(struct request *r, int status, cJSON *doc);
/*
 * 500 with a generic message; the cause is already in the log.  When the
 * request's database connection no longer answers (the server went away
 * or ended our session: a retry gets a fresh connection) it is 503
 * "Database unavailable" instead.  Call it after a failed storage function
 * has ended its transaction, as they all do on failure.
 */
void respond_internal(struct request *r);


#endif
