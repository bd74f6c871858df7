/*
 * fuzz_csv.c - libFuzzer target for CSV uploads (ingest/csv.c) through
 * ingest_parser_new/feed/finish.  The oracle (three ways of cutting the
 * input, the sink contract, writing the records back with RFC 4180
 * quoting and parsing them again) is in fuzz_ingest.h.
 */
#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_ingest_one(INGEST_CSV, data, size);
}
