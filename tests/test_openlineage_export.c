/*
 * tests/test_openlineage_export.c - the OpenLineage export: event types per
 * state, times (before 1970, far dates), run ids (pinned to an independent
 * implementation of RFC 4122 version 5), dataset names by URI, the parent
 * run, facets kept from an import written back, hostile property values
 * giving valid JSON, --since, a sink that stops, and the batched export
 * agreeing with the one-execution path. Runs on every backend
 * (MLMD_TEST_BACKEND). The schema validation of whole events is
 * tests/python/test_openlineage_export.py.
 */
#include <math.h>
#include <time.h>
#include "helpers.h"
#include "openlineage/export.h"

/* ---- collecting events ---------------------------------------------------------------------- */

typedef struct events {
	char **v;
	size_t n;
	size_t stop_after; /* 0: never stop */
} events;

static int collect(const char *event, size_t len, void *user)
{
	events *e = user;
	assert_int_equal(strlen(event), len);
	char **v = realloc(e->v, (e->n + 1) * sizeof *v);
	assert_non_null(v);
	e->v = v;
	e->v[e->n] = strdup(event);
	assert_non_null(e->v[e->n]);
	e->n++;
	return e->stop_after && e->n >= e->stop_after;
}

static void events_free(events *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof *e);
}

/* The text is one JSON value, read to its end. */
static void assert_json(const char *text)
{
	mlmd_json_reader *r;
	OK(mlmd_json_reader_new(&r, text, strlen(text), MLMD_JSON_MAX_DEPTH));
	int t;
	while ((t = mlmd_json_next(r, NULL, NULL)) > 0)
		;
	if (t < 0)
		fail_msg("not JSON (%s): %.200s", mlmd_error_message(), text);
	mlmd_json_reader_free(r);
}

static void has(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' not in %.3000s", needle, text);
}

static void lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("'%s' unexpectedly in %.3000s", needle, text);
}

/* ---- building a store ----------------------------------------------------------------------- */

static int64_t put_exec(mlmd_store *s, int64_t type_id, const char *name, int state, Mlmd__Pb__Execution *e)
{
	if (!e)
		e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	e->has_type_id = 1;
	e->type_id = type_id;
	if (name)
		OK(mlmd_message_set_string(e, "name", name));
	if (state >= 0) {
		e->has_last_known_state = 1;
		e->last_known_state = (Mlmd__Pb__Execution__State)state;
	}
	int64_t id = put_execution_msg(s, e);
	mlmd_message_free(e);
	return id;
}

