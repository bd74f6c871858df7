/*
 * http.c - libmicrohttpd glue: request lifecycle, routing, auth, bodies,
 * responses, access log, connection limits.
 *
 * libmicrohttpd calls the access handler several times per request:
 *   1. first with no body: we build the request, refuse a target the URI
 *      callback found bad, match the route, check the key and the declared
 *      body size; errors are answered at once (the body is then never read);
 *   2. once per body chunk: bytes are counted against the route's cap, JSON
 *      bodies are collected, streamed bodies go to the route's stream_data
 *      as they arrive; a response decided here is sent at once (send_now)
 *      and the connection closed, so a refused body is not read on;
 *   3. once more with no data: the JSON body is checked (jsoncheck.h) and
 *      parsed, the handler runs and responds.
 * The completion callback releases the request: database lease (rolling
 * back anything still open), upload state, body; then logs and counts it.
 *
 * Threads: one per connection (handlers block on PostgreSQL), polled with
 * poll(2) so descriptors past FD_SETSIZE work.  Idle connections cost a
 * thread each, so they are bounded three ways: a cap on connections in all
 * and per client address (libmicrohttpd's), and a watchdog thread that
 * closes a connection still sending its headers header_timeout seconds
 * after it opened, or whose body arrives slower than body_min_rate
 * (libmicrohttpd's own timeout restarts with every byte, so a client
 * sending one byte a second would never reach it).
 */
#include "common/fa.h"
#include "common/jsoncheck.h"
#include "common/limits.h"
#include "common/util.h"
#include "server/http.h"
#include "report/html.h"
#include "server/log.h"
#include "server/prometheus.h"
#include "server/share.h"
#include "report/json.h"
#include <microhttpd.h>
#include <arpa/inet.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#define RETRY_AFTER "5"		/* seconds, on every 503 */
#define WATCH_PERIOD_MS 200	/* how often the watchdog looks */
#define SEND_NOW_SECONDS 2	/* to write a response decided mid-body */
#define LINGER_BYTES (4u << 20)	/* then read and drop at most this much */
#define LINGER_SECONDS 1	/* ... for at most this long */

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

/* ---- connections and the watchdog ---- */

enum conn_phase {
	PHASE_HEADERS,	/* waiting for a request's headers */
	PHASE_BODY,	/* waiting for its body */
	PHASE_BUSY,	/* ours: handling it, or sending the response */
	PHASE_LINGER,	/* answered mid-body: dropping what still comes */
};

/* One per connection, as libmicrohttpd's socket context. */
struct conn_watch {
	struct conn_watch *prev, *next;
	int fd;
	enum conn_phase phase;
	double since;		/* when the phase began */
	bool working;		/* PHASE_BODY: inside our code with a chunk */
	double entered;		/* ... since then */
	double busy;		/* PHASE_BODY: seconds spent in our code */
	uint64_t bytes;		/* PHASE_BODY: bytes received */
	bool cut;		/* shut down by the watchdog */
	/* Set by the URI callback when this request's target is refused. */
	char target_error[160];
};

struct http_watch {
	pthread_mutex_t lock;	/* the list and every record's fields but
				   target_error (the connection's own) */
	pthread_cond_t wake;
	pthread_t thread;
	bool stopping;
	struct conn_watch *head;
	struct http_limits limits;
};

static struct conn_watch *conn_watch_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void conn_phase(struct server *srv, struct conn_watch *cw,
		       enum conn_phase phase)
{
	if (!cw)
		return;
	pthread_mutex_lock(&srv->watch->lock);
	cw->phase = phase;
	cw->since = now_seconds();
	cw->working = false;
	cw->busy = 0;
	cw->bytes = 0;
	pthread_mutex_unlock(&srv->watch->lock);
}

