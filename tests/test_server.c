/*
 * `mlmd serve` in process (server/server.h) through a real gRPC client over
 * 127.0.0.1 (tests/grpc_client.h), on a temporary SQLite file or, with
 * MLMD_TEST_BACKEND=postgresql, a new PostgreSQL database: every RPC the
 * library knows answers at its /SERVICE/METHOD path (never UNIMPLEMENTED)
 * with the status the same request gets in process; other paths are
 * UNIMPLEMENTED; statuses, messages and response bytes equal the in-process
 * ones; our own services write as the server's actor; the health service;
 * hostile request bytes are refused and the server keeps serving.
 * TLS and message size limits: tests/test_server_tls.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "server_fixture.h"
#include "mlmd_governance.pb-c.h"

#define HEALTH_CHECK "/grpc.health.v1.Health/Check"

static int up(void **state)
{
	sfx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	sfx_up(f, NULL);
	*state = f;
	return 0;
}

static int down(void **state)
{
	sfx_down(*state);
	free(*state);
	return 0;
}

/* Asserts two outcomes are the same status with the same message. */
static void same_outcome(const char *what, const gc_result *remote, const gc_result *local)
{
	if (remote->status != local->status || strcmp(remote->message, local->message) != 0)
		fail_msg("%s: through the server %s '%s', in process %s '%s'", what, mlmd_status_name(remote->status),
			 remote->message, mlmd_status_name(local->status), local->message);
}

/* Asserts two successful outcomes carry the same response bytes. */
static void same_bytes(const char *what, const gc_result *remote, const gc_result *local)
{
	same_outcome(what, remote, local);
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
	same_outcome(method, &r, &l);
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
		same_outcome(path, &r, &l);
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

static void unknown_paths_are_unimplemented(void **state)
{
	sfx *f = *state;
	static const char *const paths[] = {
		"/ml_metadata.MetadataStoreService/NoSuchMethod",
		"/ml_metadata.MetadataStoreService/putartifacts",
		"/ml_metadata.MetadataStoreService/PutArtifacts/extra",
		"/ml_metadata.MetadataStoreService/",
		"/ml_metadata.MetadataStoreService",
		"/ml_metadata.OtherService/PutArtifacts",
		"//PutArtifacts",
		"/PutArtifacts",
		"/grpc.health.v1.Health/NoSuch",
		"/grpc.health.v1.Health/PutArtifacts",
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
		"/x",
	};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		gc_result r;
		assert_int_equal(gc_call(f->ch, paths[i], "", 0, 0, &r), 0);
		if (r.status != MLMD_UNIMPLEMENTED)
			fail_msg("%s: %s '%s', expected UNIMPLEMENTED", paths[i], mlmd_status_name(r.status), r.message);
		gc_result_free(&r);
	}
	/* and the server still serves a real call */
	Mlmd__Pb__GetArtifactTypesRequest rq = MLMD__PB__GET_ARTIFACT_TYPES_REQUEST__INIT;
	gc_result r;
	sfx_call(f, "GetArtifactTypes", &rq, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
}

/* ---- statuses and messages are the store's -------------------------------------------------- */

static void undecodable_request_is_invalid_argument_as_in_process(void **state)
{
	sfx *f = *state;
	static const char *const methods[] = { "PutArtifacts", "GetArtifactsByID", "PutExecution",
		"CreateRegisteredModel", "GetAuditLog" };
	static const unsigned char junk[] = { 0x0a, 0x05, 0x01, 0x02 }; /* 5 bytes announced, 2 there */
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
		gc_result r, l;
		sfx_call_bytes(f, methods[i], junk, sizeof junk, &r);
		sfx_local_bytes(f->local, methods[i], junk, sizeof junk, &l);
		SFX_STATUS(&r, MLMD_INVALID_ARGUMENT);
		assert_true(r.message[0] != '\0');
		same_outcome(methods[i], &r, &l);
		gc_result_free(&r);
		gc_result_free(&l);
	}
}

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
	Mlmd__Pb__ArtifactType at = MLMD__PB__ARTIFACT_TYPE__INIT;
	at.name = "DataSet";
	OK(mlmd_type_add_property(&at, "span", MLMD__PB__PROPERTY_TYPE__INT));
	Mlmd__Pb__PutArtifactTypeRequest ptr = MLMD__PB__PUT_ARTIFACT_TYPE_REQUEST__INIT;
	ptr.artifact_type = &at;
	Mlmd__Pb__PutArtifactTypeResponse *ptrs = call_same(f, "PutArtifactType", &ptr,
							    &mlmd__pb__put_artifact_type_response__descriptor);
	int64_t dtype = ptrs->type_id;
	mlmd_message_free(ptrs);
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

