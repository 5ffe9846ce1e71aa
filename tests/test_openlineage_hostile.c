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
#include "util/base.h" /* mlmd__json_writer_utf8_only */

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

/* One event naming more datasets than the import writes in one batch
 * (once a stack overflow); its edges are found again by an index, not a
 * scan per dataset (once quadratic: 100k datasets took minutes). */
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
	/* a dataset named twice on one side is one edge */
	n += (size_t)snprintf(text + n, cap - n, ",{\"namespace\":\"s3://b\",\"name\":\"in0\"}],"
			      "\"outputs\":[{\"namespace\":\"s3://b\",\"name\":\"in7\"}]}\n");
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

/* ---- export ---------------------------------------------------------------------------------- */

/* The events an export gives, one JSON text each, joined by newlines. */
typedef struct lines {
	char *p;
	size_t len, n;
} lines;

static int collect(const char *event, size_t len, void *user)
{
	lines *l = user;
	char *np = realloc(l->p, l->len + len + 2);
	if (!np)
		return 1;
	l->p = np;
	memcpy(l->p + l->len, event, len);
	l->len += len;
	l->p[l->len++] = '\n';
	l->p[l->len] = 0;
	l->n++;
	return 0;
}

/* Whether s[0..n) is well-formed UTF-8. */
static int utf8_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = c < 0x80 ? 0 : c >= 0xC2 && c <= 0xDF ? 1 : c >= 0xE0 && c <= 0xEF ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 9;
		if (k == 9 || i + k >= n + (k == 0))
			return 0;
		for (size_t j = 1; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
		if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F) || (c == 0xF0 && s[i + 1] < 0x90) ||
		    (c == 0xF4 && s[i + 1] > 0x8F))
			return 0;
		i += k + 1;
	}
	return 1;
}

/* One execution of type T reading one artifact of type D (uri, name);
 * returns what PutExecution returned. */
static int put_run(mlmd_store *s, const char *uri, const char *name, const char *prop)
{
	Mlmd__Pb__ArtifactType *at = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	at->name = strdup("D");
	Mlmd__Pb__PutArtifactTypeRequest trq = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	trq.artifact_type = at;
	Mlmd__Pb__PutArtifactTypeResponse *trs = NULL;
	OK(mlmd_store_put_artifact_type(s, &trq, &trs));
	Mlmd__Pb__ExecutionType *et = mlmd_message_new(&mlmd__pb__execution_type__descriptor);
	et->name = strdup("T");
	Mlmd__Pb__PutExecutionTypeRequest erq = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
	erq.execution_type = et;
	Mlmd__Pb__PutExecutionTypeResponse *ers = NULL;
	OK(mlmd_store_put_execution_type(s, &erq, &ers));
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = trs->type_id;
	a->uri = strdup(uri);
	a->name = strdup(name);
	OK(mlmd_node_set_string(a, 1, prop, prop));
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = ers->type_id;
	e->name = strdup(name);
	e->has_last_known_state = 1;
	e->last_known_state = MLMD__PB__EXECUTION__STATE__COMPLETE;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent ae = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT, *aep = &ae;
	Mlmd__Pb__Event ev = MLMD__PB__EVENT__INIT;
	ev.has_type = 1;
	ev.type = MLMD__PB__EVENT__TYPE__INPUT;
	ae.artifact = a;
	ae.event = &ev;
	Mlmd__Pb__PutExecutionRequest prq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	prq.execution = e;
	prq.artifact_event_pairs = &aep;
	prq.n_artifact_event_pairs = 1;
	Mlmd__Pb__PutExecutionResponse *prs = NULL;
	int rc = mlmd_store_put_execution(s, &prq, &prs);
	mlmd_message_free(prs);
	mlmd_message_free(a);
	mlmd_message_free(e);
	mlmd_message_free(at);
	mlmd_message_free(et);
	mlmd_message_free(trs);
	mlmd_message_free(ers);
	return rc;
}

/* The typed C API lets bytes that are not UTF-8 into the store; the export
 * is JSON, which must be UTF-8: each such byte is written as U+FFFD. */
static void export_of_invalid_utf8_is_valid_json(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int rc = put_run(s, "s3://bucket/k\xff\xc3", "n\xed\xa0\x80\x01\"</script>", "p\xfe");
	if (rc) { /* PostgreSQL refuses such bytes itself: nothing to export */
		assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
		assert_non_null(strstr(mlmd_error_message(), "UTF8"));
		mlmd_store_free(s);
		s = open_memory();
		OK(put_run(s, "s3://bucket/k\xef\xbf\xbd\xef\xbf\xbd", "n\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\x01\"</script>", "p"));
	}
	lines l = { 0 };
	size_t n = 0;
	OK(mlmd_openlineage_export(s, NULL, collect, &l, &n));
	assert_int_equal(n, 2);
	assert_true(utf8_ok((const unsigned char *)l.p, l.len));
	assert_non_null(strstr(l.p, "\"name\":\"k\xEF\xBF\xBD\xEF\xBF\xBD\""));
	assert_non_null(strstr(l.p, "n\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\\u0001\\\"</script>"));
	/* every line reads back as one JSON value */
	for (char *line = l.p, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		mlmd_json_reader *r = NULL;
		const char *t;
		size_t tl;
		OK(mlmd_json_reader_new(&r, line, (size_t)(end - line), 64));
		OK(mlmd_json_skip(r));
		assert_int_equal(mlmd_json_next(r, &t, &tl), 0); /* nothing after the value */
		mlmd_json_reader_free(r);
	}
	free(l.p);
	/* the writer as the export sets it: overlong, surrogate, stray and truncated bytes */
	mlmd_json_writer *w = NULL;
	OK(mlmd_json_writer_new(&w, NULL));
	mlmd__json_writer_utf8_only(w);
	mlmd_json_string(w, "a\xc0\xaf" "b\xed\xbf\xbf\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x90\x80\x80\xe2\x82");
	OK(mlmd_json_writer_status(w));
	assert_string_equal(mlmd_json_writer_text(w, NULL),
			    "\"a\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xe2\x82\xac\xf0\x9f\x98\x80"
			    "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	mlmd_json_writer_free(w);
	mlmd_store_free(s);
}

/* "file://" (no path) names no dataset: the export names it from its type
 * and name, as an artifact without a URI, and the import takes it back. */
static void a_uri_that_names_no_dataset_is_named_from_the_artifact(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(put_run(s, "file://", "a", "x"));
	lines l = { 0 };
	OK(mlmd_openlineage_export(s, NULL, collect, &l, NULL));
	assert_non_null(strstr(l.p, "\"inputs\":[{\"namespace\":\"mlmd\",\"name\":\"D.a\""));
	mlmd_store *t = open_memory();
	problems p = { 0 };
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(t, NULL, l.p, l.len, on_problem, &p, &r));
	assert_int_equal(p.n, 0);
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(r.artifacts_created, 1);
	free(l.p);
	mlmd_store_free(t);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_event_before_1970_is_skipped_not_fatal),
		cmocka_unit_test(one_run_with_thousands_of_datasets),
		cmocka_unit_test(export_of_invalid_utf8_is_valid_json),
		cmocka_unit_test(a_uri_that_names_no_dataset_is_named_from_the_artifact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
