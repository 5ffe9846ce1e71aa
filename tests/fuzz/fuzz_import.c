/*
 * tests/fuzz/fuzz_import.c - fuzz target for `mlmd import`: each input is a
 * JSON-lines file, read by the tool's own import path (cli/import.c:
 * the record parser, the bounded protobuf unpacking, the importer) into an
 * in-memory store. The import must fail cleanly or succeed; it runs in one
 * transaction, which is rolled back at the end either way, so the store
 * (opened once) must be empty again after every input.
 * Built as a libFuzzer target by `make fuzz` and replayed over
 * tests/fuzz/corpus/import by `make check` (tests/fuzz/replay.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the store holds any type at all, or a serving gate other than a
 * new store's (a restored gate must roll back with the rest). */
static int store_is_empty(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactTypesRequest a = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest e = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest c = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesResponse *ar = NULL;
	Mlmd__Pb__GetExecutionTypesResponse *er = NULL;
	Mlmd__Pb__GetContextTypesResponse *cr = NULL;
	int empty = !mlmd_store_get_artifact_types(s, &a, &ar) && !mlmd_store_get_execution_types(s, &e, &er) &&
		!mlmd_store_get_context_types(s, &c, &cr) && !ar->n_artifact_types && !er->n_execution_types &&
		!cr->n_context_types;
	mlmd_message_free(ar);
	mlmd_message_free(er);
	mlmd_message_free(cr);
	char **gate = NULL;
	size_t n = 0;
	if (mlmd_gate_get(s, &gate, &n) || n != 3 || strcmp(gate[0], "EXPIRED") || strcmp(gate[1], "POISONED") ||
	    strcmp(gate[2], "RESTRICTED"))
		empty = 0;
	mlmd_strings_free(gate);
	return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mlmd_store *s;
	if (!s) {
		mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
		o.uri = "sqlite::memory:";
		if (mlmd_store_open(&s, &o))
			abort();
	}
	FILE *f = size ? fmemopen((void *)data, size, "r") : NULL;
	cli_importer *im = NULL;
	int rc = cli_importer_new(&im, s, NULL);
	if (!rc && f)
		rc = cli_import_jsonl(im, f);
	if (!rc)
		rc = cli_importer_flush(im);
	if (rc && !cli_importer_error(im)[0])
		abort(); /* every failure says why */
	cli_importer_free(im); /* rolls back */
	if (!store_is_empty(s))
		abort(); /* nothing of a rolled-back import stays */
	if (f)
		fclose(f);
	return 0;
}
