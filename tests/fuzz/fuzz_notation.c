/*
 * tests/fuzz/fuzz_notation.c - fuzz target for the lineage notation as the
 * network hands it to mlmd.testing.TestingService (lib/store/testing_*.c):
 * each input is the text of a BuildGraphRequest, packed by hand so any
 * bytes (NUL, invalid UTF-8) reach the store as a client could send them.
 *
 * What must hold: BuildGraph on a new in-memory store either fails with
 * INVALID_ARGUMENT and a message, naming a line and column inside the text
 * when the text is one the parser sees (no NUL byte), and writes nothing;
 * or it succeeds, and then GetGraphSnapshot succeeds, CheckLineage
 * GRAPH_EQUALS of the same text holds, GRAPH_EQUALS of the snapshot holds,
 * and the snapshot (always notation for a graph built from notation:
 * docs/testing.md) built into a second empty store snapshots to the same
 * bytes. Built as a libFuzzer target by `make fuzz` and replayed over
 * tests/fuzz/corpus/notation by `make check` (tests/fuzz/replay.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>
#include "mlmd_testing.pb-c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mlmd_store *open_store(void)
{
	mlmd_store *s = NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	if (mlmd_store_open(&s, &o))
		abort();
	return s;
}

/* Types, executions, artifacts, contexts and events in the store. */
static size_t count_all(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactsRequest a = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsRequest e = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetContextsRequest c = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypesRequest at = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesRequest et = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetContextTypesRequest ct = MLMD__PB__GET_CONTEXT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ar = NULL;
	Mlmd__Pb__GetExecutionsResponse *er = NULL;
	Mlmd__Pb__GetContextsResponse *cr = NULL;
	Mlmd__Pb__GetArtifactTypesResponse *atr = NULL;
	Mlmd__Pb__GetExecutionTypesResponse *etr = NULL;
	Mlmd__Pb__GetContextTypesResponse *ctr = NULL;
	if (mlmd_store_get_artifacts(s, &a, &ar) || mlmd_store_get_executions(s, &e, &er) ||
	    mlmd_store_get_contexts(s, &c, &cr) || mlmd_store_get_artifact_types(s, &at, &atr) ||
	    mlmd_store_get_execution_types(s, &et, &etr) || mlmd_store_get_context_types(s, &ct, &ctr))
		abort();
	size_t n = ar->n_artifacts + er->n_executions + cr->n_contexts + atr->n_artifact_types +
		   etr->n_execution_types + ctr->n_context_types;
	mlmd_message_free(ar);
	mlmd_message_free(er);
	mlmd_message_free(cr);
	mlmd_message_free(atr);
	mlmd_message_free(etr);
	mlmd_message_free(ctr);
	return n;
}

/* A BuildGraphRequest or CheckLineageRequest whose text (field 8 or 1) is
 * the raw bytes given: the wire format written by hand. */
