/*
 * fuzz_trn.c - libFuzzer target for sclite trn uploads (ingest/trn.c)
 * through ingest_parser_new/feed/finish.  The top bit of the first byte
 * asks for the derived "speaker" column.  The oracle is in fuzz_ingest.h.
 */
#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_ingest_one(INGEST_TRN, data, size);
}