/* Bracket our work on one body chunk of n bytes, so it is not the client's. */
static void conn_working(struct server *srv, struct conn_watch *cw, bool on,
			 size_t n)
{
	if (!cw)
		return;
	pthread_mutex_lock(&srv->watch->lock);
	if (on) {
		cw->working = true;
		cw->entered = now_seconds();
		cw->bytes += n;
	} else if (cw->working) {
		cw->working = false;
		cw->busy += now_seconds() - cw->entered;
	}
	pthread_mutex_unlock(&srv->watch->lock);
}

static void conn_notify(void *cls, struct MHD_Connection *conn,
			void **socket_context,
			enum MHD_ConnectionNotificationCode code)
{
	struct http_watch *w = ((struct server *)cls)->watch;
	struct conn_watch *cw;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

		cw = xcalloc(1, sizeof(*cw));
		cw->fd = ci ? ci->connect_fd : -1;
		cw->phase = PHASE_HEADERS;
		cw->since = now_seconds();
		pthread_mutex_lock(&w->lock);
		cw->next = w->head;
		if (w->head)
			w->head->prev = cw;
		w->head = cw;
		pthread_mutex_unlock(&w->lock);
		*socket_context = cw;
		return;
	}
	/* Closed: libmicrohttpd closes the socket only after this returns. */
	cw = *socket_context;
	if (!cw)
		return;
	pthread_mutex_lock(&w->lock);
	if (cw->prev)
		cw->prev->next = cw->next;
	else
		w->head = cw->next;
	if (cw->next)
		cw->next->prev = cw->prev;
	pthread_mutex_unlock(&w->lock);
	free(cw);
	*socket_context = NULL;
}

/* Whether cw has overstayed; counts it in *late_headers or *slow_body. */
static bool overdue(const struct http_limits *l, const struct conn_watch *cw,
		    double now, int *late_headers, int *slow_body)
{
	double waited;

	if (cw->cut || cw->fd < 0)
		return false;
	if (cw->phase == PHASE_LINGER)
		return now - cw->since > LINGER_SECONDS;	/* not news */
	if (cw->phase == PHASE_HEADERS) {
		if (!l->header_timeout || now - cw->since <= l->header_timeout)
			return false;
		(*late_headers)++;
		return true;
	}
	if (cw->phase != PHASE_BODY || cw->working || !l->body_min_rate)
		return false;
	waited = now - cw->since - cw->busy;
	if (waited <= l->header_timeout ||
	    (double)cw->bytes >= (double)l->body_min_rate * waited)
		return false;
	(*slow_body)++;
	return true;
}

/*
 * The watchdog: every WATCH_PERIOD_MS, shut down the sockets of overdue
 * connections.  Their own threads then see the end of input and close
 * them; shutdown() leaves the descriptor open, and a record leaves the
 * list before libmicrohttpd closes its socket, so no descriptor is ever
 * touched after it could have been reused.
 */
