/*
 * http.c - libmicrohttpd glue: request lifecycle, routing, auth, bodies,
 * responses, access log.
 *
 * libmicrohttpd calls the access handler several times per request:
 *   1. first with no body: we build the request, match the route, check the
 *      key; errors are answered at once (the body is then never read);
 *   2. once per body chunk: JSON bodies are collected up to their cap,
 *      streamed bodies go to the route's stream_data as they arrive;
 *   3. once more with no data: the handler runs and responds.
 * The completion callback releases the request: database lease (rolling
 * back anything still open), upload state, body; then logs and counts it.
 * Threads: one per connection, so a handler may block on PostgreSQL.
 */
#include "common/fa.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/http.h"
#include "server/log.h"
#include "server/metrics.h"
#include "server/routes.h"
#include "server/share.h"
#include <microhttpd.h>
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <time.h>

static const char *role_names[] = { "admin", "analyst", "hunter", "viewer" };

static unsigned role_bit(const char *role)
{
	for (size_t i = 0; i < ARRAY_SIZE(role_names); i++)
		if (!strcmp(role, role_names[i]))
			return 1u << i;
	return 0;
}

struct db *req_db(struct request *r)
{
	if (!r->db)
		r->db = store_lease(r->srv->store);
	return r->db;
}

const char *req_arg(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/*
 * libmicrohttpd sends a response queued while the body is still arriving
 * only once the client has stopped sending, which a client that waits for
 * the whole body to be read never does.  So a response decided in the
 * middle of the body is kept here and queued by request_end, after the rest
 * of the body has been read and discarded.
 */
static void queue(struct request *r)
{
	struct MHD_Response *resp;
	int status = r->status;

	resp = MHD_create_response_from_buffer(r->resp_bytes, r->resp_body,
					       MHD_RESPMEM_MUST_FREE);
	r->resp_body = NULL;
	MHD_add_response_header(resp, "Content-Type", r->resp_type);
	MHD_add_response_header(resp, "X-Request-Id", r->request_id);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (!strncmp(r->resp_type, "text/html", 9)) {
		MHD_add_response_header(resp, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
			" base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
		MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	}
	if (status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate",
					"Bearer realm=\"fairaudit\"");
	if (status == 405 && r->route == NULL) {
		const char *allow = routes_allowed(r->url);
		if (allow)
			MHD_add_response_header(resp, "Allow", allow);
	}
	MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

void respond(struct request *r, int status, const char *content_type,
	     char *body, size_t len)
{
	if (r->responded) {
		free(body);
		return;
	}
	r->responded = true;
	r->status = status;
	r->resp_bytes = len;
	r->resp_body = body;
	r->resp_type = content_type;
	if (!r->in_body)
		queue(r);
}

void respond_json(struct request *r, int status, cJSON *doc)
{
	char *s = cJSON_PrintUnformatted(doc);

	cJSON_Delete(doc);
	if (!s)
		die("could not serialise a response");
	respond(r, status, "application/json", s, strlen(s));
}

static const char *problem_slug(int status)
{
	switch (status) {
	case 400: return "bad-request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not-found";
	case 405: return "method-not-allowed";
	case 409: return "conflict";
	case 413: return "payload-too-large";
	case 415: return "unsupported-media-type";
	case 422: return "invalid-input";
	case 429: return "budget-exhausted";
	case 503: return "unavailable";
	default: return "internal-error";
	}
}

void respond_problem_doc(struct request *r, int status, cJSON *doc)
{
	char type[80];
	char *s;

	snprintf(type, sizeof(type), "https://fairaudit.dev/problems/%s",
		 problem_slug(status));
	if (!cJSON_GetObjectItem(doc, "type"))
		cJSON_AddStringToObject(doc, "type", type);
	if (!cJSON_GetObjectItem(doc, "status"))
		cJSON_AddNumberToObject(doc, "status", status);
	cJSON_AddStringToObject(doc, "request_id", r->request_id);
	s = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!s)
		die("could not serialise a response");
	respond(r, status, "application/problem+json", s, strlen(s));
}

void respond_problem(struct request *r, int status, const char *title,
		     const char *fmt, ...)
{
	cJSON *doc = cJSON_CreateObject();
	struct buf detail = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&detail, fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(doc, "title", title);
	cJSON_AddStringToObject(doc, "detail", detail.s);
	buf_release(&detail);
	respond_problem_doc(r, status, doc);
}

void respond_internal(struct request *r)
{
	respond_problem(r, 500, "Internal error",
			"the request could not be completed; quote request id %s"
			" to the operator", r->request_id);
}

/* Bearer key check for routes that need one; responds on failure. */
static int authenticate_or_respond(struct request *r)
{
	const char *h = req_header(r, "Authorization");
	int rc;

	if (!h || strncasecmp(h, "Bearer ", 7)) {
		respond_problem(r, 401, "Unauthorized",
				"this route needs an API key in an"
				" \"Authorization: Bearer KEY\" header");
		return -1;
	}
	h += 7;
	while (*h == ' ')
		h++;
	rc = store_key_check(req_db(r), h, &r->key);
	if (rc < 0) {
		respond_problem(r, 503, "Database unavailable",
				"the key could not be checked; try again");
		return -1;
	}
	if (rc > 0) {
		respond_problem(r, 401, "Unauthorized",
				"the API key is not valid or has been revoked");
		return -1;
	}
	r->has_key = true;
	if (!(r->route->roles & role_bit(r->key.role))) {
		respond_problem(r, 403, "Forbidden",
				"role \"%s\" may not %s %s", r->key.role,
				r->method, r->route->pattern);
		return -1;
	}
	return 0;
}

static void new_request_id(char *out, size_t n)
{
	unsigned char rnd[8];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		die("could not read random bytes");
	snprintf(out, n, "%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1],
		 rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
}

/* A share token instead of a key, for read-only pages; responds on failure. */
static int share_or_respond(struct request *r, const char *token)
{
	char scope[48];
	enum share_check c;

	if (r->route->share == SHARE_EVALUATION)
		snprintf(scope, sizeof(scope), "evaluation:%lld", (long long)r->ids[0]);
	else
		snprintf(scope, sizeof(scope), "all");
	c = share_verify(req_db(r), token, scope);
	switch (c) {
	case SHARE_OK:
		r->share = token;
		return 0;
	case SHARE_EXPIRED:
		respond_problem(r, 403, "Share link expired",
				"this share link has expired; ask for a new one");
		return -1;
	case SHARE_REVOKED:
		respond_problem(r, 403, "Share link revoked",
				"this share link has been revoked");
		return -1;
	case SHARE_WRONG_SCOPE:
		respond_problem(r, 403, "Forbidden",
				"this share link does not open %s", r->url);
		return -1;
	case SHARE_DB_ERROR:
		respond_problem(r, 503, "Database unavailable",
				"the share link could not be checked; try again");
		return -1;
	default:
		respond_problem(r, 401, "Unauthorized",
				"the share link is not valid");
		return -1;
	}
}

static size_t json_max(const struct route *rt)
{
	return rt->json_max ? rt->json_max : FA_MAX_JSON_BODY;
}

/* Step 1: a new request. */
static void request_begin(struct request *r)
{
	int match = routes_match(r->method, r->url, &r->route, r->ids, &r->nids);

	if (match == 404) {
		respond_problem(r, 404, "Not found", "no route for %s %s",
				r->method, r->url);
		return;
	}
	if (match == 405) {
		respond_problem(r, 405, "Method not allowed",
				"%s is not allowed on %s", r->method, r->url);
		return;
	}
	if (r->route->roles != ROLE_PUBLIC) {
		const char *token = req_arg(r, "share");

		if (r->route->share != SHARE_NONE && token &&
		    !req_header(r, "Authorization")) {
			if (share_or_respond(r, token))
				return;
		} else if (authenticate_or_respond(r)) {
			return;
		}
	}
	if (r->route->body == BODY_JSON) {
		const char *cl = req_header(r, "Content-Length");
		size_t max = json_max(r->route);
		int64_t len;

		buf_init(&r->body, max);
		if (cl && !parse_i64(cl, strlen(cl), &len) &&
		    (uint64_t)len > max) {
			respond_problem(r, 413, "Payload too large",
					"a JSON request body here may be at "
					"most %zu bytes", max);
			return;
		}
	}
	if (r->route->body == BODY_STREAM && r->route->stream_begin)
		r->route->stream_begin(r);
}

/* Step 2: one chunk of body. */
static void request_data(struct request *r, const char *data, size_t n)
{
	if (r->responded)
		return;
	switch (r->route->body) {
	case BODY_JSON:
		if (buf_add(&r->body, data, n) < 0)
			respond_problem(r, 413, "Payload too large",
					"a JSON request body here may be at "
					"most %zu bytes", json_max(r->route));
		break;
	case BODY_STREAM:
		if (!r->stream_failed && r->route->stream_data(r, data, n))
			r->stream_failed = true;
		break;
	case BODY_NONE:
		break;
	}
}

/* Step 3: the body is complete. */
static void request_end(struct request *r)
{
	if (r->responded)
		return;
	if (r->route->body == BODY_JSON) {
		/* An empty body is an empty object: every field's default. */
		if (r->body.len == 0)
			r->json = cJSON_CreateObject();
		else
			r->json = cJSON_ParseWithLength(r->body.s, r->body.len);
		if (!r->json || !cJSON_IsObject(r->json)) {
			respond_problem(r, 400, "Bad request",
					"the request body is not a JSON object");
			return;
		}
	}
	r->route->handle(r);
	if (!r->responded) {
		log_error("handler for %s %s did not respond", r->method,
			  r->route->pattern);
		respond_internal(r);
	}
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version, const char *data,
				      size_t *data_size, void **con_cls)
{
	struct request *r = *con_cls;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->srv = cls;
		r->conn = conn;
		r->url = url;
		r->method = method;
		r->started = now_seconds();
		buf_init(&r->body, FA_MAX_JSON_BODY);
		new_request_id(r->request_id, sizeof(r->request_id));
		log_set_request_id(r->request_id);
		*con_cls = r;
		request_begin(r);
		return MHD_YES;
	}
	log_set_request_id(r->request_id);
	if (*data_size) {
		r->in_body = true;
		request_data(r, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	r->in_body = false;
	if (r->responded && r->resp_body)
		queue(r);	/* decided while the body was arriving */
	else
		request_end(r);
	return MHD_YES;
}

static void access_log(struct request *r, const struct sockaddr *peer)
{
	struct buf line = BUF_INIT;
	char host[64] = "";
	struct timespec ts;
	struct tm tm;
	char when[40];

	if (peer && peer->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)peer)->sin_addr,
			  host, sizeof(host));
	else if (peer && peer->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)peer)->sin6_addr,
			  host, sizeof(host));
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_addf(&line, "{\"ts\":\"%s.%03ldZ\",\"level\":\"info\",\"msg\":\"access\","
		 "\"request_id\":\"%s\",\"remote\":\"%s\",\"method\":\"",
		 when, ts.tv_nsec / 1000000, r->request_id, host);
	buf_add_json_escaped(&line, r->method, strlen(r->method));
	buf_adds(&line, "\",\"path\":\"");
	buf_add_json_escaped(&line, r->url, strlen(r->url));
	buf_addf(&line, "\",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,"
		 "\"ms\":%.3f", r->route ? r->route->pattern : "unmatched",
		 r->status, r->resp_bytes, (now_seconds() - r->started) * 1000);
	if (r->has_key)
		buf_addf(&line, ",\"key_id\":%lld", (long long)r->key.id);
	buf_addch(&line, '}');
	log_raw(line.s);
	buf_release(&line);
}

