/*
 * OpenLineage events into a store (mlmd_openlineage_import), on every
 * backend (MLMD_TEST_BACKEND): a job becomes an execution type, a run an
 * execution found again by its run id (START then COMPLETE is one
 * execution; out-of-order events; a terminal state is never replaced by
 * START or RUNNING; times from the earliest and latest eventTime), datasets
 * artifacts found again by namespace and name with their URI rebuilt,
 * INPUT/OUTPUT events never repeated, the parent facet a context, facets
 * kept and merged by eventTime, our own facet's type, name and properties,
 * JobEvents and DatasetEvents, the namespace filter, JSON arrays;
 * importing twice changes nothing; malformed events reported with their
 * line and skipped, or with strict the whole import refused with nothing
 * written; the limits (a huge line, deep nesting, NUL bytes, invalid UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ol_helpers.h"

#define PARENT "0c5e4a4e-1f1a-4c7e-9a55-0000000000aa"

static int import_text(mlmd_store *s, const char *text, int strict, problems *p, mlmd_openlineage_import_report *r)
{
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.strict = strict;
	return mlmd_openlineage_import(s, &o, text, strlen(text), p ? on_problem : NULL, p, r);
}

static Mlmd__Pb__GetExecutionsResponse *executions(mlmd_store *s)
{
	Mlmd__Pb__GetExecutionsRequest rq = MLMD__PB__GET_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsResponse *r = NULL;
	OK(mlmd_store_get_executions(s, &rq, &r));
	return r;
}

static Mlmd__Pb__GetArtifactsResponse *artifacts(mlmd_store *s)
{
	Mlmd__Pb__GetArtifactsRequest rq = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsResponse *r = NULL;
	OK(mlmd_store_get_artifacts(s, &rq, &r));
	return r;
}

static Mlmd__Pb__GetContextsResponse *contexts(mlmd_store *s)
{
	Mlmd__Pb__GetContextsRequest rq = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetContextsResponse *r = NULL;
	OK(mlmd_store_get_contexts(s, &rq, &r));
	return r;
}

static Mlmd__Pb__GetEventsByExecutionIDsResponse *events_of(mlmd_store *s, int64_t exec)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	rq.execution_ids = &exec;
	rq.n_execution_ids = 1;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *r = NULL;
	OK(mlmd_store_get_events_by_execution_ids(s, &rq, &r));
	return r;
}

static const char *custom_str(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRING_VALUE ? v->string_value : NULL;
}

static const Mlmd__Pb__Wkt__Struct *custom_struct(const void *node, const char *name)
{
	const Mlmd__Pb__Value *v = mlmd_node_get(node, 1, name);
	return v && v->value_case == MLMD__PB__VALUE__VALUE_STRUCT_VALUE ? v->struct_value : NULL;
}

static const Mlmd__Pb__Wkt__Value *field(const Mlmd__Pb__Wkt__Struct *s, const char *key)
{
	for (size_t i = 0; s && i < s->n_fields; i++)
		if (!strcmp(s->fields[i]->key, key))
			return s->fields[i]->value;
	return NULL;
}

static const Mlmd__Pb__Wkt__Struct *sub(const Mlmd__Pb__Wkt__Struct *s, const char *key)
{
	const Mlmd__Pb__Wkt__Value *v = field(s, key);
	return v && v->kind_case == MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE ? v->struct_value : NULL;
}

/* One run event (a JSON line, no newline). extra: members added to the
 * event ("" for none, else starting with a comma). */
static char *run_event(char *buf, size_t n, const char *type, const char *time, const char *run, const char *job,
		       const char *run_facets, const char *extra)
{
	snprintf(buf, n,
		"{\"eventType\":\"%s\",\"eventTime\":\"%s\",\"producer\":\"https://example.com/tests\","
		"\"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\","
		"\"run\":{\"runId\":\"%s\",\"facets\":{%s}},\"job\":{\"namespace\":\"sched\",\"name\":\"%s\"}%s}",
		type, time, run, run_facets, job, extra);
	return buf;
}

