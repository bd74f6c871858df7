/*
 * h_meta.c - health, readiness, metrics and the OpenAPI document.
 *
 * The OpenAPI document is server/openapi.json, embedded into the binary at
 * build time (see the .incbin below), so the served contract is always the
 * one the binary was built with.
 */
#include "common/fa.h"
#include "server/handlers.h"
#include "server/prometheus.h"

__asm__(".section .rodata\n"
	".global openapi_json\n"
	".type openapi_json, @object\n"
	"openapi_json:\n"
	".incbin \"server/openapi.json\"\n"
	".byte 0\n"
	".previous\n");
extern const char openapi_json[];

void h_healthz(struct request *r)
{
	const char ok[] = "{\"status\":\"ok\"}";

	respond(r, 200, "application/json", xstrdup(ok), sizeof(ok) - 1);
}

void h_readyz(struct request *r)
{
	if (store_ping(req_db(r))) {
		respond_problem(r, 503, "Not ready", "the database is not reachable");
		return;
	}
	respond(r, 200, "application/json", xstrdup("{\"status\":\"ready\"}"), 18);
}

void h_metrics(struct request *r)
{
	struct buf out = BUF_INIT;
	size_t len;
	char *s;

	metrics_render(&out);
	s = buf_detach(&out, &len);
	respond(r, 200, "text/plain; version=0.0.4", s, len);
}

void h_openapi(struct request *r)
{
	respond(r, 200, "application/json", xstrdup(openapi_json),
		strlen(openapi_json));
}
