#include "common/fa.h"
#include "server/handlers.h"
void h_examples_begin(struct request *r) { (void)r; }
void h_predictions_begin(struct request *r) { (void)r; }
int h_upload_data(struct request *r, const char *d, size_t n) { (void)r; (void)d; (void)n; return 0; }
void h_upload_end(struct request *r) { respond_problem(r, 501, "Not implemented", "x"); }
void h_upload_free(struct request *r) { (void)r; }
