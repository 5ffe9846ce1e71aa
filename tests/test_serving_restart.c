/*
 * Serving in runs (mlmd_scorer_finish, mlmd_scorer_restart): each run is its
 * own ModelServing execution, COMPLETE with that run's rows, while the model
 * stays loaded between runs. A restart follows a moved alias (loading and
 * verifying the new version), refuses a version whose file was tampered
 * with or a model the serving gate blocks (the scorer stays finished), and
 * does not read the file of the model it keeps again. On every backend
 * (MLMD_TEST_BACKEND); model files are real ONNX files on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "helpers.h"
#include "mlmd/registry.h"
#include "onnx_build.h"
#include "serving_helpers.h"

static int counter;

/* A registered model "iris" with versions 1 and 2 (every output is 1, resp.
 * 2) and prod -> 1; paths[i] is version i+1's file, art[i] its artifact. */
static mlmd_store *iris(char *uri, size_t cap, char paths[2][600], int64_t art[2])
{
	mlmd_store *st = open_shared_in(dir, &counter, uri, cap);
	for (int i = 0; i < 2; i++) {
		char name[32];
		snprintf(paths[i], sizeof paths[i], "%s/iris-%d-%d.onnx", dir, counter, i + 1);
		write_tag_model(paths[i], (float)(i + 1));
		snprintf(name, sizeof name, "iris-v%d", i + 1);
		mlmd_model_record_options o = MLMD_MODEL_RECORD_OPTIONS_INIT;
		o.path = paths[i];
		o.name = name;
		OK(mlmd_model_record(st, &o, &art[i]));
	}
	counter++;
	OK(mlmd_registry_create_model(st, "iris", NULL, NULL, 0, NULL));
	OK(mlmd_registry_create_version(st, "iris", art[0], 0, NULL, NULL, 0, NULL));
	OK(mlmd_registry_create_version(st, "iris", art[1], 0, NULL, NULL, 0, NULL));
	OK(mlmd_registry_set_alias(st, "iris", "prod", 1));
	return st;
}

static mlmd_scorer *open_ref(const char *uri, const char *ref)
{
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = ref;
	o.deployment = "runs";
	mlmd_scorer *s;
	OK(mlmd_scorer_open(&s, &o));
	return s;
}

/* Scores `rows` rows in one call; returns the model's output (its tag), or
 * -1 when the call fails (the status in *rc). */
static float score(mlmd_scorer_ctx *c, int rows, int *rc)
{
	float x[16] = { 0 };
	mlmd_tensor in = { .dtype = MLMD_DTYPE_FLOAT, .rank = 2, .dims = { rows, 2 }, .data = x }, out[1] = { { 0 } };
	*rc = mlmd_scorer_score(c, &in, 1, out, 1);
	return *rc ? -1.0f : ((const float *)out[0].data)[0];
}

static float score_ok(mlmd_scorer_ctx *c, int rows)
{
	int rc;
	float v = score(c, rows, &rc);
	OK(rc);
	return v;
}

/* One execution as the store has it (free with mlmd_message_free). */
static Mlmd__Pb__GetExecutionsByIDResponse *get_exec(mlmd_store *st, int64_t id)
{
	Mlmd__Pb__GetExecutionsByIDRequest rq = MLMD__PB__GET_EXECUTIONS_BY_IDREQUEST__INIT;
	Mlmd__Pb__GetExecutionsByIDResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &id;
	OK(mlmd_store_get_executions_by_id(st, &rq, &rs));
	assert_int_equal(rs->n_executions, 1);
	return rs;
}

/* Asserts an execution's state, rows, models_served, swaps and
 * mlmd.model_version (0: not recorded). */
static void assert_run(mlmd_store *st, int64_t id, int state, int64_t rows, int64_t models, int64_t swaps,
	int64_t version)
{
	Mlmd__Pb__GetExecutionsByIDResponse *rs = get_exec(st, id);
	const Mlmd__Pb__Execution *e = rs->executions[0];
	assert_int_equal(e->last_known_state, state);
	assert_int_equal(mlmd_node_get(e, 0, "rows")->int_value, rows);
	assert_int_equal(mlmd_node_get(e, 0, "models_served")->int_value, models);
	assert_int_equal(mlmd_node_get(e, 0, "swaps")->int_value, swaps);
	const Mlmd__Pb__Value *v = mlmd_node_get(e, 1, "mlmd.model_version");
	assert_int_equal(v ? v->int_value : 0, version);
	mlmd_message_free(rs);
}

