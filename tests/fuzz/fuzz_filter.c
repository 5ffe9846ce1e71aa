/*
 * tests/fuzz/fuzz_filter.c - fuzz target for the filter_query compiler.
 *
 * Each input is a query. It is compiled for the three node kinds; when it
 * compiles, the list call runs it on a small in-memory store and must
 * succeed: the compiler must never emit SQL the database rejects. Built as a
 * libFuzzer target by `make fuzz` (clang) and replayed over the seed corpus
 * by `make check` with tests/fuzz/replay.c (gcc, ASan+UBSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "query/query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mlmd_store *store(void)
{
	static mlmd_store *s;
	if (s)
		return s;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	if (mlmd_store_open(&s, &o))
		abort();
	/* one artifact with a property, so joins have rows */
	Mlmd__Pb__ArtifactType t = MLMD__PB__ARTIFACT_TYPE__INIT;
	t.name = "T";
	Mlmd__Pb__PutArtifactTypeRequest trq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	Mlmd__Pb__PutArtifactTypeResponse *trs;
	trq.artifact_type = &t;
	if (mlmd_store_put_artifact_type(s, &trq, &trs))
		abort();
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = trs->type_id;
	mlmd_message_free(trs);
	if (mlmd_node_set_int(a, 1, "p", 1) || mlmd_message_set_string(a, "name", "a"))
		abort();
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__PutArtifactsResponse *rs;
	rq.n_artifacts = 1;
	rq.artifacts = &a;
	if (mlmd_store_put_artifacts(s, &rq, &rs))
		abort();
	mlmd_message_free(rs);
	mlmd_message_free(a);
	return s;
}

static void run(mlmd_store *s, int kind, char *query)
{
	Mlmd__Pb__ListOperationOptions o = MLMD__PB__LIST_OPERATION_OPTIONS__INIT;
	o.filter_query = query;
	int rc;
	if (kind == KIND_ARTIFACT) {
		Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
		Mlmd__Pb__GetArtifactsResponse *rs = NULL;
		rq.options = &o;
		rc = mlmd_store_get_artifacts(s, &rq, &rs);
		mlmd_message_free(rs);
	} else if (kind == KIND_EXECUTION) {
		Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsResponse *rs = NULL;
		rq.options = &o;
		rc = mlmd_store_get_executions(s, &rq, &rs);
		mlmd_message_free(rs);
	} else {
		Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
		Mlmd__Pb__GetContextsResponse *rs = NULL;
		rq.options = &o;
		rc = mlmd_store_get_contexts(s, &rq, &rs);
		mlmd_message_free(rs);
	}
	if (rc) {
		fprintf(stderr, "query compiled but did not run: [%s] -> %s\n", query, mlmd_error_message());
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0; /* long inputs only repeat the short ones' paths */
	char *q = malloc(size + 1);
	if (!q)
		return 0;
	memcpy(q, data, size);
	q[size] = 0;
	static const int kinds[] = { KIND_ARTIFACT, KIND_EXECUTION, KIND_CONTEXT };
	for (int i = 0; i < 3; i++) {
		mlmd__filter f;
		int rc = mlmd__filter_compile(kinds[i], q, i == 0 && size % 2, &f);
		if (rc == 0) {
			mlmd__filter_free(&f);
			if (strlen(q) == size) /* a NUL in the input ends the query early */
				run(store(), kinds[i], q);
		} else if (rc != -MLMD_INVALID_ARGUMENT || !strstr(mlmd_error_message(), "filter_query: ")) {
			fprintf(stderr, "unexpected failure %d: %s\n", rc, mlmd_error_message());
			abort();
		}
	}
	free(q);
	return 0;
}