static int64_t put_art(mlmd_store *s, int64_t type_id, const char *name, const char *uri, Mlmd__Pb__Artifact *a)
{
	if (!a)
		a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	a->has_type_id = 1;
	a->type_id = type_id;
	if (name)
		OK(mlmd_message_set_string(a, "name", name));
	if (uri)
		OK(mlmd_message_set_string(a, "uri", uri));
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

static Mlmd__Pb__Execution *get_exec(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &id;
	OK(mlmd_store_get_executions_by_id(s, &rq, &rs));
	assert_int_equal(rs->n_executions, 1);
	Mlmd__Pb__Execution *e = rs->executions[0];
	rs->n_executions = 0;
	mlmd_message_free(rs);
	return e;
}

/* google.protobuf.Struct values, built on the heap (mlmd_message_free frees them whole). */
static Mlmd__Pb__Wkt__Value *v_string(const char *s)
{
	Mlmd__Pb__Wkt__Value *v = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRING_VALUE;
	v->string_value = strdup(s);
	return v;
}

static Mlmd__Pb__Wkt__Value *v_struct(Mlmd__Pb__Wkt__Struct *st)
{
	Mlmd__Pb__Wkt__Value *v = mlmd_message_new(&mlmd__pb__wkt__value__descriptor);
	v->kind_case = MLMD__PB__WKT__VALUE__KIND_STRUCT_VALUE;
	v->struct_value = st;
	return v;
}

static Mlmd__Pb__Wkt__Struct *st_put(Mlmd__Pb__Wkt__Struct *st, const char *key, Mlmd__Pb__Wkt__Value *v)
{
	if (!st)
		st = mlmd_message_new(&mlmd__pb__wkt__struct__descriptor);
	Mlmd__Pb__Wkt__Struct__FieldsEntry *f = mlmd_message_new(&mlmd__pb__wkt__struct__fields_entry__descriptor);
	OK(mlmd_message_set_string(f, "key", key));
	f->value = v;
	OK(mlmd_message_append(st, "fields", f));
	return st;
}

/* A facet as an import keeps it: {"_producer": .., "_schemaURL": .., key: value}. */
static Mlmd__Pb__Wkt__Value *facet(const char *key, const char *value)
{
	Mlmd__Pb__Wkt__Struct *st = st_put(NULL, "_producer", v_string("https://example.com/airflow"));
	st_put(st, "_schemaURL", v_string("https://example.com/facet.json"));
	st_put(st, key, v_string(value));
	return v_struct(st);
}

static void set_struct(void *node, const char *name, Mlmd__Pb__Wkt__Struct *st)
{
	/* through a string first, then the value switched to the struct */
	OK(mlmd_node_set_string(node, 1, name, ""));
	Mlmd__Pb__Value *v = (Mlmd__Pb__Value *)mlmd_node_get(node, 1, name);
	assert_non_null(v);
	free(v->string_value);
	v->value_case = MLMD__PB__VALUE__VALUE_STRUCT_VALUE;
	v->struct_value = st;
}

/* ---- times and ids -------------------------------------------------------------------------- */

static void format_time_pins_dates(void **state)
{
	(void)state;
	static const struct { int64_t ms; const char *want; } cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -86400000, "1969-12-31T00:00:00.000Z" },
		{ -86400001, "1969-12-30T23:59:59.999Z" },
		{ 68169600000, "1972-02-29T00:00:00.000Z" },
		{ 951782400123, "2000-02-29T00:00:00.123Z" },
		{ 1796303655085, "2026-12-03T13:14:15.085Z" },
		{ 4107542399999, "2100-02-28T23:59:59.999Z" },
		{ -2208988800000, "1900-01-01T00:00:00.000Z" },
		{ -62135596800000, "0001-01-01T00:00:00.000Z" },
		{ -62167219200000, "0000-01-01T00:00:00.000Z" },
		{ 253402300799999, "9999-12-31T23:59:59.999Z" },
		/* outside four-digit years: the nearest end of the range */
		{ 253402300800000, "9999-12-31T23:59:59.999Z" },
		{ INT64_MAX, "9999-12-31T23:59:59.999Z" },
		{ -62167219200001, "0000-01-01T00:00:00.000Z" },
		{ INT64_MIN, "0000-01-01T00:00:00.000Z" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char out[32];
		mlmd__ol_format_time(cases[i].ms, out);
		assert_string_equal(out, cases[i].want);
		assert_int_equal(strlen(out), 24);
	}
}

static void format_time_agrees_with_gmtime(void **state)
{
	(void)state;
	/* every 997 hours and 1 ms from 1601 to 2400, against the C library */
	for (int64_t ms = -11644473600000LL; ms < 13569465600000LL; ms += 3589200001LL) {
		char out[32], want[96];
		mlmd__ol_format_time(ms, out);
		int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
		time_t t = (time_t)sec;
		struct tm tm;
		assert_non_null(gmtime_r(&t, &tm));
		snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms - sec * 1000));
		assert_string_equal(out, want);
	}
}

static void uuid_is_version5_and_stable(void **state)
{
	(void)state;
	char a[37], b[37], c[37];
	/* pinned to Python's uuid.uuid5(UUID('26809e20-f4cc-4d6d-9810-12f14cc68022'), 'execution:1:1700000000000') */
	mlmd__ol_uuid("execution", 1, 1700000000000LL, a);
	assert_string_equal(a, "3144e7ce-04ef-5d40-a15b-f2caa4851b3a");
	mlmd__ol_uuid("context", 7, -5, b);
	assert_string_equal(b, "dff91d00-6f1f-5c81-ae2f-b78f55b0c993");
	/* the same inputs, the same id; any input changed, another */
	mlmd__ol_uuid("execution", 1, 1700000000000LL, b);
	assert_string_equal(a, b);
	mlmd__ol_uuid("context", 1, 1700000000000LL, b);
	mlmd__ol_uuid("execution", 2, 1700000000000LL, c);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	mlmd__ol_uuid("execution", 1, 1700000000001LL, c);
	assert_string_not_equal(a, c);
	/* the form: lower-case hex 8-4-4-4-12, version 5, RFC 4122 variant */
	for (int64_t id = -3; id < 200; id++) {
		mlmd__ol_uuid("execution", id, id * 1000, c);
		assert_int_equal(strlen(c), 36);
		for (int i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				assert_int_equal(c[i], '-');
			else if (!((c[i] >= '0' && c[i] <= '9') || (c[i] >= 'a' && c[i] <= 'f')))
				fail_msg("'%s' is not lower-case hex", c);
		}
		assert_int_equal(c[14], '5');
		assert_non_null(strchr("89ab", c[19]));
	}
}