/* The artifacts with an INPUT event into execution `id`, and their number. */
static size_t inputs_of(mlmd_store *st, int64_t id, int64_t *arts, size_t cap)
{
	Mlmd__Pb__GetEventsByExecutionIDsRequest rq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *rs;
	rq.n_execution_ids = 1;
	rq.execution_ids = &id;
	OK(mlmd_store_get_events_by_execution_ids(st, &rq, &rs));
	size_t n = 0;
	for (size_t i = 0; i < rs->n_events; i++)
		if (rs->events[i]->type == MLMD__PB__EVENT__TYPE__INPUT && n < cap)
			arts[n++] = rs->events[i]->artifact_id;
	mlmd_message_free(rs);
	return n;
}

/* The ids of the executions associated with the Deployment context "runs". */
static size_t runs_in_deployment(mlmd_store *st)
{
	Mlmd__Pb__GetContextByTypeAndNameRequest rq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
	Mlmd__Pb__GetContextByTypeAndNameResponse *rs;
	rq.type_name = (char *)"Deployment";
	rq.context_name = (char *)"runs";
	OK(mlmd_store_get_context_by_type_and_name(st, &rq, &rs));
	assert_non_null(rs->context);
	Mlmd__Pb__GetExecutionsByContextRequest erq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *ers;
	erq.has_context_id = 1;
	erq.context_id = rs->context->id;
	OK(mlmd_store_get_executions_by_context(st, &erq, &ers));
	size_t n = ers->n_executions;
	mlmd_message_free(ers);
	mlmd_message_free(rs);
	return n;
}

/* Two runs on one scorer: each its own execution, COMPLETE with its own
 * rows and the INPUT event of the model it served, in the same Deployment;
 * the alias moved between them is followed by the restart. Between runs
 * scoring is refused and flushes write nothing. */
