/*
 * tests/test_profile_store.c - reference profiles in the store, on every
 * backend (MLMD_TEST_BACKEND): recorded by model artifact id and by
 * NAME@ALIAS / NAME/VERSION, read back (the newest, or by the profile's
 * id) as the same JSON; the lineage (the profile is OUTPUT of an
 * mlmd.Profiling execution whose INPUTs are the model and the dataset);
 * the audit record; PutProfile building from raw columns; and the
 * refusals: no profile, a deleted model, a bad reference, a bad JSON.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "helpers.h"
#include "mlmd_governance.pb-c.h"

static int64_t model_artifact(mlmd_store *s, const char *uri)
{
	int64_t type = artifact_type(s, "Model", 0);
	Mlmd__Pb__Artifact *a = new_artifact(type, uri);
	int64_t id = 0;
	OK(put_artifact(s, a, &id));
	return id;
}

static mlmd_profile *small_profile(double shift)
{
	double x[20];
	const char *c[20];
	for (int i = 0; i < 20; i++) {
		x[i] = i + shift;
		c[i] = i % 3 ? "red" : "blue";
	}
	mlmd_profile_input in[2] = {{.name = "x", .n = 20, .numbers = x}, {.name = "colour", .n = 20, .strings = c}};
	mlmd_profile *p;
	OK(mlmd_profile_build(&p, in, 2, NULL));
	return p;
}

static char *json_of(const mlmd_profile *p)
{
	char *j;
	OK(mlmd_profile_to_json(p, &j, NULL));
	return j;
}

/* The events of artifact `id` (new response; free with protobuf_c_message_free_unpacked). */
static Mlmd__Pb__GetEventsByArtifactIDsResponse *events_of(mlmd_store *s, int64_t id)
{
	Mlmd__Pb__GetEventsByArtifactIDsRequest rq = MLMD__PB__GET_EVENTS_BY_ARTIFACT_IDS_REQUEST__INIT;
	rq.n_artifact_ids = 1;
	rq.artifact_ids = &id;
	int rc;
	Mlmd__Pb__GetEventsByArtifactIDsResponse *rs =
		test_rpc(s, "GetEventsByArtifactIDs", &rq, &mlmd__pb__get_events_by_artifact_ids_response__descriptor, &rc);
	OK(rc);
	return rs;
}