/* ---- dataset names -------------------------------------------------------------------------- */

static void dataset_names_follow_the_naming_spec(void **state)
{
	(void)state;
	static const struct { const char *uri, *type, *name; int64_t id; const char *ns, *want_name; } cases[] = {
		{ "/data/iris.csv", "DataSet", "iris", 1, "file", "/data/iris.csv" },
		{ "data/iris.csv", "DataSet", "iris", 1, "file", "data/iris.csv" },
		{ "file:///tmp/a%20b/m.onnx", "Model", NULL, 2, "file", "/tmp/a b/m.onnx" },
		{ "file://localhost/srv/x", "Model", NULL, 2, "file", "/srv/x" },
		{ "file:/srv/y", "Model", NULL, 2, "file", "/srv/y" },
		{ "file://nas/share/z", "Model", NULL, 2, "file://nas", "/share/z" },
		{ "s3://bucket/dir/part-0.parquet", "T", NULL, 3, "s3://bucket", "dir/part-0.parquet" },
		{ "S3A://bucket/k?versionId=1", "T", NULL, 3, "s3://bucket", "k" },
		{ "s3://bucket", "T", NULL, 3, "s3://bucket", "/" },
		{ "gs://b/x/y.csv", "T", NULL, 3, "gs://b", "x/y.csv" },
		{ "abfss://c@acct.dfs.core.windows.net/p/q", "T", NULL, 3, "abfss://c@acct.dfs.core.windows.net", "p/q" },
		{ "wasbs://c@acct.blob.core.windows.net/k", "T", NULL, 3, "wasbs://c@acct.blob.core.windows.net", "k" },
		{ "hdfs://nn:8020/warehouse/t", "T", NULL, 3, "hdfs://nn:8020", "/warehouse/t" },
		{ "postgres://db:5433/shop.public.orders", "T", NULL, 3, "postgres://db:5433", "shop.public.orders" },
		{ "postgresql://u:pw@db/shop/public/orders", "T", NULL, 3, "postgres://db:5432", "shop.public.orders" },
		{ "mysql://db/shop/orders", "T", NULL, 3, "mysql://db:3306", "shop.orders" },
		{ "kafka://broker:9093/clicks", "T", NULL, 3, "kafka://broker:9093", "clicks" },
		{ "bigquery:proj.ds.table", "T", NULL, 3, "bigquery", "proj.ds.table" },
		{ "snowflake://org-acct/db.sch.t", "T", NULL, 3, "snowflake://org-acct", "db.sch.t" },
		/* no rule: the export's namespace, TYPE.NAME or TYPE#ID */
		{ "postgres://db:5432", "T", "orders", 3, "ns", "T.orders" },
		{ "https://example.com/x.csv", "DataSet", "x", 4, "ns", "DataSet.x" },
		{ "mlflow-artifacts:/1/abc", "Model", NULL, 5, "ns", "Model#5" },
		{ NULL, "Metrics", "m", 6, "ns", "Metrics.m" },
		{ "", "Metrics", NULL, 7, "ns", "Metrics#7" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *ns = NULL, *name = NULL;
		OK(mlmd__ol_dataset_name(cases[i].uri, cases[i].type, cases[i].name, cases[i].id, "ns", &ns, &name));
		if (strcmp(ns, cases[i].ns) || strcmp(name, cases[i].want_name))
			fail_msg("%s: (%s, %s), expected (%s, %s)", cases[i].uri ? cases[i].uri : "(no uri)", ns, name,
				cases[i].ns, cases[i].want_name);
		free(ns);
		free(name);
	}
}

/* ---- events from a store -------------------------------------------------------------------- */

static void event_types_follow_the_state(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t t = execution_type(s, "Step");
	static const struct { int state; const char *end; } cases[] = {
		{ -1, NULL }, /* no state: UNKNOWN */
		{ MLMD__PB__EXECUTION__STATE__UNKNOWN, NULL }, { MLMD__PB__EXECUTION__STATE__NEW, NULL },
		{ MLMD__PB__EXECUTION__STATE__RUNNING, NULL }, { MLMD__PB__EXECUTION__STATE__COMPLETE, "COMPLETE" },
		{ MLMD__PB__EXECUTION__STATE__CACHED, "COMPLETE" }, { MLMD__PB__EXECUTION__STATE__FAILED, "FAIL" },
		{ MLMD__PB__EXECUTION__STATE__CANCELED, "ABORT" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int64_t id = put_exec(s, t, NULL, cases[i].state, NULL);
		Mlmd__Pb__Execution *e = get_exec(s, id);
		events ev = { 0 };
		OK(mlmd_openlineage_execution_events(s, NULL, id, collect, &ev));
		assert_int_equal(ev.n, cases[i].end ? 2 : 1);
		char start[96], uuid[37], when[32], at[64];
		mlmd__ol_format_time(e->create_time_since_epoch, when);
		snprintf(start, sizeof start, "{\"eventType\":\"START\",\"eventTime\":\"%s\"", when);
		assert_memory_equal(ev.v[0], start, strlen(start));
		mlmd__ol_uuid("execution", id, e->create_time_since_epoch, uuid);
		snprintf(at, sizeof at, "\"runId\":\"%s\"", uuid);
		has(ev.v[0], at);
		has(ev.v[0], "\"job\":{\"namespace\":\"mlmd\",\"name\":\"Step\"");
		has(ev.v[0], "\"schemaURL\":\"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent\"");
		if (cases[i].end) {
			char end[96];
			mlmd__ol_format_time(e->last_update_time_since_epoch, when);
			snprintf(end, sizeof end, "{\"eventType\":\"%s\",\"eventTime\":\"%s\"", cases[i].end, when);
			assert_memory_equal(ev.v[1], end, strlen(end));
			has(ev.v[1], at);
		}
		for (size_t k = 0; k < ev.n; k++)
			assert_json(ev.v[k]);
		events_free(&ev);
		mlmd_message_free(e);
	}
	FAILS(mlmd_openlineage_execution_events(s, NULL, 999, collect, NULL), MLMD_NOT_FOUND, "execution 999");
	mlmd_store_free(s);
}

static void datasets_parent_and_facets(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t et = execution_type(s, "Train");
	int64_t at = artifact_type(s, "Model", 3, "digest", MLMD__PB__PROPERTY_TYPE__STRING, "inputs",
		MLMD__PB__PROPERTY_TYPE__STRING, "outputs", MLMD__PB__PROPERTY_TYPE__STRING);
	int64_t ct = context_type(s, "Pipeline");
	Mlmd__Pb__Artifact *m = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	OK(mlmd_node_set_string(m, 0, "digest", "sha256:abc"));
	OK(mlmd_node_set_string(m, 0, "inputs", "[{\"name\":\"X\",\"type\":\"FLOAT\",\"shape\":[-1,4]}]"));
	OK(mlmd_node_set_string(m, 0, "outputs", "[{\"name\":\"y\",\"type\":\"INT64\",\"shape\":null}]"));
	OK(mlmd_node_set_string(m, 1, "owner", "team:ml"));
	int64_t model = put_art(s, at, "m1", "s3://models/m1.onnx", m);
	Mlmd__Pb__Artifact *bad = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	OK(mlmd_node_set_string(bad, 0, "inputs", "[{\"name\": 3}]")); /* not a signature: no schema facet */
	int64_t data = put_art(s, at, NULL, NULL, bad);
	int64_t internal = put_art(s, at, "internal", "/tmp/i", NULL);
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	OK(mlmd_node_set_string(e, 1, "error_message", "out of memory on GPU 0"));
	OK(mlmd_node_set_string(e, 1, "owner", "user:ana"));
	OK(mlmd_node_set_double(e, 1, "param.lr", 0.25));
	int64_t x = put_exec(s, et, "fit", MLMD__PB__EXECUTION__STATE__FAILED, e);
	put_event_node(s, x, data, MLMD__PB__EVENT__TYPE__DECLARED_INPUT);
	put_event_node(s, x, data, MLMD__PB__EVENT__TYPE__INPUT);
	put_event_node(s, x, model, MLMD__PB__EVENT__TYPE__OUTPUT);
	put_event_node(s, x, internal, MLMD__PB__EVENT__TYPE__INTERNAL_OUTPUT);
	put_event_node(s, x, internal, MLMD__PB__EVENT__TYPE__PENDING_OUTPUT);
	int64_t c2 = put_context_node(s, ct, "second");
	int64_t c1 = put_context_node(s, ct, "first");
	assert_true(c1 > c2);
	put_association(s, c1, x);
	put_association(s, c2, x);
	events ev = { 0 };
	OK(mlmd_openlineage_execution_events(s, NULL, x, collect, &ev));
	assert_int_equal(ev.n, 2);
	const char *fail = ev.v[1];
	assert_json(fail);
	has(fail, "{\"eventType\":\"FAIL\"");
	has(fail, "\"job\":{\"namespace\":\"mlmd\",\"name\":\"Train.fit\"");
	/* the parent: the context with the smallest id */
	has(fail, "\"job\":{\"namespace\":\"mlmd\",\"name\":\"Pipeline.second\"}");
	lacks(fail, "Pipeline.first");
	has(fail, "\"errorMessage\":{\"_producer\":\"https://mlmd.dev/mlmd/");
	has(fail, "\"message\":\"out of memory on GPU 0\",\"programmingLanguage\":\"unknown\"");
	lacks(ev.v[0], "errorMessage");
	has(fail, "\"parameters\":[{\"key\":\"lr\",\"value\":\"0.25\"}]");
	has(fail, "\"ownership\":{\"_producer\":\"https://mlmd.dev/mlmd/");
	has(fail, "OwnershipJobFacet.json#/$defs/OwnershipJobFacet\",\"owners\":[{\"name\":\"user:ana\"}]");
	/* one input (two events), one output; INTERNAL_ and PENDING_OUTPUT not mapped */
	char in[80];
	snprintf(in, sizeof in, "\"inputs\":[{\"namespace\":\"mlmd\",\"name\":\"Model#%lld\"", (long long)data);
	has(fail, in);
	has(fail, "\"events\":[{\"type\":\"DECLARED_INPUT\"");
	has(fail, "},{\"type\":\"INPUT\"");
	has(fail, "\"outputs\":[{\"namespace\":\"s3://models\",\"name\":\"m1.onnx\"");
	lacks(fail, "/tmp/i");
	lacks(fail, "INTERNAL_OUTPUT");
	has(fail, "\"fields\":[{\"name\":\"X\",\"type\":\"FLOAT\",\"description\":\"model input, shape [-1,4]\","
		"\"ordinal_position\":1},{\"name\":\"y\",\"type\":\"INT64\",\"description\":\"model output\","
		"\"ordinal_position\":2}]");
	has(fail, "\"datasetVersion\":\"sha256:abc\"");
	has(fail, "OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet\",\"owners\":[{\"name\":\"team:ml\"}]");
	/* exactly one schema facet: the bad signature gave none */
	assert_ptr_equal(strstr(strstr(fail, "\"schema\":{") + 1, "\"schema\":{"), NULL);
	events_free(&ev);
	mlmd_store_free(s);
}

static void kept_names_and_facets_are_written_back(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t et = execution_type(s, "spark_job");
	int64_t at = artifact_type(s, "Dataset", 0);
	int64_t ct = context_type(s, "airflow_dag");
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	OK(mlmd_node_set_string(a, 1, MLMD__OL_PROP_NAMESPACE, "bigquery"));
	OK(mlmd_node_set_string(a, 1, MLMD__OL_PROP_NAME, "proj.ds.orders"));
	set_struct(a, MLMD__OL_PROP_FACETS, st_put(NULL, "dataSource", facet("name", "bq")));
	set_struct(a, MLMD__OL_PROP_OUTPUT_FACETS, st_put(NULL, "outputStatistics", facet("rowCount", "12")));
	set_struct(a, MLMD__OL_PROP_INPUT_FACETS, st_put(NULL, "inputStatistics", facet("rowCount", "3")));
	int64_t art = put_art(s, at, "orders", "s3://other/place", a);
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	OK(mlmd_node_set_string(e, 1, MLMD__OL_PROP_RUN_ID, "0190b7a2-1111-7222-8333-444455556666"));
	OK(mlmd_node_set_string(e, 1, MLMD__OL_PROP_JOB_NAMESPACE, "airflow-prod"));
	OK(mlmd_node_set_string(e, 1, MLMD__OL_PROP_JOB_NAME, "dag.task"));
	Mlmd__Pb__Wkt__Struct *kept = st_put(NULL, "run", v_struct(st_put(NULL, "nominalTime",
		facet("nominalStartTime", "2026-01-01T00:00:00Z"))));
	st_put(kept, "job", v_struct(st_put(NULL, "jobType", facet("integration", "AIRFLOW"))));
	set_struct(e, MLMD__OL_PROP_FACETS, kept);
	int64_t x = put_exec(s, et, "t", MLMD__PB__EXECUTION__STATE__COMPLETE, e);
	put_event_node(s, x, art, MLMD__PB__EVENT__TYPE__OUTPUT);
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ct;
	c.name = "dag";
	OK(mlmd_node_set_string(&c, 1, MLMD__OL_PROP_RUN_ID, "0190b7a2-aaaa-7bbb-8ccc-dddddddddddd"));
	OK(mlmd_node_set_string(&c, 1, MLMD__OL_PROP_JOB_NAMESPACE, "airflow-prod"));
	OK(mlmd_node_set_string(&c, 1, MLMD__OL_PROP_JOB_NAME, "dag"));
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__PutContextsResponse *rs;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	OK(mlmd_store_put_contexts(s, &rq, &rs));
	put_association(s, rs->context_ids[0], x);
	mlmd_message_free(rs);
	for (size_t i = 0; i < c.n_custom_properties; i++) /* the stack context's map, freed by hand */
		mlmd_message_free(c.custom_properties[i]);
	free(c.custom_properties);
	events ev = { 0 };
	OK(mlmd_openlineage_execution_events(s, NULL, x, collect, &ev));
	assert_int_equal(ev.n, 2);
	for (size_t i = 0; i < 2; i++) {
		const char *t = ev.v[i];
		assert_json(t);
		has(t, "\"run\":{\"runId\":\"0190b7a2-1111-7222-8333-444455556666\"");
		has(t, "\"parent\":{\"_producer\":\"https://mlmd.dev/mlmd/");
		has(t, "\"run\":{\"runId\":\"0190b7a2-aaaa-7bbb-8ccc-dddddddddddd\"},\"job\":{\"namespace\":"
			"\"airflow-prod\",\"name\":\"dag\"}");
		has(t, "\"job\":{\"namespace\":\"airflow-prod\",\"name\":\"dag.task\"");
		/* kept facets as they were; a kept jobType replaces ours */
		has(t, "\"nominalTime\":{\"_producer\":\"https://example.com/airflow\",\"_schemaURL\":"
			"\"https://example.com/facet.json\",\"nominalStartTime\":\"2026-01-01T00:00:00Z\"}");
		has(t, "\"jobType\":{\"_producer\":\"https://example.com/airflow\"");
		lacks(t, "\"integration\":\"MLMD\"");
		has(t, "\"outputs\":[{\"namespace\":\"bigquery\",\"name\":\"proj.ds.orders\"");
		has(t, "\"dataSource\":{\"_producer\":\"https://example.com/airflow\"");
		/* an output: its outputFacets, not its inputFacets */
		has(t, "\"outputFacets\":{\"outputStatistics\":{\"_producer\":\"https://example.com/airflow\"");
		lacks(t, "inputStatistics");
		/* the bookkeeping properties are not repeated in the mlmd facet */
		lacks(t, MLMD__OL_PROP_FACETS);
		lacks(t, MLMD__OL_PROP_RUN_ID);
	}
	events_free(&ev);
	mlmd_store_free(s);
}

static void hostile_values_give_valid_json(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t et = execution_type(s, "Step \"quoted\"\\");
	int64_t at = artifact_type(s, "Data", 0);
	size_t big = 1u << 20;
	char *huge = malloc(big + 1);
	assert_non_null(huge);
	for (size_t i = 0; i < big; i++)
		huge[i] = (char)(1 + i % 127); /* every ASCII byte but NUL, control characters included */
	huge[big] = '\0';
	Mlmd__Pb__Artifact *a = mlmd_message_new(&mlmd__pb__artifact__descriptor);
	OK(mlmd_node_set_double(a, 1, "nan", NAN));
	OK(mlmd_node_set_double(a, 1, "inf", INFINITY));
	OK(mlmd_node_set_double(a, 1, "tiny", 5e-324));
	OK(mlmd_node_set_string(a, 1, "huge", huge));
	OK(mlmd_node_set_string(a, 1, "ctl\x01\n\"key", "\x7f\x1b[31m\xc3\xa9\xe2\x80\xa8"));
	OK(mlmd_node_set_int(a, 1, "min", INT64_MIN));
	int64_t art = put_art(s, at, "a\"\\\x01", "/tmp/a\n\"b", a);
	Mlmd__Pb__Execution *e = mlmd_message_new(&mlmd__pb__execution__descriptor);
	OK(mlmd_node_set_double(e, 1, "param.nan", NAN));
	OK(mlmd_node_set_string(e, 1, "param.huge", huge));
	OK(mlmd_node_set_string(e, 1, "error", huge));
	int64_t x = put_exec(s, et, "n\"\x02", MLMD__PB__EXECUTION__STATE__FAILED, e);
	put_event_node(s, x, art, MLMD__PB__EVENT__TYPE__INPUT);
	events ev = { 0 };
	size_t n = 0;
	OK(mlmd_openlineage_export(s, NULL, collect, &ev, &n));
	assert_int_equal(n, 2);
	assert_int_equal(ev.n, 2);
	for (size_t i = 0; i < ev.n; i++) {
		assert_json(ev.v[i]);
		assert_true(strlen(ev.v[i]) > 2 * big); /* the huge strings whole, none cut */
		has(ev.v[i], "\"nan\":\"NaN\"");
		has(ev.v[i], "\"inf\":\"Infinity\"");
		has(ev.v[i], "\"tiny\":5e-324");
		has(ev.v[i], "\"min\":-9223372036854775808");
		has(ev.v[i], "\"key\":\"nan\",\"value\":\"NaN\"");
		has(ev.v[i], "\"name\":\"Step \\\"quoted\\\"\\\\.n\\\"\\u0002\"");
		has(ev.v[i], "\"namespace\":\"file\",\"name\":\"/tmp/a\\n\\\"b\"");
	}
	has(ev.v[1], "\"errorMessage\"");
	events_free(&ev);
	free(huge);
	mlmd_store_free(s);
}

/* The batched export and the one-execution path give the same events,
 * past the point where the export switches from per-execution context
 * lookups to its association map (more executions than contexts), over
 * several pages; --since keeps the recently updated. */
static void export_matches_execution_events(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t et = execution_type(s, "Step");
	int64_t at = artifact_type(s, "Data", 0);
	int64_t ct = context_type(s, "Run");
	int64_t ctx[3];
	for (int i = 0; i < 3; i++) {
		char name[16];
		snprintf(name, sizeof name, "r%d", i);
		ctx[i] = put_context_node(s, ct, name);
	}
	int64_t arts[5];
	for (int i = 0; i < 5; i++) {
		char uri[32];
		snprintf(uri, sizeof uri, "s3://b/k%d", i);
		arts[i] = put_art(s, at, NULL, uri, NULL);
	}
	enum { N = 230 };
	int64_t ids[N];
	for (int i = 0; i < N; i++) {
		ids[i] = put_exec(s, et, NULL, i % 2 ? MLMD__PB__EXECUTION__STATE__COMPLETE :
			MLMD__PB__EXECUTION__STATE__RUNNING, NULL);
		put_event_node(s, ids[i], arts[i % 5], MLMD__PB__EVENT__TYPE__INPUT);
		put_event_node(s, ids[i], arts[(i + 1) % 5], MLMD__PB__EVENT__TYPE__OUTPUT);
		if (i % 4)
			put_association(s, ctx[i % 3], ids[i]);
		if (i % 7 == 0)
			put_association(s, ctx[(i + 1) % 3], ids[i]);
	}
	events all = { 0 }, one = { 0 };
	size_t n = 0;
	OK(mlmd_openlineage_export(s, NULL, collect, &all, &n));
	assert_int_equal(n, N + N / 2);
	for (int i = 0; i < N; i++)
		OK(mlmd_openlineage_execution_events(s, NULL, ids[i], collect, &one));
	assert_int_equal(one.n, all.n);
	for (size_t i = 0; i < all.n; i++)
		assert_string_equal(all.v[i], one.v[i]);
	/* the same store exports the same events every time */
	events again = { 0 };
	OK(mlmd_openlineage_export(s, NULL, collect, &again, NULL));
	for (size_t i = 0; i < all.n; i++)
		assert_string_equal(all.v[i], again.v[i]);
	events_free(&again);
	/* since: an update later than every other one */
	Mlmd__Pb__Execution *last = get_exec(s, ids[N - 1]);
	int64_t since = last->last_update_time_since_epoch + 1;
	mlmd_message_free(last);
	while (mlmd__now_ms() <= since) {
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL); /* the next update's time is after every earlier one */
	}
	Mlmd__Pb__Execution *upd = get_exec(s, ids[3]);
	OK(mlmd_node_set_string(upd, 1, "note", "updated"));
	Mlmd__Pb__PutExecutionsRequest rq = MLMD__PB__PUT_EXECUTIONS_REQUEST__INIT;
	Mlmd__Pb__PutExecutionsResponse *rs;
	rq.n_executions = 1;
	rq.executions = &upd;
	OK(mlmd_store_put_executions(s, &rq, &rs));
	mlmd_message_free(rs);
	mlmd_message_free(upd);
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.since_ms = since;
	o.ns = "team";
	events recent = { 0 };
	OK(mlmd_openlineage_export(s, &o, collect, &recent, &n));
	assert_int_equal(n, 2);
	has(recent.v[0], "\"job\":{\"namespace\":\"team\",\"name\":\"Step\"");
	has(recent.v[1], "\"note\":\"updated\"");
	events_free(&recent);
	events_free(&all);
	events_free(&one);
	mlmd_store_free(s);
}

static void export_errors(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t et = execution_type(s, "Step");
	for (int i = 0; i < 3; i++)
		put_exec(s, et, NULL, MLMD__PB__EXECUTION__STATE__COMPLETE, NULL);
	/* a sink that stops: CANCELLED, the events given so far counted */
	events ev = { .stop_after = 3 };
	size_t n = 99;
	FAILS(mlmd_openlineage_export(s, NULL, collect, &ev, &n), MLMD_CANCELLED, "sink stopped");
	assert_int_equal(n, 2);
	assert_int_equal(ev.n, 3);
	events_free(&ev);
	mlmd_openlineage_options o = MLMD_OPENLINEAGE_OPTIONS_INIT;
	o.version = 7;
	FAILS(mlmd_openlineage_export(s, &o, collect, &ev, NULL), MLMD_INVALID_ARGUMENT, "MLMD_OPENLINEAGE_OPTIONS_INIT");
	o.version = MLMD_OPENLINEAGE_OPTIONS_VERSION;
	o.since_ms = -1;
	FAILS(mlmd_openlineage_export(s, &o, collect, &ev, NULL), MLMD_INVALID_ARGUMENT, "since_ms");
	o.since_ms = 0;
	o.ns = "";
	FAILS(mlmd_openlineage_export(s, &o, collect, &ev, NULL), MLMD_INVALID_ARGUMENT, "namespace is empty");
	FAILS(mlmd_openlineage_export(s, NULL, NULL, NULL, NULL), MLMD_INVALID_ARGUMENT, "sink");
	FAILS(mlmd_openlineage_execution_events(NULL, NULL, 1, collect, NULL), MLMD_INVALID_ARGUMENT, "store");
	/* inside the caller's read transaction: that snapshot, left open */
	OK(mlmd_store_begin(s, 0));
	OK(mlmd_openlineage_export(s, NULL, collect, &ev, &n));
	assert_int_equal(n, 6);
	OK(mlmd_store_rollback(s));
	events_free(&ev);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_time_pins_dates),
		cmocka_unit_test(format_time_agrees_with_gmtime),
		cmocka_unit_test(uuid_is_version5_and_stable),
		cmocka_unit_test(dataset_names_follow_the_naming_spec),
		cmocka_unit_test(event_types_follow_the_state),
		cmocka_unit_test(datasets_parent_and_facets),
		cmocka_unit_test(kept_names_and_facets_are_written_back),
		cmocka_unit_test(hostile_values_give_valid_json),
		cmocka_unit_test(export_matches_execution_events),
		cmocka_unit_test(export_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