static void start_then_complete_updates_one_execution(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	char a[1024], b[1024], text[2200];
	run_event(a, sizeof a, "START", "2024-05-07T12:00:00.250+02:00", RUN1, "etl.extract", "",
		  ",\"inputs\":[{\"namespace\":\"file\",\"name\":\"/data/in.csv\"}]");
	run_event(b, sizeof b, "COMPLETE", "2024-05-07T10:05:00Z", RUN1, "etl.extract", "",
		  ",\"outputs\":[{\"namespace\":\"s3://lake\",\"name\":\"raw/out.parquet\"}]");
	snprintf(text, sizeof text, "%s\n\n%s\n", a, b);
	problems p = { 0 };
	mlmd_openlineage_import_report r;
	OK(import_text(s, text, 0, &p, &r));
	assert_int_equal(p.n, 0);
	assert_int_equal(r.events, 2);
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(r.artifacts_created, 2);
	assert_int_equal(r.events_created, 2);
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	assert_int_equal(e->n_executions, 1);
	const Mlmd__Pb__Execution *x = e->executions[0];
	assert_string_equal(x->type, "etl.extract");
	assert_int_equal(x->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_string_equal(custom_str(x, "openlineage_run_id"), RUN1);
	assert_string_equal(custom_str(x, "openlineage_job_namespace"), "sched");
	assert_string_equal(custom_str(x, "openlineage_job_name"), "etl.extract");
	assert_int_equal(x->create_time_since_epoch, 1715076000250); /* 10:00:00.250Z */
	assert_int_equal(x->last_update_time_since_epoch, 1715076300000);
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ev = events_of(s, x->id);
	assert_int_equal(ev->n_events, 2);
	mlmd_message_free(ev);
	Mlmd__Pb__GetArtifactsResponse *arts = artifacts(s);
	assert_int_equal(arts->n_artifacts, 2);
	assert_string_equal(arts->artifacts[0]->type, "mlmd.Dataset");
	assert_string_equal(arts->artifacts[0]->uri, "/data/in.csv");
	assert_string_equal(arts->artifacts[1]->uri, "s3://lake/raw/out.parquet");
	assert_string_equal(custom_str(arts->artifacts[1], "openlineage_namespace"), "s3://lake");
	assert_string_equal(custom_str(arts->artifacts[1], "openlineage_name"), "raw/out.parquet");
	mlmd_message_free(arts);
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void states_follow_event_types_and_terminal_states_stay(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	static const struct {
		const char *types[3];
		int want;
	} cases[] = {
		{ { "FAIL", NULL, NULL }, MLMD__PB__EXECUTION__STATE__FAILED },
		{ { "ABORT", NULL, NULL }, MLMD__PB__EXECUTION__STATE__CANCELED },
		{ { "RUNNING", NULL, NULL }, MLMD__PB__EXECUTION__STATE__RUNNING },
		{ { "OTHER", NULL, NULL }, 0 },
		/* events in file order; times rise with the index, except where the test says */
		{ { "COMPLETE", "RUNNING", NULL }, MLMD__PB__EXECUTION__STATE__COMPLETE },
		{ { "START", "FAIL", "OTHER" }, MLMD__PB__EXECUTION__STATE__FAILED },
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		char text[4096] = "", ev[1024], run[40], t[40];
		snprintf(run, sizeof run, "0c5e4a4e-1f1a-4c7e-9a55-1000000000%02zu", c);
		for (int i = 0; i < 3 && cases[c].types[i]; i++) {
			snprintf(t, sizeof t, "2024-01-01T00:00:0%dZ", i);
			run_event(ev, sizeof ev, cases[c].types[i], t, run, "job", "", "");
			strcat(text, ev);
			strcat(text, "\n");
		}
		OK(import_text(s, text, 1, NULL, NULL));
	}
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	assert_int_equal(e->n_executions, 6);
	for (size_t c = 0; c < 6; c++) {
		if (!cases[c].want)
			assert_false(e->executions[c]->has_last_known_state && e->executions[c]->last_known_state);
		else
			assert_int_equal(e->executions[c]->last_known_state, cases[c].want);
	}
	mlmd_message_free(e);

	/* out of order: COMPLETE (later time) comes first in the file, START after it */
	char a[1024], b[1024], text[2200];
	run_event(a, sizeof a, "COMPLETE", "2024-02-01T00:10:00Z", RUN1, "late", "", "");
	run_event(b, sizeof b, "START", "2024-02-01T00:00:00Z", RUN1, "late", "", "");
	snprintf(text, sizeof text, "%s\n%s", a, b);
	OK(import_text(s, text, 1, NULL, NULL));
	/* and across imports: a START imported after the run completed changes nothing */
	mlmd_openlineage_import_report r;
	OK(import_text(s, b, 1, NULL, &r));
	assert_int_equal(r.executions_created + r.executions_updated, 0);
	/* a RUNNING later than the COMPLETE still leaves it COMPLETE, but widens the time */
	run_event(b, sizeof b, "RUNNING", "2024-02-01T00:20:00Z", RUN1, "late", "", "");
	OK(import_text(s, b, 1, NULL, &r));
	assert_int_equal(r.executions_updated, 1);
	e = executions(s);
	const Mlmd__Pb__Execution *x = e->executions[6];
	assert_int_equal(x->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_int_equal(x->create_time_since_epoch, 1706745600000);
	assert_int_equal(x->last_update_time_since_epoch, 1706746800000);
	mlmd_message_free(e);
	/* a FAIL later than the COMPLETE replaces it; an earlier one does not */
	run_event(b, sizeof b, "FAIL", "2024-02-01T00:05:00Z", RUN1, "late", "", "");
	OK(import_text(s, b, 1, NULL, &r));
	e = executions(s);
	assert_int_equal(e->executions[6]->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	mlmd_message_free(e);
	run_event(b, sizeof b, "FAIL", "2024-02-01T00:30:00Z", RUN1, "late", "", "");
	OK(import_text(s, b, 1, NULL, &r));
	e = executions(s);
	assert_int_equal(e->executions[6]->last_known_state, MLMD__PB__EXECUTION__STATE__FAILED);
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void datasets_are_found_again_and_edges_never_repeat(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	const char *io = ",\"inputs\":[{\"namespace\":\"postgres://db:5432\",\"name\":\"shop.public.orders\"},"
			 "{\"namespace\":\"bigquery\",\"name\":\"proj.ds.t\"}],"
			 "\"outputs\":[{\"namespace\":\"hdfs://nn:8020\",\"name\":\"/warehouse/x\"}]";
	char a[1024], b[1024], c[1024], text[4000];
	run_event(a, sizeof a, "START", "2024-03-01T00:00:00Z", RUN1, "j1", "", io);
	run_event(b, sizeof b, "COMPLETE", "2024-03-01T00:01:00Z", RUN1, "j1", "", io);
	run_event(c, sizeof c, "START", "2024-03-01T00:02:00Z", RUN2, "j2", "",
		  ",\"inputs\":[{\"namespace\":\"hdfs://nn:8020\",\"name\":\"/warehouse/x\"}]");
	snprintf(text, sizeof text, "%s\n%s\n%s\n", a, b, c);
	mlmd_openlineage_import_report r;
	OK(import_text(s, text, 1, NULL, &r));
	assert_int_equal(r.artifacts_created, 3);
	assert_int_equal(r.executions_created, 2);
	assert_int_equal(r.events_created, 4);
	Mlmd__Pb__GetArtifactsResponse *arts = artifacts(s);
	assert_int_equal(arts->n_artifacts, 3);
	assert_string_equal(arts->artifacts[0]->uri, "postgres://db:5432/shop.public.orders");
	assert_true(!arts->artifacts[1]->uri || !arts->artifacts[1]->uri[0]); /* bigquery: no location */
	assert_string_equal(arts->artifacts[2]->uri, "hdfs://nn:8020/warehouse/x");
	int64_t shared = arts->artifacts[2]->id;
	mlmd_message_free(arts);
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ev = events_of(s, e->executions[0]->id);
	assert_int_equal(ev->n_events, 3);
	mlmd_message_free(ev);
	ev = events_of(s, e->executions[1]->id);
	assert_int_equal(ev->n_events, 1);
	assert_int_equal(ev->events[0]->artifact_id, shared);
	assert_int_equal(ev->events[0]->type, MLMD__PB__EVENT__TYPE__INPUT);
	mlmd_message_free(ev);
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void the_parent_facet_becomes_a_context(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	const char *parent = "\"parent\":{\"_producer\":\"p\",\"_schemaURL\":\"u\",\"run\":{\"runId\":\"" PARENT "\"},"
			     "\"job\":{\"namespace\":\"airflow\",\"name\":\"dag\"}}";
	char a[1024], b[1024], text[2200];
	run_event(a, sizeof a, "START", "2024-03-01T00:00:00Z", RUN1, "dag.t1", parent, "");
	run_event(b, sizeof b, "START", "2024-03-01T00:00:01Z", RUN2, "dag.t2", parent, "");
	snprintf(text, sizeof text, "%s\n%s\n", a, b);
	mlmd_openlineage_import_report r;
	OK(import_text(s, text, 1, NULL, &r));
	assert_int_equal(r.contexts_created, 1);
	Mlmd__Pb__GetContextsResponse *c = contexts(s);
	assert_int_equal(c->n_contexts, 1);
	assert_string_equal(c->contexts[0]->type, "openlineage.ParentRun");
	assert_string_equal(custom_str(c->contexts[0], "openlineage_run_id"), PARENT);
	assert_string_equal(custom_str(c->contexts[0], "openlineage_job_namespace"), "airflow");
	assert_string_equal(custom_str(c->contexts[0], "openlineage_job_name"), "dag");
	Mlmd__Pb__GetExecutionsByContextRequest rq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	rq.has_context_id = 1;
	rq.context_id = c->contexts[0]->id;
	Mlmd__Pb__GetExecutionsByContextResponse *ex = NULL;
	OK(mlmd_store_get_executions_by_context(s, &rq, &ex));
	assert_int_equal(ex->n_executions, 2);
	mlmd_message_free(ex);
	mlmd_message_free(c);
	/* the parent facet is mapped, so it is not kept among the run's facets */
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	assert_null(field(sub(custom_struct(e->executions[0], "openlineage_facets"), "run"), "parent"));
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void unknown_facets_are_kept_and_merged_by_event_time(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	char a[1024], b[1024], text[2200];
	/* the later event (by time) comes first in the file: its facet wins */
	run_event(a, sizeof a, "COMPLETE", "2024-03-01T00:10:00Z", RUN1, "j",
		  "\"custom_x\":{\"v\":2},\"gone\":{\"_deleted\":true}",
		  ",\"outputs\":[{\"namespace\":\"file\",\"name\":\"/o\",\"facets\":{\"schema\":{\"fields\":[]}},"
		  "\"outputFacets\":{\"outputStatistics\":{\"rowCount\":10}}}]");
	run_event(b, sizeof b, "START", "2024-03-01T00:00:00Z", RUN1, "j",
		  "\"custom_x\":{\"v\":1},\"nominalTime\":{\"nominalStartTime\":\"2024-03-01T00:00:00Z\"},\"gone\":{\"a\":1}",
		  "");
	snprintf(text, sizeof text, "%s\n%s\n", a, b);
	OK(import_text(s, text, 1, NULL, NULL));
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	const Mlmd__Pb__Wkt__Struct *run = sub(custom_struct(e->executions[0], "openlineage_facets"), "run");
	assert_non_null(run);
	assert_int_equal((int)field(sub(run, "custom_x"), "v")->number_value, 2);
	assert_non_null(sub(run, "nominalTime"));
	assert_null(field(run, "gone"));
	mlmd_message_free(e);
	Mlmd__Pb__GetArtifactsResponse *arts = artifacts(s);
	assert_non_null(sub(custom_struct(arts->artifacts[0], "openlineage_facets"), "schema"));
	assert_int_equal((int)field(sub(custom_struct(arts->artifacts[0], "openlineage_output_facets"), "outputStatistics"),
		"rowCount")->number_value, 10);
	mlmd_message_free(arts);
	/* a later import with a newer facet value updates it; an older one does not */
	run_event(a, sizeof a, "OTHER", "2024-03-01T00:20:00Z", RUN1, "j", "\"custom_x\":{\"v\":3}", "");
	mlmd_openlineage_import_report r;
	OK(import_text(s, a, 1, NULL, &r));
	assert_int_equal(r.executions_updated, 1);
	run_event(a, sizeof a, "OTHER", "2024-03-01T00:01:00Z", RUN1, "j", "\"custom_x\":{\"v\":0}", "");
	OK(import_text(s, a, 1, NULL, &r));
	assert_int_equal(r.executions_updated, 0);
	e = executions(s);
	run = sub(custom_struct(e->executions[0], "openlineage_facets"), "run");
	assert_int_equal((int)field(sub(run, "custom_x"), "v")->number_value, 3);
	assert_int_equal(e->executions[0]->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	mlmd_message_free(e);
	mlmd_store_free(s);
}

/* Everything the store holds as bytes: nodes, events, contexts' members. */
static char *snapshot(mlmd_store *s, size_t *len)
{
	void *msgs[3] = { executions(s), artifacts(s), contexts(s) };
	size_t total = 0;
	for (int i = 0; i < 3; i++)
		total += protobuf_c_message_get_packed_size(msgs[i]);
	Mlmd__Pb__GetExecutionsResponse *e = msgs[0];
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	int64_t ids[64];
	for (size_t i = 0; i < e->n_executions && i < 64; i++)
		ids[rq.n_execution_ids++] = e->executions[i]->id;
	rq.execution_ids = ids;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ev = NULL;
	OK(mlmd_store_get_events_by_execution_ids(s, &rq, &ev));
	total += protobuf_c_message_get_packed_size(&ev->base);
	char *buf = malloc(total + 1), *p = buf;
	for (int i = 0; i < 3; i++) {
		p += protobuf_c_message_pack(msgs[i], (uint8_t *)p);
		mlmd_message_free(msgs[i]);
	}
	p += protobuf_c_message_pack(&ev->base, (uint8_t *)p);
	mlmd_message_free(ev);
	*len = (size_t)(p - buf);
	return buf;
}

static const char *MIXED =
	"{\"eventType\":\"START\",\"eventTime\":\"2024-04-01T08:00:00.5Z\",\"producer\":\"p\",\"run\":{\"runId\":\"" RUN1 "\","
	"\"facets\":{\"parent\":{\"run\":{\"runId\":\"" PARENT "\"},\"job\":{\"namespace\":\"n\",\"name\":\"dag\"}},"
	"\"spark_version\":{\"spark-version\":\"3.5.0\"}}},\"job\":{\"namespace\":\"spark\",\"name\":\"app.insert\","
	"\"facets\":{\"sql\":{\"query\":\"insert into t select 1\"}}},"
	"\"inputs\":[{\"namespace\":\"file\",\"name\":\"/in\",\"inputFacets\":{\"dq\":{\"rows\":1}}}]}\n"
	"{\"eventType\":\"COMPLETE\",\"eventTime\":\"2024-04-01T08:01:00Z\",\"producer\":\"p\",\"run\":{\"runId\":\"" RUN1 "\"},"
	"\"job\":{\"namespace\":\"spark\",\"name\":\"app.insert\"},\"outputs\":[{\"namespace\":\"file\",\"name\":\"/out\"}]}\n"
	"{\"eventTime\":\"2024-04-01T07:00:00Z\",\"producer\":\"p\",\"job\":{\"namespace\":\"spark\",\"name\":\"app.insert\","
	"\"facets\":{\"documentation\":{\"description\":\"loads t\"}}},\"inputs\":[{\"namespace\":\"file\",\"name\":\"/in\"}]}\n"
	"{\"eventTime\":\"2024-04-01T06:00:00Z\",\"producer\":\"p\",\"dataset\":{\"namespace\":\"file\",\"name\":\"/static\","
	"\"facets\":{\"documentation\":{\"description\":\"a table\"}}}}\n";

static void importing_twice_changes_nothing(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	mlmd_openlineage_import_report r;
	OK(import_text(s, MIXED, 1, NULL, &r));
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(r.contexts_created, 2);
	assert_int_equal(r.artifacts_created, 3);
	size_t n1, n2;
	char *before = snapshot(s, &n1);
	OK(import_text(s, MIXED, 1, NULL, &r));
	assert_int_equal(r.events, 4);
	assert_int_equal(r.executions_created + r.executions_updated + r.artifacts_created + r.artifacts_updated +
		r.contexts_created + r.contexts_updated + r.events_created, 0);
	char *after = snapshot(s, &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	free(before);
	free(after);
	mlmd_store_free(s);
}

static void job_and_dataset_events_are_taken(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	OK(import_text(s, MIXED, 1, NULL, NULL));
	Mlmd__Pb__GetContextsResponse *c = contexts(s);
	assert_int_equal(c->n_contexts, 2);
	const Mlmd__Pb__Context *job = !strcmp(c->contexts[0]->type, "openlineage.Job") ? c->contexts[0] : c->contexts[1];
	assert_string_equal(job->type, "openlineage.Job");
	assert_string_equal(job->name, "spark/app.insert");
	assert_non_null(sub(custom_struct(job, "openlineage_facets"), "documentation"));
	Mlmd__Pb__GetArtifactsByContextRequest rq = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	rq.has_context_id = 1;
	rq.context_id = job->id;
	Mlmd__Pb__GetArtifactsByContextResponse *a = NULL;
	OK(mlmd_store_get_artifacts_by_context(s, &rq, &a));
	assert_int_equal(a->n_artifacts, 1);
	assert_string_equal(a->artifacts[0]->uri, "/in");
	mlmd_message_free(a);
	mlmd_message_free(c);
	Mlmd__Pb__GetArtifactsResponse *arts = artifacts(s);
	const Mlmd__Pb__Artifact *st = arts->artifacts[2];
	assert_string_equal(st->uri, "/static");
	assert_non_null(sub(custom_struct(st, "openlineage_facets"), "documentation"));
	assert_int_equal(st->create_time_since_epoch, 1711951200000);
	mlmd_message_free(arts);
	/* the job's facets of a run event are kept on the execution, under "job" */
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	const Mlmd__Pb__Wkt__Struct *kept = custom_struct(e->executions[0], "openlineage_facets");
	assert_non_null(sub(sub(kept, "job"), "sql"));
	assert_non_null(sub(sub(kept, "run"), "spark_version"));
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void the_namespace_option_filters_jobs(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.ns = "other";
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(s, &o, MIXED, strlen(MIXED), NULL, NULL, &r));
	assert_int_equal(r.ignored, 3);
	assert_int_equal(r.executions_created, 0);
	assert_int_equal(r.artifacts_created, 1); /* the dataset event */
	o.ns = "spark";
	OK(mlmd_openlineage_import(s, &o, MIXED, strlen(MIXED), NULL, NULL, &r));
	assert_int_equal(r.ignored, 0);
	assert_int_equal(r.executions_created, 1);
	mlmd_store_free(s);
}

static void our_facet_gives_type_name_and_properties(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	const char *ev =
		"{\"eventType\":\"COMPLETE\",\"eventTime\":\"2024-04-01T08:00:00Z\",\"producer\":\"p\",\"run\":{\"runId\":\"" RUN1
		"\",\"facets\":{\"mlmd\":{\"kind\":\"execution\",\"id\":7,\"type\":\"Trainer\",\"name\":\"run-7\","
		"\"state\":\"CACHED\","
		"\"properties\":{\"epochs\":5,\"lr\":0.5,\"loss\":\"NaN\",\"w\":1},\"customProperties\":{\"note\":\"hi\","
		"\"ok\":true,\"cfg\":{\"a\":[1,2]},\"pb\":{\"typeUrl\":\"type.googleapis.com/x.Y\",\"base64url\":\"AQI\"}}}}},"
		"\"job\":{\"namespace\":\"mlmd\",\"name\":\"Trainer.run-7\",\"facets\":{\"mlmd\":"
		"{\"kind\":\"execution_type\",\"type\":\"Trainer\",\"baseType\":\"TRAIN\",\"propertyTypes\":{\"epochs\":\"INT\","
		"\"lr\":\"DOUBLE\",\"loss\":\"DOUBLE\",\"w\":\"DOUBLE\"}}}},"
		"\"outputs\":[{\"namespace\":\"mlmd\",\"name\":\"Model.m\",\"facets\":{\"mlmd\":{\"kind\":\"artifact\","
		"\"type\":\"Model\",\"name\":\"m\",\"uri\":\"/models/m.onnx\",\"state\":\"LIVE\",\"properties\":{\"version\":3}}}}]}";
	OK(import_text(s, ev, 1, NULL, NULL));
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	const Mlmd__Pb__Execution *x = e->executions[0];
	assert_string_equal(x->type, "Trainer");
	assert_string_equal(x->name, "run-7");
	assert_int_equal(x->last_known_state, MLMD__PB__EXECUTION__STATE__CACHED); /* COMPLETE, and our facet says CACHED */
	assert_int_equal(mlmd_node_get(x, 0, "epochs")->int_value, 5);
	assert_true(mlmd_node_get(x, 0, "lr")->double_value == 0.5);
	assert_string_equal(custom_str(x, "note"), "hi");
	assert_true(mlmd_node_get(x, 1, "ok")->bool_value);
	assert_non_null(custom_struct(x, "cfg"));
	assert_true(mlmd_node_get(x, 0, "loss")->double_value != mlmd_node_get(x, 0, "loss")->double_value); /* NaN */
	assert_true(mlmd_node_get(x, 0, "w")->double_value == 1.0); /* a whole number, declared DOUBLE */
	const Mlmd__Pb__Value *pbv = mlmd_node_get(x, 1, "pb");
	assert_int_equal(pbv->value_case, MLMD__PB__VALUE__VALUE_PROTO_VALUE);
	assert_string_equal(pbv->proto_value->type_url, "type.googleapis.com/x.Y");
	assert_int_equal(pbv->proto_value->value.len, 2);
	Mlmd__Pb__GetExecutionTypesRequest trq = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesResponse *tr = NULL;
	OK(mlmd_store_get_execution_types(s, &trq, &tr));
	assert_int_equal(tr->execution_types[0]->base_type, MLMD__PB__EXECUTION_TYPE__SYSTEM_DEFINED_BASE_TYPE__TRAIN);
	mlmd_message_free(tr);
	assert_null(field(sub(custom_struct(x, "openlineage_facets"), "run"), "mlmd"));
	mlmd_message_free(e);
	Mlmd__Pb__GetArtifactsResponse *arts = artifacts(s);
	assert_string_equal(arts->artifacts[0]->type, "Model");
	assert_string_equal(arts->artifacts[0]->name, "m");
	assert_string_equal(arts->artifacts[0]->uri, "/models/m.onnx");
	assert_int_equal(arts->artifacts[0]->state, MLMD__PB__ARTIFACT__STATE__LIVE);
	assert_int_equal(mlmd_node_get(arts->artifacts[0], 0, "version")->int_value, 3);
	mlmd_message_free(arts);
	/* a value that does not fit the stored type fails the import, and nothing of it is written */
	const char *bad = "{\"eventType\":\"START\",\"eventTime\":\"2024-04-01T09:00:00Z\",\"run\":{\"runId\":\"" RUN2 "\","
		"\"facets\":{\"mlmd\":{\"type\":\"Trainer\",\"properties\":{\"epochs\":\"five\"}}}},"
		"\"job\":{\"namespace\":\"mlmd\",\"name\":\"Trainer\"},\"inputs\":[{\"namespace\":\"file\",\"name\":\"/x\"}]}";
	/* the same event again changes nothing (the state stays CACHED) */
	mlmd_openlineage_import_report r;
	OK(import_text(s, ev, 1, NULL, &r));
	assert_int_equal(r.executions_updated + r.artifacts_updated, 0);
	FAILS(import_text(s, bad, 0, NULL, NULL), MLMD_INVALID_ARGUMENT, "property \"epochs\" does not fit its type (INT)");
	e = executions(s);
	assert_int_equal(e->n_executions, 1);
	mlmd_message_free(e);
	mlmd_store_free(s);
}

static void a_json_array_is_read_with_line_numbers(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	char a[1024], b[1024], text[2400];
	run_event(a, sizeof a, "START", "2024-03-01T00:00:00Z", RUN1, "j", "", "");
	run_event(b, sizeof b, "COMPLETE", "2024-03-01T00:01:00Z", RUN1, "j", "", "");
	snprintf(text, sizeof text, "  \n[\n%s,\n  {\"eventTime\": 5},\n  %s\n]\n", a, b);
	problems p = { 0 };
	mlmd_openlineage_import_report r;
	OK(import_text(s, text, 0, &p, &r));
	assert_int_equal(r.events, 3);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.line[0], 4);
	assert_non_null(strstr(p.msg[0], "\"eventTime\" must be a string"));
	assert_int_equal(r.executions_created, 1);
	/* an array that is not JSON cannot be read past the fault: refused whole */
	mlmd_store *s2 = open_memory();
	snprintf(text, sizeof text, "[\n%s,\n{\"eventTime\" 5}\n]", a);
	FAILS(import_text(s2, text, 0, &p, &r), MLMD_INVALID_ARGUMENT, "line 3");
	Mlmd__Pb__GetExecutionsResponse *e = executions(s2);
	assert_int_equal(e->n_executions, 0);
	mlmd_message_free(e);
	mlmd_store_free(s2);
	mlmd_store_free(s);
}

/* Malformed lines, each with what its message must say. */
static const struct {
	const char *line;
	const char *says;
} BAD[] = {
	{ "not json", "not a JSON event" },
	{ "[1,2]", "must be a JSON object" },
	{ "{\"producer\":\"p\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"}}", "\"eventTime\" is missing" },
	{ "{\"eventTime\":\"2024-13-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"}}", "RFC 3339" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"}}", "time zone" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"run-1\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"}}", "not a UUID" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\"}}", "job: \"name\" is missing" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"\"}}", "\"name\" is empty" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"},\"inputs\":{}}", "\"inputs\" must be an array" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\",\"name\":\"b\"},\"eventType\":\"DONE\"}", "\"eventType\" must be one of" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\",\"facets\":{\"x\":1}},\"job\":{\"namespace\":\"a\",\"name\":\"b\"}}", "facet \"x\" must be an object" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventTime\":\"2024-01-01T00:00:00Z\"}", "appears twice" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\\u0000\",\"name\":\"b\"}}", "NUL byte" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"run\":{\"runId\":\"" RUN1 "\"},\"job\":{\"namespace\":\"a\xff\",\"name\":\"b\"}}", "not valid UTF-8" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\"}", "needs \"run\" and \"job\"" },
	{ "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"dataset\":{\"namespace\":\"a\",\"name\":\"b\"},\"job\":{}}", "dataset event has a \"job\"" },
};

static void malformed_events_are_reported_with_their_line_and_skipped(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	size_t nb = sizeof BAD / sizeof *BAD;
	char good[1024];
	run_event(good, sizeof good, "START", "2024-03-01T00:00:00Z", RUN1, "j", "", "");
	/* deep nesting: one level more than an event may have */
	char deep[200] = "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"x\":";
	for (int i = 0; i < 32; i++)
		strcat(deep, "[");
	for (int i = 0; i < 32; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	size_t cap = 64 * 1024;
	char *text = malloc(cap);
	size_t n = 0;
	for (size_t i = 0; i < nb; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s\n", BAD[i].line);
	n += (size_t)snprintf(text + n, cap - n, "%s\n", deep);
	/* a raw NUL byte inside a line */
	memcpy(text + n, "{\"a\":\0}\n", 8);
	n += 8;
	n += (size_t)snprintf(text + n, cap - n, "%s\n", good);
	problems p = { 0 };
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(s, &o, text, n, on_problem, &p, &r));
	assert_int_equal(p.n, nb + 2);
	assert_int_equal(r.skipped, nb + 2);
	assert_int_equal(r.events, nb + 3);
	for (size_t i = 0; i < nb; i++) {
		assert_int_equal(p.line[i], i + 1);
		if (!strstr(p.msg[i], BAD[i].says))
			fail_msg("line %zu: '%s' lacks '%s'", i + 1, p.msg[i], BAD[i].says);
	}
	assert_int_equal(p.line[nb], nb + 1);
	assert_non_null(strstr(p.msg[nb], "deeper"));
	assert_int_equal(p.line[nb + 1], nb + 2);
	assert_non_null(strstr(p.msg[nb + 1], "NUL byte"));
	assert_int_equal(r.executions_created, 1);
	free(text);

	/* a line over the limit is refused before it is read */
	size_t big = (16u << 20) + 10;
	char *huge = malloc(big + 1);
	memset(huge, ' ', big);
	memcpy(huge, "{\"a\":\"", 6);
	huge[big - 2] = '"';
	huge[big - 1] = '}';
	huge[big] = 0;
	p.n = 0;
	OK(mlmd_openlineage_import(s, &o, huge, big, on_problem, &p, &r));
	assert_int_equal(p.n, 1);
	assert_non_null(strstr(p.msg[0], "more than the"));
	free(huge);
	mlmd_store_free(s);
}

static void strict_refuses_the_whole_import_naming_the_line(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	char text[4096];
	snprintf(text, sizeof text, "%s%s\n", MIXED, BAD[5].line);
	mlmd_openlineage_import_report r;
	FAILS(import_text(s, text, 1, NULL, &r), MLMD_INVALID_ARGUMENT, "line 5: run: \"runId\" is not a UUID");
	assert_non_null(strstr(mlmd_error_message(), "nothing was imported"));
	assert_int_equal(r.executions_created + r.artifacts_created + r.contexts_created, 0);
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	assert_int_equal(e->n_executions, 0);
	mlmd_message_free(e);
	Mlmd__Pb__GetArtifactsResponse *a = artifacts(s);
	assert_int_equal(a->n_artifacts, 0);
	mlmd_message_free(a);
	Mlmd__Pb__GetExecutionTypesRequest rq = MLMD__PB__GET_EXECUTION_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetExecutionTypesResponse *t = NULL;
	OK(mlmd_store_get_execution_types(s, &rq, &t));
	assert_int_equal(t->n_execution_types, 0);
	mlmd_message_free(t);
	/* without strict the same text imports what is good */
	problems p = { 0 };
	OK(import_text(s, text, 0, &p, &r));
	assert_int_equal(p.n, 1);
	assert_int_equal(p.line[0], 5);
	assert_int_equal(r.executions_created, 1);
	mlmd_store_free(s);
}

static void a_full_event_from_the_specification_imports(void **state)
{
	(void)state;
	const char *path = "../shared/conformance/openlineage/example_full_event.json";
	FILE *f = fopen(path, "rb");
	if (!f) {
		skip();
	}
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	mlmd_store *s = open_memory();
	mlmd_openlineage_import_report r;
	problems p = { 0 };
	OK(import_text(s, buf, 1, &p, &r));
	assert_int_equal(r.events, 1);
	assert_int_equal(r.executions_created, 1);
	assert_int_equal(r.contexts_created, 1);
	assert_int_equal(r.artifacts_created, 1); /* read and written: one dataset, two events */
	assert_int_equal(r.events_created, 2);
	Mlmd__Pb__GetExecutionsResponse *e = executions(s);
	assert_string_equal(e->executions[0]->type, "myjob.mytask");
	assert_int_equal(e->executions[0]->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	assert_string_equal(custom_str(e->executions[0], "openlineage_run_id"), "ea041791-68bc-4ae1-bd89-4c8106a157e4");
	mlmd_message_free(e);
	OK(import_text(s, buf, 1, &p, &r));
	assert_int_equal(r.executions_updated + r.artifacts_updated + r.contexts_updated + r.events_created, 0);
	mlmd_store_free(s);
}

static void arguments_are_checked(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	FAILS(mlmd_openlineage_import(NULL, NULL, "", 0, NULL, NULL, NULL), MLMD_INVALID_ARGUMENT, "store is NULL");
	FAILS(mlmd_openlineage_import(s, NULL, NULL, 3, NULL, NULL, NULL), MLMD_INVALID_ARGUMENT, "text is NULL");
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.version = 9;
	FAILS(mlmd_openlineage_import(s, &o, "", 0, NULL, NULL, NULL), MLMD_INVALID_ARGUMENT, "version is 9");
	mlmd_openlineage_import_report r;
	OK(mlmd_openlineage_import(s, NULL, "\n\n  \n", 5, NULL, NULL, &r));
	assert_int_equal(r.events, 0);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(start_then_complete_updates_one_execution),
		cmocka_unit_test(states_follow_event_types_and_terminal_states_stay),
		cmocka_unit_test(datasets_are_found_again_and_edges_never_repeat),
		cmocka_unit_test(the_parent_facet_becomes_a_context),
		cmocka_unit_test(unknown_facets_are_kept_and_merged_by_event_time),
		cmocka_unit_test(importing_twice_changes_nothing),
		cmocka_unit_test(job_and_dataset_events_are_taken),
		cmocka_unit_test(the_namespace_option_filters_jobs),
		cmocka_unit_test(our_facet_gives_type_name_and_properties),
		cmocka_unit_test(a_json_array_is_read_with_line_numbers),
		cmocka_unit_test(malformed_events_are_reported_with_their_line_and_skipped),
		cmocka_unit_test(strict_refuses_the_whole_import_naming_the_line),
		cmocka_unit_test(a_full_event_from_the_specification_imports),
		cmocka_unit_test(arguments_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