static void *watchdog_main(void *arg)
{
	struct http_watch *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		struct timespec ts;
		int late_headers = 0, slow_body = 0;
		double now;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += WATCH_PERIOD_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
		now = now_seconds();
		for (struct conn_watch *cw = w->head; cw; cw = cw->next) {
			if (!overdue(&w->limits, cw, now, &late_headers, &slow_body))
				continue;
			shutdown(cw->fd, SHUT_RDWR);
			cw->cut = true;
		}
		if (!late_headers && !slow_body)
			continue;
		pthread_mutex_unlock(&w->lock);
		if (late_headers)
			log_info("closed %d connection%s whose request headers took"
				 " longer than %u s", late_headers,
				 late_headers == 1 ? "" : "s", w->limits.header_timeout);
		if (slow_body)
			log_info("closed %d connection%s whose request body arrived"
				 " slower than %u bytes/s", slow_body,
				 slow_body == 1 ? "" : "s", w->limits.body_min_rate);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/* ---- request targets ---- */

/*
 * The request target as the client sent it, before libmicrohttpd unescapes
 * it (which turns "%00" into the end of the C string a handler sees, so
 * "/v1/evaluations/1%00/report" would open evaluation 1): 0, or -1 with a
 * sentence in err.  Refused, in the path or the query: an invalid percent
 * escape, a NUL, a control character or space, raw or escaped, and bytes
 * that are not UTF-8 once unescaped.  ("+" in the query is a space, which
 * is fine there.)
 */
static int target_check(const char *target, struct buf *err)
{
	const unsigned char *p = (const unsigned char *)target;
	const char *part = "path";
	struct buf dec = BUF_INIT;
	int ret = -1;

	for (;; p++) {
		int c = *p;

		if (c == '?' && !strcmp(part, "path")) {
			if (!utf8_valid(dec.s, dec.len)) {
				buf_addf(err, "the request path is not UTF-8 once"
					 " percent escapes are decoded");
				goto out;
			}
			buf_reset(&dec);
			part = "query string";
			continue;
		}
		if (!c)
			break;
		if (c <= ' ' || c == 0x7f) {
			buf_addf(err, "the request %s contains %s (byte 0x%02x);"
				 " percent-encode it", part,
				 c == ' ' ? "a space" : "a control character", c);
			goto out;
		}
		if (c == '%') {
			int hi = hex_value(p[1]), lo = hi < 0 ? -1 : hex_value(p[2]);

			if (hi < 0 || lo < 0) {
				buf_addf(err, "the request %s has an invalid percent"
					 " escape \"%.3s\"", part, (const char *)p);
				goto out;
			}
			c = hi * 16 + lo;
			p += 2;
			if (c == 0) {
				buf_addf(err, "the request %s contains a NUL byte (%%00)",
					 part);
				goto out;
			}
			if (c < ' ' || c == 0x7f) {
				buf_addf(err, "the request %s contains a control"
					 " character (%%%02X)", part, (unsigned)c);
				goto out;
			}
		}
		buf_addch(&dec, (char)c);
	}
	if (!utf8_valid(dec.s, dec.len)) {
		buf_addf(err, "the request %s is not UTF-8 once percent escapes"
			 " are decoded", part);
		goto out;
	}
	ret = 0;
out:
	buf_release(&dec);
	return ret;
}

/* MHD_OPTION_URI_LOG_CALLBACK: sees each request's raw target first. */
static void *target_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct conn_watch *cw = conn_watch_of(conn);
	struct buf err = BUF_INIT;

	(void)cls;
	if (cw) {
		cw->target_error[0] = '\0';
		if (target_check(uri, &err))
			snprintf(cw->target_error, sizeof(cw->target_error), "%s",
				 err.s);
	}
	buf_release(&err);
	return NULL;
}

/* ---- responses ---- */

struct header {
	const char *name, *value;
};

/* The headers of r's response besides Content-Length; returns how many. */
static size_t response_headers(struct request *r, struct header *h)
{
	size_t n = 0;

	h[n++] = (struct header){ "Content-Type", r->resp_type };
	h[n++] = (struct header){ "X-Request-Id", r->request_id };
	h[n++] = (struct header){ "X-Content-Type-Options", "nosniff" };
	h[n++] = (struct header){ "Cache-Control", "no-store" };
	if (!strncmp(r->resp_type, "text/html", 9)) {
		h[n++] = (struct header){ "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
			" base-uri 'none'; form-action 'none'; frame-ancestors 'none'" };
		h[n++] = (struct header){ "Referrer-Policy", "no-referrer" };
	}
	if (r->status == 401)
		h[n++] = (struct header){ "WWW-Authenticate",
					  "Bearer realm=\"fairaudit\"" };
	if (r->status == 405 && r->route == NULL) {
		const char *allow = r->srv->route_allowed(r->url);

		if (allow)
			h[n++] = (struct header){ "Allow", allow };
	}
	if (r->status == 503)
		h[n++] = (struct header){ "Retry-After", RETRY_AFTER };
	return n;
}