static uint8_t *pack_text(unsigned field, const uint8_t *text, size_t n, const uint8_t *prefix, size_t np,
			  size_t *len)
{
	uint8_t *b = malloc(np + 11 + n + 1);
	if (!b)
		abort();
	if (np)
		memcpy(b, prefix, np);
	size_t k = np;
	b[k++] = (uint8_t)(field << 3 | 2);
	size_t v = n;
	do {
		b[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	if (n)
		memcpy(b + k, text, n);
	*len = k + n;
	return b;
}

static int build(mlmd_store *s, const uint8_t *text, size_t n)
{
	size_t len;
	uint8_t *rq = pack_text(1, text, n, NULL, 0, &len);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s, "BuildGraph", rq, len, &out, &out_len);
	free(rq);
	if (!rc) {
		Mlmd__Pb__Testing__BuildGraphResponse *r = (Mlmd__Pb__Testing__BuildGraphResponse *)protobuf_c_message_unpack(
			&mlmd__pb__testing__build_graph_response__descriptor, NULL, out_len, out ? out : (void *)"");
		if (!r)
			abort();
		for (size_t i = 0; i < r->n_nodes; i++)
			if (!r->nodes[i]->name || !r->nodes[i]->has_id || !r->nodes[i]->type)
				abort(); /* every node named has its id and type */
		mlmd_message_free(r);
	}
	mlmd_buffer_free(out);
	return rc;
}

/* GRAPH_EQUALS of `text`: 1 when it holds, 0 when not (abort on an error). */
static int graph_equals(mlmd_store *s, const uint8_t *text, size_t n)
{
	static const uint8_t check[] = { 0x08, 0x05 }; /* check = GRAPH_EQUALS */
	size_t len;
	uint8_t *rq = pack_text(8, text, n, check, sizeof check, &len);
	void *out = NULL;
	size_t out_len = 0;
	int rc = mlmd_store_call(s, "CheckLineage", rq, len, &out, &out_len);
	free(rq);
	if (rc) {
		fprintf(stderr, "GRAPH_EQUALS: %d %s\n", rc, mlmd_error_message());
		abort();
	}
	Mlmd__Pb__Testing__CheckLineageResponse *r = (Mlmd__Pb__Testing__CheckLineageResponse *)protobuf_c_message_unpack(
		&mlmd__pb__testing__check_lineage_response__descriptor, NULL, out_len, out ? out : (void *)"");
	mlmd_buffer_free(out);
	if (!r)
		abort();
	int holds = r->holds;
	if (!holds)
		fprintf(stderr, "GRAPH_EQUALS failed: %s\n", r->failure ? r->failure : "(no text)");
	mlmd_message_free(r);
	return holds;
}

/* The whole store's snapshot: a new string (abort on an error). */
static char *snapshot(mlmd_store *s)
{
	void *out = NULL;
	size_t out_len = 0;
	if (mlmd_store_call(s, "GetGraphSnapshot", "", 0, &out, &out_len)) {
		fprintf(stderr, "GetGraphSnapshot: %s\n", mlmd_error_message());
		abort();
	}
	Mlmd__Pb__Testing__GetGraphSnapshotResponse *r =
		(Mlmd__Pb__Testing__GetGraphSnapshotResponse *)protobuf_c_message_unpack(
			&mlmd__pb__testing__get_graph_snapshot_response__descriptor, NULL, out_len, out ? out : (void *)"");
	mlmd_buffer_free(out);
	if (!r)
		abort();
	char *t = strdup(r->text ? r->text : "");
	mlmd_message_free(r);
	if (!t)
		abort();
	return t;
}

/* The message names "line L, column C" inside the text (L <= lines, C >= 1). */
static int names_place(const char *msg, size_t lines)
{
	const char *p = strstr(msg, "line ");
	unsigned long l, c;
	if (!p || sscanf(p, "line %lu, column %lu:", &l, &c) != 2)
		return 0;
	return l >= 1 && l <= lines && c >= 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t lines = 1;
	int has_nul = memchr(data, 0, size) != NULL;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	mlmd_store *s = open_store();
	int rc = build(s, data, size);
	if (rc) {
		const char *m = mlmd_error_message();
		if (rc != -MLMD_INVALID_ARGUMENT || !m[0] || (!has_nul && !names_place(m, lines))) {
			fprintf(stderr, "BuildGraph: %d %s\n", rc, m);
			abort(); /* a bad text is INVALID_ARGUMENT naming where */
		}
		if (count_all(s))
			abort(); /* and writes nothing */
		mlmd_store_free(s);
		return 0;
	}
	char *snap = snapshot(s);
	if (!graph_equals(s, data, size))
		abort(); /* the store holds the graph the text describes */
	if (!graph_equals(s, (const uint8_t *)snap, strlen(snap))) {
		fprintf(stderr, "snapshot:\n%s", snap);
		abort(); /* and the one its snapshot describes */
	}
	mlmd_store *s2 = open_store();
	if (build(s2, (const uint8_t *)snap, strlen(snap))) {
		fprintf(stderr, "snapshot does not build: %s\n%s", mlmd_error_message(), snap);
		abort();
	}
	char *snap2 = snapshot(s2);
	if (strcmp(snap, snap2)) {
		fprintf(stderr, "snapshots differ:\n%s---\n%s", snap, snap2);
		abort(); /* the snapshot is notation that rebuilds the same graph */
	}
	free(snap2);
	free(snap);
	mlmd_store_free(s2);
	mlmd_store_free(s);
	return 0;
}
