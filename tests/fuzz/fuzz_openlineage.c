/*
 * tests/fuzz/fuzz_openlineage.c - fuzz target for mlmd_openlineage_import()
 * (lib/openlineage/import*.c): each input is the text of an import (NDJSON
 * or one JSON array of RunEvents, JobEvents and DatasetEvents), read into a
 * new in-memory store, first leniently and then, on a second store, with
 * --strict.
 *
 * What must hold: a failure has a message and leaves the store as it was;
 * an import that succeeded, run again on the same bytes, creates and
 * updates nothing (the import is idempotent); a strict import either
 * succeeds with nothing skipped or fails and writes nothing; every
 * problem reported names a line inside the input. Built as a libFuzzer
 * target by `make fuzz` and replayed over tests/fuzz/corpus/openlineage by
 * `make check` (tests/fuzz/replay.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mlmd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct problems {
	size_t n, lines; /* problems told, lines in the input */
} problems;

static void on_problem(size_t line, const char *message, void *user)
{
	problems *p = user;
	if (!message || !message[0] || line == 0 || line > p->lines)
		abort(); /* every problem says what and where */
	p->n++;
}

static mlmd_store *open_store(void)
{
	mlmd_store *s = NULL;
	mlmd_store_options o = MLMD_STORE_OPTIONS_INIT;
	o.uri = "sqlite::memory:";
	if (mlmd_store_open(&s, &o))
		abort();
	return s;
}

/* Executions, artifacts and contexts in the store. */
static size_t count_nodes(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactsRequest a = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsRequest e = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetContextsRequest c = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *ar = NULL;
	Mlmd__Pb__GetExecutionsResponse *er = NULL;
	Mlmd__Pb__GetContextsResponse *cr = NULL;
	if (mlmd_store_get_artifacts(s, &a, &ar) || mlmd_store_get_executions(s, &e, &er) ||
	    mlmd_store_get_contexts(s, &c, &cr))
		abort();
	size_t n = ar->n_artifacts + er->n_executions + cr->n_contexts;
	mlmd_message_free(ar);
	mlmd_message_free(er);
	mlmd_message_free(cr);
	return n;
}

static int changed(const mlmd_openlineage_import_report *r)
{
	return r->executions_created || r->executions_updated || r->artifacts_created || r->artifacts_updated ||
	       r->contexts_created || r->contexts_updated || r->events_created;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	problems pr = { 0, 1 };
	for (size_t i = 0; i < size; i++)
		pr.lines += data[i] == '\n';

	/* lenient: malformed events are told and skipped */
	mlmd_store *s = open_store();
	mlmd_openlineage_import_report r1, r2;
	int rc = mlmd_openlineage_import(s, NULL, text, size, on_problem, &pr, &r1);
	if (rc) {
		if (!mlmd_error_message()[0] || count_nodes(s))
			abort(); /* a failure says why and writes nothing */
	} else {
		if (r1.skipped != pr.n)
			abort(); /* each skipped event was told */
		size_t n = count_nodes(s);
		if (n != r1.executions_created + r1.artifacts_created + r1.contexts_created)
			abort(); /* the report counts what was made */
		problems again = { 0, pr.lines };
		if (mlmd_openlineage_import(s, NULL, text, size, on_problem, &again, &r2) || changed(&r2) ||
		    count_nodes(s) != n || r2.skipped != r1.skipped || r2.events != r1.events)
			abort(); /* the same bytes again change nothing */
	}
	mlmd_store_free(s);

	/* strict: all or nothing */
	s = open_store();
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.strict = 1;
	problems sp = { 0, pr.lines };
	mlmd_openlineage_import_report r3;
	int src = mlmd_openlineage_import(s, &o, text, size, on_problem, &sp, &r3);
	if (src) {
		if (!mlmd_error_message()[0] || count_nodes(s))
			abort();
	} else if (rc || r3.skipped || r1.skipped || count_nodes(s) != r3.executions_created + r3.artifacts_created +
								      r3.contexts_created) {
		abort(); /* strict took what lenient refused, or skipped something */
	}
	mlmd_store_free(s);
	return 0;
}
