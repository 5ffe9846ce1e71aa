/*
 * `mlmd serve` in process (server/server.h) through a real gRPC client over
 * 127.0.0.1 (tests/grpc_client.h), on a temporary SQLite file or, with
 * MLMD_TEST_BACKEND=postgresql, a new PostgreSQL database: every RPC the
 * library knows answers at its /SERVICE/METHOD path (never UNIMPLEMENTED)
 * with the status the same request gets in process, and not under another
 * service's name; statuses, messages and response bytes equal the in-process
 * ones; our own services write as the server's actor; the health service;
 * the access log's lines.
 * Hostile requests: tests/test_server_hostile.c; TLS and message size
 * limits: tests/test_server_tls.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <regex.h>
#include <cmocka.h>
#include "server_fixture.h"
#include "mlmd_governance.pb-c.h"

/* Asserts two successful outcomes carry the same response bytes. */
static void same_bytes(const char *what, const gc_result *remote, const gc_result *local)
{
	sfx_same_outcome(what, remote, local);
	SFX_STATUS(remote, 0);
	if (remote->len != local->len || (remote->len && memcmp(remote->data, local->data, remote->len) != 0))
		fail_msg("%s: %zu response bytes through the server, %zu in process, not the same", what, remote->len,
			 local->len);
}

/* Calls m through the server and in process (same bytes) and asserts the
 * same status and message; returns the in-process status. */
static int compare_call(sfx *f, const char *method, const void *m)
{
	gc_result r, l;
	sfx_call(f, method, m, &r);
	sfx_local(f->local, method, m, &l);
	sfx_same_outcome(method, &r, &l);
	int st = l.status;
	gc_result_free(&r);
	gc_result_free(&l);
	return st;
}

/* ---- routing ---------------------------------------------------------------------------------- */

static void every_rpc_answers_at_its_service_path(void **state)
{
	sfx *f = *state;
	size_t n = mlmd_rpc_count();
	assert_true(n > 52); /* MLMD's 52 and ours */
	for (size_t i = 0; i < n; i++) {
		mlmd_rpc_info info;
		char path[256];
		gc_result r, l;
		OK(mlmd_rpc_at(i, &info));
		snprintf(path, sizeof path, "/%s/%s", info.service, info.method);
		assert_int_equal(gc_call(f->ch, path, NULL, 0, 0, &r), 0);
		if (r.status == MLMD_UNIMPLEMENTED)
			fail_msg("%s: UNIMPLEMENTED: %s", path, r.message);
		sfx_local_bytes(f->local, info.method, NULL, 0, &l);
		sfx_same_outcome(path, &r, &l);
		gc_result_free(&r);
		gc_result_free(&l);
	}
}

static void method_under_another_service_is_unimplemented(void **state)
{
	sfx *f = *state;
	for (size_t i = 0; i < mlmd_rpc_count(); i++) {
		mlmd_rpc_info info;
		char path[256];
		gc_result r;
		OK(mlmd_rpc_at(i, &info));
		const char *other = strcmp(info.service, "ml_metadata.MetadataStoreService")
			? "ml_metadata.MetadataStoreService" : "mlmd.governance.RegistryService";
		snprintf(path, sizeof path, "/%s/%s", other, info.method);
		assert_int_equal(gc_call(f->ch, path, NULL, 0, 0, &r), 0);
		if (r.status != MLMD_UNIMPLEMENTED)
			fail_msg("%s: %s '%s', expected UNIMPLEMENTED", path, mlmd_status_name(r.status), r.message);
		gc_result_free(&r);
	}
}

/* ---- statuses and messages are the store's -------------------------------------------------- */

static void not_found_is_the_store_status_and_message(void **state)
{
	sfx *f = *state;
	Mlmd__Pb__GetArtifactTypeRequest t = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	t.type_name = "NoSuchType";
	assert_int_equal(compare_call(f, "GetArtifactType", &t), MLMD_NOT_FOUND);

	Mlmd__Pb__Governance__GetRegisteredModelRequest g = MLMD__PB__GOVERNANCE__GET_REGISTERED_MODEL_REQUEST__INIT;
	g.name = "no-such-model";
	assert_int_equal(compare_call(f, "GetRegisteredModel", &g), MLMD_NOT_FOUND);
}