static void runs_are_recorded_apart(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2], got[4];
	mlmd_store *st = iris(uri, sizeof uri, paths, art);
	mlmd_scorer *s = open_ref(uri, "iris@prod");
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	int64_t run1 = mlmd_scorer_execution_id(s);
	FAILS(mlmd_scorer_restart(s), MLMD_FAILED_PRECONDITION, "finish it first");
	assert_true(score_ok(c, 2) == 1.0f);
	assert_true(score_ok(c, 3) == 1.0f);
	OK(mlmd_scorer_finish(s));
	assert_run(st, run1, MLMD__PB__EXECUTION__STATE__COMPLETE, 5, 1, 0, 1);
	int rc;
	assert_true(score(c, 1, &rc) == -1.0f);
	assert_int_equal(rc, -MLMD_FAILED_PRECONDITION);
	assert_non_null(strstr(mlmd_error_message(), "is finished: mlmd_scorer_restart()"));
	OK(mlmd_scorer_flush(s)); /* writes nothing: the record stays COMPLETE */
	OK(mlmd_scorer_finish(s)); /* a no-op */
	assert_run(st, run1, MLMD__PB__EXECUTION__STATE__COMPLETE, 5, 1, 0, 1);

	OK(mlmd_registry_set_alias(st, "iris", "prod", 2));
	OK(mlmd_scorer_restart(s));
	int64_t run2 = mlmd_scorer_execution_id(s);
	assert_true(run2 > run1);
	assert_int_equal(mlmd_scorer_model_version(s), 2);
	assert_int_equal(mlmd_scorer_artifact_id(s), art[1]);
	assert_run(st, run2, MLMD__PB__EXECUTION__STATE__RUNNING, 0, 1, 0, 2);
	assert_true(score_ok(c, 4) == 2.0f);
	OK(mlmd_scorer_finish(s));
	assert_run(st, run2, MLMD__PB__EXECUTION__STATE__COMPLETE, 4, 1, 0, 2);
	assert_int_equal(inputs_of(st, run2, got, 4), 1);
	assert_int_equal(got[0], art[1]);

	/* the alias has not moved: the same model, a third run */
	OK(mlmd_scorer_restart(s));
	int64_t run3 = mlmd_scorer_execution_id(s);
	assert_true(run3 > run2);
	assert_true(score_ok(c, 1) == 2.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s)); /* completes the third run */
	assert_run(st, run3, MLMD__PB__EXECUTION__STATE__COMPLETE, 1, 1, 0, 2);
	assert_int_equal(inputs_of(st, run3, got, 4), 1);
	assert_int_equal(got[0], art[1]);
	/* the earlier runs were not rewritten */
	assert_run(st, run1, MLMD__PB__EXECUTION__STATE__COMPLETE, 5, 1, 0, 1);
	assert_int_equal(inputs_of(st, run1, got, 4), 1);
	assert_int_equal(got[0], art[0]);
	assert_run(st, run2, MLMD__PB__EXECUTION__STATE__COMPLETE, 4, 1, 0, 2);
	assert_int_equal(runs_in_deployment(st), 3);

	/* a scorer freed while finished writes nothing more */
	s = open_ref(uri, "iris/1");
	OK(mlmd_scorer_ctx_new(s, &c));
	int64_t run4 = mlmd_scorer_execution_id(s);
	assert_true(score_ok(c, 2) == 1.0f);
	OK(mlmd_scorer_finish(s));
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	assert_run(st, run4, MLMD__PB__EXECUTION__STATE__COMPLETE, 2, 1, 0, 1);

	FAILS(mlmd_scorer_finish(NULL), MLMD_INVALID_ARGUMENT, "NULL");
	FAILS(mlmd_scorer_restart(NULL), MLMD_INVALID_ARGUMENT, "NULL");
	mlmd_store_free(st);
}

/* The model a restart keeps is not read again: its file replaced on disk
 * after the load goes unnoticed (a new scorer refuses it), by reference and
 * by artifact. */
static void restart_keeps_the_loaded_model(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = iris(uri, sizeof uri, paths, art);
	mlmd_scorer *s = open_ref(uri, "iris@prod");
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = art[0];
	mlmd_scorer *by_id;
	OK(mlmd_scorer_open(&by_id, &o));
	OK(mlmd_scorer_finish(s));
	OK(mlmd_scorer_finish(by_id));
	write_tag_model(paths[0], 7); /* version 1's file replaced */
	OK(mlmd_scorer_restart(s));
	OK(mlmd_scorer_restart(by_id));
	mlmd_scorer_ctx *c, *c2;
	OK(mlmd_scorer_ctx_new(s, &c));
	OK(mlmd_scorer_ctx_new(by_id, &c2));
	assert_true(score_ok(c, 1) == 1.0f); /* the model loaded before the change */
	assert_true(score_ok(c2, 1) == 1.0f);
	mlmd_scorer_ctx_free(c);
	mlmd_scorer_ctx_free(c2);
	OK(mlmd_scorer_free(s));
	OK(mlmd_scorer_free(by_id));
	/* a new scorer reads the file and refuses it */
	o.artifact_id = 0;
	o.model_ref = "iris@prod";
	s = NULL;
	FAILS(mlmd_scorer_open(&s, &o), MLMD_FAILED_PRECONDITION, "the artifact records sha256:");
	mlmd_store_free(st);
}

/* A restart that fails leaves the scorer finished with its model: a model
 * the serving gate blocks now, an alias moved to a version whose file was
 * tampered with. Once the cause is gone a restart succeeds. Failed restarts
 * record nothing. */
