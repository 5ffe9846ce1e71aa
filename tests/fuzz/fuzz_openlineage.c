/*
 * tests/fuzz/fuzz_openlineage.c - fuzz target for mlmd_openlineage_import()
 * (lib/openlineage/import*.c): each input is the text of an import (NDJSON
 * or one JSON array of RunEvents, JobEvents and DatasetEvents), read into a
 * new in-memory store with strict, then leniently, then leniently again.
 *
 * What must hold: a failure has a message and leaves the store as it was;
 * a strict import either succeeds with nothing skipped or fails and writes
 * nothing; after a strict success the lenient import changes nothing; an
 * import that succeeded, run again on the same bytes, creates and updates
 * nothing (the import is idempotent); every problem reported names a line
 * inside the input. Built as a libFuzzer
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
	mlmd_store *s = open_store(); /* one new store per input, so a crash replays alone */

	/* strict first: all or nothing */
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.strict = 1;
	problems sp = { 0, pr.lines };
	mlmd_openlineage_import_report r0, r1, r2;
	int src = mlmd_openlineage_import(s, &o, text, size, on_problem, &sp, &r0);
	size_t n0 = count_nodes(s);
	if (src ? !mlmd_error_message()[0] || n0 : r0.skipped || n0 != r0.executions_created + r0.artifacts_created +
								     r0.contexts_created)
		abort(); /* a failure says why and writes nothing; a success skipped nothing and counts what it made */

	/* lenient: malformed events are told and skipped; after a strict
	 * success the same text changes nothing */
	int rc = mlmd_openlineage_import(s, NULL, text, size, on_problem, &pr, &r1);
	if (rc) {
		if (!src || !mlmd_error_message()[0] || count_nodes(s))
			abort(); /* lenient refused what strict took, or wrote something */
		mlmd_store_free(s);
		return 0;
	}
	if (r1.skipped != pr.n || (!src && (changed(&r1) || r1.skipped)))
		abort(); /* each skipped event was told */
	size_t n = count_nodes(s);
	if (n != n0 + r1.executions_created + r1.artifacts_created + r1.contexts_created)
		abort(); /* the report counts what was made */

	/* the same bytes again change nothing */
	problems again = { 0, pr.lines };
	if (mlmd_openlineage_import(s, NULL, text, size, on_problem, &again, &r2) || changed(&r2) || count_nodes(s) != n ||
	    r2.skipped != r1.skipped || r2.events != r1.events)
		abort();
	mlmd_store_free(s);
	return 0;
}