static void already_exists_is_the_store_status_and_message(void **state)
{
	sfx *f = *state;
	Mlmd__Pb__Governance__CreateRegisteredModelRequest c = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	c.name = "iris";
	gc_result r;
	sfx_call(f, "CreateRegisteredModel", &c, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	assert_int_equal(compare_call(f, "CreateRegisteredModel", &c), MLMD_ALREADY_EXISTS);

	int64_t ctype = context_type(f->local, "Pipeline");
	Mlmd__Pb__Context ctx = MLMD__PB__CONTEXT__INIT, *cp = &ctx;
	ctx.has_type_id = 1;
	ctx.type_id = ctype;
	ctx.name = "p1";
	Mlmd__Pb__PutContextsRequest pc = MLMD__PB__PUT_CONTEXTS_REQUEST__INIT;
	pc.n_contexts = 1;
	pc.contexts = &cp;
	sfx_call(f, "PutContexts", &pc, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	assert_int_equal(compare_call(f, "PutContexts", &pc), MLMD_ALREADY_EXISTS);
}

static void invalid_argument_is_the_store_status_and_message(void **state)
{
	sfx *f = *state;
	Mlmd__Pb__Artifact a = MLMD__PB__ARTIFACT__INIT, *ap = &a; /* no type_id */
	a.uri = "file:///x";
	Mlmd__Pb__PutArtifactsRequest rq = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	rq.n_artifacts = 1;
	rq.artifacts = &ap;
	assert_int_equal(compare_call(f, "PutArtifacts", &rq), MLMD_INVALID_ARGUMENT);

	Mlmd__Pb__Governance__CreateRegisteredModelRequest c = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	c.name = "a/b";
	assert_int_equal(compare_call(f, "CreateRegisteredModel", &c), MLMD_INVALID_ARGUMENT);
}

/* ---- a real round trip ------------------------------------------------------------------------ */

/* Calls m through the server, expects OK, and asserts the in-process
 * answer to the same bytes is the same; returns the response unpacked. */
static void *call_same(sfx *f, const char *method, const void *m, const ProtobufCMessageDescriptor *out)
{
	gc_result r, l;
	sfx_call(f, method, m, &r);
	SFX_STATUS(&r, 0);
	sfx_local(f->local, method, m, &l);
	same_bytes(method, &r, &l);
	void *resp = sfx_unpack(&r, out);
	gc_result_free(&r);
	gc_result_free(&l);
	return resp;
}

static void round_trip_gives_the_in_process_bytes(void **state)
{
	sfx *f = *state;
	gc_result r;

	/* types: putting the same type again is idempotent, so both answers name it */
	Mlmd__Pb__ArtifactType *at = mlmd_message_new(&mlmd__pb__artifact_type__descriptor);
	OK(mlmd_message_set_string(at, "name", "DataSet"));
	OK(mlmd_type_add_property(at, "span", MLMD__PB__PROPERTY_TYPE__INT));
	Mlmd__Pb__PutArtifactTypeRequest ptr = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	ptr.artifact_type = at;
	Mlmd__Pb__PutArtifactTypeResponse *ptrs = call_same(f, "PutArtifactType", &ptr,
							    &mlmd__pb__put_artifact_type_response__descriptor);
	int64_t dtype = ptrs->type_id;
	mlmd_message_free(ptrs);
	mlmd_message_free(at);
	Mlmd__Pb__ExecutionType et = MLMD__PB__EXECUTION_TYPE__INIT;
	et.name = "Trainer";
	Mlmd__Pb__PutExecutionTypeRequest petr = MLMD__PB__PUT_EXECUTION_TYPE_REQUEST__INIT;
	petr.execution_type = &et;
	Mlmd__Pb__PutExecutionTypeResponse *petrs = call_same(f, "PutExecutionType", &petr,
							      &mlmd__pb__put_execution_type_response__descriptor);
	int64_t etype = petrs->type_id;
	mlmd_message_free(petrs);

	/* two artifacts through the server */
	Mlmd__Pb__Artifact *arts[2] = { new_artifact(dtype, "file:///data/a"), new_artifact(dtype, "file:///data/b") };
	OK(mlmd_node_set_int(arts[0], 0, "span", 7));
	OK(mlmd_node_set_string(arts[1], 1, "note", "second"));
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	pa.n_artifacts = 2;
	pa.artifacts = arts;
	sfx_call(f, "PutArtifacts", &pa, &r);
	Mlmd__Pb__PutArtifactsResponse *pars = sfx_unpack(&r, &mlmd__pb__put_artifacts_response__descriptor);
	gc_result_free(&r);
	assert_int_equal(pars->n_artifact_ids, 2);
	int64_t ids[2] = { pars->artifact_ids[0], pars->artifact_ids[1] };
	mlmd_message_free(pars);
	mlmd_message_free(arts[0]);
	mlmd_message_free(arts[1]);

	Mlmd__Pb__GetArtifactsByIDRequest g = MLMD__PB__GET_ARTIFACTS_BY_IDREQUEST__INIT;
	g.n_artifact_ids = 2;
	g.artifact_ids = ids;
	Mlmd__Pb__GetArtifactsByIDResponse *gr = call_same(f, "GetArtifactsByID", &g,
							   &mlmd__pb__get_artifacts_by_idresponse__descriptor);
	assert_int_equal(gr->n_artifacts, 2);
	assert_string_equal(gr->artifacts[0]->uri, "file:///data/a");
	mlmd_message_free(gr);

	/* an execution reading artifact a and writing a new one, in one PutExecution */
	Mlmd__Pb__Execution ex = MLMD__PB__EXECUTION__INIT;
	ex.has_type_id = 1;
	ex.type_id = etype;
	Mlmd__Pb__Event in = MLMD__PB__EVENT__INIT, out = MLMD__PB__EVENT__INIT;
	in.has_type = out.has_type = 1;
	in.type = MLMD__PB__EVENT__TYPE__INPUT;
	out.type = MLMD__PB__EVENT__TYPE__OUTPUT;
	Mlmd__Pb__Artifact ina = MLMD__PB__ARTIFACT__INIT;
	ina.has_id = ina.has_type_id = 1;
	ina.id = ids[0];
	ina.type_id = dtype;
	ina.uri = "file:///data/a";
	Mlmd__Pb__Artifact *outa = new_artifact(dtype, "file:///model");
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p0 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent p1 = MLMD__PB__PUT_EXECUTION_REQUEST__ARTIFACT_AND_EVENT__INIT;
	p0.artifact = &ina;
	p0.event = &in;
	p1.artifact = outa;
	p1.event = &out;
	Mlmd__Pb__PutExecutionRequest__ArtifactAndEvent *pairs[2] = { &p0, &p1 };
	Mlmd__Pb__PutExecutionRequest pe = MLMD__PB__PUT_EXECUTION_REQUEST__INIT;
	pe.execution = &ex;
	pe.n_artifact_event_pairs = 2;
	pe.artifact_event_pairs = pairs;
	sfx_call(f, "PutExecution", &pe, &r);
	Mlmd__Pb__PutExecutionResponse *pers = sfx_unpack(&r, &mlmd__pb__put_execution_response__descriptor);
	gc_result_free(&r);
	mlmd_message_free(outa);
	assert_true(pers->execution_id > 0);
	assert_int_equal(pers->n_artifact_ids, 2);
	int64_t model = pers->artifact_ids[1];
	mlmd_message_free(pers);

	/* the lineage upstream of the new artifact, both ways: the same bytes */
	Mlmd__Pb__GetLineageSubgraphRequest lq = MLMD__PB__GET_LINEAGE_SUBGRAPH_REQUEST__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions o = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__INIT;
	Mlmd__Pb__LineageSubgraphQueryOptions__StartingNodes sn =
		MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES__INIT;
	char flt[64];
	snprintf(flt, sizeof flt, "id = %lld", (long long)model);
	sn.filter_query = flt;
	o.starting_nodes_case = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__STARTING_NODES_STARTING_ARTIFACTS;
	o.starting_artifacts = &sn;
	o.has_max_num_hops = 1;
	o.max_num_hops = 4;
	o.has_direction = 1;
	o.direction = MLMD__PB__LINEAGE_SUBGRAPH_QUERY_OPTIONS__DIRECTION__UPSTREAM;
	lq.lineage_subgraph_query_options = &o;
	Mlmd__Pb__GetLineageSubgraphResponse *lr = call_same(f, "GetLineageSubgraph", &lq,
							     &mlmd__pb__get_lineage_subgraph_response__descriptor);
	assert_non_null(lr->lineage_subgraph);
	assert_int_equal(lr->lineage_subgraph->n_artifacts, 2);
	assert_int_equal(lr->lineage_subgraph->n_executions, 1);
	assert_int_equal(lr->lineage_subgraph->n_events, 2);
	mlmd_message_free(lr);
}

/* ---- our own services ------------------------------------------------------------------------- */

static void registry_writes_through_the_server_are_audited_as_its_actor(void **state)
{
	sfx *f = *state;
	gc_result r;
	int64_t type = artifact_type(f->local, "Model", 0);
	/* the artifact through the server too, so every write is the server's */
	Mlmd__Pb__Artifact *a = new_artifact(type, "file:///models/iris.onnx");
	Mlmd__Pb__PutArtifactsRequest pa = MLMD__PB__PUT_ARTIFACTS_REQUEST__INIT;
	pa.n_artifacts = 1;
	pa.artifacts = &a;
	sfx_call(f, "PutArtifacts", &pa, &r);
	Mlmd__Pb__PutArtifactsResponse *pars = sfx_unpack(&r, &mlmd__pb__put_artifacts_response__descriptor);
	gc_result_free(&r);
	int64_t art = pars->artifact_ids[0];
	mlmd_message_free(pars);
	mlmd_message_free(a);

	Mlmd__Pb__Governance__CreateRegisteredModelRequest cm = MLMD__PB__GOVERNANCE__CREATE_REGISTERED_MODEL_REQUEST__INIT;
	cm.name = "iris";
	sfx_call(f, "CreateRegisteredModel", &cm, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	Mlmd__Pb__Governance__CreateModelVersionRequest cv = MLMD__PB__GOVERNANCE__CREATE_MODEL_VERSION_REQUEST__INIT;
	cv.model_name = "iris";
	cv.has_artifact_id = 1;
	cv.artifact_id = art;
	sfx_call(f, "CreateModelVersion", &cv, &r);
	Mlmd__Pb__Governance__CreateModelVersionResponse *cvr =
		sfx_unpack(&r, &mlmd__pb__governance__create_model_version_response__descriptor);
	gc_result_free(&r);
	assert_int_equal(cvr->version->version, 1);
	assert_string_equal(cvr->version->creator, SFX_ACTOR);
	mlmd_message_free(cvr);

	Mlmd__Pb__Governance__AliasMove mv = MLMD__PB__GOVERNANCE__ALIAS_MOVE__INIT, *mvp = &mv;
	mv.alias = "champion";
	mv.has_version = 1;
	mv.version = 1;
	Mlmd__Pb__Governance__SetAliasesRequest sa = MLMD__PB__GOVERNANCE__SET_ALIASES_REQUEST__INIT;
	sa.model_name = "iris";
	sa.n_moves = 1;
	sa.moves = &mvp;
	sfx_call(f, "SetAliases", &sa, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);

	/* the alias is there for an in-process reader */
	Mlmd__Pb__Governance__ResolveModelRequest rm = MLMD__PB__GOVERNANCE__RESOLVE_MODEL_REQUEST__INIT;
	rm.model_name = "iris";
	rm.alias = "champion";
	int rc = 0;
	Mlmd__Pb__Governance__ResolveModelResponse *rmr =
		test_rpc(f->local, "ResolveModel", &rm, &mlmd__pb__governance__resolve_model_response__descriptor, &rc);
	OK(rc);
	assert_int_equal(rmr->version->version, 1);
	assert_int_equal(rmr->version->artifact_id, art);
	mlmd_message_free(rmr);

	/* the audit log, read through the server: every write is the server actor's */
	Mlmd__Pb__Governance__GetAuditLogRequest al = MLMD__PB__GOVERNANCE__GET_AUDIT_LOG_REQUEST__INIT;
	sfx_call(f, "GetAuditLog", &al, &r);
	Mlmd__Pb__Governance__GetAuditLogResponse *alr =
		sfx_unpack(&r, &mlmd__pb__governance__get_audit_log_response__descriptor);
	gc_result_free(&r);
	int seen_create = 0, seen_alias = 0;
	for (size_t i = 0; i < alr->n_records; i++) {
		Mlmd__Pb__Governance__AuditRecord *rec = alr->records[i];
		if (!strcmp(rec->operation, "PutArtifactType"))
			continue; /* the in-process artifact_type() above */
		if (strcmp(rec->actor, SFX_ACTOR) != 0)
			fail_msg("audit record %lld (%s) is by '%s', expected '%s'", (long long)rec->seq,
				 rec->operation, rec->actor, SFX_ACTOR);
		seen_create += !strcmp(rec->operation, "CreateRegisteredModel");
		seen_alias += !strcmp(rec->operation, "SetAliases");
	}
	assert_int_equal(seen_create, 1);
	assert_int_equal(seen_alias, 1);
	mlmd_message_free(alr);
}

/* ---- health ----------------------------------------------------------------------------------- */

static void health_is_serving_overall_and_for_each_service(void **state)
{
	sfx *f = *state;
	int serving;
	assert_int_equal(sfx_health(f, "", &serving), 0);
	assert_int_equal(serving, 1);
	const char *last = "";
	int services = 0;
	for (size_t i = 0; i < mlmd_rpc_count(); i++) {
		mlmd_rpc_info info;
		OK(mlmd_rpc_at(i, &info));
		if (!strcmp(info.service, last))
			continue;
		last = info.service;
		services++;
		assert_int_equal(sfx_health(f, info.service, &serving), 0);
		if (serving != 1)
			fail_msg("health of %s: %d, expected SERVING (1)", info.service, serving);
	}
	assert_true(services >= 6);
}

static void health_of_an_unknown_service_is_not_found(void **state)
{
	sfx *f = *state;
	int serving;
	assert_int_equal(sfx_health(f, "no.such.Service", &serving), MLMD_NOT_FOUND);
	assert_int_equal(sfx_health(f, "ml_metadata.MetadataStoreServic", &serving), MLMD_NOT_FOUND);
	assert_int_equal(sfx_health(f, "ml_metadata", &serving), MLMD_NOT_FOUND);
}

static void health_watch_is_unimplemented(void **state)
{
	sfx *f = *state;
	gc_result r;
	assert_int_equal(gc_call(f->ch, "/grpc.health.v1.Health/Watch", "", 0, 0, &r), 0);
	SFX_STATUS(&r, MLMD_UNIMPLEMENTED);
	gc_result_free(&r);
}

/* ---- the access log --------------------------------------------------------------------------- */

/* Counts the lines of log that match the extended regular expression re. */
static int matching_lines(FILE *log, const char *re)
{
	regex_t rx;
	char line[2048];
	int n = 0;
	assert_int_equal(regcomp(&rx, re, REG_EXTENDED | REG_NOSUB), 0);
	rewind(log);
	while (fgets(line, sizeof line, log)) {
		line[strcspn(line, "\n")] = '\0';
		n += regexec(&rx, line, 0, NULL, 0) == 0;
	}
	regfree(&rx);
	return n;
}

static void access_log_has_a_start_and_an_end_line_per_call(void **state)
{
	(void)state;
	FILE *log = tmpfile();
	assert_non_null(log);
	sfx f;
	srv_config cfg = SRV_CONFIG_INIT;
	cfg.verbosity = 2;
	cfg.log = log;
	sfx_up(&f, &cfg);
	Mlmd__Pb__GetArtifactTypesRequest ok = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	Mlmd__Pb__GetArtifactTypeRequest nf = MLMD__PB__GET_ARTIFACT_TYPE_REQUEST__INIT;
	nf.type_name = "NoSuchType";
	gc_result r;
	sfx_call(&f, "GetArtifactTypes", &ok, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	sfx_call(&f, "GetArtifactType", &nf, &r);
	SFX_STATUS(&r, MLMD_NOT_FOUND);
	gc_result_free(&r);
	assert_int_equal(gc_call(f.ch, "/ml_metadata.MetadataStoreService/NoSuch", "", 0, 0, &r), 0);
	SFX_STATUS(&r, MLMD_UNIMPLEMENTED);
	gc_result_free(&r);
	sfx_down(&f); /* the workers are joined: every line is written */

#define WHEN "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z ipv4:127\\.0\\.0\\.1:[0-9]+ "
#define SVC "/ml_metadata\\.MetadataStoreService/"
	assert_int_equal(matching_lines(log, WHEN SVC "GetArtifactTypes OK [0-9]+us$"), 1);
	assert_int_equal(matching_lines(log, WHEN SVC "GetArtifactType NOT_FOUND [0-9]+us$"), 1);
	assert_int_equal(matching_lines(log, WHEN SVC "NoSuch UNIMPLEMENTED [0-9]+us$"), 1);
	assert_int_equal(matching_lines(log, WHEN SVC "[A-Za-z]+ START$"), 3);
	assert_int_equal(matching_lines(log, "."), 6);
#undef WHEN
#undef SVC
	fclose(log);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_rpc_answers_at_its_service_path, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(method_under_another_service_is_unimplemented, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(not_found_is_the_store_status_and_message, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(already_exists_is_the_store_status_and_message, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(invalid_argument_is_the_store_status_and_message, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(round_trip_gives_the_in_process_bytes, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(registry_writes_through_the_server_are_audited_as_its_actor, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(health_is_serving_overall_and_for_each_service, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(health_of_an_unknown_service_is_not_found, sfx_setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(health_watch_is_unimplemented, sfx_setup, sfx_teardown),
		cmocka_unit_test(access_log_has_a_start_and_an_end_line_per_call),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