static void request_completed(void *cls, struct MHD_Connection *conn,
			      void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;
	struct server *srv = cls;
	const union MHD_ConnectionInfo *ci;

	(void)toe;
	if (!r)
		return;
	if (r->route && r->route->stream_free)
		r->route->stream_free(r);
	if (r->db)
		store_return(srv->store, r->db);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!r->responded)
		r->status = 499;	/* the client went away */
	access_log(r, ci ? ci->client_addr : NULL);
	metrics_observe(r->route ? r->route->method : "-",
			r->route ? r->route->pattern : "unmatched", r->status,
			now_seconds() - r->started);
	log_set_request_id(NULL);
	cJSON_Delete(r->json);
	buf_release(&r->body);
	free(r->resp_body);
	free(r);
	*con_cls = NULL;
}

static int parse_addr(const char *addr, struct sockaddr_in *sa, struct buf *err)
{
	const char *colon = strrchr(addr, ':');
	char host[64];
	int64_t port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (!colon || (size_t)(colon - addr) >= sizeof(host) ||
	    parse_i64(colon + 1, strlen(colon + 1), &port) || port < 0 ||
	    port > 65535) {
		buf_addf(err, "listen address \"%s\" is not HOST:PORT", addr);
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	if (inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) != 1) {
		buf_addf(err, "listen address \"%s\" has no IPv4 host", addr);
		return -1;
	}
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

int http_start(struct server *srv, const char *addr, struct buf *err)
{
	struct sockaddr_in sa;

	if (parse_addr(addr, &sa, err))
		return -1;
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_ERROR_LOG,
		0, NULL, NULL, access_handler, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_END);
	if (!srv->daemon) {
		buf_addf(err, "could not listen on %s: %s", addr, strerror(errno));
		return -1;
	}
	return 0;
}

void http_stop(struct server *srv)
{
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
}
