/*
 * fuzz_ndjson.c - libFuzzer target for NDJSON uploads (ingest/json.c,
 * line mode) through ingest_parser_new/feed/finish.  The oracle is in
 * fuzz_ingest.h.
 */
#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_ingest_one(INGEST_NDJSON, data, size);
}