/* Hand r's response to libmicrohttpd (before or after the body). */
static void queue(struct request *r)
{
	struct MHD_Response *resp;
	struct header h[10];
	size_t nh = response_headers(r, h);

	resp = MHD_create_response_from_buffer(r->resp_bytes, r->resp_body,
					       MHD_RESPMEM_MUST_FREE);
	r->resp_body = NULL;
	for (size_t i = 0; i < nh; i++)
		MHD_add_response_header(resp, h[i].name, h[i].value);
	MHD_queue_response(r->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
}

/*
 * Send r's response now, in the middle of its body, and close the sending
 * half of the connection.  libmicrohttpd 0.9.75 refuses MHD_queue_response
 * between the first and the last call of the access handler, and reading
 * the rest of a refused body first would let a client make us read
 * gigabytes.  So the response is written to the socket here: the
 * connection's own thread is the one calling us, and libmicrohttpd writes
 * nothing to the socket while a body arrives.  The request then lingers:
 * what still comes of the body is dropped, up to LINGER_BYTES and
 * LINGER_SECONDS (the watchdog), and access_handler returns MHD_NO, on
 * which libmicrohttpd closes the connection, when the body ends or a bound
 * is reached.  A client still sending when the connection closes gets a
 * reset, which may cost it the response it has not read yet; lingering
 * spares those that send a little past a cap and read only then.
 */
static void send_now(struct request *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	const char *reason = MHD_get_reason_phrase_for((unsigned)r->status);
	struct buf out = BUF_INIT;
	struct header h[10];
	size_t nh = response_headers(r, h), done = 0;
	double deadline = now_seconds() + SEND_NOW_SECONDS;
	char date[64];
	struct tm tm;
	time_t t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_addf(&out, "HTTP/1.1 %d %s\r\nDate: %s\r\nConnection: close\r\n"
		 "Content-Length: %zu\r\n", r->status, reason && *reason ?
		 reason : "Error", date, r->resp_bytes);
	for (size_t i = 0; i < nh; i++)
		buf_addf(&out, "%s: %s\r\n", h[i].name, h[i].value);
	buf_adds(&out, "\r\n");
	buf_add(&out, r->resp_body, r->resp_bytes);
	while (ci && done < out.len) {
		ssize_t w = send(ci->connect_fd, out.s + done, out.len - done,
				 MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = ci->connect_fd, .events = POLLOUT };
		double left = deadline - now_seconds();

		if (w > 0) {
			done += (size_t)w;
			continue;
		}
		if ((w < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		     errno != EINTR) || left <= 0)
			break;
		poll(&pfd, 1, (int)(left * 1000) + 1);
	}
	if (ci)
		shutdown(ci->connect_fd, SHUT_WR);
	if (done < out.len)
		log_info("the client did not take the %d response decided while"
			 " its body arrived", r->status);
	buf_release(&out);
	free(r->resp_body);
	r->resp_body = NULL;
	/* Nothing more of this request needs its upload state or its lease. */
	if (r->route && r->route->stream_free)
		r->route->stream_free(r);
	store_return(r->srv->store, r->db);
	r->db = NULL;
	r->lingering = true;
	r->linger_until = r->body_bytes + LINGER_BYTES;
}

/*
 * A streamed response: the handler's callbacks, and the request while it
 * lives.  libmicrohttpd never reads a response after it has reported the
 * request complete (request_completed frees r), so r is valid in
 * stream_read; stream_free may run after that and does not touch it.
 */
struct stream {
	struct request *r;
	ssize_t (*read)(void *cls, char *buf, size_t max);
	void (*done)(void *cls);
	void *cls;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	ssize_t n = st->read(st->cls, buf, max);

	(void)pos;
	if (n > 0) {
		st->r->resp_bytes += (size_t)n;
		return n;
	}
	return n == STREAM_END ? MHD_CONTENT_READER_END_OF_STREAM
			       : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	st->done(st->cls);
	free(st);
}

void respond_stream(struct request *r, int status, const char *content_type,
		    ssize_t (*read)(void *cls, char *buf, size_t max),
		    void (*done)(void *cls), void *cls)
{
	struct stream *st = xmalloc(sizeof(*st));
	struct MHD_Response *resp;
	struct header h[10];
	size_t nh;

	*st = (struct stream){ r, read, done, cls };
	if (r->responded || r->in_body) {
		log_error("a streamed response to %s %s came while %s", r->method,
			  r->url, r->responded ? "another was queued" :
			  "the body arrived");
		stream_free(st);
		return;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
						 stream_read, st, stream_free);
	if (!resp) {
		stream_free(st);
		respond_internal(r);
		return;
	}
	r->responded = true;
	r->status = status;
	r->resp_type = content_type;
	nh = response_headers(r, h);
	for (size_t i = 0; i < nh; i++)
		MHD_add_response_header(resp, h[i].name, h[i].value);
	MHD_queue_response(r->conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
}

void respond_page(struct request *r, int rc, struct buf *page,
		  const struct buf *err, const char *what)
{
	char *body;
	size_t len;

	if (rc) {
		log_error("%s: %s", what, err->s);
		respond_internal(r);
		return;
	}
	body = buf_detach(page, &len);
	respond(r, 200, "text/html; charset=utf-8", body, len);
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
		queue(r);	/* else access_handler sends it with send_now */
}

void respond_json(struct request *r, int status, cJSON *doc)
{
	char *s = json_print(doc);

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
	s = json_print(doc);
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
	if (r->responded)
		return;
	if (r->db && store_ping(r->db)) {
		respond_problem(r, 503, "Database unavailable",
				"the connection to the database was lost while"
				" the request was served; try again");
		return;
	}
	respond_problem(r, 500, "Internal error",
			"the request could not be completed; quote request id %s"
			" to the operator", r->request_id);
}

/* Bearer key check for routes that need one; responds on failure. */
/* A browser asks for text/html first; API clients ask for JSON or nothing. */
static bool wants_html(struct request *r)
{
	const char *a = req_header(r, "Accept");

	return a && !strncasecmp(a, "text/html", 9);
}

/*
 * A person who opened a report without a share link gets a page that says
 * how to open it, not a JSON 401: API keys are never typed into browsers.
 */
static void respond_share_help(struct request *r)
{
	static const char *const text[] = {
		"This page needs a share link. fairaudit never asks for an API "
		"key in a browser: an analyst makes a link for one report, or "
		"for every list page and report, and sends it to you.",
		"With an API key, make one with POST "
		"/v1/evaluations/{id}/shares (one report) or POST /v1/shares "
		"with {\"scope\": \"all\"} (every page). The link opens the "
		"page read-only, expires (7 days by default, at most 90) and "
		"can be revoked.",
		"A share link ends in ?share= followed by the token, for "
		"example /v1/evaluations/12/report?share=3.1767000000.9f2c...",
		NULL,
	};
	struct buf page = BUF_INIT;
	char *body;
	size_t len;

	html_render_notice(&page, "Open this report with a share link", text);
	body = buf_detach(&page, &len);
	respond(r, 401, "text/html; charset=utf-8", body, len);
}

static int authenticate_or_respond(struct request *r)
{
	const char *h = req_header(r, "Authorization");
	int rc;

	if (!h || strncasecmp(h, "Bearer ", 7)) {
		if (r->route->share != SHARE_NONE && wants_html(r))
			respond_share_help(r);
		else
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

/* The largest body r's route takes, bytes. */
static uint64_t body_max(const struct request *r)
{
	switch (r->route->body) {
	case BODY_JSON:
		return json_max(r->route);
	case BODY_STREAM:
		return r->srv->limits.max_upload;
	default:
		return FA_MAX_JSON_BODY;
	}
}

/* 413 for a body over body_max(r); declared is its Content-Length or 0. */
static void respond_too_large(struct request *r, uint64_t declared)
{
	char size[64] = " (this one is longer)";

	if (declared)
		snprintf(size, sizeof(size), " (this one has %llu)",
			 (unsigned long long)declared);
	switch (r->route->body) {
	case BODY_JSON:
		respond_problem(r, 413, "Payload too large",
				"a JSON request body here may be at most %zu"
				" bytes%s", json_max(r->route), size);
		break;
	case BODY_STREAM:
		respond_problem(r, 413, "Payload too large",
				"an upload may be at most %llu bytes%s",
				(unsigned long long)r->srv->limits.max_upload, size);
		break;
	default:
		respond_problem(r, 413, "Payload too large",
				"%s %s takes no request body, and ignores one of"
				" at most %d bytes%s", r->method, r->route->pattern,
				FA_MAX_JSON_BODY, size);
		break;
	}
}

/* Step 1: a new request. */
static void request_begin(struct request *r)
{
	int match;
	const char *cl;
	int64_t len;

	if (r->cw && r->cw->target_error[0]) {
		respond_problem(r, 400, "Bad request", "%s", r->cw->target_error);
		return;
	}
	match = r->srv->route_match(r->method, r->url, &r->route, r->ids,
				    &r->nids);
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
	/* Refused before a byte of it is read. */
	cl = req_header(r, "Content-Length");
	if (cl && !parse_i64(cl, strlen(cl), &len) && len > 0 &&
	    (uint64_t)len > body_max(r)) {
		respond_too_large(r, (uint64_t)len);
		return;
	}
	if (r->route->body == BODY_JSON) {
		buf_init(&r->body, json_max(r->route));
		/* The key is checked: no lease held while the body arrives. */
		store_return(r->srv->store, r->db);
		r->db = NULL;
	}
	if (r->route->body == BODY_STREAM && r->route->stream_begin)
		r->route->stream_begin(r);
}

/* Step 2: one chunk of body. */
static void request_data(struct request *r, const char *data, size_t n)
{
	if (r->responded)
		return;
	r->body_bytes += n;
	if (r->body_bytes > body_max(r)) {
		respond_too_large(r, 0);
		return;
	}
	switch (r->route->body) {
	case BODY_JSON:
		if (buf_add(&r->body, data, n) < 0)
			respond_too_large(r, 0);
		break;
	case BODY_STREAM:
		if (!r->stream_failed && r->route->stream_data(r, data, n))
			r->stream_failed = true;
		break;
	case BODY_NONE:
		break;
	}
}

/* Step 3: the body is complete (or, after a stream failure, cut short). */
static void request_end(struct request *r)
{
	if (r->responded)
		return;
	if (r->route->body == BODY_JSON) {
		struct buf err = BUF_INIT;

		/* An empty body is an empty object: every field's default. */
		if (r->body.len == 0) {
			r->json = cJSON_CreateObject();
		} else if (json_check(r->body.s, r->body.len, &err)) {
			respond_problem(r, 400, "Bad request", "%s", err.s);
			buf_release(&err);
			return;
		} else {
			r->json = cJSON_ParseWithLength(r->body.s, r->body.len);
		}
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

/*
 * libmicrohttpd's idle timeout counts from the last byte, so time spent in
 * our code (a lock wait in stream_begin, a long evaluation) would count
 * against the client and could close the connection before the response
 * goes out.  Restart it whenever we hand the connection back.
 */
static enum MHD_Result hand_back(struct request *r)
{
	MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT,
				  r->srv->limits.idle_timeout);
	return MHD_YES;
}

static enum MHD_Result access_handler(void *cls, struct MHD_Connection *conn,
				      const char *url, const char *method,
				      const char *version, const char *data,
				      size_t *data_size, void **con_cls)
{
	struct request *r = *con_cls;
	struct server *srv = cls;

	(void)version;
	if (!r) {
		r = xcalloc(1, sizeof(*r));
		r->srv = srv;
		r->conn = conn;
		r->url = url;
		r->method = method;
		r->started = now_seconds();
		r->cw = conn_watch_of(conn);
		buf_init(&r->body, FA_MAX_JSON_BODY);
		new_request_id(r->request_id, sizeof(r->request_id));
		log_set_request_id(r->request_id);
		*con_cls = r;
		conn_phase(srv, r->cw, PHASE_BUSY);
		request_begin(r);
		if (!r->responded)
			conn_phase(srv, r->cw, PHASE_BODY);
		return hand_back(r);
	}
	log_set_request_id(r->request_id);
	if (r->lingering) {
		size_t n = *data_size;

		*data_size = 0;
		r->body_bytes += n;
		/* the body has ended, or gone past the bound: close */
		return n && r->body_bytes <= r->linger_until ? MHD_YES : MHD_NO;
	}
	if (*data_size) {
		size_t n = *data_size;

		*data_size = 0;
		r->in_body = true;
		conn_working(srv, r->cw, true, n);
		request_data(r, data, n);
		if (!r->responded && r->stream_failed)
			request_end(r);	/* the answer is known: stop reading */
		conn_working(srv, r->cw, false, 0);
		if (!r->responded)
			return hand_back(r);
		conn_phase(srv, r->cw, PHASE_BUSY);
		send_now(r);
		conn_phase(srv, r->cw, PHASE_LINGER);
		return MHD_YES;
	}
	conn_phase(srv, r->cw, PHASE_BUSY);
	r->in_body = false;
	request_end(r);
	return hand_back(r);
}

/* A path JSON-escaped for the log; a refused one may not be UTF-8. */
static void add_path(struct buf *line, const char *path)
{
	size_t n = strlen(path);

	if (utf8_valid(path, n)) {
		buf_add_json_escaped(line, path, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)path[i] >= 0x80)
			buf_adds(line, "\\ufffd");
		else
			buf_add_json_escaped(line, path + i, 1);
	}
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
	add_path(&line, r->url);
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
	if (r->cw) {
		pthread_mutex_lock(&srv->watch->lock);
		if (r->cw->cut && !r->responded)
			r->status = 408;	/* the watchdog closed it */
		pthread_mutex_unlock(&srv->watch->lock);
		conn_phase(srv, r->cw, PHASE_HEADERS);	/* keep-alive: the next */
	}
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

/* MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's messages as our log lines. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	/*
	 * Not news: send_now's MHD_NO, which closes a connection on purpose,
	 * and a connection closed before its request was complete (by the
	 * client, or by the watchdog, which logs a count; the access log has
	 * those that reached a handler).
	 */
	if (!strncmp(msg, "Application reported internal error", 35) ||
	    !strncmp(msg, "Connection socket is closed when reading request", 48))
		return;
	log_info("libmicrohttpd: %s", msg);
}

static void watch_free(struct http_watch *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	free(w);
}

int http_start(struct server *srv, const char *addr, struct buf *err)
{
	const struct http_limits *l = &srv->limits;
	struct sockaddr_in sa;
	struct http_watch *w;

	if (parse_addr(addr, &sa, err))
		return -1;
	w = xcalloc(1, sizeof(*w));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->limits = *l;
	srv->watch = w;
	if (pthread_create(&w->thread, NULL, watchdog_main, w)) {
		buf_addf(err, "could not start the connection watchdog");
		watch_free(w);
		srv->watch = NULL;
		return -1;
	}
	srv->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_POLL | MHD_USE_ERROR_LOG,
		0, NULL, NULL, access_handler, srv,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, as MHD asks */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, request_completed, srv,
		MHD_OPTION_NOTIFY_CONNECTION, conn_notify, srv,
		MHD_OPTION_URI_LOG_CALLBACK, target_seen, srv,
		MHD_OPTION_CONNECTION_TIMEOUT, l->idle_timeout,
		MHD_OPTION_CONNECTION_LIMIT, l->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, l->max_per_ip,
		MHD_OPTION_END);
	if (!srv->daemon) {
		buf_addf(err, "could not listen on %s: %s", addr, strerror(errno));
		http_stop(srv);
		return -1;
	}
	return 0;
}

void http_stop(struct server *srv)
{
	struct http_watch *w = srv->watch;

	if (w) {
		pthread_mutex_lock(&w->lock);
		w->stopping = true;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	}
	if (srv->daemon)
		MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	/* every connection has been closed, and its record freed */
	watch_free(w);
	srv->watch = NULL;
}