static void failed_restart_stays_finished(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = iris(uri, sizeof uri, paths, art);
	mlmd_scorer *s = open_ref(uri, "iris@prod");
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	int64_t run1 = mlmd_scorer_execution_id(s);
	assert_true(score_ok(c, 1) == 1.0f);
	OK(mlmd_scorer_finish(s));

	OK(mlmd_label_set(st, MLMD_NODE_ARTIFACT, art[0], "POISONED", "bad rows", 0, 0, NULL));
	FAILS(mlmd_scorer_restart(s), MLMD_FAILED_PRECONDITION, "blocked by the serving gate: POISONED");
	int rc;
	assert_true(score(c, 1, &rc) == -1.0f);
	assert_non_null(strstr(mlmd_error_message(), "is finished"));
	assert_int_equal(mlmd_scorer_execution_id(s), run1);
	OK(mlmd_label_remove(st, MLMD_NODE_ARTIFACT, art[0], "POISONED", NULL));

	write_tag_model(paths[1], 9); /* version 2's file no longer matches its digest */
	OK(mlmd_registry_set_alias(st, "iris", "prod", 2));
	FAILS(mlmd_scorer_restart(s), MLMD_FAILED_PRECONDITION, "the artifact records sha256:");
	assert_non_null(strstr(mlmd_error_message(), "version 2 of 'iris'"));
	assert_int_equal(mlmd_scorer_model_version(s), 1);
	assert_int_equal(mlmd_scorer_execution_id(s), run1);

	OK(mlmd_registry_set_alias(st, "iris", "prod", 1));
	OK(mlmd_scorer_restart(s));
	int64_t run2 = mlmd_scorer_execution_id(s);
	assert_true(run2 > run1);
	assert_true(score_ok(c, 3) == 1.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	assert_run(st, run1, MLMD__PB__EXECUTION__STATE__COMPLETE, 1, 1, 0, 1);
	assert_run(st, run2, MLMD__PB__EXECUTION__STATE__COMPLETE, 3, 1, 0, 1);
	assert_int_equal(runs_in_deployment(st), 2);
	mlmd_store_free(st);
}

/* A swap by reference is what the next restart follows; a swap by artifact
 * leaves nothing to follow. A scorer that records nothing finishes and
 * restarts too. */
static void restart_follows_the_last_swap(void **state)
{
	(void)state;
	char uri[1300], paths[2][600];
	int64_t art[2];
	mlmd_store *st = iris(uri, sizeof uri, paths, art);
	mlmd_scorer *s = open_ref(uri, "iris/1");
	OK(mlmd_scorer_swap_ref(s, "iris@prod"));
	OK(mlmd_scorer_finish(s));
	OK(mlmd_registry_set_alias(st, "iris", "prod", 2));
	OK(mlmd_scorer_restart(s));
	assert_int_equal(mlmd_scorer_model_version(s), 2);
	OK(mlmd_scorer_swap(s, art[0]));
	OK(mlmd_scorer_finish(s));
	OK(mlmd_scorer_restart(s)); /* by artifact: stays on it */
	assert_int_equal(mlmd_scorer_artifact_id(s), art[0]);
	assert_int_equal(mlmd_scorer_model_version(s), 0);
	assert_run(st, mlmd_scorer_execution_id(s), MLMD__PB__EXECUTION__STATE__RUNNING, 0, 1, 0, 0);
	OK(mlmd_scorer_free(s));

	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.model_ref = "iris@prod";
	o.no_recording = 1;
	OK(mlmd_scorer_open(&s, &o));
	mlmd_scorer_ctx *c;
	OK(mlmd_scorer_ctx_new(s, &c));
	assert_true(score_ok(c, 1) == 2.0f);
	OK(mlmd_scorer_finish(s));
	OK(mlmd_registry_set_alias(st, "iris", "prod", 1));
	OK(mlmd_scorer_restart(s));
	assert_int_equal(mlmd_scorer_execution_id(s), 0);
	assert_true(score_ok(c, 1) == 1.0f);
	mlmd_scorer_ctx_free(c);
	OK(mlmd_scorer_free(s));
	mlmd_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(runs_are_recorded_apart),
		cmocka_unit_test(restart_keeps_the_loaded_model),
		cmocka_unit_test(failed_restart_stays_finished),
		cmocka_unit_test(restart_follows_the_last_swap),
	};
	return cmocka_run_group_tests(tests, serving_dir_setup, serving_dir_teardown);
}
