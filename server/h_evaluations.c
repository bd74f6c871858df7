#include "common/fa.h"
#include "server/handlers.h"
void h_evaluations_create(struct request *r) { respond_problem(r, 501, "Not implemented", "x"); }
void h_evaluations_get(struct request *r) { respond_problem(r, 501, "Not implemented", "x"); }
void h_evaluations_report(struct request *r) { respond_problem(r, 501, "Not implemented", "x"); }