/* Health.Check for `service`; returns the call's status and the serving
 * status the response carries (-1 when it has none). */
static int health(sfx *f, const char *service, int *serving)
{
	unsigned char req[300];
	size_t n = strlen(service), len = 0;
	assert_true(n < 128);
	if (n) { /* field 1, length-delimited */
		req[len++] = 0x0a;
		req[len++] = (unsigned char)n;
		memcpy(req + len, service, n);
		len += n;
	}
	gc_result r;
	assert_int_equal(gc_call(f->ch, HEALTH_CHECK, req, len, 0, &r), 0);
	*serving = -1;
	if (r.status == 0) { /* HealthCheckResponse: field 1 varint, or nothing (UNKNOWN) */
		assert_non_null(r.data);
		if (r.len == 0)
			*serving = 0;
		else if (r.len == 2 && r.data[0] == 0x08 && r.data[1] < 0x80)
			*serving = r.data[1];
		else
			fail_msg("health response of %zu bytes is not a HealthCheckResponse", r.len);
	}
	int st = r.status;
	gc_result_free(&r);
	return st;
}

static void health_is_serving_overall_and_for_each_service(void **state)
{
	sfx *f = *state;
	int serving;
	assert_int_equal(health(f, "", &serving), 0);
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
		assert_int_equal(health(f, info.service, &serving), 0);
		if (serving != 1)
			fail_msg("health of %s: %d, expected SERVING (1)", info.service, serving);
	}
	assert_true(services >= 6);
}

static void health_of_an_unknown_service_is_not_found(void **state)
{
	sfx *f = *state;
	int serving;
	assert_int_equal(health(f, "no.such.Service", &serving), MLMD_NOT_FOUND);
	assert_int_equal(health(f, "ml_metadata.MetadataStoreServic", &serving), MLMD_NOT_FOUND);
	assert_int_equal(health(f, "ml_metadata", &serving), MLMD_NOT_FOUND);
}

static void health_with_undecodable_bytes_is_invalid_argument(void **state)
{
	sfx *f = *state;
	static const struct { const char *b; size_t n; } bad[] = {
		{ "\x0a\x05" "ab", 4 },          /* 5 bytes announced, 2 there */
		{ "\x0a", 1 },                   /* a tag and nothing */
		{ "\x0f", 1 },                   /* wire type 7 does not exist */
		{ "\x08\xff\xff\xff", 4 },       /* truncated varint */
		{ "\x0a\xff\xff\xff\xff\x0f", 6 }, /* a 4 GiB length prefix */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		gc_result r;
		assert_int_equal(gc_call(f->ch, HEALTH_CHECK, bad[i].b, bad[i].n, 0, &r), 0);
		if (r.status != MLMD_INVALID_ARGUMENT)
			fail_msg("health request %zu: %s '%s', expected INVALID_ARGUMENT", i, mlmd_status_name(r.status),
				 r.message);
		gc_result_free(&r);
	}
	int serving;
	assert_int_equal(health(f, "", &serving), 0);
	assert_int_equal(serving, 1);
}

static void health_watch_is_unimplemented(void **state)
{
	sfx *f = *state;
	gc_result r;
	assert_int_equal(gc_call(f->ch, "/grpc.health.v1.Health/Watch", "", 0, 0, &r), 0);
	SFX_STATUS(&r, MLMD_UNIMPLEMENTED);
	gc_result_free(&r);
}

/* ---- hostile bytes ---------------------------------------------------------------------------- */

