/*
 * Hostile input for the OpenLineage import and export, the HTML report and
 * the transport (issue 19's fuzz pass): each test is an input that once
 * crashed, hung, or gave a wrong or unclear answer, kept so it cannot come
 * back. Import: an eventTime before 1970 (the store cannot hold it) is one
 * malformed event, not the end of the whole import; one run with more
 * datasets than a write batch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"

#define RUN1 "0c5e4a4e-1f1a-4c7e-9a55-000000000001"
#define RUN2 "0c5e4a4e-1f1a-4c7e-9a55-000000000002"

typedef struct problems {
	size_t n;
	size_t line[8];
	char msg[8][400];
} problems;

static void on_problem(size_t line, const char *message, void *user)
{
	problems *p = user;
	if (p->n < 8) {
		p->line[p->n] = line;
		snprintf(p->msg[p->n], sizeof p->msg[p->n], "%s", message);
	}
	p->n++;
}

static size_t n_executions(mlmd_store *s)
{
	Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *r = NULL;
	OK(mlmd_store_get_executions(s, &rq, &r));
	size_t n = r->n_executions;
	mlmd_message_free(r);
	return n;
}

static void an_event_before_1970_is_skipped_not_fatal(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	const char *text =
		"{\"eventType\":\"START\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"producer\":\"p\","
		"\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"n\",\"name\":\"j\"}}\n"
		"{\"eventType\":\"START\",\"eventTime\":\"1970-01-01T00:30:00+01:00\",\"producer\":\"p\","
		"\"run\":{\"runId\":\"" RUN2 "\"},\"job\":{\"namespace\":\"n\",\"name\":\"j\"}}\n"
		"{\"eventType\":\"START\",\"eventTime\":\"0000-01-01T00:00:00Z\",\"producer\":\"p\","
		"\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"n\",\"name\":\"j\"}}\n";
	problems p = { 0 };
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(s, NULL, text, strlen(text), on_problem, &p, &r));
	assert_int_equal(p.n, 2);
	assert_int_equal(p.line[0], 2);
	assert_int_equal(p.line[1], 3);
	assert_non_null(strstr(p.msg[0], "before 1970"));
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(n_executions(s), 1);
	/* strict names the line */
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.strict = 1;
	FAILS(mlmd_openlineage_import(s, &o, text, strlen(text), NULL, NULL, &r), MLMD_INVALID_ARGUMENT,
	      "line 2: \"eventTime\" is before 1970");
	mlmd_store_free(s);
}

/* One event naming more datasets than the import writes in one batch. */
static void one_run_with_thousands_of_datasets(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	enum { N = 2500 };
	size_t cap = (size_t)N * 64 + 512, n = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n,
			      "{\"eventType\":\"COMPLETE\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"producer\":\"p\","
			      "\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"n\",\"name\":\"j\"},\"inputs\":[");
	for (int i = 0; i < N; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s{\"namespace\":\"s3://b\",\"name\":\"in%d\"}", i ? "," : "", i);
	n += (size_t)snprintf(text + n, cap - n, "],\"outputs\":[{\"namespace\":\"s3://b\",\"name\":\"in7\"}]}\n");
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(s, NULL, text, n, NULL, NULL, &r));
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(r.artifacts_created, N);
	assert_int_equal(r.events_created, N + 1); /* in7 is read and written */
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	int64_t id = 1;
	rq.execution_ids = &id;
	rq.n_execution_ids = 1;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ev = NULL;
	OK(mlmd_store_get_events_by_execution_ids(s, &rq, &ev));
	assert_int_equal(ev->n_events, N + 1);
	mlmd_message_free(ev);
	OK(mlmd_openlineage_import(s, NULL, text, n, NULL, NULL, &r));
	assert_int_equal(r.executions_created + r.artifacts_created + r.events_created + r.executions_updated +
				 r.artifacts_updated, 0);
	free(text);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_event_before_1970_is_skipped_not_fatal),
		cmocka_unit_test(one_run_with_thousands_of_datasets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
