/*
 * tests/test_concurrency.c - many processes writing one store.
 *
 * Runs on an SQLite file by default, on PostgreSQL with
 * MLMD_TEST_BACKEND=postgresql. Every process opens its own handle on the
 * same store after fork(). Callers retry ABORTED, as MLMD clients do. The
 * processes start their calls together (a barrier through pipes), and the
 * tests count what is stored, never how long anything took.
 */
#include "concurrency.h"
#include "onnx_build.h"

#define CALLS 500

static int put_executions(mlmd_store *s, int proc)
{
	for (int call = 0; call < CALLS; call++) {
		Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
		e.has_type_id = 1;
		e.type_id = exe_t;
		char name[64];
		snprintf(name, sizeof name, "p%d-c%d", proc, call);
		e.name = name;
		Mlmd__Pb__Artifact a[2] = { MLMD__PB__ARTIFACT__INIT, MLMD__PB__ARTIFACT__INIT };
		Mlmd__Pb__Event ev[2] = { MLMD__PB__EVENT__INIT, MLMD__PB__EVENT__INIT };
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent pair[2] = {
			MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT,
			MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT
		};
		Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &pair[0], &pair[1] };
		char uris[2][64];
		for (int k = 0; k < 2; k++) {
			a[k].has_type_id = 1;
			a[k].type_id = art_t;
			snprintf(uris[k], sizeof uris[k], "/p%d/c%d/%s", proc, call, k ? "out" : "in");
			a[k].uri = uris[k];
			ev[k].has_type = 1;
			ev[k].type = k ? MLMD__PB__EVENT__TYPE__OUTPUT : MLMD__PB__EVENT__TYPE__INPUT;
			pair[k].artifact = &a[k];
			pair[k].event = &ev[k];
		}
		Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
		c.has_type_id = 1;
		c.type_id = ctx_t;
		c.name = "shared-run";
		Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
		Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
		opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
		rq.options = &opt;
		rq.execution = &e;
		rq.n_artifact_event_pairs = 2;
		rq.artifact_event_pairs = pairs;
		rq.n_contexts = 1;
		rq.contexts = &cp;
		Mlmd__Pb__PutExecutionResponse *rs = NULL;
		int rc, tries = 0;
		while ((rc = mlmd_store_put_execution(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 100)
			usleep(1000 * (tries % 10 + 1));
		if (rc) {
			fprintf(stderr, "proc %d call %d: %s\n", proc, call, mlmd_error_message());
			return 1;
		}
		mlmd_message_free(rs);
	}
	return 0;
}

static void eight_writers_put_executions(void **st)
{
	(void)st;
	make_types();
	assert_int_equal(fan_out(put_executions), PROCS);
	mlmd_store *s = open_shared();
	assert_non_null(s);
	assert_int_equal(count(s, "GetExecutions"), PROCS * CALLS);
	assert_int_equal(count(s, "GetArtifacts"), 2 * PROCS * CALLS);
	assert_int_equal(count(s, "GetContexts"), 1); /* reused, never duplicated */
	/* every execution is in the run, with both its events */
	Mlmd__Pb__GetContextsRequest cr = MLMD__PB__GET_CONTEXTS_REQUEST__INIT;
	Mlmd__Pb__GetContextsResponse *crs;
	OK(mlmd_store_get_contexts(s, &cr, &crs));
	int64_t run = crs->contexts[0]->id;
	mlmd_message_free(crs);
	Mlmd__Pb__GetExecutionsByContextRequest er = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetExecutionsByContextResponse *ers;
	er.has_context_id = 1;
	er.context_id = run;
	OK(mlmd_store_get_executions_by_context(s, &er, &ers));
	assert_int_equal(ers->n_executions, PROCS * CALLS);
	int64_t *ids = malloc(sizeof *ids * ers->n_executions);
	for (size_t i = 0; i < ers->n_executions; i++)
		ids[i] = ers->executions[i]->id;
	Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
	Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
	evq.n_execution_ids = ers->n_executions;
	evq.execution_ids = ids;
	OK(mlmd_store_get_events_by_execution_ids(s, &evq, &evs));
	assert_int_equal(evs->n_events, 2 * PROCS * CALLS);
	/* each execution has exactly one input and one output (nothing torn) */
	int *in = calloc(PROCS * CALLS, sizeof *in), *outn = calloc(PROCS * CALLS, sizeof *outn);
	for (size_t i = 0; i < evs->n_events; i++) {
		size_t j = 0;
		while (j < ers->n_executions && ids[j] != evs->events[i]->execution_id)
			j++;
		assert_true(j < ers->n_executions);
		if (evs->events[i]->type == MLMD__PB__EVENT__TYPE__INPUT)
			in[j]++;
		else
			outn[j]++;
	}
	for (size_t j = 0; j < ers->n_executions; j++) {
		assert_int_equal(in[j], 1);
		assert_int_equal(outn[j], 1);
	}
	free(in);
	free(outn);
	free(ids);
	mlmd_message_free(evs);
	mlmd_message_free(ers);
	Mlmd__Pb__GetArtifactsByContextRequest ar = MLMD__PB__GET_ARTIFACTS_BY_CONTEXT_REQUEST__INIT;
	Mlmd__Pb__GetArtifactsByContextResponse *ars;
	ar.has_context_id = 1;
	ar.context_id = run;
	OK(mlmd_store_get_artifacts_by_context(s, &ar, &ars));
	assert_int_equal(ars->n_artifacts, 2 * PROCS * CALLS);
	mlmd_message_free(ars);
	mlmd_store_free(s);
}

static int put_same_context(mlmd_store *s, int proc)
{
	(void)proc;
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ctx_t;
	c.name = "contested";
	Mlmd__Pb__PutContextsRequest rq = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	Mlmd__Pb__PutContextsResponse *rs = NULL;
	int rc, tries = 0;
	while ((rc = mlmd_store_put_contexts(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 100)
		usleep(1000);
	mlmd_message_free(rs);
	if (rc == 0)
		return 0;
	if (rc == -MLMD_ALREADY_EXISTS)
		return 3;
	fprintf(stderr, "PutContexts: %s\n", mlmd_error_message());
	return 1;
}

static int put_same_context_reusing(mlmd_store *s, int proc)
{
	(void)proc;
	Mlmd__Pb__Execution e = MLMD__PB__EXECUTION__INIT;
	e.has_type_id = 1;
	e.type_id = exe_t;
	Mlmd__Pb__Context c = MLMD__PB__CONTEXT__INIT, *cp = &c;
	c.has_type_id = 1;
	c.type_id = ctx_t;
	c.name = "contested-reused";
	Mlmd__Pb__PutExecutionRequest rq = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	Mlmd__Pb__PutExecutionRequest__Options opt = MLMD__PB__PUT_EXECUTION_REQUEST__OPTIONS__INIT;
	opt.has_reuse_context_if_already_exist = opt.reuse_context_if_already_exist = 1;
	rq.options = &opt;
	rq.execution = &e;
	rq.n_contexts = 1;
	rq.contexts = &cp;
	Mlmd__Pb__PutExecutionResponse *rs = NULL;
	int rc, tries = 0;
	while ((rc = mlmd_store_put_execution(s, &rq, &rs)) == -MLMD_ABORTED && tries++ < 100)
		usleep(1000);
	mlmd_message_free(rs);
	return rc ? 1 : 0;
}

static void contested_context_name(void **st)
{
	(void)st;
	make_types();
	/* exit 0: created it; 3: ALREADY_EXISTS; anything else fails */
	int codes[PROCS], won = 0, refused = 0;
	fan_out_codes(put_same_context, codes);
	for (int i = 0; i < PROCS; i++) {
		won += codes[i] == 0;
		refused += codes[i] == 3;
	}
	assert_int_equal(won, 1);
	assert_int_equal(refused, PROCS - 1);
	/* with reuse, everyone succeeds and there is still one context */
	assert_int_equal(fan_out(put_same_context_reusing), PROCS);
	mlmd_store *s = open_shared();
	assert_int_equal(count(s, "GetContexts"), 2);
	assert_int_equal(count(s, "GetExecutions"), PROCS);
	mlmd_store_free(s);
}

/* ---- scorers starting together on one deployment ---------------------------------------- */

#define RACES 12
static int64_t race_model;
static char race_deployment[64];

static int start_scorer(mlmd_store *s, int proc)
{
	(void)s;
	mlmd_scorer_options o = MLMD_SCORER_OPTIONS_INIT;
	o.store_uri = uri;
	o.artifact_id = race_model;
	o.deployment = race_deployment;
	mlmd_scorer *sc = NULL;
	if (mlmd_scorer_open(&sc, &o)) {
		fprintf(stderr, "scorer %d on %s: %s\n", proc, race_deployment, mlmd_error_message());
		return 1;
	}
	return mlmd_scorer_free(sc) ? 1 : 0;
}

/* PROCS scorers start on one new Deployment at once (the pipe barrier), 12
 * times: every one starts, each deployment is one context, and every
 * serving execution is associated with it and has its model's INPUT event.
 * (Before serving wrote its record in one transaction, two scorers could
 * both find no context and both create it: one failed with ALREADY_EXISTS.) */
static void scorers_start_together_on_one_deployment(void **st)
{
	(void)st;
	char model_path[1300];
	const char *dir = getenv("MLMD_TEST_TMP");
	snprintf(model_path, sizeof model_path, "%s/mlmd-conc-%d.onnx", dir ? dir : "/tmp", (int)getpid());
	/* Y = X + 1, X [N, 1] */
	ob b = { 0 };
	ob_opset(&b, "", 13);
	ob_init(&b, ob_tensor_new(&b, "one", MLMD_DTYPE_FLOAT, 1, (int64_t[]){ 1 }, (float[]){ 1 }, 1));
	ob_node(&b, "Add", "", "add", "X,one", "Y", NULL);
	ob_input(&b, "X", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	ob_output(&b, "Y", MLMD_DTYPE_FLOAT, 2, (int64_t[]){ -1, 1 });
	size_t len;
	uint8_t *bytes = ob_pack(&b, &len);
	FILE *f = fopen(model_path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, len, f), len);
	fclose(f);
	ob_free(&b);
	mlmd_store *s = open_shared();
	assert_non_null(s);
	mlmd_model_record_options ro = MLMD_MODEL_RECORD_OPTIONS_INIT;
	ro.path = model_path;
	ro.name = "racer";
	OK(mlmd_model_record(s, &ro, &race_model));
	for (int round = 0; round < RACES; round++) {
		snprintf(race_deployment, sizeof race_deployment, "race-%d", round);
		int codes[PROCS];
		int ok = fan_out_codes(start_scorer, codes);
		if (ok != PROCS)
			fail_msg("round %d: %d of %d scorers failed to start (see stderr)", round, PROCS - ok, PROCS);
		Mlmd__Pb__GetContextByTypeAndNameRequest cq = MLMD__PB__GET_CONTEXT_BY_TYPE_AND_NAME_REQUEST__INIT;
		Mlmd__Pb__GetContextByTypeAndNameResponse *cs;
		cq.type_name = "Deployment";
		cq.context_name = race_deployment;
		OK(mlmd_store_get_context_by_type_and_name(s, &cq, &cs));
		assert_non_null(cs->context);
		Mlmd__Pb__GetExecutionsByContextRequest xq = MLMD__PB__GET_EXECUTIONS_BY_CONTEXT_REQUEST__INIT;
		Mlmd__Pb__GetExecutionsByContextResponse *xs;
		xq.has_context_id = 1;
		xq.context_id = cs->context->id;
		mlmd_message_free(cs);
		OK(mlmd_store_get_executions_by_context(s, &xq, &xs));
		assert_int_equal(xs->n_executions, PROCS);
		int64_t ids[PROCS];
		for (size_t i = 0; i < PROCS; i++)
			ids[i] = xs->executions[i]->id;
		mlmd_message_free(xs);
		Mlmd__Pb__GetEventsByExecutionIDsRequest evq = MLMD__PB__GET_EVENTS_BY_EXECUTION_IDS_REQUEST__INIT;
		Mlmd__Pb__GetEventsByExecutionIDsResponse *evs;
		evq.n_execution_ids = PROCS;
		evq.execution_ids = ids;
		OK(mlmd_store_get_events_by_execution_ids(s, &evq, &evs));
		assert_int_equal(evs->n_events, PROCS);
		for (size_t i = 0; i < evs->n_events; i++) {
			assert_int_equal(evs->events[i]->artifact_id, race_model);
			assert_int_equal(evs->events[i]->type, MLMD__PB__EVENT__TYPE__INPUT);
		}
		mlmd_message_free(evs);
	}
	Mlmd__Pb__GetContextsByTypeRequest dq = MLMD__PB__GET_CONTEXTS_BY_TYPE_REQUEST__INIT;
	Mlmd__Pb__GetContextsByTypeResponse *ds;
	dq.type_name = "Deployment";
	OK(mlmd_store_get_contexts_by_type(s, &dq, &ds));
	assert_int_equal(ds->n_contexts, RACES);
	mlmd_message_free(ds);
	assert_int_equal(count(s, "GetExecutions"), PROCS * RACES);
	mlmd_store_free(s);
	unlink(model_path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(eight_writers_put_executions, setup, teardown),
		cmocka_unit_test_setup_teardown(contested_context_name, setup, teardown),
		cmocka_unit_test_setup_teardown(scorers_start_together_on_one_deployment, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