/* Appends a varint. */
static size_t put_varint(unsigned char *p, uint64_t v)
{
	size_t n = 0;
	do {
		p[n++] = (unsigned char)((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* A PutArtifactsRequest whose one artifact has a custom property holding a
 * google.protobuf.Value nested `depth` lists deep (Value.list_value = 6,
 * ListValue.values = 1): far deeper than MLMD_MAX_NESTING. Written inside
 * out into buf; returns the length, the bytes at buf + cap - length. */
static size_t deep_request(unsigned char *buf, size_t cap, int depth)
{
	size_t at = cap, len = 0;
	unsigned char hdr[16];
#define WRAP(field) do { size_t h = 0; hdr[h++] = (unsigned char)((field) << 3 | 2); h += put_varint(hdr + h, len); \
	at -= h; memcpy(buf + at, hdr, h); len += h; } while (0)
	for (int i = 0; i < depth; i++) {
		WRAP(1); /* ListValue.values */
		WRAP(6); /* Value.list_value */
	}
	WRAP(2); /* the google Value as a Struct.fields entry's value */
	at -= 3;
	memcpy(buf + at, "\x0a\x01k", 3); /* map entry key "k" */
	len += 3;
	WRAP(1); /* Struct.fields entry */
	WRAP(4); /* ml_metadata.Value.struct_value */
	WRAP(2); /* custom_properties entry value */
	at -= 3;
	memcpy(buf + at, "\x0a\x01p", 3); /* entry key "p" */
	len += 3;
	WRAP(5); /* Artifact.custom_properties */
	at -= 2;
	memcpy(buf + at, "\x10\x01", 2); /* Artifact.type_id = 1 */
	len += 2;
	WRAP(1); /* PutArtifactsRequest.artifacts */
#undef WRAP
	assert_true(at < cap);
	return len;
}

static void hostile_bytes_are_refused_and_the_server_keeps_serving(void **state)
{
	sfx *f = *state;
	assert_int_equal(artifact_type(f->local, "T", 0), 1); /* deep_request()'s type_id */
	static const struct { const char *what; const char *b; size_t n; } bad[] = {
		{ "truncated varint", "\x08\xff\xff", 3 },
		{ "an 11-byte varint", "\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12 },
		{ "a truncated field", "\x0a\x05" "ab", 4 },
		{ "a 4 GiB length prefix", "\x0a\xff\xff\xff\xff\x0f" "abc", 9 },
		{ "a 2^63 length prefix", "\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10 },
		{ "wire type 7", "\x0f\x00", 2 },
		{ "field number 0", "\x00\x01", 2 },
		{ "a tag and nothing", "\x12", 1 },
	};
	static const char *const methods[] = { "PutArtifacts", "GetArtifactsByID", "PutExecution",
		"GetLineageSubgraph", "PutLineageSubgraph", "CreateRegisteredModel", "SetAliases", "GetAuditLog",
		"StartRun" };
	for (size_t m = 0; m < sizeof methods / sizeof *methods; m++)
		for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
			gc_result r, l;
			sfx_call_bytes(f, methods[m], bad[i].b, bad[i].n, &r);
			sfx_local_bytes(f->local, methods[m], bad[i].b, bad[i].n, &l);
			if (l.status != MLMD_INVALID_ARGUMENT)
				fail_msg("%s with %s: in process %s '%s' (the case is meant to be undecodable)",
					 methods[m], bad[i].what, mlmd_status_name(l.status), l.message);
			char what[200];
			snprintf(what, sizeof what, "%s with %s", methods[m], bad[i].what);
			same_outcome(what, &r, &l);
			gc_result_free(&r);
			gc_result_free(&l);
		}

	/* wrong wire types and a broken nested message, where the field's type is known */
	static const struct { const char *method, *what, *b; size_t n; } typed[] = {
		{ "PutArtifacts", "artifacts as a varint", "\x08\x01", 2 },
		{ "PutArtifacts", "artifacts as a fixed64", "\x09" "abcdefgh", 9 },
		{ "PutArtifacts", "an artifact with a truncated type_id", "\x0a\x02\x10\xff", 4 },
		{ "GetArtifactsByID", "artifact_ids as a fixed32", "\x0d" "abcd", 5 },
		{ "CreateRegisteredModel", "name as a varint", "\x08\x01", 2 },
		{ "SetAliases", "moves as a varint", "\x10\x01", 2 },
		{ "GetAuditLog", "since_seq as a string", "\x0a\x01x", 3 },
	};
	for (size_t i = 0; i < sizeof typed / sizeof *typed; i++) {
		gc_result r, l;
		char what[200];
		snprintf(what, sizeof what, "%s with %s", typed[i].method, typed[i].what);
		sfx_call_bytes(f, typed[i].method, typed[i].b, typed[i].n, &r);
		sfx_local_bytes(f->local, typed[i].method, typed[i].b, typed[i].n, &l);
		if (l.status != MLMD_INVALID_ARGUMENT)
			fail_msg("%s: in process %s '%s' (the case is meant to be undecodable)", what,
				 mlmd_status_name(l.status), l.message);
		same_outcome(what, &r, &l);
		gc_result_free(&r);
		gc_result_free(&l);
	}

	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	size_t n = deep_request(buf, cap, 2000);
	gc_result r, l;
	assert_true(n > 4 * 2000);
	sfx_call_bytes(f, "PutArtifacts", buf + cap - n, n, &r);
	sfx_local_bytes(f->local, "PutArtifacts", buf + cap - n, n, &l);
	SFX_STATUS(&r, MLMD_INVALID_ARGUMENT);
	same_outcome("PutArtifacts nested 2000 deep", &r, &l);
	gc_result_free(&r);
	gc_result_free(&l);
	free(buf);

	/* nothing was written, and the server answers as before */
	Mlmd__Pb__GetArtifactsRequest ga = MLMD__PB__GET_ARTIFACTS_REQUEST__INIT;
	sfx_call(f, "GetArtifacts", &ga, &r);
	Mlmd__Pb__GetArtifactsResponse *gar = sfx_unpack(&r, &mlmd__pb__get_artifacts_response__descriptor);
	assert_int_equal(gar->n_artifacts, 0);
	mlmd_message_free(gar);
	gc_result_free(&r);
	int serving;
	assert_int_equal(health(f, "", &serving), 0);
	assert_int_equal(serving, 1);

	/* the deep request's shape is a valid one: 10 deep, it is stored */
	buf = malloc(cap);
	assert_non_null(buf);
	n = deep_request(buf, cap, 10);
	sfx_call_bytes(f, "PutArtifacts", buf + cap - n, n, &r);
	SFX_STATUS(&r, 0);
	gc_result_free(&r);
	free(buf);
}

int main(void)
{
	if (sfx_unsupported()) {
		printf("test_server: skipped: the server opens stores by URI; MLMD_TEST_BACKEND=custom has none\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_rpc_answers_at_its_service_path, up, down),
		cmocka_unit_test_setup_teardown(method_under_another_service_is_unimplemented, up, down),
		cmocka_unit_test_setup_teardown(unknown_paths_are_unimplemented, up, down),
		cmocka_unit_test_setup_teardown(undecodable_request_is_invalid_argument_as_in_process, up, down),
		cmocka_unit_test_setup_teardown(not_found_is_the_store_status_and_message, up, down),
		cmocka_unit_test_setup_teardown(already_exists_is_the_store_status_and_message, up, down),
		cmocka_unit_test_setup_teardown(invalid_argument_is_the_store_status_and_message, up, down),
		cmocka_unit_test_setup_teardown(round_trip_gives_the_in_process_bytes, up, down),
		cmocka_unit_test_setup_teardown(registry_writes_through_the_server_are_audited_as_its_actor, up, down),
		cmocka_unit_test_setup_teardown(health_is_serving_overall_and_for_each_service, up, down),
		cmocka_unit_test_setup_teardown(health_of_an_unknown_service_is_not_found, up, down),
		cmocka_unit_test_setup_teardown(health_with_undecodable_bytes_is_invalid_argument, up, down),
		cmocka_unit_test_setup_teardown(health_watch_is_unimplemented, up, down),
		cmocka_unit_test_setup_teardown(hostile_bytes_are_refused_and_the_server_keeps_serving, up, down),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