static void record_by_id_and_get_newest(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t model = model_artifact(s, "file:///m/a.json");
	int64_t data = model_artifact(s, "file:///data/train.csv");
	mlmd_profile *p = NULL;
	int64_t pid = -1;
	FAILS(mlmd_profile_get(&p, s, model, NULL, &pid), MLMD_NOT_FOUND, "has no reference profile (record one with");
	char want[160];
	snprintf(want, sizeof want, "model artifact %lld has no reference profile", (long long)model);
	assert_non_null(strstr(mlmd_error_message(), want));
	assert_null(p);

	mlmd_profile *p1 = small_profile(0), *p2 = small_profile(100);
	int64_t id1 = 0, id2 = 0;
	OK(mlmd_profile_record(s, model, NULL, p1, data, NULL, &id1));
	OK(mlmd_profile_record(s, model, NULL, p2, 0, "second", &id2));
	assert_true(id1 > 0 && id2 > id1);
	FAILS(mlmd_profile_record(s, data, NULL, p1, 0, "second", NULL), MLMD_ALREADY_EXISTS, "second");
	/* the model as its own training data: refused by name, not as a duplicate event (hostile-input helper) */
	FAILS(mlmd_profile_record(s, model, NULL, p1, model, NULL, NULL), MLMD_INVALID_ARGUMENT,
	      "is the model artifact itself");

	/* the newest comes back, the same JSON to the byte */
	OK(mlmd_profile_get(&p, s, model, NULL, &pid));
	assert_int_equal(pid, id2);
	char *a = json_of(p), *b = json_of(p2);
	assert_string_equal(a, b);
	free(a), free(b);
	mlmd_profile_free(p);

	/* by the profile's own id, through the RPC */
	Mlmd__Pb__Governance__GetProfileRequest rq = MLMD__PB__GOVERNANCE__GET_PROFILE_REQUEST__INIT;
	rq.has_profile_artifact_id = 1;
	rq.profile_artifact_id = id1;
	int rc;
	Mlmd__Pb__Governance__GetProfileResponse *rs =
		test_rpc(s, "GetProfile", &rq, &mlmd__pb__governance__get_profile_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(rs->profile_artifact_id, id1);
	assert_int_equal(rs->model_artifact_id, model);
	assert_true(rs->create_time_ms > 0);
	a = json_of(p1);
	assert_string_equal(rs->profile_json, a);
	free(a);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	/* the training data is an INPUT of the profiling too, but not a model
	 * with a profile: found by the hostile-input helper, it used to get
	 * the model's profile back, answered as its own */
	Mlmd__Pb__Governance__GetProfileRequest dq = MLMD__PB__GOVERNANCE__GET_PROFILE_REQUEST__INIT;
	dq.has_model_artifact_id = 1;
	dq.model_artifact_id = data;
	assert_null(test_rpc(s, "GetProfile", &dq, &mlmd__pb__governance__get_profile_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_NOT_FOUND);
	assert_non_null(strstr(mlmd_error_message(), "has no reference profile"));
	/* a profile id that is not a profile */
	rq.profile_artifact_id = model;
	assert_null(test_rpc(s, "GetProfile", &rq, &mlmd__pb__governance__get_profile_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);

	/* the artifact: type, name, properties */
	Mlmd__Pb__Artifact *art = get_artifact(s, id1);
	assert_string_equal(art->type, "mlmd.DataProfile");
	assert_int_equal(art->state, MLMD__PB__ARTIFACT__STATE__LIVE);
	char name[64];
	snprintf(name, sizeof name, "profile-%lld-", (long long)model);
	assert_true(!strncmp(art->name, name, strlen(name)));
	int found = 0;
	for (size_t i = 0; i < art->n_properties; i++) {
		const char *k = art->properties[i]->key;
		const Mlmd__Pb__Value *v = art->properties[i]->value;
		if (!strcmp(k, "n_rows"))
			found += v->int_value == 20;
		else if (!strcmp(k, "n_columns"))
			found += v->int_value == 2;
		else if (!strcmp(k, "profile"))
			found += !strncmp(v->string_value, "{\"format\":\"mlmd.profile\"", 24);
	}
	assert_int_equal(found, 3);
	protobuf_c_message_free_unpacked(&art->base, NULL);
	art = get_artifact(s, id2);
	assert_string_equal(art->name, "second");
	protobuf_c_message_free_unpacked(&art->base, NULL);

	/* lineage: OUTPUT of one execution, whose INPUTs are the model and the dataset */
	Mlmd__Pb__GetEventsByArtifactIDsResponse *ev = events_of(s, id1);
	assert_int_equal(ev->n_events, 1);
	assert_int_equal(ev->events[0]->type, MLMD__PB__EVENT__TYPE__OUTPUT);
	int64_t x = ev->events[0]->execution_id;
	protobuf_c_message_free_unpacked(&ev->base, NULL);
	Mlmd__Pb__GetEventsByExecutionIDsRequest erq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	erq.n_execution_ids = 1;
	erq.execution_ids = &x;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *ers =
		test_rpc(s, "GetEventsByExecutionIDs", &erq, &mlmd__pb__get_events_by_execution_ids_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(ers->n_events, 3);
	int inputs = 0;
	for (size_t i = 0; i < ers->n_events; i++) {
		const Mlmd__Pb__Event *e = ers->events[i];
		if (e->type == MLMD__PB__EVENT__TYPE__INPUT)
			inputs += e->artifact_id == model || e->artifact_id == data;
		else
			assert_int_equal(e->artifact_id, id1);
	}
	assert_int_equal(inputs, 2);
	protobuf_c_message_free_unpacked(&ers->base, NULL);
	Mlmd__Pb__GetExecutionsByIDRequest xrq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	xrq.n_execution_ids = 1;
	xrq.execution_ids = &x;
	Mlmd__Pb__GetExecutionsByIDResponse *xrs =
		test_rpc(s, "GetExecutionsByID", &xrq, &mlmd__pb__get_executions_by_idresponse__descriptor, &rc);
	OK(rc);
	assert_int_equal(xrs->n_executions, 1);
	assert_string_equal(xrs->executions[0]->type, "mlmd.Profiling");
	assert_int_equal(xrs->executions[0]->last_known_state, MLMD__PB__EXECUTION__STATE__COMPLETE);
	protobuf_c_message_free_unpacked(&xrs->base, NULL);

	/* the audit log has the write, naming the profile */
	mlmd_audit_log *log;
	OK(mlmd_audit_log_read(&log, s, 0, 0));
	int audited = 0;
	snprintf(want, sizeof want, "%lld", (long long)id1);
	for (size_t i = 0; i < log->n; i++)
		audited += !strcmp(log->records[i].operation, "PutProfile") && strstr(log->records[i].ids, want);
	assert_int_equal(audited, 1);
	mlmd_audit_log_free(log);

	/* a deleted profile is passed over: the older one is the newest left */
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &id2, 1, "test", 0, NULL));
	OK(mlmd_profile_get(&p, s, model, NULL, &pid));
	assert_int_equal(pid, id1);
	mlmd_profile_free(p);

	/* a deleted model is NOT_FOUND, for recording and reading */
	OK(mlmd_nodes_delete(s, MLMD_NODE_ARTIFACT, &model, 1, "test", 0, NULL));
	FAILS(mlmd_profile_record(s, model, NULL, p1, 0, NULL, NULL), MLMD_NOT_FOUND, "was deleted");
	FAILS(mlmd_profile_get(&p, s, model, NULL, NULL), MLMD_NOT_FOUND, "was deleted");
	FAILS(mlmd_profile_record(s, 999999, NULL, p1, 0, NULL, NULL), MLMD_NOT_FOUND, "999999 does not exist");
	FAILS(mlmd_profile_record(s, data, NULL, p1, 999999, NULL, NULL), MLMD_NOT_FOUND, "dataset artifact 999999");
	FAILS(mlmd_profile_record(s, 0, NULL, p1, 0, NULL, NULL), MLMD_INVALID_ARGUMENT, "give one of");
	mlmd_profile_free(p1);
	mlmd_profile_free(p2);
	mlmd_store_free(s);
}

static void record_by_registry_reference(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t a1 = model_artifact(s, "file:///m/v1.json"), a2 = model_artifact(s, "file:///m/v2.json");
	OK(mlmd_registry_create_model(s, "churn", NULL, NULL, 0, NULL));
	OK(mlmd_registry_create_version(s, "churn", a1, 0, NULL, NULL, 0, NULL));
	OK(mlmd_registry_create_version(s, "churn", a2, 0, NULL, NULL, 0, NULL));
	OK(mlmd_registry_set_alias(s, "churn", "prod", 1));
	mlmd_profile *p = small_profile(0), *q = NULL;
	int64_t id = 0, got = 0;
	OK(mlmd_profile_record(s, 0, "churn@prod", p, 0, NULL, &id));
	OK(mlmd_profile_get(&q, s, a1, NULL, &got));
	assert_int_equal(got, id);
	mlmd_profile_free(q);
	OK(mlmd_profile_get(&q, s, 0, "churn/1", &got));
	assert_int_equal(got, id);
	mlmd_profile_free(q);
	FAILS(mlmd_profile_get(&q, s, 0, "churn/2", NULL), MLMD_NOT_FOUND, "has no reference profile");
	OK(mlmd_profile_record(s, 0, "churn/2", p, 0, NULL, &id));
	OK(mlmd_profile_get(&q, s, 0, "churn@latest", &got));
	assert_int_equal(got, id);
	mlmd_profile_free(q);
	FAILS(mlmd_profile_get(&q, s, 0, "churn@staging", NULL), MLMD_NOT_FOUND, "no alias 'staging'");
	FAILS(mlmd_profile_get(&q, s, 0, "nope@prod", NULL), MLMD_NOT_FOUND, "nope");
	FAILS(mlmd_profile_get(&q, s, 0, "churn/x", NULL), MLMD_INVALID_ARGUMENT, "churn/x");
	FAILS(mlmd_profile_get(&q, s, 0, "churn", NULL), MLMD_INVALID_ARGUMENT, "NAME@ALIAS or NAME/VERSION");
	FAILS(mlmd_profile_get(&q, s, a1, "churn/1", NULL), MLMD_INVALID_ARGUMENT, "give one of");
	mlmd_profile_free(p);
	mlmd_store_free(s);
}

static void put_profile_builds_from_columns(void **state)
{
	(void)state;
	mlmd_store *s = open_memory();
	int64_t model = model_artifact(s, "file:///m/c.json");
	double nums[5] = {1, 2, NAN, 4, 5};
	char *strs[5] = {"a", "b", "a", "", "a"};
	Mlmd__Pb__Governance__ProfileColumnData c1 = MLMD__PB__GOVERNANCE__PROFILE_COLUMN_DATA__INIT,
						c2 = MLMD__PB__GOVERNANCE__PROFILE_COLUMN_DATA__INIT;
	c1.name = "n";
	c1.n_numbers = 5;
	c1.numbers = nums;
	c2.name = "s";
	c2.n_strings = 5;
	c2.strings = strs;
	Mlmd__Pb__Governance__ProfileColumnData *cols[2] = {&c1, &c2};
	Mlmd__Pb__Governance__PutProfileRequest rq = MLMD__PB__GOVERNANCE__PUT_PROFILE_REQUEST__INIT;
	rq.has_model_artifact_id = 1;
	rq.model_artifact_id = model;
	rq.n_columns = 2;
	rq.columns = cols;
	rq.has_category_cap = 1;
	rq.category_cap = 1;
	int rc;
	Mlmd__Pb__Governance__PutProfileResponse *rs =
		test_rpc(s, "PutProfile", &rq, &mlmd__pb__governance__put_profile_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(rs->model_artifact_id, model);
	assert_int_equal(rs->n_rows, 5);
	assert_int_equal(rs->n_columns, 2);
	assert_true(rs->execution_id > 0);
	protobuf_c_message_free_unpacked(&rs->base, NULL);
	mlmd_profile *p;
	OK(mlmd_profile_get(&p, s, model, NULL, NULL));
	const mlmd_profile_column *n = mlmd_profile_column_at(p, 0), *c = mlmd_profile_column_at(p, 1);
	assert_int_equal(n->count, 4);
	assert_int_equal(n->missing, 1);
	assert_true(n->mean == 3);
	assert_int_equal(c->kind, MLMD_COLUMN_CATEGORICAL);
	assert_int_equal(c->n_categories, 1);
	assert_string_equal(c->categories[0], "a");
	assert_int_equal(c->other, 1);
	assert_int_equal(c->missing, 1);
	mlmd_profile_free(p);

	/* refusals: both forms, neither, bad JSON naming its field, unequal columns */
	rq.profile_json = "{\"format\":\"mlmd.profile\",\"version\":1,\"n_rows\":1,\"columns\":[]}";
	assert_null(test_rpc(s, "PutProfile", &rq, &mlmd__pb__governance__put_profile_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "give one of profile_json and columns"));
	rq.n_columns = 0;
	rq.has_category_cap = 0;
	assert_null(test_rpc(s, "PutProfile", &rq, &mlmd__pb__governance__put_profile_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "profile: columns: is empty"));
	rq.profile_json = NULL;
	rq.n_columns = 2;
	c2.n_strings = 4;
	assert_null(test_rpc(s, "PutProfile", &rq, &mlmd__pb__governance__put_profile_response__descriptor, &rc));
	assert_int_equal(rc, -MLMD_INVALID_ARGUMENT);
	assert_non_null(strstr(mlmd_error_message(), "has 4 rows"));
	/* nothing was written by the refused calls: one profile in the store */
	Mlmd__Pb__GetArtifactsByTypeRequest g;
	protobuf_c_message_init(&mlmd__pb__get_artifacts_by_type_request__descriptor, &g);
	g.type_name = "mlmd.DataProfile";
	Mlmd__Pb__GetArtifactsByTypeResponse *gr =
		test_rpc(s, "GetArtifactsByType", &g, &mlmd__pb__get_artifacts_by_type_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(gr->n_artifacts, 1);
	protobuf_c_message_free_unpacked(&gr->base, NULL);
	mlmd_store_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_by_id_and_get_newest),
		cmocka_unit_test(record_by_registry_reference),
		cmocka_unit_test(put_profile_builds_from_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
